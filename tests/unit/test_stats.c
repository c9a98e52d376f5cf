/*
 * The stats module: percentiles and summaries against hand-computed
 * values (the edges: n = 1, n = 2, ties, all equal, one huge outlier,
 * p = 0 and 100), cross-checked with GSL's
 * gsl_stats_quantile_from_sorted_data; the grouped loader from buffers
 * (key order, composite keys, missing cells) and its error messages.
 */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/stats.h"

#include <float.h>
#include <stdint.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- percentiles ------------------------------------------------------- */

struct pct_case {
    double x[8];
    size_t n;
    double p, want, tol;
};

static void test_percentile_values(void)
{
    /* h = (n - 1) p / 100; x[floor h] + (h - floor h)(x[ceil h] - ...). */
    static const struct pct_case cases[] = {
        /* n = 1: every p is the one value */
        {{7}, 1, 0, 7, 0},
        {{7}, 1, 50, 7, 0},
        {{7}, 1, 100, 7, 0},
        /* n = 2 */
        {{1, 3}, 2, 0, 1, 0},
        {{1, 3}, 2, 25, 1.5, 1e-15},
        {{1, 3}, 2, 50, 2, 0},
        {{1, 3}, 2, 100, 3, 0},
        /* odd n: h = 4p/100 */
        {{1, 2, 3, 4, 5}, 5, 10, 1.4, 1e-15},
        {{1, 2, 3, 4, 5}, 5, 25, 2, 0},
        {{1, 2, 3, 4, 5}, 5, 50, 3, 0},
        {{1, 2, 3, 4, 5}, 5, 90, 4.6, 1e-15},
        /* even n: h = 3p/100 */
        {{1, 2, 3, 4}, 4, 50, 2.5, 0},
        {{1, 2, 3, 4}, 4, 90, 3.7, 1e-15},
        /* ties */
        {{1, 2, 2, 2, 3}, 5, 25, 2, 0},
        {{1, 2, 2, 2, 3}, 5, 50, 2, 0},
        {{1, 2, 2, 2, 3}, 5, 75, 2, 0},
        {{1, 2, 2, 2, 3}, 5, 90, 2.6, 1e-15},
        /* all equal: exactly the value, whatever p */
        {{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, 7, 33.3, 0.1, 0},
        {{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, 7, 90, 0.1, 0},
        /* one huge outlier moves only the top percentiles */
        {{1, 2, 3, 4, 1e9}, 5, 50, 3, 0},
        {{1, 2, 3, 4, 1e9}, 5, 75, 4, 0},
        {{1, 2, 3, 4, 1e9}, 5, 90, 600000001.6, 1e-6},
        {{1, 2, 3, 4, 1e9}, 5, 100, 1e9, 0},
        /* b - a overflows */
        {{-DBL_MAX, DBL_MAX}, 2, 50, 0, 0},
        {{-DBL_MAX, DBL_MAX}, 2, 100, DBL_MAX, 0},
    };
    static const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    size_t i;
    double v;

    for (i = 0; i < N(cases); i++) {
        v = -1;
        CHECK_INT(sk_stats_percentile(&v, cases[i].x, cases[i].n, cases[i].p),
                  0);
        CHECK_NEAR(v, cases[i].want, cases[i].tol);
    }
    /* 1..10: h = 9p/100 */
    CHECK_INT(sk_stats_percentile(&v, ten, 10, 0), 0);
    CHECK_NEAR(v, 1, 0);
    CHECK_INT(sk_stats_percentile(&v, ten, 10, 50), 0);
    CHECK_NEAR(v, 5.5, 0);
    CHECK_INT(sk_stats_percentile(&v, ten, 10, 90), 0);
    CHECK_NEAR(v, 9.1, 1e-12);
    CHECK_INT(sk_stats_percentile(&v, ten, 10, 95), 0);
    CHECK_NEAR(v, 9.55, 1e-12);
    CHECK_INT(sk_stats_percentile(&v, ten, 10, 99), 0);
    CHECK_NEAR(v, 9.91, 1e-12);
    CHECK_INT(sk_stats_percentile(&v, ten, 10, 100), 0);
    CHECK_NEAR(v, 10, 0);
}

static void test_percentile_errors(void)
{
    static const struct {
        double p;
        const char *msg;
    } bad[] = {{-1, "percentile -1 is outside [0, 100]"},
               {100.5, "percentile 100.5 is outside [0, 100]"},
               {NAN, "percentile nan is outside [0, 100]"},
               {INFINITY, "percentile inf is outside [0, 100]"}};
    static const double x[] = {1, 2};
    double v = 42;
    size_t i;

    for (i = 0; i < N(bad); i++) {
        CHECK_INT(sk_stats_percentile(&v, x, 2, bad[i].p), SK_EINVAL);
        CHECK_STR(sk_error_last(), bad[i].msg);
    }
    CHECK_INT(sk_stats_percentile(&v, x, 0, 50), SK_ENODATA);
    CHECK_STR(sk_error_last(), "percentile of an empty sample");
    CHECK_NEAR(v, 42, 0); /* untouched on failure */
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return (a > b) - (a < b);
}

/* Same definition as GSL's: compare on random sorted samples. */
static void test_percentile_matches_gsl(void)
{
    double x[101];
    size_t n, i;
    unsigned seed = 12345;
    int bad = 0;

    for (n = 1; n <= 101; n += 4) {
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            x[i] = (double)(seed >> 8) / 65536.0 - 100.0;
        }
        qsort(x, n, sizeof(x[0]), cmp_double);
        for (i = 0; i <= 1000; i++) {
            double p = i / 10.0, v;
            double want =
                gsl_stats_quantile_from_sorted_data(x, 1, n, p / 100.0);

            if (sk_stats_percentile(&v, x, n, p) != 0 ||
                fabs(v - want) > 1e-12 * (1 + fabs(want)))
                bad++;
        }
    }
    CHECK_INT(bad, 0);
}

/* ---- summaries ---------------------------------------------------------- */

static void test_summarize(void)
{
    /* Sorted: 2 4 4 4 5 5 7 9.  Mean 40/8 = 5; squared deviations
     * 9 1 1 1 0 0 4 16 sum to 32: sample sd sqrt(32/7). */
    double x[] = {9, 2, 5, 4, 7, 4, 5, 4};
    double one[] = {3.5};
    double p[] = {0, 50, 90, 100};
    double pct[4];
    struct sk_stats_summary s;

    CHECK_INT(sk_stats_summarize(&s, pct, x, N(x), p, N(p)), 0);
    CHECK_INT(s.count, 8);
    CHECK_INT(s.missing, 0);
    CHECK_NEAR(s.mean, 5, 1e-15);
    CHECK_NEAR(s.sd, sqrt(32.0 / 7.0), 1e-15);
    CHECK_NEAR(s.sd, 2.1380899352993950, 1e-15);
    CHECK_NEAR(s.min, 2, 0);
    CHECK_NEAR(s.max, 9, 0);
    CHECK_NEAR(pct[0], 2, 0);
    CHECK_NEAR(pct[1], 4.5, 0);     /* h = 3.5: 4 + 0.5 (5 - 4) */
    CHECK_NEAR(pct[2], 7.6, 1e-14); /* h = 6.3: 7 + 0.3 (9 - 7) */
    CHECK_NEAR(pct[3], 9, 0);
    CHECK_NEAR(x[0], 2, 0); /* sorted in place */
    CHECK_NEAR(x[7], 9, 0);

    /* n = 1: sd undefined */
    CHECK_INT(sk_stats_summarize(&s, pct, one, 1, p, N(p)), 0);
    CHECK_INT(s.count, 1);
    CHECK_NEAR(s.mean, 3.5, 0);
    CHECK(isnan(s.sd));
    CHECK_NEAR(s.min, 3.5, 0);
    CHECK_NEAR(s.max, 3.5, 0);
    CHECK_NEAR(pct[1], 3.5, 0);

    /* n = 0: everything undefined, not an error */
    CHECK_INT(sk_stats_summarize(&s, pct, NULL, 0, p, N(p)), 0);
    CHECK_INT(s.count, 0);
    CHECK(isnan(s.mean) && isnan(s.sd) && isnan(s.min) && isnan(s.max));
    CHECK(isnan(pct[0]) && isnan(pct[3]));

    /* all equal: sd exactly 0 */
    {
        double e[] = {0.1, 0.1, 0.1};

        CHECK_INT(sk_stats_summarize(&s, pct, e, 3, p, N(p)), 0);
        CHECK_NEAR(s.mean, 0.1, 1e-17);
        CHECK_NEAR(s.sd, 0, 1e-17);
    }
    /* a huge outlier */
    {
        double o[] = {1, 2, 3, 4, 1e9};

        CHECK_INT(sk_stats_summarize(&s, pct, o, 5, p, N(p)), 0);
        CHECK_NEAR(s.mean, 200000002, 1e-6);
        CHECK_NEAR(pct[1], 3, 0);
    }
    /* sums past DBL_MAX: the mean of finite values stays finite */
    {
        double h[] = {DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX / 2};

        CHECK_INT(sk_stats_summarize(&s, pct, h, 4, p, N(p)), 0);
        CHECK_NEAR(s.mean, DBL_MAX * 0.875, DBL_MAX * 1e-15);
#if LDBL_MANT_DIG >= 64
        /* and so does the sd when a long double is wider (squares of
         * deviations past DBL_MAX: GSL's sd is infinite there too) */
        CHECK_NEAR(s.sd, DBL_MAX * 0.25, DBL_MAX * 1e-15);
#endif
    }
#if LDBL_MANT_DIG >= 64
    /* sums of long doubles: five ones and 2^53 sum to 2^53 + 5 exactly
     * (2^53 + 4 in doubles), and the mean is the nearest double to
     * (2^53 + 5) / 6 */
    {
        double w[] = {9007199254740992.0, 1, 1, 1, 1, 1};

        CHECK_INT(sk_stats_summarize(&s, pct, w, 6, p, N(p)), 0);
        CHECK_NEAR(s.mean, 1501199875790166.25, 0);
    }
#endif
}

/* The in-place sort (radix from 64 values) agrees with qsort(), on
 * signs, zeros, ties, subnormals and extremes. */
static void test_summarize_sorts(void)
{
    static const double special[] = {-0.0,    0.0,      DBL_MAX,  -DBL_MAX,
                                     DBL_MIN, -DBL_MIN, 4.9e-324, -4.9e-324,
                                     1,       1,        1,        -1};
    size_t sizes[] = {1, 2, 5, 63, 64, 65, 1000, 5000};
    double *a = malloc(5000 * sizeof(*a)), *b = malloc(5000 * sizeof(*b));
    unsigned seed = 99;
    size_t k, i, bad = 0;

    for (k = 0; k < N(sizes); k++) {
        size_t n = sizes[k];
        struct sk_stats_summary s;

        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            if (i < N(special) && n > N(special))
                a[i] = special[i];
            else if (seed % 3 == 0)
                a[i] = (double)(seed >> 20) - 2048; /* many ties */
            else
                a[i] = ldexp((double)(seed >> 8) - 8388608.0,
                             (int)(seed % 64) - 32);
        }
        memcpy(b, a, n * sizeof(*a));
        qsort(b, n, sizeof(*b), cmp_double);
        CHECK_INT(sk_stats_summarize(&s, NULL, a, n, NULL, 0), 0);
        for (i = 0; i < n; i++)
            if (a[i] != b[i] || (i && a[i - 1] > a[i]))
                bad++;
        CHECK_NEAR(s.min, b[0], 0);
        CHECK_NEAR(s.max, b[n - 1], 0);
    }
    CHECK_INT(bad, 0);
    free(a);
    free(b);
}

