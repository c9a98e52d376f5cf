/*
 * Two runs compared (compare.h, docs/compare.md).  The values compared
 * are the runs' own summaries' (summarize.c: one definition each); the
 * intervals come from a percentile bootstrap over each run's per-query
 * samples, resampled independently, of the ratio of the statistic; the
 * p-values from the Mann-Whitney U test (normal approximation with the
 * tie correction and a continuity correction); the verdicts from the Holm
 * step-down correction across every level and metric compared.
 * Throughput's interval and test use the per-query speeds it is made of:
 * at one concurrency, throughput = achieved concurrency x mean per-query
 * speed (Little's law).
 *
 * Queries that run at the same time share the server's state (a slow
 * step slows every one in flight), so they are not independent draws:
 * tests and resampling work on blocks of consecutive queries (by start
 * time), one block per `concurrency` queries, each a wave of the level.
 * The Mann-Whitney test compares the blocks' means; the bootstrap
 * resamples whole blocks (a non-overlapping block bootstrap, Carlstein
 * 1986).
 */
#include "sweepkit/compare.h"

#include "sweepkit/error.h"
#include "sweepkit/json.h"
#include "sweepkit/num.h"
#include "sweepkit/runset.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"

#include <gsl/gsl_cdf.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct run {
    struct sk_queries *q; /* per-query data, or NULL */
    sk_sweep *s;          /* a summary, when there is no per-query data */
};

struct sk_compare {
    struct sk_compare_row *rows;
    size_t n;
    double confidence; /* of the intervals and tests */
    int repeats;       /* rows from sk_compare_repeats() */
};

static const char *verdict_words(int v);

static const char *const metric_names[SK_CMP_NMETRICS] = {
    "throughput", "ttft_mean", "ttft_p90", "query_tps"};
/* +1: higher is better */
static const int polarity[SK_CMP_NMETRICS] = {1, -1, -1, 1};

const char *sk_compare_metric_name(enum sk_compare_metric m)
{
    return m < SK_CMP_NMETRICS ? metric_names[m] : "?";
}

void sk_compare_opts_init(sk_compare_opts *o)
{
    o->confidence = 0.95;
    o->resamples = 2000;
    o->seed = 1;
}

/* ---- loading ----------------------------------------------------------- */

static int load(struct run *r, const char *path)
{
    char first[600];
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = sk_summarize_load(&r->q, path)) == 0)
        return 0;
    if (rc == SK_ENOMEM)
        return rc;
    /* not a per-query file: a summary, compared without intervals */
    snprintf(first, sizeof(first), "%s", sk_error_last());
    if (sk_sweep_load(&r->s, path) == 0)
        return 0;
    return sk_error_set(rc, "%s", first);
}

static void unload(struct run *r)
{
    sk_summarize_queries_free(r->q);
    sk_sweep_free(r->s);
}

static size_t nlevels(const struct run *r)
{
    return r->q ? r->q->nlevels : sk_sweep_levels(r->s);
}

static double level_conc(const struct run *r, size_t i)
{
    return r->q ? r->q->levels[i].concurrency : sk_sweep_concurrency(r->s)[i];
}

/* The run's value of metric m at level i (NaN: not in the data). */
static double value(const struct run *r, size_t i, enum sk_compare_metric m)
{
    static const char *const cols[SK_CMP_NMETRICS] = {
        NULL, "avg_ttft_s", "p90_ttft_s", "avg_query_tokens_per_s"};
    const double *v;

    if (r->q) {
        const struct sk_level *lv = &r->q->levels[i];

        switch (m) {
        case SK_CMP_THROUGHPUT: return lv->throughput_tokens_per_s;
        case SK_CMP_TTFT_MEAN: return lv->ttft_s[0];
        case SK_CMP_TTFT_P90: return lv->ttft_s[2];
        case SK_CMP_QUERY_TPS: return lv->query_tps[0];
        default: return NAN;
        }
    }
    if (sk_sweep_column(&v, r->s, m == SK_CMP_THROUGHPUT
                                      ? sk_sweep_default_y(r->s)
                                      : cols[m]) != 0) {
        sk_error_clear();
        return NAN;
    }
    return v[i];
}

struct timed {
    double start, v;
};

static int by_start(const void *a, const void *b)
{
    const struct timed *x = a, *y = b;

    return (x->start > y->start) - (x->start < y->start);
}

/* The level's finite samples of the per-query column behind metric m
 * (TTFT, or per-query tok/s, also behind throughput), in order of start
 * (file order without times).  Caller frees. */
