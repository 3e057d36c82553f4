/*
 * The JSON report, schema "ktriage.report/v1". Field names are a contract
 * with users' scripts: later versions add fields, never rename them.
 * Strings from the input are redacted and made valid UTF-8 before cJSON
 * escapes them. -f ndjson writes the same finding objects, one per line,
 * each with the input paths and the bundle's time, for log systems.
 */
#include "report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "summary.h"

static cJSON *jstr(const char *s)
{
	struct buf b = BUF_INIT;
	cJSON *j;

	if (!s)
		return cJSON_CreateNull();
	escape_utf8(&b, slice_cstr(s));
	j = cJSON_CreateString(buf_str(&b));
	buf_free(&b);
	return j;
}

/* What the writers below share: the analysis and its redactor. */
struct jctx {
	const struct analysis *a;
	struct redactor *red;
	struct buf tmp;
};

/* A string from the input: secrets hidden. */
static cJSON *jin(struct jctx *c, const char *s)
{
	if (!s)
		return cJSON_CreateNull();
	return jstr(report_clean(&c->tmp, c->red, s));
}

static void add(cJSON *obj, const char *key, cJSON *val)
{
	cJSON_AddItemToObject(obj, key, val);
}

static cJSON *json_notes(struct jctx *c, const struct input_note *notes,
			 size_t n, int with_level)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		add(e, "where", jstr(notes[i].where));
		add(e, "message", jin(c, notes[i].message));
		if (with_level)
			add(e, "level", cJSON_CreateString(notes[i].is_warning ?
						"warning" : "error"));
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

static cJSON *json_inputs(struct jctx *c)
{
	const struct analysis *a = c->a;
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < a->ninputs; i++) {
		const struct input *in = &a->inputs[i];
		cJSON *o = cJSON_CreateObject();

		add(o, "path", jstr(in->path));
		add(o, "files", cJSON_CreateNumber((double)in->files));
		add(o, "bytes", cJSON_CreateNumber((double)in->bytes));
		add(o, "bytes_compressed",
		    cJSON_CreateNumber((double)in->bytes_compressed));
		add(o, "errors", json_notes(c, in->errors, in->nerrors, 1));
		add(o, "errors_not_listed",
		    cJSON_CreateNumber((double)in->errors_dropped));
		add(o, "skipped", json_notes(c, in->skipped, in->nskipped, 0));
		add(o, "skipped_not_listed",
		    cJSON_CreateNumber((double)in->skipped_dropped));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* A list of strings; from the input when c is set. */
static cJSON *json_strings(struct jctx *c, char **v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, c ? jin(c, v[i]) : jstr(v[i]));
	return arr;
}

static cJSON *json_time(int64_t ms)
{
	struct buf b = BUF_INIT;
	cJSON *j;

	if (ms == INT64_MIN)
		return cJSON_CreateNull();
	report_time(&b, ms);
	j = cJSON_CreateString(b.p);
	buf_free(&b);
	return j;
}

static cJSON *json_resource(const struct finding *f)
{
	cJSON *res;

	if (!f->res.name)
		return cJSON_CreateNull();
	res = cJSON_CreateObject();
	add(res, "kind", jstr(f->res.kind));
	add(res, "namespace", jstr(f->res.ns));
	add(res, "name", jstr(f->res.name));
	return res;
}

/* The findings this one explains (suppressed echoes), as rule + resource. */
static cJSON *json_explains(const struct findings *fs, const struct finding *f)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct finding *g = fs->v[i];
		cJSON *e;

		if (!g->suppressed || g->suppressor != f)
			continue;
		e = cJSON_CreateObject();
		add(e, "rule", jstr(g->rule->id));
		add(e, "resource", json_resource(g));
		add(e, "count", cJSON_CreateNumber((double)g->count));
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

