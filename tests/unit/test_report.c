/*
 * report: a report built in-process over the bundled fixtures (what
 * tests/cli/report_test.sh runs as `sweepkit report --out DIR`): its notes,
 * report.json's structure and values, report.md's headings and sentences,
 * the FILE * writers against the files written, an earlier report
 * replaced; and the error paths (no sweep among the inputs, an output
 * directory that is not one).
 */
#include "harness.h"

#include "sweepkit/chart.h"
#include "sweepkit/error.h"
#include "sweepkit/provenance.h"
#include "sweepkit/report.h"

#include <gsl/gsl_errno.h>
#include <jansson.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char root[256];
static const char *fixtures;

#define MAX_NOTES 32
static char *notes[MAX_NOTES];
static size_t nnotes;

static void take_note(void *payload, const char *note)
{
    CHECK(payload == &nnotes);
    if (nnotes < MAX_NOTES)
        notes[nnotes] = strdup(note);
    nnotes++;
}

static void forget_notes(void)
{
    size_t i;

    for (i = 0; i < nnotes && i < MAX_NOTES; i++)
        free(notes[i]);
    nnotes = 0;
}

static const char *at(const char *name)
{
    static char path[4][512];
    static int k;

    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/%s", root, name);
    return path[k];
}

static const char *fixture(const char *name)
{
    static char path[4][512];
    static int k;

    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/%s", fixtures, name);
    return path[k];
}

static int exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

static void opts_for(sk_report_opts *o, const char *const *inputs, size_t n,
                     const char *out)
{
    sk_report_opts_init(o);
    o->inputs = inputs;
    o->ninputs = n;
    o->out_dir = out;
    o->command = "sweepkit report --out r";
    o->version = "9.9.9";
    o->note = take_note;
    o->note_payload = &nnotes;
}

