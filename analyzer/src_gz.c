/*
 * gzip layer of the source stage: a streaming inflate over the parent
 * stream (a file, stdin or a tar member) through one fixed-size input
 * buffer, so compressed data is never held whole. Concatenated members
 * read as one stream, as with gzip(1). Damage (truncation, bad CRC,
 * corrupt deflate data) and the size and ratio limits end the stream after
 * the bytes produced so far, with the compressed and uncompressed offsets.
 * The gzip wrapper (header, trailer, members, padding) is read here; the
 * deflate data in between goes to one of two backends behind the gzb_*
 * functions: ISA-L's igzip when built with HAVE_ISAL, else zlib.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l.h>
#endif

#include "source_int.h"
#include "util.h"

/* Compressed bytes read from the parent at a time. */
#define GZ_IN_SIZE (128u * 1024)

/* Room after the input buffer for bytes a backend hands back (8 at most). */
#define GZ_IN_SLACK 16u

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

#ifdef HAVE_ISAL
/*
 * isal_inflate() starts a member in a buffer inside its state and makes a
 * copy before it checks the distance: a distance past the start of the
 * data reads up to 32 KiB before that buffer, which is less far into the
 * state. Zeros in front of the state keep such reads in our memory.
 */
#define GZB_PAD (33u * 1024)

struct gzb {
	unsigned char *mem;		/* GZB_PAD zeros, then the state */
	struct inflate_state *s;	/* about 90 KiB */
	const char *why;		/* damage found, reported once ... */
	size_t left;			/* ... these bytes before it are out */
};
#else
struct gzb {
	z_stream z;
};
#endif

enum gz_phase {
	GZ_BETWEEN,		/* before a member header, or at the end */
	GZ_DATA,		/* in a member's deflate data */
	GZ_TRAILER		/* at a member's CRC and length */
};

struct gz_state {
	struct walk *w;
	const char *path;	/* display path, borrowed from the caller */
	struct stream *self;
	struct stream *src;	/* compressed bytes; not owned */
	struct gzb be;		/* the inflate backend */
	unsigned char *in;	/* GZ_IN_SIZE + GZ_IN_SLACK bytes */
	unsigned char *next;	/* next byte not yet given to the backend */
	size_t avail;		/* bytes buffered from next on */
	size_t held;		/* given to the backend, not decoded yet */
	uint64_t base;		/* src->offset where the gzip data starts */
	uint64_t fed;		/* bytes read from src so far */
	uint64_t data_start;	/* compressed offset of the deflate data */
	unsigned char *dst;	/* where inflated bytes go */
	size_t dst_left;
	uint64_t out;		/* bytes handed out */
	uint64_t out_done;	/* bytes inflated by the finished members */
	uint64_t member_out;	/* bytes inflated by the current member */
	uint32_t crc;		/* CRC-32 of the current member's output */
	enum gz_phase phase;
	int done;
	int failed;		/* message in self->err; the next read fails */
	int src_failed;		/* because src failed */
};

