/* The one command-line parser for counts, numbers, durations and lists. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/units.h"

static void test_count(void)
{
    static const struct {
        const char *in;
        int rc;
        size_t want;
    } cases[] = {
        {"0", 0, 0},          {"5", 0, 5},          {"128", 0, 128},
        {"1000", 0, 1000},    {"1001", SK_EINVAL, 0}, {"", SK_EINVAL, 0},
        {"-1", SK_EINVAL, 0}, {"+5", SK_EINVAL, 0}, {" 5", SK_EINVAL, 0},
        {"5 ", SK_EINVAL, 0}, {"5x", SK_EINVAL, 0}, {"1e3", SK_EINVAL, 0},
        {"0x10", SK_EINVAL, 0},
        {"99999999999999999999999", SK_EINVAL, 0},
    };
    size_t i, v;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = 12345;
        CHECK_INT(sk_units_parse_count(&v, cases[i].in, 1000, "--count"),
                  cases[i].rc);
        if (cases[i].rc == 0)
            CHECK_INT(v, cases[i].want);
        else
            CHECK_INT(v, 12345);
    }
    sk_units_parse_count(&v, "-1", 1000, "--count");
    CHECK_STR(sk_error_last(), "--count: '-1' is not a non-negative whole "
                               "number");
    sk_units_parse_count(&v, "1001", 1000, "--count");
    CHECK_STR(sk_error_last(), "--count: '1001' is larger than 1000");
}

static void test_duration(void)
{
    static const struct {
        const char *in;
        int rc;
        double want;
    } cases[] = {
        {"30s", 0, 30.0},     {"500ms", 0, 0.5},   {"2.5", 0, 2.5},
        {"1m", 0, 60.0},      {"2h", 0, 7200.0},   {"250us", 0, 250e-6},
        {"10ns", 0, 10e-9},   {"0", 0, 0.0},       {"1.5s", 0, 1.5},
        {"", SK_EINVAL, 0},   {"s", SK_EINVAL, 0}, {"ms", SK_EINVAL, 0},
        {"-1s", SK_EINVAL, 0}, {"5x", SK_EINVAL, 0},
        {"inf", SK_EINVAL, 0}, {"nan", SK_EINVAL, 0},
        {"1e999", SK_EINVAL, 0}, {" 5s", SK_EINVAL, 0},
        {"5 s", SK_EINVAL, 0}, {"0x1p3", SK_EINVAL, 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = -1;

        CHECK_INT(sk_units_parse_duration(&v, cases[i].in, "--timeout"),
                  cases[i].rc);
        if (cases[i].rc == 0)
            CHECK_NEAR(v, cases[i].want, 1e-15);
    }
}

static void test_list(void)
{
    char buf[64];
    char *items[4];
    size_t n = 0;

    strcpy(buf, "1,2,4,8");
    CHECK_INT(sk_units_split_list(items, 4, &n, buf, "--levels"), 0);
    CHECK_INT(n, 4);
    CHECK_STR(items[0], "1");
    CHECK_STR(items[3], "8");
    strcpy(buf, "a");
    CHECK_INT(sk_units_split_list(items, 4, &n, buf, "--levels"), 0);
    CHECK_INT(n, 1);
    strcpy(buf, "1,2,4,8,16");
    CHECK_INT(sk_units_split_list(items, 4, &n, buf, "--levels"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "--levels: more than 4 items");
    strcpy(buf, "1,,2");
    CHECK_INT(sk_units_split_list(items, 4, &n, buf, "--levels"), SK_EINVAL);
    strcpy(buf, "1,2,");
    CHECK_INT(sk_units_split_list(items, 4, &n, buf, "--levels"), SK_EINVAL);
    strcpy(buf, "");
    CHECK_INT(sk_units_split_list(items, 4, &n, buf, "--levels"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "--levels: empty item in the list");
}

static void test_double(void)
{
    double v = 0;

    CHECK_INT(sk_units_parse_double(&v, "2.5", "--ttft-budget"), 0);
    CHECK_NEAR(v, 2.5, 0);
    CHECK_INT(sk_units_parse_double(&v, "-1e-3", "x"), 0);
    CHECK_NEAR(v, -1e-3, 0);
    CHECK_INT(sk_units_parse_double(&v, ".5", "x"), 0);
    CHECK_INT(sk_units_parse_double(&v, "1.5.", "x"), SK_EINVAL);
    CHECK_INT(sk_units_parse_double(&v, "infinity", "x"), SK_EINVAL);
    CHECK_INT(sk_units_parse_double(&v, "0x10", "x"), SK_EINVAL);
    CHECK_INT(sk_units_parse_double(&v, "", "x"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "x: '' is not a number");
}

int main(void)
{
    test_count();
    test_duration();
    test_list();
    test_double();
    return sk_test_done("units");
}
