/*
 * JSON text to objects (stage three of the pipeline, after detect). A
 * byte scanner that never recurses follows strings and nesting across
 * the lines it is fed and cuts out one value at a time: each element of a
 * List's "items" or of a top-level array, or each top-level value. Only
 * that value is buffered; cJSON parses it, and the tree becomes a field
 * tree (with the line of every value, found by a second flat pass) for
 * kobject_from_tree().
 */
#include "jsondoc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bytescan.h"
#include "input.h"
#include "object.h"

/* What the values at the element depth are. */
enum jmode {
	J_TOP,		/* top-level values: objects, one after another */
	J_ARRAY,	/* elements of a top-level array */
	J_LIST,		/* elements of a top-level object's "items" */
	J_TAIL,		/* the rest of a List object after "items" */
};

struct jsondoc {
	struct parse_ctx pc;
	size_t max;
	int started;

	/* The scanner. */
	unsigned long depth;	/* containers open */
	int in_str, esc;
	enum jmode mode;
	unsigned long edepth;	/* depth where elements start */
	int want_elem;		/* the next value at edepth is a new element */
	unsigned long item;	/* elements seen in the current container */
	unsigned long top_values;

	/* Spotting "items": [ at depth 1 of a top-level object. */
	int k_expect;		/* a key comes next */
	int k_in;		/* inside that key */
	char kbuf[6];
	size_t klen;
	int k_items;		/* the last key was "items" */
	int k_colon;		/* and its ':' was seen */

	/* The element being cut out. */
	int cap_on;		/* inside an element object or array */
	int cap_keep;		/* its bytes are kept (not being dropped) */
	struct buf cap;
	unsigned long cap_line, cap_col, cap_item;
	size_t peak;

	unsigned long last_line;
	unsigned long junk_lines, junk_line, junk_col;
};

/* The line and offset of each value in a cut-out element, in order. */
struct vpos {
	unsigned long line;
	size_t off, len;
};

struct conv {
	const char *text;
	const struct vpos *v;
	size_t n, i;
	unsigned long line0;
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void warn(const struct jsondoc *p, unsigned long line,
		 unsigned long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	parse_vwarn(&p->pc, line, col, fmt, ap);
	va_end(ap);
}

/* ---- From cJSON to a field tree. ---- */

/*
 * One flat pass over a valid JSON text records where every value starts,
 * in the order a pre-order walk of cJSON's tree meets them: a string
 * followed by ':' is a key, every other token start is a value.
 */
static struct vpos *scan_values(const char *s, size_t n, unsigned long line,
				size_t *count)
{
	struct vpos *v = NULL;
	size_t i = 0, nv = 0, cap = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t start = i, j;

		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			for (j = i; j < n && isspace((unsigned char)s[j]); j++)
				;
			if (j < n && s[j] == ':')
				continue;
		} else if (c == '-' || isdigit(c)) {
			while (i < n && (isdigit((unsigned char)s[i]) ||
					 strchr("+-.eE", s[i])))
				i++;
		} else if (c == '{' || c == '[') {
			i++;
		} else if (isalpha(c)) {
			while (i < n && isalpha((unsigned char)s[i]))
				i++;
		} else {
			i++;
			continue;
		}
		v = xgrow(v, &cap, nv + 1, sizeof(*v));
		v[nv].line = line;
		v[nv].off = start;
		v[nv].len = (i < n ? i : n) - start;
		nv++;
	}
	*count = nv;
	return v;
}

/* A number as text: as written when known, else without a needless .0. */
static char *number_text(const cJSON *j, const struct conv *cv,
			 const struct vpos *v)
{
	struct buf b = BUF_INIT;
	double d = j->valuedouble;

	if (v && v->len && (cv->text[v->off] == '-' ||
			    isdigit((unsigned char)cv->text[v->off])))
		return xstrndup(cv->text + v->off, v->len);
	if (d == floor(d) && fabs(d) < 1e15)
		buf_addf(&b, "%.0f", d);
	else
		buf_addf(&b, "%.17g", d);
	return buf_detach(&b);
}

/* ---- The direct reader: valid JSON straight to a field tree. ---- */

