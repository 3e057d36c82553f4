/*
 * Option parsing for `ktriage [OPTIONS] PATH...` and the `ktriage rules
 * ...` subcommands, with getopt_long. It only fills struct options; what
 * the options mean is main.c's business.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "object.h"
#include "util.h"

static const char usage_text[] =
"Usage: ktriage [OPTIONS] PATH...\n"
"       ktriage rules list [PATH...]\n"
"       ktriage rules lint PATH...\n"
"       ktriage rules test [PATH...]\n"
"       ktriage rules export-patterns [--dialect rg|ere|pcre] [PATH...]\n"
"\n"
"Analyze Kubernetes support bundles offline and report the most likely\n"
"root cause of cert-manager ACME failures first, with evidence and fixes.\n"
"PATH is a file, a directory (read recursively, in sorted order) or - for\n"
"standard input.\n"
"\n"
"Options:\n"
"  -r, --rules PATH        add a rule file or a directory of *.yaml rule\n"
"                          files (repeatable)\n"
"      --no-default-rules  do not use the rule pack built into ktriage\n"
"  -f, --format FORMAT     report format: text (default), json, ndjson (one\n"
"                          finding per line), markdown or html\n"
"  -o, --output FILE       write the report to FILE instead of stdout\n"
"      --color[=WHEN]      colour the text report: auto (default: on a\n"
"                          terminal, unless NO_COLOR is set), always, never\n"
"      --width N           wrap the text report at N columns (default: the\n"
"                          terminal's width; no wrapping when not a\n"
"                          terminal; 0 never wraps)\n"
"      --no-redact         show secrets as they are (default: passwords,\n"
"                          tokens, keys, certificates and Secret data are\n"
"                          hidden, ACME tokens shortened)\n"
"      --redact-emails     also hide the user part of e-mail addresses\n"
"      --min-severity SEV  hide findings below SEV\n"
"      --fail-on SEV|none  exit 1 when a finding is at or above SEV\n"
"                          (default: high)\n"
"      --top N             show only the N highest-ranked findings\n"
"      --strict            exit 2 when any input could not be fully read\n"
"      --timeout SECONDS   stop reading input after SECONDS; what was\n"
"                          read is reported, the rest listed as not read\n"
"      --threads N         1 does all on one thread; 2 (the default with\n"
"                          two or more cores) adds a reader that splits\n"
"                          lines and finds rule literals ahead, and a\n"
"                          worker that reads List items into objects\n"
"                          and shares the object rules at the end\n"
"      --revoked-serials FILE  flag certificates whose serial is in FILE\n"
"                          (one hex serial a line, or \"serial <hex> ...\";\n"
"                          plain or gzip)\n"
"\n"
"Limits (sizes take K, M, G suffixes; see docs/security.md):\n"
"      --max-total-bytes N   uncompressed bytes read per input (64G)\n"
"      --max-ratio N         compression ratio of a gzip stream (1000)\n"
"      --max-depth N         archives inside archives (8)\n"
"      --max-entries N       files and members per input (1000000)\n"
"      --max-line-bytes N    longer lines are cut there (1M)\n"
"      --max-objects N       Kubernetes objects kept (500000)\n"
"\n"
"      --now TIME          measure ages from TIME (RFC 3339, e.g.\n"
"                          2024-05-01T10:05:00Z) instead of the latest\n"
"                          time found in the input\n"
"      --progress          show a progress line on stderr even when it is\n"
"                          not a terminal; --no-progress never shows it\n"
"  -q, --quiet             no warnings or notes on stderr, only errors\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Severities: info < low < medium < high < critical.\n"
"\n"
"Exit status: 0 analyzed, nothing at or above --fail-on; 1 a finding at or\n"
"above --fail-on; 2 usage error, or no input could be read; 3 invalid rule\n"
"file.\n";

const char *cli_usage(void)
{
	return usage_text;
}

enum {
	OPT_NO_DEFAULT_RULES = 256,
	OPT_MIN_SEVERITY,
	OPT_FAIL_ON,
	OPT_TOP,
	OPT_STRICT,
	OPT_NOW,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_MAX_TOTAL_BYTES,
	OPT_MAX_RATIO,
	OPT_MAX_DEPTH,
	OPT_MAX_ENTRIES,
	OPT_MAX_LINE_BYTES,
	OPT_MAX_OBJECTS,
	OPT_REVOKED_SERIALS,
	OPT_DIALECT,
	OPT_TIMEOUT,
	OPT_THREADS,
	OPT_COLOR,
	OPT_WIDTH,
	OPT_NO_REDACT,
	OPT_REDACT_EMAILS,
};

static const struct option long_opts[] = {
	{ "rules", required_argument, NULL, 'r' },
	{ "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
	{ "redact-emails", no_argument, NULL, OPT_REDACT_EMAILS },
	{ "min-severity", required_argument, NULL, OPT_MIN_SEVERITY },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "max-total-bytes", required_argument, NULL, OPT_MAX_TOTAL_BYTES },
	{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
	{ "max-line-bytes", required_argument, NULL, OPT_MAX_LINE_BYTES },
	{ "max-objects", required_argument, NULL, OPT_MAX_OBJECTS },
	{ "revoked-serials", required_argument, NULL, OPT_REVOKED_SERIALS },
	{ "dialect", required_argument, NULL, OPT_DIALECT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void push(const char ***arr, size_t *n, const char *s)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = s;
}

static int usage_error(const char *msg, const char *arg)
{
	if (arg)
		diag(DIAG_ERROR, NULL, "%s '%s'", msg, arg);
	else
		diag(DIAG_ERROR, NULL, "%s", msg);
	diag(DIAG_NOTE, NULL, "try 'ktriage --help'");
	return -1;
}

/* "123", "64K", "1M", "2G": a positive count or size. */
static int parse_size(const char *arg, int64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (!*arg || *arg == '-')
		return -1;
	v = strtoull(arg, &end, 10);
	if (end == arg)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end || !v || v > (1ULL << 62) >> shift)
		return -1;
	*out = (int64_t)(v << shift);
	return 0;
}

