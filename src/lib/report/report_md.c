/*
 * report.md (report.h): the page for people.  Numbers are printed as the
 * summaries publish them; the knee and the USL fit are told in sentences
 * (also in report.json).
 */
#include "report_int.h"

#include "sweepkit/stats.h"

#include "sweepkit/format.h"
#include "sweepkit/metrics.h"
#include "sweepkit/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers for people ---------------------------------------------------
 */

/* Two decimals as the summaries are published, three significant digits
 * below 0.1 (as `sweepkit recommend` prints); "–" for no value. */
static const char *num(char *buf, size_t cap, double x)
{
    return isnan(x) ? DASH : sk_num_human(buf, cap, x);
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
    case SK_LIMIT_ERROR_RATE: return "error rate maximum";
    case SK_LIMIT_SLO_SHARE: return "SLO share minimum";
    case SK_LIMIT_NONE: break;
    }
    return "nothing within the sweep";
}

/* "+6.5%" of a gain per doubling (a fraction). */
static void gain_words(char *buf, size_t cap, double g)
{
    snprintf(buf, cap, "%+.1f%%", 100 * g);
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

static void write_intro(FILE *fp, const struct sk_report *rep)
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

/* Whether level `conc` of the run is partial (runset.h); `summary`: only
 * a level of its summary counts. */
static int partial_level(const struct run_rep *rr, double conc, int summary)
{
    size_t i;

    for (i = 0; i < rr->run->npartial; i++)
        if ((rr->run->partial[i].in_sweep || !summary) &&
            rr->run->partial[i].concurrency == conc)
            return 1;
    return 0;
}

/* The level of highest throughput among those that finished, or rr->n. */
static size_t peak_level(const struct run_rep *rr)
{
    size_t i, pk = rr->n;

    for (i = 0; rr->tput && i < rr->n; i++)
        if (isfinite(rr->tput[i]) && !partial_level(rr, rr->conc[i], 1) &&
            !sk_sweep_failed(rr->run->sweep, i) &&
            (pk == rr->n || rr->tput[i] > rr->tput[pk]))
            pk = i;
    return pk;
}

/* For each grid file (runs with a group key): its configuration of
 * highest measured throughput, as `sweepkit saturation` names the best. */
static void write_best_configs(FILE *fp, const struct sk_report *rep)
{
    size_t i, j, best, n;
    char x[64];

    for (i = 0; i < rep->nruns; i++) {
        const struct sk_runset_run *ri = rep->runs[i].run;

        if (!ri->group[0])
            continue;
        for (j = 0; j < i; j++) /* the file's first run only */
            if (rep->runs[j].run->group[0] &&
                strcmp(rep->runs[j].run->summary_path, ri->summary_path) == 0)
                break;
        if (j < i)
            continue;
        best = rep->nruns;
        n = 0;
        for (j = i; j < rep->nruns; j++) {
            const struct run_rep *rj = &rep->runs[j];
            size_t pk = peak_level(rj), bk;

            if (!rj->run->group[0] ||
                strcmp(rj->run->summary_path, ri->summary_path) != 0)
                continue;
            n++;
            if (pk == rj->n)
                continue;
            bk = best < rep->nruns ? peak_level(&rep->runs[best]) : 0;
            if (best == rep->nruns ||
                rj->tput[pk] > rep->runs[best].tput[bk])
                best = j;
        }
        if (best == rep->nruns)
            continue;
        fprintf(fp, "**Best of the %zu configurations of ", n);
        md_code(fp, ri->summary_path);
        fprintf(fp, "** (highest measured throughput): ");
        md_cell(fp, rep->runs[best].run->group);
        fprintf(fp, ", %s tok/s at %g.\n\n",
                num(x, sizeof(x),
                    rep->runs[best].tput[peak_level(&rep->runs[best])]),
                rep->runs[best].conc[peak_level(&rep->runs[best])]);
    }
}

static void write_overview(FILE *fp, const struct sk_report *rep)
{
    size_t i, b, partial = 0;
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
        size_t pk = peak_level(rr);

        partial += rr->run->npartial > 0;

        fprintf(fp, "| [");
        md_cell(fp, rr->run->label);
        fprintf(fp, "](#%s) | %s | %zu | ", rr->anchor, data_words(rr->run),
                rr->n);
        if (pk < rr->n) /* the measured peak, whatever the budgets say */
            fprintf(fp, "%s at %g", num(x, sizeof(x), rr->tput[pk]),
                    rr->conc[pk]);
        else
            fputs(DASH, fp);
        fputs(" | ", fp);
        if (rr->sat.ok && rr->sat.r.knee.found)
            fprintf(fp, "%g", rr->sat.r.knee.x);
        else
            fputs(rr->sat.ok ? "none yet" : DASH, fp);
        fputs(" |", fp);
        for (b = 0; b < rep->nbudgets; b++) {
            const struct rec *r = &rr->rec[b];

            if (!r->ok)
                fprintf(fp, " %s |", DASH);
            else if (r->r.found)
                fprintf(fp, " %g |", r->r.concurrency);
            else
                fprintf(fp, " none |");
        }
        fputc('\n', fp);
    }
    fprintf(fp,
            "\nPeak throughput is the highest measured.%s The budget "
            "column%s give%s the recommended concurrency under each %s "
            "TTFT budget (\"none\": no measured level meets it). "
            "\"none yet\" for the knee: throughput was still growing "
            "at the highest level measured.\n\n",
            partial ? " A partial level (one a stopped collect cut) is "
                      "left out of this table."
                    : "",
            rep->nbudgets == 1 ? "" : "s", rep->nbudgets == 1 ? "s" : "",
            sk_recommend_stat_name(rep->stat));
    write_best_configs(fp, rep);
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
                        "unknown: no saturation analysis is possible, and "
                        "the recommendations give no throughput.");
    }
    fprintf(fp, "\n\n");
}


