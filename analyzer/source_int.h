/*
 * Internals shared by the source layer's files: source.c (paths, walk,
 * dispatch), src_container.c (format recognition), src_gz.c and
 * src_tar.c (the readers). Not for use outside the source layer. Streams
 * and paths passed in stay the caller's; readers borrow them for the call.
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
	int stopped;		/* the entry limit was reached: read no more */
	int over_budget;	/* max_total_bytes was reached: no new files */
	int gz_depth;		/* gzip readers around the current stream */
	struct stream *gz_content; /* stream a gzip reader is dispatching */
};

/*
 * Sniff s and hand it on: to a container reader (which calls
 * source_dispatch() again for each member, one level deeper), or to the
 * entry callback. path is the display path; s stays owned by the caller.
 * Returns 1 when s failed and that was reported (through input_error), so
 * the caller must not report it again; 0 when no failure of s was seen:
 * the caller reports one it meets while reading on (a look-ahead may
 * already hold it).
 */
int source_dispatch(struct walk *w, const char *path, struct stream *s,
		    int depth);

/*
 * If the first bytes p[0..n) show a container format (gzip, tar), read it
 * and return 1, with *reported as source_dispatch() returns it; return 0
 * to treat s as a plain entry. A container nested deeper than
 * lim->max_depth is reported and not opened (still returns 1).
 */
int source_try_containers(struct walk *w, const char *path, struct stream *s,
			  const unsigned char *p, size_t n, int depth,
			  int *reported);

/*
 * Check the entry limit before path is read. Returns 1 when it may be
 * read; else 0, after reporting the limit once and stopping the walk.
 */
int source_entry_allowed(struct walk *w, const char *path);

/*
 * Count n uncompressed bytes against lim->max_total_bytes. Returns how many
 * of them fit; when fewer than n, the limit message is appended to err (the
 * caller fails its stream with it) and no further file is opened. Members
 * in bytes already counted (look-ahead) are still read up to the failure.
 */
size_t source_charge(struct walk *w, size_t n, struct buf *err);

/* Last component of a display path ("a.tar.gz:x/y.log" gives "y.log"). */
const char *source_basename(const char *path);

/* True when p[0..n) starts like gzip data. */
int gz_sniff(const unsigned char *p, size_t n);

/*
 * Inflate s (gzip, members concatenated) and dispatch the result under the
 * same display path, one level deeper. Errors go to w->in. Returns 1 when
 * a failure of s was reported, as source_dispatch().
 */
int gz_read_container(struct walk *w, const char *path, struct stream *s,
		      int depth);

/* True when p[0..n) starts with a tar header (ustar, old GNU or v7). */
int tar_sniff(const unsigned char *p, size_t n);

/*
 * Read the tar archive s and dispatch each regular member as
 * "path:member" one level deeper. Errors and skips go to w->in. Returns 1
 * when a failure of s was reported, as source_dispatch().
 */
int tar_read_container(struct walk *w, const char *path, struct stream *s,
		       int depth);

#endif
