/*
 * The pipeline driver. For each entry the source layer yields, it detects
 * the content type, reads the entry line by line through one bounded
 * buffer, keeps track of which object the lines describe (kubectl describe
 * headers), and hands every line to the match stage. Ranking runs once at
 * the end.
 */
#include "analyze.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detect.h"
#include "lines.h"
#include "rank.h"

void analysis_init(struct analysis *a, const struct ruleset *rs)
{
	memset(a, 0, sizeof(*a));
	a->rs = rs;
	findings_init(&a->findings);
	match_init(&a->matcher, rs, &a->findings);
	source_limits_default(&a->limits);
	a->max_line = LINES_DEFAULT_MAX;
}

void analysis_free(struct analysis *a)
{
	size_t i;

	for (i = 0; i < a->ninputs; i++)
		input_free(&a->inputs[i]);
	free(a->inputs);
	match_free(&a->matcher);
	findings_free(&a->findings);
	memset(a, 0, sizeof(*a));
}

/* Which object the lines of a describe output are about. */
struct describe_ctx {
	struct resource res;
};

static void set_field(char **dst, struct slice v)
{
	free(*dst);
	*dst = v.n ? xstrndup(v.p, v.n) : NULL;
}

static void ctx_clear(struct describe_ctx *c)
{
	free(c->res.kind);
	free(c->res.ns);
	free(c->res.name);
	memset(c, 0, sizeof(*c));
}

/*
 * kubectl describe starts each object with "Name:" at column 0, then
 * "Namespace:", and prints "Kind:" at column 0 a few lines later.
 */
static void ctx_update(struct describe_ctx *c, struct slice line)
{
	struct slice v;

	if (line.n && (line.p[0] == ' ' || line.p[0] == '\t'))
		return;
	if (slice_starts(line, "Name:")) {
		ctx_clear(c);
		v = slice_trim(slice_make(line.p + 5, line.n - 5));
		set_field(&c->res.name, v);
	} else if (slice_starts(line, "Namespace:")) {
		v = slice_trim(slice_make(line.p + 10, line.n - 10));
		set_field(&c->res.ns, v);
	} else if (slice_starts(line, "Kind:")) {
		v = slice_trim(slice_make(line.p + 5, line.n - 5));
		set_field(&c->res.kind, v);
	} else if (slice_starts(line, "$ ") || slice_starts(line, "---")) {
		ctx_clear(c);
	}
}

static void on_entry(struct entry *e, void *ctx)
{
	struct analysis *a = ctx;
	struct describe_ctx dc;
	struct lines l;
	struct slice line;
	const unsigned char *head;
	size_t n;
	enum content_type type;
	int rc;

	head = stream_peek(e->in, 8192, &n);
	type = detect_content(e->name, (const char *)head, n);
	a->entries_by_type[type]++;
	memset(&dc, 0, sizeof(dc));
	lines_init(&l, e->in, a->max_line);
	while ((rc = lines_next(&l, &line)) > 0) {
		a->lines++;
		if (l.cut) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu", e->path, l.lineno);
			input_warning(e->input, where.p, "line longer than "
				      "%zu bytes; cut there", a->max_line);
			buf_free(&where);
		}
		ctx_update(&dc, line);
		match_line(&a->matcher, e->path, l.lineno, line,
			   dc.res.name ? &dc.res : NULL, e->input);
	}
	if (rc < 0)
		input_error(e->input, e->path, "read error after line %lu "
			    "(byte %llu): %s", l.lineno,
			    (unsigned long long)e->in->offset,
			    buf_str(&e->in->err));
	lines_free(&l);
	ctx_clear(&dc);
}

int analysis_add_path(struct analysis *a, const char *path)
{
	struct input *in;

	a->inputs = xgrow(a->inputs, &a->capinputs, a->ninputs + 1,
			  sizeof(*a->inputs));
	in = &a->inputs[a->ninputs++];
	input_init(in, path);
	return source_walk(path, &a->limits, in, on_entry, a);
}

void analysis_finish(struct analysis *a)
{
	findings_finish(&a->findings);
	rank_findings(&a->findings);
}

unsigned long analysis_input_errors(const struct analysis *a)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < a->ninputs; i++)
		n += a->inputs[i].error_count;
	return n;
}
