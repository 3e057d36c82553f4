/*
 * Container recognition for the source layer. Gzip and tar readers are
 * added by the streaming-archive work (issue #3); until then a compressed
 * or archived entry is reported as skipped with the reason, never dropped
 * silently.
 */
#include <string.h>

#include "source_int.h"

int source_try_containers(struct walk *w, const char *path, struct stream *s,
			  const unsigned char *p, size_t n, int depth)
{
	(void)s;
	(void)depth;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		input_skip(w->in, path, "gzip data (not yet supported)");
		return 1;
	}
	if (n >= 262 && !memcmp(p + 257, "ustar", 5)) {
		input_skip(w->in, path, "tar archive (not yet supported)");
		return 1;
	}
	return 0;
}
