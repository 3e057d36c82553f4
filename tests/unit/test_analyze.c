/*
 * The whole pipeline on small realistic inputs: a pasted file that mixes
 * a prompt, a get table and two describe outputs; the same object from
 * several sources merged; rules over objects, conditions, events and log
 * records; requirements, suppression and the bundle's own time; the
 * limits a run reaches, as the reports list them.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "buf.h"
#include "chain.h"
#include "diag.h"
#include "report.h"
#include "rules.h"
#include "summary.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ktriage-analyze-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char mixed[] =
	"$ kubectl get challenges -n default\n"
	"NAME                                  STATE     DOMAIN            REASON                                     AGE\n"
	"example-com-2745722290-4391602865-0   pending   example.com       Waiting for dns-01 challenge propagation   22s\n"
	"\n"
	"$ kubectl describe order example-com-2745722290-439160286\n"
	"Name:         example-com-2745722290-439160286\n"
	"Namespace:    default\n"
	"Labels:       <none>\n"
	"Annotations:  <none>\n"
	"API Version:  acme.cert-manager.io/v1\n"
	"Kind:         Order\n"
	"Status:\n"
	"  State:  pending\n"
	"  URL:    https://acme-v02.api.letsencrypt.org/acme/order/41123272/265506123\n"
	"Events:\n"
	"  Type    Reason   Age   From          Message\n"
	"  ----    ------   ----  ----          -------\n"
	"  Normal  Created  1m    cert-manager  Created Challenge resource \"example-com-2745722290-439160286-0\" for domain \"test1.example.com\"\n"
	"\n"
	"Name:         letsencrypt-http\n"
	"Namespace:    \n"
	"Labels:       <none>\n"
	"Annotations:  <none>\n"
	"API Version:  cert-manager.io/v1\n"
	"Kind:         ClusterIssuer\n"
	"Status:\n"
	"  Conditions:\n"
	"    Last Transition Time:  2024-05-01T09:58:13Z\n"
	"    Message:               Failed to update ACME account:400 urn:ietf:params:acme:error:invalidEmail: Unable to update account :: invalid contact domain. Contact emails @example.com are forbidden\n"
	"    Reason:                ErrUpdateACMEAccount\n"
	"    Status:                False\n"
	"    Type:                  Ready\n"
	"Events:\n"
	"  Type     Reason                Age                  From          Message\n"
	"  ----     ------                ----                 ----          -------\n"
	"  Warning  ErrUpdateACMEAccount  101s (x3 over 106s)  cert-manager  Failed to update ACME account:400 urn:ietf:params:acme:error:invalidEmail: Unable to update account :: invalid contact domain. Contact emails @example.com are forbidden\n";

/* threads as --threads (0: as many as the machine has, up to 2). */
static void run_threads(struct analysis *a, struct ruleset *rs,
			const char *rules, const char *path, int threads)
{
	ruleset_init(rs);
	assert_int_equal(ruleset_load_buffer(rs, "r.yaml", rules,
					     strlen(rules)), 0);
	assert_int_equal(ruleset_check(rs), 0);
	analysis_init(a, rs);
	a->threads = threads;
	assert_int_equal(analysis_add_path(a, path), 0);
	analysis_finish(a);
}

static void run(struct analysis *a, struct ruleset *rs, const char *rules,
		const char *path)
{
	run_threads(a, rs, rules, path, 0);
}

static void test_mixed_paste(void **state)
{
	struct analysis a;
	struct ruleset rs;
	const struct kobject *o;
	const struct kcondition *c;
	char path[256];

	(void)state;
	write_file("paste.txt", mixed);
	snprintf(path, sizeof(path), "%s/paste.txt", dir);
	run(&a, &rs, "rules:\n  - id: x\n    title: X\n    patterns: [nomatch]\n",
	    path);
	assert_int_equal(a.store.n, 3);
	o = store_find(&a.store, "Challenge", "default",
		       "example-com-2745722290-4391602865-0");
	assert_non_null(o);
	assert_true(o->partial);
	assert_string_equal(fnode_find(kobject_root(o), "status.reason")->value,
			    "Waiting for dns-01 challenge propagation");
	o = store_find(&a.store, "Order", "default",
		       "example-com-2745722290-439160286");
	assert_non_null(o);
	assert_int_equal(o->nevents, 1);
	assert_string_equal(o->events[0].reason, "Created");
	assert_string_equal(fnode_find(kobject_root(o), "status.state")->value,
			    "pending");
	o = store_find(&a.store, "ClusterIssuer", NULL, "letsencrypt-http");
	assert_non_null(o);
	c = kobject_condition(o, "Ready");
	assert_non_null(c);
	assert_string_equal(c->status, "False");
	assert_string_equal(c->reason, "ErrUpdateACMEAccount");
	assert_int_equal(o->nevents, 1);
	assert_int_equal(o->events[0].count, 3);
	assert_int_equal(o->events[0].last_age_s, 101);
	/* The bundle's time is the latest one found: the condition's. */
	assert_true(a.now_ms == (int64_t)1714557493 * 1000);
	analysis_free(&a);
	ruleset_free(&rs);
}

