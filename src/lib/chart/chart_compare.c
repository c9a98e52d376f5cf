/*
 * The comparison chart of chart_compare.h (`sweepkit compare --chart`),
 * built on the public chart API from a comparison's rows.  Every number
 * drawn is a row's (compare.c computes them): the runs' values, the
 * change and its interval, the latter two in percent (100 x the
 * fraction).
 *
 * Looks follow the sweep charts (chart_sweep.c): the baseline in palette
 * colour 0 with circles, the candidate in colour 1 with squares; the
 * concurrency axis log2 with a tick at every level; value axes from zero.
 * The changes take colours 2 and 3, apart from the runs', each with its
 * interval as a band of its own colour.
 */
#include "sweepkit/chart_compare.h"
#include "chart_int.h"

#include "sweepkit/chart_sweep.h"
#include "sweepkit/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVEL_TICKS 64
#define KEY_RGB 0x555555 /* the interval's legend key, for both bands */

static const char *const conc_label = "Concurrency (parallel requests)";
/* The TTFT drawn, in a legend and at the start of a title: p90, or the
 * mean (ctx.ttft_mean). */
static const char *const ttft_words[2][2] = {{"p90", "P90"},
                                             {"mean", "Mean"}};

/* One level of one metric: a row's numbers. */
struct point {
    double x, base, cand, change, lo, hi;
    int verdict;
};

/* A metric's levels, by concurrency. */
struct metric {
    struct point *p;
    size_t n;
};

struct ctx {
    sk_chart *c;
    const sk_compare *cmp;
    struct metric tp, ttft;
    int ttft_mean; /* the mean TTFT drawn: no row has a p90 */
    double levels[MAX_LEVEL_TICKS];
    size_t nlevels; /* 0: too many levels for a tick each */
    double *xs, *ys, *lo, *hi; /* scratch, a point per row */
};

