/*
 * What every object parser shares: reporting a problem at the place in
 * the entry where it was found, as "source:line:col", through the input's
 * warnings (stderr and the report), then going on.
 */
#include "parse.h"

#include <stdarg.h>

#include "buf.h"

void parse_vwarn(const struct parse_ctx *pc, unsigned long line,
		 unsigned long col, const char *fmt, va_list ap)
{
	struct buf where = BUF_INIT, msg = BUF_INIT;

	if (!pc->in)
		return;
	buf_addf(&where, "%s:%lu", pc->source ? pc->source : "-", line);
	if (col)
		buf_addf(&where, ":%lu", col);
	buf_vaddf(&msg, fmt, ap);
	input_warning(pc->in, buf_str(&where), "%s", buf_str(&msg));
	buf_free(&where);
	buf_free(&msg);
}

void parse_warn(const struct parse_ctx *pc, unsigned long line,
		unsigned long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	parse_vwarn(pc, line, col, fmt, ap);
	va_end(ap);
}
