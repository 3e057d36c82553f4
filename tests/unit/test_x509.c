/*
 * The certificate reader (x509.c): certificates made here with libcrypto
 * at fixed times (healthy, expired, expiring, staging-named, wrong SANs,
 * mismatched key, revoked serial, missing intermediate, CA issuer roots,
 * IP SANs), garbage in tls.crt and tls.key, turned into Secrets and the
 * objects around them as YAML text, read by the YAML parser into a store,
 * enriched, and the x509.* fields checked. The shipped rules then run on
 * the enriched objects; and every rule example in rules/x509.yaml that
 * carries a real tls.crt is decoded again to prove its fields are what
 * ktriage reads.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "diag.h"
#include "findings.h"
#include "input.h"
#include "match.h"
#include "object.h"
#include "parse.h"
#include "rules.h"
#include "store.h"
#include "x509.h"
#include "yamldoc.h"

/* 2024-05-01T10:00:00Z: every certificate's times count from here. */
#define T0 ((time_t)1714557600)
#define DAY (24 * 3600L)

/* ------------------------------------------------------------------ */
/* A small PKI, made once per run. */

struct pki {
	EVP_PKEY *root_key, *int_key, *stg_key, *leaf_key, *other_key;
	X509 *root, *inter, *stg;
};

static struct pki pki;

static EVP_PKEY *keygen(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(k);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/*
 * A certificate: subject "/"-separated ("O=x/CN=y"), valid from T0+from
 * to T0+to seconds, with serial (hex), SANs ("DNS:a,IP:10.0.0.1" or
 * NULL), signed by issuer (NULL: self-signed with key).
 */
static X509 *mkcert(const char *subject, EVP_PKEY *key, X509 *issuer,
		    EVP_PKEY *issuer_key, long from, long to,
		    const char *serial, const char *sans, int ca)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai;
	char *dup = xstrdup(subject), *tok, *save = NULL;

	assert_non_null(x);
	X509_set_version(x, 2);
	assert_true(BN_hex2bn(&bn, serial) > 0);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	X509_set_serialNumber(x, ai);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	for (tok = strtok_r(dup, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(tok, '=');

		*eq = '\0';
		X509_NAME_add_entry_by_txt(nm, tok, MBSTRING_ASC,
					   (unsigned char *)eq + 1, -1, -1, 0);
	}
	free(dup);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
	X509_NAME_free(nm);
	ASN1_TIME_set(X509_getm_notBefore(x), T0 + from);
	ASN1_TIME_set(X509_getm_notAfter(x), T0 + to);
	X509_set_pubkey(x, key);
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" :
		"CA:FALSE");
	if (ca)
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (sans)
		add_ext(x, issuer, NID_subject_alt_name, sans);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key,
			      EVP_sha256()) > 0);
	return x;
}

static void pem_cert(struct buf *b, X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	PEM_write_bio_X509(bio, x);
	n = BIO_get_mem_data(bio, &p);
	buf_add(b, p, (size_t)n);
	BIO_free(bio);
}

static void pem_key(struct buf *b, EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &p);
	buf_add(b, p, (size_t)n);
	BIO_free(bio);
}

/* Base64 of bytes, on one line, as kubectl prints Secret data. */
static char *b64(const void *p, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static char *b64s(const char *s)
{
	return b64(s, strlen(s));
}

/* Base64 of the PEM of a chain (NULL-terminated) or of a key. */
static char *chain64(X509 *a, X509 *b, X509 *c)
{
	struct buf pem = BUF_INIT;
	char *r;

	pem_cert(&pem, a);
	if (b)
		pem_cert(&pem, b);
	if (c)
		pem_cert(&pem, c);
	r = b64(pem.p, pem.len);
	buf_free(&pem);
	return r;
}

static char *key64(EVP_PKEY *k)
{
	struct buf pem = BUF_INIT;
	char *r;

	pem_key(&pem, k);
	r = b64(pem.p, pem.len);
	buf_free(&pem);
	return r;
}

static int setup_pki(void **state)
{
	(void)state;
	pki.root_key = keygen();
	pki.int_key = keygen();
	pki.stg_key = keygen();
	pki.leaf_key = keygen();
	pki.other_key = keygen();
	pki.root = mkcert("O=ktriage tests/CN=ktriage Test Root X1",
			  pki.root_key, NULL, NULL, -3650 * DAY, 3650 * DAY,
			  "01", NULL, 1);
	pki.inter = mkcert("O=ktriage tests/CN=ktriage Test Intermediate R1",
			   pki.int_key, pki.root, pki.root_key, -365 * DAY,
			   1825 * DAY, "02", NULL, 1);
	pki.stg = mkcert("C=US/O=(STAGING) Let's Encrypt/"
			 "CN=(STAGING) Artificial Apricot R3", pki.stg_key,
			 NULL, NULL, -365 * DAY, 1825 * DAY, "03", NULL, 1);
	diag_set_quiet(2);
	return 0;
}

static int teardown_pki(void **state)
{
	(void)state;
	X509_free(pki.root);
	X509_free(pki.inter);
	X509_free(pki.stg);
	EVP_PKEY_free(pki.root_key);
	EVP_PKEY_free(pki.int_key);
	EVP_PKEY_free(pki.stg_key);
	EVP_PKEY_free(pki.leaf_key);
	EVP_PKEY_free(pki.other_key);
	return 0;
}

/* A leaf of the test intermediate, valid from T0-1d to T0+days. */
static X509 *leaf(const char *cn, long days, const char *serial,
		  const char *sans)
{
	struct buf s = BUF_INIT;
	X509 *x;

	buf_addf(&s, "CN=%s", cn);
	x = mkcert(s.p, pki.leaf_key, pki.inter, pki.int_key, -DAY,
		   days * DAY, serial, sans, 0);
	buf_free(&s);
	return x;
}

/* ------------------------------------------------------------------ */
/* Objects as YAML text, read into a store and enriched. */

struct bundle {
	struct buf yaml;
	struct store st;
	struct input in;
	struct buf warnings;	/* "where: message\n" per warning */
};

static void secret_yaml(struct buf *y, const char *name, const char *crt,
			const char *key, const char *ca)
{
	buf_addf(y, "---\napiVersion: v1\nkind: Secret\nmetadata:\n"
		 "  name: %s\n  namespace: shop\ntype: kubernetes.io/tls\n"
		 "data:\n  tls.crt: %s\n", name, crt);
	if (key)
		buf_addf(y, "  tls.key: %s\n", key);
	if (ca)
		buf_addf(y, "  ca.crt: %s\n", ca);
}

/* A Secret whose tls.crt is chain64(a, b) and whose key is k. */
static void secret(struct bundle *bd, const char *name, X509 *a, X509 *b,
		   EVP_PKEY *k)
{
	char *crt = chain64(a, b, NULL);
	char *key = k ? key64(k) : NULL;

	secret_yaml(&bd->yaml, name, crt, key, NULL);
	free(crt);
	free(key);
}

static void certificate(struct bundle *bd, const char *name,
			const char *secret_name, const char *dns,
			const char *not_after)
{
	buf_addf(&bd->yaml, "---\napiVersion: cert-manager.io/v1\n"
		 "kind: Certificate\nmetadata:\n  name: %s\n"
		 "  namespace: shop\nspec:\n  secretName: %s\n"
		 "  dnsNames: [%s]\n", name, secret_name, dns);
	if (not_after)
		buf_addf(&bd->yaml, "status:\n  notAfter: \"%s\"\n",
			 not_after);
}

static void ingress(struct bundle *bd, const char *name,
		    const char *secret_name, const char *hosts)
{
	buf_addf(&bd->yaml, "---\napiVersion: networking.k8s.io/v1\n"
		 "kind: Ingress\nmetadata:\n  name: %s\n  namespace: shop\n"
		 "spec:\n  tls:\n  - hosts: [%s]\n    secretName: %s\n",
		 name, hosts, secret_name);
}

static void on_obj(struct kobject *o, void *ctx)
{
	struct bundle *bd = ctx;

	store_add(&bd->st, o, &bd->in);
}

static void parse_into(struct bundle *bd, const char *text)
{
	struct parse_ctx pc;
	struct yamldoc *y;
	unsigned long lineno = 0;
	const char *p = text;

	memset(&pc, 0, sizeof(pc));
	pc.source = "x.yaml";
	pc.in = &bd->in;
	pc.on_object = on_obj;
	pc.ctx = bd;
	y = yamldoc_new(&pc);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		yamldoc_line(y, slice_make(p, n), ++lineno);
		p += n + (nl ? 1 : 0);
	}
	yamldoc_end(y);
	yamldoc_free(y);
}

