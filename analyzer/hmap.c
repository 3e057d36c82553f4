/*
 * Open-addressing hash map (linear probing, load factor below seven
 * tenths). Used to aggregate findings, to index objects and to intern
 * the keys of every object read.
 */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Murmur3's finalizer: every bit of h moves every bit of the result. */
static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

#define HASH_K 0x9e3779b97f4a7c15ull

/*
 * Eight bytes at a time, each word multiplied in and folded down, the
 * last word read overlapping the one before (keys are short: "metadata",
 * "Certificate\nshop\napp-1-tls"), then the finalizer. It was FNV-1a, a
 * byte at a time. Nothing depends on the values but the tables.
 */
static inline uint64_t hash_bytes(const unsigned char *s, size_t n)
{
	uint64_t h = HASH_K ^ n, w;

	if (n > 8) {
		for (; n > 8; s += 8, n -= 8) {
			memcpy(&w, s, 8);
			h = (h ^ w) * HASH_K;
			h ^= h >> 32;
		}
		memcpy(&w, s + n - 8, 8);
	} else if (n >= 4) {
		uint32_t a, b;

		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else if (n) {
		w = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1];
	} else {
		w = 0;
	}
	return fmix64((h ^ w) * HASH_K);
}

uint64_t hmap_hash(const void *p, size_t n)
{
	return hash_bytes(p, n);
}

/* The slot's hash: both halves of the 64 bits. */
static uint32_t fold(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

static struct hmap_slot *find(const struct hmap *m, const char *key,
			      size_t keylen, uint32_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	for (;;) {
		struct hmap_slot *s = &m->slots[i];

		if (!s->key)
			return s;
		if (s->hash == h && s->keylen == keylen &&
		    !memcmp(s->key, key, keylen))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

void *hmap_get(const struct hmap *m, const char *key, size_t keylen)
{
	struct hmap_slot *s;

	if (!m->cap || keylen > UINT32_MAX)
		return NULL;
	s = find(m, key, keylen,
		 fold(hash_bytes((const unsigned char *)key, keylen)));
	return s->key ? s->value : NULL;
}

static void rehash(struct hmap *m, size_t cap)
{
	struct hmap old = *m;
	size_t i;

	m->cap = cap;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < old.cap; i++) {
		struct hmap_slot *s = &old.slots[i];

		if (s->key)
			*find(m, s->key, s->keylen, s->hash) = *s;
	}
	free(old.slots);
}

/* Whether n keys fit in cap slots: at most seven tenths full. */
static int fits(size_t n, size_t cap)
{
	return n <= cap / 10 * 7;
}

void hmap_put(struct hmap *m, const char *key, size_t keylen, void *value)
{
	uint32_t h = fold(hash_bytes((const unsigned char *)key, keylen));
	struct hmap_slot *s;

	if (keylen > UINT32_MAX)
		abort();	/* keys come from lines, cut far below */
	if (!fits(m->n + 1, m->cap))
		rehash(m, m->cap ? m->cap * 2 : 64);
	s = find(m, key, keylen, h);
	if (!s->key)
		m->n++;
	s->key = key;
	s->keylen = (uint32_t)keylen;
	s->hash = h;
	s->value = value;
}

void hmap_reserve(struct hmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 64;

	while (!fits(n + 1, cap)) {
		if (cap > SIZE_MAX / 2 / sizeof(*m->slots))
			return;	/* it grows as it fills, if it can */
		cap *= 2;
	}
	if (cap > m->cap)
		rehash(m, cap);
}

void hmap_free(struct hmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
