/*
 * The resource graph: every object of the bundle (and every object a
 * finding names but the bundle does not hold) linked the way cert-manager
 * links them: Certificate -> CertificateRequest -> Order -> Challenge ->
 * solver Pod/Service/Ingress, each of them -> its Issuer or ClusterIssuer,
 * and Ingress -> Certificate. Links come from owner references, then
 * cert-manager's annotations, then event messages that name the child,
 * then cert-manager's naming scheme, so partial inputs (describe output
 * of a few objects, names from a log) still form chains. The graph borrows
 * the objects of the store; nodes it infers own their names.
 */
#ifndef KTRIAGE_CHAIN_H
#define KTRIAGE_CHAIN_H

#include <stddef.h>

#include "buf.h"
#include "findings.h"
#include "hmap.h"
#include "util.h"
#include "store.h"

enum link_source {
	LINK_NONE,
	LINK_OWNER,		/* ownerReferences */
	LINK_ANNOTATION,	/* cert-manager.io/certificate-name (+ revision) */
	LINK_EVENT,		/* "Created Order resource ns/name" */
	LINK_NAME,		/* the naming scheme */
};

struct gnode {
	const char *kind;	/* may be NULL when only a name is known */
	const char *ns;
	const char *name;
	struct kobject *obj;	/* NULL for an inferred node */
	int parent;		/* index, or -1 */
	enum link_source parent_link;
	int issuer;		/* index of the Issuer/ClusterIssuer, or -1 */
	int ingress;		/* the Ingress a Certificate was made for, or -1 */
	int level;		/* 0 Certificate, 1 CR, 2 Order, 3 Challenge, 4 solver */
	int first_child;	/* children list, after graph_build(); -1 */
	int next_sibling;
};

struct graph {
	struct gnode *v;
	size_t n, cap;
	struct hmap index;	/* "kind\nns\nname" -> index + 1 */
	struct hmap by_name;	/* "ns\nname" -> first index + 1 */
	/* The keys, and the names of inferred nodes. */
	struct strblocks strings;
};

/* Build the graph from the store and the resources findings name. */
void graph_build(struct graph *g, struct store *st, struct findings *fs);
void graph_free(struct graph *g);

/* Index of a node, or -1; kind NULL matches any kind (first found). */
int graph_find(const struct graph *g, const char *kind, const char *ns,
	       const char *name);

/* The node a finding is about, or -1. */
int graph_node_of(const struct graph *g, const struct finding *f);

/*
 * The chain of a node from its top (a Certificate where known) down to the
 * node itself: fills out[] with indexes, returns how many (at most max).
 */
size_t graph_chain(const struct graph *g, int node, int *out, size_t max);

/* Whether node a is an ancestor of node b (a above b in a chain). */
int graph_is_ancestor(const struct graph *g, int a, int b);

/* The issuer a node's chain uses (its own, or an ancestor's), or -1. */
int graph_chain_issuer(const struct graph *g, int node);

/* A one-word status of a node ("pending", "Ready=False", ...), or NULL. */
void graph_status(const struct graph *g, int node, struct buf *out);

/*
 * Whether a node is healthy now: Certificate/CertificateRequest/Issuer
 * Ready=True, Order/Challenge state valid. *since gets when it became so
 * (unix ms, INT64_MIN unknown).
 */
int graph_healthy(const struct graph *g, int node, int64_t *since);

/* The chain level of a kind: 0 Certificate .. 4 solver; -1 other. */
int graph_kind_level(const char *kind);

#endif
