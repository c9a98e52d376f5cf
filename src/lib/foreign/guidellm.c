/*
 * GuideLLM's benchmarks.json (docs/formats.md#guidellm): {"benchmarks":
 * [...]}, each benchmark a strategy's run with its statistics under
 * "metrics" (each metric a distribution per status: successful, errored,
 * incomplete, total; request_totals the counts) and sampled request
 * records under "requests" (a reservoir sample: the level's numbers come
 * from "metrics").  A concurrent strategy (its "streams") is a level,
 * synchronous is concurrency 1; a rate strategy (constant, poisson: its
 * "rate") is an open-loop point, as is throughput (no cap, no rate).
 * Source: src/guidellm/benchmark/schemas/ (v0.7.3, metadata.version 2;
 * older versions keep the strategy under "args").
 */
#include "foreign_int.h"

#include "sweepkit/error.h"
#include "sweepkit/metrics.h"

#include <math.h>
#include <string.h>

#define F SK_FOREIGN_GUIDELLM

/* The benchmark's strategy object, wherever the schema version keeps it. */
static const json_t *strategy_of(const json_t *b)
{
    static const char *const homes[] = {"args", "config", "scheduler"};
    const json_t *st;
    size_t i;

    for (i = 0; i < 3; i++)
        if (json_is_object(st = json_object_get(
                               json_object_get(b, homes[i]), "strategy")))
            return st;
    return json_object_get(b, "strategy");
}

/* metrics.NAME.successful (a distribution), or NULL. */
static const json_t *dist(const json_t *metrics, const char *name)
{
    return json_object_get(json_object_get(metrics, name), "successful");
}

static double pct(const json_t *d, const char *p, double sc)
{
    return fl_num(json_object_get(d, "percentiles"), p, sc);
}

static int benchmark(struct fl_set *s, const json_t *b, size_t i)
{
    const json_t *st = strategy_of(b), *m = json_object_get(b, "metrics"),
                 *t, *ttft, *tot = json_object_get(m, "request_totals"),
                 *otc;
    const char *type;
    struct fl_level *l;
    double streams, rate;

    if (!json_is_object(m))
        return fl_bad(s, F, "benchmark %zu has no \"metrics\"", i + 1);
    t = json_object_get(st, "type_");
    if (!json_is_string(t))
        t = json_object_get(st, "type");
    type = json_is_string(t) ? json_string_value(t) : "";
    streams = fl_num(st, "streams", 1);
    rate = fl_num(st, "rate", 1);
    if (!(l = fl_level_add(s)))
        return SK_ENOMEM;
    if (strcmp(type, "synchronous") == 0)
        l->concurrency = 1;
    else if (strcmp(type, "concurrent") == 0 && streams > 0)
        l->concurrency = streams;
    else if (rate > 0)
        l->request_rate = rate;
    else if (strcmp(type, "throughput") != 0)
        return fl_bad(s, F,
                      "benchmark %zu: strategy '%s' is neither concurrent "
                      "(streams), a rate nor throughput",
                      i + 1, type);
    ttft = dist(m, "time_to_first_token_ms");
    l->avg_ttft = fl_num(ttft, "mean", 1e3);
    l->median_ttft = fl_num(ttft, "median", 1e3);
    l->p90_ttft = pct(ttft, "p90", 1e3);
    l->p99_ttft = pct(ttft, "p99", 1e3);
    /* request_latency is in seconds in GuideLLM's reports */
    l->avg_e2e = fl_num(dist(m, "request_latency"), "mean", 1);
    l->p99_e2e = pct(dist(m, "request_latency"), "p99", 1);
    /* output_tokens_per_second is a rate over token events: the
     * throughput is the output tokens over the measured duration */
    otc = dist(m, "output_token_count");
    l->total_output_tokens = fl_num(otc, "total_sum", 1);
    l->achieved_concurrency =
        fl_num(dist(m, "request_concurrency"), "mean", 1);
    if (!tot)
        tot = json_object_get(b, "request_totals");
    /* incomplete requests (cancelled at the run's end) are not queries
     * that finished: successful + errored */
    l->errors = fl_num(tot, "errored", 1);
    l->queries = fl_num(tot, "successful", 1) + l->errors;
    if (isnan(l->queries)) {
        double ok = fl_num(dist(m, "request_latency"), "count", 1),
               bad = fl_num(json_object_get(json_object_get(m,
                                                            "request_latency"),
                                            "errored"),
                            "count", 1);

        l->queries = isnan(bad) ? ok : ok + bad;
        l->errors = bad;
    }
    l->wall_s = fl_num(b, "duration", 1);
    if (isnan(l->wall_s))
        l->wall_s = fl_num(b, "end_time", 1) - fl_num(b, "start_time", 1);
    l->throughput = sk_metric_throughput(l->total_output_tokens, l->wall_s);
    fl_extra(l, "guidellm_mean_time_per_output_token_s",
             fl_num(dist(m, "time_per_output_token_ms"), "mean", 1e3));
    fl_extra(l, "guidellm_mean_inter_token_latency_s",
             fl_num(dist(m, "inter_token_latency_ms"), "mean", 1e3));
    return 0;
}

int fl_read_guidellm(struct fl_set *s, const char *buf, size_t len)
{
    json_error_t err;
    json_t *o = json_loadb(buf, len, 0, &err), *bs;
    size_t i;
    int rc = 0;

    if (!o)
        return fl_bad(s, F, "invalid JSON at line %d, column %d: %s",
                      err.line, err.column, err.text);
    bs = json_object_get(o, "benchmarks");
    if (!json_is_array(bs))
        rc = fl_bad(s, F, "no \"benchmarks\" array");
    for (i = 0; rc == 0 && i < json_array_size(bs); i++)
        rc = benchmark(s, json_array_get(bs, i), i);
    json_decref(o);
    return rc;
}
