/*
 * Fuzz target for the whole pipeline, bytes in and report out: the bytes
 * are read as one input (any archive shape, any content type) by
 * analysis_add_stream() with the default rule pack, the analysis is
 * finished (merge, correlate, rank) and both the text and the JSON report
 * are written to memory. Limits are small so each run stays fast.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "analyze.h"
#include "buf.h"
#include "diag.h"
#include "report.h"
#include "rules.h"
#include "stream.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ruleset rules;

static void free_rules(void)
{
	ruleset_free(&rules);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	diag_set_quiet(2);
	ruleset_init(&rules);
	if (ruleset_load_embedded(&rules) || ruleset_check(&rules))
		abort();
	atexit(free_rules);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analysis a;
	struct report_opts ro = { SEV_INFO, 0 };
	struct buf out = BUF_INIT;
	struct stream *s = stream_mem(data, size);

	diag_set_quiet(2);
	analysis_init(&a, &rules);
	a.limits.max_total_bytes = 16u << 20;
	a.limits.max_entries = 1000;
	a.limits.max_depth = 8;
	a.max_line = 64u * 1024;
	a.store.max_objects = 10000;
	analysis_add_stream(&a, "fuzz.bin", s);
	analysis_finish(&a);
	report_text(&out, &a, &ro);
	report_json(&out, &a, &ro);
	buf_free(&out);
	analysis_free(&a);
	stream_free(s);
	return 0;
}
