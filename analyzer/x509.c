/*
 * The certificate reader, between the object store and the object rules:
 * once the whole bundle is read, every TLS Secret, CertificateRequest and
 * Order gets x509.* fields read from its PEM chain with libcrypto (subject,
 * issuer, serial, validity, SANs, chain and key checks), and a Secret the
 * fields that need its Certificate and Ingresses (SAN coverage, status
 * notAfter). Rules then judge those fields like any other.
 */
#include "x509.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "diag.h"
#include "hmap.h"
#include "object.h"

/* Longest subject or issuer kept; hostile names may be huge. */
#define NAME_MAX_LEN 1024
/* Most warnings about a revoked-serials list before a summary. */
#define LIST_MAX_WARNINGS 5

/* A list of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};

static void strv_add(struct strv *s, const char *p, size_t n)
{
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = xstrndup(p, n);
}

static void strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* An Ingress tls[] entry that names a Secret. */
struct ing_use {
	const struct kobject *ing;
	const struct fnode *tls;	/* the tls[] entry */
	struct ing_use *next;		/* same namespace and secretName */
};

/* A certificate whose serial the revoked list is checked for. */
struct serial_ref {
	char *serial;			/* normalized */
	struct fnode *x509;		/* the object's x509 map */
	unsigned long line;
};

struct ctx {
	struct store *st;
	struct input *in;
	struct hmap certs;		/* "ns\nsecretName" -> Certificate */
	struct hmap uses;		/* "ns\nsecretName" -> ing_use list */
	struct strv keys;		/* owned hmap keys */
	struct ing_use *usev;
	size_t nuse, capuse;
	struct serial_ref *refs;
	size_t nrefs, caprefs;
};

/* One certificate chain read from a PEM value. */
struct chain {
	X509 *v[KT_X509_MAX_CERTS];
	size_t n;
	size_t blocks;			/* PEM certificate blocks seen */
};

static void chain_free(struct chain *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		X509_free(ch->v[i]);
	ch->n = 0;
}

/* Report a problem with an object's certificate data. */
static void warn(struct ctx *c, const struct kobject *o, unsigned long line,
		 const char *msg)
{
	struct buf where = BUF_INIT;

	buf_addf(&where, "%s:%lu", o->source ? o->source : "(input)",
		 line ? line : o->line);
	if (c->in)
		input_warning(c->in, where.p, "%s %s%s%s: %s",
			      o->kind ? o->kind : "object", o->ns ? o->ns : "",
			      o->ns ? "/" : "", o->name ? o->name : "", msg);
	else
		diag(DIAG_WARNING, where.p, "%s %s%s%s: %s",
		     o->kind ? o->kind : "object", o->ns ? o->ns : "",
		     o->ns ? "/" : "", o->name ? o->name : "", msg);
	buf_free(&where);
}

/* The last OpenSSL error, for a message; the queue is left empty. */
static void openssl_reason(struct buf *b)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	buf_adds(b, r ? r : "unknown error");
	ERR_clear_error();
}

/* Base64 value of c, -2 for whitespace, -1 for anything else. */
static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return -2;
	return -1;
}

/*
 * Decode standard base64 (whitespace ignored, padding optional at the
 * end) into out, which is sized once so that a key never leaves copies
 * behind in freed memory. Returns 0, or -1 with *bad the offset of the
 * first byte that cannot be there.
 */
