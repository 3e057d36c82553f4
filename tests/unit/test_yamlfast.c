/*
 * The fast YAML reader against libyaml. Both are recorded as text, one
 * event a line ("MAP 3", "SCALAR plain 'x' 4", "END"), and compared:
 * documents in the reader's subset must give libyaml's events exactly;
 * documents outside it must be declined; a generated kubectl List of
 * thousands of items must match event for event, and so must every
 * small mutation of the accepted documents that the reader still takes.
 * Through yamldoc, a document nested too deep is still reported by
 * libyaml with its line and column.
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "diag.h"
#include "input.h"
#include "object.h"
#include "parse.h"
#include "yamldoc.h"
#include "yamlfast.h"

#include "../yamlevents.h"


static int fast_events(struct buf *o, const char *text, size_t len)
{
	buf_reset(o);
	return yamlfast_parse(text, len, &rec_sink, o);
}

/*
 * When the fast reader takes text, its events must be libyaml's. Returns
 * whether it took it; prints both on a difference.
 */
static int check_same(const char *name, const char *text, size_t len)
{
	struct buf fast = BUF_INIT, lib = BUF_INIT;
	int took = fast_events(&fast, text, len) == 0;

	if (took) {
		libyaml_events(&lib, text, len);
		if (strcmp(buf_str(&fast), buf_str(&lib))) {
			printf("%s: events differ\n--- text:\n%.*s\n"
			       "--- fast:\n%s--- libyaml:\n%s", name,
			       (int)len, text, buf_str(&fast), buf_str(&lib));
			fail();
		}
	}
	buf_free(&fast);
	buf_free(&lib);
	return took;
}

/* ---- Documents in the subset. ---- */

