/*
 * `kubectl get` tables (stage three of the pipeline): the header row's
 * column starts cut every row into cells, resource rows become partial
 * objects whose fields sit where the CRD printer columns read them, and
 * `kubectl get events` rows become standalone events. Prompt lines set
 * the resource (hence the kind) of the tables after them; a describe
 * output pasted in between is handed to a nested describe parser.
 */
#include "gettable.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "describe.h"

/* ---- Kinds ---- */

static const struct {
	const char *kind;
	const char *names;	/* space separated, lower case, besides kind */
	int cert_manager;
} kinds[] = {
	{ "Certificate", "certificates cert certs", 1 },
	{ "CertificateRequest", "certificaterequests cr crs", 1 },
	{ "Issuer", "issuers iss", 1 },
	{ "ClusterIssuer", "clusterissuers ciss", 1 },
	{ "Order", "orders", 1 },
	{ "Challenge", "challenges", 1 },
	{ "Ingress", "ingresses ing", 0 },
	{ "IngressClass", "ingressclasses", 0 },
	{ "Pod", "pods po", 0 },
	{ "Service", "services svc", 0 },
	{ "Endpoints", "ep", 0 },
	{ "Secret", "secrets", 0 },
	{ "Event", "events ev", 0 },
	{ "Deployment", "deployments deploy", 0 },
	{ "ReplicaSet", "replicasets rs", 0 },
	{ "StatefulSet", "statefulsets sts", 0 },
	{ "DaemonSet", "daemonsets ds", 0 },
	{ "Job", "jobs", 0 },
	{ "CronJob", "cronjobs cj", 0 },
	{ "Namespace", "namespaces ns", 0 },
	{ "Node", "nodes no", 0 },
	{ "ConfigMap", "configmaps cm", 0 },
	{ "ServiceAccount", "serviceaccounts sa", 0 },
	{ "Gateway", "gateways gtw", 0 },
	{ "HTTPRoute", "httproutes", 0 },
	{ "CustomResourceDefinition", "customresourcedefinitions crd crds", 0 },
	{ "ValidatingWebhookConfiguration",
	  "validatingwebhookconfigurations", 0 },
	{ "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", 0 },
	{ "APIService", "apiservices", 0 },
	{ "Lease", "leases", 0 },
};

/* Case-insensitive: is word (n bytes) one of the space separated names? */
static int in_names(const char *names, const char *word, size_t n)
{
	const char *p = names;

	while (*p) {
		size_t len = strcspn(p, " ");

		if (len == n && !strncasecmp(p, word, n))
			return 1;
		p += len;
		while (*p == ' ')
			p++;
	}
	return 0;
}

const char *k8s_kind_for_resource(const char *resource, size_t n)
{
	size_t i, len;

	if (!resource)
		return NULL;
	if (memchr(resource, ',', n))
		return NULL;
	/* "challenges.acme.cert-manager.io": the group does not matter. */
	for (len = 0; len < n && resource[len] != '.'; len++)
		;
	if (!len)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if ((strlen(kinds[i].kind) == len &&
		     !strncasecmp(kinds[i].kind, resource, len)) ||
		    in_names(kinds[i].names, resource, len))
			return kinds[i].kind;
	return NULL;
}

int k8s_kind_is_cert_manager(const char *kind)
{
	size_t i;

	if (!kind)
		return 0;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return kinds[i].cert_manager;
	return 0;
}

/* ---- Columns ---- */

#define MAX_FIELDS 64

/*
 * Split s into fields separated by runs of at least minsep spaces; start
 * and end offsets (end exclusive). Returns the number of fields.
 */
static size_t split_fields(struct slice s, size_t minsep, size_t *start,
			   size_t *end, size_t max)
{
	size_t i = 0, n = 0;

	while (i < s.n && n < max) {
		size_t j, sp;

		while (i < s.n && s.p[i] == ' ')
			i++;
		if (i >= s.n)
			break;
		start[n] = i;
		j = i;
		for (;;) {
			while (j < s.n && s.p[j] != ' ')
				j++;
			for (sp = 0; j + sp < s.n && s.p[j + sp] == ' '; sp++)
				;
			if (j + sp >= s.n || sp >= minsep)
				break;
			j += sp;
		}
		end[n++] = j;
		i = j;
	}
	return n;
}

