/*
 * `summarize`: per-query rows to the summary schema (sweep.h), one level
 * per concurrency.  Every number comes from stats.h (mean, percentiles)
 * and metrics.h (throughput); this module only groups and composes.
 *
 * wall_s, throughput and achieved concurrency need each query's start and
 * end: when the per-query file has `start_s` and `end_s`, wall_s = last
 * end - first start, throughput = total output tokens / wall_s and
 * achieved concurrency = the sum of (end - start) / wall_s; without them
 * all three are NaN (written as empty cells), never invented.
 *
 * A row whose `output_tokens` is empty is a failed query (the collector
 * writes failures that way, with the reason in its `error` column): it
 * counts in `queries` and `errors` and in the times above (it held a
 * slot), and in no other statistic.
 *
 * Ownership: *out arrays are the caller's, freed with free().
 */
#ifndef SWEEPKIT_SUMMARIZE_H
#define SWEEPKIT_SUMMARIZE_H

#include <stddef.h>
#include <stdio.h>

struct sk_level {
    double concurrency;
    size_t queries; /* rows at this level */
    size_t errors;  /* of those, failed (output_tokens empty) */
    double wall_s, total_output_tokens, throughput_tokens_per_s;
    double achieved_concurrency; /* time-weighted mean of queries in
                                    flight (metrics.h) */
    double query_tps[4];  /* mean, median, p90, p99 of tokens_per_s */
    double ttft_s[5];     /* mean, median, p90, p95, p99 of ttft_s */
    double decode_tps[3]; /* mean, median, p90 of decode_tokens_per_s */
};

/*
 * Summarise the per-query CSV at `path` (not "-": the header is read
 * first).  *has_times says whether start_s/end_s were there.
 * Returns 0, or the stats loader's errors (unknown column, bad cell with
 * FILE:LINE), SK_EPARSE for a concurrency that is not a number > 0 or one
 * level written two ways ("1" and "1.0"), SK_ENODATA for no rows,
 * SK_EINVAL for "-".
 */
int sk_summarize_file(struct sk_level **out, size_t *nlevels,
                      int *has_times, const char *path);

/* As sk_summarize_file() over a buffer; `name` is used in messages. */
int sk_summarize_buffer(struct sk_level **out, size_t *nlevels,
                        int *has_times, const char *name, const char *buf,
                        size_t len);

/* Most queries sk_summarize_samples() keeps (2^24). */
#define SK_SUMMARIZE_MAX_SAMPLES ((size_t)1 << 24)

/*
 * Every query of the per-query CSV at `path`: its concurrency and
 * tokens_per_s, in file order (NaN for an empty tokens_per_s cell), for
 * charts that draw each query.  *conc and *tps are the caller's, freed
 * with free().  Returns 0, SK_ENOTFOUND (no such file or column), SK_EPARSE
 * ("FILE:LINE: column 'tokens_per_s': 'abc' is not a finite number", a
 * concurrency that is not a number > 0), SK_ENODATA (no queries),
 * SK_ELIMIT (more than SK_SUMMARIZE_MAX_SAMPLES), SK_EIO, SK_ENOMEM; on
 * failure both are NULL.
 */
int sk_summarize_samples(double **conc, double **tps, size_t *n,
                         const char *path);

/* The columns written after the 14 of the schema, in order. */
#define SK_SUMMARIZE_NEXTRA 4
extern const char *const sk_summarize_extra_columns[SK_SUMMARIZE_NEXTRA];

/* Write the summary CSV's header: the 14 schema columns, then errors,
 * p99_ttft_s, p99_query_tokens_per_s, achieved_concurrency, then `nlabels`
 * label names (may be 0).  Check ferror(fp). */
void sk_summarize_write_header(FILE *fp, const char *const *labels,
                               size_t nlabels);

/* Write one level's row to go under that header: numbers with six
 * decimals (concurrency, queries and errors as integers), NaN as an empty
 * cell, then the label values (CSV-quoted when needed). */
void sk_summarize_write_row(FILE *fp, const struct sk_level *level,
                            const char *const *values, size_t nvalues);

/* Header and every level, no labels. */
void sk_summarize_write_csv(FILE *fp, const struct sk_level *levels,
                            size_t nlevels);

#endif
