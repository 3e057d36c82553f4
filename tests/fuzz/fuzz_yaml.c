/*
 * Fuzz target for the YAML object parser (kubectl get -o yaml, manifests,
 * multi-document streams): arbitrary bytes are cut into lines as the
 * pipeline cuts them and fed to yamldoc_line(), then yamldoc_end(). Every
 * object and event that comes out is freed; leaks and overreads are the
 * bugs. The fast reader is also held to libyaml: when it takes the input
 * as one document (with a final '\n' added if missing), its events must be
 * libyaml's, or the target aborts.
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <yaml.h>

#include "buf.h"
#include "yamldoc.h"
#include "yamlfast.h"

static void feed_line(void *p, struct slice line, unsigned long lineno)
{
	yamldoc_line(p, line, lineno);
}

#include "../yamlevents.h"

static void differential(const uint8_t *data, size_t size)
{
	struct buf text = BUF_INIT, fast = BUF_INIT, lib = BUF_INIT;

	/* A copy of its own, so that a read past the end is caught. */
	buf_add(&text, data, size);
	if (!size || data[size - 1] != '\n')
		buf_addc(&text, '\n');
	if (yamlfast_parse(text.p, text.len, &rec_sink, &fast) == 0) {
		libyaml_events(&lib, text.p, text.len);
		if (strcmp(buf_str(&fast), buf_str(&lib))) {
			fprintf(stderr, "yamlfast and libyaml differ\n"
				"--- fast:\n%s--- libyaml:\n%s",
				buf_str(&fast), buf_str(&lib));
			abort();
		}
	}
	buf_free(&text);
	buf_free(&fast);
	buf_free(&lib);
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
	differential(data, size);
	return 0;
}
