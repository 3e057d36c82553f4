/*
 * Rule loader: reads YAML rule files with libyaml's document API (rule
 * files are small; the marks give us line and column for every value),
 * checks every key, compiles patterns once with PCRE2 JIT, and runs the
 * rules' own examples for `ktriage rules test`. It sits beside the
 * pipeline: the match stage only reads the compiled ruleset.
 */
#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "buf.h"
#include "diag.h"
#include "embedded.h"
#include "util.h"

static const char *const sev_names[SEV_COUNT] = {
	"info", "low", "medium", "high", "critical"
};

const char *severity_name(enum severity s)
{
	return (unsigned)s < SEV_COUNT ? sev_names[s] : "?";
}

int severity_parse(const char *s)
{
	int i;

	for (i = 0; i < SEV_COUNT; i++)
		if (!strcmp(s, sev_names[i]))
			return i;
	return -1;
}

void ruleset_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->match_limit = 1000000;
	rs->depth_limit = 10000;
	rs->mctx = pcre2_match_context_create(NULL);
	rs->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!rs->mctx || !rs->jit_stack) {
		fprintf(stderr, "ktriage: error: out of memory (pcre2)\n");
		abort();
	}
	pcre2_set_match_limit(rs->mctx, (uint32_t)rs->match_limit);
	pcre2_set_depth_limit(rs->mctx, (uint32_t)rs->depth_limit);
	pcre2_jit_stack_assign(rs->mctx, NULL, rs->jit_stack);
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_examples(struct example *ex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ex[i].text);
		free_strv(ex[i].cap_names, ex[i].ncaps);
		free_strv(ex[i].cap_values, ex[i].ncaps);
	}
	free(ex);
}

static void rule_free(struct rule *r)
{
	size_t i;

	free(r->id);
	free(r->title);
	free(r->category);
	free(r->message);
	free(r->remediation);
	free_strv(r->docs, r->ndocs);
	free_strv(r->tags, r->ntags);
	for (i = 0; i < r->npatterns; i++) {
		free(r->patterns[i].src);
		pcre2_code_free(r->patterns[i].re);
	}
	free(r->patterns);
	free_examples(r->match_ex, r->nmatch_ex);
	free_examples(r->nomatch_ex, r->nnomatch_ex);
	memset(r, 0, sizeof(*r));
}

void ruleset_free(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	free_strv(rs->files, rs->nfiles);
	pcre2_match_context_free(rs->mctx);
	pcre2_jit_stack_free(rs->jit_stack);
	memset(rs, 0, sizeof(*rs));
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->rules[i].id, id))
			return &rs->rules[i];
	return NULL;
}

/* State of one file being loaded. */
struct loader {
	struct ruleset *rs;
	const char *file;
	yaml_document_t *doc;
	int errors;
};

static struct rule_loc node_loc(struct loader *ld, const yaml_node_t *n)
{
	struct rule_loc loc = { ld->file, 0, 0 };

	if (n) {
		loc.line = n->start_mark.line + 1;
		loc.col = n->start_mark.column + 1;
	}
	return loc;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void lerr(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	struct buf where = BUF_INIT, msg = BUF_INIT;
	struct rule_loc loc = node_loc(ld, n);
	va_list ap;

	buf_addf(&where, "%s:%lu:%lu", ld->file, loc.line, loc.col);
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag(DIAG_ERROR, where.p, "%s", msg.p);
	ld->errors++;
	buf_free(&where);
	buf_free(&msg);
}

static yaml_node_t *node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(ld->doc, index);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
		(const char *)n->data.scalar.value : NULL;
}

/* A scalar as an owned string, or NULL after an error. */
static char *want_string(struct loader *ld, const yaml_node_t *n,
			 const char *key)
{
	const char *s = scalar(n);

	if (!s) {
		lerr(ld, n, "'%s' must be a string", key);
		return NULL;
	}
	if (strlen(s) != n->data.scalar.length) {
		lerr(ld, n, "'%s' contains a NUL byte", key);
		return NULL;
	}
	return xstrdup(s);
}

/* A list of strings (a single string is accepted as a list of one). */
static char **want_strings(struct loader *ld, yaml_node_t *n, const char *key,
			   size_t *count)
{
	char **v = NULL;
	size_t cap = 0;
	yaml_node_item_t *it;

	*count = 0;
	if (n->type == YAML_SCALAR_NODE) {
		v = xmalloc(sizeof(*v));
		v[0] = want_string(ld, n, key);
		if (!v[0]) {
			free(v);
			return NULL;
		}
		*count = 1;
		return v;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(ld, n, "'%s' must be a list of strings", key);
		return NULL;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		char *s = want_string(ld, node_at(ld, *it), key);

		if (!s)
			continue;
		v = xgrow(v, &cap, *count + 1, sizeof(*v));
		v[(*count)++] = s;
	}
	return v;
}

