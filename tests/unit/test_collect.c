/*
 * collect end to end: the real `sweepkit collect` binary ($SK_BIN) against
 * serve-sim (ground truth: its --log, tied to each query by the
 * X-Request-Id the collector sends) and against tests/unit/fault_server.h's
 * misbehaving servers.  Output files are read back with the table module.
 *
 * serve-sim runs scaled down (A = 2 ms, B = 0.2 ms, 0.01 ms of prefill per
 * prompt token, S = 8) so the whole file takes about ten seconds.
 */
#include "harness.h"

#include "collect_harness.h"
#include "fault_server.h"
#include "sim_server.h"

#include "sweepkit/collect.h"
#include "sweepkit/provenance.h"
#include "sweepkit/error.h"
#include "sweepkit/saturation.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- against serve-sim: the ground truth ----------------------------------- */

struct truth {
    char id[48];
    double accept, first;
    long output, status;
};

/* The server's log rows of the queries: the collector's identification
 * requests before them (GET /v1/models, and /props, which serve-sim does
 * not know: endpoint "-") left out. */
static size_t read_truth(const char *path, struct truth *t, size_t cap)
{
    struct csv c;
    size_t i, n = 0;

    if (csv_load(&c, path) != 0) {
        csv_free(&c);
        return 0;
    }
    for (i = 0; i < c.nrows && n < cap; i++, n++) {
        if (strcmp(cell(&c, i, "endpoint"), "/v1/models") == 0 ||
            strcmp(cell(&c, i, "endpoint"), "-") == 0) {
            n--;
            continue;
        }
        snprintf(t[n].id, sizeof(t[n].id), "%s",
                 cell(&c, i, "client_request_id"));
        t[n].accept = cellf(&c, i, "accept_s");
        t[n].first = cellf(&c, i, "first_token_s");
        t[n].output = strtol(cell(&c, i, "output_tokens"), NULL, 10);
        t[n].status = strtol(cell(&c, i, "status"), NULL, 10);
    }
    csv_free(&c);
    return n;
}

static const struct truth *find_truth(const struct truth *t, size_t n,
                                      const char *id)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(t[i].id, id) == 0)
            return &t[i];
    return NULL;
}

/*
 * Every query of level index `li` (concurrency `c`, `nq` queries) is in
 * the per-query CSV once, and in the server's log once with status 200;
 * output tokens equal; and TTFT within 2 ms of what the server's own
 * timestamps say.  The two clocks are both CLOCK_MONOTONIC but start at
 * different times: aligned by the smallest (server accept - client send)
 * of the level, the server's TTFT for a query is its first-token send
 * minus the client's send on the server clock, which counts the time the
 * request waited in the server's socket before it was read (the server's
 * own latency: 256 requests at once take it a few ms to read) and leaves
 * what the collector adds: the first token's way back and its reading.
 */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void check_level(const struct csv *q, const struct truth *t,
                        size_t nt, const char *run, size_t c, size_t nq)
{
    const struct truth *g[MAX_ROWS];
    double diff[MAX_ROWS], p99 = NAN;
    size_t i, seen = 0, nd = 0;
    double offset = INFINITY, worst = 0;
    size_t wi = 0;

    for (i = 0; i < q->nrows && i < MAX_ROWS; i++) {
        g[i] = NULL;
        if (strtoul(cell(q, i, "concurrency"), NULL, 10) != c)
            continue;
        seen++;
        CHECK_STR(cell(q, i, "run"), run);
        g[i] = find_truth(t, nt, cell(q, i, "request_id"));
        CHECK(g[i] != NULL);
        if (!g[i])
            continue;
        CHECK_INT(g[i]->status, 200);
        CHECK_STR(cell(q, i, "error"), "");
        CHECK_STR(cell(q, i, "token_source"), "usage");
        CHECK_NEAR(cellf(q, i, "output_tokens"), (double)g[i]->output, 0);
        if (g[i]->accept - cellf(q, i, "start_s") < offset)
            offset = g[i]->accept - cellf(q, i, "start_s");
    }
    CHECK_INT(seen, nq);
    for (i = 0; i < q->nrows && i < MAX_ROWS; i++) {
        double send, server_ttft, d;

        if (!g[i])
            continue;
        send = cellf(q, i, "start_s") + offset; /* on the server clock */
        server_ttft = g[i]->first - send;
        d = fabs(cellf(q, i, "ttft_s") - server_ttft);
        diff[nd++] = d;
        if (d > worst) {
            worst = d;
            wi = i;
        }
    }
    /*
     * Within 2 ms: every query but 1% of them (p99, the issue's target,
     * also measured by bench/collect_bench.sh at 1,024 streams).  At the
     * start of a 256-query burst the 8 queries the 8 slots admit at once
     * (3% of the level) are sometimes read 2-3 ms late; so there p96 is
     * held to 2 ms and the p99 reported.  No query may be 10 ms off.
     */
    qsort(diff, nd, sizeof(double), cmp_double);
    CHECK_INT(sk_stats_percentile(&p99, diff, nd, 99), 0);
    {
        double p96 = NAN;

        CHECK_INT(sk_stats_percentile(&p96, diff, nd, 96), 0);
        CHECK((c >= 256 ? p96 : p99) < 0.002);
    }
    CHECK(worst < 0.010);
    fprintf(stderr,
            "level %zu: TTFT p99 %.3f ms, at most %.3f ms from the "
            "server's (worst: query %s, sent at %s s, TTFT %s s)\n",
            c, p99 * 1e3, worst * 1e3, cell(q, wi, "query_id"),
            cell(q, wi, "start_s"), cell(q, wi, "ttft_s"));
}

