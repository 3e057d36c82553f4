/*
 * Controller log records: every payload generation of Appendix A (the
 * reference's literal examples, names changed), collector prefixes,
 * continuation lines, year rollover, and value decoding.
 */
#include "cm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "logrec.h"
#include "object.h"
#include "util.h"

static struct buf scratch;

static const char *value(const struct logrec *r, const char *key)
{
	int i = logrec_find(r, key);

	if (i < 0)
		return NULL;
	buf_reset(&scratch);
	logrec_decode(r->kv[i].value, r->kv[i].quoted, &scratch);
	return buf_str(&scratch);
}

static const char *dec(struct slice s, int quoted)
{
	buf_reset(&scratch);
	logrec_decode(s, quoted, &scratch);
	return buf_str(&scratch);
}

static void test_generations(void **state)
{
	struct logrec r;

	(void)state;
	/* G0: free text (cert-manager <= v0.8) */
	assert_true(logrec_parse_line(slice_cstr(
		"E0313 10:11:12.123456       1 sync.go:171] propagation check failed: DNS record for \"example.com\" not yet propagated"), &r));
	assert_int_equal(r.fmt, LOGFMT_TEXT);
	assert_int_equal(r.level, 'E');
	assert_string_equal(dec(r.caller, 0), "sync.go:171");
	assert_string_equal(dec(r.msg, 0), "propagation check failed: DNS record for \"example.com\" not yet propagated");

	/* G2: klogr with the /controller/ logger */
	assert_true(logrec_parse_line(slice_cstr(
		"E0111 11:33:23.444981       1 sync.go:186] cert-manager/controller/challenges \"msg\"=\"propagation check failed\" \"error\"=\"wrong status code '503', expected '200'\" \"dnsName\"=\"api.example.com\" \"resource_kind\"=\"Challenge\" \"resource_name\"=\"api-tls-2bnht-2824239067-1373156968\" \"resource_namespace\"=\"default\" \"resource_version\"=\"v1\" \"type\"=\"HTTP-01\""), &r));
	assert_int_equal(r.fmt, LOGFMT_KLOGR);
	assert_string_equal(dec(r.logger, 0), "cert-manager/controller/challenges");
	assert_string_equal(dec(r.msg, r.msg_quoted), "propagation check failed");
	assert_string_equal(dec(r.err, r.err_quoted), "wrong status code '503', expected '200'");
	assert_string_equal(value(&r, "resource_name"), "api-tls-2bnht-2824239067-1373156968");
	assert_string_equal(value(&r, "type"), "HTTP-01");
	assert_int_equal(r.time.mon, 1);
	assert_int_equal(r.time.day, 11);
	assert_int_equal(r.time.ms, (11 * 3600 + 33 * 60 + 23) * 1000 + 444);

	/* G3 with escaped quotes in the error and a trailing space */
	assert_true(logrec_parse_line(slice_cstr(
		"E1002 17:18:52.247205       1 sync.go:186] cert-manager/challenges \"msg\"=\"propagation check failed\" \"error\"=\"Could not determine authoritative nameservers for \\\"_acme-challenge.example.com.\\\"\" \"dnsName\"=\"example.com\" \"type\"=\"DNS-01\" "), &r));
	assert_string_equal(dec(r.logger, 0), "cert-manager/challenges");
	assert_string_equal(dec(r.err, r.err_quoted), "Could not determine authoritative nameservers for \"_acme-challenge.example.com.\"");

	/* G4: klog structured text (v1.14+) */
	assert_true(logrec_parse_line(slice_cstr(
		"E0501 09:58:13.512345       1 setup.go:335] \"failed to register an ACME account\" err=\"400 urn:ietf:params:acme:error:invalidContact: Error validating contact(s) :: contact email has forbidden domain \\\"example.com\\\"\" logger=\"cert-manager.controller\" resource_name=\"letsencrypt-prod\" resource_namespace=\"\" resource_kind=\"ClusterIssuer\" resource_version=\"v1\""), &r));
	assert_int_equal(r.fmt, LOGFMT_KLOG_KV);
	assert_string_equal(dec(r.msg, r.msg_quoted), "failed to register an ACME account");
	assert_string_equal(dec(r.logger, 0), "cert-manager.controller");
	assert_string_equal(dec(r.err, r.err_quoted), "400 urn:ietf:params:acme:error:invalidContact: Error validating contact(s) :: contact email has forbidden domain \"example.com\"");
	assert_string_equal(value(&r, "resource_kind"), "ClusterIssuer");
	assert_string_equal(value(&r, "resource_namespace"), "");

	/* G4 info with an `error` key and unquoted values */
	assert_true(logrec_parse_line(slice_cstr(
		"I1005 19:55:21.657677       1 controller.go:152] \"re-queuing item due to optimistic locking on resource\" logger=\"cert-manager.controller\" error=\"Operation cannot be fulfilled\" v=2"), &r));
	assert_int_equal(r.level, 'I');
	assert_string_equal(dec(r.err, r.err_quoted), "Operation cannot be fulfilled");
	assert_string_equal(value(&r, "v"), "2");

	/* JSON logging */
	assert_true(logrec_parse_line(slice_cstr(
		"{\"ts\":1731962429714.193,\"caller\":\"acmechallenges/sync.go:403\",\"msg\":\"error waiting for authorization\",\"logger\":\"cert-manager.controller.acceptChallenge\",\"resource_name\":\"web-cert-1\",\"resource_namespace\":\"shop\",\"resource_kind\":\"Challenge\",\"dnsName\":\"shop.example.com\",\"type\":\"HTTP-01\",\"err\":\"context deadline exceeded\"}"), &r));
	assert_int_equal(r.fmt, LOGFMT_JSON);
	assert_int_equal(r.level, 'E');
	assert_true(r.time.absolute);
	assert_int_equal(r.time.ms, 1731962429714LL);
	assert_string_equal(dec(r.caller, 1), "acmechallenges/sync.go:403");
	assert_string_equal(dec(r.err, r.err_quoted), "context deadline exceeded");
	assert_string_equal(dec(r.logger, 1), "cert-manager.controller.acceptChallenge");
	assert_string_equal(value(&r, "resource_namespace"), "shop");

	/* JSON info with "v" last and \u003c escapes */
	assert_true(logrec_parse_line(slice_cstr(
		"{\"ts\":1708340302771.8833,\"caller\":\"x.go:1\",\"msg\":\"reason \\u003credacted\\u003e \\u0026 done\",\"v\":0}"), &r));
	assert_int_equal(r.level, 'I');
	assert_string_equal(dec(r.msg, r.msg_quoted), "reason <redacted> & done");

	/*
	 * Escaped quotes and backslashes in long JSON strings, on both sides
	 * of sixteen-byte boundaries, and a key after them.
	 */
	assert_true(logrec_parse_line(slice_cstr(
		"{\"ts\":1708340302.5,\"msg\":\"a long message that says \\\"quoted\\\" "
		"then a path C:\\\\dir\\\\ and \\\"more\\\" to pass sixteen bytes\","
		"\"err\":\"x\\\\\",\"resource_name\":\"web-\\\"1\\\"\",\"level\":\"error\"}"),
		&r));
	assert_string_equal(dec(r.msg, r.msg_quoted), "a long message that says "
			    "\"quoted\" then a path C:\\dir\\ and \"more\" to "
			    "pass sixteen bytes");
	assert_string_equal(dec(r.err, r.err_quoted), "x\\");
	assert_string_equal(value(&r, "resource_name"), "web-\"1\"");
	assert_int_equal(r.level, 'E');
	assert_int_equal(r.time.ms, 1708340302500LL);

	/* Not records */
	assert_false(logrec_parse_line(slice_cstr("goroutine 1 [running]:"), &r));
	assert_false(logrec_parse_line(slice_cstr("Events:  <none>"), &r));
	assert_false(logrec_parse_line(slice_cstr(""), &r));
	/* A JSON object without msg or ts is a dump, not a log record. */
	assert_false(logrec_parse_line(slice_cstr(
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["), &r));
}

static void test_prefixes(void **state)
{
	struct logrec r;

	(void)state;
	/* kubectl logs --timestamps */
	assert_true(logrec_parse_line(slice_cstr(
		"2021-09-07T15:18:41.421557569Z E0907 15:18:41.421188       1 sync.go:186] cert-manager/controller/challenges \"msg\"=\"propagation check failed\" \"error\"=\"x\""), &r));
	assert_int_equal(r.fmt, LOGFMT_KLOGR);
	assert_true(r.time.absolute);
	assert_int_equal(r.time.ms, parse_rfc3339("2021-09-07T15:18:41Z") * 1000 + 421);
	/* CRI log file */
	assert_true(logrec_parse_line(slice_cstr(
		"2023-01-26T12:34:05.286102563Z stderr F E0126 12:34:05.285984       1 controller.go:167] cert-manager/orders \"msg\"=\"re-queuing item due to error processing\" \"error\"=\"boom\" \"key\"=\"default/web-1-2\""), &r));
	assert_int_equal(r.level, 'E');
	assert_string_equal(value(&r, "key"), "default/web-1-2");
	/* CRI prefix on a JSON record */
	assert_true(logrec_parse_line(slice_cstr(
		"2024-05-01T10:00:00.5Z stdout F {\"ts\":1714557600500,\"msg\":\"hello\",\"v\":2}"), &r));
	assert_int_equal(r.fmt, LOGFMT_JSON);
	assert_string_equal(dec(r.msg, 1), "hello");
}

struct collected {
	int n;
	unsigned long lines[8];
	unsigned long nlines[8];
	char text[8][512];
	int yoff[8];
};

static void collect(const struct logrec *r, void *ctx)
{
	struct collected *c = ctx;

	if (c->n >= 8)
		return;
	c->lines[c->n] = r->line;
	c->nlines[c->n] = r->nlines;
	c->yoff[c->n] = r->time.year_offset;
	snprintf(c->text[c->n], sizeof(c->text[0]), "%.*s",
		 (int)r->text.n, r->text.p);
	c->n++;
}

static void feed(struct logparser *p, const char *text)
{
	unsigned long n = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		logrec_line(p, slice_make(text, len), ++n);
		text += len + (nl ? 1 : 0);
	}
	logrec_end(p);
}

static void test_continuations(void **state)
{
	static const char log[] =
		"some preamble line\n"
		"I1231 23:59:58.000001       1 a.go:1] \"first\" logger=\"cert-manager\"\n"
		"E1231 23:59:59.000001       1 b.go:2] \"object dump\" obj=<\n"
		"\tline one\n"
		"\tline two\n"
		" > logger=\"cert-manager.controller\"\n"
		"E0101 00:00:01.000001       1 c.go:3] cert-manager/controller \"msg\"=\"panic\" \"error\"=\"boom\"\n"
		"goroutine 1 [running]:\n"
		"main.main()\n"
		"\t/src/main.go:10 +0x1d\n"
		"I0101 00:00:02.000001       1 d.go:4] \"last\"\n";
	struct input in;
	struct collected c;
	struct logparser *p;
	struct logrec r;

	(void)state;
	memset(&c, 0, sizeof(c));
	input_init(&in, "t");
	p = logrec_new("cm.log", &in, collect, &c);
	feed(p, log);
	logrec_free(p);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.lines[0], 2);
	assert_int_equal(c.lines[1], 3);
	assert_int_equal(c.nlines[1], 4);
	assert_int_equal(c.lines[2], 7);
	assert_int_equal(c.nlines[2], 4);
	assert_non_null(strstr(c.text[2], "main.go:10"));
	/* The year rolled over between record 2 and 3. */
	assert_int_equal(c.yoff[1], 0);
	assert_int_equal(c.yoff[2], 1);
	assert_int_equal(c.yoff[3], 1);
	/* The multi-line value stays whole; the logger after it is read. */
	assert_true(logrec_parse_line(slice_cstr(c.text[1]), &r));
	assert_string_equal(value(&r, "obj"), "\tline one\n\tline two");
	assert_string_equal(dec(r.logger, 1), "cert-manager.controller");
	input_free(&in);
}

static void test_resolve(void **state)
{
	struct logtime dec31 = { (23 * 3600 + 59 * 60) * 1000LL, 0, 1, 12, 31, 0 };
	struct logtime jan1 = { 1000, 0, 1, 1, 1, 1 };
	int64_t now = parse_rfc3339("2025-01-01T00:10:00Z") * 1000;

	(void)state;
	assert_int_equal(logtime_resolve(&dec31, 2025, now),
			 parse_rfc3339("2024-12-31T23:59:00Z") * 1000);
	assert_int_equal(logtime_resolve(&jan1, 2025, now),
			 parse_rfc3339("2025-01-01T00:00:01Z") * 1000);
}

/*
 * JSON logs' "ts" seconds: decimal_to_double() gives strtod()'s double
 * for the decimals it takes (so the record's milliseconds are the same),
 * and declines the rest.
 */
static void test_decimal(void **state)
{
	static const char *const yes[] = {
		"0", "0.0", "1.", ".5", "1714557602.126704", "1714557602.1",
		"00001.50", "9007199254740992", "0.000000000000001",
		"1714557602.999999", "123456789012.3456",
	};
	static const char *const no[] = {
		"", ".", "-1", "+1", "1e5", "1.2.3", "9007199254740993",
		"12345678901234567", "1714557602.1234567", " 1", "1,5",
		"0x10", "inf", "nan",
	};
	unsigned seed = 99;
	size_t i;
	double d;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_true(decimal_to_double(yes[i], strlen(yes[i]), &d));
		assert_true(d == strtod(yes[i], NULL));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(decimal_to_double(no[i], strlen(no[i]), &d));
	/* Random decimals of 1 to 16 digits, the point anywhere. */
	for (i = 0; i < 200000; i++) {
		char buf[32];
		size_t n = 0, k, len, at;

		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 16) % 16;
		at = (seed >> 8) % (len + 1);
		for (k = 0; k < len; k++) {
			if (k == at)
				buf[n++] = '.';
			seed = seed * 1103515245u + 12345u;
			buf[n++] = (char)('0' + (seed >> 16) % 10);
		}
		buf[n] = '\0';
		if (decimal_to_double(buf, n, &d)) {
			if (d != strtod(buf, NULL))
				fail_msg("%s: %.17g, strtod %.17g", buf, d,
					 strtod(buf, NULL));
			/* As the parser uses it: the same milliseconds. */
			assert_true((int64_t)(d * 1000) ==
				    (int64_t)(strtod(buf, NULL) * 1000));
		}
	}
}

/* What one record of one line gave, or that none was given. */
struct got {
	int n;
	struct logrec r;
	char caller[300];
};

static int idle_yes(void *ctx, unsigned long line)
{
	(void)ctx;
	(void)line;
	return 1;
}

static void keep_one(const struct logrec *r, void *ctx)
{
	struct got *g = ctx;

	g->n++;
	g->r = *r;
	snprintf(g->caller, sizeof(g->caller), "%.*s", (int)r->caller.n,
		 r->caller.p);
}

/*
 * A klog line fed to the parser, read light or whole, gives a record
 * exactly when logrec_parse_line() does, with its level, time and
 * caller: the header is read once when the line comes, by a reader of
 * its own, and must agree with the general one.
 */
static void check_line(const char *line, int light)
{
	struct got g;
	struct logrec want;
	struct logparser *p;
	int parses = logrec_parse_line(slice_cstr(line), &want);
	char caller[300];

	memset(&g, 0, sizeof(g));
	p = logrec_new("t.log", NULL, keep_one, &g);
	if (light)
		logrec_idle(p, idle_yes);
	logrec_line(p, slice_cstr(line), 1);
	logrec_end(p);
	logrec_free(p);
	if (g.n != (parses ? 1 : 0))
		fail_msg("%s: %d records, logrec_parse_line() says %d", line,
			 g.n, parses);
	if (!parses)
		return;
	snprintf(caller, sizeof(caller), "%.*s", (int)want.caller.n,
		 want.caller.p);
	if (g.r.level != want.level || g.r.time.ms != want.time.ms ||
	    g.r.time.known != want.time.known ||
	    g.r.time.mon != want.time.mon || g.r.time.day != want.time.day ||
	    strcmp(g.caller, caller) || g.r.light != light)
		fail_msg("%s: the record differs from logrec_parse_line()'s",
			 line);
}

static void test_klog_header(void **state)
{
	static const char *const lines[] = {
		"I0501 10:00:00.000000       1 sync.go:91] \"msg\" k=\"v\"",
		"E1231 23:59:59.999999 12345 acmechallenges/sync.go:403] boom",
		"W0101 00:00:01.5       1 a.go:1] short micros",
		"I1301 10:00:00.000000       1 sync.go:91] month 13",
		"I0500 10:00:00.000000       1 sync.go:91] day 0",
		"I0501 10:00:00.000000       1 sync go:91] space in caller",
		"I0501 10:00:00.000000       1 sync.go:91 no bracket at all....",
		"I0501 10:00:00.000000       1 ] empty caller ................",
		"I0501 10:00:00.000000 sync.go:91] no pid ....................",
		"I0501 10:0a:00.000000       1 sync.go:91] bad minute ........",
		"I0501 10:00:00.000000       1 x.go:1]",
		"I0501 10:00:00.000000  1",
		"F0501 10:00:00.00000",
	};
	char line[600], *q;
	unsigned seed = 12345;
	size_t i, k;
	int light;

	(void)state;
	for (light = 0; light < 2; light++)
		for (i = 0; i < ARRAY_SIZE(lines); i++)
			check_line(lines[i], light);
	/* A caller whose ']' is past the 256 bytes parse_line() looks at. */
	q = line + sprintf(line, "I0501 10:00:00.000000       1 ");
	memset(q, 'c', 300);
	strcpy(q + 300, "] far");
	check_line(line, 1);
	q[100] = ' ';
	check_line(line, 1);
	/* Random damage to a good header, 20,000 times. */
	for (k = 0; k < 20000; k++) {
		static const char pool[] = "0123456789 ].:IWEFx";
		int hits;

		strcpy(line, lines[k % 3]);
		for (hits = 0; hits < 1 + (int)(k % 3); hits++) {
			seed = seed * 1103515245u + 12345u;
			i = (seed >> 8) % strlen(line);
			seed = seed * 1103515245u + 12345u;
			line[i] = pool[(seed >> 8) % (sizeof(pool) - 1)];
		}
		check_line(line, (int)(k & 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_klog_header),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_resolve),
	};
	int rc;

	diag_set_quiet(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&scratch);
	return rc;
}
