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

/* The column the collector and `summarize` write for the queries a level
 * was to run (only when some level ran fewer). */
#define SK_SWEEP_PLANNED "planned_queries"

/* An open-loop run's columns: its target request rate (requests/s; the
 * readers of other tools' results write it too) and, in a collect
 * summary, the rate its sends kept. */
#define SK_SWEEP_REQUEST_RATE "request_rate"
#define SK_SWEEP_ACHIEVED_RATE "achieved_rate"

/*
 * Levels analyses leave out:
 * - failed: `errors` > 0 and nothing measured (its total_tokens /
 *   total_output_tokens or throughput_tps / throughput_tokens_per_s is
 *   0), as full_sweep.py writes a cell whose batch raised
 *   ("0.0,0,0.00,N");
 * - partial: fewer `queries` than its planned_queries (a collect that was
 *   interrupted or killed mid-level).
 * Both stay in the sweep (a table shows them) but are never points of a
 * knee, fit, recommendation or chart: analyses take the levels
 * sk_sweep_analysable() keeps and say which it left out.
 * sk_sweep_failed() / sk_sweep_partial(): 1 if level i is; the n*
 * functions: how many.  A failed level is never also partial.
 */
int sk_sweep_failed(const sk_sweep *s, size_t i);
size_t sk_sweep_nfailed(const sk_sweep *s);
int sk_sweep_partial(const sk_sweep *s, size_t i);
size_t sk_sweep_npartial(const sk_sweep *s);

/* Levels left out: how many, and the concurrency of the first 16. */
struct sk_sweep_levels_out {
    size_t n;
    double x[16];
};

struct sk_sweep_left_out {
    struct sk_sweep_levels_out failed, partial;
    struct sk_sweep_levels_out no_window; /* SK_SWEEP_STEADY: levels
                                             without a steady state */
};

/* The steady-state throughput column (summarize.h, metrics.h). */
#define SK_SWEEP_STEADY_COLUMN "steady_throughput_tokens_per_s"

/* sk_sweep_analysable()'s flags. */
#define SK_SWEEP_PARTIAL 1u /* keep partial levels (--include-partial) */
#define SK_SWEEP_STEADY 2u  /* throughput is the steady-state figure
                               (--throughput steady) */

/*
 * A new sweep of the levels of `s` that did not fail and, unless
 * SK_SWEEP_PARTIAL, are not partial (same name and group), freed by
 * sk_sweep_free(); *lo says which were left out.  With SK_SWEEP_STEADY
 * the levels without a steady-state throughput (a single wave, no times)
 * are left out too, and the new sweep's throughput column
 * (sk_sweep_default_y(), what every analysis and chart reads) is
 * SK_SWEEP_STEADY_COLUMN.  Returns 0, SK_ENOTFOUND (steady asked and no
 * such column: "FILE: no steady_throughput_tokens_per_s column ..."),
 * SK_ENODATA ("FILE: every level failed ..." / "FILE: no level finished
 * ..." / "FILE: no level has a steady state ...") or SK_ENOMEM.
 */
int sk_sweep_analysable(sk_sweep **out, struct sk_sweep_left_out *lo,
                        const sk_sweep *s, unsigned flags);

/* 1 when the sweep's throughput is the steady-state figure
 * (SK_SWEEP_STEADY), else 0. */
int sk_sweep_steady(const sk_sweep *s);

/* "64, 128" ("..., and 3 more" past the 16 kept), `sep` between; always
 * NUL-terminated within `cap`. */
void sk_sweep_levels_list(char *buf, size_t cap,
                          const struct sk_sweep_levels_out *l,
                          const char *sep);

/* Keys "failed_levels", "partial_levels" and "no_steady_window_levels"
 * of `o`, each the levels as an array of numbers, set only when there
 * are any.  0, or -1 when out of memory. */
int sk_sweep_left_out_json(json_t *o, const struct sk_sweep_left_out *lo);

/* "failed 64 (errors and no tokens); partial 4 (fewer queries than
 * planned; --include-partial uses them)", the parts there are ("" for
 * none); always NUL-terminated within `cap`. */
void sk_sweep_left_out_text(char *buf, size_t cap,
                            const struct sk_sweep_left_out *lo);