static const char *const accept_docs[] = {
	/* kubectl get -o yaml: a List with indentless items. */
	"apiVersion: v1\n"
	"items:\n"
	"- apiVersion: v1\n"
	"  kind: ConfigMap\n"
	"  metadata:\n"
	"    annotations:\n"
	"      kubectl.kubernetes.io/last-applied-configuration: |\n"
	"        {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}\n"
	"    creationTimestamp: \"2024-05-01T09:00:00Z\"\n"
	"    labels: {}\n"
	"    name: a\n"
	"    ownerReferences: []\n"
	"  data:\n"
	"    ca.crt: |\n"
	"      -----BEGIN CERTIFICATE-----\n"
	"      MIIBszCCAVmgAwIBAgIUJ\n"
	"\n"
	"      +Zm9v/YmFy==\n"
	"      -----END CERTIFICATE-----\n"
	"- apiVersion: v1\n"
	"  kind: Secret\n"
	"kind: List\n"
	"metadata:\n"
	"  resourceVersion: \"\"\n",
	/* Nested maps, and back out several levels at once. */
	"a:\n  b:\n    c:\n      d: 1\n    e: 2\nf: 3\n",
	/* Items: maps, scalars, nested sequences, empty and flow-empty. */
	"- a\n- - b\n  - c\n-\n  x: 1\n-\n- {}\n- []\n- ''\n- \"x\"\n"
	"- k: v\n  l: w\n- - - deep\n",
	"- -\n- -\n  -\n",
	/* An indentless sequence in a mapping in a sequence item. */
	"- a:\n  - x\n  - y: 1\n    z: 2\n  b: 1\n- c\n",
	/* A sequence indented under its key. */
	"a:\n  - x\n  - y\nb: 1\n",
	"a:\n    - x\n    -   y: 1\n        z: 2\n",
	/* Null words and near misses. */
	"a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: nul\ng: nULL\nh:\n",
	"~: a\nnull: b\n",
	/* Double-quoted escapes. */
	"a: \"q\\\" b\\\\ n\\n t\\t u\\u00e9 U\\U0001F600 x\\x41 z\\0 "
	"s\\/ sp\\ e a\\a b\\b v\\v f\\f r\\r e\\e N\\N _\\_ L\\L P\\P\"\n",
	"a: \"\\u0000\\x7f\\xff\\u20AC\\U0010FFFF\"\n",
	/* Single quotes. */
	"a: 'it''s'\nb: ''\nc: ''''\nd: 'back\\slash \"dq\"'\n",
	"a: '  padded  '\nb: \"  padded  \"\nc: ' '\n",
	/* go-yaml's folded long values. */
	"message: Failed to do a long thing because of something that\n"
	"  wraps onto the next line and\n"
	"\n"
	"  a paragraph after an empty line\n"
	"next: x\n",
	"message: 'Error: first line of a long message with: colons and #''\n"
	"  line continues   \n"
	"\n"
	"\n"
	"  two empty lines above  '\n",
	"message: \"a long double-quoted message that go-yaml\n"
	"  folds\\ \\ with escaped spaces\\n and a newline\"\n",
	"a: \"\n  starts on the next line\"\nb: 'ends on its own\n  '\n",
	"a: 'x\n\n   \n  y'\n",
	/* Block literals. */
	"a: |\n  x\n\n  y\n\nb: |-\n  z\nc: |+\n  w\n\n\nd: |\ne: 1\n",
	"a: |\n\n  after an empty line\n    more indented\n  # not a comment\n"
	"  key: value\n",
	"a: |+\n\n",
	"a: |-\n",
	"- |\n  item\n- |-\n   item2\n\n- x\n",
	"a: |\n  x\n# comment at column 0 ends it\nb: 1\n",
	"a: |\n  x\n     \n  y\n",
	"a: |  \n  trailing spaces after the indicator\n",
	/* Comments on their own lines. */
	"# leading comment\n"
	"a:\n"
	"  # between a key and its block\n"
	"\n"
	"  - x\n"
	"# column 0 inside\n"
	"  - y\n"
	"    # deeper\n"
	"b: c\n"
	"  # after a value\n"
	"d: e\n",
	"a: plain\n  continued\n  # comment ends it\nb: 1\n",
	/* Document markers as yamldoc cuts them. */
	"---\na: b\n...\n",
	"---\n# comment\n\n- a\n",
	"a: b\n...\n",
	/* Top-level sequence (troubleshoot.sh), map at column 2. */
	"- apiVersion: v1\n  kind: Pod\n- apiVersion: v1\n  kind: Pod\n",
	"  a: b\n  c:\n    d: e\n",
	/* Keys and plain values that look odd but are plain. */
	"foo bar: x\ncert-manager.io/issuer: y\na:b: c\nkey.with/slash_: z\n",
	"url: https://example.com:443/x?y=1#frag\ntime: 12:30:45\n"
	"hash: a#b\nneg: -1\nflag: --namespace=x\ndash: a - b\n"
	"brackets: a[b]{c},d\nq: it's \"fine\"\nstar: a*b&c!d\n",
	"- --leader-elect\n- -v=2\n",
	"a: value   \nb:   \nc:\n-   \n- x\n",
	"- a\n - b\n",
	"a: b\n  - c\n  'd' \"e\" {f} [g] |h >i\n",
	/* UTF-8. */
	"name: caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80 no\xc2\xa0" "break\n"
	"\xc3\xa9t\xc3\xa9: x\n",
	/* Empty lines from yamldoc's gap filling. */
	"a: 1\n\n\n\nb: 2\n",
	/* Empty values at the end and before a dedent. */
	"a:\n  b:\nc:\n",
	"- a:\n- b:\n  c:\n",
};

static void test_accept(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(accept_docs) / sizeof(*accept_docs); i++) {
		char name[32];

		snprintf(name, sizeof(name), "accept_docs[%zu]", i);
		if (!check_same(name, accept_docs[i], strlen(accept_docs[i]))) {
			printf("%s: declined:\n%s", name, accept_docs[i]);
			fail();
		}
	}
}

/* A key of n bytes, which the reader takes up to 1000. */
static void test_long_key(void **state)
{
	struct buf doc = BUF_INIT, ev = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_addc(&doc, 'k');
	buf_adds(&doc, ": v\n");
	assert_true(check_same("key 1000", doc.p, doc.len));
	buf_reset(&doc);
	for (i = 0; i < 1001; i++)
		buf_addc(&doc, 'k');
	buf_adds(&doc, ": v\n");
	assert_int_equal(fast_events(&ev, doc.p, doc.len), 1);
	buf_free(&doc);
	buf_free(&ev);
}

/* ---- Documents outside it. ---- */

