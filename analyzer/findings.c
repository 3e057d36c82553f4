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
#include "diag.h"
#include "logrec.h"

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
		free(f->ev[i].last_source);
	}
	for (i = 0; i < f->ncaps; i++) {
		free(f->caps[i].name);
		for (j = 0; j < f->caps[i].n; j++)
			free(f->caps[i].values[j]);
		free(f->caps[i].values);
	}
	free(f->caps);
	free(f->message);
	free(f->remediation);
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
	free(fs->dropped_where);
	free(fs->values_where);
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

/* A finding's key: the rule, then the resource or (without one) the file. */
static void make_key(struct keybuf *k, const struct rule *r,
		     const struct resource *res, const char *source)
{
	const char *part[5] = { r->id, NULL, NULL, NULL, source };

	if (has_resource(res)) {
		part[1] = res->kind;
		part[2] = res->ns;
		part[3] = res->name;
		keybuf_set(k, 4, part);
	} else {
		keybuf_set(k, 5, part);
	}
}

/* "file:line", owned by the caller. */
static char *where_dup(const char *source, unsigned long line)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s:%lu", source, line);
	return buf_detach(&b);
}

static struct capvals *capture_of(struct finding *f, const char *name)
{
	struct capvals *c;
	size_t i;

	for (i = 0; i < f->ncaps; i++)
		if (!strcmp(f->caps[i].name, name))
			return &f->caps[i];
	f->caps = xrealloc(f->caps, (f->ncaps + 1) * sizeof(*f->caps));
	c = &f->caps[f->ncaps++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	return c;
}

/* Returns 1 when the value is new but not kept: the capture is full. */
static int add_capture(struct capvals *c, struct slice value)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (slice_eq(value, c->values[i]))
			return 0;
	if (c->n >= CAPTURE_VALUES_MAX) {
		c->more++;
		return 1;
	}
	c->values = xrealloc(c->values, (c->n + 1) * sizeof(*c->values));
	c->values[c->n++] = xstrndup(value.p, value.n);
	return 0;
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

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

uint64_t evidence_key(struct slice t)
{
	uint64_t h = 14695981039346656037ull;
	size_t i = 0, n = t.n;
	const unsigned char *p = (const unsigned char *)t.p;
	const char *hdr = memchr(t.p, ']', n < 64 ? n : 64);

	/* A klog header (with any prefix) says only when and where. */
	if (hdr && n > 20 && (klog_level(t.p[0]) ||
			      (t.p[0] >= '0' && t.p[0] <= '9')))
		i = (size_t)(hdr - t.p) + 1;
	while (i < n) {
		size_t j = i, digits = 0, upper = 0, lower = 0;

		if (!word_char(p[i])) {
			h = (h ^ p[i]) * 1099511628211ull;
			i++;
			continue;
		}
		while (j < n && word_char(p[j])) {
			digits += p[j] >= '0' && p[j] <= '9';
			upper += p[j] >= 'A' && p[j] <= 'Z';
			lower += p[j] >= 'a' && p[j] <= 'z';
			j++;
		}
		if (j - i >= 16 && (digits || (upper && lower))) {
			/* A token, an id or a hash: all of them look alike. */
			h = (h ^ '#') * 1099511628211ull;
		} else {
			size_t k;

			for (k = i; k < j; k++) {
				if (p[k] >= '0' && p[k] <= '9') {
					if (k > i && p[k - 1] >= '0' &&
					    p[k - 1] <= '9')
						continue;
					h = (h ^ '#') * 1099511628211ull;
				} else {
					h = (h ^ p[k]) * 1099511628211ull;
				}
			}
		}
		i = j;
	}
	return h;
}

static void timespan_note(struct timespan *t, const struct when *w)
{
	if (!w)
		return;
	if (w->has_abs) {
		if (!t->has_abs || w->abs_lo < t->abs_min)
			t->abs_min = w->abs_lo;
		if (!t->has_abs || w->abs_hi > t->abs_max)
			t->abs_max = w->abs_hi;
		t->has_abs = 1;
	}
	if (w->has_yl) {
		if (!t->has_yl || logtime_cmp(&w->yl, &t->yl_min) < 0)
			t->yl_min = w->yl;
		if (!t->has_yl || logtime_cmp(&w->yl, &t->yl_max) > 0)
			t->yl_max = w->yl;
		t->has_yl = 1;
	}
	if (w->has_age) {
		if (!t->has_age || w->age_lo < t->age_min)
			t->age_min = w->age_lo;
		if (!t->has_age || w->age_hi > t->age_max)
			t->age_max = w->age_hi;
		t->has_age = 1;
	}
}

static void add_evidence(struct findings *fs, struct finding *f,
			 const char *source, unsigned long line,
			 struct slice text, const struct when *w,
			 unsigned long weight)
{
	struct evidence *e = NULL;
	uint64_t key;
	size_t i;

	if (fs->last.p == text.p && fs->last.n == text.n &&
	    fs->last.source == source && fs->last.line == line && text.p) {
		key = fs->last.key;
	} else {
		key = evidence_key(slice_trim(text));
		fs->last.p = text.p;
		fs->last.n = text.n;
		fs->last.source = source;
		fs->last.line = line;
		fs->last.key = key;
	}

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].key == key)
			e = &f->ev[i];
	if (!e) {
		if (f->nev >= EVIDENCE_MAX) {
			f->ev_other += weight;
			return;
		}
		e = &f->ev[f->nev++];
		memset(e, 0, sizeof(*e));
		e->key = key;
		e->source = xstrdup(source);
		e->line = line;
		e->text = evidence_text(text);
		e->when.first_ms = e->when.last_ms = INT64_MIN;
		e->when.span_s = -1;
	} else if (e->last_line != line || strcmp(e->last_source ?
						    e->last_source : "",
						    source)) {
		free(e->last_source);
		e->last_source = xstrdup(source);
		e->last_line = line;
	}
	e->count += weight;
	timespan_note(&e->when, w);
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

