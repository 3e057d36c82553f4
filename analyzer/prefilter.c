/*
 * Literal prefilter for the match stage (see prefilter.h). Literal
 * extraction reads PCRE2 syntax conservatively: anything it does not
 * understand ends the current literal, so the prefilter can only let too
 * many lines through, never too few. The automaton is a dense DFA over
 * byte classes, so scanning costs one table lookup per byte.
 */
#include "prefilter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#ifdef HAVE_HYPERSCAN
#include <hs.h>
#endif

/* Hits one block may hold; past this its lines scan themselves. */
#define PF_MAX_HITS (1u << 18)

#define MIN_LITERAL 3
#define MAX_ALTS 64

/* ---- literal extraction ---- */

struct litset {
	char *v[MAX_ALTS];
	size_t n;
	int none;	/* no literal: anything may match */
};

static void litset_free(struct litset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static size_t shortest(const struct litset *s)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i]) < m)
			m = strlen(s->v[i]);
	return s->n ? m : 0;
}

/*
 * How selective a set is: its shortest literal, less two bytes for each
 * further alternative (`too many ` beats the six-way group after it:
 * "certificates" alone is on half the lines of a controller log).
 */
static long selectivity(const struct litset *s)
{
	return (long)shortest(s) - 2 * ((long)s->n - 1);
}

/* Keep the better of best and cand. */
static void keep_better(struct litset *best, struct litset *cand)
{
	if (!cand->none && cand->n && (best->none || !best->n ||
				       selectivity(cand) > selectivity(best))) {
		litset_free(best);
		*best = *cand;
		cand->n = 0;
		best->none = 0;
	} else {
		litset_free(cand);
	}
}

static void run_flush(struct buf *run, struct litset *best, size_t min)
{
	struct litset one;

	memset(&one, 0, sizeof(one));
	if (run->len >= min) {
		one.v[0] = xstrndup(run->p, run->len);
		one.n = 1;
		keep_better(best, &one);
	}
	buf_reset(run);
}

/* Is the atom just read followed by a quantifier that allows zero? */
static int optional_quant(const char *p)
{
	if (*p == '?' || *p == '*')
		return 1;
	if (*p == '{') {
		const char *q = p + 1;

		while (*q == ' ')
			q++;
		return *q == '0' || *q == ',';
	}
	return 0;
}

static int any_quant(const char *p)
{
	return *p == '?' || *p == '*' || *p == '+' ||
	       (*p == '{' && isdigit((unsigned char)p[1]));
}

static const char *skip_quant(const char *p)
{
	if (*p == '{') {
		const char *e = strchr(p, '}');

		p = e ? e + 1 : p + strlen(p);
	} else if (any_quant(p)) {
		p++;
	}
	if (*p == '?' || *p == '+')	/* lazy or possessive */
		p++;
	return p;
}

static const char *skip_class(const char *p)
{
	p++;	/* '[' */
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '[' && p[1] == ':') {
			const char *e = strstr(p, ":]");

			if (e)
				p = e + 1;
		}
		p++;
	}
	return *p ? p + 1 : p;
}

/*
 * After a backslash and the letter or digit c, the rest of that escape:
 * \x27, \x{263a}, \o{17}, \N{U+263A}, \p{Greek}, \pL, \g{-1}, \g2,
 * \k<name>, \cA, \12. Its bytes are not literal text (\x27 is a quote,
 * not "27").
 */
static const char *skip_escape_tail(char c, const char *p)
{
	static const char opens[] = "{<'", closes[] = "}>'";
	const char *o;
	int k;

	if ((c == 'x' || c == 'o' || c == 'N' || c == 'p' || c == 'P' ||
	     c == 'g' || c == 'k') && *p && (o = strchr(opens, *p)) != NULL) {
		const char *e = strchr(p + 1, closes[o - opens]);

		return e ? e + 1 : p + strlen(p);
	}
	switch (c) {
	case 'x':
		for (k = 0; k < 2 && isxdigit((unsigned char)*p); k++)
			p++;
		return p;
	case 'p':
	case 'P':
	case 'c':
		return *p ? p + 1 : p;
	case 'g':
		if (*p == '-' || *p == '+')
			p++;
		/* fall through */
	default:
		if (isdigit((unsigned char)c) || c == 'g')
			while (isdigit((unsigned char)*p))
				p++;
		return p;
	}
}

static const char *parse_alts(const char *p, int depth, struct litset *out,
			      size_t min);

/*
 * One alternative of a sequence, up to '|' or ')' or the end. Returns the
 * position of the stop character; best gets the most selective literal
 * set that every match of this alternative contains.
 */