size_t gettable_cols_parse(struct gettable_cols *c, struct slice h)
{
	size_t st[MAX_FIELDS], en[MAX_FIELDS], n, i;

	memset(c, 0, sizeof(*c));
	n = split_fields(h, 2, st, en, MAX_FIELDS);
	if (n == 1 && memchr(h.p + st[0], ' ', en[0] - st[0]))
		n = split_fields(h, 1, st, en, MAX_FIELDS);
	if (n > GETTABLE_MAX_COLS)
		n = GETTABLE_MAX_COLS;
	for (i = 0; i < n; i++) {
		size_t len = en[i] - st[i];

		if (len >= sizeof(c->name[i]))
			len = sizeof(c->name[i]) - 1;
		memcpy(c->name[i], h.p + st[i], len);
		c->name[i][len] = '\0';
		c->start[i] = st[i];
	}
	c->n = n;
	return n;
}

static struct slice cell(struct slice row, size_t from, size_t to)
{
	if (from >= row.n)
		return slice_make(row.p + row.n, 0);
	if (to > row.n)
		to = row.n;
	return slice_trim(slice_make(row.p + from, to - from));
}

/*
 * kubectl aligns every cell to its header and pads the cell before it (two
 * spaces in describe, three in get, one tab in very old kubectl): a cell
 * boundary must follow a blank.
 */
static int row_aligned(const struct gettable_cols *c, struct slice row)
{
	size_t i, b;

	for (b = 0; b < c->start[0] && b < row.n; b++)
		if (row.p[b] != ' ')
			return 0;
	for (i = 1; i < c->n; i++) {
		b = c->start[i];
		if (b >= row.n)
			break;
		if (row.p[b - 1] != ' ')
			return 0;
	}
	return 1;
}

void gettable_cols_split(const struct gettable_cols *c, struct slice row,
			 struct slice *cells)
{
	size_t st[MAX_FIELDS], en[MAX_FIELDS], nf, i, j, k;

	for (i = 0; i < c->n; i++)
		cells[i] = slice_make(row.p, 0);
	if (!c->n)
		return;
	if (row_aligned(c, row)) {
		for (i = 0; i + 1 < c->n; i++)
			cells[i] = cell(row, c->start[i], c->start[i + 1]);
		cells[i] = cell(row, c->start[i], row.n);
		return;
	}
	nf = split_fields(row, 2, st, en, MAX_FIELDS);
	if (nf >= c->n) {
		/* Extra fields belong to the last cell (double spaces). */
		for (i = 0; i + 1 < c->n; i++)
			cells[i] = slice_make(row.p + st[i], en[i] - st[i]);
		cells[i] = cell(row, st[i], row.n);
		return;
	}
	/* Fewer fields than columns: each goes to the nearest column. */
	for (k = 0, j = 0; k < nf; k++) {
		size_t best = j, bestd = (size_t)-1;

		for (i = j; i + (nf - k) <= c->n; i++) {
			size_t d = st[k] > c->start[i] ? st[k] - c->start[i] :
				c->start[i] - st[k];

			if (d < bestd) {
				bestd = d;
				best = i;
			}
		}
		cells[best] = slice_make(row.p + st[k], en[k] - st[k]);
		j = best + 1;
	}
	if (j == c->n && nf)
		cells[c->n - 1] = cell(row, st[nf - 1], row.n);
}

/* Compare letters only, ignoring case and spaces: "LAST SEEN" = "lastseen". */
static int name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

int gettable_cols_find(const struct gettable_cols *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (name_eq(c->name[i], name))
			return (int)i;
	return -1;
}

int gettable_header_line(struct slice line)
{
	size_t st[MAX_FIELDS], en[MAX_FIELDS], n, i;
	struct slice first;

	for (i = 0; i < line.n; i++) {
		unsigned char ch = (unsigned char)line.p[i];

		if (islower(ch) || !(isupper(ch) || isdigit(ch) ||
				     (ch && strchr(" _-()./%:#", ch))))
			return 0;
	}
	n = split_fields(line, 2, st, en, MAX_FIELDS);
	if (n < 2)
		return 0;
	first = slice_make(line.p + st[0], en[0] - st[0]);
	return slice_eq(first, "NAME") || slice_eq(first, "NAMESPACE") ||
	       slice_eq(first, "LAST SEEN") || slice_eq(first, "LASTSEEN") ||
	       slice_eq(first, "FIRST SEEN") || slice_eq(first, "KIND");
}

