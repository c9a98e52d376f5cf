/*
 * The report's charts (chart_sweep.h): per run a dashboard when it has a
 * throughput, else its per-query samples and TTFT; and one overlay of
 * every run's throughput.  The budgets that gave a recommendation and the
 * knees come in as marker lines.  Each chart's notes go to the caller.
 */
#include "report_int.h"

#include "sweepkit/chart_sweep.h"
#include "sweepkit/error.h"
#include "sweepkit/metrics.h"
#include "sweepkit/stats.h"
#include "sweepkit/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A chart's notes (a series or point left out) to the caller; the
 * report's captions say what a throughput-only chart lacks and what a
 * band shades, so those notes are not repeated per chart. */
static void chart_notes(const struct sk_report *rep, const sk_chart *c)
{
    size_t i;

    for (i = 0; rep->note && c && i < sk_chart_notes(c); i++)
        if (!strstr(sk_chart_note(c, i), SK_CHART_THROUGHPUT_ONLY) &&
            strncmp(sk_chart_note(c, i), SK_CHART_SHADED,
                    strlen(SK_CHART_SHADED)) != 0)
            rep->note(rep->note_payload, sk_chart_note(c, i));
}

/* The statistic the pareto panel puts on its x axis: the report's when the
 * chart has it, else p90 (which falls back to avg with a note). */
static const char *pareto_stat(enum sk_ttft_stat s)
{
    return s == SK_TTFT_P99 ? "p90" : sk_recommend_stat_name(s);
}

/* Budget lines on the TTFT panel and, for a dashboard, the pareto panel,
 * labelled "2.5 s" (the axis is TTFT in seconds), for the budgets that
 * gave the run a recommendation: a budget the data cannot be judged
 * against would only squash the curve. */
static int mark_budgets(sk_chart *c, const struct run_rep *rr,
                        const struct sk_report *rep)
{
    size_t b;
    int rc;

    for (b = 0; b < rep->nbudgets; b++)
        if (rr->rec[b].ok &&
            (rc = sk_chart_mark_budget(c, rep->budgets[b])) != 0)
            return rc;
    return 0;
}

static int any_rec(const struct run_rep *rr, const struct sk_report *rep)
{
    size_t b;

    for (b = 0; b < rep->nbudgets; b++)
        if (rr->rec[b].ok)
            return 1;
    return 0;
}

static int mark_knee(sk_chart *c, const struct run_rep *rr)
{
    if (!rr->sat.ok || !rr->sat.r.knee.found)
        return 0;
    return sk_chart_mark_knee(c, rr->sat.r.knee.x, NULL);
}

/* The overlay's knees: one line per distinct level, naming its runs
 * ("knee 64 (all 3 runs)", "knee 32 (a, b)", "knee 16 (4 runs)": a list
 * that would make the label longer than 70 bytes is counted instead). */
static int mark_knees(sk_chart *c, struct run_rep *const *in, size_t n)
{
    char who[200];
    size_t i, j, with, used, head;
    int rc;

    for (i = 0; i < n; i++) {
        double x = in[i]->sat.r.knee.x;
        int first = 1;

        if (!in[i]->sat.ok || !in[i]->sat.r.knee.found)
            continue;
        for (j = 0; j < i && first; j++)
            first = !(in[j]->sat.ok && in[j]->sat.r.knee.found &&
                      in[j]->sat.r.knee.x == x);
        if (!first)
            continue;
        for (j = i, with = 0; j < n; j++)
            with += in[j]->sat.ok && in[j]->sat.r.knee.found &&
                    in[j]->sat.r.knee.x == x;
        head = (size_t)snprintf(NULL, 0, "knee %g (", x);
        used = 0;
        if (with == n)
            snprintf(who, sizeof(who), "all %zu runs", n);
        else
            for (j = i; j < n && used < sizeof(who); j++)
                if (in[j]->sat.ok && in[j]->sat.r.knee.found &&
                    in[j]->sat.r.knee.x == x)
                    used += (size_t)snprintf(who + used, sizeof(who) - used,
                                             "%s%s", j == i ? "" : ", ",
                                             in[j]->run->label);
        if (with < n && (used >= sizeof(who) - 1 || head + used > 70))
            snprintf(who, sizeof(who), "%zu runs", with);
        if ((rc = sk_chart_mark_knee(c, x, who)) != 0)
            return rc;
    }
    return 0;
}

