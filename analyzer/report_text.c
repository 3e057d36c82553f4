/*
 * The plain-text report: findings first, most likely root cause on top,
 * each with the affected resource, the evidence as file:line excerpts and
 * the fix; then what was read and what could not be. Control characters
 * from the input are escaped so a hostile bundle cannot drive the terminal.
 */
#include "report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "summary.h"

static void put(struct buf *out, const char *s)
{
	escape_terminal(out, slice_cstr(s));
}

/* Write text indented by ind spaces, one output line per input line. */
static void put_block(struct buf *out, const char *text, int ind)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n) {
			buf_addf(out, "%*s", ind, "");
			escape_terminal(out, slice_make(p, n));
		}
		buf_addc(out, '\n');
		p += n + (nl ? 1 : 0);
	}
}

static void upper(struct buf *out, const char *s)
{
	for (; *s; s++)
		buf_addc(out, (char)toupper((unsigned char)*s));
}

/* The echoes this finding explains, one line each. */
static void text_explains(struct buf *out, const struct findings *fs,
			  const struct finding *f)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct finding *g = fs->v[i];
		char *subject;

		if (!g->suppressed || g->suppressor != f)
			continue;
		subject = finding_subject(g);
		buf_adds(out, "   Explains: ");
		put(out, g->rule->id);
		buf_adds(out, " on ");
		put(out, subject);
		buf_addc(out, '\n');
		free(subject);
	}
}

static void put_item(struct buf *out, const struct chain_item *it)
{
	put(out, it->kind ? it->kind : "?");
	buf_addc(out, ' ');
	if (it->ns) {
		put(out, it->ns);
		buf_addc(out, '/');
	}
	put(out, it->name);
	if (it->status[0]) {
		buf_adds(out, " (");
		put(out, it->status);
		buf_addc(out, ')');
	} else if (it->inferred) {
		buf_adds(out, " (inferred)");
	}
}

static void text_chain(struct buf *out, const struct analysis *a,
		       const struct finding *f)
{
	struct chain_item items[CHAIN_MAX];
	size_t n = summary_chain(a, f, items, CHAIN_MAX), i;

	if (n < 2)
		return;
	buf_adds(out, "   Chain:    ");
	for (i = 0; i < n; i++) {
		if (i)
			buf_adds(out, "\n             -> ");
		put_item(out, &items[i]);
	}
	buf_addc(out, '\n');
}

static void text_finding(struct buf *out, const struct analysis *a,
			 const struct finding *f)
{
	const struct findings *fs = &a->findings;
	const struct rule *r = f->rule;
	char *subject = finding_subject(f);
	size_t i;

	buf_addf(out, "#%lu ", f->rank);
	upper(out, severity_name((enum severity)f->severity));
	buf_adds(out, "  ");
	put(out, r->title ? r->title : r->id);
	buf_addf(out, "  [%s, score %.1f%s]\n", r->id, f->score,
		 f->resolved ? ", resolved" : "");
	buf_adds(out, f->res.name ? "   Resource: " : "   File:     ");
	put(out, subject);
	buf_addc(out, '\n');
	text_chain(out, a, f);
	buf_adds(out, "   ");
	put(out, f->message);
	buf_addc(out, '\n');
	if (f->resolved)
		buf_adds(out, "   Resolved: the object is healthy again; this "
			 "is history.\n");
	if (f->first_seen_ms != INT64_MIN) {
		buf_adds(out, "   Seen: ");
		report_time(out, f->first_seen_ms);
		if (f->last_seen_ms != f->first_seen_ms) {
			buf_adds(out, " to ");
			report_time(out, f->last_seen_ms);
			buf_adds(out, " (");
			report_span(out, f->span_s);
			buf_addc(out, ')');
		}
		buf_addc(out, '\n');
	} else if (f->span_s > 0) {
		buf_adds(out, "   Seen over ");
		report_span(out, f->span_s);
		buf_addc(out, '\n');
	}
	buf_addf(out, "   Evidence (%lu occurrence%s", f->count,
		 f->count == 1 ? "" : "s");
	if (f->nev > 1 || f->ev_other)
		buf_addf(out, " in %zu%s group%s", f->nev, f->ev_other ?
			 "+" : "", f->nev == 1 && !f->ev_other ? "" : "s");
	buf_adds(out, "):\n");
	for (i = 0; i < f->nev; i++) {
		const struct evidence *e = &f->ev[i];

		buf_adds(out, "     ");
		put(out, e->source);
		buf_addf(out, ":%lu", e->line);
		if (e->count > 1) {
			buf_addf(out, "  (x%lu", e->count);
			if (e->when.span_s > 0) {
				buf_adds(out, " over ");
				report_span(out, e->when.span_s);
			}
			if (e->last_source) {
				buf_adds(out, ", last at ");
				if (strcmp(e->last_source, e->source))
					put(out, e->last_source);
				buf_addf(out, ":%lu", e->last_line);
			}
			buf_addc(out, ')');
		}
		buf_adds(out, "\n       ");
		put(out, e->text);
		buf_addc(out, '\n');
	}
	if (f->ev_other)
		buf_addf(out, "     ... and %lu more occurrences of other "
			 "lines\n", f->ev_other);
	text_explains(out, fs, f);
	if (r->remediation && *r->remediation) {
		buf_adds(out, "   Fix:\n");
		put_block(out, r->remediation, 5);
	}
	for (i = 0; i < r->ndocs; i++) {
		buf_adds(out, i ? "         " : "   Docs: ");
		put(out, r->docs[i]);
		buf_addc(out, '\n');
	}
	buf_addc(out, '\n');
	free(subject);
}

