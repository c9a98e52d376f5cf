#include "sweepkit/sweep.h"

#include "sweepkit/foreign.h"

#include "sweepkit/error.h"
#include "sweepkit/json.h"
#include "sweepkit/metrics.h"
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
    char *key;        /* "instances=2 decode_concurrency=8", or NULL */
    const char *key_cols; /* while loading a group: the columns grouped
                             on, for the message on a repeated level */
    char **text;      /* per row: its cells joined by NULs (grouping only) */
    int keep_text;
    unsigned char *failed; /* per level, after sorting */
    size_t nfailed;
    unsigned char *partial; /* per level: fewer queries than planned */
    size_t npartial;
    int steady; /* throughput is the steady-state column (analysable) */
};

/* The configuration columns the seed tools write (mlx-throughput-lab's
 * full_sweep.py and round_robin_sweep.py) and the label columns a
 * hand-made grid uses: automatic grouping splits on these. */
/* Another tool's result read as a concurrency sweep (table.h). */
static const sk_table_opts sweep_opts = {.flags = SK_TABLE_SWEEP};

static const char *const config_columns[] = {
    "instances", "decode_concurrency", "prompt_concurrency", "max_tokens",
    "model", "label", "backend", "server", "engine", "config", "run_number",
};
#define NCONFIG (sizeof(config_columns) / sizeof(config_columns[0]))

static int is_config_column(const char *name)
{
    size_t i;

    for (i = 0; i < NCONFIG; i++)
        if (strcmp(name, config_columns[i]) == 0)
            return 1;
    return 0;
}

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
        if (s->keep_text) {
            char **text = realloc(s->text, cap * sizeof(*text));

            if (!text)
                return sk_error_set(SK_ENOMEM, "out of memory");
            s->text = text;
        }
        s->cap = cap;
    }
    if (s->keep_text) {
        size_t total = 0, at = 0;
        char *t;

        for (i = 0; i < s->ncols && i < row->nfields; i++)
            total += row->len[i] + 1;
        if (!(t = calloc(total + s->ncols + 1, 1)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        for (i = 0; i < s->ncols && i < row->nfields; i++) {
            memcpy(t + at, row->field[i], row->len[i]);
            at += row->len[i] + 1;
        }
        s->text[s->n] = t;
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
                           row->len[s->conc], row->name, row->line)) != 0) {
        if (s->keep_text)
            free(s->text[s->n]);
        return rc;
    }
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

/* Cell `k` of row `r` as written (grouping loads keep the text). */
static const char *cell_text(const sk_sweep *s, size_t r, size_t k)
{
    const char *t = s->text[r];

    while (k--)
        t += strlen(t) + 1;
    return t;
}

/* Whether cells k of rows a and b differ (as text when kept, else as
 * numbers, NaN equal to NaN). */
static int cells_differ(const sk_sweep *s, size_t a, size_t b, size_t k)
{
    double x = s->cols[k].v[a], y = s->cols[k].v[b];

    if (s->text)
        return strcmp(cell_text(s, a, k), cell_text(s, b, k)) != 0;
    if (isnan(x) || isnan(y))
        return isnan(x) != isnan(y);
    return x != y;
}

/*
 * The columns that tell the sweeps of a file apart, for the message on a
 * repeated level (rows a and b): the configuration columns whose value
 * is not the same on every row, and any other column that differs
 * between a and b while each of its values is shared by two rows or more
 * (a setting repeats down a sweep; a measurement seldom does).  Into
 * `buf`, comma-separated; empty when none.
 */
