/*
 * Fuzz target for the JSON object parser (kubectl get -o json, troubleshoot.sh files, JSON lines): arbitrary bytes are cut into lines as the
 * pipeline cuts them and fed to jsondoc_line(), then jsondoc_end(). Every object
 * and event that comes out is freed; leaks and overreads are the bugs.
 */
#include "fuzz_common.h"

#include "jsondoc.h"
#include "object.h"

static void feed_line(void *p, struct slice line, unsigned long lineno)
{
	jsondoc_line(p, line, lineno);
}

/* Half the kinds are unwanted, so the flat kind/metadata pass runs too. */
static int wanted(const char *kind, struct slice text, void *ctx)
{
	(void)text;
	(void)ctx;
	return (kind[0] & 1) != 0;
}

static void on_skipped(const char *kind, const char *ns, const char *name,
		       unsigned long line, void *ctx)
{
	unsigned long *count = ctx;

	(void)line;
	*count += strlen(kind) + (ns ? strlen(ns) : 0) +
		  (name ? strlen(name) : 0);
}

/*
 * The direct reader and cJSON agree wherever the direct reader reads the
 * text at all, and it reads every text cJSON can read that has no control
 * bytes, no \u0000 and strict numbers (checked by the unit tests).
 */
static void same_trees(const uint8_t *data, size_t size)
{
	struct fnode *a = jsondoc_fast_tree((const char *)data, size, 1);
	struct fnode *b;

	if (!a)
		return;
	b = jsondoc_cjson_tree((const char *)data, size, 1);
	if (!fnode_same(a, b))
		abort();
	fnode_free(a);
	fnode_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_ctx pc;
	struct input in;
	unsigned long count = 0;
	struct jsondoc *p;

	same_trees(data, size);
	fuzz_parse_ctx(&pc, &in, &count);
	pc.wanted = wanted;
	pc.on_skipped = on_skipped;
	p = jsondoc_new(&pc);
	fuzz_feed(data, size, feed_line, p);
	jsondoc_end(p);
	jsondoc_free(p);
	input_free(&in);
	return 0;
}
