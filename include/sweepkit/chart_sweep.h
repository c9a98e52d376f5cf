/*
 * Sweep charts: what `sweepkit plot` and the report draw from loaded
 * summaries (sweep.h) on the general chart model (chart.h).  The builders
 * take values from the summaries and compute no analysis (knees and
 * recommendations come in as markers from their own modules, through
 * sk_chart_mark_x()).
 *
 * Ownership: sk_chart_plot_new() returns a chart freed by sk_chart_free();
 * the runs and options are read during the call only.
 */
#ifndef SWEEPKIT_CHART_SWEEP_H
#define SWEEPKIT_CHART_SWEEP_H

#include "sweepkit/chart.h"
#include "sweepkit/sweep.h"

struct sk_queries; /* summarize.h */
/* The end of the note a throughput-only chart carries ("no per-query
 * speed column in the data: total throughput only"). */
#define SK_CHART_THROUGHPUT_ONLY "in the data: total throughput only"
/* The start of the note saying what a shaded band is ("shaded: the p90
 * TTFT's 95% interval"). */
#define SK_CHART_SHADED "shaded: "


#include <stddef.h>

/*
 * Run i's look, the one per run everywhere a chart tells runs apart:
 * colour from the palette, then a line style and marker, so the first
 * SK_CHART_RUN_STYLES runs all differ (colours 0-7 solid, then dashed
 * with the next marker shape); a line with markers, no legend name.
 */
#define SK_CHART_RUN_STYLES 16
sk_chart_style sk_chart_run_style(size_t i);

/* A logarithmic axis: where the data asks for one (auto), always, never. */
typedef enum {
    SK_CHART_LOG_AUTO = 0,
    SK_CHART_LOG_ON,
    SK_CHART_LOG_OFF
} sk_chart_log;

/* "auto", "on" or "off" into *out; SK_EINVAL otherwise. */
int sk_chart_log_parse(sk_chart_log *out, const char *name);

/* Whether an axis over positive values lo..hi is logarithmic under
 * `mode`: auto when hi / lo exceeds 100 (two decades). */
int sk_chart_log_wanted(sk_chart_log mode, double lo, double hi);

typedef enum {
    SK_CHART_PLOT_THROUGHPUT = 0, /* total and mean per-query tok/s */
    SK_CHART_PLOT_PER_QUERY,      /* every query's tok/s, mean, p10-p90 */
    SK_CHART_PLOT_TTFT,           /* mean, median, p90 TTFT per level */
    SK_CHART_PLOT_PARETO,         /* total tok/s against TTFT */
    SK_CHART_PLOT_DASHBOARD,      /* the four in one image */
    SK_CHART_PLOT_FRONTIER,       /* total tok/s against per-query tok/s,
                                     the Pareto frontier joined */
    SK_CHART_PLOT_TTFT_DIST,      /* box plots of each level's per-query */
    SK_CHART_PLOT_SPEED_DIST,     /* TTFT, speed or mean inter-token gap */
    SK_CHART_PLOT_ITL_DIST,
    SK_CHART_PLOT_TIMELINE,       /* requests in flight and tokens/s over
                                     the run's time, from per-query
                                     start and end times */
    SK_CHART_PLOT_TTFT_ECDF,      /* the share of queries with TTFT <= t,
                                     a curve per level */
    SK_CHART_PLOT_HEATMAP,        /* a grid's peak throughput over two
                                     configuration columns (opts.axes) */
    SK_CHART_PLOT_RATE            /* open-loop runs against request rate:
                                     sk_chart_rate_new() */
} sk_chart_plot_kind;

/* The per-query column a kind draws from its runs' samples
 * (sk_chart_plot_run.query_tokens_per_s holds it): "tokens_per_s" for
 * per-query, speed-dist and dashboard, "ttft_s" for ttft-dist and
 * ttft-ecdf,
 * "itl_mean_s" for itl-dist; NULL for the kinds that draw summaries
 * alone.  1 from sk_chart_plot_kind_needs_samples() for the kinds that
 * draw nothing without samples (per-query and the distributions). */
const char *sk_chart_plot_sample_column(sk_chart_plot_kind kind);
int sk_chart_plot_kind_needs_samples(sk_chart_plot_kind kind);

