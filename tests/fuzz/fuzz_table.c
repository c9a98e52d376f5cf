/*
 * The CSV table reader and numeric field parsing.
 *
 * Input: byte 0 picks the options (bits 0-2: SK_TABLE_SHORT_ROWS,
 * LONG_ROWS, DUP_NAMES; bit 3: small caps, 64-byte fields and 8 fields,
 * so the limit paths are reached; bit 4: SK_TABLE_STRICT_END), byte 1 the
 * piece size for the incremental feed (1..256); the rest is the CSV.
 *
 * Checked (table.h): sk_table_stream_buffer() and a reader fed the same
 * bytes in pieces deliver the same rows (fields, lengths, line numbers,
 * indexes), the same notes (a torn last row skipped) in the same place
 * among the rows, and the same return code, and for SK_EPARSE the same
 * line; a note comes only without SK_TABLE_STRICT_END, at most once, at
 * the end (no row after it), for input whose last byte is no line end,
 * and reads "fuzz.csv:LINE: incomplete last row, ..." with LINE at or
 * after the last row's;
 * every field is NUL-terminated at len and holds no NUL; rows are indexed
 * 0, 1, 2 ... with non-decreasing lines; without the row flags every data
 * row has the header's field count; no row exceeds the caps.
 * For every field (num.h): sk_num_parse() and sk_num_scan() agree on
 * whether it is a number and on its value, and scan's repr_len is the
 * length sk_num_repr() gives.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/num.h"
#include "sweepkit/table.h"

#include <math.h>

struct sink {
    struct fz_log log;
    const sk_table_opts *opts;
    size_t header_fields;
    size_t next_index;
    size_t last_line;
    int check_num;
    size_t rows_len; /* bytes of log before the outcome */
    size_t notes;
    int ends_line;   /* the input's last byte is '\n' or '\r' */
    int rc;
    char msg[256];
};

static void check_number(const char *field, size_t len)
{
    char *copy = fz_dup(field, len); /* no NUL after it */
    char repr[SK_NUM_REPR_MAX];
    double v = 0, w = 0;
    size_t rlen = 0;
    int parsed = sk_num_parse(&v, copy, len) == 0;
    int scanned = sk_num_scan(copy, len, &w, &rlen);

    FZ_CHECK(parsed == scanned, "sk_num_parse %d, sk_num_scan %d on '%.*s'",
             parsed, scanned, (int)len, field);
    if (parsed) {
        FZ_CHECK(memcmp(&v, &w, sizeof(v)) == 0 || (isnan(v) && isnan(w)),
                 "parse %.17g, scan %.17g on '%.*s'", v, w, (int)len, field);
        FZ_CHECK(rlen == sk_num_repr(repr, sizeof(repr), v),
                 "scan repr_len %zu, repr '%s' on '%.*s'", rlen, repr,
                 (int)len, field);
    }
    free(copy);
}

static int on_row(void *payload, const sk_row *row)
{
    struct sink *k = payload;
    size_t i, max_fields = k->opts->max_fields ? k->opts->max_fields
                                               : SK_TABLE_MAX_FIELDS;
    size_t max_field = k->opts->max_field_bytes ? k->opts->max_field_bytes
                                                : SK_TABLE_MAX_FIELD_BYTES;

    FZ_CHECK(k->notes == 0, "row %zu after a torn-row note", row->index);
    FZ_CHECK(row->index == k->next_index, "index %zu, expected %zu",
             row->index, k->next_index);
    FZ_CHECK(row->line >= 1 && row->line >= k->last_line,
             "row %zu at line %zu after line %zu", row->index, row->line,
             k->last_line);
    FZ_CHECK(row->nfields >= 1 && row->nfields <= max_fields,
             "row %zu has %zu fields", row->index, row->nfields);
    FZ_CHECK(row->name && strcmp(row->name, "fuzz.csv") == 0, "name");
    if (row->index == 0)
        k->header_fields = row->nfields;
    else if (!(k->opts->flags & SK_TABLE_SHORT_ROWS))
        FZ_CHECK(row->nfields >= k->header_fields, "short row %zu",
                 row->index);
    if (row->index > 0 && !(k->opts->flags & SK_TABLE_LONG_ROWS))
        FZ_CHECK(row->nfields <= k->header_fields, "long row %zu",
                 row->index);
    k->next_index++;
    k->last_line = row->line;

    fz_printf(&k->log, "#%zu@%zu:", row->index, row->line);
    for (i = 0; i < row->nfields; i++) {
        FZ_CHECK(row->len[i] <= max_field, "field of %zu bytes",
                 row->len[i]);
        FZ_CHECK(row->field[i][row->len[i]] == '\0' &&
                     strlen(row->field[i]) == row->len[i],
                 "row %zu field %zu: len %zu, strlen %zu", row->index, i,
                 row->len[i], strlen(row->field[i]));
        if (row->index == 0 && !(k->opts->flags & SK_TABLE_DUP_NAMES)) {
            size_t j;

            for (j = 0; j < i; j++)
                FZ_CHECK(strcmp(row->field[i], row->field[j]) != 0,
                         "duplicate header name '%s'", row->field[i]);
        }
        fz_bytes(&k->log, row->field[i], row->len[i]);
        if (k->check_num)
            check_number(row->field[i], row->len[i]);
    }
    fz_put(&k->log, "\n", 1);
    return 0;
}

