/*
 * Fuzz target for the archive reader: arbitrary bytes as a file that may
 * be gzip, tar, nested archives or text. Every entry is read to the end,
 * line by line, as the pipeline does.
 */
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "input.h"
#include "lines.h"
#include "source.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(struct entry *e, void *ctx)
{
	struct lines l;
	struct slice line;

	(void)ctx;
	lines_init(&l, e->in, 4096);
	while (lines_next(&l, &line) > 0)
		;
	lines_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_limits lim;
	struct input in;
	struct stream *s = stream_mem(data, size);

	diag_set_quiet(2);
	source_limits_default(&lim);
	/* Small bounds keep each run fast; the limits are part of the test. */
	lim.max_total_bytes = 16u << 20;
	lim.max_entries = 1000;
	input_init(&in, "fuzz");
	source_walk_stream("fuzz.bin", s, &lim, &in, read_all, NULL);
	stream_free(s);
	input_free(&in);
	return 0;
}
