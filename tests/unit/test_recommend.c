/* Recommendations: the published fixture sweeps, interpolated estimates
 * checked against hand-computed Steffen cubics, combined constraints, no
 * answer, the paragraph text, and every error path. */
#include "harness.h"
#include "sim_loop.h"

#include "sweepkit/error.h"
#include "sweepkit/recommend.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"

#include <gsl/gsl_errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The three fixtures (fixtures/summary_*.csv), as published. */
static const double conc[8] = {1, 2, 4, 8, 16, 32, 64, 128};
static const double gemma_ttft[8] = {0.04, 0.10, 0.20, 0.34,
                                     0.62, 1.18, 2.48, 5.52};
static const double gemma_tput[8] = {204.29, 268.39,  406.44,  490.00,
                                     885.04, 1594.77, 1888.28, 2011.85};
static const double gemma_qtps[8] = {208.60, 134.42, 101.67, 61.25,
                                     55.32,  49.84,  29.51,  15.72};
static const double q4b_ttft[8] = {0.21, 0.40, 0.68,  1.31,
                                   2.50, 4.98, 10.36, 22.71};
static const double q4b_tput[8] = {90.98,  123.96, 155.09, 175.47,
                                   251.45, 415.64, 470.19, 494.33};
static const double q4b_qtps[8] = {95.48, 62.02, 38.85, 21.94,
                                   15.72, 13.00, 7.35,  3.86};
static const double q80_ttft[8] = {0.23, 0.64,  1.47,  2.70,
                                   5.11, 10.11, 20.28, 43.03};
static const double q80_tput[8] = {56.70,  73.39,  98.34,  121.74,
                                   155.01, 199.70, 229.42, 251.78};

static const sk_recommend_levels gemma = {"gemma.csv", 8, conc, gemma_ttft,
                                          gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN};
static const sk_recommend_levels q4b = {"q4b.csv", 8, conc, q4b_ttft,
                                        q4b_qtps, q4b_tput, NULL, NULL, NULL, NAN};
static const sk_recommend_levels q80 = {"q80.csv", 8, conc, q80_ttft, NULL,
                                        q80_tput, NULL, NULL, NULL, NAN};

static sk_recommend_opts opts(double ttft, double qtps, double goal)
{
    sk_recommend_opts o;

    sk_recommend_opts_init(&o);
    o.ttft_budget_s = ttft;
    o.min_query_tokens_per_s = qtps;
    o.throughput_goal_tokens_per_s = goal;
    return o;
}

