/*
 * Tests for sk_num_parse/sk_num_repr/sk_num_scan.
 *
 * Every expected string below was produced by CPython 3.11 (float(s) and
 * repr(x)) and pasted in; nothing here runs Python.  The randomized parts
 * check the functions against each other and against the C library:
 * repr -> parse must be the identity on bits, and sk_num_scan() must
 * always agree with sk_num_parse() + sk_num_repr().
 */
#include "sweepkit/num.h"

#include "sweepkit/error.h"

#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Report which table row or input a failed check belongs to. */
#define NOTE_IF_FAILED(before, ...)                                         \
    do {                                                                    \
        if (sk_test_failures != (before)) {                                 \
            fprintf(stderr, "  ^ ");                                        \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

/* Bit-identical, except that any NaN equals any NaN. */
static int same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof(a)) == 0;
}

/* sizeof keeps embedded NUL bytes inside the field. */
#define ACC(s, r) {s, sizeof(s) - 1, 1, r}
#define REJ(s) {s, sizeof(s) - 1, 0, NULL}

struct parse_case {
    const char *in;
    size_t len;
    int ok;
    const char *repr; /* repr(float(in)) */
};

static const struct parse_case parse_cases[] = {
    /* plain and signs */
    ACC("1", "1.0"),
    ACC("-1", "-1.0"),
    ACC("+1", "1.0"),
    ACC("56.703750", "56.70375"),
    ACC("007", "7.0"),
    ACC("-1.5", "-1.5"),
    ACC("+1.5", "1.5"),
    ACC("0", "0.0"),
    ACC("+0", "0.0"),
    ACC("-0", "-0.0"),
    ACC("-0.000", "-0.0"),
    ACC("0.0", "0.0"),
    ACC("000.000100", "0.0001"),
    ACC("1.500000", "1.5"),
    ACC("0.1", "0.1"),
    ACC("100", "100.0"),
    ACC("1234.5", "1234.5"),
    ACC("1.", "1.0"),
    ACC(".5", "0.5"),
    ACC("-.5", "-0.5"),
    ACC("+.5e1", "5.0"),
    ACC("512", "512.0"),
    ACC("0.042000", "0.042"),
    /* exponents */
    ACC("1e5", "100000.0"),
    ACC("1E5", "100000.0"),
    ACC("1e+5", "100000.0"),
    ACC("1e-5", "1e-05"),
    ACC("1e005", "100000.0"),
    ACC("1E-005", "1e-05"),
    ACC("-1.5e-07", "-1.5e-07"),
    ACC("2.5E+16", "2.5e+16"),
    ACC("0e999999999999999999", "0.0"),
    ACC("1e0000000000000000000000022", "1e+22"),
    /* whitespace */
    ACC(" 1", "1.0"),
    ACC("1 ", "1.0"),
    ACC("\t\n\v\f\r1\r\n", "1.0"),
    ACC("\xc2\xa0" "1", "1.0"),
    ACC("1\xe3\x80\x80", "1.0"),
    ACC("\xe3\x80\x80-2\xc2\xa0", "-2.0"),
    ACC("\xc2\x85" "2.5", "2.5"),
    ACC("\xe2\x80\x80" "3\xe2\x80\x8a", "3.0"),
    ACC("\xe2\x80\xa8" "4\xe2\x80\xa9", "4.0"),
    ACC("\xe2\x80\xaf" "5\xe2\x81\x9f", "5.0"),
    ACC("\xe1\x9a\x80" "6", "6.0"),
    ACC("\xe2\x80\x89 \t7 \xe2\x80\x89", "7.0"),
    /* underscores */
    ACC("1_000", "1000.0"),
    ACC("1_000.000_1", "1000.0001"),
    ACC("1e1_0", "10000000000.0"),
    ACC("1_0e1", "100.0"),
    ACC("-1_2.3_4e-0_1", "-1.234"),
    ACC(".1_1", "0.11"),
    /* special words */
    ACC("inf", "inf"),
    ACC("Infinity", "inf"),
    ACC("-INF", "-inf"),
    ACC("+inf", "inf"),
    ACC("iNfInItY", "inf"),
    ACC("-infinity", "-inf"),
    ACC("nan", "nan"),
    ACC("NaN", "nan"),
    ACC("+nan", "nan"),
    ACC("-nan", "nan"),
    ACC("NAN", "nan"),
    ACC(" nan ", "nan"),
    /* range */
    ACC("1e400", "inf"),
    ACC("-1e400", "-inf"),
    ACC("1e-400", "0.0"),
    ACC("-1e-400", "-0.0"),
    ACC("1e308", "1e+308"),
    ACC("1e309", "inf"),
    ACC("1e-323", "1e-323"),
    ACC("1e-324", "0.0"),
    ACC("2.2250738585072014e-308", "2.2250738585072014e-308"),
    ACC("2.2250738585072011e-308", "2.225073858507201e-308"),
    ACC("4.9e-324", "5e-324"),
    ACC("2.4703282292062328e-324", "5e-324"),
    ACC("2.4703282292062327e-324", "0.0"),
    ACC("1.7976931348623157e308", "1.7976931348623157e+308"),
    ACC("1.7976931348623158e308", "1.7976931348623157e+308"),
    ACC("1.7976931348623159e308", "inf"),
    ACC("1e300", "1e+300"),
    ACC("1e301", "1e+301"),
    ACC("1.5e-300", "1.5e-300"),
    ACC("1.5e-301", "1.5e-301"),
    ACC("123456789012345e-315", "1.23456789012345e-301"),
    /* significant digit counts */
    ACC("0.123456789012345", "0.123456789012345"),
    ACC("0.1234567890123456", "0.1234567890123456"),
    ACC("0.12345678901234567", "0.12345678901234566"),
    ACC("123456789012345", "123456789012345.0"),
    ACC("1234567890123456", "1234567890123456.0"),
    ACC("12345678901234567", "1.2345678901234568e+16"),
    ACC("9.99999999999999", "9.99999999999999"),
    ACC("9.999999999999999", "9.999999999999998"),
    ACC("9.9999999999999999", "10.0"),
    ACC("999999999999999e1", "9999999999999990.0"),
    ACC("9999999999999998", "9999999999999998.0"),
    ACC("9999999999999999", "1e+16"),
    ACC("10000000000000000", "1e+16"),
    ACC("123456789012345.6", "123456789012345.6"),
    ACC("0.30000000000000004", "0.30000000000000004"),
    ACC("9007199254740993", "9007199254740992.0"),
    ACC("9007199254740993.000000000000000001", "9007199254740994.0"),
    ACC("100000000000000000000000", "1e+23"),
    ACC("1e22", "1e+22"),
    ACC("1e23", "1e+23"),
    ACC("8.41e21", "8.41e+21"),
    ACC("0.000001", "1e-06"),
    ACC("0.0000001", "1e-07"),
    ACC("1e-7", "1e-07"),
    /* rejected: float() raises ValueError */
    REJ(""),
    REJ("   "),
    REJ("\xc2\xa0"),
    REJ("\xe3\x80\x80\t"),
    REJ("None"),
    REJ("abc"),
    REJ("0x10"),
    REJ("0X1p3"),
    REJ("0x1.8p1"),
    REJ("."),
    REJ("-."),
    REJ("e5"),
    REJ("1e"),
    REJ("1e+"),
    REJ("1e-"),
    REJ("--1"),
    REJ("+-1"),
    REJ("-+1"),
    REJ("1 2"),
    REJ("1\0"),
    REJ("\0" "1"),
    REJ("1\0" "2"),
    REJ("nan(123)"),
    REJ("nan()"),
    REJ("infinit"),
    REJ("infinityy"),
    REJ("in f"),
    REJ("infinity1"),
    REJ("nan nan"),
    REJ("+ inf"),
    REJ("- 1"),
    REJ("1 .5"),
    REJ("_1"),
    REJ("1_"),
    REJ("1__0"),
    REJ("1._5"),
    REJ("1_.5"),
    REJ("1e_5"),
    REJ("1e5_"),
    REJ("1_e5"),
    REJ("1e1__0"),
    REJ("._5"),
    REJ("_"),
    REJ("inf_"),
    REJ("\xd9\xa1\xd9\xa2"), /* deviation: Python 12.0 */
    REJ("\x1c" "1"), /* str.isspace, yet float() fails */
    REJ("1\x1f"),
    REJ("\x1d" "1\x1e"),
    REJ("\xe2\x80\x8b" "1"),
    REJ("\xe1\xa0\x8e" "1"),
    REJ("\xef\xbb\xbf" "1"),
    REJ("\xc2" "1"),
    REJ("1\xe3\x80"),
    REJ("\xe2\x80\x8c" "1"),
    REJ("1,5"),
    REJ("1.5."),
    REJ("1e5.5"),
    REJ("+"),
    REJ("-"),
    REJ("ee"),
    REJ("1d5"),
    REJ("1f"),
    REJ("0b1"),
    REJ("i"),
    REJ("na"),
    REJ("1.5e"),
    REJ("1e5e5"),
    REJ("0..1"),
    REJ("1.."),
};

