/*
 * The pipeline driver. For each entry the source layer yields, it detects
 * the content type, reads the entry line by line through one bounded
 * buffer, keeps track of which object the lines describe (kubectl describe
 * headers), and hands every line to the match stage. Ranking runs once at
 * the end.
 */
#include "analyze.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "bytescan.h"
#include "cond.h"
#include "describe.h"
#include "detect.h"
#include "gettable.h"
#include "jsondoc.h"
#include "lines.h"
#include "logrec.h"
#include "rank.h"
#include "stream.h"
#include "x509.h"
#include "yamldoc.h"

static void plan_kinds(struct analysis *a);

void analysis_init(struct analysis *a, const struct ruleset *rs)
{
	memset(a, 0, sizeof(*a));
	a->rs = rs;
	findings_init(&a->findings);
	match_init(&a->matcher, rs, &a->findings);
	source_limits_default(&a->limits);
	a->max_line = LINES_DEFAULT_MAX;
	store_init(&a->store, 0);
	plan_kinds(a);
	a->now_override = INT64_MIN;
	a->latest_log_ms = INT64_MIN;
	a->now_ms = INT64_MIN;
	progress_init(&a->progress, 0);
}

const char *analysis_intern(struct analysis *a, const char *s)
{
	a->paths = xgrow(a->paths, &a->cappaths, a->npaths + 1,
			 sizeof(*a->paths));
	a->paths[a->npaths] = xstrdup(s);
	return a->paths[a->npaths++];
}

void analysis_free(struct analysis *a)
{
	size_t i;

	for (i = 0; i < a->npaths; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a->kv_where);
	free(a->regex_limit_where);
	hmap_free(&a->keep_kinds);
	for (i = 0; i < a->ninputs; i++)
		input_free(&a->inputs[i]);
	free(a->inputs);
	if (a->feed_on) {
		pq_set_current(NULL);
		pq_free(&a->pq);
		feed_free(&a->feed);
	}
	match_free(&a->matcher);
	findings_free(&a->findings);
	graph_free(&a->graph);
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

	/* Only lines starting with N, K, $ or - can change the context. */
	if (!line.n || (line.p[0] != 'N' && line.p[0] != 'K' &&
			line.p[0] != '$' && line.p[0] != '-'))
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
/* An object that completed while its lines' hits were held back. */
struct arrival {
	unsigned long line;
	struct resource res;	/* owned */
};

struct segment {
	struct analysis *a;
	struct entry *e;
	const char *path;	/* e->path, interned: objects keep it */
	struct arrival *arr;
	size_t narr, caparr;
	int fresh;		/* arrivals came since attribute_hits() */
	enum content_type type;
	struct parse_ctx pc;
	char *hint;
	struct yamldoc *yaml;
	struct jsondoc *json;
	struct describe *desc;
	struct gettable *table;
	struct logparser *log;
};

/* The kinds the resource chain links (always kept). */
static const char *const chain_kinds[] = {
	"Certificate", "CertificateRequest", "Order", "Challenge", "Issuer",
	"ClusterIssuer", "Ingress", "Secret", "Gateway", "HTTPRoute",
};

static int keep_kind(const struct analysis *a, const char *kind,
		     const char *name, int event)
{
	if (!kind || a->keep_all_kinds || (event && a->keep_all_events) ||
	    hmap_get(&a->keep_kinds, kind, strlen(kind)))
		return 1;
	/* HTTP-01 solver Pods and Services belong to a chain. */
	return name && !strncmp(name, "cm-acme-http-solver-", 20);
}

static int keep_object(const struct analysis *a, const struct kobject *o)
{
	const struct fnode *k;

	if (o->kind && !strcmp(o->kind, "Event")) {
		k = fnode_find(kobject_root(o), "involvedObject.kind");
		return keep_kind(a, k ? k->value : NULL,
				 fnode_find(kobject_root(o), "involvedObject.name") ?
				 fnode_find(kobject_root(o), "involvedObject.name")->value :
				 NULL, 1);
	}
	if (o->name && kobject_label(o, "acme.cert-manager.io/http01-solver"))
		return 1;
	return keep_kind(a, o->kind, o->name, 0);
}

static void add_kind(struct analysis *a, const char *kind)
{
	size_t n = strlen(kind);

	if (!hmap_get(&a->keep_kinds, kind, n))
		hmap_put(&a->keep_kinds, kind, n, (void *)kind);
}

/* Kinds named in a condition (kind: X, kind: [X, Y]); 0 when none. */
static int cond_kinds(struct analysis *a, const struct cond *c)
{
	size_t i;
	int found = 0;

	if (!c)
		return 0;
	if (c->op == COND_FIELD && !strcmp(c->field, "kind") &&
	    (c->cmp == CMP_EQ || c->cmp == CMP_IN)) {
		for (i = 0; i < c->nstrs; i++)
			add_kind(a, c->strs[i]);
		return 1;
	}
	for (i = 0; i < c->nkids; i++)
		found |= cond_kinds(a, c->kids[i]);
	return found;
}

/*
 * Which kinds to keep: those the chain links and those rules name. A rule
 * on objects that names no kind keeps every kind.
 */
static void plan_kinds(struct analysis *a)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(chain_kinds); i++)
		add_kind(a, chain_kinds[i]);
	for (i = 0; i < a->rs->n; i++) {
		const struct rule *r = &a->rs->rules[i];

		for (j = 0; j < r->nclauses; j++) {
			enum target t = r->clauses[j].target;

			if (t != TARGET_OBJECT && t != TARGET_CONDITION &&
			    t != TARGET_EVENT)
				continue;
			/*
			 * An event clause with no kind keeps every event (the
			 * objects they concern come as stubs); an object or
			 * condition clause with no kind keeps every object.
			 */
			if (!cond_kinds(a, r->clauses[j].where)) {
				if (t == TARGET_EVENT)
					a->keep_all_events = 1;
				else
					a->keep_all_kinds = 1;
			}
		}
	}
}

