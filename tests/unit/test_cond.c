/*
 * The rule language's conditions: every operator, every target's fields,
 * all/any/not, captures along the path that made a rule fire, and lint
 * errors for unknown fields, operators and targets.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "diag.h"
#include "logrec.h"
#include "object.h"
#include "rules.h"

/* A Challenge in the shape a YAML dump gives. */
static struct kobject *challenge(const char *edit_in_place)
{
	struct fnode *root = fnode_new(FN_MAP, 1), *meta, *ann, *spec, *st;
	struct fnode *conds, *c, *names;

#define S(parent, k, v) fnode_add_scalar(parent, k, strlen(k), v, strlen(v), 0)
	S(root, "apiVersion", "acme.cert-manager.io/v1");
	S(root, "kind", "Challenge");
	meta = fnode_add(root, "metadata", 8, fnode_new(FN_MAP, 3));
	S(meta, "name", "web-1-2745722290-4391602865");
	S(meta, "namespace", "shop");
	S(meta, "creationTimestamp", "2024-05-01T10:00:00Z");
	ann = fnode_add(meta, "annotations", 11, fnode_new(FN_MAP, 6));
	S(ann, "kubernetes.io/ingress.class", "gce");
	if (edit_in_place)
		S(ann, "acme.cert-manager.io/http01-edit-in-place",
		  edit_in_place);
	spec = fnode_add(root, "spec", 4, fnode_new(FN_MAP, 9));
	S(spec, "authorizationURL", "https://acme-v02.api.letsencrypt.org/acme/authz/1/2");
	S(spec, "dnsName", "shop.example.com");
	S(spec, "type", "HTTP-01");
	names = fnode_add(spec, "dnsNames", 8, fnode_new(FN_LIST, 12));
	fnode_add_scalar(names, NULL, 0, "a.example.com", 13, 13);
	fnode_add_scalar(names, NULL, 0, "b.example.com", 13, 14);
	st = fnode_add(root, "status", 6, fnode_new(FN_MAP, 15));
	S(st, "reason", "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'");
	S(st, "state", "pending");
	S(st, "processing", "true");
	conds = fnode_add(st, "conditions", 10, fnode_new(FN_LIST, 18));
	c = fnode_add(conds, NULL, 0, fnode_new(FN_MAP, 19));
	S(c, "type", "Ready");
	S(c, "status", "False");
	S(c, "reason", "Pending");
	S(c, "message", "Waiting for the challenge");
	S(c, "lastTransitionTime", "2024-05-01T10:01:00Z");
#undef S
	return kobject_from_tree(root, ORIGIN_YAML, "challenges.yaml", 1);
}

static struct ruleset rs;
static pcre2_match_data *md;

static const struct rule *load(const char *yaml)
{
	ruleset_free(&rs);
	ruleset_init(&rs);
	if (ruleset_load_buffer(&rs, "t.yaml", yaml, strlen(yaml)) != 0)
		return NULL;
	return rs.n ? &rs.rules[0] : NULL;
}

static int fires(const struct rule *r, const struct subject *s,
		 struct cond_caps *caps)
{
	unsigned long limits = 0;
	struct cond_caps tmp;
	int r2;

	memset(&tmp, 0, sizeof(tmp));
	if (!caps)
		caps = &tmp;
	r2 = rule_eval(&rs, r, s, md, caps, &limits);
	cond_caps_clear(&tmp);
	return r2;
}

static void obj_subject(struct subject *s, const struct kobject *o,
			enum target t)
{
	memset(s, 0, sizeof(*s));
	s->target = t;
	s->obj = o;
	s->now_ms = parse_rfc3339("2024-05-01T10:20:00Z") * 1000;
	if (t == TARGET_CONDITION)
		s->kc = &o->conds[0];
}

