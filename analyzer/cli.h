/*
 * Command-line parsing: argv in, a filled struct options out. The options
 * borrow strings from argv; cli_free() releases only the arrays. Parsing
 * never exits: it returns a code and main.c decides.
 */
#ifndef KTRIAGE_CLI_H
#define KTRIAGE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "rules.h"

enum command {
	CMD_ANALYZE,
	CMD_RULES_LIST,
	CMD_RULES_LINT,
	CMD_RULES_TEST,
	CMD_RULES_EXPORT,
	CMD_HELP,
	CMD_VERSION,
};

struct options {
	enum command cmd;
	const char **paths;
	size_t npaths;
	const char **rule_paths;
	size_t nrule_paths;
	int no_default_rules;
	enum report_format format;
	const char *output;
	enum color_mode color;	/* --color=auto|always|never */
	long width;		/* --width N; -1 when not given */
	int no_redact;		/* --no-redact */
	int redact_emails;	/* --redact-emails */
	enum severity min_severity;
	int fail_on;		/* a severity, or -1 for none */
	unsigned long top;
	int quiet;
	int strict;
	const char *now;	/* --now TIME, RFC 3339 */
	const char *revoked_serials;	/* --revoked-serials FILE */
	const char *dialect;	/* rules export-patterns --dialect */
	double timeout;		/* --timeout SECONDS, 0: none */
	int threads;		/* --threads N, 0: by the cores there are */
	int progress;		/* -1 auto, 0 --no-progress, 1 --progress */
	/* Limits; -1 (or 0 for sizes) keeps the default. */
	int64_t max_total_bytes;
	int64_t max_ratio;
	int max_depth;
	int64_t max_entries;
	int64_t max_line_bytes;
	int64_t max_objects;
};

/* Returns 0 when the options are usable, -1 after printing a usage error. */
int cli_parse(int argc, char **argv, struct options *o);
void cli_free(struct options *o);

/* The --help text. */
const char *cli_usage(void);

#endif
