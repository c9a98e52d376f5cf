/*
 * `top`: sort sweep CSV rows by one field and show the first N, the job
 * analyze-data.py does, in memory that depends on N, not on the file.
 *
 * Semantics (analyze-data.py's, see docs/top.md): every cell Python's
 * float() accepts is a number, printed as Python's repr(); other cells are
 * text; a missing cell of a short row is the text "None".  Rows sort by the
 * field, numbers by value, text by code point, stably in both orders.  A
 * column's width is the longest printed cell over ALL rows and its name.
 * Where the script crashes, sweepkit decides: in a column mixing numbers
 * and text, numbers come first in either order, then NaN, then text.
 * Without compat (sweepkit's own `top`, summarize's tables), a number
 * that is a whole number below 2^53 in magnitude prints as an integer in
 * table, markdown and json ("128", JSON 128; -0.0 as "0"); others keep
 * the repr ("0.5", "1e+20").  CSV always writes the cells as read.
 *
 * Ownership: sk_top_new() returns an object freed by sk_top_free().
 * Thread-safety: one sk_top per thread.
 */
#ifndef SWEEPKIT_TOP_H
#define SWEEPKIT_TOP_H

#include "sweepkit/filter.h"
#include "sweepkit/format.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *field;          /* the sort column; NULL: throughput_tps,
                                   or throughput_tokens_per_s in files
                                   that have only that */
    int descending;             /* 1: largest first */
    size_t count;               /* rows to show */
    const char *const *columns; /* columns to show; NULL: all, file order */
    size_t ncolumns;
    const sk_filter *filters;   /* rows must match all of them */
    size_t nfilters;
    /* analyze-data.py's csv.DictReader rules: a repeated header name is one
     * column holding its last occurrence's cell, cells beyond the header
     * are ignored (with a warning) instead of rejected, and a torn last
     * row is read as any other (without compat it is skipped with a note,
     * table.h). */
    int compat;
    /* 1: a first column `source` naming the file each row came from, as
     * given ("<stdin>" for "-"); `top` sets it when it reads several
     * files.  With `columns`, the column is shown only where they name
     * `source` (which they may also do without this flag), unless the
     * files have a column of that name, which then wins.  Without
     * `columns`, a file column called `source` is an error (SK_EINVAL). */
    int source;
    /* --group-by: the top `count` rows per distinct combination of these
     * columns' cells (as written), groups in order of first appearance,
     * each best first; a missing column is an error ("--group-by: FILE:
     * no column ...").  ngroup_by 0: one ranking. */
    const char *const *group_by;
    size_t ngroup_by;
    /* > 1: files parsed on this many threads (table.h), the output the
     * same byte for byte; 0 or 1: on the calling thread. */
    unsigned threads;
} sk_top_opts;

typedef struct sk_top sk_top;

/* Returns 0 or SK_ENOMEM.  `opts` and what it points to must outlive *out. */
int sk_top_new(sk_top **out, const sk_top_opts *opts);

/* Accepts NULL. */
void sk_top_free(sk_top *t);

/*
 * Stream one CSV (path "-" = standard input) into the selection.  Every
 * file after the first must have the same header.  Returns 0 or an error
 * with the last-error message naming the file and line.
 */
int sk_top_add_file(sk_top *t, const char *path);

/* As sk_top_add_file() over a buffer; `name` is used in messages. */
int sk_top_add_buffer(sk_top *t, const char *name, const char *buf,
                      size_t len);

/*
 * Print the selection (json: an object with the members of `head`, the
 * provenance keys (NULL: none), then "results", one object per row:
 * numbers as numbers, text as strings, missing and empty cells as null).
 * With no data rows, table and markdown print "CSV file is empty.", csv
 * the header (if any) and json an empty "results".
 * Returns 0, SK_ENOMEM, or SK_EIO when writing failed.
 */
int sk_top_write(sk_top *t, FILE *fp, sk_format fmt, const json_t *head);

/* Rows read (after filters) so far. */
size_t sk_top_rows(const sk_top *t);

/* A one-line summary of tolerated irregularities ("a.csv:7: row has 5
 * fields, header has 8; missing cells shown as None (2 rows)"), or NULL.
 * Borrowed from `t`. */
const char *sk_top_warning(const sk_top *t);

#endif
