/*
 * recommend's writers: the table and Markdown for people, CSV and JSON
 * for machines (docs/recommend.md).  Moved from the CLI's cmd_recommend.c
 * (issue 13); the text is unchanged.
 */
#include "sweepkit/recommend.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/json.h"
#include "sweepkit/num.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NCOLS 9
#define CELL_MAX 48

/* A number for people: two decimals as the summaries are published; "-"
 * when unknown. */
static const char *human(char *buf, double x)
{
    return isnan(x) ? "-" : sk_num_human(buf, CELL_MAX, x);
}

static void fill_cells(const char **cell, char (*buf)[CELL_MAX],
                       const struct sk_recommend_entry *x)
{
    const sk_recommend_result *r = &x->r;

    cell[0] = x->file;
    cell[1] = r->found ? "yes" : "no";
    snprintf(buf[2], CELL_MAX, "%g", r->concurrency);
    cell[2] = buf[2];
    cell[3] = human(buf[3], r->ttft_s);
    cell[4] = human(buf[4], r->query_tokens_per_s);
    cell[5] = human(buf[5], r->throughput_tokens_per_s);
    snprintf(buf[6], CELL_MAX, "%.1f%%", 100 * r->peak_share);
    cell[6] = isnan(r->peak_share) ? "-" : buf[6];
    cell[7] = sk_recommend_limit_name(r->binding);
    if (isnan(r->estimate_concurrency))
        cell[8] = "-";
    else {
        snprintf(buf[8], CELL_MAX, "%.1f", r->estimate_concurrency);
        cell[8] = buf[8];
    }
}

static void write_human(FILE *fp, const struct sk_recommend_entry *recs, size_t n,
                        enum sk_ttft_stat stat, int markdown)
{
    static const int right[NCOLS] = {0, 0, 1, 1, 1, 1, 1, 0, 1};
    char ttft_head[32];
    const char *head[NCOLS] = {"file",    "found",  "concurrency",
                               ttft_head, "query tok/s", "throughput tok/s",
                               "of peak", "binds",  "estimate"};
    size_t width[NCOLS], i, j;

    snprintf(ttft_head, sizeof(ttft_head), "%s TTFT s",
             sk_recommend_stat_name(stat));
    for (j = 0; j < NCOLS; j++)
        width[j] = strlen(head[j]);
    for (i = 0; i < n; i++) {
        const char *cell[NCOLS];
        char buf[NCOLS][CELL_MAX];

        fill_cells(cell, buf, &recs[i]);
        for (j = 0; j < NCOLS; j++)
            if (sk_format_width(cell[j], strlen(cell[j])) > width[j])
                width[j] = sk_format_width(cell[j], strlen(cell[j]));
    }

