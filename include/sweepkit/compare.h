/*
 * Two runs compared level by level (`sweepkit compare`, docs/compare.md):
 * for each concurrency both measured and each metric (throughput, mean
 * and p90 TTFT, mean per-query speed), the relative change from the
 * baseline to the candidate with a bootstrap interval over the runs'
 * per-query samples, a Mann-Whitney U p-value, and a verdict after the
 * Holm correction across every level and metric compared.  From
 * summaries alone (one number per level) the change is given with no
 * interval and no verdict.
 *
 * Thread-safety: the functions share no state.
 */
#ifndef SWEEPKIT_COMPARE_H
#define SWEEPKIT_COMPARE_H

#include "sweepkit/format.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

enum sk_compare_metric {
    SK_CMP_THROUGHPUT = 0, /* level throughput, tok/s (higher is better) */
    SK_CMP_TTFT_MEAN,      /* mean TTFT, s (lower is better) */
    SK_CMP_TTFT_P90,       /* p90 TTFT, s (lower is better) */
    SK_CMP_QUERY_TPS,      /* mean per-query tok/s (higher is better) */
    SK_CMP_NMETRICS
};

/* "throughput", "ttft_mean", "ttft_p90", "query_tps"; a static string. */
const char *sk_compare_metric_name(enum sk_compare_metric m);

/* One row: a level and a metric. */
struct sk_compare_row {
    double concurrency;
    enum sk_compare_metric metric;
    double baseline, candidate; /* the runs' values */
    double change;              /* candidate / baseline - 1 */
    double lo, hi;              /* its interval (NaN: none, summaries) */
    double p;                   /* Mann-Whitney U, two-sided (NaN: none) */
    double p_holm;              /* after the Holm correction */
    int verdict;                /* 1 better, -1 worse, 0 no detectable
                                   difference, 2 not tested (summaries:
                                   no per-query data), 3 not tested (too
                                   few waves: under two a side) */
};

typedef struct sk_compare sk_compare;

typedef struct {
    double confidence;  /* of the intervals and the tests; default 0.95 */
    unsigned resamples; /* bootstrap resamples; default 2000 */
    unsigned long long seed; /* of the bootstrap; default 1 */
} sk_compare_opts;

void sk_compare_opts_init(sk_compare_opts *o);

/*
 * Compare run `baseline` with run `candidate`: each a per-query CSV (or
 * another tool's result with per-request rows, or a directory of them,
 * foreign.h), else a summary.  Returns 0 and *out (free with
 * sk_compare_free()), or the loaders' errors, SK_ENODATA ("no level in
 * common: baseline 1, 2, 4; candidate 8, 16").
 */
int sk_compare_runs(sk_compare **out, const char *baseline,
                    const char *candidate, const sk_compare_opts *opts);
void sk_compare_free(sk_compare *c);

size_t sk_compare_rows(const sk_compare *c);
const struct sk_compare_row *sk_compare_row(const sk_compare *c, size_t i);

/* The level of the intervals and tests (sk_compare_opts.confidence,
 * 0.95 by default). */
double sk_compare_confidence(const sk_compare *c);

/*
 * A gate, "METRIC<-5%" or "METRIC>+10%" (--fail-if): trips when some
 * level's change crosses the threshold in that direction and the
 * difference is detectable (its verdict is not 0 or 2).  Parse into
 * *metric, *above (1 for '>') and *threshold (a fraction).  0, or
 * SK_EINVAL with "--fail-if: ..." in sk_error_last().
 */
int sk_compare_gate_parse(enum sk_compare_metric *metric, int *above,
                          double *threshold, const char *text);

/* The first row tripping the gate, or NULL. */
const struct sk_compare_row *sk_compare_gate(const sk_compare *c,
                                             enum sk_compare_metric metric,
                                             int above, double threshold);

/* The first row crossing the gate that could not be tested (verdict 2
 * or 3): a gate cannot trip there, and the caller should say so.  NULL
 * when there is none. */
const struct sk_compare_row *sk_compare_gate_untested(
    const sk_compare *c, enum sk_compare_metric metric, int above,
    double threshold);

/* "better", "worse", "no detectable difference", "not tested (...)". */
const char *sk_compare_verdict_words(int verdict);

/* Write the comparison in `fmt` (table, csv, json with the provenance
 * keys of `head`, markdown).  0 or SK_EIO. */
int sk_compare_write(FILE *fp, const sk_compare *c, sk_format fmt,
                     const json_t *head);

#endif
