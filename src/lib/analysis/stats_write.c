/*
 * The stats report: one row per (group, field), summarised as it is
 * written, in the four output formats (docs/stats.md).  Moved from the
 * CLI's cmd_stats.c (issue 13); the text is unchanged.
 */
#include "sweepkit/stats.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/json.h"
#include "sweepkit/metrics.h"
#include "sweepkit/num.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixed columns after the key columns. */
#define NFIXED 7
/* Printed width of any one cell of ours: a %.6f of DBL_MAX is 316 bytes. */
#define CELL_MAX 400

static const char *const fixed_names[NFIXED] = {
    "field", "count", "missing", "mean", "stddev", "min", "max"};

/* The report: one row per (group, field), group-major, each summarised
 * when it is printed (the table format's width pass summarises twice; a
 * group's values are sorted only once). */
struct report {
    sk_stats_groups *g;
    size_t nfields, nrows;
    size_t nkeys; /* key columns shown: 1 ("group") when ungrouped */
    const double *p;
    size_t np;
    char (*pct_names)[32]; /* "p50", ..., then "p50_lo", "p50_hi", ... */
    double conf;           /* of the intervals; 0: none */
    sk_format fmt;
    /* the row last loaded by load_row() */
    size_t group, field;
    struct sk_stats_summary s;
    double *pct, *ci; /* ci: lo and hi per percentile (NaN: none) */
    char flags[256];
};

/* "single wave": group i's concurrency key, when it has one, is at least
 * the count (every value from one round of requests in flight). */
static int single_wave(const struct report *r, size_t count)
{
    size_t k;
    double c;

    for (k = 0; k < sk_stats_groups_nkeys(r->g); k++) {
        const char *s = sk_stats_groups_key(r->g, r->group, k);

        if (strcmp(sk_stats_groups_key_name(r->g, k), "concurrency") == 0 &&
            sk_num_parse(&c, s, strlen(s)) == 0)
            return sk_metric_single_wave((double)count, c);
    }
    return 0;
}

static int load_row(struct report *r, size_t i)
{
    size_t k, at = 0;
    int rc;

    r->group = i / r->nfields;
    r->field = i % r->nfields;
    if ((rc = sk_stats_groups_summarize(&r->s, r->pct, r->g, r->group,
                                        r->field, r->p, r->np)) != 0)
        return rc;
    r->flags[0] = '\0';
    for (k = 0; r->conf > 0 && k < r->np; k++) {
        double *lo = &r->ci[2 * k], *hi = lo + 1;

        *lo = *hi = NAN;
        if (r->p[k] <= 0 || r->p[k] >= 100 || r->s.count == 0)
            continue;
        rc = sk_stats_groups_percentile_ci(lo, hi, r->g, r->group, r->field,
                                           r->p[k], r->conf);
        if (rc == SK_ENODATA) {
            sk_error_clear();
            at += (size_t)snprintf(r->flags + at, sizeof(r->flags) - at,
                                   "%s%s from %zu values", at ? "; " : "",
                                   r->pct_names[k], r->s.count);
        } else if (rc != 0) {
            return rc;
        }
        if (at >= sizeof(r->flags)) { /* cut: say so */
            memcpy(r->flags + sizeof(r->flags) - 4, "...", 4);
            at = sizeof(r->flags) - 1;
            break;
        }
    }
    if (r->conf > 0 && single_wave(r, r->s.count))
        snprintf(r->flags + at, sizeof(r->flags) - at, "%ssingle wave",
                 at ? "; " : "");
    return 0;
}

static size_t ncols(const struct report *r)
{
    return r->nkeys + NFIXED + r->np + (r->conf > 0 ? 2 * r->np + 1 : 0);
}

/* Whether stat column d (after the fixed ones) is the flags column. */
static int is_flags(const struct report *r, size_t d)
{
    return r->conf > 0 && d == 3 * r->np;
}

