/*
 * Rule loader: reads YAML rule files with libyaml's document API (rule
 * files are small; the marks give us line and column for every value),
 * checks every key, compiles patterns once with PCRE2 JIT, and runs the
 * rules' own examples for `ktriage rules test`. It sits beside the
 * pipeline: the match stage only reads the compiled ruleset.
 */
#include "rules.h"

#include "prefilter.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "buf.h"
#include "cond.h"
#include "diag.h"
#include "embedded.h"
#include "object.h"
#include "util.h"

static const char *const sev_names[SEV_COUNT] = {
	"info", "low", "medium", "high", "critical"
};

const char *severity_name(enum severity s)
{
	return (unsigned)s < SEV_COUNT ? sev_names[s] : "?";
}

int severity_parse(const char *s)
{
	int i;

	for (i = 0; i < SEV_COUNT; i++)
		if (!strcmp(s, sev_names[i]))
			return i;
	return -1;
}

/*
 * A JIT stack serves one match at a time: a thread that matches beside
 * the main one has its own (ruleset_thread_begin()), the rest use the
 * ruleset's.
 */
static _Thread_local pcre2_jit_stack *thread_jit;

static pcre2_jit_stack *jit_for_thread(void *rs)
{
	return thread_jit ? thread_jit : ((struct ruleset *)rs)->jit_stack;
}

void ruleset_thread_begin(void)
{
	if (thread_jit)
		return;
	thread_jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!thread_jit) {
		fprintf(stderr, "ktriage: error: out of memory (pcre2)\n");
		abort();
	}
}

void ruleset_thread_end(void)
{
	pcre2_jit_stack_free(thread_jit);
	thread_jit = NULL;
}

void ruleset_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->match_limit = 1000000;
	rs->depth_limit = 10000;
	rs->mctx = pcre2_match_context_create(NULL);
	rs->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!rs->mctx || !rs->jit_stack) {
		fprintf(stderr, "ktriage: error: out of memory (pcre2)\n");
		abort();
	}
	pcre2_set_match_limit(rs->mctx, (uint32_t)rs->match_limit);
	pcre2_set_depth_limit(rs->mctx, (uint32_t)rs->depth_limit);
	pcre2_jit_stack_assign(rs->mctx, jit_for_thread, rs);
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_examples(struct example *ex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ex[i].text);
		free_strv(ex[i].cap_names, ex[i].ncaps);
		free_strv(ex[i].cap_values, ex[i].ncaps);
	}
	free(ex);
}

static void rule_free(struct rule *r)
{
	size_t i;

	free(r->id);
	free(r->title);
	free(r->category);
	free(r->message);
	free(r->remediation);
	free_strv(r->docs, r->ndocs);
	free_strv(r->tags, r->ntags);
	for (i = 0; i < r->npatterns; i++) {
		free(r->patterns[i].src);
		if (!r->patterns[i].shared)
			pcre2_code_free(r->patterns[i].re);
	}
	free(r->patterns);
	for (i = 0; i < r->nclauses; i++)
		cond_free(r->clauses[i].where);
	free(r->clauses);
	free_strv(r->suppressed_by, r->nsuppressed_by);
	free_examples(r->match_ex, r->nmatch_ex);
	free_examples(r->nomatch_ex, r->nnomatch_ex);
	memset(r, 0, sizeof(*r));
}

void ruleset_free(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	free_strv(rs->files, rs->nfiles);
	for (i = 0; i < rs->ncache; i++) {
		size_t k;

		free(rs->cache[i].src);
		pcre2_code_free(rs->cache[i].re);
		for (k = 0; k < rs->cache[i].nlits; k++)
			free(rs->cache[i].lits[k]);
		free(rs->cache[i].lits);
	}
	free(rs->cache);
	prefilter_free(rs->pf);
	pcre2_match_context_free(rs->mctx);
	pcre2_jit_stack_free(rs->jit_stack);
	memset(rs, 0, sizeof(*rs));
}

const struct prefilter *ruleset_prefilter(const struct ruleset *rs)
{
	/* A cache, not a change of the rules: built once, then shared. */
	struct ruleset *w = (struct ruleset *)rs;

	if (!w->pf)
		w->pf = prefilter_build(rs);
	return w->pf;
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->rules[i].id, id))
			return &rs->rules[i];
	return NULL;
}

/* State of one file being loaded. */
struct loader {
	struct ruleset *rs;
	const char *file;
	yaml_document_t *doc;
	int errors;
	unsigned long conds;	/* conditions read from this file */
};

/*
 * Most conditions one rule file may hold. YAML aliases make a node appear
 * many times, so a small file could otherwise expand exponentially
 * ("billion laughs") while its conditions are read.
 */
#define LOADER_MAX_CONDS 20000

static struct rule_loc node_loc(struct loader *ld, const yaml_node_t *n)
{
	struct rule_loc loc = { ld->file, 0, 0 };

	if (n) {
		loc.line = n->start_mark.line + 1;
		loc.col = n->start_mark.column + 1;
	}
	return loc;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void lerr(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	struct buf where = BUF_INIT, msg = BUF_INIT;
	struct rule_loc loc = node_loc(ld, n);
	va_list ap;

	buf_addf(&where, "%s:%lu:%lu", ld->file, loc.line, loc.col);
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag(DIAG_ERROR, where.p, "%s", msg.p);
	ld->errors++;
	buf_free(&where);
	buf_free(&msg);
}

static yaml_node_t *node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(ld->doc, index);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
		(const char *)n->data.scalar.value : NULL;
}

