/*
 * The Markdown report (-f markdown), to paste into a ticket: a summary
 * table, one section per finding (resource, chain, message, evidence in
 * fenced code blocks under their file:line, fix, docs), a table of the
 * Certificates with their chains, the coverage notes and the limits
 * reached. Text from the input is escaped so that it renders as itself:
 * backslash escapes outside code, and code fences and spans longer than
 * any backtick run inside, so the input cannot close them.
 */
#include "report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "summary.h"

struct mw {
	struct buf *out;
	struct buf tmp;
	const struct analysis *a;
	const struct report_opts *o;
	struct redactor *red;
};

/* Names and rule text as inline Markdown. */
static void md(struct mw *w, const char *s)
{
	escape_md(w->out, slice_cstr(s ? s : ""));
}

/* Input text as inline Markdown, secrets hidden. */
static void md_in(struct mw *w, const char *s)
{
	md(w, report_clean(&w->tmp, w->red, s));
}

/*
 * Text made safe to show in code: controls as \xNN (newlines kept, they
 * are lines of the block), valid UTF-8.
 */
static void code_text(struct buf *out, const char *s)
{
	struct buf t = BUF_INIT;
	const char *p = s ? s : "";

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		escape_terminal(&t, slice_make(p, n));
		if (!nl)
			break;
		buf_addc(&t, '\n');
		p = nl + 1;
	}
	escape_utf8(out, slice_make(t.p ? t.p : "", t.len));
	buf_free(&t);
}

/* An inline code span, its backticks longer than any run inside. */
static void md_code(struct mw *w, const char *s)
{
	struct buf t = BUF_INIT;
	size_t n, i;
	int pad;

	code_text(&t, s);
	for (i = 0; i < t.len; i++)
		if (t.p[i] == '\n' || t.p[i] == '\r')
			t.p[i] = ' ';
	n = escape_longest_run(slice_make(t.p, t.len), '`') + 1;
	pad = t.len && (t.p[0] == '`' || t.p[t.len - 1] == '`' ||
			t.p[0] == ' ');
	for (i = 0; i < n; i++)
		buf_addc(w->out, '`');
	if (pad)
		buf_addc(w->out, ' ');
	buf_add(w->out, t.p, t.len);
	if (pad)
		buf_addc(w->out, ' ');
	for (i = 0; i < n; i++)
		buf_addc(w->out, '`');
	buf_free(&t);
}

/* A fenced code block; the fence is longer than any backtick run. */
static void md_fence(struct mw *w, const char *s)
{
	struct buf t = BUF_INIT;
	size_t n, i;

	code_text(&t, s);
	while (t.len && t.p[t.len - 1] == '\n')
		t.p[--t.len] = 0;
	n = escape_longest_run(slice_make(t.p, t.len), '`') + 1;
	if (n < 3)
		n = 3;
	for (i = 0; i < n; i++)
		buf_addc(w->out, '`');
	buf_adds(w->out, "text\n");
	buf_add(w->out, t.p, t.len);
	buf_addc(w->out, '\n');
	for (i = 0; i < n; i++)
		buf_addc(w->out, '`');
	buf_adds(w->out, "\n\n");
	buf_free(&t);
}

/* A link target that needs no escaping inside <...>. */
static int plain_url(const char *s)
{
	if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(":/?#&=._~%+-", *s))
			return 0;
	return 1;
}

static void md_item(struct mw *w, const struct chain_item *it)
{
	md(w, it->kind ? it->kind : "?");
	buf_addc(w->out, ' ');
	if (it->ns) {
		md(w, it->ns);
		buf_addc(w->out, '/');
	}
	md(w, it->name);
	if (it->status[0]) {
		buf_adds(w->out, " (");
		md_in(w, it->status);
		buf_addc(w->out, ')');
	} else if (it->inferred) {
		buf_adds(w->out, " (inferred)");
	}
}