static void compile_pattern(struct loader *ld, struct rule *r,
			    yaml_node_t *n)
{
	struct pattern p;
	int errcode;
	PCRE2_SIZE erroff;
	char *src = want_string(ld, n, "patterns");

	if (!src)
		return;
	memset(&p, 0, sizeof(p));
	p.src = src;
	p.loc = node_loc(ld, n);
	p.re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0,
			     &errcode, &erroff, NULL);
	if (!p.re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		lerr(ld, n, "rule '%s': invalid regex at offset %zu: %s",
		     r->id ? r->id : "?", (size_t)erroff, (char *)msg);
		free(src);
		return;
	}
	/* JIT is an optimisation: where it is unavailable, matching still works. */
	pcre2_jit_compile(p.re, PCRE2_JIT_COMPLETE);
	r->patterns = xrealloc(r->patterns,
			       (r->npatterns + 1) * sizeof(*r->patterns));
	r->patterns[r->npatterns++] = p;
}

static void load_example(struct loader *ld, yaml_node_t *n, int want_caps,
			 struct example **arr, size_t *count)
{
	struct example ex;
	yaml_node_pair_t *pr;

	memset(&ex, 0, sizeof(ex));
	ex.loc = node_loc(ld, n);
	if (n->type == YAML_SCALAR_NODE) {
		ex.text = want_string(ld, n, "examples");
	} else if (n->type == YAML_MAPPING_NODE) {
		for (pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(ld, pr->key);
			yaml_node_t *v = node_at(ld, pr->value);
			const char *key = scalar(k);

			if (key && !strcmp(key, "text")) {
				free(ex.text);
				ex.text = want_string(ld, v, "text");
			} else if (key && !strcmp(key, "captures") && want_caps &&
				   v->type == YAML_MAPPING_NODE) {
				yaml_node_pair_t *c;

				for (c = v->data.mapping.pairs.start;
				     c < v->data.mapping.pairs.top; c++) {
					char *cn = want_string(ld,
						node_at(ld, c->key), "captures");
					char *cv = want_string(ld,
						node_at(ld, c->value), "captures");

					if (!cn || !cv) {
						free(cn);
						free(cv);
						continue;
					}
					ex.cap_names = xrealloc(ex.cap_names,
						(ex.ncaps + 1) * sizeof(char *));
					ex.cap_values = xrealloc(ex.cap_values,
						(ex.ncaps + 1) * sizeof(char *));
					ex.cap_names[ex.ncaps] = cn;
					ex.cap_values[ex.ncaps++] = cv;
				}
			} else {
				lerr(ld, k, "unknown key '%s' in example%s",
				     key ? key : "?", want_caps ? "" :
				     " (no_match examples take only 'text')");
			}
		}
	} else {
		lerr(ld, n, "an example must be a string or a mapping with "
		     "'text'");
	}
	if (!ex.text) {
		if (n->type == YAML_MAPPING_NODE)
			lerr(ld, n, "example has no 'text'");
		free_strv(ex.cap_names, ex.ncaps);
		free_strv(ex.cap_values, ex.ncaps);
		return;
	}
	*arr = xrealloc(*arr, (*count + 1) * sizeof(**arr));
	(*arr)[(*count)++] = ex;
}

static void load_examples(struct loader *ld, struct rule *r, yaml_node_t *n)
{
	yaml_node_pair_t *pr;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(ld, n, "'examples' must be a mapping with 'match' and "
		     "'no_match' lists");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(ld, pr->key);
		yaml_node_t *v = node_at(ld, pr->value);
		const char *key = scalar(k);
		int is_match = key && !strcmp(key, "match");
		yaml_node_item_t *it;

		if (!is_match && !(key && !strcmp(key, "no_match"))) {
			lerr(ld, k, "unknown key '%s' in examples (expected "
			     "'match' or 'no_match')", key ? key : "?");
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE) {
			lerr(ld, v, "'%s' must be a list", key);
			continue;
		}
		for (it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++)
			load_example(ld, node_at(ld, *it), is_match,
				     is_match ? &r->match_ex : &r->nomatch_ex,
				     is_match ? &r->nmatch_ex : &r->nnomatch_ex);
	}
}

