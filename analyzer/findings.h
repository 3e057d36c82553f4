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
#include "rules.h"
#include "util.h"

#define EVIDENCE_MAX 5		/* evidence lines kept per finding */
#define CAPTURE_VALUES_MAX 20	/* distinct values kept per capture name */
#define EVIDENCE_TEXT_MAX 300	/* bytes of a line shown as evidence */

/* A Kubernetes object reference; any part may be NULL when unknown. */
struct resource {
	char *kind;
	char *ns;
	char *name;
};

struct evidence {
	char *source;		/* entry path */
	unsigned long line;
	char *text;		/* trimmed to EVIDENCE_TEXT_MAX bytes */
};

struct capvals {
	char *name;
	char **values;
	size_t n;
	unsigned long more;	/* distinct values beyond CAPTURE_VALUES_MAX */
};

struct finding {
	const struct rule *rule;
	struct resource res;
	char *file;		/* set when res is unknown: the entry path */
	unsigned long count;
	struct evidence ev[EVIDENCE_MAX];
	size_t nev;
	struct capvals *caps;
	size_t ncaps;
	char *message;		/* rendered by findings_finish() */
	double score;
	unsigned long rank;	/* 1 is first, after ranking */
	char *key;		/* aggregation key, also the last tie-break */
};

struct findings {
	struct finding **v;
	size_t n, cap;
	struct hmap index;
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
 * its strings are copied. text is the whole matched line.
 */
struct finding *findings_add(struct findings *fs, const struct rule *r,
			     const struct resource *res, const char *source,
			     unsigned long line, struct slice text,
			     const struct hit_capture *caps, size_t ncaps);

/* Render each finding's message from its rule's template. */
void findings_finish(struct findings *fs);

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
