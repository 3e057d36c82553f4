/*
 * Internals shared by the source layer's files: source.c (paths, walk,
 * dispatch), src_container.c (format recognition), src_gz.c and
 * src_tar.c (the readers). Not for use outside the source layer.
 */
#ifndef KTRIAGE_SOURCE_INT_H
#define KTRIAGE_SOURCE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "source.h"

struct walk {
	const struct source_limits *lim;
	struct input *in;
	entry_fn fn;
	void *ctx;
	unsigned long entries;	/* counted against lim->max_entries */
	uint64_t total;		/* counted against lim->max_total_bytes */
	int stopped;		/* a per-input limit was reached: read no more */
	int gz_depth;		/* gzip readers around the current stream */
	struct stream *gz_content; /* stream a gzip reader is dispatching */
};

/*
 * Sniff s and hand it on: to a container reader (which calls
 * source_dispatch() again for each member, one level deeper), or to the
 * entry callback. path is the display path; s stays owned by the caller.
 * When it returns, any failure of s has been reported exactly once
 * (through input_error), so callers never report it again.
 */
void source_dispatch(struct walk *w, const char *path, struct stream *s,
		     int depth);

/*
 * If the first bytes p[0..n) show a container format (gzip, tar), read it
 * and return 1; return 0 to treat s as a plain entry. A container nested
 * deeper than lim->max_depth is reported and not opened (still returns 1).
 */
int source_try_containers(struct walk *w, const char *path, struct stream *s,
			  const unsigned char *p, size_t n, int depth);

/*
 * Check the entry limit before path is read. Returns 1 when it may be
 * read; else 0, after reporting the limit once and stopping the walk.
 */
int source_entry_allowed(struct walk *w, const char *path);

/*
 * Count n uncompressed bytes against lim->max_total_bytes. Returns how many
 * of them fit; when fewer than n, the limit message is appended to err and
 * the walk is stopped (the caller fails its stream with that message).
 */
size_t source_charge(struct walk *w, size_t n, struct buf *err);

/* Last component of a display path ("a.tar.gz:x/y.log" gives "y.log"). */
const char *source_basename(const char *path);

/* True when p[0..n) starts like gzip data. */
int gz_sniff(const unsigned char *p, size_t n);

/*
 * Inflate s (gzip, members concatenated) and dispatch the result under the
 * same display path, one level deeper. Errors go to w->in.
 */
void gz_read_container(struct walk *w, const char *path, struct stream *s,
		       int depth);

/* True when p[0..n) starts with a tar header (ustar, old GNU or v7). */
int tar_sniff(const unsigned char *p, size_t n);

/*
 * Read the tar archive s and dispatch each regular member as
 * "path:member" one level deeper. Errors and skips go to w->in.
 */
void tar_read_container(struct walk *w, const char *path, struct stream *s,
			int depth);

#endif
