/*
 * The resource graph and what it feeds: chains from YAML only (owner
 * references), from describe only (events and names), from a log line
 * alone (the naming scheme), echoes folded into their cause, resolved
 * history ranked below current failures.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "diag.h"
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
	strcpy(dir, "/tmp/ktriage-chain-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void clear_dir(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", dir);
	assert_int_equal(system(cmd), 0);
}

static const char no_rules[] =
	"rules:\n  - id: x\n    title: X\n    patterns: [nomatch]\n";

static void run(struct analysis *a, struct ruleset *rs, const char *rules)
{
	ruleset_init(rs);
	assert_int_equal(ruleset_load_buffer(rs, "r.yaml", rules,
					     strlen(rules)), 0);
	assert_int_equal(ruleset_check(rs), 0);
	analysis_init(a, rs);
	assert_int_equal(analysis_add_path(a, dir), 0);
	analysis_finish(a);
}

/* The chain of node (kind, ns, name) as "Kind/name>Kind/name>...". */
static void chain_string(const struct analysis *a, const char *kind,
			 const char *ns, const char *name, char *out,
			 size_t cap)
{
	int node = graph_find(&a->graph, kind, ns, name), chain[16];
	size_t n, i;

	out[0] = '\0';
	assert_true(node >= 0);
	n = graph_chain(&a->graph, node, chain, 16);
	for (i = 0; i < n; i++) {
		const struct gnode *g = &a->graph.v[chain[i]];

		snprintf(out + strlen(out), cap - strlen(out), "%s%s/%s%s",
			 i ? ">" : "", g->kind ? g->kind : "?", g->name,
			 g->obj ? "" : "*");
	}
}

static const char yaml[] =
	"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n"
	"  name: web-tls\n  namespace: web\n  creationTimestamp: \"2024-05-01T10:00:00Z\"\n"
	"spec:\n  secretName: web-tls\n  issuerRef: {name: le, kind: ClusterIssuer}\n"
	"status:\n  conditions:\n  - {type: Ready, status: \"False\", reason: DoesNotExist, lastTransitionTime: \"2024-05-01T10:00:00Z\"}\n"
	"---\napiVersion: cert-manager.io/v1\nkind: CertificateRequest\nmetadata:\n"
	"  name: web-tls-x7k2p\n  namespace: web\n"
	"  ownerReferences: [{kind: Certificate, name: web-tls, controller: true}]\n"
	"---\napiVersion: acme.cert-manager.io/v1\nkind: Order\nmetadata:\n"
	"  name: web-tls-x7k2p-1111\n  namespace: web\n"
	"  ownerReferences: [{kind: CertificateRequest, name: web-tls-x7k2p, controller: true}]\n"
	"status: {state: pending}\n"
	"---\napiVersion: acme.cert-manager.io/v1\nkind: Challenge\nmetadata:\n"
	"  name: web-tls-x7k2p-1111-2222\n  namespace: web\n"
	"  ownerReferences: [{kind: Order, name: web-tls-x7k2p-1111, controller: true}]\n"
	"spec: {issuerRef: {name: le, kind: ClusterIssuer}}\n"
	"status: {state: pending, reason: \"Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'\"}\n"
	"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: cm-acme-http-solver-abcde\n  namespace: web\n"
	"  labels: {acme.cert-manager.io/http01-solver: \"true\"}\n"
	"  ownerReferences: [{kind: Challenge, name: web-tls-x7k2p-1111-2222, controller: true}]\n"
	"---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: le\n"
	"status:\n  conditions:\n  - {type: Ready, status: \"True\"}\n";

static void test_yaml_owner_refs(void **state)
{
	struct analysis a;
	struct ruleset rs;
	char s[512];
	int ch;

	(void)state;
	clear_dir();
	write_file("all.yaml", yaml);
	run(&a, &rs, no_rules);
	chain_string(&a, "Pod", "web", "cm-acme-http-solver-abcde", s,
		     sizeof(s));
	/* The random CertificateRequest name needs its owner reference. */
	assert_string_equal(s, "Certificate/web-tls>CertificateRequest/web-tls-x7k2p>"
			    "Order/web-tls-x7k2p-1111>Challenge/web-tls-x7k2p-1111-2222>"
			    "Pod/cm-acme-http-solver-abcde");
	ch = graph_find(&a.graph, "Challenge", "web", "web-tls-x7k2p-1111-2222");
	assert_int_equal(a.graph.v[ch].parent_link, LINK_OWNER);
	assert_string_equal(a.graph.v[graph_chain_issuer(&a.graph, ch)].name,
			    "le");
	analysis_free(&a);
	ruleset_free(&rs);
}

