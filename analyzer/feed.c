/*
 * The line feed (see feed.h): reading and line splitting on a reader
 * thread, the literal block scan on whichever thread gets to a batch
 * first, the rest of the pipeline on the caller's. The two meet only at
 * the ring, under one mutex: the reader owns a batch from the time it
 * takes it free until it publishes it; a published batch is scanned by
 * the thread that claimed it (claimed, scanned); the caller owns it from
 * then until it moves past it.
 */
#include "feed.h"

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(FEED_NO_AVX2)
#include <immintrin.h>
#define FEED_AVX2 1
#endif

#define FEED_READ (256u * 1024)	/* bytes asked of the stream at once */

static void add_line(struct feed *f, struct feed_batch *b, size_t off,
		     size_t len, int cut)
{
	struct feed_line *fl;

	if (!b->nv)
		b->line0 = f->lineno_read + 1;
	f->lineno_read++;
	if (b->nv == b->capv)
		b->v = xgrow(b->v, &b->capv, b->nv + 1, sizeof(*b->v));
	fl = &b->v[b->nv++];
	fl->off = off;
	fl->len = len | (cut ? FEED_CUT : 0);
}

/* A line ending at a newline (or at the end): cut at max_line, no CR. */
static void end_line(struct feed *f, struct feed_batch *b, size_t ls,
		     size_t len)
{
	int cut = 0;

	if (len > f->max_line) {
		len = f->max_line;
		cut = 1;
	}
	if (len && b->buf[ls + len - 1] == '\r')
		len--;
	add_line(f, b, ls, len, cut);
}

/* A line ends at buf[at]: hand it over, or end the skip of a cut line. */
static inline void newline_at(struct feed *f, struct feed_batch *b,
			      size_t *ls, size_t at)
{
	if (f->skip)
		f->skip = 0;
	else
		end_line(f, b, *ls, at - *ls);
	*ls = at + 1;
}

#ifdef FEED_AVX2

/*
 * The newlines of whole 64-byte blocks from pos on, from a bitmap of
 * each block (two AVX2 compares): most lines are short, and a memchr()
 * call per line cost more than finding the line. Returns where the
 * blocks end; the rest is left to memchr().
 */
__attribute__((target("avx2"))) static size_t
split_avx2(struct feed *f, struct feed_batch *b, size_t pos, size_t *ls)
{
	const __m256i nl = _mm256_set1_epi8('\n');

	for (; pos + 64 <= b->n; pos += 64) {
		const char *p = b->buf + pos;
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)
					       (p + 32));
		uint64_t m = (uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(x, nl));

		m |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(y, nl)) << 32;
		for (; m; m &= m - 1)
			newline_at(f, b, ls, pos + (size_t)__builtin_ctzll(m));
	}
	return pos;
}

/* Whether split_avx2() may run here: asked once. */
static int use_avx2(void)
{
	static int known, yes;

	if (!known) {
		__builtin_cpu_init();
		yes = __builtin_cpu_supports("avx2") &&
		      !getenv("KTRIAGE_NO_AVX2");
		known = 1;
	}
	return yes;
}
#endif

/*
 * The reader's work on one batch: read straight into it and split it
 * into lines where they are (no copy but the unfinished last line, which
 * moves to the next batch); scan() comes later. The lines are those
 * lines_next() gives: a line over max_line is cut there and the rest of it
 * up to its newline dropped; CR before LF is not part of the line; bytes
 * read before a read error make a last line.
 */