static int valid_id(const char *id)
{
	const char *p;

	if (!*id || *id == '-' || id[strlen(id) - 1] == '-')
		return 0;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      (*p == '-' && p[1] != '-')))
			return 0;
	return 1;
}

static int check_placeholders(struct loader *ld, const struct rule *r,
			      yaml_node_t *n)
{
	const char *p = r->message;

	while ((p = strstr(p, "{{")) != NULL) {
		const char *e = strstr(p, "}}");

		if (!e) {
			lerr(ld, n, "rule '%s': unclosed '{{' in message",
			     r->id);
			return -1;
		}
		p = e + 2;
	}
	return 0;
}

static void load_rule(struct loader *ld, yaml_node_t *n)
{
	struct rule r;
	yaml_node_pair_t *pr;
	yaml_node_t *msg_node = NULL;
	int errors_before = ld->errors;
	const struct rule *dup;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(ld, n, "a rule must be a mapping (id, title, severity, "
		     "patterns, ...)");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.loc = node_loc(ld, n);
	r.severity = SEV_MEDIUM;
	r.confidence = 0.8;
	/* The id first, so that later messages can name the rule. */
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *key = scalar(node_at(ld, pr->key));

		if (key && !strcmp(key, "id"))
			r.id = want_string(ld, node_at(ld, pr->value), "id");
	}
	if (!r.id) {
		lerr(ld, n, "rule has no 'id'");
		r.id = xstrdup("?");
	} else if (!valid_id(r.id)) {
		lerr(ld, n, "rule id '%s' is not kebab-case ([a-z0-9] words "
		     "joined by single '-')", r.id);
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(ld, pr->key);
		yaml_node_t *v = node_at(ld, pr->value);
		const char *key = scalar(k);

		if (!key) {
			lerr(ld, k, "rule keys must be strings");
		} else if (!strcmp(key, "id")) {
			continue;
		} else if (!strcmp(key, "title")) {
			r.title = want_string(ld, v, key);
		} else if (!strcmp(key, "category")) {
			r.category = want_string(ld, v, key);
		} else if (!strcmp(key, "message")) {
			r.message = want_string(ld, v, key);
			msg_node = v;
		} else if (!strcmp(key, "remediation")) {
			r.remediation = want_string(ld, v, key);
		} else if (!strcmp(key, "docs")) {
			r.docs = want_strings(ld, v, key, &r.ndocs);
		} else if (!strcmp(key, "tags")) {
			r.tags = want_strings(ld, v, key, &r.ntags);
		} else if (!strcmp(key, "severity")) {
			const char *s = scalar(v);
			int sev = s ? severity_parse(s) : -1;

			if (sev < 0)
				lerr(ld, v, "rule '%s': severity must be one of "
				     "info, low, medium, high, critical", r.id);
			else
				r.severity = (enum severity)sev;
		} else if (!strcmp(key, "confidence")) {
			const char *s = scalar(v);
			char *end = NULL;
			double c = s ? strtod(s, &end) : NAN;

			if (!s || end == s || *end || !(c >= 0 && c <= 1))
				lerr(ld, v, "rule '%s': confidence must be a "
				     "number from 0 to 1", r.id);
			else
				r.confidence = c;
		} else if (!strcmp(key, "patterns")) {
			yaml_node_item_t *it;

			if (v->type == YAML_SCALAR_NODE) {
				compile_pattern(ld, &r, v);
				continue;
			}
			if (v->type != YAML_SEQUENCE_NODE) {
				lerr(ld, v, "'patterns' must be a list of "
				     "regexes");
				continue;
			}
			for (it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++)
				compile_pattern(ld, &r, node_at(ld, *it));
		} else if (!strcmp(key, "examples")) {
			load_examples(ld, &r, v);
		} else {
			lerr(ld, k, "rule '%s': unknown key '%s'", r.id, key);
		}
	}
	if (!r.title)
		lerr(ld, n, "rule '%s' has no 'title'", r.id);
	if (!r.npatterns && ld->errors == errors_before)
		lerr(ld, n, "rule '%s' has no 'patterns'", r.id);
	if (!r.message)
		r.message = xstrdup(r.title ? r.title : r.id);
	else
		check_placeholders(ld, &r, msg_node);
	dup = ruleset_find(ld->rs, r.id);
	if (dup)
		lerr(ld, n, "duplicate rule id '%s' (first defined at "
		     "%s:%lu:%lu)", r.id, dup->loc.file, dup->loc.line,
		     dup->loc.col);
	if (ld->errors != errors_before) {
		rule_free(&r);
		return;
	}
	ld->rs->rules = xgrow(ld->rs->rules, &ld->rs->cap, ld->rs->n + 1,
			      sizeof(r));
	ld->rs->rules[ld->rs->n++] = r;
}