/* A scalar as an owned string, or NULL after an error. */
static char *want_string(struct loader *ld, const yaml_node_t *n,
			 const char *key)
{
	const char *s = scalar(n);

	if (!s) {
		lerr(ld, n, "'%s' must be a string", key);
		return NULL;
	}
	if (strlen(s) != n->data.scalar.length) {
		lerr(ld, n, "'%s' contains a NUL byte", key);
		return NULL;
	}
	return xstrdup(s);
}

/* A list of strings (a single string is accepted as a list of one). */
static char **want_strings(struct loader *ld, yaml_node_t *n, const char *key,
			   size_t *count)
{
	char **v = NULL;
	size_t cap = 0;
	yaml_node_item_t *it;

	*count = 0;
	if (n->type == YAML_SCALAR_NODE) {
		v = xmalloc(sizeof(*v));
		v[0] = want_string(ld, n, key);
		if (!v[0]) {
			free(v);
			return NULL;
		}
		*count = 1;
		return v;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(ld, n, "'%s' must be a list of strings", key);
		return NULL;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		char *s = want_string(ld, node_at(ld, *it), key);

		if (!s)
			continue;
		v = xgrow(v, &cap, *count + 1, sizeof(*v));
		v[(*count)++] = s;
	}
	return v;
}

/* Compile src into p; returns 0, or -1 after reporting at node n. */
static int compile_regex(struct loader *ld, const struct rule *r,
			 yaml_node_t *n, const char *src, uint32_t flags,
			 struct pattern *p)
{
	int errcode;
	PCRE2_SIZE erroff;

	struct ruleset *rs = ld->rs;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->loc = node_loc(ld, n);
	/*
	 * The same regex often serves several rules and targets (a
	 * condition's message, an event's, a log's err): compile it once.
	 */
	for (i = 0; i < rs->ncache; i++)
		if (rs->cache[i].flags == flags &&
		    !strcmp(rs->cache[i].src, src)) {
			p->re = rs->cache[i].re;
			p->shared = 1;
			p->src = xstrdup(src);
			p->lits = rs->cache[i].lits;
			p->nlits = rs->cache[i].nlits;
			return 0;
		}
	p->re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, flags,
			      &errcode, &erroff, NULL);
	if (!p->re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		lerr(ld, n, "rule '%s': invalid regex at offset %zu: %s",
		     r->id ? r->id : "?", (size_t)erroff, (char *)msg);
		return -1;
	}
	/* JIT is an optimisation: where it is unavailable, matching still works. */
	/*
	 * KTRIAGE_NO_JIT=1 is for valgrind runs only: JIT code reads
	 * subjects in aligned 16-byte blocks, which valgrind reports as
	 * reads past the end of the string.
	 */
	if (!getenv("KTRIAGE_NO_JIT"))
		pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
	p->src = xstrdup(src);
	rs->cache = xgrow(rs->cache, &rs->capcache, rs->ncache + 1,
			  sizeof(*rs->cache));
	rs->cache[rs->ncache].src = xstrdup(src);
	rs->cache[rs->ncache].flags = flags;
	rs->cache[rs->ncache].re = p->re;
	rs->cache[rs->ncache].lits = xcalloc(PATTERN_MAX_LITS, sizeof(char *));
	rs->cache[rs->ncache].nlits = regex_literals(src,
		rs->cache[rs->ncache].lits, PATTERN_MAX_LITS, 3);
	p->lits = rs->cache[rs->ncache].lits;
	p->nlits = rs->cache[rs->ncache].nlits;
	rs->ncache++;
	p->shared = 1;
	return 0;
}

static void compile_pattern(struct loader *ld, struct rule *r,
			    yaml_node_t *n)
{
	struct pattern p;
	char *src = want_string(ld, n, "patterns");

	if (!src)
		return;
	if (compile_regex(ld, r, n, src, 0, &p) == 0) {
		r->patterns = xrealloc(r->patterns, (r->npatterns + 1) *
				       sizeof(*r->patterns));
		r->patterns[r->npatterns++] = p;
	}
	free(src);
}

static struct cond *cond_new(enum cond_op op, struct rule_loc loc)
{
	struct cond *c = xcalloc(1, sizeof(*c));

	c->op = op;
	c->loc = loc;
	return c;
}

static void cond_push(struct cond *parent, struct cond *kid)
{
	parent->kids = xrealloc(parent->kids,
				(parent->nkids + 1) * sizeof(*parent->kids));
	parent->kids[parent->nkids++] = kid;
}

static int yaml_bool(const yaml_node_t *n, int *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) {
		*out = 1;
		return 0;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) {
		*out = 0;
		return 0;
	}
	return -1;
}

static struct cond *field_cond(struct loader *ld, yaml_node_t *n,
			       const char *field, enum cmp_op cmp)
{
	struct cond *c = cond_new(COND_FIELD, node_loc(ld, n));

	c->field = xstrdup(field);
	c->cmp = cmp;
	return c;
}