static void test_summarize_errors(void)
{
    double x[] = {1, NAN, 3};
    double y[] = {1, 2, 3};
    double p[] = {50, 101};
    double pct[2];
    struct sk_stats_summary s;

    CHECK_INT(sk_stats_summarize(&s, pct, x, 3, p, 1), SK_EINVAL);
    CHECK_STR(sk_error_last(), "value 2 of the sample is not finite");
    CHECK_INT(sk_stats_summarize(&s, pct, y, 3, p, 2), SK_EINVAL);
    CHECK_STR(sk_error_last(), "percentile 101 is outside [0, 100]");
}

/* ---- the grouped loader ------------------------------------------------ */

static sk_stats_groups *load(const char *csv, const sk_stats_opts *o)
{
    sk_stats_groups *g = NULL;
    int rc = sk_stats_groups_from_buffer(&g, "t.csv", csv, strlen(csv), o);

    if (rc != 0)
        fprintf(stderr, "load failed: %s\n", sk_error_last());
    return g;
}

/* "k1/k2" of group i. */
static const char *keys(const sk_stats_groups *g, size_t i)
{
    static char buf[256];
    size_t k, used = 0;

    buf[0] = '\0';
    for (k = 0; k < sk_stats_groups_nkeys(g); k++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
                                 k ? "/" : "", sk_stats_groups_key(g, i, k));
    return buf;
}

