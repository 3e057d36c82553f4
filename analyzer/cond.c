/*
 * Evaluation of rule conditions against one subject: a text line, a log
 * record, an event, an object condition or an object. Each target exposes
 * its fields by name; every comparison asks "does any value of this field
 * satisfy it", so list fields (spec.dnsNames) work without special syntax.
 */
#include "cond.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain.h"
#include "util.h"

const char *target_name(enum target t)
{
	static const char *const names[TARGET_COUNT] = {
		"text", "log", "event", "condition", "object"
	};

	return (unsigned)t < TARGET_COUNT ? names[t] : "?";
}

void cond_free(struct cond *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nkids; i++)
		cond_free(c->kids[i]);
	free(c->kids);
	free(c->field);
	for (i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->re.src);
	if (!c->re.shared)
		pcre2_code_free(c->re.re);
	free(c);
}

void cond_caps_clear(struct cond_caps *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].value);
	c->n = 0;
	free(c->witness);
	c->witness = NULL;
}

int cond_parse_number(const char *s, double *out)
{
	char *end;
	double v;
	int64_t age;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end != s && !*end && isfinite(v)) {
		*out = v;
		return 0;
	}
	age = parse_age(s, strlen(s));
	if (age < 0)
		return -1;
	*out = (double)age;
	return 0;
}

/* Field access. fn is called with each value; returns 1 to stop early. */
typedef int (*value_fn)(struct slice v, void *ctx);

static int emit_str(const char *s, value_fn fn, void *ctx)
{
	return s ? fn(slice_cstr(s), ctx) : 0;
}

static int emit_num(int64_t v, value_fn fn, void *ctx)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	return fn(slice_cstr(tmp), ctx);
}

static int emit_decoded(struct slice raw, int quoted, value_fn fn, void *ctx)
{
	struct buf b = BUF_INIT;
	int rc;

	if (!quoted)
		return fn(raw, ctx);
	logrec_decode(raw, quoted, &b);
	rc = fn(slice_make(b.p ? b.p : "", b.len), ctx);
	buf_free(&b);
	return rc;
}

/* Seconds from t (unix seconds) to the bundle's time, or -1. */
static int64_t age_of(int64_t t, int64_t now_ms)
{
	if (t == TIME_UNKNOWN || now_ms == INT64_MIN)
		return -1;
	return now_ms / 1000 - t;
}

struct node_visit {
	value_fn fn;
	void *ctx;
	int stop;
};

static void visit_node(const struct fnode *n, void *vctx)
{
	struct node_visit *v = vctx;
	size_t i;

	if (v->stop)
		return;
	if (n->type == FN_SCALAR) {
		if (n->value)
			v->stop = v->fn(slice_cstr(n->value), v->ctx);
		else
			v->stop = v->fn(slice_make("", 0), v->ctx);
	} else if (n->type == FN_LIST) {
		for (i = 0; i < n->nkids && !v->stop; i++)
			visit_node(n->kids[i], vctx);
	} else {
		/* A map is present, but has no scalar value. */
		v->stop = v->fn(slice_make("", 0), v->ctx);
	}
}

/* metadata.annotations[key] or annotations[key]; NULL if not that form. */
static const char *bracket_key(const char *field, const char *prefix,
			       char *tmp, size_t cap)
{
	size_t n = strlen(prefix);
	const char *close;

	if (strncmp(field, prefix, n) || field[n] != '[')
		return NULL;
	close = strchr(field + n, ']');
	if (!close || close[1] || (size_t)(close - field - n - 1) >= cap)
		return NULL;
	memcpy(tmp, field + n + 1, (size_t)(close - field - n - 1));
	tmp[close - field - n - 1] = '\0';
	return tmp;
}

/* Collects the nodes a path leads to, for the memo. */
struct node_list {
	const struct fnode *v[PATH_MEMO_NODES];
	unsigned n;
	int over;
};

static void collect_node(const struct fnode *n, void *vctx)
{
	struct node_list *l = vctx;

	if (l->n < PATH_MEMO_NODES)
		l->v[l->n++] = n;
	else
		l->over = 1;
}

