/*
 * The object store, between parse and match for objects. Objects are
 * evaluated only once the whole input is read, because ages are measured
 * against the bundle's own time, known only at the end. Copies of one
 * object from several sources are merged here so every rule sees one
 * object with all of its events.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

void store_init(struct store *st, size_t max_objects)
{
	memset(st, 0, sizeof(*st));
	st->max_objects = max_objects ? max_objects : 500000;
	st->latest_ms = INT64_MIN;
}

void store_free(struct store *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		kobject_free(st->v[i]);
	free(st->v);
	strblocks_free(&st->keys);
	hmap_free(&st->index);
	hmap_free(&st->by_name);
	free(st->dropped_where);
	memset(st, 0, sizeof(*st));
}

/*
 * An object past max_objects, about to be freed: counted, and the first
 * one reported where it was read (line 0: only the entry is known).
 */
static void drop_object(struct store *st, struct input *in,
			const char *source, unsigned long line)
{
	struct buf where = BUF_INIT;

	if (st->dropped++)
		return;
	buf_adds(&where, source ? source : "(unknown)");
	if (line)
		buf_addf(&where, ":%lu", line);
	if (in)
		input_error(in, where.p, "object limit of %zu reached; later "
			    "objects are not analyzed (--max-objects)",
			    st->max_objects);
	st->dropped_where = buf_detach(&where);
}

void store_note_time(struct store *st, int64_t ms)
{
	if (ms != INT64_MIN && ms > st->latest_ms)
		st->latest_ms = ms;
}

