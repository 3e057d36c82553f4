/*
 * YAML documents to objects (stage three of the pipeline, after detect).
 * Lines are collected per YAML document and each document is read into a
 * field tree, by the fast reader (yamlfast.c) when it is the regular YAML
 * kubectl prints and by libyaml's event API when the fast reader
 * declines; kobject_from_tree() turns trees into objects, and a List or a
 * top-level sequence is split into its items.
 * Aliases are never expanded, nesting is capped, and a document libyaml
 * rejects gets one repair attempt (tabs and shifted indentation from copy
 * and paste) before it is reported and dropped.
 */
#include "yamldoc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "input.h"
#include "object.h"
#include "yamlfast.h"

/* Longest run of missing line numbers filled with empty lines. */
#define GAP_FILL_MAX 4096

/* Text collected to be read as one piece: a document, or a List item. */
struct chunk {
	struct buf text;
	unsigned long line;	/* the line number of its first line */
	int oversize;		/* it grew past the limit and is dropped */
};

struct yamldoc {
	struct parse_ctx pc;
	size_t max;
	struct chunk doc;	/* the current document; while a List's items
				 * stream, the lines around them */
	struct chunk item;	/* the List item being collected */
	size_t peak;		/* most buffer bytes held at once */
	int have_doc;		/* a document is open (it has a line) */
	int has_content;	/* doc has a line other than ---, blank or # */
	int not_list;		/* doc has a kind: that is no List */
	int items_next;		/* the last content line was "items:" */
	int in_items;		/* lines go to item, one item at a time */
	int streamed;		/* this document's items were streamed */
	unsigned long next_line;	/* the number the next line should have */
	int started;		/* a line was seen (for the prompt rule) */
};

/* One open mapping or sequence while a document is built from events. */
struct frame {
	struct fnode *n;
	struct buf key;		/* a mapping's pending key; the buffer stays
				 * with the slot and is reused */
	unsigned long key_line;
	int have_key;
	int is_key;		/* a complex key: built, then thrown away */
};

enum {
	BUILD_OK = 0,
	BUILD_BAD_YAML = -1,
	BUILD_TOO_DEEP = -2,
};

/* The state of reading one document buffer. */
struct build {
	unsigned long base;	/* line number of the buffer's first line */
	struct frame *st;
	size_t depth, cap;
	size_t used;		/* slots of st whose key buffer is set up */
	struct fnode *root;	/* the document being built */
	struct fnode **docs;	/* finished documents, in order */
	size_t ndocs, capdocs;
	unsigned long err_line, err_col;
	struct buf err;		/* libyaml's problem, when it failed */
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void warn(const struct yamldoc *p, unsigned long line,
		 unsigned long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	parse_vwarn(&p->pc, line, col, fmt, ap);
	va_end(ap);
}

/* ---- Building a field tree from libyaml events. ---- */

static void build_init(struct build *b, unsigned long base)
{
	memset(b, 0, sizeof(*b));
	b->base = base;
}

static void build_free(struct build *b)
{
	size_t i;

	/* Open nodes hang off root, except complex keys, which hang nowhere. */
	for (i = 0; i < b->depth; i++)
		if (b->st[i].is_key)
			fnode_free(b->st[i].n);
	for (i = 0; i < b->used; i++)
		buf_free(&b->st[i].key);
	free(b->st);
	fnode_free(b->root);
	for (i = 0; i < b->ndocs; i++)
		fnode_free(b->docs[i]);
	free(b->docs);
	buf_free(&b->err);
	memset(b, 0, sizeof(*b));
}

static int is_null_word(const char *v, size_t n)
{
	return n == 0 || (n == 1 && v[0] == '~') ||
	       (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) ||
			   !memcmp(v, "NULL", 4)));
}

static void push(struct build *b, struct fnode *n, int is_key)
{
	struct frame *f;

	b->st = xgrow(b->st, &b->cap, b->depth + 1, sizeof(*b->st));
	f = &b->st[b->depth];
	if (b->depth == b->used) {
		memset(&f->key, 0, sizeof(f->key));
		b->used++;
	}
	b->depth++;
	f->n = n;
	buf_reset(&f->key);
	f->key_line = 0;
	f->have_key = 0;
	f->is_key = is_key;
}

