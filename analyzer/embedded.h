/*
 * The default rule pack, compiled into the binary by tools/embed.c. The
 * array ends with an entry whose name is NULL. The bytes are static and
 * live for the whole run.
 */
#ifndef KTRIAGE_EMBEDDED_H
#define KTRIAGE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;	/* "rules/acme.yaml" */
	const char *data;	/* NUL-terminated */
	size_t len;
};

extern const struct embedded_file embedded_rules[];

#endif
