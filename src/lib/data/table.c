/*
 * The CSV table core on libcsv.
 *
 * libcsv does the RFC 4180 work (quoting, embedded line ends, CR/LF) in
 * strict mode; this file adds what libcsv does not know: line numbers for
 * messages, the header, row-shape checks, size caps and the byte-order mark.
 *
 * Line numbers: libcsv reports no positions, so input is fed to it in
 * segments that end at each '\n'; the physical line advances after each
 * such segment.  A row's first line is the line on which its first field
 * ends minus the line feeds inside that field.
 *
 * A torn last row (table.h) is told by three facts only the end of input
 * shows: the last byte fed is no line end, libcsv's row is the one
 * csv_fini() submits (or the quoted field it refuses to close), and that
 * row began on the last line.  All three are the same however the input
 * was cut into feeds.
 */
#include "table_int.h"

#include "sweepkit/error.h"
#include "sweepkit/foreign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest piece handed to csv_parse() at once: bounds how far a field may
 * grow past its cap before the cap is noticed. */
#define SEGMENT_BYTES ((size_t)64 * 1024)
#define READ_BYTES ((size_t)256 * 1024)


static _Thread_local char forced_delim; /* 0: tell from the header */
static _Thread_local unsigned default_threads;
static _Thread_local sk_table_note_fn note_fn;
static _Thread_local void *note_payload;

void sk_table_set_threads(unsigned threads)
{
    default_threads = threads;
}

unsigned sk_table_threads(unsigned threads)
{
    return threads ? threads : default_threads ? default_threads : 1;
}

void *sk_table_alloc_lines(size_t size)
{
    size_t n = (size + SK_TABLE_LINE_BYTES - 1) / SK_TABLE_LINE_BYTES *
               SK_TABLE_LINE_BYTES;
    void *p;

    if (n < size || posix_memalign(&p, SK_TABLE_LINE_BYTES, n ? n : 1) != 0)
        return NULL;
    memset(p, 0, n ? n : 1);
    return p;
}

void sk_table_set_note_fn(sk_table_note_fn fn, void *payload)
{
    note_fn = fn;
    note_payload = payload;
}

/* The one place the torn-row note is worded. */
static void note_torn(const sk_table_reader *r, size_t line)
{
    char msg[1200];

    if (!note_fn)
        return;
    snprintf(msg, sizeof(msg),
             "%s:%zu: incomplete last row, probably cut by a crash; skipped",
             r->name, line);
    note_fn(note_payload, msg);
}

/* Whether a row left incomplete at the end of input, begun on line
 * `start`, is a torn last row to skip (table.h). */
static int torn(const sk_table_reader *r, size_t start)
{
    return !(r->flags & SK_TABLE_STRICT_END) && r->rows > 0 &&
           !r->ends_line && start == r->line;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0; /* keep spaces: Python's csv module keeps them too */
}

static int fail(sk_table_reader *r, int code)
{
    if (!r->err)
        r->err = code;
    return r->err;
}

static size_t count_lf(const char *s, size_t n)
{
    size_t k = 0;
    const char *end = s + n;

    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        k++;
        s++;
    }
    return k;
}

static int grow_fields(sk_table_reader *r)
{
    size_t cap = r->fields_cap ? r->fields_cap * 2 : 64;
    size_t *off, *len;
    const char **ptr;

    if (cap > r->max_fields)
        cap = r->max_fields;
    off = realloc(r->off, cap * sizeof(*off));
    if (off)
        r->off = off;
    len = realloc(r->len, cap * sizeof(*len));
    if (len)
        r->len = len;
    ptr = realloc(r->ptr, cap * sizeof(*ptr));
    if (ptr)
        r->ptr = ptr;
    if (!off || !len || !ptr)
        return fail(r, sk_error_set(SK_ENOMEM, "%s: out of memory",
                                    r->name));
    r->fields_cap = cap;
    return 0;
}

