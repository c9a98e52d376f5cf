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

#include "sweepkit/format.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <stddef.h>
#include <stdio.h>

struct sk_level {
    double concurrency;
    size_t queries; /* rows at this level */
    size_t errors;  /* of those, failed (output_tokens empty) */
    double wall_s, total_output_tokens, throughput_tokens_per_s;
    double achieved_concurrency; /* time-weighted mean of queries in
                                    flight (metrics.h) */
    double slo_share;       /* queries meeting every SLO / queries, and */
    double goodput_tps;     /* their tokens / wall_s (sk_summarize_goodput;
                               NaN: not computed) */
    double steady_tps;      /* steady-state throughput and its window */
    double steady_window_s; /* (sk_metric_steady_throughput()); NaN:
                               none (one wave, no times) */
    double query_tps[4];  /* mean, median, p90, p99 of tokens_per_s */
    double ttft_s[5];     /* mean, median, p90, p95, p99 of ttft_s */
    double decode_tps[4]; /* mean, median, p90, p99 of
                             decode_tokens_per_s */
    /* The percentiles' intervals (stats.h, sk_stats_percentile_ci()) at
     * `confidence` (the set's; 0: none computed, all NaN): [k][0] the
     * low and [k][1] the high end of query_tps[k + 1], ttft_s[k + 1],
     * decode_tps[k + 1]; NaN when the sample is too small for one. */
    double confidence;
    double query_tps_ci[3][2], ttft_ci[4][2], decode_ci[3][2];
};

/*
 * A per-query file in memory, read once: every query's columns in file
 * order (what charts draw) and its levels (what summaries and the
 * report's percentile table show), for runset.h's runs.
 */
struct sk_queries {
    char *name;         /* the file's name in messages */
    size_t n;           /* queries (data rows) */
    double *concurrency; /* each query's level, a number > 0 */
    /* NaN for an empty cell */
    double *output_tokens, *tokens_per_s, *ttft_s, *decode_tokens_per_s;
    double *start_s, *end_s; /* NULL unless the file has both columns */
    int has_times;           /* it has start_s and end_s */
    /* After sk_summarize_end(), by concurrency: */
    struct sk_level *levels;
    size_t nlevels;
    char **level_key;   /* each level's concurrency as written */
    size_t *level_line; /* the line of each level's first query */
    /* Set before sk_summarize_end(): the confidence of the levels'
     * percentile intervals, in (0, 1); 0 (sk_summarize_begin()'s
     * default): none. */
    double confidence;
    struct sk_queries_load *load; /* private, while loading */
};

/*
 * Loading a per-query file from rows the caller streams, in one read
 * (runset.h tells the file's kind by its header and loads it in the same
 * read).  sk_summarize_begin() makes an empty set called `name`, holding
 * at most `max_queries` queries (0: no cap but stats.h's on values kept);
 * 0 or SK_ENOMEM.  sk_summarize_row() is an sk_row_fn taking it as
 * payload, for the header and then every data row; it fails as
 * sk_summarize_file() does (a missing column, a cell that is not a
 * number with FILE:LINE) and with SK_ELIMIT past `max_queries`.
 * sk_summarize_end() takes the stream's result `rc` and computes the
 * levels: 0, `rc`, SK_ENODATA (empty file, no rows), SK_EPARSE (one level
 * written two ways), SK_ENOMEM.  Free with sk_summarize_queries_free()
 * (accepts NULL) whatever the outcome.
 */
int sk_summarize_begin(struct sk_queries **out, const char *name,
                       size_t max_queries);
int sk_summarize_row(void *queries, const sk_row *row);
/* The load in parts (table.h), payload a set between its header and
 * sk_summarize_end(): the readers of a file pass them with
 * sk_summarize_row() and read the file on several threads. */
extern const sk_table_parts sk_summarize_parts;
int sk_summarize_end(struct sk_queries *q, int rc);
void sk_summarize_queries_free(struct sk_queries *q);

/*
 * Per-request service-level objectives, in seconds; NaN: not set.  A
 * query meets them when it did not fail and its TTFT <= ttft_s, its time
 * per output token after the first (1 / decode_tokens_per_s) <= tpot_s
 * (a one-token answer has none, and meets it) and its duration (end -
 * start, else output_tokens / tokens_per_s) <= e2e_s.
 */
struct sk_slo {
    double ttft_s, tpot_s, e2e_s;
};

/* "ttft=0.5,tpot=0.05,e2e=10" (any of the three, seconds or with a unit:
 * "500ms").  0, or SK_EINVAL with "--slo: ..." in sk_error_last(). */
int sk_slo_parse(struct sk_slo *out, const char *text);

