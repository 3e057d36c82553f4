/*
 * Rule conditions: the `match:` clauses of the rule language. A clause
 * names a target (text lines, log records, events, object conditions,
 * objects) and a condition tree over that target's fields: literal
 * equality, PCRE2 regexes with named captures, comparisons of numbers and
 * durations, presence and absence, and all/any/not. Conditions are built
 * by the rule loader and owned by their rule (cond_free()); subjects are
 * borrowed views of parsed input, valid during one evaluation.
 */
#ifndef KTRIAGE_COND_H
#define KTRIAGE_COND_H

#include <stdint.h>

#include "buf.h"
#include "logrec.h"
#include "object.h"
#include "rules.h"

struct graph;

enum target {
	TARGET_TEXT,
	TARGET_LOG,
	TARGET_EVENT,
	TARGET_CONDITION,
	TARGET_OBJECT,
};

#define TARGET_COUNT 5

const char *target_name(enum target t);

enum cond_op {
	COND_ALL,
	COND_ANY,
	COND_NOT,
	COND_FIELD,
	COND_RELATED,	/* field names a relation; kids[0] holds on it */
};

enum cmp_op {
	CMP_EQ,
	CMP_IN,
	CMP_REGEX,
	CMP_CONTAINS,
	CMP_GT,
	CMP_GTE,
	CMP_LT,
	CMP_LTE,
	CMP_PRESENT,
	CMP_ABSENT,
	CMP_WITHIN,	/* a time at most num seconds after now (or past) */
	CMP_PAST,	/* a time before now */
	CMP_OLDER,	/* a time at least num seconds before now */
	CMP_NEWER,	/* a time less than num seconds before now */
};

struct cond {
	enum cond_op op;
	struct cond **kids;
	size_t nkids;
	/* COND_FIELD */
	char *field;
	enum cmp_op cmp;
	char **strs;		/* CMP_EQ (one), CMP_IN, CMP_CONTAINS (one) */
	size_t nstrs;
	int nocase;		/* equality ignoring ASCII case */
	double num;		/* CMP_GT.. : a number, or seconds for durations */
	struct pattern re;	/* CMP_REGEX */
	struct rule_loc loc;
	/*
	 * What the field names on an object, worked out at first use by
	 * whichever thread gets there (the same answer either way): [0]
	 * for the field as written, [1] for what follows its "object."
	 * prefix (event and condition clauses). 0 until known.
	 */
	_Atomic int fclass[2];
};

/* One `match:` clause: a target and the condition over it. */
struct clause {
	enum target target;
	struct cond *where;	/* NULL: every subject of the target */
	struct rule_loc loc;
};

void cond_free(struct cond *c);

/* Decoded values of the current log record, computed once per record. */
struct logcache {
	struct buf msg, err, logger;
	int has_msg, has_err, has_logger;
};

/*
 * What one subject's evaluation has already worked out (the subject stays
 * put meanwhile): regexes found not to match a value (by the value's
 * pointer and length), and the nodes an object path leads to. Rules that
 * share a regex or a path then pay for it once.
 */
#define PATTERN_MEMO 32
#define PATH_MEMO 16
#define PATH_MEMO_NODES 8
struct subject_memo {
	struct {
		const void *re;
		const char *p;
		size_t n;
	} v[PATTERN_MEMO];
	unsigned n, next;
	struct {
		const void *obj;
		const char *field;
		const struct fnode *nodes[PATH_MEMO_NODES];
		unsigned nnodes;
	} path[PATH_MEMO];
	unsigned npath;
};

/* What a condition is evaluated against. Set the members of the target. */
struct subject {
	enum target target;
	struct slice line;		/* TARGET_TEXT */
	const char *source;
	const struct logrec *rec;	/* TARGET_LOG */
	const struct kevent *ev;	/* TARGET_EVENT */
	const struct kobject *obj;	/* CONDITION, OBJECT, EVENT (owner) */
	const struct kcondition *kc;	/* TARGET_CONDITION */
	int64_t now_ms;			/* the bundle's time; INT64_MIN unknown */
	int bundle_year;
	const struct graph *graph;	/* for `related:`; may be NULL */
	int node;			/* the object's node, or -1 */
	struct logcache *lc;		/* TARGET_LOG; may be NULL */
	struct subject_memo *memo;	/* may be NULL */
};

/* Named values captured by regexes on the path that made a match true. */
#define COND_MAX_CAPS 32
struct cond_caps {
	struct {
		const char *name;	/* borrowed from the compiled pattern */
		char *value;		/* owned */
	} v[COND_MAX_CAPS];
	size_t n;
	/* "field: value" of the first test that made a match true (owned). */
	char *witness;
};

void cond_caps_clear(struct cond_caps *c);

/*
 * Evaluate c against s. Returns 1 (true), 0 (false); a regex that hits
 * the PCRE2 limits counts as no match and increments *limit_hits. On
 * true, captures of the regexes that made it true are added to caps.
 */
int cond_eval(const struct ruleset *rs, const struct cond *c,
	      const struct subject *s, pcre2_match_data *md,
	      struct cond_caps *caps, unsigned long *limit_hits);

/* Whether name is a relation `related:` knows (issuer, ingress, ...). */
int cond_relation_known(const char *name);

/*
 * Whether field is a known field of the target (for lint). Paths into
 * objects (spec.x, status.y, metadata.annotations[k]) are always known.
 */
int cond_field_known(enum target t, const char *field);

/*
 * Parse a duration ("90s", "15m", "1h30m", "2d") or a plain number into
 * *out (seconds for durations). Returns 0, or -1 when it is neither.
 */
int cond_parse_number(const char *s, double *out);



/*
 * Whether rule r fires on subject s: for text lines its `patterns` and
 * text clauses, for other targets the clauses of that target. Captures of
 * the regexes that made it fire are added to caps.
 */
int rule_eval(const struct ruleset *rs, const struct rule *r,
	      const struct subject *s, pcre2_match_data *md,
	      struct cond_caps *caps, unsigned long *limit_hits);
#endif
