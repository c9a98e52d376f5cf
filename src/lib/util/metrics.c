#include "sweepkit/metrics.h"

#include <math.h>

static double ratio(double num, double den)
{
    return den > 0 && num >= 0 ? num / den : NAN;
}

double sk_metric_query_tokens_per_s(double output_tokens, double duration_s)
{
    return ratio(output_tokens, duration_s);
}

double sk_metric_decode_s(double duration_s, double ttft_s)
{
    return duration_s >= ttft_s && ttft_s >= 0 ? duration_s - ttft_s : NAN;
}

double sk_metric_decode_tokens_per_s(double output_tokens, double duration_s,
                                     double ttft_s)
{
    /* The first token is TTFT's; decoding produces the rest. */
    if (!(output_tokens >= 2))
        return NAN;
    return ratio(output_tokens - 1, sk_metric_decode_s(duration_s, ttft_s));
}

double sk_metric_decode_tokens(double output_tokens)
{
    return output_tokens >= 1 ? output_tokens - 1 : NAN;
}

double sk_metric_prefill_tokens_per_s(double prompt_tokens, double ttft_s)
{
    return ratio(prompt_tokens, ttft_s);
}

double sk_metric_throughput(double total_output_tokens, double wall_s)
{
    return ratio(total_output_tokens, wall_s);
}

double sk_metric_achieved_concurrency(double busy_s, double wall_s)
{
    return ratio(busy_s, wall_s);
}

size_t sk_metric_peak(const double *y, size_t n)
{
    size_t i, best = n;

    for (i = 0; i < n; i++)
        if (!isnan(y[i]) && (best == n || y[i] > y[best]))
            best = i;
    return best;
}