static void add_str(struct cond *c, const char *s)
{
	c->strs = xrealloc(c->strs, (c->nstrs + 1) * sizeof(*c->strs));
	c->strs[c->nstrs++] = xstrdup(s);
}

static uint32_t regex_flags(struct loader *ld, const struct rule *r,
			    yaml_node_t *n)
{
	const char *s = scalar(n);
	uint32_t f = 0;

	for (; s && *s; s++) {
		switch (*s) {
		case 'i': f |= PCRE2_CASELESS; break;
		case 'm': f |= PCRE2_MULTILINE; break;
		case 's': f |= PCRE2_DOTALL; break;
		case 'x': f |= PCRE2_EXTENDED; break;
		default:
			lerr(ld, n, "rule '%s': unknown regex flag '%c' "
			     "(expected i, m, s or x)", r->id, *s);
			return 0;
		}
	}
	if (!s)
		lerr(ld, n, "rule '%s': 'flags' must be a string such as \"i\"",
		     r->id);
	return f;
}

/* The matcher of one field: a scalar, a list, or a mapping of operators. */
static struct cond *parse_matcher(struct loader *ld, struct rule *r,
				  const char *field, yaml_node_t *v)
{
	struct cond *all, *c;
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	yaml_node_t *flags = NULL, *nocase = NULL;
	int errors = ld->errors;

	if (v->type == YAML_SCALAR_NODE) {
		c = field_cond(ld, v, field, CMP_EQ);
		add_str(c, scalar(v));
		return c;
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		c = field_cond(ld, v, field, CMP_IN);
		for (it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			const char *s = scalar(node_at(ld, *it));

			if (!s)
				lerr(ld, node_at(ld, *it), "rule '%s': the "
				     "values of '%s' must be strings", r->id,
				     field);
			else
				add_str(c, s);
		}
		return c;
	}
	all = cond_new(COND_ALL, node_loc(ld, v));
	for (pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node_at(ld, pr->key));

		if (k && !strcmp(k, "flags"))
			flags = node_at(ld, pr->value);
		else if (k && !strcmp(k, "nocase"))
			nocase = node_at(ld, pr->value);
	}
	for (pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = node_at(ld, pr->key);
		yaml_node_t *vn = node_at(ld, pr->value);
		const char *k = scalar(kn);
		const char *sv = scalar(vn);
		static const struct {
			const char *name;
			enum cmp_op op;
		} nums[] = {
			{ "gt", CMP_GT }, { "gte", CMP_GTE },
			{ "lt", CMP_LT }, { "lte", CMP_LTE },
		};
		size_t i;
		int b;

		if (!k) {
			lerr(ld, kn, "rule '%s': operator names are strings",
			     r->id);
			continue;
		}
		if (!strcmp(k, "flags") || !strcmp(k, "nocase"))
			continue;
		if (!strcmp(k, "equals") || !strcmp(k, "contains")) {
			if (!sv) {
				lerr(ld, vn, "rule '%s': '%s' takes a string",
				     r->id, k);
				continue;
			}
			c = field_cond(ld, vn, field, k[0] == 'e' ? CMP_EQ :
				       CMP_CONTAINS);
			add_str(c, sv);
			if (nocase && yaml_bool(nocase, &c->nocase) < 0)
				lerr(ld, nocase, "rule '%s': 'nocase' is true "
				     "or false", r->id);
			cond_push(all, c);
		} else if (!strcmp(k, "in")) {
			c = parse_matcher(ld, r, field, vn);
			if (c->cmp != CMP_IN)
				lerr(ld, vn, "rule '%s': 'in' takes a list",
				     r->id);
			if (nocase)
				yaml_bool(nocase, &c->nocase);
			cond_push(all, c);
		} else if (!strcmp(k, "regex")) {
			c = field_cond(ld, vn, field, CMP_REGEX);
			if (!sv)
				lerr(ld, vn, "rule '%s': 'regex' takes a "
				     "string", r->id);
			else
				compile_regex(ld, r, vn, sv, flags ?
					      regex_flags(ld, r, flags) : 0,
					      &c->re);
			cond_push(all, c);
		} else if (!strcmp(k, "past")) {
			if (yaml_bool(vn, &b) < 0) {
				lerr(ld, vn, "rule '%s': 'past' is true or false",
				     r->id);
				continue;
			}
			c = field_cond(ld, vn, field, CMP_PAST);
			if (!b) {
				/* past: false means "not in the past". */
				struct cond *n = cond_new(COND_NOT,
							  node_loc(ld, vn));

				cond_push(n, c);
				c = n;
			}
			cond_push(all, c);
		} else if (!strcmp(k, "within") || !strcmp(k, "older_than") ||
			   !strcmp(k, "newer_than")) {
			c = field_cond(ld, vn, field, k[0] == 'w' ? CMP_WITHIN :
				       k[0] == 'o' ? CMP_OLDER : CMP_NEWER);
			if (!sv || cond_parse_number(sv, &c->num) < 0)
				lerr(ld, vn, "rule '%s': '%s' takes a duration "
				     "such as 7d", r->id, k);
			cond_push(all, c);
		} else if (!strcmp(k, "present") || !strcmp(k, "absent")) {
			if (yaml_bool(vn, &b) < 0) {
				lerr(ld, vn, "rule '%s': '%s' is true or false",
				     r->id, k);
				continue;
			}
			if (k[0] == 'a')
				b = !b;
			cond_push(all, field_cond(ld, vn, field, b ?
						  CMP_PRESENT : CMP_ABSENT));
		} else {
			for (i = 0; i < ARRAY_SIZE(nums); i++)
				if (!strcmp(k, nums[i].name))
					break;
			if (i == ARRAY_SIZE(nums)) {
				lerr(ld, kn, "rule '%s': unknown operator '%s' "
				     "(expected equals, in, regex, contains, "
				     "gt, gte, lt, lte, present, absent, past, "
				     "within, older_than, newer_than)",
				     r->id, k);
				continue;
			}
			c = field_cond(ld, vn, field, nums[i].op);
			if (!sv || cond_parse_number(sv, &c->num) < 0)
				lerr(ld, vn, "rule '%s': '%s' takes a number "
				     "or a duration such as 15m", r->id, k);
			cond_push(all, c);
		}
	}
	if (!all->nkids && ld->errors == errors)
		lerr(ld, v, "rule '%s': no operator for field '%s'", r->id,
		     field);
	if (all->nkids == 1) {
		c = all->kids[0];
		all->nkids = 0;
		cond_free(all);
		return c;
	}
	return all;
}

