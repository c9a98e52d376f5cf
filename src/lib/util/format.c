#include "sweepkit/format.h"

#include "sweepkit/error.h"

#include <stdint.h>
#include <string.h>

int sk_format_parse(sk_format *out, const char *name)
{
    static const struct {
        const char *name;
        sk_format fmt;
    } names[] = {{"table", SK_FORMAT_TABLE},
                 {"csv", SK_FORMAT_CSV},
                 {"json", SK_FORMAT_JSON},
                 {"markdown", SK_FORMAT_MARKDOWN}};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    }
    return sk_error_set(SK_EINVAL,
                        "unknown format '%s' (expected table, csv, json or "
                        "markdown)",
                        name);
}

/* UTF-8 as RFC 3629 defines it, which is what Python's strict decoder
 * accepts: no overlong forms, no surrogates, nothing above U+10FFFF. */
int sk_utf8_width(size_t *width, size_t *at, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, w = 0;

    /* Most cells are ASCII: skip eight bytes at a time while no byte has
     * its high bit set. */
    while (n - i >= 8) {
        uint64_t word;

        memcpy(&word, s + i, 8);
        if (word & 0x8080808080808080ull)
            break;
        i += 8;
        w += 8;
    }
    while (i < n) {
        unsigned char c = s[i];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;

        if (c < 0x80) {
            i++;
            w++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            *at = i;
            return SK_EPARSE;
        }
        if (need > n - i - 1) { /* truncated sequence */
            *at = i;
            return SK_EPARSE;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            *at = i;
            return SK_EPARSE;
        }
        for (size_t k = 2; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                *at = i;
                return SK_EPARSE;
            }
        }
        i += need + 1;
        w++;
    }
    *width = w;
    return 0;
}

size_t sk_format_width(const char *s, size_t n)
{
    size_t w, at;

    return sk_utf8_width(&w, &at, s, n) == 0 ? w : n;
}

/* Bytes of valid UTF-8, escaped for a JSON string. */
static void json_chars(FILE *fp, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        switch (c) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\b': fputs("\\b", fp); break;
        case '\f': fputs("\\f", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (c < 0x20)
                fprintf(fp, "\\u%04x", c);
            else
                fputc(c, fp);
        }
    }
}

void sk_format_json_string(FILE *fp, const char *s, size_t n)
{
    size_t i = 0, w, at, run;

    fputc('"', fp);
    while (i < n) {
        run = n - i;
        if (sk_utf8_width(&w, &at, s + i, run) != 0)
            run = at;
        json_chars(fp, s + i, run);
        if ((i += run) < n) { /* JSON text is UTF-8: a bad byte is U+FFFD */
            fputs("\\ufffd", fp);
            i++;
        }
    }
    fputc('"', fp);
}

void sk_format_csv_field(FILE *fp, const char *s, size_t n)
{
    size_t i;

    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
        !memchr(s, '\r', n)) {
        fwrite(s, 1, n, fp);
        return;
    }
    fputc('"', fp);
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', fp);
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

void sk_format_markdown_cell(FILE *fp, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '|')
            fputs("\\|", fp);
        else if (s[i] == '\n' || s[i] == '\r')
            fputc(' ', fp);
        else
            fputc(s[i], fp);
    }
}

void sk_format_padded(FILE *fp, const char *s, size_t n, size_t pad,
                      int pad_left)
{
    size_t i;

    if (!pad_left)
        fwrite(s, 1, n, fp);
    for (i = 0; i < pad; i++)
        fputc(' ', fp);
    if (pad_left)
        fwrite(s, 1, n, fp);
}

void sk_format_slug(char *buf, size_t cap, const char *s)
{
    size_t i, n = 0;

    if (cap < 2) {
        if (cap)
            buf[0] = '\0';
        return;
    }
    for (i = 0; s[i] && n + 1 < cap && n < 100; i++) {
        char c = s[i];

        buf[n++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
                       ? c
                       : '_';
    }
    if (n == 0 || buf[0] == '.')
        buf[n == 0 ? n++ : 0] = 'r';
    buf[n] = '\0';
}

void sk_format_table_cell(FILE *fp, size_t c, const char *sep, const char *s,
                          size_t n, size_t width, int right, int trim)
{
    size_t w = sk_format_width(s, n), pad = width > w ? width - w : 0;

    if (c)
        fputs(sep, fp);
    sk_format_padded(fp, s, n, right || !trim ? pad : 0, right);
}

void sk_format_table_rule(FILE *fp, const size_t *width, size_t n)
{
    size_t i, line = 0;

    for (i = 0; i < n; i++)
        line += width[i] + (i ? 3 : 0);
    for (i = 0; i < line; i++)
        fputc('-', fp);
    fputc('\n', fp);
}

void sk_format_markdown_row_cell(FILE *fp, const char *s, size_t n)
{
    fputc(' ', fp);
    sk_format_markdown_cell(fp, s, n);
    fputs(" |", fp);
}

void sk_format_markdown_align(FILE *fp, int right)
{
    fputs(right ? " ---: |" : " --- |", fp);
}
