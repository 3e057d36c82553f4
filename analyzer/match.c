/*
 * Rule matching over text lines, stage four of the pipeline. Patterns are
 * compiled once (rules.c) and one match-data block is reused for every
 * line. A hit becomes a finding keyed by rule and resource; a pattern that
 * exceeds the PCRE2 limits is reported with the rule and the location and
 * the run goes on.
 */
#include "match.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chain.h"
#include "cond.h"
#include "diag.h"
#include "prefilter.h"
#include "pqueue.h"

/*
 * The text and log rules that stay candidates on a line without any
 * literal: those the prefilter could give no literal to.
 */
static void always_lists(struct matcher *m)
{
	size_t i, t, cap;

	for (t = 0; t < 2; t++) {
		enum target tg = t ? TARGET_LOG : TARGET_TEXT;

		cap = 0;
		m->always[t] = NULL;
		m->nalways[t] = 0;
		memset(m->found, 0, prefilter_words(m->pf) * sizeof(*m->found));
		for (i = 0; i < m->rs->n; i++) {
			if (!(m->rs->rules[i].target_mask & (1u << tg)) ||
			    !prefilter_candidate(m->pf, i, tg, m->found))
				continue;
			m->always[t] = xgrow(m->always[t], &cap,
					     m->nalways[t] + 1,
					     sizeof(*m->always[t]));
			m->always[t][m->nalways[t]++] = i;
		}
	}
}

/* The kinds a condition requires at its top (kind: X, or in an all:). */
static int top_kinds(const struct cond *c, const char ***out, size_t *n,
		     size_t *cap)
{
	size_t i, k;

	if (!c)
		return 0;
	if (c->op == COND_FIELD && !strcmp(c->field, "kind") && !c->nocase &&
	    (c->cmp == CMP_EQ || c->cmp == CMP_IN) && c->nstrs) {
		for (k = 0; k < c->nstrs; k++) {
			*out = xgrow(*out, cap, *n + 2, sizeof(**out));
			(*out)[(*n)++] = c->strs[k];
			(*out)[*n] = NULL;
		}
		return 1;
	}
	if (c->op == COND_ALL)
		for (i = 0; i < c->nkids; i++)
			if (top_kinds(c->kids[i], out, n, cap))
				return 1;
	return 0;
}

static void list_add(struct rule_list *l, size_t i)
{
	if (l->n && l->v[l->n - 1] == i)
		return;		/* a kind named twice */
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = i;
}

/* Index rule i under each kind of ks (NULL-ended), or as naming none. */
static void index_rule(struct matcher *m, size_t t, size_t i,
		       const char **ks)
{
	if (!ks) {
		list_add(&m->anykind[t], i);
		return;
	}
	for (; *ks; ks++) {
		size_t n = strlen(*ks);
		struct rule_list *l = hmap_get(&m->bykind[t], *ks, n);

		if (!l) {
			l = xcalloc(1, sizeof(*l));
			hmap_put(&m->bykind[t], *ks, n, l);
		}
		list_add(l, i);
	}
}

static void free_kind_index(struct hmap *h)
{
	size_t i;

	for (i = 0; i < h->cap; i++)
		if (h->slots[i].key) {
			struct rule_list *l = h->slots[i].value;

			free(l->v);
			free(l);
		}
	hmap_free(h);
}

/*
 * The rules an object of this kind may match, for object (t 0) or
 * condition (t 1) subjects, into m->cand: those naming its kind merged
 * with those naming none, in rule order.
 */
static void kind_candidates(struct matcher *m, size_t t, const char *kind)
{
	const struct rule_list *a = &m->anykind[t], *b = NULL;
	size_t i = 0, k = 0;

	if (kind)
		b = hmap_get(&m->bykind[t], kind, strlen(kind));
	m->ncand = 0;
	while (i < a->n || (b && k < b->n)) {
		if (!b || k >= b->n || (i < a->n && a->v[i] < b->v[k]))
			m->cand[m->ncand++] = a->v[i++];
		else
			m->cand[m->ncand++] = b->v[k++];
	}
}

/*
 * For object (t 0) and condition (t 1) clauses: the kinds each rule can
 * match at all, so an object of another kind skips the rule at once.
 * Rules without such a clause are left out.
 */
