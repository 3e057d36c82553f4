/*
 * Accounting for one top-level input (a PATH on the command line): what was
 * read, how much, and every error or skipped entry with its location. The
 * source layer fills it, the report prints it. Strings are owned by the
 * struct and released by input_free().
 */
#ifndef KTRIAGE_INPUT_H
#define KTRIAGE_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct stream;

/* Most errors or skips kept per input; the rest are only counted. */
#define INPUT_MAX_NOTES 200

struct input_note {
	char *where;	/* "bundle.tar.gz:member:line" or with "@offset" */
	char *message;
	int is_warning;	/* read went on past it: a cut line, a parse fallback */
};

struct input {
	char *path;
	unsigned long files;		/* entries analyzed */
	uint64_t bytes;			/* uncompressed bytes analyzed */
	uint64_t bytes_compressed;	/* bytes read from compressed files */
	struct input_note *errors;
	size_t nerrors, caperrors;
	unsigned long errors_dropped;
	struct input_note *skipped;
	size_t nskipped, capskipped;
	unsigned long skipped_dropped;
	unsigned long error_count;	/* errors, not warnings, incl. dropped */
	int unreadable;			/* the path itself could not be read */
	/* Progress: bytes read from files on disk, of raw_total if known. */
	const struct stream *raw;	/* the file being read, or NULL */
	uint64_t raw_done;		/* bytes of the files already closed */
	uint64_t raw_total;		/* size of the input when one file */
};

/*
 * Notes held back instead of made at once (see feed.h): a thread that
 * reads ahead holds what it notes with the data it read, and the thread
 * that owns the inputs releases them when it reaches that data.
 */
struct input_held;
struct input_hold {
	struct input_held *v;
	size_t n, cap;
};

/* This thread's notes go to h (NULL: made at once again). */
void input_hold_begin(struct input_hold *h);

/* Make the notes held in h, in order, and empty it. */
void input_hold_release(struct input_hold *h);
void input_hold_free(struct input_hold *h);

/*
 * Call fn(ctx) on this thread before each note is made (not held), so
 * work queued before it (the parse queue's items) is done first and its
 * own notes come first. NULL: none.
 */
void input_before_note(void (*fn)(void *ctx), void *ctx);

void input_init(struct input *in, const char *path);
void input_free(struct input *in);

/* Record an input error and print it as "ktriage: where: error: msg". */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void input_error(struct input *in, const char *where, const char *fmt, ...);

/* Record an entry that was not analyzed, with the reason (printed as note). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void input_skip(struct input *in, const char *where, const char *fmt, ...);

/* Record a problem that did not stop reading (a warning, e.g. a cut line). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void input_warning(struct input *in, const char *where, const char *fmt, ...);

#endif