static int parse_severity(const char *arg, enum severity *out)
{
	int s = severity_parse(arg);

	if (s < 0)
		return -1;
	*out = (enum severity)s;
	return 0;
}

int cli_parse(int argc, char **argv, struct options *o)
{
	int c, first = 1;

	memset(o, 0, sizeof(*o));
	o->cmd = CMD_ANALYZE;
	o->format = FORMAT_TEXT;
	o->min_severity = SEV_INFO;
	o->fail_on = SEV_HIGH;
	o->progress = -1;
	o->color = COLOR_AUTO;
	o->width = -1;
	/* "ktriage rules VERB": a subcommand, not a path called "rules". */
	if (argc >= 3 && !strcmp(argv[1], "rules")) {
		if (!strcmp(argv[2], "list"))
			o->cmd = CMD_RULES_LIST;
		else if (!strcmp(argv[2], "lint"))
			o->cmd = CMD_RULES_LINT;
		else if (!strcmp(argv[2], "test"))
			o->cmd = CMD_RULES_TEST;
		else if (!strcmp(argv[2], "export-patterns"))
			o->cmd = CMD_RULES_EXPORT;
		if (o->cmd != CMD_ANALYZE)
			first = 3;
	} else if (argc == 2 && !strcmp(argv[1], "rules")) {
		return usage_error("'rules' needs a subcommand: list, lint, "
				   "test or export-patterns", NULL);
	}
	optind = first;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:f:o:qhV", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'r':
			push(&o->rule_paths, &o->nrule_paths, optarg);
			break;
		case OPT_NO_DEFAULT_RULES:
			o->no_default_rules = 1;
			break;
		case 'f': {
			int f = report_format_parse(optarg);

			if (f < 0)
				return usage_error("unknown format (expected "
					"text, json, ndjson, markdown or html):",
					optarg);
			o->format = (enum report_format)f;
			break;
		}
		case 'o':
			o->output = optarg;
			break;
		case OPT_COLOR:
			if (!optarg || !strcmp(optarg, "always"))
				o->color = COLOR_ALWAYS;
			else if (!strcmp(optarg, "auto"))
				o->color = COLOR_AUTO;
			else if (!strcmp(optarg, "never"))
				o->color = COLOR_NEVER;
			else
				return usage_error("--color takes auto, always "
						   "or never, not", optarg);
			break;
		case OPT_WIDTH: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (!*optarg || *end || n < 0 || n > 100000)
				return usage_error("--width needs a number of "
						   "columns, not", optarg);
			o->width = n;
			break;
		}
		case OPT_NO_REDACT:
			o->no_redact = 1;
			break;
		case OPT_REDACT_EMAILS:
			o->redact_emails = 1;
			break;
		case OPT_MIN_SEVERITY:
			if (parse_severity(optarg, &o->min_severity) < 0)
				return usage_error("unknown severity (expected "
					"info, low, medium, high or critical):",
					optarg);
			break;
		case OPT_FAIL_ON: {
			enum severity s;

			if (!strcmp(optarg, "none")) {
				o->fail_on = -1;
			} else if (parse_severity(optarg, &s) < 0) {
				return usage_error("unknown --fail-on value "
					"(expected a severity or none):",
					optarg);
			} else {
				o->fail_on = (int)s;
			}
			break;
		}
		case OPT_TOP: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (!*optarg || *end || optarg[0] == '-' || !n)
				return usage_error("--top needs a positive "
						   "number, not", optarg);
			o->top = n;
			break;
		}
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_MAX_TOTAL_BYTES:
		case OPT_MAX_RATIO:
		case OPT_MAX_DEPTH:
		case OPT_MAX_ENTRIES:
		case OPT_MAX_LINE_BYTES:
		case OPT_TIMEOUT: {
			char *end;
			double t = strtod(optarg, &end);

			if (end == optarg || *end || !(t > 0))
				return usage_error("--timeout needs a positive "
						   "number of seconds, not",
						   optarg);
			o->timeout = t;
			break;
		}
		case OPT_THREADS:
			if (!strcmp(optarg, "1") || !strcmp(optarg, "2")) {
				o->threads = optarg[0] - '0';
				break;
			}
			return usage_error("--threads is 1 or 2, not", optarg);
		case OPT_DIALECT:
			if (strcmp(optarg, "rg") && strcmp(optarg, "ere") &&
			    strcmp(optarg, "pcre"))
				return usage_error("--dialect is rg, ere or pcre, "
						   "not", optarg);
			o->dialect = optarg;
			break;
		case OPT_REVOKED_SERIALS:
			o->revoked_serials = optarg;
			break;
		case OPT_MAX_OBJECTS: {
			int64_t v;

			if (parse_size(optarg, &v) < 0)
				return usage_error("a limit needs a positive "
						   "number, not", optarg);
			if (c == OPT_MAX_TOTAL_BYTES)
				o->max_total_bytes = v;
			else if (c == OPT_MAX_RATIO)
				o->max_ratio = v;
			else if (c == OPT_MAX_DEPTH)
				o->max_depth = v > 64 ? 64 : (int)v;
			else if (c == OPT_MAX_ENTRIES)
				o->max_entries = v;
			else if (c == OPT_MAX_LINE_BYTES)
				o->max_line_bytes = v;
			else
				o->max_objects = v;
			break;
		}
		case OPT_PROGRESS:
		case OPT_NO_PROGRESS:
			o->progress = c == OPT_PROGRESS;
			break;
		case OPT_NOW:
			if (parse_rfc3339(optarg) == TIME_UNKNOWN)
				return usage_error("--now needs an RFC 3339 "
					"time such as 2024-05-01T10:05:00Z, not",
					optarg);
			o->now = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			o->cmd = CMD_HELP;
			return 0;
		case 'V':
			o->cmd = CMD_VERSION;
			return 0;
		case ':':
			return usage_error("option needs a value:",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option",
					   argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		push(&o->paths, &o->npaths, argv[optind]);
	if (o->cmd == CMD_ANALYZE && !o->npaths)
		return usage_error("no PATH given (use - for standard input)",
				   NULL);
	if (o->cmd == CMD_RULES_LINT && !o->npaths)
		return usage_error("'rules lint' needs at least one PATH", NULL);
	return 0;
}

void cli_free(struct options *o)
{
	free(o->paths);
	free(o->rule_paths);
	o->paths = o->rule_paths = NULL;
}
