/*
 * Escaping for output. Input bytes are kept as they are everywhere in the
 * pipeline; only the report writers and diagnostics make them safe for
 * their medium.
 */
#include "escape.h"

#include <stdio.h>

void escape_terminal(struct buf *out, struct slice s)
{
	size_t i, start = 0;

	for (i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		buf_add(out, s.p + start, i - start);
		if (c == '\t')
			buf_adds(out, "\\t");
		else
			buf_addf(out, "\\x%02x", c);
		start = i + 1;
	}
	buf_add(out, s.p + start, s.n - start);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void escape_utf8(struct buf *out, struct slice s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, start = 0;

	while (i < s.n) {
		size_t l = utf8_len(p + i, s.n - i);

		if (l && p[i] != 0) {
			i += l;
			continue;
		}
		buf_add(out, s.p + start, i - start);
		buf_adds(out, p[i] == 0 ? "\\u0000" : "\xef\xbf\xbd");
		i++;
		start = i;
	}
	buf_add(out, s.p + start, i - start);
}
