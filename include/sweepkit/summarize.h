/*
 * `summarize`: per-query rows to the summary schema (sweep.h), one level
 * per concurrency.  Every number comes from stats.h (mean, percentiles)
 * and metrics.h (throughput); this module only groups and composes.
 *
 * wall_s and throughput need each query's start and end: when the
 * per-query file has `start_s` and `end_s`, wall_s = last end - first
 * start and throughput = total output tokens / wall_s; without them both
 * are NaN (written as empty cells), never invented.
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
    double wall_s, total_output_tokens, throughput_tokens_per_s;
    double query_tps[3];  /* mean, median, p90 of tokens_per_s */
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

/* Write the summary CSV: the 14 schema columns, then p95_ttft_s and
 * p99_ttft_s, six decimals, NaN as an empty cell.  Check ferror(fp). */
void sk_summarize_write_csv(FILE *fp, const struct sk_level *levels,
                            size_t nlevels);

#endif