static const char *parse_seq(const char *p, int depth, struct litset *best,
			     size_t min)
{
	struct buf run = BUF_INIT;

	memset(best, 0, sizeof(*best));
	best->none = 1;
	while (*p && *p != '|' && *p != ')') {
		char lit = 0;
		int is_lit = 0;

		if (*p == '\\') {
			char c = p[1];

			if (!c) {
				p++;
				break;
			}
			if (c == 'Q') {
				const char *e = strstr(p + 2, "\\E");
				const char *q = p + 2;

				for (; *q && q != e; q++)
					buf_addc(&run, (char)tolower(
							 (unsigned char)*q));
				p = e ? e + 2 : q;
				continue;
			}
			if (ispunct((unsigned char)c) || c == ' ') {
				lit = c;
				is_lit = 1;
			} else if (c == 'n' || c == 't') {
				lit = c == 'n' ? '\n' : '\t';
				is_lit = 1;
			}
			p += 2;
			if (!is_lit) {
				/* \d \w \s \b, back references, \x..: */
				p = skip_escape_tail(c, p);
				run_flush(&run, best, min);
				if (any_quant(p))
					p = skip_quant(p);
				continue;
			}
		} else if (*p == '[') {
			p = skip_class(p);
			run_flush(&run, best, min);
			if (any_quant(p))
				p = skip_quant(p);
			continue;
		} else if (*p == '(') {
			struct litset inner;
			const char *q = p + 1;
			int skip = 0;

			run_flush(&run, best, min);
			if (*q == '?') {
				/* (?:  (?<name>  (?P<name>  (?'n'  (?i)  (?=... */
				if (q[1] == '=' || q[1] == '!' ||
				    (q[1] == '<' && (q[2] == '=' || q[2] == '!')))
					skip = 1;
				else if (q[1] == ':')
					q += 2;
				else if (q[1] == '<' || (q[1] == 'P' && q[2] == '<') ||
					 q[1] == '\'') {
					const char *e = strpbrk(q + 2, ">'");

					q = e ? e + 1 : q + 2;
				} else {
					/* Inline flags (?i) or (?i:...). */
					const char *e = q + 1;

					while (*e && (isalpha((unsigned char)*e) ||
						      *e == '-'))
						e++;
					if (*e == ')') {
						if (memchr(q, 'x', (size_t)(e - q)))
							goto give_up;
						p = e + 1;
						continue;
					}
					if (*e == ':')
						q = e + 1;
					else
						goto give_up;
				}
			}
			if (depth > 32)
				goto give_up;
			q = parse_alts(q, depth + 1, &inner, min);
			if (*q != ')') {
				litset_free(&inner);
				goto give_up;
			}
			p = q + 1;
			if (skip || optional_quant(p))
				litset_free(&inner);
			else
				keep_better(best, &inner);
			if (any_quant(p))
				p = skip_quant(p);
			continue;
		} else if (*p == '.' || *p == '^' || *p == '$') {
			p++;
			run_flush(&run, best, min);
			if (any_quant(p))
				p = skip_quant(p);
			continue;
		} else {
			lit = *p++;
			is_lit = 1;
		}
		if (!is_lit)
			continue;
		if (optional_quant(p)) {
			/* The last character may be absent. */
			run_flush(&run, best, min);
			p = skip_quant(p);
			continue;
		}
		buf_addc(&run, (char)tolower((unsigned char)lit));
		if (any_quant(p)) {
			/* x+ or x{2}: x is there, but what follows may move. */
			run_flush(&run, best, min);
			p = skip_quant(p);
		}
	}
	run_flush(&run, best, min);
	buf_free(&run);
	return p;
give_up:
	buf_free(&run);
	litset_free(best);
	best->none = 1;
	/* Skip to the end: nothing after this is trusted. */
	return p + strlen(p);
}

/* Alternatives up to ')' or the end: one literal set from each. */
static const char *parse_alts(const char *p, int depth, struct litset *out,
			      size_t min)
{
	memset(out, 0, sizeof(*out));
	for (;;) {
		struct litset seq;
		size_t i;

		p = parse_seq(p, depth, &seq, min);
		if (seq.none || !seq.n || out->none) {
			litset_free(&seq);
			litset_free(out);
			out->none = 1;
		} else {
			for (i = 0; i < seq.n; i++) {
				if (out->n < MAX_ALTS)
					out->v[out->n++] = seq.v[i];
				else
					free(seq.v[i]);
			}
			if (out->n >= MAX_ALTS) {
				litset_free(out);
				out->none = 1;
			}
		}
		if (*p != '|')
			return p;
		p++;
	}
}

size_t regex_literals(const char *src, char **out, size_t max, size_t min)
{
	struct litset s;
	const char *end;
	size_t i, n = 0;

	end = parse_alts(src, 0, &s, min);
	if (*end) {
		/* An unbalanced ')': do not trust what was read. */
		litset_free(&s);
		return 0;
	}
	if (s.none || s.n > max) {
		litset_free(&s);
		return 0;
	}
	for (i = 0; i < s.n; i++)
		out[n++] = s.v[i];
	return n;
}

