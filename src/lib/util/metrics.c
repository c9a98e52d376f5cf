#include "sweepkit/metrics.h"

#include <math.h>
#include <stdlib.h>

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

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double sk_metric_steady_throughput(double *window_s, const double *start,
                                   const double *end, const double *ttft,
                                   const double *tokens, size_t n,
                                   double concurrency, double *scratch)
{
    double from = NAN, to = NAN, sum = 0, *s = scratch, *e = scratch + n;
    size_t i, a = 0, b = 0, m = 0, count = n;
    double inflight = 0;

    *window_s = NAN;
    /* a query without times held no known slot: left out */
    for (i = 0; i < n; i++)
        if (isfinite(start[i]) && isfinite(end[i]) && end[i] >= start[i]) {
            s[m] = start[i];
            e[m++] = end[i];
        }
    if (!(concurrency >= 1) || (double)m < 2 * concurrency)
        return NAN;
    n = m;
    qsort(s, n, sizeof(*s), by_value);
    qsort(e, n, sizeof(*e), by_value);
    /* the starts and ends in time order, an end first at a tie (a slot
     * freed and taken at one moment is not two in flight) */
    while (a < n || b < n) {
        int full = inflight >= concurrency;

        if (b < n && (a == n || e[b] <= s[a])) {
            inflight--;
            if (full && inflight < concurrency)
                to = e[b]; /* the last such drop wins */
            b++;
        } else {
            inflight++;
            if (isnan(from) && inflight >= concurrency)
                from = s[a];
            a++;
        }
    }
    if (!(to > from))
        return NAN;
    for (i = 0; i < count; i++) {
        /* no TTFT known: spread over the whole duration */
        double t0 = start[i] + (isnan(ttft[i]) ? 0 : ttft[i]), t1 = end[i];
        double lo, hi;

        if (!(tokens[i] > 0) || !isfinite(t0) || !isfinite(t1) || t1 < t0)
            continue;
        if (t1 == t0) { /* every token at once (no stream): at its end */
            sum += t1 > from && t1 <= to ? tokens[i] : 0;
            continue;
        }
        lo = t0 > from ? t0 : from;
        hi = t1 < to ? t1 : to;
        if (hi > lo)
            sum += tokens[i] * (hi - lo) / (t1 - t0);
    }
    *window_s = to - from;
    return sum / (to - from);
}

int sk_metric_single_wave(double queries, double concurrency)
{
    return queries >= 1 && queries <= concurrency;
}

void sk_metric_pareto(unsigned char *on, const double *a, const double *b,
                      size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        on[i] = !isnan(a[i]) && !isnan(b[i]);
        for (j = 0; j < n && on[i]; j++)
            if (j != i && a[j] >= a[i] && b[j] >= b[i] &&
                (a[j] > a[i] || b[j] > b[i]))
                on[i] = 0;
    }
}

/* Add `amount` spread evenly over [a, b) to the bins of v (amount at b
 * when the span is empty). */
static void spread(double *v, size_t nbins, double t0, double bin_s,
                   double a, double b, double amount)
{
    double lo = (a - t0) / bin_s, hi = (b - t0) / bin_s;
    size_t k, k0, k1;

    if (!(hi > lo)) { /* an instant */
        if (hi >= 0 && hi < (double)nbins)
            v[(size_t)hi] += amount;
        return;
    }
    if (hi <= 0 || lo >= (double)nbins)
        return;
    k0 = lo > 0 ? (size_t)lo : 0;
    k1 = hi < (double)nbins ? (size_t)hi : nbins - 1;
    for (k = k0; k <= k1; k++) {
        double from = fmax(lo, (double)k), to = fmin(hi, (double)k + 1);

        if (to > from)
            v[k] += amount * (to - from) / (hi - lo);
    }
}

void sk_metric_timeline(double *inflight, double *rate, size_t nbins,
                        double t0, double bin_s, const double *start,
                        const double *end, const double *ttft,
                        const double *tokens, size_t n)
{
    size_t i, k;

    for (k = 0; k < nbins; k++)
        inflight[k] = rate[k] = 0;
    if (!(bin_s > 0))
        return;
    for (i = 0; i < n; i++) {
        double s = start[i], e = end[i], first;

        if (!isfinite(s) || !isfinite(e) || e < s)
            continue;
        /* busy time per bin over the bin's length: a mean count */
        spread(inflight, nbins, t0, bin_s, s, e, (e - s) / bin_s);
        if (!(tokens[i] > 0))
            continue;
        first = s + (isnan(ttft[i]) ? 0 : ttft[i]);
        spread(rate, nbins, t0, bin_s, first < e ? first : e, e,
               tokens[i] / bin_s);
    }
}