static const char *kind_name(sk_chart_plot_kind k)
{
    return k == SK_CHART_PLOT_DASHBOARD   ? "dashboard"
           : k == SK_CHART_PLOT_PER_QUERY ? "per-query"
                                          : "TTFT";
}

struct render {
    const char *dir; /* the staging directory */
    sk_chart_render_opts ro;
    int svg;         /* keep each chart as SVG too (report.html) */
};

/* Draw `c` into DIR/FILE and describe it in *ref; with rd->svg, its SVG
 * into ref->svg as well. */
static int write_chart(struct chart_ref *ref, sk_chart *c,
                       const struct render *rd)
{
    char path[4096];
    FILE *mem;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", rd->dir, ref->file);
    ref->width = SK_CHART_WIDTH;
    ref->height = SK_CHART_HEIGHT;
    if ((rc = sk_chart_write(c, path, &rd->ro)) != 0 || !rd->svg)
        return rc;
    if (!(mem = open_memstream(&ref->svg, &ref->svg_len)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    rc = sk_chart_write_svg(c, mem, ref->file, &rd->ro);
    if (fclose(mem) != 0 && rc == 0)
        rc = sk_error_set(SK_ENOMEM, "out of memory");
    return rc;
}

/* The run's charts: a dashboard when it has throughput, else the
 * per-query samples and TTFT.  A chart with nothing to draw is left out
 * with its reason; other failures stop the report. */
static int run_charts(struct run_rep *rr, const struct sk_report *rep,
                      const struct render *rd)
{
    const struct sk_runset_run *run = rr->run;
    sk_chart_plot_run pr;
    sk_chart_plot_opts po;
    sk_chart_plot_kind kinds[2];
    size_t nk = 0, k;
    int rc = 0;

    if (!rr->drawn) {
        snprintf(rr->chart_error, MSG, "every level failed (errors and no "
                                       "tokens)");
        return 0;
    }
    memset(&pr, 0, sizeof(pr));
    pr.sweep = rr->drawn; /* failed levels are no zero points */
    pr.label = run->label;
    pr.query_concurrency = run->sample_concurrency;
    pr.query_tokens_per_s = run->sample_tokens_per_s;
    pr.nqueries = run->nsamples;
    if (sk_report__any_value(rr->tput, rr->n)) {
        kinds[nk++] = SK_CHART_PLOT_DASHBOARD;
    } else {
        if (run->nsamples)
            kinds[nk++] = SK_CHART_PLOT_PER_QUERY;
        kinds[nk++] = SK_CHART_PLOT_TTFT;
    }
    for (k = 0; k < nk; k++) {
        struct chart_ref *ref = &rr->charts[rr->ncharts];
        sk_chart *c = NULL;

        memset(&po, 0, sizeof(po));
        po.kind = kinds[k];
        po.ttft_stat = pareto_stat(rep->stat);
        rc = sk_chart_plot_new(&c, &pr, 1, &po);
        if (rc == 0)
            rc = mark_budgets(c, rr, rep);
        if (rc == 0)
            rc = mark_knee(c, rr);
        if (rc == 0) {
            switch (kinds[k]) {
            case SK_CHART_PLOT_DASHBOARD:
                ref->kind = "dashboard";
                snprintf(ref->file, sizeof(ref->file), "%s_dashboard.png",
                         rr->slug);
                if (sk_chart_panels(c) == 1) {
                    /* throughput-only data (chart_sweep.h) */
                    snprintf(ref->alt, sizeof(ref->alt),
                             "Throughput of %s against concurrency",
                             run->label);
                    snprintf(ref->caption, sizeof(ref->caption),
                             "Total throughput: the data has no per-query "
                             "speed or TTFT. %s",
                             rr->sat.ok && rr->sat.r.knee.found
                                 ? "The dashed vertical line marks the "
                                   "knee."
                                 : "");
                    break;
                }
                snprintf(ref->alt, sizeof(ref->alt),
                         "Dashboard of %s: throughput, per-query speed, "
                         "TTFT, and throughput against TTFT",
                         run->label);
                snprintf(ref->caption, sizeof(ref->caption),
                         "Total throughput (top left), %s (top right), "
                         "time to first token (bottom left) and "
                         "throughput against %s TTFT (bottom right, points "
                         "labelled with their concurrency). %s%s",
                         run->nsamples ? "every query's speed with the "
                                         "mean and the p10 to p90 band"
                                       : "mean per-query speed",
                         pareto_stat(rep->stat),
                         rr->sat.ok && rr->sat.r.knee.found
                             ? "The dashed vertical line marks the knee. "
                             : "",
                         any_rec(rr, rep) ? "Dashed lines across the TTFT "
                                            "panels mark the budgets."
                                          : "");
                break;
            case SK_CHART_PLOT_PER_QUERY:
                ref->kind = "per-query";
                snprintf(ref->file, sizeof(ref->file), "%s_per_query.png",
                         rr->slug);
                snprintf(ref->alt, sizeof(ref->alt),
                         "Per-query speed of %s against concurrency",
                         run->label);
                snprintf(ref->caption, sizeof(ref->caption),
                         "Every query's speed (tokens over its whole "
                         "duration) at its concurrency, the mean per level "
                         "as a line and the p10 to p90 range as a band.");
                break;
            default:
                ref->kind = "ttft";
                snprintf(ref->file, sizeof(ref->file), "%s_ttft.png", rr->slug);
                snprintf(ref->alt, sizeof(ref->alt),
                         "Time to first token of %s against concurrency",
                         run->label);
                snprintf(ref->caption, sizeof(ref->caption),
                         "Mean, median and p90 time to first token per "
                         "level%s.",
                         any_rec(rr, rep) ? "; dashed horizontal lines mark "
                                            "the budgets"
                                          : "");
                break;
            }
            rc = write_chart(ref, c, rd);
        }
        chart_notes(rep, c);
        sk_chart_free(c);
        if (rc == SK_ENODATA || rc == SK_ENOTFOUND) {
            /* Nothing to draw (a column the chart needs is empty or
             * missing) is a fact about the data, not a failure. */
            sk_report__copy_error(rr->chart_error);
            sk_report__note(rep, "%s: no %s chart: %s", run->label,
                            kind_name(kinds[k]), rr->chart_error);
            rc = 0;
            continue;
        }
        if (rc != 0)
            return rc;
        rr->ncharts++;
    }
    return 0;
}

/* The peak measured throughput of a run (for choosing the overlay's). */
static double run_peak(const struct run_rep *rr)
{
    size_t k = sk_metric_peak(rr->tput, rr->n);

    return k < rr->n ? rr->tput[k] : -1;
}

/*
 * Throughput of every run that has it, overlaid, each knee marked.  More
 * runs than the palette tells apart: those with the highest peak
 * throughput, in report order, and a note counting the rest.
 */
static int overlay_chart(struct sk_report *rep, const struct render *rd)
{
    sk_chart_plot_run pr[SK_CHART_RUN_STYLES];
    struct run_rep *in[SK_CHART_RUN_STYLES];
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    size_t i, j, n = 0, with = 0;
    int rc;

    memset(pr, 0, sizeof(pr));
    for (i = 0; i < rep->nruns; i++) {
        struct run_rep *rr = &rep->runs[i];
        size_t better = 0;

        if (!sk_report__any_value(rr->tput, rr->n) || !rr->drawn)
            continue;
        with++;
        /* runs before it with a higher peak, and after it with a higher
         * or equal one (ties: the first) */
        for (j = 0; j < rep->nruns; j++)
            if (j != i && sk_report__any_value(rep->runs[j].tput,
                                               rep->runs[j].n) &&
                rep->runs[j].drawn &&
                (run_peak(&rep->runs[j]) > run_peak(rr) ||
                 (j < i && run_peak(&rep->runs[j]) == run_peak(rr))))
                better++;
        if (better >= SK_CHART_RUN_STYLES)
            continue;
        in[n] = rr;
        pr[n].sweep = rr->drawn;
        pr[n].label = rr->run->label;
        n++;
    }
    if (with > SK_CHART_RUN_STYLES)
        snprintf(rep->overlay_note, MSG,
                 "The overlay shows the %d runs with the highest peak "
                 "throughput; %zu more are not drawn.",
                 SK_CHART_RUN_STYLES, with - SK_CHART_RUN_STYLES);
    if (n < 2)
        return 0;
    memset(&po, 0, sizeof(po));
    po.kind = SK_CHART_PLOT_THROUGHPUT;
    po.title = "Throughput vs concurrency, all runs";
    rc = sk_chart_plot_new(&c, pr, n, &po);
    if (rc == 0)
        rc = mark_knees(c, in, n);
    if (rc == 0) {
        struct chart_ref *ref = &rep->overlay;

        /* one panel when no run has a per-query speed (chart_sweep.h) */
        int one = sk_chart_panels(c) == 1;

        ref->kind = "throughput";
        snprintf(ref->file, sizeof(ref->file), "throughput_overlay.png");
        snprintf(ref->alt, sizeof(ref->alt),
                 "Total throughput%s of %zu runs against concurrency",
                 one ? "" : " and mean per-query speed", n);
        snprintf(ref->caption, sizeof(ref->caption),
                 "Total throughput%s of every run with a measured "
                 "throughput, one colour and marker shape per run; dashed "
                 "vertical lines mark the knees.",
                 one ? "" : " (top) and mean per-query speed (bottom)");
        rc = write_chart(ref, c, rd);
    }
    chart_notes(rep, c);
    sk_chart_free(c);
    if (rc == 0)
        rep->has_overlay = 1;
    return rc;
}

/*
 * The sets of repeats (report.c's analyse_repeats()), at most
 * SK_CHART_RUN_STYLES of them: each set's mean throughput and mean
 * per-query speed per level, the throughput's t-interval shaded.
 */
static int repeats_chart(struct sk_report *rep, const struct render *rd)
{
    static const char *const names[] = {
        "concurrency", "throughput_tokens_per_s", "throughput_tokens_per_s_lo",
        "throughput_tokens_per_s_hi", "confidence", "avg_query_tokens_per_s"};
    enum { NC = sizeof(names) / sizeof(names[0]) };
    sk_sweep *sw[SK_CHART_RUN_STYLES] = {NULL};
    sk_chart_plot_run pr[SK_CHART_RUN_STYLES];
    char labels[SK_CHART_RUN_STYLES][300];
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    size_t i, j, n = 0;
    int rc = 0;

    memset(pr, 0, sizeof(pr));
    for (i = 0; i < rep->nrepeats && n < SK_CHART_RUN_STYLES && rc == 0;
         i++) {
        const struct repeat_set *rs = &rep->repeats[i];
        double *v = calloc(NC * (rs->nlevels ? rs->nlevels : 1),
                           sizeof(double));
        const double *cols[NC];
        size_t k;

        if (!v)
            return sk_error_set(SK_ENOMEM, "out of memory");
        for (j = 0; j < rs->nlevels; j++) {
            const struct sk_repeat_stat *t = &rs->levels[j].m[SK_CMP_THROUGHPUT];

            v[0 * rs->nlevels + j] = rs->levels[j].concurrency;
            v[1 * rs->nlevels + j] = t->n ? t->mean : NAN;
            v[2 * rs->nlevels + j] = t->lo;
            v[3 * rs->nlevels + j] = t->hi;
            v[4 * rs->nlevels + j] = SK_STATS_CONFIDENCE;
            v[5 * rs->nlevels + j] =
                rs->levels[j].m[SK_CMP_QUERY_TPS].n
                    ? rs->levels[j].m[SK_CMP_QUERY_TPS].mean
                    : NAN;
        }
        for (k = 0; k < NC; k++)
            cols[k] = v + k * rs->nlevels;
        snprintf(labels[n], sizeof(labels[n]), "%.250s (%zu runs)",
                 rep->runs[rs->runs[0]].run->label, rs->n);
        if (rs->nlevels > 0)
            rc = sk_sweep_from_columns(&sw[n], labels[n], names, NC, cols,
                                       NULL, rs->nlevels);
        free(v);
        if (rc == 0 && sw[n]) {
            pr[n].sweep = sw[n];
            pr[n].label = labels[n];
            n++;
        }
    }
    if (rc == 0 && n > 0) {
        memset(&po, 0, sizeof(po));
        po.kind = SK_CHART_PLOT_THROUGHPUT;
        po.title = "Throughput over repeats: the mean and its interval";
        rc = sk_chart_plot_new(&c, pr, n, &po);
    }
    if (rc == 0 && c) {
        struct chart_ref *ref = &rep->repeats_chart;

        ref->kind = "throughput";
        snprintf(ref->file, sizeof(ref->file), "throughput_repeats.png");
        snprintf(ref->alt, sizeof(ref->alt),
                 "Mean throughput and mean per-query speed of %zu set%s of "
                 "repeats against concurrency",
                 n, n == 1 ? "" : "s");
        snprintf(ref->caption, sizeof(ref->caption),
                 "Each set's mean total throughput over its runs (top), "
                 "the shaded band its %g%% t-interval, and its mean "
                 "per-query speed (bottom).%s",
                 100 * SK_STATS_CONFIDENCE,
                 rep->nrepeats > n ? " More sets than the chart tells "
                                     "apart: the first sixteen are drawn."
                                   : "");
        rc = write_chart(ref, c, rd);
        if (rc == 0)
            rep->has_repeats_chart = 1;
    }
    chart_notes(rep, c);
    sk_chart_free(c);
    for (i = 0; i < n; i++)
        sk_sweep_free(sw[i]);
    return rc;
}

/* "a.csv, b.csv": the files a chart was drawn from. */
static char *join_sources(const struct sk_runset_run *run)
{
    const char *a = run->summary_path, *b = run->per_query_path;
    size_t n = (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 3;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s%s%s", a ? a : "", a && b ? ", " : "", b ? b : "");
    return s;
}

int sk_report__draw_charts(struct sk_report *rep, const char *dir)
{
    char software[256];
    struct render rd;
    size_t i;
    int rc = 0;

    memset(&rd, 0, sizeof(rd));
    snprintf(software, sizeof(software), "sweepkit %s", rep->version);
    rd.dir = dir;
    rd.svg = rep->html;
    rd.ro.software = software;
    rd.ro.command = rep->command;
    for (i = 0; i < rep->nruns && rc == 0; i++) {
        char *src = join_sources(rep->runs[i].run);

        if (!src)
            return sk_error_set(SK_ENOMEM, "out of memory");
        rd.ro.sources = src;
        rc = run_charts(&rep->runs[i], rep, &rd);
        free(src);
    }
    if (rc == 0) {
        rd.ro.sources = "all runs";
        rc = overlay_chart(rep, &rd);
    }
    if (rc == 0)
        rc = repeats_chart(rep, &rd);
    return rc;
}
