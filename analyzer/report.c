/*
 * What the report formats share: the format names and which findings a
 * report shows.
 */
#include "report.h"

#include <string.h>

int report_format_parse(const char *s)
{
	if (!strcmp(s, "text"))
		return FORMAT_TEXT;
	if (!strcmp(s, "json"))
		return FORMAT_JSON;
	return -1;
}

int report_shows(const struct report_opts *o, const struct finding *f)
{
	if (f->suppressed || f->severity < (int)o->min_severity)
		return 0;
	return !o->top || f->rank <= o->top;
}