static char *field_dup(const struct kobject *o, const char *path)
{
	const struct fnode *n = fnode_find(kobject_root(o), path);

	return n && n->value ? xstrdup(n->value) : NULL;
}

/*
 * Remember where an object began and what it is about: held-back hits on
 * its lines go to it.
 */
static struct arrival *add_arrival(struct segment *sg, unsigned long line)
{
	struct arrival *ar;

	sg->arr = xgrow(sg->arr, &sg->caparr, sg->narr + 1, sizeof(*sg->arr));
	ar = &sg->arr[sg->narr++];
	sg->fresh = 1;
	memset(ar, 0, sizeof(*ar));
	ar->line = line;
	return ar;
}

/*
 * Whether the text holds "acme.cert-manager.io/http01-solver" or
 * "cm-acme-http-solver-": each has "acme" at a known place, so one scan
 * for "acme" (every object of a big PodList goes through here) finds both.
 */
static int solver_marker(struct slice t)
{
	static const char label[] = "acme.cert-manager.io/http01-solver";
	static const char name[] = "cm-acme-http-solver-";
	const char *p = t.p, *end = t.p + t.n, *a;

	while ((a = bytescan_find4(p, (size_t)(end - p), "acme"))) {
		if (a - t.p >= 3 &&
		    end - (a - 3) >= (ptrdiff_t)sizeof(name) - 1 &&
		    !memcmp(a - 3, name, sizeof(name) - 1))
			return 1;
		if (end - a >= (ptrdiff_t)sizeof(label) - 1 &&
		    !memcmp(a, label, sizeof(label) - 1))
			return 1;
		p = a + 1;
	}
	return 0;
}

/* Whether an object of this kind is wanted (parse_ctx.wanted). */
static int object_wanted(const char *kind, struct slice text, void *ctx)
{
	struct segment *sg = ctx;

	if (!strcmp(kind, "Event") || keep_kind(sg->a, kind, NULL, 0))
		return 1;
	/* HTTP-01 solver Pods and Services: by label or by name. */
	return solver_marker(text);
}

