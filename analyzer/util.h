/*
 * Small helpers every module uses: allocation that aborts on failure,
 * borrowed byte slices, and a few string utilities. Nothing here keeps
 * state. Memory from x*alloc() belongs to the caller and is released with
 * free().
 */
#ifndef KTRIAGE_UTIL_H
#define KTRIAGE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A borrowed run of bytes; never assumed to be NUL-terminated or NUL-free. */
struct slice {
	const char *p;
	size_t n;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that never returns NULL: on failure it prints and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * The double strtod() gives for s[0..n) when it is a plain decimal
 * (digits, at most one '.', at most 16 digits, below 2^53 without the
 * point): 1 and *out set, without strtod()'s multi-precision path.
 * 0 for anything else (signs, exponents, more digits): ask strtod().
 */
int decimal_to_double(const char *s, size_t n, double *out);

/*
 * Strings that live as long as their owner, one after another in blocks
 * of 64 KB: for the keys of big indexes, where a malloc each would cost
 * more than the keys. Zero-initialize; strblocks_free() frees them all.
 */
struct strblock;
struct strblocks {
	struct strblock *head;
};
const char *strblocks_dup(struct strblocks *sb, const char *s, size_t n);
void strblocks_free(struct strblocks *sb);

/* Grow *arr (of *cap elements of size elem) so that it holds at least need. */
void *xgrow(void *arr, size_t *cap, size_t need, size_t elem);

static inline struct slice slice_make(const char *p, size_t n)
{
	struct slice s = { p, n };
	return s;
}

struct slice slice_cstr(const char *s);
/*
 * Inline: both are asked of every line in places, mostly with a literal,
 * whose length the compiler then knows.
 */
static inline int slice_eq(struct slice a, const char *s)
{
	size_t n = strlen(s);

	return a.n == n && memcmp(a.p, s, n) == 0;
}

/* The value of a hexadecimal digit, or -1. */
int hex_digit(char c);

/* The value of the n (at most 8) hexadecimal digits at p, or -1. */
long long hex_value(const char *p, size_t n);
static inline int slice_starts(struct slice a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.n >= n && memcmp(a.p, prefix, n) == 0;
}
struct slice slice_trim(struct slice s);

/* True when name ends with suffix (byte comparison). */
int str_ends(const char *name, const char *suffix);

/* CLOCK_MONOTONIC in seconds: for --timeout and progress. */
double monotonic_seconds(void);

#endif
