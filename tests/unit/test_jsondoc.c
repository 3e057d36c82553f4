/*
 * The JSON object parser: kubectl List output, bare arrays (troubleshoot.sh
 * custom resources), single objects and JSON lines; Go's \u003c escapes;
 * broken, truncated, too deep and too big items; a generated 20 MB List
 * read with a buffer the size of one item; and the same Challenge read
 * from YAML and from JSON giving the same object.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "input.h"
#include "jsondoc.h"
#include "object.h"
#include "parse.h"
#include "yamldoc.h"
#include "bytescan.h"

#define MAX_OBJS 64

struct run {
	struct input in;
	struct kobject *objs[MAX_OBJS];
	size_t n;
	unsigned long total;	/* objects seen, kept or not */
	int keep;		/* keep objects (else count and free) */
	size_t peak;
	struct buf got;		/* "Kind/ns/name@line;" per object */
	struct buf warns;	/* "where: message|" per warning */
};

static void on_obj(struct kobject *o, void *ctx)
{
	struct run *r = ctx;

	r->total++;
	if (r->keep && r->n < MAX_OBJS)
		r->objs[r->n++] = o;
	else
		kobject_free(o);
}

static void init_run(struct run *r, struct parse_ctx *pc, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->keep = 1;
	input_init(&r->in, "bundle");
	memset(pc, 0, sizeof(*pc));
	pc->source = "x.json";
	pc->in = &r->in;
	pc->on_object = on_obj;
	pc->ctx = r;
	pc->max_object_bytes = max;
}

static void summarize(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct kobject *o = r->objs[i];

		buf_addf(&r->got, "%s/%s/%s@%lu;", o->kind ? o->kind : "-",
			 o->ns ? o->ns : "-", o->name ? o->name : "-",
			 o->line);
	}
	for (i = 0; i < r->in.nerrors; i++)
		buf_addf(&r->warns, "%s: %s|", r->in.errors[i].where,
			 r->in.errors[i].message);
}

/* Feed text split on '\n', numbering lines from 1. */
static void feed_json(struct jsondoc *p, const char *text)
{
	unsigned long lineno = 1;
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		jsondoc_line(p, slice_make(s, n), lineno++);
		s += n + (nl ? 1 : 0);
	}
}

static void feed_yaml(struct yamldoc *p, const char *text)
{
	unsigned long lineno = 1;
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		yamldoc_line(p, slice_make(s, n), lineno++);
		s += n + (nl ? 1 : 0);
	}
}

static void run_json(struct run *r, const char *text, size_t max)
{
	struct parse_ctx pc;
	struct jsondoc *p;

	init_run(r, &pc, max);
	p = jsondoc_new(&pc);
	feed_json(p, text);
	jsondoc_end(p);
	r->peak = jsondoc_peak_buffer(p);
	jsondoc_free(p);
	summarize(r);
}

static void run_yaml(struct run *r, const char *text)
{
	struct parse_ctx pc;
	struct yamldoc *p;

	init_run(r, &pc, 0);
	pc.source = "x.yaml";
	p = yamldoc_new(&pc);
	feed_yaml(p, text);
	yamldoc_end(p);
	yamldoc_free(p);
	summarize(r);
}

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		kobject_free(r->objs[i]);
	input_free(&r->in);
	buf_free(&r->got);
	buf_free(&r->warns);
}

static unsigned long line_of(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle), *s;
	unsigned long line = 1;

	assert_non_null(hit);
	for (s = text; s < hit; s++)
		if (*s == '\n')
			line++;
	return line;
}

static const char *value_at(const struct kobject *o, const char *path)
{
	const struct fnode *n = fnode_find(o->root, path);

	return n ? n->value : NULL;
}

