/* Option parsing: every option, the subcommands, and the usage errors. */
#include "cm.h"

#include <string.h>

#include "cli.h"
#include "diag.h"

static int parse(struct options *o, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"ktriage";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return cli_parse(argc, argv, o);
}

static void test_defaults(void **state)
{
	const char *args[] = { "bundle.tar.gz", NULL };
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, args), 0);
	assert_int_equal(o.cmd, CMD_ANALYZE);
	assert_int_equal(o.npaths, 1);
	assert_string_equal(o.paths[0], "bundle.tar.gz");
	assert_int_equal(o.format, FORMAT_TEXT);
	assert_int_equal(o.fail_on, SEV_HIGH);
	assert_int_equal(o.min_severity, SEV_INFO);
	assert_false(o.no_default_rules);
	cli_free(&o);
}

static void test_all_options(void **state)
{
	const char *args[] = { "-r", "a.yaml", "--rules", "dir", "-f", "json",
		"-o", "out.json", "--min-severity", "medium", "--fail-on",
		"none", "--no-default-rules", "-q", "--strict", "--top", "3",
		"x", "-", NULL };
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, args), 0);
	assert_int_equal(o.nrule_paths, 2);
	assert_string_equal(o.rule_paths[1], "dir");
	assert_int_equal(o.format, FORMAT_JSON);
	assert_string_equal(o.output, "out.json");
	assert_int_equal(o.min_severity, SEV_MEDIUM);
	assert_int_equal(o.fail_on, -1);
	assert_true(o.no_default_rules);
	assert_true(o.quiet);
	assert_true(o.strict);
	assert_int_equal(o.top, 3);
	assert_int_equal(o.npaths, 2);
	assert_string_equal(o.paths[1], "-");
	cli_free(&o);
}

static void test_usage_errors(void **state)
{
	static const char *const cases[][4] = {
		{ "--bogus", "x", NULL },
		{ "-f", "xml", "x", NULL },
		{ "--min-severity", "urgent", "x", NULL },
		{ "--fail-on", "sometimes", "x", NULL },
		{ "--top", "0", "x", NULL },
		{ "-r", NULL },
		{ NULL },
		{ "rules", NULL },
		{ "rules", "lint", NULL },
	};
	size_t i;

	(void)state;
	diag_set_quiet(1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o;

		assert_int_equal(parse(&o, cases[i]), -1);
		cli_free(&o);
	}
}

static void test_subcommands(void **state)
{
	const char *list[] = { "rules", "list", NULL };
	const char *lint[] = { "rules", "lint", "a.yaml", NULL };
	const char *test[] = { "rules", "test", "rules/", NULL };
	const char *help[] = { "x", "--help", NULL };
	const char *ver[] = { "-V", NULL };
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, list), 0);
	assert_int_equal(o.cmd, CMD_RULES_LIST);
	assert_int_equal(o.npaths, 0);
	cli_free(&o);
	assert_int_equal(parse(&o, lint), 0);
	assert_int_equal(o.cmd, CMD_RULES_LINT);
	assert_string_equal(o.paths[0], "a.yaml");
	cli_free(&o);
	assert_int_equal(parse(&o, test), 0);
	assert_int_equal(o.cmd, CMD_RULES_TEST);
	cli_free(&o);
	assert_int_equal(parse(&o, help), 0);
	assert_int_equal(o.cmd, CMD_HELP);
	cli_free(&o);
	assert_int_equal(parse(&o, ver), 0);
	assert_int_equal(o.cmd, CMD_VERSION);
	cli_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_subcommands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
