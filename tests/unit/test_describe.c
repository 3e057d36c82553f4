/*
 * kubectl describe: every describe example of the seed guide and of the
 * reference's Appendix B (tests/data/describe/), checked field by field,
 * and the messy pastes: prompts, "..." cuts, fragments, several objects
 * per file, values that break the layout, CRLF, very old kubectl.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
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

/* tests/data/describe/<name>, found from this file's own path. */
static char *read_data(const char *name)
{
	char path[512];
	const char *src = __FILE__, *unit = strstr(src, "unit/test_");
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%.*sdata/describe/%s",
		 unit ? (int)(unit - src) : 0, src, name);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(path, sizeof(path), "tests/data/describe/%s", name);
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

/* Feed text line by line; crlf adds "\r" to every line. */
static void feed(struct describe *d, const char *text, int crlf,
		 unsigned long *lineno)
{
	const char *p = text;
	char buf[4096];

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		assert_true(n + 2 < sizeof(buf));
		memcpy(buf, p, n);
		if (crlf)
			buf[n++] = '\r';
		describe_line(d, slice_make(buf, n), ++*lineno);
		p += n - (size_t)crlf + (nl ? 1 : 0);
	}
}

static void run_text(struct got *g, const char *text, int crlf,
		     size_t max_bytes)
{
	struct parse_ctx pc;
	struct describe *d;
	unsigned long lineno = 0;

	memset(g, 0, sizeof(*g));
	input_init(&g->in, "test");
	memset(&pc, 0, sizeof(pc));
	pc.source = "test.txt";
	pc.in = &g->in;
	pc.on_object = on_obj;
	pc.on_event = on_ev;
	pc.ctx = g;
	pc.max_object_bytes = max_bytes;
	d = describe_new(&pc);
	feed(d, text, crlf, &lineno);
	describe_end(d);
	describe_free(d);
}

