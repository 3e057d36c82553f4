/*
 * Building the resource graph, between match and rank. The store's
 * objects become nodes; names that only findings know (a Challenge named
 * in a log line) become inferred nodes; then parents and issuers are found
 * link by link, most reliable evidence first.
 */
#include "chain.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const chain_kinds[] = {
	"Certificate", "CertificateRequest", "Order", "Challenge"
};

int graph_kind_level(const char *kind)
{
	size_t i;

	if (!kind)
		return -1;
	for (i = 0; i < ARRAY_SIZE(chain_kinds); i++)
		if (!strcmp(kind, chain_kinds[i]))
			return (int)i;
	return -1;
}

int graph_find(const struct graph *g, const char *kind, const char *ns,
	       const char *name)
{
	const char *part[3] = { kind, ns, name };
	struct keybuf k;
	void *v;

	if (!name)
		return -1;
	keybuf_init(&k);
	/* Without a kind: "ns\nname" in the name index. */
	keybuf_set(&k, kind ? 3 : 2, kind ? part : part + 1);
	v = hmap_get(kind ? &g->index : &g->by_name, k.p, k.n);
	keybuf_free(&k);
	return v ? (int)((uintptr_t)v - 1) : -1;
}

static int add_node(struct graph *g, const char *kind, const char *ns,
		    const char *name, struct kobject *obj)
{
	struct gnode *n;
	struct keybuf k;
	const char *key, *tail;
	size_t klen;

	g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof(*g->v));
	n = &g->v[g->n];
	memset(n, 0, sizeof(*n));
	n->parent = n->issuer = n->ingress = -1;
	n->obj = obj;
	if (obj) {
		n->kind = obj->kind;
		n->ns = obj->ns;
		n->name = obj->name;
	} else {
		n->kind = kind ? strblocks_dup(&g->strings, kind,
					       strlen(kind)) : NULL;
		n->ns = ns && *ns ? strblocks_dup(&g->strings, ns, strlen(ns)) :
			NULL;
		n->name = strblocks_dup(&g->strings, name, strlen(name));
	}
	n->level = graph_kind_level(n->kind);
	if (n->level < 0 && obj && kobject_label(obj,
			"acme.cert-manager.io/http01-solver"))
		n->level = 4;
	{
		const char *part[3] = { n->kind, n->ns, n->name };

		keybuf_init(&k);
		keybuf_set(&k, 3, part);
		key = strblocks_dup(&g->strings, k.p, k.n);
		klen = k.n;
		keybuf_free(&k);
	}
	hmap_put(&g->index, key, klen, (void *)(uintptr_t)(g->n + 1));
	/* The key's tail is "ns\nname". */
	tail = strchr(key, '\n') + 1;
	if (!hmap_get(&g->by_name, tail, klen - (size_t)(tail - key)))
		hmap_put(&g->by_name, tail, klen - (size_t)(tail - key),
			 (void *)(uintptr_t)(g->n + 1));
	return (int)g->n++;
}

/* Find a node, or add an inferred one. */
static int need_node(struct graph *g, const char *kind, const char *ns,
		     const char *name)
{
	int i = graph_find(g, kind, ns, name);

	return i >= 0 ? i : add_node(g, kind, ns, name, NULL);
}

static const char *parent_kind(const char *kind)
{
	int l = graph_kind_level(kind);

	return l > 0 ? chain_kinds[l - 1] : NULL;
}

static void set_parent(struct graph *g, int child, int parent,
		       enum link_source how)
{
	struct gnode *c = &g->v[child];

	if (parent < 0 || parent == child)
		return;
	/* A better link wins; never make a cycle. */
	if (c->parent >= 0 && c->parent_link <= how)
		return;
	if (graph_is_ancestor(g, child, parent))
		return;
	c->parent = parent;
	c->parent_link = how;
}

