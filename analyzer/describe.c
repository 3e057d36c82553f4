/*
 * `kubectl describe` output (stage three of the pipeline). Lines are read
 * one at a time into a field tree: the header block, then the body nested
 * by indentation, with lists of maps recognized by kubectl's sorted key
 * order, then the Events table. Each complete object goes through
 * kobject_from_tree(), so describe and YAML input agree on field names.
 * The ambiguous cases and how they are decided are listed in describe.h.
 */
#include "describe.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gettable.h"

enum mode {
	M_BODY,
	M_META,		/* continuation lines of Labels: or Annotations: */
	M_EVHEAD,	/* after "Events:", before the underline */
	M_EVENTS,
	M_TABLE,	/* a `kubectl get` table, handled by gettable */
	M_SKIP,		/* the output of some other command */
};

/* An open map or list and the column of the key line that opened it. */
struct level {
	int indent;		/* -1 for the root and the implicit status */
	struct fnode *node;
	struct buf last;	/* sort key of the last key added here */
	int known_list;
	int section;		/* the root or a top-level section */
	int trailing;		/* "Key:" had trailing blanks */
};

/* One line split as "Key:<padding>value". */
struct kline {
	int indent;
	int has_key;
	int trailing;
	struct slice key;
	struct slice val;
};

struct describe {
	struct parse_ctx pc;
	struct buf line;
	char *hint;
	struct gettable_prompt prompt;	/* the last describe prompt */
	enum mode mode;
	struct gettable *table;
	/* The object in progress. */
	struct fnode *root;
	unsigned long obj_line;
	size_t obj_bytes;
	int have_name;
	int generic;		/* saw API Version, Kind, Metadata, ... */
	int partial;
	int dropping;
	struct level *lv;
	size_t nlv, caplv;
	struct buf last_top;	/* sort key of the last top-level body key */
	struct fnode *prev_scalar;	/* what a continuation line extends */
	int prev_indent;
	/* Labels: / Annotations: */
	struct fnode *meta;
	int meta_labels;
	int meta_col;
	struct fnode *meta_last;
	/* Events: */
	struct gettable_cols evcols;
	int have_evcols;
	struct kevent *ev;
	size_t nev, capev;
};

static const char *const known_lists[] = {
	"conditions", "ownerreferences", "authorizations", "challenges",
	"solvers", "dnsnames", "usages", "finalizers", "managedfields", "tls",
	"rules", "paths", "items", "ipaddresses", "uris", "emailaddresses",
	"groups",
};

static const char *const body_top[] = {
	"apiversion", "kind", "metadata", "spec", "status",
};

