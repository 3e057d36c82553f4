/*
 * Ranking, the last stage before the report. See docs/ranking.md: each
 * factor is a number from 0 to 1, the score is their weighted sum times
 * 100, and a resolved finding keeps a third of its score.
 */
#include "rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Weights of the factors; they add up to 1. */
#define W_SEVERITY 0.45
#define W_CONFIDENCE 0.15
#define W_DEPTH 0.15
#define W_RECENCY 0.10
#define W_PERSISTENCE 0.15

static double depth_factor(const struct finding *f, const struct graph *g)
{
	const struct gnode *n;

	if (!g || f->node < 0)
		return 0.5;
	n = &g->v[f->node];
	/* Issuers, Challenges and solvers are where causes live. */
	if (n->kind && (!strcmp(n->kind, "Issuer") ||
			!strcmp(n->kind, "ClusterIssuer")))
		return 1.0;
	switch (n->level) {
	case 0: return 0.25;	/* Certificate */
	case 1: return 0.5;	/* CertificateRequest */
	case 2: return 0.75;	/* Order */
	case 3: return 1.0;	/* Challenge */
	case 4: return 1.0;	/* solver Pod, Service, Ingress */
	default: return 0.5;
	}
}

static double recency_factor(const struct finding *f, int64_t now_ms)
{
	double age_h;

	if (f->last_seen_ms == INT64_MIN || now_ms == INT64_MIN)
		return 0.5;
	age_h = (double)(now_ms - f->last_seen_ms) / 3.6e6;
	if (age_h < 0)
		age_h = 0;
	/* Half weight after six hours, a quarter after twelve. */
	return pow(0.5, age_h / 6.0);
}

static double persistence_factor(const struct finding *f)
{
	double c = fmin(1.0, log10((double)f->count + 1.0) / 2.0);
	double s = f->span_s > 0 ? fmin(1.0, (double)f->span_s / 3600.0) : 0;

	return fmax(c, s);
}

double rank_score(struct finding *f, const struct graph *g, int64_t now_ms)
{
	static const double sev[SEV_COUNT] = { 0.05, 0.25, 0.5, 0.75, 1.0 };
	double s;

	f->factors[0] = sev[f->severity];
	f->factors[1] = f->rule->confidence;
	f->factors[2] = depth_factor(f, g);
	f->factors[3] = recency_factor(f, now_ms);
	f->factors[4] = persistence_factor(f);
	f->factors[5] = f->resolved ? 1.0 / 3.0 : 1.0;
	s = W_SEVERITY * f->factors[0] + W_CONFIDENCE * f->factors[1] +
	    W_DEPTH * f->factors[2] + W_RECENCY * f->factors[3] +
	    W_PERSISTENCE * f->factors[4];
	s *= 100.0 * f->factors[5];
	return round(s * 10.0) / 10.0;
}

static int cmp_findings(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	int c;

	/* Echoes after causes, whatever their score. */
	if (a->suppressed != b->suppressed)
		return a->suppressed ? 1 : -1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = strcmp(a->rule->id, b->rule->id);
	if (c)
		return c;
	return strcmp(a->key, b->key);
}

void rank_findings(struct findings *fs, const struct graph *g, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		fs->v[i]->score = rank_score(fs->v[i], g, now_ms);
	if (fs->n > 1)	/* fs->v is NULL when there are none */
		qsort(fs->v, fs->n, sizeof(*fs->v), cmp_findings);
	for (i = 0; i < fs->n; i++)
		fs->v[i]->rank = i + 1;
}
