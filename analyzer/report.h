/*
 * Report writers, the last stage: they turn a finished analysis into text
 * or JSON (later Markdown and HTML) appended to a caller-owned buffer.
 * They only read the analysis. Every string that comes from the input is
 * escaped for the format it is written in.
 */
#ifndef KTRIAGE_REPORT_H
#define KTRIAGE_REPORT_H

#include "analyze.h"
#include "buf.h"

#include <stdint.h>

enum report_format {
	FORMAT_TEXT,
	FORMAT_JSON,
};

struct report_opts {
	enum severity min_severity;	/* findings below are not shown */
	unsigned long top;		/* show at most this many; 0 = all */
};

/* Parse "text" or "json"; returns -1 when unknown. */
int report_format_parse(const char *s);

/* Whether finding f is shown under o. */
int report_shows(const struct report_opts *o, const struct finding *f);

/* Append an RFC 3339 UTC time ("2024-05-01T10:00:00Z", ms when not 0). */
void report_time(struct buf *out, int64_t ms);

/* Append a span in seconds as "12m", "1h05m", "3d2h", "45s". */
void report_span(struct buf *out, int64_t s);

void report_text(struct buf *out, const struct analysis *a,
		 const struct report_opts *o);
void report_json(struct buf *out, const struct analysis *a,
		 const struct report_opts *o);

#endif
