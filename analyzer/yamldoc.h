/*
 * The YAML object parser (kubectl get -o yaml, manifests, troubleshoot.sh
 * custom-resource files). It follows the line-fed contract of parse.h:
 * lines are collected per YAML document and each document is read when
 * the next one starts or at yamldoc_end(), so memory is bounded by the
 * largest document, never by the file. A document in the regular block
 * YAML kubectl prints is read by the fast reader (yamlfast.h); anything
 * else, or anything it is not sure of, by libyaml's event API. Both give
 * the same tree.
 *
 * What comes out: one kobject per object; a List (kind "List" or any
 * "*List" kind) or a top-level sequence gives one kobject per item, with
 * the item's own line. Aliases are never expanded (they read as null);
 * a broken document is reported as "source:line:col" and only that
 * document is lost (items of a List completed before the error are kept).
 *
 * A List whose items are a sequence at column 0 ("items:" then "- ..."
 * lines, as kubectl prints it) and a top-level sequence at column 0 are
 * read an item at a time, as each item ends: memory is bounded by the
 * largest item, the size limit applies to each item, and a broken item
 * loses only itself. Such a document is taken for a List unless a
 * "kind:" that does not end in "List" comes before its items (kubectl
 * sorts keys, so a List's kind comes after them); the lines around the
 * items are read as a document of their own.
 *
 * Ownership: the parser copies the parse_ctx (its strings are borrowed
 * and must outlive it); every kobject handed to pc->on_object belongs to
 * the callee. yamldoc_free() releases the parser and any unread text.
 */
#ifndef KTRIAGE_YAMLDOC_H
#define KTRIAGE_YAMLDOC_H

#include "parse.h"
#include "util.h"

/* Deepest nesting of mappings and sequences a document may have. */
#define YAMLDOC_MAX_DEPTH 256
/* Document size limit when pc->max_object_bytes is 0. */
#define YAMLDOC_DEFAULT_MAX ((size_t)64 << 20)

struct yamldoc;

/* Start a parser; never returns NULL. */
struct yamldoc *yamldoc_new(const struct parse_ctx *pc);

/*
 * Feed the next line (without its newline). lineno is 1-based and should
 * grow by one per line; a first line starting with "$ " (a shell prompt)
 * is skipped. Objects of the previous document may be emitted from here.
 */
void yamldoc_line(struct yamldoc *p, struct slice line, unsigned long lineno);

/* Read the last document; call once after the last line. */
void yamldoc_end(struct yamldoc *p);

/* Release the parser (NULL is fine); unread text is discarded. */
void yamldoc_free(struct yamldoc *p);

/*
 * The most bytes the parser's buffers have held at once (allocated
 * capacity), for tests that check a List is read an item at a time.
 */
size_t yamldoc_peak_buffer(const struct yamldoc *p);

/*
 * The last line whose objects are all handed on, up to lineno: lines of
 * a List item still open or queued are not. Line hits held back for
 * objects can go to them up to there.
 */
unsigned long yamldoc_settled(const struct yamldoc *p, unsigned long lineno);

#endif
