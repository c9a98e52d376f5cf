/* The metric definitions, with the edges that must give "missing". */
#include "harness.h"

#include "sweepkit/metrics.h"

int main(void)
{
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
