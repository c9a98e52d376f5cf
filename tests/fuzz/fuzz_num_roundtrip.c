/*
 * The analyze-data compatible number printer and parser (num.h).
 *
 * Input: the first 8 bytes, when there are 8, are a double (any bit
 * pattern; NaN is skipped).  sk_num_repr() of it must
 *   - read back through sk_num_parse() as the same double, bit for bit
 *     (-0.0 included);
 *   - be laid out as repr(float) is: plain with at least one digit after
 *     the point when the decimal point position decpt (x = 0.DIGITS x
 *     10^decpt) is in -3..16, otherwise scientific with a sign and at
 *     least two exponent digits; no superfluous zeros;
 *   - be the shortest: no decimal with one digit fewer reads back as x
 *     (checked on the two such decimals that bracket the printed one,
 *     with strtod(), independently of num.c's own digit search);
 *   - have the length sk_num_scan() predicts for it.
 * The whole input is also parsed as text: when the text is a plain
 * decimal by Python's grammar (digits, one point, exponent, single
 * underscores between digits, surrounding ASCII whitespace) it must parse,
 * to what glibc's correctly rounded strtod() gives for it without the
 * underscores; when it has no whitespace or non-ASCII bytes, is not an
 * inf/nan word and parses, it must be such a decimal.  A finite parsed
 * value goes through the same repr checks.  sk_num_scan() must agree with
 * sk_num_parse() on every text.
 */
#include "fuzz_util.h"

#include "sweepkit/num.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

static int same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Python's decimal grammar over s[0..n) (no whitespace, no inf/nan):
 * digitpart ["." [digitpart]] | "." digitpart, then [e [sign] digitpart],
 * after an optional sign; digitpart = digit (["_"] digit)*.  Writes the
 * text without underscores into out (NUL-terminated). */
static int digitpart(const char *s, size_t n, size_t *i, char *out,
                     size_t *o)
{
    if (*i >= n || !isdigit((unsigned char)s[*i]))
        return 0;
    out[(*o)++] = s[(*i)++];
    for (;;) {
        if (*i < n && isdigit((unsigned char)s[*i])) {
            out[(*o)++] = s[(*i)++];
        } else if (*i + 1 < n && s[*i] == '_' &&
                   isdigit((unsigned char)s[*i + 1])) {
            (*i)++;
        } else {
            return 1;
        }
    }
}

static int python_decimal(const char *s, size_t n, char *out)
{
    size_t i = 0, o = 0;
    int intpart;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        out[o++] = s[i++];
    intpart = digitpart(s, n, &i, out, &o);
    if (i < n && s[i] == '.') {
        out[o++] = s[i++];
        if (!digitpart(s, n, &i, out, &o) && !intpart)
            return 0;
    } else if (!intpart) {
        return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        out[o++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-'))
            out[o++] = s[i++];
        if (!digitpart(s, n, &i, out, &o))
            return 0;
    }
    out[o] = '\0';
    return i == n;
}

static int inf_nan_word(const char *s, size_t n)
{
    if (n && (s[0] == '+' || s[0] == '-')) {
        s++;
        n--;
    }
    return (n == 3 && (strncasecmp(s, "inf", 3) == 0 ||
                       strncasecmp(s, "nan", 3) == 0)) ||
           (n == 8 && strncasecmp(s, "infinity", 8) == 0);
}

/* Read `text` = a decimal m (digits, optional point) x 10^e back into
 * digits without leading or trailing zeros and decpt. */
static void split_decimal(const char *text, size_t n, char *digits,
                          size_t *nd, int *decpt)
{
    size_t i, k = 0, before_point = 0;
    int point = 0, lead = 1, e = 0;
    long lead_zeros_after_point = 0;

    for (i = 0; i < n && text[i] != 'e'; i++) {
        if (text[i] == '.') {
            point = 1;
            continue;
        }
        if (lead && text[i] == '0') {
            if (point)
                lead_zeros_after_point++;
            continue;
        }
        lead = 0;
        digits[k++] = text[i];
        if (!point)
            before_point++;
    }
    if (i < n)
        e = atoi(text + i + 1);
    while (k > 0 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    *nd = k;
    *decpt = (before_point ? (int)before_point
                           : -(int)lead_zeros_after_point) + e;
}

/* strtod of 0.digits[0..nd) x 10^decpt. */
static double decimal(const char *digits, size_t nd, int decpt)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "0.%.*se%d", (int)nd, digits, decpt);
    return strtod(buf, NULL);
}

/* digits (nd digits) rounded down or up to nd - 1 digits, as 0.D x 10^dp. */
static double neighbour(const char *digits, size_t nd, int decpt, int up)
{
    char d[32];
    size_t k = nd - 1, i;

    memcpy(d, digits, k);
    if (up) {
        i = k;
        while (i > 0 && d[i - 1] == '9')
            d[--i] = '0';
        if (i == 0) /* 99..9 + 1 = 100..0 */
            return decimal("1", 1, decpt + 1);
        d[i - 1]++;
    }
    return decimal(d, k, decpt);
}

