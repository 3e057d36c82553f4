/*
 * Splits a stream into lines through one reused buffer, so memory is
 * bounded by the line-length limit, never by the entry. A line longer than
 * the limit is cut there; the rest of it up to the newline is dropped and
 * the cut is reported by the caller (the cut flag).
 *
 * The analysis reads entries through the line feed (feed.h), which splits
 * lines the same way in batches on its reader thread. This simple
 * splitter is the reference the feed is tested against
 * (tests/unit/test_feed.c) and what the source tests and fuzz target use
 * to read entries.
 */
#ifndef KTRIAGE_LINES_H
#define KTRIAGE_LINES_H

#include <stddef.h>

#include "stream.h"
#include "util.h"

#define LINES_DEFAULT_MAX (1u << 20)	/* 1 MiB */

struct lines {
	struct stream *in;
	char *buf;
	size_t cap, start, end;
	size_t max_line;
	unsigned long lineno;	/* number of the line last returned, 1-based */
	int cut;		/* the line last returned was cut at max_line */
	int eof;
	int failed;		/* a read error follows the last line */
	int skip_pending;	/* the tail of a cut line is still unread */
	unsigned long gen;	/* changes whenever the buffer's bytes move */
};

void lines_init(struct lines *l, struct stream *in, size_t max_line);
void lines_free(struct lines *l);

/*
 * Return the next line without its newline (and without a trailing CR) in
 * *line, valid until the next call. Returns 1 for a line, 0 at the end,
 * -1 on a read error (the stream holds the message).
 */
int lines_next(struct lines *l, struct slice *line);

/*
 * The end of the bytes read so far: the line last returned and the lines
 * after it stay at their place in the buffer until l->gen changes.
 */
static inline const char *lines_avail_end(const struct lines *l)
{
	return l->buf + l->end;
}

#endif
