/*
 * GenAI-Perf's and AIPerf's profile exports (docs/formats.md#genai-perf):
 * the CSV (a statistics table whose first column is the metric's name
 * with its unit, "Time To First Token (ms)", then a blank line and a
 * "Metric,Value" table of throughputs and counts; numbers may carry
 * thousands separators, "1,146.31"), and the JSON (one object per metric,
 * {"unit": "ms", "avg": ..., "p50": ...}).  One export is one level: its
 * concurrency comes from the embedded configuration, else from the
 * artifact directory's name ("...-concurrency8").
 */
#include "foreign_int.h"

#include "sweepkit/error.h"
#include "sweepkit/num.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The statistics of one metric, in seconds where it is a time. */
struct stat_row {
    double avg, p50, p90, p99, value;
};

enum { M_TTFT, M_LATENCY, M_OSL, M_TPUT, M_REQS, M_ERRORS, M_USER_TPUT,
       M_E2E_TPUT, M_TOTAL_OSL, M_ITL, M_DURATION, NM };

/* Which metric a name is (lower-cased, unit cut), or NM. */
static int metric_of(const char *name)
{
    static const struct {
        const char *prefix;
        int m;
    } map[] = {
        {"time to first token", M_TTFT},
        {"time_to_first_token", M_TTFT},
        {"request latency", M_LATENCY},
        {"request_latency", M_LATENCY},
        {"output sequence length", M_OSL},
        {"output_sequence_length", M_OSL},
        {"e2e output token throughput", M_E2E_TPUT},
        {"e2e_output_token_throughput", M_E2E_TPUT},
        {"total osl", M_TOTAL_OSL},
        {"total_osl", M_TOTAL_OSL},
        {"output token throughput per user", M_USER_TPUT},
        {"output_token_throughput_per_user", M_USER_TPUT},
        {"output token throughput", M_TPUT},
        {"output_token_throughput", M_TPUT},
        {"request count", M_REQS},
        {"request_count", M_REQS},
        {"error request count", M_ERRORS},
        {"error_request_count", M_ERRORS},
        {"inter token latency", M_ITL},
        {"inter_token_latency", M_ITL},
        {"benchmark duration", M_DURATION},
        {"benchmark_duration", M_DURATION},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strncmp(name, map[i].prefix, strlen(map[i].prefix)) == 0 &&
            (name[strlen(map[i].prefix)] == '\0' ||
             name[strlen(map[i].prefix)] == ' ' ||
             name[strlen(map[i].prefix)] == '('))
            return map[i].m;
    return NM;
}

/* Whether metric m is a time (its unit is checked and converted). */
static int is_time(int m)
{
    return m == M_TTFT || m == M_LATENCY || m == M_ITL || m == M_DURATION;
}

static int bad_unit(struct fl_set *s, sk_foreign_format f, const char *what,
                    const char *unit)
{
    return fl_bad(s, f, "%s: unit '%.20s' is not a time unit (ms, us, ns, "
                        "s)",
                  what, unit);
}

/* A count or rate: the "Value" section's, else the table's avg. */
static double value_of(const struct stat_row *r)
{
    return isnan(r->value) ? r->avg : r->value;
}

static void level_from(struct fl_level *l, const struct stat_row *r,
                       const int *have)
{
    if (have[M_TTFT]) {
        l->avg_ttft = r[M_TTFT].avg;
        l->median_ttft = r[M_TTFT].p50;
        l->p90_ttft = r[M_TTFT].p90;
        l->p99_ttft = r[M_TTFT].p99;
    }
    if (have[M_LATENCY]) {
        l->avg_e2e = r[M_LATENCY].avg;
        l->p99_e2e = r[M_LATENCY].p99;
    }
    if (have[M_TPUT])
        l->throughput = value_of(&r[M_TPUT]);
    if (have[M_REQS])
        l->queries = value_of(&r[M_REQS]);
    if (have[M_ERRORS]) {
        l->errors = value_of(&r[M_ERRORS]);
        if (!isnan(l->queries))
            l->queries += l->errors; /* counts only the good ones */
    }
    if (have[M_DURATION])
        l->wall_s = value_of(&r[M_DURATION]);
    if (have[M_TOTAL_OSL])
        l->total_output_tokens = value_of(&r[M_TOTAL_OSL]);
    /* Per user: a request's (osl - 1) / (latency - ttft), sweepkit's
     * decode speed; AIPerf's e2e: osl / latency, its per-query speed. */
    if (have[M_USER_TPUT]) {
        l->avg_decode_tps = r[M_USER_TPUT].avg;
        l->median_decode_tps = r[M_USER_TPUT].p50;
        l->p90_decode_tps = r[M_USER_TPUT].p90;
    }
    if (have[M_E2E_TPUT]) {
        l->avg_query_tps = r[M_E2E_TPUT].avg;
        l->median_query_tps = r[M_E2E_TPUT].p50;
        l->p90_query_tps = r[M_E2E_TPUT].p90;
    }
    /* ITL here is per request (latency - ttft) / (osl - 1): kept under
     * the tools' name. */
    if (have[M_ITL])
        fl_extra(l, "genai_perf_avg_inter_token_latency_s", r[M_ITL].avg);
    if (have[M_OSL])
        fl_extra(l, "avg_output_sequence_length", r[M_OSL].avg);
}

