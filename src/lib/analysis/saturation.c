#include "sweepkit/saturation.h"

#include "sweepkit/error.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* Fit settings.  Tolerances are on the scaled problem (y / max y), where
 * every parameter is of order 1 or below. */
#define USL_MAX_ITER 500
#define USL_XTOL 1e-12
#define USL_GTOL 1e-12
#define USL_FTOL 0.0
#define NEGLIGIBLE 1e-9

double sk_saturation_gain(double x0, double y0, double x1, double y1)
{
    if (!(isfinite(x0) && isfinite(x1) && isfinite(y0) && isfinite(y1)) ||
        !(x0 > 0 && x1 > x0 && y0 > 0 && y1 > 0))
        return NAN;
    /* Gain per doubling: the step multiplies y by y1/y0 over log2(x1/x0)
     * doublings, so one doubling multiplies it by the root of that. */
    return pow(y1 / y0, 1.0 / log2(x1 / x0)) - 1.0;
}

/* x finite, > 0, strictly ascending; y finite and > 0. */
static int check_levels(const double *x, const double *y, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !(x[i] > 0))
            return sk_error_set(SK_EINVAL,
                                "x must be a finite number > 0, got %g at "
                                "level %zu",
                                x[i], i + 1);
        if (i > 0 && !(x[i] > x[i - 1]))
            return sk_error_set(SK_EINVAL,
                                "x must be strictly ascending: %g follows %g",
                                x[i], x[i - 1]);
        if (isnan(y[i]))
            return sk_error_set(SK_ENODATA, "missing y value at x = %g", x[i]);
        if (!isfinite(y[i]) || !(y[i] > 0))
            return sk_error_set(SK_ENODATA, "y must be > 0, got %g at x = %g",
                                y[i], x[i]);
    }
    return 0;
}

int sk_saturation_knee(struct sk_saturation_knee *out, const double *x,
                       const double *y, size_t n, double threshold)
{
    size_t k, i;
    int rc;

    if (!isfinite(threshold) || !(threshold > 0))
        return sk_error_set(SK_EINVAL,
                            "gain threshold must be a finite number > 0, "
                            "got %g",
                            threshold);
    if (n < 2)
        return sk_error_set(SK_ENODATA,
                            "need at least 2 levels to measure a gain, "
                            "have %zu",
                            n);
    if ((rc = check_levels(x, y, n)) != 0)
        return rc;

    /* Walk back from the last step while steps gain less than G: k ends
     * at the smallest level after which no step reaches G.  A step that
     * reaches G anywhere later moves the knee past it, so a dip in the
     * middle followed by strong gains is not a knee. */
    for (k = n - 1; k > 0; k--)
        if (!(sk_saturation_gain(x[k - 1], y[k - 1], x[k], y[k]) < threshold))
            break;

    out->threshold = threshold;
    out->found = k < n - 1;
    out->index = k;
    out->x = out->found ? x[k] : NAN;
    out->max_step = n - 2;
    out->max_gain = sk_saturation_gain(x[n - 2], y[n - 2], x[n - 1], y[n - 1]);
    if (out->found) {
        for (i = k; i < n - 1; i++) {
            double g = sk_saturation_gain(x[i], y[i], x[i + 1], y[i + 1]);

            if (i == k || g > out->max_gain) {
                out->max_step = i;
                out->max_gain = g;
            }
        }
    }
    return 0;
}

/*
 * The Universal Scalability Law (N. J. Gunther):
 *
 *     X(N) = λN / (1 + σ(N - 1) + κN(N - 1))
 *
 * fitted in the parametrisation p = (l, a, b) with λ = l * yscale,
 * σ = a², κ = b²: squaring keeps σ and κ >= 0 without a constrained
 * solver, and yscale (the largest y) brings every parameter to order 1 so
 * the solver's relative tolerances mean the same on any data.
 */
struct usl_data {
    const double *x;
    const double *y; /* y / yscale */
    size_t n;
};

/* Residuals f_i = X(x_i) - y_i (absolute, on the scaled y). */
/* The fit's parameters l, a, b (σ = a², κ = b²) from `p`. */
static void usl_params(const gsl_vector *p, double *l, double *a, double *b)
{
    *l = gsl_vector_get(p, 0);
    *a = gsl_vector_get(p, 1);
    *b = gsl_vector_get(p, 2);
}

