/*
 * tar layer of the source stage: reads ustar, pax and old GNU archives
 * header by header from a stream (a file, stdin or gzip output) and hands
 * each regular member on as a stream limited to its size, so a member is
 * never extracted or held whole. Links, devices and fifos are recorded as
 * skipped. Nothing here touches the file system, so member names with ".."
 * or a leading "/" are harmless and shown as they are.
 */
#include <stdlib.h>
#include <string.h>

#include "source_int.h"
#include "util.h"

#define TAR_BLOCK 512

/* Largest pax or GNU long-name record kept; real ones are far smaller. */
#define TAR_META_MAX ((uint64_t)1 << 20)

/* Header fields; old GNU headers share everything before the prefix. */
enum {
	TAR_NAME = 0,
	TAR_MODE = 100,
	TAR_UID = 108,
	TAR_GID = 116,
	TAR_SIZE = 124,
	TAR_MTIME = 136,
	TAR_CHKSUM = 148,
	TAR_TYPE = 156,
	TAR_LINK = 157,
	TAR_MAGIC = 257,
	TAR_PREFIX = 345,
	TAR_GNU_ISEXTENDED = 482,	/* old GNU sparse: map blocks follow */
	TAR_SPARSE_ISEXTENDED = 504,	/* in a sparse map block: another one */
};

/* A value from a pax, GNU long-name or global record, for what follows. */
struct tar_meta {
	struct buf v;
	int set;
};

struct tar {
	struct walk *w;
	const char *path;	/* the archive's display path */
	struct stream *s;
	int depth;
	unsigned char h[TAR_BLOCK];
	uint64_t at;		/* archive offset of the header in h */
	struct tar_meta long_name, long_link, pax_path, pax_link, g_path;
	int has_pax_size;
	uint64_t pax_size;
	struct buf name;	/* the current member's name */
	struct buf link;	/* and link target */
	struct buf where;	/* "archive:member" */
	int reported;		/* a failure of s was reported */
};

/* A regular member: the archive stream cut to the member's size. */
struct tar_part {
	struct stream *src;
	uint64_t size, left;
	int src_failed;		/* the member failed because src did */
};

static uint64_t tar_pad(uint64_t size)
{
	return (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
}

/*
 * A numeric header field: octal digits after optional spaces, ended by a
 * space, a NUL or the field's end (as GNU tar reads them), or GNU's
 * base-256 form for values octal cannot hold. Returns 0, or -1 if invalid.
 */
static int tar_number(const unsigned char *f, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x40)	/* negative: no size or sum is */
			return -1;
		v = f[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v > (UINT64_MAX >> 8))
				return -1;
			v = v << 8 | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	if (i < n && f[i] != ' ' && f[i] != '\0')
		return -1;
	*out = v;
	return 0;
}

/* The sum of the header bytes with the checksum field read as spaces. */
static int tar_checksum_ok(const unsigned char *h)
{
	uint64_t want, sum = 0;
	int64_t ssum = 0;
	size_t i;

	if (tar_number(h + TAR_CHKSUM, 8, &want) < 0)
		return 0;
	for (i = 0; i < TAR_BLOCK; i++) {
		unsigned char c = i >= TAR_CHKSUM && i < TAR_CHKSUM + 8 ?
			' ' : h[i];

		sum += c;
		ssum += (signed char)c;
	}
	/* Some old writers summed signed chars. */
	return want == sum || (ssum >= 0 && want == (uint64_t)ssum);
}

/* Strict form for sniffing: digits, then only spaces and NULs. */
static int tar_octal_field(const unsigned char *f, size_t n)
{
	size_t i = 0, digits = 0;

	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		digits++;
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return 0;
	return digits > 0;
}