static void fill(struct feed *f, struct feed_batch *b, unsigned long gen)
{
	size_t ls = 0, pos = 0, keep;

	b->n = b->nv = 0;
	b->rc = 1;
	input_hold_begin(&b->notes);
	if (f->carry.len) {
		b->buf = xgrow(b->buf, &b->cap, f->carry.len + FEED_READ, 1);
		memcpy(b->buf, f->carry.p, f->carry.len);
		b->n = f->carry.len;
		buf_reset(&f->carry);
	}
	for (;;) {
		char *nl;
		ssize_t r;
		size_t want;

#ifdef FEED_AVX2
		if (f->avx2)
			pos = split_avx2(f, b, pos, &ls);
#endif
		while (pos < b->n &&
		       (nl = memchr(b->buf + pos, '\n', b->n - pos))) {
			size_t at = (size_t)(nl - b->buf);

			newline_at(f, b, &ls, at);
			pos = at + 1;
		}
		pos = b->n;
		if (!f->skip && b->n - ls > f->max_line) {
			/* No newline within max_line: cut, drop the rest. */
			add_line(f, b, ls, f->max_line, 1);
			ls = ls + f->max_line;
			f->skip = 1;
		}
		if (f->skip) {
			/* Bytes being dropped need no room. */
			b->n = pos = ls;
		}
		if (f->eof || (b->n >= FEED_BATCH && b->nv))
			break;
		want = b->n < FEED_BATCH ? FEED_BATCH - b->n : FEED_READ;
		if (want < FEED_READ)
			want = FEED_READ;
		if (b->cap - b->n < want)
			b->buf = xgrow(b->buf, &b->cap, b->n + want, 1);
		r = stream_read(f->in, b->buf + b->n, want);
		if (r < 0) {
			f->eof = 1;
			b->rc = -1;
		} else if (r == 0) {
			f->eof = 1;
			b->rc = 0;
		} else {
			b->n += (size_t)r;
		}
	}
	keep = b->n;
	if (f->eof) {
		if (!f->skip && b->n > ls)
			end_line(f, b, ls, b->n - ls);
	} else if (!f->skip && b->n > ls) {
		/* The unfinished line starts the next batch. */
		buf_add(&f->carry, b->buf + ls, b->n - ls);
		keep = ls;
	}
	input_hold_begin(NULL);
	b->in_off = f->in->offset;
	b->raw_off = f->input && f->input->raw ? f->input->raw->offset : 0;
	b->scan_n = keep;
	b->gen = gen;
	b->scanned = b->claimed = 0;
}

/* The literal scan of a filled batch, by whichever thread claimed it. */
static void scan(struct feed *f, struct feed_batch *b)
{
	prefilter_block_scan(f->pf, &b->blk, b->buf, b->scan_n, b->gen);
}

/*
 * A filled batch nobody scans yet, for the reader: the newest one, as far
 * from the caller (who scans from the oldest) as it can be. NULL if none.
 */
static struct feed_batch *newest_unclaimed(struct feed *f)
{
	size_t k;

	/* The caller's own batch is always claimed: no need to skip it. */
	for (k = f->ready; k > 0; k--) {
		struct feed_batch *b = &f->ring[(f->head + k - 1) %
						 FEED_DEPTH];

		if (!b->claimed)
			return b;
	}
	return NULL;
}

/*
 * The reader: fill free batches first; with the ring full (or the stream
 * read), scan filled batches from the newest end while the caller scans
 * from the oldest, so neither waits on the scan the other could do.
 */
static void *reader(void *arg)
{
	struct feed *f = arg;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		struct feed_batch *b = NULL;
		int can_fill;

		for (;;) {
			can_fill = f->running && f->reading &&
				   f->ready < FEED_DEPTH;
			if (f->quit || (f->running && f->cancel) || can_fill)
				break;
			if (f->running && (b = newest_unclaimed(f)) != NULL)
				break;
			if (f->running && !f->reading) {
				/* Read, and nothing left to scan: done. */
				f->running = 0;
				pthread_cond_broadcast(&f->cv_caller);
			}
			pthread_cond_wait(&f->cv_reader, &f->mu);
		}
		if (f->quit)
			break;
		if (f->running && f->cancel) {
			f->running = 0;
			pthread_cond_broadcast(&f->cv_caller);
			continue;
		}
		if (can_fill) {
			unsigned long gen = ++f->gen;

			b = &f->ring[(f->head + f->ready) % FEED_DEPTH];
			b->claimed = 1;		/* not scannable while filled */
			pthread_mutex_unlock(&f->mu);
			fill(f, b, gen);
			pthread_mutex_lock(&f->mu);
			if (b->rc <= 0)
				f->reading = 0;
			f->ready++;
		} else {
			b->claimed = 1;
			pthread_mutex_unlock(&f->mu);
			scan(f, b);
			pthread_mutex_lock(&f->mu);
			b->scanned = 1;
		}
		pthread_cond_broadcast(&f->cv_caller);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

void feed_init(struct feed *f, const struct prefilter *pf, int threads)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->pf = pf;
#ifdef FEED_AVX2
	f->avx2 = use_avx2();
#endif
	for (i = 0; i < FEED_DEPTH; i++)
		prefilter_block_init(pf, &f->ring[i].blk);
	if (threads == 1)
		return;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv_reader, NULL);
	pthread_cond_init(&f->cv_caller, NULL);
	f->threaded = pthread_create(&f->thread, NULL, reader, f) == 0;
	if (!f->threaded) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv_reader);
		pthread_cond_destroy(&f->cv_caller);
	}
}

