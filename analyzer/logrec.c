/*
 * Controller log parsing, the log half of stage three. One scanner per
 * payload shape cert-manager has written over the years; all fill the same
 * struct logrec with raw slices, so nothing is copied or decoded unless a
 * rule asks for the value. Lines that do not start a record are
 * continuation lines of the previous one.
 */
#include "logrec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytescan.h"
#include "object.h"

struct logparser {
	const char *source;
	struct input *in;
	logrec_fn fn;
	void *ctx;
	struct buf text;	/* the pending record */
	unsigned long line, nlines;
	int pending;
	int truncated;
	int last_mon;		/* for year rollovers of klog times */
	int year_offset;
	int (*idle)(void *ctx, unsigned long line);
	/* The pending record's first line read as a klog header, if it is one. */
	struct klog_head {
		int parses;	/* parse_line() would say 1 */
		char level;
		struct logtime time;
		struct slice caller;
	} head;
	int has_head;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int num(const char *p, int n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*p++ - '0');
	return v;
}

static int all_digits(const char *p, int n)
{
	while (n--)
		if (!is_digit(*p++))
			return 0;
	return 1;
}

/* "2021-09-07T15:18:41.421557569Z " at p: unix ms, or INT64_MIN. */
static int64_t rfc3339_prefix(const char *p, size_t n, size_t *used)
{
	const char *sp;
	char tmp[48];
	int64_t s, ms = 0;
	const char *dot;

	/* The byte tests first: asked of every line, mostly klog's. */
	if (n < 20 || !is_digit(p[0]) || p[4] != '-' || p[10] != 'T' ||
	    !(sp = memchr(p, ' ', n < 48 ? n : 48)))
		return INT64_MIN;
	memcpy(tmp, p, (size_t)(sp - p));
	tmp[sp - p] = '\0';
	s = parse_rfc3339(tmp);
	if (s == TIME_UNKNOWN)
		return INT64_MIN;
	dot = strchr(tmp, '.');
	if (dot && all_digits(dot + 1, 3))
		ms = num(dot + 1, 3);
	*used = (size_t)(sp - p) + 1;
	return s * 1000 + ms;
}

/* Skip a Go- or JSON-quoted string starting at p (at the quote). */
static const char *skip_quoted(const char *p, const char *end)
{
	size_t i = 1, n = (size_t)(end - p);

	/* Sixteen bytes at a time to the next quote or escape. */
	while ((i = bytescan(p, i, n, BS_QUOTE | BS_BSLASH)) < n &&
	       p[i] != '"')
		i += i + 1 < n ? 2 : 1;
	return i < n ? p + i + 1 : end;
}

/*
 * The text inside a quoted string that starts at p, where q is what
 * skip_quoted() returned: past the closing quote, or the end of the line
 * when there is none (a lone '"' at the end gives an empty slice).
 */
static struct slice quoted_body(const char *p, const char *q)
{
	size_t n = (size_t)(q - p - 1);

	if (n && q[-1] == '"')
		n--;
	return slice_make(p + 1, n);
}

/* Skip a bracketed JSON value ({...} or [...]) without recursion. */
static const char *skip_nested(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '"') {
			p = skip_quoted(p, end);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

/* Read a value at p; sets *v and *quoted, returns the position after it. */
static const char *read_value(const char *p, const char *end,
			      struct slice *v, int *quoted, int json)
{
	const char *s = p;

	*quoted = 0;
	if (p < end && *p == '"') {
		const char *q = skip_quoted(p, end);

		*v = quoted_body(p, q);
		*quoted = 1;
		return q;
	}
	if (p < end && (*p == '{' || *p == '[')) {
		const char *q = skip_nested(p, end);

		*v = slice_make(p, (size_t)(q - p));
		return q;
	}
	/* klog's multi-line value: key=<\n\t...\n > */
	if (!json && end - p >= 2 && p[0] == '<' && p[1] == '\n') {
		const char *q = p + 2, *close = NULL;

		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));

			if (end - q >= 2 && q[0] == ' ' && q[1] == '>') {
				close = q;
				break;
			}
			if (!nl)
				break;
			q = nl + 1;
		}
		if (close) {
			*v = slice_make(p + 2, (size_t)(close - p - 2));
			while (v->n && v->p[v->n - 1] == '\n')
				v->n--;
			return close + 2;
		}
	}
	while (p < end && *p != ' ' && *p != '\n' &&
	       !(json && (*p == ',' || *p == '}')))
		p++;
	*v = slice_make(s, (size_t)(p - s));
	return p;
}

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_' || c == '-' || c == '.' || c == '/';
}

