/*
 * `ktriage rules export-patterns`: the rule pack's regexes, one per line,
 * rewritten for other tools (ripgrep's Rust regex syntax, or POSIX ERE
 * for grep -E), so benchmarks compare like with like. Patterns that the
 * target syntax cannot express (lookarounds, back references) are left
 * out and counted.
 */
#ifndef KTRIAGE_EXPORT_H
#define KTRIAGE_EXPORT_H

#include "buf.h"
#include "rules.h"

enum export_dialect {
	EXPORT_RG,	/* ripgrep 13: Rust regex, (?P<name>) only */
	EXPORT_ERE,	/* grep -E (GNU) */
	EXPORT_PCRE,	/* as written */
};

/*
 * Append the patterns to out, one per line, each wrapped in a group.
 * Returns how many were left out; *total gets how many were seen.
 */
size_t export_patterns(const struct ruleset *rs, enum export_dialect d,
		       struct buf *out, size_t *total);

#endif