static void test_against_serve_sim(void)
{
    static const char *const args[] = {
        "--slots", "8", "--step-ms", "2", "--step-ms-per-seq", "0.2",
        "--prefill-ms-per-token", "0.01", NULL};
    static const size_t levels[] = {1, 2, 4, 8, 16, 32};
    struct server s;
    struct outputs o;
    struct csv q, sum;
    struct truth *t = calloc(MAX_ROWS, sizeof(*t));
    char a[512];
    size_t nt, i;
    sk_sweep *sw = NULL;
    const double *tput;
    struct sk_saturation_knee k;

    CHECK_INT(start_server(&s, args), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 32 --max-tokens 32 "
             "--concurrency-levels 1,2,4,8,16,32 --label run=sweep",
             s.port);
    collect(&o, "sim", a);
    CHECK_INT(o.status, 0);
    /* the closing table is printed */
    CHECK(strstr(o.err, "| conc | throughput(tok/s) | avg_ttft(s) |") !=
          NULL);

    /* the 256-stream level runs separately, so its queueing (256 requests
     * on 8 slots) does not slow the sweep above */
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 256 --max-tokens 32 "
             "--concurrency-levels 256 --warmup 256 --label run=burst",
             s.port);
    {
        struct outputs o256;
        struct csv q256;

        collect(&o256, "sim256", a);
        CHECK_INT(o256.status, 0);
        nt = read_truth(s.log, t, MAX_ROWS); /* stop_server removes it */
        stop_server(&s);
        /* 6 levels of 32, 256 warm-up requests (not in the CSV) and a
         * level of 256, nothing else */
        CHECK_INT(nt, 6 * 32 + 256 + 256);
        CHECK_INT(csv_load(&q256, o256.per_query), 0);
        CHECK_INT(q256.nrows, 256);
        check_level(&q256, t, nt, "burst", 256, 256);
        csv_free(&q256);
    }

    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(q.nrows, 6 * 32);
    check_level(&q, t, nt, "sweep", 1, 32);
    check_level(&q, t, nt, "sweep", 16, 32);
    for (i = 0; i < q.nrows; i++) {
        CHECK_STR(cell(&q, i, "finish_reason"), "length");
    }
    /* one stream: decode speed is the model's 1000 / (A + B) = 454.5 */
    CHECK_NEAR(cellf(&q, 0, "decode_tokens_per_s"), 454.545, 454.545 * 0.05);

    CHECK_INT(csv_load(&sum, o.summary), 0);
    CHECK_INT(sum.nrows, 6);
    for (i = 0; i < sum.nrows; i++) {
        CHECK_NEAR(cellf(&sum, i, "concurrency"), (double)levels[i], 0);
        CHECK_NEAR(cellf(&sum, i, "queries"), 32, 0);
        CHECK_NEAR(cellf(&sum, i, "errors"), 0, 0);
        CHECK_NEAR(cellf(&sum, i, "total_output_tokens"), 32 * 32, 1e-6);
        CHECK_STR(cell(&sum, i, "run"), "sweep");
        /* a client that keeps up holds the configured level (where 32
         * queries are enough for a steady state: 4 per slot or more) */
        if (levels[i] <= 8)
            CHECK(cellf(&sum, i, "achieved_concurrency") >
                  0.85 * (double)levels[i]);
    }
    csv_free(&sum);

    /* The knee, by the analysis engine, is the simulator's slot count. */
    CHECK_INT(sk_sweep_load(&sw, o.summary), 0);
    if (sw) {
        CHECK_INT(sk_sweep_column(&tput, sw, "throughput_tokens_per_s"), 0);
        CHECK_INT(sk_saturation_knee(&k, sk_sweep_concurrency(sw), tput,
                                     sk_sweep_levels(sw),
                                     SK_SATURATION_DEFAULT_GAIN),
                  0);
        CHECK_INT(k.found, 1);
        CHECK_NEAR(k.x, 8, 0);
        /* 8 streams: 8 x 1000 / (2 + 0.2 x 8) = 2222 tok/s, within 5% */
        CHECK_NEAR(tput[3], 2222.2, 2222.2 * 0.05);
    }
    sk_sweep_free(sw);
    csv_free(&q);
    free(t);
}

/* ---- against a misbehaving server ------------------------------------------ */

/* Run 4 queries at concurrency 2 against a fault server in `mode`; every
 * query must be in the CSV with `want` (a prefix) as its error, or none
 * when want is NULL. */
static void fault_case(const char *name, int mode, const char *extra,
                       const char *want, size_t want_errors)
{
    struct fault_server fs;
    struct outputs o;
    struct csv q, sum;
    char a[512];
    size_t i, errors = 0;

    CHECK_INT(fault_server_start(&fs, mode, 5), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 4 --concurrency-levels 2 "
             "--max-tokens 8 %s",
             fs.port, extra);
    collect(&o, name, a);
    fault_server_stop(&fs);
    CHECK_INT(o.status, 0);
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(q.nrows, 4); /* every query accounted for */
    for (i = 0; i < q.nrows; i++) {
        const char *e = cell(&q, i, "error");

        if (*e) {
            errors++;
            if (want && strncmp(e, want, strlen(want)) != 0) {
                fprintf(stderr, "%s: error '%s', want '%s...'\n", name, e,
                        want);
                CHECK(0);
            }
            CHECK_STR(cell(&q, i, "output_tokens"), "");
        } else {
            CHECK_NEAR(cellf(&q, i, "output_tokens"), 5, 0);
        }
    }
    CHECK_INT(errors, want_errors);
    CHECK_INT(csv_load(&sum, o.summary), 0);
    CHECK_INT(sum.nrows, 1);
    CHECK_NEAR(cellf(&sum, 0, "queries"), 4, 0);
    CHECK_NEAR(cellf(&sum, 0, "errors"), (double)want_errors, 0);
    if (want_errors == 4)
        CHECK(strstr(o.err, "EVERY request at concurrency 2 failed") !=
              NULL);
    csv_free(&sum);
    csv_free(&q);
}

/*
 * Steady-state throughput (metrics.h) on serve-sim with no prefill cost:
 * 4 slots, steps of 10 + 1 x 4 ms, 32-token answers.  Its model's
 * saturated rate: every step gives each of the 4 slots a token, and a
 * request's first token comes at admission (prefill 0), so 4 x 32 tokens
 * per 31 steps of 14 ms = 294.93 tok/s.  Six clients on 4 slots keep them
 * full from the first request to the last queued one's admission; the
 * ramp and the drain tail (the last requests finishing with slots idle)
 * pull the wall-clock figure down.  The steady-state figure is within 1%
 * of the model, the wall-clock one at least 3% below it.
 */
static void test_steady_state(void)
{
    static const char *const args[] = {
        "--slots", "4", "--step-ms", "10", "--step-ms-per-seq", "1",
        "--prefill-ms-per-token", "0", NULL};
    const double model = 4.0 * 32 / (31 * 0.014);
    struct server s;
    struct outputs o;
    struct sk_level *lv = NULL;
    size_t nlv = 0;
    int has_times = 0;
    char a[512];

    CHECK_INT(start_server(&s, args), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 30 --max-tokens 32 "
             "--concurrency-levels 6",
             s.port);
    collect(&o, "steady", a);
    stop_server(&s);
    CHECK_INT(o.status, 0);
    CHECK_INT(sk_summarize_file(&lv, &nlv, &has_times, o.per_query), 0);
    CHECK_INT(nlv, 1);
    if (nlv == 1) {
        if (!(fabs(lv[0].steady_tps - model) <= 0.01 * model) ||
            !(lv[0].throughput_tokens_per_s <= 0.97 * model))
            fprintf(stderr, "steady %.2f, wall %.2f, model %.2f tok/s\n",
                    lv[0].steady_tps, lv[0].throughput_tokens_per_s, model);
        CHECK(fabs(lv[0].steady_tps - model) <= 0.01 * model);
        CHECK(lv[0].throughput_tokens_per_s <= 0.97 * model);
        CHECK(lv[0].steady_window_s > 0 &&
              lv[0].steady_window_s < lv[0].wall_s);
    }
    free(lv);
}

