/*
 * The YAML object parser: kubectl List output with folded strings, plain
 * and multi-document streams, broken and copy-and-paste-damaged
 * documents, alias bombs, nesting and size limits. Input is fed line by
 * line exactly as the pipeline does.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "input.h"
#include "object.h"
#include "parse.h"
#include "yamldoc.h"

#define MAX_OBJS 64

struct run {
	struct input in;
	struct kobject *objs[MAX_OBJS];
	size_t n;
	struct buf got;		/* "Kind/ns/name@line;" per object */
	struct buf warns;	/* "where: message|" per warning */
};

static void on_obj(struct kobject *o, void *ctx)
{
	struct run *r = ctx;

	if (r->n < MAX_OBJS)
		r->objs[r->n++] = o;
	else
		kobject_free(o);
}

/* Feed text split on '\n', numbering lines from 1. */
static void feed(struct yamldoc *p, const char *text)
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

/* A parser whose objects and warnings go to r. */
static struct yamldoc *new_parser(struct run *r, size_t max)
{
	struct parse_ctx pc;

	memset(r, 0, sizeof(*r));
	input_init(&r->in, "bundle/x.yaml");
	memset(&pc, 0, sizeof(pc));
	pc.source = "x.yaml";
	pc.in = &r->in;
	pc.on_object = on_obj;
	pc.ctx = r;
	pc.max_object_bytes = max;
	return yamldoc_new(&pc);
}

/* Read text whole; the parser's peak buffer size is returned. */
static size_t read_text(struct run *r, const char *text, size_t max)
{
	struct yamldoc *p = new_parser(r, max);
	size_t peak;

	feed(p, text);
	yamldoc_end(p);
	peak = yamldoc_peak_buffer(p);
	yamldoc_free(p);
	return peak;
}

static void run_yaml(struct run *r, const char *text, size_t max)
{
	size_t i;

	read_text(r, text, max);
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

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		kobject_free(r->objs[i]);
	input_free(&r->in);
	buf_free(&r->got);
	buf_free(&r->warns);
}

/* 1-based number of the line holding needle (the first one). */
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

/* kubectl get challenges,certificates -o yaml (kubectl >= 1.24). */
static const char challenge_list[] =
	"$ kubectl get challenges,certificates -n shop -o yaml\n"
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
	"- apiVersion: cert-manager.io/v1\n"
	"  kind: Certificate\n"
	"  metadata:\n"
	"    creationTimestamp: \"2024-05-01T09:59:58Z\"\n"
	"    generation: 1\n"
	"    name: web-example-com\n"
	"    namespace: shop\n"
	"    ownerReferences:\n"
	"    - apiVersion: networking.k8s.io/v1\n"
	"      blockOwnerDeletion: true\n"
	"      controller: true\n"
	"      kind: Ingress\n"
	"      name: web\n"
	"      uid: 9c8b7a69-5847-4362-a514-0f0e0d0c0b0a\n"
	"    uid: 22222222-3333-4444-8555-666666666666\n"
	"  spec:\n"
	"    dnsNames:\n"
	"    - web.example.com\n"
	"    issuerRef:\n"
	"      group: cert-manager.io\n"
	"      kind: ClusterIssuer\n"
	"      name: letsencrypt-staging\n"
	"    secretName: web-example-com-tls\n"
	"  status:\n"
	"    conditions:\n"
	"    - lastTransitionTime: \"2024-05-01T09:59:58Z\"\n"
	"      message: Issuing certificate as Secret does not exist\n"
	"      observedGeneration: 1\n"
	"      reason: DoesNotExist\n"
	"      status: \"False\"\n"
	"      type: Ready\n"
	"    - lastTransitionTime: \"2024-05-01T09:59:59Z\"\n"
	"      message: 'The certificate request has failed to complete and will be retried:\n"
	"        Failed to wait for order resource \"web-example-com-1-3141592653\" to become\n"
	"        ready: order is in \"pending\" state'\n"
	"      observedGeneration: 1\n"
	"      reason: Failed\n"
	"      status: \"False\"\n"
	"      type: Issuing\n"
	"kind: List\n"
	"metadata:\n"
	"  resourceVersion: \"\"\n";

