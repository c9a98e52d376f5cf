/*
 * The CSV table core: a catalogue of well-formed, awkward and malformed
 * inputs, each with its exact outcome, fed whole and in chunks of 1..7
 * bytes (same rows, same error, same line numbers either way).
 */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/table.h"

#include <stdlib.h>
#include <unistd.h>

/* Rows rendered as "LINE:[a|b|c]\n", so a case states what it expects
 * in one string. */
struct dump {
    char *s;
    size_t len, cap;
};

static void put(struct dump *d, const char *s, size_t n)
{
    if (d->len + n + 1 > d->cap) {
        d->cap = (d->len + n + 1) * 2;
        d->s = realloc(d->s, d->cap);
    }
    memcpy(d->s + d->len, s, n);
    d->len += n;
    d->s[d->len] = '\0';
}

static int on_row(void *payload, const sk_row *row)
{
    struct dump *d = payload;
    char head[32];
    size_t i;

    snprintf(head, sizeof(head), "%zu:[", row->line);
    put(d, head, strlen(head));
    for (i = 0; i < row->nfields; i++) {
        if (i)
            put(d, "|", 1);
        /* Long fields are shown by their length only. */
        if (row->len[i] > 64) {
            snprintf(head, sizeof(head), "<%zu bytes>", row->len[i]);
            put(d, head, strlen(head));
        } else {
            put(d, row->field[i], row->len[i]);
        }
    }
    put(d, "]\n", 2);
    return 0;
}

/* Notes go into the same dump, as "note: MESSAGE", in their place among
 * the rows. */
static void on_note(void *payload, const char *note)
{
    struct dump *d = payload;

    put(d, "note: ", 6);
    put(d, note, strlen(note));
    put(d, "\n", 1);
}

struct outcome {
    int rc;
    char msg[512];
    struct dump rows;
};

static void run(struct outcome *o, const char *buf, size_t len,
                const sk_table_opts *opts, size_t chunk)
{
    sk_table_reader *r = NULL;
    size_t at = 0;

    memset(o, 0, sizeof(*o));
    put(&o->rows, "", 0);
    sk_error_clear();
    sk_table_set_note_fn(on_note, &o->rows);
    o->rc = sk_table_reader_new(&r, "t.csv", opts, on_row, &o->rows);
    while (o->rc == 0 && at < len) {
        size_t n = chunk && len - at > chunk ? chunk : len - at;

        o->rc = sk_table_reader_feed(r, buf + at, n);
        at += n;
    }
    if (o->rc == 0)
        o->rc = sk_table_reader_finish(r);
    sk_table_reader_free(r);
    sk_table_set_note_fn(NULL, NULL);
    snprintf(o->msg, sizeof(o->msg), "%s", o->rc ? sk_error_last() : "");
}

struct tcase {
    const char *name;
    const char *in;
    size_t len;     /* 0: strlen(in) */
    unsigned flags;
    int rc;
    const char *want; /* rows dump on success, error message on failure */
};

#define S(x) x, sizeof(x) - 1