static struct cond *parse_cond(struct loader *ld, struct rule *r,
			       yaml_node_t *n, enum target t, int depth);

static struct cond *parse_cond_list(struct loader *ld, struct rule *r,
				    yaml_node_t *n, enum target t,
				    enum cond_op op, int depth)
{
	struct cond *c = cond_new(op, node_loc(ld, n));
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(ld, n, "rule '%s': '%s' takes a list of conditions",
		     r->id, op == COND_ALL ? "all" : "any");
		return c;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++)
		cond_push(c, parse_cond(ld, r, node_at(ld, *it), t, depth + 1));
	return c;
}

static struct cond *parse_cond(struct loader *ld, struct rule *r,
			       yaml_node_t *n, enum target t, int depth)
{
	struct cond *all = cond_new(COND_ALL, node_loc(ld, n)), *c;
	yaml_node_pair_t *pr;

	if (depth > 32) {
		lerr(ld, n, "rule '%s': conditions nested too deeply", r->id);
		return all;
	}
	if (++ld->conds > LOADER_MAX_CONDS) {
		if (ld->conds == LOADER_MAX_CONDS + 1)
			lerr(ld, n, "rule '%s': more than %d conditions in "
			     "one file (YAML aliases?)", r->id,
			     LOADER_MAX_CONDS);
		return all;
	}
	if (n->type != YAML_MAPPING_NODE) {
		lerr(ld, n, "rule '%s': a condition is a mapping of fields "
		     "(or all/any/not)", r->id);
		return all;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = node_at(ld, pr->key);
		yaml_node_t *vn = node_at(ld, pr->value);
		const char *k = scalar(kn);

		if (!k) {
			lerr(ld, kn, "rule '%s': field names are strings",
			     r->id);
		} else if (!strcmp(k, "all") || !strcmp(k, "any")) {
			cond_push(all, parse_cond_list(ld, r, vn, t, k[1] ==
				  'l' ? COND_ALL : COND_ANY, depth));
		} else if (!strcmp(k, "not")) {
			c = cond_new(COND_NOT, node_loc(ld, kn));
			cond_push(c, parse_cond(ld, r, vn, t, depth + 1));
			cond_push(all, c);
		} else if (!strcmp(k, "related")) {
			yaml_node_pair_t *rp;

			if (t == TARGET_TEXT || t == TARGET_LOG) {
				lerr(ld, kn, "rule '%s': 'related' works on "
				     "object, condition and event targets",
				     r->id);
				continue;
			}
			if (vn->type != YAML_MAPPING_NODE) {
				lerr(ld, vn, "rule '%s': 'related' maps a "
				     "relation (issuer, certificate, request, "
				     "order, challenge, parent, ingress, solver, "
				     "children, secret) to a condition", r->id);
				continue;
			}
			for (rp = vn->data.mapping.pairs.start;
			     rp < vn->data.mapping.pairs.top; rp++) {
				yaml_node_t *rk = node_at(ld, rp->key);
				const char *rel = scalar(rk);

				if (!rel || !cond_relation_known(rel)) {
					lerr(ld, rk, "rule '%s': unknown relation "
					     "'%s' (expected issuer, certificate, "
					     "request, order, challenge, parent, "
					     "ingress, solver, children, secret)",
					     r->id, rel ? rel : "?");
					continue;
				}
				c = cond_new(COND_RELATED, node_loc(ld, rk));
				c->field = xstrdup(rel);
				cond_push(c, parse_cond(ld, r, node_at(ld,
					  rp->value), TARGET_OBJECT, depth + 1));
				cond_push(all, c);
			}
		} else if (!cond_field_known(t, k)) {
			lerr(ld, kn, "rule '%s': unknown field '%s' for target "
			     "'%s'", r->id, k, target_name(t));
		} else {
			cond_push(all, parse_matcher(ld, r, k, vn));
		}
	}
	if (all->nkids == 1) {
		c = all->kids[0];
		all->nkids = 0;
		cond_free(all);
		return c;
	}
	return all;
}