static void bundle_init(struct bundle *bd)
{
	memset(bd, 0, sizeof(*bd));
	store_init(&bd->st, 0);
	input_init(&bd->in, "x.yaml");
}

/* Read the YAML, enrich (with a revoked list or NULL), keep warnings. */
static void bundle_run(struct bundle *bd, const char *revoked)
{
	size_t i;

	parse_into(bd, buf_str(&bd->yaml));
	x509_enrich(&bd->st, revoked, &bd->in);
	for (i = 0; i < bd->in.nerrors; i++)
		buf_addf(&bd->warnings, "%s: %s\n", bd->in.errors[i].where,
			 bd->in.errors[i].message);
}

static void bundle_free(struct bundle *bd)
{
	buf_free(&bd->yaml);
	buf_free(&bd->warnings);
	store_free(&bd->st);
	input_free(&bd->in);
}

/* The value of a field of an object, or NULL. */
static const char *get(struct bundle *bd, const char *kind, const char *name,
		       const char *path)
{
	const struct kobject *o = store_find(&bd->st, kind, "shop", name);
	const struct fnode *n;

	assert_non_null(o);
	n = fnode_find(kobject_root(o), path);
	return n && n->type == FN_SCALAR ? n->value : NULL;
}

static const char *sget(struct bundle *bd, const char *name,
			const char *path)
{
	return get(bd, "Secret", name, path);
}

/* The items of a list field joined with ",", "" when absent. */
static void list_of(struct bundle *bd, const char *name, const char *path,
		    struct buf *out)
{
	const struct kobject *o = store_find(&bd->st, "Secret", "shop", name);
	const struct fnode *n;
	size_t i;

	buf_reset(out);
	assert_non_null(o);
	n = fnode_find(kobject_root(o), path);
	if (!n)
		return;
	assert_int_equal(n->type, FN_LIST);
	for (i = 0; i < n->nkids; i++)
		buf_addf(out, "%s%s", i ? "," : "", n->kids[i]->value);
}

#define assert_field(bd, name, path, want) \
	do { \
		const char *got_ = sget(bd, name, path); \
		assert_non_null(got_); \
		assert_string_equal(got_, want); \
	} while (0)
#define assert_no_field(bd, name, path) \
	assert_null(sget(bd, name, path))

/* ------------------------------------------------------------------ */