/* "throughput", "per-query", "ttft", "pareto", "dashboard", "frontier",
 * "ttft-dist", "speed-dist", "itl-dist", "timeline", "ttft-ecdf",
 * "heatmap", "rate" into
 * *out;
 * SK_EINVAL otherwise. */
int sk_chart_plot_kind_parse(sk_chart_plot_kind *out, const char *name);

/* One run drawn in its own colour. */
typedef struct {
    const sk_sweep *sweep; /* the summary; NULL only for a run that has
                              just per-query samples (per-query kind) */
    const char *label;     /* legend name */
    const struct sk_queries *queries; /* the per-query file read whole
                                        (summarize.h), for the timeline;
                                        or NULL */
    const double *query_concurrency; /* per-query samples, or NULL */
    const double *query_tokens_per_s;
    size_t nqueries;
} sk_chart_plot_run;

typedef struct {
    sk_chart_plot_kind kind;
    int dual;              /* throughput: one panel, left and right y
                              axes, instead of two stacked panels */
    const char *title;     /* NULL: from the kind and the labels */
    double ttft_budget_s;  /* > 0: horizontal budget line on TTFT */
    const char *facet;     /* small multiples (throughput kind): one
                              panel per value of this configuration
                              column of the runs' grid keys
                              (sweep.h's sk_sweep_group()), shared axes,
                              at most SK_CHART_MAX_PANELS; NULL: none */
    const char *axes;      /* heatmap: "X,Y", the configuration columns
                              across and up; NULL: the grid's first two */
    sk_chart_log log_y;    /* the TTFT panel's y axis: log10 when on,
                              or (auto, the default) when its values span
                              more than two decades */
    const char *ttft_stat; /* pareto x: "avg", "median" or "p90" (NULL:
                              p90; a run whose column is empty falls back
                              to avg, with a note) */
} sk_chart_plot_opts;

/*
 * Build the chart `opts->kind` names from `nruns` runs (1..64).  Panels
 * get the ids "throughput", "per-query-mean" (stacked throughput and the
 * dashboard without samples), "per-query", "ttft", "pareto"; every
 * concurrency axis has the key "concurrency" for sk_chart_mark_x().
 * A series whose column is empty is skipped with a note.
 * Returns 0, SK_EINVAL (bad options, per-query kind without samples),
 * SK_ENOTFOUND / SK_EPARSE (a required column is missing or holds text,
 * with the sweep's message), SK_ENODATA (nothing to draw), SK_ENOMEM.
 */
int sk_chart_plot_new(sk_chart **out, const sk_chart_plot_run *runs,
                      size_t nruns, const sk_chart_plot_opts *opts);

/*
 * The open-loop chart: `n` runs (1..SK_CHART_RUN_STYLES, openloop.h),
 * each named labels[i]: throughput (panel "throughput"), TTFT ("ttft":
 * mean solid, p99 dotted; log10 by opts->log_y) and request latency
 * ("e2e", the same) against the request rate, on one linear rate axis; a
 * panel whose values no run has is left out with a note.  opts->title
 * overrides the title; the rest of opts is not used.  Returns 0,
 * SK_EINVAL or SK_ENOMEM.
 */
struct sk_openloop;
int sk_chart_rate_new(sk_chart **out, const struct sk_openloop *const *runs,
                      const char *const *labels, size_t n,
                      const sk_chart_plot_opts *opts);

/*
 * The markers a sweep chart carries, one set for `plot` and `report`:
 *   sk_chart_mark_knee()         a vertical line on every concurrency
 *                                axis, "knee 64", or "knee 64 (WHO)"
 *                                when `who` is not NULL; nothing on a
 *                                chart without one (pareto);
 *   sk_chart_mark_budget()       "TTFT budget 2.5 s": horizontal on the
 *                                "ttft" panel, vertical on the "pareto"
 *                                one, on those the chart has;
 *   sk_chart_mark_recommended()  "run at 16" ("run at 16 (WHO)") on the
 *                                "ttft" panel, if any.
 * Each returns 0, or sk_chart_mark_x()'s errors (SK_EINVAL for a value
 * the axis cannot place, SK_ELIMIT, SK_ENOMEM).
 */
int sk_chart_mark_knee(sk_chart *c, double x, const char *who);
int sk_chart_mark_budget(sk_chart *c, double budget_s);
int sk_chart_mark_recommended(sk_chart *c, double x, const char *who);

#endif
