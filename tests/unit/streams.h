/*
 * Test streams for the line splitters (test_lines.c, test_feed.c): one
 * that hands out a byte per read and one that fails after a few bytes,
 * and the cases both splitters must cut the same way.
 * Static: include once per test.
 */
#ifndef KTRIAGE_TEST_STREAMS_H
#define KTRIAGE_TEST_STREAMS_H

#include <string.h>
#include <sys/types.h>

#include "buf.h"
#include "stream.h"

/* A stream that hands out one byte per read, to cross every boundary. */
struct drip {
	const char *p;
	size_t n, pos;
};

static ssize_t drip_read(struct stream *s, void *dst, size_t n)
{
	struct drip *d = s->state;

	(void)n;
	if (d->pos >= d->n)
		return 0;
	*(char *)dst = d->p[d->pos++];
	return 1;
}

static const struct stream_ops drip_ops = { drip_read, NULL };

/* A stream that gives some bytes, then fails. */
static ssize_t broken_read(struct stream *s, void *dst, size_t n)
{
	int *calls = s->state;

	(void)n;
	if ((*calls)++ == 0) {
		memcpy(dst, "a\nbc", 4);
		return 4;
	}
	buf_adds(&s->err, "unexpected end of gzip data");
	return -1;
}

static const struct stream_ops broken_ops = { broken_read, NULL };

/* Inputs, line length limits, the lines expected ("|" after each), cuts. */
struct split_case {
	const char *in;
	size_t max;
	const char *want;
	int cuts;
};

static const struct split_case split_cases[] = {
	{ "a\nbb\nccc\n", 0, "a|bb|ccc|", 0 },
	{ "a\nno newline at end", 0, "a|no newline at end|", 0 },
	{ "crlf\r\nline\r\n", 0, "crlf|line|", 0 },
	{ "\n\nx\n", 0, "||x|", 0 },
	{ "", 0, "", 0 },
	{ "0123456789\nok\n", 4, "0123|ok|", 1 },
	{ "0123456789", 4, "0123|", 1 },
	{ "abcd\nabcde\n", 4, "abcd|abcd|", 1 },
};

#define SPLIT_CASES (sizeof(split_cases) / sizeof(split_cases[0]))

#endif
