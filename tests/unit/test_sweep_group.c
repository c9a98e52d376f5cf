/* Sweep files that hold several sweeps: grouping, failed levels and the
 * message when no grouping applies. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/sweep.h"

#include <stdlib.h>

static int load(sk_sweep_set **set, const char *csv, const char *by)
{
    return sk_sweep_set_load_buffer(set, "g.csv", csv, strlen(csv), by);
}

/* full_sweep.py's layout, two configurations, CRLF, one failed cell. */
static const char grid[] =
    "instances,decode_concurrency,prompt_concurrency,concurrency,"
    "throughput_tps,total_tokens,elapsed_s,errors\r\n"
    "1,8,2,1,41.6,512,12.32,0\r\n"
    "1,8,2,2,74.9,1024,13.67,0\r\n"
    "1,8,2,4,126.1,2048,16.24,0\r\n"
    "2,8,2,1,40.0,512,12.80,0\r\n"
    "2,8,2,2,0.0,0,0.00,8\r\n"
    "2,8,2,4,150.2,2048,13.64,1\r\n";

static void test_auto(void)
{
    sk_sweep_set *set = NULL;
    const sk_sweep *a, *b;
    const double *tp;
    sk_sweep *ok = NULL;
    struct sk_sweep_left_out lo;

    CHECK_INT(load(&set, grid, NULL), 0);
    CHECK_INT(sk_sweep_set_count(set), 2);
    /* instances varies; decode and prompt concurrency do not */
    CHECK_STR(sk_sweep_set_group_by(set), "instances");
    a = sk_sweep_set_get(set, 0);
    b = sk_sweep_set_get(set, 1);
    CHECK_STR(sk_sweep_group(a), "instances=1");
    CHECK_STR(sk_sweep_name(b), "g.csv [instances=2]");
    CHECK_INT(sk_sweep_levels(b), 3);
    CHECK_INT(sk_sweep_line(b, 1), 6);
    CHECK_INT(sk_sweep_nfailed(a), 0);
    /* errors with tokens is not a failed level; errors and none is */
    CHECK_INT(sk_sweep_nfailed(b), 1);
    CHECK_INT(sk_sweep_failed(b, 1), 1);
    CHECK_INT(sk_sweep_failed(b, 2), 0);
    CHECK_INT(sk_sweep_has_column(b, "throughput_tps"), 1);
    CHECK_INT(sk_sweep_has_column(b, "throughput_tokens_per_s"), 0);
    CHECK_INT(sk_sweep_analysable(&ok, &lo, b, 0), 0);
    CHECK_INT(lo.failed.n, 1);
    CHECK_NEAR(lo.failed.x[0], 2, 0);
    CHECK_INT(lo.partial.n, 0);
    CHECK_INT(sk_sweep_levels(ok), 2);
    CHECK_INT(sk_sweep_column(&tp, ok, "throughput_tps"), 0);
    CHECK_NEAR(tp[0], 40.0, 0);
    CHECK_NEAR(tp[1], 150.2, 0);
    CHECK_NEAR(sk_sweep_concurrency(ok)[1], 4, 0);
    CHECK_STR(sk_sweep_group(ok), "instances=2");
    sk_sweep_free(ok);
    sk_sweep_set_free(set);
}

static void test_explicit(void)
{
    sk_sweep_set *set = NULL;

    /* grouping on a column that does not split the levels apart */
    CHECK_INT(load(&set, grid, "decode_concurrency"), SK_EPARSE);
    CHECK_STR(sk_error_last(),
              "g.csv [decode_concurrency=8]:5: concurrency 1 appears twice "
              "(also line 2): the file holds several sweeps, told apart "
              "by instances; give --group-by decode_concurrency,instances");
    CHECK_INT(load(&set, grid, "instances,decode_concurrency"), 0);
    CHECK_INT(sk_sweep_set_count(set), 2);
    CHECK_STR(sk_sweep_group(sk_sweep_set_get(set, 1)),
              "instances=2 decode_concurrency=8");
    sk_sweep_set_free(set);
    CHECK_INT(load(&set, grid, "instance"), SK_ENOTFOUND);
    CHECK_STR(sk_error_last(),
              "--group-by: g.csv: no column 'instance'; available: "
              "instances, decode_concurrency, prompt_concurrency, "
              "concurrency, throughput_tps, total_tokens, elapsed_s, errors");
    CHECK_INT(load(&set, grid, "concurrency"), SK_EINVAL);
    /* one sweep: no grouping, whatever the file's columns */
    CHECK_INT(load(&set, "max_tokens,concurrency,throughput_tps\n"
                         "128,1,40\n128,2,80\n", NULL), 0);
    CHECK_INT(sk_sweep_set_count(set), 1);
    CHECK_STR(sk_sweep_set_group_by(set), "");
    CHECK_STR(sk_sweep_group(sk_sweep_set_get(set, 0)), "");
    sk_sweep_set_free(set);
}

/* Several sweeps told apart by a column no format declares: no automatic
 * grouping, and the message names the column. */
