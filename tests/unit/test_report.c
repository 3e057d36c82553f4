/*
 * Reports: the JSON report parsed back with cJSON (the v1 field names,
 * order by rank, nulls where unknown), the text report's escaping of
 * control characters, severity filtering, colour and wrapping, the
 * terminal decisions, hostile text in Markdown and HTML, NDJSON lines,
 * and redaction reaching every format.
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

static void write_hostile(void);
static void remove_hostile(void);

static int setup(void **state)
{
	FILE *f;

	(void)state;
	write_hostile();
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
	remove_hostile();
	return 0;
}

/* Analyze dir with the rules above and write the report in fmt. */
static void run_opts(struct buf *out, enum report_format fmt,
		     const struct report_opts *ro, const char *dir)
{
	struct ruleset rs;
	struct analysis a;

	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "r.yaml", rules_yaml,
					     strlen(rules_yaml)), 0);
	analysis_init(&a, &rs);
	assert_int_equal(analysis_add_path(&a, dir), 0);
	analysis_finish(&a);
	report_write(out, fmt, &a, ro);
	analysis_free(&a);
	ruleset_free(&rs);
}

static void run(struct buf *out, enum report_format fmt, enum severity min)
{
	struct report_opts ro;

	memset(&ro, 0, sizeof(ro));
	ro.min_severity = min;
	run_opts(out, fmt, &ro, tmpdir);
}

/* A second input, in its own directory: hostile text and secrets. */
static char hdir[64], hpath[128];

static const char hostile_text[] =
	"Contact emails @ex<b>*x*_[y](z)``` are forbidden "
	"<script>window.__pwned=1</script> password=Hunter2Planted\n"
	"```\n# not a heading\n"
	" Authorization: Bearer PlantedBearer0123456789\n"
	"noise </script><img src=x onerror=alert(1)> & \u2028 AKIAPLANTED0KEY12345\n";

static void write_hostile(void)
{
	FILE *f;
	size_t i;

	strcpy(hdir, "/tmp/ktriage-test-XXXXXX");
	assert_non_null(mkdtemp(hdir));
	snprintf(hpath, sizeof(hpath), "%s/describe.txt", hdir);
	f = fopen(hpath, "w");
	assert_non_null(f);
	fputs("Name:         letsencrypt\nNamespace:    \n"
	      "Kind:         ClusterIssuer\nStatus:\n    Message:  ", f);
	/* One long line: the message, then more lines for the noise rule. */
	for (i = 0; hostile_text[i]; i++)
		fputc(hostile_text[i], f);
	fclose(f);
}

static void remove_hostile(void)
{
	unlink(hpath);
	rmdir(hdir);
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

/* Columns of the widest line, counting UTF-8 characters, not SGR. */
static int widest(const char *p)
{
	int col = 0, max = 0;

	for (; *p; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (*p == '\x1b') {
			while (*p && *p != 'm')
				p++;
			continue;
		}
		if (((unsigned char)*p & 0xc0) != 0x80 && ++col > max)
			max = col;
	}
	return max;
}

static void test_text_color_and_wrap(void **state)
{
	struct buf plain = BUF_INIT, out = BUF_INIT;
	struct report_opts ro;
	const char *p;

	(void)state;
	memset(&ro, 0, sizeof(ro));
	run_opts(&plain, FORMAT_TEXT, &ro, tmpdir);
	/* Not a terminal: no colour, nothing wrapped. */
	assert_null(memchr(plain.p, '\x1b', plain.len));
	ro.color = 1;
	run_opts(&out, FORMAT_TEXT, &ro, tmpdir);
	assert_non_null(strstr(out.p, "\x1b[1;31m#1 CRITICAL\x1b[0m"));
	/* Input escapes stay escaped even with colour on. */
	assert_non_null(strstr(out.p, "\\x1b[31mred"));
	buf_reset(&out);
	ro.color = 0;
	ro.width = 50;
	run_opts(&out, FORMAT_TEXT, &ro, hdir);
	assert_true(widest(plain.p) > 50);
	/* Every line fits, except a single word longer than the room. */
	for (p = out.p; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p);

		if (n > 50 && memchr(p + 10, ' ', n - 10))
			fail_msg("line wider than 50: %.*s", (int)n, p);
		p = nl + 1;
	}
	/* A wrapped evidence line goes on indented under itself. */
	assert_non_null(strstr(out.p, "\n         "));
	buf_free(&plain);
	buf_free(&out);
}