static double *samples(size_t *n, const struct run *r, double conc,
                       enum sk_compare_metric m)
{
    const struct sk_queries *q = r->q;
    const double *src = m == SK_CMP_TTFT_MEAN || m == SK_CMP_TTFT_P90
                            ? q->ttft_s
                            : q->tokens_per_s;
    struct timed *t = malloc((q->n ? q->n : 1) * sizeof(*t));
    double *v = malloc((q->n ? q->n : 1) * sizeof(*v));
    size_t j;

    *n = 0;
    if (!t || !v) {
        free(t);
        free(v);
        return NULL;
    }
    for (j = 0; j < q->n; j++)
        if (q->concurrency[j] == conc && isfinite(src[j])) {
            t[*n].start = q->start_s ? q->start_s[j] : (double)j;
            t[(*n)++].v = src[j];
        }
    qsort(t, *n, sizeof(*t), by_start); /* stable enough: ties keep any */
    for (j = 0; j < *n; j++)
        v[j] = t[j].v;
    free(t);
    return v;
}

/* ---- statistics -------------------------------------------------------- */

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The statistic of metric m over v[0..n) (sorted in place for p90). */
static double statistic(double *v, size_t n, enum sk_compare_metric m)
{
    double sum = 0, p;
    size_t i;

    if (m == SK_CMP_TTFT_P90) {
        qsort(v, n, sizeof(*v), by_value);
        return sk_stats_percentile(&p, v, n, 90) == 0 ? p : NAN;
    }
    for (i = 0; i < n; i++)
        sum += v[i];
    return sum / (double)n;
}

/* Values of `n` samples in blocks of `k`: resample whole blocks with
 * replacement into out[0..n) (the last block may be short). */
static void resample(double *out, const double *v, size_t n, size_t k,
                     uint64_t *seed)
{
    size_t nb = (n + k - 1) / k, at = 0;

    while (at < n) {
        size_t blk = next(seed) % nb, i;

        for (i = blk * k; i < n && i < (blk + 1) * k && at < n; i++)
            out[at++] = v[i];
    }
}

/* Block-bootstrap percentile interval of stat(c*) / stat(b*) - 1. */
static int interval(double *lo, double *hi, const double *b, size_t nb,
                    const double *c, size_t nc, size_t k,
                    enum sk_compare_metric m, const sk_compare_opts *o,
                    uint64_t *seed)
{
    double *rb = malloc(nb * sizeof(*rb)), *rc_ = malloc(nc * sizeof(*rc_)),
           *d = malloc(o->resamples * sizeof(*d)), a = (1 - o->confidence) / 2;
    unsigned r;

    if (!rb || !rc_ || !d) {
        free(rb);
        free(rc_);
        free(d);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    unsigned kept = 0;

    for (r = 0; r < o->resamples; r++) {
        double sb, sc;

        resample(rb, b, nb, k, seed);
        resample(rc_, c, nc, k, seed);
        sb = statistic(rb, nb, m);
        sc = statistic(rc_, nc, m);
        if (sb > 0 && isfinite(sc)) /* a ratio to a zero has no value */
            d[kept++] = sc / sb - 1;
    }
    *lo = *hi = NAN;
    if (kept > 0) {
        qsort(d, kept, sizeof(*d), by_value);
        sk_stats_percentile(lo, d, kept, 100 * a);
        sk_stats_percentile(hi, d, kept, 100 * (1 - a));
    }
    free(rb);
    free(rc_);
    free(d);
    return 0;
}

/* The means of v's blocks of k, in place; their count. */
static size_t block_means(double *v, size_t n, size_t k)
{
    size_t i, nb = 0;

    for (i = 0; i < n; i += k) {
        size_t j, e = i + k < n ? i + k : n;
        double sum = 0;

        for (j = i; j < e; j++)
            sum += v[j];
        v[nb++] = sum / (double)(e - i);
    }
    return nb;
}

struct ranked {
    double v;
    int from_c;
};

static int by_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;

    return (x->v > y->v) - (x->v < y->v);
}

/*
 * The exact two-sided p of U for samples of m and n without ties: the
 * share of the C(m+n, m) arrangements whose U is as far from m n / 2 as
 * `u`, counted with f(u; m, n) = f(u - n; m - 1, n) + f(u; m, n - 1).
 * For up to 24 values a side; NaN beyond (the normal approximation is
 * then close).
 */