static int b64_decode(struct slice in, struct buf *out, size_t *bad)
{
	unsigned long acc = 0;
	size_t i, bits = 0, pad = 0;

	buf_grow(out, in.n / 4 * 3 + 3);
	for (i = 0; i < in.n; i++) {
		unsigned char ch = (unsigned char)in.p[i];
		int v = b64_val(ch);

		if (v == -2)
			continue;
		if (ch == '=') {
			/* Padding only completes the last group. */
			if (bits == 0 || ++pad > 2)
				goto fail;
			continue;
		}
		if (v < 0 || pad)
			goto fail;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out->p[out->len++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* A lone sixth of a byte left over is a truncated value. */
	if (bits >= 6 && !pad) {
		*bad = in.n;
		out->p[out->len] = '\0';
		return -1;
	}
	out->p[out->len] = '\0';
	return 0;
fail:
	*bad = i;
	out->p[out->len] = '\0';
	return -1;
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;	/* never prompt: an encrypted key stays unread */
}

/* Describe byte c for a message (only for certificate data). */
static void add_byte(struct buf *b, unsigned char c)
{
	if (c >= 0x21 && c < 0x7f && c != '\'')
		buf_addf(b, "'%c'", c);
	else
		buf_addf(b, "0x%02x", c);
}

/*
 * The decoded bytes of a data value: base64 for `data` and
 * status.certificate, as written for `stringData`. Returns 0, or -1 with
 * the problem in err (secret: do not quote its bytes).
 */
static int value_bytes(const struct fnode *n, int raw, const char *what,
		       int secret, struct buf *out, struct buf *err)
{
	struct slice v = slice_cstr(n->value);
	size_t bad = 0;

	if (raw) {
		if (v.n > KT_X509_MAX_BYTES) {
			buf_addf(err, "%s is too large (%zu bytes; at most "
				 "%zu are read)", what, v.n, KT_X509_MAX_BYTES);
			return -1;
		}
		buf_grow(out, v.n);
		buf_add(out, v.p, v.n);
		return 0;
	}
	if (v.n / 4 * 3 > KT_X509_MAX_BYTES + KT_X509_MAX_BYTES / 8) {
		buf_addf(err, "%s is too large (%zu bytes of base64; at most "
			 "%zu decoded bytes are read)", what, v.n,
			 KT_X509_MAX_BYTES);
		return -1;
	}
	if (b64_decode(v, out, &bad) < 0) {
		if (bad >= v.n) {
			buf_addf(err, "%s is not base64 (it ends in the middle "
				 "of a byte)", what);
		} else {
			buf_addf(err, "%s is not base64 (", what);
			if (secret)
				buf_addf(err, "an invalid character");
			else
				add_byte(err, (unsigned char)v.p[bad]);
			buf_addf(err, " at offset %zu)", bad);
		}
		return -1;
	}
	if (out->len > KT_X509_MAX_BYTES) {
		buf_addf(err, "%s is too large (%zu bytes; at most %zu are "
			 "read)", what, out->len, KT_X509_MAX_BYTES);
		return -1;
	}
	return 0;
}

static size_t count_str(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s), count = 0;
	const char *q = p, *end = p + n;

	while ((size_t)(end - q) >= k) {
		const char *hit = memmem(q, (size_t)(end - q), s, k);

		if (!hit)
			break;
		count++;
		q = hit + k;
	}
	return count;
}

/*
 * Read the PEM certificates of bytes into ch, in order. Returns 0, or -1
 * with the problem in err; certificates read before a broken one are
 * kept.
 */
static int read_chain(const struct buf *bytes, const char *what,
		      struct chain *ch, struct buf *err)
{
	BIO *bio;
	size_t i;

	ch->n = 0;
	ch->blocks = count_str(bytes->p, bytes->len,
			       "-----BEGIN CERTIFICATE-----") +
		count_str(bytes->p, bytes->len,
			  "-----BEGIN X509 CERTIFICATE-----");
	if (!ch->blocks) {
		if (!bytes->len)
			buf_addf(err, "%s is empty", what);
		else if (bytes->len > 7 && !memcmp(bytes->p, "LS0tLS1", 7))
			buf_addf(err, "%s holds base64 text, not PEM: it was "
				 "base64-encoded twice", what);
		else if ((unsigned char)bytes->p[0] == 0x30)
			buf_addf(err, "%s holds binary (DER?) data, not a PEM "
				 "certificate (%zu bytes)", what, bytes->len);
		else
			buf_addf(err, "%s holds no PEM certificate (no "
				 "\"-----BEGIN CERTIFICATE-----\" line in %zu "
				 "bytes)", what, bytes->len);
		return -1;
	}
	bio = BIO_new_mem_buf(bytes->p, (int)bytes->len);
	if (!bio) {
		buf_addf(err, "%s: out of memory", what);
		ERR_clear_error();
		return -1;
	}
	/*
	 * Each attempt reads one block. A broken leaf ends the reading (the
	 * next certificate is not the leaf); a broken intermediate is
	 * reported and the rest is still read.
	 */
	for (i = 0; i < ch->blocks && ch->n < KT_X509_MAX_CERTS; i++) {
		X509 *x = PEM_read_bio_X509(bio, NULL, no_password, NULL);

		if (x) {
			ch->v[ch->n++] = x;
			continue;
		}
		if (!err->len) {
			if (ch->blocks == 1)
				buf_addf(err, "the certificate in %s does not "
					 "parse (OpenSSL: ", what);
			else
				buf_addf(err, "certificate %zu of %zu in %s "
					 "does not parse (OpenSSL: ", i + 1,
					 ch->blocks, what);
			openssl_reason(err);
			buf_addc(err, ')');
		}
		ERR_clear_error();
		if (!ch->n)
			break;
	}
	BIO_free(bio);
	ERR_clear_error();
	return err->len ? -1 : 0;
}

/* RFC 3339 UTC text of an ASN.1 time; -1 when it is not a time. */
static int time_str(const ASN1_TIME *t, char *out, size_t n)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return -1;
	}
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	return 0;
}

/* A distinguished name as RFC 2253 text (ASCII: other bytes escaped). */
static void name_str(const X509_NAME *nm, struct buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	if (!b) {
		ERR_clear_error();
		return;
	}
	if (nm && X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0 && p)
			buf_add(out, p, (size_t)n > NAME_MAX_LEN ?
				NAME_MAX_LEN : (size_t)n);
	}
	BIO_free(b);
	ERR_clear_error();
}

/* The serial as "openssl x509 -serial" prints it: upper-case hex octets. */
static void serial_str(const ASN1_INTEGER *s, struct buf *out)
{
	const unsigned char *d;
	int i, n;

	if (!s)
		return;
	d = ASN1_STRING_get0_data(s);
	n = ASN1_STRING_length(s);
	if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER)
		buf_addc(out, '-');
	if (n <= 0 || !d) {
		buf_addc(out, '0');
		return;
	}
	for (i = 0; i < n && i < 64; i++)
		buf_addf(out, "%02X", d[i]);
}

