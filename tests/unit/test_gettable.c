/*
 * kubectl get tables: the seed guide's tables, events tables (-A, two
 * tables per file, <unknown> ages), the printer columns of every
 * cert-manager kind, prefixed names, and the helpers shared with the
 * describe parser (kinds, prompts, columns, event ages).
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gettable.h"

#define MAX_GOT 16

struct got {
	struct kobject *obj[MAX_GOT];
	size_t nobj;
	struct kevent ev[MAX_GOT];
	size_t nev;
	struct input in;
};

static void on_obj(struct kobject *o, void *ctx)
{
	struct got *g = ctx;

	assert_true(g->nobj < MAX_GOT);
	g->obj[g->nobj++] = o;
}

static void on_ev(struct kevent *ev, void *ctx)
{
	struct got *g = ctx;

	assert_true(g->nev < MAX_GOT);
	g->ev[g->nev++] = *ev;
	memset(ev, 0, sizeof(*ev));
}

static void got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->nobj; i++)
		kobject_free(g->obj[i]);
	for (i = 0; i < g->nev; i++)
		kevent_clear(&g->ev[i]);
	input_free(&g->in);
	memset(g, 0, sizeof(*g));
}

static char *read_data(const char *name)
{
	char path[512];
	const char *src = __FILE__, *unit = strstr(src, "unit/test_");
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%.*sdata/%s",
		 unit ? (int)(unit - src) : 0, src, name);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(path, sizeof(path), "tests/data/%s", name);
		f = fopen(path, "rb");
	}
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	return p;
}

static void run(struct got *g, const char *text, const char *hint, int crlf)
{
	struct parse_ctx pc;
	struct gettable *t;
	unsigned long lineno = 0;
	const char *p = text;
	char buf[4096];

	memset(g, 0, sizeof(*g));
	input_init(&g->in, "test");
	memset(&pc, 0, sizeof(pc));
	pc.source = "table.txt";
	pc.in = &g->in;
	pc.on_object = on_obj;
	pc.on_event = on_ev;
	pc.ctx = g;
	pc.resource_hint = hint;
	t = gettable_new(&pc);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		assert_true(n + 2 < sizeof(buf));
		memcpy(buf, p, n);
		if (crlf)
			buf[n] = '\r';
		gettable_line(t, slice_make(buf, n + (size_t)crlf), ++lineno);
		p += n + (nl ? 1 : 0);
	}
	gettable_end(t);
	gettable_free(t);
}

static void run_file(struct got *g, const char *name, int crlf)
{
	char *text = read_data(name);

	run(g, text, NULL, crlf);
	free(text);
}

static void assert_str(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static const char *value(const struct kobject *o, const char *path)
{
	const struct fnode *n = fnode_find(o->root, path);

	return n ? n->value : NULL;
}

static int64_t age_of(const struct kobject *o)
{
	const char *a = value(o, "age");

	return a ? parse_age(a, strlen(a)) : -1;
}

/* ---- Resource tables ---- */

static void test_seed_clusterissuers(void **state)
{
	struct got g;
	int crlf;

	(void)state;
	for (crlf = 0; crlf < 2; crlf++) {
		run_file(&g, "gettable/seed-get-clusterissuer.txt", crlf);
		assert_int_equal(g.nobj, 2);
		assert_int_equal(g.nev, 0);
		assert_str(g.obj[0]->kind, "ClusterIssuer");
		assert_null(g.obj[0]->ns);
		assert_str(g.obj[0]->name, "letsencrypt");
		assert_int_equal(g.obj[0]->partial, 1);
		assert_int_equal(g.obj[0]->origin, ORIGIN_TABLE);
		assert_str(g.obj[0]->source, "table.txt");
		assert_int_equal(g.obj[0]->line, 4);
		assert_str(kobject_condition(g.obj[0], "Ready")->status, "True");
		assert_null(kobject_condition(g.obj[0], "Ready")->message);
		assert_int_equal(age_of(g.obj[0]), 38 * 60);
		assert_str(g.obj[1]->name, "letsencrypt-http");
		assert_str(kobject_condition(g.obj[1], "Ready")->status,
			   "False");
		/* Printed one column to the right of AGE's header. */
		assert_str(value(g.obj[1], "age"), "32m");
		assert_int_equal(g.in.nerrors, 0);
		got_free(&g);
	}
}

