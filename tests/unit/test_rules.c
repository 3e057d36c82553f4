/*
 * Rule loading: a valid file, every kind of broken file (each must be
 * rejected with an error count), and the examples self-test.
 */
#include "cm.h"

#include <string.h>

#include "diag.h"
#include "rules.h"

static const char good[] =
	"rules:\n"
	"  - id: acme-invalid-email\n"
	"    title: E-mail rejected\n"
	"    severity: critical\n"
	"    confidence: 0.9\n"
	"    category: issuer\n"
	"    tags: [acme]\n"
	"    patterns:\n"
	"      - 'invalid(?:Email|Contact)'\n"
	"      - 'Contact emails @(?<domain>[^ ]+) are forbidden'\n"
	"    message: 'rejected {{domain}}'\n"
	"    remediation: |\n"
	"      Fix it.\n"
	"    docs: [https://cert-manager.io/docs/troubleshooting/acme/]\n"
	"    examples:\n"
	"      match:\n"
	"        - text: 'Contact emails @example.com are forbidden'\n"
	"          captures: { domain: example.com }\n"
	"        - 'error:invalidContact: x'\n"
	"      no_match:\n"
	"        - 'verified existing registration'\n"
	"  - id: second-rule\n"
	"    title: Second\n"
	"    patterns: 'abc'\n";

static void test_load_good(void **state)
{
	struct ruleset rs;
	const struct rule *r;
	unsigned long total = 0;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "good.yaml", good,
					     strlen(good)), 0);
	assert_int_equal(rs.n, 2);
	r = ruleset_find(&rs, "acme-invalid-email");
	assert_non_null(r);
	assert_int_equal(r->severity, SEV_CRITICAL);
	assert_int_equal(r->npatterns, 2);
	assert_int_equal(r->ndocs, 1);
	assert_int_equal(r->nmatch_ex, 2);
	assert_int_equal(r->nnomatch_ex, 1);
	assert_string_equal(r->match_ex[0].cap_values[0], "example.com");
	assert_int_equal(r->loc.line, 2);
	assert_int_equal(r->patterns[1].loc.line, 10);
	assert_int_equal(r->patterns[1].loc.col, 9);
	/* Defaults for what a rule leaves out. */
	r = ruleset_find(&rs, "second-rule");
	assert_int_equal(r->severity, SEV_MEDIUM);
	assert_string_equal(r->message, "Second");
	assert_int_equal(ruleset_self_test(&rs, &total), 0);
	assert_int_equal(total, 3);
	ruleset_free(&rs);
}

/* Each broken rule file must give at least one error. */
static void test_load_broken(void **state)
{
	static const char *const cases[] = {
		/* bad regex */
		"rules:\n  - id: a\n    title: A\n    patterns: ['(unclosed']\n",
		/* unknown key */
		"rules:\n  - id: a\n    title: A\n    patterns: [x]\n    sevrity: high\n",
		/* bad severity */
		"rules:\n  - id: a\n    title: A\n    severity: urgent\n    patterns: [x]\n",
		/* duplicate id */
		"rules:\n  - id: a\n    title: A\n    patterns: [x]\n  - id: a\n    title: B\n    patterns: [y]\n",
		/* id not kebab-case */
		"rules:\n  - id: Bad_Id\n    title: A\n    patterns: [x]\n",
		/* no patterns */
		"rules:\n  - id: a\n    title: A\n",
		/* no title */
		"rules:\n  - id: a\n    patterns: [x]\n",
		/* YAML syntax error */
		"rules:\n  - id: a\n    title: [unclosed\n",
		/* unknown top-level key */
		"rulez:\n  - id: a\n",
		/* confidence out of range */
		"rules:\n  - id: a\n    title: A\n    confidence: 2\n    patterns: [x]\n",
		/* unclosed placeholder */
		"rules:\n  - id: a\n    title: A\n    message: 'x {{y'\n    patterns: [x]\n",
		/* example without text */
		"rules:\n  - id: a\n    title: A\n    patterns: [x]\n    examples:\n      match:\n        - captures: {a: b}\n",
	};
	size_t i;

	(void)state;
	diag_set_quiet(1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ruleset rs;
		int errors;

		ruleset_init(&rs);
		errors = ruleset_load_buffer(&rs, "bad.yaml", cases[i],
					     strlen(cases[i]));
		if (errors == 0)
			fail_msg("case %zu loaded without error", i);
		ruleset_free(&rs);
	}
}