struct repr_case {
    double x;
    char repr[SK_NUM_REPR_MAX];
};

/* Values as exact hex literals (float.hex()); a comment gives the Python
 * expression when it is not the repr itself. */
static const struct repr_case repr_cases[] = {
    {0.0, "0.0"},
    {-0.0, "-0.0"},
    {INFINITY, "inf"},
    {-INFINITY, "-inf"},
    {NAN, "nan"},
    {-NAN, "nan"},
    {-0x1.0000000000000p-1022, "-2.2250738585072014e-308"}, /* longest */
    {-0x1.fffffffffffffp+1023, "-1.7976931348623157e+308"},
    /* 17 digits end in "5" at the 16th: rounding them again would tie,
     * and the closer of two 16-digit round-trip candidates must win. */
    {0x1.abbe0a4c272bep+9, "855.4846892539279"},
    {0x1.e72d8014cd257p+9, "974.3554712297145"},
    {0x1.3b3bbddf8937ep+19, "645597.9335371105"},
    {0x1.f5a633d18219ep+351, "8.988529769975465e+105"},
    /* Powers of two: the gap below is half the gap above, so the correctly
     * rounded 16 digits miss and their upper neighbour is the repr. */
    {0x1.0000000000000p-24, "5.960464477539063e-08"},
    {0x1.0000000000000p-44, "5.684341886080802e-14"},
    {0x1.0000000000000p-97, "6.310887241768095e-30"},
    {0x1.0000000000000p+89, "6.189700196426902e+26"},
    {0x1.0000000000000p-1017, "7.120236347223045e-307"},
    {0x1.0000000000000p+976, "6.386688990511104e+293"},
    {0x1.0000000000000p+0, "1.0"},
    {0x1.c5a147ae147aep+5, "56.70375"},
    {0x1.c000000000000p+2, "7.0"},
    {0x1.999999999999ap-4, "0.1"},
    {0x1.3333333333334p-2, "0.30000000000000004"}, /* 0.1+0.2 */
    {0x1.4f8b588e368f1p-17, "1e-05"},
    {0x1.a36e2eb1c432dp-14, "0.0001"},
    {0x1.02e4b6ce5dc68p-13, "0.00012345"},
    {0x1.1c37937e07fffp+53, "9999999999999998.0"},
    {0x1.1c37937e08000p+53, "1e+16"}, /* 1e16 */
    {0x1.aa535d3d0c000p+53, "1.5e+16"}, /* 1.5e16 */
    {0x1.c12218377de66p+46, "123456789012345.6"},
    {0x1.249ad2594c37dp+332, "1e+100"}, /* 1e100 */
    {0x0.0000000000001p-1022, "5e-324"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x1.fffffffffffffp+1023, "1.7976931348623157e+308"},
    {0x1.0f0cf064dd592p+73, "1e+22"}, /* 1e22 */
    {0x1.52d02c7e14af6p+76, "1e+23"}, /* 1e23 */
    {0x1.0000000000000p+53, "9007199254740992.0"}, /* float(2**53) */
    {0x1.0000000000001p+53, "9007199254740994.0"}, /* float(2**53+2) */
    {0x1.9999999999999p-1, "0.7999999999999999"}, /* 0.1+0.7 */
    {0x1.5555555555555p-2, "0.3333333333333333"}, /* 1/3 */
    {0x1.5555555555555p-1, "0.6666666666666666"}, /* 2/3 */
    {0x1.9000000000000p+6, "100.0"},
    {0x1.34a0000000000p+10, "1234.5"},
    {-0x1.421f5f40d8376p-23, "-1.5e-07"},
    {0x1.0000000000000p-1, "0.5"},
    {-0x1.4000000000000p+1, "-2.5"},
    {0x1.c6bf526340000p+49, "1000000000000000.0"}, /* 1e15 */
    {0x1.6345785d8a000p+56, "1e+17"}, /* 1e17 */
    {0x1.d6f3454000000p+26, "123456789.0"},
    {0x1.0624dd2f1a9fcp-10, "0.001"},
    {0x1.01f31f46ed246p-13, "0.000123"},
    {0x1.02e4b6ce5dc68p-13, "0.00012345"}, /* 1.2345e-4 */
    {0x1.a36d1bd105b06p-14, "9.9999e-05"}, /* 9.9999e-5 */
    /* 12345678901234567890.0 */
    {0x1.56a95319d63e1p+63, "1.2345678901234567e+19"},
    {0x1.2492492492492p-3, "0.14285714285714285"}, /* 1/7 */
    {-0x1.2492492492492p-3, "-0.14285714285714285"}, /* -1/7 */
    {0x1.921fb54442d18p+1, "3.141592653589793"}, /* math.pi */
    {0x1.5bf0a8b145769p+1, "2.718281828459045"}, /* math.e */
    {0x1.6a09e667f3bcdp+0, "1.4142135623730951"}, /* math.sqrt(2) */
    {0x0.0000000000001p-1022, "5e-324"}, /* 2.0**-1074 */
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"}, /* 2.0**-1022 */
    {0x0.8000000000000p-1022, "1.1125369292536007e-308"}, /* 2.0**-1023 */
    {0x1.0000000000000p+1023, "8.98846567431158e+307"}, /* 2.0**1023 */
    {0x1.0000000000000p-1000, "9.332636185032189e-302"}, /* 2.0**-1000 */
    {0x1.0000000000000p+64, "1.8446744073709552e+19"}, /* 2.0**64 */
    {0x1.0000000000000p+60, "1.152921504606847e+18"}, /* 2.0**60 */
    {0x1.b7cdfd9d7bdbbp-34, "1e-10"},
    {0x1.1eb2d66005835p+997, "1.5e+300"},
    {-0x1.56e1fc2f8f359p-997, "-1e-300"},
    {0x1.1666666666666p+2, "4.35"},
    {0x1.3333333333333p-2, "0.3"},
    {0x1.a666666666667p+1, "3.3000000000000003"}, /* 1.1*3 */
    {0x1.b1ae4d6e2ef50p+69, "1e+21"}, /* 1e21 */
    {0x1.3a92a30553262p-12, "0.00030000000000000003"}, /* 1e-4*3 */
    {0x1.1c37937e07fffp+53, "9999999999999998.0"}, /* float(10**16-2) */
    {0x1.0000000000000p+53, "9007199254740992.0"}, /* 9007199254740993.0 */
    {0x1.3333333333334p-2, "0.30000000000000004"}, /* 0.1*3 */
    {0x1.a36e2eb1c432dp-15, "5e-05"}, /* 5e-5 */
    {-0x1.edd2f1a9fbe77p+6, "-123.456"},
    {0x1.f75104d551d69p-16, "3e-05"}, /* 3.0e-5 */
    {0x1.7af4c4a80aaabp+51, "3333333333333333.5"}, /* 1e+16/3 */
    {0x0.0000001000000p-1022, "8.289046e-317"}, /* 2.0**-1050 */
    {0x1.0000000000001p+0, "1.0000000000000002"}, /* math.nextafter(1.0, 2) */
    {0x1.fffffffffffffp-1, "0.9999999999999999"}, /* math.nextafter(1.0, 0) */
    /* 1.7976931348623157e+308/3 */
    {0x1.5555555555555p+1022, "5.992310449541053e+307"},
    {0x0.00000000007e8p-1022, "1e-320"},
    {0x0.8d83aff3e96b1p-1022, "1.23e-308"}, /* 123e-310 */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * sk_num_scan() against sk_num_parse() + sk_num_repr() on one field, with
 * and without `value`.  NULL on agreement, else what differs.
 */
static const char *scan_disagrees(const char *s, size_t len)
{
    char buf[SK_NUM_REPR_MAX];
    double pv = 0, sv = -1;
    size_t rl = 999, nl = 999;
    int prc = sk_num_parse(&pv, s, len);
    int ok = sk_num_scan(s, len, &sv, &rl);
    int ok_novalue = sk_num_scan(s, len, NULL, &nl);

    if (ok != (prc == 0) || ok_novalue != ok)
        return "accept/reject";
    if (!ok)
        return NULL;
    if (rl != sk_num_repr(buf, sizeof(buf), pv) || nl != rl)
        return "repr length";
    if (!same_double(sv, pv))
        return "value";
    sv = -1;
    if (sk_num_scan(s, len, &sv, NULL) != 1 || !same_double(sv, pv))
        return "value alone";
    return NULL;
}

static void test_parse_table(void)
{
    char buf[SK_NUM_REPR_MAX];
    size_t i;

    for (i = 0; i < COUNT(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        int before = sk_test_failures;
        const char *why;
        double v = 1234.5;
        int rc = sk_num_parse(&v, c->in, c->len);

        if (c->ok) {
            CHECK_INT(rc, 0);
            sk_num_repr(buf, sizeof(buf), v);
            CHECK_STR(buf, c->repr);
        } else {
            CHECK_INT(rc, SK_EPARSE);
            CHECK(v == 1234.5); /* *out left alone */
        }
        why = scan_disagrees(c->in, c->len);
        CHECK(why == NULL);
        NOTE_IF_FAILED(before, "parse case %zu \"%.*s\" (scan: %s)", i,
                       (int)c->len, c->in, why ? why : "ok");
    }
}

static void test_nan_sign(void)
{
    double v = 0;

    /* CPython: math.copysign(1, float("-nan")) == -1.0. */
    CHECK_INT(sk_num_parse(&v, "-nan", 4), 0);
    CHECK(isnan(v) && signbit(v));
    CHECK_INT(sk_num_parse(&v, "nan", 3), 0);
    CHECK(isnan(v) && !signbit(v));
    CHECK_INT(sk_num_parse(&v, "-0", 2), 0);
    CHECK(v == 0 && signbit(v));
}

static void test_repr_table(void)
{
    char buf[SK_NUM_REPR_MAX];
    size_t i;

    for (i = 0; i < COUNT(repr_cases); i++) {
        const struct repr_case *c = &repr_cases[i];
        int before = sk_test_failures;
        size_t n = sk_num_repr(buf, sizeof(buf), c->x);
        size_t rl = 999;
        double back = 0;

        CHECK_STR(buf, c->repr);
        CHECK_INT(n, strlen(c->repr));
        /* The printed text reads back to the same double... */
        CHECK_INT(sk_num_parse(&back, buf, n), 0);
        CHECK(same_double(back, c->x));
        /* ...and the scanner predicts its length. */
        CHECK_INT(sk_num_scan(c->repr, strlen(c->repr), NULL, &rl), 1);
        CHECK_INT(rl, strlen(c->repr));
        NOTE_IF_FAILED(before, "repr case %zu (%a)", i, c->x);
    }
}

/*
 * Decimal big numbers, just enough to write exact binary fractions and
 * midpoints in decimal: little-endian base-10^9 limbs.
 */
struct big {
    uint32_t limb[128];
    size_t n;
};

static void big_set(struct big *b, uint32_t v)
{
    b->limb[0] = v;
    b->n = 1;
}

static void big_mul(struct big *b, uint32_t m)
{
    uint64_t carry = 0;
    size_t i;

    for (i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->limb[i] * m + carry;

        b->limb[i] = (uint32_t)(t % 1000000000u);
        carry = t / 1000000000u;
    }
    if (carry)
        b->limb[b->n++] = (uint32_t)carry;
}

static void big_pow(struct big *b, uint32_t base, int e)
{
    big_set(b, 1);
    while (e-- > 0)
        big_mul(b, base);
}

/* Subtract 1 from a nonzero number. */
static void big_dec(struct big *b)
{
    size_t i;

    for (i = 0; b->limb[i] == 0; i++)
        b->limb[i] = 999999999u;
    b->limb[i]--;
}

/* Write b's decimal digits at p (no NUL); returns their end. */
static char *big_str(char *p, const struct big *b)
{
    size_t i = b->n;
    int started = 0, k;

    while (i-- > 0) {
        uint32_t v = b->limb[i];
        char d[9];

        for (k = 8; k >= 0; k--, v /= 10)
            d[k] = (char)('0' + v % 10);
        for (k = 0; k < 9; k++) {
            started |= d[k] != '0' || (i == 0 && k == 8);
            if (started)
                *p++ = d[k];
        }
    }
    return p;
}

static char *repeat(char *p, const char *s, int times)
{
    size_t n = strlen(s);

    while (times-- > 0) {
        memcpy(p, s, n);
        p += n;
    }
    return p;
}

static void check_long(const char *s, const char *want)
{
    char buf[SK_NUM_REPR_MAX];
    int before = sk_test_failures;
    const char *why;
    double v = 0;

    CHECK_INT(sk_num_parse(&v, s, strlen(s)), 0);
    sk_num_repr(buf, sizeof(buf), v);
    CHECK_STR(buf, want);
    why = scan_disagrees(s, strlen(s));
    CHECK(why == NULL);
    NOTE_IF_FAILED(before, "long input %.40s... (%zu bytes, scan: %s)", s,
                   strlen(s), why ? why : "ok");
}

/*
 * Fields longer than any buffer: correct rounding must survive cutting the
 * digits, including exact midpoints (ties to even) whose 750+ digits only
 * differ from a non-tie at the very end.
 */
static void test_long_inputs(void)
{
    static char s[8192];
    static const uint32_t f54[] = {81, 7, 19, 73, 87211, 262657};
    static const uint32_t f53[] = {6361, 69431, 20394401};
    struct big b;
    char *p;
    size_t i;

    /* 2^-1075 = 5^1075 x 10^-1075: half the smallest subnormal. */
    big_pow(&b, 5, 1075);
    strcpy(big_str(s, &b), "e-1075");
    check_long(s, "0.0");
    p = repeat(big_str(s, &b), "0", 40);
    strcpy(p, "1e-1116");
    check_long(s, "5e-324");

    /* 5 x 2^-1075, between 2 and 3 subnormal steps. */
    big_pow(&b, 5, 1076);
    strcpy(big_str(s, &b), "e-1075");
    check_long(s, "1e-323");
    p = repeat(big_str(s, &b), "0", 40);
    strcpy(p, "1e-1116");
    check_long(s, "1.5e-323");

    /* DBL_MAX + half an ulp = 2^970 (2^54 - 1) overflows; one less
     * does not.  DBL_MAX itself is 2^971 (2^53 - 1). */
    big_pow(&b, 2, 970);
    for (i = 0; i < COUNT(f54); i++)
        big_mul(&b, f54[i]);
    *big_str(s, &b) = '\0';
    check_long(s, "inf");
    big_dec(&b);
    *big_str(s, &b) = '\0';
    check_long(s, "1.7976931348623157e+308");
    big_pow(&b, 2, 971);
    for (i = 0; i < COUNT(f53); i++)
        big_mul(&b, f53[i]);
    strcpy(big_str(s, &b), ".000");
    check_long(s, "1.7976931348623157e+308");

    /* 2^53 + 1 is a tie; a nonzero digit 1000 places later is not. */
    *repeat(strcpy(s, "9007199254740993.") + 17, "0", 1000) = '\0';
    check_long(s, "9007199254740992.0");
    strcat(s, "1");
    check_long(s, "9007199254740994.0");

    p = repeat(strcpy(s, "0.") + 2, "0", 1000);
    strcpy(p, "1");
    check_long(s, "0.0");
    strcpy(p, "1e1005");
    check_long(s, "10000.0");

    strcpy(repeat(s, "9", 1000), "e-1000");
    check_long(s, "1.0");
    strcpy(repeat(s, "1", 800), "e-790");
    check_long(s, "1111111111.1111112");
    *repeat(s, "1", 400) = '\0';
    check_long(s, "inf");
    strcpy(repeat(strcpy(s, "1") + 1, "_1", 400), "e-395");
    check_long(s, "111111.11111111111");
    *repeat(strcpy(s, "-") + 1, "0", 2000) = '\0';
    check_long(s, "-0.0");
    strcpy(repeat(strcpy(s, "0.") + 2, "0", 400), "123e400");
    check_long(s, "0.123");
    /* Leading and trailing whitespace of any length. */
    p = repeat(s, " ", 500);
    p = repeat(p, "\xe3\x80\x80", 100);
    p = repeat(strcpy(p, "-7") + 2, "\xc2\xa0", 500);
    *repeat(p, "\t", 10) = '\0';
    check_long(s, "-7.0");
}

struct scan_case {
    const char *in;
    size_t repr_len; /* len(repr(float(in))) */
};

/* Typical fields and the fast path's edges: decpt -3/-4 and 16/17 switch
 * the layout, 15/16 significant digits and |decpt| > 300 leave the path. */
static const struct scan_case scan_cases[] = {
    {"56.703750", 8},
    {"512", 5},
    {"0.042000", 5},
    {"-0", 4},
    {"+0", 3},
    {"0", 3},
    {"0.000", 3},
    {"-0e10", 4},
    {"0e-999", 3},
    {"1e16", 5},
    {"1e15", 18},
    {"-1e16", 6},
    {"9999999999999999", 5},
    {"999999999999999e1", 18},
    {"999999999999999e2", 20},
    {"-999999999999999e2", 21},
    {"0.0001", 6},
    {"0.00001", 5},
    {"-0.00012345", 11},
    {"1e-300", 6},
    {"1e-301", 6},
    {"1.5e300", 8},
    {"1e301", 6},
    {"123.456e-2", 7},
    {"1.", 3},
    {".5", 3},
    {"-.5", 4},
    {"7e22", 5},
    {"7e23", 5},
    {"1e-100", 6},
    {"1e100", 6},
    {"-1e-100", 7},
    {"12345e-310", 11},
    {"123456789012345", 17},
    {"1234567890123456", 18},
    {"0.000000000000000000000000001", 5},
    {"100", 5},
    {"100.000", 5},
    {"1000000000000000.0", 18},
    {"0.1", 3},
    {"-56.70375", 9},
    {"3.14159", 7},
    {"2.5e-5", 7},
    {"1E+2", 5},
    {"1e+0", 3},
    {"0010.0100", 5},
    {"1.23456789012345e-5", 20},
    {"1.23456789012345e17", 20},
};

static void test_scan_table(void)
{
    size_t i;

    for (i = 0; i < COUNT(scan_cases); i++) {
        const struct scan_case *c = &scan_cases[i];
        int before = sk_test_failures;
        size_t rl = 999;

        CHECK_INT(sk_num_scan(c->in, strlen(c->in), NULL, &rl), 1);
        CHECK_INT(rl, c->repr_len);
        NOTE_IF_FAILED(before, "scan case %zu \"%s\"", i, c->in);
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

/* xorshift64* (Vigna): a fixed seed keeps failures reproducible. */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static double from_bits(uint64_t b)
{
    double x;

    memcpy(&x, &b, sizeof(x));
    return x;
}

#define RANDOM_CASES 200000

static void test_random_doubles(void)
{
    char buf[SK_NUM_REPR_MAX];
    long bad = 0, done = 0;
    size_t longest = 0;

    while (done < RANDOM_CASES) {
        double x = from_bits(rng()), back = 0;
        const char *why;
        size_t n;

        if (isnan(x))
            continue;
        done++;
        n = sk_num_repr(buf, sizeof(buf), x);
        if (n > longest)
            longest = n;
        if (n != strlen(buf))
            why = "length";
        else if (sk_num_parse(&back, buf, n) != 0 || !same_double(back, x))
            why = "round trip";
        else
            why = scan_disagrees(buf, n);
        if (why && bad++ < 10)
            fprintf(stderr, "random double %a -> \"%s\": %s\n", x, buf, why);
    }
    CHECK_INT(bad, 0);
    CHECK(longest < SK_NUM_REPR_MAX);
}

/* The significant digits of a decimal's mantissa: no sign, point, leading
 * or trailing zeros.  Returns their count. */
static int sig_digits(const char *s, char *out)
{
    int n = 0;

    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '0' && *s <= '9' && (n > 0 || *s != '0'))
            out[n++] = *s;
    while (n > 0 && out[n - 1] == '0')
        n--;
    out[n] = '\0';
    return n;
}

/*
 * Random "%.*e" and "%.*f" text of 1-17 digits: the value must be the
 * C library's correctly rounded one, the scanner must agree with the slow
 * path, and for 15 or fewer significant digits in the normal range repr
 * must print exactly the input's digits -- the rule the fast path computes
 * lengths from.
 */
static void test_random_decimals(void)
{
    char text[96], buf[SK_NUM_REPR_MAX], in_sig[32], out_sig[32];
    long bad = 0, done = 0, short_cases = 0;

    while (done < RANDOM_CASES) {
        uint64_t r = rng();
        int digits = 1 + (int)(r % 17);
        const char *sign = (r >> 9 & 1) ? "+" : "";
        const char *why = NULL;
        double x, v = 0, want;
        int nsig;

        if (r >> 8 & 1) {
            x = from_bits(rng());
            if (!isfinite(x))
                continue;
            snprintf(text, sizeof(text), "%s%.*e", signbit(x) ? "" : sign,
                     digits - 1, x);
        } else {
            int k = (int)((r >> 16) % 24) - 8; /* lead digit ~ 10^k */
            int prec = digits - 1 - k;

            x = (double)(rng() >> 11) * 0x1p-53 * pow(10, k + 1);
            if (r >> 10 & 1)
                x = -x;
            snprintf(text, sizeof(text), "%s%.*f", signbit(x) ? "" : sign,
                     prec < 0 ? 0 : prec, x);
        }
        done++;
        want = strtod(text, NULL);
        if (sk_num_parse(&v, text, strlen(text)) != 0)
            why = "rejected";
        else if (!same_double(v, want))
            why = "value";
        else
            why = scan_disagrees(text, strlen(text));
        nsig = sig_digits(text, in_sig);
        if (!why && nsig > 0 && nsig <= 15 && fabs(v) >= 1e-300 &&
            fabs(v) <= 1e300) {
            short_cases++;
            sk_num_repr(buf, sizeof(buf), v);
            sig_digits(buf, out_sig);
            if (strcmp(in_sig, out_sig) != 0)
                why = "repr digits";
        }
        if (why && bad++ < 10)
            fprintf(stderr, "random decimal \"%s\": %s\n", text, why);
    }
    CHECK_INT(bad, 0);
    CHECK(short_cases > RANDOM_CASES / 2); /* the fast path was exercised */
}

/*
 * 16 to 19 significant digits, the value alone (sk_num_scan()'s long
 * double route): random digits with the point anywhere and an exponent,
 * and decimals on or one digit off a midpoint between two doubles (the
 * midpoint of x and its successor, printed exactly to 19 digits or cut
 * to them), against the C library's correctly rounded strtod().
 */
static void test_wide_decimals(void)
{
    char text[96], digits[24];
    long bad = 0, done = 0;

    while (done < RANDOM_CASES) {
        uint64_t r = rng();
        int nd = 16 + (int)(r % 4), i, e = (int)((r >> 8) % 61) - 30;
        double v = 0, want;
        const char *why = NULL;

        if (r >> 16 & 1) {
            for (i = 0; i < nd; i++)
                digits[i] = (char)('0' + (i == 0 ? 1 + rng() % 9 : rng() % 10));
            digits[nd] = '\0';
            i = (int)((r >> 20) % (unsigned)(nd + 1));
            snprintf(text, sizeof(text), "%s%.*s.%se%d",
                     r >> 24 & 1 ? "-" : "", i, digits, digits + i, e);
        } else {
            /* x's midpoint with its successor, 19 digits */
            double x = (double)(rng() >> 11) * 0x1p-53 * pow(10, e % 20);
            long double mid;

            if (x == 0)
                continue;
            mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
            snprintf(text, sizeof(text), "%.*Le", 15 + (int)(r % 4), mid);
        }
        done++;
        want = strtod(text, NULL);
        if (sk_num_scan(text, strlen(text), &v, NULL) != 1)
            why = "rejected";
        else if (!same_double(v, want))
            why = "value";
        if (why && bad++ < 10)
            fprintf(stderr, "wide decimal \"%s\": %s\n", text, why);
    }
    CHECK_INT(bad, 0);
    /* exact midpoints: ties to even, which a double rounding gets wrong */
    {
        static const char *const ties[] = {"9007199254740993",
                                           "9007199254740995",
                                           "-9007199254740993e-5",
                                           "1.000000000000000111",
                                           "0.1000000000000000055511151231257827"};
        size_t k;

        for (k = 0; k < COUNT(ties); k++)
            CHECK(scan_disagrees(ties[k], strlen(ties[k])) == NULL);
    }
}

/* The level rule every reader shares, and its one message. */
static void test_level(void)
{
    static const struct {
        const char *s;
        double want; /* 0: rejected */
    } cases[] = {{"1", 1},     {"16", 16},   {"2.0", 2},  {" 4 ", 4},
                 {"0.5", 0.5}, {"1e3", 1000}, {"0", 0},   {"-0.0", 0},
                 {"-4", 0},    {"", 0},      {"abc", 0},  {"nan", 0},
                 {"inf", 0},   {"1e999", 0}, {"1_0", 10}};
    char msg[160];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = -1;
        int rc = sk_num_level(&v, cases[i].s, strlen(cases[i].s), "q.csv", 7);

        if (cases[i].want > 0) {
            CHECK_INT(rc, 0);
            CHECK_NEAR(v, cases[i].want, 0);
        } else {
            CHECK_INT(rc, SK_EPARSE);
            CHECK_NEAR(v, -1, 0); /* untouched */
            snprintf(msg, sizeof(msg),
                     "q.csv:7: concurrency must be a number > 0, got '%s'",
                     cases[i].s);
            CHECK_STR(sk_error_last(), msg);
        }
    }
    /* long text is cut at 60 bytes, on a character boundary */
    CHECK_INT(sk_num_level(&(double){0},
                           "012345678901234567890123456789012345678901234567"
                           "890123456789\xc3\xa9xyz",
                           64, "q.csv", 2),
              SK_EPARSE);
    CHECK_STR(sk_error_last(),
              "q.csv:2: concurrency must be a number > 0, got "
              "'012345678901234567890123456789012345678901234567890123456789'");
    CHECK_INT(sk_num_level(&(double){0},
                           "01234567890123456789012345678901234567890123456"
                           "789012345678\xc3\xa9xyz",
                           64, "q.csv", 2),
              SK_EPARSE);
    CHECK_STR(sk_error_last(),
              "q.csv:2: concurrency must be a number > 0, got "
              "'01234567890123456789012345678901234567890123456789012345678'");
}

/* Numbers for people: two decimals, three significant digits below 0.1. */
static void test_human(void)
{
    static const struct {
        double x;
        const char *text;
    } cases[] = {
        {0, "0.00"},          {199.0799544, "199.08"}, {0.1, "0.10"},
        {0.09999, "0.1"},     {0.0425, "0.0425"},     {0.000123456, "0.000123"},
        {-0.05, "-0.05"},     {-12.345, "-12.35"},    {1e6, "1000000.00"},
        {2.5e-9, "2.5e-09"},
    };
    char buf[64];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(sk_num_human(buf, sizeof(buf), cases[i].x), cases[i].text);
    CHECK(sk_num_human(buf, sizeof(buf), 1.5) == buf);
}

int main(void)
{
    test_parse_table();
    test_nan_sign();
    test_repr_table();
    test_scan_table();
    test_long_inputs();
    test_random_doubles();
    test_random_decimals();
    test_wide_decimals();
    test_level();
    test_human();
    return sk_test_done("num");
}
