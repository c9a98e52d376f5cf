/*
 * The load `collect` sends (issue 19), end to end against serve-sim in a
 * process of its own: how many queries a level runs (--queries N, Nx,
 * --level-duration with --max-queries).
 */
#include "harness.h"

#include "collect_harness.h"
#include "sim_server.h"

#include <jansson.h>
#include <sys/stat.h>

static const char *const fast[] = {"--slots",      "8", "--step-ms", "2",
                                   "--step-ms-per-seq", "0.2", NULL};

/* Summary row r's `queries` and `planned_queries`. */
static void level_counts(const struct csv *s, size_t r, double queries,
                         double planned)
{
    CHECK_NEAR(cellf(s, r, "queries"), queries, 0);
    CHECK_NEAR(cellf(s, r, "planned_queries"), planned, 0);
}

static json_t *sidecar(const struct outputs *o)
{
    json_error_t e;

    return json_load_file(o->sidecar, 0, &e);
}

/* --queries 3x: 3, 12 and 24 queries at 1, 4 and 8; the sidecar says
 * which mode. */
static void test_queries_per_conc(int port)
{
    struct outputs o;
    struct csv s, q;
    char a[256];
    json_t *j;

    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 3x --max-tokens 4 "
             "--concurrency-levels 1,4,8",
             port);
    collect(&o, "nx", a);
    CHECK_INT(o.status, 0);
    CHECK_INT(csv_load(&s, o.summary), 0);
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(s.nrows, 3);
    CHECK_INT(q.nrows, 39);
    if (s.nrows == 3) {
        level_counts(&s, 0, 3, 3);
        level_counts(&s, 1, 12, 12);
        level_counts(&s, 2, 24, 24);
    }
    j = sidecar(&o);
    CHECK(j != NULL);
    CHECK(json_is_null(json_object_get(j, "queries_per_level")));
    CHECK_INT(json_integer_value(json_object_get(j, "queries_per_concurrency")),
              3);
    CHECK(json_is_null(json_object_get(j, "level_duration_s")));
    json_decref(j);
    csv_free(&s);
    csv_free(&q);
}

/*
 * --level-duration 0.4s at concurrency 2, queries of about 25 ms: every
 * query is sent within the level's 0.4 s (its first send is the level's
 * start), the last ones end after it (the level drains), and the level
 * runs about 0.4 s / 25 ms x 2 queries; planned_queries is what it ran.
 * With --max-queries 5 a 30 s level stops sending after 5.
 */
static void test_level_duration(int port)
{
    struct outputs o;
    struct csv s, q;
    char a[256];
    double t0 = INFINITY, last_send = -INFINITY, last_end = -INFINITY;
    size_t i;
    json_t *j;

    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --level-duration 0.4s "
             "--max-tokens 10 --concurrency-levels 2",
             port);
    collect(&o, "dur", a);
    CHECK_INT(o.status, 0);
    CHECK_INT(csv_load(&s, o.summary), 0);
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(s.nrows, 1);
    for (i = 0; i < q.nrows; i++) {
        double st = cellf(&q, i, "start_s") - cellf(&q, i, "send_lag_s");

        if (st < t0)
            t0 = st;
        if (st > last_send)
            last_send = st;
        if (cellf(&q, i, "end_s") > last_end)
            last_end = cellf(&q, i, "end_s");
        CHECK_STR(cell(&q, i, "error"), "");
    }
    CHECK(q.nrows >= 10 && q.nrows <= 80);
    CHECK(last_send - t0 < 0.4);
    CHECK(last_end - t0 > 0.4);
    if (s.nrows == 1)
        level_counts(&s, 0, (double)q.nrows, (double)q.nrows);
    j = sidecar(&o);
    CHECK(j && json_real_value(json_object_get(j, "level_duration_s")) == 0.4);
    CHECK(j && json_is_null(json_object_get(j, "queries_per_level")));
    json_decref(j);
    csv_free(&s);
    csv_free(&q);

    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --level-duration 30s --max-queries 5 "
             "--max-tokens 4 --concurrency-levels 2",
             port);
    collect(&o, "cap", a);
    CHECK_INT(o.status, 0);
    CHECK_INT(csv_load(&s, o.summary), 0);
    if (s.nrows == 1)
        level_counts(&s, 0, 5, 5);
    csv_free(&s);
}

/* The modes' bad combinations, refused before anything is sent. */
static void test_queries_errors(void)
{
    struct outputs o;

    collect(&o, "e1", "--url http://127.0.0.1:9 --max-queries 5");
    CHECK_INT(o.status, 2);
    CHECK(strstr(o.err, "--max-queries: caps a timed level; give "
                        "--level-duration too") != NULL);
    collect(&o, "e2", "--url http://127.0.0.1:9 --queries 0x");
    CHECK_INT(o.status, 2);
    CHECK(strstr(o.err, "--queries: expected at least 1x") != NULL);
    collect(&o, "e3",
            "--url http://127.0.0.1:9 --queries 2x --level-duration 1s");
    CHECK_INT(o.status, 2);
    CHECK(strstr(o.err, "--queries Nx and --level-duration: give one of "
                        "the two") != NULL);
    collect(&o, "e4", "--url http://127.0.0.1:9 --level-duration 0");
    CHECK_INT(o.status, 2);
    CHECK(strstr(o.err, "--level-duration: expected a duration from 1ms "
                        "to 24h") != NULL);
}

int main(void)
{
    struct server s;
    char cmd[128];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sk_collect_load_%d", (int)getpid());
    mkdir(tmpdir, 0755);
    test_queries_errors();
    if (start_server(&s, fast) == 0) {
        test_queries_per_conc(s.port);
        test_level_duration(s.port);
        stop_server(&s);
    } else
        CHECK(!"serve-sim started");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (sk_test_failures == 0 && !getenv("SK_KEEP") && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return sk_test_done("collect_load");
}