static const char sweep[] = "concurrency,model,ttft_s,tokens_per_s\n"
                            "10,b,0.5,100\n"
                            "2,a,0.1,\n"
                            "2,a,,50\n"
                            "10,a,0.3,80\n"
                            "2,b,0.2,60\n"
                            "1,a,0.05,200\n";

static void test_group_numeric_order(void)
{
    const char *by[] = {"concurrency"};
    const char *fields[] = {"ttft_s", "tokens_per_s"};
    sk_stats_opts o = {0};
    sk_stats_groups *g;
    struct sk_stats_summary s;
    double p[] = {50}, pct[1];

    o.by = by;
    o.nby = 1;
    o.fields = fields;
    o.nfields = 2;
    if (!(g = load(sweep, &o))) {
        CHECK(0);
        return;
    }
    CHECK_INT(sk_stats_groups_count(g), 3);
    CHECK_INT(sk_stats_groups_nkeys(g), 1);
    CHECK_STR(sk_stats_groups_key_name(g, 0), "concurrency");
    CHECK_INT(sk_stats_groups_nfields(g), 2);
    CHECK_STR(sk_stats_groups_field_name(g, 1), "tokens_per_s");
    CHECK_STR(keys(g, 0), "1"); /* 2 before 10: numbers by value */
    CHECK_STR(keys(g, 1), "2");
    CHECK_STR(keys(g, 2), "10");

    /* concurrency 2: ttft {0.1, missing, 0.2}, tps {missing, 50, 60} */
    CHECK_INT(sk_stats_groups_summarize(&s, pct, g, 1, 0, p, 1), 0);
    CHECK_INT(s.count, 2);
    CHECK_INT(s.missing, 1);
    CHECK_NEAR(s.mean, 0.15, 1e-15);
    CHECK_NEAR(s.sd, sqrt(0.005), 1e-15); /* (0.05^2 * 2) / 1 */
    CHECK_NEAR(s.min, 0.1, 0);
    CHECK_NEAR(s.max, 0.2, 0);
    CHECK_NEAR(pct[0], 0.15, 1e-15);
    CHECK_INT(sk_stats_groups_summarize(&s, pct, g, 1, 1, p, 1), 0);
    CHECK_INT(s.count, 2);
    CHECK_INT(s.missing, 1);
    CHECK_NEAR(s.mean, 55, 0); /* the missing cell is not a zero */
    CHECK_NEAR(s.min, 50, 0);

    /* concurrency 1: one value */
    CHECK_INT(sk_stats_groups_summarize(&s, pct, g, 0, 1, p, 1), 0);
    CHECK_INT(s.count, 1);
    CHECK_INT(s.missing, 0);
    CHECK(isnan(s.sd));
    CHECK_NEAR(pct[0], 200, 0);

    /* a bad percentile */
    p[0] = -5;
    CHECK_INT(sk_stats_groups_summarize(&s, pct, g, 0, 1, p, 1), SK_EINVAL);
    CHECK_STR(sk_error_last(), "percentile -5 is outside [0, 100]");
    sk_stats_groups_free(g);
}

static void test_group_composite(void)
{
    const char *by1[] = {"concurrency", "model"};
    const char *by2[] = {"model", "concurrency"};
    const char *fields[] = {"tokens_per_s"};
    static const char *want1[] = {"1/a", "2/a", "2/b", "10/a", "10/b"};
    static const char *want2[] = {"a/1", "a/2", "a/10", "b/2", "b/10"};
    sk_stats_opts o = {0};
    sk_stats_groups *g;
    struct sk_stats_summary s;
    size_t i;

    o.by = by1;
    o.nby = 2;
    o.fields = fields;
    o.nfields = 1;
    if ((g = load(sweep, &o)) != NULL) {
        CHECK_INT(sk_stats_groups_count(g), N(want1));
        for (i = 0; i < N(want1) && i < sk_stats_groups_count(g); i++)
            CHECK_STR(keys(g, i), want1[i]);
        /* 2/a: tps {missing, 50} */
        CHECK_INT(sk_stats_groups_summarize(&s, NULL, g, 1, 0, NULL, 0), 0);
        CHECK_INT(s.count, 1);
        CHECK_INT(s.missing, 1);
        CHECK_NEAR(s.mean, 50, 0);
    }
    sk_stats_groups_free(g);

    o.by = by2;
    if ((g = load(sweep, &o)) != NULL) {
        CHECK_INT(sk_stats_groups_count(g), N(want2));
        for (i = 0; i < N(want2) && i < sk_stats_groups_count(g); i++)
            CHECK_STR(keys(g, i), want2[i]);
    }
    sk_stats_groups_free(g);
}

/* Numbers by value before text; text by bytes; "1" vs "1.0" by bytes;
 * "nan" is text; key text kept exactly. */
static void test_group_key_order(void)
{
    static const char csv[] = "k,v\n"
                              "b,1\n"
                              "1.0,1\n"
                              "B,1\n"
                              "1e1,1\n"
                              "x y,1\n"
                              "9,1\n"
                              ",1\n"
                              "nan,1\n"
                              "-0.5,1\n"
                              "1,1\n"
                              "a,1\n"
                              "b,2\n";
    static const char *want[] = {"-0.5", "1", "1.0", "9",   "1e1", "",
                                 "B",    "a", "b",   "nan", "x y"};
    const char *by[] = {"k"};
    const char *fields[] = {"v"};
    sk_stats_opts o = {0};
    sk_stats_groups *g;
    struct sk_stats_summary s;
    size_t i;

    o.by = by;
    o.nby = 1;
    o.fields = fields;
    o.nfields = 1;
    if (!(g = load(csv, &o))) {
        CHECK(0);
        return;
    }
    CHECK_INT(sk_stats_groups_count(g), N(want));
    for (i = 0; i < N(want) && i < sk_stats_groups_count(g); i++)
        CHECK_STR(keys(g, i), want[i]);
    CHECK_INT(sk_stats_groups_summarize(&s, NULL, g, 8, 0, NULL, 0), 0);
    CHECK_INT(s.count, 2); /* "b" seen twice, apart */
    CHECK_NEAR(s.mean, 1.5, 0);
    sk_stats_groups_free(g);
}