static void differing_columns(char *buf, size_t cap, const sk_sweep *s,
                              size_t a, size_t b)
{
    size_t k, i, j, at = 0;

    buf[0] = '\0';
    for (k = 0; k < s->ncols; k++) {
        int take = 0;

        if (k == s->conc)
            continue;
        if (is_config_column(s->cols[k].name)) {
            for (i = 1; i < s->n && !take; i++)
                take = cells_differ(s, 0, i, k);
        } else if (s->n <= 4096 && cells_differ(s, a, b, k)) {
            /* (quadratic: a message's worth of work, bounded) */
            take = 1;
            for (i = 0; i < s->n && take; i++) {
                int shared = 0;

                for (j = 0; j < s->n && !shared; j++)
                    shared = j != i && !cells_differ(s, i, j, k);
                take = shared;
            }
        }
        if (take && at + strlen(s->cols[k].name) + 2 < cap)
            at += (size_t)snprintf(buf + at, cap - at, "%s%s", at ? "," : "",
                                   s->cols[k].name);
    }
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
    if (s->text) {
        char **text = malloc(s->n * sizeof(*text));

        if (!text) {
            free(idx);
            free(line);
            free(tmp);
            return sk_error_set(SK_ENOMEM, "out of memory");
        }
        for (i = 0; i < s->n; i++)
            text[i] = s->text[idx[i]];
        memcpy(s->text, text, s->n * sizeof(*text));
        free(text);
    }
    free(idx);
    free(line);
    free(tmp);

    x = s->cols[s->conc].v;
    for (i = 1; i < s->n; i++) {
        char cols[512];

        if (x[i] != x[i - 1])
            continue;
        /* Ties are in line order: line[i - 1] came first. */
        differing_columns(cols, sizeof(cols), s, i - 1, i);
        if (cols[0])
            return sk_error_set(SK_EPARSE,
                                "%s:%zu: concurrency %g appears twice (also "
                                "line %zu): the file holds several sweeps, "
                                "told apart by %s; give --group-by %s%s%s",
                                s->name, s->line[i], x[i], s->line[i - 1],
                                cols, s->key_cols ? s->key_cols : "",
                                s->key_cols ? "," : "", cols);
        return sk_error_set(SK_EPARSE,
                                "%s:%zu: concurrency %g appears twice (also "
                                "line %zu); one summary row per level",
                                s->name, s->line[i], x[i], s->line[i - 1]);
    }
    return 0;
}

static int find_column(const sk_sweep *s, const char *name, size_t *k)
{
    size_t i;

    for (i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0 && !s->cols[i].bad_line) {
            *k = i;
            return 1;
        }
    return 0;
}

/* A failed level, as the seed tools write a cell whose batch raised:
 * errors > 0 and nothing measured (zero tokens or zero throughput).  A
 * partial level: fewer `queries` than its `planned_queries` (a collect
 * that was stopped). */