static cJSON *json_items(struct jctx *c, const struct chain_item *it,
			 size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		add(e, "kind", jstr(it[i].kind));
		add(e, "namespace", jstr(it[i].ns));
		add(e, "name", jstr(it[i].name));
		add(e, "status", it[i].status[0] ? jin(c, it[i].status) :
		    cJSON_CreateNull());
		add(e, "inferred", cJSON_CreateBool(it[i].inferred));
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

static cJSON *json_finding(struct jctx *c, const struct finding *f)
{
	const struct analysis *a = c->a;
	const struct findings *fs = &a->findings;
	struct chain_item items[CHAIN_MAX];
	size_t n;
	const struct rule *r = f->rule;
	cJSON *o = cJSON_CreateObject(), *ev, *caps;
	size_t i;

	add(o, "rank", cJSON_CreateNumber((double)f->rank));
	add(o, "rule", jstr(r->id));
	add(o, "severity", cJSON_CreateString(severity_name((enum severity)f->severity)));
	add(o, "score", cJSON_CreateNumber(f->score));
	add(o, "confidence", cJSON_CreateNumber(r->confidence));
	add(o, "category", jstr(r->category));
	add(o, "title", jstr(r->title));
	add(o, "message", jstr(report_message(&c->tmp, c->red, f)));
	add(o, "remediation", jstr(finding_remediation(f)));
	add(o, "docs", json_strings(NULL, r->docs, r->ndocs));
	add(o, "resource", json_resource(f));
	add(o, "file", jstr(f->file));
	add(o, "count", cJSON_CreateNumber((double)f->count));
	add(o, "first_seen", json_time(f->first_seen_ms));
	add(o, "last_seen", json_time(f->last_seen_ms));
	add(o, "span_seconds", f->span_s >= 0 ?
	    cJSON_CreateNumber((double)f->span_s) : cJSON_CreateNull());
	caps = cJSON_CreateObject();
	for (i = 0; i < f->ncaps; i++) {
		if (!strcmp(f->caps[i].name, "kind") ||
		    !strcmp(f->caps[i].name, "namespace") ||
		    !strcmp(f->caps[i].name, "name"))
			continue;
		add(caps, f->caps[i].name,
		    json_strings(c, f->caps[i].values, f->caps[i].n));
	}
	add(o, "captures", caps);
	ev = cJSON_CreateArray();
	for (i = 0; i < f->nev; i++) {
		cJSON *e = cJSON_CreateObject();

		const struct evidence *g = &f->ev[i];

		add(e, "source", jstr(g->source));
		add(e, "line", cJSON_CreateNumber((double)g->line));
		add(e, "text", jin(c, g->text));
		add(e, "count", cJSON_CreateNumber((double)g->count));
		add(e, "first_seen", json_time(g->when.first_ms));
		add(e, "last_seen", json_time(g->when.last_ms));
		if (g->last_source) {
			cJSON *last = cJSON_CreateObject();

			add(last, "source", jstr(g->last_source));
			add(last, "line", cJSON_CreateNumber(
				(double)g->last_line));
			add(e, "last", last);
		} else {
			add(e, "last", cJSON_CreateNull());
		}
		cJSON_AddItemToArray(ev, e);
	}
	add(o, "evidence", ev);
	add(o, "evidence_not_shown", cJSON_CreateNumber((double)f->ev_other));
	add(o, "resolved", cJSON_CreateBool(f->resolved));
	n = summary_chain(a, f, items, CHAIN_MAX);
	add(o, "chain", json_items(c, items, n));
	n = summary_affects(a, f, items, CHAIN_MAX);
	add(o, "affects", json_items(c, items, n));
	add(o, "explains", json_explains(fs, f));
	return o;
}

static cJSON *json_certificate(struct jctx *c, const struct cert_summary *cs)
{
	const struct analysis *a = c->a;
	const struct gnode *g = &a->graph.v[cs->node];
	struct chain_item items[64];
	int depth[64];
	size_t m = summary_subtree(a, cs->node, items, depth, 64), k;
	cJSON *o = cJSON_CreateObject(), *b = cJSON_CreateArray();

	add(o, "namespace", jstr(g->ns));
	add(o, "name", jstr(g->name));
	add(o, "inferred", cJSON_CreateBool(g->obj == NULL));
	add(o, "ready", jin(c, cs->ready));
	add(o, "reason", jin(c, cs->reason));
	add(o, "message", jin(c, cs->message));
	add(o, "not_after", jin(c, cs->not_after));
	add(o, "chain", json_items(c, items, m));
	for (k = 0; k < cs->nblocking; k++) {
		cJSON *e = cJSON_CreateObject();

		add(e, "rank", cJSON_CreateNumber((double)cs->blocking[k]->rank));
		add(e, "rule", jstr(cs->blocking[k]->rule->id));
		cJSON_AddItemToArray(b, e);
	}
	add(o, "blocked_by", b);
	return o;
}

static cJSON *json_coverage(const struct analysis *a)
{
	cJSON *arr = cJSON_CreateArray();
	struct coverage_note notes[16];
	size_t n = summary_coverage(a, notes, 16), i;

	for (i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		add(e, "area", jstr(notes[i].area));
		add(e, "count", cJSON_CreateNumber((double)notes[i].count));
		add(e, "note", jstr(notes[i].note));
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

static cJSON *json_limits(const struct analysis *a)
{
	cJSON *arr = cJSON_CreateArray();
	struct limit_note notes[LIMIT_NOTES_MAX];
	size_t n = summary_limits(a, notes, LIMIT_NOTES_MAX), i;

	for (i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		add(e, "name", jstr(notes[i].name));
		add(e, "limit", cJSON_CreateNumber((double)notes[i].limit));
		add(e, "count", cJSON_CreateNumber((double)notes[i].count));
		add(e, "unit", jstr(notes[i].unit));
		add(e, "where", jstr(notes[i].where));
		add(e, "note", jstr(notes[i].note));
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

static void jctx_init(struct jctx *c, const struct analysis *a,
		      const struct report_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->red = report_redactor(a, o);
}

static void jctx_free(struct jctx *c)
{
	redact_free(c->red);
	buf_free(&c->tmp);
}

/*
 * Printing. The report is written as cJSON_Print() would print it whole,
 * but a part at a time, so that a report with 100,000 certificates is
 * never a tree in memory: each value is printed alone and indented by
 * the depth it has in the whole (cJSON indents an object's members one
 * tab deeper than the object, and an array's items count one level).
 * Printed strings hold no newline (cJSON escapes it), so every newline
 * of a part starts an indented line.
 */
static void put_value(struct buf *out, cJSON *v, int depth)
{
	char *text = cJSON_Print(v), *p, *nl;

	cJSON_Delete(v);
	if (!text)
		return;
	for (p = text; (nl = strchr(p, '\n')); p = nl + 1) {
		buf_add(out, p, (size_t)(nl + 1 - p));
		buf_addf(out, "%.*s", depth, "\t\t\t\t\t\t\t\t");
	}
	buf_adds(out, p);
	cJSON_free(text);
}

/* A member of the report's object: "\tkey":\tvalue, then ",\n" or "\n". */
static void put_member(struct buf *out, const char *key, cJSON *v, int last)
{
	buf_addf(out, "\t\"%s\":\t", key);
	put_value(out, v, 1);
	buf_adds(out, last ? "\n" : ",\n");
}

/* An array member, item by item: "\tkey":\t[item, item]. */
struct jarray {
	struct buf *out;
	const struct report_opts *o;
	int n;
};

static void array_open(struct jarray *j, struct buf *out,
		       const struct report_opts *o, const char *key)
{
	j->out = out;
	j->o = o;
	j->n = 0;
	buf_addf(out, "\t\"%s\":\t[", key);
}

static void array_item(struct jarray *j, cJSON *v)
{
	if (j->n++)
		buf_adds(j->out, ", ");
	put_value(j->out, v, 2);
	report_spill(j->o, j->out);
}

static void array_close(struct jarray *j)
{
	buf_adds(j->out, "],\n");
}

void report_json(struct buf *out, const struct analysis *a,
		 const struct report_opts *o)
{
	cJSON *tool, *summary, *bysev;
	unsigned long by_sev[SEV_COUNT] = { 0 }, shown = 0;
	struct jctx c;
	struct jarray arr;
	struct cert_summary *cs;
	size_t i, n;
	int s;

	jctx_init(&c, a, o);
	for (i = 0; i < a->findings.n; i++)
		if (report_shows(o, a->findings.v[i])) {
			by_sev[a->findings.v[i]->severity]++;
			shown++;
		}
	buf_adds(out, "{\n");
	put_member(out, "schema", cJSON_CreateString("ktriage.report/v1"), 0);
	tool = cJSON_CreateObject();
	add(tool, "name", cJSON_CreateString("ktriage"));
	add(tool, "version", cJSON_CreateString(KTRIAGE_VERSION));
	put_member(out, "tool", tool, 0);
	put_member(out, "inputs", json_inputs(&c), 0);
	summary = cJSON_CreateObject();
	add(summary, "findings", cJSON_CreateNumber((double)shown));
	bysev = cJSON_CreateObject();
	for (s = SEV_CRITICAL; s >= SEV_INFO; s--)
		add(bysev, severity_name((enum severity)s),
		    cJSON_CreateNumber((double)by_sev[s]));
	add(summary, "by_severity", bysev);
	add(summary, "lines", cJSON_CreateNumber((double)a->lines));
	add(summary, "objects", cJSON_CreateNumber((double)a->store.n));
	add(summary, "log_records", cJSON_CreateNumber((double)a->records));
	add(summary, "bundle_time", json_time(a->now_ms));
	put_member(out, "summary", summary, 0);
	array_open(&arr, out, o, "findings");
	for (i = 0; i < a->findings.n; i++)
		if (report_shows(o, a->findings.v[i]))
			array_item(&arr, json_finding(&c, a->findings.v[i]));
	array_close(&arr);
	n = summary_certificates(a, &cs);
	array_open(&arr, out, o, "certificates");
	for (i = 0; i < n; i++)
		array_item(&arr, json_certificate(&c, &cs[i]));
	array_close(&arr);
	free(cs);
	put_member(out, "coverage", json_coverage(a), 0);
	put_member(out, "limits", json_limits(a), 1);
	buf_adds(out, "}\n");
	jctx_free(&c);
}

void report_ndjson(struct buf *out, const struct analysis *a,
		   const struct report_opts *o)
{
	struct jctx c;
	size_t i, k;

	jctx_init(&c, a, o);
	for (i = 0; i < a->findings.n; i++) {
		const struct finding *f = a->findings.v[i];
		cJSON *obj, *in;
		char *text;

		if (!report_shows(o, f))
			continue;
		obj = json_finding(&c, f);
		/* What identifies the bundle, first, for log systems. */
		in = cJSON_CreateArray();
		for (k = 0; k < a->ninputs; k++)
			cJSON_AddItemToArray(in, jstr(a->inputs[k].path));
		cJSON_AddItemToObject(obj, "input", in);
		cJSON_AddItemToObject(obj, "bundle_time", json_time(a->now_ms));
		cJSON_AddItemToObject(obj, "schema",
				      cJSON_CreateString("ktriage.finding/v1"));
		text = cJSON_PrintUnformatted(obj);
		if (text) {
			buf_adds(out, text);
			buf_addc(out, '\n');
			cJSON_free(text);
		}
		cJSON_Delete(obj);
		report_spill(o, out);
	}
	jctx_free(&c);
}