/* Keys longer than the room kept for them on the stack still link. */
static void test_long_names(void **state)
{
	char ns[301], name[301], req[310], text[2048], s[2048], want[1024];
	struct analysis a;
	struct ruleset rs;
	int cr;

	(void)state;
	memset(ns, 'n', 300);
	ns[300] = '\0';
	memset(name, 'c', 300);
	name[300] = '\0';
	snprintf(req, sizeof(req), "%s-x7k2p", name);
	snprintf(text, sizeof(text),
		 "apiVersion: cert-manager.io/v1\nkind: Certificate\n"
		 "metadata:\n  name: %s\n  namespace: %s\n---\n"
		 "apiVersion: cert-manager.io/v1\nkind: CertificateRequest\n"
		 "metadata:\n  name: %s\n  namespace: %s\n"
		 "  ownerReferences: [{kind: Certificate, name: %s, "
		 "controller: true}]\n", name, ns, req, ns, name);
	clear_dir();
	write_file("long.yaml", text);
	run(&a, &rs, no_rules);
	chain_string(&a, "CertificateRequest", ns, req, s, sizeof(s));
	snprintf(want, sizeof(want), "Certificate/%s>CertificateRequest/%s",
		 name, req);
	assert_string_equal(s, want);
	/* Without a kind: by namespace and name. */
	cr = graph_find(&a.graph, NULL, ns, req);
	assert_true(cr >= 0);
	assert_string_equal(a.graph.v[cr].kind, "CertificateRequest");
	analysis_free(&a);
	ruleset_free(&rs);
}

/* Describe output has no owner references here: events and names link. */
static const char describe[] =
	"Name:         example-com-2745722290\nNamespace:    default\n"
	"API Version:  cert-manager.io/v1\nKind:         CertificateRequest\n"
	"Events:\n"
	"  Type    Reason        Age   From          Message\n"
	"  ----    ------        ----  ----          -------\n"
	"  Normal  OrderCreated  5s    cert-manager  Created Order resource default/example-com-2745722290-439160286\n"
	"\n"
	"Name:         example-com-2745722290-439160286\nNamespace:    default\n"
	"API Version:  acme.cert-manager.io/v1\nKind:         Order\n"
	"Status:\n  State:  pending\n"
	"Events:\n"
	"  Type    Reason   Age   From          Message\n"
	"  ----    ------   ----  ----          -------\n"
	"  Normal  Created  1m    cert-manager  Created Challenge resource \"example-com-2745722290-439160286-0\" for domain \"test1.example.com\"\n";

static void test_describe_only(void **state)
{
	struct analysis a;
	struct ruleset rs;
	char s[512];
	int node;

	(void)state;
	clear_dir();
	write_file("describe.txt", describe);
	run(&a, &rs, no_rules);
	/* The Challenge is known only from the Order's event. */
	chain_string(&a, "Challenge", "default",
		     "example-com-2745722290-439160286-0", s, sizeof(s));
	assert_string_equal(s, "Certificate/example-com*>"
			    "CertificateRequest/example-com-2745722290>"
			    "Order/example-com-2745722290-439160286>"
			    "Challenge/example-com-2745722290-439160286-0*");
	node = graph_find(&a.graph, "Order", "default",
			  "example-com-2745722290-439160286");
	assert_int_equal(a.graph.v[node].parent_link, LINK_EVENT);
	analysis_free(&a);
	ruleset_free(&rs);
}

static const char pack[] =
	"rules:\n"
	"  - id: self-check\n    title: Self check\n    severity: high\n"
	"    match: {log: {msg: propagation check failed}}\n"
	"  - id: order-stuck\n    title: Order stuck\n    severity: high\n"
	"    match: {object: {kind: Order, status.state: pending}}\n"
	"    suppressed_by: [self-check]\n"
	"  - id: cert-not-ready\n    title: Not ready\n    severity: medium\n"
	"    match: {condition: {kind: Certificate, type: Ready, status: 'False'}}\n"
	"    suppressed_by: [self-check]\n";