static const char pack[] =
	"rules:\n"
	"  - id: invalid-email\n"
	"    title: E-mail rejected\n"
	"    severity: critical\n"
	"    match:\n"
	"      - condition: {kind: ClusterIssuer, type: Ready, status: 'False',\n"
	"                    message: {regex: 'Contact emails @(?<domain>\\S+) are forbidden'}}\n"
	"    message: 'forbidden {{domain}} on {{resource}}'\n"
	"  - id: issuer-not-ready\n"
	"    title: Issuer not ready\n"
	"    severity: medium\n"
	"    match: {condition: {kind: [Issuer, ClusterIssuer], type: Ready, status: 'False'}}\n"
	"    suppressed_by: [invalid-email]\n"
	"  - id: account-event\n"
	"    title: Account event\n"
	"    severity: low\n"
	"    match: {event: {reason: ErrUpdateACMEAccount, count: {gte: 3}}}\n"
	"  - id: stuck-challenge\n"
	"    title: Challenge stuck\n"
	"    severity: high\n"
	"    match: {object: {kind: Challenge, status.state: pending}}\n"
	"    require: {min_span: 10m, else_severity: info}\n"
	"  - id: never\n"
	"    title: Never\n"
	"    match: {event: {reason: Created, count: {gte: 2}}}\n";

static void test_rules_over_objects(void **state)
{
	struct analysis a;
	struct ruleset rs;
	char path[256];
	size_t i;
	const struct finding *email = NULL, *echo = NULL, *ev = NULL,
		*stuck = NULL;

	(void)state;
	diag_set_quiet(1);
	snprintf(path, sizeof(path), "%s/paste.txt", dir);
	run(&a, &rs, pack, path);
	for (i = 0; i < a.findings.n; i++) {
		const struct finding *f = a.findings.v[i];

		if (!strcmp(f->rule->id, "invalid-email"))
			email = f;
		else if (!strcmp(f->rule->id, "issuer-not-ready"))
			echo = f;
		else if (!strcmp(f->rule->id, "account-event"))
			ev = f;
		else if (!strcmp(f->rule->id, "stuck-challenge"))
			stuck = f;
		else
			fail_msg("unexpected finding %s", f->rule->id);
	}
	assert_non_null(email);
	assert_string_equal(email->message, "forbidden example.com on "
			    "ClusterIssuer/letsencrypt-http");
	assert_int_equal(email->rank, 1);
	/* The echo is explained by the cause on the same object. */
	assert_non_null(echo);
	assert_true(echo->suppressed);
	assert_ptr_equal(echo->suppressor, email);
	/* An event seen x3 counts 3 times, from 106 to 101 s before now. */
	assert_non_null(ev);
	assert_int_equal(ev->count, 3);
	assert_int_equal(ev->span_s, 5);
	assert_true(ev->last_seen_ms == a.now_ms - 101000);
	/* A challenge seen once has no 10-minute span: kept as info. */
	assert_non_null(stuck);
	assert_int_equal(stuck->severity, SEV_INFO);
	analysis_free(&a);
	ruleset_free(&rs);
}