/*
 * Most elements are plain valid JSON. This reader builds their field tree
 * in one pass, without cJSON's tree, the flat line pass or the copy
 * between them, and gives the tree convert() would give: the same values
 * (string escapes decoded as cJSON decodes them, numbers as written), the
 * same keys and the same line for every value. Anything it is not sure of
 * (a syntax error, a control byte, \u0000, an odd number, deep nesting)
 * makes it give up; cJSON then reads the element as before and reports
 * what is wrong.
 */
struct fast {
	const char *s;
	size_t n, i;
	unsigned long line;
	unsigned depth;
	struct buf str;		/* the string being decoded */
};

#define FAST_MAX_DEPTH 256

static void fast_ws(struct fast *f)
{
	while (f->i < f->n) {
		char c = f->s[f->i];

		if (c == '\n')
			f->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			break;
		f->i++;
	}
}

/* A string at f->i (on its '"') into f->str; -1 to give up. */
static int fast_string(struct fast *f)
{
	const char *s = f->s;
	size_t i = f->i + 1;

	buf_reset(&f->str);
	for (;;) {
		size_t j = i;

		while (j < f->n && s[j] != '"' && s[j] != '\\' &&
		       (unsigned char)s[j] >= 0x20)
			j++;
		buf_add(&f->str, s + i, j - i);
		if (j >= f->n || (unsigned char)s[j] < 0x20)
			return -1;
		if (s[j] == '"') {
			f->i = j + 1;
			return 0;
		}
		/* An escape. */
		if (j + 1 >= f->n)
			return -1;
		switch (s[j + 1]) {
		case '"': buf_addc(&f->str, '"'); break;
		case '\\': buf_addc(&f->str, '\\'); break;
		case '/': buf_addc(&f->str, '/'); break;
		case 'b': buf_addc(&f->str, '\b'); break;
		case 'f': buf_addc(&f->str, '\f'); break;
		case 'n': buf_addc(&f->str, '\n'); break;
		case 'r': buf_addc(&f->str, '\r'); break;
		case 't': buf_addc(&f->str, '\t'); break;
		case 'u': {
			long long cp, lo;

			if (j + 6 > f->n || (cp = hex_value(s + j + 2, 4)) < 0)
				return -1;
			/* cJSON ends the string at U+0000: not here. */
			if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
				return -1;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j + 12 > f->n || s[j + 6] != '\\' ||
				    s[j + 7] != 'u' ||
				    (lo = hex_value(s + j + 8, 4)) < 0xDC00 ||
				    lo > 0xDFFF)
					return -1;
				cp = 0x10000 + (((cp & 0x3FF) << 10) |
						(lo & 0x3FF));
				j += 6;
			}
			buf_add_utf8(&f->str, (unsigned long)cp);
			i = j + 6;
			continue;
		}
		default:
			return -1;
		}
		i = j + 2;
	}
}

/* A number in strict JSON form; its text is the value. */
static int fast_number(struct fast *f, size_t *len)
{
	const char *s = f->s;
	size_t i = f->i, d;

	if (i < f->n && s[i] == '-')
		i++;
	if (i >= f->n || !isdigit((unsigned char)s[i]))
		return -1;
	if (s[i] == '0')
		i++;
	else
		while (i < f->n && isdigit((unsigned char)s[i]))
			i++;
	if (i < f->n && s[i] == '.') {
		for (d = ++i; i < f->n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == d)
			return -1;
	}
	if (i < f->n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < f->n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < f->n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == d)
			return -1;
	}
	*len = i - f->i;
	return 0;
}

static struct fnode *fast_value(struct fast *f);

/* The members or elements of a container opened at f->i. */
static int fast_container(struct fast *f, struct fnode *n, int obj)
{
	char close = obj ? '}' : ']';

	f->i++;
	fast_ws(f);
	if (f->i < f->n && f->s[f->i] == close) {
		f->i++;
		return 0;
	}
	for (;;) {
		struct fnode *kid;
		char small[128], *key = small;
		size_t keylen = 0;

		if (obj) {
			if (f->i >= f->n || f->s[f->i] != '"' ||
			    fast_string(f) < 0)
				return -1;
			/* The value reuses f->str: keep the key aside. */
			keylen = f->str.len;
			if (keylen > sizeof(small))
				key = xmalloc(keylen);
			memcpy(key, f->str.p ? f->str.p : "", keylen);
			fast_ws(f);
			if (f->i >= f->n || f->s[f->i] != ':')
				goto fail;
			f->i++;
			fast_ws(f);
		}
		kid = fast_value(f);
		if (!kid)
			goto fail;
		fnode_add(n, obj ? key : NULL, keylen, kid);
		if (key != small)
			free(key);
		fast_ws(f);
		if (f->i >= f->n)
			return -1;
		if (f->s[f->i] == close) {
			f->i++;
			return 0;
		}
		if (f->s[f->i] != ',')
			return -1;
		f->i++;
		fast_ws(f);
		continue;
fail:
		if (key != small)
			free(key);
		return -1;
	}
}