static const char *col_name(const struct report *r, size_t c)
{
    if (c < r->nkeys)
        return sk_stats_groups_nkeys(r->g) ? sk_stats_groups_key_name(r->g, c)
                                           : "group";
    c -= r->nkeys;
    if (c < NFIXED)
        return fixed_names[c];
    return is_flags(r, c - NFIXED) ? "flags" : r->pct_names[c - NFIXED];
}

/* A JSON number literal, exactly: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        if (!(*++s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* A statistic as printed: %.6f for people, the shortest round trip for
 * machines.  NaN (undefined) is "-", an empty CSV cell, JSON null. */
static const char *number(char *buf, double v, sk_format fmt)
{
    if (fmt == SK_FORMAT_TABLE || fmt == SK_FORMAT_MARKDOWN) {
        if (isnan(v))
            return "-";
        snprintf(buf, CELL_MAX, "%.6f", v);
        return buf;
    }
    if (isnan(v))
        return fmt == SK_FORMAT_JSON ? "null" : "";
    if (isinf(v) && fmt == SK_FORMAT_JSON)
        return "null"; /* an sd can overflow; JSON has no inf */
    sk_num_repr(buf, CELL_MAX, v);
    return buf;
}

/* Key cell k of group i: the file's text.  *num: sk_num_parse() reads it
 * (in JSON: it is a JSON number, printed bare). */
static const char *key_cell(const struct report *r, size_t i, size_t k,
                            int *num)
{
    const char *s;
    double v;

    if (!sk_stats_groups_nkeys(r->g)) {
        *num = 0;
        return "all";
    }
    s = sk_stats_groups_key(r->g, i, k);
    *num = r->fmt == SK_FORMAT_JSON ? is_json_number(s)
                                    : sk_num_parse(&v, s, strlen(s)) == 0;
    return s;
}

/* Cell c of the loaded row as printed; *num: a number (right-aligned, bare
 * in JSON). */
static const char *cell(const struct report *r, size_t c, char *buf, int *num)
{
    if (c < r->nkeys)
        return key_cell(r, r->group, c, num);
    *num = 1;
    switch (c -= r->nkeys) {
    case 0: *num = 0; return sk_stats_groups_field_name(r->g, r->field);
    case 1: snprintf(buf, CELL_MAX, "%zu", r->s.count); return buf;
    case 2: snprintf(buf, CELL_MAX, "%zu", r->s.missing); return buf;
    case 3: return number(buf, r->s.mean, r->fmt);
    case 4: return number(buf, r->s.sd, r->fmt);
    case 5: return number(buf, r->s.min, r->fmt);
    case 6: return number(buf, r->s.max, r->fmt);
    default:
        c -= NFIXED;
        if (is_flags(r, c)) {
            *num = 0;
            return r->flags[0] || r->fmt == SK_FORMAT_CSV ? r->flags : "-";
        }
        return number(buf, c < r->np ? r->pct[c] : r->ci[c - r->np], r->fmt);
    }
}

/* Whether column c is right-aligned: every cell a number.  The field
 * column never is; the statistics always are. */
static int col_numeric(const struct report *r, size_t c)
{
    size_t i, ng = sk_stats_groups_count(r->g);
    int num = 1;

    if (c == r->nkeys || (c > r->nkeys && is_flags(r, c - r->nkeys - NFIXED)))
        return 0;
    if (c > r->nkeys)
        return 1;
    for (i = 0; i < ng && num; i++)
        key_cell(r, i, c, &num);
    return num;
}