/* The denominator D = 1 + a²(N - 1) + b²N(N - 1). */
static double usl_den(double a, double b, double N)
{
    return 1 + a * a * (N - 1) + b * b * N * (N - 1);
}

static int usl_f(const gsl_vector *p, void *params, gsl_vector *f)
{
    const struct usl_data *d = params;
    double l, a, b;
    size_t i;

    usl_params(p, &l, &a, &b);
    for (i = 0; i < d->n; i++)
        gsl_vector_set(f, i, l * d->x[i] / usl_den(a, b, d->x[i]) - d->y[i]);
    return GSL_SUCCESS;
}

/* Jacobian: with D = 1 + a²(N - 1) + b²N(N - 1),
 * df/dl = N / D, df/da = -2a lN(N - 1) / D², df/db = -2b lN²(N - 1) / D². */
static int usl_df(const gsl_vector *p, void *params, gsl_matrix *J)
{
    const struct usl_data *d = params;
    double l, a, b;
    size_t i;

    usl_params(p, &l, &a, &b);
    for (i = 0; i < d->n; i++) {
        double N = d->x[i], D = usl_den(a, b, N), D2 = D * D;

        gsl_matrix_set(J, i, 0, N / D);
        gsl_matrix_set(J, i, 1, -2 * a * l * N * (N - 1) / D2);
        gsl_matrix_set(J, i, 2, -2 * b * l * N * N * (N - 1) / D2);
    }
    return GSL_SUCCESS;
}

static void gsl_handler_off(void)
{
    gsl_set_error_handler_off();
}

double sk_saturation_usl_eval(const struct sk_saturation_usl *fit, double n)
{
    return fit->lambda * n /
           (1 + fit->sigma * (n - 1) + fit->kappa * n * (n - 1));
}

/*
 * The smallest N > 0 with X(N) = c, for c at or below the curve's
 * maximum.  X(N) = c  <=>  cκN² + (c(σ - κ) - λ)N + c(1 - σ) = 0.  With
 * κ = 0 that is linear: N = c(1 - σ) / (λ - cσ).  Otherwise both roots
 * are positive (the curve rises through c, peaks, falls back through it),
 * B < 0, and the smaller root is taken in the cancellation-free form
 * C / q with q = (-B + sqrt(B² - 4AC)) / 2.
 */
static double usl_reach(const struct sk_saturation_usl *u, double c)
{
    double A = c * u->kappa;
    double B = c * (u->sigma - u->kappa) - u->lambda;
    double C = c * (1 - u->sigma);
    double disc;

    if (A == 0)
        return C / -B;
    disc = B * B - 4 * A * C;
    if (disc < 0) /* c = the peak, off by rounding: a double root */
        disc = 0;
    return C / ((-B + sqrt(disc)) / 2);
}

/* Peak or asymptote, and the 90% / 95% points, from λ, σ, κ. */
static void usl_derive(struct sk_saturation_usl *u)
{
    double top = NAN;

    u->peak_n = u->peak_x = u->asymptote_x = NAN;
    u->n90 = u->n95 = NAN;
    /* dX/dN has the sign of 1 - σ - κN²: with κ > 0 the curve peaks at
     * N* = sqrt((1 - σ) / κ); with κ = 0 it rises towards λ / σ.  With
     * σ >= 1 it never rises above X(1) and has neither. */
    if (!(u->sigma < 1))
        return;
    if (u->kappa > 0) {
        u->peak_n = sqrt((1 - u->sigma) / u->kappa);
        u->peak_x = sk_saturation_usl_eval(u, u->peak_n);
        top = u->peak_x;
    } else if (u->sigma > 0) {
        u->asymptote_x = u->lambda / u->sigma;
        top = u->asymptote_x;
    } else {
        return; /* linear: no maximum */
    }
    u->n90 = usl_reach(u, 0.90 * top);
    u->n95 = usl_reach(u, 0.95 * top);
}

