/* sweepkit top: a drop-in, streaming analyze-data.py (see docs/top.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/filter.h"
#include "sweepkit/format.h"
#include "sweepkit/top.h"
#include "sweepkit/units.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WHERE 32
#define MAX_COLUMNS 1024
#define MAX_FILES 1024

enum {
    OPT_WHERE = 256,
    OPT_COLUMNS,
    OPT_FORMAT,
    OPT_ORDER,
    OPT_GROUP_BY,
    OPT_THREADS
};

static const cli_opt options[] = {
    {"file", required_argument, 'f', "FILE",
     "CSV to read (repeatable; '-' = stdin; also positional)"},
    {"field", required_argument, 'k', "NAME",
     "sort by this column (default throughput_tps, or "
     "throughput_tokens_per_s in files that have only that)"},
    {"order", required_argument, OPT_ORDER, "asc|desc",
     "sort order (default desc)"},
    {"count", required_argument, 'n', "N", "rows to show (default 5)"},
    CLI_OPT_FORMAT(OPT_FORMAT),
    {"where", required_argument, OPT_WHERE, "EXPR",
     "keep rows where 'FIELD OP VALUE' holds; OP: == != < <= > >= "
     "(repeatable)"},
    {"columns", required_argument, OPT_COLUMNS, "A,B,...",
     "show only these columns, in this order"},
    {"group-by", required_argument, OPT_GROUP_BY, "A,B,...",
     "the top N per distinct value of these columns, groups in file "
     "order"},
    CLI_OPT_DELIMITER,
    CLI_OPT_THREADS(OPT_THREADS),
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit top [--file] FILE... [--field NAME] "
    "[--order asc|desc] [--count N] [OPTIONS]",
    "Sort the rows of sweep CSVs by one field and print "
    "the first N, as analyze-data.py\n"
    "does (same output, byte for byte, but for the "
    "decisions in docs/top.md), in memory\n"
    "that does not grow with the file.",
    options};

int top_run(const char *prog, const char *err_prefix,
            const sk_top_opts *opts, const char **files, size_t nfiles,
            sk_format fmt)
{
    sk_top *t = NULL;
    json_t *head = NULL;
    size_t i;
    int rc;

    if (fmt == SK_FORMAT_JSON && !(head = cli_provenance(prog)))
        return SK_EXIT_RUNTIME;
    if ((rc = sk_top_new(&t, opts)) != 0) {
        json_decref(head);
        return cli_fail(err_prefix, rc);
    }
    for (i = 0; i < nfiles && rc == 0; i++)
        rc = sk_top_add_file(t, files[i]);
    if (rc == 0)
        rc = sk_top_write(t, stdout, fmt, head);
    if (rc == 0 && sk_top_warning(t))
        fprintf(stderr, "%s: warning: %s\n", prog, sk_top_warning(t));
    sk_top_free(t);
    json_decref(head);
    return rc ? cli_fail(err_prefix, rc) : SK_EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
    static const char prog[] = "sweepkit top";
    sk_top_opts o = {0};
    sk_filter where[MAX_WHERE];
    char *columns[MAX_COLUMNS], *group_by[MAX_COLUMNS];
    const char *files[MAX_FILES];
    size_t nwhere = 0, nfiles = 0;
    sk_format fmt = SK_FORMAT_TABLE;
    int c, rc;

    o.field = NULL; /* the throughput column the file has */
    o.descending = 1;
    o.count = 5;
    o.threads = cli_threads_auto();
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'f':
            if (cli_add_file(files, &nfiles, MAX_FILES, optarg, prog))
                return SK_EXIT_USAGE;
            break;
        case 'k':
            o.field = optarg;
            break;
        case OPT_ORDER:
            if (strcmp(optarg, "asc") && strcmp(optarg, "desc"))
                return cli_usage_error(prog,
                                       "--order: expected asc or desc");
            o.descending = strcmp(optarg, "desc") == 0;
            break;
        case 'n':
            if ((rc = sk_units_parse_count(&o.count, optarg, (size_t)1 << 32,
                                           "--count")) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_FORMAT:
            if (sk_format_parse(&fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_WHERE:
            if (nwhere == MAX_WHERE)
                return cli_usage_error(prog, "too many --where filters");
            if (sk_filter_parse(&where[nwhere], optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            nwhere++;
            break;
        case OPT_COLUMNS:
            if (sk_units_split_list(columns, MAX_COLUMNS, &o.ncolumns,
                                    optarg, "--columns") != 0)
                return cli_usage_error(prog, sk_error_last());
            o.columns = (const char *const *)columns;
            break;
        case OPT_GROUP_BY:
            if (sk_units_split_list(group_by, MAX_COLUMNS, &o.ngroup_by,
                                    optarg, "--group-by") != 0)
                return cli_usage_error(prog, sk_error_last());
            o.group_by = (const char *const *)group_by;
            break;
        case OPT_THREADS:
            if (cli_parse_threads(&o.threads, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        default:
            return SK_EXIT_USAGE;
        }
    }
    o.filters = where;
    o.nfilters = nwhere;
    if (cli_positional_files(files, &nfiles, MAX_FILES, argc, argv, prog) ||
        cli_stdin_unless_tty(files, &nfiles, prog,
                             "give --file FILE, or pipe a CSV to standard "
                             "input"))
        return SK_EXIT_USAGE;
    /* Rows from several files say which file they came from. */
    o.source = nfiles > 1;
    return top_run(prog, prog, &o, files, nfiles, fmt);
}
