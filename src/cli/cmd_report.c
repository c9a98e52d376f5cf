/*
 * sweepkit report: one Markdown page (report.md) with its PNG charts and a
 * report.json for every sweep found among files and directories (see
 * docs/report.md).  Every number comes from the analysis modules
 * (runset, summarize, stats, saturation, recommend, chart); this file only
 * composes and formats them.
 */
#include "cli.h"

#include "sweepkit/chart.h"
#include "sweepkit/error.h"
#include "sweepkit/metrics.h"
#include "sweepkit/format.h"
#include "sweepkit/num.h"
#include "sweepkit/recommend.h"
#include "sweepkit/runset.h"
#include "sweepkit/saturation.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"
#include "sweepkit/units.h"

#include <gsl/gsl_errno.h>
#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SK_VERSION
#define SK_VERSION "dev"
#endif

#define MAX_INPUTS 1024
#define MAX_BUDGETS 16
#define MAX_CHARTS 2
#define MAX_OVERLAY 64 /* sk_chart_plot_new() draws 1..64 runs */
#define MSG 600

static const char prog[] = "sweepkit report";
static const char generator[] = "sweepkit report " SK_VERSION;
static const char dash[] = "\xE2\x80\x93"; /* "–": no value */

static const double default_budgets[] = {1.0, 2.5, 5.0};

/* The per-query percentile table: p50, p90, p99 of three columns. */
static const double pcts[3] = {50, 90, 99};
static const char *const pct_fields[3] = {"ttft_s", "tokens_per_s",
                                          "decode_tokens_per_s"};

/* Summary columns beyond the 14, used when present (the collector and
 * `summarize` write them): sk_summarize_extra_columns, errors first. */
#define NEXTRA SK_SUMMARIZE_NEXTRA
#define extra_cols sk_summarize_extra_columns

enum { OPT_BUDGET = 256, OPT_STAT };

static const cli_opt options[] = {
    {"out", required_argument, 'o', "DIR",
     "write the report into DIR (default results/report_<time>/)"},
    {"ttft-budget", required_argument, OPT_BUDGET, "S",
     "recommend a level for this TTFT budget (repeatable; default 1, 2.5 "
     "and 5 s)"},
    {"ttft-stat", required_argument, OPT_STAT, "STAT",
     "the TTFT statistic budgets apply to: avg (default), median, p90, p99"},
    {"title", required_argument, 't', "TEXT",
     "the page title (default \"Sweep report\")"},
    {NULL, 0, 0, NULL, NULL}};

/* ---- the analysis of one run --------------------------------------------- */

struct sat {
    int ok;
    char error[MSG];
    struct sk_saturation_knee knee;
    int usl_ok;
    char usl_error[MSG];
    struct sk_saturation_usl usl;
};

struct rec {
    int ok;
    char error[MSG];
    sk_recommend_result r;
    char text[SK_RECOMMEND_PARAGRAPH_MAX];
};

struct pct_level {
    const char *key; /* the concurrency as written, borrowed */
    size_t queries;
    double v[3][3]; /* pct_fields x pcts; NaN when a column is empty */
};

struct chart_ref {
    char file[160]; /* in the report directory */
    const char *kind;
    unsigned width, height;
    char alt[400], caption[600];
};

struct run_rep {
    const struct sk_runset_run *run;
    char slug[120];
    char anchor[200];
    size_t n;
    const double *conc, *queries, *tput, *avg_ttft, *p90_ttft, *avg_decode,
        *avg_query;
    const double *extra[NEXTRA];
    struct sat sat;
    struct rec rec[MAX_BUDGETS];
    sk_stats_groups *groups;
    struct pct_level *pct;
    size_t npct;
    struct chart_ref charts[MAX_CHARTS];
    size_t ncharts;
    char chart_error[MSG];
};

struct report {
    const char *title, *command;
    double budgets[MAX_BUDGETS];
    size_t nbudgets;
    enum sk_ttft_stat stat;
    const char **inputs;
    size_t ninputs;
    struct run_rep *runs;
    size_t nruns;
    struct chart_ref overlay;
    int has_overlay;
    char overlay_note[MSG];
};

/* A column of the summary, or NULL when the summary does not have it. */
static int opt_column(const double **out, const sk_sweep *s, const char *name)
{
    int rc = sk_sweep_column(out, s, name);

    if (rc == SK_ENOTFOUND) {
        *out = NULL;
        sk_error_clear();
        return 0;
    }
    return rc;
}

static int any_value(const double *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        if (!isnan(v[i]))
            return 1;
    return 0;
}

static void copy_error(char *buf)
{
    snprintf(buf, MSG, "%s", sk_error_last());
}

/* The knee and the USL fit (saturation.h) of throughput by concurrency. */
static void analyse_saturation(struct run_rep *rr)
{
    struct sat *st = &rr->sat;
    const sk_sweep *s = rr->run->sweep;
    size_t i;

    if (!rr->tput) {
        snprintf(st->error, MSG, "%s: no column 'throughput_tokens_per_s'",
                 sk_sweep_name(s));
        return;
    }
    if (!any_value(rr->tput, rr->n) && rr->run->summarized &&
        !rr->run->has_times) {
        snprintf(st->error, MSG,
                 "throughput is unknown: the per-query file has no "
                 "start_s/end_s columns, so no level has a wall time");
        return;
    }
    /* The message `sweepkit saturation` gives for the same file. */
    for (i = 0; i < rr->n; i++)
        if (isnan(rr->tput[i])) {
            snprintf(st->error, MSG,
                     "%s:%zu: no throughput_tokens_per_s value at "
                     "concurrency %g (empty cell)",
                     sk_sweep_name(s), sk_sweep_line(s, i), rr->conc[i]);
            return;
        }
    if (sk_saturation_knee(&st->knee, rr->conc, rr->tput, rr->n,
                           SK_SATURATION_DEFAULT_GAIN) != 0) {
        copy_error(st->error);
        return;
    }
    st->ok = 1;
    if (sk_saturation_usl_fit(&st->usl, rr->conc, rr->tput, rr->n) == 0)
        st->usl_ok = 1;
    else
        copy_error(st->usl_error);
}

/* One recommendation per budget (recommend.h).  A run without an answer
 * keeps the reason; only running out of memory stops the report. */
static int analyse_budgets(struct run_rep *rr, const struct report *rep)
{
    size_t b;
    int rc;

    for (b = 0; b < rep->nbudgets; b++) {
        struct rec *x = &rr->rec[b];
        sk_recommend_opts o;

        sk_recommend_opts_init(&o);
        o.ttft_budget_s = rep->budgets[b];
        o.ttft_stat = rep->stat;
        rc = sk_recommend_sweep(&x->r, rr->run->sweep, &o);
        if (rc == 0)
            rc = sk_recommend_paragraph(x->text, sizeof(x->text), &x->r);
        if (rc == SK_ENOMEM)
            return rc;
        if (rc == 0)
            x->ok = 1;
        else
            copy_error(x->error);
    }
    return 0;
}