static const char challenge_reason[] =
	"Waiting for HTTP-01 challenge propagation: failed to perform self "
	"check GET request 'http://web.example.com/.well-known/acme-challenge/"
	"Tok3nTok3nTok3n': Get \"http://web.example.com/.well-known/"
	"acme-challenge/Tok3nTok3nTok3n\": dial tcp 203.0.113.10:80: connect: "
	"connection refused";

static void test_challenge_list(void **state)
{
	const char *t = challenge_list;
	const struct kobject *ch, *cert;
	const struct kcondition *c;
	const struct fnode *n;
	struct run r;

	(void)state;
	run_yaml(&r, t, 0);
	assert_string_equal(buf_str(&r.warns), "");
	assert_int_equal(r.n, 2);
	ch = r.objs[0];
	cert = r.objs[1];

	assert_string_equal(ch->kind, "Challenge");
	assert_string_equal(ch->api_version, "acme.cert-manager.io/v1");
	assert_string_equal(ch->ns, "shop");
	assert_string_equal(ch->name, "web-example-com-1-3141592653-2718281828");
	assert_string_equal(ch->uid, "11111111-2222-4333-8444-555555555555");
	assert_int_equal(ch->line,
			 line_of(t, "- apiVersion: acme.cert-manager.io/v1"));
	assert_int_equal(ch->origin, ORIGIN_YAML);
	assert_string_equal(ch->source, "x.yaml");
	/* The folded single-quoted reason, with '' decoded. */
	n = fnode_find(ch->root, "status.reason");
	assert_non_null(n);
	assert_string_equal(n->value, challenge_reason);
	assert_int_equal(n->line, line_of(t, "    reason: 'Waiting"));
	assert_string_equal(value_at(ch, "spec.authorizationURL"),
		"https://acme-staging-v02.api.letsencrypt.org/acme/authz-v3/5550001");
	assert_int_equal(fnode_find(ch->root, "spec.authorizationURL")->line,
			 line_of(t, "    authorizationURL:"));
	assert_string_equal(value_at(ch, "spec.solver.http01.ingress."
				     "ingressClassName"), "nginx");
	assert_string_equal(value_at(ch, "metadata.resourceVersion"), "90210");
	assert_string_equal(value_at(ch, "spec.wildcard"), "false");
	assert_int_equal(ch->nowners, 1);
	assert_string_equal(ch->owners[0].kind, "Order");
	assert_string_equal(ch->owners[0].name, "web-example-com-1-3141592653");
	assert_string_equal(ch->owners[0].uid,
			    "0f1e2d3c-4b5a-4697-8877-66554433aabb");
	assert_true(ch->owners[0].controller);
	assert_int_not_equal(ch->created, TIME_UNKNOWN);

	assert_string_equal(cert->kind, "Certificate");
	assert_string_equal(cert->name, "web-example-com");
	assert_int_equal(cert->line,
			 line_of(t, "- apiVersion: cert-manager.io/v1"));
	assert_int_equal(cert->nowners, 1);
	assert_string_equal(cert->owners[0].kind, "Ingress");
	assert_int_equal(cert->nconds, 2);
	c = kobject_condition(cert, "Ready");
	assert_non_null(c);
	assert_string_equal(c->status, "False");
	assert_string_equal(c->reason, "DoesNotExist");
	assert_int_equal(c->line, line_of(t, "    - lastTransitionTime"));
	assert_int_not_equal(c->last_transition_ts, TIME_UNKNOWN);
	c = kobject_condition(cert, "Issuing");
	assert_non_null(c);
	assert_string_equal(c->message,
		"The certificate request has failed to complete and will be "
		"retried: Failed to wait for order resource "
		"\"web-example-com-1-3141592653\" to become ready: order is in "
		"\"pending\" state");
	assert_int_equal(c->line,
			 line_of(t, "    - lastTransitionTime: \"2024-05-01T09:59:59Z\""));
	/* Every node has its line. */
	assert_int_equal(fnode_find(cert->root, "spec.dnsNames")->kids[0]->line,
			 line_of(t, "    - web.example.com"));
	run_free(&r);
}

