/*
 * The source layer: turns a command-line PATH (file, directory, "-" for
 * stdin, gzip files, tar archives, nested in any order) into a sequence
 * of entries, each a display path and a byte stream. Entries are handed to
 * a callback while they are read, so nothing is extracted or held whole.
 * Problems are recorded in the struct input given by the caller.
 */
#ifndef KTRIAGE_SOURCE_H
#define KTRIAGE_SOURCE_H

#include <stdint.h>

#include "input.h"
#include "stream.h"

/*
 * Per-input limits against hostile or runaway bundles; 0 means no limit.
 * Reaching one is an input error naming the entry, the limit and the
 * option; what was read until then is still analyzed and counted.
 */
struct source_limits {
	/*
	 * --max-total-bytes: uncompressed bytes per input, i.e. everything
	 * gzip streams produce plus the bytes of uncompressed files. Reaching
	 * it stops the whole input.
	 */
	uint64_t max_total_bytes;
	/*
	 * --max-ratio: uncompressed / compressed bytes of one gzip stream,
	 * judged once it has produced 1 MiB. Reaching it stops that stream
	 * (and so the archive inside it); the rest of the input goes on.
	 */
	uint64_t max_ratio;
	/*
	 * --max-depth: container layers around an entry; a .gz and a .tar
	 * count one each, so "a.tar.gz:b.log.gz" is three deep. A container
	 * past it is reported and not opened. 0 means the hard cap of 64.
	 */
	int max_depth;
	/*
	 * --max-entries: entries per input (files analyzed or skipped as
	 * binary, plus archive members that are not files). Reaching it
	 * stops the whole input.
	 */
	unsigned long max_entries;
};

/*
 * Defaults: 64 GiB total, ratio 1000:1, depth 8 (four tar.gz inside each
 * other), one million entries.
 */
void source_limits_default(struct source_limits *lim);

struct entry {
	const char *path;	/* display path: "bundle.tar.gz:dir/x.log" */
	/*
	 * Last path component, a hint for detection; for a decompressed
	 * file its ".gz" is dropped ("x.log.gz" gives "x.log").
	 */
	const char *name;
	struct stream *in;	/* the entry's bytes, already decompressed */
	struct input *input;	/* the top-level input it belongs to */
	/*
	 * Set by the callback to read no more of this input (--timeout):
	 * the rest of the entry is not drained, later entries not opened.
	 */
	int stop;
};

/*
 * Called once per entry. The callback reads e->in as far as it wants; the
 * source layer drains the rest. The entry is only valid during the call.
 * A read error on e->in (damaged gzip, truncated tar, a limit) comes after
 * every byte before the damage, and e->in->err then says what and where
 * (compressed and uncompressed offsets). The source layer reports it on
 * e->path once the callback returns, unless the callback reported it
 * itself (say, with its line number) in an input_error whose message
 * contains e->in->err.
 */
typedef void (*entry_fn)(struct entry *e, void *ctx);

/*
 * Walk one top-level PATH and call fn for each entry, in a deterministic
 * order (directories sorted by byte order). Returns 0 when the path could
 * be opened, -1 when not (in->unreadable is set and the error recorded).
 */
int source_walk(const char *path, const struct source_limits *lim,
		struct input *in, entry_fn fn, void *ctx);

/*
 * Walk bytes that are already open as a stream (an archive in memory, a
 * test's data) as if they were the file `name`.
 */
void source_walk_stream(const char *name, struct stream *s,
			const struct source_limits *lim, struct input *in,
			entry_fn fn, void *ctx);

#endif