static void test_same_object_merged(void **state)
{
	static const char json[] =
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n"
		"  {\"apiVersion\": \"cert-manager.io/v1\", \"kind\": \"ClusterIssuer\",\n"
		"   \"metadata\": {\"name\": \"letsencrypt-http\", \"uid\": \"3c1e6b0e\",\n"
		"                \"creationTimestamp\": \"2024-05-01T09:58:12Z\"},\n"
		"   \"spec\": {\"acme\": {\"email\": \"cert-manager@example.com\"}},\n"
		"   \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"False\",\n"
		"     \"reason\": \"ErrUpdateACMEAccount\", \"message\": \"x\"}]}}]}\n";
	static const char events[] =
		"[{\"apiVersion\": \"v1\", \"kind\": \"Event\",\n"
		"  \"metadata\": {\"name\": \"letsencrypt-http.17c\", \"namespace\": \"default\"},\n"
		"  \"involvedObject\": {\"kind\": \"ClusterIssuer\", \"name\": \"letsencrypt-http\"},\n"
		"  \"type\": \"Warning\", \"reason\": \"ErrInitIssuer\", \"message\": \"Error initializing issuer\",\n"
		"  \"count\": 7, \"firstTimestamp\": \"2024-05-01T09:58:13Z\",\n"
		"  \"lastTimestamp\": \"2024-05-01T10:20:00Z\",\n"
		"  \"source\": {\"component\": \"cert-manager-clusterissuers\"}}]\n";
	struct analysis a;
	struct ruleset rs;
	const struct kobject *o;

	(void)state;
	write_file("paste.txt", mixed);
	write_file("issuers.json", json);
	write_file("events.json", events);
	run(&a, &rs, "rules:\n  - id: x\n    title: X\n    patterns: [nomatch]\n",
	    dir);
	o = store_find(&a.store, "ClusterIssuer", NULL, "letsencrypt-http");
	assert_non_null(o);
	/* The JSON copy is the richer one; the events of both are kept. */
	assert_int_equal(o->origin, ORIGIN_JSON);
	assert_string_equal(fnode_find(kobject_root(o), "spec.acme.email")->value,
			    "cert-manager@example.com");
	assert_int_equal(o->nevents, 2);
	assert_true(a.now_ms == (int64_t)1714558800 * 1000);
	analysis_free(&a);
	ruleset_free(&rs);
}

static void test_log_records(void **state)
{
	static const char log[] =
		"I0501 10:00:00.000001       1 leaderelection.go:250] \"attempting to acquire leader lease kube-system/cert-manager-controller...\"\n"
		"E0501 10:01:00.000001       1 sync.go:208] \"propagation check failed\" err=\"wrong status code '404', expected '200'\" logger=\"cert-manager.controller\" resource_name=\"shop-1-2-3\" resource_namespace=\"shop\" resource_kind=\"Challenge\" dnsName=\"shop.example.com\" type=\"HTTP-01\"\n"
		"goroutine 12 [running]:\n"
		"E0501 10:13:00.000001       1 sync.go:208] \"propagation check failed\" err=\"wrong status code '404', expected '200'\" logger=\"cert-manager.controller\" resource_name=\"shop-1-2-3\" resource_namespace=\"shop\" resource_kind=\"Challenge\" dnsName=\"shop.example.com\" type=\"HTTP-01\"\n";
	static const char rules[] =
		"rules:\n  - id: bad-status\n    title: Bad status\n    severity: high\n"
		"    match:\n      log:\n        msg: propagation check failed\n"
		"        err: {regex: \"wrong status code '(?<code>\\\\d+)'\"}\n"
		"        type: HTTP-01\n"
		"    require: {min_count: 2, min_span: 10m}\n"
		"    message: '{{code}} for {{dnsName|?}}'\n";
	struct analysis a;
	struct ruleset rs;
	char sub[128], path[256];
	const struct finding *f;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/logs", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file("logs/cm.log", log);
	snprintf(path, sizeof(path), "%s/logs/cm.log", dir);
	run(&a, &rs, rules, path);
	assert_int_equal(a.records, 3);
	assert_int_equal(a.findings.n, 1);
	f = a.findings.v[0];
	assert_string_equal(f->res.kind, "Challenge");
	assert_string_equal(f->res.ns, "shop");
	assert_string_equal(f->res.name, "shop-1-2-3");
	assert_int_equal(f->count, 2);
	assert_int_equal(f->span_s, 720);
	assert_string_equal(f->message, "404 for ?");
	assert_int_equal(f->ev[0].line, 2);
	analysis_free(&a);
	ruleset_free(&rs);
	/* With one occurrence the requirement is not met: no finding. */
	write_file("logs/cm.log", "E0501 10:01:00.000001       1 sync.go:208] \"propagation check failed\" err=\"wrong status code '404', expected '200'\" type=\"HTTP-01\"\n");
	run(&a, &rs, rules, path);
	assert_int_equal(a.findings.n, 0);
	analysis_free(&a);
	ruleset_free(&rs);
}

