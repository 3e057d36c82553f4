/*
 * A fast reader for the regular block YAML that kubectl (go-yaml) and
 * troubleshoot.sh print. It gives the same events libyaml's parser would
 * give for a document (types, scalar values and styles, start-mark
 * lines) and declines anything outside its subset or anything it is not
 * sure about; the caller then reads the text with libyaml as before. A
 * decline is always safe, so the subset is kept small.
 *
 * Ownership: the reader owns nothing the caller sees. A scalar's bytes
 * are borrowed for the duration of the callback only (they point into
 * the text or into one buffer the reader reuses); the text is borrowed
 * for the call.
 */
#ifndef KTRIAGE_YAMLFAST_H
#define KTRIAGE_YAMLFAST_H

#include <stddef.h>

/* libyaml's scalar styles, as far as the fast reader produces them. */
enum yamlfast_style {
	YAMLFAST_PLAIN,		/* plain, untagged: the null words apply */
	YAMLFAST_SINGLE,	/* 'single-quoted' */
	YAMLFAST_DOUBLE,	/* "double-quoted" */
	YAMLFAST_LITERAL,	/* | block literal */
};

/*
 * The events, in libyaml's order. line is the 0-based line of the
 * event's start mark in the text, as libyaml's start_mark.line: a block
 * mapping starts at its first key, a block sequence at its first '-', a
 * scalar at its first character (a quote, a '|'), an empty value at the
 * ':' or '-' it follows. Every callback returns 0 to go on; anything else
 * stops the reader, which then declines.
 */
struct yamlfast_sink {
	int (*doc_start)(void *ctx);
	int (*doc_end)(void *ctx);
	/* A mapping (is_seq 0) or a sequence starts; block or "{}" / "[]". */
	int (*start)(void *ctx, int is_seq, unsigned long line);
	int (*end)(void *ctx);
	int (*scalar)(void *ctx, const char *v, size_t n,
		      enum yamlfast_style style, unsigned long line);
};

/*
 * Read text (len bytes, lines ending in '\n', the last one too) as one
 * YAML document and send its events to sink. Returns 0 when the whole
 * document was read, 1 when the reader declined; events already sent
 * must then be thrown away. Text without content (only blank and comment
 * lines) is declined.
 */
int yamlfast_parse(const char *text, size_t len,
		   const struct yamlfast_sink *sink, void *ctx);

#endif