/* ---- Prompts ---- */

#define MAX_TOKENS 48

static int tok_is(struct slice t, const char *s)
{
	return slice_eq(t, s);
}

static char *tok_dup(struct slice t)
{
	return xstrndup(t.p, t.n);
}

/* Options of kubectl that take a separate argument. */
static int takes_arg(struct slice t)
{
	static const char *const opts[] = {
		"-n", "--namespace", "-o", "--output", "-l", "--selector",
		"--context", "--kubeconfig", "--cluster", "--user",
		"--field-selector", "--sort-by", "-c", "--container", "-f",
		"--filename", "--template", "-L", "--label-columns", "-s",
		"--server", "--token", "--as", "--request-timeout",
		"--chunk-size", "-v", "--v",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++)
		if (tok_is(t, opts[i]))
			return 1;
	return 0;
}

/* "-n x", "-nx", "-n=x", "--namespace x", "--namespace=x" */
static int opt_value(struct slice *tok, size_t ntok, size_t *i,
		     const char *shrt, const char *lng, struct slice *val)
{
	struct slice t = tok[*i];
	size_t ls = strlen(shrt), ll = strlen(lng);

	if (tok_is(t, shrt) || tok_is(t, lng)) {
		if (*i + 1 >= ntok)
			return 0;
		*val = tok[++*i];
		return 1;
	}
	if (t.n > ll && !memcmp(t.p, lng, ll) && t.p[ll] == '=') {
		*val = slice_make(t.p + ll + 1, t.n - ll - 1);
		return 1;
	}
	if (t.n > ls && !memcmp(t.p, shrt, ls)) {
		size_t skip = ls + (t.p[ls] == '=');

		*val = slice_make(t.p + skip, t.n - skip);
		return 1;
	}
	return 0;
}

static void set_owned(char **dst, struct slice v)
{
	free(*dst);
	*dst = tok_dup(v);
}

int gettable_prompt_parse(struct slice line, struct gettable_prompt *p)
{
	struct slice t = slice_trim(line), tok[MAX_TOKENS], v;
	size_t ntok = 0, i = 0, pos = 0;
	const char *kc;

	memset(p, 0, sizeof(*p));
	if (slice_starts(t, "$ ") || slice_starts(t, "% ")) {
		t = slice_trim(slice_make(t.p + 2, t.n - 2));
	} else if (slice_starts(t, "# kubectl ") ||
		   slice_starts(t, "> kubectl ")) {
		t = slice_make(t.p + 2, t.n - 2);
	} else if (!slice_starts(t, "kubectl ")) {
		/* "user@host:~$ kubectl ..." */
		size_t k;

		kc = t.n ? memmem(t.p, t.n, "$ kubectl ", 10) : NULL;
		if (!kc)
			return 0;
		for (k = 0; t.p + k < kc; k++)
			if (t.p[k] == ' ')
				return 0;
		t = slice_make(kc + 2, t.n - (size_t)(kc + 2 - t.p));
	}
	while (pos < t.n && ntok < MAX_TOKENS) {
		size_t s;

		while (pos < t.n && (t.p[pos] == ' ' || t.p[pos] == '\t'))
			pos++;
		s = pos;
		while (pos < t.n && t.p[pos] != ' ' && t.p[pos] != '\t')
			pos++;
		if (pos > s)
			tok[ntok++] = slice_make(t.p + s, pos - s);
	}
	while (i < ntok && (tok_is(tok[i], "sudo") ||
			    tok_is(tok[i], "microk8s") || tok_is(tok[i], "k3s")))
		i++;
	if (i >= ntok || !(tok_is(tok[i], "kubectl") ||
			   tok_is(tok[i], "microk8s.kubectl") ||
			   tok_is(tok[i], "oc")))
		return 1;
	for (i++, pos = 0; i < ntok; i++) {
		struct slice a = tok[i];

		if (opt_value(tok, ntok, &i, "-n", "--namespace", &v)) {
			set_owned(&p->ns, v);
			continue;
		}
		if (opt_value(tok, ntok, &i, "-o", "--output", &v)) {
			set_owned(&p->output, v);
			continue;
		}
		if (a.n && a.p[0] == '-') {
			if (takes_arg(a))
				i++;
			continue;
		}
		if (a.p[0] == '|' || a.p[0] == '>' || a.p[0] == ';' ||
		    a.p[0] == '&')
			break;
		switch (pos++) {
		case 0:
			p->verb = tok_dup(a);
			break;
		case 1: {
			const char *slash = memchr(a.p, '/', a.n);

			if (slash) {
				p->resource = xstrndup(a.p,
						       (size_t)(slash - a.p));
				p->name = xstrndup(slash + 1, a.n -
						   (size_t)(slash + 1 - a.p));
			} else {
				p->resource = tok_dup(a);
			}
			break;
		}
		case 2:
			if (!p->name)
				p->name = tok_dup(a);
			break;
		default:
			break;
		}
	}
	return 1;
}