/* One log line: a failed DNS-01 self check for domain on Challenge name. */
static void add_propagation(struct buf *b, const char *domain,
			    const char *name, int extra_pairs)
{
	int i;

	buf_addf(b, "E0716 09:41:14.520118       1 sync.go:208] "
		 "\"propagation check failed\" err=\"DNS record for "
		 "\\\"%s\\\" not yet propagated\" logger=\"cert-manager."
		 "controller\" resource_name=\"%s\" resource_namespace=\"shop\" "
		 "resource_kind=\"Challenge\"", domain, name);
	for (i = 1; i <= extra_pairs; i++)
		buf_addf(b, " label_%d=\"team-%d\"", i, i);
	buf_addc(b, '\n');
}

static void test_limits_reached(void **state)
{
	static const char rules[] =
		"rules:\n"
		"  - id: propagation\n    title: P\n    severity: low\n"
		"    match:\n      log:\n        msg: propagation check failed\n"
		"        err: {regex: 'DNS record for \"(?<domain>[^\"]+)\"'}\n"
		"    message: '{{domain}}'\n"
		"  - id: secret-name\n    title: S\n    severity: low\n"
		"    match:\n      object:\n        kind: Certificate\n"
		"        spec.secretName: {regex: '^(?:[a-z0-9]+-?)+-tls$'}\n"
		"    message: '{{resource}}'\n";
	static const char certs[] =
		"apiVersion: cert-manager.io/v1\nkind: Certificate\n"
		"metadata: {name: www, namespace: shop}\n"
		"spec: {secretName: www-checkout-production-frontend-europe_west-tls}\n"
		"---\n"
		"apiVersion: cert-manager.io/v1\nkind: Certificate\n"
		"metadata: {name: shop, namespace: shop}\n"
		"spec: {secretName: shop-tls}\n"
		"---\n"
		"apiVersion: cert-manager.io/v1\nkind: Certificate\n"
		"metadata: {name: blog, namespace: shop}\n"
		"spec: {secretName: blog-tls}\n";
	struct limit_note ln[LIMIT_NOTES_MAX];
	struct analysis a;
	struct ruleset rs;
	struct buf log = BUF_INIT;
	char sub[128], where[320];
	size_t n;
	int i;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/lim", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	/* Nothing reached: no limit listed. */
	add_propagation(&log, "shop.example.com", "c1", 0);
	write_file("lim/b.log", log.p);
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_buffer(&rs, "r.yaml", rules,
					     strlen(rules)), 0);
	assert_int_equal(ruleset_check(&rs), 0);
	analysis_init(&a, &rs);
	assert_int_equal(analysis_add_path(&a, sub), 0);
	analysis_finish(&a);
	assert_int_equal(a.findings.n, 1);
	assert_int_equal(summary_limits(&a, ln, LIMIT_NOTES_MAX), 0);
	analysis_free(&a);

	/*
	 * Line 1: a record no rule can match, its 60 pairs not read (a light
	 * record): not counted. Lines 2-26: 25 domains on c1 (20 kept).
	 * Line 27: 64 pairs (48 kept). Lines 28-30: c3, c4, c5 with at most
	 * 3 findings: c4 and c5 make none.
	 */
	buf_reset(&log);
	buf_adds(&log, "I0716 09:40:00.000001       1 controller.go:162] "
		 "\"starting controller\" logger=\"cert-manager.controller\"");
	for (i = 1; i <= 60; i++)
		buf_addf(&log, " label_%d=\"team-%d\"", i, i);
	buf_addc(&log, '\n');
	for (i = 1; i <= 25; i++) {
		char domain[64];

		snprintf(domain, sizeof(domain), "shop-%d.example.com", i);
		add_propagation(&log, domain, "c1", 0);
	}
	add_propagation(&log, "blog.example.com", "c2", 60);
	add_propagation(&log, "docs.example.com", "c3", 0);
	add_propagation(&log, "docs.example.com", "c4", 0);
	add_propagation(&log, "docs.example.com", "c5", 0);
	write_file("lim/b.log", log.p);
	write_file("lim/a.yaml", certs);
	analysis_init(&a, &rs);
	a.findings.max = 3;
	a.store.max_objects = 2;
	assert_int_equal(analysis_add_path(&a, sub), 0);
	analysis_finish(&a);
	n = summary_limits(&a, ln, LIMIT_NOTES_MAX);
	assert_int_equal(n, 5);

	assert_string_equal(ln[0].name, "objects");
	assert_int_equal(ln[0].limit, 2);
	assert_int_equal(ln[0].count, 1);
	snprintf(where, sizeof(where), "%s/a.yaml:11", sub);
	assert_string_equal(ln[0].where, where);
	/* Also an input error there. */
	assert_int_equal(a.inputs[0].nerrors, 1);
	assert_string_equal(a.inputs[0].errors[0].where, where);

	assert_string_equal(ln[1].name, "log-record-pairs");
	assert_int_equal(ln[1].limit, LOGREC_MAX_KV);
	assert_int_equal(ln[1].count, 64 - LOGREC_MAX_KV);
	snprintf(where, sizeof(where), "%s/b.log:27", sub);
	assert_string_equal(ln[1].where, where);

	/* An object rule: no input to warn in, the place is still known. */
	assert_string_equal(ln[2].name, "pcre2-match");
	assert_int_equal(ln[2].limit, 1000000);
	assert_int_equal(ln[2].count, 1);
	snprintf(where, sizeof(where), "%s/a.yaml:1", sub);
	assert_string_equal(ln[2].where, where);

	assert_string_equal(ln[3].name, "findings");
	assert_int_equal(ln[3].limit, 3);
	/* c4, c5, and the Certificate shop's finding, made after them. */
	assert_int_equal(ln[3].count, 3);
	assert_string_equal(ln[3].unit, "hits");
	snprintf(where, sizeof(where), "%s/b.log:29", sub);
	assert_string_equal(ln[3].where, where);

	assert_string_equal(ln[4].name, "capture-values");
	assert_int_equal(ln[4].limit, CAPTURE_VALUES_MAX);
	assert_int_equal(ln[4].count, 25 - CAPTURE_VALUES_MAX);
	snprintf(where, sizeof(where), "%s/b.log:%d", sub,
		 1 + CAPTURE_VALUES_MAX + 1);
	assert_string_equal(ln[4].where, where);
	assert_int_equal(a.findings.n, 3);
	analysis_free(&a);
	ruleset_free(&rs);
	buf_free(&log);
}