/* Keys are copied: libyaml frees an event's text with the event. */
static void set_key(struct frame *f, const char *key, size_t keylen,
		    unsigned long line)
{
	buf_reset(&f->key);
	buf_add(&f->key, key, keylen);
	f->key_line = line;
	f->have_key = 1;
}

/*
 * Put a new node where the events say it goes: the document root, the
 * next item of a sequence, or a mapping's value. A value takes the line
 * of its key, which is where a reader looks for it. A scalar key never
 * comes here (add_scalar() keeps it as the pending key); a container in
 * a key's place is a complex key, built and then thrown away.
 */
static void place(struct build *b, struct fnode *n, int container)
{
	struct frame *top = b->depth ? &b->st[b->depth - 1] : NULL;
	int is_key = 0;

	if (!top) {
		fnode_free(b->root);
		b->root = n;
	} else if (top->n->type == FN_LIST) {
		fnode_add(top->n, NULL, 0, n);
	} else if (!top->have_key) {
		is_key = 1;
	} else {
		n->line = top->key_line;
		fnode_add(top->n, buf_str(&top->key), top->key.len, n);
		buf_reset(&top->key);
		top->have_key = 0;
	}
	if (container)
		push(b, n, is_key);
}

static void pop(struct build *b)
{
	struct frame *f;

	if (!b->depth)
		return;
	f = &b->st[--b->depth];
	if (f->is_key) {
		/* A mapping or sequence used as a key: keep an empty key. */
		unsigned long line = f->n->line;

		fnode_free(f->n);
		if (b->depth)
			set_key(&b->st[b->depth - 1], "", 0, line);
	}
}

static void finish_doc(struct build *b)
{
	if (!b->root)
		return;
	b->docs = xgrow(b->docs, &b->capdocs, b->ndocs + 1, sizeof(*b->docs));
	b->docs[b->ndocs++] = b->root;
	b->root = NULL;
}

/*
 * The builder's steps, one per kind of event; libyaml's events (on_event)
 * and the fast reader's (fast_sink) both come through them, so the two
 * paths build the same tree.
 */
static void doc_start(struct build *b)
{
	fnode_free(b->root);
	b->root = NULL;
}

static int open_node(struct build *b, int is_seq, unsigned long line,
		     unsigned long col)
{
	if (b->depth >= YAMLDOC_MAX_DEPTH) {
		b->err_line = line;
		b->err_col = col;
		return BUILD_TOO_DEEP;
	}
	place(b, fnode_new(is_seq ? FN_LIST : FN_MAP, line), 1);
	return BUILD_OK;
}

/* A plain untagged scalar may be a null word; any other keeps its text. */
static void add_scalar(struct build *b, const char *v, size_t len,
		       int plain, unsigned long line)
{
	struct frame *top = b->depth ? &b->st[b->depth - 1] : NULL;
	int null = plain && is_null_word(v, len);
	struct fnode *n;

	if (top && top->n->type != FN_LIST && !top->have_key) {
		/* A key: no node for it, only the pending key. */
		if (null)
			set_key(top, "", 0, line);
		else
			set_key(top, v, strnlen(v, len), line);
		return;
	}
	n = fnode_new(FN_SCALAR, line);
	if (!null)
		n->value = xstrndup(v, len);
	place(b, n, 0);
}

static int on_event(struct build *b, const yaml_event_t *ev)
{
	unsigned long line = b->base + (unsigned long)ev->start_mark.line;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		doc_start(b);
		break;
	case YAML_DOCUMENT_END_EVENT:
		finish_doc(b);
		break;
	case YAML_SCALAR_EVENT:
		add_scalar(b, (const char *)ev->data.scalar.value,
			   ev->data.scalar.length,
			   ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			   !ev->data.scalar.tag, line);
		break;
	case YAML_ALIAS_EVENT:
		/* Never expanded: that is how billion-laughs input stays small. */
		add_scalar(b, NULL, 0, 1, line);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return open_node(b, ev->type == YAML_SEQUENCE_START_EVENT, line,
				 (unsigned long)ev->start_mark.column + 1);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		pop(b);
		break;
	default:
		break;
	}
	return BUILD_OK;
}

/*
 * The fast reader's events. A node nested too deep stops it, so that
 * libyaml reads the document again and the warning names the column.
 */
