/* Line splitting: endings, CRLF, empty lines, cuts, and tiny reads. */
#include "cm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lines.h"
#include "stream.h"

#include "streams.h"

static void collect(struct stream *s, size_t max, char *out, size_t cap,
		    int *cuts)
{
	struct lines l;
	struct slice line;

	out[0] = '\0';
	*cuts = 0;
	lines_init(&l, s, max);
	while (lines_next(&l, &line) > 0) {
		strncat(out, line.p, line.n);
		strncat(out, "|", cap - strlen(out) - 1);
		*cuts += l.cut;
	}
	lines_free(&l);
}

static void test_cases(void **state)
{
	const struct split_case *cases = split_cases;
	char out[256];
	size_t i;
	int cuts, mode;

	(void)state;
	for (i = 0; i < SPLIT_CASES; i++) {
		for (mode = 0; mode < 2; mode++) {
			struct drip d = { cases[i].in, strlen(cases[i].in), 0 };
			struct stream *s = mode ?
				stream_new(&drip_ops, &d) :
				stream_mem(cases[i].in, strlen(cases[i].in));

			collect(s, cases[i].max, out, sizeof(out), &cuts);
			stream_free(s);
			assert_string_equal(out, cases[i].want);
			assert_int_equal(cuts, cases[i].cuts);
		}
	}
}

static void test_long_line_bounded(void **state)
{
	size_t n = 10u << 20;
	char *big = malloc(n + 4);
	struct stream *s;
	struct lines l;
	struct slice line;

	(void)state;
	memset(big, 'x', n);
	memcpy(big + n, "\nok\n", 4);
	s = stream_mem(big, n + 4);
	lines_init(&l, s, 1u << 20);
	assert_int_equal(lines_next(&l, &line), 1);
	assert_int_equal(line.n, 1u << 20);
	assert_true(l.cut);
	assert_int_equal(lines_next(&l, &line), 1);
	assert_int_equal(line.n, 2);
	assert_memory_equal(line.p, "ok", 2);
	assert_int_equal(l.lineno, 2);
	/* The buffer never grew to hold the 10 MiB line. */
	assert_true(l.cap <= (4u << 20));
	assert_int_equal(lines_next(&l, &line), 0);
	lines_free(&l);
	stream_free(s);
	free(big);
}

static void test_partial_line_before_error(void **state)
{
	int calls = 0;
	struct stream *s = stream_new(&broken_ops, &calls);
	struct lines l;
	struct slice line;

	(void)state;
	lines_init(&l, s, 0);
	assert_int_equal(lines_next(&l, &line), 1);
	assert_int_equal(line.n, 1);
	/* The bytes before the damage still come out as a line. */
	assert_int_equal(lines_next(&l, &line), 1);
	assert_int_equal(line.n, 2);
	assert_memory_equal(line.p, "bc", 2);
	assert_int_equal(lines_next(&l, &line), -1);
	lines_free(&l);
	stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_long_line_bounded),
		cmocka_unit_test(test_partial_line_before_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
