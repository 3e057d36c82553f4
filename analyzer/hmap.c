/*
 * Open-addressing hash map (FNV-1a, linear probing, load factor below
 * seven tenths). Used to aggregate findings and, later, to index objects.
 */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

uint64_t hmap_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The slot's hash: both halves of FNV-1a's 64 bits. */
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
	s = find(m, key, keylen, fold(hmap_hash(key, keylen)));
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
	uint32_t h = fold(hmap_hash(key, keylen));
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
