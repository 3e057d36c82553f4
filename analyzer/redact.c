/*
 * Redaction for the report writers: finds secrets in one input-derived
 * string and replaces them, so a report can be pasted into a ticket.
 * Each detector marks byte ranges; ranges are merged and written out
 * with the secret replaced by "[redacted]", or shortened to 4 characters
 * and "…" for ACME challenge tokens and key authorizations, which are
 * short-lived and help to match a report against a cluster.
 */
#include "redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum how {
	SHORTEN = 1,	/* keep 4 bytes and "…" */
	HIDE = 2,	/* replace by REDACT_MARK */
};

struct span {
	size_t b, e;
	int how;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

struct redactor {
	unsigned flags;
	char **vals;
	size_t *lens;
	size_t nvals, capvals, caplens;
};

struct redactor *redact_new(unsigned flags)
{
	struct redactor *r = xcalloc(1, sizeof(*r));

	r->flags = flags;
	return r;
}

void redact_free(struct redactor *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
	free(r->lens);
	free(r);
}

void redact_add_value(struct redactor *r, struct slice v)
{
	size_t i;

	v = slice_trim(v);
	if (v.n < 6)
		return;
	for (i = 0; i < r->nvals; i++)
		if (r->lens[i] == v.n && !memcmp(r->vals[i], v.p, v.n))
			return;
	r->vals = xgrow(r->vals, &r->capvals, r->nvals + 1, sizeof(*r->vals));
	r->lens = xgrow(r->lens, &r->caplens, r->nvals + 1, sizeof(*r->lens));
	r->vals[r->nvals] = xstrndup(v.p, v.n);
	r->lens[r->nvals] = v.n;
	r->nvals++;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

void redact_add_base64(struct redactor *r, struct slice v)
{
	struct buf dec = BUF_INIT;
	unsigned int acc = 0;
	int bits = 0;
	size_t i;
	const char *p, *end;

	redact_add_value(r, v);
	for (i = 0; i < v.n; i++) {
		int d = b64val((unsigned char)v.p[i]);

		if (v.p[i] == '=' || isspace((unsigned char)v.p[i]))
			continue;
		if (d < 0) {
			buf_free(&dec);
			return;
		}
		acc = (acc << 6) | (unsigned int)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(&dec, (char)((acc >> bits) & 0xff));
		}
	}
	redact_add_value(r, slice_make(dec.p, dec.len));
	/* A decoded PEM or config file: hide each long line as well. */
	p = dec.p;
	end = dec.p + dec.len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n >= 16 && n < dec.len)
			redact_add_value(r, slice_make(p, n));
		p += n + 1;
	}
	buf_free(&dec);
}

/*
 * Mark [b, e). With merge, ranges that overlap are joined (hiding wins
 * over shortening); without, a range that overlaps an earlier one is
 * dropped, so a weaker detector never overrides a stronger one.
 */