/*
 * fnode_find_all(root, field, visit_node, nv), remembered in memo: the
 * same nodes in the same order, walked once per subject.
 */
static void find_nodes(const struct kobject *o, const char *field,
		       struct node_visit *nv, struct subject_memo *memo)
{
	struct node_list l;
	unsigned i, k;

	for (i = 0; memo && i < memo->npath; i++) {
		if (memo->path[i].obj != o || strcmp(memo->path[i].field, field))
			continue;
		for (k = 0; k < memo->path[i].nnodes; k++)
			visit_node(memo->path[i].nodes[k], nv);
		return;
	}
	if (!memo || memo->npath == PATH_MEMO) {
		fnode_find_all(kobject_root(o), field, visit_node, nv);
		return;
	}
	l.n = 0;
	l.over = 0;
	fnode_find_all(kobject_root(o), field, collect_node, &l);
	if (l.over) {
		fnode_find_all(kobject_root(o), field, visit_node, nv);
		return;
	}
	memo->path[memo->npath].obj = o;
	memo->path[memo->npath].field = field;
	memo->path[memo->npath].nnodes = l.n;
	memcpy(memo->path[memo->npath].nodes, l.v, l.n * sizeof(l.v[0]));
	memo->npath++;
	for (k = 0; k < l.n; k++)
		visit_node(l.v[k], nv);
}

/* What an object field names: a lifted field, or a path in the tree. */
enum field_class {
	FC_PATH, FC_KIND, FC_NAME, FC_NS, FC_UID, FC_API, FC_AGE,
	FC_ANNOTATION, FC_LABEL,
};

static enum field_class classify(const char *field, char *key, size_t cap)
{
	if (!strcmp(field, "kind"))
		return FC_KIND;
	if (!strcmp(field, "name") || !strcmp(field, "metadata.name"))
		return FC_NAME;
	if (!strcmp(field, "namespace") || !strcmp(field, "metadata.namespace"))
		return FC_NS;
	if (!strcmp(field, "uid") || !strcmp(field, "metadata.uid"))
		return FC_UID;
	if (!strcmp(field, "apiVersion"))
		return FC_API;
	if (!strcmp(field, "age"))
		return FC_AGE;
	if (bracket_key(field, "metadata.annotations", key, cap) ||
	    bracket_key(field, "annotations", key, cap))
		return FC_ANNOTATION;
	if (bracket_key(field, "metadata.labels", key, cap) ||
	    bracket_key(field, "labels", key, cap))
		return FC_LABEL;
	return FC_PATH;
}

/*
 * What c's field (after "object." when suffix is set) names on an
 * object: worked out once per condition, not once per object.
 */
static enum field_class field_class(const struct cond *c, int suffix,
				    char *key, size_t cap)
{
	_Atomic int *known = (_Atomic int *)&c->fclass[suffix];
	int k = atomic_load_explicit(known, memory_order_relaxed);
	enum field_class fc;

	if (k && k != FC_ANNOTATION + 1 && k != FC_LABEL + 1)
		return (enum field_class)(k - 1);
	/* The annotation and label forms need their key each time. */
	fc = classify(suffix ? c->field + 7 : c->field, key, cap);
	atomic_store_explicit(known, (int)fc + 1, memory_order_relaxed);
	return fc;
}

/* suffix: the field is what follows c->field's "object." prefix. */
static int object_values(const struct kobject *o, const struct cond *c,
			 int suffix, int64_t now_ms, value_fn fn, void *ctx,
			 struct subject_memo *memo)
{
	const char *field = suffix ? c->field + 7 : c->field;
	char key[512];
	struct node_visit nv;
	int64_t age;

