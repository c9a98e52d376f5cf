/*
 * The Prometheus text line parser (prom.h), as collect --scrape feeds it
 * a server's /metrics.
 *
 * Input: one line, bytes as they come (a copy of exactly that length, so
 * ASan sees a read past its end).
 *
 * Checked: the result is 1, 0 or SK_EPARSE (with a message); a sample's
 * name lies inside the line, is not empty and is [a-zA-Z_:][a-zA-Z0-9_:]*;
 * its labels are NUL-terminated within SK_PROM_LABELS_MAX and start with
 * a name character when not empty; the same line with a '\r' added gives
 * the same result, name and labels.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/prom.h"

#include <ctype.h>
#include <math.h>

static int name_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' ||
                    s[0] == ':'))
        return 0;
    for (i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size ? size : 1), *cr = malloc(size + 1);
    sk_prom_sample a, b;
    int ra, rb;

    if (!line || !cr) {
        free(line);
        free(cr);
        return 0;
    }
    memcpy(line, data, size);
    memcpy(cr, data, size);
    cr[size] = '\r';
    ra = sk_prom_parse_line(&a, line, size);
    FZ_CHECK(ra == 1 || ra == 0 || ra == SK_EPARSE, "result %d", ra);
    if (ra == SK_EPARSE)
        FZ_CHECK(sk_error_last()[0] != '\0', "an error without a message");
    if (ra == 1) {
        FZ_CHECK(a.name >= line && a.name + a.name_len <= line + size,
                 "the name outside the line");
        FZ_CHECK(name_ok(a.name, a.name_len), "a bad metric name");
        FZ_CHECK(memchr(a.labels, '\0', SK_PROM_LABELS_MAX) != NULL,
                 "labels not terminated");
        FZ_CHECK(!a.labels[0] || isalpha((unsigned char)a.labels[0]) ||
                     a.labels[0] == '_' || a.labels[0] == ':' ||
                     a.labels[0] == ' ' || a.labels[0] == ',',
                 "labels starting with '%c'", a.labels[0]);
    }
    sk_error_clear();
    /* a final '\r' is ignored, unless the line already ends in one */
    if (!(size && line[size - 1] == '\r')) {
        rb = sk_prom_parse_line(&b, cr, size + 1);
        FZ_CHECK(rb == ra, "'\\r' changed the result: %d, %d", ra, rb);
        if (ra == 1)
            FZ_CHECK(a.name_len == b.name_len &&
                         memcmp(a.name, b.name, a.name_len) == 0 &&
                         strcmp(a.labels, b.labels) == 0 &&
                         (a.value == b.value ||
                          (isnan(a.value) && isnan(b.value))),
                     "'\\r' changed the sample");
        sk_error_clear();
    }
    free(line);
    free(cr);
    return 0;
}