/* Enough groups to grow the hash index several times, in reverse order. */
static void test_group_many(void)
{
    const char *by[] = {"k"};
    const char *fields[] = {"v"};
    sk_stats_opts o = {0};
    sk_stats_groups *g = NULL;
    struct sk_stats_summary s;
    char *csv = malloc(3000 * 24 + 16), *p = csv;
    size_t i, bad = 0;
    int rc;

    p += sprintf(p, "k,v\n");
    for (i = 0; i < 3000; i++) /* keys 999..0, each three times */
        p += sprintf(p, "%zu,%zu\n", 999 - i % 1000, i);
    o.by = by;
    o.nby = 1;
    o.fields = fields;
    o.nfields = 1;
    rc =
        sk_stats_groups_from_buffer(&g, "many.csv", csv, (size_t)(p - csv), &o);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        CHECK_INT(sk_stats_groups_count(g), 1000);
        for (i = 0; i < 1000; i++) {
            char want[16];

            snprintf(want, sizeof(want), "%zu", i);
            sk_stats_groups_summarize(&s, NULL, g, i, 0, NULL, 0);
            /* key i on rows 999 - i, 1999 - i, 2999 - i */
            if (strcmp(sk_stats_groups_key(g, i, 0), want) != 0 ||
                s.count != 3 || s.mean != 1999.0 - (double)i)
                bad++;
        }
        CHECK_INT(bad, 0);
    }
    sk_stats_groups_free(g);
    free(csv);
}

/* Groups whose arrays pass through every size of stats' pool and past it
 * (140000 values are more than 1 MiB), their rows interleaved so that
 * they all grow at once and give each other the slabs they outgrow: read
 * whole, then on two threads in 64 KiB chunks (merged part by part).
 * Group k holds 0..n-1 in a scrambled order, so every summary is known. */
static void test_group_sizes(void)
{
    static const size_t n[] = {1,     2,     9,     1000,   70001,
                               70003, 70009, 70019, 70021, 70039,
                               70051, 70061, 140000, 140001};
    const char *by[] = {"k"};
    const char *fields[] = {"v"};
    char dir[] = "/tmp/sk_stats_XXXXXX", path[64];
    size_t left[N(n)], i, k, total = 0, bad = 0;
    char *csv, *p;
    int pass;

    for (k = 0; k < N(n); k++)
        total += left[k] = n[k];
    if (!(p = csv = malloc(total * 16 + 8)) || !mkdtemp(dir)) {
        CHECK(!"malloc or mkdtemp");
        free(csv);
        return;
    }
    p += sprintf(p, "k,v\n");
    for (i = 0; i < total;)
        for (k = 0; k < N(n); k++)
            if (left[k] > 0) {
                size_t j = n[k] - left[k]--;

                /* 7919 is prime and divides no n: a permutation */
                p += sprintf(p, "%zu,%zu\n", k, j * 7919 % n[k]);
                i++;
            }
    snprintf(path, sizeof(path), "%s/sizes.csv", dir);
    for (pass = 0; pass < 2; pass++) {
        sk_stats_opts o = {0};
        sk_stats_groups *g = NULL;
        FILE *fp;
        int rc;

        o.by = by;
        o.nby = 1;
        o.fields = fields;
        o.nfields = 1;
        if (pass == 0) {
            rc = sk_stats_groups_from_buffer(&g, "sizes.csv", csv,
                                             (size_t)(p - csv), &o);
        } else {
            if (!(fp = fopen(path, "w")) ||
                fwrite(csv, 1, (size_t)(p - csv), fp) != (size_t)(p - csv) ||
                fclose(fp) != 0) {
                CHECK(!"write sizes.csv");
                break;
            }
            setenv("SK_TABLE_CHUNK_BYTES", "65536", 1);
            o.threads = 2;
            rc = sk_stats_groups_from_file(&g, path, &o);
            unsetenv("SK_TABLE_CHUNK_BYTES");
        }
        CHECK_INT(rc, 0);
        if (rc == 0)
            CHECK_INT(sk_stats_groups_count(g), N(n));
        for (k = 0; rc == 0 && k < N(n) && k < sk_stats_groups_count(g);
             k++) {
            static const double ps[] = {0, 50, 100};
            struct sk_stats_summary s;
            double pct[3], m = (double)(n[k] - 1) / 2;
            /* the sample sd of 0..n-1 */
            double sd = sqrt((double)n[k] * (double)(n[k] + 1) / 12);

            sk_stats_groups_summarize(&s, pct, g, k, 0, ps, 3);
            if (s.count != n[k] || s.min != 0 || s.max != (double)n[k] - 1 ||
                pct[0] != 0 || pct[1] != m || pct[2] != (double)n[k] - 1 ||
                s.mean != m ||
                (n[k] > 1 && fabs(s.sd - sd) > 1e-9 * sd)) {
                fprintf(stderr, "pass %d group %zu: count %zu mean %g "
                                "sd %g p50 %g\n",
                        pass, k, s.count, s.mean, s.sd, pct[1]);
                bad++;
            }
        }
        sk_stats_groups_free(g);
    }
    CHECK_INT(bad, 0);
    remove(path);
    rmdir(dir);
    free(csv);
}

static void test_defaults(void)
{
    static const char with_c[] =
        "output_tokens,x,concurrency,ttft_s,duration_s\n"
        "256,q,4,0.2,2.0\n"
        "256,q,2,0.1,1.5\n";
    static const char without_c[] = "ttft_s,label\n0.1,a\n0.3,b\n";
    sk_stats_groups *g;
    struct sk_stats_summary s;

    /* by concurrency; fields in the documented order, those present */
    if ((g = load(with_c, NULL)) != NULL) {
        CHECK_INT(sk_stats_groups_nkeys(g), 1);
        CHECK_STR(sk_stats_groups_key_name(g, 0), "concurrency");
        CHECK_INT(sk_stats_groups_nfields(g), 3);
        CHECK_STR(sk_stats_groups_field_name(g, 0), "ttft_s");
        CHECK_STR(sk_stats_groups_field_name(g, 1), "duration_s");
        CHECK_STR(sk_stats_groups_field_name(g, 2), "output_tokens");
        CHECK_INT(sk_stats_groups_count(g), 2);
        CHECK_STR(sk_stats_groups_key(g, 0, 0), "2");
    } else {
        CHECK(0);
    }
    sk_stats_groups_free(g);

    /* no concurrency column: one group over all rows */
    if ((g = load(without_c, NULL)) != NULL) {
        CHECK_INT(sk_stats_groups_nkeys(g), 0);
        CHECK_INT(sk_stats_groups_count(g), 1);
        CHECK_INT(sk_stats_groups_summarize(&s, NULL, g, 0, 0, NULL, 0), 0);
        CHECK_INT(s.count, 2);
        CHECK_NEAR(s.mean, 0.2, 1e-15);
    } else {
        CHECK(0);
    }
    sk_stats_groups_free(g);

    /* SK_STATS_NO_GROUP wins over a concurrency column and over `by` */
    {
        const char *by[] = {"x"};
        sk_stats_opts o = {0};

        o.flags = SK_STATS_NO_GROUP;
        o.by = by;
        o.nby = 1;
        if ((g = load(with_c, &o)) != NULL) {
            CHECK_INT(sk_stats_groups_nkeys(g), 0);
            CHECK_INT(sk_stats_groups_count(g), 1);
            CHECK_INT(sk_stats_groups_summarize(&s, NULL, g, 0, 1, NULL, 0), 0);
            CHECK_NEAR(s.mean, 1.75, 0);
        } else {
            CHECK(0);
        }
        sk_stats_groups_free(g);
    }

    /* a header and no rows: zero groups */
    if ((g = load("concurrency,ttft_s\n", NULL)) != NULL) {
        CHECK_INT(sk_stats_groups_count(g), 0);
        CHECK_INT(sk_stats_groups_nfields(g), 1);
    } else {
        CHECK(0);
    }
    sk_stats_groups_free(g);

    /* Python float() spellings other than inf/nan are numbers */
    if ((g = load("ttft_s\n 1.5 \n1_000\n-2e0\n", NULL)) != NULL) {
        CHECK_INT(sk_stats_groups_summarize(&s, NULL, g, 0, 0, NULL, 0), 0);
        CHECK_INT(s.count, 3);
        CHECK_NEAR(s.min, -2, 0);
        CHECK_NEAR(s.max, 1000, 0);
    } else {
        CHECK(0);
    }
    sk_stats_groups_free(g);
}