/* ---- literals of rules ---- */

struct pf_builder {
	char **lits;
	size_t n, cap;
};

static uint32_t lit_id(struct pf_builder *b, const char *s)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (!strcmp(b->lits[i], s))
			return (uint32_t)i;
	b->lits = xgrow(b->lits, &b->cap, b->n + 1, sizeof(*b->lits));
	b->lits[b->n] = xstrdup(s);
	return (uint32_t)b->n++;
}

/*
 * The longest piece of a literal that reads the same in the raw text of
 * a log record (escaping touches only quotes, backslashes, <, >, & and
 * control bytes); NULL when no piece of MIN_LITERAL bytes is left. Takes
 * over s.
 */
static char *safe_piece(char *s)
{
	size_t best = 0, best_len = 0, start = 0, i, n = strlen(s);
	char *out;

	for (i = 0; i <= n; i++) {
		char c = s[i];
		int ok = c && c != '"' && c != '\\' && c != '<' && c != '>' &&
			 c != '&' && (unsigned char)c >= 0x20 &&
			 (unsigned char)c < 0x80;

		if (ok)
			continue;
		if (i - start > best_len) {
			best = start;
			best_len = i - start;
		}
		start = i + 1;
	}
	if (best_len < MIN_LITERAL) {
		free(s);
		return NULL;
	}
	out = xstrndup(s + best, best_len);
	free(s);
	return out;
}

/* Fields whose values appear in a record's raw text (after decoding). */
static int raw_field(enum target t, const char *f)
{
	if (t == TARGET_TEXT)
		return !strcmp(f, "line");
	/* level words and source are not in the text. */
	return strcmp(f, "level") && strcmp(f, "source") &&
	       strcmp(f, "caller");
}

static void lower_dup(struct litset *s, const char *v)
{
	char *c = xstrdup(v);
	char *p;

	for (p = c; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	s->v[s->n++] = c;
}

/*
 * What a condition needs in the raw text, as an AND of OR-sets (CNF): every
 * set must have one of its literals in the text. n == 0 means nothing is
 * known (no filter).
 */
#define CNF_MAX 8

struct cnf {
	struct litset sets[CNF_MAX];
	size_t n;
};

static void cnf_free(struct cnf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		litset_free(&c->sets[i]);
	c->n = 0;
}

static void litset_copy(struct litset *dst, const struct litset *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		dst->v[dst->n++] = xstrdup(src->v[i]);
}

/* Add set s to c (taking it over); drop it when c is full. */
static void cnf_add(struct cnf *c, struct litset *s)
{
	if (c->n < CNF_MAX && s->n && !s->none)
		c->sets[c->n++] = *s;
	else
		litset_free(s);
	memset(s, 0, sizeof(*s));
}

/* The most selective set of a CNF (the one whose shortest is longest). */
static size_t cnf_best(const struct cnf *c)
{
	size_t i, best = 0;

	for (i = 1; i < c->n; i++)
		if (shortest(&c->sets[i]) > shortest(&c->sets[best]))
			best = i;
	return best;
}

static void cond_cnf(const struct cond *c, enum target t, struct cnf *out);

/* a OR b for CNFs: (a1 & a2) | (b1 & b2) = (a1|b1) & (a1|b2) & ... */
static void cnf_or(struct cnf *a, struct cnf *b, struct cnf *out)
{
	size_t i, j, k;

	memset(out, 0, sizeof(*out));
	if (!a->n || !b->n)
		goto done;
	if (a->n * b->n > CNF_MAX) {
		/* Too many: keep one set from each side. */
		size_t x = cnf_best(a), y = cnf_best(b);
		struct litset u;

		litset_copy(&u, &a->sets[x]);
		for (k = 0; k < b->sets[y].n && u.n < MAX_ALTS; k++)
			u.v[u.n++] = xstrdup(b->sets[y].v[k]);
		if (u.n >= MAX_ALTS) {
			litset_free(&u);
			goto done;
		}
		cnf_add(out, &u);
		goto done;
	}
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			struct litset u;

			litset_copy(&u, &a->sets[i]);
			if (u.n + b->sets[j].n > MAX_ALTS) {
				litset_free(&u);
				cnf_free(out);
				goto done;
			}
			for (k = 0; k < b->sets[j].n; k++)
				u.v[u.n++] = xstrdup(b->sets[j].v[k]);
			cnf_add(out, &u);
		}
	}
done:
	cnf_free(a);
	cnf_free(b);
}

