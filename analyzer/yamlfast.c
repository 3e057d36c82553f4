/*
 * The fast path of the YAML object parser (yamldoc.c): a line-oriented
 * reader for the block YAML that kubectl and troubleshoot.sh print (block
 * mappings with plain keys, block and indentless sequences, plain, quoted
 * and literal scalars, "{}" and "[]"). It mirrors what libyaml's scanner
 * and parser do on that subset, event for event, and declines the moment
 * a document leaves it; yamldoc.c then runs libyaml on the same text.
 * tests/unit/test_yamlfast.c and tests/fuzz/fuzz_yaml.c hold it to
 * libyaml's events.
 */
#include "yamlfast.h"

#include <string.h>

#include "buf.h"

enum {
	FAST_OK = 0,
	FAST_DECLINE = 1,
};

/* libyaml drops a simple key that is not closed within 1024 characters. */
#define KEY_MAX 1000
/* Nesting the reader follows before it declines (its recursion depth). */
#define DEPTH_MAX 1000

/* Where a node starts, which decides what it may be. */
enum where {
	AT_VALUE,	/* after "key: ": a scalar or "{}" / "[]" */
	AT_ITEM,	/* after "- ": anything */
	AT_BLOCK,	/* at the start of its own line: a block collection */
};

/*
 * The reader stands on one line at a time: lp..le with le its '\n' (the
 * text ends with one), c its first byte that is not a space, ind the
 * column of c, or -1 past the end of the document.
 */
struct fast {
	const char *end;
	const char *lp, *le, *c;
	long ind;
	unsigned long line;
	int depth;
	struct buf val;		/* a scalar that had to be rewritten */
	const struct yamlfast_sink *s;
	void *ctx;
};

/* ---- Characters. ---- */

/*
 * The text must be what libyaml reads as printable UTF-8 with '\n' as the
 * only line break: no other control bytes (tabs included, which libyaml
 * treats specially in indentation), no NEL, LS or PS (more line breaks
 * to libyaml), no byte order mark, nothing malformed.
 */
