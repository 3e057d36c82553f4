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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_ctx pc;
	struct input in;
	unsigned long count = 0;
	struct jsondoc *p;

	fuzz_parse_ctx(&pc, &in, &count);
	p = jsondoc_new(&pc);
	fuzz_feed(data, size, feed_line, p);
	jsondoc_end(p);
	jsondoc_free(p);
	input_free(&in);
	return 0;
}
