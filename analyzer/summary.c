/*
 * Report material derived from the resource graph: chains, what findings
 * affect, Certificates with what blocks them, coverage, and the limits
 * reached. Kept apart
 * from the writers so text, JSON and later formats say the same thing.
 */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill_item(const struct analysis *a, int node,
		      struct chain_item *it)
{
	const struct gnode *n = &a->graph.v[node];
	struct buf st = BUF_INIT;

	it->kind = n->kind;
	it->ns = n->ns;
	it->name = n->name;
	it->inferred = n->obj == NULL;
	graph_status(&a->graph, node, &st);
	snprintf(it->status, sizeof(it->status), "%s", buf_str(&st));
	buf_free(&st);
}

size_t summary_chain(const struct analysis *a, const struct finding *f,
		     struct chain_item *out, size_t max)
{
	int chain[CHAIN_MAX];
	size_t n, k, m = 0;
	int iss;

	if (f->node < 0 || !max)
		return 0;
	n = graph_chain(&a->graph, f->node, chain, CHAIN_MAX);
	for (k = 0; k < n && m < max; k++)
		fill_item(a, chain[k], &out[m++]);
	iss = graph_chain_issuer(&a->graph, f->node);
	if (iss >= 0 && iss != f->node && m < max)
		fill_item(a, iss, &out[m++]);
	return m;
}

size_t summary_affects(const struct analysis *a, const struct finding *f,
		       struct chain_item *out, size_t max)
{
	const struct graph *g = &a->graph;
	int chain[CHAIN_MAX];
	size_t n, k, m = 0, i;

	if (f->node < 0)
		return 0;
	n = graph_chain(g, f->node, chain, CHAIN_MAX);
	/* Everything above the object, nearest first. */
	for (k = n; k-- > 1 && m < max;)
		fill_item(a, chain[k - 1], &out[m++]);
	/* An issuer's problem holds up every Certificate that uses it. */
	if (g->v[f->node].kind && strstr(g->v[f->node].kind, "Issuer")) {
		for (i = 0; i < g->n && m < max; i++)
			if (g->v[i].level == 0 &&
			    graph_chain_issuer(g, (int)i) == f->node)
				fill_item(a, (int)i, &out[m++]);
	}
	return m;
}

static const char *cond_field(const struct kobject *o, int which)
{
	const struct kcondition *c = o ? kobject_condition(o, "Ready") : NULL;

	if (!c)
		return NULL;
	return which == 0 ? c->status : which == 1 ? c->reason : c->message;
}

static int cmp_certs(const void *pa, const void *pb, void *ctx)
{
	const struct analysis *a = ctx;
	const struct gnode *x = &a->graph.v[((const struct cert_summary *)pa)->node];
	const struct gnode *y = &a->graph.v[((const struct cert_summary *)pb)->node];
	int c = strcmp(x->ns ? x->ns : "", y->ns ? y->ns : "");

	return c ? c : strcmp(x->name, y->name);
}

/*
 * The rows a finding holds up, each once: the Certificate it is on or
 * below (up to 16 steps up, as graph_is_ancestor() looks), and those
 * whose chain's issuer it is on. fn(row) for each; row_of maps a graph
 * node to its row or -1, by_issuer/next_by_issuer list the rows of each
 * issuer node, seen marks the rows this finding reached already.
 */
static void held_up(const struct analysis *a, const struct finding *f,
		    const int *row_of, const int *by_issuer,
		    const int *next_by_issuer, size_t *seen, size_t mark,
		    void (*fn)(size_t row, void *ctx), void *ctx)
{
	const struct graph *g = &a->graph;
	int b, r, steps = 0;

	if (f->node < 0 || f->suppressed || f->resolved)
		return;
	/* The node, then up to 16 above it. */
	for (b = f->node; b >= 0 && steps <= 16; b = g->v[b].parent, steps++) {
		r = row_of[b];
		if (r >= 0 && seen[r] != mark) {
			seen[r] = mark;
			fn((size_t)r, ctx);
		}
	}
	for (r = by_issuer[f->node]; r >= 0; r = next_by_issuer[r]) {
		if (seen[r] != mark) {
			seen[r] = mark;
			fn((size_t)r, ctx);
		}
	}
}

struct blocking_fill {
	struct cert_summary *rows;
	const struct finding *f;
	const struct finding **lists;	/* NULL: count only */
	size_t *first;
};

static void count_blocking(size_t row, void *ctx)
{
	struct blocking_fill *bf = ctx;
	struct cert_summary *cs = &bf->rows[row];

	if (cs->nblocking < SUMMARY_BLOCKING) {
		if (bf->lists)
			bf->lists[bf->first[row] + cs->nblocking] = bf->f;
		cs->nblocking++;
	}
}

