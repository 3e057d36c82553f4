/*
 * Unit tests for the source layer (source.c, src_container.c, src_gz.c,
 * src_tar.c): files, directories, gzip and tar built at test time in a
 * temporary directory, with the damaged variants (truncation, bad
 * checksums and CRCs, bombs) checked for exact paths, contents and
 * error locations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "diag.h"
#include "input.h"
#include "lines.h"
#include "source.h"
#include "util.h"

/* ---- What the walk delivered ---- */

struct rec {
	char *path;
	char *name;
	struct buf text;	/* the lines, each followed by '\n' */
};

enum reader {
	READ_ALL,		/* every line; report a read error */
	READ_FIRST_LINE,	/* stop after one line */
	READ_SILENT,		/* every line; leave errors to the source */
};

struct got {
	struct rec *v;
	size_t n, cap;
	enum reader mode;
};

struct run {
	struct input in;
	struct got got;
	int rc;
};

/* Reads the entry as the analyzer does, line by line, and records it. */
static void collect(struct entry *e, void *ctx)
{
	struct got *g = ctx;
	struct lines l;
	struct slice line;
	struct rec *r;
	int rc;

	g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof(*g->v));
	r = &g->v[g->n++];
	memset(r, 0, sizeof(*r));
	r->path = xstrdup(e->path);
	r->name = xstrdup(e->name);
	lines_init(&l, e->in, 0);
	while ((rc = lines_next(&l, &line)) > 0) {
		buf_addslice(&r->text, line);
		buf_addc(&r->text, '\n');
		if (g->mode == READ_FIRST_LINE)
			break;
	}
	/* The callback reports what it read into, as analyze.c does. */
	if (rc < 0 && g->mode == READ_ALL)
		input_error(e->input, e->path, "read error after line %lu: %s",
			    l.lineno, buf_str(&e->in->err));
	lines_free(&l);
}

static void run_walk(struct run *r, const char *path,
		     const struct source_limits *lim, enum reader mode)
{
	struct source_limits def;

	memset(r, 0, sizeof(*r));
	input_init(&r->in, path);
	if (!lim) {
		source_limits_default(&def);
		lim = &def;
	}
	r->got.mode = mode;
	r->rc = source_walk(path, lim, &r->in, collect, &r->got);
}

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->got.n; i++) {
		free(r->got.v[i].path);
		free(r->got.v[i].name);
		buf_free(&r->got.v[i].text);
	}
	free(r->got.v);
	input_free(&r->in);
}

static void dump(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->got.n; i++)
		print_message("  entry %s (%zu bytes)\n", r->got.v[i].path,
			      r->got.v[i].text.len);
	for (i = 0; i < r->in.nerrors; i++)
		print_message("  error %s: %s\n", r->in.errors[i].where,
			      r->in.errors[i].message);
	for (i = 0; i < r->in.nskipped; i++)
		print_message("  skipped %s: %s\n", r->in.skipped[i].where,
			      r->in.skipped[i].message);
}

static void expect_counts(const struct run *r, size_t entries, size_t errors,
			  size_t skipped)
{
	if (r->got.n != entries || r->in.nerrors != errors ||
	    r->in.nskipped != skipped) {
		dump(r);
		fail_msg("want %zu entries, %zu errors, %zu skipped; got %zu, "
			 "%zu, %zu", entries, errors, skipped, r->got.n,
			 r->in.nerrors, r->in.nskipped);
	}
}

static void expect_entry(const struct run *r, size_t i, const char *path,
			 const char *text)
{
	if (i >= r->got.n) {
		dump(r);
		fail_msg("no entry %zu (want %s)", i, path);
	}
	assert_string_equal(r->got.v[i].path, path);
	if (text)
		assert_string_equal(buf_str(&r->got.v[i].text), text);
}

/* A note (error or skip) at where whose message contains sub. */
static const struct input_note *expect_note(const struct run *r,
					    const struct input_note *v,
					    size_t n, const char *where,
					    const char *sub)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].where, where) && strstr(v[i].message, sub))
			return &v[i];
	dump(r);
	fail_msg("no note at %s containing \"%s\"", where, sub);
	return NULL;
}

static const struct input_note *expect_error(const struct run *r,
					     const char *where,
					     const char *sub)
{
	return expect_note(r, r->in.errors, r->in.nerrors, where, sub);
}

static const struct input_note *expect_skip(const struct run *r,
					    const char *where,
					    const char *sub)
{
	return expect_note(r, r->in.skipped, r->in.nskipped, where, sub);
}

/* ---- Building inputs ---- */