static void run_file(struct got *g, const char *name, int crlf)
{
	char *text = read_data(name);

	run_text(g, text, crlf, 0);
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

static size_t list_len(const struct kobject *o, const char *path)
{
	const struct fnode *n = fnode_find(o->root, path);

	assert_non_null(n);
	assert_int_equal(n->type, FN_LIST);
	return n->nkids;
}

/* ---- The examples, table-driven ---- */

struct want_cond {
	const char *type, *status, *reason, *message;
};

struct want_field {
	const char *path, *value;
};

struct want_ev {
	const char *type, *reason;
	unsigned long count;
	int64_t last, first;
	const char *from, *message;
};

struct example {
	const char *file;
	const char *kind, *ns, *name, *api_version;
	int partial;
	struct want_cond conds[3];
	struct want_field fields[12];
	const char *owner_kind, *owner_name;
	const char *annotation, *annotation_value;
	size_t nevents;
	struct want_ev events[4];	/* the first ones */
};

#define MSG_B3_ISSUING "The certificate request has failed to complete and " \
	"will be retried: Failed to wait for order resource " \
	"\"example-com-tls-1-2745722290\" to become ready: order is in " \
	"\"invalid\" state: "
#define MSG_B4_READY "Failed to wait for order resource " \
	"\"example-com-tls-1-2745722290\" to become ready: order is in " \
	"\"invalid\" state: "
#define AUTHZ "https://acme-v02.api.letsencrypt.org/acme/authz/1234567/987654321"
#define CHALL "https://acme-v02.api.letsencrypt.org/acme/chall/1234567/" \
	"987654321/AbCdEf"
#define TOKEN "xR2kT4e8Zb0c9pQwYtHn3vJm5LdFgA7sUiOeKrMzWqE"
#define B7_REASON "Error accepting authorization: acme: authorization " \
	"error for example.com: 403 urn:ietf:params:acme:error:unauthorized: " \
	"203.0.113.10: Invalid response from http://example.com/.well-known/" \
	"acme-challenge/" TOKEN ": 404"
#define SELF_CHECK "Waiting for http-01 challenge propagation: failed to " \
	"perform self check GET request 'http://example.com/.well-known/" \
	"acme-challenge/_fgdLz0i3TFiZW4LBjuhjgd5nTOkaMBhxYmTY': Get " \
	"\"http://example.com/.well-known/acme-challenge/" \
	"_fgdLz0i3TFiZW4LBjuhjgd5nTOkaMBhxYmTY: remote error: tls: handshake " \
	"failure"

static const struct example examples[] = {
	{ "b2-clusterissuer.txt", "ClusterIssuer", NULL, "letsencrypt-prod",
	  "cert-manager.io/v1", 0,
	  { { "Ready", "False", "ErrRegisterACMEAccount",
	      "Failed to register ACME account: 400 urn:ietf:params:acme:"
	      "error:invalidContact: Error validating contact(s) :: contact "
	      "email has forbidden domain \"example.com\"" } },
	  { { "spec.acme.server",
	      "https://acme-v02.api.letsencrypt.org/directory" },
	    { "spec.acme.email", "admin@example.com" },
	    { "spec.acme.privateKeySecretRef.name", "letsencrypt-prod" },
	    { "spec.acme.solvers.http01.ingress.ingressClassName", "nginx" },
	    { "metadata.uid", "3c1e6b0e-5d0a-4b8e-9f43-0f7b8a1d2c11" },
	    { "metadata.creationTimestamp", "2024-05-01T09:58:12Z" },
	    { "status.conditions.observedGeneration", "1" } },
	  NULL, NULL, NULL, NULL, 0, { { NULL, NULL, 0, 0, 0, NULL, NULL } } },
	{ "b3-certificate.txt", "Certificate", "default", "example-com-tls",
	  "cert-manager.io/v1", 0,
	  { { "Ready", "False", "DoesNotExist",
	      "Issuing certificate as Secret does not exist" },
	    { "Issuing", "False", "Failed", MSG_B3_ISSUING } },
	  { { "spec.secretName", "example-com-tls" },
	    { "spec.issuerRef.name", "letsencrypt-prod" },
	    { "spec.issuerRef.kind", "ClusterIssuer" },
	    { "spec.issuerRef.group", "cert-manager.io" },
	    { "status.failedIssuanceAttempts", "1" },
	    { "status.lastFailureTime", "2024-05-01T10:01:39Z" },
	    { "metadata.resourceVersion", "48391" },
	    { "metadata.uid", "b7c2a0c4-1f4e-4a57-8f0e-2f3a6b9d0e21" } },
	  "Ingress", "example", NULL, NULL, 4,
	  { { "Normal", "Issuing", 1, 120, 120,
	      "cert-manager-certificates-trigger",
	      "Issuing certificate as Secret does not exist" },
	    { "Normal", "Generated", 1, 120, 120,
	      "cert-manager-certificates-key-manager",
	      "Stored new private key in temporary Secret resource "
	      "\"example-com-tls-8wgkm\"" },
	    { "Normal", "Requested", 1, 120, 120,
	      "cert-manager-certificates-request-manager",
	      "Created new CertificateRequest resource \"example-com-tls-1\"" },
	    { "Warning", "Failed", 1, 21, 21,
	      "cert-manager-certificates-issuing",
	      "The certificate request has failed to complete and will be "
	      "retried: Failed to wait for order resource "
	      "\"example-com-tls-1-2745722290\" to become ready: order is in "
	      "\"invalid\" state:" } } },
	{ "b4-certificaterequest.txt", "CertificateRequest", "default",
	  "example-com-tls-1", "cert-manager.io/v1", 0,
	  { { "Approved", "True", "cert-manager.io",
	      "Certificate request has been approved by cert-manager.io" },
	    { "Ready", "False", "Failed", MSG_B4_READY } },
	  { { "spec.username",
	      "system:serviceaccount:cert-manager:cert-manager" },
	    { "spec.uid", "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b" },
	    { "spec.issuerRef.name", "letsencrypt-prod" },
	    { "spec.request", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K"
	      "TUlJQ...LS0tLS0K" },
	    { "status.failureTime", "2024-05-01T10:01:38Z" },
	    { "metadata.uid", "c0ffee00-1111-4222-8333-444455556666" } },
	  "Certificate", "example-com-tls", "cert-manager.io/certificate-name",
	  "example-com-tls", 4,
	  { { "Normal", "WaitingForApproval", 1, 120, 120,
	      "cert-manager-certificaterequests-issuer-acme",
	      "Not signing CertificateRequest until it is Approved" },
	    { "Normal", "cert-manager.io", 1, 120, 120,
	      "cert-manager-certificaterequests-approver",
	      "Certificate request has been approved by cert-manager.io" },
	    { "Normal", "OrderCreated", 1, 120, 120,
	      "cert-manager-certificaterequests-issuer-acme",
	      "Created Order resource default/example-com-tls-1-2745722290" },
	    { "Warning", "OrderFailed", 1, 22, 22,
	      "cert-manager-certificaterequests-issuer-acme",
	      "Failed to wait for order resource "
	      "\"example-com-tls-1-2745722290\" to become ready: order is in "
	      "\"invalid\" state:" } } },
	{ "b5-order.txt", "Order", "default", "example-com-tls-1-2745722290",
	  "acme.cert-manager.io/v1", 0, { { NULL, NULL, NULL, NULL } },
	  { { "status.state", "invalid" },
	    { "status.url", "https://acme-v02.api.letsencrypt.org/acme/order/"
	      "1234567/223344556" },
	    { "status.finalizeURL", "https://acme-v02.api.letsencrypt.org/acme/"
	      "finalize/1234567/223344556" },
	    { "status.failureTime", "2024-05-01T10:01:38Z" },
	    { "status.authorizations.identifier", "example.com" },
	    { "status.authorizations.initialState", "pending" },
	    { "status.authorizations.wildcard", "false" },
	    { "status.authorizations.url", AUTHZ },
	    { "status.authorizations.challenges.type", "http-01" },
	    { "status.authorizations.challenges.token", TOKEN },
	    { "spec.issuerRef.kind", "ClusterIssuer" } },
	  "CertificateRequest", "example-com-tls-1",
	  "cert-manager.io/certificate-revision", "1", 1,
	  { { "Normal", "Created", 1, 98, 98, "cert-manager-orders",
	      "Created Challenge resource "
	      "\"example-com-tls-1-2745722290-4391602865\" for domain "
	      "\"example.com\"" } } },
	{ "b6-challenge-http01.txt", "Challenge", "default",
	  "example-com-tls-1-2745722290-4391602865", "acme.cert-manager.io/v1",
	  0, { { NULL, NULL, NULL, NULL } },
	  { { "spec.authorizationURL", AUTHZ },
	    { "spec.dnsName", "example.com" },
	    { "spec.type", "HTTP-01" },
	    { "spec.url", CHALL },
	    { "spec.token", TOKEN },
	    { "spec.wildcard", "false" },
	    { "spec.solver.http01.ingress.ingressClassName", "nginx" },
	    { "status.presented", "true" },
	    { "status.processing", "true" },
	    { "status.reason", "Waiting for HTTP-01 challenge propagation: "
	      "wrong status code '404', expected '200'" },
	    { "status.state", "pending" },
	    { "metadata.generation", "1" } },
	  "Order", "example-com-tls-1-2745722290", NULL, NULL, 2,
	  { { "Normal", "Started", 1, 46, 46, "cert-manager-challenges",
	      "Challenge scheduled for processing" },
	    { "Normal", "Presented", 1, 45, 45, "cert-manager-challenges",
	      "Presented challenge using HTTP-01 challenge mechanism" } } },
	{ "b7-challenge-invalid.txt", "Challenge", "default",
	  "example-com-tls-1-2745722290-4391602865", "acme.cert-manager.io/v1",
	  0, { { NULL, NULL, NULL, NULL } },
	  { { "spec.authorizationURL", AUTHZ },
	    { "status.reason", B7_REASON },
	    { "status.state", "invalid" },
	    { "status.presented", "false" } },
	  "Order", "example-com-tls-1-2745722290", NULL, NULL, 3,
	  { { "Normal", "Started", 1, 120, 120, "cert-manager-challenges",
	      "Challenge scheduled for processing" },
	    { "Normal", "Presented", 1, 120, 120, "cert-manager-challenges",
	      "Presented challenge using HTTP-01 challenge mechanism" },
	    { "Warning", "Failed", 1, 21, 21, "cert-manager-challenges",
	      "Accepting challenge authorization failed: acme: authorization "
	      "error for example.com: 403 urn:ietf:params:acme:error:"
	      "unauthorized: 203.0.113.10: Invalid response from "
	      "http://example.com/.well-known/acme-challenge/" TOKEN ": 404" } } },
	{ "b8-challenge-route53.txt", "Challenge", "default",
	  "wild-example-com-1-1580467882-4097216534", "acme.cert-manager.io/v1",
	  0, { { NULL, NULL, NULL, NULL } },
	  { { "spec.solver.dns01.route53.region", "eu-west-1" },
	    { "spec.type", "DNS-01" },
	    { "spec.wildcard", "true" },
	    { "spec.key", "Ks0cQ2nYQ8lX1Hw3r4Zb5P6o7T8u9V0w1X2y3Z4a5bE" },
	    { "status.reason", "failed to change Route 53 record set: operation "
	      "error Route 53: ChangeResourceRecordSets, <redacted AWS SDK "
	      "error: http.ResponseError: see events and logs for details>" } },
	  "Order", "example-com-tls-1-2745722290", NULL, NULL, 2,
	  { { "Normal", "Started", 1, 312, 312, "cert-manager-challenges",
	      "Challenge scheduled for processing" },
	    { "Warning", "PresentError", 7, 20, 310, "cert-manager-challenges",
	      "Error presenting challenge: failed to change Route 53 record "
	      "set: operation error Route 53: ChangeResourceRecordSets, https "
	      "response error StatusCode: 403, RequestID: 0f3e2d1c-aaaa-bbbb-"
	      "cccc-1234567890ab, api error AccessDenied: User: arn:aws:sts::"
	      "123456789012:assumed-role/cert-manager/1714557600000000000 is "
	      "not authorized to perform: route53:ChangeResourceRecordSets on "
	      "resource: arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ "
	      "because no identity-based policy allows the "
	      "route53:ChangeResourceRecordSets action" } } },
	/* Two prompts, no Namespace line: Name and Kind lines win. */
	{ "seed-issuer.txt", "Issuer", NULL, "letsencrypt", "cert-manager.io/v1",
	  0,
	  { { "Ready", "False", "ErrUpdateACMEAccount",
	      "Failed to update ACME account:400 urn:ietf:params:acme:error:"
	      "invalidEmail: Unable to update account :: invalid contact "
	      "domain. Contact emails @example.com are forbidden" } },
	  { { "spec.acme.email", "cert-manager@example.com" },
	    { "spec.acme.server",
	      "https://acme-staging-v02.api.letsencrypt.org/directory" },
	    { "spec.acme.privateKeySecretRef.name", "letsencrypt" } },
	  NULL, NULL, NULL, NULL, 1,
	  { { "Warning", "ErrUpdateACMEAccount", 3, 101, 106, "cert-manager",
	      "Failed to update ACME account:400 urn:ietf:params:acme:error:"
	      "invalidEmail: Unable to update account :: invalid contact "
	      "domain. Contact emails @example.com are forbidden" } } },
	/* Fragments: identity from the prompt. */
	{ "seed-certificaterequest-fragment.txt", "CertificateRequest", NULL,
	  "example-com-2745722290", NULL, 1, { { NULL, NULL, NULL, NULL } },
	  { { NULL, NULL } }, NULL, NULL, NULL, NULL, 1,
	  { { "Normal", "OrderCreated", 1, 5, 5, "cert-manager",
	      "Created Order resource default/"
	      "example-com-2745722290-439160286" } } },
	{ "seed-order-pending.txt", "Order", NULL,
	  "example-com-2745722290-439160286", NULL, 1,
	  { { NULL, NULL, NULL, NULL } },
	  { { "status.state", "pending" },
	    { "status.url", "https://acme-v02.api.letsencrypt.org/acme/order/"
	      "41123272/265506123" },
	    { "status.reason", NULL } },
	  NULL, NULL, NULL, NULL, 2,
	  { { "Normal", "Created", 1, 60, 60, "cert-manager",
	      "Created Challenge resource "
	      "\"example-com-2745722290-439160286-0\" for domain "
	      "\"test1.example.com\"" },
	    { "Normal", "Created", 1, 60, 60, "cert-manager",
	      "Created Challenge resource "
	      "\"example-com-2745722290-439160286-1\" for domain "
	      "\"test2.example.com\"" } } },
	{ "seed-order-valid.txt", "Order", NULL,
	  "example-com-2745722290-439160286", NULL, 1,
	  { { NULL, NULL, NULL, NULL } },
	  { { "status.state", "valid" } },
	  NULL, NULL, NULL, NULL, 3,
	  { { "Normal", "Created", 1, 72, 72, "cert-manager",
	      "Created Challenge resource "
	      "\"example-com-2745722290-439160286-0\" for domain "
	      "\"test1.example.com\"" },
	    { "Normal", "Created", 1, 72, 72, "cert-manager", NULL },
	    { "Normal", "OrderValid", 1, 4, 4, "cert-manager",
	      "Order completed successfully" } } },
	{ "seed-challenge-dns01.txt", "Challenge", NULL,
	  "example-com-2745722290-4391602865-0", NULL, 1,
	  { { NULL, NULL, NULL, NULL } },
	  { { "status.reason", "Waiting for dns-01 challenge propagation" },
	    { "status.presented", "true" },
	    { "status.state", "pending" } },
	  NULL, NULL, NULL, NULL, 2,
	  { { "Normal", "Started", 1, 19, 19, "cert-manager",
	      "Challenge scheduled for processing" },
	    { "Normal", "Presented", 1, 16, 16, "cert-manager",
	      "Presented challenge using dns-01 challenge mechanism" } } },
	/* `kubectl describe challenge` without a name, "[...]" around. */
	{ "seed-challenge-selfcheck.txt", "Challenge", NULL, DESCRIBE_UNNAMED,
	  NULL, 1, { { NULL, NULL, NULL, NULL } },
	  { { "status.reason", SELF_CHECK },
	    { "status.processing", "true" },
	    { "status.state", "pending" } },
	  NULL, NULL, NULL, NULL, 0, { { NULL, NULL, 0, 0, 0, NULL, NULL } } },
};

static void check_example(const struct example *x, const struct got *g)
{
	const struct kobject *o;
	size_t i;

	assert_int_equal(g->nobj, 1);
	o = g->obj[0];
	assert_str(o->kind, x->kind);
	assert_str(o->ns, x->ns);
	assert_str(o->name, x->name);
	assert_str(o->api_version, x->api_version);
	assert_int_equal(o->partial, x->partial);
	assert_int_equal(o->origin, ORIGIN_DESCRIBE);
	for (i = 0; i < ARRAY_SIZE(x->conds) && x->conds[i].type; i++) {
		const struct kcondition *c = kobject_condition(o,
							       x->conds[i].type);

		assert_non_null(c);
		assert_str(c->status, x->conds[i].status);
		assert_str(c->reason, x->conds[i].reason);
		assert_str(c->message, x->conds[i].message);
	}
	assert_int_equal(o->nconds, i);
	for (i = 0; i < ARRAY_SIZE(x->fields) && x->fields[i].path; i++)
		assert_str(value(o, x->fields[i].path), x->fields[i].value);
	if (x->owner_kind) {
		assert_int_equal(o->nowners, 1);
		assert_str(o->owners[0].kind, x->owner_kind);
		assert_str(o->owners[0].name, x->owner_name);
		assert_true(o->owners[0].controller);
		assert_non_null(o->owners[0].uid);
	} else {
		assert_int_equal(o->nowners, 0);
	}
	if (x->annotation)
		assert_str(kobject_annotation(o, x->annotation),
			   x->annotation_value);
	assert_int_equal(o->nevents, x->nevents);
	for (i = 0; i < x->nevents && i < ARRAY_SIZE(x->events); i++) {
		const struct kevent *e = &o->events[i];
		const struct want_ev *w = &x->events[i];

		assert_str(e->type, w->type);
		assert_str(e->reason, w->reason);
		assert_int_equal(e->count, w->count);
		assert_int_equal(e->last_age_s, w->last);
		assert_int_equal(e->first_age_s, w->first);
		assert_str(e->from, w->from);
		if (w->message)
			assert_str(e->message, w->message);
		assert_str(e->obj_kind, x->kind);
		assert_str(e->obj_ns, x->ns);
		assert_str(e->obj_name, x->name);
		assert_str(e->source, "test.txt");
		assert_true(e->line > 0);
	}
}

static void test_examples(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(examples); i++) {
		struct got g;
		int crlf;

		for (crlf = 0; crlf < 2; crlf++) {
			print_message("%s%s\n", examples[i].file,
				      crlf ? " (CRLF)" : "");
			run_file(&g, examples[i].file, crlf);
			check_example(&examples[i], &g);
			assert_int_equal(g.nev, 0);
			assert_int_equal(g.in.nerrors, 0);
			got_free(&g);
		}
	}
}

