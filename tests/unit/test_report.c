/*
 * Reports: the JSON report parsed back with cJSON (the v1 field names,
 * order by rank, nulls where unknown), the text report's escaping of
 * control characters, and severity filtering.
 */
#include "cm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "buf.h"
#include "diag.h"
#include "escape.h"
#include "report.h"
#include "rules.h"

static const char rules_yaml[] =
	"rules:\n"
	"  - id: bad-email\n"
	"    title: E-mail rejected\n"
	"    severity: critical\n"
	"    patterns: ['Contact emails @(?<domain>\\S+) are forbidden']\n"
	"    message: 'forbidden {{domain}}'\n"
	"    remediation: 'Use a real address.'\n"
	"    docs: [https://cert-manager.io/docs/troubleshooting/acme/]\n"
	"  - id: noise\n"
	"    title: Noise\n"
	"    severity: low\n"
	"    patterns: ['noise']\n";

static const char input_text[] =
	"Name:         letsencrypt\n"
	"Namespace:    \n"
	"Kind:         ClusterIssuer\n"
	"Status:\n"
	"    Message:  Contact emails @example.com are forbidden\n"
	"noise \x1b[31mred\x1b[0m \xff\n";

static char tmpdir[64];
static char path[128];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	strcpy(tmpdir, "/tmp/ktriage-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/describe.txt", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(input_text, f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static void run(struct buf *out, enum report_format fmt, enum severity min)
{
	struct ruleset rs;
	struct analysis a;
	struct report_opts ro = { min, 0 };

	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "r.yaml", rules_yaml,
					     strlen(rules_yaml)), 0);
	analysis_init(&a, &rs);
	assert_int_equal(analysis_add_path(&a, tmpdir), 0);
	analysis_finish(&a);
	if (fmt == FORMAT_JSON)
		report_json(out, &a, &ro);
	else
		report_text(out, &a, &ro);
	analysis_free(&a);
	ruleset_free(&rs);
}

static void test_json_roundtrip(void **state)
{
	struct buf out = BUF_INIT;
	cJSON *root, *f, *res, *ev, *in;

	(void)state;
	run(&out, FORMAT_JSON, SEV_INFO);
	root = cJSON_Parse(out.p);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "schema")->valuestring,
			    "ktriage.report/v1");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root,
		"tool"), "name")->valuestring, "ktriage");
	in = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "inputs"), 0);
	assert_int_equal(cJSON_GetObjectItem(in, "files")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(in, "bytes")->valueint,
			 (int)strlen(input_text));
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(in, "errors")));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root,
		"summary"), "findings")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(root, "summary"), "by_severity"),
		"critical")->valueint, 1);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "findings"), 0);
	assert_int_equal(cJSON_GetObjectItem(f, "rank")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(f, "rule")->valuestring,
			    "bad-email");
	assert_string_equal(cJSON_GetObjectItem(f, "severity")->valuestring,
			    "critical");
	assert_string_equal(cJSON_GetObjectItem(f, "message")->valuestring,
			    "forbidden example.com");
	res = cJSON_GetObjectItem(f, "resource");
	assert_string_equal(cJSON_GetObjectItem(res, "kind")->valuestring,
			    "ClusterIssuer");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(res, "namespace")));
	assert_string_equal(cJSON_GetObjectItem(res, "name")->valuestring,
			    "letsencrypt");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(f, "first_seen")));
	assert_int_equal(cJSON_GetObjectItem(f, "count")->valueint, 1);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(f, "score")));
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(f, "docs")));
	ev = cJSON_GetArrayItem(cJSON_GetObjectItem(f, "evidence"), 0);
	assert_int_equal(cJSON_GetObjectItem(ev, "line")->valueint, 5);
	assert_non_null(strstr(cJSON_GetObjectItem(ev, "source")->valuestring,
			       "describe.txt"));
	/* The second finding carries invalid UTF-8 and escapes: still JSON. */
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "findings"), 1);
	assert_int_equal(cJSON_GetObjectItem(f, "rank")->valueint, 2);
	ev = cJSON_GetArrayItem(cJSON_GetObjectItem(f, "evidence"), 0);
	assert_non_null(strstr(cJSON_GetObjectItem(ev, "text")->valuestring,
			       "\xef\xbf\xbd"));
	cJSON_Delete(root);
	buf_free(&out);
}

static void test_text_escapes_and_filters(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	run(&out, FORMAT_TEXT, SEV_INFO);
	assert_null(memchr(out.p, '\x1b', out.len));
	assert_non_null(strstr(out.p, "\\x1b[31mred"));
	assert_non_null(strstr(out.p, "#1 CRITICAL  E-mail rejected"));
	assert_non_null(strstr(out.p, "Resource: ClusterIssuer/letsencrypt"));
	buf_free(&out);
	run(&out, FORMAT_TEXT, SEV_HIGH);
	assert_null(strstr(out.p, "Noise"));
	assert_non_null(strstr(out.p, "1 finding (1 critical)"));
	buf_free(&out);
}

static void test_escape_utf8(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad\xff", "bad\xef\xbf\xbd" },
		{ "trunc\xe2\x82", "trunc\xef\xbf\xbd\xef\xbf\xbd" },
		{ "overlong\xc0\xaf", "overlong\xef\xbf\xbd\xef\xbf\xbd" },
		{ "surrogate\xed\xa0\x80", "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		escape_utf8(&b, slice_cstr(cases[i].in));
		assert_string_equal(buf_str(&b), cases[i].want);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_text_escapes_and_filters),
		cmocka_unit_test(test_escape_utf8),
	};

	diag_set_quiet(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
