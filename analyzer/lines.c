/*
 * Line splitting over a stream with one growable buffer of at most
 * max_line + a read chunk. memchr finds newlines; lines that do not fit
 * are cut rather than grown without bound.
 */
#include "lines.h"

#include <stdlib.h>
#include <string.h>

#define READ_CHUNK (256u * 1024)

void lines_init(struct lines *l, struct stream *in, size_t max_line)
{
	memset(l, 0, sizeof(*l));
	l->in = in;
	l->max_line = max_line ? max_line : LINES_DEFAULT_MAX;
	l->buf = xgrow(NULL, &l->cap, READ_CHUNK, 1);
}

void lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Read more bytes at the end of the buffer; returns bytes read or -1. */
static long fill(struct lines *l)
{
	ssize_t r;

	l->gen++;
	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->cap - l->end < READ_CHUNK)
		l->buf = xgrow(l->buf, &l->cap, l->end + READ_CHUNK, 1);
	r = stream_read(l->in, l->buf + l->end, l->cap - l->end);
	if (r > 0)
		l->end += (size_t)r;
	return (long)r;
}

/* Drop bytes up to and including the next newline (the cut tail). */
static int skip_rest(struct lines *l)
{
	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		long r;

		if (nl) {
			l->start = (size_t)(nl - l->buf) + 1;
			return 0;
		}
		l->start = l->end = 0;
		r = fill(l);
		if (r < 0)
			return -1;
		if (r == 0) {
			l->eof = 1;
			return 0;
		}
	}
}

int lines_next(struct lines *l, struct slice *line)
{
	size_t scanned = 0;

	l->cut = 0;
	if (l->skip_pending) {
		l->skip_pending = 0;
		if (skip_rest(l) < 0)
			return -1;
	}
	for (;;) {
		char *base = l->buf + l->start;
		size_t avail = l->end - l->start;
		char *nl = avail > scanned ?
			memchr(base + scanned, '\n', avail - scanned) : NULL;
		size_t len;
		long r;

		if (nl) {
			len = (size_t)(nl - base);
			if (len > l->max_line) {
				len = l->max_line;
				l->cut = 1;
			}
			*line = slice_make(base, len);
			l->start += (size_t)(nl - base) + 1;
			break;
		}
		if (avail > l->max_line) {
			*line = slice_make(base, l->max_line);
			l->cut = 1;
			/*
			 * The cut line stays in the buffer until the caller is
			 * done with it, so its tail is skipped on the next call.
			 */
			l->start += l->max_line;
			l->skip_pending = 1;
			l->lineno++;
			return 1;
		}
		scanned = avail;
		if (l->eof) {
			if (!avail)
				return l->failed ? -1 : 0;
			*line = slice_make(base, avail);
			l->start = l->end;
			break;
		}
		r = fill(l);
		if (r < 0) {
			/*
			 * Hand back the bytes read before the damage as a last
			 * line; the error is returned on the next call.
			 */
			if (l->end > l->start) {
				l->eof = 1;
				l->failed = 1;
				continue;
			}
			return -1;
		}
		if (r == 0)
			l->eof = 1;
	}
	l->lineno++;
	if (line->n && line->p[line->n - 1] == '\r')
		line->n--;
	return 1;
}
