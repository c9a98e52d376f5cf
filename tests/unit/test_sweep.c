/* Sweep summaries: loading, ordering, missing cells and bad levels. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <stdlib.h>

static int load(sk_sweep **s, const char *csv)
{
    return sk_sweep_load_buffer(s, "s.csv", csv, strlen(csv));
}

static void test_load(void)
{
    sk_sweep *s = NULL;
    const double *tp, *ttft;

    /* Out of order on purpose; one missing cell. */
    CHECK_INT(load(&s, "concurrency,throughput_tokens_per_s,p90_ttft_s\n"
                       "4,155.09,0.7\n1,90.98,\n2,123.96,0.4\n"),
              0);
    CHECK_INT(sk_sweep_levels(s), 3);
    CHECK_NEAR(sk_sweep_concurrency(s)[0], 1, 0);
    CHECK_NEAR(sk_sweep_concurrency(s)[2], 4, 0);
    CHECK_INT(sk_sweep_line(s, 0), 3);
    CHECK_INT(sk_sweep_column(&tp, s, "throughput_tokens_per_s"), 0);
    CHECK_NEAR(tp[0], 90.98, 0);
    CHECK_NEAR(tp[1], 123.96, 0);
    CHECK_NEAR(tp[2], 155.09, 0);
    CHECK_INT(sk_sweep_column(&ttft, s, "p90_ttft_s"), 0);
    CHECK(isnan(ttft[0]));
    CHECK_NEAR(ttft[1], 0.4, 0);
    CHECK_INT(sk_sweep_column(&tp, s, "nosuch"), SK_ENOTFOUND);
    CHECK_STR(sk_error_last(), "s.csv: no column 'nosuch'; available: "
                               "concurrency, throughput_tokens_per_s, "
                               "p90_ttft_s");
    CHECK_STR(sk_sweep_name(s), "s.csv");
    sk_sweep_free(s);
    sk_sweep_free(NULL);
}

