/*
 * Rewriting PCRE2 patterns for ripgrep and grep -E. The rewrite is
 * token by token and conservative: whatever it does not know how to say
 * in the target syntax makes it leave the pattern out, never change what
 * it matches in a way that would undercount.
 */
#include "export.h"
#include "prefilter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"

static int ere_special(char c)
{
	return strchr(".[]()*+?{}|^$\\", c) != NULL;
}

/* Rewrite src; returns 0, or -1 when it cannot be said in dialect d. */
static int rewrite(const char *src, enum export_dialect d, struct buf *out)
{
	const char *p = src;
	int in_class = 0;

	if (d == EXPORT_PCRE) {
		buf_adds(out, src);
		return 0;
	}
	while (*p) {
		if (*p == '\\') {
			char c = p[1];

			if (!c)
				return -1;
			if (isdigit((unsigned char)c) && c != '0')
				return -1;	/* back reference */
			if (c == 'Q' || c == 'K' || c == 'G' || c == 'R' ||
			    c == 'X' || c == 'C' || c == 'g' || c == 'k')
				return -1;
			if (c == 'x' && isxdigit((unsigned char)p[2]) &&
			    isxdigit((unsigned char)p[3]) && d == EXPORT_ERE) {
				char h[3] = { p[2], p[3], 0 };
				char ch = (char)strtol(h, NULL, 16);

				if (ere_special(ch) && !in_class)
					buf_addc(out, '\\');
				buf_addc(out, ch);
				p += 4;
				continue;
			}
			if (d == EXPORT_ERE && (c == 'd' || c == 'D')) {
				buf_adds(out, in_class ? "0-9" :
					 c == 'd' ? "[0-9]" : "[^0-9]");
				if (in_class && c == 'D')
					return -1;
				p += 2;
				continue;
			}
			if (d == EXPORT_ERE && ispunct((unsigned char)c) &&
			    !ere_special(c)) {
				/* GNU grep warns about stray backslashes. */
				buf_addc(out, c);
				p += 2;
				continue;
			}
			buf_add(out, p, 2);
			p += 2;
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = 0;
			buf_addc(out, *p++);
			continue;
		}
		if (*p == '[') {
			in_class = 1;
			buf_addc(out, *p++);
			if (*p == '^')
				buf_addc(out, *p++);
			if (*p == ']')
				buf_addc(out, *p++);
			continue;
		}
		if (*p == '(' && p[1] == '?') {
			const char *q = p + 2;

			if (*q == '=' || *q == '!' ||
			    (*q == '<' && (q[1] == '=' || q[1] == '!')) ||
			    *q == '>' || *q == '|' || *q == '#')
				return -1;	/* lookaround, atomic, comment */
			if (*q == ':' || *q == '<' || *q == '\'' ||
			    (*q == 'P' && q[1] == '<')) {
				if (*q != ':') {
					const char *e = strpbrk(q, ">'");

					if (!e)
						return -1;
					q = e;
				}
				buf_adds(out, d == EXPORT_ERE ? "(" : "(?:");
				p = q + 1;
				continue;
			}
			/* Inline flags: (?i) (?J) (?s) (?i:...) */
			{
				struct buf flags = BUF_INIT;
				const char *e = q;

				while (*e && (isalpha((unsigned char)*e) ||
					      *e == '-'))
					e++;
				if (*e != ')' && *e != ':') {
					buf_free(&flags);
					return -1;
				}
				for (; q < e; q++)
					if (*q != 'J')	/* duplicate names */
						buf_addc(&flags, *q);
				if (d == EXPORT_ERE && flags.len) {
					/* ERE has no inline flags. */
					buf_free(&flags);
					return -1;
				}
				if (*e == ')') {
					if (flags.len)
						buf_addf(out, "(?%s)", flags.p);
				} else {
					buf_adds(out, d == EXPORT_ERE ? "(" :
						 "(?");
					if (d != EXPORT_ERE) {
						buf_adds(out, buf_str(&flags));
						buf_addc(out, ':');
					}
				}
				buf_free(&flags);
				p = e + 1;
				continue;
			}
		}
		/* Lazy and possessive quantifiers. */
		if ((*p == '?' || *p == '+') && p > src &&
		    strchr("*+?}", p[-1]) && !(p - 1 > src && p[-2] == '\\')) {
			if (*p == '+' && d != EXPORT_ERE)
				return -1;	/* possessive */
			if (d == EXPORT_ERE) {
				p++;
				continue;
			}
		}
		buf_addc(out, *p++);
	}
	return 0;
}

struct collect {
	enum export_dialect d;
	struct buf *out;
	size_t total, skipped;
};

static void one(struct collect *c, const char *src)
{
	struct buf tmp = BUF_INIT;

	c->total++;
	if (rewrite(src, c->d, &tmp) < 0 || memchr(tmp.p ? tmp.p : "", '\n',
						    tmp.len)) {
		c->skipped++;
	} else {
		/* A group per pattern: a leading (?i) must not leak into the
		 * next one (ripgrep joins -f patterns with a bare |). */
		buf_adds(c->out, c->d == EXPORT_ERE ? "(" : "(?:");
		buf_addslice(c->out, slice_make(tmp.p, tmp.len));
		buf_adds(c->out, ")\n");
	}
	buf_free(&tmp);
}

/* Whether a regex needs a literal of 3 bytes or more in every match. */
static int selective(const char *src)
{
	char *lits[64];
	size_t i, n = regex_literals(src, lits, ARRAY_SIZE(lits), 3);

	for (i = 0; i < n; i++)
		free(lits[i]);
	return n > 0;
}

/* Whether walk() would export something selective under k. */
static int has_selective(const struct cond *k)
{
	size_t i;

	if (!k || k->op == COND_NOT)
		return 0;
	if (k->op == COND_FIELD)
		return k->cmp == CMP_REGEX && k->re.src &&
		       selective(k->re.src);
	for (i = 0; i < k->nkids; i++)
		if (has_selective(k->kids[i]))
			return 1;
	return 0;
}

/*
 * Export what a line must match for the condition to hold: every branch
 * of an `any`, one branch of an `all` (the first whose regexes need a
 * literal: `all: [msg: ^received HTTP..., code: \d{3}]` exports the
 * message, not \d{3}, which alone would match nearly every line), and
 * nothing under a `not`.
 */
static void walk(struct collect *c, const struct cond *k)
{
	size_t i;

	if (!k || k->op == COND_NOT)
		return;
	if (k->op == COND_FIELD) {
		if (k->cmp == CMP_REGEX && k->re.src)
			one(c, k->re.src);
		return;
	}
	if (k->op == COND_ALL) {
		for (i = 0; i < k->nkids; i++)
			if (has_selective(k->kids[i])) {
				walk(c, k->kids[i]);
				return;
			}
	}
	for (i = 0; i < k->nkids; i++)
		walk(c, k->kids[i]);
}

size_t export_patterns(const struct ruleset *rs, enum export_dialect d,
		       struct buf *out, size_t *total)
{
	struct collect c = { d, out, 0, 0 };
	size_t i, j;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];

		for (j = 0; j < r->npatterns; j++)
			one(&c, r->patterns[j].src);
		/* Lines and log records: what a text search can be asked. */
		for (j = 0; j < r->nclauses; j++)
			if (r->clauses[j].target == TARGET_TEXT ||
			    r->clauses[j].target == TARGET_LOG)
				walk(&c, r->clauses[j].where);
	}
	*total = c.total;
	return c.skipped;
}