/* A run that did not finish: which levels, how far, and that they are
 * left out of the analyses. */
static void write_unfinished(FILE *fp, const struct run_rep *rr)
{
    const struct sk_runset_run *run = rr->run;
    int stopped = run->status && (strcmp(run->status, "interrupted") == 0 ||
                                  strcmp(run->status, "running") == 0);
    size_t i;

    if (!run->npartial && !stopped)
        return;
    fprintf(fp, "**This run did not finish**");
    if (run->status && strcmp(run->status, "running") == 0)
        fprintf(fp, " (its sidecar still says `running`: the collector "
                    "was killed)");
    else if (run->status && strcmp(run->status, "interrupted") == 0)
        fprintf(fp, " (its sidecar says `interrupted`)");
    fprintf(fp, ".");
    for (i = 0; i < run->npartial; i++) {
        const struct sk_runset_partial *p = &run->partial[i];

        fprintf(fp, " Level %g stopped after %zu", p->concurrency,
                p->queries);
        if (p->planned)
            fprintf(fp, " of %zu", p->planned);
        fprintf(fp, " quer%s%s.", p->queries == 1 ? "y" : "ies",
                p->in_sweep ? ""
                            : " (in the per-query file only: the summary "
                              "has no row for it)");
    }
    if (run->npartial)
        fprintf(fp, " A partial level is marked \"(partial)\" in the "
                    "tables and left out of the knee and the "
                    "recommendations.");
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
        double e = sk_report__at(rr->extra[0], i);

        if (isnan(e))
            snprintf(b[5], sizeof(b[5]), "%s", DASH);
        else
            snprintf(b[5], sizeof(b[5]), "%g", e);
        fprintf(fp, "| %g%s | %s | %s | %s | %s | %s | %s |\n", rr->conc[i],
                partial_level(rr, rr->conc[i], 1)     ? " (partial)"
                : sk_sweep_failed(rr->run->sweep, i) ? " (failed)"
                                                      : "",
                num(b[0], 64, sk_report__at(rr->tput, i)),
                num(b[1], 64, sk_report__at(rr->avg_ttft, i)),
                num(b[2], 64, sk_report__at(rr->p90_ttft, i)),
                num(b[3], 64, sk_report__at(rr->avg_decode, i)),
                num(b[4], 64, sk_report__at(rr->avg_query, i)), b[5]);
    }
    fprintf(fp, "\n\"%s\": not in the data.%s\n\n", DASH,
            rr->extra[0] ? "" : " This summary has no errors column.");
    {
        /* the levels whose numbers say less than they seem to */
        char f[160];
        size_t k = 0;

        for (i = 0; i < rr->n; i++) {
            sk_sweep_level_flags(f, sizeof(f), rr->run->sweep, i);
            if (!f[0])
                continue;
            fprintf(fp, "%s%g: %s", k++ ? "; " : "Sample flags: ",
                    rr->conc[i], f);
        }
        if (k)
            fprintf(fp, ". A single wave has no steady state to measure "
                        "(its mean, median and p90 describe one round of "
                        "requests); an achieved concurrency well below the "
                        "level's means the load asked was not the load "
                        "run.\n\n");
    }
}