static void on_field(void *s, size_t n, void *data)
{
    sk_table_reader *r = data;
    size_t need;

    if (r->err)
        return;
    if (r->nfields == 0)
        r->row_line = r->line - count_lf(s, n);
    if (n > r->max_field_bytes) {
        fail(r, sk_error_set(SK_ELIMIT,
                             "%s:%zu: field %zu is %zu bytes, over the "
                             "limit of %zu",
                             r->name, r->line, r->nfields + 1, n,
                             r->max_field_bytes));
        return;
    }
    if (r->nfields == r->max_fields) {
        fail(r, sk_error_set(SK_ELIMIT,
                             "%s:%zu: row has more than %zu fields",
                             r->name, r->row_line, r->max_fields));
        return;
    }
    if (r->nfields == r->fields_cap && grow_fields(r) != 0)
        return;
    need = r->buf_len + n + 1;
    if (need > r->max_row_bytes) {
        fail(r, sk_error_set(SK_ELIMIT,
                             "%s:%zu: row is over the limit of %zu bytes",
                             r->name, r->row_line, r->max_row_bytes));
        return;
    }
    if (need > r->buf_cap) {
        size_t cap = r->buf_cap ? r->buf_cap : 4096;
        char *b;

        while (cap < need)
            cap *= 2;
        if (cap > r->max_row_bytes)
            cap = r->max_row_bytes;
        b = realloc(r->buf, cap);
        if (!b) {
            fail(r, sk_error_set(SK_ENOMEM, "%s: out of memory", r->name));
            return;
        }
        r->buf = b;
        r->buf_cap = cap;
    }
    if (n)
        memcpy(r->buf + r->buf_len, s, n);
    r->buf[r->buf_len + n] = '\0';
    r->off[r->nfields] = r->buf_len;
    r->len[r->nfields] = n;
    r->nfields++;
    r->buf_len += n + 1;
}

static int check_header(sk_table_reader *r)
{
    size_t i, j;

    if (r->flags & SK_TABLE_DUP_NAMES)
        return 0;
    for (i = 0; i < r->nfields; i++)
        for (j = i + 1; j < r->nfields; j++)
            if (r->len[i] == r->len[j] &&
                memcmp(r->ptr[i], r->ptr[j], r->len[i]) == 0)
                return sk_error_set(SK_EPARSE,
                                    "%s:%zu: duplicate column name '%s' "
                                    "(columns %zu and %zu)",
                                    r->name, r->row_line, r->ptr[i], i + 1,
                                    j + 1);
    return 0;
}

static void on_row(int c, void *data)
{
    sk_table_reader *r = data;
    sk_row row;
    size_t i;
    int rc;

    if (r->err || r->nfields == 0)
        return;
    /* c == -1: the row csv_fini() submits, which had no line end. */
    if (c == -1 && r->nfields < r->header_fields && torn(r, r->row_line)) {
        note_torn(r, r->row_line);
        r->nfields = 0;
        r->buf_len = 0;
        return;
    }
    for (i = 0; i < r->nfields; i++)
        r->ptr[i] = r->buf + r->off[i];

    if (r->rows == 0) {
        if ((rc = check_header(r)) != 0) {
            fail(r, rc);
            return;
        }
        r->header_fields = r->nfields;
    } else if ((r->nfields < r->header_fields &&
                !(r->flags & SK_TABLE_SHORT_ROWS)) ||
               (r->nfields > r->header_fields &&
                !(r->flags & SK_TABLE_LONG_ROWS))) {
        fail(r, sk_error_set(SK_EPARSE,
                             "%s:%zu: row has %zu fields, header has %zu",
                             r->name, r->row_line, r->nfields,
                             r->header_fields));
        return;
    }

    row.field = r->ptr;
    row.len = r->len;
    row.nfields = r->nfields;
    row.line = r->row_line;
    row.index = r->rows++;
    row.name = r->name;
    if ((rc = r->fn(r->payload, &row)) != 0)
        fail(r, rc);
    r->last_row_line = r->line;
    r->nfields = 0;
    r->buf_len = 0;
}

