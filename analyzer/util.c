/*
 * Allocation wrappers and slice helpers shared by every stage of the
 * pipeline. Allocation failure is the one condition where a module may
 * stop the program: there is nothing sensible left to do.
 */
#include "util.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void oom(size_t n)
{
	fprintf(stderr, "ktriage: error: out of memory allocating %zu bytes\n",
		n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	if (n)	/* s may be NULL for an empty slice */
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int decimal_to_double(const char *s, size_t n, double *out)
{
	/* Powers of ten a double holds exactly. */
	static const double p10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
	};
	uint64_t m = 0;
	size_t i, digits = 0, frac = 0;
	int dot = 0;

	if (FLT_EVAL_METHOD != 0)
		return 0;	/* wider intermediates could round twice */
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > 16)
			return 0;
		m = m * 10 + (uint64_t)(s[i] - '0');
		frac += (size_t)dot;
	}
	if (!digits || m > ((uint64_t)1 << 53))
		return 0;
	/*
	 * Both exact, and IEEE division rounds correctly: the same double
	 * as strtod()'s correctly rounded result.
	 */
	*out = (double)m / p10[frac];
	return 1;
}

struct strblock {
	struct strblock *next;
	size_t used, cap;
	char s[];
};

#define STRBLOCK_SIZE ((size_t)64 << 10)

const char *strblocks_dup(struct strblocks *sb, const char *s, size_t n)
{
	struct strblock *b = sb->head;
	char *p;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > STRBLOCK_SIZE ? n + 1 : STRBLOCK_SIZE;

		b = xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		b->next = sb->head;
		sb->head = b;
	}
	p = b->s + b->used;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

void strblocks_free(struct strblocks *sb)
{
	while (sb->head) {
		struct strblock *b = sb->head;

		sb->head = b->next;
		free(b);
	}
}

void *xgrow(void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;

	if (need <= c)
		return arr;
	if (c < 8)
		c = 8;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			oom(SIZE_MAX);
		c *= 2;
	}
	*cap = c;
	return xrealloc(arr, c * elem);
}

struct slice slice_cstr(const char *s)
{
	return slice_make(s, strlen(s));
}


struct slice slice_trim(struct slice s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' ||
		       s.p[0] == '\n')) {
		s.p++;
		s.n--;
	}
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' ||
		       s.p[s.n - 1] == '\r' || s.p[s.n - 1] == '\n'))
		s.n--;
	return s;
}

int str_ends(const char *name, const char *suffix)
{
	size_t a = strlen(name), b = strlen(suffix);

	return a >= b && memcmp(name + a - b, suffix, b) == 0;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long long hex_value(const char *p, size_t n)
{
	long long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