/* Upper case, no colons, no leading zeros: how serials are compared. */
static void serial_norm(const char *p, size_t n, struct buf *out)
{
	size_t i;
	int neg = 0, digits = 0;

	buf_reset(out);
	if (n && p[0] == '-') {
		neg = 1;
		p++;
		n--;
	}
	if (neg)
		buf_addc(out, '-');
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == ':')
			continue;
		if (c == '0' && !digits)
			continue;
		digits = 1;
		buf_addc(out, c >= 'a' && c <= 'f' ? (char)(c - 32) : c);
	}
	if (!digits)
		buf_addc(out, '0');
}

/* Host name text kept from a certificate: printable ASCII, rest escaped. */
static void safe_text(const unsigned char *p, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n && i < 1024; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf_addc(out, (char)p[i]);
		else
			buf_addf(out, "\\x%02x", p[i]);
	}
}

/* The DNS and IP subject alternative names of x. */
static void sans(X509 *x, struct strv *dns, struct strv *ips)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					    NULL);
	struct buf b = BUF_INIT;
	int i, n;

	ERR_clear_error();
	if (!g)
		return;
	n = sk_GENERAL_NAME_num(g);
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(g, i);
		const unsigned char *d;
		int len;

		buf_reset(&b);
		if (gn->type == GEN_DNS && dns->n < KT_X509_MAX_NAMES) {
			d = ASN1_STRING_get0_data(gn->d.dNSName);
			len = ASN1_STRING_length(gn->d.dNSName);
			if (!d || len <= 0)
				continue;
			safe_text(d, (size_t)len, &b);
			strv_add(dns, b.p, b.len);
		} else if (gn->type == GEN_IPADD && ips->n < KT_X509_MAX_NAMES) {
			char tmp[INET6_ADDRSTRLEN];

			d = ASN1_STRING_get0_data(gn->d.iPAddress);
			len = ASN1_STRING_length(gn->d.iPAddress);
			if (d && len == 4 && inet_ntop(AF_INET, d, tmp,
						       sizeof(tmp)))
				strv_add(ips, tmp, strlen(tmp));
			else if (d && len == 16 && inet_ntop(AF_INET6, d, tmp,
							     sizeof(tmp)))
				strv_add(ips, tmp, strlen(tmp));
			else
				strv_add(ips, "(invalid)", 9);
		}
	}
	buf_free(&b);
	GENERAL_NAMES_free(g);
}

/* Names of Let's Encrypt's staging CAs and of test CAs. */
static int staging_name(const char *s)
{
	static const char *const marks[] = {
		"(STAGING)", "Fake LE", "Pebble", "happy hacker fake CA",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (strcasestr(s, marks[i]))
			return 1;
	return 0;
}

static int issued_by(X509 *issuer, X509 *x)
{
	int r = X509_check_issued(issuer, x) == X509_V_OK;

	ERR_clear_error();
	return r;
}

static void add_field(struct fnode *m, const char *key, const char *v,
		      unsigned long line)
{
	fnode_add_scalar(m, key, strlen(key), v, strlen(v), line);
}

static void add_list(struct fnode *m, const char *key,
		     const struct strv *s, unsigned long line)
{
	struct fnode *l;
	size_t i;

	if (!s->n)
		return;
	l = fnode_add(m, key, strlen(key), fnode_new(FN_LIST, line));
	for (i = 0; i < s->n; i++)
		fnode_add_scalar(l, NULL, 0, s->v[i], strlen(s->v[i]), line);
}

/* Remove the x509 map an earlier run (or the input itself) left. */
static void drop_x509(struct fnode *root)
{
	size_t i;

	for (i = 0; i < root->nkids; i++) {
		if (root->kids[i]->key && !strcmp(root->kids[i]->key,
						  "x509")) {
			fnode_free(root->kids[i]);
			memmove(&root->kids[i], &root->kids[i + 1],
				(root->nkids - i - 1) * sizeof(*root->kids));
			root->nkids--;
			i--;
		}
	}
}

static const char *scalar(const struct fnode *n)
{
	return n && n->type == FN_SCALAR && n->value ? n->value : NULL;
}

static void make_key(struct keybuf *k, const char *ns, const char *name)
{
	keybuf_set(k, 2, (const char *const[]){ ns, name });
}

static const char *own_key(struct ctx *c, const struct keybuf *k)
{
	strv_add(&c->keys, k->p, k->n);
	return c->keys.v[c->keys.n - 1];
}

/* Whether a host name is in a list already (ASCII case ignored). */
static int has_name(const struct strv *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcasecmp(s->v[i], name))
			return 1;
	return 0;
}

