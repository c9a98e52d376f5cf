/*
 * summarize: a per-query file with two levels, every expected value worked
 * out by hand below (percentiles: h = (n-1)p/100, interpolate).
 */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <math.h>

#include <stdlib.h>
#include <string.h>

static const char per_query[] =
    "concurrency,query_id,output_tokens,tokens_per_s,ttft_s,"
    "decode_tokens_per_s,start_s,end_s\n"
    "10,0,100,50,0.5,66,0,2\n"
    "10,1,120,40,1.0,50,2,5\n"
    "2,2,100,25,1,30,10,14\n"
    "2,3,100,20,2,25,10,15\n"
    "2,4,50,20,3,,10.5,13\n";

/*
 * Level 2 (listed first: 2 < 10 numerically): 3 queries, wall 15 - 10 = 5,
 * tokens 250, throughput 50.  tok/s {20,20,25}: mean 21.666667, median 20,
 * p90 h=1.8 -> 20 + 0.8*5 = 24.  TTFT {1,2,3}: mean 2, median 2, p90 2.8,
 * p95 2.9, p99 2.98.  decode {25,30} (one empty): mean 27.5, median 27.5,
 * p90 25 + 0.9*5 = 29.5.
 * p99 of tok/s h=1.98 -> 20 + 0.98*5 = 24.9.  Busy time 4 + 5 + 2.5 =
 * 11.5 over wall 5: achieved concurrency 2.3.
 * Level 10: 2 queries, wall 5 - 0 = 5, tokens 220, throughput 44.
 * tok/s {40,50}: mean 45, median 45, p90 49, p99 49.9.  TTFT {0.5,1}:
 * 0.75, 0.75, p90 0.95, p95 0.975, p99 0.995.  decode {50,66}: 58, 58,
 * p90 64.4.  Busy 2 + 3 = 5 over 5: 1.
 */
static const char want[] =
    "concurrency,queries,wall_s,total_output_tokens,throughput_tokens_per_s,"
    "avg_query_tokens_per_s,median_query_tokens_per_s,p90_query_tokens_per_s,"
    "avg_ttft_s,median_ttft_s,p90_ttft_s,avg_decode_tokens_per_s,"
    "median_decode_tokens_per_s,p90_decode_tokens_per_s,errors,"
    "p99_ttft_s,p99_query_tokens_per_s,achieved_concurrency,"
    "steady_throughput_tokens_per_s,steady_window_s\n"
    /* one wave at each level: no steady state */
    "2,3,5.000000,250.000000,50.000000,21.666667,20.000000,24.000000,"
    "2.000000,2.000000,2.800000,27.500000,27.500000,29.500000,0,"
    "2.980000,24.900000,2.300000,,\n"
    "10,2,5.000000,220.000000,44.000000,45.000000,45.000000,49.000000,"
    "0.750000,0.750000,0.950000,58.000000,58.000000,64.400000,0,"
    "0.995000,49.900000,1.000000,,\n";

static char *render(const struct sk_level *lv, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);

    sk_summarize_write_csv(fp, lv, n);
    fclose(fp);
    return out;
}

static void test_levels(void)
{
    struct sk_level *lv = NULL;
    size_t n = 0;
    int has_times = 0;
    char *out;

    CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "q.csv", per_query,
                                  strlen(per_query)),
              0);
    CHECK_INT(n, 2);
    CHECK_INT(has_times, 1);
    CHECK_NEAR(lv[0].query_tps[0], 65.0 / 3, 1e-12);
    CHECK_NEAR(lv[0].ttft_s[2], 2.8, 1e-12);
    CHECK_NEAR(lv[1].decode_tps[2], 64.4, 1e-12);
    CHECK_NEAR(lv[0].ttft_s[3], 2.9, 1e-12); /* p95, kept in the struct */
    CHECK_NEAR(lv[0].achieved_concurrency, 2.3, 1e-12);
    out = render(lv, n);
    CHECK_STR(out, want);
    free(out);
    free(lv);
}

