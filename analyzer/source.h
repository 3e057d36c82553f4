/*
 * The source layer: turns a command-line PATH (file, directory, "-" for
 * stdin, and later compressed files and archives, nested) into a sequence
 * of entries, each a display path and a byte stream. Entries are handed to
 * a callback while they are read, so nothing is extracted or held whole.
 * Problems are recorded in the struct input given by the caller.
 */
#ifndef KTRIAGE_SOURCE_H
#define KTRIAGE_SOURCE_H

#include <stdint.h>

#include "input.h"
#include "stream.h"

struct source_limits {
	uint64_t max_total_bytes;	/* uncompressed bytes per input */
	uint64_t max_ratio;		/* uncompressed / compressed */
	int max_depth;			/* archives inside archives */
	unsigned long max_entries;	/* entries per input */
};

void source_limits_default(struct source_limits *lim);

struct entry {
	const char *path;	/* display path: "bundle.tar.gz:dir/x.log" */
	const char *name;	/* last path component, a hint for detection */
	struct stream *in;	/* the entry's bytes, already decompressed */
	struct input *input;	/* the top-level input it belongs to */
};

/*
 * Called once per entry. The callback reads e->in as far as it wants; the
 * source layer drains the rest. The entry is only valid during the call.
 */
typedef void (*entry_fn)(struct entry *e, void *ctx);

/*
 * Walk one top-level PATH and call fn for each entry, in a deterministic
 * order (directories sorted by byte order). Returns 0 when the path could
 * be opened, -1 when not (in->unreadable is set and the error recorded).
 */
int source_walk(const char *path, const struct source_limits *lim,
		struct input *in, entry_fn fn, void *ctx);

#endif
