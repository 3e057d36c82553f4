/*
 * Diagnostics: the one place that writes messages to stderr, in the form
 * "ktriage: <where>: error: <what>". Modules never exit and never print on
 * their own; they call diag() and return an error code. Quiet mode silences
 * warnings and notes but never errors.
 */
#ifndef KTRIAGE_DIAG_H
#define KTRIAGE_DIAG_H

enum diag_level {
	DIAG_NOTE,
	DIAG_WARNING,
	DIAG_ERROR,
};

/* 0: everything; 1: errors only (-q); 2: nothing (fuzzing). */
void diag_set_quiet(int quiet);

/* Print one diagnostic; where may be NULL. Control characters are escaped. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void diag(enum diag_level level, const char *where, const char *fmt, ...);

/* Call fn(ctx) before each message (to erase a progress line). */
void diag_set_clear_hook(void (*fn)(void *ctx), void *ctx);

/* Number of DIAG_ERROR messages printed so far. */
unsigned long diag_error_count(void);

#endif
