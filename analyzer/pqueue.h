/*
 * The parse queue: List items cut out by a parser on the analysis thread
 * are read into objects by a worker thread, while the analysis goes on
 * with the next lines.
 *
 * A parser (yamldoc, jsondoc) adds each item it cuts out; items are
 * gathered into jobs of up to PQ_JOB_BYTES, and a full job goes to the
 * worker. The worker runs the parser's run() on each item of a job: run()
 * may only build trees and objects (no warnings, no analysis state); it
 * declines what it cannot read quietly, and the parser reads that item
 * itself when the job is collected. Jobs are collected, oldest first, by
 * the analysis thread: the parser's collect() hands on what each item
 * made, in order, as if it had read the item at that moment.
 *
 * When a job is collected does not depend on the worker's speed: only
 * on the size and number of items (a full ring), on pq_drain(), and on
 * notes about the input (every note first collects what is queued, so
 * notes keep the order they had without a queue). The report is the
 * same with or without a worker thread. A job the worker has not started
 * when it is collected is run by the analysis thread itself.
 *
 * One queue serves one parser at a time: a parser drains it before it
 * reads anything itself and before it ends.
 */
#ifndef KTRIAGE_PQUEUE_H
#define KTRIAGE_PQUEUE_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"
#include "object.h"

/*
 * Memory in flight is bounded: PQ_DEPTH jobs, each of up to PQ_JOB_BYTES
 * of text (or one item of up to PQ_ITEM_MAX), with the objects made of
 * them.
 */
#define PQ_DEPTH 8			/* jobs in flight */
#define PQ_JOB_BYTES ((size_t)64 << 10)	/* a job is sent when this full */
#define PQ_ITEM_MAX ((size_t)256 << 10)	/* larger items are read at once */
#define PQ_NONE ((size_t)-1)

/* An item of a job: its text in the job's buffer, and where it was. */
struct pq_item {
	size_t off, len;
	unsigned long line, col, num;
};

/* What an item made: an object, an object not kept, or a decline. */
struct pq_out {
	struct kobject *obj;		/* NULL: not kept, or declined */
	size_t off[3];			/* not kept: its kind, namespace and
					 * name in the job's names, or PQ_NONE */
	unsigned long line;
	const struct pq_item *declined;	/* the item to read again */
};

struct pq_job;

/* What a parser gives the queue. */
struct pq_ops {
	/*
	 * Worker side, per item: 0 read (objects handed to pq_on_object()),
	 * -1 declined.
	 */
	int (*run)(struct pq_job *j, const struct pq_item *it);
	/* Analysis side, in order: read a declined item, warnings and all. */
	void (*reread)(struct pq_job *j, const struct pq_item *it);
};

struct pq_job {
	struct buf text;
	struct pq_item *items;
	size_t nitems, capitems;
	const struct pq_ops *ops;
	void *owner;			/* the parser */
	const struct parse_ctx *pc;	/* the parser's: what comes out goes
					 * to its on_object and on_skipped */
	struct pq_out *out;
	size_t nout, capout;
	struct buf names;		/* the strings of skipped outputs */
	int state;			/* PQ_FREE .. PQ_DONE, under mu */
};

enum { PQ_FREE, PQ_OPEN, PQ_QUEUED, PQ_RUNNING, PQ_DONE };

struct pq {
	struct pq_job ring[PQ_DEPTH];
	size_t head, n;		/* the oldest job; jobs sent, not collected */
	int open;		/* ring[head + n] is being filled */
	int collecting;
	int threaded, quit;
	void (*task)(void *);	/* pq_task(): run by the worker, then NULL */
	void *task_arg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
};

/* threads: 1 runs jobs when they are collected; 2 starts a worker. */
void pq_init(struct pq *q, int threads);
/* Collects what is queued, stops the worker. */
void pq_free(struct pq *q);

/*
 * Queue an item (the text is copied) for owner, whose ops and parse_ctx
 * serve every item it adds. 0 when q is NULL or the item is larger than
 * PQ_ITEM_MAX: everything queued has been collected then, and the
 * caller reads the item itself, at once.
 */
struct parse_ctx;
int pq_add(struct pq *q, const struct pq_ops *ops, void *owner,
	   const struct parse_ctx *pc, const char *text, size_t len,
	   unsigned long line, unsigned long col, unsigned long num);

/* Collect every item queued. Does nothing when q is NULL, or inside a
 * collect. */
void pq_drain(struct pq *q);
/*
 * The last line whose objects have all been handed on, up to lineno:
 * not the lines from the oldest item queued on, nor, with nothing
 * queued, from open (the first line of an item still being cut out; 0
 * when there is none).
 */
unsigned long pq_settled(const struct pq *q, unsigned long open,
			 unsigned long lineno);

/*
 * For run(): the on_object of the parser run() drives, with the job as
 * its ctx. An object the job's pc->keep() says is not kept goes on as
 * skipped and is freed here; a kept one is packed (kobject_pack()).
 */
void pq_on_object(struct kobject *o, void *job);

/*
 * Other work for the worker, when the parsers are done with it: fn(arg)
 * runs there (what is queued is collected first), and pq_task_wait()
 * waits until it has returned. Without a worker fn runs at once, here.
 * fn must not touch the queue.
 */
void pq_task(struct pq *q, void (*fn)(void *), void *arg);
void pq_task_wait(struct pq *q);

/* Make notes about the input on this thread collect q first (NULL: no). */
void pq_set_current(struct pq *q);

#endif