struct kobject *store_find(const struct store *st, const char *kind,
			   const char *ns, const char *name)
{
	const char *part[3] = { kind, ns, name };
	struct keybuf k;
	struct kobject *o = NULL;
	size_t i;

	if (!name)
		return NULL;
	if (kind || ns) {
		keybuf_init(&k);
		/* Without a kind: "ns\nname" in the name index. */
		keybuf_set(&k, kind ? 3 : 2, kind ? part : part + 1);
		o = hmap_get(kind ? &st->index : &st->by_name, k.p, k.n);
		keybuf_free(&k);
		return o;
	}
	/* Any namespace: rare (a name alone), a scan is fine. */
	for (i = 0; i < st->n; i++) {
		struct kobject *c = st->v[i];

		if (c->name && !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static void note_object_times(struct store *st, const struct kobject *o)
{
	size_t i;

	if (o->created != TIME_UNKNOWN)
		store_note_time(st, o->created * 1000);
	for (i = 0; i < o->nconds; i++)
		if (o->conds[i].last_transition_ts != TIME_UNKNOWN)
			store_note_time(st, o->conds[i].last_transition_ts *
					1000);
	for (i = 0; i < o->nevents; i++)
		if (o->events[i].last_seen != TIME_UNKNOWN)
			store_note_time(st, o->events[i].last_seen * 1000);
}

static int same_event(const struct kevent *a, const struct kevent *b)
{
	return !strcmp(a->reason ? a->reason : "", b->reason ? b->reason : "")
	       && !strcmp(a->message ? a->message : "",
			  b->message ? b->message : "") &&
	       !strcmp(a->type ? a->type : "", b->type ? b->type : "");
}

/* Attach ev to o unless o has it already (then keep the larger count). */
static void attach(struct store *st, struct kobject *o, struct kevent *ev)
{
	size_t i;

	for (i = 0; i < o->nevents; i++) {
		struct kevent *e = &o->events[i];

		if (!same_event(e, ev))
			continue;
		if (ev->count > e->count)
			e->count = ev->count;
		if (e->last_seen == TIME_UNKNOWN)
			e->last_seen = ev->last_seen;
		if (e->first_seen == TIME_UNKNOWN)
			e->first_seen = ev->first_seen;
		if (e->last_age_s < 0)
			e->last_age_s = ev->last_age_s;
		if (e->first_age_s < 0)
			e->first_age_s = ev->first_age_s;
		kevent_clear(ev);
		return;
	}
	if (!ev->obj_kind && o->kind)
		ev->obj_kind = xstrdup(o->kind);
	if (!ev->obj_name && o->name)
		ev->obj_name = xstrdup(o->name);
	if (!ev->obj_ns && o->ns)
		ev->obj_ns = xstrdup(o->ns);
	kobject_add_event(o, ev);
	st->events++;
}

static struct kobject *insert(struct store *st, struct kobject *o)
{
	struct keybuf k;
	const char *key;
	size_t klen;

	keybuf_init(&k);
	keybuf_set(&k, 3, (const char *const[]){ o->kind, o->ns, o->name });
	st->v = xgrow(st->v, &st->cap, st->n + 1, sizeof(*st->v));
	st->v[st->n++] = o;
	key = strblocks_dup(&st->keys, k.p, k.n);
	klen = k.n;
	keybuf_free(&k);
	hmap_put(&st->index, key, klen, o);
	/* The name index: the key's tail is "ns\nname" already. */
	if (o->name) {
		const char *tail = strchr(key, '\n') + 1;
		size_t tlen = klen - (size_t)(tail - key);

		if (!hmap_get(&st->by_name, tail, tlen))
			hmap_put(&st->by_name, tail, tlen, o);
	}
	return o;
}

/* How much an object says: full dumps over describe over table rows. */
static int richness(const struct kobject *o)
{
	if (o->partial)
		return 0;
	return o->origin == ORIGIN_DESCRIBE ? 1 : 2;
}

/* Turn an Event object into an event; returns 1 when it was one. */
static int event_object(struct store *st, struct kobject *o,
			struct input *in)
{
	struct kevent ev;
	const struct fnode *r, *n;
	char *first, *last;

	if (!o->kind || strcmp(o->kind, "Event"))
		return 0;
	r = kobject_root(o);
	if (!fnode_child(r, "involvedObject"))
		return 0;
	memset(&ev, 0, sizeof(ev));
	kevent_clear(&ev);
#define F(path) ((n = fnode_find(r, path)) && n->value ? xstrdup(n->value) : NULL)
	ev.type = F("type");
	ev.reason = F("reason");
	ev.message = F("message");
	ev.from = F("source.component");
	if (!ev.from)
		ev.from = F("reportingComponent");
	if (!ev.from)
		ev.from = F("reportingController");
	ev.obj_kind = F("involvedObject.kind");
	ev.obj_ns = F("involvedObject.namespace");
	ev.obj_name = F("involvedObject.name");
	first = F("firstTimestamp");
	last = F("lastTimestamp");
	if (!last)
		last = F("eventTime");
	if (!last)
		last = F("series.lastObservedTime");
#undef F
	ev.first_seen = first ? parse_rfc3339(first) : TIME_UNKNOWN;
	ev.last_seen = last ? parse_rfc3339(last) : TIME_UNKNOWN;
	if (ev.first_seen == TIME_UNKNOWN)
		ev.first_seen = ev.last_seen;
	free(first);
	free(last);
	n = fnode_find(r, "count");
	if (!n || !n->value)
		n = fnode_find(r, "series.count");
	ev.count = n && n->value ? strtoul(n->value, NULL, 10) : 1;
	ev.source = o->source;
	ev.line = o->line;
	store_add_event(st, &ev, o->source, in);
	kobject_free(o);
	return 1;
}

struct kobject *store_add(struct store *st, struct kobject *o,
			  struct input *in)
{
	struct kobject *old;
	size_t i;

	if (event_object(st, o, in))
		return NULL;
	kobject_pack(o);
	note_object_times(st, o);
	old = store_find(st, o->kind, o->ns, o->name);
	if (!old && o->kind && o->name && o->partial)
		old = NULL;
	if (old) {
		struct kobject *keep = old, *drop = o;

		if (richness(o) > richness(old)) {
			/* Swap contents so pointers to the stored copy stay. */
			struct kobject tmp = *old;

			*old = *o;
			*o = tmp;
			keep = old;
			drop = o;
		}
		for (i = 0; i < drop->nevents; i++)
			attach(st, keep, &drop->events[i]);
		drop->nevents = 0;
		kobject_free(drop);
		return keep;
	}
	if (st->n >= st->max_objects) {
		drop_object(st, in, o->source, o->line);
		kobject_free(o);
		return NULL;
	}
	return insert(st, o);
}

void store_add_event(struct store *st, struct kevent *ev, const char *source,
		     struct input *in)
{
	struct kobject *o = NULL;

	if (ev->last_seen != TIME_UNKNOWN)
		store_note_time(st, ev->last_seen * 1000);
	if (ev->obj_name)
		o = store_find(st, ev->obj_kind, ev->obj_ns, ev->obj_name);
	if (!o) {
		struct fnode *root = fnode_new(FN_MAP, ev->line);

		if (ev->obj_kind)
			fnode_add_scalar(root, "kind", 4, ev->obj_kind,
					 strlen(ev->obj_kind), ev->line);
		fnode_add_scalar(root, "name", 4, ev->obj_name ? ev->obj_name :
				 "(unknown)", strlen(ev->obj_name ? ev->obj_name :
						     "(unknown)"), ev->line);
		if (ev->obj_ns)
			fnode_add_scalar(root, "namespace", 9, ev->obj_ns,
					 strlen(ev->obj_ns), ev->line);
		o = kobject_from_tree(root, ORIGIN_TABLE, source, ev->line);
		if (!o) {
			kevent_clear(ev);
			return;
		}
		o->partial = 2;	/* known only from its events */
		if (st->n >= st->max_objects) {
			drop_object(st, in, source, ev->line);
			kobject_free(o);
			kevent_clear(ev);
			return;
		}
		insert(st, o);
	}
	attach(st, o, ev);
}