/* ---- Structure details ---- */

static void test_lists(void **state)
{
	struct got g;
	const struct kobject *o;
	const struct fnode *n;

	(void)state;
	run_file(&g, "b3-certificate.txt", 0);
	o = g.obj[0];
	n = fnode_find(o->root, "spec.dnsNames");
	assert_non_null(n);
	assert_int_equal(n->type, FN_LIST);
	assert_int_equal(n->nkids, 2);
	assert_string_equal(n->kids[0]->value, "example.com");
	assert_string_equal(n->kids[1]->value, "www.example.com");
	assert_null(n->kids[0]->key);
	assert_int_equal(n->kids[1]->line, 22);
	assert_int_equal(list_len(o, "spec.usages"), 2);
	assert_int_equal(list_len(o, "status.conditions"), 2);
	assert_int_equal(list_len(o, "metadata.ownerReferences"), 1);
	assert_str(value(o, "metadata.ownerReferences.blockOwnerDeletion"),
		   "true");
	assert_int_equal(o->conds[1].line, 39);
	assert_true(o->conds[1].last_transition_ts != TIME_UNKNOWN);
	got_free(&g);

	run_file(&g, "b5-order.txt", 0);
	o = g.obj[0];
	assert_int_equal(list_len(o, "status.authorizations"), 1);
	n = fnode_find(o->root, "status.authorizations.challenges");
	assert_int_equal(n->type, FN_LIST);
	assert_int_equal(n->nkids, 3);
	assert_str(fnode_child(n->kids[1], "type")->value, "dns-01");
	assert_str(fnode_child(n->kids[2], "type")->value, "tls-alpn-01");
	assert_str(fnode_child(n->kids[2], "url")->value,
		   "https://acme-v02.api.letsencrypt.org/acme/chall/1234567/"
		   "987654321/MnOpQr");
	/* B.5 has no Reason line at all (omitempty). */
	assert_null(fnode_find(o->root, "status.reason"));
	assert_int_equal(o->nannotations, 3);
	got_free(&g);

	run_file(&g, "b4-certificaterequest.txt", 0);
	o = g.obj[0];
	n = fnode_find(o->root,
		       "spec.extra[authentication.kubernetes.io/pod-name]");
	assert_non_null(n);
	assert_int_equal(n->type, FN_LIST);
	assert_string_equal(n->kids[0]->value, "cert-manager-7d9f8b6c5-x2x9z");
	assert_int_equal(list_len(o, "spec.groups"), 3);
	assert_str(fnode_find(o->root, "spec.groups")->kids[1]->value,
		   "system:serviceaccounts:cert-manager");
	assert_str(kobject_annotation(o, "cert-manager.io/private-key-secret-"
				      "name"), "example-com-tls-8wgkm");
	got_free(&g);

	run_file(&g, "b2-clusterissuer.txt", 0);
	o = g.obj[0];
	/* "Namespace:" with padding only, and an empty map. */
	assert_null(o->ns);
	n = fnode_find(o->root, "status.acme");
	assert_non_null(n);
	assert_int_equal(n->type, FN_MAP);
	assert_int_equal(n->nkids, 0);
	assert_int_equal(list_len(o, "spec.acme.solvers"), 1);
	assert_int_equal(o->nlabels, 0);
	assert_int_equal(o->nannotations, 0);
	got_free(&g);

	run_file(&g, "b6-challenge-http01.txt", 0);
	o = g.obj[0];
	n = fnode_find(o->root, "metadata.finalizers");
	assert_int_equal(n->type, FN_LIST);
	assert_string_equal(n->kids[0]->value, "acme.cert-manager.io/finalizer");
	got_free(&g);
}