static void test_seed_challenges(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "gettable/seed-get-challenges.txt", 0);
	assert_int_equal(g.nobj, 1);
	o = g.obj[0];
	assert_str(o->kind, "Challenge");
	assert_str(o->name, "example-com-2745722290-4391602865-0");
	assert_null(o->ns);
	assert_str(value(o, "status.state"), "pending");
	assert_str(value(o, "spec.dnsName"), "example.com");
	assert_str(value(o, "status.reason"),
		   "Waiting for dns-01 challenge propagation");
	assert_int_equal(age_of(o), 22);
	assert_int_equal(o->nconds, 0);
	got_free(&g);
}

static void test_certificates(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "gettable/certificates-wide.txt", 0);
	assert_int_equal(g.nobj, 2);
	o = g.obj[0];
	assert_str(o->kind, "Certificate");
	assert_str(value(o, "spec.secretName"), "example-com-tls");
	assert_str(value(o, "spec.issuerRef.name"), "letsencrypt-prod");
	assert_str(kobject_condition(o, "Ready")->status, "False");
	assert_str(kobject_condition(o, "Ready")->message,
		   "Issuing certificate as Secret does not exist");
	assert_null(fnode_find(o->root, "status.notAfter"));
	o = g.obj[1];
	assert_str(kobject_condition(o, "Ready")->status, "True");
	assert_str(value(o, "status.notAfter"), "2024-07-30T10:01:39Z");
	assert_int_equal(age_of(o), 91 * 86400);
	got_free(&g);

	run_file(&g, "gettable/certificaterequests.txt", 0);
	assert_int_equal(g.nobj, 2);
	o = g.obj[0];
	assert_str(o->kind, "CertificateRequest");
	assert_int_equal(o->nconds, 2);
	assert_str(kobject_condition(o, "Approved")->status, "True");
	assert_null(kobject_condition(o, "Denied"));
	assert_str(kobject_condition(o, "Ready")->status, "False");
	assert_str(value(o, "spec.username"),
		   "system:serviceaccount:cert-manager:cert-manager");
	assert_str(value(o, "spec.issuerRef.name"), "letsencrypt-prod");
	o = g.obj[1];
	assert_str(kobject_condition(o, "Denied")->status, "True");
	assert_int_equal(age_of(o), 5 * 3600 + 3 * 60);
	got_free(&g);
}

static void test_prefixed_names(void **state)
{
	struct got g;

	(void)state;
	run_file(&g, "gettable/get-two-kinds.txt", 0);
	assert_int_equal(g.nobj, 2);
	assert_str(g.obj[0]->kind, "Certificate");
	assert_str(g.obj[0]->name, "example-com-tls");
	assert_str(g.obj[0]->ns, "default");
	assert_str(g.obj[1]->kind, "Challenge");
	assert_str(g.obj[1]->name, "example-com-tls-1-2745722290-4391602865");
	assert_str(value(g.obj[1], "status.state"), "pending");
	got_free(&g);
}

static void test_pods(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "gettable/pods-all-namespaces.txt", 0);
	assert_int_equal(g.nobj, 2);
	o = g.obj[0];
	assert_str(o->kind, "Pod");
	assert_str(o->ns, "cert-manager");
	assert_int_equal(o->nconds, 0);
	assert_str(value(o, "columns.ready"), "0/1");
	assert_str(value(o, "columns.status"), "CrashLoopBackOff");
	assert_str(value(o, "columns.restarts"), "12 (2m ago)");
	assert_str(g.obj[1]->name, "cert-manager-webhook-6d5c8b7f9-abcde");
	got_free(&g);
}

/* ---- Events ---- */