static double num_at(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str_at(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static void check_json_top(json_t *j)
{
    static const char *const keys[] = {
        "schema_version", "tool",           "command",        "host",
        "date",           "generator",      "title",          "inputs",
        "ttft_stat",      "ttft_budgets_s", "gain_threshold", "overlay",
        "runs",           "repeats",        "repeats_chart"};
    static const double budgets[] = {1, 2.5, 5};
    const char *key;
    json_t *v, *ov;
    size_t i = 0;

    CHECK(json_is_object(j));
    CHECK_INT(json_object_size(j), N(keys));
    json_object_foreach(j, key, v)
    {
        if (i < N(keys))
            CHECK_STR(key, keys[i]);
        i++;
    }
    CHECK_STR(str_at(j, "generator"), "sweepkit report 9.9.9");
    /* provenance (docs/schema.md): the version given, this machine */
    CHECK_INT(json_integer_value(json_object_get(j, "schema_version")),
              SK_SCHEMA_VERSION);
    CHECK_STR(str_at(j, "tool"), "sweepkit 9.9.9");
    {
        sk_provenance here;

        sk_provenance_init(&here);
        CHECK_STR(str_at(json_object_get(j, "host"), "os"), here.os);
        CHECK_INT(json_integer_value(
                      json_object_get(json_object_get(j, "host"), "cores")),
                  here.cores);
        CHECK_STR(str_at(j, "date"), "1970-01-02T00:00:00+0000");
    }
    CHECK_STR(str_at(j, "title"), "Sweep report");
    CHECK_STR(str_at(j, "command"), "sweepkit report --out r");
    CHECK_INT(json_array_size(json_object_get(j, "inputs")), 1);
    CHECK_STR(
        json_string_value(json_array_get(json_object_get(j, "inputs"), 0)),
        fixtures);
    CHECK_STR(str_at(j, "ttft_stat"), "avg");
    v = json_object_get(j, "ttft_budgets_s");
    CHECK_INT(json_array_size(v), 3);
    for (i = 0; i < 3; i++)
        CHECK_NEAR(json_number_value(json_array_get(v, i)), budgets[i], 0);
    CHECK_NEAR(num_at(j, "gain_threshold"), 0.1, 1e-15);
    ov = json_object_get(j, "overlay");
    CHECK_STR(str_at(ov, "kind"), "throughput");
    CHECK_STR(str_at(ov, "file"), "throughput_overlay.png");
    CHECK_STR(str_at(ov, "format"), "png");
    CHECK_NEAR(num_at(ov, "width"), 1600, 0);
    CHECK_NEAR(num_at(ov, "height"), 1000, 0);
}

/* The first run: summary_Qwen3-4B..., 8 levels, knee at 64. */
static void check_json_qwen(json_t *r)
{
    static const double conc[] = {1, 2, 4, 8, 16, 32, 64, 128};
    static const double tput[] = {90.98,  123.96, 155.09, 175.47,
                                  251.45, 415.64, 470.19, 494.33};
    static const double rec[][2] = {{1, 4}, {2.5, 16}, {5, 32}};
    json_t *lv = json_object_get(r, "levels"), *sat, *usl, *recs, *x, *ch;
    size_t i;

    CHECK_STR(str_at(r, "label"), "Qwen3-4B-Instruct-2507-MLX-4bit");
    CHECK_STR(str_at(r, "anchor"), "qwen3-4b-instruct-2507-mlx-4bit");
    CHECK_STR(str_at(r, "summary_file"),
              fixture("summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv"));
    CHECK(json_is_null(json_object_get(r, "per_query_file")));
    CHECK_STR(str_at(r, "pairing"), "alone");
    CHECK(json_is_false(json_object_get(r, "summarized_from_per_query")));
    CHECK(json_is_null(json_object_get(r, "percentiles")));
    CHECK_INT(json_array_size(lv), 8);
    for (i = 0; i < N(conc) && i < json_array_size(lv); i++) {
        CHECK_NEAR(num_at(json_array_get(lv, i), "concurrency"), conc[i], 0);
        CHECK_NEAR(num_at(json_array_get(lv, i), "throughput_tokens_per_s"),
                   tput[i], 1e-12);
    }
    x = json_array_get(lv, 0);
    CHECK_NEAR(num_at(x, "queries"), 128, 0);
    CHECK_NEAR(num_at(x, "avg_ttft_s"), 0.21, 1e-12);
    CHECK(json_is_null(json_object_get(x, "p90_ttft_s"))); /* empty cells */
    CHECK_NEAR(num_at(x, "wall_s"), 720.334139, 1e-9);
    /* the summary's own columns only: this one has no errors column */
    CHECK(json_object_get(x, "errors") == NULL);
    CHECK_INT(json_object_size(x), 14);

    sat = json_object_get(r, "saturation");
    CHECK(json_is_null(json_object_get(sat, "error")));
    CHECK_NEAR(num_at(sat, "knee"), 64, 0);
    CHECK_STR(str_at(sat, "knee_sentence"),
              "throughput stops paying for concurrency at 64: every further "
              "doubling gains less than 10% (64\xE2\x86\x92" "128: +5.1%)");
    CHECK_INT(json_array_size(json_object_get(sat, "steps")), 7);
    x = json_array_get(json_object_get(sat, "steps"), 6);
    CHECK_NEAR(num_at(x, "x_from"), 64, 0);
    CHECK_NEAR(num_at(x, "y_to"), 494.33, 1e-12);
    CHECK_NEAR(num_at(x, "gain_per_doubling"), 494.33 / 470.19 - 1, 1e-12);
    usl = json_object_get(sat, "usl");
    CHECK_NEAR(num_at(usl, "lambda"), 39.112066542905175, 1e-6);
    CHECK_NEAR(num_at(usl, "sigma"), 0.07109529423932934, 1e-8);
    CHECK_NEAR(num_at(usl, "kappa"), 0, 0);
    CHECK_NEAR(num_at(usl, "asymptote_throughput"), 550.1357995824807, 1e-4);
    CHECK(json_is_null(json_object_get(usl, "peak_concurrency")));
    CHECK_NEAR(num_at(usl, "levels"), 8, 0);
    CHECK(strstr(str_at(usl, "sentence"),
                 "95% at 248.2 (extrapolated: beyond 128).") != NULL);
    CHECK(json_is_null(json_object_get(sat, "usl_error")));

    recs = json_object_get(r, "recommendations");
    CHECK_INT(json_array_size(recs), 3);
    for (i = 0; i < N(rec) && i < json_array_size(recs); i++) {
        x = json_array_get(recs, i);
        CHECK_NEAR(num_at(x, "ttft_budget_s"), rec[i][0], 0);
        CHECK_NEAR(num_at(x, "concurrency"), rec[i][1], 0);
        CHECK(json_is_true(json_object_get(x, "found")));
        CHECK_STR(str_at(x, "binding"), "ttft");
        CHECK(json_is_null(json_object_get(x, "error")));
    }
    x = json_array_get(recs, 1);
    CHECK_NEAR(num_at(x, "peak_share"), 251.45 / 494.33, 1e-12);
    CHECK_NEAR(num_at(x, "peak_concurrency"), 128, 0);
    CHECK_NEAR(num_at(x, "neighbour_value"), 4.98, 1e-12);
    CHECK(strncmp(str_at(x, "summary"), "Recommended concurrency: 16, ", 29) ==
          0);

    ch = json_object_get(r, "charts");
    CHECK_INT(json_array_size(ch), 1);
    CHECK_STR(str_at(json_array_get(ch, 0), "kind"), "dashboard");
    CHECK_STR(str_at(json_array_get(ch, 0), "file"),
              "Qwen3-4B-Instruct-2507-MLX-4bit_dashboard.png");
    CHECK(json_is_null(json_object_get(r, "chart_error")));
}

/* The last run: per_query.csv alone, no times, so no throughput. */
static void check_json_per_query(json_t *r)
{
    json_t *p = json_object_get(r, "percentiles"), *x, *sat, *ch;
    const char *key;
    json_t *v;

    CHECK_STR(str_at(r, "label"), "per_query");
    CHECK(json_is_null(json_object_get(r, "summary_file")));
    CHECK_STR(str_at(r, "per_query_file"), fixture("per_query.csv"));
    CHECK(json_is_true(json_object_get(r, "summarized_from_per_query")));
    CHECK_INT(json_array_size(json_object_get(r, "levels")), 3);
    CHECK_INT(json_array_size(p), 3);
    x = json_array_get(p, 0);
    CHECK_NEAR(num_at(x, "concurrency"), 1, 0);
    CHECK_NEAR(num_at(x, "queries"), 4, 0);
    CHECK_NEAR(num_at(json_object_get(x, "ttft_s"), "p50"), 0.0429355, 1e-12);
    CHECK_NEAR(num_at(json_object_get(x, "tokens_per_s"), "p99"), 205.71622469,
               1e-9);
    CHECK_NEAR(num_at(json_array_get(p, 2), "queries"), 8, 0);

    sat = json_object_get(r, "saturation");
    CHECK_STR(str_at(sat, "error"),
              "throughput is unknown: the per-query file has no "
              "start_s/end_s columns, so no level has a wall time");
    CHECK(json_is_null(json_object_get(sat, "knee")));
    CHECK_INT(json_array_size(json_object_get(sat, "steps")), 0);
    CHECK(json_is_null(json_object_get(sat, "usl")));
    /* A TTFT budget needs no throughput (issue 15): every budget is met
     * up to 4 (avg TTFT 0.19 s); throughput, the peak and the share are
     * unknown and null, as is what a binding limit would give. */
    x = json_array_get(json_object_get(r, "recommendations"), 0);
    CHECK_STR(str_at(x, "file"), str_at(r, "per_query_file"));
    CHECK(json_is_null(json_object_get(x, "error")));
    CHECK(json_is_true(json_object_get(x, "found")));
    CHECK_NEAR(num_at(x, "concurrency"), 4, 0);
    CHECK_NEAR(num_at(x, "ttft_s"), 0.187925, 0);
    CHECK_NEAR(num_at(x, "avg_query_tokens_per_s"), 90.968669, 0);
    CHECK_STR(str_at(x, "binding"), "none");
    CHECK_STR(str_at(x, "summary"),
              "Recommended concurrency: 4, the highest measured level that "
              "meets every constraint (avg TTFT <= 1.00 s). There avg TTFT "
              "is 0.19 s and per-query speed 90.97 tok/s. No constraint "
              "binds within the measured range: every constraint still "
              "holds at concurrency 4, the highest level measured.");
    json_object_foreach(x, key, v)
    {
        if (strstr(key, "throughput") || strstr(key, "peak") ||
            strstr(key, "neighbour") || strstr(key, "estimate") ||
            !strcmp(key, "min_query_tokens_per_s"))
            CHECK(json_is_null(v));
    }
    ch = json_object_get(r, "charts");
    CHECK_INT(json_array_size(ch), 2);
    CHECK_STR(str_at(json_array_get(ch, 0), "file"), "per_query_per_query.png");
    CHECK_STR(str_at(json_array_get(ch, 1), "kind"), "ttft");
}

static void check_json(const char *path)
{
    static const char *const labels[] = {"Qwen3-4B-Instruct-2507-MLX-4bit",
                                         "Qwen3-Next-80B-A3B-Instruct-MLX-4bit",
                                         "gemma-3-1b-it-qat-4bit", "per_query"};
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err), *runs;
    size_t i;

    CHECK(j != NULL);
    if (!j) {
        fprintf(stderr, "%s: %s\n", path, err.text);
        return;
    }
    check_json_top(j);
    runs = json_object_get(j, "runs");
    CHECK_INT(json_array_size(runs), N(labels));
    for (i = 0; i < N(labels) && i < json_array_size(runs); i++)
        CHECK_STR(str_at(json_array_get(runs, i), "label"), labels[i]);
    if (json_array_size(runs) == N(labels)) {
        check_json_qwen(json_array_get(runs, 0));
        CHECK_NEAR(
            num_at(json_object_get(json_array_get(runs, 2), "saturation"),
                   "knee"),
            64, 0);
        check_json_per_query(json_array_get(runs, 3));
    }
    json_decref(j);
}

static void check_md(const char *md)
{
    static const char *const headings[] = {
        "# Sweep report",
        "## Overview",
        "## Qwen3-4B-Instruct-2507-MLX-4bit",
        "### Measurements",
        "### Saturation",
        "### Recommendations",
        "### Charts",
        "## Qwen3-Next-80B-A3B-Instruct-MLX-4bit",
        "### Measurements",
        "### Saturation",
        "### Recommendations",
        "### Charts",
        "## gemma-3-1b-it-qat-4bit",
        "### Measurements",
        "### Saturation",
        "### Recommendations",
        "### Charts",
        "## per_query",
        "### Measurements",
        "### Per-query percentiles",
        "### Saturation",
        "### Recommendations",
        "### Charts",
        "## How to read this report"};
    const char *p = md;
    size_t k = 0;

    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (*p == '#') {
            if (k < N(headings))
                CHECK(n == strlen(headings[k]) &&
                      strncmp(p, headings[k], n) == 0);
            else
                CHECK(!"a heading too many");
            k++;
        }
        p = e ? e + 1 : NULL;
    }
    CHECK_INT(k, N(headings));
    CHECK(strstr(md, "\n4 runs from `") != NULL);
    CHECK(strstr(md, "budget of 1 s, 2.5 s or 5 s on the mean TTFT.") != NULL);
    CHECK(strstr(md,
                 "\n| [gemma-3-1b-it-qat-4bit](#gemma-3-1b-it-qat-4bit) "
                 "| summary | 8 | 2011.85 at 128 | 64 | 16 | 64 | 64 |\n") !=
          NULL);
    CHECK(strstr(md,
                 "\n| [per_query](#per_query) | per-query | 3 | \xE2\x80\x93"
                 " | \xE2\x80\x93 | 4 | 4 | 4 |\n") != NULL);
    /* Its recommendations without throughput: "–" for it and the share. */
    CHECK(strstr(md, "\n| 1 s | 4 | 0.19 | 90.97 | \xE2\x80\x93 | "
                     "\xE2\x80\x93 | nothing within the sweep | "
                     "\xE2\x80\x93 |\n") != NULL);
    CHECK(strstr(md, "\nThroughput is unknown at every level, so the table "
                     "gives neither throughput nor its share of the peak "
                     "(\xE2\x80\x93); a TTFT budget needs neither.\n") !=
          NULL);
    CHECK(strstr(md, "no saturation analysis is possible, and the "
                     "recommendations give no throughput.") != NULL);
    CHECK(strstr(md, "\n**Knee: 64.** Throughput stops paying for "
                     "concurrency at 64: every further doubling gains less "
                     "than 10% (64\xE2\x86\x92" "128: +6.5%).\n") != NULL);
    CHECK(strstr(md, "\n| 64\xE2\x86\x92"
                     "128 | 470.19 \xE2\x86\x92 494.33 "
                     "| +5.1% | \xE2\x86\x90 knee |\n") != NULL);
    /* four queries: too few for any two-sided 95% interval */
    CHECK(strstr(md, "\n| 1 | 4 | 0.0429 [too few] | 0.0465 [too few] | "
                     "0.0475 [too few] | 193.10 [too few] | 203.41 [too few] "
                     "| 205.72 [too few] | 199.08 [too few] | 209.83 [too "
                     "few] | 212.36 [too few] |\n") != NULL);
    /* eight: the median's interval is X(1)..X(8) at 99.2% */
    CHECK(strstr(md, "\n| 2 | 8 | 0.0917 [0.0814, 0.0963] | 0.0972 [too "
                     "few] |") != NULL);
    CHECK(strstr(md, "\n| 2.5 s | 16 | 2.50 | 15.72 | 251.45 | 50.9% | TTFT "
                     "budget | 16.0 |\n") != NULL);
    CHECK(strstr(md, "\nNot possible: throughput is unknown: the per-query "
                     "file has no start_s/end_s columns, so no level has a "
                     "wall time.\n") != NULL);
    CHECK(strstr(md, "![Total throughput and mean per-query speed of 3 runs "
                     "against concurrency](throughput_overlay.png)") != NULL);
    {
        sk_provenance here;
        char want[1024];

        sk_provenance_init(&here);
        snprintf(want, sizeof(want),
                 "\n---\n\nMade by sweepkit 9.9.9 with `sweepkit report "
                 "--out r` on %s%s%s, %ld core%s, 1970-01-02T00:00:00+0000. "
                 "`report.json` next to this page",
                 here.os, here.cpu[0] ? ", " : "", here.cpu, here.cores,
                 here.cores == 1 ? "" : "s");
        CHECK(strstr(md, want) != NULL);
    }
}