/* B.6 read from describe and the same Challenge built as YAML would be. */
static void test_agrees_with_yaml(void **state)
{
	static const char *const paths[] = {
		"apiVersion", "kind", "spec.authorizationURL", "spec.dnsName",
		"spec.issuerRef.name", "spec.issuerRef.kind", "spec.key",
		"spec.solver.http01.ingress.ingressClassName", "spec.token",
		"spec.type", "spec.url", "spec.wildcard", "status.presented",
		"status.processing", "status.reason", "status.state",
		"metadata.uid", "metadata.ownerReferences.name",
	};
	struct fnode *y, *m, *s, *l, *o;
	struct kobject *yo;
	struct got g;
	size_t i;

#define S(parent, k, v) fnode_add_scalar(parent, k, strlen(k), v, strlen(v), 0)
#define M(parent, k) fnode_add(parent, k, strlen(k), fnode_new(FN_MAP, 0))
	(void)state;
	y = fnode_new(FN_MAP, 0);
	S(y, "apiVersion", "acme.cert-manager.io/v1");
	S(y, "kind", "Challenge");
	m = M(y, "metadata");
	S(m, "name", "example-com-tls-1-2745722290-4391602865");
	S(m, "namespace", "default");
	S(m, "uid", "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	l = fnode_add(m, "ownerReferences", 15, fnode_new(FN_LIST, 0));
	o = fnode_add(l, NULL, 0, fnode_new(FN_MAP, 0));
	S(o, "apiVersion", "acme.cert-manager.io/v1");
	S(o, "controller", "true");
	S(o, "kind", "Order");
	S(o, "name", "example-com-tls-1-2745722290");
	S(o, "uid", "5e4b2c7d-8a9f-4b0c-9d1e-2f3a4b5c6d7e");
	s = M(y, "spec");
	S(s, "authorizationURL", AUTHZ);
	S(s, "dnsName", "example.com");
	m = M(s, "issuerRef");
	S(m, "group", "cert-manager.io");
	S(m, "kind", "ClusterIssuer");
	S(m, "name", "letsencrypt-prod");
	S(s, "key", TOKEN ".q9Vb3Nf6Hs1Jk8Lm2Pz5Rt7Wx0Yc4Ad6Ef8Gh1Ij3Kl");
	S(M(M(M(s, "solver"), "http01"), "ingress"), "ingressClassName",
	  "nginx");
	S(s, "token", TOKEN);
	S(s, "type", "HTTP-01");
	S(s, "url", CHALL);
	S(s, "wildcard", "false");
	s = M(y, "status");
	S(s, "presented", "true");
	S(s, "processing", "true");
	S(s, "reason", "Waiting for HTTP-01 challenge propagation: wrong "
	  "status code '404', expected '200'");
	S(s, "state", "pending");
#undef S
#undef M
	yo = kobject_from_tree(y, ORIGIN_YAML, "challenge.yaml", 1);
	assert_non_null(yo);
	run_file(&g, "b6-challenge-http01.txt", 0);
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		const char *a = value(yo, paths[i]), *b = value(g.obj[0],
							       paths[i]);

		print_message("%s\n", paths[i]);
		assert_non_null(a);
		assert_str(b, a);
	}
	assert_str(g.obj[0]->name, yo->name);
	assert_str(g.obj[0]->ns, yo->ns);
	assert_str(g.obj[0]->kind, yo->kind);
	assert_str(g.obj[0]->owners[0].uid, yo->owners[0].uid);
	assert_int_equal(g.obj[0]->owners[0].controller,
			 yo->owners[0].controller);
	kobject_free(yo);
	got_free(&g);
}