static void test_events_all_namespaces(void **state)
{
	static const struct {
		const char *ns, *kind, *name, *type, *reason;
		int64_t last, first;
		unsigned long count;
		const char *message;
	} want[] = {
		{ "default", "Ingress", "kuard", "Normal", "CreateCertificate", 7,
		  7, 1, "Successfully created Certificate \"kuard-secret\"" },
		{ "default", "Challenge",
		  "example-com-tls-1-2745722290-4391602865", "Normal", "Started",
		  46, 46, 1, "Challenge scheduled for processing" },
		{ "default", "Challenge",
		  "wild-example-com-1-1580467882-4097216534", "Warning",
		  "PresentError", 20, 310, 7, "Error presenting challenge: failed "
		  "to change Route 53 record set:  AccessDenied  (double spaces "
		  "kept)" },
		{ "cert-manager", "ClusterIssuer", "letsencrypt-prod", "Warning",
		  "ErrInitIssuer", 120, 120, 1, NULL },
		{ "default", "CertificateRequest", "example-com-tls-1", "Warning",
		  "OrderFailed", 22, 22, 1, "Failed to wait for order resource "
		  "\"example-com-tls-1-2745722290\" to become ready: order is in "
		  "\"invalid\" state:" },
		{ "kube-system", "Pod", "coredns-5d78c9869d-abcde", "Normal",
		  "Pulled", 180, 180, 1, NULL },
	};
	struct got g;
	size_t i;

	(void)state;
	run_file(&g, "gettable/events-all-namespaces.txt", 0);
	assert_int_equal(g.nobj, 0);
	assert_int_equal(g.nev, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		const struct kevent *e = &g.ev[i];

		assert_str(e->obj_ns, want[i].ns);
		assert_str(e->obj_kind, want[i].kind);
		assert_str(e->obj_name, want[i].name);
		assert_str(e->type, want[i].type);
		assert_str(e->reason, want[i].reason);
		assert_int_equal(e->last_age_s, want[i].last);
		assert_int_equal(e->first_age_s, want[i].first);
		assert_int_equal(e->count, want[i].count);
		if (want[i].message)
			assert_str(e->message, want[i].message);
		assert_null(e->from);
		assert_str(e->source, "table.txt");
		assert_int_equal(e->line, i + 3);
	}
	assert_str(g.ev[2].age, "20s (x7 over 5m10s)");
	got_free(&g);
}

/* Appendix E, verbatim: an -A header over a row without its namespace. */
static void test_appendix_e_events(void **state)
{
	struct got g;

	(void)state;
	run_file(&g, "gettable/appendix-e-events.txt", 0);
	assert_int_equal(g.nev, 1);
	assert_null(g.ev[0].obj_ns);
	assert_str(g.ev[0].obj_kind, "Ingress");
	assert_str(g.ev[0].obj_name, "kuard");
	assert_str(g.ev[0].type, "Normal");
	assert_str(g.ev[0].reason, "CreateCertificate");
	assert_int_equal(g.ev[0].last_age_s, 7);
	assert_str(g.ev[0].message,
		   "Successfully created Certificate \"kuard-secret\"");
	assert_int_equal(g.in.nerrors, 0);
	got_free(&g);
}

static void test_two_tables(void **state)
{
	struct got g;

	(void)state;
	run_file(&g, "gettable/two-tables.txt", 0);
	assert_int_equal(g.nobj, 2);
	assert_str(g.obj[0]->kind, "Challenge");
	assert_str(g.obj[0]->ns, "default");	/* from -n */
	assert_str(value(g.obj[0], "status.reason"), "Waiting for HTTP-01 "
		   "challenge propagation: wrong status code '404', expected "
		   "'200'");
	assert_str(g.obj[1]->name, "wild-example-com-1-1580467882-4097216534");
	assert_null(fnode_find(g.obj[1]->root, "status.reason"));
	assert_int_equal(age_of(g.obj[1]), 5 * 60 + 12);
	assert_int_equal(g.nev, 2);
	assert_str(g.ev[0].obj_kind, "Order");
	assert_str(g.ev[0].obj_ns, "default");
	assert_int_equal(g.ev[0].last_age_s, 98);
	assert_str(g.ev[1].obj_kind, "Challenge");
	assert_int_equal(g.ev[1].last_age_s, -1);
	assert_int_equal(g.ev[1].count, 1);
	assert_str(g.ev[1].reason, "Failed");
	assert_int_equal(g.in.nerrors, 0);
	got_free(&g);
}