/* The FILE * writers give the bytes of the files written. */
static void check_writers(const sk_report *rep, const char *dir)
{
    char path[600], *file, *mem = NULL;
    size_t flen = 0, mlen = 0;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/report.json", dir);
    file = sk_test_slurp(path, &flen);
    CHECK((fp = open_memstream(&mem, &mlen)) != NULL);
    CHECK_INT(sk_report_write_json(rep, fp), 0);
    fclose(fp);
    CHECK(file && mem && flen == mlen && memcmp(file, mem, flen) == 0);
    free(file);
    free(mem);

    mem = NULL;
    snprintf(path, sizeof(path), "%s/report.md", dir);
    file = sk_test_slurp(path, &flen);
    CHECK((fp = open_memstream(&mem, &mlen)) != NULL);
    CHECK_INT(sk_report_write_md(rep, fp), 0);
    fclose(fp);
    CHECK(file && mem && flen == mlen && memcmp(file, mem, flen) == 0);
    free(file);
    free(mem);
}

static void test_fixtures(void)
{
    const char *inputs[] = {fixtures};
    char dir[512], want[600], *md;
    sk_report_opts o;
    sk_report *rep = NULL;
    size_t len;

    snprintf(dir, sizeof(dir), "%s", at("r"));
    opts_for(&o, inputs, 1, dir);
    CHECK_INT(sk_report_new(&rep, &o), 0);
    CHECK(rep != NULL);
    if (!rep)
        return;
    CHECK(!exists(dir)); /* nothing written before sk_report_write() */
    CHECK_INT(sk_report_runs(rep), 4);
    CHECK_INT(sk_report_skipped(rep), 0);
    CHECK_INT(nnotes, 0); /* every CSV there is a sweep */

    CHECK_INT(sk_report_write(rep), 0);
    snprintf(want, sizeof(want), "%s/report.md", dir);
    CHECK_STR(sk_report_md_path(rep), want);
    /* the charts' notes: two empty TTFT columns in each summary */
    CHECK_INT(nnotes, 6);
    snprintf(want, sizeof(want), "%s: median_ttft_s is empty; series skipped",
             fixture("summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv"));
    CHECK_STR(nnotes > 0 ? notes[0] : NULL, want);
    snprintf(want, sizeof(want), "%s: p90_ttft_s is empty; series skipped",
             fixture("summary_gemma-3-1b-it-qat-4bit.csv"));
    CHECK_STR(nnotes > 5 ? notes[5] : NULL, want);
    CHECK(exists(at("r/throughput_overlay.png")));
    CHECK(exists(at("r/gemma-3-1b-it-qat-4bit_dashboard.png")));
    CHECK(exists(at("r/per_query_ttft.png")));
    CHECK(!exists(at("r/report.md.tmp")));
    CHECK_INT(sk_report_write(rep), SK_EINVAL); /* once only */

    check_json(at("r/report.json"));
    md = sk_test_slurp(at("r/report.md"), &len);
    CHECK(md != NULL);
    if (md)
        check_md(md);
    free(md);
    check_writers(rep, dir);
    sk_report_free(rep);
    forget_notes();
}

