/*
 * Growable, NUL-terminated byte buffer used for every piece of owned text:
 * report rendering, message templates, paths of archive members.
 */
#include "buf.h"

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	b->p = xgrow(b->p, &b->cap, need, 1);
}

void buf_add(struct buf *b, const void *data, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_addslice(struct buf *b, struct slice s)
{
	buf_add(b, s.p, s.n);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *buf_detach(struct buf *b)
{
	char *p = b->p ? b->p : xstrdup("");

	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *buf_str(const struct buf *b)
{
	return b->p ? b->p : "";
}

void keybuf_init(struct keybuf *k)
{
	k->p = NULL;
	k->n = 0;
	k->spill = (struct buf)BUF_INIT;
}

void keybuf_set(struct keybuf *k, size_t n, const char *const *part)
{
	size_t i, len, at = 0;
	char *to;

	for (i = 0; i < n; i++)
		at += (i ? 1 : 0) + (part[i] ? strlen(part[i]) : 0);
	if (at < sizeof(k->room)) {
		to = k->room;
	} else {
		buf_reset(&k->spill);
		buf_grow(&k->spill, at);
		to = k->spill.p;
	}
	k->p = to;
	k->n = at;
	for (i = 0, at = 0; i < n; i++) {
		if (i)
			to[at++] = '\n';
		len = part[i] ? strlen(part[i]) : 0;
		memcpy(to + at, part[i] ? part[i] : "", len);
		at += len;
	}
	to[at] = '\0';
}

void keybuf_free(struct keybuf *k)
{
	buf_free(&k->spill);
	k->p = NULL;
	k->n = 0;
}

void buf_add_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (char)(0xC0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xE0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_addc(b, (char)(0xF0 | (cp >> 18)));
		buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}
