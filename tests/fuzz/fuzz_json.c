/*
 * Fuzz target for the JSON object parser (kubectl get -o json, troubleshoot.sh files, JSON lines): arbitrary bytes are cut into lines as the
 * pipeline cuts them and fed to jsondoc_line(), then jsondoc_end(). Every object
 * and event that comes out is freed; leaks and overreads are the bugs.
 */
#include "fuzz_common.h"

#include "jsondoc.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_ctx pc;
	struct input in;
	unsigned long count = 0;
	struct jsondoc *p;

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
