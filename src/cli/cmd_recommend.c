/* sweepkit recommend: the concurrency to run at, from sweep summaries, under
 * a TTFT budget, a per-query speed floor or a throughput goal (see
 * docs/recommend.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/num.h"
#include "sweepkit/recommend.h"
#include "sweepkit/sweep.h"
#include "sweepkit/units.h"

#include <gsl/gsl_errno.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 1024
#define NCOLS 9
#define CELL_MAX 48

enum { OPT_BUDGET = 256, OPT_STAT, OPT_MIN_QTPS, OPT_GOAL, OPT_FORMAT };

static const cli_opt options[] = {
    {"file", required_argument, 'f', "FILE",
     "summary CSV to read (repeatable; '-' = stdin; also positional)"},
    {"ttft-budget", required_argument, OPT_BUDGET, "SECONDS",
     "TTFT statistic <= this (2.5, 2.5s, 800ms)"},
    {"ttft-stat", required_argument, OPT_STAT, "STAT",
     "avg (default), median, p90 or p99: which TTFT column"},
    {"min-query-tps", required_argument, OPT_MIN_QTPS, "R",
     "avg_query_tokens_per_s >= R"},
    {"throughput-goal", required_argument, OPT_GOAL, "T",
     "throughput_tokens_per_s >= T (alone: the lowest level reaching it)"},
    {"format", required_argument, OPT_FORMAT, "FMT",
     "table (default), csv, json or markdown"},
    {NULL, 0, 0, NULL, NULL}};

struct rec {
    const char *file;
    sk_recommend_result r;
    char text[SK_RECOMMEND_PARAGRAPH_MAX];
};

/* A limit from the command line: a finite number > 0. */
static int parse_limit(double *out, const char *s, const char *what,
                       int duration)
{
    int rc = duration ? sk_units_parse_duration(out, s, what)
                      : sk_units_parse_double(out, s, what);

    if (rc == 0 && !(*out > 0))
        rc = sk_error_set(SK_EINVAL, "%s: must be > 0, got '%s'", what, s);
    return rc;
}

/* A number for people: two decimals as the summaries are published; "-"
 * when unknown. */
static const char *human(char *buf, double x)
{
    if (isnan(x))
        return "-";
    snprintf(buf, CELL_MAX, fabs(x) >= 0.1 || x == 0 ? "%.2f" : "%.3g", x);
    return buf;
}

static void fill_cells(const char **cell, char (*buf)[CELL_MAX],
                       const struct rec *x)
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

static size_t text_width(const char *s)
{
    size_t w, at;

    return sk_utf8_width(&w, &at, s, strlen(s)) == 0 ? w : strlen(s);
}

static void write_human(FILE *fp, const struct rec *recs, size_t n,
                        enum sk_ttft_stat stat, int markdown)
{
    static const int right[NCOLS] = {0, 0, 1, 1, 1, 1, 1, 0, 1};
    char ttft_head[32];
    const char *head[NCOLS] = {"file",    "found",  "concurrency",
                               ttft_head, "query tok/s", "throughput tok/s",
                               "of peak", "binds",  "estimate"};
    size_t width[NCOLS], i, j, line = 0;

    snprintf(ttft_head, sizeof(ttft_head), "%s TTFT s",
             sk_recommend_stat_name(stat));
    for (j = 0; j < NCOLS; j++)
        width[j] = strlen(head[j]);
    for (i = 0; i < n; i++) {
        const char *cell[NCOLS];
        char buf[NCOLS][CELL_MAX];

        fill_cells(cell, buf, &recs[i]);
        for (j = 0; j < NCOLS; j++)
            if (text_width(cell[j]) > width[j])
                width[j] = text_width(cell[j]);
    }

