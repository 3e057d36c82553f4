/*
 * Redaction, table-driven: each detector on the forms a bundle gives it
 * (key=value, YAML, JSON, klog's escaped quotes, describe, PEM with real
 * and escaped newlines, base64 PEM, JWTs, bearer and basic credentials,
 * AWS keys, ACME tokens), the look-alikes it must leave alone (names,
 * references, URLs, prose), and the values learned from Secrets and from
 * other lines.
 */
#include "cm.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"

static void check(const struct redactor *r, const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	redact_apply(r, &b, slice_cstr(in));
	if (strcmp(buf_str(&b), want))
		fail_msg("redact(%s)\n   got  %s\n   want %s", in, buf_str(&b),
			 want);
	buf_free(&b);
}

#define R REDACT_MARK
#define ELL "\xe2\x80\xa6"

static const struct {
	const char *in, *want;
} cases[] = {
	/* key=value and its relatives */
	{ "password=hunter2", "password=" R },
	{ "db_password = hunter2 next", "db_password = " R " next" },
	{ "\"password\":\"hun\\\"ter2\",\"x\":1", "\"password\":\"" R "\",\"x\":1" },
	{ "\"client_secret\": \"abc\"", "\"client_secret\": \"" R "\"" },
	{ "  password: hunter2", "  password: " R },
	{ "msg=\"login\" password=\\\"s3cr3t\\\" user=x",
	  "msg=\"login\" password=\\\"" R "\\\" user=x" },
	{ "secretAccessKey: wJalrXUtnFEMIK7MDENGbPxRfiCY",
	  "secretAccessKey: " R },
	{ "--token=bv0vN0TO3E6rxnF2eZYD9sf70OIruveqFcpxgg9Bm5U",
	  "--token=bv0v" ELL },
	{ "\"token\": \"short\"", "\"token\": \"" R "\"" },
	{ "api-token: 12345", "api-token: " R },
	/* look-alikes that are names, references or nothing */
	{ "secretName: shop-tls", "secretName: shop-tls" },
	{ "privateKeySecretRef:", "privateKeySecretRef:" },
	{ "key=\"shop/shop-tls\" reason=\"Renewing\"",
	  "key=\"shop/shop-tls\" reason=\"Renewing\"" },
	{ "password: null", "password: null" },
	{ "password=", "password=" },
	{ "\"serviceAccountToken\": {", "\"serviceAccountToken\": {" },
	{ "if a == b and c != d", "if a == b and c != d" },
	{ "Secret \"acme-key\" not found", "Secret \"acme-key\" not found" },
	{ "https://acme-v02.api.letsencrypt.org/acme/chall/123456789/987654321/AbCdEf12",
	  "https://acme-v02.api.letsencrypt.org/acme/chall/123456789/987654321/AbCdEf12" },
	{ "shop-example-com-tls-1-2745722290-1083734127",
	  "shop-example-com-tls-1-2745722290-1083734127" },
	{ "E0501 10:00:03.670432       1 sync.go:208] \"propagation check failed\"",
	  "E0501 10:00:03.670432       1 sync.go:208] \"propagation check failed\"" },
	{ "Basic authentication failed", "Basic authentication failed" },
	{ "Contact emails @example.com are forbidden",
	  "Contact emails @example.com are forbidden" },
	{ "", "" },
	/* credentials in headers */
	{ "Authorization: Bearer abcdef123456.x-y", "Authorization: Bearer " R },
	{ "authorization: basic dXNlcjpwYXNzd29yZA==",
	  "authorization: basic " R },
	/* JWTs and AWS keys, alone */
	{ "got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here",
	  "got " R " here" },
	{ "id AKIAIOSFODNN7EXAMPLE used", "id " R " used" },
	{ "id ASIAIOSFODNN7EXAMPLE used", "id " R " used" },
	{ "Authorization: BEARER abcdef123456.x-y", "Authorization: BEARER " R },
	/* base64 runs: 32 characters are one, 31 are not */
	{ "x Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv y", "x " R " y" },
	{ "x Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0U y",
	  "x Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0U y" },
	{ "xAKIAIOSFODNN7EXAMPLE", "xAKIAIOSFODNN7EXAMPLE" },
	{ "key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end", "key " R " end" },
	/* PEM blocks: real newlines, JSON's \n, cut short, base64 PEM */
	{ "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
	  "-----BEGIN RSA PRIVATE KEY-----" R "-----END RSA PRIVATE KEY-----" },
	{ "\"tls.key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n\"",
	  "\"tls.key\": \"-----BEGIN PRIVATE KEY-----" R "-----END PRIVATE KEY-----\\n\"" },
	{ "ca: -----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU...",
	  "ca: -----BEGIN CERTIFICATE-----" R },
	{ "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----" },
	{ "tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J",
	  "tls.crt: " R },
	/* ACME tokens and key authorizations: shortened */
	{ "GET 'http://x.example/.well-known/acme-challenge/kF3x9LmQ2pZr8VtYw1NcJ7hGdS4bUe6aXoHq0Ti5Rl8': 404",
	  "GET 'http://x.example/.well-known/acme-challenge/kF3x" ELL "': 404" },
	{ "  Token:    Q2pZr8VtYw1NcJ7hGdS4bUe6aXoHq0Ti5Rl8kF3x9Lm",
	  "  Token:    Q2pZ" ELL },
	{ "  Key:      Vt2mN8sQ1xR4kP7wZ0cB3nF6hJ9lD5gY2aE8uI1oT4r.q9Vb3Nf6Hs1Jk8Lm2Pz5Rt7Wx0Yc4Ad6Ef8Gh1Ij3Kl",
	  "  Key:      Vt2m" ELL },
	{ "expected_key=\"i3anjDPmm3N-uCv9_UMSLHei1hrA_GlfNTFOxn4-2UY.q9Vb3Nf6Hs1Jk8Lm2Pz5Rt7Wx0Yc4Ad6Ef8Gh1Ij3Kl\"",
	  "expected_key=\"i3an" ELL "\"" },
	/* e-mails are kept unless asked */
	{ "contact alice@example.org", "contact alice@example.org" },
};