static void write_file(const char *name, const void *p, size_t n)
{
	FILE *f = fopen(name, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void write_buf(const char *name, const struct buf *b)
{
	write_file(name, b->p ? b->p : "", b->len);
}

/* Append one gzip member holding p[0..n). */
static void mk_gzip(struct buf *out, const void *p, size_t n)
{
	z_stream z;
	unsigned char tmp[65536];
	int ret;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof(tmp);
		ret = deflate(&z, Z_FINISH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
		buf_add(out, tmp, sizeof(tmp) - z.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
}

enum tar_fmt { TF_USTAR, TF_GNU, TF_V7 };

/* width-1 octal digits and a NUL, as tar writers do. */
static void put_octal(unsigned char *f, size_t width, uint64_t v)
{
	size_t i = width - 1;

	f[i] = '\0';
	while (i--) {
		f[i] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

static void mk_tar_checksum(unsigned char *h)
{
	unsigned sum = 0;
	size_t i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	put_octal(h + 148, 7, sum);
	h[155] = ' ';
}

static void mk_header(unsigned char *h, const char *name, char type,
		      uint64_t size, const char *link, enum tar_fmt fmt)
{
	memset(h, 0, 512);
	memcpy(h, name, strnlen(name, 100));
	put_octal(h + 100, 8, 0644);
	put_octal(h + 108, 8, 1000);
	put_octal(h + 116, 8, 1000);
	put_octal(h + 124, 12, size);
	put_octal(h + 136, 12, 1700000000);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strnlen(link, 100));
	if (fmt == TF_USTAR)
		memcpy(h + 257, "ustar\0" "00", 8);
	else if (fmt == TF_GNU)
		memcpy(h + 257, "ustar  ", 8);
	if (fmt != TF_V7) {
		memcpy(h + 265, "user", 4);
		memcpy(h + 297, "group", 5);
	}
	mk_tar_checksum(h);
}

static void mk_tar_hdr(struct buf *t, const char *name, char type,
		       uint64_t size, const char *link, enum tar_fmt fmt)
{
	unsigned char h[512];

	mk_header(h, name, type, size, link, fmt);
	buf_add(t, h, sizeof(h));
}

static void mk_tar_data(struct buf *t, const void *p, size_t n)
{
	static const char zeros[512];

	buf_add(t, p, n);
	if (n % 512)
		buf_add(t, zeros, 512 - n % 512);
}

static void mk_tar_file(struct buf *t, const char *name, const char *text,
			enum tar_fmt fmt)
{
	mk_tar_hdr(t, name, '0', strlen(text), NULL, fmt);
	mk_tar_data(t, text, strlen(text));
}

static void mk_tar_end(struct buf *t)
{
	static const char zeros[1024];

	buf_add(t, zeros, sizeof(zeros));
}

/* One pax record, "<len> key=value\n" with len counting itself. */
static void pax_record(struct buf *b, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, len = body + 1;

	while (snprintf(NULL, 0, "%zu", len) + body != len)
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	buf_addf(b, "%zu %s=%s\n", len, key, val);
}

static void mk_tar_pax(struct buf *t, char type, const struct buf *records)
{
	mk_tar_hdr(t, type == 'g' ? "pax_global_header" : "PaxHeaders/x",
		   type, records->len, NULL, TF_USTAR);
	mk_tar_data(t, records->p, records->len);
}

/* Lines "<tag> line <i>" of varied text, n lines. */
static void mk_lines(struct buf *b, const char *tag, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_addf(b, "%s line %d value=%u\n", tag, i,
			 (unsigned)(i * 2654435761u));
}

/* ---- Fixture: every test runs in a fresh temporary directory ---- */

static char tmpdir[64];
static char olddir[4096];

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	diag_set_quiet(1);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ktriage-test-source-XXXXXX");
	if (!getcwd(olddir, sizeof(olddir)) || !mkdtemp(tmpdir) ||
	    chdir(tmpdir) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (chdir(olddir) < 0)
		return -1;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- Plain files and directories ---- */

static void test_plain_file(void **state)
{
	struct run r;

	(void)state;
	write_file("plain.log", "one\ntwo\n", 8);
	run_walk(&r, "plain.log", NULL, READ_ALL);
	assert_int_equal(r.rc, 0);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "plain.log", "one\ntwo\n");
	assert_string_equal(r.got.v[0].name, "plain.log");
	assert_int_equal(r.in.bytes, 8);
	assert_int_equal(r.in.bytes_compressed, 0);
	run_free(&r);
}

static void test_missing_path(void **state)
{
	struct run r;

	(void)state;
	run_walk(&r, "no-such-file", NULL, READ_ALL);
	assert_int_equal(r.rc, -1);
	assert_true(r.in.unreadable);
	expect_counts(&r, 0, 1, 0);
	run_free(&r);
}

static void test_dir_sorted(void **state)
{
	struct buf t = BUF_INIT, gz = BUF_INIT;
	struct run r;

	(void)state;
	assert_int_equal(mkdir("d", 0755), 0);
	assert_int_equal(mkdir("d/c", 0755), 0);
	write_file("d/b.log", "b\n", 2);
	write_file("d/a.log", "a\n", 2);
	write_file("d/c/z.log", "z\n", 2);
	mk_tar_file(&t, "m.log", "m\n", TF_USTAR);
	mk_tar_end(&t);
	mk_gzip(&gz, t.p, t.len);
	write_buf("d/a.tar.gz", &gz);
	assert_int_equal(symlink("a.log", "d/link.log"), 0);

	run_walk(&r, "d", NULL, READ_ALL);
	expect_counts(&r, 4, 0, 1);
	expect_entry(&r, 0, "d/a.log", "a\n");
	expect_entry(&r, 1, "d/a.tar.gz:m.log", "m\n");
	expect_entry(&r, 2, "d/b.log", "b\n");
	expect_entry(&r, 3, "d/c/z.log", "z\n");
	expect_skip(&r, "d/link.log", "symbolic link");
	assert_int_equal(r.in.files, 4);
	assert_int_equal(r.in.bytes_compressed, gz.len);
	run_free(&r);
	buf_free(&t);
	buf_free(&gz);
}

/* ---- gzip ---- */

static void test_gzip_single(void **state)
{
	struct buf gz = BUF_INIT;
	struct run r;

	(void)state;
	mk_gzip(&gz, "hello\nworld\n", 12);
	write_buf("x.log.gz", &gz);
	run_walk(&r, "x.log.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "x.log.gz", "hello\nworld\n");
	assert_string_equal(r.got.v[0].name, "x.log");
	assert_int_equal(r.in.bytes, 12);
	assert_int_equal(r.in.bytes_compressed, gz.len);
	run_free(&r);
	buf_free(&gz);
}

static void test_gzip_multi_member(void **state)
{
	static const char zeros[700];
	struct buf gz = BUF_INIT, text = BUF_INIT;
	struct run r;

	(void)state;
	mk_lines(&text, "first", 3000);
	mk_gzip(&gz, text.p, text.len);
	mk_gzip(&gz, "second\n", 7);
	mk_gzip(&gz, "", 0);
	mk_gzip(&gz, "third\n", 6);
	/* NUL padding after the last member is not garbage. */
	buf_add(&gz, zeros, sizeof(zeros));
	write_buf("m.gz", &gz);
	buf_adds(&text, "second\nthird\n");
	run_walk(&r, "m.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "m.gz", text.p);
	assert_int_equal(r.in.bytes, text.len);
	run_free(&r);
	buf_free(&gz);
	buf_free(&text);
}

static void test_gzip_trailing_garbage(void **state)
{
	struct buf gz = BUF_INIT;
	const struct input_note *n;
	struct run r;
	char want[64];

	(void)state;
	mk_gzip(&gz, "data\n", 5);
	snprintf(want, sizeof(want), "at compressed byte %zu", gz.len);
	buf_adds(&gz, "JUNK");
	write_buf("g.gz", &gz);
	run_walk(&r, "g.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_entry(&r, 0, "g.gz", "data\n");
	n = expect_error(&r, "g.gz", "trailing garbage");
	assert_non_null(strstr(n->message, want));
	assert_true(n->is_warning);
	assert_int_equal(r.in.error_count, 0);
	run_free(&r);
	buf_free(&gz);
}

/* The text before the cut reaches the reader, then one error names it. */
static void test_gzip_truncated(void **state)
{
	struct buf gz = BUF_INIT, text = BUF_INIT;
	size_t cuts[8], i;

	(void)state;
	mk_lines(&text, "trunc", 4000);
	mk_gzip(&gz, text.p, text.len);
	cuts[0] = 2;			/* magic only */
	cuts[1] = 7;			/* inside the header */
	cuts[2] = 10;			/* header complete, no data */
	cuts[3] = 200;
	cuts[4] = gz.len / 2;
	cuts[5] = gz.len - 8;		/* all data, no trailer */
	cuts[6] = gz.len - 5;		/* inside the CRC */
	cuts[7] = gz.len - 1;		/* inside the length */
	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		struct run r;
		char want[96];

		print_message("cut at %zu of %zu\n", cuts[i], gz.len);
		write_file("t.gz", gz.p, cuts[i]);
		run_walk(&r, "t.gz", NULL, READ_ALL);
		assert_int_equal(r.in.nerrors, 1);
		snprintf(want, sizeof(want), "unexpected end of gzip data at "
			 "compressed byte %zu ", cuts[i]);
		expect_error(&r, "t.gz", want);
		assert_true(r.got.n <= 1);
		if (r.got.n) {
			const struct buf *b = &r.got.v[0].text;

			/* The last line may be cut short: compare up to it. */
			assert_true(b->len <= text.len + 1);
			assert_memory_equal(b->p, text.p, b->len - 1);
		}
		if (i == 5 || i == 6 || i == 7)
			expect_entry(&r, 0, "t.gz", text.p);
		run_free(&r);
	}
	buf_free(&gz);
	buf_free(&text);
}

/* Whoever meets the error, the reader or the drain, it is reported once. */
static void test_gzip_error_reported_once(void **state)
{
	static const enum reader modes[] = {
		READ_ALL, READ_FIRST_LINE, READ_SILENT,
	};
	struct buf gz = BUF_INIT, text = BUF_INIT;
	size_t i;

	(void)state;
	mk_lines(&text, "once", 20000);
	mk_gzip(&gz, text.p, text.len);
	write_file("once.gz", gz.p, gz.len - 100);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct run r;
		char want[96];

		run_walk(&r, "once.gz", NULL, modes[i]);
		expect_counts(&r, 1, 1, 0);
		snprintf(want, sizeof(want), "unexpected end of gzip data at "
			 "compressed byte %zu ", gz.len - 100);
		expect_error(&r, "once.gz", want);
		if (modes[i] != READ_ALL)
			expect_error(&r, "once.gz", "read stopped at byte ");
		run_free(&r);
	}
	buf_free(&gz);
	buf_free(&text);
}

static void test_gzip_bad_trailer(void **state)
{
	static const struct {
		size_t from_end;
		const char *msg;
	} cases[] = {
		{ 8, "bad gzip CRC at compressed byte " },
		{ 5, "bad gzip CRC at compressed byte " },
		{ 4, "bad gzip length at compressed byte " },
		{ 1, "bad gzip length at compressed byte " },
	};
	struct buf gz = BUF_INIT, text = BUF_INIT;
	size_t i;

	(void)state;
	mk_lines(&text, "crc", 2000);
	mk_gzip(&gz, text.p, text.len);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r;
		const struct input_note *n;
		unsigned long long at;
		const char *p;

		gz.p[gz.len - cases[i].from_end] ^= 0x5a;
		write_buf("c.gz", &gz);
		gz.p[gz.len - cases[i].from_end] ^= 0x5a;
		run_walk(&r, "c.gz", NULL, READ_ALL);
		expect_counts(&r, 1, 1, 0);
		/* Everything was delivered before the trailer was checked. */
		expect_entry(&r, 0, "c.gz", text.p);
		n = expect_error(&r, "c.gz", cases[i].msg);
		p = strstr(n->message, cases[i].msg) + strlen(cases[i].msg);
		at = strtoull(p, NULL, 10);
		assert_true(at >= gz.len - 8 && at <= gz.len);
		assert_non_null(strstr(n->message, "uncompressed byte"));
		run_free(&r);
	}
	buf_free(&gz);
	buf_free(&text);
}

static void test_gzip_corrupt_data(void **state)
{
	struct buf gz = BUF_INIT, text = BUF_INIT;
	struct run r;

	(void)state;
	mk_lines(&text, "corrupt", 3000);
	mk_gzip(&gz, text.p, text.len);
	/* An invalid block type right after the header. */
	gz.p[10] = (char)0x07;
	write_buf("bad.gz", &gz);
	run_walk(&r, "bad.gz", NULL, READ_ALL);
	expect_counts(&r, 0, 1, 0);
	expect_error(&r, "bad.gz", "corrupt gzip data at compressed byte 11 "
		     "(uncompressed byte 0): invalid block type");
	run_free(&r);
	buf_free(&gz);
	buf_free(&text);
}

/*
 * One member holding text[0..n), with the optional header fields of RFC
 * 1952 that flg selects (FEXTRA, FNAME, FCOMMENT, FHCRC; the header CRC
 * covers the header before it) and deflate data made at level.
 */
static void mk_gzip_fields(struct buf *out, const void *text, size_t n,
			   int level, unsigned char flg)
{
	static const unsigned char extra[] = { 'A', 'P', 2, 0, 'x', 'y' };
	size_t start = out->len;
	unsigned char tmp[65536], t[8];
	uLong crc;
	z_stream z;
	int ret;

	buf_add(out, "\x1f\x8b\x08", 3);
	buf_addc(out, (char)flg);
	buf_add(out, "\0\0\0\0\0\3", 6);
	if (flg & 0x04) {
		buf_add(out, "\6\0", 2);
		buf_add(out, extra, sizeof(extra));
	}
	if (flg & 0x08)
		buf_add(out, "name.log", 9);
	if (flg & 0x10)
		buf_add(out, "a comment", 10);
	if (flg & 0x02) {
		crc = crc32(0L, (const Bytef *)out->p + start,
			    (uInt)(out->len - start));
		buf_addc(out, (char)(crc & 0xff));
		buf_addc(out, (char)(crc >> 8 & 0xff));
	}
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof(tmp);
		ret = deflate(&z, Z_FINISH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
		buf_add(out, tmp, sizeof(tmp) - z.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
	crc = crc32(0L, (const Bytef *)text, (uInt)n);
	t[0] = (unsigned char)crc;
	t[1] = (unsigned char)(crc >> 8);
	t[2] = (unsigned char)(crc >> 16);
	t[3] = (unsigned char)(crc >> 24);
	t[4] = (unsigned char)n;
	t[5] = (unsigned char)(n >> 8);
	t[6] = (unsigned char)(n >> 16);
	t[7] = (unsigned char)(n >> 24);
	buf_add(out, t, sizeof(t));
}

/* The wrapper is read here, not by the backend: the same words either way. */
static void test_gzip_header_fields(void **state)
{
	static const struct {
		int at;			/* byte to damage, -1 for none */
		unsigned char x;	/* xor with this */
		const char *msg;	/* expected error, NULL for none */
	} cases[] = {
		{ -1, 0, NULL },
		{ 2, 0x01, "corrupt gzip data at compressed byte 4 "
		  "(uncompressed byte 0): unknown compression method" },
		{ 3, 0x20, "corrupt gzip data at compressed byte 4 "
		  "(uncompressed byte 0): unknown header flags set" },
		{ 5, 0x01, "corrupt gzip data at compressed byte 39 "
		  "(uncompressed byte 0): header crc mismatch" },
		{ 38, 0x01, "corrupt gzip data at compressed byte 39 "
		  "(uncompressed byte 0): header crc mismatch" },
	};
	struct buf gz = BUF_INIT, text = BUF_INIT;
	size_t i;

	(void)state;
	mk_lines(&text, "fields", 500);
	/* 10 + 2 + 6 + 9 + 10 = 37 header bytes, then the 2-byte CRC. */
	mk_gzip_fields(&gz, text.p, text.len, 6, 0x02 | 0x04 | 0x08 | 0x10);
	mk_gzip(&gz, "second\n", 7);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r;

		if (cases[i].at >= 0)
			gz.p[cases[i].at] ^= (char)cases[i].x;
		write_buf("f.log.gz", &gz);
		if (cases[i].at >= 0)
			gz.p[cases[i].at] ^= (char)cases[i].x;
		run_walk(&r, "f.log.gz", NULL, READ_ALL);
		if (!cases[i].msg) {
			struct buf want = BUF_INIT;

			buf_addf(&want, "%ssecond\n", text.p);
			expect_counts(&r, 1, 0, 0);
			expect_entry(&r, 0, "f.log.gz", want.p);
			assert_int_equal(r.in.bytes_compressed, gz.len);
			buf_free(&want);
		} else {
			expect_counts(&r, 0, 1, 0);
			expect_error(&r, "f.log.gz", cases[i].msg);
		}
		run_free(&r);
	}
	buf_free(&gz);
	buf_free(&text);
}

/*
 * Members larger than the input buffer, stored (level 0) and compressed,
 * so that headers and trailers straddle refills; then NUL padding.
 */
static void test_gzip_members_across_refills(void **state)
{
	static const char zeros[3000];
	static const int levels[] = { 0, 1, 9, 0 };
	struct buf gz = BUF_INIT, text = BUF_INIT, all = BUF_INIT;
	size_t i;
	struct run r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		buf_reset(&text);
		mk_lines(&text, i & 1 ? "odd" : "even", 3000 + 1000 * (int)i);
		mk_gzip_fields(&gz, text.p, text.len, levels[i],
			       i & 1 ? 0x08 : 0x02);
		buf_adds(&all, text.p);
	}
	buf_add(&gz, zeros, sizeof(zeros));
	write_buf("r.gz", &gz);
	run_walk(&r, "r.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "r.gz", all.p);
	assert_int_equal(r.in.bytes, all.len);
	assert_int_equal(r.in.bytes_compressed, gz.len);
	run_free(&r);
	buf_free(&gz);
	buf_free(&text);
	buf_free(&all);
}

/*
 * A copy from before the start of the data: a fixed-Huffman block with one
 * literal, then a match at distance 30000. Each backend stops there (ISA-L
 * after its copy, from zeros); nothing else of the heap is read.
 */
static void test_gzip_distance_too_far(void **state)
{
	unsigned char d[64];
	size_t bit = 0, i;
	struct buf gz = BUF_INIT;
	struct run r;

#define PUT(v, n) do { unsigned v_ = (v); int k_;			\
		for (k_ = 0; k_ < (n); k_++, bit++)			\
			if (v_ >> k_ & 1) d[bit / 8] |= 1u << bit % 8;	\
	} while (0)
#define PUTCODE(c, n) do { unsigned c_ = (c); int k_;			\
		for (k_ = (n) - 1; k_ >= 0; k_--, bit++)		\
			if (c_ >> k_ & 1) d[bit / 8] |= 1u << bit % 8;	\
	} while (0)
	(void)state;
	memset(d, 0, sizeof(d));
	PUT(1, 1);			/* BFINAL */
	PUT(1, 2);			/* fixed Huffman codes */
	PUTCODE(0x30 + 'a', 8);		/* literal 'a' */
	for (i = 0; i < 3; i++) {
		PUTCODE(0xc5, 8);	/* length 258 */
		PUTCODE(29, 5);		/* distance 24577 + 13 bits */
		PUT(30000 - 24577, 13);
	}
	PUTCODE(0, 7);			/* end of block */
#undef PUT
#undef PUTCODE
	buf_add(&gz, "\x1f\x8b\x08\0\0\0\0\0\0\3", 10);
	buf_add(&gz, d, (bit + 7) / 8);
	buf_add(&gz, "\0\0\0\0\0\0\0\0", 8);
	write_buf("far.gz", &gz);
	run_walk(&r, "far.gz", NULL, READ_ALL);
	assert_int_equal(r.in.nerrors, 1);
	assert_non_null(strstr(r.in.errors[0].message,
			       "corrupt gzip data at compressed byte "));
	assert_non_null(strstr(r.in.errors[0].message,
			       "invalid distance too far back"));
	run_free(&r);
	buf_free(&gz);
}

static void test_gzip_stdin(void **state)
{
	struct buf gz = BUF_INIT;
	struct run r;
	int saved, fd;

	(void)state;
	mk_gzip(&gz, "from stdin\n", 11);
	write_buf("in.gz", &gz);
	saved = dup(0);
	fd = open("in.gz", O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_true(dup2(fd, 0) == 0);
	close(fd);
	run_walk(&r, "-", NULL, READ_ALL);
	assert_true(dup2(saved, 0) == 0);
	close(saved);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "(stdin)", "from stdin\n");
	run_free(&r);
	buf_free(&gz);
}

/*
 * ---- Large streams ----
 * Several MiB, many input refills: damage, limits and a reader that stops
 * early must read as they do in small files.
 */

#define BIG_LINES 200000	/* about 7 MiB of text */

static void test_gzip_big_whole(void **state)
{
	struct buf gz = BUF_INIT, a = BUF_INIT, b = BUF_INIT, all = BUF_INIT;
	const struct input_note *n;
	char want[96];
	struct run r;

	(void)state;
	mk_lines(&a, "first", BIG_LINES);
	mk_lines(&b, "second", 1000);
	mk_gzip_fields(&gz, a.p, a.len, 1, 0);
	mk_gzip_fields(&gz, b.p, b.len, 6, 0x08);
	snprintf(want, sizeof(want), "at compressed byte %zu ", gz.len);
	buf_adds(&gz, "JUNK");
	write_buf("t.log.gz", &gz);
	buf_adds(&all, a.p);
	buf_adds(&all, b.p);
	run_walk(&r, "t.log.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	assert_int_equal(r.got.v[0].text.len, all.len);
	assert_memory_equal(r.got.v[0].text.p, all.p, all.len);
	n = expect_error(&r, "t.log.gz", "trailing garbage");
	assert_non_null(strstr(n->message, want));
	assert_true(n->is_warning);
	assert_int_equal(r.in.bytes, all.len);
	assert_int_equal(r.in.bytes_compressed, gz.len - 4);
	run_free(&r);
	buf_free(&gz);
	buf_free(&a);
	buf_free(&b);
	buf_free(&all);
}

static void test_gzip_big_damage(void **state)
{
	struct buf gz = BUF_INIT, text = BUF_INIT, want = BUF_INIT;
	size_t cut;
	struct run r;

	(void)state;
	mk_lines(&text, "damage", BIG_LINES);
	mk_gzip_fields(&gz, text.p, text.len, 1, 0);

	/* Cut three quarters in. */
	cut = gz.len / 4 * 3;
	write_file("cut.gz", gz.p, cut);
	run_walk(&r, "cut.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	buf_addf(&want, "unexpected end of gzip data at compressed byte %zu ",
		 cut);
	expect_error(&r, "cut.gz", want.p);
	assert_true(r.got.v[0].text.len > (4u << 20));
	assert_true(r.got.v[0].text.len < text.len);
	assert_memory_equal(r.got.v[0].text.p, text.p,
			    r.got.v[0].text.len - 1);
	assert_int_equal(r.in.bytes_compressed, cut);
	run_free(&r);

	/* A bad CRC: every byte first, then the error. */
	gz.p[gz.len - 8] ^= 0x01;
	write_buf("crc.gz", &gz);
	run_walk(&r, "crc.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_error(&r, "crc.gz", "bad gzip CRC at compressed byte ");
	assert_int_equal(r.got.v[0].text.len, text.len);
	assert_memory_equal(r.got.v[0].text.p, text.p, text.len);
	run_free(&r);
	buf_free(&gz);
	buf_free(&text);
	buf_free(&want);
}

static void test_gzip_big_limits(void **state)
{
	struct buf gz = BUF_INIT, text = BUF_INIT;
	struct source_limits lim;
	const struct rec *e;
	struct run r;

	(void)state;
	mk_lines(&text, "limit", BIG_LINES);
	mk_gzip_fields(&gz, text.p, text.len, 1, 0);
	write_buf("total.log.gz", &gz);
	source_limits_default(&lim);
	lim.max_total_bytes = 6000000;
	run_walk(&r, "total.log.gz", &lim, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_error(&r, "total.log.gz", "limit of 6000000 uncompressed bytes");
	assert_int_equal(r.in.bytes, 6000000);
	e = &r.got.v[0];
	/* The last line, cut at the limit, gets a newline from collect(). */
	assert_int_equal(e->text.len, 6000000 + 1);
	assert_memory_equal(e->text.p, text.p, 6000000);
	run_free(&r);
	buf_reset(&gz);

	/* Ordinary text first, then a run that compresses far better. */
	while (text.len < (16u << 20))
		buf_adds(&text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	mk_gzip_fields(&gz, text.p, text.len, 1, 0);
	write_buf("ratio.log.gz", &gz);
	source_limits_default(&lim);
	lim.max_ratio = 6;
	run_walk(&r, "ratio.log.gz", &lim, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_error(&r, "ratio.log.gz", "compression ratio above 6:1");
	e = &r.got.v[0];
	assert_true(e->text.len > (6u << 20));
	assert_true(e->text.len < text.len);
	assert_memory_equal(e->text.p, text.p, e->text.len - 1);
	run_free(&r);
	buf_free(&gz);
	buf_free(&text);
}

/*
 * The reader stops with most of the stream unread: at the entry limit, and
 * at a tar end marker followed by more data inside the gzip stream.
 */
static void test_gzip_big_stop_early(void **state)
{
	struct buf t = BUF_INIT, gz = BUF_INIT, big = BUF_INIT;
	struct source_limits lim;
	struct run r;
	int i;

	(void)state;
	mk_lines(&big, "early", BIG_LINES);
	mk_tar_file(&t, "big.log", big.p, TF_USTAR);
	for (i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "s%02d.log", i);
		mk_tar_file(&t, name, "small\n", TF_USTAR);
	}
	mk_tar_end(&t);
	mk_gzip_fields(&gz, t.p, t.len, 1, 0);
	write_buf("many.tar.gz", &gz);
	source_limits_default(&lim);
	lim.max_entries = 2;
	run_walk(&r, "many.tar.gz", &lim, READ_ALL);
	expect_counts(&r, 2, 1, 0);
	expect_entry(&r, 0, "many.tar.gz:big.log", big.p);
	expect_entry(&r, 1, "many.tar.gz:s00.log", "small\n");
	expect_error(&r, "many.tar.gz:s01.log", "entry limit of 2 reached");
	run_free(&r);

	/* After the end marker, 8 MiB more of the gzip stream. */
	buf_reset(&t);
	buf_reset(&gz);
	mk_tar_file(&t, "big.log", big.p, TF_USTAR);
	mk_tar_end(&t);
	while (t.len < big.len + (8u << 20))
		buf_adds(&t, "after the end marker\n");
	mk_gzip_fields(&gz, t.p, t.len, 1, 0);
	write_buf("end.tar.gz", &gz);
	run_walk(&r, "end.tar.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "end.tar.gz:big.log", big.p);
	run_free(&r);
	buf_free(&t);
	buf_free(&gz);
	buf_free(&big);
}

/* ---- tar ---- */

static void test_tar_basic(void **state)
{
	static const enum tar_fmt fmts[] = { TF_USTAR, TF_GNU, TF_V7 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct buf t = BUF_INIT, body = BUF_INIT;
		struct run r;

		mk_lines(&body, "big", 300);
		mk_tar_hdr(&t, "dir/", '5', 0, NULL, fmts[i]);
		mk_tar_file(&t, "dir/a.log", "alpha\nbeta\n", fmts[i]);
		mk_tar_hdr(&t, "empty.log", '0', 0, NULL, fmts[i]);
		mk_tar_file(&t, "big.log", body.p, fmts[i]);
		mk_tar_file(&t, "/etc/motd", "abs\n", fmts[i]);
		mk_tar_file(&t, "../../escape.log", "dots\n", fmts[i]);
		mk_tar_end(&t);
		/* After the end marker nothing is read. */
		buf_adds(&t, "garbage after the end");
		write_buf("t.tar", &t);
		run_walk(&r, "t.tar", NULL, READ_ALL);
		expect_counts(&r, 5, 0, 0);
		expect_entry(&r, 0, "t.tar:dir/a.log", "alpha\nbeta\n");
		assert_string_equal(r.got.v[0].name, "a.log");
		expect_entry(&r, 1, "t.tar:empty.log", "");
		expect_entry(&r, 2, "t.tar:big.log", body.p);
		expect_entry(&r, 3, "t.tar:/etc/motd", "abs\n");
		expect_entry(&r, 4, "t.tar:../../escape.log", "dots\n");
		assert_int_equal(r.in.bytes, 11 + body.len + 4 + 5);
		run_free(&r);
		buf_free(&t);
		buf_free(&body);
	}
}

/* A reader that stops early must not upset the archive's framing. */
static void test_tar_partial_reader(void **state)
{
	struct buf t = BUF_INIT, body = BUF_INIT;
	struct run r;

	(void)state;
	mk_lines(&body, "x", 5000);
	mk_tar_file(&t, "a.log", body.p, TF_USTAR);
	mk_tar_file(&t, "b.log", "b1\nb2\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("p.tar", &t);
	run_walk(&r, "p.tar", NULL, READ_FIRST_LINE);
	expect_counts(&r, 2, 0, 0);
	expect_entry(&r, 0, "p.tar:a.log", "x line 0 value=0\n");
	expect_entry(&r, 1, "p.tar:b.log", "b1\n");
	assert_int_equal(r.in.bytes, body.len + 6);
	run_free(&r);
	buf_free(&t);
	buf_free(&body);
}

static void test_tar_ustar_prefix(void **state)
{
	struct buf t = BUF_INIT;
	unsigned char h[512];
	struct run r;

	(void)state;
	mk_header(h, "x.log", '0', 3, NULL, TF_USTAR);
	memcpy(h + 345, "cluster-resources/pods/logs", 27);
	mk_tar_checksum(h);
	buf_add(&t, h, sizeof(h));
	mk_tar_data(&t, "px\n", 3);
	mk_tar_end(&t);
	write_buf("pre.tar", &t);
	run_walk(&r, "pre.tar", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "pre.tar:cluster-resources/pods/logs/x.log",
		     "px\n");
	run_free(&r);
	buf_free(&t);
}

static void test_tar_pax(void **state)
{
	struct buf t = BUF_INIT, rec = BUF_INIT, longp = BUF_INIT;
	struct buf where = BUF_INIT;
	struct run r;
	int i;

	(void)state;
	for (i = 0; i < 12; i++)
		buf_addf(&longp, "directory-number-%02d/", i);
	buf_adds(&longp, "cert-manager-controller.log");
	assert_true(longp.len > 200);

	/* git archive writes a global header with a comment. */
	pax_record(&rec, "comment", "0123456789abcdef");
	mk_tar_pax(&t, 'g', &rec);
	buf_reset(&rec);
	/* A long path, and a size the ustar field does not hold. */
	pax_record(&rec, "path", longp.p);
	pax_record(&rec, "size", "9");
	pax_record(&rec, "mtime", "1700000000.5");
	mk_tar_pax(&t, 'x', &rec);
	mk_tar_hdr(&t, "short-name", '0', 0, NULL, TF_USTAR);
	mk_tar_data(&t, "pax body\n", 9);
	buf_reset(&rec);
	pax_record(&rec, "linkpath", longp.p);
	mk_tar_pax(&t, 'x', &rec);
	mk_tar_hdr(&t, "ln", '2', 0, "short-target", TF_USTAR);
	/* The overrides applied to one member only. */
	mk_tar_file(&t, "after.log", "after\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("pax.tar", &t);

	run_walk(&r, "pax.tar", NULL, READ_ALL);
	expect_counts(&r, 2, 0, 1);
	buf_addf(&where, "pax.tar:%s", longp.p);
	expect_entry(&r, 0, where.p, "pax body\n");
	expect_entry(&r, 1, "pax.tar:after.log", "after\n");
	buf_reset(&where);
	buf_addf(&where, "symbolic link to %s, not followed", longp.p);
	expect_skip(&r, "pax.tar:ln", where.p);
	run_free(&r);
	buf_free(&t);
	buf_free(&rec);
	buf_free(&longp);
	buf_free(&where);
}

static void test_tar_pax_malformed(void **state)
{
	struct buf t = BUF_INIT, rec = BUF_INIT;
	struct run r;

	(void)state;
	buf_adds(&rec, "99 path=bad\n");
	mk_tar_pax(&t, 'x', &rec);
	mk_tar_file(&t, "ok.log", "ok\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("mal.tar", &t);
	run_walk(&r, "mal.tar", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_entry(&r, 0, "mal.tar:ok.log", "ok\n");
	assert_true(expect_error(&r, "mal.tar", "malformed pax header at "
				 "byte 0")->is_warning);
	run_free(&r);
	buf_free(&t);
	buf_free(&rec);
}

static void test_tar_gnu_longlink(void **state)
{
	struct buf t = BUF_INIT, name = BUF_INIT, link = BUF_INIT;
	struct buf want = BUF_INIT;
	struct run r;

	(void)state;
	buf_adds(&name, "cluster-resources/pods/logs/cert-manager/");
	while (name.len < 180)
		buf_adds(&name, "very-long-directory-name/");
	buf_adds(&name, "cert-manager-controller.log");
	buf_adds(&link, "../");
	while (link.len < 150)
		buf_adds(&link, "target-dir/");
	buf_adds(&link, "x.log");

	mk_tar_hdr(&t, "././@LongLink", 'L', name.len + 1, NULL, TF_GNU);
	mk_tar_data(&t, name.p, name.len + 1);
	mk_tar_hdr(&t, name.p, '0', 6, NULL, TF_GNU);
	mk_tar_data(&t, "gnu 1\n", 6);
	mk_tar_hdr(&t, "././@LongLink", 'K', link.len + 1, NULL, TF_GNU);
	mk_tar_data(&t, link.p, link.len + 1);
	mk_tar_hdr(&t, "././@LongLink", 'L', 9, NULL, TF_GNU);
	mk_tar_data(&t, "long/lnk", 9);
	mk_tar_hdr(&t, "long/lnk", '2', 0, link.p, TF_GNU);
	mk_tar_file(&t, "plain.log", "gnu 2\n", TF_GNU);
	mk_tar_end(&t);
	write_buf("gnu.tar", &t);

	run_walk(&r, "gnu.tar", NULL, READ_ALL);
	expect_counts(&r, 2, 0, 1);
	buf_addf(&want, "gnu.tar:%s", name.p);
	expect_entry(&r, 0, want.p, "gnu 1\n");
	expect_entry(&r, 1, "gnu.tar:plain.log", "gnu 2\n");
	buf_reset(&want);
	buf_addf(&want, "symbolic link to %s, not followed", link.p);
	expect_skip(&r, "gnu.tar:long/lnk", want.p);
	run_free(&r);
	buf_free(&t);
	buf_free(&name);
	buf_free(&link);
	buf_free(&want);
}

static void test_tar_special_members(void **state)
{
	struct buf t = BUF_INIT;
	struct run r;

	(void)state;
	mk_tar_file(&t, "a.log", "a\n", TF_USTAR);
	mk_tar_hdr(&t, "sub/", '5', 0, NULL, TF_USTAR);
	mk_tar_hdr(&t, "sub/link", '2', 0, "../x", TF_USTAR);
	mk_tar_hdr(&t, "hard", '1', 0, "a.log", TF_USTAR);
	mk_tar_hdr(&t, "fifo", '6', 0, NULL, TF_USTAR);
	mk_tar_hdr(&t, "tty", '3', 0, NULL, TF_USTAR);
	mk_tar_hdr(&t, "vendor", 'Q', 5, NULL, TF_USTAR);
	mk_tar_data(&t, "QQQQQ", 5);
	mk_tar_file(&t, "z.log", "z\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("sp.tar", &t);
	run_walk(&r, "sp.tar", NULL, READ_ALL);
	expect_counts(&r, 2, 0, 5);
	expect_entry(&r, 0, "sp.tar:a.log", "a\n");
	expect_entry(&r, 1, "sp.tar:z.log", "z\n");
	expect_skip(&r, "sp.tar:sub/link", "symbolic link to ../x, "
		    "not followed");
	expect_skip(&r, "sp.tar:hard", "hard link to a.log, not followed");
	expect_skip(&r, "sp.tar:fifo", "FIFO");
	expect_skip(&r, "sp.tar:tty", "character device");
	expect_skip(&r, "sp.tar:vendor", "unsupported tar entry type 'Q'");
	run_free(&r);
	buf_free(&t);
}

static void test_tar_binary_member(void **state)
{
	static const char bin[100] = "ELF";
	struct buf t = BUF_INIT;
	struct run r;

	(void)state;
	mk_tar_hdr(&t, "bin/tool", '0', sizeof(bin), NULL, TF_USTAR);
	mk_tar_data(&t, bin, sizeof(bin));
	mk_tar_file(&t, "after.log", "after\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("bin.tar", &t);
	run_walk(&r, "bin.tar", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 1);
	expect_skip(&r, "bin.tar:bin/tool", "binary content");
	expect_entry(&r, 0, "bin.tar:after.log", "after\n");
	run_free(&r);
	buf_free(&t);
}

/* GNU writes sizes too big for octal in base-256. */
static void test_tar_base256_size(void **state)
{
	struct buf t = BUF_INIT;
	unsigned char h[512];
	struct run r;

	(void)state;
	mk_header(h, "b256.log", '0', 0, NULL, TF_GNU);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[135] = 7;
	mk_tar_checksum(h);
	buf_add(&t, h, sizeof(h));
	mk_tar_data(&t, "base256", 7);
	mk_tar_end(&t);
	write_buf("b.tar", &t);
	run_walk(&r, "b.tar", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "b.tar:b256.log", "base256\n");
	run_free(&r);
	buf_free(&t);
}

static void test_tar_bad_checksum(void **state)
{
	struct buf t = BUF_INIT;
	struct run r;

	(void)state;
	mk_tar_file(&t, "a.log", "a\n", TF_USTAR);		/* 0..1024 */
	mk_tar_file(&t, "b.log", "b\n", TF_USTAR);		/* 1024..2048 */
	mk_tar_file(&t, "c.log", "c\n", TF_USTAR);
	mk_tar_end(&t);
	t.p[1024 + 1] ^= 0x01;				/* "b.log" -> "c.log" */
	write_buf("ck.tar", &t);
	run_walk(&r, "ck.tar", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_entry(&r, 0, "ck.tar:a.log", "a\n");
	expect_error(&r, "ck.tar", "bad tar header checksum at byte 1024, "
		     "after member a.log");
	run_free(&r);
	buf_free(&t);
}

/* ustar magic is trusted; a damaged first header is then an error. */
static void test_tar_bad_first_checksum(void **state)
{
	struct buf t = BUF_INIT;
	struct run r;

	(void)state;
	mk_tar_file(&t, "a.log", "a\n", TF_USTAR);
	mk_tar_end(&t);
	t.p[0] = 'b';
	write_buf("ck0.tar", &t);
	run_walk(&r, "ck0.tar", NULL, READ_ALL);
	expect_counts(&r, 0, 1, 0);
	expect_error(&r, "ck0.tar", "bad tar header checksum at byte 0");
	run_free(&r);
	buf_free(&t);
}

static void test_tar_truncated(void **state)
{
	/*
	 * Layout: a.log header 0, data 512..1212, padding to 1536; b.log
	 * header 1536, data 2048..2148, padding to 2560; end 2560..3584.
	 */
	static const struct {
		size_t cut;
		size_t entries;
		const char *where;	/* NULL: no error */
		const char *msg;
	} cases[] = {
		{ 300, 0, "tr.tar", "unexpected end of tar archive at byte "
		  "300, inside the header at byte 0" },
		{ 600, 1, "tr.tar:a.log", "unexpected end of tar archive at "
		  "byte 600 (member data cut after 88 of 700 bytes)" },
		{ 1212, 1, "tr.tar:a.log", "unexpected end of tar archive at "
		  "byte 1212, in the padding" },
		{ 1300, 1, "tr.tar:a.log", "unexpected end of tar archive at "
		  "byte 1300, in the padding" },
		{ 1536, 1, "tr.tar", "unexpected end of tar archive at byte "
		  "1536: no end-of-archive marker, after member a.log" },
		{ 1600, 1, "tr.tar", "unexpected end of tar archive at byte "
		  "1600, inside the header at byte 1536, after member a.log" },
		{ 2100, 2, "tr.tar:b.log", "unexpected end of tar archive at "
		  "byte 2100 (member data cut after 52 of 100 bytes)" },
		{ 2560, 2, "tr.tar", "no end-of-archive marker, after member "
		  "b.log" },
		{ 3072, 2, NULL, NULL },	/* one zero block is enough */
		{ 3584, 2, NULL, NULL },
	};
	struct buf t = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	size_t i;

	(void)state;
	while (a.len < 700)
		buf_adds(&a, "0123456789abcdefghijklmnopqrstuvwxyzABCDEF\n");
	a.len = 700;
	a.p[699] = '\n';
	while (b.len < 100)
		buf_adds(&b, "b-line\n");
	b.len = 100;
	b.p[99] = '\n';
	mk_tar_hdr(&t, "a.log", '0', a.len, NULL, TF_USTAR);
	mk_tar_data(&t, a.p, a.len);
	mk_tar_hdr(&t, "b.log", '0', b.len, NULL, TF_USTAR);
	mk_tar_data(&t, b.p, b.len);
	mk_tar_end(&t);
	assert_int_equal(t.len, 3584);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r;

		print_message("cut at %zu\n", cases[i].cut);
		write_file("tr.tar", t.p, cases[i].cut);
		run_walk(&r, "tr.tar", NULL, READ_ALL);
		expect_counts(&r, cases[i].entries, cases[i].where ? 1 : 0,
			      0);
		if (cases[i].where)
			expect_error(&r, cases[i].where, cases[i].msg);
		run_free(&r);
	}
	buf_free(&t);
	buf_free(&a);
	buf_free(&b);
}

/* Text must not pass for a v7 header, whatever its length. */
static void test_text_is_not_tar(void **state)
{
	struct buf text = BUF_INIT;
	struct run r;

	(void)state;
	while (text.len < 4000)
		buf_adds(&text, "0000644 0001750 0001750 00000000012 ustar  "
			 "ustar 00 Mon Jan  1 00:00:00 2024 tar header\n");
	write_buf("looks.txt", &text);
	run_walk(&r, "looks.txt", NULL, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	expect_entry(&r, 0, "looks.txt", text.p);
	run_free(&r);
	buf_free(&text);
}

/* ---- Nesting ---- */

static void test_log_gz_in_tgz(void **state)
{
	static const char klog[] =
		"I0101 12:00:00.000000 1 x.go:1] compressed\n";
	struct buf t = BUF_INIT, inner = BUF_INIT, tgz = BUF_INIT;
	struct run r;

	(void)state;
	mk_gzip(&inner, klog, strlen(klog));
	mk_tar_hdr(&t, "logs/x.log.gz", '0', inner.len, NULL, TF_USTAR);
	mk_tar_data(&t, inner.p, inner.len);
	mk_tar_file(&t, "cluster-resources/pods/logs/cert-manager/cm-7d9f/"
		    "cert-manager-controller.log", "plain\n", TF_USTAR);
	mk_tar_end(&t);
	mk_gzip(&tgz, t.p, t.len);
	write_buf("bundle.tar.gz", &tgz);
	run_walk(&r, "bundle.tar.gz", NULL, READ_ALL);
	expect_counts(&r, 2, 0, 0);
	expect_entry(&r, 0, "bundle.tar.gz:logs/x.log.gz", klog);
	assert_string_equal(r.got.v[0].name, "x.log");
	expect_entry(&r, 1, "bundle.tar.gz:cluster-resources/pods/logs/"
		     "cert-manager/cm-7d9f/cert-manager-controller.log",
		     "plain\n");
	assert_string_equal(r.got.v[1].name, "cert-manager-controller.log");
	/* Only the file's compressed bytes: nested ones would count twice. */
	assert_int_equal(r.in.bytes_compressed, tgz.len);
	assert_int_equal(r.in.bytes, strlen(klog) + 6);
	run_free(&r);
	buf_free(&t);
	buf_free(&inner);
	buf_free(&tgz);
}

/* outer.tar.gz holding inner.tar.gz (with x.log) and then y.log. */
static void mk_nested(struct buf *out)
{
	struct buf it = BUF_INIT, itgz = BUF_INIT, ot = BUF_INIT;

	mk_tar_file(&it, "x.log", "inner x\n", TF_USTAR);
	mk_tar_end(&it);
	mk_gzip(&itgz, it.p, it.len);
	mk_tar_hdr(&ot, "inner.tar.gz", '0', itgz.len, NULL, TF_USTAR);
	mk_tar_data(&ot, itgz.p, itgz.len);
	mk_tar_file(&ot, "y.log", "outer y\n", TF_USTAR);
	mk_tar_end(&ot);
	mk_gzip(out, ot.p, ot.len);
	buf_free(&it);
	buf_free(&itgz);
	buf_free(&ot);
}

static void test_nested_tgz(void **state)
{
	struct buf o = BUF_INIT;
	struct run r;

	(void)state;
	mk_nested(&o);
	write_buf("outer.tar.gz", &o);
	run_walk(&r, "outer.tar.gz", NULL, READ_ALL);
	expect_counts(&r, 2, 0, 0);
	expect_entry(&r, 0, "outer.tar.gz:inner.tar.gz:x.log", "inner x\n");
	expect_entry(&r, 1, "outer.tar.gz:y.log", "outer y\n");
	run_free(&r);
	buf_free(&o);
}

static void test_depth_limit(void **state)
{
	static const struct {
		int max;
		size_t entries;
		const char *where;
	} cases[] = {
		{ 4, 2, NULL },
		{ 3, 1, "outer.tar.gz:inner.tar.gz" },	/* inner tar */
		{ 2, 1, "outer.tar.gz:inner.tar.gz" },	/* inner gzip */
		{ 1, 0, "outer.tar.gz" },		/* outer tar */
	};
	struct buf o = BUF_INIT;
	size_t i;

	(void)state;
	mk_nested(&o);
	write_buf("outer.tar.gz", &o);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct source_limits lim;
		struct run r;

		source_limits_default(&lim);
		lim.max_depth = cases[i].max;
		run_walk(&r, "outer.tar.gz", &lim, READ_ALL);
		expect_counts(&r, cases[i].entries, cases[i].where ? 1 : 0, 0);
		if (cases[i].where)
			expect_error(&r, cases[i].where, "(--max-depth)");
		if (cases[i].entries)
			expect_entry(&r, cases[i].entries - 1,
				     "outer.tar.gz:y.log", "outer y\n");
		run_free(&r);
	}
	buf_free(&o);
}

/* ---- Damage inside containers ---- */

static void test_tgz_truncated(void **state)
{
	struct buf t = BUF_INIT, big = BUF_INIT, gz = BUF_INIT;
	struct buf want = BUF_INIT;
	struct run r;
	size_t cut;

	(void)state;
	mk_lines(&big, "big", 20000);
	mk_tar_file(&t, "a.log", "a\n", TF_USTAR);
	mk_tar_file(&t, "b.log", big.p, TF_USTAR);
	mk_tar_file(&t, "c.log", "c\n", TF_USTAR);
	mk_tar_end(&t);
	mk_gzip(&gz, t.p, t.len);
	cut = gz.len / 2;
	write_file("cut.tar.gz", gz.p, cut);
	run_walk(&r, "cut.tar.gz", NULL, READ_ALL);
	/* One error, at the member being read, with the gzip offset. */
	expect_counts(&r, 2, 1, 0);
	expect_entry(&r, 0, "cut.tar.gz:a.log", "a\n");
	buf_addf(&want, "unexpected end of gzip data at compressed byte %zu ",
		 cut);
	expect_error(&r, "cut.tar.gz:b.log", want.p);
	assert_true(r.got.v[1].text.len > 0);
	assert_true(r.got.v[1].text.len < big.len);
	assert_memory_equal(r.got.v[1].text.p, big.p,
			    r.got.v[1].text.len - 1);
	assert_int_equal(r.in.bytes_compressed, cut);
	run_free(&r);
	buf_free(&t);
	buf_free(&big);
	buf_free(&gz);
	buf_free(&want);
}

/* The CRC sits after the tar end marker: it must still be checked. */
static void test_tgz_bad_crc(void **state)
{
	struct buf t = BUF_INIT, gz = BUF_INIT;
	struct run r;

	(void)state;
	mk_tar_file(&t, "a.log", "a\n", TF_USTAR);
	mk_tar_end(&t);
	mk_gzip(&gz, t.p, t.len);
	gz.p[gz.len - 6] ^= 0x10;
	write_buf("crc.tar.gz", &gz);
	run_walk(&r, "crc.tar.gz", NULL, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_entry(&r, 0, "crc.tar.gz:a.log", "a\n");
	expect_error(&r, "crc.tar.gz", "bad gzip CRC at compressed byte");
	run_free(&r);
	buf_free(&t);
	buf_free(&gz);
}

/* A damaged .gz member spoils only itself. */
static void test_tar_member_bad_gz(void **state)
{
	struct buf t = BUF_INIT, gz = BUF_INIT, text = BUF_INIT;
	struct run r;

	(void)state;
	mk_lines(&text, "member", 500);
	mk_gzip(&gz, text.p, text.len);
	mk_tar_hdr(&t, "bad.log.gz", '0', gz.len - 20, NULL, TF_USTAR);
	mk_tar_data(&t, gz.p, gz.len - 20);
	mk_tar_file(&t, "ok.log", "ok\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("mem.tar", &t);
	run_walk(&r, "mem.tar", NULL, READ_ALL);
	expect_counts(&r, 2, 1, 0);
	assert_string_equal(r.got.v[0].path, "mem.tar:bad.log.gz");
	expect_error(&r, "mem.tar:bad.log.gz", "unexpected end of gzip data");
	expect_entry(&r, 1, "mem.tar:ok.log", "ok\n");
	run_free(&r);
	buf_free(&t);
	buf_free(&gz);
	buf_free(&text);
}

/* ---- Limits ---- */

static void test_ratio_limit_binary(void **state)
{
	const size_t n = 8u << 20;
	char *zeros = xcalloc(1, n);
	struct buf gz = BUF_INIT;
	struct source_limits lim;
	struct run r;

	(void)state;
	mk_gzip(&gz, zeros, n);
	free(zeros);
	write_buf("bomb.gz", &gz);
	source_limits_default(&lim);
	lim.max_ratio = 100;
	run_walk(&r, "bomb.gz", &lim, READ_ALL);
	expect_counts(&r, 0, 1, 1);
	expect_skip(&r, "bomb.gz", "binary content");
	expect_error(&r, "bomb.gz", "compression ratio above 100:1");
	expect_error(&r, "bomb.gz", "(--max-ratio)");
	run_free(&r);
	buf_free(&gz);
}

static void test_ratio_limit_text(void **state)
{
	struct buf text = BUF_INIT, gz = BUF_INIT;
	struct source_limits lim;
	struct run r;

	(void)state;
	while (text.len < (8u << 20))
		buf_adds(&text, "0000000000000000000000000000000\n");
	mk_gzip(&gz, text.p, text.len);
	write_buf("bomb.log.gz", &gz);

	/* With the limit off (0) it is read whole. */
	source_limits_default(&lim);
	lim.max_ratio = 0;
	run_walk(&r, "bomb.log.gz", &lim, READ_ALL);
	expect_counts(&r, 1, 0, 0);
	assert_int_equal(r.got.v[0].text.len, text.len);
	run_free(&r);

	source_limits_default(&lim);
	lim.max_ratio = 50;
	run_walk(&r, "bomb.log.gz", &lim, READ_ALL);
	expect_counts(&r, 1, 1, 0);
	expect_error(&r, "bomb.log.gz", "compression ratio above 50:1");
	expect_error(&r, "bomb.log.gz", "(--max-ratio)");
	/* What came before the limit was analyzed and counted. */
	assert_true(r.got.v[0].text.len >= (1u << 20));
	assert_true(r.got.v[0].text.len < text.len);
	assert_memory_equal(r.got.v[0].text.p, text.p,
			    r.got.v[0].text.len);
	assert_true(r.in.bytes >= (1u << 20));
	run_free(&r);
	buf_free(&text);
	buf_free(&gz);
}

static void test_total_limit(void **state)
{
	struct buf a = BUF_INIT, t = BUF_INIT, gz = BUF_INIT;
	struct source_limits lim;
	struct run r;

	(void)state;
	while (a.len < 600)
		buf_adds(&a, "twelve bytes\n");
	assert_int_equal(mkdir("lim", 0755), 0);
	write_buf("lim/a.log", &a);
	write_buf("lim/b.log", &a);
	write_buf("lim/c.log", &a);
	source_limits_default(&lim);
	lim.max_total_bytes = 1000;
	run_walk(&r, "lim", &lim, READ_ALL);
	expect_counts(&r, 2, 1, 0);
	expect_entry(&r, 0, "lim/a.log", a.p);
	assert_string_equal(r.got.v[1].path, "lim/b.log");
	expect_error(&r, "lim/b.log", "limit of 1000 uncompressed bytes per "
		     "input reached");
	expect_error(&r, "lim/b.log", "(--max-total-bytes)");
	assert_int_equal(r.in.bytes, 1000);
	run_free(&r);

	/* Inside gzip, the decompressed bytes count. */
	mk_tar_file(&t, "a.log", a.p, TF_USTAR);
	mk_tar_file(&t, "b.log", a.p, TF_USTAR);
	mk_tar_end(&t);
	mk_gzip(&gz, t.p, t.len);
	write_buf("lim.tar.gz", &gz);
	/*
	 * a.log ends (with padding) at tar byte 1536, b.log's data starts at
	 * 2048: the limit cuts it after 552 bytes.
	 */
	lim.max_total_bytes = 2600;
	run_walk(&r, "lim.tar.gz", &lim, READ_ALL);
	expect_counts(&r, 2, 1, 0);
	expect_entry(&r, 0, "lim.tar.gz:a.log", a.p);
	expect_error(&r, "lim.tar.gz:b.log", "(--max-total-bytes)");
	/*
	 * The reader got 552 bytes, and lines hands back the cut last line
	 * too (the collector ends every line with a newline).
	 */
	assert_int_equal(r.in.bytes, a.len + 552);
	assert_int_equal(r.got.v[1].text.len, 552 + 1);
	assert_memory_equal(r.got.v[1].text.p, a.p, 552);
	run_free(&r);
	buf_free(&a);
	buf_free(&t);
	buf_free(&gz);
}

static void test_entries_limit(void **state)
{
	struct buf t = BUF_INIT;
	struct source_limits lim;
	struct run r;

	(void)state;
	mk_tar_file(&t, "a.log", "a\n", TF_USTAR);
	mk_tar_hdr(&t, "l", '2', 0, "a.log", TF_USTAR);
	mk_tar_file(&t, "b.log", "b\n", TF_USTAR);
	mk_tar_file(&t, "c.log", "c\n", TF_USTAR);
	mk_tar_end(&t);
	write_buf("many.tar", &t);
	source_limits_default(&lim);
	lim.max_entries = 3;
	run_walk(&r, "many.tar", &lim, READ_ALL);
	expect_counts(&r, 2, 1, 1);
	expect_entry(&r, 0, "many.tar:a.log", "a\n");
	expect_entry(&r, 1, "many.tar:b.log", "b\n");
	expect_error(&r, "many.tar:c.log", "entry limit of 3 reached");
	expect_error(&r, "many.tar:c.log", "(--max-entries)");
	run_free(&r);
	buf_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dir_sorted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_single, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_multi_member, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_trailing_garbage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_error_reported_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_bad_trailer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_corrupt_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_header_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_members_across_refills,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_distance_too_far,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_big_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_big_damage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_big_limits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_big_stop_early,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_stdin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_basic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_partial_reader, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_ustar_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_pax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_pax_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_gnu_longlink, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_special_members,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_binary_member, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_base256_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_bad_checksum, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_bad_first_checksum,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_text_is_not_tar, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_log_gz_in_tgz, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nested_tgz, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tgz_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tgz_bad_crc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tar_member_bad_gz, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ratio_limit_binary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ratio_limit_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_total_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_entries_limit, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
