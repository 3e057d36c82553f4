/*
 * Shared by the parser fuzz targets: feed arbitrary bytes to a line-fed
 * parser as the pipeline does (lines.c): lines without their newline or
 * trailing CR, NUL bytes kept, a line longer than the bound cut there and
 * its rest dropped. The splitting is done here over the fuzzer's buffer,
 * without lines.c's large read buffer, so each run is cheap; lines.c
 * itself is fuzzed by fuzz_source and fuzz_pipeline. Each line is copied
 * to its own allocation so that a read past its end is caught.
 */
#ifndef KTRIAGE_FUZZ_COMMON_H
#define KTRIAGE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "input.h"
#include "object.h"
#include "parse.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest line handed to a parser; small so runs stay fast. */
#define FUZZ_MAX_LINE (64u * 1024)
/* Largest object a parser may build. */
#define FUZZ_MAX_OBJECT ((size_t)1 << 20)

typedef void (*fuzz_line_fn)(void *parser, struct slice line,
			     unsigned long lineno);

static inline void fuzz_feed(const uint8_t *data, size_t size,
			     fuzz_line_fn fn, void *parser)
{
	const char *p = (const char *)data, *end = p + size;
	unsigned long lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t keep = n > FUZZ_MAX_LINE ? FUZZ_MAX_LINE : n;
		char *copy;

		if (keep == n && keep && p[keep - 1] == '\r')
			keep--;
		copy = xmalloc(keep ? keep : 1);
		memcpy(copy, p, keep);
		fn(parser, slice_make(copy, keep), ++lineno);
		free(copy);
		p += n + (nl ? 1 : 0);
	}
}

/* Objects are inspected a little (so their trees are walked) and freed. */
static inline void fuzz_on_object(struct kobject *o, void *ctx)
{
	unsigned long *n = ctx;

	if (o->kind && o->name && o->kind[0] == o->name[0])
		(*n)++;
	(*n)++;
	kobject_free(o);
}

static inline void fuzz_on_event(struct kevent *ev, void *ctx)
{
	unsigned long *n = ctx;

	(*n)++;
	kevent_clear(ev);
}

static inline void fuzz_parse_ctx(struct parse_ctx *pc, struct input *in,
				  unsigned long *count)
{
	diag_set_quiet(2);
	input_init(in, "fuzz");
	memset(pc, 0, sizeof(*pc));
	pc->source = "fuzz";
	pc->in = in;
	pc->on_object = fuzz_on_object;
	pc->on_event = fuzz_on_event;
	pc->ctx = count;
	pc->max_object_bytes = FUZZ_MAX_OBJECT;
}

#endif