static void write_percentiles(FILE *fp, const struct run_rep *rr)
{
    size_t i, f, p, small = 0;
    char b[64], lo[64];

    if (!rr->pct)
        return;
    fprintf(fp, "### Per-query percentiles\n\n"
                "From the rows of ");
    md_code(fp, rr->run->per_query_path);
    fprintf(fp, ", per level: p50 (the median), p90 and p99, each with "
                "its %g%% interval in brackets.\n\n"
                "| conc | queries | TTFT p50 (s) | TTFT p90 | TTFT p99 | "
                "query p50 (tok/s) | query p90 | query p99 | decode p50 "
                "(tok/s) | decode p90 | decode p99 |\n"
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            100 * SK_STATS_CONFIDENCE);
    for (i = 0; i < rr->npct; i++) {
        fprintf(fp, "| ");
        md_cell(fp, rr->pct[i].key);
        if (partial_level(rr, strtod(rr->pct[i].key, NULL), 0))
            fprintf(fp, " (partial)");
        fprintf(fp, " | %zu |", rr->pct[i].queries);
        for (f = 0; f < 3; f++)
            for (p = 0; p < 3; p++) {
                const double *ci = rr->pct[i].ci[f][p];

                fprintf(fp, " %s", num(b, sizeof(b), rr->pct[i].v[f][p]));
                if (isnan(rr->pct[i].v[f][p]))
                    fputs(" |", fp);
                else if (isnan(ci[0]))
                    fputs(" [too few] |", fp);
                else
                    fprintf(fp, " [%s, %s] |", num(b, sizeof(b), ci[0]),
                            num(lo, sizeof(lo), ci[1]));
            }
        fputc('\n', fp);
        small += rr->pct[i].queries < 100;
    }
    fprintf(fp,
            "\nPercentiles interpolate linearly between the two closest "
            "ranks (numpy's default). The intervals are distribution-free "
            "(order statistics, docs/metrics.md); \"too few\": the level "
            "has too few queries for a two-sided one.%s\n\n",
            small ? " With fewer than 100 queries at a level, its p99 lies "
                    "between the two largest values."
                  : "");
}

static void write_saturation(FILE *fp, const struct run_rep *rr)
{
    const struct sat *st = &rr->sat;
    const struct sk_saturation_result *sr = &st->r;
    char line[1200], a[64], b[64], g[32];
    size_t i;

    fprintf(fp, "### Saturation\n\n");
    if (!st->ok) {
        fprintf(fp, "Not possible: ");
        md_cell(fp, st->error);
        fprintf(fp, ".\n\n");
        return;
    }
    sk_saturation_write_knee_md(fp, sr);
    sk_sweep_left_out_text(line, sizeof(line), &sr->left_out);
    if (line[0]) {
        fprintf(fp, "Left out: ");
        md_cell(fp, line);
        fprintf(fp, ".\n\n");
    }
    fprintf(fp, "| step | throughput (tok/s) | gain per doubling | |\n"
                "|---|---:|---:|---|\n");
    /* the steps the analysis saw: between the levels it read (partial
     * and failed ones are left out) */
    for (i = 1; i < sr->n; i++) {
        gain_words(g, sizeof(g),
                   sk_saturation_gain(sr->x[i - 1], sr->y[i - 1], sr->x[i],
                                      sr->y[i]));
        fprintf(fp, "| %g→%g | %s → %s | %s | %s |\n", sr->x[i - 1],
                sr->x[i], num(a, sizeof(a), sr->y[i - 1]),
                num(b, sizeof(b), sr->y[i]), g,
                sr->knee.found && i - 1 == sr->knee.index ? "← knee" : "");
    }
    fputc('\n', fp);
    if (sr->usl_ok) {
        sk_saturation_usl_sentence(line, sizeof(line), sr);
        md_cell(fp, line);
        fprintf(fp, "\n\n");
    } else {
        fprintf(fp, "No Universal Scalability Law fit: ");
        md_cell(fp, sr->usl_error);
        fprintf(fp, ".\n\n");
    }
}

/* Every budget failed for one reason (a column the data lacks). */
static int same_errors(const struct run_rep *rr, const struct sk_report *rep)
{
    size_t b;

    for (b = 1; b < rep->nbudgets; b++)
        if (strcmp(rr->rec[b].error, rr->rec[0].error) != 0)
            return 0;
    return 1;
}

