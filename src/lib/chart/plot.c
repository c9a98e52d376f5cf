/*
 * sweepkit plot's work behind its options: the runs, their labels, the
 * markers, the chart file, and --batch job files.  Moved from the CLI's
 * cmd_plot.c (issue 13); the notes, messages and charts are unchanged.
 */
#include "sweepkit/plot.h"

#include "sweepkit/chart.h"
#include "sweepkit/error.h"
#include "sweepkit/openloop.h"
#include "sweepkit/recommend.h"
#include "sweepkit/runset.h"
#include "sweepkit/saturation.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"
#include "sweepkit/units.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH_LINE ((size_t)64 << 10)
#define MAX_BATCH_ARGS 256

/* Per-query samples: every query's concurrency and tokens_per_s. */
struct samples {
    double *c, *v;
    size_t n;
};

/* Hand one printf-style note to the caller, however long. */
static void note(const sk_plot_opts *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(const sk_plot_opts *o, const char *fmt, ...)
{
    char small[512], *buf = small;
    va_list ap;
    int n;

    if (!o->note)
        return;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(small) && (buf = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    o->note(o->note_payload, buf ? buf : small);
    if (buf != small)
        free(buf);
}

/* The knee comes from the analysis engine (saturation.h); the chart only
 * draws it.  A run without a knee ("still scaling") gets a note. */
static int mark_saturation(sk_chart *chart, const sk_sweep *s,
                           const char *label, int several,
                           const sk_plot_opts *o)
{
    struct sk_saturation_knee k;
    const double *y;
    int rc;

    if (!s)
        return 0;
    if ((rc = sk_sweep_column(&y, s, sk_sweep_default_y(s))) != 0 ||
        (rc = sk_saturation_knee(&k, sk_sweep_concurrency(s), y,
                                 sk_sweep_levels(s),
                                 SK_SATURATION_DEFAULT_GAIN)) != 0)
        return rc;
    if (!k.found) {
        note(o, "%s: no knee (still scaling at the highest level measured)",
             sk_sweep_name(s));
        return 0;
    }
    return sk_chart_mark_knee(chart, k.x, several ? label : NULL);
}

/*
 * With a TTFT budget, the TTFT panel marks each run's recommended level:
 * the highest level whose TTFT statistic (--ttft-stat, else the mean, as
 * `sweepkit recommend` defaults) is within the budget, computed by the
 * recommend module; the chart only draws it.  A run where no level meets
 * the budget, or whose statistic is empty, gets a note.
 */
static int mark_recommended(sk_chart *chart, const sk_sweep *s,
                            const char *label, int several,
                            const sk_plot_opts *o)
{
    const sk_chart_plot_opts *po = &o->plot;
    sk_recommend_opts ro;
    sk_recommend_result r;
    size_t panel;
    int rc;

    if (!s || !(po->ttft_budget_s > 0) ||
        sk_chart_find_panel(&panel, chart, "ttft") != 0)
        return 0;
    sk_recommend_opts_init(&ro);
    ro.ttft_budget_s = po->ttft_budget_s;
    if (po->ttft_stat &&
        (rc = sk_recommend_stat_parse(&ro.ttft_stat, po->ttft_stat)) != 0)
        return rc;
    rc = sk_recommend_sweep(&r, s, &ro);
    if (rc == SK_ENODATA || rc == SK_ENOTFOUND) {
        note(o, "%s: no recommended level drawn: %s", sk_sweep_name(s),
             sk_error_last());
        return 0;
    }
    if (rc != 0)
        return rc;
    if (!r.found) {
        note(o, "%s: no level meets the %g s %s TTFT budget",
             sk_sweep_name(s), po->ttft_budget_s,
             sk_recommend_stat_name(ro.ttft_stat));
        return 0;
    }
    return sk_chart_mark_recommended(chart, r.concurrency,
                                     several ? label : NULL);
}

static char *join(const char *const *v, size_t n, const char *const *w,
                  size_t m)
{
    size_t len = 1, i;
    char *s;

    for (i = 0; i < n; i++)
        len += strlen(v[i]) + 2;
    for (i = 0; i < m; i++)
        len += strlen(w[i]) + 2;
    if (!(s = malloc(len)))
        return NULL;
    s[0] = '\0';
    for (i = 0; i < n + m; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, i < n ? v[i] : w[i - n]);
    }
    return s;
}

int sk_plot_size_parse(unsigned *out, const char *s, const char *what)
{
    size_t v;
    int rc;

    if ((rc = sk_units_parse_count(&v, s, 16384, what)) != 0)
        return rc;
    if (v < 200)
        return sk_error_set(SK_EINVAL, "%s: expected 200 to 16384, got '%s'",
                            what, s);
    *out = (unsigned)v;
    return 0;
}

/* "X[:LABEL]"; the label points into `arg`, which is left unchanged. */
int sk_plot_mark_parse(struct sk_plot_mark *m, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char num[64];
    int rc;

    m->label = NULL;
    snprintf(num, sizeof(num), "%.*s",
             (int)(colon ? (size_t)(colon - arg) : strlen(arg)), arg);
    if (colon && colon[1])
        m->label = colon + 1;
    if ((rc = sk_units_parse_double(&m->x, num, "--mark-x")) != 0)
        return rc;
    if (!(m->x > 0))
        return sk_error_set(SK_EINVAL,
                            "--mark-x: expected a concurrency above 0, got "
                            "'%s'",
                            num);
    return 0;
}

void sk_plot_opts_init(sk_plot_opts *o)
{
    memset(o, 0, sizeof(*o));
}

/* A summary sweep to draw: a whole file, or one configuration of a grid. */
struct cand {
    sk_sweep *sweep;  /* owned: the levels sk_sweep_analysable() kept */
    size_t file;      /* index into o->files */
    double peak;      /* highest throughput, for choosing among many */
    char label[256];
};

static double peak_of(const sk_sweep *s)
{
    const double *y;
    double best = -1;
    size_t i;

    if (sk_sweep_column(&y, s, sk_sweep_default_y(s)) != 0) {
        sk_error_clear();
        return -1;
    }
    for (i = 0; i < sk_sweep_levels(s); i++)
        if (y[i] > best)
            best = y[i];
    return best;
}

/*
 * Read summary i (one sweep, or a grid of them) into c[*n...], growing
 * *c.  A grid's configuration is labelled with its key (after the file's
 * label when several files are drawn); levels left out are noted; a
 * configuration whose every level failed is noted and not drawn.
 */
static int load_file(struct cand **c, size_t *n, size_t *cap,
                     const sk_plot_opts *o, size_t i, int *grouped)
{
    sk_sweep_set *set = NULL;
    struct sk_sweep_left_out lo;
    char base[256], text[600];
    size_t m, k;
    int rc;

    if ((rc = sk_sweep_set_load(&set, o->files[i], o->group_by)) != 0)
        return rc;
    m = sk_sweep_set_count(set);
    if (m > 1 && i < o->nper_query) {
        rc = sk_error_set(SK_EINVAL,
                          "--per-query %s: %s holds %zu sweeps (a grid); "
                          "per-query samples go with a one-sweep summary",
                          o->per_query[i], o->files[i], m);
        goto done;
    }
    *grouped |= m > 1;
    if (i < o->nlabels && o->labels[i])
        snprintf(base, sizeof(base), "%s", o->labels[i]);
    else
        sk_runset_label(base, sizeof(base), o->files[i]);
    for (k = 0; k < m; k++) {
        const sk_sweep *all = sk_sweep_set_get(set, k);
        struct cand *x;

        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            struct cand *t = realloc(*c, nc * sizeof(*t));

            if (!t) {
                rc = sk_error_set(SK_ENOMEM, "out of memory");
                goto done;
            }
            *c = t;
            *cap = nc;
        }
        x = &(*c)[*n];
        memset(x, 0, sizeof(*x));
        x->file = i;
        rc = sk_sweep_analysable(&x->sweep, &lo, all, o->flags);
        if (rc == SK_ENODATA && m > 1) {
            note(o, "%s; not drawn", sk_error_last());
            continue;
        }
        if (rc != 0)
            goto done;
        ++*n;
        sk_sweep_left_out_text(text, sizeof(text), &lo);
        if (text[0])
            note(o, "%s: left out: %s", sk_sweep_name(all), text);
        if (m == 1)
            snprintf(x->label, sizeof(x->label), "%s", base);
        else if (o->nfiles == 1 && !(i < o->nlabels && o->labels[i]))
            snprintf(x->label, sizeof(x->label), "%s", sk_sweep_group(all));
        else
            snprintf(x->label, sizeof(x->label), "%.100s %.150s", base,
                     sk_sweep_group(all));
        x->peak = peak_of(x->sweep);
    }
done:
    sk_sweep_set_free(set);
    return rc;
}