static int by_x(const void *a, const void *b)
{
    double x = ((const struct point *)a)->x, y = ((const struct point *)b)->x;

    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The rows of metric m with both runs' values, by concurrency. */
static int gather(struct metric *out, const sk_compare *c,
                  enum sk_compare_metric m)
{
    size_t i, n = sk_compare_rows(c);

    out->n = 0;
    if (!(out->p = malloc((n ? n : 1) * sizeof(*out->p))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const struct sk_compare_row *r = sk_compare_row(c, i);
        struct point *p = &out->p[out->n];

        if (r->metric != m || !isfinite(r->baseline) ||
            !isfinite(r->candidate))
            continue;
        p->x = r->concurrency;
        p->base = r->baseline;
        p->cand = r->candidate;
        p->change = r->change;
        p->lo = r->lo;
        p->hi = r->hi;
        p->verdict = r->verdict;
        out->n++;
    }
    qsort(out->p, out->n, sizeof(*out->p), by_x);
    return 0;
}

/* Every level compared, for the concurrency ticks. */
static int collect_levels(struct ctx *x)
{
    size_t i, n = sk_compare_rows(x->cmp);
    double *all = malloc((n ? n : 1) * sizeof(*all));

    if (!all)
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        all[i] = sk_compare_row(x->cmp, i)->concurrency;
    x->nlevels = sk_chart__distinct_levels(x->levels, MAX_LEVEL_TICKS, all, n);
    free(all);
    return 0;
}

static int panel(size_t *out, struct ctx *x, const char *id,
                 const char *title, unsigned row, const char *ylabel)
{
    sk_chart_panel_opts p;

    memset(&p, 0, sizeof(p));
    p.id = id;
    p.title = title;
    p.row = row;
    p.x_group = 1; /* one x range; tick labels on the lowest panel */
    p.x.label = conc_label;
    p.x.scale = SK_CHART_LOG2;
    p.x.ticks = x->nlevels ? x->levels : NULL;
    p.x.nticks = x->nlevels;
    p.x.key = "concurrency";
    p.y.label = ylabel;
    p.y.include_zero = 1;
    return sk_chart_add_panel(out, x->c, &p);
}

/* Style i (the runs 0 and 1, the changes 2 and 3): the sweep charts'
 * run style, named. */
static sk_chart_style line_style(size_t i, const char *name)
{
    sk_chart_style st = sk_chart_run_style(i);

    st.name = name;
    return st;
}

/* Both runs' values of metric m, legend names in `names` (or none). */
static int runs_panel(struct ctx *x, const struct metric *m, const char *id,
                      const char *title, unsigned row, const char *ylabel,
                      const char *const *names)
{
    size_t pi, j, k;
    int rc;

    if ((rc = panel(&pi, x, id, title, row, ylabel)) != 0)
        return rc;
    for (k = 0; k < 2; k++) {
        sk_chart_style st = line_style(k, names ? names[k] : NULL);

        for (j = 0; j < m->n; j++) {
            x->xs[j] = m->p[j].x;
            x->ys[j] = k ? m->p[j].cand : m->p[j].base;
        }
        if ((rc = sk_chart_add_series(x->c, pi, &st, x->xs, x->ys, m->n)) !=
            0)
            return rc;
    }
    return 0;
}

/* Metric m's change in percent on panel pi: its interval as a band
 * (broken where a level has none), then the line; *banded when some
 * level has an interval. */
static int change_line(struct ctx *x, size_t pi, const struct metric *m,
                       size_t style, const char *name, int *banded)
{
    sk_chart_style st = line_style(style, name);
    size_t j, n = 0, nband = 0;
    int rc;

    for (j = 0; j < m->n; j++) {
        const struct point *p = &m->p[j];
        int have = isfinite(p->lo) && isfinite(p->hi);

        if (!isfinite(p->change))
            continue; /* a zero baseline: no ratio */
        x->xs[n] = p->x;
        x->ys[n] = 100 * p->change;
        x->lo[n] = have ? 100 * p->lo : NAN;
        x->hi[n] = have ? 100 * p->hi : NAN;
        nband += have;
        n++;
    }
    if (n == 0)
        return 0;
    if (nband) {
        sk_chart_style band;

        memset(&band, 0, sizeof(band));
        band.rgb = st.rgb;
        if ((rc = sk_chart_add_band(x->c, pi, &band, x->xs, x->lo, x->hi,
                                    n)) != 0)
            return rc;
        *banded = 1;
    }
    return sk_chart_add_series(x->c, pi, &st, x->xs, x->ys, n);
}

/* Notes for the changes drawn without a band: one for summaries (no
 * interval at any level), one naming the levels with too few waves. */
static int interval_notes(struct ctx *x)
{
    const struct metric *ms[2] = {&x->tp, &x->ttft};
    double few[MAX_LEVEL_TICKS];
    size_t i, j, k, nfew = 0, more = 0;
    int summaries = 0, rc;
    char list[256];

    for (i = 0; i < 2; i++)
        for (j = 0; j < ms[i]->n; j++) {
            const struct point *p = &ms[i]->p[j];

            if (!isfinite(p->change) ||
                (isfinite(p->lo) && isfinite(p->hi)))
                continue;
            if (p->verdict == 2)
                summaries = 1;
            else if (p->verdict == 3) {
                for (k = 0; k < nfew && few[k] != p->x; k++)
                    ;
                if (k < nfew)
                    continue;
                if (nfew < MAX_LEVEL_TICKS)
                    few[nfew++] = p->x;
                else
                    more = 1;
            }
        }
    if (summaries &&
        (rc = sk_chart_add_note(x->c, "%s", SK_CHART_COMPARE_NO_INTERVAL)) !=
            0)
        return rc;
    if (nfew == 0)
        return 0;
    qsort(few, nfew, sizeof(*few), cmp_double);
    list[0] = '\0';
    for (k = 0; k < nfew; k++) {
        size_t len = strlen(list);

        snprintf(list + len, sizeof(list) - len, "%s%g", k ? ", " : "",
                 few[k]);
    }
    return sk_chart_add_note(x->c,
                             "no interval at concurrency %s%s: fewer than "
                             "two waves a side",
                             list, more ? ", ..." : "");
}

/* Whether metric m has a change at some level. */
static int any_change(const struct metric *m)
{
    size_t j;

    for (j = 0; j < m->n; j++)
        if (isfinite(m->p[j].change))
            return 1;
    return 0;
}

static int change_panel(struct ctx *x, unsigned row)
{
    char ttft[32], key[48];
    size_t pi;
    int rc, banded = 0;

    if (!any_change(&x->tp) && !any_change(&x->ttft))
        return sk_chart_add_note(x->c, "no change to draw: every baseline "
                                       "value is zero");
    snprintf(ttft, sizeof(ttft), "%s TTFT", ttft_words[x->ttft_mean][0]);
    if ((rc = panel(&pi, x, "change", "Change from the baseline "
                    "(throughput: higher is better; TTFT: lower is better)",
                    row, "Change (%)")) != 0 ||
        (x->tp.n && (rc = change_line(x, pi, &x->tp, 2, "throughput",
                                      &banded)) != 0) ||
        (x->ttft.n &&
         (rc = change_line(x, pi, &x->ttft, 3, ttft, &banded)) != 0) ||
        (rc = sk_chart_panel_mark_y(x->c, pi, 0, 0, NULL)) != 0)
        return rc;
    if (banded) {
        sk_chart_style st;

        memset(&st, 0, sizeof(st));
        snprintf(key, sizeof(key), "%g%% interval",
                 100 * sk_compare_confidence(x->cmp));
        st.name = key;
        st.rgb = KEY_RGB;
        st.alpha = 0.25;
        if ((rc = sk_chart_add_band(x->c, pi, &st, NULL, NULL, NULL, 0)) !=
            0)
            return rc;
    }
    return interval_notes(x);
}

static int build(struct ctx *x, const char *baseline_name,
                 const char *candidate_name)
{
    char names[2][300], title[300], ylabel[64], ptitle[64];
    const char *const named[2] = {names[0], names[1]};
    size_t most;
    unsigned row = 0;
    int rc;

    if ((rc = gather(&x->tp, x->cmp, SK_CMP_THROUGHPUT)) != 0 ||
        (rc = gather(&x->ttft, x->cmp, SK_CMP_TTFT_P90)) != 0)
        return rc;
    if (x->ttft.n == 0) {
        /* Summaries without p90_ttft_s (the seed tools', other tools'): the
         * mean, which every summary records. */
        free(x->ttft.p);
        if ((rc = gather(&x->ttft, x->cmp, SK_CMP_TTFT_MEAN)) != 0)
            return rc;
        x->ttft_mean = 1;
        if (x->ttft.n &&
            (rc = sk_chart_add_note(x->c, "no p90 TTFT in the runs: the "
                                          "mean TTFT is drawn")) != 0)
            return rc;
    }
    if (x->tp.n == 0 && x->ttft.n == 0)
        return sk_error_set(SK_ENODATA, "the comparison has no throughput "
                                        "or TTFT; nothing to draw");
    if ((rc = collect_levels(x)) != 0)
        return rc;
    most = x->tp.n > x->ttft.n ? x->tp.n : x->ttft.n;
    x->xs = malloc(4 * most * sizeof(double));
    if (!x->xs)
        return sk_error_set(SK_ENOMEM, "out of memory");
    x->ys = x->xs + most;
    x->lo = x->ys + most;
    x->hi = x->lo + most;

    snprintf(names[0], sizeof(names[0]), "baseline%s%.256s",
             baseline_name ? ": " : "", baseline_name ? baseline_name : "");
    snprintf(names[1], sizeof(names[1]), "candidate%s%.256s",
             candidate_name ? ": " : "",
             candidate_name ? candidate_name : "");
    if (baseline_name && candidate_name)
        snprintf(title, sizeof(title), "Comparison \xE2\x80\x94 %.120s vs "
                 "%.120s", baseline_name, candidate_name);
    else
        snprintf(title, sizeof(title), "Comparison \xE2\x80\x94 baseline vs "
                 "candidate");
    if ((rc = sk_chart_set_title(x->c, title)) != 0)
        return rc;
    if (x->tp.n == 0 &&
        (rc = sk_chart_add_note(x->c, "no throughput in the runs: that "
                                      "panel is left out")) != 0)
        return rc;
    if (x->tp.n &&
        (rc = runs_panel(x, &x->tp, "throughput", "Total throughput", row++,
                         "Total throughput (tok/s)", named)) != 0)
        return rc;
    if (x->ttft.n == 0 &&
        (rc = sk_chart_add_note(x->c, "no TTFT in the runs: that panel is "
                                      "left out")) != 0)
        return rc;
    snprintf(ptitle, sizeof(ptitle), "%s time to first token",
             ttft_words[x->ttft_mean][1]);
    snprintf(ylabel, sizeof(ylabel), "%s TTFT (s)",
             ttft_words[x->ttft_mean][1]);
    if (x->ttft.n &&
        (rc = runs_panel(x, &x->ttft, "ttft", ptitle, row++, ylabel,
                         x->tp.n ? NULL : named)) != 0)
        return rc;
    return change_panel(x, row);
}

int sk_chart_compare_new(sk_chart **out, const sk_compare *c,
                         const char *baseline_name,
                         const char *candidate_name)
{
    struct ctx x;
    int rc;

    *out = NULL;
    memset(&x, 0, sizeof(x));
    x.cmp = c;
    if ((rc = sk_chart_new(&x.c, NULL)) == 0)
        rc = build(&x, baseline_name, candidate_name);
    free(x.tp.p);
    free(x.ttft.p);
    free(x.xs);
    if (rc != 0) {
        sk_chart_free(x.c);
        return rc;
    }
    *out = x.c;
    return 0;
}
