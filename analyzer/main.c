/*
 * ktriage: entry point. Parses options, loads the rules, runs the analysis
 * pipeline over every PATH, writes the report, and picks the exit code.
 * This is the only place that decides how the program exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef HAVE_ISAL
#include <isa-l.h>
#else
#include <zlib.h>
#endif

#include "analyze.h"
#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "export.h"
#include "keepmem.h"
#include "prefilter.h"
#include "object.h"
#include "report.h"
#include "rules.h"

enum exit_code {
	EXIT_CLEAN = 0,		/* nothing at or above --fail-on */
	EXIT_FINDINGS = 1,	/* a finding at or above --fail-on */
	EXIT_USAGE = 2,		/* bad usage, or no input readable */
	EXIT_RULES = 3,		/* invalid rule file */
};

/* Load the rules the options ask for; returns the number of errors. */
static int load_rules(struct ruleset *rs, const struct options *o,
		      int defaults)
{
	int errors = 0;
	size_t i;

	if (defaults)
		errors += ruleset_load_embedded(rs);
	for (i = 0; i < o->nrule_paths; i++)
		errors += ruleset_load_path(rs, o->rule_paths[i]);
	return errors + ruleset_check(rs);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Where the report goes: standard output, or the --output file, opened
 * before the report is written so that the report goes out as it is
 * written (report_opts.flush) instead of all at once at the end.
 */
struct sink {
	const struct options *o;
	int fd;			/* -1: standard output */
	int err;		/* errno of the first failed write, or 0 */
};

static int sink_open(struct sink *s, const struct options *o)
{
	s->o = o;
	s->fd = -1;
	s->err = 0;
	if (!o->output)
		return 0;
	s->fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, 0644);
	if (s->fd < 0) {
		diag(DIAG_ERROR, o->output, "cannot write the report: %s",
		     strerror(errno));
		return -1;
	}
	return 0;
}

/* report_opts.flush: out's bytes go out, and out is emptied. */
static void sink_write(struct buf *out, void *ctx)
{
	struct sink *s = ctx;

	if (!s->err && out->len) {
		if (s->fd < 0)
			fwrite(out->p, 1, out->len, stdout);
		else if (write_all(s->fd, out->p, out->len) < 0)
			s->err = errno;
	}
	buf_reset(out);
}

/* The rest of the report, then the file closed; -1 on a write error. */
static int sink_close(struct sink *s, struct buf *out)
{
	sink_write(out, s);
	if (s->fd >= 0 && close(s->fd) < 0 && !s->err)
		s->err = errno;
	if (s->err) {
		diag(DIAG_ERROR, s->o->output, "write error: %s",
		     strerror(s->err));
		return -1;
	}
	return 0;
}

/* Colour and width of the text report, from where it goes. */
static void terminal_opts(const struct options *o, struct report_opts *ro)
{
	struct report_term t;
	struct winsize ws;

	memset(&t, 0, sizeof(t));
	t.tty = !o->output && isatty(STDOUT_FILENO);
	if (t.tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		t.cols = ws.ws_col;
	t.term = getenv("TERM");
	t.no_color = getenv("NO_COLOR");
	t.columns = getenv("COLUMNS");
	report_terminal(ro, o->color, o->width, &t);
}

/*
 * Lint: a rule whose text or log clauses give the prefilter no literal of
 * 3 bytes runs its regexes on every line, which costs most of a scan.
 */
static void lint_literals(const struct ruleset *rs)
{
	struct prefilter *pf = prefilter_build(rs);
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		int t;

		for (t = TARGET_TEXT; t <= TARGET_LOG; t++) {
			struct buf where = BUF_INIT;

			if (!(r->target_mask & (1u << t)) ||
			    prefilter_has_literal(pf, i, (enum target)t))
				continue;
			buf_addf(&where, "%s:%lu:%lu", r->loc.file, r->loc.line,
				 r->loc.col);
			diag(DIAG_WARNING, where.p, "rule '%s': its %s %s no "
			     "required literal of 3 bytes or more, so they run "
			     "on every %s (the costliest kind of rule)", r->id,
			     t == TARGET_TEXT ? "patterns" : "log clauses",
			     t == TARGET_TEXT ? "have" : "have",
			     t == TARGET_TEXT ? "line" : "log record");
			buf_free(&where);
		}
	}
	prefilter_free(pf);
}

