#include "sweepkit/summarize.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/metrics.h"
#include "sweepkit/num.h"
#include "sweepkit/stats.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { F_TOKENS, F_QTPS, F_TTFT, F_DECODE, F_START, F_END, NFIELDS };

static const char *const fields[NFIELDS] = {
    "output_tokens", "tokens_per_s", "ttft_s",
    "decode_tokens_per_s", "start_s", "end_s"};

#define HEADER_SEEN 1 /* stops the header peek; not an error code */

static int peek_header(void *payload, const sk_row *row)
{
    int *has_times = payload;
    size_t i, found = 0;

    for (i = 0; i < row->nfields; i++)
        if (strcmp(row->field[i], "start_s") == 0 ||
            strcmp(row->field[i], "end_s") == 0)
            found++;
    *has_times = found == 2;
    return HEADER_SEEN;
}

const char *const sk_summarize_extra_columns[SK_SUMMARIZE_NEXTRA] = {
    "errors", "p99_ttft_s", "p99_query_tokens_per_s", "achieved_concurrency"};

static int level(struct sk_level *lv, sk_stats_groups *g, size_t i,
                 int has_times, const char *name)
{
    static const double p3[] = {50, 90, 99}, p5[] = {50, 90, 95, 99};
    struct sk_stats_summary s;
    const char *key = sk_stats_groups_key(g, i, 0);
    double pct[4], start = NAN;
    int rc;

    memset(lv, 0, sizeof(*lv));
    lv->achieved_concurrency = NAN;
    if ((rc = sk_num_level(&lv->concurrency, key, strlen(key), name,
                           sk_stats_groups_line(g, i))) != 0)
        return rc;
    if ((rc = sk_stats_groups_summarize(&s, NULL, g, i, F_TOKENS, NULL,
                                        0)) != 0)
        return rc;
    lv->queries = s.count + s.missing;
    lv->errors = s.missing;
    lv->total_output_tokens = s.count ? s.mean * (double)s.count : NAN;

    if ((rc = sk_stats_groups_summarize(&s, pct, g, i, F_QTPS, p3, 3)) != 0)
        return rc;
    lv->query_tps[0] = s.mean;
    memcpy(&lv->query_tps[1], pct, 3 * sizeof(double));
    if ((rc = sk_stats_groups_summarize(&s, pct, g, i, F_TTFT, p5, 4)) != 0)
        return rc;
    lv->ttft_s[0] = s.mean;
    memcpy(&lv->ttft_s[1], pct, 4 * sizeof(double));
    if ((rc = sk_stats_groups_summarize(&s, pct, g, i, F_DECODE, p3, 2)) !=
        0)
        return rc;
    lv->decode_tps[0] = s.mean;
    lv->decode_tps[1] = pct[0];
    lv->decode_tps[2] = pct[1];

    lv->wall_s = NAN;
    if (has_times) {
        double busy;

        if ((rc = sk_stats_groups_summarize(&s, NULL, g, i, F_START, NULL,
                                            0)) != 0)
            return rc;
        start = s.min;
        busy = -s.mean * (double)s.count;
        if ((rc = sk_stats_groups_summarize(&s, NULL, g, i, F_END, NULL,
                                            0)) != 0)
            return rc;
        lv->wall_s = s.max - start;
        /* sum of (end - start) = sum of ends - sum of starts */
        busy += s.mean * (double)s.count;
        lv->achieved_concurrency =
            sk_metric_achieved_concurrency(busy, lv->wall_s);
    }
    lv->throughput_tokens_per_s =
        sk_metric_throughput(lv->total_output_tokens, lv->wall_s);
    return 0;
}