static void on_note(void *payload, const char *note)
{
    static const char what[] =
        ": incomplete last row, probably cut by a crash; skipped";
    struct sink *k = payload;
    size_t n = strlen(note), head = sizeof("fuzz.csv:") - 1, line;
    char *end;

    FZ_CHECK(!(k->opts->flags & SK_TABLE_STRICT_END),
             "note with SK_TABLE_STRICT_END: %s", note);
    FZ_CHECK(k->notes++ == 0, "second note: %s", note);
    FZ_CHECK(!k->ends_line, "note for input ending in a line end: %s", note);
    FZ_CHECK(n > head + sizeof(what) - 1 &&
                 memcmp(note, "fuzz.csv:", head) == 0 &&
                 strcmp(note + n - (sizeof(what) - 1), what) == 0,
             "note '%s'", note);
    line = strtoul(note + head, &end, 10);
    FZ_CHECK(end == note + n - (sizeof(what) - 1) && line >= 1 &&
                 line >= k->last_line,
             "note line in '%s' (last row at %zu)", note, k->last_line);
    fz_printf(&k->log, "note:%s\n", note);
}

/* The return code, and for SK_EPARSE the "FILE:LINE:" its message starts
 * with.  Not the rest: when one line holds two faults (a stray quote, then
 * a NUL byte) the one reported first may depend on where the pieces end,
 * and the header promises the line, not which fault. */
static void outcome(struct sink *k, int rc)
{
    struct fz_log *log = &k->log;

    k->rows_len = log->len;
    k->rc = rc;
    snprintf(k->msg, sizeof(k->msg), "%s", rc ? sk_error_last() : "");
    fz_printf(log, "rc=%d", rc);
    if (rc == SK_EPARSE) {
        const char *m = sk_error_last();
        const char *colon = strchr(m, ':');
        const char *end = colon ? strchr(colon + 1, ':') : NULL;

        fz_printf(log, " %.*s", end ? (int)(end - m) : (int)strlen(m), m);
    }
}

/*
 * Known finding F1 (tests/fuzz/README.md, regressions/table/): two checks
 * look at a whole segment (the bytes up to the next '\n', or what the
 * caller fed, whichever is shorter) rather than at a byte: the NUL check
 * scans the segment before libcsv sees any of it, and the cap on a field
 * still open is tested after each segment.  So when a line holds two
 * faults, which one is reported (even its code) depends on where the
 * pieces end, and with bare-CR row ends the rows before a NUL on the same
 * line are delivered only when the pieces end before it.  Tolerated, and
 * only that: both feeds failed, one's rows are a prefix of the other's,
 * and one of the two messages is from a segment check.  To check strictly
 * (once table.c is fixed), build with -DFZ_STRICT_TABLE=1.
 */
#ifndef FZ_STRICT_TABLE
#define FZ_STRICT_TABLE 1 /* table.c fixed: no tolerance (-DFZ_STRICT_TABLE=0 restores it) */
#endif

static int segment_check(const char *msg)
{
    return strstr(msg, ": NUL byte in the data") ||
           strstr(msg, ": field over the limit of");
}

static int known_segment_finding(const struct sink *a, const struct sink *b)
{
    size_t n = a->rows_len < b->rows_len ? a->rows_len : b->rows_len;

    return !FZ_STRICT_TABLE && a->rc != 0 && b->rc != 0 &&
           (segment_check(a->msg) || segment_check(b->msg)) &&
           memcmp(a->log.s, b->log.s, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_table_opts opts = {0};
    struct sink whole = {0}, pieces = {0};
    sk_table_reader *r = NULL;
    const char *csv;
    size_t len, step, off;
    int rc;

    if (size < 2)
        return 0;
    opts.flags = data[0] & 7u;
    if (data[0] & 16u)
        opts.flags |= SK_TABLE_STRICT_END;
    if (data[0] & 8u) {
        opts.max_field_bytes = 64;
        opts.max_fields = 8;
    }
    step = (size_t)data[1] + 1;
    csv = (const char *)data + 2;
    len = size - 2;

    whole.opts = pieces.opts = &opts;
    whole.check_num = 1;
    whole.ends_line = pieces.ends_line =
        len > 0 && (csv[len - 1] == '\n' || csv[len - 1] == '\r');
    sk_table_set_note_fn(on_note, &whole);
    rc = sk_table_stream_buffer("fuzz.csv", csv, len, &opts, on_row, &whole);
    outcome(&whole, rc);
    FZ_CHECK(whole.notes == 0 || rc == 0, "a note, then error %d", rc);
    sk_table_set_note_fn(on_note, &pieces);

    FZ_CHECK(sk_table_reader_new(&r, "fuzz.csv", &opts, on_row, &pieces) == 0,
             "reader_new");
    rc = 0;
    for (off = 0; off < len && rc == 0; off += step) {
        size_t n = len - off < step ? len - off : step;
        /* Each piece in its own exact-size allocation. */
        char *piece = fz_dup(csv + off, n);

        rc = sk_table_reader_feed(r, piece, n);
        free(piece);
    }
    if (rc == 0)
        rc = sk_table_reader_finish(r);
    else
        FZ_CHECK(sk_table_reader_feed(r, "a", 1) == rc &&
                     sk_table_reader_finish(r) == rc,
                 "error %d is not sticky", rc);
    sk_table_reader_free(r);
    sk_table_set_note_fn(NULL, NULL);
    outcome(&pieces, rc);

    if (!fz_log_eq(&whole.log, &pieces.log) &&
        !known_segment_finding(&whole, &pieces)) {
        fz_log_diff("whole and piecewise rows", &whole.log, &pieces.log);
        FZ_CHECK(0, "piece size %zu", step);
    }
    fz_log_dispose(&whole.log);
    fz_log_dispose(&pieces.log);
    return 0;
}