static void md_header(struct mw *w, const struct report_stats *st)
{
	const struct analysis *a = w->a;
	size_t i;
	int s;

	buf_adds(w->out, "# ktriage report\n\n| | |\n|---|---|\n");
	buf_addf(w->out, "| Findings | **%lu** (", st->shown);
	for (s = SEV_CRITICAL; s >= SEV_INFO; s--)
		buf_addf(w->out, "%s%lu %s", s == SEV_CRITICAL ? "" : ", ",
			 st->by_sev[s], severity_name((enum severity)s));
	buf_addc(w->out, ')');
	if (st->folded)
		buf_addf(w->out, "; %lu more explained by a cause",
			 st->folded);
	if (st->hidden)
		buf_addf(w->out, "; %lu not shown", st->hidden);
	buf_adds(w->out, " |\n| Inputs | ");
	for (i = 0; i < a->ninputs; i++) {
		if (i)
			buf_adds(w->out, ", ");
		md_code(w, a->inputs[i].path);
		buf_addf(w->out, " (%lu file%s, %llu bytes%s)",
			 a->inputs[i].files, a->inputs[i].files == 1 ? "" : "s",
			 (unsigned long long)a->inputs[i].bytes,
			 a->inputs[i].error_count ? ", with errors" : "");
	}
	buf_addf(w->out, " |\n| Read | %zu object%s, %lu event%s, %lu log "
		 "record%s, %lu line%s |\n| Time span | ", a->store.n,
		 a->store.n == 1 ? "" : "s", st->events,
		 st->events == 1 ? "" : "s", a->records,
		 a->records == 1 ? "" : "s", a->lines,
		 a->lines == 1 ? "" : "s");
	if (st->first_ms != INT64_MIN) {
		report_time(w->out, st->first_ms);
		buf_adds(w->out, " to ");
		report_time(w->out, st->last_ms);
		buf_adds(w->out, " (");
		report_span(w->out, (st->last_ms - st->first_ms) / 1000);
		buf_addc(w->out, ')');
	} else {
		buf_adds(w->out, "unknown");
	}
	buf_adds(w->out, " |\n| Bundle time | ");
	if (a->now_ms != INT64_MIN)
		report_time(w->out, a->now_ms);
	else
		buf_adds(w->out, "unknown");
	buf_addf(w->out, " |\n| Tool | ktriage %s |\n\n", KTRIAGE_VERSION);
}

static void md_evidence(struct mw *w, const struct finding *f)
{
	size_t i;

	buf_addf(w->out, "**Evidence** (%lu occurrence%s", f->count,
		 f->count == 1 ? "" : "s");
	if (f->nev > 1 || f->ev_other)
		buf_addf(w->out, " in %zu%s group%s", f->nev, f->ev_other ?
			 "+" : "", f->nev == 1 && !f->ev_other ? "" : "s");
	buf_adds(w->out, "):\n\n");
	for (i = 0; i < f->nev; i++) {
		const struct evidence *e = &f->ev[i];
		struct buf loc = BUF_INIT;

		buf_adds(&loc, e->source);
		buf_addf(&loc, ":%lu", e->line);
		md_code(w, loc.p);
		buf_free(&loc);
		if (e->count > 1) {
			buf_addf(w->out, " (×%lu", e->count);
			if (e->when.span_s > 0) {
				buf_adds(w->out, " over ");
				report_span(w->out, e->when.span_s);
			}
			if (e->last_source) {
				buf_adds(w->out, ", last at ");
				if (strcmp(e->last_source, e->source)) {
					md_code(w, e->last_source);
					buf_addc(w->out, ' ');
				}
				buf_addf(w->out, "line %lu", e->last_line);
			}
			buf_addc(w->out, ')');
		}
		buf_adds(w->out, "\n\n");
		md_fence(w, report_clean(&w->tmp, w->red, e->text));
	}
	if (f->ev_other)
		buf_addf(w->out, "… and %lu more occurrences of other lines.\n\n",
			 f->ev_other);
}