int sk_table_reader_new(sk_table_reader **out, const char *name,
                        const sk_table_opts *opts, sk_row_fn fn,
                        void *payload)
{
    sk_table_reader *r;

    *out = NULL;
    r = sk_table_alloc_lines(sizeof(*r));
    if (!r || csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(r);
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    }
    csv_set_space_func(&r->csv, never_space);
    csv_set_blk_size(&r->csv, SEGMENT_BYTES);
    r->name = name;
    r->fn = fn;
    r->payload = payload;
    r->flags = opts ? opts->flags : 0;
    r->max_field_bytes = opts && opts->max_field_bytes
                             ? opts->max_field_bytes
                             : SK_TABLE_MAX_FIELD_BYTES;
    r->max_fields = opts && opts->max_fields ? opts->max_fields
                                             : SK_TABLE_MAX_FIELDS;
    /* A row may hold a few maximal fields, not max_fields of them. */
    r->max_row_bytes = 16 * r->max_field_bytes;
    r->line = 1;
    *out = r;
    return 0;
}

int sk_table__reader_clone(sk_table_reader **io, const sk_table_reader *tpl,
                           void *payload, size_t line, size_t fed)
{
    sk_table_opts o = {tpl->flags, tpl->max_field_bytes, tpl->max_fields, 0,
                       NULL};
    sk_table_reader *r = *io;
    int rc;

    if (!r && (rc = sk_table_reader_new(io, tpl->name, &o, tpl->fn,
                                        payload)) != 0)
        return rc;
    if (r) { /* used before: its buffers kept, its state forgotten */
        r->csv.pstate = 0;
        r->csv.quoted = 0;
        r->csv.spaces = 0;
        r->csv.entry_pos = 0;
        r->csv.status = 0;
        free(r->head);
        r->head = NULL;
        r->head_len = 0;
        r->nfields = 0;
        r->buf_len = 0;
        r->row_line = 0;
        r->ends_line = 0;
        r->err = 0;
        r->payload = payload;
    }
    r = *io;
    r->delim = tpl->delim;
    csv_set_delim(&r->csv, (unsigned char)r->delim);
    r->header_fields = tpl->header_fields;
    r->rows = 1; /* the header's place: data rows count from 1 */
    r->line = line;
    r->fed = fed;
    r->last_row_line = 0;
    r->bom_seen = -1;
    return 0;
}

int sk_table__reader_clean(const sk_table_reader *r)
{
    /* libcsv's ROW_NOT_BEGUN is 0 */
    return !r->err && r->nfields == 0 && r->csv.pstate == 0 &&
           r->csv.entry_pos == 0 && !r->head;
}

void sk_table_reader_free(sk_table_reader *r)
{
    if (!r)
        return;
    csv_free(&r->csv);
    free(r->head);
    free(r->buf);
    free(r->off);
    free(r->len);
    free(r->ptr);
    free(r);
}

/* Hand one segment (no '\n' except possibly as its last byte) to libcsv. */
/*
 * Parse one segment: bytes up to a '\n', a SEGMENT_BYTES boundary of the
 * whole input, or the end of a feed.  What a bad input gives must not
 * depend on where feeds end, so a NUL is met where it stands (the bytes
 * before it are parsed first), and the cap on a field still open is
 * tested only where the segment ends for a reason of the input's own
 * (`own_end`: a '\n' or an absolute SEGMENT_BYTES boundary), which also
 * bounds what an open field can buffer.
 */
int sk_table_set_delimiter(char delim)
{
    if (delim && !strchr(",;\t|", delim))
        return sk_error_set(SK_EINVAL, "a delimiter is one of , ; | and TAB");
    forced_delim = delim;
    return 0;
}

int sk_table_parse_delimiter(char *out, const char *text)
{
    if (strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0 ||
        strcmp(text, "\t") == 0)
        *out = '\t';
    else if (strlen(text) == 1 && strchr(",;|", text[0]))
        *out = text[0];
    else
        return sk_error_set(SK_EINVAL,
                            "--delimiter: expected ',', ';', '|' or 'tab', "
                            "got '%.40s'",
                            text);
    return 0;
}

/* The delimiter of the header line `s` (n bytes): the most frequent of
 * ',', ';' and TAB outside quotes; ',' on a tie or when there is none. */