static void test_faults(void)
{
    fault_case("ok", FAULT_OK, "", NULL, 0);
    fault_case("drop", FAULT_DROP_MID_STREAM, "",
               "stream cut after 2 chunks: ", 4);
    fault_case("500", FAULT_500_THEN_OK, "",
               "HTTP 500: {\"error\":{\"message\":\"simulated overload\"", 2);
    /* one at a time, each failed attempt's retry is the next (even)
     * request, which succeeds */
    fault_case("500retry", FAULT_500_THEN_OK,
               "--retries 1 --concurrency-levels 1", NULL, 0);
    {
        /* a retried query's send lag starts after its 100 ms backoff */
        struct csv q;
        char path[600];
        FILE *p;
        size_t i;

        snprintf(path, sizeof(path), "ls %s/500retry/*_per_query_*.csv",
                 tmpdir);
        p = popen(path, "r");
        if (p && fgets(path, sizeof(path), p)) {
            path[strcspn(path, "\n")] = '\0';
            CHECK_INT(csv_load(&q, path), 0);
            for (i = 0; i < q.nrows; i++)
                CHECK(cellf(&q, i, "send_lag_s") < 0.05);
            csv_free(&q);
        } else {
            CHECK(0);
        }
        if (p)
            pclose(p);
    }
    fault_case("malformed", FAULT_MALFORMED_CHUNK, "", "malformed chunk: ",
               4);
    fault_case("stall", FAULT_STALL, "--timeout 500ms",
               "timeout: no complete response after 0.5 s (1 chunks "
               "received)",
               4);
    fault_case("html", FAULT_HTML_502, "",
               "HTTP 502: <html><body><h1>502 Bad Gateway</h1>", 4);
}

/* Connection refused twice: the sweep stops after two levels where every
 * request failed, with the rows written. */
static void test_refused(void)
{
    struct outputs o;
    struct csv q;
    struct fault_server fs;
    char a[256];
    int port;

    /* a port that was just free: start and stop a server on it */
    CHECK_INT(fault_server_start(&fs, FAULT_OK, 1), 0);
    port = fs.port;
    fault_server_stop(&fs);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 2 --concurrency-levels "
             "1,2,4",
             port);
    collect(&o, "refused", a);
    CHECK_INT(o.status, 1);
    CHECK(strstr(o.err, "gave up: every request failed at two levels") !=
          NULL);
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(q.nrows, 4); /* levels 1 and 2, not 4 */
    CHECK(strncmp(cell(&q, 0, "error"), "connect: ", 9) == 0);
    csv_free(&q);
}

/* The API key is sent as a Bearer token and written nowhere. */
static void test_secret(void)
{
    static const char key[] = "sk-test-9f8e7d6c5b4a";
    struct fault_server fs;
    struct outputs o;
    char a[512], *log;

    setenv("SK_TEST_API_KEY", key, 1);
    CHECK_INT(fault_server_start(&fs, FAULT_500_THEN_OK, 3), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 2 --concurrency-levels 1 "
             "--api-key-env SK_TEST_API_KEY --header 'X-Org: acme'",
             fs.port);
    collect(&o, "secret", a);
    log = fault_server_log(&fs);
    fault_server_stop(&fs);
    CHECK_INT(o.status, 0);
    CHECK(log && strstr(log, "Authorization: Bearer sk-test-9f8e7d6c5b4a"));
    CHECK(log && strstr(log, "X-Org: acme"));
    CHECK(log && strstr(log, "\"stream\":true"));
    free(log);
    no_output_holds(&o, key);
    no_output_holds(&o, "acme"); /* header values are redacted */
    CHECK(!strstr(o.err, key));
    unsetenv("SK_TEST_API_KEY");
}

/* A server that echoes the key back, in an error body cut at 160 bytes
 * and in an error event: no output file holds the key or its start. */
static void test_secret_echo(void)
{
    static const char key[] = "sk-echo-0123456789abcdefghijkl";
    static const int modes[] = {FAULT_ECHO_KEY_401, FAULT_ECHO_KEY_IN_STREAM};
    static const char *const want[] = {"HTTP 401: {\"error\"",
                                       "error in stream: invalid api key: "
                                       "******"};
    size_t m;

    setenv("SK_TEST_API_KEY", key, 1);
    for (m = 0; m < 2; m++) {
        struct fault_server fs;
        struct outputs o;
        struct csv q;
        char a[512];

        CHECK_INT(fault_server_start(&fs, modes[m], 3), 0);
        snprintf(a, sizeof(a),
                 "--url http://127.0.0.1:%d --queries 2 "
                 "--concurrency-levels 1 --api-key-env SK_TEST_API_KEY",
                 fs.port);
        collect(&o, m ? "echo_stream" : "echo_401", a);
        fault_server_stop(&fs);
        CHECK_INT(o.status, 0);
        CHECK_INT(csv_load(&q, o.per_query), 0);
        CHECK_INT(q.nrows, 2);
        if (q.nrows)
            CHECK(strncmp(cell(&q, 0, "error"), want[m], strlen(want[m])) ==
                  0);
        csv_free(&q);
        no_output_holds(&o, "sk-echo"); /* not even the key's start */
        CHECK(!strstr(o.err, "sk-echo"));
    }
    unsetenv("SK_TEST_API_KEY");
}

/* Header values and URL credentials stay out of the sidecar, also when
 * the option is abbreviated. */
static void test_sidecar_redaction(void)
{
    struct fault_server fs;
    struct outputs o;
    char a[512], *s;

    CHECK_INT(fault_server_start(&fs, FAULT_OK, 2), 0);
    snprintf(a, sizeof(a),
             "--ur http://user:pw-hunter3@127.0.0.1:%d --queries 1 "
             "--concurrency-levels 1 --head 'X-Secret: hunter2' "
             "--header='X-Other: hunter4'",
             fs.port);
    collect(&o, "redact", a);
    fault_server_stop(&fs);
    CHECK_INT(o.status, 0);
    s = slurp(o.sidecar);
    CHECK(s != NULL);
    CHECK(s && !strstr(s, "hunter")); /* hunter2, 3 and 4 */
    CHECK(s && strstr(s, "X-Secret: <redacted>"));
    CHECK(s && strstr(s, "http://127.0.0.1:"));
    free(s);
}