static double exact_p(double u, size_t m, size_t n)
{
    size_t max = m * n, i, j, v;
    double *f, *g, total = 0, tail = 0, d = fabs(u - (double)max / 2);

    if (m > 24 || n > 24 || m == 0 || n == 0)
        return NAN;
    /* f[j][v]: ways with i values of the first sample among i + j */
    f = calloc((n + 1) * (max + 1), sizeof(*f));
    g = calloc((n + 1) * (max + 1), sizeof(*g));
    if (!f || !g) {
        free(f);
        free(g);
        return NAN;
    }
    for (j = 0; j <= n; j++)
        f[j * (max + 1)] = 1; /* i = 0: U = 0 */
    for (i = 1; i <= m; i++) {
        memset(g, 0, (n + 1) * (max + 1) * sizeof(*g));
        g[0] = 1; /* j = 0: U = 0 */
        for (j = 1; j <= n; j++)
            for (v = 0; v <= i * j; v++)
                g[j * (max + 1) + v] =
                    (v >= j ? f[j * (max + 1) + v - j] : 0) +
                    g[(j - 1) * (max + 1) + v];
        memcpy(f, g, (n + 1) * (max + 1) * sizeof(*f));
    }
    for (v = 0; v <= max; v++) {
        double w = f[n * (max + 1) + v];

        total += w;
        if (fabs((double)v - (double)max / 2) >= d - 1e-9)
            tail += w;
    }
    free(f);
    free(g);
    return tail / total;
}

/* Mann-Whitney U, two-sided p: exact for small samples (a few waves a
 * side), else the normal approximation with the variance's tie
 * correction and a continuity correction of 1/2; ties take average
 * ranks. */
static double mann_whitney(const double *b, size_t nb, const double *c,
                           size_t nc)
{
    size_t n = nb + nc, i, j;
    struct ranked *all = malloc(n * sizeof(*all));
    double r1 = 0, ties = 0, u, mu, var, z;

    if (!all)
        return NAN;
    for (i = 0; i < nb; i++)
        all[i] = (struct ranked){b[i], 0};
    for (i = 0; i < nc; i++)
        all[nb + i] = (struct ranked){c[i], 1};
    qsort(all, n, sizeof(*all), by_ranked);
    for (i = 0; i < n; i = j) {
        double rank;
        size_t k;

        for (j = i + 1; j < n && all[j].v == all[i].v; j++)
            ;
        rank = (double)(i + 1 + j) / 2; /* ranks i+1 .. j */
        for (k = i; k < j; k++)
            if (all[k].from_c)
                r1 += rank;
        ties += pow((double)(j - i), 3) - (double)(j - i);
    }
    free(all);
    u = r1 - (double)nc * ((double)nc + 1) / 2;
    if (ties == 0 && !isnan(z = exact_p(u, nc, nb)))
        return z;
    mu = (double)nb * (double)nc / 2;
    var = (double)nb * (double)nc / 12 *
          ((double)n + 1 - ties / ((double)n * ((double)n - 1)));
    if (!(var > 0))
        return 1; /* every value equal */
    z = (fabs(u - mu) - 0.5) / sqrt(var);
    if (z < 0)
        z = 0;
    return 2 * gsl_cdf_ugaussian_Q(z);
}

static int by_p(const void *a, const void *b)
{
    const struct sk_compare_row *x = *(const struct sk_compare_row *const *)a,
                                *y = *(const struct sk_compare_row *const *)b;

    return (x->p > y->p) - (x->p < y->p);
}

/* Holm: the i-th smallest of m p-values adjusted to max over j <= i of
 * (m - j) p_(j), capped at 1; a verdict where it is below 1 - level. */
static int holm(struct sk_compare *c, double alpha)
{
    struct sk_compare_row **t = malloc((c->n ? c->n : 1) * sizeof(*t));
    size_t i, m = 0;
    double run = 0;

    if (!t)
        return sk_error_set(SK_ENOMEM, "out of memory");
    /* one test per level and sample: throughput shares query_tps's
     * (per-query speeds), ttft_p90 ttft_mean's (TTFT): counted once;
     * repeats test each metric's run values on their own */
    for (i = 0; i < c->n; i++)
        if (!isnan(c->rows[i].p) &&
            (c->repeats || (c->rows[i].metric != SK_CMP_THROUGHPUT &&
                            c->rows[i].metric != SK_CMP_TTFT_P90)))
            t[m++] = &c->rows[i];
    qsort(t, m, sizeof(*t), by_p);
    for (i = 0; i < m; i++) {
        double adj = (double)(m - i) * t[i]->p;

        run = adj > run ? adj : run;
        t[i]->p_holm = run < 1 ? run : 1;
    }
    for (i = 0; i < c->n; i++) {
        struct sk_compare_row *r = &c->rows[i];
        size_t j;

        if (isnan(r->p))
            continue;
        for (j = 0; isnan(r->p_holm) && j < c->n; j++)
            if (c->rows[j].concurrency == r->concurrency &&
                c->rows[j].metric == (r->metric == SK_CMP_THROUGHPUT
                                          ? SK_CMP_QUERY_TPS
                                          : SK_CMP_TTFT_MEAN))
                r->p_holm = c->rows[j].p_holm;
        /* the direction from the values themselves (a zero baseline has
         * no ratio) */
        r->verdict = r->p_holm < alpha
                         ? ((r->candidate - r->baseline) *
                                        polarity[r->metric] > 0
                                ? 1
                                : -1)
                         : 0;
    }
    free(t);
    return 0;
}