static void test_several(void)
{
    sk_sweep_set *set = NULL;
    sk_sweep *s = NULL;
    static const char quant[] = "quant,concurrency,tps\n"
                                "q4,1,40\nq4,2,80\nq8,1,30\nq8,2,55\n";
    static const char dup[] = "concurrency,tps\n1,40\n2,80\n1,41\n";

    CHECK_INT(load(&set, quant, NULL), SK_EPARSE);
    CHECK_STR(sk_error_last(),
              "g.csv:4: concurrency 1 appears twice (also line 2): the file "
              "holds several sweeps, told apart by quant; give --group-by quant");
    CHECK_INT(load(&set, quant, "quant"), 0);
    CHECK_INT(sk_sweep_set_count(set), 2);
    CHECK_STR(sk_sweep_group(sk_sweep_set_get(set, 1)), "quant=q8");
    sk_sweep_set_free(set);
    /* the plain loader says the same of a grid (numbers compared) */
    CHECK_INT(sk_sweep_load_buffer(&s, "g.csv", grid, strlen(grid)),
              SK_EPARSE);
    CHECK_STR(sk_error_last(),
              "g.csv:5: concurrency 1 appears twice (also line 2): the file "
              "holds several sweeps, told apart by instances; give "
              "--group-by instances");
    /* a level measured twice is not two sweeps */
    CHECK_INT(load(&set, dup, NULL), SK_EPARSE);
    CHECK_STR(sk_error_last(), "g.csv:4: concurrency 1 appears twice (also "
                               "line 2); one summary row per level");
}

static void test_all_failed(void)
{
    struct sk_sweep_left_out lo;
    sk_sweep_set *set = NULL;
    sk_sweep *ok = NULL;

    CHECK_INT(load(&set, "concurrency,throughput_tps,total_tokens,errors\n"
                         "1,0.0,0,1\n2,0.0,0,2\n", NULL), 0);
    CHECK_INT(sk_sweep_nfailed(sk_sweep_set_get(set, 0)), 2);
    CHECK_INT(sk_sweep_analysable(&ok, &lo, sk_sweep_set_get(set, 0), 0),
              SK_ENODATA);
    CHECK_STR(sk_error_last(), "g.csv: every level failed (errors and no "
                               "tokens)");
    sk_sweep_set_free(set);
}

/* A stopped collect's summary: level 4 ran 3 of its 8 queries. */
static void test_partial(void)
{
    static const char csv[] =
        "concurrency,queries,errors,throughput_tokens_per_s,"
        "planned_queries\n"
        "1,8,0,10,8\n2,8,0,19,8\n4,3,0,30,8\n";
    struct sk_sweep_left_out lo;
    sk_sweep *s = NULL, *ok = NULL;
    char list[64];

    CHECK_INT(sk_sweep_load_buffer(&s, "p.csv", csv, strlen(csv)), 0);
    CHECK_INT(sk_sweep_npartial(s), 1);
    CHECK_INT(sk_sweep_partial(s, 2), 1);
    CHECK_INT(sk_sweep_partial(s, 1), 0);
    CHECK_INT(sk_sweep_nfailed(s), 0);
    CHECK_INT(sk_sweep_analysable(&ok, &lo, s, 0), 0);
    CHECK_INT(sk_sweep_levels(ok), 2);
    CHECK_INT(lo.partial.n, 1);
    sk_sweep_levels_list(list, sizeof(list), &lo.partial, ", ");
    CHECK_STR(list, "4");
    sk_sweep_free(ok);
    CHECK_INT(sk_sweep_analysable(&ok, &lo, s, 1), 0);
    CHECK_INT(sk_sweep_levels(ok), 3);
    CHECK_INT(lo.partial.n, 0);
    sk_sweep_free(ok);
    sk_sweep_free(s);

    CHECK_INT(sk_sweep_load_buffer(&s, "p.csv",
                                   "concurrency,queries,planned_queries\n"
                                   "1,2,8\n", 42),
              0);
    CHECK_INT(sk_sweep_analysable(&ok, &lo, s, 0), SK_ENODATA);
    CHECK_STR(sk_error_last(), "p.csv: no level finished: 1 partial (fewer "
                               "queries than planned), 0 failed; give "
                               "--include-partial to use the partial ones");
    sk_sweep_free(s);
}

static void test_fixtures(void)
{
    const char *dir = getenv("SK_FIXTURES");
    char path[1024];
    sk_sweep_set *set = NULL;
    size_t i, failed = 0;

    if (!dir)
        return;
    snprintf(path, sizeof(path), "%s/grids/full_sweep.csv", dir);
    CHECK_INT(sk_sweep_set_load(&set, path, NULL), 0);
    CHECK_INT(sk_sweep_set_count(set), 8);
    CHECK_STR(sk_sweep_set_group_by(set),
              "instances,decode_concurrency,prompt_concurrency");
    for (i = 0; i < sk_sweep_set_count(set); i++) {
        CHECK_INT(sk_sweep_levels(sk_sweep_set_get(set, i)), 7);
        failed += sk_sweep_nfailed(sk_sweep_set_get(set, i));
    }
    CHECK_INT(failed, 1);
    CHECK_INT(sk_sweep_nfailed(sk_sweep_set_get(set, 7)), 1);
    CHECK_STR(sk_sweep_group(sk_sweep_set_get(set, 7)),
              "instances=2 decode_concurrency=16 prompt_concurrency=4");
    sk_sweep_set_free(set);
    snprintf(path, sizeof(path), "%s/grids/round_robin.csv", dir);
    CHECK_INT(sk_sweep_set_load(&set, path, NULL), 0);
    CHECK_INT(sk_sweep_set_count(set), 4);
    CHECK_STR(sk_sweep_group(sk_sweep_set_get(set, 3)), "max_tokens=1024");
    CHECK_INT(sk_sweep_nfailed(sk_sweep_set_get(set, 3)), 1);
    sk_sweep_set_free(set);
}

int main(void)
{
    test_auto();
    test_explicit();
    test_several();
    test_all_failed();
    test_partial();
    test_fixtures();
    return sk_test_done("sweep_group");
}
