/*
 * Owned text: a growable buffer that is always NUL-terminated (git's strbuf,
 * curl's dynbuf). The bytes may contain NULs; len is authoritative. The
 * buffer owns p; buf_free() releases it and buf_detach() hands it over.
 */
#ifndef KTRIAGE_BUF_H
#define KTRIAGE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);

/*
 * A lookup key: n strings joined by newlines (NULL reads as ""), as the
 * store, the graph, the findings and the x509 checks index by
 * ("kind\nns\nname"). Keys are made for every hit, node and lookup: one
 * that fits goes in room on the caller's stack, only a longer one in a
 * buffer grown by malloc(). keybuf_init() once, then keybuf_set() as
 * often as needed; k->p and k->n hold the key until the next
 * keybuf_set() or keybuf_free().
 */
#define KEYBUF_ROOM 512

struct keybuf {
	const char *p;
	size_t n;
	struct buf spill;
	char room[KEYBUF_ROOM];
};

void keybuf_init(struct keybuf *k);
void keybuf_set(struct keybuf *k, size_t n, const char *const *part);
void keybuf_free(struct keybuf *k);

/* Append code point cp (at most 0x10FFFF) in UTF-8. */
void buf_add_utf8(struct buf *b, unsigned long cp);
void buf_addc(struct buf *b, char c);
void buf_addslice(struct buf *b, struct slice s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void buf_addf(struct buf *b, const char *fmt, ...);
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Return the string (never NULL) and leave b empty; the caller frees it. */
char *buf_detach(struct buf *b);
/* Borrow the contents as a C string ("" when empty); valid until next change. */
const char *buf_str(const struct buf *b);

#endif