/* The value at f->i (after white space), or NULL to give up. */
static struct fnode *fast_value(struct fast *f)
{
	const char *s = f->s + f->i;
	size_t left = f->n - f->i, len;
	struct fnode *n;

	if (!left)
		return NULL;
	switch (*s) {
	case '{':
	case '[':
		if (++f->depth > FAST_MAX_DEPTH)
			return NULL;
		n = fnode_new(*s == '{' ? FN_MAP : FN_LIST, f->line);
		if (fast_container(f, n, *s == '{') < 0) {
			fnode_free(n);
			return NULL;
		}
		f->depth--;
		return n;
	case '"':
		n = fnode_new(FN_SCALAR, f->line);
		if (fast_string(f) < 0) {
			fnode_free(n);
			return NULL;
		}
		n->value = xstrndup(f->str.p ? f->str.p : "", f->str.len);
		return n;
	case 't':
	case 'f':
	case 'n':
		len = *s == 'f' ? 5 : 4;
		if (left < len || memcmp(s, *s == 't' ? "true" : *s == 'f' ?
					 "false" : "null", len))
			return NULL;
		n = fnode_new(FN_SCALAR, f->line);
		if (*s != 'n')
			n->value = xstrndup(s, len);
		f->i += len;
		return n;
	default:
		if (fast_number(f, &len) < 0)
			return NULL;
		n = fnode_new(FN_SCALAR, f->line);
		n->value = xstrndup(s, len);
		f->i += len;
		return n;
	}
}

/* The tree of a valid JSON text, or NULL (cJSON then reads it). */
struct fnode *jsondoc_fast_tree(const char *s, size_t n, unsigned long line)
{
	struct fast f;
	struct fnode *tree;

	memset(&f, 0, sizeof(f));
	f.s = s;
	f.n = n;
	f.line = line;
	fast_ws(&f);
	tree = fast_value(&f);
	if (tree) {
		fast_ws(&f);
		if (f.i != f.n) {
			fnode_free(tree);
			tree = NULL;
		}
	}
	buf_free(&f.str);
	return tree;
}

/* Depth is bounded by JSONDOC_MAX_DEPTH before cJSON ever sees the text. */
static struct fnode *convert(const cJSON *j, struct conv *cv)
{
	const struct vpos *v = cv->i < cv->n ? &cv->v[cv->i] : NULL;
	unsigned long line = v ? v->line : cv->line0;
	struct fnode *n;
	const cJSON *c;

	cv->i++;
	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		int obj = cJSON_IsObject(j);

		n = fnode_new(obj ? FN_MAP : FN_LIST, line);
		for (c = j->child; c; c = c->next) {
			struct fnode *k = convert(c, cv);

			if (obj)
				fnode_add(n, c->string ? c->string : "",
					  c->string ? strlen(c->string) : 0, k);
			else
				fnode_add(n, NULL, 0, k);
		}
		return n;
	}
	n = fnode_new(FN_SCALAR, line);
	if (cJSON_IsString(j) || cJSON_IsRaw(j))
		n->value = xstrdup(j->valuestring ? j->valuestring : "");
	else if (cJSON_IsNumber(j))
		n->value = number_text(j, cv, v);
	else if (cJSON_IsTrue(j))
		n->value = xstrdup("true");
	else if (cJSON_IsFalse(j))
		n->value = xstrdup("false");
	return n;
}

static struct fnode *tree_of(const cJSON *j, const char *s, size_t n,
			     unsigned long line)
{
	struct conv cv;
	struct fnode *tree;

	memset(&cv, 0, sizeof(cv));
	cv.text = s;
	cv.line0 = line;
	cv.v = scan_values(s, n, line, &cv.n);
	tree = convert(j, &cv);
	free((void *)cv.v);
	return tree;
}