/*
 * Line hits in a List go to the item they are on, whether items are read
 * at once, or queued and read by the parse queue's worker (one thread or
 * two): a hit on an item's first line, in its middle, on its last line,
 * on an item of a kind nobody keeps (the Pod), and in items the fast
 * readers decline (read again on the analysis thread, with a warning for
 * the broken one). 3000 items go through the queue many times over.
 */
static void list_text(struct buf *y, struct buf *j)
{
	size_t i;

	buf_adds(y, "apiVersion: v1\nitems:\n");
	buf_adds(j, "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n");
	for (i = 0; i < 3000; i++) {
		const char *kind = i % 5 == 4 ? "Pod" : "Certificate";

		buf_addf(y, "- apiVersion: cert-manager.io/v1%s\n"
			 "  kind: %s\n"
			 "  metadata:\n"
			 "    name: item-%zu\n"
			 "    namespace: shop\n"
			 "  spec:\n"
			 "    secretName: %s\n"
			 "    note: %s\n",
			 i % 7 == 0 ? "  # kaboom-first" : "", kind, i,
			 i % 11 == 0 ? "kaboom-middle" : "s",
			 i % 13 == 0 ? "kaboom-last" :
			 i == 1500 ? "[broken" : i == 1501 ? "!!str tagged" : "n");
		buf_addf(j, "%s  {\"apiVersion\": \"cert-manager.io/v1\", "
			 "\"kind\": \"%s\",\n"
			 "   \"metadata\": {\"name\": \"item-%zu\", "
			 "\"namespace\": \"shop\"},\n"
			 "   \"spec\": {\"secretName\": \"%s\"%s}}\n",
			 i ? "," : "", kind, i,
			 i % 11 == 0 ? "kaboom-middle" : "s",
			 i % 13 == 0 ? ", \"n\": \"kaboom-last\"" :
			 i == 1500 ? ", \"n\": \"\\u0000\"" :
			 i == 1501 ? ", \"n\": tru" : "");
	}
	buf_adds(y, "kind: List\nmetadata:\n  resourceVersion: \"\"\n");
	buf_adds(j, "]}\n");
}

/* "name:count|" for every kaboom finding, sorted by name. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void kaboom_findings(const struct analysis *a, struct buf *out)
{
	char *v[4096];
	size_t i, n = 0;

	for (i = 0; i < a->findings.n && n < 4096; i++) {
		const struct finding *f = a->findings.v[i];
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s/%s:%lu", f->res.kind ? f->res.kind : "-",
			 f->res.name ? f->res.name : "-", f->count);
		v[n++] = buf_detach(&b);
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		buf_addf(out, "%s|", v[i]);
		free(v[i]);
	}
}

/*
 * Object rules at the end run on both threads when there is a parse
 * worker (match_objects()): the report is the same as with one thread.
 * Findings gather evidence from many objects (one per issuer), so their
 * order, counts and first and last evidence show the order hits were
 * added in; some objects reach the PCRE2 match limit, whose warnings and
 * first place must keep their order too.
 */