/*
 * Level i's sample-size flags, "; "-separated into buf ("" for none):
 * "single wave" (queries no more than the concurrency: one round of
 * requests, nothing replaced a finished one), "achieved concurrency 3.1
 * of 8" (below 90% of the configured level: the client or the level's
 * ramp and tail kept it from the load asked).  Read from the queries
 * and achieved_concurrency columns when there are (percentiles' own
 * sample-size flags are stats.h's).
 * Always NUL-terminated within `cap`.
 */
void sk_sweep_level_flags(char *buf, size_t cap, const sk_sweep *s,
                          size_t i);

/* 1 if the sweep has a column called `name` (numbers or not), else 0. */
int sk_sweep_has_column(const sk_sweep *s, const char *name);

/* The throughput column to use when none is named: for a sweep from
 * sk_sweep_analysable() with SK_SWEEP_STEADY, SK_SWEEP_STEADY_COLUMN;
 * else "throughput_tps" when the sweep has it and not
 * "throughput_tokens_per_s" (the seed tools' files), else
 * "throughput_tokens_per_s".  A static string. */
const char *sk_sweep_default_y(const sk_sweep *s);

/* The group key of a sweep split from a grid ("instances=2
 * decode_concurrency=8 prompt_concurrency=4", the cells as written), or
 * "" for a whole file.  Borrowed. */
const char *sk_sweep_group(const sk_sweep *s);

/*
 * A file holding several sweeps (a configuration grid: full_sweep.py's
 * instances x decode_concurrency x prompt_concurrency x concurrency,
 * round_robin_sweep.py's max_tokens x concurrency) read as one sweep per
 * configuration.
 *
 * `group_by`: comma-separated column names to group on (each must exist
 * and not be concurrency), or NULL for automatic: when a concurrency
 * level repeats, group on the configuration columns present whose value
 * varies (instances, decode_concurrency, prompt_concurrency, max_tokens,
 * model, label, backend, server, engine, config); when none applies the
 * file is one sweep, loaded and checked as sk_sweep_load() does (a
 * repeated level is an error that names the columns telling the sweeps
 * apart and suggests --group-by).
 *
 * Groups are in order of first appearance; each is a sweep named
 * "FILE [KEY]" with sk_sweep_group() = KEY, checked as a loaded file (a
 * level repeated inside a group is an error).
 * Returns 0, sk_sweep_load()'s errors, or for a bad `group_by`
 * SK_ENOTFOUND ("--group-by: FILE: no column 'X'; available: ...") or
 * SK_EINVAL.  *out is freed by sk_sweep_set_free() (NULL accepted); the
 * sweeps it hands out are borrowed from it.
 */
typedef struct sk_sweep_set sk_sweep_set;

int sk_sweep_set_load(sk_sweep_set **out, const char *path,
                      const char *group_by);
int sk_sweep_set_load_buffer(sk_sweep_set **out, const char *name,
                             const char *buf, size_t len,
                             const char *group_by);
void sk_sweep_set_free(sk_sweep_set *set);

/*
 * A set from rows the caller streams, as sk_sweep_begin() / row() / end()
 * load one sweep: sk_sweep_set_begin() makes the sweep the rows go to
 * (sk_sweep_row()); sk_sweep_set_end() takes the stream's result `rc`
 * and either sets *out and returns 0 or frees `s` and returns the error,
 * as sk_sweep_set_load() does.
 */
int sk_sweep_set_begin(sk_sweep **out, const char *name);
int sk_sweep_set_end(sk_sweep_set **out, sk_sweep *s, int rc,
                     const char *group_by);

/* Hand sweep i over to the caller (to free with sk_sweep_free()); the
 * set no longer has it. */
sk_sweep *sk_sweep_set_take(sk_sweep_set *set, size_t i);

/* Number of sweeps (>= 1) and sweep i. */
size_t sk_sweep_set_count(const sk_sweep_set *set);
const sk_sweep *sk_sweep_set_get(const sk_sweep_set *set, size_t i);

/* The columns grouped on, comma-separated ("" when the file is one
 * sweep).  Borrowed. */
const char *sk_sweep_set_group_by(const sk_sweep_set *set);

#endif
