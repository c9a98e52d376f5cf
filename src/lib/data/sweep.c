#include "sweepkit/sweep.h"

#include "sweepkit/error.h"
#include "sweepkit/json.h"
#include "sweepkit/num.h"
#include "sweepkit/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 100000

const char *const sk_sweep_columns[SK_SWEEP_NCOLUMNS] = {
    "concurrency",
    "queries",
    "wall_s",
    "total_output_tokens",
    "throughput_tokens_per_s",
    "avg_query_tokens_per_s",
    "median_query_tokens_per_s",
    "p90_query_tokens_per_s",
    "avg_ttft_s",
    "median_ttft_s",
    "p90_ttft_s",
    "avg_decode_tokens_per_s",
    "median_decode_tokens_per_s",
    "p90_decode_tokens_per_s",
};

struct column {
    char *name;
    double *v;        /* per level, in file order until sorted */
    size_t bad_line;  /* first cell that is not a finite number, or 0 */
    char bad_text[64];
};

struct sk_sweep {
    char *name;
    struct column *cols;
    size_t ncols;
    size_t conc;      /* index of the concurrency column */
    size_t n, cap;
    size_t *line;
};

static int on_row(void *payload, const sk_row *row)
{
    sk_sweep *s = payload;
    size_t i;
    int rc;

    if (row->index == 0) {
        if (!(s->cols = calloc(row->nfields, sizeof(*s->cols))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        s->ncols = row->nfields;
        for (i = 0; i < row->nfields; i++)
            if (!(s->cols[i].name = strdup(row->field[i])))
                return sk_error_set(SK_ENOMEM, "out of memory");
        return sk_table_column(&s->conc, row, "concurrency");
    }
    if (s->n == MAX_LEVELS)
        return sk_error_set(SK_ELIMIT, "%s:%zu: more than %d levels",
                            row->name, row->line, MAX_LEVELS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        size_t *line;

        if (cap > MAX_LEVELS)
            cap = MAX_LEVELS;
        for (i = 0; i < s->ncols; i++) {
            double *v = realloc(s->cols[i].v, cap * sizeof(double));

            if (!v)
                return sk_error_set(SK_ENOMEM, "out of memory");
            s->cols[i].v = v;
        }
        if (!(line = realloc(s->line, cap * sizeof(*line))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        s->line = line;
        s->cap = cap;
    }
    for (i = 0; i < s->ncols; i++) {
        struct column *c = &s->cols[i];
        double x = NAN;

        if (row->len[i] > 0 &&
            (sk_num_parse(&x, row->field[i], row->len[i]) != 0 ||
             !isfinite(x))) {
            if (!c->bad_line) {
                c->bad_line = row->line;
                snprintf(c->bad_text, sizeof(c->bad_text), "%.60s",
                         row->field[i]);
            }
            x = NAN;
        }
        c->v[s->n] = x;
    }
    if ((rc = sk_num_level(&s->cols[s->conc].v[s->n], row->field[s->conc],
                           row->len[s->conc], row->name, row->line)) != 0)
        return rc;
    s->line[s->n++] = row->line;
    return 0;
}

/* qsort's comparison needs the keys: a file-static pointer is set just
 * for the call (sort_levels is not reentrant on one sweep anyway). */
static _Thread_local const double *sort_keys;
static _Thread_local const size_t *sort_lines;

/* By concurrency, then by line: stable, so the earlier of two repeated
 * levels comes first. */
static int by_level(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    if (sort_keys[i] != sort_keys[j])
        return sort_keys[i] < sort_keys[j] ? -1 : 1;
    return (sort_lines[i] > sort_lines[j]) - (sort_lines[i] < sort_lines[j]);
}

/* Sort levels by concurrency (an index sort, then each column permuted
 * once), then reject repeated levels. */
static int sort_levels(sk_sweep *s)
{
    size_t *idx = NULL, *line = NULL, i, k;
    double *tmp = NULL;
    const double *x;

    if (!(idx = malloc(s->n * sizeof(*idx))) ||
        !(line = malloc(s->n * sizeof(*line))) ||
        !(tmp = malloc(s->n * sizeof(*tmp)))) {
        free(idx);
        free(line);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    for (i = 0; i < s->n; i++)
        idx[i] = i;
    sort_keys = s->cols[s->conc].v;
    sort_lines = s->line;
    qsort(idx, s->n, sizeof(*idx), by_level);
    for (k = 0; k < s->ncols; k++) {
        for (i = 0; i < s->n; i++)
            tmp[i] = s->cols[k].v[idx[i]];
        memcpy(s->cols[k].v, tmp, s->n * sizeof(*tmp));
    }
    for (i = 0; i < s->n; i++)
        line[i] = s->line[idx[i]];
    memcpy(s->line, line, s->n * sizeof(*line));
    free(idx);
    free(line);
    free(tmp);

    x = s->cols[s->conc].v;
    for (i = 1; i < s->n; i++)
        if (x[i] == x[i - 1])
            /* Ties are in line order: line[i - 1] came first. */
            return sk_error_set(SK_EPARSE,
                                "%s:%zu: concurrency %g appears twice (also "
                                "line %zu); one summary row per level",
                                s->name, s->line[i], x[i], s->line[i - 1]);
    return 0;
}

static int finish(sk_sweep **out, sk_sweep *s, int rc)
{
    if (rc == 0 && s->ncols == 0)
        rc = sk_error_set(SK_ENODATA, "%s: empty file", s->name);
    else if (rc == 0 && s->n == 0)
        rc = sk_error_set(SK_ENODATA, "%s: header only, no levels", s->name);
    if (rc == 0)
        rc = sort_levels(s);
    if (rc != 0) {
        sk_sweep_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static sk_sweep *sweep_new(const char *name)
{
    sk_sweep *s = calloc(1, sizeof(*s));

    if (s && !(s->name = strdup(name))) {
        free(s);
        s = NULL;
    }
    return s;
}

int sk_sweep_load(sk_sweep **out, const char *path)
{
    sk_sweep *s;

    *out = NULL;
    if (!(s = sweep_new(strcmp(path, "-") ? path : "<stdin>")))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return finish(out, s, sk_table_stream_file(path, NULL, on_row, s));
}

int sk_sweep_begin(sk_sweep **out, const char *name)
{
    if (!(*out = sweep_new(name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return 0;
}

int sk_sweep_row(void *sweep, const sk_row *row)
{
    return on_row(sweep, row);
}

int sk_sweep_end(sk_sweep **out, sk_sweep *s, int rc)
{
    *out = NULL;
    return finish(out, s, rc);
}

int sk_sweep_from_columns(sk_sweep **out, const char *name,
                          const char *const *names, size_t ncols,
                          const double *const *values, const size_t *lines,
                          size_t n)
{
    sk_sweep *s;
    size_t i, k;
    int rc = 0, found = 0;

    *out = NULL;
    if (n > MAX_LEVELS)
        return sk_error_set(SK_ELIMIT, "%s: more than %d levels", name,
                            MAX_LEVELS);
    if (!(s = sweep_new(name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if (!(s->cols = calloc(ncols ? ncols : 1, sizeof(*s->cols))) ||
        !(s->line = malloc((n ? n : 1) * sizeof(*s->line)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    s->ncols = ncols;
    for (k = 0; k < ncols; k++) {
        struct column *c = &s->cols[k];

        if (!(c->name = strdup(names[k])) ||
            !(c->v = malloc((n ? n : 1) * sizeof(double)))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto done;
        }
        /* The caller's values as they are; what is not finite is a
         * missing value, as an empty cell is in a file. */
        for (i = 0; i < n; i++)
            c->v[i] = isfinite(values[k][i]) ? values[k][i] : NAN;
        if (!found && strcmp(names[k], "concurrency") == 0) {
            s->conc = k;
            found = 1;
        }
    }
    if (!found) {
        rc = sk_error_set(SK_ENOTFOUND, "%s: no column 'concurrency'", name);
        goto done;
    }
    for (i = 0; i < n; i++) {
        s->line[i] = lines ? lines[i] : 0;
        if (!(s->cols[s->conc].v[i] > 0)) {
            rc = sk_error_set(SK_EPARSE,
                              "%s:%zu: concurrency must be a number > 0, "
                              "got %g",
                              name, s->line[i], values[s->conc][i]);
            goto done;
        }
    }
    s->n = s->cap = n;
done:
    return finish(out, s, rc);
}

int sk_sweep_load_buffer(sk_sweep **out, const char *name, const char *buf,
                         size_t len)
{
    sk_sweep *s;

    *out = NULL;
    if (!(s = sweep_new(name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return finish(out, s,
                  sk_table_stream_buffer(name, buf, len, NULL, on_row, s));
}

void sk_sweep_free(sk_sweep *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->ncols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].v);
    }
    free(s->cols);
    free(s->line);
    free(s->name);
    free(s);
}

const char *sk_sweep_name(const sk_sweep *s)
{
    return s->name;
}

size_t sk_sweep_levels(const sk_sweep *s)
{
    return s->n;
}

const double *sk_sweep_concurrency(const sk_sweep *s)
{
    return s->cols[s->conc].v;
}

size_t sk_sweep_line(const sk_sweep *s, size_t i)
{
    return s->line[i];
}

int sk_sweep_column(const double **out, const sk_sweep *s, const char *name)
{
    const char *names[256];
    size_t i;

    for (i = 0; i < s->ncols; i++) {
        const struct column *c = &s->cols[i];

        if (strcmp(c->name, name) != 0)
            continue;
        if (c->bad_line)
            return sk_error_set(SK_EPARSE,
                                "%s:%zu: column '%s': '%s' is not a finite "
                                "number",
                                s->name, c->bad_line, name, c->bad_text);
        *out = c->v;
        return 0;
    }
    for (i = 0; i < s->ncols && i < 256; i++)
        names[i] = s->cols[i].name;
    return sk_table_no_column(s->name, name, names, i);
}

json_t *sk_sweep_level_json(const sk_sweep *s, size_t i)
{
    json_t *o = json_object();
    size_t k;

    for (k = 0; o && k < s->ncols; k++) {
        const struct column *c = &s->cols[k];

        if (c->bad_line) /* a column of text: not a number of the level */
            continue;
        if (json_object_set_new_nocheck(o, c->name,
                                        sk_json_number(c->v[i])) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}