/* The parent named by a controller owner reference. */
static void link_owner(struct graph *g, int i)
{
	const struct kobject *o = g->v[i].obj;
	size_t k;

	for (k = 0; k < o->nowners; k++) {
		const struct owner_ref *r = &o->owners[k];

		if (!r->kind || !r->name)
			continue;
		if (!strcmp(r->kind, "Ingress") && g->v[i].level == 0) {
			/* need_node() may move g->v: assign afterwards. */
			int in = need_node(g, "Ingress", o->ns, r->name);

			g->v[i].ingress = in;
			continue;
		}
		if (graph_kind_level(r->kind) < 0)
			continue;
		set_parent(g, i, need_node(g, r->kind, o->ns, r->name),
			   LINK_OWNER);
	}
}

/* CertificateRequest and Order carry the Certificate's name. */
static void link_annotation(struct graph *g, int i)
{
	const struct kobject *o = g->v[i].obj;
	const char *cert = kobject_annotation(o, "cert-manager.io/certificate-name");
	const char *rev = kobject_annotation(o,
					     "cert-manager.io/certificate-revision");
	struct buf cr = BUF_INIT;

	if (!cert)
		return;
	if (g->v[i].level == 1) {
		set_parent(g, i, need_node(g, "Certificate", o->ns, cert),
			   LINK_ANNOTATION);
	} else if (g->v[i].level == 2 && rev) {
		/* With stable names the request is <certificate>-<revision>. */
		buf_addf(&cr, "%s-%s", cert, rev);
		if (!strncmp(o->name, cr.p, cr.len) && o->name[cr.len] == '-')
			set_parent(g, i, need_node(g, "CertificateRequest",
						   o->ns, cr.p),
				   LINK_ANNOTATION);
		buf_free(&cr);
	}
}

/* "Created Order resource ns/name", "Created Challenge resource "x"". */
static void link_events(struct graph *g, int i)
{
	static const struct {
		const char *prefix;
		const char *kind;
	} forms[] = {
		{ "Created Order resource ", "Order" },
		{ "Created Challenge resource ", "Challenge" },
		{ "Created new CertificateRequest resource ",
		  "CertificateRequest" },
	};
	const struct kobject *o = g->v[i].obj;
	size_t k, f;

	for (k = 0; k < o->nevents; k++) {
		const char *m = o->events[k].message;

		if (!m)
			continue;
		for (f = 0; f < ARRAY_SIZE(forms); f++) {
			const char *p = strstr(m, forms[f].prefix);
			char name[256];
			size_t n;

			if (!p)
				continue;
			p += strlen(forms[f].prefix);
			if (*p == '"')
				p++;
			n = strcspn(p, "\" ");
			if (!n || n >= sizeof(name))
				continue;
			memcpy(name, p, n);
			name[n] = '\0';
			/* "ns/name" in the Order form. */
			{
				char *slash = strchr(name, '/');
				const char *nm = slash ? slash + 1 : name;
				int child;

				if (slash)
					*slash = '\0';
				child = need_node(g, forms[f].kind,
						  slash ? name : o->ns, nm);
				if (parent_kind(forms[f].kind) && o->kind &&
				    !strcmp(parent_kind(forms[f].kind),
					    o->kind))
					set_parent(g, child, i, LINK_EVENT);
			}
		}
	}
}

/*
 * cert-manager's names: Challenge = <order>-<number>, Order =
 * <request>-<number>, CertificateRequest = <certificate>-<revision> or
 * <certificate>-<5 random characters>.
 */
static void link_name(struct graph *g, int i)
{
	const char *name = g->v[i].name, *dash, *pk;
	int level = g->v[i].level, digits = 1;
	size_t n, k;
	char *parent;

	if (level < 1 || level > 3 || g->v[i].parent >= 0)
		return;
	dash = strrchr(name, '-');
	if (!dash || dash == name || !dash[1])
		return;
	n = strlen(dash + 1);
	for (k = 0; k < n; k++)
		if (!isdigit((unsigned char)dash[1 + k]))
			digits = 0;
	if (!digits && !(level == 1 && n == 5))
		return;
	pk = parent_kind(g->v[i].kind);
	parent = xstrndup(name, (size_t)(dash - name));
	set_parent(g, i, need_node(g, pk, g->v[i].ns, parent), LINK_NAME);
	free(parent);
}

