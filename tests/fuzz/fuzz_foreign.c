/*
 * The readers of other tools' results (foreign.h).
 *
 * Input: byte 0 picks the name the bytes are read under (bit 0: in a
 * "run-concurrency4/" directory, so the name gives a concurrency) and
 * what is wanted (bits 1-2: summary, queries, sweep); the rest is the
 * file.
 *
 * Checked: sk_foreign_sniff() and sk_foreign_read_buffer() never crash or
 * leak; on an error the message names the file; on success the CSV is
 * NUL-terminated at its length, and sweepkit's CSV reader takes it whole
 * with every row as wide as the header (the readers always write a
 * rectangular table sweepkit reads), the header starting with
 * "concurrency".
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/foreign.h"
#include "sweepkit/table.h"

struct shape {
    size_t header, rows;
    int first_ok;
};

static int on_row(void *payload, const sk_row *row)
{
    struct shape *s = payload;

    if (row->index == 0) {
        s->header = row->nfields;
        s->first_ok = strcmp(row->field[0], "concurrency") == 0;
    } else {
        FZ_CHECK(row->nfields == s->header,
                 "row %zu has %zu fields, the header %zu", row->index,
                 row->nfields, s->header);
        s->rows++;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[2] = {"fuzz.json",
                                         "run-concurrency4/fuzz.json"};
    const sk_foreign_want wants[4] = {SK_FOREIGN_SUMMARY,
                                      SK_FOREIGN_QUERIES, SK_FOREIGN_SWEEP,
                                      SK_FOREIGN_SUMMARY};
    const char *name;
    char *csv = NULL;
    size_t len = 0;
    int rc;

    if (size < 1)
        return 0;
    name = names[data[0] & 1];
    (void)sk_foreign_sniff((const char *)data + 1, size - 1);
    rc = sk_foreign_read_buffer(&csv, &len, name, (const char *)data + 1,
                                size - 1, wants[(data[0] >> 1) & 3]);
    if (rc != 0) {
        FZ_CHECK(csv == NULL, "output on an error");
        FZ_CHECK(strncmp(sk_error_last(), name, strlen(name)) == 0 ||
                     rc == SK_ENOMEM,
                 "message without the file: %s", sk_error_last());
        return 0;
    }
    {
        struct shape s = {0, 0, 0};
        sk_table_opts o = {SK_TABLE_STRICT_END, 0, 0};

        FZ_CHECK(csv != NULL && csv[len] == '\0' && strlen(csv) == len,
                 "the CSV is not a string of its length");
        FZ_CHECK(sk_table_stream_buffer("out.csv", csv, len, &o, on_row,
                                        &s) == 0,
                 "sweepkit does not read its own conversion: %s\n%s",
                 sk_error_last(), csv);
        FZ_CHECK(s.first_ok, "the header does not start with concurrency");
    }
    free(csv);
    return 0;
}