static int by_peak(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    return (x->peak < y->peak) - (x->peak > y->peak);
}

static int by_place(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    /* the file, then the order in it (the sweep's first line) */
    if (x->file != y->file)
        return (x->file > y->file) - (x->file < y->file);
    return (sk_sweep_line(x->sweep, 0) > sk_sweep_line(y->sweep, 0)) -
           (sk_sweep_line(x->sweep, 0) < sk_sweep_line(y->sweep, 0));
}

/*
 * More configurations than the chart's styles tell apart: the
 * SK_CHART_RUN_STYLES with the highest peak throughput stay, in their
 * order, and the rest are counted in a note.
 */
static void keep_best(struct cand *c, size_t *n, const sk_plot_opts *o)
{
    size_t i, keep = SK_CHART_RUN_STYLES;

    if (*n <= keep)
        return;
    qsort(c, *n, sizeof(*c), by_peak);
    note(o,
         "%zu configurations: the %zu with the highest peak throughput are "
         "drawn, %zu more are not (--group-by fewer columns, or plot them "
         "apart)",
         *n, keep, *n - keep);
    for (i = keep; i < *n; i++)
        sk_sweep_free(c[i].sweep);
    *n = keep;
    qsort(c, *n, sizeof(*c), by_place);
}

/* The end of a chart's job (when rc is 0 so far): written to -o with its
 * sources (the files and `npq` per-query files) in its metadata; its
 * notes said either way; the chart freed. */
