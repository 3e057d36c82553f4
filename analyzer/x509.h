/*
 * Certificates inside the bundle: the X.509 reader that turns the PEM
 * chains of TLS Secrets (data tls.crt / tls.key / ca.crt), of
 * CertificateRequests and of Orders (status.certificate) into fields of
 * the normalized object model, under "x509." (docs/rules-x509.md), so the
 * rules that judge them stay declarative. It runs once, after the whole
 * input is read and before the object rules; parsing is OpenSSL's
 * libcrypto, never a hand-written DER parser.
 *
 * Ownership: the fields are added to the objects' own trees and belong to
 * them (kobject_free() releases them). Private keys are read only to
 * compare public keys; they are freed and their decoded bytes wiped at
 * once, and never reach a field, a message or the report.
 */
#ifndef KTRIAGE_X509_H
#define KTRIAGE_X509_H

#include <stddef.h>

#include "buf.h"
#include "input.h"
#include "store.h"
#include "util.h"

/* Certificates read from one PEM value; the rest is not read. */
#define KT_X509_MAX_CERTS 16
/* Largest decoded tls.crt, tls.key, ca.crt or status.certificate. */
#define KT_X509_MAX_BYTES ((size_t)1 << 20)
/* Names kept per certificate (DNS and IP SANs, each). */
#define KT_X509_MAX_NAMES 500

/*
 * Read the certificates of every TLS Secret (type kubernetes.io/tls, or
 * any Secret an Ingress names in spec.tls[].secretName), CertificateRequest
 * and Order in st, and add the x509.* fields to their trees. Cross-object
 * fields of a Secret come from the Certificate whose spec.secretName names
 * it (same namespace) and the Ingresses that serve it. revoked_file (may
 * be NULL) is a list of revoked serials, read as a stream (plain or gzip),
 * so its size does not matter. Problems with a certificate become
 * x509.error and a warning "source:line: Kind ns/name: ..." in `in`; a
 * revoked-serials file that cannot be read is an input error. in may be
 * NULL (then diag() alone reports). Call once; a second call rebuilds the
 * fields.
 */
void x509_enrich(struct store *st, const char *revoked_file,
		 struct input *in);

/*
 * Whether the certificate name san covers the host name (RFC 6125 6.4):
 * equal ignoring ASCII case and one trailing dot, or san is "*.rest" and
 * name is exactly one non-empty label followed by ".rest". A wildcard
 * name ("*.example.com") is covered only by the same wildcard.
 */
int x509_name_covered(const char *name, const char *san);

/*
 * Read one line of a revoked-serials list: a serial in hex (colons and
 * leading zeros optional, "0x" allowed), alone or as the first word, or
 * after "serial" ("serial 03ab... names ..."). On success out holds the
 * normalized serial (upper case, no colons, no leading zeros) and 1 is
 * returned; 0 for a blank or "#" comment line; -1 when the line holds no
 * serial.
 */
int x509_serial_line(struct slice line, struct buf *out);

#endif
