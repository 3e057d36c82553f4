/*
 * Rules: loading, checking and compiling the declarative YAML rule files
 * (the embedded default pack and --rules files). A ruleset owns its rules,
 * their strings and their compiled PCRE2 patterns; ruleset_free() releases
 * all of it. Loading reports every problem as "file:line:col: error: ..."
 * through diag() and keeps going to find the others.
 */
#ifndef KTRIAGE_RULES_H
#define KTRIAGE_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

enum severity {
	SEV_INFO,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
};

#define SEV_COUNT 5

const char *severity_name(enum severity s);
/* Parse "info".."critical"; returns -1 when unknown. */
int severity_parse(const char *s);

/* Where something was written in a rule file (1-based line and column). */
struct rule_loc {
	const char *file;	/* borrowed from the ruleset's file list */
	unsigned long line, col;
};

/* How many literals a regex may need before matching (see below). */
#define PATTERN_MAX_LITS 16

struct pattern {
	char *src;
	pcre2_code *re;		/* owned by the ruleset's cache when shared */
	int shared;
	struct rule_loc loc;
	/*
	 * A subject without one of these (lower case, compared without
	 * case) cannot match: pattern_match() then skips PCRE2. Borrowed
	 * from the cache; none when the regex has no literal per
	 * alternative (regex_literals()).
	 */
	char *const *lits;
	size_t nlits;
};

/* Compiled regexes by source and flags: one JIT compile for each. */
struct regex_cache_entry {
	char *src;
	uint32_t flags;
	pcre2_code *re;
	char **lits;		/* own array: the cache itself moves */
	size_t nlits;
};

enum example_kind {
	EXAMPLE_TEXT,		/* a line: text patterns, text and log clauses */
	EXAMPLE_YAML,		/* objects as YAML: object, condition, event */
	EXAMPLE_DESCRIBE,	/* objects as kubectl describe output */
};

struct example {
	enum example_kind kind;
	char *text;
	int64_t now_ms;		/* `now:` of the example; INT64_MIN if none */
	char **cap_names;	/* expected captures of the first match */
	char **cap_values;
	size_t ncaps;
	struct rule_loc loc;
};

struct clause;

struct rule {
	char *id;
	char *title;
	char *category;
	char *message;		/* template with {{name}} placeholders */
	char *remediation;
	char **docs;
	size_t ndocs;
	char **tags;
	size_t ntags;
	enum severity severity;
	double confidence;	/* 0..1 */
	struct pattern *patterns;	/* text-line patterns (`patterns:`) */
	size_t npatterns;
	struct clause *clauses;		/* `match:` clauses, any may hit */
	size_t nclauses;
	unsigned target_mask;		/* 1 << enum target, of all clauses */
	/* Finding-level requirements (`require:`), checked after the run. */
	unsigned long min_count;
	double min_span_s;		/* first to last seen, seconds */
	double min_age_s;		/* first seen to the bundle's time */
	int else_severity;		/* severity when not met; -1: drop */
	char **suppressed_by;		/* rule ids that explain this one */
	size_t nsuppressed_by;
	struct example *match_ex;
	size_t nmatch_ex;
	struct example *nomatch_ex;
	size_t nnomatch_ex;
	struct rule_loc loc;	/* the rule's "- id:" item */
};

struct ruleset {
	struct rule *rules;
	size_t n, cap;
	char **files;		/* names of the files loaded, owned */
	size_t nfiles, capfiles;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	unsigned long match_limit;
	unsigned long depth_limit;
	unsigned long warnings;	/* lint warnings given while loading */
	struct regex_cache_entry *cache;
	size_t ncache, capcache;
	struct prefilter *pf;	/* built at first use: ruleset_prefilter() */
};

struct prefilter;

/*
 * The literal prefilter of the rules, built at the first call and kept
 * until ruleset_free(): every analysis with these rules shares it. Rules
 * must not be added after the first call.
 */
const struct prefilter *ruleset_prefilter(const struct ruleset *rs);

void ruleset_init(struct ruleset *rs);
void ruleset_free(struct ruleset *rs);
/*
 * Around matching on a thread beside another that matches with the same
 * rules: the thread gets a PCRE2 JIT stack of its own.
 */
void ruleset_thread_begin(void);
void ruleset_thread_end(void);

/*
 * Load rules from YAML text (name is used in messages). Returns the number
 * of errors found (0 when every rule loaded); rules without errors are
 * added even when others in the same file are broken.
 */
int ruleset_load_buffer(struct ruleset *rs, const char *name,
			const char *data, size_t len);

/* Load a rule file, or every *.yaml file of a directory (sorted). */
int ruleset_load_path(struct ruleset *rs, const char *path);

/*
 * Checks across files, after loading: every id named in suppressed_by
 * exists. Returns the number of errors.
 */
int ruleset_check(const struct ruleset *rs);

/* Load the pack compiled into the binary. */
int ruleset_load_embedded(struct ruleset *rs);

/* Find a rule by id, or NULL. */
const struct rule *ruleset_find(const struct ruleset *rs, const char *id);

/*
 * Run every rule's examples: each match example must match a pattern with
 * the expected captures, each no_match example none. Failures are printed
 * with their location. Returns the number of failed examples; *total gets
 * the number of examples checked.
 */
int ruleset_self_test(const struct ruleset *rs, unsigned long *total);

/*
 * Match one pattern against subject. Returns 1 on a match (md filled),
 * 0 on none, -1 when PCRE2 gave up (match or depth limit): the caller
 * reports it with the input location.
 */
int pattern_match(const struct ruleset *rs, const struct pattern *p,
		  const char *subject, size_t len, pcre2_match_data *md);



#include "util.h"

typedef void (*capture_fn)(const char *name, struct slice value, void *ctx);

/* Call fn for each named group that took part in the last match. */
void pattern_each_capture(const struct pattern *p, pcre2_match_data *md,
			  const char *subject, capture_fn fn, void *ctx);
#endif
