/*
 * The plain-text report: a summary header, then the findings, most likely
 * root cause on top, each with the affected resource, its chain, the
 * evidence as file:line excerpts and the fix; then the Certificates, the
 * coverage notes and what was read. Control characters from the input
 * are escaped so a hostile bundle cannot drive the terminal. On a
 * terminal (or when asked) the report is coloured and wrapped: each
 * logical line is built whole, then broken at spaces to the width.
 */
#include "report.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "summary.h"

struct tw {
	struct buf *out;	/* the report */
	struct buf line;	/* the logical line being built */
	struct buf tmp;		/* redaction scratch */
	const struct analysis *a;
	const struct report_opts *o;
	struct redactor *red;
	int cind;		/* where continuation lines start */
};

/* Names and rule text: escaped, never redacted. */
static void put(struct tw *w, const char *s)
{
	escape_terminal(&w->line, slice_cstr(s ? s : ""));
}

/* Text from the input: secrets hidden, then escaped. */
static void put_in(struct tw *w, const char *s)
{
	put(w, report_clean(&w->tmp, w->red, s));
}

static void lit(struct tw *w, const char *s)
{
	buf_adds(&w->line, s);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void litf(struct tw *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&w->line, fmt, ap);
	va_end(ap);
}

/* Start an SGR style ("1", "31", ...) or end it (NULL). */
static void sgr(struct tw *w, const char *code)
{
	if (w->o->color)
		buf_addf(&w->line, "\x1b[%sm", code ? code : "0");
}

static const char *sev_color(int sev)
{
	static const char *const c[SEV_COUNT] = {
		"2", "36", "33", "31", "1;31",
	};

	return sev >= 0 && sev < SEV_COUNT ? c[sev] : "0";
}

/* Columns taken by p[i]: SGR sequences none, UTF-8 continuations none. */
static size_t skip_sgr(const char *p, size_t n, size_t i)
{
	size_t j = i + 2;

	while (j < n && p[j] != 'm')
		j++;
	return j < n ? j + 1 : n;
}

/*
 * Write the line p[0..n) broken at spaces so that no output line is
 * wider than width (a word longer than the room left stays whole);
 * continuation lines start at column cind and carry the active colour.
 */
static void wrap(struct buf *out, const char *p, size_t n, int width,
		 int cind)
{
	char state[32] = "";
	size_t i = 0;
	int col = 0;

	while (i < n && p[i] == ' ') {
		buf_addc(out, ' ');
		col++;
		i++;
	}
	while (i < n) {
		size_t sb = i, nsp, wb, we;
		int wcols = 0;

		while (i < n && p[i] == ' ')
			i++;
		nsp = i - sb;
		if (i >= n)
			break;
		wb = i;
		while (i < n && p[i] != ' ') {
			if (p[i] == '\x1b' && i + 1 < n && p[i + 1] == '[') {
				i = skip_sgr(p, n, i);
				continue;
			}
			if (((unsigned char)p[i] & 0xc0) != 0x80)
				wcols++;
			i++;
		}
		we = i;
		if (col + (int)nsp + wcols > width && col > cind) {
			if (state[0])
				buf_adds(out, "\x1b[0m");
			buf_addf(out, "\n%*s", cind, "");
			col = cind;
			if (state[0])
				buf_adds(out, state);
		} else {
			buf_add(out, p + sb, nsp);
			col += (int)nsp;
		}
		buf_add(out, p + wb, we - wb);
		col += wcols;
		/* Remember the last style set inside the word. */
		for (sb = wb; sb < we; sb++) {
			size_t e;

			if (p[sb] != '\x1b' || sb + 1 >= we || p[sb + 1] != '[')
				continue;
			e = skip_sgr(p, we, sb);
			if (e - sb == 4 && p[sb + 2] == '0')
				state[0] = 0;
			else if (e - sb < sizeof(state)) {
				memcpy(state, p + sb, e - sb);
				state[e - sb] = 0;
			}
			sb = e - 1;
		}
	}
	buf_addc(out, '\n');
}