/* Bad command lines: one line, exit 2, nothing written. */
static void test_usage(void)
{
    static const struct {
        const char *args, *first_line;
    } cases[] = {
        {"", "sweepkit collect: no server: give --url URL (sweepkit "
             "serve-sim starts one)"},
        {"--url http://x --api grpc",
         "sweepkit collect: unknown API 'grpc' (openai-chat, "
         "openai-completions or llamacpp)"},
        {"--url http://x --concurrency-levels 1,,2",
         "sweepkit collect: --concurrency-levels: empty item in the list"},
        {"--url http://x --concurrency-levels 0",
         "sweepkit collect: --concurrency-levels: levels start at 1"},
        {"--url http://x --label nokey",
         "sweepkit collect: --label: expected key=value"},
        {"--url http://x --header nocolon",
         "sweepkit collect: --header: expected 'Name: value' on one line"},
        {"--url http://x --timeout 0",
         "sweepkit collect: --timeout: expected a duration above 0"},
        {"--url http://x --timeout 1e20s",
         "sweepkit collect: --timeout: at most 30 days (2592000 s)"},
        {"--url http://x --api-key-env SK_NOT_SET_ANYWHERE",
         "sweepkit collect: --api-key-env: $SK_NOT_SET_ANYWHERE is not set "
         "or empty"},
        {"--url http://x --extra-body '[1]'",
         "sweepkit collect: --extra-body: expected a JSON object"},
        {"--url http://x --label start_s=1",
         "sweepkit collect: --label start_s: 'start_s' is a column of the "
         "CSVs already; pick another name"},
        {"--url http://x --label a=1 --label a=2",
         "sweepkit collect: --label a: given twice"},
        {"--url http://x --timeout 0.5ms",
         "sweepkit collect: --timeout: expected at least 1ms"},
        {"--url http://x --prompts-file /nonexistent/p.txt",
         "sweepkit collect: /nonexistent/p.txt: cannot open: No such file "
         "or directory"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct outputs o;
        char first[600];

        collect(&o, "usage", cases[i].args);
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(o.err, "\n"),
                 o.err);
        CHECK_STR(first, cases[i].first_line);
        CHECK(o.status == 1 || o.status == 2);
    }
    {
        /* no case made an output file */
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/usage' 2>/dev/null)\"",
                 tmpdir);
        CHECK(system(cmd) == 0);
    }
}

/* llama.cpp's native API: usage from tokens_predicted and the server's
 * timings in their columns; two servers given, queries alternate. */
static void test_llamacpp_and_round_robin(void)
{
    static const char *const args[] = {
        "--slots", "8", "--step-ms", "2", "--step-ms-per-seq", "0.2", NULL};
    struct server s1, s2;
    struct outputs o;
    struct csv q;
    struct truth *t = calloc(64, sizeof(*t));
    char a[512];
    size_t i;

    CHECK_INT(start_server(&s1, args), 0);
    CHECK_INT(start_server(&s2, args), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --url http://127.0.0.1:%d/completion "
             "--api llamacpp --queries 8 --concurrency-levels 2 "
             "--max-tokens 16",
             s1.port, s2.port);
    collect(&o, "llama", a);
    CHECK_INT(o.status, 0);
    CHECK_INT(read_truth(s1.log, t, 64), 4); /* round robin: 4 each */
    CHECK_INT(read_truth(s2.log, t, 64), 4);
    stop_server(&s1);
    stop_server(&s2);
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(q.nrows, 8);
    for (i = 0; i < q.nrows; i++) {
        CHECK_STR(cell(&q, i, "error"), "");
        CHECK_STR(cell(&q, i, "token_source"), "usage");
        CHECK_STR(cell(&q, i, "finish_reason"), "length");
        CHECK_NEAR(cellf(&q, i, "output_tokens"), 16, 0);
        CHECK_NEAR(cellf(&q, i, "server_predicted_n"), 16, 0);
        CHECK(cellf(&q, i, "server_predicted_ms") > 0);
        CHECK(!isnan(cellf(&q, i, "server_prompt_ms")));
    }
    csv_free(&q);
    free(t);
}

/* SIGINT mid-level: exit 130; the queries the stop cancelled are not
 * written nor counted as errors; the terminal, the sidecar, the summary
 * row and `summarize` of the per-query file count the same queries and
 * errors; the level is told as stopped, not done, and its row says
 * planned_queries 64. */