/* "a" or "a b" into one or two names in buf; returns the count. */
static size_t split2(const char **names, char *buf, size_t cap, const char *s)
{
    char *sp;

    snprintf(buf, cap, "%s", s);
    names[0] = buf;
    if ((sp = strchr(buf, ' ')) == NULL)
        return 1;
    *sp = '\0';
    names[1] = sp + 1;
    return 2;
}

struct err_case {
    const char *csv;
    const char *by;     /* one or two names "a b", or NULL */
    const char *fields; /* one or two names "a b", or NULL */
    size_t max_values, max_groups;
    int rc;
    const char *msg;
};

static const struct err_case cases[] = {
        {"concurrency,ttft_s\n1,0.5\n1,abc\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:3: column 'ttft_s': 'abc' is not a finite number"},
        {"concurrency,ttft_s\n1,nan\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:2: column 'ttft_s': 'nan' is not a finite number"},
        {"concurrency,ttft_s\n1,-Infinity\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:2: column 'ttft_s': '-Infinity' is not a finite number"},
        {"concurrency,ttft_s\n1,1e999\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:2: column 'ttft_s': '1e999' is not a finite number"},
        {"concurrency,ttft_s\n1,\" \"\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:2: column 'ttft_s': ' ' is not a finite number"},
        /* the line a row starts on, after a quoted line end */
        {"c,v\n\"a\nb\",1\n\"c\",x\n", "c", "v", 0, 0, SK_EPARSE,
         "t.csv:4: column 'v': 'x' is not a finite number"},
        /* a long cell is cut at a character boundary */
        {"v\n0123456789012345678901234567890123456789\xc3\xa9zzz\n", NULL, "v",
         0, 0, SK_EPARSE,
         "t.csv:2: column 'v': '0123456789012345678901234567890123456789"
         "...' is not a finite number"},
        {"v\n012345678901234567890123456789012345678\xc3\xa9zzz\n", NULL, "v",
         0, 0, SK_EPARSE,
         "t.csv:2: column 'v': '012345678901234567890123456789012345678"
         "...' is not a finite number"},
        {"concurrency,model,ttft_s\n1,a,0.5\n", "modle", NULL, 0, 0,
         SK_ENOTFOUND,
         "t.csv: no column 'modle'; available: concurrency, model, ttft_s"},
        {"concurrency,model,ttft_s\n1,a,0.5\n", NULL, "ttfts", 0, 0,
         SK_ENOTFOUND,
         "t.csv: no column 'ttfts'; available: concurrency, model, ttft_s"},
        {"concurrency,ttft_s\n1,0.5\n", NULL, "ttft_s ttft_s", 0, 0, SK_EINVAL,
         "t.csv: column 'ttft_s' is named twice in the fields"},
        {"concurrency,ttft_s\n1,0.5\n", "concurrency concurrency", NULL, 0, 0,
         SK_EINVAL,
         "t.csv: column 'concurrency' is named twice in the key columns"},
        {"concurrency,model,ttft_s\n1,a,0.5\n", "concurrency model", "x y", 0,
         0, SK_ENOTFOUND,
         "t.csv: no column 'x'; available: concurrency, model, ttft_s"},
        {"concurrency,model,ttft_s\n1,a,0.5\n", NULL, NULL, 0, 0, 0, NULL},
        {"concurrency,model\n1,a\n", NULL, NULL, 0, 0, SK_ENOTFOUND,
         "t.csv: none of the default fields (ttft_s, tokens_per_s, "
         "decode_tokens_per_s, duration_s, output_tokens) is a column; name "
         "the fields to use; available: concurrency, model"},
        {"", NULL, NULL, 0, 0, SK_ENODATA, "t.csv: empty file: no header row"},
        {"\n\n", NULL, NULL, 0, 0, SK_ENODATA,
         "t.csv: empty file: no header row"},
        {"concurrency,ttft_s\n1,0.5\n2\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:3: row has 1 fields, header has 2"},
        /* a `concurrency` key holds levels: numbers > 0, as every sweep
         * reader requires; only when it is a key */
        {"concurrency,ttft_s\n1,0.5\n0,0.5\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:3: concurrency must be a number > 0, got '0'"},
        {"concurrency,ttft_s\n-4,0.5\n", "concurrency", NULL, 0, 0,
         SK_EPARSE, "t.csv:2: concurrency must be a number > 0, got '-4'"},
        {"model,concurrency,ttft_s\na,1,0.5\nb,abc,0.5\n",
         "model concurrency", NULL, 0, 0, SK_EPARSE,
         "t.csv:3: concurrency must be a number > 0, got 'abc'"},
        {"concurrency,ttft_s\n,0.5\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:2: concurrency must be a number > 0, got ''"},
        {"concurrency,ttft_s\ninf,0.5\n", NULL, NULL, 0, 0, SK_EPARSE,
         "t.csv:2: concurrency must be a number > 0, got 'inf'"},
        {"concurrency,ttft_s\n0.5,0.5\n", NULL, NULL, 0, 0, 0, NULL},
        {"concurrency,m,ttft_s\n0,a,0.5\n-4,a,1\n", "m", NULL, 0, 0, 0, NULL},
        /* caps: values over all groups and fields, groups */
        {"c,v,w\n1,1,1\n2,,2\n3,3,3\n", "c", "v w", 4, 0, SK_ELIMIT,
         "t.csv:4: more than 4 values to keep"},
        {"c,v,w\n1,1,1\n2,,2\n3,3,\n", "c", "v w", 4, 0, 0, NULL},
        {"c,v\n1,1\n2,2\n1,1\n3,3\n", "c", "v", 0, 2, SK_ELIMIT,
         "t.csv:5: more than 2 groups"},
        /* a cap crossed in the second of two parts read in parallel: the
         * merge hands the part back to be read serially (table.h) */
        {"c,v\n1,1\n1,2\n2,3\n2,4\n3,5\n3,x\n", "c", "v", 4, 0, SK_ELIMIT,
         "t.csv:6: more than 4 values to keep"},
        {"c,v\n1,1\n2,2\n3,3\n4,x\n", "c", "v", 0, 2, SK_ELIMIT,
         "t.csv:4: more than 2 groups"},
};