static const struct tcase cases[] = {
    {"simple", S("a,b\n1,2\n"), 0, 0, "1:[a|b]\n2:[1|2]\n"},
    {"crlf", S("a,b\r\n1,2\r\n3,4\r\n"), 0, 0,
     "1:[a|b]\n2:[1|2]\n3:[3|4]\n"},
    {"bom stripped", S("\xEF\xBB\xBF" "a,b\n1,2\n"), 0, 0,
     "1:[a|b]\n2:[1|2]\n"},
    {"bom only", S("\xEF\xBB\xBF"), 0, 0, ""},
    {"partial bom is data", S("\xEF\xBBx,b\n"), 0, 0,
     "1:[\xEF\xBBx|b]\n"},
    {"blank lines skipped", S("a,b\n\n1,2\n\n\n3,4\n\n"), 0, 0,
     "1:[a|b]\n3:[1|2]\n6:[3|4]\n"},
    {"only blank lines", S("\n\n\r\n"), 0, 0, ""},
    {"empty file", S(""), 0, 0, ""},
    {"header only", S("a,b,c\n"), 0, 0, "1:[a|b|c]\n"},
    {"no final newline", S("a,b\n1,2"), 0, 0, "1:[a|b]\n2:[1|2]\n"},
    {"embedded newline keeps line numbers",
     S("a,b\n\"x\ny\",1\n2,3\n"), 0, 0, "1:[a|b]\n2:[x\ny|1]\n4:[2|3]\n"},
    {"embedded crlf kept", S("a\n\"x\r\ny\"\n"), 0, 0, "1:[a]\n2:[x\r\ny]\n"},
    {"comma in quotes", S("a,b\n\"1,5\",2\n"), 0, 0, "1:[a|b]\n2:[1,5|2]\n"},
    {"doubled quotes", S("a\n\"say \"\"hi\"\"\"\n"), 0, 0,
     "1:[a]\n2:[say \"hi\"]\n"},
    {"empty quoted field", S("a,b\n\"\",2\n"), 0, 0, "1:[a|b]\n2:[|2]\n"},
    {"lone empty field row", S("a\n\"\"\n"), 0, 0, "1:[a]\n2:[]\n"},
    {"spaces kept", S("a,b\n 1 , x \n"), 0, 0, "1:[a|b]\n2:[ 1 | x ]\n"},
    {"quoted header", S("\"a,1\",b\n1,2\n"), 0, 0, "1:[a,1|b]\n2:[1|2]\n"},
    {"cr-only line ends", S("a,b\r1,2\r"), 0, 0, "1:[a|b]\n1:[1|2]\n"},
    {"non-utf8 bytes pass", S("a\n\xff\xfe\n"), 0, 0, "1:[a]\n2:[\xff\xfe]\n"},
    {"short row with flag", S("a,b,c\n1\n"), SK_TABLE_SHORT_ROWS, 0,
     "1:[a|b|c]\n2:[1]\n"},
    {"long row with flag", S("a\n1,2\n"), SK_TABLE_LONG_ROWS, 0,
     "1:[a]\n2:[1|2]\n"},
    {"duplicate names with flag", S("a,a\n1,2\n"), SK_TABLE_DUP_NAMES, 0,
     "1:[a|a]\n2:[1|2]\n"},
    /* A torn last row: no line end after it, begun on the last line,
     * incomplete.  Skipped with a note. */
#define TORN(n) "note: t.csv:" #n ": incomplete last row, probably cut by " \
                "a crash; skipped\n"
    {"torn: open quote at end of file", S("a,b,c\n1,2,3\n4,\"5"), 0, 0,
     "1:[a|b|c]\n2:[1|2|3]\n" TORN(3)},
    {"torn: open quote in the first field", S("a,b\n1,2\n\"3,4"), 0, 0,
     "1:[a|b]\n2:[1|2]\n" TORN(3)},
    {"torn: open quote right after the quote", S("a,b\n1,2\n3,\""), 0, 0,
     "1:[a|b]\n2:[1|2]\n" TORN(3)},
    {"torn: short row", S("a,b,c\n1,2,3\n4,5"), 0, 0,
     "1:[a|b|c]\n2:[1|2|3]\n" TORN(3)},
    {"torn: short row, one field", S("a,b,c\n1,2,3\n4"), 0, 0,
     "1:[a|b|c]\n2:[1|2|3]\n" TORN(3)},
    {"torn: short row even when short rows are allowed",
     S("a,b,c\n1\n4,5"), SK_TABLE_SHORT_ROWS, 0,
     "1:[a|b|c]\n2:[1]\n" TORN(3)},
    {"torn: after blank lines", S("a,b\n1,2\n\n\n3"), 0, 0,
     "1:[a|b]\n2:[1|2]\n" TORN(5)},
    {"torn: crlf file", S("a,b\r\n1,2\r\n3"), 0, 0,
     "1:[a|b]\n2:[1|2]\n" TORN(3)},
    {"torn: the only data row", S("a,b\n1"), 0, 0, "1:[a|b]\n" TORN(2)},
    {"torn: after a bom", S("\xEF\xBB\xBF" "a,b\n1,\"x"), 0, 0,
     "1:[a|b]\n" TORN(2)},
    {"not torn: complete, empty last cell", S("a,b,c\n1,2,"), 0, 0,
     "1:[a|b|c]\n2:[1|2|]\n"},
    {"not torn: closed quote at end of file", S("a,b\n1,\"2\""), 0, 0,
     "1:[a|b]\n2:[1|2]\n"},
    {"strict end: short last row delivered with the flag",
     S("a,b,c\n1,2,3\n4,5"), SK_TABLE_STRICT_END | SK_TABLE_SHORT_ROWS, 0,
     "1:[a|b|c]\n2:[1|2|3]\n3:[4|5]\n"},
    /* Malformed. */
    {"strict end: short last row", S("a,b,c\n1,2,3\n4,5"),
     SK_TABLE_STRICT_END, SK_EPARSE, "t.csv:3: row has 2 fields, header has 3"},
    {"strict end: open quote at end of file", S("a,b\n1,\"2"),
     SK_TABLE_STRICT_END, SK_EPARSE,
     "t.csv:2: end of file inside a quoted field that no quote closes"},
    {"open quote, then a final newline", S("a,b,c\n1,2,3\n4,\"5\n"), 0,
     SK_EPARSE,
     "t.csv:3: end of file inside a quoted field that no quote closes"},
    {"short last row, then a final newline", S("a,b,c\n1,2,3\n4,5\n"), 0,
     SK_EPARSE, "t.csv:3: row has 2 fields, header has 3"},
    {"short last row, then a final CR", S("a,b,c\n1,2,3\n4,5\r"), 0,
     SK_EPARSE, "t.csv:3: row has 2 fields, header has 3"},
    {"open quote, then a final CR", S("a,b\n1,\"2\r"), 0, SK_EPARSE,
     "t.csv:2: end of file inside a quoted field that no quote closes"},
    {"short row in the middle", S("a,b,c\n1,2\n3,4,5"), 0, SK_EPARSE,
     "t.csv:2: row has 2 fields, header has 3"},
    {"short row in the middle and a torn last row", S("a,b,c\n1,2\n3,4"), 0,
     SK_EPARSE, "t.csv:2: row has 2 fields, header has 3"},
    {"open quote spanning lines to end of file",
     S("a,b\n1,2\n3,\"x\n4,5\n6,7"), 0, SK_EPARSE,
     "t.csv:3: end of file inside a quoted field that no quote closes"},
    {"short last row begun on an earlier line", S("a,b,c\n1,\"x\ny\""), 0,
     SK_EPARSE, "t.csv:2: row has 2 fields, header has 3"},
    {"header cut: open quote", S("a,\"b"), 0, SK_EPARSE,
     "t.csv:1: end of file inside a quoted field that no quote closes"},
    {"long last row without a final newline", S("a,b\n1,2,3"), 0, SK_EPARSE,
     "t.csv:2: row has 3 fields, header has 2"},
    {"unterminated quote", S("a,b\n1,2\n\"3,4\n5,6\n"), 0, SK_EPARSE,
     "t.csv:3: end of file inside a quoted field that no quote closes"},
    {"unterminated quote in header", S("\"a,b\n"), 0, SK_EPARSE,
     "t.csv:1: end of file inside a quoted field that no quote closes"},
    {"quote inside unquoted field", S("a,b\n1,2\n3,x\"y\n"), 0, SK_EPARSE,
     "t.csv:3: bad quoting: a quote inside an unquoted field or text after "
     "a closing quote (quote the whole field, double inner quotes)"},
    {"text after closing quote", S("a,b\n\"1\"x,2\n"), 0, SK_EPARSE,
     "t.csv:2: bad quoting: a quote inside an unquoted field or text after "
     "a closing quote (quote the whole field, double inner quotes)"},
    {"ragged long row", S("a,b,c\n1,2,3\n4,5,6,7\n"), 0, SK_EPARSE,
     "t.csv:3: row has 4 fields, header has 3"},
    {"ragged short row", S("a,b,c\n1,2,3\n\n4,5\n"), 0, SK_EPARSE,
     "t.csv:4: row has 2 fields, header has 3"},
    {"trailing comma", S("a,b\n1,2,\n"), 0, SK_EPARSE,
     "t.csv:2: row has 3 fields, header has 2"},
    {"ragged row after embedded newline", S("a,b\n\"x\ny\"\n"), 0, SK_EPARSE,
     "t.csv:2: row has 1 fields, header has 2"},
    {"duplicate header names", S("a,b,a\n1,2,3\n"), 0, SK_EPARSE,
     "t.csv:1: duplicate column name 'a' (columns 1 and 3)"},
    {"nul byte", S("a,b\n1,2\n3,\0\n"), 0, SK_EPARSE,
     "t.csv:3: NUL byte in the data (is this a binary file?)"},
    {"binary garbage", S("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), 0, SK_EPARSE,
     "t.csv:3: NUL byte in the data (is this a binary file?)"},
    {"garbage with quotes", S("a\n\"\x01\x02\"\x03\n"), 0, SK_EPARSE,
     "t.csv:2: bad quoting: a quote inside an unquoted field or text after "
     "a closing quote (quote the whole field, double inner quotes)"},
};

static void test_catalogue(void)
{
    size_t i, chunk;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tcase *c = &cases[i];
        sk_table_opts opts = {0};
        struct outcome whole;

        opts.flags = c->flags;
        run(&whole, c->in, c->len, &opts, 0);
        if (whole.rc != c->rc)
            fprintf(stderr, "case '%s'\n", c->name);
        CHECK_INT(whole.rc, c->rc);
        if (c->rc == 0) {
            if (strcmp(whole.rows.s, c->want) != 0)
                fprintf(stderr, "case '%s'\n", c->name);
            CHECK_STR(whole.rows.s, c->want);
        } else {
            if (strcmp(whole.msg, c->want) != 0)
                fprintf(stderr, "case '%s'\n", c->name);
            CHECK_STR(whole.msg, c->want);
        }
        for (chunk = 1; chunk <= 7; chunk++) {
            struct outcome part;

            run(&part, c->in, c->len, &opts, chunk);
            if (part.rc != whole.rc || strcmp(part.msg, whole.msg) ||
                strcmp(part.rows.s, whole.rows.s))
                fprintf(stderr, "case '%s' in chunks of %zu differs\n",
                        c->name, chunk);
            CHECK_INT(part.rc, whole.rc);
            CHECK_STR(part.msg, whole.msg);
            CHECK_STR(part.rows.s, whole.rows.s);
            free(part.rows.s);
        }
        free(whole.rows.s);
    }
}

