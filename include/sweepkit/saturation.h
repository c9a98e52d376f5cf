/*
 * Where a concurrency sweep saturates: the measured knee and a Universal
 * Scalability Law fit.  Pure functions over caller-supplied arrays or a
 * loaded summary (no file I/O); results go into caller-owned structs, so
 * the caller allocates nothing.  The writers print one summary's answer
 * as `sweepkit saturation` does.  See docs/saturation.md for the words
 * behind each definition.
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

#include "sweepkit/format.h"
#include "sweepkit/sweep.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

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

/* One summary's answer, as the writers print it. */
struct sk_saturation_result {
    const char *file;   /* the summary's name (sk_sweep_name()); borrowed */
    const char *xname;  /* the x and y columns' names; borrowed */
    const char *yname;
    const double *x;    /* the n levels' x and y; borrowed from the sweep */
    const double *y;
    size_t n;
    double gain_pct;    /* knee threshold in percent, as given (10 = 10%
                           per doubling); the sentences print it */
    struct sk_saturation_knee knee;
    struct sk_saturation_usl usl;
    int usl_ok;         /* 1: usl holds a fit; 0: usl_error says why not */
    char usl_error[256];
    const char *group;  /* the sweep's group key (sk_sweep_group()), ""
                           for a whole file; borrowed */
    struct sk_sweep_left_out left_out; /* failed and partial levels
                           left out of x and y (sk_sweep_analysable()) */
    int best;           /* 0: not compared (one sweep in its file); 1: the
                           best of its file's groups; -1: another group */
};

/*
 * Take the x and y columns named `xname` and `yname` of the loaded
 * summary `s` into *out (zeroed first; the names and arrays are borrowed
 * from the caller and `s`, which must outlive *out).
 * Returns 0, SK_ENOTFOUND (no such column, from sk_sweep_column()) or
 * SK_ENODATA for an empty cell ("FILE:LINE: no NAME value at concurrency
 * C (empty cell)").  Thread-safe.
 */
int sk_saturation_input(struct sk_saturation_result *out, const sk_sweep *s,
                        const char *xname, const char *yname);

/*
 * The best of n computed results (the groups of one file): the highest
 * measured throughput at any level (the peak y), ties to the first, as
 * full_sweep.py names its best cell.  Marks r[i].best (1 for it, -1 for
 * the others) when n > 1, and returns its index (0 when n <= 1).
 */
size_t sk_saturation_best(struct sk_saturation_result *r, size_t n);

/* The highest y of a result and its x (NaN when n == 0). */
double sk_saturation_peak(const struct sk_saturation_result *r, double *x);

/*
 * The answer for the levels sk_saturation_input() took: the knee with
 * threshold `gain_pct` percent (a doubling must gain at least gain_pct /
 * 100), and the USL fit.  A fit that is not possible is part of the
 * answer (usl_ok = 0, its message in usl_error), not a failure.
 * Returns 0, or sk_saturation_knee()'s SK_EINVAL / SK_ENODATA with its
 * message, which names neither the file nor the columns (callers say
 * "FILE: Y by X: MESSAGE").  Thread-safe.
 */
int sk_saturation_compute(struct sk_saturation_result *r, double gain_pct);

/*
 * `sweepkit saturation`'s answer for one sweep `all` (a whole file or one
 * group of a grid): the levels sk_sweep_analysable() keeps with `flags`
 * (SK_SWEEP_PARTIAL, SK_SWEEP_STEADY) in a new sweep *kept (which *r
 * borrows from: free it with sk_sweep_free() after *r, also on failure),
 * the y column `yname` (NULL: sk_sweep_default_y() of *kept, the
 * steady-state column with SK_SWEEP_STEADY),
 * sk_saturation_input(), the levels left out noted in r->left_out,
 * sk_saturation_compute().
 * Returns 0, or the first failure with its message; a failure of the
 * computation is said as "FILE: Y by X: MESSAGE".  Thread-safe.
 */
int sk_saturation_analyse(struct sk_saturation_result *r, sk_sweep **kept,
                          const sk_sweep *all, const char *xname,
                          const char *yname, double gain_pct,
                          unsigned flags);

/*
 * The writers (docs/saturation.md).  For one command's output call
 * sk_saturation_write_begin() once, sk_saturation_write() once per
 * summary (`first` = 1 for the first one written), then
 * sk_saturation_write_end() with the number written.
 *   table      the knee sentence, the table of steps with their gain per
 *              doubling, the USL block; a blank line between summaries
 *   markdown   the same as a "### FILE" section with two tables
 *   csv        a header, then one row per step with the summary's knee
 *              and fit repeated on each (empty cells when unknown)
 *   json       an object: the members of `head` (the provenance keys,
 *              NULL: none), then "results", one sk_saturation_json()
 *              object per summary (null when unknown)
 * Numbers for machines print as the shortest round trip (Python repr).
 * Each returns 0, or SK_EIO ("writing the output failed") when `fp`
 * shows a write error (ferror); they do not flush.
 */
int sk_saturation_write_begin(FILE *fp, sk_format fmt, const json_t *head);
int sk_saturation_write(FILE *fp, const struct sk_saturation_result *r,
                        sk_format fmt, int first);
int sk_saturation_write_end(FILE *fp, sk_format fmt, size_t written);

/*
 * After the n results of one file's groups, in table and markdown, a
 * line naming r[best] as the best configuration ("best of 8
 * configurations (highest throughput_tps): instances=2 ... : 1234.5 at
 * concurrency 64; knee 32").  CSV and JSON carry it in each result's
 * `best`.  Returns 0 or SK_EIO.
 */
int sk_saturation_write_best(FILE *fp, sk_format fmt,
                             const struct sk_saturation_result *r,
                             size_t n, size_t best);

/*
 * The knee in plain words, one sentence without a final period, into
 * `buf` ("throughput stops paying for concurrency at 64: every further
 * doubling gains less than 10% (64→128: +6.5%)"; cut to fit `cap`).
 * Pure; thread-safe.
 */
void sk_saturation_knee_sentence(char *buf, size_t cap,
                                 const struct sk_saturation_result *r);

/*
 * The USL fit in words (requires usl_ok): the formula, the parameters,
 * then the peak, the asymptote or why there is neither, each value past
 * the highest level marked "(extrapolated: beyond X)".  Into `buf`, cut
 * to fit `cap`.  Pure; thread-safe.
 */
void sk_saturation_usl_sentence(char *buf, size_t cap,
                                const struct sk_saturation_result *r);

/*
 * The knee as a Markdown paragraph: "**Knee: 64.** Throughput stops
 * paying ... (64→128: +6.5%).", a blank line after.  `sweepkit
 * saturation --format markdown` and report.md both print it.
 */
void sk_saturation_write_knee_md(FILE *fp,
                                 const struct sk_saturation_result *r);

/*
 * One summary's result as a JSON object (json.h), the one serializer for
 * `sweepkit saturation --format json` and report.json: file, x_column,
 * y_column, error (NULL, or why there is no answer: then every result
 * key is null and steps is empty), gain_threshold, knee, knee_sentence,
 * steps [{x_from, x_to, y_from, y_to, gain_per_doubling}], usl {lambda,
 * sigma, kappa, r2, peak_concurrency, peak_throughput,
 * asymptote_throughput, n90, n95, levels, sentence} or null, usl_error;
 * and, only when they apply, group (the group key), failed_levels (the
 * concurrency of each failed level) and best (true/false among a file's
 * groups).
 * Returns a new reference, or NULL when out of memory.
 */
json_t *sk_saturation_json(const struct sk_saturation_result *r,
                           const char *error);

#endif