static void md_finding(struct mw *w, const struct finding *f)
{
	const struct rule *r = f->rule;
	struct chain_item items[CHAIN_MAX];
	char *subject = finding_subject(f);
	size_t n, i, k;
	const char *sev = severity_name((enum severity)f->severity);

	buf_addf(w->out, "### %lu. ", f->rank);
	for (; *sev; sev++)
		buf_addc(w->out, (char)toupper((unsigned char)*sev));
	buf_adds(w->out, ": ");
	md(w, r->title ? r->title : r->id);
	buf_adds(w->out, "\n\n");
	md_code(w, r->id);
	buf_addf(w->out, " · score %.1f · %lu occurrence%s%s\n\n", f->score,
		 f->count, f->count == 1 ? "" : "s",
		 f->resolved ? " · **resolved**: the object is healthy "
		 "again; this is history" : "");
	buf_adds(w->out, f->res.name ? "**Resource:** " : "**File:** ");
	md(w, subject);
	buf_adds(w->out, "\n\n");
	n = summary_chain(w->a, f, items, CHAIN_MAX);
	if (n >= 2) {
		buf_adds(w->out, "**Chain:** ");
		for (i = 0; i < n; i++) {
			if (i)
				buf_adds(w->out, " → ");
			md_item(w, &items[i]);
		}
		buf_adds(w->out, "\n\n");
	}
	md(w, report_message(&w->tmp, w->red, f));
	buf_adds(w->out, "\n\n");
	if (f->first_seen_ms != INT64_MIN) {
		buf_adds(w->out, "**Seen:** ");
		report_time(w->out, f->first_seen_ms);
		if (f->last_seen_ms != f->first_seen_ms) {
			buf_adds(w->out, " to ");
			report_time(w->out, f->last_seen_ms);
			buf_adds(w->out, " (");
			report_span(w->out, f->span_s);
			buf_addc(w->out, ')');
		}
		buf_adds(w->out, "\n\n");
	}
	md_evidence(w, f);
	for (i = k = 0; i < w->a->findings.n; i++) {
		const struct finding *g = w->a->findings.v[i];
		char *gs;

		if (!g->suppressed || g->suppressor != f)
			continue;
		gs = finding_subject(g);
		buf_adds(w->out, k++ ? ", " : "**Explains:** ");
		md_code(w, g->rule->id);
		buf_adds(w->out, " on ");
		md(w, gs);
		free(gs);
	}
	if (k)
		buf_adds(w->out, "\n\n");
	if (finding_remediation(f) && *finding_remediation(f)) {
		buf_adds(w->out, "**Fix:**\n\n");
		md_fence(w, finding_remediation(f));
	}
	for (i = 0; i < r->ndocs; i++) {
		buf_adds(w->out, i ? ", " : "**Docs:** ");
		if (plain_url(r->docs[i]))
			buf_addf(w->out, "<%s>", r->docs[i]);
		else
			md(w, r->docs[i]);
	}
	if (r->ndocs)
		buf_adds(w->out, "\n\n");
	free(subject);
}

static void md_certificates(struct mw *w)
{
	const struct analysis *a = w->a;
	struct cert_summary *cs;
	size_t n = summary_certificates(a, &cs), i, k;

	if (!n) {
		free(cs);
		return;
	}
	buf_adds(w->out, "## Certificates\n\n| Certificate | Ready | Reason | "
		 "Expires | Blocked by |\n|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		const struct gnode *g = &a->graph.v[cs[i].node];

		buf_adds(w->out, "| ");
		if (g->ns) {
			md(w, g->ns);
			buf_addc(w->out, '/');
		}
		md(w, g->name);
		if (!g->obj)
			buf_adds(w->out, " (inferred)");
		buf_adds(w->out, " | ");
		md_in(w, cs[i].ready ? cs[i].ready : "unknown");
		buf_adds(w->out, " | ");
		if (cs[i].reason && cs[i].ready && strcmp(cs[i].ready, "True"))
			md_in(w, cs[i].reason);
		buf_adds(w->out, " | ");
		if (cs[i].not_after)
			md_in(w, cs[i].not_after);
		buf_adds(w->out, " | ");
		for (k = 0; k < cs[i].nblocking; k++) {
			buf_addf(w->out, "%s#%lu ", k ? ", " : "",
				 cs[i].blocking[k]->rank);
			md_code(w, cs[i].blocking[k]->rule->id);
		}
		buf_adds(w->out, " |\n");
		report_spill(w->o, w->out);
	}
	buf_addc(w->out, '\n');
	for (i = 0; i < n; i++) {
		const struct gnode *g = &a->graph.v[cs[i].node];
		struct chain_item items[64];
		int depth[64];
		size_t m = summary_subtree(a, cs[i].node, items, depth, 64);

		buf_adds(w->out, "- **");
		if (g->ns) {
			md(w, g->ns);
			buf_addc(w->out, '/');
		}
		md(w, g->name);
		buf_adds(w->out, "**\n");
		for (k = 0; k < m; k++) {
			buf_addf(w->out, "%*s- ", depth[k] * 2, "");
			md_item(w, &items[k]);
			buf_addc(w->out, '\n');
		}
		report_spill(w->o, w->out);
	}
	buf_addc(w->out, '\n');
	free(cs);
}