static int finish_chart(const sk_plot_opts *o, sk_chart *chart, int rc,
                        const char *const *per_query, size_t npq)
{
    sk_chart_render_opts ro = o->render;
    char *sources = NULL;
    size_t i;

    if (rc == 0 && !(sources = join(o->files, o->nfiles, per_query, npq)))
        rc = sk_error_set(SK_ENOMEM, "out of memory");
    if (rc == 0) {
        ro.sources = sources;
        rc = sk_chart_write(chart, o->output, &ro);
    }
    if (chart)
        for (i = 0; i < sk_chart_notes(chart); i++)
            note(o, "%s", sk_chart_note(chart, i));
    sk_chart_free(chart);
    free(sources);
    return rc;
}

/* --kind rate: each file's open-loop runs against request rate. */
static int plot_rate(const sk_plot_opts *o)
{
    sk_openloop *runs[SK_CHART_RUN_STYLES] = {NULL};
    char labels[SK_CHART_RUN_STYLES][256];
    const char *names[SK_CHART_RUN_STYLES];
    sk_chart *chart = NULL;
    size_t i;
    int rc = 0;

    if (o->nfiles == 0 || o->nfiles > SK_CHART_RUN_STYLES || o->nper_query)
        return sk_error_set(SK_EINVAL,
                            "the rate chart draws 1 to %d summaries of "
                            "open-loop runs (no --per-query)",
                            SK_CHART_RUN_STYLES);
    for (i = 0; i < o->nfiles && rc == 0; i++) {
        rc = sk_openloop_load(&runs[i], o->files[i]);
        if (i < o->nlabels && o->labels[i])
            snprintf(labels[i], sizeof(labels[i]), "%s", o->labels[i]);
        else
            sk_runset_label(labels[i], sizeof(labels[i]), o->files[i]);
        names[i] = labels[i];
    }
    if (rc == 0)
        rc = sk_chart_rate_new(&chart, (const sk_openloop *const *)runs,
                               names, o->nfiles, &o->plot);
    if (rc == 0 && o->plot.ttft_budget_s > 0)
        rc = sk_chart_mark_budget(chart, o->plot.ttft_budget_s);
    if (rc == 0 && o->nmarks)
        note(o, "--mark-x: the rate chart has no concurrency axis; not "
                "drawn");
    rc = finish_chart(o, chart, rc, NULL, 0);
    for (i = 0; i < SK_CHART_RUN_STYLES; i++)
        sk_openloop_free(runs[i]);
    return rc;
}