static void cond_cnf(const struct cond *c, enum target t, struct cnf *out)
{
	struct litset one;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	switch (c->op) {
	case COND_ALL:
		for (i = 0; i < c->nkids; i++) {
			struct cnf kid;
			size_t k;

			cond_cnf(c->kids[i], t, &kid);
			for (k = 0; k < kid.n; k++)
				cnf_add(out, &kid.sets[k]);
		}
		return;
	case COND_ANY:
		for (i = 0; i < c->nkids; i++) {
			struct cnf kid, acc;

			cond_cnf(c->kids[i], t, &kid);
			if (!kid.n) {
				cnf_free(out);
				return;
			}
			if (i == 0) {
				*out = kid;
				continue;
			}
			cnf_or(out, &kid, &acc);
			*out = acc;
			if (!out->n)
				return;
		}
		return;
	case COND_FIELD:
		memset(&one, 0, sizeof(one));
		if (!raw_field(t, c->field))
			return;
		if (c->cmp == CMP_REGEX && c->re.src) {
			char *v[MAX_ALTS];
			size_t n = regex_literals(c->re.src, v, MAX_ALTS,
						  MIN_LITERAL);

			for (i = 0; i < n; i++) {
				char *lit = t == TARGET_LOG ? safe_piece(v[i]) :
					v[i];

				if (!lit)
					one.none = 1;
				else
					one.v[one.n++] = lit;
			}
			if (one.none || !n)
				litset_free(&one);
			else
				cnf_add(out, &one);
			return;
		}
		if ((c->cmp == CMP_EQ || c->cmp == CMP_IN ||
		     c->cmp == CMP_CONTAINS) && c->nstrs &&
		    c->nstrs <= MAX_ALTS) {
			for (i = 0; i < c->nstrs; i++)
				if (strlen(c->strs[i]) < MIN_LITERAL)
					return;
			for (i = 0; i < c->nstrs; i++) {
				lower_dup(&one, c->strs[i]);
				if (t == TARGET_LOG) {
					one.v[one.n - 1] =
						safe_piece(one.v[one.n - 1]);
					if (!one.v[one.n - 1]) {
						one.n--;
						litset_free(&one);
						return;
					}
				}
			}
			cnf_add(out, &one);
		}
		return;
	default:
		return;
	}
}

/* ---- the automaton ---- */

/* One alternative: every set needs one of its literals. */
struct pf_cnf {
	uint32_t *ids;		/* the literals, set after set */
	size_t *ends;		/* where each set ends in ids */
	size_t nsets;
};

struct pf_filter {
	struct pf_cnf *alts;	/* the rule may fire when one holds */
	size_t nalts;
	int all;		/* no filter: always a candidate */
};

struct prefilter {
	unsigned char cls[256];		/* byte -> class */
	size_t nclasses;
	int32_t *next;			/* states x classes */
	uint32_t *out;			/* first literal ending here + 1, or 0 */
	uint32_t *out_next;		/* chain of literals per state (by id) */
	int32_t *out_link;		/* dictionary suffix link: state or -1 */
	size_t nstates;
	size_t nlits;
	struct pf_filter *filters;	/* rules x 2 (text, log) */
	size_t nrules;
	int disabled;			/* too many byte classes: pass all */
	void *hs_db;			/* hs_database_t: block scans */
	char engine[64];
	uint32_t **lit_rules[2];	/* per target, per literal: rules */
	size_t *nlit_rules[2];
};

size_t prefilter_words(const struct prefilter *pf)
{
	return pf ? (pf->nlits + 63) / 64 + 1 : 1;
}

/* Turn a CNF into literal ids of the automaton. */
static void alt_set(struct pf_cnf *a, struct cnf *c, struct pf_builder *b)
{
	size_t i, k, total = 0;

	for (i = 0; i < c->n; i++)
		total += c->sets[i].n;
	a->ids = xmalloc((total ? total : 1) * sizeof(*a->ids));
	a->ends = xmalloc((c->n ? c->n : 1) * sizeof(*a->ends));
	total = 0;
	for (i = 0; i < c->n; i++) {
		for (k = 0; k < c->sets[i].n; k++)
			a->ids[total++] = lit_id(b, c->sets[i].v[k]);
		a->ends[i] = total;
	}
	a->nsets = c->n;
	cnf_free(c);
}

/* The rule's filter for target t: one CNF per pattern or clause. */
static void rule_filter(const struct rule *r, enum target t,
			struct pf_filter *f, struct pf_builder *b)
{
	struct cnf alts[64];
	size_t n = 0, i, k;

