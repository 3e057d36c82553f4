/*
 * Escaping of untrusted bytes for each place they are shown: a terminal
 * (control characters as \xNN), JSON strings (handled by cJSON), HTML text
 * and attributes, JSON inside an HTML <script>, and Markdown. Each function
 * appends to a caller-owned buffer.
 */
#ifndef KTRIAGE_ESCAPE_H
#define KTRIAGE_ESCAPE_H

#include "buf.h"

/* Append s with C0 controls, DEL and ESC shown as \xNN (tabs as \t). */
void escape_terminal(struct buf *out, struct slice s);

/* Append s made valid UTF-8: each invalid byte becomes U+FFFD. */
void escape_utf8(struct buf *out, struct slice s);

/*
 * Append s for HTML text or a quoted attribute value: & < > " ' as
 * entities, C0 controls and DEL as \xNN (newlines kept), invalid UTF-8
 * as U+FFFD.
 */
void escape_html(struct buf *out, struct slice s);

/*
 * Append JSON text s so that it can sit inside an HTML <script> element:
 * < > & as \u003c \u003e \u0026 (no "</script>" or "<!--" can appear)
 * and U+2028, U+2029 as \u2028, \u2029. Those characters only occur
 * inside JSON strings, where the escapes mean the same.
 */
void escape_script_json(struct buf *out, struct slice s);

/*
 * Append s as inline Markdown text that renders as itself: controls as
 * \xNN, newlines as spaces, and the characters that could start
 * emphasis, code, links, HTML, tables, mentions or (at the start) a
 * list or heading backslash-escaped.
 */
void escape_md(struct buf *out, struct slice s);

/* The longest run of c in s (for code fences longer than any inside). */
size_t escape_longest_run(struct slice s, char c);

#endif
