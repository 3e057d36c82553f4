/*
 * The line feed, with and without its reader thread: the same lines as
 * lines_next() (endings, CRLF, cuts, errors, batch boundaries), notes
 * released in read order, and an early stop.
 */
#include "cm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "feed.h"
#include "lines.h"
#include "stream.h"

#include "streams.h"

static void collect(struct stream *s, int threads, size_t max, char *out,
		    size_t cap, int *cuts)
{
	struct feed f;
	struct slice line;
	const struct feed_batch *last = NULL;
	unsigned long gen = 0;

	out[0] = '\0';
	*cuts = 0;
	feed_init(&f, NULL, threads);
	feed_start(&f, s, NULL, max);
	while (feed_next(&f, &line) > 0) {
		const struct feed_batch *b = feed_batch(&f);

		/* new_block marks exactly the first line of each batch. */
		assert_int_equal(f.new_block, b != last || b->gen != gen);
		last = b;
		gen = b->gen;
		strncat(out, line.p, line.n);
		strncat(out, "|", cap - strlen(out) - 1);
		*cuts += f.cut;
	}
	feed_end(&f);
	feed_free(&f);
}

static void test_cases(void **state)
{
	const struct split_case *cases = split_cases;
	char out[256];
	size_t i;
	int cuts, mode, threads;

	(void)state;
	for (i = 0; i < SPLIT_CASES; i++) {
		for (mode = 0; mode < 4; mode++) {
			struct drip d = { cases[i].in, strlen(cases[i].in), 0 };
			struct stream *s = mode & 1 ?
				stream_new(&drip_ops, &d) :
				stream_mem(cases[i].in, strlen(cases[i].in));

			threads = mode & 2 ? 2 : 1;
			collect(s, threads, cases[i].max, out, sizeof(out),
				&cuts);
			stream_free(s);
			assert_string_equal(out, cases[i].want);
			assert_int_equal(cuts, cases[i].cuts);
		}
	}
}

/*
 * Lines of every length around the batch size and max_line, CRLF and
 * cuts among them: the feed gives what lines_next() gives, line by line,
 * with one thread or two, finding lines with AVX2 bitmaps (where the
 * CPU has them) or with memchr().
 */
static void test_same_as_lines(void **state)
{
	struct buf text = BUF_INIT;
	unsigned seed = 12345;
	size_t i, max = 3000;
	int threads, mode;

	(void)state;
	for (i = 0; text.len < (5u << 20) + 777; i++) {
		size_t len, k;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % 200;
		if (i % 97 == 0)
			len = max - 2 + (seed >> 4) % 5;	/* near the cut */
		if (i % 1013 == 0)
			len = 3 * FEED_BATCH / 2;		/* past a batch */
		for (k = 0; k < len; k++)
			buf_addc(&text, (char)('a' + (k + i) % 26));
		if (i % 7 == 0)
			buf_addc(&text, '\r');
		buf_addc(&text, '\n');
	}
	buf_adds(&text, "last line, no newline");
	for (mode = 0; mode < 4; mode++) {
		struct stream *s1 = stream_mem(text.p, text.len);
		struct stream *s2 = stream_mem(text.p, text.len);
		struct lines l;
		struct feed f;
		struct slice a, b;
		int ra, rb;

		threads = 1 + (mode & 1);
		lines_init(&l, s1, max);
		feed_init(&f, NULL, threads);
		f.avx2 &= mode >> 1;
		feed_start(&f, s2, NULL, max);
		do {
			ra = lines_next(&l, &a);
			rb = feed_next(&f, &b);
			assert_int_equal(ra, rb);
			if (ra > 0) {
				assert_int_equal(a.n, b.n);
				assert_memory_equal(a.p, b.p, a.n);
				assert_int_equal(l.lineno, f.lineno);
				assert_int_equal(l.cut, f.cut);
			}
		} while (ra > 0);
		feed_end(&f);
		feed_free(&f);
		lines_free(&l);
		stream_free(s1);
		stream_free(s2);
	}
	buf_free(&text);
}

static void test_long_line_bounded(void **state)
{
	size_t n = 10u << 20, i;
	char *big = malloc(n + 4);
	int threads;

	(void)state;
	memset(big, 'x', n);
	memcpy(big + n, "\nok\n", 4);
	for (threads = 1; threads <= 2; threads++) {
		struct stream *s = stream_mem(big, n + 4);
		struct feed f;
		struct slice line;

		feed_init(&f, NULL, threads);
		feed_start(&f, s, NULL, 1u << 20);
		assert_int_equal(feed_next(&f, &line), 1);
		assert_int_equal(line.n, 1u << 20);
		assert_true(f.cut);
		assert_int_equal(feed_next(&f, &line), 1);
		assert_int_equal(line.n, 2);
		assert_memory_equal(line.p, "ok", 2);
		assert_int_equal(f.lineno, 2);
		assert_int_equal(feed_next(&f, &line), 0);
		feed_end(&f);
		/* No batch grew to hold the 10 MiB line. */
		for (i = 0; i < FEED_DEPTH; i++)
			assert_true(f.ring[i].cap <= (4u << 20));
		feed_free(&f);
		stream_free(s);
	}
	free(big);
}