static void md_coverage(struct mw *w)
{
	struct coverage_note notes[16];
	size_t n = summary_coverage(w->a, notes, 16), i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (!notes[i].note)
			continue;
		if (!any)
			buf_adds(w->out, "## Coverage\n\nWhat this input could "
				 "not show:\n\n");
		any = 1;
		buf_adds(w->out, "- ");
		md(w, notes[i].note);
		buf_addc(w->out, '\n');
	}
	if (any)
		buf_addc(w->out, '\n');
}

static void md_limits(struct mw *w)
{
	struct limit_note notes[LIMIT_NOTES_MAX];
	size_t n = summary_limits(w->a, notes, LIMIT_NOTES_MAX), i;

	if (!n)
		return;
	buf_adds(w->out, "## Limits reached\n\n");
	for (i = 0; i < n; i++) {
		buf_adds(w->out, "- ");
		md(w, notes[i].name);
		buf_addf(w->out, " (limit %lu): %lu %s", notes[i].limit,
			 notes[i].count, notes[i].count == 1 ?
			 notes[i].unit1 : notes[i].unit);
		if (notes[i].where) {
			buf_adds(w->out, ", first at ");
			md_code(w, notes[i].where);
		}
		buf_adds(w->out, "; ");
		md(w, notes[i].note);
		buf_addc(w->out, '\n');
	}
	buf_addc(w->out, '\n');
}

static void md_inputs(struct mw *w)
{
	const struct analysis *a = w->a;
	size_t i, j;

	buf_adds(w->out, "## Inputs\n\n");
	for (i = 0; i < a->ninputs; i++) {
		const struct input *in = &a->inputs[i];

		buf_adds(w->out, "- ");
		md_code(w, in->path);
		buf_addf(w->out, ": %lu file%s, %llu bytes", in->files,
			 in->files == 1 ? "" : "s",
			 (unsigned long long)in->bytes);
		if (in->bytes_compressed)
			buf_addf(w->out, " (%llu compressed)",
				 (unsigned long long)in->bytes_compressed);
		buf_addc(w->out, '\n');
		for (j = 0; j < in->nerrors; j++) {
			buf_adds(w->out, in->errors[j].is_warning ?
				 "  - warning: " : "  - error: ");
			md_code(w, in->errors[j].where);
			buf_adds(w->out, ": ");
			md_in(w, in->errors[j].message);
			buf_addc(w->out, '\n');
		}
		if (in->errors_dropped)
			buf_addf(w->out, "  - … and %lu more errors\n",
				 in->errors_dropped);
		for (j = 0; j < in->nskipped; j++) {
			buf_adds(w->out, "  - skipped: ");
			md_code(w, in->skipped[j].where);
			buf_adds(w->out, ": ");
			md_in(w, in->skipped[j].message);
			buf_addc(w->out, '\n');
		}
		if (in->skipped_dropped)
			buf_addf(w->out, "  - … and %lu more skipped\n",
				 in->skipped_dropped);
	}
}

void report_markdown(struct buf *out, const struct analysis *a,
		     const struct report_opts *o)
{
	struct mw w;
	struct report_stats st;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.a = a;
	w.o = o;
	w.red = report_redactor(a, o);
	report_stats(a, o, &st);
	md_header(&w, &st);
	buf_adds(out, "## Findings\n\n");
	for (i = 0; i < a->findings.n; i++)
		if (report_shows(o, a->findings.v[i])) {
			md_finding(&w, a->findings.v[i]);
			report_spill(o, out);
		}
	if (!st.shown)
		buf_adds(out, "No findings.\n\n");
	md_certificates(&w);
	md_coverage(&w);
	md_limits(&w);
	md_inputs(&w);
	buf_free(&w.tmp);
	redact_free(w.red);
}