/* End the logical line: as it is, or wrapped to the width. */
static void endl(struct tw *w)
{
	if (w->o->width > 0)
		wrap(w->out, w->line.p ? w->line.p : "", w->line.len,
		     w->o->width, w->cind);
	else {
		buf_add(w->out, w->line.p, w->line.len);
		buf_addc(w->out, '\n');
	}
	buf_reset(&w->line);
	w->cind = 0;
	report_spill(w->o, w->out);
}

/* A label such as "Fix:" in bold. */
static void label(struct tw *w, const char *indent, const char *s)
{
	lit(w, indent);
	sgr(w, "1");
	lit(w, s);
	sgr(w, NULL);
}

/* Write rule text indented by ind spaces, one output line per line. */
static void put_block(struct tw *w, const char *text, int ind)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), sp = 0;

		if (n) {
			while (sp < n && p[sp] == ' ')
				sp++;
			litf(w, "%*s", ind, "");
			escape_terminal(&w->line, slice_make(p, n));
			w->cind = ind + (int)sp + 2;
		}
		endl(w);
		p += n + (nl ? 1 : 0);
	}
}

static void upper(struct tw *w, const char *s)
{
	for (; *s; s++)
		buf_addc(&w->line, (char)toupper((unsigned char)*s));
}

/* The echoes this finding explains, one line each. */
static void text_explains(struct tw *w, const struct findings *fs,
			  const struct finding *f)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct finding *g = fs->v[i];
		char *subject;

		if (!g->suppressed || g->suppressor != f)
			continue;
		subject = finding_subject(g);
		label(w, "   ", "Explains:");
		lit(w, " ");
		put(w, g->rule->id);
		lit(w, " on ");
		put(w, subject);
		w->cind = 13;
		endl(w);
		free(subject);
	}
}

static const char *status_color(const char *st)
{
	if (strstr(st, "=True") || !strcmp(st, "valid"))
		return "32";
	if (strstr(st, "=False") || !strcmp(st, "invalid") ||
	    !strcmp(st, "errored"))
		return "31";
	return "33";
}

static void put_item(struct tw *w, const struct chain_item *it)
{
	put(w, it->kind ? it->kind : "?");
	lit(w, " ");
	if (it->ns) {
		put(w, it->ns);
		lit(w, "/");
	}
	put(w, it->name);
	if (it->status[0]) {
		lit(w, " (");
		sgr(w, status_color(it->status));
		put_in(w, it->status);
		sgr(w, NULL);
		lit(w, ")");
	} else if (it->inferred) {
		lit(w, " (inferred)");
	}
}

static void text_chain(struct tw *w, const struct finding *f)
{
	struct chain_item items[CHAIN_MAX];
	size_t n = summary_chain(w->a, f, items, CHAIN_MAX), i;

	if (n < 2)
		return;
	label(w, "   ", "Chain:");
	lit(w, "    ");
	for (i = 0; i < n; i++) {
		if (i) {
			w->cind = 19;
			endl(w);
			lit(w, "             -> ");
		}
		put_item(w, &items[i]);
	}
	w->cind = 19;
	endl(w);
}

static void text_evidence(struct tw *w, const struct finding *f)
{
	size_t i;

	label(w, "   ", "Evidence");
	litf(w, " (%lu occurrence%s", f->count, f->count == 1 ? "" : "s");
	if (f->nev > 1 || f->ev_other)
		litf(w, " in %zu%s group%s", f->nev, f->ev_other ?
		     "+" : "", f->nev == 1 && !f->ev_other ? "" : "s");
	lit(w, "):");
	endl(w);
	for (i = 0; i < f->nev; i++) {
		const struct evidence *e = &f->ev[i];

		lit(w, "     ");
		sgr(w, "36");
		put(w, e->source);
		litf(w, ":%lu", e->line);
		sgr(w, NULL);
		if (e->count > 1) {
			litf(w, "  (x%lu", e->count);
			if (e->when.span_s > 0) {
				lit(w, " over ");
				report_span(&w->line, e->when.span_s);
			}
			if (e->last_source) {
				lit(w, ", last at ");
				if (strcmp(e->last_source, e->source))
					put(w, e->last_source);
				litf(w, ":%lu", e->last_line);
			}
			lit(w, ")");
		}
		w->cind = 9;
		endl(w);
		lit(w, "       ");
		put_in(w, e->text);
		w->cind = 9;
		endl(w);
	}
	if (f->ev_other) {
		litf(w, "     ... and %lu more occurrences of other lines",
		     f->ev_other);
		endl(w);
	}
}