/* A failed query (empty output_tokens, as the collector writes it) counts
 * in queries, errors and the busy time, and in no statistic: tokens 300
 * over wall 4 - 0 = 4 -> 75 tok/s; tok/s {100, 50}: mean 75; busy
 * 2 + 4 + 1 = 7 over 4 = 1.75. */
static void test_failed_query(void)
{
    static const char q[] =
        "concurrency,output_tokens,tokens_per_s,ttft_s,decode_tokens_per_s,"
        "start_s,end_s,error\n"
        "2,200,100,0.1,110,0,2,\n"
        "2,,,,,0.5,1.5,HTTP 500\n"
        "2,100,50,0.4,60,0,4,\n";
    struct sk_level *lv = NULL;
    size_t n = 0;
    int has_times = 0;

    CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "f.csv", q,
                                  strlen(q)),
              0);
    CHECK_INT(n, 1);
    CHECK_INT(lv[0].queries, 3);
    CHECK_INT(lv[0].errors, 1);
    CHECK_NEAR(lv[0].total_output_tokens, 300, 1e-9);
    CHECK_NEAR(lv[0].wall_s, 4, 1e-12);
    CHECK_NEAR(lv[0].throughput_tokens_per_s, 75, 1e-9);
    CHECK_NEAR(lv[0].query_tps[0], 75, 1e-12);
    CHECK_NEAR(lv[0].ttft_s[0], 0.25, 1e-12);
    CHECK_NEAR(lv[0].achieved_concurrency, 1.75, 1e-12);
    free(lv);
}

static void test_no_times(void)
{
    static const char q[] = "concurrency,output_tokens,tokens_per_s,"
                            "ttft_s,decode_tokens_per_s\n"
                            "1,10,5,0.1,6\n1,20,7,0.3,8\n";
    struct sk_level *lv = NULL;
    size_t n = 0;
    int has_times = 1;
    char *out;

    CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "q.csv", q,
                                  strlen(q)),
              0);
    CHECK_INT(has_times, 0);
    out = render(lv, n);
    /* wall_s, throughput and achieved concurrency empty, not invented;
     * p99 of tok/s {5, 7}: h = 0.99 -> 6.98. */
    CHECK(strstr(out, "\n1,2,,30.000000,,6.000000,6.000000,6.800000,"
                      "0.200000,0.200000,0.280000,7.000000,7.000000,"
                      "7.800000,0,0.298000,6.980000,,,\n") != NULL);
    free(out);
    free(lv);
}

static void test_errors(void)
{
    static const struct {
        const char *csv;
        int rc;
        const char *msg;
    } cases[] = {
        {"", SK_ENODATA, "q.csv: empty file"},
        {"concurrency,output_tokens,tokens_per_s,ttft_s,"
         "decode_tokens_per_s\n",
         SK_ENODATA, "q.csv: no per-query rows"},
        {"concurrency,output_tokens,tokens_per_s,ttft_s,"
         "decode_tokens_per_s\n0,1,1,1,1\n",
         SK_EPARSE, "q.csv:2: concurrency must be a number > 0, got '0'"},
        {"concurrency,output_tokens,tokens_per_s,ttft_s,"
         "decode_tokens_per_s\n1,1,x,1,1\n",
         SK_EPARSE, "q.csv:2: column 'tokens_per_s': 'x' is not a finite "
                    "number"},
        {"concurrency,output_tokens,tokens_per_s,ttft_s,"
         "decode_tokens_per_s\n1,1,1,1,1\n1.0,1,1,1,1\n2,1,1,1,1\n",
         SK_EPARSE, "q.csv:3: concurrency '1.0' is the level written '1' "
                    "on line 2; write each level one way"},
    };
    size_t i, n;
    int has_times;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sk_level *lv = NULL;

        CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "q.csv",
                                      cases[i].csv, strlen(cases[i].csv)),
                  cases[i].rc);
        CHECK_STR(sk_error_last(), cases[i].msg);
        CHECK(lv == NULL);
    }
    {
        struct sk_level *lv = NULL;
        static const char q[] = "concurrency,ttft_s\n1,2\n";

        CHECK_INT(sk_summarize_buffer(&lv, &n, &has_times, "q.csv", q,
                                      strlen(q)),
                  SK_ENOTFOUND);
    }
}