int x509_name_covered(const char *name, const char *san)
{
	size_t nn, sn;
	const char *dot;

	if (!name || !san)
		return 0;
	nn = strlen(name);
	sn = strlen(san);
	if (nn && name[nn - 1] == '.')
		nn--;
	if (sn && san[sn - 1] == '.')
		sn--;
	if (!nn || !sn)
		return 0;
	if (nn == sn && !strncasecmp(name, san, nn))
		return 1;
	/* A wildcard covers exactly one whole left-most label. */
	if (sn < 3 || san[0] != '*' || san[1] != '.' || name[0] == '*')
		return 0;
	dot = memchr(name, '.', nn);
	if (!dot || dot == name)
		return 0;
	return (size_t)(name + nn - dot) == sn - 1 &&
	       !strncasecmp(dot, san + 1, sn - 1);
}

/* Whether an IP address (text) is among the certificate's IP SANs. */
static int ip_covered(const char *ip, const struct strv *ips)
{
	unsigned char want[16], got[16];
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	size_t i, len = fam == AF_INET ? 4 : 16;

	if (inet_pton(fam, ip, want) != 1)
		return 0;
	for (i = 0; i < ips->n; i++) {
		int f = strchr(ips->v[i], ':') ? AF_INET6 : AF_INET;

		if (f == fam && inet_pton(f, ips->v[i], got) == 1 &&
		    !memcmp(want, got, len))
			return 1;
	}
	return 0;
}

struct collect {
	struct strv *into;
};

static void collect_scalar(const struct fnode *n, void *vctx)
{
	struct collect *cl = vctx;
	size_t i;

	/* A path that ends at a list reaches the list, not its items. */
	if (n->type == FN_LIST) {
		for (i = 0; i < n->nkids; i++)
			collect_scalar(n->kids[i], vctx);
		return;
	}
	if (n->type == FN_SCALAR && n->value && *n->value &&
	    !has_name(cl->into, n->value) && cl->into->n < KT_X509_MAX_NAMES)
		strv_add(cl->into, n->value, strlen(n->value));
}

/* Every scalar a path reaches (through lists), de-duplicated. */
static void values_at(const struct fnode *root, const char *path,
		      struct strv *into)
{
	struct collect cl = { into };

	fnode_find_all(root, path, collect_scalar, &cl);
}

/* What the leaf of a chain says, as fields. */
struct leafinfo {
	struct buf subject, issuer, serial;
	char not_before[48], not_after[48];
	struct strv dns, ips;
};

static void leaf_read(X509 *x, struct leafinfo *li)
{
	name_str(X509_get_subject_name(x), &li->subject);
	name_str(X509_get_issuer_name(x), &li->issuer);
	serial_str(X509_get0_serialNumber(x), &li->serial);
	if (time_str(X509_get0_notBefore(x), li->not_before,
		     sizeof(li->not_before)) < 0)
		li->not_before[0] = '\0';
	if (time_str(X509_get0_notAfter(x), li->not_after,
		     sizeof(li->not_after)) < 0)
		li->not_after[0] = '\0';
	sans(x, &li->dns, &li->ips);
}

static void leaf_free(struct leafinfo *li)
{
	buf_free(&li->subject);
	buf_free(&li->issuer);
	buf_free(&li->serial);
	strv_free(&li->dns);
	strv_free(&li->ips);
}

/* The one-line evidence: what the certificate is, never key material. */
static void summary(const struct leafinfo *li, struct buf *b)
{
	size_t i;

	buf_addf(b, "subject=%s; issuer=%s; serial=%s; notBefore=%s; "
		 "notAfter=%s; SANs=", li->subject.len ? li->subject.p : "",
		 li->issuer.len ? li->issuer.p : "",
		 li->serial.len ? li->serial.p : "",
		 li->not_before[0] ? li->not_before : "?",
		 li->not_after[0] ? li->not_after : "?");
	for (i = 0; i < li->dns.n + li->ips.n && i < 10; i++)
		buf_addf(b, "%s%s", i ? "," : "", i < li->dns.n ?
			 li->dns.v[i] : li->ips.v[i - li->dns.n]);
	if (li->dns.n + li->ips.n > 10)
		buf_addf(b, " and %zu more", li->dns.n + li->ips.n - 10);
	if (!li->dns.n && !li->ips.n)
		buf_adds(b, "none");
}

/*
 * Whether a chain lets a client build a path: the leaf is self-signed, or
 * one of the other certificates issued it, or (a CA issuer) ca.crt holds
 * the self-signed root that issued it, which clients trust on their own.
 */
static int chain_complete(const struct chain *ch, const struct chain *ca)
{
	size_t i;

	if (issued_by(ch->v[0], ch->v[0]))
		return 1;
	for (i = 1; i < ch->n; i++)
		if (issued_by(ch->v[i], ch->v[0]))
			return 1;
	for (i = 0; ca && i < ca->n; i++)
		if (issued_by(ca->v[i], ch->v[0]) &&
		    issued_by(ca->v[i], ca->v[i]))
			return 1;
	return 0;
}

static int chain_staging(const struct chain *ch, const struct leafinfo *li)
{
	struct buf b = BUF_INIT;
	size_t i;
	int hit = staging_name(buf_str(&li->issuer));

	for (i = 1; i < ch->n && !hit; i++) {
		buf_reset(&b);
		name_str(X509_get_subject_name(ch->v[i]), &b);
		name_str(X509_get_issuer_name(ch->v[i]), &b);
		hit = staging_name(buf_str(&b));
	}
	buf_free(&b);
	return hit;
}

