/*
 * Shared by the collector's end-to-end tests (test_collect.c,
 * test_collect_robust.c): run the real `sweepkit collect` binary ($SK_BIN)
 * into a scratch directory and read its CSVs back through the table
 * module.  Include once, after harness.h.
 */
#ifndef SK_TEST_COLLECT_HARNESS_H
#define SK_TEST_COLLECT_HARNESS_H

#include "sweepkit/error.h"
#include "sweepkit/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define MAX_ROWS 4096
#define MAX_COLS 48

/* ---- a CSV read back through the table module ----------------------------- */

struct csv {
    size_t ncols, nrows;
    char *head[MAX_COLS];
    char **cell; /* nrows x ncols */
};

static inline int on_row(void *payload, const sk_row *row)
{
    struct csv *t = payload;
    size_t i;

    if (row->index == 0) {
        t->ncols = row->nfields < MAX_COLS ? row->nfields : MAX_COLS;
        for (i = 0; i < t->ncols; i++)
            t->head[i] = strdup(row->field[i]);
        return 0;
    }
    if (t->nrows == MAX_ROWS)
        return SK_ELIMIT;
    for (i = 0; i < t->ncols; i++)
        t->cell[t->nrows * MAX_COLS + i] =
            strdup(i < row->nfields ? row->field[i] : "");
    t->nrows++;
    return 0;
}

static inline int csv_load(struct csv *t, const char *path)
{
    memset(t, 0, sizeof(*t));
    t->cell = calloc((size_t)MAX_ROWS * MAX_COLS, sizeof(char *));
    return sk_table_stream_file(path, NULL, on_row, t);
}

static inline void csv_free(struct csv *t)
{
    size_t i;

    for (i = 0; i < t->ncols; i++)
        free(t->head[i]);
    for (i = 0; t->cell && i < (size_t)MAX_ROWS * MAX_COLS; i++)
        free(t->cell[i]);
    free(t->cell);
}

static inline int col(const struct csv *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->ncols; i++)
        if (strcmp(t->head[i], name) == 0)
            return (int)i;
    fprintf(stderr, "no column %s\n", name);
    return -1;
}

static inline const char *cell(const struct csv *t, size_t r, const char *name)
{
    int c = col(t, name);

    return c < 0 ? "" : t->cell[r * MAX_COLS + (size_t)c];
}

static inline double cellf(const struct csv *t, size_t r, const char *name)
{
    const char *s = cell(t, r, name);

    return *s ? strtod(s, NULL) : NAN;
}

/* ---- running the collector ------------------------------------------------ */

struct outputs {
    char summary[512], per_query[512], sidecar[512];
    int status;
    char err[8192]; /* its standard error */
};

static char tmpdir[64];
/* 0: every run gets --no-preflight (the tests of the sweep's own
 * recording); 1: runs send the preflight request as a user's would */
static int harness_preflight;

/* Run `sweepkit collect ARGS --out-dir tmpdir/SUB`; the three paths come
 * on stdout. */
static inline void collect(struct outputs *o, const char *sub, const char *args)
{
    char cmd[4096], errpath[600];
    FILE *p, *e;
    size_t n;
    const char *bin = getenv("SK_BIN");

    memset(o, 0, sizeof(*o));
    snprintf(errpath, sizeof(errpath), "%s/%s.err", tmpdir, sub);
    snprintf(cmd, sizeof(cmd),
             "'%s' collect %s%s --out-dir '%s/%s' --progress-interval 60 "
             "2>'%s'",
             bin ? bin : "build/sweepkit", args,
             harness_preflight ? "" : " --no-preflight", tmpdir, sub,
             errpath);
    p = popen(cmd, "r");
    if (!p) {
        o->status = -1;
        return;
    }
    if (!fgets(o->summary, sizeof(o->summary), p) ||
        !fgets(o->per_query, sizeof(o->per_query), p) ||
        !fgets(o->sidecar, sizeof(o->sidecar), p))
        o->summary[0] = '\0';
    o->summary[strcspn(o->summary, "\n")] = '\0';
    o->per_query[strcspn(o->per_query, "\n")] = '\0';
    o->sidecar[strcspn(o->sidecar, "\n")] = '\0';
    o->status = pclose(p);
    o->status = WIFEXITED(o->status) ? WEXITSTATUS(o->status) : -1;
    if ((e = fopen(errpath, "r"))) {
        n = fread(o->err, 1, sizeof(o->err) - 1, e);
        o->err[n] = '\0';
        fclose(e);
    }
}

static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = malloc((size_t)n + 1);
    s[fread(s, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return s;
}

/* No file of the run (both CSVs, the sidecar) holds `needle`. */
static inline void no_output_holds(const struct outputs *o, const char *needle)
{
    const char *paths[3] = {o->summary, o->per_query, o->sidecar};
    int i;

    for (i = 0; i < 3; i++) {
        char *s = slurp(paths[i]);

        CHECK(s != NULL);
        CHECK(s && !strstr(s, needle));
        free(s);
    }
}

#endif