static void test_healthy(void **state)
{
	struct bundle bd;
	struct buf l = BUF_INIT;
	X509 *x = leaf("shop.example.com", 90, "0A11CE0001",
		       "DNS:shop.example.com,DNS:www.shop.example.com");

	(void)state;
	bundle_init(&bd);
	secret(&bd, "shop-tls", x, pki.inter, pki.leaf_key);
	certificate(&bd, "shop", "shop-tls",
		    "shop.example.com, WWW.shop.example.com.",
		    "2024-07-30T10:00:00Z");
	ingress(&bd, "shop", "shop-tls", "shop.example.com");
	bundle_run(&bd, NULL);
	assert_field(&bd, "shop-tls", "x509.subject", "CN=shop.example.com");
	assert_field(&bd, "shop-tls", "x509.issuer",
		     "CN=ktriage Test Intermediate R1,O=ktriage tests");
	assert_field(&bd, "shop-tls", "x509.serial", "0A11CE0001");
	assert_field(&bd, "shop-tls", "x509.notBefore", "2024-04-30T10:00:00Z");
	assert_field(&bd, "shop-tls", "x509.notAfter", "2024-07-30T10:00:00Z");
	list_of(&bd, "shop-tls", "x509.dnsNames", &l);
	assert_string_equal(l.p, "shop.example.com,www.shop.example.com");
	assert_field(&bd, "shop-tls", "x509.count", "2");
	assert_field(&bd, "shop-tls", "x509.chainComplete", "true");
	assert_field(&bd, "shop-tls", "x509.keyMatches", "true");
	assert_field(&bd, "shop-tls", "x509.certificate", "shop");
	assert_field(&bd, "shop-tls", "x509.certificateNotAfter",
		     "2024-07-30T10:00:00Z");
	list_of(&bd, "shop-tls", "x509.servedByIngress", &l);
	assert_string_equal(l.p, "shop");
	assert_field(&bd, "shop-tls", "x509.summary",
		     "subject=CN=shop.example.com; issuer=CN=ktriage Test "
		     "Intermediate R1,O=ktriage tests; serial=0A11CE0001; "
		     "notBefore=2024-04-30T10:00:00Z; "
		     "notAfter=2024-07-30T10:00:00Z; "
		     "SANs=shop.example.com,www.shop.example.com");
	/* No finding field is set on a healthy Secret. */
	assert_no_field(&bd, "shop-tls", "x509.staging");
	assert_no_field(&bd, "shop-tls", "x509.revoked");
	assert_no_field(&bd, "shop-tls", "x509.sanMismatch");
	assert_no_field(&bd, "shop-tls", "x509.missingNames");
	assert_no_field(&bd, "shop-tls", "x509.notAfterDisagrees");
	assert_no_field(&bd, "shop-tls", "x509.error");
	assert_no_field(&bd, "shop-tls", "x509.keyError");
	assert_no_field(&bd, "shop-tls", "x509.ipAddresses");
	assert_string_equal(buf_str(&bd.warnings), "");
	/* The Certificate and Ingress themselves are left alone. */
	assert_null(get(&bd, "Certificate", "shop", "x509.count"));
	assert_null(get(&bd, "Ingress", "shop", "x509.count"));
	X509_free(x);
	buf_free(&l);
	bundle_free(&bd);
}

static void test_expiry_fields(void **state)
{
	struct bundle bd;
	X509 *old = mkcert("CN=old.example.com", pki.leaf_key, pki.inter,
			   pki.int_key, -91 * DAY, -DAY, "0A11CE0002",
			   "DNS:old.example.com", 0);
	X509 *soon = leaf("soon.example.com", 3, "0A11CE0003",
			  "DNS:soon.example.com");

	(void)state;
	bundle_init(&bd);
	secret(&bd, "old-tls", old, pki.inter, NULL);
	secret(&bd, "soon-tls", soon, pki.inter, NULL);
	bundle_run(&bd, NULL);
	assert_field(&bd, "old-tls", "x509.notBefore", "2024-01-31T10:00:00Z");
	assert_field(&bd, "old-tls", "x509.notAfter", "2024-04-30T10:00:00Z");
	assert_field(&bd, "soon-tls", "x509.notAfter", "2024-05-04T10:00:00Z");
	/* No key in the Secret: nothing said about it. */
	assert_no_field(&bd, "old-tls", "x509.keyMatches");
	assert_no_field(&bd, "old-tls", "x509.keyError");
	/* No Certificate or Ingress: no cross-object fields. */
	assert_no_field(&bd, "old-tls", "x509.certificate");
	assert_no_field(&bd, "old-tls", "x509.servedByIngress");
	X509_free(old);
	X509_free(soon);
	bundle_free(&bd);
}

static void test_staging(void **state)
{
	struct bundle bd;
	struct buf l = BUF_INIT;
	EVP_PKEY *pebble_key = keygen();
	X509 *pebble = mkcert("CN=Pebble Intermediate CA 4c8a1f", pebble_key,
			      NULL, NULL, -DAY, 365 * DAY, "04", NULL, 1);
	X509 *s = mkcert("CN=staging.example.com", pki.leaf_key, pki.stg,
			 pki.stg_key, -DAY, 90 * DAY, "0A11CE0004",
			 "DNS:staging.example.com", 0);
	X509 *p = mkcert("CN=pebble.example.com", pki.leaf_key, pebble,
			 pebble_key, -DAY, 90 * DAY, "0A11CE0005",
			 "DNS:pebble.example.com", 0);
	X509 *prod = leaf("prod.example.com", 90, "0A11CE0006",
			  "DNS:prod.example.com");

	(void)state;
	bundle_init(&bd);
	secret(&bd, "staging-tls", s, pki.stg, pki.leaf_key);
	ingress(&bd, "staging", "staging-tls", "staging.example.com");
	secret(&bd, "pebble-tls", p, pebble, NULL);
	secret(&bd, "prod-tls", prod, pki.inter, NULL);
	ingress(&bd, "prod", "prod-tls", "prod.example.com");
	bundle_run(&bd, NULL);
	assert_field(&bd, "staging-tls", "x509.staging", "true");
	assert_field(&bd, "staging-tls", "x509.issuer",
		     "CN=(STAGING) Artificial Apricot R3,"
		     "O=(STAGING) Let's Encrypt,C=US");
	list_of(&bd, "staging-tls", "x509.servedByIngress", &l);
	assert_string_equal(l.p, "staging");
	assert_field(&bd, "staging-tls", "x509.chainComplete", "true");
	assert_field(&bd, "pebble-tls", "x509.staging", "true");
	assert_no_field(&bd, "pebble-tls", "x509.servedByIngress");
	assert_no_field(&bd, "prod-tls", "x509.staging");
	list_of(&bd, "prod-tls", "x509.servedByIngress", &l);
	assert_string_equal(l.p, "prod");
	X509_free(s);
	X509_free(p);
	X509_free(prod);
	X509_free(pebble);
	EVP_PKEY_free(pebble_key);
	buf_free(&l);
	bundle_free(&bd);
}