/* A table without a prompt: the hint from the caller gives the kind. */
static void test_hint(void **state)
{
	static const char table[] =
		"NAME                           STATE     AGE\n"
		"example-com-2745722290-439160286   valid   5m\n"
		"\n"
		"NAME      READY   AGE\n"
		"ca        True    3d\n";
	struct parse_ctx pc;
	struct gettable *t;
	struct got g;
	const char *p = table;
	unsigned long lineno = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	input_init(&g.in, "test");
	memset(&pc, 0, sizeof(pc));
	pc.in = &g.in;
	pc.on_object = on_obj;
	pc.ctx = &g;
	pc.resource_hint = "orders.acme.cert-manager.io";
	t = gettable_new(&pc);
	while (*p) {
		const char *nl = strchr(p, '\n');

		if (lineno == 2)
			gettable_set_hint(t, "iss");
		gettable_line(t, slice_make(p, (size_t)(nl - p)), ++lineno);
		p = nl + 1;
	}
	gettable_end(t);
	gettable_free(t);
	assert_int_equal(g.nobj, 2);
	assert_str(g.obj[0]->kind, "Order");
	/* The row is not aligned with its header: split on blanks. */
	assert_str(g.obj[0]->name, "example-com-2745722290-439160286");
	assert_str(value(g.obj[0], "status.state"), "valid");
	assert_str(value(g.obj[0], "age"), "5m");
	assert_str(g.obj[1]->kind, "Issuer");
	assert_str(kobject_condition(g.obj[1], "Ready")->status, "True");
	got_free(&g);
}

/* A describe pasted between tables goes to a nested describe parser. */
static void test_describe_inside(void **state)
{
	struct got g;

	(void)state;
	run_file(&g, "describe/mixed-session.txt", 0);
	assert_int_equal(g.nobj, 3);
	assert_int_equal(g.obj[0]->origin, ORIGIN_TABLE);
	assert_int_equal(g.obj[1]->origin, ORIGIN_DESCRIBE);
	assert_int_equal(g.obj[1]->nevents, 4);
	assert_str(g.obj[2]->kind, "Challenge");
	assert_str(g.obj[2]->ns, "default");
	got_free(&g);
}

static void test_broken_rows(void **state)
{
	static const char table[] =
		"$ kubectl get challenges\n"
		"NAME    STATE     AGE\n"
		"        pending   3s\n"
		"This line is prose that follows the table.\n"
		"ok      valid     1s\n";
	struct got g;

	(void)state;
	run(&g, table, NULL, 0);
	/* No NAME: skipped; prose: ends the table, so "ok" is not read. */
	assert_int_equal(g.nobj, 0);
	assert_int_equal(g.in.nerrors, 2);
	assert_non_null(strstr(g.in.errors[0].where, ":3:1"));
	got_free(&g);
}

/* ---- Helpers ---- */

