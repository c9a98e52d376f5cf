/*
 * analyze-data: analyze-data.py's command line on sweepkit's `top`.
 * Same flags, same defaults, the same standard output byte for byte; its
 * failures (missing file, unknown field, bad arguments) go to standard
 * error with a non-zero status instead of standard output with status 0.
 */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/table.h"
#include "sweepkit/top.h"
#include "sweepkit/units.h"

#include <getopt.h>
#include <string.h>

enum { OPT_FIELD = 256, OPT_ORDER, OPT_FILE, OPT_COUNT };

static const cli_opt options[] = {
    {"field", required_argument, OPT_FIELD, "FIELD",
     "Field to sort by (default throughput_tps)"},
    {"order", required_argument, OPT_ORDER, "{asc,desc}",
     "Sort order (default desc)"},
    {"file", required_argument, OPT_FILE, "FILE", "Path to CSV file"},
    {"count", required_argument, OPT_COUNT, "COUNT",
     "Number of results to show (default 5)"},
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "analyze-data --file FILE [--field FIELD] "
    "[--order {asc,desc}] [--count COUNT]",
    "Performance CSV Analyzer: sweepkit's drop-in for "
    "analyze-data.py.",
    options};

int main(int argc, char **argv)
{
    static const char prog[] = "analyze-data";
    sk_top_opts o = {0};
    const char *file = NULL;
    int c;

    o.field = "throughput_tps";
    o.descending = 1;
    o.count = 5;
    o.threads = cli_threads_auto();
    o.compat = 1;
    sk_table_set_delimiter(','); /* csv.DictReader's: no dialect sniffing */
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case OPT_FIELD:
            o.field = optarg;
            break;
        case OPT_ORDER:
            if (strcmp(optarg, "asc") && strcmp(optarg, "desc"))
                return cli_usage_error(prog, "argument --order: invalid "
                                             "choice (choose from 'asc', "
                                             "'desc')");
            o.descending = strcmp(optarg, "desc") == 0;
            break;
        case OPT_FILE:
            file = optarg;
            break;
        case OPT_COUNT:
            if (sk_units_parse_count(&o.count, optarg, (size_t)1 << 32,
                                     "argument --count") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        default:
            return SK_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unrecognized arguments");
    if (!file)
        return cli_usage_error(prog,
                               "the following arguments are required: --file");
    /* "Error: ..." as analyze-data.py words its failures. */
    return top_run(prog, "Error", &o, &file, 1, SK_FORMAT_TABLE);
}