static void test_san_mismatch(void **state)
{
	struct bundle bd;
	struct buf l = BUF_INIT;
	X509 *api = leaf("api.example.com", 90, "0A11CE0007",
			 "DNS:api.example.com,DNS:*.apps.example.com,"
			 "IP:10.0.0.1,IP:2001:db8::1");
	X509 *ok = leaf("ok.example.com", 90, "0A11CE0008",
			"DNS:*.ok.example.com");

	(void)state;
	bundle_init(&bd);
	secret(&bd, "api-tls", api, pki.inter, NULL);
	certificate(&bd, "api", "api-tls", "api.example.com, "
		    "a.apps.example.com, a.b.apps.example.com, "
		    "apps.example.com", NULL);
	buf_adds(&bd.yaml, "  ipAddresses: [10.0.0.1, "
		 "\"2001:0db8:0:0:0:0:0:1\", 10.0.0.2]\n");
	ingress(&bd, "api", "api-tls", "api.example.com, status.example.com");
	ingress(&bd, "api-2", "api-tls", "b.apps.example.com");
	/* Another namespace's Ingress of the same secret name: not ours. */
	buf_adds(&bd.yaml, "---\napiVersion: networking.k8s.io/v1\n"
		 "kind: Ingress\nmetadata:\n  name: elsewhere\n"
		 "  namespace: other\nspec:\n  tls:\n"
		 "  - hosts: [evil.example.com]\n    secretName: api-tls\n");
	secret(&bd, "ok-tls", ok, pki.inter, NULL);
	certificate(&bd, "ok", "ok-tls", "x.ok.example.com", NULL);
	bundle_run(&bd, NULL);
	assert_field(&bd, "api-tls", "x509.sanMismatch", "true");
	list_of(&bd, "api-tls", "x509.missingNames", &l);
	assert_string_equal(l.p, "a.b.apps.example.com,apps.example.com,"
			    "status.example.com,10.0.0.2");
	assert_field(&bd, "api-tls", "x509.sanDetail",
		     "a.b.apps.example.com (Certificate api spec.dnsNames), "
		     "apps.example.com (Certificate api spec.dnsNames), "
		     "status.example.com (Ingress api spec.tls.hosts), "
		     "10.0.0.2 (Certificate api spec.ipAddresses)");
	list_of(&bd, "api-tls", "x509.ipAddresses", &l);
	assert_string_equal(l.p, "10.0.0.1,2001:db8::1");
	list_of(&bd, "api-tls", "x509.servedByIngress", &l);
	assert_string_equal(l.p, "api,api-2");
	assert_no_field(&bd, "ok-tls", "x509.sanMismatch");
	assert_no_field(&bd, "ok-tls", "x509.missingNames");
	X509_free(api);
	X509_free(ok);
	buf_free(&l);
	bundle_free(&bd);
}

static void test_name_covered(void **state)
{
	static const struct {
		const char *name, *san;
		int want;
	} cases[] = {
		{ "a.example.com", "a.example.com", 1 },
		{ "A.Example.COM", "a.example.com", 1 },
		{ "a.example.com.", "a.example.com", 1 },
		{ "a.example.com", "a.example.com.", 1 },
		{ "a.example.com", "*.example.com", 1 },
		{ "a.b.example.com", "*.example.com", 0 },
		{ "example.com", "*.example.com", 0 },
		{ ".example.com", "*.example.com", 0 },
		{ "*.example.com", "*.example.com", 1 },
		{ "*.example.com", "a.example.com", 0 },
		{ "a.example.com", "*example.com", 0 },
		{ "a.example.com", "f*.example.com", 0 },
		{ "a.example.com", "*.com", 0 },
		{ "a.com", "*.com", 1 },
		{ "aexample.com", "*.example.com", 0 },
		{ "a.example.org", "*.example.com", 0 },
		{ "", "", 0 },
		{ ".", ".", 0 },
		{ "a", "*.", 0 },
		{ "a.example.com", "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = x509_name_covered(cases[i].name, cases[i].san);

		if (got != cases[i].want)
			fail_msg("%s vs SAN %s: got %d", cases[i].name,
				 cases[i].san, got);
	}
	assert_int_equal(x509_name_covered(NULL, "a"), 0);
}

static void test_key_mismatch(void **state)
{
	struct bundle bd;
	X509 *x = leaf("keys.example.com", 90, "0A11CE0009",
		       "DNS:keys.example.com");
	struct buf rsa_pem = BUF_INIT;
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);

	(void)state;
	assert_non_null(rsa);
	bundle_init(&bd);
	secret(&bd, "keys-tls", x, pki.inter, pki.other_key);
	/* A key of another type: not equal either. */
	secret(&bd, "rsa-tls", x, pki.inter, rsa);
	/* stringData: PEM as written, read the same way. */
	pem_cert(&rsa_pem, x);
	pem_key(&rsa_pem, pki.leaf_key);
	buf_adds(&bd.yaml, "---\napiVersion: v1\nkind: Secret\nmetadata:\n"
		 "  name: string-tls\n  namespace: shop\n"
		 "type: kubernetes.io/tls\nstringData:\n  tls.crt: |\n");
	{
		/* Split cert and key again into two block scalars. */
		const char *p = rsa_pem.p, *kstart = strstr(p,
							    "-----BEGIN PRIVATE");
		const char *line;

		assert_non_null(kstart);
		for (line = p; line < kstart;) {
			const char *nl = strchr(line, '\n');

			buf_addf(&bd.yaml, "    %.*s\n", (int)(nl - line), line);
			line = nl + 1;
		}
		buf_adds(&bd.yaml, "  tls.key: |\n");
		for (line = kstart; *line;) {
			const char *nl = strchr(line, '\n');

			buf_addf(&bd.yaml, "    %.*s\n", (int)(nl - line), line);
			line = nl + 1;
		}
	}
	bundle_run(&bd, NULL);
	assert_field(&bd, "keys-tls", "x509.keyMatches", "false");
	assert_field(&bd, "rsa-tls", "x509.keyMatches", "false");
	assert_field(&bd, "string-tls", "x509.keyMatches", "true");
	assert_field(&bd, "string-tls", "x509.serial", "0A11CE0009");
	/* Nothing of any key reaches a field. */
	{
		const struct kobject *o = store_find(&bd.st, "Secret", "shop",
						     "keys-tls");
		const struct fnode *xn = fnode_child(kobject_root(o), "x509");
		size_t i;

		for (i = 0; i < xn->nkids; i++)
			if (xn->kids[i]->value)
				assert_null(strstr(xn->kids[i]->value,
						   "PRIVATE"));
	}
	EVP_PKEY_free(rsa);
	buf_free(&rsa_pem);
	X509_free(x);
	bundle_free(&bd);
}