static void test_object_rules_threads(void **state)
{
	static const char rules[] =
		"rules:\n"
		"  - id: by-issuer\n    title: I\n    severity: low\n"
		"    match:\n      object:\n        kind: Certificate\n"
		"        spec.issuerRef.name: {regex: '^(?<name>issuer-[0-9])$'}\n"
		"    message: '{{name}}'\n"
		"  - id: not-ready\n    title: N\n    severity: medium\n"
		"    match:\n      condition:\n        type: Ready\n"
		"        status: 'False'\n"
		"        message: {regex: 'try (?<try>[0-9]+)'}\n"
		"    message: '{{resource}} {{try}}'\n"
		"  - id: secret-name\n    title: S\n    severity: low\n"
		"    match:\n      object:\n        kind: Certificate\n"
		"        spec.secretName: {regex: '^(?:[a-z0-9]+-?)+-tls$'}\n"
		"    message: '{{resource}}'\n";
	struct buf y = BUF_INIT, first = BUF_INIT;
	char path[256];
	size_t i;
	int threads, tries;

	(void)state;
	buf_adds(&y, "apiVersion: v1\nitems:\n");
	for (i = 0; i < 1200; i++)
		buf_addf(&y, "- apiVersion: cert-manager.io/v1\n"
			 "  kind: Certificate\n"
			 "  metadata:\n"
			 "    name: cert-%zu\n"
			 "    namespace: ns-%zu\n"
			 "  spec:\n"
			 "    issuerRef:\n"
			 "      name: issuer-%zu\n"
			 "    secretName: %s-%zu-tls\n"
			 "  status:\n"
			 "    conditions:\n"
			 "    - type: Ready\n"
			 "      status: \"%s\"\n"
			 "      message: Issuing, try %zu\n",
			 i, i % 7, i % 10, i % 97 == 5 ?
			 "www-checkout-production-frontend-europe_west" : "c",
			 i, i % 3 ? "True" : "False", i);
	buf_adds(&y, "kind: List\nmetadata:\n  resourceVersion: \"\"\n");
	write_file("objs.yaml", buf_str(&y));
	snprintf(path, sizeof(path), "%s/objs.yaml", dir);
	for (threads = 1; threads <= 2; threads++) {
		for (tries = 0; tries < 5; tries++) {
			struct report_opts ro;
			struct analysis a;
			struct ruleset rs;
			struct buf got = BUF_INIT;
			size_t helped;

			run_threads(&a, &rs, rules, path, threads);
			memset(&ro, 0, sizeof(ro));
			ro.no_redact = 1;
			report_write(&got, FORMAT_JSON, &a, &ro);
			buf_addf(&got, "|limit at %s|%lu",
				 a.regex_limit_where ? a.regex_limit_where :
				 "-", a.matcher.limit_hits);
			helped = a.matcher.objects_helped;
			/* Per issuer; not Ready; each name the limit let through. */
			assert_int_equal(a.findings.n, 10 + 400 + (1200 - 13));
			analysis_free(&a);
			ruleset_free(&rs);
			if (threads == 1) {
				assert_int_equal(helped, 0);
				buf_adds(&first, buf_str(&got));
			} else {
				assert_string_equal(buf_str(&got),
						    buf_str(&first));
			}
			buf_free(&got);
			/* Two threads: until the worker has matched some. */
			if (threads == 1 || helped)
				break;
		}
		assert_true(tries < 5);
	}
	/* The first limit is on cert-5, at its item's line. */
	assert_non_null(strstr(buf_str(&first), "objs.yaml:"));
	assert_non_null(strstr(buf_str(&first), "|13"));
	buf_free(&first);
	buf_free(&y);
}

/*
 * HTTP-01 solver Pods and Services are kept from a PodList whose other
 * Pods are not: by the solver label, by the generated name, in YAML and
 * in JSON; a Pod that only mentions "acme" is not kept.
 */
