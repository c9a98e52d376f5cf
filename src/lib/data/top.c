/*
 * `top`: one streaming pass.  Each data row updates the column widths and
 * competes for a place in a bounded heap of the best `count` rows; nothing
 * else is kept, so memory depends on `count` and the longest row only.
 *
 * Sort order (see top.h): class first (number < NaN < text), then value or
 * bytes in the requested direction, then file order.  Comparing UTF-8 bytes
 * orders text by code point, as Python compares str.
 */
#include "sweepkit/top.h"

#include "sweepkit/error.h"
#include "sweepkit/json.h"
#include "sweepkit/num.h"
#include "sweepkit/table.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MISSING SIZE_MAX /* length of a cell a short row lacks */
static const char none_text[] = "None"; /* how Python prints it */

enum { CLASS_NUMBER, CLASS_NAN, CLASS_TEXT };

struct column {
    char *name;
    size_t name_len;
    size_t name_width;
    size_t src;   /* index of the cell in a row */
    size_t width; /* longest printed cell so far, or the name */
    int is_source; /* the file name column (opts.source), not a cell */
};

/* A row that made it into the selection, cells copied. */
struct kept {
    size_t seq;
    int cls;
    double value;
    const char *key; /* text key (CLASS_TEXT), inside `data` */
    size_t key_len;
    size_t *len;     /* per shown column; MISSING for a missing cell */
    char **cell;
};

/* One group of --group-by: its key (the group cells joined by US) and the
 * heap of its best rows, swapped into sk_top's heap while a row of it is
 * considered. */
struct group {
    char *key;
    size_t key_len;
    struct kept **heap;
    size_t nheap;
};

struct sk_top {
    const sk_top_opts *opts;
    const char *field;      /* the sort column: opts->field or the default */
    const char *first_name; /* file whose header the others must match */
    char **header;          /* that header, copied */
    size_t nheader;
    struct column *cols;
    size_t ncols;
    size_t key_src;
    int key_missing;
    size_t *filter_src;
    struct kept **heap; /* max-heap: heap[0] is the worst kept row */
    size_t nheap;
    size_t rows;  /* data rows that passed the filters */
    size_t read;  /* data rows read */
    size_t seq;
    size_t short_rows, long_rows;
    char short_where[300], long_where[300];
    char warning[700];
    char *owned_first_name;
    char **names;  /* each file's name, as its rows print in `source` */
    size_t *name_width;
    size_t nnames; /* files whose header was read; the last is current */
    int ints;      /* whole numbers print as integers (not compat) */
    size_t *group_src;     /* cells of the group columns */
    struct group *groups;  /* in order of first appearance */
    size_t ngroups, cur;   /* cur: the group whose heap is t->heap */
    char *keybuf;
    size_t keycap;
    int is_part; /* a part (table.h): the configuration is borrowed */
};