static int fast_doc_start(void *ctx)
{
	doc_start(ctx);
	return 0;
}

static int fast_doc_end(void *ctx)
{
	finish_doc(ctx);
	return 0;
}

static int fast_start(void *ctx, int is_seq, unsigned long line)
{
	struct build *b = ctx;

	return open_node(b, is_seq, b->base + line, 0) != BUILD_OK;
}

static int fast_end(void *ctx)
{
	pop(ctx);
	return 0;
}

static int fast_scalar(void *ctx, const char *v, size_t n,
		       enum yamlfast_style style, unsigned long line)
{
	struct build *b = ctx;

	add_scalar(b, v, n, style == YAMLFAST_PLAIN, b->base + line);
	return 0;
}

static const struct yamlfast_sink fast_sink = {
	fast_doc_start, fast_doc_end, fast_start, fast_end, fast_scalar,
};

/* Count the lines before offset off: libyaml gives reader errors so. */
static void offset_mark(const char *text, size_t len, size_t off,
			unsigned long *line, unsigned long *col)
{
	size_t i, bol = 0;

	*line = 0;
	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	}
	*col = (unsigned long)(off - bol) + 1;
}

static void set_error(struct build *b, const yaml_parser_t *yp,
		      const char *text, size_t len)
{
	unsigned long line, col;

	buf_reset(&b->err);
	if (yp->error == YAML_READER_ERROR) {
		offset_mark(text, len, yp->problem_offset, &line, &col);
		buf_adds(&b->err, yp->problem ? yp->problem : "unreadable");
		if (yp->problem_value != -1)
			buf_addf(&b->err, " (#%X)", (unsigned)yp->problem_value);
	} else if (yp->problem_mark.index >= len && len &&
		   text[len - 1] == '\n') {
		/* At the end of the text: name the last line, not the next. */
		offset_mark(text, len, len - 1, &line, &col);
	} else {
		line = (unsigned long)yp->problem_mark.line;
		col = (unsigned long)yp->problem_mark.column + 1;
	}
	if (yp->error != YAML_READER_ERROR) {
		buf_adds(&b->err, yp->problem ? yp->problem :
			 yp->error == YAML_MEMORY_ERROR ? "out of memory" :
			 "unknown error");
		if (yp->context)
			buf_addf(&b->err, " %s", yp->context);
		/* Where an unclosed quote or bracket began. */
		if (yp->context && yp->context_mark.line != line)
			buf_addf(&b->err, " (from line %lu)", b->base +
				 (unsigned long)yp->context_mark.line);
	}
	b->err_line = b->base + line;
	b->err_col = col;
}

/* Read one buffer of YAML (normally one document) into b. */
static int run_parser(struct build *b, const char *text, size_t len)
{
	yaml_parser_t yp;
	yaml_event_t ev;
	int rc = BUILD_OK, done = 0;

	if (!yaml_parser_initialize(&yp)) {
		b->err_line = b->base;
		b->err_col = 0;
		buf_adds(&b->err, "libyaml could not start");
		return BUILD_BAD_YAML;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&yp, &ev)) {
			set_error(b, &yp, text, len);
			rc = BUILD_BAD_YAML;
			break;
		}
		rc = on_event(b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (rc != BUILD_OK)
			break;
	}
	yaml_parser_delete(&yp);
	return rc;
}

/* ---- From trees to objects. ---- */

static struct fnode *kid(struct fnode *map, const char *key)
{
	size_t i;

	if (!map || map->type != FN_MAP)
		return NULL;
	for (i = 0; i < map->nkids; i++)
		if (map->kids[i] && map->kids[i]->key &&
		    !strcmp(map->kids[i]->key, key))
			return map->kids[i];
	return NULL;
}

static const char *list_kind(struct fnode *root)
{
	struct fnode *k = kid(root, "kind");

	if (k && k->type == FN_SCALAR && k->value && str_ends(k->value, "List"))
		return k->value;
	return NULL;
}

/*
 * A Kubernetes object has a kind or metadata; anything else (a values
 * file, a config map's embedded data) is not handed on, and neither is a
 * List nested in a List.
 */
