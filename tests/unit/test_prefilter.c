/*
 * The literal prefilter: which literals a regex needs, and block scans
 * (a whole buffer of lines at once, on Hyperscan or the automaton) giving
 * each line exactly the literals a scan of that line alone gives.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "match.h"
#include "prefilter.h"
#include "rules.h"

static void test_literal_choice(void **state)
{
	char *lits[8];
	size_t n;

	(void)state;
	/* A literal run beats a group of many alternatives after it. */
	n = regex_literals("^.*?too many (?<limit>certificates|failed "
			   "authorizations|new orders|registrations)\\b", lits,
			   8, 3);
	assert_int_equal(n, 1);
	assert_string_equal(lits[0], "too many ");
	free(lits[0]);
	/* One literal per top-level alternative, lower-cased. */
	n = regex_literals("invalid(?:Email|Contact)|Forbidden domain", lits,
			   8, 3);
	assert_int_equal(n, 2);
	assert_string_equal(lits[0], "invalid");
	assert_string_equal(lits[1], "forbidden domain");
	free(lits[0]);
	free(lits[1]);
	/* No literal in one alternative: none at all. */
	n = regex_literals("abcdef|\\d{3}", lits, 8, 3);
	assert_int_equal(n, 0);
	/*
	 * The digits, letters and braces of an escape are not text: \x27 is
	 * a quote, not "27" (a line "a'bcd" matches, and has no "27bcd").
	 */
	static const char *const escapes[][2] = {
		{ "a\\x27bcd", "bcd" },
		{ "abc\\x{41}defg", "defg" },
		{ "\\k<name>abcd", "abcd" },
		{ "x\\pLabcd", "abcd" },
		{ "x\\p{Greek}abcd", "abcd" },
		{ "q\\cJabcde", "abcde" },
		{ "(z)\\g{-1}abcd", "abcd" },
		{ "(z)\\1abcd", "abcd" },
		{ "\\o{101}abcd", "abcd" },
	};
	size_t i;

	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		n = regex_literals(escapes[i][0], lits, 8, 3);
		assert_int_equal(n, 1);
		assert_string_equal(lits[0], escapes[i][1]);
		free(lits[0]);
	}
}

/* Literals of the default pack, at every place of a line. */
static const char *const pieces[] = {
	"propagation check failed", "wrong status code", "Error", "ERROR",
	"error", "too many ", "urn:ietf:params:acme:error:rateLimited",
	"x", "no such host", "connection refused", "", "    ",
	"Certificate must be re-issued", "Secret was issued for",
	"failed calling webhook", "err", "rror", "\t",
};

/* A deterministic line built from pieces (a tiny LCG, no libc rand). */
static void make_line(struct buf *b, unsigned *seed)
{
	size_t k, n;

	*seed = *seed * 1103515245u + 12345u;
	n = (*seed >> 16) % 6;
	for (k = 0; k < n; k++) {
		*seed = *seed * 1103515245u + 12345u;
		buf_adds(b, pieces[(*seed >> 16) % ARRAY_SIZE(pieces)]);
		if ((*seed >> 8) & 1)
			buf_addc(b, ' ');
	}
}

/*
 * Every rule the prefilter passes on a line with literals is listed under
 * one of those literals, or has no literal at all (the matcher gathers its
 * candidates that way).
 */
static void check_literal_index(const struct prefilter *pf, size_t nrules,
				const uint64_t *found)
{
	uint64_t *zero = calloc(prefilter_words(pf), sizeof(*zero));
	size_t r, t, w, k;

	for (t = 0; t < 2; t++) {
		enum target tg = t ? TARGET_LOG : TARGET_TEXT;

		for (r = 0; r < nrules; r++) {
			int listed = 0;

			if (!prefilter_candidate(pf, r, tg, found))
				continue;
			if (prefilter_candidate(pf, r, tg, zero))
				continue;	/* a candidate on every line */
			for (w = 0; w < prefilter_words(pf) && !listed; w++)
				for (k = 0; k < 64 && !listed; k++) {
					size_t n, j;
					const uint32_t *v;

					if (!((found[w] >> k) & 1))
						continue;
					v = prefilter_literal_rules(pf,
						(uint32_t)(w * 64 + k), tg, &n);
					for (j = 0; j < n; j++)
						listed |= v[j] == r;
				}
			assert_true(listed);
		}
	}
	free(zero);
}

static void check_blocks_match_lines(const struct prefilter *pf,
				     size_t nrules, size_t nlines)
{
	struct buf text = BUF_INIT;
	struct pf_block blk;
	size_t words = prefilter_words(pf), i;
	uint64_t *a = calloc(words, sizeof(*a));
	uint64_t *b = calloc(words, sizeof(*b));
	size_t *starts = calloc(nlines + 1, sizeof(*starts));
	unsigned seed = 7;
	size_t hits = 0;
	int prev = 0;

	for (i = 0; i < nlines; i++) {
		starts[i] = text.len;
		make_line(&text, &seed);
		if (i % 3 == 0)
			buf_addc(&text, '\r');	/* CRLF: the CR is not in the line */
		buf_addc(&text, '\n');
	}
	starts[nlines] = text.len;
	prefilter_block_init(pf, &blk);
	prefilter_block_scan(pf, &blk, text.p, text.len, 1);
	for (i = 0; i < nlines; i++) {
		const char *p = text.p + starts[i];
		size_t n = starts[i + 1] - starts[i] - 1;
		int any, none;

		if (n && p[n - 1] == '\r')
			n--;
		assert_true(prefilter_block_covers(&blk, p, n, 1));
		assert_false(prefilter_block_covers(&blk, p, n, 2));
		/*
		 * As the matcher asks: found is cleared only after a line
		 * that had literals (it holds no bit otherwise).
		 */
		none = prefilter_block_none(&blk, p, n);
		any = prefilter_block_line(pf, &blk, p, n, a, prev);
		/* Lines asked in order: "none" is exact. */
		assert_int_equal(none, !any);
		prev = any;
		prefilter_scan(pf, p, n, b);
		assert_memory_equal(a, b, words * sizeof(*a));
		assert_int_equal(any, prefilter_any(pf, b));
		hits += any;
		check_literal_index(pf, nrules, a);
	}
	assert_true(hits > nlines / 4);	/* the lines did hold literals */
	assert_true(hits < nlines);
	prefilter_block_free(&blk);
	buf_free(&text);
	free(a);
	free(b);
	free(starts);
}

