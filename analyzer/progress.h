/*
 * The progress line on stderr for long runs: bytes read of the total
 * where it is known, the rate, and the entry being read. It shows only
 * when stderr is a terminal (or --progress) and the run has lasted over a
 * second, is redrawn at most a few times a second, and is erased before
 * anything else is printed. Never on stdout.
 */
#ifndef KTRIAGE_PROGRESS_H
#define KTRIAGE_PROGRESS_H

#include <stdint.h>

#include "input.h"

struct progress {
	int enabled;		/* 1 when the line may be shown */
	int shown;		/* a line is on the terminal now */
	double start, last;	/* monotonic seconds */
};

/* mode: -1 auto (stderr is a terminal), 0 never, 1 always. */
void progress_init(struct progress *p, int mode);

/*
 * Maybe redraw: in is the input being read, path the current entry,
 * raw_pos how far into in's current file (in->raw) the reading is.
 */
void progress_tick(struct progress *p, const struct input *in,
		   const char *path, uint64_t raw_pos);

/* Erase the line (before the report or a diagnostic). */
void progress_clear(struct progress *p);

#endif