/* An object read but not kept: counted, and its lines' hits go to it. */
static void note_dropped(struct segment *sg, const char *kind, const char *ns,
			 const char *name, unsigned long line)
{
	sg->a->objects_dropped++;
	if (sg->a->matcher.defer) {
		struct arrival *ar = add_arrival(sg, line);

		ar->res.kind = kind ? xstrdup(kind) : NULL;
		ar->res.ns = ns ? xstrdup(ns) : NULL;
		ar->res.name = name ? xstrdup(name) : NULL;
	}
}

/* An object the parser did not build (parse_ctx.on_skipped). */
static void on_skipped(const char *kind, const char *ns, const char *name,
		       unsigned long line, void *ctx)
{
	struct segment *sg = ctx;

	sg->a->objects_read++;
	note_dropped(sg, kind, ns, name, line);
}

/* parse_ctx.keep: asked on the parse queue's worker; only reads. */
static int keep_cb(const struct kobject *obj, void *ctx)
{
	const struct segment *sg = ctx;

	return keep_object(sg->a, obj);
}

static void on_object(struct kobject *obj, void *ctx)
{
	struct segment *sg = ctx;
	struct arrival *ar;

	sg->a->objects_read++;
	if (!keep_object(sg->a, obj)) {
		/* No rule and no chain looks at this kind: read, not kept. */
		note_dropped(sg, obj->kind, obj->ns, obj->name, obj->line);
		kobject_free(obj);
		return;
	}
	if (sg->a->matcher.defer) {
		ar = add_arrival(sg, obj->line);
		if (obj->kind && !strcmp(obj->kind, "Event")) {
			ar->res.kind = field_dup(obj, "involvedObject.kind");
			ar->res.ns = field_dup(obj, "involvedObject.namespace");
			ar->res.name = field_dup(obj, "involvedObject.name");
		} else {
			ar->res.kind = obj->kind ? xstrdup(obj->kind) : NULL;
			ar->res.ns = obj->ns ? xstrdup(obj->ns) : NULL;
			ar->res.name = obj->name ? xstrdup(obj->name) : NULL;
		}
	}
	store_add(&sg->a->store, obj, sg->e->input);
}

static int cmp_arrivals(const void *pa, const void *pb)
{
	const struct arrival *a = pa, *b = pb;

	return a->line < b->line ? -1 : a->line > b->line;
}

static void free_arrival(struct arrival *ar)
{
	free(ar->res.kind);
	free(ar->res.ns);
	free(ar->res.name);
}

/*
 * Objects completed: each held-back hit goes to the object whose lines it
 * is on (the last one to start at or before it), up to line upto. With
 * keep, later lines are not settled yet (List items still queued or
 * open): an object whose lines may go on past upto stays, for them.
 */
static void attribute_hits(struct segment *sg, unsigned long upto, int keep)
{
	struct matcher *m = &sg->a->matcher;
	size_t i, k = 0;

	sg->fresh = 0;
	if (!sg->narr)
		return;
	qsort(sg->arr, sg->narr, sizeof(*sg->arr), cmp_arrivals);
	/*
	 * Lines before the first object belong to no object, if they are
	 * settled (an item still queued may start before an object skipped
	 * after it).
	 */
	match_flush(m, NULL, 0, sg->arr[0].line - 1 < upto ?
		    sg->arr[0].line - 1 : upto);
	for (i = 0; i < sg->narr; i++) {
		struct arrival *ar = &sg->arr[i];
		unsigned long to = i + 1 < sg->narr ? ar[1].line - 1 : upto;
		int done = !keep || (i + 1 < sg->narr && to <= upto);

		if (to > upto)
			to = upto;
		if (ar->line <= to)
			match_flush(m, ar->res.name ? &ar->res : NULL,
				    ar->line, to);
		if (done)
			free_arrival(ar);
		else
			sg->arr[k++] = *ar;
	}
	sg->narr = k;
}

/* The last line whose objects have all come, up to lineno. */
static unsigned long settled(const struct segment *sg, unsigned long lineno)
{
	if (sg->yaml)
		return yamldoc_settled(sg->yaml, lineno);
	if (sg->json)
		return jsondoc_settled(sg->json, lineno);
	return lineno;
}