static void kind_lists(struct matcher *m)
{
	size_t t, i, j;

	for (t = 0; t < 2; t++) {
		enum target tg = t ? TARGET_CONDITION : TARGET_OBJECT;

		for (i = 0; i < m->rs->n; i++) {
			const struct rule *r = &m->rs->rules[i];
			const char **ks = NULL;
			size_t n = 0, cap = 0;
			int any = 0;

			if (!(r->target_mask & (1u << tg)))
				continue;
			for (j = 0; j < r->nclauses && !any; j++)
				if (r->clauses[j].target == tg &&
				    !top_kinds(r->clauses[j].where, &ks, &n,
					       &cap))
					any = 1;
			index_rule(m, t, i, any || !n ? NULL : ks);
			free(ks);
		}
	}
}

void match_init(struct matcher *m, const struct ruleset *rs,
		struct findings *fs)
{
	memset(m, 0, sizeof(*m));
	m->rs = rs;
	m->fs = fs;
	m->md = pcre2_match_data_create(64, NULL);
	m->pf = ruleset_prefilter(rs);
	m->found = xcalloc(prefilter_words(m->pf), sizeof(*m->found));
	always_lists(m);
	kind_lists(m);
	m->mark = xcalloc((rs->n + 63) / 64 + 1, sizeof(*m->mark));
	m->cand = xcalloc(rs->n ? rs->n : 1, sizeof(*m->cand));
	if (!m->md) {
		fprintf(stderr, "ktriage: error: out of memory (pcre2)\n");
		abort();
	}
}

static void pending_clear(struct pending_hit *p)
{
	size_t i;

	free(p->text);
	for (i = 0; i < p->ncaps; i++)
		free(p->cap_values[i]);
}

void match_free(struct matcher *m)
{
	size_t i;

	for (i = 0; i < m->npending; i++)
		pending_clear(&m->pending[i]);
	free(m->pending);
	free(m->found);
	free(m->always[0]);
	free(m->always[1]);
	for (i = 0; i < 2; i++) {
		free_kind_index(&m->bykind[i]);
		free(m->anykind[i].v);
	}
	free(m->mark);
	free(m->cand);
	buf_free(&m->lc.msg);
	buf_free(&m->lc.err);
	buf_free(&m->lc.logger);
	pcre2_match_data_free(m->md);
	m->md = NULL;
}

void match_flush(struct matcher *m, const struct resource *res,
		 unsigned long from, unsigned long to)
{
	size_t i, kept = 0;

	for (i = 0; i < m->npending; i++) {
		struct pending_hit *p = &m->pending[i];
		struct hit_capture hc[8];
		size_t k;

		if (p->line < from || p->line > to) {
			m->pending[kept++] = *p;
			continue;
		}
		for (k = 0; k < p->ncaps; k++) {
			hc[k].name = p->cap_names[k];
			hc[k].value = slice_cstr(p->cap_values[k]);
		}
		findings_add(m->fs, p->rule, res, p->source, p->line,
			     slice_cstr(p->text), hc, p->ncaps,
			     p->has_w ? &p->w : NULL);
		pending_clear(p);
	}
	m->npending = kept;
}