int tar_sniff(const unsigned char *p, size_t n)
{
	static const struct {
		size_t off, len;
	} fields[] = {
		{ TAR_MODE, 8 }, { TAR_UID, 8 }, { TAR_GID, 8 },
		{ TAR_SIZE, 12 }, { TAR_MTIME, 12 }, { TAR_CHKSUM, 8 },
	};
	size_t i;

	/* POSIX "ustar\0" or old GNU "ustar  \0": text never has the NUL. */
	if (n >= TAR_MAGIC + 8 && (!memcmp(p + TAR_MAGIC, "ustar", 6) ||
				   !memcmp(p + TAR_MAGIC, "ustar  ", 8)))
		return 1;
	if (n < TAR_BLOCK)
		return 0;
	/*
	 * A v7 header has no magic. Demand what text never has: NULs among
	 * the numeric fields, all of them octal, a known type and a valid
	 * checksum.
	 */
	if (!p[TAR_NAME] || !memchr(p + TAR_MODE, '\0', TAR_TYPE - TAR_MODE))
		return 0;
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!tar_octal_field(p + fields[i].off, fields[i].len))
			return 0;
	if (p[TAR_TYPE] && (p[TAR_TYPE] < '0' || p[TAR_TYPE] > '7'))
		return 0;
	return tar_checksum_ok(p);
}

static int tar_is_zero(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return 0;
	return 1;
}

static ssize_t tar_part_read(struct stream *s, void *dst, size_t n)
{
	struct tar_part *m = s->state;
	ssize_t r;

	if (!m->left)
		return 0;
	if (n > m->left)
		n = (size_t)m->left;
	r = stream_read(m->src, dst, n);
	if (r < 0) {
		buf_adds(&s->err, buf_str(&m->src->err));
		m->src_failed = 1;
		return -1;
	}
	if (r == 0) {
		buf_addf(&s->err, "unexpected end of tar archive at byte %llu "
			 "(member data cut after %llu of %llu bytes)",
			 (unsigned long long)m->src->offset,
			 (unsigned long long)(m->size - m->left),
			 (unsigned long long)m->size);
		return -1;
	}
	m->left -= (uint64_t)r;
	return r;
}

static const struct stream_ops tar_part_ops = { tar_part_read, NULL };

/* Skip n bytes of the archive: data not read, padding. */
static int tar_skip(struct tar *t, uint64_t n, const char *where,
		    const char *what)
{
	char tmp[16384];

	while (n) {
		size_t k = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);
		ssize_t r = stream_read(t->s, tmp, k);

		if (r < 0 || ((size_t)r < k && t->s->failed)) {
			input_error(t->w->in, where, "%s (tar byte %llu, in "
				    "the %s)", buf_str(&t->s->err),
				    (unsigned long long)t->s->offset, what);
			t->reported = 1;
			return -1;
		}
		if ((size_t)r < k) {
			input_error(t->w->in, where, "unexpected end of tar "
				    "archive at byte %llu, in the %s",
				    (unsigned long long)t->s->offset, what);
			return -1;
		}
		n -= (uint64_t)r;
	}
	return 0;
}

/*
 * Read the data of a metadata record (pax, GNU long name) into out.
 * Returns 0 when out holds it, 1 when it was too large and skipped
 * (reported), -1 when the archive cannot be read on (reported).
 */
static int tar_read_meta(struct tar *t, uint64_t size, struct buf *out,
			 const char *what)
{
	ssize_t r;

	buf_reset(out);
	if (size > TAR_META_MAX) {
		input_error(t->w->in, t->path, "%s of %llu bytes at byte %llu "
			    "is too large; ignored", what,
			    (unsigned long long)size,
			    (unsigned long long)t->at);
		if (tar_skip(t, size + tar_pad(size), t->path, what) < 0)
			return -1;
		return 1;
	}
	buf_grow(out, (size_t)size);
	r = stream_read(t->s, out->p, (size_t)size);
	if (r < 0 || ((uint64_t)r < size && t->s->failed)) {
		input_error(t->w->in, t->path, "%s (tar byte %llu, in the %s)",
			    buf_str(&t->s->err),
			    (unsigned long long)t->s->offset, what);
		t->reported = 1;
		return -1;
	}
	if ((uint64_t)r < size) {
		input_error(t->w->in, t->path, "unexpected end of tar archive "
			    "at byte %llu, in the %s at byte %llu",
			    (unsigned long long)t->s->offset, what,
			    (unsigned long long)t->at);
		return -1;
	}
	out->len = (size_t)size;
	out->p[out->len] = '\0';
	return tar_skip(t, tar_pad(size), t->path, what) < 0 ? -1 : 0;
}