/* ---- the comparison ---------------------------------------------------- */

static int compare_level(struct sk_compare *c, const struct run *b, size_t ib,
                         const struct run *cd, size_t ic,
                         const sk_compare_opts *o, uint64_t *seed)
{
    double conc = level_conc(b, ib);
    int m, rc = 0;

    for (m = 0; m < SK_CMP_NMETRICS && rc == 0; m++) {
        struct sk_compare_row *r = &c->rows[c->n];

        r->concurrency = conc;
        r->metric = (enum sk_compare_metric)m;
        r->baseline = value(b, ib, r->metric);
        r->candidate = value(cd, ic, r->metric);
        if (isnan(r->baseline) || isnan(r->candidate))
            continue; /* a metric one run lacks: no row */
        r->change = r->baseline != 0 ? r->candidate / r->baseline - 1 : NAN;
        r->lo = r->hi = r->p = r->p_holm = NAN;
        r->cv_baseline = r->cv_candidate = NAN;
        r->verdict = b->q && cd->q ? 3 : 2;
        if (b->q && cd->q) {
            size_t nb, nc;
            double *vb = samples(&nb, b, conc, r->metric),
                   *vc = samples(&nc, cd, conc, r->metric);

            /* a block: a wave of the level's queries */
            size_t k = conc >= 1 ? (size_t)ceil(conc) : 1;

            if (!vb || !vc)
                rc = sk_error_set(SK_ENOMEM, "out of memory");
            else if (nb >= 2 * k && nc >= 2 * k) {
                rc = interval(&r->lo, &r->hi, vb, nb, vc, nc, k, r->metric,
                              o, seed);
                if (r->metric == SK_CMP_THROUGHPUT && !isnan(r->lo)) {
                    /* the per-query speeds' ratio's spread, about the
                     * throughput's own change */
                    double q = statistic(vc, nc, r->metric) /
                               statistic(vb, nb, r->metric);

                    r->lo = (1 + r->change) * (1 + r->lo) / q - 1;
                    r->hi = (1 + r->change) * (1 + r->hi) / q - 1;
                }
                nb = block_means(vb, nb, k);
                nc = block_means(vc, nc, k);
                r->p = mann_whitney(vb, nb, vc, nc);
            }
            free(vb);
            free(vc);
        }
        c->n++;
    }
    return rc;
}


/* ---- repeats ----------------------------------------------------------- */

static void repeat_stat(struct sk_repeat_stat *st, const double *v, size_t n,
                        double confidence)
{
    size_t i;
    double sum = 0, ss = 0;

    st->n = 0;
    for (i = 0; i < n; i++)
        if (!isnan(v[i])) {
            sum += v[i];
            st->n++;
        }
    st->mean = st->n ? sum / (double)st->n : NAN;
    for (i = 0; i < n; i++)
        if (!isnan(v[i]))
            ss += (v[i] - st->mean) * (v[i] - st->mean);
    st->sd = st->n >= 2 ? sqrt(ss / (double)(st->n - 1)) : NAN;
    st->cv = st->mean != 0 ? st->sd / st->mean : NAN;
    sk_stats_t_interval(&st->lo, &st->hi, st->mean, st->sd, st->n,
                        confidence);
}

/* Level j of run r at concurrency x, or SIZE_MAX. */
static size_t find_level(const sk_sweep *s, double x)
{
    const double *c = sk_sweep_concurrency(s);
    size_t j;

    for (j = 0; j < sk_sweep_levels(s); j++)
        if (c[j] == x)
            return j;
    return SIZE_MAX;
}

