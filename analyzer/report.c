/*
 * What the report formats share: the format names, which findings a
 * report shows, colour and width for a terminal, the redactor, and the
 * numbers of the summary header (including the time the bundle covers).
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int report_format_parse(const char *s)
{
	if (!strcmp(s, "text"))
		return FORMAT_TEXT;
	if (!strcmp(s, "json"))
		return FORMAT_JSON;
	if (!strcmp(s, "ndjson"))
		return FORMAT_NDJSON;
	if (!strcmp(s, "markdown") || !strcmp(s, "md"))
		return FORMAT_MARKDOWN;
	if (!strcmp(s, "html"))
		return FORMAT_HTML;
	return -1;
}

void report_terminal(struct report_opts *o, enum color_mode cm, long width,
		     const struct report_term *t)
{
	int dumb = t->term && !strcmp(t->term, "dumb");

	if (cm == COLOR_ALWAYS)
		o->color = 1;
	else if (cm == COLOR_NEVER)
		o->color = 0;
	else
		o->color = t->tty && !dumb && !(t->no_color && *t->no_color);
	if (width >= 0) {
		o->width = width > 100000 ? 100000 : (int)width;
	} else if (t->tty) {
		long c = t->columns ? strtol(t->columns, NULL, 10) : 0;

		o->width = t->cols > 0 ? t->cols : c > 0 && c < 100000 ?
			(int)c : 100;
	} else {
		o->width = 0;
	}
	/* Narrower than this, wrapping only makes it worse. */
	if (o->width > 0 && o->width < 40)
		o->width = 40;
}

int report_shows(const struct report_opts *o, const struct finding *f)
{
	if (f->suppressed || f->severity < (int)o->min_severity)
		return 0;
	return !o->top || f->rank <= o->top;
}

void report_time(struct buf *out, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[40];

	if (ms < 0 && ms % 1000)
		t--;
	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_adds(out, tmp);
	if (ms % 1000)
		buf_addf(out, ".%03d", (int)(((ms % 1000) + 1000) % 1000));
	buf_addc(out, 'Z');
}