/* Field caps: 1,000,000 bytes fit the 1 MiB default, 2 MB do not, and a
 * field still open when it passes the cap is refused without buffering
 * the rest. */
static void test_field_caps(void)
{
    size_t n = 2000000;
    char *buf = malloc(n + 16);
    struct outcome o;
    sk_table_opts small = {0};

    memcpy(buf, "a,b\n1,", 6);
    memset(buf + 6, 'x', 1000000);
    memcpy(buf + 6 + 1000000, "\n", 1);
    run(&o, buf, 6 + 1000000 + 1, NULL, 0);
    CHECK_INT(o.rc, 0);
    CHECK_STR(o.rows.s, "1:[a|b]\n2:[1|<1000000 bytes>]\n");
    free(o.rows.s);

    memset(buf + 6, 'x', n);
    memcpy(buf + 6 + n, "\n", 1);
    run(&o, buf, 6 + n + 1, NULL, 0);
    CHECK_INT(o.rc, SK_ELIMIT);
    CHECK_STR(o.msg, "t.csv:2: field over the limit of 1048576 bytes");
    free(o.rows.s);

    /* Quoted and unterminated: the cap still applies. */
    buf[6] = '"';
    run(&o, buf, 6 + n, NULL, 4096);
    CHECK_INT(o.rc, SK_ELIMIT);
    free(o.rows.s);

    small.max_fields = 3;
    run(&o, "a,b,c,d\n", 8, &small, 0);
    CHECK_INT(o.rc, SK_ELIMIT);
    CHECK_STR(o.msg, "t.csv:1: row has more than 3 fields");
    free(o.rows.s);

    small.max_fields = 0;
    small.max_field_bytes = 4;
    run(&o, "a,b\nabcd,abcde\n", 15, &small, 0);
    CHECK_INT(o.rc, SK_ELIMIT);
    CHECK_STR(o.msg, "t.csv:2: field 2 is 5 bytes, over the limit of 4");
    free(o.rows.s);
    free(buf);
}