static int write_table(struct report *r, FILE *fp)
{
    size_t nc = ncols(r), *width, i, c;
    char buf[CELL_MAX];
    int num, *right, rc = 0;

    width = calloc(nc, sizeof(*width));
    right = calloc(nc, sizeof(*right));
    if (!width || !right) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (c = 0; c < nc; c++) {
        const char *name = col_name(r, c);

        width[c] = sk_format_width(name, strlen(name));
        right[c] = col_numeric(r, c);
    }
    for (i = 0; i < r->nrows; i++) {
        if ((rc = load_row(r, i)) != 0)
            goto done;
        for (c = 0; c < nc; c++) {
            const char *s = cell(r, c, buf, &num);
            size_t w = sk_format_width(s, strlen(s));

            if (w > width[c])
                width[c] = w;
        }
    }
    /* No trailing blanks after a left-aligned last column. */
    for (c = 0; c < nc; c++) {
        const char *s = col_name(r, c);

        sk_format_table_cell(fp, c, " | ", s, strlen(s), width[c], right[c],
                             c + 1 == nc);
    }
    fputc('\n', fp);
    sk_format_table_rule(fp, width, nc);
    for (i = 0; i < r->nrows; i++) {
        if ((rc = load_row(r, i)) != 0)
            goto done;
        for (c = 0; c < nc; c++) {
            const char *s = cell(r, c, buf, &num);

            sk_format_table_cell(fp, c, " | ", s, strlen(s), width[c],
                                 right[c], c + 1 == nc);
        }
        fputc('\n', fp);
    }

done:
    free(width);
    free(right);
    return rc;
}

static int write_markdown(struct report *r, FILE *fp)
{
    size_t nc = ncols(r), i, c;
    char buf[CELL_MAX];
    int num, rc;

    fputc('|', fp);
    for (c = 0; c < nc; c++) {
        const char *s = col_name(r, c);

        sk_format_markdown_row_cell(fp, s, strlen(s));
    }
    fputs("\n|", fp);
    for (c = 0; c < nc; c++)
        sk_format_markdown_align(fp, col_numeric(r, c));
    fputc('\n', fp);
    for (i = 0; i < r->nrows; i++) {
        if ((rc = load_row(r, i)) != 0)
            return rc;
        fputc('|', fp);
        for (c = 0; c < nc; c++) {
            const char *s = cell(r, c, buf, &num);

            sk_format_markdown_row_cell(fp, s, strlen(s));
        }
        fputc('\n', fp);
    }
    return 0;
}

static int write_csv(struct report *r, FILE *fp)
{
    size_t nc = ncols(r), i, c;
    char buf[CELL_MAX];
    int num, rc;

    for (c = 0; c < nc; c++) {
        const char *s = col_name(r, c);

        if (c)
            fputc(',', fp);
        sk_format_csv_field(fp, s, strlen(s));
    }
    fputc('\n', fp);
    for (i = 0; i < r->nrows; i++) {
        if ((rc = load_row(r, i)) != 0)
            return rc;
        for (c = 0; c < nc; c++) {
            const char *s = cell(r, c, buf, &num);

            if (c)
                fputc(',', fp);
            sk_format_csv_field(fp, s, strlen(s));
        }
        fputc('\n', fp);
    }
    return 0;
}

/* A key cell that is a JSON number literal, as a number: an integer
 * literal that fits stays an integer ("1"), any other its double. */
static json_t *json_key_number(const char *s)
{
    double v;
    char *end;
    long long i;

    if (!strpbrk(s, ".eE")) {
        errno = 0;
        i = strtoll(s, &end, 10);
        if (errno == 0 && *end == '\0')
            return json_integer((json_int_t)i);
    }
    if (sk_num_parse(&v, s, strlen(s)) != 0)
        return sk_json_string(s);
    return sk_json_number(v);
}