static void on_event(struct kevent *ev, void *ctx)
{
	struct segment *sg = ctx;

	sg->a->events_read++;
	if (!keep_kind(sg->a, ev->obj_kind, ev->obj_name, 1)) {
		sg->a->objects_dropped++;
		kevent_clear(ev);
		return;
	}
	store_add_event(&sg->a->store, ev, sg->path, sg->e->input);
}

/* "file:line", owned by the caller. */
static char *where_dup(const char *source, unsigned long line)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s:%lu", source ? source : "(unknown)", line);
	return buf_detach(&b);
}

/*
 * After a match call: where PCRE2 first gave up, for the report's limits
 * (each time is also a warning; object rules have no input to note it).
 */
static void note_regex_limit(struct analysis *a, const char *source,
			     unsigned long line)
{
	if (a->matcher.limit_hits && !a->regex_limit_where)
		a->regex_limit_where = where_dup(source, line);
}

static void on_record(const struct logrec *r, void *ctx)
{
	struct segment *sg = ctx;
	struct analysis *a = sg->a;

	a->records++;
	if (r->time.known && r->time.absolute) {
		if (r->time.ms > a->latest_log_ms)
			a->latest_log_ms = r->time.ms;
	} else if (r->time.known) {
		/* klog times have no year: kept, and resolved at the end. */
		if (!a->has_latest_yl ||
		    logtime_cmp(&r->time, &a->latest_yl) > 0)
			a->latest_yl = r->time;
		a->has_latest_yl = 1;
	}
	/* A light record's pairs were not read: no log rule could match. */
	if (r->light)
		return;
	if (r->dropped_kv) {
		if (!a->kv_dropped)
			a->kv_where = where_dup(r->source, r->line);
		a->kv_dropped += r->dropped_kv;
	}
	match_record(&a->matcher, r, sg->e->input);
	note_regex_limit(a, r->source, r->line);
}

/* A one-line record whose line has no literal any log rule needs. */
static int record_idle(void *ctx, unsigned long line)
{
	struct segment *sg = ctx;

	return match_record_idle(&sg->a->matcher, sg->path, line);
}

static void seg_end(struct segment *sg)
{
	struct matcher *m = &sg->a->matcher;

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
	/* Whatever is still held back belongs to the file. */
	attribute_hits(sg, (unsigned long)-1, 0);
	match_flush(m, NULL, 0, (unsigned long)-1);
	m->defer = 0;
}