static void load_document(struct loader *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_t *list = NULL;
	yaml_node_item_t *it;

	if (!root)
		return;
	if (root->type == YAML_SEQUENCE_NODE) {
		list = root;
	} else if (root->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *pr;

		for (pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(ld, pr->key);
			const char *key = scalar(k);

			if (key && !strcmp(key, "rules"))
				list = node_at(ld, pr->value);
			else
				lerr(ld, k, "unknown top-level key '%s' "
				     "(expected 'rules')", key ? key : "?");
		}
		if (!list) {
			lerr(ld, root, "no 'rules:' list in this file");
			return;
		}
	} else {
		lerr(ld, root, "expected a 'rules:' list of rules");
		return;
	}
	if (list->type != YAML_SEQUENCE_NODE) {
		lerr(ld, list, "'rules' must be a list");
		return;
	}
	for (it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++)
		load_rule(ld, node_at(ld, *it));
}

static const char *remember_file(struct ruleset *rs, const char *name)
{
	rs->files = xgrow(rs->files, &rs->capfiles, rs->nfiles + 1,
			  sizeof(*rs->files));
	rs->files[rs->nfiles] = xstrdup(name);
	return rs->files[rs->nfiles++];
}

int ruleset_load_buffer(struct ruleset *rs, const char *name,
			const char *data, size_t len)
{
	struct loader ld;
	yaml_parser_t parser;
	yaml_document_t doc;

	memset(&ld, 0, sizeof(ld));
	ld.rs = rs;
	ld.file = remember_file(rs, name);
	if (!yaml_parser_initialize(&parser)) {
		diag(DIAG_ERROR, name, "cannot initialise the YAML parser");
		return 1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu:%lu", name,
				 (unsigned long)parser.problem_mark.line + 1,
				 (unsigned long)parser.problem_mark.column + 1);
			diag(DIAG_ERROR, where.p, "invalid YAML: %s%s%s",
			     parser.problem ? parser.problem : "syntax error",
			     parser.context ? " " : "",
			     parser.context ? parser.context : "");
			buf_free(&where);
			ld.errors++;
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		ld.doc = &doc;
		load_document(&ld);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	return ld.errors;
}