int sk_saturation_usl_fit(struct sk_saturation_usl *out, const double *x,
                          const double *y, size_t n)
{
    /* Starting points: σ0 from light to heavy contention, κ0 placing the
     * peak at 1, 4 and 32 times the highest level measured. */
    static const double sigma0[] = {0.01, 0.1, 0.5};
    static const double peak0[] = {1, 4, 32};
    static once_flag once = ONCE_FLAG_INIT;
    const size_t nstarts = 9;
    gsl_multifit_nlinear_workspace *w = NULL;
    gsl_multifit_nlinear_fdf fdf;
    gsl_multifit_nlinear_parameters fp;
    gsl_vector *p0 = NULL;
    double *ys = NULL;
    struct usl_data d;
    double yscale = 0, l0 = 0, best_ss = INFINITY, best[3] = {0, 0, 0};
    double mean = 0, ss_tot = 0, ss_res = 0;
    size_t i, s, best_iter = 0;
    int rc, status, last = GSL_SUCCESS;

    if (n < 3)
        return sk_error_set(
            SK_ENODATA, "need at least 3 levels for a USL fit, have %zu", n);
    if ((rc = check_levels(x, y, n)) != 0)
        return rc;
    call_once(&once, gsl_handler_off);

    if (!(ys = malloc(n * sizeof(*ys)))) /* n < SIZE_MAX / 8: x exists */
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        if (y[i] > yscale)
            yscale = y[i];
    for (i = 0; i < n; i++) {
        ys[i] = y[i] / yscale;
        /* X(N) / N <= λ for σ, κ >= 0: start λ at the best per-unit rate */
        if (ys[i] / x[i] > l0)
            l0 = ys[i] / x[i];
    }
    d.x = x;
    d.y = ys;
    d.n = n;
    fdf.f = usl_f;
    fdf.df = usl_df;
    fdf.fvv = NULL;
    fdf.n = n;
    fdf.p = 3;
    fdf.params = &d;
    fp = gsl_multifit_nlinear_default_parameters();
    w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, 3);
    p0 = gsl_vector_alloc(3);
    if (!w || !p0) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }

    for (s = 0; s < nstarts; s++) {
        double sg = sigma0[s / 3], pk = peak0[s % 3] * x[n - 1];
        double ss;
        int info;

        gsl_vector_set(p0, 0, l0);
        gsl_vector_set(p0, 1, sqrt(sg));
        gsl_vector_set(p0, 2, sqrt((1 - sg) / (pk * pk)));
        status = gsl_multifit_nlinear_init(p0, &fdf, w);
        if (status == GSL_SUCCESS)
            status =
                gsl_multifit_nlinear_driver(USL_MAX_ITER, USL_XTOL, USL_GTOL,
                                            USL_FTOL, NULL, NULL, &info, w);
        if (status != GSL_SUCCESS) {
            last = status;
            continue;
        }
        {
            gsl_vector *r = gsl_multifit_nlinear_residual(w);
            gsl_vector *p = gsl_multifit_nlinear_position(w);

            status = gsl_blas_ddot(r, r, &ss);
            if (status != GSL_SUCCESS || !isfinite(ss)) {
                last = status != GSL_SUCCESS ? status : GSL_EFAILED;
                continue;
            }
            if (ss < best_ss) {
                best_ss = ss;
                for (i = 0; i < 3; i++)
                    best[i] = gsl_vector_get(p, i);
                best_iter = gsl_multifit_nlinear_niter(w);
            }
        }
    }
    if (!isfinite(best_ss)) {
        rc = sk_error_set(SK_ENODATA,
                          "the USL fit did not converge from any of %zu "
                          "starting points (last: %s)",
                          nstarts, gsl_strerror(last));
        goto done;
    }

    out->lambda = best[0] * yscale;
    out->sigma = best[1] * best[1];
    out->kappa = best[2] * best[2];
    /* A parameter whose optimum is 0 is only approached (its gradient
     * vanishes with a or b), so the solver stops at some 1e-20 instead;
     * a peak at N* = 1e9 would be noise.  A term that changes no fitted
     * value by more than NEGLIGIBLE (relative) is reported as exactly 0:
     * the data cannot tell it from 0.  Both terms grow with N, so the
     * highest level bounds them. */
    {
        double N = x[n - 1];
        double D = 1 + out->sigma * (N - 1) + out->kappa * N * (N - 1);

        if (out->kappa * N * (N - 1) <= NEGLIGIBLE * D)
            out->kappa = 0;
        if (out->sigma * (N - 1) <= NEGLIGIBLE * D)
            out->sigma = 0;
    }
    out->levels = n;
    out->iterations = best_iter;
    for (i = 0; i < n; i++)
        mean += y[i] / (double)n;
    for (i = 0; i < n; i++) {
        double e = sk_saturation_usl_eval(out, x[i]) - y[i];

        ss_res += e * e;
        ss_tot += (y[i] - mean) * (y[i] - mean);
    }
    out->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
    usl_derive(out);
    rc = 0;

