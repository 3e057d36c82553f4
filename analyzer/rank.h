/*
 * Ranking: gives each finding a score and a rank, most likely root cause
 * first. The order is total and deterministic (ties break on rule id, then
 * on the aggregation key), so reports are reproducible.
 */
#ifndef KTRIAGE_RANK_H
#define KTRIAGE_RANK_H

#include "findings.h"

/* Score and sort fs->v in place; ranks start at 1. */
void rank_findings(struct findings *fs);

/* The score of one finding (severity, confidence, repetition). */
double rank_score(const struct finding *f);

#endif