/* ---- Messy pastes ---- */

static void test_multiline_values(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "cloudflare-multiline.txt", 0);
	assert_int_equal(g.nobj, 2);
	/* A tab in the value: the rest printed deeper than the key. */
	o = g.obj[0];
	assert_str(o->name, "cf-example-com-1-111-222");
	assert_str(o->kind, "Challenge");
	assert_str(o->ns, "default");
	assert_str(value(o, "status.reason"), "Error getting Cloudflare zone: "
		   "Cloudflare API Error\nError: 9109: Invalid access token");
	assert_str(value(o, "status.state"), "pending");
	assert_str(value(o, "spec.type"), "DNS-01");
	assert_str(value(o, "spec.solver.dns01.cloudflare.apiTokenSecretRef."
			 "name"), "cloudflare-api-token");
	assert_int_equal(o->nevents, 1);
	assert_str(o->events[0].message, "Error presenting challenge: "
		   "Cloudflare API Error\nError: 9109: Invalid access token");
	assert_int_equal(o->events[0].count, 4);
	assert_int_equal(o->events[0].last_age_s, 180);
	assert_int_equal(o->events[0].first_age_s, 600);
	assert_str(o->events[0].age, "3m (x4 over 10m)");
	/* A newline in the value: the rest at column 0. */
	o = g.obj[1];
	assert_str(o->name, "cf-example-org-1-333-444");
	assert_str(value(o, "status.reason"), "Error getting Cloudflare zone: "
		   "Cloudflare API Error\nError: 6003: Invalid request headers\n"
		   "Error: 6111: Invalid format for Authorization header");
	assert_str(value(o, "status.state"), "pending");
	assert_str(value(o, "status.presented"), "false");
	assert_int_equal(o->nevents, 2);
	assert_str(o->events[0].message, "Error presenting challenge: "
		   "Cloudflare API Error\nError: 6003: Invalid request headers");
	assert_str(o->events[1].reason, "Started");
	assert_int_equal(o->events[1].last_age_s, 15);
	assert_int_equal(g.in.nerrors, 0);
	got_free(&g);
}