static void test_fixtures_ttft(void)
{
    sk_recommend_result r;
    sk_recommend_opts o;

    /*
     * gemma-3-1b, avg TTFT <= 1.0 s: 16 passes (0.62), 32 fails (1.18).
     * By hand, on x = log2(concurrency) (h = 1), secants of TTFT
     * s3 = 0.28, s4 = 0.56, s5 = 1.30.  Steffen's node slopes
     * y' = (sgn s- + sgn s+) min(|s-|, |s+|, |s- + s+|/4):
     *   y'(x=4) = 2 min(0.28, 0.56, 0.21)  = 0.42
     *   y'(x=5) = 2 min(0.56, 1.30, 0.465) = 0.93
     * Hermite cubic on [4, 5], t = x - 4:
     *   y = 0.62 + 0.42 t + c t^2 + d t^3,
     *   c = 3 s4 - 2 y'4 - y'5 = -0.09,  d = y'4 + y'5 - 2 s4 = 0.23
     *   (check: y(1) = 0.62 + 0.42 - 0.09 + 0.23 = 1.18).
     * y = 1.0: 0.23 t^3 - 0.09 t^2 + 0.42 t - 0.38 = 0; f(0.777) = -1.0e-4,
     * f(0.7772) = +4e-5, f' = 0.697, so t = 0.77715 and the estimate is
     * 16 * 2^0.77715 = 27.420.
     */
    o = opts(1.0, NAN, NAN);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_INT(r.lowest, 0);
    CHECK_INT(r.index, 4);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_NEAR(r.ttft_s, 0.62, 0);
    CHECK_NEAR(r.query_tokens_per_s, 55.32, 0);
    CHECK_NEAR(r.throughput_tokens_per_s, 885.04, 0);
    CHECK_NEAR(r.peak_throughput_tokens_per_s, 2011.85, 0);
    CHECK_NEAR(r.peak_concurrency, 128, 0);
    CHECK_NEAR(r.peak_share, 885.04 / 2011.85, 1e-15);
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK_NEAR(r.neighbour_concurrency, 32, 0);
    CHECK_NEAR(r.neighbour_value, 1.18, 0);
    CHECK(r.estimate_concurrency > 16 && r.estimate_concurrency < 32);
    CHECK_NEAR(r.estimate_concurrency, 27.420, 1e-3);

    /* Qwen3-4B, 2.5 s: 16 is exactly at the budget (inclusive), so the
     * crossing is the node itself. */
    o = opts(2.5, NAN, NAN);
    CHECK_INT(sk_recommend(&r, &q4b, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_NEAR(r.ttft_s, 2.50, 0);
    CHECK_NEAR(r.throughput_tokens_per_s, 251.45, 0);
    CHECK_NEAR(r.peak_share, 251.45 / 494.33, 1e-15);
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK_NEAR(r.neighbour_concurrency, 32, 0);
    CHECK_NEAR(r.estimate_concurrency, 16, 1e-9);

    /*
     * Qwen3-Next-80B, 1.0 s: 2 passes (0.64), 4 fails (1.47).  By hand on
     * [1, 2]: s0 = 0.41, s1 = 0.83, s2 = 1.23; y'1 = 2 min(0.41, 0.83,
     * 0.31) = 0.62, y'2 = 2 min(0.83, 1.23, 0.515) = 1.03; c = 2.49 - 1.24
     * - 1.03 = 0.22, d = 0.62 + 1.03 - 1.66 = -0.01.  0.62 t + 0.22 t^2 -
     * 0.01 t^3 = 0.36 at t = 0.49549 (f(0.495) = -4.1e-4, f(0.4955) =
     * +7e-6): 2 * 2^0.49549 = 2.8196.
     */
    o = opts(1.0, NAN, NAN);
    CHECK_INT(sk_recommend(&r, &q80, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_NEAR(r.concurrency, 2, 0);
    CHECK_NEAR(r.ttft_s, 0.64, 0);
    CHECK(isnan(r.query_tokens_per_s)); /* array not given */
    CHECK_NEAR(r.neighbour_concurrency, 4, 0);
    CHECK_NEAR(r.neighbour_value, 1.47, 0);
    CHECK_NEAR(r.estimate_concurrency, 2.8196, 1e-4);

    /* Every level passes: the top one, nothing binds, no estimate. */
    o = opts(10, NAN, NAN);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_NEAR(r.concurrency, 128, 0);
    CHECK_INT(r.binding, SK_LIMIT_NONE);
    CHECK(isnan(r.neighbour_concurrency));
    CHECK(isnan(r.estimate_concurrency));
    CHECK_NEAR(r.peak_share, 1, 0);
}

static void test_throughput_goal(void)
{
    sk_recommend_result r;
    sk_recommend_opts o;

    /*
     * gemma, goal 1500 tok/s alone: the lowest level reaching it is 32
     * (1594.77; 16 has 885.04).  By hand on [4, 5]: secants s3 = 395.04,
     * s4 = 709.73, s5 = 293.51; y'4 = 2 min(395.04, 709.73, 276.1925) =
     * 552.385, y'5 = 2 min(709.73, 293.51, 250.81) = 501.62; c = 2129.19 -
     * 1104.77 - 501.62 = 522.8, d = 552.385 + 501.62 - 1419.46 = -365.455.
     * 885.04 + 552.385 t + 522.8 t^2 - 365.455 t^3 = 1500 at t = 0.83799:
     * 16 * 2^0.83799 = 28.601.
     */
    o = opts(NAN, NAN, 1500);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_INT(r.lowest, 1);
    CHECK_NEAR(r.concurrency, 32, 0);
    CHECK_NEAR(r.throughput_tokens_per_s, 1594.77, 0);
    CHECK_INT(r.binding, SK_LIMIT_THROUGHPUT);
    CHECK_NEAR(r.neighbour_concurrency, 16, 0);
    CHECK_NEAR(r.neighbour_value, 885.04, 0);
    CHECK_NEAR(r.estimate_concurrency, 28.601, 1e-3);

    /* Inclusive: a goal equal to a measured throughput is reached there,
     * and the crossing is that node. */
    o = opts(NAN, NAN, 1594.77);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_NEAR(r.concurrency, 32, 0);
    CHECK_NEAR(r.estimate_concurrency, 32, 1e-9);

    /* Qwen3-4B, 400 tok/s: 32 (415.64).  Secants s3 = 75.98, s4 = 164.19,
     * s5 = 54.55; y'4 = 2 min(75.98, 164.19, 60.0425) = 120.085, y'5 =
     * 2 min(164.19, 54.55, 54.685) = 109.10; c = 492.57 - 240.17 - 109.10
     * = 143.30, d = 120.085 + 109.10 - 328.38 = -99.195; crossing at
     * t = 0.87650: 16 * 2^0.87650 = 29.375. */
    o = opts(NAN, NAN, 400);
    CHECK_INT(sk_recommend(&r, &q4b, &o), 0);
    CHECK_NEAR(r.concurrency, 32, 0);
    CHECK_NEAR(r.estimate_concurrency, 29.375, 1e-3);

    /* Already reached at the lowest level: nothing below to interpolate. */
    o = opts(NAN, NAN, 200);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_NEAR(r.concurrency, 1, 0);
    CHECK_INT(r.binding, SK_LIMIT_NONE);
    CHECK(isnan(r.estimate_concurrency));

    /* Never reached: the closest is the highest throughput. */
    o = opts(NAN, NAN, 3000);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 0);
    CHECK_NEAR(r.concurrency, 128, 0);
    CHECK_INT(r.binding, SK_LIMIT_THROUGHPUT);
    CHECK(isnan(r.estimate_concurrency));
}

static void test_combined(void)
{
    sk_recommend_result r;
    sk_recommend_opts o;

    /*
     * gemma, TTFT <= 1.0 s and per-query >= 60 tok/s: TTFT allows 16 but
     * per-query speed drops to 55.32 there, so 8 (61.25) and the speed
     * binds.  By hand on [3, 4] of avg_query_tokens_per_s: secants
     * s2 = -40.42, s3 = -5.93, s4 = -5.48; y'3 = -2 min(40.42, 5.93,
     * 11.5875) = -11.86, y'4 = -2 min(5.93, 5.48, 2.8525) = -5.705;
     * c = -17.79 + 23.72 + 5.705 = 11.635, d = -11.86 - 5.705 + 11.86 =
     * -5.705; 61.25 - 11.86 t + 11.635 t^2 - 5.705 t^3 = 60 at t = 0.11834:
     * 8 * 2^0.11834 = 8.6839.
     */
    o = opts(1.0, 60, NAN);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_NEAR(r.concurrency, 8, 0);
    CHECK_INT(r.binding, SK_LIMIT_QUERY_TPS);
    CHECK_NEAR(r.neighbour_concurrency, 16, 0);
    CHECK_NEAR(r.neighbour_value, 55.32, 0);
    CHECK_NEAR(r.estimate_concurrency, 8.6839, 1e-4);

    /*
     * TTFT <= 1.0 s and per-query >= 50: both fail at 32 (1.18 s, 49.84);
     * TTFT crosses first (27.420, above) while the speed crosses at
     * 31.673 (by hand as above on [4, 5]: y'4 = -5.705, y'5 = -2 min(5.48,
     * 20.33, 6.4525) = -10.96, c = 5.93, d = -5.705, t = 0.98518), so TTFT
     * binds.
     */
    o = opts(1.0, 50, NAN);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK_NEAR(r.estimate_concurrency, 27.420, 1e-3);

    /* With the floor at 55 the same cubic reaches 55 at t = 0.05957
     * (55.32 - 5.705 t + 5.93 t^2 - 5.705 t^3 = 55): 16 * 2^0.05957 =
     * 16.674, before TTFT's 27.420, so the speed binds. */
    o = opts(1.0, 55, NAN);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_INT(r.binding, SK_LIMIT_QUERY_TPS);
    CHECK_NEAR(r.neighbour_value, 49.84, 0);
    CHECK_NEAR(r.estimate_concurrency, 16.674, 1e-3);

    /* A goal with a TTFT budget: the highest level meeting both (only 16
     * has >= 800 tok/s within 1 s), TTFT binds above it. */
    o = opts(1.0, NAN, 800);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_INT(r.lowest, 0);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK_NEAR(r.estimate_concurrency, 27.420, 1e-3);

    /* ... and with a goal of 1000 nothing qualifies: 16 misses the goal
     * by 1000 / 885.04 = 1.13, 32 the budget by 1.18; 16 is closest and
     * the goal is what it misses. */
    o = opts(1.0, NAN, 1000);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(r.found, 0);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_INT(r.binding, SK_LIMIT_THROUGHPUT);
    CHECK(isnan(r.estimate_concurrency));
    CHECK(isnan(r.neighbour_concurrency));
}

static void test_no_level(void)
{
    sk_recommend_result r;
    sk_recommend_opts o = opts(0.1, NAN, NAN);

    /* Qwen3-4B's fastest TTFT is 0.21 s at 1. */
    CHECK_INT(sk_recommend(&r, &q4b, &o), 0);
    CHECK_INT(r.found, 0);
    CHECK_INT(r.index, 0);
    CHECK_NEAR(r.concurrency, 1, 0);
    CHECK_NEAR(r.ttft_s, 0.21, 0);
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK(isnan(r.estimate_concurrency));
}

static void test_edges(void)
{
    static const double c2[2] = {1, 2}, t2[2] = {0.5, 1.5},
                        p2[2] = {10, 20};
    static const double c3[3] = {1, 2, 4}, t3[3] = {0.5, 1.2, 0.9},
                        p3[3] = {10, 20, 30};
    static const double tie[3] = {0.3, 0.3, 0.3};
    sk_recommend_levels lv = {"two.csv", 2, c2, t2, NULL, p2, NULL, NULL, NULL, NAN};
    sk_recommend_result r;
    sk_recommend_opts o = opts(1.0, NAN, NAN);

    /* Two levels: linear on log2 c, 0.5 + t = 1.0 at t = 0.5: 2^0.5. */
    CHECK_INT(sk_recommend(&r, &lv, &o), 0);
    CHECK_NEAR(r.concurrency, 1, 0);
    CHECK_NEAR(r.estimate_concurrency, sqrt(2.0), 1e-9);

    /* Not monotone: 2 fails, 4 passes again; the highest passing wins. */
    lv = (sk_recommend_levels){"bumpy.csv", 3, c3, t3, NULL, p3, NULL, NULL, NULL, NAN};
    CHECK_INT(sk_recommend(&r, &lv, &o), 0);
    CHECK_NEAR(r.concurrency, 4, 0);
    CHECK_INT(r.binding, SK_LIMIT_NONE);

    /* All equal and none passes: ties go to the lowest level. */
    lv.ttft_s = tie;
    o.ttft_budget_s = 0.2;
    CHECK_INT(sk_recommend(&r, &lv, &o), 0);
    CHECK_INT(r.found, 0);
    CHECK_NEAR(r.concurrency, 1, 0);

    /* No throughput at all: no share of a peak, and the text says so by
     * leaving it out. */
    {
        static const double zero[2] = {0, 0};
        char buf[SK_RECOMMEND_PARAGRAPH_MAX];

        lv = (sk_recommend_levels){"z.csv", 2, c2, t2, NULL, zero, NULL, NULL, NULL, NAN};
        o.ttft_budget_s = 1.0;
        CHECK_INT(sk_recommend(&r, &lv, &o), 0);
        CHECK(isnan(r.peak_share));
        CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
        CHECK_STR(buf, "Recommended concurrency: 1, the highest measured "
                       "level that meets every constraint (avg TTFT <= "
                       "1.00 s). There avg TTFT is 0.50 s and throughput "
                       "0.00 tok/s. The avg TTFT budget binds: at "
                       "concurrency 2 avg TTFT is 1.50 s; monotone "
                       "interpolation between 1 and 2 puts the crossing at "
                       "about concurrency 1.4.");
    }
}

static void test_paragraph(void)
{
    char buf[SK_RECOMMEND_PARAGRAPH_MAX], small[40];
    sk_recommend_result r;
    sk_recommend_opts o = opts(1.0, NAN, NAN);

    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK_STR(buf,
              "Recommended concurrency: 16, the highest measured level "
              "that meets every constraint (avg TTFT <= 1.00 s). There avg "
              "TTFT is 0.62 s, per-query speed 55.32 tok/s and throughput "
              "885.04 tok/s, 44.0% of the peak measured throughput "
              "(2011.85 tok/s at concurrency 128). The avg TTFT budget "
              "binds: at concurrency 32 avg TTFT is 1.18 s; monotone "
              "interpolation between 16 and 32 puts the crossing at about "
              "concurrency 27.4.");

    o = opts(NAN, NAN, 1500);
    CHECK_INT(sk_recommend(&r, &gemma, &o), 0);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK_STR(buf,
              "Recommended concurrency: 32, the lowest measured level that "
              "reaches the throughput goal (throughput >= 1500.00 tok/s). "
              "There avg TTFT is 1.18 s, per-query speed 49.84 tok/s and "
              "throughput 1594.77 tok/s, 79.3% of the peak measured "
              "throughput (2011.85 tok/s at concurrency 128). The "
              "throughput goal binds: at concurrency 16 throughput is "
              "885.04 tok/s; monotone interpolation between 16 and 32 puts "
              "the crossing at about concurrency 28.6.");

    o = opts(0.1, NAN, NAN);
    CHECK_INT(sk_recommend(&r, &q80, &o), 0);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK_STR(buf,
              "No measured level meets every constraint (avg TTFT <= 0.10 "
              "s). The closest is concurrency 1. There avg TTFT is 0.23 s "
              "and throughput 56.70 tok/s, 22.5% of the peak measured "
              "throughput (251.78 tok/s at concurrency 128). It misses the "
              "avg TTFT budget by the widest margin: 0.23 s against 0.10 "
              "s.");

    /*
     * Qwen3-4B's avg numbers standing in for p90, TTFT <= 10 s and
     * per-query >= 10 tok/s: 32 passes (4.98 s, 13.00), 64 fails both
     * (10.36 s, 7.35).  By hand on [5, 6], TTFT: s4 = 2.48, s5 = 5.38,
     * s6 = 12.35, y'5 = 3.93, y'6 = 8.865, c = -0.585, d = 2.035, crossing
     * at t = 0.95833 (62.18); speed: s4 = -2.72, s5 = -5.65, s6 = -3.49,
     * y'5 = -4.185, y'6 = -4.57, c = -4.01, d = 2.545, 13 - 4.185 t -
     * 4.01 t^2 + 2.545 t^3 = 10 at t = 0.53547 (32 * 2^0.53547 = 46.381):
     * the speed binds.
     */
    o = opts(10, 10, NAN);
    o.ttft_stat = SK_TTFT_P90;
    CHECK_INT(sk_recommend(&r, &q4b, &o), 0);
    CHECK_INT(r.binding, SK_LIMIT_QUERY_TPS);
    CHECK_NEAR(r.estimate_concurrency, 46.381, 1e-3);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK_STR(buf,
              "Recommended concurrency: 32, the highest measured level "
              "that meets every constraint (p90 TTFT <= 10.00 s, per-query "
              "speed >= 10.00 tok/s). There p90 TTFT is 4.98 s, per-query "
              "speed 13.00 tok/s and throughput 415.64 tok/s, 84.1% of the "
              "peak measured throughput (494.33 tok/s at concurrency 128). "
              "The per-query speed minimum binds: at concurrency 64 "
              "per-query speed is 7.35 tok/s; monotone interpolation "
              "between 32 and 64 puts the crossing at about concurrency "
              "46.4.");

    o = opts(100, NAN, NAN);
    CHECK_INT(sk_recommend(&r, &q80, &o), 0);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK_STR(buf,
              "Recommended concurrency: 128, the highest measured level "
              "that meets every constraint (avg TTFT <= 100.00 s). There "
              "avg TTFT is 43.03 s and throughput 251.78 tok/s, 100.0% of "
              "the peak measured throughput (251.78 tok/s at concurrency "
              "128). No constraint binds within the measured range: every "
              "constraint still holds at concurrency 128, the highest "
              "level measured.");

    CHECK_INT(sk_recommend_paragraph(small, sizeof(small), &r), SK_ELIMIT);
    CHECK_STR(sk_error_last(), "recommendation text longer than 39 bytes");
    CHECK_STR(small, "");
}

static void test_errors(void)
{
    static const double c1[1] = {4}, v1[1] = {1};
    static const double cdn[3] = {1, 4, 2}, v3[3] = {1, 2, 3};
    static const double hole[8] = {0.04, 0.10, 0.20, 0.34,
                                   NAN,  1.18, 2.48, 5.52};
    static const double none[8] = {NAN, NAN, NAN, NAN,
                                   NAN, NAN, NAN, NAN};
    static const struct {
        sk_recommend_levels lv;
        double ttft, qtps, goal;
        int rc;
        const char *msg;
    } cases[] = {
        {{"g.csv", 8, conc, gemma_ttft, gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN}, NAN, NAN,
         NAN, SK_EINVAL,
         "no constraint given: need a TTFT budget, a minimum per-query "
         "speed, a throughput goal or a maximum error rate"},
        {{"g.csv", 8, conc, gemma_ttft, gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN}, 0, NAN,
         NAN, SK_EINVAL, "TTFT budget must be a number > 0, got 0"},
        {{"g.csv", 8, conc, gemma_ttft, gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN}, NAN, -5,
         NAN, SK_EINVAL,
         "minimum per-query speed must be a number > 0, got -5"},
        {{"g.csv", 8, conc, gemma_ttft, gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN}, NAN, NAN,
         INFINITY, SK_EINVAL, "throughput goal must be a number > 0, got inf"},
        {{"one.csv", 1, c1, v1, v1, v1, NULL, NULL, NULL, NAN}, 1, NAN, NAN, SK_ENODATA,
         "one.csv: only one level (concurrency 4); a recommendation needs "
         "at least two"},
        {{NULL, 0, c1, v1, v1, v1, NULL, NULL, NULL, NAN}, 1, NAN, NAN, SK_ENODATA,
         "input: no levels"},
        {{"d.csv", 3, cdn, v3, v3, v3, NULL, NULL, NULL, NAN}, 1, NAN, NAN, SK_EINVAL,
         "d.csv: concurrency 2 at level 3: levels must be finite, > 0 and "
         "increasing"},
        {{"h.csv", 8, conc, hole, gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN}, 1, NAN, NAN,
         SK_ENODATA, "h.csv: column 'avg_ttft_s' is empty at "
                     "concurrency 16"},
        {{"h.csv", 8, conc, gemma_ttft, hole, gemma_tput, NULL, NULL, NULL, NAN}, NAN, 50, NAN,
         SK_ENODATA, "h.csv: column 'avg_query_tokens_per_s' is empty at "
                     "concurrency 16"},
        {{"h.csv", 8, conc, gemma_ttft, gemma_qtps, hole, NULL, NULL, NULL, NAN}, NAN, NAN, 1500,
         SK_ENODATA, "h.csv: column 'throughput_tokens_per_s' is empty at "
                     "concurrency 16"},
        /* Only a goal needs throughput; with none at all it says so. */
        {{"n.csv", 8, conc, gemma_ttft, gemma_qtps, none, NULL, NULL, NULL, NAN}, 1, NAN, 1500,
         SK_ENODATA, "n.csv: column 'throughput_tokens_per_s' is empty at "
                     "every level; a throughput goal needs it (a TTFT "
                     "budget or a minimum per-query speed does not)"},
        {{"e.csv", 8, conc, none, gemma_qtps, gemma_tput, NULL, NULL, NULL, NAN}, 1, NAN, NAN,
         SK_ENODATA, "e.csv: column 'avg_ttft_s' is empty at every "
                     "level"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_recommend_result r;
        sk_recommend_opts o =
            opts(cases[i].ttft, cases[i].qtps, cases[i].goal);

        r.found = 42;
        CHECK_INT(sk_recommend(&r, &cases[i].lv, &o), cases[i].rc);
        CHECK_STR(sk_error_last(), cases[i].msg);
        CHECK_INT(r.found, 42); /* untouched on failure */
    }

    /* A NaN in a column without a constraint is only left out. */
    {
        sk_recommend_levels lv = {"h.csv", 8, conc, hole, gemma_qtps,
                                  gemma_tput, NULL, NULL, NULL, NAN};
        sk_recommend_result r;
        sk_recommend_opts o = opts(NAN, 50, NAN);

        CHECK_INT(sk_recommend(&r, &lv, &o), 0);
        CHECK_NEAR(r.concurrency, 16, 0);
        CHECK(isnan(r.ttft_s));
    }

    /* Throughput missing at some levels and no goal: answered from TTFT;
     * a level's known throughput is kept, but a peak over some levels is
     * not the peak, so it and the share are unknown. */
    {
        sk_recommend_levels lv = {"h.csv", 8, conc, gemma_ttft, gemma_qtps,
                                  hole, NULL, NULL, NULL, NAN};
        sk_recommend_result r;
        sk_recommend_opts o = opts(0.5, NAN, NAN);

        CHECK_INT(sk_recommend(&r, &lv, &o), 0);
        CHECK_NEAR(r.concurrency, 8, 0);
        CHECK_NEAR(r.throughput_tokens_per_s, 0.34, 0); /* hole[3] */
        CHECK(isnan(r.peak_throughput_tokens_per_s));
        CHECK(isnan(r.peak_concurrency));
        CHECK(isnan(r.peak_share));
        o = opts(1.0, NAN, NAN); /* 16, where throughput is missing */
        CHECK_INT(sk_recommend(&r, &lv, &o), 0);
        CHECK_NEAR(r.concurrency, 16, 0);
        CHECK(isnan(r.throughput_tokens_per_s));
    }
}

static void test_stat_names(void)
{
    enum sk_ttft_stat st = SK_TTFT_AVG;

    CHECK_INT(sk_recommend_stat_parse(&st, "p90"), 0);
    CHECK_INT(st, SK_TTFT_P90);
    CHECK_STR(sk_recommend_stat_column(st), "p90_ttft_s");
    CHECK_INT(sk_recommend_stat_parse(&st, "p99"), 0);
    CHECK_STR(sk_recommend_stat_column(st), "p99_ttft_s");
    CHECK_STR(sk_recommend_stat_name(SK_TTFT_MEDIAN), "median");
    CHECK_INT(sk_recommend_stat_parse(&st, "P90"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "unknown TTFT statistic 'P90' (expected "
                               "avg, median, p90 or p99)");
    CHECK_INT(st, SK_TTFT_P99);
    CHECK_STR(sk_recommend_limit_name(SK_LIMIT_QUERY_TPS), "query_tps");
    CHECK_STR(sk_recommend_limit_name(SK_LIMIT_NONE), "none");
}

/* The gemma fixture file as it is on disk: median and p90 empty. */
static const char gemma_csv[] =
    "concurrency,queries,wall_s,total_output_tokens,throughput_tokens_per_s,"
    "avg_query_tokens_per_s,median_query_tokens_per_s,p90_query_tokens_per_"
    "s,avg_ttft_s,median_ttft_s,p90_ttft_s,avg_decode_tokens_per_s,median_"
    "decode_tokens_per_s,p90_decode_tokens_per_s\n"
    "1,128,320.798864,65536,204.290000,208.600000,,,0.040000,,,212.050000,,"
    "\n"
    "2,128,244.181974,65536,268.390000,134.420000,,,0.100000,,,137.730000,,"
    "\n"
    "4,128,161.243972,65536,406.440000,101.670000,,,0.200000,,,105.560000,,"
    "\n"
    "8,128,133.746939,65536,490.000000,61.250000,,,0.340000,,,63.770000,,\n"
    "16,128,74.048631,65536,885.040000,55.320000,,,0.620000,,,59.180000,,\n"
    "32,128,41.094327,65536,1594.770000,49.840000,,,1.180000,,,56.200000,,"
    "\n"
    "64,128,34.706717,65536,1888.280000,29.510000,,,2.480000,,,34.350000,,"
    "\n"
    "128,128,32.574993,65536,2011.850000,15.720000,,,5.520000,,,18.890000,,"
    "\n";

static void test_sweep(void)
{
    sk_sweep *s = NULL;
    sk_recommend_result r;
    sk_recommend_opts o = opts(1.0, NAN, NAN);

    CHECK_INT(sk_sweep_load_buffer(&s, "gemma.csv", gemma_csv,
                                   strlen(gemma_csv)),
              0);
    if (!s)
        return;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 16, 0);
    CHECK_NEAR(r.ttft_s, 0.62, 0);
    CHECK_NEAR(r.query_tokens_per_s, 55.32, 0);
    CHECK_NEAR(r.estimate_concurrency, 27.420, 1e-3);

    o.ttft_stat = SK_TTFT_P90;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), SK_ENODATA);
    CHECK_STR(sk_error_last(), "gemma.csv: column 'p90_ttft_s' is empty "
                               "at every level");

    o.ttft_stat = SK_TTFT_P99;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), SK_ENOTFOUND);
    {
        static const char want[] = "gemma.csv: no column 'p99_ttft_s'; "
                                   "available: concurrency, queries, ";

        CHECK(strncmp(sk_error_last(), want, strlen(want)) == 0);
    }

    /* p90 empty but unused: a goal alone still works, TTFT left out. */
    o = opts(NAN, NAN, 1500);
    o.ttft_stat = SK_TTFT_P90;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 32, 0);
    CHECK(isnan(r.ttft_s));
    sk_sweep_free(s);

    /* No throughput column at all. */
    {
        static const char csv[] = "concurrency,avg_ttft_s\n1,0.1\n2,0.2\n";

        CHECK_INT(sk_sweep_load_buffer(&s, "t.csv", csv, strlen(csv)), 0);
        if (!s)
            return;
    }
    /* A TTFT budget does not need it; a goal does. */
    o = opts(1.0, NAN, NAN);
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 2, 0);
    CHECK(isnan(r.throughput_tokens_per_s));
    CHECK(isnan(r.peak_share));
    o = opts(1.0, NAN, 100);
    CHECK_INT(sk_recommend_sweep(&r, s, &o), SK_ENOTFOUND);
    CHECK_STR(sk_error_last(), "t.csv: no column 'throughput_tokens_per_s'; "
                               "available: concurrency, avg_ttft_s");
    sk_sweep_free(s);

    /* A bad cell in it is still an error without a goal: only a missing
     * column or empty cells mean "unknown". */
    {
        static const char csv[] = "concurrency,avg_ttft_s,throughput_tokens_"
                                  "per_s\n1,0.1,10\n2,0.2,fast\n";

        CHECK_INT(sk_sweep_load_buffer(&s, "b.csv", csv, strlen(csv)), 0);
        if (!s)
            return;
    }
    o = opts(1.0, NAN, NAN);
    CHECK_INT(sk_recommend_sweep(&r, s, &o), SK_EPARSE);
    CHECK_STR(sk_error_last(), "b.csv:3: column 'throughput_tokens_per_s': "
                               "'fast' is not a finite number");
    sk_sweep_free(s);
}

