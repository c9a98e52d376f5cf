/*
 * Descriptive statistics of per-query columns, grouped by key columns.
 *
 * Definitions (docs/metrics.md, docs/stats.md):
 * - percentile: linear interpolation between closest ranks.  For sorted
 *   x[0..n-1] and p in [0, 100], h = (n - 1) p / 100 and the value is
 *   x[floor h] + (h - floor h) (x[ceil h] - x[floor h]): numpy's default
 *   percentile and GSL's gsl_stats_quantile_from_sorted_data.
 * - standard deviation: the sample one, sqrt(sum (x - mean)^2 / (n - 1));
 *   undefined (NaN) for n < 2.
 *
 * Ownership: a `**out` argument receives an object the caller owns and
 * frees with the matching _free; strings an accessor returns are borrowed
 * from their parent object and live as long as it does.
 * Thread-safety: every function is reentrant; an sk_stats_groups may be
 * used by one thread at a time.  The GSL functions called here
 * (gsl_stats_mean, gsl_stats_sd_m, where a sum overflows) have no status
 * and never call GSL's error handler.
 */
#ifndef SWEEPKIT_STATS_H
#define SWEEPKIT_STATS_H

#include "sweepkit/format.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Default cap on the numeric values one load keeps, over all groups and
 * fields (2^28 values = 2 GiB); past it a load fails with SK_ELIMIT. */
#define SK_STATS_MAX_VALUES ((size_t)1 << 28)
/* Default cap on the number of groups of one load. */
#define SK_STATS_MAX_GROUPS ((size_t)1 << 24)

/* Flags for sk_stats_opts.flags. */
enum {
    SK_STATS_NO_GROUP = 1 << 0 /* one group "all", whatever `by` says */
};

/*
 * What a grouped load keeps.  Zero-initialise, then set what you need.
 * by/nby: key columns (NULL/0: `concurrency` when the header has it, else
 * no grouping).  fields/nfields: numeric columns to collect (NULL/0: those
 * of ttft_s, tokens_per_s, decode_tokens_per_s, duration_s, output_tokens
 * that the header has, in that order).  A column named twice in one list
 * is an error.
 */
typedef struct {
    const char *const *by;
    size_t nby;
    const char *const *fields;
    size_t nfields;
    unsigned flags;
    size_t max_values; /* 0: SK_STATS_MAX_VALUES */
    size_t max_groups; /* 0: SK_STATS_MAX_GROUPS */
    unsigned threads;  /* > 1: a file parsed on this many threads
                          (table.h), the result the same bit for bit */
} sk_stats_opts;

/* A descriptive summary of one sample.  Every double is NaN when it is
 * undefined: all of them for count == 0, sd for count == 1. */
struct sk_stats_summary {
    size_t count;   /* values summarised */
    size_t missing; /* empty cells (grouped summaries; 0 otherwise) */
    double mean;    /* arithmetic mean (GSL gsl_stats_mean) */
    double sd;      /* sample standard deviation, n - 1 denominator */
    double min;
    double max;
};

/* Grouped columns loaded from a CSV; opaque. */
typedef struct sk_stats_groups sk_stats_groups;

/*
 * The p-th percentile (p in [0, 100]) of `sorted[0..n)`, which must be in
 * ascending order and finite, by linear interpolation between closest
 * ranks (see the top of this file).  p = 0 gives the minimum, p = 100 the
 * maximum.
 * Returns 0 and sets *out; SK_EINVAL when p is outside [0, 100] (or NaN);
 * SK_ENODATA when n == 0.  Pure.
 */
int sk_stats_percentile(double *out, const double *sorted, size_t n, double p);

/*
 * The t-interval of a mean: mean -/+ t * sd / sqrt(n), t Student's
 * quantile at (1 + confidence) / 2 with n - 1 degrees of freedom (GSL).
 * *lo = *hi = NaN when n < 2 or sd is not finite.  Pure.
 */
void sk_stats_t_interval(double *lo, double *hi, double mean, double sd,
                         size_t n, double confidence);

/* The default confidence of percentile intervals. */
#define SK_STATS_CONFIDENCE 0.95

/*
 * A distribution-free confidence interval for the q-quantile (q in
 * (0, 1)) of a sample of n: the order statistics X(l) and X(u) (1-based
 * ranks, l < u) such that the number B ~ Binomial(n, q) of values below
 * the true quantile satisfies P(l <= B < u) >= `confidence`.  Of the rank
 * pairs that do, the one with the fewest ranks between them (then the
 * smaller coverage, then the more even tails): the shortest exact
 * interval, whose coverage stays close to the level asked (docs/metrics.md,
 * "Percentile intervals").  *coverage is its exact coverage.
 * Returns 0; SK_ENODATA ("too small a sample ...") when no such pair
 * exists within 1..n (p99 from 100 values); SK_EINVAL for q or confidence
 * outside (0, 1).  Pure; thread-safe.
 */
int sk_stats_quantile_ranks(size_t *l, size_t *u, double *coverage, size_t n,
                            double q, double confidence);

/*
 * The interval of sk_stats_quantile_ranks() for the p-th percentile (p in
 * (0, 100)) of `sorted[0..n)` (ascending, finite): *lo = X(l), *hi = X(u).
 * Returns sk_stats_quantile_ranks()'s codes.
 */
int sk_stats_percentile_ci(double *lo, double *hi, const double *sorted,
                           size_t n, double p, double confidence);

