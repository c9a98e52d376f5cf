/*
 * The report's model (report.h): the runs found among the inputs, each
 * with its analysis (saturation, one recommendation per budget, per-query
 * percentiles), a file-name slug and a heading anchor; and the output
 * directory it is written into.  Every number comes from the analysis
 * modules (runset, summarize, stats, saturation, recommend); the writers
 * are report_charts.c, report_json.c and report_md.c.
 */
#include "report_int.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/json.h"
#include "sweepkit/metrics.h"
#include "sweepkit/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const double default_budgets[] = {1.0, 2.5, 5.0};

const double sk_report__pcts[3] = {50, 90, 99};
const char *const sk_report__pct_fields[3] = {"ttft_s", "tokens_per_s",
                                              "decode_tokens_per_s"};

/* What an earlier report's directory holds (outdir.h). */
static const char *const owned_files[] = {"report.md", "report.html",
                                          NULL};
static const sk_outdir_owner owner = {"report", "report.json",
                                      "sweepkit report", owned_files, ".png"};

/* ---- the analysis of one run --------------------------------------------- */

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

int sk_report__any_value(const double *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        if (!isnan(v[i]))
            return 1;
    return 0;
}

void sk_report__copy_error(char *buf)
{
    snprintf(buf, MSG, "%s", sk_error_last());
}

double sk_report__at(const double *v, size_t i)
{
    return v ? v[i] : NAN;
}

/* Notes are not cut: one longer than the buffer is formatted again into
 * memory of its size (dropped only when there is none). */
void sk_report__note(const struct sk_report *rep, const char *fmt, ...)
{
    char buf[1024], *big = NULL;
    va_list ap;
    int n;

    if (!rep->note)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf)) {
        if (!(big = malloc((size_t)n + 1)))
            return;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    rep->note(rep->note_payload, big ? big : buf);
    free(big);
}

/* The knee and the USL fit of throughput by concurrency: `sweepkit
 * saturation`'s input and answer (saturation.h), so its messages too. */
static void analyse_saturation(struct run_rep *rr)
{
    struct sat *st = &rr->sat;

    if (!sk_report__any_value(rr->tput, rr->n) && rr->run->summarized &&
        !rr->run->has_times) {
        snprintf(st->error, MSG,
                 "throughput is unknown: the per-query file has no "
                 "start_s/end_s columns, so no level has a wall time");
        return;
    }
    if (!rr->run->complete) {
        snprintf(st->error, MSG,
                 "no level finished: every level of this run is partial");
        return;
    }
    /* partial levels are left out (runset.h's `complete`), failed ones
     * by the analysis itself, as `sweepkit saturation` does */
    if (sk_saturation_analyse(&st->r, &st->kept, rr->run->complete,
                              "concurrency", NULL,
                              100 * SK_SATURATION_DEFAULT_GAIN, 1) != 0) {
        sk_report__copy_error(st->error);
        return;
    }
    st->ok = 1;
}

/* One recommendation per budget (recommend.h).  A run without an answer
 * keeps the reason; only running out of memory stops the report. */
static int analyse_budgets(struct run_rep *rr, const struct sk_report *rep)
{
    size_t b;
    int rc;

    for (b = 0; b < rep->nbudgets; b++) {
        struct rec *x = &rr->rec[b];
        sk_recommend_opts o;

        sk_recommend_opts_init(&o);
        o.ttft_budget_s = rep->budgets[b];
        o.ttft_stat = rep->stat;
        if (!rr->run->complete) {
            snprintf(x->error, MSG, "no level finished: every level of "
                                    "this run is partial");
            continue;
        }
        if (!sk_sweep_has_column(rr->run->complete,
                                 sk_recommend_stat_column(rep->stat))) {
            snprintf(x->error, MSG, "the data has no %s column: no TTFT "
                                    "to hold to a budget",
                     sk_recommend_stat_column(rep->stat));
            continue;
        }
        /* partial levels are left out (runset.h's `complete`), failed
         * ones here, as `sweepkit recommend` does */
        {
            struct sk_recommend_entry e;

            rc = sk_recommend_analyse(&e, rr->run->complete, &o, 1);
            x->r = e.r;
            x->left_out = e.left_out;
            memcpy(x->flags, e.flags, sizeof(x->flags));
            if (rc == 0)
                snprintf(x->text, sizeof(x->text), "%s", e.text);
        }
        if (rc == SK_ENOMEM)
            return rc;
        if (rc == 0)
            x->ok = 1;
        else
            sk_report__copy_error(x->error);
    }
    return 0;
}