/* A broken document between two good ones. */
static const char broken_between[] =
	"apiVersion: cert-manager.io/v1\n"
	"kind: Issuer\n"
	"metadata:\n"
	"  name: good-one\n"
	"  namespace: shop\n"
	"---\n"
	"apiVersion: cert-manager.io/v1\n"
	"kind: Certificate\n"
	"metadata:\n"
	"  name: broken\n"
	"   namespace: shop\n"
	"spec:\n"
	"  secretName: x\n"
	"---\n"
	"apiVersion: cert-manager.io/v1\n"
	"kind: ClusterIssuer\n"
	"metadata:\n"
	"  name: good-two\n";

/* A List that breaks in its third item: the first two still count. */
static const char broken_list[] =
	"apiVersion: v1\n"
	"items:\n"
	"- apiVersion: acme.cert-manager.io/v1\n"
	"  kind: Order\n"
	"  metadata:\n"
	"    name: o1\n"
	"    namespace: shop\n"
	"- apiVersion: acme.cert-manager.io/v1\n"
	"  kind: Order\n"
	"  metadata:\n"
	"    name: o2\n"
	"    namespace: shop\n"
	"- apiVersion: acme.cert-manager.io/v1\n"
	"  kind: Order\n"
	"  metadata:\n"
	"    name: \"o3\n"
	"    namespace: shop\n"
	"  status: [unclosed\n";

static const char billion_laughs[] =
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata:\n"
	"  name: lol\n"
	"  namespace: shop\n"
	"data:\n"
	"  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	"  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	"  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	"  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	"  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	"  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	"  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	"  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	"  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
	"  j: *i\n";

