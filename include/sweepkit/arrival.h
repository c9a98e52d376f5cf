/*
 * Arrival processes of an open-loop load (collect --rate): the gaps
 * between requests' scheduled send times at a mean rate R per second.
 *
 * - poisson: exponential gaps, mean 1/R (vLLM's default, burstiness 1);
 * - gamma:K: gamma gaps of shape K and scale 1/(R K), mean 1/R (vLLM's
 *   --burstiness K: below 1 burstier than Poisson, above 1 steadier);
 * - constant: every gap 1/R.
 *
 * Drawn from GSL's MT19937 seeded with `seed`, so a schedule is the same
 * on every run with the same seed.
 *
 * Ownership: sk_arrival_gen_new() returns an object freed by
 * sk_arrival_gen_free().  Thread-safety: one generator per thread.
 */
#ifndef SWEEPKIT_ARRIVAL_H
#define SWEEPKIT_ARRIVAL_H

#include <stddef.h>

typedef enum {
    SK_ARRIVAL_POISSON = 0,
    SK_ARRIVAL_GAMMA,
    SK_ARRIVAL_CONSTANT
} sk_arrival_kind;

typedef struct {
    sk_arrival_kind kind;
    double shape; /* gamma's K, > 0; 1 for poisson */
} sk_arrival;

/* "poisson", "gamma:K" (K a number > 0, at most 1000) or "constant".
 * Returns 0 or SK_EINVAL ("--arrival: expected poisson, gamma:SHAPE or
 * constant"). */
int sk_arrival_parse(sk_arrival *out, const char *text);

/* The process as sk_arrival_parse() reads it ("gamma:0.5") into `out`. */
void sk_arrival_name(char *out, size_t cap, const sk_arrival *a);

typedef struct sk_arrival_gen sk_arrival_gen;

/* A generator of gaps for `a` at `rate` (> 0) requests/s.  Returns 0,
 * SK_EINVAL (rate not > 0) or SK_ENOMEM. */
int sk_arrival_gen_new(sk_arrival_gen **out, const sk_arrival *a,
                       double rate, unsigned long seed);

/* The next gap, seconds (> 0 but for a poisson or gamma draw of 0). */
double sk_arrival_gen_next(sk_arrival_gen *g);

/* The probability that a gap is at most x seconds (the distribution the
 * gaps are drawn from: for tests of a recorded schedule). */
double sk_arrival_cdf(const sk_arrival *a, double rate, double x);

/* Accepts NULL. */
void sk_arrival_gen_free(sk_arrival_gen *g);

#endif
