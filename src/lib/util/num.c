/*
 * Python's float() and repr(float) for sweepkit.
 *
 * Parsing follows CPython 3.11 float(str): the string is stripped of
 * whitespace, then must be exactly [sign] (inf | infinity | nan) or
 * [sign] digitpart ["." [digitpart]] | "." digitpart, then an optional
 * exponent, with digitpart = digit (["_"] digit)*.  The digits are
 * validated here and only then handed to strtod(), because strtod() also
 * takes hex floats, "nan(...)" and leading whitespace that Python rejects.
 *
 * Printing follows CPython's float_repr_style "short": the shortest digit
 * string that reads back to the same double, laid out by
 * format_float_short() (scientific iff decpt <= -4 or decpt > 16).
 */
#include "sweepkit/num.h"

#include "sweepkit/error.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Digits kept for strtod().  Every midpoint between adjacent doubles has at
 * most 767 significant decimal digits, so truncating after 768 digits and
 * appending a nonzero "sticky" digit when anything nonzero was cut keeps
 * the value strictly between the same two midpoints: correct rounding is
 * preserved without a heap copy of arbitrarily long fields.
 */
#define MAX_SIG 768

/* Exponents are clamped here: far beyond the double range either way, so
 * strtod() still yields inf or zero, and the text stays short. */
#define MAX_DECPT 100000

/* Longer fields cannot be fast-path ones (sign, 19 digits, point, 'e',
 * sign, a few exponent digits); the bound also keeps counts in an int. */
#define FAST_MAX_LEN 32

/* Powers of ten that doubles hold exactly (10^22 = 2^22 x 5^22 and 5^22 <
 * 2^53): the basis of Clinger's fast path. */
static const double exact_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Divisors to drop up to 18 trailing zeros. */
static const uint64_t int_pow10[] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
};

static int is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

/*
 * CPython's float() maps non-ASCII whitespace (str.isspace) to ' ' and then
 * strips only Py_ISSPACE: " \t\n\v\f\r".  So U+001C..U+001F, although
 * str.isspace() is true for them, are not stripped and make float() fail.
 */
