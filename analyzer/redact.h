/*
 * Redaction of secrets in report text. The analysis always sees the raw
 * bytes; only the report writers pass input-derived strings (evidence
 * lines, rendered messages, captured values) through redact_apply() before
 * escaping them for their format. A redactor owns copies of the values
 * added to it; redact_free() releases them.
 */
#ifndef KTRIAGE_REDACT_H
#define KTRIAGE_REDACT_H

#include "buf.h"

#define REDACT_EMAILS 1		/* also hide the local part of e-mails */

/* What a hidden secret is replaced with. */
#define REDACT_MARK "[redacted]"

struct redactor;

struct redactor *redact_new(unsigned flags);
void redact_free(struct redactor *r);

/*
 * Hide this exact value wherever it appears (e.g. a Secret's data value).
 * Values shorter than 6 bytes are ignored: they would hide ordinary words.
 */
void redact_add_value(struct redactor *r, struct slice v);

/*
 * Hide a Secret `data` value (base64): the value itself and, when it
 * decodes, the decoded text and each of its lines of 16 bytes or more.
 */
void redact_add_base64(struct redactor *r, struct slice v);

/*
 * Learn the secrets found in s (what redact_apply() would hide) as
 * values to hide everywhere: a password seen in `password=...` is then
 * hidden where it appears alone, e.g. as a rule's captured value.
 * Only values of 8 bytes or more, without spaces, with a digit or of
 * 16 bytes or more are learned, so that prose is not.
 */
void redact_learn(struct redactor *r, struct slice s);

/*
 * Append s to out with secrets replaced: PEM blocks' bodies, base64
 * PEM, JWTs, bearer and basic credentials, AWS access key ids, values of
 * password/secret/token/key fields (`k=v`, `k: v`, `"k":"v"`), long
 * base64 runs, the added values; ACME challenge tokens and key
 * authorizations are shortened to their first 4 characters and "…".
 * r may be NULL: then s is appended unchanged.
 */
void redact_apply(const struct redactor *r, struct buf *out, struct slice s);

#endif