static void test_solver_pods_kept(void **state)
{
	static const char json[] =
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n"
		" {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": "
		"{\"name\": \"web-1\", \"namespace\": \"shop\", \"labels\": "
		"{\"app\": \"acme-shop\"}}},\n"
		" {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": "
		"{\"name\": \"solver-a\", \"namespace\": \"shop\", \"labels\": "
		"{\"acme.cert-manager.io/http01-solver\": \"true\"}}},\n"
		" {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": "
		"{\"name\": \"cm-acme-http-solver-x7k2p\", \"namespace\": "
		"\"shop\"}},\n"
		" {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": "
		"{\"labels\": {\"acme.cert-manager.io/http01-solver\": "
		"\"true\"}, \"name\": \"svc-b\", \"namespace\": \"shop\"}},\n"
		" {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": "
		"{\"name\": \"cm-acme-http-solve\", \"namespace\": \"shop\"}}\n"
		"]}\n";
	static const char yaml[] =
		"apiVersion: v1\nitems:\n"
		"- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-2\n"
		"    namespace: shop\n"
		"- apiVersion: v1\n  kind: Pod\n  metadata:\n"
		"    generateName: cm-acme-http-solver-\n"
		"    name: cm-acme-http-solver-q9z\n    namespace: shop\n"
		"kind: List\n";
	const char *const files[] = { "pods.json", "pods.yaml" };
	const char *const want[] = { "solver-a,cm-acme-http-solver-x7k2p,svc-b,",
				     "cm-acme-http-solver-q9z," };
	size_t f, i;

	(void)state;
	for (f = 0; f < 2; f++) {
		struct analysis a;
		struct ruleset rs;
		struct buf got = BUF_INIT;
		char path[256];

		write_file(files[f], f ? yaml : json);
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		run(&a, &rs, "rules: []\n", path);
		for (i = 0; i < a.store.n; i++)
			buf_addf(&got, "%s,", a.store.v[i]->name);
		assert_string_equal(buf_str(&got), want[f]);
		analysis_free(&a);
		ruleset_free(&rs);
		buf_free(&got);
	}
}

/*
 * What holds up each Certificate in the summary, worked out from the
 * findings' side, is what testing every finding against every
 * Certificate gives: the findings on it or below it (up to 16 steps up)
 * and on its chain's issuer, the first SUMMARY_BLOCKING in rank order.
 * 300 Certificates, two issuers, a chain of CertificateRequest, Order and
 * Challenges under each (25 Challenges under the first).
 */
static void test_summary_blocking(void **state)
{
	static const char rules[] =
		"rules:\n"
		"  - id: chal\n    title: C\n    severity: high\n"
		"    match:\n      object:\n        kind: Challenge\n"
		"        spec.dnsName: {regex: 'example'}\n"
		"    message: '{{resource}}'\n"
		"  - id: iss\n    title: I\n    severity: critical\n"
		"    match:\n      object:\n        kind: {in: [Issuer, ClusterIssuer]}\n"
		"        spec.acme.email: {regex: '@'}\n"
		"    message: '{{resource}}'\n"
		"  - id: cert\n    title: T\n    severity: medium\n"
		"    match:\n      object:\n        kind: Certificate\n"
		"        spec.secretName: {regex: '-tls$'}\n"
		"    message: '{{resource}}'\n";
	struct buf y = BUF_INIT;
	struct cert_summary *cs;
	struct analysis a;
	struct ruleset rs;
	char path[256];
	size_t i, j, k, n, capped = 0, by_issuer = 0;

	(void)state;
	buf_adds(&y, "apiVersion: cert-manager.io/v1\nkind: Issuer\n"
		 "metadata: {name: issuer-a, namespace: shop}\n"
		 "spec: {acme: {email: ops@example.com}}\n---\n"
		 "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\n"
		 "metadata: {name: ci-b}\n"
		 "spec: {acme: {email: ops@example.com}}\n");
	for (i = 0; i < 300; i++) {
		buf_addf(&y, "---\napiVersion: cert-manager.io/v1\n"
			 "kind: Certificate\n"
			 "metadata: {name: c%zu, namespace: shop}\n"
			 "spec: {secretName: c%zu%s, issuerRef: {name: %s, "
			 "kind: %s}}\n", i, i, i % 3 ? "-secret" : "-tls",
			 i % 2 ? "ci-b" : "issuer-a",
			 i % 2 ? "ClusterIssuer" : "Issuer");
		buf_addf(&y, "---\napiVersion: cert-manager.io/v1\n"
			 "kind: CertificateRequest\n"
			 "metadata: {name: c%zu-ab1cd, namespace: shop}\n", i);
		buf_addf(&y, "---\napiVersion: acme.cert-manager.io/v1\n"
			 "kind: Order\n"
			 "metadata: {name: c%zu-ab1cd-4242, namespace: shop}\n",
			 i);
		for (k = 0; k < (i ? 1 + i % 2 : 25); k++)
			buf_addf(&y, "---\napiVersion: acme.cert-manager.io/v1\n"
				 "kind: Challenge\n"
				 "metadata: {name: c%zu-ab1cd-4242-%zu, "
				 "namespace: shop}\n"
				 "spec: {dnsName: c%zu.example.com}\n", i, k, i);
	}
	write_file("blocking.yaml", buf_str(&y));
	snprintf(path, sizeof(path), "%s/blocking.yaml", dir);
	run(&a, &rs, rules, path);
	n = summary_certificates(&a, &cs);
	assert_int_equal(n, 300);
	for (k = 0; k < n; k++) {
		const struct finding *want[SUMMARY_BLOCKING];
		size_t nwant = 0;
		int c = cs[k].node;

		for (j = 0; j < a.findings.n && nwant < SUMMARY_BLOCKING; j++) {
			const struct finding *f = a.findings.v[j];

			if (f->node < 0 || f->suppressed || f->resolved)
				continue;
			if (f->node == c ||
			    graph_is_ancestor(&a.graph, c, f->node) ||
			    graph_chain_issuer(&a.graph, c) == f->node)
				want[nwant++] = f;
		}
		assert_int_equal(cs[k].nblocking, nwant);
		for (j = 0; j < nwant; j++)
			assert_ptr_equal(cs[k].blocking[j], want[j]);
		capped += nwant == SUMMARY_BLOCKING;
		for (j = 0; j < nwant; j++)
			by_issuer += want[j]->node ==
				     graph_chain_issuer(&a.graph, c);
	}
	/* The cases were there: a full list, and issuers' findings. */
	assert_true(capped >= 1);
	assert_true(by_issuer >= 300);
	free(cs);
	analysis_free(&a);
	ruleset_free(&rs);
	buf_free(&y);
}

