/*
 * Open-loop runs: requests sent at a rate (vLLM's --request-rate,
 * GuideLLM's constant and Poisson profiles) rather than by a fixed number
 * of streams, one point per rate.  Read from any summary with a
 * `request_rate` column: another tool's result (foreign.h keeps its
 * open-loop runs there) or a CSV with that column; the rows without a
 * request rate (levels of a concurrency sweep) are left out.
 *
 * Ownership: sk_openloop_load() returns an object freed by
 * sk_openloop_free(); arrays it returns are borrowed from it.
 * Thread-safety: a loaded object is immutable.
 */
#ifndef SWEEPKIT_OPENLOOP_H
#define SWEEPKIT_OPENLOOP_H

#include <stddef.h>

/* The columns kept, in this order (NaN where a run has none). */
typedef enum {
    SK_OPENLOOP_THROUGHPUT = 0, /* throughput_tokens_per_s */
    SK_OPENLOOP_AVG_TTFT,       /* avg_ttft_s */
    SK_OPENLOOP_P99_TTFT,       /* p99_ttft_s */
    SK_OPENLOOP_AVG_E2E,        /* avg_e2e_s: request latency */
    SK_OPENLOOP_P99_E2E,        /* p99_e2e_s */
    SK_OPENLOOP_NCOLUMNS
} sk_openloop_column;

typedef struct sk_openloop sk_openloop;

/*
 * The open-loop runs of the file at `path` (a CSV or another tool's
 * result), sorted by request rate.  Returns 0, SK_ENODATA ("FILE: no
 * open-loop runs (no request_rate) ..."), SK_EPARSE (a request rate or a
 * kept cell that is not a number, with its line; a rate not > 0), or the
 * table's errors.
 */
int sk_openloop_load(sk_openloop **out, const char *path);

/* Accepts NULL. */
void sk_openloop_free(sk_openloop *o);

/* The file name used in messages. */
const char *sk_openloop_name(const sk_openloop *o);

/* Number of runs (at least 1), their request rates (requests/s,
 * ascending) and column `c`. */
size_t sk_openloop_runs(const sk_openloop *o);
const double *sk_openloop_rate(const sk_openloop *o);
const double *sk_openloop_values(const sk_openloop *o, sk_openloop_column c);

/* The column's name in the summary ("avg_ttft_s"). */
const char *sk_openloop_column_name(sk_openloop_column c);

#endif
