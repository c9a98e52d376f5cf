#include "sweepkit/units.h"

#include "sweepkit/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sk_units_parse_count(size_t *out, const char *s, size_t max,
                         const char *what)
{
    const char *p;
    unsigned long long v;
    char *end;

    for (p = s; *p; p++)
        if (*p < '0' || *p > '9')
            break;
    if (p == s || *p)
        return sk_error_set(SK_EINVAL,
                            "%s: '%s' is not a non-negative whole number",
                            what, s);
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE || v > max)
        return sk_error_set(SK_EINVAL, "%s: '%s' is larger than %zu", what,
                            s, max);
    *out = (size_t)v;
    return 0;
}

int sk_units_parse_double(double *out, const char *s, const char *what)
{
    char *end;
    double v;

    /* strtod alone would take leading spaces, hex and "inf". */
    if (!*s || strpbrk(s, " \t\n\rxXpP") || !(*s == '-' || *s == '+' ||
                                               *s == '.' ||
                                               (*s >= '0' && *s <= '9')))
        return sk_error_set(SK_EINVAL, "%s: '%s' is not a number", what, s);
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return sk_error_set(SK_EINVAL, "%s: '%s' is not a finite number",
                            what, s);
    *out = v;
    return 0;
}

int sk_units_parse_duration(double *seconds, const char *s,
                            const char *what)
{
    static const struct {
        const char *suffix;
        double scale;
    } units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3},
                 {"s", 1.0},   {"m", 60.0},  {"h", 3600.0}};
    char num[64];
    size_t n = strlen(s), i;
    double v, scale = 1.0;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t k = strlen(units[i].suffix);

        if (n > k && strcmp(s + n - k, units[i].suffix) == 0 &&
            s[n - k - 1] >= '0' && s[n - k - 1] <= '9') {
            scale = units[i].scale;
            n -= k;
            break;
        }
    }
    if (n == 0 || n >= sizeof(num))
        return sk_error_set(SK_EINVAL,
                            "%s: '%s' is not a duration (e.g. 30s, 500ms)",
                            what, s);
    memcpy(num, s, n);
    num[n] = '\0';
    if (sk_units_parse_double(&v, num, what) != 0 || v < 0)
        return sk_error_set(SK_EINVAL,
                            "%s: '%s' is not a duration (e.g. 30s, 500ms)",
                            what, s);
    *seconds = v * scale;
    return 0;
}

int sk_units_split_list(char **items, size_t cap, size_t *n, char *s,
                        const char *what)
{
    size_t k = 0;

    for (;;) {
        char *comma = strchr(s, ',');

        if (comma)
            *comma = '\0';
        if (!*s)
            return sk_error_set(SK_EINVAL, "%s: empty item in the list",
                                what);
        if (k == cap)
            return sk_error_set(SK_EINVAL, "%s: more than %zu items", what,
                                cap);
        items[k++] = s;
        if (!comma)
            break;
        s = comma + 1;
    }
    *n = k;
    return 0;
}
