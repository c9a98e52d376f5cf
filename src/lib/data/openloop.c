/*
 * Open-loop runs read from a summary's `request_rate` rows (openloop.h).
 */
#include "sweepkit/openloop.h"

#include "sweepkit/error.h"
#include "sweepkit/num.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[SK_OPENLOOP_NCOLUMNS] = {
    "throughput_tokens_per_s", "avg_ttft_s", "p99_ttft_s", "avg_e2e_s",
    "p99_e2e_s"};

/* One run: its rate, then the kept columns. */
struct point {
    double v[1 + SK_OPENLOOP_NCOLUMNS];
};

struct sk_openloop {
    char *name;
    size_t n, cap;
    struct point *p;
    double *col[1 + SK_OPENLOOP_NCOLUMNS]; /* by column, after loading */
    size_t at[1 + SK_OPENLOOP_NCOLUMNS];   /* field index; SIZE_MAX: none */
};

const char *sk_openloop_column_name(sk_openloop_column c)
{
    return c < SK_OPENLOOP_NCOLUMNS ? names[c] : "";
}

static int on_row(void *payload, const sk_row *row)
{
    sk_openloop *o = payload;
    struct point pt;
    size_t k;

    if (row->index == 0) {
        for (k = 0; k <= SK_OPENLOOP_NCOLUMNS; k++) {
            const char *want = k ? names[k - 1] : SK_SWEEP_REQUEST_RATE;
            size_t i;

            o->at[k] = SIZE_MAX;
            for (i = 0; i < row->nfields; i++)
                if (strcmp(row->field[i], want) == 0)
                    o->at[k] = i;
        }
        return 0;
    }
    if (o->at[0] == SIZE_MAX)
        return 0;
    for (k = 0; k <= SK_OPENLOOP_NCOLUMNS; k++) {
        size_t i = o->at[k];

        pt.v[k] = NAN;
        if (i == SIZE_MAX || i >= row->nfields || row->len[i] == 0)
            continue;
        if (sk_num_parse(&pt.v[k], row->field[i], row->len[i]) != 0 ||
            !isfinite(pt.v[k]))
            return sk_row_not_a_number(row, k ? names[k - 1] : SK_SWEEP_REQUEST_RATE,
                                       i);
    }
    if (isnan(pt.v[0]))
        return 0; /* a level of a concurrency sweep */
    if (!(pt.v[0] > 0))
        return sk_error_set(SK_EPARSE,
                            "%s:%zu: request_rate %g: expected a rate "
                            "above 0",
                            row->name, row->line, pt.v[0]);
    if (o->n == o->cap) {
        size_t nc = o->cap ? 2 * o->cap : 16;
        struct point *t = realloc(o->p, nc * sizeof(*t));

        if (!t)
            return sk_error_set(SK_ENOMEM, "out of memory");
        o->p = t;
        o->cap = nc;
    }
    o->p[o->n++] = pt;
    return 0;
}

static int by_rate(const void *a, const void *b)
{
    double x = ((const struct point *)a)->v[0],
           y = ((const struct point *)b)->v[0];

    return (x > y) - (x < y);
}

int sk_openloop_load(sk_openloop **out, const char *path)
{
    sk_openloop *o;
    sk_table_opts topts;
    size_t k, i;
    int rc;

    *out = NULL;
    if (!(o = calloc(1, sizeof(*o))) || !(o->name = strdup(path))) {
        free(o);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    memset(&topts, 0, sizeof(topts));
    rc = sk_table_stream_file(path, &topts, on_row, o);
    if (rc == 0 && o->n == 0)
        rc = sk_error_set(SK_ENODATA,
                          "%s: no open-loop runs (no request_rate); the "
                          "rate chart draws request-rate sweeps (vllm "
                          "bench serve --request-rate, GuideLLM's rate "
                          "profiles)",
                          path);
    if (rc == 0) {
        qsort(o->p, o->n, sizeof(*o->p), by_rate);
        for (k = 0; k <= SK_OPENLOOP_NCOLUMNS && rc == 0; k++) {
            if (!(o->col[k] = malloc(o->n * sizeof(double))))
                rc = sk_error_set(SK_ENOMEM, "out of memory");
            for (i = 0; rc == 0 && i < o->n; i++)
                o->col[k][i] = o->p[i].v[k];
        }
    }
    if (rc != 0) {
        sk_openloop_free(o);
        return rc;
    }
    *out = o;
    return 0;
}

void sk_openloop_free(sk_openloop *o)
{
    size_t k;

    if (!o)
        return;
    for (k = 0; k <= SK_OPENLOOP_NCOLUMNS; k++)
        free(o->col[k]);
    free(o->p);
    free(o->name);
    free(o);
}

const char *sk_openloop_name(const sk_openloop *o)
{
    return o->name;
}

size_t sk_openloop_runs(const sk_openloop *o)
{
    return o->n;
}

const double *sk_openloop_rate(const sk_openloop *o)
{
    return o->col[0];
}

const double *sk_openloop_values(const sk_openloop *o, sk_openloop_column c)
{
    return o->col[c < SK_OPENLOOP_NCOLUMNS ? c + 1 : 1];
}