void report_span(struct buf *out, int64_t s)
{
	if (s < 120)
		buf_addf(out, "%llds", (long long)s);
	else if (s < 3600)
		buf_addf(out, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		buf_addf(out, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else
		buf_addf(out, "%lldd%lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
}

/* Every scalar under n (a Secret's data or stringData). */
static void add_secret_values(struct redactor *r, const struct fnode *n,
			      int base64)
{
	size_t i;

	if (!n)
		return;
	if (n->type == FN_SCALAR) {
		if (n->value && base64)
			redact_add_base64(r, slice_cstr(n->value));
		else if (n->value)
			redact_add_value(r, slice_cstr(n->value));
		return;
	}
	for (i = 0; i < n->nkids; i++)
		add_secret_values(r, n->kids[i], base64);
}

struct redactor *report_redactor(const struct analysis *a,
				 const struct report_opts *o)
{
	struct redactor *r;
	size_t i;

	if (o->no_redact)
		return NULL;
	r = redact_new(o->redact_emails ? REDACT_EMAILS : 0);
	/* The bundle's own Secrets say best what must not be shown. */
	for (i = 0; i < a->store.n; i++) {
		const struct kobject *obj = a->store.v[i];
		const struct fnode *root;

		if (!obj->kind || strcmp(obj->kind, "Secret") ||
		    !(root = kobject_root(obj)))
			continue;
		add_secret_values(r, fnode_child(root, "data"), 1);
		add_secret_values(r, fnode_child(root, "stringdata"), 0);
	}
	/* A secret seen next to its key is hidden where it stands alone. */
	for (i = 0; i < a->findings.n; i++) {
		const struct finding *f = a->findings.v[i];
		size_t j;

		if (f->message)
			redact_learn(r, slice_cstr(f->message));
		for (j = 0; j < f->nev; j++)
			if (f->ev[j].text)
				redact_learn(r, slice_cstr(f->ev[j].text));
	}
	return r;
}

const char *report_clean(struct buf *tmp, const struct redactor *r,
			 const char *s)
{
	if (!s)
		return "";
	if (!r)
		return s;
	buf_reset(tmp);
	redact_apply(r, tmp, slice_cstr(s));
	return buf_str(tmp);
}

const char *report_message(struct buf *tmp, const struct redactor *r,
			   const struct finding *f)
{
	struct finding copy;
	struct capvals *caps;
	size_t i, j;

	if (!r || !f->rule->message)
		return f->message ? f->message : "";
	/* Only the captures come from the input: render with them hidden. */
	copy = *f;
	caps = xcalloc(f->ncaps + 1, sizeof(*caps));
	for (i = 0; i < f->ncaps; i++) {
		caps[i] = f->caps[i];
		caps[i].values = xcalloc(f->caps[i].n + 1, sizeof(char *));
		for (j = 0; j < f->caps[i].n; j++) {
			struct buf b = BUF_INIT;

			redact_apply(r, &b, slice_cstr(f->caps[i].values[j]));
			caps[i].values[j] = buf_detach(&b);
		}
	}
	copy.caps = caps;
	buf_reset(tmp);
	findings_render(tmp, f->rule->message, &copy);
	for (i = 0; i < f->ncaps; i++) {
		for (j = 0; j < caps[i].n; j++)
			free(caps[i].values[j]);
		free(caps[i].values);
	}
	free(caps);
	return buf_str(tmp);
}

int report_event_times(const struct analysis *a, const struct kevent *ev,
		       int64_t *first_ms, int64_t *last_ms)
{
	int64_t f = INT64_MIN, l = INT64_MIN;

	if (ev->first_seen != TIME_UNKNOWN)
		f = ev->first_seen * 1000;
	else if (ev->first_age_s >= 0 && a->now_ms != INT64_MIN)
		f = a->now_ms - ev->first_age_s * 1000;
	if (ev->last_seen != TIME_UNKNOWN)
		l = ev->last_seen * 1000;
	else if (ev->last_age_s >= 0 && a->now_ms != INT64_MIN)
		l = a->now_ms - ev->last_age_s * 1000;
	if (f == INT64_MIN)
		f = l;
	if (l == INT64_MIN)
		l = f;
	if (f == INT64_MIN)
		return 0;
	if (l < f)
		l = f;
	*first_ms = f;
	*last_ms = l;
	return 1;
}

static void widen(struct report_stats *st, int64_t ms)
{
	if (ms == INT64_MIN)
		return;
	if (st->first_ms == INT64_MIN || ms < st->first_ms)
		st->first_ms = ms;
	if (st->last_ms == INT64_MIN || ms > st->last_ms)
		st->last_ms = ms;
}

void report_stats(const struct analysis *a, const struct report_opts *o,
		  struct report_stats *st)
{
	size_t i, j;

	memset(st, 0, sizeof(*st));
	st->first_ms = st->last_ms = INT64_MIN;
	for (i = 0; i < a->findings.n; i++) {
		const struct finding *f = a->findings.v[i];

		if (f->suppressed)
			st->folded++;
		else if (!report_shows(o, f))
			st->hidden++;
		else {
			st->by_sev[f->severity]++;
			st->shown++;
		}
		widen(st, f->first_seen_ms);
		widen(st, f->last_seen_ms);
	}
	for (i = 0; i < a->ninputs; i++)
		st->files += a->inputs[i].files;
	/*
	 * The time covered: what was seen (findings, events) and the latest
	 * time in objects and logs; not creation times, which can be
	 * months old, nor --now.
	 */
	for (i = 0; i < a->store.n; i++) {
		const struct kobject *obj = a->store.v[i];

		st->events += obj->nevents;
		for (j = 0; j < obj->nevents; j++) {
			int64_t f, l;

			if (report_event_times(a, &obj->events[j], &f, &l)) {
				widen(st, f);
				widen(st, l);
			}
		}
	}
	if (a->latest_log_ms != INT64_MIN && a->latest_log_ms)
		widen(st, a->latest_log_ms);
	if (a->store.latest_ms != INT64_MIN && a->store.latest_ms &&
	    st->first_ms != INT64_MIN)
		widen(st, a->store.latest_ms);
}

void report_spill(const struct report_opts *o, struct buf *out)
{
	if (o->flush && out->len >= REPORT_SPILL)
		o->flush(out, o->flush_ctx);
}

void report_write(struct buf *out, enum report_format f,
		  const struct analysis *a, const struct report_opts *o)
{
	switch (f) {
	case FORMAT_JSON:
		report_json(out, a, o);
		break;
	case FORMAT_NDJSON:
		report_ndjson(out, a, o);
		break;
	case FORMAT_MARKDOWN:
		report_markdown(out, a, o);
		break;
	case FORMAT_HTML:
		report_html(out, a, o);
		break;
	default:
		report_text(out, a, o);
		break;
	}
}
