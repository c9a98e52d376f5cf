#include "sweepkit/summarize.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/json.h"
#include "sweepkit/metrics.h"
#include "sweepkit/num.h"
#include "sweepkit/stats.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"
#include "sweepkit/top.h"
#include "sweepkit/units.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_TOKENS, F_QTPS, F_TTFT, F_DECODE, F_START, F_END, NFIELDS };

static const char *const fields[NFIELDS] = {
    "output_tokens", "tokens_per_s", "ttft_s",
    "decode_tokens_per_s", "start_s", "end_s"};

/* Another tool's result gives its per-request rows (table.h). */
static const sk_table_opts queries_opts = {.flags = SK_TABLE_QUERIES};

const char *const sk_summarize_extra_columns[SK_SUMMARIZE_NEXTRA] = {
    "errors", "p99_ttft_s", "p99_query_tokens_per_s", "achieved_concurrency",
    "steady_throughput_tokens_per_s", "steady_window_s"};

const char *const sk_summarize_ci_columns[SK_SUMMARIZE_NCI] = {
    "confidence",
    "median_query_tokens_per_s_lo", "median_query_tokens_per_s_hi",
    "p90_query_tokens_per_s_lo", "p90_query_tokens_per_s_hi",
    "median_ttft_s_lo", "median_ttft_s_hi",
    "p90_ttft_s_lo", "p90_ttft_s_hi",
    "median_decode_tokens_per_s_lo", "median_decode_tokens_per_s_hi",
    "p90_decode_tokens_per_s_lo", "p90_decode_tokens_per_s_hi",
    "p99_ttft_s_lo", "p99_ttft_s_hi",
    "p99_query_tokens_per_s_lo", "p99_query_tokens_per_s_hi"};

/* One concurrency as written: levels are grouped by their text, as
 * `stats` groups them, so "1" and "1.0" are told apart (and rejected). */
struct key {
    char *text;
    double value;
    size_t line; /* of its first query */
};

/* What only the load needs. */
struct sk_queries_load {
    size_t ci, col[NFIELDS], nf; /* column indexes; fields used */
    size_t cap;                  /* rows the arrays hold */
    size_t *id;                  /* per query: its key */
    struct key *keys;
    size_t nkeys, keycap;
    size_t *order; /* key ids by (value, text): the level order */
    size_t last;   /* the previous query's key + 1, or 0 */
    size_t kept, max_queries;
    int header;
};

/* The public arrays, field by field. */
static double **column(struct sk_queries *q, size_t f)
{
    double **c[NFIELDS] = {&q->output_tokens,       &q->tokens_per_s,
                           &q->ttft_s,              &q->decode_tokens_per_s,
                           &q->start_s,             &q->end_s};

    return c[f];
}

