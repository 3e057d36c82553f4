/*
 * The match stage: runs every rule over a line of text and records hits in
 * a findings set, attributing each hit to the Kubernetes object it is
 * about (from the rule's named captures, the line's own keys such as
 * resource_name=, or the object the caller says the line belongs to).
 * The matcher borrows the ruleset and the findings; match_free() releases
 * only its own scratch space.
 */
#ifndef KTRIAGE_MATCH_H
#define KTRIAGE_MATCH_H

#include "cond.h"
#include "findings.h"
#include "hmap.h"
#include "logrec.h"
#include "object.h"
#include "prefilter.h"
#include "input.h"
#include "rules.h"

/* A text hit held back until the object its line belongs to is known. */
struct pending_hit {
	const struct rule *rule;
	const char *source;	/* borrowed: outlives the entry */
	unsigned long line;
	char *text;
	struct when w;
	int has_w;
	size_t ncaps;
	const char *cap_names[8];
	char *cap_values[8];
};

#define MATCH_MAX_PENDING 4096

/* Rule indices, in increasing order. */
struct rule_list {
	size_t *v;
	size_t n, cap;
};

struct matcher {
	const struct ruleset *rs;
	struct findings *fs;
	pcre2_match_data *md;
	unsigned long limit_hits;	/* matches PCRE2 gave up on */
	/*
	 * In YAML, JSON and table output a line's object is known only when
	 * the parser completes it: hits without an object wait here.
	 */
	int defer;
	const struct graph *graph;	/* for `related:` conditions */
	const struct prefilter *pf;	/* the ruleset's (ruleset_prefilter) */
	uint64_t *found;		/* literals found in the current text */
	int found_any;			/* some bit of found is set */
	struct pf_block *blk;		/* see match_block() */
	size_t *always[2];		/* text, log rules without literals */
	size_t nalways[2];
	uint64_t *mark;			/* a bit per rule: candidates */
	size_t *cand;			/* this line's candidates, in order */
	size_t ncand;
	/*
	 * For object (0) and condition (1) subjects: the rules that name
	 * each kind in a top-level kind: condition (struct rule_list by
	 * kind, keys borrowed from the rules) and the rules that name
	 * none, in rule order.
	 */
	struct hmap bykind[2];
	struct rule_list anykind[2];
	unsigned long found_line;	/* the line found was scanned for */
	const char *found_source;
	struct logcache lc;		/* decoded values of the current record */
	unsigned long prefiltered;	/* rule runs the prefilter saved */
	struct pending_hit *pending;
	size_t npending, cappending;
	struct match_log *log;		/* set: hits are logged (match.c) */
	size_t objects_helped;		/* matched on the parse worker */
};

void match_init(struct matcher *m, const struct ruleset *rs,
		struct findings *fs);
void match_free(struct matcher *m);

/*
 * Match one line. source/lineno locate it; ctx is the object the line is
 * known to belong to (may be NULL); w is when it was written (may be
 * NULL); in receives warnings (limits hit).
 */
void match_line(struct matcher *m, const char *source, unsigned long lineno,
		struct slice line, const struct resource *ctx,
		const struct when *w, struct input *in);

/*
 * The lines given to match_line() from now on lie, in order, in the block
 * b that prefilter_block_scan() scanned (a feed batch, see feed.h): they
 * take their literals from its hits. Lines outside it, or all lines when
 * b is NULL, are scanned alone. b is borrowed.
 */
void match_block(struct matcher *m, struct pf_block *b);

/*
 * The first half of match_line(): find the literals of the line. Returns
 * whether any rule may match it; when not, match_line_rules() may be
 * skipped (and the line's time need not be worked out).
 */
int match_line_scan(struct matcher *m, const char *source,
		    unsigned long lineno, struct slice line);

/* The second half: run the rules over the line just scanned. */
void match_line_rules(struct matcher *m, const char *source,
		      unsigned long lineno, struct slice line,
		      const struct resource *ctx, const struct when *w,
		      struct input *in);

/*
 * Whether the one-line log record on line lineno of source, just scanned
 * by match_line_scan(), can match no log rule: match_record() would find
 * nothing in it.
 */
int match_record_idle(const struct matcher *m, const char *source,
		      unsigned long lineno);

/*
 * Hand the held-back hits on lines from..to (inclusive) to the findings,
 * attributed to res (NULL: to their file).
 */
void match_flush(struct matcher *m, const struct resource *res,
		 unsigned long from, unsigned long to);

/* Match the log-record rules against one record. */
void match_record(struct matcher *m, const struct logrec *r,
		  struct input *in);

/*
 * Match the object, condition and event rules against one object, with
 * the bundle's time for ages (now_ms INT64_MIN when unknown).
 */
void match_object(struct matcher *m, const struct kobject *o, int64_t now_ms,
		  int bundle_year);

/*
 * match_object() over v[0..n), then after(v[i], ctx) for each. With a
 * parse queue whose worker is free (pq_task()), both threads match
 * objects; the findings, their order and the warnings are the same as
 * with one.
 */
struct pq;
void match_objects(struct matcher *m, struct kobject *const *v, size_t n,
		   int64_t now_ms, int bundle_year, struct pq *helper,
		   void (*after)(const struct kobject *o, void *ctx),
		   void *ctx);

/*
 * Find the value of key in a log line, in any of the shapes cert-manager
 * writes: "key"="v" (klogr), key="v" or key=v (klog text), "key":"v"
 * (JSON). Returns 1 and sets *val (borrowed from line) when found.
 */
int match_line_value(struct slice line, const char *key, struct slice *val);

#endif
