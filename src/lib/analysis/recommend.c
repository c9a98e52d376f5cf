#include "sweepkit/recommend.h"

#include "sweepkit/error.h"
#include "sweepkit/metrics.h"
#include "sweepkit/num.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bisection stops when the bracket in log2(concurrency) is this narrow:
 * far below anything a printed estimate can show. */
#define BISECT_TOL 1e-12
#define BISECT_MAX 200

static const char *const stat_names[] = {"avg", "median", "p90", "p99"};
static const char *const stat_columns[] = {"avg_ttft_s", "median_ttft_s",
                                           "p90_ttft_s", "p99_ttft_s"};

/* One given constraint: a ceiling (value <= limit) or a floor. */
struct limit {
    enum sk_recommend_limit id;
    const char *column;
    const double *y;
    double value;
    int ceiling;
};

void sk_recommend_opts_init(sk_recommend_opts *opts)
{
    opts->ttft_budget_s = NAN;
    opts->ttft_stat = SK_TTFT_AVG;
    opts->min_query_tokens_per_s = NAN;
    opts->throughput_goal_tokens_per_s = NAN;
    opts->max_error_rate = NAN;
    opts->min_slo_share = NAN;
    opts->policy_max = 0;
    opts->tolerance = SK_RECOMMEND_TOLERANCE;
}

int sk_recommend_stat_parse(enum sk_ttft_stat *out, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++) {
        if (strcmp(name, stat_names[i]) == 0) {
            *out = (enum sk_ttft_stat)i;
            return 0;
        }
    }
    return sk_error_set(SK_EINVAL,
                        "unknown TTFT statistic '%s' (expected avg, median, "
                        "p90 or p99)",
                        name);
}

const char *sk_recommend_stat_name(enum sk_ttft_stat stat)
{
    assert((size_t)stat < sizeof(stat_names) / sizeof(stat_names[0]));
    return stat_names[stat];
}

const char *sk_recommend_stat_column(enum sk_ttft_stat stat)
{
    assert((size_t)stat < sizeof(stat_columns) / sizeof(stat_columns[0]));
    return stat_columns[stat];
}

const char *sk_recommend_limit_name(enum sk_recommend_limit limit)
{
    switch (limit) {
    case SK_LIMIT_TTFT: return "ttft";
    case SK_LIMIT_QUERY_TPS: return "query_tps";
    case SK_LIMIT_THROUGHPUT: return "throughput";
    case SK_LIMIT_ERROR_RATE: return "error_rate";
    case SK_LIMIT_SLO_SHARE: return "slo_share";
    default: return "none";
    }
}

static int holds(const struct limit *c, double v)
{
    return c->ceiling ? v <= c->value : v >= c->value;
}

/* How far a value is from its limit, as a factor: <= 1 when it holds.
 * Used only to pick the closest level when none passes. */
static double miss_factor(const struct limit *c, double v)
{
    if (c->ceiling)
        return v / c->value;
    return v > 0 ? c->value / v : INFINITY;
}

static int check_limit(double v, const char *what)
{
    if (!isnan(v) && !(isfinite(v) && v > 0))
        return sk_error_set(SK_EINVAL, "%s must be a number > 0, got %g",
                            what, v);
    return 0;
}

/* A required column: every level has a value.  `hint` (or "") ends the
 * message for a column empty at every level. */
static int check_column(const char *name, const char *column,
                        const double *y, const double *conc, size_t n,
                        const char *hint)
{
    size_t i, missing = 0, first = 0;

    for (i = 0; i < n; i++)
        if (isnan(y[i]) && missing++ == 0)
            first = i;
    if (missing == n)
        return sk_error_set(SK_ENODATA,
                            "%s: column '%s' is empty at every level%s",
                            name, column, hint);
    if (missing)
        return sk_error_set(SK_ENODATA,
                            "%s: column '%s' is empty at concurrency %g",
                            name, column, conc[first]);
    return 0;
}

/*
 * Where the metric c->y crosses its limit between the adjacent levels a
 * and a + 1, exactly one of which passes c.  The metric is interpolated
 * over x = log2(concurrency) with Steffen's method (M. Steffen, "A simple
 * method for monotonic interpolation in one dimension", A&A 239, 1990):
 * a piecewise cubic Hermite whose node slopes are limited so that it is
 * monotone between nodes, so it crosses the limit once in [x_a, x_a+1]
 * and bisection finds that crossing.  With two levels GSL's Steffen is
 * not defined (it needs 3 points) and the interpolant is linear.
 */