/*
 * Compare tls.key with the leaf's public key: "true", "false", or NULL
 * with *err set when the key cannot be read. The decoded key is wiped.
 */
static const char *key_matches(const struct fnode *kn, int raw, X509 *leaf,
			       struct buf *err)
{
	struct buf bytes = BUF_INIT;
	const char *res = NULL;
	EVP_PKEY *pk = NULL;
	BIO *bio;

	if (value_bytes(kn, raw, "tls.key", 1, &bytes, err) < 0)
		goto out;
	if (!memmem(bytes.p, bytes.len, "PRIVATE KEY-----", 16)) {
		buf_addf(err, "tls.key holds no PEM private key (%zu bytes)",
			 bytes.len);
		goto out;
	}
	bio = BIO_new_mem_buf(bytes.p, (int)bytes.len);
	if (bio) {
		pk = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
		BIO_free(bio);
	}
	if (!pk && memmem(bytes.p, bytes.len, "ENCRYPTED", 9)) {
		/* Ingress controllers cannot use it either. */
		buf_adds(err, "tls.key is encrypted; it cannot be compared "
			 "with the certificate, and TLS servers cannot load it");
		goto out;
	}
	if (!pk) {
		/* The reason only: OpenSSL's messages never quote key bytes. */
		buf_adds(err, "tls.key does not parse as a private key "
			 "(OpenSSL: ");
		openssl_reason(err);
		buf_addc(err, ')');
		goto out;
	}
	res = EVP_PKEY_eq(X509_get0_pubkey(leaf), pk) == 1 ? "true" :
		"false";
	EVP_PKEY_free(pk);
out:
	ERR_clear_error();
	if (bytes.p)
		OPENSSL_cleanse(bytes.p, bytes.cap);
	buf_free(&bytes);
	return res;
}

/* A data value that is really missing or redacted by the bundle tool. */
static int unusable(const struct fnode *n)
{
	const char *v = scalar(n);

	if (!v)
		return 1;
	v += strspn(v, " \t\r\n");
	return !*v || strstr(v, "***") || strcasestr(v, "redacted") ||
	       strcasestr(v, "hidden");
}

/* Read a chain from a value; problems go to x509.error and a warning. */
static int value_chain(struct ctx *c, const struct kobject *o,
		       const struct fnode *n, int raw, const char *what,
		       struct chain *ch, struct buf *err)
{
	struct buf bytes = BUF_INIT;
	int rc;

	rc = value_bytes(n, raw, what, 0, &bytes, err);
	if (!rc)
		rc = read_chain(&bytes, what, ch, err);
	if (!rc && ch->blocks > KT_X509_MAX_CERTS) {
		struct buf m = BUF_INIT;

		buf_addf(&m, "%s holds %zu certificates; only the first %d "
			 "were read", what, ch->blocks, KT_X509_MAX_CERTS);
		warn(c, o, n->line, m.p);
		buf_free(&m);
	}
	buf_free(&bytes);
	return rc;
}

static void add_ref(struct ctx *c, const char *serial, struct fnode *x,
		    unsigned long line)
{
	struct buf b = BUF_INIT;

	serial_norm(serial, strlen(serial), &b);
	c->refs = xgrow(c->refs, &c->caprefs, c->nrefs + 1, sizeof(*c->refs));
	c->refs[c->nrefs].serial = buf_detach(&b);
	c->refs[c->nrefs].x509 = x;
	c->refs[c->nrefs].line = line;
	c->nrefs++;
}

/* The Certificate that owns a Secret, or NULL. */
static const struct kobject *owner_certificate(struct ctx *c,
					       const struct kobject *o)
{
	struct keybuf k;
	const struct kobject *cert;
	const char *ann;

	keybuf_init(&k);
	make_key(&k, o->ns, o->name);
	cert = hmap_get(&c->certs, k.p, k.n);
	keybuf_free(&k);
	if (cert)
		return cert;
	ann = kobject_annotation(o, "cert-manager.io/certificate-name");
	if (!ann)
		return NULL;
	cert = store_find(c->st, "Certificate", o->ns, ann);
	return cert && !cert->partial ? cert : NULL;
}

static const struct ing_use *ingress_uses(struct ctx *c,
					  const struct kobject *o)
{
	struct keybuf k;
	const struct ing_use *u;

	keybuf_init(&k);
	make_key(&k, o->ns, o->name);
	u = hmap_get(&c->uses, k.p, k.n);
	keybuf_free(&k);
	return u;
}

/* Names a Secret must cover, each with where it was asked for. */
struct wanted {
	struct strv names, from;
};