static void test_interrupt(void)
{
    static const char *const args[] = {
        "--slots", "8", "--step-ms", "2", "--step-ms-per-seq", "0.2", NULL};
    struct server s;
    struct csv q, sum;
    char port[16], dir[128], cmd[700], errpath[200], want[200], *side, *err;
    const char *bin = getenv("SK_BIN");
    pid_t pid;
    int status = 0;
    size_t i;
    FILE *p;
    char path[600] = "";
    json_t *j;

    CHECK_INT(start_server(&s, args), 0);
    snprintf(port, sizeof(port), "%d", s.port);
    snprintf(dir, sizeof(dir), "%s/interrupt", tmpdir);
    snprintf(errpath, sizeof(errpath), "%s/interrupt.err", tmpdir);
    snprintf(cmd, sizeof(cmd), "http://127.0.0.1:%s", port);
    fflush(NULL);
    if ((pid = fork()) == 0) {
        freopen("/dev/null", "w", stdout);
        freopen(errpath, "w", stderr);
        execl(bin ? bin : "build/sweepkit", "sweepkit", "collect", "--url",
              cmd, "--queries", "64", "--concurrency-levels", "2",
              "--max-tokens", "64", "--out-dir", dir, (char *)NULL);
        _exit(127);
    }
    {
        /* 64 tokens take ~0.15 s: a few queries finish */
        struct timespec ts = {0, 700000000L};

        nanosleep(&ts, NULL);
    }
    kill(pid, SIGINT);
    waitpid(pid, &status, 0);
    stop_server(&s);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 130);

    snprintf(cmd, sizeof(cmd), "ls %s/*_per_query_*.csv", dir);
    if ((p = popen(cmd, "r"))) {
        if (!fgets(path, sizeof(path), p))
            path[0] = '\0';
        pclose(p);
    }
    path[strcspn(path, "\n")] = '\0';
    CHECK_INT(csv_load(&q, path), 0);
    for (i = 0; i < q.nrows; i++)
        CHECK_STR(cell(&q, i, "error"), ""); /* no "interrupted" rows */
    CHECK(q.nrows >= 2);  /* some had finished */
    CHECK(q.nrows < 64);  /* the rest were never sent */
    {
        /* the summary row: the same queries, no error, the plan */
        char sp[600];
        char *at = strstr(path, "_per_query_");
        struct sk_level *lv = NULL;
        size_t nlv = 0;
        int has_times = 0;

        snprintf(sp, sizeof(sp), "%.*s_summary_%s", (int)(at - path), path,
                 at + strlen("_per_query_"));
        CHECK_INT(csv_load(&sum, sp), 0);
        CHECK_INT(sum.nrows, 1);
        if (sum.nrows) {
            CHECK_NEAR(cellf(&sum, 0, "queries"), (double)q.nrows, 0);
            CHECK_NEAR(cellf(&sum, 0, "errors"), 0, 0);
            CHECK_NEAR(cellf(&sum, 0, "planned_queries"), 64, 0);
        }
        csv_free(&sum);
        /* `summarize` of the per-query file says the same */
        CHECK_INT(sk_summarize_file(&lv, &nlv, &has_times, path), 0);
        CHECK_INT(nlv, 1);
        if (nlv) {
            CHECK_INT(lv[0].queries, q.nrows);
            CHECK_INT(lv[0].errors, 0);
        }
        free(lv);
    }
    side = NULL;
    snprintf(cmd, sizeof(cmd), "cat %s/*_run_*.json", dir);
    if ((p = popen(cmd, "r"))) {
        char buf[8192];
        size_t n = fread(buf, 1, sizeof(buf) - 1, p);

        buf[n] = '\0';
        side = strdup(buf);
        pclose(p);
    }
    CHECK(side && strstr(side, "\"status\": \"interrupted\""));
    j = side ? json_loads(side, 0, NULL) : NULL;
    CHECK(j != NULL);
    if (j) {
        json_t *lv0 = json_array_get(json_object_get(j, "per_level"), 0);
        json_int_t cancelled =
            json_integer_value(json_object_get(j, "cancelled"));

        CHECK_INT(json_integer_value(json_object_get(j, "queries")),
                  q.nrows);
        CHECK_INT(json_integer_value(json_object_get(j, "errors")), 0);
        CHECK(cancelled >= 1 && cancelled <= 2); /* the two in flight */
        CHECK_INT(json_integer_value(json_object_get(j, "levels_done")), 0);
        CHECK_INT(json_integer_value(json_object_get(lv0, "queries")),
                  q.nrows);
        CHECK_INT(json_integer_value(json_object_get(
                      json_object_get(j, "faults"), "other")),
                  0);
        /* the terminal: stopped, not done; the table marks the level */
        err = slurp(errpath);
        snprintf(want, sizeof(want),
                 "level 2 stopped after %zu of 64 queries: 0 errors, %lld "
                 "cancelled",
                 q.nrows, (long long)cancelled);
        CHECK(err && strstr(err, want));
        CHECK(err && !strstr(err, "done"));
        CHECK(err && strstr(err, "|   2* |"));
        snprintf(want, sizeof(want),
                 "* stopped after %zu of 64 queries (0 errors, %lld "
                 "cancelled): a partial level\n",
                 q.nrows, (long long)cancelled);
        CHECK(err && strstr(err, want));
        CHECK(err && !strstr(err, "failed"));
        free(err);
        json_decref(j);
    }
    csv_free(&q);
    free(side);
}

/* Rows of `path` whose first cell is `level` (the per-query file's
 * concurrency column), -1 when it cannot be read. */
static long level_rows(const char *path, const char *level)
{
    FILE *fp = fopen(path, "r");
    char line[4096];
    size_t n = strlen(level);
    long k = 0;

    if (!fp)
        return -1;
    while (fgets(line, sizeof(line), fp))
        if (strncmp(line, level, n) == 0 && line[n] == ',')
            k++;
    fclose(fp);
    return k;
}

/* The one file of `dir` matching `glob` into `out` ("" when none). */
static void one_file(char *out, size_t cap, const char *dir, const char *glob)
{
    char cmd[700];
    FILE *p;

    out[0] = '\0';
    snprintf(cmd, sizeof(cmd), "ls %s/%s 2>/dev/null", dir, glob);
    if ((p = popen(cmd, "r"))) {
        if (!fgets(out, (int)cap, p))
            out[0] = '\0';
        pclose(p);
    }
    out[strcspn(out, "\n")] = '\0';
}

/*
 * A collect of levels 1,2,4 stopped in level 4 by `sig` (SIGINT: the
 * collector ends the level and says so; SIGKILL: it says nothing), then
 * `sweepkit report` of its directory: one run, paired by the collector's
 * names, level 4 flagged as partial with the queries that finished, and
 * left out of the knee (one step, 1 -> 2, not two).  With SIGINT the
 * summary, the sidecar and `summarize` of the per-query file agree level
 * by level.
 */
