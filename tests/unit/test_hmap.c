/*
 * The hash map under the object store, the resource graph and the
 * findings, and the blocks their keys are kept in: every key put is
 * found, no other key is, the table stays at most seven tenths full, and
 * a reserved table does not move while it fills up to what was reserved.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmap.h"
#include "util.h"

#define NKEYS 100000

static char *key_of(size_t i)
{
	char k[64];

	/* Keys shaped like the graph's: kind, namespace and name. */
	snprintf(k, sizeof(k), "Challenge\nns-%zu\napp-%zu-tls-1-%zu-0",
		 i % 13, i, i * 2654435761u % 1000003);
	return strdup(k);
}

static void test_put_get(void **state)
{
	struct hmap m = { NULL, 0, 0 };
	char **keys = calloc(NKEYS, sizeof(*keys));
	size_t i;

	(void)state;
	assert_int_equal(sizeof(struct hmap_slot), 24);
	for (i = 0; i < NKEYS; i++) {
		keys[i] = key_of(i);
		hmap_put(&m, keys[i], strlen(keys[i]), (void *)(i + 1));
		assert_true(m.n * 10 <= m.cap * 7);
	}
	assert_int_equal(m.n, NKEYS);
	for (i = 0; i < NKEYS; i++)
		assert_ptr_equal(hmap_get(&m, keys[i], strlen(keys[i])),
				 (void *)(i + 1));
	/* Absent keys, and present keys cut short. */
	assert_null(hmap_get(&m, "Challenge\nns-1\nnone", 19));
	assert_null(hmap_get(&m, keys[7], strlen(keys[7]) - 1));
	/* A value replaced: still one key. */
	hmap_put(&m, keys[3], strlen(keys[3]), (void *)99);
	assert_int_equal(m.n, NKEYS);
	assert_ptr_equal(hmap_get(&m, keys[3], strlen(keys[3])), (void *)99);
	hmap_free(&m);
	for (i = 0; i < NKEYS; i++)
		free(keys[i]);
	free(keys);
}

static void test_reserve(void **state)
{
	struct hmap m = { NULL, 0, 0 };
	char **keys = calloc(NKEYS, sizeof(*keys));
	struct hmap_slot *slots;
	size_t i, cap;

	(void)state;
	hmap_reserve(&m, NKEYS);
	cap = m.cap;
	slots = m.slots;
	/* No bigger than needed: half the size would not hold them. */
	assert_true(NKEYS * 10 <= cap * 7);
	assert_true(NKEYS * 10 > cap / 2 * 7);
	for (i = 0; i < NKEYS; i++) {
		keys[i] = key_of(i);
		hmap_put(&m, keys[i], strlen(keys[i]), (void *)(i + 1));
	}
	assert_int_equal(m.cap, cap);
	assert_ptr_equal(m.slots, slots);
	/* Reserving less than there is changes nothing. */
	hmap_reserve(&m, 10);
	assert_int_equal(m.cap, cap);
	for (i = 0; i < NKEYS; i++)
		assert_ptr_equal(hmap_get(&m, keys[i], strlen(keys[i])),
				 (void *)(i + 1));
	/* Reserving more keeps every key. */
	hmap_reserve(&m, 4 * NKEYS);
	assert_true(m.cap > cap);
	for (i = 0; i < NKEYS; i++)
		assert_ptr_equal(hmap_get(&m, keys[i], strlen(keys[i])),
				 (void *)(i + 1));
	hmap_free(&m);
	for (i = 0; i < NKEYS; i++)
		free(keys[i]);
	free(keys);
}

/*
 * The keys' blocks: every string keeps its place and its bytes while more
 * are added, across blocks and with strings bigger than a block.
 */
