/*
 * The sweep charts of chart_sweep.h (`sweepkit plot`, the report), built
 * on the public chart API from loaded summaries (sweep.h) and per-query
 * samples.  No analysis
 * happens here: knees and recommended levels arrive as markers.
 *
 * Looks shared by every kind: run i is drawn in palette colour i with
 * marker shape i mod 4, so runs stay apart without colour too; the
 * concurrency axis is log2 with a tick at every measured level; tok/s and
 * TTFT axes start at zero.
 */
#include "sweepkit/chart_sweep.h"
#include "chart_int.h"

#include "sweepkit/error.h"
#include "sweepkit/metrics.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS 64
#define MAX_LEVEL_TICKS 64
#define KEY_RGB 0x555555 /* style keys shared by several runs */

static const char *const conc_label = "Concurrency (parallel requests)";
static const char *const tps_query = "Per-query speed (tok/s)";

static const sk_chart_marker shapes[4] = {SK_CHART_CIRCLE, SK_CHART_SQUARE,
                                          SK_CHART_TRIANGLE, SK_CHART_DIAMOND};

struct ctx {
    sk_chart *c;
    const sk_chart_plot_run *runs;
    size_t nruns;
    const sk_chart_plot_opts *o;
    double levels[MAX_LEVEL_TICKS];
    size_t nlevels; /* 0: too many levels for a tick each */
};

sk_chart_style sk_chart_run_style(size_t i)
{
    static const sk_chart_dash dashes[3] = {SK_CHART_SOLID, SK_CHART_DASHED,
                                            SK_CHART_DOTTED};
    size_t round = i / SK_CHART_PALETTE_SIZE;
    sk_chart_style st;

    memset(&st, 0, sizeof(st));
    st.rgb = sk_chart_palette(i);
    st.line = 1;
    st.dash = dashes[round % 3];
    st.marker = shapes[(i + round) % 4];
    return st;
}

static sk_chart_style run_style(size_t i)
{
    return sk_chart_run_style(i);
}

static int default_title(struct ctx *x, const char *what);

/* The summary file name for messages. */
static const char *run_name(const struct ctx *x, size_t i)
{
    return x->runs[i].sweep ? sk_sweep_name(x->runs[i].sweep)
                            : x->runs[i].label;
}

