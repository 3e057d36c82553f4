/*
 * The memory kept objects live in (keepmem.c): blocks are aligned and
 * do not overlap, a freed block is the next one of its size class, so
 * freeing and allocating again maps no new chunk, big blocks bypass the
 * chunks, two threads can share it, and where the kernel has
 * transparent huge pages the chunks are advised for them and aligned
 * to them.
 */
#include "cm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keepmem.h"

#define NBLK 20000

/* Sizes like a kept object's pack block, a slab, and odd ones. */
static size_t size_of(size_t i)
{
	static const size_t odd[] = { 1, 15, 16, 17, 32776, KEEPMEM_MAX };

	if (i % 50 == 0)
		return odd[(i / 50) % 6];
	return 200 + (i * 2654435761u) % 1800;
}

static void fill(unsigned char *p, size_t n, size_t i)
{
	size_t k;

	for (k = 0; k < n; k++)
		p[k] = (unsigned char)(i * 31 + k);
}

static int intact(const unsigned char *p, size_t n, size_t i)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (p[k] != (unsigned char)(i * 31 + k))
			return 0;
	return 1;
}

static void test_blocks(void **state)
{
	unsigned char **v = calloc(NBLK, sizeof(*v));
	size_t i, chunks;

	(void)state;
	keepmem_release();
	for (i = 0; i < NBLK; i++) {
		v[i] = keepmem_alloc(size_of(i));
		assert_int_equal((uintptr_t)v[i] % 16, 0);
		fill(v[i], size_of(i), i);
	}
	/* Every block still holds what was written: none overlap. */
	for (i = 0; i < NBLK; i++)
		assert_true(intact(v[i], size_of(i), i));
	chunks = keepmem_chunks();
	/* Free every other block, then ask for the same sizes again. */
	for (i = 0; i < NBLK; i += 2)
		keepmem_free(v[i], size_of(i));
	for (i = 0; i < NBLK; i += 2) {
		v[i] = keepmem_alloc(size_of(i));
		fill(v[i], size_of(i), i);
	}
	for (i = 0; i < NBLK; i++)
		assert_true(intact(v[i], size_of(i), i));
	/* The freed blocks were used again: no chunk was added. */
	assert_int_equal(keepmem_chunks(), chunks);
	for (i = 0; i < NBLK; i++)
		keepmem_free(v[i], size_of(i));
	keepmem_free(NULL, 100);
	free(v);
}

static void test_reuse_order(void **state)
{
	void *a, *b, *c;

	(void)state;
	a = keepmem_alloc(700);
	b = keepmem_alloc(700);
	if (!keepmem_chunks()) {
		keepmem_free(a, 700);
		keepmem_free(b, 700);
		skip();		/* AddressSanitizer: every block malloc()ed */
	}
	keepmem_free(a, 700);
	keepmem_free(b, 700);
	/* Same class (690 and 700 round up to 704): the last freed first. */
	c = keepmem_alloc(690);
	assert_ptr_equal(c, b);
	keepmem_free(c, 690);
}

static void test_big(void **state)
{
	size_t chunks = keepmem_chunks();
	unsigned char *p = keepmem_alloc(KEEPMEM_MAX + 1);

	(void)state;
	fill(p, KEEPMEM_MAX + 1, 7);
	assert_true(intact(p, KEEPMEM_MAX + 1, 7));
	assert_int_equal(keepmem_chunks(), chunks);
	keepmem_free(p, KEEPMEM_MAX + 1);
}

/* The smaps entry of the mapping holding p: its start and VmFlags. */
static int mapping_of(const void *p, uintptr_t *start, char *flags,
		      size_t fsz)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			if (in)
				*start = lo;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, fsz, "%.200s", line + 8);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_huge_advice(void **state)
{
	char flags[256];
	uintptr_t start = 0;
	void *p;

	(void)state;
	keepmem_release();
	p = keepmem_alloc(1000);
	if (!keepmem_chunks() ||
	    access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK)) {
		keepmem_free(p, 1000);
		skip();		/* no chunks, or no huge pages to ask for */
	}
	assert_true(mapping_of(p, &start, flags, sizeof(flags)));
	/* Advised ("hg") and starting on a 2 MiB boundary. */
	assert_non_null(strstr(flags, " hg"));
	assert_int_equal(start % (2u << 20), 0);
	keepmem_free(p, 1000);
	keepmem_release();
	assert_int_equal(keepmem_chunks(), 0);
}

static void *churn(void *arg)
{
	size_t t = (size_t)arg, i, r;
	unsigned char *v[64] = { NULL };

	for (r = 0; r < 200; r++)
		for (i = 0; i < 64; i++) {
			size_t n = size_of(t * 1000 + i);

			if (v[i]) {
				if (!intact(v[i], n, t + i))
					return (void *)1;
				keepmem_free(v[i], n);
			}
			v[i] = keepmem_alloc(n);
			fill(v[i], n, t + i);
		}
	for (i = 0; i < 64; i++)
		keepmem_free(v[i], size_of(t * 1000 + i));
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[2];
	void *rc[2];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, churn,
						(void *)(i + 1)), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], &rc[i]);
		assert_null(rc[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_reuse_order),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_huge_advice),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