static void want_from(struct wanted *w, const struct fnode *root,
		      const char *path, const char *kind, const char *name,
		      const char *field)
{
	struct strv got = { NULL, 0, 0 };
	struct buf b = BUF_INIT;
	size_t i;

	values_at(root, path, &got);
	for (i = 0; i < got.n; i++) {
		if (has_name(&w->names, got.v[i]))
			continue;
		buf_reset(&b);
		buf_addf(&b, "%s %s %s", kind, name ? name : "", field);
		strv_add(&w->names, got.v[i], strlen(got.v[i]));
		strv_add(&w->from, b.p, b.len);
	}
	buf_free(&b);
	strv_free(&got);
}

/* The fields that need the Secret's Certificate and Ingresses. */
static void secret_links(struct ctx *c, const struct kobject *o,
			 struct fnode *x, const struct leafinfo *li,
			 unsigned long line)
{
	const struct kobject *cert = owner_certificate(c, o);
	const struct ing_use *u;
	struct wanted dns, ips;
	struct strv missing = { NULL, 0, 0 }, served = { NULL, 0, 0 };
	struct buf detail = BUF_INIT;
	size_t i, j;

	memset(&dns, 0, sizeof(dns));
	memset(&ips, 0, sizeof(ips));
	if (cert) {
		const struct fnode *croot = kobject_root(cert);
		const char *na = scalar(fnode_find(croot, "status.notAfter"));

		add_field(x, "certificate", cert->name ? cert->name : "",
			  line);
		want_from(&dns, croot, "spec.dnsNames", "Certificate",
			  cert->name, "spec.dnsNames");
		want_from(&ips, croot, "spec.ipAddresses", "Certificate",
			  cert->name, "spec.ipAddresses");
		if (na) {
			int64_t a = parse_rfc3339(na);
			int64_t b = li->not_after[0] ?
				parse_rfc3339(li->not_after) : TIME_UNKNOWN;

			add_field(x, "certificateNotAfter", na, line);
			if (a != TIME_UNKNOWN && b != TIME_UNKNOWN &&
			    (a - b > 60 || b - a > 60))
				add_field(x, "notAfterDisagrees", "true",
					  line);
		}
	}
	for (u = ingress_uses(c, o); u; u = u->next) {
		if (u->ing->name && !has_name(&served, u->ing->name))
			strv_add(&served, u->ing->name, strlen(u->ing->name));
		want_from(&dns, u->tls, "hosts", "Ingress", u->ing->name,
			  "spec.tls.hosts");
	}
	for (i = 0; i < dns.names.n + ips.names.n; i++) {
		const char *n = i < dns.names.n ? dns.names.v[i] :
			ips.names.v[i - dns.names.n];
		const char *from = i < dns.names.n ? dns.from.v[i] :
			ips.from.v[i - dns.names.n];
		int ok = 0;

		if (i < dns.names.n)
			for (j = 0; j < li->dns.n && !ok; j++)
				ok = x509_name_covered(n, li->dns.v[j]);
		else
			ok = ip_covered(n, &li->ips);
		if (ok || has_name(&missing, n))
			continue;
		strv_add(&missing, n, strlen(n));
		if (missing.n <= 20)
			buf_addf(&detail, "%s%s (%s)", missing.n > 1 ? ", " :
				 "", n, from);
	}
	if (missing.n) {
		if (missing.n > 20)
			buf_addf(&detail, " and %zu more", missing.n - 20);
		add_field(x, "sanMismatch", "true", line);
		add_list(x, "missingNames", &missing, line);
		add_field(x, "sanDetail", detail.p, line);
	}
	add_list(x, "servedByIngress", &served, line);
	strv_free(&dns.names);
	strv_free(&dns.from);
	strv_free(&ips.names);
	strv_free(&ips.from);
	strv_free(&missing);
	strv_free(&served);
	buf_free(&detail);
}

/*
 * Read one object's certificate value n (and, for a Secret, its key and
 * ca.crt) and add its x509 map.
 */