	memset(f, 0, sizeof(*f));
	if (t == TARGET_TEXT) {
		for (i = 0; i < r->npatterns && n < ARRAY_SIZE(alts); i++) {
			struct litset one;
			char *v[MAX_ALTS];
			size_t m = regex_literals(r->patterns[i].src, v,
						  MAX_ALTS, MIN_LITERAL);

			memset(&alts[n], 0, sizeof(alts[n]));
			memset(&one, 0, sizeof(one));
			for (k = 0; k < m; k++)
				one.v[one.n++] = v[k];
			cnf_add(&alts[n], &one);
			if (!alts[n++].n)
				goto no_filter;
		}
		if (i < r->npatterns)
			goto no_filter;
	}
	for (i = 0; i < r->nclauses; i++) {
		if (r->clauses[i].target != t)
			continue;
		if (n >= ARRAY_SIZE(alts))
			goto no_filter;
		cond_cnf(r->clauses[i].where, t, &alts[n]);
		if (!alts[n++].n)
			goto no_filter;
	}
	f->alts = xcalloc(n ? n : 1, sizeof(*f->alts));
	for (i = 0; i < n; i++)
		alt_set(&f->alts[i], &alts[i], b);
	f->nalts = n;
	return;
no_filter:
	for (i = 0; i < n; i++)
		cnf_free(&alts[i]);
	f->all = 1;
}

static void build_automaton(struct prefilter *pf, struct pf_builder *b)
{
	size_t i, cap = 1, total = 1;
	int32_t *goto_ = NULL, *fail, *queue;
	size_t qh = 0, qt = 0, s, c;
	unsigned used[256] = { 0 };

	for (i = 0; i < b->n; i++) {
		const unsigned char *p = (const unsigned char *)b->lits[i];

		total += strlen(b->lits[i]);
		for (; *p; p++)
			used[*p] = 1;
	}
	/* Classes: each byte used in a literal (and its upper case) gets
	 * one; everything else shares class 0. */
	pf->nclasses = 1;
	for (c = 0; c < 256; c++) {
		if (!used[tolower((int)c)] || (c != (size_t)tolower((int)c)))
			continue;
		pf->cls[c] = (unsigned char)pf->nclasses;
		if (toupper((int)c) != (int)c)
			pf->cls[toupper((int)c)] = (unsigned char)pf->nclasses;
		pf->nclasses++;
		if (pf->nclasses >= 255) {
			/* Bytes past the table would be missed: pass all. */
			pf->disabled = 1;
			break;
		}
	}
	cap = total;
	goto_ = xmalloc(cap * pf->nclasses * sizeof(*goto_));
	memset(goto_, 0xff, cap * pf->nclasses * sizeof(*goto_));
	pf->out = xcalloc(cap, sizeof(*pf->out));
	pf->out_next = xcalloc(b->n ? b->n : 1, sizeof(*pf->out_next));
	pf->nstates = 1;
	for (i = 0; i < b->n; i++) {
		const unsigned char *p = (const unsigned char *)b->lits[i];
		int32_t st = 0;

		for (; *p; p++) {
			int32_t *t = &goto_[(size_t)st * pf->nclasses +
					    pf->cls[*p]];

			if (*t < 0)
				*t = (int32_t)pf->nstates++;
			st = *t;
		}
		pf->out_next[i] = pf->out[st];
		pf->out[st] = (uint32_t)i + 1;
	}
	fail = xcalloc(pf->nstates, sizeof(*fail));
	queue = xmalloc(pf->nstates * sizeof(*queue));
	pf->out_link = xmalloc(pf->nstates * sizeof(*pf->out_link));
	pf->out_link[0] = -1;
	for (c = 0; c < pf->nclasses; c++) {
		int32_t t = goto_[c];

		if (t < 0) {
			goto_[c] = 0;
		} else if (t > 0) {
			fail[t] = 0;
			pf->out_link[t] = -1;
			queue[qt++] = t;
		}
	}
	/* Class 0 is "no literal byte": it always returns to the root. */
	while (qh < qt) {
		s = (size_t)queue[qh++];
		for (c = 0; c < pf->nclasses; c++) {
			int32_t t = goto_[s * pf->nclasses + c];
			int32_t f = goto_[(size_t)fail[s] * pf->nclasses + c];

			if (t < 0) {
				goto_[s * pf->nclasses + c] = f;
				continue;
			}
			fail[t] = f;
			pf->out_link[t] = pf->out[f] ? f : pf->out_link[f];
			queue[qt++] = t;
		}
	}
	/*
	 * Mark transitions into states that end a literal with the sign bit,
	 * so the scan loop tests the value it already loaded.
	 */
	/* Rows are stored premultiplied (state x classes): no multiply in
	 * the scan loop. */
	if (pf->nstates * pf->nclasses >= 0x7fffffffu)
		pf->disabled = 1;
	for (s = 0; s < pf->nstates * pf->nclasses && !pf->disabled; s++) {
		int32_t t = goto_[s];
		uint32_t off = (uint32_t)t * (uint32_t)pf->nclasses;

		if (pf->out[t] || pf->out_link[t] >= 0)
			off |= 0x80000000u;
		goto_[s] = (int32_t)off;
	}
	pf->next = goto_;
	pf->nlits = b->n;
	free(fail);
	free(queue);
}

/*
 * The same literals for the Hyperscan API, caseless, each under its id.
 * Where the compile fails (an old CPU, say) the automaton does the block
 * scans instead: the results are the same.
 */
