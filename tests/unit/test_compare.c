/* Two runs compared (compare.h): per-query runs drawn in-process from
 * serve-sim's model (sim.h) by a closed loop of C clients, in virtual
 * time; the same model with other jitter seeds must show no detectable
 * difference (at least 38 of 40 trials), a 10% slower step must show as
 * worse throughput; gates; summaries compared without intervals. */
#include "harness.h"
#include "sim_loop.h"

#include "sweepkit/compare.h"
#include "sweepkit/error.h"
#include "sweepkit/sim.h"
#include "sweepkit/summarize.h"

#include <stdio.h>
#include <sys/stat.h>

#include <stdint.h>
#include <unistd.h>

#define QUERIES 48
#define TOKENS 24

/* One level of QUERIES requests by `conc` clients; appends its rows. */
static void run_level(FILE *fp, double step_ms, uint64_t seed, size_t conc)
{
    sk_sim_params p;

    sk_sim_params_default(&p);
    p.slots = 4;
    p.step_ms = step_ms;
    p.step_ms_per_seq = 0.5;
    p.prefill_ms_per_token = 0.05;
    p.jitter = 0.2;
    p.seed = seed;
    sim_loop_level(fp, &p, conc, QUERIES, TOKENS);
}

/* A run of levels 2 and 4 into fp, header first. */
static void run_rows(FILE *fp, double step_ms, uint64_t seed)
{
    fputs(SIM_LOOP_HEADER, fp);
    run_level(fp, step_ms, seed, 2);
    run_level(fp, step_ms, seed + 1000, 4);
}

/* The same into `path`. */
static void run(const char *path, double step_ms, uint64_t seed)
{
    FILE *fp = fopen(path, "w");

    CHECK(fp != NULL);
    if (!fp)
        return;
    run_rows(fp, step_ms, seed);
    fclose(fp);
}

static char dir[64];

static void test_null_and_regression(void)
{
    char a[128], b[128];
    size_t t, i, quiet = 0;
    sk_compare *c = NULL;
    sk_compare_opts o;

    sk_compare_opts_init(&o);
    o.resamples = 400;
    snprintf(a, sizeof(a), "%s/a.csv", dir);
    snprintf(b, sizeof(b), "%s/b.csv", dir);
    /* one model, other jitter draws: no detectable difference */
    for (t = 0; t < 40; t++) {
        int any = 0;

        run(a, 10, 2 * t + 1);
        run(b, 10, 2 * t + 2);
        CHECK_INT(sk_compare_runs(&c, a, b, &o), 0);
        for (i = 0; c && i < sk_compare_rows(c); i++)
            any |= sk_compare_row(c, i)->verdict == 1 ||
                   sk_compare_row(c, i)->verdict == -1;
        quiet += !any;
        sk_compare_free(c);
        c = NULL;
    }
    if (quiet < 38)
        fprintf(stderr, "no detectable difference in %zu of 40\n", quiet);
    CHECK(quiet >= 38);

    /* a step 10% slower: throughput worse at both levels, a gate trips */
    run(a, 10, 101);
    run(b, 11, 102);
    CHECK_INT(sk_compare_runs(&c, a, b, &o), 0);
    for (i = 0; c && i < sk_compare_rows(c); i++) {
        const struct sk_compare_row *r = sk_compare_row(c, i);

        if (r->metric == SK_CMP_THROUGHPUT) {
            CHECK_INT(r->verdict, -1);
            CHECK(r->change < -0.05 && r->change > -0.12);
            CHECK(r->lo < r->change && r->change < r->hi && r->hi < 0);
        }
    }
    {
        enum sk_compare_metric m;
        int above;
        double th;

        CHECK_INT(sk_compare_gate_parse(&m, &above, &th, "throughput<-5%"),
                  0);
        CHECK(c && sk_compare_gate(c, m, above, th) != NULL);
        CHECK_INT(sk_compare_gate_parse(&m, &above, &th, "throughput<-20%"),
                  0);
        CHECK(c && sk_compare_gate(c, m, above, th) == NULL);
        CHECK_INT(sk_compare_gate_parse(&m, &above, &th, "speed<5%"),
                  SK_EINVAL);
    }
    sk_compare_free(c);
    unlink(a);
    unlink(b);
}

static void test_summaries(void)
{
    char a[128], b[128];
    sk_compare *c = NULL;
    FILE *fp;

    snprintf(a, sizeof(a), "%s/sa.csv", dir);
    snprintf(b, sizeof(b), "%s/sb.csv", dir);
    fp = fopen(a, "w");
    fputs("concurrency,throughput_tokens_per_s,avg_ttft_s\n1,100,0.5\n"
          "2,180,0.6\n",
          fp);
    fclose(fp);
    fp = fopen(b, "w");
    fputs("concurrency,throughput_tokens_per_s,avg_ttft_s\n2,162,0.6\n"
          "4,200,0.9\n",
          fp);
    fclose(fp);
    CHECK_INT(sk_compare_runs(&c, a, b, NULL), 0);
    /* level 2 only; throughput and mean TTFT; no interval, no verdict */
    CHECK_INT(c ? sk_compare_rows(c) : 0, 2);
    if (c && sk_compare_rows(c) == 2) {
        const struct sk_compare_row *r = sk_compare_row(c, 0);

        CHECK_INT(r->metric, SK_CMP_THROUGHPUT);
        CHECK_NEAR(r->change, -0.1, 1e-12);
        CHECK(isnan(r->lo) && isnan(r->p));
        CHECK_INT(r->verdict, 2);
    }
    sk_compare_free(c);
    fp = fopen(b, "w");
    fputs("concurrency,throughput_tokens_per_s\n8,162\n", fp);
    fclose(fp);
    CHECK_INT(sk_compare_runs(&c, a, b, NULL), SK_ENODATA);
    unlink(a);
    unlink(b);
}

