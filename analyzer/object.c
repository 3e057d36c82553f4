/*
 * The normalized object model, shared by every parser (stage three of the
 * pipeline). Parsers only build field trees; this file decides what the
 * metadata, conditions and owner references of an object are, so YAML,
 * JSON and describe input agree by construction.
 */
#include "object.h"

#include "hmap.h"
#include "keepmem.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Field nodes come from slabs, not a malloc each: a kept object has
 * dozens, and malloc's header and bookkeeping cost more than the 40 bytes
 * of the node. Each thread that builds trees (the analysis, the parse
 * worker) takes nodes from slabs of its own and keeps its own free list.
 * Nodes made on one thread are often freed on the other (the worker
 * builds, the analysis drops), so a free list that grows past two
 * batches hands a batch to a shared spare list, where a thread out of
 * free nodes looks before it takes a new slab. The slabs themselves are
 * on one list, under a lock, and live until fnode_intern_free(), after
 * every other thread is done.
 */
#define FNODE_SLAB 1024
#define FNODE_BATCH 1024

/* Under AddressSanitizer every node is its own block, so a use after
 * free is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define FNODE_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FNODE_MALLOC 1
#endif
#endif

struct fnode_slab {
	struct fnode_slab *next;
	struct fnode v[FNODE_SLAB];
};

static pthread_mutex_t slab_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fnode_slab *slabs;		/* all of them (slab_mu) */
static _Thread_local struct fnode_slab *slab_cur;
static _Thread_local size_t slab_used = FNODE_SLAB;
static _Thread_local struct fnode *free_nodes;	/* linked through kids */
static _Thread_local size_t free_count;
/* Batches of FNODE_BATCH free nodes, linked through the first's value. */
static struct fnode *spare;			/* (slab_mu) */
static _Atomic size_t spare_n;	/* batches there: a look without the lock */

#ifndef FNODE_MALLOC
/* This thread has no free node: take a spare batch, if there is one. */
static void take_spare(void)
{
	pthread_mutex_lock(&slab_mu);
	if (spare) {
		free_nodes = spare;
		spare = (struct fnode *)spare->value;
		free_nodes->value = NULL;
		free_count = FNODE_BATCH;
		spare_n--;
	}
	pthread_mutex_unlock(&slab_mu);
}

/* Too many free nodes here: the first FNODE_BATCH go to the spares. */
static void give_spare(void)
{
	struct fnode *head = free_nodes, *tail = head;
	size_t i;

	for (i = 1; i < FNODE_BATCH; i++)
		tail = (struct fnode *)tail->kids;
	free_nodes = (struct fnode *)tail->kids;
	free_count -= FNODE_BATCH;
	tail->kids = NULL;
	pthread_mutex_lock(&slab_mu);
	head->value = (char *)spare;
	spare = head;
	spare_n++;
	pthread_mutex_unlock(&slab_mu);
}
#endif

struct fnode *fnode_new(enum fnode_type type, unsigned long line)
{
	struct fnode *n;

#ifdef FNODE_MALLOC
	n = xmalloc(sizeof(*n));
#else
	if (!free_nodes &&
	    atomic_load_explicit(&spare_n, memory_order_relaxed))
		take_spare();
	if (free_nodes) {
		n = free_nodes;
		free_nodes = (struct fnode *)n->kids;
		free_count--;
	} else {
		if (slab_used == FNODE_SLAB) {
			struct fnode_slab *sl = keepmem_alloc(sizeof(*sl));

			pthread_mutex_lock(&slab_mu);
			sl->next = slabs;
			slabs = sl;
			pthread_mutex_unlock(&slab_mu);
			slab_cur = sl;
			slab_used = 0;
		}
		n = &slab_cur->v[slab_used++];
	}
#endif
	memset(n, 0, sizeof(*n));
	n->type = (unsigned char)type;
	/* Past 4 G lines the number saturates rather than wraps. */
	n->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	return n;
}

void fnode_free(struct fnode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		fnode_free(n->kids[i]);
	if (!(n->packed & FN_PACKED_KIDS))
		free(n->kids);
	if (!(n->packed & FN_PACKED_VALUE))
		free(n->value);
#ifdef FNODE_MALLOC
	free(n);
#else
	n->kids = (struct fnode **)free_nodes;
	free_nodes = n;
	if (++free_count >= 2 * FNODE_BATCH)
		give_spare();
#endif
}

int fnode_same(const struct fnode *a, const struct fnode *b)
{
	uint32_t i;

	if (!a || !b)
		return a == b;
	if (a->type != b->type || a->line != b->line ||
	    a->nkids != b->nkids || a->key != b->key ||
	    !a->value != !b->value ||
	    (a->value && strcmp(a->value, b->value)))
		return 0;
	for (i = 0; i < a->nkids; i++)
		if (!fnode_same(a->kids[i], b->kids[i]))
			return 0;
	return 1;
}

/*
 * Interned keys: one table for every thread, under a lock. Each thread
 * keeps its own map of raw keys as written to their interned form, so
 * the lock is only taken for a raw key the thread has not met yet.
 */
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hmap interned;
/* Keys interned so far, and tables freed (fnode_intern_free()). */
static _Atomic unsigned long intern_count, intern_gen;