static void hs_build(struct prefilter *pf, const struct pf_builder *b)
{
#ifdef HAVE_HYPERSCAN
	unsigned *flags, *ids;
	size_t *lens, i;
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;

	if (!b->n || pf->disabled || getenv("KTRIAGE_NO_HYPERSCAN"))
		return;
	flags = xmalloc(b->n * sizeof(*flags));
	ids = xmalloc(b->n * sizeof(*ids));
	lens = xmalloc(b->n * sizeof(*lens));
	for (i = 0; i < b->n; i++) {
		flags[i] = HS_FLAG_CASELESS;
		ids[i] = (unsigned)i;
		lens[i] = strlen(b->lits[i]);
	}
	if (hs_compile_lit_multi((const char *const *)b->lits, flags, ids,
				 lens, (unsigned)b->n, HS_MODE_BLOCK, NULL, &db,
				 &err) == HS_SUCCESS) {
		const char *v = hs_version();

		pf->hs_db = db;
		snprintf(pf->engine, sizeof(pf->engine), "hyperscan-api %.*s",
			 (int)strcspn(v, " "), v);
	} else {
		hs_free_compile_error(err);
	}
	free(flags);
	free(ids);
	free(lens);
#else
	(void)pf;
	(void)b;
#endif
}

/* For each literal, the rules whose filters name it (per target). */
static void index_rules(struct prefilter *pf)
{
	size_t t, r, a, k;

	for (t = 0; t < 2; t++) {
		pf->lit_rules[t] = xcalloc(pf->nlits ? pf->nlits : 1,
					   sizeof(*pf->lit_rules[t]));
		pf->nlit_rules[t] = xcalloc(pf->nlits ? pf->nlits : 1,
					    sizeof(*pf->nlit_rules[t]));
		for (r = 0; r < pf->nrules; r++) {
			const struct pf_filter *f = &pf->filters[2 * r + t];

			for (a = 0; a < f->nalts; a++) {
				const struct pf_cnf *c = &f->alts[a];
				size_t total = c->nsets ? c->ends[c->nsets - 1]
						       : 0;

				for (k = 0; k < total; k++) {
					uint32_t id = c->ids[k];
					size_t n = pf->nlit_rules[t][id];

					if (n && pf->lit_rules[t][id][n - 1] ==
					    (uint32_t)r)
						continue;	/* in order */
					pf->lit_rules[t][id] = xrealloc(
						pf->lit_rules[t][id],
						(n + 1) * sizeof(uint32_t));
					pf->lit_rules[t][id][n] = (uint32_t)r;
					pf->nlit_rules[t][id] = n + 1;
				}
			}
		}
	}
}

const uint32_t *prefilter_literal_rules(const struct prefilter *pf,
					uint32_t lit, enum target t,
					size_t *n)
{
	size_t i = t == TARGET_LOG;

	if (!pf || lit >= pf->nlits || (t != TARGET_TEXT && t != TARGET_LOG)) {
		*n = 0;
		return NULL;
	}
	*n = pf->nlit_rules[i][lit];
	return pf->lit_rules[i][lit];
}

struct prefilter *prefilter_build(const struct ruleset *rs)
{
	struct prefilter *pf = xcalloc(1, sizeof(*pf));
	struct pf_builder b = { NULL, 0, 0 };
	size_t i;

	pf->nrules = rs->n;
	pf->filters = xcalloc(rs->n ? rs->n * 2 : 1, sizeof(*pf->filters));
	for (i = 0; i < rs->n; i++) {
		rule_filter(&rs->rules[i], TARGET_TEXT, &pf->filters[2 * i],
			    &b);
		rule_filter(&rs->rules[i], TARGET_LOG, &pf->filters[2 * i + 1],
			    &b);
	}
	build_automaton(pf, &b);
	index_rules(pf);
	snprintf(pf->engine, sizeof(pf->engine), "aho-corasick");
	hs_build(pf, &b);
	for (i = 0; i < b.n; i++)
		free(b.lits[i]);
	free(b.lits);
	return pf;
}

void prefilter_free(struct prefilter *pf)
{
	size_t i;

	if (!pf)
		return;
	for (i = 0; i < pf->nrules * 2; i++) {
		size_t k;

		for (k = 0; k < pf->filters[i].nalts; k++) {
			free(pf->filters[i].alts[k].ids);
			free(pf->filters[i].alts[k].ends);
		}
		free(pf->filters[i].alts);
	}
	for (i = 0; i < 2; i++) {
		size_t k;

		for (k = 0; pf->lit_rules[i] && k < pf->nlits; k++)
			free(pf->lit_rules[i][k]);
		free(pf->lit_rules[i]);
		free(pf->nlit_rules[i]);
	}
	free(pf->filters);
	free(pf->next);
	free(pf->out);
	free(pf->out_next);
	free(pf->out_link);
#ifdef HAVE_HYPERSCAN
	hs_free_database(pf->hs_db);
#endif
	free(pf);
}

