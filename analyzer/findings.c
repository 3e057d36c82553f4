/*
 * Aggregation of rule hits into findings, the step between match and rank.
 * Hits on the same rule and resource become one finding with a count; the
 * first EVIDENCE_MAX distinct lines are kept as evidence, so memory stays
 * bounded however often a log repeats an error.
 */
#include "findings.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void findings_init(struct findings *fs)
{
	memset(fs, 0, sizeof(*fs));
}

static void finding_free(struct finding *f)
{
	size_t i, j;

	free(f->res.kind);
	free(f->res.ns);
	free(f->res.name);
	free(f->file);
	for (i = 0; i < f->nev; i++) {
		free(f->ev[i].source);
		free(f->ev[i].text);
	}
	for (i = 0; i < f->ncaps; i++) {
		free(f->caps[i].name);
		for (j = 0; j < f->caps[i].n; j++)
			free(f->caps[i].values[j]);
		free(f->caps[i].values);
	}
	free(f->caps);
	free(f->message);
	free(f->key);
	free(f);
}

void findings_drop(struct findings *fs, struct finding *f)
{
	/* After matching the index is not used again: drop it whole. */
	hmap_free(&fs->index);
	finding_free(f);
}

void findings_free(struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		finding_free(fs->v[i]);
	free(fs->v);
	hmap_free(&fs->index);
	memset(fs, 0, sizeof(*fs));
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static int has_resource(const struct resource *r)
{
	return r && r->name && *r->name;
}

static void make_key(struct buf *k, const struct rule *r,
		     const struct resource *res, const char *source)
{
	buf_adds(k, r->id);
	buf_addc(k, '\n');
	if (has_resource(res)) {
		buf_addf(k, "%s\n%s\n%s", res->kind ? res->kind : "",
			 res->ns ? res->ns : "", res->name);
	} else {
		buf_adds(k, "\n\n\n");
		buf_adds(k, source);
	}
}

static void add_capture(struct finding *f, const char *name,
			struct slice value)
{
	struct capvals *c = NULL;
	size_t i;

	for (i = 0; i < f->ncaps; i++)
		if (!strcmp(f->caps[i].name, name))
			c = &f->caps[i];
	if (!c) {
		f->caps = xrealloc(f->caps, (f->ncaps + 1) * sizeof(*f->caps));
		c = &f->caps[f->ncaps++];
		memset(c, 0, sizeof(*c));
		c->name = xstrdup(name);
	}
	for (i = 0; i < c->n; i++)
		if (slice_eq(value, c->values[i]))
			return;
	if (c->n >= CAPTURE_VALUES_MAX) {
		c->more++;
		return;
	}
	c->values = xrealloc(c->values, (c->n + 1) * sizeof(*c->values));
	c->values[c->n++] = xstrndup(value.p, value.n);
}

static char *evidence_text(struct slice text)
{
	struct slice t = slice_trim(text);

	if (t.n <= EVIDENCE_TEXT_MAX)
		return xstrndup(t.p, t.n);
	/* Cut on a UTF-8 character boundary and mark the cut. */
	{
		size_t n = EVIDENCE_TEXT_MAX;
		struct buf b = BUF_INIT;

		while (n > 0 && ((unsigned char)t.p[n] & 0xc0) == 0x80)
			n--;
		buf_add(&b, t.p, n);
		buf_adds(&b, "...");
		return buf_detach(&b);
	}
}

static void add_evidence(struct finding *f, const char *source,
			 unsigned long line, struct slice text)
{
	char *t;
	size_t i;

	if (f->nev >= EVIDENCE_MAX)
		return;
	t = evidence_text(text);
	/* The same text again adds nothing a reader needs. */
	for (i = 0; i < f->nev; i++) {
		if (!strcmp(f->ev[i].text, t)) {
			free(t);
			return;
		}
	}
	f->ev[f->nev].source = xstrdup(source);
	f->ev[f->nev].line = line;
	f->ev[f->nev].text = t;
	f->nev++;
}

int logtime_cmp(const struct logtime *a, const struct logtime *b)
{
	if (a->year_offset != b->year_offset)
		return a->year_offset < b->year_offset ? -1 : 1;
	if (a->mon != b->mon)
		return a->mon < b->mon ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	return 0;
}

static void note_time(struct finding *f, const struct when *w)
{
	if (!w)
		return;
	if (w->has_abs) {
		if (!f->has_abs || w->abs_lo < f->abs_min)
			f->abs_min = w->abs_lo;
		if (!f->has_abs || w->abs_hi > f->abs_max)
			f->abs_max = w->abs_hi;
		f->has_abs = 1;
	}
	if (w->has_yl) {
		if (!f->has_yl || logtime_cmp(&w->yl, &f->yl_min) < 0)
			f->yl_min = w->yl;
		if (!f->has_yl || logtime_cmp(&w->yl, &f->yl_max) > 0)
			f->yl_max = w->yl;
		f->has_yl = 1;
	}
	if (w->has_age) {
		if (!f->has_age || w->age_lo < f->age_min)
			f->age_min = w->age_lo;
		if (!f->has_age || w->age_hi > f->age_max)
			f->age_max = w->age_hi;
		f->has_age = 1;
	}
}

void findings_resolve_times(struct findings *fs, int bundle_year,
			    int64_t now_ms)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i];
		int64_t lo = INT64_MIN, hi = INT64_MIN;

		f->span_s = -1;
		if (f->has_abs) {
			lo = f->abs_min;
			hi = f->abs_max;
		}
		if (f->has_yl) {
			/* Without the bundle's year, a leap year still orders
			 * days and gives the span. */
			int y = bundle_year ? bundle_year : 2000;
			int64_t a = logtime_resolve(&f->yl_min, y,
						    bundle_year ? now_ms :
						    INT64_MIN);
			int64_t b = logtime_resolve(&f->yl_max, y,
						    bundle_year ? now_ms :
						    INT64_MIN);

			if (!bundle_year) {
				if (!f->has_abs && !f->has_age)
					f->span_s = (b - a) / 1000;
				a = b = INT64_MIN;
			}
			if (a != INT64_MIN && (lo == INT64_MIN || a < lo))
				lo = a;
			if (b != INT64_MIN && (hi == INT64_MIN || b > hi))
				hi = b;
		}
		if (f->has_age) {
			if (now_ms != INT64_MIN) {
				int64_t a = now_ms - f->age_max * 1000;
				int64_t b = now_ms - f->age_min * 1000;

				if (lo == INT64_MIN || a < lo)
					lo = a;
				if (hi == INT64_MIN || b > hi)
					hi = b;
			} else if (!f->has_abs && !f->has_yl) {
				f->span_s = f->age_max - f->age_min;
			}
		}
		f->first_seen_ms = lo;
		f->last_seen_ms = hi;
		if (lo != INT64_MIN && hi != INT64_MIN)
			f->span_s = (hi - lo) / 1000;
	}
}