static void timespan_resolve(struct timespan *t, int bundle_year,
			     int64_t now_ms)
{
	int64_t lo = INT64_MIN, hi = INT64_MIN;

	t->span_s = -1;
	if (t->has_abs) {
		lo = t->abs_min;
		hi = t->abs_max;
	}
	if (t->has_yl) {
		/* Without the bundle's year, a leap year still orders days
		 * and gives the span. */
		int y = bundle_year ? bundle_year : 2000;
		int64_t a = logtime_resolve(&t->yl_min, y, bundle_year ?
					    now_ms : INT64_MIN);
		int64_t b = logtime_resolve(&t->yl_max, y, bundle_year ?
					    now_ms : INT64_MIN);

		if (!bundle_year) {
			if (!t->has_abs && !t->has_age)
				t->span_s = (b - a) / 1000;
			a = b = INT64_MIN;
		}
		if (a != INT64_MIN && (lo == INT64_MIN || a < lo))
			lo = a;
		if (b != INT64_MIN && (hi == INT64_MIN || b > hi))
			hi = b;
	}
	if (t->has_age) {
		if (now_ms != INT64_MIN) {
			int64_t a = now_ms - t->age_max * 1000;
			int64_t b = now_ms - t->age_min * 1000;

			if (lo == INT64_MIN || a < lo)
				lo = a;
			if (hi == INT64_MIN || b > hi)
				hi = b;
		} else if (!t->has_abs && !t->has_yl) {
			t->span_s = t->age_max - t->age_min;
		}
	}
	t->first_ms = lo;
	t->last_ms = hi;
	if (lo != INT64_MIN && hi != INT64_MIN)
		t->span_s = (hi - lo) / 1000;
}

void findings_resolve_times(struct findings *fs, int bundle_year,
			    int64_t now_ms)
{
	size_t i, j;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i];

		timespan_resolve(&f->when, bundle_year, now_ms);
		f->first_seen_ms = f->when.first_ms;
		f->last_seen_ms = f->when.last_ms;
		f->span_s = f->when.span_s;
		for (j = 0; j < f->nev; j++)
			timespan_resolve(&f->ev[j].when, bundle_year, now_ms);
	}
}

