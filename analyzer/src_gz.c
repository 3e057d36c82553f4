/*
 * gzip layer of the source stage: a streaming inflate over the parent
 * stream (a file, stdin or a tar member) through one fixed-size input
 * buffer, so compressed data is never held whole. Concatenated members
 * read as one stream, as with gzip(1). Damage (truncation, bad CRC,
 * corrupt deflate data) and the size and ratio limits end the stream after
 * the bytes produced so far, with the compressed and uncompressed offsets.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "source_int.h"
#include "util.h"

/* Compressed bytes read from the parent at a time. */
#define GZ_IN_SIZE (128u * 1024)

/* The ratio is judged only past this much output: small files vary a lot. */
#define GZ_RATIO_FLOOR ((uint64_t)1 << 20)

/*
 * When the reader of the content stops early (a tar archive's end marker,
 * a binary entry), up to this much more is inflated to reach the trailer
 * and check the CRC; a longer rest is not worth the time.
 */
#define GZ_TAIL_CHECK ((uint64_t)1 << 20)

/* NUL padding after the last member is scanned this far, then trusted. */
#define GZ_PAD_SCAN ((uint64_t)1 << 20)

struct gz_state {
	struct walk *w;
	const char *path;	/* display path, borrowed from the caller */
	struct stream *self;
	struct stream *src;	/* compressed bytes; not owned */
	z_stream z;
	unsigned char *in;	/* GZ_IN_SIZE bytes */
	uint64_t base;		/* src->offset where the gzip data starts */
	uint64_t fed;		/* bytes read from src so far */
	uint64_t out;		/* bytes handed out */
	uint64_t out_done;	/* bytes inflated by the finished members */
	int in_member;
	int done;
	int failed;		/* message in self->err; the next read fails */
	int src_failed;		/* because src failed */
};

