/*
 * The Prometheus text format, a line at a time (sweepkit/prom.h).
 */
#include "sweepkit/prom.h"

#include "sweepkit/error.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int name_start(int c)
{
    return isalpha(c) || c == '_' || c == ':';
}

static int name_char(int c)
{
    return isalnum(c) || c == '_' || c == ':';
}

/* The labels from just after '{' to the '}' (kept as written): *at is
 * left after the '}'. */
static int read_labels(sk_prom_sample *out, const char *s, size_t len,
                       size_t *at)
{
    size_t i = *at, start = *at, n;

    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == ','))
            i++;
        if (i < len && s[i] == '}')
            break;
        if (i >= len || !name_start((unsigned char)s[i]))
            return sk_error_set(SK_EPARSE, "expected a label name or '}'");
        while (i < len && name_char((unsigned char)s[i]))
            i++;
        if (i >= len || s[i] != '=' || i + 1 >= len || s[i + 1] != '"')
            return sk_error_set(SK_EPARSE,
                                "expected =\"value\" after a label name");
        for (i += 2; i < len && s[i] != '"'; i++)
            if (s[i] == '\\')
                i++; /* the escaped byte */
        if (i >= len)
            return sk_error_set(SK_EPARSE, "unterminated label value");
        i++;
    }
    n = i - start;
    if (n >= sizeof(out->labels))
        return sk_error_set(SK_EPARSE, "labels over %d bytes",
                            SK_PROM_LABELS_MAX);
    memcpy(out->labels, s + start, n);
    out->labels[n] = '\0';
    *at = i + 1;
    return 0;
}

int sk_prom_parse_line(sk_prom_sample *out, const char *s, size_t len)
{
    size_t i = 0;
    char num[64], *end;
    int rc;

    if (len && s[len - 1] == '\r')
        len--;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len || s[i] == '#')
        return 0;
    if (!name_start((unsigned char)s[i]))
        return sk_error_set(SK_EPARSE, "expected a metric name");
    out->name = s + i;
    while (i < len && name_char((unsigned char)s[i]))
        i++;
    out->name_len = (size_t)(s + i - out->name);
    out->labels[0] = '\0';
    if (i < len && s[i] == '{') {
        i++;
        if ((rc = read_labels(out, s, len, &i)) != 0)
            return rc;
    }
    if (i >= len || (s[i] != ' ' && s[i] != '\t'))
        return sk_error_set(SK_EPARSE, "expected a value after the name");
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    {
        size_t k = 0;

        while (i < len && s[i] != ' ' && s[i] != '\t' && k + 1 < sizeof(num))
            num[k++] = s[i++];
        num[k] = '\0';
    }
    if (strcasecmp(num, "+Inf") == 0 || strcasecmp(num, "Inf") == 0)
        out->value = INFINITY;
    else if (strcasecmp(num, "-Inf") == 0)
        out->value = -INFINITY;
    else if (strcasecmp(num, "NaN") == 0)
        out->value = NAN;
    else {
        out->value = strtod(num, &end);
        if (!num[0] || *end)
            return sk_error_set(SK_EPARSE, "'%.40s' is not a number", num);
    }
    /* an optional timestamp, then nothing */
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (i < len && (isdigit((unsigned char)s[i]) || s[i] == '-'))
        i++;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i != len)
        return sk_error_set(SK_EPARSE, "unexpected text after the value");
    return 1;
}