/*
 * Interned keys by number, for frozen trees (kobject_pack()): each key is
 * stored after its 4-byte number, and the numbers lead back to the keys
 * through chunks that never move, so a thread decoding a tree reads them
 * without the lock. A key past the last number is written out whole.
 */
#define KEY_CHUNK 4096
#define KEY_CHUNKS 4096
#define KEY_NONE UINT32_MAX
static const char **key_chunks[KEY_CHUNKS];	/* (intern_mu) */
static uint32_t nkey_ids;			/* (intern_mu) */

static uint32_t key_id(const char *k)
{
	uint32_t id;

	memcpy(&id, k - sizeof(id), sizeof(id));
	return id;
}

static const char *key_of(uint32_t id)
{
	return key_chunks[id / KEY_CHUNK][id % KEY_CHUNK];
}

/* Under intern_mu. */
static const char *intern_locked(const char *s, size_t n)
{
	char *k = hmap_get(&interned, s, n);

	if (!k) {
		char *b = xmalloc(sizeof(uint32_t) + n + 1);
		uint32_t id = KEY_NONE;

		if (nkey_ids < (uint32_t)KEY_CHUNK * KEY_CHUNKS) {
			id = nkey_ids++;
			if (!key_chunks[id / KEY_CHUNK])
				key_chunks[id / KEY_CHUNK] =
					xcalloc(KEY_CHUNK, sizeof(char *));
		}
		memcpy(b, &id, sizeof(id));
		k = b + sizeof(id);
		memcpy(k, s, n);
		k[n] = '\0';
		if (id != KEY_NONE)
			key_chunks[id / KEY_CHUNK][id % KEY_CHUNK] = k;
		hmap_put(&interned, k, n, k);
		atomic_fetch_add_explicit(&intern_count, 1,
					  memory_order_relaxed);
	}
	return k;
}

const char *fnode_intern(const char *s, size_t n)
{
	const char *k;

	pthread_mutex_lock(&intern_mu);
	k = intern_locked(s, n);
	pthread_mutex_unlock(&intern_mu);
	return k;
}

/* Raw keys as written ("apiVersion") to their interned normal form. */
static _Thread_local struct hmap by_raw;
static void thaw_ring_free(void);
static void freeze_free(void);

void fnode_thread_end(void)
{
	size_t i;

	for (i = 0; i < by_raw.cap; i++)
		free((char *)by_raw.slots[i].key);
	hmap_free(&by_raw);
	thaw_ring_free();
	freeze_free();
	free_nodes = NULL;
	free_count = 0;
	slab_cur = NULL;
	slab_used = FNODE_SLAB;
}

void fnode_intern_free(void)
{
	size_t i;

	fnode_thread_end();
	pthread_mutex_lock(&slab_mu);
	while (slabs) {
		struct fnode_slab *next = slabs->next;

		keepmem_free(slabs, sizeof(*slabs));
		slabs = next;
	}
	spare = NULL;
	spare_n = 0;
	pthread_mutex_unlock(&slab_mu);
	pthread_mutex_lock(&intern_mu);
	for (i = 0; i < interned.cap; i++)
		if (interned.slots[i].key)
			free((char *)interned.slots[i].value - sizeof(uint32_t));
	hmap_free(&interned);
	for (i = 0; i < KEY_CHUNKS; i++) {
		free(key_chunks[i]);
		key_chunks[i] = NULL;
	}
	nkey_ids = 0;
	atomic_fetch_add_explicit(&intern_gen, 1, memory_order_relaxed);
	pthread_mutex_unlock(&intern_mu);
}

/* Whether a key is words only (letters, spaces): those are folded. */
static int plain_key(const char *raw, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (!isalpha(c) && c != ' ')
			return 0;
	}
	return n > 0;
}

/* The normalized key into out (room for n bytes); returns its length. */
static size_t norm_into(char *out, const char *raw, size_t n)
{
	size_t i, k = 0;

	if (!plain_key(raw, n)) {
		memcpy(out, raw, n);
		return n;
	}
	for (i = 0; i < n; i++)
		if (raw[i] != ' ')
			out[k++] = (char)tolower((unsigned char)raw[i]);
	return k;
}

void fnode_norm_key(struct buf *out, const char *raw, size_t n)
{
	size_t len;

	buf_grow(out, n);
	len = norm_into(out->p + out->len, raw, n);
	out->len += len;
	out->p[out->len] = '\0';
}

/*
 * Paths are looked up by the rules, the chain and the object model over
 * and over, mostly from the same strings (a rule's field, a constant in
 * the code): each thread remembers where the last few hundred segments
 * it looked up were, and what they gave, even when that was nothing.
 * The segment's bytes are kept too and compared, since a buffer may hold
 * another path the next time. An answer holds until the tables are
 * freed; "no node has that key" holds only until a new key is interned.
 */
#define SEG_MEMO 256
#define SEG_MEMO_BYTES 32

struct seg_memo {
	const char *raw;
	const char *k;
	unsigned long gen, count;
	unsigned char n;
	char bytes[SEG_MEMO_BYTES];
};

static _Thread_local struct seg_memo seg_memo[SEG_MEMO];

static const char *norm_intern(const char *raw, size_t n, int intern);