static void test_fragment_without_prompt(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "fragment-no-prompt.txt", 0);
	assert_int_equal(g.nobj, 1);
	o = g.obj[0];
	assert_str(o->name, DESCRIBE_UNNAMED);
	assert_null(o->kind);
	assert_null(o->ns);
	assert_int_equal(o->partial, 1);
	assert_str(value(o, "status.reason"), "Waiting for DNS-01 challenge "
		   "propagation: DNS record for \"example.com\" not yet "
		   "propagated");
	assert_int_equal(o->nevents, 1);
	assert_str(o->events[0].obj_name, DESCRIBE_UNNAMED);
	assert_null(o->events[0].obj_kind);
	got_free(&g);
}

/* The resource hint gives the kind a fragment lacks. */
static void test_hint(void **state)
{
	struct got g;
	struct parse_ctx pc;
	struct describe *d;
	char *text = read_data("fragment-no-prompt.txt");
	unsigned long lineno = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	input_init(&g.in, "test");
	memset(&pc, 0, sizeof(pc));
	pc.in = &g.in;
	pc.on_object = on_obj;
	pc.ctx = &g;
	pc.resource_hint = "certificates";
	d = describe_new(&pc);
	describe_set_hint(d, "challenges.acme.cert-manager.io");
	feed(d, text, 0, &lineno);
	describe_end(d);
	describe_set_hint(d, NULL);
	feed(d, text, 0, &lineno);
	describe_end(d);
	describe_free(d);
	free(text);
	assert_int_equal(g.nobj, 2);
	assert_str(g.obj[0]->kind, "Challenge");
	assert_null(g.obj[1]->kind);
	assert_int_equal(g.obj[1]->line, 10);
	got_free(&g);
}

static void test_annotations_labels(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "long-annotations.txt", 0);
	assert_int_equal(g.nobj, 1);
	o = g.obj[0];
	assert_int_equal(o->nlabels, 2);
	assert_str(kobject_label(o, "app"), "web");
	assert_str(kobject_label(o, "team"), "platform");
	assert_int_equal(o->nannotations, 3);
	assert_str(kobject_annotation(o, "cert-manager.io/issue-temporary-"
				      "certificate"), "true");
	assert_str(kobject_annotation(o, "example.com/notes"), "first line of "
		   "a long note that kubectl printed on its own lines because "
		   "the value contained a newline\nsecond line");
	assert_str(kobject_annotation(o, "venafi.cert-manager.io/custom-"
				      "fields"), "[]");
	assert_str(value(o, "spec.privateKey.rotationPolicy"), "Always");
	assert_str(value(o, "spec.secretName"), "example-com-tls");
	assert_str(value(o, "status.notAfter"), "2024-07-30T10:04:00Z");
	assert_int_equal(list_len(o, "spec.dnsNames"), 1);
	assert_str(kobject_condition(o, "Ready")->status, "True");
	assert_true(o->created != TIME_UNKNOWN);
	assert_int_equal(o->nevents, 0);
	got_free(&g);
}

static void test_pod(void **state)
{
	struct got g;
	const struct kobject *o;
	const struct fnode *n;

	(void)state;
	run_file(&g, "pod.txt", 0);
	assert_int_equal(g.nobj, 1);
	o = g.obj[0];
	assert_str(o->kind, "Pod");
	assert_str(o->name, "cert-manager-7d9f8b6c5-x2x9z");
	assert_str(o->ns, "cert-manager");
	assert_int_equal(o->partial, 0);
	assert_int_equal(o->nlabels, 3);
	assert_str(kobject_label(o, "app.kubernetes.io/component"),
		   "controller");
	assert_str(kobject_annotation(o, "prometheus.io/port"), "9402");
	assert_str(value(o, "status"), "Running");
	assert_str(value(o, "controlledBy"), "ReplicaSet/cert-manager-7d9f8b6c5");
	n = fnode_find(o->root, "containers.cert-manager-controller.state");
	assert_non_null(n);
	assert_str(n->value, "Running");
	assert_str(value(o, "containers.cert-manager-controller.state.started"),
		   "Wed, 01 May 2024 09:50:10 +0000");
	assert_str(value(o, "containers.cert-manager-controller.lastState."
			 "reason"), "Error");
	assert_str(value(o, "containers.cert-manager-controller.restartCount"),
		   "3");
	assert_int_equal(list_len(o, "containers.cert-manager-controller.args"),
			 2);
	/* A table under a key: a list of its lines. */
	assert_int_equal(list_len(o, "conditions"), 3);
	assert_str(fnode_find(o->root, "conditions")->kids[2]->value,
		   "Ready             True");
	assert_str(value(o, "tolerations"), "node.kubernetes.io/not-ready:"
		   "NoExecute op=Exists for 300s\nnode.kubernetes.io/"
		   "unreachable:NoExecute op=Exists for 300s");
	assert_int_equal(o->nevents, 1);
	assert_str(o->events[0].reason, "BackOff");
	assert_int_equal(o->events[0].count, 12);
	assert_int_equal(o->events[0].last_age_s, 120);
	assert_int_equal(o->events[0].first_age_s, 1800);
	assert_str(o->events[0].from, "kubelet");
	assert_str(o->events[0].obj_kind, "Pod");
	got_free(&g);
}

