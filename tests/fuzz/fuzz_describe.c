/*
 * Fuzz target for the kubectl describe parser (headers, nested bodies, Events tables, fragments, prompts): arbitrary bytes are cut into lines as the
 * pipeline cuts them and fed to describe_line(), then describe_end(). Every object
 * and event that comes out is freed; leaks and overreads are the bugs.
 */
#include "fuzz_common.h"

#include "describe.h"

static void feed_line(void *p, struct slice line, unsigned long lineno)
{
	describe_line(p, line, lineno);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_ctx pc;
	struct input in;
	unsigned long count = 0;
	struct describe *p;

	fuzz_parse_ctx(&pc, &in, &count);
	p = describe_new(&pc);
	fuzz_feed(data, size, feed_line, p);
	describe_end(p);
	describe_free(p);
	input_free(&in);
	return 0;
}
