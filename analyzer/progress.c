/*
 * Progress reporting, beside the pipeline: the analysis calls
 * progress_tick() every few thousand lines; the clock is read there, and
 * the line is drawn at most five times a second once a second has passed.
 */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "stream.h"

void progress_init(struct progress *p, int mode)
{
	memset(p, 0, sizeof(*p));
	p->enabled = mode < 0 ? isatty(STDERR_FILENO) : mode;
	p->start = p->last = monotonic_seconds();
}

static void human(struct buf *b, double bytes)
{
	if (bytes >= 1e9)
		buf_addf(b, "%.1f GB", bytes / 1e9);
	else
		buf_addf(b, "%.0f MB", bytes / 1e6);
}

void progress_tick(struct progress *p, const struct input *in,
		   const char *path, uint64_t raw_pos)
{
	struct buf line = BUF_INIT;
	double t, elapsed, done;
	size_t n;

	if (!p->enabled)
		return;
	t = monotonic_seconds();
	elapsed = t - p->start;
	if (elapsed < 1.0 || t - p->last < 0.2)
		return;
	p->last = t;
	done = (double)in->raw_done + (double)raw_pos;
	buf_adds(&line, "\r\033[Kktriage: ");
	if (in->raw_total) {
		buf_addf(&line, "%3.0f%% ", 100.0 * done /
			 (double)in->raw_total);
		human(&line, done);
		buf_adds(&line, " of ");
		human(&line, (double)in->raw_total);
	} else {
		human(&line, done);
		buf_adds(&line, " read");
	}
	buf_addf(&line, ", %.0f MB/s, ", done / 1e6 / elapsed);
	/* Keep the line on one terminal row: show the end of the path. */
	n = strlen(path);
	if (n > 60) {
		buf_adds(&line, "...");
		path += n - 57;
	}
	escape_terminal(&line, slice_cstr(path));
	fputs(line.p, stderr);
	fflush(stderr);
	p->shown = 1;
	buf_free(&line);
}

void progress_clear(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = 0;
}