static void add_kv(struct logrec *r, struct slice k, struct slice v,
		   int quoted)
{
	/* Lengths first: this runs for every pair of every parsed record. */
	if (k.n == 6 && !memcmp(k.p, "logger", 6) && !r->logger.n) {
		r->logger = v;
		return;
	}
	if (((k.n == 3 && !memcmp(k.p, "err", 3)) ||
	     (k.n == 5 && !memcmp(k.p, "error", 5))) && !r->err.n) {
		r->err = v;
		r->err_quoted = quoted;
	}
	if (r->nkv >= LOGREC_MAX_KV) {
		r->dropped_kv++;
		return;
	}
	r->kv[r->nkv].key = k;
	r->kv[r->nkv].value = v;
	r->kv[r->nkv].quoted = quoted;
	r->nkv++;
}

/* key=value pairs (klog) or "key"=value pairs (klogr), until a newline. */
static void scan_pairs(struct logrec *r, const char *p, const char *end,
		       int quoted_keys)
{
	while (p < end) {
		struct slice k, v;
		int quoted;

		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p == '\n')
			return;
		if (quoted_keys) {
			const char *q;

			if (*p != '"')
				return;
			q = skip_quoted(p, end);
			k = quoted_body(p, q);
			p = q;
		} else {
			const char *s = p;

			while (p < end && key_char(*p))
				p++;
			k = slice_make(s, (size_t)(p - s));
			if (!k.n)
				return;
		}
		if (p >= end || *p != '=')
			return;
		p = read_value(p + 1, end, &v, &quoted, 0);
		if (slice_eq(k, "msg") && quoted_keys) {
			r->msg = v;
			r->msg_quoted = quoted;
			continue;
		}
		add_kv(r, k, v, quoted);
	}
}

/*
 * {"ts":…,"msg":…,…}. head_only: stop at the time (a light record, see
 * logrec_idle()).
 */
static int scan_json(struct logrec *r, const char *p, const char *end,
		     int head_only)
{
	if (p >= end || *p != '{')
		return 0;
	p++;
	while (p < end) {
		struct slice k, v;
		int quoted;
		const char *q;

		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end || *p == '}')
			break;
		if (*p != '"')
			break;
		q = skip_quoted(p, end);
		k = quoted_body(p, q);
		p = q;
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p != ':')
			break;
		p++;
		while (p < end && *p == ' ')
			p++;
		p = read_value(p, end, &v, &quoted, 1);
		if (slice_eq(k, "msg")) {
			r->msg = v;
			r->msg_quoted = quoted;
		} else if (slice_eq(k, "caller")) {
			r->caller = v;
		} else if (slice_eq(k, "ts") && quoted) {
			/* Some loggers write an RFC 3339 string. */
			char tmp[48];
			int64_t t;

			if (v.n && v.n < sizeof(tmp)) {
				memcpy(tmp, v.p, v.n);
				tmp[v.n] = '\0';
				t = parse_rfc3339(tmp);
				if (t != TIME_UNKNOWN) {
					const char *dot = strchr(tmp, '.');

					r->time.ms = t * 1000;
					if (dot && all_digits(dot + 1, 3))
						r->time.ms += num(dot + 1, 3);
					r->time.absolute = 1;
					r->time.known = 1;
				}
			}
		} else if (slice_eq(k, "ts")) {
			char tmp[40];
			double t;

			if (v.n && v.n < sizeof(tmp)) {
				/* strtod() needs a NUL: only when asked. */
				if (!decimal_to_double(v.p, v.n, &t)) {
					memcpy(tmp, v.p, v.n);
					tmp[v.n] = '\0';
					t = strtod(tmp, NULL);
				}
				if (t > 0 && t < 1e11)
					t *= 1000;	/* seconds */
				/* Before year 10000: keeps the int64 ms sums safe. */
				if (t > 0 && t < 253402300800000.0) {
					r->time.ms = (int64_t)t;
					r->time.absolute = 1;
					r->time.known = 1;
				}
			}
		} else {
			add_kv(r, k, v, quoted);
		}
		if (head_only && r->time.known) {
			r->fmt = LOGFMT_JSON;
			r->light = 1;
			return 1;
		}
	}
	r->fmt = LOGFMT_JSON;
	r->level = r->err.n ? 'E' : 'I';
	/* Only records with a message or a time are log lines, not dumps. */
	return r->msg.n || r->msg_quoted || r->time.known;
}

static int parse_line(struct slice line, struct logrec *r, int head_only);

/*
 * In a klog header at p (checked up to the '.' of the time), where the
 * caller starts: past the time's fraction, the padding, the pid and the
 * space after it.
 */
