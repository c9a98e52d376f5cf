/* The metric definitions, with the edges that must give "missing". */
#include "harness.h"

#include "sweepkit/metrics.h"

/* The Pareto frontier, both maximised: (1,5) (3,3) (5,1) trade off; (2,2)
 * is beaten by (3,3); (3,3) twice: both on it; NaN never. */
static void test_pareto(void)
{
    static const double a[] = {1, 3, 5, 2, 3, NAN}, b[] = {5, 3, 1, 2, 3, 9};
    unsigned char on[6];

    sk_metric_pareto(on, a, b, 6);
    CHECK(on[0] && on[1] && on[2] && !on[3] && on[4] && !on[5]);
}

/* A timeline in 1 s bins: query A runs 0-2 s (first token at 0, 20
 * tokens), B 1-3 s (first token at 2, 10 tokens): in flight 1, 2, 1;
 * tokens/s 10 (A), 10 (A), 10 (B).  A failed query (NaN tokens) holds
 * its slot, adds no tokens; one without times is left out. */
static void test_timeline(void)
{
    static const double start[] = {0, 1, 2.5, NAN}, end[] = {2, 3, 3, 1},
                        ttft[] = {0, 1, NAN, 0}, tokens[] = {20, 10, NAN, 5};
    double inflight[3], rate[3];

    sk_metric_timeline(inflight, rate, 3, 0, 1, start, end, ttft, tokens, 2);
    CHECK_NEAR(inflight[0], 1, 1e-12);
    CHECK_NEAR(inflight[1], 2, 1e-12);
    CHECK_NEAR(inflight[2], 1, 1e-12);
    CHECK_NEAR(rate[0], 10, 1e-12);
    CHECK_NEAR(rate[1], 10, 1e-12);
    CHECK_NEAR(rate[2], 10, 1e-12);
    sk_metric_timeline(inflight, rate, 3, 0, 1, start, end, ttft, tokens, 4);
    CHECK_NEAR(inflight[2], 1.5, 1e-12);
    CHECK_NEAR(rate[2], 10, 1e-12);
}

int main(void)
{
    test_pareto();
    test_timeline();
    {
        /* Steady state at concurrency 2: the second query's start (1 s)
         * fills both slots, the end at 5 s drops them for good; tokens
         * spread over each query's life (TTFT 0): 10 + 30 + 30 + 10 in
         * 4 s = 20 tok/s, where the wall clock says 100 in 6 s. */
        const double start[] = {0, 1, 2, 4}, end[] = {2, 4, 5, 6},
                     ttft[] = {0, 0, 0, 0}, tok[] = {20, 30, 30, 20};
        double scratch[8], w;

        CHECK_NEAR(sk_metric_steady_throughput(&w, start, end, ttft, tok, 4,
                                               2, scratch),
                   20, 1e-12);
        CHECK_NEAR(w, 4, 1e-12);
        /* one wave (fewer than twice the concurrency): none */
        CHECK(isnan(sk_metric_steady_throughput(&w, start, end, ttft, tok,
                                                4, 3, scratch)));
        CHECK(isnan(w));
        /* a query without times: none, not a guess */
        {
            const double bad[] = {0, NAN, 2, 4};

            CHECK(isnan(sk_metric_steady_throughput(&w, bad, end, ttft, tok,
                                                    4, 2, scratch)));
        }
    }
    /* A query: 512 tokens in 2.5 s, first after 0.5 s. */
    CHECK_NEAR(sk_metric_query_tokens_per_s(512, 2.5), 204.8, 1e-12);
    CHECK_NEAR(sk_metric_decode_s(2.5, 0.5), 2.0, 1e-15);
    CHECK_NEAR(sk_metric_decode_tokens_per_s(512, 2.5, 0.5), 255.5, 1e-12);
    CHECK_NEAR(sk_metric_prefill_tokens_per_s(100, 0.5), 200, 1e-12);
    /* The first fixture level: 65536 tokens at 204.29 tok/s. */
    CHECK_NEAR(sk_metric_throughput(65536, 65536 / 204.29), 204.29, 1e-9);

    CHECK(isnan(sk_metric_query_tokens_per_s(512, 0)));
    CHECK(isnan(sk_metric_query_tokens_per_s(512, -1)));
    CHECK(isnan(sk_metric_query_tokens_per_s(NAN, 1)));
    CHECK(isnan(sk_metric_decode_tokens_per_s(1, 2.5, 0.5)));
    CHECK(isnan(sk_metric_decode_tokens_per_s(512, 0.5, 0.5)));
    CHECK(isnan(sk_metric_decode_s(0.4, 0.5)));
    CHECK(isnan(sk_metric_throughput(100, 0)));
    CHECK_NEAR(sk_metric_query_tokens_per_s(0, 1), 0, 0);
    return sk_test_done("metrics");
}