static void write_recommendations(FILE *fp, const struct run_rep *rr,
                                  const struct sk_report *rep)
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
            fprintf(fp, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", bw, DASH,
                    DASH, DASH, DASH, DASH, DASH, DASH);
            continue;
        }
        if (x->r.found)
            snprintf(c[0], 64, "%g", x->r.concurrency);
        else
            snprintf(c[0], 64, "none (closest: %g)", x->r.concurrency);
        if (isnan(x->r.peak_share))
            snprintf(c[4], 64, "%s", DASH);
        else
            snprintf(c[4], 64, "%.1f%%", 100 * x->r.peak_share);
        if (isnan(x->r.estimate_concurrency))
            snprintf(c[5], 64, "%s", DASH);
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
    if (ok && !sk_report__any_value(rr->tput, rr->n))
        fprintf(fp, "Throughput is unknown at every level, so the table "
                    "gives neither throughput nor its share of the peak "
                    "(%s); a TTFT budget needs neither.\n\n", DASH);
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

static void write_glossary(FILE *fp, const struct sk_report *rep)
{
    char date[40];

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
    sk_provenance_date(date, sizeof(date), rep->made);
    fprintf(fp, "---\n\nMade by sweepkit %s with `", rep->version);
    md_cell(fp, rep->command);
    fprintf(fp, "` on ");
    md_cell(fp, rep->host.os[0] ? rep->host.os : "an unknown system");
    if (rep->host.cpu[0]) {
        fprintf(fp, ", ");
        md_cell(fp, rep->host.cpu);
    }
    if (rep->host.cores)
        fprintf(fp, ", %ld core%s", rep->host.cores,
                rep->host.cores == 1 ? "" : "s");
    fprintf(fp, ", %s. `report.json` next to this page holds the same "
                "numbers at full precision, with the same provenance.\n",
            date);
}

/* "885.04 [870.10, 899.90]", or the mean alone with one value. */
static void repeat_cell(FILE *fp, const struct sk_repeat_stat *st)
{
    char a[64], b[64], c[64];

    if (st->n == 0)
        fprintf(fp, " %s |", DASH);
    else if (isnan(st->lo))
        fprintf(fp, " %s |", num(a, sizeof(a), st->mean));
    else
        fprintf(fp, " %s [%s, %s] |", num(a, sizeof(a), st->mean),
                num(b, sizeof(b), st->lo), num(c, sizeof(c), st->hi));
    if (isfinite(st->cv))
        fprintf(fp, " %.1f%% |", 100 * st->cv);
    else
        fprintf(fp, " %s |", DASH);
}

/* Runs of one configuration: each level's mean over the runs with its
 * t-interval and the runs' coefficient of variation. */
static void write_repeats(FILE *fp, const struct sk_report *rep)
{
    size_t i, j, k;

    if (rep->nrepeats == 0)
        return;
    fprintf(fp, "## Repeats\n\n"
                "Runs of one configuration (the same model or prefix, "
                "labels and levels), combined level by level: the mean "
                "over the runs with its %g%% t-interval in brackets, and "
                "the coefficient of variation (standard deviation over "
                "mean) across the runs.\n\n",
            100 * SK_STATS_CONFIDENCE);
    if (rep->has_repeats_chart)
        fprintf(fp, "![%s](%s)\n\n*%s %ux%u PNG.*\n\n",
                rep->repeats_chart.alt, rep->repeats_chart.file,
                rep->repeats_chart.caption, rep->repeats_chart.width,
                rep->repeats_chart.height);
    for (i = 0; i < rep->nrepeats; i++) {
        const struct repeat_set *rs = &rep->repeats[i];

        fprintf(fp, "### %zu runs: ", rs->n);
        for (k = 0; k < rs->n; k++) {
            fprintf(fp, "%s", k ? ", " : "");
            md_cell(fp, rep->runs[rs->runs[k]].run->label);
        }
        fprintf(fp, "\n\n| conc | throughput (tok/s) | CV | avg TTFT (s) | "
                    "CV | p90 TTFT (s) | CV | query tok/s | CV |\n"
                    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (j = 0; j < rs->nlevels; j++) {
            fprintf(fp, "| %g |", rs->levels[j].concurrency);
            for (k = 0; k < SK_CMP_NMETRICS; k++)
                repeat_cell(fp, &rs->levels[j].m[k]);
            fputc('\n', fp);
        }
        fputc('\n', fp);
    }
}

void sk_report__md(FILE *fp, const struct sk_report *rep)
{
    size_t i;

    write_intro(fp, rep);
    write_overview(fp, rep);
    write_repeats(fp, rep);
    for (i = 0; i < rep->nruns; i++) {
        const struct run_rep *rr = &rep->runs[i];

        fprintf(fp, "## ");
        md_cell(fp, rr->run->label);
        fprintf(fp, "\n\n");
        write_sources(fp, rr);
        write_unfinished(fp, rr);
        write_measurements(fp, rr);
        write_percentiles(fp, rr);
        write_saturation(fp, rr);
        write_recommendations(fp, rr, rep);
        write_charts(fp, rr);
    }
    write_glossary(fp, rep);
}