static int valid_text(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7F)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80)
				return 0;
			cp = (c & 0x1F) << 6 | (s[i + 1] & 0x3F);
			/* C1 controls, NEL among them. */
			if (cp < 0xA0)
				return 0;
			i += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			if (n - i < 3 || (s[i + 1] & 0xC0) != 0x80 ||
			    (s[i + 2] & 0xC0) != 0x80)
				return 0;
			cp = (c & 0x0F) << 12 | (s[i + 1] & 0x3F) << 6 |
			     (s[i + 2] & 0x3F);
			if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) ||
			    cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
			    cp >= 0xFFFE)
				return 0;
			i += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			if (n - i < 4 || (s[i + 1] & 0xC0) != 0x80 ||
			    (s[i + 2] & 0xC0) != 0x80 ||
			    (s[i + 3] & 0xC0) != 0x80)
				return 0;
			cp = (c & 0x07) << 18 | (s[i + 1] & 0x3F) << 12 |
			     (s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
			if (cp < 0x10000 || cp > 0x10FFFF)
				return 0;
			i += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Characters that cannot start a plain scalar the reader takes. */
static int is_indicator(char c)
{
	switch (c) {
	case '-': case '?': case ':': case ',': case '[': case ']':
	case '{': case '}': case '#': case '&': case '*': case '!':
	case '|': case '>': case '\'': case '"': case '%': case '@':
	case '`':
		return 1;
	default:
		return 0;
	}
}

/* A block sequence entry: '-' and then a space or the line end. */
static int is_entry(const char *c)
{
	return c[0] == '-' && (c[1] == ' ' || c[1] == '\n');
}

/*
 * Scan a plain scalar from p to the line end le. Returns the first ':'
 * followed by a space or the line end (where a simple key ends), or le.
 * *bad is set on a " #", which would start a comment.
 */
static const char *scan_plain(const char *p, const char *le, int *bad)
{
	const char *q;

	*bad = 0;
	for (q = p; q < le; q++) {
		if (*q == ':') {
			if (q[1] == ' ' || q[1] == '\n')
				return q;
		} else if (*q == '#' && q > p && q[-1] == ' ') {
			*bad = 1;
			return le;
		}
	}
	return le;
}

/* ---- Lines. ---- */

static void set_line(struct fast *f, const char *p)
{
	const char *c = p;

	f->lp = p;
	if (p >= f->end) {
		f->le = f->c = f->end;
		f->ind = -1;
		return;
	}
	/* Never NULL: the text ends with '\n'. */
	f->le = memchr(p, '\n', (size_t)(f->end - p));
	while (*c == ' ')
		c++;
	f->c = c;
	f->ind = (long)(c - p);
}

static void next_line(struct fast *f)
{
	if (f->ind < 0)
		return;
	f->line++;
	set_line(f, f->le + 1);
}

/* "---" or "..." at column 0, then a space or the line end. */
static int is_marker(const struct fast *f)
{
	const char *c = f->c;

	return f->ind == 0 && f->le - c >= 3 &&
	       (c[0] == '-' || c[0] == '.') && c[1] == c[0] &&
	       c[2] == c[0] && (c + 3 == f->le || c[3] == ' ');
}

/*
 * Step over empty and comment lines to the next line with content. A
 * "..." line may end the text (yamldoc.c cuts documents so); any other
 * document marker means more than one document: decline.
 */
static int skip_empty(struct fast *f)
{
	while (f->ind >= 0) {
		if (f->c == f->le || *f->c == '#') {
			next_line(f);
			continue;
		}
		if (!is_marker(f))
			return FAST_OK;
		if (f->le - f->c != 3 || f->c[0] != '.' ||
		    f->le + 1 != f->end)
			return FAST_DECLINE;
		set_line(f, f->end);
	}
	return FAST_OK;
}

/* ---- Scalars. ---- */

static int emit_scalar(struct fast *f, const char *v, size_t n,
		       enum yamlfast_style style, unsigned long line)
{
	return f->s->scalar(f->ctx, v, n, style, line) ? FAST_DECLINE :
	       FAST_OK;
}

static void add_breaks(struct buf *b, size_t n)
{
	while (n--)
		buf_addc(b, '\n');
}

/*
 * A plain scalar from v to the end of the line (checked by the caller),
 * folded over the lines after it that are indented past indent, as
 * libyaml folds: one line break becomes a space, n empty lines n line
 * breaks, and the spaces around breaks go.
 */
static int plain(struct fast *f, const char *v, long indent)
{
	const char *e = f->le, *val = v;
	unsigned long line = f->line;
	size_t n, breaks = 0;
	int copied = 0, bad;

	while (e[-1] == ' ')
		e--;
	n = (size_t)(e - v);
	next_line(f);
	while (f->ind >= 0) {
		if (f->c == f->le) {
			breaks++;
			next_line(f);
			continue;
		}
		/* A comment, a marker or less indentation ends it. */
		if (*f->c == '#' || is_marker(f) || f->ind <= indent)
			break;
		if (scan_plain(f->c, f->le, &bad) != f->le || bad)
			return FAST_DECLINE;
		if (!copied) {
			buf_reset(&f->val);
			buf_add(&f->val, val, n);
			copied = 1;
		}
		if (breaks)
			add_breaks(&f->val, breaks);
		else
			buf_addc(&f->val, ' ');
		breaks = 0;
		for (e = f->le; e[-1] == ' '; e--)
			;
		buf_add(&f->val, f->c, (size_t)(e - f->c));
		next_line(f);
	}
	if (copied) {
		val = f->val.p;
		n = f->val.len;
	}
	if (emit_scalar(f, val, n, YAMLFAST_PLAIN, line))
		return FAST_DECLINE;
	return skip_empty(f);
}

/*
 * One escape sequence of a double-quoted scalar, at *pp (the backslash),
 * decoded into b as libyaml decodes it; *pp moves past it. An escaped
 * line break, an unknown escape or a code libyaml refuses: decline.
 * libyaml 0.2.5 does not know "\'" (YAML 1.2 has it): declined too.
 */
static int escape(struct buf *b, const char **pp, const char *le)
{
	const char *p = *pp;
	unsigned long cp;
	int len = 0;

	if (p + 1 >= le)
		return FAST_DECLINE;
	switch (p[1]) {
	case '0': buf_addc(b, '\0'); break;
	case 'a': buf_addc(b, '\a'); break;
	case 'b': buf_addc(b, '\b'); break;
	case 't': buf_addc(b, '\t'); break;
	case 'n': buf_addc(b, '\n'); break;
	case 'v': buf_addc(b, '\v'); break;
	case 'f': buf_addc(b, '\f'); break;
	case 'r': buf_addc(b, '\r'); break;
	case 'e': buf_addc(b, '\x1B'); break;
	case ' ': buf_addc(b, ' '); break;
	case '"': buf_addc(b, '"'); break;
	case '/': buf_addc(b, '/'); break;
	case '\\': buf_addc(b, '\\'); break;
	case 'N': buf_add(b, "\xC2\x85", 2); break;
	case '_': buf_add(b, "\xC2\xA0", 2); break;
	case 'L': buf_add(b, "\xE2\x80\xA8", 3); break;
	case 'P': buf_add(b, "\xE2\x80\xA9", 3); break;
	case 'x': len = 2; break;
	case 'u': len = 4; break;
	case 'U': len = 8; break;
	default: return FAST_DECLINE;
	}
	p += 2;
	if (len) {
		long long h;

		if (le - p < len)
			return FAST_DECLINE;
		h = hex_value(p, (size_t)len);
		if (h < 0)
			return FAST_DECLINE;
		cp = (unsigned long)h;
		if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return FAST_DECLINE;
		buf_add_utf8(b, cp);
		p += len;
	}
	*pp = p;
	return FAST_OK;
}

/*
 * A single- or double-quoted scalar starting at the quote q. Lines fold
 * as in a plain scalar, but spaces inside a line, at the start and before
 * the closing quote stay. libyaml does not check how continuation lines
 * are indented; the reader wants them past indent, as go-yaml writes
 * them, and declines otherwise. After the closing quote only spaces may
 * follow: a quoted key or a comment declines.
 */
static int quoted(struct fast *f, const char *q, long indent, int dbl)
{
	unsigned long line = f->line;
	char close = dbl ? '"' : '\'';
	struct buf *b = &f->val;
	const char *p = q + 1;

	buf_reset(b);
	for (;;) {
		const char *ws;
		size_t breaks = 0;

		while (p < f->le && *p != ' ') {
			const char *run = p;

			if (*p == close) {
				if (dbl || p[1] != '\'')
					goto closed;
				buf_addc(b, '\'');
				p += 2;
				continue;
			}
			if (dbl && *p == '\\') {
				if (escape(b, &p, f->le))
					return FAST_DECLINE;
				continue;
			}
			while (p < f->le && *p != ' ' && *p != close &&
			       !(dbl && *p == '\\'))
				p++;
			buf_add(b, run, (size_t)(p - run));
		}
		ws = p;
		while (p < f->le && *p == ' ')
			p++;
		if (p < f->le) {
			buf_add(b, ws, (size_t)(p - ws));
			continue;
		}
		/* A line break: the spaces before it go. */
		for (;;) {
			next_line(f);
			if (f->ind < 0)
				return FAST_DECLINE;
			if (f->c != f->le)
				break;
			breaks++;
		}
		if (f->ind <= indent)
			return FAST_DECLINE;
		if (breaks)
			add_breaks(b, breaks);
		else
			buf_addc(b, ' ');
		p = f->c;
	}
closed:
	for (p++; p < f->le && *p == ' '; p++)
		;
	if (p != f->le)
		return FAST_DECLINE;
	if (emit_scalar(f, b->p ? b->p : "", b->len,
			dbl ? YAMLFAST_DOUBLE : YAMLFAST_SINGLE, line))
		return FAST_DECLINE;
	next_line(f);
	return skip_empty(f);
}

/*
 * libyaml's yaml_parser_scan_block_scalar_breaks over whole lines: count
 * the empty lines from the current one into *breaks, settle the block's
 * indentation *bi if it is still 0 (the most indented of those lines and
 * the first content line, at least indent + 1), and return the column the
 * content of the line that stopped it starts at.
 */
static long block_breaks(struct fast *f, long *bi, size_t *breaks,
			 long indent)
{
	long max = 0, col = 0;

	while (f->ind >= 0) {
		col = f->ind;
		if (*bi && col > *bi)
			col = *bi;
		if (col > max)
			max = col;
		if (f->lp + col != f->le)
			break;
		(*breaks)++;
		next_line(f);
	}
	if (f->ind < 0)
		col = 0;
	if (!*bi) {
		*bi = max;
		if (*bi < indent + 1)
			*bi = indent + 1;
		if (*bi < 1)
			*bi = 1;
	}
	return col;
}

/*
 * A literal block scalar (|, |- or |+) whose indicator is at v. An
 * indentation indicator or a comment after it declines; the indentation
 * is detected as libyaml does, empty lines and all.
 */
static int literal(struct fast *f, const char *v, long indent)
{
	unsigned long line = f->line;
	struct buf *b = &f->val;
	const char *p = v + 1;
	size_t breaks = 0;
	long bi = 0, col;
	int chomp = 0, leading = 0;

	if (*p == '-' || *p == '+')
		chomp = *p++ == '-' ? -1 : 1;
	while (p < f->le && *p == ' ')
		p++;
	if (p != f->le)
		return FAST_DECLINE;
	buf_reset(b);
	next_line(f);
	col = block_breaks(f, &bi, &breaks, indent);
	while (col == bi && f->ind >= 0) {
		if (leading)
			buf_addc(b, '\n');
		add_breaks(b, breaks);
		breaks = 0;
		buf_add(b, f->lp + col, (size_t)(f->le - (f->lp + col)));
		leading = 1;
		next_line(f);
		col = block_breaks(f, &bi, &breaks, indent);
	}
	if (chomp != -1 && leading)
		buf_addc(b, '\n');
	if (chomp == 1)
		add_breaks(b, breaks);
	if (emit_scalar(f, b->p ? b->p : "", b->len, YAMLFAST_LITERAL, line))
		return FAST_DECLINE;
	return skip_empty(f);
}

/* ---- Collections. ---- */

static int start(struct fast *f, int is_seq)
{
	if (++f->depth > DEPTH_MAX)
		return FAST_DECLINE;
	return f->s->start(f->ctx, is_seq, f->line) ? FAST_DECLINE : FAST_OK;
}

static int end(struct fast *f)
{
	f->depth--;
	return f->s->end(f->ctx) ? FAST_DECLINE : FAST_OK;
}

/* "{}" or "[]" and nothing after it. */
static int empty_flow(struct fast *f, const char *v)
{
	const char *p = v + 2;

	if (v[1] != (v[0] == '{' ? '}' : ']'))
		return FAST_DECLINE;
	while (p < f->le && *p == ' ')
		p++;
	if (p != f->le || start(f, v[0] == '[') || end(f))
		return FAST_DECLINE;
	next_line(f);
	return skip_empty(f);
}

/*
 * The ':' that ends a plain key starting at k, or NULL when the line
 * holds no key the reader takes: none at all, a key over KEY_MAX bytes,
 * one that starts with an indicator or has spaces before its ':', or a
 * comment before it.
 */
static const char *key_end(const struct fast *f, const char *k)
{
	int bad;
	const char *q = scan_plain(k, f->le, &bad);

	if (bad || q == f->le || q == k || q - k > KEY_MAX ||
	    q[-1] == ' ' || is_indicator(*k))
		return NULL;
	return q;
}

static int node(struct fast *f, const char *v, long indent, enum where w);

/*
 * What follows a mapping's ':' or a sequence's '-' (v is just past it)
 * in a collection at column col: a node on the same line (at inline:
 * AT_VALUE or AT_ITEM); else a block on the next lines, more indented;
 * else, where indentless is set, kubectl's "key:\n- item" at col; else an
 * empty scalar on line, the indicator's.
 */
static int after_indicator(struct fast *f, const char *v, long col,
			   enum where inline_at, int indentless,
			   unsigned long line)
{
	for (; v < f->le && *v == ' '; v++)
		;
	if (v < f->le)
		return node(f, v, col, inline_at);
	next_line(f);
	if (skip_empty(f))
		return FAST_DECLINE;
	if (f->ind > col)
		return node(f, f->c, col, AT_BLOCK);
	if (indentless && f->ind == col && is_entry(f->c))
		return node(f, f->c, col, AT_ITEM);
	return emit_scalar(f, "", 0, YAMLFAST_PLAIN, line);
}

/*
 * A block mapping whose first key starts at k on the current line, at
 * column col (libyaml's indentation inside it). Keys after the first are
 * the lines at column col.
 */
static int map(struct fast *f, const char *k, long col)
{
	if (start(f, 0))
		return FAST_DECLINE;
	for (;;) {
		const char *colon = key_end(f, k);
		unsigned long kline = f->line;

		if (!colon || emit_scalar(f, k, (size_t)(colon - k),
					  YAMLFAST_PLAIN, kline))
			return FAST_DECLINE;
		if (after_indicator(f, colon + 1, col, AT_VALUE, 1, kline))
			return FAST_DECLINE;
		if (f->ind != col)
			break;
		if (is_entry(f->c))
			return FAST_DECLINE;
		k = f->c;
	}
	/* Less indented: the end; more: something libyaml would refuse. */
	if (f->ind > col)
		return FAST_DECLINE;
	return end(f);
}

/*
 * A block sequence whose first '-' is at e on the current line, at
 * column col. For an indentless sequence col is also the column of the
 * mapping it is a value of, whose next key ends it.
 */
static int seq(struct fast *f, const char *e, long col)
{
	if (start(f, 1))
		return FAST_DECLINE;
	for (;;) {
		if (after_indicator(f, e + 1, col, AT_ITEM, 0, f->line))
			return FAST_DECLINE;
		if (f->ind != col || !is_entry(f->c))
			break;
		e = f->c;
	}
	if (f->ind > col)
		return FAST_DECLINE;
	return end(f);
}

/*
 * The node starting at v on the current line; indent is libyaml's
 * indentation there (the enclosing collection's column), past which
 * continuation lines must be. Every node reader returns standing on the
 * next line with content, or past the end.
 */
static int node(struct fast *f, const char *v, long indent, enum where w)
{
	long col = (long)(v - f->lp);
	const char *colon;
	int bad;

	if (is_entry(v))
		return w == AT_VALUE ? FAST_DECLINE : seq(f, v, col);
	if (w == AT_BLOCK) {
		colon = key_end(f, v);
		return colon ? map(f, v, col) : FAST_DECLINE;
	}
	switch (*v) {
	case '"':
		return quoted(f, v, indent, 1);
	case '\'':
		return quoted(f, v, indent, 0);
	case '|':
		return literal(f, v, indent);
	case '{':
	case '[':
		return empty_flow(f, v);
	case '-':
		/* "-1", "--flag": plain. */
		break;
	default:
		if (is_indicator(*v))
			return FAST_DECLINE;
	}
	colon = scan_plain(v, f->le, &bad);
	if (bad)
		return FAST_DECLINE;
	if (colon != f->le)
		return w == AT_ITEM && key_end(f, v) ? map(f, v, col) :
		       FAST_DECLINE;
	return plain(f, v, indent);
}

int yamlfast_parse(const char *text, size_t len,
		   const struct yamlfast_sink *sink, void *ctx)
{
	struct fast f;
	int rc = FAST_DECLINE;

	if (!len || text[len - 1] != '\n' ||
	    !valid_text((const unsigned char *)text, len))
		return FAST_DECLINE;
	memset(&f, 0, sizeof(f));
	f.end = text + len;
	f.s = sink;
	f.ctx = ctx;
	set_line(&f, text);
	/* yamldoc.c starts a document at a "---" line. */
	if (f.le - f.lp == 3 && !memcmp(f.lp, "---", 3))
		next_line(&f);
	if (skip_empty(&f) || f.ind < 0 || sink->doc_start(ctx))
		goto out;
	if (node(&f, f.c, -1, AT_BLOCK) || f.ind >= 0 || sink->doc_end(ctx))
		goto out;
	rc = FAST_OK;
out:
	buf_free(&f.val);
	return rc;
}
