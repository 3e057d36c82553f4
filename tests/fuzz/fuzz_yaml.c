/*
 * Fuzz target for the YAML object parser (kubectl get -o yaml, manifests, multi-document streams): arbitrary bytes are cut into lines as the
 * pipeline cuts them and fed to yamldoc_line(), then yamldoc_end(). Every object
 * and event that comes out is freed; leaks and overreads are the bugs.
 */
#include "fuzz_common.h"

#include "yamldoc.h"

static void feed_line(void *p, struct slice line, unsigned long lineno)
{
	yamldoc_line(p, line, lineno);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_ctx pc;
	struct input in;
	unsigned long count = 0;
	struct yamldoc *p;

	fuzz_parse_ctx(&pc, &in, &count);
	p = yamldoc_new(&pc);
	fuzz_feed(data, size, feed_line, p);
	yamldoc_end(p);
	yamldoc_free(p);
	input_free(&in);
	return 0;
}