static void mark(const struct prefilter *pf, int32_t st, uint64_t *found)
{
	for (; st >= 0; st = pf->out_link[st]) {
		uint32_t o;

		for (o = pf->out[st]; o; o = pf->out_next[o - 1])
			found[(o - 1) / 64] |= (uint64_t)1 << ((o - 1) % 64);
	}
}

void prefilter_scan(const struct prefilter *pf, const char *p, size_t n,
		    uint64_t *found)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	const int32_t *next = pf->next;
	const unsigned char *cls = pf->cls;
	size_t k = pf->nclasses;
	int32_t st = 0;

	memset(found, 0, prefilter_words(pf) * sizeof(*found));
	if (pf->disabled)
		return;
	for (; s < end; s++) {
		st = next[st + cls[*s]];
		if (st < 0) {
			st &= 0x7fffffff;
			mark(pf, (int32_t)((size_t)st / k), found);
		}
	}
}

/* ---- block scans ---- */

void prefilter_block_init(const struct prefilter *pf, struct pf_block *b)
{
	memset(b, 0, sizeof(*b));
#ifdef HAVE_HYPERSCAN
	if (pf && pf->hs_db) {
		hs_scratch_t *sc = NULL;

		if (hs_alloc_scratch(pf->hs_db, &sc) == HS_SUCCESS)
			b->scratch = sc;
	}
#else
	(void)pf;
#endif
}

void prefilter_block_free(struct pf_block *b)
{
#ifdef HAVE_HYPERSCAN
	hs_free_scratch(b->scratch);
#endif
	free(b->hits);
	memset(b, 0, sizeof(*b));
}

#ifdef HAVE_HYPERSCAN
static int add_hit(struct pf_block *b, size_t end, uint32_t id)
{
	if (b->nhits >= PF_MAX_HITS) {
		b->full = 1;
		return 1;
	}
	if (b->nhits == b->cap)
		b->hits = xgrow(b->hits, &b->cap, b->nhits + 1,
				sizeof(*b->hits));
	b->hits[b->nhits].end = (uint32_t)end;
	b->hits[b->nhits].id = id;
	b->nhits++;
	return 0;
}

static int on_hs_match(unsigned id, unsigned long long from,
		       unsigned long long to, unsigned flags, void *ctx)
{
	(void)from;
	(void)flags;
	return add_hit(ctx, (size_t)to, id);
}
#endif

static int hit_cmp(const void *a, const void *b)
{
	const struct pf_hit *x = a, *y = b;

	return x->end < y->end ? -1 : x->end > y->end;
}

/* Record the literals that end at state offset st, at end. */
static void ac_hits(const struct prefilter *pf, struct pf_hit **v, size_t *nv,
		    size_t *cap, int32_t st, size_t end, int *full)
{
	int32_t t;

	for (t = (int32_t)((size_t)st / pf->nclasses); t >= 0;
	     t = pf->out_link[t]) {
		uint32_t o;

		for (o = pf->out[t]; o; o = pf->out_next[o - 1]) {
			if (*nv >= PF_MAX_HITS) {
				*full = 1;
				return;
			}
			if (*nv == *cap)
				*v = xgrow(*v, cap, *nv + 1, sizeof(**v));
			(*v)[*nv].end = (uint32_t)end;
			(*v)[*nv].id = o - 1;
			(*nv)++;
		}
	}
}

/*
 * The automaton over a block, as two independent runs over its halves
 * (split at a newline) in one loop: each step waits on a table load, and
 * two chains of loads overlap where one cannot.
 */
static void ac_block(const struct prefilter *pf, struct pf_block *b,
		     const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	const int32_t *next = pf->next;
	const unsigned char *cls = pf->cls;
	const char *nl = n > 4096 ? memchr(p + n / 2, '\n', n - n / 2) : NULL;
	size_t mid = nl ? (size_t)(nl - p) : n, i, j, len;
	struct pf_hit *v2 = NULL;
	size_t n2 = 0, cap2 = 0;
	int32_t st = 0, st2 = 0;
	int full = 0;

	len = mid < n - mid ? mid : n - mid;
	for (i = 0, j = mid; i < len && !full; i++, j++) {
		st = next[st + cls[s[i]]];
		st2 = next[st2 + cls[s[j]]];
		if (st < 0) {
			st &= 0x7fffffff;
			ac_hits(pf, &b->hits, &b->nhits, &b->cap, st, i + 1,
				&full);
		}
		if (st2 < 0) {
			st2 &= 0x7fffffff;
			ac_hits(pf, &v2, &n2, &cap2, st2, j + 1, &full);
		}
	}
	for (; i < mid && !full; i++) {
		st = next[st + cls[s[i]]];
		if (st < 0) {
			st &= 0x7fffffff;
			ac_hits(pf, &b->hits, &b->nhits, &b->cap, st, i + 1,
				&full);
		}
	}
	for (; j < n && !full; j++) {
		st2 = next[st2 + cls[s[j]]];
		if (st2 < 0) {
			st2 &= 0x7fffffff;
			ac_hits(pf, &v2, &n2, &cap2, st2, j + 1, &full);
		}
	}
	if (!full && b->nhits + n2 > PF_MAX_HITS)
		full = 1;
	if (!full && n2) {
		b->hits = xgrow(b->hits, &b->cap, b->nhits + n2,
				sizeof(*b->hits));
		memcpy(b->hits + b->nhits, v2, n2 * sizeof(*v2));
		b->nhits += n2;
	}
	free(v2);
	if (full)
		b->full = 1;
}