static void enrich(struct ctx *c, struct kobject *o, const struct fnode *n,
		   const struct fnode *key, const struct fnode *ca, int raw,
		   const char *what, int is_secret)
{
	struct chain ch, cach;
	struct leafinfo li;
	struct buf err = BUF_INIT, kerr = BUF_INIT, sum = BUF_INIT;
	struct fnode *x;
	unsigned long line = n->line ? n->line : o->line;
	char num[32];
	const char *km;
	int cak = 0;

	memset(&ch, 0, sizeof(ch));
	memset(&cach, 0, sizeof(cach));
	memset(&li, 0, sizeof(li));
	drop_x509(o->root);
	x = fnode_add(o->root, "x509", 4, fnode_new(FN_MAP, line));
	value_chain(c, o, n, raw, what, &ch, &err);
	if (err.len) {
		add_field(x, "error", err.p, line);
		warn(c, o, line, err.p);
	}
	snprintf(num, sizeof(num), "%zu", ch.n);
	add_field(x, "count", num, line);
	if (!ch.n)
		goto out;
	leaf_read(ch.v[0], &li);
	add_field(x, "subject", buf_str(&li.subject), line);
	add_field(x, "issuer", buf_str(&li.issuer), line);
	add_field(x, "serial", buf_str(&li.serial), line);
	if (li.not_before[0])
		add_field(x, "notBefore", li.not_before, line);
	if (li.not_after[0])
		add_field(x, "notAfter", li.not_after, line);
	add_list(x, "dnsNames", &li.dns, line);
	add_list(x, "ipAddresses", &li.ips, line);
	if (ca && !unusable(ca)) {
		struct buf caerr = BUF_INIT;

		/* ca.crt only helps judge the chain; its errors are noted. */
		if (value_chain(c, o, ca, raw, "ca.crt", &cach, &caerr) < 0)
			warn(c, o, ca->line, caerr.p);
		buf_free(&caerr);
		cak = 1;
	}
	add_field(x, "chainComplete", chain_complete(&ch, cak ? &cach : NULL)
		  ? "true" : "false", line);
	if (key && !unusable(key)) {
		km = key_matches(key, raw, ch.v[0], &kerr);
		if (km) {
			add_field(x, "keyMatches", km, line);
		} else {
			add_field(x, "keyError", kerr.p, line);
			warn(c, o, key->line, kerr.p);
		}
	}
	if (chain_staging(&ch, &li))
		add_field(x, "staging", "true", line);
	if (is_secret)
		secret_links(c, o, x, &li, line);
	summary(&li, &sum);
	add_field(x, "summary", sum.p, line);
	add_ref(c, buf_str(&li.serial), x, line);
out:
	chain_free(&ch);
	chain_free(&cach);
	leaf_free(&li);
	buf_free(&err);
	buf_free(&kerr);
	buf_free(&sum);
}

static int is_kind(const struct kobject *o, const char *kind)
{
	return o->kind && !strcmp(o->kind, kind);
}

/* Index Certificates by secret and Ingress tls[] entries by secret. */
static void build_index(struct ctx *c)
{
	struct keybuf k;
	size_t i, j;

	keybuf_init(&k);
	for (i = 0; i < c->st->n; i++) {
		struct kobject *o = c->st->v[i];
		const struct fnode *tls;
		const char *sn;

		if (o->partial || !kobject_has_tree(o))
			continue;
		if (is_kind(o, "Certificate")) {
			sn = kobject_ref(o, KREF_SECRET_NAME, 1);
			if (!sn)
				continue;
			make_key(&k, o->ns, sn);
			if (!hmap_get(&c->certs, k.p, k.n))
				hmap_put(&c->certs, own_key(c, &k), k.n,
					 (void *)o);
		} else if (is_kind(o, "Ingress")) {
			/* Its tls nodes are kept: decoded for good. */
			tls = fnode_find(kobject_root_mut(o), "spec.tls");
			if (!tls || tls->type != FN_LIST)
				continue;
			for (j = 0; j < tls->nkids; j++) {
				if (!scalar(fnode_child(tls->kids[j],
							"secretName")))
					continue;
				c->usev = xgrow(c->usev, &c->capuse,
						c->nuse + 1, sizeof(*c->usev));
				c->usev[c->nuse].ing = o;
				c->usev[c->nuse].tls = tls->kids[j];
				c->usev[c->nuse].next = NULL;
				c->nuse++;
			}
		}
	}
	/* The array is final now: link the uses of each secret. */
	for (i = 0; i < c->nuse; i++) {
		struct ing_use *u = &c->usev[i], *head;

		make_key(&k, u->ing->ns, scalar(fnode_child(u->tls,
							    "secretName")));
		head = hmap_get(&c->uses, k.p, k.n);
		if (!head) {
			hmap_put(&c->uses, own_key(c, &k), k.n, u);
			continue;
		}
		while (head->next)
			head = head->next;
		head->next = u;
	}
	keybuf_free(&k);
}

/* A Secret's tls.crt (in data, or else in stringData: *raw set). */
static const struct fnode *secret_crt(const struct fnode *root,
				      const struct fnode **data, int *raw)
{
	const struct fnode *crt;

	*data = fnode_child(root, "data");
	crt = fnode_child(*data, "tls.crt");
	*raw = 0;
	if (unusable(crt)) {
		*data = fnode_child(root, "stringData");
		crt = fnode_child(*data, "tls.crt");
		*raw = 1;
	}
	return crt;
}

static void enrich_all(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->st->n; i++) {
		struct kobject *o = c->st->v[i];
		const struct fnode *crt, *data;
		int raw;

		/* Describe output and tables show sizes, not the data. */
		if (o->partial || !kobject_has_tree(o) ||
		    (o->origin != ORIGIN_YAML && o->origin != ORIGIN_JSON))
			continue;
		if (is_kind(o, "Secret")) {
			const char *type = scalar(fnode_child(kobject_root(o),
							      "type"));

			crt = secret_crt(kobject_root(o), &data, &raw);
			if (unusable(crt))
				continue;
			if ((!type || strcmp(type, "kubernetes.io/tls")) &&
			    !ingress_uses(c, o))
				continue;
			/* x509.* fields are added: decoded for good. */
			crt = secret_crt(kobject_root_mut(o), &data, &raw);
			enrich(c, o, crt, fnode_child(data, "tls.key"),
			       fnode_child(data, "ca.crt"), raw, "tls.crt", 1);
		} else if (is_kind(o, "CertificateRequest") ||
			   is_kind(o, "Order")) {
			crt = fnode_find(kobject_root(o), "status.certificate");
			if (unusable(crt))
				continue;
			crt = fnode_find(kobject_root_mut(o),
					 "status.certificate");
			enrich(c, o, crt, NULL, NULL, 0, "status.certificate",
			       0);
		}
	}
}