/* What `sweepkit summarize fixtures/per_query.csv` prints: the file has no
 * start_s/end_s, so wall_s and throughput are empty at every level. */
static const char per_query_csv[] =
    "concurrency,queries,wall_s,total_output_tokens,throughput_tokens_per_s,"
    "avg_query_tokens_per_s,median_query_tokens_per_s,p90_query_tokens_per_"
    "s,avg_ttft_s,median_ttft_s,p90_ttft_s,avg_decode_tokens_per_s,median_"
    "decode_tokens_per_s,p90_decode_tokens_per_s,errors,p99_ttft_s,p99_"
    "query_tokens_per_s,achieved_concurrency\n"
    "1,4,,1024.000000,,193.043815,193.103747,203.408352,0.043817,0.042936,"
    "0.046477,198.879163,199.079954,209.830740,0,0.047548,205.716225,\n"
    "2,8,,2048.000000,,140.339696,141.291693,147.485044,0.090856,0.091741,"
    "0.097151,147.148979,148.178015,155.609996,0,0.098874,150.779886,\n"
    "4,8,,2048.000000,,90.968669,92.092687,95.410731,0.187925,0.194193,"
    "0.203531,97.076748,98.165746,101.363773,0,0.206696,95.963506,\n";

/* Issue 15: a TTFT budget (and a per-query speed) needs no throughput.
 * The answer comes from TTFT; throughput, the peak and the share are
 * unknown, the paragraph names neither, the table prints "-" and JSON
 * null. */