/* ---- CSV --------------------------------------------------------------- */

/* A number as the exports print it: "1,146.31" has a thousands comma. */
static double parse_num(const char *s)
{
    char buf[64];
    size_t k = 0;
    double v;

    for (; *s && k + 1 < sizeof(buf); s++)
        if (*s != ',')
            buf[k++] = *s;
    buf[k] = '\0';
    return k && sk_num_parse(&v, buf, k) == 0 ? v : NAN;
}

/* "Time To First Token (ms)" -> "time to first token", unit "ms". */
static void split_name(const char *cell, char *name, size_t cap, char *unit,
                       size_t ucap)
{
    const char *open = strrchr(cell, '(');
    size_t k = open ? (size_t)(open - cell) : strlen(cell), i;

    while (k > 0 && cell[k - 1] == ' ')
        k--;
    for (i = 0; i < k && i + 1 < cap; i++)
        name[i] = (char)tolower((unsigned char)cell[i]);
    name[i] = '\0';
    unit[0] = '\0';
    if (open) {
        const char *close = strchr(open, ')');
        size_t u = close ? (size_t)(close - open - 1) : 0;

        if (u + 1 > ucap)
            u = ucap - 1;
        memcpy(unit, open + 1, u);
        unit[u] = '\0';
    }
}

/* `buf` is split into lines and cells in place (read_buf()'s copy). */
static int read_csv(struct fl_set *s, char *buf, sk_foreign_format f)
{
    struct stat_row r[NM];
    int have[NM] = {0};
    char *line, *save = NULL, *head[32];
    size_t nhead = 0, i;
    struct fl_level *l;

    for (i = 0; i < NM; i++)
        r[i].avg = r[i].p50 = r[i].p90 = r[i].p99 = r[i].value = NAN;
    for (line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *c[32], name[128], unit[32];
        size_t n, k;
        int m;

        line[strcspn(line, "\r")] = '\0';
        if (!*line)
            continue;
        n = fl_csv_cells(line, c, 32);
        if (strcmp(c[0], "Metric") == 0) { /* a section's header */
            for (k = 0; k < n; k++)
                head[k] = c[k];
            nhead = n;
            continue;
        }
        split_name(c[0], name, sizeof(name), unit, sizeof(unit));
        if ((m = metric_of(name)) == NM)
            continue;
        if (is_time(m) && !fl_per_second(unit))
            return bad_unit(s, f, c[0], unit);
        have[m] = 1;
        for (k = 1; k < n && k < nhead; k++) {
            double v =
                parse_num(c[k]) / (is_time(m) ? fl_per_second(unit) : 1);

            if (strcmp(head[k], "avg") == 0)
                r[m].avg = v;
            else if (strcmp(head[k], "p50") == 0)
                r[m].p50 = v;
            else if (strcmp(head[k], "p90") == 0)
                r[m].p90 = v;
            else if (strcmp(head[k], "p99") == 0)
                r[m].p99 = v;
            else if (strcmp(head[k], "Value") == 0)
                r[m].value = v;
        }
    }
    if (!have[M_TTFT] && !have[M_TPUT] && !have[M_LATENCY])
        return fl_bad(s, f, "no Time To First Token, Request Latency or "
                            "Output Token Throughput row");
    if (isnan(s->dir_concurrency))
        return fl_bad(s, f, "the concurrency is neither in the file nor in "
                            "its directory's name (\"...-concurrency8\")");
    if (!(l = fl_level_add(s)))
        return SK_ENOMEM;
    l->concurrency = s->dir_concurrency;
    level_from(l, r, have);
    return 0;
}

