/*
 * The match stage: key extraction from every cert-manager log shape,
 * resource attribution, aggregation into findings with distinct captured
 * values, message templates, and ranking order.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "findings.h"
#include "input.h"
#include "match.h"
#include "object.h"
#include "rank.h"
#include "rules.h"

static void test_line_values(void **state)
{
	static const struct {
		const char *line, *key, *want;
	} cases[] = {
		/* klogr (G2/G3) */
		{ "E0111 11:33:23.444981       1 sync.go:186] cert-manager/controller/challenges \"msg\"=\"propagation check failed\" \"error\"=\"wrong status code '503', expected '200'\" \"dnsName\"=\"a.example.com\" \"resource_kind\"=\"Challenge\" \"resource_name\"=\"a-tls-1-2-3\" \"resource_namespace\"=\"default\"",
		  "resource_name", "a-tls-1-2-3" },
		/* klog text (G4), with an escaped quote before the key */
		{ "E0501 09:58:13.512345       1 setup.go:335] \"failed\" err=\"forbidden domain \\\"example.com\\\"\" logger=\"cert-manager.controller\" resource_name=\"letsencrypt-prod\" resource_namespace=\"\" resource_kind=\"ClusterIssuer\"",
		  "resource_kind", "ClusterIssuer" },
		/* JSON logging */
		{ "{\"ts\":1731962429714.193,\"msg\":\"error waiting for authorization\",\"resource_name\":\"x-cert-1\",\"resource_namespace\":\"ns\",\"resource_kind\":\"Challenge\"}",
		  "resource_namespace", "ns" },
		/* unquoted value */
		{ "I0101 00:00:00.000000 1 x.go:1] \"m\" key=default/web-tls", "key",
		  "default/web-tls" },
		/* a longer key must not match a shorter one */
		{ "\"related_resource_name\"=\"secret-a\" \"resource_name\"=\"iss\"",
		  "resource_name", "iss" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct slice v;

		assert_true(match_line_value(slice_cstr(cases[i].line),
					     cases[i].key, &v));
		assert_int_equal(v.n, strlen(cases[i].want));
		assert_memory_equal(v.p, cases[i].want, v.n);
	}
	{
		struct slice v;

		assert_false(match_line_value(slice_cstr("no keys here"),
					      "resource_name", &v));
		assert_false(match_line_value(
			slice_cstr("\"my_resource_name\"=\"x\""),
			"resource_name", &v));
	}
}

static const char rules_yaml[] =
	"rules:\n"
	"  - id: self-check\n"
	"    title: Self check failed\n"
	"    severity: high\n"
	"    patterns:\n"
	"      - 'wrong status code .(?<code>\\d+).'\n"
	"      - 'dnsName.{1,4}(?<domain>[a-z0-9.-]+\\.example\\.com)'\n"
	"    message: 'HTTP {{code}} for {{domain}} on {{resource}} ({{count}}x), {{missing|none}}'\n"
	"  - id: low-thing\n"
	"    title: Low\n"
	"    severity: low\n"
	"    patterns: ['propagation']\n";