static const char *const decline_docs[] = {
	/* No content. */
	"", "\n", "# only a comment\n", "---\n", "---\n...\n", "   \n\n",
	/* yamldoc always ends lines with '\n'. */
	"a: b",
	/* Anchors, aliases, tags. */
	"a: &x b\n", "a: *x\n", "a: !!str b\n", "a: !t b\n", "- &a\n  b: c\n",
	/* Flow collections with content. */
	"a: [b]\n", "a: {b: c}\n", "a: [ ]\n", "a: { }\n", "a: []x\n",
	"a:\n  {}\n", "[]\n", "{}\n",
	/* Tabs. */
	"a:\tb\n", "a: b\t\n", "\ta: b\n", "a: |\n\tx\n",
	/* Mapping values where none may be. */
	"key: a: b\n", "- a: b: c\n", "a: b\n  c: d\n",
	/* Comments after content. */
	"a: b # c\n", "a: # c\n  b: 1\n", "a: | # c\n  x\n", "a: 'b' # c\n",
	"- a # c\n", "a: b\n  c #d\n",
	/* Complex and quoted keys. */
	"? a\n: b\n", "'a': b\n", "\"a\": b\n", "- 'a': b\n", "a : b\n",
	"-a: b\n", "a: 1\n-b: 2\n",
	/* Indentation libyaml refuses or reads otherwise. */
	"a:\n    b: 1\n  c: 2\n", "a: b\n- c\n", "a:\n- b\nc\n", "  a: b\nc: d\n",
	"a: 'b'\n  c\n", "a: |\n    x\n  y: 1\n", "a: |\n      \n  text\n",
	"- a\n  b: 1\n", "a:\n  - b\n c: 1\n",
	/* Scalars the reader does not place. */
	"a:\n  b\n", "just text\n", "'quoted'\n", "|\n  x\n", "- a\nb\n",
	/* Invalid UTF-8, control bytes, other line breaks, a BOM. */
	"a: \xff\n", "a: \xc0\xaf\n", "a: \xed\xa0\x80\n", "a: \xe0\x80\x80\n",
	"a: \xf4\x90\x80\x80\n", "a: \xc3\n", "a: \x01\n", "a: \x7f\n",
	"a: b\r\n", "a: \xc2\x85\n", "a: \xe2\x80\xa8\n", "a: \xe2\x80\xa9\n",
	"\xef\xbb\xbf" "a: b\n", "a: \xc2\x80\n", "a: \xef\xbf\xbe\n",
	/* More than one document, markers with content, directives. */
	"a: 1\n---\nb: 2\n", "--- a\n", "--- a: b\n", "a: 1\n...\nb: 2\n",
	"a: 1\n...\n\n", "%YAML 1.1\n---\na: b\n", "--- |\n  x\n",
	"a: |\n  x\n---\n",
	/* Block scalars outside the subset. */
	"a: |2\n  x\n", "a: >\n  x\n", "a: >-\n  x\n", "a: |-2\n   x\n",
	"a: |x\n",
	/* Escapes libyaml refuses or that break lines. */
	"a: \"x\\\n  y\"\n", "a: \"\\q\"\n", "a: \"\\'\"\n", "a: \"\\ud800\"\n",
	"a: \"\\U00110000\"\n", "a: \"\\x4\"\n", "a: \"\\u12g4\"\n",
	/* Unterminated quotes, continuation at column 0, a marker inside. */
	"a: 'b\n", "a: \"b\n\n", "a: 'b\nc'\n", "a: 'b\n---\n  c'\n",
	/* Plain values libyaml reads otherwise or refuses. */
	"a: b:\n", "a: @x\n", "a: `x\n", "a: %x\n", "a: ,x\n", "a: >x\n",
	"a: - b\n", "a: -\n", "a: ?x\n", "a: :x\n", "a: ]x\n", "a: }\n",
	"a: #\n", "a: b\n  c:\n",
};

static void test_decline(void **state)
{
	struct buf ev = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(decline_docs) / sizeof(*decline_docs); i++) {
		const char *d = decline_docs[i];

		if (fast_events(&ev, d, strlen(d)) != 1) {
			printf("decline_docs[%zu] was read:\n%s---\n%s", i, d,
			       buf_str(&ev));
			fail();
		}
	}
	buf_free(&ev);
}

/* Nesting past the reader's own bound (its recursion) is declined. */
static void test_too_deep_for_reader(void **state)
{
	struct buf doc = BUF_INIT, ev = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 1200; i++)
		buf_adds(&doc, "- ");
	buf_adds(&doc, "x\n");
	assert_int_equal(fast_events(&ev, doc.p, doc.len), 1);
	buf_reset(&doc);
	for (i = 0; i < 900; i++)
		buf_adds(&doc, "- ");
	buf_adds(&doc, "x\n");
	assert_true(check_same("900 deep", doc.p, doc.len));
	buf_free(&doc);
	buf_free(&ev);
}

/* ---- A generated kubectl List. ---- */