static const char *klog_caller_start(const char *p, const char *end)
{
	p += 15;
	while (p < end && is_digit(*p))
		p++;
	while (p < end && *p == ' ')
		p++;
	while (p < end && is_digit(*p))	/* pid */
		p++;
	while (p < end && *p == ' ')
		p++;
	return p;
}

/*
 * The ']' that ends the caller starting at s, or NULL: the caller ends
 * at the first ']' or space, and only a ']' makes a header.
 */
static const char *klog_caller_end(const char *s, const char *end)
{
	size_t i = bytescan(s, 0, (size_t)(end - s), BS_RSQB | BS_SPACE);

	return s + i < end && s[i] == ']' ? s + i : NULL;
}

static int digit2(const char *p)
{
	return (unsigned)(p[0] - '0') < 10 && (unsigned)(p[1] - '0') < 10;
}

/*
 * A line that starts with a klog level letter, read as parse_line()
 * reads its header when it has no collector prefix: whether that gives
 * a record, and the level, time and caller. 1 when it does. Most lines
 * of a log come through here once; parse_line() and logrec_starts() each
 * read the header again, with more general tests.
 */
static int klog_head(struct slice line, struct klog_head *h)
{
	const char *p = line.p, *end = line.p + line.n, *s, *rb;

	h->parses = 0;
	if (line.n < 30 || !digit2(p + 1) || !digit2(p + 3) || p[5] != ' ' ||
	    !digit2(p + 6) || p[8] != ':' || !digit2(p + 9) || p[11] != ':' ||
	    !digit2(p + 12) || p[14] != '.')
		return 0;
	memset(&h->time, 0, sizeof(h->time));
	h->level = p[0];
	h->time.mon = (p[1] - '0') * 10 + (p[2] - '0');
	h->time.day = (p[3] - '0') * 10 + (p[4] - '0');
	h->time.ms = ((int64_t)((p[6] - '0') * 10 + (p[7] - '0')) * 3600 +
		      ((p[9] - '0') * 10 + (p[10] - '0')) * 60 +
		      (p[12] - '0') * 10 + (p[13] - '0')) * 1000;
	if (all_digits(p + 15, 3))
		h->time.ms += num(p + 15, 3);
	h->time.known = h->time.mon >= 1 && h->time.mon <= 12 &&
			h->time.day >= 1 && h->time.day <= 31;
	s = klog_caller_start(p, end);
	if (!(rb = klog_caller_end(s, end)))
		return 0;
	h->caller = slice_make(s, (size_t)(rb - s));
	h->parses = 1;
	return 1;
}

int logrec_parse_line(struct slice line, struct logrec *r)
{
	return parse_line(line, r, 0);
}

/* head_only: stop after the klog header (JSON records are read whole). */
static int parse_line(struct slice line, struct logrec *r, int head_only)
{
	const char *p = line.p, *end = line.p + line.n, *nl;
	size_t used = 0;
	int64_t prefix_ms;

	/* Not the 2 KB of pairs: every line of a log comes through here. */
	memset(r, 0, offsetof(struct logrec, kv));
	r->text = line;
	prefix_ms = rfc3339_prefix(p, line.n, &used);
	if (prefix_ms != INT64_MIN) {
		p += used;
		/* CRI log files: "<ts> stderr F <line>" */
		if (end - p >= 9 && (!memcmp(p, "stdout ", 7) ||
				     !memcmp(p, "stderr ", 7)) &&
		    (p[7] == 'F' || p[7] == 'P') && p[8] == ' ')
			p += 9;
		r->time.ms = prefix_ms;
		r->time.absolute = 1;
		r->time.known = 1;
	}
	if (p < end && *p == '{')
		return scan_json(r, p, end, head_only);
	/* Lmmdd hh:mm:ss.uuuuuu pid file:line] */
	{
		struct klog_head h;

		if (end - p < 30 || !klog_level(*p) ||
		    !klog_head(slice_make(p, (size_t)(end - p)), &h))
			return 0;
		r->level = h.level;
		if (!r->time.known)	/* a collector's prefix wins */
			r->time = h.time;
		r->caller = h.caller;
		p = h.caller.p + h.caller.n + 1;
		if (p < end && *p == ' ')
			p++;
	}
	if (p > end)
		return 0;
	if (head_only) {
		r->light = 1;
		return 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (p < end && *p == '"') {
		/* klog structured text (v1.14+): "msg" key="value" ... */
		struct slice v;
		int quoted;

		p = read_value(p, end, &v, &quoted, 0);
		r->msg = v;
		r->msg_quoted = quoted;
		r->fmt = LOGFMT_KLOG_KV;
		scan_pairs(r, p, end, 0);
		return 1;
	}
	{
		/* klogr (v0.9 - v1.13): logger "msg"="…" "key"=value … */
		const char *lim = nl ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(lim - p));

		if (sp && sp + 1 < lim && sp[1] == '"' &&
		    memmem(sp, (size_t)(lim - sp), "\"=", 2)) {
			r->logger = slice_make(p, (size_t)(sp - p));
			r->fmt = LOGFMT_KLOGR;
			scan_pairs(r, sp + 1, end, 1);
			return 1;
		}
		if (p < lim && p[0] == '"' && memmem(p, (size_t)(lim - p),
						     "\"=", 2)) {
			r->fmt = LOGFMT_KLOGR;
			scan_pairs(r, p, end, 1);
			return 1;
		}
		r->fmt = LOGFMT_TEXT;
		r->msg = slice_make(p, (size_t)(lim - p));
		return 1;
	}
}