/* Eighteen runs: the overlay draws the sixteen with the highest peak
 * throughput (peaks 30..180: runs 0 and 1 left out) and says so. */
static void test_many_runs(void)
{
    const char *inputs[1];
    char dir[512], name[64], body[200], *md;
    sk_report_opts o;
    sk_report *rep = NULL;
    size_t i, len;

    snprintf(dir, sizeof(dir), "%s", at("many"));
    CHECK(mkdir(dir, 0777) == 0);
    for (i = 0; i < 18; i++) {
        FILE *fp;

        snprintf(name, sizeof(name), "many/summary_run%02zu.csv", i);
        snprintf(body, sizeof(body),
                 "concurrency,throughput_tokens_per_s\n1,%zu\n2,%zu\n4,%zu\n",
                 10 + 10 * i, 20 + 10 * i, 30 + 10 * i);
        fp = fopen(at(name), "w");
        CHECK(fp != NULL);
        if (fp) {
            fputs(body, fp);
            fclose(fp);
        }
    }
    inputs[0] = dir;
    opts_for(&o, inputs, 1, at("many_r"));
    CHECK_INT(sk_report_new(&rep, &o), 0);
    CHECK_INT(rep ? sk_report_runs(rep) : 0, 18);
    CHECK_INT(rep ? sk_report_write(rep) : -1, 0);
    sk_report_free(rep);
    md = sk_test_slurp(at("many_r/report.md"), &len);
    CHECK(md && strstr(md, "The overlay shows the 16 runs with the highest "
                           "peak throughput; 2 more are not drawn.") != NULL);
    free(md);
    forget_notes();
}

