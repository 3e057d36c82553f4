/*
 * Source layer, first stage of the pipeline: paths in, entries out.
 * Regular files, directories (walked recursively in byte order, symlinks
 * listed but never followed) and stdin. Every byte stream goes through
 * source_dispatch(), which recognises content by its first bytes, so a
 * container format is found whatever the file is called.
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

void source_dispatch(struct walk *w, const char *path, struct stream *s,
		     int depth)
{
	const unsigned char *p;
	size_t n;
	struct entry e;

	if (w->entries >= w->lim->max_entries) {
		if (!w->entries_warned)
			input_error(w->in, path,
				    "entry limit of %lu reached; the rest of "
				    "this input is not analyzed (--max-entries)",
				    w->lim->max_entries);
		w->entries_warned = 1;
		return;
	}
	p = stream_peek(s, SNIFF_BYTES, &n);
	if (s->failed) {
		input_error(w->in, path, "%s", buf_str(&s->err));
		return;
	}
	if (source_try_containers(w, path, s, p, n, depth))
		return;
	if (looks_binary(p, n)) {
		input_skip(w->in, path, "binary content (NUL byte in the "
			   "first %zu bytes)", n);
		return;
	}
	w->entries++;
	w->in->files++;
	e.path = path;
	e.name = source_basename(path);
	e.in = s;
	e.input = w->in;
	w->fn(&e, w->ctx);
	if (stream_drain(s) < 0)
		input_error(w->in, path, "read error at byte %llu: %s",
			    (unsigned long long)s->offset, buf_str(&s->err));
	w->in->bytes += s->offset;
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
	source_dispatch(w, path, s, 0);
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
		walk_file(w, path);
	} else {
		input_skip(w->in, path, "not a regular file");
	}
}

int source_walk(const char *path, const struct source_limits *lim,
		struct input *in, entry_fn fn, void *ctx)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.in = in;
	w.fn = fn;
	w.ctx = ctx;
	if (!strcmp(path, "-")) {
		struct stream *s = stream_fd(STDIN_FILENO, 0);

		source_dispatch(&w, "(stdin)", s, 0);
		stream_free(s);
		return 0;
	}
	walk_path(&w, path, 1);
	return in->unreadable ? -1 : 0;
}