static char *write_to_buffer(const struct sk_recommend_entry *e, size_t n,
                             sk_format fmt);

static void test_no_throughput(void)
{
    sk_sweep *s = NULL;
    sk_recommend_result r;
    sk_recommend_opts o = opts(0.1, NAN, NAN);
    struct sk_recommend_entry e;
    char *got;
    json_t *j;
    size_t k;

    CHECK_INT(sk_sweep_load_buffer(&s, "s.csv", per_query_csv,
                                   strlen(per_query_csv)),
              0);
    if (!s)
        return;
    /*
     * avg TTFT 0.043817, 0.090856, 0.187925 at 1, 2, 4: 2 passes, 4 fails.
     * On x = log2(c): secants s0 = 0.047039, s1 = 0.097069; GSL's Steffen
     * slope at x = 1 is 2 min(s0, s1, (s0 + s1)/4) = 0.072054 and at the
     * last node the secant s1.  Hermite on [1, 2], t = x - 1:
     *   y = 0.090856 + 0.072054 t + 0.050030 t^2 - 0.025015 t^3
     * (y(1) = 0.187925); y = 0.1 at t = 0.117832, so the estimate is
     * 2 * 2^0.117832 = 2.170206.
     */
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_INT(r.found, 1);
    CHECK_INT(r.index, 1);
    CHECK_NEAR(r.concurrency, 2, 0);
    CHECK_NEAR(r.ttft_s, 0.090856, 0);
    CHECK_NEAR(r.query_tokens_per_s, 140.339696, 0);
    CHECK(isnan(r.throughput_tokens_per_s));
    CHECK(isnan(r.peak_throughput_tokens_per_s));
    CHECK(isnan(r.peak_concurrency));
    CHECK(isnan(r.peak_share));
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK_NEAR(r.neighbour_concurrency, 4, 0);
    CHECK_NEAR(r.neighbour_value, 0.187925, 0);
    CHECK_NEAR(r.estimate_concurrency, 2.170206, 1e-6);

    memset(&e, 0, sizeof(e));
    e.file = "s.csv";
    e.r = r;
    CHECK_INT(sk_recommend_paragraph(e.text, sizeof(e.text), &r), 0);
    CHECK_STR(e.text,
              "Recommended concurrency: 2, the highest measured level that "
              "meets every constraint (avg TTFT <= 0.10 s). There avg TTFT "
              "is 0.0909 s and per-query speed 140.34 tok/s. The avg TTFT "
              "budget binds: at concurrency 4 avg TTFT is 0.19 s; monotone "
              "interpolation between 2 and 4 puts the crossing at about "
              "concurrency 2.2.");

    got = write_to_buffer(&e, 1, SK_FORMAT_MARKDOWN);
    CHECK(got && strstr(got, "| s.csv | yes | 2 | 0.0909 | 140.34 | - | - "
                             "| ttft | 2.2 |\n"));
    free(got);
    j = sk_recommend_json(&e, NULL);
    CHECK(j != NULL);
    for (k = 0; j && k < 4; k++) {
        static const char *const unknown[4] = {
            "throughput_tokens_per_s", "peak_throughput_tokens_per_s",
            "peak_concurrency", "peak_share"};

        CHECK(json_is_null(json_object_get(j, unknown[k])));
    }
    CHECK(j && json_real_value(json_object_get(j, "ttft_s")) == 0.090856);
    CHECK(j && json_is_null(json_object_get(j, "error")));
    json_decref(j);

    /* Nothing passes: the closest level, its miss, still no throughput. */
    o = opts(0.01, 100, NAN);
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_INT(r.found, 0);
    CHECK_NEAR(r.concurrency, 1, 0);
    CHECK_INT(r.binding, SK_LIMIT_TTFT);
    CHECK_INT(sk_recommend_paragraph(e.text, sizeof(e.text), &r), 0);
    CHECK_STR(e.text,
              "No measured level meets every constraint (avg TTFT <= 0.01 s, "
              "per-query speed >= 100.00 tok/s). The closest is concurrency "
              "1. There avg TTFT is 0.0438 s and per-query speed 193.04 "
              "tok/s. It misses the avg TTFT budget by the widest margin: "
              "0.0438 s against 0.01 s.");

    /* A per-query speed minimum alone needs no throughput either. */
    o = opts(NAN, 100, NAN);
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 2, 0);
    CHECK_INT(r.binding, SK_LIMIT_QUERY_TPS);

    /* A throughput goal does, and says so. */
    o = opts(0.1, NAN, 100);
    CHECK_INT(sk_recommend_sweep(&r, s, &o), SK_ENODATA);
    CHECK_STR(sk_error_last(), "s.csv: column 'throughput_tokens_per_s' is "
                               "empty at every level; a throughput goal "
                               "needs it (a TTFT budget or a minimum "
                               "per-query speed does not)");
    sk_sweep_free(s);
}