/* kubectl get challenges,certificates -n shop -o json */
static const char list_json[] =
	"{\n"
	"    \"apiVersion\": \"v1\",\n"
	"    \"items\": [\n"
	"        {\n"
	"            \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
	"            \"kind\": \"Challenge\",\n"
	"            \"metadata\": {\n"
	"                \"creationTimestamp\": \"2024-05-01T10:00:02Z\",\n"
	"                \"finalizers\": [\n"
	"                    \"acme.cert-manager.io/finalizer\"\n"
	"                ],\n"
	"                \"generation\": 1,\n"
	"                \"name\": \"web-example-com-1-3141592653-2718281828\",\n"
	"                \"namespace\": \"shop\",\n"
	"                \"ownerReferences\": [\n"
	"                    {\n"
	"                        \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
	"                        \"blockOwnerDeletion\": true,\n"
	"                        \"controller\": true,\n"
	"                        \"kind\": \"Order\",\n"
	"                        \"name\": \"web-example-com-1-3141592653\",\n"
	"                        \"uid\": \"0f1e2d3c-4b5a-4697-8877-66554433aabb\"\n"
	"                    }\n"
	"                ],\n"
	"                \"resourceVersion\": \"90210\",\n"
	"                \"uid\": \"11111111-2222-4333-8444-555555555555\"\n"
	"            },\n"
	"            \"spec\": {\n"
	"                \"authorizationURL\": \"https://acme-staging-v02.api.letsencrypt.org/acme/authz-v3/5550001\",\n"
	"                \"dnsName\": \"web.example.com\",\n"
	"                \"issuerRef\": {\n"
	"                    \"group\": \"cert-manager.io\",\n"
	"                    \"kind\": \"ClusterIssuer\",\n"
	"                    \"name\": \"letsencrypt-staging\"\n"
	"                },\n"
	"                \"key\": \"Tok3nTok3nTok3n.Thumbpr1ntThumbpr1nt\",\n"
	"                \"solver\": {\n"
	"                    \"http01\": {\n"
	"                        \"ingress\": {\n"
	"                            \"ingressClassName\": \"nginx\"\n"
	"                        }\n"
	"                    }\n"
	"                },\n"
	"                \"token\": \"Tok3nTok3nTok3n\",\n"
	"                \"type\": \"HTTP-01\",\n"
	"                \"url\": \"https://acme-staging-v02.api.letsencrypt.org/acme/chall-v3/5550001/Xy12\",\n"
	"                \"wildcard\": false\n"
	"            },\n"
	"            \"status\": {\n"
	"                \"presented\": true,\n"
	"                \"processing\": true,\n"
	"                \"reason\": \"Waiting for HTTP-01 challenge propagation: failed to perform self check GET request 'http://web.example.com/.well-known/acme-challenge/Tok3nTok3nTok3n': Get \\\"http://web.example.com/.well-known/acme-challenge/Tok3nTok3nTok3n\\\": dial tcp 203.0.113.10:80: connect: connection refused\",\n"
	"                \"state\": \"pending\"\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
	"            \"kind\": \"Challenge\",\n"
	"            \"metadata\": {\n"
	"                \"name\": \"api-example-com-1-1618033988-1414213562\",\n"
	"                \"namespace\": \"shop\"\n"
	"            },\n"
	"            \"spec\": {\n"
	"                \"dnsName\": \"api.example.com\",\n"
	"                \"type\": \"DNS-01\"\n"
	"            },\n"
	"            \"status\": {\n"
	"                \"presented\": false,\n"
	"                \"processing\": true,\n"
	"                \"reason\": \"failed to change Route 53 record set: operation error Route 53: ChangeResourceRecordSets, \\u003credacted AWS SDK error: http.ResponseError: see events and logs for details\\u003e\",\n"
	"                \"state\": \"pending\"\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"apiVersion\": \"cert-manager.io/v1\",\n"
	"            \"kind\": \"Certificate\",\n"
	"            \"metadata\": {\n"
	"                \"name\": \"web-example-com\",\n"
	"                \"namespace\": \"shop\",\n"
	"                \"uid\": \"22222222-3333-4444-8555-666666666666\"\n"
	"            },\n"
	"            \"spec\": {\n"
	"                \"dnsNames\": [\n"
	"                    \"web.example.com\"\n"
	"                ],\n"
	"                \"secretName\": \"web-example-com-tls\"\n"
	"            },\n"
	"            \"status\": {\n"
	"                \"conditions\": [\n"
	"                    {\n"
	"                        \"lastTransitionTime\": \"2024-05-01T09:59:58Z\",\n"
	"                        \"message\": \"Issuing certificate as Secret does not exist\",\n"
	"                        \"observedGeneration\": 1,\n"
	"                        \"reason\": \"DoesNotExist\",\n"
	"                        \"status\": \"False\",\n"
	"                        \"type\": \"Ready\"\n"
	"                    }\n"
	"                ]\n"
	"            }\n"
	"        }\n"
	"    ],\n"
	"    \"kind\": \"List\",\n"
	"    \"metadata\": {\n"
	"        \"resourceVersion\": \"\"\n"
	"    }\n"
	"}\n";

/* The first item above as kubectl get -o yaml prints it. */
static const char challenge_yaml[] =
	"apiVersion: v1\n"
	"items:\n"
	"- apiVersion: acme.cert-manager.io/v1\n"
	"  kind: Challenge\n"
	"  metadata:\n"
	"    creationTimestamp: \"2024-05-01T10:00:02Z\"\n"
	"    finalizers:\n"
	"    - acme.cert-manager.io/finalizer\n"
	"    generation: 1\n"
	"    name: web-example-com-1-3141592653-2718281828\n"
	"    namespace: shop\n"
	"    ownerReferences:\n"
	"    - apiVersion: acme.cert-manager.io/v1\n"
	"      blockOwnerDeletion: true\n"
	"      controller: true\n"
	"      kind: Order\n"
	"      name: web-example-com-1-3141592653\n"
	"      uid: 0f1e2d3c-4b5a-4697-8877-66554433aabb\n"
	"    resourceVersion: \"90210\"\n"
	"    uid: 11111111-2222-4333-8444-555555555555\n"
	"  spec:\n"
	"    authorizationURL: https://acme-staging-v02.api.letsencrypt.org/acme/authz-v3/5550001\n"
	"    dnsName: web.example.com\n"
	"    issuerRef:\n"
	"      group: cert-manager.io\n"
	"      kind: ClusterIssuer\n"
	"      name: letsencrypt-staging\n"
	"    key: Tok3nTok3nTok3n.Thumbpr1ntThumbpr1nt\n"
	"    solver:\n"
	"      http01:\n"
	"        ingress:\n"
	"          ingressClassName: nginx\n"
	"    token: Tok3nTok3nTok3n\n"
	"    type: HTTP-01\n"
	"    url: https://acme-staging-v02.api.letsencrypt.org/acme/chall-v3/5550001/Xy12\n"
	"    wildcard: false\n"
	"  status:\n"
	"    presented: true\n"
	"    processing: true\n"
	"    reason: 'Waiting for HTTP-01 challenge propagation: failed to perform self check\n"
	"      GET request ''http://web.example.com/.well-known/acme-challenge/Tok3nTok3nTok3n'':\n"
	"      Get \"http://web.example.com/.well-known/acme-challenge/Tok3nTok3nTok3n\": dial\n"
	"      tcp 203.0.113.10:80: connect: connection refused'\n"
	"    state: pending\n"
	"kind: List\n"
	"metadata:\n"
	"  resourceVersion: \"\"\n";