static void text_finding(struct tw *w, const struct finding *f)
{
	const struct rule *r = f->rule;
	char *subject = finding_subject(f);
	size_t i;

	sgr(w, sev_color(f->severity));
	litf(w, "#%lu ", f->rank);
	upper(w, severity_name((enum severity)f->severity));
	sgr(w, NULL);
	lit(w, "  ");
	sgr(w, "1");
	put(w, r->title ? r->title : r->id);
	sgr(w, NULL);
	lit(w, "  ");
	sgr(w, "2");
	litf(w, "[%s, score %.1f%s]", r->id, f->score,
	     f->resolved ? ", resolved" : "");
	sgr(w, NULL);
	w->cind = 3;
	endl(w);
	label(w, "   ", f->res.name ? "Resource:" : "File:    ");
	lit(w, " ");
	put(w, subject);
	w->cind = 13;
	endl(w);
	text_chain(w, f);
	lit(w, "   ");
	put(w, report_message(&w->tmp, w->red, f));
	w->cind = 3;
	endl(w);
	if (f->resolved) {
		lit(w, "   ");
		sgr(w, "32");
		lit(w, "Resolved:");
		sgr(w, NULL);
		lit(w, " the object is healthy again; this is history.");
		w->cind = 13;
		endl(w);
	}
	if (f->first_seen_ms != INT64_MIN) {
		label(w, "   ", "Seen:");
		lit(w, " ");
		report_time(&w->line, f->first_seen_ms);
		if (f->last_seen_ms != f->first_seen_ms) {
			lit(w, " to ");
			report_time(&w->line, f->last_seen_ms);
			lit(w, " (");
			report_span(&w->line, f->span_s);
			lit(w, ")");
		}
		w->cind = 9;
		endl(w);
	} else if (f->span_s > 0) {
		label(w, "   ", "Seen");
		lit(w, " over ");
		report_span(&w->line, f->span_s);
		endl(w);
	}
	text_evidence(w, f);
	text_explains(w, &w->a->findings, f);
	if (finding_remediation(f) && *finding_remediation(f)) {
		label(w, "   ", "Fix:");
		endl(w);
		put_block(w, finding_remediation(f), 5);
	}
	for (i = 0; i < r->ndocs; i++) {
		if (i) {
			lit(w, "         ");
		} else {
			label(w, "   ", "Docs:");
			lit(w, " ");
		}
		put(w, r->docs[i]);
		w->cind = 9;
		endl(w);
	}
	endl(w);
	free(subject);
}

static void text_certificates(struct tw *w)
{
	const struct analysis *a = w->a;
	struct cert_summary *cs;
	size_t n = summary_certificates(a, &cs), i, k;

	if (!n) {
		free(cs);
		return;
	}
	sgr(w, "1");
	lit(w, "Certificates:");
	sgr(w, NULL);
	endl(w);
	for (i = 0; i < n; i++) {
		const struct gnode *g = &a->graph.v[cs[i].node];
		struct chain_item items[64];
		int depth[64];
		size_t m = summary_subtree(a, cs[i].node, items, depth, 64);

		lit(w, "  ");
		if (g->ns) {
			put(w, g->ns);
			lit(w, "/");
		}
		put(w, g->name);
		lit(w, ": ");
		sgr(w, cs[i].ready ? status_color(cs[i].ready[0] == 'T' ?
			"=True" : cs[i].ready[0] == 'F' ? "=False" : "") :
		    "33");
		lit(w, "Ready=");
		put_in(w, cs[i].ready ? cs[i].ready : "unknown");
		sgr(w, NULL);
		if (cs[i].reason && cs[i].ready && strcmp(cs[i].ready, "True")) {
			lit(w, " (");
			put_in(w, cs[i].reason);
			lit(w, ")");
		}
		if (cs[i].not_after) {
			lit(w, ", expires ");
			put_in(w, cs[i].not_after);
		}
		if (cs[i].nblocking) {
			lit(w, ", blocked by");
			for (k = 0; k < cs[i].nblocking; k++)
				litf(w, "%s #%lu %s", k ? "," : "",
				     cs[i].blocking[k]->rank,
				     cs[i].blocking[k]->rule->id);
		}
		if (!g->obj)
			lit(w, " (inferred from its requests)");
		w->cind = 4;
		endl(w);
		for (k = 0; k < m; k++) {
			litf(w, "  %*s- ", depth[k] * 2, "");
			put_item(w, &items[k]);
			w->cind = depth[k] * 2 + 6;
			endl(w);
		}
	}
	endl(w);
	free(cs);
}