void gettable_prompt_free(struct gettable_prompt *p)
{
	free(p->verb);
	free(p->resource);
	free(p->name);
	free(p->ns);
	free(p->output);
	memset(p, 0, sizeof(*p));
}

/* ---- Event ages ---- */

void gettable_event_age(struct kevent *ev, struct slice age)
{
	struct slice a = slice_trim(age);
	const char *x;

	ev->count = 1;
	ev->last_age_s = ev->first_age_s = -1;
	if (!a.n || a.p[0] == '<')
		return;
	/* "101s (x3 over 106s)" */
	x = memmem(a.p, a.n, " (x", 3);
	if (x) {
		const char *p = x + 3, *end = a.p + a.n;
		unsigned long count = 0;

		ev->last_age_s = parse_age(a.p, (size_t)(x - a.p));
		while (p < end && isdigit((unsigned char)*p) &&
		       count < 100000000UL)
			count = count * 10 + (unsigned long)(*p++ - '0');
		if (count)
			ev->count = count;
		if (end - p > 6 && !memcmp(p, " over ", 6)) {
			const char *s = p + 6, *e = s;

			while (e < end && *e != ')')
				e++;
			ev->first_age_s = parse_age(s, (size_t)(e - s));
		}
		return;
	}
	ev->last_age_s = ev->first_age_s = parse_age(a.p, a.n);
}

/* ---- The table parser ---- */

enum col_role {
	COL_OTHER,
	COL_NAME,
	COL_NAMESPACE,
	COL_READY,
	COL_STATUS,
	COL_APPROVED,
	COL_DENIED,
	COL_STATE,
	COL_DOMAIN,
	COL_REASON,
	COL_SECRET,
	COL_ISSUER,
	COL_EXPIRATION,
	COL_REQUESTER,
	COL_AGE,
	COL_LASTSEEN,
	COL_FIRSTSEEN,
	COL_COUNT,
	COL_TYPE,
	COL_OBJECT,
	COL_MESSAGE,
	COL_SOURCE,
	COL_KIND,
};

static const struct {
	const char *name;
	enum col_role role;
} col_names[] = {
	{ "NAME", COL_NAME }, { "NAMESPACE", COL_NAMESPACE },
	{ "READY", COL_READY }, { "STATUS", COL_STATUS },
	{ "APPROVED", COL_APPROVED }, { "DENIED", COL_DENIED },
	{ "STATE", COL_STATE }, { "DOMAIN", COL_DOMAIN },
	{ "REASON", COL_REASON }, { "SECRET", COL_SECRET },
	{ "ISSUER", COL_ISSUER }, { "EXPIRATION", COL_EXPIRATION },
	{ "REQUESTER", COL_REQUESTER }, { "AGE", COL_AGE },
	{ "LAST SEEN", COL_LASTSEEN }, { "FIRST SEEN", COL_FIRSTSEEN },
	{ "COUNT", COL_COUNT }, { "TYPE", COL_TYPE },
	{ "OBJECT", COL_OBJECT }, { "MESSAGE", COL_MESSAGE },
	{ "SOURCE", COL_SOURCE }, { "FROM", COL_SOURCE },
	{ "KIND", COL_KIND },
};