static void test_list(void **state)
{
	const char *t = list_json;
	const struct kobject *ch, *dns, *cert;
	const struct kcondition *c;
	struct run r;
	size_t first;

	(void)state;
	run_json(&r, t, 0);
	assert_string_equal(buf_str(&r.warns), "");
	assert_int_equal(r.n, 3);
	ch = r.objs[0];
	dns = r.objs[1];
	cert = r.objs[2];
	assert_int_equal(ch->origin, ORIGIN_JSON);
	assert_string_equal(ch->kind, "Challenge");
	assert_string_equal(ch->name, "web-example-com-1-3141592653-2718281828");
	assert_int_equal(ch->line, 4);
	assert_int_equal(ch->nowners, 1);
	assert_string_equal(ch->owners[0].kind, "Order");
	assert_true(ch->owners[0].controller);
	assert_int_equal(fnode_find(ch->root, "status.reason")->line,
			 line_of(t, "\"reason\": \"Waiting"));
	assert_int_equal(fnode_find(ch->root, "metadata.ownerReferences")
			 ->kids[0]->line, line_of(t, "\"ownerReferences\"") + 1);
	assert_string_equal(value_at(ch, "metadata.generation"), "1");
	assert_string_equal(value_at(ch, "spec.wildcard"), "false");
	assert_string_equal(value_at(ch, "status.presented"), "true");
	/* Go's HTML escapes come back as the characters. */
	assert_string_equal(value_at(dns, "status.reason"),
		"failed to change Route 53 record set: operation error Route "
		"53: ChangeResourceRecordSets, <redacted AWS SDK error: "
		"http.ResponseError: see events and logs for details>");
	assert_int_equal(dns->line, line_of(t, "\"api-example-com") - 4);
	assert_string_equal(cert->kind, "Certificate");
	assert_int_equal(cert->nconds, 1);
	c = kobject_condition(cert, "Ready");
	assert_non_null(c);
	assert_string_equal(c->reason, "DoesNotExist");
	assert_string_equal(c->status, "False");
	assert_int_equal(c->line, line_of(t, "\"lastTransitionTime\"") - 1);
	/* The buffer held one item at a time, never the whole List. */
	first = (size_t)(strstr(t, "\n        },\n") - strstr(t, "\n        {\n"));
	assert_true(r.peak <= 2 * first + 64);
	run_free(&r);
}

/* The same Challenge from YAML and from JSON is the same object. */
static void test_yaml_json_same(void **state)
{
	static const char *paths[] = {
		"status.reason", "spec.authorizationURL", "spec.url",
		"spec.solver.http01.ingress.ingressClassName", "spec.wildcard",
		"metadata.generation", "metadata.resourceVersion",
		"metadata.finalizers", "status.presented", "spec.issuerRef.kind",
	};
	struct run y, j;
	const struct kobject *a, *b;
	size_t i;

	(void)state;
	run_yaml(&y, challenge_yaml);
	run_json(&j, list_json, 0);
	assert_string_equal(buf_str(&y.warns), "");
	assert_int_equal(y.n, 1);
	assert_true(j.n >= 1);
	a = y.objs[0];
	b = j.objs[0];
	assert_string_equal(a->api_version, b->api_version);
	assert_string_equal(a->kind, b->kind);
	assert_string_equal(a->ns, b->ns);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->uid, b->uid);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->nconds, b->nconds);
	assert_int_equal(a->nowners, b->nowners);
	assert_string_equal(a->owners[0].name, b->owners[0].name);
	assert_string_equal(a->owners[0].uid, b->owners[0].uid);
	assert_int_equal(a->owners[0].controller, b->owners[0].controller);
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		const struct fnode *na = fnode_find(a->root, paths[i]);
		const struct fnode *nb = fnode_find(b->root, paths[i]);

		assert_non_null(na);
		assert_non_null(nb);
		assert_int_equal(na->type, nb->type);
		if (na->type == FN_SCALAR)
			assert_string_equal(na->value, nb->value);
		else
			assert_int_equal(na->nkids, nb->nkids);
	}
	run_free(&y);
	run_free(&j);
}

/* A packed object reads the same as it did, and can still grow. */
static const char packed_cert[] =
	"{\"apiVersion\": \"cert-manager.io/v1\", \"kind\": \"Certificate\",\n"
	" \"metadata\": {\"name\": \"app-tls\", \"namespace\": \"shop\",\n"
	"  \"uid\": \"5e4b2c7d-8a9f-4b0c-9d1e-000000000001\",\n"
	"  \"creationTimestamp\": \"2024-05-01T09:00:00Z\",\n"
	"  \"labels\": {\"app\": \"shop\", \"tier\": \"web\"},\n"
	"  \"annotations\": {\"cert-manager.io/issue-temporary-certificate\":"
	" \"true\"},\n"
	"  \"ownerReferences\": [{\"apiVersion\": \"networking.k8s.io/v1\",\n"
	"   \"kind\": \"Ingress\", \"name\": \"shop\", \"uid\": \"u-1\",\n"
	"   \"controller\": true}]},\n"
	" \"spec\": {\"dnsNames\": [\"app.example.com\", \"www.example.com\"],\n"
	"  \"issuerRef\": {\"kind\": \"ClusterIssuer\", \"name\": \"le\"},\n"
	"  \"empty\": {}, \"none\": [], \"nothing\": null},\n"
	" \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": "
	"\"False\",\n"
	"  \"reason\": \"DoesNotExist\", \"message\": \"Issuing certificate as "
	"Secret does not exist\",\n"
	"  \"lastTransitionTime\": \"2024-05-01T09:01:00Z\"}]}}\n";