static int crossing(double *conc_out, const char *name, const double *lx,
                    size_t n, size_t a, const struct limit *c)
{
    const gsl_interp_type *type = n >= gsl_interp_type_min_size(
                                           gsl_interp_steffen)
                                      ? gsl_interp_steffen
                                      : gsl_interp_linear;
    gsl_interp *it = NULL;
    double lo = lx[a], hi = lx[a + 1];
    int pass_lo = holds(c, c->y[a]);
    int st, rc = 0, k;

    if (!(it = gsl_interp_alloc(type, n)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((st = gsl_interp_init(it, lx, c->y, n)) != GSL_SUCCESS) {
        rc = sk_error_set(SK_EINVAL, "%s: interpolating '%s': %s", name,
                          c->column, gsl_strerror(st));
        goto done;
    }
    for (k = 0; k < BISECT_MAX && hi - lo > BISECT_TOL; k++) {
        double mid = lo + (hi - lo) / 2, v;

        if ((st = gsl_interp_eval_e(it, lx, c->y, mid, NULL, &v)) !=
            GSL_SUCCESS) {
            rc = sk_error_set(SK_EINVAL, "%s: interpolating '%s': %s", name,
                              c->column, gsl_strerror(st));
            goto done;
        }
        if (holds(c, v) == pass_lo)
            lo = mid;
        else
            hi = mid;
    }
    *conc_out = exp2(lo + (hi - lo) / 2);
done:
    gsl_interp_free(it);
    return rc;
}

static int passes(const struct limit *lim, size_t nlim, size_t i)
{
    size_t k;

    for (k = 0; k < nlim; k++)
        if (!holds(&lim[k], lim[k].y[i]))
            return 0;
    return 1;
}

static double value_at(const double *y, size_t i)
{
    return y ? y[i] : NAN;
}

int sk_recommend(sk_recommend_result *out, const sk_recommend_levels *lv,
                 const sk_recommend_opts *opts)
{
    const char *name = lv->name ? lv->name : "input";
    const double *conc = lv->concurrency;
    const double *tput = lv->throughput_tokens_per_s;
    struct limit lim[5];
    sk_recommend_result r;
    double *lx = NULL;
    size_t nlim = 0, n = lv->n, i, k, best = 0, peak = 0;
    int rc, found = 0, tput_all;

    assert(conc);
    assert((size_t)opts->ttft_stat <
           sizeof(stat_columns) / sizeof(stat_columns[0]));
    if ((rc = check_limit(opts->ttft_budget_s, "TTFT budget")) != 0 ||
        (rc = check_limit(opts->min_query_tokens_per_s,
                          "minimum per-query speed")) != 0 ||
        (rc = check_limit(opts->throughput_goal_tokens_per_s,
                          "throughput goal")) != 0)
        return rc;
    if (!isnan(opts->max_error_rate) &&
        !(opts->max_error_rate >= 0 && opts->max_error_rate < 1))
        return sk_error_set(SK_EINVAL,
                            "maximum error rate must be in [0, 1), got %g",
                            opts->max_error_rate);
    if (!isnan(opts->min_slo_share) &&
        !(opts->min_slo_share > 0 && opts->min_slo_share <= 1))
        return sk_error_set(SK_EINVAL,
                            "minimum SLO share must be in (0, 1], got %g",
                            opts->min_slo_share);
    if (!isnan(opts->ttft_budget_s)) {
        assert(lv->ttft_s);
        lim[nlim++] = (struct limit){SK_LIMIT_TTFT,
                                     stat_columns[opts->ttft_stat],
                                     lv->ttft_s, opts->ttft_budget_s, 1};
    }
    if (!isnan(opts->min_query_tokens_per_s)) {
        assert(lv->query_tokens_per_s);
        lim[nlim++] = (struct limit){
            SK_LIMIT_QUERY_TPS, SK_RECOMMEND_QUERY_TPS_COLUMN,
            lv->query_tokens_per_s, opts->min_query_tokens_per_s, 0};
    }
    if (!isnan(opts->throughput_goal_tokens_per_s)) {
        assert(tput);
        lim[nlim++] = (struct limit){
            SK_LIMIT_THROUGHPUT, SK_RECOMMEND_THROUGHPUT_COLUMN, tput,
            opts->throughput_goal_tokens_per_s, 0};
    }
    if (!isnan(opts->max_error_rate)) {
        if (!lv->error_rate)
            return sk_error_set(SK_ENOTFOUND,
                                "%s: no errors and queries columns: a "
                                "maximum error rate needs them",
                                lv->name ? lv->name : "the sweep");
        lim[nlim++] = (struct limit){SK_LIMIT_ERROR_RATE, "errors",
                                     lv->error_rate, opts->max_error_rate,
                                     1};
    }
    if (!isnan(opts->min_slo_share)) {
        if (!lv->slo_share)
            return sk_error_set(SK_ENOTFOUND,
                                "%s: no slo_share column: a minimum SLO "
                                "share needs a summary made with "
                                "`sweepkit summarize --slo`",
                                lv->name ? lv->name : "the sweep");
        lim[nlim++] = (struct limit){SK_LIMIT_SLO_SHARE, "slo_share",
                                     lv->slo_share, opts->min_slo_share, 0};
    }
    if (nlim == 0)
        return sk_error_set(SK_EINVAL,
                            "no constraint given: need a TTFT budget, a "
                            "minimum per-query speed, a throughput goal or "
                            "a maximum error rate");

    if (n == 0)
        return sk_error_set(SK_ENODATA, "%s: no levels", name);
    if (n == 1)
        return sk_error_set(SK_ENODATA,
                            "%s: only one level (concurrency %g); a "
                            "recommendation needs at least two",
                            name, conc[0]);
    for (i = 0; i < n; i++)
        if (!(isfinite(conc[i]) && conc[i] > 0 &&
              (i == 0 || conc[i] > conc[i - 1])))
            return sk_error_set(SK_EINVAL,
                                "%s: concurrency %g at level %zu: levels "
                                "must be finite, > 0 and increasing",
                                name, conc[i], i + 1);
    /* Throughput is required only by a goal (a limit below); without one
     * a sweep with no wall times (a per-query file without start/end
     * times) is still answered from TTFT and query speed. */
    for (k = 0; k < nlim; k++)
        if ((rc = check_column(name, lim[k].column, lim[k].y, conc, n,
                               lim[k].id == SK_LIMIT_THROUGHPUT
                                   ? "; a throughput goal needs it (a TTFT "
                                     "budget or a minimum per-query speed "
                                     "does not)"
                                   : "")) != 0)
            return rc;

    memset(&r, 0, sizeof(r));
    r.opts = *opts;
    r.lowest = nlim >= 1 && lim[0].id == SK_LIMIT_THROUGHPUT &&
               (nlim == 1 ||
                (nlim == 2 && lim[1].id == SK_LIMIT_ERROR_RATE));
    /* (a share floor is a quality limit like the TTFT budget: the
     * highest level keeping it is the question) */
    r.binding = SK_LIMIT_NONE;
    r.neighbour_concurrency = NAN;
    r.neighbour_value = NAN;
    r.estimate_concurrency = NAN;
    r.ceiling_concurrency = NAN;
    r.ceiling_throughput_gain = NAN;
    r.ceiling_ttft_ratio = NAN;
    r.budget_confident = -1;
    /* The peak only over a complete column: a peak over some levels
     * would not be the highest measured. */
    for (i = 0, tput_all = tput != NULL; tput_all && i < n; i++)
        tput_all = !isnan(tput[i]);
    if (tput_all)
        peak = sk_metric_peak(tput, n);

    /* The answer: the highest passing level, or the lowest for a goal
     * alone (more concurrency only adds latency once the goal is met). */
    for (i = 0; i < n; i++) {
        size_t j = r.lowest ? i : n - 1 - i;

        if (passes(lim, nlim, j)) {
            best = j;
            found = 1;
            break;
        }
    }

    if (!found) {
        /* Closest: smallest worst miss factor; ties to the lower level. */
        double best_miss = INFINITY;

        for (i = 0; i < n; i++) {
            double worst = 0;
            enum sk_recommend_limit which = lim[0].id;

            for (k = 0; k < nlim; k++) {
                double m = miss_factor(&lim[k], lim[k].y[i]);

                if (m > worst) {
                    worst = m;
                    which = lim[k].id;
                }
            }
            if (i == 0 || worst < best_miss) {
                best_miss = worst;
                best = i;
                r.binding = which;
            }
        }
    } else if (r.lowest ? best > 0 : best < n - 1) {
        /* The neighbour fails at least one constraint; the binding one is
         * the constraint whose interpolated crossing lies nearest the
         * answer (first reached moving away from it). */
        size_t nb = r.lowest ? best - 1 : best + 1;
        size_t a = r.lowest ? nb : best;

        if (n > SIZE_MAX / sizeof(*lx) || !(lx = malloc(n * sizeof(*lx))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        for (i = 0; i < n; i++)
            lx[i] = log2(conc[i]);
        for (k = 0; k < nlim; k++) {
            double est = NAN;

            if (holds(&lim[k], lim[k].y[nb]))
                continue;
            if ((rc = crossing(&est, name, lx, n, a, &lim[k])) != 0)
                goto done;
            if (isnan(r.estimate_concurrency) ||
                (r.lowest ? est > r.estimate_concurrency
                          : est < r.estimate_concurrency)) {
                r.estimate_concurrency = est;
                r.binding = lim[k].id;
                r.neighbour_value = lim[k].y[nb];
            }
        }
        r.neighbour_concurrency = conc[nb];
    }

    if (found && !r.lowest) {
        r.ceiling_concurrency = conc[best];
        if (!opts->policy_max && tput) {
            /* knee-aware: the lowest qualifying level within the
             * tolerance of the best qualifying throughput */
            double top = -INFINITY;
            size_t j, knee = best;

            /* only when every qualifying level's throughput is known */
            for (j = 0; j <= best && !isnan(top); j++)
                if (passes(lim, nlim, j))
                    top = isnan(tput[j]) ? NAN : fmax(top, tput[j]);
            for (j = 0; j <= best; j++)
                if (passes(lim, nlim, j) &&
                    tput[j] >= (1 - opts->tolerance) * top) {
                    knee = j;
                    break;
                }
            if (knee != best && isfinite(top)) {
                r.knee = 1;
                r.ceiling_throughput_gain =
                    tput[knee] > 0 ? tput[best] / tput[knee] - 1 : NAN;
                r.ceiling_ttft_ratio =
                    lv->ttft_s && lv->ttft_s[knee] > 0
                        ? lv->ttft_s[best] / lv->ttft_s[knee]
                        : NAN;
                best = knee;
            }
        }
    }
    r.found = found;
    r.index = best;
    r.concurrency = conc[best];
    r.ttft_s = value_at(lv->ttft_s, best);
    r.query_tokens_per_s = value_at(lv->query_tokens_per_s, best);
    r.throughput_tokens_per_s = value_at(tput, best);
    r.error_rate = value_at(lv->error_rate, best);
    r.slo_share = value_at(lv->slo_share, best);
    r.peak_throughput_tokens_per_s = tput_all ? tput[peak] : NAN;
    r.peak_concurrency = tput_all ? conc[peak] : NAN;
    r.peak_share = tput_all && tput[peak] > 0 ? tput[best] / tput[peak] : NAN;
    r.ttft_hi = value_at(lv->ttft_hi, best);
    r.confidence = lv->ttft_hi ? lv->confidence : NAN;
    if (found && !isnan(opts->ttft_budget_s) && !isnan(r.ttft_hi))
        r.budget_confident = r.ttft_hi <= opts->ttft_budget_s;
    *out = r;
done:
    free(lx);
    return rc;
}

int sk_recommend_sweep(sk_recommend_result *out, const sk_sweep *s,
                       const sk_recommend_opts *opts)
{
    sk_recommend_levels lv;
    const char *ttft_col = sk_recommend_stat_column(opts->ttft_stat);
    int rc;

    lv.name = sk_sweep_name(s);
    lv.n = sk_sweep_levels(s);
    lv.concurrency = sk_sweep_concurrency(s);
    lv.ttft_s = NULL;
    lv.query_tokens_per_s = NULL;
    /* Columns without a constraint only feed the description. */
    /* Throughput feeds the share of the peak, so a bad cell in it is
     * still an error; only a missing column is fine without a goal. */
    if ((rc = sk_sweep_column(&lv.throughput_tokens_per_s, s,
                              sk_sweep_default_y(s))) != 0) {
        if (!isnan(opts->throughput_goal_tokens_per_s) ||
            rc != SK_ENOTFOUND)
            return rc;
        lv.throughput_tokens_per_s = NULL;
    }
    if ((rc = sk_sweep_column(&lv.ttft_s, s, ttft_col)) != 0) {
        if (!isnan(opts->ttft_budget_s))
            return rc;
        lv.ttft_s = NULL;
    }
    if ((rc = sk_sweep_column(&lv.query_tokens_per_s, s,
                              SK_RECOMMEND_QUERY_TPS_COLUMN)) != 0) {
        if (!isnan(opts->min_query_tokens_per_s))
            return rc;
        lv.query_tokens_per_s = NULL;
    }
    lv.error_rate = NULL;
    if (sk_sweep_column(&lv.slo_share, s, "slo_share") != 0)
        lv.slo_share = NULL;
    lv.ttft_hi = NULL;
    lv.confidence = NAN;
    if (opts->ttft_stat != SK_TTFT_AVG) {
        char hi[64];
        const double *c;

        snprintf(hi, sizeof(hi), "%s_hi", ttft_col);
        if (sk_sweep_column(&lv.ttft_hi, s, hi) != 0 ||
            sk_sweep_column(&c, s, "confidence") != 0)
            lv.ttft_hi = NULL;
        else
            lv.confidence = c[0];
    }
    {
        const double *e, *q;
        double *rate = NULL;
        size_t i;

        if (sk_sweep_column(&e, s, "errors") == 0 &&
            sk_sweep_column(&q, s, "queries") == 0 &&
            (rate = malloc(lv.n * sizeof(*rate)))) {
            for (i = 0; i < lv.n; i++)
                rate[i] = q[i] > 0 ? e[i] / q[i] : NAN;
            lv.error_rate = rate;
        }
        sk_error_clear();
        rc = sk_recommend(out, &lv, opts);
        free(rate);
        if (rc == 0)
            out->steady = sk_sweep_steady(s);
        return rc;
    }
}

int sk_recommend_analyse(struct sk_recommend_entry *e, const sk_sweep *s,
                         const sk_recommend_opts *opts, unsigned flags)
{
    sk_sweep *kept = NULL;
    int rc;

    memset(e, 0, sizeof(*e));
    e->file = sk_sweep_name(s);
    e->group = sk_sweep_group(s);
    if ((rc = sk_sweep_analysable(&kept, &e->left_out, s, flags)) == 0 &&
        (rc = sk_recommend_sweep(&e->r, kept, opts)) == 0)
        rc = sk_recommend_paragraph(e->text, sizeof(e->text), &e->r);
    if (rc == 0)
        sk_sweep_level_flags(e->flags, sizeof(e->flags), kept, e->r.index);
    sk_sweep_free(kept);
    return rc;
}

/* Whether a is a better answer than b (both found). */
static int better(const sk_recommend_result *a, const sk_recommend_result *b)
{
    if (a->lowest) {
        if (a->concurrency != b->concurrency)
            return a->concurrency < b->concurrency;
        return a->throughput_tokens_per_s > b->throughput_tokens_per_s;
    }
    if (!isnan(a->throughput_tokens_per_s) &&
        !isnan(b->throughput_tokens_per_s))
        return a->throughput_tokens_per_s > b->throughput_tokens_per_s;
    return a->concurrency > b->concurrency;
}

size_t sk_recommend_best(struct sk_recommend_entry *e, size_t n)
{
    size_t i, best = n;

    if (n <= 1)
        return n;
    for (i = 0; i < n; i++)
        if (e[i].r.found && (best == n || better(&e[i].r, &e[best].r)))
            best = i;
    for (i = 0; i < n; i++) {
        e[i].best = i == best ? 1 : -1;
        e[i].nconfigs = n;
    }
    return best;
}

const char *sk_recommend_best_reason(const struct sk_recommend_entry *e)
{
    if (e->r.lowest)
        return "reaches the throughput goal at the lowest concurrency";
    if (!isnan(e->r.throughput_tokens_per_s))
        return "most throughput within every constraint";
    return "highest concurrency within every constraint";
}

/* --- the paragraph ------------------------------------------------------ */

struct text {
    char *buf;
    size_t cap, len;
    int full;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (t->full)
        return;
    va_start(ap, fmt);
    w = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= t->cap - t->len)
        t->full = 1;
    else
        t->len += (size_t)w;
}


static const char *limit_unit(enum sk_recommend_limit id)
{
    return id == SK_LIMIT_TTFT                                    ? "s"
           : id == SK_LIMIT_ERROR_RATE || id == SK_LIMIT_SLO_SHARE ? "%"
                                                                  : "tok/s";
}

/* A limit's or a metric's value as the text shows it (a rate in %). */
static double shown(enum sk_recommend_limit id, double v)
{
    return id == SK_LIMIT_ERROR_RATE || id == SK_LIMIT_SLO_SHARE ? 100 * v
                                                                 : v;
}

static double limit_value(const sk_recommend_opts *o,
                          enum sk_recommend_limit id)
{
    switch (id) {
    case SK_LIMIT_TTFT: return o->ttft_budget_s;
    case SK_LIMIT_QUERY_TPS: return o->min_query_tokens_per_s;
    case SK_LIMIT_THROUGHPUT: return o->throughput_goal_tokens_per_s;
    case SK_LIMIT_ERROR_RATE: return o->max_error_rate;
    case SK_LIMIT_SLO_SHARE: return o->min_slo_share;
    default: return NAN;
    }
}

static double result_value(const sk_recommend_result *r,
                           enum sk_recommend_limit id)
{
    switch (id) {
    case SK_LIMIT_TTFT: return r->ttft_s;
    case SK_LIMIT_QUERY_TPS: return r->query_tokens_per_s;
    case SK_LIMIT_THROUGHPUT: return r->throughput_tokens_per_s;
    case SK_LIMIT_ERROR_RATE: return r->error_rate;
    case SK_LIMIT_SLO_SHARE: return r->slo_share;
    default: return NAN;
    }
}

/* "avg TTFT", "per-query speed", "throughput". */
static void add_metric(struct text *t, const sk_recommend_result *r,
                       enum sk_recommend_limit id)
{
    if (id == SK_LIMIT_TTFT)
        add(t, "%s TTFT", stat_names[r->opts.ttft_stat]);
    else
        add(t, "%s", id == SK_LIMIT_QUERY_TPS   ? "per-query speed"
                     : id == SK_LIMIT_ERROR_RATE ? "error rate"
                     : id == SK_LIMIT_SLO_SHARE  ? "share of queries within "
                                                   "the SLOs"
                     : r->steady                 ? "steady-state throughput"
                                                 : "throughput");
}

/* "avg TTFT budget", "per-query speed minimum", "throughput goal". */
static void add_constraint(struct text *t, const sk_recommend_result *r,
                           enum sk_recommend_limit id)
{
    add_metric(t, r, id);
    add(t, "%s", id == SK_LIMIT_TTFT          ? " budget"
                 : id == SK_LIMIT_QUERY_TPS   ? " minimum"
                 : id == SK_LIMIT_ERROR_RATE ? " maximum"
                 : id == SK_LIMIT_SLO_SHARE  ? " minimum"
                                              : " goal");
}

int sk_recommend_paragraph(char *buf, size_t cap,
                           const sk_recommend_result *r)
{
    static const enum sk_recommend_limit ids[] = {
        SK_LIMIT_TTFT, SK_LIMIT_QUERY_TPS, SK_LIMIT_THROUGHPUT,
        SK_LIMIT_ERROR_RATE, SK_LIMIT_SLO_SHARE};
    const sk_recommend_opts *o = &r->opts;
    struct text t = {buf, cap, 0, 0};
    char a[32], b[32];
    size_t k, nshown = 0, nvalues = 0;

    assert(cap > 0);
    buf[0] = '\0';
    if (r->found && r->knee)
        add(&t, "Recommended concurrency: %g, the lowest measured level "
                "within %g%% of the best throughput that meets every "
                "constraint (",
            r->concurrency, 100 * o->tolerance);
    else if (r->found)
        add(&t, "Recommended concurrency: %g, the %s measured level that "
                "%s (",
            r->concurrency, r->lowest ? "lowest" : "highest",
            r->lowest ? "reaches the throughput goal"
                      : "meets every constraint");
    else
        add(&t, "No measured level meets every constraint (");
    for (k = 0; k < 5; k++) {
        if (isnan(limit_value(o, ids[k])))
            continue;
        add(&t, "%s", nshown++ ? ", " : "");
        add_metric(&t, r, ids[k]);
        add(&t, " %s %s %s",
            ids[k] == SK_LIMIT_TTFT || ids[k] == SK_LIMIT_ERROR_RATE ? "<="
                                                                     : ">=",
            sk_num_human(a, sizeof(a), shown(ids[k], limit_value(o, ids[k]))),
            limit_unit(ids[k]));
    }
    add(&t, ").");
    if (!r->found)
        add(&t, " The closest is concurrency %g.", r->concurrency);

    /* "There avg TTFT is 0.62 s, per-query speed 55.32 tok/s and
     * throughput 885.04 tok/s, ..." over the values that are known. */
    for (k = 0; k < 3; k++)
        nvalues += !isnan(result_value(r, ids[k]));
    /* (the error rate is said where it binds or misses, not here) */
    for (k = 0, nshown = 0; k < 3; k++) {
        double v = result_value(r, ids[k]);

        if (isnan(v))
            continue;
        add(&t, "%s", nshown == 0           ? " There "
                      : nshown + 1 < nvalues ? ", "
                                             : " and ");
        add_metric(&t, r, ids[k]);
        add(&t, "%s %s %s", nshown++ == 0 ? " is" : "",
            sk_num_human(a, sizeof(a), v), limit_unit(ids[k]));
    }
    /* No share when throughput is unknown (then it is left out above)
     * or no throughput > 0 was measured. */
    if (isnan(r->peak_share))
        add(&t, ".");
    else
        add(&t, ", %.1f%% of the peak measured throughput (%s tok/s at "
                "concurrency %g).",
            100 * r->peak_share,
            sk_num_human(a, sizeof(a), r->peak_throughput_tokens_per_s),
            r->peak_concurrency);

    if (r->knee) {
        add(&t, " %g also meets every constraint: %+.1f%% throughput",
            r->ceiling_concurrency, 100 * r->ceiling_throughput_gain);
        if (!isnan(r->ceiling_ttft_ratio)) {
            add(&t, " at %sx the ", sk_num_human(a, sizeof(a),
                                                  r->ceiling_ttft_ratio));
            add_metric(&t, r, SK_LIMIT_TTFT);
        }
        add(&t, ": past the knee more concurrency only queues.");
    }
    if (r->budget_confident >= 0) {
        add(&t, " The budget is met %s: ",
            r->budget_confident ? "with confidence"
                                : "by the point estimate only");
        add(&t, "the %g%% interval of the ", 100 * r->confidence);
        add_metric(&t, r, SK_LIMIT_TTFT);
        add(&t, " %s %s s.",
            r->budget_confident ? "ends at" : "reaches",
            sk_num_human(a, sizeof(a), r->ttft_hi));
    } else if (r->found && !isnan(o->ttft_budget_s) &&
               !isnan(r->confidence)) {
        add(&t, " The ");
        add_metric(&t, r, SK_LIMIT_TTFT);
        add(&t, " has no %g%% interval there: too few queries.",
            100 * r->confidence);
    }
    if (!r->found) {
        add(&t, " It misses the ");
        add_constraint(&t, r, r->binding);
        add(&t, " by the widest margin: %s %s against %s %s.",
            sk_num_human(a, sizeof(a),
                         shown(r->binding, result_value(r, r->binding))),
            limit_unit(r->binding),
            sk_num_human(b, sizeof(b),
                         shown(r->binding, limit_value(o, r->binding))),
            limit_unit(r->binding));
    } else if (r->binding == SK_LIMIT_NONE) {
        add(&t, " No constraint binds within the measured range: %s at "
                "concurrency %g, the %s level measured.",
            r->lowest ? "the goal is already reached"
                      : "every constraint still holds",
            r->lowest ? r->concurrency : r->ceiling_concurrency,
            r->lowest ? "lowest" : "highest");
    } else {
        double lo = r->lowest ? r->neighbour_concurrency
                              : r->ceiling_concurrency;
        double hi = r->lowest ? r->concurrency : r->neighbour_concurrency;

        add(&t, " The ");
        add_constraint(&t, r, r->binding);
        add(&t, " binds: at concurrency %g ", r->neighbour_concurrency);
        add_metric(&t, r, r->binding);
        add(&t, " is %s %s; monotone interpolation between %g and %g puts "
                "the crossing at about concurrency %.1f.",
            sk_num_human(a, sizeof(a), shown(r->binding, r->neighbour_value)),
            limit_unit(r->binding),
            lo, hi, r->estimate_concurrency);
    }
    if (t.full) {
        buf[0] = '\0';
        return sk_error_set(SK_ELIMIT,
                            "recommendation text longer than %zu bytes",
                            cap - 1);
    }
    return 0;
}