/* norm_intern(raw, n, 0), remembered. */
static const char *lookup_key(const char *raw, size_t n)
{
	uintptr_t a = (uintptr_t)raw;
	struct seg_memo *m = &seg_memo[(a ^ a >> 9 ^ n) % SEG_MEMO];
	unsigned long gen = atomic_load_explicit(&intern_gen,
						 memory_order_relaxed);
	unsigned long count = atomic_load_explicit(&intern_count,
						   memory_order_relaxed);
	const char *k;

	if (m->raw == raw && m->n == n && m->gen == gen &&
	    (m->k || m->count == count) && !memcmp(m->bytes, raw, n))
		return m->k;
	k = norm_intern(raw, n, 0);
	if (n <= SEG_MEMO_BYTES) {
		m->raw = raw;
		m->n = (unsigned char)n;
		m->k = k;
		m->gen = gen;
		m->count = count;
		memcpy(m->bytes, raw, n);
	}
	return k;
}

/*
 * The interned form of a normalized key: for a new key (intern set) or
 * only if some node has it (intern clear: NULL when none has, so a path
 * through it finds nothing). Keys are compared by pointer after this.
 */
static const char *norm_intern(const char *raw, size_t n, int intern)
{
	char small[256], *tmp;
	const char *k = hmap_get(&by_raw, raw, n);
	size_t len;

	if (k)
		return k;
	tmp = n <= sizeof(small) ? small : xmalloc(n);
	len = norm_into(tmp, raw, n);
	pthread_mutex_lock(&intern_mu);
	k = intern ? intern_locked(tmp, len) : hmap_get(&interned, tmp, len);
	pthread_mutex_unlock(&intern_mu);
	if (tmp != small)
		free(tmp);
	/* The same raw keys come back on every object (a few hundred). */
	if (k && by_raw.n < 65536)
		hmap_put(&by_raw, xstrndup(raw, n), n, (void *)k);
	return k;
}

_Static_assert(sizeof(struct fnode) == 3 * sizeof(void *) + 8,
	       "struct fnode has no padding");

/* The room of a kids array of n that is not packed (see struct fnode). */
static uint32_t kids_room(uint32_t n)
{
	uint32_t room = 2;

	if (!n)
		return 0;
	while (room < n)
		room *= 2;
	return room;
}

struct fnode *fnode_add(struct fnode *parent, const char *raw_key,
			size_t keylen, struct fnode *child)
{
	uint32_t n = parent->nkids;

	if (raw_key)
		child->key = norm_intern(raw_key, keylen, 1);
	if (n >= FN_MAX_KIDS)
		abort();	/* not from a bounded parser */
	if (parent->packed & FN_PACKED_KIDS) {
		/* The packed array has no room: it moves out on the heap. */
		struct fnode **kids = xmalloc(kids_room(n + 1) *
					      sizeof(*kids));

		if (n)
			memcpy(kids, parent->kids, n * sizeof(*kids));
		parent->kids = kids;
		parent->packed &= ~FN_PACKED_KIDS;
	} else if (kids_room(n) == n) {
		/* Full. Maps and lists are mostly small: grow from 2. */
		parent->kids = xrealloc(parent->kids, kids_room(n + 1) *
					sizeof(*parent->kids));
	}
	parent->kids[n] = child;
	parent->nkids = n + 1;
	return child;
}

struct fnode *fnode_add_scalar(struct fnode *parent, const char *raw_key,
			       size_t keylen, const char *value, size_t vlen,
			       unsigned long line)
{
	struct fnode *n = fnode_new(FN_SCALAR, line);

	n->value = value ? xstrndup(value, vlen) : NULL;
	return fnode_add(parent, raw_key, keylen, n);
}

const struct fnode *fnode_child(const struct fnode *map, const char *key)
{
	const char *k;
	size_t i;

	if (!map || map->type != FN_MAP)
		return NULL;
	k = lookup_key(key, strlen(key));
	for (i = 0; k && i < map->nkids; i++)
		if (map->kids[i]->key == k)
			return map->kids[i];
	return NULL;
}

/* Split off the first path segment: "a.b" or "[x.y/z].b". */
static const char *next_segment(const char *path, const char **seg,
				size_t *len)
{
	if (*path == '[') {
		const char *e = strchr(path, ']');

		if (!e)
			e = path + strlen(path);
		*seg = path + 1;
		*len = (size_t)(e - path - 1);
		path = *e ? e + 1 : e;
	} else {
		*seg = path;
		*len = strcspn(path, ".[");
		path += *len;
	}
	if (*path == '.')
		path++;
	return path;
}

struct find_first {
	const struct fnode *found;
};

/* No allocation: rules walk paths over every object they look at. */
static void walk_path(const struct fnode *n, const char *path,
		      fnode_visit_fn fn, void *ctx)
{
	const char *rest, *seg, *k;
	size_t i, len;

	if (!n)
		return;
	if (!*path) {
		fn(n, ctx);
		return;
	}
	if (n->type == FN_LIST) {
		for (i = 0; i < n->nkids; i++)
			walk_path(n->kids[i], path, fn, ctx);
		return;
	}
	if (n->type != FN_MAP)
		return;
	rest = next_segment(path, &seg, &len);
	if (!len || !(k = lookup_key(seg, len)))
		return;
	for (i = 0; i < n->nkids; i++)
		if (n->kids[i]->key == k)
			walk_path(n->kids[i], rest, fn, ctx);
}

void fnode_find_all(const struct fnode *root, const char *path,
		    fnode_visit_fn fn, void *ctx)
{
	walk_path(root, path, fn, ctx);
}