int logrec_starts(struct slice line)
{
	const char *p = line.p, *end = line.p + line.n;
	size_t used = 0;

	if (rfc3339_prefix(p, line.n, &used) != INT64_MIN) {
		p += used;
		if (end - p >= 9 && (!memcmp(p, "stdout ", 7) ||
				     !memcmp(p, "stderr ", 7)) &&
		    (p[7] == 'F' || p[7] == 'P') && p[8] == ' ')
			p += 9;
	}
	if (p < end && *p == '{')
		return memmem(p, (size_t)(end - p), "\"msg\"", 5) ||
		       memmem(p, (size_t)(end - p), "\"ts\"", 4);
	return end - p >= 30 && klog_level(*p) && all_digits(p + 1, 4) &&
	       p[5] == ' ' && all_digits(p + 6, 2) && p[8] == ':' &&
	       all_digits(p + 9, 2) && p[11] == ':' &&
	       all_digits(p + 12, 2) && p[14] == '.' &&
	       memchr(p + 15, ']', (size_t)(end - p - 15)) != NULL;
}

int logrec_line_time(struct slice line, struct logtime *t, int *last_mon,
		     int *year_offset)
{
	const char *p = line.p, *end = line.p + line.n;
	size_t used = 0;
	int64_t ms = rfc3339_prefix(p, line.n, &used);

	memset(t, 0, sizeof(*t));
	if (ms != INT64_MIN) {
		t->ms = ms;
		t->absolute = 1;
		t->known = 1;
		return 1;
	}
	if (p < end && *p == '{') {
		struct logrec r;

		if (!logrec_parse_line(line, &r) || !r.time.known)
			return 0;
		*t = r.time;
		return 1;
	}
	if (end - p < 22 || !klog_level(*p) || !all_digits(p + 1, 4) ||
	    p[5] != ' ' || !all_digits(p + 6, 2) || p[8] != ':' ||
	    !all_digits(p + 9, 2) || p[11] != ':' || !all_digits(p + 12, 2) ||
	    p[14] != '.' || !all_digits(p + 15, 3))
		return 0;
	t->mon = num(p + 1, 2);
	t->day = num(p + 3, 2);
	if (t->mon < 1 || t->mon > 12 || t->day < 1 || t->day > 31)
		return 0;
	t->ms = ((int64_t)num(p + 6, 2) * 3600 + num(p + 9, 2) * 60 +
		 num(p + 12, 2)) * 1000 + num(p + 15, 3);
	t->known = 1;
	if (*last_mon && t->mon < *last_mon && *last_mon - t->mon > 6)
		(*year_offset)++;
	*last_mon = t->mon;
	t->year_offset = *year_offset;
	return 1;
}

void logrec_decode(struct slice raw, int quoted, struct buf *out)
{
	long long h;
	size_t i;

	if (!quoted) {
		buf_addslice(out, raw);
		return;
	}
	for (i = 0; i < raw.n; i++) {
		char c = raw.p[i];

		if (c != '\\' || i + 1 >= raw.n) {
			buf_addc(out, c);
			continue;
		}
		c = raw.p[++i];
		switch (c) {
		case 'n': buf_addc(out, '\n'); break;
		case 't': buf_addc(out, '\t'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 'b': buf_addc(out, '\b'); break;
		case 'f': buf_addc(out, '\f'); break;
		case 'u':
			if (i + 4 < raw.n &&
			    (h = hex_value(raw.p + i + 1, 4)) >= 0) {
				unsigned long cp = (unsigned long)h;

				i += 4;
				if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0xfffd;
				buf_add_utf8(out, cp);
			} else {
				buf_adds(out, "\\u");
			}
			break;
		case 'x':
			if (i + 2 < raw.n &&
			    (h = hex_value(raw.p + i + 1, 2)) >= 0) {
				buf_addc(out, (char)h);
				i += 2;
			} else {
				buf_adds(out, "\\x");
			}
			break;
		default:
			buf_addc(out, c);	/* \" \\ \/ */
			break;
		}
	}
}

int logrec_find(const struct logrec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nkv; i++)
		if (slice_eq(r->kv[i].key, key))
			return (int)i;
	return -1;
}