static int order(const sk_top *t, const struct kept *a, const struct kept *b)
{
    int c = 0;

    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    if (a->cls == CLASS_NUMBER) {
        c = (a->value > b->value) - (a->value < b->value);
    } else if (a->cls == CLASS_TEXT) {
        size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;

        c = memcmp(a->key, b->key, n);
        if (c == 0)
            c = (a->key_len > b->key_len) - (a->key_len < b->key_len);
        c = (c > 0) - (c < 0);
    }
    if (t->opts->descending)
        c = -c;
    if (c)
        return c;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

int sk_top_new(sk_top **out, const sk_top_opts *opts)
{
    sk_top *t;

    *out = NULL;
    /* on lines of its own: a part's are written on a worker thread */
    if (!(t = sk_table_alloc_lines(sizeof(*t))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    t->opts = opts;
    t->ints = !opts->compat;
    if (opts->nfilters &&
        !(t->filter_src = calloc(opts->nfilters, sizeof(size_t)))) {
        free(t);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    if (opts->count && !(t->heap = calloc(opts->count < 1024 ? opts->count
                                                             : 1024,
                                          sizeof(*t->heap)))) {
        free(t->filter_src);
        free(t);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    *out = t;
    return 0;
}

void sk_top_free(sk_top *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; !t->is_part && i < t->nheader; i++)
        free(t->header[i]);
    for (i = 0; !t->is_part && i < t->ncols; i++)
        free(t->cols[i].name);
    free(t->cols);
    if (t->groups) {
        /* t->heap is one of the groups' heaps */
        size_t g;

        for (g = 0; g < t->ngroups; g++) {
            for (i = 0; i < t->groups[g].nheap; i++)
                free(t->groups[g].heap[i]);
            free(t->groups[g].heap);
            free(t->groups[g].key);
        }
        free(t->groups);
    } else {
        for (i = 0; i < t->nheap; i++)
            free(t->heap[i]);
        free(t->heap);
    }
    free(t->keybuf);
    free(t->filter_src);
    if (!t->is_part) {
        free(t->header);
        free(t->group_src);
        free(t->owned_first_name);
        for (i = 0; i < t->nnames; i++)
            free(t->names[i]);
        free(t->names);
        free(t->name_width);
    }
    free(t);
}

size_t sk_top_rows(const sk_top *t)
{
    return t->rows;
}

/* Index of the last header cell called `name`, or SIZE_MAX.  The last,
 * because csv.DictReader keeps the last of repeated names. */
static size_t find_last(const sk_row *h, const char *name)
{
    size_t i = h->nfields;

    while (i-- > 0)
        if (strcmp(h->field[i], name) == 0)
            return i;
    return SIZE_MAX;
}

static int add_column(sk_top *t, const sk_row *h, size_t src)
{
    struct column *c = &t->cols[t->ncols];
    size_t at;

    if (!(c->name = strdup(h->field[src])))
        return sk_error_set(SK_ENOMEM, "out of memory");
    c->name_len = h->len[src];
    if (sk_utf8_width(&c->name_width, &at, c->name, c->name_len) != 0) {
        free(c->name);
        return sk_error_set(SK_EPARSE,
                            "%s:%zu: column name %zu is not valid UTF-8 "
                            "(byte %zu)",
                            h->name, h->line, src + 1, at + 1);
    }
    c->src = src;
    c->width = c->name_width;
    t->ncols++;
    return 0;
}

static const char source_name[] = "source";

/* The file name column: text, as wide as its name until rows come. */
static int add_source_column(sk_top *t)
{
    struct column *c = &t->cols[t->ncols];

    if (!(c->name = strdup(source_name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    c->name_len = c->name_width = c->width = sizeof(source_name) - 1;
    c->src = SIZE_MAX;
    c->is_source = 1;
    t->ncols++;
    return 0;
}

/* Remember the name of the file whose header `h` is: its rows' `source`. */
static int note_file(sk_top *t, const sk_row *h)
{
    size_t n = t->nnames, len = strlen(h->name), at;
    char **names = realloc(t->names, (n + 1) * sizeof(*names));
    size_t *widths;

    if (names)
        t->names = names;
    widths = names ? realloc(t->name_width, (n + 1) * sizeof(*widths)) : NULL;
    if (widths)
        t->name_width = widths;
    if (!names || !widths || !(t->names[n] = strdup(h->name)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    /* A name that is not UTF-8 is as wide as its bytes. */
    if (sk_utf8_width(&t->name_width[n], &at, h->name, len) != 0)
        t->name_width[n] = len;
    t->nnames++;
    return 0;
}

static int first_header(sk_top *t, const sk_row *h)
{
    const sk_top_opts *o = t->opts;
    size_t i, src;
    int rc;

    t->header = calloc(h->nfields, sizeof(*t->header));
    t->cols = calloc((o->columns ? o->ncolumns : h->nfields) + 1,
                     sizeof(*t->cols));
    t->owned_first_name = strdup(h->name);
    if (!t->header || !t->cols || !t->owned_first_name)
        return sk_error_set(SK_ENOMEM, "out of memory");
    t->first_name = t->owned_first_name;
    for (i = 0; i < h->nfields; i++) {
        if (!(t->header[i] = strdup(h->field[i])))
            return sk_error_set(SK_ENOMEM, "out of memory");
        t->nheader++;
    }

    if (o->columns) {
        for (i = 0; i < o->ncolumns; i++) {
            src = find_last(h, o->columns[i]);
            /* The files' own `source` wins; otherwise it is the file
             * name, with one file too. */
            if (src == SIZE_MAX && strcmp(o->columns[i], source_name) == 0)
                rc = add_source_column(t);
            else if (src == SIZE_MAX)
                return sk_table_column(&src, h, o->columns[i]);
            else
                rc = add_column(t, h, src);
            if (rc != 0)
                return rc;
        }
    } else {
        if (o->source) {
            if (find_last(h, source_name) != SIZE_MAX)
                return sk_error_set(SK_EINVAL,
                                    "%s:%zu: the files have a column "
                                    "'source', the name of the column top "
                                    "adds for the file of each row when it "
                                    "reads several; pick the columns with "
                                    "--columns (source is then yours) or "
                                    "read one file at a time",
                                    h->name, h->line);
            if ((rc = add_source_column(t)) != 0)
                return rc;
        }
        /* One column per distinct name, at its first position, holding
         * the cell of its last occurrence (csv.DictReader's dict). */
        for (i = 0; i < h->nfields; i++) {
            size_t j;

            for (j = 0; j < i; j++)
                if (strcmp(h->field[j], h->field[i]) == 0)
                    break;
            if (j < i)
                continue;
            if ((rc = add_column(t, h, find_last(h, h->field[i]))) != 0)
                return rc;
        }
    }
    for (i = 0; i < o->nfilters; i++) {
        if ((src = find_last(h, o->filters[i].field)) == SIZE_MAX)
            return sk_table_column(&src, h, o->filters[i].field);
        t->filter_src[i] = src;
    }
    if (o->ngroup_by && !(t->group_src = calloc(o->ngroup_by,
                                                sizeof(*t->group_src))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < o->ngroup_by; i++) {
        if ((src = find_last(h, o->group_by[i])) == SIZE_MAX) {
            char msg[1024];

            rc = sk_table_column(&src, h, o->group_by[i]);
            snprintf(msg, sizeof(msg), "%s", sk_error_last());
            return sk_error_set(rc, "--group-by: %s", msg);
        }
        t->group_src[i] = src;
    }
    /* No field named: the throughput column the data has, full_sweep.py's
     * or sweepkit's summary's. */
    t->field = o->field;
    if (!t->field)
        t->field = find_last(h, "throughput_tps") == SIZE_MAX &&
                           find_last(h, "throughput_tokens_per_s") !=
                               SIZE_MAX
                       ? "throughput_tokens_per_s"
                       : "throughput_tps";
    t->key_src = find_last(h, t->field);
    t->key_missing = t->key_src == SIZE_MAX;
    return 0;
}

/* Swap the heap of the group of `row` into t->heap, making the group on
 * its first row.  Rows of a grid come group by group, so the current
 * group is tried first. */
static int enter_key(sk_top *t, const char *key, size_t len);

static int enter_group(sk_top *t, const sk_row *row)
{
    const sk_top_opts *o = t->opts;
    size_t i, len = 0;

    for (i = 0; i < o->ngroup_by; i++) {
        size_t src = t->group_src[i];

        len += (src < row->nfields ? row->len[src] : 4) + 1;
    }
    if (len > t->keycap) {
        char *k = realloc(t->keybuf, len);

        if (!k)
            return sk_error_set(SK_ENOMEM, "out of memory");
        t->keybuf = k;
        t->keycap = len;
    }
    for (i = 0, len = 0; i < o->ngroup_by; i++) {
        size_t src = t->group_src[i];
        const char *c = src < row->nfields ? row->field[src] : none_text;
        size_t n = src < row->nfields ? row->len[src] : 4;

        memcpy(t->keybuf + len, c, n);
        len += n;
        t->keybuf[len++] = '\x1f';
    }
    return enter_key(t, t->keybuf, len);
}

/* Swap the heap of the group whose key is key[0..len) into t->heap,
 * making the group when it is new.  The current group is tried first. */
static int enter_key(sk_top *t, const char *key, size_t len)
{
    size_t g;
    struct group *gr;

    if (t->groups) {
        t->groups[t->cur].heap = t->heap;
        t->groups[t->cur].nheap = t->nheap;
    }
    for (g = t->ngroups; g-- > 0;) {
        size_t at = (t->cur + g) % t->ngroups; /* cur first */

        gr = &t->groups[at];
        if (gr->key_len == len && memcmp(gr->key, key, len) == 0) {
            t->cur = at;
            t->heap = gr->heap;
            t->nheap = gr->nheap;
            return 0;
        }
    }
    if (t->ngroups && (t->ngroups & (t->ngroups - 1)) == 0) {
        struct group *more = realloc(t->groups, 2 * t->ngroups *
                                                    sizeof(*more));

        if (!more)
            return sk_error_set(SK_ENOMEM, "out of memory");
        t->groups = more;
    } else if (!t->ngroups && !(t->groups = calloc(1, sizeof(*t->groups)))) {
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    gr = &t->groups[t->ngroups];
    memset(gr, 0, sizeof(*gr));
    if (!(gr->key = malloc(len)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    memcpy(gr->key, key, len);
    gr->key_len = len;
    /* The first group takes the heap sk_top_new() made. */
    if (t->ngroups == 0) {
        gr->heap = t->heap;
    } else if (t->opts->count &&
               !(gr->heap = calloc(t->opts->count < 1024 ? t->opts->count
                                                         : 1024,
                                   sizeof(*gr->heap)))) {
        free(gr->key);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    t->cur = t->ngroups++;
    t->heap = gr->heap;
    t->nheap = 0;
    return 0;
}

static int same_header(const sk_top *t, const sk_row *h)
{
    size_t i;

    for (i = 0; i < h->nfields && i < t->nheader; i++)
        if (strcmp(h->field[i], t->header[i]) != 0)
            return sk_error_set(SK_EPARSE,
                                "%s:%zu: header differs from %s's: column "
                                "%zu is '%s', expected '%s'",
                                h->name, h->line, t->first_name, i + 1,
                                h->field[i], t->header[i]);
    if (h->nfields != t->nheader)
        return sk_error_set(SK_EPARSE,
                            "%s:%zu: header has %zu columns, %s's has %zu",
                            h->name, h->line, h->nfields, t->first_name,
                            t->nheader);
    return 0;
}

/* 1 when s[0..n) is all ASCII (eight bytes at a time while possible). */
static int all_ascii(const char *s, size_t n)
{
    size_t i = 0;

    for (; n - i >= 8; i += 8) {
        uint64_t w;

        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull)
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/*
 * An upper bound on the printed width of a cell, from its bytes alone, or
 * SIZE_MAX when there is none cheaply (non-ASCII text must be validated).
 * Text prints in n characters.  A number's repr never has more significant
 * digits than its text (the text itself reads back to the same double), so
 * without an exponent and with at most 16 digits before the point (plain
 * notation): "D.D" forms print in at most n characters, others gain at
 * most ".0" (n + 2).  No repr is longer than 24 characters.
 */
static size_t width_bound(const char *s, size_t n)
{
    size_t i, int_digits = 0;
    int point = 0, digit_around_point = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x80)
            return SIZE_MAX;
        if ((c | 0x20) == 'e')
            return all_ascii(s + i, n - i) ? (n > 24 ? n : 24) : SIZE_MAX;
        if (c == '.') {
            point = 1;
            digit_around_point = i > 0 && i + 1 < n && s[i - 1] >= '0' &&
                                 s[i - 1] <= '9' && s[i + 1] >= '0' &&
                                 s[i + 1] <= '9';
        } else if (c >= '0' && c <= '9' && !point) {
            int_digits++;
        }
    }
    if (int_digits > 16)
        return n > 24 ? n : 24;
    return digit_around_point ? n : n + 2;
}

/* 1 when `v` prints as an integer: a whole number below 2^53 in
 * magnitude, where every integer is a double (1e20 keeps its repr). */
static int is_int(double v)
{
    return v > -9007199254740992.0 && v < 9007199254740992.0 &&
           v == (double)(int64_t)v;
}

/* Printed width of a present cell, or 0 when it cannot exceed `current`:
 * repr length for a number (the integer's with `ints`), code points for
 * text.  The bound holds for integers too: they print shorter. */
static int cell_width(size_t *w, int ints, const sk_row *row, size_t src,
                      const char *col, size_t current)
{
    const char *s = row->field[src];
    size_t n = row->len[src], at;
    double v;

    if (width_bound(s, n) <= current) {
        *w = 0;
        return 0;
    }
    if (sk_num_scan(s, n, &v, w)) {
        /* Below 2^53 < 1e16 the repr of a whole number is plain "N.0";
         * both zeros print "0". */
        if (ints && is_int(v))
            *w = v == 0 ? 1 : *w - 2;
        return 0;
    }
    if (sk_utf8_width(w, &at, s, n) != 0)
        return sk_error_set(SK_EPARSE,
                            "%s:%zu: column '%s' is not valid UTF-8 "
                            "(byte %zu of the cell)",
                            row->name, row->line, col, at + 1);
    return 0;
}

static void note_shape(sk_top *t, const sk_row *row)
{
    size_t *count = row->nfields < t->nheader ? &t->short_rows
                                              : &t->long_rows;
    char *where = row->nfields < t->nheader ? t->short_where
                                            : t->long_where;

    if ((*count)++ == 0)
        snprintf(where, sizeof(t->short_where),
                 "%s:%zu: row has %zu fields, header has %zu", row->name,
                 row->line, row->nfields, t->nheader);
}

static void sift_down(sk_top *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        struct kept *tmp;

        if (l < t->nheap && order(t, t->heap[l], t->heap[worst]) > 0)
            worst = l;
        if (r < t->nheap && order(t, t->heap[r], t->heap[worst]) > 0)
            worst = r;
        if (worst == i)
            return;
        tmp = t->heap[i];
        t->heap[i] = t->heap[worst];
        t->heap[worst] = tmp;
        i = worst;
    }
}

static void sift_up(sk_top *t, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        struct kept *tmp;

        if (order(t, t->heap[i], t->heap[parent]) <= 0)
            return;
        tmp = t->heap[i];
        t->heap[i] = t->heap[parent];
        t->heap[parent] = tmp;
        i = parent;
    }
}

/* Copy the shown cells of `row` (and its key) into one allocation. */
static struct kept *keep(const sk_top *t, const struct kept *cand,
                         const sk_row *row)
{
    size_t i, bytes = sizeof(struct kept) +
                      t->ncols * (sizeof(size_t) + sizeof(char *)) +
                      cand->key_len + 1;
    struct kept *k;
    char *p;

    for (i = 0; i < t->ncols; i++)
        if (t->cols[i].src < row->nfields)
            bytes += row->len[t->cols[i].src] + 1;
    if (!(k = malloc(bytes)))
        return NULL;
    *k = *cand;
    k->len = (size_t *)(k + 1);
    k->cell = (char **)(k->len + t->ncols);
    p = (char *)(k->cell + t->ncols);
    if (cand->key_len)
        memcpy(p, cand->key, cand->key_len);
    p[cand->key_len] = '\0';
    k->key = p;
    p += cand->key_len + 1;
    for (i = 0; i < t->ncols; i++) {
        size_t src = t->cols[i].src;

        if (t->cols[i].is_source) {
            /* Points at t->names, which lives as long as `t`. */
            k->cell[i] = t->names[t->nnames - 1];
            k->len[i] = strlen(k->cell[i]);
            continue;
        }
        if (src >= row->nfields) {
            k->len[i] = MISSING;
            k->cell[i] = NULL;
            continue;
        }
        k->len[i] = row->len[src];
        k->cell[i] = p;
        memcpy(p, row->field[src], row->len[src] + 1);
        p += row->len[src] + 1;
    }
    return k;
}

/* Put `k` (owned) into the heap, or free it when the heap holds `count`
 * better rows. */
static int offer(sk_top *t, struct kept *k)
{
    if (t->nheap == t->opts->count) {
        if (order(t, k, t->heap[0]) >= 0) {
            free(k);
            return 0;
        }
        free(t->heap[0]);
        t->heap[0] = k;
        sift_down(t, 0);
        return 0;
    }
    if (t->nheap && (t->nheap & (t->nheap - 1)) == 0 && t->nheap >= 1024) {
        size_t cap = t->nheap * 2;
        struct kept **h;

        if (cap > t->opts->count)
            cap = t->opts->count;
        if (!(h = realloc(t->heap, cap * sizeof(*h)))) {
            free(k);
            return sk_error_set(SK_ENOMEM, "out of memory");
        }
        t->heap = h;
    }
    t->heap[t->nheap++] = k;
    sift_up(t, t->nheap - 1);
    return 0;
}

static int consider(sk_top *t, const struct kept *cand, const sk_row *row)
{
    struct kept *k;

    if (t->opts->count == 0)
        return 0;
    if (t->nheap == t->opts->count && order(t, cand, t->heap[0]) >= 0)
        return 0;
    if (!(k = keep(t, cand, row)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return offer(t, k);
}

/* analyze-data.py's message, then what the user could have meant. */
static int missing_field(const sk_top *t, const sk_row *row)
{
    char list[512];

    sk_table_join_names(list, sizeof(list),
                        (const char *const *)t->header, t->nheader);
    return sk_error_set(SK_ENOTFOUND,
                        "Field '%s' does not exist. Available fields in "
                        "%s: %s",
                        t->field, row->name, list);
}

static int on_row(void *payload, const sk_row *row)
{
    sk_top *t = payload;
    const sk_top_opts *o = t->opts;
    struct kept cand;
    size_t i;
    int rc;

    if (row->index == 0) {
        if ((rc = note_file(t, row)) != 0)
            return rc;
        return t->header ? same_header(t, row) : first_header(t, row);
    }
    if (t->key_missing)
        return missing_field(t, row);
    t->read++;
    for (i = 0; i < o->nfilters; i++) {
        size_t src = t->filter_src[i];
        const char *cell = src < row->nfields ? row->field[src] : NULL;

        if (!sk_filter_match(&o->filters[i], cell,
                             cell ? row->len[src] : 0))
            return 0;
    }
    if (row->nfields != t->nheader)
        note_shape(t, row);
    t->rows++;

    memset(&cand, 0, sizeof(cand));
    cand.seq = t->seq++;
    if (t->key_src >= row->nfields) {
        cand.cls = CLASS_TEXT;
        cand.key = none_text;
        cand.key_len = 4;
    } else if (sk_num_scan(row->field[t->key_src], row->len[t->key_src],
                           &cand.value, NULL)) {
        cand.cls = cand.value != cand.value ? CLASS_NAN : CLASS_NUMBER;
    } else {
        cand.cls = CLASS_TEXT;
        cand.key = row->field[t->key_src];
        cand.key_len = row->len[t->key_src];
    }

    for (i = 0; i < t->ncols; i++) {
        struct column *c = &t->cols[i];
        size_t w;

        if (c->is_source)
            w = t->name_width[t->nnames - 1];
        else if (c->src >= row->nfields)
            w = 4;
        else if ((rc = cell_width(&w, t->ints, row, c->src, c->name,
                                  c->width)) != 0)
            return rc;
        if (w > c->width)
            c->width = w;
    }
    if (o->ngroup_by) {
        if ((rc = enter_group(t, row)) != 0)
            return rc;
        rc = consider(t, &cand, row);
        t->groups[t->cur].heap = t->heap;
        t->groups[t->cur].nheap = t->nheap;
        return rc;
    }
    return consider(t, &cand, row);
}

/* A part (table.h): the configuration of the payload borrowed, the
 * column widths so far copied, the rows its own. */
static void *part_new(void *payload)
{
    const sk_top *t = payload;
    sk_top *p;

    if (sk_top_new(&p, t->opts) != 0)
        return NULL;
    p->is_part = 1;
    if (!(p->cols = sk_table_alloc_lines((t->ncols ? t->ncols : 1) *
                                         sizeof(*p->cols)))) {
        sk_top_free(p);
        sk_error_set(SK_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(p->cols, t->cols, t->ncols * sizeof(*p->cols));
    p->ncols = t->ncols;
    if (t->opts->nfilters)
        memcpy(p->filter_src, t->filter_src,
               t->opts->nfilters * sizeof(*p->filter_src));
    p->field = t->field;
    p->first_name = t->first_name;
    p->header = t->header;
    p->nheader = t->nheader;
    p->key_src = t->key_src;
    p->key_missing = t->key_missing;
    p->names = t->names;
    p->name_width = t->name_width;
    p->nnames = t->nnames;
    p->group_src = t->group_src;
    return p;
}

static void part_free(void *part)
{
    sk_top_free(part);
}

/* Offer the rows of part heap h[0..n) to t's current heap, their order
 * numbers moved past the `base` rows before them. */
static int merge_heap(sk_top *t, struct kept **h, size_t n, size_t base)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        struct kept *k = h[i];

        h[i] = NULL; /* owned by t from here */
        k->seq += base;
        if ((rc = offer(t, k)) != 0)
            return rc;
    }
    return 0;
}

static void merge_shape(size_t *count, char *where, size_t pcount,
                        const char *pwhere, size_t cap)
{
    if (pcount && *count == 0)
        snprintf(where, cap, "%s", pwhere);
    *count += pcount;
}

/* The part's rows after the payload's, as if read by it. */
static int part_merge(void *payload, void *part)
{
    sk_top *t = payload, *p = part;
    size_t base = t->seq, i, g;
    int rc = 0;

    for (i = 0; i < t->ncols; i++)
        if (p->cols[i].width > t->cols[i].width)
            t->cols[i].width = p->cols[i].width;
    t->read += p->read;
    t->rows += p->rows;
    t->seq += p->seq;
    merge_shape(&t->short_rows, t->short_where, p->short_rows,
                p->short_where, sizeof(t->short_where));
    merge_shape(&t->long_rows, t->long_where, p->long_rows, p->long_where,
                sizeof(t->long_where));
    if (t->opts->count == 0)
        return 0;
    if (!p->groups)
        return merge_heap(t, p->heap, p->nheap, base);
    p->groups[p->cur].heap = p->heap;
    p->groups[p->cur].nheap = p->nheap;
    for (g = 0; g < p->ngroups && rc == 0; g++) {
        struct group *pg = &p->groups[g];

        if ((rc = enter_key(t, pg->key, pg->key_len)) == 0)
            rc = merge_heap(t, pg->heap, pg->nheap, base);
        t->groups[t->cur].heap = t->heap;
        t->groups[t->cur].nheap = t->nheap;
    }
    return rc;
}

static const sk_table_parts top_parts = {part_new, part_merge, part_free,
                                         NULL};

static sk_table_opts table_opts(const sk_top *t)
{
    sk_table_opts topts = {0};

    /* Short rows show None, as analyze-data.py prints them; long rows and
     * repeated names are errors unless emulating csv.DictReader, which
     * also reads a torn last row as any other (the table core skips it
     * with a note otherwise). */
    topts.flags = SK_TABLE_SHORT_ROWS;
    if (t->opts->compat)
        topts.flags |= SK_TABLE_LONG_ROWS | SK_TABLE_DUP_NAMES |
                       SK_TABLE_STRICT_END;
    topts.threads = t->opts->threads;
    topts.parts = &top_parts;
    return topts;
}

int sk_top_add_buffer(sk_top *t, const char *name, const char *buf,
                      size_t len)
{
    sk_table_opts topts = table_opts(t);

    return sk_table_stream_buffer(name, buf, len, &topts, on_row, t);
}

int sk_top_add_file(sk_top *t, const char *path)
{
    sk_table_opts topts = table_opts(t);

    return sk_table_stream_file(path, &topts, on_row, t);
}

const char *sk_top_warning(const sk_top *t)
{
    sk_top *m = (sk_top *)t;

    if (!t->short_rows && !t->long_rows)
        return NULL;
    m->warning[0] = '\0';
    if (t->short_rows)
        snprintf(m->warning, sizeof(m->warning),
                 "%s; missing cells shown as None (%zu row%s)",
                 t->short_where, t->short_rows, t->short_rows == 1 ? "" : "s");
    if (t->long_rows) {
        size_t used = strlen(m->warning);

        snprintf(m->warning + used, sizeof(m->warning) - used,
                 "%s%s; extra cells ignored (%zu row%s)", used ? "; " : "",
                 t->long_where, t->long_rows, t->long_rows == 1 ? "" : "s");
    }
    return m->warning;
}

/* Pop the heap into best-first order into out[0..t->nheap).  Leaves the
 * heap empty-ordered, so writing twice prints the same rows. */
static void rank_heap(sk_top *t, struct kept **out)
{
    size_t n = t->nheap, i;

    for (i = n; i-- > 0;) {
        out[i] = t->heap[0];
        t->heap[0] = t->heap[--t->nheap];
        sift_down(t, 0);
    }
    /* Put them back as a valid max-heap: best-first reversed is
     * worst-first, which satisfies the heap property. */
    for (i = 0; i < n; i++)
        t->heap[i] = out[n - 1 - i];
    t->nheap = n;
}

/* The rows to print, best first; with groups, each group's in turn, in
 * order of first appearance.  Their number in *n. */
static struct kept **ranked(sk_top *t, size_t *n)
{
    struct kept **out;
    size_t total = t->nheap, g;

    for (g = 0; g < t->ngroups; g++)
        total += g == t->cur ? 0 : t->groups[g].nheap;
    if (!(out = malloc((total ? total : 1) * sizeof(*out))))
        return NULL;
    *n = 0;
    if (!t->groups) {
        rank_heap(t, out);
        *n = t->nheap;
        return out;
    }
    t->groups[t->cur].heap = t->heap;
    t->groups[t->cur].nheap = t->nheap;
    for (g = 0; g < t->ngroups; g++) {
        t->heap = t->groups[g].heap;
        t->nheap = t->groups[g].nheap;
        rank_heap(t, out + *n);
        *n += t->nheap;
    }
    t->heap = t->groups[t->cur].heap;
    t->nheap = t->groups[t->cur].nheap;
    return out;
}

/* The cell as printed: repr for numbers (whole ones as integers with
 * `ints`), the text otherwise; a file name is text even if it is "1". */
static const char *printed(const sk_top *t, const struct kept *k,
                           size_t col, char *num, size_t *len, int *is_num)
{
    double v;

    if (k->len[col] == MISSING) {
        *len = 4;
        *is_num = 0;
        return none_text;
    }
    if (!t->cols[col].is_source &&
        sk_num_parse(&v, k->cell[col], k->len[col]) == 0) {
        if (t->ints && is_int(v))
            *len = (size_t)snprintf(num, SK_NUM_REPR_MAX, "%" PRId64,
                                    (int64_t)v);
        else
            *len = sk_num_repr(num, SK_NUM_REPR_MAX, v);
        *is_num = 1;
        return num;
    }
    *len = k->len[col];
    *is_num = 0;
    return k->cell[col];
}

static int write_table(const sk_top *t, struct kept **rows, size_t n,
                       FILE *fp)
{
    char num[SK_NUM_REPR_MAX];
    size_t i, j, *width = malloc((t->ncols ? t->ncols : 1) * sizeof(*width));

    if (!width)
        return sk_error_set(SK_ENOMEM, "out of memory");
    /* analyze-data.py pads every cell, the last one too. */
    for (j = 0; j < t->ncols; j++) {
        width[j] = t->cols[j].width;
        sk_format_table_cell(fp, j, " | ", t->cols[j].name,
                             t->cols[j].name_len, width[j], 0, 0);
    }
    fputc('\n', fp);
    sk_format_table_rule(fp, width, t->ncols);
    for (i = 0; i < n; i++) {
        for (j = 0; j < t->ncols; j++) {
            size_t len;
            int is_num;
            const char *s = printed(t, rows[i], j, num, &len, &is_num);

            sk_format_table_cell(fp, j, " | ", s, len, width[j], is_num, 0);
        }
        fputc('\n', fp);
    }
    free(width);
    return 0;
}

static void write_markdown(const sk_top *t, struct kept **rows, size_t n,
                           FILE *fp)
{
    char num[SK_NUM_REPR_MAX];
    size_t i, j;

    fputc('|', fp);
    for (j = 0; j < t->ncols; j++)
        sk_format_markdown_row_cell(fp, t->cols[j].name, t->cols[j].name_len);
    fputs("\n|", fp);
    for (j = 0; j < t->ncols; j++) {
        /* Right-align a column whose shown cells are all numbers. */
        int all_num = n > 0;

        for (i = 0; i < n && all_num; i++) {
            size_t len;

            printed(t, rows[i], j, num, &len, &all_num);
        }
        sk_format_markdown_align(fp, all_num);
    }
    fputc('\n', fp);
    for (i = 0; i < n; i++) {
        fputc('|', fp);
        for (j = 0; j < t->ncols; j++) {
            size_t len;
            int is_num;
            const char *s = printed(t, rows[i], j, num, &len, &is_num);

            sk_format_markdown_row_cell(fp, s, len);
        }
        fputc('\n', fp);
    }
}

static void write_csv(const sk_top *t, struct kept **rows, size_t n,
                      FILE *fp)
{
    size_t i, j;

    for (j = 0; j < t->ncols; j++) {
        if (j)
            fputc(',', fp);
        sk_format_csv_field(fp, t->cols[j].name, t->cols[j].name_len);
    }
    if (t->ncols)
        fputc('\n', fp);
    /* Cells as they were in the file: CSV out keeps "512", not "512.0". */
    for (i = 0; i < n; i++) {
        for (j = 0; j < t->ncols; j++) {
            if (j)
                fputc(',', fp);
            if (rows[i]->len[j] != MISSING)
                sk_format_csv_field(fp, rows[i]->cell[j], rows[i]->len[j]);
        }
        fputc('\n', fp);
    }
}

static int write_json(const sk_top *t, struct kept **rows, size_t n,
                      FILE *fp, const json_t *head)
{
    size_t i, j, k;
    int rc;

    /* A JSON object holds a key once. */
    for (j = 0; j < t->ncols; j++)
        for (k = 0; k < j; k++)
            if (t->cols[j].name_len == t->cols[k].name_len &&
                memcmp(t->cols[j].name, t->cols[k].name,
                       t->cols[j].name_len) == 0)
                return sk_error_set(SK_EINVAL,
                                    "--format json: column '%s' is shown "
                                    "twice; name it once in --columns",
                                    t->cols[j].name);
    sk_json_list_open(fp, head, "results");
    for (i = 0; i < n; i++) {
        json_t *o = json_object();

        for (j = 0; o && j < t->ncols; j++) {
            const struct kept *k = rows[i];
            json_t *v;
            double d;

            if (k->len[j] == MISSING || k->len[j] == 0)
                v = json_null(); /* missing or empty: no value */
            else if (t->cols[j].is_source)
                v = json_stringn_nocheck(k->cell[j], k->len[j]);
            else if (sk_num_parse(&d, k->cell[j], k->len[j]) == 0)
                v = t->ints && is_int(d)
                        ? json_integer((json_int_t)d)
                        : sk_json_number(d); /* inf, nan: null */
            else
                v = json_stringn_nocheck(k->cell[j], k->len[j]);
            if (json_object_setn_new_nocheck(o, t->cols[j].name,
                                             t->cols[j].name_len, v) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
        if ((rc = sk_json_list_item(fp, o, i == 0)) != 0)
            return rc;
    }
    sk_json_list_close(fp, n);
    return 0;
}

int sk_top_write(sk_top *t, FILE *fp, sk_format fmt, const json_t *head)
{
    struct kept **rows;
    size_t n = 0;
    int rc = 0;

    if (t->read == 0 && (fmt == SK_FORMAT_TABLE || fmt == SK_FORMAT_MARKDOWN)) {
        fputs("CSV file is empty.\n", fp);
    } else {
        if (!(rows = ranked(t, &n)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        switch (fmt) {
        case SK_FORMAT_TABLE: rc = write_table(t, rows, n, fp); break;
        case SK_FORMAT_MARKDOWN: write_markdown(t, rows, n, fp); break;
        case SK_FORMAT_CSV: write_csv(t, rows, n, fp); break;
        case SK_FORMAT_JSON: rc = write_json(t, rows, n, fp, head); break;
        }
        free(rows);
        if (rc != 0)
            return rc;
    }
    if (fflush(fp) != 0 || ferror(fp))
        return sk_error_set(SK_EIO, "writing the output failed");
    return 0;
}
