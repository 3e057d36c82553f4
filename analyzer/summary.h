/*
 * What the reports show besides findings: the chain around each finding
 * and what it affects, the per-Certificate summary (what `cmctl status
 * certificate` shows, for every Certificate, offline), the coverage
 * notes that say which families of rules had nothing to look at, and the
 * limits the run reached. These functions only read a finished analysis;
 * the strings they return in buffers belong to the caller.
 */
#ifndef KTRIAGE_SUMMARY_H
#define KTRIAGE_SUMMARY_H

#include <stddef.h>

#include "analyze.h"

#define CHAIN_MAX 16

/* One link of a chain, for the reports. */
struct chain_item {
	const char *kind;
	const char *ns;
	const char *name;
	char status[96];	/* "" when unknown */
	int inferred;		/* known only by name */
};

/*
 * The chain of finding f from the top (a Certificate where known) down to
 * its object, then the object's issuer when there is one. Returns the
 * number of items (0 when f has no object).
 */
size_t summary_chain(const struct analysis *a, const struct finding *f,
		     struct chain_item *out, size_t max);

/*
 * What f's problem holds up: the objects above its object in the chain,
 * and for an Issuer, the Certificates that use it.
 */
size_t summary_affects(const struct analysis *a, const struct finding *f,
		       struct chain_item *out, size_t max);

/* A Certificate of the bundle, with what blocks it. */
struct cert_summary {
	int node;
	const char *ready;	/* "True", "False", "Unknown" or NULL */
	const char *reason;
	const char *message;
	const char *not_after;
	const struct finding *const *blocking;	/* in rank order; in *out */
	size_t nblocking;			/* at most SUMMARY_BLOCKING */
};

#define SUMMARY_BLOCKING 16

/*
 * The Certificates, in namespace/name order; the caller frees *out (one
 * block, the blocking lists with it).
 */
size_t summary_certificates(const struct analysis *a,
			    struct cert_summary **out);

/* The chain below a Certificate: CRs, Orders, Challenges, solvers. */
size_t summary_subtree(const struct analysis *a, int node,
		       struct chain_item *out, int *depth, size_t max);

/* A coverage note: an area of input and what its absence means. */
struct coverage_note {
	const char *area;	/* "challenges", "controller logs", ... */
	unsigned long count;	/* how many were read */
	const char *note;	/* NULL when present; else what was not checked */
};

size_t summary_coverage(const struct analysis *a, struct coverage_note *out,
			size_t max);

/*
 * A limit this run reached (docs/security.md, "Limits"), with what it
 * cost. Strings are static or borrowed from the analysis.
 */
struct limit_note {
	const char *name;	/* "objects", "findings", ... */
	unsigned long limit;	/* its value */
	unsigned long count;	/* items not kept or not analyzed */
	const char *unit;	/* "objects", "pairs", "matches", "hits", ... */
	const char *unit1;	/* the same for one: "object", "pair", ... */
	const char *where;	/* "file:line" of the first, or NULL */
	const char *note;	/* what was lost, one sentence */
};

#define LIMIT_NOTES_MAX 8

/*
 * The limits reached that inputs[].errors does not list (or lists one
 * at a time), in pipeline order: objects (--max-objects), log record
 * pairs (LOGREC_MAX_KV), PCRE2's match and depth limits, findings,
 * captured values. Returns how many (0 when none was reached).
 */
size_t summary_limits(const struct analysis *a, struct limit_note *out,
		      size_t max);

#endif
