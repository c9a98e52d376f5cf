/*
 * Arrival processes (sweepkit/arrival.h): GSL's random distributions on
 * one MT19937 stream per generator.
 */
#include "sweepkit/arrival.h"

#include "sweepkit/error.h"
#include "sweepkit/units.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_arrival_gen {
    sk_arrival a;
    double rate;
    gsl_rng *rng;
};

int sk_arrival_parse(sk_arrival *out, const char *text)
{
    memset(out, 0, sizeof(*out));
    out->shape = 1;
    if (strcmp(text, "poisson") == 0)
        return 0;
    if (strcmp(text, "constant") == 0) {
        out->kind = SK_ARRIVAL_CONSTANT;
        return 0;
    }
    if (strncmp(text, "gamma:", 6) == 0 &&
        sk_units_parse_double(&out->shape, text + 6, "--arrival") == 0 &&
        out->shape > 0 && out->shape <= 1000) {
        out->kind = SK_ARRIVAL_GAMMA;
        return 0;
    }
    sk_error_clear();
    return sk_error_set(SK_EINVAL, "--arrival: expected poisson, "
                                   "gamma:SHAPE (0 < SHAPE <= 1000) or "
                                   "constant");
}

void sk_arrival_name(char *out, size_t cap, const sk_arrival *a)
{
    if (a->kind == SK_ARRIVAL_GAMMA)
        snprintf(out, cap, "gamma:%g", a->shape);
    else
        snprintf(out, cap, "%s",
                 a->kind == SK_ARRIVAL_CONSTANT ? "constant" : "poisson");
}

int sk_arrival_gen_new(sk_arrival_gen **out, const sk_arrival *a, double rate,
                       unsigned long seed)
{
    sk_arrival_gen *g;

    *out = NULL;
    if (!(rate > 0))
        return sk_error_set(SK_EINVAL, "--rate: expected a rate above 0");
    if (!(g = calloc(1, sizeof(*g))) ||
        !(g->rng = gsl_rng_alloc(gsl_rng_mt19937))) {
        free(g);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    g->a = *a;
    g->rate = rate;
    gsl_rng_set(g->rng, seed);
    *out = g;
    return 0;
}

double sk_arrival_gen_next(sk_arrival_gen *g)
{
    switch (g->a.kind) {
    case SK_ARRIVAL_CONSTANT: return 1 / g->rate;
    case SK_ARRIVAL_GAMMA:
        return gsl_ran_gamma(g->rng, g->a.shape, 1 / (g->rate * g->a.shape));
    default: return gsl_ran_exponential(g->rng, 1 / g->rate);
    }
}

double sk_arrival_cdf(const sk_arrival *a, double rate, double x)
{
    switch (a->kind) {
    case SK_ARRIVAL_CONSTANT: return x >= 1 / rate ? 1 : 0;
    case SK_ARRIVAL_GAMMA:
        return gsl_cdf_gamma_P(x, a->shape, 1 / (rate * a->shape));
    default: return gsl_cdf_exponential_P(x, 1 / rate);
    }
}

void sk_arrival_gen_free(sk_arrival_gen *g)
{
    if (!g)
        return;
    gsl_rng_free(g->rng);
    free(g);
}
