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
#include <time.h>

#include "buf.h"
#include "describe.h"
#include "detect.h"
#include "gettable.h"
#include "jsondoc.h"
#include "lines.h"
#include "logrec.h"
#include "rank.h"
#include "yamldoc.h"

void analysis_init(struct analysis *a, const struct ruleset *rs)
{
	memset(a, 0, sizeof(*a));
	a->rs = rs;
	findings_init(&a->findings);
	match_init(&a->matcher, rs, &a->findings);
	source_limits_default(&a->limits);
	a->max_line = LINES_DEFAULT_MAX;
	store_init(&a->store, 0);
	a->now_override = INT64_MIN;
	a->latest_log_ms = INT64_MIN;
	a->now_ms = INT64_MIN;
	progress_init(&a->progress, 0);
}

void analysis_free(struct analysis *a)
{
	size_t i;

	for (i = 0; i < a->ninputs; i++)
		input_free(&a->inputs[i]);
	free(a->inputs);
	match_free(&a->matcher);
	findings_free(&a->findings);
	store_free(&a->store);
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

/*
 * One run of lines of one kind inside an entry. A file may hold several
 * (a pasted prompt, a table, two describe outputs): the segment changes
 * at prompt lines and at lines that can only start another kind.
 */
struct segment {
	struct analysis *a;
	struct entry *e;
	enum content_type type;
	struct parse_ctx pc;
	char *hint;
	struct yamldoc *yaml;
	struct jsondoc *json;
	struct describe *desc;
	struct gettable *table;
	struct logparser *log;
};

static void on_object(struct kobject *obj, void *ctx)
{
	struct segment *sg = ctx;

	sg->a->objects_read++;
	store_add(&sg->a->store, obj, sg->e->input);
}

static void on_event(struct kevent *ev, void *ctx)
{
	struct segment *sg = ctx;

	sg->a->events_read++;
	store_add_event(&sg->a->store, ev, sg->e->path);
}

static void on_record(const struct logrec *r, void *ctx)
{
	struct segment *sg = ctx;
	struct analysis *a = sg->a;

	a->records++;
	if (r->time.known && r->time.absolute) {
		if (r->time.ms > a->latest_log_ms)
			a->latest_log_ms = r->time.ms;
	}
	match_record(&a->matcher, r, sg->e->input);
}

static void seg_end(struct segment *sg)
{
	if (sg->yaml) {
		yamldoc_end(sg->yaml);
		yamldoc_free(sg->yaml);
	}
	if (sg->json) {
		jsondoc_end(sg->json);
		jsondoc_free(sg->json);
	}
	if (sg->desc) {
		describe_end(sg->desc);
		describe_free(sg->desc);
	}
	if (sg->table) {
		gettable_end(sg->table);
		gettable_free(sg->table);
	}
	if (sg->log) {
		logrec_end(sg->log);
		logrec_free(sg->log);
	}
	sg->yaml = NULL;
	sg->json = NULL;
	sg->desc = NULL;
	sg->table = NULL;
	sg->log = NULL;
	sg->type = CT_TEXT;
}

static void seg_start(struct segment *sg, enum content_type type)
{
	seg_end(sg);
	sg->type = type;
	sg->a->entries_by_type[type]++;
	sg->pc.resource_hint = sg->hint;
	switch (type) {
	case CT_YAML:
		sg->yaml = yamldoc_new(&sg->pc);
		break;
	case CT_JSON:
		sg->json = jsondoc_new(&sg->pc);
		break;
	case CT_DESCRIBE:
		sg->desc = describe_new(&sg->pc);
		break;
	case CT_GET_TABLE:
		sg->table = gettable_new(&sg->pc);
		break;
	case CT_KLOG:
	case CT_JSONLOG:
		sg->log = logrec_new(sg->e->path, sg->e->input, on_record, sg);
		break;
	case CT_TEXT:
		break;
	}
}

static void seg_line(struct segment *sg, struct slice line,
		     unsigned long lineno)
{
	if (sg->yaml)
		yamldoc_line(sg->yaml, line, lineno);
	else if (sg->json)
		jsondoc_line(sg->json, line, lineno);
	else if (sg->desc)
		describe_line(sg->desc, line, lineno);
	else if (sg->table)
		gettable_line(sg->table, line, lineno);
	else if (sg->log)
		logrec_line(sg->log, line, lineno);
}

/* The kind of output a kubectl command line prints. */
static int prompt_type(const struct gettable_prompt *p)
{
	if (!p->verb)
		return -1;
	if (!strcmp(p->verb, "describe"))
		return CT_DESCRIBE;
	if (!strcmp(p->verb, "logs"))
		return CT_KLOG;
	if (!strcmp(p->verb, "get")) {
		if (p->output && !strncmp(p->output, "yaml", 4))
			return CT_YAML;
		if (p->output && !strncmp(p->output, "json", 4))
			return CT_JSON;
		return CT_GET_TABLE;
	}
	return -1;
}

/*
 * A line that can only begin output of one kind, or -1. Only lines at
 * column 0 count: the body of every kind is indented or quoted.
 */
static int start_signal(struct slice l)
{
	struct logrec probe;

	if (!l.n || l.p[0] == ' ' || l.p[0] == '\t')
		return -1;
	if ((l.p[0] >= 'A' && l.p[0] <= 'Z') || l.p[0] == '{' ||
	    (l.p[0] >= '0' && l.p[0] <= '9')) {
		if (logrec_parse_line(l, &probe))
			return CT_KLOG;
	}
	if (slice_starts(l, "Name:") && l.n > 5 &&
	    (l.p[5] == ' ' || l.p[5] == '\t'))
		return CT_DESCRIBE;
	if (gettable_header_line(l))
		return CT_GET_TABLE;
	if (slice_starts(l, "apiVersion:") || slice_starts(l, "kind:") ||
	    slice_starts(l, "items:"))
		return CT_YAML;
	return -1;
}

/* When each line of a log was written, for the line rules' findings. */
struct line_clock {
	int last_mon;
	int year_offset;
	int seen;	/* a record start was found: later lines may continue it */
};

static void line_when(struct line_clock *c, struct slice line,
		      struct when *w)
{
	struct logtime t;

	/* Only the first bytes can hold a time: skip the rest quickly. */
	if (!line.n || !((line.p[0] >= '0' && line.p[0] <= '9') ||
			 strchr("IWEF{", line.p[0]))) {
		if (!c->seen)
			memset(w, 0, sizeof(*w));
		return;
	}
	if (!logrec_line_time(line, &t, &c->last_mon, &c->year_offset)) {
		if (!c->seen)
			memset(w, 0, sizeof(*w));
		return;
	}
	/* Continuation lines keep the time of the record they belong to. */
	memset(w, 0, sizeof(*w));
	c->seen = 1;
	if (t.absolute) {
		w->has_abs = 1;
		w->abs_lo = w->abs_hi = t.ms;
	} else {
		w->has_yl = 1;
		w->yl = t;
	}
}

static void on_entry(struct entry *e, void *ctx)
{
	struct analysis *a = ctx;
	struct describe_ctx dc;
	struct segment sg;
	struct line_clock lw = { 0, 0, 0 };
	struct when w;
	struct lines l;
	struct slice line;
	const unsigned char *head;
	size_t n;
	int rc;

	head = stream_peek(e->in, 8192, &n);
	memset(&sg, 0, sizeof(sg));
	sg.a = a;
	sg.e = e;
	sg.pc.source = e->path;
	sg.pc.in = e->input;
	sg.pc.on_object = on_object;
	sg.pc.on_event = on_event;
	sg.pc.ctx = &sg;
	seg_start(&sg, detect_content(e->name, (const char *)head, n));
	memset(&dc, 0, sizeof(dc));
	memset(&w, 0, sizeof(w));
	lines_init(&l, e->in, a->max_line);
	while ((rc = lines_next(&l, &line)) > 0) {
		struct gettable_prompt pr;
		int sig;

		a->lines++;
		if (!(a->lines & 8191))
			progress_tick(&a->progress, e->input, e->path);
		if (l.cut) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu", e->path, l.lineno);
			input_warning(e->input, where.p, "line longer than "
				      "%zu bytes; cut there", a->max_line);
			buf_free(&where);
		}
		ctx_update(&dc, line);
		line_when(&lw, line, &w);
		match_line(&a->matcher, e->path, l.lineno, line,
			   dc.res.name ? &dc.res : NULL, w.has_abs || w.has_yl ?
			   &w : NULL, e->input);
		if (gettable_prompt_parse(line, &pr)) {
			int t = prompt_type(&pr);

			free(sg.hint);
			sg.hint = pr.resource ? xstrdup(pr.resource) : NULL;
			seg_start(&sg, t < 0 ? CT_TEXT : (enum content_type)t);
			gettable_prompt_free(&pr);
			/* Parsers read the prompt too (-n, the name, the kind). */
			seg_line(&sg, line, l.lineno);
			continue;
		}
		sig = start_signal(line);
		if (sig >= 0 && (enum content_type)sig != sg.type &&
		    !(sig == CT_KLOG && sg.type == CT_JSONLOG)) {
			/* Output of another kind, pasted without a prompt. */
			if (sig != CT_GET_TABLE && sig != CT_DESCRIBE) {
				free(sg.hint);
				sg.hint = NULL;
			}
			seg_start(&sg, (enum content_type)sig);
		}
		seg_line(&sg, line, l.lineno);
	}
	if (rc < 0)
		input_error(e->input, e->path, "read error after line %lu "
			    "(byte %llu): %s", l.lineno,
			    (unsigned long long)e->in->offset,
			    buf_str(&e->in->err));
	seg_end(&sg);
	free(sg.hint);
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

static int year_of(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* Same object: name and namespace equal, kind equal where both know it. */
static int same_resource(const struct finding *f, const struct finding *g)
{
	if (!f->res.name || !g->res.name || strcmp(f->res.name, g->res.name))
		return 0;
	if ((f->res.ns || g->res.ns) && (!f->res.ns || !g->res.ns ||
					 strcmp(f->res.ns, g->res.ns)))
		return 0;
	return !f->res.kind || !g->res.kind ||
	       !strcmp(f->res.kind, g->res.kind);
}

/* Apply `require:`: drop or lower findings below their thresholds. */
static void apply_requirements(struct findings *fs)
{
	size_t i, kept = 0;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i];
		const struct rule *r = f->rule;
		int met = 1;

		if (r->min_count && f->count < r->min_count)
			met = 0;
		if (r->min_span_s > 0 && (f->span_s < 0 ||
					  (double)f->span_s < r->min_span_s))
			met = 0;
		if (!met && r->else_severity < 0) {
			findings_drop(fs, f);
			continue;
		}
		if (!met)
			f->severity = r->else_severity;
		fs->v[kept++] = f;
	}
	fs->n = kept;
}