static void test_object_target(void **state)
{
	static const struct {
		const char *match;
		int want_gce, want_edit;
	} cases[] = {
		/* equality, the example: gce without edit-in-place */
		{ "object: {kind: Challenge, 'metadata.annotations[kubernetes.io/ingress.class]': gce,"
		  " 'metadata.annotations[acme.cert-manager.io/http01-edit-in-place]': {absent: true}}", 1, 0 },
		{ "object: {kind: Challenge, 'annotations[acme.cert-manager.io/http01-edit-in-place]': {present: true}}", 0, 1 },
		/* normalized keys: authorizationURL and authorization URL */
		{ "object: {spec.authorizationURL: {regex: 'acme/authz/'}}", 1, 1 },
		{ "object: {spec.authorizationurl: {contains: 'letsencrypt.org'}}", 1, 1 },
		/* list fields: any element */
		{ "object: {spec.dnsNames: b.example.com}", 1, 1 },
		{ "object: {spec.dnsNames: [x.example.com, a.example.com]}", 1, 1 },
		{ "object: {spec.dnsNames: c.example.com}", 0, 0 },
		/* ages against the bundle's time (created 20 minutes before) */
		{ "object: {kind: Challenge, age: {gt: 15m}}", 1, 1 },
		{ "object: {kind: Challenge, age: {lt: 900}}", 0, 0 },
		/* all / any / not */
		{ "object: {any: [{status.state: valid}, {status.state: pending}]}", 1, 1 },
		{ "object: {all: [{status.state: pending}, {not: {spec.type: HTTP-01}}]}", 0, 0 },
		{ "object: {not: {status.state: {in: [valid, invalid]}}}", 1, 1 },
		/* case-insensitive equality and regex flags */
		{ "object: {spec.type: {equals: http-01, nocase: true}}", 1, 1 },
		{ "object: {status.reason: {regex: 'WRONG STATUS', flags: i}}", 1, 1 },
		{ "object: {status.reason: {regex: 'WRONG STATUS'}}", 0, 0 },
		/* a missing field is absent, and no value equals it */
		{ "object: {spec.solver: {absent: true}}", 1, 1 },
		{ "object: {spec.solver: x}", 0, 0 },
		{ "object: {kind: Order}", 0, 0 },
		/* times against now (10:20): created 10:00, condition 10:01 */
		{ "object: {metadata.creationTimestamp: {past: true}}", 1, 1 },
		{ "object: {metadata.creationTimestamp: {older_than: 15m}}", 1, 1 },
		{ "object: {metadata.creationTimestamp: {older_than: 30m}}", 0, 0 },
		{ "object: {metadata.creationTimestamp: {newer_than: 30m}}", 1, 1 },
		{ "object: {metadata.creationTimestamp: {within: 7d}}", 1, 1 },
		{ "object: {status.conditions.lastTransitionTime: {older_than: 19m}}", 1, 1 },
		{ "object: {spec.dnsName: {past: true}}", 0, 0 },
	};
	struct kobject *gce = challenge(NULL), *edit = challenge("true");
	struct subject s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[1024];
		const struct rule *r;

		snprintf(yaml, sizeof(yaml), "rules:\n  - id: t\n    title: T\n"
			 "    match:\n      %s\n", cases[i].match);
		r = load(yaml);
		if (!r)
			fail_msg("case %zu did not load: %s", i, cases[i].match);
		obj_subject(&s, gce, TARGET_OBJECT);
		if (fires(r, &s, NULL) != cases[i].want_gce)
			fail_msg("case %zu (gce): %s", i, cases[i].match);
		obj_subject(&s, edit, TARGET_OBJECT);
		if (fires(r, &s, NULL) != cases[i].want_edit)
			fail_msg("case %zu (edit): %s", i, cases[i].match);
	}
	kobject_free(gce);
	kobject_free(edit);
}

/*
 * What a field names on an object is worked out once per condition: the
 * same condition asked of the object again, and asked through a
 * condition clause's "object." prefix (its own answer), must give what a
 * fresh one gives.
 */
/* A fresh condition: the field in field equals value (strs: its room). */
static void eq_cond(struct cond *c, char *field, char **strs,
		    const char *value)
{
	memset(c, 0, sizeof(*c));
	c->op = COND_FIELD;
	c->cmp = CMP_EQ;
	c->field = field;
	c->strs = strs;
	c->nstrs = 1;
	strs[0] = (char *)value;
}

