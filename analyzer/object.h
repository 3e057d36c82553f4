/*
 * The normalized object model: one shape for a Kubernetes object whatever
 * it was read from (YAML, JSON, kubectl describe, a get table). Parsers
 * build a generic field tree (struct fnode) with keys normalized so that
 * "authorizationURL" (YAML/JSON) and "Authorization URL" (describe) are the
 * same key; kobject_from_tree() then lifts metadata, conditions, owner
 * references and events out of it, the same way for every source.
 *
 * Ownership: a kobject owns its strings, its field tree and its events;
 * kobject_free() releases all of it. An fnode owns its key, value and
 * children; fnode_free() releases the subtree. `source` strings are
 * borrowed (entry paths, which the caller keeps alive).
 */
#ifndef KTRIAGE_OBJECT_H
#define KTRIAGE_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "util.h"

#define TIME_UNKNOWN INT64_MIN

enum fnode_type {
	FN_SCALAR,
	FN_MAP,
	FN_LIST,
};

/*
 * 32 bytes: a kept object is mostly its nodes. A kids array that is not
 * in a pack block has room for a power of two of kids, at least two
 * (fnode_add()), so its size need not be kept.
 */
struct fnode {
	const char *key;	/* normalized and interned (fnode_intern());
				 * NULL for list items */
	char *value;		/* scalars; NULL for null/<nil>/<none> */
	struct fnode **kids;
	uint32_t line;		/* where it was written; 0 if unknown */
	uint32_t nkids : 28;	/* at most FN_MAX_KIDS */
	uint32_t type : 2;	/* enum fnode_type */
	uint32_t packed : 2;	/* FN_PACKED_*: in its object's pack block */
};

/* More kids than a bounded item can hold (a kid takes 2 bytes or more). */
#define FN_MAX_KIDS ((1u << 28) - 1)

/* Which of a node's arrays live in a kobject's pack block (kobject_pack). */
#define FN_PACKED_KIDS 1
#define FN_PACKED_VALUE 2

/*
 * One shared copy of a key for every node that has it: objects of one
 * kind repeat the same few hundred keys. The copies live until
 * fnode_intern_free() at the end of the program.
 */
const char *fnode_intern(const char *s, size_t n);
/* At the end of the program, after every other thread has ended. */
void fnode_intern_free(void);
/* A thread that built trees, before it ends: its own caches go. */
void fnode_thread_end(void);

/* Allocation and building. Keys are normalized by fnode_add(). */
struct fnode *fnode_new(enum fnode_type type, unsigned long line);
void fnode_free(struct fnode *n);

/* Whether two trees are the same: types, keys, values, lines, order. */
int fnode_same(const struct fnode *a, const struct fnode *b);
/* Append child under key (raw, normalized here; NULL for list items). */
struct fnode *fnode_add(struct fnode *parent, const char *raw_key,
			size_t keylen, struct fnode *child);
/* Convenience: append a scalar child (value may be NULL). */
struct fnode *fnode_add_scalar(struct fnode *parent, const char *raw_key,
			       size_t keylen, const char *value, size_t vlen,
			       unsigned long line);

/*
 * Normalize a key: keys made only of ASCII letters and spaces are
 * lower-cased with the spaces removed ("Authorization URL" and
 * "authorizationURL" both give "authorizationurl"); any other key
 * (annotation names, "http01", "route53") is kept verbatim, exactly as
 * kubectl describe prints it.
 */
void fnode_norm_key(struct buf *out, const char *raw, size_t n);

/* Child of a map by normalized or raw key, or NULL. */
const struct fnode *fnode_child(const struct fnode *map, const char *key);

/*
 * Look up a dotted path ("status.reason", "spec.acme.server"); path
 * segments are normalized like keys. A segment may be a whole annotation
 * name in brackets: metadata.annotations[acme.cert-manager.io/x]. Lists are
 * searched: the first element that has the rest of the path wins; use
 * fnode_find_all() to see every one. Returns NULL when absent.
 */
const struct fnode *fnode_find(const struct fnode *root, const char *path);

typedef void (*fnode_visit_fn)(const struct fnode *n, void *ctx);
/* Call fn for every node the path reaches through any list element. */
void fnode_find_all(const struct fnode *root, const char *path,
		    fnode_visit_fn fn, void *ctx);

struct kv {
	char *key;
	char *value;
};

struct owner_ref {
	char *api_version;
	char *kind;
	char *name;
	char *uid;
	int controller;
};

struct kcondition {
	char *type;
	char *status;
	char *reason;
	char *message;
	char *last_transition;	/* as written */
	int64_t last_transition_ts;	/* unix seconds or TIME_UNKNOWN */
	unsigned long line;
};

