/*
 * Ranking: gives each finding a score from 0 to 100 and a rank, most
 * likely root cause first. The score folds severity, the rule's
 * confidence, where the object sits in its chain (causes below symptoms),
 * how recent and how persistent the problem is, and whether it is already
 * resolved; docs/ranking.md gives the formula. The order is total and
 * deterministic (ties break on severity, count, rule id, then object).
 */
#ifndef KTRIAGE_RANK_H
#define KTRIAGE_RANK_H

#include "chain.h"
#include "findings.h"

/*
 * Score and sort fs->v in place; ranks start at 1. g may be NULL (no
 * chain known); now_ms is the bundle's time or INT64_MIN.
 */
void rank_findings(struct findings *fs, const struct graph *g, int64_t now_ms);

/* The score of one finding, filling f->factors. */
double rank_score(struct finding *f, const struct graph *g, int64_t now_ms);

#endif