struct finding *findings_add(struct findings *fs, const struct rule *r,
			     const struct resource *res, const char *source,
			     unsigned long line, struct slice text,
			     const struct hit_capture *caps, size_t ncaps,
			     const struct when *w)
{
	struct keybuf key;
	struct finding *f;
	unsigned long weight;
	size_t i;

	keybuf_init(&key);
	make_key(&key, r, res, source);
	f = hmap_get(&fs->index, key.p, key.n);
	if (!f && fs->n >= (fs->max ? fs->max : FINDINGS_DEFAULT_MAX)) {
		if (!fs->dropped++) {
			fs->dropped_where = where_dup(source, line);
			diag(DIAG_WARNING, fs->dropped_where, "finding limit "
			     "of %zu reached; later new findings are not kept",
			     fs->max ? fs->max : (size_t)FINDINGS_DEFAULT_MAX);
		}
		keybuf_free(&key);
		return NULL;
	}
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
		f->key = xstrndup(key.p, key.n);
		f->severity = (int)r->severity;
		f->node = -1;
		f->first_seen_ms = f->last_seen_ms = INT64_MIN;
		f->span_s = -1;
		f->when.first_ms = f->when.last_ms = INT64_MIN;
		f->when.span_s = -1;
		fs->v = xgrow(fs->v, &fs->cap, fs->n + 1, sizeof(*fs->v));
		fs->v[fs->n++] = f;
		hmap_put(&fs->index, f->key, key.n, f);
	}
	keybuf_free(&key);
	weight = w && w->weight ? w->weight : 1;
	f->count += weight;
	timespan_note(&f->when, w);
	add_evidence(fs, f, source, line, text, w, weight);
	for (i = 0; i < ncaps; i++) {
		if (!add_capture(capture_of(f, caps[i].name), caps[i].value))
			continue;
		if (!fs->values_dropped++)
			fs->values_where = where_dup(source, line);
	}
	return f;
}

static void timespan_merge(struct timespan *d, const struct timespan *s)
{
	struct when w;

	memset(&w, 0, sizeof(w));
	if (s->has_abs) {
		w.has_abs = 1;
		w.abs_lo = s->abs_min;
		w.abs_hi = s->abs_max;
	}
	if (s->has_age) {
		w.has_age = 1;
		w.age_lo = s->age_min;
		w.age_hi = s->age_max;
	}
	timespan_note(d, &w);
	if (s->has_yl) {
		memset(&w, 0, sizeof(w));
		w.has_yl = 1;
		w.yl = s->yl_min;
		timespan_note(d, &w);
		w.yl = s->yl_max;
		timespan_note(d, &w);
	}
}

void findings_merge(struct findings *fs, struct finding *dst,
		    const struct finding *src)
{
	size_t i, j;

	dst->count += src->count;
	timespan_merge(&dst->when, &src->when);
	dst->ev_other += src->ev_other;
	for (i = 0; i < src->nev; i++) {
		const struct evidence *e = &src->ev[i];
		struct evidence *d = NULL;

		for (j = 0; j < dst->nev && !d; j++)
			if (dst->ev[j].key == e->key)
				d = &dst->ev[j];
		if (!d && dst->nev < EVIDENCE_MAX) {
			d = &dst->ev[dst->nev++];
			memset(d, 0, sizeof(*d));
			d->key = e->key;
			d->source = xstrdup(e->source);
			d->line = e->line;
			d->text = xstrdup(e->text);
			d->when.first_ms = d->when.last_ms = INT64_MIN;
			d->when.span_s = -1;
		} else if (!d) {
			dst->ev_other += e->count;
			continue;
		}
		d->count += e->count;
		timespan_merge(&d->when, &e->when);
	}
	for (i = 0; i < src->ncaps; i++) {
		struct capvals *c = capture_of(dst, src->caps[i].name);

		/* src's own overflow was counted when it happened. */
		c->more += src->caps[i].more;
		for (j = 0; j < src->caps[i].n; j++)
			fs->values_dropped += (unsigned long)add_capture(c,
				slice_cstr(src->caps[i].values[j]));
	}
}

const char *finding_remediation(const struct finding *f)
{
	return f->remediation ? f->remediation : f->rule->remediation;
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
