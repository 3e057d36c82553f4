/*
 * The contract every object parser follows (YAML, JSON, describe, get
 * tables). Parsers are fed one line at a time, in order, by the pipeline
 * (which also runs the line rules on the same lines), and hand each
 * complete object to on_object, which takes ownership of it. A parse
 * problem is reported with input_warning() as "source:line:col" and the
 * parser recovers at the next object; it never stops the run.
 *
 * Each parser XXX has:
 *   struct XXX *XXX_new(const struct parse_ctx *pc);
 *   void XXX_line(struct XXX *p, struct slice line, unsigned long lineno);
 *   void XXX_end(struct XXX *p);	 flush the last object at the end
 *   void XXX_free(struct XXX *p);
 * The parse_ctx is copied; the strings it points to must outlive the parser.
 */
#ifndef KTRIAGE_PARSE_H
#define KTRIAGE_PARSE_H

#include "input.h"
#include "object.h"
#include "pqueue.h"
#include "util.h"

struct parse_ctx {
	const char *source;	/* entry path, used in locations */
	struct input *in;	/* receives warnings */
	/* A complete object; the callee owns it (kobject_free()). */
	void (*on_object)(struct kobject *obj, void *ctx);
	/*
	 * An event not printed inside an object (a `kubectl get events`
	 * table row); the callee takes the strings over (kevent_clear()).
	 */
	void (*on_event)(struct kevent *ev, void *ctx);
	void *ctx;
	/*
	 * What a prompt line said, e.g. "challenges" from "$ kubectl get
	 * challenges -A"; NULL when unknown. Tables use it for the kind.
	 */
	const char *resource_hint;
	/* Bounds: the most bytes one object may take before it is dropped. */
	size_t max_object_bytes;
	/*
	 * Optional: whether an object of this kind, whose source text is
	 * text, is wanted at all. When it says 0, a parser that can tell an
	 * object's kind, namespace and name without building it (JSON) calls
	 * on_skipped instead of on_object.
	 */
	int (*wanted)(const char *kind, struct slice text, void *ctx);
	void (*on_skipped)(const char *kind, const char *ns, const char *name,
			   unsigned long line, void *ctx);
	/*
	 * Optional: whether a complete object is kept (not just counted).
	 * The parse queue's worker asks, and hands on an object that is not
	 * kept as skipped (on_skipped) after freeing it there. It may only
	 * read.
	 */
	int (*keep)(const struct kobject *obj, void *ctx);
	/*
	 * Optional: the parse queue (pqueue.h). A parser that cuts a List
	 * into items (YAML, JSON) queues them there; they are handed on as
	 * they are collected. wanted() is then called on the queue's
	 * worker thread, and may only read.
	 */
	struct pq *pq;
};

#include <stdarg.h>

/*
 * Report a problem at source:line:col (col 0: no column) as an input
 * warning; nothing when pc->in is NULL.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void parse_warn(const struct parse_ctx *pc, unsigned long line,
		unsigned long col, const char *fmt, ...);
void parse_vwarn(const struct parse_ctx *pc, unsigned long line,
		 unsigned long col, const char *fmt, va_list ap);

#endif