int sk_plot_write(const sk_plot_opts *o)
{
    sk_chart_plot_run runs[SK_PLOT_MAX_RUNS];
    struct samples samples[SK_PLOT_MAX_RUNS];
    struct sk_queries *queries[SK_PLOT_MAX_RUNS] = {NULL};
    char labels[SK_PLOT_MAX_RUNS][256];
    struct cand *cands = NULL;
    size_t nfiles = o->nfiles, npq = o->nper_query, nruns = 0, ncap = 0, i;
    sk_chart *chart = NULL;
    /* the per-query column the kind draws (the others: none drawn) */
    const char *column = sk_chart_plot_sample_column(o->plot.kind);
    int rc = 0, grouped = 0;

    if (o->plot.kind == SK_CHART_PLOT_RATE)
        return plot_rate(o);
    if ((nfiles ? nfiles : npq) == 0 || nfiles > SK_PLOT_MAX_RUNS ||
        npq > SK_PLOT_MAX_RUNS)
        return sk_error_set(SK_EINVAL, "a chart draws 1 to %d runs",
                            SK_PLOT_MAX_RUNS);
    memset(samples, 0, sizeof(samples));
    memset(runs, 0, sizeof(runs));
    for (i = 0; i < nfiles && rc == 0; i++)
        rc = load_file(&cands, &nruns, &ncap, o, i, &grouped);
    if (rc == 0 && nfiles && nruns == 0)
        rc = sk_error_set(SK_ENODATA, "no configuration has a level to "
                                      "draw");
    if (rc == 0 && grouped)
        keep_best(cands, &nruns, o);
    if (rc == 0 && nruns > SK_PLOT_MAX_RUNS)
        rc = sk_error_set(SK_EINVAL, "a chart draws 1 to %d runs",
                          SK_PLOT_MAX_RUNS);
    if (!nfiles)
        nruns = npq;
    for (i = 0; i < nruns && rc == 0; i++) {
        /* with a grid there are no per-query files (load_file()) */
        if (i < npq && o->plot.kind == SK_CHART_PLOT_TIMELINE)
            rc = sk_summarize_load(&queries[i], o->per_query[i]);
        else if (i < npq)
            rc = sk_summarize_samples(&samples[i].c, &samples[i].v,
                                      &samples[i].n, o->per_query[i],
                                      column ? column : "tokens_per_s");
        if (nfiles)
            snprintf(labels[i], sizeof(labels[i]), "%s", cands[i].label);
        else if (i < o->nlabels && o->labels[i])
            snprintf(labels[i], sizeof(labels[i]), "%s", o->labels[i]);
        else
            sk_runset_label(labels[i], sizeof(labels[i]), o->per_query[i]);
        runs[i].sweep = nfiles ? cands[i].sweep : NULL;
        runs[i].label = labels[i];
        runs[i].queries = queries[i];
        runs[i].query_concurrency = samples[i].c;
        runs[i].query_tokens_per_s = samples[i].v;
        runs[i].nqueries = samples[i].n;
    }
    if (rc == 0)
        rc = sk_chart_plot_new(&chart, runs, nruns, &o->plot);
    for (i = 0; i < o->nmarks && rc == 0; i++) {
        rc = sk_chart_mark_x(chart, "concurrency", o->marks[i].x,
                             o->marks[i].label);
        if (rc == SK_ENOTFOUND) {
            /* The pareto chart has no concurrency axis to mark. */
            note(o,
                 "--mark-x %g: this chart has no concurrency axis; not "
                 "drawn",
                 o->marks[i].x);
            rc = 0;
        }
    }
    /* several runs: each run's markers in its colour */
    for (i = 0; i < nruns && o->mark_saturation && rc == 0; i++) {
        if (nruns > 1)
            sk_chart_set_mark_rgb(chart, sk_chart_run_style(i).rgb);
        rc = mark_saturation(chart, runs[i].sweep, labels[i], nruns > 1, o);
    }
    for (i = 0; i < nruns && rc == 0; i++) {
        if (nruns > 1)
            sk_chart_set_mark_rgb(chart, sk_chart_run_style(i).rgb);
        rc = mark_recommended(chart, runs[i].sweep, labels[i], nruns > 1, o);
    }
    rc = finish_chart(o, chart, rc, o->per_query, npq);
    for (i = 0; i < SK_PLOT_MAX_RUNS; i++) {
        free(samples[i].c);
        free(samples[i].v);
        sk_summarize_queries_free(queries[i]);
    }
    for (i = 0; cands && i < nruns && nfiles; i++)
        sk_sweep_free(cands[i].sweep);
    free(cands);
    return rc;
}