static void test_revoked(void **state)
{
	struct bundle bd;
	char path[] = "/tmp/ktriage-test-x509-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	X509 *r = leaf("revoked.example.com", 90, "03ABCDEF0123456789",
		       "DNS:revoked.example.com");
	X509 *ok = leaf("ok.example.com", 90, "03ABCDEF012345678A",
			"DNS:ok.example.com");

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# Let's Encrypt CAA rechecking bug, 2020\n\n"
	      "serial 0a11ce00ff names a.example.com\n"
	      "serial 03abcdef0123456789 names revoked.example.com\n"
	      "zz not a serial\n", f);
	fclose(f);
	bundle_init(&bd);
	secret(&bd, "revoked-tls", r, pki.inter, NULL);
	secret(&bd, "ok-tls", ok, pki.inter, NULL);
	/* The same certificate in a CertificateRequest is flagged too. */
	{
		char *c = chain64(r, pki.inter, NULL);

		buf_addf(&bd.yaml, "---\napiVersion: cert-manager.io/v1\n"
			 "kind: CertificateRequest\nmetadata:\n  name: r-1\n"
			 "  namespace: shop\nstatus:\n  certificate: %s\n", c);
		free(c);
	}
	bundle_run(&bd, path);
	assert_field(&bd, "revoked-tls", "x509.revoked", "true");
	assert_no_field(&bd, "ok-tls", "x509.revoked");
	assert_string_equal(get(&bd, "CertificateRequest", "r-1",
				"x509.revoked"), "true");
	/* The bad line is located; the others are fine. */
	{
		struct buf want = BUF_INIT;

		buf_addf(&want, "%s:5: not a serial number (expected hex, or "
			 "\"serial <hex> ...\"); line ignored\n", path);
		assert_string_equal(buf_str(&bd.warnings), want.p);
		buf_free(&want);
	}
	unlink(path);
	bundle_free(&bd);

	/* A list that cannot be read is an input error. */
	bundle_init(&bd);
	secret(&bd, "revoked-tls", r, pki.inter, NULL);
	bundle_run(&bd, "/nonexistent/ktriage-revoked.txt");
	assert_int_equal(bd.in.error_count, 1);
	assert_no_field(&bd, "revoked-tls", "x509.revoked");
	bundle_free(&bd);
	X509_free(r);
	X509_free(ok);
}

static void test_serial_line(void **state)
{
	static const struct {
		const char *line;
		int rc;
		const char *serial;
	} cases[] = {
		{ "03ABCDEF0123456789", 1, "3ABCDEF0123456789" },
		{ "03:ab:cd:ef:01:23:45:67:89", 1, "3ABCDEF0123456789" },
		{ "  0003abcdef0123456789  ", 1, "3ABCDEF0123456789" },
		{ "0x03abcdef0123456789", 1, "3ABCDEF0123456789" },
		{ "serial 03abcdef0123456789 names a.example.com", 1,
		  "3ABCDEF0123456789" },
		{ "SERIAL\t03abcdef0123456789", 1, "3ABCDEF0123456789" },
		{ "serial=03ab", 1, "3AB" },
		{ "03ab,names", 1, "3AB" },
		{ "00", 1, "0" },
		{ "", 0, NULL },
		{ "   ", 0, NULL },
		{ "# 03ab", 0, NULL },
		{ "serial", -1, NULL },
		{ "serial names", -1, NULL },
		{ "xyz", -1, NULL },
		{ "03ab-cd", -1, NULL },
		{ ":::", -1, NULL },
		{ "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
		  "abcdef0", -1, NULL },
	};
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = x509_serial_line(slice_cstr(cases[i].line), &out);

		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d", cases[i].line, rc,
				 cases[i].rc);
		if (rc == 1)
			assert_string_equal(out.p, cases[i].serial);
	}
	buf_free(&out);
}

static void test_chain(void **state)
{
	struct bundle bd;
	X509 *x = leaf("lonely.example.com", 90, "0A11CE000B",
		       "DNS:lonely.example.com");
	X509 *direct = mkcert("CN=direct.example.com", pki.leaf_key, pki.root,
			      pki.root_key, -DAY, 90 * DAY, "0A11CE000C",
			      "DNS:direct.example.com", 0);
	X509 *self = mkcert("CN=self.example.com", pki.leaf_key, NULL, NULL,
			    -DAY, 90 * DAY, "0A11CE000D",
			    "DNS:self.example.com", 0);
	char *c, *ca;

	(void)state;
	bundle_init(&bd);
	secret(&bd, "lonely-tls", x, NULL, NULL);
	secret(&bd, "wrong-order-tls", pki.inter, x, NULL);
	secret(&bd, "self-tls", self, NULL, NULL);
	/* A CA issuer: the leaf alone, its root in ca.crt. */
	c = chain64(direct, NULL, NULL);
	ca = chain64(pki.root, NULL, NULL);
	secret_yaml(&bd.yaml, "ca-issued-tls", c, NULL, ca);
	free(c);
	free(ca);
	/* ca.crt holding only the intermediate does not complete it. */
	c = chain64(x, NULL, NULL);
	ca = chain64(pki.inter, NULL, NULL);
	secret_yaml(&bd.yaml, "ca-intermediate-tls", c, NULL, ca);
	free(c);
	free(ca);
	bundle_run(&bd, NULL);
	assert_field(&bd, "lonely-tls", "x509.chainComplete", "false");
	assert_field(&bd, "lonely-tls", "x509.count", "1");
	/* The first certificate is the leaf: here the intermediate. */
	assert_field(&bd, "wrong-order-tls", "x509.subject",
		     "CN=ktriage Test Intermediate R1,O=ktriage tests");
	assert_field(&bd, "self-tls", "x509.chainComplete", "true");
	assert_field(&bd, "ca-issued-tls", "x509.chainComplete", "true");
	assert_field(&bd, "ca-intermediate-tls", "x509.chainComplete",
		     "false");
	X509_free(x);
	X509_free(direct);
	X509_free(self);
	bundle_free(&bd);
}