static int cmd_rules(const struct options *o)
{
	struct ruleset rs;
	int errors, rc = EXIT_CLEAN;
	size_t i;
	struct options lo = *o;

	ruleset_init(&rs);
	/* The paths of `rules list|lint|test` are rule files. */
	lo.rule_paths = o->paths;
	lo.nrule_paths = o->npaths;
	errors = load_rules(&rs, &lo, o->npaths == 0);
	if (o->cmd == CMD_RULES_LIST) {
		for (i = 0; i < rs.n; i++)
			printf("%-36s %-8s %s\n", rs.rules[i].id,
			       severity_name(rs.rules[i].severity),
			       rs.rules[i].title ? rs.rules[i].title : "");
	} else if (o->cmd == CMD_RULES_LINT) {
		lint_literals(&rs);
		if (!errors)
			printf("ktriage rules lint: %zu rules in %zu files: "
			       "no problems\n", rs.n, rs.nfiles);
	} else if (o->cmd == CMD_RULES_EXPORT) {
		struct buf out = BUF_INIT;
		size_t total = 0, skipped;
		enum export_dialect d = !o->dialect || !strcmp(o->dialect,
				"rg") ? EXPORT_RG : !strcmp(o->dialect, "ere") ?
				EXPORT_ERE : EXPORT_PCRE;

		skipped = export_patterns(&rs, d, &out, &total);
		fwrite(out.p ? out.p : "", 1, out.len, stdout);
		if (skipped)
			diag(DIAG_NOTE, NULL, "%zu of %zu patterns cannot be "
			     "written in that syntax and were left out",
			     skipped, total);
		buf_free(&out);
	} else {
		unsigned long total = 0;
		int failed = ruleset_self_test(&rs, &total);

		printf("ktriage rules test: %lu examples in %zu rules: "
		       "%lu ok, %d failing\n", total, rs.n,
		       total - (unsigned long)failed, failed);
		if (failed)
			rc = EXIT_FINDINGS;
	}
	if (errors) {
		diag(DIAG_ERROR, NULL, "%d problem%s in the rule files", errors,
		     errors == 1 ? "" : "s");
		rc = EXIT_RULES;
	}
	ruleset_free(&rs);
	return rc;
}

static void clear_progress(void *ctx)
{
	progress_clear(ctx);
}