struct gettable {
	struct parse_ctx pc;
	char *hint;		/* the resource the tables list */
	char *ns;		/* -n of the last get prompt */
	struct buf line;	/* the current line, cleaned */
	struct gettable_cols cols;
	enum col_role role[GETTABLE_MAX_COLS];
	int have_header;
	int is_events;
	int skipping;		/* output of a prompt that prints no table */
	struct describe *desc;	/* a describe pasted in between */
	int in_desc;
};

struct gettable *gettable_new(const struct parse_ctx *pc)
{
	struct gettable *t = xcalloc(1, sizeof(*t));

	t->pc = *pc;
	t->hint = pc->resource_hint ? xstrdup(pc->resource_hint) : NULL;
	return t;
}

void gettable_set_hint(struct gettable *t, const char *resource)
{
	free(t->hint);
	t->hint = resource ? xstrdup(resource) : NULL;
}

static void warn(struct gettable *t, unsigned long lineno, size_t col,
		 const char *msg)
{
	parse_warn(&t->pc, lineno, col + 1, "%s", msg);
}

struct slice gettable_clean_line(struct buf *b, struct slice raw)
{
	size_t i, col = 0;

	buf_reset(b);
	while (raw.n && (raw.p[raw.n - 1] == '\r' || raw.p[raw.n - 1] == '\n'))
		raw.n--;
	for (i = 0; i < raw.n; i++) {
		if (raw.p[i] == '\t') {
			do {
				buf_addc(b, ' ');
				col++;
			} while (col % 8);
		} else {
			buf_addc(b, raw.p[i]);
			col++;
		}
	}
	return slice_make(buf_str(b), b->len);
}

static int ignorable(struct slice l)
{
	struct slice t = slice_trim(l);

	return !t.n || slice_eq(t, "...") || slice_eq(t, "[...]") ||
	       slice_eq(t, "\xe2\x80\xa6") || slice_starts(t, "```") ||
	       slice_starts(t, "No resources found");
}

static void end_table(struct gettable *t)
{
	t->have_header = 0;
	t->is_events = 0;
}

static void start_table(struct gettable *t, struct slice l)
{
	const char *kind = t->hint ? k8s_kind_for_resource(t->hint,
							     strlen(t->hint)) :
		NULL;
	int has_msg = 0, has_reason = 0, has_obj = 0;
	size_t i, j;

	gettable_cols_parse(&t->cols, l);
	for (i = 0; i < t->cols.n; i++) {
		t->role[i] = COL_OTHER;
		for (j = 0; j < ARRAY_SIZE(col_names); j++)
			if (name_eq(t->cols.name[i], col_names[j].name))
				t->role[i] = col_names[j].role;
		has_msg |= t->role[i] == COL_MESSAGE;
		has_reason |= t->role[i] == COL_REASON;
		has_obj |= t->role[i] == COL_OBJECT ||
			t->role[i] == COL_LASTSEEN;
	}
	t->have_header = 1;
	t->is_events = (kind && !strcmp(kind, "Event")) ||
		(has_msg && has_reason && has_obj);
}

static struct fnode *map_child(struct fnode *parent, const char *key,
			       unsigned long line)
{
	struct fnode *n = (struct fnode *)fnode_child(parent, key);

	if (n)
		return n;
	return fnode_add(parent, key, strlen(key), fnode_new(FN_MAP, line));
}

static void put(struct fnode *map, const char *key, struct slice v,
		unsigned long line)
{
	if (v.n)
		fnode_add_scalar(map, key, strlen(key), v.p, v.n, line);
}

/* A dotted path of maps ending in a scalar: "spec.issuerRef.name". */
static void put_path(struct fnode *root, const char *path, struct slice v,
		     unsigned long line)
{
	char seg[64];
	const char *dot;

	if (!v.n)
		return;
	while ((dot = strchr(path, '.')) != NULL) {
		size_t n = (size_t)(dot - path);

		if (n >= sizeof(seg))
			n = sizeof(seg) - 1;
		memcpy(seg, path, n);
		seg[n] = '\0';
		root = map_child(root, seg, line);
		path = dot + 1;
	}
	put(root, path, v, line);
}