static void emit_object(struct yamldoc *p, struct fnode *tree)
{
	struct fnode *meta = kid(tree, "metadata");
	struct fnode *kind = kid(tree, "kind");
	struct kobject *o;

	if ((!(meta && meta->type == FN_MAP) &&
	     !(kind && kind->type == FN_SCALAR && kind->value)) ||
	    list_kind(tree)) {
		fnode_free(tree);
		return;
	}
	o = kobject_from_tree(tree, ORIGIN_YAML, p->pc.source, tree->line);
	if (!o)
		return;
	if (p->pc.on_object)
		p->pc.on_object(o, p->pc.ctx);
	else
		kobject_free(o);
}

/* Hand on the first count items of a sequence; they leave the tree. */
static void emit_items(struct yamldoc *p, struct fnode *list, size_t count)
{
	size_t i;

	for (i = 0; i < count && i < list->nkids; i++) {
		struct fnode *item = list->kids[i];

		if (!item || item->type != FN_MAP)
			continue;
		list->kids[i] = NULL;
		emit_object(p, item);
	}
}

/* The items list of a List-shaped map, or NULL. */
static struct fnode *list_items(struct fnode *root)
{
	struct fnode *items = kid(root, "items");
	struct fnode *kind = kid(root, "kind");

	if (!items || items->type != FN_LIST)
		return NULL;
	if (kind && !list_kind(root))
		return NULL;
	return items;
}

static void emit_root(struct yamldoc *p, struct fnode *root)
{
	struct fnode *items;

	if (root->type == FN_LIST) {
		/* troubleshoot.sh writes custom resources as a bare sequence. */
		emit_items(p, root, root->nkids);
	} else if (root->type == FN_MAP) {
		items = list_items(root);
		if (items)
			emit_items(p, items, items->nkids);
		else if (!list_kind(root)) {
			emit_object(p, root);
			return;
		}
		/* A List with "items: null" holds nothing. */
	}
	fnode_free(root);
}

static void emit_docs(struct yamldoc *p, struct build *b)
{
	size_t i;

	for (i = 0; i < b->ndocs; i++) {
		emit_root(p, b->docs[i]);
		b->docs[i] = NULL;
	}
	b->ndocs = 0;
}

/*
 * After an error: items of a List (or a top-level sequence) that were
 * complete before it are still good; a half-read object is not.
 */
static void salvage(struct yamldoc *p, struct build *b)
{
	struct fnode *root = b->root, *items;
	size_t open_at, count;

	emit_docs(p, b);
	if (!root)
		return;
	if (root->type == FN_LIST) {
		items = root;
		open_at = 1;
	} else {
		items = list_items(root);
		open_at = 2;
	}
	if (!items)
		return;
	count = items->nkids;
	/* The last item is half-read when it is still open. */
	if (b->depth > open_at && b->st[open_at - 1].n == items && count)
		count--;
	emit_items(p, items, count);
}

/* ---- Repairing copy-and-paste damage. ---- */

/* Leading whitespace of a line: spaces, tabs and U+00A0 (C2 A0). */
static size_t lead_ws(const char *s, size_t n, size_t *cols)
{
	size_t i = 0, c = 0;

	for (;;) {
		if (i < n && s[i] == ' ') {
			i++;
			c++;
		} else if (i < n && s[i] == '\t') {
			i++;
			c += 2;
		} else if (i + 1 < n && (unsigned char)s[i] == 0xC2 &&
			   (unsigned char)s[i + 1] == 0xA0) {
			i += 2;
			c++;
		} else {
			break;
		}
	}
	*cols = c;
	return i;
}

/* Lines that say nothing about indentation. */
static int is_neutral(const char *s, size_t n)
{
	size_t cols, i = lead_ws(s, n, &cols);

	return i == n || s[i] == '#' ||
	       (n - i >= 3 && !memcmp(s + i, "---", 3) && cols == 0);
}

struct line_iter {
	const char *p, *end;
};

static int next_line(struct line_iter *it, const char **s, size_t *n)
{
	const char *nl;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	*s = it->p;
	*n = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
	it->p = nl ? nl + 1 : it->end;
	return 1;
}

/*
 * Rewrite leading whitespace: tabs become two spaces, no-break spaces
 * become spaces, and the indentation all lines share is removed. At level
 * 2, when the first line starts at column 0 but every later line is
 * indented (a selection that began after the indentation), the later
 * lines are shifted left too. The number of lines never changes, so
 * libyaml's marks still point at the right line. Returns 0 when the text
 * would not change.
 */