/* p50/p90/p99 per level of the per-query columns (stats.h). */
static int analyse_percentiles(struct run_rep *rr)
{
    static const char *const by[] = {"concurrency"};
    const struct sk_runset_run *run = rr->run;
    sk_stats_opts so;
    size_t i, f;
    int rc;

    if (!run->per_query_path)
        return 0;
    memset(&so, 0, sizeof(so));
    so.by = by;
    so.nby = 1;
    so.fields = pct_fields;
    so.nfields = 3;
    if ((rc = sk_stats_groups_from_file(&rr->groups, run->per_query_path,
                                        &so)) != 0)
        return rc;
    rr->npct = sk_stats_groups_count(rr->groups);
    if (rr->npct != run->nlevels)
        return sk_error_set(SK_EPARSE,
                            "%s: %zu groups of queries but %zu levels",
                            run->per_query_path, rr->npct, run->nlevels);
    if (!(rr->pct = calloc(rr->npct ? rr->npct : 1, sizeof(*rr->pct))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < rr->npct; i++) {
        rr->pct[i].key = sk_stats_groups_key(rr->groups, i, 0);
        rr->pct[i].queries = run->levels[i].queries;
        for (f = 0; f < 3; f++) {
            struct sk_stats_summary s;

            if ((rc = sk_stats_groups_summarize(&s, rr->pct[i].v[f], rr->groups,
                                                i, f, pcts, 3)) != 0)
                return rc;
        }
    }
    return 0;
}

/* "gemma-3-1b" as a file name part: [A-Za-z0-9._-], the rest '_'. */
static void slugify(char *buf, size_t cap, const char *label)
{
    size_t i, n = 0;

    for (i = 0; label[i] && n + 1 < cap && n < 100; i++) {
        char c = label[i];

        buf[n++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
                       ? c
                       : '_';
    }
    if (n == 0 || buf[0] == '.')
        buf[n == 0 ? n++ : 0] = 'r';
    buf[n] = '\0';
}

/* GitHub's heading anchor: lower case, spaces to '-', other punctuation
 * but '-' and '_' dropped (bytes >= 0x80 kept). */
static void anchor_of(char *buf, size_t cap, const char *heading)
{
    size_t i, n = 0;

    for (i = 0; heading[i] && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)heading[i];

        if (c >= 'A' && c <= 'Z')
            buf[n++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '_' || c >= 0x80)
            buf[n++] = (char)c;
        else if (c == ' ')
            buf[n++] = '-';
    }
    buf[n] = '\0';
}

static int analyse_run(struct run_rep *rr, const struct sk_runset_run *run,
                       const struct report *rep)
{
    const sk_sweep *s = run->sweep;
    size_t k;
    int rc;

    rr->run = run;
    rr->n = sk_sweep_levels(s);
    rr->conc = sk_sweep_concurrency(s);
    if ((rc = opt_column(&rr->queries, s, "queries")) != 0 ||
        (rc = opt_column(&rr->tput, s, "throughput_tokens_per_s")) != 0 ||
        (rc = opt_column(&rr->avg_ttft, s, "avg_ttft_s")) != 0 ||
        (rc = opt_column(&rr->p90_ttft, s, "p90_ttft_s")) != 0 ||
        (rc = opt_column(&rr->avg_decode, s, "avg_decode_tokens_per_s")) != 0 ||
        (rc = opt_column(&rr->avg_query, s, "avg_query_tokens_per_s")) != 0)
        return rc;
    for (k = 0; k < NEXTRA; k++)
        if ((rc = opt_column(&rr->extra[k], s, extra_cols[k])) != 0)
            return rc;
    analyse_saturation(rr);
    if ((rc = analyse_budgets(rr, rep)) != 0)
        return rc;
    return analyse_percentiles(rr);
}

/* Unique file-name slugs and heading anchors for every run. */
static void name_runs(struct report *rep)
{
    size_t i, j, k;

    for (i = 0; i < rep->nruns; i++) {
        struct run_rep *rr = &rep->runs[i];
        char base[120];

        slugify(base, sizeof(base), rr->run->label);
        snprintf(rr->slug, sizeof(rr->slug), "%s", base);
        for (k = 2;; k++) {
            int clash = 0;

            for (j = 0; j < i && !clash; j++)
                clash = strcmp(rep->runs[j].slug, rr->slug) == 0;
            if (!clash)
                break;
            snprintf(rr->slug, sizeof(rr->slug), "%.100s-%zu", base, k);
        }
        anchor_of(rr->anchor, sizeof(rr->anchor), rr->run->label);
    }
}

/* ---- numbers for people ---------------------------------------------------
 */

/* Two decimals as the summaries are published, three significant digits
 * below 0.1 (as `sweepkit recommend` prints); "–" for no value. */
static const char *num(char *buf, size_t cap, double x)
{
    if (isnan(x))
        return dash;
    snprintf(buf, cap, fabs(x) >= 0.1 || x == 0 ? "%.2f" : "%.3g", x);
    return buf;
}

/* Value i of a column that may be absent. */
static double at(const double *v, size_t i)
{
    return v ? v[i] : NAN;
}

/* "1 s", "2.5 s", "0.5 s" */
static void budget_words(char *buf, size_t cap, double b)
{
    snprintf(buf, cap, "%g s", b);
}

static const char *limit_words(enum sk_recommend_limit l)
{
    switch (l) {
    case SK_LIMIT_TTFT: return "TTFT budget";
    case SK_LIMIT_QUERY_TPS: return "per-query speed";
    case SK_LIMIT_THROUGHPUT: return "throughput goal";
    case SK_LIMIT_NONE: break;
    }
    return "nothing within the sweep";
}

/* " (extrapolated: beyond 128)" for a fitted value past the last level. */
static const char *beyond(char *buf, size_t cap, const struct run_rep *rr,
                          double v)
{
    if (v > rr->conc[rr->n - 1])
        snprintf(buf, cap, " (extrapolated: beyond %g)", rr->conc[rr->n - 1]);
    else
        buf[0] = '\0';
    return buf;
}

/* "+6.5%" of a gain per doubling (a fraction). */
static void gain_words(char *buf, size_t cap, double g)
{
    snprintf(buf, cap, "%+.1f%%", 100 * g);
}

static double step_gain(const struct run_rep *rr, size_t i)
{
    return sk_saturation_gain(rr->conc[i], rr->tput[i], rr->conc[i + 1],
                              rr->tput[i + 1]);
}

/* Step i in words: "doubling to 128 adds 6.5%" when it is a doubling,
 * else "going from 8 to 12 gains 6.5% per doubling". */
static void step_words(char *buf, size_t cap, const struct run_rep *rr,
                       size_t i)
{
    char g[32];
    double gain = step_gain(rr, i);

    if (rr->conc[i + 1] == 2 * rr->conc[i]) {
        snprintf(g, sizeof(g), "%.1f%%", 100 * fabs(gain));
        snprintf(buf, cap, "doubling from %g to %g %s %s", rr->conc[i],
                 rr->conc[i + 1], gain < 0 ? "loses" : "adds", g);
    } else {
        gain_words(g, sizeof(g), gain);
        snprintf(buf, cap, "going from %g to %g gains %s per doubling",
                 rr->conc[i], rr->conc[i + 1], g);
    }
}

/* The measured knee in plain words: one or two sentences. */
static void knee_sentence(char *buf, size_t cap, const struct run_rep *rr)
{
    const struct sk_saturation_knee *k = &rr->sat.knee;
    double g = 100 * k->threshold;
    char step[160];

    step_words(step, sizeof(step), rr, k->max_step);
    if (!k->found)
        snprintf(buf, cap,
                 "**Throughput keeps climbing to %g**, the highest level "
                 "measured: %s, still at least the %g%% per doubling that "
                 "counts as scaling. The knee lies beyond this sweep; "
                 "measure higher concurrency to find it.",
                 rr->conc[rr->n - 1], step, g);
    else if (k->index == 0)
        snprintf(buf, cap,
                 "**Throughput does not scale with concurrency here:** no "
                 "step from %g on gains %g%% per doubling (the best: %s).",
                 k->x, g, step);
    else if (k->index + 2 == rr->n)
        snprintf(buf, cap,
                 "**Throughput stops scaling at %g:** %s, less than the "
                 "%g%% per doubling that counts as scaling.",
                 k->x, step, g);
    else
        snprintf(buf, cap,
                 "**Throughput stops scaling at %g:** no later step gains "
                 "%g%% per doubling (the best: %s).",
                 k->x, g, step);
}

/* The USL fit in words. */
static void usl_sentence(char *buf, size_t cap, const struct run_rep *rr)
{
    const struct sk_saturation_usl *u = &rr->sat.usl;
    char head[300], e1[64], e2[64], e3[64];

    snprintf(head, sizeof(head),
             "A Universal Scalability Law fit, X(N) = λN / (1 + σ(N − 1) + "
             "κN(N − 1)), over the %zu levels gives λ = %.4g, σ = %.4g, "
             "κ = %.4g (R² = %.4f).",
             u->levels, u->lambda, u->sigma, u->kappa, u->r2);
    if (!isnan(u->peak_n))
        snprintf(buf, cap,
                 "%s The fitted curve peaks at concurrency %.1f%s with "
                 "%.1f tok/s and reaches 90%% of that peak at %.1f%s, 95%% "
                 "at %.1f%s.",
                 head, u->peak_n, beyond(e1, sizeof(e1), rr, u->peak_n),
                 u->peak_x, u->n90, beyond(e2, sizeof(e2), rr, u->n90), u->n95,
                 beyond(e3, sizeof(e3), rr, u->n95));
    else if (!isnan(u->asymptote_x))
        snprintf(buf, cap,
                 "%s It has no peak (κ = 0): throughput rises towards "
                 "%.1f tok/s, reaching 90%% of that at concurrency %.1f%s "
                 "and 95%% at %.1f%s.",
                 head, u->asymptote_x, u->n90,
                 beyond(e1, sizeof(e1), rr, u->n90), u->n95,
                 beyond(e2, sizeof(e2), rr, u->n95));
    else
        snprintf(buf, cap, "%s %s", head,
                 u->sigma >= 1 ? "The fitted curve never rises above X(1)."
                               : "The fit is linear scaling (σ = κ = 0): "
                                 "no peak and no asymptote.");
}

/* ---- charts ------------------------------------------------------------- */

static void print_notes(const sk_chart *c)
{
    size_t i;

    for (i = 0; c && i < sk_chart_notes(c); i++)
        fprintf(stderr, "%s: note: %s\n", prog, sk_chart_note(c, i));
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
                        const struct report *rep)
{
    size_t b, pi;
    char label[64];
    int rc;

    for (b = 0; b < rep->nbudgets; b++) {
        if (!rr->rec[b].ok)
            continue;
        snprintf(label, sizeof(label), "%g s", rep->budgets[b]);
        if (sk_chart_find_panel(&pi, c, "ttft") == 0 &&
            (rc = sk_chart_panel_mark_y(c, pi, 0, rep->budgets[b], label)) != 0)
            return rc;
        if (sk_chart_find_panel(&pi, c, "pareto") == 0 &&
            (rc = sk_chart_panel_mark_x(c, pi, rep->budgets[b], label)) != 0)
            return rc;
    }
    sk_error_clear();
    return 0;
}

static int any_rec(const struct run_rep *rr, const struct report *rep)
{
    size_t b;

    for (b = 0; b < rep->nbudgets; b++)
        if (rr->rec[b].ok)
            return 1;
    return 0;
}

static int mark_knee(sk_chart *c, const struct run_rep *rr)
{
    char label[64];
    int rc;

    if (!rr->sat.ok || !rr->sat.knee.found)
        return 0;
    snprintf(label, sizeof(label), "knee %g", rr->sat.knee.x);
    rc = sk_chart_mark_x(c, "concurrency", rr->sat.knee.x, label);
    return rc == SK_ENOTFOUND ? 0 : rc;
}

/* The overlay's knees: one line per distinct level, naming its runs
 * ("knee 64 (every run)", "knee 32 (a, b)", "knee 16 (4 runs)"). */
static int mark_knees(sk_chart *c, struct run_rep *const *in, size_t n)
{
    char label[200];
    size_t i, j, with, used;
    int rc;

    for (i = 0; i < n; i++) {
        double x = in[i]->sat.knee.x;
        int first = 1;

        if (!in[i]->sat.ok || !in[i]->sat.knee.found)
            continue;
        for (j = 0; j < i && first; j++)
            first = !(in[j]->sat.ok && in[j]->sat.knee.found &&
                      in[j]->sat.knee.x == x);
        if (!first)
            continue;
        for (j = i, with = 0; j < n; j++)
            with += in[j]->sat.ok && in[j]->sat.knee.found &&
                    in[j]->sat.knee.x == x;
        used = (size_t)snprintf(label, sizeof(label), "knee %g (", x);
        if (with == n)
            snprintf(label + used, sizeof(label) - used, "all %zu runs)", n);
        else
            for (j = i; j < n && used < sizeof(label); j++)
                if (in[j]->sat.ok && in[j]->sat.knee.found &&
                    in[j]->sat.knee.x == x)
                    used += (size_t)snprintf(label + used, sizeof(label) - used,
                                             "%s%s", j == i ? "" : ", ",
                                             in[j]->run->label);
        if (with < n && (used >= sizeof(label) - 1 || used > 70))
            snprintf(label, sizeof(label), "knee %g (%zu runs)", x, with);
        else if (with < n)
            snprintf(label + used, sizeof(label) - used, ")");
        if ((rc = sk_chart_mark_x(c, "concurrency", x, label)) != 0)
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
};

/* Draw `c` into DIR/FILE and describe it in *ref. */
static int write_chart(struct chart_ref *ref, sk_chart *c,
                       const struct render *rd)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", rd->dir, ref->file);
    ref->width = SK_CHART_WIDTH;
    ref->height = SK_CHART_HEIGHT;
    return sk_chart_write(c, path, &rd->ro);
}

/* The run's charts: a dashboard when it has throughput, else the
 * per-query samples and TTFT.  A chart with nothing to draw is left out
 * with its reason; other failures stop the report. */
static int run_charts(struct run_rep *rr, const struct report *rep,
                      const struct render *rd)
{
    const struct sk_runset_run *run = rr->run;
    sk_chart_plot_run pr;
    sk_chart_plot_opts po;
    sk_chart_plot_kind kinds[2];
    size_t nk = 0, k;
    int rc = 0;

    memset(&pr, 0, sizeof(pr));
    pr.sweep = run->sweep;
    pr.label = run->label;
    pr.query_concurrency = run->sample_concurrency;
    pr.query_tokens_per_s = run->sample_tokens_per_s;
    pr.nqueries = run->nsamples;
    if (any_value(rr->tput, rr->n)) {
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
                         rr->sat.ok && rr->sat.knee.found
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
        print_notes(c);
        sk_chart_free(c);
        if (rc == SK_ENODATA || rc == SK_ENOTFOUND) {
            /* Nothing to draw (a column the chart needs is empty or
             * missing) is a fact about the data, not a failure. */
            copy_error(rr->chart_error);
            fprintf(stderr, "%s: note: %s: no %s chart: %s\n", prog, run->label,
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

/* Throughput of every run that has it, overlaid, each knee marked. */
static int overlay_chart(struct report *rep, const struct render *rd)
{
    sk_chart_plot_run pr[MAX_OVERLAY];
    struct run_rep *in[MAX_OVERLAY];
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    size_t i, n = 0, with = 0;
    int rc;

    memset(pr, 0, sizeof(pr));
    for (i = 0; i < rep->nruns; i++) {
        struct run_rep *rr = &rep->runs[i];

        if (!any_value(rr->tput, rr->n))
            continue;
        with++;
        if (n == MAX_OVERLAY)
            continue;
        in[n] = rr;
        pr[n].sweep = rr->run->sweep;
        pr[n].label = rr->run->label;
        n++;
    }
    if (with > MAX_OVERLAY)
        snprintf(rep->overlay_note, MSG,
                 "The overlay shows the first %d of the %zu runs with a "
                 "throughput.",
                 MAX_OVERLAY, with);
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

        ref->kind = "throughput";
        snprintf(ref->file, sizeof(ref->file), "throughput_overlay.png");
        snprintf(ref->alt, sizeof(ref->alt),
                 "Total throughput and mean per-query speed of %zu runs "
                 "against concurrency",
                 n);
        snprintf(ref->caption, sizeof(ref->caption),
                 "Total throughput (top) and mean per-query speed (bottom) "
                 "of every run with a measured throughput, one colour and "
                 "marker shape per run; dashed vertical lines mark the "
                 "knees.");
        rc = write_chart(ref, c, rd);
    }
    print_notes(c);
    sk_chart_free(c);
    if (rc == 0)
        rep->has_overlay = 1;
    return rc;
}

/* ---- report.md ---------------------------------------------------------- */

static void md_cell(FILE *fp, const char *s)
{
    sk_format_markdown_cell(fp, s, strlen(s));
}

static void md_code(FILE *fp, const char *s)
{
    fprintf(fp, "`%s`", s);
}

static void write_intro(FILE *fp, const struct report *rep)
{
    size_t i;
    char b[32];

    fprintf(fp, "# ");
    md_cell(fp, rep->title);
    fprintf(fp, "\n\n%zu run%s from ", rep->nruns, rep->nruns == 1 ? "" : "s");
    for (i = 0; i < rep->ninputs; i++) {
        fprintf(fp, "%s", i == 0 ? "" : i + 1 == rep->ninputs ? " and " : ", ");
        md_code(fp, rep->inputs[i]);
    }
    fprintf(fp, ". Each run is one concurrency sweep: the same load sent "
                "with 1, 2, 4 ... requests in flight at once, one row of "
                "measurements per level. For each run the page gives the "
                "measurements, where throughput stops growing with "
                "concurrency (the knee), and the concurrency to run at "
                "under a time-to-first-token (TTFT) budget of ");
    for (i = 0; i < rep->nbudgets; i++) {
        budget_words(b, sizeof(b), rep->budgets[i]);
        fprintf(fp, "%s%s",
                i == 0                   ? ""
                : i + 1 == rep->nbudgets ? " or "
                                         : ", ",
                b);
    }
    fprintf(fp,
            " on the %s TTFT. Terms are explained at the "
            "[end](#how-to-read-this-report).\n\n",
            rep->stat == SK_TTFT_AVG      ? "mean"
            : rep->stat == SK_TTFT_MEDIAN ? "median"
                                          : sk_recommend_stat_name(rep->stat));
}

static const char *data_words(const struct sk_runset_run *run)
{
    if (run->summary_path && run->per_query_path)
        return "summary + per-query";
    return run->summary_path ? "summary" : "per-query";
}

static void write_overview(FILE *fp, const struct report *rep)
{
    size_t i, b;
    char x[64], bw[32];

    fprintf(fp, "## Overview\n\n| run | data | levels | peak throughput "
                "(tok/s) | knee |");
    for (b = 0; b < rep->nbudgets; b++) {
        budget_words(bw, sizeof(bw), rep->budgets[b]);
        fprintf(fp, " %s budget |", bw);
    }
    fprintf(fp, "\n|---|---|---:|---:|---:|");
    for (b = 0; b < rep->nbudgets; b++)
        fprintf(fp, "---:|");
    fputc('\n', fp);
    for (i = 0; i < rep->nruns; i++) {
        const struct run_rep *rr = &rep->runs[i];
        size_t pk = rr->tput ? sk_metric_peak(rr->tput, rr->n) : rr->n;

        fprintf(fp, "| [");
        md_cell(fp, rr->run->label);
        fprintf(fp, "](#%s) | %s | %zu | ", rr->anchor, data_words(rr->run),
                rr->n);
        if (pk < rr->n) /* the measured peak, whatever the budgets say */
            fprintf(fp, "%s at %g", num(x, sizeof(x), rr->tput[pk]),
                    rr->conc[pk]);
        else
            fputs(dash, fp);
        fputs(" | ", fp);
        if (rr->sat.ok && rr->sat.knee.found)
            fprintf(fp, "%g", rr->sat.knee.x);
        else
            fputs(rr->sat.ok ? "none yet" : dash, fp);
        fputs(" |", fp);
        for (b = 0; b < rep->nbudgets; b++) {
            const struct rec *r = &rr->rec[b];

            if (!r->ok)
                fprintf(fp, " %s |", dash);
            else if (r->r.found)
                fprintf(fp, " %g |", r->r.concurrency);
            else
                fprintf(fp, " none |");
        }
        fputc('\n', fp);
    }
    fprintf(fp,
            "\nPeak throughput is the highest measured. The budget "
            "column%s give%s the recommended concurrency under each %s "
            "TTFT budget (\"none\": no measured level meets it). "
            "\"none yet\" for the knee: throughput was still growing "
            "at the highest level measured.\n\n",
            rep->nbudgets == 1 ? "" : "s", rep->nbudgets == 1 ? "s" : "",
            sk_recommend_stat_name(rep->stat));
    if (rep->has_overlay)
        fprintf(fp, "![%s](%s)\n\n*%s %ux%u PNG.*\n\n", rep->overlay.alt,
                rep->overlay.file, rep->overlay.caption, rep->overlay.width,
                rep->overlay.height);
    if (rep->overlay_note[0])
        fprintf(fp, "%s\n\n", rep->overlay_note);
}

static void write_sources(FILE *fp, const struct run_rep *rr)
{
    const struct sk_runset_run *run = rr->run;
    size_t i, nq = 0;

    for (i = 0; i < run->nlevels; i++)
        nq += run->levels[i].queries;
    if (run->summary_path) {
        fprintf(fp, "Summary ");
        md_code(fp, run->summary_path);
        fprintf(fp, ", %zu level%s from %g to %g requests in flight.", rr->n,
                rr->n == 1 ? "" : "s", rr->conc[0], rr->conc[rr->n - 1]);
        if (!run->per_query_path)
            fprintf(fp, " No per-query file was found for this run, so "
                        "there are no per-query percentiles.");
        else {
            fprintf(fp, " Per-query file ");
            md_code(fp, run->per_query_path);
            fprintf(fp, ", %zu queries, paired with it %s.", nq,
                    run->pairing == SK_RUNSET_BY_NAME
                        ? "by the collector's file names"
                        : "because its levels and queries per level "
                          "equal the summary's");
        }
    } else {
        fprintf(fp, "Per-query file ");
        md_code(fp, run->per_query_path);
        fprintf(fp,
                ", %zu queries over %zu level%s from %g to %g requests "
                "in flight, with no summary: the measurements below "
                "are summarised from its rows (what `sweepkit "
                "summarize` prints).",
                nq, rr->n, rr->n == 1 ? "" : "s", rr->conc[0],
                rr->conc[rr->n - 1]);
        if (!run->has_times)
            fprintf(fp, " It has no start_s/end_s columns, so the wall "
                        "time of a level, and with it throughput, is "
                        "unknown: no saturation analysis or recommendation "
                        "is possible.");
    }
    fprintf(fp, "\n\n");
}

static void write_measurements(FILE *fp, const struct run_rep *rr)
{
    size_t i;
    char b[6][64];

    fprintf(fp, "### Measurements\n\n"
                "| conc | throughput (tok/s) | avg TTFT (s) | p90 TTFT (s) "
                "| avg decode (tok/s) | avg query (tok/s) | errors |\n"
                "|---:|---:|---:|---:|---:|---:|---:|\n");
    for (i = 0; i < rr->n; i++) {
        double e = at(rr->extra[0], i);

        if (isnan(e))
            snprintf(b[5], sizeof(b[5]), "%s", dash);
        else
            snprintf(b[5], sizeof(b[5]), "%g", e);
        fprintf(fp, "| %g | %s | %s | %s | %s | %s | %s |\n", rr->conc[i],
                num(b[0], 64, at(rr->tput, i)),
                num(b[1], 64, at(rr->avg_ttft, i)),
                num(b[2], 64, at(rr->p90_ttft, i)),
                num(b[3], 64, at(rr->avg_decode, i)),
                num(b[4], 64, at(rr->avg_query, i)), b[5]);
    }
    fprintf(fp, "\n\"%s\": not in the data.%s\n\n", dash,
            rr->extra[0] ? "" : " This summary has no errors column.");
}

static void write_percentiles(FILE *fp, const struct run_rep *rr)
{
    size_t i, f, p, small = 0;
    char b[64];

    if (!rr->pct)
        return;
    fprintf(fp, "### Per-query percentiles\n\n"
                "From the rows of ");
    md_code(fp, rr->run->per_query_path);
    fprintf(fp, ", per level: p50 (the median), p90 and p99.\n\n"
                "| conc | queries | TTFT p50 (s) | TTFT p90 | TTFT p99 | "
                "query p50 (tok/s) | query p90 | query p99 | decode p50 "
                "(tok/s) | decode p90 | decode p99 |\n"
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (i = 0; i < rr->npct; i++) {
        fprintf(fp, "| ");
        md_cell(fp, rr->pct[i].key);
        fprintf(fp, " | %zu |", rr->pct[i].queries);
        for (f = 0; f < 3; f++)
            for (p = 0; p < 3; p++)
                fprintf(fp, " %s |", num(b, sizeof(b), rr->pct[i].v[f][p]));
        fputc('\n', fp);
        small += rr->pct[i].queries < 100;
    }
    fprintf(fp,
            "\nPercentiles interpolate linearly between the two closest "
            "ranks (numpy's default).%s\n\n",
            small ? " With fewer than 100 queries at a level, its p99 lies "
                    "between the two largest values."
                  : "");
}

static void write_saturation(FILE *fp, const struct run_rep *rr)
{
    const struct sat *st = &rr->sat;
    char line[1200], a[64], b[64], g[32];
    size_t i;

    fprintf(fp, "### Saturation\n\n");
    if (!st->ok) {
        fprintf(fp, "Not possible: ");
        md_cell(fp, st->error);
        fprintf(fp, ".\n\n");
        return;
    }
    knee_sentence(line, sizeof(line), rr);
    fprintf(fp,
            "%s\n\n| step | throughput (tok/s) | gain per doubling | |\n"
            "|---|---:|---:|---|\n",
            line);
    for (i = 0; i + 1 < rr->n; i++) {
        gain_words(g, sizeof(g), step_gain(rr, i));
        fprintf(fp, "| %g→%g | %s → %s | %s | %s |\n", rr->conc[i],
                rr->conc[i + 1], num(a, sizeof(a), rr->tput[i]),
                num(b, sizeof(b), rr->tput[i + 1]), g,
                st->knee.found && i == st->knee.index ? "← knee" : "");
    }
    fputc('\n', fp);
    if (st->usl_ok) {
        usl_sentence(line, sizeof(line), rr);
        fprintf(fp, "%s\n\n", line);
    } else {
        fprintf(fp, "No Universal Scalability Law fit: ");
        md_cell(fp, st->usl_error);
        fprintf(fp, ".\n\n");
    }
}

/* Every budget failed for one reason (a column the data lacks). */
static int same_errors(const struct run_rep *rr, const struct report *rep)
{
    size_t b;

    for (b = 1; b < rep->nbudgets; b++)
        if (strcmp(rr->rec[b].error, rr->rec[0].error) != 0)
            return 0;
    return 1;
}

static void write_recommendations(FILE *fp, const struct run_rep *rr,
                                  const struct report *rep)
{
    const char *stat = sk_recommend_stat_name(rep->stat);
    size_t b, ok = 0;
    char c[7][64], bw[32];

    fprintf(fp, "### Recommendations\n\n");
    for (b = 0; b < rep->nbudgets; b++)
        ok += rr->rec[b].ok;
    if (ok)
        fprintf(fp,
                "| %s TTFT budget | concurrency | %s TTFT (s) | "
                "per-query (tok/s) | throughput (tok/s) | of peak | "
                "limited by | crossing near |\n"
                "|---:|---:|---:|---:|---:|---:|---|---:|\n",
                stat, stat);
    for (b = 0; b < rep->nbudgets && ok; b++) {
        const struct rec *x = &rr->rec[b];

        budget_words(bw, sizeof(bw), rep->budgets[b]);
        if (!x->ok) {
            fprintf(fp, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", bw, dash,
                    dash, dash, dash, dash, dash, dash);
            continue;
        }
        if (x->r.found)
            snprintf(c[0], 64, "%g", x->r.concurrency);
        else
            snprintf(c[0], 64, "none (closest: %g)", x->r.concurrency);
        if (isnan(x->r.peak_share))
            snprintf(c[4], 64, "%s", dash);
        else
            snprintf(c[4], 64, "%.1f%%", 100 * x->r.peak_share);
        if (isnan(x->r.estimate_concurrency))
            snprintf(c[5], 64, "%s", dash);
        else
            snprintf(c[5], 64, "%.1f", x->r.estimate_concurrency);
        fprintf(fp, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", bw, c[0],
                num(c[1], 64, x->r.ttft_s),
                num(c[2], 64, x->r.query_tokens_per_s),
                num(c[3], 64, x->r.throughput_tokens_per_s), c[4],
                x->r.found ? limit_words(x->r.binding)
                           : "no level meets the budget",
                c[5]);
    }
    if (ok)
        fputc('\n', fp);
    if (!ok && same_errors(rr, rep)) {
        fprintf(fp, "No recommendation: ");
        md_cell(fp, rr->rec[0].error);
        fprintf(fp, ".\n\n");
        return;
    }
    for (b = 0; b < rep->nbudgets; b++) {
        const struct rec *x = &rr->rec[b];

        budget_words(bw, sizeof(bw), rep->budgets[b]);
        fprintf(fp, "- **%s:** ", bw);
        if (x->ok) {
            md_cell(fp, x->text);
        } else {
            fprintf(fp, "no recommendation: ");
            md_cell(fp, x->error);
            fputc('.', fp);
        }
        fputc('\n', fp);
    }
    fputc('\n', fp);
}

static void write_charts(FILE *fp, const struct run_rep *rr)
{
    size_t i;

    fprintf(fp, "### Charts\n\n");
    for (i = 0; i < rr->ncharts; i++) {
        const struct chart_ref *c = &rr->charts[i];

        fprintf(fp, "![%s](%s)\n\n*%s %ux%u PNG.*\n\n", c->alt, c->file,
                c->caption, c->width, c->height);
    }
    if (rr->chart_error[0]) {
        fprintf(fp, "Not drawn: ");
        md_cell(fp, rr->chart_error);
        fprintf(fp, ".\n\n");
    }
}

static void write_glossary(FILE *fp, const struct report *rep)
{
    fprintf(fp,
            "## How to read this report\n\n"
            "- **Concurrency (conc)**: requests kept in flight at once. The "
            "load is a closed loop: a new request is sent only when one "
            "finishes.\n"
            "- **Throughput**: all output tokens of a level divided by its "
            "wall time, from the first request sent to the last response "
            "finished. It is what the server delivers in total.\n"
            "- **TTFT** (time to first token): from sending a request to "
            "the first piece of generated text. avg is the mean over the "
            "level's queries, p90 the value 90%% of them stay under.\n"
            "- **Decode speed**: tokens after the first one divided by the "
            "time after the first token; **query speed**: one query's "
            "output tokens divided by its whole duration, TTFT included. "
            "Both are what a single user sees.\n"
            "- **Gain per doubling**: how much throughput grows when "
            "concurrency doubles (a step that is not a doubling is scaled "
            "to one). The **knee** is the lowest level after which every "
            "step gains less than %g%% per doubling: past it, more "
            "concurrency mostly adds waiting.\n"
            "- **USL fit**: the Universal Scalability Law curve "
            "X(N) = λN / (1 + σ(N − 1) + κN(N − 1)) fitted to throughput; "
            "σ measures contention, κ crosstalk. Read it with its R²; "
            "where it disagrees with the measured knee, trust the "
            "measurements.\n"
            "- **Recommendation**: the highest measured level whose %s "
            "TTFT is within the budget (limits inclusive). \"Crossing "
            "near\" is where the TTFT curve, interpolated between the "
            "measured levels, meets the budget: a reading of the curve, "
            "not a measurement. \"Of peak\" is its throughput as a share "
            "of the highest throughput measured.\n"
            "- **Closed loop**: when the server slows down, this kind of "
            "client slows down with it, so the latencies here describe the "
            "sweep, not what users arriving on their own schedule would "
            "see at the same throughput.\n\n",
            100 * SK_SATURATION_DEFAULT_GAIN,
            sk_recommend_stat_name(rep->stat));
    fprintf(fp, "---\n\nMade by sweepkit %s with `", SK_VERSION);
    md_cell(fp, rep->command);
    fprintf(fp, "`. `report.json` next to this page holds the same numbers "
                "at full precision.\n");
}

static void write_md(FILE *fp, const struct report *rep)
{
    size_t i;

    write_intro(fp, rep);
    write_overview(fp, rep);
    for (i = 0; i < rep->nruns; i++) {
        const struct run_rep *rr = &rep->runs[i];

        fprintf(fp, "## ");
        md_cell(fp, rr->run->label);
        fprintf(fp, "\n\n");
        write_sources(fp, rr);
        write_measurements(fp, rr);
        write_percentiles(fp, rr);
        write_saturation(fp, rr);
        write_recommendations(fp, rr, rep);
        write_charts(fp, rr);
    }
    write_glossary(fp, rep);
}

/* ---- report.json -------------------------------------------------------- */

/* Built with jansson.  A constructor that returns NULL (out of memory)
 * makes the set or append that takes it fail; every failure is counted
 * here and checked once, at the end (one report is built per process). */
static int json_failures;

static json_t *jnum(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void jset(json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) != 0)
        json_failures++;
}

static void jappend(json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0)
        json_failures++;
}

static json_t *json_levels(const struct run_rep *rr)
{
    json_t *a = json_array();
    size_t i, k;

    for (i = 0; a && i < rr->n; i++) {
        json_t *o = json_object();

        jset(o, "concurrency", jnum(rr->conc[i]));
        jset(o, "queries", jnum(at(rr->queries, i)));
        jset(o, "throughput_tokens_per_s", jnum(at(rr->tput, i)));
        jset(o, "avg_ttft_s", jnum(at(rr->avg_ttft, i)));
        jset(o, "p90_ttft_s", jnum(at(rr->p90_ttft, i)));
        jset(o, "avg_decode_tokens_per_s", jnum(at(rr->avg_decode, i)));
        jset(o, "avg_query_tokens_per_s", jnum(at(rr->avg_query, i)));
        for (k = 0; k < NEXTRA; k++)
            jset(o, extra_cols[k], jnum(at(rr->extra[k], i)));
        jappend(a, o);
    }
    return a;
}

static json_t *json_percentiles(const struct run_rep *rr)
{
    static const char *const pname[3] = {"p50", "p90", "p99"};
    json_t *a;
    size_t i, f, p;

    if (!rr->pct)
        return json_null();
    if (!(a = json_array()))
        return NULL;
    for (i = 0; i < rr->npct; i++) {
        json_t *o = json_object();
        double c = NAN;

        sk_num_parse(&c, rr->pct[i].key, strlen(rr->pct[i].key));
        jset(o, "concurrency", jnum(c));
        jset(o, "queries", json_integer((json_int_t)rr->pct[i].queries));
        for (f = 0; f < 3; f++) {
            json_t *q = json_object();

            for (p = 0; p < 3; p++)
                jset(q, pname[p], jnum(rr->pct[i].v[f][p]));
            jset(o, pct_fields[f], q);
        }
        jappend(a, o);
    }
    return a;
}

static json_t *json_saturation(const struct run_rep *rr)
{
    const struct sat *st = &rr->sat;
    const struct sk_saturation_usl *u = &st->usl;
    json_t *o = json_object(), *steps, *usl;
    char line[1200];
    size_t i;

    /* The same keys whether or not there is an answer: null when not. */
    jset(o, "error", st->ok ? json_null() : json_string(st->error));
    jset(o, "gain_threshold", json_real(SK_SATURATION_DEFAULT_GAIN));
    jset(o, "knee", st->ok ? jnum(st->knee.x) : json_null());
    if (st->ok)
        knee_sentence(line, sizeof(line), rr);
    jset(o, "knee_sentence", st->ok ? json_string(line) : json_null());
    steps = json_array();
    for (i = 0; st->ok && i + 1 < rr->n; i++) {
        json_t *s = json_object();

        jset(s, "x_from", jnum(rr->conc[i]));
        jset(s, "x_to", jnum(rr->conc[i + 1]));
        jset(s, "y_from", jnum(rr->tput[i]));
        jset(s, "y_to", jnum(rr->tput[i + 1]));
        jset(s, "gain_per_doubling", jnum(step_gain(rr, i)));
        jappend(steps, s);
    }
    jset(o, "steps", steps);
    if (!st->usl_ok) {
        jset(o, "usl", json_null());
        jset(o, "usl_error", st->ok ? json_string(st->usl_error) : json_null());
        return o;
    }
    usl = json_object();
    jset(usl, "lambda", jnum(u->lambda));
    jset(usl, "sigma", jnum(u->sigma));
    jset(usl, "kappa", jnum(u->kappa));
    jset(usl, "r2", jnum(u->r2));
    jset(usl, "peak_concurrency", jnum(u->peak_n));
    jset(usl, "peak_throughput", jnum(u->peak_x));
    jset(usl, "asymptote_throughput", jnum(u->asymptote_x));
    jset(usl, "n90", jnum(u->n90));
    jset(usl, "n95", jnum(u->n95));
    jset(usl, "levels", json_integer((json_int_t)u->levels));
    usl_sentence(line, sizeof(line), rr);
    jset(usl, "sentence", json_string(line));
    jset(o, "usl", usl);
    jset(o, "usl_error", json_null());
    return o;
}

static json_t *json_recs(const struct run_rep *rr, const struct report *rep)
{
    json_t *a = json_array();
    size_t b;

    for (b = 0; a && b < rep->nbudgets; b++) {
        const struct rec *x = &rr->rec[b];
        const sk_recommend_result *r = &x->r;
        json_t *o = json_object();

        jset(o, "ttft_budget_s", json_real(rep->budgets[b]));
        jset(o, "ttft_stat", json_string(sk_recommend_stat_name(rep->stat)));
        jset(o, "error", x->ok ? json_null() : json_string(x->error));
        if (!x->ok) {
            static const char *const keys[] = {"found",
                                               "concurrency",
                                               "ttft_s",
                                               "avg_query_tokens_per_s",
                                               "throughput_tokens_per_s",
                                               "peak_throughput_tokens_per_s",
                                               "peak_concurrency",
                                               "peak_share",
                                               "binding",
                                               "neighbour_concurrency",
                                               "neighbour_value",
                                               "estimate_concurrency",
                                               "summary"};
            size_t k;

            for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                jset(o, keys[k], json_null());
        } else {
            jset(o, "found", json_boolean(r->found));
            jset(o, "concurrency", jnum(r->concurrency));
            jset(o, "ttft_s", jnum(r->ttft_s));
            jset(o, "avg_query_tokens_per_s", jnum(r->query_tokens_per_s));
            jset(o, "throughput_tokens_per_s",
                 jnum(r->throughput_tokens_per_s));
            jset(o, "peak_throughput_tokens_per_s",
                 jnum(r->peak_throughput_tokens_per_s));
            jset(o, "peak_concurrency", jnum(r->peak_concurrency));
            jset(o, "peak_share", jnum(r->peak_share));
            jset(o, "binding",
                 json_string(sk_recommend_limit_name(r->binding)));
            jset(o, "neighbour_concurrency", jnum(r->neighbour_concurrency));
            jset(o, "neighbour_value", jnum(r->neighbour_value));
            jset(o, "estimate_concurrency", jnum(r->estimate_concurrency));
            jset(o, "summary", json_string(x->text));
        }
        jappend(a, o);
    }
    return a;
}

static json_t *json_chart(const struct chart_ref *c)
{
    json_t *o = json_object();

    jset(o, "kind", json_string(c->kind));
    jset(o, "file", json_string(c->file));
    jset(o, "format", json_string("png"));
    jset(o, "width", json_integer(c->width));
    jset(o, "height", json_integer(c->height));
    return o;
}

static const char *pairing_name(sk_runset_pairing p)
{
    return p == SK_RUNSET_BY_NAME     ? "name"
           : p == SK_RUNSET_BY_COUNTS ? "counts"
                                      : "alone";
}

static json_t *json_report(const struct report *rep)
{
    json_t *root = json_object(), *a, *runs = json_array();
    size_t i, k;

    json_failures = 0;
    jset(root, "generator", json_string(generator));
    jset(root, "title", json_string(rep->title));
    jset(root, "command", json_string(rep->command));
    a = json_array();
    for (i = 0; i < rep->ninputs; i++)
        jappend(a, json_string(rep->inputs[i]));
    jset(root, "inputs", a);
    jset(root, "ttft_stat", json_string(sk_recommend_stat_name(rep->stat)));
    a = json_array();
    for (i = 0; i < rep->nbudgets; i++)
        jappend(a, json_real(rep->budgets[i]));
    jset(root, "ttft_budgets_s", a);
    jset(root, "gain_threshold", json_real(SK_SATURATION_DEFAULT_GAIN));
    jset(root, "overlay",
         rep->has_overlay ? json_chart(&rep->overlay) : json_null());
    for (i = 0; runs && i < rep->nruns; i++) {
        const struct run_rep *rr = &rep->runs[i];
        json_t *o = json_object(), *ch = json_array();

        jset(o, "label", json_string(rr->run->label));
        jset(o, "anchor", json_string(rr->anchor));
        jset(o, "summary_file", jstr(rr->run->summary_path));
        jset(o, "per_query_file", jstr(rr->run->per_query_path));
        jset(o, "pairing", json_string(pairing_name(rr->run->pairing)));
        jset(o, "summarized_from_per_query", json_boolean(rr->run->summarized));
        jset(o, "levels", json_levels(rr));
        jset(o, "percentiles", json_percentiles(rr));
        jset(o, "saturation", json_saturation(rr));
        jset(o, "recommendations", json_recs(rr, rep));
        for (k = 0; k < rr->ncharts; k++)
            jappend(ch, json_chart(&rr->charts[k]));
        jset(o, "charts", ch);
        jset(o, "chart_error",
             rr->chart_error[0] ? json_string(rr->chart_error) : json_null());
        jappend(runs, o);
    }
    jset(root, "runs", runs);
    if (json_failures || !root) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- the output directory ----------------------------------------------- */

/*
 * The report is built in a fresh hidden directory next to the target
 * (PARENT/.NAME.tmp.XXXXXX) and renamed into place only when complete, so
 * a failed run leaves neither a half-written page nor charts of two runs
 * mixed.  The target may be missing, an empty directory, or a directory an
 * earlier report wrote (replaced as a whole); anything else is refused.
 */
struct outdir {
    char *path;    /* the target, without trailing slashes */
    char *parent;  /* its directory */
    char *staging; /* where this run writes */
    int replace;   /* the target is an earlier report */
};

/*
 * Is DIR empty (1), an earlier report (2), or something else (0)?  An
 * earlier report holds only regular files this command writes: report.md,
 * report.json (from "sweepkit report") and PNG charts whose names that
 * report.json gives; anything else (a file of the user's, a directory, a
 * link) makes it something else, never replaced.
 */
static int dir_state(const char *dir)
{
    DIR *d;
    struct dirent *e;
    char path[4096], *listed = NULL;
    json_t *j, *g;
    int entries = 0, foreign = 0;

    snprintf(path, sizeof(path), "%s/report.json", dir);
    if ((j = json_load_file(path, 0, NULL)) != NULL) {
        g = json_object_get(j, "generator");
        if (json_is_string(g) &&
            strncmp(json_string_value(g), "sweepkit report", 15) == 0)
            listed = json_dumps(j, JSON_COMPACT);
        json_decref(j);
    }
    if (!(d = opendir(dir))) {
        free(listed);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char quoted[600];
        size_t n = strlen(e->d_name);

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        snprintf(quoted, sizeof(quoted), "\"%s\"", e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            !(strcmp(e->d_name, "report.md") == 0 ||
              strcmp(e->d_name, "report.json") == 0 ||
              (n > 4 && strcmp(e->d_name + n - 4, ".png") == 0 && listed &&
               strstr(listed, quoted))))
            foreign++;
    }
    closedir(d);
    free(listed);
    if (entries == 0)
        return 1;
    return !foreign && listed != NULL ? 2 : 0;
}

/* Remove a directory this command wrote (files only) and the directory. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];

    if (d) {
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void outdir_dispose(struct outdir *o)
{
    if (o->staging)
        remove_tree(o->staging);
    free(o->path);
    free(o->parent);
    free(o->staging);
    memset(o, 0, sizeof(*o));
}

/* Decide what to do with `target` before any input is read: nothing is
 * created yet. */
static int outdir_check(struct outdir *o, const char *target)
{
    struct stat st;
    const char *slash, *base;
    size_t n = strlen(target);
    int state;

    memset(o, 0, sizeof(*o));
    while (n > 1 && target[n - 1] == '/')
        n--;
    if (!(o->path = strndup(target, n)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    slash = strrchr(o->path, '/');
    if (!(o->parent =
              slash ? strndup(o->path,
                              slash == o->path ? 1 : (size_t)(slash - o->path))
                    : strdup(".")))
        return sk_error_set(SK_ENOMEM, "out of memory");
    base = slash ? slash + 1 : o->path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return sk_error_set(SK_EINVAL,
                            "%s: give the report a directory of its "
                            "own (--out DIR)",
                            target);
    if (lstat(o->path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return sk_error_set(SK_EINVAL,
                                "%s: is a symbolic link; give the directory "
                                "it points to",
                                o->path);
        if (!S_ISDIR(st.st_mode))
            return sk_error_set(SK_EIO, "%s: exists and is not a directory",
                                o->path);
        state = dir_state(o->path);
        if (state == 0)
            return sk_error_set(SK_EIO,
                                "%s: exists, is not empty and holds no "
                                "earlier report; give another --out or "
                                "empty it",
                                o->path);
        o->replace = state == 2;
    } else if (errno != ENOENT) {
        return sk_error_set(SK_EIO, "%s: cannot create directory: %s", o->path,
                            strerror(errno));
    }
    return 0;
}

/* Create the staging directory (and the target's missing parents). */
static int outdir_open(struct outdir *o)
{
    const char *base = strrchr(o->path, '/');
    mode_t mask;
    int rc;

    base = base ? base + 1 : o->path;
    if ((rc = cli_mkdir_p(o->parent)) != 0)
        return rc;
    if (!(o->staging = malloc(strlen(o->parent) + strlen(base) + 16)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    sprintf(o->staging, "%s/.%s.tmp.XXXXXX", o->parent, base);
    if (!mkdtemp(o->staging)) {
        rc = sk_error_set(SK_EIO, "%s: cannot create directory: %s", o->path,
                          strerror(errno));
        free(o->staging);
        o->staging = NULL;
        return rc;
    }
    /* mkdtemp() makes it 0700; a report directory is an ordinary one. */
    mask = umask(0);
    umask(mask);
    chmod(o->staging, 0777 & ~mask);
    return 0;
}

/* Move the finished report into place. */
static int outdir_commit(struct outdir *o)
{
    char *old = NULL;
    int rc = 0;

    if (o->replace) {
        if (!(old = malloc(strlen(o->staging) + 8)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        sprintf(old, "%s", o->staging);
        memcpy(strrchr(old, '.') - 3, "old", 3); /* .NAME.old.XXXXXX */
        if (rename(o->path, old) != 0) {
            rc = sk_error_set(SK_EIO, "%s: cannot replace: %s", o->path,
                              strerror(errno));
            goto done;
        }
    }
    if (rename(o->staging, o->path) != 0) {
        rc = sk_error_set(SK_EIO, "%s: cannot create directory: %s", o->path,
                          strerror(errno));
        if (old)
            rename(old, o->path);
        goto done;
    }
    free(o->staging);
    o->staging = NULL;
    if (old)
        remove_tree(old);
done:
    free(old);
    return rc;
}

/* ---- the command -------------------------------------------------------- */

static int parse_budget(double *out, const char *s)
{
    if (sk_units_parse_duration(out, s, "--ttft-budget") != 0)
        return -1;
    if (!(*out > 0))
        return sk_error_set(SK_EINVAL,
                            "--ttft-budget: must be > 0, got "
                            "'%s'",
                            s);
    return 0;
}


static char *join_sources(const struct sk_runset_run *run)
{
    const char *a = run->summary_path, *b = run->per_query_path;
    size_t n = (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 3;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s%s%s", a ? a : "", a && b ? ", " : "", b ? b : "");
    return s;
}

static int write_outputs(struct report *rep, const char *dir)
{
    char md[4096], tmp[4096], js[4096];
    struct render rd;
    json_t *root = NULL;
    FILE *fp = NULL;
    size_t i;
    int rc = 0, bad;

    memset(&rd, 0, sizeof(rd));
    rd.dir = dir;
    rd.ro.software = "sweepkit " SK_VERSION;
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
    if (rc != 0)
        return rc;

    snprintf(js, sizeof(js), "%s/report.json", dir);
    if (!(root = json_report(rep)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if (json_dump_file(root, js, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0)
        rc = sk_error_set(SK_EIO, "%s: cannot write", js);
    json_decref(root);
    if (rc != 0)
        return rc;

    /* report.md last, under a temporary name first. */
    snprintf(md, sizeof(md), "%s/report.md", dir);
    snprintf(tmp, sizeof(tmp), "%s/report.md.tmp", dir);
    if (!(fp = fopen(tmp, "w")))
        return sk_error_set(SK_EIO, "%s: cannot write: %s", tmp,
                            strerror(errno));
    write_md(fp, rep);
    bad = ferror(fp);
    if (fclose(fp) != 0 || bad)
        rc = sk_error_set(SK_EIO, "%s: cannot write: %s", md, strerror(errno));
    if (rc == 0 && rename(tmp, md) != 0)
        rc = sk_error_set(SK_EIO, "%s: cannot write: %s", md, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static int report(int argc, char **argv, char **orig)
{
    const char *inputs[MAX_INPUTS], *out = NULL;
    char default_out[64], *command = NULL;
    struct report rep;
    struct outdir od;
    sk_runset *rs = NULL;
    size_t ninputs = 0, i;
    int c, rc = 0, status = SK_EXIT_OK;

    memset(&rep, 0, sizeof(rep));
    memset(&od, 0, sizeof(od));
    rep.title = "Sweep report";
    rep.stat = SK_TTFT_AVG;
    optind = 1;
    while ((c = cli_getopt(argc, argv, options, prog)) != -1) {
        switch (c) {
        case 'h':
            cli_help(stdout,
                     "sweepkit report [FILE|DIR]... [--out DIR] "
                     "[--ttft-budget S]... [--ttft-stat STAT] [--title TEXT]",
                     "Write one Markdown page (report.md), its PNG charts "
                     "and report.json for the sweeps\n"
                     "found among FILEs and in DIRs (not their "
                     "subdirectories), recognised by their\n"
                     "header: summaries and per-query CSVs, paired into "
                     "runs.  With no arguments, the\n"
                     "bundled data in ./fixtures/.  Prints the path of "
                     "report.md.  A file in a DIR that\n"
                     "cannot be read or is malformed is skipped with a "
                     "note (exit status 3).",
                     options);
            return SK_EXIT_OK;
        case 'o': out = optarg; break;
        case 't': rep.title = optarg; break;
        case OPT_BUDGET:
            if (rep.nbudgets == MAX_BUDGETS)
                return cli_usage_error(prog, "too many --ttft-budget values");
            if (parse_budget(&rep.budgets[rep.nbudgets], optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            rep.nbudgets++;
            break;
        case OPT_STAT:
            if (sk_recommend_stat_parse(&rep.stat, optarg) != 0) {
                char msg[300];

                snprintf(msg, sizeof(msg), "--ttft-stat: %s", sk_error_last());
                return cli_usage_error(prog, msg);
            }
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (cli_positional_files(inputs, &ninputs, MAX_INPUTS, argc, argv, prog))
        return SK_EXIT_USAGE;
    if (ninputs == 0) {
        struct stat st;

        if (stat("fixtures", &st) != 0 || !S_ISDIR(st.st_mode))
            return cli_usage_error(prog, "no input: give FILEs or DIRs (with "
                                         "none, ./fixtures/ is read, and "
                                         "there is no fixtures/ here)");
        inputs[ninputs++] = "fixtures";
    }
    if (rep.nbudgets == 0) {
        rep.nbudgets = sizeof(default_budgets) / sizeof(default_budgets[0]);
        memcpy(rep.budgets, default_budgets, sizeof(default_budgets));
    }
    if (!out) {
        /* a new directory, never an earlier one: -2, -3 ... within a
         * second */
        time_t now = time(NULL);
        struct tm tm;
        char stamp[32];
        struct stat st;

        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
        snprintf(default_out, sizeof(default_out), "results/report_%s",
                 stamp);
        for (i = 2; lstat(default_out, &st) == 0 && i < 1000; i++)
            snprintf(default_out, sizeof(default_out),
                     "results/report_%s-%zu", stamp, i);
        out = default_out;
    }
    rep.inputs = inputs;
    rep.ninputs = ninputs;
    gsl_set_error_handler_off();
    if ((rc = outdir_check(&od, out)) != 0)
        goto done;

    if (!(command = cli_command_line(argc, orig))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    rep.command = command;
    if ((rc = sk_runset_new(&rs)) != 0)
        goto done;
    for (i = 0; i < ninputs && rc == 0; i++)
        rc = sk_runset_add(rs, inputs[i]);
    if (rc == 0)
        rc = sk_runset_load(rs);
    for (i = 0; rs && i < sk_runset_notes(rs); i++)
        fprintf(stderr, "%s: note: %s\n", prog, sk_runset_note(rs, i));
    if (rc != 0)
        goto done;

    rep.nruns = sk_runset_count(rs);
    if (!(rep.runs = calloc(rep.nruns, sizeof(*rep.runs)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    {
        /* runs with a measured throughput first, in the order found, then
         * those without (per-query files with no times): a reader meets
         * the answers before the gaps */
        size_t k = 0, pass;

        for (pass = 0; pass < 2 && rc == 0; pass++)
            for (i = 0; i < rep.nruns && rc == 0; i++) {
                const struct sk_runset_run *run = sk_runset_get(rs, i);
                const double *t = NULL;
                int has = sk_sweep_column(&t, run->sweep,
                                          "throughput_tokens_per_s") == 0 &&
                          sk_metric_peak(t, sk_sweep_levels(run->sweep)) <
                              sk_sweep_levels(run->sweep);

                if (has == (pass == 0))
                    rc = analyse_run(&rep.runs[k++], run, &rep);
            }
    }
    if (rc != 0)
        goto done;
    name_runs(&rep);

    if ((rc = outdir_open(&od)) != 0 ||
        (rc = write_outputs(&rep, od.staging)) != 0 ||
        (rc = outdir_commit(&od)) != 0)
        goto done;
    printf("%s/report.md\n", od.path);
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = sk_error_set(SK_EIO, "error writing standard output");

done:
    if (rc != 0)
        status = cli_fail(prog, rc) == SK_EXIT_USAGE ? SK_EXIT_USAGE
                                                     : SK_EXIT_RUNTIME;
    else if (sk_runset_skipped(rs) > 0)
        status = SK_EXIT_SKIPPED; /* written, but without a file it found
                                     that it could not read: each noted */
    outdir_dispose(&od);
    for (i = 0; rep.runs && i < rep.nruns; i++) {
        sk_stats_groups_free(rep.runs[i].groups);
        free(rep.runs[i].pct);
    }
    free(rep.runs);
    sk_runset_free(rs);
    free(command);
    return status;
}

int cmd_report(int argc, char **argv)
{
    char **copy;
    int status;

    /* getopt_long permutes its argv; the command line for the page and the
     * chart metadata is the one given. */
    if (!(copy = malloc(((size_t)argc + 1) * sizeof(*copy))))
        return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
    memcpy(copy, argv, ((size_t)argc + 1) * sizeof(*copy));
    status = report(argc, copy, argv);
    free(copy);
    return status;
}