static void test_field_class_cached(void **state)
{
	static const struct {
		const char *field, *value;
	} f[] = {
		{ "kind", "Challenge" },
		{ "name", "web-1-2745722290-4391602865" },
		{ "spec.type", "HTTP-01" },
		{ "metadata.namespace", "shop" },
		{ "status.state", "pending" },
		{ "apiVersion", "acme.cert-manager.io/v1" },
	};
	struct kobject *o = challenge(NULL);
	char *strs[1], field[64];
	struct cond c;
	struct subject s, sc;
	struct cond_caps caps;
	unsigned long limits = 0;
	size_t i, j, round;

	(void)state;
	obj_subject(&s, o, TARGET_OBJECT);
	obj_subject(&sc, o, TARGET_CONDITION);
	for (i = 0; i < ARRAY_SIZE(f); i++)
		for (j = 0; j < ARRAY_SIZE(f); j++) {
			eq_cond(&c, field, strs, f[j].value);
			snprintf(field, sizeof(field), "%s", f[i].field);
			for (round = 0; round < 2; round++) {
				memset(&caps, 0, sizeof(caps));
				assert_int_equal(cond_eval(&rs, &c, &s, md,
							   &caps, &limits),
						 i == j);
				cond_caps_clear(&caps);
			}
		}
	/* "object.name": a path on an object, the name through a condition. */
	eq_cond(&c, field, strs, "web-1-2745722290-4391602865");
	strcpy(field, "object.name");
	for (round = 0; round < 2; round++) {
		memset(&caps, 0, sizeof(caps));
		assert_int_equal(cond_eval(&rs, &c, &s, md, &caps, &limits), 0);
		cond_caps_clear(&caps);
		memset(&caps, 0, sizeof(caps));
		assert_int_equal(cond_eval(&rs, &c, &sc, md, &caps, &limits), 1);
		cond_caps_clear(&caps);
	}
	kobject_free(o);
}

static void test_condition_target_and_captures(void **state)
{
	struct kobject *o = challenge(NULL);
	struct subject s;
	struct cond_caps caps;
	const struct rule *r;

	(void)state;
	r = load("rules:\n  - id: t\n    title: T\n    match:\n"
		 "      - condition:\n          kind: Challenge\n"
		 "          type: Ready\n          status: 'False'\n"
		 "          age: {gte: 19m}\n"
		 "          message: {regex: 'Waiting for (?<what>the \\w+)'}\n"
		 "          object.status.reason: {regex: \"code '(?<code>\\\\d+)'\"}\n");
	assert_non_null(r);
	obj_subject(&s, o, TARGET_CONDITION);
	memset(&caps, 0, sizeof(caps));
	assert_int_equal(fires(r, &s, &caps), 1);
	assert_int_equal(caps.n, 2);
	assert_string_equal(caps.v[0].name, "what");
	assert_string_equal(caps.v[0].value, "the challenge");
	assert_string_equal(caps.v[1].value, "404");
	cond_caps_clear(&caps);
	/* An object clause does not fire on a condition subject. */
	r = load("rules:\n  - id: t\n    title: T\n    match: {object: {kind: Challenge}}\n");
	assert_int_equal(fires(r, &s, NULL), 0);
	/* Captures only from the branch of `any` that made it true. */
	r = load("rules:\n  - id: t\n    title: T\n    match:\n"
		 "      condition:\n        any:\n"
		 "          - {message: {regex: '(?<a>nomatch)'}}\n"
		 "          - {message: {regex: '(?<b>Waiting)'}}\n");
	memset(&caps, 0, sizeof(caps));
	assert_int_equal(fires(r, &s, &caps), 1);
	assert_int_equal(caps.n, 1);
	assert_string_equal(caps.v[0].name, "b");
	cond_caps_clear(&caps);
	kobject_free(o);
}

static void test_log_and_event_targets(void **state)
{
	struct logrec rec;
	struct kevent ev;
	struct subject s;
	struct cond_caps caps;
	const struct rule *r;

	(void)state;
	assert_true(logrec_parse_line(slice_cstr(
		"E0501 09:58:13.512345       1 setup.go:335] \"failed to register an ACME account\" err=\"400 urn:ietf:params:acme:error:invalidContact: contact email has forbidden domain \\\"example.com\\\"\" logger=\"cert-manager.controller\" resource_kind=\"ClusterIssuer\""),
		&rec));
	r = load("rules:\n  - id: t\n    title: T\n    match:\n"
		 "      log:\n        level: error\n"
		 "        logger: {regex: '^cert-manager'}\n"
		 "        resource_kind: ClusterIssuer\n"
		 "        err: {regex: 'forbidden domain \"(?<domain>[^\"]+)\"'}\n");
	assert_non_null(r);
	memset(&s, 0, sizeof(s));
	s.target = TARGET_LOG;
	s.rec = &rec;
	s.now_ms = INT64_MIN;
	memset(&caps, 0, sizeof(caps));
	assert_int_equal(fires(r, &s, &caps), 1);
	assert_string_equal(caps.v[0].value, "example.com");
	cond_caps_clear(&caps);
	r = load("rules:\n  - id: t\n    title: T\n    match: {log: {level: info}}\n");
	assert_int_equal(fires(r, &s, NULL), 0);

	memset(&ev, 0, sizeof(ev));
	kevent_clear(&ev);
	ev.type = (char *)"Warning";
	ev.reason = (char *)"PresentError";
	ev.message = (char *)"Error presenting challenge: pods \"cm-acme-http-solver-x\" is forbidden";
	ev.count = 5279;
	ev.last_age_s = 135;
	ev.first_age_s = 1320;
	ev.obj_kind = (char *)"Challenge";
	memset(&s, 0, sizeof(s));
	s.target = TARGET_EVENT;
	s.ev = &ev;
	s.now_ms = INT64_MIN;
	r = load("rules:\n  - id: t\n    title: T\n    match:\n"
		 "      event: {kind: Challenge, type: Warning, reason: PresentError,"
		 " count: {gte: 5}, first_age: {gt: 20m}, age: {lte: 3m},"
		 " message: {contains: 'is forbidden'}}\n");
	assert_int_equal(fires(r, &s, NULL), 1);
	r = load("rules:\n  - id: t\n    title: T\n    match: {event: {count: {lt: 5}}}\n");
	assert_int_equal(fires(r, &s, NULL), 0);
}

