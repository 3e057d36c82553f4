/*
 * The JSON report against its schema (docs/report.schema.json). A small
 * validator for the subset of JSON Schema that file uses (type with
 * arrays for nullable, const, enum, minimum, required, properties,
 * additionalProperties, items, local $ref; annotations ignored; any
 * other keyword is an error, so the schema cannot silently use more) is
 * tested first on its own, then run on: the JSON report of every
 * directory under samples/ (and samples/cases/), each line of their
 * NDJSON reports, the JSON embedded in their HTML reports, and every
 * JSON and NDJSON report kept as an e2e expectation. The reports come from the
 * binary in $KTRIAGE when set (tests/run.sh sets it), else from the
 * library in this process.
 */
#include "cm.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "buf.h"
#include "diag.h"
#include "report.h"
#include "rules.h"

struct vctx {
	const cJSON *root;	/* the schema, for $ref */
	struct buf err;		/* the first errors */
	int nerr;
};

static void verr(struct vctx *c, const char *path, const char *msg,
		 const char *arg)
{
	if (c->nerr++ < 8)
		buf_addf(&c->err, "  %s: %s%s%s\n", path[0] ? path : "(root)",
			 msg, arg ? " " : "", arg ? arg : "");
}

static int type_ok(const cJSON *v, const char *t)
{
	if (!strcmp(t, "object"))
		return cJSON_IsObject(v);
	if (!strcmp(t, "array"))
		return cJSON_IsArray(v);
	if (!strcmp(t, "string"))
		return cJSON_IsString(v);
	if (!strcmp(t, "number"))
		return cJSON_IsNumber(v);
	if (!strcmp(t, "integer"))
		return cJSON_IsNumber(v) &&
		       floor(v->valuedouble) == v->valuedouble;
	if (!strcmp(t, "boolean"))
		return cJSON_IsBool(v);
	if (!strcmp(t, "null"))
		return cJSON_IsNull(v);
	return -1;
}

static const cJSON *resolve(struct vctx *c, const char *ref)
{
	const cJSON *n = c->root;
	char seg[128];
	const char *p;

	if (strncmp(ref, "#/", 2))
		return NULL;
	p = ref + 2;
	while (*p && n) {
		size_t l = strcspn(p, "/");

		if (l >= sizeof(seg))
			return NULL;
		memcpy(seg, p, l);
		seg[l] = 0;
		n = cJSON_GetObjectItemCaseSensitive(n, seg);
		p += l + (p[l] == '/');
	}
	return n;
}

static void validate(struct vctx *c, const cJSON *s, const cJSON *v,
		     const char *path);

static void child(struct vctx *c, const cJSON *s, const cJSON *v,
		  const char *path, const char *key, int idx)
{
	char p[512];

	if (key)
		snprintf(p, sizeof(p), "%s.%s", path, key);
	else
		snprintf(p, sizeof(p), "%s[%d]", path, idx);
	validate(c, s, v, p);
}

