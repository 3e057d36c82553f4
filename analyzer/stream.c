/*
 * Byte streams with look-ahead. The look-ahead lets the source layer sniff
 * magic bytes (gzip, tar) and content type before deciding how to read an
 * entry, without seeking: stdin and archive members cannot seek.
 */
#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct stream *stream_new(const struct stream_ops *ops, void *state)
{
	struct stream *s = xcalloc(1, sizeof(*s));

	s->ops = ops;
	s->state = state;
	return s;
}

void stream_free(struct stream *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->look);
	buf_free(&s->err);
	free(s);
}

static ssize_t raw_read(struct stream *s, void *dst, size_t n)
{
	ssize_t r;

	if (s->eof || s->failed)
		return s->failed ? -1 : 0;
	r = s->ops->read(s, dst, n);
	if (r < 0) {
		s->failed = 1;
		if (!s->err.len)
			buf_adds(&s->err, "read error");
	} else if (r == 0) {
		s->eof = 1;
	}
	return r;
}

ssize_t stream_read(struct stream *s, void *dst, size_t n)
{
	unsigned char *out = dst;
	size_t done = 0;

	if (s->look_pos < s->look_len) {
		size_t k = s->look_len - s->look_pos;

		if (k > n)
			k = n;
		memcpy(out, s->look + s->look_pos, k);
		s->look_pos += k;
		done = k;
	}
	while (done < n) {
		ssize_t r = raw_read(s, out + done, n - done);

		if (r < 0) {
			if (done)
				break;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	s->offset += done;
	return (ssize_t)done;
}

const unsigned char *stream_peek(struct stream *s, size_t want, size_t *got)
{
	size_t have = s->look_len - s->look_pos;

	if (have < want && s->look_pos) {
		memmove(s->look, s->look + s->look_pos, have);
		s->look_len = have;
		s->look_pos = 0;
	}
	if (have < want) {
		s->look = xgrow(s->look, &s->look_cap, want, 1);
		while (s->look_len < want) {
			ssize_t r = raw_read(s, s->look + s->look_len,
					     want - s->look_len);

			if (r <= 0)
				break;
			s->look_len += (size_t)r;
		}
	}
	*got = s->look_len - s->look_pos;
	if (*got > want)
		*got = want;
	return s->look ? s->look + s->look_pos : (const unsigned char *)"";
}

int stream_drain(struct stream *s)
{
	char tmp[65536];
	ssize_t r;

	while ((r = stream_read(s, tmp, sizeof(tmp))) > 0)
		;
	return r < 0 ? -1 : 0;
}

struct fd_state {
	int fd;
	int owns;
	int waits;		/* a pipe, terminal or socket: reads can wait */
};

static double read_deadline;

void stream_set_deadline(double deadline)
{
	read_deadline = deadline;
}

/* Wait for data until the deadline: 1 ready, 0 too late, -1 error. */
static int wait_readable(int fd)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		double left = read_deadline - monotonic_seconds();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, left > 3600 ? 3600000 : (int)(left * 1000) + 1);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static ssize_t fd_read(struct stream *s, void *dst, size_t n)
{
	struct fd_state *st = s->state;

	for (;;) {
		ssize_t r;

		if (st->waits && read_deadline > 0) {
			int ready = wait_readable(st->fd);

			if (ready == 0) {
				buf_adds(&s->err, "no data before the time "
					 "limit (--timeout)");
				return -1;
			}
			if (ready < 0) {
				buf_adds(&s->err, strerror(errno));
				return -1;
			}
		}
		r = read(st->fd, dst, n);

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		buf_adds(&s->err, strerror(errno));
		return -1;
	}
}

static void fd_close(struct stream *s)
{
	struct fd_state *st = s->state;

	if (st->owns)
		close(st->fd);
	free(st);
}

static const struct stream_ops fd_ops = { fd_read, fd_close };

struct stream *stream_fd(int fd, int owns_fd)
{
	struct fd_state *st = xmalloc(sizeof(*st));
	struct stat sb;

	st->fd = fd;
	st->owns = owns_fd;
	st->waits = fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode) &&
		!S_ISBLK(sb.st_mode);
	return stream_new(&fd_ops, st);
}

struct mem_state {
	const unsigned char *p;
	size_t n, pos;
};

static ssize_t mem_read(struct stream *s, void *dst, size_t n)
{
	struct mem_state *st = s->state;
	size_t k = st->n - st->pos;

	if (k > n)
		k = n;
	memcpy(dst, st->p + st->pos, k);
	st->pos += k;
	return (ssize_t)k;
}

static void mem_close(struct stream *s)
{
	free(s->state);
}

static const struct stream_ops mem_ops = { mem_read, mem_close };

struct stream *stream_mem(const void *p, size_t n)
{
	struct mem_state *st = xcalloc(1, sizeof(*st));

	st->p = p;
	st->n = n;
	return stream_new(&mem_ops, st);
}