static void keep_first(const struct fnode *n, void *ctx)
{
	struct find_first *ff = ctx;

	if (!ff->found)
		ff->found = n;
}

const struct fnode *fnode_find(const struct fnode *root, const char *path)
{
	struct find_first ff = { NULL };

	walk_path(root, path, keep_first, &ff);
	return ff.found;
}

static char *scalar_dup(const struct fnode *n)
{
	if (!n || n->type != FN_SCALAR || !n->value || !*n->value)
		return NULL;
	return xstrdup(n->value);
}

static char *field(const struct fnode *root, const char *path)
{
	return scalar_dup(fnode_find(root, path));
}

/* Labels and annotations: a map of scalars. */
static struct kv *kv_list(const struct fnode *map, size_t *count)
{
	struct kv *v;
	size_t i, n = 0;

	*count = 0;
	if (!map || map->type != FN_MAP || !map->nkids)
		return NULL;
	v = xcalloc(map->nkids, sizeof(*v));
	for (i = 0; i < map->nkids; i++) {
		const struct fnode *k = map->kids[i];

		if (!k->key || k->type != FN_SCALAR)
			continue;
		v[n].key = xstrdup(k->key);
		v[n].value = xstrdup(k->value ? k->value : "");
		n++;
	}
	*count = n;
	return v;
}

static void lift_owners(struct kobject *o, const struct fnode *list)
{
	size_t i;

	if (!list || list->type != FN_LIST)
		return;
	o->owners = xcalloc(list->nkids ? list->nkids : 1, sizeof(*o->owners));
	for (i = 0; i < list->nkids; i++) {
		const struct fnode *e = list->kids[i];
		struct owner_ref *r = &o->owners[o->nowners];
		const char *c;

		if (e->type != FN_MAP)
			continue;
		r->api_version = field(e, "apiVersion");
		r->kind = field(e, "kind");
		r->name = field(e, "name");
		r->uid = field(e, "uid");
		c = fnode_child(e, "controller") ?
			fnode_child(e, "controller")->value : NULL;
		r->controller = c && !strcmp(c, "true");
		o->nowners++;
	}
}

static void lift_conditions(struct kobject *o, const struct fnode *list)
{
	size_t i;

	if (!list || list->type != FN_LIST)
		return;
	o->conds = xcalloc(list->nkids ? list->nkids : 1, sizeof(*o->conds));
	for (i = 0; i < list->nkids; i++) {
		const struct fnode *e = list->kids[i];
		struct kcondition *c = &o->conds[o->nconds];

		if (e->type != FN_MAP)
			continue;
		c->type = field(e, "type");
		c->status = field(e, "status");
		c->reason = field(e, "reason");
		c->message = field(e, "message");
		c->last_transition = field(e, "lastTransitionTime");
		c->last_transition_ts = c->last_transition ?
			parse_rfc3339(c->last_transition) : TIME_UNKNOWN;
		c->line = e->line;
		o->nconds++;
	}
}

struct kobject *kobject_from_tree(struct fnode *root, enum kobject_origin org,
				  const char *source, unsigned long line)
{
	struct kobject *o;
	const struct fnode *meta;
	char *created;

	if (!root || root->type != FN_MAP) {
		fnode_free(root);
		return NULL;
	}
	o = xcalloc(1, sizeof(*o));
	o->root = root;
	o->origin = org;
	o->source = source;
	o->line = line;
	meta = fnode_child(root, "metadata");
	o->api_version = field(root, "apiVersion");
	o->kind = field(root, "kind");
	/* YAML/JSON keep identity in metadata; describe prints it on top. */
	o->name = field(meta, "name");
	if (!o->name)
		o->name = field(root, "name");
	o->ns = field(meta, "namespace");
	if (!o->ns)
		o->ns = field(root, "namespace");
	o->uid = field(meta, "uid");
	o->labels = kv_list(fnode_child(meta, "labels") ?
			    fnode_child(meta, "labels") :
			    fnode_child(root, "labels"), &o->nlabels);
	o->annotations = kv_list(fnode_child(meta, "annotations") ?
				 fnode_child(meta, "annotations") :
				 fnode_child(root, "annotations"),
				 &o->nannotations);
	lift_owners(o, fnode_child(meta, "ownerReferences"));
	lift_conditions(o, fnode_find(root, "status.conditions"));
	created = field(meta, "creationTimestamp");
	o->created = created ? parse_rfc3339(created) : TIME_UNKNOWN;
	free(created);
	if (!o->kind && !o->name) {
		kobject_free(o);
		return NULL;
	}
	return o;
}

void kevent_clear(struct kevent *ev)
{
	free(ev->type);
	free(ev->reason);
	free(ev->message);
	free(ev->from);
	free(ev->age);
	free(ev->obj_kind);
	free(ev->obj_ns);
	free(ev->obj_name);
	memset(ev, 0, sizeof(*ev));
	ev->first_seen = ev->last_seen = TIME_UNKNOWN;
	ev->first_age_s = ev->last_age_s = -1;
}

void kobject_add_event(struct kobject *obj, struct kevent *ev)
{
	obj->events = xgrow(obj->events, &obj->capevents, obj->nevents + 1,
			    sizeof(*obj->events));
	obj->events[obj->nevents++] = *ev;
	memset(ev, 0, sizeof(*ev));
	ev->first_seen = ev->last_seen = TIME_UNKNOWN;
	ev->first_age_s = ev->last_age_s = -1;
}