    if (markdown) {
        fputc('|', fp);
        for (j = 0; j < NCOLS; j++)
            sk_format_markdown_row_cell(fp, head[j], strlen(head[j]));
        fputs("\n|", fp);
        for (j = 0; j < NCOLS; j++)
            sk_format_markdown_align(fp, right[j]);
        fputc('\n', fp);
    } else {
        for (j = 0; j < NCOLS; j++)
            sk_format_table_cell(fp, j, " | ", head[j], strlen(head[j]),
                                 width[j], 0, j + 1 == NCOLS);
        fputc('\n', fp);
        sk_format_table_rule(fp, width, NCOLS);
    }
    for (i = 0; i < n; i++) {
        const char *cell[NCOLS];
        char buf[NCOLS][CELL_MAX];

        fill_cells(cell, buf, &recs[i]);
        fputs(markdown ? "|" : "", fp);
        for (j = 0; j < NCOLS; j++)
            if (markdown)
                sk_format_markdown_row_cell(fp, cell[j], strlen(cell[j]));
            else /* no trailing blanks after a left-aligned last cell */
                sk_format_table_cell(fp, j, " | ", cell[j], strlen(cell[j]),
                                     width[j], right[j], j + 1 == NCOLS);
        fputc('\n', fp);
    }
    for (i = 0; i < n; i++) {
        char lo[600];

        sk_sweep_left_out_text(lo, sizeof(lo), &recs[i].left_out);
        fputc('\n', fp);
        if (markdown) {
            fputs("**", fp);
            sk_format_markdown_cell(fp, recs[i].file, strlen(recs[i].file));
            fprintf(fp, "**: %s%s%s%s%s%s%s\n", recs[i].text,
                    lo[0] ? " Left out: " : "", lo, lo[0] ? "." : "",
                    recs[i].flags[0] ? " Caveat at the answer: " : "",
                    recs[i].flags, recs[i].flags[0] ? "." : "");
        } else {
            fprintf(fp, "%s: %s%s%s%s%s%s%s\n", recs[i].file, recs[i].text,
                    lo[0] ? " Left out: " : "", lo, lo[0] ? "." : "",
                    recs[i].flags[0] ? " Caveat at the answer: " : "",
                    recs[i].flags, recs[i].flags[0] ? "." : "");
        }
    }
    for (i = 0; i < n; i++)
        if (recs[i].best > 0) {
            char num[CELL_MAX];

            fprintf(fp, "\n%sbest of %zu configurations (%s):%s ",
                    markdown ? "**" : "", recs[i].nconfigs,
                    sk_recommend_best_reason(&recs[i]),
                    markdown ? "**" : "");
            if (markdown)
                sk_format_markdown_cell(fp, recs[i].group,
                                        strlen(recs[i].group));
            else
                fputs(recs[i].group, fp);
            fprintf(fp, ": concurrency %g", recs[i].r.concurrency);
            if (!isnan(recs[i].r.throughput_tokens_per_s))
                fprintf(fp, ", %s tok/s",
                        human(num, recs[i].r.throughput_tokens_per_s));
            fputc('\n', fp);
        }
}

static const char *const machine_keys[] = {
    "file",
    "found",
    "concurrency",
    "ttft_stat",
    "ttft_s",
    "ttft_budget_s",
    "avg_query_tokens_per_s",
    "min_query_tokens_per_s",
    "throughput_tokens_per_s",
    "throughput_goal_tokens_per_s",
    "peak_throughput_tokens_per_s",
    "peak_concurrency",
    "peak_share",
    "binding",
    "neighbour_concurrency",
    "neighbour_value",
    "estimate_concurrency",
    "ceiling_concurrency",
    "ttft_s_hi",
    "confidence",
    "budget_confident",
    "summary",
    /* CSV only; JSON has them for a grid (and when levels were left out) */
    "group",
    "best",
    "failed_levels",
    "partial_levels",
    "flags",
    "no_steady_window_levels",
};
#define NJSON 22 /* the keys every JSON record has */
#define NKEYS (sizeof(machine_keys) / sizeof(machine_keys[0]))

/* Field k of a record: text in *s, or a number in *v (NaN = missing). */
static void machine_field(const struct sk_recommend_entry *x, size_t k, const char **s,
                          double *v, char (*lists)[512])
{
    const sk_recommend_result *r = &x->r;
    const double nums[NKEYS] = {
        0, 0, r->concurrency, 0, r->ttft_s, r->opts.ttft_budget_s,
        r->query_tokens_per_s, r->opts.min_query_tokens_per_s,
        r->throughput_tokens_per_s, r->opts.throughput_goal_tokens_per_s,
        r->peak_throughput_tokens_per_s, r->peak_concurrency, r->peak_share,
        0, r->neighbour_concurrency, r->neighbour_value,
        r->estimate_concurrency, r->ceiling_concurrency, r->ttft_hi,
        r->confidence, 0, 0, 0, 0, 0, 0, 0, 0};

    *s = NULL;
    *v = nums[k];
    switch (k) {
    case 0: *s = x->file; break;
    case 1: *s = r->found ? "true" : "false"; break;
    case 3: *s = sk_recommend_stat_name(r->opts.ttft_stat); break;
    case 13: *s = sk_recommend_limit_name(r->binding); break;
    case 20: /* true, false, unknown (NaN) */
        *v = r->budget_confident < 0 ? NAN : r->budget_confident;
        *s = r->budget_confident < 0 ? NULL
             : r->budget_confident  ? "true"
                                    : "false";
        break;
    case 21: *s = x->text; break;
    case 22: *s = x->group ? x->group : ""; break;
    case 23: *s = x->best > 0 ? "1" : x->best < 0 ? "0" : ""; break;
    case 24:
    case 25:
        sk_sweep_levels_list(lists[k - 24], sizeof(lists[0]),
                             k == 24 ? &x->left_out.failed
                                     : &x->left_out.partial,
                             " ");
        *s = lists[k - 24];
        break;
    case 26: *s = x->flags; break;
    case 27:
        sk_sweep_levels_list(lists[0], sizeof(lists[0]),
                             &x->left_out.no_window, " ");
        *s = lists[0];
        break;
    default: break;
    }
}