static void test_kinds(void **state)
{
	static const struct {
		const char *in, *kind;
	} cases[] = {
		{ "challenges", "Challenge" }, { "challenge", "Challenge" },
		{ "Challenge", "Challenge" },
		{ "challenges.acme.cert-manager.io", "Challenge" },
		{ "certificates", "Certificate" }, { "cert", "Certificate" },
		{ "certs", "Certificate" }, { "CERTIFICATE", "Certificate" },
		{ "certificaterequests", "CertificateRequest" },
		{ "certificaterequest", "CertificateRequest" },
		{ "cr", "CertificateRequest" }, { "crs", "CertificateRequest" },
		{ "orders", "Order" }, { "order.acme.cert-manager.io", "Order" },
		{ "issuers", "Issuer" }, { "iss", "Issuer" },
		{ "clusterissuers", "ClusterIssuer" },
		{ "ciss", "ClusterIssuer" },
		{ "clusterissuers.cert-manager.io", "ClusterIssuer" },
		{ "ingress", "Ingress" }, { "ing", "Ingress" },
		{ "ingresses.networking.k8s.io", "Ingress" },
		{ "pods", "Pod" }, { "po", "Pod" }, { "svc", "Service" },
		{ "secrets", "Secret" }, { "ev", "Event" }, { "events", "Event" },
		{ "deploy", "Deployment" }, { "deployments.apps", "Deployment" },
		{ "ns", "Namespace" }, { "nodes", "Node" }, { "cm", "ConfigMap" },
		{ "a,b", NULL }, { "certificate,challenge", NULL },
		{ "all", NULL }, { "helmreleases", NULL }, { "", NULL },
		{ ".x", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("%s\n", cases[i].in);
		assert_str(k8s_kind_for_resource(cases[i].in,
						 strlen(cases[i].in)),
			   cases[i].kind);
	}
	assert_null(k8s_kind_for_resource(NULL, 0));
	/* Only the first n bytes count. */
	assert_str(k8s_kind_for_resource("challenge/foo", 9), "Challenge");
	assert_true(k8s_kind_is_cert_manager("Order"));
	assert_false(k8s_kind_is_cert_manager("Pod"));
	assert_false(k8s_kind_is_cert_manager(NULL));
}

static void test_prompts(void **state)
{
	static const struct {
		const char *in;
		int is_prompt;
		const char *verb, *resource, *name, *ns, *output;
	} cases[] = {
		{ "$ kubectl get challenges", 1, "get", "challenges", NULL, NULL,
		  NULL },
		{ "$ kubectl get challenges -A", 1, "get", "challenges", NULL,
		  NULL, NULL },
		{ "  $ kubectl -n prod describe challenge/foo", 1, "describe",
		  "challenge", "foo", "prod", NULL },
		{ "$ kubectl describe issuer letsencrypt-http", 1, "describe",
		  "issuer", "letsencrypt-http", NULL, NULL },
		{ "$ kubectl get order x -ojsonpath='{.status}'", 1, "get",
		  "order", "x", NULL, "jsonpath='{.status}'" },
		{ "# kubectl get certs --namespace=web -o wide", 1, "get",
		  "certs", NULL, "web", "wide" },
		{ "user@host:~$ kubectl get cr -n=x --context ctx", 1, "get",
		  "cr", NULL, "x", NULL },
		{ "kubectl get events --all-namespaces | grep cert", 1, "get",
		  "events", NULL, NULL, NULL },
		{ "$ microk8s kubectl get ing", 1, "get", "ing", NULL, NULL,
		  NULL },
		{ "$ cmctl status certificate x", 1, NULL, NULL, NULL, NULL,
		  NULL },
		{ "# Troubleshooting", 0, NULL, NULL, NULL, NULL, NULL },
		{ "Name:  foo", 0, NULL, NULL, NULL, NULL, NULL },
		{ "$", 0, NULL, NULL, NULL, NULL, NULL },
		{ "", 0, NULL, NULL, NULL, NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct gettable_prompt p;

		print_message("%s\n", cases[i].in);
		assert_int_equal(gettable_prompt_parse(slice_cstr(cases[i].in),
						       &p),
				 cases[i].is_prompt);
		assert_str(p.verb, cases[i].verb);
		assert_str(p.resource, cases[i].resource);
		assert_str(p.name, cases[i].name);
		assert_str(p.ns, cases[i].ns);
		assert_str(p.output, cases[i].output);
		gettable_prompt_free(&p);
	}
}

static void test_columns(void **state)
{
	static const struct {
		const char *header, *row;
		const char *cells;	/* joined with '|' */
	} cases[] = {
		{ "NAME   READY   AGE", "a      True    3m", "a|True|3m" },
		/* Empty cells and cells with spaces, aligned. */
		{ "NAME   REASON        AGE", "a      two words     3m",
		  "a|two words|3m" },
		{ "NAME   REASON        AGE", "a                    3m", "a||3m" },
		/* The last column takes the rest, double spaces included. */
		{ "  Type    Reason  Age  From  Message",
		  "  Normal  Ok      1s   me    a  b  c", "Normal|Ok|1s|me|a  b  c" },
		/* Not aligned: runs of two blanks. */
		{ "NAME   READY   AGE", "longer-name  False  3m",
		  "longer-name|False|3m" },
		/* Not aligned and short: nearest column. */
		{ "NAME     READY   SECRET   AGE", "a-long-name-here  s  9m",
		  "a-long-name-here||s|9m" },
		/* A header with single spaces only. */
		{ "Type Reason Age From Message",
		  "  Warning  Failed  2m  x  it broke  badly",
		  "Warning|Failed|2m|x|it broke  badly" },
		{ "LAST SEEN   TYPE   REASON", "<unknown>   Normal   X",
		  "<unknown>|Normal|X" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct gettable_cols c;
		struct slice cells[GETTABLE_MAX_COLS];
		struct buf out = BUF_INIT;

		print_message("%s\n", cases[i].row);
		assert_true(gettable_cols_parse(&c, slice_cstr(cases[i].header))
			    >= 3);
		gettable_cols_split(&c, slice_cstr(cases[i].row), cells);
		for (j = 0; j < c.n; j++) {
			if (j)
				buf_addc(&out, '|');
			buf_addslice(&out, cells[j]);
		}
		assert_string_equal(buf_str(&out), cases[i].cells);
		buf_free(&out);
	}
	{
		struct gettable_cols c;

		gettable_cols_parse(&c, slice_cstr("NAMESPACE   LAST SEEN   "
						   "TYPE"));
		assert_int_equal(c.n, 3);
		assert_string_equal(c.name[1], "LAST SEEN");
		assert_int_equal(c.start[1], 12);
		assert_int_equal(gettable_cols_find(&c, "lastseen"), 1);
		assert_int_equal(gettable_cols_find(&c, "Type"), 2);
		assert_int_equal(gettable_cols_find(&c, "message"), -1);
		assert_int_equal(gettable_cols_parse(&c, slice_cstr("   ")), 0);
	}
}

static void test_header_lines(void **state)
{
	static const struct {
		const char *in;
		int is_header;
	} cases[] = {
		{ "NAME   READY   AGE", 1 },
		{ "NAMESPACE   LAST SEEN   TYPE     REASON   OBJECT   MESSAGE", 1 },
		{ "LAST SEEN   TYPE   REASON   OBJECT   MESSAGE", 1 },
		{ "  NAME   READY   AGE", 1 },
		{ "NAME", 0 },
		{ "NAME  ready  AGE", 0 },
		{ "Name:         foo", 0 },
		{ "  Type    Reason   Age   From   Message", 0 },
		{ "STATUS   NAME", 0 },
		{ "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(gettable_header_line(slice_cstr(cases[i].in)),
				 cases[i].is_header);
}

static void test_event_ages(void **state)
{
	static const struct {
		const char *in;
		unsigned long count;
		int64_t last, first;
	} cases[] = {
		{ "106s", 1, 106, 106 },
		{ "101s (x3 over 106s)", 3, 101, 106 },
		{ "2m15s (x5279 over 22m)", 5279, 135, 1320 },
		{ "<unknown>", 1, -1, -1 },
		{ "<invalid>", 1, -1, -1 },
		{ "", 1, -1, -1 },
		{ "soon", 1, -1, -1 },
		{ "5d4h", 1, 5 * 86400 + 4 * 3600, 5 * 86400 + 4 * 3600 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kevent ev;

		memset(&ev, 0, sizeof(ev));
		gettable_event_age(&ev, slice_cstr(cases[i].in));
		assert_int_equal(ev.count, cases[i].count);
		assert_int_equal(ev.last_age_s, cases[i].last);
		assert_int_equal(ev.first_age_s, cases[i].first);
	}
}

static void test_clean_line(void **state)
{
	struct buf b = BUF_INIT;
	struct slice s;

	(void)state;
	s = gettable_clean_line(&b, slice_cstr("a\tb\r"));
	assert_int_equal(s.n, 9);
	assert_memory_equal(s.p, "a       b", 9);
	s = gettable_clean_line(&b, slice_cstr("12345678\tx"));
	assert_int_equal(s.n, 17);
	s = gettable_clean_line(&b, slice_make("", 0));
	assert_int_equal(s.n, 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_clusterissuers),
		cmocka_unit_test(test_seed_challenges),
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_prefixed_names),
		cmocka_unit_test(test_pods),
		cmocka_unit_test(test_events_all_namespaces),
		cmocka_unit_test(test_appendix_e_events),
		cmocka_unit_test(test_two_tables),
		cmocka_unit_test(test_hint),
		cmocka_unit_test(test_describe_inside),
		cmocka_unit_test(test_broken_rows),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_prompts),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_header_lines),
		cmocka_unit_test(test_event_ages),
		cmocka_unit_test(test_clean_line),
	};

	diag_set_quiet(2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