static void load_clause(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	struct clause cl;
	yaml_node_pair_t *pr;
	int t;

	if (n->type != YAML_MAPPING_NODE || n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start != 1) {
		lerr(ld, n, "rule '%s': a match clause is one target (text, "
		     "log, event, condition or object) with its condition",
		     r->id);
		return;
	}
	pr = n->data.mapping.pairs.start;
	memset(&cl, 0, sizeof(cl));
	cl.loc = node_loc(ld, n);
	for (t = 0; t < TARGET_COUNT; t++)
		if (scalar(node_at(ld, pr->key)) &&
		    !strcmp(scalar(node_at(ld, pr->key)),
			    target_name((enum target)t)))
			break;
	if (t == TARGET_COUNT) {
		lerr(ld, node_at(ld, pr->key), "rule '%s': unknown target '%s' "
		     "(expected text, log, event, condition or object)", r->id,
		     scalar(node_at(ld, pr->key)) ?
		     scalar(node_at(ld, pr->key)) : "?");
		return;
	}
	cl.target = (enum target)t;
	cl.where = parse_cond(ld, r, node_at(ld, pr->value), cl.target, 0);
	r->clauses = xrealloc(r->clauses,
			      (r->nclauses + 1) * sizeof(*r->clauses));
	r->clauses[r->nclauses++] = cl;
	r->target_mask |= 1u << t;
}

static void load_match(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	yaml_node_item_t *it;

	if (n->type == YAML_MAPPING_NODE) {
		load_clause(ld, r, n);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(ld, n, "rule '%s': 'match' is a clause or a list of "
		     "clauses", r->id);
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++)
		load_clause(ld, r, node_at(ld, *it));
}

static void load_require(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	yaml_node_pair_t *pr;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(ld, n, "rule '%s': 'require' is a mapping (min_count, "
		     "min_span, else_severity)", r->id);
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = node_at(ld, pr->key);
		yaml_node_t *vn = node_at(ld, pr->value);
		const char *k = scalar(kn), *v = scalar(vn);
		double d;

		if (k && !strcmp(k, "min_count")) {
			if (!v || cond_parse_number(v, &d) < 0 || d < 1 ||
			    d != floor(d))
				lerr(ld, vn, "rule '%s': min_count is a whole "
				     "number of 1 or more", r->id);
			else
				r->min_count = (unsigned long)d;
		} else if (k && !strcmp(k, "min_span")) {
			if (!v || cond_parse_number(v, &d) < 0 || d < 0)
				lerr(ld, vn, "rule '%s': min_span is a duration "
				     "such as 10m", r->id);
			else
				r->min_span_s = d;
		} else if (k && !strcmp(k, "min_age")) {
			if (!v || cond_parse_number(v, &d) < 0 || d < 0)
				lerr(ld, vn, "rule '%s': min_age is a duration "
				     "such as 10m", r->id);
			else
				r->min_age_s = d;
		} else if (k && !strcmp(k, "else_severity")) {
			int sev = v ? severity_parse(v) : -1;

			if (sev < 0)
				lerr(ld, vn, "rule '%s': else_severity is a "
				     "severity", r->id);
			else
				r->else_severity = sev;
		} else {
			lerr(ld, kn, "rule '%s': unknown key '%s' in require "
			     "(expected min_count, min_span, min_age, "
			     "else_severity)",
			     r->id, k ? k : "?");
		}
	}
}

static void load_example(struct loader *ld, yaml_node_t *n, int want_caps,
			 struct example **arr, size_t *count)
{
	struct example ex;
	yaml_node_pair_t *pr;

	memset(&ex, 0, sizeof(ex));
	ex.loc = node_loc(ld, n);
	ex.now_ms = INT64_MIN;
	if (n->type == YAML_SCALAR_NODE) {
		ex.text = want_string(ld, n, "examples");
	} else if (n->type == YAML_MAPPING_NODE) {
		for (pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(ld, pr->key);
			yaml_node_t *v = node_at(ld, pr->value);
			const char *key = scalar(k);

			if (key && (!strcmp(key, "text") ||
				    !strcmp(key, "yaml") ||
				    !strcmp(key, "describe"))) {
				free(ex.text);
				ex.text = want_string(ld, v, key);
				ex.kind = key[0] == 't' ? EXAMPLE_TEXT :
					key[0] == 'y' ? EXAMPLE_YAML :
					EXAMPLE_DESCRIBE;
			} else if (key && !strcmp(key, "now")) {
				const char *t = scalar(v);
				int64_t sec = t ? parse_rfc3339(t) : TIME_UNKNOWN;

				if (sec == TIME_UNKNOWN)
					lerr(ld, v, "'now' is an RFC 3339 time such "
					     "as 2024-05-01T10:30:00Z");
				else
					ex.now_ms = sec * 1000;
			} else if (key && !strcmp(key, "captures") && want_caps &&
				   v->type == YAML_MAPPING_NODE) {
				yaml_node_pair_t *c;

				for (c = v->data.mapping.pairs.start;
				     c < v->data.mapping.pairs.top; c++) {
					char *cn = want_string(ld,
						node_at(ld, c->key), "captures");
					char *cv = want_string(ld,
						node_at(ld, c->value), "captures");

					if (!cn || !cv) {
						free(cn);
						free(cv);
						continue;
					}
					ex.cap_names = xrealloc(ex.cap_names,
						(ex.ncaps + 1) * sizeof(char *));
					ex.cap_values = xrealloc(ex.cap_values,
						(ex.ncaps + 1) * sizeof(char *));
					ex.cap_names[ex.ncaps] = cn;
					ex.cap_values[ex.ncaps++] = cv;
				}
			} else {
				lerr(ld, k, "unknown key '%s' in example%s",
				     key ? key : "?", want_caps ? "" :
				     " (no_match examples take only 'text')");
			}
		}
	} else {
		lerr(ld, n, "an example must be a string or a mapping with "
		     "'text'");
	}
	if (!ex.text) {
		if (n->type == YAML_MAPPING_NODE)
			lerr(ld, n, "example has no 'text', 'yaml' or "
			     "'describe'");
		free_strv(ex.cap_names, ex.ncaps);
		free_strv(ex.cap_values, ex.ncaps);
		return;
	}
	*arr = xrealloc(*arr, (*count + 1) * sizeof(**arr));
	(*arr)[(*count)++] = ex;
}

