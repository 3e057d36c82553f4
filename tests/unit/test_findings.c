/*
 * Findings are aggregated by rule and resource (or by file when a hit
 * names no resource): every hit of one rule on one resource counts on
 * one finding, whatever the length of the names that key it, and hits
 * on other resources, other files or under other rules do not.
 */
#include "cm.h"

#include <string.h>

#include "findings.h"
#include "rules.h"

static struct finding *hit(struct findings *fs, const struct rule *r,
			   const char *kind, const char *ns, const char *name,
			   const char *source)
{
	struct resource res = { (char *)kind, (char *)ns, (char *)name };

	return findings_add(fs, r, name ? &res : NULL, source, 1,
			    slice_cstr("a line"), NULL, 0, NULL);
}

static void test_keys(void **state)
{
	struct rule r1, r2;
	struct findings fs;
	char long_a[700], long_b[700], long_src[700];
	struct finding *f[8];
	size_t i, j;

	(void)state;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	r1.id = (char *)"rule-one";
	r2.id = (char *)"rule-two";
	memset(long_a, 'a', sizeof(long_a) - 1);
	long_a[sizeof(long_a) - 1] = '\0';
	strcpy(long_b, long_a);
	long_b[650] = 'b';	/* differs far past the first 512 bytes */
	memset(long_src, 's', sizeof(long_src) - 1);
	long_src[sizeof(long_src) - 1] = '\0';
	findings_init(&fs);
	for (i = 0; i < 2; i++) {
		f[0] = hit(&fs, &r1, "Certificate", "shop", "web-tls", "x.log");
		f[1] = hit(&fs, &r1, "Certificate", "shop", long_a, "x.log");
		f[2] = hit(&fs, &r1, "Certificate", "shop", long_b, "x.log");
		f[3] = hit(&fs, &r2, "Certificate", "shop", long_a, "x.log");
		f[4] = hit(&fs, &r1, NULL, NULL, NULL, "x.log");
		f[5] = hit(&fs, &r1, NULL, NULL, NULL, long_src);
		f[6] = hit(&fs, &r1, "Certificate", NULL, "web-tls", "y.log");
		f[7] = hit(&fs, &r1, "Certificate", "shop", "web-tls", "y.log");
	}
	/* Eight findings, each hit twice; f[7] is f[0] (files do not count
	 * when a resource is named). */
	assert_int_equal(fs.n, 7);
	assert_ptr_equal(f[7], f[0]);
	assert_int_equal(f[0]->count, 4);
	for (i = 1; i < 7; i++) {
		assert_int_equal(f[i]->count, 2);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(f[i], f[j]);
	}
	findings_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
