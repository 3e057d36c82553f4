/*
 * The `kubectl get` table parser (a stage-three parser, see parse.h): a
 * header row of upper-case column names whose start offsets define the
 * cells, then one row per object. Resource rows become partial objects
 * (ORIGIN_TABLE), `kubectl get events` rows become standalone events.
 *
 * Ownership: the parser owns its state and the hint strings it copied;
 * objects and events are handed over to the parse_ctx callbacks. The
 * helpers below (columns, prompts, ages, kinds) are shared with the
 * describe parser and keep no state.
 */
#ifndef KTRIAGE_GETTABLE_H
#define KTRIAGE_GETTABLE_H

#include <stddef.h>

#include "buf.h"
#include "object.h"
#include "parse.h"
#include "util.h"

struct gettable;

/*
 * How table rows land in the object tree (the printer columns of the
 * cert-manager CRDs read these fields back):
 *   NAME        name (a "kind/name" or "kind.group/name" cell also sets kind)
 *   NAMESPACE   namespace (else the prompt's -n, else NULL)
 *   READY       status.conditions[{type: Ready, status}] when True, False
 *               or Unknown; other values (pods' "1/1") go to columns.ready
 *   STATUS      the Ready condition's message for Certificate,
 *               CertificateRequest, Issuer, ClusterIssuer (or an unknown
 *               kind with a READY column); else columns.status
 *   APPROVED, DENIED   conditions Approved / Denied (status)
 *   STATE       status.state        DOMAIN      spec.dnsName
 *   REASON      status.reason       SECRET      spec.secretName
 *   ISSUER      spec.issuerRef.name EXPIRATION  status.notAfter
 *   REQUESTER   spec.username
 *   AGE         the scalar "age" at the top, as printed; parse_age() gives
 *               seconds
 *   anything else   columns.<normalized header>, e.g. columns.restarts
 * Empty cells are left out. The kind comes from the NAME cell, else from
 * the resource hint (pc->resource_hint, a `$ kubectl get ...` prompt line
 * in the input, or gettable_set_hint()); `kubectl get a,b` has none.
 */
struct gettable *gettable_new(const struct parse_ctx *pc);
void gettable_line(struct gettable *t, struct slice line,
		   unsigned long lineno);
/* Finish the input: ends the current table (and any nested describe). */
void gettable_end(struct gettable *t);
void gettable_free(struct gettable *t);
/*
 * Set the resource the following tables list ("challenges", "cert",
 * "orders.acme.cert-manager.io"); NULL clears it. The string is copied. A
 * prompt line in the input does the same by itself.
 */
void gettable_set_hint(struct gettable *t, const char *resource);

/*
 * The Kind for a resource name as kubectl accepts it: plural, singular,
 * short name or Kind, any case, with or without ".group"
 * ("challenges.acme.cert-manager.io" and "ciss" and "Challenge" all work).
 * Returns a static string, or NULL when unknown or a list ("a,b").
 */
const char *k8s_kind_for_resource(const char *resource, size_t n);

/* True for the cert-manager kinds (Certificate ... Challenge). */
int k8s_kind_is_cert_manager(const char *kind);

/* ---- Helpers shared with describe.c ---- */

#define GETTABLE_MAX_COLS 24

/* Column layout of a header row: names as printed and start offsets. */
struct gettable_cols {
	size_t n;
	size_t start[GETTABLE_MAX_COLS];
	char name[GETTABLE_MAX_COLS][32];
};

/*
 * Read a header row (cells split on runs of two or more spaces; a header
 * with single spaces only, "Type Reason Age From Message", is split on
 * every space). Returns the number of columns (0 for an empty line).
 */
size_t gettable_cols_parse(struct gettable_cols *c, struct slice header);
/*
 * Split a row into c->n cells (borrowed, trimmed; missing ones empty).
 * Aligned rows are cut at the header offsets, so cells may hold single
 * spaces and the last cell takes the rest of the line; rows that do not
 * line up fall back to runs of two or more spaces.
 */
void gettable_cols_split(const struct gettable_cols *c, struct slice row,
			 struct slice *cells);
/* Index of the column named name (case- and space-insensitive), or -1. */
int gettable_cols_find(const struct gettable_cols *c, const char *name);

/*
 * Copy raw into b without a trailing CR and with tabs expanded to 8-column
 * stops (kubectl aligns with spaces; pasted output may not). Returns the
 * cleaned line, valid until b changes.
 */
struct slice gettable_clean_line(struct buf *b, struct slice raw);

/* True when the line looks like a `kubectl get` header row. */
int gettable_header_line(struct slice line);

/*
 * A shell prompt line: "$ kubectl get challenges -n x", "# kubectl ...",
 * "user@host:~$ kubectl describe challenge/foo". Fields are owned (NULL
 * when absent); verb is NULL for a prompt that does not run kubectl.
 */
struct gettable_prompt {
	char *verb;		/* "get", "describe", ... */
	char *resource;		/* "challenges", "challenge" from "challenge/x" */
	char *name;
	char *ns;		/* -n / --namespace */
	char *output;		/* -o / --output */
};
/* Returns 1 and fills p for a prompt line, 0 (p zeroed) otherwise. */
int gettable_prompt_parse(struct slice line, struct gettable_prompt *p);
void gettable_prompt_free(struct gettable_prompt *p);

/*
 * Fill ev->count, last_age_s and first_age_s from an event age as kubectl
 * prints it: "106s", "101s (x3 over 106s)", "<unknown>" (ages -1).
 */
void gettable_event_age(struct kevent *ev, struct slice age);

#endif