int x509_serial_line(struct slice line, struct buf *out)
{
	struct slice s = slice_trim(line);
	size_t n, digits = 0;

	if (!s.n || s.p[0] == '#')
		return 0;
	if (s.n > 6 && !strncasecmp(s.p, "serial", 6) &&
	    strchr(" \t=:", s.p[6])) {
		s = slice_trim(slice_make(s.p + 7, s.n - 7));
	}
	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X'))
		s = slice_make(s.p + 2, s.n - 2);
	for (n = 0; n < s.n; n++) {
		char ch = s.p[n];

		if (ch == ' ' || ch == '\t' || ch == ',' || ch == ';')
			break;
		if (ch == ':')
			continue;
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F')))
			return -1;
		digits++;
	}
	/* Serials are at most 20 octets; allow some slack, no more. */
	if (!digits || digits > 64)
		return -1;
	serial_norm(s.p, n, out);
	return 1;
}

static void list_problem(struct ctx *c, const char *where, const char *msg,
			 int error)
{
	if (c->in && error)
		input_error(c->in, where, "%s", msg);
	else if (c->in)
		input_warning(c->in, where, "%s", msg);
	else
		diag(error ? DIAG_ERROR : DIAG_WARNING, where, "%s", msg);
}

/* Stream the revoked-serials list; mark the certificates on it. */
static void check_revoked(struct ctx *c, const char *path)
{
	struct hmap idx = { NULL, 0, 0 };
	struct buf ser = BUF_INIT, msg = BUF_INIT, where = BUF_INIT;
	char line[4096];
	unsigned long lineno = 0, bad = 0, serials = 0;
	int cont = 0, errnum;
	gzFile f;
	size_t i;

	for (i = 0; i < c->nrefs; i++) {
		struct serial_ref *r = &c->refs[i];

		/* Several objects may hold one certificate: keep the first. */
		if (!hmap_get(&idx, r->serial, strlen(r->serial)))
			hmap_put(&idx, r->serial, strlen(r->serial), r);
	}
	errno = 0;
	f = gzopen(path, "rb");
	if (!f) {
		buf_addf(&msg, "cannot read the revoked-serials list: %s",
			 errno ? strerror(errno) : "out of memory");
		list_problem(c, path, msg.p, 1);
		goto out;
	}
	while (gzgets(f, line, sizeof(line))) {
		size_t n = strlen(line);
		int nl = n && line[n - 1] == '\n';
		int rc;

		/* The rest of a long line: its serial was at the start. */
		if (cont) {
			cont = !nl;
			continue;
		}
		cont = !nl;
		lineno++;
		rc = x509_serial_line(slice_make(line, n), &ser);
		if (rc < 0) {
			if (bad++ < LIST_MAX_WARNINGS) {
				buf_reset(&where);
				buf_addf(&where, "%s:%lu", path, lineno);
				list_problem(c, where.p, "not a serial number "
					     "(expected hex, or \"serial "
					     "<hex> ...\"); line ignored", 0);
			}
			continue;
		}
		if (!rc)
			continue;
		serials++;
		if (!hmap_get(&idx, ser.p, ser.len))
			continue;
		for (i = 0; i < c->nrefs; i++) {
			struct serial_ref *r = &c->refs[i];

			if (strcmp(r->serial, ser.p) ||
			    fnode_child(r->x509, "revoked"))
				continue;
			add_field(r->x509, "revoked", "true", r->line);
		}
	}
	gzerror(f, &errnum);
	if (errnum != Z_OK && errnum != Z_BUF_ERROR) {
		buf_addf(&msg, "read error after line %lu of the "
			 "revoked-serials list: %s", lineno,
			 gzerror(f, &errnum));
		list_problem(c, path, msg.p, 1);
	} else if (bad > LIST_MAX_WARNINGS) {
		buf_addf(&msg, "%lu more lines are not serial numbers",
			 bad - LIST_MAX_WARNINGS);
		list_problem(c, path, msg.p, 0);
	} else if (!serials) {
		list_problem(c, path, "the revoked-serials list holds no "
			     "serial number", 0);
	}
	gzclose(f);
out:
	hmap_free(&idx);
	buf_free(&ser);
	buf_free(&msg);
	buf_free(&where);
}

void x509_enrich(struct store *st, const char *revoked_file,
		 struct input *in)
{
	struct ctx c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.in = in;
	build_index(&c);
	enrich_all(&c);
	if (revoked_file)
		check_revoked(&c, revoked_file);
	for (i = 0; i < c.nrefs; i++)
		free(c.refs[i].serial);
	free(c.refs);
	free(c.usev);
	hmap_free(&c.certs);
	hmap_free(&c.uses);
	strv_free(&c.keys);
	ERR_clear_error();
}