static int repair_text(struct buf *out, const char *text, size_t len,
		       int level)
{
	struct line_iter it = { text, text + len };
	const char *s;
	size_t n, cols, common = (size_t)-1, rest = (size_t)-1, first = 0;
	int seen_first = 0, changed = 0;

	while (next_line(&it, &s, &n)) {
		size_t i = lead_ws(s, n, &cols);

		if (i != cols)
			changed = 1;
		if (is_neutral(s, n))
			continue;
		if (cols < common)
			common = cols;
		if (!seen_first) {
			seen_first = 1;
			first = cols;
		} else if (cols < rest) {
			rest = cols;
		}
	}
	if (!seen_first)
		return 0;
	if (common)
		changed = 1;
	first -= common;
	if (rest != (size_t)-1)
		rest -= common;
	if (level < 2 || first != 0 || rest == (size_t)-1 || rest == 0)
		rest = 0;
	else
		changed = 1;
	if (!changed || (level == 2 && !rest))
		return 0;
	seen_first = 0;
	it.p = text;
	while (next_line(&it, &s, &n)) {
		size_t i = lead_ws(s, n, &cols), drop = common;

		if (!is_neutral(s, n)) {
			if (seen_first)
				drop += rest;
			seen_first = 1;
		}
		drop = drop < cols ? drop : cols;
		for (; cols > drop; cols--)
			buf_addc(out, ' ');
		buf_add(out, s + i, n - i);
		buf_addc(out, '\n');
	}
	return 1;
}

static int try_repair(struct yamldoc *p, const char *text, size_t len,
		      const struct build *failed)
{
	struct buf fixed = BUF_INIT;
	int level, ok = 0;

	for (level = 1; level <= 2 && !ok; level++) {
		struct build b;

		buf_reset(&fixed);
		if (!repair_text(&fixed, text, len, level))
			continue;
		build_init(&b, failed->base);
		if (run_parser(&b, fixed.p, fixed.len) == BUILD_OK) {
			warn(p, failed->err_line, failed->err_col,
			     "invalid YAML: %s; read after repairing its "
			     "indentation", buf_str(&failed->err));
			emit_docs(p, &b);
			ok = 1;
		}
		build_free(&b);
	}
	buf_free(&fixed);
	return ok;
}

/* ---- Documents. ---- */

/*
 * A line that starts with U+00A0 came from a web page: libyaml reads the
 * no-break space as text, not indentation, and may not even fail.
 */
static unsigned long nbsp_indent(const char *text, size_t len,
				 unsigned long base)
{
	struct line_iter it = { text, text + len };
	const char *s;
	size_t n, cols;
	unsigned long line = base;

	for (; next_line(&it, &s, &n); line++) {
		size_t i = lead_ws(s, n, &cols);

		if (i != cols && memchr(s, '\xC2', i))
			return line;
	}
	return 0;
}

static int read_nbsp(struct yamldoc *p, const char *text, size_t len,
		     unsigned long base)
{
	struct buf fixed = BUF_INIT;
	struct build b;
	unsigned long line = nbsp_indent(text, len, base);
	int ok = 0;

	if (!line || !repair_text(&fixed, text, len, 1)) {
		buf_free(&fixed);
		return 0;
	}
	build_init(&b, base);
	if (run_parser(&b, fixed.p, fixed.len) == BUILD_OK) {
		warn(p, line, 1, "YAML indented with no-break spaces; read "
		     "as spaces");
		emit_docs(p, &b);
		ok = 1;
	}
	build_free(&b);
	buf_free(&fixed);
	return ok;
}

/*
 * The fast path alone: kubectl's YAML, no no-break spaces. 0 (and nothing
 * handed on, nothing said) when it declines. Safe on the parse queue's
 * worker: it only builds trees and objects.
 */
static int read_fast(struct yamldoc *p, const char *text, size_t len,
		     unsigned long base)
{
	struct build b;
	int ok;

	if (nbsp_indent(text, len, base))
		return 0;
	build_init(&b, base);
	ok = yamlfast_parse(text, len, &fast_sink, &b) == 0;
	if (ok)
		emit_docs(p, &b);
	build_free(&b);
	return ok;
}