	if (!o)
		return 0;
	switch (field_class(c, suffix, key, sizeof(key))) {
	case FC_KIND:
		return emit_str(o->kind, fn, ctx);
	case FC_NAME:
		return emit_str(o->name, fn, ctx);
	case FC_NS:
		return emit_str(o->ns, fn, ctx);
	case FC_UID:
		return emit_str(o->uid, fn, ctx);
	case FC_API:
		return emit_str(o->api_version, fn, ctx);
	case FC_AGE:
		age = age_of(o->created, now_ms);
		return age >= 0 ? emit_num(age, fn, ctx) : 0;
	case FC_ANNOTATION:
		return emit_str(kobject_annotation(o, key), fn, ctx);
	case FC_LABEL:
		return emit_str(kobject_label(o, key), fn, ctx);
	case FC_PATH:
		break;
	}
	nv.fn = fn;
	nv.ctx = ctx;
	nv.stop = 0;
	find_nodes(o, field, &nv, memo);
	return nv.stop;
}

static const char *level_word(char l)
{
	switch (l) {
	case 'I': return "info";
	case 'W': return "warning";
	case 'E': return "error";
	case 'F': return "fatal";
	default: return NULL;
	}
}

/* A decoded value from the record's cache (decoding it the first time). */
static int emit_cached(struct buf *b, int *has, struct slice raw, int quoted,
		       value_fn fn, void *ctx)
{
	if (!*has) {
		buf_reset(b);
		logrec_decode(raw, quoted, b);
		*has = 1;
	}
	return fn(slice_make(b->p ? b->p : "", b->len), ctx);
}

static int log_values(const struct subject *s, const char *f, value_fn fn,
		      void *ctx)
{
	const struct logrec *r = s->rec;
	struct logcache *lc = s->lc;
	int i;

	if (!strcmp(f, "msg") || !strcmp(f, "message")) {
		if (lc)
			return emit_cached(&lc->msg, &lc->has_msg, r->msg,
					   r->msg_quoted, fn, ctx);
		return emit_decoded(r->msg, r->msg_quoted, fn, ctx);
	}
	if (!strcmp(f, "err") || !strcmp(f, "error")) {
		if (!r->err.n && !r->err_quoted)
			return 0;
		if (lc)
			return emit_cached(&lc->err, &lc->has_err, r->err,
					   r->err_quoted, fn, ctx);
		return emit_decoded(r->err, r->err_quoted, fn, ctx);
	}
	if (!strcmp(f, "logger"))
		return r->logger.n ? emit_decoded(r->logger, r->fmt ==
				     LOGFMT_JSON || r->fmt == LOGFMT_KLOG_KV,
				     fn, ctx) : 0;
	if (!strcmp(f, "level"))
		return emit_str(level_word(r->level), fn, ctx);
	if (!strcmp(f, "caller"))
		return r->caller.n ? fn(r->caller, ctx) : 0;
	if (!strcmp(f, "text"))
		return fn(r->text, ctx);
	if (!strcmp(f, "source"))
		return emit_str(r->source, fn, ctx);
	/* Any other key; klog may repeat keys, so look at each. */
	for (i = 0; i < (int)r->nkv; i++) {
		if (!slice_eq(r->kv[i].key, f))
			continue;
		if (emit_decoded(r->kv[i].value, r->kv[i].quoted, fn, ctx))
			return 1;
	}
	return 0;
}

static int event_values(const struct subject *s, const struct cond *cd,
			value_fn fn, void *ctx)
{
	const char *f = cd->field;
	const struct kevent *e = s->ev;

	if (!strcmp(f, "type"))
		return emit_str(e->type, fn, ctx);
	if (!strcmp(f, "reason"))
		return emit_str(e->reason, fn, ctx);
	if (!strcmp(f, "message"))
		return emit_str(e->message, fn, ctx);
	if (!strcmp(f, "from"))
		return emit_str(e->from, fn, ctx);
	if (!strcmp(f, "count"))
		return emit_num((int64_t)(e->count ? e->count : 1), fn, ctx);
	if (!strcmp(f, "age")) {
		int64_t a = e->last_age_s >= 0 ? e->last_age_s :
			age_of(e->last_seen, s->now_ms);

		return a >= 0 ? emit_num(a, fn, ctx) : 0;
	}
	if (!strcmp(f, "first_age")) {
		int64_t a = e->first_age_s >= 0 ? e->first_age_s :
			age_of(e->first_seen, s->now_ms);

		return a >= 0 ? emit_num(a, fn, ctx) : 0;
	}
	if (!strcmp(f, "kind"))
		return emit_str(e->obj_kind, fn, ctx);
	if (!strcmp(f, "namespace"))
		return emit_str(e->obj_ns, fn, ctx);
	if (!strcmp(f, "name"))
		return emit_str(e->obj_name, fn, ctx);
	if (!strncmp(f, "object.", 7))
		return object_values(s->obj, cd, 1, s->now_ms, fn, ctx,
				     s->memo);
	return 0;
}