static void text_coverage(struct tw *w)
{
	struct coverage_note notes[16];
	size_t n = summary_coverage(w->a, notes, 16), i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (!notes[i].note)
			continue;
		if (!any) {
			sgr(w, "1");
			lit(w, "Coverage (what this input could not show):");
			sgr(w, NULL);
			endl(w);
		}
		any = 1;
		lit(w, "  - ");
		put(w, notes[i].note);
		w->cind = 4;
		endl(w);
	}
	if (any)
		endl(w);
}

/* The limits reached, only when any: what was not analyzed in full. */
static void text_limits(struct tw *w)
{
	struct limit_note notes[LIMIT_NOTES_MAX];
	size_t n = summary_limits(w->a, notes, LIMIT_NOTES_MAX), i;

	if (!n)
		return;
	sgr(w, "1");
	lit(w, "Limits reached:");
	sgr(w, NULL);
	endl(w);
	for (i = 0; i < n; i++) {
		litf(w, "  - %s (limit %lu): %lu %s", notes[i].name,
		     notes[i].limit, notes[i].count, notes[i].count == 1 ?
		     notes[i].unit1 : notes[i].unit);
		if (notes[i].where) {
			lit(w, ", first at ");
			put(w, notes[i].where);
		}
		w->cind = 4;
		endl(w);
		lit(w, "    ");
		lit(w, notes[i].note);
		w->cind = 4;
		endl(w);
	}
	endl(w);
}

static void text_inputs(struct tw *w)
{
	const struct analysis *a = w->a;
	size_t i, j;

	sgr(w, "1");
	lit(w, "Inputs:");
	sgr(w, NULL);
	endl(w);
	for (i = 0; i < a->ninputs; i++) {
		const struct input *in = &a->inputs[i];

		lit(w, "  ");
		put(w, in->path);
		litf(w, ": %lu file%s, %llu bytes", in->files,
		     in->files == 1 ? "" : "s",
		     (unsigned long long)in->bytes);
		if (in->bytes_compressed)
			litf(w, " (%llu compressed)",
			     (unsigned long long)in->bytes_compressed);
		w->cind = 4;
		endl(w);
		for (j = 0; j < in->nerrors; j++) {
			lit(w, "    ");
			sgr(w, in->errors[j].is_warning ? "33" : "31");
			lit(w, in->errors[j].is_warning ? "warning:" :
			    "error:");
			sgr(w, NULL);
			lit(w, " ");
			put(w, in->errors[j].where);
			lit(w, ": ");
			put_in(w, in->errors[j].message);
			w->cind = 6;
			endl(w);
		}
		if (in->errors_dropped) {
			litf(w, "    ... and %lu more errors",
			     in->errors_dropped);
			endl(w);
		}
		for (j = 0; j < in->nskipped; j++) {
			lit(w, "    skipped: ");
			put(w, in->skipped[j].where);
			lit(w, ": ");
			put_in(w, in->skipped[j].message);
			w->cind = 6;
			endl(w);
		}
		if (in->skipped_dropped) {
			litf(w, "    ... and %lu more skipped",
			     in->skipped_dropped);
			endl(w);
		}
	}
}