static int in_pack(const struct kobject *o, const void *p)
{
	return (const char *)p >= o->pack &&
	       (const char *)p < o->pack + o->pack_len;
}

static void test_pack(void **state)
{
	struct run a, b;
	struct kobject *p, *u;
	struct fnode *spec, *x;
	size_t i;

	(void)state;
	run_json(&a, packed_cert, 0);
	run_json(&b, packed_cert, 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	p = a.objs[0];
	u = b.objs[0];
	kobject_pack(p);
	assert_non_null(p->pack);
	assert_null(p->root);
	assert_true(fnode_same(kobject_root(p), u->root));
	assert_string_equal(p->api_version, u->api_version);
	assert_string_equal(p->kind, u->kind);
	assert_string_equal(p->ns, u->ns);
	assert_string_equal(p->name, u->name);
	assert_string_equal(p->uid, u->uid);
	assert_true(in_pack(p, p->name) && in_pack(p, p->conds) &&
		    in_pack(p, p->labels) && in_pack(p, p->owners));
	assert_int_equal(p->nlabels, 2);
	for (i = 0; i < p->nlabels; i++) {
		assert_string_equal(p->labels[i].key, u->labels[i].key);
		assert_string_equal(p->labels[i].value, u->labels[i].value);
	}
	assert_string_equal(kobject_annotation(p, "cert-manager.io/"
			    "issue-temporary-certificate"), "true");
	assert_int_equal(p->nowners, 1);
	assert_string_equal(p->owners[0].kind, "Ingress");
	assert_string_equal(p->owners[0].uid, "u-1");
	assert_int_equal(p->owners[0].controller, 1);
	assert_int_equal(p->nconds, 1);
	assert_string_equal(kobject_condition(p, "Ready")->message,
			    "Issuing certificate as Secret does not exist");
	assert_int_equal(p->conds[0].last_transition_ts,
			 u->conds[0].last_transition_ts);
	assert_int_equal(p->conds[0].line, u->conds[0].line);
	/* Packing twice does nothing. */
	kobject_pack(p);
	assert_true(fnode_same(kobject_root(p), u->root));
	/* A frozen tree decoded for change grows (x509_enrich does this). */
	x = fnode_add(kobject_root_mut(p), "x509", 4, fnode_new(FN_MAP, 9));
	fnode_add_scalar(x, "notAfter", 8, "2024-07-30T09:01:00Z", 20, 9);
	spec = (struct fnode *)fnode_find(p->root, "spec.dnsNames");
	assert_non_null(spec);
	fnode_add_scalar(spec, NULL, 0, "api.example.com", 15, 10);
	assert_string_equal(fnode_find(p->root, "x509.notAfter")->value,
			    "2024-07-30T09:01:00Z");
	assert_int_equal(fnode_find(p->root, "spec.dnsNames")->nkids, 3);
	assert_string_equal(fnode_find(p->root, "spec.issuerRef.name")->value,
			    "le");
	assert_null(fnode_find(p->root, "spec.nothing")->value);
	/*
	 * Growing on, past each power of two: kids arrays keep no size of
	 * their own (under valgrind and ASan, a wrong one is a write past
	 * the end).
	 */
	for (i = 0; i < 600; i++) {
		char v[32];

		snprintf(v, sizeof(v), "host-%zu.example.com", i);
		fnode_add_scalar(spec, NULL, 0, v, strlen(v), 11 + i);
	}
	assert_int_equal(spec->nkids, 603);
	assert_string_equal(spec->kids[2]->value, "api.example.com");
	for (i = 0; i < 600; i++) {
		char v[32];

		snprintf(v, sizeof(v), "host-%zu.example.com", i);
		assert_string_equal(spec->kids[3 + i]->value, v);
		assert_int_equal(spec->kids[3 + i]->line, 11 + i);
	}
	run_free(&a);	/* the packed object, under valgrind and ASan */
	run_free(&b);
}

#define ISSUER(name) \
	"{\"apiVersion\":\"cert-manager.io/v1\",\"kind\":\"Issuer\"," \
	"\"metadata\":{\"name\":\"" name "\",\"namespace\":\"shop\"}}"

/* bytescan() finds what a byte loop finds, wherever it is. */
static void test_bytescan(void **state)
{
	static const char alphabet[] = " a\"\\{}[],:x\n";
	char buf[80];
	unsigned set, seed = 12345;
	size_t n, i, k, round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		n = round % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly plain bytes, so long runs are skipped. */
			buf[k] = (seed >> 16) % 8 ? 'a' + (char)((seed >> 8) % 26)
				 : alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		for (set = 1; set < 16; set++) {
			for (i = 0; i <= n; i++) {
				size_t want = i;

				while (want < n &&
				       !bytescan_in((unsigned char)buf[want], set))
					want++;
				assert_int_equal(bytescan(buf, i, n, set), want);
			}
		}
	}
	/* bytescan_find4() finds what memmem() finds. */
	for (round = 0; round < 3000; round++) {
		static const char *const lits[] = { "acme", "aaab", "e-ac" };
		const char *lit = lits[round % 3];

		n = round % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = "acme-b"[(seed >> 16) % 6];
		}
		for (i = 0; i <= n; i++)
			assert_ptr_equal(bytescan_find4(buf + i, n - i, lit),
					 memmem(buf + i, n - i, lit, 4));
	}
	/* Each stop byte of each set, at each place of a 40-byte run. */
	for (k = 0; k < 40; k++) {
		static const char stops[] = "\"\\{}[],";
		size_t s;

		for (s = 0; s < sizeof(stops) - 1; s++) {
			memset(buf, ' ', 40);
			buf[k] = stops[s];
			set = stops[s] == '"' ? BS_QUOTE :
			      stops[s] == '\\' ? BS_BSLASH :
			      stops[s] == ',' ? BS_COMMA : BS_BRACKET;
			assert_int_equal(bytescan(buf, 0, 40, set), k);
			assert_int_equal(bytescan(buf, 0, 40,
						  (BS_QUOTE | BS_BSLASH |
						   BS_BRACKET | BS_COMMA) & ~set),
					 40);
		}
	}
}