int gz_sniff(const unsigned char *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Offset in the compressed data of the next byte not decoded yet. */
static uint64_t gz_in_pos(const struct gz_state *st)
{
	return st->base + st->fed - st->avail - st->held;
}

/* Offset in the uncompressed data of the next byte to be produced. */
static uint64_t gz_out_pos(const struct gz_state *st)
{
	return st->out_done + st->member_out;
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

static void gz_corrupt(struct gz_state *st, const char *why)
{
	gz_fail(st, "corrupt gzip data at compressed byte %llu "
		"(uncompressed byte %llu): %s",
		(unsigned long long)gz_in_pos(st),
		(unsigned long long)gz_out_pos(st), why);
}

/* The data ended inside a member: everything read was consumed. */
static void gz_truncated(struct gz_state *st)
{
	st->held = 0;
	gz_fail(st, "unexpected end of gzip data at compressed byte %llu "
		"(uncompressed byte %llu)",
		(unsigned long long)(st->base + st->fed),
		(unsigned long long)gz_out_pos(st));
}

/*
 * Have at least want compressed bytes buffered, unless the data ends first.
 * Returns -1 when the parent stream failed (recorded as our failure).
 */
static int gz_fill(struct gz_state *st, size_t want)
{
	ssize_t r;

	if (st->avail >= want)
		return 0;
	if (st->avail && st->next != st->in)
		memmove(st->in, st->next, st->avail);
	st->next = st->in;
	r = stream_read(st->src, st->in + st->avail, GZ_IN_SIZE - st->avail);
	if (r < 0) {
		gz_fail(st, "%s (gzip data read up to compressed byte %llu)",
			buf_str(&st->src->err),
			(unsigned long long)(st->base + st->fed - st->avail));
		st->src_failed = 1;
		return -1;
	}
	st->avail += (size_t)r;
	st->fed += (uint64_t)r;
	return 0;
}

/* The next compressed byte, or -1 at the end of the data or a failure. */
static int gz_byte(struct gz_state *st)
{
	if (!st->avail && (gz_fill(st, 1) < 0 || !st->avail))
		return -1;
	st->avail--;
	return *st->next++;
}

/*
 * Put n bytes a backend had taken (and not decoded) back in front of the
 * unread input, so that the gzip trailer is read from the buffer.
 */
#ifdef HAVE_ISAL
static void gz_unread(struct gz_state *st, const unsigned char *p, size_t n)
{
	if ((size_t)(st->next - st->in) < n) {
		/* The slack after the buffer has room for them. */
		memmove(st->in + n, st->next, st->avail);
		st->next = st->in + n;
	}
	st->next -= n;
	memcpy(st->next, p, n);
	st->avail += n;
}
#endif

/* ---- Backends: raw deflate data in, bytes and a CRC-32 out ---- */

enum gzb_ret {
	GZB_OK,			/* progress, or more input needed */
	GZB_END,		/* the deflate data ended */
	GZB_ERROR		/* *why says what is wrong */
};

#ifdef HAVE_ISAL

static int gzb_init(struct gz_state *st, struct buf *why)
{
	(void)why;
	st->be.mem = xcalloc(1, GZB_PAD + sizeof(*st->be.s));
	st->be.s = (struct inflate_state *)(void *)(st->be.mem + GZB_PAD);
	isal_inflate_init(st->be.s);
	return 0;
}

static void gzb_start(struct gz_state *st)
{
	isal_inflate_reset(st->be.s);
	st->be.why = NULL;
	st->be.left = 0;
	/* ISA-L keeps the CRC-32 of the output; the trailer is ours. */
	st->be.s->crc_flag = ISAL_GZIP_NO_HDR;
	st->be.s->hist_bits = 0;
}

/*
 * ISA-L names fewer kinds of damage than zlib. A block that fails three
 * bits into the deflate data is the first one, and its type is invalid.
 * Damage inside the deflate data is also found a few bytes later than
 * zlib finds it, after a bad match's bytes (up to 258) went out; and at a
 * cut, up to two bytes of a code read in part are not given out. The
 * wrapper's checks, and so the offsets of a cut or a bad CRC, are the
 * same with both backends.
 */
static const char *gzb_why(const struct gz_state *st, int ret)
{
	const struct inflate_state *s = st->be.s;
	uint64_t bit = (st->base + st->fed - st->avail) * 8 -
		       (uint64_t)(s->read_in_length > 0 ? s->read_in_length : 0);

	switch (ret) {
	case ISAL_INVALID_BLOCK:
		if (s->block_state != ISAL_BLOCK_HDR &&
		    bit == st->data_start * 8 + 3)
			return "invalid block type";
		return "invalid deflate block header";
	case ISAL_INVALID_SYMBOL:
		return "invalid literal/length or distance code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	default:
		return "invalid data";
	}
}

/*
 * On damage, isal_inflate() hands out only what fits in the caller's
 * buffer and drops the rest of what it decoded before the damage; that
 * rest is still in its buffer and goes out first.
 */
static enum gzb_ret gzb_drain(struct gz_state *st, size_t *got,
			      const char **why)
{
	struct inflate_state *s = st->be.s;
	size_t n = st->be.left < st->dst_left ? st->be.left : st->dst_left;

	memcpy(st->dst, s->tmp_out_buffer + s->tmp_out_valid - st->be.left, n);
	st->be.left -= n;
	*got = n;
	if (st->be.left)
		return GZB_OK;
	*why = st->be.why;
	return GZB_ERROR;
}

static enum gzb_ret gzb_inflate(struct gz_state *st, size_t *got,
				const char **why)
{
	struct inflate_state *s = st->be.s;
	uint32_t room = st->dst_left > (1u << 30) ? (1u << 30) :
			(uint32_t)st->dst_left;
	int ret;

	if (st->be.why)
		return gzb_drain(st, got, why);
	s->next_in = st->next;
	s->avail_in = (uint32_t)st->avail;
	s->next_out = st->dst;
	s->avail_out = room;
	ret = isal_inflate(s);
	*got = room - s->avail_out;
	st->next = s->next_in;
	st->avail = s->avail_in;
	/* Whole bytes in the bit buffer, and a block header put aside. */
	st->held = s->read_in_length > 0 ? (size_t)s->read_in_length / 8 : 0;
	if (s->block_state == ISAL_BLOCK_HDR)
		st->held += (size_t)s->tmp_in_size;
	st->crc = s->crc;
	/*
	 * total_out (32 bits) bounds the distances ISA-L accepts: keep it
	 * from wrapping in members over 4 GiB.
	 */
	if (s->total_out > (1u << 30))
		s->total_out = 1u << 29;
	if (ret < 0) {
		*why = gzb_why(st, ret);
		if (s->tmp_out_valid <= s->tmp_out_processed)
			return GZB_ERROR;
		st->be.why = *why;
		st->be.left = (size_t)(s->tmp_out_valid - s->tmp_out_processed);
		/* Output ready: no progress would read as a stall. */
		return *got ? GZB_OK : gzb_drain(st, got, why);
	}
	if (s->block_state != ISAL_BLOCK_FINISH)
		return GZB_OK;
	if (s->read_in_length > 0) {
		/* The trailer's first bytes are in the bit buffer. */
		unsigned char back[8];
		uint64_t bits = s->read_in >> (s->read_in_length % 8);
		size_t i, n = (size_t)s->read_in_length / 8;

		for (i = 0; i < n; i++)
			back[i] = (unsigned char)(bits >> (8 * i));
		gz_unread(st, back, n);
		s->read_in = 0;
		s->read_in_length = 0;
	}
	st->held = 0;
	return GZB_END;
}

static void gzb_end(struct gz_state *st)
{
	free(st->be.mem);
}

#else /* zlib */

static int gzb_init(struct gz_state *st, struct buf *why)
{
	int ret = inflateInit2(&st->be.z, -MAX_WBITS);

	if (ret == Z_OK)
		return 0;
	buf_adds(why, zError(ret));
	return -1;
}

static void gzb_start(struct gz_state *st)
{
	inflateReset(&st->be.z);
}

static enum gzb_ret gzb_inflate(struct gz_state *st, size_t *got,
				const char **why)
{
	z_stream *z = &st->be.z;
	uInt room = st->dst_left > UINT_MAX ? UINT_MAX : (uInt)st->dst_left;
	int ret;

	z->next_in = st->next;
	z->avail_in = (uInt)st->avail;
	z->next_out = st->dst;
	z->avail_out = room;
	ret = inflate(z, Z_NO_FLUSH);
	*got = room - z->avail_out;
	st->next = z->next_in;
	st->avail = z->avail_in;
	if (*got)
		st->crc = (uint32_t)crc32(st->crc, st->dst, (uInt)*got);
	switch (ret) {
	case Z_OK:
	case Z_BUF_ERROR:	/* no progress: the caller sees why */
		return GZB_OK;
	case Z_STREAM_END:
		return GZB_END;
	case Z_MEM_ERROR:
		*why = "out of memory in the gzip decoder";
		return GZB_ERROR;
	default:
		*why = z->msg ? z->msg : "invalid data";
		return GZB_ERROR;
	}
}

static void gzb_end(struct gz_state *st)
{
	inflateEnd(&st->be.z);
}

#endif

/* ---- The gzip wrapper (RFC 1952) around the backends ---- */

/*
 * Read a member header, from the magic on. The checks and their offsets
 * are zlib's, so the messages do not depend on the backend. Returns -1
 * when the stream failed.
 */
static int gz_head(struct gz_state *st)
{
	unsigned char h[10];
	uLong crc;
	unsigned len, i;
	int c, flg;

	for (i = 0; i < sizeof(h); i++) {
		if ((c = gz_byte(st)) < 0)
			goto cut;
		h[i] = (unsigned char)c;
		if (i != 3)
			continue;
		if (h[2] != 8) {
			gz_corrupt(st, "unknown compression method");
			return -1;
		}
		if (h[3] & 0xe0) {
			gz_corrupt(st, "unknown header flags set");
			return -1;
		}
	}
	flg = h[3];
	crc = crc32(0L, h, sizeof(h));
	if (flg & 0x04) {		/* FEXTRA: a length, then bytes */
		unsigned char x[2];

		for (i = 0; i < 2; i++) {
			if ((c = gz_byte(st)) < 0)
				goto cut;
			x[i] = (unsigned char)c;
		}
		crc = crc32(crc, x, 2);
		len = x[0] | (unsigned)x[1] << 8;
		while (len) {
			unsigned n;

			if (!st->avail && (gz_fill(st, 1) < 0 || !st->avail))
				goto cut;
			n = st->avail < len ? (unsigned)st->avail : len;
			crc = crc32(crc, st->next, n);
			st->next += n;
			st->avail -= n;
			len -= n;
		}
	}
	for (i = 0x08; i <= 0x10; i <<= 1) {	/* FNAME, FCOMMENT */
		if (!(flg & (int)i))
			continue;
		do {
			unsigned char b;

			if ((c = gz_byte(st)) < 0)
				goto cut;
			b = (unsigned char)c;
			crc = crc32(crc, &b, 1);
		} while (c);
	}
	if (flg & 0x02) {		/* FHCRC */
		unsigned v;

		if ((c = gz_byte(st)) < 0)
			goto cut;
		v = (unsigned)c;
		if ((c = gz_byte(st)) < 0)
			goto cut;
		v |= (unsigned)c << 8;
		if (v != (crc & 0xffff)) {
			gz_corrupt(st, "header crc mismatch");
			return -1;
		}
	}
	return 0;
cut:
	if (!st->failed)
		gz_truncated(st);
	return -1;
}

/*
 * Bytes after the last member. NUL padding (tape blocks) is fine; anything
 * else is noted once and ignored, as gzip(1) does.
 */
static void gz_trailing(struct gz_state *st)
{
	uint64_t at = gz_in_pos(st), scanned = 0;

	while (scanned < GZ_PAD_SCAN) {
		size_t i;

		for (i = 0; i < st->avail; i++) {
			if (st->next[i]) {
				input_warning(st->w->in, st->path,
					      "trailing garbage after gzip "
					      "data at compressed byte %llu "
					      "ignored",
					      (unsigned long long)at);
				return;
			}
		}
		scanned += st->avail;
		st->next += st->avail;
		st->avail = 0;
		if (gz_fill(st, 1) < 0 || !st->avail)
			return;
	}
}

/* Between members: another one may follow (concatenation). */
static void gz_member(struct gz_state *st)
{
	if (gz_fill(st, 2) < 0)
		return;
	if (!st->avail) {
		st->done = 1;
		return;
	}
	if (!gz_sniff(st->next, st->avail)) {
		gz_trailing(st);
		st->done = 1;
		return;
	}
	if (gz_head(st) < 0)
		return;
	st->data_start = gz_in_pos(st);
	st->member_out = 0;
	st->crc = 0;
	gzb_start(st);
	st->phase = GZ_DATA;
}

/* Inflate into dst: one backend call, and a refill when it needs one. */
static void gz_data(struct gz_state *st)
{
	size_t before = st->avail, got = 0;
	const char *why = NULL;
	enum gzb_ret r;

	r = gzb_inflate(st, &got, &why);
	st->dst += got;
	st->dst_left -= got;
	st->member_out += got;
	if (r == GZB_ERROR) {
		gz_corrupt(st, why);
		return;
	}
	if (r == GZB_END) {
		st->phase = GZ_TRAILER;
		return;
	}
	if (got || st->avail != before)
		return;
	/* No progress with input and room for output: cannot happen. */
	if (st->avail) {
		gz_corrupt(st, "invalid data");
		return;
	}
	if (gz_fill(st, 1) < 0)
		return;
	if (!st->avail)
		gz_truncated(st);
}

static uint32_t gz_le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The CRC-32 and the length (mod 2^32) of the member's output. */
static void gz_trailer(struct gz_state *st)
{
	unsigned char t[8];
	int i, c;

	for (i = 0; i < 8; i++) {
		if ((c = gz_byte(st)) < 0) {
			if (!st->failed)
				gz_truncated(st);
			return;
		}
		t[i] = (unsigned char)c;
		if (i == 3 && gz_le32(t) != st->crc) {
			gz_fail(st, "bad gzip CRC at compressed byte %llu "
				"(uncompressed byte %llu)",
				(unsigned long long)gz_in_pos(st),
				(unsigned long long)gz_out_pos(st));
			return;
		}
	}
	if (gz_le32(t + 4) != (uint32_t)st->member_out) {
		gz_fail(st, "bad gzip length at compressed byte %llu "
			"(uncompressed byte %llu)",
			(unsigned long long)gz_in_pos(st),
			(unsigned long long)gz_out_pos(st));
		return;
	}
	st->out_done += st->member_out;
	st->member_out = 0;
	st->phase = GZ_BETWEEN;
}

/*
 * Inflate up to n bytes into dst, fewer only at the end of the data or on
 * a failure (then recorded). Returns the count.
 */
static size_t gz_produce(struct gz_state *st, unsigned char *dst, size_t n)
{
	st->dst = dst;
	st->dst_left = n;
	while (st->dst_left && !st->failed && !st->done) {
		switch (st->phase) {
		case GZ_BETWEEN:
			gz_member(st);
			break;
		case GZ_DATA:
			gz_data(st);
			break;
		case GZ_TRAILER:
			gz_trailer(st);
			break;
		}
	}
	return n - st->dst_left;
}

/* ---- The stream handed to the next stage ---- */

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
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	got = gz_produce(st, dst, n);
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

	gzb_end(st);
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
	struct buf why = BUF_INIT;
	struct stream *g, *outer;
	int src_failed;

	if (gzb_init(st, &why) < 0) {
		input_error(w->in, path, "cannot start the gzip decoder: %s",
			    buf_str(&why));
		buf_free(&why);
		free(st);
		return 0;
	}
	st->in = xmalloc(GZ_IN_SIZE + GZ_IN_SLACK);
	st->next = st->in;
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