static void add_condition(struct fnode *list, const char *type,
			  struct slice status, struct slice message,
			  unsigned long line)
{
	struct fnode *c = fnode_new(FN_MAP, line);

	fnode_add_scalar(c, "type", 4, type, strlen(type), line);
	put(c, "status", status, line);
	put(c, "message", message, line);
	fnode_add(list, NULL, 0, c);
}

static int cond_value(struct slice v)
{
	return slice_eq(v, "True") || slice_eq(v, "False") ||
	       slice_eq(v, "Unknown");
}

static int has_space(struct slice v)
{
	return memchr(v.p, ' ', v.n) != NULL;
}

static void object_row(struct gettable *t, struct slice *cells,
		       unsigned long lineno)
{
	struct slice name = slice_make(NULL, 0), ns = name, ready = name;
	struct slice status = name, approved = name, denied = name;
	const char *kind = NULL, *slash;
	struct fnode *root, *other = NULL, *conds;
	struct kobject *obj;
	struct buf key = BUF_INIT;
	int ready_cm, have_ready_col = 0;
	size_t i;

	for (i = 0; i < t->cols.n; i++)
		if (t->role[i] == COL_NAME)
			name = cells[i];
	if (!name.n || has_space(name)) {
		warn(t, lineno, 0, name.n ? "not a row of the table above; "
		     "table ended" : "table row without a NAME; skipped");
		if (name.n)
			end_table(t);
		return;
	}
	slash = memchr(name.p, '/', name.n);
	if (slash) {
		kind = k8s_kind_for_resource(name.p, (size_t)(slash - name.p));
		name = slice_make(slash + 1, name.n -
				  (size_t)(slash + 1 - name.p));
	} else if (t->hint) {
		kind = k8s_kind_for_resource(t->hint, strlen(t->hint));
	}
	root = fnode_new(FN_MAP, lineno);
	if (kind)
		fnode_add_scalar(root, "kind", 4, kind, strlen(kind), lineno);
	put(root, "name", name, lineno);
	for (i = 0; i < t->cols.n; i++) {
		struct slice v = cells[i];

		switch (t->role[i]) {
		case COL_NAME:
			break;
		case COL_NAMESPACE:
			ns = v;
			break;
		case COL_READY:
			have_ready_col = 1;
			ready = v;
			break;
		case COL_STATUS:
			status = v;
			break;
		case COL_APPROVED:
			approved = v;
			break;
		case COL_DENIED:
			denied = v;
			break;
		case COL_STATE:
			put_path(root, "status.state", v, lineno);
			break;
		case COL_DOMAIN:
			put_path(root, "spec.dnsName", v, lineno);
			break;
		case COL_REASON:
			put_path(root, "status.reason", v, lineno);
			break;
		case COL_SECRET:
			put_path(root, "spec.secretName", v, lineno);
			break;
		case COL_ISSUER:
			put_path(root, "spec.issuerRef.name", v, lineno);
			break;
		case COL_EXPIRATION:
			put_path(root, "status.notAfter", v, lineno);
			break;
		case COL_REQUESTER:
			put_path(root, "spec.username", v, lineno);
			break;
		case COL_AGE:
			put(root, "age", v, lineno);
			break;
		default:
			if (!v.n)
				break;
			if (!other)
				other = map_child(root, "columns", lineno);
			buf_reset(&key);
			buf_adds(&key, t->cols.name[i]);
			put(other, key.p, v, lineno);
			break;
		}
	}
	if (!ns.n && t->ns)
		ns = slice_cstr(t->ns);
	put(root, "namespace", ns, lineno);
	/* Which kinds print the Ready message in STATUS (section 1.1). */
	ready_cm = kind ? (!strcmp(kind, "Certificate") ||
			   !strcmp(kind, "CertificateRequest") ||
			   !strcmp(kind, "Issuer") ||
			   !strcmp(kind, "ClusterIssuer")) :
		have_ready_col && (cond_value(ready) || !ready.n);
	if (ready.n && !cond_value(ready)) {
		if (!other)
			other = map_child(root, "columns", lineno);
		put(other, "ready", ready, lineno);
		ready = slice_make(NULL, 0);
	}
	if (status.n && !ready_cm) {
		if (!other)
			other = map_child(root, "columns", lineno);
		put(other, "status", status, lineno);
		status = slice_make(NULL, 0);
	}
	if (ready.n || status.n || approved.n || denied.n) {
		conds = fnode_add(map_child(root, "status", lineno),
				  "conditions", 10, fnode_new(FN_LIST, lineno));
		if (approved.n)
			add_condition(conds, "Approved", approved,
				      slice_make(NULL, 0), lineno);
		if (denied.n)
			add_condition(conds, "Denied", denied,
				      slice_make(NULL, 0), lineno);
		if (ready.n || status.n)
			add_condition(conds, "Ready", ready, status, lineno);
	}
	buf_free(&key);
	obj = kobject_from_tree(root, ORIGIN_TABLE, t->pc.source, lineno);
	if (!obj)
		return;
	obj->partial = 1;
	if (t->pc.on_object)
		t->pc.on_object(obj, t->pc.ctx);
	else
		kobject_free(obj);
}

