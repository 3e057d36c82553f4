/*
 * A pull-based byte stream with a small look-ahead buffer, the common shape
 * of every source: a file descriptor, a gzip member chain, a tar member.
 * Layers stack: a gzip stream reads from a file stream, a tar member from a
 * gzip stream. A stream owns its state; stream_free() releases it but never
 * the stream it reads from (that one belongs to whoever opened it).
 */
#ifndef KTRIAGE_STREAM_H
#define KTRIAGE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct stream;

struct stream_ops {
	/*
	 * Read up to n bytes into dst. Return the count, 0 at the end, or -1
	 * after writing a message into s->err (the offset is added by the
	 * caller of stream_read from s->offset).
	 */
	ssize_t (*read)(struct stream *s, void *dst, size_t n);
	void (*close)(struct stream *s);
};

struct stream {
	const struct stream_ops *ops;
	void *state;
	unsigned char *look;	/* look-ahead bytes already read from ops */
	size_t look_pos, look_len, look_cap;
	uint64_t offset;	/* bytes handed to the consumer so far */
	int eof;
	int failed;
	struct buf err;		/* why it failed */
};

/*
 * --timeout for reads that can wait: a stream over a pipe, a terminal or a
 * socket (not a file) waits for data at most until `deadline`, in
 * CLOCK_MONOTONIC seconds (0: no limit), then fails with "no data before
 * the time limit". Set it before any stream is read.
 */
void stream_set_deadline(double deadline);

/* Make a stream over ops/state. The caller frees it with stream_free(). */
struct stream *stream_new(const struct stream_ops *ops, void *state);
void stream_free(struct stream *s);

/* A stream over an open file descriptor; it closes fd when owns_fd. */
struct stream *stream_fd(int fd, int owns_fd);

/* A stream over bytes in memory (borrowed; they must outlive the stream). */
struct stream *stream_mem(const void *p, size_t n);

/*
 * Read up to n bytes; short counts only at the end or on error. Returns the
 * count, 0 at the end, -1 on error (s->failed set, message in s->err).
 */
ssize_t stream_read(struct stream *s, void *dst, size_t n);

/*
 * Make at least want bytes available without consuming them (fewer at the
 * end of the stream). Sets *got and returns a pointer to them, valid until
 * the next read. On error returns what is buffered (may be 0 bytes).
 */
const unsigned char *stream_peek(struct stream *s, size_t want, size_t *got);

/* Read and drop everything left; returns 0, or -1 on error. */
int stream_drain(struct stream *s);

#endif
