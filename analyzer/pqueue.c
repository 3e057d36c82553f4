/*
 * The parse queue (pqueue.h): a ring of jobs of List items between the
 * analysis thread, which cuts items out and collects them in order, and
 * a worker thread, which reads them. The analysis thread never waits for
 * a job the worker has not started: it runs that job itself.
 */
#include "pqueue.h"

#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "parse.h"
#include "util.h"

static size_t add_name(struct pq_job *j, const char *s)
{
	size_t off = j->names.len;

	if (!s)
		return PQ_NONE;
	buf_add(&j->names, s, strlen(s) + 1);
	return off;
}

static void add_out(struct pq_job *j, struct kobject *o, const char *kind,
		    const char *ns, const char *name, unsigned long line,
		    const struct pq_item *declined)
{
	struct pq_out *x;

	j->out = xgrow(j->out, &j->capout, j->nout + 1, sizeof(*j->out));
	x = &j->out[j->nout++];
	memset(x, 0, sizeof(*x));
	x->obj = o;
	x->off[0] = add_name(j, kind);
	x->off[1] = add_name(j, ns);
	x->off[2] = add_name(j, name);
	x->line = line;
	x->declined = declined;
}

static void free_out(struct pq_out *x)
{
	kobject_free(x->obj);
	x->obj = NULL;
}

static const char *name_at(const struct pq_job *j, size_t off)
{
	return off == PQ_NONE ? NULL : j->names.p + off;
}

void pq_out_object(struct pq_job *j, struct kobject *o)
{
	add_out(j, o, NULL, NULL, NULL, o->line, NULL);
}

void pq_out_skipped(struct pq_job *j, const char *kind, const char *ns,
		    const char *name, unsigned long line)
{
	add_out(j, NULL, kind, ns, name, line, NULL);
}

void pq_out_built(struct pq_job *j, struct kobject *o)
{
	const struct parse_ctx *pc = j->run_ctx;

	if (pc && pc->keep && !pc->keep(o, pc->ctx)) {
		pq_out_skipped(j, o->kind, o->ns, o->name, o->line);
		kobject_free(o);
		return;
	}
	kobject_pack(o);
	pq_out_object(j, o);
}

static void run_job(struct pq_job *j)
{
	size_t i;

	for (i = 0; i < j->nitems; i++) {
		const struct pq_item *it = &j->items[i];
		size_t mark = j->nout;

		if (j->ops->run(j, it) == 0)
			continue;
		/* Declined: what it made goes; the owner reads it again. */
		while (j->nout > mark)
			free_out(&j->out[--j->nout]);
		add_out(j, NULL, NULL, NULL, NULL, it->line, it);
	}
}

/* The oldest job sent and not started, or NULL (under mu). */
static struct pq_job *next_queued(struct pq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		struct pq_job *j = &q->ring[(q->head + i) % PQ_DEPTH];

		if (j->state == PQ_QUEUED)
			return j;
	}
	return NULL;
}

/* Run a job nobody has started; called and returns with mu held. */
static void run_locked(struct pq *q, struct pq_job *j)
{
	j->state = PQ_RUNNING;
	pthread_mutex_unlock(&q->mu);
	run_job(j);
	pthread_mutex_lock(&q->mu);
	j->state = PQ_DONE;
	pthread_cond_broadcast(&q->cv_done);
}

static void *worker(void *arg)
{
	struct pq *q = arg;
	struct pq_job *j;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->quit && !(j = next_queued(q)))
			pthread_cond_wait(&q->cv_work, &q->mu);
		if (q->quit)
			break;
		run_locked(q, j);
	}
	pthread_mutex_unlock(&q->mu);
	fnode_thread_end();
	return NULL;
}

void pq_init(struct pq *q, int threads)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv_work, NULL);
	pthread_cond_init(&q->cv_done, NULL);
	if (threads > 1 &&
	    pthread_create(&q->thread, NULL, worker, q) == 0)
		q->threaded = 1;
}