/* Mark findings explained by another rule's finding on the same object. */
static void apply_suppression(struct findings *fs)
{
	size_t i, j, k;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i];

		for (k = 0; k < f->rule->nsuppressed_by && !f->suppressed;
		     k++) {
			for (j = 0; j < fs->n; j++) {
				struct finding *g = fs->v[j];

				if (g == f || g->suppressed ||
				    strcmp(g->rule->id,
					   f->rule->suppressed_by[k]) ||
				    !same_resource(f, g))
					continue;
				f->suppressed = 1;
				f->suppressor = g;
				break;
			}
		}
	}
}

void analysis_finish(struct analysis *a)
{
	size_t i;

	progress_clear(&a->progress);
	a->now_ms = a->now_override != INT64_MIN ? a->now_override :
		(a->store.latest_ms > a->latest_log_ms ? a->store.latest_ms :
		 a->latest_log_ms);
	a->bundle_year = a->now_ms != INT64_MIN ? year_of(a->now_ms) : 0;
	for (i = 0; i < a->store.n; i++)
		match_object(&a->matcher, a->store.v[i], a->now_ms,
			     a->bundle_year);
	findings_resolve_times(&a->findings, a->bundle_year, a->now_ms);
	apply_requirements(&a->findings);
	apply_suppression(&a->findings);
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