/*
 * Each row's blocking findings, the first SUMMARY_BLOCKING in rank order:
 * found from each finding's side (what it holds up), not by testing every
 * finding against every row, which a big cluster with many findings
 * cannot afford. Two passes: counts, then the lists. Returns how many.
 */
static size_t blocking_lists(const struct analysis *a,
			     struct cert_summary *rows, size_t n,
			     const struct finding ***lists_out,
			     size_t **first_out)
{
	const struct graph *g = &a->graph;
	int *row_of = xmalloc((g->n ? g->n : 1) * sizeof(*row_of));
	int *by_issuer = xmalloc((g->n ? g->n : 1) * sizeof(*by_issuer));
	int *next_by_issuer = xmalloc((n ? n : 1) * sizeof(*next_by_issuer));
	size_t *seen = xcalloc(n ? n : 1, sizeof(*seen));
	size_t *first = xmalloc((n + 1) * sizeof(*first));
	struct blocking_fill bf = { rows, NULL, NULL, first };
	size_t i, j, total = 0, pass;

	for (i = 0; i < g->n; i++)
		row_of[i] = by_issuer[i] = -1;
	for (i = n; i-- > 0;) {
		int iss = graph_chain_issuer(g, rows[i].node);

		row_of[rows[i].node] = (int)i;
		next_by_issuer[i] = -1;
		if (iss >= 0) {
			next_by_issuer[i] = by_issuer[iss];
			by_issuer[iss] = (int)i;
		}
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			for (i = 0; i < n; i++) {
				first[i] = total;
				total += rows[i].nblocking;
				rows[i].nblocking = 0;
			}
			bf.lists = xmalloc((total ? total : 1) *
					   sizeof(*bf.lists));
		}
		/* Findings are already in rank order. */
		for (j = 0; j < a->findings.n; j++) {
			bf.f = a->findings.v[j];
			held_up(a, bf.f, row_of, by_issuer, next_by_issuer,
				seen, pass * a->findings.n + j + 1,
				count_blocking, &bf);
		}
	}
	free(row_of);
	free(by_issuer);
	free(next_by_issuer);
	free(seen);
	*lists_out = bf.lists;
	*first_out = first;
	return total;
}

size_t summary_certificates(const struct analysis *a,
			    struct cert_summary **out)
{
	const struct graph *g = &a->graph;
	struct cert_summary *v = NULL, *rows;
	const struct finding **bl, **lists;
	size_t *first;
	size_t n = 0, cap = 0, nbl, i;

	for (i = 0; i < g->n; i++) {
		const struct kobject *o = g->v[i].obj;
		struct cert_summary *cs;

		if (g->v[i].level != 0)
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		cs = &v[n++];
		memset(cs, 0, sizeof(*cs));
		cs->node = (int)i;
		cs->ready = cond_field(o, 0);
		cs->reason = cond_field(o, 1);
		cs->message = cond_field(o, 2);
		cs->not_after = o ? kobject_ref(o, KREF_NOT_AFTER, 0) : NULL;
	}
	nbl = blocking_lists(a, v, n, &bl, &first);
	/*
	 * Rows and lists in one block: a big cluster's Certificates mostly
	 * have nothing blocking them, and a list per row would cost more
	 * than the row.
	 */
	rows = xmalloc(n * sizeof(*rows) + nbl * sizeof(*bl) + 1);
	lists = (const struct finding **)(void *)(rows + n);
	if (nbl)
		memcpy(lists, bl, nbl * sizeof(*bl));
	for (i = 0; i < n; i++) {
		rows[i] = v[i];
		rows[i].blocking = lists + first[i];
	}
	free(v);
	free(bl);
	free(first);
	if (n > 1)
		qsort_r(rows, n, sizeof(*rows), cmp_certs, (void *)a);
	*out = rows;
	return n;
}

static void subtree(const struct analysis *a, int node, int level,
		    struct chain_item *out, int *depth, size_t max, size_t *m)
{
	const struct graph *g = &a->graph;
	int c;

	if (level > 6)
		return;
	for (c = g->v[node].first_child; c >= 0 && *m < max;
	     c = g->v[c].next_sibling) {
		depth[*m] = level;
		fill_item(a, c, &out[(*m)++]);
		subtree(a, c, level + 1, out, depth, max, m);
	}
}

size_t summary_subtree(const struct analysis *a, int node,
		       struct chain_item *out, int *depth, size_t max)
{
	size_t m = 0;

	subtree(a, node, 1, out, depth, max, &m);
	return m;
}