/* Send the job being filled to the worker. */
static void send_open(struct pq *q)
{
	if (!q->open)
		return;
	pthread_mutex_lock(&q->mu);
	q->ring[(q->head + q->n) % PQ_DEPTH].state = PQ_QUEUED;
	q->n++;
	q->open = 0;
	pthread_cond_signal(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
}

/* The newest job sent and not started, or NULL (under mu). */
static struct pq_job *last_queued(struct pq *q)
{
	size_t i;

	for (i = q->n; i-- > 0;) {
		struct pq_job *j = &q->ring[(q->head + i) % PQ_DEPTH];

		if (j->state == PQ_QUEUED)
			return j;
	}
	return NULL;
}

/*
 * Collect the oldest job sent. While it is not done, this thread runs
 * jobs nobody has started, the newest first (the worker takes the
 * oldest), so both threads read items until the oldest is ready.
 */
static void collect_head(struct pq *q)
{
	struct pq_job *j = &q->ring[q->head], *k;
	size_t i;

	pthread_mutex_lock(&q->mu);
	while (j->state != PQ_DONE) {
		k = j->state == PQ_QUEUED ? j : last_queued(q);
		if (!k) {
			pthread_cond_wait(&q->cv_done, &q->mu);
			continue;
		}
		run_locked(q, k);
	}
	pthread_mutex_unlock(&q->mu);

	q->collecting = 1;
	for (i = 0; i < j->nout; i++) {
		struct pq_out *x = &j->out[i];

		x->kind = name_at(j, x->off[0]);
		x->ns = name_at(j, x->off[1]);
		x->name = name_at(j, x->off[2]);
		j->ops->collect(j, x);
		/* collect() took the object, if there was one. */
		x->obj = NULL;
	}
	q->collecting = 0;
	j->nout = 0;
	j->nitems = 0;
	buf_reset(&j->text);
	buf_reset(&j->names);

	pthread_mutex_lock(&q->mu);
	j->state = PQ_FREE;
	q->head = (q->head + 1) % PQ_DEPTH;
	q->n--;
	pthread_mutex_unlock(&q->mu);
}

void pq_drain(struct pq *q)
{
	if (!q || q->collecting)
		return;
	send_open(q);
	while (q->n)
		collect_head(q);
}

int pq_add(struct pq *q, const struct pq_ops *ops, void *owner,
	   const void *run_ctx, const char *source, const char *text,
	   size_t len, unsigned long line, unsigned long col,
	   unsigned long num)
{
	struct pq_job *j;
	struct pq_item *it;

	if (!q)
		return 0;
	if (len > PQ_ITEM_MAX) {
		pq_drain(q);
		return 0;
	}
	if (q->open) {
		j = &q->ring[(q->head + q->n) % PQ_DEPTH];
		if (j->owner != owner || j->ops != ops ||
		    j->run_ctx != run_ctx || j->source != source ||
		    j->text.len + len > PQ_JOB_BYTES)
			send_open(q);
	}
	if (!q->open) {
		if (q->n == PQ_DEPTH)
			collect_head(q);
		j = &q->ring[(q->head + q->n) % PQ_DEPTH];
		j->ops = ops;
		j->owner = owner;
		j->run_ctx = run_ctx;
		j->source = source;
		j->nitems = j->nout = 0;
		buf_reset(&j->text);
		buf_reset(&j->names);
		j->state = PQ_OPEN;
		q->open = 1;
	}
	j = &q->ring[(q->head + q->n) % PQ_DEPTH];
	j->items = xgrow(j->items, &j->capitems, j->nitems + 1,
			 sizeof(*j->items));
	it = &j->items[j->nitems++];
	it->off = j->text.len;
	it->len = len;
	it->line = line;
	it->col = col;
	it->num = num;
	buf_add(&j->text, text, len);
	return 1;
}

unsigned long pq_oldest_line(const struct pq *q)
{
	if (!q || (!q->n && !q->open))
		return 0;
	/* The oldest job, sent or open, has at least one item. */
	return q->ring[q->head].items[0].line;
}

static void drain_hook(void *ctx)
{
	pq_drain(ctx);
}

void pq_set_current(struct pq *q)
{
	input_before_note(q ? drain_hook : NULL, q);
}

void pq_free(struct pq *q)
{
	size_t i;

	pq_drain(q);
	if (q->threaded) {
		pthread_mutex_lock(&q->mu);
		q->quit = 1;
		pthread_cond_signal(&q->cv_work);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
	}
	for (i = 0; i < PQ_DEPTH; i++) {
		buf_free(&q->ring[i].text);
		buf_free(&q->ring[i].names);
		free(q->ring[i].items);
		free(q->ring[i].out);
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv_work);
	pthread_cond_destroy(&q->cv_done);
	memset(q, 0, sizeof(*q));
}
