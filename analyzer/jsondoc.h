/*
 * The JSON object parser (kubectl get -o json, troubleshoot.sh
 * cluster-resources/ files). It follows the line-fed contract of parse.h:
 * a streaming scanner tracks strings and nesting over the bytes of the
 * lines and cuts out one value at a time, so a List of many objects is
 * read item by item and memory is bounded by the largest item, never by
 * the file. Each cut value is parsed with cJSON and turned into a field
 * tree for kobject_from_tree().
 *
 * Accepted shapes: a List-like object (any top-level object whose "items"
 * is an array: one kobject per element), a top-level array of objects, a
 * single object, and several top-level values in a row (JSON lines).
 * Values that are not objects (JSON log records) are dropped silently.
 * A broken item is reported as "source:line:col" and skipped; items
 * before it, and after it, still come out.
 *
 * Ownership: the parser copies the parse_ctx (its strings are borrowed
 * and must outlive it); every kobject handed to pc->on_object belongs to
 * the callee. jsondoc_free() releases the parser and any unread text.
 */
#ifndef KTRIAGE_JSONDOC_H
#define KTRIAGE_JSONDOC_H

#include <stddef.h>

#include "parse.h"
#include "util.h"

/* Deepest nesting one item may have before it is dropped. */
#define JSONDOC_MAX_DEPTH 512
/* Item size limit when pc->max_object_bytes is 0. */
#define JSONDOC_DEFAULT_MAX ((size_t)64 << 20)

struct jsondoc;

/* Start a parser; never returns NULL. */
struct jsondoc *jsondoc_new(const struct parse_ctx *pc);

/*
 * Feed the next line (without its newline); lineno is 1-based. Objects
 * completed on this line are handed to pc->on_object before it returns.
 */
void jsondoc_line(struct jsondoc *p, struct slice line, unsigned long lineno);

/* Finish: warns when the input ended inside a value. Call once. */
void jsondoc_end(struct jsondoc *p);

/* Release the parser (NULL is fine); unread text is discarded. */
void jsondoc_free(struct jsondoc *p);

/*
 * The most bytes the parser's buffers have held at once (allocated
 * capacity), for tests that check memory stays bounded by the largest
 * item.
 */
size_t jsondoc_peak_buffer(const struct jsondoc *p);

/*
 * The last line whose objects are all handed on, up to lineno: lines of
 * an item still queued are not (see yamldoc_settled()).
 */
unsigned long jsondoc_settled(const struct jsondoc *p, unsigned long lineno);

/*
 * One JSON text (line: the line it starts on) to a field tree, by the
 * direct reader (NULL where it gives up) and by cJSON (NULL on a syntax
 * error). Where both read it the trees are the same: tests and the JSON
 * fuzz target hold them to it. The caller frees the tree.
 */
struct fnode *jsondoc_fast_tree(const char *s, size_t n, unsigned long line);
struct fnode *jsondoc_cjson_tree(const char *s, size_t n, unsigned long line);

#endif
