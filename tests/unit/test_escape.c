/*
 * Escaping for each medium, table-driven: a terminal (controls as \xNN),
 * HTML text and attributes (entities, controls, invalid UTF-8), JSON
 * inside an HTML <script> (no "</script>", "<!--" or U+2028/2029), and
 * inline Markdown (nothing that could format, link, mention or start a
 * block), plus the backtick run that decides a code fence's length.
 */
#include "cm.h"

#include <string.h>

#include "buf.h"
#include "escape.h"

typedef void (*escape_fn)(struct buf *, struct slice);

struct esc_case {
	const char *in, *want;
};

static void run_cases(escape_fn fn, const char *name,
		      const struct esc_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct buf b = BUF_INIT;

		fn(&b, slice_cstr(c[i].in));
		if (strcmp(buf_str(&b), c[i].want))
			fail_msg("%s(%s)\n   got  %s\n   want %s", name, c[i].in,
				 buf_str(&b), c[i].want);
		buf_free(&b);
	}
}

static void test_terminal(void **state)
{
	static const struct esc_case c[] = {
		{ "plain text", "plain text" },
		{ "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m" },
		{ "a\tb\rc\x7f", "a\\tb\\x0dc\\x7f" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
	};

	(void)state;
	run_cases(escape_terminal, "escape_terminal", c, ARRAY_SIZE(c));
}

static void test_html(void **state)
{
	static const struct esc_case c[] = {
		{ "plain", "plain" },
		{ "<script>window.__pwned=1</script>",
		  "&lt;script&gt;window.__pwned=1&lt;/script&gt;" },
		{ "<img src=x onerror=alert(1)>",
		  "&lt;img src=x onerror=alert(1)&gt;" },
		{ "\" onmouseover='x' a=b&c", "&quot; onmouseover=&#39;x&#39; a=b&amp;c" },
		{ "&lt; stays text", "&amp;lt; stays text" },
		{ "line1\nline2", "line1\nline2" },
		{ "esc\x1b[2J bell\x07 nul-free", "esc\\x1b[2J bell\\x07 nul-free" },
		{ "bad\xff utf8 \xc3", "bad\xef\xbf\xbd utf8 \xef\xbf\xbd" },
		{ "caf\xc3\xa9 \xe2\x80\xa6", "caf\xc3\xa9 \xe2\x80\xa6" },
		{ "", "" },
	};

	(void)state;
	run_cases(escape_html, "escape_html", c, ARRAY_SIZE(c));
}

static void test_html_nul(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	escape_html(&b, slice_make("a\0<b", 4));
	assert_string_equal(buf_str(&b), "a\\x00&lt;b");
	buf_free(&b);
}

static void test_script_json(void **state)
{
	static const struct esc_case c[] = {
		{ "{\"a\":\"</script><script>x()</script>\"}",
		  "{\"a\":\"\\u003c/script\\u003e\\u003cscript\\u003ex()"
		  "\\u003c/script\\u003e\"}" },
		{ "{\"a\":\"<!-- x -->\"}",
		  "{\"a\":\"\\u003c!-- x --\\u003e\"}" },
		{ "{\"a\":\"x&y\"}", "{\"a\":\"x\\u0026y\"}" },
		{ "{\"a\":\"\xe2\x80\xa8|\xe2\x80\xa9|\xe2\x80\xa6\"}",
		  "{\"a\":\"\\u2028|\\u2029|\xe2\x80\xa6\"}" },
		{ "[1, 2.5, true, null]", "[1, 2.5, true, null]" },
	};

	(void)state;
	run_cases(escape_script_json, "escape_script_json", c, ARRAY_SIZE(c));
}

static void test_md(void **state)
{
	static const struct esc_case c[] = {
		{ "plain words, (parens) and dots.", "plain words, (parens) and dots." },
		{ "*bold* _em_ `code`", "\\*bold\\* \\_em\\_ \\`code\\`" },
		{ "[link](http://x) ![img](y)", "\\[link\\](http://x) !\\[img\\](y)" },
		{ "<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>" },
		{ "a | b ~~c~~ &amp; @user #12", "a \\| b \\~\\~c\\~\\~ \\&amp; \\@user \\#12" },
		{ "back\\slash", "back\\\\slash" },
		{ "# heading", "\\# heading" },
		{ "- item", "\\- item" },
		{ "+ item", "\\+ item" },
		{ "= setext", "\\= setext" },
		{ "1. item", "1\\. item" },
		{ "12) item", "12\\) item" },
		{ "    indented - x", "indented - x" },
		{ "  # heading", "\\# heading" },
		{ "mid - dash 1. not a list", "mid - dash 1. not a list" },
		{ "two\nlines\r\n", "two lines  " },
		{ "esc\x1b[31m", "esc\\\\x1b\\[31m" },
		{ "bad\xff", "bad\xef\xbf\xbd" },
	};

	(void)state;
	run_cases(escape_md, "escape_md", c, ARRAY_SIZE(c));
}

static void test_longest_run(void **state)
{
	static const struct {
		const char *in;
		size_t want;
	} c[] = {
		{ "", 0 }, { "no ticks", 0 }, { "`a`", 1 },
		{ "``` fence ```` longer", 4 }, { "x````````", 8 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(c); i++)
		assert_int_equal(escape_longest_run(slice_cstr(c[i].in), '`'),
				 c[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_html_nul),
		cmocka_unit_test(test_script_json),
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_longest_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