size_t summary_coverage(const struct analysis *a, struct coverage_note *out,
			size_t max)
{
	static const struct {
		const char *area;
		const char *kinds[3];
		const char *note;
	} areas[] = {
		{ "issuers", { "Issuer", "ClusterIssuer", NULL },
		  "no Issuer or ClusterIssuer objects: account and "
		  "configuration problems are only seen in events and "
		  "controller logs (collect `kubectl get issuers,"
		  "clusterissuers -A -o yaml`)" },
		{ "certificates", { "Certificate", NULL, NULL },
		  "no Certificate objects: readiness, expiry and the "
		  "per-Certificate summary cannot be checked" },
		{ "certificaterequests", { "CertificateRequest", NULL, NULL },
		  "no CertificateRequest objects: approval and issuance "
		  "failures are only seen in events and logs" },
		{ "orders", { "Order", NULL, NULL },
		  "no Order objects: order states (invalid, errored) are "
		  "only seen in events and logs" },
		{ "challenges", { "Challenge", NULL, NULL },
		  "no Challenge objects: self-check and validation states "
		  "are only seen in controller logs and events (collect "
		  "`kubectl get challenges -A -o yaml`)" },
	};
	unsigned long counts[ARRAY_SIZE(areas)] = { 0 };
	size_t i, k, m = 0;

	for (i = 0; i < a->store.n; i++) {
		const char *kind = a->store.v[i]->kind;

		if (!kind || a->store.v[i]->partial == 2)
			continue;
		for (k = 0; k < ARRAY_SIZE(areas); k++)
			if ((areas[k].kinds[0] && !strcmp(kind, areas[k].kinds[0])) ||
			    (areas[k].kinds[1] && !strcmp(kind, areas[k].kinds[1])))
				counts[k]++;
	}
	for (k = 0; k < ARRAY_SIZE(areas) && m < max; k++) {
		out[m].area = areas[k].area;
		out[m].count = counts[k];
		out[m].note = counts[k] ? NULL : areas[k].note;
		m++;
	}
	if (m < max) {
		out[m].area = "controller logs";
		out[m].count = a->records;
		out[m].note = a->records ? NULL : "no cert-manager controller "
			"log records: errors that only the controller logs "
			"(self-check details, DNS provider errors, webhook "
			"calls) cannot be seen; collect `kubectl logs -n "
			"cert-manager deploy/cert-manager`";
		m++;
	}
	if (m < max) {
		out[m].area = "events";
		out[m].count = a->store.events;
		out[m].note = a->store.events ? NULL : "no events: repeated "
			"warnings (PresentError, Failed, ErrInitIssuer) and "
			"their counts cannot be seen";
		m++;
	}
	return m;
}

size_t summary_limits(const struct analysis *a, struct limit_note *out,
		      size_t max)
{
	/* In the order the report lists them: the pipeline's. */
	static const struct {
		const char *name, *unit, *unit1, *note;
	} kinds[] = {
		{ "objects", "objects", "object",
		  "objects past the limit were not analyzed (raise it with "
		  "--max-objects)" },
		{ "log-record-pairs", "pairs", "pair",
		  "key/value pairs past the limit in one log record were not "
		  "read; log rules did not see them" },
		{ "pcre2-match", "matches", "match",
		  "PCRE2 gave up on these matches (match or depth limit); each "
		  "counts as no match of that rule on that line or object" },
		{ "findings", "hits", "hit",
		  "hits that would have made a new finding were not kept; hits "
		  "on kept findings still count" },
		{ "capture-values", "values", "value",
		  "captured values past the limit per name and finding were "
		  "not kept; counted once per hit" },
	};
	const struct findings *fs = &a->findings;
	const struct {
		unsigned long limit, count;
		const char *where;
	} got[ARRAY_SIZE(kinds)] = {
		{ a->store.max_objects, a->store.dropped,
		  a->store.dropped_where },
		{ LOGREC_MAX_KV, a->kv_dropped, a->kv_where },
		{ a->rs ? a->rs->match_limit : 0, a->matcher.limit_hits,
		  a->regex_limit_where },
		{ fs->max ? fs->max : FINDINGS_DEFAULT_MAX, fs->dropped,
		  fs->dropped_where },
		{ CAPTURE_VALUES_MAX, fs->values_dropped, fs->values_where },
	};
	size_t k, m = 0;

	for (k = 0; k < ARRAY_SIZE(kinds) && m < max; k++) {
		if (!got[k].count)
			continue;
		out[m].name = kinds[k].name;
		out[m].limit = got[k].limit;
		out[m].count = got[k].count;
		out[m].unit = kinds[k].unit;
		out[m].unit1 = kinds[k].unit1;
		out[m].where = got[k].where;
		out[m].note = kinds[k].note;
		m++;
	}
	return m;
}
