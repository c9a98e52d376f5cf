/*
 * The open-loop chart (`plot --kind rate`): throughput, time to first
 * token and request latency against the request rate, one colour per
 * run, stacked panels on one rate axis.
 */
#include "sweepkit/chart_sweep.h"

#include "sweepkit/error.h"
#include "sweepkit/openloop.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define KEY_RGB 0x555555 /* the statistics' line styles, in the legend */

/* Does any run have a value of column c? */
static int any(const sk_openloop *const *runs, size_t n, sk_openloop_column c)
{
    size_t i, j;

    for (i = 0; i < n; i++)
        for (j = 0; j < sk_openloop_runs(runs[i]); j++)
            if (isfinite(sk_openloop_values(runs[i], c)[j]))
                return 1;
    return 0;
}

/* Panel `id` at `row`: the runs' columns a (solid) and b (dotted, may be
 * absent), a log10 y axis when their values span two decades and `log`
 * allows. */
static int latency_panel(sk_chart *c, const sk_openloop *const *runs,
                         const char *const *labels, size_t n, unsigned row,
                         const char *id, const char *ylabel,
                         sk_openloop_column a, sk_openloop_column b,
                         sk_chart_log log, int bottom)
{
    sk_chart_panel_opts p;
    double lo = INFINITY, hi = 0;
    size_t pi, i, j, k;
    int rc, with_b = b < SK_OPENLOOP_NCOLUMNS && any(runs, n, b);
    const sk_openloop_column cols[2] = {a, b};
    static const char *const stat[2] = {"mean", "p99"};

    for (i = 0; i < n; i++)
        for (k = 0; k < 1u + (size_t)with_b; k++)
            for (j = 0; j < sk_openloop_runs(runs[i]); j++) {
                double v = sk_openloop_values(runs[i], cols[k])[j];

                if (isfinite(v) && v > 0) {
                    lo = fmin(lo, v);
                    hi = fmax(hi, v);
                }
            }
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.row = row;
    p.x_group = 1;
    p.x.label = bottom ? "Request rate (requests/s)" : NULL;
    p.x.include_zero = 1;
    p.y.label = ylabel;
    p.y.scale = sk_chart_log_wanted(log, lo, hi) ? SK_CHART_LOG10
                                                 : SK_CHART_LINEAR;
    p.y.include_zero = p.y.scale == SK_CHART_LINEAR;
    if ((rc = sk_chart_add_panel(&pi, c, &p)) != 0)
        return rc;
    for (k = 0; k < 2; k++) {
        sk_chart_style key;

        if (k == 1 && !with_b)
            break;
        for (i = 0; i < n; i++) {
            sk_chart_style st = sk_chart_run_style(i);

            st.dash = k ? SK_CHART_DOTTED : SK_CHART_SOLID;
            st.name = k == 0 && row == 0 ? labels[i] : NULL;
            if ((rc = sk_chart_add_series(c, pi, &st, sk_openloop_rate(runs[i]),
                                          sk_openloop_values(runs[i],
                                                             cols[k]),
                                          sk_openloop_runs(runs[i]))) != 0)
                return rc;
        }
        if (!with_b)
            break;
        memset(&key, 0, sizeof(key));
        key.name = stat[k];
        key.rgb = KEY_RGB;
        key.line = 1;
        key.dash = k ? SK_CHART_DOTTED : SK_CHART_SOLID;
        if ((rc = sk_chart_add_legend(c, pi, &key)) != 0)
            return rc;
    }
    return 0;
}

int sk_chart_rate_new(sk_chart **out, const sk_openloop *const *runs,
                      const char *const *labels, size_t n,
                      const sk_chart_plot_opts *o)
{
    sk_chart *c = NULL;
    char title[256];
    int ttft, e2e, rc;
    unsigned row = 0;

    *out = NULL;
    if (n == 0 || n > SK_CHART_RUN_STYLES)
        return sk_error_set(SK_EINVAL, "%zu runs: expected 1 to %d", n,
                            SK_CHART_RUN_STYLES);
    ttft = any(runs, n, SK_OPENLOOP_AVG_TTFT) ||
           any(runs, n, SK_OPENLOOP_P99_TTFT);
    e2e = any(runs, n, SK_OPENLOOP_AVG_E2E) ||
          any(runs, n, SK_OPENLOOP_P99_E2E);
    if (n == 1)
        snprintf(title, sizeof(title),
                 "Throughput and latency vs request rate \xE2\x80\x94 %s",
                 labels[0]);
    else
        snprintf(title, sizeof(title),
                 "Throughput and latency vs request rate \xE2\x80\x94 %zu "
                 "runs",
                 n);
    if ((rc = sk_chart_new(&c, o->title ? o->title : title)) != 0)
        return rc;
    rc = latency_panel(c, runs, labels, n, row++, "throughput",
                       "Throughput (tok/s)", SK_OPENLOOP_THROUGHPUT,
                       SK_OPENLOOP_NCOLUMNS, SK_CHART_LOG_OFF,
                       !ttft && !e2e);
    if (rc == 0 && ttft)
        rc = latency_panel(c, runs, labels, n, row++, "ttft", "TTFT (s)",
                           SK_OPENLOOP_AVG_TTFT, SK_OPENLOOP_P99_TTFT,
                           o->log_y, !e2e);
    if (rc == 0 && e2e)
        rc = latency_panel(c, runs, labels, n, row++, "e2e",
                           "Request latency (s)", SK_OPENLOOP_AVG_E2E,
                           SK_OPENLOOP_P99_E2E, o->log_y, 1);
    if (rc == 0 && !ttft)
        rc = sk_chart_add_note(c, "no TTFT in the data: that panel is left "
                                  "out");
    if (rc == 0 && !e2e)
        rc = sk_chart_add_note(c, "no request latency in the data: that "
                                  "panel is left out");
    if (rc != 0) {
        sk_chart_free(c);
        return rc;
    }
    *out = c;
    return 0;
}