static unsigned long rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rnd_state >> 33) % n;
}

static void indent(struct buf *b, int n)
{
	while (n-- > 0)
		buf_addc(b, ' ');
}

/* Words safe in a plain scalar: no ": ", no " #", no indicator first. */
static const char *const words[] = {
	"Failed", "to", "update", "ACME", "account:400", "urn:ietf:params",
	"https://acme-v02.api.letsencrypt.org/directory", "a#b", "it's",
	"caf\xc3\xa9", "\xf0\x9f\x98\x80", "x-y", "(ok)", "[1]", "{a}",
	"100%", "a,b", "\"q\"", "--flag", "time=12:30", "the", "of",
};

/* Words for quoted scalars: anything printable. */
static const char *const qwords[] = {
	"Error: boom", "it's", "#hash", "- dash", "{x: y}", "[a, b]",
	"back\\slash", "\"dq\"", "tab\there", "caf\xc3\xa9", "&anchor",
	"*alias", "!tag", "key: value", "@at", "`tick`", "%pct", "|pipe",
};

static void gen_words(struct buf *s, const char *const *w, size_t nw,
		      unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(s, ' ');
		buf_adds(s, w[rnd((unsigned)nw)]);
	}
}

/* Write the words of text folded at about width columns. */
static void fold_words(struct buf *b, const char *text, int col, int ind,
		       int width)
{
	const char *p = text;

	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);

		buf_add(b, p, n);
		col += (int)n;
		p += n;
		if (!*p)
			break;
		p++;	/* the space */
		if (col > width && *p != ' ') {
			buf_addc(b, '\n');
			indent(b, ind);
			col = ind;
		} else {
			buf_addc(b, ' ');
			col++;
		}
	}
}

/* A value after "key: " at column col, in one of the scalar styles. */
static void gen_value(struct buf *b, int col, int ind)
{
	struct buf s = BUF_INIT;
	const char *p;
	unsigned style = rnd(8);

	switch (style) {
	case 0:	/* short plain; the first word is one no indicator starts */
		buf_adds(&s, "msg ");
		gen_words(&s, words, sizeof(words) / sizeof(*words), 1 +
			  rnd(3));
		buf_add(b, s.p, s.len);
		break;
	case 1:	/* long plain, folded; sometimes with empty lines */
		buf_adds(&s, "msg ");
		gen_words(&s, words, sizeof(words) / sizeof(*words), 10 +
			  rnd(20));
		fold_words(b, s.p, col, ind, 60);
		if (rnd(2)) {
			buf_adds(b, "\n\n");
			indent(b, ind);
			buf_adds(b, "after an empty line");
		}
		break;
	case 2:	/* single-quoted, folded, with '' */
		gen_words(&s, qwords, sizeof(qwords) / sizeof(*qwords), 3 +
			  rnd(15));
		buf_addc(b, '\'');
		for (p = s.p; *p; p++) {
			if (*p == '\t')
				continue;
			if (*p == '\'')
				buf_addc(b, '\'');
			buf_addc(b, *p);
		}
		buf_adds(b, "'");
		break;
	case 3: { /* single-quoted over lines, with an empty line */
		buf_adds(b, "'first part of the message it''s long\n");
		indent(b, ind);
		buf_adds(b, "second line\n\n");
		indent(b, ind);
		buf_adds(b, "new paragraph'");
		break;
	}
	case 4:	/* double-quoted with escapes, folded */
		gen_words(&s, qwords, sizeof(qwords) / sizeof(*qwords), 3 +
			  rnd(15));
		buf_addc(b, '"');
		col++;
		for (p = s.p; *p; p++) {
			if (*p == '"' || *p == '\\') {
				buf_addc(b, '\\');
				buf_addc(b, *p);
			} else if (*p == '\t') {
				buf_adds(b, "\\t");
			} else if (*p == ' ' && col > 60 && p[1] != ' ') {
				buf_addc(b, '\n');
				indent(b, ind);
				col = ind;
				if (rnd(3) == 0) {
					buf_adds(b, "\\ ");
					col += 2;
				}
				continue;
			} else {
				buf_addc(b, *p);
			}
			col++;
		}
		buf_adds(b, rnd(2) ? "\\nline two\\u00e9\"" : "\"");
		break;
	case 5:	/* null or empty */
		buf_adds(b, rnd(2) ? "null" : "~");
		break;
	case 6:	/* a quoted timestamp or number, as kubectl writes them */
		buf_addf(b, "\"2024-05-%02u T09:00:00Z\"", 1 + rnd(28));
		break;
	default:
		buf_addf(b, "%u", rnd(100000));
		break;
	}
	buf_free(&s);
}