/* What the fast path declined: no-break spaces, or libyaml. */
static void read_slow(struct yamldoc *p, const char *text, size_t len,
		      unsigned long base)
{
	struct build b;
	int rc;

	if (read_nbsp(p, text, len, base))
		return;
	build_init(&b, base);
	rc = run_parser(&b, text, len);
	if (rc == BUILD_OK) {
		emit_docs(p, &b);
	} else if (rc == BUILD_TOO_DEEP) {
		warn(p, b.err_line, b.err_col,
		     "YAML nested deeper than %d levels; document dropped",
		     YAMLDOC_MAX_DEPTH);
	} else if (!try_repair(p, text, len, &b)) {
		warn(p, b.err_line, b.err_col, "invalid YAML: %s",
		     buf_str(&b.err));
		salvage(p, &b);
	}
	build_free(&b);
}

static void read_doc(struct yamldoc *p, const char *text, size_t len,
		     unsigned long base)
{
	if (!read_fast(p, text, len, base))
		read_slow(p, text, len, base);
}

/* ---- List items on the parse queue. ---- */

/* On the worker: the fast path, or decline. */
static int item_run(struct pq_job *j, const struct pq_item *it)
{
	struct yamldoc w;

	memset(&w, 0, sizeof(w));
	w.pc.source = j->pc->source;
	w.pc.on_object = pq_on_object;
	w.pc.ctx = j;
	return read_fast(&w, j->text.p + it->off, it->len, it->line) ? 0 :
		-1;
}

/* Back on the analysis thread, in order: what the worker declined. */
static void item_reread(struct pq_job *j, const struct pq_item *it)
{
	read_slow(j->owner, j->text.p + it->off, it->len, it->line);
}

static const struct pq_ops item_ops = { item_run, item_reread };

static void note_peak(struct yamldoc *p)
{
	size_t held = p->doc.text.cap + p->item.text.cap;

	if (held > p->peak)
		p->peak = held;
}

static void chunk_reset(struct chunk *c)
{
	buf_reset(&c->text);
	c->oversize = 0;
	c->line = 0;
}

/*
 * Read what a chunk holds, then empty it (its buffer is kept). Items
 * queued before it are handed on first.
 */
static void read_chunk(struct yamldoc *p, struct chunk *c)
{
	pq_drain(p->pc.pq);
	if (c->text.len && !c->oversize)
		read_doc(p, c->text.p, c->text.len, c->line);
	chunk_reset(c);
}

/* A List item is complete: queued for the worker when there is one. */
static void item_done(struct yamldoc *p)
{
	struct chunk *c = &p->item;

	if (c->text.len && !c->oversize &&
	    pq_add(p->pc.pq, &item_ops, p, &p->pc, c->text.p, c->text.len,
		   c->line, 0, 0))
		chunk_reset(c);
	else
		read_chunk(p, c);
}

static void chunk_add(struct yamldoc *p, struct chunk *c, const char *s,
		      size_t n, unsigned long lineno)
{
	if (!c->line) {
		c->line = lineno;
		c->oversize = 0;
	}
	if (c->oversize)
		return;
	if (c->text.len + n + 1 > p->max) {
		warn(p, c->line, 0, "YAML %s larger than %zu bytes; dropped",
		     c == &p->item ? "List item" : "document", p->max);
		c->oversize = 1;
		buf_free(&c->text);
		return;
	}
	buf_add(&c->text, s, n);
	buf_addc(&c->text, '\n');
	note_peak(p);
}

static void flush(struct yamldoc *p)
{
	item_done(p);
	read_chunk(p, &p->doc);
	p->have_doc = 0;
	p->has_content = 0;
	p->not_list = 0;
	p->items_next = 0;
	p->in_items = 0;
	p->streamed = 0;
}

static int is_doc_start(struct slice l)
{
	return slice_eq(l, "---") || slice_starts(l, "--- ") ||
	       slice_starts(l, "---\t");
}

static int is_doc_end(struct slice l)
{
	return slice_eq(l, "...") || slice_starts(l, "... ") ||
	       slice_starts(l, "...\t");
}

/* Trailing spaces and tabs off. */
static struct slice rtrim(struct slice l)
{
	while (l.n && (l.p[l.n - 1] == ' ' || l.p[l.n - 1] == '\t'))
		l.n--;
	return l;
}