static void test_block_scan(void **state)
{
	struct ruleset rs;
	struct prefilter *pf;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_embedded(&rs), 0);
	pf = prefilter_build(&rs);
	assert_true(prefilter_literals(pf) > 20);
#ifdef HAVE_HYPERSCAN
	assert_non_null(strstr(prefilter_engine(pf), "hyperscan"));
#else
	assert_string_equal(prefilter_engine(pf), "aho-corasick");
#endif
	check_blocks_match_lines(pf, rs.n, 5000);
	prefilter_free(pf);
	/* The automaton does the block scans when Hyperscan is off. */
	setenv("KTRIAGE_NO_HYPERSCAN", "1", 1);
	pf = prefilter_build(&rs);
	assert_string_equal(prefilter_engine(pf), "aho-corasick");
	check_blocks_match_lines(pf, rs.n, 5000);
	prefilter_free(pf);
	unsetenv("KTRIAGE_NO_HYPERSCAN");
	ruleset_free(&rs);
}

/*
 * A block with more literal hits than a block may hold: its lines scan
 * themselves, with the same result.
 */
static void test_block_full(void **state)
{
	struct ruleset rs;
	struct prefilter *pf;
	struct pf_block blk;
	struct buf text = BUF_INIT;
	uint64_t *a, *b;
	size_t i, words;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_embedded(&rs), 0);
	pf = prefilter_build(&rs);
	words = prefilter_words(pf);
	a = calloc(words, sizeof(*a));
	b = calloc(words, sizeof(*b));
	for (i = 0; i < 300000; i++)
		buf_adds(&text, "wrong status code ");	/* 18 bytes */
	buf_adds(&text, "\npropagation check failed\n");
	prefilter_block_init(pf, &blk);
	prefilter_block_scan(pf, &blk, text.p, text.len, 1);
	assert_true(blk.full);
	assert_true(prefilter_block_line(pf, &blk, text.p, 5400000, a, 1));
	prefilter_scan(pf, text.p, 5400000, b);
	assert_memory_equal(a, b, words * sizeof(*a));
	assert_true(prefilter_block_line(pf, &blk, text.p + 5400001, 24, a, 1));
	prefilter_scan(pf, text.p + 5400001, 24, b);
	assert_memory_equal(a, b, words * sizeof(*a));
	prefilter_block_free(&blk);
	prefilter_free(pf);
	ruleset_free(&rs);
	buf_free(&text);
	free(a);
	free(b);
}

/*
 * The matcher over a reader's buffer: lines without a literal skip the
 * rules (and their records stay unparsed), lines with one are matched.
 */
static void test_matcher_window(void **state)
{
	struct ruleset rs;
	struct findings fs;
	struct matcher m;
	struct pf_block blk;
	static const char text[] =
		"I0101 00:00:00.000000 1 x.go:1] \"nothing here\"\n"
		"E0101 00:00:01.000000 1 x.go:1] \"propagation check failed\" "
		"err=\"wrong status code '404', expected '200'\"\n"
		"I0101 00:00:02.000000 1 x.go:1] \"nothing here either\"\n";
	const char *l1 = text, *l2 = strchr(l1, '\n') + 1;
	const char *l3 = strchr(l2, '\n') + 1;
	const char *end = text + sizeof(text) - 1;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(ruleset_load_embedded(&rs), 0);
	findings_init(&fs);
	match_init(&m, &rs, &fs);
	prefilter_block_init(m.pf, &blk);
	prefilter_block_scan(m.pf, &blk, text, (size_t)(end - text), 3);
	match_block(&m, &blk);
	assert_false(match_line_scan(&m, "f", 1, slice_make(l1, (size_t)(
						   l2 - l1 - 1))));
	assert_true(match_record_idle(&m, "f", 1));
	assert_false(match_record_idle(&m, "g", 1));
	assert_true(match_line_scan(&m, "f", 2, slice_make(l2, (size_t)(
						  l3 - l2 - 1))));
	assert_false(match_record_idle(&m, "f", 2));
	assert_false(match_line_scan(&m, "f", 3, slice_make(l3, (size_t)(
						   end - l3 - 1))));
	/* Lines before the block's cursor scan themselves. */
	assert_true(match_line_scan(&m, "f", 2, slice_make(l2, (size_t)(
						  l3 - l2 - 1))));
	match_block(&m, NULL);
	assert_true(match_line_scan(&m, "f", 2, slice_make(l2, (size_t)(
						  l3 - l2 - 1))));
	assert_false(match_line_scan(&m, "f", 1, slice_make(l1, (size_t)(
						   l2 - l1 - 1))));
	prefilter_block_free(&blk);
	match_free(&m);
	findings_free(&fs);
	ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_choice),
		cmocka_unit_test(test_block_scan),
		cmocka_unit_test(test_block_full),
		cmocka_unit_test(test_matcher_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