static void tar_meta_set(struct tar_meta *m, const char *v, size_t n)
{
	buf_reset(&m->v);
	buf_add(&m->v, v, n);
	m->set = 1;
}

static void tar_pax_key(struct tar *t, struct slice key, struct slice val,
			int global)
{
	if (slice_eq(key, "path")) {
		struct tar_meta *m = global ? &t->g_path : &t->pax_path;

		/* An empty value takes the override back. */
		if (val.n)
			tar_meta_set(m, val.p, val.n);
		else
			m->set = 0;
	} else if (global) {
		/* Other global keys (git's comment=, times) do not matter. */
	} else if (slice_eq(key, "linkpath")) {
		tar_meta_set(&t->pax_link, val.p, val.n);
	} else if (slice_eq(key, "size")) {
		uint64_t v = 0;
		size_t i;

		for (i = 0; i < val.n; i++) {
			if (val.p[i] < '0' || val.p[i] > '9' ||
			    v > (UINT64_MAX - 9) / 10)
				break;
			v = v * 10 + (uint64_t)(val.p[i] - '0');
		}
		if (!val.n || i < val.n) {
			input_warning(t->w->in, t->path, "invalid pax size "
				      "\"%.*s\" at byte %llu ignored",
				      (int)(val.n > 40 ? 40 : val.n), val.p,
				      (unsigned long long)t->at);
			return;
		}
		t->pax_size = v;
		t->has_pax_size = 1;
	}
}

/* Records are "<length> <key>=<value>\n", the length counting it all. */
static void tar_pax_parse(struct tar *t, const char *p, size_t n, int global)
{
	const char *end = p + n;
	int bad = 0;

	/* A NUL where a record would start is padding. */
	while (p < end && *p && !bad) {
		const char *rec = p, *key, *eq, *last;
		size_t len = 0;

		while (p < end && *p >= '0' && *p <= '9' && len <= n) {
			len = len * 10 + (size_t)(*p - '0');
			p++;
		}
		if (p == rec || p >= end || *p != ' ' ||
		    len > (size_t)(end - rec) || len < (size_t)(p - rec) + 3) {
			bad = 1;
			break;
		}
		key = p + 1;
		last = rec + len - 1;
		eq = memchr(key, '=', (size_t)(last - key));
		if (*last != '\n' || !eq) {
			bad = 1;
			break;
		}
		tar_pax_key(t, slice_make(key, (size_t)(eq - key)),
			    slice_make(eq + 1, (size_t)(last - eq - 1)),
			    global);
		p = rec + len;
	}
	if (bad)
		input_warning(t->w->in, t->path, "malformed pax header at "
			      "byte %llu; the rest of it is ignored",
			      (unsigned long long)t->at);
}

static int tar_pax(struct tar *t, uint64_t size, int global)
{
	struct buf data = BUF_INIT;
	int rc = tar_read_meta(t, size, &data,
			       global ? "pax global header" : "pax header");

	if (rc == 0)
		tar_pax_parse(t, data.p, data.len, global);
	buf_free(&data);
	return rc < 0 ? -1 : 0;
}

static int tar_long(struct tar *t, uint64_t size, struct tar_meta *m,
		    const char *what)
{
	int rc = tar_read_meta(t, size, &m->v, what);

	if (rc == 0) {
		/* The data is the name and a NUL. */
		m->v.len = strnlen(m->v.p, m->v.len);
		m->set = 1;
	}
	return rc < 0 ? -1 : 0;
}

