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
#include "sweepkit/sweep.h"

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
                                   few waves: under two a side), 4 not
                                   tested (repeats: under two runs a
                                   side) */
    /* Repeats (sk_compare_repeats()): the runs behind each mean and their
     * coefficient of variation; 0 and NaN otherwise. */
    size_t runs_baseline, runs_candidate;
    double cv_baseline, cv_candidate;
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
 * foreign.h), else a summary.  A directory holding several sweepkit
 * runs of one configuration (runset.h's sk_runset_config()) is a side of
 * repeats: both sides are then compared by sk_compare_repeats() (a
 * single run on the other side counts as one repeat).  Returns 0 and
 * *out (free with sk_compare_free()), or the loaders' errors, SK_EINVAL
 * (a directory of runs of different configurations), SK_ENODATA ("no
 * level in common: baseline 1, 2, 4; candidate 8, 16").
 */
int sk_compare_runs(sk_compare **out, const char *baseline,
                    const char *candidate, const sk_compare_opts *opts);
void sk_compare_free(sk_compare *c);

/* 1 when `c` compares repeats (sk_compare_repeats()), else 0. */
int sk_compare_is_repeats(const sk_compare *c);

/*
 * Repeats: runs of one configuration combined level by level.  For each
 * metric, the mean over the runs of the run's value, its sample standard
 * deviation, the t-interval of the mean (Student's t with n - 1 degrees
 * of freedom at `confidence`; NaN with fewer than two values) and the
 * coefficient of variation (sd / mean).  n counts the runs with a value.
 */
struct sk_repeat_stat {
    size_t n;
    double mean, sd, lo, hi, cv;
};

struct sk_repeat_level {
    double concurrency;
    struct sk_repeat_stat m[SK_CMP_NMETRICS];
};

/*
 * Combine the `n` summaries `runs` (n >= 1) at the levels every one has:
 * *out (free()) holds *nlevels levels by concurrency.  The metrics are
 * the comparison's: throughput (sweep.h's sk_sweep_default_y()),
 * avg_ttft_s, p90_ttft_s, avg_query_tokens_per_s.  Returns 0, SK_ENODATA
 * ("no level in common"), SK_ENOMEM.  Pure.
 */
int sk_repeats_combine(struct sk_repeat_level **out, size_t *nlevels,
                       const sk_sweep *const *runs, size_t n,
                       double confidence);

/*
 * Compare the repeats `base[0..nb)` with `cand[0..nc)`: per common level
 * and metric, the means' relative change, the Welch interval of the
 * difference of the means over the baseline mean, Welch's t-test and the
 * Holm correction across every row (each metric a test of its own), as
 * sk_compare_runs() gives for single runs; verdict 4 with fewer than two
 * runs a side.  Returns 0 and *out, SK_ENODATA (no level in common),
 * SK_ENOMEM.
 */
int sk_compare_repeats(sk_compare **out, const sk_sweep *const *base,
                       size_t nb, const sk_sweep *const *cand, size_t nc,
                       const sk_compare_opts *opts);

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
