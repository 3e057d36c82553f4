/*
 * Escaping of untrusted bytes for each place they are shown: a terminal
 * (control characters as \xNN), JSON strings (handled by cJSON), and later
 * HTML and Markdown. Each function appends to a caller-owned buffer.
 */
#ifndef KTRIAGE_ESCAPE_H
#define KTRIAGE_ESCAPE_H

#include "buf.h"

/* Append s with C0 controls, DEL and ESC shown as \xNN (tabs as \t). */
void escape_terminal(struct buf *out, struct slice s);

/* Append s made valid UTF-8: each invalid byte becomes U+FFFD. */
void escape_utf8(struct buf *out, struct slice s);

#endif
