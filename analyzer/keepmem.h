/*
 * Memory for what a run keeps: the field-node slabs of object trees and
 * the pack blocks of kept objects (object.c), the bulk of a big bundle's
 * memory. It comes in 2 MiB chunks the kernel is asked to back with huge
 * pages (madvise MADV_HUGEPAGE, where transparent huge pages are on
 * "always" or "madvise"). On a VM with shadow paging a first touch of a
 * 4 KiB page costs 15-20 µs: the kept objects of the bench bundle, 17,000
 * such faults, cost more CPU time than reading a gigabyte of logs off
 * the page cache.
 *
 * Blocks are handed out by size class (16-byte steps up to
 * KEEPMEM_MAX bytes; larger ones are malloc()ed) and a freed block goes
 * on its class's list for the next block of that class, so the chunks
 * hold no more than the most that was alive at once, plus rounding.
 * The caller gives the size back when it frees. Thread-safe. Under
 * AddressSanitizer every block is malloc()ed, so misuse is still caught.
 */
#ifndef KTRIAGE_KEEPMEM_H
#define KTRIAGE_KEEPMEM_H

#include <stddef.h>

#define KEEPMEM_MAX (64u * 1024)

/* n bytes, 16-byte aligned; aborts when out of memory, like xmalloc(). */
void *keepmem_alloc(size_t n);
/* A block from keepmem_alloc(n), with the same n; NULL is ignored. */
void keepmem_free(void *p, size_t n);
/*
 * Unmap every chunk, at the end of the program (after every other
 * thread is done, and every block freed or no longer used).
 */
void keepmem_release(void);

/*
 * From now on, advise the brk heap too, from where it ends now: main()
 * calls it first thing. Without it only the chunks are advised.
 */
void keepmem_heap(void);

/* Chunks mapped now (for tests and the bench's notes). */
size_t keepmem_chunks(void);

#endif