/* Every measured level of every run, for the concurrency ticks. */
static int collect_levels(struct ctx *x)
{
    double *all = NULL;
    size_t i, j, n = 0, cap = 0;

    for (i = 0; i < x->nruns; i++) {
        const sk_chart_plot_run *r = &x->runs[i];

        cap += (r->sweep ? sk_sweep_levels(r->sweep) : 0) + r->nqueries;
    }
    if (cap == 0)
        return 0;
    if (cap > SIZE_MAX / sizeof(double) ||
        !(all = malloc(cap * sizeof(double))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < x->nruns; i++) {
        const sk_chart_plot_run *r = &x->runs[i];

        if (r->sweep)
            for (j = 0; j < sk_sweep_levels(r->sweep); j++)
                all[n++] = sk_sweep_concurrency(r->sweep)[j];
        for (j = 0; j < r->nqueries; j++)
            if (r->query_concurrency[j] > 0 &&
                isfinite(r->query_concurrency[j]))
                all[n++] = r->query_concurrency[j];
    }
    x->nlevels = sk_chart__distinct_levels(x->levels, MAX_LEVEL_TICKS, all, n);
    free(all);
    return 0;
}

static sk_chart_axis_opts conc_axis(const struct ctx *x, int labelled)
{
    sk_chart_axis_opts a;

    memset(&a, 0, sizeof(a));
    a.label = labelled ? conc_label : NULL;
    a.scale = SK_CHART_LOG2;
    a.ticks = x->nlevels ? x->levels : NULL;
    a.nticks = x->nlevels;
    a.key = "concurrency";
    return a;
}

int sk_chart_log_parse(sk_chart_log *out, const char *name)
{
    static const char *const names[] = {"auto", "on", "off"};
    size_t i;

    for (i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (sk_chart_log)i;
            return 0;
        }
    return sk_error_set(SK_EINVAL, "expected auto, on or off, got '%.40s'",
                        name);
}

int sk_chart_log_wanted(sk_chart_log mode, double lo, double hi)
{
    if (mode == SK_CHART_LOG_ON)
        return 1;
    return mode == SK_CHART_LOG_AUTO && lo > 0 && hi / lo > 100;
}

/* A panel; `log_y`: its y axis log10 (else linear from zero). */
static int panel(size_t *out, struct ctx *x, const char *id, const char *title,
                 unsigned row, unsigned col, unsigned colspan, unsigned group,
                 sk_chart_axis_opts xa, const char *ylabel, int log_y)
{
    sk_chart_panel_opts p;

    memset(&p, 0, sizeof(p));
    p.id = id;
    p.title = title;
    p.row = row;
    p.col = col;
    p.colspan = colspan;
    p.x_group = group;
    p.x = xa;
    p.y.label = ylabel;
    p.y.include_zero = !log_y;
    p.y.scale = log_y ? SK_CHART_LOG10 : SK_CHART_LINEAR;
    return sk_chart_add_panel(out, x->c, &p);
}

static size_t count_finite(const double *v, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        k += isfinite(v[i]) != 0;
    return k;
}

enum { HAVE = 0, NO_COLUMN, EMPTY };

/*
 * Column `name` of run i into *out.  A missing column is an error when
 * `required`; otherwise it, like a column with no values, gives *out =
 * NULL and *why says which (for missing_notes()).
 */
static int column(const double **out, int *why, struct ctx *x, size_t i,
                  const char *name, int required)
{
    const sk_sweep *s = x->runs[i].sweep;
    int rc;

    *out = NULL;
    *why = HAVE;
    /* The throughput column follows the data (throughput_tps in the seed
     * tools' files). */
    if (strcmp(name, "throughput_tokens_per_s") == 0)
        name = sk_sweep_default_y(s);
    rc = sk_sweep_column(out, s, name);
    if (rc == SK_ENOTFOUND && !required) {
        sk_error_clear();
        *why = NO_COLUMN;
        return 0;
    }
    if (rc != 0)
        return rc;
    if (count_finite(*out, sk_sweep_levels(s)) == 0) {
        *out = NULL;
        *why = EMPTY;
    }
    return 0;
}

/* The throughput axis: the steady-state figure when the runs carry it
 * (sweep.h's SK_SWEEP_STEADY, `--throughput steady`). */
static const char *tps_label(const struct ctx *x)
{
    size_t i;

    for (i = 0; i < x->nruns; i++)
        if (x->runs[i].sweep && sk_sweep_steady(x->runs[i].sweep))
            return "Steady-state throughput (tok/s)";
    return "Total throughput (tok/s)";
}

/* One note per file that lacks column `name`, or a single one when every
 * file lacks it: "FILE: p90_ttft_s is empty; series skipped". */
static int missing_notes(struct ctx *x, const char *name, const int *why,
                         const char *consequence)
{
    size_t i, nsweeps = 0, nmissing = 0;
    int rc;

    for (i = 0; i < x->nruns; i++)
        if (x->runs[i].sweep) {
            nsweeps++;
            nmissing += why[i] != HAVE;
        }
    if (nmissing == 0)
        return 0;
    if (nsweeps > 1 && nmissing == nsweeps)
        return sk_chart_add_note(x->c,
                                 "%s has no values in any of the %zu "
                                 "files; %s",
                                 name, nsweeps, consequence);
    for (i = 0; i < x->nruns; i++) {
        if (!x->runs[i].sweep || why[i] == HAVE)
            continue;
        if (why[i] == NO_COLUMN)
            rc = sk_chart_add_note(x->c, "%s: no column '%s'; %s",
                                   sk_sweep_name(x->runs[i].sweep), name,
                                   consequence);
        else
            rc = sk_chart_add_note(x->c, "%s: %s is empty; %s",
                                   sk_sweep_name(x->runs[i].sweep), name,
                                   consequence);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Add one summary column of every run as a series; `any` counts them. */
static int add_column(struct ctx *x, size_t pi, const char *name, int required,
                      const sk_chart_style *tmpl, int y2, int named,
                      size_t *any)
{
    int why[MAX_RUNS];
    size_t i;
    int rc;

    for (i = 0; i < x->nruns; i++) {
        const double *v;
        sk_chart_style st = run_style(i);

        why[i] = HAVE;
        if (!x->runs[i].sweep)
            continue;
        if ((rc = column(&v, &why[i], x, i, name, required)) != 0)
            return rc;
        if (!v)
            continue;
        if (tmpl) {
            st.dash = tmpl->dash;
            st.line_width = tmpl->line_width;
        }
        st.y2 = y2;
        st.name = named ? x->runs[i].label : NULL;
        if ((rc = sk_chart_add_series(x->c, pi, &st,
                                      sk_sweep_concurrency(x->runs[i].sweep), v,
                                      sk_sweep_levels(x->runs[i].sweep))) != 0)
            return rc;
        (*any)++;
    }
    return missing_notes(x, name, why, "series skipped");
}

/* Whether some run has a value in column `name` (or per-query samples,
 * with `samples`). */
static int any_values(struct ctx *x, const char *name, int samples)
{
    size_t i;
    const double *v;

    for (i = 0; i < x->nruns; i++) {
        if (samples && x->runs[i].nqueries)
            return 1;
        if (x->runs[i].sweep &&
            sk_sweep_column(&v, x->runs[i].sweep, name) == 0 &&
            count_finite(v, sk_sweep_levels(x->runs[i].sweep)))
            return 1;
        sk_error_clear();
    }
    return 0;
}

static int need(size_t any, struct ctx *x, const char *what)
{
    if (any)
        return 0;
    if (x->nruns == 1)
        return sk_error_set(SK_ENODATA,
                            "%s: %s has no values; nothing to "
                            "plot",
                            run_name(x, 0), what);
    return sk_error_set(SK_ENODATA,
                        "%s has no values in any file; nothing "
                        "to plot",
                        what);
}

/* A legend key in the run colour for one run, grey for several. */
static int key(struct ctx *x, size_t pi, const char *name, int line,
               sk_chart_dash dash, sk_chart_marker marker)
{
    sk_chart_style st;

    memset(&st, 0, sizeof(st));
    st.name = name;
    st.rgb = x->nruns == 1 ? sk_chart_palette(0) : KEY_RGB;
    st.line = line;
    st.dash = dash;
    st.marker = marker;
    return sk_chart_add_legend(x->c, pi, &st);
}

/* ---- throughput -------------------------------------------------------- */

static int interval_bands(struct ctx *x, size_t pi, const char *col,
                          double *conf);

static int total_panel(struct ctx *x, unsigned row, unsigned col,
                       unsigned group, int xlabelled, const char *title,
                       int legend)
{
    size_t pi, any = 0;
    double conf = NAN;
    int rc;

    if ((rc = panel(&pi, x, "throughput", title, row, col, 1, group,
                    conc_axis(x, xlabelled), tps_label(x), 0)) != 0 ||
        (rc = interval_bands(x, pi, NULL, &conf)) != 0 ||
        (rc = add_column(x, pi, "throughput_tokens_per_s", 1, NULL, 0,
                         legend && x->nruns > 1, &any)) != 0)
        return rc;
    if (!isnan(conf) &&
        (rc = sk_chart_add_note(x->c, SK_CHART_SHADED "the throughput's "
                                                "%g%% interval",
                                100 * conf)) != 0)
        return rc;
    return need(any, x, "throughput_tokens_per_s");
}

static int mean_panel(struct ctx *x, unsigned row, unsigned col, unsigned group,
                      const char *title)
{
    size_t pi, any = 0;
    int rc;

    if ((rc = panel(&pi, x, "per-query-mean", title, row, col, 1, group,
                    conc_axis(x, 1), "Mean per-query speed (tok/s)", 0)) != 0 ||
        (rc = add_column(x, pi, "avg_query_tokens_per_s", 0, NULL, 0, 0,
                         &any)) != 0)
        return rc;
    return need(any, x, "avg_query_tokens_per_s");
}

/* One panel: total tok/s on the left axis (solid), mean per-query tok/s
 * on the right (dashed). */
static int dual_panel(struct ctx *x)
{
    sk_chart_panel_opts p;
    sk_chart_style dashed;
    size_t pi, any = 0, any2 = 0;
    int rc;

    memset(&p, 0, sizeof(p));
    memset(&dashed, 0, sizeof(dashed));
    p.id = "throughput";
    p.x = conc_axis(x, 1);
    p.y.label = tps_label(x);
    p.y.include_zero = 1;
    p.y2.label = "Mean per-query speed (tok/s)";
    p.y2.include_zero = 1;
    dashed.dash = SK_CHART_DASHED;
    if ((rc = sk_chart_add_panel(&pi, x->c, &p)) != 0 ||
        (rc = add_column(x, pi, "throughput_tokens_per_s", 1, NULL, 0,
                         x->nruns > 1, &any)) != 0 ||
        (rc = need(any, x, "throughput_tokens_per_s")) != 0 ||
        (rc = add_column(x, pi, "avg_query_tokens_per_s", 0, &dashed, 1, 0,
                         &any2)) != 0 ||
        (rc = need(any2, x, "avg_query_tokens_per_s")) != 0 ||
        (rc = key(x, pi, "total (left axis)", 1, SK_CHART_SOLID,
                  SK_CHART_NO_MARKER)) != 0)
        return rc;
    return key(x, pi, "mean per query (right axis)", 1, SK_CHART_DASHED,
               SK_CHART_NO_MARKER);
}

/* ---- per-query --------------------------------------------------------- */

struct sample {
    double c, v;
};

static int cmp_sample(const void *a, const void *b)
{
    const struct sample *x = a, *y = b;

    if (x->c != y->c)
        return (x->c > y->c) - (x->c < y->c);
    return (x->v > y->v) - (x->v < y->v);
}

/* Scatter, mean line and p10-p90 band of run i's samples. */
static int samples_series(struct ctx *x, size_t pi, size_t i, int legend_runs)
{
    const sk_chart_plot_run *r = &x->runs[i];
    struct sample *s = NULL;
    double *lv = NULL, *mean, *p10, *p90, *vals;
    size_t n = 0, j, a, b, nl = 0, most = 0;
    sk_chart_style st;
    int rc = 0;

    if (r->nqueries > SIZE_MAX / (5 * sizeof(double)) ||
        !(s = malloc(r->nqueries * sizeof(*s))) ||
        !(lv = malloc(r->nqueries * 5 * sizeof(double)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (j = 0; j < r->nqueries; j++)
        if (r->query_concurrency[j] > 0 && isfinite(r->query_concurrency[j]) &&
            isfinite(r->query_tokens_per_s[j])) {
            s[n].c = r->query_concurrency[j];
            s[n].v = r->query_tokens_per_s[j];
            n++;
        }
    if (n == 0) {
        rc = sk_chart_add_note(x->c,
                               "%s: no per-query samples with a "
                               "value; skipped",
                               r->label);
        goto done;
    }
    qsort(s, n, sizeof(*s), cmp_sample);
    mean = lv + r->nqueries;
    p10 = mean + r->nqueries;
    p90 = p10 + r->nqueries;
    vals = p90 + r->nqueries;
    for (a = 0; a < n; a = b) {
        double sum = 0;

        for (b = a; b < n && s[b].c == s[a].c; b++) {
            if (b - a + 1 > most)
                most = b - a + 1;
            vals[b - a] = s[b].v;
            sum += s[b].v;
        }
        lv[nl] = s[a].c;
        mean[nl] = sum / (double)(b - a);
        /* vals is sorted: the samples are ordered by (c, v). */
        if ((rc = sk_stats_percentile(&p10[nl], vals, b - a, 10)) != 0 ||
            (rc = sk_stats_percentile(&p90[nl], vals, b - a, 90)) != 0)
            goto done;
        nl++;
    }
    st = run_style(i);
    st.line = 0;
    st.marker = 0;
    st.alpha = 0.18;
    if ((rc = sk_chart_add_band(x->c, pi, &st, lv, p10, p90, nl)) != 0)
        goto done;
    for (j = 0; j < n; j++) {
        vals[j] = s[j].c;
        p10[j] = s[j].v; /* reuse: the scatter's x and y */
    }
    st = run_style(i);
    st.line = 0;
    st.marker = SK_CHART_CIRCLE;
    st.marker_size = 3;
    /* Up to 64 queries a level, dots at 45% show each one; beyond that
     * they fade with the square root of the count, so thousands of
     * queries read as density instead of a solid bar. */
    st.alpha = most <= 64 ? 0.45 : fmax(0.03, 0.45 * sqrt(64.0 / (double)most));
    st.jitter = 9;
    if ((rc = sk_chart_add_series(x->c, pi, &st, vals, p10, n)) != 0)
        goto done;
    st = run_style(i);
    st.name = legend_runs && x->nruns > 1 ? r->label : NULL;
    rc = sk_chart_add_series(x->c, pi, &st, lv, mean, nl);
done:
    free(s);
    free(lv);
    return rc;
}

static int per_query_panel(struct ctx *x, unsigned row, unsigned col,
                           const char *title, int legend_runs)
{
    size_t pi, i, any = 0;
    int rc;

    if ((rc = panel(&pi, x, "per-query", title, row, col, 1, 0, conc_axis(x, 1),
                    tps_query, 0)) != 0)
        return rc;
    for (i = 0; i < x->nruns; i++) {
        if (x->runs[i].nqueries) {
            if ((rc = samples_series(x, pi, i, legend_runs)) != 0)
                return rc;
            any++;
        } else if (x->runs[i].sweep) {
            /* No samples for this run: its summary mean, as a line. */
            const double *v;
            sk_chart_style st = run_style(i);
            int why;

            if ((rc = column(&v, &why, x, i, "avg_query_tokens_per_s", 1)) != 0)
                return rc;
            if (!v) {
                if ((rc = sk_chart_add_note(
                         x->c,
                         "%s: avg_query_tokens_per_s is empty; series "
                         "skipped",
                         sk_sweep_name(x->runs[i].sweep))) != 0)
                    return rc;
                continue;
            }
            st.name = legend_runs && x->nruns > 1 ? x->runs[i].label : NULL;
            if ((rc = sk_chart_add_series(
                     x->c, pi, &st, sk_sweep_concurrency(x->runs[i].sweep), v,
                     sk_sweep_levels(x->runs[i].sweep))) != 0)
                return rc;
            any++;
        }
    }
    if (!any)
        return sk_error_set(SK_ENODATA, "no per-query samples to plot");
    if ((rc = key(x, pi, "mean", 1, SK_CHART_SOLID, SK_CHART_CIRCLE)) != 0)
        return rc;
    {
        sk_chart_style st;

        memset(&st, 0, sizeof(st));
        st.name = "p10\xE2\x80\x93p90";
        st.rgb = x->nruns == 1 ? sk_chart_palette(0) : KEY_RGB;
        st.alpha = 0.25;
        if ((rc = sk_chart_add_band(x->c, pi, &st, NULL, NULL, NULL, 0)) != 0)
            return rc;
        st.name = "one query";
        st.alpha = 0.45;
        st.marker = SK_CHART_CIRCLE;
        st.marker_size = 3;
        return sk_chart_add_legend(x->c, pi, &st);
    }
}

/* ---- the markers: one set for plot and report ---------------------------- */

/* A TTFT budget on panel pi: "TTFT budget 2.5 s", horizontal on a TTFT
 * axis, vertical on the pareto chart's (TTFT across). */
static int budget_line(sk_chart *c, size_t pi, int across, double budget_s)
{
    char label[64];

    snprintf(label, sizeof(label), "TTFT budget %g s", budget_s);
    return across ? sk_chart_panel_mark_x(c, pi, budget_s, label)
                  : sk_chart_panel_mark_y(c, pi, 0, budget_s, label);
}

int sk_chart_mark_budget(sk_chart *c, double budget_s)
{
    size_t pi;
    int rc;

    if (sk_chart_find_panel(&pi, c, "ttft") == 0 &&
        (rc = budget_line(c, pi, 0, budget_s)) != 0)
        return rc;
    if (sk_chart_find_panel(&pi, c, "pareto") == 0 &&
        (rc = budget_line(c, pi, 1, budget_s)) != 0)
        return rc;
    sk_error_clear(); /* a panel not found is no error */
    return 0;
}

int sk_chart_mark_knee(sk_chart *c, double x, const char *who)
{
    char label[300];
    int rc;

    if (who)
        snprintf(label, sizeof(label), "knee %g (%s)", x, who);
    else
        snprintf(label, sizeof(label), "knee %g", x);
    rc = sk_chart_mark_x(c, "concurrency", x, label);
    if (rc == SK_ENOTFOUND) { /* pareto: no concurrency axis */
        sk_error_clear();
        return 0;
    }
    return rc;
}

int sk_chart_mark_recommended(sk_chart *c, double x, const char *who)
{
    char label[300];
    size_t pi;

    if (sk_chart_find_panel(&pi, c, "ttft") != 0) {
        sk_error_clear();
        return 0;
    }
    if (who)
        snprintf(label, sizeof(label), "run at %g (%s)", x, who);
    else
        snprintf(label, sizeof(label), "run at %g", x);
    return sk_chart_panel_mark_x(c, pi, x, label);
}

/* ---- TTFT -------------------------------------------------------------- */

static const struct {
    const char *column, *name, *word;
    sk_chart_dash dash;
} ttft_stats[3] = {
    {"avg_ttft_s", "mean", "Mean", SK_CHART_SOLID},
    {"median_ttft_s", "median", "Median", SK_CHART_DASHED},
    {"p90_ttft_s", "p90", "P90", SK_CHART_DOTTED},
};

/* Each run's interval of column `col` (its `col`_lo and `col`_hi
 * columns with a `confidence`, when the summary has them: summarize.h's
 * percentile intervals, the report's repeats; NULL: the throughput
 * column) as a band in its colour, one per stretch of levels that have
 * one (a level with too few queries breaks it).  *conf: the confidence
 * of the first band drawn (NaN: none drawn). */
static int interval_bands(struct ctx *x, size_t pi, const char *col,
                          double *conf)
{
    size_t i, a, b, n;

    for (i = 0; i < x->nruns; i++) {
        const sk_sweep *s = x->runs[i].sweep;
        const double *lo, *hi, *c, *cf;
        sk_chart_style st = run_style(i);
        char name[96];
        int rc;

        if (!s)
            continue;
        snprintf(name, sizeof(name), "%s_lo",
                 col ? col : sk_sweep_default_y(s));
        rc = sk_sweep_column(&lo, s, name);
        snprintf(name, sizeof(name), "%s_hi",
                 col ? col : sk_sweep_default_y(s));
        if (rc != 0 || sk_sweep_column(&hi, s, name) != 0 ||
            sk_sweep_column(&cf, s, "confidence") != 0) {
            sk_error_clear();
            continue;
        }
        c = sk_sweep_concurrency(s);
        n = sk_sweep_levels(s);
        st.line = 0;
        st.marker = 0;
        st.alpha = 0.15;
        for (a = 0; a < n; a = b + 1) {
            for (b = a; b < n && !isnan(lo[b]) && !isnan(hi[b]); b++)
                ;
            if (b > a) {
                if ((rc = sk_chart_add_band(x->c, pi, &st, c + a, lo + a,
                                            hi + a, b - a)) != 0)
                    return rc;
                if (isnan(*conf))
                    *conf = cf[a];
            }
        }
    }
    return 0;
}

static int ttft_panel(struct ctx *x, unsigned row, unsigned col,
                      const char *title, int legend_runs)
{
    size_t pi, any[3] = {0}, total, q, i, j, nstat = 0, only = 0;
    double conf = NAN, lo = INFINITY, hi = 0;
    char ylabel[64];
    int rc;

    /* With one statistic recorded the axis names it and no key is
     * needed; with several, a key tells their line styles apart.  The
     * values' span decides a log axis (--log-y auto). */
    for (q = 0; q < 3; q++) {
        int have = 0;

        for (i = 0; i < x->nruns; i++) {
            const sk_sweep *s = x->runs[i].sweep;
            const double *v;

            if (!s || sk_sweep_column(&v, s, ttft_stats[q].column) != 0)
                continue;
            for (j = 0; j < sk_sweep_levels(s); j++) {
                have |= isfinite(v[j]) != 0;
                if (isfinite(v[j]) && v[j] > 0) {
                    lo = fmin(lo, v[j]);
                    hi = fmax(hi, v[j]);
                }
            }
        }
        if (have) {
            nstat++;
            only = q;
        }
    }
    sk_error_clear();
    if (nstat == 1)
        snprintf(ylabel, sizeof(ylabel), "%s time to first token (s)",
                 ttft_stats[only].word);
    else
        snprintf(ylabel, sizeof(ylabel), "Time to first token (s)");
    if ((rc = panel(&pi, x, "ttft", title, row, col, 1, 0, conc_axis(x, 1),
                    ylabel, sk_chart_log_wanted(x->o->log_y, lo, hi))) != 0 ||
        (rc = interval_bands(x, pi, "p90_ttft_s", &conf)) != 0)
        return rc;
    for (q = 0; q < 3; q++) {
        sk_chart_style t;

        memset(&t, 0, sizeof(t));
        t.dash = ttft_stats[q].dash;
        if ((rc = add_column(x, pi, ttft_stats[q].column, q == 0, &t, 0,
                             q == only && legend_runs && x->nruns > 1,
                             &any[q])) != 0)
            return rc;
    }
    total = any[0] + any[1] + any[2];
    if ((rc = need(total, x, "avg_ttft_s, median_ttft_s and p90_ttft_s")) != 0)
        return rc;
    if (nstat > 1)
        for (q = 0; q < 3; q++)
            if (any[q] &&
                (rc = key(x, pi, ttft_stats[q].name, 1, ttft_stats[q].dash,
                          SK_CHART_NO_MARKER)) != 0)
                return rc;
    if (!isnan(conf) &&
        (rc = sk_chart_add_note(x->c,
                                SK_CHART_SHADED "the p90 TTFT's %g%% interval",
                                100 * conf)) != 0)
        return rc;
    if (x->o->ttft_budget_s > 0)
        return budget_line(x->c, pi, 0, x->o->ttft_budget_s);
    return 0;
}

/* ---- pareto ------------------------------------------------------------ */

static int stat_index(int *out, const char *name)
{
    int q;

    for (q = 0; q < 3; q++)
        if (strcmp(name, ttft_stats[q].name) == 0 ||
            (q == 0 && strcmp(name, "avg") == 0)) {
            *out = q;
            return 0;
        }
    return sk_error_set(
        SK_EINVAL, "TTFT statistic '%s': expected avg, median or p90", name);
}

/*
 * Run i's points (xs[j], ys[j]), one per level labelled with its
 * concurrency: the Pareto-optimal ones (metrics.h's sk_metric_pareto(): ys maximised, xs
 * minimised when `min_x`, else maximised) joined by a line in the run's
 * style, the dominated ones as faded markers alone.
 */
static int frontier_series(struct ctx *x, size_t pi, size_t i,
                           const double *xs, const double *ys, int min_x,
                           int legend_runs)
{
    const sk_sweep *s = x->runs[i].sweep;
    size_t n = sk_sweep_levels(s), j, k, m;
    unsigned char *on = malloc(n ? n : 1);
    double *buf = malloc(4 * (n ? n : 1) * sizeof(*buf));
    const char **lab = malloc((n ? n : 1) * sizeof(*lab));
    char (*text)[32] = malloc((n ? n : 1) * sizeof(*text));
    sk_chart_style st = run_style(i);
    int rc = 0, pass;

    if (!on || !buf || !lab || !text) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (j = 0; j < n; j++)
        snprintf(text[j], sizeof(text[j]), "%g", sk_sweep_concurrency(s)[j]);
    for (j = 0; j < n; j++)
        buf[j] = min_x ? -xs[j] : xs[j];
    sk_metric_pareto(on, buf, ys, n);
    /* pass 0: the dominated points, faded; pass 1: the frontier */
    for (pass = 0; pass < 2 && rc == 0; pass++) {
        for (j = 0, m = 0; j < n; j++)
            if (on[j] == pass) {
                buf[2 * n + m] = xs[j];
                buf[3 * n + m] = ys[j];
                lab[m++] = text[j];
            }
        if (m == 0)
            continue;
        if (pass == 1) /* along x, for the line */
            for (j = 1; j < m; j++)
                for (k = j; k > 0 && buf[2 * n + k - 1] > buf[2 * n + k];
                     k--) {
                    double tx = buf[2 * n + k], ty = buf[3 * n + k];
                    const char *tl = lab[k];

                    buf[2 * n + k] = buf[2 * n + k - 1];
                    buf[3 * n + k] = buf[3 * n + k - 1];
                    lab[k] = lab[k - 1];
                    buf[2 * n + k - 1] = tx;
                    buf[3 * n + k - 1] = ty;
                    lab[k - 1] = tl;
                }
        st = run_style(i);
        st.line_width = 1.5;
        st.line = pass;
        st.alpha = pass ? 0 : 0.35;
        st.name = pass && legend_runs && x->nruns > 1 ? x->runs[i].label
                                                       : NULL;
        st.labels = lab;
        rc = sk_chart_add_series(x->c, pi, &st, buf + 2 * n, buf + 3 * n, m);
    }
done:
    free(on);
    free(buf);
    free(lab);
    free(text);
    return rc;
}

static int pareto_panel(struct ctx *x, unsigned row, unsigned col,
                        const char *title, int legend_runs)
{
    const double *xs[MAX_RUNS] = {0}, *tp[MAX_RUNS] = {0};
    int used[MAX_RUNS] = {0}, why[MAX_RUNS] = {0}, want = 0, mixed = 0, q;
    double lo = INFINITY, hi = 0;
    char xlabel[96];
    sk_chart_panel_opts p;
    size_t pi, i, j, any = 0;
    int rc;

    if ((rc = stat_index(&want, x->o->ttft_stat ? x->o->ttft_stat : "p90")) !=
        0)
        return rc;
    for (i = 0; i < x->nruns; i++) {
        const sk_sweep *s = x->runs[i].sweep;
        size_t n;

        if (!s)
            continue;
        n = sk_sweep_levels(s);
        if ((rc = sk_sweep_column(&tp[i], s, "throughput_tokens_per_s")) != 0)
            return rc;
        used[i] = want;
        rc = sk_sweep_column(&xs[i], s, ttft_stats[want].column);
        if (rc == SK_EPARSE)
            return rc;
        if (rc != 0 || count_finite(xs[i], n) == 0) {
            sk_error_clear();
            /* Fall back to the mean TTFT, which every summary records,
             * when the chosen statistic was not recorded. */
            why[i] = rc != 0 ? NO_COLUMN : EMPTY;
            used[i] = 0;
            if ((rc = sk_sweep_column(&xs[i], s, "avg_ttft_s")) != 0)
                return rc;
        }
        if (used[i] != used[0])
            mixed = 1;
        for (j = 0; j < n; j++)
            if (xs[i][j] > 0 && isfinite(tp[i][j])) {
                lo = fmin(lo, xs[i][j]);
                hi = fmax(hi, xs[i][j]);
            }
    }
    if (want != 0 && (rc = missing_notes(x, ttft_stats[want].column, why,
                                         "pareto uses avg_ttft_s")) != 0)
        return rc;
    q = used[0];
    if (mixed)
        snprintf(xlabel, sizeof(xlabel),
                 "TTFT (s): %s, mean where %s is "
                 "missing",
                 ttft_stats[want].name, ttft_stats[want].name);
    else
        snprintf(xlabel, sizeof(xlabel), "%s TTFT (s)", ttft_stats[q].word);

    memset(&p, 0, sizeof(p));
    p.id = "pareto";
    p.title = title;
    p.row = row;
    p.col = col;
    p.x.label = xlabel;
    /* TTFT grows by orders of magnitude across a sweep; on a linear axis
     * the low levels would sit in one clump at the left. */
    if (hi > 0 && hi / lo >= 20)
        p.x.scale = SK_CHART_LOG10;
    else
        p.x.include_zero = 1;
    p.y.label = tps_label(x);
    p.y.include_zero = 1;
    if ((rc = sk_chart_add_panel(&pi, x->c, &p)) != 0)
        return rc;
    for (i = 0; i < x->nruns; i++) {
        const sk_sweep *s = x->runs[i].sweep;

        if (!s)
            continue;
        if (count_finite(xs[i], sk_sweep_levels(s)) == 0) {
            if ((rc = sk_chart_add_note(x->c,
                                        "%s: no TTFT values; pareto "
                                        "series skipped",
                                        sk_sweep_name(s))) != 0)
                return rc;
            continue;
        }
        if ((rc = frontier_series(x, pi, i, xs[i], tp[i], 1, legend_runs)) !=
            0)
            return rc;
        any++;
    }
    if ((rc = need(any, x, "TTFT")) != 0)
        return rc;
    if (x->o->ttft_budget_s > 0)
        rc = budget_line(x->c, pi, 1, x->o->ttft_budget_s);
    return rc;
}

/* ---- frontier ---------------------------------------------------------- */

/* Total throughput against per-query speed (tok/s per user), a point per
 * level labelled with its concurrency, each run's Pareto frontier joined
 * (frontier_series()): the trade between serving more and serving each
 * user faster (vLLM's plot_pareto, "interactivity vs throughput"). */
static int frontier_panel(struct ctx *x)
{
    sk_chart_panel_opts p;
    size_t pi, i, any = 0;
    int rc, why[MAX_RUNS] = {HAVE};

    memset(&p, 0, sizeof(p));
    p.id = "frontier";
    p.title = "Point labels: concurrency; faded: dominated levels";
    p.x.label = "Per-query speed (tok/s per user)";
    p.x.include_zero = 1;
    p.y.label = tps_label(x);
    p.y.include_zero = 1;
    if ((rc = sk_chart_add_panel(&pi, x->c, &p)) != 0)
        return rc;
    for (i = 0; i < x->nruns; i++) {
        const sk_sweep *s = x->runs[i].sweep;
        const double *q = NULL, *t = NULL;
        int wt;

        why[i] = HAVE;
        if (!s)
            continue;
        /* throughput required (an error when missing), per-query speed
         * noted when missing */
        if ((rc = column(&q, &why[i], x, i, "avg_query_tokens_per_s", 0)) !=
                0 ||
            (rc = column(&t, &wt, x, i, "throughput_tokens_per_s", 1)) != 0)
            return rc;
        if (!q || !t)
            continue;
        if ((rc = frontier_series(x, pi, i, q, t, 0, 1)) != 0)
            return rc;
        any++;
    }
    if ((rc = missing_notes(x, "avg_query_tokens_per_s", why,
                            "frontier skipped")) != 0)
        return rc;
    return need(any, x, "per-query speed and throughput");
}

/* ---- small multiples ---------------------------------------------------- */

/* The value of `col` in group key `key` ("instances=2 decode=8": "2" for
 * instances) as [*v, *v + *n); 0 when the key has no such part. */
static int key_part(const char **v, size_t *n, const char *key,
                    const char *col)
{
    size_t len = strlen(col);

    while (key && *key) {
        size_t part = strcspn(key, " ");

        if (part > len && strncmp(key, col, len) == 0 && key[len] == '=') {
            *v = key + len + 1;
            *n = part - len - 1;
            return 1;
        }
        key += part;
        key += *key == ' ';
    }
    return 0;
}

/* The rest of `key` without the `col` part, into buf. */
static void key_rest(char *buf, size_t cap, const char *key, const char *col)
{
    size_t at = 0, len = strlen(col);

    buf[0] = '\0';
    while (key && *key && at < cap) {
        size_t part = strcspn(key, " ");

        if (!(part > len && strncmp(key, col, len) == 0 && key[len] == '='))
            at += (size_t)snprintf(buf + at, cap - at, "%s%.*s",
                                   at ? " " : "", (int)part, key);
        key += part;
        key += *key == ' ';
    }
}

/*
 * Small multiples: one throughput panel per value of the facet column,
 * in the order first met, each drawing the runs with that value against
 * one concurrency axis and one throughput range (shared axes: the panels
 * compare at a glance); a run keeps its style in every panel by the rest
 * of its key, named once in the first panel's legend.
 */
static int facet_panels(struct ctx *x)
{
    const char *fv[SK_CHART_MAX_PANELS], *col = x->o->facet;
    size_t fn[SK_CHART_MAX_PANELS], nf = 0, i, j, k, ncols, nstyles = 0;
    char rest[MAX_RUNS][256], title[300];
    size_t style[MAX_RUNS];
    double top = 0;
    int rc;

    for (i = 0; i < x->nruns; i++) {
        const char *v;
        size_t n;
        const double *t;

        if (!x->runs[i].sweep ||
            !key_part(&v, &n, sk_sweep_group(x->runs[i].sweep), col))
            return sk_error_set(SK_EINVAL,
                                "--facet %s: %s is not a configuration of "
                                "a grid with that column",
                                col, x->runs[i].label);
        for (k = 0; k < nf && !(fn[k] == n && strncmp(fv[k], v, n) == 0);
             k++)
            ;
        if (k == nf) {
            if (nf == SK_CHART_MAX_PANELS)
                return sk_error_set(SK_ELIMIT,
                                    "--facet %s: more than %d values",
                                    col, SK_CHART_MAX_PANELS);
            fv[nf] = v;
            fn[nf++] = n;
        }
        key_rest(rest[i], sizeof(rest[i]), sk_sweep_group(x->runs[i].sweep),
                 col);
        for (j = 0; j < i && strcmp(rest[j], rest[i]) != 0; j++)
            ;
        style[i] = j < i ? style[j] : nstyles++;
        if (sk_sweep_column(&t, x->runs[i].sweep,
                            sk_sweep_default_y(x->runs[i].sweep)) == 0)
            for (j = 0; j < sk_sweep_levels(x->runs[i].sweep); j++)
                if (isfinite(t[j]))
                    top = fmax(top, t[j]);
        sk_error_clear();
    }
    for (ncols = 1; ncols * ncols < nf; ncols++)
        ;
    snprintf(title, sizeof(title), "Throughput vs concurrency by %s", col);
    if ((rc = sk_chart_set_title(x->c, title)) != 0)
        return rc;
    for (k = 0; k < nf; k++) {
        sk_chart_panel_opts p;
        size_t pi;
        char ptitle[160];

        snprintf(ptitle, sizeof(ptitle), "%s=%.*s", col, (int)fn[k], fv[k]);
        memset(&p, 0, sizeof(p));
        p.id = "facet";
        p.title = ptitle;
        p.row = (unsigned)(k / ncols);
        p.col = (unsigned)(k % ncols);
        p.x_group = 1;
        p.x = conc_axis(x, 1);
        p.y.label = k % ncols == 0 ? tps_label(x) : NULL;
        p.y.min = 0;
        p.y.max = top > 0 ? top * 1.05 : 1;
        if ((rc = sk_chart_add_panel(&pi, x->c, &p)) != 0)
            return rc;
        for (i = 0; i < x->nruns; i++) {
            const char *v;
            size_t n;
            const double *t;
            sk_chart_style st;

            if (!key_part(&v, &n, sk_sweep_group(x->runs[i].sweep), col) ||
                n != fn[k] || strncmp(v, fv[k], n) != 0 ||
                sk_sweep_column(&t, x->runs[i].sweep,
                                sk_sweep_default_y(x->runs[i].sweep)) != 0)
                continue;
            st = run_style(style[i]);
            /* each style named once, in the first panel it appears in */
            st.name = rest[i][0] ? rest[i] : NULL;
            for (j = 0; j < i && st.name; j++)
                if (style[j] == style[i])
                    st.name = NULL;
            if ((rc = sk_chart_add_series(
                     x->c, pi, &st, sk_sweep_concurrency(x->runs[i].sweep),
                     t, sk_sweep_levels(x->runs[i].sweep))) != 0)
                return rc;
        }
    }
    return 0;
}

/* ---- heatmap ------------------------------------------------------------ */

#define MAX_CATS 32

/* The distinct values of a configuration column, in ascending numeric
 * order when every one is a number, else in the order first met. */
struct cats {
    const char *v[MAX_CATS];
    size_t n[MAX_CATS], count;
};

/* The index of [v, v + n) in c, added when new; -1 past MAX_CATS. */
static int cat_index(struct cats *c, const char *v, size_t n)
{
    size_t k;

    for (k = 0; k < c->count; k++)
        if (c->n[k] == n && strncmp(c->v[k], v, n) == 0)
            return (int)k;
    if (c->count == MAX_CATS)
        return -1;
    c->v[c->count] = v;
    c->n[c->count] = n;
    return (int)c->count++;
}

/* The numeric value of a category, NaN when it is not a number. */
static double cat_num(const char *v, size_t n)
{
    char buf[64], *end;
    double d;

    if (n == 0 || n >= sizeof(buf))
        return NAN;
    memcpy(buf, v, n);
    buf[n] = '\0';
    d = strtod(buf, &end);
    return *end == '\0' ? d : NAN;
}

/* order[k]: the position of category k on its axis. */
static void cat_order(size_t *order, const struct cats *c)
{
    size_t k, j;
    int numeric = 1;

    for (k = 0; k < c->count; k++)
        if (isnan(cat_num(c->v[k], c->n[k])))
            numeric = 0;
    for (k = 0; k < c->count; k++) {
        order[k] = k;
        if (!numeric)
            continue;
        order[k] = 0;
        for (j = 0; j < c->count; j++)
            if (cat_num(c->v[j], c->n[j]) < cat_num(c->v[k], c->n[k]))
                order[k]++;
    }
}

/* Viridis (perceptually uniform, colour-blind safe) at t in [0, 1]. */
static uint32_t viridis(double t)
{
    static const uint32_t stop[5] = {0x440154, 0x3b528b, 0x21918c, 0x5ec962,
                                     0xfde725};
    double f;
    size_t i;
    uint32_t rgb = 0;
    int sh;

    t = isfinite(t) ? fmin(1, fmax(0, t)) * 4 : 0;
    i = t >= 4 ? 3 : (size_t)t;
    f = t - (double)i;
    for (sh = 16; sh >= 0; sh -= 8) {
        double a = (stop[i] >> sh) & 0xff, b = (stop[i + 1] >> sh) & 0xff;

        rgb |= (uint32_t)lround(a + (b - a) * f) << sh;
    }
    return rgb;
}

/* "X,Y" of --axes into the two column names (NULL: the grid's first two
 * configuration columns, from the first run's key). */
static int heatmap_columns(char *cx, char *cy, size_t cap, struct ctx *x)
{
    const char *spec = x->o->axes, *key = sk_sweep_group(x->runs[0].sweep);
    size_t n;

    if (spec) {
        n = strcspn(spec, ",");
        if (spec[n] != ',' || n == 0 || spec[n + 1] == '\0' ||
            strchr(spec + n + 1, ',') || n >= cap || strlen(spec) >= cap)
            return sk_error_set(SK_EINVAL,
                                "--axes: expected two configuration "
                                "columns X,Y, got '%.100s'",
                                spec);
        snprintf(cx, cap, "%.*s", (int)n, spec);
        snprintf(cy, cap, "%s", spec + n + 1);
        return 0;
    }
    if (key && (n = strcspn(key, "=")) < cap && key[n] == '=') {
        snprintf(cx, cap, "%.*s", (int)n, key);
        key = strchr(key, ' ');
        if (key && (n = strcspn(++key, "=")) < cap && key[n] == '=') {
            snprintf(cy, cap, "%.*s", (int)n, key);
            return 0;
        }
    }
    return sk_error_set(SK_EINVAL,
                        "%s: a heatmap needs a grid with two configuration "
                        "columns (instances, decode_concurrency, ...)",
                        run_name(x, 0));
}

/*
 * A grid's peak throughput over two configuration columns: one cell per
 * pair of values, coloured on viridis from the lowest peak to the highest
 * and labelled with its peak and the concurrency reaching it; runs that
 * differ in other columns share a cell, which shows the best of them (a
 * note says so); the best cell is outlined and named in the legend.
 */
static int heatmap_panel(struct ctx *x)
{
    char cx[64], cy[64], title[200], best_name[200], other[256] = "",
         rest[256], names[256] = "";
    struct cats ax, ay;
    double val[MAX_CATS][MAX_CATS], at[MAX_CATS][MAX_CATS];
    double xt[MAX_CATS], yt[MAX_CATS], lo = INFINITY, hi = -INFINITY;
    const char *xl[MAX_CATS], *yl[MAX_CATS];
    char xs[MAX_CATS][32], ys[MAX_CATS][32];
    size_t ox[MAX_CATS], oy[MAX_CATS], i, j, k, pi, bi = 0, bj = 0;
    size_t shared = 0;
    sk_chart_panel_opts p;
    int rc;

    memset(&ax, 0, sizeof(ax));
    memset(&ay, 0, sizeof(ay));
    if ((rc = heatmap_columns(cx, cy, sizeof(cx), x)) != 0)
        return rc;
    for (i = 0; i < MAX_CATS; i++)
        for (j = 0; j < MAX_CATS; j++)
            val[i][j] = at[i][j] = NAN;
    for (i = 0; i < x->nruns; i++) {
        const sk_sweep *s = x->runs[i].sweep;
        const char *key = s ? sk_sweep_group(s) : NULL, *v, *w;
        const double *t, *c;
        size_t n, m;
        int a, b;

        if (!key || !key_part(&v, &n, key, cx) || !key_part(&w, &m, key, cy))
            return sk_error_set(SK_EINVAL,
                                "%s: no configuration column %s or %s "
                                "in its runs; a heatmap needs a grid "
                                "with both",
                                run_name(x, i), cx, cy);
        if (strcmp(cx, cy) == 0)
            return sk_error_set(SK_EINVAL,
                                "--axes %s,%s: two different columns "
                                "are needed",
                                cx, cy);
        if ((a = cat_index(&ax, v, n)) < 0 || (b = cat_index(&ay, w, m)) < 0)
            return sk_error_set(SK_ELIMIT,
                                "--axes %s,%s: more than %d values of "
                                "one column",
                                cx, cy, MAX_CATS);
        key_rest(rest, sizeof(rest), key, cx);
        key_rest(other, sizeof(other), rest, cy);
        if ((rc = sk_sweep_column(&t, s, sk_sweep_default_y(s))) != 0)
            return rc;
        c = sk_sweep_concurrency(s);
        if (!isnan(val[a][b]) && other[0])
            shared = 1;
        for (k = 0; k < sk_sweep_levels(s); k++)
            if (isfinite(t[k]) && !(t[k] <= val[a][b])) {
                val[a][b] = t[k];
                at[a][b] = c[k];
            }
    }
    cat_order(ox, &ax);
    cat_order(oy, &ay);
    for (i = 0; i < ax.count; i++)
        for (j = 0; j < ay.count; j++)
            if (!isnan(val[i][j])) {
                lo = fmin(lo, val[i][j]);
                if (val[i][j] > hi) {
                    hi = val[i][j];
                    bi = i;
                    bj = j;
                }
            }
    if (!(hi >= lo))
        return need(0, x, sk_sweep_default_y(x->runs[0].sweep));
    for (i = 0; i < ax.count; i++) {
        xt[ox[i]] = (double)ox[i];
        snprintf(xs[ox[i]], sizeof(xs[0]), "%.*s", (int)ax.n[i], ax.v[i]);
        xl[ox[i]] = xs[ox[i]];
    }
    for (j = 0; j < ay.count; j++) {
        yt[oy[j]] = (double)oy[j];
        snprintf(ys[oy[j]], sizeof(ys[0]), "%.*s", (int)ay.n[j], ay.v[j]);
        yl[oy[j]] = ys[oy[j]];
    }
    snprintf(title, sizeof(title), "Peak throughput by %s and %s", cx, cy);
    if ((rc = sk_chart_set_title(x->c, x->o->title ? x->o->title : title)) !=
        0)
        return rc;
    memset(&p, 0, sizeof(p));
    p.id = "heatmap";
    p.x.label = cx;
    p.x.min = -0.5;
    p.x.max = (double)ax.count - 0.5;
    p.x.ticks = xt;
    p.x.nticks = ax.count;
    p.x.tick_labels = xl;
    p.y.label = cy;
    p.y.min = -0.5;
    p.y.max = (double)ay.count - 0.5;
    p.y.ticks = yt;
    p.y.nticks = ay.count;
    p.y.tick_labels = yl;
    if ((rc = sk_chart_add_panel(&pi, x->c, &p)) != 0)
        return rc;
    for (i = 0; i < ax.count; i++)
        for (j = 0; j < ay.count; j++) {
            double px[2] = {ox[i] - 0.5, ox[i] + 0.5},
                   bl[2] = {oy[j] - 0.5, oy[j] - 0.5},
                   bh[2] = {oy[j] + 0.5, oy[j] + 0.5}, cxp = (double)ox[i],
                   cyp = (double)oy[j], f;
            char text[48];
            const char *lab[1] = {text};
            sk_chart_style st;

            if (isnan(val[i][j]))
                continue;
            f = hi > lo ? (val[i][j] - lo) / (hi - lo) : 1;
            memset(&st, 0, sizeof(st));
            st.rgb = viridis(f);
            st.alpha = 1;
            if ((rc = sk_chart_add_band(x->c, pi, &st, px, bl, bh, 2)) != 0)
                return rc;
            snprintf(text, sizeof(text), "%.4g @%g", val[i][j], at[i][j]);
            memset(&st, 0, sizeof(st));
            st.rgb = f > 0.6 ? 0x101010 : 0xffffff; /* not the palette's
                                                       black: kept dark
                                                       on a dark theme */
            st.labels = lab;
            st.label_centre = 1;
            if ((rc = sk_chart_add_series(x->c, pi, &st, &cxp, &cyp, 1)) != 0)
                return rc;
        }
    {
        double bx[5] = {ox[bi] - 0.46, ox[bi] + 0.46, ox[bi] + 0.46,
                        ox[bi] - 0.46, ox[bi] - 0.46},
               by[5] = {oy[bj] - 0.46, oy[bj] - 0.46, oy[bj] + 0.46,
                        oy[bj] + 0.46, oy[bj] - 0.46};
        sk_chart_style st;

        snprintf(best_name, sizeof(best_name),
                 "best: %.4g tok/s at concurrency %g", val[bi][bj],
                 at[bi][bj]);
        memset(&st, 0, sizeof(st));
        st.name = best_name;
        st.rgb = 0xd55e00;
        st.line = 1;
        st.line_width = 4;
        if ((rc = sk_chart_add_series(x->c, pi, &st, bx, by, 5)) != 0)
            return rc;
    }
    if (shared) { /* the other columns' names: "a=1 b=2" -> "a, b" */
        const char *o = other;
        size_t len = 0;

        while (*o && len < sizeof(names) - 2) {
            size_t part = strcspn(o, " "), nm = strcspn(o, "=");

            len += (size_t)snprintf(names + len, sizeof(names) - len,
                                    "%s%.*s", len ? ", " : "",
                                    (int)(nm < part ? nm : part), o);
            o += part;
            o += *o == ' ';
        }
    }
    return sk_chart_add_note(x->c,
                             "cell text: peak throughput @ the concurrency "
                             "reaching it%s%s",
                             shared ? "; each cell the best over " : "",
                             names);
}

/* ---- ECDF -------------------------------------------------------------- */

/*
 * The first run's TTFT distribution per level as an empirical CDF: a
 * staircase rising by 1/n at each of the level's n TTFTs, in the level's
 * colour (run style k for the k-th level), so where a level's curve
 * crosses a budget line reads as the share of its queries within it.
 * The TTFT axis is log10 over two decades (--log-y).  Several runs: the
 * first, with a note.
 */
static int ecdf_panel(struct ctx *x)
{
    const sk_chart_plot_run *r = &x->runs[0];
    struct sample *s = NULL;
    double lo = INFINITY, hi = 0, *sx = NULL, *sy = NULL;
    size_t n = 0, j, a, b, k = 0, pi;
    sk_chart_panel_opts p;
    int rc;

    if ((rc = default_title(x, "Time to first token, share of queries")) !=
        0)
        return rc;
    if (x->nruns > 1 &&
        (rc = sk_chart_add_note(x->c, "ttft-ecdf draws the first run, %s",
                                r->label)) != 0)
        return rc;
    if (!(s = malloc((r->nqueries ? r->nqueries : 1) * sizeof(*s))) ||
        !(sx = malloc(2 * (r->nqueries ? r->nqueries : 1) * sizeof(*sx))) ||
        !(sy = malloc(2 * (r->nqueries ? r->nqueries : 1) * sizeof(*sy)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (j = 0; j < r->nqueries; j++)
        if (r->query_concurrency[j] > 0 && isfinite(r->query_concurrency[j]) &&
            isfinite(r->query_tokens_per_s[j]) &&
            r->query_tokens_per_s[j] >= 0) {
            s[n].c = r->query_concurrency[j];
            s[n].v = r->query_tokens_per_s[j];
            if (s[n].v > 0) {
                lo = fmin(lo, s[n].v);
                hi = fmax(hi, s[n].v);
            }
            n++;
        }
    if ((rc = need(n, x, "ttft_s")) != 0)
        goto done;
    qsort(s, n, sizeof(*s), cmp_sample);
    memset(&p, 0, sizeof(p));
    p.id = "ecdf";
    p.title = "A curve per level: the share of its queries with a TTFT up "
              "to x";
    p.x.label = "Time to first token (s)";
    p.x.scale = sk_chart_log_wanted(x->o->log_y, lo, hi) ? SK_CHART_LOG10
                                                          : SK_CHART_LINEAR;
    p.x.include_zero = p.x.scale == SK_CHART_LINEAR;
    p.y.label = "Share of the level's queries";
    p.y.min = 0;
    p.y.max = 1;
    if ((rc = sk_chart_add_panel(&pi, x->c, &p)) != 0)
        goto done;
    for (a = 0; a < n && rc == 0; a = b, k++) {
        sk_chart_style st = run_style(k);
        char name[48];
        size_t m = 0;

        /* a step up at each value: (v, share before), (v, share after) */
        for (b = a; b < n && s[b].c == s[a].c; b++) {
            sx[m] = sx[m + 1] = s[b].v;
            m += 2;
        }
        for (j = 0; j < m / 2; j++) {
            sy[2 * j] = (double)j / (double)(b - a);
            sy[2 * j + 1] = (double)(j + 1) / (double)(b - a);
        }
        snprintf(name, sizeof(name), "C=%g", s[a].c);
        st.marker = 0;
        st.line_width = 1.75;
        st.name = name;
        rc = sk_chart_add_series(x->c, pi, &st, sx, sy, m);
    }
    if (rc == 0 && x->o->ttft_budget_s > 0)
        rc = budget_line(x->c, pi, 1, x->o->ttft_budget_s);
done:
    free(s);
    free(sx);
    free(sy);
    return rc;
}

/* ---- timeline ---------------------------------------------------------- */

/* Bins across a run of `span` seconds: about 400, of a round width. */
static double bin_width(double span)
{
    static const double steps[] = {1, 2, 5};
    double w = span / 400, p = pow(10, floor(log10(w)));
    size_t k;

    for (k = 0; k < 3; k++)
        if (steps[k] * p >= w)
            return steps[k] * p;
    return 10 * p;
}

/*
 * Run q's times on one clock into st/en (q->n each), and each level's
 * start on it into lv0 (q->nlevels): as recorded when the levels follow
 * one another; when their spans overlap (files whose levels each count
 * from their own start, as appended runs have), each level laid after
 * the one before it, in level order, and *laid set.
 */
static void one_clock(double *st, double *en, double *lv0, int *laid,
                      const struct sk_queries *q)
{
    double cursor = 0, prev_end = -INFINITY;
    size_t j, k;

    *laid = 0;
    for (k = 0; k < q->nlevels; k++) {
        double a = INFINITY, b = -INFINITY;

        for (j = 0; j < q->n; j++)
            if (q->concurrency[j] == q->levels[k].concurrency &&
                isfinite(q->start_s[j]) && isfinite(q->end_s[j])) {
                a = fmin(a, q->start_s[j]);
                b = fmax(b, q->end_s[j]);
            }
        lv0[k] = a;
        if (isfinite(a) && a < prev_end)
            *laid = 1;
        if (isfinite(b))
            prev_end = fmax(prev_end, b);
    }
    for (j = 0; j < q->n; j++) {
        st[j] = q->start_s[j];
        en[j] = q->end_s[j];
    }
    if (!*laid)
        return;
    for (k = 0; k < q->nlevels; k++) {
        double a = lv0[k], b = -INFINITY;

        if (!isfinite(a))
            continue;
        for (j = 0; j < q->n; j++)
            if (q->concurrency[j] == q->levels[k].concurrency &&
                isfinite(q->end_s[j])) {
                st[j] = q->start_s[j] - a + cursor;
                en[j] = q->end_s[j] - a + cursor;
                b = fmax(b, en[j]);
            }
        lv0[k] = cursor;
        cursor = isfinite(b) ? b : cursor;
    }
}

/*
 * Each run over time from its per-query start and end times: requests in
 * flight (top) and output tokens per second (bottom) in bins of a round
 * width (metrics.h's sk_metric_timeline()), time counted from the run's
 * first request (one_clock()); with one run, each level's start marked
 * ("C=8").  A warm-up, a throttle or a stall shows where the level's
 * summary hides it.
 */
static int timeline_panels(struct ctx *x)
{
    sk_chart_panel_opts p;
    size_t pt, pb, i, j, k, any = 0;
    int rc;

    if ((rc = default_title(x, "Requests in flight and tokens/s over "
                               "time")) != 0)
        return rc;
    memset(&p, 0, sizeof(p));
    p.id = "inflight";
    p.x_group = 1;
    p.x.label = "Time since the run's first request (s)";
    p.x.include_zero = 1;
    p.y.label = "Requests in flight";
    p.y.include_zero = 1;
    if ((rc = sk_chart_add_panel(&pt, x->c, &p)) != 0)
        return rc;
    p.id = "tokens";
    p.row = 1;
    p.y.label = "Output tokens/s";
    if ((rc = sk_chart_add_panel(&pb, x->c, &p)) != 0)
        return rc;
    for (i = 0; i < x->nruns; i++) {
        const struct sk_queries *q = x->runs[i].queries;
        double t0 = INFINITY, t1 = -INFINITY, w, *buf, *qs, *qe, *lv0;
        size_t nb;
        sk_chart_style st = run_style(i);
        int laid;

        if (!q || !q->has_times) {
            if ((rc = sk_chart_add_note(x->c, "%s: no start_s/end_s: no "
                                              "timeline",
                                        x->runs[i].label)) != 0)
                return rc;
            continue;
        }
        if (!(qs = malloc((2 * q->n + q->nlevels + 1) * sizeof(*qs))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        qe = qs + q->n;
        lv0 = qe + q->n;
        one_clock(qs, qe, lv0, &laid, q);
        for (j = 0; j < q->n; j++)
            if (isfinite(qs[j]) && isfinite(qe[j])) {
                t0 = fmin(t0, qs[j]);
                t1 = fmax(t1, qe[j]);
            }
        if (!(t1 > t0)) {
            free(qs);
            continue;
        }
        if (laid && (rc = sk_chart_add_note(
                         x->c,
                         "%s: each level's times count from its own start: "
                         "the levels are laid one after another",
                         x->runs[i].label)) != 0) {
            free(qs);
            return rc;
        }
        w = bin_width(t1 - t0);
        nb = (size_t)((t1 - t0) / w) + 1;
        if (!(buf = malloc(3 * nb * sizeof(*buf)))) {
            free(qs);
            return sk_error_set(SK_ENOMEM, "out of memory");
        }
        sk_metric_timeline(buf + nb, buf + 2 * nb, nb, t0, w, qs, qe,
                           q->ttft_s, q->output_tokens, q->n);
        for (k = 0; k < nb; k++)
            buf[k] = ((double)k + 0.5) * w;
        st.marker = 0;
        st.line_width = 1.5;
        st.name = x->nruns > 1 ? x->runs[i].label : NULL;
        rc = sk_chart_add_series(x->c, pt, &st, buf, buf + nb, nb);
        st.name = NULL;
        if (rc == 0)
            rc = sk_chart_add_series(x->c, pb, &st, buf, buf + 2 * nb, nb);
        free(buf);
        any++;
        /* one run: where each level starts */
        for (k = 0; rc == 0 && x->nruns == 1 && k < q->nlevels; k++) {
            char label[64];

            if (!isfinite(lv0[k]))
                continue;
            snprintf(label, sizeof(label), "C=%g", q->levels[k].concurrency);
            if ((rc = sk_chart_panel_mark_x(x->c, pt, lv0[k] - t0,
                                            label)) == 0)
                rc = sk_chart_panel_mark_x(x->c, pb, lv0[k] - t0, NULL);
        }
        free(qs);
        if (rc != 0)
            return rc;
    }
    return need(any, x, "start_s and end_s");
}

/* ---- distributions ----------------------------------------------------- */

static const struct {
    sk_chart_plot_kind kind;
    const char *column, *title, *ylabel;
} dists[3] = {
    {SK_CHART_PLOT_TTFT_DIST, "ttft_s", "Time to first token per query",
     "Time to first token (s)"},
    {SK_CHART_PLOT_SPEED_DIST, "tokens_per_s", "Speed per query",
     "Per-query speed (tok/s)"},
    {SK_CHART_PLOT_ITL_DIST, "itl_mean_s",
     "Mean inter-token gap per query",
     "Mean inter-token gap of a query (s)"},
};

const char *sk_chart_plot_sample_column(sk_chart_plot_kind kind)
{
    size_t d;

    for (d = 0; d < 3; d++)
        if (dists[d].kind == kind)
            return dists[d].column;
    if (kind == SK_CHART_PLOT_TTFT_ECDF)
        return "ttft_s";
    return kind == SK_CHART_PLOT_PER_QUERY || kind == SK_CHART_PLOT_DASHBOARD
               ? "tokens_per_s"
               : NULL;
}

int sk_chart_plot_kind_needs_samples(sk_chart_plot_kind kind)
{
    return kind == SK_CHART_PLOT_PER_QUERY || kind == SK_CHART_PLOT_TIMELINE ||
           kind == SK_CHART_PLOT_TTFT_ECDF ||
           kind == SK_CHART_PLOT_TTFT_DIST ||
           kind == SK_CHART_PLOT_SPEED_DIST || kind == SK_CHART_PLOT_ITL_DIST;
}

/* Append point (px, py) to the pieces sx, sy (*m points). */
static void put(double *sx, double *sy, size_t *m, double px, double py)
{
    sx[*m] = px;
    sy[*m] = py;
    (*m)++;
}

/* One box: p25..p75 filled, the median across it, whiskers to p10 and
 * p90, at concurrency c moved by `off` and `hw` (log2 units) wide on
 * each side; the lines go into seg (NaN between pieces, *m points). */
static int box(struct ctx *x, size_t pi, const sk_chart_style *st,
               const double *v, size_t n, double c, double off, double hw,
               double *sx, double *sy, size_t *m)
{
    double q[5], bx[2], lo[2], hi[2];
    static const double p[5] = {10, 25, 50, 75, 90};
    size_t k;
    int rc;

    for (k = 0; k < 5; k++)
        if ((rc = sk_stats_percentile(&q[k], v, n, p[k])) != 0)
            return rc;
    bx[0] = c * exp2(off - hw);
    bx[1] = c * exp2(off + hw);
    lo[0] = lo[1] = q[1];
    hi[0] = hi[1] = q[3];
    if ((rc = sk_chart_add_band(x->c, pi, st, bx, lo, hi, 2)) != 0)
        return rc;
    /* median, then the two whiskers, each a piece */
    put(sx, sy, m, bx[0], q[2]);
    put(sx, sy, m, bx[1], q[2]);
    put(sx, sy, m, NAN, NAN);
    put(sx, sy, m, c * exp2(off), q[0]);
    put(sx, sy, m, c * exp2(off), q[1]);
    put(sx, sy, m, NAN, NAN);
    put(sx, sy, m, c * exp2(off), q[3]);
    put(sx, sy, m, c * exp2(off), q[4]);
    put(sx, sy, m, NAN, NAN);
    return 0;
}

/*
 * Box plots of a per-query column against concurrency, one box per level
 * and run (runs side by side at a level): the box p25 to p75, a line at
 * the median, whiskers to p10 and p90 (percentiles of stats.h).  The y
 * axis is log10 when the values span more than two decades (--log-y).
 */
static int dist_panel(struct ctx *x)
{
    size_t d = 0, i, j, a, b, pi, total = 0, any = 0;
    double lo = INFINITY, hi = 0, hw, *vals = NULL, *sx = NULL, *sy = NULL;
    struct sample *s = NULL;
    int rc;

    while (d < 2 && dists[d].kind != x->o->kind)
        d++;
    for (i = 0; i < x->nruns; i++) {
        total += x->runs[i].nqueries;
        for (j = 0; j < x->runs[i].nqueries; j++) {
            double v = x->runs[i].query_tokens_per_s[j];

            if (isfinite(v) && v > 0) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
    }
    if ((rc = default_title(x, dists[d].title)) != 0 ||
        (rc = panel(&pi, x, "dist",
                    "Boxes: p25 to p75, line: median, whiskers: p10 to p90",
                    0, 0, 1, 0, conc_axis(x, 1), dists[d].ylabel,
                    sk_chart_log_wanted(x->o->log_y, lo, hi))) != 0)
        return rc;
    if (!(s = malloc((total ? total : 1) * sizeof(*s))) ||
        !(vals = malloc((total ? total : 1) * sizeof(*vals))) ||
        !(sx = malloc(9 * (total ? total : 1) * sizeof(*sx))) ||
        !(sy = malloc(9 * (total ? total : 1) * sizeof(*sy)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    /* each run's box a share of the space to the next power of two */
    hw = 0.32 / (double)x->nruns;
    for (i = 0; i < x->nruns && rc == 0; i++) {
        const sk_chart_plot_run *r = &x->runs[i];
        sk_chart_style st = run_style(i), band;
        double off = (2 * (double)i - (double)(x->nruns - 1)) * hw * 1.15;
        size_t n = 0, m = 0;

        for (j = 0; j < r->nqueries; j++)
            if (r->query_concurrency[j] > 0 &&
                isfinite(r->query_concurrency[j]) &&
                isfinite(r->query_tokens_per_s[j])) {
                s[n].c = r->query_concurrency[j];
                s[n].v = r->query_tokens_per_s[j];
                n++;
            }
        if (n == 0) {
            rc = sk_chart_add_note(x->c, "%s: no %s values; skipped",
                                   r->label, dists[d].column);
            continue;
        }
        qsort(s, n, sizeof(*s), cmp_sample);
        band = st;
        band.line = 0;
        band.marker = 0;
        band.alpha = 0.35;
        for (a = 0; a < n && rc == 0; a = b) {
            for (b = a; b < n && s[b].c == s[a].c; b++)
                vals[b - a] = s[b].v;
            rc = box(x, pi, &band, vals, b - a, s[a].c, off, hw, sx, sy, &m);
        }
        st.marker = 0;
        st.name = x->nruns > 1 ? r->label : NULL;
        if (rc == 0)
            rc = sk_chart_add_series(x->c, pi, &st, sx, sy, m);
        any++;
    }
    if (rc == 0)
        rc = need(any, x, dists[d].column);
    if (rc == 0 && d == 0 && x->o->ttft_budget_s > 0)
        rc = budget_line(x->c, pi, 0, x->o->ttft_budget_s);
done:
    free(s);
    free(vals);
    free(sx);
    free(sy);
    return rc;
}

/* ---- the kinds --------------------------------------------------------- */

int sk_chart_plot_kind_parse(sk_chart_plot_kind *out, const char *name)
{
    static const char *const names[] = {
        "throughput", "per-query", "ttft",       "pareto",   "dashboard",
        "frontier",   "ttft-dist", "speed-dist", "itl-dist", "timeline",
        "ttft-ecdf",  "heatmap",   "rate"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (sk_chart_plot_kind)i;
            return 0;
        }
    return sk_error_set(SK_EINVAL,
                        "unknown chart kind '%s'; expected throughput, "
                        "per-query, ttft, pareto, dashboard, frontier, "
                        "ttft-dist, speed-dist, itl-dist, timeline, "
                        "ttft-ecdf, heatmap or rate",
                        name);
}

/* "KIND — label, label" or "KIND — N runs" when the labels are long. */
static int default_title(struct ctx *x, const char *what)
{
    char buf[256];
    size_t i, len = 0;

    for (i = 0; i < x->nruns; i++)
        len += strlen(x->runs[i].label) + 2;
    if (len > 90) {
        snprintf(buf, sizeof(buf), "%s \xE2\x80\x94 %zu runs", what, x->nruns);
    } else {
        int n = snprintf(buf, sizeof(buf), "%s \xE2\x80\x94 ", what);

        for (i = 0; i < x->nruns && n > 0 && (size_t)n < sizeof(buf); i++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s",
                          i ? ", " : "", x->runs[i].label);
    }
    return sk_chart_set_title(x->c, buf);
}

/* A throughput-only sweep (the seed tools' grids: no per-query speed, no
 * TTFT): the chart is the total-throughput panel alone, with a note
 * saying `what` is missing. */
static int throughput_only(struct ctx *x, const char *title,
                           const char *what)
{
    int rc;

    if ((rc = default_title(x, title)) != 0 ||
        (rc = total_panel(x, 0, 0, 1, 1, NULL, 1)) != 0)
        return rc;
    return sk_chart_add_note(x->c, "%s " SK_CHART_THROUGHPUT_ONLY, what);
}

static int build(struct ctx *x)
{
    const sk_chart_plot_opts *o = x->o;
    int rc, samples = 0;
    size_t i;

    for (i = 0; i < x->nruns; i++) {
        if (!x->runs[i].label)
            return sk_error_set(SK_EINVAL, "run %zu has no label", i);
        if (x->runs[i].nqueries)
            samples = 1;
        if (!x->runs[i].sweep && !sk_chart_plot_kind_needs_samples(o->kind))
            return sk_error_set(SK_EINVAL, "%s: no summary to plot",
                                x->runs[i].label);
    }
    if ((rc = collect_levels(x)) != 0)
        return rc;
    if (o->facet && o->kind == SK_CHART_PLOT_THROUGHPUT)
        return facet_panels(x);
    if (o->kind == SK_CHART_PLOT_THROUGHPUT && !o->dual &&
        !any_values(x, "avg_query_tokens_per_s", 1))
        return throughput_only(x, "Throughput vs concurrency",
                               "no per-query speed column");
    if (o->kind == SK_CHART_PLOT_DASHBOARD &&
        !any_values(x, "avg_query_tokens_per_s", 1) &&
        !any_values(x, "avg_ttft_s", 0))
        return throughput_only(x, "Sweep dashboard",
                               "no per-query speed or TTFT column");
    switch (o->kind) {
    case SK_CHART_PLOT_THROUGHPUT:
        rc = default_title(x, "Throughput vs concurrency");
        if (rc == 0 && o->dual)
            return dual_panel(x);
        if (rc == 0)
            rc = total_panel(x, 0, 0, 1, 0, NULL, 1);
        return rc ? rc : mean_panel(x, 1, 0, 1, NULL);
    case SK_CHART_PLOT_PER_QUERY:
        if (!samples)
            return sk_error_set(SK_EINVAL, "the per-query chart needs "
                                           "per-query samples");
        rc = default_title(x, "Per-query speed vs concurrency");
        return rc ? rc : per_query_panel(x, 0, 0, NULL, 1);
    case SK_CHART_PLOT_TTFT:
        rc = default_title(x, "Time to first token vs concurrency");
        return rc ? rc : ttft_panel(x, 0, 0, NULL, 1);
    case SK_CHART_PLOT_FRONTIER:
        rc = default_title(x, "Throughput vs per-query speed");
        return rc ? rc : frontier_panel(x);
    case SK_CHART_PLOT_TIMELINE:
        return timeline_panels(x);
    case SK_CHART_PLOT_HEATMAP:
        return heatmap_panel(x);
    case SK_CHART_PLOT_RATE:
        return sk_error_set(SK_EINVAL, "the rate chart draws open-loop "
                                       "runs: sk_chart_rate_new()");
    case SK_CHART_PLOT_TTFT_ECDF:
        if (!samples)
            return sk_error_set(SK_EINVAL, "the TTFT ECDF needs per-query "
                                           "samples");
        return ecdf_panel(x);
    case SK_CHART_PLOT_TTFT_DIST:
    case SK_CHART_PLOT_SPEED_DIST:
    case SK_CHART_PLOT_ITL_DIST:
        if (!samples)
            return sk_error_set(SK_EINVAL, "a distribution chart needs "
                                           "per-query samples");
        return dist_panel(x);
    case SK_CHART_PLOT_PARETO:
        rc = default_title(x, "Throughput vs TTFT");
        return rc ? rc : pareto_panel(x, 0, 0, "Point labels: concurrency", 1);
    case SK_CHART_PLOT_DASHBOARD:
        if ((rc = default_title(x, "Sweep dashboard")) != 0 ||
            (rc = total_panel(x, 0, 0, 0, 1, "Total throughput", 1)) != 0)
            return rc;
        if (samples)
            rc = per_query_panel(x, 0, 1, "Per-query speed", 0);
        else if (any_values(x, "avg_query_tokens_per_s", 0))
            rc = mean_panel(x, 0, 1, 0, "Mean per-query speed");
        else { /* no per-query speed (other tools' summaries) */
            if ((rc = ttft_panel(x, 0, 1, "Time to first token", 0)) != 0 ||
                (rc = pareto_panel(x, 1, 0,
                                   "Throughput vs TTFT (labels: "
                                   "concurrency)",
                                   0)) != 0)
                return rc;
            return sk_chart_add_note(x->c, "no per-query speed column in "
                                           "the data: that panel is left "
                                           "out");
        }
        if (rc == 0)
            rc = ttft_panel(x, 1, 0, "Time to first token", 0);
        return rc ? rc
                  : pareto_panel(x, 1, 1,
                                 "Throughput vs TTFT (labels: concurrency)", 0);
    }
    return sk_error_set(SK_EINVAL, "unknown chart kind %d", (int)o->kind);
}

int sk_chart_plot_new(sk_chart **out, const sk_chart_plot_run *runs,
                      size_t nruns, const sk_chart_plot_opts *opts)
{
    struct ctx x;
    int rc;

    *out = NULL;
    if (nruns == 0 || nruns > MAX_RUNS)
        return sk_error_set(SK_EINVAL, "%zu runs: expected 1 to %d", nruns,
                            MAX_RUNS);
    memset(&x, 0, sizeof(x));
    x.runs = runs;
    x.nruns = nruns;
    x.o = opts;
    if (opts->ttft_stat) {
        int q;

        if ((rc = stat_index(&q, opts->ttft_stat)) != 0)
            return rc;
    }
    if ((rc = sk_chart_new(&x.c, NULL)) != 0)
        return rc;
    if ((rc = build(&x)) == 0 && opts->title)
        rc = sk_chart_set_title(x.c, opts->title);
    if (rc != 0) {
        sk_chart_free(x.c);
        return rc;
    }
    *out = x.c;
    return 0;
}