static void seg_start(struct segment *sg, enum content_type type)
{
	seg_end(sg);
	sg->type = type;
	sg->a->entries_by_type[type]++;
	sg->pc.resource_hint = sg->hint;
	sg->a->matcher.defer = type == CT_YAML || type == CT_JSON ||
			       type == CT_GET_TABLE;
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
		sg->log = logrec_new(sg->path, sg->e->input, on_record, sg);
		logrec_idle(sg->log, record_idle);
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

/*
 * Cheap test before gettable_prompt_parse(): prompts start with $, %, #,
 * > or "kubectl", or with a user@host:dir$ word.
 */
static int maybe_prompt(struct slice l)
{
	const char *sp;

	if (!l.n)
		return 0;
	switch (l.p[0]) {
	case '$': case '%': case '#': case '>': case 'k':
		return 1;
	case ' ': case '\t':
		return 0;	/* the body of a dump, most lines of one */
	}
	sp = memchr(l.p, ' ', l.n < 128 ? l.n : 128);
	return sp && sp > l.p && (sp[-1] == '$' || sp[-1] == '#');
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
	if (!l.n || l.p[0] == ' ' || l.p[0] == '\t')
		return -1;
	if ((l.p[0] >= 'A' && l.p[0] <= 'Z') || l.p[0] == '{' ||
	    (l.p[0] >= '0' && l.p[0] <= '9')) {
		if (logrec_starts(l))
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

/* A log time as the time of a hit. */
static void when_of(const struct logtime *t, struct when *w)
{
	memset(w, 0, sizeof(*w));
	if (t->absolute) {
		w->has_abs = 1;
		w->abs_lo = w->abs_hi = t->ms;
	} else {
		w->has_yl = 1;
		w->yl = *t;
	}
}

/*
 * No time for the line. w is only ever set by when_of() (or cleared), so
 * it is all zero when neither flag is set: most lines of a dump need no
 * memset, which costs more than the rest of their loop.
 */
static void no_when(const struct line_clock *c, struct when *w)
{
	if (!c->seen && (w->has_abs || w->has_yl))
		memset(w, 0, sizeof(*w));
}

static void line_when(struct line_clock *c, struct slice line,
		      struct when *w)
{
	struct logtime t;

	/* Only the first bytes can hold a time: skip the rest quickly. */
	if (!line.n || !((line.p[0] >= '0' && line.p[0] <= '9') ||
			 klog_level(line.p[0]) || line.p[0] == '{')) {
		no_when(c, w);
		return;
	}
	if (!logrec_line_time(line, &t, &c->last_mon, &c->year_offset)) {
		no_when(c, w);
		return;
	}
	/* Continuation lines keep the time of the record they belong to. */
	c->seen = 1;
	when_of(&t, w);
}

/* When the log record being read was written. */
static void record_when(const struct logparser *p, struct when *w)
{
	struct logtime t;

	memset(w, 0, sizeof(*w));
	if (logrec_current_time(p, &t) && t.known)
		when_of(&t, w);
}

void analysis_set_timeout(struct analysis *a, double seconds)
{
	a->deadline = seconds > 0 ? monotonic_seconds() + seconds : 0;
	stream_set_deadline(a->deadline);
}

static void on_entry(struct entry *e, void *ctx)
{
	struct analysis *a = ctx;
	struct describe_ctx dc;
	struct segment sg;
	struct line_clock lw = { 0, 0, 0 };
	struct when w;
	struct feed *f = &a->feed;
	struct slice line;
	const unsigned char *head;
	size_t n;
	int rc;

	if (a->timed_out) {
		/* Past --timeout: later inputs are listed, not read. */
		input_error(e->input, e->path, "not analyzed: time limit "
			    "reached (--timeout)");
		e->stop = 1;
		return;
	}
	if (!a->feed_on) {
		int threads = a->threads;

		if (!threads)
			threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
		feed_init(f, a->matcher.pf, threads);
		pq_init(&a->pq, threads);
		pq_set_current(&a->pq);
		a->feed_on = 1;
	}
	head = stream_peek(e->in, 8192, &n);
	memset(&sg, 0, sizeof(sg));
	sg.a = a;
	sg.e = e;
	sg.path = analysis_intern(a, e->path);
	sg.pc.source = sg.path;
	sg.pc.in = e->input;
	sg.pc.on_object = on_object;
	sg.pc.on_event = on_event;
	sg.pc.wanted = object_wanted;
	sg.pc.on_skipped = on_skipped;
	sg.pc.keep = keep_cb;
	sg.pc.ctx = &sg;
	sg.pc.pq = &a->pq;
	seg_start(&sg, detect_content(e->name, (const char *)head, n));
	memset(&dc, 0, sizeof(dc));
	memset(&w, 0, sizeof(w));
	feed_start(f, e->in, e->input, a->max_line);
	while ((rc = feed_next(f, &line)) > 0) {
		struct gettable_prompt pr;
		int sig;

		/* Literals were found a batch at a time, by the reader. */
		if (f->new_block)
			match_block(&a->matcher, &feed_batch(f)->blk);

		a->lines++;
		if (!(a->lines & 8191)) {
			progress_tick(&a->progress, e->input, e->path,
				      feed_batch(f)->raw_off);
			if (a->deadline > 0 && monotonic_seconds() > a->deadline) {
				a->timed_out = 1;
				input_error(e->input, e->path, "time limit "
					    "reached at line %lu (byte %llu); the "
					    "rest of this input is not analyzed "
					    "(--timeout)", f->lineno,
					    (unsigned long long)
					    feed_batch(f)->in_off);
				e->stop = 1;
				break;
			}
		}
		if (f->cut) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu", e->path, f->lineno);
			input_warning(e->input, where.p, "line longer than "
				      "%zu bytes; cut there", a->max_line);
			buf_free(&where);
		}
		ctx_update(&dc, line);
		if (maybe_prompt(line) && gettable_prompt_parse(line, &pr)) {
			int t = prompt_type(&pr);

			free(sg.hint);
			sg.hint = pr.resource ? xstrdup(pr.resource) : NULL;
			seg_start(&sg, t < 0 ? CT_TEXT : (enum content_type)t);
			gettable_prompt_free(&pr);
		} else if (sg.log && line.n > 1 && ((klog_level(line.p[0]) &&
						      line.p[1] >= '0' &&
						      line.p[1] <= '9') ||
						     line.p[0] == '{')) {
			/* The next record of the log being read. */
		} else {
			sig = start_signal(line);
			if (sig >= 0 && (enum content_type)sig != sg.type &&
			    !(sig == CT_KLOG && sg.type == CT_JSONLOG)) {
				/* Another kind of output, pasted without a
				 * prompt. */
				if (sig != CT_GET_TABLE && sig != CT_DESCRIBE) {
					free(sg.hint);
					sg.hint = NULL;
				}
				seg_start(&sg, (enum content_type)sig);
			}
		}
		/* A log's lines take their record's time, when needed. */
		if (!sg.log)
			line_when(&lw, line, &w);
		/*
		 * The parser first (parsers read prompts too: -n, the name,
		 * the kind): a log record it completes is matched before this
		 * line, whose literal scan it can then reuse.
		 */
		seg_line(&sg, line, f->lineno);
		if (match_line_scan(&a->matcher, sg.path, f->lineno, line)) {
			if (sg.log)
				record_when(sg.log, &w);
			match_line_rules(&a->matcher, sg.path, f->lineno, line,
					 dc.res.name ? &dc.res : NULL,
					 w.has_abs || w.has_yl ? &w : NULL,
					 e->input);
			note_regex_limit(a, sg.path, f->lineno);
		}
		/*
		 * After new objects only: hits on lines not settled yet
		 * wait for the next ones, or the end of the segment.
		 */
		if (sg.fresh) {
			unsigned long upto = settled(&sg, f->lineno);

			attribute_hits(&sg, upto, upto < f->lineno);
		}
	}
	match_block(&a->matcher, NULL);
	feed_end(f);
	if (rc < 0)
		input_error(e->input, e->path, "read error after line %lu "
			    "(byte %llu): %s", f->lineno,
			    (unsigned long long)e->in->offset,
			    buf_str(&e->in->err));
	seg_end(&sg);
	free(sg.arr);
	free(sg.hint);
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
static void apply_requirements(struct findings *fs, int64_t now_ms)
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
		/* How long ago it was first seen, against the bundle's time. */
		if (r->min_age_s > 0 && (now_ms == INT64_MIN ||
					 f->first_seen_ms == INT64_MIN ||
					 (double)(now_ms - f->first_seen_ms) /
					 1000.0 < r->min_age_s))
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

/*
 * Whether cause g explains echo f: on the same object, on an object below
 * f in its chain (a Challenge below the Order f is about), or on the
 * issuer f's chain uses.
 */
static int explains(const struct graph *gr, const struct finding *g,
		    const struct finding *f)
{
	if (same_resource(f, g))
		return 1;
	if (f->node < 0 || g->node < 0)
		return 0;
	if (graph_is_ancestor(gr, f->node, g->node))
		return 1;
	return graph_chain_issuer(gr, f->node) == g->node;
}

/* Mark findings explained by another rule's finding (suppressed_by). */
static void apply_suppression(struct findings *fs, const struct graph *gr)
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
				    !explains(gr, g, f))
					continue;
				f->suppressed = 1;
				f->suppressor = g;
				break;
			}
		}
	}
	/* A chain of explanations points at the first cause. */
	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i];
		int steps = 0;

		while (f->suppressor && f->suppressor->suppressor &&
		       steps++ < 16)
			f->suppressor = f->suppressor->suppressor;
	}
}