static void tar_set_names(struct tar *t)
{
	const char *h = (const char *)t->h;

	buf_reset(&t->name);
	if (t->pax_path.set) {
		buf_add(&t->name, t->pax_path.v.p, t->pax_path.v.len);
	} else if (t->long_name.set) {
		buf_add(&t->name, t->long_name.v.p, t->long_name.v.len);
	} else if (t->g_path.set) {
		buf_add(&t->name, t->g_path.v.p, t->g_path.v.len);
	} else {
		/* Only POSIX ustar has a prefix; old GNU keeps times there. */
		if (!memcmp(h + TAR_MAGIC, "ustar", 6) && h[TAR_PREFIX]) {
			buf_add(&t->name, h + TAR_PREFIX,
				strnlen(h + TAR_PREFIX, 155));
			buf_addc(&t->name, '/');
		}
		buf_add(&t->name, h + TAR_NAME, strnlen(h + TAR_NAME, 100));
	}
	buf_reset(&t->link);
	if (t->pax_link.set)
		buf_add(&t->link, t->pax_link.v.p, t->pax_link.v.len);
	else if (t->long_link.set)
		buf_add(&t->link, t->long_link.v.p, t->long_link.v.len);
	else
		buf_add(&t->link, h + TAR_LINK, strnlen(h + TAR_LINK, 100));
	/* Per-member overrides are used up; the global path stays. */
	t->pax_path.set = t->long_name.set = 0;
	t->pax_link.set = t->long_link.set = 0;
	t->has_pax_size = 0;

	buf_reset(&t->where);
	buf_adds(&t->where, t->path);
	buf_addc(&t->where, ':');
	buf_add(&t->where, t->name.p, t->name.len);
}

static int tar_file(struct tar *t, uint64_t size)
{
	struct tar_part part = { t->s, size, size, 0 };
	struct stream *m = stream_new(&tar_part_ops, &part);
	const char *where = buf_str(&t->where);
	int rc = 0, reported;

	reported = source_dispatch(t->w, where, m, t->depth + 1);
	if (!reported && !t->w->stopped && stream_drain(m) < 0) {
		input_error(t->w->in, where, "%s", buf_str(&m->err));
		reported = 1;
	}
	/* Past a failure or a limit the archive is lost. */
	if (m->failed || t->w->stopped)
		rc = -1;
	if (reported && part.src_failed)
		t->reported = 1;
	stream_free(m);
	if (rc == 0)
		rc = tar_skip(t, tar_pad(size), where, "padding");
	return rc;
}

/* Old GNU sparse files carry their map in extra blocks after the header. */
static int tar_skip_sparse_map(struct tar *t, const char *where)
{
	unsigned char blk[TAR_BLOCK];
	int more = t->h[TAR_GNU_ISEXTENDED];

	while (more) {
		ssize_t r = stream_read(t->s, blk, sizeof(blk));

		if (r < 0 || r < TAR_BLOCK) {
			int failed = t->s->failed;

			input_error(t->w->in, where, "%s at byte %llu, in the "
				    "sparse map", failed ?
				    buf_str(&t->s->err) :
				    "unexpected end of tar archive",
				    (unsigned long long)t->s->offset);
			t->reported |= failed;
			return -1;
		}
		more = blk[TAR_SPARSE_ISEXTENDED];
	}
	return 0;
}