int sk_summarize_begin(struct sk_queries **out, const char *name,
                       size_t max_queries)
{
    struct sk_queries *q;

    /* on lines of their own: a part's are written on a worker thread */
    if (!(*out = q = sk_table_alloc_lines(sizeof(*q))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if (!(q->load = sk_table_alloc_lines(sizeof(*q->load))) ||
        !(q->name = strdup(name))) {
        sk_summarize_queries_free(q);
        *out = NULL;
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    q->load->max_queries = max_queries;
    return 0;
}

static void free_load(struct sk_queries_load *l)
{
    if (!l)
        return;
    free(l->id);
    free(l->order);
    free(l->keys); /* texts are the levels' (level_key) or freed below */
    free(l);
}

void sk_summarize_queries_free(struct sk_queries *q)
{
    size_t i, f;

    if (!q)
        return;
    if (q->load) {
        for (i = 0; i < q->load->nkeys; i++)
            free(q->load->keys[i].text);
        free_load(q->load);
    } else {
        for (i = 0; i < q->nlevels; i++)
            free(q->level_key[i]);
    }
    for (f = 0; f < NFIELDS; f++)
        free(*column(q, f));
    free(q->concurrency);
    free(q->levels);
    free(q->level_key);
    free(q->level_line);
    free(q->name);
    free(q);
}

/* Whether the header row has a column `name` (no error set). */
static int header_has(const sk_row *row, const char *name)
{
    size_t i;

    for (i = 0; i < row->nfields; i++)
        if (strcmp(row->field[i], name) == 0)
            return 1;
    return 0;
}

static int on_header(struct sk_queries *q, const sk_row *row)
{
    struct sk_queries_load *l = q->load;
    size_t i, f, found = 0;
    int rc;

    for (i = 0; i < row->nfields; i++)
        if (strcmp(row->field[i], "start_s") == 0 ||
            strcmp(row->field[i], "end_s") == 0)
            found++;
    q->has_times = found == 2;
    l->nf = q->has_times ? NFIELDS : F_START;
    l->header = 1;
    /* The key first, then the fields in order: the missing column named
     * is the one `stats` would name. */
    if ((rc = sk_table_column(&l->ci, row, "concurrency")) != 0)
        return rc;
    for (f = 0; f < l->nf; f++)
        if ((rc = sk_table_column(&l->col[f], row, fields[f])) != 0) {
            /* the mistake is the file, not a column: a summary's
             * columns, none of a query's */
            if (header_has(row, "throughput_tokens_per_s") &&
                !header_has(row, "ttft_s"))
                return sk_error_set(SK_ENOTFOUND,
                                    "%s: this is a summary (one row per "
                                    "level), and summarize makes one from a "
                                    "per-query file (one row per query): "
                                    "give the per-query file, such as the "
                                    "collector's *_per_query_*.csv",
                                    row->name);
            return rc;
        }
    return 0;
}

static int key_cmp(const struct key *k, double value, const char *text)
{
    if (k->value != value)
        return k->value < value ? -1 : 1;
    return strcmp(k->text, text);
}

static int key_at(size_t *out, struct sk_queries_load *l, const char *text,
                  double value, size_t line, const char *name);

/* The key of `row`'s concurrency cell, added when new. */
static int find_key(size_t *out, struct sk_queries_load *l, const sk_row *row)
{
    const char *text = row->field[l->ci];
    size_t len = row->len[l->ci];
    double value;
    int rc;

    /* Sweep files come in runs of one level: try the last key first. */
    if (l->last && strcmp(l->keys[l->last - 1].text, text) == 0) {
        *out = l->last - 1;
        return 0;
    }
    if ((rc = sk_num_level(&value, text, len, row->name, row->line)) != 0)
        return rc;
    if ((rc = key_at(out, l, text, value, row->line, row->name)) == 0)
        l->last = *out + 1;
    return rc;
}

/* The key (value, text) of l, added (first met on `line`) when new. */
static int key_at(size_t *out, struct sk_queries_load *l, const char *text,
                  double value, size_t line, const char *name)
{
    size_t lo = 0, hi = l->nkeys;
    struct key *k;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(&l->keys[l->order[mid]], value, text);

        if (c == 0) {
            *out = l->order[mid];
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (l->nkeys == l->keycap) {
        size_t cap = l->keycap ? 2 * l->keycap : 16;
        struct key *nk = realloc(l->keys, cap * sizeof(*nk));
        size_t *no;

        if (!nk)
            return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
        l->keys = nk;
        if (!(no = realloc(l->order, cap * sizeof(*no))))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
        l->order = no;
        l->keycap = cap;
    }
    k = &l->keys[l->nkeys];
    if (!(k->text = strdup(text)))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    k->value = value;
    k->line = line;
    memmove(&l->order[lo + 1], &l->order[lo],
            (l->nkeys - lo) * sizeof(*l->order));
    l->order[lo] = l->nkeys;
    *out = l->nkeys++;
    return 0;
}

/* Room for one more query in every array. */
static int grow(struct sk_queries *q, const char *name)
{
    struct sk_queries_load *l = q->load;
    size_t cap = l->cap ? 2 * l->cap : 256, f;
    double *v;
    size_t *id;

    if (cap > SIZE_MAX / 2 / sizeof(double))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    for (f = 0; f < l->nf; f++) {
        if (!(v = realloc(*column(q, f), cap * sizeof(*v))))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
        *column(q, f) = v;
    }
    if (!(v = realloc(q->concurrency, cap * sizeof(*v))))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    q->concurrency = v;
    if (!(id = realloc(l->id, cap * sizeof(*id))))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    l->id = id;
    l->cap = cap;
    return 0;
}

int sk_summarize_row(void *queries, const sk_row *row)
{
    struct sk_queries *q = queries;
    struct sk_queries_load *l = q->load;
    double v[NFIELDS];
    size_t k = 0, f;
    int rc;

    if (row->index == 0)
        return on_header(q, row);
    if ((rc = find_key(&k, l, row)) != 0)
        return rc;
    for (f = 0; f < l->nf; f++) {
        size_t c = l->col[f];

        /* An empty cell is a missing value (docs/metrics.md), not 0. */
        if (row->len[c] == 0) {
            v[f] = NAN;
            continue;
        }
        if (!sk_num_scan(row->field[c], row->len[c], &v[f], NULL) ||
            !isfinite(v[f]))
            return sk_row_not_a_number(row, fields[f], c);
        /* `stats`' cap on the values one load keeps */
        if (l->kept == SK_STATS_MAX_VALUES)
            return sk_error_set(SK_ELIMIT,
                                "%s:%zu: more than %zu values to keep",
                                row->name, row->line, SK_STATS_MAX_VALUES);
        l->kept++;
    }
    if (l->max_queries && q->n == l->max_queries)
        return sk_error_set(SK_ELIMIT, "%s:%zu: more than %zu queries",
                            row->name, row->line, l->max_queries);
    if (q->n == l->cap && (rc = grow(q, row->name)) != 0)
        return rc;
    for (f = 0; f < l->nf; f++)
        (*column(q, f))[q->n] = v[f];
    q->concurrency[q->n] = l->keys[k].value;
    l->id[q->n++] = k;
    return 0;
}

/* A part (table.h): the load's columns, no queries, no caps (the merge
 * checks them). */
static void *part_new(void *payload)
{
    const struct sk_queries *q = payload;
    struct sk_queries *p;

    if (sk_summarize_begin(&p, q->name, 0) != 0)
        return NULL;
    memcpy(p->load->col, q->load->col, sizeof(p->load->col));
    p->load->ci = q->load->ci;
    p->load->nf = q->load->nf;
    p->load->header = 1;
    p->has_times = q->has_times;
    return p;
}

static void part_free(void *part)
{
    sk_summarize_queries_free(part);
}

/* The part's queries after the payload's, its levels mapped to the
 * payload's (added in the order they were first met). */
static int part_merge(void *payload, void *part)
{
    struct sk_queries *q = payload;
    const struct sk_queries *p = part;
    struct sk_queries_load *l = q->load;
    const struct sk_queries_load *pl = p->load;
    size_t *map, i, f, need = q->n + p->n;
    int rc = 0;

    if (pl->kept > SK_STATS_MAX_VALUES - l->kept ||
        (l->max_queries && p->n > l->max_queries - q->n))
        return SK_TABLE_REPLAY;
    if (!(map = malloc((pl->nkeys ? pl->nkeys : 1) * sizeof(*map))))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", q->name);
    for (i = 0; i < pl->nkeys && rc == 0; i++)
        rc = key_at(&map[i], l, pl->keys[i].text, pl->keys[i].value,
                    pl->keys[i].line, q->name);
    while (rc == 0 && l->cap < need)
        rc = grow(q, q->name);
    if (rc == 0) {
        for (f = 0; f < l->nf; f++)
            if (p->n)
                memcpy(*column(q, f) + q->n, *column((struct sk_queries *)p, f),
                       p->n * sizeof(double));
        for (i = 0; i < p->n; i++) {
            q->concurrency[q->n + i] = p->concurrency[i];
            l->id[q->n + i] = map[pl->id[i]];
        }
        q->n = need;
        l->kept += pl->kept;
        l->last = 0;
    }
    free(map);
    return rc;
}

const sk_table_parts sk_summarize_parts = {part_new, part_merge, part_free,
                                           NULL};

/* Load the per-query file at `path` into q, in parts on the calling
 * thread's default threads (table.h). */
static int load_file(struct sk_queries *q, const char *path)
{
    sk_table_opts o = {.flags = SK_TABLE_QUERIES,
                       .parts = &sk_summarize_parts};

    return sk_table_stream_file(path, &o, sk_summarize_row, q);
}

/* The statistics of field f, level by level: each level's values are put
 * side by side in `buf` (its slice from off[r], n[r] values, miss[r] empty
 * cells), then summarised (stats.h: sorted, so the order read does not
 * matter), and with q->confidence each percentile's interval into
 * ci[(r * 4 + k) * 2 + 0 or 1] (NaN when the sample is too small). */
static int field_stats(struct sk_stats_summary *s, double *pct, double *ci,
                       const struct sk_queries *q, size_t f,
                       const size_t *rank, const size_t *off, size_t *n,
                       size_t *miss, double *buf, const double *p, size_t np)
{
    const double *v = *column((struct sk_queries *)q, f);
    size_t j, r, k, nl = q->nlevels;
    int rc;

    memset(n, 0, nl * sizeof(*n));
    memset(miss, 0, nl * sizeof(*miss));
    for (j = 0; j < q->n; j++) {
        r = rank[q->load->id[j]];
        if (isnan(v[j]))
            miss[r]++;
        else
            buf[off[r] + n[r]++] = v[j];
    }
    for (r = 0; r < nl; r++) {
        if ((rc = sk_stats_summarize(&s[r], pct ? &pct[r * 4] : NULL,
                                     buf + off[r], n[r], p, np)) != 0)
            return rc;
        s[r].missing = miss[r];
        for (k = 0; ci && k < np; k++) {
            double *c = &ci[(r * 4 + k) * 2];

            c[0] = c[1] = NAN;
            if (q->confidence > 0 && n[r] > 0 &&
                sk_stats_percentile_ci(&c[0], &c[1], buf + off[r], n[r],
                                       p[k], q->confidence) != 0)
                c[0] = c[1] = NAN; /* too small a sample */
        }
    }
    return 0;
}

/* Each level's steady-state throughput (metrics.h), from its queries'
 * times, TTFT and tokens gathered level by level (off[r]..off[r+1]). */
static int steady(struct sk_queries *q, const size_t *rank,
                  const size_t *off)
{
    size_t n = q->n ? q->n : 1, j, r, *at;
    double *v = malloc(6 * n * sizeof(*v));

    if (!v || !(at = calloc(q->nlevels, sizeof(*at)))) {
        free(v);
        return sk_error_set(SK_ENOMEM, "%s: out of memory", q->name);
    }
    for (j = 0; j < q->n; j++) {
        size_t r2 = rank[q->load->id[j]], k = off[r2] + at[r2]++;

        v[k] = q->start_s[j];
        v[n + k] = q->end_s[j];
        v[2 * n + k] = q->ttft_s[j];
        v[3 * n + k] = q->output_tokens[j];
    }
    for (r = 0; r < q->nlevels; r++) {
        struct sk_level *lv = &q->levels[r];
        size_t k = off[r], m = off[r + 1] - off[r];

        lv->steady_tps = sk_metric_steady_throughput(
            &lv->steady_window_s, v + k, v + n + k, v + 2 * n + k,
            v + 3 * n + k, m, lv->concurrency, v + 4 * n);
    }
    free(at);
    free(v);
    return 0;
}

/* Every level's numbers (summarize.h): the statistics of each field, then
 * the times. */
static int compose(struct sk_queries *q)
{
    static const double p3[] = {50, 90, 99}, p4[] = {50, 90, 95, 99};
    struct sk_queries_load *l = q->load;
    size_t nl = l->nkeys, r, j;
    size_t *rank = NULL, *off = NULL, *n = NULL, *miss = NULL;
    struct sk_stats_summary *s = NULL, *st = NULL;
    double *buf = NULL, *pct = NULL, *ci = NULL;
    int rc = 0;

    q->nlevels = nl;
    if (!(q->levels = calloc(nl, sizeof(*q->levels))) ||
        !(q->level_line = calloc(nl, sizeof(*q->level_line))) ||
        !(rank = calloc(nl, sizeof(*rank))) ||
        !(off = calloc(nl + 1, sizeof(*off))) ||
        !(n = calloc(nl, sizeof(*n))) || !(miss = calloc(nl, sizeof(*miss))) ||
        !(s = calloc(nl, sizeof(*s))) || !(st = calloc(nl, sizeof(*st))) ||
        !(pct = calloc(nl * 4, sizeof(*pct))) ||
        !(ci = calloc(nl * 8, sizeof(*ci))) ||
        !(buf = malloc((q->n ? q->n : 1) * sizeof(*buf)))) {
        rc = sk_error_set(SK_ENOMEM, "%s: out of memory", q->name);
        goto done;
    }
    for (r = 0; r < nl; r++)
        rank[l->order[r]] = r;
    for (j = 0; j < q->n; j++)
        off[rank[l->id[j]] + 1]++;
    for (r = 0; r < nl; r++) {
        struct sk_level *lv = &q->levels[r];

        off[r + 1] += off[r];
        lv->concurrency = l->keys[l->order[r]].value;
        lv->achieved_concurrency = NAN;
        lv->wall_s = NAN;
        lv->steady_tps = lv->steady_window_s = NAN;
        lv->slo_share = lv->goodput_tps = NAN;
        lv->confidence = q->confidence;
        q->level_line[r] = l->keys[l->order[r]].line;
    }

    if ((rc = field_stats(s, NULL, NULL, q, F_TOKENS, rank, off, n, miss,
                          buf, NULL, 0)) != 0)
        goto done;
    for (r = 0; r < nl; r++) {
        q->levels[r].queries = s[r].count + s[r].missing;
        q->levels[r].errors = s[r].missing;
        q->levels[r].total_output_tokens =
            s[r].count ? s[r].mean * (double)s[r].count : NAN;
    }
    if ((rc = field_stats(s, pct, ci, q, F_QTPS, rank, off, n, miss, buf,
                          p3, 3)) != 0)
        goto done;
    for (r = 0; r < nl; r++) {
        q->levels[r].query_tps[0] = s[r].mean;
        memcpy(&q->levels[r].query_tps[1], &pct[r * 4], 3 * sizeof(double));
        memcpy(q->levels[r].query_tps_ci, &ci[r * 8], 6 * sizeof(double));
    }
    if ((rc = field_stats(s, pct, ci, q, F_TTFT, rank, off, n, miss, buf,
                          p4, 4)) != 0)
        goto done;
    for (r = 0; r < nl; r++) {
        q->levels[r].ttft_s[0] = s[r].mean;
        memcpy(&q->levels[r].ttft_s[1], &pct[r * 4], 4 * sizeof(double));
        memcpy(q->levels[r].ttft_ci, &ci[r * 8], 8 * sizeof(double));
    }
    if ((rc = field_stats(s, pct, ci, q, F_DECODE, rank, off, n, miss, buf,
                          p3, 3)) != 0)
        goto done;
    for (r = 0; r < nl; r++) {
        q->levels[r].decode_tps[0] = s[r].mean;
        memcpy(&q->levels[r].decode_tps[1], &pct[r * 4], 3 * sizeof(double));
        memcpy(q->levels[r].decode_ci, &ci[r * 8], 6 * sizeof(double));
    }
    if (q->has_times &&
        ((rc = field_stats(st, NULL, NULL, q, F_START, rank, off, n, miss,
                           buf, NULL, 0)) != 0 ||
         (rc = field_stats(s, NULL, NULL, q, F_END, rank, off, n, miss, buf,
                           NULL, 0)) != 0))
        goto done;
    for (r = 0; r < nl; r++) {
        struct sk_level *lv = &q->levels[r];

        if (q->has_times) {
            /* sum of (end - start) = sum of ends - sum of starts */
            double busy = -st[r].mean * (double)st[r].count +
                          s[r].mean * (double)s[r].count;

            lv->wall_s = s[r].max - st[r].min;
            lv->achieved_concurrency =
                sk_metric_achieved_concurrency(busy, lv->wall_s);
        }
        lv->throughput_tokens_per_s =
            sk_metric_throughput(lv->total_output_tokens, lv->wall_s);
    }
    if (q->has_times && (rc = steady(q, rank, off)) != 0)
        goto done;

    /* Levels are keyed by text, sorted by value: "1" and "1.0" are two
     * keys side by side but one level. */
    for (r = 1; r < nl; r++)
        if (q->levels[r].concurrency == q->levels[r - 1].concurrency) {
            /* Name the later spelling's line, and the earlier one. */
            const struct key *a = &l->keys[l->order[r - 1]],
                             *b = &l->keys[l->order[r]];
            const struct key *early = a->line < b->line ? a : b,
                             *late = early == a ? b : a;

            rc = sk_error_set(SK_EPARSE,
                              "%s:%zu: concurrency '%s' is the level "
                              "written '%s' on line %zu; write each level "
                              "one way",
                              q->name, late->line, late->text, early->text,
                              early->line);
            goto done;
        }
done:
    free(rank);
    free(off);
    free(n);
    free(miss);
    free(s);
    free(st);
    free(pct);
    free(ci);
    free(buf);
    return rc;
}

int sk_summarize_end(struct sk_queries *q, int rc)
{
    struct sk_queries_load *l = q->load;
    size_t r;

    if (rc != 0)
        return rc;
    if (!l->header)
        return sk_error_set(SK_ENODATA, "%s: empty file", q->name);
    if (l->nkeys == 0)
        return sk_error_set(SK_ENODATA, "%s: no per-query rows", q->name);
    if ((rc = compose(q)) != 0)
        return rc;
    if (!(q->level_key = calloc(l->nkeys, sizeof(*q->level_key))))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", q->name);
    /* The key texts move to the levels; the load's state goes. */
    for (r = 0; r < l->nkeys; r++)
        q->level_key[r] = l->keys[l->order[r]].text;
    free_load(l);
    q->load = NULL;
    return 0;
}

/* Hand the levels of a loaded `q` to the caller, and free the rest. */
/* sk_summarize_end(), the goodput columns when `slo` is given, and q's
 * levels handed to the caller. */
static int take_levels(struct sk_level **out, size_t *nlevels, int *has_times,
                       struct sk_queries *q, int rc, const struct sk_slo *slo)
{
    *has_times = q->has_times;
    if ((rc = sk_summarize_end(q, rc)) == 0) {
        if (slo)
            sk_summarize_goodput(q, slo);
        *out = q->levels;
        *nlevels = q->nlevels;
        q->levels = NULL;
    }
    sk_summarize_queries_free(q);
    return rc;
}

int sk_slo_parse(struct sk_slo *out, const char *text)
{
    char buf[256], *item, *save = NULL;

    out->ttft_s = out->tpot_s = out->e2e_s = NAN;
    if (strlen(text) >= sizeof(buf))
        return sk_error_set(SK_EINVAL, "--slo: too long");
    strcpy(buf, text);
    for (item = strtok_r(buf, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        double *dst = NULL, v;

        if (eq) {
            *eq = '\0';
            dst = strcmp(item, "ttft") == 0   ? &out->ttft_s
                  : strcmp(item, "tpot") == 0 ? &out->tpot_s
                  : strcmp(item, "e2e") == 0  ? &out->e2e_s
                                              : NULL;
        }
        if (!dst)
            return sk_error_set(SK_EINVAL,
                                "--slo: expected ttft=S, tpot=S or e2e=S "
                                "(comma-separated), got '%.40s'",
                                item);
        if (sk_units_parse_duration(&v, eq + 1, "--slo") != 0)
            return SK_EINVAL;
        if (!(v > 0))
            return sk_error_set(SK_EINVAL, "--slo: %s must be > 0", item);
        *dst = v;
    }
    if (isnan(out->ttft_s) && isnan(out->tpot_s) && isnan(out->e2e_s))
        return sk_error_set(SK_EINVAL, "--slo: no objective given");
    return 0;
}

void sk_summarize_goodput(struct sk_queries *q, const struct sk_slo *slo)
{
    size_t r, j;

    for (r = 0; r < q->nlevels; r++) {
        struct sk_level *lv = &q->levels[r];
        double met = 0, tokens = 0;

        for (j = 0; j < q->n; j++) {
            double tpot, e2e;

            if (q->concurrency[j] != lv->concurrency ||
                isnan(q->output_tokens[j]))
                continue; /* another level's, or failed */
            tpot = q->decode_tokens_per_s[j] > 0
                       ? 1 / q->decode_tokens_per_s[j]
                       : NAN;
            e2e = q->start_s ? q->end_s[j] - q->start_s[j]
                             : q->output_tokens[j] / q->tokens_per_s[j];
            if ((isnan(slo->ttft_s) || q->ttft_s[j] <= slo->ttft_s) &&
                (isnan(slo->tpot_s) || isnan(tpot) || tpot <= slo->tpot_s) &&
                (isnan(slo->e2e_s) || e2e <= slo->e2e_s)) {
                met++;
                tokens += q->output_tokens[j];
            }
        }
        lv->slo_share = lv->queries ? met / (double)lv->queries : NAN;
        lv->goodput_tps = sk_metric_throughput(tokens, lv->wall_s);
    }
}

int sk_summarize_load(struct sk_queries **out, const char *path)
{
    int rc;

    *out = NULL;
    if ((rc = sk_summarize_begin(out, path, 0)) != 0)
        return rc;
    rc = sk_summarize_end(*out, load_file(*out, path));
    if (rc != 0) {
        sk_summarize_queries_free(*out);
        *out = NULL;
    }
    return rc;
}

int sk_summarize_file(struct sk_level **out, size_t *nlevels,
                      int *has_times, const char *path)
{
    return sk_summarize_file_with(out, nlevels, has_times, path, NULL, 0);
}

int sk_summarize_file_with(struct sk_level **out, size_t *nlevels,
                           int *has_times, const char *path,
                           const struct sk_slo *slo, double confidence)
{
    struct sk_queries *q = NULL;
    int rc;

    *out = NULL;
    *has_times = 0;
    if (strcmp(path, "-") == 0)
        return sk_error_set(SK_EINVAL, "summarize reads a file, not "
                                       "standard input (its header is read "
                                       "first)");
    if ((rc = sk_summarize_begin(&q, path, 0)) != 0)
        return rc;
    q->confidence = confidence;
    return take_levels(out, nlevels, has_times, q,
                       load_file(q, path), slo);
}

int sk_summarize_buffer(struct sk_level **out, size_t *nlevels,
                        int *has_times, const char *name, const char *buf,
                        size_t len)
{
    struct sk_queries *q = NULL;
    int rc;

    *out = NULL;
    *has_times = 0;
    if ((rc = sk_summarize_begin(&q, name, 0)) != 0)
        return rc;
    return take_levels(out, nlevels, has_times, q,
                       sk_table_stream_buffer(name, buf, len, NULL,
                                              sk_summarize_row, q),
                       NULL);
}

struct samples {
    size_t ci, vi;
    double *c, *v;
    size_t n, cap;
    const char *column; /* the values' column */
};

static int sample_cell(double *out, const sk_row *row, size_t i,
                       const char *name)
{
    if (row->len[i] == 0) {
        *out = NAN;
        return 0;
    }
    if (sk_num_parse(out, row->field[i], row->len[i]) != 0 || !isfinite(*out))
        return sk_error_set(SK_EPARSE,
                            "%s:%zu: column '%s': '%.60s' is not a finite "
                            "number",
                            row->name, row->line, name, row->field[i]);
    return 0;
}

static int on_sample(void *payload, const sk_row *row)
{
    struct samples *s = payload;
    double c, v;
    int rc;

    if (row->index == 0) {
        if ((rc = sk_table_column(&s->ci, row, "concurrency")) != 0)
            return rc;
        return sk_table_column(&s->vi, row, s->column);
    }
    if ((rc = sample_cell(&c, row, s->ci, "concurrency")) != 0 ||
        (rc = sample_cell(&v, row, s->vi, s->column)) != 0)
        return rc;
    if ((rc = sk_num_level(&c, row->field[s->ci], row->len[s->ci],
                           row->name, row->line)) != 0)
        return rc;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        double *nc, *nv;

        if (s->n == SK_SUMMARIZE_MAX_SAMPLES)
            return sk_error_set(SK_ELIMIT, "%s:%zu: more than %zu queries",
                                row->name, row->line,
                                SK_SUMMARIZE_MAX_SAMPLES);
        if (cap > SK_SUMMARIZE_MAX_SAMPLES)
            cap = SK_SUMMARIZE_MAX_SAMPLES;
        if (!(nc = realloc(s->c, cap * sizeof(double))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        s->c = nc;
        if (!(nv = realloc(s->v, cap * sizeof(double))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        s->v = nv;
        s->cap = cap;
    }
    s->c[s->n] = c;
    s->v[s->n] = v;
    s->n++;
    return 0;
}

int sk_summarize_samples(double **conc, double **tps, size_t *n,
                         const char *path, const char *column)
{
    struct samples s;
    int rc;

    memset(&s, 0, sizeof(s));
    s.column = column;
    *conc = *tps = NULL;
    *n = 0;
    rc = sk_table_stream_file(path, &queries_opts, on_sample, &s);
    if (rc == 0 && s.n == 0)
        rc = sk_error_set(SK_ENODATA, "%s: no queries", path);
    if (rc != 0) {
        free(s.c);
        free(s.v);
        return rc;
    }
    *conc = s.c;
    *tps = s.v;
    *n = s.n;
    return 0;
}

static void cell(FILE *fp, double v, int first)
{
    if (!first)
        fputc(',', fp);
    if (isfinite(v))
        fprintf(fp, "%.6f", v);
}

/* The interval columns are written when the levels have intervals. */
static int has_ci(const struct sk_level *lv, size_t n)
{
    return n > 0 && lv[0].confidence > 0;
}

static void header_write(FILE *fp, int ci, int planned,
                         const char *const *labels, size_t nlabels)
{
    size_t c;

    for (c = 0; c < SK_SWEEP_NCOLUMNS; c++)
        fprintf(fp, "%s%s", c ? "," : "", sk_sweep_columns[c]);
    for (c = 0; c < SK_SUMMARIZE_NEXTRA; c++)
        fprintf(fp, ",%s", sk_summarize_extra_columns[c]);
    for (c = 0; ci && c < SK_SUMMARIZE_NCI; c++)
        fprintf(fp, ",%s", sk_summarize_ci_columns[c]);
    if (planned)
        fputs("," SK_SWEEP_PLANNED, fp);
    for (c = 0; c < nlabels; c++) {
        fputc(',', fp);
        sk_format_csv_field(fp, labels[c], strlen(labels[c]));
    }
    fputc('\n', fp);
}

void sk_summarize_write_header(FILE *fp, const char *const *labels,
                               size_t nlabels)
{
    header_write(fp, 0, 0, labels, nlabels);
}

void sk_summarize_write_header_planned(FILE *fp, const char *const *labels,
                                       size_t nlabels)
{
    header_write(fp, 0, 1, labels, nlabels);
}

/* Cells of a summary row: the 14 schema columns, the extras, then the
 * interval columns when the level has them. */
#define NBASE (SK_SWEEP_NCOLUMNS + SK_SUMMARIZE_NEXTRA)
#define NCELLS (NBASE + SK_SUMMARIZE_NCI)

/* A level's cells in header order (NaN: an empty cell), and how many;
 * concurrency (0), queries (1) and errors (14) are written without
 * decimals. */
static size_t level_cells(double *c, const struct sk_level *lv)
{
    c[0] = lv->concurrency;
    c[1] = (double)lv->queries;
    c[2] = lv->wall_s;
    c[3] = lv->total_output_tokens;
    c[4] = lv->throughput_tokens_per_s;
    memcpy(&c[5], lv->query_tps, 3 * sizeof(double));
    memcpy(&c[8], lv->ttft_s, 3 * sizeof(double));
    memcpy(&c[11], lv->decode_tps, 3 * sizeof(double));
    c[14] = (double)lv->errors;
    c[15] = lv->ttft_s[4];
    c[16] = lv->query_tps[3];
    c[17] = lv->achieved_concurrency;
    c[18] = lv->steady_tps;
    c[19] = lv->steady_window_s;
    if (!(lv->confidence > 0))
        return NBASE;
    /* in sk_summarize_ci_columns' order */
    c[20] = lv->confidence;
    memcpy(&c[21], lv->query_tps_ci, 4 * sizeof(double)); /* median, p90 */
    memcpy(&c[25], lv->ttft_ci, 4 * sizeof(double));      /* median, p90 */
    memcpy(&c[29], lv->decode_ci, 4 * sizeof(double));    /* median, p90 */
    memcpy(&c[33], lv->ttft_ci[3], 2 * sizeof(double));   /* p99 */
    memcpy(&c[35], lv->query_tps_ci[2], 2 * sizeof(double));
    return NCELLS;
}

/* planned: the planned_queries cell, or (size_t)-1 for none */
static void row_write(FILE *fp, const struct sk_level *lv, size_t planned,
                      const char *const *values, size_t nvalues)
{
    double c[NCELLS];
    size_t k, nc = level_cells(c, lv);

    /* concurrency, queries and errors are counts: no decimals. */
    fprintf(fp, "%.15g,%zu", lv->concurrency, lv->queries);
    for (k = 2; k < nc; k++) {
        if (k == 14)
            fprintf(fp, ",%zu", lv->errors);
        else
            cell(fp, c[k], 0);
    }
    if (planned != (size_t)-1)
        fprintf(fp, ",%zu", planned);
    for (k = 0; k < nvalues; k++) {
        fputc(',', fp);
        sk_format_csv_field(fp, values[k], strlen(values[k]));
    }
    fputc('\n', fp);
}

void sk_summarize_write_row(FILE *fp, const struct sk_level *lv,
                            const char *const *values, size_t nvalues)
{
    row_write(fp, lv, (size_t)-1, values, nvalues);
}

void sk_summarize_write_row_planned(FILE *fp, const struct sk_level *lv,
                                    size_t planned,
                                    const char *const *values,
                                    size_t nvalues)
{
    row_write(fp, lv, planned, values, nvalues);
}

/* `v` as its summary cell holds it: rounded to six decimals ("%.6f")
 * and read back as a reader of the CSV would. */
static double as_written(double v, const char *fmt)
{
    char text[400];
    double x;
    int n;

    if (!isfinite(v))
        return NAN;
    n = snprintf(text, sizeof(text), fmt, v);
    if (n < 0 || (size_t)n >= sizeof(text) ||
        sk_num_parse(&x, text, (size_t)n) != 0)
        return v;
    return x;
}

int sk_summarize_sweep(sk_sweep **out, const char *name,
                       const struct sk_queries *q)
{
    return sk_summarize_levels_sweep(out, name, q->levels, q->nlevels,
                                     q->level_line);
}

int sk_summarize_levels_sweep(sk_sweep **out, const char *name,
                              const struct sk_level *levels, size_t n,
                              const size_t *lines)
{
    const char *names[NCELLS];
    double *cols[NCELLS] = {NULL}, c[NCELLS];
    size_t i, k, nc = has_ci(levels, n) ? NCELLS : NBASE;
    int rc = 0;

    *out = NULL;
    for (k = 0; k < nc; k++) {
        names[k] = k < SK_SWEEP_NCOLUMNS ? sk_sweep_columns[k]
                   : k < NBASE
                       ? sk_summarize_extra_columns[k - SK_SWEEP_NCOLUMNS]
                       : sk_summarize_ci_columns[k - NBASE];
        if (!(cols[k] = malloc((n ? n : 1) * sizeof(double)))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        level_cells(c, &levels[i]);
        for (k = 0; k < nc; k++)
            cols[k][i] = k == 0                ? as_written(c[k], "%.15g")
                         : k == 1 || k == 14 ? c[k]
                                               : as_written(c[k], "%.6f");
    }
    rc = sk_sweep_from_columns(out, name, names, nc,
                               (const double *const *)cols, lines, n);
done:
    for (k = 0; k < nc; k++)
        free(cols[k]);
    return rc;
}

/* The goodput columns (sk_summarize_goodput()) are there when the first
 * level has them. */
static int has_slo(const struct sk_level *lv, size_t n)
{
    return n > 0 && !isnan(lv[0].slo_share);
}

void sk_summarize_write_csv(FILE *fp, const struct sk_level *lv, size_t n)
{
    static const char *const slo_cols[] = {"slo_share",
                                           "goodput_tokens_per_s"};
    size_t i, k = has_slo(lv, n) ? 2 : 0;

    header_write(fp, has_ci(lv, n), 0, slo_cols, k);
    for (i = 0; i < n; i++) {
        char a[64] = "", b[64] = "";
        const char *v[2] = {a, b};

        if (!isnan(lv[i].slo_share))
            snprintf(a, sizeof(a), "%.6f", lv[i].slo_share);
        if (!isnan(lv[i].goodput_tps))
            snprintf(b, sizeof(b), "%.6f", lv[i].goodput_tps);
        sk_summarize_write_row(fp, &lv[i], v, k);
    }
}

/* The people's formats go through top's printers (one table writer for
 * the whole tool): the CSV rendered in memory, all its rows in level
 * order. */
static int write_table(FILE *fp, const struct sk_level *lv, size_t n,
                       sk_format fmt)
{
    sk_top_opts o = {0};
    sk_top *t = NULL;
    char *csv = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&csv, &len);
    int rc;

    if (!mem)
        return sk_error_set(SK_ENOMEM, "out of memory");
    sk_summarize_write_csv(mem, lv, n);
    if (fclose(mem) != 0) {
        free(csv);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    o.field = "concurrency";
    o.count = n;
    if ((rc = sk_top_new(&t, &o)) == 0 &&
        (rc = sk_top_add_buffer(t, "summary", csv, len)) == 0)
        rc = sk_top_write(t, fp, fmt, NULL);
    sk_top_free(t);
    free(csv);
    return rc;
}

/* JSON: each level by the summary row's one serializer. */
static int write_json(FILE *fp, const struct sk_level *lv, size_t n,
                      const json_t *head)
{
    sk_sweep *s = NULL;
    size_t i;
    int rc = n ? sk_summarize_levels_sweep(&s, "summary", lv, n, NULL) : 0;

    if (rc != 0)
        return rc;
    sk_json_list_open(fp, head, "results");
    for (i = 0; i < n && rc == 0; i++) {
        json_t *o = sk_sweep_level_json(s, i);

        if (o && has_slo(lv, n) &&
            (json_object_set_new(o, "slo_share",
                                 sk_json_number(lv[i].slo_share)) != 0 ||
             json_object_set_new(o, "goodput_tokens_per_s",
                                 sk_json_number(lv[i].goodput_tps)) != 0)) {
            json_decref(o);
            o = NULL;
        }
        rc = sk_json_list_item(fp, o, i == 0);
    }
    if (rc == 0)
        sk_json_list_close(fp, n);
    sk_sweep_free(s);
    return rc;
}

int sk_summarize_write(FILE *fp, const struct sk_level *lv, size_t n,
                       sk_format fmt, const json_t *head)
{
    int rc = 0;

    switch (fmt) {
    case SK_FORMAT_CSV: sk_summarize_write_csv(fp, lv, n); break;
    case SK_FORMAT_JSON: rc = write_json(fp, lv, n, head); break;
    default: rc = write_table(fp, lv, n, fmt); break;
    }
    if (rc == 0 && ferror(fp))
        rc = sk_error_set(SK_EIO, "writing the output failed");
    return rc;
}
