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

enum note_kind { NOTE_ERROR, NOTE_WARNING, NOTE_SKIP };

struct input_held {
	struct input *in;
	enum note_kind kind;
	char *where;
	char *message;
};

static _Thread_local struct input_hold *held;

void input_hold_begin(struct input_hold *h)
{
	held = h;
}

static _Thread_local void (*before_fn)(void *ctx);
static _Thread_local void *before_ctx;

void input_before_note(void (*fn)(void *ctx), void *ctx)
{
	before_fn = fn;
	before_ctx = ctx;
}

static void note(struct input *in, enum note_kind kind, const char *where,
		 const char *msg)
{
	if (!held && before_fn)
		before_fn(before_ctx);
	if (held) {
		struct input_held *x;

		held->v = xgrow(held->v, &held->cap, held->n + 1,
				sizeof(*held->v));
		x = &held->v[held->n++];
		x->in = in;
		x->kind = kind;
		x->where = where ? xstrdup(where) : NULL;
		x->message = xstrdup(msg);
		return;
	}
	switch (kind) {
	case NOTE_ERROR:
		diag(DIAG_ERROR, where, "%s", msg);
		in->error_count++;
		add_note(&in->errors, &in->nerrors, &in->caperrors,
			 &in->errors_dropped, where, msg, 0);
		break;
	case NOTE_WARNING:
		diag(DIAG_WARNING, where, "%s", msg);
		add_note(&in->errors, &in->nerrors, &in->caperrors,
			 &in->errors_dropped, where, msg, 1);
		break;
	case NOTE_SKIP:
		diag(DIAG_NOTE, where, "skipped: %s", msg);
		add_note(&in->skipped, &in->nskipped, &in->capskipped,
			 &in->skipped_dropped, where, msg, 0);
		break;
	}
}

void input_hold_release(struct input_hold *h)
{
	struct input_hold *was = held;
	size_t i;

	held = NULL;
	for (i = 0; i < h->n; i++) {
		note(h->v[i].in, h->v[i].kind, h->v[i].where,
		     h->v[i].message);
		free(h->v[i].where);
		free(h->v[i].message);
	}
	h->n = 0;
	held = was;
}

void input_hold_free(struct input_hold *h)
{
	input_hold_release(h);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

void input_error(struct input *in, const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	note(in, NOTE_ERROR, where, buf_str(&msg));
	buf_free(&msg);
}

void input_warning(struct input *in, const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	note(in, NOTE_WARNING, where, buf_str(&msg));
	buf_free(&msg);
}

void input_skip(struct input *in, const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	note(in, NOTE_SKIP, where, buf_str(&msg));
	buf_free(&msg);
}