struct fnode *jsondoc_cjson_tree(const char *s, size_t n, unsigned long line)
{
	cJSON *j = cJSON_ParseWithLength(s, n);
	struct fnode *tree;

	if (!j)
		return NULL;
	tree = tree_of(j, s, n, line);
	cJSON_Delete(j);
	return tree;
}

static struct fnode *kid(struct fnode *map, const char *key)
{
	size_t i;

	if (!map || map->type != FN_MAP)
		return NULL;
	for (i = 0; i < map->nkids; i++)
		if (map->kids[i]->key && !strcmp(map->kids[i]->key, key))
			return map->kids[i];
	return NULL;
}

/*
 * Hand on a tree that looks like a Kubernetes object (a kind or a
 * metadata map): JSON log records and the like are dropped silently, and
 * so is an empty List ("items": null).
 */
static void emit_tree(struct jsondoc *p, struct fnode *tree,
		      unsigned long line)
{
	struct fnode *meta = kid(tree, "metadata");
	struct fnode *kind = kid(tree, "kind");
	struct kobject *o;

	if (tree->type != FN_MAP ||
	    (!(meta && meta->type == FN_MAP) &&
	     !(kind && kind->type == FN_SCALAR && kind->value)) ||
	    (kind && kind->value && str_ends(kind->value, "List"))) {
		fnode_free(tree);
		return;
	}
	o = kobject_from_tree(tree, ORIGIN_JSON, p->pc.source, line);
	if (!o)
		return;
	if (p->pc.on_object)
		p->pc.on_object(o, p->pc.ctx);
	else
		kobject_free(o);
}

/* An element cut out: its text and where it starts. */
struct elem {
	const char *p;
	size_t len;
	unsigned long line, col, item;
};

/* Where cJSON stopped, as a line and column of the input. */
static void error_at(const struct elem *e, const char *err,
		     unsigned long *line, unsigned long *col)
{
	const char *s = e->p;
	size_t off, i, bol = 0;

	*line = e->line;
	*col = e->col;
	if (!err || err < s || err > s + e->len)
		return;
	off = (size_t)(err - s);
	for (i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	}
	*col = (bol ? 1 : e->col) + (unsigned long)(off - bol);
}

/* The end of the string that starts at s[i] (a quote), or n. */
static size_t string_end(const char *s, size_t i, size_t n)
{
	for (i++; i < n;) {
		size_t k = bytescan(s, i, n, BS_QUOTE), bs = 0;

		if (k >= n)
			return n;
		while (k - bs > i && s[k - bs - 1] == '\\')
			bs++;
		if (!(bs & 1))
			return k + 1;
		i = k + 1;
	}
	return n;
}

/* The first byte at or after i that is not JSON whitespace. */
static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' ||
			 s[i] == '\r'))
		i++;
	return i;
}

/* A plain string value (no escapes) at s[i], as a NUL-ended copy. */
static int plain_string(const char *s, size_t i, size_t n, char *out,
			size_t cap, size_t *next)
{
	size_t e;

	i = skip_ws(s, i, n);
	if (i >= n || s[i] != '"')
		return 0;
	e = string_end(s, i, n);
	if (e > n || e - i - 2 >= cap || memchr(s + i + 1, '\\', e - i - 2))
		return 0;
	memcpy(out, s + i + 1, e - i - 2);
	out[e - i - 2] = '\0';
	*next = e;
	return 1;
}

struct ident {
	char kind[128], ns[256], name[256];
};

/*
 * The kind, namespace and name of the object in s[0..n), read by one
 * flat pass without building it: "kind" at depth 1, "name" and
 * "namespace" in the depth-1 "metadata". Returns 0 when the text is not
 * an object with a plain kind (the caller then parses it).
 */