void prefilter_block_scan(const struct prefilter *pf, struct pf_block *b,
			  const char *p, size_t n, unsigned long gen)
{
	size_t i;

	b->base = p;
	b->n = n;
	b->gen = gen;
	b->nhits = b->next = 0;
	b->full = 0;
	if (!pf || pf->disabled || n > UINT32_MAX) {
		b->full = 1;
		return;
	}
#ifdef HAVE_HYPERSCAN
	if (pf->hs_db && b->scratch) {
		if (hs_scan(pf->hs_db, p, (unsigned)n, 0, b->scratch,
			    on_hs_match, b) != HS_SUCCESS && !b->full)
			b->full = 1;
		goto sort;
	}
#endif
	ac_block(pf, b, p, n);
#ifdef HAVE_HYPERSCAN
sort:
#endif
	for (i = 1; i < b->nhits; i++)
		if (b->hits[i].end < b->hits[i - 1].end) {
			qsort(b->hits, b->nhits, sizeof(*b->hits), hit_cmp);
			break;
		}
}

int prefilter_any(const struct prefilter *pf, const uint64_t *found)
{
	size_t i, n = prefilter_words(pf);

	for (i = 0; i < n; i++)
		if (found[i])
			return 1;
	return 0;
}

int prefilter_block_line(const struct prefilter *pf, struct pf_block *b,
			 const char *p, size_t n, uint64_t *found, int clear)
{
	size_t lo = (size_t)(p - b->base), hi = lo + n;
	int any = 0;

	if (b->full) {
		prefilter_scan(pf, p, n, found);
		return prefilter_any(pf, found);
	}
	if (clear)
		memset(found, 0, prefilter_words(pf) * sizeof(*found));
	/* A line before the last one asked for: start over. */
	if (b->next && b->hits[b->next - 1].end > lo)
		b->next = 0;
	while (b->next < b->nhits && b->hits[b->next].end <= lo)
		b->next++;
	for (; b->next < b->nhits && b->hits[b->next].end <= hi; b->next++) {
		uint32_t id = b->hits[b->next].id;

		found[id / 64] |= (uint64_t)1 << (id % 64);
		any = 1;
	}
	return any;
}

const char *prefilter_engine(const struct prefilter *pf)
{
	return pf ? pf->engine : "none";
}

const char *prefilter_backend(void)
{
#ifdef HAVE_HYPERSCAN
	static char name[64];

	if (!name[0]) {
		const char *v = hs_version();

		snprintf(name, sizeof(name), "hyperscan-api %.*s",
			 (int)strcspn(v, " "), v);
	}
	return name;
#else
	return "aho-corasick";
#endif
}

static int has(const uint64_t *found, uint32_t id)
{
	return (found[id / 64] >> (id % 64)) & 1;
}

int prefilter_candidate(const struct prefilter *pf, size_t rule,
			enum target t, const uint64_t *found)
{
	const struct pf_filter *f;
	size_t a, k, i;

	if (!pf || pf->disabled || (t != TARGET_TEXT && t != TARGET_LOG) ||
	    rule >= pf->nrules)
		return 1;
	f = &pf->filters[2 * rule + (t == TARGET_LOG)];
	if (f->all)
		return 1;
	for (a = 0; a < f->nalts; a++) {
		const struct pf_cnf *c = &f->alts[a];
		size_t from = 0;
		int ok = 1;

		for (k = 0; k < c->nsets && ok; k++) {
			ok = 0;
			for (i = from; i < c->ends[k] && !ok; i++)
				ok = has(found, c->ids[i]);
			from = c->ends[k];
		}
		if (ok)
			return 1;
	}
	return 0;
}

int prefilter_has_literal(const struct prefilter *pf, size_t rule,
			  enum target t)
{
	if (!pf || rule >= pf->nrules)
		return 0;
	return !pf->filters[2 * rule + (t == TARGET_LOG)].all;
}

size_t prefilter_literals(const struct prefilter *pf)
{
	return pf ? pf->nlits : 0;
}
