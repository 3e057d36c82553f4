/*
 * Ranking, the last stage before the report. For now the order is
 * severity, then how often the problem was seen, then rule id and
 * resource; the score shown to users folds severity, the rule's confidence
 * and repetition into one number from 0 to 100. Later stages add the depth
 * in the resource chain and recency (docs/ranking.md).
 */
#include "rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double rank_score(const struct finding *f)
{
	static const double base[SEV_COUNT] = { 10, 30, 50, 70, 85 };
	double s = base[f->severity] + 10.0 * f->rule->confidence;

	/* Repetition adds at most 5 points: 1 hit 0, 10 hits 2.5, 100+ 5. */
	s += fmin(5.0, 2.5 * log10((double)f->count));
	return fmin(100.0, round(s * 10.0) / 10.0);
}

static int cmp_findings(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	c = strcmp(a->rule->id, b->rule->id);
	if (c)
		return c;
	return strcmp(a->key, b->key);
}

void rank_findings(struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		fs->v[i]->score = rank_score(fs->v[i]);
	qsort(fs->v, fs->n, sizeof(*fs->v), cmp_findings);
	for (i = 0; i < fs->n; i++)
		fs->v[i]->rank = i + 1;
}
