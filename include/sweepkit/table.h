/*
 * The CSV table core: RFC 4180 CSV read through libcsv's streaming
 * callbacks, one row at a time, in memory bounded by the longest row.
 *
 * Accepted: commas, quotes ("" inside quoted fields) and newlines inside
 * quoted fields; CRLF or LF line ends; a UTF-8 byte-order mark before the
 * first header (dropped); blank lines (skipped); "-" as a path for standard
 * input.  Rejected with "FILE:LINE: what was expected": a quote inside an
 * unquoted field or text after a closing quote, an unterminated quoted
 * field, NUL bytes, a field or row over its size cap, a row whose field
 * count differs from the header's (unless the options allow it), a
 * duplicate column name (unless allowed).
 *
 * A torn last row is skipped, with a note: when the input does not end
 * in a line end ('\n' or '\r') and its last row, begun on its last line,
 * is incomplete (a quoted field that no quote closes, or fewer fields
 * than the header, whatever SK_TABLE_SHORT_ROWS says), that row is left
 * out and the note "FILE:LINE: incomplete last row, probably cut by a
 * crash; skipped" goes to the note function (sk_table_set_note_fn()):
 * what a crash or a full disk leaves at the end of a file being written.
 * Everything else about such a line is as for any other: a complete last
 * row without a line end is delivered; an incomplete one that ends in a
 * line end, or that began on an earlier line (a quoted line end inside:
 * it cannot be told from a stray quote), or the header, is an error.
 * SK_TABLE_STRICT_END turns the skip off (analyze-data, which must fail
 * where analyze-data.py does).  Whole or in pieces, the input gives the
 * same rows, the same note and the same outcome.
 *
 * Ownership: every pointer an sk_row hands out is borrowed from the reader
 * and valid only during the callback that receives it; copy what you keep.
 * Thread-safety: a stream call uses only its own state; with parts (see
 * sk_table_parts) its row function also runs on worker threads, each
 * call with a part no other thread touches meanwhile.
 */
#ifndef SWEEPKIT_TABLE_H
#define SWEEPKIT_TABLE_H

#include <stddef.h>

/* Default caps; a field or row beyond them is an SK_ELIMIT error. */
#define SK_TABLE_MAX_FIELD_BYTES ((size_t)1 << 20) /* 1 MiB */
#define SK_TABLE_MAX_FIELDS ((size_t)4096)

/* Option flags for sk_table_opts.flags. */
enum {
    SK_TABLE_SHORT_ROWS = 1 << 0, /* deliver rows with fewer fields */
    SK_TABLE_LONG_ROWS = 1 << 1,  /* deliver rows with more fields */
    SK_TABLE_DUP_NAMES = 1 << 2,  /* allow repeated header names */
    SK_TABLE_QUERIES = 1 << 4,    /* another tool's result (foreign.h):
                                     its per-request rows, when it has
                                     them, rather than its levels */
    SK_TABLE_SWEEP = 1 << 5,      /* another tool's result as levels of a
                                     concurrency sweep: open-loop runs
                                     refused */
    SK_TABLE_STRICT_END = 1 << 3  /* no torn-last-row skip: a last row
                                     without a line end is read (or
                                     rejected) as any other */
};

/*
 * Parallel reading.  A consumer that can hold its rows' effect in parts
 * and merge them gives these; sk_table_stream_file() with
 * sk_table_opts.threads > 1 then reads the header itself, cuts the rest
 * of the input into chunks at line ends and parses each chunk with its
 * own reader on a pool of threads, into a part of its own: the row
 * function is called with the part as its payload, on a worker thread.
 * Parts are merged into the payload in file order on the calling thread,
 * so sums and first appearances come out as from one thread.  A chunk
 * cut inside a quoted field is found when the chunk before it ends
 * unfinished, and parsed again as that chunk's continuation, so rows,
 * line numbers, errors and notes are those of the serial read.
 *
 * part_new(payload) runs on the calling thread after the header (and
 * after each merge before it); it returns a part with the payload's
 * configuration and empty results, or NULL with the error set.
 * merge(payload, part) returns 0, an error, or SK_TABLE_REPLAY when the
 * part cannot be merged exactly (a limit on totals crossed inside it):
 * the payload is left as it was and the part's rows are delivered to the
 * payload itself, serially, so the limit's error names the row a serial
 * read names.  A part's row.index counts from 1 within the part.
 * split(payload), when given, is asked after the header whether the rest
 * is worth reading in parts (0: read on this thread, as without parts).
 */
#define SK_TABLE_REPLAY 1

/* `size` zeroed bytes on cache lines of their own (aligned to and
 * rounded up to SK_TABLE_LINE_BYTES), freed with free(), or NULL: for
 * what a thread writes on every row (a reader, a part), which must not
 * share a line with another thread's state (false sharing cost 25% more
 * CPU on two threads).  128: two lines, as the adjacent-line prefetch
 * fetches them. */
#define SK_TABLE_LINE_BYTES 128
void *sk_table_alloc_lines(size_t size);

typedef struct {
    void *(*part_new)(void *payload);
    int (*merge)(void *payload, void *part);
    void (*part_free)(void *part);
    int (*split)(void *payload);
} sk_table_parts;

typedef struct {
    unsigned flags;
    size_t max_field_bytes; /* 0: SK_TABLE_MAX_FIELD_BYTES */
    size_t max_fields;      /* 0: SK_TABLE_MAX_FIELDS */
    unsigned threads;       /* sk_table_stream_file() with parts: parse on
                               this many threads; 1: this thread; 0: the
                               calling thread's default (below) */
    const sk_table_parts *parts; /* NULL: one thread */
} sk_table_opts;