static int in_list(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

struct describe *describe_new(const struct parse_ctx *pc)
{
	struct describe *d = xcalloc(1, sizeof(*d));

	d->pc = *pc;
	d->hint = pc->resource_hint ? xstrdup(pc->resource_hint) : NULL;
	return d;
}

void describe_set_hint(struct describe *d, const char *resource)
{
	free(d->hint);
	d->hint = resource ? xstrdup(resource) : NULL;
}

static void warn(struct describe *d, unsigned long lineno, int col,
		 const char *msg)
{
	parse_warn(&d->pc, lineno, (unsigned long)col + 1, "%s", msg);
}

/* ---- Lines ---- */

static int count_indent(struct slice l)
{
	size_t i = 0;

	while (i < l.n && l.p[i] == ' ')
		i++;
	return (int)i;
}

static int valid_key(struct slice k, int strict)
{
	size_t i;

	if (!k.n || k.n > 100 || k.p[k.n - 1] == ' ')
		return 0;
	for (i = 0; i + 1 < k.n; i++)
		if (k.p[i] == ' ' && k.p[i + 1] == ' ')
			return 0;
	if (!strict || !memchr(k.p, ' ', k.n))
		return 1;
	/* smartLabelFor: every word starts upper case ("Is CA", "Dns Name"). */
	for (i = 0; i < k.n; i++) {
		unsigned char c = (unsigned char)k.p[i];

		if ((i == 0 || k.p[i - 1] == ' ') && !isupper(c) && !isdigit(c))
			return 0;
	}
	return 1;
}

static void split_line(struct slice l, int strict, struct kline *kl)
{
	size_t i, v;

	memset(kl, 0, sizeof(*kl));
	kl->indent = count_indent(l);
	for (i = (size_t)kl->indent; i < l.n; i++)
		if (l.p[i] == ':' && (i + 1 == l.n || l.p[i + 1] == ' '))
			break;
	if (i >= l.n)
		return;
	kl->key = slice_make(l.p + kl->indent, i - (size_t)kl->indent);
	if (!valid_key(kl->key, strict))
		return;
	kl->has_key = 1;
	for (v = i + 1; v < l.n && l.p[v] == ' '; v++)
		;
	kl->val = slice_make(l.p + v, l.n - v);
	kl->trailing = !kl->val.n && v > i + 1;
	while (kl->val.n && kl->val.p[kl->val.n - 1] == ' ')
		kl->val.n--;
	/* "...state: " is message text (Go's "%s: %s" with an empty tail). */
	if (kl->val.n && kl->val.p[kl->val.n - 1] == ':' &&
	    kl->val.p + kl->val.n < l.p + l.n)
		kl->val.n++;
}

/* The camelCase field a label came from, for Go's byte-order sorting. */
static void sort_key(struct buf *out, struct slice k)
{
	size_t i;
	int plain = 1, first = 1;

	buf_reset(out);
	for (i = 0; i < k.n; i++)
		if (!isalpha((unsigned char)k.p[i]) && k.p[i] != ' ')
			plain = 0;
	if (!plain) {
		buf_add(out, k.p, k.n);
		return;
	}
	for (i = 0; i < k.n; i++) {
		if (k.p[i] == ' ') {
			first = 0;
			continue;
		}
		buf_addc(out, first ? (char)tolower((unsigned char)k.p[i]) :
			 k.p[i]);
	}
}

static void norm_key(struct buf *out, struct slice k)
{
	buf_reset(out);
	fnode_norm_key(out, k.p, k.n);
}

static int is_ellipsis(struct slice t)
{
	return slice_eq(t, "...") || slice_eq(t, "[...]") ||
	       slice_eq(t, "(...)") || slice_eq(t, "\xe2\x80\xa6") ||
	       slice_eq(t, "[\xe2\x80\xa6]");
}

static int is_underline(struct slice t)
{
	size_t i;

	if (!t.n || t.p[0] != '-')
		return 0;
	for (i = 0; i < t.n; i++)
		if (t.p[i] != '-' && t.p[i] != ' ')
			return 0;
	return 1;
}

/* ---- Tree building ---- */

static struct level *push_level(struct describe *d, int indent,
				struct fnode *node)
{
	struct level *lv;

	d->lv = xgrow(d->lv, &d->caplv, d->nlv + 1, sizeof(*d->lv));
	lv = &d->lv[d->nlv++];
	memset(lv, 0, sizeof(*lv));
	lv->indent = indent;
	lv->node = node;
	return lv;
}

static void pop_level(struct describe *d)
{
	struct level *lv = &d->lv[--d->nlv];

	/* kubectl pads an empty scalar, never an empty map. */
	if (lv->trailing && lv->node->type == FN_MAP && !lv->node->nkids) {
		lv->node->type = FN_SCALAR;
		free(lv->node->value);
		lv->node->value = xstrdup("");
	}
	buf_free(&lv->last);
}

static void pop_to(struct describe *d, int indent)
{
	while (d->nlv > 1 && d->lv[d->nlv - 1].indent >= indent)
		pop_level(d);
}

static void pop_all(struct describe *d)
{
	while (d->nlv > 1)
		pop_level(d);
}

static struct level *top(struct describe *d)
{
	return &d->lv[d->nlv - 1];
}

static void append_text(char **value, struct slice t)
{
	struct buf b = BUF_INIT;

	if (*value && **value) {
		buf_adds(&b, *value);
		buf_addc(&b, '\n');
	}
	buf_add(&b, t.p, t.n);
	free(*value);
	*value = buf_detach(&b);
}

static void continue_scalar(struct describe *d, struct slice l)
{
	append_text(&d->prev_scalar->value, slice_trim(l));
}

/* The kind: the Kind line, else the prompt's resource, else the hint. */
static const char *guess_kind(const struct describe *d)
{
	const char *k = NULL;
	const struct fnode *n = d->root ? fnode_child(d->root, "kind") : NULL;

	if (n && n->type == FN_SCALAR && n->value && *n->value)
		return n->value;
	if (d->prompt.resource)
		k = k8s_kind_for_resource(d->prompt.resource,
					  strlen(d->prompt.resource));
	if (!k && d->hint)
		k = k8s_kind_for_resource(d->hint, strlen(d->hint));
	return k;
}

static int cert_manager_ish(const struct describe *d)
{
	const char *k = guess_kind(d);

	return !k || k8s_kind_is_cert_manager(k);
}

/* Whether kubectl's sorted key order can be relied on. */
static int sorted(const struct describe *d)
{
	return d->generic || (!d->have_name && cert_manager_ish(d));
}

/* A map whose items were printed without separators: make it a list. */
static void to_list_of_maps(struct fnode *n)
{
	struct fnode *item = fnode_new(FN_MAP, n->nkids ? n->kids[0]->line :
				       n->line);

	item->kids = n->kids;
	item->nkids = n->nkids;
	n->kids = NULL;
	n->nkids = 0;
	n->type = FN_LIST;
	fnode_add(n, NULL, 0, item);
}

static struct fnode *scalar_node(struct slice v, unsigned long lineno)
{
	struct fnode *n = fnode_new(FN_SCALAR, lineno);

	if (!slice_eq(v, "<nil>") && !slice_eq(v, "<none>"))
		n->value = xstrndup(v.p, v.n);
	return n;
}

/* Add "Key: value" or "Key:" to the map or list that level li holds. */
static void add_keyed(struct describe *d, size_t li, const struct kline *kl,
		      unsigned long lineno)
{
	struct level *p = &d->lv[li];
	struct fnode *target = p->node, *n;
	struct buf sk = BUF_INIT, nk = BUF_INIT;
	int later;

	sort_key(&sk, kl->key);
	later = !p->last.len || strcmp(sk.p, p->last.p) > 0;
	if (p->node->type == FN_LIST) {
		struct fnode *last = p->node->nkids ?
			p->node->kids[p->node->nkids - 1] : NULL;

		if (last && last->type == FN_MAP && (later || !sorted(d)))
			target = last;
		else
			target = fnode_add(p->node, NULL, 0,
					   fnode_new(FN_MAP, lineno));
	} else if (p->known_list && !p->node->nkids) {
		p->node->type = FN_LIST;
		target = fnode_add(p->node, NULL, 0, fnode_new(FN_MAP, lineno));
	} else if (!later && !p->section && p->node->nkids && sorted(d)) {
		to_list_of_maps(p->node);
		target = fnode_add(p->node, NULL, 0, fnode_new(FN_MAP, lineno));
	}
	buf_reset(&p->last);
	buf_add(&p->last, sk.p, sk.len);
	if (kl->val.n) {
		n = fnode_add(target, kl->key.p, kl->key.n,
			      scalar_node(kl->val, lineno));
		d->prev_scalar = n;
		d->prev_indent = kl->indent;
	} else {
		struct level *nl;

		n = fnode_add(target, kl->key.p, kl->key.n,
			      fnode_new(FN_MAP, lineno));
		norm_key(&nk, kl->key);
		nl = push_level(d, kl->indent, n);	/* p is stale now */
		nl->known_list = in_list(known_lists, ARRAY_SIZE(known_lists),
					 nk.p);
		nl->section = li == 0;
		nl->trailing = kl->trailing;
		d->prev_scalar = NULL;
	}
	buf_free(&sk);
	buf_free(&nk);
}

/* A line that is not "Key: value": a list element or a continuation. */
static void add_bare(struct describe *d, struct slice l, int indent,
		     unsigned long lineno)
{
	struct level *p = top(d);
	struct fnode *n;

	/* Any open "Key:" but the root takes a first bare line as a list. */
	if (p->indent >= 0 && p->node->type == FN_MAP && !p->node->nkids)
		p->node->type = FN_LIST;
	if (p->node->type == FN_LIST) {
		n = fnode_add(p->node, NULL, 0,
			      scalar_node(slice_trim(l), lineno));
		d->prev_scalar = n;
		d->prev_indent = indent;
	} else if (d->prev_scalar) {
		continue_scalar(d, l);
	}
}

/* The fragment's dedented status lines go under an implicit status. */
static int enter_implicit_status(struct describe *d, unsigned long lineno)
{
	struct fnode *st;
	struct level *lv;

	if (d->nlv > 1 && d->lv[1].indent < 0) {
		pop_to(d, 0);
		return 1;
	}
	pop_all(d);
	st = (struct fnode *)fnode_child(d->root, "status");
	if (st && st->type != FN_MAP)
		return 0;
	if (!st)
		st = fnode_add(d->root, "status", 6, fnode_new(FN_MAP, lineno));
	lv = push_level(d, -1, st);
	lv->section = 1;
	return 1;
}

/* ---- Labels and annotations ---- */

static void meta_entry(struct describe *d, struct slice t,
		       unsigned long lineno)
{
	struct slice k = t, v = slice_make(t.p + t.n, 0);
	size_t i;

	if (d->meta_labels) {
		const char *eq = memchr(t.p, '=', t.n);

		if (eq) {
			k = slice_make(t.p, (size_t)(eq - t.p));
			v = slice_make(eq + 1, t.n - (size_t)(eq + 1 - t.p));
		}
	} else {
		for (i = 0; i < t.n; i++)
			if (t.p[i] == ':' && (i + 1 == t.n || t.p[i + 1] == ' '))
				break;
		if (i < t.n) {
			k = slice_make(t.p, i);
			v = slice_trim(slice_make(t.p + i + 1, t.n - i - 1));
		}
	}
	if (!k.n)
		return;
	d->meta_last = fnode_add_scalar(d->meta, k.p, k.n, v.p, v.n, lineno);
}

static void meta_start(struct describe *d, const struct kline *kl,
		       struct slice l, int labels, unsigned long lineno)
{
	pop_all(d);
	d->prev_scalar = NULL;
	d->mode = M_META;
	d->meta = NULL;
	d->meta_last = NULL;
	d->meta_labels = labels;
	d->meta_col = -1;
	if (slice_eq(kl->val, "<none>")) {
		fnode_add(d->root, kl->key.p, kl->key.n,
			  fnode_new(FN_SCALAR, lineno));
		return;
	}
	d->meta = fnode_add(d->root, kl->key.p, kl->key.n,
			    fnode_new(FN_MAP, lineno));
	if (kl->val.n) {
		d->meta_col = (int)(kl->val.p - l.p);
		meta_entry(d, kl->val, lineno);
	}
}

static void meta_line(struct describe *d, struct slice l, int indent,
		      unsigned long lineno)
{
	struct slice t = slice_trim(l);

	if (!d->meta)
		return;
	if (d->meta_col < 0)
		d->meta_col = indent;
	/* Long annotations: "key:" then the value lines, indented further. */
	if (indent > d->meta_col && d->meta_last && !d->meta_labels)
		append_text(&d->meta_last->value, t);
	else
		meta_entry(d, t, lineno);
}

/* ---- Events ---- */

static char *cell_dup(const struct slice *cells, int i)
{
	if (i < 0 || !cells[i].n)
		return NULL;
	return xstrndup(cells[i].p, cells[i].n);
}

static void events_start(struct describe *d, const struct kline *kl)
{
	pop_all(d);
	d->prev_scalar = NULL;
	if (slice_eq(kl->val, "<none>"))
		return;
	d->mode = M_EVHEAD;
	d->have_evcols = 0;
}

static int event_row(struct describe *d, struct slice l, int indent,
		     unsigned long lineno)
{
	struct slice cells[GETTABLE_MAX_COLS];
	const struct gettable_cols *c = &d->evcols;
	int type = gettable_cols_find(c, "type");
	int reason = gettable_cols_find(c, "reason");
	int age = gettable_cols_find(c, "age");
	int last = gettable_cols_find(c, "lastseen");
	int first = gettable_cols_find(c, "firstseen");
	int count = gettable_cols_find(c, "count");
	int from = gettable_cols_find(c, "from");
	int msg = gettable_cols_find(c, "message");
	struct kevent ev;

	/* No columns yet (an underline came before any header): no cells. */
	if (!c->n || indent < 1 || indent > (int)c->start[0] + 1)
		return 0;
	gettable_cols_split(c, l, cells);
	if (!cells[0].n || memchr(cells[0].p, ' ', cells[0].n) ||
	    reason < 0 || !cells[reason].n)
		return 0;
	memset(&ev, 0, sizeof(ev));
	kevent_clear(&ev);
	ev.type = cell_dup(cells, type);
	ev.reason = cell_dup(cells, reason);
	ev.from = cell_dup(cells, from);
	ev.message = cell_dup(cells, msg);
	if (age >= 0) {
		ev.age = cell_dup(cells, age);
		gettable_event_age(&ev, cells[age]);
	} else {
		/* kubectl <= 1.9: FirstSeen LastSeen Count ... */
		ev.count = 1;
		if (last >= 0) {
			ev.age = cell_dup(cells, last);
			ev.last_age_s = parse_age(cells[last].p, cells[last].n);
		}
		if (first >= 0)
			ev.first_age_s = parse_age(cells[first].p,
						   cells[first].n);
		if (count >= 0 && cells[count].n &&
		    isdigit((unsigned char)cells[count].p[0]))
			ev.count = strtoul(cells[count].p, NULL, 10);
	}
	ev.source = d->pc.source;
	ev.line = lineno;
	d->ev = xgrow(d->ev, &d->capev, d->nev + 1, sizeof(*d->ev));
	d->ev[d->nev++] = ev;
	return 1;
}

static int is_top_key_line(struct slice l)
{
	struct kline kl;
	struct buf nk = BUF_INIT;
	int top_key;

	split_line(l, 1, &kl);
	if (!kl.has_key)
		return 0;
	norm_key(&nk, kl.key);
	top_key = in_list(body_top, ARRAY_SIZE(body_top), nk.p) ||
		!strcmp(nk.p, "namespace") || !strcmp(nk.p, "labels") ||
		!strcmp(nk.p, "annotations") || !strcmp(nk.p, "events");
	buf_free(&nk);
	return top_key;
}

/* Returns 0 when the line is not part of the Events block. */
static int events_line(struct describe *d, struct slice l, int indent,
		       unsigned long lineno)
{
	struct slice t = slice_trim(l);

	if (d->mode == M_EVHEAD) {
		if (is_underline(t)) {
			d->mode = M_EVENTS;
			return 1;
		}
		if (!d->have_evcols && indent > 0) {
			struct gettable_cols c;

			gettable_cols_parse(&c, l);
			if (gettable_cols_find(&c, "reason") >= 0 &&
			    gettable_cols_find(&c, "message") >= 0) {
				d->evcols = c;
				d->have_evcols = 1;
				return 1;
			}
		}
		if (!d->have_evcols) {
			/* No header pasted: assume today's columns. */
			static const char def[] =
				"  Type  Reason  Age  From  Message";

			if (!indent)
				return 0;
			gettable_cols_parse(&d->evcols, slice_make(def,
								   sizeof(def) - 1));
			d->have_evcols = 1;
		}
		d->mode = M_EVENTS;
	}
	if (indent == 0 && is_top_key_line(l))
		return 0;
	if (event_row(d, l, indent, lineno))
		return 1;
	if (d->nev) {
		/* A message with newlines goes on at column 0 or padded. */
		append_text(&d->ev[d->nev - 1].message, t);
		return 1;
	}
	if (!indent)
		return 0;
	warn(d, lineno, indent, "not an event row; ignored");
	return 1;
}

/* ---- Objects ---- */

static void start_object(struct describe *d, unsigned long lineno)
{
	struct level *lv;

	d->root = fnode_new(FN_MAP, lineno);
	d->obj_line = lineno;
	d->obj_bytes = 0;
	d->have_name = 0;
	d->generic = 0;
	d->partial = 0;
	d->dropping = 0;
	d->nlv = 0;
	lv = push_level(d, -1, d->root);
	lv->section = 1;
	buf_reset(&d->last_top);
	d->prev_scalar = NULL;
	d->mode = M_BODY;
	d->meta = d->meta_last = NULL;
}

static void drop_events(struct describe *d)
{
	size_t i;

	for (i = 0; i < d->nev; i++)
		kevent_clear(&d->ev[i]);
	d->nev = 0;
}

static void discard_object(struct describe *d)
{
	pop_all(d);
	if (d->nlv)
		pop_level(d);
	fnode_free(d->root);
	d->root = NULL;
	d->prev_scalar = NULL;
	d->meta = d->meta_last = NULL;
	drop_events(d);
}

/* Set a top-level scalar unless the tree already has a non-empty one. */
static void ensure_scalar(struct fnode *root, const char *key,
			  const char *value, unsigned long lineno)
{
	struct fnode *n = (struct fnode *)fnode_child(root, key);

	if (!value)
		return;
	if (!n) {
		fnode_add_scalar(root, key, strlen(key), value, strlen(value),
				 lineno);
	} else if (n->type == FN_SCALAR && (!n->value || !*n->value)) {
		free(n->value);
		n->value = xstrdup(value);
	}
}

static void finish_object(struct describe *d)
{
	struct kobject *obj;
	const char *kind;
	size_t i;

	if (d->mode == M_META || d->mode == M_EVHEAD || d->mode == M_EVENTS)
		d->mode = M_BODY;
	if (!d->root)
		return;
	if (!d->root->nkids && !d->nev) {
		discard_object(d);
		return;
	}
	pop_all(d);
	pop_level(d);
	kind = guess_kind(d);
	ensure_scalar(d->root, "kind", kind, d->obj_line);
	ensure_scalar(d->root, "name", d->prompt.name ? d->prompt.name :
		      DESCRIBE_UNNAMED, d->obj_line);
	if (!fnode_child(d->root, "namespace"))
		ensure_scalar(d->root, "namespace", d->prompt.ns, d->obj_line);
	obj = kobject_from_tree(d->root, ORIGIN_DESCRIBE, d->pc.source,
				d->obj_line);
	d->root = NULL;
	d->prev_scalar = NULL;
	d->meta = d->meta_last = NULL;
	if (!obj) {
		drop_events(d);
		return;
	}
	obj->partial = d->partial || !d->have_name;
	for (i = 0; i < d->nev; i++) {
		struct kevent *ev = &d->ev[i];

		ev->obj_kind = obj->kind ? xstrdup(obj->kind) : NULL;
		ev->obj_ns = obj->ns ? xstrdup(obj->ns) : NULL;
		ev->obj_name = obj->name ? xstrdup(obj->name) : NULL;
		kobject_add_event(obj, ev);
	}
	d->nev = 0;
	if (d->pc.on_object)
		d->pc.on_object(obj, d->pc.ctx);
	else
		kobject_free(obj);
}

/* ---- Body ---- */

/* A key line whose parent is the root. */
static void root_key(struct describe *d, const struct kline *kl,
		     struct slice l, unsigned long lineno)
{
	struct buf nk = BUF_INIT, sk = BUF_INIT;
	int is_top;

	norm_key(&nk, kl->key);
	sort_key(&sk, kl->key);
	is_top = in_list(body_top, ARRAY_SIZE(body_top), nk.p);
	/* Metadata, Spec and Status are maps: with a value only in Pods. */
	if (d->generic && is_top && kl->val.n && strcmp(nk.p, "apiversion") &&
	    strcmp(nk.p, "kind"))
		is_top = 0;
	if (!strcmp(nk.p, "namespace")) {
		pop_all(d);
		add_keyed(d, 0, kl, lineno);
	} else if (d->generic) {
		if (is_top && (!d->last_top.len ||
			       strcmp(sk.p, d->last_top.p) > 0)) {
			pop_all(d);
			buf_reset(&d->last_top);
			buf_add(&d->last_top, sk.p, sk.len);
			add_keyed(d, 0, kl, lineno);
		} else if (d->prev_scalar) {
			continue_scalar(d, l);
		} else {
			pop_all(d);
			add_keyed(d, 0, kl, lineno);
		}
	} else if (is_top) {
		pop_all(d);
		buf_reset(&d->last_top);
		buf_add(&d->last_top, sk.p, sk.len);
		if (strcmp(nk.p, "spec") && strcmp(nk.p, "status"))
			d->generic = 1;
		else if (!kl->val.n)
			d->generic = 1;
		add_keyed(d, 0, kl, lineno);
	} else if (!d->have_name && cert_manager_ish(d) &&
		   enter_implicit_status(d, lineno)) {
		struct level *st = top(d);

		if (d->prev_scalar && st->last.len &&
		    strcmp(sk.p, st->last.p) <= 0)
			continue_scalar(d, l);
		else
			add_keyed(d, d->nlv - 1, kl, lineno);
	} else {
		pop_all(d);
		add_keyed(d, 0, kl, lineno);
	}
	buf_free(&nk);
	buf_free(&sk);
}

static void body_line(struct describe *d, struct slice l,
		      unsigned long lineno)
{
	struct kline kl;
	struct buf nk = BUF_INIT;

	split_line(l, d->generic, &kl);
	if (d->prev_scalar && kl.indent > d->prev_indent) {
		if (!kl.has_key || sorted(d)) {
			continue_scalar(d, l);
			return;
		}
		/* Pod describe: "State: Running" then "  Started: ...". */
		d->prev_scalar->type = FN_MAP;
		push_level(d, d->prev_indent, d->prev_scalar);
		d->prev_scalar = NULL;
	}
	if (kl.has_key && kl.indent == 0) {
		norm_key(&nk, kl.key);
		if (!strcmp(nk.p, "labels") || !strcmp(nk.p, "annotations"))
			meta_start(d, &kl, l, !strcmp(nk.p, "labels"), lineno);
		else if (!strcmp(nk.p, "events"))
			events_start(d, &kl);
		else
			root_key(d, &kl, l, lineno);
		buf_free(&nk);
		return;
	}
	if (kl.indent == 0) {
		if (d->prev_scalar)
			continue_scalar(d, l);
		return;
	}
	pop_to(d, kl.indent);
	if (d->nlv == 1) {
		if (kl.has_key)
			root_key(d, &kl, l, lineno);
		else if (d->prev_scalar)
			continue_scalar(d, l);
		return;
	}
	if (kl.has_key)
		add_keyed(d, d->nlv - 1, &kl, lineno);
	else
		add_bare(d, l, kl.indent, lineno);
}

/* ---- Driving ---- */

static void leave_table(struct describe *d)
{
	if (d->mode == M_TABLE)
		gettable_end(d->table);
	d->mode = M_BODY;
}

static void enter_table(struct describe *d)
{
	finish_object(d);
	if (!d->table)
		d->table = gettable_new(&d->pc);
	d->mode = M_TABLE;
}

static void on_prompt(struct describe *d, struct gettable_prompt *p,
		      struct slice raw, unsigned long lineno)
{
	finish_object(d);
	leave_table(d);
	d->dropping = 0;
	gettable_prompt_free(&d->prompt);
	if (p->verb && !strcmp(p->verb, "get") &&
	    (!p->output || !strcmp(p->output, "wide") ||
	     !strncmp(p->output, "custom-columns", 14))) {
		enter_table(d);
		gettable_line(d->table, raw, lineno);
		gettable_prompt_free(p);
		return;
	}
	if (p->verb && !strcmp(p->verb, "describe")) {
		d->prompt = *p;
		memset(p, 0, sizeof(*p));
		return;
	}
	gettable_prompt_free(p);
	d->mode = M_SKIP;
}

/* Whether a line may start a fragment (no Name: line before it). */
static int starts_fragment(struct describe *d, struct slice l)
{
	struct kline kl;

	split_line(l, 0, &kl);
	if (!kl.has_key)
		return 0;
	return d->prompt.verb || is_top_key_line(l);
}

void describe_line(struct describe *d, struct slice raw, unsigned long lineno)
{
	struct gettable_prompt p;
	struct slice l = gettable_clean_line(&d->line, raw), t;
	int indent;

	if (gettable_prompt_parse(l, &p)) {
		on_prompt(d, &p, raw, lineno);
		return;
	}
	if (slice_starts(l, "Name:")) {
		struct kline kl;

		leave_table(d);
		finish_object(d);
		start_object(d, lineno);
		d->have_name = 1;
		split_line(l, 0, &kl);
		fnode_add(d->root, "name", 4, scalar_node(kl.val, lineno));
		d->obj_bytes = raw.n + 1;
		return;
	}
	if (d->mode == M_TABLE) {
		gettable_line(d->table, raw, lineno);
		return;
	}
	if (d->mode == M_SKIP)
		return;
	t = slice_trim(l);
	if (is_ellipsis(t) || slice_starts(t, "```")) {
		if (d->root)
			d->partial = 1;
		return;
	}
	if (!t.n) {
		/* A blank line ends continuations and the Events table. */
		d->prev_scalar = NULL;
		if (d->mode == M_EVENTS || d->mode == M_EVHEAD)
			d->mode = M_BODY;
		return;
	}
	indent = count_indent(l);
	if (!indent && gettable_header_line(l)) {
		enter_table(d);
		gettable_line(d->table, raw, lineno);
		return;
	}
	if (d->dropping)
		return;
	if (!d->root) {
		if (!starts_fragment(d, l))
			return;
		start_object(d, lineno);
	}
	d->obj_bytes += raw.n + 1;
	if (d->pc.max_object_bytes && d->obj_bytes > d->pc.max_object_bytes) {
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "object from line %lu is larger than %zu bytes; "
			 "dropped", d->obj_line, d->pc.max_object_bytes);
		warn(d, lineno, 0, msg.p);
		buf_free(&msg);
		discard_object(d);
		d->mode = M_BODY;
		d->dropping = 1;
		return;
	}
	if (d->mode == M_META) {
		if (indent > 0) {
			meta_line(d, l, indent, lineno);
			return;
		}
		d->mode = M_BODY;
	}
	if (d->mode == M_EVHEAD || d->mode == M_EVENTS) {
		if (events_line(d, l, indent, lineno))
			return;
		d->mode = M_BODY;
	}
	body_line(d, l, lineno);
}

void describe_end(struct describe *d)
{
	finish_object(d);
	leave_table(d);
	d->dropping = 0;
}

void describe_free(struct describe *d)
{
	if (!d)
		return;
	discard_object(d);
	free(d->lv);
	free(d->ev);
	buf_free(&d->last_top);
	buf_free(&d->line);
	free(d->hint);
	gettable_prompt_free(&d->prompt);
	if (d->table)
		gettable_free(d->table);
	free(d);
}
