/*
 * A string-keyed hash map with open addressing. The map stores borrowed
 * key pointers and values: whoever inserts keeps both alive until
 * hmap_free(), which frees only the table.
 */
#ifndef KTRIAGE_HMAP_H
#define KTRIAGE_HMAP_H

#include <stddef.h>
#include <stdint.h>

/* 24 bytes: tables of a big cluster's objects are a large part of memory. */
struct hmap_slot {
	const char *key;
	void *value;
	uint32_t hash;
	uint32_t keylen;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;	/* power of two, or 0 */
	size_t n;
};

uint64_t hmap_hash(const void *p, size_t n);
void *hmap_get(const struct hmap *m, const char *key, size_t keylen);
/* Insert key (which must not be present yet). */
void hmap_put(struct hmap *m, const char *key, size_t keylen, void *value);
/*
 * Room for n keys before the table grows again: one table of the right
 * size instead of a series of doublings (each of which touches fresh
 * memory and moves every key).
 */
void hmap_reserve(struct hmap *m, size_t n);
void hmap_free(struct hmap *m);

#endif
