/*
 * Log records: cert-manager controller logs read into structured records,
 * from klog text in every payload generation (free text; klogr's
 * `logger "msg"="…" "error"="…"`; klog's `"msg" err="…" logger="…"`) and
 * from JSON logging, behind optional collector prefixes (`kubectl logs
 * --timestamps`, CRI `<ts> stderr F`). Continuation lines (multi-line
 * `key=<` values, Go stack traces) stay with their record.
 *
 * The parser is line-fed like the object parsers. A record is complete
 * when the next record starts or at logrec_end(); it is handed to the
 * callback with its text in a parser-owned buffer, valid only during the
 * call. Values are raw slices of that text; logrec_value() decodes them.
 */
#ifndef KTRIAGE_LOGREC_H
#define KTRIAGE_LOGREC_H

#include <stdint.h>

#include "buf.h"
#include "input.h"
#include "util.h"

#define LOGREC_MAX_KV 48
#define LOGREC_MAX_BYTES (64u * 1024)	/* text kept per record */

enum logfmt {
	LOGFMT_TEXT,	/* klog header, free-text payload (cert-manager <= v0.8) */
	LOGFMT_KLOGR,	/* klogr: logger "msg"="…" "k"="v" (v0.9 – v1.13) */
	LOGFMT_KLOG_KV,	/* klog: "msg" k="v" logger="…" (v1.14 and later) */
	LOGFMT_JSON,	/* --logging-format=json */
};

struct logkv {
	struct slice key;
	struct slice value;	/* raw: still quoted-escaped when quoted */
	int quoted;		/* a Go/JSON-quoted string */
};

/*
 * A timestamp. klog headers carry no year: those are kept as month, day
 * and time plus the number of year rollovers seen since the start of the
 * file, and resolved against the bundle's year with logtime_resolve().
 */
struct logtime {
	int64_t ms;		/* unix ms when absolute; ms of the day when not */
	int absolute;		/* 1: ms is unix ms; 0: yearless (or unknown) */
	int known;		/* 0: no timestamp at all */
	int mon, day;		/* yearless: 1-12, 1-31 */
	int year_offset;	/* yearless: rollovers since the file began */
};

struct logrec {
	enum logfmt fmt;
	char level;		/* 'I', 'W', 'E', 'F'; JSON: 'E' with err */
	struct logtime time;
	struct slice caller;	/* "sync.go:208" or "acmechallenges/sync.go:403" */
	struct slice logger;	/* "cert-manager.controller", "cert-manager/challenges" */
	struct slice msg;	/* raw */
	int msg_quoted;
	struct slice err;	/* raw; err= / "error"= / "err": */
	int err_quoted;
	size_t nkv;
	unsigned long dropped_kv;	/* pairs beyond LOGREC_MAX_KV */
	struct slice text;	/* the whole record, continuation lines included */
	const char *source;
	unsigned long line;	/* first line of the record */
	unsigned long nlines;
	int light;		/* only the header was read: see logrec_idle() */
	/* Last: only kv[0..nkv) is set, and parsing clears what is before. */
	struct logkv kv[LOGREC_MAX_KV];
};

typedef void (*logrec_fn)(const struct logrec *r, void *ctx);

struct logparser;

struct logparser *logrec_new(const char *source, struct input *in,
			     logrec_fn fn, void *ctx);
void logrec_line(struct logparser *p, struct slice line, unsigned long lineno);

/*
 * Optional: asked, with the record's first line number, before a one-line
 * record is parsed. When it says 1 (no rule can match the record), only
 * the header is read (level, time, caller) and the record is handed over
 * with light set: its message and keys stay unparsed.
 */
void logrec_idle(struct logparser *p, int (*idle)(void *ctx,
						  unsigned long line));
void logrec_end(struct logparser *p);

/*
 * The time of the record the last line fed belongs to (its first line's
 * header), without changing the parser's state. Returns 0 when that line
 * is not part of a record or the record has no time.
 */
int logrec_current_time(const struct logparser *p, struct logtime *t);
void logrec_free(struct logparser *p);

/*
 * Parse one line alone (no continuation handling). Returns 1 when the line
 * starts a record (klog header or JSON record), 0 otherwise. The record's
 * slices point into line. yoff is the current year offset.
 */
int logrec_parse_line(struct slice line, struct logrec *r);

/*
 * Whether a line starts a record: a klog header (after any collector
 * prefix) or a JSON object with "msg" or "ts". Cheaper than parsing it.
 */
int logrec_starts(struct slice line);

/*
 * Only the time of a line that starts a record (klog header, collector
 * prefix, JSON "ts"): cheaper than logrec_parse_line(). For yearless klog
 * times, *last_mon and *year_offset carry the rollover state of the file.
 * Returns 1 when the line has a time.
 */
int logrec_line_time(struct slice line, struct logtime *t, int *last_mon,
		     int *year_offset);

/* Decode a raw value (unquote Go/JSON escapes when quoted) into out. */
void logrec_decode(struct slice raw, int quoted, struct buf *out);

/* Find a key's value; returns the index in r->kv or -1. */
int logrec_find(const struct logrec *r, const char *key);

/*
 * Unix ms of a record time, given the year of the bundle for yearless
 * klog times (a time that would fall after now_ms by more than a day is
 * put in the previous year). Returns TIME_UNKNOWN-like INT64_MIN if none.
 */
int64_t logtime_resolve(const struct logtime *t, int bundle_year,
			int64_t now_ms);

/* A klog severity letter (strchr("IWEF", c) would also take '\0'). */
static inline int klog_level(char c)
{
	return c == 'I' || c == 'W' || c == 'E' || c == 'F';
}

#endif