    if (markdown) {
        fputc('|', fp);
        for (j = 0; j < NCOLS; j++)
            fprintf(fp, " %s |", head[j]);
        fputs("\n|", fp);
        for (j = 0; j < NCOLS; j++)
            fputs(right[j] ? " ---: |" : " --- |", fp);
        fputc('\n', fp);
    } else {
        for (j = 0; j < NCOLS; j++) {
            fputs(j ? " | " : "", fp);
            sk_format_padded(fp, head[j], strlen(head[j]),
                             j + 1 < NCOLS ? width[j] - strlen(head[j]) : 0,
                             0);
            line += width[j] + (j ? 3 : 0);
        }
        fputc('\n', fp);
        for (j = 0; j < line; j++)
            fputc('-', fp);
        fputc('\n', fp);
    }
    for (i = 0; i < n; i++) {
        const char *cell[NCOLS];
        char buf[NCOLS][CELL_MAX];

        fill_cells(cell, buf, &recs[i]);
        fputs(markdown ? "|" : "", fp);
        for (j = 0; j < NCOLS; j++) {
            size_t w = text_width(cell[j]);

            if (markdown) {
                fputc(' ', fp);
                sk_format_markdown_cell(fp, cell[j], strlen(cell[j]));
                fputs(" |", fp);
                continue;
            }
            fputs(j ? " | " : "", fp);
            /* No trailing blanks after a left-aligned last cell. */
            sk_format_padded(fp, cell[j], strlen(cell[j]),
                             right[j] || j + 1 < NCOLS ? width[j] - w : 0,
                             right[j]);
        }
        fputc('\n', fp);
    }
    for (i = 0; i < n; i++) {
        fputc('\n', fp);
        if (markdown) {
            fputs("**", fp);
            sk_format_markdown_cell(fp, recs[i].file, strlen(recs[i].file));
            fprintf(fp, "**: %s\n", recs[i].text);
        } else {
            fprintf(fp, "%s: %s\n", recs[i].file, recs[i].text);
        }
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
    "summary",
};
#define NKEYS (sizeof(machine_keys) / sizeof(machine_keys[0]))

/* Field k of a record: text in *s, or a number in *v (NaN = missing). */
static void machine_field(const struct rec *x, size_t k, const char **s,
                          double *v)
{
    const sk_recommend_result *r = &x->r;
    const double nums[NKEYS] = {
        0, 0, r->concurrency, 0, r->ttft_s, r->opts.ttft_budget_s,
        r->query_tokens_per_s, r->opts.min_query_tokens_per_s,
        r->throughput_tokens_per_s, r->opts.throughput_goal_tokens_per_s,
        r->peak_throughput_tokens_per_s, r->peak_concurrency, r->peak_share,
        0, r->neighbour_concurrency, r->neighbour_value,
        r->estimate_concurrency, 0};

    *s = NULL;
    *v = nums[k];
    switch (k) {
    case 0: *s = x->file; break;
    case 1: *s = r->found ? "true" : "false"; break;
    case 3: *s = sk_recommend_stat_name(r->opts.ttft_stat); break;
    case 13: *s = sk_recommend_limit_name(r->binding); break;
    case 17: *s = x->text; break;
    default: break;
    }
}

static void write_machine(FILE *fp, const struct rec *recs, size_t n,
                          int json)
{
    char num[SK_NUM_REPR_MAX];
    size_t i, k;

    if (json)
        fputc('[', fp);
    else
        for (k = 0; k < NKEYS; k++)
            fprintf(fp, "%s%s", k ? "," : "", machine_keys[k]);
    if (!json)
        fputc('\n', fp);
    for (i = 0; i < n; i++) {
        fputs(json ? (i ? ",\n  {" : "\n  {") : "", fp);
        for (k = 0; k < NKEYS; k++) {
            const char *s;
            double v;
            size_t len;

            machine_field(&recs[i], k, &s, &v);
            if (json)
                fprintf(fp, "%s\"%s\": ", k ? ", " : "", machine_keys[k]);
            else if (k)
                fputc(',', fp);
            if (json && k == 1)
                fputs(s, fp); /* true / false */
            else if (s && json)
                sk_format_json_string(fp, s, strlen(s));
            else if (s)
                sk_format_csv_field(fp, s, strlen(s));
            else if (isnan(v))
                fputs(json ? "null" : "", fp);
            else {
                len = sk_num_repr(num, sizeof(num), v);
                fwrite(num, 1, len, fp);
            }
        }
        fputs(json ? "}" : "\n", fp);
    }
    if (json)
        fputs(n ? "\n]\n" : "]\n", fp);
}

int cmd_recommend(int argc, char **argv)
{
    static const char prog[] = "sweepkit recommend";
    const char *files[MAX_FILES];
    struct rec *recs = NULL;
    sk_recommend_opts o;
    sk_format fmt = SK_FORMAT_TABLE;
    sk_sweep *s = NULL;
    size_t nfiles = 0, i, nmissed = 0;
    char msg[300];
    int c, rc = 0, status;

    gsl_set_error_handler_off();
    sk_recommend_opts_init(&o);
    optind = 1;
    while ((c = cli_getopt(argc, argv, options, prog)) != -1) {
        switch (c) {
        case 'h':
            cli_help(stdout,
                     "sweepkit recommend [--file] FILE... [--ttft-budget "
                     "SECONDS] [--ttft-stat STAT]\n"
                     "       [--min-query-tps R] [--throughput-goal T] "
                     "[--format FMT]",
                     "Recommend a concurrency from sweep summaries: the "
                     "highest measured level that meets\n"
                     "every constraint given (limits inclusive), or for a "
                     "throughput goal alone the lowest\n"
                     "level reaching it, with an interpolated estimate of "
                     "where the binding limit lies.\n"
                     "Exit status 1 when some file has no qualifying "
                     "level.",
                     options);
            return SK_EXIT_OK;
        case 'f':
            if (nfiles == MAX_FILES)
                return cli_usage_error(prog, "too many files");
            files[nfiles++] = optarg;
            break;
        case OPT_BUDGET:
            if (parse_limit(&o.ttft_budget_s, optarg, "--ttft-budget", 1))
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_STAT:
            if (sk_recommend_stat_parse(&o.ttft_stat, optarg) != 0) {
                snprintf(msg, sizeof(msg), "--ttft-stat: %s",
                         sk_error_last());
                return cli_usage_error(prog, msg);
            }
            break;
        case OPT_MIN_QTPS:
            if (parse_limit(&o.min_query_tokens_per_s, optarg,
                            "--min-query-tps", 0))
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_GOAL:
            if (parse_limit(&o.throughput_goal_tokens_per_s, optarg,
                            "--throughput-goal", 0))
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_FORMAT:
            if (sk_format_parse(&fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        default:
            return SK_EXIT_USAGE;
        }
    }
    if (cli_positional_files(files, &nfiles, MAX_FILES, argc, argv, prog))
        return SK_EXIT_USAGE;
    if (nfiles == 0)
        return cli_usage_error(prog, "no input: give --file FILE");
    if (isnan(o.ttft_budget_s) && isnan(o.min_query_tokens_per_s) &&
        isnan(o.throughput_goal_tokens_per_s))
        return cli_usage_error(prog, "no constraint: give --ttft-budget, "
                                     "--min-query-tps or --throughput-goal");

    if (!(recs = calloc(nfiles, sizeof(*recs))))
        return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
    /* Every file is read before anything is printed: a bad file fails the
     * command without half a table on stdout. */
    for (i = 0; i < nfiles && rc == 0; i++) {
        recs[i].file = strcmp(files[i], "-") ? files[i] : "<stdin>";
        if ((rc = sk_sweep_load(&s, files[i])) == 0 &&
            (rc = sk_recommend_sweep(&recs[i].r, s, &o)) == 0)
            rc = sk_recommend_paragraph(recs[i].text, sizeof(recs[i].text),
                                        &recs[i].r);
        sk_sweep_free(s);
        s = NULL;
    }
    if (rc != 0) {
        status = cli_fail(prog, rc);
        goto done;
    }

    if (fmt == SK_FORMAT_CSV || fmt == SK_FORMAT_JSON)
        write_machine(stdout, recs, nfiles, fmt == SK_FORMAT_JSON);
    else
        write_human(stdout, recs, nfiles, o.ttft_stat,
                    fmt == SK_FORMAT_MARKDOWN);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        status = cli_fail(prog, sk_error_set(SK_EIO, "writing standard "
                                                     "output failed"));
        goto done;
    }
    for (i = 0; i < nfiles; i++) {
        if (recs[i].r.found)
            continue;
        nmissed++;
        fprintf(stderr,
                "%s: %s: no measured level meets every constraint "
                "(closest: concurrency %g)\n",
                prog, recs[i].file, recs[i].r.concurrency);
    }
    status = nmissed ? SK_EXIT_RUNTIME : SK_EXIT_OK;
done:
    free(recs);
    return status;
}