/* The loaded row as one object, the keys in column order. */
static json_t *json_row(struct report *r)
{
    json_t *o = json_object();
    size_t k, nc = ncols(r);
    int num;

    for (k = 0; o && k < nc; k++) {
        json_t *v;

        if (k < r->nkeys) {
            const char *s = key_cell(r, r->group, k, &num);

            v = num ? json_key_number(s) : sk_json_string(s);
        } else {
            switch (k - r->nkeys) {
            case 0:
                v = sk_json_string(sk_stats_groups_field_name(r->g, r->field));
                break;
            case 1: v = json_integer((json_int_t)r->s.count); break;
            case 2: v = json_integer((json_int_t)r->s.missing); break;
            case 3: v = sk_json_number(r->s.mean); break;
            case 4: v = sk_json_number(r->s.sd); break;
            case 5: v = sk_json_number(r->s.min); break;
            case 6: v = sk_json_number(r->s.max); break;
            default: {
                size_t d = k - r->nkeys - NFIXED;

                if (is_flags(r, d))
                    v = r->flags[0] ? sk_json_string(r->flags) : json_null();
                else
                    v = sk_json_number(d < r->np ? r->pct[d]
                                                 : r->ci[d - r->np]);
            }
            }
        }
        if (json_object_set_new_nocheck(o, col_name(r, k), v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

static int write_json(struct report *r, FILE *fp, const json_t *head)
{
    size_t i, j, nc = ncols(r);
    int rc;

    /* A JSON object holds a key once: a --by column named like a
     * statistic would silently lose one of the two. */
    for (i = 0; i < nc; i++)
        for (j = 0; j < i; j++)
            if (strcmp(col_name(r, i), col_name(r, j)) == 0)
                return sk_error_set(SK_EINVAL,
                                    "--format json: two columns are called "
                                    "'%s' (a --by column named like a "
                                    "statistic); use --format csv",
                                    col_name(r, i));
    sk_json_list_open(fp, head, "results");
    for (i = 0; i < r->nrows; i++)
        if ((rc = load_row(r, i)) != 0 ||
            (rc = sk_json_list_item(fp, json_row(r), i == 0)) != 0)
            return rc;
    sk_json_list_close(fp, r->nrows);
    return 0;
}

int sk_stats_write(FILE *fp, sk_stats_groups *g, const double *p, size_t np,
                   double confidence, sk_format fmt, const json_t *head)
{
    struct report r;
    size_t ng = sk_stats_groups_count(g), k;
    int rc = 0;

    memset(&r, 0, sizeof(r));
    r.g = g;
    r.nfields = sk_stats_groups_nfields(g);
    r.p = p;
    r.np = np;
    r.conf = confidence;
    r.fmt = fmt;
    r.nkeys = sk_stats_groups_nkeys(g) ? sk_stats_groups_nkeys(g) : 1;
    if (r.nfields && ng > SIZE_MAX / r.nfields)
        return sk_error_set(SK_ENOMEM, "out of memory");
    r.nrows = ng * r.nfields;
    r.pct_names = calloc(3 * np + 1, sizeof(*r.pct_names));
    r.pct = calloc(np ? np : 1, sizeof(*r.pct));
    r.ci = calloc(2 * np + 1, sizeof(*r.ci));
    if (!r.pct_names || !r.pct || !r.ci) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (k = 0; k < np; k++) {
        snprintf(r.pct_names[k], sizeof(r.pct_names[k]), "p%.15g", p[k]);
        snprintf(r.pct_names[np + 2 * k], sizeof(r.pct_names[k]), "p%.15g_lo",
                 p[k]);
        snprintf(r.pct_names[np + 2 * k + 1], sizeof(r.pct_names[k]),
                 "p%.15g_hi", p[k]);
    }
    switch (fmt) {
    case SK_FORMAT_TABLE: rc = write_table(&r, fp); break;
    case SK_FORMAT_MARKDOWN: rc = write_markdown(&r, fp); break;
    case SK_FORMAT_CSV: rc = write_csv(&r, fp); break;
    case SK_FORMAT_JSON: rc = write_json(&r, fp, head); break;
    }
    if (rc == 0 && (fflush(fp) != 0 || ferror(fp)))
        rc = sk_error_set(SK_EIO, "writing the output failed");

done:
    free(r.pct_names);
    free(r.pct);
    free(r.ci);
    return rc;
}
