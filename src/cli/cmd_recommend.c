/* sweepkit recommend: the concurrency to run at, from sweep summaries, under
 * a TTFT budget, a per-query speed floor or a throughput goal (see
 * docs/recommend.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/recommend.h"
#include "sweepkit/sweep.h"
#include "sweepkit/units.h"

#include <gsl/gsl_errno.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 1024

enum {
    OPT_BUDGET = 256,
    OPT_STAT,
    OPT_MIN_QTPS,
    OPT_GOAL,
    OPT_FORMAT,
    OPT_GROUP_BY,
    OPT_PARTIAL,
    OPT_POLICY,
    OPT_TOLERANCE,
    OPT_MAX_ERRORS,
    OPT_MIN_SLO,
    OPT_THROUGHPUT
};

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
    {"max-error-rate", required_argument, OPT_MAX_ERRORS, "PCT",
     "failed queries / queries <= PCT percent (0 allowed)"},
    {"min-slo-share", required_argument, OPT_MIN_SLO, "PCT",
     "slo_share >= PCT percent (a summary from summarize --slo)"},
    {"policy", required_argument, OPT_POLICY, "knee|max",
     "knee (default): the lowest qualifying level within --tolerance of "
     "the best qualifying throughput; max: the highest qualifying level"},
    {"tolerance", required_argument, OPT_TOLERANCE, "PCT",
     "throughput the knee policy gives up, in percent (default 5)"},
    {"group-by", required_argument, OPT_GROUP_BY, "COLS",
     "an answer per value of these comma-separated columns, and the best "
     "(default: a grid's configuration columns when a level repeats)"},
    {"include-partial", no_argument, OPT_PARTIAL, NULL,
     "use levels that ran fewer queries than planned (default: left out)"},
    CLI_OPT_THROUGHPUT(OPT_THROUGHPUT),
    CLI_OPT_FORMAT(OPT_FORMAT),
    CLI_OPT_DELIMITER,
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit recommend [--file] FILE... [--ttft-budget "
    "SECONDS] [--ttft-stat STAT]\n"
    "       [--min-query-tps R] [--throughput-goal T] [--max-error-rate "
    "PCT]\n"
    "       [--min-slo-share PCT] "
    "[--group-by COLS] [--include-partial]\n"
    "       [--throughput wall|steady]\n"
    "       [--policy knee|max] [--tolerance PCT] [--format FMT]",
    "Recommend a concurrency from sweep summaries: of the "
    "measured levels that meet every\n"
    "constraint given (limits inclusive), the lowest within "
    "5% of the best throughput\n"
    "(past the knee more concurrency only queues; --policy "
    "max: the highest), or for a\n"
    "throughput goal alone the lowest level reaching it, "
    "with an interpolated estimate of\n"
    "where the binding limit lies;\n"
    "for a configuration grid, one answer per configuration "
    "and the best of them.\n"
    "Exit status 1 when some file (grid: every "
    "configuration) has no qualifying level.",
    options};

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

/* A percentage in [0, 100) (`share`: in (0, 100]) into *out as a
 * fraction; the error names the option and the range. */
static int parse_percent(double *out, const char *s, const char *what,
                         int share)
{
    int rc = sk_units_parse_double(out, s, what);

    if (rc == 0 &&
        !(share ? *out > 0 && *out <= 100 : *out >= 0 && *out < 100))
        rc = sk_error_set(SK_EINVAL, "%s: expected a percentage in %s", what,
                          share ? "(0, 100]" : "[0, 100)");
    *out /= 100;
    return rc;
}

/*
 * Read every file (each one sweep or a grid of them) into entries
 * recs[0..*n), growing *recs; sets[] keeps what the entries borrow.
 * Returns 0 or the first failure; *nmissed counts the files without a
 * qualifying level (for a grid: no configuration qualifies).
 */