/* Whether a node's object says what state it is in. */
static int has_state(const struct graph *gr, int node)
{
	struct buf st = BUF_INIT;
	int has;

	graph_status(gr, node, &st);
	has = st.len > 0;
	buf_free(&st);
	return has;
}

/*
 * Findings on an object known only by namespace and name (a log's
 * key="ns/name") take the kind of the object of that name, and join the
 * finding of the same rule on it when there is one.
 */
static void complete_kinds(struct analysis *a)
{
	struct findings *fs = &a->findings;
	size_t i, j, kept = 0;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i], *into = NULL;
		const struct kobject *o;

		if (!f->res.name || f->res.kind) {
			fs->v[kept++] = f;
			continue;
		}
		o = store_find(&a->store, NULL, f->res.ns, f->res.name);
		if (!o || !o->kind) {
			fs->v[kept++] = f;
			continue;
		}
		/* Only live findings: those kept so far, and those after f. */
		for (j = 0; j < fs->n && !into; j++) {
			struct finding *g;

			if (j >= kept && j <= i)
				continue;
			g = fs->v[j];
			if (g != f && g->rule == f->rule && g->res.kind &&
			    !strcmp(g->res.kind, o->kind) && g->res.name &&
			    !strcmp(g->res.name, f->res.name) &&
			    !strcmp(g->res.ns ? g->res.ns : "",
				    f->res.ns ? f->res.ns : ""))
				into = g;
		}
		if (into) {
			findings_merge(fs, into, f);
			findings_drop(fs, f);
			continue;
		}
		f->res.kind = xstrdup(o->kind);
		fs->v[kept++] = f;
	}
	fs->n = kept;
}