static char *dup_slice(struct slice v)
{
	return v.n ? xstrndup(v.p, v.n) : NULL;
}

static int age_like(struct slice v)
{
	struct slice a = slice_trim(v);
	size_t n = 0;

	if (!a.n || a.p[0] == '<')
		return 1;
	while (n < a.n && a.p[n] != ' ')
		n++;
	return parse_age(a.p, n) >= 0;
}

static int ages_ok(const struct gettable *t, const struct slice *cells)
{
	size_t i;

	for (i = 0; i < t->cols.n; i++)
		if (t->role[i] == COL_LASTSEEN && !age_like(cells[i]))
			return 0;
	return 1;
}

/* A row pasted under an -A header without its NAMESPACE cell. */
static void split_without_ns(const struct gettable *t, struct slice row,
			     struct slice *cells)
{
	struct gettable_cols sub;
	size_t i;

	memset(&sub, 0, sizeof(sub));
	sub.n = t->cols.n - 1;
	for (i = 0; i < sub.n; i++) {
		sub.start[i] = t->cols.start[i + 1] - t->cols.start[1];
		memcpy(sub.name[i], t->cols.name[i + 1], sizeof(sub.name[i]));
	}
	cells[0] = slice_make(row.p, 0);
	gettable_cols_split(&sub, row, cells + 1);
}

static void event_row(struct gettable *t, struct slice row,
		      struct slice *cells, unsigned long lineno)
{
	struct kevent ev;
	struct slice obj = slice_make(NULL, 0), oname = obj, okind = obj;
	struct slice ns = obj;
	size_t i;
	int have_count = 0, have_first = 0;