/* ---- the writers --------------------------------------------------------- */

static char *write_to_buffer(const struct sk_recommend_entry *e, size_t n,
                             sk_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    if (!fp)
        return NULL;
    CHECK_INT(sk_recommend_write(fp, e, n, SK_TTFT_AVG, fmt, NULL), 0);
    fclose(fp);
    return buf;
}

/* sk_recommend_write() in each format, byte for byte, from a result filled
 * by hand (a found level whose TTFT binds; the estimate between it and its
 * neighbour), and the line for an entry where nothing qualifies. */
static void test_write(void)
{
    static const struct {
        sk_format fmt;
        const char *want;
    } cases[] = {
        {SK_FORMAT_TABLE,
         "file  | found | concurrency | avg TTFT s | query tok/s | "
         "throughput tok/s | of peak | binds | estimate\n"
         "-------------------------------------------------------------"
         "-----------------------------------------\n"
         "r.csv | yes   |           2 |       0.50 |       90.00 | "
         "          180.00 |   90.0% | ttft  |      2.5\n"
         "\nr.csv: Paragraph.\n"},
        {SK_FORMAT_MARKDOWN,
         "| file | found | concurrency | avg TTFT s | query tok/s | "
         "throughput tok/s | of peak | binds | estimate |\n"
         "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n"
         "| r.csv | yes | 2 | 0.50 | 90.00 | 180.00 | 90.0% | ttft | 2.5 |\n"
         "\n**r.csv**: Paragraph.\n"},
        {SK_FORMAT_CSV,
         "file,found,concurrency,ttft_stat,ttft_s,ttft_budget_s,"
         "avg_query_tokens_per_s,min_query_tokens_per_s,"
         "throughput_tokens_per_s,throughput_goal_tokens_per_s,"
         "peak_throughput_tokens_per_s,peak_concurrency,peak_share,binding,"
         "neighbour_concurrency,neighbour_value,estimate_concurrency,"
         "ceiling_concurrency,ttft_s_hi,confidence,budget_confident,"
         "summary,group,best,failed_levels,partial_levels,flags,"
         "no_steady_window_levels\n"
         "r.csv,true,2.0,avg,0.5,1.0,90.0,,180.0,,200.0,4.0,0.9,ttft,4.0,"
         "2.0,2.5,2.0,0.8,0.95,true,Paragraph.,,,,,,\n"},
        {SK_FORMAT_JSON,
         "{\n  \"results\": [\n    {\"file\": \"r.csv\", \"error\": null, \"found\": true, \"concurrency\": 2.0, "
         "\"ttft_stat\": \"avg\", \"ttft_s\": 0.5, \"ttft_budget_s\": 1.0, "
         "\"avg_query_tokens_per_s\": 90.0, \"min_query_tokens_per_s\": "
         "null, \"throughput_tokens_per_s\": 180.0, "
         "\"throughput_goal_tokens_per_s\": null, "
         "\"peak_throughput_tokens_per_s\": 200.0, \"peak_concurrency\": "
         "4.0, \"peak_share\": 0.9, \"binding\": \"ttft\", "
         "\"neighbour_concurrency\": 4.0, \"neighbour_value\": 2.0, "
         "\"estimate_concurrency\": 2.5, \"ceiling_concurrency\": 2.0, "
         "\"ttft_s_hi\": 0.8, \"confidence\": 0.95, "
         "\"budget_confident\": true, "
         "\"summary\": \"Paragraph.\"}\n  ]\n}\n"},
    };
    struct sk_recommend_entry e;
    char *buf = NULL;
    size_t i, len = 0;
    FILE *fp;

    memset(&e, 0, sizeof(e));
    e.file = "r.csv";
    strcpy(e.text, "Paragraph.");
    e.r.opts = opts(1.0, NAN, NAN);
    e.r.found = 1;
    e.r.index = 1;
    e.r.concurrency = 2;
    e.r.ttft_s = 0.5;
    e.r.query_tokens_per_s = 90;
    e.r.throughput_tokens_per_s = 180;
    e.r.peak_throughput_tokens_per_s = 200;
    e.r.peak_concurrency = 4;
    e.r.peak_share = 0.9;
    e.r.binding = SK_LIMIT_TTFT;
    e.r.neighbour_concurrency = 4;
    e.r.neighbour_value = 2;
    e.r.estimate_concurrency = 2.5;
    e.r.ceiling_concurrency = 2;
    e.r.ttft_hi = 0.8;
    e.r.confidence = 0.95;
    e.r.budget_confident = 1;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = write_to_buffer(&e, 1, cases[i].fmt);

        CHECK_STR(got, cases[i].want);
        free(got);
    }
    /* no entries: the table's head alone, an empty JSON array */
    buf = write_to_buffer(&e, 0, SK_FORMAT_JSON);
    CHECK_STR(buf, "{\n  \"results\": []\n}\n");
    free(buf);

    e.r.found = 0;
    e.r.concurrency = 1;
    fp = open_memstream(&buf, &len);
    if (fp) {
        sk_recommend_write_miss(fp, &e);
        fclose(fp);
        CHECK_STR(buf, "r.csv: no measured level meets every constraint "
                       "(closest: concurrency 1)\n");
        free(buf);
    }
    fp = fopen("/dev/full", "w");
    if (fp) {
        CHECK_INT(sk_recommend_write(fp, &e, 1, SK_TTFT_AVG, SK_FORMAT_CSV, NULL),
                  SK_EIO);
        fclose(fp);
    }
}

