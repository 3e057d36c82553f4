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

struct finding *findings_add(struct findings *fs, const struct rule *r,
			     const struct resource *res, const char *source,
			     unsigned long line, struct slice text,
			     const struct hit_capture *caps, size_t ncaps)
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
		fs->v = xgrow(fs->v, &fs->cap, fs->n + 1, sizeof(*fs->v));
		fs->v[fs->n++] = f;
		hmap_put(&fs->index, f->key, strlen(f->key), f);
	}
	buf_free(&key);
	f->count++;
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