/*
 * History, not a current problem: the object (or the Certificate at the
 * top of its chain) is healthy now, and became so after the finding was
 * last seen.
 */
static void mark_resolved(struct findings *fs, const struct graph *gr)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = fs->v[i];
		int chain[16];
		size_t n;
		int64_t since;

		if (f->node < 0)
			continue;
		n = graph_chain(gr, f->node, chain, 16);
		if (graph_healthy(gr, f->node, &since)) {
			/* Healthy now, and not failing since it became so. */
			if (since == INT64_MIN || f->last_seen_ms == INT64_MIN ||
			    f->last_seen_ms <= since)
				f->resolved = 1;
			continue;
		}
		/*
		 * An object that says nothing of its own state (inferred, or
		 * no status) is history when its Certificate became Ready
		 * after the problem was last seen.
		 */
		if (n && gr->v[chain[0]].level == 0 && chain[0] != f->node &&
		    !has_state(gr, f->node) &&
		    graph_healthy(gr, chain[0], &since) &&
		    since != INT64_MIN && f->last_seen_ms != INT64_MIN &&
		    f->last_seen_ms <= since)
			f->resolved = 1;
	}
}

int analysis_add_stream(struct analysis *a, const char *name,
			struct stream *s)
{
	struct input *in;

	a->inputs = xgrow(a->inputs, &a->capinputs, a->ninputs + 1,
			  sizeof(*a->inputs));
	in = &a->inputs[a->ninputs++];
	input_init(in, name);
	source_walk_stream(name, s, &a->limits, in, on_entry, a);
	return 0;
}

/* The first captured value of a group, or NULL. */
static const char *capture(const struct finding *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ncaps; i++)
		if (!strcmp(f->caps[i].name, name) && f->caps[i].n)
			return f->caps[i].values[0];
	return NULL;
}

/*
 * Put the finding's own objects into its remediation: the rules write
 * `kubectl describe challenge -n <namespace> <challenge>`; where the
 * bundle names them, the report says which.
 */