/* The options of case c, its key and field names split into by[] and
 * fields[] (in bbuf and fbuf, 64 bytes each). */
static void case_opts(sk_stats_opts *o, const struct err_case *c,
                      const char *by[2], char *bbuf, const char *fields[2],
                      char *fbuf)
{
    memset(o, 0, sizeof(*o));
    if (c->by) {
        o->nby = split2(by, bbuf, 64, c->by);
        o->by = by;
    }
    if (c->fields) {
        o->nfields = split2(fields, fbuf, 64, c->fields);
        o->fields = fields;
    }
    o->max_values = c->max_values;
    o->max_groups = c->max_groups;
}

static void test_errors(void)
{
    size_t i;

    for (i = 0; i < N(cases); i++) {
        const struct err_case *c = &cases[i];
        sk_stats_opts o;
        const char *by[2], *fields[2];
        char bbuf[64], fbuf[64];
        sk_stats_groups *g = (sk_stats_groups *)&o; /* must become NULL */
        int rc;

        case_opts(&o, c, by, bbuf, fields, fbuf);
        sk_error_clear();
        rc = sk_stats_groups_from_buffer(&g, "t.csv", c->csv, strlen(c->csv),
                                         &o);
        CHECK_INT(rc, c->rc);
        if (c->rc != 0) {
            CHECK(g == NULL);
            CHECK_STR(sk_error_last(), c->msg);
            if (strcmp(sk_error_last(), c->msg) != 0)
                fprintf(stderr, "  (case %zu)\n", i);
        }
        sk_stats_groups_free(rc == 0 ? g : NULL);
    }
}

/* Each case again from a file read on three threads in chunks of 1 and
 * 5 bytes, cut at any line end: the same outcome and message. */
static void test_errors_threads(void)
{
    char dir[] = "/tmp/sk_stats_XXXXXX", path[64];
    size_t i, k;

    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    snprintf(path, sizeof(path), "%s/t.csv", dir);
    setenv("SK_TABLE_CUT", "any", 1);
    for (i = 0; i < N(cases); i++) {
        const struct err_case *c = &cases[i];
        FILE *fp = fopen(path, "w");

        if (!fp || fputs(c->csv, fp) < 0 || fclose(fp) != 0) {
            CHECK(!"write t.csv");
            break;
        }
        for (k = 0; k < 2; k++) {
            sk_stats_opts o;
            const char *by[2], *fields[2];
            char bbuf[64], fbuf[64], want[256];
            sk_stats_groups *g = NULL;
            int rc;

            setenv("SK_TABLE_CHUNK_BYTES", k ? "5" : "1", 1);
            case_opts(&o, c, by, bbuf, fields, fbuf);
            o.threads = 3;
            rc = sk_stats_groups_from_file(&g, path, &o);
            CHECK_INT(rc, c->rc);
            if (c->rc != 0) {
                snprintf(want, sizeof(want), "%s/%s", dir, c->msg);
                CHECK_STR(sk_error_last(), want);
            }
            sk_stats_groups_free(g);
        }
    }
    unsetenv("SK_TABLE_CUT");
    unsetenv("SK_TABLE_CHUNK_BYTES");
    remove(path);
    rmdir(dir);
}

/* The fixture from a file: concurrency 1, 2, 4 with 4, 8, 8 queries. */
static void test_fixture(void)
{
    const char *dir = getenv("SK_FIXTURES");
    char path[1024];
    sk_stats_groups *g = NULL;
    struct sk_stats_summary s;
    double p[] = {50}, pct[1];
    int rc;

    snprintf(path, sizeof(path), "%s/per_query.csv", dir ? dir : "fixtures");
    rc = sk_stats_groups_from_file(&g, path, NULL);
    CHECK_INT(rc, 0);
    if (rc != 0)
        return;
    CHECK_INT(sk_stats_groups_count(g), 3);
    CHECK_INT(sk_stats_groups_nfields(g), 5);
    CHECK_STR(sk_stats_groups_key(g, 2, 0), "4");
    /* concurrency 1, ttft_s: 0.041731 0.043702 0.042169 0.047667 */
    CHECK_INT(sk_stats_groups_summarize(&s, pct, g, 0, 0, p, 1), 0);
    CHECK_INT(s.count, 4);
    CHECK_NEAR(s.mean, 0.04381725, 1e-15);
    CHECK_NEAR(s.min, 0.041731, 0);
    CHECK_NEAR(s.max, 0.047667, 0);
    CHECK_NEAR(pct[0], 0.0429355, 1e-15); /* (0.042169 + 0.043702) / 2 */
    CHECK_INT(sk_stats_groups_summarize(&s, pct, g, 1, 4, p, 1), 0);
    CHECK_INT(s.count, 8);
    CHECK_NEAR(s.sd, 0, 0); /* output_tokens: 256 throughout */
    sk_stats_groups_free(g);

    CHECK_INT(sk_stats_groups_from_file(&g, "/nonexistent/x.csv", NULL),
              SK_ENOTFOUND);
    CHECK(g == NULL);
}

/* ---- the report writer ------------------------------------------------- */

/* sk_stats_write() in each format, byte for byte: a group with two values
 * (sd defined), a group whose one cell is empty (every statistic
 * undefined). */