struct finding *findings_add(struct findings *fs, const struct rule *r,
			     const struct resource *res, const char *source,
			     unsigned long line, struct slice text,
			     const struct hit_capture *caps, size_t ncaps,
			     const struct when *w)
{
	struct buf key = BUF_INIT;
	struct finding *f;
	size_t i;

	make_key(&key, r, res, source);
	f = hmap_get(&fs->index, key.p, key.len);
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		f->rule = r;
		if (has_resource(res)) {
			f->res.kind = dup_or_null(res->kind);
			f->res.ns = dup_or_null(res->ns);
			f->res.name = xstrdup(res->name);
		} else {
			f->file = xstrdup(source);
		}
		f->key = buf_detach(&key);
		f->severity = (int)r->severity;
		f->first_seen_ms = f->last_seen_ms = INT64_MIN;
		f->span_s = -1;
		fs->v = xgrow(fs->v, &fs->cap, fs->n + 1, sizeof(*fs->v));
		fs->v[fs->n++] = f;
		hmap_put(&fs->index, f->key, strlen(f->key), f);
	}
	buf_free(&key);
	f->count += w && w->weight ? w->weight : 1;
	note_time(f, w);
	add_evidence(f, source, line, text);
	for (i = 0; i < ncaps; i++)
		add_capture(f, caps[i].name, caps[i].value);
	return f;
}

char *finding_subject(const struct finding *f)
{
	struct buf b = BUF_INIT;

	if (!f->res.name)
		return xstrdup(f->file ? f->file : "");
	if (f->res.kind)
		buf_addf(&b, "%s/", f->res.kind);
	if (f->res.ns)
		buf_addf(&b, "%s/", f->res.ns);
	buf_adds(&b, f->res.name);
	return buf_detach(&b);
}

static const struct capvals *find_cap(const struct finding *f,
				      const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < f->ncaps; i++)
		if (strlen(f->caps[i].name) == n &&
		    !memcmp(f->caps[i].name, name, n))
			return &f->caps[i];
	return NULL;
}

static void render_values(struct buf *out, const struct capvals *c)
{
	size_t i, shown = c->n < 5 ? c->n : 5;
	unsigned long rest = (unsigned long)(c->n - shown) + c->more;

	for (i = 0; i < shown; i++) {
		if (i)
			buf_adds(out, ", ");
		buf_adds(out, c->values[i]);
	}
	if (rest)
		buf_addf(out, " and %lu more", rest);
}

void findings_render(struct buf *out, const char *tmpl,
		     const struct finding *f)
{
	const char *p = tmpl;

	for (;;) {
		const char *open = strstr(p, "{{"), *close, *bar, *name;
		size_t n;

		if (!open || !(close = strstr(open + 2, "}}"))) {
			buf_adds(out, p);
			return;
		}
		buf_add(out, p, (size_t)(open - p));
		name = open + 2;
		while (*name == ' ')
			name++;
		bar = memchr(name, '|', (size_t)(close - name));
		n = (size_t)((bar ? bar : close) - name);
		while (n && name[n - 1] == ' ')
			n--;
		if (n == 8 && !memcmp(name, "resource", 8)) {
			char *s = finding_subject(f);

			buf_adds(out, s);
			free(s);
		} else if (n == 5 && !memcmp(name, "count", 5)) {
			buf_addf(out, "%lu", f->count);
		} else if (n > 1 && name[0] == '#') {
			/* {{#domain}}: how many distinct values. */
			const struct capvals *c = find_cap(f, name + 1, n - 1);

			buf_addf(out, "%lu", c ? (unsigned long)c->n + c->more :
				 0UL);
		} else {
			const struct capvals *c = find_cap(f, name, n);

			if (c && c->n)
				render_values(out, c);
			else if (bar)
				buf_add(out, bar + 1,
					(size_t)(close - bar - 1));
			else
				buf_adds(out, "(unknown)");
		}
		p = close + 2;
	}
}

void findings_finish(struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct buf b = BUF_INIT;

		findings_render(&b, fs->v[i]->rule->message, fs->v[i]);
		free(fs->v[i]->message);
		fs->v[i]->message = buf_detach(&b);
	}
}