static void test_log_only_and_folding(void **state)
{
	static const char log[] =
		"E0501 10:05:00.000001       1 sync.go:208] \"propagation check failed\" err=\"wrong status code '404', expected '200'\" logger=\"cert-manager.controller\" resource_name=\"web-tls-x7k2p-1111-2222\" resource_namespace=\"web\" resource_kind=\"Challenge\"\n";
	struct analysis a;
	struct ruleset rs;
	struct chain_item items[CHAIN_MAX];
	const struct finding *cause = NULL;
	size_t i, n, echoes = 0;

	(void)state;
	clear_dir();
	write_file("all.yaml", yaml);
	write_file("cm.log", log);
	run(&a, &rs, pack);
	for (i = 0; i < a.findings.n; i++) {
		const struct finding *f = a.findings.v[i];

		if (!strcmp(f->rule->id, "self-check")) {
			cause = f;
			continue;
		}
		/* Order and Certificate echoes fold into the Challenge. */
		assert_true(f->suppressed);
		echoes++;
	}
	assert_non_null(cause);
	assert_int_equal(echoes, 2);
	assert_int_equal(cause->rank, 1);
	assert_false(cause->suppressed);
	n = summary_affects(&a, cause, items, CHAIN_MAX);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].kind, "Order");
	assert_string_equal(items[2].kind, "Certificate");
	n = summary_chain(&a, cause, items, CHAIN_MAX);
	assert_int_equal(n, 5);	/* Certificate .. Challenge, then the issuer */
	assert_string_equal(items[4].kind, "ClusterIssuer");
	analysis_free(&a);
	ruleset_free(&rs);

	/* Only the log: the chain comes from the naming scheme, inferred. */
	clear_dir();
	write_file("cm.log", "E0501 10:05:00.000001       1 sync.go:208] \"propagation check failed\" logger=\"cert-manager.controller\" resource_name=\"shop-tls-1-2745722290-4391602865\" resource_namespace=\"shop\" resource_kind=\"Challenge\"\n");
	run(&a, &rs, pack);
	assert_int_equal(a.findings.n, 1);
	n = summary_chain(&a, a.findings.v[0], items, CHAIN_MAX);
	assert_int_equal(n, 4);
	assert_string_equal(items[0].name, "shop-tls");
	assert_true(items[0].inferred);
	assert_string_equal(items[1].name, "shop-tls-1");
	assert_string_equal(items[2].name, "shop-tls-1-2745722290");
	analysis_free(&a);
	ruleset_free(&rs);
}

static void test_resolved_ranks_low(void **state)
{
	/* An old failure on a Challenge now valid, a current one elsewhere. */
	static const char objs[] =
		"apiVersion: acme.cert-manager.io/v1\nkind: Challenge\nmetadata:\n"
		"  name: old-tls-1-1-1\n  namespace: a\n  creationTimestamp: \"2024-05-01T08:00:00Z\"\n"
		"status: {state: valid}\n"
		"---\napiVersion: acme.cert-manager.io/v1\nkind: Challenge\nmetadata:\n"
		"  name: new-tls-1-1-1\n  namespace: b\n  creationTimestamp: \"2024-05-01T10:00:00Z\"\n"
		"status: {state: pending}\n";
	static const char log[] =
		"{\"ts\":1714550400000,\"msg\":\"propagation check failed\",\"resource_name\":\"old-tls-1-1-1\",\"resource_namespace\":\"a\",\"resource_kind\":\"Challenge\",\"err\":\"x\"}\n"
		"{\"ts\":1714550410000,\"msg\":\"propagation check failed\",\"resource_name\":\"old-tls-1-1-1\",\"resource_namespace\":\"a\",\"resource_kind\":\"Challenge\",\"err\":\"x\"}\n"
		"{\"ts\":1714557600000,\"msg\":\"propagation check failed\",\"resource_name\":\"new-tls-1-1-1\",\"resource_namespace\":\"b\",\"resource_kind\":\"Challenge\",\"err\":\"x\"}\n";
	struct analysis a;
	struct ruleset rs;

	(void)state;
	clear_dir();
	write_file("objs.yaml", objs);
	write_file("cm.log", log);
	run(&a, &rs, pack);
	assert_int_equal(a.findings.n, 2);
	assert_string_equal(a.findings.v[0]->res.name, "new-tls-1-1-1");
	assert_false(a.findings.v[0]->resolved);
	assert_string_equal(a.findings.v[1]->res.name, "old-tls-1-1-1");
	assert_true(a.findings.v[1]->resolved);
	assert_true(a.findings.v[1]->score < a.findings.v[0]->score / 2);
	analysis_free(&a);
	ruleset_free(&rs);

	/* min_age: an object hit is seen from its creation; 2 h old passes. */
	run(&a, &rs, "rules:\n  - id: old\n    title: Old\n"
	    "    match: {object: {kind: Challenge}}\n"
	    "    require: {min_age: 1h}\n");
	assert_int_equal(a.findings.n, 1);
	assert_string_equal(a.findings.v[0]->res.name, "old-tls-1-1-1");
	analysis_free(&a);
	ruleset_free(&rs);
}