struct sk_plot_batch {
    FILE *fp;
    char *line;
    size_t cap, lineno;
    int done;
    char *argv[MAX_BATCH_ARGS + 1];
};

int sk_plot_batch_open(sk_plot_batch **out, const char *path)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;

    *out = NULL;
    if (!fp)
        return sk_error_set(SK_EIO, "%s: cannot read: %s", path,
                            strerror(errno));
    if (!(*out = calloc(1, sizeof(**out)))) {
        if (fp != stdin)
            fclose(fp);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    (*out)->fp = fp;
    return 0;
}

void sk_plot_batch_free(sk_plot_batch *b)
{
    if (!b)
        return;
    if (b->fp && b->fp != stdin)
        fclose(b->fp);
    free(b->line);
    free(b);
}

size_t sk_plot_batch_line(const sk_plot_batch *b)
{
    return b->lineno;
}

/*
 * Split one batch line into words in place, as a POSIX shell would for
 * plain words and quotes: blanks separate words, '...' is literal, "..."
 * keeps \" and \\ escapes, a backslash outside quotes escapes the next
 * character, and a word starting with '#' starts a comment.  argv[0] is
 * "plot".  Returns the word count, or -1 with a message in `err`.
 */
static int split_words(char **argv, char *line, char *err, size_t errcap)
{
    char *r = line, *w = line;
    int argc = 0;

    argv[argc++] = "plot";
    for (;;) {
        char quote = 0;

        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '\0' || *r == '#')
            break;
        if (argc == MAX_BATCH_ARGS) {
            snprintf(err, errcap, "more than %d words", MAX_BATCH_ARGS - 1);
            return -1;
        }
        argv[argc++] = w;
        for (; *r && (quote || (*r != ' ' && *r != '\t')); r++) {
            if (quote == '\'' && *r == '\'')
                quote = 0;
            else if (quote == '"' && *r == '"')
                quote = 0;
            else if (!quote && (*r == '\'' || *r == '"'))
                quote = *r;
            else if (quote != '\'' && *r == '\\' && r[1] &&
                     (!quote || r[1] == '"' || r[1] == '\\'))
                *w++ = *++r;
            else
                *w++ = *r;
        }
        if (quote) {
            snprintf(err, errcap, "unterminated %c quote", quote);
            return -1;
        }
        if (*r)
            r++;
        *w++ = '\0';
    }
    argv[argc] = NULL;
    return argc;
}

int sk_plot_batch_next(sk_plot_batch *b, int *argc, char ***argv)
{
    char err[80];
    ssize_t len;
    int n;

    while (!b->done && (len = getline(&b->line, &b->cap, b->fp)) >= 0) {
        b->lineno++;
        if ((size_t)len > MAX_BATCH_LINE ||
            memchr(b->line, '\0', (size_t)len))
            return sk_error_set(SK_EINVAL, "%s",
                                (size_t)len > MAX_BATCH_LINE
                                    ? "line longer than 64 KiB"
                                    : "NUL byte in line");
        b->line[strcspn(b->line, "\r\n")] = '\0';
        if ((n = split_words(b->argv, b->line, err, sizeof(err))) < 0)
            return sk_error_set(SK_EINVAL, "%s", err);
        if (n == 1)
            continue; /* blank or a comment */
        *argc = n;
        *argv = b->argv;
        return 1;
    }
    if (b->done)
        return 0;
    b->done = 1;
    if (ferror(b->fp))
        return sk_error_set(SK_EIO, "read error: %s", strerror(errno));
    return 0;
}
