/*
 * Report writers, the last stage: they turn a finished analysis into text,
 * JSON, NDJSON, Markdown or HTML appended to a caller-owned buffer. They
 * only read the analysis. Every string that comes from the input is
 * redacted (unless asked not to) and escaped for the format it is written
 * in; names of objects and files are escaped but never redacted.
 */
#ifndef KTRIAGE_REPORT_H
#define KTRIAGE_REPORT_H

#include "analyze.h"
#include "buf.h"
#include "redact.h"

#include <stdint.h>

enum report_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_NDJSON,
	FORMAT_MARKDOWN,
	FORMAT_HTML,
};

struct report_opts {
	enum severity min_severity;	/* findings below are not shown */
	unsigned long top;		/* show at most this many; 0 = all */
	int color;			/* text: ANSI colours */
	int width;			/* text: wrap at this column; 0 never */
	int no_redact;			/* show secrets as they are */
	int redact_emails;		/* also hide e-mail local parts */
	/*
	 * Where the report goes as it is written (NULL: all of it stays in
	 * out): given the report so far each time it passes REPORT_SPILL
	 * bytes at the end of a finding, a certificate or a line, flush
	 * writes it out and empties it, so a report listing 100,000
	 * certificates does not sit in memory.
	 */
	void (*flush)(struct buf *out, void *ctx);
	void *flush_ctx;
};

#define REPORT_SPILL 65536

/* Hand out's bytes to o->flush once there are REPORT_SPILL of them. */
void report_spill(const struct report_opts *o, struct buf *out);

/* Parse "text", "json", "ndjson", "markdown" ("md") or "html"; -1 if not. */
int report_format_parse(const char *s);

enum color_mode {
	COLOR_AUTO,
	COLOR_ALWAYS,
	COLOR_NEVER,
};

/* What main.c knows about where the report goes. */
struct report_term {
	int tty;		/* standard output is a terminal (and no -o) */
	int cols;		/* its width from TIOCGWINSZ; 0 unknown */
	const char *term;	/* $TERM, $NO_COLOR, $COLUMNS or NULL */
	const char *no_color;
	const char *columns;
};

/*
 * Set o->color and o->width for the text report: colour when asked, or
 * in auto mode on a terminal whose TERM is not "dumb" and without a
 * non-empty NO_COLOR; width is `width` when given (>= 0), else on a
 * terminal its width, COLUMNS, or 100; else 0 (no wrapping).
 */
void report_terminal(struct report_opts *o, enum color_mode cm, long width,
		     const struct report_term *t);

/* Whether finding f is shown under o. */
int report_shows(const struct report_opts *o, const struct finding *f);

/* Append an RFC 3339 UTC time ("2024-05-01T10:00:00Z", ms when not 0). */
void report_time(struct buf *out, int64_t ms);

/* Append a span in seconds as "12m", "1h05m", "3d2h", "45s". */
void report_span(struct buf *out, int64_t s);

/*
 * The redactor for a report of a (it knows the bundle's Secret values),
 * or NULL when o->no_redact. The caller frees it with redact_free().
 */
struct redactor *report_redactor(const struct analysis *a,
				 const struct report_opts *o);

/*
 * s with secrets hidden, in tmp (which is reset); s itself when r is
 * NULL, "" when s is NULL. Valid until tmp changes.
 */
const char *report_clean(struct buf *tmp, const struct redactor *r,
			 const char *s);

/*
 * f's message, rendered again from its rule's template with each
 * captured value redacted (the template's own words and the resource
 * name are not), in tmp; f->message itself when r is NULL.
 */
const char *report_message(struct buf *tmp, const struct redactor *r,
			   const struct finding *f);

/* What the report headers show, computed once for every format. */
struct report_stats {
	unsigned long by_sev[SEV_COUNT];	/* shown findings */
	unsigned long shown;
	unsigned long hidden;	/* not shown: --top, --min-severity */
	unsigned long folded;	/* explained by another finding */
	unsigned long files;
	unsigned long events;	/* events of all objects */
	int64_t first_ms, last_ms;	/* time covered; INT64_MIN unknown */
};

void report_stats(const struct analysis *a, const struct report_opts *o,
		  struct report_stats *st);

/*
 * When an event happened (unix ms), from its times or its ages before
 * the bundle's time. Returns 0 when neither is known.
 */
int report_event_times(const struct analysis *a, const struct kevent *ev,
		       int64_t *first_ms, int64_t *last_ms);

void report_text(struct buf *out, const struct analysis *a,
		 const struct report_opts *o);
void report_json(struct buf *out, const struct analysis *a,
		 const struct report_opts *o);
/* One finding per line, each with "input" (the paths) and "bundle_time". */
void report_ndjson(struct buf *out, const struct analysis *a,
		   const struct report_opts *o);
void report_markdown(struct buf *out, const struct analysis *a,
		     const struct report_opts *o);
void report_html(struct buf *out, const struct analysis *a,
		 const struct report_opts *o);

/* The writer for format f. */
void report_write(struct buf *out, enum report_format f,
		  const struct analysis *a, const struct report_opts *o);

#endif
