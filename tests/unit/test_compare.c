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

/* A run of levels 2 and 4 into `path`. */
static void run(const char *path, double step_ms, uint64_t seed)
{
    FILE *fp = fopen(path, "w");

    CHECK(fp != NULL);
    if (!fp)
        return;
    fputs(SIM_LOOP_HEADER, fp);
    run_level(fp, step_ms, seed, 2);
    run_level(fp, step_ms, seed + 1000, 4);
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

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_compare.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_summaries();
    test_null_and_regression();
    rmdir(dir);
    return sk_test_done("compare");
}