/* A second report into the first one's directory replaces it whole. */
static void test_replace(void)
{
    const char *inputs[] = {fixture("summary_gemma-3-1b-it-qat-4bit.csv")};
    const double budgets[] = {0.8, 3};
    char want[600];
    sk_report_opts o;
    sk_report *rep = NULL;
    json_t *j;

    opts_for(&o, inputs, 1, at("r/"));
    o.title = "One model";
    o.ttft_budgets_s = budgets;
    o.nbudgets = N(budgets);
    o.ttft_stat = SK_TTFT_P90;
    CHECK_INT(sk_report_new(&rep, &o), 0);
    CHECK_INT(rep ? sk_report_write(rep) : -1, 0);
    CHECK_STR(rep ? sk_report_md_path(rep) : NULL, at("r/report.md"));
    sk_report_free(rep);
    CHECK(!exists(at("r/throughput_overlay.png")));
    CHECK(!exists(at("r/per_query_ttft.png")));
    CHECK(exists(at("r/gemma-3-1b-it-qat-4bit_dashboard.png")));
    j = json_load_file(at("r/report.json"), 0, NULL);
    CHECK(j != NULL);
    if (j) {
        json_t *r = json_array_get(json_object_get(j, "runs"), 0), *x;

        CHECK_STR(str_at(j, "title"), "One model");
        CHECK_STR(str_at(j, "ttft_stat"), "p90");
        CHECK(json_is_null(json_object_get(j, "overlay")));
        CHECK_INT(json_array_size(json_object_get(j, "runs")), 1);
        x = json_array_get(json_object_get(r, "recommendations"), 1);
        CHECK_NEAR(num_at(x, "ttft_budget_s"), 3, 0);
        snprintf(want, sizeof(want),
                 "%s: column 'p90_ttft_s' is empty at every level", inputs[0]);
        CHECK_STR(str_at(x, "error"), want);
        json_decref(j);
    }
    forget_notes();
}

