/*
 * The chart of a comparison (`sweepkit compare --chart`, docs/compare.md)
 * on the general chart model (chart.h): both runs' values per level and
 * each level's change with its interval, all taken from the comparison's
 * rows (compare.h).  No analysis happens here.
 *
 * Ownership: sk_chart_compare_new() returns a chart freed by
 * sk_chart_free(); the comparison and the names are read during the call
 * only.
 */
#ifndef SWEEPKIT_CHART_COMPARE_H
#define SWEEPKIT_CHART_COMPARE_H

#include "sweepkit/chart.h"
#include "sweepkit/compare.h"

/* The note of a comparison from summaries: its changes have no band. */
#define SK_CHART_COMPARE_NO_INTERVAL                                        \
    "no interval: summaries hold one number per level"

/*
 * Build the chart of comparison `c`, three panels stacked on one log2
 * concurrency axis (key "concurrency", a tick at every level compared):
 *   "throughput"  both runs' throughput, legend "baseline: NAME" and
 *                 "candidate: NAME" (NULL names: the roles alone);
 *   "ttft"        both runs' p90 TTFT (the mean TTFT, with a note, when
 *                 no row has a p90: summaries without the column);
 *   "change"      the change of each of the two, in percent, a line
 *                 through the levels with its interval as a band, and a
 *                 horizontal line at zero.
 * A level where a metric has no value (or no change: a zero baseline) is
 * left out of that metric's lines.  A change without an interval gets
 * the line alone and a note (SK_CHART_COMPARE_NO_INTERVAL for
 * summaries); a metric with no row at all drops its panel and its change
 * line, with a note.
 * Returns 0, SK_ENODATA (neither throughput nor TTFT has a value),
 * SK_ELIMIT or SK_ENOMEM.
 */
int sk_chart_compare_new(sk_chart **out, const sk_compare *c,
                         const char *baseline_name,
                         const char *candidate_name);

#endif