static void test_related_conditions(void **state)
{
	static const char objs[] =
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n"
		"  name: shop\n  namespace: shop\n"
		"  annotations: {kubernetes.io/ingress.class: gce, %s}\n"
		"spec:\n  tls:\n  - {hosts: [shop.example.com], secretName: shop-tls}\n"
		"---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n"
		"  name: shop-tls\n  namespace: shop\n"
		"spec: {secretName: shop-tls, issuerRef: {name: le, kind: ClusterIssuer}}\n"
		"---\napiVersion: acme.cert-manager.io/v1\nkind: Challenge\nmetadata:\n"
		"  name: shop-tls-1-2745722290-4391602865\n  namespace: shop\n"
		"spec: {type: HTTP-01}\nstatus: {state: pending}\n"
		"---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: le}\n"
		"spec: {acme: {server: 'https://acme-staging-v02.api.letsencrypt.org/directory'}}\n";
	static const char rules[] =
		"rules:\n"
		"  - id: gce-without-edit-in-place\n    title: GCE\n"
		"    match:\n      object:\n        kind: Challenge\n"
		"        spec.type: HTTP-01\n"
		"        related:\n          ingress:\n"
		"            'metadata.annotations[kubernetes.io/ingress.class]': gce\n"
		"            'metadata.annotations[acme.cert-manager.io/http01-edit-in-place]': {absent: true}\n"
		"  - id: staging-issuer\n    title: Staging\n"
		"    match: {object: {kind: Challenge, related: {issuer: {spec.acme.server: {regex: staging}}}}}\n"
		"  - id: no-such-relative\n    title: None\n"
		"    match: {object: {kind: Challenge, related: {solver: {kind: Pod}}}}\n";
	char text[2048];
	struct analysis a;
	struct ruleset rs;
	int gce = 0, staging = 0;
	size_t i;

	(void)state;
	clear_dir();
	snprintf(text, sizeof(text), objs, "x: y");
	write_file("objs.yaml", text);
	run(&a, &rs, rules);
	for (i = 0; i < a.findings.n; i++) {
		gce += !strcmp(a.findings.v[i]->rule->id,
			       "gce-without-edit-in-place");
		staging += !strcmp(a.findings.v[i]->rule->id, "staging-issuer");
		assert_string_not_equal(a.findings.v[i]->rule->id,
					"no-such-relative");
	}
	assert_int_equal(gce, 1);
	assert_int_equal(staging, 1);
	analysis_free(&a);
	ruleset_free(&rs);
	/* With the edit-in-place annotation the Ingress no longer matches. */
	clear_dir();
	snprintf(text, sizeof(text), objs,
		 "acme.cert-manager.io/http01-edit-in-place: \"true\"");
	write_file("objs.yaml", text);
	run(&a, &rs, rules);
	for (i = 0; i < a.findings.n; i++)
		assert_string_not_equal(a.findings.v[i]->rule->id,
					"gce-without-edit-in-place");
	analysis_free(&a);
	ruleset_free(&rs);
}

static void test_remediation_names_objects(void **state)
{
	struct analysis a;
	struct ruleset rs;

	(void)state;
	clear_dir();
	write_file("cm.log", "E0501 10:05:00.000001       1 sync.go:208] \"propagation check failed\" logger=\"cert-manager.controller\" resource_name=\"shop-tls-1-2745722290-4391602865\" resource_namespace=\"shop\" resource_kind=\"Challenge\" dnsName=\"shop.example.com\"\n");
	run(&a, &rs, "rules:\n  - id: r\n    title: R\n"
	    "    match: {log: {msg: {regex: 'propagation (?<domain>check)'}}}\n"
	    "    remediation: 'kubectl describe challenge -n <namespace> <challenge>; "
	    "order <order>, request <request>, certificate <certificate>; "
	    "<domain>; <unknown> and <issuer> stay'\n");
	assert_int_equal(a.findings.n, 1);
	assert_string_equal(finding_remediation(a.findings.v[0]),
		"kubectl describe challenge -n shop shop-tls-1-2745722290-4391602865; "
		"order shop-tls-1-2745722290, request shop-tls-1, certificate "
		"shop-tls; check; <unknown> and <issuer> stay");
	analysis_free(&a);
	ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_owner_refs),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_describe_only),
		cmocka_unit_test(test_log_only_and_folding),
		cmocka_unit_test(test_resolved_ranks_low),
		cmocka_unit_test(test_related_conditions),
		cmocka_unit_test(test_remediation_names_objects),
	};

	diag_set_quiet(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