static void interrupted_report(int sig)
{
    static const char *const args[] = {
        "--slots", "8", "--step-ms", "2", "--step-ms-per-seq", "0.2", NULL};
    struct server s;
    char url[64], dir[160], pq[600] = "", sm[600], side[600], cmd[1400],
        rj[400];
    const char *bin = getenv("SK_BIN");
    pid_t pid;
    int status = 0, i;
    long cut = 0;
    json_t *j, *run, *pl;

    if (!bin)
        bin = "build/sweepkit";
    CHECK_INT(start_server(&s, args), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
    snprintf(dir, sizeof(dir), "%s/stopped_%d", tmpdir, sig);
    fflush(NULL);
    if ((pid = fork()) == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(bin, "sweepkit", "collect", "--url", url, "--queries", "16",
              "--concurrency-levels", "1,2,4", "--max-tokens", "64",
              "--out-dir", dir, (char *)NULL);
        _exit(127);
    }
    /* stop once level 4 has finished some queries (4 at a time, ~0.15 s
     * each: three rounds are left to cut) */
    for (i = 0; i < 3000; i++) {
        struct timespec ts = {0, 5000000L};

        if (!pq[0])
            one_file(pq, sizeof(pq), dir, "*_per_query_*.csv");
        if (pq[0] && (cut = level_rows(pq, "4")) >= 1)
            break;
        nanosleep(&ts, NULL);
    }
    kill(pid, sig);
    waitpid(pid, &status, 0);
    stop_server(&s);
    CHECK(cut >= 1 && cut < 16);
    if (sig == SIGINT)
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 130);
    else
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cut = level_rows(pq, "4");
    CHECK(cut >= 1 && cut < 16);
    one_file(sm, sizeof(sm), dir, "*_summary_*.csv");
    one_file(side, sizeof(side), dir, "*_run_*.json");

    if (sig == SIGINT) {
        struct csv sum;
        struct sk_level *lv = NULL;
        size_t nlv = 0, k;
        int has_times = 0;

        /* summary, `summarize` and the sidecar: the same counts */
        CHECK_INT(csv_load(&sum, sm), 0);
        CHECK_INT(sum.nrows, 3);
        CHECK_INT(sk_summarize_file(&lv, &nlv, &has_times, pq), 0);
        CHECK_INT(nlv, 3);
        j = json_load_file(side, 0, NULL);
        CHECK(j != NULL);
        for (k = 0; k < 3 && k < sum.nrows && k < nlv && j; k++) {
            json_t *pk = json_array_get(json_object_get(j, "per_level"), k);

            CHECK_NEAR(cellf(&sum, k, "queries"), (double)lv[k].queries, 0);
            CHECK_NEAR(cellf(&sum, k, "errors"), (double)lv[k].errors, 0);
            CHECK_NEAR(cellf(&sum, k, "planned_queries"), 16, 0);
            CHECK_INT(json_integer_value(json_object_get(pk, "queries")),
                      lv[k].queries);
            CHECK_INT(json_integer_value(json_object_get(pk, "errors")),
                      lv[k].errors);
        }
        if (nlv == 3)
            CHECK_INT(lv[2].queries, cut);
        CHECK(j && json_integer_value(json_object_get(j, "levels_done")) ==
                       2);
        json_decref(j);
        free(lv);
        csv_free(&sum);
    } else {
        /* killed: no row for level 4, the sidecar still says running */
        struct csv sum;

        CHECK_INT(csv_load(&sum, sm), 0);
        CHECK_INT(sum.nrows, 2);
        csv_free(&sum);
        j = json_load_file(side, 0, NULL);
        CHECK(j && strcmp(json_string_value(json_object_get(j, "status")),
                          "running") == 0);
        json_decref(j);
    }

    snprintf(cmd, sizeof(cmd), "%s report %s --out %s/rep >/dev/null 2>&1",
             bin, dir, dir);
    CHECK_INT(system(cmd), 0);
    snprintf(rj, sizeof(rj), "%s/rep/report.json", dir);
    j = json_load_file(rj, 0, NULL);
    CHECK(j != NULL);
    if (!j)
        return;
    CHECK_INT(json_array_size(json_object_get(j, "runs")), 1);
    run = json_array_get(json_object_get(j, "runs"), 0);
    {
        /* the report against the analysis commands run on the summary
         * without its partial level (tests/cli/report_check.py) */
        const char *fx = getenv("SK_FIXTURES");
        const char *label = json_string_value(json_object_get(run, "label"));
        char out[600] = "";
        FILE *p;

        if (fx && label) {
            snprintf(cmd, sizeof(cmd),
                     "python3 %s/../tests/cli/report_check.py %s %s/rep "
                     "1,2.5,5 avg '%s'",
                     fx, bin, dir, label);
            if ((p = popen(cmd, "r"))) {
                char line[600];

                /* FAIL lines, then "PASSED FAILED" */
                while (fgets(line, sizeof(line), p)) {
                    if (strncmp(line, "FAIL", 4) == 0)
                        fprintf(stderr, "report_check: %s", line);
                    snprintf(out, sizeof(out), "%s", line);
                }
                pclose(p);
            }
            CHECK(strchr(out, ' ') && strcmp(strchr(out, ' '), " 0\n") == 0);
        }
    }
    if (sig == SIGINT) {
        /* saturation, recommend and plot on the collector's summary: the
         * partial level named and left out */
        static const char *const cmds[] = {
            "saturation %s --format json",
            "recommend %s --ttft-budget 100 --format json",
            "plot %s -o %s.png"};
        size_t c;

        for (c = 0; c < 3; c++) {
            char line[4096], sub[1200], run_cmd[1600];
            FILE *p;
            int seen = 0;

            snprintf(sub, sizeof(sub), cmds[c], sm, sm);
            snprintf(run_cmd, sizeof(run_cmd), "%s %s 2>&1", bin, sub);
            if (!(p = popen(run_cmd, "r")))
                continue;
            while (fgets(line, sizeof(line), p))
                seen |= strstr(line, c < 2 ? "\"partial_levels\": [4.0]"
                                           : "left out: partial 4 (fewer "
                                             "queries than planned") != NULL;
            CHECK(pclose(p) == 0);
            CHECK(seen);
        }
    }
    CHECK_STR(json_string_value(json_object_get(run, "pairing")), "name");
    CHECK_STR(json_string_value(json_object_get(run, "status")),
              sig == SIGINT ? "interrupted" : "running");
    pl = json_object_get(run, "partial_levels");
    CHECK_INT(json_array_size(pl), 1);
    pl = json_array_get(pl, 0);
    CHECK_NEAR(json_number_value(json_object_get(pl, "concurrency")), 4, 0);
    CHECK_INT(json_integer_value(json_object_get(pl, "queries")), cut);
    CHECK_INT(json_integer_value(json_object_get(pl, "planned")), 16);
    CHECK(json_is_boolean(json_object_get(pl, "in_summary")) &&
          json_boolean_value(json_object_get(pl, "in_summary")) ==
              (sig == SIGINT));
    /* the knee saw levels 1 and 2 only: one step */
    CHECK_INT(json_array_size(json_object_get(
                  json_object_get(run, "saturation"), "steps")),
              1);
    json_decref(j);
    {
        char md[400], *t;

        snprintf(md, sizeof(md), "%s/rep/report.md", dir);
        t = slurp(md);
        CHECK(t && strstr(t, "**This run did not finish**"));
        snprintf(cmd, sizeof(cmd), "Level 4 stopped after %ld of 16 quer",
                 cut);
        CHECK(t && strstr(t, cmd));
        CHECK(t && strstr(t, "| 4 (partial) |"));
        free(t);
    }
}

static void test_interrupt_report(void)
{
    interrupted_report(SIGINT);
    interrupted_report(SIGKILL);
}

/* ---- the library's writers, in process ---------------------------------- */

static char *text_of(FILE *fp, char **buf)
{
    fclose(fp);
    return *buf;
}

/* sk_collect_sidecar_write(): the keys and values from filled structs,
 * secrets left out, and no temporary file left behind. */