static int condition_values(const struct subject *s, const struct cond *cd,
			    value_fn fn, void *ctx)
{
	const char *f = cd->field;
	const struct kcondition *c = s->kc;

	if (!strcmp(f, "type"))
		return emit_str(c->type, fn, ctx);
	if (!strcmp(f, "status"))
		return emit_str(c->status, fn, ctx);
	if (!strcmp(f, "reason"))
		return emit_str(c->reason, fn, ctx);
	if (!strcmp(f, "message"))
		return emit_str(c->message, fn, ctx);
	if (!strcmp(f, "age")) {
		int64_t a = age_of(c->last_transition_ts, s->now_ms);

		return a >= 0 ? emit_num(a, fn, ctx) : 0;
	}
	if (!strcmp(f, "kind") || !strcmp(f, "namespace") ||
	    !strcmp(f, "name"))
		return object_values(s->obj, cd, 0, s->now_ms, fn, ctx,
				     s->memo);
	if (!strncmp(f, "object.", 7))
		return object_values(s->obj, cd, 1, s->now_ms, fn, ctx,
				     s->memo);
	return 0;
}

static int get_values(const struct subject *s, const struct cond *c,
		      value_fn fn, void *ctx)
{
	const char *field = c->field;

	switch (s->target) {
	case TARGET_TEXT:
		if (!strcmp(field, "line"))
			return fn(s->line, ctx);
		if (!strcmp(field, "source"))
			return emit_str(s->source, fn, ctx);
		return 0;
	case TARGET_LOG:
		return log_values(s, field, fn, ctx);
	case TARGET_EVENT:
		return event_values(s, c, fn, ctx);
	case TARGET_CONDITION:
		return condition_values(s, c, fn, ctx);
	case TARGET_OBJECT:
		return object_values(s->obj, c, 0, s->now_ms, fn, ctx,
				     s->memo);
	}
	return 0;
}

static const char *const known_fields[TARGET_COUNT][16] = {
	{ "line", "source", NULL },
	{ "msg", "message", "err", "error", "logger", "level", "caller",
	  "text", "source", NULL },
	{ "type", "reason", "message", "from", "count", "age", "first_age",
	  "kind", "namespace", "name", NULL },
	{ "type", "status", "reason", "message", "age", "kind", "namespace",
	  "name", NULL },
	{ "kind", "name", "namespace", "uid", "apiVersion", "age", NULL },
};

static const char *const relations[] = {
	"issuer", "certificate", "request", "order", "challenge", "parent",
	"ingress", "solver", "children", "secret",
};

int cond_relation_known(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(relations); i++)
		if (!strcmp(name, relations[i]))
			return 1;
	return 0;
}

/* The ancestor (or the node itself) at a chain level, or -1. */
static int at_level(const struct graph *g, int node, int level)
{
	int steps = 0;

	for (; node >= 0 && steps < 16; node = g->v[node].parent, steps++)
		if (g->v[node].level == level)
			return node;
	return -1;
}