static void test_errors(void)
{
    const char *inputs[] = {at("nocsv")};
    const char *fx[] = {fixtures};
    char want[600];
    sk_report_opts o;
    sk_report *rep = (sk_report *)&o;
    FILE *fp;

    /* a directory with no sweep CSV: nothing is created */
    CHECK(mkdir(at("nocsv"), 0777) == 0);
    fp = fopen(at("nocsv/readme.txt"), "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs("not a csv\n", fp);
        fclose(fp);
    }
    opts_for(&o, inputs, 1, at("e1"));
    CHECK_INT(sk_report_new(&rep, &o), SK_ENODATA);
    CHECK(rep == NULL);
    snprintf(want, sizeof(want),
             "%s: no sweep CSV here (0 .csv files looked at; subdirectories "
             "are not read)",
             at("nocsv"));
    CHECK_STR(sk_error_last(), want);
    CHECK(!exists(at("e1")));

    /* a directory of the user's is never replaced, and is judged before
     * any input is read (no notes) */
    CHECK(mkdir(at("full"), 0777) == 0);
    fp = fopen(at("full/notes.txt"), "w");
    if (fp)
        fclose(fp);
    forget_notes();
    opts_for(&o, fx, 1, at("full"));
    CHECK_INT(sk_report_new(&rep, &o), SK_EIO);
    snprintf(want, sizeof(want),
             "%s: exists, is not empty and holds no earlier report; give "
             "another --out or empty it",
             at("full"));
    CHECK_STR(sk_error_last(), want);
    CHECK_INT(nnotes, 0);

    /* not a directory; and no directory of its own */
    opts_for(&o, fx, 1, at("full/notes.txt"));
    CHECK_INT(sk_report_new(&rep, &o), SK_EIO);
    snprintf(want, sizeof(want), "%s: exists and is not a directory",
             at("full/notes.txt"));
    CHECK_STR(sk_error_last(), want);
    opts_for(&o, fx, 1, "..");
    CHECK_INT(sk_report_new(&rep, &o), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "..: give the report a directory of its own (--out DIR)");
    opts_for(&o, fx, 0, at("e2"));
    CHECK_INT(sk_report_new(&rep, &o), SK_EINVAL);
    forget_notes();
}

int main(void)
{
    char cmd[600];

    /* one date for every output (provenance.h) */
    setenv("SOURCE_DATE_EPOCH", "86400", 1);
    gsl_set_error_handler_off();
    fixtures = getenv("SK_FIXTURES");
    if (!fixtures)
        fixtures = "fixtures";
    snprintf(root, sizeof(root), "/tmp/sk_test_report_XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_fixtures();
    test_many_runs();
    test_replace();
    test_errors();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    sk_chart_shutdown(); /* fontconfig's caches, for memory checkers */
    return sk_test_done("report");
}