static void test_partial_line_before_error(void **state)
{
	int threads;

	(void)state;
	for (threads = 1; threads <= 2; threads++) {
		int calls = 0;
		struct stream *s = stream_new(&broken_ops, &calls);
		struct feed f;
		struct slice line;

		feed_init(&f, NULL, threads);
		feed_start(&f, s, NULL, 0);
		assert_int_equal(feed_next(&f, &line), 1);
		assert_int_equal(line.n, 1);
		/* The bytes before the damage still come out as a line. */
		assert_int_equal(feed_next(&f, &line), 1);
		assert_int_equal(line.n, 2);
		assert_memory_equal(line.p, "bc", 2);
		assert_int_equal(feed_next(&f, &line), -1);
		assert_int_equal(feed_next(&f, &line), -1);
		feed_end(&f);
		assert_string_equal(buf_str(&s->err),
				    "unexpected end of gzip data");
		feed_free(&f);
		stream_free(s);
	}
}

/* A stream of 8 MiB of "x...\n" that notes a warning at 2 MiB. */
struct noisy {
	struct input *in;
	size_t pos, n;
};

static ssize_t noisy_read(struct stream *s, void *dst, size_t n)
{
	struct noisy *z = s->state;
	char *out = dst;
	size_t i, k = z->n - z->pos < n ? z->n - z->pos : n;

	for (i = 0; i < k; i++)
		out[i] = (z->pos + i) % 64 == 63 ? '\n' : 'x';
	if (z->pos < (2u << 20) && z->pos + k >= (2u << 20))
		input_warning(z->in, "noisy", "trailing garbage");
	z->pos += k;
	return (ssize_t)k;
}

static const struct stream_ops noisy_ops = { noisy_read, NULL };

/*
 * What the reader notes reaches the input when the caller gets to the
 * lines read with it: after the caller's own note on line 1, with or
 * without a thread that read ahead.
 */
static void test_notes_in_read_order(void **state)
{
	int threads;

	(void)state;
	for (threads = 1; threads <= 2; threads++) {
		struct input in;
		struct noisy z = { &in, 0, 8u << 20 };
		struct stream *s = stream_new(&noisy_ops, &z);
		struct feed f;
		struct slice line;
		unsigned long lines = 0;

		input_init(&in, "noisy");
		feed_init(&f, NULL, threads);
		feed_start(&f, s, NULL, 0);
		while (feed_next(&f, &line) > 0) {
			if (++lines == 1) {
				/* Let a reader thread get far ahead. */
				struct timespec ts = { 0, 50 * 1000 * 1000 };

				nanosleep(&ts, NULL);
				assert_int_equal(in.nerrors, 0);
				input_warning(&in, "noisy:1", "from the caller");
			}
		}
		feed_end(&f);
		assert_int_equal(lines, (8u << 20) / 64);
		assert_int_equal(in.nerrors, 2);
		assert_string_equal(in.errors[0].message, "from the caller");
		assert_string_equal(in.errors[1].message, "trailing garbage");
		feed_free(&f);
		stream_free(s);
		input_free(&in);
	}
}

/* A stream that never ends: stopping early must not read it all. */
static ssize_t endless_read(struct stream *s, void *dst, size_t n)
{
	(void)s;
	memset(dst, 'y', n);
	if (n)
		((char *)dst)[n - 1] = '\n';
	return (ssize_t)n;
}

static const struct stream_ops endless_ops = { endless_read, NULL };

static void test_stop_early(void **state)
{
	int threads;

	(void)state;
	for (threads = 1; threads <= 2; threads++) {
		struct stream *s = stream_new(&endless_ops, NULL);
		struct stream *t = stream_mem("one\ntwo\n", 8);
		struct feed f;
		struct slice line;

		feed_init(&f, NULL, threads);
		feed_start(&f, s, NULL, 0);
		assert_int_equal(feed_next(&f, &line), 1);
		feed_end(&f);
		/* The reader stopped within the ring's worth of batches. */
		assert_true(s->offset <= (uint64_t)(FEED_DEPTH + 1) *
			    (FEED_BATCH + (256u << 10)));
		/* And the feed reads the next entry from its start. */
		feed_start(&f, t, NULL, 0);
		assert_int_equal(feed_next(&f, &line), 1);
		assert_memory_equal(line.p, "one", 3);
		assert_int_equal(f.lineno, 1);
		assert_int_equal(feed_next(&f, &line), 1);
		assert_int_equal(feed_next(&f, &line), 0);
		feed_end(&f);
		feed_free(&f);
		stream_free(s);
		stream_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_same_as_lines),
		cmocka_unit_test(test_long_line_bounded),
		cmocka_unit_test(test_partial_line_before_error),
		cmocka_unit_test(test_notes_in_read_order),
		cmocka_unit_test(test_stop_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
