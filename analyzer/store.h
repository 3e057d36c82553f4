/*
 * The object store: every Kubernetes object read from the input, merged by
 * identity (kind, namespace, name) across sources, with the events that
 * concern it. The same Challenge may come from a JSON dump, a describe
 * output and a get table: the richest copy is kept and the events of all
 * are gathered. The store owns its objects; store_free() releases them.
 */
#ifndef KTRIAGE_STORE_H
#define KTRIAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "input.h"
#include "object.h"
#include "util.h"

struct store {
	struct kobject **v;
	size_t n, cap;
	struct hmap index;	/* "kind\nns\nname" -> object */
	struct hmap by_name;	/* "ns\nname" -> the first object of that name */
	struct strblocks keys;	/* the index keys */
	size_t max_objects;
	unsigned long dropped;	/* objects beyond max_objects */
	char *dropped_where;	/* "file:line" of the first of them */
	unsigned long events;	/* events attached */
	int64_t latest_ms;	/* latest absolute time seen in objects */
};

void store_init(struct store *st, size_t max_objects);
void store_free(struct store *st);

/*
 * Add an object (taking ownership). An Event object is turned into an
 * event of the object it concerns. Returns the stored object (which may
 * be an earlier copy the new one was merged into), or NULL when dropped.
 * An object past max_objects is counted in st->dropped; the first one is
 * an input error in `in` (when not NULL) and st->dropped_where.
 */
struct kobject *store_add(struct store *st, struct kobject *obj,
			  struct input *in);

/*
 * Attach an event to the object it names (ev->obj_*), creating a partial
 * object when none is known yet. The event's strings are taken over.
 * A partial object past max_objects is dropped as in store_add(), the
 * first one reported in `in` (may be NULL).
 */
void store_add_event(struct store *st, struct kevent *ev, const char *source,
		     struct input *in);

/* Look an object up; kind may be NULL to match any kind. */
struct kobject *store_find(const struct store *st, const char *kind,
			   const char *ns, const char *name);

/* Note an absolute time (unix ms) seen in the input, for "now". */
void store_note_time(struct store *st, int64_t ms);

#endif