static void test_text_target(void **state)
{
	struct subject s;
	const struct rule *r;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.target = TARGET_TEXT;
	s.line = slice_cstr("  Warning  ErrInitIssuer  5m  cert-manager  Error initializing issuer");
	s.source = "issuer.txt";
	r = load("rules:\n  - id: t\n    title: T\n    match: {text: {line: {regex: 'ErrInitIssuer'}, source: {regex: '\\.txt$'}}}\n");
	assert_int_equal(fires(r, &s, NULL), 1);
	r = load("rules:\n  - id: t\n    title: T\n    patterns: ['nomatch']\n    match: {text: {line: {contains: ErrInit}}}\n");
	assert_int_equal(fires(r, &s, NULL), 1);
}

static void test_lint_errors(void **state)
{
	static const char *const bad[] = {
		"match: {object: {nosuchfield: x}}",
		"match: {log: {msg: {regexp: x}}}",
		"match: {widget: {kind: x}}",
		"match: {log: {msg: x}, event: {reason: y}}",
		"match: {event: {count: {gt: soon}}}",
		"match: {log: {msg: {regex: '(open'}}}",
		"match: {log: {msg: {regex: x, flags: q}}}",
		"match: {object: {any: {kind: x}}}",
		"match: {object: {kind: x}}\n    require: {min_count: 0}",
		"match: {object: {kind: x}}\n    require: {min_span: later}",
		"match: {object: {kind: x}}\n    require: {else_severity: huge}",
		"match: {object: {kind: x}}\n    require: {max_count: 3}",
		"match: {object: {spec.x: {present: maybe}}}",
	};
	size_t i;

	(void)state;
	diag_set_quiet(1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char yaml[512];

		snprintf(yaml, sizeof(yaml), "rules:\n  - id: t\n    title: T\n"
			 "    %s\n", bad[i]);
		if (load(yaml))
			fail_msg("case %zu loaded: %s", i, bad[i]);
	}
	/* suppressed_by must name a loaded rule */
	assert_non_null(load("rules:\n  - id: t\n    title: T\n    patterns: [x]\n    suppressed_by: [nope]\n"));
	assert_int_equal(ruleset_check(&rs), 1);
}

static void test_numbers(void **state)
{
	static const struct {
		const char *in;
		double want;
	} ok[] = { { "5", 5 }, { "2.5", 2.5 }, { "90s", 90 }, { "15m", 900 },
		   { "1h30m", 5400 }, { "2d", 172800 } };
	double d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cond_parse_number(ok[i].in, &d), 0);
		assert_true(d == ok[i].want);
	}
	assert_int_equal(cond_parse_number("soon", &d), -1);
	assert_int_equal(cond_parse_number("", &d), -1);
	assert_int_equal(cond_parse_number("5x", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_target),
		cmocka_unit_test(test_field_class_cached),
		cmocka_unit_test(test_condition_target_and_captures),
		cmocka_unit_test(test_log_and_event_targets),
		cmocka_unit_test(test_text_target),
		cmocka_unit_test(test_lint_errors),
		cmocka_unit_test(test_numbers),
	};
	int rc;

	diag_set_quiet(1);
	ruleset_init(&rs);
	md = pcre2_match_data_create(64, NULL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pcre2_match_data_free(md);
	ruleset_free(&rs);
	return rc;
}
