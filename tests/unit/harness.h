/*
 * A tiny assert harness: each test executable is one module's tests,
 * registered with ctest.  A failed check prints file:line and the values
 * and marks the run failed; the executable exits non-zero at the end.
 */
#ifndef SK_TEST_HARNESS_H
#define SK_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sk_test_failures;
static int sk_test_checks;

#define CHECK(cond)                                                         \
    do {                                                                    \
        sk_test_checks++;                                                   \
        if (!(cond)) {                                                      \
            sk_test_failures++;                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,          \
                    __LINE__, #cond);                                       \
        }                                                                   \
    } while (0)

#define CHECK_INT(got, want)                                                \
    do {                                                                    \
        long long g_ = (long long)(got), w_ = (long long)(want);            \
        sk_test_checks++;                                                   \
        if (g_ != w_) {                                                     \
            sk_test_failures++;                                             \
            fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__,      \
                    __LINE__, #got, g_, w_);                                \
        }                                                                   \
    } while (0)

#define CHECK_STR(got, want)                                                \
    do {                                                                    \
        const char *g_ = (got), *w_ = (want);                               \
        sk_test_checks++;                                                   \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                            \
            sk_test_failures++;                                             \
            fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__,  \
                    __LINE__, #got, g_ ? g_ : "(null)", w_);                \
        }                                                                   \
    } while (0)

/* |got - want| <= tol, with NaN equal only to NaN. */
#define CHECK_NEAR(got, want, tol)                                          \
    do {                                                                    \
        double g_ = (got), w_ = (want);                                     \
        sk_test_checks++;                                                   \
        if (!((isnan(g_) && isnan(w_)) || fabs(g_ - w_) <= (tol))) {        \
            sk_test_failures++;                                             \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g (tol %g)\n",     \
                    __FILE__, __LINE__, #got, g_, w_, (double)(tol));       \
        }                                                                   \
    } while (0)

/* Print the closing line ctest users expect and return the exit status. */
/* The whole of a file, NUL-terminated, its length in *len (0 when it
 * cannot be read: NULL); the caller frees it. */
static inline char *sk_test_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    long n;

    *len = 0;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
        fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, fp) == (size_t)n) {
        buf[n] = '\0';
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

static inline int sk_test_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name,
           sk_test_checks - sk_test_failures, sk_test_failures);
    return sk_test_failures ? 1 : 0;
}

#endif