static void test_findings(void **state)
{
	struct ruleset rs;
	struct findings fs;
	struct matcher m;
	struct input in;
	static const char *const lines[] = {
		"E0111 11:33:23.444981 1 sync.go:186] cert-manager/challenges \"msg\"=\"propagation check failed\" \"error\"=\"wrong status code '503', expected '200'\" \"dnsName\"=\"a.example.com\" \"resource_kind\"=\"Challenge\" \"resource_name\"=\"web-1-2-3\" \"resource_namespace\"=\"default\"",
		"E0111 11:33:33.444981 1 sync.go:186] cert-manager/challenges \"msg\"=\"propagation check failed\" \"error\"=\"wrong status code '404', expected '200'\" \"dnsName\"=\"b.example.com\" \"resource_kind\"=\"Challenge\" \"resource_name\"=\"web-1-2-3\" \"resource_namespace\"=\"default\"",
		"E0111 11:33:43.444981 1 sync.go:186] cert-manager/challenges \"msg\"=\"propagation check failed\" \"error\"=\"wrong status code '503', expected '200'\" \"dnsName\"=\"a.example.com\" \"resource_kind\"=\"Challenge\" \"resource_name\"=\"web-1-2-3\" \"resource_namespace\"=\"default\"",
		"unrelated line",
	};
	struct resource ctx = { (char *)"Issuer", (char *)"default",
				(char *)"le" };
	size_t i;
	const struct finding *f;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "r.yaml", rules_yaml,
					     strlen(rules_yaml)), 0);
	findings_init(&fs);
	match_init(&m, &rs, &fs);
	input_init(&in, "t");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		match_line(&m, "logs/cm.log", i + 1, slice_cstr(lines[i]),
			   NULL, NULL, &in);
	/* A line without resource keys takes the caller's context. */
	match_line(&m, "describe.txt", 9, slice_cstr("Reason: propagation"),
		   &ctx, NULL, &in);
	findings_finish(&fs);
	rank_findings(&fs, NULL, INT64_MIN);
	assert_int_equal(fs.n, 3);
	f = fs.v[0];
	assert_string_equal(f->rule->id, "self-check");
	assert_int_equal(f->rank, 1);
	assert_int_equal(f->count, 3);
	assert_string_equal(f->res.kind, "Challenge");
	assert_string_equal(f->res.ns, "default");
	assert_string_equal(f->res.name, "web-1-2-3");
	/* Distinct values of both patterns' captures, in first-seen order. */
	assert_string_equal(f->message, "HTTP 503, 404 for a.example.com, "
			    "b.example.com on Challenge/default/web-1-2-3 "
			    "(3x), none");
	/* Lines 1 and 3 differ only in their time: one evidence group. */
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[0].count, 2);
	assert_int_equal(f->ev[0].line, 1);
	assert_int_equal(f->ev[0].last_line, 3);
	assert_int_equal(f->ev[1].line, 2);
	assert_int_equal(f->ev[1].count, 1);
	/* Low severity after high; count breaks ties within a severity. */
	assert_string_equal(fs.v[1]->rule->id, "low-thing");
	assert_int_equal(fs.v[1]->count, 3);
	assert_string_equal(fs.v[2]->res.kind, "Issuer");
	assert_true(fs.v[0]->score > fs.v[1]->score);
	match_free(&m);
	findings_free(&fs);
	input_free(&in);
	ruleset_free(&rs);
}

static void test_evidence_bounded(void **state)
{
	struct ruleset rs;
	struct findings fs;
	struct matcher m;
	struct input in;
	char line[64];
	unsigned long i;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "r.yaml", rules_yaml,
					     strlen(rules_yaml)), 0);
	findings_init(&fs);
	match_init(&m, &rs, &fs);
	input_init(&in, "t");
	for (i = 0; i < 10000; i++) {
		snprintf(line, sizeof(line), "propagation failed %lu", i);
		match_line(&m, "x.log", i + 1, slice_cstr(line), NULL, NULL,
			   &in);
	}
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.v[0]->count, 10000);
	/* Lines that differ only in a number are one group. */
	assert_int_equal(fs.v[0]->nev, 1);
	assert_int_equal(fs.v[0]->ev[0].count, 10000);
	assert_int_equal(fs.v[0]->ev[0].last_line, 10000);
	/* Different lines: at most EVIDENCE_MAX groups, the rest counted. */
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "propagation failed: case %c",
			 (char)('a' + i));
		match_line(&m, "x.log", 20000 + i, slice_cstr(line), NULL,
			   NULL, &in);
	}
	assert_int_equal(fs.v[0]->nev, EVIDENCE_MAX);
	assert_int_equal(fs.v[0]->ev_other, 20 - (EVIDENCE_MAX - 1));
	assert_string_equal(fs.v[0]->file, "x.log");
	match_free(&m);
	findings_free(&fs);
	input_free(&in);
	ruleset_free(&rs);
}

static void test_limit_reported(void **state)
{
	static const char bad[] =
		"rules:\n  - id: slow\n    title: A\n    patterns: ['(a+)+$']\n";
	struct ruleset rs;
	struct findings fs;
	struct matcher m;
	struct input in;
	char line[8192];

	(void)state;
	diag_set_quiet(1);
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "c.yaml", bad,
					     strlen(bad)), 0);
	findings_init(&fs);
	match_init(&m, &rs, &fs);
	input_init(&in, "t");
	memset(line, 'a', sizeof(line) - 2);
	line[sizeof(line) - 2] = 'b';
	line[sizeof(line) - 1] = '\0';
	match_line(&m, "big.log", 7, slice_cstr(line), NULL, NULL, &in);
	assert_int_equal(m.limit_hits, 1);
	assert_int_equal(in.nerrors, 1);
	assert_string_equal(in.errors[0].where, "big.log:7");
	assert_non_null(strstr(in.errors[0].message, "rule 'slow'"));
	match_free(&m);
	findings_free(&fs);
	input_free(&in);
	ruleset_free(&rs);
}