static int mark_levels(sk_sweep *s)
{
    size_t e = 0, tok = 0, thr = 0, q = 0, pl = 0, i;
    int has_err, has_tok, has_thr, has_plan;

    if (!(s->failed = calloc(s->n ? s->n : 1, 1)) ||
        !(s->partial = calloc(s->n ? s->n : 1, 1)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    has_err = find_column(s, "errors", &e);
    has_tok = find_column(s, "total_tokens", &tok) ||
              find_column(s, "total_output_tokens", &tok);
    has_thr = find_column(s, "throughput_tps", &thr) ||
              find_column(s, "throughput_tokens_per_s", &thr);
    has_plan = find_column(s, "queries", &q) &&
               find_column(s, SK_SWEEP_PLANNED, &pl);
    for (i = 0; i < s->n; i++) {
        if (has_err && s->cols[e].v[i] > 0 &&
            ((has_tok && s->cols[tok].v[i] == 0) ||
             (has_thr && s->cols[thr].v[i] == 0))) {
            s->failed[i] = 1;
            s->nfailed++;
        } else if (has_plan && s->cols[q].v[i] < s->cols[pl].v[i]) {
            s->partial[i] = 1;
            s->npartial++;
        }
    }
    return 0;
}

/* A collect open-loop summary (its request_rate and achieved_rate
 * columns): refused, as no sweep of concurrency levels. */
static int open_loop(const sk_sweep *s)
{
    size_t r, a;

    if (!find_column(s, SK_SWEEP_REQUEST_RATE, &r) ||
        !find_column(s, SK_SWEEP_ACHIEVED_RATE, &a))
        return 0;
    return sk_error_set(SK_EPARSE,
                        "%s: an open-loop run (collect --rate: request rate "
                        "%g/s, at most %g in flight) is no level of a "
                        "concurrency sweep: " SK_FOREIGN_OPEN_LOOP_HINT
                        " (docs/collect.md)",
                        s->name, s->cols[r].v[0], s->cols[s->conc].v[0]);
}

static int finish(sk_sweep **out, sk_sweep *s, int rc)
{
    if (rc == 0 && s->ncols == 0)
        rc = sk_error_set(SK_ENODATA, "%s: empty file", s->name);
    else if (rc == 0 && s->n == 0)
        rc = sk_error_set(SK_ENODATA, "%s: header only, no levels", s->name);
    if (rc == 0)
        rc = open_loop(s);
    if (rc == 0)
        rc = sort_levels(s);
    if (rc == 0)
        rc = mark_levels(s);
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
    return finish(out, s, sk_table_stream_file(path, &sweep_opts, on_row, s));
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
    if (s->text)
        for (i = 0; i < s->n; i++)
            free(s->text[i]);
    free(s->text);
    free(s->failed);
    free(s->partial);
    free(s->key);
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

const char *sk_sweep_group(const sk_sweep *s)
{
    return s->key ? s->key : "";
}

int sk_sweep_has_column(const sk_sweep *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return 1;
    return 0;
}

int sk_sweep_failed(const sk_sweep *s, size_t i)
{
    return s->failed && s->failed[i];
}

size_t sk_sweep_nfailed(const sk_sweep *s)
{
    return s->nfailed;
}

/*
 * A new sweep of the rows `rows[0..m)` of `s` (indexes into its arrays)
 * called `name` with group key `key` (NULL: none), sorted and checked as
 * a loaded one.  A column with text in it keeps its first bad cell: it
 * stays a text column in every part.
 */
static int subset(sk_sweep **out, const sk_sweep *s, const size_t *rows,
                  size_t m, const char *name, const char *key,
                  const char *key_cols)
{
    sk_sweep *t;
    size_t i, k;
    int rc = 0;

    *out = NULL;
    if (!(t = sweep_new(name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((key && !(t->key = strdup(key))) ||
        !(t->cols = calloc(s->ncols ? s->ncols : 1, sizeof(*t->cols))) ||
        !(t->line = malloc((m ? m : 1) * sizeof(*t->line)))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    t->ncols = s->ncols;
    t->conc = s->conc;
    for (k = 0; k < s->ncols; k++) {
        struct column *c = &t->cols[k];

        if (!(c->name = strdup(s->cols[k].name)) ||
            !(c->v = malloc((m ? m : 1) * sizeof(double)))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto done;
        }
        c->bad_line = s->cols[k].bad_line;
        memcpy(c->bad_text, s->cols[k].bad_text, sizeof(c->bad_text));
        for (i = 0; i < m; i++)
            c->v[i] = s->cols[k].v[rows[i]];
    }
    for (i = 0; i < m; i++)
        t->line[i] = s->line[rows[i]];
    t->n = t->cap = m;
    t->key_cols = key_cols; /* borrowed for finish() only */
done:
    return finish(out, t, rc);
}

void sk_sweep_level_flags(char *buf, size_t cap, const sk_sweep *s,
                          size_t i)
{
    size_t q = 0, a = 0, at = 0;
    double c = s->cols[s->conc].v[i];
    int has_q = find_column(s, "queries", &q),
        has_a = find_column(s, "achieved_concurrency", &a);

    if (cap == 0)
        return;
    buf[0] = '\0';
    if (has_q && sk_metric_single_wave(s->cols[q].v[i], c))
        at += (size_t)snprintf(buf + at, cap - at, "single wave");
    if (has_a && at < cap && s->cols[a].v[i] < 0.9 * c)
        snprintf(buf + at, cap - at, "%sachieved concurrency %.3g of %g",
                 at ? "; " : "", s->cols[a].v[i], c);
}

int sk_sweep_partial(const sk_sweep *s, size_t i)
{
    return s->partial && s->partial[i];
}

size_t sk_sweep_npartial(const sk_sweep *s)
{
    return s->npartial;
}

static void leave_out(struct sk_sweep_levels_out *l, double x)
{
    if (l->n < sizeof(l->x) / sizeof(l->x[0]))
        l->x[l->n] = x;
    l->n++;
}

/* Whether level i has no steady-state throughput (steady: column
 * index st). */
static int no_window(const sk_sweep *s, unsigned flags, size_t st, size_t i)
{
    return (flags & SK_SWEEP_STEADY) && isnan(s->cols[st].v[i]);
}

int sk_sweep_analysable(sk_sweep **out, struct sk_sweep_left_out *lo,
                        const sk_sweep *s, unsigned flags)
{
    size_t *rows, i, m = 0, st = 0;
    int rc, partial_too = (flags & SK_SWEEP_PARTIAL) != 0;

    *out = NULL;
    memset(lo, 0, sizeof(*lo));
    if ((flags & SK_SWEEP_STEADY) &&
        !find_column(s, SK_SWEEP_STEADY_COLUMN, &st))
        return sk_error_set(SK_ENOTFOUND,
                            "%s: no %s column: steady-state throughput "
                            "needs each query's start and end (a summary "
                            "from summarize or collect, or the per-query "
                            "file); use --throughput wall",
                            s->name, SK_SWEEP_STEADY_COLUMN);
    for (i = 0; i < s->n; i++)
        if (sk_sweep_failed(s, i))
            leave_out(&lo->failed, s->cols[s->conc].v[i]);
        else if (sk_sweep_partial(s, i) && !partial_too)
            leave_out(&lo->partial, s->cols[s->conc].v[i]);
        else if (no_window(s, flags, st, i))
            leave_out(&lo->no_window, s->cols[s->conc].v[i]);
    if (lo->no_window.n && lo->failed.n + lo->partial.n +
                                   lo->no_window.n == s->n)
        return sk_error_set(SK_ENODATA,
                            "%s: no level has a steady state (under two "
                            "waves of timed queries, or never fully "
                            "loaded); use --throughput wall",
                            s->name);
    if (lo->failed.n + lo->partial.n == s->n) {
        if (lo->partial.n == 0)
            return sk_error_set(SK_ENODATA,
                                "%s: every level failed (errors and no "
                                "tokens)",
                                s->name);
        return sk_error_set(SK_ENODATA,
                            "%s: no level finished: %zu partial (fewer "
                            "queries than planned), %zu failed; give "
                            "--include-partial to use the partial ones",
                            s->name, lo->partial.n, lo->failed.n);
    }
    if (!(rows = malloc(s->n * sizeof(*rows))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < s->n; i++)
        if (!sk_sweep_failed(s, i) &&
            (partial_too || !sk_sweep_partial(s, i)) &&
            !no_window(s, flags, st, i))
            rows[m++] = i;
    rc = subset(out, s, rows, m, s->name, s->key, NULL);
    free(rows);
    if (rc == 0)
        (*out)->steady = (flags & SK_SWEEP_STEADY) != 0 || s->steady;
    return rc;
}

int sk_sweep_steady(const sk_sweep *s)
{
    return s->steady;
}

void sk_sweep_levels_list(char *buf, size_t cap,
                          const struct sk_sweep_levels_out *l,
                          const char *sep)
{
    size_t i, at = 0, kept = sizeof(l->x) / sizeof(l->x[0]);

    if (cap == 0)
        return;
    buf[0] = '\0';
    for (i = 0; i < l->n && i < kept && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%g", i ? sep : "",
                               l->x[i]);
    if (l->n > kept && at < cap)
        snprintf(buf + at, cap - at, "%sand %zu more", sep, l->n - kept);
}

/* Key `key` of `o`: the levels of `l` as an array, when there are any. */
static int levels_json(json_t *o, const char *key,
                       const struct sk_sweep_levels_out *l)
{
    size_t i, kept = sizeof(l->x) / sizeof(l->x[0]);
    json_t *a;

    if (!l->n)
        return 0;
    if (!(a = json_array()))
        return -1;
    for (i = 0; i < l->n && i < kept; i++)
        if (json_array_append_new(a, sk_json_number(l->x[i])) != 0) {
            json_decref(a);
            return -1;
        }
    return json_object_set_new(o, key, a);
}

int sk_sweep_left_out_json(json_t *o, const struct sk_sweep_left_out *lo)
{
    return levels_json(o, "failed_levels", &lo->failed) != 0 ||
                   levels_json(o, "partial_levels", &lo->partial) != 0 ||
                   levels_json(o, "no_steady_window_levels",
                               &lo->no_window) != 0
               ? -1
               : 0;
}

void sk_sweep_left_out_text(char *buf, size_t cap,
                            const struct sk_sweep_left_out *lo)
{
    char f[256], p[256];

    sk_sweep_levels_list(f, sizeof(f), &lo->failed, ", ");
    sk_sweep_levels_list(p, sizeof(p), &lo->partial, ", ");
    snprintf(buf, cap, "%s%s%s%s%s%s", lo->failed.n ? "failed " : "",
             lo->failed.n ? f : "",
             lo->failed.n ? " (errors and no tokens)" : "",
             lo->failed.n && lo->partial.n ? "; " : "",
             lo->partial.n ? "partial " : "",
             lo->partial.n ? p : "");
    if (lo->partial.n) {
        size_t at = strlen(buf);

        snprintf(buf + at, cap - at, " (fewer queries than planned; "
                                     "--include-partial uses them)");
    }
    if (lo->no_window.n) {
        size_t at = strlen(buf);

        sk_sweep_levels_list(f, sizeof(f), &lo->no_window, ", ");
        snprintf(buf + at, cap > at ? cap - at : 0,
                 "%sno steady window %s (under two waves of timed "
                 "queries, or never fully loaded)",
                 at ? "; " : "", f);
    }
}

struct sk_sweep_set {
    sk_sweep **sweeps;
    size_t n;
    char *group_by;
};

void sk_sweep_set_free(sk_sweep_set *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->n; i++)
        sk_sweep_free(set->sweeps[i]);
    free(set->sweeps);
    free(set->group_by);
    free(set);
}

size_t sk_sweep_set_count(const sk_sweep_set *set)
{
    return set->n;
}

const sk_sweep *sk_sweep_set_get(const sk_sweep_set *set, size_t i)
{
    return set->sweeps[i];
}

const char *sk_sweep_set_group_by(const sk_sweep_set *set)
{
    return set->group_by ? set->group_by : "";
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static int repeats_level(const sk_sweep *s, int *out)
{
    double *x = malloc((s->n ? s->n : 1) * sizeof(*x));
    size_t i;

    if (!x)
        return sk_error_set(SK_ENOMEM, "out of memory");
    memcpy(x, s->cols[s->conc].v, s->n * sizeof(*x));
    qsort(x, s->n, sizeof(*x), by_double);
    *out = 0;
    for (i = 1; i < s->n && !*out; i++)
        *out = x[i] == x[i - 1];
    free(x);
    return 0;
}

/* The key columns: `group_by` (comma-separated names, each a column other
 * than concurrency) or, when NULL, the configuration columns that vary
 * (only if a level repeats).  Into keys[0..*nkeys). */
static int key_columns(size_t *keys, size_t *nkeys, const sk_sweep *s,
                       const char *group_by)
{
    size_t k, i;
    int rep = 0, rc;

    *nkeys = 0;
    if (group_by) {
        const char *p = group_by;

        while (*p) {
            size_t len = strcspn(p, ",");
            char name[256];
            const char *names[SK_TABLE_MAX_FIELDS];

            snprintf(name, sizeof(name), "%.*s",
                     (int)(len < 255 ? len : 255), p);
            for (k = 0; k < s->ncols; k++)
                if (strcmp(s->cols[k].name, name) == 0)
                    break;
            if (k == s->ncols) {
                char msg[1024];

                for (i = 0; i < s->ncols; i++)
                    names[i] = s->cols[i].name;
                rc = sk_table_no_column(s->name, name, names, s->ncols);
                snprintf(msg, sizeof(msg), "%s", sk_error_last());
                return sk_error_set(rc, "--group-by: %s", msg);
            }
            if (k == s->conc)
                return sk_error_set(SK_EINVAL,
                                    "--group-by: 'concurrency' is each "
                                    "sweep's axis, not a configuration "
                                    "column");
            if (*nkeys < 64)
                keys[(*nkeys)++] = k;
            p += len;
            if (*p == ',')
                p++;
        }
        if (*nkeys == 0)
            return sk_error_set(SK_EINVAL, "--group-by: no column named");
        return 0;
    }
    if ((rc = repeats_level(s, &rep)) != 0 || !rep)
        return rc;
    for (k = 0; k < s->ncols && *nkeys < 64; k++) {
        int varies = 0;

        if (k == s->conc || !is_config_column(s->cols[k].name))
            continue;
        for (i = 1; i < s->n && !varies; i++)
            varies = cells_differ(s, 0, i, k);
        if (varies)
            keys[(*nkeys)++] = k;
    }
    return 0;
}

/* Split the raw rows of `s` (file order, text kept) into one sweep per
 * key, in order of first appearance. */
static int split(sk_sweep_set *set, sk_sweep *s, const size_t *keys,
                 size_t nkeys, const char *key_cols)
{
    size_t *group = NULL, *rows = NULL, ngroups = 0, i, j, g, k;
    int rc = 0;

    if (!(group = malloc(s->n * sizeof(*group))) ||
        !(rows = malloc(s->n * sizeof(*rows))))
        goto nomem;
    for (i = 0; i < s->n; i++) {
        /* the group of the first earlier row with the same key */
        for (j = 0; j < i; j++) {
            for (k = 0; k < nkeys; k++)
                if (strcmp(cell_text(s, i, keys[k]),
                           cell_text(s, j, keys[k])) != 0)
                    break;
            if (k == nkeys)
                break;
        }
        group[i] = j < i ? group[j] : ngroups++;
    }
    if (!(set->sweeps = calloc(ngroups, sizeof(*set->sweeps))))
        goto nomem;
    for (g = 0; g < ngroups; g++) {
        char key[1024], name[1400];
        size_t m = 0, at = 0, first = 0;

        for (i = 0; i < s->n; i++)
            if (group[i] == g) {
                if (m == 0)
                    first = i;
                rows[m++] = i;
            }
        key[0] = '\0';
        for (k = 0; k < nkeys && at < sizeof(key); k++)
            at += (size_t)snprintf(key + at, sizeof(key) - at, "%s%s=%s",
                                   k ? " " : "", s->cols[keys[k]].name,
                                   cell_text(s, first, keys[k]));
        snprintf(name, sizeof(name), "%s [%s]", s->name, key);
        if ((rc = subset(&set->sweeps[g], s, rows, m, name, key,
                         key_cols)) != 0)
            goto done;
        set->sweeps[g]->key_cols = NULL;
        set->n++;
    }
    goto done;
nomem:
    rc = sk_error_set(SK_ENOMEM, "out of memory");
done:
    free(group);
    free(rows);
    return rc;
}

/* Group the raw rows streamed into `s` (with result `rc`) into *out. */
static int set_finish(sk_sweep_set **out, sk_sweep *s, int rc,
                      const char *group_by)
{
    sk_sweep_set *set = NULL;
    size_t keys[64], nkeys = 0, k, at = 0;
    char cols[1024];

    *out = NULL;
    if (rc == 0 && s->ncols == 0)
        rc = sk_error_set(SK_ENODATA, "%s: empty file", s->name);
    else if (rc == 0 && s->n == 0)
        rc = sk_error_set(SK_ENODATA, "%s: header only, no levels", s->name);
    if (rc == 0)
        rc = open_loop(s);
    if (rc == 0)
        rc = key_columns(keys, &nkeys, s, group_by);
    if (rc == 0 && !(set = calloc(1, sizeof(*set))))
        rc = sk_error_set(SK_ENOMEM, "out of memory");
    if (rc != 0) {
        sk_sweep_free(s);
        return rc;
    }
    if (nkeys == 0) {
        /* one sweep: the plain loader's checks and messages */
        if (!(set->sweeps = calloc(1, sizeof(*set->sweeps)))) {
            sk_sweep_free(s);
            rc = sk_error_set(SK_ENOMEM, "out of memory");
        } else if ((rc = finish(&set->sweeps[0], s, 0)) == 0) {
            set->n = 1;
        }
    } else {
        cols[0] = '\0';
        for (k = 0; k < nkeys && at < sizeof(cols); k++)
            at += (size_t)snprintf(cols + at, sizeof(cols) - at, "%s%s",
                                   k ? "," : "", s->cols[keys[k]].name);
        if (!(set->group_by = strdup(cols)))
            rc = sk_error_set(SK_ENOMEM, "out of memory");
        if (rc == 0)
            rc = split(set, s, keys, nkeys, set->group_by);
        sk_sweep_free(s);
    }
    if (rc != 0) {
        sk_sweep_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

int sk_sweep_set_begin(sk_sweep **out, const char *name)
{
    if (!(*out = sweep_new(name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    (*out)->keep_text = 1;
    return 0;
}

int sk_sweep_set_end(sk_sweep_set **out, sk_sweep *s, int rc,
                     const char *group_by)
{
    return set_finish(out, s, rc, group_by);
}

sk_sweep *sk_sweep_set_take(sk_sweep_set *set, size_t i)
{
    sk_sweep *s = set->sweeps[i];

    set->sweeps[i] = NULL;
    return s;
}

int sk_sweep_set_load(sk_sweep_set **out, const char *path,
                      const char *group_by)
{
    sk_sweep *s;

    *out = NULL;
    if (!(s = sweep_new(strcmp(path, "-") ? path : "<stdin>")))
        return sk_error_set(SK_ENOMEM, "out of memory");
    s->keep_text = 1;
    return set_finish(out, s,
                      sk_table_stream_file(path, &sweep_opts, on_row, s),
                      group_by);
}

int sk_sweep_set_load_buffer(sk_sweep_set **out, const char *name,
                             const char *buf, size_t len,
                             const char *group_by)
{
    sk_sweep *s;

    *out = NULL;
    if (!(s = sweep_new(name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    s->keep_text = 1;
    return set_finish(out, s,
                      sk_table_stream_buffer(name, buf, len, NULL, on_row, s),
                      group_by);
}

const char *sk_sweep_default_y(const sk_sweep *s)
{
    if (s->steady)
        return SK_SWEEP_STEADY_COLUMN;
    /* sweepkit's summary column first; full_sweep.py's when it is the
     * only throughput column. */
    if (!sk_sweep_has_column(s, "throughput_tokens_per_s") &&
        sk_sweep_has_column(s, "throughput_tps"))
        return "throughput_tps";
    return "throughput_tokens_per_s";
}