/* Each level of q: the share of its queries meeting `slo` (failed ones
 * never do) into slo_share, and their output tokens over its wall time
 * into goodput_tps.  q's levels are then written with the two columns
 * slo_share and goodput_tokens_per_s after the extras (summarize
 * --slo). */
void sk_summarize_goodput(struct sk_queries *q, const struct sk_slo *slo);

/* As sk_summarize_file(), and with `slo` (NULL: none) each level's
 * goodput columns (sk_summarize_goodput()), with `confidence` (0: none)
 * the percentiles' intervals (sk_queries.confidence). */
int sk_summarize_file_with(struct sk_level **out, size_t *nlevels,
                           int *has_times, const char *path,
                           const struct sk_slo *slo, double confidence);

/* Begin, the file `path` streamed (another tool's result: its
 * per-request rows), end: *out, or NULL and the error. */
int sk_summarize_load(struct sk_queries **out, const char *path);

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
 * Every query of the per-query CSV at `path`: its concurrency and its
 * `column` ("tokens_per_s", "ttft_s", "itl_mean_s" ...), in file order
 * (NaN for an empty cell), for charts that draw each query.  *conc and *v
 * are the caller's, freed with free().  Returns 0, SK_ENOTFOUND (no such
 * file or column), SK_EPARSE ("FILE:LINE: column 'tokens_per_s': 'abc' is
 * not a finite number", a concurrency that is not a number > 0),
 * SK_ENODATA (no queries), SK_ELIMIT (more than
 * SK_SUMMARIZE_MAX_SAMPLES), SK_EIO, SK_ENOMEM; on failure both are NULL.
 */
int sk_summarize_samples(double **conc, double **v, size_t *n,
                         const char *path, const char *column);

/* The columns written after the 14 of the schema, in order. */
#define SK_SUMMARIZE_NEXTRA 6
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

/*
 * The collector writes SK_SWEEP_PLANNED (sweep.h) after the extras
 * (docs/collect.md): the queries a level was to run (--queries).
 * `summarize` does not write it: a per-query file does not know the plan.
 */

/* As sk_summarize_write_header(), with planned_queries after the extras,
 * before the labels (the collector's summary). */
void sk_summarize_write_header_planned(FILE *fp, const char *const *labels,
                                       size_t nlabels);

/* As sk_summarize_write_row(), with `planned` (an integer) in the
 * planned_queries cell. */
void sk_summarize_write_row_planned(FILE *fp, const struct sk_level *level,
                                    size_t planned,
                                    const char *const *values,
                                    size_t nvalues);

/*
 * The summary of a loaded `q` (after sk_summarize_end()) as a sweep called
 * `name`, holding what sk_summarize_write_csv() writes: its columns, each
 * number as its cell has it (six decimals), NaN for an empty cell; level
 * i on line q->level_line[i] (of the per-query file).  Built from the
 * levels directly, no CSV text in between.  Returns 0 or sk_sweep's
 * errors (SK_ENOMEM); free *out with sk_sweep_free().
 */
int sk_summarize_sweep(sk_sweep **out, const char *name,
                       const struct sk_queries *q);

/*
 * The interval columns a summary gets when its levels have intervals
 * (confidence > 0), after the extras: "confidence", then "<column>_lo"
 * and "<column>_hi" for each percentile column (median_query_tokens_per_s
 * ... p99_query_tokens_per_s), in the order of the columns.
 */
#define SK_SUMMARIZE_NCI 17
extern const char *const sk_summarize_ci_columns[SK_SUMMARIZE_NCI];

/* Header and every level, no labels; the interval columns when the
 * levels have them, the goodput columns when they have those. */
void sk_summarize_write_csv(FILE *fp, const struct sk_level *levels,
                            size_t nlevels);

/*
 * As sk_summarize_sweep(), from `n` levels already summarised; `lines`
 * (NULL: none) gives each level's line in its file.
 */
int sk_summarize_levels_sweep(sk_sweep **out, const char *name,
                              const struct sk_level *levels, size_t n,
                              const size_t *lines);

/*
 * `sweepkit summarize`'s output in `fmt`: csv the summary schema
 * (sk_summarize_write_csv()); json the members of `head` (the provenance
 * keys; NULL: none), then "results", each level by sk_sweep_level_json()
 * (the summary row's one serializer, as report.json's levels); table and
 * markdown through top's printers.  Returns 0, SK_ENOMEM, or SK_EIO when
 * `fp` shows a write error.
 */
int sk_summarize_write(FILE *fp, const struct sk_level *levels, size_t n,
                       sk_format fmt, const json_t *head);

#endif