/*
 * A budget met with confidence or by the point estimate only: a summary
 * with p90 intervals (summarize --confidence).  Budget 1 s on p90: 4 is
 * the highest level within it (0.9), 8 fails (1.6); with the policy max
 * the answer is 4, whose interval reaches 1.1 s (point estimate only);
 * at a budget of 1.2 s it ends within (with confidence); at 2 (p90 0.5)
 * an empty cell means too few queries for an interval.
 */
static void test_confidence(void)
{
    static const char csv[] =
        "concurrency,throughput_tokens_per_s,p90_ttft_s,confidence,"
        "p90_ttft_s_lo,p90_ttft_s_hi\n"
        "1,100,0.2,0.95,0.15,0.3\n"
        "2,190,0.5,0.95,,\n"
        "4,300,0.9,0.95,0.7,1.1\n"
        "8,310,1.6,0.95,1.2,2.0\n";
    char buf[SK_RECOMMEND_PARAGRAPH_MAX];
    sk_sweep *s = NULL;
    sk_recommend_result r;
    sk_recommend_opts o = opts(1.0, NAN, NAN);

    CHECK_INT(sk_sweep_load_buffer(&s, "ci.csv", csv, strlen(csv)), 0);
    if (!s)
        return;
    o.ttft_stat = SK_TTFT_P90;
    o.policy_max = 1;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 4, 0);
    CHECK_NEAR(r.ttft_hi, 1.1, 0);
    CHECK_NEAR(r.confidence, 0.95, 0);
    CHECK_INT(r.budget_confident, 0);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK(strstr(buf, " The budget is met by the point estimate only: the "
                      "95% interval of the p90 TTFT reaches 1.10 s.") !=
          NULL);

    o.ttft_budget_s = 1.2;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 4, 0);
    CHECK_INT(r.budget_confident, 1);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK(strstr(buf, " The budget is met with confidence: the 95% "
                      "interval of the p90 TTFT ends at 1.10 s.") != NULL);

    o.ttft_budget_s = 0.6;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), 0);
    CHECK_NEAR(r.concurrency, 2, 0);
    CHECK(isnan(r.ttft_hi));
    CHECK_INT(r.budget_confident, -1);
    CHECK_INT(sk_recommend_paragraph(buf, sizeof(buf), &r), 0);
    CHECK(strstr(buf, " The p90 TTFT has no 95% interval there: too few "
                      "queries.") != NULL);

    /* The mean has no interval: nothing is said. */
    o.ttft_stat = SK_TTFT_AVG;
    CHECK_INT(sk_recommend_sweep(&r, s, &o), SK_ENOTFOUND);
    sk_sweep_free(s);
}

