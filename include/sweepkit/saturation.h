/*
 * Where a concurrency sweep saturates: the measured knee and a Universal
 * Scalability Law fit.  Pure functions over caller-supplied arrays (no file
 * I/O); results go into caller-owned structs, so the caller allocates
 * nothing.  See docs/saturation.md for the words behind each definition.
 *
 * Inputs: x[i] is the concurrency of level i (finite, > 0, strictly
 * ascending, as sk_sweep_concurrency() returns it) and y[i] its throughput
 * (finite, > 0; NaN marks a missing value and is an error, not a skip).
 *
 * Errors: SK_EINVAL for a bad x or threshold, SK_ENODATA when the data
 * cannot give an answer (too few levels, a missing or non-positive y, a
 * fit that does not converge), each with a one-line message in
 * sk_error_last() saying what is missing.
 *
 * Thread-safety: every function is reentrant.  The fit turns GSL's
 * aborting error handler off, once per process, and checks every status.
 */
#ifndef SWEEPKIT_SATURATION_H
#define SWEEPKIT_SATURATION_H

#include <stddef.h>

/* The default knee threshold: a doubling must gain at least 10%. */
#define SK_SATURATION_DEFAULT_GAIN 0.10

/* The measured knee (sk_saturation_knee()). */
struct sk_saturation_knee {
    int found;        /* 1: a knee at x[index]; 0: still scaling at the
                         highest level measured */
    size_t index;     /* the knee's level; n - 1 when !found */
    double x;         /* x[index] when found, else NaN */
    double threshold; /* the gain threshold G used (a fraction) */
    size_t max_step;  /* the step i -> i + 1 with the largest gain at or
                         after the knee (when found), else n - 2 (the
                         last step, which gains >= G) */
    double max_gain;  /* that step's gain per doubling */
};

/* The Universal Scalability Law fit (sk_saturation_usl_fit()). */
struct sk_saturation_usl {
    double lambda;      /* λ: throughput per unit of concurrency without
                           contention; X(1) = λ */
    double sigma;       /* σ >= 0: contention (serial fraction) */
    double kappa;       /* κ >= 0: coherency (crosstalk) cost; σ and κ
                           are exactly 0 when their term changes no
                           fitted value by more than 1e-9 (relative) */
    double r2;          /* 1 - SS_res / SS_tot on the data; NaN when every
                           y is equal (SS_tot = 0) */
    double peak_n;      /* N* = sqrt((1 - σ) / κ) when κ > 0 and σ < 1,
                           else NaN (may lie beyond the data) */
    double peak_x;      /* X(N*), else NaN */
    double asymptote_x; /* λ / σ when κ = 0 and 0 < σ < 1, else NaN */
    double n90;         /* smallest real N with X(N) >= 90% of the peak
                           (or of the asymptote); NaN when there is
                           neither (σ = κ = 0, or σ >= 1) */
    double n95;         /* the same for 95% */
    size_t levels;      /* data points fitted */
    size_t iterations;  /* trust-region iterations of the fit kept */
};

/*
 * Gain per doubling of the step from (x0, y0) to (x1, y1):
 * (y1 / y0) ^ (1 / log2(x1 / x0)) - 1, so a step that is not a doubling
 * (8 -> 12, 1 -> 4) is put on the same scale as one that is.
 * Returns NaN unless 0 < x0 < x1 and y0, y1 > 0, all finite.
 * Pure; thread-safe.
 */
double sk_saturation_gain(double x0, double y0, double x1, double y1);

/*
 * The measured knee of n levels with gain threshold `threshold` (G, a
 * fraction: 0.10 = 10% per doubling).  With g_i the gain of step
 * i -> i + 1 (sk_saturation_gain()), the knee is the smallest level x[k]
 * such that every step i >= k has g_i < G.  So a dip followed by strong
 * gains is not a knee; if the last step still gains >= G there is none
 * (out->found = 0); if every step gains < G the knee is x[0].
 *
 * Fills *out.  Returns 0, SK_EINVAL (x not finite, > 0 and strictly
 * ascending; G not finite and > 0) or SK_ENODATA (n < 2; a y that is NaN,
 * infinite or <= 0).  On error *out is unspecified.  Pure; thread-safe.
 */
int sk_saturation_knee(struct sk_saturation_knee *out, const double *x,
                       const double *y, size_t n, double threshold);

/*
 * Fit X(N) = λN / (1 + σ(N - 1) + κN(N - 1)) to the n points (x[i], y[i])
 * by nonlinear least squares (absolute residuals X(x[i]) - y[i]; GSL
 * trust region, analytic Jacobian; σ, κ >= 0 enforced; a fixed set of
 * starting points, the best converged fit kept, so results are
 * deterministic) and derive the peak or asymptote and the 90%/95% points.
 *
 * Fills *out.  Returns 0, SK_EINVAL (bad x, as for sk_saturation_knee()),
 * SK_ENODATA (n < 3; a y that is NaN, infinite or <= 0; no starting point
 * converged) or SK_ENOMEM.  On error *out is unspecified.  Allocates and
 * frees its own GSL workspaces; thread-safe.
 */
int sk_saturation_usl_fit(struct sk_saturation_usl *out, const double *x,
                          const double *y, size_t n);

/* X(N) of a fitted curve.  Pure; thread-safe. */
double sk_saturation_usl_eval(const struct sk_saturation_usl *fit, double n);

#endif