/* Nodes a relation reaches from node; returns how many (at most max). */
static size_t related_nodes(const struct graph *g, int node, const char *rel,
			    int *out, size_t max)
{
	size_t i, n = 0;
	int x = -1, root;

	if (!strcmp(rel, "issuer"))
		x = graph_chain_issuer(g, node);
	else if (!strcmp(rel, "certificate"))
		x = at_level(g, node, 0);
	else if (!strcmp(rel, "request"))
		x = at_level(g, node, 1);
	else if (!strcmp(rel, "order"))
		x = at_level(g, node, 2);
	else if (!strcmp(rel, "challenge"))
		x = at_level(g, node, 3);
	else if (!strcmp(rel, "parent"))
		x = g->v[node].parent;
	else if (!strcmp(rel, "ingress")) {
		root = at_level(g, node, 0);
		x = root >= 0 ? g->v[root].ingress : -1;
	} else if (!strcmp(rel, "secret")) {
		const struct kobject *c;
		const struct fnode *sn;

		root = at_level(g, node, 0);
		c = root >= 0 ? g->v[root].obj : NULL;
		sn = c ? fnode_find(kobject_root(c), "spec.secretName") : NULL;
		if (sn && sn->value)
			x = graph_find(g, "Secret", g->v[root].ns, sn->value);
	} else {
		/* children, solver: every child (solvers: level 4). */
		for (i = 0; i < g->n && n < max; i++)
			if (g->v[i].parent == node &&
			    (rel[0] == 'c' || g->v[i].level == 4))
				out[n++] = (int)i;
		return n;
	}
	if (x >= 0 && max)
		out[n++] = x;
	return n;
}