static void validate(struct vctx *c, const cJSON *s, const cJSON *v,
		     const char *path)
{
	const cJSON *k, *props = cJSON_GetObjectItemCaseSensitive(s, "properties");

	if (!cJSON_IsObject(s)) {
		verr(c, path, "schema is not an object", NULL);
		return;
	}
	cJSON_ArrayForEach(k, s) {
		const char *kw = k->string;

		if (!strcmp(kw, "$ref")) {
			const cJSON *t = cJSON_IsString(k) ?
				resolve(c, k->valuestring) : NULL;

			if (!t)
				verr(c, path, "unresolved $ref", k->valuestring);
			else
				validate(c, t, v, path);
		} else if (!strcmp(kw, "type")) {
			int ok = 0, r;
			const cJSON *t;

			if (cJSON_IsString(k)) {
				ok = type_ok(v, k->valuestring);
				if (ok < 0)
					verr(c, path, "unknown type",
					     k->valuestring);
			} else {
				cJSON_ArrayForEach(t, k) {
					r = type_ok(v, t->valuestring);
					if (r < 0)
						verr(c, path, "unknown type",
						     t->valuestring);
					ok |= r > 0;
				}
			}
			if (!ok)
				verr(c, path, "wrong type, want", cJSON_IsString(k) ?
				     k->valuestring : "one of the types");
		} else if (!strcmp(kw, "const")) {
			if (!cJSON_Compare(v, k, 1))
				verr(c, path, "not the const value", NULL);
		} else if (!strcmp(kw, "enum")) {
			const cJSON *e;
			int ok = 0;

			cJSON_ArrayForEach(e, k)
				ok |= cJSON_Compare(v, e, 1);
			if (!ok)
				verr(c, path, "not in enum", cJSON_IsString(v) ?
				     v->valuestring : NULL);
		} else if (!strcmp(kw, "minimum")) {
			if (cJSON_IsNumber(v) && v->valuedouble < k->valuedouble)
				verr(c, path, "below minimum", NULL);
		} else if (!strcmp(kw, "required")) {
			const cJSON *r;

			if (!cJSON_IsObject(v))
				continue;
			cJSON_ArrayForEach(r, k)
				if (!cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
					verr(c, path, "missing", r->valuestring);
		} else if (!strcmp(kw, "properties")) {
			const cJSON *p;

			if (!cJSON_IsObject(v))
				continue;
			cJSON_ArrayForEach(p, k) {
				const cJSON *x = cJSON_GetObjectItemCaseSensitive(
					v, p->string);

				if (x)
					child(c, p, x, path, p->string, 0);
			}
		} else if (!strcmp(kw, "additionalProperties")) {
			const cJSON *x;

			if (!cJSON_IsObject(v))
				continue;
			cJSON_ArrayForEach(x, v) {
				if (props && cJSON_GetObjectItemCaseSensitive(
						props, x->string))
					continue;
				if (cJSON_IsFalse(k))
					verr(c, path, "unexpected field", x->string);
				else if (cJSON_IsObject(k))
					child(c, k, x, path, x->string, 0);
			}
		} else if (!strcmp(kw, "items")) {
			const cJSON *x;
			int i = 0;

			if (!cJSON_IsArray(v))
				continue;
			cJSON_ArrayForEach(x, v)
				child(c, k, x, path, NULL, i++);
		} else if (strcmp(kw, "$schema") && strcmp(kw, "$id") &&
			   strcmp(kw, "$defs") && strcmp(kw, "title") &&
			   strcmp(kw, "description")) {
			verr(c, path, "unsupported keyword", kw);
		}
	}
}

/* 0 when v is valid against the schema at ref ("#" for the root). */
static int check(const cJSON *schema, const char *ref, const cJSON *v,
		 struct buf *why)
{
	struct vctx c = { schema, BUF_INIT, 0 };
	const cJSON *s = strcmp(ref, "#") ? resolve(&c, ref) : schema;

	if (!s)
		return -1;
	validate(&c, s, v, "");
	if (why && c.err.len)
		buf_adds(why, c.err.p);
	buf_free(&c.err);
	return c.nerr;
}

static const struct {
	const char *schema, *inst;
	int ok;
} vcases[] = {
	{ "{\"type\":\"string\"}", "\"x\"", 1 },
	{ "{\"type\":\"string\"}", "1", 0 },
	{ "{\"type\":[\"string\",\"null\"]}", "null", 1 },
	{ "{\"type\":[\"string\",\"null\"]}", "false", 0 },
	{ "{\"type\":\"integer\"}", "3", 1 },
	{ "{\"type\":\"integer\"}", "3.5", 0 },
	{ "{\"type\":\"number\",\"minimum\":0}", "-1", 0 },
	{ "{\"const\":\"v1\"}", "\"v1\"", 1 },
	{ "{\"const\":\"v1\"}", "\"v2\"", 0 },
	{ "{\"enum\":[\"a\",\"b\"]}", "\"b\"", 1 },
	{ "{\"enum\":[\"a\",\"b\"]}", "\"c\"", 0 },
	{ "{\"type\":\"object\",\"required\":[\"a\"]}", "{\"a\":1}", 1 },
	{ "{\"type\":\"object\",\"required\":[\"a\"]}", "{\"b\":1}", 0 },
	{ "{\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"a\":1}", 0 },
	{ "{\"properties\":{\"a\":{}},\"additionalProperties\":false}",
	  "{\"a\":1,\"b\":2}", 0 },
	{ "{\"properties\":{\"a\":{}},\"additionalProperties\":false}",
	  "{\"a\":1}", 1 },
	{ "{\"additionalProperties\":{\"type\":\"array\"}}",
	  "{\"x\":[],\"y\":1}", 0 },
	{ "{\"items\":{\"type\":\"integer\"}}", "[1,2,\"3\"]", 0 },
	{ "{\"items\":{\"type\":\"integer\"}}", "[]", 1 },
	{ "{\"$defs\":{\"t\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/t\"}",
	  "\"s\"", 1 },
	{ "{\"$defs\":{\"t\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/t\"}",
	  "5", 0 },
	{ "{\"$ref\":\"#/$defs/missing\"}", "5", 0 },
	/* A $ref with a sibling keyword: both apply. */
	{ "{\"$defs\":{\"o\":{\"type\":\"object\"}},\"$ref\":\"#/$defs/o\","
	  "\"required\":[\"k\"]}", "{}", 0 },
	/* Keywords this validator does not know are errors. */
	{ "{\"pattern\":\"^a\"}", "\"a\"", 0 },
	{ "{\"type\":\"strnig\"}", "\"a\"", 0 },
};

static void test_validator(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vcases); i++) {
		cJSON *s = cJSON_Parse(vcases[i].schema);
		cJSON *v = cJSON_Parse(vcases[i].inst);
		int r;

		assert_non_null(s);
		assert_non_null(v);
		r = check(s, "#", v, NULL);
		if ((r == 0) != vcases[i].ok)
			fail_msg("case %zu: %s on %s: want %s", i,
				 vcases[i].schema, vcases[i].inst,
				 vcases[i].ok ? "valid" : "invalid");
		cJSON_Delete(s);
		cJSON_Delete(v);
	}
}

static cJSON *schema;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