static void test_cases(void **state)
{
	static const struct {
		const char *name;
		const char *in;
		size_t max;
		const char *want;	/* Kind/ns/name@line; ... */
		const char *warn;	/* a substring of all warnings, or "";
					 * "=..." all of them */
	} cases[] = {
		{ "single object",
		  "{\n"
		  "    \"apiVersion\": \"cert-manager.io/v1\",\n"
		  "    \"kind\": \"Certificate\",\n"
		  "    \"metadata\": {\n"
		  "        \"name\": \"api-example-com\",\n"
		  "        \"namespace\": \"prod\"\n"
		  "    }\n"
		  "}\n",
		  0, "Certificate/prod/api-example-com@1;", "" },
		{ "troubleshoot.sh custom resources: a bare array",
		  "[\n"
		  "  {\n"
		  "    \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
		  "    \"kind\": \"Order\",\n"
		  "    \"metadata\": {\"name\": \"o1\", \"namespace\": \"shop\"}\n"
		  "  },\n"
		  "  {\n"
		  "    \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
		  "    \"kind\": \"Order\",\n"
		  "    \"metadata\": {\"name\": \"o2\", \"namespace\": \"shop\"}\n"
		  "  }\n"
		  "]\n",
		  0, "Order/shop/o1@2;Order/shop/o2@7;", "" },
		{ "minified List on one line",
		  "{\"apiVersion\":\"v1\",\"items\":[" ISSUER("a") ","
		  ISSUER("b") "],\"kind\":\"List\",\"metadata\":"
		  "{\"resourceVersion\":\"\",\"items\":[" ISSUER("no") "]}}\n",
		  0, "Issuer/shop/a@1;Issuer/shop/b@1;", "" },
		{ "JSON lines of objects, log records ignored",
		  ISSUER("one") "\n"
		  "{\"level\":\"error\",\"ts\":1714557602.1,\"logger\":"
		  "\"cert-manager.controller\",\"msg\":\"propagation check "
		  "failed\",\"items\":[1,2]}\n"
		  ISSUER("two") " " ISSUER("three") "\n",
		  0, "Issuer/shop/one@1;Issuer/shop/two@3;"
		  "Issuer/shop/three@3;", "" },
		{ "brackets and escaped quotes in strings, inside items",
		  "{\"kind\": \"List\", \"items\": [\n"
		  "  {\"apiVersion\": \"v1\", \"kind\": \"Issuer\", "
		  "\"metadata\": {\"name\": \"a]}\", \"namespace\": "
		  "\"shop\"}, \"spec\": {\"x\": \"say \\\"}]\\\" now, "
		  "padding the line past sixteen bytes\\\\\", \"y\": [\"[\", "
		  "\"{\", \"\\\\\"]}}, " ISSUER("b") "\n"
		  "]}\n",
		  0, "Issuer/shop/a]}@2;Issuer/shop/b@2;", "" },
		{ "a string broken over lines by an escape at the end",
		  "[\n"
		  "  {\"apiVersion\": \"v1\", \"kind\": \"Issuer\", \"x\": "
		  "\"a long string value that ends the line with \\\n"
		  "\" ]}, still the string\", \"metadata\": {\"name\": \"a\"}},\n"
		  "  " ISSUER("b") "\n"
		  "]\n",
		  0, "Issuer/shop/b@4;", "=x.json:2:92: invalid JSON in item 1: "
		  "syntax error near '\\'; item skipped|" },
		{ "typed List: PodList items have no kind",
		  "{\n"
		  "  \"kind\": \"PodList\",\n"
		  "  \"apiVersion\": \"v1\",\n"
		  "  \"metadata\": {\"resourceVersion\": \"12\"},\n"
		  "  \"items\": [\n"
		  "    {\"metadata\": {\"name\": \"cert-manager-6d9b8c7f5-abcde\","
		  " \"namespace\": \"cert-manager\"}}\n"
		  "  ]\n"
		  "}\n",
		  0, "-/cert-manager/cert-manager-6d9b8c7f5-abcde@6;", "" },
		{ "empty and null items give nothing",
		  "{\"apiVersion\":\"v1\",\"items\":[],\"kind\":\"List\"}\n"
		  "{\"apiVersion\":\"v1\",\"items\":null,\"kind\":\"EventList\","
		  "\"metadata\":{}}\n",
		  0, "", "" },
		{ "a broken item between good ones",
		  "[\n"
		  ISSUER("a") ",\n"
		  "{\"apiVersion\": \"cert-manager.io/v1\",\n"
		  " \"kind\": \"Issuer\",\n"
		  " \"metadata\": {\"name\": \"bad\" \"namespace\": \"shop\"}},\n"
		  ISSUER("c") "\n"
		  "]\n",
		  0, "Issuer/shop/a@2;Issuer/shop/c@6;",
		  "x.json:5:29: invalid JSON in item 2: syntax error near "
		  "'\"namespace\": \"shop\"}}'; item skipped|" },
		{ "trailing comma",
		  "{\"kind\": \"Issuer\", \"metadata\": {\"name\": \"t\",}}\n"
		  ISSUER("next") "\n",
		  0, "Issuer/shop/next@2;",
		  "x.json:1:46: invalid JSON in item 1: syntax error near "
		  "'}'; item skipped|" },
		{ "truncated file: items before the cut come out",
		  "{\n"
		  "    \"apiVersion\": \"v1\",\n"
		  "    \"items\": [\n"
		  "        " ISSUER("a") ",\n"
		  "        " ISSUER("b") ",\n"
		  "        {\n"
		  "            \"apiVersion\": \"cert-manager.io/v1\",\n"
		  "            \"kind\": \"Iss\n",
		  0, "Issuer/shop/a@4;Issuer/shop/b@5;",
		  "x.json:8: truncated JSON: input ends inside item 3 "
		  "(started at line 6); item skipped|" },
		{ "item over the size limit",
		  "[\n"
		  "{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"big\"},\n"
		  " \"data\": {\"blob\": \"0123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789\"}},\n"
		  "{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"small\"}}\n"
		  "]\n",
		  120, "ConfigMap/-/small@4;",
		  "x.json:2:1: JSON item 1 larger than 120 bytes; item "
		  "skipped|" },
		{ "text outside JSON",
		  "$ kubectl get issuers -o json\n"
		  ISSUER("a") "\n"
		  "error: the server doesn't have a resource type \"x\"\n"
		  "Error from server (Forbidden): forbidden\n"
		  ISSUER("b") "\n",
		  0, "Issuer/shop/a@2;Issuer/shop/b@5;",
		  "x.json:3:1: not JSON: text outside any JSON value skipped "
		  "(2 lines)|" },
		{ "byte order mark",
		  "\xEF\xBB\xBF" ISSUER("bom") "\n",
		  0, "Issuer/shop/bom@1;", "" },
		{ "strings with brackets and escaped quotes",
		  "[{\"kind\": \"Event\", \"metadata\": {\"name\": \"e1\"}, "
		  "\"message\": \"a \\\"quoted\\\" ] } [ { \\\\\"}, "
		  ISSUER("after") "]\n",
		  0, "Event/-/e1@1;Issuer/shop/after@1;", "" },
	};
	size_t i;

	(void)state;
	diag_set_quiet(1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r;

		run_json(&r, cases[i].in, cases[i].max);
		if (cases[i].warn[0] == '=') {
			assert_string_equal(buf_str(&r.warns),
					    cases[i].warn + 1);
			assert_string_equal(buf_str(&r.got), cases[i].want);
			run_free(&r);
			continue;
		}
		if (strcmp(buf_str(&r.got), cases[i].want) ||
		    !strstr(buf_str(&r.warns), cases[i].warn) ||
		    (!*cases[i].warn && r.warns.len))
			print_error("case '%s':\n got  %s\n want %s\n warn %s\n",
				    cases[i].name, buf_str(&r.got),
				    cases[i].want, buf_str(&r.warns));
		assert_string_equal(buf_str(&r.got), cases[i].want);
		if (*cases[i].warn)
			assert_non_null(strstr(buf_str(&r.warns),
					       cases[i].warn));
		else
			assert_string_equal(buf_str(&r.warns), "");
		run_free(&r);
	}
}

