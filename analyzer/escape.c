/*
 * Escaping for output. Input bytes are kept as they are everywhere in the
 * pipeline; only the report writers and diagnostics make them safe for
 * their medium.
 */
#include "escape.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

/* Append one byte of text with C0 controls and DEL shown as \xNN. */
static void add_visible(struct buf *out, unsigned char c)
{
	if (c == '\t')
		buf_adds(out, "\\t");
	else
		buf_addf(out, "\\x%02x", c);
}

void escape_html(struct buf *out, struct slice s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0;

	while (i < s.n) {
		size_t l = utf8_len(p + i, s.n - i);
		unsigned char c = p[i];

		if (!l) {
			buf_adds(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (l > 1) {
			buf_add(out, s.p + i, l);
			i += l;
			continue;
		}
		i++;
		switch (c) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&#39;"); break;
		case '\n': buf_addc(out, '\n'); break;
		default:
			if (c < 0x20 || c == 0x7f)
				add_visible(out, c);
			else
				buf_addc(out, (char)c);
		}
	}
}

void escape_script_json(struct buf *out, struct slice s)
{
	size_t i, start = 0;

	for (i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		const char *rep = NULL;

		if (c == '<')
			rep = "\\u003c";
		else if (c == '>')
			rep = "\\u003e";
		else if (c == '&')
			rep = "\\u0026";
		else if (c == 0xe2 && i + 2 < s.n &&
			 (unsigned char)s.p[i + 1] == 0x80 &&
			 ((unsigned char)s.p[i + 2] == 0xa8 ||
			  (unsigned char)s.p[i + 2] == 0xa9))
			rep = (unsigned char)s.p[i + 2] == 0xa8 ? "\\u2028" :
				"\\u2029";
		if (!rep)
			continue;
		buf_add(out, s.p + start, i - start);
		buf_adds(out, rep);
		if (c == 0xe2)
			i += 2;
		start = i + 1;
	}
	buf_add(out, s.p + start, s.n - start);
}

void escape_md(struct buf *out, struct slice s)
{
	struct buf t = BUF_INIT, u = BUF_INIT;
	size_t i, lead, start;

	/* Newlines as spaces, other controls and invalid UTF-8 next. */
	for (i = 0, lead = 0; i <= s.n; i++) {
		if (i < s.n && s.p[i] != '\n' && s.p[i] != '\r')
			continue;
		escape_terminal(&t, slice_make(s.p + lead, i - lead));
		if (i < s.n)
			buf_addc(&t, ' ');
		lead = i + 1;
	}
	escape_utf8(&u, slice_make(t.p ? t.p : "", t.len));
	/* Leading spaces could make a code block: drop them. */
	start = 0;
	while (start < u.len && u.p[start] == ' ')
		start++;
	/* A leading "1." or "2)" would start a list: escape its mark. */
	for (i = start; i < u.len && isdigit((unsigned char)u.p[i]); i++)
		;
	if (i > start && i < u.len && (u.p[i] == '.' || u.p[i] == ')'))
		lead = i;
	else
		lead = (size_t)-1;
	for (i = start; i < u.len; i++) {
		char c = u.p[i];

		if (strchr("\\`*_[]<>|~&@#", c) ||
		    (i == start && strchr("+-=!", c)) || i == lead)
			buf_addc(out, '\\');
		buf_addc(out, c);
	}
	buf_free(&t);
	buf_free(&u);
}

size_t escape_longest_run(struct slice s, char c)
{
	size_t i, cur = 0, best = 0;

	for (i = 0; i < s.n; i++) {
		cur = s.p[i] == c ? cur + 1 : 0;
		if (cur > best)
			best = cur;
	}
	return best;
}
