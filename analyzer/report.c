/*
 * What the report formats share: the format names and which findings a
 * report shows.
 */
#include "report.h"

#include <string.h>
#include <time.h>

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

void report_time(struct buf *out, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[40];

	if (ms < 0 && ms % 1000)
		t--;
	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_adds(out, tmp);
	if (ms % 1000)
		buf_addf(out, ".%03d", (int)(((ms % 1000) + 1000) % 1000));
	buf_addc(out, 'Z');
}

void report_span(struct buf *out, int64_t s)
{
	if (s < 120)
		buf_addf(out, "%llds", (long long)s);
	else if (s < 3600)
		buf_addf(out, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		buf_addf(out, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else
		buf_addf(out, "%lldd%lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
}