static void link_issuer(struct graph *g, int i)
{
	const struct kobject *o = g->v[i].obj;
	const char *name, *kind;
	int iss;

	if (!o || g->v[i].level < 0 || g->v[i].level > 3)
		return;
	name = kobject_ref(o, KREF_ISSUER_NAME, 0);
	kind = kobject_ref(o, KREF_ISSUER_KIND, 0);
	if (!name)
		return;
	if (!kind)
		kind = "Issuer";
	iss = need_node(g, kind, strcmp(kind, "ClusterIssuer") ? o->ns : NULL,
			name);
	g->v[i].issuer = iss;
}

struct tls_use {
	const char *ns;
	const char *secret;
	int ingress;
};

static void collect_tls(const struct fnode *n, void *ctx)
{
	struct tls_use *u = ctx;

	if (n->value && !u->secret)
		u->secret = n->value;
}

/*
 * Site Ingresses by TLS secret name, for Certificates made by hand: one
 * pass over the Ingresses builds "ns\nsecret" -> Ingress.
 */
static void link_ingresses(struct graph *g)
{
	struct hmap idx;
	struct keybuf k;
	char **keys = NULL;
	size_t nkeys = 0, cap = 0, i;

	memset(&idx, 0, sizeof(idx));
	keybuf_init(&k);
	for (i = 0; i < g->n; i++) {
		const struct kobject *in = g->v[i].obj;
		struct tls_use u = { NULL, NULL, (int)i };

		if (!in || !in->kind || strcmp(in->kind, "Ingress"))
			continue;
		fnode_find_all(kobject_root(in), "spec.tls.secretName",
			       collect_tls, &u);
		if (!u.secret)
			continue;
		keybuf_set(&k, 2, (const char *const[]){ in->ns, u.secret });
		if (hmap_get(&idx, k.p, k.n))
			continue;
		keys = xgrow(keys, &cap, nkeys + 1, sizeof(*keys));
		keys[nkeys] = xstrdup(k.p);
		hmap_put(&idx, keys[nkeys], k.n, (void *)(uintptr_t)(i + 1));
		nkeys++;
	}
	for (i = 0; nkeys && i < g->n; i++) {
		const struct kobject *o = g->v[i].obj;
		const char *secret;
		void *v;

		if (!o || g->v[i].level != 0 || g->v[i].ingress >= 0)
			continue;
		secret = kobject_ref(o, KREF_SECRET_NAME, 0);
		if (!secret)
			continue;
		keybuf_set(&k, 2, (const char *const[]){ o->ns, secret });
		v = hmap_get(&idx, k.p, k.n);
		if (v)
			g->v[i].ingress = (int)((uintptr_t)v - 1);
	}
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	hmap_free(&idx);
	keybuf_free(&k);
}

