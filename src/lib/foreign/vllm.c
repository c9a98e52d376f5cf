/*
 * vLLM's benchmark results (docs/formats.md#vllm): `vllm bench serve
 * --save-result` JSON, one object per run (a file, or JSON Lines from
 * --append-result), with --save-detailed's per-request arrays; and `vllm
 * bench sweep`'s summary.csv, one row per run with the same keys.
 * Source: vllm/benchmarks/serve.py (benchmark(), save_to_pytorch_benchmark
 * _format's neighbours: the result_json dict), vllm/benchmarks/sweep/.
 */
#include "foreign_int.h"

#include "sweepkit/error.h"
#include "sweepkit/metrics.h"
#include "sweepkit/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F SK_FOREIGN_VLLM

/* request_rate: a number, or "inf" (serve.py writes the string). */
static double rate_of(const json_t *o)
{
    const json_t *v = json_object_get(o, "request_rate");

    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v) && strcmp(json_string_value(v), "inf") == 0)
        return INFINITY;
    return NAN;
}

/* Element i of array `a` as a number; NaN for null or anything else. */
static double at(const json_t *a, size_t i)
{
    const json_t *v = json_array_get(a, i);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The run's per-request arrays (--save-detailed) as request rows. */
static int requests(struct fl_set *s, const json_t *o, double conc,
                    const char *where)
{
    const json_t *ttfts = json_object_get(o, "ttfts"),
                 *outs = json_object_get(o, "output_lens"),
                 *ins = json_object_get(o, "input_lens"),
                 *itls = json_object_get(o, "itls"),
                 *errs = json_object_get(o, "errors"),
                 *lats = json_object_get(o, "latencies"),
                 *starts = json_object_get(o, "start_times");
    size_t i, n, first = s->nq;
    double t0 = NAN;

    if (!json_is_array(ttfts) || !json_is_array(outs))
        return 0;
    n = json_array_size(ttfts);
    {
        const json_t *arrays[] = {outs, ins, itls, errs, lats, starts};
        static const char *const names[] = {"output_lens", "input_lens",
                                            "itls", "errors", "latencies",
                                            "start_times"};
        size_t k;

        for (k = 0; k < 6; k++)
            if (json_is_array(arrays[k]) && json_array_size(arrays[k]) != n)
                return fl_bad(s, F,
                              "%sthe per-request arrays differ in length "
                              "(ttfts %zu, %s %zu)",
                              where, n, names[k],
                              json_array_size(arrays[k]));
    }
    for (i = 0; i < n; i++) {
        struct fl_query *q = fl_query_add(s);
        const json_t *e = json_array_get(errs, i), *gaps;
        double lat = NAN;

        if (!q)
            return SK_ENOMEM;
        q->concurrency = conc;
        /* a failure: its reason, or no output (the reason may be "") */
        if ((json_is_string(e) && json_string_length(e) > 0) ||
            !(at(outs, i) > 0)) {
            if (!(q->error = strdup(json_is_string(e) &&
                                            json_string_length(e) > 0
                                        ? json_string_value(e)
                                        : "failed (no output)")))
                return sk_error_set(SK_ENOMEM, "out of memory");
            continue;
        }
        q->ttft_s = at(ttfts, i);
        q->output_tokens = at(outs, i);
        q->input_tokens = at(ins, i);
        if (json_is_array(lats)) {
            lat = at(lats, i);
        } else if (json_is_array(gaps = json_array_get(itls, i))) {
            size_t k;

            /* the latency vLLM measured: first token, then every gap */
            lat = q->ttft_s;
            for (k = 0; k < json_array_size(gaps); k++)
                lat += at(gaps, k);
        }
        if (json_is_array(starts)) {
            q->start_s = at(starts, i);
            q->end_s = q->start_s + lat;
            if (isnan(t0) || q->start_s < t0)
                t0 = q->start_s;
        }
        fl_query_speeds(q, lat);
    }
    /* start_times are perf_counter() readings: from the first send on */
    for (i = first; !isnan(t0) && i < s->nq; i++) {
        s->q[i].start_s -= t0;
        s->q[i].end_s -= t0;
    }
    return 0;
}

/* One run's object: a level, or an open-loop point. */
static int run(struct fl_set *s, const json_t *o, size_t line)
{
    struct fl_level *l;
    double cap = fl_num(o, "max_concurrency", 1), rate = rate_of(o);
    double done = fl_num(o, "completed", 1), failed = fl_num(o, "failed", 1),
           prompts = fl_num(o, "num_prompts", 1);
    char where[32] = "";

    if (line)
        snprintf(where, sizeof(where), "line %zu: ", line);
    if (!json_is_object(o))
        return fl_bad(s, F, "%sexpected a JSON object (one run)", where);
    if (isnan(fl_num(o, "duration", 1)) ||
        isnan(fl_num(o, "output_throughput", 1)) || isnan(done))
        return fl_bad(s, F,
                      "%sno %s: is this a `vllm bench serve "
                      "--save-result` file?",
                      where,
                      isnan(fl_num(o, "duration", 1)) ? "duration"
                      : isnan(done)                   ? "completed"
                                                      : "output_throughput");
    if (fl_num(o, "run_number", 1) < 0)
        return 0; /* vllm bench sweep's warmup run */
    if (!(l = fl_level_add(s)))
        return SK_ENOMEM;
    fl_extra(l, "run_number", fl_num(o, "run_number", 1));
    if (cap > 0) {
        /* never more in flight than prompts; a capped rate keeps its
         * rate beside the cap */
        l->concurrency = prompts > 0 && prompts < cap ? prompts : cap;
        if (rate > 0 && isfinite(rate))
            l->request_rate = rate;
    }
    else if (isinf(rate) && prompts > 0)
        l->concurrency = prompts; /* every prompt sent at once */
    else if (rate > 0)
        l->request_rate = rate;
    else
        return fl_bad(s, F,
                      "%sneither max_concurrency nor a request_rate: "
                      "the run's load is unknown",
                      where);
    if (isnan(failed) && prompts >= done)
        failed = prompts - done;
    l->queries = isnan(failed) ? done : done + failed;
    l->errors = failed;
    l->wall_s = fl_num(o, "duration", 1);
    l->total_output_tokens = fl_num(o, "total_output_tokens", 1);
    l->throughput = fl_num(o, "output_throughput", 1);
    l->avg_ttft = fl_num(o, "mean_ttft_ms", 1e3);
    l->median_ttft = fl_num(o, "median_ttft_ms", 1e3);
    l->p90_ttft = fl_num(o, "p90_ttft_ms", 1e3);
    l->p99_ttft = fl_num(o, "p99_ttft_ms", 1e3);
    l->avg_e2e = fl_num(o, "mean_e2el_ms", 1e3);
    l->p99_e2e = fl_num(o, "p99_e2el_ms", 1e3);
    /* TPOT (decode time per token, mean over requests) and ITL are
     * vLLM's own: kept under their names (docs/formats.md). */
    fl_extra(l, "vllm_mean_tpot_s", fl_num(o, "mean_tpot_ms", 1e3));
    fl_extra(l, "vllm_mean_itl_s", fl_num(o, "mean_itl_ms", 1e3));
    fl_extra(l, "vllm_request_throughput",
             fl_num(o, "request_throughput", 1));
    {
        /* the requests' time in flight over the run's: what an open-loop
         * run's concurrency came to (newer files keep `latencies`) */
        const json_t *lats = json_object_get(o, "latencies");
        double busy = 0;
        size_t i;

        for (i = 0; i < json_array_size(lats); i++)
            busy += json_is_number(json_array_get(lats, i))
                        ? json_number_value(json_array_get(lats, i))
                        : 0;
        if (json_array_size(lats) > 0)
            l->achieved_concurrency =
                sk_metric_achieved_concurrency(busy, l->wall_s);
    }
    return requests(s, o, l->concurrency, where);
}

/* Python's json writes the bare tokens Infinity, -Infinity and NaN
 * (burstiness inf), which JSON has not: outside strings they become
 * values of the same length that read as "not a number" (null, []),
 * in place. */
static void python_tokens(char *buf, size_t len)
{
    size_t i;
    int str = 0;

    for (i = 0; i < len; i++) {
        if (str) {
            if (buf[i] == '\\')
                i++;
            else if (buf[i] == '"')
                str = 0;
        } else if (buf[i] == '"') {
            str = 1;
        } else if (len - i >= 9 && memcmp(buf + i, "-Infinity", 9) == 0) {
            memcpy(buf + i, "null     ", 9);
        } else if (len - i >= 8 && memcmp(buf + i, "Infinity", 8) == 0) {
            memcpy(buf + i, "null    ", 8);
        } else if (len - i >= 3 && memcmp(buf + i, "NaN", 3) == 0) {
            memcpy(buf + i, "[] ", 3);
        }
    }
}

static int whole(struct fl_set *s, const char *buf, size_t len)
{
    json_error_t err;
    json_t *o;
    size_t i;
    int rc = 0;

    if (!(o = json_loadb(buf, len, 0, &err)))
        return fl_bad(s, F, "invalid JSON at line %d, column %d: %s",
                      err.line, err.column, err.text);
    if (json_is_array(o)) /* vllm bench sweep's summary.json */
        for (i = 0; rc == 0 && i < json_array_size(o); i++)
            rc = run(s, json_array_get(o, i), i + 1);
    else
        rc = run(s, o, 0);
    json_decref(o);
    return rc;
}

static int run_line(struct fl_set *s, const json_t *o, size_t line,
                    void *payload)
{
    (void)payload;
    return run(s, o, line);
}

int fl_read_vllm(struct fl_set *s, char *buf, size_t len)
{
    python_tokens(buf, len); /* in place: the file's bytes are ours */
    if (!fl_json_lines(buf, len))
        return whole(s, buf, len);
    return fl_each_line(s, F, buf, len, run_line, NULL);
}

/* summary.csv (pandas' to_csv): an unnamed index column first, then the
 * result's keys, one row per run (--num-runs repeats of each level, told
 * apart by run_number); lists as quoted Python reprs, None as empty. */
int fl_read_vllm_sweep(struct fl_set *s, char *buf, size_t len)
{
    char *line, *save = NULL, *names[256];
    size_t n = 0, row = 0;
    int rc = 0;

    (void)len; /* NUL-terminated: split in place */
    for (line = strtok_r(buf, "\n", &save); line && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        char *cell[256];
        size_t k, m;
        json_t *o;

        line[strcspn(line, "\r")] = '\0';
        if (!*line)
            continue;
        m = fl_csv_cells(line, cell, 256);
        if (row++ == 0) {
            for (n = 0; n < m; n++)
                names[n] = cell[n];
            continue;
        }
        if (!(o = json_object())) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            break;
        }
        /* cells are numbers, "inf", or text (left out) */
        for (k = 0; k < m && k < n; k++) {
            double v;

            if (!names[k][0])
                continue;
            if (strcmp(cell[k], "inf") == 0)
                json_object_set_new(o, names[k], json_string("inf"));
            else if (cell[k][0] &&
                     sk_num_parse(&v, cell[k], strlen(cell[k])) == 0)
                json_object_set_new(o, names[k], json_real(v));
        }
        rc = run(s, o, row);
        json_decref(o);
    }
    return rc;
}
