/*
 * The table reader's state, shared by the files of src/lib/data/ that
 * read CSV: table.c (the reader) and table_par.c (parallel reading, which
 * starts readers in the middle of a file and hands a chunk's rows from
 * one reader to another).
 */
#ifndef SK_TABLE_INT_H
#define SK_TABLE_INT_H

#include "sweepkit/table.h"

#include <csv.h>

#include <stddef.h>

struct sk_table_reader {
    struct csv_parser csv;
    const char *name;
    sk_row_fn fn;
    void *payload;
    unsigned flags;
    size_t max_field_bytes;
    size_t max_fields;
    size_t max_row_bytes;

    /* The row being assembled: fields stored back to back, NUL-terminated,
     * in `buf`; offsets and lengths per field. */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *off;
    size_t *len;
    const char **ptr;
    size_t nfields, fields_cap;

    size_t line;          /* current physical line, 1-based */
    size_t fed;           /* bytes given to parse_segment() so far */
    size_t row_line;      /* first line of the row being assembled */
    size_t last_row_line; /* last line of the last complete row */
    size_t header_fields;
    size_t rows;          /* rows delivered, the header included */
    int bom_seen;         /* bytes of a leading byte-order mark matched */
    char delim;           /* the field delimiter; 0: not told yet */
    char *head;           /* the first segment's pieces, held until it
                             ends: the dialect is told from all of it */
    size_t head_len;
    int ends_line;        /* the last byte parsed is '\n' or '\r' */
    int err;              /* sticky first error */
};

/* A reader for the data rows of the same file as `tpl` (whose header it
 * has read), starting at line `line`, `fed` bytes into the input (after
 * a byte-order mark), in a row's first byte; its rows go to `payload`.
 * *io: NULL for a new reader, or one made so before, to use again. */
int sk_table__reader_clone(sk_table_reader **io, const sk_table_reader *tpl,
                           void *payload, size_t line, size_t fed);

/* Whether `r` stands between rows: nothing of a row or field held. */
int sk_table__reader_clean(const sk_table_reader *r);

/* sk_table_stream_file()'s read of `fd` with opts->parts on `threads`
 * (> 1) threads (table.h), through `r`, which has read nothing yet. */
int sk_table__stream_parallel(sk_table_reader *r, int fd,
                              const sk_table_opts *opts, unsigned threads);

#endif