static void test_self_test_failures(void **state)
{
	static const char wrong[] =
		"rules:\n"
		"  - id: a\n"
		"    title: A\n"
		"    patterns: ['code (?<code>\\d+)']\n"
		"    examples:\n"
		"      match:\n"
		"        - text: 'code 404'\n"
		"          captures: { code: '500' }\n"
		"        - 'nothing here'\n"
		"      no_match:\n"
		"        - 'code 200'\n";
	struct ruleset rs;
	unsigned long total = 0;

	(void)state;
	diag_set_quiet(1);
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "w.yaml", wrong,
					     strlen(wrong)), 0);
	/* A wrong capture, a match example that does not match, a no_match
	 * example that does. */
	assert_int_equal(ruleset_self_test(&rs, &total), 3);
	assert_int_equal(total, 3);
	ruleset_free(&rs);
}

static void test_match_limit(void **state)
{
	static const char bad[] =
		"rules:\n  - id: a\n    title: A\n    patterns: ['(a+)+$']\n";
	struct ruleset rs;
	pcre2_match_data *md;
	char subject[4096];

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "c.yaml", bad,
					     strlen(bad)), 0);
	memset(subject, 'a', sizeof(subject) - 1);
	subject[sizeof(subject) - 2] = 'b';
	subject[sizeof(subject) - 1] = '\0';
	md = pcre2_match_data_create(8, NULL);
	/* Catastrophic backtracking ends at the limit, not in a hang. */
	assert_int_equal(pattern_match(&rs, &rs.rules[0].patterns[0], subject,
				       strlen(subject), md), -1);
	pcre2_match_data_free(md);
	ruleset_free(&rs);
}

static void test_severity_names(void **state)
{
	(void)state;
	assert_int_equal(severity_parse("info"), SEV_INFO);
	assert_int_equal(severity_parse("critical"), SEV_CRITICAL);
	assert_int_equal(severity_parse("CRITICAL"), -1);
	assert_string_equal(severity_name(SEV_HIGH), "high");
}

static void test_embedded_pack_loads(void **state)
{
	struct ruleset rs;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_embedded(&rs), 0);
	ruleset_free(&rs);
}

/*
 * The literal check before PCRE2: a subject without any literal of the
 * regex is a no-match without running it; the literal is found in any
 * case and anywhere (first and last byte, after near misses); and the
 * answer is PCRE2's wherever a literal is there.
 */
static void test_literal_gate(void **state)
{
	static const char rules[] =
		"rules:\n"
		"  - id: gate\n"
		"    title: Gate\n"
		"    patterns: '(?i)^(?:.*?too many (?<what>\\w+)|.*?rate[- ]limited)'\n";
	static const struct {
		const char *subject;
		int want;
	} cases[] = {
		{ "too many certificates", 1 },
		{ "error: TOO MANY orders", 1 },
		{ "tOo MaNy x", 1 },
		{ "ttoo manny; to many; too  many", 0 },
		{ "nothing here", 0 },
		{ "", 0 },
		{ "ratelimited", 0 },
		{ "was rate-limited", 1 },
		{ "RATE LIMITED", 1 },
		{ "too many ", 0 },		/* the literal, but no \w after */
	};
	struct ruleset rs;
	const struct rule *r;
	pcre2_match_data *md;
	size_t i;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "gate.yaml", rules,
					     strlen(rules)), 0);
	r = ruleset_find(&rs, "gate");
	assert_non_null(r);
	assert_int_equal(r->patterns[0].nlits, 2);
	assert_string_equal(r->patterns[0].lits[0], "too many ");
	md = pcre2_match_data_create(8, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *sj = cases[i].subject;

		if (pattern_match(&rs, &r->patterns[0], sj, strlen(sj), md) !=
		    cases[i].want)
			fail_msg("'%s' should %smatch", sj,
				 cases[i].want ? "" : "not ");
	}
	pcre2_match_data_free(md);
	ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_literal_gate),
		cmocka_unit_test(test_load_broken),
		cmocka_unit_test(test_self_test_failures),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_embedded_pack_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