/* Run `r` of a repeats directory: a collector-named summary of levels
 * 2 and 4 (its prefix the configuration), from QUERIES queries a level
 * drawn with `step_ms` and `seed`. */
static void repeat_run(const char *d, int r, double step_ms, uint64_t seed)
{
    char path[256], *csv = NULL;
    size_t len = 0, n = 0;
    FILE *fp = open_memstream(&csv, &len);
    struct sk_level *lv = NULL;
    int has_times;

    if (!fp)
        return;
    run_rows(fp, step_ms, seed);
    fclose(fp);
    CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "r.csv", csv, len),
              0);
    snprintf(path, sizeof(path), "%s/sim_summary_20260101_00000%d.csv", d,
             r);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp) {
        sk_summarize_write_csv(fp, lv, n);
        fclose(fp);
    }
    free(lv);
    free(csv);
}

/*
 * Repeats: directories of three runs each.  Same model, other seeds: the
 * means' changes stay small and nothing is flagged; a step 10% slower:
 * throughput worse at both levels with Welch's test, its interval below
 * zero; each row carries the runs and their CVs.  A directory mixing two
 * configurations is refused; a single run against repeats is one run a
 * side (not tested).
 */
static void test_repeats(void)
{
    char a[128], b[128], m[128], one[256], path[256];
    sk_compare *c = NULL;
    size_t i;
    int r;

    snprintf(a, sizeof(a), "%s/ra", dir);
    snprintf(b, sizeof(b), "%s/rb", dir);
    CHECK(mkdir(a, 0700) == 0 && mkdir(b, 0700) == 0);
    for (r = 1; r <= 3; r++) {
        repeat_run(a, r, 10, (uint64_t)(200 + r));
        repeat_run(b, r, 10, (uint64_t)(300 + r));
    }
    CHECK_INT(sk_compare_runs(&c, a, b, NULL), 0);
    CHECK(c && sk_compare_is_repeats(c));
    for (i = 0; c && i < sk_compare_rows(c); i++) {
        const struct sk_compare_row *x = sk_compare_row(c, i);

        CHECK_INT(x->runs_baseline, 3);
        CHECK_INT(x->runs_candidate, 3);
        CHECK(x->cv_baseline >= 0 && x->cv_baseline < 0.1);
        CHECK(x->verdict == 0);
        /* TTFT is the prefill alone here (no queueing at C <= 4 slots):
         * the same in every run, no spread, no interval */
        if (x->cv_baseline > 0)
            CHECK(x->lo < x->change && x->change < x->hi);
        else
            CHECK(isnan(x->lo) && x->change == 0);
    }
    sk_compare_free(c);
    c = NULL;

    for (r = 1; r <= 3; r++)
        repeat_run(b, r, 11, (uint64_t)(400 + r));
    CHECK_INT(sk_compare_runs(&c, a, b, NULL), 0);
    for (i = 0; c && i < sk_compare_rows(c); i++) {
        const struct sk_compare_row *x = sk_compare_row(c, i);

        if (x->metric != SK_CMP_THROUGHPUT)
            continue;
        CHECK_INT(x->verdict, -1);
        CHECK(x->change < -0.05 && x->change > -0.12);
        CHECK(x->lo < x->change && x->hi < 0);
    }
    sk_compare_free(c);
    c = NULL;

    /* one run against repeats: one run a side, not tested */
    snprintf(one, sizeof(one), "%s/sim_summary_20260101_000001.csv", a);
    CHECK_INT(sk_compare_runs(&c, one, b, NULL), 0);
    CHECK(c && sk_compare_rows(c) > 0 &&
          sk_compare_row(c, 0)->verdict == 4 &&
          strcmp(sk_compare_verdict_words(4),
                 "not tested (one run a side)") == 0);
    sk_compare_free(c);
    c = NULL;

    /* two configurations in one directory */
    snprintf(m, sizeof(m), "%s/rm", dir);
    CHECK(mkdir(m, 0700) == 0);
    repeat_run(m, 1, 10, 1);
    snprintf(path, sizeof(path), "%s/sim_summary_20260101_000001.csv", m);
    snprintf(one, sizeof(one), "%s/other_summary_20260101_000002.csv", m);
    CHECK(rename(path, one) == 0);
    repeat_run(m, 3, 10, 2);
    CHECK_INT(sk_compare_runs(&c, m, b, NULL), SK_EINVAL);
    CHECK(strstr(sk_error_last(), "runs of different configurations "
                                  "('other 2,4', 'sim 2,4')") != NULL);
    for (r = 1; r <= 3; r++) {
        snprintf(path, sizeof(path), "%s/sim_summary_20260101_00000%d.csv",
                 a, r);
        unlink(path);
        snprintf(path, sizeof(path), "%s/sim_summary_20260101_00000%d.csv",
                 b, r);
        unlink(path);
    }
    unlink(one);
    snprintf(path, sizeof(path), "%s/sim_summary_20260101_000003.csv", m);
    unlink(path);
    rmdir(a);
    rmdir(b);
    rmdir(m);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_compare.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_summaries();
    test_null_and_regression();
    test_repeats();
    rmdir(dir);
    return sk_test_done("compare");
}
