/*
 * Shared by the libFuzzer harnesses in tests/fuzz/: a contract check that
 * aborts (so libFuzzer saves the input as a crash) and a growable log that
 * each harness fills with what a parse produced, so that two ways of
 * feeding the same input can be compared byte for byte.
 *
 * A failed FZ_CHECK means the library broke what its header promises;
 * it is never used for behaviour the header leaves open.
 */
#ifndef SWEEPKIT_FUZZ_UTIL_H
#define SWEEPKIT_FUZZ_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, ...)                                                   \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: contract violated: %s\n  ", __FILE__,     \
                    __LINE__, #cond);                                         \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* A log: bytes appended with fz_put / fz_printf.  Out of memory aborts:
 * the harness inputs are bounded by -max_len, so it never happens. */
struct fz_log {
    char *s;
    size_t len, cap;
};

static inline void fz_put(struct fz_log *l, const void *p, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 256;

        while (cap < l->len + n + 1)
            cap *= 2;
        l->s = realloc(l->s, cap);
        if (!l->s)
            abort();
        l->cap = cap;
    }
    if (n)
        memcpy(l->s + l->len, p, n);
    l->len += n;
    l->s[l->len] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void fz_printf(struct fz_log *l, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        fz_put(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A length-prefixed copy, so that logs of binary data stay unambiguous. */
static inline void fz_bytes(struct fz_log *l, const char *p, size_t n)
{
    fz_printf(l, "%zu:", n);
    fz_put(l, p, n);
    fz_put(l, ";", 1);
}

static inline void fz_log_dispose(struct fz_log *l)
{
    free(l->s);
    l->s = NULL;
    l->len = l->cap = 0;
}

static inline int fz_log_eq(const struct fz_log *a, const struct fz_log *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

/* Print two logs that should have been equal, up to a few hundred bytes
 * around the first difference. */
static inline void fz_log_diff(const char *what, const struct fz_log *a,
                               const struct fz_log *b)
{
    size_t i = 0, from;

    while (i < a->len && i < b->len && a->s[i] == b->s[i])
        i++;
    from = i > 120 ? i - 120 : 0;
    fprintf(stderr, "%s differ at byte %zu (lengths %zu, %zu)\n", what, i,
            a->len, b->len);
    fprintf(stderr, "  A: %.*s\n", (int)((a->len - from) < 300 ? a->len - from : 300),
            a->s ? a->s + from : "");
    fprintf(stderr, "  B: %.*s\n", (int)((b->len - from) < 300 ? b->len - from : 300),
            b->s ? b->s + from : "");
}

/* An exact-size heap copy without a terminating NUL, so ASan catches a
 * read one past the end of what a length-taking function was given. */
static inline char *fz_dup(const char *p, size_t n)
{
    char *d = malloc(n ? n : 1);

    if (!d)
        abort();
    if (n)
        memcpy(d, p, n);
    return d;
}

/* Is s[0..n) valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF)?  Written out here, apart from the library's
 * own checks, so the two can disagree. */
static inline int fz_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp, k, j;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, cp = c & 0x07;
        else
            return 0;
        if (n - i - 1 < k)
            return 0;
        for (j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3Fu);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += k + 1;
    }
    return 1;
}

#endif