/* The file in memory (summarize.h's struct sk_queries), loaded from rows
 * streamed by the caller: every query's columns in file order, each
 * level's key as written and first line, and decode p99 (level 2:
 * decode {25,30}, h = 0.99 -> 29.95; level 10: {50,66} -> 65.84). */
static struct sk_queries *load(const char *name, const char *csv,
                               size_t max, int want_rc)
{
    struct sk_queries *q = NULL;
    int rc;

    CHECK_INT(sk_summarize_begin(&q, name, max), 0);
    rc = sk_table_stream_buffer(name, csv, strlen(csv), NULL,
                                sk_summarize_row, q);
    CHECK_INT(sk_summarize_end(q, rc), want_rc);
    return q;
}

static void test_queries(void)
{
    struct sk_queries *q = load("q.csv", per_query, 0, 0);

    CHECK_INT(q->n, 5);
    CHECK_INT(q->has_times, 1);
    CHECK_NEAR(q->concurrency[0], 10, 0);
    CHECK_NEAR(q->concurrency[4], 2, 0);
    CHECK_NEAR(q->tokens_per_s[1], 40, 0);
    CHECK_NEAR(q->ttft_s[3], 2, 0);
    CHECK(isnan(q->decode_tokens_per_s[4])); /* the empty cell */
    CHECK_NEAR(q->output_tokens[4], 50, 0);
    CHECK_NEAR(q->start_s[4], 10.5, 0);
    CHECK_NEAR(q->end_s[1], 5, 0);
    CHECK_INT(q->nlevels, 2);
    CHECK_STR(q->level_key[0], "2");
    CHECK_STR(q->level_key[1], "10");
    CHECK_INT(q->level_line[0], 4);
    CHECK_INT(q->level_line[1], 2);
    CHECK_NEAR(q->levels[0].decode_tps[3], 29.95, 1e-12);
    CHECK_NEAR(q->levels[1].decode_tps[3], 65.84, 1e-12);
    CHECK_NEAR(q->levels[0].query_tps[3], 24.9, 1e-12);
    CHECK_NEAR(q->levels[1].ttft_s[4], 0.995, 1e-12);
    sk_summarize_queries_free(q);

    /* Without start_s/end_s: no time columns kept. */
    q = load("n.csv",
             "concurrency,output_tokens,tokens_per_s,ttft_s,"
             "decode_tokens_per_s,start_s\n1.50,1,2,3,4,5\n",
             0, 0);
    CHECK_INT(q->has_times, 0);
    CHECK(q->start_s == NULL && q->end_s == NULL);
    CHECK_STR(q->level_key[0], "1.50");
    CHECK_NEAR(q->levels[0].concurrency, 1.5, 0);
    sk_summarize_queries_free(q);

    /* The cap on queries names the line past it. */
    q = load("c.csv", per_query, 3, SK_ELIMIT);
    CHECK_STR(sk_error_last(), "c.csv:5: more than 3 queries");
    sk_summarize_queries_free(q);
    sk_summarize_queries_free(NULL);
}

/* The summary as a sweep, straight from the levels: the numbers its CSV
 * cells hold (six decimals: 65/3 -> 21.666667), empty cells NaN, and each
 * level on the line of its first query in the per-query file. */