static int peek_ident(const char *s, size_t n, struct ident *id)
{
	size_t i = 0;
	unsigned long depth = 0;
	int in_meta = 0, key_next = 0, meta_done = 0;

	memset(id, 0, sizeof(*id));
	while ((i = bytescan(s, i, n, BS_QUOTE | BS_BRACKET | BS_COMMA)) < n) {
		char c = s[i];

		if (c == '"') {
			size_t e = string_end(s, i, n), j = e, used;
			char key[16];
			size_t kl = e - i - 2;

			if (e > n)
				return 0;
			j = skip_ws(s, j, n);
			if (!key_next || j >= n || s[j] != ':') {
				i = e;
				key_next = 0;
				continue;
			}
			key_next = 0;
			if (kl >= sizeof(key)) {
				i = j + 1;
				continue;
			}
			memcpy(key, s + i + 1, kl);
			key[kl] = '\0';
			i = j + 1;
			if (depth == 1 && !strcmp(key, "kind")) {
				if (!plain_string(s, i, n, id->kind,
						  sizeof(id->kind), &used))
					return 0;
				i = used;
			} else if (depth == 1 && !strcmp(key, "metadata")) {
				i = skip_ws(s, i, n);
				in_meta = i < n && s[i] == '{';
			} else if (depth == 2 && in_meta &&
				   (!strcmp(key, "name") ||
				    !strcmp(key, "namespace"))) {
				char *dst = key[4] ? id->ns : id->name;

				if (plain_string(s, i, n, dst, sizeof(id->ns),
						 &used))
					i = used;
			}
			continue;
		}
		if (c == '{') {
			depth++;
			key_next = 1;
		} else if (c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return 0;
			depth--;
			if (depth == 1 && in_meta) {
				in_meta = 0;
				meta_done = 1;
			}
		} else if (c == ',') {
			key_next = 1;
			/* kubectl writes kind and metadata first: done. */
			if (depth == 1 && meta_done && id->kind[0])
				break;
		}
		i++;
	}
	return id->kind[0] && !str_ends(id->kind, "List") && s[0] == '{';
}

/* Whether the element is of a kind nobody wants: ident tells what it is. */
static int unwanted(const struct parse_ctx *pc, const struct elem *e,
		    struct ident *id)
{
	return pc->wanted && peek_ident(e->p, e->len, id) &&
	       !pc->wanted(id->kind, slice_make(e->p, e->len), pc->ctx);
}

/* What the direct reader refused: cJSON reads it, or says why not. */
static void read_cjson(struct jsondoc *p, const struct elem *e)
{
	cJSON *j = cJSON_ParseWithLength(e->p, e->len);
	struct fnode *tree;

	if (!j) {
		const char *err = cJSON_GetErrorPtr();
		unsigned long line, col;
		struct buf near = BUF_INIT;
		size_t i;

		error_at(e, err, &line, &col);
		for (i = 0; err && err >= e->p && err + i < e->p + e->len &&
		     i < 24 && err[i] != '\n'; i++)
			buf_addc(&near, err[i]);
		if (near.len)
			warn(p, line, col, "invalid JSON in item %lu: syntax "
			     "error near '%s'; item skipped", e->item,
			     buf_str(&near));
		else
			warn(p, line, col, "invalid JSON in item %lu: "
			     "unexpected end; item skipped", e->item);
		buf_free(&near);
		return;
	}
	tree = tree_of(j, e->p, e->len, e->line);
	cJSON_Delete(j);
	emit_tree(p, tree, e->line);
}

/* The direct reader, then cJSON for what it refuses. */
static void read_elem(struct jsondoc *p, const struct elem *e)
{
	struct fnode *tree = jsondoc_fast_tree(e->p, e->len, e->line);

	if (tree)
		emit_tree(p, tree, e->line);
	else
		read_cjson(p, e);
}

/* ---- Items on the parse queue. ---- */

/* On the worker: the direct reader, or decline. */
static int elem_run(struct pq_job *j, const struct pq_item *it)
{
	struct fnode *tree = jsondoc_fast_tree(j->text.p + it->off, it->len,
					       it->line);
	struct jsondoc w;

	if (!tree)
		return -1;
	memset(&w, 0, sizeof(w));
	w.pc.source = j->pc->source;
	w.pc.on_object = pq_on_object;
	w.pc.ctx = j;
	emit_tree(&w, tree, it->line);
	return 0;
}

/* Back on the analysis thread, in order: what the worker declined. */
static void elem_reread(struct pq_job *j, const struct pq_item *it)
{
	struct elem e = { j->text.p + it->off, it->len, it->line, it->col,
			  it->num };

	read_cjson(j->owner, &e);
}

static const struct pq_ops elem_ops = { elem_run, elem_reread };

/* ---- The scanner. ---- */

static void note_peak(struct jsondoc *p)
{
	if (p->cap.cap > p->peak)
		p->peak = p->cap.cap;
}