static int cmd_analyze(const struct options *o)
{
	struct ruleset rs;
	struct analysis a;
	struct report_opts ro;
	struct sink sink;
	struct buf out = BUF_INIT;
	unsigned long files = 0;
	int rc = EXIT_CLEAN;
	size_t i;

	ruleset_init(&rs);
	if (load_rules(&rs, o, !o->no_default_rules)) {
		ruleset_free(&rs);
		return EXIT_RULES;
	}
	if (!rs.n) {
		diag(DIAG_ERROR, NULL, "no rules to run (--no-default-rules "
		     "without --rules)");
		ruleset_free(&rs);
		return EXIT_USAGE;
	}
	analysis_init(&a, &rs);
	progress_init(&a.progress, o->quiet ? 0 : o->progress);
	diag_set_clear_hook(clear_progress, &a.progress);
	a.revoked_serials = o->revoked_serials;
	analysis_set_timeout(&a, o->timeout);
	a.threads = o->threads;
	if (o->now)
		a.now_override = parse_rfc3339(o->now) * 1000;
	if (o->max_total_bytes)
		a.limits.max_total_bytes = (uint64_t)o->max_total_bytes;
	if (o->max_ratio)
		a.limits.max_ratio = (uint64_t)o->max_ratio;
	if (o->max_depth)
		a.limits.max_depth = o->max_depth;
	if (o->max_entries)
		a.limits.max_entries = (unsigned long)o->max_entries;
	if (o->max_line_bytes)
		a.max_line = (size_t)o->max_line_bytes;
	if (o->max_objects)
		a.store.max_objects = (size_t)o->max_objects;
	for (i = 0; i < o->npaths; i++)
		analysis_add_path(&a, o->paths[i]);
	analysis_finish(&a);
	diag_set_clear_hook(NULL, NULL);
	for (i = 0; i < a.ninputs; i++)
		files += a.inputs[i].files;

	memset(&ro, 0, sizeof(ro));
	ro.min_severity = o->min_severity;
	ro.top = o->top;
	ro.no_redact = o->no_redact;
	ro.redact_emails = o->redact_emails;
	terminal_opts(o, &ro);
	if (sink_open(&sink, o) == 0) {
		ro.flush = sink_write;
		ro.flush_ctx = &sink;
		report_write(&out, o->format, &a, &ro);
	}

	if (!files) {
		diag(DIAG_ERROR, NULL, "no input could be read");
		rc = EXIT_USAGE;
	} else if (o->strict && analysis_input_errors(&a)) {
		diag(DIAG_ERROR, NULL, "%lu input error%s (--strict)",
		     analysis_input_errors(&a),
		     analysis_input_errors(&a) == 1 ? "" : "s");
		rc = EXIT_USAGE;
	} else if (o->fail_on >= 0) {
		for (i = 0; i < a.findings.n; i++)
			if (!a.findings.v[i]->suppressed &&
			    a.findings.v[i]->severity >= o->fail_on)
				rc = EXIT_FINDINGS;
	}
	/* No report (the file could not be opened) or a failed write. */
	if (!ro.flush || sink_close(&sink, &out) < 0)
		rc = EXIT_USAGE;
	buf_free(&out);
	analysis_free(&a);
	ruleset_free(&rs);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

#ifdef __GLIBC__
	/*
	 * Kept objects are many small blocks; glibc would grow the heap a
	 * page run at a time and hand freed tops back, faulting them in
	 * again. Grow it 64 MiB at a time (untouched pages cost no memory)
	 * and give back only big tops: 10% off the bench's Certificate List.
	 * Each step is advised for huge pages, like the chunks kept objects
	 * live in (keepmem.h).
	 */
	mallopt(M_TOP_PAD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	keepmem_heap();
#endif
	if (cli_parse(argc, argv, &o) < 0) {
		cli_free(&o);
		return EXIT_USAGE;
	}
	diag_set_quiet(o.quiet);
	switch (o.cmd) {
	case CMD_HELP:
		fputs(cli_usage(), stdout);
		rc = EXIT_CLEAN;
		break;
	case CMD_VERSION:
		printf("ktriage %s\n", KTRIAGE_VERSION);
		/* src_gz.c inflates with ISA-L when built with HAVE_ISAL. */
#ifdef HAVE_ISAL
		printf("inflate: isa-l %d.%d.%d\n", ISAL_MAJOR_VERSION,
		       ISAL_MINOR_VERSION, ISAL_PATCH_VERSION);
#else
		printf("inflate: zlib %s\n", zlibVersion());
#endif
		printf("literal scan: %s\n", prefilter_backend());
		rc = EXIT_CLEAN;
		break;
	case CMD_RULES_LIST:
	case CMD_RULES_LINT:
	case CMD_RULES_TEST:
	case CMD_RULES_EXPORT:
		rc = cmd_rules(&o);
		break;
	default:
		rc = cmd_analyze(&o);
		break;
	}
	cli_free(&o);
	fnode_intern_free();
	keepmem_release();
	if (fclose(stdout) != 0) {
		diag(DIAG_ERROR, NULL, "cannot write to standard output: %s",
		     strerror(errno));
		return EXIT_USAGE;
	}
	return rc;
}
