/*
 * The `kubectl describe` parser (a stage-three parser, see parse.h). It
 * reads the header block (Name, Namespace, Labels, Annotations), turns the
 * indented body into a field tree the way kubectl's generic describer
 * printed it, reads the Events table, and hands each object to
 * kobject_from_tree(). Messy pastes are expected: prompt lines, "..."
 * cuts, fragments that start at Status:, values that break the layout.
 *
 * Ownership: the parser owns the object in progress and its events until
 * it is complete; then pc->on_object owns it. Prompt and hint strings are
 * copied.
 *
 * Decisions for ambiguous input:
 * - Indentation nests (any deeper indent is a child). A "Key:" line with
 *   no value opens a map; its first child decides: a "Key: value" child
 *   keeps a map, a bare line makes a list of scalars. In a generic (CRD)
 *   describe, a key that sorts (Go byte order of the camelCase field name)
 *   at or before the previous key of the same map starts a new list item,
 *   turning the map into a list of maps after the fact; known list keys
 *   (Conditions, Owner References, Solvers, ...) are lists from the start.
 *   The top-level sections never become lists.
 * - A "Key:" with no children is an empty map, or an empty scalar ("")
 *   when the line had trailing blanks (kubectl pads empty scalars, not
 *   empty maps). "<nil>" and "<none>" give a NULL value.
 * - Values lose leading padding and trailing blanks, except that a value
 *   ending in ": " keeps it (Go's "%s: %s" with an empty tail, which kubectl
 *   prints verbatim). Tabs are expanded to 8-column stops first.
 * - A line deeper than the scalar before it, or (generic describe) a line
 *   at column 0 that is not the next top-level key, continues that scalar:
 *   it is appended after "\n", without its indentation. A blank line ends
 *   the continuation. In other describers (Pod, Ingress) a deeper
 *   "Key: value" line under a scalar makes it a map that keeps its value.
 * - Fragments (no Name: line, e.g. after "..."): name, kind and namespace
 *   come from the last `$ kubectl describe KIND NAME -n NS` prompt (the
 *   kind also from the resource hint); without a name the object is named
 *   DESCRIBE_UNNAMED, and without a kind its kind stays NULL. A fragment
 *   starts only at a top-level key (Status:, Events:, ...) or, after a
 *   describe prompt, at any "Key:" line, so stray prose makes no object.
 *   Objects with a Name: line but no Kind line (Pod, Ingress describers)
 *   take the kind the same way.
 *   Keys at the top of a fragment of a cert-manager (or unknown) kind that
 *   are not top-level sections go under status (guides show dedented
 *   "Reason:/State:/URL:" status lines). Fragments and objects with a "..."
 *   line inside have partial = 1.
 * - Events: rows are cut at the header's column starts (the Message cell
 *   is the rest of the line, double spaces kept); a line that is not a row
 *   continues the last message after "\n". A blank line ends the table.
 *   Without a header the current columns are assumed; the kubectl <= 1.9
 *   columns (FirstSeen LastSeen Count ...) are read by name. Each event
 *   gets the object's kind, namespace and name when the object is done.
 * - A `kubectl get` prompt or a column-0 table header switches to a nested
 *   get-table parser until the next describe prompt or "Name:" line; other
 *   prompts (logs, -o yaml) skip their output.
 * - An object larger than pc->max_object_bytes (when set) is dropped with
 *   a warning; reading resumes at the next "Name:" line or prompt.
 */
#ifndef KTRIAGE_DESCRIBE_H
#define KTRIAGE_DESCRIBE_H

#include "parse.h"
#include "util.h"

/* The name given to a fragment nothing identifies. */
#define DESCRIBE_UNNAMED "(unnamed)"

struct describe;

struct describe *describe_new(const struct parse_ctx *pc);
void describe_line(struct describe *d, struct slice line,
		   unsigned long lineno);
/* Flush the object in progress; the parser can be fed again afterwards. */
void describe_end(struct describe *d);
void describe_free(struct describe *d);
/*
 * Set the resource being described ("challenge", "certificates"); it
 * gives the kind when the output has no Kind line. NULL clears it. The
 * string is copied.
 */
void describe_set_hint(struct describe *d, const char *resource);

#endif