void graph_build(struct graph *g, struct store *st, struct findings *fs)
{
	size_t i, real;

	memset(g, 0, sizeof(*g));
	/*
	 * A node per object, and some inferred from names and findings: room
	 * for many (pages never written cost nothing), so the array is not
	 * copied as it grows.
	 */
	g->cap = 4 * st->n + fs->n + 16;
	g->v = xmalloc(g->cap * sizeof(*g->v));
	hmap_reserve(&g->index, st->n + st->n / 4 + fs->n);
	hmap_reserve(&g->by_name, st->n + st->n / 4 + fs->n);
	for (i = 0; i < st->n; i++)
		if (st->v[i]->name)
			add_node(g, st->v[i]->kind, st->v[i]->ns,
				 st->v[i]->name, st->v[i]);
	for (i = 0; i < fs->n; i++) {
		const struct resource *r = &fs->v[i]->res;

		if (r->name && graph_find(g, r->kind, r->ns, r->name) < 0 &&
		    (r->kind || graph_find(g, NULL, r->ns, r->name) < 0))
			add_node(g, r->kind, r->ns, r->name, NULL);
	}
	real = g->n;
	for (i = 0; i < real; i++) {
		if (!g->v[i].obj)
			continue;
		link_owner(g, (int)i);
		link_annotation(g, (int)i);
		link_events(g, (int)i);
		link_issuer(g, (int)i);
	}
	/* The naming scheme last, also for the nodes just inferred. */
	for (i = 0; i < g->n; i++)
		link_name(g, (int)i);
	link_ingresses(g);
	/* Children lists, in node order. */
	for (i = 0; i < g->n; i++)
		g->v[i].first_child = g->v[i].next_sibling = -1;
	for (i = g->n; i-- > 0;) {
		int p = g->v[i].parent;

		if (p < 0)
			continue;
		g->v[i].next_sibling = g->v[p].first_child;
		g->v[p].first_child = (int)i;
	}
}

void graph_free(struct graph *g)
{
	strblocks_free(&g->strings);
	free(g->v);
	hmap_free(&g->index);
	hmap_free(&g->by_name);
	memset(g, 0, sizeof(*g));
}

int graph_node_of(const struct graph *g, const struct finding *f)
{
	if (!f->res.name)
		return -1;
	return graph_find(g, f->res.kind, f->res.ns, f->res.name);
}

size_t graph_chain(const struct graph *g, int node, int *out, size_t max)
{
	int up[16];
	size_t n = 0, k;
	int i = node;

	while (i >= 0 && n < ARRAY_SIZE(up)) {
		up[n++] = i;
		i = g->v[i].parent;
	}
	for (k = 0; k < n && k < max; k++)
		out[k] = up[n - 1 - k];
	return k;
}

int graph_is_ancestor(const struct graph *g, int a, int b)
{
	int steps = 0;

	if (a < 0 || b < 0)
		return 0;
	for (b = g->v[b].parent; b >= 0 && steps < 16; b = g->v[b].parent,
	     steps++)
		if (b == a)
			return 1;
	return 0;
}

int graph_chain_issuer(const struct graph *g, int node)
{
	int steps = 0;

	for (; node >= 0 && steps < 16; node = g->v[node].parent, steps++)
		if (g->v[node].issuer >= 0)
			return g->v[node].issuer;
	return -1;
}

void graph_status(const struct graph *g, int node, struct buf *out)
{
	const struct kobject *o = g->v[node].obj;
	const struct kcondition *c;
	const char *state;

	if (!o)
		return;
	state = kobject_ref(o, KREF_STATE, 1);
	if (state) {
		buf_adds(out, state);
		return;
	}
	c = kobject_condition(o, "Ready");
	if (c && c->status) {
		buf_addf(out, "Ready=%s", c->status);
		if (c->reason && strcmp(c->status, "True"))
			buf_addf(out, " (%s)", c->reason);
		return;
	}
	c = kobject_condition(o, "Denied");
	if (c && c->status && !strcmp(c->status, "True"))
		buf_adds(out, "Denied");
}

int graph_healthy(const struct graph *g, int node, int64_t *since)
{
	const struct kobject *o = g->v[node].obj;
	const struct kcondition *c;
	const char *state;

	*since = INT64_MIN;
	if (!o)
		return 0;
	state = kobject_ref(o, KREF_STATE, 1);
	if (state)
		return !strcmp(state, "valid");
	c = kobject_condition(o, "Ready");
	if (!c || !c->status || strcmp(c->status, "True"))
		return 0;
	if (c->last_transition_ts != TIME_UNKNOWN)
		*since = c->last_transition_ts * 1000;
	return 1;
}
