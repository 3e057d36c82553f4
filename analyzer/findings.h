/*
 * Findings: what the match stage concluded, aggregated per rule and
 * affected resource (or per file where no resource is known), with a
 * count, a few evidence lines and the distinct values of named captures.
 * The findings set owns every finding and string in it; findings_free()
 * releases them. Rules are borrowed from the ruleset, which must outlive it.
 */
#ifndef KTRIAGE_FINDINGS_H
#define KTRIAGE_FINDINGS_H

#include <stddef.h>

#include "hmap.h"
#include "logrec.h"
#include "rules.h"
#include "util.h"

#define EVIDENCE_MAX 5		/* evidence groups kept per finding */
#define CAPTURE_VALUES_MAX 20	/* distinct values kept per capture name */
#define EVIDENCE_TEXT_MAX 300	/* bytes of a line shown as evidence */

/* A Kubernetes object reference; any part may be NULL when unknown. */
struct resource {
	char *kind;
	char *ns;
	char *name;
};

/*
 * When something was seen: the earliest and latest time in each form the
 * input gave (absolute, klog without a year, age before the bundle's
 * time), resolved together once the bundle's time is known.
 */
struct timespan {
	int has_abs, has_yl, has_age;
	int64_t abs_min, abs_max;
	struct logtime yl_min, yl_max;
	int64_t age_min, age_max;
	int64_t first_ms;	/* after timespan_resolve(); INT64_MIN unknown */
	int64_t last_ms;
	int64_t span_s;		/* -1 unknown */
};

/*
 * An evidence group: lines that differ only in timestamps, numbers, UIDs
 * and tokens are one group, shown once with a count and a time span.
 */
struct evidence {
	char *source;		/* entry path of the first line */
	unsigned long line;
	char *text;		/* the first line, trimmed to EVIDENCE_TEXT_MAX */
	char *last_source;	/* the last line of the group */
	unsigned long last_line;
	unsigned long count;
	uint64_t key;		/* hash of the normalized text */
	struct timespan when;
};

struct capvals {
	char *name;
	char **values;
	size_t n;
	/* Values beyond CAPTURE_VALUES_MAX, once per hit that carried one
	 * (a value seen twice counts twice: it was not kept to compare). */
	unsigned long more;
};

/*
 * When a hit happened, in whichever form the input gave it: an absolute
 * time, a klog time without a year, or an age before the bundle's time.
 */
struct when {
	int has_abs;
	int64_t abs_lo, abs_hi;		/* unix ms */
	int has_yl;
	struct logtime yl;
	int has_age;
	int64_t age_lo, age_hi;		/* seconds before the bundle's time */
	unsigned long weight;		/* occurrences (an event's count); 0 = 1 */
};

struct finding {
	const struct rule *rule;
	struct resource res;
	char *file;		/* set when res is unknown: the entry path */
	unsigned long count;
	struct evidence ev[EVIDENCE_MAX];
	size_t nev;
	unsigned long ev_other;	/* occurrences in groups not kept */
	struct capvals *caps;
	size_t ncaps;
	char *message;		/* rendered by findings_finish() */
	char *remediation;	/* the rule's, with this finding's objects */
	double score;
	unsigned long rank;	/* 1 is first, after ranking */
	/* Times seen; resolved by findings_resolve_times(). */
	struct timespan when;
	int64_t first_seen_ms;	/* copies of when.first_ms etc. */
	int64_t last_seen_ms;
	int64_t span_s;
	int severity;		/* effective: the rule's, or else_severity */
	int suppressed;		/* explained by a finding of another rule */
	const struct finding *suppressor;
	int node;		/* its node in the resource graph, or -1 */
	int resolved;		/* the object is healthy again since */
	double factors[6];	/* the ranking factors, for docs/ranking.md */
	char *key;		/* aggregation key, also the last tie-break */
};

/*
 * Most findings kept when findings.max is 0. Each costs a few KiB and the
 * later stages compare findings pairwise, so a log naming a million
 * distinct objects must not make a million findings.
 */
#define FINDINGS_DEFAULT_MAX 10000

struct findings {
	struct finding **v;
	size_t n, cap;
	struct hmap index;
	size_t max;		/* most findings kept; 0: FINDINGS_DEFAULT_MAX */
	unsigned long dropped;	/* hits that would have made a new finding */
	char *dropped_where;	/* "file:line" of the first of them */
	/* Captured values not kept (CAPTURE_VALUES_MAX), once per hit. */
	unsigned long values_dropped;
	char *values_where;	/* "file:line" of the first, NULL unknown */
	/* The evidence key of the text hit last: every rule that hits one
	 * line hands over the same text. */
	struct {
		const char *p, *source;
		size_t n;
		unsigned long line;
		uint64_t key;
	} last;
};

void findings_init(struct findings *fs);
void findings_free(struct findings *fs);

/* One named capture value of a hit. */
struct hit_capture {
	const char *name;
	struct slice value;
};

/*
 * Record one hit of rule r on a line. res may be NULL or partly empty;
 * its strings are copied. text is the whole matched line. Returns the
 * finding, or NULL when the hit would start a finding past the limit
 * (fs->max): it is counted in fs->dropped (the first one's place in
 * fs->dropped_where) and a warning is printed once. Captured values past
 * CAPTURE_VALUES_MAX are counted in fs->values_dropped.
 */
struct finding *findings_add(struct findings *fs, const struct rule *r,
			     const struct resource *res, const char *source,
			     unsigned long line, struct slice text,
			     const struct hit_capture *caps, size_t ncaps,
			     const struct when *w);

/*
 * Turn the recorded times into first_seen_ms/last_seen_ms/span_s, given
 * the bundle's year and time (now_ms may be INT64_MIN when unknown).
 */
void findings_resolve_times(struct findings *fs, int bundle_year,
			    int64_t now_ms);

/*
 * The normalized form of an evidence line, hashed: klog and collector
 * timestamps dropped, digit runs, hex ids and long tokens replaced.
 */
uint64_t evidence_key(struct slice text);

/* Order of two yearless klog times: <0, 0, >0. */
int logtime_cmp(const struct logtime *a, const struct logtime *b);

/*
 * Free f, which the caller removes from fs->v. Only after matching: the
 * aggregation index is dropped, so no hit may be added afterwards.
 */
void findings_drop(struct findings *fs, struct finding *f);

/*
 * Fold src into dst (same rule, same object): counts, times, evidence
 * groups and captured values; values dst has no room for are counted in
 * fs->values_dropped. src is left for the caller to drop.
 */
void findings_merge(struct findings *fs, struct finding *dst,
		    const struct finding *src);

/* Render each finding's message from its rule's template. */
void findings_finish(struct findings *fs);

/* The remediation to show: with the finding's own names where known. */
const char *finding_remediation(const struct finding *f);

/* "Kind/namespace/name", "Kind/name" or the file; owned by the caller. */
char *finding_subject(const struct finding *f);

/*
 * Expand {{name}}, {{name|fallback}}, {{resource}} and {{count}} in tmpl
 * for finding f; appends to out.
 */
struct buf;
void findings_render(struct buf *out, const char *tmpl,
		     const struct finding *f);

#endif