static char tell_delimiter(const char *s, size_t n)
{
    static const char cand[3] = {',', ';', '\t'};
    size_t count[3] = {0, 0, 0}, i, k, best = 0;
    int quoted = 0;

    for (i = 0; i < n && s[i] != '\n'; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            for (k = 0; k < 3; k++)
                count[k] += s[i] == cand[k];
    }
    for (k = 1; k < 3; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

/* The first bytes of the input decide its dialect; JSON is refused with
 * what it is. */
static int first_segment(sk_table_reader *r, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && strchr(" \t\r\n", s[i]))
        i++;
    if (i < n && (s[i] == '{' || s[i] == '['))
        return fail(r, sk_error_set(SK_EPARSE,
                                    "%s: this is JSON, not CSV: give the "
                                    "sweep's CSV file (a summary or a "
                                    "per-query file)",
                                    r->name));
    r->delim = forced_delim ? forced_delim : tell_delimiter(s, n);
    csv_set_delim(&r->csv, (unsigned char)r->delim);
    return 0;
}

static int parse_now(sk_table_reader *r, const char *s, size_t n,
                     int own_end)
{
    const char *nul = memchr(s, '\0', n);
    size_t k = nul ? (size_t)(nul - s) : n;

    if (!r->delim && first_segment(r, s, k) != 0)
        return r->err;

    r->fed += n;
    if (k > 0 && csv_parse(&r->csv, s, k, on_field, on_row, r) != k &&
        !r->err)
        return fail(r, sk_error_set(SK_EPARSE,
                                    "%s:%zu: bad quoting: a quote inside an "
                                    "unquoted field or text after a closing "
                                    "quote (quote the whole field, double "
                                    "inner quotes)",
                                    r->name, r->line));
    if (r->err)
        return r->err;
    if (nul)
        return fail(r, sk_error_set(SK_EPARSE,
                                    "%s:%zu: NUL byte in the data (is this "
                                    "a binary file?)",
                                    r->name, r->line));
    /* A field still open (no delimiter yet) that already passed its cap:
     * stop here rather than buffer the rest of it.  + 1: libcsv holds a
     * quoted field's closing quote there until the next byte. */
    if (own_end && r->csv.entry_pos > r->max_field_bytes + 1)
        return fail(r, sk_error_set(SK_ELIMIT,
                                    "%s:%zu: field over the limit of %zu "
                                    "bytes",
                                    r->name, r->line, r->max_field_bytes));
    r->ends_line = s[n - 1] == '\n' || s[n - 1] == '\r';
    if (s[n - 1] == '\n')
        r->line++;
    return 0;
}

/* The first segment's pieces wait until it ends (a line end, a NUL, the
 * first SEGMENT_BYTES, or the end of the input: `last`), so the dialect
 * is told from the same bytes however the input was cut into feeds; then
 * it is parsed as one segment. */
static int parse_segment(sk_table_reader *r, const char *s, size_t n,
                         int own_end)
{
    char *cat;
    size_t len;
    int rc;

    if (r->delim)
        return parse_now(r, s, n, own_end);
    if (!own_end && !memchr(s, '\0', n)) {
        if (!(cat = realloc(r->head, r->head_len + n + 1)))
            return fail(r, sk_error_set(SK_ENOMEM, "%s: out of memory",
                                        r->name));
        memcpy(cat + r->head_len, s, n);
        r->head = cat;
        r->head_len += n;
        r->fed += n; /* the feed loop's segment boundaries count it */
        return 0;
    }
    len = r->head_len + n;
    if (!(cat = malloc(len ? len : 1)))
        return fail(r, sk_error_set(SK_ENOMEM, "%s: out of memory", r->name));
    if (r->head_len)
        memcpy(cat, r->head, r->head_len);
    memcpy(cat + r->head_len, s, n);
    r->fed -= r->head_len; /* parse_now() counts the whole segment */
    free(r->head);
    r->head = NULL;
    r->head_len = 0;
    rc = parse_now(r, cat, len, own_end);
    free(cat);
    return rc;
}

/* The input ended inside the first segment: parse what was held. */
static int flush_head(sk_table_reader *r)
{
    char *s = r->head;
    size_t n = r->head_len;
    int rc;

    if (r->delim || n == 0)
        return 0;
    r->head = NULL;
    r->head_len = 0;
    r->fed -= n;
    rc = parse_now(r, s, n, 0);
    free(s);
    return rc;
}

int sk_table_reader_feed(sk_table_reader *r, const char *data, size_t len)
{
    static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

    if (r->err)
        return r->err;
    /* Drop a UTF-8 byte-order mark, even when it arrives in pieces. */
    while (r->bom_seen >= 0 && r->bom_seen < 3 && len > 0) {
        if (data[0] != bom[r->bom_seen]) {
            int matched = r->bom_seen;

            r->bom_seen = -1;
            if (matched && parse_segment(r, bom, (size_t)matched, 0) != 0)
                return r->err;
            break;
        }
        r->bom_seen++;
        data++;
        len--;
    }
    if (r->bom_seen == 3)
        r->bom_seen = -1;

    while (len > 0) {
        size_t room = SEGMENT_BYTES - r->fed % SEGMENT_BYTES;
        size_t seg = len < room ? len : room;
        const char *nl = memchr(data, '\n', seg);

        if (nl)
            seg = (size_t)(nl - data) + 1;
        if (parse_segment(r, data, seg, nl != NULL || seg == room) != 0)
            return r->err;
        data += seg;
        len -= seg;
    }
    return 0;
}

int sk_table_reader_finish(sk_table_reader *r)
{
    if (r->err)
        return r->err;
    if (r->bom_seen > 0 && parse_segment(r, "\xEF\xBB\xBF",
                                         (size_t)r->bom_seen, 0) != 0)
        return r->err;
    if (flush_head(r) != 0)
        return r->err;
    if (csv_fini(&r->csv, on_field, on_row, r) != 0 && !r->err) {
        /* A quoted field left open; its row began on row_line when an
         * earlier field of it was delivered, else where the open field
         * began. */
        size_t start = r->row_line;

        if (r->nfields == 0)
            start = r->line - (r->csv.entry_pos
                                   ? count_lf((const char *)r->csv.entry_buf,
                                              r->csv.entry_pos)
                                   : 0);

        if (torn(r, start)) {
            note_torn(r, start);
            return 0;
        }
        /* The open field's row starts after the last complete row. */
        return fail(r, sk_error_set(SK_EPARSE,
                                    "%s:%zu: end of file inside a quoted "
                                    "field that no quote closes",
                                    r->name, r->last_row_line + 1));
    }
    return r->err;
}

int sk_table_stream_buffer(const char *name, const char *buf, size_t len,
                           const sk_table_opts *opts, sk_row_fn fn,
                           void *payload)
{
    sk_table_reader *r = NULL;
    int rc;

    if ((rc = sk_table_reader_new(&r, name, opts, fn, payload)) != 0)
        return rc;
    if ((rc = sk_table_reader_feed(r, buf, len)) == 0)
        rc = sk_table_reader_finish(r);
    sk_table_reader_free(r);
    return rc;
}

/* Another tool's result (foreign.h), read into sweepkit's CSV and
 * streamed from memory under the file's name. */
static int stream_foreign(const char *path, const sk_table_opts *opts,
                          sk_row_fn fn, void *payload)
{
    char *csv;
    size_t len;
    int rc = sk_foreign_read(&csv, &len, path,
                             !opts                               ? SK_FOREIGN_SUMMARY
                             : (opts->flags & SK_TABLE_QUERIES) ? SK_FOREIGN_QUERIES
                             : (opts->flags & SK_TABLE_SWEEP)   ? SK_FOREIGN_SWEEP
                                                                : SK_FOREIGN_SUMMARY);

    if (rc != 0)
        return rc;
    rc = sk_table_stream_buffer(path, csv, len, opts, fn, payload);
    free(csv);
    return rc;
}

/* Whether the first bytes of the open file `fd` are another tool's
 * result; the file offset is put back at 0. */
static int foreign_file(int fd)
{
    char *head = malloc(SK_FOREIGN_SNIFF_BYTES);
    ssize_t got = head ? pread(fd, head, SK_FOREIGN_SNIFF_BYTES, 0) : -1;
    int yes = got > 0 &&
              sk_foreign_sniff(head, (size_t)got) != SK_FOREIGN_NONE;

    free(head);
    return yes;
}

int sk_table_stream_file(const char *path, const sk_table_opts *opts,
                         sk_row_fn fn, void *payload)
{
    sk_table_reader *r = NULL;
    char *chunk = NULL;
    int fd = -1, rc;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    unsigned threads = sk_table_threads(opts ? opts->threads : 0);
    struct stat st;

    if (is_stdin) {
        fd = STDIN_FILENO;
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return sk_error_set(errno == ENOENT ? SK_ENOTFOUND : SK_EIO,
                            "%s: cannot open: %s", path, strerror(errno));
    } else if (fstat(fd, &st) != 0) {
        rc = sk_error_set(SK_EIO, "%s: cannot read: %s", path,
                          strerror(errno));
        close(fd);
        return rc;
    } else if (S_ISDIR(st.st_mode) && sk_foreign_dir(path)) {
        /* a directory of another tool's per-level results: one sweep */
        close(fd);
        return stream_foreign(path, opts, fn, payload);
    } else if (!S_ISDIR(st.st_mode) && foreign_file(fd)) {
        close(fd);
        return stream_foreign(path, opts, fn, payload);
    }
    if ((rc = sk_table_reader_new(&r, name, opts, fn, payload)) != 0)
        goto done;
    if (opts && opts->parts && threads > 1) {
        rc = sk_table__stream_parallel(r, fd, opts, threads);
        goto done;
    }
    if (!(chunk = malloc(READ_BYTES))) {
        rc = sk_error_set(SK_ENOMEM, "%s: out of memory", name);
        goto done;
    }
    for (;;) {
        ssize_t got = read(fd, chunk, READ_BYTES);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = sk_error_set(SK_EIO, "%s: read failed: %s", name,
                              strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        if ((rc = sk_table_reader_feed(r, chunk, (size_t)got)) != 0)
            goto done;
    }
    rc = sk_table_reader_finish(r);

done:
    free(chunk);
    sk_table_reader_free(r);
    if (fd >= 0 && !is_stdin)
        close(fd);
    return rc;
}

void sk_table_join_names(char *buf, size_t cap, const char *const *names,
                         size_t n)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                         names[i]);

        if (w < 0 || (size_t)w >= cap - used) {
            if (cap >= 4)
                memcpy(buf + cap - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

int sk_table_no_column(const char *file, const char *name,
                       const char *const *names, size_t n)
{
    char list[512], hint[96] = "";
    const char *d;

    sk_table_join_names(list, sizeof(list), names, n);
    /* One column holding what looks like several: the wrong delimiter. */
    if (n == 1 && (d = strpbrk(names[0], ",;\t|")) != NULL)
        snprintf(hint, sizeof(hint),
                 " (one column: is the delimiter '%s'? give --delimiter %s)",
                 *d == '\t' ? "TAB" : (char[]){*d, '\0'},
                 *d == '\t' ? "tab" : *d == ';' ? "';'" : *d == '|' ? "'|'"
                                                                   : ",");
    return sk_error_set(SK_ENOTFOUND, "%s: no column '%s'; available: %s%s",
                        file, name, list, hint);
}

int sk_table_column(size_t *out, const sk_row *header, const char *name)
{
    size_t i;

    for (i = 0; i < header->nfields; i++) {
        if (strcmp(header->field[i], name) == 0) {
            *out = i;
            return 0;
        }
    }
    return sk_table_no_column(header->name, name, header->field,
                              header->nfields);
}

int sk_row_not_a_number(const sk_row *row, const char *field, size_t c)
{
    enum { QUOTE_MAX = 40 };
    const char *cell = row->field[c];
    size_t n = row->len[c];
    int cut = n > QUOTE_MAX;

    if (cut) { /* cut at a UTF-8 character boundary */
        n = QUOTE_MAX;
        while (n > 0 && ((unsigned char)cell[n] & 0xC0) == 0x80)
            n--;
    }
    return sk_error_set(SK_EPARSE,
                        "%s:%zu: column '%s': '%.*s%s' is not a finite "
                        "number",
                        row->name, row->line, field, (int)n, cell,
                        cut ? "..." : "");
}