static void test_sweep(void)
{
    struct sk_queries *q = load("q.csv", per_query, 0, 0);
    sk_sweep *s = NULL;
    const double *v;

    CHECK_INT(sk_summarize_sweep(&s, "q.csv (summarised)", q), 0);
    if (!s)
        goto done;
    CHECK_STR(sk_sweep_name(s), "q.csv (summarised)");
    CHECK_INT(sk_sweep_levels(s), 2);
    CHECK_NEAR(sk_sweep_concurrency(s)[1], 10, 0);
    CHECK_INT(sk_sweep_line(s, 0), 4);
    CHECK_INT(sk_sweep_line(s, 1), 2);
    CHECK_INT(sk_sweep_column(&v, s, "avg_query_tokens_per_s"), 0);
    CHECK_NEAR(v[0], 21.666667, 0);
    CHECK_INT(sk_sweep_column(&v, s, "queries"), 0);
    CHECK_NEAR(v[0], 3, 0);
    CHECK_INT(sk_sweep_column(&v, s, "p99_ttft_s"), 0);
    CHECK_NEAR(v[1], 0.995, 0);
    CHECK_INT(sk_sweep_column(&v, s, "achieved_concurrency"), 0);
    CHECK_NEAR(v[0], 2.3, 0);
done:
    sk_sweep_free(s);
    sk_summarize_queries_free(q);

    /* No times: throughput is an empty cell, NaN. */
    q = load("n.csv",
             "concurrency,output_tokens,tokens_per_s,ttft_s,"
             "decode_tokens_per_s\n1,10,5,0.1,6\n",
             0, 0);
    CHECK_INT(sk_summarize_sweep(&s, "n", q), 0);
    CHECK(s && sk_sweep_column(&v, s, "throughput_tokens_per_s") == 0 &&
          isnan(v[0]));
    sk_sweep_free(s);
    sk_summarize_queries_free(q);
}

/*
 * Intervals (--confidence): level 1 holds the TTFTs 0.01 .. 2.00 (200
 * queries, shuffled by a stride coprime to 200), so X(k) = k / 100.  The
 * p90 interval is X(l), X(u) for the exact binomial ranks of n = 200,
 * q = 0.9 (sk_stats_quantile_ranks(), checked against independent
 * binomial sums in test_stats.c); p99 has none (P(B = 200) = 0.99^200 =
 * 0.13 leaves too little coverage), so its cells are empty.  A set
 * without a confidence has no interval columns.
 */
static void test_intervals(void)
{
    char *csv = NULL, *out = NULL;
    size_t len = 0, i, l, u;
    FILE *fp = open_memstream(&csv, &len);
    struct sk_queries *q = NULL;
    sk_sweep *s = NULL;
    double cov;
    const double *v;
    int rc;

    fputs("concurrency,output_tokens,tokens_per_s,ttft_s,"
          "decode_tokens_per_s\n", fp);
    for (i = 0; i < 200; i++)
        fprintf(fp, "1,10,5,%.2f,6\n", (double)((i * 37) % 200 + 1) / 100);
    fclose(fp);
    CHECK_INT(sk_summarize_begin(&q, "ci.csv", 0), 0);
    q->confidence = 0.95;
    rc = sk_table_stream_buffer("ci.csv", csv, len, NULL, sk_summarize_row,
                                q);
    CHECK_INT(sk_summarize_end(q, rc), 0);
    CHECK_INT(sk_stats_quantile_ranks(&l, &u, &cov, 200, 0.9, 0.95), 0);
    CHECK(l < 180 && u > 180);
    CHECK_NEAR(q->levels[0].confidence, 0.95, 0);
    CHECK_NEAR(q->levels[0].ttft_ci[1][0], (double)l / 100, 1e-12);
    CHECK_NEAR(q->levels[0].ttft_ci[1][1], (double)u / 100, 1e-12);
    CHECK(isnan(q->levels[0].ttft_ci[3][0]) &&
          isnan(q->levels[0].ttft_ci[3][1]));
    CHECK_INT(sk_summarize_sweep(&s, "ci", q), 0);
    CHECK(s && sk_sweep_column(&v, s, "p90_ttft_s_hi") == 0 &&
          v[0] == (double)u / 100);
    CHECK(s && sk_sweep_column(&v, s, "p99_ttft_s_lo") == 0 && isnan(v[0]));
    sk_sweep_free(s);
    out = render(q->levels, q->nlevels);
    CHECK(out && strstr(out, ",confidence,median_query_tokens_per_s_lo,"));
    CHECK(out && strstr(out, ",0.950000,"));
    free(out);
    sk_summarize_queries_free(q);

    q = load("no.csv", per_query, 0, 0);
    out = render(q->levels, q->nlevels);
    CHECK(out && !strstr(out, "confidence"));
    free(out);
    sk_summarize_queries_free(q);
    free(csv);
}

int main(void)
{
    test_intervals();
    test_levels();
    test_failed_query();
    test_no_times();
    test_errors();
    test_queries();
    test_sweep();
    return sk_test_done("summarize");
}