static void test_not_after_disagrees(void **state)
{
	struct bundle bd;
	X509 *x = leaf("drift.example.com", 90, "0A11CE000E",
		       "DNS:drift.example.com");

	(void)state;
	bundle_init(&bd);
	secret(&bd, "near-tls", x, pki.inter, NULL);
	certificate(&bd, "near", "near-tls", "drift.example.com",
		    "2024-07-30T10:00:59Z");
	secret(&bd, "far-tls", x, pki.inter, NULL);
	certificate(&bd, "far", "far-tls", "drift.example.com",
		    "2024-07-30T10:01:01Z");
	/* Found by the annotation when no spec.secretName matches. */
	buf_adds(&bd.yaml, "---\napiVersion: v1\nkind: Secret\nmetadata:\n"
		 "  name: by-annotation\n  namespace: shop\n  annotations:\n"
		 "    cert-manager.io/certificate-name: far\n"
		 "type: kubernetes.io/tls\ndata:\n  tls.crt: ");
	{
		char *c = chain64(x, pki.inter, NULL);

		buf_addf(&bd.yaml, "%s\n", c);
		free(c);
	}
	bundle_run(&bd, NULL);
	assert_no_field(&bd, "near-tls", "x509.notAfterDisagrees");
	assert_field(&bd, "near-tls", "x509.certificateNotAfter",
		     "2024-07-30T10:00:59Z");
	assert_field(&bd, "far-tls", "x509.notAfterDisagrees", "true");
	assert_field(&bd, "by-annotation", "x509.certificate", "far");
	assert_field(&bd, "by-annotation", "x509.notAfterDisagrees", "true");
	X509_free(x);
	bundle_free(&bd);
}

static void test_garbage(void **state)
{
	struct bundle bd;
	X509 *x = leaf("shop.example.com", 90, "0A11CE000F",
		       "DNS:shop.example.com");
	struct buf pem = BUF_INIT, big = BUF_INIT;
	char *t, *junk, *trunc, *der64, *twice, *badkey, *crt;
	unsigned char *der = NULL;
	int dn;
	size_t i;

	(void)state;
	pem_cert(&pem, x);
	junk = b64s("hello, junk bytes\n");
	trunc = b64(pem.p, 300);
	dn = i2d_X509(x, &der);
	der64 = b64(der, (size_t)dn);
	OPENSSL_free(der);
	crt = b64(pem.p, pem.len);
	twice = b64s(crt);
	badkey = b64s("-----BEGIN PRIVATE KEY-----\nAAAA\n"
		      "-----END PRIVATE KEY-----\n");
	for (i = 0; i < KT_X509_MAX_BYTES / 3 * 4 + 400; i++)
		buf_addc(&big, 'A');
	bundle_init(&bd);
	secret_yaml(&bd.yaml, "not-base64", "\"not base64!\"", NULL, NULL);
	secret_yaml(&bd.yaml, "junk", junk, NULL, NULL);
	secret_yaml(&bd.yaml, "truncated", trunc, NULL, NULL);
	secret_yaml(&bd.yaml, "der", der64, NULL, NULL);
	secret_yaml(&bd.yaml, "twice", twice, NULL, NULL);
	secret_yaml(&bd.yaml, "bad-key", crt, badkey, NULL);
	secret_yaml(&bd.yaml, "odd-length", "QUJDR", NULL, NULL);
	secret_yaml(&bd.yaml, "huge", big.p, NULL, NULL);
	secret_yaml(&bd.yaml, "redacted", "\"***HIDDEN***\"", NULL, NULL);
	secret_yaml(&bd.yaml, "empty", "\"\"", NULL, NULL);
	buf_adds(&bd.yaml, "---\napiVersion: acme.cert-manager.io/v1\n"
		 "kind: Order\nmetadata:\n  name: o-1\n  namespace: shop\n"
		 "status:\n  certificate: \"%%%\"\n");
	bundle_run(&bd, NULL);
	assert_field(&bd, "not-base64", "x509.error",
		     "tls.crt is not base64 ('!' at offset 10)");
	assert_field(&bd, "not-base64", "x509.count", "0");
	assert_no_field(&bd, "not-base64", "x509.subject");
	assert_field(&bd, "junk", "x509.error", "tls.crt holds no PEM "
		     "certificate (no \"-----BEGIN CERTIFICATE-----\" line in "
		     "18 bytes)");
	t = xstrdup(sget(&bd, "truncated", "x509.error"));
	assert_non_null(strstr(t, "the certificate in tls.crt does not parse "
			       "(OpenSSL: "));
	free(t);
	assert_non_null(strstr(sget(&bd, "der", "x509.error"),
			       "holds binary (DER?) data"));
	assert_field(&bd, "twice", "x509.error", "tls.crt holds base64 text, "
		     "not PEM: it was base64-encoded twice");
	assert_field(&bd, "bad-key", "x509.serial", "0A11CE000F");
	assert_no_field(&bd, "bad-key", "x509.error");
	assert_no_field(&bd, "bad-key", "x509.keyMatches");
	assert_non_null(strstr(sget(&bd, "bad-key", "x509.keyError"),
			       "tls.key does not parse as a private key"));
	assert_field(&bd, "odd-length", "x509.error", "tls.crt is not base64 "
		     "(it ends in the middle of a byte)");
	assert_non_null(strstr(sget(&bd, "huge", "x509.error"),
			       "tls.crt is too large"));
	assert_null(fnode_child(kobject_root(store_find(&bd.st, "Secret",
					   "shop", "redacted")), "x509"));
	assert_null(fnode_child(kobject_root(store_find(&bd.st, "Secret",
					   "shop", "empty")), "x509"));
	assert_string_equal(get(&bd, "Order", "o-1", "x509.error"),
			    "status.certificate is not base64 ('%' at offset "
			    "0)");
	/* Every problem is a located warning naming the object. */
	assert_non_null(strstr(bd.warnings.p, "x.yaml:9: Secret "
			       "shop/not-base64: tls.crt is not base64"));
	assert_non_null(strstr(bd.warnings.p, "Order shop/o-1: "
			       "status.certificate is not base64"));
	assert_int_equal(bd.in.nerrors, 9);
	assert_int_equal(bd.in.error_count, 0);	/* warnings, not errors */
	free(junk);
	free(trunc);
	free(der64);
	free(twice);
	free(badkey);
	free(crt);
	buf_free(&pem);
	buf_free(&big);
	X509_free(x);
	bundle_free(&bd);
}