static void text_certificates(struct buf *out, const struct analysis *a)
{
	struct cert_summary *cs;
	size_t n = summary_certificates(a, &cs), i, k;

	if (!n) {
		free(cs);
		return;
	}
	buf_adds(out, "Certificates:\n");
	for (i = 0; i < n; i++) {
		const struct gnode *g = &a->graph.v[cs[i].node];
		struct chain_item items[64];
		int depth[64];
		size_t m = summary_subtree(a, cs[i].node, items, depth, 64);

		buf_adds(out, "  ");
		if (g->ns) {
			put(out, g->ns);
			buf_addc(out, '/');
		}
		put(out, g->name);
		buf_adds(out, ": Ready=");
		put(out, cs[i].ready ? cs[i].ready : "unknown");
		if (cs[i].reason && cs[i].ready && strcmp(cs[i].ready, "True")) {
			buf_adds(out, " (");
			put(out, cs[i].reason);
			buf_addc(out, ')');
		}
		if (cs[i].not_after) {
			buf_adds(out, ", expires ");
			put(out, cs[i].not_after);
		}
		if (cs[i].nblocking) {
			buf_adds(out, ", blocked by");
			for (k = 0; k < cs[i].nblocking; k++)
				buf_addf(out, "%s #%lu %s", k ? "," : "",
					 cs[i].blocking[k]->rank,
					 cs[i].blocking[k]->rule->id);
		}
		if (!g->obj)
			buf_adds(out, " (inferred from its requests)");
		buf_addc(out, '\n');
		for (k = 0; k < m; k++) {
			buf_addf(out, "  %*s- ", depth[k] * 2, "");
			put_item(out, &items[k]);
			buf_addc(out, '\n');
		}
	}
	buf_addc(out, '\n');
	free(cs);
}

static void text_coverage(struct buf *out, const struct analysis *a)
{
	struct coverage_note notes[16];
	size_t n = summary_coverage(a, notes, 16), i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (!notes[i].note)
			continue;
		if (!any)
			buf_adds(out, "Coverage (what this input could not "
				 "show):\n");
		any = 1;
		buf_adds(out, "  - ");
		put(out, notes[i].note);
		buf_addc(out, '\n');
	}
	if (any)
		buf_addc(out, '\n');
}

static void text_inputs(struct buf *out, const struct analysis *a)
{
	size_t i, j;

	buf_adds(out, "Inputs:\n");
	for (i = 0; i < a->ninputs; i++) {
		const struct input *in = &a->inputs[i];

		buf_adds(out, "  ");
		put(out, in->path);
		buf_addf(out, ": %lu file%s, %llu bytes", in->files,
			 in->files == 1 ? "" : "s",
			 (unsigned long long)in->bytes);
		if (in->bytes_compressed)
			buf_addf(out, " (%llu compressed)",
				 (unsigned long long)in->bytes_compressed);
		buf_addc(out, '\n');
		for (j = 0; j < in->nerrors; j++) {
			buf_adds(out, in->errors[j].is_warning ?
				 "    warning: " : "    error: ");
			put(out, in->errors[j].where);
			buf_adds(out, ": ");
			put(out, in->errors[j].message);
			buf_addc(out, '\n');
		}
		if (in->errors_dropped)
			buf_addf(out, "    ... and %lu more errors\n",
				 in->errors_dropped);
		for (j = 0; j < in->nskipped; j++) {
			buf_adds(out, "    skipped: ");
			put(out, in->skipped[j].where);
			buf_adds(out, ": ");
			put(out, in->skipped[j].message);
			buf_addc(out, '\n');
		}
		if (in->skipped_dropped)
			buf_addf(out, "    ... and %lu more skipped\n",
				 in->skipped_dropped);
	}
}

void report_text(struct buf *out, const struct analysis *a,
		 const struct report_opts *o)
{
	unsigned long by_sev[SEV_COUNT] = { 0 }, shown = 0, files = 0;
	size_t i;
	int s, first = 1;

	for (i = 0; i < a->findings.n; i++) {
		if (!report_shows(o, a->findings.v[i]))
			continue;
		by_sev[a->findings.v[i]->severity]++;
		shown++;
	}
	for (i = 0; i < a->ninputs; i++)
		files += a->inputs[i].files;
	buf_addf(out, "ktriage %s: %lu finding%s", KTRIAGE_VERSION, shown,
		 shown == 1 ? "" : "s");
	for (s = SEV_CRITICAL; s >= SEV_INFO; s--) {
		if (!by_sev[s])
			continue;
		buf_addf(out, "%s%lu %s", first ? " (" : ", ", by_sev[s],
			 severity_name((enum severity)s));
		first = 0;
	}
	if (!first)
		buf_addc(out, ')');
	buf_addf(out, " in %lu file%s, %lu lines\n\n", files,
		 files == 1 ? "" : "s", a->lines);
	for (i = 0; i < a->findings.n; i++)
		if (report_shows(o, a->findings.v[i]))
			text_finding(out, a, a->findings.v[i]);
	if (!shown)
		buf_adds(out, "No findings.\n\n");
	text_certificates(out, a);
	text_coverage(out, a);
	text_inputs(out, a);
}