/* An entry of a sequence at column 0: "- ..." or a lone "-". */
static int is_item_start(struct slice l)
{
	return l.n && l.p[0] == '-' &&
	       (l.n == 1 || l.p[1] == ' ' || l.p[1] == '\t') &&
	       !is_doc_start(l);
}

/* Blank, a comment, or a bare "---": says nothing about the document. */
static int is_empty_line(struct slice l)
{
	l = rtrim(l);
	return !l.n || l.p[0] == '#' || slice_eq(l, "---");
}

/*
 * "kind: X" at column 0, X not ending in List: the document is one
 * object even if it has items.
 */
static int is_object_kind(struct slice l)
{
	struct slice v;

	if (!slice_starts(l, "kind:"))
		return 0;
	v = slice_trim(slice_make(l.p + 5, l.n - 5));
	if (v.n >= 2 && (v.p[0] == '"' || v.p[0] == '\'') &&
	    v.p[v.n - 1] == v.p[0])
		v = (struct slice){ v.p + 1, v.n - 2 };
	return !(v.n >= 4 && !memcmp(v.p + v.n - 4, "List", 4));
}

/*
 * The next line of the open document. A List (an "items:" sequence at
 * column 0, as kubectl prints it) or a top-level sequence is read an
 * item at a time: an item ends where the next line at column 0 starts,
 * and is read then. The lines before and after the items are read as a
 * document of their own.
 */
static void add_line(struct yamldoc *p, struct slice l, unsigned long lineno)
{
	int col0 = l.n && l.p[0] != ' ' && l.p[0] != '\t' && l.p[0] != '#';

	p->have_doc = 1;
	p->next_line = lineno + 1;
	if (p->in_items && col0) {
		item_done(p);
		if (!is_item_start(l)) {
			/* The items are over: what follows is the List's. */
			p->in_items = 0;
		}
	} else if (!p->in_items && !p->streamed && !p->not_list &&
		   is_item_start(l) && (p->items_next || !p->has_content)) {
		/* Items start: what came before them is read now. */
		read_chunk(p, &p->doc);
		p->in_items = 1;
		p->streamed = 1;
	}
	if (p->in_items) {
		chunk_add(p, &p->item, l.p, l.n, lineno);
		return;
	}
	chunk_add(p, &p->doc, l.p, l.n, lineno);
	if (is_empty_line(l))
		return;
	p->has_content = 1;
	p->items_next = slice_eq(rtrim(l), "items:");
	if (is_object_kind(l))
		p->not_list = 1;
}

struct yamldoc *yamldoc_new(const struct parse_ctx *pc)
{
	struct yamldoc *p = xcalloc(1, sizeof(*p));

	p->pc = *pc;
	p->max = pc->max_object_bytes ? pc->max_object_bytes :
		 YAMLDOC_DEFAULT_MAX;
	return p;
}

void yamldoc_line(struct yamldoc *p, struct slice line, unsigned long lineno)
{
	int first = !p->started;

	p->started = 1;
	/* A prompt: the first line, or a later command at column 0. */
	if ((first && slice_starts(line, "$ ")) ||
	    slice_starts(line, "$ kubectl ")) {
		flush(p);
		return;
	}
	if (is_doc_start(line)) {
		flush(p);
	} else if (p->have_doc && lineno != p->next_line) {
		/* Keep buffer lines and line numbers in step. */
		if (lineno > p->next_line &&
		    lineno - p->next_line <= GAP_FILL_MAX) {
			while (p->next_line < lineno)
				add_line(p, (struct slice){ "", 0 },
					 p->next_line);
		} else {
			flush(p);
		}
	}
	add_line(p, line, lineno);
	if (is_doc_end(line))
		flush(p);
}

void yamldoc_end(struct yamldoc *p)
{
	flush(p);
}

size_t yamldoc_peak_buffer(const struct yamldoc *p)
{
	return p->peak;
}

unsigned long yamldoc_settled(const struct yamldoc *p, unsigned long lineno)
{
	return pq_settled(p->pc.pq, p->in_items ? p->item.line : 0, lineno);
}

void yamldoc_free(struct yamldoc *p)
{
	if (!p)
		return;
	pq_drain(p->pc.pq);	/* its jobs point back at it */
	buf_free(&p->doc.text);
	buf_free(&p->item.text);
	free(p);
}