static void name_remediation(const struct analysis *a, struct finding *f)
{
	static const char *const holders[][2] = {
		{ "<certificate>", "Certificate" },
		{ "<request>", "CertificateRequest" },
		{ "<certificaterequest>", "CertificateRequest" },
		{ "<order>", "Order" },
		{ "<challenge>", "Challenge" },
	};
	const char *text = f->rule->remediation, *p;
	const char *values[16] = { NULL };
	const char *names[16];
	struct buf out = BUF_INIT;
	int chain[16], iss;
	size_t n = 0, k, i, nv = 0;

	if (!text || !strchr(text, '<'))
		return;
	if (f->node >= 0)
		n = graph_chain(&a->graph, f->node, chain, 16);
	for (k = 0; k < ARRAY_SIZE(holders); k++) {
		names[nv] = holders[k][0];
		values[nv] = NULL;
		for (i = 0; i < n; i++)
			if (a->graph.v[chain[i]].kind &&
			    !strcmp(a->graph.v[chain[i]].kind, holders[k][1]))
				values[nv] = a->graph.v[chain[i]].name;
		nv++;
	}
	iss = f->node >= 0 ? graph_chain_issuer(&a->graph, f->node) : -1;
	if (iss < 0 && f->node >= 0 && a->graph.v[f->node].kind &&
	    strstr(a->graph.v[f->node].kind, "Issuer"))
		iss = f->node;
	names[nv] = "<issuer>";
	values[nv++] = iss >= 0 ? a->graph.v[iss].name : NULL;
	names[nv] = "<namespace>";
	values[nv++] = f->res.ns;
	names[nv] = "<name>";
	values[nv++] = f->res.name;
	names[nv] = "<domain>";
	values[nv++] = capture(f, "domain");
	names[nv] = "<secret>";
	values[nv++] = capture(f, "secret");
	for (p = text; *p;) {
		const char *lt = strchr(p, '<');
		int done = 0;

		if (!lt) {
			buf_adds(&out, p);
			break;
		}
		buf_add(&out, p, (size_t)(lt - p));
		for (k = 0; k < nv && !done; k++) {
			size_t l = strlen(names[k]);

			if (values[k] && !strncmp(lt, names[k], l)) {
				buf_adds(&out, values[k]);
				p = lt + l;
				done = 1;
			}
		}
		if (!done) {
			buf_addc(&out, '<');
			p = lt + 1;
		}
	}
	free(f->remediation);
	f->remediation = buf_detach(&out);
}

static void object_matched(const struct kobject *o, void *ctx)
{
	note_regex_limit(ctx, o->source, o->line);
}

void analysis_finish(struct analysis *a)
{
	size_t i;

	progress_clear(&a->progress);
	/* Certificates become x509.* fields before any object rule runs. */
	x509_enrich(&a->store, a->revoked_serials,
		    a->ninputs ? &a->inputs[0] : NULL);
	a->now_ms = a->now_override != INT64_MIN ? a->now_override :
		(a->store.latest_ms > a->latest_log_ms ? a->store.latest_ms :
		 a->latest_log_ms);
	a->bundle_year = a->now_ms != INT64_MIN ? year_of(a->now_ms) : 0;
	/*
	 * The latest klog line counts too, once the year is known (and when
	 * --now does not say otherwise).
	 */
	if (a->bundle_year && a->has_latest_yl &&
	    a->now_override == INT64_MIN) {
		int64_t yl = logtime_resolve(&a->latest_yl, a->bundle_year,
					     a->now_ms + 86400000);

		if (yl != INT64_MIN && yl > a->now_ms &&
		    yl - a->now_ms < (int64_t)86400000 * 30)
			a->now_ms = yl;
	}
	/* The graph first: object rules may look along it (related:). */
	graph_build(&a->graph, &a->store, &a->findings);
	a->matcher.graph = &a->graph;
	match_objects(&a->matcher, a->store.v, a->store.n, a->now_ms,
		      a->bundle_year, a->feed_on ? &a->pq : NULL,
		      object_matched, a);
	complete_kinds(a);
	findings_resolve_times(&a->findings, a->bundle_year, a->now_ms);
	apply_requirements(&a->findings, a->now_ms);
	for (i = 0; i < a->findings.n; i++)
		a->findings.v[i]->node = graph_node_of(&a->graph,
						       a->findings.v[i]);
	apply_suppression(&a->findings, &a->graph);
	mark_resolved(&a->findings, &a->graph);
	findings_finish(&a->findings);
	for (i = 0; i < a->findings.n; i++)
		name_remediation(a, a->findings.v[i]);
	rank_findings(&a->findings, &a->graph, a->now_ms);
}

unsigned long analysis_input_errors(const struct analysis *a)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < a->ninputs; i++)
		n += a->inputs[i].error_count;
	return n;
}