	if (!ages_ok(t, cells) && t->cols.n > 2 &&
	    t->role[0] == COL_NAMESPACE && t->role[1] == COL_LASTSEEN &&
	    age_like(cells[0]))
		split_without_ns(t, row, cells);
	if (!ages_ok(t, cells)) {
		warn(t, lineno, 0, "not a row of the events table above; "
		     "table ended");
		end_table(t);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	kevent_clear(&ev);
	ev.count = 1;
	for (i = 0; i < t->cols.n; i++) {
		struct slice v = cells[i];

		switch (t->role[i]) {
		case COL_NAMESPACE:
			ns = v;
			break;
		case COL_LASTSEEN: {
			unsigned long c = ev.count;
			int64_t first = ev.first_age_s;

			free(ev.age);
			ev.age = dup_slice(v);
			gettable_event_age(&ev, v);
			if (have_count)
				ev.count = c;
			if (have_first)
				ev.first_age_s = first;
			break;
		}
		case COL_FIRSTSEEN:
			ev.first_age_s = parse_age(v.p, v.n);
			have_first = 1;
			break;
		case COL_COUNT:
			if (v.n && isdigit((unsigned char)v.p[0])) {
				ev.count = strtoul(v.p, NULL, 10);
				have_count = 1;
			}
			break;
		case COL_TYPE:
			free(ev.type);	/* a header may repeat a column */
			ev.type = dup_slice(v);
			break;
		case COL_REASON:
			free(ev.reason);	/* a header may repeat a column */
			ev.reason = dup_slice(v);
			break;
		case COL_MESSAGE:
			free(ev.message);	/* a header may repeat a column */
			ev.message = dup_slice(v);
			break;
		case COL_SOURCE:
			free(ev.from);	/* a header may repeat a column */
			ev.from = dup_slice(v);
			break;
		case COL_OBJECT:
			obj = v;
			break;
		case COL_NAME:
			oname = v;
			break;
		case COL_KIND:
			okind = v;
			break;
		default:
			break;
		}
	}
	if (obj.n) {
		const char *slash = memchr(obj.p, '/', obj.n);

		if (slash) {
			okind = slice_make(obj.p, (size_t)(slash - obj.p));
			oname = slice_make(slash + 1, obj.n -
					   (size_t)(slash + 1 - obj.p));
		} else {
			okind = slice_make(NULL, 0);
			oname = obj;
		}
	}
	if (okind.n) {
		const char *k = k8s_kind_for_resource(okind.p, okind.n);

		ev.obj_kind = k ? xstrdup(k) : dup_slice(okind);
	}
	ev.obj_name = dup_slice(oname);
	if (!ns.n && t->ns)
		ns = slice_cstr(t->ns);
	ev.obj_ns = dup_slice(ns);
	ev.source = t->pc.source;
	ev.line = lineno;
	if (t->pc.on_event)
		t->pc.on_event(&ev, t->pc.ctx);
	else
		kevent_clear(&ev);
}

static void leave_desc(struct gettable *t)
{
	if (t->in_desc)
		describe_end(t->desc);
	t->in_desc = 0;
}

static void enter_desc(struct gettable *t)
{
	end_table(t);
	if (!t->desc)
		t->desc = describe_new(&t->pc);
	t->in_desc = 1;
	t->skipping = 0;
}

static void on_prompt(struct gettable *t, struct gettable_prompt *p)
{
	end_table(t);
	t->skipping = 0;
	if (p->verb && !strcmp(p->verb, "get")) {
		leave_desc(t);
		gettable_set_hint(t, p->resource);
		free(t->ns);
		t->ns = p->ns ? xstrdup(p->ns) : NULL;
		/* -o yaml, json, jsonpath, name: no table follows. */
		if (p->output && strcmp(p->output, "wide") &&
		    strncmp(p->output, "custom-columns", 14))
			t->skipping = 1;
		return;
	}
	leave_desc(t);
	t->skipping = 1;
}

void gettable_line(struct gettable *t, struct slice raw, unsigned long lineno)
{
	struct gettable_prompt p;
	struct slice l = gettable_clean_line(&t->line, raw);
	struct slice cells[GETTABLE_MAX_COLS];

	if (gettable_prompt_parse(l, &p)) {
		if (p.verb && !strcmp(p.verb, "describe")) {
			leave_desc(t);
			enter_desc(t);
			describe_line(t->desc, raw, lineno);
		} else {
			on_prompt(t, &p);
		}
		gettable_prompt_free(&p);
		return;
	}
	if (gettable_header_line(l)) {
		leave_desc(t);
		t->skipping = 0;
		start_table(t, l);
		return;
	}
	if (slice_starts(l, "Name:") && !t->in_desc)
		enter_desc(t);
	if (t->in_desc) {
		describe_line(t->desc, raw, lineno);
		return;
	}
	if (t->skipping || !t->have_header || ignorable(l))
		return;
	gettable_cols_split(&t->cols, l, cells);
	if (t->is_events)
		event_row(t, l, cells, lineno);
	else
		object_row(t, cells, lineno);
}

void gettable_end(struct gettable *t)
{
	leave_desc(t);
	end_table(t);
	t->skipping = 0;
}

void gettable_free(struct gettable *t)
{
	if (!t)
		return;
	if (t->desc)
		describe_free(t->desc);
	free(t->hint);
	free(t->ns);
	buf_free(&t->line);
	free(t);
}
