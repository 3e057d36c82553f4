/*
 * Source layer, first stage of the pipeline: paths in, entries out.
 * Regular files, directories (walked recursively in byte order, symlinks
 * listed but never followed) and stdin. Every byte stream goes through
 * source_dispatch(), which recognises content by its first bytes, so a
 * container format (src_gz.c, src_tar.c) is found whatever the file is
 * called, and which enforces the per-input limits.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "source_int.h"
#include "util.h"

void source_limits_default(struct source_limits *lim)
{
	lim->max_total_bytes = (uint64_t)64 << 30;	/* 64 GiB */
	lim->max_ratio = 1000;
	lim->max_depth = 8;
	lim->max_entries = 1000000;
}

/* How many leading bytes decide that an entry is binary. */
#define SNIFF_BYTES 8192

static int looks_binary(const unsigned char *p, size_t n)
{
	return n && memchr(p, '\0', n) != NULL;
}

const char *source_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *colon = strrchr(path, ':');
	const char *b = path;

	if (slash && slash + 1 > b)
		b = slash + 1;
	if (colon && colon + 1 > b)
		b = colon + 1;
	return b;
}

int source_entry_allowed(struct walk *w, const char *path)
{
	unsigned long max = w->lim->max_entries;

	if (w->stopped)
		return 0;
	if (!max || w->entries < max)
		return 1;
	input_error(w->in, path, "entry limit of %lu reached; the rest of "
		    "this input is not analyzed (--max-entries)", max);
	w->stopped = 1;
	return 0;
}

size_t source_charge(struct walk *w, size_t n, struct buf *err)
{
	uint64_t max = w->lim->max_total_bytes;
	uint64_t left = w->total < max ? max - w->total : 0;

	if (!max || n <= left) {
		w->total += n;
		return n;
	}
	w->total = max;
	w->over_budget = 1;
	buf_addf(err, "limit of %llu uncompressed bytes per input reached; "
		 "the rest of this input is not analyzed (--max-total-bytes)",
		 (unsigned long long)max);
	return (size_t)left;
}

/*
 * Uncompressed top-level bytes (a plain file, a plain tar) pass through
 * this counting layer so that they count against max_total_bytes; bytes
 * that come out of gzip are counted by the gzip reader instead.
 */
struct counted {
	struct walk *w;
	struct stream *src;
	int over;
};

static ssize_t counted_read(struct stream *s, void *dst, size_t n)
{
	struct counted *c = s->state;
	ssize_t r;
	size_t ok;

	if (c->over)
		return -1;
	r = stream_read(c->src, dst, n);
	if (r < 0) {
		buf_adds(&s->err, buf_str(&c->src->err));
		return -1;
	}
	ok = source_charge(c->w, (size_t)r, &s->err);
	if (ok < (size_t)r) {
		/* The bytes within the limit still go out; -1 comes next. */
		c->over = 1;
		return ok ? (ssize_t)ok : -1;
	}
	return r;
}

static void counted_close(struct stream *s)
{
	free(s->state);
}

static const struct stream_ops counted_ops = { counted_read, counted_close };

static void report_failure(struct walk *w, const char *path,
			   struct stream *s)
{
	input_error(w->in, path, "read stopped at byte %llu: %s",
		    (unsigned long long)s->offset, buf_str(&s->err));
}

/* The entry's name hint: a decompressed file loses its ".gz". */
static const char *entry_name(struct walk *w, const char *path,
			      struct stream *s, struct buf *tmp)
{
	const char *name = source_basename(path);
	size_t n = strlen(name);

	if (s != w->gz_content || n <= 3 || !str_ends(name, ".gz"))
		return name;
	buf_add(tmp, name, n - 3);
	return tmp->p;
}

/*
 * Did the callback report the read error of s itself? source.h asks it to
 * quote s->err when it does; past INPUT_MAX_NOTES it cannot be checked.
 */
static int callback_reported(const struct input *in, size_t first,
			     unsigned long dropped, const struct stream *s)
{
	size_t i;

	if (in->errors_dropped != dropped)
		return 1;
	for (i = first; i < in->nerrors; i++)
		if (!in->errors[i].is_warning &&
		    strstr(in->errors[i].message, buf_str(&s->err)))
			return 1;
	return 0;
}

static int dispatch_entry(struct walk *w, const char *path, struct stream *s)
{
	struct entry e;
	struct buf name = BUF_INIT;
	size_t first = w->in->nerrors;
	unsigned long dropped = w->in->errors_dropped;

	w->entries++;
	w->in->files++;
	e.path = path;
	e.name = entry_name(w, path, s, &name);
	e.in = s;
	e.input = w->in;
	e.stop = 0;
	w->fn(&e, w->ctx);
	buf_free(&name);
	if (e.stop) {
		w->stopped = 1;
		w->in->bytes += s->offset;
		return s->failed;
	}
	if (!(s->failed && callback_reported(w->in, first, dropped, s)) &&
	    stream_drain(s) < 0)
		report_failure(w, path, s);
	w->in->bytes += s->offset;
	return s->failed;
}