void feed_free(struct feed *f)
{
	size_t i;

	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->quit = 1;
		pthread_cond_signal(&f->cv_reader);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv_reader);
		pthread_cond_destroy(&f->cv_caller);
	}
	for (i = 0; i < FEED_DEPTH; i++) {
		struct feed_batch *b = &f->ring[i];

		free(b->buf);
		free(b->v);
		prefilter_block_free(&b->blk);
		input_hold_free(&b->notes);
	}
	buf_free(&f->carry);
	memset(f, 0, sizeof(*f));
}

void feed_start(struct feed *f, struct stream *in, const struct input *input,
		size_t max_line)
{
	if (f->threaded)
		pthread_mutex_lock(&f->mu);
	buf_reset(&f->carry);
	f->skip = f->eof = 0;
	f->lineno_read = 0;
	f->in = in;
	f->input = input;
	f->max_line = max_line ? max_line : LINES_DEFAULT_MAX;
	f->head = f->ready = f->next = 0;
	f->have = f->done = 0;
	f->cancel = 0;
	f->lineno = 0;
	f->cut = 0;
	f->running = 1;
	f->reading = 1;
	if (f->threaded) {
		pthread_cond_signal(&f->cv_reader);
		pthread_mutex_unlock(&f->mu);
	}
}

/* Move the caller to the next batch; 0 when there is none. */
static int next_batch(struct feed *f)
{
	struct feed_batch *b;

	if (f->threaded)
		pthread_mutex_lock(&f->mu);
	if (f->have) {
		f->head = (f->head + 1) % FEED_DEPTH;
		f->ready--;
		f->have = 0;
		if (f->threaded)
			pthread_cond_signal(&f->cv_reader);
	}
	if (f->done) {
		if (f->threaded)
			pthread_mutex_unlock(&f->mu);
		return 0;
	}
	b = &f->ring[f->head];
	if (f->threaded) {
		while (!f->ready)
			pthread_cond_wait(&f->cv_caller, &f->mu);
		if (!b->claimed) {
			/* Filled, not scanned: scan it here. */
			b->claimed = 1;
			pthread_mutex_unlock(&f->mu);
			scan(f, b);
			pthread_mutex_lock(&f->mu);
			b->scanned = 1;
		}
		while (!b->scanned)
			pthread_cond_wait(&f->cv_caller, &f->mu);
		pthread_mutex_unlock(&f->mu);
	} else {
		fill(f, b, ++f->gen);
		scan(f, b);
		f->ready = 1;
		if (b->rc <= 0)
			f->running = f->reading = 0;
	}
	f->have = 1;
	f->next = 0;
	if (b->rc <= 0)
		f->done = 1;
	input_hold_release(&b->notes);
	f->new_block = 1;
	return 1;
}

int feed_next_batch(struct feed *f, struct slice *line)
{
	struct feed_batch *b;

	f->new_block = 0;
	while (!f->have || f->next == f->ring[f->head].nv) {
		if (f->have && f->done) {
			b = &f->ring[f->head];
			return b->rc < 0 ? -1 : 0;
		}
		if (!next_batch(f))
			return 0;
	}
	return feed_next(f, line);
}

struct feed_batch *feed_batch(struct feed *f)
{
	return f->have ? &f->ring[f->head] : NULL;
}

void feed_end(struct feed *f)
{
	size_t i;

	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->cancel = 1;
		pthread_cond_signal(&f->cv_reader);
		while (f->running)
			pthread_cond_wait(&f->cv_caller, &f->mu);
		pthread_mutex_unlock(&f->mu);
	} else {
		f->running = 0;
	}
	/* Notes of batches read but not reached still count. */
	for (i = 0; i < FEED_DEPTH; i++)
		input_hold_release(&f->ring[(f->head + i) % FEED_DEPTH].notes);
	f->have = 0;
	f->head = f->ready = f->next = 0;
	buf_reset(&f->carry);
	f->in = NULL;
	f->input = NULL;
}