int cond_field_known(enum target t, const char *field)
{
	size_t i;

	if ((unsigned)t >= TARGET_COUNT)
		return 0;
	for (i = 0; known_fields[t][i]; i++)
		if (!strcmp(known_fields[t][i], field))
			return 1;
	switch (t) {
	case TARGET_LOG:
		/* Any key=value of a record; keys are words. */
		return field[strspn(field, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")]
		       == '\0';
	case TARGET_EVENT:
	case TARGET_CONDITION:
		return !strncmp(field, "object.", 7) && field[7];
	case TARGET_OBJECT:
		return strchr(field, '.') != NULL || strchr(field, '[') != NULL;
	default:
		return 0;
	}
}

struct field_eval {
	char *witness;		/* "field: value" of the value that matched */
	struct subject_memo *memo;
	int64_t now_ms;
	const struct ruleset *rs;
	const struct cond *c;
	pcre2_match_data *md;
	struct cond_caps *caps;
	unsigned long *limit_hits;
	int found;
	int result;
};

struct cap_copy {
	struct cond_caps *caps;
};

static void copy_capture(const char *name, struct slice value, void *ctx)
{
	struct cond_caps *caps = ctx;

	if (caps->n >= COND_MAX_CAPS)
		return;
	caps->v[caps->n].name = name;
	caps->v[caps->n].value = xstrndup(value.p, value.n);
	caps->n++;
}

static int eq(struct slice v, const char *s, int nocase)
{
	size_t n = strlen(s);

	if (v.n != n)
		return 0;
	return nocase ? !strncasecmp(v.p, s, n) : !memcmp(v.p, s, n);
}

static int check_value_inner(struct slice v, struct field_eval *fe);

/* pattern_match(), unless the memo knows the regex fails on v. */
static int memo_match(const struct ruleset *rs, const struct pattern *p,
		      struct slice v, pcre2_match_data *md,
		      struct subject_memo *memo)
{
	unsigned i;
	int rc;

	for (i = 0; memo && i < memo->n; i++)
		if (memo->v[i].re == p->re && memo->v[i].p == v.p &&
		    memo->v[i].n == v.n)
			return 0;
	rc = pattern_match(rs, p, v.p, v.n, md);
	if (rc == 0 && memo) {
		i = memo->n < PATTERN_MEMO ? memo->n++ :
			memo->next++ % PATTERN_MEMO;
		memo->v[i].re = p->re;
		memo->v[i].p = v.p;
		memo->v[i].n = v.n;
	}
	return rc;
}

/* Whether a test of this kind can be a witness (see cond_eval()). */
static int witnessed(enum cmp_op cmp)
{
	return cmp != CMP_EQ && cmp != CMP_IN && cmp != CMP_PRESENT &&
	       cmp != CMP_ABSENT;
}

static int check_value(struct slice v, void *vctx)
{
	struct field_eval *fe = vctx;
	int r = check_value_inner(v, fe);

	/* Only for the tests whose witness is kept: no copy for kind: X. */
	if (fe->result && !fe->witness && v.n && witnessed(fe->c->cmp)) {
		struct buf b = BUF_INIT;

		buf_adds(&b, fe->c->field);
		buf_adds(&b, ": ");
		buf_add(&b, v.p, v.n);
		fe->witness = buf_detach(&b);
	}
	return r;
}

static int check_value_inner(struct slice v, struct field_eval *fe)
{
	const struct cond *c = fe->c;
	size_t i;
	double x;

	fe->found = 1;
	switch (c->cmp) {
	case CMP_PRESENT:
	case CMP_ABSENT:
		return 1;
	case CMP_EQ:
	case CMP_IN:
		for (i = 0; i < c->nstrs; i++)
			if (eq(v, c->strs[i], c->nocase))
				return fe->result = 1;
		return 0;
	case CMP_CONTAINS:
		return fe->result = c->nstrs && memmem(v.p, v.n, c->strs[0],
						       strlen(c->strs[0])) != NULL;
	case CMP_REGEX: {
		int rc = memo_match(fe->rs, &c->re, v, fe->md, fe->memo);

		if (rc < 0) {
			(*fe->limit_hits)++;
			return 0;
		}
		if (!rc)
			return 0;
		pattern_each_capture(&c->re, fe->md, v.p, copy_capture,
				     fe->caps);
		return fe->result = 1;
	}
	case CMP_WITHIN:
	case CMP_PAST:
	case CMP_OLDER:
	case CMP_NEWER: {
		char tmp[64];
		int64_t t, now = fe->now_ms;

		if (v.n == 0 || v.n >= sizeof(tmp) || now == INT64_MIN)
			return 0;
		memcpy(tmp, v.p, v.n);
		tmp[v.n] = '\0';
		t = parse_rfc3339(tmp);
		if (t == TIME_UNKNOWN)
			return 0;
		now /= 1000;
		switch (c->cmp) {
		case CMP_WITHIN: fe->result = (double)(t - now) <= c->num; break;
		case CMP_PAST: fe->result = t < now; break;
		case CMP_OLDER: fe->result = (double)(now - t) >= c->num; break;
		default: fe->result = (double)(now - t) < c->num; break;
		}
		return fe->result;
	}
	default: {
		char tmp[64];

		if (v.n == 0 || v.n >= sizeof(tmp))
			return 0;
		memcpy(tmp, v.p, v.n);
		tmp[v.n] = '\0';
		if (cond_parse_number(tmp, &x) < 0)
			return 0;
		switch (c->cmp) {
		case CMP_GT: fe->result = x > c->num; break;
		case CMP_GTE: fe->result = x >= c->num; break;
		case CMP_LT: fe->result = x < c->num; break;
		case CMP_LTE: fe->result = x <= c->num; break;
		default: break;
		}
		return fe->result;
	}
	}
}

static void merge_caps(struct cond_caps *into, struct cond_caps *from)
{
	size_t i;

	if (!into->witness) {
		into->witness = from->witness;
		from->witness = NULL;
	}
	/* A witness not taken dies with the temporary it was found in. */
	free(from->witness);
	from->witness = NULL;
	for (i = 0; i < from->n; i++) {
		if (into->n < COND_MAX_CAPS)
			into->v[into->n++] = from->v[i];
		else
			free(from->v[i].value);
	}
	from->n = 0;
}

int cond_eval(const struct ruleset *rs, const struct cond *c,
	      const struct subject *s, pcre2_match_data *md,
	      struct cond_caps *caps, unsigned long *limit_hits)
{
	struct cond_caps tmp;
	size_t i;
	int r;

	if (!c)
		return 1;
	switch (c->op) {
	case COND_ALL:
		tmp.n = 0;
		tmp.witness = NULL;
		for (i = 0; i < c->nkids; i++) {
			if (!cond_eval(rs, c->kids[i], s, md, &tmp,
				       limit_hits)) {
				cond_caps_clear(&tmp);
				return 0;
			}
		}
		merge_caps(caps, &tmp);
		return 1;
	case COND_ANY:
		for (i = 0; i < c->nkids; i++) {
			tmp.n = 0;
			tmp.witness = NULL;
			if (cond_eval(rs, c->kids[i], s, md, &tmp,
				      limit_hits)) {
				merge_caps(caps, &tmp);
				return 1;
			}
			cond_caps_clear(&tmp);
		}
		return 0;
	case COND_NOT:
		tmp.n = 0;
		tmp.witness = NULL;
		r = c->nkids ? cond_eval(rs, c->kids[0], s, md, &tmp,
					 limit_hits) : 0;
		cond_caps_clear(&tmp);
		return !r;
	case COND_RELATED: {
		int nodes[32];
		size_t n, k;
		struct subject rs2;

		if (!s->graph || s->node < 0 || !c->nkids)
			return 0;
		n = related_nodes(s->graph, s->node, c->field, nodes,
				  ARRAY_SIZE(nodes));
		for (k = 0; k < n; k++) {
			const struct kobject *o = s->graph->v[nodes[k]].obj;

			if (!o)
				continue;
			memset(&rs2, 0, sizeof(rs2));
			rs2.target = TARGET_OBJECT;
			rs2.obj = o;
			rs2.now_ms = s->now_ms;
			rs2.bundle_year = s->bundle_year;
			rs2.graph = s->graph;
			rs2.node = nodes[k];
			memset(&tmp, 0, sizeof(tmp));
			if (cond_eval(rs, c->kids[0], &rs2, md, &tmp,
				      limit_hits)) {
				merge_caps(caps, &tmp);
				return 1;
			}
			cond_caps_clear(&tmp);
		}
		return 0;
	}
	case COND_FIELD: {
		struct field_eval fe;

		fe.now_ms = s->now_ms;
		fe.rs = rs;
		fe.c = c;
		fe.md = md;
		fe.caps = caps;
		fe.limit_hits = limit_hits;
		fe.found = 0;
		fe.result = 0;
		fe.witness = NULL;
		fe.memo = s->memo;
		get_values(s, c, check_value, &fe);
		if (c->cmp == CMP_PRESENT)
			return fe.found;
		if (c->cmp == CMP_ABSENT)
			return !fe.found;
		/*
		 * The witness is what a reader should see: a regex or a
		 * comparison that matched, not the kind it was filtered on.
		 */
		if (fe.result && fe.witness && !caps->witness) {
			caps->witness = fe.witness;
			fe.witness = NULL;
		}
		free(fe.witness);
		return fe.result;
	}
	}
	return 0;
}

int rule_eval(const struct ruleset *rs, const struct rule *r,
	      const struct subject *s, pcre2_match_data *md,
	      struct cond_caps *caps, unsigned long *limit_hits)
{
	size_t i;
	int hit = 0;

	if (!(r->target_mask & (1u << s->target)))
		return 0;
	if (s->target == TARGET_TEXT) {
		for (i = 0; i < r->npatterns; i++) {
			int rc = memo_match(rs, &r->patterns[i], s->line, md,
					    s->memo);

			if (rc < 0) {
				(*limit_hits)++;
				continue;
			}
			if (!rc)
				continue;
			/*
			 * Once a line hits, the rule's other patterns still
			 * run on it, so every named value it carries is kept.
			 */
			hit = 1;
			pattern_each_capture(&r->patterns[i], md, s->line.p,
					     copy_capture, caps);
		}
	}
	for (i = 0; i < r->nclauses; i++) {
		struct cond_caps tmp;

		if (r->clauses[i].target != s->target)
			continue;
		tmp.n = 0;
		tmp.witness = NULL;
		if (cond_eval(rs, r->clauses[i].where, s, md, &tmp,
			      limit_hits)) {
			merge_caps(caps, &tmp);
			hit = 1;
			break;
		}
		cond_caps_clear(&tmp);
	}
	return hit;
}