/* Keep bytes of the element, or start dropping it when it grows too big. */
static void keep(struct jsondoc *p, const char *s, size_t n, int newline)
{
	if (!p->cap_on || !p->cap_keep)
		return;
	if (p->cap.len + n + (size_t)newline > p->max) {
		warn(p, p->cap_line, p->cap_col,
		     "JSON item %lu larger than %zu bytes; item skipped",
		     p->cap_item, p->max);
		p->cap_keep = 0;
		buf_free(&p->cap);
		return;
	}
	/* One copy per line: the bytes and the newline together. */
	buf_grow(&p->cap, n + 1);
	memcpy(p->cap.p + p->cap.len, s, n);
	p->cap.len += n;
	if (newline)
		p->cap.p[p->cap.len++] = '\n';
	p->cap.p[p->cap.len] = '\0';
	note_peak(p);
}

static void start_elem(struct jsondoc *p, unsigned long lineno, size_t col,
		       unsigned long item)
{
	p->cap_on = 1;
	p->cap_keep = 1;
	p->cap_line = lineno;
	p->cap_col = (unsigned long)col + 1;
	p->cap_item = item;
	buf_reset(&p->cap);
}

/* An element is complete: queued for the worker when there is one. */
static void end_elem(struct jsondoc *p)
{
	struct elem e = { p->cap.p, p->cap.len, p->cap_line, p->cap_col,
			  p->cap_item };
	struct ident id;

	/*
	 * An object nobody wants is not built: its kind says so. It is
	 * skipped here, not queued, which costs less; skipped items need no
	 * order among the objects queued before them.
	 */
	if (p->cap_keep && unwanted(&p->pc, &e, &id)) {
		if (p->pc.on_skipped)
			p->pc.on_skipped(id.kind, id.ns[0] ? id.ns : NULL,
					 id.name[0] ? id.name : NULL, e.line,
					 p->pc.ctx);
	} else if (p->cap_keep &&
		   !pq_add(p->pc.pq, &elem_ops, p, &p->pc, e.p, e.len, e.line,
			   e.col, e.item)) {
		read_elem(p, &e);
	}
	p->cap_on = 0;
	p->cap_keep = 0;
	buf_reset(&p->cap);
}

static void enter_container(struct jsondoc *p, enum jmode mode,
			    unsigned long edepth)
{
	p->mode = mode;
	p->edepth = edepth;
	p->want_elem = 1;
	p->item = 0;
}

static void to_top(struct jsondoc *p)
{
	p->mode = J_TOP;
	p->edepth = 0;
	p->want_elem = 1;
}

/* A key string at depth 1 of a top-level object is over. */
static void key_done(struct jsondoc *p)
{
	p->k_in = 0;
	p->k_expect = 0;
	p->k_items = p->klen == 5 && !memcmp(p->kbuf, "items", 5);
}

/*
 * The first byte of a value (not a key) at the current depth. Returns 1
 * when the rest of the line is to be skipped (text outside JSON).
 */
static int value_start(struct jsondoc *p, char c, unsigned long lineno,
		       size_t i, size_t *from)
{
	if (p->depth == 1 && p->mode == J_TOP) {
		/* "items": [ makes the top-level object a List. */
		if (p->k_colon && c == '[') {
			p->cap_on = 0;
			p->cap_keep = 0;
			buf_reset(&p->cap);
			enter_container(p, J_LIST, 2);
		}
		p->k_colon = 0;
		return 0;
	}
	if (p->depth != p->edepth || p->mode == J_TAIL)
		return 0;
	if (p->depth == 0) {
		if (c == '{') {
			p->top_values++;
			start_elem(p, lineno, i, p->top_values);
			*from = i;
			p->k_expect = 1;
			p->k_items = p->k_colon = 0;
		} else if (c == '[') {
			enter_container(p, J_ARRAY, 1);
		} else {
			if (!p->junk_lines++) {
				p->junk_line = lineno;
				p->junk_col = (unsigned long)i + 1;
			}
			return 1;
		}
		return 0;
	}
	if (!p->want_elem)
		return 0;
	p->want_elem = 0;
	p->item++;
	if (c == '{' || c == '[') {
		start_elem(p, lineno, i, p->item);
		*from = i;
	}
	return 0;
}