/*
 * Every string a kobject owns (not its tree's or its events'), and every
 * array: one list for kobject_free() and kobject_pack().
 */
typedef void (*owned_fn)(void *ctx, void **p, int array, size_t size);

static void each_owned(struct kobject *o, owned_fn fn, void *ctx)
{
#define STR(s) fn(ctx, (void **)&(s), 0, 0)
	size_t i;

	STR(o->api_version);
	STR(o->kind);
	STR(o->ns);
	STR(o->name);
	STR(o->uid);
	for (i = 0; i < o->nlabels; i++) {
		STR(o->labels[i].key);
		STR(o->labels[i].value);
	}
	for (i = 0; i < o->nannotations; i++) {
		STR(o->annotations[i].key);
		STR(o->annotations[i].value);
	}
	for (i = 0; i < o->nowners; i++) {
		STR(o->owners[i].api_version);
		STR(o->owners[i].kind);
		STR(o->owners[i].name);
		STR(o->owners[i].uid);
	}
	for (i = 0; i < o->nconds; i++) {
		STR(o->conds[i].type);
		STR(o->conds[i].status);
		STR(o->conds[i].reason);
		STR(o->conds[i].message);
		STR(o->conds[i].last_transition);
	}
#undef STR
	/* Arrays last: the strings above are reached through them. */
	fn(ctx, (void **)&o->labels, 1, o->nlabels * sizeof(*o->labels));
	fn(ctx, (void **)&o->annotations, 1,
	   o->nannotations * sizeof(*o->annotations));
	fn(ctx, (void **)&o->owners, 1, o->nowners * sizeof(*o->owners));
	fn(ctx, (void **)&o->conds, 1, o->nconds * sizeof(*o->conds));
}

/* free(), except for what lives in the object's pack block. */
static void free_owned(void *ctx, void **p, int array, size_t size)
{
	const struct kobject *o = ctx;
	char *c = *p;

	(void)array;
	(void)size;
	if (!o->pack || c < o->pack || c >= o->pack + o->pack_len)
		free(c);
}

void kobject_free(struct kobject *o)
{
	size_t i;

	if (!o)
		return;
	each_owned(o, free_owned, o);
	for (i = 0; i < o->nevents; i++)
		kevent_clear(&o->events[i]);
	free(o->events);
	fnode_free(o->root);
	keepmem_free(o->pack, o->pack_len);
	free(o);
}

/*
 * Packing: a first pass counts the bytes of arrays (8-byte aligned, at
 * the start of the block) and of strings (after them), a second moves
 * everything in and frees the old copies.
 */
struct packer {
	size_t arrays, strings;	/* sizes (counting) or offsets (moving) */
	char *block;
	int moving;
	/*
	 * The frozen tree's values in pre-order: in the freezer's scratch
	 * while counting, in the block while moving. A string of the object
	 * that is also a value (kind, name, a condition's reason...) points
	 * there instead of taking room of its own.
	 */
	const char **vals;	/* the freezer's (see there) */
	size_t nvals;
};

/* size bytes at p into the block at *at, taking room bytes there. */
static void *pack_copy(struct packer *pk, size_t *at, void *p, size_t size,
		       size_t room)
{
	void *to;

	if (!pk->moving) {
		*at += room;
		return p;
	}
	to = pk->block + *at;
	memcpy(to, p, size);
	*at += room;
	free(p);
	return to;
}

static void *pack_array(struct packer *pk, void *p, size_t size)
{
	return pack_copy(pk, &pk->arrays, p, size, (size + 7) & ~(size_t)7);
}

static char *pack_str(struct packer *pk, char *s)
{
	size_t n, i;

	if (!s)
		return NULL;
	for (i = 0; i < pk->nvals; i++)
		if (!strcmp(pk->vals[i], s)) {
			if (!pk->moving)
				return s;
			free(s);
			return (char *)pk->vals[i];
		}
	n = strlen(s) + 1;
	return pack_copy(pk, &pk->strings, s, n, n);
}

/*
 * Frozen trees. A kept object's field tree is written into its pack block
 * as bytes and its nodes are freed: a Certificate's 27 nodes of 32 bytes,
 * its kids arrays and its values took about 1,400 bytes; frozen, about
 * 500. Readers get the tree back through kobject_root(), which decodes it
 * on their thread (see there).
 *
 * The bytes: the object's freeze number (8 bytes, unique for the run),
 * the number of nodes and of kids, then the nodes in pre-order. A node is
 * a flags byte (its type, and whether a key, kids and a value follow),
 * the key's number plus one (0: the key's address follows, 8 bytes), its
 * line as a zigzag difference from the node before, its number of kids,
 * and its value's length and bytes with a NUL. Decoded values point into
 * the block.
 */
#define FZ_KEY 4
#define FZ_KIDS 8
#define FZ_VALUE 16