static void load_examples(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	yaml_node_pair_t *pr;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(ld, n, "'examples' must be a mapping with 'match' and "
		     "'no_match' lists");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(ld, pr->key);
		yaml_node_t *v = node_at(ld, pr->value);
		const char *key = scalar(k);
		int is_match = key && !strcmp(key, "match");
		yaml_node_item_t *it;

		if (!is_match && !(key && !strcmp(key, "no_match"))) {
			lerr(ld, k, "unknown key '%s' in examples (expected "
			     "'match' or 'no_match')", key ? key : "?");
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE) {
			lerr(ld, v, "'%s' must be a list", key);
			continue;
		}
		for (it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++)
			load_example(ld, node_at(ld, *it), is_match,
				     is_match ? &r->match_ex : &r->nomatch_ex,
				     is_match ? &r->nmatch_ex : &r->nnomatch_ex);
	}
}

static int valid_id(const char *id)
{
	const char *p;

	if (!*id || *id == '-' || id[strlen(id) - 1] == '-')
		return 0;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      (*p == '-' && p[1] != '-')))
			return 0;
	return 1;
}

static int check_placeholders(struct loader *ld, const struct rule *r,
			      yaml_node_t *n)
{
	const char *p = r->message;

	while ((p = strstr(p, "{{")) != NULL) {
		const char *e = strstr(p, "}}");

		if (!e) {
			lerr(ld, n, "rule '%s': unclosed '{{' in message",
			     r->id);
			return -1;
		}
		p = e + 2;
	}
	return 0;
}

/*
 * Whether a rule key was already seen in this rule (YAML allows repeated
 * keys; libyaml does not check). *seen has one bit per known key. A
 * repeated key is an error; skipping it keeps the first value, so nothing
 * is overwritten (or leaked).
 */
static int repeated_key(const char *key, unsigned *seen)
{
	static const char *const known[] = {
		"id", "title", "category", "message", "remediation", "docs",
		"tags", "severity", "confidence", "patterns", "match",
		"require", "suppressed_by", "examples",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(key, known[i]))
			continue;
		if (*seen & (1u << i))
			return 1;
		*seen |= 1u << i;
		return 0;
	}
	return 0;
}