static void open_bracket(struct jsondoc *p, unsigned long lineno, size_t i)
{
	p->depth++;
	if (p->cap_on && p->cap_keep &&
	    p->depth - p->edepth > JSONDOC_MAX_DEPTH) {
		warn(p, lineno, (unsigned long)i + 1,
		     "JSON item %lu nested deeper than %d levels; item "
		     "skipped", p->cap_item, JSONDOC_MAX_DEPTH);
		p->cap_keep = 0;
		buf_free(&p->cap);
	}
}

/* Returns 1 when an element ended with this byte. */
static int close_bracket(struct jsondoc *p, unsigned long lineno, size_t i)
{
	if (p->depth == 0) {
		if (!p->junk_lines++) {
			p->junk_line = lineno;
			p->junk_col = (unsigned long)i + 1;
		}
		return 0;
	}
	p->depth--;
	if (p->cap_on && p->depth == p->edepth)
		return 1;
	/* The container of the elements, or the List object, closed. */
	if (p->mode == J_LIST && p->depth + 1 == p->edepth)
		p->mode = J_TAIL;
	else if ((p->mode == J_ARRAY || p->mode == J_TAIL) && p->depth == 0)
		to_top(p);
	return 0;
}

struct jsondoc *jsondoc_new(const struct parse_ctx *pc)
{
	struct jsondoc *p = xcalloc(1, sizeof(*p));

	p->pc = *pc;
	p->max = pc->max_object_bytes ? pc->max_object_bytes :
		 JSONDOC_DEFAULT_MAX;
	to_top(p);
	return p;
}

/*
 * Below the depth of the elements, past the keys of a top-level object:
 * commas, colons and the first bytes of values change nothing there
 * (value_start() and the switch in jsondoc_line() only act at the element
 * depth or at depth 1 of J_TOP), so the scan may jump to the next quote
 * or bracket.
 */
static int deep(const struct jsondoc *p)
{
	return p->depth > p->edepth && !(p->depth == 1 && p->mode == J_TOP);
}

/*
 * A bracket outside strings in the deep scan: depth kept, the element
 * ended when it closes. 1 when the scan stops after it.
 */
static int deep_bracket(struct jsondoc *p, const char *s, size_t i,
			unsigned long lineno, size_t *from)
{
	if (s[i] == '{' || s[i] == '[') {
		open_bracket(p, lineno, i);
		return 0;
	}
	if (close_bracket(p, lineno, i)) {
		keep(p, s + *from, i + 1 - *from, 0);
		end_elem(p);
		return 1;
	}
	return !deep(p);
}

/*
 * The scan below the element depth (deep()), from s[i], outside any
 * string: until the line ends, an element ends, or the scan is no longer
 * deep. Returns where the general scan goes on (n at the end of the
 * line, with the string and escape state left for the next line).
 *
 * Sixteen bytes are read at once: with no backslash among them, the
 * quotes say which brackets are inside strings (an odd number of quotes
 * before a bracket), and only the brackets outside are looked at; with a
 * backslash, and on lines shorter than sixteen bytes, byte by byte.
 */
static size_t deep_scan(struct jsondoc *p, const char *s, size_t i, size_t n,
			unsigned long lineno, size_t *from)
{
	int in = 0, esc = 0;

	while (i < n) {
		size_t lim;

		if (!esc && n >= 16) {
			/* The last block ends at the line's end. */
			size_t at = n - i >= 16 ? i : n - 16;
			unsigned q, b, k;

			bytescan_masks(s + at, &q, &b, &k);
			q >>= i - at;
			b >>= i - at;
			k >>= i - at;
			if (!b) {
				unsigned inside = bytescan_prefix_xor(q);

				k &= in ? inside : ~inside;
				for (; k; k &= k - 1) {
					size_t j = i + (size_t)__builtin_ctz(k);

					if (deep_bracket(p, s, j, lineno, from))
						return j + 1;
				}
				/* Bit 15: an odd number of quotes in all. */
				in ^= (int)(inside >> 15) & 1;
				i = at + 16;
				continue;
			}
		}
		for (lim = n - i > 16 ? i + 16 : n; i < lim; i++) {
			char c = s[i];

			if (esc) {
				esc = 0;
			} else if (in) {
				if (c == '\\')
					esc = 1;
				else if (c == '"')
					in = 0;
			} else if (c == '"') {
				in = 1;
			} else if (bytescan_in((unsigned char)c, BS_BRACKET) &&
				   deep_bracket(p, s, i, lineno, from)) {
				return i + 1;
			}
		}
	}
	p->in_str = in;
	p->esc = esc;
	return n;
}