static _Atomic uint64_t freeze_count;

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned char *varint_put(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static inline uint64_t varint_get(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	if (*p < 0x80) {	/* most are one byte */
		*pp = p + 1;
		return *p;
	}
	while (*p & 0x80) {
		v |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	v |= (uint64_t)*p++ << shift;
	*pp = p;
	return v;
}

static uint64_t zigzag(int64_t v)
{
	return v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1;
}

static int64_t unzigzag(uint64_t v)
{
	return v & 1 ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1);
}

/*
 * Freezing is one walk of the tree into a scratch buffer of the thread;
 * the bytes are then copied into the pack block behind their header.
 * Where each value went is kept as an offset, for the object's strings
 * that are the same bytes (packer.vals) and for its refs.
 */
struct freezer {
	unsigned char *buf;
	size_t len, cap;
	size_t nodes, kids;
	uint32_t line;		/* the node before's */
	size_t *voff;		/* each value's offset, in pre-order */
	size_t nvals, capvals;
	const char **vals;	/* for the packer: room for capvals */
	const struct fnode *refs[KREF_N];	/* the nodes of o->ref */
	size_t refoff[KREF_N];	/* their values' offsets, or SIZE_MAX */
	unsigned ref_scalar;
};

static _Thread_local struct freezer scratch;

_Static_assert(KREF_N == sizeof(((struct kobject *)0)->ref) /
	       sizeof(((struct kobject *)0)->ref[0]),
	       "a place in kobject.ref for every kobject_ref_field");

static const char *const ref_paths[KREF_N] = {
	[KREF_ISSUER_NAME] = "spec.issuerRef.name",
	[KREF_ISSUER_KIND] = "spec.issuerRef.kind",
	[KREF_SECRET_NAME] = "spec.secretName",
	[KREF_NOT_AFTER] = "status.notAfter",
	[KREF_STATE] = "status.state",
};

const char *kobject_ref(const struct kobject *o, enum kobject_ref_field f,
			int scalar_only)
{
	const struct fnode *n;

	if (o->frozen || !o->root)
		return !scalar_only || (o->ref_scalar & (1u << f)) ?
			o->ref[f] : NULL;
	n = fnode_find(o->root, ref_paths[f]);
	return n && (!scalar_only || n->type == FN_SCALAR) ? n->value : NULL;
}

static void freeze_node(struct freezer *fz, const struct fnode *n)
{
	uint64_t line = zigzag((int64_t)n->line - (int64_t)fz->line);
	uint32_t id = n->key ? key_id(n->key) : KEY_NONE;
	size_t vlen = n->value ? strlen(n->value) : 0;
	/* flags, key (or 0 and an address), line, kids, length, value */
	size_t need = 1 + 1 + sizeof(n->key) + 10 + 5 + 10 + vlen + 1;
	unsigned char *p;
	uint32_t i;

	if (fz->cap - fz->len < need)
		fz->buf = xgrow(fz->buf, &fz->cap, fz->len + need, 1);
	p = fz->buf + fz->len;
	fz->line = n->line;
	*p++ = (unsigned char)(n->type | (n->key ? FZ_KEY : 0) |
			       (n->nkids ? FZ_KIDS : 0) |
			       (n->value ? FZ_VALUE : 0));
	if (n->key && id == KEY_NONE) {
		*p++ = 0;
		memcpy(p, &n->key, sizeof(n->key));
		p += sizeof(n->key);
	} else if (n->key) {
		p = varint_put(p, (uint64_t)id + 1);
	}
	p = varint_put(p, line);
	if (n->nkids)
		p = varint_put(p, n->nkids);
	if (n->value) {
		p = varint_put(p, vlen);
		if (fz->nvals == fz->capvals) {
			fz->voff = xgrow(fz->voff, &fz->capvals,
					 fz->nvals + 1, sizeof(*fz->voff));
			free(fz->vals);
			fz->vals = xmalloc(fz->capvals * sizeof(*fz->vals));
		}
		fz->voff[fz->nvals++] = (size_t)(p - fz->buf);
		for (i = 0; i < KREF_N; i++)
			if (fz->refs[i] == n) {
				fz->refoff[i] = (size_t)(p - fz->buf);
				if (n->type == FN_SCALAR)
					fz->ref_scalar |= 1u << i;
			}
		memcpy(p, n->value, vlen + 1);
		p += vlen + 1;
	}
	fz->len = (size_t)(p - fz->buf);
	fz->nodes++;
	fz->kids += n->nkids;
	for (i = 0; i < n->nkids; i++)
		freeze_node(fz, n->kids[i]);
}

/* Freeze a tree into the thread's scratch; returns the bytes it takes. */
static size_t freeze_tree(const struct fnode *root)
{
	struct freezer *fz = &scratch;
	size_t i;

	fz->len = fz->nodes = fz->kids = fz->nvals = 0;
	fz->line = 0;
	fz->ref_scalar = 0;
	for (i = 0; i < KREF_N; i++) {
		fz->refs[i] = fnode_find(root, ref_paths[i]);
		fz->refoff[i] = SIZE_MAX;
	}
	freeze_node(fz, root);
	return sizeof(uint64_t) + varint_len(fz->nodes) +
		varint_len(fz->kids) + fz->len;
}

/*
 * The scratch's tree, behind its header, into the block at p; o's refs
 * point into it. Returns where the nodes begin (the scratch's offsets
 * count from there).
 */
static unsigned char *freeze_copy(unsigned char *p, struct kobject *o)
{
	struct freezer *fz = &scratch;
	uint64_t gen = atomic_fetch_add_explicit(&freeze_count, 1,
						 memory_order_relaxed) + 1;
	unsigned char *nodes;
	size_t i;

	memcpy(p, &gen, sizeof(gen));
	nodes = varint_put(p + sizeof(gen), fz->nodes);
	nodes = varint_put(nodes, fz->kids);
	memcpy(nodes, fz->buf, fz->len);
	for (i = 0; i < KREF_N; i++)
		o->ref[i] = fz->refoff[i] == SIZE_MAX ? NULL :
			(const char *)nodes + fz->refoff[i];
	o->ref_scalar = (unsigned char)fz->ref_scalar;
	return nodes;
}

static void freeze_free(void)
{
	free(scratch.buf);
	free(scratch.voff);
	free(scratch.vals);
	memset(&scratch, 0, sizeof(scratch));
}

/*
 * Decoding: into arrays of nodes and kids that the caller owns (a thaw
 * slot), or, with `own` set, into ordinary nodes that the object keeps.
 */
struct thawer {
	const unsigned char *p;
	uint32_t line;
	struct fnode *nodes;
	size_t nn;
	struct fnode **kids;
	size_t nk;
	int own;
};

static struct fnode *thaw_node(struct thawer *t)
{
	unsigned flags = *t->p++;
	const char *key = NULL;
	char *value = NULL;
	uint64_t nkids = 0, id;
	struct fnode *n;
	uint32_t i;

	if (flags & FZ_KEY) {
		id = varint_get(&t->p);
		if (id) {
			key = key_of((uint32_t)(id - 1));
		} else {
			memcpy(&key, t->p, sizeof(key));
			t->p += sizeof(key);
		}
	}
	t->line = (uint32_t)((int64_t)t->line + unzigzag(varint_get(&t->p)));
	if (flags & FZ_KIDS)
		nkids = varint_get(&t->p);
	if (flags & FZ_VALUE) {
		uint64_t len = varint_get(&t->p);

		value = (char *)t->p;
		t->p += len + 1;
	}
	if (t->own) {
		n = fnode_new((enum fnode_type)(flags & 3), t->line);
		n->value = value ? xstrdup(value) : NULL;
		if (nkids)
			n->kids = xmalloc(kids_room((uint32_t)nkids) *
					  sizeof(*n->kids));
		n->key = key;
		n->nkids = (uint32_t)nkids;
	} else {
		n = &t->nodes[t->nn++];
		*n = (struct fnode){
			.key = key,
			.value = value,
			.kids = nkids ? &t->kids[t->nk] : NULL,
			.line = t->line,
			.nkids = (uint32_t)nkids,
			.type = flags & 3,
			.packed = FN_PACKED_KIDS | FN_PACKED_VALUE,
		};
		t->nk += nkids;
	}
	for (i = 0; i < nkids; i++)
		n->kids[i] = thaw_node(t);
	return n;
}

/* The header of a frozen tree; returns where its nodes begin. */
static const unsigned char *thaw_head(const unsigned char *p, uint64_t *gen,
				      size_t *nodes, size_t *kids)
{
	memcpy(gen, p, sizeof(*gen));
	p += sizeof(*gen);
	*nodes = (size_t)varint_get(&p);
	*kids = (size_t)varint_get(&p);
	return p;
}

/*
 * Decoded trees, per thread: the last THAW_RING objects asked for. A slot
 * is known by the frozen bytes' address and freeze number, so an object
 * freed and a new one packed at the same address are not confused.
 */
#define THAW_RING 32
struct thaw_slot {
	const unsigned char *frozen;
	uint64_t gen;
	uint64_t used;		/* when last asked for: the oldest goes */
	struct fnode *nodes, *root;
	struct fnode **kids;
	size_t capn, capk;
};

static _Thread_local struct thaw_slot thaw_ring[THAW_RING];
static _Thread_local unsigned thaw_last;
static _Thread_local uint64_t thaw_clock;

static void thaw_ring_free(void)
{
	size_t i;

	for (i = 0; i < THAW_RING; i++) {
		free(thaw_ring[i].nodes);
		free(thaw_ring[i].kids);
	}
	memset(thaw_ring, 0, sizeof(thaw_ring));
	thaw_last = 0;
	thaw_clock = 0;
}

const struct fnode *kobject_root(const struct kobject *o)
{
	struct thaw_slot *s;
	struct thawer t;
	uint64_t gen;
	size_t nodes, kids;
	const unsigned char *p;
	unsigned i, victim;

	if (!o || !o->frozen)
		return o ? o->root : NULL;
	p = thaw_head(o->frozen, &gen, &nodes, &kids);
	thaw_clock++;
	s = &thaw_ring[thaw_last];
	if (s->frozen == o->frozen && s->gen == gen) {
		s->used = thaw_clock;
		return s->root;
	}
	victim = 0;
	for (i = 0; i < THAW_RING; i++) {
		s = &thaw_ring[i];
		if (s->frozen == o->frozen && s->gen == gen) {
			thaw_last = i;
			s->used = thaw_clock;
			return s->root;
		}
		if (s->used < thaw_ring[victim].used)
			victim = i;
	}
	/* A tree being walked was asked for since: the oldest is not. */
	thaw_last = victim;
	s = &thaw_ring[victim];
	s->used = thaw_clock;
	if (s->capn < nodes) {
		free(s->nodes);
		s->capn = nodes;
		s->nodes = xmalloc(nodes * sizeof(*s->nodes));
	}
	if (s->capk < kids) {
		free(s->kids);
		s->capk = kids;
		s->kids = xmalloc(kids * sizeof(*s->kids));
	}
	memset(&t, 0, sizeof(t));
	t.p = p;
	t.nodes = s->nodes;
	t.kids = s->kids;
	s->root = thaw_node(&t);
	s->frozen = o->frozen;
	s->gen = gen;
	return s->root;
}

struct fnode *kobject_root_mut(struct kobject *o)
{
	struct thawer t;
	uint64_t gen;
	size_t nodes, kids;

	if (!o->frozen)
		return o->root;
	memset(&t, 0, sizeof(t));
	t.p = thaw_head(o->frozen, &gen, &nodes, &kids);
	t.own = 1;
	o->root = thaw_node(&t);
	o->frozen = NULL;	/* its bytes stay in the pack block, unused */
	return o->root;
}

/* An owned string or array of the object, into the block. */
static void pack_owned(void *ctx, void **p, int array, size_t size)
{
	struct packer *pk = ctx;

	if (!*p || (array && !size))
		return;		/* an empty array stays where it is */
	if (array)
		*p = pack_array(pk, *p, size);
	else
		*p = pack_str(pk, *p);
}

static void pack_object(struct packer *pk, struct kobject *o)
{
	each_owned(o, pack_owned, pk);
}

/* The frozen values, as they lie at base (the scratch, or the block). */
static void place_vals(struct packer *pk, const unsigned char *base)
{
	size_t i;

	pk->vals = scratch.vals;
	pk->nvals = scratch.nvals;
	for (i = 0; i < pk->nvals; i++)
		pk->vals[i] = (const char *)base + scratch.voff[i];
}

void kobject_pack(struct kobject *o)
{
	struct packer pk;
	size_t arrays, frozen = 0;

	if (!o || o->pack || o->frozen)
		return;
	memset(&pk, 0, sizeof(pk));
	if (o->root) {
		frozen = freeze_tree(o->root);
		place_vals(&pk, scratch.buf);
	}
	pack_object(&pk, o);
	if (!pk.arrays && !pk.strings && !frozen)
		return;
	arrays = pk.arrays;
	o->pack_len = pk.arrays + pk.strings + frozen;
	o->pack = keepmem_alloc(o->pack_len);
	pk.block = o->pack;
	if (o->root) {
		unsigned char *f = (unsigned char *)o->pack + pk.arrays +
			pk.strings;

		place_vals(&pk, freeze_copy(f, o));
		fnode_free(o->root);
		o->root = NULL;
		o->frozen = f;
	}
	pk.arrays = 0;
	pk.strings = arrays;
	pk.moving = 1;
	pack_object(&pk, o);
}

static const char *kv_get(const struct kv *v, size_t n, const char *key)
{
	struct buf k = BUF_INIT;
	const char *found = NULL, *want;
	char small[256];
	size_t i, len = strlen(key);

	if (!n)
		return NULL;
	/* Stored keys went through fnode_norm_key(); so does the query. */
	if (len < sizeof(small)) {
		small[norm_into(small, key, len)] = '\0';
		want = small;
	} else {
		fnode_norm_key(&k, key, len);
		want = buf_str(&k);
	}
	for (i = 0; i < n && !found; i++)
		if (!strcmp(v[i].key, want))
			found = v[i].value;
	buf_free(&k);
	return found;
}

const char *kobject_annotation(const struct kobject *obj, const char *key)
{
	return kv_get(obj->annotations, obj->nannotations, key);
}

const char *kobject_label(const struct kobject *obj, const char *key)
{
	return kv_get(obj->labels, obj->nlabels, key);
}

const struct kcondition *kobject_condition(const struct kobject *obj,
					   const char *type)
{
	size_t i;

	for (i = 0; i < obj->nconds; i++)
		if (obj->conds[i].type && !strcmp(obj->conds[i].type, type))
			return &obj->conds[i];
	return NULL;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t parse_rfc3339(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t t;
	const char *p;

	if (!s || strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return TIME_UNKNOWN;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return TIME_UNKNOWN;
	p = s + 19;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	while (*p == ' ')
		p++;
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;

		p++;
		if (digits(p, 2, &oh))
			return TIME_UNKNOWN;
		p += 2;
		if (*p == ':')
			p++;
		if (digits(p, 2, &om))
			om = 0;
		oh *= sign;
		om *= sign;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (int64_t)timegm(&tm);
	return t - (int64_t)oh * 3600 - (int64_t)om * 60;
}

int64_t parse_age(const char *s, size_t n)
{
	int64_t total = 0, v = 0;
	size_t i;
	int have_digit = 0, units = 0;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (isdigit((unsigned char)c)) {
			if (v > (int64_t)1 << 40)
				return -1;
			v = v * 10 + (c - '0');
			have_digit = 1;
			continue;
		}
		if (!have_digit)
			return -1;
		switch (c) {
		case 'y': total += v * 365 * 86400; break;
		case 'd': total += v * 86400; break;
		case 'h': total += v * 3600; break;
		case 'm': total += v * 60; break;
		case 's': total += v; break;
		default: return -1;
		}
		v = 0;
		have_digit = 0;
		units++;
	}
	return have_digit || !units ? -1 : total;
}