static int is_ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Unicode whitespace above U+00FF, all of it three bytes in UTF-8. */
static int is_wide_space(unsigned cp)
{
    return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Bytes of the whitespace character that starts p[0..n), 0 if none. */
static size_t space_at(const unsigned char *p, size_t n)
{
    if (n >= 1 && is_ascii_space(p[0]))
        return 1;
    if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
        return 2;
    if (n >= 3 && (p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 &&
        (p[2] & 0xC0) == 0x80 &&
        is_wide_space((p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 |
                      (p[2] & 0x3Fu)))
        return 3;
    return 0;
}

/* Bytes of the whitespace character that ends p[0..n), 0 if none. */
static size_t space_before(const unsigned char *p, size_t n)
{
    if (n >= 1 && is_ascii_space(p[n - 1]))
        return 1;
    if (n >= 2 && space_at(p + n - 2, 2) == 2)
        return 2;
    if (n >= 3 && space_at(p + n - 3, 3) == 3)
        return 3;
    return 0;
}

/* Case-insensitive match of p[0..n) against lowercase letters `word`;
 * `| 0x20` only folds letters onto letters here. */
static int word_is(const char *p, size_t n, const char *word)
{
    size_t i;

    if (n != strlen(word))
        return 0;
    for (i = 0; i < n; i++)
        if (((unsigned char)p[i] | 0x20) != (unsigned char)word[i])
            return 0;
    return 1;
}

/*
 * Length of the digitpart at p: digit (["_"] digit)*, 0 if p does not start
 * with a digit.  An underscore is taken only with a digit after it, so any
 * misplaced one ("1_", "1__0", "1_.5") is left over and fails the caller's
 * end-of-field check: exactly PEP 515's "only between digits" rule.
 */
static size_t digit_run(const char *p, const char *end)
{
    const char *q = p;

    if (q == end || !is_digit((unsigned char)*q))
        return 0;
    for (q++; q < end; q++) {
        if (*q == '_' && q + 1 < end && is_digit((unsigned char)q[1]))
            q++;
        else if (!is_digit((unsigned char)*q))
            break;
    }
    return (size_t)(q - p);
}

/* Significant digits of a decimal as strtod() will see them; the value is
 * 0.digits x 10^decpt. */
struct sig_digits {
    char buf[MAX_SIG + 1];
    size_t n;
    long long decpt;
};

static void add_digits(struct sig_digits *d, const char *p, size_t n,
                       int frac)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = p[i];

        if (c == '_')
            continue;
        if (d->n == 0 && c == '0') {
            d->decpt -= frac; /* a leading zero shifts only after '.' */
            continue;
        }
        d->decpt += !frac;
        if (d->n < MAX_SIG)
            d->buf[d->n++] = c;
        else if (c != '0' && d->n == MAX_SIG)
            d->buf[d->n++] = '1'; /* the sticky digit */
    }
}

/* Parse the digitpart-based form; p..end holds no sign or whitespace. */
static int parse_decimal(double *out, const char *p, const char *end,
                         int neg)
{
    struct sig_digits d;
    size_t ni, nf = 0, i;
    long long e = 0;
    char text[1 + MAX_SIG + 1 + 16];
    size_t k = 0;

    d.n = 0;
    d.decpt = 0;
    ni = digit_run(p, end);
    add_digits(&d, p, ni, 0);
    p += ni;
    if (p < end && *p == '.') {
        p++;
        nf = digit_run(p, end);
        add_digits(&d, p, nf, 1);
        p += nf;
    }
    if (ni == 0 && nf == 0)
        return SK_EPARSE;
    if (p < end && (*p | 0x20) == 'e') {
        int eneg = 0;
        size_t ne;

        p++;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        ne = digit_run(p, end);
        if (ne == 0)
            return SK_EPARSE;
        for (i = 0; i < ne; i++)
            if (p[i] != '_' && e < MAX_DECPT)
                e = e * 10 + (p[i] - '0');
        p += ne;
        if (eneg)
            e = -e;
    }
    if (p != end)
        return SK_EPARSE;

    if (d.n == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    d.decpt += e;
    if (d.decpt > MAX_DECPT)
        d.decpt = MAX_DECPT;
    if (d.decpt < -MAX_DECPT)
        d.decpt = -MAX_DECPT;

    /* An integer mantissa with an exponent: no decimal point, so the
     * locale's radix character never matters. */
    if (neg)
        text[k++] = '-';
    memcpy(text + k, d.buf, d.n);
    k += d.n;
    snprintf(text + k, sizeof(text) - k, "e%lld",
             d.decpt - (long long)d.n);
    *out = strtod(text, NULL);
    return 0;
}

int sk_num_parse(double *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t b = 0, w;
    int neg = 0;

    while ((w = space_at(u + b, len - b)) != 0)
        b += w;
    while ((w = space_before(u + b, len - b)) != 0)
        len -= w;
    s += b;
    len -= b;

    if (len > 0 && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++;
        len--;
    }
    if (word_is(s, len, "inf") || word_is(s, len, "infinity")) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return 0;
    }
    if (word_is(s, len, "nan")) {
        /* CPython keeps the sign: copysign(1, float("-nan")) == -1. */
        *out = copysign(NAN, neg ? -1.0 : 1.0);
        return 0;
    }
    return parse_decimal(out, s, s + len, neg);
}

/* printf()'s correctly rounded p digits of x as m x 10^e, read back
 * whatever radix character the locale uses. */
static uint64_t printf_digits(double x, int p, int *e)
{
    char tmp[40];
    const char *q;
    uint64_t m = 0;

    snprintf(tmp, sizeof(tmp), "%.*e", p - 1, x);
    for (q = tmp; *q != 'e'; q++)
        if (is_digit((unsigned char)*q))
            m = m * 10 + (unsigned)(*q - '0');
    *e = atoi(q + 1) - (p - 1);
    return m;
}

/* x's 17 significant digits, correctly rounded: x ~ m17 x 10^e17. */
struct digits17 {
    uint64_t m17;
    int e17;
};

/* strtod() of m x 10^e, formatted by hand: snprintf() costs more than the
 * conversion itself. */
static double decimal_value(uint64_t m, int e)
{
    char buf[40], *o = buf + sizeof(buf);
    unsigned ue = (unsigned)(e < 0 ? -e : e);

    *--o = '\0';
    do
        *--o = (char)('0' + ue % 10);
    while ((ue /= 10) != 0);
    if (e < 0)
        *--o = '-';
    *--o = 'e';
    do
        *--o = (char)('0' + m % 10);
    while ((m /= 10) != 0);
    return strtod(o, NULL);
}

/*
 * x correctly rounded to p digits, as m x 10^e.  Rounding the 17 correctly
 * rounded digits again gives the same result unless they sit exactly on a
 * p-digit midpoint ("...5000"): a midpoint has at most 17 digits, so x and
 * its 17-digit rounding are never on opposite sides of one.  That tie is
 * left to printf(), which rounds x itself.
 */
static uint64_t round_digits(double x, const struct digits17 *d, int p,
                             int *e)
{
    uint64_t unit = int_pow10[17 - p], half = unit / 2;
    uint64_t m = d->m17 / unit, rest = d->m17 % unit;

    *e = d->e17 + 17 - p;
    if (p == 17)
        return d->m17;
    if (rest != half)
        return rest > half ? m + 1 : m;
    return printf_digits(x, p, e);
}

/*
 * Whether some p-digit decimal reads back as finite x > 0; if so, stores
 * the one David Gay's dtoa mode 0 (CPython's repr) would pick as m x 10^e.
 * The correctly rounded p-digit decimal R is the closest candidate; when R
 * misses, the only other one that can hit is R's neighbour on the far side
 * of x, which happens when x is a power of two (its lower gap is half the
 * upper one).
 */
static int digits_hit(double x, const struct digits17 *d, int p,
                      uint64_t *m, int *e)
{
    double y;

    *m = round_digits(x, d, p, e);
    y = decimal_value(*m, *e);
    if (y == x)
        return 1;
    *m = y < x ? *m + 1 : *m - 1;
    return decimal_value(*m, *e) == x;
}

/*
 * Shortest round-trip digits of finite x > 0: the fewest digits that read
 * back as x, and of those the closest to x.  A hit at p digits implies one
 * at p + 1 (the p-digit winner is a (p+1)-digit candidate, and R or its
 * far neighbour is at least as close), so the smallest p is found by
 * bisection; 17 digits always hit.  Stores the digits without trailing
 * zeros and decpt, x ~ 0.digits x 10^decpt; returns the digit count.
 */
static int shortest_digits(double x, char digits[24], int *decpt)
{
    struct digits17 d;
    uint64_t m, best_m;
    int lo = 1, hi = 17, e, best_e, n;

    d.m17 = printf_digits(x, 17, &d.e17);
    best_m = d.m17;
    best_e = d.e17;

    /* Normal doubles are spaced closer than 15-digit decimals (2^-52 <
     * 10^-15 relative), so at most one decimal of 15 or fewer digits
     * reads back as x: a 15-digit hit, less its trailing zeros, is the
     * answer, and a miss leaves only 16 or 17. */
    if (x >= DBL_MIN) {
        if (digits_hit(x, &d, 15, &m, &e)) {
            best_m = m;
            best_e = e;
            lo = hi = 15;
        } else {
            lo = 16;
        }
    }
    while (lo < hi) {
        int mid = (lo + hi) / 2;

        if (digits_hit(x, &d, mid, &m, &e)) {
            hi = mid;
            best_m = m;
            best_e = e;
        } else {
            lo = mid + 1;
        }
    }
    n = snprintf(digits, 24, "%llu", (unsigned long long)best_m);
    *decpt = n + best_e;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    return n;
}

/* strlen of the layout repr_layout() writes, from the digits' shape. */
static size_t repr_len_of(int nd, int decpt)
{
    if (decpt <= -4 || decpt > 16) {
        int e = decpt > 0 ? decpt - 1 : 1 - decpt;

        return (size_t)nd + (nd > 1) + 2 + (e >= 100 ? 3 : 2);
    }
    if (decpt <= 0)
        return 2 + (size_t)-decpt + (size_t)nd;
    if (decpt < nd)
        return (size_t)nd + 1;
    return (size_t)decpt + 2;
}

/* CPython format_float_short() with repr's flags (Py_DTSF_ADD_DOT_0). */
static size_t repr_layout(char *o, const char *digits, int nd, int decpt)
{
    char *start = o;
    int i;

    if (decpt <= -4 || decpt > 16) {
        int e = decpt - 1;

        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        if (e < 0)
            e = -e;
        if (e >= 100)
            *o++ = (char)('0' + e / 100);
        *o++ = (char)('0' + e / 10 % 10);
        *o++ = (char)('0' + e % 10);
    } else if (decpt <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (i = decpt; i < 0; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else if (decpt < nd) {
        memcpy(o, digits, (size_t)decpt);
        o += decpt;
        *o++ = '.';
        memcpy(o, digits + decpt, (size_t)(nd - decpt));
        o += nd - decpt;
    } else {
        memcpy(o, digits, (size_t)nd);
        o += nd;
        for (i = nd; i < decpt; i++)
            *o++ = '0';
        *o++ = '.';
        *o++ = '0';
    }
    return (size_t)(o - start);
}

size_t sk_num_repr(char *buf, size_t cap, double x)
{
    char out[SK_NUM_REPR_MAX];
    size_t n = 0;

    if (isnan(x)) {
        n = 3;
        memcpy(out, "nan", 3); /* CPython drops a NaN's sign */
    } else {
        if (signbit(x))
            out[n++] = '-';
        x = fabs(x);
        if (isinf(x)) {
            memcpy(out + n, "inf", 3);
            n += 3;
        } else if (x == 0) {
            memcpy(out + n, "0.0", 3);
            n += 3;
        } else {
            char digits[24];
            int decpt;
            int nd = shortest_digits(x, digits, &decpt);

            n += repr_layout(out + n, digits, nd, decpt);
        }
    }
    out[n] = '\0';
    /* snprintf-style when the caller broke the cap contract: truncate,
     * still terminate, report the full length. */
    if (cap > 0) {
        size_t m = n < cap ? n : cap - 1;

        memcpy(buf, out, m);
        buf[m] = '\0';
    }
    return n;
}

/*
 * 16 to 19 significant digits (mant < 10^19 < 2^64), the value only:
 * mant and 10^|scale| (5^27 < 2^64) are exact in the x87 64-bit long
 * double, so their product or quotient is correctly rounded to 64 bits,
 * within half a 64-bit unit of the exact value.  Rounding that to a
 * double's 53 bits gives the correctly rounded double unless it sits on
 * a midpoint between two doubles (low 11 bits 0x400), where the exact
 * value may lie on either side: strtod() decides those (and everything
 * where long double is not the x87 format, or runs at less precision).
 */
static int wide_value(double *value, uint64_t mant, int scale, int neg)
{
#if LDBL_MANT_DIG == 64
    static const long double pow10l[] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
    };
    /* 1: this thread's x87 precision is the full 64 bits */
    static _Thread_local signed char full = -1;
    long double x;
    uint64_t bits;

    if (full < 0) {
        volatile long double big = 9223372036854775808.0L; /* 2^63 */

        full = big + 1.0L != big;
    }
    if (!full || scale < -27 || scale > 27)
        return 0;
    x = scale >= 0 ? (long double)mant * pow10l[scale]
                   : (long double)mant / pow10l[-scale];
    memcpy(&bits, &x, sizeof(bits)); /* the 64-bit significand */
    if ((bits & 0x7FF) >= 0x3FF && (bits & 0x7FF) <= 0x401)
        return 0;
    *value = neg ? -(double)x : (double)x;
    return 1;
#else
    (void)value;
    (void)mant;
    (void)scale;
    (void)neg;
    return 0;
#endif
}

/* The general route: full grammar, then the printer for the length. */
static int scan_slow(const char *s, size_t len, double *value,
                     size_t *repr_len)
{
    char buf[SK_NUM_REPR_MAX];
    double x;

    if (sk_num_parse(&x, s, len) != 0)
        return 0;
    if (repr_len)
        *repr_len = sk_num_repr(buf, sizeof(buf), x);
    if (value)
        *value = x;
    return 1;
}

/*
 * Fast path for plain [+-]digits[.digits][(e|E)[+-]digits].  A decimal D
 * with at most 15 significant digits in the normal range round-trips
 * through the nearest double (DBL_DIG == 15), and no other decimal of 15
 * or fewer digits reaches the same double, so D's own digits are the
 * shortest repr: the length follows from (digit count, decpt, sign).
 * The value, when wanted, comes from Clinger's fast path: an integer below
 * 10^15 and an exact power of ten up to 10^22 give a correctly rounded
 * result in one IEEE multiply or divide.
 */
static int scan_fast(const unsigned char *p, const unsigned char *end,
                     double *value, size_t *repr_len)
{
    const unsigned char *digits, *point, *stop, *first, *q;
    uint64_t mant = 0;
    unsigned d;
    int neg = 0, e = 0, dot, ndig, nsig, decpt, scale;

    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    /* All mantissa digits into one integer; it wraps past 19 digits,
     * which is checked below. */
    for (digits = p; p < end && (d = *p - (unsigned)'0') < 10; p++)
        mant = mant * 10 + d;
    point = p;
    dot = p < end && *p == '.';
    if (dot)
        for (p++; p < end && (d = *p - (unsigned)'0') < 10; p++)
            mant = mant * 10 + d;
    stop = p;
    if (stop - digits == dot) /* no digit at all */
        return 0;
    if (p < end) {
        int eneg = 0;

        if ((*p++ | 0x20) != 'e')
            return 0;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        for (q = p; p < end && (d = *p - (unsigned)'0') < 10; p++)
            if (e < MAX_DECPT) /* saturate: decpt is range-checked */
                e = e * 10 + (int)d;
        if (p != end || p == q)
            return 0;
        if (eneg)
            e = -e;
    }

    /* The significant digits are first..stop: found by byte compares
     * rather than bookkeeping in the digit loop. */
    for (first = digits; first < stop && (*first == '0' || *first == '.');)
        first++;
    if (first == stop) {
        if (repr_len)
            *repr_len = 3 + (size_t)neg; /* "0.0" or "-0.0" */
        if (value)
            *value = neg ? -0.0 : 0.0;
        return 1;
    }
    ndig = (int)(stop - first) - (first < point && dot);
    scale = e - (int)(stop - point) + dot; /* value = mant x 10^scale */
    decpt = (int)(point - first) + (point < first) + e; /* 0.d x 10^decpt */
    while (stop[-1] == '0' || stop[-1] == '.')
        stop--;
    nsig = (int)(stop - first) - (first < point && point < stop);
    if (ndig > 19 || decpt < -300 || decpt > 300)
        return 0;
    if (nsig > 15) /* the value alone: the repr may be shorter */
        return !repr_len && value && wide_value(value, mant, scale, neg);
    if (value) {
        if (mant >> 53) { /* trailing zeros made it inexact as a double */
            mant /= int_pow10[ndig - nsig];
            scale += ndig - nsig;
        }
#if FLT_EVAL_METHOD == 0
        if (scale < -22 || scale > 22)
            return 0; /* strtod() must round */
        *value = scale >= 0 ? (double)mant * exact_pow10[scale]
                            : (double)mant / exact_pow10[-scale];
        if (neg)
            *value = -*value;
#else
        return 0; /* excess precision would round twice */
#endif
    }
    if (repr_len)
        *repr_len = repr_len_of(nsig, decpt) + (size_t)neg;
    return 1;
}

int sk_num_scan(const char *s, size_t len, double *value, size_t *repr_len)
{
    const unsigned char *u = (const unsigned char *)s;

    if (len > 0 && len <= FAST_MAX_LEN &&
        scan_fast(u, u + len, value, repr_len))
        return 1;
    return scan_slow(s, len, value, repr_len);
}

int sk_num_level(double *out, const char *s, size_t len, const char *name,
                 size_t line)
{
    double v;
    size_t n = len < 60 ? len : 60;

    if (sk_num_parse(&v, s, len) == 0 && isfinite(v) && v > 0) {
        *out = v;
        return 0;
    }
    while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--; /* cut at a UTF-8 character boundary */
    return sk_error_set(SK_EPARSE,
                        "%s:%zu: concurrency must be a number > 0, got "
                        "'%.*s'",
                        name, line, (int)n, s);
}

const char *sk_num_human(char *buf, size_t cap, double x)
{
    snprintf(buf, cap, fabs(x) >= 0.1 || x == 0 ? "%.2f" : "%.3g", x);
    return buf;
}