/*
 * Knee-aware on a serve-sim sweep (sim_loop.h: serve-sim's model, 8
 * slots, 20 + 2 ms per step, 64 queries of 32 tokens a level, no
 * jitter): throughput saturates at 8 (the slots), and past it a request
 * waits for a slot, so avg TTFT jumps from about 0.01 s at 8 to about
 * one request's duration (32 x 36 ms = 1.15 s) at 16.  Under a 2 s budget
 * 16 is the highest level within it (--policy max, the old answer); the
 * knee-aware answer is 8, with 16's cost stated: no throughput gained at
 * over 50x the avg TTFT.
 */
static void test_serve_sim_knee(void)
{
    static const size_t levels[] = {1, 2, 4, 8, 16, 32};
    char *csv = NULL, buf[SK_RECOMMEND_PARAGRAPH_MAX];
    size_t len = 0, i, n = 0;
    FILE *fp = open_memstream(&csv, &len);
    struct sk_level *lv = NULL;
    struct sk_recommend_entry e;
    sk_sim_params p;
    sk_sweep *s = NULL;
    sk_recommend_opts o = opts(2.0, NAN, NAN);
    int has_times = 0;

    if (!fp)
        return;
    sk_sim_params_default(&p);
    p.slots = 8;
    p.step_ms = 20;
    p.step_ms_per_seq = 2;
    fputs(SIM_LOOP_HEADER, fp);
    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        sim_loop_level(fp, &p, levels[i], 64, 32);
    fclose(fp);
    CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "sim.csv", csv, len),
              0);
    CHECK_INT(sk_summarize_levels_sweep(&s, "sim.csv", lv, n, NULL), 0);
    if (!s)
        goto done;

    CHECK_INT(sk_recommend_analyse(&e, s, &o, 0), 0);
    CHECK_NEAR(e.r.concurrency, 8, 0);
    CHECK_INT(e.r.knee, 1);
    CHECK_NEAR(e.r.ceiling_concurrency, 16, 0);
    CHECK(fabs(e.r.ceiling_throughput_gain) < 0.01);
    CHECK(e.r.ceiling_ttft_ratio > 50);
    CHECK(e.r.ttft_s < 0.05);
    snprintf(buf, sizeof(buf), " 16 also meets every constraint: %+.1f%% "
                               "throughput at ",
             100 * e.r.ceiling_throughput_gain);
    CHECK(strstr(e.text, buf) != NULL);
    CHECK(strstr(e.text, "x the avg TTFT: past the knee more concurrency "
                         "only queues.") != NULL);

    o.policy_max = 1;
    CHECK_INT(sk_recommend_analyse(&e, s, &o, 0), 0);
    CHECK_NEAR(e.r.concurrency, 16, 0);
    CHECK_INT(e.r.knee, 0);
    CHECK(e.r.ttft_s > 0.9 && e.r.ttft_s < 2.0);
done:
    sk_sweep_free(s);
    free(lv);
    free(csv);
}

int main(void)
{
    gsl_set_error_handler_off();
    test_fixtures_ttft();
    test_throughput_goal();
    test_combined();
    test_no_level();
    test_edges();
    test_paragraph();
    test_errors();
    test_stat_names();
    test_sweep();
    test_no_throughput();
    test_write();
    test_confidence();
    test_serve_sim_knee();
    return sk_test_done("recommend");
}
