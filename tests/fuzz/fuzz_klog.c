/*
 * Fuzz target for the log record parser: klog text in every payload
 * generation, JSON log lines, collector prefixes, continuation lines.
 * The bytes go through the line-fed parser (records handed to a callback
 * that reads every value back with logrec_decode()), and every line also
 * through logrec_parse_line() and logrec_line_time() alone.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "logrec.h"

static void on_record(const struct logrec *r, void *ctx)
{
	unsigned long *n = ctx;
	struct buf b = BUF_INIT;
	size_t i;

	logrec_decode(r->msg, r->msg_quoted, &b);
	logrec_decode(r->err, r->err_quoted, &b);
	for (i = 0; i < r->nkv; i++)
		logrec_decode(r->kv[i].value, r->kv[i].quoted, &b);
	(void)logrec_find(r, "key");
	(void)logtime_resolve(&r->time, 2024, 1721122994000LL);
	*n += b.len;
	buf_free(&b);
}

/* The rollover state of logrec_line_time(), reset for each input. */
static int last_mon, year_offset;

static void feed_line(void *p, struct slice line, unsigned long lineno)
{
	struct logrec r;
	struct logtime t;
	struct buf b = BUF_INIT;

	logrec_line(p, line, lineno);
	if (logrec_parse_line(line, &r)) {
		logrec_decode(r.msg, r.msg_quoted, &b);
		logrec_decode(r.err, r.err_quoted, &b);
		buf_free(&b);
	}
	(void)logrec_line_time(line, &t, &last_mon, &year_offset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	unsigned long count = 0;
	struct logparser *p;

	diag_set_quiet(2);
	last_mon = 0;
	year_offset = 0;
	input_init(&in, "fuzz");
	p = logrec_new("fuzz", &in, on_record, &count);
	fuzz_feed(data, size, feed_line, p);
	logrec_end(p);
	logrec_free(p);
	input_free(&in);
	return 0;
}
