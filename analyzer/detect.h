/*
 * Content detection: decides what kind of text an entry holds from its
 * first bytes (the name is only a hint), so the right parser reads it.
 * Every entry's lines also go to the line rules whatever its type.
 */
#ifndef KTRIAGE_DETECT_H
#define KTRIAGE_DETECT_H

#include <stddef.h>

enum content_type {
	CT_TEXT,	/* unknown text: line rules only */
	CT_YAML,	/* kubectl get -o yaml, manifests */
	CT_JSON,	/* kubectl get -o json, troubleshoot.sh resource files */
	CT_DESCRIBE,	/* kubectl describe output */
	CT_GET_TABLE,	/* kubectl get (tables, including events) */
	CT_KLOG,	/* klog text logs, with or without collector prefixes */
	CT_JSONLOG,	/* one JSON log record per line */
};

const char *content_type_name(enum content_type t);

/* Look at the first n bytes of an entry called name. */
enum content_type detect_content(const char *name, const char *p, size_t n);

#endif