static void test_values(void **state)
{
	static const char in[] =
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",\n"
		" \"metadata\": {\"name\": \"values\", \"annotations\": "
		"{\"cert-manager.io/issuer-name\": \"letsencrypt\"}},\n"
		" \"data\": {\"int\": 42, \"neg\": -3, \"frac\": 0.25, "
		"\"exp\": 1e3, \"t\": true, \"f\": false, \"n\": null,\n"
		"          \"esc\": \"tab\\there \\u00e9 \\u0026 \\/\", "
		"\"empty\": \"\", \"list\": [1, \"two\", [3]]}}\n";
	struct run r;
	const struct kobject *o;
	const struct fnode *list;

	(void)state;
	run_json(&r, in, 0);
	assert_string_equal(buf_str(&r.warns), "");
	assert_int_equal(r.n, 1);
	o = r.objs[0];
	assert_string_equal(value_at(o, "data.int"), "42");
	assert_string_equal(value_at(o, "data.neg"), "-3");
	assert_string_equal(value_at(o, "data.frac"), "0.25");
	assert_string_equal(value_at(o, "data.exp"), "1e3");
	assert_string_equal(value_at(o, "data.t"), "true");
	assert_string_equal(value_at(o, "data.f"), "false");
	assert_non_null(fnode_find(o->root, "data.n"));
	assert_null(value_at(o, "data.n"));
	assert_string_equal(value_at(o, "data.esc"), "tab\there \xC3\xA9 & /");
	assert_string_equal(value_at(o, "data.empty"), "");
	assert_int_equal(fnode_find(o->root, "data.esc")->line, 4);
	list = fnode_find(o->root, "data.list");
	assert_int_equal(list->type, FN_LIST);
	assert_int_equal(list->nkids, 3);
	assert_string_equal(list->kids[0]->value, "1");
	assert_string_equal(list->kids[1]->value, "two");
	assert_int_equal(list->kids[2]->type, FN_LIST);
	assert_string_equal(kobject_annotation(o, "cert-manager.io/issuer-name"),
			    "letsencrypt");
	run_free(&r);
}