static int load_file(struct ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf data = BUF_INIT;
	char tmp[65536];
	size_t n;
	int errors;

	if (!f) {
		diag(DIAG_ERROR, path, "cannot open rule file: %s",
		     strerror(errno));
		return 1;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		buf_add(&data, tmp, n);
		if (data.len > (16u << 20)) {
			diag(DIAG_ERROR, path, "rule file larger than 16 MiB");
			fclose(f);
			buf_free(&data);
			return 1;
		}
	}
	if (ferror(f)) {
		diag(DIAG_ERROR, path, "read error: %s", strerror(errno));
		fclose(f);
		buf_free(&data);
		return 1;
	}
	fclose(f);
	errors = ruleset_load_buffer(rs, path, buf_str(&data), data.len);
	buf_free(&data);
	return errors;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_load_path(struct ruleset *rs, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int errors = 0;

	if (stat(path, &st) < 0) {
		diag(DIAG_ERROR, path, "cannot read rules: %s",
		     strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(rs, path);
	d = opendir(path);
	if (!d) {
		diag(DIAG_ERROR, path, "cannot open rule directory: %s",
		     strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !(str_ends(de->d_name, ".yaml") ||
					      str_ends(de->d_name, ".yml")))
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	if (!n) {
		diag(DIAG_ERROR, path, "no *.yaml rule files in this directory");
		errors = 1;
	}
	for (i = 0; i < n; i++) {
		struct buf p = BUF_INIT;

		buf_adds(&p, path);
		if (p.p[p.len - 1] != '/')
			buf_addc(&p, '/');
		buf_adds(&p, names[i]);
		errors += load_file(rs, p.p);
		buf_free(&p);
		free(names[i]);
	}
	free(names);
	return errors;
}

int ruleset_load_embedded(struct ruleset *rs)
{
	const struct embedded_file *f;
	int errors = 0;

	for (f = embedded_rules; f->name; f++)
		errors += ruleset_load_buffer(rs, f->name, f->data, f->len);
	return errors;
}

int pattern_match(const struct ruleset *rs, const struct pattern *p,
		  const char *subject, size_t len, pcre2_match_data *md)
{
	int rc = pcre2_match(p->re, (PCRE2_SPTR)subject, len, 0, 0, md,
			     rs->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

void pattern_each_capture(const struct pattern *p, pcre2_match_data *md,
			  const char *subject, capture_fn fn, void *ctx)
{
	uint32_t count = 0, size = 0, i;
	PCRE2_SPTR table;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t pairs = pcre2_get_ovector_count(md);

	pcre2_pattern_info(p->re, PCRE2_INFO_NAMECOUNT, &count);
	if (!count)
		return;
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		const unsigned char *e = table + (size_t)i * size;
		uint32_t group = ((uint32_t)e[0] << 8) | e[1];

		if (group >= pairs || ov[2 * group] == PCRE2_UNSET)
			continue;
		fn((const char *)e + 2, slice_make(subject + ov[2 * group],
			ov[2 * group + 1] - ov[2 * group]), ctx);
	}
}

struct cap_check {
	const struct example *ex;
	int *seen;
	int bad;
	const struct rule *r;
};

static void check_capture(const char *name, struct slice value, void *ctx)
{
	struct cap_check *cc = ctx;
	size_t i;

	for (i = 0; i < cc->ex->ncaps; i++) {
		if (strcmp(cc->ex->cap_names[i], name))
			continue;
		cc->seen[i] = 1;
		if (!slice_eq(value, cc->ex->cap_values[i])) {
			struct buf where = BUF_INIT;

			buf_addf(&where, "%s:%lu:%lu", cc->ex->loc.file,
				 cc->ex->loc.line, cc->ex->loc.col);
			diag(DIAG_ERROR, where.p, "rule '%s': capture '%s' is "
			     "'%.*s', expected '%s'", cc->r->id, name,
			     (int)value.n, value.p, cc->ex->cap_values[i]);
			buf_free(&where);
			cc->bad = 1;
		}
	}
}

static int test_example(const struct ruleset *rs, const struct rule *r,
			const struct example *ex, int must_match,
			pcre2_match_data *md)
{
	size_t i, len = strlen(ex->text);
	struct buf where = BUF_INIT;
	int failed = 0;

	buf_addf(&where, "%s:%lu:%lu", ex->loc.file, ex->loc.line,
		 ex->loc.col);
	for (i = 0; i < r->npatterns; i++) {
		int rc = pattern_match(rs, &r->patterns[i], ex->text, len, md);

		if (rc < 0) {
			diag(DIAG_ERROR, where.p, "rule '%s': pattern at line "
			     "%lu hit the PCRE2 match limit", r->id,
			     r->patterns[i].loc.line);
			failed = 1;
			break;
		}
		if (!rc)
			continue;
		if (!must_match) {
			diag(DIAG_ERROR, where.p, "rule '%s': no_match example "
			     "matches the pattern at line %lu", r->id,
			     r->patterns[i].loc.line);
			failed = 1;
		} else if (ex->ncaps) {
			struct cap_check cc;
			size_t k;

			cc.ex = ex;
			cc.seen = xcalloc(ex->ncaps, sizeof(int));
			cc.bad = 0;
			cc.r = r;
			pattern_each_capture(&r->patterns[i], md, ex->text,
					     check_capture, &cc);
			for (k = 0; k < ex->ncaps; k++) {
				if (cc.seen[k])
					continue;
				diag(DIAG_ERROR, where.p, "rule '%s': capture "
				     "'%s' expected '%s' but the matching "
				     "pattern (line %lu) did not set it", r->id,
				     ex->cap_names[k], ex->cap_values[k],
				     r->patterns[i].loc.line);
				cc.bad = 1;
			}
			free(cc.seen);
			failed = cc.bad;
		}
		buf_free(&where);
		return failed;
	}
	if (must_match) {
		diag(DIAG_ERROR, where.p, "rule '%s': match example matches "
		     "no pattern", r->id);
		failed = 1;
	}
	buf_free(&where);
	return failed;
}

int ruleset_self_test(const struct ruleset *rs, unsigned long *total)
{
	pcre2_match_data *md = pcre2_match_data_create(64, NULL);
	size_t i, j;
	int failed = 0;

	*total = 0;
	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];

		for (j = 0; j < r->nmatch_ex; j++, (*total)++)
			failed += test_example(rs, r, &r->match_ex[j], 1, md);
		for (j = 0; j < r->nnomatch_ex; j++, (*total)++)
			failed += test_example(rs, r, &r->nomatch_ex[j], 0, md);
	}
	pcre2_match_data_free(md);
	return failed;
}
