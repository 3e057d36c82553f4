/*
 * Container recognition for the source layer: decides from an entry's
 * first bytes whether it is gzip data or a tar archive, whatever it is
 * called, and hands it to the matching reader (src_gz.c, src_tar.c). This
 * is also where nesting is bounded, since every layer passes through here.
 */
#include "source_int.h"

/*
 * Every layer is a few stack frames, so nesting has a hard cap even when
 * --max-depth is 0 (no limit): a gzip quine would otherwise recurse for
 * as long as the byte budget lasts.
 */
#define CONTAINER_MAX_DEPTH 64

int source_try_containers(struct walk *w, const char *path, struct stream *s,
			  const unsigned char *p, size_t n, int depth,
			  int *reported)
{
	int is_gz = gz_sniff(p, n);
	int max = w->lim->max_depth;

	if (max <= 0 || max > CONTAINER_MAX_DEPTH)
		max = CONTAINER_MAX_DEPTH;
	*reported = 0;
	if (!is_gz && !tar_sniff(p, n))
		return 0;
	if (depth >= max) {
		input_error(w->in, path, "%s at nesting depth %d not opened: "
			    "depth limit of %d reached (--max-depth)",
			    is_gz ? "gzip data" : "tar archive", depth, max);
		return 1;
	}
	if (is_gz)
		*reported = gz_read_container(w, path, s, depth);
	else
		*reported = tar_read_container(w, path, s, depth);
	return 1;
}