static void test_old_kubectl_events(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "old-kubectl-events.txt", 0);
	assert_int_equal(g.nobj, 1);
	o = g.obj[0];
	assert_str(o->kind, "Issuer");
	assert_str(o->name, "letsencrypt");
	assert_str(o->api_version, "certmanager.k8s.io/v1alpha1");
	assert_str(kobject_condition(o, "Ready")->reason, "ErrInitIssuer");
	assert_int_equal(o->nevents, 2);
	assert_str(o->events[0].type, "Warning");
	assert_str(o->events[0].reason, "ErrInitIssuer");
	assert_str(o->events[0].from, "{cert-manager }");
	assert_int_equal(o->events[0].count, 4);
	assert_int_equal(o->events[0].last_age_s, 60);
	assert_int_equal(o->events[0].first_age_s, 300);
	assert_str(o->events[0].message, "Error initializing issuer: Failed to "
		   "register ACME account: secrets \"acme-key\" already exists");
	assert_str(o->events[1].reason, "Started");
	assert_int_equal(o->events[1].count, 1);
	got_free(&g);
}

/* Several objects in one input, separated or not by blank lines. */
static void test_several_objects(void **state)
{
	static const char *const files[] = {
		"b2-clusterissuer.txt", "b5-order.txt", "b8-challenge-route53.txt",
		"b3-certificate.txt",
	};
	struct buf all = BUF_INIT;
	struct got g;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *t = read_data(files[i]);

		buf_adds(&all, t);
		if (i == 1)
			buf_adds(&all, "\n\n");
		free(t);
	}
	run_text(&g, all.p, 0, 0);
	assert_int_equal(g.nobj, 4);
	assert_str(g.obj[0]->kind, "ClusterIssuer");
	assert_int_equal(g.obj[0]->nevents, 0);
	assert_str(g.obj[1]->kind, "Order");
	assert_int_equal(g.obj[1]->nevents, 1);
	assert_str(g.obj[2]->name, "wild-example-com-1-1580467882-4097216534");
	assert_int_equal(g.obj[2]->nevents, 2);
	assert_str(g.obj[3]->name, "example-com-tls");
	assert_int_equal(g.obj[3]->nconds, 2);
	assert_int_equal(g.obj[3]->line, 31 + 53 + 2 + 46 + 1);
	assert_int_equal(g.in.nerrors, 0);
	got_free(&g);
	buf_free(&all);
}

/* Prompts switch between describe, get tables and other output. */
static void test_mixed_session(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "mixed-session.txt", 0);
	assert_int_equal(g.nobj, 3);
	o = g.obj[0];
	assert_int_equal(o->origin, ORIGIN_TABLE);
	assert_str(o->kind, "Certificate");
	assert_str(o->ns, "default");
	assert_str(kobject_condition(o, "Ready")->status, "False");
	o = g.obj[1];
	assert_int_equal(o->origin, ORIGIN_DESCRIBE);
	assert_str(o->kind, "Certificate");
	assert_int_equal(o->partial, 1);	/* the "..." line */
	assert_int_equal(o->nconds, 2);
	assert_int_equal(o->nevents, 4);
	assert_str(kobject_condition(o, "Issuing")->message, MSG_B3_ISSUING);
	o = g.obj[2];
	assert_int_equal(o->origin, ORIGIN_TABLE);
	assert_str(o->kind, "Challenge");
	assert_str(value(o, "status.reason"), "Waiting for HTTP-01 challenge "
		   "propagation: wrong status code '404', expected '200'");
	assert_int_equal(g.in.nerrors, 0);
	got_free(&g);
}

static void test_too_big(void **state)
{
	struct got g;
	char *b5 = read_data("b5-order.txt"), *b2 = read_data(
		"b2-clusterissuer.txt");
	struct buf all = BUF_INIT;

	(void)state;
	buf_adds(&all, b5);
	buf_adds(&all, b2);
	run_text(&g, all.p, 0, 1200);
	/* The Order is dropped with a warning, the next object is read. */
	assert_int_equal(g.nobj, 1);
	assert_str(g.obj[0]->kind, "ClusterIssuer");
	assert_int_equal(g.in.nerrors, 1);
	assert_true(g.in.errors[0].is_warning);
	assert_non_null(strstr(g.in.errors[0].where, "test.txt:"));
	got_free(&g);
	buf_free(&all);
	free(b5);
	free(b2);
}

