/*
 * Parallel CSV reading (table.h's parts, src/lib/data/table_par.c).
 *
 * Input: byte 0 picks the options (bits 0-2: SK_TABLE_SHORT_ROWS,
 * LONG_ROWS, DUP_NAMES; bit 3: SK_TABLE_STRICT_END; bit 4: cuts at any
 * line end, inside quoted fields too: SK_TABLE_CUT=any; bit 5: caps of
 * 64-byte fields and 8 fields), byte 1 the chunk
 * size (1..64 bytes: SK_TABLE_CHUNK_BYTES), byte 2 the threads (2..9); the
 * rest is the CSV, written to a file and read with sk_table_stream_file()
 * (unless foreign.h would take it for another tool's result).
 *
 * Checked: the parallel read delivers, over its parts merged in file
 * order, the same rows (fields, lengths, line numbers; up to the error,
 * when there is one) as
 * sk_table_stream_buffer() on the same bytes, the same notes, the same
 * return code and the same error message; a part's rows are indexed 1,
 * 2, ... within it; every part made is merged or freed.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/foreign.h"
#include "sweepkit/table.h"

#include <unistd.h>

struct sink {
    struct fz_log log;
    size_t next_index; /* within this sink: a part's rows count from 1 */
    int is_part;
};

static long live_parts;

static int on_row(void *payload, const sk_row *row)
{
    struct sink *s = payload;
    size_t i;

    if (s->is_part) {
        FZ_CHECK(row->index == s->next_index + 1,
                 "part row index %zu after %zu", row->index, s->next_index);
        s->next_index = row->index;
    }
    fz_printf(&s->log, "row %zu@%zu:", row->index ? (size_t)1 : (size_t)0,
              row->line);
    for (i = 0; i < row->nfields; i++)
        fz_bytes(&s->log, row->field[i], row->len[i]);
    fz_put(&s->log, "\n", 1);
    return 0;
}

static void on_note(void *payload, const char *note)
{
    fz_printf(payload, "note %s\n", note);
}

static void *part_new(void *payload)
{
    struct sink *p = calloc(1, sizeof(*p));

    (void)payload;
    if (!p)
        abort();
    p->is_part = 1;
    live_parts++;
    return p;
}

static void part_free(void *part)
{
    struct sink *p = part;

    if (!p)
        return;
    fz_log_dispose(&p->log);
    free(p);
    live_parts--;
}

static int merge(void *payload, void *part)
{
    struct sink *s = payload, *p = part;

    fz_put(&s->log, p->log.s ? p->log.s : "", p->log.len);
    return 0;
}

static const sk_table_parts parts = {part_new, merge, part_free, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    sk_table_opts opts = {0};
    struct sink whole = {0}, par = {0};
    struct fz_log notes_whole = {0}, notes_par = {0};
    char chunk[8], msg_whole[512];
    const char *csv;
    size_t len;
    int rc_whole, rc_par;
    FILE *fp;

    if (size < 3)
        return 0;
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/fuzz_table_par_%d.csv",
                 (int)getpid());
    opts.flags = (data[0] & 7u) | (data[0] & 8u ? SK_TABLE_STRICT_END : 0);
    if (data[0] & 32u) { /* small caps: the limit paths */
        opts.max_field_bytes = 64;
        opts.max_fields = 8;
    }
    snprintf(chunk, sizeof(chunk), "%d", 1 + data[1] % 64);
    setenv("SK_TABLE_CHUNK_BYTES", chunk, 1);
    setenv("SK_TABLE_CUT", data[0] & 16u ? "any" : "quotes", 1);
    csv = (const char *)data + 3;
    len = size - 3;
    /* a file another tool wrote is read by foreign.h, not in parts */
    if (sk_foreign_sniff(csv, len) != SK_FOREIGN_NONE)
        return 0;

    sk_table_set_note_fn(on_note, &notes_whole);
    rc_whole = sk_table_stream_buffer(path, csv, len, &opts, on_row, &whole);
    snprintf(msg_whole, sizeof(msg_whole), "%s",
             rc_whole ? sk_error_last() : "");

    if (!(fp = fopen(path, "wb")) || fwrite(csv, 1, len, fp) != len ||
        fclose(fp) != 0)
        abort();
    opts.threads = 2 + data[2] % 8;
    opts.parts = &parts;
    sk_table_set_note_fn(on_note, &notes_par);
    rc_par = sk_table_stream_file(path, &opts, on_row, &par);
    sk_table_set_note_fn(NULL, NULL);

    FZ_CHECK(rc_whole == rc_par, "return %d serially, %d in parallel",
             rc_whole, rc_par);
    if (rc_whole)
        FZ_CHECK(strcmp(msg_whole, sk_error_last()) == 0,
                 "message '%s' serially, '%s' in parallel", msg_whole,
                 sk_error_last());
    if (!fz_log_eq(&whole.log, &par.log)) {
        fz_log_diff("rows", &whole.log, &par.log);
        FZ_CHECK(0, "rows differ");
    }
    if (!fz_log_eq(&notes_whole, &notes_par)) {
        fz_log_diff("notes", &notes_whole, &notes_par);
        FZ_CHECK(0, "notes differ");
    }
    FZ_CHECK(live_parts == 0, "%ld parts not freed", live_parts);
    fz_log_dispose(&whole.log);
    fz_log_dispose(&par.log);
    fz_log_dispose(&notes_whole);
    fz_log_dispose(&notes_par);
    return 0;
}