static void test_list_hits(void **state)
{
	static const char rules[] =
		"rules:\n  - id: kaboom\n    title: K\n"
		"    patterns: ['kaboom-(?:first|middle|last)']\n";
	const char *const files[] = { "list.yaml", "list.json" };
	struct buf y = BUF_INIT, j = BUF_INIT;
	size_t f, i;
	int threads;

	(void)state;
	diag_set_quiet(1);
	list_text(&y, &j);
	for (f = 0; f < 2; f++) {
		struct buf first = BUF_INIT;
		char path[256];

		write_file(files[f], f ? buf_str(&j) : buf_str(&y));
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		for (threads = 1; threads <= 2; threads++) {
			struct analysis a;
			struct ruleset rs;
			struct buf got = BUF_INIT;

			run_threads(&a, &rs, rules, path, threads);
			kaboom_findings(&a, &got);
			for (i = 0; i < a.ninputs; i++) {
				size_t k;

				for (k = 0; k < a.inputs[i].nerrors; k++)
					buf_addf(&got, "%s: %s|",
						 a.inputs[i].errors[k].where,
						 a.inputs[i].errors[k].message);
			}
			if (!first.len)
				buf_adds(&first, buf_str(&got));
			else
				assert_string_equal(buf_str(&got),
						    buf_str(&first));
			analysis_free(&a);
			ruleset_free(&rs);
			buf_free(&got);
		}
		/* Every item with a hit, and only those, has a finding. */
		for (i = 0; i < 3000; i++) {
			/* In JSON both hits are on one line: one count. */
			int hits = f ? (i % 11 == 0 || i % 13 == 0) :
				   (i % 7 == 0) + (i % 11 == 0) +
				   (i % 13 == 0);
			char key[64];

			snprintf(key, sizeof(key), "%s/item-%zu:%d|",
				 i % 5 == 4 ? "Pod" : "Certificate", i, hits);
			if (hits && !strstr(buf_str(&first), key))
				fail_msg("%s: no %s", files[f], key);
		}
		/* The broken item, said once, where it is broken. */
		assert_non_null(strstr(buf_str(&first), f ?
			"list.json:4507:37: invalid JSON in item 1502" :
			"list.yaml:12010:18: invalid YAML"));
		buf_free(&first);
	}
	buf_free(&y);
	buf_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_paste),
		cmocka_unit_test(test_rules_over_objects),
		cmocka_unit_test(test_same_object_merged),
		cmocka_unit_test(test_log_records),
		cmocka_unit_test(test_limits_reached),
		cmocka_unit_test(test_solver_pods_kept),
		cmocka_unit_test(test_summary_blocking),
		cmocka_unit_test(test_list_hits),
		cmocka_unit_test(test_object_rules_threads),
	};

	diag_set_quiet(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