/* One row, borrowed.  field[i] is NUL-terminated and len[i] bytes long
 * (it may contain no NUL: those are rejected). */
typedef struct {
    const char *const *field;
    const size_t *len;
    size_t nfields;
    size_t line;       /* 1-based line on which the row starts */
    size_t index;      /* 0 for the header, then 1, 2, ... for data rows */
    const char *name;  /* the file name used in messages */
} sk_row;

/*
 * Set the error for cell c of `row` that should hold a number of column
 * `field` and does not: "NAME:LINE: column 'FIELD': 'CELL' is not a
 * finite number", the cell quoted up to 40 bytes (cut at a character
 * boundary, "..." after it).  Returns SK_EPARSE.
 */
int sk_row_not_a_number(const sk_row *row, const char *field, size_t c);

/* Called for the header (index 0) and then each data row.  Return 0 to go
 * on; any other value stops the stream and is returned by it (set the
 * last-error message first). */
typedef int (*sk_row_fn)(void *payload, const sk_row *row);

/*
 * Notes: what the reader tolerated and the user should hear of, one line
 * each without a newline ("runs.csv:57: incomplete last row, probably cut
 * by a crash; skipped"; the only note so far).  The library never prints:
 * each note is handed to the function set here for the calling thread,
 * during the feed or finish call that meets it; none set (the default),
 * notes are dropped.  A file read twice gives its note twice: the caller
 * drops repeats.  `note` is valid only during the call.
 */
typedef void (*sk_table_note_fn)(void *payload, const char *note);

/* Set (or with NULL clear) this thread's note function. */
void sk_table_set_note_fn(sk_table_note_fn fn, void *payload);

/* The threads a read whose options say 0 uses, for the calling thread
 * (a command sets it once for every reader under it); 1 until set. */
void sk_table_set_threads(unsigned threads);

/* The threads a read asking for `threads` uses: that many, or for 0 the
 * calling thread's default. */
unsigned sk_table_threads(unsigned threads);

/*
 * CSV dialects.  The field delimiter is told from the file's first line
 * (the header): of ',', ';' and TAB outside quotes, the one it holds most
 * of (a tie goes to ',', then ';'); a line holding none is one column,
 * comma-delimited.  sk_table_set_delimiter() forces one for the calling
 * thread's readers created after it (`--delimiter`; 0: tell it again).
 * Returns 0, or SK_EINVAL for a delimiter other than ',', ';', TAB, '|'.
 * A file whose first byte (after blanks) is '{' or '[' is JSON, not CSV:
 * an SK_EPARSE error says so.
 */
int sk_table_set_delimiter(char delim);

/* sk_table_set_delimiter()'s text form, for --delimiter: ",", ";", "|",
 * "tab" or "\t" (a literal TAB too).  Returns 0 or SK_EINVAL with
 * "--delimiter: ...". */
int sk_table_parse_delimiter(char *out, const char *text);

/* An incremental reader, for input that arrives in pieces. */
typedef struct sk_table_reader sk_table_reader;

/*
 * Create a reader that calls `fn` for each row.  `name` is used in
 * messages and must outlive the reader; `opts` may be NULL.
 * Returns 0 or SK_ENOMEM.  Free with sk_table_reader_free().
 */
int sk_table_reader_new(sk_table_reader **out, const char *name,
                        const sk_table_opts *opts, sk_row_fn fn,
                        void *payload);

/* Feed the next `len` bytes; pieces may split rows, fields, line ends and
 * the byte-order mark anywhere.  Returns 0 or an error (sticky: later
 * calls return it again). */
int sk_table_reader_feed(sk_table_reader *r, const char *data, size_t len);

/* Signal end of input: delivers a last row without a line end, and fails
 * on a quoted field left open (unless it is a torn last row, skipped with
 * a note: see the top of this file). */
int sk_table_reader_finish(sk_table_reader *r);

/* Accepts NULL. */
void sk_table_reader_free(sk_table_reader *r);

/*
 * Stream the CSV at `path` ("-" = standard input) through `fn`.
 * `opts` may be NULL for the defaults.
 * Returns 0, the callback's non-zero value, or SK_EIO / SK_EPARSE /
 * SK_ELIMIT / SK_ENOMEM with the last-error message set.  A file with no
 * rows at all calls nothing and returns 0.
 */
int sk_table_stream_file(const char *path, const sk_table_opts *opts,
                         sk_row_fn fn, void *payload);

/* As sk_table_stream_file() over `len` bytes of `buf`; `name` is used in
 * messages. */
int sk_table_stream_buffer(const char *name, const char *buf, size_t len,
                           const sk_table_opts *opts, sk_row_fn fn,
                           void *payload);

/*
 * The one "no such column" error: "FILE: no column 'NAME'; available: A,
 * B, ...", with a hint when the header is one column that holds a
 * delimiter (the file's delimiter was not the one used).  Returns
 * SK_ENOTFOUND.
 */
int sk_table_no_column(const char *file, const char *name,
                       const char *const *names, size_t n);

/*
 * Find the column called `name` in `header` (the row with index 0).
 * Returns 0 and sets *out, or SK_ENOTFOUND with a message naming the file
 * and listing the available columns.
 */
int sk_table_column(size_t *out, const sk_row *header, const char *name);

/* Join `names` with ", " into buf (NUL-terminated), ending in "..." when
 * they do not fit: for messages that list the available columns. */
void sk_table_join_names(char *buf, size_t cap, const char *const *names,
                         size_t n);

#endif