static int dispatch_sniffed(struct walk *w, const char *path,
			    struct stream *s, int depth)
{
	const unsigned char *p;
	size_t n;
	int reported;

	p = stream_peek(s, SNIFF_BYTES, &n);
	/*
	 * Damage inside the first bytes still leaves what came before it,
	 * which the reader gets before the error; only nothing at all is
	 * reported here.
	 */
	if (s->failed && !n) {
		input_error(w->in, path, "%s", buf_str(&s->err));
		return 1;
	}
	if (source_try_containers(w, path, s, p, n, depth, &reported))
		return reported;
	if (looks_binary(p, n)) {
		w->entries++;
		input_skip(w->in, path, "binary content (NUL byte in the "
			   "first %zu bytes)", n);
		if (!s->failed)
			return 0;
		report_failure(w, path, s);
		return 1;
	}
	return dispatch_entry(w, path, s);
}

int source_dispatch(struct walk *w, const char *path, struct stream *s,
		    int depth)
{
	const unsigned char *p;
	size_t n;
	struct stream *c;
	struct counted *cs;
	int reported;

	if (!source_entry_allowed(w, path))
		return 0;
	p = stream_peek(s, SNIFF_BYTES, &n);
	if (depth > 0 || gz_sniff(p, n))
		return dispatch_sniffed(w, path, s, depth);
	cs = xcalloc(1, sizeof(*cs));
	cs->w = w;
	cs->src = s;
	c = stream_new(&counted_ops, cs);
	reported = dispatch_sniffed(w, path, c, depth);
	stream_free(c);
	return reported;
}

static void walk_file(struct walk *w, const char *path)
{
	int fd = open(path, O_RDONLY | O_NOCTTY);
	struct stream *s;

	if (fd < 0) {
		input_error(w->in, path, "cannot open: %s", strerror(errno));
		return;
	}
	s = stream_fd(fd, 1);
	/* For progress: how far into the files on disk the run is. */
	w->in->raw = s;
	source_dispatch(w, path, s, 0);
	w->in->raw = NULL;
	w->in->raw_done += s->offset;
	stream_free(s);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_path(struct walk *w, const char *path, int top);

static void walk_dir(struct walk *w, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (!d) {
		input_error(w->in, path, "cannot open directory: %s",
			    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)	/* names is NULL for an empty directory */
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct buf child = BUF_INIT;

		buf_adds(&child, path);
		if (child.len && child.p[child.len - 1] != '/')
			buf_addc(&child, '/');
		buf_adds(&child, names[i]);
		walk_path(w, child.p, 0);
		buf_free(&child);
		free(names[i]);
	}
	free(names);
}

static void walk_path(struct walk *w, const char *path, int top)
{
	struct stat st;

	if (w->stopped || w->over_budget)
		return;
	/* Below the top, symlinks are listed, never followed. */
	if ((top ? stat(path, &st) : lstat(path, &st)) < 0) {
		input_error(w->in, path, "cannot read: %s", strerror(errno));
		if (top)
			w->in->unreadable = 1;
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		input_skip(w->in, path, "symbolic link, not followed");
	} else if (S_ISDIR(st.st_mode)) {
		walk_dir(w, path);
	} else if (S_ISREG(st.st_mode) || (top && (S_ISFIFO(st.st_mode) ||
						    S_ISCHR(st.st_mode)))) {
		if (top && S_ISREG(st.st_mode))
			w->in->raw_total = (uint64_t)st.st_size;
		walk_file(w, path);
	} else {
		input_skip(w->in, path, "not a regular file");
	}
}

int source_walk(const char *path, const struct source_limits *lim,
		struct input *in, entry_fn fn, void *ctx)
{
	struct walk w;

	if (!strcmp(path, "-")) {
		struct stream *s = stream_fd(STDIN_FILENO, 0);

		source_walk_stream("(stdin)", s, lim, in, fn, ctx);
		stream_free(s);
		return 0;
	}
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.in = in;
	w.fn = fn;
	w.ctx = ctx;
	walk_path(&w, path, 1);
	return in->unreadable ? -1 : 0;
}

void source_walk_stream(const char *name, struct stream *s,
			const struct source_limits *lim, struct input *in,
			entry_fn fn, void *ctx)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.in = in;
	w.fn = fn;
	w.ctx = ctx;
	source_dispatch(&w, name, s, 0);
}