static int compose(struct sk_level **out, size_t *nlevels, int has_times,
                   sk_stats_groups *g, const char *name)
{
    size_t i, n = sk_stats_groups_count(g);
    struct sk_level *lv;
    int rc = 0;

    if (n == 0)
        return sk_error_set(SK_ENODATA, "%s: no per-query rows", name);
    if (!(lv = calloc(n, sizeof(*lv))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == 0; i++) {
        rc = level(&lv[i], g, i, has_times, name);
        /* Groups are keyed by text, sorted by value: "1" and "1.0" are
         * two groups side by side but one level. */
        if (rc == 0 && i > 0 && lv[i].concurrency == lv[i - 1].concurrency) {
            /* Name the later spelling's line, and the earlier one. */
            size_t early =
                sk_stats_groups_line(g, i - 1) < sk_stats_groups_line(g, i)
                    ? i - 1
                    : i;
            size_t late = early == i ? i - 1 : i;

            rc = sk_error_set(SK_EPARSE,
                              "%s:%zu: concurrency '%s' is the level "
                              "written '%s' on line %zu; write each level "
                              "one way",
                              name, sk_stats_groups_line(g, late),
                              sk_stats_groups_key(g, late, 0),
                              sk_stats_groups_key(g, early, 0),
                              sk_stats_groups_line(g, early));
        }
    }
    if (rc) {
        free(lv);
        return rc;
    }
    *out = lv;
    *nlevels = n;
    return 0;
}

static sk_stats_opts opts_for(int has_times)
{
    static const char *const by[] = {"concurrency"};
    sk_stats_opts o = {0};

    o.by = by;
    o.nby = 1;
    o.fields = fields;
    o.nfields = has_times ? NFIELDS : F_START;
    return o;
}

int sk_summarize_file(struct sk_level **out, size_t *nlevels,
                      int *has_times, const char *path)
{
    sk_stats_groups *g = NULL;
    sk_stats_opts o;
    int rc;

    *out = NULL;
    *has_times = 0;
    if (strcmp(path, "-") == 0)
        return sk_error_set(SK_EINVAL, "summarize reads a file, not "
                                       "standard input (its header is read "
                                       "first)");
    rc = sk_table_stream_file(path, NULL, peek_header, has_times);
    if (rc == 0)
        return sk_error_set(SK_ENODATA, "%s: empty file", path);
    if (rc != HEADER_SEEN)
        return rc;
    o = opts_for(*has_times);
    if ((rc = sk_stats_groups_from_file(&g, path, &o)) == 0)
        rc = compose(out, nlevels, *has_times, g, path);
    sk_stats_groups_free(g);
    return rc;
}

int sk_summarize_buffer(struct sk_level **out, size_t *nlevels,
                        int *has_times, const char *name, const char *buf,
                        size_t len)
{
    sk_stats_groups *g = NULL;
    sk_stats_opts o;
    int rc;

    *out = NULL;
    *has_times = 0;
    rc = sk_table_stream_buffer(name, buf, len, NULL, peek_header,
                                has_times);
    if (rc == 0)
        return sk_error_set(SK_ENODATA, "%s: empty file", name);
    if (rc != HEADER_SEEN)
        return rc;
    o = opts_for(*has_times);
    if ((rc = sk_stats_groups_from_buffer(&g, name, buf, len, &o)) == 0)
        rc = compose(out, nlevels, *has_times, g, name);
    sk_stats_groups_free(g);
    return rc;
}

struct samples {
    size_t ci, vi;
    double *c, *v;
    size_t n, cap;
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
        return sk_table_column(&s->vi, row, "tokens_per_s");
    }
    if ((rc = sample_cell(&c, row, s->ci, "concurrency")) != 0 ||
        (rc = sample_cell(&v, row, s->vi, "tokens_per_s")) != 0)
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
                         const char *path)
{
    struct samples s;
    int rc;

    memset(&s, 0, sizeof(s));
    *conc = *tps = NULL;
    *n = 0;
    rc = sk_table_stream_file(path, NULL, on_sample, &s);
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

void sk_summarize_write_header(FILE *fp, const char *const *labels,
                               size_t nlabels)
{
    size_t c;

    for (c = 0; c < SK_SWEEP_NCOLUMNS; c++)
        fprintf(fp, "%s%s", c ? "," : "", sk_sweep_columns[c]);
    for (c = 0; c < SK_SUMMARIZE_NEXTRA; c++)
        fprintf(fp, ",%s", sk_summarize_extra_columns[c]);
    for (c = 0; c < nlabels; c++) {
        fputc(',', fp);
        sk_format_csv_field(fp, labels[c], strlen(labels[c]));
    }
    fputc('\n', fp);
}

void sk_summarize_write_row(FILE *fp, const struct sk_level *lv,
                            const char *const *values, size_t nvalues)
{
    size_t c;

    /* concurrency, queries and errors are counts: no decimals. */
    fprintf(fp, "%.15g,%zu", lv->concurrency, lv->queries);
    cell(fp, lv->wall_s, 0);
    cell(fp, lv->total_output_tokens, 0);
    cell(fp, lv->throughput_tokens_per_s, 0);
    for (c = 0; c < 3; c++)
        cell(fp, lv->query_tps[c], 0);
    for (c = 0; c < 3; c++)
        cell(fp, lv->ttft_s[c], 0);
    for (c = 0; c < 3; c++)
        cell(fp, lv->decode_tps[c], 0);
    fprintf(fp, ",%zu", lv->errors);
    cell(fp, lv->ttft_s[4], 0);
    cell(fp, lv->query_tps[3], 0);
    cell(fp, lv->achieved_concurrency, 0);
    for (c = 0; c < nvalues; c++) {
        fputc(',', fp);
        sk_format_csv_field(fp, values[c], strlen(values[c]));
    }
    fputc('\n', fp);
}

void sk_summarize_write_csv(FILE *fp, const struct sk_level *lv, size_t n)
{
    size_t i;

    sk_summarize_write_header(fp, NULL, 0);
    for (i = 0; i < n; i++)
        sk_summarize_write_row(fp, &lv[i], NULL, 0);
}