static void test_cases(void **state)
{
	static const struct {
		const char *name;
		const char *in;
		size_t max;
		const char *want;	/* Kind/ns/name@line; ... */
		const char *warn;	/* a substring of all warnings, or "" */
	} cases[] = {
		{ "single Certificate",
		  "apiVersion: cert-manager.io/v1\n"
		  "kind: Certificate\n"
		  "metadata:\n"
		  "  name: api-example-com\n"
		  "  namespace: prod\n"
		  "spec:\n"
		  "  dnsNames:\n"
		  "  - api.example.com\n",
		  0, "Certificate/prod/api-example-com@1;", "" },
		{ "multi-document stream",
		  "---\n"
		  "apiVersion: cert-manager.io/v1\n"
		  "kind: Issuer\n"
		  "metadata:\n"
		  "  name: a\n"
		  "  namespace: shop\n"
		  "--- # the second one\n"
		  "apiVersion: cert-manager.io/v1\n"
		  "kind: ClusterIssuer\n"
		  "metadata:\n"
		  "  name: b\n"
		  "...\n"
		  "# only a comment\n"
		  "---\n"
		  "---\n"
		  "apiVersion: acme.cert-manager.io/v1\n"
		  "kind: Order\n"
		  "metadata: {name: c, namespace: shop}\n",
		  0, "Issuer/shop/a@2;ClusterIssuer/-/b@8;Order/shop/c@16;", "" },
		{ "broken document between good ones", broken_between, 0,
		  "Issuer/shop/good-one@1;ClusterIssuer/-/good-two@15;",
		  "x.yaml:11:13: invalid YAML: mapping values are not allowed "
		  "in this context|" },
		{ "broken List keeps the items before the error", broken_list,
		  0, "Order/shop/o1@3;Order/shop/o2@8;",
		  "x.yaml:18:20: invalid YAML: found unexpected end of stream "
		  "while scanning a quoted scalar (from line 16)|" },
		{ "tab indentation repaired",
		  "apiVersion: cert-manager.io/v1\n"
		  "kind: Certificate\n"
		  "metadata:\n"
		  "\tname: tabbed\n"
		  "\tnamespace: shop\n",
		  0, "Certificate/shop/tabbed@1;",
		  "x.yaml:4:1: invalid YAML: found character that cannot start "
		  "any token while scanning for the next token; read after "
		  "repairing its indentation|" },
		{ "first line lost its indentation",
		  "apiVersion: acme.cert-manager.io/v1\n"
		  "    kind: Challenge\n"
		  "    metadata:\n"
		  "      name: pasted\n"
		  "      namespace: shop\n"
		  "    status:\n"
		  "      state: pending\n",
		  0, "Challenge/shop/pasted@1;",
		  "read after repairing its indentation|" },
		{ "no-break spaces from a web page",
		  "apiVersion: cert-manager.io/v1\n"
		  "kind: Issuer\n"
		  "metadata:\n"
		  "\xC2\xA0\xC2\xA0name: nbsp\n"
		  "\xC2\xA0\xC2\xA0namespace: shop\n",
		  0, "Issuer/shop/nbsp@1;",
		  "x.yaml:4:1: YAML indented with no-break spaces; read as "
		  "spaces|" },
		{ "beyond repair",
		  "apiVersion: v1\n"
		  "kind: Secret\n"
		  "metadata:\n"
		  "  name: [oops\n",
		  0, "", "x.yaml:4:14: invalid YAML: did not find expected ',' "
		  "or ']' while parsing a flow sequence|" },
		{ "aliases are not expanded", billion_laughs, 0,
		  "ConfigMap/shop/lol@1;", "" },
		{ "troubleshoot.sh custom resources: a bare sequence",
		  "- apiVersion: cert-manager.io/v1\n"
		  "  kind: Certificate\n"
		  "  metadata:\n"
		  "    name: one\n"
		  "    namespace: shop\n"
		  "- apiVersion: cert-manager.io/v1\n"
		  "  kind: Certificate\n"
		  "  metadata:\n"
		  "    name: two\n"
		  "    namespace: shop\n",
		  0, "Certificate/shop/one@1;Certificate/shop/two@6;", "" },
		{ "typed list: PodList, items without kind",
		  "apiVersion: v1\n"
		  "items:\n"
		  "- metadata:\n"
		  "    name: cert-manager-6d9b8c7f5-abcde\n"
		  "    namespace: cert-manager\n"
		  "kind: PodList\n"
		  "metadata:\n"
		  "  resourceVersion: \"1\"\n",
		  0, "-/cert-manager/cert-manager-6d9b8c7f5-abcde@3;", "" },
		{ "empty lists give nothing",
		  "apiVersion: v1\nitems: []\nkind: List\nmetadata: {}\n"
		  "---\n"
		  "apiVersion: v1\nitems: null\nkind: EventList\n",
		  0, "", "" },
		{ "not objects: values, scalars, empty",
		  "replicaCount: 2\nimage:\n  tag: v1.14.4\n"
		  "---\n"
		  "just some text\n"
		  "---\n",
		  0, "", "" },
		{ "document over the size limit",
		  "apiVersion: v1\n"
		  "kind: ConfigMap\n"
		  "metadata:\n"
		  "  name: big\n"
		  "data:\n"
		  "  blob: 0123456789012345678901234567890123456789\n"
		  "---\n"
		  "apiVersion: v1\n"
		  "kind: ConfigMap\n"
		  "metadata:\n"
		  "  name: small\n",
		  100, "ConfigMap/-/small@8;",
		  "x.yaml:1: YAML document larger than 100 bytes; dropped|" },
		{ "a broken List item loses only itself",
		  "apiVersion: v1\n"
		  "items:\n"
		  "- apiVersion: acme.cert-manager.io/v1\n"
		  "  kind: Order\n"
		  "  metadata:\n"
		  "    name: [o1\n"
		  "- apiVersion: acme.cert-manager.io/v1\n"
		  "  kind: Order\n"
		  "  metadata:\n"
		  "    name: o2\n"
		  "    namespace: shop\n"
		  "kind: List\n"
		  "metadata:\n"
		  "  resourceVersion: \"\"\n",
		  0, "Order/shop/o2@7;",
		  "x.yaml:6:14: invalid YAML: did not find expected ',' or ']' "
		  "while parsing a flow sequence|" },
		{ "the size limit is per List item, not per List",
		  "apiVersion: v1\n"
		  "items:\n"
		  "- kind: Order\n"
		  "  metadata: {name: o1, namespace: shop}\n"
		  "- kind: Order\n"
		  "  metadata: {name: o2, namespace: shop}\n"
		  "  spec: {request: 0123456789012345678901234567890123456789}\n"
		  "- kind: Order\n"
		  "  metadata: {name: o3, namespace: shop}\n"
		  "kind: List\n",
		  90, "Order/shop/o1@3;Order/shop/o3@8;",
		  "x.yaml:5: YAML List item larger than 90 bytes; dropped|" },
		{ "a kind before items: one object, not a List",
		  "apiVersion: example.com/v1\n"
		  "kind: Bundle\n"
		  "metadata:\n"
		  "  name: b\n"
		  "items:\n"
		  "- kind: Order\n"
		  "  metadata: {name: o1}\n",
		  0, "Bundle/-/b@1;", "" },
		{ "PodList kind before its items",
		  "apiVersion: v1\n"
		  "kind: PodList\n"
		  "items:\n"
		  "- metadata: {name: p1, namespace: shop}\n"
		  "- metadata: {name: p2, namespace: shop}\n",
		  0, "-/shop/p1@4;-/shop/p2@5;", "" },
		{ "items indented under items: read as one document",
		  "apiVersion: v1\n"
		  "items:\n"
		  "  - kind: Order\n"
		  "    metadata: {name: o1, namespace: shop}\n"
		  "  - kind: Order\n"
		  "    metadata: {name: o2, namespace: shop}\n"
		  "kind: List\n",
		  0, "Order/shop/o1@3;Order/shop/o2@5;", "" },
		{ "comments and blank lines inside a List",
		  "# kubectl get orders -o yaml\n"
		  "apiVersion: v1\n"
		  "items:\n"
		  "\n"
		  "# first\n"
		  "- kind: Order\n"
		  "  metadata: {name: o1, namespace: shop}\n"
		  "\n"
		  "# second\n"
		  "- kind: Order\n"
		  "\n"
		  "  metadata: {name: o2, namespace: shop}\n"
		  "kind: List\n",
		  0, "Order/shop/o1@6;Order/shop/o2@10;", "" },
		{ "a later prompt ends the document",
		  "apiVersion: v1\n"
		  "kind: Namespace\n"
		  "metadata:\n"
		  "  name: shop\n"
		  "$ kubectl get issuers -n shop -o yaml\n"
		  "apiVersion: cert-manager.io/v1\n"
		  "kind: Issuer\n"
		  "metadata:\n"
		  "  name: a\n",
		  0, "Namespace/-/shop@1;Issuer/-/a@6;", "" },
	};
	size_t i;

	(void)state;
	diag_set_quiet(1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r;

		run_yaml(&r, cases[i].in, cases[i].max);
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

static void test_scalars(void **state)
{
	static const char in[] =
		"apiVersion: v1\n"
		"kind: ConfigMap\n"
		"metadata:\n"
		"  name: scalars\n"
		"  annotations:\n"
		"    cert-manager.io/issuer-name: letsencrypt\n"
		"data:\n"
		"  single: 'it''s'\n"
		"  double: \"tab\\there \\u00e9\"\n"
		"  plainnull: null\n"
		"  tilde: ~\n"
		"  empty:\n"
		"  quotednull: \"null\"\n"
		"  folded: >-\n"
		"    one\n"
		"    two\n"
		"  literal: |\n"
		"    a\n"
		"    b\n"
		"  number: 042\n"
		"  anchored: &x value\n"
		"  alias: *x\n";
	struct run r;
	const struct kobject *o;

	(void)state;
	run_yaml(&r, in, 0);
	assert_int_equal(r.n, 1);
	o = r.objs[0];
	assert_string_equal(value_at(o, "data.single"), "it's");
	assert_string_equal(value_at(o, "data.double"), "tab\there \xC3\xA9");
	assert_null(value_at(o, "data.plainnull"));
	assert_non_null(fnode_find(o->root, "data.plainnull"));
	assert_null(value_at(o, "data.tilde"));
	assert_null(value_at(o, "data.empty"));
	assert_string_equal(value_at(o, "data.quotednull"), "null");
	assert_string_equal(value_at(o, "data.folded"), "one two");
	assert_string_equal(value_at(o, "data.literal"), "a\nb\n");
	assert_string_equal(value_at(o, "data.number"), "042");
	assert_string_equal(value_at(o, "data.anchored"), "value");
	assert_null(value_at(o, "data.alias"));
	assert_string_equal(kobject_annotation(o, "cert-manager.io/issuer-name"),
			    "letsencrypt");
	run_free(&r);
}

static void test_billion_laughs_small(void **state)
{
	const struct fnode *j, *i;
	struct run r;

	(void)state;
	run_yaml(&r, billion_laughs, 0);
	assert_int_equal(r.n, 1);
	i = fnode_find(r.objs[0]->root, "data.i");
	j = fnode_find(r.objs[0]->root, "data.j");
	assert_non_null(i);
	assert_int_equal(i->type, FN_LIST);
	assert_int_equal(i->nkids, 9);
	assert_int_equal(i->kids[0]->type, FN_SCALAR);
	assert_null(i->kids[0]->value);
	assert_int_equal(j->type, FN_SCALAR);
	assert_null(j->value);
	run_free(&r);
}

static void test_too_deep(void **state)
{
	struct buf in = BUF_INIT;
	struct run r;
	int d;

	(void)state;
	diag_set_quiet(1);
	buf_adds(&in, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
		 "  name: deep\ndata:\n  x: ");
	for (d = 0; d < 300; d++)
		buf_addc(&in, '[');
	for (d = 0; d < 300; d++)
		buf_addc(&in, ']');
	buf_adds(&in, "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
		 "  name: shallow\n");
	run_yaml(&r, in.p, 0);
	assert_string_equal(buf_str(&r.got), "ConfigMap/-/shallow@8;");
	assert_string_equal(buf_str(&r.warns),
		"x.yaml:6:260: YAML nested deeper than 256 levels; document "
		"dropped|");
	run_free(&r);
	buf_free(&in);
}

/*
 * A List is read an item at a time: 2000 items of a kubectl List go
 * through buffers no bigger than a few items, however long the List,
 * and the same List indented (read whole) needs the whole text.
 */
static void test_list_streams(void **state)
{
	struct buf text = BUF_INIT, indented = BUF_INIT;
	struct run r;
	size_t i, peak;

	(void)state;
	buf_adds(&text, "apiVersion: v1\nitems:\n");
	buf_adds(&indented, "apiVersion: v1\nitems:\n");
	for (i = 0; i < 2000; i++) {
		buf_addf(&text, "- apiVersion: cert-manager.io/v1\n"
			 "  kind: Certificate\n"
			 "  metadata:\n"
			 "    name: app-%zu-tls\n"
			 "    namespace: shop\n"
			 "  spec:\n"
			 "    secretName: app-%zu-tls\n", i, i);
		buf_addf(&indented, "  - kind: Certificate\n"
			 "    metadata: {name: app-%zu-tls}\n", i);
	}
	buf_adds(&text, "kind: List\nmetadata:\n  resourceVersion: \"\"\n");
	buf_adds(&indented, "kind: List\n");

	peak = read_text(&r, buf_str(&text), 0);
	assert_int_equal(r.n, MAX_OBJS);	/* the rest were freed */
	assert_string_equal(r.objs[0]->name, "app-0-tls");
	assert_int_equal(r.objs[0]->line, 3);
	assert_string_equal(r.objs[1]->name, "app-1-tls");
	assert_int_equal(r.objs[1]->line, 10);
	assert_int_equal(r.in.nerrors, 0);
	assert_true(peak < 1024);
	run_free(&r);

	peak = read_text(&r, buf_str(&indented), 0);
	assert_int_equal(r.n, MAX_OBJS);
	assert_true(peak >= indented.len);
	run_free(&r);
	buf_free(&text);
	buf_free(&indented);
}

/* Line numbers that skip (a caller dropped lines) keep nodes in place. */
static void test_line_gap(void **state)
{
	struct run r;
	struct yamldoc *p = new_parser(&r, 0);

	(void)state;
	yamldoc_line(p, slice_cstr("kind: Issuer"), 10);
	yamldoc_line(p, slice_cstr("metadata:"), 11);
	yamldoc_line(p, slice_cstr("  name: a"), 14);
	yamldoc_end(p);
	yamldoc_free(p);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.objs[0]->line, 10);
	assert_int_equal(fnode_find(r.objs[0]->root, "metadata.name")->line,
			 14);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_list),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_billion_laughs_small),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_line_gap),
		cmocka_unit_test(test_list_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