static int stop_at_two(void *payload, const sk_row *row)
{
    (void)payload;
    if (row->index == 2)
        return sk_error_set(SK_EINVAL, "stop at %zu", row->index);
    return 0;
}

static void test_callback_stops(void)
{
    const char in[] = "a\n1\n2\n3\n";

    CHECK_INT(sk_table_stream_buffer("t.csv", in, strlen(in), NULL,
                                     stop_at_two, NULL),
              SK_EINVAL);
    CHECK_STR(sk_error_last(), "stop at 2");
}

static int want_column(void *payload, const sk_row *row)
{
    size_t *idx = payload;

    if (row->index == 0) {
        CHECK_INT(sk_table_column(&idx[0], row, "b"), 0);
        CHECK_INT(sk_table_column(&idx[1], row, "zz"), SK_ENOTFOUND);
        CHECK_STR(sk_error_last(), "t.csv: no column 'zz'; available: a, b, c");
    }
    return 0;
}

static void test_column_lookup(void)
{
    size_t idx[2] = {99, 99};
    char list[16];
    const char *names[] = {"alpha", "beta", "gamma"};

    CHECK_INT(sk_table_stream_buffer("t.csv", "a,b,c\n", 6, NULL,
                                     want_column, idx),
              0);
    CHECK_INT(idx[0], 1);
    sk_table_join_names(list, sizeof(list), names, 3);
    CHECK_STR(list, "alpha, beta,...");
}