static void test_sidecar_write(void)
{
    static const char *const urls[] = {"http://u:pw@h:1/v1"};
    static const size_t levels[] = {1, 4};
    char a0[] = "collect", a1[] = "--header", a2[] = "X-Key: s3cret",
         a3[] = "--url", a4[] = "http://u:pw@h:1/v1";
    char *argv[] = {a0, a1, a2, a3, a4, NULL};
    const char *headers[] = {a2};
    sk_collect_opts o;
    sk_collect_result res;
    struct sk_collect_sidecar sc;
    sk_provenance host;
    char path[128], tmp[140], *s;
    json_t *j;

    memset(&o, 0, sizeof(o));
    memset(&res, 0, sizeof(res));
    memset(&sc, 0, sizeof(sc));
    o.urls = urls;
    o.nurls = 1;
    o.api = SK_API_LLAMACPP;
    o.levels = levels;
    o.nlevels = 2;
    o.queries = 3;
    o.max_tokens = 7;
    o.headers = headers;
    o.nheaders = 1;
    res.queries = 6;
    res.errors = 1;
    res.faults[SK_FAULT_TIMEOUT] = 1;
    res.levels_done = 2;
    res.level_retried[1] = 2;
    sk_provenance_init(&host);
    sc = (struct sk_collect_sidecar){
        .tool = "sweepkit t", .argc = 5, .argv = argv, .opts = &o,
        .summary_path = "s.csv", .per_query_path = "q.csv",
        .started = "2025-01-01T00:00:00+0000", .host = &host,
        .status = "complete",
        .lost_at = "2025-01-01T00:00:05+0000", .lost_why = "hang-up (SIGHUP)",
        .result = &res};
    snprintf(path, sizeof(path), "%s/sidecar.json", tmpdir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    CHECK_INT(sk_collect_sidecar_write(path, &sc), 0);
    CHECK(access(tmp, F_OK) != 0);
    s = slurp(path);
    CHECK(s && !strstr(s, "s3cret") && !strstr(s, "pw@"));
    CHECK(s && strncmp(s,
                       "{\n  \"tool\": \"sweepkit t\",\n  "
                       "\"schema_version\": 1,\n  \"command\": [",
                       63) == 0);
    j = s ? json_loads(s, 0, NULL) : NULL;
    CHECK(j != NULL);
    if (j) {
        json_t *cmd = json_object_get(j, "command");

        CHECK_STR(json_string_value(json_array_get(cmd, 1)),
                  "X-Key: <redacted>");
        CHECK_STR(json_string_value(json_array_get(cmd, 3)), "http://h:1/v1");
        CHECK_STR(json_string_value(
                      json_array_get(json_object_get(j, "urls"), 0)),
                  "http://h:1/v1");
        CHECK_STR(json_string_value(json_object_get(j, "api")), "llamacpp");
        CHECK_INT(json_integer_value(json_object_get(j, "schema_version")),
                  SK_SCHEMA_VERSION);
        CHECK_INT(json_integer_value(json_object_get(
                      json_object_get(j, "host"), "cores")),
                  sysconf(_SC_NPROCESSORS_ONLN));
        CHECK(json_is_string(
            json_object_get(json_object_get(j, "host"), "os")));
        CHECK(json_is_null(json_object_get(j, "model")));
        CHECK_INT(json_array_size(json_object_get(j, "levels")), 2);
        CHECK_INT(json_integer_value(json_object_get(j, "queries_per_level")),
                  3);
        CHECK_INT(json_integer_value(json_object_get(j, "max_tokens")), 7);
        CHECK_STR(json_string_value(json_array_get(
                      json_object_get(j, "header_names"), 0)),
                  "X-Key");
        CHECK(json_is_false(json_object_get(j, "api_key_sent")));
        CHECK_STR(json_string_value(json_object_get(j, "status")),
                  "complete");
        CHECK(json_object_get(j, "reason") == NULL);
        CHECK_STR(json_string_value(json_object_get(
                      json_object_get(j, "terminal_lost"), "why")),
                  "hang-up (SIGHUP)");
        CHECK_STR(json_string_value(json_object_get(
                      json_object_get(j, "files"), "per_query")),
                  "q.csv");
        CHECK_INT(json_integer_value(json_object_get(j, "queries")), 6);
        CHECK_INT(json_integer_value(json_object_get(
                      json_object_get(j, "faults"), "timeout")),
                  1);
        CHECK_INT(json_integer_value(json_object_get(
                      json_array_get(json_object_get(j, "per_level"), 1),
                      "retried")),
                  2);
        json_decref(j);
    }
    free(s);

    /* while running: no result keys; a failure's reason */
    sc.result = NULL;
    sc.lost_at = NULL;
    sc.status = "failed";
    sc.reason = "why not";
    CHECK_INT(sk_collect_sidecar_write(path, &sc), 0);
    s = slurp(path);
    CHECK(s && strstr(s, "\"reason\": \"why not\""));
    CHECK(s && !strstr(s, "\"queries\":") && !strstr(s, "terminal_lost"));
    free(s);
    CHECK(access(tmp, F_OK) != 0);
    unlink(path);
    /* a directory that does not exist: SK_EIO, nothing left */
    CHECK_INT(sk_collect_sidecar_write("/nonexistent/x.json", &sc), SK_EIO);
}

/* The progress lines, the end-of-run notes and the status, exactly. */
static void test_progress_text(void)
{
    static const double summary[4] = {123.456, 0.5, NAN, 40};
    struct sk_collect_progress p;
    sk_collect_result res;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp;

    memset(&p, 0, sizeof(p));
    p.concurrency = 4;
    p.done = 2;
    p.total = 8;
    p.errors = 1;
    p.elapsed_s = 2;
    p.output_tokens = 50;
    p.retried = 3;
    fp = open_memstream(&buf, &len);
    sk_collect_progress_write(fp, "P", &p, 0);
    sk_collect_progress_write(fp, "P", &p, 1);
    p.level_done = 1;
    p.done = p.errors = 8;
    p.summary = summary;
    sk_collect_progress_write(fp, "P", &p, 0);
    CHECK_STR(text_of(fp, &buf),
              "P: conc 4: 2/8 done, 1 errors, 3 retried, 25.0 tok/s, 2.0 s "
              "elapsed\n"
              "\r\033[Kconc 4: 2/8 done, 1 errors, 25.0 tok/s, 2.0 s "
              "elapsed, ETA 6 s, 3 retried"
              "P: level 4 done: 8 queries, 8 errors, 2.0 s, 123.5 tok/s, 3 "
              "retried\n"
              "P: EVERY request at concurrency 4 failed: check the "
              "per-query CSV's error column\n");
    free(buf);

    /* a level a stop ended: stopped, not done; the table marks it */
    {
        static const double shown[4] = {80, 0.25, 40, 41};
        sk_collect_display d;

        memset(&p, 0, sizeof(p));
        p.concurrency = 2;
        p.done = 7;
        p.total = 32;
        p.errors = 1;
        p.cancelled = 2;
        p.elapsed_s = 1.5;
        p.level_done = 1;
        p.interrupted = 1;
        p.partial = 1;
        p.summary = shown;
        fp = open_memstream(&buf, &len);
        sk_collect_progress_write(fp, "P", &p, 0);
        CHECK_STR(text_of(fp, &buf),
                  "P: level 2 stopped after 7 of 32 queries: 1 errors, 2 "
                  "cancelled, 1.5 s, 80.0 tok/s\n");
        free(buf);
        /* a timed level: its time, not a planned count */
        p.total = 0;
        p.duration_s = 60;
        fp = open_memstream(&buf, &len);
        sk_collect_progress_write(fp, "P", &p, 0);
        CHECK_STR(text_of(fp, &buf),
                  "P: level 2 stopped after 7 queries (1.5 of 60 s): 1 "
                  "errors, 2 cancelled, 80.0 tok/s\n");
        free(buf);
        p.total = 32;
        p.duration_s = 0;
        memset(&d, 0, sizeof(d));
        d.fp = NULL;
        d.prog = "P";
        d.alive = NULL;
        CHECK_INT(sk_collect_display_init(&d), 0);
        d.fp = fopen("/dev/null", "w");
        sk_collect_display_progress(&d, &p);
        fp = open_memstream(&buf, &len);
        sk_collect_display_table(&d, fp);
        CHECK_STR(text_of(fp, &buf),
                  "| conc | throughput(tok/s) | avg_ttft(s) | "
                  "avg_decode(tok/s) | avg_query(tok/s) | errors |\n"
                  "|-----:|------------------:|------------:|"
                  "------------------:|-----------------:|-------:|\n"
                  "|   2* |             80.00 |       0.250 |"
                  "             40.00 |            41.00 |      1 |\n"
                  "* stopped after 7 of 32 queries (1 errors, 2 cancelled): "
                  "a partial level\n");
        free(buf);
        fclose(d.fp);
        sk_collect_display_dispose(&d);
    }

    memset(&res, 0, sizeof(res));
    res.queries = 10;
    res.errors = 3;
    res.faults[SK_FAULT_CONNECT] = 1;
    res.faults[SK_FAULT_HTTP] = 2;
    res.warmup_errors = 1;
    res.chunks_over = 2;
    res.interrupted = 1;
    fp = open_memstream(&buf, &len);
    sk_collect_notes_write(fp, "P", &res, 4);
    sk_collect_end_write(fp, "P", &res);
    CHECK_STR(text_of(fp, &buf),
              "P: note: 1 of 4 warm-up requests failed\n"
              "P: 3 of 10 queries failed: connect 1 http 2\n"
              "P: warning: 0 queries with a usage count not believed, 2 "
              "with more chunks than --max-tokens: see the per-query CSV's "
              "warning column\n"
              "P: interrupted; the rows measured so far are written\n");
    free(buf);
    CHECK_STR(sk_collect_status(0, &res), "interrupted");
    CHECK_STR(sk_collect_status(SK_EIO, &res), "failed");
    res.interrupted = 0;
    CHECK_STR(sk_collect_status(0, &res), "complete");
}

/* sk_collect_args: values checked as they come, with the CLI's words. */
static void test_args(void)
{
    sk_collect_args a;

    sk_collect_args_init(&a);
    CHECK_INT(sk_collect_args_set(&a, "url", "ftp://x"), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "--url: 'ftp://x' is not an http:// or https:// URL");
    CHECK_INT(sk_collect_args_set(&a, "url", "http://h:1"), 0);
    CHECK_INT(sk_collect_args_set(&a, "label", "run=a"), 0);
    CHECK_INT(sk_collect_args_set(&a, "header", "X: y"), 0);
    CHECK_INT(sk_collect_args_set(&a, "max-tokens", "9"), 0);
    CHECK_INT(sk_collect_args_set(&a, "no-preflight", NULL), 0);
    CHECK_INT(a.opts.no_preflight, 1);
    CHECK_INT(sk_collect_args_set(&a, "shared-prefix", NULL), 0);
    CHECK_INT(a.opts.shared_prefix, 1);
    CHECK_INT(sk_collect_args_set(&a, "temperature", "-1"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "--temperature: expected a number >= 0");
    /* --start-at: epoch seconds, or RFC 3339 with Z or an offset */
    CHECK_INT(sk_collect_args_set(&a, "start-at", "@1796409667.5"), 0);
    CHECK(a.opts.start_at == 1796409667.5);
    CHECK_INT(sk_collect_args_set(&a, "start-at", "2026-12-04T19:00:00Z"), 0);
    CHECK(a.opts.start_at == 1796410800.0);
    CHECK_INT(sk_collect_args_set(&a, "start-at", "2000-03-01T00:00:00Z"),
              SK_EINVAL);
    CHECK_INT(
        sk_collect_args_set(&a, "start-at", "2026-12-04T20:30:00+01:30"), 0);
    CHECK(a.opts.start_at == 1796410800.0);
    CHECK_INT(sk_collect_args_set(&a, "start-at", "2028-02-29T00:00:00-00:00"),
              0);
    CHECK(a.opts.start_at == 1835395200.0);
    CHECK_INT(sk_collect_args_set(&a, "start-at", "2026-12-04T19:00:00"),
              SK_EINVAL);
    CHECK_INT(sk_collect_args_set(&a, "start-at", "12"), SK_EINVAL);
    a.opts.start_at = 0;
    CHECK_INT(sk_collect_args_set(&a, "shard", "2/3"), 0);
    CHECK(a.opts.shard == 2 && a.opts.shards == 3);
    CHECK_INT(sk_collect_args_set(&a, "shard", "2/ 3"), SK_EINVAL);
    CHECK_INT(sk_collect_args_set(&a, "shard", "1/1025"), SK_EINVAL);
    a.opts.shard = a.opts.shards = 0;
    CHECK_INT(sk_collect_args_set(&a, "threads", "auto"), 0);
    CHECK(a.opts.threads >= 1);
    CHECK_INT(sk_collect_args_set(&a, "threads", "257"), SK_EINVAL);
    a.opts.threads = 0;
    CHECK_INT(sk_collect_args_set(&a, "concurrency-levels", "2,1,2"), 0);
    CHECK_INT(sk_collect_args_finish(&a), SK_EINVAL);
    CHECK_STR(sk_error_last(), "--concurrency-levels: level 2 is given twice");
    CHECK_INT(sk_collect_args_set(&a, "concurrency-levels", "2,1"), 0);
    CHECK_INT(sk_collect_args_finish(&a), 0);
    CHECK_INT(a.opts.nlevels, 2);
    CHECK_INT(a.opts.max_tokens, 9);
    CHECK_INT(a.opts.queries, 128);
    CHECK_STR(a.opts.label_names[0], "run");
    CHECK_STR(a.opts.label_values[0], "a");
    CHECK_INT(sk_collect_args_load(&a), 0);
    CHECK(a.opts.prompts != NULL);
    sk_collect_args_dispose(&a);
}

int main(void)
{
    char cmd[128];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sk_collect_%d", (int)getpid());
    mkdir(tmpdir, 0755);
    test_sidecar_write();
    test_progress_text();
    test_args();
    test_usage();
    test_faults();
    test_refused();
    test_secret();
    test_secret_echo();
    test_sidecar_redaction();
    test_llamacpp_and_round_robin();
    test_interrupt();
    test_steady_state();
    test_interrupt_report();
    test_against_serve_sim();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (sk_test_failures == 0 && !getenv("SK_KEEP") && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return sk_test_done("collect");
}