static void test_terminal_opts(void **state)
{
	static const struct {
		struct report_term t;
		enum color_mode cm;
		long width;
		int color, want_width;
	} c[] = {
		/* tty, cols, TERM, NO_COLOR, COLUMNS */
		{ { 1, 120, "xterm", NULL, NULL }, COLOR_AUTO, -1, 1, 120 },
		{ { 1, 0, "xterm", NULL, "90" }, COLOR_AUTO, -1, 1, 90 },
		{ { 1, 0, "xterm", NULL, NULL }, COLOR_AUTO, -1, 1, 100 },
		{ { 1, 0, "xterm", NULL, "junk" }, COLOR_AUTO, -1, 1, 100 },
		{ { 1, 80, "dumb", NULL, NULL }, COLOR_AUTO, -1, 0, 80 },
		{ { 1, 80, "xterm", "1", NULL }, COLOR_AUTO, -1, 0, 80 },
		{ { 1, 80, "xterm", "", NULL }, COLOR_AUTO, -1, 1, 80 },
		{ { 1, 80, "xterm", "1", NULL }, COLOR_ALWAYS, -1, 1, 80 },
		{ { 1, 80, "xterm", NULL, NULL }, COLOR_NEVER, -1, 0, 80 },
		{ { 1, 80, "xterm", NULL, NULL }, COLOR_AUTO, 0, 1, 0 },
		{ { 1, 10, "xterm", NULL, NULL }, COLOR_AUTO, -1, 1, 40 },
		{ { 0, 0, "xterm", NULL, "90" }, COLOR_AUTO, -1, 0, 0 },
		{ { 0, 0, NULL, NULL, NULL }, COLOR_ALWAYS, 72, 1, 72 },
		{ { 0, 0, NULL, NULL, NULL }, COLOR_AUTO, 72, 0, 72 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct report_opts ro;

		memset(&ro, 0, sizeof(ro));
		report_terminal(&ro, c[i].cm, c[i].width, &c[i].t);
		if (ro.color != c[i].color || ro.width != c[i].want_width)
			fail_msg("case %zu: color %d width %d, want %d %d", i,
				 ro.color, ro.width, c[i].color,
				 c[i].want_width);
	}
}

/* What must not appear in any format: planted secrets and live markup. */
static void no_secrets(const char *what, const char *out)
{
	static const char *const secrets[] = {
		"Hunter2Planted", "PlantedBearer0123456789",
		"AKIAPLANTED0KEY12345",
	};
	size_t i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(out, secrets[i]))
			fail_msg("%s shows %s", what, secrets[i]);
}

static void test_markdown_hostile(void **state)
{
	struct buf out = BUF_INIT;
	struct report_opts ro;
	const char *p;

	(void)state;
	memset(&ro, 0, sizeof(ro));
	run_opts(&out, FORMAT_MARKDOWN, &ro, hdir);
	no_secrets("markdown", out.p);
	/* The captured domain in the message: escaped inline text. */
	assert_non_null(strstr(out.p, "forbidden ex\\<b\\>\\*x\\*\\_"
			       "\\[y\\](z)\\`\\`\\`"));
	/* Inside a fence, markup is text. */
	assert_non_null(strstr(out.p, "forbidden <script>window.__pwned=1"));
	/* Evidence with ``` inside gets a longer fence. */
	assert_non_null(strstr(out.p, "\n````text\n"));
	for (p = out.p; (p = strstr(p, "\n```")) != NULL; p++)
		if (p[4] != '`' && strncmp(p + 4, "text", 4) &&
		    p[4] != '\n')
			fail_msg("a fence opened by the input: %.40s", p);
	assert_non_null(strstr(out.p, "# ktriage report\n"));
	assert_non_null(strstr(out.p, "### 1. CRITICAL: E-mail rejected"));
	buf_free(&out);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static void test_html_hostile(void **state)
{
	struct buf out = BUF_INIT;
	struct report_opts ro;
	const char *js;

	(void)state;
	memset(&ro, 0, sizeof(ro));
	run_opts(&out, FORMAT_HTML, &ro, hdir);
	no_secrets("html", out.p);
	/* Only the page's own two script elements, and no injected img. */
	assert_int_equal(count(out.p, "<script"), 2);
	assert_int_equal(count(out.p, "</script>"), 2);
	assert_null(strstr(out.p, "<img"));
	assert_non_null(strstr(out.p, "&lt;script&gt;window.__pwned=1"
			       "&lt;/script&gt;"));
	assert_non_null(strstr(out.p, "&lt;img src=x onerror=alert(1)&gt;"));
	/* Nothing is fetched: no element has a src attribute. */
	assert_null(strstr(out.p, " src=\""));
	assert_non_null(strstr(out.p, "Content-Security-Policy\" content=\""
			       "default-src 'none'"));
	/* The embedded JSON cannot end its element early. */
	js = strstr(out.p, "id=\"ktriage-report\">");
	assert_non_null(js);
	assert_true(strstr(js, "</script>") > strstr(js, "\"schema\""));
	assert_null(strstr(js, "\xe2\x80\xa8"));
	assert_non_null(strstr(out.p, "<section id=\"timeline\">"));
	assert_non_null(strstr(out.p, "<tbody class=\"f\" id=\"f1\""));
	buf_free(&out);
}

static void test_ndjson_and_redaction(void **state)
{
	struct buf out = BUF_INIT;
	struct report_opts ro;
	const char *p;
	int lines = 0;
	static const enum report_format fmts[] = {
		FORMAT_TEXT, FORMAT_JSON, FORMAT_NDJSON, FORMAT_MARKDOWN,
		FORMAT_HTML,
	};
	size_t i;

	(void)state;
	memset(&ro, 0, sizeof(ro));
	run_opts(&out, FORMAT_NDJSON, &ro, tmpdir);
	for (p = out.p; *p; p = strchr(p, '\n') + 1) {
		char *line = xstrndup(p, (size_t)(strchr(p, '\n') - p));
		cJSON *j = cJSON_Parse(line);

		assert_non_null(j);
		assert_int_equal(cJSON_GetObjectItem(j, "rank")->valueint,
				 ++lines);
		assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "input")));
		assert_non_null(cJSON_GetObjectItem(j, "bundle_time"));
		assert_non_null(strstr(cJSON_GetArrayItem(cJSON_GetObjectItem(
			j, "input"), 0)->valuestring, "ktriage-test-"));
		cJSON_Delete(j);
		free(line);
	}
	assert_int_equal(lines, 2);
	/* Secrets reach no format; --no-redact shows them (the control). */
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		buf_reset(&out);
		ro.no_redact = 0;
		run_opts(&out, fmts[i], &ro, hdir);
		no_secrets("a report", out.p);
		buf_reset(&out);
		ro.no_redact = 1;
		run_opts(&out, fmts[i], &ro, hdir);
		assert_non_null(strstr(out.p, "Hunter2Planted"));
	}
	buf_free(&out);
}