static void gen_literal(struct buf *b, int ind)
{
	static const char *const chomp[] = { "|", "|-", "|+" };
	unsigned i, n = 1 + rnd(6);

	buf_adds(b, chomp[rnd(3)]);
	buf_addc(b, '\n');
	if (rnd(4) == 0)
		buf_addc(b, '\n');
	indent(b, ind);
	buf_adds(b, "-----BEGIN CERTIFICATE-----\n");
	for (i = 0; i < n; i++) {
		if (rnd(5) == 0)
			buf_addc(b, '\n');
		indent(b, ind + (rnd(6) == 0 ? 2 : 0));
		buf_adds(b, "MIIBszCCAVmgAwIBAgIUJ+Zm9v/YmFy # key: v\n");
	}
	indent(b, ind);
	buf_adds(b, "-----END CERTIFICATE-----\n");
	for (i = rnd(3); i > 0; i--)
		buf_addc(b, '\n');
}

static void gen_item(struct buf *b, unsigned k)
{
	unsigned i, n;

	buf_adds(b, "- apiVersion: cert-manager.io/v1\n  kind: Certificate\n"
		 "  metadata:\n");
	if (rnd(2)) {
		buf_adds(b, "    annotations:\n"
			 "      kubectl.kubernetes.io/last-applied-"
			 "configuration: |\n");
		buf_addf(b, "        {\"apiVersion\":\"cert-manager.io/v1\","
			 "\"metadata\":{\"name\":\"app-%u\"}}\n", k);
	}
	buf_addf(b, "    creationTimestamp: \"2024-05-01T09:00:00Z\"\n"
		 "    generation: %u\n", rnd(9));
	if (rnd(3))
		buf_addf(b, "    labels:\n      app: app-%u\n", k);
	else
		buf_adds(b, "    labels: {}\n");
	buf_addf(b, "    name: app-%u-tls\n    namespace: ns-%u\n", k, rnd(7));
	if (rnd(4) == 0)
		buf_adds(b, "    ownerReferences: []\n");
	buf_adds(b, "  spec:\n    dnsNames:\n");
	for (i = 1 + rnd(3); i > 0; i--)
		buf_addf(b, "    - app-%u-%u.example.com\n", k, i);
	buf_adds(b, "    issuerRef:\n      kind: ClusterIssuer\n"
		 "      name: letsencrypt-prod\n");
	if (rnd(3) == 0)
		buf_adds(b, "    privateKey: {}\n");
	buf_addf(b, "    secretName: app-%u-tls\n", k);
	if (rnd(4) == 0)
		buf_adds(b, "    usages:\n");
	if (rnd(5) == 0)
		buf_adds(b, "  # status follows\n");
	buf_adds(b, "  status:\n    conditions:\n");
	for (n = 1 + rnd(3); n > 0; n--) {
		buf_adds(b, "    - lastTransitionTime: "
			 "\"2024-05-01T09:01:00Z\"\n      message: ");
		gen_value(b, 15, 8);
		buf_addf(b, "\n      observedGeneration: %u\n"
			 "      reason: Ready\n      status: \"%s\"\n"
			 "      type: Ready\n", rnd(3), rnd(2) ? "True" :
			 "False");
	}
	if (rnd(3) == 0) {
		buf_adds(b, "    nested:\n    - - a\n      - b\n    -\n"
			 "      x: 1\n    - []\n    -\n");
	}
	if (rnd(2)) {
		buf_adds(b, "    tls.crt: ");
		gen_literal(b, 6);
	}
	buf_adds(b, "    notAfter: ");
	gen_value(b, 14, 6);
	buf_addc(b, '\n');
}

static void gen_list(struct buf *b, unsigned items)
{
	unsigned k;

	buf_adds(b, "apiVersion: v1\nitems:\n");
	for (k = 0; k < items; k++)
		gen_item(b, k);
	buf_adds(b, "# end of items\nkind: List\nmetadata:\n"
		 "  resourceVersion: \"\"\n");
}

static void test_generated_list(void **state)
{
	struct buf doc = BUF_INIT;

	(void)state;
	gen_list(&doc, 3000);
	if (!check_same("generated list", doc.p, doc.len)) {
		printf("the generated list was declined\n");
		fail();
	}
	buf_free(&doc);
}