/*
 * The direct reader against cJSON: the same tree (values, keys, lines)
 * wherever it reads a text, and a refusal (cJSON reads it then) where it
 * is not sure.
 */
static void test_direct_reader(void **state)
{
	static const char *const same[] = {
		"{}", "[]", "\"s\"", "0", "-0.5e-3", "true", "false", "null",
		"{\"a\": 1, \"b\": [true, false, null, {\"c\": \"d\"}]}",
		"{\n  \"kind\": \"Challenge\",\n  \"spec\": {\n    \"dnsName\": "
		"\"app.example.com\",\n    \"wildcard\": false\n  },\n"
		"  \"n\": [\n    1,\n    2.5,\n    -3E+2\n  ]\n}",
		"{\"esc\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}",
		"{\"u\": \"\\u00e9 \\u20AC \\ud83d\\ude00 \\u0041\"}",
		"{\"dup\": 1, \"dup\": 2, \"Weird Key\": 3, \"\": 4}",
		"{\"raw\": \"caf\xc3\xa9 \xff\"}",
		"\n\n  {\"late\": \"start\"}  \n",
		"[[[[[[[[[[1]]]]]]]]]]",
	};
	static const char *const refused[] = {
		"", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1 2]", "01", "1.", ".5",
		"+1", "1e", "-", "tru", "nul", "{\"a\": \"x\ty\"}",
		"{\"a\": \"\\u0000\"}", "{\"a\": \"\\ud800\"}",
		"{\"a\": \"\\udc00\"}", "{\"a\": \"\\x41\"}", "{} x",
		"{\"a\":\x01 1}", "'single'", "NaN",
	};
	struct buf deep = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct fnode *a = jsondoc_fast_tree(same[i], strlen(same[i]), 7);
		struct fnode *b = jsondoc_cjson_tree(same[i], strlen(same[i]), 7);

		if (!a || !b || !fnode_same(a, b))
			fail_msg("not the same tree for %s", same[i]);
		fnode_free(a);
		fnode_free(b);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct fnode *a = jsondoc_fast_tree(refused[i],
						    strlen(refused[i]), 1);

		if (a)
			fail_msg("read, not refused: %s", refused[i]);
	}
	/* Nesting past the reader's depth goes to cJSON. */
	for (i = 0; i < 300; i++)
		buf_addc(&deep, '[');
	for (i = 0; i < 300; i++)
		buf_addc(&deep, ']');
	assert_null(jsondoc_fast_tree(deep.p, deep.len, 1));
	buf_free(&deep);
}

static void test_too_deep(void **state)
{
	struct buf in = BUF_INIT;
	struct run r;
	int d;

	(void)state;
	diag_set_quiet(1);
	buf_adds(&in, "[\n{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": "
		 "\"deep\"}, \"data\": ");
	for (d = 0; d < 100000; d++)
		buf_addc(&in, '[');
	for (d = 0; d < 100000; d++)
		buf_addc(&in, ']');
	buf_adds(&in, "},\n" ISSUER("shallow") "\n]\n");
	run_json(&r, in.p, 0);
	assert_string_equal(buf_str(&r.got), "Issuer/shop/shallow@3;");
	assert_string_equal(buf_str(&r.warns),
		"x.json:2:572: JSON item 1 nested deeper than 512 levels; item "
		"skipped|");
	run_free(&r);
	buf_free(&in);
}

/*
 * A 20 MB List, fed line by line: every item comes out and the parser's
 * buffer never holds more than about one item.
 */
