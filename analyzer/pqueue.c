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

void pq_on_object(struct kobject *o, void *job)
{
	struct pq_job *j = job;

	if (j->pc->keep && !j->pc->keep(o, j->pc->ctx)) {
		add_out(j, NULL, o->kind, o->ns, o->name, o->line, NULL);
		kobject_free(o);
		return;
	}
	kobject_pack(o);
	add_out(j, o, NULL, NULL, NULL, o->line, NULL);
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

/* The oldest (or newest) job sent and not started, or NULL (under mu). */
static struct pq_job *queued(struct pq *q, int newest)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		size_t k = newest ? q->n - 1 - i : i;
		struct pq_job *j = &q->ring[(q->head + k) % PQ_DEPTH];

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
		while (!q->quit && !q->task && !(j = queued(q, 0)))
			pthread_cond_wait(&q->cv_work, &q->mu);
		if (q->quit)
			break;
		if (q->task) {
			void (*fn)(void *) = q->task;

			pthread_mutex_unlock(&q->mu);
			fn(q->task_arg);
			pthread_mutex_lock(&q->mu);
			q->task = NULL;
			pthread_cond_broadcast(&q->cv_done);
			continue;
		}
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
		k = j->state == PQ_QUEUED ? j : queued(q, 1);
		if (!k) {
			pthread_cond_wait(&q->cv_done, &q->mu);
			continue;
		}
		run_locked(q, k);
	}
	pthread_mutex_unlock(&q->mu);

	/* What each item made goes on, in order, as if read just now. */
	q->collecting = 1;
	for (i = 0; i < j->nout; i++) {
		struct pq_out *x = &j->out[i];

		if (x->declined)
			j->ops->reread(j, x->declined);
		else if (!x->obj && j->pc->on_skipped)
			j->pc->on_skipped(name_at(j, x->off[0]),
					  name_at(j, x->off[1]),
					  name_at(j, x->off[2]), x->line,
					  j->pc->ctx);
		else if (x->obj && j->pc->on_object)
			j->pc->on_object(x->obj, j->pc->ctx);
		else
			kobject_free(x->obj);
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
	   const struct parse_ctx *pc, const char *text, size_t len,
	   unsigned long line, unsigned long col, unsigned long num)
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
		if (j->owner != owner || j->ops != ops || j->pc != pc ||
		    j->text.len + len > PQ_JOB_BYTES)
			send_open(q);
	}
	if (!q->open) {
		if (q->n == PQ_DEPTH)
			collect_head(q);
		j = &q->ring[(q->head + q->n) % PQ_DEPTH];
		/* Empty: emptied when last collected, or never used. */
		j->ops = ops;
		j->owner = owner;
		j->pc = pc;
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

unsigned long pq_settled(const struct pq *q, unsigned long open,
			 unsigned long lineno)
{
	/* The oldest job, sent or open, has at least one item. */
	if (q && (q->n || q->open))
		open = q->ring[q->head].items[0].line;
	return open && open - 1 < lineno ? open - 1 : lineno;
}

static void drain_hook(void *ctx)
{
	pq_drain(ctx);
}

void pq_set_current(struct pq *q)
{
	input_before_note(q ? drain_hook : NULL, q);
}

void pq_task(struct pq *q, void (*fn)(void *), void *arg)
{
	pq_drain(q);
	if (!q->threaded) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&q->mu);
	while (q->task)
		pthread_cond_wait(&q->cv_done, &q->mu);
	q->task = fn;
	q->task_arg = arg;
	pthread_cond_signal(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
}

void pq_task_wait(struct pq *q)
{
	if (!q->threaded)
		return;
	pthread_mutex_lock(&q->mu);
	while (q->task)
		pthread_cond_wait(&q->cv_done, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void pq_free(struct pq *q)
{
	size_t i;

	pq_drain(q);
	if (q->threaded) {
		pq_task_wait(q);
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
