/*
 * One analysis run: the pipeline from command-line paths to ranked
 * findings (source -> detect -> parse -> match -> rank). The analysis owns
 * its inputs and findings; it borrows the ruleset, which must outlive it.
 * analysis_free() releases everything it owns.
 */
#ifndef KTRIAGE_ANALYZE_H
#define KTRIAGE_ANALYZE_H

#include <stddef.h>

#include "chain.h"
#include "feed.h"
#include "findings.h"
#include "hmap.h"
#include "input.h"
#include "match.h"
#include "pqueue.h"
#include "progress.h"
#include "rules.h"
#include "source.h"
#include "store.h"

struct analysis {
	const struct ruleset *rs;
	struct findings findings;
	struct matcher matcher;
	struct input *inputs;
	size_t ninputs, capinputs;
	struct source_limits limits;
	size_t max_line;
	unsigned long lines;		/* lines read over all inputs */
	unsigned long entries_by_type[7];	/* segments per content type */
	struct store store;		/* objects, merged, with events */
	unsigned long objects_read;	/* before merging */
	unsigned long events_read;	/* standalone events (tables) */
	unsigned long records;		/* log records */
	int64_t latest_log_ms;		/* latest absolute log time */
	struct logtime latest_yl;	/* latest klog time without a year */
	int has_latest_yl;
	int64_t now_override;		/* --now, or INT64_MIN */
	double deadline;		/* --timeout: monotonic seconds, 0 none */
	int timed_out;
	const char *revoked_serials;	/* --revoked-serials FILE, or NULL */
	int64_t now_ms;			/* the bundle's time, after finish */
	int bundle_year;		/* its year, 0 when unknown */
	struct progress progress;
	struct graph graph;		/* built by analysis_finish() */
	char **paths;			/* entry paths objects refer to */
	size_t npaths, cappaths;
	/*
	 * Kinds worth keeping: those the chain links and those rules name
	 * (keys borrowed from the rules), see plan_kinds().
	 */
	struct hmap keep_kinds;
	int keep_all_kinds;
	int keep_all_events;
	unsigned long objects_dropped;	/* read, but no rule looks at them */
	/* Limits reached, for the report (see summary_limits()). */
	unsigned long kv_dropped;	/* log pairs past LOGREC_MAX_KV */
	char *kv_where;			/* "file:line" of the first record */
	char *regex_limit_where;	/* first PCRE2 limit hit, if known */
	/* The parse queue (pqueue.h), started with the feed. */
	struct pq pq;
	/* The line feed (feed.h), started at the first entry. */
	int threads;			/* 1 or 2; 0: by the cores there are */
	int feed_on;
	struct feed feed;
};

/* Keep a copy of s for the whole analysis (entry paths). */
const char *analysis_intern(struct analysis *a, const char *s);

void analysis_init(struct analysis *a, const struct ruleset *rs);
void analysis_free(struct analysis *a);

/*
 * Read one top-level path ("-" for stdin) and match everything in it.
 * Returns 0 when the path could be read at all, -1 when not.
 */
int analysis_add_path(struct analysis *a, const char *path);

/*
 * Read bytes already open as a stream (tests, fuzzing) as the input
 * `name`; s stays the caller's. Returns 0.
 */
int analysis_add_stream(struct analysis *a, const char *name,
			struct stream *s);

/* Stop reading input seconds from now (--timeout); 0: no limit. */
void analysis_set_timeout(struct analysis *a, double seconds);

/* Render messages and rank the findings; call once after the last path. */
void analysis_finish(struct analysis *a);

/* Input errors (not warnings) over all inputs. */
unsigned long analysis_input_errors(const struct analysis *a);

#endif
