/*
 * Fuzz target for the rule loader: arbitrary bytes as a rule file, loaded
 * with ruleset_load_buffer(), cross-checked with ruleset_check(), and the
 * rules that loaded run against their own examples (ruleset_self_test(),
 * which compiles and matches the regexes under the PCRE2 limits).
 */
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset rs;
	unsigned long total = 0;

	diag_set_quiet(2);
	ruleset_init(&rs);
	ruleset_load_buffer(&rs, "fuzz.yaml", (const char *)data, size);
	ruleset_check(&rs);
	ruleset_self_test(&rs, &total);
	ruleset_free(&rs);
	return 0;
}