static void mark(struct spans *sp, size_t b, size_t e, int how, int merge)
{
	size_t i, j;

	if (e <= b)
		return;
	for (i = 0; i < sp->n; i++) {
		if (sp->v[i].e <= b || sp->v[i].b >= e)
			continue;
		if (!merge)
			return;
	}
	for (i = j = 0; i < sp->n; i++) {
		if (sp->v[i].e <= b || sp->v[i].b >= e) {
			sp->v[j++] = sp->v[i];
			continue;
		}
		if (sp->v[i].b < b)
			b = sp->v[i].b;
		if (sp->v[i].e > e)
			e = sp->v[i].e;
		if (sp->v[i].how > how)
			how = sp->v[i].how;
	}
	sp->n = j;
	sp->v = xgrow(sp->v, &sp->cap, sp->n + 1, sizeof(*sp->v));
	sp->v[sp->n].b = b;
	sp->v[sp->n].e = e;
	sp->v[sp->n].how = how;
	sp->n++;
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_b64(int c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

static int is_b64url(int c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

static const char *find(const char *p, size_t n, size_t from, const char *s)
{
	size_t l = strlen(s);

	if (from >= n)
		return NULL;
	return memmem(p + from, n - from, s, l);
}

/* PEM blocks: everything between BEGIN and END (or the string's end). */
static void find_pem(const char *p, size_t n, struct spans *sp)
{
	size_t pos = 0;
	const char *b;

	while ((b = find(p, n, pos, "-----BEGIN ")) != NULL) {
		size_t hs = (size_t)(b - p) + 11, he, be, i;
		const char *dash = find(p, n, hs, "-----"), *end;
		int any = 0;

		if (!dash || (size_t)(dash - p) - hs > 64) {
			pos = hs;
			continue;
		}
		he = (size_t)(dash - p) + 5;
		end = find(p, n, he, "-----END");
		be = end ? (size_t)(end - p) : n;
		for (i = he; i < be; i++) {
			/* Escaped newlines (\n) in JSON are not content. */
			if (p[i] == '\\' && i + 1 < be && p[i + 1] == 'n') {
				i++;
				continue;
			}
			if (!isspace((unsigned char)p[i]) && p[i] != '"')
				any = 1;
		}
		if (any)
			mark(sp, he, be, HIDE, 1);
		pos = be > he ? be : he;
	}
}

static void find_values(const struct redactor *r, const char *p, size_t n,
			struct spans *sp)
{
	size_t i;

	for (i = 0; i < r->nvals; i++) {
		size_t pos = 0;
		const char *hit;

		while (pos < n && (hit = memmem(p + pos, n - pos, r->vals[i],
						r->lens[i])) != NULL) {
			size_t b = (size_t)(hit - p);

			mark(sp, b, b + r->lens[i], HIDE, 1);
			pos = b + r->lens[i];
		}
	}
}

static size_t run(const char *p, size_t n, size_t i, int (*cls)(int))
{
	size_t j = i;

	while (j < n && cls((unsigned char)p[j]))
		j++;
	return j;
}

/* JWTs (eyJ... header.payload[.signature]) and base64 PEM (LS0tLS1...). */
static void find_tokens(const char *p, size_t n, struct spans *sp)
{
	size_t i;

	for (i = 0; i + 3 < n; i++) {
		size_t e, e2;

		/* The first byte alone rules out most places. */
		if (p[i] != 'e' && p[i] != 'L')
			continue;
		if (i && (is_b64url((unsigned char)p[i - 1]) ||
			  p[i - 1] == '+' || p[i - 1] == '/'))
			continue;
		if (!memcmp(p + i, "eyJ", 3)) {
			e = run(p, n, i, is_b64url);
			if (e - i < 10 || e >= n || p[e] != '.')
				continue;
			e2 = run(p, n, e + 1, is_b64url);
			if (e2 - e - 1 < 4)
				continue;
			if (e2 < n && p[e2] == '.')
				e2 = run(p, n, e2 + 1, is_b64url);
			mark(sp, i, e2, HIDE, 1);
			i = e2;
		} else if (n - i >= 7 && !memcmp(p + i, "LS0tLS1", 7)) {
			e = run(p, n, i, is_b64);
			while (e < n && p[e] == '=')
				e++;
			mark(sp, i, e, HIDE, 1);
			i = e;
		}
	}
}

static int is_credc(int c)
{
	return is_alnum(c) || (c && strchr("._~+/=-", c));
}

/* "Bearer <token>" and "Basic <base64>", any case. */
static void find_auth(const char *p, size_t n, struct spans *sp)
{
	size_t i;

	for (i = 0; i + 6 < n; i++) {
		int bearer, basic;
		size_t j, e, k;
		int digit = 0, upper = 0, lower = 0, pad = 0;

		if ((p[i] | 0x20) != 'b')
			continue;
		bearer = !strncasecmp(p + i, "bearer", 6);
		basic = !bearer && !strncasecmp(p + i, "basic", 5);
		if ((!bearer && !basic) || (i && is_alnum((unsigned char)p[i - 1])))
			continue;
		j = i + (bearer ? 6 : 5);
		if (j >= n || p[j] != ' ')
			continue;
		while (j < n && p[j] == ' ')
			j++;
		e = run(p, n, j, is_credc);
		if (e - j < 8)
			continue;
		for (k = j; k < e; k++) {
			digit |= isdigit((unsigned char)p[k]) != 0;
			upper |= isupper((unsigned char)p[k]) != 0;
			lower |= islower((unsigned char)p[k]) != 0;
			pad |= p[k] == '=';
		}
		/* "Basic authentication" is prose, not a credential. */
		if (basic && !digit && !pad && !(upper && lower))
			continue;
		mark(sp, j, e, HIDE, 1);
		i = e;
	}
}

static int is_upnum(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* AWS access key ids: AKIA or ASIA and 16 upper-case letters or digits. */
static void find_aws(const char *p, size_t n, struct spans *sp)
{
	size_t i;

	for (i = 0; i + 20 <= n; i++) {
		if (p[i] != 'A' || (memcmp(p + i, "AKIA", 4) &&
				    memcmp(p + i, "ASIA", 4)))
			continue;
		if (i && is_alnum((unsigned char)p[i - 1]))
			continue;
		if (run(p, n, i + 4, is_upnum) != i + 20 ||
		    (i + 20 < n && is_alnum((unsigned char)p[i + 20])))
			continue;
		mark(sp, i, i + 20, HIDE, 1);
	}
}

/* The token in an HTTP-01 URL: /.well-known/acme-challenge/<token>. */
static void find_acme_url(const char *p, size_t n, struct spans *sp)
{
	size_t pos = 0;
	const char *h;

	while ((h = find(p, n, pos, "/acme-challenge/")) != NULL) {
		size_t b = (size_t)(h - p) + 16, e = run(p, n, b, is_b64url);

		if (e - b >= 8)
			mark(sp, b, e, SHORTEN, 1);
		pos = e > b ? e : b;
	}
}

static int is_keyc(int c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '/';
}

enum key_class {
	KEY_NONE,
	KEY_SECRET,	/* hide the value */
	KEY_TOKEN,	/* shorten an ACME-looking token, else hide */
	KEY_KEY,	/* shorten an ACME key authorization */
};

/* Keys are compared lower-cased without punctuation, by their ending. */
static enum key_class key_class(const char *p, size_t n)
{
	static const char *const secret[] = {
		"password", "passwd", "passphrase", "secret", "apikey",
		"accesskey", "secretkey", "privatekey", "credential",
		"credentials", "hmackey", "signingkey", "encryptionkey",
	};
	char k[64];
	size_t m = 0, i, l;

	for (i = n > 200 ? n - 200 : 0; i < n; i++) {
		if (!is_alnum((unsigned char)p[i]))
			continue;
		if (m == sizeof(k) - 1)
			memmove(k, k + 1, --m);
		k[m++] = (char)tolower((unsigned char)p[i]);
	}
	k[m] = 0;
	for (i = 0; i < ARRAY_SIZE(secret); i++) {
		l = strlen(secret[i]);
		if (m >= l && !strcmp(k + m - l, secret[i]))
			return KEY_SECRET;
	}
	if (m >= 5 && !strcmp(k + m - 5, "token"))
		return KEY_TOKEN;
	if (m >= 3 && !strcmp(k + m - 3, "key"))
		return KEY_KEY;
	return KEY_NONE;
}

static int all_b64url(const char *p, size_t n)
{
	return run(p, n, 0, is_b64url) == n;
}

/* An ACME key authorization: <token>.<account key thumbprint>. */
static int is_keyauth(const char *p, size_t n)
{
	const char *dot = memchr(p, '.', n);

	return dot && dot - p >= 16 && n - (size_t)(dot - p) - 1 >= 16 &&
	       all_b64url(p, (size_t)(dot - p)) &&
	       all_b64url(dot + 1, n - (size_t)(dot - p) - 1);
}

static int is_placeholder(const char *p, size_t n)
{
	static const char *const v[] = {
		"null", "<none>", "<nil>", "true", "false", "none", "nil",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		if (strlen(v[i]) == n && !strncasecmp(p, v[i], n))
			return 1;
	return n >= 10 && !memcmp(p, REDACT_MARK, 10);
}

/* The value after a separator at p[v]: its range, quotes excluded. */
static void value_at(const char *p, size_t n, size_t v, size_t *vb,
		     size_t *ve)
{
	size_t i;

	while (v < n && (p[v] == ' ' || p[v] == '\t'))
		v++;
	if (v + 1 < n && p[v] == '\\' && p[v + 1] == '"') {
		const char *q = find(p, n, v + 2, "\\\"");

		*vb = v + 2;
		*ve = q ? (size_t)(q - p) : n;
	} else if (v < n && (p[v] == '"' || p[v] == '\'')) {
		char q = p[v];

		*vb = v + 1;
		for (i = v + 1; i < n && p[i] != q && p[i] != '\n'; i++)
			if (p[i] == '\\' && q == '"')
				i++;
		*ve = i < n ? i : n;
	} else {
		*vb = v;
		for (i = v; i < n; i++)
			if (isspace((unsigned char)p[i]) ||
			    strchr(",;&\"'\\)}]<>", p[i]))
				break;
		*ve = i;
	}
	if (*ve > n)
		*ve = n;
}

/* key=value, key: value, "key":"value", key=\"value\" (klog). */
static void find_fields(const char *p, size_t n, struct spans *sp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t k = i, ks, vb, ve;
		enum key_class cls;

		if (p[i] != '=' && p[i] != ':')
			continue;
		if (p[i] == ':' && i + 2 < n && p[i + 1] == '/' &&
		    p[i + 2] == '/')
			continue;
		if (p[i] == '=' && ((i + 1 < n && p[i + 1] == '=') ||
				    (i && strchr("=!<>", p[i - 1]))))
			continue;
		/* INI style "key = value". */
		if (p[i] == '=')
			while (k && p[k - 1] == ' ')
				k--;
		if (k && p[k - 1] == '"')
			k--;
		if (k && p[k - 1] == '\\')
			k--;
		ks = k;
		while (ks && is_keyc((unsigned char)p[ks - 1]))
			ks--;
		if (ks == k)
			continue;
		cls = key_class(p + ks, k - ks);
		if (cls == KEY_NONE)
			continue;
		value_at(p, n, i + 1, &vb, &ve);
		if (ve <= vb || p[vb] == '{' || p[vb] == '[' ||
		    is_placeholder(p + vb, ve - vb))
			continue;
		if (cls == KEY_SECRET)
			mark(sp, vb, ve, HIDE, 1);
		else if (cls == KEY_TOKEN)
			mark(sp, vb, ve, ve - vb >= 16 &&
			     all_b64url(p + vb, ve - vb) ? SHORTEN : HIDE, 1);
		else if (is_keyauth(p + vb, ve - vb))
			mark(sp, vb, ve, SHORTEN, 1);
	}
}

static int is_b64any(int c)
{
	return is_b64(c) || c == '-' || c == '_';
}

/*
 * Long base64 runs (32 characters or more, with upper- and lower-case
 * letters and digits): keys, secrets and certificates out of context.
 * A run with a path-like segment of lower-case letters is a URL or a
 * file name, not a secret.
 */
static void find_base64(const char *p, size_t n, struct spans *sp)
{
	size_t i = 0;

	while (i < n) {
		size_t e, k, seg = 0;
		int upper = 0, lower = 0, digit = 0, wordy = 0, segl = 1;

		if (!is_b64any((unsigned char)p[i])) {
			i++;
			continue;
		}
		e = run(p, n, i, is_b64any);
		if (e - i < 32) {	/* too short to be one: no need to look */
			i = e;
			continue;
		}
		for (k = i; k <= e; k++) {
			int c = k < e ? (unsigned char)p[k] : '/';

			if (c == '/' || c == '-' || c == '_' || c == '+') {
				if (k - seg >= 3 && segl)
					wordy = 1;
				seg = k + 1;
				segl = 1;
				continue;
			}
			upper |= isupper(c) != 0;
			lower |= islower(c) != 0;
			digit |= isdigit(c) != 0;
			if (!islower(c))
				segl = 0;
		}
		if (e - i >= 32 && upper && lower && digit && !wordy) {
			size_t pe = e;

			while (pe < n && p[pe] == '=')
				pe++;
			mark(sp, i, pe, HIDE, 0);
		}
		i = e;
	}
}

static int is_localc(int c)
{
	return is_alnum(c) || (c && strchr("._%+-", c));
}

/* user@example.com: hide the user, keep the domain (it is often the cause). */
static void find_emails(const char *p, size_t n, struct spans *sp)
{
	size_t i;

	for (i = 1; i + 3 < n; i++) {
		size_t b = i, e = i + 1, dot = 0;

		if (p[i] != '@')
			continue;
		while (b && is_localc((unsigned char)p[b - 1]))
			b--;
		while (e < n && (is_alnum((unsigned char)p[e]) ||
				 p[e] == '-' || p[e] == '.')) {
			e++;
		}
		/* A sentence's full stop is not part of the domain. */
		while (e > i + 1 && p[e - 1] == '.')
			e--;
		for (dot = e; dot > i && p[dot - 1] != '.'; dot--)
			;
		dot = dot > i + 1 ? dot - 1 : 0;
		if (b == i || !dot || e - dot < 3 ||
		    !isalpha((unsigned char)p[dot + 1]))
			continue;
		mark(sp, b, i, HIDE, 1);
	}
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->b < y->b ? -1 : x->b > y->b;
}

/* The ranges to replace in s, in order. */
static void find_all(const struct redactor *r, struct slice s,
		     struct spans *sp)
{
	find_pem(s.p, s.n, sp);
	find_values(r, s.p, s.n, sp);
	find_tokens(s.p, s.n, sp);
	find_auth(s.p, s.n, sp);
	find_aws(s.p, s.n, sp);
	find_acme_url(s.p, s.n, sp);
	find_fields(s.p, s.n, sp);
	find_base64(s.p, s.n, sp);
	if (r->flags & REDACT_EMAILS)
		find_emails(s.p, s.n, sp);
	if (sp->n > 1)	/* sp->v is NULL when nothing was found */
		qsort(sp->v, sp->n, sizeof(*sp->v), cmp_span);
}

void redact_learn(struct redactor *r, struct slice s)
{
	struct spans sp = { NULL, 0, 0 };
	size_t i;

	if (!r || !s.n)
		return;
	find_all(r, s, &sp);
	for (i = 0; i < sp.n; i++) {
		struct slice v = slice_make(s.p + sp.v[i].b,
					    sp.v[i].e - sp.v[i].b);
		size_t k;
		int digit = 0, space = 0;

		for (k = 0; k < v.n; k++) {
			digit |= isdigit((unsigned char)v.p[k]) != 0;
			space |= v.p[k] == ' ';
		}
		/* Secret-looking values only: not a word of prose. */
		if (sp.v[i].how == HIDE && v.n >= 8 && !space &&
		    (digit || v.n >= 16))
			redact_add_value(r, v);
	}
	free(sp.v);
}

void redact_apply(const struct redactor *r, struct buf *out, struct slice s)
{
	struct spans sp = { NULL, 0, 0 };
	size_t i, pos = 0;

	if (!r || !s.n) {
		buf_add(out, s.p, s.n);
		return;
	}
	find_all(r, s, &sp);
	for (i = 0; i < sp.n; i++) {
		buf_add(out, s.p + pos, sp.v[i].b - pos);
		if (sp.v[i].how == SHORTEN && sp.v[i].e - sp.v[i].b > 8) {
			buf_add(out, s.p + sp.v[i].b, 4);
			buf_adds(out, "\xe2\x80\xa6");
		} else {
			buf_adds(out, REDACT_MARK);
		}
		pos = sp.v[i].e;
	}
	buf_add(out, s.p + pos, s.n - pos);
	free(sp.v);
}
