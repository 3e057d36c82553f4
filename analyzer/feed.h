/*
 * The line feed: an entry's lines, read, split and scanned for rule
 * literals ahead of the caller, on a second thread when there is one.
 *
 * The reader thread reads the entry's stream into batches of about a
 * megabyte, finds the lines in them (as lines_next() would) and hands
 * them over through a ring of FEED_DEPTH batches. The prefilter's block
 * scan of a batch is done by whichever thread gets to it first: the
 * reader scans from the newest batch back when it has nothing to read
 * (the ring is full), the caller scans the batch it needs next if nobody
 * has. The caller (the thread that
 * owns the analysis) takes the lines in order with feed_next(). The line
 * returned stays valid until the next feed_next() call on that feed.
 *
 * While the reader fills a batch, the notes the read makes about the
 * input (input_error() and friends, from a gzip member's trailing bytes
 * to a truncated tar) are held with the batch and released when the
 * caller reaches it: the report lists them in the same order whether
 * there is a reader thread or not.
 *
 * Without a thread (feed_init with threads 1, or a failed
 * pthread_create) feed_next() fills each batch itself: same batches,
 * same notes, same results.
 */
#ifndef KTRIAGE_FEED_H
#define KTRIAGE_FEED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "input.h"
#include "lines.h"
#include "prefilter.h"
#include "stream.h"
#include "util.h"

#define FEED_DEPTH 4			/* batches in flight */
#define FEED_BATCH (1u << 20)		/* bytes of lines per batch */

/*
 * A line of a batch: its bytes in buf, FEED_CUT set in len when it was
 * cut at max_line. Line numbers follow on from the batch's line0.
 */
#define FEED_CUT ((size_t)1 << (sizeof(size_t) * 8 - 1))

struct feed_line {
	size_t off;
	size_t len;
};

struct feed_batch {
	char *buf;			/* bytes read, lines among them */
	size_t n, cap;
	struct feed_line *v;
	size_t nv, capv;
	unsigned long line0;		/* the number of v[0] */
	struct pf_block blk;		/* literals found in buf[0..n) */
	struct input_hold notes;	/* made while reading it */
	uint64_t in_off;		/* stream offset after the batch */
	uint64_t raw_off;		/* the file's offset, for progress */
	int rc;		/* after these lines: 1 more, 0 end, -1 error */
	size_t scan_n;			/* the bytes the scan covers */
	unsigned long gen;
	int claimed;		/* a thread fills or scans it (under mu) */
	int scanned;		/* blk is ready (under mu) */
};

struct feed {
	const struct prefilter *pf;
	struct feed_batch ring[FEED_DEPTH];
	size_t head;			/* the caller's batch */
	size_t ready;			/* batches filled, from head on */
	size_t next;			/* caller: next line in ring[head] */
	int have;			/* caller holds ring[head] */
	int done;			/* caller saw the last batch */
	unsigned long gen;
	/* The entry being read; the reader's side. */
	struct stream *in;
	const struct input *input;
	size_t max_line;
	struct buf carry;		/* the unfinished line read last */
	unsigned long lineno_read;
	int skip;			/* dropping the rest of a cut line */
	int avx2;			/* lines found 64 bytes at a time */
	int eof;			/* the stream ended or failed */
	int running;			/* a job is set; the reader may use it */
	int reading;			/* and its stream is not read to the end */
	int cancel;
	int quit;
	/* The thread, when there is one. */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_reader, cv_caller;
	/* The last line returned. */
	unsigned long lineno;
	int cut;
	int new_block;		/* the line starts a new batch */
};

/* threads: 1 reads on the caller's thread, anything else on a second. */
void feed_init(struct feed *f, const struct prefilter *pf, int threads);
void feed_free(struct feed *f);

/*
 * Start reading the stream in; input is where its file is (for progress).
 * The caller must not touch in until feed_end().
 */
void feed_start(struct feed *f, struct stream *in, const struct input *input,
		size_t max_line);

/* feed_next() at the end of a batch: the next one, waited for. */
int feed_next_batch(struct feed *f, struct slice *line);

/*
 * The next line: 1 with *line set, 0 at the end, -1 after the last line
 * before a read error (in->err says which, after feed_end()). Inline:
 * it runs for every line of every entry.
 */
static inline int feed_next(struct feed *f, struct slice *line)
{
	struct feed_batch *b = &f->ring[f->head];
	struct feed_line *fl;

	if (!f->have || f->next == b->nv)
		return feed_next_batch(f, line);
	f->new_block = f->next == 0;
	fl = &b->v[f->next++];
	*line = slice_make(b->buf + fl->off, fl->len & ~FEED_CUT);
	f->lineno = b->line0 + (unsigned long)(fl - b->v);
	f->cut = (fl->len & FEED_CUT) != 0;
	return 1;
}

/* The batch of the line last returned, with its literal hits. */
struct feed_batch *feed_batch(struct feed *f);

/*
 * Stop reading (if the caller stopped early) and wait for the reader to
 * let go of the stream. Held notes still waiting are released.
 */
void feed_end(struct feed *f);

#endif