static int tar_member(struct tar *t)
{
	unsigned char type = t->h[TAR_TYPE];
	uint64_t size, data;
	const char *where;
	struct input *in = t->w->in;

	if (tar_number(t->h + TAR_SIZE, 12, &size) < 0) {
		input_error(in, t->path, "invalid size field in the tar header "
			    "at byte %llu", (unsigned long long)t->at);
		return -1;
	}
	switch (type) {
	case 'x':
		return tar_pax(t, size, 0);
	case 'g':
		return tar_pax(t, size, 1);
	case 'L':
		return tar_long(t, size, &t->long_name, "GNU long name");
	case 'K':
		return tar_long(t, size, &t->long_link, "GNU long link name");
	default:
		break;
	}
	if (t->has_pax_size)
		size = t->pax_size;
	tar_set_names(t);
	where = buf_str(&t->where);
	/* As GNU tar does, skip the data of everything but directories. */
	data = size + tar_pad(size);
	switch (type) {
	case '0':
	case '\0':
	case '7':
		/* Before ustar, a trailing slash marked a directory. */
		if (!t->name.len || t->name.p[t->name.len - 1] != '/')
			return tar_file(t, size);
		break;
	case 'V':	/* volume label, not a member */
		return tar_skip(t, data, where, "volume label");
	default:
		break;
	}
	/* Members that are not files count too: a tar of a million links. */
	if (!source_entry_allowed(t->w, where))
		return -1;
	t->w->entries++;
	switch (type) {
	case '5':
		return 0;
	case '0':
	case '\0':
	case '7':
	case 'D':	/* GNU dumpdir: a directory with a listing */
		break;
	case '1':
		input_skip(in, where, "hard link to %s, not followed",
			   buf_str(&t->link));
		break;
	case '2':
		input_skip(in, where, "symbolic link to %s, not followed",
			   buf_str(&t->link));
		break;
	case '3':
		input_skip(in, where, "character device");
		break;
	case '4':
		input_skip(in, where, "block device");
		break;
	case '6':
		input_skip(in, where, "FIFO");
		break;
	case 'S':
		input_skip(in, where, "GNU sparse file (not supported)");
		if (tar_skip_sparse_map(t, where) < 0)
			return -1;
		break;
	default:
		if (type > ' ' && type < 0x7f)
			input_skip(in, where, "unsupported tar entry type '%c'",
				   type);
		else
			input_skip(in, where, "unsupported tar entry type "
				   "0x%02x", type);
		break;
	}
	return tar_skip(t, data, where, "member data");
}

static void tar_free(struct tar *t)
{
	buf_free(&t->long_name.v);
	buf_free(&t->long_link.v);
	buf_free(&t->pax_path.v);
	buf_free(&t->pax_link.v);
	buf_free(&t->g_path.v);
	buf_free(&t->name);
	buf_free(&t->link);
	buf_free(&t->where);
}

int tar_read_container(struct walk *w, const char *path, struct stream *s,
		       int depth)
{
	struct tar t;
	int zeros = 0;

	memset(&t, 0, sizeof(t));
	t.w = w;
	t.path = path;
	t.s = s;
	t.depth = depth;
	while (!w->stopped) {
		const char *after = t.name.len ? ", after member " : "";
		ssize_t r;

		t.at = s->offset;
		r = stream_read(s, t.h, TAR_BLOCK);
		if (r < 0 || (r < TAR_BLOCK && s->failed)) {
			input_error(w->in, path, "%s (tar header at byte "
				    "%llu%s%s)", buf_str(&s->err),
				    (unsigned long long)t.at, after,
				    buf_str(&t.name));
			t.reported = 1;
			break;
		}
		if (r == 0) {
			if (!zeros)
				input_error(w->in, path, "unexpected end of "
					    "tar archive at byte %llu: no "
					    "end-of-archive marker%s%s",
					    (unsigned long long)t.at, after,
					    buf_str(&t.name));
			break;
		}
		if (r < TAR_BLOCK) {
			input_error(w->in, path, "unexpected end of tar "
				    "archive at byte %llu, inside the header "
				    "at byte %llu%s%s",
				    (unsigned long long)s->offset,
				    (unsigned long long)t.at, after,
				    buf_str(&t.name));
			break;
		}
		/* Two zero blocks end the archive; what follows is unread. */
		if (tar_is_zero(t.h)) {
			if (++zeros == 2)
				break;
			continue;
		}
		zeros = 0;
		if (!tar_checksum_ok(t.h)) {
			input_error(w->in, path, "bad tar header checksum at "
				    "byte %llu%s%s", (unsigned long long)t.at,
				    after, buf_str(&t.name));
			break;
		}
		if (tar_member(&t) < 0)
			break;
	}
	tar_free(&t);
	return t.reported;
}