static void test_write(void)
{
    static const char csv[] = "concurrency,ttft_s\n1,0.25\n1,0.75\n2,\n";
    static const char *const fields[] = {"ttft_s"};
    static const double p[] = {50};
    static const struct {
        sk_format fmt;
        const char *want;
    } cases[] = {
        {SK_FORMAT_TABLE,
         "concurrency | field  | count | missing |     mean |   stddev |"
         "      min |      max |      p50\n"
         "-------------------------------------------------------------"
         "--------------------------------\n"
         "          1 | ttft_s |     2 |       0 | 0.500000 | 0.353553 |"
         " 0.250000 | 0.750000 | 0.500000\n"
         "          2 | ttft_s |     0 |       1 |        - |        - |"
         "        - |        - |        -\n"},
        {SK_FORMAT_CSV,
         "concurrency,field,count,missing,mean,stddev,min,max,p50\n"
         "1,ttft_s,2,0,0.5,0.3535533905932738,0.25,0.75,0.5\n"
         "2,ttft_s,0,1,,,,,\n"},
        {SK_FORMAT_JSON,
         "{\n  \"results\": [\n    {\"concurrency\": 1, \"field\": \"ttft_s\", \"count\": 2, "
         "\"missing\": 0, \"mean\": 0.5, \"stddev\": 0.3535533905932738, "
         "\"min\": 0.25, \"max\": 0.75, \"p50\": 0.5},\n"
         "    {\"concurrency\": 2, \"field\": \"ttft_s\", \"count\": 0, "
         "\"missing\": 1, \"mean\": null, \"stddev\": null, \"min\": null, "
         "\"max\": null, \"p50\": null}\n  ]\n}\n"},
        {SK_FORMAT_MARKDOWN,
         "| concurrency | field | count | missing | mean | stddev | min | "
         "max | p50 |\n"
         "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
         "| 1 | ttft_s | 2 | 0 | 0.500000 | 0.353553 | 0.250000 | "
         "0.750000 | 0.500000 |\n"
         "| 2 | ttft_s | 0 | 1 | - | - | - | - | - |\n"},
    };
    sk_stats_opts o = {0};
    size_t i;

    o.fields = fields;
    o.nfields = 1;
    for (i = 0; i < N(cases); i++) {
        sk_stats_groups *g = load(csv, &o);
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);

        CHECK(g != NULL && fp != NULL);
        if (!g || !fp)
            return;
        CHECK_INT(sk_stats_write(fp, g, p, N(p), 0, cases[i].fmt, NULL), 0);
        fclose(fp);
        CHECK_STR(buf, cases[i].want);
        free(buf);
        sk_stats_groups_free(g);
    }
    /* no data rows: a header, and an empty JSON array */
    {
        sk_stats_groups *g = load("ttft_s\n", &o);
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);

        CHECK_INT(sk_stats_write(fp, g, p, N(p), 0, SK_FORMAT_JSON, NULL), 0);
        fclose(fp);
        CHECK_STR(buf, "{\n  \"results\": []\n}\n");
        free(buf);
        sk_stats_groups_free(g);
    }
    /* a failed write is SK_EIO */
    {
        sk_stats_groups *g = load(csv, &o);
        FILE *fp = fopen("/dev/full", "w");

        if (fp) {
            CHECK_INT(sk_stats_write(fp, g, p, N(p), 0, SK_FORMAT_CSV, NULL), SK_EIO);
            CHECK_STR(sk_error_last(), "writing the output failed");
            fclose(fp);
        }
        sk_stats_groups_free(g);
    }
}

/* ---- percentile intervals ---------------------------------------------- */

/* P(B <= k), B ~ Binomial(n, q), summed from the pmf in logs: an
 * independent computation of what GSL gives the library. */
static double ref_cdf(long k, long n, double q)
{
    double sum = 0;
    long i;

    if (k < 0)
        return 0;
    if (k >= n)
        return 1;
    for (i = 0; i <= k; i++)
        sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
                   lgamma((double)(n - i) + 1) + (double)i * log(q) +
                   (double)(n - i) * log1p(-q));
    return sum;
}

/* The interval by brute force over every rank pair: fewest ranks between
 * them, then the smaller coverage (the header's rule). */
static int ref_ranks(long *l, long *u, long n, double q, double conf)
{
    double cdf[201], best_cov = 2;
    long a, b, best = -1;

    for (a = 0; a <= n && a < 201; a++)
        cdf[a] = ref_cdf(a - 1, n, q); /* cdf[a] = P(B <= a - 1) */
    for (a = 1; a <= n; a++)
        for (b = a + 1; b <= n; b++) {
            double cov = cdf[b] - cdf[a];

            if (cov >= conf &&
                (best < 0 || b - a < best ||
                 (b - a == best && cov < best_cov - 1e-9))) {
                best = b - a;
                best_cov = cov;
                *l = a;
                *u = b;
            }
        }
    return best >= 0;
}

static void test_quantile_ranks_exact(void)
{
    static const long ns[] = {10, 20, 59, 100, 150};
    static const double qs[] = {0.5, 0.9, 0.95, 0.99};
    size_t i, j;

    for (i = 0; i < N(ns); i++)
        for (j = 0; j < N(qs); j++) {
            long rl = 0, ru = 0;
            size_t l = 0, u = 0;
            double cov = 0;
            int have = ref_ranks(&rl, &ru, ns[i], qs[j], 0.95);
            int rc = sk_stats_quantile_ranks(&l, &u, &cov, (size_t)ns[i],
                                             qs[j], 0.95);

            CHECK_INT(rc, have ? 0 : SK_ENODATA);
            if (!have || rc != 0)
                continue;
            /* the same width; a tie may be broken by the tails */
            CHECK_INT((long)(u - l), ru - rl);
            CHECK_NEAR(cov, ref_cdf((long)u - 1, ns[i], qs[j]) -
                                ref_cdf((long)l - 1, ns[i], qs[j]),
                       1e-9);
            CHECK(cov >= 0.95);
        }
    {
        size_t l, u;
        double cov;

        /* n = 2e6: GSL's binomial CDF is NaN near the mean; the normal
         * approximation takes over and the interval keeps its width
         * (about 2 x 1.96 x sqrt(n / 4) = 2772 ranks) */
        CHECK_INT(sk_stats_quantile_ranks(&l, &u, &cov, 2000000, 0.5, 0.95),
                  0);
        CHECK(u - l >= 2760 && u - l <= 2790);
        CHECK(l < 1000000 && u > 1000000);
        CHECK(cov >= 0.95 && cov < 0.9502);
        /* p99 from 100 values: no two-sided 95% interval */
        CHECK_INT(sk_stats_quantile_ranks(&l, &u, &cov, 100, 0.99, 0.95),
                  SK_ENODATA);
        CHECK_STR(sk_error_last(), "too small a sample for a two-sided 95% "
                                   "interval of the 0.99 quantile (100 "
                                   "values)");
        CHECK_INT(sk_stats_quantile_ranks(&l, &u, &cov, 100, 1.5, 0.95),
                  SK_EINVAL);
    }
}