int gz_sniff(const unsigned char *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Offset in the compressed data of the next byte zlib has not consumed. */
static uint64_t gz_in_pos(const struct gz_state *st)
{
	return st->base + st->fed - st->z.avail_in;
}

/* Offset in the uncompressed data of the next byte zlib will produce. */
static uint64_t gz_out_pos(const struct gz_state *st)
{
	return st->out_done + st->z.total_out;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void gz_fail(struct gz_state *st, const char *fmt, ...)
{
	va_list ap;

	/* The first problem is the one worth reporting. */
	if (st->failed)
		return;
	st->failed = 1;
	va_start(ap, fmt);
	buf_vaddf(&st->self->err, fmt, ap);
	va_end(ap);
}

/*
 * Have at least want compressed bytes buffered, unless the data ends first.
 * Returns -1 when the parent stream failed (recorded as our failure).
 */
static int gz_fill(struct gz_state *st, size_t want)
{
	ssize_t r;

	if (st->z.avail_in >= want)
		return 0;
	if (st->z.avail_in && st->z.next_in != st->in)
		memmove(st->in, st->z.next_in, st->z.avail_in);
	st->z.next_in = st->in;
	r = stream_read(st->src, st->in + st->z.avail_in,
			GZ_IN_SIZE - st->z.avail_in);
	if (r < 0) {
		gz_fail(st, "%s (gzip data read up to compressed byte %llu)",
			buf_str(&st->src->err),
			(unsigned long long)gz_in_pos(st));
		st->src_failed = 1;
		return -1;
	}
	st->z.avail_in += (uInt)r;
	st->fed += (uint64_t)r;
	return 0;
}

/*
 * Bytes after the last member. NUL padding (tape blocks) is fine; anything
 * else is noted once and ignored, as gzip(1) does.
 */
static void gz_trailing(struct gz_state *st)
{
	uint64_t at = gz_in_pos(st), scanned = 0;

	while (scanned < GZ_PAD_SCAN) {
		uInt i;

		for (i = 0; i < st->z.avail_in; i++) {
			if (st->z.next_in[i]) {
				input_warning(st->w->in, st->path,
					      "trailing garbage after gzip "
					      "data at compressed byte %llu "
					      "ignored",
					      (unsigned long long)at);
				return;
			}
		}
		scanned += st->z.avail_in;
		st->z.next_in += st->z.avail_in;
		st->z.avail_in = 0;
		if (gz_fill(st, 1) < 0 || !st->z.avail_in)
			return;
	}
}

static void gz_data_error(struct gz_state *st)
{
	const char *msg = st->z.msg ? st->z.msg : "invalid data";
	unsigned long long in = gz_in_pos(st), out = gz_out_pos(st);

	/* zlib's own words for the trailer checks are cryptic. */
	if (!strcmp(msg, "incorrect data check"))
		gz_fail(st, "bad gzip CRC at compressed byte %llu "
			"(uncompressed byte %llu)", in, out);
	else if (!strcmp(msg, "incorrect length check"))
		gz_fail(st, "bad gzip length at compressed byte %llu "
			"(uncompressed byte %llu)", in, out);
	else
		gz_fail(st, "corrupt gzip data at compressed byte %llu "
			"(uncompressed byte %llu): %s", in, out, msg);
}

/* One step of inflation into z.next_out: a refill, a member start, or data. */
static void gz_step(struct gz_state *st)
{
	int ret;

	if (!st->in_member) {
		/* Between members: another one may follow (concatenation). */
		if (gz_fill(st, 2) < 0)
			return;
		if (!st->z.avail_in) {
			st->done = 1;
			return;
		}
		if (!gz_sniff(st->z.next_in, st->z.avail_in)) {
			gz_trailing(st);
			st->done = 1;
			return;
		}
		if (inflateReset(&st->z) != Z_OK) {
			gz_fail(st, "cannot restart the gzip decoder");
			return;
		}
		st->in_member = 1;
	}
	if (!st->z.avail_in) {
		if (gz_fill(st, 1) < 0)
			return;
		if (!st->z.avail_in) {
			gz_fail(st, "unexpected end of gzip data at compressed "
				"byte %llu (uncompressed byte %llu)",
				(unsigned long long)gz_in_pos(st),
				(unsigned long long)gz_out_pos(st));
			return;
		}
	}
	ret = inflate(&st->z, Z_NO_FLUSH);
	switch (ret) {
	case Z_STREAM_END:
		st->out_done += st->z.total_out;
		st->z.total_out = 0;
		st->in_member = 0;
		break;
	case Z_OK:
		break;
	case Z_BUF_ERROR:
		/* No progress with input and room for output: cannot happen. */
		if (st->z.avail_in && st->z.avail_out)
			gz_data_error(st);
		break;
	case Z_MEM_ERROR:
		gz_fail(st, "out of memory in the gzip decoder");
		break;
	default:
		gz_data_error(st);
		break;
	}
}

static void gz_check_ratio(struct gz_state *st)
{
	uint64_t max = st->w->lim->max_ratio;
	uint64_t in = gz_in_pos(st) - st->base;

	if (!max || st->failed || st->out < GZ_RATIO_FLOOR)
		return;
	if (in && st->out / in <= max)
		return;
	gz_fail(st, "compression ratio above %llu:1 (%llu bytes out of %llu "
		"compressed); reading stopped as a likely decompression bomb "
		"(--max-ratio)", (unsigned long long)max,
		(unsigned long long)st->out, (unsigned long long)in);
}

static ssize_t gz_read(struct stream *s, void *dst, size_t n)
{
	struct gz_state *st = s->state;
	struct buf limit = BUF_INIT;
	size_t got, ok;

	if (st->failed)
		return -1;
	if (st->done)
		return 0;
	if (n > UINT_MAX)
		n = UINT_MAX;
	st->z.next_out = dst;
	st->z.avail_out = (uInt)n;
	while (st->z.avail_out && !st->failed && !st->done)
		gz_step(st);
	got = n - st->z.avail_out;
	ok = source_charge(st->w, got, &limit);
	if (ok < got) {
		gz_fail(st, "%s", buf_str(&limit));
		got = ok;
	}
	buf_free(&limit);
	st->out += got;
	gz_check_ratio(st);
	/* What came before the damage goes out first; -1 follows. */
	if (!got && st->failed)
		return -1;
	return (ssize_t)got;
}

static void gz_close(struct stream *s)
{
	struct gz_state *st = s->state;

	inflateEnd(&st->z);
	free(st->in);
	free(st);
}

static const struct stream_ops gz_ops = { gz_read, gz_close };

/*
 * The CRC is in the trailer, past where a tar reader stops: read on a
 * little, so that damage there is still reported. A failure already found
 * (maybe by a look-ahead only) is reported even if the walk stopped.
 */
static void gz_check_tail(struct walk *w, const char *path, struct stream *g)
{
	struct gz_state *st = g->state;
	uint64_t stop = st->out + GZ_TAIL_CHECK;
	char tmp[16384];
	ssize_t r;

	if ((w->stopped || w->over_budget) && !st->failed)
		return;
	while ((r = stream_read(g, tmp, sizeof(tmp))) > 0)
		if (st->out > stop && !st->failed)
			return;
	if (r < 0)
		input_error(w->in, path, "%s", buf_str(&g->err));
}

int gz_read_container(struct walk *w, const char *path, struct stream *s,
		      int depth)
{
	struct gz_state *st = xcalloc(1, sizeof(*st));
	struct stream *g, *outer;
	int ret, src_failed;

	ret = inflateInit2(&st->z, 16 + MAX_WBITS);
	if (ret != Z_OK) {
		input_error(w->in, path, "cannot start the gzip decoder: %s",
			    zError(ret));
		free(st);
		return 0;
	}
	st->in = xmalloc(GZ_IN_SIZE);
	st->z.next_in = st->in;
	st->w = w;
	st->path = path;
	st->src = s;
	st->base = s->offset;
	g = stream_new(&gz_ops, st);
	st->self = g;

	outer = w->gz_content;
	w->gz_content = g;
	w->gz_depth++;
	if (!source_dispatch(w, path, g, depth + 1))
		gz_check_tail(w, path, g);
	w->gz_depth--;
	w->gz_content = outer;
	/* Compressed bytes inside compressed data would count twice. */
	if (!w->gz_depth)
		w->in->bytes_compressed += gz_in_pos(st) - st->base;
	/* All our failures are reported by now; was one the parent's? */
	src_failed = st->src_failed;
	stream_free(g);
	return src_failed;
}
