/*
 * Content detection, the stage between source and parse. It scores the
 * first lines of an entry against the shapes support bundles contain
 * (klog headers, JSON log records, describe headers, table headers, YAML
 * and JSON documents) and picks the most frequent; prompt lines such as
 * "$ kubectl describe ..." are skipped, since pastes start with them.
 */
#include "detect.h"

#include <string.h>

#include "logrec.h"
#include "util.h"

const char *content_type_name(enum content_type t)
{
	static const char *const names[] = {
		"text", "yaml", "json", "describe", "get-table", "klog",
		"jsonlog"
	};

	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "text";
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "E1128 12:00:00.123456 " possibly after a timestamp or CRI prefix. */
static int klog_header(struct slice l)
{
	const char *p = l.p;
	size_t n = l.n;

	/* kubectl logs --timestamps / CRI: "2023-01-26T12:34:05.28Z ..." */
	if (n > 20 && is_digit(p[0]) && p[4] == '-' && p[10] == 'T') {
		const char *sp = memchr(p, ' ', n);

		if (!sp)
			return 0;
		n -= (size_t)(sp + 1 - p);
		p = sp + 1;
		if (n > 9 && (!memcmp(p, "stderr ", 7) ||
			      !memcmp(p, "stdout ", 7))) {
			p += 9;	/* "stderr F " */
			n -= 9;
		}
	}
	return n >= 22 && klog_level(p[0]) && is_digit(p[1]) &&
	       is_digit(p[4]) && p[5] == ' ' && p[8] == ':' && p[11] == ':' &&
	       p[14] == '.';
}

static int is_prompt(struct slice l)
{
	struct slice t = slice_trim(l);

	return slice_starts(t, "$ ") || slice_starts(t, "# kubectl") ||
	       slice_starts(t, "kubectl ") || slice_starts(t, "> kubectl");
}

enum content_type detect_content(const char *name, const char *p, size_t n)
{
	int score[CT_JSONLOG + 1] = { 0 };
	const char *end = p + n, *line = p;
	int lines = 0, best = CT_TEXT, i;

	while (line < end && lines < 40) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		struct slice l = slice_make(line, (size_t)((nl ? nl : end) -
							  line));
		struct slice t = slice_trim(l);

		line = nl ? nl + 1 : end;
		if (!t.n || is_prompt(l))
			continue;
		lines++;
		if (klog_header(l))
			score[CT_KLOG] += 3;
		else if (t.p[0] == '{' && t.p[t.n - 1] == '}' &&
			 (memmem(t.p, t.n, "\"msg\"", 5) ||
			  memmem(t.p, t.n, "\"ts\"", 4)))
			score[CT_JSONLOG] += 3;
		else if (slice_starts(l, "Name:") ||
			 slice_starts(l, "Namespace:") ||
			 slice_starts(l, "Events:") ||
			 slice_starts(l, "API Version:"))
			score[CT_DESCRIBE] += 3;
		else if (slice_starts(l, "NAME ") ||
			 slice_starts(l, "NAMESPACE ") ||
			 slice_starts(l, "LAST SEEN "))
			score[CT_GET_TABLE] += 4;
		else if (slice_starts(l, "apiVersion:") ||
			 slice_starts(l, "kind:") || slice_starts(l, "---") ||
			 slice_starts(l, "items:") ||
			 slice_starts(l, "metadata:"))
			score[CT_YAML] += 3;
		else if (lines == 1 && (t.p[0] == '{' || t.p[0] == '['))
			score[CT_JSON] += 5;
	}
	/* The name breaks ties only. */
	if (str_ends(name, ".json"))
		score[CT_JSON]++;
	else if (str_ends(name, ".yaml") || str_ends(name, ".yml"))
		score[CT_YAML]++;
	else if (str_ends(name, ".log"))
		score[CT_KLOG]++;
	for (i = CT_YAML; i <= CT_JSONLOG; i++)
		if (score[i] > score[best])
			best = i;
	return score[best] >= 3 ? (enum content_type)best : CT_TEXT;
}
