/*
 * The literal prefilter in front of PCRE2. Each rule's regexes are read
 * for the literal text any match must contain (one literal per
 * alternative: `invalid(?:Email|Contact)` needs "invalid"); one
 * Aho-Corasick automaton over all those literals, case-folded, scans each
 * line once, and only rules whose literals occur in the line run their
 * regexes. A rule without such literals always runs (rules lint warns).
 * The prefilter owns its automaton; the rules it was built from must
 * outlive it.
 */
#ifndef KTRIAGE_PREFILTER_H
#define KTRIAGE_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "cond.h"
#include "rules.h"

struct prefilter;

/* Build from a loaded ruleset; never fails (a rule may end up "all"). */
struct prefilter *prefilter_build(const struct ruleset *rs);
void prefilter_free(struct prefilter *pf);

/* Words of the found-literal bitmap to pass to the calls below. */
size_t prefilter_words(const struct prefilter *pf);

/* Scan p[0..n) and set the bit of every literal found in it. */
void prefilter_scan(const struct prefilter *pf, const char *p, size_t n,
		    uint64_t *found);

/*
 * Whether rule i may fire on a subject of target t whose raw text gave
 * the bitmap found. Targets other than text and log always pass.
 */
int prefilter_candidate(const struct prefilter *pf, size_t rule,
			enum target t, const uint64_t *found);

/*
 * Block scanning: one pass over many lines at once (a reader's buffer),
 * remembering where each literal ends; the lines of the block then take
 * their literals from it in order. With the Hyperscan API (Vectorscan or
 * Hyperscan, built with HAVE_HYPERSCAN) the block pass runs on its SIMD
 * literal matcher, otherwise on the Aho-Corasick automaton.
 */
struct pf_hit {
	uint32_t end;		/* offset just past the literal in the block */
	uint32_t id;		/* literal */
};

struct pf_block {
	const char *base;	/* the block scanned last */
	size_t n;
	unsigned long gen;	/* the reader's buffer generation it is from */
	struct pf_hit *hits;	/* in order of end */
	size_t nhits, cap;
	size_t next;		/* first hit not yet handed to a line */
	void *scratch;		/* the engine's per-scanner space */
	int full;		/* hits were dropped: lines scan themselves */
};

void prefilter_block_init(const struct prefilter *pf, struct pf_block *b);
void prefilter_block_free(struct pf_block *b);

/* Scan p[0..n) (whole lines) as a block; gen is the caller's tag. */
void prefilter_block_scan(const struct prefilter *pf, struct pf_block *b,
			  const char *p, size_t n, unsigned long gen);

/*
 * Whether the line p[0..n) lies inside the block last scanned with tag
 * gen (and after the lines already asked for).
 */
static inline int prefilter_block_covers(const struct pf_block *b,
					 const char *p, size_t n,
					 unsigned long gen)
{
	uintptr_t lo = (uintptr_t)b->base, x = (uintptr_t)p;

	return b->base && b->gen == gen && x >= lo && x + n <= lo + b->n;
}

/*
 * Whether the line p[0..n), which the block covers, certainly has no
 * literal: it is asked for after the lines before it, and the next hit
 * ends past it. The test prefilter_block_line() makes first, inline:
 * most lines of a log or a dump have no literal.
 */
static inline int prefilter_block_none(const struct pf_block *b,
				       const char *p, size_t n)
{
	size_t lo = (size_t)(p - b->base);

	return !b->full && (!b->next || b->hits[b->next - 1].end <= lo) &&
	       (b->next >= b->nhits || b->hits[b->next].end > lo + n);
}

/*
 * Set found to the literals of the line p[0..n), which the block covers;
 * lines asked for in order cost least. Returns whether any literal is there.
 * clear 0 says found holds no bit already (it is not cleared again).
 */
int prefilter_block_line(const struct prefilter *pf, struct pf_block *b,
			 const char *p, size_t n, uint64_t *found, int clear);

/* Whether any bit of found is set. */
int prefilter_any(const struct prefilter *pf, const uint64_t *found);

/* The engine the block scans run on: "hyperscan-api 5.4.9", "aho-corasick". */
const char *prefilter_engine(const struct prefilter *pf);

/* The engine block scans use in this build (absent a compile failure). */
const char *prefilter_backend(void);

/*
 * The rules (in order) whose filter for target t (text or log) names
 * literal lit: a line without lit cannot make them candidates through it.
 */
const uint32_t *prefilter_literal_rules(const struct prefilter *pf,
					uint32_t lit, enum target t,
					size_t *n);

/* Whether rule i has a literal for target t (for lint). */
int prefilter_has_literal(const struct prefilter *pf, size_t rule,
			  enum target t);

/* How many distinct literals the automaton holds. */
size_t prefilter_literals(const struct prefilter *pf);

/*
 * The literals a regex needs: one per top-level alternative, each at
 * least min bytes, lower-cased. Returns how many were stored in out (the
 * caller frees each), or 0 when some alternative has none.
 */
size_t regex_literals(const char *src, char **out, size_t max, size_t min);

#endif