int sk_repeats_combine(struct sk_repeat_level **out, size_t *nlevels,
                       const sk_sweep *const *runs, size_t n,
                       double confidence)
{
    size_t i, k, j, nl = 0, cap = n ? sk_sweep_levels(runs[0]) : 0;
    struct sk_repeat_level *lv;
    double *v;

    *out = NULL;
    *nlevels = 0;
    if (n == 0 || cap == 0)
        return sk_error_set(SK_ENODATA, "no runs to combine");
    if (!(lv = calloc(cap, sizeof(*lv))) ||
        !(v = malloc(n * sizeof(*v)))) {
        free(lv);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    for (i = 0; i < cap; i++) {
        double x = sk_sweep_concurrency(runs[0])[i];
        int m, everywhere = 1;

        for (k = 1; k < n && everywhere; k++)
            everywhere = find_level(runs[k], x) != SIZE_MAX;
        if (!everywhere)
            continue;
        lv[nl].concurrency = x;
        for (m = 0; m < SK_CMP_NMETRICS; m++) {
            for (k = 0; k < n; k++) {
                struct run r = {NULL, (sk_sweep *)runs[k]};

                j = find_level(runs[k], x);
                v[k] = value(&r, j, (enum sk_compare_metric)m);
            }
            repeat_stat(&lv[nl].m[m], v, n, confidence);
        }
        nl++;
    }
    free(v);
    if (nl == 0) {
        free(lv);
        return sk_error_set(SK_ENODATA, "%s and the other runs have no "
                                        "concurrency level in common",
                            sk_sweep_name(runs[0]));
    }
    *out = lv;
    *nlevels = nl;
    return 0;
}

/* Welch's test of mean b against mean a: the interval of (b - a) / a
 * and the two-sided p.  Both NaN with under two runs a side or no
 * spread at all. */
static void welch(double *lo, double *hi, double *p,
                  const struct sk_repeat_stat *a,
                  const struct sk_repeat_stat *b, double confidence)
{
    double va, vb, se, df, t;

    *lo = *hi = *p = NAN;
    if (a->n < 2 || b->n < 2 || a->mean == 0)
        return;
    va = a->sd * a->sd / (double)a->n;
    vb = b->sd * b->sd / (double)b->n;
    se = sqrt(va + vb);
    if (!(se > 0))
        return;
    df = (va + vb) * (va + vb) /
         (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    t = gsl_cdf_tdist_Pinv((1 + confidence) / 2, df);
    *lo = (b->mean - a->mean - t * se) / a->mean;
    *hi = (b->mean - a->mean + t * se) / a->mean;
    *p = 2 * gsl_cdf_tdist_Q(fabs(b->mean - a->mean) / se, df);
}

int sk_compare_repeats(sk_compare **out, const sk_sweep *const *base,
                       size_t nb, const sk_sweep *const *cand, size_t nc,
                       const sk_compare_opts *opts)
{
    struct sk_repeat_level *a = NULL, *b = NULL;
    size_t na = 0, nbl = 0, i, j;
    struct sk_compare *c = NULL;
    sk_compare_opts o;
    int m, rc;

    *out = NULL;
    if (opts)
        o = *opts;
    else
        sk_compare_opts_init(&o);
    if ((rc = sk_repeats_combine(&a, &na, base, nb, o.confidence)) != 0 ||
        (rc = sk_repeats_combine(&b, &nbl, cand, nc, o.confidence)) != 0)
        goto done;
    if (!(c = calloc(1, sizeof(*c))) ||
        !(c->rows = calloc(na * SK_CMP_NMETRICS + 1, sizeof(*c->rows)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    c->confidence = o.confidence;
    c->repeats = 1;
    for (i = 0; i < na; i++)
        for (j = 0; j < nbl; j++) {
            if (a[i].concurrency != b[j].concurrency)
                continue;
            for (m = 0; m < SK_CMP_NMETRICS; m++) {
                const struct sk_repeat_stat *x = &a[i].m[m], *y = &b[j].m[m];
                struct sk_compare_row *r = &c->rows[c->n];

                if (x->n == 0 || y->n == 0)
                    continue;
                r->concurrency = a[i].concurrency;
                r->metric = (enum sk_compare_metric)m;
                r->baseline = x->mean;
                r->candidate = y->mean;
                r->change = x->mean != 0 ? y->mean / x->mean - 1 : NAN;
                r->p_holm = NAN;
                welch(&r->lo, &r->hi, &r->p, x, y, o.confidence);
                r->verdict = x->n < 2 || y->n < 2 ? 4 : 0;
                r->runs_baseline = x->n;
                r->runs_candidate = y->n;
                r->cv_baseline = x->cv;
                r->cv_candidate = y->cv;
                c->n++;
            }
        }
    if (c->n == 0)
        rc = sk_error_set(SK_ENODATA, "%s and %s have no concurrency level "
                                      "in common",
                          sk_sweep_name(base[0]), sk_sweep_name(cand[0]));
    else
        rc = holm(c, 1 - o.confidence);
done:
    free(a);
    free(b);
    if (rc != 0) {
        sk_compare_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int sk_compare_is_repeats(const sk_compare *c)
{
    return c->repeats;
}

/* One side of a comparison: a directory of several sweepkit runs of one
 * configuration (repeats), else one run (`load()`). */
struct side {
    sk_runset *rs;          /* repeats: the runs; NULL otherwise */
    const sk_sweep **sweeps; /* each run's summary */
    size_t n;
};

static void side_free(struct side *sd)
{
    sk_runset_free(sd->rs);
    free(sd->sweeps);
    memset(sd, 0, sizeof(*sd));
}

/* `path` as repeats when it is a directory of two or more runs; 0 with
 * sd->n == 0 when it is not (one run, not a directory, not runs). */
static int side_repeats(struct side *sd, const char *path)
{
    struct stat st;
    char first[600], key[600];
    size_t i;
    int rc;

    memset(sd, 0, sizeof(*sd));
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    if ((rc = sk_runset_new(&sd->rs)) != 0)
        return rc;
    if (sk_runset_add(sd->rs, path) != 0 || sk_runset_load(sd->rs) != 0 ||
        sk_runset_count(sd->rs) < 2) {
        sk_error_clear(); /* not runs of sweepkit's: the readers say why */
        side_free(sd);
        return 0;
    }
    sd->n = sk_runset_count(sd->rs);
    if (!(sd->sweeps = calloc(sd->n, sizeof(*sd->sweeps)))) {
        side_free(sd);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    for (i = 0; i < sd->n; i++) {
        const struct sk_runset_run *r = sk_runset_get(sd->rs, i);

        sd->sweeps[i] = r->sweep;
        sk_runset_config(i ? key : first, sizeof(key), r);
        if (i && strcmp(key, first) != 0) {
            rc = sk_error_set(SK_EINVAL,
                              "%s: runs of different configurations "
                              "('%s', '%s'); compare one configuration's "
                              "repeats (same model or prefix, labels and "
                              "levels)",
                              path, first, key);
            side_free(sd);
            return rc;
        }
    }
    return 0;
}

/* The other side of repeats, one run: its summary (from a per-query file,
 * as the runset reads it). */
static int side_one(struct side *sd, const char *path)
{
    int rc;

    memset(sd, 0, sizeof(*sd));
    if ((rc = sk_runset_new(&sd->rs)) != 0)
        return rc;
    if ((rc = sk_runset_add(sd->rs, path)) != 0 ||
        (rc = sk_runset_load(sd->rs)) != 0) {
        side_free(sd);
        return rc;
    }
    if (sk_runset_count(sd->rs) != 1) {
        side_free(sd);
        return sk_error_set(SK_EINVAL, "%s: not one run", path);
    }
    sd->n = 1;
    if (!(sd->sweeps = calloc(1, sizeof(*sd->sweeps)))) {
        side_free(sd);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    sd->sweeps[0] = sk_runset_get(sd->rs, 0)->sweep;
    return 0;
}

int sk_compare_runs(sk_compare **out, const char *baseline,
                    const char *candidate, const sk_compare_opts *opts)
{
    struct side sb, sc;
    struct run b, cd;
    struct sk_compare *c = NULL;
    sk_compare_opts o;
    uint64_t seed;
    size_t i, j, common = 0;
    int rc;

    *out = NULL;
    if (opts)
        o = *opts;
    else
        sk_compare_opts_init(&o);
    seed = o.seed;
    /* Repeats on either side: both compared as repeats. */
    if ((rc = side_repeats(&sb, baseline)) != 0)
        return rc;
    if ((rc = side_repeats(&sc, candidate)) != 0) {
        side_free(&sb);
        return rc;
    }
    if (sb.n || sc.n) {
        if ((sb.n || (rc = side_one(&sb, baseline)) == 0) &&
            (sc.n || (rc = side_one(&sc, candidate)) == 0))
            rc = sk_compare_repeats(out, sb.sweeps, sb.n, sc.sweeps, sc.n,
                                    &o);
        side_free(&sb);
        side_free(&sc);
        return rc;
    }
    if ((rc = load(&b, baseline)) != 0)
        return rc;
    if ((rc = load(&cd, candidate)) != 0) {
        unload(&b);
        return rc;
    }
    if (!(c = calloc(1, sizeof(*c))) ||
        !(c->rows = calloc(nlevels(&b) * SK_CMP_NMETRICS + 1,
                           sizeof(*c->rows)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    c->confidence = o.confidence;
    for (i = 0; i < nlevels(&b) && rc == 0; i++)
        for (j = 0; j < nlevels(&cd); j++)
            if (level_conc(&b, i) == level_conc(&cd, j)) {
                common++;
                rc = compare_level(c, &b, i, &cd, j, &o, &seed);
                break;
            }
    if (rc == 0 && common == 0)
        rc = sk_error_set(SK_ENODATA,
                          "%s and %s have no concurrency level in common",
                          baseline, candidate);
    if (rc == 0)
        rc = holm(c, 1 - o.confidence);
done:
    unload(&b);
    unload(&cd);
    if (rc != 0) {
        sk_compare_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void sk_compare_free(sk_compare *c)
{
    if (!c)
        return;
    free(c->rows);
    free(c);
}

size_t sk_compare_rows(const sk_compare *c)
{
    return c->n;
}

const struct sk_compare_row *sk_compare_row(const sk_compare *c, size_t i)
{
    return i < c->n ? &c->rows[i] : NULL;
}

double sk_compare_confidence(const sk_compare *c)
{
    return c->confidence;
}

/* ---- gates ------------------------------------------------------------- */

int sk_compare_gate_parse(enum sk_compare_metric *metric, int *above,
                          double *threshold, const char *text)
{
    const char *op = strpbrk(text, "<>");
    char *end;
    size_t k;

    if (op) {
        for (k = 0; k < SK_CMP_NMETRICS; k++)
            if (strlen(metric_names[k]) == (size_t)(op - text) &&
                strncmp(text, metric_names[k], (size_t)(op - text)) == 0)
                break;
        if (k < SK_CMP_NMETRICS) {
            *metric = (enum sk_compare_metric)k;
            *above = *op == '>';
            *threshold = strtod(op + 1, &end) / 100;
            if (end != op + 1 && strcmp(end, "%") == 0 &&
                isfinite(*threshold))
                return 0;
        }
    }
    return sk_error_set(SK_EINVAL,
                        "--fail-if: expected METRIC<-P%% or METRIC>+P%% "
                        "with METRIC throughput, ttft_mean, ttft_p90 or "
                        "query_tps, got '%.60s'",
                        text);
}

const struct sk_compare_row *sk_compare_gate(const sk_compare *c,
                                             enum sk_compare_metric metric,
                                             int above, double threshold)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        const struct sk_compare_row *r = &c->rows[i];

        if (r->metric == metric && (r->verdict == 1 || r->verdict == -1) &&
            (above ? r->change > threshold : r->change < threshold))
            return r;
    }
    return NULL;
}

const struct sk_compare_row *sk_compare_gate_untested(
    const sk_compare *c, enum sk_compare_metric metric, int above,
    double threshold)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        const struct sk_compare_row *r = &c->rows[i];

        if (r->metric == metric && r->verdict >= 2 &&
            (above ? r->change > threshold : r->change < threshold))
            return r;
    }
    return NULL;
}

const char *sk_compare_verdict_words(int verdict)
{
    return verdict_words(verdict);
}

/* ---- writing ----------------------------------------------------------- */

static const char *verdict_words(int v)
{
    return v == 1    ? "better"
           : v == -1 ? "worse"
           : v == 0  ? "no detectable difference"
           : v == 3  ? "not tested (too few waves)"
           : v == 4  ? "not tested (one run a side)"
                     : "not tested (summaries)";
}

static json_t *row_json(const struct sk_compare_row *r, int repeats)
{
    json_t *o = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
                     "concurrency", sk_json_number(r->concurrency),
                     "metric", metric_names[r->metric],
                     "baseline", sk_json_number(r->baseline),
                     "candidate", sk_json_number(r->candidate),
                     "change", sk_json_number(r->change),
                     "change_lo", sk_json_number(r->lo),
                     "change_hi", sk_json_number(r->hi),
                     "p", sk_json_number(r->p),
                     "p_holm", sk_json_number(r->p_holm),
                     "verdict", verdict_words(r->verdict));

    if (o && repeats &&
        (json_object_set_new(o, "runs_baseline",
                             json_integer((json_int_t)r->runs_baseline)) ||
         json_object_set_new(o, "runs_candidate",
                             json_integer((json_int_t)r->runs_candidate)) ||
         json_object_set_new(o, "cv_baseline",
                             sk_json_number(r->cv_baseline)) ||
         json_object_set_new(o, "cv_candidate",
                             sk_json_number(r->cv_candidate)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A mean of repeats in the table: "223.6 (3 runs, CV 1.2%)". */
static void mean_cell(char *buf, size_t cap, double v, size_t runs,
                      double cv, int repeats)
{
    int n = snprintf(buf, cap, "%.4g", v);

    if (repeats && n >= 0 && (size_t)n < cap) {
        if (isfinite(cv))
            snprintf(buf + n, cap - (size_t)n, " (%zu runs, CV %.1f%%)",
                     runs, 100 * cv);
        else
            snprintf(buf + n, cap - (size_t)n, " (%zu run%s)", runs,
                     runs == 1 ? "" : "s");
    }
}

int sk_compare_write(FILE *fp, const sk_compare *c, sk_format fmt,
                     const json_t *head)
{
    static const char *const head_cells[] = {
        "concurrency", "metric", "baseline", "candidate", "change",
        "interval", "p (Holm)", "verdict"};
    size_t i;
    int rc;

    if (fmt == SK_FORMAT_JSON) {
        sk_json_list_open(fp, head, "results");
        for (i = 0; i < c->n; i++)
            if ((rc = sk_json_list_item(fp, row_json(&c->rows[i],
                                                     c->repeats),
                                        i == 0)))
                return rc;
        sk_json_list_close(fp, c->n);
    } else if (fmt == SK_FORMAT_CSV) {
        fputs("concurrency,metric,baseline,candidate,change,change_lo,"
              "change_hi,p,p_holm,verdict",
              fp);
        fputs(c->repeats ? ",runs_baseline,runs_candidate,cv_baseline,"
                           "cv_candidate\n"
                         : "\n",
              fp);
        for (i = 0; i < c->n; i++) {
            const struct sk_compare_row *r = &c->rows[i];
            double v[] = {r->baseline, r->candidate, r->change, r->lo,
                          r->hi, r->p, r->p_holm};
            size_t k;

            fprintf(fp, "%g,%s", r->concurrency, metric_names[r->metric]);
            for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
                if (isnan(v[k]) || isinf(v[k])) {
                    fputc(',', fp);
                } else {
                    char num[SK_NUM_REPR_MAX];

                    sk_num_repr(num, sizeof(num), v[k]);
                    fprintf(fp, ",%s", num);
                }
            fprintf(fp, ",%s", verdict_words(r->verdict));
            if (c->repeats) {
                fprintf(fp, ",%zu,%zu", r->runs_baseline, r->runs_candidate);
                for (k = 0; k < 2; k++) {
                    double cv = k ? r->cv_candidate : r->cv_baseline;
                    char num[SK_NUM_REPR_MAX];

                    fputc(',', fp);
                    if (isfinite(cv)) {
                        sk_num_repr(num, sizeof(num), cv);
                        fputs(num, fp);
                    }
                }
            }
            fputc('\n', fp);
        }
    } else {
        int md = fmt == SK_FORMAT_MARKDOWN;
        static const int right[8] = {1, 0, 1, 1, 1, 1, 1, 0};
        char (*cell)[8][64] = calloc(c->n + 1, sizeof(*cell));
        size_t w[8] = {0}, k;

        if (!cell)
            return sk_error_set(SK_ENOMEM, "out of memory");
        for (k = 0; k < 8; k++)
            snprintf(cell[0][k], 64, "%s", head_cells[k]);
        for (i = 0; i < c->n; i++) {
            const struct sk_compare_row *r = &c->rows[i];
            char (*x)[64] = cell[i + 1];

            snprintf(x[0], 64, "%g", r->concurrency);
            snprintf(x[1], 64, "%s", metric_names[r->metric]);
            mean_cell(x[2], 64, r->baseline, r->runs_baseline,
                      r->cv_baseline, c->repeats);
            mean_cell(x[3], 64, r->candidate, r->runs_candidate,
                      r->cv_candidate, c->repeats);
            if (isfinite(r->change))
                snprintf(x[4], 64, "%+.1f%%", 100 * r->change);
            else
                snprintf(x[4], 64, "-");
            if (!isfinite(r->lo) || !isfinite(r->hi))
                snprintf(x[5], 64, "no interval");
            else
                snprintf(x[5], 64, "%+.1f%% .. %+.1f%%", 100 * r->lo,
                         100 * r->hi);
            snprintf(x[6], 64, isnan(r->p_holm) ? "-" : "%.3g", r->p_holm);
            snprintf(x[7], 64, "%s", verdict_words(r->verdict));
        }
        for (i = 0; i <= c->n; i++)
            for (k = 0; k < 8; k++)
                if (strlen(cell[i][k]) > w[k])
                    w[k] = strlen(cell[i][k]);
        for (i = 0; i <= c->n; i++) {
            fputs(md ? "|" : "", fp);
            for (k = 0; k < 8; k++)
                if (md)
                    sk_format_markdown_row_cell(fp, cell[i][k],
                                                strlen(cell[i][k]));
                else
                    sk_format_table_cell(fp, k, " | ", cell[i][k],
                                         strlen(cell[i][k]), w[k],
                                         right[k] && i > 0, k == 7);
            fputc('\n', fp);
            if (i == 0 && md) {
                fputc('|', fp);
                for (k = 0; k < 8; k++)
                    sk_format_markdown_align(fp, right[k]);
                fputc('\n', fp);
            } else if (i == 0) {
                sk_format_table_rule(fp, w, 8);
            }
        }
        free(cell);
    }
    return fflush(fp) != 0 || ferror(fp)
               ? sk_error_set(SK_EIO, "writing the output failed")
               : 0;
}
