/*
 * Kept memory in huge-page chunks (see keepmem.h): a bump pointer in the
 * newest chunk, one free list per 16-byte size class, one lock. Blocks
 * are few (a field-node slab holds 1,024 nodes; a kept object has one
 * pack block), so the lock is cheap.
 */
#include "keepmem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define KEEPMEM_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEPMEM_MALLOC 1
#endif
#endif

#define CHUNK ((size_t)2 << 20)	/* a huge page on x86-64 and arm64 */
#define STEP 16
#define NCLASS (KEEPMEM_MAX / STEP + 1)

/* A free block, on its class's list. */
struct freeblk {
	struct freeblk *next;
};

/* The first bytes of every chunk: the list of chunks. */
struct chunk {
	struct chunk *next;
	size_t pad;		/* keeps blocks 16-byte aligned */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct freeblk *free_list[NCLASS];
static struct chunk *chunks;
static size_t nchunks;
static char *bump;		/* in the newest chunk */
static size_t left;
static uintptr_t heap_seen;	/* the brk heap advised up to here */

static size_t round_up(size_t n)
{
	return n ? (n + STEP - 1) & ~(size_t)(STEP - 1) : STEP;
}

#ifndef KEEPMEM_MALLOC
/* A fresh chunk, CHUNK-aligned so one huge page can back all of it. */
static struct chunk *new_chunk(void)
{
	size_t n = 2 * CHUNK;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED) {
		fprintf(stderr, "ktriage: error: out of memory mapping %zu "
			"bytes\n", n);
		abort();
	}
	a = (char *)(((uintptr_t)p + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + n > a + CHUNK)
		munmap(a + CHUNK, (size_t)(p + n - (a + CHUNK)));
#ifdef MADV_HUGEPAGE
	/* Advice only: without transparent huge pages, 4 KiB pages. */
	madvise(a, CHUNK, MADV_HUGEPAGE);
#endif
	return (struct chunk *)a;
}
#endif

/*
 * The brk heap (glibc's main arena: the analysis thread's tables, index
 * and report) gets the same advice as it grows. main() makes it grow
 * 64 MiB at a time, so most of each step is still untouched when the
 * next block from here notices it.
 */
static void advise_heap(void)
{
#if defined(MADV_HUGEPAGE) && defined(__GLIBC__)
	uintptr_t top = (uintptr_t)sbrk(0), lo;
	long page = sysconf(_SC_PAGESIZE);

	if (!heap_seen || top <= heap_seen || page <= 0)
		return;
	lo = heap_seen & ~(uintptr_t)(page - 1);
	madvise((void *)lo, (size_t)(top - lo), MADV_HUGEPAGE);
	heap_seen = top;
#endif
}

void keepmem_heap(void)
{
#if defined(MADV_HUGEPAGE) && defined(__GLIBC__) && !defined(KEEPMEM_MALLOC)
	pthread_mutex_lock(&mu);
	heap_seen = (uintptr_t)sbrk(0);
	pthread_mutex_unlock(&mu);
#endif
}

void *keepmem_alloc(size_t n)
{
#ifdef KEEPMEM_MALLOC
	return xmalloc(n);
#else
	size_t r = round_up(n), c = r / STEP;
	void *p;

	if (n > KEEPMEM_MAX)
		return xmalloc(n);
	pthread_mutex_lock(&mu);
	advise_heap();
	if (free_list[c]) {
		p = free_list[c];
		free_list[c] = free_list[c]->next;
	} else {
		if (left < r) {
			struct chunk *ch;

			/* The rest of the old chunk, as blocks of its size. */
			if (left >= STEP) {
				struct freeblk *f = (struct freeblk *)bump;

				f->next = free_list[left / STEP];
				free_list[left / STEP] = f;
			}
			ch = new_chunk();
			ch->next = chunks;
			chunks = ch;
			nchunks++;
			bump = (char *)(ch + 1);
			left = CHUNK - sizeof(*ch);
		}
		p = bump;
		bump += r;
		left -= r;
	}
	pthread_mutex_unlock(&mu);
	return p;
#endif
}

void keepmem_free(void *p, size_t n)
{
#ifdef KEEPMEM_MALLOC
	(void)n;
	free(p);
#else
	struct freeblk *f = p;
	size_t c = round_up(n) / STEP;

	if (!p)
		return;
	if (n > KEEPMEM_MAX) {
		free(p);
		return;
	}
	pthread_mutex_lock(&mu);
	f->next = free_list[c];
	free_list[c] = f;
	pthread_mutex_unlock(&mu);
#endif
}

void keepmem_release(void)
{
#ifndef KEEPMEM_MALLOC
	size_t c;

	pthread_mutex_lock(&mu);
	while (chunks) {
		struct chunk *next = chunks->next;

		munmap(chunks, CHUNK);
		chunks = next;
	}
	nchunks = 0;
	bump = NULL;
	left = 0;
	for (c = 0; c < NCLASS; c++)
		free_list[c] = NULL;
	pthread_mutex_unlock(&mu);
#endif
}

size_t keepmem_chunks(void)
{
	size_t n;

	pthread_mutex_lock(&mu);
	n = nchunks;
	pthread_mutex_unlock(&mu);
	return n;
}