/* p50/p90/p99 per level of the per-query columns: what summarize.c
 * computed when the file was read (summarize.h), not computed again. */
static int analyse_percentiles(struct run_rep *rr)
{
    const struct sk_queries *q = rr->run->queries;
    size_t i;

    if (!q)
        return 0;
    rr->npct = q->nlevels;
    if (!(rr->pct = calloc(rr->npct ? rr->npct : 1, sizeof(*rr->pct))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < rr->npct; i++) {
        const struct sk_level *lv = &q->levels[i];
        struct pct_level *p = &rr->pct[i];

        /* sk_report__pct_fields x sk_report__pcts */
        p->key = q->level_key[i];
        p->queries = lv->queries;
        p->v[0][0] = lv->ttft_s[1];
        p->v[0][1] = lv->ttft_s[2];
        p->v[0][2] = lv->ttft_s[4];
        p->v[1][0] = lv->query_tps[1];
        p->v[1][1] = lv->query_tps[2];
        p->v[1][2] = lv->query_tps[3];
        p->v[2][0] = lv->decode_tps[1];
        p->v[2][1] = lv->decode_tps[2];
        p->v[2][2] = lv->decode_tps[3];
        memcpy(p->ci[0][0], lv->ttft_ci[0], 2 * sizeof(double));
        memcpy(p->ci[0][1], lv->ttft_ci[1], 2 * sizeof(double));
        memcpy(p->ci[0][2], lv->ttft_ci[3], 2 * sizeof(double));
        memcpy(p->ci[1], lv->query_tps_ci, sizeof(p->ci[1]));
        memcpy(p->ci[2], lv->decode_ci, sizeof(p->ci[2]));
    }
    return 0;
}

void sk_report__anchor(char *buf, size_t cap, const char *heading)
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
                       const struct sk_report *rep)
{
    const sk_sweep *s = run->sweep;
    size_t k;
    int rc;

    rr->run = run;
    rr->n = sk_sweep_levels(s);
    rr->conc = sk_sweep_concurrency(s);
    if ((rc = opt_column(&rr->queries, s, "queries")) != 0 ||
        (rc = opt_column(&rr->tput, s, sk_sweep_default_y(s))) != 0 ||
        (rc = opt_column(&rr->avg_ttft, s, "avg_ttft_s")) != 0 ||
        (rc = opt_column(&rr->p90_ttft, s, "p90_ttft_s")) != 0 ||
        (rc = opt_column(&rr->avg_decode, s, "avg_decode_tokens_per_s")) != 0 ||
        (rc = opt_column(&rr->avg_query, s, "avg_query_tokens_per_s")) != 0)
        return rc;
    for (k = 0; k < NEXTRA; k++)
        if ((rc = opt_column(&rr->extra[k], s, extra_cols[k])) != 0)
            return rc;
    analyse_saturation(rr);
    {
        struct sk_sweep_left_out lo;

        if ((rc = sk_sweep_analysable(&rr->drawn, &lo, s, 1)) == SK_ENOMEM)
            return rc;
        rc = 0;
    }
    if ((rc = analyse_budgets(rr, rep)) != 0)
        return rc;
    return analyse_percentiles(rr);
}

