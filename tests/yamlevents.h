/*
 * Events of a YAML text as text, one a line ("MAP 3", "SCALAR plain 'x'
 * 4", "END"), from libyaml (libyaml_events) and from the fast reader
 * (rec_sink, a struct buf as its ctx), for tests/unit/test_yamlfast.c and
 * tests/fuzz/fuzz_yaml.c to compare. Static functions: include it once.
 */
#ifndef KTRIAGE_TESTS_YAMLEVENTS_H
#define KTRIAGE_TESTS_YAMLEVENTS_H

#include <stdlib.h>
#include <yaml.h>

#include "buf.h"
#include "yamlfast.h"

static void put_scalar(struct buf *o, const char *style, const char *v,
		       size_t n, unsigned long line)
{
	size_t i;

	buf_addf(o, "SCALAR %s '", style);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c >= 0x7F || c == '\\' || c == '\'')
			buf_addf(o, "\\x%02x", c);
		else
			buf_addc(o, (char)c);
	}
	buf_addf(o, "' %lu\n", line);
}

static void libyaml_events(struct buf *o, const char *text, size_t len)
{
	static const char *const styles[] = {
		"any", "plain", "single", "double", "literal", "folded",
	};
	yaml_parser_t yp;
	yaml_event_t ev;
	int done = 0;

	if (!yaml_parser_initialize(&yp))
		abort();
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	while (!done) {
		unsigned long line;

		if (!yaml_parser_parse(&yp, &ev)) {
			buf_adds(o, "ERROR\n");
			break;
		}
		line = (unsigned long)ev.start_mark.line;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			buf_adds(o, "DOC\n");
			break;
		case YAML_DOCUMENT_END_EVENT:
			buf_adds(o, "DOCEND\n");
			break;
		case YAML_MAPPING_START_EVENT:
			buf_addf(o, "MAP %lu\n", line);
			break;
		case YAML_SEQUENCE_START_EVENT:
			buf_addf(o, "SEQ %lu\n", line);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			buf_adds(o, "END\n");
			break;
		case YAML_ALIAS_EVENT:
			buf_addf(o, "ALIAS %lu\n", line);
			break;
		case YAML_SCALAR_EVENT:
			put_scalar(o, ev.data.scalar.tag ? "tagged" :
				   styles[ev.data.scalar.style],
				   (const char *)ev.data.scalar.value,
				   ev.data.scalar.length, line);
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp);
}

static int rec_doc_start(void *ctx)
{
	buf_adds(ctx, "DOC\n");
	return 0;
}

static int rec_doc_end(void *ctx)
{
	buf_adds(ctx, "DOCEND\n");
	return 0;
}

static int rec_start(void *ctx, int is_seq, unsigned long line)
{
	buf_addf(ctx, "%s %lu\n", is_seq ? "SEQ" : "MAP", line);
	return 0;
}

static int rec_end(void *ctx)
{
	buf_adds(ctx, "END\n");
	return 0;
}

static int rec_scalar(void *ctx, const char *v, size_t n,
		      enum yamlfast_style style, unsigned long line)
{
	static const char *const styles[] = {
		"plain", "single", "double", "literal",
	};

	put_scalar(ctx, styles[style], v, n, line);
	return 0;
}

static const struct yamlfast_sink rec_sink = {
	rec_doc_start, rec_doc_end, rec_start, rec_end, rec_scalar,
};

#endif