json_t *sk_recommend_json(const struct sk_recommend_entry *e,
                          const char *error)
{
    json_t *o = json_object();
    size_t k;

    if (!o)
        return NULL;
    for (k = 0; k < NJSON; k++) {
        const char *s;
        double v;
        json_t *j;
        char lists[2][512];
        /* With no answer only the file and the constraints are known. */
        int known = !error || k == 0 || k == 3 || k == 5 || k == 7 || k == 9;

        machine_field(e, k, &s, &v, lists);
        j = !known   ? json_null()
            : k == 1 ? json_boolean(e->r.found)
            : k == 20 && s ? json_boolean(e->r.budget_confident)
            : s      ? sk_json_string(s)
                     : sk_json_number(v);
        if (json_object_set_new(o, machine_keys[k], j) != 0 ||
            (k == 0 &&
             json_object_set_new(o, "error", sk_json_string(error)) != 0)) {
            json_decref(o);
            return NULL;
        }
    }
    /* Keys that only a grid has: a single sweep's object is unchanged. */
    if ((e->group && e->group[0] &&
         json_object_set_new(o, "group", sk_json_string(e->group)) != 0) ||
        (e->best &&
         json_object_set_new(o, "best", json_boolean(e->best > 0)) != 0) ||
        (e->flags[0] &&
         json_object_set_new(o, "flags", sk_json_string(e->flags)) != 0) ||
        sk_sweep_left_out_json(o, &e->left_out) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void write_csv(FILE *fp, const struct sk_recommend_entry *recs,
                      size_t n)
{
    char num[SK_NUM_REPR_MAX];
    size_t i, k;

    for (k = 0; k < NKEYS; k++)
        fprintf(fp, "%s%s", k ? "," : "", machine_keys[k]);
    fputc('\n', fp);
    for (i = 0; i < n; i++) {
        for (k = 0; k < NKEYS; k++) {
            const char *s;
            double v;
            size_t len;
            char lists[2][512];

            machine_field(&recs[i], k, &s, &v, lists);
            if (k)
                fputc(',', fp);
            if (s)
                sk_format_csv_field(fp, s, strlen(s));
            else if (!isnan(v)) {
                len = sk_num_repr(num, sizeof(num), v);
                fwrite(num, 1, len, fp);
            }
        }
        fputc('\n', fp);
    }
}

static int write_json(FILE *fp, const struct sk_recommend_entry *recs,
                      size_t n, const json_t *head)
{
    size_t i;
    int rc;

    sk_json_list_open(fp, head, "results");
    for (i = 0; i < n; i++)
        if ((rc = sk_json_list_item(fp, sk_recommend_json(&recs[i], NULL),
                                    i == 0)) != 0)
            return rc;
    sk_json_list_close(fp, n);
    return 0;
}

int sk_recommend_write(FILE *fp, const struct sk_recommend_entry *recs,
                       size_t n, enum sk_ttft_stat stat, sk_format fmt,
                       const json_t *head)
{
    if (fmt == SK_FORMAT_JSON) {
        int rc = write_json(fp, recs, n, head);

        if (rc != 0)
            return rc;
    } else if (fmt == SK_FORMAT_CSV)
        write_csv(fp, recs, n);
    else
        write_human(fp, recs, n, stat, fmt == SK_FORMAT_MARKDOWN);
    if (fflush(fp) != 0 || ferror(fp))
        return sk_error_set(SK_EIO, "writing the output failed");
    return 0;
}

void sk_recommend_write_miss(FILE *fp, const struct sk_recommend_entry *e)
{
    fprintf(fp,
            "%s: no measured level meets every constraint "
            "(closest: concurrency %g)\n",
            e->file, e->r.concurrency);
}