/*
 * Summarise `values[0..n)` (finite): count, mean, sample sd, min, max, and
 * pct[i] = the p[i]-th percentile for i < np.  Sorts `values` in place
 * (ascending): the caller supplies the storage.  n == 0 is not an error:
 * count 0, every statistic and pct[i] NaN.
 * Returns 0; SK_EINVAL for a p[i] outside [0, 100] or a value that is not
 * finite; SK_ENOMEM when the sort's scratch (n doubles, n >= 64) cannot be
 * allocated.  On failure nothing is written to *out or pct.
 */
int sk_stats_summarize(struct sk_stats_summary *out, double *pct,
                       double *values, size_t n, const double *p, size_t np);

/*
 * Read the CSV at `path` ("-" = standard input) once, grouping its rows by
 * the key columns and keeping the chosen fields' values per group.  Key
 * text is compared exactly; groups are ordered by key, part by part:
 * numbers (sk_num_parse(), NaN excluded) by value before text, text by
 * bytes, equal numbers ("1", "1.0") by bytes.  A key column called
 * `concurrency` holds levels: each of its cells must be a number > 0, as
 * every sweep reader requires (sk_num_level()).  An empty cell in a chosen
 * field is counted as missing; any other cell must be a finite number.
 * `opts` may be NULL for the defaults.
 *
 * Returns 0 and sets *out (free with sk_stats_groups_free()), or:
 * SK_ENOTFOUND for a column the header lacks (the message lists the
 * available ones), SK_EINVAL for a column named twice, SK_EPARSE for a cell
 * that is not a finite number ("FILE:LINE: column 'ttft_s': 'abc' is not a
 * finite number"), a level that is not a number > 0 ("FILE:LINE:
 * concurrency must be a number > 0, got '0'") or malformed CSV, SK_ENODATA for a file without a header,
 * SK_ELIMIT past a cap, SK_EIO, SK_ENOMEM.  *out is NULL on failure.
 * A header with no data rows gives zero groups.
 */
int sk_stats_groups_from_file(sk_stats_groups **out, const char *path,
                              const sk_stats_opts *opts);

/* As sk_stats_groups_from_file() over `len` bytes of `buf`; `name` is used
 * in messages. */
int sk_stats_groups_from_buffer(sk_stats_groups **out, const char *name,
                                const char *buf, size_t len,
                                const sk_stats_opts *opts);

/* Accepts NULL. */
void sk_stats_groups_free(sk_stats_groups *g);

/* Number of groups. */
size_t sk_stats_groups_count(const sk_stats_groups *g);

/* Number of key columns: 0 when the rows are not grouped (one group,
 * called "all", when there is at least one data row). */
size_t sk_stats_groups_nkeys(const sk_stats_groups *g);

/* Name of key column k < nkeys.  Borrowed. */
const char *sk_stats_groups_key_name(const sk_stats_groups *g, size_t k);

/* Text of key column k of group i (exactly as in the file).  Borrowed. */
const char *sk_stats_groups_key(const sk_stats_groups *g, size_t i, size_t k);

/* The 1-based line on which group i's first row starts: for messages
 * about the group ("per_query.csv:14: ..."). */
size_t sk_stats_groups_line(const sk_stats_groups *g, size_t i);

/* Number of fields kept, and the name of field f.  Borrowed. */
size_t sk_stats_groups_nfields(const sk_stats_groups *g);
const char *sk_stats_groups_field_name(const sk_stats_groups *g, size_t f);

/*
 * Summarise field f of group i as sk_stats_summarize() does, with
 * out->missing set to the empty cells counted.  Sorts that group's values
 * in place (later calls see them sorted).
 * Returns 0, SK_EINVAL for a p[k] outside [0, 100], or SK_ENOMEM.
 */
int sk_stats_groups_summarize(struct sk_stats_summary *out, double *pct,
                              sk_stats_groups *g, size_t i, size_t f,
                              const double *p, size_t np);

/*
 * The interval of sk_stats_percentile_ci() for group i's field f, after
 * sk_stats_groups_summarize() of it (which sorts its values).  `g` keeps
 * the ranks of the last intervals asked for, which depend on the count,
 * p and the confidence only: the fields of a group cost one search.
 */
int sk_stats_groups_percentile_ci(double *lo, double *hi,
                                  sk_stats_groups *g, size_t i,
                                  size_t f, double p, double confidence);

/*
 * Write the stats report of `g` to `fp` in `fmt` (docs/stats.md): one row
 * per (group, field), group-major, with the key columns ("group" = "all"
 * when ungrouped), field, count, missing, mean, stddev, min, max and one
 * column "p<P>" per p[k], k < np; with `confidence` in (0, 1) (0: none),
 * then "p<P>_lo" and "p<P>_hi" per p[k] (sk_stats_percentile_ci(), empty
 * where the sample is too small for one) and "flags": the percentiles
 * from too few values for an interval ("p99 from 16 values"), and "single
 * wave" for a level whose values are no more than its concurrency.  Statistics print as %.6f in the table
 * and Markdown ("-" when undefined), as the shortest round trip in CSV
 * (empty when undefined) and JSON (null when undefined or infinite).
 * JSON is an object: the members of `head` (the provenance keys; NULL:
 * none), then "results", one object per row.  Each
 * group's values are sorted in place (sk_stats_groups_summarize()).
 * Flushes `fp`.
 * Returns 0; SK_EINVAL for a p[k] outside [0, 100]; SK_ENOMEM; SK_EIO
 * ("writing the output failed") when a write to `fp` fails.  Whatever
 * was written before a failure stays written.
 */
int sk_stats_write(FILE *fp, sk_stats_groups *g, const double *p, size_t np,
                   double confidence, sk_format fmt, const json_t *head);

#endif
