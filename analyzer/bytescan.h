/*
 * Finding the next byte of a small set, sixteen bytes at a time where
 * SSE2 is there (every x86-64), a byte at a time elsewhere. The JSON
 * scanners spend most of their time between quotes and brackets: in
 * indentation, keys and values that need no look.
 */
#ifndef KTRIAGE_BYTESCAN_H
#define KTRIAGE_BYTESCAN_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The sets, as bits: which bytes stop a scan. */
#define BS_QUOTE 1	/* '"' */
#define BS_BSLASH 2	/* '\\' */
#define BS_BRACKET 4	/* '{' '}' '[' ']' */
#define BS_COMMA 8	/* ',' */
#define BS_RSQB 16	/* ']' */
#define BS_SPACE 32	/* ' ' */

static inline int bytescan_in(unsigned char c, unsigned set)
{
	return ((set & BS_QUOTE) && c == '"') ||
	       ((set & BS_BSLASH) && c == '\\') ||
	       ((set & BS_BRACKET) && ((c | 0x20) == '{' ||
				       (c | 0x20) == '}')) ||
	       ((set & BS_COMMA) && c == ',') ||
	       ((set & BS_RSQB) && c == ']') ||
	       ((set & BS_SPACE) && c == ' ');
}

/*
 * The first index at or after i whose byte is in set, or n. set is a
 * constant at every call, so the tests the set does not name fold away.
 */
static inline size_t bytescan(const char *s, size_t i, size_t n,
			      unsigned set)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i lo = _mm_set1_epi8(0x20), open = _mm_set1_epi8('{');
	const __m128i close = _mm_set1_epi8('}'), comma = _mm_set1_epi8(',');
	const __m128i rsqb = _mm_set1_epi8(']'), space = _mm_set1_epi8(' ');

	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i));
		__m128i m = _mm_setzero_si128();
		unsigned bits;

		if (set & BS_QUOTE)
			m = _mm_or_si128(m, _mm_cmpeq_epi8(v, quote));
		if (set & BS_BSLASH)
			m = _mm_or_si128(m, _mm_cmpeq_epi8(v, bslash));
		if (set & BS_BRACKET) {
			/* '[' and ']' are '{' and '}' without 0x20. */
			__m128i x = _mm_or_si128(v, lo);

			m = _mm_or_si128(m, _mm_cmpeq_epi8(x, open));
			m = _mm_or_si128(m, _mm_cmpeq_epi8(x, close));
		}
		if (set & BS_COMMA)
			m = _mm_or_si128(m, _mm_cmpeq_epi8(v, comma));
		if (set & BS_RSQB)
			m = _mm_or_si128(m, _mm_cmpeq_epi8(v, rsqb));
		if (set & BS_SPACE)
			m = _mm_or_si128(m, _mm_cmpeq_epi8(v, space));
		bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
		i += 16;
	}
#endif
	while (i < n && !bytescan_in((unsigned char)s[i], set))
		i++;
	return i;
}

/*
 * Bit j of each mask tells whether s[j] (j < 16) is a quote, a backslash,
 * or a bracket: the sixteen bytes from s read at once.
 */
static inline void bytescan_masks(const char *s, unsigned *quote,
				  unsigned *bslash, unsigned *bracket)
{
#if defined(__SSE2__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i x = _mm_or_si128(v, _mm_set1_epi8(0x20));

	*quote = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
						_mm_set1_epi8('"')));
	*bslash = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
						_mm_set1_epi8('\\')));
	*bracket = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		_mm_cmpeq_epi8(x, _mm_set1_epi8('{')),
		_mm_cmpeq_epi8(x, _mm_set1_epi8('}'))));
#else
	unsigned j;

	*quote = *bslash = *bracket = 0;
	for (j = 0; j < 16; j++) {
		unsigned char c = (unsigned char)s[j];

		*quote |= (unsigned)(c == '"') << j;
		*bslash |= (unsigned)(c == '\\') << j;
		*bracket |= (unsigned)bytescan_in(c, BS_BRACKET) << j;
	}
#endif
}

/* Bit j set when bits 0..j of m hold an odd number of ones. */
static inline unsigned bytescan_prefix_xor(unsigned m)
{
	m ^= m << 1;
	m ^= m << 2;
	m ^= m << 4;
	m ^= m << 8;
	return m;
}

/*
 * The first place of the four bytes lit in s[0..n), or NULL: sixteen
 * places tested at once for lit's first and last byte, the middle two
 * compared only there.
 */
static inline const char *bytescan_find4(const char *s, size_t n,
					 const char *lit)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i first = _mm_set1_epi8(lit[0]);
	const __m128i last = _mm_set1_epi8(lit[3]);

	while (n >= 19 && i <= n - 19) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i + 3));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));

		for (; m; m &= m - 1) {
			size_t j = i + (size_t)__builtin_ctz(m);

			if (s[j + 1] == lit[1] && s[j + 2] == lit[2])
				return s + j;
		}
		i += 16;
	}
#endif
	for (; n >= 4 && i <= n - 4; i++)
		if (s[i] == lit[0] && s[i + 1] == lit[1] &&
		    s[i + 2] == lit[2] && s[i + 3] == lit[3])
			return s + i;
	return NULL;
}

#endif