static void defer_hit(struct matcher *m, const struct rule *r,
		      const struct cond_caps *caps, const char *source,
		      unsigned long lineno, struct slice text,
		      const struct when *w)
{
	struct pending_hit *p;
	size_t i;

	if (m->npending >= MATCH_MAX_PENDING)
		match_flush(m, NULL, 0, m->pending[0].line);
	m->pending = xgrow(m->pending, &m->cappending, m->npending + 1,
			   sizeof(*m->pending));
	p = &m->pending[m->npending++];
	memset(p, 0, sizeof(*p));
	p->rule = r;
	p->source = source;
	p->line = lineno;
	/* Evidence shows at most EVIDENCE_TEXT_MAX bytes: keep a bit more. */
	p->text = xstrndup(text.p, text.n < 2 * EVIDENCE_TEXT_MAX ? text.n :
			   2 * EVIDENCE_TEXT_MAX);
	if (w) {
		p->w = *w;
		p->has_w = 1;
	}
	for (i = 0; i < caps->n && p->ncaps < ARRAY_SIZE(p->cap_names); i++) {
		p->cap_names[p->ncaps] = caps->v[i].name;
		p->cap_values[p->ncaps] = xstrdup(caps->v[i].value);
		p->ncaps++;
	}
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

/* The resource a log record is about, from its own keys. */
static int record_resource(const struct logrec *r, struct resource *res)
{
	struct buf b = BUF_INIT;
	int i;

	i = logrec_find(r, "resource_name");
	if (i >= 0 && r->kv[i].value.n) {
		logrec_decode(r->kv[i].value, r->kv[i].quoted, &b);
		res->name = buf_detach(&b);
		if ((i = logrec_find(r, "resource_kind")) >= 0 &&
		    r->kv[i].value.n) {
			logrec_decode(r->kv[i].value, r->kv[i].quoted, &b);
			res->kind = buf_detach(&b);
		}
		if ((i = logrec_find(r, "resource_namespace")) >= 0 &&
		    r->kv[i].value.n) {
			logrec_decode(r->kv[i].value, r->kv[i].quoted, &b);
			res->ns = buf_detach(&b);
		}
		return 1;
	}
	/* Fall back on the raw text, which also covers "key". */
	return line_resource(slice_make(r->text.p, r->text.n), res);
}

/*
 * What matching objects on two threads does instead of adding to the
 * findings: a log per chunk of objects, replayed in object order
 * (match_objects()), so the findings come out as they would from one
 * thread.
 */
enum { LOG_HIT, LOG_LIMIT, LOG_LIMITS };

struct logged {
	int what;
	size_t obj;			/* the object's index */
	const struct rule *rule;
	const char *source;		/* borrowed from the object */
	unsigned long line;
	unsigned long limits;		/* LOG_LIMITS: how many */
	struct resource res;		/* owned */
	int has_res;
	char *text;			/* owned */
	size_t textlen;
	struct when w;
	int has_w;
	size_t ncaps;
	struct hit_capture *caps;	/* values owned */
};

struct match_log {
	struct logged *v;
	size_t n, cap;
	size_t obj;			/* the object being matched */
};

static struct logged *log_add(struct match_log *lg, int what)
{
	struct logged *l;

	lg->v = xgrow(lg->v, &lg->cap, lg->n + 1, sizeof(*lg->v));
	l = &lg->v[lg->n++];
	memset(l, 0, sizeof(*l));
	l->what = what;
	l->obj = lg->obj;
	return l;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void log_hit(struct match_log *lg, const struct rule *r,
		    const struct resource *res, const char *source,
		    unsigned long line, struct slice text,
		    const struct hit_capture *hc, size_t n,
		    const struct when *w)
{
	struct logged *l = log_add(lg, LOG_HIT);
	size_t i;

	l->rule = r;
	l->source = source;
	l->line = line;
	if (res) {
		l->has_res = 1;
		l->res.kind = dup_or_null(res->kind);
		l->res.ns = dup_or_null(res->ns);
		l->res.name = dup_or_null(res->name);
	}
	l->text = xstrndup(text.p, text.n);
	l->textlen = text.n;
	if (w) {
		l->w = *w;
		l->has_w = 1;
	}
	l->caps = n ? xcalloc(n, sizeof(*l->caps)) : NULL;
	for (i = 0; i < n; i++) {
		l->caps[i].name = hc[i].name;
		l->caps[i].value.p = xstrndup(hc[i].value.p, hc[i].value.n);
		l->caps[i].value.n = hc[i].value.n;
	}
	l->ncaps = n;
}

static void logged_clear(struct logged *l)
{
	size_t i;

	resource_clear(&l->res);
	free(l->text);
	for (i = 0; i < l->ncaps; i++)
		free((char *)l->caps[i].value.p);
	free(l->caps);
}

/* Hand a hit to the findings, with the resource and captures it names. */
static void record_hit(struct matcher *m, const struct rule *r,
		       struct cond_caps *caps, const struct resource *given,
		       const char *source, unsigned long lineno,
		       struct slice text, const struct when *w,
		       struct slice resource_line)
{
	struct hit_capture hc[COND_MAX_CAPS];
	struct resource own = { NULL, NULL, NULL };
	const struct resource *res = given;
	const char *kind = NULL, *ns = NULL, *name = NULL;
	size_t i, n = 0;

	for (i = 0; i < caps->n; i++) {
		hc[n].name = caps->v[i].name;
		hc[n].value = slice_cstr(caps->v[i].value);
		n++;
		if (!strcmp(caps->v[i].name, "kind"))
			kind = caps->v[i].value;
		else if (!strcmp(caps->v[i].name, "namespace"))
			ns = caps->v[i].value;
		else if (!strcmp(caps->v[i].name, "name"))
			name = caps->v[i].value;
	}
	/* Named captures first, then the line's own keys, then context. */
	if (name && *name) {
		own.name = xstrdup(name);
		own.kind = kind && *kind ? xstrdup(kind) : NULL;
		own.ns = ns && *ns ? xstrdup(ns) : NULL;
		res = &own;
	} else if (resource_line.n && line_resource(resource_line, &own)) {
		res = &own;
	}
	if (!res && m->defer) {
		defer_hit(m, r, caps, source, lineno, text, w);
		return;
	}
	if (m->log)
		log_hit(m->log, r, res, source, lineno, text, hc, n, w);
	else
		findings_add(m->fs, r, res, source, lineno, text, hc, n, w);
	resource_clear(&own);
}

static void limit_warning(struct matcher *m, const struct rule *r,
			  const char *source, unsigned long lineno,
			  struct input *in)
{
	struct buf where = BUF_INIT;

	if (m->log) {
		struct logged *l = log_add(m->log, LOG_LIMIT);

		l->rule = r;
		l->source = source;
		l->line = lineno;
		return;
	}
	buf_addf(&where, "%s:%lu", source, lineno);
	if (in)
		input_warning(in, where.p, "rule '%s': PCRE2 match limit "
			      "reached; this rule skipped the input here",
			      r->id);
	else
		diag(DIAG_WARNING, where.p, "rule '%s': PCRE2 match limit "
		     "reached; this rule skipped the input here", r->id);
	buf_free(&where);
	(void)m;
}

/*
 * The candidate rules of the line just scanned, in rule order: a bit per
 * rule is set for each literal found (and each rule without one), then
 * the set bits are read out in order. No sort, no per-line clearing.
 */
static void collect_candidates(struct matcher *m, enum target t)
{
	size_t w, k, nw = prefilter_words(m->pf), rw = (m->rs->n + 63) / 64;
	const size_t *always = m->always[t == TARGET_LOG];
	uint64_t *bits = m->mark;

	for (w = 0; w < nw; w++) {
		uint64_t f = m->found[w];

		while (f) {
			uint32_t id = (uint32_t)(w * 64 +
						 (size_t)__builtin_ctzll(f));
			size_t n;
			const uint32_t *rs = prefilter_literal_rules(m->pf, id,
								     t, &n);

			f &= f - 1;
			for (k = 0; k < n; k++)
				bits[rs[k] / 64] |= (uint64_t)1 << (rs[k] % 64);
		}
	}
	for (k = 0; k < m->nalways[t == TARGET_LOG]; k++)
		bits[always[k] / 64] |= (uint64_t)1 << (always[k] % 64);
	m->ncand = 0;
	for (w = 0; w < rw; w++) {
		uint64_t x = bits[w];

		bits[w] = 0;
		while (x) {
			m->cand[m->ncand++] = w * 64 +
				(size_t)__builtin_ctzll(x);
			x &= x - 1;
		}
	}
}

/*
 * Run every rule with a clause for s->target; report each hit. For a log
 * record (rec), the resource its keys name is read at its first hit.
 */
static void run_rules(struct matcher *m, const struct subject *subj,
		      const struct resource *res, const char *source,
		      unsigned long lineno, struct slice text,
		      const struct when *w, struct slice resource_line,
		      struct input *in, const struct logrec *rec)
{
	struct subject_memo memo;
	struct subject with_memo = *subj;
	const struct subject *s = &with_memo;
	struct resource own = { NULL, NULL, NULL };
	int own_read = 0, lines = s->target == TARGET_TEXT ||
				  s->target == TARGET_LOG;
	size_t j, n = m->rs->n;
	const size_t *only = NULL;

	memo.n = memo.next = memo.npath = 0;
	with_memo.memo = &memo;
	if (lines && !m->found_any) {
		/* No literal on the line: only the rules without one. */
		only = m->always[s->target == TARGET_LOG];
		n = m->nalways[s->target == TARGET_LOG];
	} else if (lines) {
		collect_candidates(m, s->target);
		only = m->cand;
		n = m->ncand;
	} else if (s->target == TARGET_OBJECT ||
		   s->target == TARGET_CONDITION) {
		/* Only the rules that name this kind, or none. */
		kind_candidates(m, s->target == TARGET_CONDITION,
				s->obj ? s->obj->kind : NULL);
		only = m->cand;
		n = m->ncand;
	}
	for (j = 0; j < n; j++) {
		size_t i = only ? only[j] : j;
		const struct rule *r = &m->rs->rules[i];
		struct cond_caps caps;
		unsigned long limits = 0;

		if (!(r->target_mask & (1u << s->target)))
			continue;
		if (lines && m->found_any &&
		    !prefilter_candidate(m->pf, i, s->target, m->found)) {
			m->prefiltered++;
			continue;
		}
		caps.n = 0;
		caps.witness = NULL;
		if (rule_eval(m->rs, r, s, m->md, &caps, &limits)) {
			/*
			 * For an object, the evidence is the field that
			 * matched, not the object's name.
			 */
			struct slice t = text;

			if (s->target != TARGET_TEXT && s->target !=
			    TARGET_LOG && caps.witness && s->target !=
			    TARGET_EVENT)
				t = slice_cstr(caps.witness);
			if (rec && !own_read) {
				own_read = 1;
				record_resource(rec, &own);
				res = own.name ? &own : NULL;
			}
			record_hit(m, r, &caps, res, source, lineno, t, w,
				   resource_line);
		}
		cond_caps_clear(&caps);
		if (limits) {
			m->limit_hits += limits;
			limit_warning(m, r, source, lineno, in);
		}
	}
	resource_clear(&own);
}

void match_block(struct matcher *m, struct pf_block *b)
{
	m->blk = b;
}

int match_line_scan(struct matcher *m, const char *source,
		    unsigned long lineno, struct slice line)
{
	if (m->blk && prefilter_block_covers(m->blk, line.p, line.n,
					     m->blk->gen)) {
		/* found holds no bit when found_any is 0. */
		if (!m->found_any &&
		    prefilter_block_none(m->blk, line.p, line.n))
			;	/* nothing found, and nothing to clear */
		else
			m->found_any = prefilter_block_line(m->pf, m->blk,
							    line.p, line.n,
							    m->found,
							    m->found_any);
	} else {
		prefilter_scan(m->pf, line.p, line.n, m->found);
		m->found_any = prefilter_any(m->pf, m->found);
	}
	m->found_line = lineno;
	m->found_source = source;
	return m->found_any || m->nalways[0];
}

void match_line_rules(struct matcher *m, const char *source,
		      unsigned long lineno, struct slice line,
		      const struct resource *ctx, const struct when *w,
		      struct input *in)
{
	struct subject s;

	memset(&s, 0, sizeof(s));
	s.target = TARGET_TEXT;
	s.line = line;
	s.source = source;
	s.now_ms = INT64_MIN;
	s.node = -1;
	run_rules(m, &s, ctx, source, lineno, line, w, line, in, NULL);
}

int match_record_idle(const struct matcher *m, const char *source,
		      unsigned long lineno)
{
	return m->found_line == lineno && m->found_source == source &&
	       !m->found_any && !m->nalways[1];
}

void match_line(struct matcher *m, const char *source, unsigned long lineno,
		struct slice line, const struct resource *ctx,
		const struct when *w, struct input *in)
{
	if (match_line_scan(m, source, lineno, line))
		match_line_rules(m, source, lineno, line, ctx, w, in);
}

void match_record(struct matcher *m, const struct logrec *r, struct input *in)
{
	struct subject s;
	struct when w;
	const char *nl;
	struct slice first;

	memset(&s, 0, sizeof(s));
	s.target = TARGET_LOG;
	s.rec = r;
	s.source = r->source;
	s.now_ms = INT64_MIN;
	s.node = -1;
	s.lc = &m->lc;
	m->lc.has_msg = m->lc.has_err = m->lc.has_logger = 0;
	/* A one-line record was just scanned as a line: reuse that scan. */
	if (r->nlines != 1 || m->found_line != r->line ||
	    m->found_source != r->source) {
		prefilter_scan(m->pf, r->text.p, r->text.n, m->found);
		m->found_any = prefilter_any(m->pf, m->found);
		m->found_line = 0;
		m->found_source = NULL;
	}
	if (!m->found_any && !m->nalways[1])
		return;
	memset(&w, 0, sizeof(w));
	if (r->time.known && r->time.absolute) {
		w.has_abs = 1;
		w.abs_lo = w.abs_hi = r->time.ms;
	} else if (r->time.known) {
		w.has_yl = 1;
		w.yl = r->time;
	}
	nl = memchr(r->text.p, '\n', r->text.n);
	first = slice_make(r->text.p, nl ? (size_t)(nl - r->text.p) :
			   r->text.n);
	run_rules(m, &s, NULL, r->source, r->line, first, &w,
		  slice_make("", 0), in, r);
}

static void object_resource(const struct kobject *o, struct resource *res)
{
	res->kind = o->kind;
	res->ns = o->ns;
	res->name = o->name;
}

/* Evidence text for an object hit: what a reader would look at. */
static void object_text(struct buf *b, const struct kobject *o,
			const struct kcondition *c, const struct kevent *e)
{
	if (e) {
		buf_addf(b, "%s  %s", e->type ? e->type : "?",
			 e->reason ? e->reason : "?");
		if (e->age)
			buf_addf(b, "  %s", e->age);
		if (e->from)
			buf_addf(b, "  %s", e->from);
		buf_addf(b, "  %s", e->message ? e->message : "");
	} else if (c) {
		buf_addf(b, "%s=%s", c->type ? c->type : "?",
			 c->status ? c->status : "?");
		if (c->reason)
			buf_addf(b, " reason=%s", c->reason);
		if (c->message)
			buf_addf(b, " message=%s", c->message);
	} else {
		buf_addf(b, "%s %s%s%s", o->kind ? o->kind : "object",
			 o->ns ? o->ns : "", o->ns ? "/" : "",
			 o->name ? o->name : "");
	}
}

void match_object(struct matcher *m, const struct kobject *o, int64_t now_ms,
		  int bundle_year)
{
	struct subject s;
	struct resource res;
	struct buf text = BUF_INIT;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.obj = o;
	s.now_ms = now_ms;
	s.bundle_year = bundle_year;
	s.graph = m->graph;
	s.node = m->graph && o->name ? graph_find(m->graph, o->kind, o->ns,
						    o->name) : -1;
	object_resource(o, &res);

	s.target = TARGET_OBJECT;
	object_text(&text, o, NULL, NULL);
	{
		/* An object has been in its state at least since it was made. */
		struct when w;

		memset(&w, 0, sizeof(w));
		if (o->created != TIME_UNKNOWN) {
			w.has_abs = 1;
			w.abs_lo = w.abs_hi = o->created * 1000;
		}
		run_rules(m, &s, &res, o->source, o->line, slice_make(text.p,
			  text.len), w.has_abs ? &w : NULL, slice_make("", 0),
			  NULL, NULL);
	}

	s.target = TARGET_CONDITION;
	for (i = 0; i < o->nconds; i++) {
		struct when w;

		memset(&w, 0, sizeof(w));
		if (o->conds[i].last_transition_ts != TIME_UNKNOWN) {
			w.has_abs = 1;
			w.abs_lo = w.abs_hi =
				o->conds[i].last_transition_ts * 1000;
		}
		s.kc = &o->conds[i];
		buf_reset(&text);
		object_text(&text, o, &o->conds[i], NULL);
		run_rules(m, &s, &res, o->source, o->conds[i].line ?
			  o->conds[i].line : o->line, slice_make(text.p,
			  text.len), &w, slice_make("", 0), NULL, NULL);
	}
	s.kc = NULL;
	s.target = TARGET_EVENT;
	for (i = 0; i < o->nevents; i++) {
		const struct kevent *e = &o->events[i];
		struct when w;

		memset(&w, 0, sizeof(w));
		if (e->last_seen != TIME_UNKNOWN) {
			w.has_abs = 1;
			w.abs_hi = e->last_seen * 1000;
			w.abs_lo = e->first_seen != TIME_UNKNOWN ?
				e->first_seen * 1000 : w.abs_hi;
		} else if (e->last_age_s >= 0) {
			w.has_age = 1;
			w.age_lo = e->last_age_s;
			w.age_hi = e->first_age_s >= e->last_age_s ?
				e->first_age_s : e->last_age_s;
		}
		/* An event seen N times counts N times. */
		w.weight = e->count ? e->count : 1;
		s.ev = e;
		buf_reset(&text);
		object_text(&text, o, NULL, e);
		run_rules(m, &s, &res, e->source ? e->source : o->source,
			  e->line, slice_make(text.p, text.len), &w,
			  slice_make("", 0), NULL, NULL);
	}
	buf_free(&text);
}

/*
 * Objects are matched a chunk at a time by whichever thread takes the
 * next chunk; each chunk's hits go to its own log.
 */
#define OBJ_CHUNK 64

struct obj_run {
	const struct matcher *m;
	struct kobject *const *v;
	size_t n, nchunks;
	int64_t now_ms;
	int bundle_year;
	atomic_size_t next;
	struct match_log *logs;
	size_t helped;			/* objects the worker matched */
};

static size_t match_chunks(struct obj_run *run)
{
	struct matcher mc;
	size_t c, done = 0;

	ruleset_thread_begin();
	match_init(&mc, run->m->rs, run->m->fs);
	mc.graph = run->m->graph;
	while ((c = atomic_fetch_add(&run->next, 1)) < run->nchunks) {
		size_t i, end = (c + 1) * OBJ_CHUNK;

		mc.log = &run->logs[c];
		for (i = c * OBJ_CHUNK; i < end && i < run->n; i++) {
			unsigned long before = mc.limit_hits;

			mc.log->obj = i;
			match_object(&mc, run->v[i], run->now_ms,
				     run->bundle_year);
			done++;
			if (mc.limit_hits != before)
				log_add(mc.log, LOG_LIMITS)->limits =
					mc.limit_hits - before;
		}
	}
	mc.log = NULL;
	match_free(&mc);
	ruleset_thread_end();
	return done;
}

static void worker_chunks(void *arg)
{
	struct obj_run *run = arg;

	run->helped = match_chunks(run);
}

void match_objects(struct matcher *m, struct kobject *const *v, size_t n,
		   int64_t now_ms, int bundle_year, struct pq *helper,
		   void (*after)(const struct kobject *o, void *ctx),
		   void *ctx)
{
	struct obj_run run;
	size_t c, k, i = 0;

	if (!helper || !helper->threaded || m->defer || m->log ||
	    n < 2 * OBJ_CHUNK) {
		for (i = 0; i < n; i++) {
			match_object(m, v[i], now_ms, bundle_year);
			if (after)
				after(v[i], ctx);
		}
		return;
	}
	memset(&run, 0, sizeof(run));
	run.m = m;
	run.v = v;
	run.n = n;
	run.nchunks = (n + OBJ_CHUNK - 1) / OBJ_CHUNK;
	run.now_ms = now_ms;
	run.bundle_year = bundle_year;
	atomic_init(&run.next, 0);
	run.logs = xcalloc(run.nchunks, sizeof(*run.logs));
	pq_task(helper, worker_chunks, &run);
	match_chunks(&run);
	pq_task_wait(helper);
	m->objects_helped += run.helped;
	/* In object order, as one thread would have added them. */
	for (c = 0; c < run.nchunks; c++) {
		struct match_log *lg = &run.logs[c];

		for (k = 0; k < lg->n; k++) {
			struct logged *l = &lg->v[k];

			/* The objects before this one are done. */
			for (; after && i < l->obj; i++)
				after(v[i], ctx);
			if (l->what == LOG_HIT) {
				findings_add(m->fs, l->rule, l->has_res ?
					     &l->res : NULL, l->source,
					     l->line, slice_make(l->text,
					     l->textlen), l->caps, l->ncaps,
					     l->has_w ? &l->w : NULL);
			} else if (l->what == LOG_LIMIT) {
				limit_warning(m, l->rule, l->source, l->line,
					      NULL);
			} else {
				m->limit_hits += l->limits;
			}
			logged_clear(l);
		}
		free(lg->v);
	}
	for (; after && i < n; i++)
		after(v[i], ctx);
	free(run.logs);
}