static void test_table(void **state)
{
	struct redactor *r = redact_new(0);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(r, cases[i].in, cases[i].want);
	redact_free(r);
}

static void test_null_redactor_copies(void **state)
{
	(void)state;
	check(NULL, "password=hunter2", "password=hunter2");
}

static void test_emails(void **state)
{
	struct redactor *r = redact_new(REDACT_EMAILS);

	(void)state;
	check(r, "contact alice.b+x@example.org, bob@mail.example.com.",
	      "contact " R "@example.org, " R "@mail.example.com.");
	check(r, "Contact emails @example.com are forbidden",
	      "Contact emails @example.com are forbidden");
	check(r, "user@localhost", "user@localhost");
	redact_free(r);
}

static void test_secret_values(void **state)
{
	struct redactor *r = redact_new(0);

	(void)state;
	/* base64("SuperSecret-42"), as a Secret's data holds it */
	redact_add_base64(r, slice_cstr("U3VwZXJTZWNyZXQtNDI="));
	check(r, "connecting with SuperSecret-42 as admin",
	      "connecting with " R " as admin");
	check(r, "  password: U3VwZXJTZWNyZXQtNDI=", "  password: " R);
	check(r, "  pw: U3VwZXJTZWNyZXQtNDI=", "  pw: " R);
	/* Short values would hide ordinary words. */
	redact_add_value(r, slice_cstr("abc"));
	check(r, "abc def", "abc def");
	/* Not base64: only the value itself. */
	redact_add_base64(r, slice_cstr("not base64!"));
	check(r, "it is not base64!", "it is " R);
	redact_free(r);
}

static void test_learn(void **state)
{
	struct redactor *r = redact_new(0);

	(void)state;
	redact_learn(r, slice_cstr("db password=Xyz12345abc user=app"));
	redact_learn(r, slice_cstr("credentials Secret: unknown"));
	check(r, "connecting as Xyz12345abc", "connecting as " R);
	/* Prose is not learned. */
	check(r, "state unknown", "state unknown");
	redact_free(r);
}

static void test_binary_input(void **state)
{
	struct redactor *r = redact_new(0);
	struct buf b = BUF_INIT;
	static const char in[] = "pass\0word=x password=y\0z";

	(void)state;
	redact_apply(r, &b, slice_make(in, sizeof(in) - 1));
	assert_int_equal(b.len, sizeof(in) - 1 - 1 + strlen(R));
	assert_memory_equal(b.p, "pass\0word=x password=" R "\0z", b.len);
	buf_free(&b);
	redact_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_null_redactor_copies),
		cmocka_unit_test(test_emails),
		cmocka_unit_test(test_secret_values),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_binary_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