/* Dialects: the delimiter told from the header, or forced. */
static int count_fields(void *payload, const sk_row *row)
{
    size_t *n = payload;

    if (row->index == 0)
        *n = row->nfields;
    return 0;
}

static void test_dialects(void)
{
    static const struct {
        const char *in;
        size_t want;
    } cases[] = {
        {"a;b;c\n1;2,5;3\n", 3},           /* decimal commas in data */
        {"a\tb\n1\t2\n", 2},
        {"a,b;c\n1,2;3\n", 2},             /* a tie goes to ',' */
        {"\"x;y\";b;c\n1;2;3\n", 3},       /* quoted ';' not counted */
        {"\"a,b\";c\n1;2\n", 2},
        {"single\n1\n", 1},
    };
    const char *one[] = {"a;b;c"};
    size_t i, n;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = 0;
        CHECK_INT(sk_table_stream_buffer("t.csv", cases[i].in,
                                         strlen(cases[i].in), NULL,
                                         count_fields, &n),
                  0);
        CHECK_INT(n, cases[i].want);
    }
    /* told the same when the header arrives in one-byte feeds */
    {
        const char in[] = "a;b;c\n1;2;3\n";
        sk_table_reader *r = NULL;
        size_t k;

        n = 0;
        CHECK_INT(sk_table_reader_new(&r, "t.csv", NULL, count_fields, &n), 0);
        for (k = 0; r && k < strlen(in); k++)
            CHECK_INT(sk_table_reader_feed(r, in + k, 1), 0);
        CHECK_INT(sk_table_reader_finish(r), 0);
        sk_table_reader_free(r);
        CHECK_INT(n, 3);
    }
    /* forced: the header is then one field */
    CHECK_INT(sk_table_set_delimiter(','), 0);
    n = 0;
    CHECK_INT(sk_table_stream_buffer("t.csv", "a;b;c\n", 6, NULL,
                                     count_fields, &n),
              0);
    CHECK_INT(n, 1);
    CHECK_INT(sk_table_set_delimiter('x'), SK_EINVAL);
    CHECK_INT(sk_table_set_delimiter(0), 0);
    CHECK_INT(sk_table_no_column("t.csv", "a", one, 1), SK_ENOTFOUND);
    CHECK_STR(sk_error_last(), "t.csv: no column 'a'; available: a;b;c (one "
                               "column: is the delimiter ';'? give "
                               "--delimiter ';')");
    /* JSON is not CSV */
    CHECK_INT(sk_table_stream_buffer("r.json", "  {\"a\": 1}\n", 11, NULL,
                                     count_fields, &n),
              SK_EPARSE);
    CHECK_STR(sk_error_last(), "r.json: this is JSON, not CSV: give the "
                               "sweep's CSV file (a summary or a per-query "
                               "file)");
    {
        char d = 0;

        CHECK_INT(sk_table_parse_delimiter(&d, "tab"), 0);
        CHECK_INT(d, '\t');
        CHECK_INT(sk_table_parse_delimiter(&d, ";"), 0);
        CHECK_INT(d, ';');
        CHECK_INT(sk_table_parse_delimiter(&d, ";;"), SK_EINVAL);
    }
}