/* The summary header: what was read, the time covered, the findings. */
static void text_header(struct tw *w, const struct report_stats *st)
{
	const struct analysis *a = w->a;
	size_t i;
	int s, first = 1;

	sgr(w, "1");
	litf(w, "ktriage %s: %lu finding%s", KTRIAGE_VERSION, st->shown,
	     st->shown == 1 ? "" : "s");
	sgr(w, NULL);
	for (s = SEV_CRITICAL; s >= SEV_INFO; s--) {
		if (!st->by_sev[s])
			continue;
		lit(w, first ? " (" : ", ");
		sgr(w, sev_color(s));
		litf(w, "%lu %s", st->by_sev[s],
		     severity_name((enum severity)s));
		sgr(w, NULL);
		first = 0;
	}
	if (!first)
		lit(w, ")");
	litf(w, " in %lu file%s, %lu lines", st->files,
	     st->files == 1 ? "" : "s", a->lines);
	endl(w);
	label(w, "  ", "Inputs:");
	lit(w, "    ");
	for (i = 0; i < a->ninputs; i++) {
		if (i)
			lit(w, ", ");
		put(w, a->inputs[i].path);
		litf(w, " (%lu file%s, %llu bytes%s)", a->inputs[i].files,
		     a->inputs[i].files == 1 ? "" : "s",
		     (unsigned long long)a->inputs[i].bytes,
		     a->inputs[i].error_count ? ", with errors" : "");
	}
	w->cind = 13;
	endl(w);
	label(w, "  ", "Read:");
	litf(w, "      %zu object%s, %lu event%s, %lu log record%s, "
	     "%lu line%s", a->store.n, a->store.n == 1 ? "" : "s",
	     st->events, st->events == 1 ? "" : "s",
	     a->records, a->records == 1 ? "" : "s",
	     a->lines, a->lines == 1 ? "" : "s");
	w->cind = 13;
	endl(w);
	label(w, "  ", "Time span:");
	lit(w, " ");
	if (st->first_ms != INT64_MIN) {
		report_time(&w->line, st->first_ms);
		lit(w, " to ");
		report_time(&w->line, st->last_ms);
		lit(w, " (");
		report_span(&w->line, (st->last_ms - st->first_ms) / 1000);
		lit(w, ")");
	} else {
		lit(w, "unknown (no times in the input)");
	}
	if (a->now_ms != INT64_MIN) {
		lit(w, a->now_override != INT64_MIN ? "; ages from --now " :
		    "; bundle time ");
		report_time(&w->line, a->now_ms);
	}
	w->cind = 13;
	endl(w);
	label(w, "  ", "Findings:");
	litf(w, "  ");
	for (s = SEV_CRITICAL; s >= SEV_INFO; s--)
		litf(w, "%s%lu %s", s == SEV_CRITICAL ? "" : ", ",
		     st->by_sev[s], severity_name((enum severity)s));
	if (st->folded)
		litf(w, "; %lu more explained by a cause", st->folded);
	if (st->hidden)
		litf(w, "; %lu not shown (--top, --min-severity)",
		     st->hidden);
	w->cind = 13;
	endl(w);
	endl(w);
}

void report_text(struct buf *out, const struct analysis *a,
		 const struct report_opts *o)
{
	struct tw w;
	struct report_stats st;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.a = a;
	w.o = o;
	w.red = report_redactor(a, o);
	report_stats(a, o, &st);
	text_header(&w, &st);
	for (i = 0; i < a->findings.n; i++)
		if (report_shows(o, a->findings.v[i]))
			text_finding(&w, a->findings.v[i]);
	if (!st.shown) {
		lit(&w, "No findings.");
		endl(&w);
		endl(&w);
	}
	text_certificates(&w);
	text_coverage(&w);
	text_limits(&w);
	text_inputs(&w);
	buf_free(&w.line);
	buf_free(&w.tmp);
	redact_free(w.red);
}