/*
 * Reports go out as they are written, in every format: a report listing
 * 6,000 Certificates reaches flush in pieces of REPORT_SPILL bytes or
 * more, which make the same report as one written whole (the JSON one
 * printed a part at a time as cJSON would print the whole tree; the
 * HTML one with its embedded JSON escaped piece by piece).
 */
struct spilled {
	struct buf all;
	unsigned calls, small;
};

static void collect(struct buf *out, void *ctx)
{
	struct spilled *sp = ctx;

	sp->calls++;
	sp->small += out->len < REPORT_SPILL;
	buf_add(&sp->all, out->p, out->len);
	buf_reset(out);
}

/* JSON printed a part at a time is what cJSON prints for the whole. */
static void same_as_cjson(const struct buf *json)
{
	cJSON *root = cJSON_Parse(json->p);
	char *again;

	assert_non_null(root);
	again = cJSON_Print(root);
	assert_non_null(again);
	assert_int_equal(strlen(again) + 1, json->len);
	assert_memory_equal(again, json->p, strlen(again));
	assert_int_equal(json->p[json->len - 1], '\n');
	cJSON_free(again);
	cJSON_Delete(root);
}

/* The same for a report with findings (evidence, chains, captures). */
static void test_json_as_cjson(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	run(&out, FORMAT_JSON, SEV_INFO);
	same_as_cjson(&out);
	buf_free(&out);
	run_opts(&out, FORMAT_JSON, &(struct report_opts){ .top = 1 }, hdir);
	same_as_cjson(&out);
	buf_free(&out);
}

static void test_report_spill(void **state)
{
	static const enum report_format fmts[] = {
		FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_JSON, FORMAT_HTML,
	};
	char dir[64], file[128];
	FILE *f;
	size_t i, k;

	(void)state;
	strcpy(dir, "/tmp/ktriage-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/certificates.yaml", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("apiVersion: v1\nitems:\n", f);
	for (i = 0; i < 6000; i++)
		fprintf(f, "- apiVersion: cert-manager.io/v1\n"
			"  kind: Certificate\n  metadata:\n"
			"    name: app-%zu-tls\n    namespace: shop\n"
			"  spec:\n    secretName: app-%zu-tls\n"
			"  status:\n    conditions:\n"
			"    - message: Issuing certificate as Secret does not "
			"exist\n      reason: DoesNotExist\n"
			"      status: \"False\"\n      type: Ready\n", i, i);
	fputs("kind: List\nmetadata:\n  resourceVersion: \"\"\n", f);
	fclose(f);
	for (k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		struct buf whole = BUF_INIT, out = BUF_INIT;
		struct spilled sp;
		struct report_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.min_severity = SEV_INFO;
		run_opts(&whole, fmts[k], &ro, dir);
		memset(&sp, 0, sizeof(sp));
		ro.flush = collect;
		ro.flush_ctx = &sp;
		run_opts(&out, fmts[k], &ro, dir);
		buf_add(&sp.all, out.p, out.len);
		assert_true(whole.len > 4 * REPORT_SPILL);
		assert_int_equal(sp.all.len, whole.len);
		assert_memory_equal(sp.all.p, whole.p, whole.len);
		assert_int_equal(sp.small, 0);
		assert_true(sp.calls >= 4);
		assert_true(out.len < 2 * REPORT_SPILL);
		if (fmts[k] == FORMAT_JSON)
			same_as_cjson(&whole);
		buf_free(&whole);
		buf_free(&out);
		buf_free(&sp.all);
	}
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_text_escapes_and_filters),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_text_color_and_wrap),
		cmocka_unit_test(test_terminal_opts),
		cmocka_unit_test(test_markdown_hostile),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_ndjson_and_redaction),
		cmocka_unit_test(test_json_as_cjson),
		cmocka_unit_test(test_report_spill),
	};

	diag_set_quiet(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