static int load_all(struct sk_recommend_entry **recs, size_t *n,
                    sk_sweep_set **sets, size_t *nmissed,
                    const char *const *files, size_t nfiles,
                    const char *group_by, const sk_recommend_opts *o,
                    unsigned flags)
{
    size_t i, k, cap = 0;
    int rc;

    for (i = 0; i < nfiles; i++) {
        size_t m, first = *n, best;

        if ((rc = sk_sweep_set_load(&sets[i], files[i], group_by)) != 0)
            return rc;
        m = sk_sweep_set_count(sets[i]);
        if (*n + m > cap) {
            struct sk_recommend_entry *t;

            cap = 2 * (*n + m);
            if (!(t = realloc(*recs, cap * sizeof(*t))))
                return sk_error_set(SK_ENOMEM, "out of memory");
            *recs = t;
        }
        for (k = 0; k < m; k++)
            if ((rc = sk_recommend_analyse(&(*recs)[(*n)++],
                                           sk_sweep_set_get(sets[i], k), o,
                                           flags)) != 0)
                return rc;
        best = sk_recommend_best(*recs + first, m);
        if (m > 1 ? best == m : !(*recs)[first].r.found)
            ++*nmissed;
    }
    return 0;
}

int cmd_recommend(int argc, char **argv)
{
    static const char prog[] = "sweepkit recommend";
    const char *files[MAX_FILES], *group_by = NULL;
    struct sk_recommend_entry *recs = NULL;
    sk_sweep_set **sets = NULL;
    sk_recommend_opts o;
    json_t *head = NULL;
    sk_format fmt = SK_FORMAT_TABLE;
    size_t nfiles = 0, i, n = 0, nmissed = 0;
    char msg[300];
    int c, rc, status;
    unsigned flags = 0;

    gsl_set_error_handler_off();
    sk_recommend_opts_init(&o);
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'f':
            if (cli_add_file(files, &nfiles, MAX_FILES, optarg, prog))
                return SK_EXIT_USAGE;
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
        case OPT_MAX_ERRORS:
            if (parse_percent(&o.max_error_rate, optarg, "--max-error-rate",
                              0))
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_MIN_SLO:
            if (parse_percent(&o.min_slo_share, optarg, "--min-slo-share", 1))
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_POLICY:
            if (strcmp(optarg, "knee") && strcmp(optarg, "max"))
                return cli_usage_error(prog, "--policy: expected knee or "
                                             "max");
            o.policy_max = strcmp(optarg, "max") == 0;
            break;
        case OPT_TOLERANCE:
            if (parse_percent(&o.tolerance, optarg, "--tolerance", 0))
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_GROUP_BY: group_by = optarg; break;
        case OPT_PARTIAL: flags |= SK_SWEEP_PARTIAL; break;
        case OPT_THROUGHPUT:
            if (cli_parse_throughput(&flags, optarg) != 0)
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
        isnan(o.throughput_goal_tokens_per_s) && isnan(o.max_error_rate) &&
        isnan(o.min_slo_share))
        return cli_usage_error(prog, "no constraint: give --ttft-budget, "
                                     "--min-query-tps, --throughput-goal or "
                                     "--max-error-rate");

    if (!(sets = calloc(nfiles, sizeof(*sets))))
        return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
    /* Every file is read before anything is printed: a bad file fails the
     * command without half a table on stdout. */
    if ((rc = load_all(&recs, &n, sets, &nmissed, files, nfiles, group_by,
                       &o, flags)) != 0) {
        status = cli_fail(prog, rc);
        goto done;
    }

    if (fmt == SK_FORMAT_JSON && !(head = cli_provenance(prog))) {
        status = SK_EXIT_RUNTIME;
        goto done;
    }
    /* A failed write keeps the command's own wording. */
    if ((rc = sk_recommend_write(stdout, recs, n, o.ttft_stat, fmt,
                                 head)) != 0) {
        status = cli_fail(prog, rc == SK_EIO
                                    ? sk_error_set(SK_EIO, "writing standard "
                                                           "output failed")
                                    : rc);
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (recs[i].r.found)
            continue;
        fprintf(stderr, "%s: ", prog);
        sk_recommend_write_miss(stderr, &recs[i]);
    }
    status = nmissed ? SK_EXIT_RUNTIME : SK_EXIT_OK;
done:
    json_decref(head);
    free(recs);
    for (i = 0; i < nfiles; i++)
        sk_sweep_set_free(sets[i]);
    free(sets);
    return status;
}