void jsondoc_line(struct jsondoc *p, struct slice line, unsigned long lineno)
{
	const char *s = line.p;
	size_t i = 0, from = 0;

	p->last_line = lineno;
	if (!p->started) {
		p->started = 1;
		if (slice_starts(line, "$ "))
			return;
		if (slice_starts(line, "\xEF\xBB\xBF"))
			i = from = 3;
	}
	for (; i < line.n; i++) {
		char c;

		if (p->in_str && !p->esc && !p->k_in) {
			/* The body of a string: jump to its end or escape. */
			i = bytescan(s, i, line.n, BS_QUOTE | BS_BSLASH);
			if (i >= line.n)
				break;
		} else if (!p->in_str && deep(p)) {
			/* Back at the element depth: s[i] is read below. */
			i = deep_scan(p, s, i, line.n, lineno, &from);
			if (i >= line.n)
				break;
		}
		c = s[i];
		if (!p->in_str && c == ' ') {
			while (i + 1 < line.n && s[i + 1] == ' ')
				i++;
			continue;
		}
		if (p->in_str) {
			if (p->esc) {
				p->esc = 0;
			} else if (c == '\\') {
				p->esc = 1;
			} else if (c == '"') {
				p->in_str = 0;
				if (p->k_in)
					key_done(p);
			} else if (p->k_in) {
				if (p->klen < sizeof(p->kbuf))
					p->kbuf[p->klen] = c;
				p->klen++;
			}
			continue;
		}
		switch (c) {
		case ' ': case '\t': case '\r': case '\n':
			continue;
		case ',':
			if (p->depth == p->edepth)
				p->want_elem = 1;
			if (p->depth == 1 && p->mode == J_TOP) {
				p->k_expect = 1;
				p->k_items = p->k_colon = 0;
			}
			continue;
		case ':':
			if (p->depth == 1 && p->mode == J_TOP)
				p->k_colon = p->k_items;
			continue;
		case '}':
		case ']':
			if (close_bracket(p, lineno, i)) {
				keep(p, s + from, i + 1 - from, 0);
				end_elem(p);
			}
			continue;
		default:
			break;
		}
		if (c == '"' && p->depth == 1 && p->mode == J_TOP &&
		    p->k_expect) {
			p->in_str = 1;
			p->k_in = 1;
			p->klen = 0;
			continue;
		}
		if (value_start(p, c, lineno, i, &from))
			break;
		if (c == '"')
			p->in_str = 1;
		else if (c == '{' || c == '[')
			open_bracket(p, lineno, i);
	}
	if (p->cap_on)
		keep(p, s + from, line.n - from, 1);
}

void jsondoc_end(struct jsondoc *p)
{
	pq_drain(p->pc.pq);
	if (p->junk_lines)
		warn(p, p->junk_line, p->junk_col,
		     "not JSON: text outside any JSON value skipped (%lu "
		     "line%s)", p->junk_lines, p->junk_lines == 1 ? "" : "s");
	if (p->depth || p->in_str) {
		if (p->cap_on && p->cap_keep)
			warn(p, p->last_line, 0,
			     "truncated JSON: input ends inside item %lu "
			     "(started at line %lu); item skipped",
			     p->cap_item, p->cap_line);
		else
			warn(p, p->last_line, 0,
			     "truncated JSON: input ends inside a value");
	}
	p->cap_on = p->cap_keep = 0;
	buf_free(&p->cap);
	p->junk_lines = 0;
	p->depth = 0;
	p->in_str = 0;
	to_top(p);
}

void jsondoc_free(struct jsondoc *p)
{
	if (!p)
		return;
	pq_drain(p->pc.pq);	/* its jobs point back at it */
	buf_free(&p->cap);
	free(p);
}

unsigned long jsondoc_settled(const struct jsondoc *p, unsigned long lineno)
{
	return pq_settled(p->pc.pq, 0, lineno);
}

size_t jsondoc_peak_buffer(const struct jsondoc *p)
{
	return p->peak;
}