static void test_strblocks(void **state)
{
	struct strblocks sb = { NULL };
	const char **at = calloc(NKEYS, sizeof(*at));
	char *big = malloc(200000);
	size_t i;

	(void)state;
	memset(big, 'x', 200000);
	for (i = 0; i < NKEYS; i++) {
		char *k = key_of(i);

		/* Now and then an empty string, or one of 200,000 bytes. */
		if (i % 1000 == 7)
			at[i] = strblocks_dup(&sb, big, 200000);
		else if (i % 1000 == 8)
			at[i] = strblocks_dup(&sb, "", 0);
		else
			at[i] = strblocks_dup(&sb, k, strlen(k));
		free(k);
	}
	for (i = 0; i < NKEYS; i++) {
		char *k = key_of(i);

		if (i % 1000 == 7) {
			assert_int_equal(strlen(at[i]), 200000);
			assert_memory_equal(at[i], big, 200000);
		} else if (i % 1000 == 8) {
			assert_string_equal(at[i], "");
		} else {
			assert_string_equal(at[i], k);
		}
		free(k);
	}
	strblocks_free(&sb);
	assert_null(sb.head);
	free(big);
	free(at);
}

/*
 * The hash spreads keys that differ in a digit or two, and every length
 * from 0 to 24 bytes (each takes its own path through the hash) counts.
 */
static void test_hash_spread(void **state)
{
	enum { NB = 1 << 16 };
	unsigned *bucket = calloc(NB, sizeof(*bucket));
	const char *s = "Certificate\nshop\napp-1-tls";
	unsigned max = 0, empty = 0;
	size_t i, j;

	(void)state;
	for (i = 0; i < NKEYS; i++) {
		char *k = key_of(i);
		uint64_t h = hmap_hash(k, strlen(k));
		unsigned b = (unsigned)((h ^ h >> 32) & (NB - 1));

		if (++bucket[b] > max)
			max = bucket[b];
		free(k);
	}
	for (i = 0; i < NB; i++)
		empty += !bucket[i];
	/* 100,000 keys in 65,536 buckets: Poisson with a mean of 1.53. */
	assert_true(max <= 12);
	assert_true(empty > NB / 5 && empty < NB / 4);
	for (i = 0; i <= 24; i++)
		for (j = 0; j < i; j++)
			assert_true(hmap_hash(s, i) != hmap_hash(s, j));
	/* Keys that differ only in their last two bytes, for every length. */
	for (j = 2; j <= 24; j++) {
		char k[32];

		memcpy(k, s, j);
		memset(bucket, 0, NB * sizeof(*bucket));
		max = 0;
		for (i = 0; i < NB; i++) {
			uint64_t h;
			unsigned b;

			k[j - 2] = (char)(i >> 8);
			k[j - 1] = (char)i;
			h = hmap_hash(k, j);
			b = (unsigned)((h ^ h >> 32) & (NB - 1));
			if (++bucket[b] > max)
				max = bucket[b];
		}
		assert_true(max <= 12);
	}
	free(bucket);
}

/*
 * Lookup keys: parts joined by newlines, NULL as empty, the same bytes
 * whether they fit the room on the stack or not, and a keybuf set again
 * (short, long, short) holds only the newest key.
 */
static void test_keybuf(void **state)
{
	char *big = malloc(KEYBUF_ROOM + 100);
	struct keybuf k;
	int round;

	(void)state;
	memset(big, 'n', KEYBUF_ROOM + 99);
	big[KEYBUF_ROOM + 99] = '\0';
	keybuf_init(&k);
	for (round = 0; round < 2; round++) {
		keybuf_set(&k, 3, (const char *const[]){ "Certificate", NULL,
							 "web-tls" });
		assert_int_equal(k.n, 20);
		assert_memory_equal(k.p, "Certificate\n\nweb-tls", 21);
		keybuf_set(&k, 2, (const char *const[]){ "shop", big });
		assert_int_equal(k.n, 5 + KEYBUF_ROOM + 99);
		assert_memory_equal(k.p, "shop\n", 5);
		assert_memory_equal(k.p + 5, big, KEYBUF_ROOM + 100);
		/* Exactly the room, with its NUL: still on the stack. */
		big[KEYBUF_ROOM - 1] = '\0';
		keybuf_set(&k, 1, (const char *const[]){ big });
		assert_int_equal(k.n, KEYBUF_ROOM - 1);
		assert_ptr_equal(k.p, k.room);
		big[KEYBUF_ROOM - 1] = 'n';
	}
	keybuf_free(&k);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_spread),
		cmocka_unit_test(test_keybuf),
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_strblocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