static void test_files(void)
{
    const char *dir = getenv("SK_FIXTURES");
    char path[1024];
    struct dump d = {0};
    int rc;

    rc = sk_table_stream_file("/nonexistent/x.csv", NULL, on_row, &d);
    CHECK_INT(rc, SK_ENOTFOUND);
    CHECK_STR(sk_error_last(),
              "/nonexistent/x.csv: cannot open: No such file or directory");
    /* A torn last row of a file read in pieces: the same note. */
    {
        char tmpl[] = "/tmp/sk_table_XXXXXX";
        const char in[] = "a,b\n1,2\n3";
        int fd = mkstemp(tmpl);
        struct dump notes = {0};

        CHECK(fd >= 0 && write(fd, in, strlen(in)) == (ssize_t)strlen(in));
        close(fd);
        put(&d, "", 0);
        put(&notes, "", 0);
        sk_table_set_note_fn(on_note, &notes);
        CHECK_INT(sk_table_stream_file(tmpl, NULL, on_row, &d), 0);
        sk_table_set_note_fn(NULL, NULL);
        CHECK_STR(d.s, "1:[a|b]\n2:[1|2]\n");
        snprintf(path, sizeof(path),
                 "note: %s:3: incomplete last row, probably cut by a crash; "
                 "skipped\n",
                 tmpl);
        CHECK_STR(notes.s, path);
        /* No note function: the row is still skipped, silently. */
        d.len = 0;
        CHECK_INT(sk_table_stream_file(tmpl, NULL, on_row, &d), 0);
        CHECK_STR(d.s, "1:[a|b]\n2:[1|2]\n");
        unlink(tmpl);
        free(notes.s);
        free(d.s);
        d.s = NULL;
        d.len = d.cap = 0;
    }
    if (!dir)
        return;
    snprintf(path, sizeof(path), "%s/per_query.csv", dir);
    put(&d, "", 0);
    CHECK_INT(sk_table_stream_file(path, NULL, on_row, &d), 0);
    /* 20 queries, three prompts with an embedded newline: 24 lines. */
    CHECK(strstr(d.s, "\n24:[4|19|") != NULL);
    free(d.s);
}

int main(void)
{
    test_catalogue();
    test_field_caps();
    test_callback_stops();
    test_column_lookup();
    test_dialects();
    test_files();
    return sk_test_done("table");
}
