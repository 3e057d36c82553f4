/*
 * The parse queue: a YAML and a JSON List read with no queue, with the
 * queue run on this thread, and with its worker thread give the same
 * objects, skips and warnings in the same order, including items the
 * worker declines, items too big to queue, and warnings made while items
 * wait in the queue.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "input.h"
#include "jsondoc.h"
#include "object.h"
#include "parse.h"
#include "pqueue.h"
#include "yamldoc.h"

struct run {
	struct input in;
	struct buf objs;	/* "Kind/name@line;" in order */
	struct buf skips;	/* "Kind/name@line;" in order */
	size_t nobjs;
};

/* Pods are read but not kept (as the analysis drops kinds no rule needs). */
static int keep(const struct kobject *o, void *ctx)
{
	(void)ctx;
	return !o->kind || strcmp(o->kind, "Pod") != 0;
}

static void on_skip(const char *kind, const char *ns, const char *name,
		    unsigned long line, void *ctx);

static void on_obj(struct kobject *o, void *ctx)
{
	struct run *r = ctx;

	if (!keep(o, ctx)) {
		on_skip(o->kind, o->ns, o->name, o->line, ctx);
		kobject_free(o);
		return;
	}
	buf_addf(&r->objs, "%s/%s@%lu;", o->kind ? o->kind : "-",
		 o->name ? o->name : "-", o->line);
	r->nobjs++;
	kobject_free(o);
}

static void on_skip(const char *kind, const char *ns, const char *name,
		    unsigned long line, void *ctx)
{
	struct run *r = ctx;

	(void)ns;
	buf_addf(&r->skips, "%s/%s@%lu;", kind ? kind : "-",
		 name ? name : "-", line);
}

static int wanted(const char *kind, struct slice text, void *ctx)
{
	(void)text;
	(void)ctx;
	return strcmp(kind, "Pod") != 0;
}

/* Feed text split on '\n', numbering lines from 1. */
static void feed(void *p, int json, const char *text)
{
	unsigned long lineno = 1;
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (json)
			jsondoc_line(p, slice_make(s, n), lineno++);
		else
			yamldoc_line(p, slice_make(s, n), lineno++);
		s += n + (nl ? 1 : 0);
	}
}

/* mode 0: no queue; 1: the queue on this thread; 2: with its worker. */
static void read_list(struct run *r, int json, const char *text, int mode,
		      size_t max)
{
	struct parse_ctx pc;
	struct pq q;
	void *p;

	memset(r, 0, sizeof(*r));
	input_init(&r->in, "bundle/x");
	memset(&pc, 0, sizeof(pc));
	pc.source = "x";
	pc.in = &r->in;
	pc.on_object = on_obj;
	pc.on_skipped = on_skip;
	pc.wanted = wanted;
	pc.keep = keep;
	pc.ctx = r;
	pc.max_object_bytes = max;
	if (mode) {
		pq_init(&q, mode);
		pq_set_current(&q);
		pc.pq = &q;
	}
	if (json) {
		p = jsondoc_new(&pc);
		feed(p, 1, text);
		jsondoc_end(p);
		jsondoc_free(p);
	} else {
		p = yamldoc_new(&pc);
		feed(p, 0, text);
		yamldoc_end(p);
		yamldoc_free(p);
	}
	if (mode) {
		/* Nothing is left in the queue. */
		assert_true(pq_settled(&q, 0, (unsigned long)-1) ==
			    (unsigned long)-1);
		pq_set_current(NULL);
		pq_free(&q);
	}
}

static void notes(const struct run *r, struct buf *out)
{
	size_t i;

	for (i = 0; i < r->in.nerrors; i++)
		buf_addf(out, "%s: %s|", r->in.errors[i].where,
			 r->in.errors[i].message);
}

static void run_free(struct run *r)
{
	input_free(&r->in);
	buf_free(&r->objs);
	buf_free(&r->skips);
}

/*
 * 4000 items: Pods (skipped in JSON), broken ones, ones the fast readers
 * decline, ones over the size limit (dropped with a warning while older
 * items wait in the queue), and in JSON one bigger than a queue item.
 */
#define YAML_MAX 2048
#define JSON_MAX ((size_t)2 << 20)

static void pad(struct buf *b, const char *pre, size_t n, const char *post)
{
	buf_adds(b, pre);
	while (n--)
		buf_addc(b, 'x');
	buf_adds(b, post);
}

static void make_lists(struct buf *y, struct buf *j)
{
	size_t i;

	buf_adds(y, "apiVersion: v1\nitems:\n");
	buf_adds(j, "{\"kind\": \"List\", \"items\": [\n");
	for (i = 0; i < 4000; i++) {
		const char *kind = i % 9 == 8 ? "Pod" : "Order";

		buf_addf(y, "- kind: %s\n  metadata:\n    name: o%zu\n"
			 "  spec:\n    note: %s\n", kind, i,
			 i % 500 == 7 ? "[broken" :
			 i % 300 == 5 ? "\"caf\\u00e9\"" : "plain");
		buf_addf(j, "%s {\"kind\": \"%s\",\n  \"metadata\": "
			 "{\"name\": \"o%zu\"},\n  \"spec\": {\"note\": %s",
			 i ? "," : "", kind, i,
			 i % 500 == 7 ? "tru" :
			 i % 300 == 5 ? "\"\\u0000\"" : "\"plain\"");
		if (i % 700 == 3) {
			pad(y, "    pad: ", YAML_MAX, "\n");
			if (i < 1500)
				pad(j, ",\n  \"pad\": \"", JSON_MAX, "\"");
		}
		if (i == 2000)
			pad(j, ",\n  \"huge\": \"", PQ_ITEM_MAX, "\"");
		buf_adds(j, "}}\n");
	}
	buf_adds(y, "kind: List\n");
	buf_adds(j, "]}\n");
}

static void test_same_in_every_mode(void **state)
{
	struct buf y = BUF_INIT, j = BUF_INIT;
	int json, mode;

	(void)state;
	diag_set_quiet(1);
	make_lists(&y, &j);
	for (json = 0; json < 2; json++) {
		struct run first, r;
		struct buf n0 = BUF_INIT, n = BUF_INIT;
		size_t max = json ? JSON_MAX : YAML_MAX;

		read_list(&first, json, json ? j.p : y.p, 0, max);
		notes(&first, &n0);
		/* Some of everything happened. */
		assert_true(first.nobjs > 3000);
		/* JSON skips Pods unbuilt, YAML builds and drops them. */
		assert_non_null(strstr(buf_str(&first.skips), "Pod/o8@"));
		assert_non_null(strstr(buf_str(&n0), json ?
			"invalid JSON in item 8:" : "invalid YAML"));
		assert_non_null(strstr(buf_str(&n0), "larger than"));
		if (json)
			assert_non_null(strstr(buf_str(&first.objs),
					       "Order/o2000@"));
		for (mode = 1; mode <= 2; mode++) {
			read_list(&r, json, json ? j.p : y.p, mode, max);
			notes(&r, &n);
			assert_string_equal(buf_str(&r.objs),
					    buf_str(&first.objs));
			assert_string_equal(buf_str(&r.skips),
					    buf_str(&first.skips));
			assert_string_equal(buf_str(&n), buf_str(&n0));
			buf_reset(&n);
			run_free(&r);
		}
		run_free(&first);
		buf_free(&n0);
		buf_free(&n);
	}
	buf_free(&y);
	buf_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_in_every_mode),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	fnode_intern_free();
	return rc;
}
