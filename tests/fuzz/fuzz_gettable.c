/*
 * Fuzz target for the kubectl get table parser (header columns, rows, events tables, prompts): arbitrary bytes are cut into lines as the
 * pipeline cuts them and fed to gettable_line(), then gettable_end(). Every object
 * and event that comes out is freed; leaks and overreads are the bugs.
 */
#include "fuzz_common.h"

#include "gettable.h"

static void feed_line(void *p, struct slice line, unsigned long lineno)
{
	gettable_line(p, line, lineno);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_ctx pc;
	struct input in;
	unsigned long count = 0;
	struct gettable *p;

	fuzz_parse_ctx(&pc, &in, &count);
	p = gettable_new(&pc);
	fuzz_feed(data, size, feed_line, p);
	gettable_end(p);
	gettable_free(p);
	input_free(&in);
	return 0;
}
