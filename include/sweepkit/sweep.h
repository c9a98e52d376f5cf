/*
 * A sweep summary: one row per concurrency level, as the collector and
 * `summarize` write it (the 14-column summary schema, see docs/metrics.md)
 * or any CSV with a `concurrency` column and numeric columns.
 *
 * Loading rules: rows are sorted by concurrency; a level that appears twice
 * is rejected (two summaries of one level cannot be merged honestly);
 * concurrency must be a finite number > 0; an empty cell is a missing
 * value (NaN in the arrays); a cell that is not a finite number is
 * reported, with its file, line and text, when its column is asked for.
 *
 * Ownership: sk_sweep_load*() return an object freed by sk_sweep_free();
 * arrays and names it returns are borrowed from it.
 * Thread-safety: a loaded sweep is immutable.
 */
#ifndef SWEEPKIT_SWEEP_H
#define SWEEPKIT_SWEEP_H

#include "sweepkit/table.h"

#include <jansson.h>
#include <stddef.h>

/* The summary schema, in order. */
#define SK_SWEEP_NCOLUMNS 14
extern const char *const sk_sweep_columns[SK_SWEEP_NCOLUMNS];

typedef struct sk_sweep sk_sweep;

/* Load the CSV at `path` ("-" = stdin).  Returns 0, or SK_ENOTFOUND (no
 * concurrency column / no file), SK_EPARSE (bad concurrency, duplicate
 * level, malformed CSV), SK_ENODATA (no rows), SK_EIO, SK_ENOMEM. */
int sk_sweep_load(sk_sweep **out, const char *path);

/* As sk_sweep_load() over a buffer; `name` is used in messages. */
int sk_sweep_load_buffer(sk_sweep **out, const char *name, const char *buf,
                         size_t len);

/*
 * Loading from rows the caller streams (runset.c reads each file once:
 * its header tells the kind, and the same read loads it).
 * sk_sweep_begin() makes an empty sweep called `name` (0 or SK_ENOMEM);
 * sk_sweep_row() is an sk_row_fn taking it as payload, to be called with
 * the header and then every data row (it fails as sk_sweep_load() does);
 * sk_sweep_end() takes the stream's result `rc` and either sets *out to
 * the finished sweep and returns 0, or frees it and returns the error
 * (`rc` itself, or sk_sweep_load()'s checks: no rows, repeated level).
 */
int sk_sweep_begin(sk_sweep **out, const char *name);
int sk_sweep_row(void *sweep, const sk_row *row);
int sk_sweep_end(sk_sweep **out, sk_sweep *s, int rc);

/*
 * A sweep from columns already in memory: `ncols` columns called
 * `names[k]` (one of them "concurrency"), each `values[k][0..n)`, level i
 * on line `lines[i]` of the file it comes from (for messages; `lines`
 * NULL: line 0, not from a file).  Values
 * that are not finite are missing (NaN), as empty cells are.  Levels are
 * sorted as sk_sweep_load() sorts them.  Returns 0, SK_ENOTFOUND (no
 * concurrency column), SK_EPARSE (a concurrency not > 0, a repeated
 * level), SK_ENODATA (n == 0), SK_ELIMIT, SK_ENOMEM.
 */
int sk_sweep_from_columns(sk_sweep **out, const char *name,
                          const char *const *names, size_t ncols,
                          const double *const *values, const size_t *lines,
                          size_t n);

/* Accepts NULL. */
void sk_sweep_free(sk_sweep *s);

/* The file name used in messages. */
const char *sk_sweep_name(const sk_sweep *s);

/* Number of levels (rows); at least 1. */
size_t sk_sweep_levels(const sk_sweep *s);

/* Concurrency per level, ascending. */
const double *sk_sweep_concurrency(const sk_sweep *s);

/* The 1-based line of level i in the file. */
size_t sk_sweep_line(const sk_sweep *s, size_t i);

/*
 * The column called `name`, one value per level (NaN = empty cell).
 * Returns 0, SK_ENOTFOUND listing the available columns, or SK_EPARSE
 * naming the file, line and text of the first cell that is not a finite
 * number.
 */
int sk_sweep_column(const double **out, const sk_sweep *s, const char *name);

/*
 * Level i as a JSON object (json.h), the one serializer of a summary row
 * (`summarize --format json`, report.json's levels): every column that
 * holds numbers, in file order, each value a number (null for an empty
 * cell); a column with text in it is left out.  A new reference, or NULL
 * when out of memory.
 */
json_t *sk_sweep_level_json(const sk_sweep *s, size_t i);

#endif