/* Only TLS Secrets, or those an Ingress serves; a second run rebuilds. */
static void test_which_objects(void **state)
{
	struct bundle bd;
	struct buf l = BUF_INIT;
	X509 *x = leaf("shop.example.com", 90, "0A11CE0010",
		       "DNS:shop.example.com");
	char *c = chain64(x, pki.inter, NULL);
	const struct kobject *o;
	const struct fnode *xn;
	size_t i, n = 0;

	(void)state;
	bundle_init(&bd);
	buf_addf(&bd.yaml, "---\napiVersion: v1\nkind: Secret\nmetadata:\n"
		 "  name: opaque\n  namespace: shop\ntype: Opaque\n"
		 "data:\n  tls.crt: %s\n", c);
	buf_addf(&bd.yaml, "---\napiVersion: v1\nkind: Secret\nmetadata:\n"
		 "  name: opaque-served\n  namespace: shop\ntype: Opaque\n"
		 "data:\n  tls.crt: %s\n", c);
	ingress(&bd, "web", "opaque-served", "shop.example.com");
	/* An x509 key in the input is replaced, not trusted. */
	secret_yaml(&bd.yaml, "spoofed", c, NULL, NULL);
	buf_adds(&bd.yaml, "x509:\n  revoked: \"true\"\n");
	bundle_run(&bd, NULL);
	assert_null(fnode_child(kobject_root(store_find(&bd.st, "Secret",
					   "shop", "opaque")), "x509"));
	list_of(&bd, "opaque-served", "x509.servedByIngress", &l);
	assert_string_equal(l.p, "web");
	assert_no_field(&bd, "spoofed", "x509.revoked");
	x509_enrich(&bd.st, NULL, &bd.in);
	o = store_find(&bd.st, "Secret", "shop", "spoofed");
	for (i = 0; i < kobject_root(o)->nkids; i++)
		n += kobject_root(o)->kids[i]->key &&
		     !strcmp(kobject_root(o)->kids[i]->key, "x509");
	assert_int_equal(n, 1);
	xn = fnode_child(kobject_root(o), "x509");
	assert_non_null(fnode_child(xn, "summary"));
	buf_free(&l);
	free(c);
	X509_free(x);
	bundle_free(&bd);
}

/* ------------------------------------------------------------------ */
/* The shipped rules on enriched objects: each fires on its Secret. */

static void test_rules_fire(void **state)
{
	struct bundle bd;
	struct ruleset rs;
	struct findings fs;
	struct matcher m;
	struct buf got = BUF_INIT;
	char path[] = "/tmp/ktriage-test-x509-XXXXXX";
	int fd = mkstemp(path);
	X509 *good = leaf("shop.example.com", 90, "0A11CE0020",
			  "DNS:shop.example.com");
	X509 *old = mkcert("CN=old.example.com", pki.leaf_key, pki.inter,
			   pki.int_key, -91 * DAY, -DAY, "0A11CE0021",
			   "DNS:old.example.com", 0);
	X509 *soon = leaf("soon.example.com", 3, "0A11CE0022",
			  "DNS:soon.example.com");
	X509 *stg = mkcert("CN=stg.example.com", pki.leaf_key, pki.stg,
			   pki.stg_key, -DAY, 90 * DAY, "0A11CE0023",
			   "DNS:stg.example.com", 0);
	X509 *san = leaf("api.example.com", 90, "0A11CE0024",
			 "DNS:api.example.com");
	X509 *rev = leaf("rev.example.com", 90, "0A11CE0025",
			 "DNS:rev.example.com");
	X509 *lone = leaf("lone.example.com", 90, "0A11CE0026",
			  "DNS:lone.example.com");
	X509 *drift = leaf("drift.example.com", 90, "0A11CE0027",
			   "DNS:drift.example.com");
	size_t i;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0A11CE0025\n", 11), 11);
	close(fd);
	bundle_init(&bd);
	secret(&bd, "good-tls", good, pki.inter, pki.leaf_key);
	certificate(&bd, "good", "good-tls", "shop.example.com",
		    "2024-07-30T10:00:00Z");
	ingress(&bd, "good", "good-tls", "shop.example.com");
	secret(&bd, "old-tls", old, pki.inter, pki.leaf_key);
	secret(&bd, "soon-tls", soon, pki.inter, pki.leaf_key);
	secret(&bd, "stg-tls", stg, pki.stg, pki.leaf_key);
	ingress(&bd, "stg", "stg-tls", "stg.example.com");
	secret(&bd, "san-tls", san, pki.inter, pki.leaf_key);
	certificate(&bd, "san", "san-tls", "api.example.com, "
		    "www.example.com", NULL);
	secret(&bd, "rev-tls", rev, pki.inter, pki.leaf_key);
	secret(&bd, "lone-tls", lone, NULL, pki.leaf_key);
	secret(&bd, "key-tls", good, pki.inter, pki.other_key);
	secret(&bd, "drift-tls", drift, pki.inter, pki.leaf_key);
	certificate(&bd, "drift", "drift-tls", "drift.example.com",
		    "2024-08-30T10:00:00Z");
	secret_yaml(&bd.yaml, "bad-tls", "\"garbage!\"", NULL, NULL);
	bundle_run(&bd, path);
	unlink(path);

	ruleset_init(&rs);
	assert_int_equal(ruleset_load_embedded(&rs), 0);
	findings_init(&fs);
	match_init(&m, &rs, &fs);
	for (i = 0; i < bd.st.n; i++)
		match_object(&m, bd.st.v[i], (int64_t)T0 * 1000, 2024);
	for (i = 0; i < fs.n; i++) {
		const char *id = fs.v[i]->rule->id;

		if (fs.v[i]->res.kind && !strcmp(fs.v[i]->res.kind, "Secret"))
			buf_addf(&got, "%s %s\n", fs.v[i]->res.name, id);
	}
	/* Sorted by Secret name, as the store keeps insertion order. */
	assert_string_equal(got.p,
			    "old-tls certificate-expired-x509\n"
			    "soon-tls certificate-expiring-x509\n"
			    "stg-tls certificate-staging-issuer\n"
			    "san-tls certificate-san-mismatch\n"
			    "rev-tls certificate-revoked-serial\n"
			    "lone-tls certificate-chain-incomplete\n"
			    "key-tls certificate-key-mismatch\n"
			    "drift-tls certificate-notafter-disagrees\n"
			    "bad-tls certificate-parse-error\n");
	match_free(&m);
	findings_free(&fs);
	ruleset_free(&rs);
	buf_free(&got);
	X509_free(good);
	X509_free(old);
	X509_free(soon);
	X509_free(stg);
	X509_free(san);
	X509_free(rev);
	X509_free(lone);
	X509_free(drift);
	bundle_free(&bd);
}

