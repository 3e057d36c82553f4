/*
 * Per-input accounting. Every problem with the bytes of an input goes
 * through here so that it reaches both stderr and the report's
 * inputs[].errors; nothing is dropped silently, and past INPUT_MAX_NOTES
 * the count still grows.
 */
#include "input.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "util.h"

void input_init(struct input *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->path = xstrdup(path);
}

static void free_notes(struct input_note *n, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(n[i].where);
		free(n[i].message);
	}
	free(n);
}

void input_free(struct input *in)
{
	free(in->path);
	free_notes(in->errors, in->nerrors);
	free_notes(in->skipped, in->nskipped);
	memset(in, 0, sizeof(*in));
}

static void add_note(struct input_note **arr, size_t *n, size_t *cap,
		     unsigned long *dropped, const char *where, const char *msg,
		     int is_warning)
{
	if (*n >= INPUT_MAX_NOTES) {
		(*dropped)++;
		return;
	}
	*arr = xgrow(*arr, cap, *n + 1, sizeof(**arr));
	(*arr)[*n].where = xstrdup(where ? where : "");
	(*arr)[*n].message = xstrdup(msg);
	(*arr)[*n].is_warning = is_warning;
	(*n)++;
}

void input_error(struct input *in, const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag(DIAG_ERROR, where, "%s", buf_str(&msg));
	in->error_count++;
	add_note(&in->errors, &in->nerrors, &in->caperrors,
		 &in->errors_dropped, where, buf_str(&msg), 0);
	buf_free(&msg);
}

void input_warning(struct input *in, const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag(DIAG_WARNING, where, "%s", buf_str(&msg));
	add_note(&in->errors, &in->nerrors, &in->caperrors,
		 &in->errors_dropped, where, buf_str(&msg), 1);
	buf_free(&msg);
}

void input_skip(struct input *in, const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag(DIAG_NOTE, where, "skipped: %s", buf_str(&msg));
	add_note(&in->skipped, &in->nskipped, &in->capskipped,
		 &in->skipped_dropped, where, buf_str(&msg), 0);
	buf_free(&msg);
}
