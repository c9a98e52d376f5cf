/* sweepkit stats: descriptive statistics per group and field (see
 * docs/stats.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/stats.h"
#include "sweepkit/units.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_KEYS 16
#define MAX_FIELDS 256
#define MAX_PCT 32

enum {
    OPT_FIELDS = 256,
    OPT_FORMAT,
    OPT_NO_GROUP,
    OPT_CONFIDENCE,
    OPT_THREADS
};

static const cli_opt options[] = {
    {"file", required_argument, 'f', "FILE",
     "CSV to read ('-' = stdin; also positional)"},
    {"by", required_argument, 'b', "A,B,...",
     "group rows by these columns (default concurrency, if present)"},
    {"no-group", no_argument, OPT_NO_GROUP, NULL,
     "one group, 'all', over every row"},
    {"fields", required_argument, OPT_FIELDS, "A,B,...",
     "numeric columns to summarise (default: the per-query metrics)"},
    {"percentiles", required_argument, 'p', "P,P,...",
     "percentiles in [0, 100] (default 50,90,95,99)"},
    {"confidence", required_argument, OPT_CONFIDENCE, "PCT",
     "level of each percentile's interval, in percent (default 95; 0: no "
     "intervals)"},
    CLI_OPT_FORMAT(OPT_FORMAT),
    CLI_OPT_DELIMITER,
    CLI_OPT_THREADS(OPT_THREADS),
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit stats [--file] FILE [--by A,B] "
    "[--fields A,B] [--percentiles P,P] [OPTIONS]",
    "Count, mean, sample standard deviation, min, max and "
    "percentiles (linear\ninterpolation between closest "
    "ranks) of numeric columns, per group of rows, each\n"
    "percentile with a distribution-free confidence interval "
    "and the sample's flags.\n"
    "Empty cells are counted as missing, never as zero.",
    options};

static int parse_percentiles(double *p, size_t *np, char *arg)
{
    static const char what[] = "--percentiles";
    char *item[MAX_PCT];
    size_t i, j;
    int rc;

    if ((rc = sk_units_split_list(item, MAX_PCT, np, arg, what)) != 0)
        return rc;
    for (i = 0; i < *np; i++) {
        if ((rc = sk_units_parse_double(&p[i], item[i], what)) != 0)
            return rc;
        if (p[i] < 0 || p[i] > 100)
            return sk_error_set(SK_EINVAL, "%s: '%s' is outside [0, 100]", what,
                                item[i]);
        for (j = 0; j < i; j++)
            if (p[j] == p[i])
                return sk_error_set(SK_EINVAL, "%s: '%s' is given twice", what,
                                    item[i]);
    }
    return 0;
}

int cmd_stats(int argc, char **argv)
{
    static const char prog[] = "sweepkit stats";
    char *by[MAX_KEYS], *fields[MAX_FIELDS];
    double p[MAX_PCT] = {50, 90, 95, 99}, conf = SK_STATS_CONFIDENCE;
    size_t np = 4;
    const char *file = NULL;
    sk_stats_opts o = {0};
    sk_stats_groups *g = NULL;
    json_t *head = NULL;
    sk_format fmt = SK_FORMAT_TABLE;
    int c, rc;

    o.threads = cli_threads_auto();
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'f':
            if (file)
                return cli_usage_error(prog, "only one file can be read");
            file = optarg;
            break;
        case 'b':
            if (sk_units_split_list(by, MAX_KEYS, &o.nby, optarg, "--by"))
                return cli_usage_error(prog, sk_error_last());
            o.by = (const char *const *)by;
            break;
        case OPT_NO_GROUP: o.flags |= SK_STATS_NO_GROUP; break;
        case OPT_FIELDS:
            if (sk_units_split_list(fields, MAX_FIELDS, &o.nfields, optarg,
                                    "--fields"))
                return cli_usage_error(prog, sk_error_last());
            o.fields = (const char *const *)fields;
            break;
        case 'p':
            if (parse_percentiles(p, &np, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_CONFIDENCE:
            if (cli_parse_confidence(&conf, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_FORMAT:
            if (sk_format_parse(&fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_THREADS:
            if (cli_parse_threads(&o.threads, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (o.nby && (o.flags & SK_STATS_NO_GROUP))
        return cli_usage_error(prog, "--by and --no-group exclude each "
                                     "other");
    if (optind < argc) {
        if (file || argc - optind > 1)
            return cli_usage_error(prog, "only one file can be read");
        file = argv[optind];
    }
    if (!file) {
        if (isatty(STDIN_FILENO))
            return cli_usage_error(prog, "no input: give --file FILE, or "
                                         "pipe a CSV to standard input");
        file = "-";
    }
    if (fmt == SK_FORMAT_JSON && !(head = cli_provenance(prog)))
        return SK_EXIT_RUNTIME;
    if ((rc = sk_stats_groups_from_file(&g, file, &o)) == 0)
        rc = sk_stats_write(stdout, g, p, np, conf, fmt, head);
    sk_stats_groups_free(g);
    json_decref(head);
    return rc ? cli_fail(prog, rc) : SK_EXIT_OK;
}
