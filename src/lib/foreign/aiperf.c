/*
 * AIPerf's exports (docs/formats.md#aiperf): profile_export_aiperf.json
 * (the statistics per metric, as GenAI-Perf's JSON, under "records" in
 * newer versions; the run's configuration beside them) and the
 * per-request profile_export.jsonl: one record a line, {"metadata":
 * {"request_start_ns", "request_end_ns", ...}, "metrics": {NAME: {"value",
 * "unit"}}, "error": null or an object}.  The CSV export has GenAI-Perf's
 * layout and is read by genai_perf.c.
 */
#include "foreign_int.h"

#include "sweepkit/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F SK_FOREIGN_AIPERF

/* A per-record metric {"value": V, "unit": U} in seconds (times) or as
 * is (counts). */
static double metric(const json_t *metrics, const char *name)
{
    const json_t *m = json_object_get(metrics, name), *u;
    double sc = 1;

    if (json_is_number(m))
        return json_number_value(m);
    u = json_object_get(m, "unit");
    if (json_is_string(u) && fl_per_second(json_string_value(u)))
        sc = fl_per_second(json_string_value(u)); /* a time: to seconds */
    return fl_num(m, "value", sc);
}

/* One record of profile_export.jsonl. */
static int record(struct fl_set *s, const json_t *o, size_t line,
                  void *payload)
{
    double *t0 = payload;
    const json_t *md = json_object_get(o, "metadata"),
                 *mx = json_object_get(o, "metrics"),
                 *err = json_object_get(o, "error");
    struct fl_query *q;
    double start = fl_num(md, "request_start_ns", 1e9),
           end = fl_num(md, "request_end_ns", 1e9), lat;

    if (!json_is_object(o) || !json_is_object(md))
        return fl_bad(s, F, "line %zu: a record without \"metadata\"", line);
    if (isnan(start) || isnan(end))
        return fl_bad(s, F,
                      "line %zu: no request_start_ns / request_end_ns in "
                      "the record's metadata",
                      line);
    if (!(q = fl_query_add(s)))
        return SK_ENOMEM;
    if (isnan(*t0) || start < *t0)
        *t0 = start;
    q->concurrency = s->dir_concurrency;
    q->unplaced = isnan(q->concurrency);
    q->start_s = start;
    q->end_s = end;
    if (err && !json_is_null(err)) {
        const json_t *m = json_object_get(err, "message");

        q->error = strdup(json_is_string(m) ? json_string_value(m)
                                            : "failed");
        return q->error ? 0 : sk_error_set(SK_ENOMEM, "out of memory");
    }
    {
        /* the times must be in a time unit */
        static const char *const times[] = {"time_to_first_token",
                                            "request_latency"};
        size_t k;

        for (k = 0; k < 2; k++) {
            const json_t *u = json_object_get(json_object_get(mx, times[k]),
                                              "unit");

            if (json_is_string(u) && !fl_per_second(json_string_value(u)))
                return fl_bad(s, F,
                              "line %zu: %s: unit '%.20s' is not a time "
                              "unit (ms, us, ns, s)",
                              line, times[k], json_string_value(u));
        }
    }
    q->ttft_s = metric(mx, "time_to_first_token");
    q->output_tokens = metric(mx, "output_sequence_length");
    if (isnan(q->output_tokens))
        q->output_tokens = metric(mx, "output_token_count");
    q->input_tokens = metric(mx, "input_sequence_length");
    lat = metric(mx, "request_latency");
    if (isnan(lat))
        lat = end - start;
    fl_query_speeds(q, lat);
    return 0;
}

static int read_jsonl(struct fl_set *s, const char *buf, size_t len)
{
    size_t first = s->nq, i;
    double t0 = NAN;
    int rc;

    /* the records carry no concurrency: the directory's name, else the
     * summary export beside them (foreign.c's fill_concurrency()) */
    if ((rc = fl_each_line(s, F, buf, len, record, &t0)) != 0)
        return rc;
    /* times from the first request's start, as collect writes them */
    for (i = first; i < s->nq; i++) {
        s->q[i].start_s -= t0;
        s->q[i].end_s -= t0;
    }
    return 0;
}

int fl_read_aiperf(struct fl_set *s, const char *buf, size_t len)
{
    json_error_t err;
    json_t *o, *rec;
    int rc;

    if (fl_json_lines(buf, len))
        return read_jsonl(s, buf, len);
    if (!(o = json_loadb(buf, len, 0, &err)))
        return fl_bad(s, F, "invalid JSON at line %d, column %d: %s",
                      err.line, err.column, err.text);
    if (json_object_get(o, "metadata") && json_object_get(o, "metrics")) {
        /* a JSONL file of one record without a line end */
        json_decref(o);
        return read_jsonl(s, buf, len);
    }
    rec = json_object_get(o, "records");
    if (json_is_object(rec)) {
        /* the statistics under "records", the configuration beside */
        json_t *both = json_deep_copy(rec);

        if (!both) {
            json_decref(o);
            return sk_error_set(SK_ENOMEM, "out of memory");
        }
        json_object_set(both, "input_config", json_object_get(o,
                                                              "input_config"));
        json_object_set(both, "user_config", json_object_get(o,
                                                             "user_config"));
        rc = fl_read_genai_perf_json(s, both, F);
        json_decref(both);
    } else {
        rc = fl_read_genai_perf_json(s, o, F);
    }
    json_decref(o);
    return rc;
}
