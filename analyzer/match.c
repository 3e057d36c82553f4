/*
 * Rule matching over text lines, stage four of the pipeline. Patterns are
 * compiled once (rules.c) and one match-data block is reused for every
 * line. A hit becomes a finding keyed by rule and resource; a pattern that
 * exceeds the PCRE2 limits is reported with the rule and the location and
 * the run goes on.
 */
#include "match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void match_init(struct matcher *m, const struct ruleset *rs,
		struct findings *fs)
{
	memset(m, 0, sizeof(*m));
	m->rs = rs;
	m->fs = fs;
	m->md = pcre2_match_data_create(64, NULL);
	if (!m->md) {
		fprintf(stderr, "ktriage: error: out of memory (pcre2)\n");
		abort();
	}
}

void match_free(struct matcher *m)
{
	pcre2_match_data_free(m->md);
	m->md = NULL;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Read a quoted value starting after the opening quote (klog escapes \"). */
static struct slice quoted_value(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != '"') {
		if (*q == '\\' && q + 1 < end)
			q++;
		q++;
	}
	return slice_make(p, (size_t)(q - p));
}

int match_line_value(struct slice line, const char *key, struct slice *val)
{
	size_t klen = strlen(key);
	const char *p = line.p, *end = line.p + line.n;

	while (p < end) {
		const char *k = memmem(p, (size_t)(end - p), key, klen);
		const char *q;
		int quoted_key;

		if (!k)
			return 0;
		p = k + klen;
		quoted_key = k > line.p && k[-1] == '"';
		if (k > line.p + quoted_key && is_word(k[-1 - quoted_key]))
			continue;
		q = k + klen;
		if (quoted_key) {
			if (q >= end || *q != '"')
				continue;
			q++;
		} else if (q < end && is_word(*q)) {
			continue;
		}
		if (q >= end || (*q != '=' && *q != ':'))
			continue;
		q++;
		if (q < end && *q == '"') {
			*val = quoted_value(q + 1, end);
			return 1;
		}
		if (quoted_key)
			continue;	/* "key":123 is not a name */
		{
			const char *v = q;

			while (q < end && *q != ' ' && *q != ',' && *q != '}')
				q++;
			*val = slice_make(v, (size_t)(q - v));
			return 1;
		}
	}
	return 0;
}

/* Controller names in logger strings, and the kind each one syncs. */
static const struct {
	const char *controller;
	const char *kind;
} controller_kinds[] = {
	{ "challenges", "Challenge" },
	{ "orders", "Order" },
	{ "certificaterequests", "CertificateRequest" },
	{ "certificates", "Certificate" },
	{ "clusterissuers", "ClusterIssuer" },
	{ "issuers", "Issuer" },
};

static const char *kind_from_logger(struct slice line)
{
	static const char *const prefixes[] = {
		"cert-manager/controller/", "cert-manager/"
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		const char *p = memmem(line.p, line.n, prefixes[i],
				       strlen(prefixes[i]));
		size_t rest;

		if (!p)
			continue;
		p += strlen(prefixes[i]);
		rest = line.n - (size_t)(p - line.p);
		for (j = 0; j < ARRAY_SIZE(controller_kinds); j++) {
			size_t n = strlen(controller_kinds[j].controller);

			if (rest >= n && !memcmp(p, controller_kinds[j].controller,
						 n))
				return controller_kinds[j].kind;
		}
	}
	return NULL;
}

static char *slice_dup_unescaped(struct slice s)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < s.n; i++) {
		if (s.p[i] == '\\' && i + 1 < s.n)
			i++;
		buf_addc(&b, s.p[i]);
	}
	return buf_detach(&b);
}