static void load_rule(struct loader *ld, yaml_node_t *n)
{
	struct rule r;
	yaml_node_pair_t *pr;
	yaml_node_t *msg_node = NULL;
	int errors_before = ld->errors;
	const struct rule *dup;
	unsigned seen = 0;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(ld, n, "a rule must be a mapping (id, title, severity, "
		     "patterns, ...)");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.loc = node_loc(ld, n);
	r.severity = SEV_MEDIUM;
	r.confidence = 0.8;
	r.else_severity = -1;
	/* The id first, so that later messages can name the rule. */
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *key = scalar(node_at(ld, pr->key));

		if (key && !strcmp(key, "id") && !r.id)
			r.id = want_string(ld, node_at(ld, pr->value), "id");
	}
	if (!r.id) {
		lerr(ld, n, "rule has no 'id'");
		r.id = xstrdup("?");
	} else if (!valid_id(r.id)) {
		lerr(ld, n, "rule id '%s' is not kebab-case ([a-z0-9] words "
		     "joined by single '-')", r.id);
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(ld, pr->key);
		yaml_node_t *v = node_at(ld, pr->value);
		const char *key = scalar(k);

		if (!key) {
			lerr(ld, k, "rule keys must be strings");
		} else if (repeated_key(key, &seen)) {
			lerr(ld, k, "rule '%s': key '%s' is repeated", r.id,
			     key);
		} else if (!strcmp(key, "id")) {
			continue;
		} else if (!strcmp(key, "title")) {
			r.title = want_string(ld, v, key);
		} else if (!strcmp(key, "category")) {
			r.category = want_string(ld, v, key);
		} else if (!strcmp(key, "message")) {
			r.message = want_string(ld, v, key);
			msg_node = v;
		} else if (!strcmp(key, "remediation")) {
			r.remediation = want_string(ld, v, key);
		} else if (!strcmp(key, "docs")) {
			r.docs = want_strings(ld, v, key, &r.ndocs);
		} else if (!strcmp(key, "tags")) {
			r.tags = want_strings(ld, v, key, &r.ntags);
		} else if (!strcmp(key, "severity")) {
			const char *s = scalar(v);
			int sev = s ? severity_parse(s) : -1;

			if (sev < 0)
				lerr(ld, v, "rule '%s': severity must be one of "
				     "info, low, medium, high, critical", r.id);
			else
				r.severity = (enum severity)sev;
		} else if (!strcmp(key, "confidence")) {
			const char *s = scalar(v);
			char *end = NULL;
			double c = s ? strtod(s, &end) : NAN;

			if (!s || end == s || *end || !(c >= 0 && c <= 1))
				lerr(ld, v, "rule '%s': confidence must be a "
				     "number from 0 to 1", r.id);
			else
				r.confidence = c;
		} else if (!strcmp(key, "patterns")) {
			yaml_node_item_t *it;

			if (v->type == YAML_SCALAR_NODE) {
				compile_pattern(ld, &r, v);
				continue;
			}
			if (v->type != YAML_SEQUENCE_NODE) {
				lerr(ld, v, "'patterns' must be a list of "
				     "regexes");
				continue;
			}
			for (it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++)
				compile_pattern(ld, &r, node_at(ld, *it));
		} else if (!strcmp(key, "match")) {
			load_match(ld, &r, v);
		} else if (!strcmp(key, "require")) {
			load_require(ld, &r, v);
		} else if (!strcmp(key, "suppressed_by")) {
			r.suppressed_by = want_strings(ld, v, key,
						       &r.nsuppressed_by);
		} else if (!strcmp(key, "examples")) {
			load_examples(ld, &r, v);
		} else {
			lerr(ld, k, "rule '%s': unknown key '%s'", r.id, key);
		}
	}
	if (!r.title)
		lerr(ld, n, "rule '%s' has no 'title'", r.id);
	if (!r.npatterns && !r.nclauses && ld->errors == errors_before)
		lerr(ld, n, "rule '%s' has neither 'patterns' nor 'match'",
		     r.id);
	if (r.npatterns)
		r.target_mask |= 1u << TARGET_TEXT;
	if (!r.message)
		r.message = xstrdup(r.title ? r.title : r.id);
	else
		check_placeholders(ld, &r, msg_node);
	dup = ruleset_find(ld->rs, r.id);
	if (dup)
		lerr(ld, n, "duplicate rule id '%s' (first defined at "
		     "%s:%lu:%lu)", r.id, dup->loc.file, dup->loc.line,
		     dup->loc.col);
	if (ld->errors != errors_before) {
		rule_free(&r);
		return;
	}
	ld->rs->rules = xgrow(ld->rs->rules, &ld->rs->cap, ld->rs->n + 1,
			      sizeof(r));
	ld->rs->rules[ld->rs->n++] = r;
}

static void load_document(struct loader *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_t *list = NULL;
	yaml_node_item_t *it;

	if (!root)
		return;
	if (root->type == YAML_SEQUENCE_NODE) {
		list = root;
	} else if (root->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *pr;

		for (pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(ld, pr->key);
			const char *key = scalar(k);

			if (key && !strcmp(key, "rules"))
				list = node_at(ld, pr->value);
			else
				lerr(ld, k, "unknown top-level key '%s' "
				     "(expected 'rules')", key ? key : "?");
		}
		if (!list) {
			lerr(ld, root, "no 'rules:' list in this file");
			return;
		}
	} else {
		lerr(ld, root, "expected a 'rules:' list of rules");
		return;
	}
	if (list->type != YAML_SEQUENCE_NODE) {
		lerr(ld, list, "'rules' must be a list");
		return;
	}
	for (it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++)
		load_rule(ld, node_at(ld, *it));
}

static const char *remember_file(struct ruleset *rs, const char *name)
{
	rs->files = xgrow(rs->files, &rs->capfiles, rs->nfiles + 1,
			  sizeof(*rs->files));
	rs->files[rs->nfiles] = xstrdup(name);
	return rs->files[rs->nfiles++];
}

int ruleset_load_buffer(struct ruleset *rs, const char *name,
			const char *data, size_t len)
{
	struct loader ld;
	yaml_parser_t parser;
	yaml_document_t doc;

	memset(&ld, 0, sizeof(ld));
	ld.rs = rs;
	ld.file = remember_file(rs, name);
	if (!yaml_parser_initialize(&parser)) {
		diag(DIAG_ERROR, name, "cannot initialise the YAML parser");
		return 1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu:%lu", name,
				 (unsigned long)parser.problem_mark.line + 1,
				 (unsigned long)parser.problem_mark.column + 1);
			diag(DIAG_ERROR, where.p, "invalid YAML: %s%s%s",
			     parser.problem ? parser.problem : "syntax error",
			     parser.context ? " " : "",
			     parser.context ? parser.context : "");
			buf_free(&where);
			ld.errors++;
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		ld.doc = &doc;
		load_document(&ld);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	return ld.errors;
}