static uint64_t rng_state = 88172645463325252ULL;

/* xorshift64*, uniform on (0, 1) */
static double uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((double)((rng_state * 2685821657736338717ULL) >> 11) + 0.5) /
           9007199254740992.0;
}

/* Of 2,000 seeded samples of n from the uniform distribution (whose
 * q-quantile is q), the share whose 95% interval holds q. */
static double coverage(size_t n, double q)
{
    double *v = malloc(n * sizeof(*v)), pct, lo, hi;
    struct sk_stats_summary sum;
    size_t t, i, hit = 0;
    const double p = 50;

    for (t = 0; v && t < 2000; t++) {
        for (i = 0; i < n; i++)
            v[i] = uniform();
        if (sk_stats_summarize(&sum, &pct, v, n, &p, 1) != 0 ||
            sk_stats_percentile_ci(&lo, &hi, v, n, 100 * q, 0.95) != 0)
            break;
        hit += lo <= q && q <= hi;
    }
    free(v);
    return (double)hit / 2000;
}

static void test_quantile_coverage(void)
{
    static const struct {
        size_t n;
        double q;
    } cases[] = {{1000, 0.5},  {1000, 0.9},  {1000, 0.99}, {10000, 0.5},
                 {10000, 0.9}, {10000, 0.99}, {100, 0.5},  {100, 0.9}};
    size_t i;

    for (i = 0; i < N(cases); i++) {
        double c = coverage(cases[i].n, cases[i].q);

        if (!(c >= 0.94 && c <= 0.975))
            fprintf(stderr, "coverage n=%zu q=%g: %.4f\n", cases[i].n,
                    cases[i].q, c);
        CHECK(c >= 0.94 && c <= 0.975);
    }
}

/* Percentile intervals of grouped series, whose ranks the groups keep:
 * 40 groups of 20..59 rows, field b missing every third row (so the two
 * fields of a group differ in count), three percentiles, asked twice in
 * opposite orders (past the ranks kept), each against
 * sk_stats_percentile_ci() over values sorted here. */
static void test_group_intervals(void)
{
    enum { G = 40 };
    const char *by[] = {"g"};
    const char *fields[] = {"a", "b"};
    const double ps[] = {10, 50, 90};
    sk_stats_opts o = {0};
    sk_stats_groups *g;
    struct sk_stats_summary s;
    double va[G + 20], vb[G + 20], pct[3];
    size_t cap = 1 << 16, used = 0, i, r, f, k, pass, na, nb;
    char *csv = malloc(cap);
    int bad = 0;

    if (!csv) {
        CHECK(0);
        return;
    }
    used += (size_t)snprintf(csv, cap, "g,a,b\n");
    for (i = 0; i < G; i++)
        for (r = 0; r < 20 + i; r++) {
            used += (size_t)snprintf(csv + used, cap - used, "%zu,%zu.5,", i,
                                     (i * 37 + r * 11) % 101);
            if (r % 3)
                used += (size_t)snprintf(csv + used, cap - used, "%zu",
                                         (i * 13 + r * 29) % 97);
            used += (size_t)snprintf(csv + used, cap - used, "\n");
        }
    o.by = by;
    o.nby = 1;
    o.fields = fields;
    o.nfields = 2;
    o.threads = 2;
    g = load(csv, &o);
    free(csv);
    if (!g) {
        CHECK(0);
        return;
    }
    for (i = 0; i < G; i++)
        for (f = 0; f < 2; f++)
            CHECK_INT(sk_stats_groups_summarize(&s, pct, g, i, f, ps, 3), 0);
    for (pass = 0; pass < 2; pass++)
        for (k = 0; k < G; k++) {
            i = pass ? G - 1 - k : k;
            /* the group's values, sorted here; keys sort by value */
            for (r = na = nb = 0; r < 20 + i; r++) {
                va[na++] = (double)((i * 37 + r * 11) % 101) + 0.5;
                if (r % 3)
                    vb[nb++] = (double)((i * 13 + r * 29) % 97);
            }
            qsort(va, na, sizeof(*va), cmp_double);
            qsort(vb, nb, sizeof(*vb), cmp_double);
            for (f = 0; f < 2; f++)
                for (r = 0; r < 3; r++) {
                    double lo, hi, wlo, whi;
                    int rc = sk_stats_groups_percentile_ci(&lo, &hi, g, i, f,
                                                           ps[r], 0.9);
                    int want = sk_stats_percentile_ci(&wlo, &whi,
                                                      f ? vb : va,
                                                      f ? nb : na, ps[r], 0.9);

                    if (rc != want || (rc == 0 && (lo != wlo || hi != whi)))
                        bad++;
                    sk_error_clear();
                }
        }
    CHECK_INT(bad, 0);
    sk_stats_groups_free(g);
}

/* The t-interval of a mean: t(0.975, 3) = 3.182446305284263 (tables),
 * so mean 10, sd 2, n 4 gives 10 -/+ 3.1824463; under two values or a
 * non-finite sd, none. */
static void test_t_interval(void)
{
    double lo, hi;

    sk_stats_t_interval(&lo, &hi, 10, 2, 4, 0.95);
    CHECK_NEAR(lo, 10 - 3.182446305284263, 1e-9);
    CHECK_NEAR(hi, 10 + 3.182446305284263, 1e-9);
    /* 90%, 10 values: t(0.95, 9) = 1.833112932653634 */
    sk_stats_t_interval(&lo, &hi, 0, 1, 10, 0.90);
    CHECK_NEAR(hi, 1.833112932653634 / sqrt(10.0), 1e-9);
    sk_stats_t_interval(&lo, &hi, 10, 2, 1, 0.95);
    CHECK(isnan(lo) && isnan(hi));
    sk_stats_t_interval(&lo, &hi, 10, NAN, 5, 0.95);
    CHECK(isnan(lo) && isnan(hi));
}

int main(void)
{
    test_t_interval();
    test_quantile_ranks_exact();
    test_quantile_coverage();
    test_percentile_values();
    test_percentile_errors();
    test_percentile_matches_gsl();
    test_summarize();
    test_summarize_sorts();
    test_summarize_errors();
    test_group_numeric_order();
    test_group_composite();
    test_group_key_order();
    test_group_many();
    test_group_sizes();
    test_group_intervals();
    test_defaults();
    test_errors();
    test_errors_threads();
    test_fixture();
    test_write();
    sk_stats_groups_free(NULL);
    return sk_test_done("stats");
}
