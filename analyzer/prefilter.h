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