int64_t logtime_resolve(const struct logtime *t, int bundle_year,
			int64_t now_ms)
{
	struct tm tm;
	int64_t ms;
	int year;

	if (!t->known)
		return INT64_MIN;
	if (t->absolute)
		return t->ms;
	year = bundle_year + t->year_offset;
	for (;;) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = year - 1900;
		tm.tm_mon = t->mon - 1;
		tm.tm_mday = t->day;
		ms = (int64_t)timegm(&tm) * 1000 + t->ms;
		if (now_ms == INT64_MIN || ms <= now_ms + 86400000 ||
		    year < bundle_year - 1)
			return ms;
		year--;
	}
}

struct logparser *logrec_new(const char *source, struct input *in,
			     logrec_fn fn, void *ctx)
{
	struct logparser *p = xcalloc(1, sizeof(*p));

	p->source = source;
	p->in = in;
	p->fn = fn;
	p->ctx = ctx;
	return p;
}

static void emit(struct logparser *p)
{
	struct logrec r;
	int idle;

	if (!p->pending)
		return;
	p->pending = 0;
	idle = p->nlines == 1 && p->idle && p->idle(p->ctx, p->line);
	if (p->nlines == 1 && p->has_head) {
		/* Its header was read when the line came. */
		if (!p->head.parses)
			return;
		if (idle) {
			memset(&r, 0, offsetof(struct logrec, kv));
			r.level = p->head.level;
			r.time = p->head.time;
			r.caller = p->head.caller;
			r.text = slice_make(p->text.p, p->text.len);
			r.light = 1;
		} else if (!parse_line(slice_make(p->text.p, p->text.len), &r,
				       0)) {
			return;
		}
	} else if (!parse_line(slice_make(p->text.p, p->text.len), &r,
			       idle)) {
		return;
	}
	if (!r.time.absolute && r.time.known) {
		/* klog has no year: a month going back means a new year. */
		if (p->last_mon && r.time.mon < p->last_mon &&
		    p->last_mon - r.time.mon > 6)
			p->year_offset++;
		p->last_mon = r.time.mon;
		r.time.year_offset = p->year_offset;
	}
	r.source = p->source;
	r.line = p->line;
	r.nlines = p->nlines;
	p->fn(&r, p->ctx);
}

void logrec_line(struct logparser *p, struct slice line, unsigned long lineno)
{
	struct klog_head h;
	int klog = line.n && klog_level(line.p[0]), head = 0;

	if (klog)
		head = klog_head(line, &h);
	if (head || logrec_starts(line)) {
		emit(p);
		buf_reset(&p->text);
		buf_addslice(&p->text, line);
		p->has_head = klog;
		p->head.parses = 0;
		if (head) {
			/* The caller, in the copy: the line goes away. */
			p->head = h;
			p->head.caller.p = p->text.p + (h.caller.p - line.p);
		}
		p->line = lineno;
		p->nlines = 1;
		p->pending = 1;
		p->truncated = 0;
		return;
	}
	if (!p->pending)
		return;	/* text before the first record: line rules see it */
	if (p->text.len + 1 + line.n > LOGREC_MAX_BYTES) {
		if (!p->truncated) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu", p->source, lineno);
			input_warning(p->in, where.p, "log record starting at "
				      "line %lu is longer than %u bytes; the "
				      "rest is read as plain lines", p->line,
				      LOGREC_MAX_BYTES);
			buf_free(&where);
			p->truncated = 1;
		}
		return;
	}
	buf_addc(&p->text, '\n');
	buf_addslice(&p->text, line);
	p->nlines++;
}

void logrec_idle(struct logparser *p, int (*idle)(void *ctx,
						  unsigned long line))
{
	p->idle = idle;
}

int logrec_current_time(const struct logparser *p, struct logtime *t)
{
	int last_mon = p->last_mon, year_offset = p->year_offset;

	if (!p->pending)
		return 0;
	return logrec_line_time(slice_make(p->text.p, p->text.len), t,
				&last_mon, &year_offset);
}

void logrec_end(struct logparser *p)
{
	emit(p);
}

void logrec_free(struct logparser *p)
{
	if (!p)
		return;
	buf_free(&p->text);
	free(p);
}
