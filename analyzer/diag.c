/*
 * Formats diagnostics for stderr. Paths and messages often come from
 * hostile bundles (archive member names, log text), so control characters
 * are escaped before they reach the terminal.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

#include "buf.h"
#include "escape.h"

static int quiet;
static void (*clear_hook)(void *);
static void *clear_ctx;

void diag_set_clear_hook(void (*fn)(void *ctx), void *ctx)
{
	clear_hook = fn;
	clear_ctx = ctx;
}
static unsigned long errors;

void diag_set_quiet(int q)
{
	quiet = q;
}

unsigned long diag_error_count(void)
{
	return errors;
}

void diag(enum diag_level level, const char *where, const char *fmt, ...)
{
	static const char *const names[] = { "note", "warning", "error" };
	struct buf msg = BUF_INIT, out = BUF_INIT;
	va_list ap;

	if (level == DIAG_ERROR)
		errors++;
	if ((level != DIAG_ERROR && quiet) || quiet > 1)
		return;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	buf_adds(&out, "ktriage: ");
	if (where && *where) {
		escape_terminal(&out, slice_cstr(where));
		buf_adds(&out, ": ");
	}
	buf_adds(&out, names[level]);
	buf_adds(&out, ": ");
	escape_terminal(&out, slice_make(msg.p, msg.len));
	buf_addc(&out, '\n');
	if (clear_hook)
		clear_hook(clear_ctx);
	fwrite(out.p, 1, out.len, stderr);
	buf_free(&msg);
	buf_free(&out);
}