/* Unique file-name slugs and heading anchors for every run. */
static void name_runs(struct sk_report *rep)
{
    size_t i, j, k;

    for (i = 0; i < rep->nruns; i++) {
        struct run_rep *rr = &rep->runs[i];
        char base[120];

        sk_format_slug(base, sizeof(base), rr->run->label);
        snprintf(rr->slug, sizeof(rr->slug), "%s", base);
        for (k = 2;; k++) {
            int clash = 0;

            for (j = 0; j < i && !clash; j++)
                clash = strcmp(rep->runs[j].slug, rr->slug) == 0;
            if (!clash)
                break;
            snprintf(rr->slug, sizeof(rr->slug), "%.100s-%zu", base, k);
        }
        sk_report__anchor(rr->anchor, sizeof(rr->anchor), rr->run->label);
    }
}

/* Every run, analysed: runs with a measured throughput first, in the
 * order found, then those without (per-query files with no times): a
 * reader meets the answers before the gaps. */
/* Group the runs by configuration (sk_runset_config()): each group of
 * two or more is a set of repeats, combined at 95% over the levels that
 * finished. */
static int analyse_repeats(struct sk_report *rep)
{
    char (*key)[600] = calloc(rep->nruns ? rep->nruns : 1, sizeof(*key));
    const sk_sweep **sw = calloc(rep->nruns ? rep->nruns : 1, sizeof(*sw));
    unsigned char *taken = calloc(rep->nruns ? rep->nruns : 1, 1);
    size_t i, j;
    int rc = 0;

    if (!key || !sw || !taken ||
        !(rep->repeats = calloc(rep->nruns / 2 + 1, sizeof(*rep->repeats)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < rep->nruns; i++)
        sk_runset_config(key[i], sizeof(key[i]), rep->runs[i].run);
    for (i = 0; i < rep->nruns && rc == 0; i++) {
        struct repeat_set *rs = &rep->repeats[rep->nrepeats];
        size_t n = 0;

        if (taken[i] || !rep->runs[i].run->complete)
            continue;
        for (j = i; j < rep->nruns; j++)
            n += !taken[j] && rep->runs[j].run->complete &&
                 strcmp(key[i], key[j]) == 0;
        if (n < 2)
            continue;
        if (!(rs->runs = calloc(n, sizeof(*rs->runs)))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            break;
        }
        for (j = i; j < rep->nruns; j++)
            if (!taken[j] && rep->runs[j].run->complete &&
                strcmp(key[i], key[j]) == 0) {
                taken[j] = 1;
                sw[rs->n] = rep->runs[j].run->complete;
                rs->runs[rs->n++] = j;
            }
        rep->nrepeats++;
        rc = sk_repeats_combine(&rs->levels, &rs->nlevels, sw, rs->n,
                                SK_STATS_CONFIDENCE);
    }
done:
    free(key);
    free(sw);
    free(taken);
    return rc;
}

static int analyse_runs(struct sk_report *rep)
{
    size_t i, k = 0, pass;
    int rc = 0;

    rep->nruns = sk_runset_count(rep->rs);
    if (!(rep->runs = calloc(rep->nruns, sizeof(*rep->runs))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (pass = 0; pass < 2 && rc == 0; pass++)
        for (i = 0; i < rep->nruns && rc == 0; i++) {
            const struct sk_runset_run *run = sk_runset_get(rep->rs, i);
            const double *t = NULL;
            int has = sk_sweep_column(&t, run->sweep,
                                      sk_sweep_default_y(run->sweep)) == 0 &&
                      sk_metric_peak(t, sk_sweep_levels(run->sweep)) <
                          sk_sweep_levels(run->sweep);

            if (has == (pass == 0))
                rc = analyse_run(&rep->runs[k++], run, rep);
        }
    if (rc != 0)
        return rc;
    name_runs(rep);
    return analyse_repeats(rep);
}

/* ---- the report object --------------------------------------------------- */

void sk_report_opts_init(sk_report_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->ttft_stat = SK_TTFT_AVG;
}

/* results/report_<time>: a new directory, never an earlier one: -2, -3 ...
 * within a second */
static void default_out(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    struct stat st;
    size_t i;

    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
    snprintf(buf, cap, "results/report_%s", stamp);
    for (i = 2; lstat(buf, &st) == 0 && i < 1000; i++)
        snprintf(buf, cap, "results/report_%s-%zu", stamp, i);
}

static int check_opts(const sk_report_opts *o)
{
    size_t i;

    if (!o->inputs || o->ninputs == 0)
        return sk_error_set(SK_EINVAL, "no input: give files or directories");
    if (o->nbudgets > MAX_BUDGETS)
        return sk_error_set(SK_EINVAL,
                            "too many --ttft-budget values (at most %d)",
                            MAX_BUDGETS);
    for (i = 0; o->ttft_budgets_s && i < o->nbudgets; i++)
        if (!(o->ttft_budgets_s[i] > 0))
            return sk_error_set(SK_EINVAL, "--ttft-budget: must be > 0, got %g",
                                o->ttft_budgets_s[i]);
    return 0;
}

static int load(struct sk_report *rep, const sk_report_opts *opts)
{
    size_t i;
    int rc;

    if ((rc = sk_runset_new(&rep->rs)) != 0)
        return rc;
    for (i = 0; i < rep->ninputs && rc == 0; i++)
        rc = sk_runset_add(rep->rs, rep->inputs[i]);
    if (rc == 0)
        rc = sk_runset_load(rep->rs);
    for (i = 0; i < sk_runset_notes(rep->rs); i++)
        if (rep->note)
            rep->note(rep->note_payload, sk_runset_note(rep->rs, i));
    for (i = 0; i < opts->nnames && rc == 0; i++)
        rc = sk_runset_rename_spec(rep->rs, opts->names[i]);
    return rc;
}

int sk_report_new(sk_report **out, const sk_report_opts *opts)
{
    struct sk_report *rep = NULL;
    char dflt[64];
    const char *dir = opts->out_dir;
    size_t n;
    int rc;

    *out = NULL;
    if ((rc = check_opts(opts)) != 0)
        return rc;
    if (!(rep = calloc(1, sizeof(*rep))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    rep->title = opts->title ? opts->title : "Sweep report";
    rep->command = opts->command ? opts->command : "sweepkit report";
    rep->version = opts->version ? opts->version : "dev";
    sk_provenance_init(&rep->host);
    rep->made = time(NULL);
    rep->stat = opts->ttft_stat;
    rep->inputs = opts->inputs;
    rep->ninputs = opts->ninputs;
    rep->note = opts->note;
    rep->note_payload = opts->note_payload;
    rep->html = opts->html;
    if (opts->nbudgets == 0 || !opts->ttft_budgets_s) {
        rep->nbudgets = sizeof(default_budgets) / sizeof(default_budgets[0]);
        memcpy(rep->budgets, default_budgets, sizeof(default_budgets));
    } else {
        rep->nbudgets = opts->nbudgets;
        memcpy(rep->budgets, opts->ttft_budgets_s,
               opts->nbudgets * sizeof(rep->budgets[0]));
    }
    if (!dir) {
        default_out(dflt, sizeof(dflt));
        dir = dflt;
    }
    /* The output directory is judged before any input is read. */
    if ((rc = sk_outdir_new(&rep->od, dir, &owner)) != 0)
        goto done;
    n = strlen(sk_outdir_path(rep->od)) + sizeof("/report.md");
    if (!(rep->md_path = malloc(n))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(rep->md_path, n, "%s/report.md", sk_outdir_path(rep->od));
    if ((rc = load(rep, opts)) != 0 || (rc = analyse_runs(rep)) != 0)
        goto done;
    *out = rep;
    rep = NULL;
done:
    sk_report_free(rep);
    return rc;
}

void sk_report_free(sk_report *rep)
{
    size_t i;

    if (!rep)
        return;
    sk_outdir_free(rep->od);
    for (i = 0; rep->runs && i < rep->nruns; i++) {
        size_t k;

        for (k = 0; k < rep->runs[i].ncharts; k++)
            free(rep->runs[i].charts[k].svg);
        free(rep->runs[i].pct);
        sk_sweep_free(rep->runs[i].sat.kept);
        sk_sweep_free(rep->runs[i].drawn);
    }
    free(rep->runs);
    free(rep->overlay.svg);
    free(rep->repeats_chart.svg);
    for (i = 0; rep->repeats && i < rep->nrepeats; i++) {
        free(rep->repeats[i].runs);
        free(rep->repeats[i].levels);
    }
    free(rep->repeats);
    sk_runset_free(rep->rs);
    free(rep->md_path);
    free(rep);
}

const char *sk_report_md_path(const sk_report *rep)
{
    return rep->md_path;
}

size_t sk_report_skipped(const sk_report *rep)
{
    return sk_runset_skipped(rep->rs);
}

size_t sk_report_runs(const sk_report *rep)
{
    return rep->nruns;
}

/* ---- writing ------------------------------------------------------------- */

int sk_report_write_json(const sk_report *rep, FILE *fp)
{
    json_t *root;
    int rc = 0;

    if (!(root = sk_report__json(rep)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if (sk_json_write(fp, root, SK_JSON_EXPAND_ALL) != 0 || ferror(fp))
        rc = sk_error_set(SK_EIO, "report.json: cannot write");
    json_decref(root);
    return rc;
}

int sk_report_write_md(const sk_report *rep, FILE *fp)
{
    sk_report__md(fp, rep);
    if (ferror(fp))
        return sk_error_set(SK_EIO, "report.md: cannot write");
    return 0;
}

/* The charts, report.json, report.html (--html), then report.md, into
 * the staging directory. */
static int write_outputs(struct sk_report *rep, const char *dir)
{
    char md[4096], tmp[4096], js[4096];
    FILE *fp = NULL;
    int rc = 0, bad;

    if ((rc = sk_report__draw_charts(rep, dir)) != 0)
        return rc;

    snprintf(js, sizeof(js), "%s/report.json", dir);
    if (!(fp = fopen(js, "w")))
        return sk_error_set(SK_EIO, "%s: cannot write", js);
    rc = sk_report_write_json(rep, fp);
    if (fclose(fp) != 0 && rc == 0)
        rc = SK_EIO;
    if (rc == SK_EIO)
        sk_error_set(SK_EIO, "%s: cannot write", js);
    if (rc != 0)
        return rc;

    if (rep->html) {
        snprintf(js, sizeof(js), "%s/report.html", dir);
        if (!(fp = fopen(js, "w")))
            return sk_error_set(SK_EIO, "%s: cannot write: %s", js,
                                strerror(errno));
        rc = sk_report__html(fp, rep);
        if (fclose(fp) != 0 && rc == 0)
            rc = sk_error_set(SK_EIO, "%s: cannot write: %s", js,
                              strerror(errno));
        if (rc != 0)
            return rc;
    }

    /* report.md last, under a temporary name first. */
    snprintf(md, sizeof(md), "%s/report.md", dir);
    snprintf(tmp, sizeof(tmp), "%s/report.md.tmp", dir);
    if (!(fp = fopen(tmp, "w")))
        return sk_error_set(SK_EIO, "%s: cannot write: %s", tmp,
                            strerror(errno));
    bad = sk_report_write_md(rep, fp);
    if (fclose(fp) != 0 || bad)
        rc = sk_error_set(SK_EIO, "%s: cannot write: %s", md, strerror(errno));
    if (rc == 0 && rename(tmp, md) != 0)
        rc = sk_error_set(SK_EIO, "%s: cannot write: %s", md, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    return rc;
}

int sk_report_write(sk_report *rep)
{
    int rc;

    if (rep->written)
        return sk_error_set(SK_EINVAL, "the report is written already");
    rep->written = 1;
    if ((rc = sk_outdir_open(rep->od)) != 0 ||
        (rc = write_outputs(rep, sk_outdir_staging(rep->od))) != 0 ||
        (rc = sk_outdir_commit(rep->od)) != 0)
        return rc;
    return 0;
}