done:
    if (p0)
        gsl_vector_free(p0);
    if (w)
        gsl_multifit_nlinear_free(w);
    free(ys);
    return rc;
}

int sk_saturation_input(struct sk_saturation_result *out, const sk_sweep *s,
                        const char *xname, const char *yname)
{
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sk_sweep_column(&out->x, s, xname)) != 0 ||
        (rc = sk_sweep_column(&out->y, s, yname)) != 0)
        return rc;
    out->file = sk_sweep_name(s);
    out->group = sk_sweep_group(s);
    out->xname = xname;
    out->yname = yname;
    out->n = sk_sweep_levels(s);
    /* A missing cell gets its line here; the knee only knows x. */
    for (i = 0; i < out->n; i++) {
        const char *col = isnan(out->x[i]) ? xname : yname;

        if (isnan(out->x[i]) || isnan(out->y[i]))
            return sk_error_set(SK_ENODATA,
                                "%s:%zu: no %s value at concurrency %g "
                                "(empty cell)",
                                out->file, sk_sweep_line(s, i), col,
                                sk_sweep_concurrency(s)[i]);
    }
    return 0;
}

int sk_saturation_compute(struct sk_saturation_result *r, double gain_pct)
{
    int rc;

    r->gain_pct = gain_pct;
    if ((rc = sk_saturation_knee(&r->knee, r->x, r->y, r->n,
                                 gain_pct / 100)) != 0)
        return rc;
    r->usl_ok = sk_saturation_usl_fit(&r->usl, r->x, r->y, r->n) == 0;
    if (!r->usl_ok)
        snprintf(r->usl_error, sizeof(r->usl_error), "%s", sk_error_last());
    return 0;
}

double sk_saturation_peak(const struct sk_saturation_result *r, double *x)
{
    double best = NAN;
    size_t i;

    *x = NAN;
    for (i = 0; i < r->n; i++)
        if (isnan(best) || r->y[i] > best) {
            best = r->y[i];
            *x = r->x[i];
        }
    return best;
}

size_t sk_saturation_best(struct sk_saturation_result *r, size_t n)
{
    size_t i, best = 0;
    double x, top = NAN;

    for (i = 0; i < n; i++) {
        double y = sk_saturation_peak(&r[i], &x);

        if (isnan(top) || y > top) {
            top = y;
            best = i;
        }
    }
    for (i = 0; n > 1 && i < n; i++)
        r[i].best = i == best ? 1 : -1;
    return best;
}

int sk_saturation_analyse(struct sk_saturation_result *r, sk_sweep **kept,
                          const sk_sweep *all, const char *xname,
                          const char *yname, double gain_pct,
                          unsigned flags)
{
    struct sk_sweep_left_out lo;
    char msg[600];
    int rc;

    memset(r, 0, sizeof(*r));
    *kept = NULL;
    if ((rc = sk_sweep_analysable(kept, &lo, all, flags)) != 0)
        return rc;
    if (!yname)
        yname = sk_sweep_default_y(*kept);
    if ((rc = sk_saturation_input(r, *kept, xname, yname)) != 0)
        return rc;
    r->left_out = lo;
    if ((rc = sk_saturation_compute(r, gain_pct)) != 0) {
        snprintf(msg, sizeof(msg), "%s", sk_error_last());
        return sk_error_set(rc, "%s: %s by %s: %s", r->file, yname, xname,
                            msg);
    }
    return 0;
}