/*
 * Rules that share a regex or a path on one object: the subject memo
 * answers the second rule from the first's work, and must give what
 * running it would. Two rules with the same regex on the same path both
 * fire; a rule whose regex failed does not make another regex on the
 * same value fail; a path with several values is replayed in order, with
 * the first matching value ("one", not "two") as the evidence.
 */
static void test_shared_work(void **state)
{
	static const char rules[] =
		"rules:\n"
		"  - id: a-pending\n"
		"    title: A\n"
		"    match:\n"
		"      - object: {kind: Challenge, status.reason: {regex: 'must be pending'}}\n"
		"  - id: b-pending\n"
		"    title: B\n"
		"    match:\n"
		"      - object: {kind: Challenge, status.reason: {regex: 'must be pending'}}\n"
		"  - id: c-absent\n"
		"    title: C\n"
		"    match:\n"
		"      - object: {kind: Challenge, status.reason: {regex: 'no such text'}}\n"
		"  - id: d-other\n"
		"    title: D\n"
		"    match:\n"
		"      - object: {kind: Challenge, status.reason: {regex: 'authorization'}}\n"
		"  - id: e-second-name\n"
		"    title: E\n"
		"    match:\n"
		"      - object: {kind: Challenge, spec.items.name: {regex: 'o'}}\n"
		"  - id: f-second-name\n"
		"    title: F\n"
		"    match:\n"
		"      - object: {kind: Challenge, spec.items.name: {regex: 'o'}}\n";
	struct ruleset rs;
	struct findings fs;
	struct matcher m;
	struct fnode *root = fnode_new(FN_MAP, 1), *meta, *st, *spec, *names;
	struct kobject *o;
	size_t i;
	int seen[6] = { 0 };

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "r.yaml", rules,
					     strlen(rules)), 0);
	fnode_add_scalar(root, "kind", 4, "Challenge", 9, 1);
	meta = fnode_add(root, "metadata", 8, fnode_new(FN_MAP, 2));
	fnode_add_scalar(meta, "name", 4, "web-1", 5, 3);
	fnode_add_scalar(meta, "namespace", 9, "default", 7, 4);
	st = fnode_add(root, "status", 6, fnode_new(FN_MAP, 5));
	fnode_add_scalar(st, "reason", 6, "authorization must be pending", 29,
			 6);
	spec = fnode_add(root, "spec", 4, fnode_new(FN_MAP, 7));
	/* Two nodes at the end of one path: items[0].name, items[1].name. */
	names = fnode_add(spec, "items", 5, fnode_new(FN_LIST, 8));
	fnode_add_scalar(fnode_add(names, NULL, 0, fnode_new(FN_MAP, 9)),
			 "name", 4, "one", 3, 9);
	fnode_add_scalar(fnode_add(names, NULL, 0, fnode_new(FN_MAP, 10)),
			 "name", 4, "two", 3, 10);
	o = kobject_from_tree(root, ORIGIN_YAML, "c.yaml", 1);
	assert_non_null(o);
	findings_init(&fs);
	match_init(&m, &rs, &fs);
	match_object(&m, o, INT64_MIN, 0);
	findings_finish(&fs);
	for (i = 0; i < fs.n; i++)
		seen[fs.v[i]->rule->id[0] - 'a'] = 1;
	assert_int_equal(fs.n, 5);
	assert_true(seen[0] && seen[1] && !seen[2] && seen[3] && seen[4] &&
		    seen[5]);
	for (i = 0; i < fs.n; i++)
		if (fs.v[i]->rule->id[0] >= 'e')
			assert_string_equal(fs.v[i]->ev[0].text,
					    "spec.items.name: one");
	match_free(&m);
	findings_free(&fs);
	kobject_free(o);
	ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_values),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_evidence_bounded),
		cmocka_unit_test(test_limit_reported),
		cmocka_unit_test(test_shared_work),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
