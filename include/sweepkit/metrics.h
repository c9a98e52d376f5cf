/*
 * The one definition of each sweep metric.  The collector, `summarize`,
 * `report` and `plot` call these; none re-derives a metric.  See
 * docs/metrics.md for the words behind each formula.
 *
 * Every function is pure and thread-safe.  A metric that is undefined for
 * its inputs (a zero or negative duration, too few tokens) is NaN, which
 * the writers print as an empty cell: missing, never zero.
 */
#ifndef SWEEPKIT_METRICS_H
#define SWEEPKIT_METRICS_H

#include <stddef.h>

/* Per-query tok/s: output tokens over the whole request duration (send to
 * last byte), TTFT included. */
double sk_metric_query_tokens_per_s(double output_tokens, double duration_s);

/* Decode tokens: output tokens after the first one (which belongs to
 * TTFT); NaN with no output token. */
double sk_metric_decode_tokens(double output_tokens);

/* Decode time: duration minus TTFT, the time spent after the first token. */
double sk_metric_decode_s(double duration_s, double ttft_s);

/* Decode tok/s: tokens after the first one over the decode time; NaN with
 * fewer than 2 output tokens. */
double sk_metric_decode_tokens_per_s(double output_tokens, double duration_s,
                                     double ttft_s);

/* Prefill speed: prompt tokens over TTFT (a lower bound on the server's
 * prefill speed: TTFT also holds any wait for a batch slot). */
double sk_metric_prefill_tokens_per_s(double prompt_tokens, double ttft_s);

/* Throughput of a level: all output tokens of the level over its wall time
 * (first request sent to last response finished). */
double sk_metric_throughput(double total_output_tokens, double wall_s);

/*
 * The Pareto frontier of the points (a[i], b[i]), both to be maximised
 * (negate one to minimise it): on[i] = 1 when no other point has a >= and
 * b >= with one strictly greater, else 0; a point with a NaN is never on
 * it.  Equal points are all on it.  O(n^2): for a sweep's levels.
 */
void sk_metric_pareto(unsigned char *on, const double *a, const double *b,
                      size_t n);

/*
 * A run over time, in `nbins` bins of `bin_s` seconds from t0, from its n
 * queries' start and end times (s), TTFT and output tokens:
 * inflight[k], the time-weighted mean number of queries in flight in bin
 * k (what achieved concurrency is over a whole level), and rate[k], the
 * output tokens in bin k over bin_s, each query's tokens spread evenly
 * between its first token (start + TTFT; no TTFT: start) and its end, as
 * the steady-state throughput spreads them (all at the end when the two
 * coincide).  A query without times, or with NaN tokens (failed), holds
 * its slot and adds no tokens.  Pure; O(n + bins touched).
 */
void sk_metric_timeline(double *inflight, double *rate, size_t nbins,
                        double t0, double bin_s, const double *start,
                        const double *end, const double *ttft,
                        const double *tokens, size_t n);

/* The peak of a sweep: the index of the highest throughput in y[0..n)
 * (the first, on a tie; NaN values skipped), or n when no value is a
 * number.  The level every "share of the peak" is measured against. */
size_t sk_metric_peak(const double *y, size_t n);

/*
 * Steady-state throughput of a level of `concurrency` from its n queries'
 * start and end times (s), TTFT and output tokens (a failed query: NaN
 * tokens, it still holds a slot from start to end): the window from the
 * moment `concurrency` queries are first all in flight to the moment the
 * count last falls below it (the first slot to drain for good); each
 * query's tokens spread evenly between its first token (start + TTFT) and
 * its end; the tokens inside the window over its length.  Ramp-up and the
 * drain tail, which wall-clock throughput counts, are left out.
 * *window_s is the window's length.  A query without start or end times
 * is left out (it held no known slot); one whose tokens all came at its
 * end (no stream) counts them there; one without a TTFT (NaN) has them
 * spread over its whole duration.  NaN (and *window_s NaN) when there
 * is no such window: fewer timed queries than twice the concurrency (one
 * wave has no steady state: nothing replaces a finished query), or the
 * count never reaches the concurrency.  `scratch` holds 2n doubles.
 */
double sk_metric_steady_throughput(double *window_s, const double *start,
                                   const double *end, const double *ttft,
                                   const double *tokens, size_t n,
                                   double concurrency, double *scratch);

/* Whether a level of `queries` at `concurrency` is a single wave: every
 * query from one round of requests in flight, none replacing a finished
 * one (at least one query, no more than the concurrency). */
int sk_metric_single_wave(double queries, double concurrency);

/* Achieved concurrency of a level: the time-weighted mean of requests in
 * flight, i.e. the sum over its queries of (end - start) over the level's
 * wall time.  A closed loop that keeps up shows the configured level. */
double sk_metric_achieved_concurrency(double busy_s, double wall_s);

#endif