static void test_errors(void)
{
    static const struct {
        const char *csv;
        int rc;
        const char *msg;
    } cases[] = {
        {"", SK_ENODATA, "s.csv: empty file"},
        {"concurrency,x\n", SK_ENODATA, "s.csv: header only, no levels"},
        {"c,x\n1,2\n", SK_ENOTFOUND, "s.csv: no column 'concurrency'; "
                                     "available: c, x"},
        {"concurrency,x\n1,2\n0,3\n", SK_EPARSE,
         "s.csv:3: concurrency must be a number > 0, got '0'"},
        {"concurrency,x\n-2,3\n", SK_EPARSE,
         "s.csv:2: concurrency must be a number > 0, got '-2'"},
        {"concurrency,x\n,3\n", SK_EPARSE,
         "s.csv:2: concurrency must be a number > 0, got ''"},
        {"concurrency,x\nnan,3\n", SK_EPARSE,
         "s.csv:2: concurrency must be a number > 0, got 'nan'"},
        {"concurrency,x\ninf,3\n", SK_EPARSE,
         "s.csv:2: concurrency must be a number > 0, got 'inf'"},
        {"concurrency,x\n16,1\n8,2\n16,3\n", SK_EPARSE,
         "s.csv:4: concurrency 16 appears twice (also line 2); one summary "
         "row per level"},
        {"concurrency,x\n1,2,3\n", SK_EPARSE,
         "s.csv:2: row has 3 fields, header has 2"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_sweep *s = (sk_sweep *)1;

        CHECK_INT(load(&s, cases[i].csv), cases[i].rc);
        CHECK_STR(sk_error_last(), cases[i].msg);
        CHECK(s == NULL);
    }
}

static void test_bad_cells(void)
{
    sk_sweep *s = NULL;
    const double *v;

    /* Text and NaN in a column fail only when that column is used. */
    CHECK_INT(load(&s, "concurrency,x,y,model\n1,5,nan,a\n2,6,1,b\n"), 0);
    CHECK_INT(sk_sweep_column(&v, s, "x"), 0);
    CHECK_INT(sk_sweep_column(&v, s, "y"), SK_EPARSE);
    CHECK_STR(sk_error_last(), "s.csv:2: column 'y': 'nan' is not a finite "
                               "number");
    CHECK_INT(sk_sweep_column(&v, s, "model"), SK_EPARSE);
    CHECK_STR(sk_error_last(), "s.csv:2: column 'model': 'a' is not a "
                               "finite number");
    sk_sweep_free(s);
}

static void test_fixture(void)
{
    const char *dir = getenv("SK_FIXTURES");
    char path[1024];
    sk_sweep *s = NULL;
    const double *tp;

    if (!dir)
        return;
    snprintf(path, sizeof(path), "%s/summary_gemma-3-1b-it-qat-4bit.csv",
             dir);
    CHECK_INT(sk_sweep_load(&s, path), 0);
    CHECK_INT(sk_sweep_levels(s), 8);
    CHECK_NEAR(sk_sweep_concurrency(s)[7], 128, 0);
    CHECK_INT(sk_sweep_column(&tp, s, sk_sweep_columns[4]), 0);
    CHECK_NEAR(tp[7], 2011.85, 1e-9);
    sk_sweep_free(s);
}

/* Rows streamed by the caller load as sk_sweep_load_buffer() loads them:
 * the same order, lines and errors. */
static void test_rows(void)
{
    static const char csv[] = "concurrency,x\n4,1\n1,2\n";
    sk_sweep *s = NULL, *done = NULL;
    const double *x;
    int rc;

    CHECK_INT(sk_sweep_begin(&s, "r.csv"), 0);
    rc = sk_table_stream_buffer("r.csv", csv, strlen(csv), NULL,
                                sk_sweep_row, s);
    CHECK_INT(sk_sweep_end(&done, s, rc), 0);
    CHECK(done != NULL);
    if (done) {
        CHECK_NEAR(sk_sweep_concurrency(done)[0], 1, 0);
        CHECK_INT(sk_sweep_line(done, 0), 3);
        CHECK_INT(sk_sweep_column(&x, done, "x"), 0);
        CHECK_NEAR(x[1], 1, 0);
    }
    sk_sweep_free(done);

    /* A repeated level fails at the end, naming both lines. */
    CHECK_INT(sk_sweep_begin(&s, "d.csv"), 0);
    rc = sk_table_stream_buffer("d.csv", "concurrency\n2\n2\n", 16, NULL,
                                sk_sweep_row, s);
    CHECK_INT(sk_sweep_end(&done, s, rc), SK_EPARSE);
    CHECK(done == NULL);
    CHECK_STR(sk_error_last(), "d.csv:3: concurrency 2 appears twice (also "
                               "line 2); one summary row per level");
    /* A stream that failed is passed through, the sweep freed. */
    CHECK_INT(sk_sweep_begin(&s, "e.csv"), 0);
    CHECK_INT(sk_sweep_end(&done, s, SK_EIO), SK_EIO);
    CHECK(done == NULL);
}

/* Columns already in memory: sorted by concurrency with their lines,
 * what is not finite missing; no concurrency column or a level <= 0 is an
 * error. */
static void test_from_columns(void)
{
    static const char *const names[] = {"y", "concurrency"};
    const double y[] = {10, INFINITY, 30}, c[] = {8, 2, 4};
    const double *const cols[] = {y, c};
    const size_t lines[] = {7, 3, 5};
    const double bad_c[] = {1, 0, 2}, *const bad[] = {y, bad_c};
    sk_sweep *s = NULL;
    const double *v;

    CHECK_INT(sk_sweep_from_columns(&s, "m (summarised)", names, 2, cols,
                                    lines, 3),
              0);
    if (s) {
        CHECK_INT(sk_sweep_levels(s), 3);
        CHECK_NEAR(sk_sweep_concurrency(s)[0], 2, 0);
        CHECK_NEAR(sk_sweep_concurrency(s)[2], 8, 0);
        CHECK_INT(sk_sweep_line(s, 0), 3);
        CHECK_INT(sk_sweep_line(s, 2), 7);
        CHECK_INT(sk_sweep_column(&v, s, "y"), 0);
        CHECK(isnan(v[0]));
        CHECK_NEAR(v[1], 30, 0);
        CHECK_NEAR(v[2], 10, 0);
        CHECK_STR(sk_sweep_name(s), "m (summarised)");
    }
    sk_sweep_free(s);
    CHECK_INT(sk_sweep_from_columns(&s, "m", names, 1, cols, lines, 3),
              SK_ENOTFOUND);
    CHECK(s == NULL);
    CHECK_INT(sk_sweep_from_columns(&s, "m", names, 2, bad, lines, 3),
              SK_EPARSE);
    CHECK_STR(sk_error_last(), "m:3: concurrency must be a number > 0, "
                               "got 0");
    CHECK_INT(sk_sweep_from_columns(&s, "m", names, 2, cols, lines, 0),
              SK_ENODATA);
}

int main(void)
{
    test_load();
    test_errors();
    test_bad_cells();
    test_fixture();
    test_rows();
    test_from_columns();
    return sk_test_done("sweep");
}