static int setup(void **state)
{
	char *text = slurp("docs/report.schema.json", NULL);

	(void)state;
	if (!text)
		return -1;
	schema = cJSON_Parse(text);
	free(text);
	return schema ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cJSON_Delete(schema);
	return 0;
}

/* The report of dir in format fmt, from $KTRIAGE or from the library. */
static void report_of(const char *dir, enum report_format fmt,
		      struct buf *out)
{
	static const char *const names[] = {
		[FORMAT_JSON] = "json", [FORMAT_NDJSON] = "ndjson",
		[FORMAT_HTML] = "html",
	};
	const char *kt = getenv("KTRIAGE");

	if (kt && *kt) {
		char cmd[1024], tmp[65536];
		FILE *p;
		size_t n;

		snprintf(cmd, sizeof(cmd), "'%s' -q -f %s --fail-on none '%s'",
			 kt, names[fmt], dir);
		p = popen(cmd, "r");
		assert_non_null(p);
		while ((n = fread(tmp, 1, sizeof(tmp), p)) > 0)
			buf_add(out, tmp, n);
		pclose(p);
	} else {
		struct ruleset rs;
		struct analysis a;
		struct report_opts ro;

		memset(&ro, 0, sizeof(ro));
		ruleset_init(&rs);
		assert_int_equal(ruleset_load_embedded(&rs), 0);
		analysis_init(&a, &rs);
		analysis_add_path(&a, dir);
		analysis_finish(&a);
		report_write(out, fmt, &a, &ro);
		analysis_free(&a);
		ruleset_free(&rs);
	}
}

static void must_validate(const char *what, const char *ref, const char *text)
{
	cJSON *v = cJSON_Parse(text);
	struct buf why = BUF_INIT;

	if (!v)
		fail_msg("%s: not JSON", what);
	if (check(schema, ref, v, &why))
		fail_msg("%s is not valid against %s:\n%s", what, ref,
			 buf_str(&why));
	cJSON_Delete(v);
	buf_free(&why);
}

static void validate_dir(const char *dir, int *count)
{
	struct buf out = BUF_INIT, emb = BUF_INIT;
	const char *p, *start, *end;
	char what[1024];
	int lines = 0;

	report_of(dir, FORMAT_JSON, &out);
	snprintf(what, sizeof(what), "-f json %s", dir);
	must_validate(what, "#", buf_str(&out));
	buf_reset(&out);
	report_of(dir, FORMAT_NDJSON, &out);
	for (p = buf_str(&out); *p; p = end + 1) {
		char *line;

		end = strchr(p, '\n');
		assert_non_null(end);
		line = xstrndup(p, (size_t)(end - p));
		snprintf(what, sizeof(what), "-f ndjson %s, line %d", dir,
			 ++lines);
		must_validate(what, "#/$defs/ndjson_line", line);
		free(line);
	}
	buf_reset(&out);
	report_of(dir, FORMAT_HTML, &out);
	start = strstr(buf_str(&out), "<script type=\"application/json\" "
		       "id=\"ktriage-report\">");
	assert_non_null(start);
	start = strchr(start, '>') + 1;
	end = strstr(start, "</script>");
	assert_non_null(end);
	buf_add(&emb, start, (size_t)(end - start));
	snprintf(what, sizeof(what), "JSON in -f html %s", dir);
	must_validate(what, "#", buf_str(&emb));
	buf_free(&emb);
	buf_free(&out);
	(*count)++;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every directory of samples/ and of samples/cases/, in sorted order. */
static void test_samples(void **state)
{
	static const char *const parents[] = { "samples", "samples/cases" };
	size_t i;
	int count = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(parents); i++) {
		struct dirent **names;
		int n = scandir(parents[i], &names, NULL, alphasort), k;

		assert_true(n >= 0);
		for (k = 0; k < n; k++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/%s", parents[i],
				 names[k]->d_name);
			if (names[k]->d_name[0] != '.' && is_dir(path) &&
			    strcmp(path, "samples/cases"))
				validate_dir(path, &count);
			free(names[k]);
		}
		free(names);
	}
	assert_true(count >= 3);
}

/* The JSON and NDJSON reports kept as e2e expectations. */
static void test_e2e_expectations(void **state)
{
	struct dirent **names;
	int n = scandir("tests/e2e", &names, NULL, alphasort), k, count = 0;

	(void)state;
	assert_true(n >= 0);
	for (k = 0; k < n; k++) {
		char path[512];
		char *text;

		snprintf(path, sizeof(path), "tests/e2e/%s/stdout",
			 names[k]->d_name);
		free(names[k]);
		text = slurp(path, NULL);
		if (!text)
			continue;
		if (text[0] == '{' && strstr(text, "\"ktriage.report/v1\"")) {
			must_validate(path, "#", text);
			count++;
		} else if (!strncmp(text, "{\"rank\":", 8)) {
			/* NDJSON: every line a finding. */
			char *line = text, *nl;

			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = 0;
				must_validate(path, "#/$defs/ndjson_line", line);
				line = nl + 1;
			}
			count++;
		}
		free(text);
	}
	free(names);
	assert_true(count >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_e2e_expectations),
	};

	diag_set_quiet(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