/* Small inputs: edge cases of the line grammar. */
static void test_small_cases(void **state)
{
	static const struct {
		const char *in;
		size_t nobj;
		const char *path, *want;
	} cases[] = {
		/* Empty and junk input gives no object. */
		{ "", 0, NULL, NULL },
		{ "hello world\nsome text\n", 0, NULL, NULL },
		{ "...\n[...]\n", 0, NULL, NULL },
		/* <nil> is NULL, padding-only is "", a ": " tail is kept. */
		{ "Name: x\nKind: Foo\nSpec:\n  A:  <nil>\n  B:  \n  C:  end: \n",
		  1, "spec.a", NULL },
		{ "Name: x\nKind: Foo\nSpec:\n  A:  <nil>\n  B:  \n  C:  end: \n",
		  1, "spec.b", "" },
		{ "Name: x\nKind: Foo\nSpec:\n  A:  <nil>\n  B:  \n  C:  end: \n",
		  1, "spec.c", "end: " },
		{ "Name: x\nKind: Foo\nSpec:\n  C:  trailing   \n", 1, "spec.c",
		  "trailing" },
		/* Lists of maps by key order, without a known list key. */
		{ "Name: x\nKind: Foo\nSpec:\n  Things:\n    A:  1\n    B:  2\n"
		  "    A:  3\n", 1, "spec.things.b", "2" },
		/* A known list key with a single item is still a list. */
		{ "Name: x\nKind: Foo\nStatus:\n  Conditions:\n    Type:  Ready\n",
		  1, "status.conditions.type", "Ready" },
		/* Tabs instead of the tabwriter's spaces. */
		{ "Name:\tx\nKind:\tFoo\nSpec:\n  Dns Name:\texample.com\n", 1,
		  "spec.dnsName", "example.com" },
		/* A prompt without a name, NUL-free garbage after. */
		{ "$ kubectl describe cert\nStatus:\n  Revision:  3\n", 1,
		  "status.revision", "3" },
		/* Events: <none> and nothing else. */
		{ "Name: x\nEvents:  <none>\n", 1, "name", "x" },
		/* Another command's output is skipped. */
		{ "$ kubectl get cert x -o yaml\napiVersion: v1\nStatus: Ready\n",
		  0, NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct got g;

		print_message("case %zu\n", i);
		run_text(&g, cases[i].in, 0, 0);
		assert_int_equal(g.nobj, cases[i].nobj);
		if (cases[i].path) {
			const struct fnode *n = fnode_find(g.obj[0]->root,
							   cases[i].path);

			assert_non_null(n);
			assert_str(n->value, cases[i].want);
		}
		got_free(&g);
	}
}

/* Appendix E: `cmctl status certificate` looks like a describe. */
static void test_cmctl_status(void **state)
{
	struct got g;
	const struct kobject *o;

	(void)state;
	run_file(&g, "appendix-e-cmctl-status.txt", 0);
	assert_int_equal(g.nobj, 1);
	o = g.obj[0];
	assert_str(o->name, "drammenlegesenter-no-cert");
	assert_str(o->ns, "nefle");
	assert_null(o->kind);
	assert_str(value(o, "createdAt"), "2021-12-18T18:22:29+01:00");
	/* Not status.conditions: no condition is made up from it. */
	assert_int_equal(o->nconds, 0);
	assert_str(value(o, "conditions.ready"), "False, Reason: DoesNotExist, "
		   "Message: Issuing certificate as Secret does not exist");
	got_free(&g);
}

/* A list with two maps found only by the key order. */
static void test_key_order_list(void **state)
{
	struct got g;
	const struct fnode *n;

	(void)state;
	run_text(&g, "Name: x\nAPI Version: v1\nKind: Foo\nSpec:\n"
		 "  Things:\n    A:  1\n    B:  2\n    A:  3\n    B:  4\n"
		 "  Zed:  z\n", 0, 0);
	n = fnode_find(g.obj[0]->root, "spec.things");
	assert_int_equal(n->type, FN_LIST);
	assert_int_equal(n->nkids, 2);
	assert_str(fnode_child(n->kids[1], "b")->value, "4");
	assert_str(fnode_find(g.obj[0]->root, "spec.zed")->value, "z");
	got_free(&g);
}

/* Every prefix of every input, and bytes kubectl never prints. */
static void test_robust(void **state)
{
	static const char *const files[] = {
		"b2-clusterissuer.txt", "b4-certificaterequest.txt",
		"b5-order.txt", "cloudflare-multiline.txt", "pod.txt",
		"old-kubectl-events.txt", "mixed-session.txt",
		"seed-order-pending.txt", "long-annotations.txt",
	};
	static const char nul[] = "Name: a\0b\nKind: \0\nStatus:\n  \0: x\n"
		"Events:\n  Type  Reason  Age  From  Message\n  A  \0  1s  x  y\n";
	size_t i, cut;
	struct got g;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *t = read_data(files[i]);
		size_t n = strlen(t);

		for (cut = 0; cut <= n; cut += 7) {
			char c = t[cut];

			t[cut] = '\0';
			run_text(&g, t, 0, 0);
			assert_true(g.nobj <= 3);
			got_free(&g);
			t[cut] = c;
		}
		free(t);
	}
	{
		struct parse_ctx pc;
		struct describe *d;
		const char *p = nul, *end = nul + sizeof(nul) - 1;
		unsigned long lineno = 0;

		memset(&g, 0, sizeof(g));
		input_init(&g.in, "test");
		memset(&pc, 0, sizeof(pc));
		pc.in = &g.in;
		pc.on_object = on_obj;
		pc.ctx = &g;
		d = describe_new(&pc);
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			describe_line(d, slice_make(p, (size_t)(nl - p)),
				      ++lineno);
			p = nl + 1;
		}
		describe_end(d);
		describe_free(d);
		assert_int_equal(g.nobj, 1);
		assert_str(g.obj[0]->name, "a");
		got_free(&g);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_agrees_with_yaml),
		cmocka_unit_test(test_multiline_values),
		cmocka_unit_test(test_fragment_without_prompt),
		cmocka_unit_test(test_hint),
		cmocka_unit_test(test_annotations_labels),
		cmocka_unit_test(test_pod),
		cmocka_unit_test(test_old_kubectl_events),
		cmocka_unit_test(test_several_objects),
		cmocka_unit_test(test_mixed_session),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_small_cases),
		cmocka_unit_test(test_key_order_list),
		cmocka_unit_test(test_cmctl_status),
		cmocka_unit_test(test_robust),
	};

	diag_set_quiet(2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