static void check_repr(double x)
{
    char buf[SK_NUM_REPR_MAX + 8], digits[32];
    const char *t;
    size_t n, len, nd, scan_len = 0, i;
    double back = 0, scanned = 0;
    int decpt, sci;

    memset(buf, 'x', sizeof(buf));
    n = sk_num_repr(buf, SK_NUM_REPR_MAX, x);
    FZ_CHECK(n < SK_NUM_REPR_MAX && strlen(buf) == n,
             "repr of %a: returned %zu, strlen %zu", x, n, strlen(buf));
    FZ_CHECK(sk_num_parse(&back, buf, n) == 0 && same_double(back, x),
             "repr of %a is '%s', which parses back as %a", x, buf, back);
    FZ_CHECK(sk_num_scan(buf, n, &scanned, &scan_len) == 1 &&
                 scan_len == n && same_double(scanned, x),
             "sk_num_scan('%s'): repr_len %zu, value %a", buf, scan_len,
             scanned);
    if (isinf(x)) {
        FZ_CHECK(strcmp(buf, x > 0 ? "inf" : "-inf") == 0, "'%s'", buf);
        return;
    }
    if (x == 0) {
        FZ_CHECK(strcmp(buf, signbit(x) ? "-0.0" : "0.0") == 0, "'%s'", buf);
        return;
    }
    t = buf;
    len = n;
    if (*t == '-') {
        FZ_CHECK(x < 0, "'%s' for %a", buf, x);
        t++;
        len--;
    }
    FZ_CHECK(x > 0 || buf[0] == '-', "'%s' for %a", buf, x);
    for (i = 0; i < len; i++)
        FZ_CHECK(isdigit((unsigned char)t[i]) || strchr(".e+-", t[i]),
                 "'%s'", buf);
    sci = memchr(t, 'e', len) != NULL;
    split_decimal(t, len, digits, &nd, &decpt);
    FZ_CHECK(nd >= 1 && nd <= 17, "'%s': %zu significant digits", buf, nd);
    if (sci) {
        const char *e = strchr(t, 'e');
        size_t elen = strlen(e + 2);

        FZ_CHECK(decpt <= -4 || decpt > 16, "'%s' should be plain", buf);
        FZ_CHECK(t[0] >= '1' && t[0] <= '9', "'%s'", buf);
        FZ_CHECK(nd == 1 ? e == t + 1
                         : (t[1] == '.' && e == t + 1 + nd &&
                            e[-1] != '0'),
                 "'%s': mantissa", buf);
        FZ_CHECK((e[1] == '+' || e[1] == '-') && elen >= 2 && elen <= 3 &&
                     (elen == 2 || e[2] != '0'),
                 "'%s': exponent", buf);
    } else {
        const char *pt = memchr(t, '.', len);

        FZ_CHECK(decpt > -4 && decpt <= 16, "'%s' should be scientific",
                 buf);
        FZ_CHECK(pt && pt > t && pt < t + len - 1, "'%s': point", buf);
        FZ_CHECK(pt == t + 1 || t[0] != '0', "'%s': leading zero", buf);
        FZ_CHECK(t[len - 1] != '0' || pt == t + len - 2,
                 "'%s': trailing zero", buf);
    }
    /* Shortest: neither (nd-1)-digit decimal next to the printed one
     * reads back as |x|. */
    if (nd > 1) {
        double ax = fabs(x);

        FZ_CHECK(neighbour(digits, nd, decpt, 0) != ax &&
                     neighbour(digits, nd, decpt, 1) != ax,
                 "'%s' is not the shortest repr of %a", buf, x);
    }
}

static void check_text(const char *s, size_t n)
{
    char *copy = fz_dup(s, n); /* no NUL after it */
    char *plain = malloc(n + 1);
    double v = 0, w = 0;
    size_t lo = 0, hi = n, rl = 0, i;
    int parsed, scanned, ascii = 1;

    if (!plain)
        abort();
    parsed = sk_num_parse(&v, copy, n) == 0;
    scanned = sk_num_scan(copy, n, &w, &rl);
    FZ_CHECK(parsed == scanned, "parse %d, scan %d", parsed, scanned);
    if (parsed)
        FZ_CHECK(same_double(v, w) || (isnan(v) && isnan(w)),
                 "parse %a, scan %a", v, w);

    while (lo < hi && strchr(" \t\n\v\f\r", s[lo]) && s[lo])
        lo++;
    while (hi > lo && strchr(" \t\n\v\f\r", s[hi - 1]) && s[hi - 1])
        hi--;
    if (python_decimal(s + lo, hi - lo, plain)) {
        double ref = strtod(plain, NULL);

        FZ_CHECK(parsed, "'%.*s' is a decimal but does not parse",
                 (int)n, s);
        FZ_CHECK(same_double(v, ref), "'%.*s' parsed as %a, strtod %a",
                 (int)n, s, v, ref);
    } else if (parsed) {
        for (i = lo; i < hi; i++)
            if ((unsigned char)s[i] >= 0x80 || isspace((unsigned char)s[i]))
                ascii = 0;
        FZ_CHECK(!ascii || inf_nan_word(s + lo, hi - lo),
                 "'%.*s' parsed as %a but is not a number", (int)n, s, v);
    }
    if (parsed && isfinite(v))
        check_repr(v);
    free(plain);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8) {
        double x;

        memcpy(&x, data, sizeof(x));
        if (!isnan(x))
            check_repr(x);
    }
    check_text((const char *)data, size);
    return 0;
}