/*
 * Small edits of every accepted document: whatever the reader still
 * takes must still be libyaml's reading. Most of them are declined,
 * many are not, and the latter are where a reader goes wrong.
 */
static void test_mutations(void **state)
{
	static const char repl[] = { ' ', '\n', ':', '#', '-', '\'', '"', '|',
				     'x', '\\', '{', '}' };
	struct buf m = BUF_INIT;
	unsigned long taken = 0, tried = 0;
	size_t i, pos, r;

	(void)state;
	for (i = 0; i < sizeof(accept_docs) / sizeof(*accept_docs); i++) {
		const char *d = accept_docs[i];
		size_t n = strlen(d);

		for (pos = 0; pos < n; pos++) {
			for (r = 0; r <= sizeof(repl); r++) {
				buf_reset(&m);
				buf_add(&m, d, pos);
				if (r < sizeof(repl)) {
					/* Replace the byte at pos ... */
					buf_addc(&m, repl[r]);
					buf_add(&m, d + pos + 1, n - pos - 1);
				} else {
					/* ... or delete it. */
					buf_add(&m, d + pos + 1, n - pos - 1);
				}
				tried++;
				taken += (unsigned long)check_same("mutation",
								   m.p, m.len);
				/* And insert a space there. */
				if (r == 0) {
					buf_reset(&m);
					buf_add(&m, d, pos);
					buf_addc(&m, ' ');
					buf_add(&m, d + pos, n - pos);
					tried++;
					taken += (unsigned long)check_same(
						"mutation", m.p, m.len);
				}
			}
		}
	}
	/* The edits must exercise the reader, not only its declines. */
	assert_true(taken > tried / 10);
	buf_free(&m);
}

/* ---- Through yamldoc. ---- */

struct run {
	struct input in;
	unsigned long objects;
	struct buf warns;
};

static void on_obj(struct kobject *o, void *ctx)
{
	struct run *r = ctx;

	r->objects++;
	kobject_free(o);
}

static void run_yaml(struct run *r, const char *text)
{
	struct parse_ctx pc;
	struct yamldoc *p;
	unsigned long lineno = 1;
	size_t i;

	memset(r, 0, sizeof(*r));
	input_init(&r->in, "bundle/x.yaml");
	memset(&pc, 0, sizeof(pc));
	pc.source = "x.yaml";
	pc.in = &r->in;
	pc.on_object = on_obj;
	pc.ctx = r;
	p = yamldoc_new(&pc);
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		yamldoc_line(p, slice_make(text, n), lineno++);
		text += n + (nl ? 1 : 0);
	}
	yamldoc_end(p);
	yamldoc_free(p);
	for (i = 0; i < r->in.nerrors; i++)
		buf_addf(&r->warns, "%s: %s|", r->in.errors[i].where,
			 r->in.errors[i].message);
}

static void run_free(struct run *r)
{
	input_free(&r->in);
	buf_free(&r->warns);
}

/*
 * Block nesting past YAMLDOC_MAX_DEPTH is in the reader's subset, so it
 * must hand the document back for libyaml to report with the column of
 * the 257th mapping; the next document is read.
 */
static void test_depth_limit_via_yamldoc(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	struct run r;
	int d;

	(void)state;
	diag_set_quiet(1);
	buf_adds(&in, "kind: ConfigMap\nmetadata:\n  name: deep\ndata:\n");
	for (d = 0; d < 300; d++) {
		int i;

		for (i = 0; i < 2 * (d + 1); i++)
			buf_addc(&in, ' ');
		buf_adds(&in, "k:\n");
	}
	buf_adds(&in, "---\nkind: ConfigMap\nmetadata:\n  name: shallow\n");
	run_yaml(&r, in.p);
	assert_int_equal(r.objects, 1);
	/*
	 * The mapping on the line of "k:" number d (from 0, on line 5 + d,
	 * column 2d + 3) is at depth d + 2: d = 255 is the first too deep.
	 */
	buf_addf(&want, "x.yaml:%d:%d: YAML nested deeper than %d levels; "
		 "document dropped|", 5 + 255, 2 * 255 + 3, YAMLDOC_MAX_DEPTH);
	assert_string_equal(buf_str(&r.warns), buf_str(&want));
	run_free(&r);
	buf_free(&in);
	buf_free(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_decline),
		cmocka_unit_test(test_too_deep_for_reader),
		cmocka_unit_test(test_generated_list),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_depth_limit_via_yamldoc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