static void test_big_list_bounded(void **state)
{
	struct parse_ctx pc;
	struct jsondoc *p;
	struct run r;
	struct buf item = BUF_INIT;
	unsigned long lineno = 1, i, nitems = 0;
	size_t bytes = 0, largest = 0;
	char line[512];

	(void)state;
	init_run(&r, &pc, 0);
	r.keep = 0;
	p = jsondoc_new(&pc);
	jsondoc_line(p, slice_cstr("{"), lineno++);
	jsondoc_line(p, slice_cstr("    \"apiVersion\": \"v1\","), lineno++);
	jsondoc_line(p, slice_cstr("    \"items\": ["), lineno++);
	for (i = 0; bytes < (20u << 20); i++) {
		const char *l;
		size_t size = 0;
		int k, extra = (int)(i % 7) * 8;

		buf_reset(&item);
		buf_addf(&item,
			 "        {\n"
			 "            \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
			 "            \"kind\": \"Challenge\",\n"
			 "            \"metadata\": {\n"
			 "                \"name\": \"host%lu-example-com-1-%lu\",\n"
			 "                \"namespace\": \"ns%lu\"\n"
			 "            },\n"
			 "            \"status\": {\n"
			 "                \"reason\": \"Waiting for HTTP-01 "
			 "challenge propagation: failed to perform self check "
			 "GET request: dial tcp 203.0.113.%lu:80: connect: "
			 "connection refused\",\n"
			 "                \"log\": [\n",
			 i, i * 7919, i % 50, i % 250);
		for (k = 0; k < 10 + extra; k++)
			buf_addf(&item, "                    \"line %d of "
				 "the solver pod log for host%lu\",\n", k, i);
		buf_addf(&item, "                    \"end\"\n"
			 "                ],\n"
			 "                \"state\": \"pending\"\n"
			 "            }\n"
			 "        }%s\n", bytes + item.len < (20u << 20) ?
			 "," : "");
		for (l = item.p; *l;) {
			const char *nl = strchr(l, '\n');
			size_t n = (size_t)(nl - l);

			assert_true(n < sizeof(line));
			jsondoc_line(p, slice_make(l, n), lineno++);
			size += n + 1;
			l = nl + 1;
		}
		if (size > largest)
			largest = size;
		bytes += size;
		nitems++;
	}
	jsondoc_line(p, slice_cstr("    ],"), lineno++);
	jsondoc_line(p, slice_cstr("    \"kind\": \"List\","), lineno++);
	jsondoc_line(p, slice_cstr("    \"metadata\": {\"resourceVersion\": \"\"}"),
		     lineno++);
	jsondoc_line(p, slice_cstr("}"), lineno++);
	jsondoc_end(p);
	assert_true(bytes >= (20u << 20));
	assert_int_equal(r.total, nitems);
	assert_int_equal(r.in.nerrors, 0);
	/* Bounded by the largest item (and the buffer's doubling). */
	assert_true(jsondoc_peak_buffer(p) <= 2 * largest + 64);
	assert_true(jsondoc_peak_buffer(p) < 64 * 1024);
	jsondoc_free(p);
	buf_free(&item);
	run_free(&r);
}

/* parse_ctx.wanted: Pods are not wanted; on_skipped records them. */
static int no_pods(const char *kind, struct slice text, void *ctx)
{
	(void)text;
	(void)ctx;
	return strcmp(kind, "Pod") != 0;
}

static void on_skip(const char *kind, const char *ns, const char *name,
		    unsigned long line, void *ctx)
{
	struct run *r = ctx;

	buf_addf(&r->warns, "skipped %s/%s/%s@%lu;", kind, ns ? ns : "-",
		 name ? name : "-", line);
}

/*
 * An object nobody wants is not built: its kind, namespace and name are
 * read by a flat pass, past nested values, escaped quotes and keys that
 * look like the ones it wants; wanted objects are parsed as before.
 */
static void test_skip_unwanted(void **state)
{
	static const char text[] =
		"{\n"
		"  \"apiVersion\": \"v1\",\n"
		"  \"items\": [\n"
		"    {\n"
		"      \"apiVersion\": \"v1\",\n"
		"      \"kind\": \"Pod\",\n"
		"      \"metadata\": {\n"
		"        \"annotations\": {\"name\": \"not-this\", \"x\": \"a \\\"quoted\\\" {value\"},\n"
		"        \"name\": \"web-7d9f8\",\n"
		"        \"namespace\": \"shop\"\n"
		"      },\n"
		"      \"spec\": {\"name\": \"spec-name\", \"kind\": \"Nope\"}\n"
		"    },\n"
		"    {\"kind\": \"Challenge\", \"apiVersion\": \"acme.cert-manager.io/v1\",\n"
		"     \"metadata\": {\"name\": \"web-tls-1-2-3\", \"namespace\": \"shop\"}},\n"
		"    {\"metadata\": {\"namespace\": \"kube-system\", \"name\": \"dns\"}, \"kind\": \"Pod\"},\n"
		"    {\"kind\": \"Po\\u0064\", \"metadata\": {\"name\": \"escaped-kind\"}},\n"
		"    {\"kind\": \"Pod\", \"metadata\": \"odd\", \"spec\": {\"name\": \"x\"}}\n"
		"  ],\n"
		"  \"kind\": \"List\"\n"
		"}\n";
	struct run r;
	struct parse_ctx pc;
	struct jsondoc *p;

	(void)state;
	init_run(&r, &pc, 0);
	pc.wanted = no_pods;
	pc.on_skipped = on_skip;
	p = jsondoc_new(&pc);
	feed_json(p, text);
	jsondoc_end(p);
	jsondoc_free(p);
	summarize(&r);
	/* The escaped kind cannot be read flat: it is parsed (and kept). */
	assert_string_equal(buf_str(&r.got),
			    "Challenge/shop/web-tls-1-2-3@14;"
			    "Pod/-/escaped-kind@17;");
	assert_string_equal(buf_str(&r.warns),
			    "skipped Pod/shop/web-7d9f8@4;"
			    "skipped Pod/kube-system/dns@16;"
			    "skipped Pod/-/-@18;");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_yaml_json_same),
		cmocka_unit_test(test_bytescan),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_direct_reader),
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_big_list_bounded),
		cmocka_unit_test(test_skip_unwanted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