/* Fill res from the keys cert-manager puts on its log lines. */
static int line_resource(struct slice line, struct resource *res)
{
	struct slice v;

	if (match_line_value(line, "resource_name", &v) && v.n) {
		res->name = slice_dup_unescaped(v);
		if (match_line_value(line, "resource_kind", &v) && v.n)
			res->kind = slice_dup_unescaped(v);
		if (match_line_value(line, "resource_namespace", &v) && v.n)
			res->ns = slice_dup_unescaped(v);
		return 1;
	}
	if (match_line_value(line, "key", &v) && v.n) {
		const char *slash = memchr(v.p, '/', v.n);
		const char *kind = kind_from_logger(line);

		if (slash) {
			res->ns = xstrndup(v.p, (size_t)(slash - v.p));
			res->name = xstrndup(slash + 1,
					     v.n - (size_t)(slash - v.p) - 1);
		} else {
			res->name = slice_dup_unescaped(v);
		}
		res->kind = kind ? xstrdup(kind) : NULL;
		return 1;
	}
	return 0;
}

static void resource_clear(struct resource *r)
{
	free(r->kind);
	free(r->ns);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

#define HIT_CAPS_MAX 32

struct hit {
	struct hit_capture caps[HIT_CAPS_MAX];
	size_t ncaps;
	struct slice kind, ns, name;
};

static void collect_capture(const char *name, struct slice value, void *ctx)
{
	struct hit *h = ctx;

	if (!strcmp(name, "kind"))
		h->kind = value;
	else if (!strcmp(name, "namespace"))
		h->ns = value;
	else if (!strcmp(name, "name"))
		h->name = value;
	if (h->ncaps < HIT_CAPS_MAX) {
		h->caps[h->ncaps].name = name;
		h->caps[h->ncaps].value = value;
		h->ncaps++;
	}
}

static void record_hit(struct matcher *m, const struct rule *r,
		       struct hit *h, const char *source,
		       unsigned long lineno, struct slice line,
		       const struct resource *ctx)
{
	struct resource own = { NULL, NULL, NULL };
	const struct resource *res = ctx;

	if (h->name.n) {
		own.name = xstrndup(h->name.p, h->name.n);
		own.kind = h->kind.n ? xstrndup(h->kind.p, h->kind.n) : NULL;
		own.ns = h->ns.n ? xstrndup(h->ns.p, h->ns.n) : NULL;
		res = &own;
	} else if (line_resource(line, &own)) {
		res = &own;
	}
	findings_add(m->fs, r, res, source, lineno, line, h->caps, h->ncaps);
	resource_clear(&own);
}

static void limit_warning(struct matcher *m, const struct rule *r,
			  const struct pattern *p, const char *source,
			  unsigned long lineno, struct input *in)
{
	struct buf where = BUF_INIT;

	m->limit_hits++;
	buf_addf(&where, "%s:%lu", source, lineno);
	input_warning(in, where.p, "rule '%s': PCRE2 match limit reached "
		      "(pattern at %s:%lu); this rule skipped the line", r->id,
		      p->loc.file, p->loc.line);
	buf_free(&where);
}

void match_line(struct matcher *m, const char *source, unsigned long lineno,
		struct slice line, const struct resource *ctx,
		struct input *in)
{
	size_t i, j;

	for (i = 0; i < m->rs->n; i++) {
		const struct rule *r = &m->rs->rules[i];
		struct hit h;
		int matched = 0;

		for (j = 0; j < r->npatterns; j++) {
			const struct pattern *p = &r->patterns[j];
			int rc = pattern_match(m->rs, p, line.p, line.n, m->md);

			if (rc < 0) {
				limit_warning(m, r, p, source, lineno, in);
				continue;
			}
			if (!rc)
				continue;
			/*
			 * Once a line hits, the rule's other patterns still
			 * run on it, so every named value it carries is kept.
			 */
			if (!matched)
				memset(&h, 0, sizeof(h));
			matched = 1;
			pattern_each_capture(p, m->md, line.p, collect_capture,
					     &h);
		}
		if (matched)
			record_hit(m, r, &h, source, lineno, line, ctx);
	}
}