struct kevent {
	char *type;		/* Normal, Warning */
	char *reason;
	char *message;
	char *from;		/* source component */
	char *age;		/* as written in a table: "101s (x3 over 106s)" */
	unsigned long count;
	int64_t first_seen;	/* unix seconds or TIME_UNKNOWN */
	int64_t last_seen;
	int64_t last_age_s;	/* seconds before "now", from a table; -1 */
	int64_t first_age_s;
	/* The object it concerns (from involvedObject or the describe). */
	char *obj_kind;
	char *obj_ns;
	char *obj_name;
	const char *source;
	unsigned long line;
};

enum kobject_origin {
	ORIGIN_YAML,
	ORIGIN_JSON,
	ORIGIN_DESCRIBE,
	ORIGIN_TABLE,
};

struct kobject {
	char *api_version;
	char *kind;
	char *ns;		/* NULL for cluster-scoped or unknown */
	char *name;
	char *uid;
	struct kv *labels;
	size_t nlabels;
	struct kv *annotations;
	size_t nannotations;
	struct owner_ref *owners;
	size_t nowners;
	struct kcondition *conds;
	size_t nconds;
	struct kevent *events;
	size_t nevents, capevents;
	struct fnode *root;	/* the whole object, normalized keys; NULL
				 * once frozen: read it with kobject_root() */
	const unsigned char *frozen;	/* the tree, frozen in the pack */
	/*
	 * Values every pass at the end reads (kobject_ref()), found when the
	 * tree is frozen so that reading them decodes nothing: pointers into
	 * the frozen bytes, NULL where the tree has no such value.
	 */
	const char *ref[5];
	unsigned char ref_scalar;	/* bit k: ref[k]'s node is a scalar */
	int64_t created;	/* creationTimestamp, unix seconds */
	enum kobject_origin origin;
	int partial;		/* 1: a get table row or describe fragment;
				 * 2: known only from events about it */
	const char *source;
	unsigned long line;
	char *pack;		/* kobject_pack()'s block, or NULL */
	size_t pack_len;
};

/*
 * Build an object from a field tree (taking ownership of root). Works for
 * trees from YAML/JSON (metadata.name, metadata.ownerReferences, ...) and
 * from describe (Name/Namespace/Labels/Annotations at the top level,
 * "Owner References", "Last Transition Time"). Returns NULL (and frees
 * root) when the tree is not an object (no kind and no name).
 */
struct kobject *kobject_from_tree(struct fnode *root, enum kobject_origin o,
				  const char *source, unsigned long line);
void kobject_free(struct kobject *obj);

/*
 * Move an object's strings and arrays (labels, annotations, owners,
 * conditions) into one block, for an object that is kept, and freeze its
 * field tree there: written as bytes, its nodes freed. A kept object
 * then costs about a third of its memory as built. Read the tree with
 * kobject_root(); kobject_add_event() still works. Events are not packed.
 */
void kobject_pack(struct kobject *obj);

/*
 * The object's field tree (NULL for none). A frozen tree is decoded on the
 * calling thread into one of 32 slots of that thread, and the slot asked
 * for longest ago is the one used again: the nodes stay valid until 32
 * other objects' trees have been asked for on this thread since this one
 * was (a rule looking at a few related objects while it walks this tree
 * is safe). Values stay valid as long as the object. Do not change it.
 */
const struct fnode *kobject_root(const struct kobject *obj);
/* The values kobject_ref() gives. */
enum kobject_ref_field {
	KREF_ISSUER_NAME,	/* spec.issuerRef.name */
	KREF_ISSUER_KIND,	/* spec.issuerRef.kind */
	KREF_SECRET_NAME,	/* spec.secretName */
	KREF_NOT_AFTER,		/* status.notAfter */
	KREF_STATE,		/* status.state */
	KREF_N
};

/*
 * The value at that path (of a scalar node only, with scalar_only), as
 * fnode_find() on the tree gives it, without decoding a frozen tree.
 */
const char *kobject_ref(const struct kobject *obj, enum kobject_ref_field f,
			int scalar_only);

/* Whether the object has a field tree, without decoding it. */
static inline int kobject_has_tree(const struct kobject *obj)
{
	return obj->root || obj->frozen;
}

/* The tree for a change: a frozen tree is decoded for good first. */
struct fnode *kobject_root_mut(struct kobject *obj);

/* Append an event (its strings are taken over; ev is cleared). */
void kobject_add_event(struct kobject *obj, struct kevent *ev);
void kevent_clear(struct kevent *ev);

/* Annotation or label value by exact key, or NULL. */
const char *kobject_annotation(const struct kobject *obj, const char *key);
const char *kobject_label(const struct kobject *obj, const char *key);
/* The condition of the given type (e.g. "Ready"), or NULL. */
const struct kcondition *kobject_condition(const struct kobject *obj,
					   const char *type);

/* Parse an RFC 3339 time ("2024-05-01T10:00:00Z", fractions, offsets). */
int64_t parse_rfc3339(const char *s);

/*
 * Parse a kubectl age ("106s", "2m15s", "3h", "5d4h", "2y3d") into
 * seconds; returns -1 when it is not an age.
 */
int64_t parse_age(const char *s, size_t n);

#endif
