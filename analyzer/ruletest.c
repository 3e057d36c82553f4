/*
 * `ktriage rules test`: every rule carries examples of input that must
 * make it fire (with the values it must capture) and near misses that must
 * not. Text examples are tried as a raw line and as a log record; YAML and
 * describe examples go through the same parsers as real input, so a rule
 * is tested the way it runs.
 */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chain.h"
#include "cond.h"
#include "describe.h"
#include "diag.h"
#include "logrec.h"
#include "object.h"
#include "parse.h"
#include "store.h"
#include "yamldoc.h"

struct objlist {
	struct store st;
	struct input *in;
};

static void collect_object(struct kobject *o, void *ctx)
{
	struct objlist *l = ctx;

	store_add(&l->st, o, l->in);
}

static void collect_event(struct kevent *ev, void *ctx)
{
	struct objlist *l = ctx;

	store_add_event(&l->st, ev, ev->source, l->in);
}

static void parse_objects(const struct example *ex, struct objlist *out,
			  struct input *in)
{
	struct parse_ctx pc;
	const char *p = ex->text;
	unsigned long lineno = 0;
	struct yamldoc *y = NULL;
	struct describe *d = NULL;

	memset(&pc, 0, sizeof(pc));
	pc.source = ex->loc.file;
	pc.in = in;
	pc.on_object = collect_object;
	pc.on_event = collect_event;
	pc.ctx = out;
	out->in = in;
	if (ex->kind == EXAMPLE_YAML)
		y = yamldoc_new(&pc);
	else
		d = describe_new(&pc);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (y)
			yamldoc_line(y, slice_make(p, n), ++lineno);
		else
			describe_line(d, slice_make(p, n), ++lineno);
		p += n + (nl ? 1 : 0);
	}
	if (y) {
		yamldoc_end(y);
		yamldoc_free(y);
	} else {
		describe_end(d);
		describe_free(d);
	}
}

/* Try the rule on each subject an example yields; first hit wins. */
static int example_fires(const struct ruleset *rs, const struct rule *r,
			 const struct example *ex, pcre2_match_data *md,
			 struct cond_caps *caps, unsigned long *limits,
			 struct input *in)
{
	struct subject s;
	struct logrec rec;
	struct objlist objs;
	struct findings none;
	struct graph g;
	size_t i, j;
	int hit = 0;

	memset(&s, 0, sizeof(s));
	s.now_ms = ex->now_ms;
	s.source = ex->loc.file;
	s.node = -1;
	if (ex->kind == EXAMPLE_TEXT) {
		s.target = TARGET_TEXT;
		s.line = slice_cstr(ex->text);
		if (rule_eval(rs, r, &s, md, caps, limits))
			return 1;
		if (logrec_parse_line(slice_cstr(ex->text), &rec)) {
			rec.source = ex->loc.file;
			s.target = TARGET_LOG;
			s.rec = &rec;
			return rule_eval(rs, r, &s, md, caps, limits);
		}
		return 0;
	}
	store_init(&objs.st, 0);
	parse_objects(ex, &objs, in);
	findings_init(&none);
	graph_build(&g, &objs.st, &none);
	s.graph = &g;
	for (i = 0; i < objs.st.n && !hit; i++) {
		const struct kobject *o = objs.st.v[i];

		s.node = graph_find(&g, o->kind, o->ns, o->name);
		/*
		 * Ages in examples are measured from `now:`, else from the
		 * latest time in the object itself.
		 */
		s.obj = o;
		s.now_ms = o->created != TIME_UNKNOWN ? o->created * 1000 :
			INT64_MIN;
		for (j = 0; j < o->nconds; j++)
			if (o->conds[j].last_transition_ts != TIME_UNKNOWN &&
			    o->conds[j].last_transition_ts * 1000 > s.now_ms)
				s.now_ms = o->conds[j].last_transition_ts *
					   1000;
		if (ex->now_ms != INT64_MIN)
			s.now_ms = ex->now_ms;
		s.target = TARGET_OBJECT;
		hit = rule_eval(rs, r, &s, md, caps, limits);
		s.target = TARGET_CONDITION;
		for (j = 0; j < o->nconds && !hit; j++) {
			s.kc = &o->conds[j];
			hit = rule_eval(rs, r, &s, md, caps, limits);
		}
		s.target = TARGET_EVENT;
		for (j = 0; j < o->nevents && !hit; j++) {
			s.ev = &o->events[j];
			hit = rule_eval(rs, r, &s, md, caps, limits);
		}
	}
	graph_free(&g);
	findings_free(&none);
	store_free(&objs.st);
	return hit;
}

static int test_example(const struct ruleset *rs, const struct rule *r,
			const struct example *ex, int must_match,
			pcre2_match_data *md)
{
	struct buf where = BUF_INIT;
	struct cond_caps caps;
	struct input in;
	unsigned long limits = 0;
	size_t i, k;
	int hit, failed = 0;

	buf_addf(&where, "%s:%lu:%lu", ex->loc.file, ex->loc.line,
		 ex->loc.col);
	input_init(&in, ex->loc.file);
	memset(&caps, 0, sizeof(caps));
	hit = example_fires(rs, r, ex, md, &caps, &limits, &in);
	if (limits) {
		diag(DIAG_ERROR, where.p, "rule '%s': the example hit the PCRE2 "
		     "match limit", r->id);
		failed = 1;
	} else if (hit && !must_match) {
		diag(DIAG_ERROR, where.p, "rule '%s': no_match example fires "
		     "the rule", r->id);
		failed = 1;
	} else if (!hit && must_match) {
		diag(DIAG_ERROR, where.p, "rule '%s': match example does not "
		     "fire the rule", r->id);
		failed = 1;
	}
	for (k = 0; hit && must_match && k < ex->ncaps; k++) {
		const char *got = NULL;

		for (i = 0; i < caps.n && !got; i++)
			if (!strcmp(caps.v[i].name, ex->cap_names[k]))
				got = caps.v[i].value;
		if (got && !strcmp(got, ex->cap_values[k]))
			continue;
		if (got)
			diag(DIAG_ERROR, where.p, "rule '%s': capture '%s' is "
			     "'%s', expected '%s'", r->id, ex->cap_names[k],
			     got, ex->cap_values[k]);
		else
			diag(DIAG_ERROR, where.p, "rule '%s': capture '%s' "
			     "expected '%s' but nothing captured it", r->id,
			     ex->cap_names[k], ex->cap_values[k]);
		failed = 1;
	}
	cond_caps_clear(&caps);
	input_free(&in);
	buf_free(&where);
	return failed;
}

int ruleset_self_test(const struct ruleset *rs, unsigned long *total)
{
	pcre2_match_data *md = pcre2_match_data_create(64, NULL);
	size_t i, j;
	int failed = 0;

	*total = 0;
	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];

		for (j = 0; j < r->nmatch_ex; j++, (*total)++)
			failed += test_example(rs, r, &r->match_ex[j], 1, md);
		for (j = 0; j < r->nnomatch_ex; j++, (*total)++)
			failed += test_example(rs, r, &r->nomatch_ex[j], 0, md);
	}
	pcre2_match_data_free(md);
	return failed;
}