/* ------------------------------------------------------------------ */
/* The rule examples' x509 fields are what ktriage reads. */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The x509 map as sorted "key=value" lines; skip keys in skip. */
static void x509_lines(const struct fnode *x, const char *const *skip,
		       struct buf *out)
{
	char **v = NULL;
	size_t n = 0, cap = 0, i, j, s;

	buf_reset(out);
	for (i = 0; x && i < x->nkids; i++) {
		const struct fnode *k = x->kids[i];
		int skipped = 0;

		for (s = 0; skip[s]; s++)
			skipped |= !strcmp(k->key, skip[s]);
		if (skipped)
			continue;
		for (j = 0; j < (k->type == FN_LIST ? k->nkids : 1); j++) {
			struct buf l = BUF_INIT;

			buf_addf(&l, "%s%s=%s", k->key, k->type == FN_LIST ?
				 "[]" : "", k->type == FN_LIST ?
				 k->kids[j]->value : k->value);
			v = xgrow(v, &cap, n + 1, sizeof(*v));
			v[n++] = buf_detach(&l);
		}
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		buf_addf(out, "%s\n", v[i]);
		free(v[i]);
	}
	free(v);
}

static void check_example(const struct rule *r, const struct example *ex,
			  unsigned long *checked)
{
	struct bundle bd;
	struct buf want = BUF_INIT, got = BUF_INIT;
	char path[] = "/tmp/ktriage-test-x509-XXXXXX";
	const char *revoked = NULL;
	const char *no_key[] = { "keymatches", "keyerror", NULL };
	const char *none[] = { NULL };
	size_t i;

	bundle_init(&bd);
	parse_into(&bd, ex->text);
	/* Take the written fields off, then read the certificates again. */
	for (i = 0; i < bd.st.n; i++) {
		struct kobject *o = bd.st.v[i];
		const struct fnode *data = fnode_child(kobject_root(o), "data");
		const struct fnode *x = fnode_child(kobject_root(o), "x509");
		const struct fnode *rv = fnode_child(x, "revoked");
		const struct fnode *sn = fnode_child(x, "serial");
		int fd;

		if (!fnode_child(data, "tls.crt") || !x)
			continue;
		if (rv && sn) {
			fd = mkstemp(path);
			assert_true(fd >= 0);
			assert_true(write(fd, sn->value, strlen(sn->value)) > 0);
			close(fd);
			revoked = path;
		}
	}
	for (i = 0; i < bd.st.n; i++) {
		struct kobject *o = bd.st.v[i];
		const struct fnode *data = fnode_child(kobject_root(o), "data");
		size_t k;

		if (!fnode_child(data, "tls.crt") ||
		    !fnode_child(kobject_root(o), "x509"))
			continue;
		kobject_root_mut(o);
		for (k = 0; k < o->root->nkids; k++) {
			if (o->root->kids[k]->key &&
			    !strcmp(o->root->kids[k]->key, "x509")) {
				/* Keep the written map under another name. */
				o->root->kids[k]->key = fnode_intern("written",
								     7);
			}
		}
	}
	x509_enrich(&bd.st, revoked, &bd.in);
	for (i = 0; i < bd.st.n; i++) {
		struct kobject *o = bd.st.v[i];
		const struct fnode *data = fnode_child(kobject_root(o), "data");
		const struct fnode *written = fnode_child(kobject_root(o), "written");
		const char *const *skip;

		if (!written)
			continue;
		/* The pack holds no private key: those fields are as told. */
		skip = fnode_child(data, "tls.key") ? none : no_key;
		x509_lines(written, skip, &want);
		x509_lines(fnode_child(kobject_root(o), "x509"), skip, &got);
		if (strcmp(buf_str(&want), buf_str(&got)))
			fail_msg("%s:%lu: rule %s: the example's x509 fields "
				 "are not what ktriage reads.\nwritten:\n%s"
				 "read:\n%s", ex->loc.file, ex->loc.line,
				 r->id, buf_str(&want), buf_str(&got));
		(*checked)++;
	}
	if (revoked)
		unlink(revoked);
	buf_free(&want);
	buf_free(&got);
	bundle_free(&bd);
}

static void test_rule_examples_are_real(void **state)
{
	struct ruleset rs;
	unsigned long checked = 0;
	size_t i, j;

	(void)state;
	if (access("rules/x509.yaml", R_OK) != 0)
		skip();	/* run from the repository root (tests/run.sh) */
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_path(&rs, "rules/x509.yaml"), 0);
	for (i = 0; i < rs.n; i++) {
		const struct rule *r = &rs.rules[i];

		for (j = 0; j < r->nmatch_ex; j++)
			if (r->match_ex[j].kind == EXAMPLE_YAML)
				check_example(r, &r->match_ex[j], &checked);
		for (j = 0; j < r->nnomatch_ex; j++)
			if (r->nomatch_ex[j].kind == EXAMPLE_YAML)
				check_example(r, &r->nomatch_ex[j], &checked);
	}
	/* Every rule has at least one example with a real certificate. */
	assert_true(checked >= rs.n);
	ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_expiry_fields),
		cmocka_unit_test(test_staging),
		cmocka_unit_test(test_san_mismatch),
		cmocka_unit_test(test_name_covered),
		cmocka_unit_test(test_key_mismatch),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_serial_line),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_not_after_disagrees),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_which_objects),
		cmocka_unit_test(test_rules_fire),
		cmocka_unit_test(test_rule_examples_are_real),
	};

	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