/* ---- JSON -------------------------------------------------------------- */

/* The concurrency in an export's embedded configuration: GenAI-Perf's
 * input_config.concurrency, AIPerf's input_config.loadgen.concurrency. */
static double config_concurrency(const json_t *o)
{
    const json_t *cfg = json_object_get(o, "input_config"), *v;

    if (!cfg)
        cfg = json_object_get(o, "user_config");
    if (json_is_number(v = json_object_get(cfg, "concurrency")))
        return json_number_value(v);
    if (json_is_number(v = json_object_get(json_object_get(cfg, "loadgen"),
                                           "concurrency")))
        return json_number_value(v);
    if (json_is_number(v = json_object_get(
                           json_object_get(json_object_get(cfg,
                                                           "perf_analyzer"),
                                           "stimulus"),
                           "concurrency")))
        return json_number_value(v);
    {
        /* newer AIPerf: the "profiling" phase's */
        const json_t *ph = json_object_get(cfg, "phases");
        size_t i;

        for (i = 0; i < json_array_size(ph); i++) {
            const json_t *p = json_array_get(ph, i),
                         *name = json_object_get(p, "name");

            if (json_is_string(name) &&
                strcmp(json_string_value(name), "profiling") == 0 &&
                json_is_number(v = json_object_get(p, "concurrency")))
                return json_number_value(v);
        }
    }
    return NAN;
}

int fl_read_genai_perf_json(struct fl_set *s, const json_t *o,
                            sk_foreign_format f)
{
    struct stat_row r[NM];
    int have[NM] = {0};
    const char *key;
    json_t *v;
    struct fl_level *l;
    double conc = config_concurrency(o);
    size_t i;

    for (i = 0; i < NM; i++)
        r[i].avg = r[i].p50 = r[i].p90 = r[i].p99 = r[i].value = NAN;
    json_object_foreach((json_t *)o, key, v) {
        int m = metric_of(key);
        double sc;

        if (m == NM || !json_is_object(v))
            continue;
        have[m] = 1;
        sc = 1;
        if (is_time(m)) {
            const json_t *u = json_object_get(v, "unit");
            const char *t = json_is_string(u) ? json_string_value(u) : "";

            if (!(sc = fl_per_second(t)))
                return bad_unit(s, f, key, t);
        }
        r[m].avg = fl_num(v, "avg", sc);
        r[m].p50 = fl_num(v, "p50", sc);
        r[m].p90 = fl_num(v, "p90", sc);
        r[m].p99 = fl_num(v, "p99", sc);
        r[m].value = fl_num(v, "value", sc);
    }
    if (!have[M_TTFT] && !have[M_TPUT] && !have[M_LATENCY])
        return fl_bad(s, f, "no time_to_first_token, request_latency or "
                            "output_token_throughput");
    if (isnan(conc))
        conc = s->dir_concurrency;
    if (isnan(conc))
        return fl_bad(s, f, "the concurrency is neither in the file's "
                            "input_config nor in its directory's name "
                            "(\"...-concurrency8\")");
    if (!(l = fl_level_add(s)))
        return SK_ENOMEM;
    l->concurrency = conc;
    level_from(l, r, have);
    return 0;
}

int fl_read_genai_perf(struct fl_set *s, char *buf, size_t len)
{
    const char *p = buf + strspn(buf, " \t\r\n\xEF\xBB\xBF");
    json_error_t err;
    json_t *o;
    int rc;

    if (*p != '{')
        return read_csv(s, buf, SK_FOREIGN_GENAI_PERF);
    if (!(o = json_loadb(buf, len, 0, &err)))
        return fl_bad(s, SK_FOREIGN_GENAI_PERF,
                      "invalid JSON at line %d, column %d: %s", err.line,
                      err.column, err.text);
    rc = fl_read_genai_perf_json(s, o, SK_FOREIGN_GENAI_PERF);
    json_decref(o);
    return rc;
}