static int load_file(struct ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf data = BUF_INIT;
	char tmp[65536];
	size_t n;
	int errors;

	if (!f) {
		diag(DIAG_ERROR, path, "cannot open rule file: %s",
		     strerror(errno));
		return 1;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		buf_add(&data, tmp, n);
		if (data.len > (16u << 20)) {
			diag(DIAG_ERROR, path, "rule file larger than 16 MiB");
			fclose(f);
			buf_free(&data);
			return 1;
		}
	}
	if (ferror(f)) {
		diag(DIAG_ERROR, path, "read error: %s", strerror(errno));
		fclose(f);
		buf_free(&data);
		return 1;
	}
	fclose(f);
	errors = ruleset_load_buffer(rs, path, buf_str(&data), data.len);
	buf_free(&data);
	return errors;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_load_path(struct ruleset *rs, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int errors = 0;

	if (stat(path, &st) < 0) {
		diag(DIAG_ERROR, path, "cannot read rules: %s",
		     strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(rs, path);
	d = opendir(path);
	if (!d) {
		diag(DIAG_ERROR, path, "cannot open rule directory: %s",
		     strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !(str_ends(de->d_name, ".yaml") ||
					      str_ends(de->d_name, ".yml")))
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)	/* names is NULL for an empty directory */
		qsort(names, n, sizeof(*names), cmp_str);
	if (!n) {
		diag(DIAG_ERROR, path, "no *.yaml rule files in this directory");
		errors = 1;
	}
	for (i = 0; i < n; i++) {
		struct buf p = BUF_INIT;

		buf_adds(&p, path);
		if (p.p[p.len - 1] != '/')
			buf_addc(&p, '/');
		buf_adds(&p, names[i]);
		errors += load_file(rs, p.p);
		buf_free(&p);
		free(names[i]);
	}
	free(names);
	return errors;
}

int ruleset_check(const struct ruleset *rs)
{
	size_t i, j;
	int errors = 0;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];

		for (j = 0; j < r->nsuppressed_by; j++) {
			struct buf where = BUF_INIT;

			if (ruleset_find(rs, r->suppressed_by[j]))
				continue;
			buf_addf(&where, "%s:%lu:%lu", r->loc.file, r->loc.line,
				 r->loc.col);
			diag(DIAG_ERROR, where.p, "rule '%s': suppressed_by "
			     "names unknown rule '%s'", r->id,
			     r->suppressed_by[j]);
			buf_free(&where);
			errors++;
		}
	}
	return errors;
}

int ruleset_load_embedded(struct ruleset *rs)
{
	const struct embedded_file *f;
	int errors = 0;

	for (f = embedded_rules; f->name; f++)
		errors += ruleset_load_buffer(rs, f->name, f->data, f->len);
	return errors;
}

/* Whether s[0..n) holds lit (lower case, m bytes) in any case. */
static int has_nocase(const char *s, size_t n, const char *lit, size_t m)
{
	int lo = (unsigned char)lit[0], up = toupper(lo);
	size_t i = 0, last, a = 0, b = 0;
	int need_a = 1, need_b = up != lo;

	if (!m || m > n)
		return m == 0;
	last = n - m + 1;	/* a match starts before this */
	b = up != lo ? 0 : last;
	/* a, b: the next offset of each case of the first byte, or last. */
	while (i < last) {
		size_t at;

		if (need_a) {
			const char *q = memchr(s + i, lo, last - i);

			a = q ? (size_t)(q - s) : last;
			need_a = 0;
		}
		if (need_b) {
			const char *q = memchr(s + i, up, last - i);

			b = q ? (size_t)(q - s) : last;
			need_b = 0;
		}
		at = a < b ? a : b;
		if (at >= last)
			return 0;
		if (!strncasecmp(s + at, lit, m))
			return 1;
		i = at + 1;
		need_a = a < i;
		need_b = up != lo && b < i;
	}
	return 0;
}

/* Whether the subject has one of the literals the regex needs. */
static int may_match(const struct pattern *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < p->nlits; i++)
		if (has_nocase(s, n, p->lits[i], strlen(p->lits[i])))
			return 1;
	return 0;
}

int pattern_match(const struct ruleset *rs, const struct pattern *p,
		  const char *subject, size_t len, pcre2_match_data *md)
{
	int rc;

	if (p->nlits && !may_match(p, subject, len))
		return 0;
	rc = pcre2_match(p->re, (PCRE2_SPTR)subject, len, 0, 0, md,
			 rs->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

void pattern_each_capture(const struct pattern *p, pcre2_match_data *md,
			  const char *subject, capture_fn fn, void *ctx)
{
	uint32_t count = 0, size = 0, i;
	PCRE2_SPTR table;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t pairs = pcre2_get_ovector_count(md);

	pcre2_pattern_info(p->re, PCRE2_INFO_NAMECOUNT, &count);
	if (!count)
		return;
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		const unsigned char *e = table + (size_t)i * size;
		uint32_t group = ((uint32_t)e[0] << 8) | e[1];

		if (group >= pairs || ov[2 * group] == PCRE2_UNSET)
			continue;
		fn((const char *)e + 2, slice_make(subject + ov[2 * group],
			ov[2 * group + 1] - ov[2 * group]), ctx);
	}
}

