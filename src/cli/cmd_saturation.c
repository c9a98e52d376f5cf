/* sweepkit saturation: the knee of a sweep and a USL fit (see
 * docs/saturation.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/saturation.h"
#include "sweepkit/sweep.h"
#include "sweepkit/units.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 1024

enum {
    OPT_X = 256,
    OPT_Y,
    OPT_GAIN,
    OPT_FORMAT,
    OPT_GROUP_BY,
    OPT_PARTIAL,
    OPT_THROUGHPUT
};

static const cli_opt options[] = {
    {"file", required_argument, 'f', "FILE",
     "summary CSV to read (repeatable, one result per file; '-' = stdin; "
     "also positional)"},
    {"x", required_argument, OPT_X, "NAME",
     "concurrency column (default concurrency)"},
    {"y", required_argument, OPT_Y, "NAME",
     "throughput column (default throughput_tokens_per_s, or "
     "throughput_tps in files that have only that)"},
    {"group-by", required_argument, OPT_GROUP_BY, "COLS",
     "a knee per value of these comma-separated columns (default: a "
     "grid's configuration columns when a level repeats)"},
    {"gain", required_argument, OPT_GAIN, "PCT",
     "knee threshold: gain per doubling in percent (default 10)"},
    {"include-partial", no_argument, OPT_PARTIAL, NULL,
     "use levels that ran fewer queries than planned (default: left out)"},
    CLI_OPT_THROUGHPUT(OPT_THROUGHPUT),
    CLI_OPT_FORMAT(OPT_FORMAT),
    CLI_OPT_DELIMITER,
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit saturation [--file] FILE... [--x NAME] "
    "[--y NAME] [--gain PCT] [--group-by COLS]\n"
    "       [--include-partial] [--throughput wall|steady] [--format FMT]",
    "Find where a concurrency sweep stops paying: the "
    "measured knee (the level after\n"
    "which every doubling gains less than --gain "
    "percent) and a Universal Scalability\n"
    "Law fit X(N) = λN / (1 + σ(N − 1) + κN(N − 1)) "
    "with its peak and 90%/95% points.",
    options};

/*
 * One file: load it as one sweep or a grid of them, answer each, mark
 * the best group, write them.  Adds to *shown what was written; returns
 * 0 or SK_EXIT_RUNTIME.
 */
static int one_file(size_t *shown, const char *prog, const char *path,
                    const char *group_by, const char *xname,
                    const char *yname, double gain_pct, unsigned flags,
                    sk_format fmt)
{
    sk_sweep_set *set = NULL;
    sk_sweep **ok = NULL;
    struct sk_saturation_result *r = NULL;
    size_t n, i, m = 0, best;
    int status = SK_EXIT_OK, rc;

    if ((rc = sk_sweep_set_load(&set, path, group_by)) != 0) {
        cli_fail(prog, rc);
        return SK_EXIT_RUNTIME;
    }
    n = sk_sweep_set_count(set);
    if (n > 1) {
        /* A column missing is missing from every group: say it once. */
        const sk_sweep *first = sk_sweep_set_get(set, 0);
        const double *v;

        if ((rc = sk_sweep_column(&v, first, xname)) == SK_ENOTFOUND ||
            (yname && (rc = sk_sweep_column(&v, first, yname)) ==
                          SK_ENOTFOUND)) {
            cli_fail(prog, rc);
            status = SK_EXIT_RUNTIME;
            goto done;
        }
    }
    if (!(ok = calloc(n, sizeof(*ok))) || !(r = calloc(n, sizeof(*r)))) {
        status = cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
        goto done;
    }
    /* Every group is answered first: the best is known before writing. */
    for (i = 0; i < n; i++)
        if ((rc = sk_saturation_analyse(&r[m], &ok[m],
                                        sk_sweep_set_get(set, i), xname,
                                        yname, gain_pct, flags)) != 0) {
            cli_fail(prog, rc);
            sk_sweep_free(ok[m]); /* the next group reuses the slot */
            ok[m] = NULL;
            status = SK_EXIT_RUNTIME;
        } else {
            m++;
        }
    best = sk_saturation_best(r, m);
    for (i = 0; i < m; i++) {
        if (sk_saturation_write(stdout, &r[i], fmt, *shown == 0) ==
            SK_ENOMEM)
            /* nothing of it written: the output stays well formed */
            status = cli_fail(prog, SK_ENOMEM);
        else
            ++*shown;
    }
    sk_saturation_write_best(stdout, fmt, r, m, best);
done:
    for (i = 0; ok && i < n; i++)
        sk_sweep_free(ok[i]);
    free(ok);
    free(r);
    sk_sweep_set_free(set);
    return status;
}

int cmd_saturation(int argc, char **argv)
{
    static const char prog[] = "sweepkit saturation";
    const char *files[MAX_FILES];
    const char *xname = "concurrency", *yname = NULL, *group_by = NULL;
    size_t nfiles = 0, i, shown = 0;
    sk_format fmt = SK_FORMAT_TABLE;
    double gain_pct = 100 * SK_SATURATION_DEFAULT_GAIN;
    json_t *head = NULL;
    int c, status = SK_EXIT_OK;
    unsigned flags = 0;

    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'f':
            if (cli_add_file(files, &nfiles, MAX_FILES, optarg, prog))
                return SK_EXIT_USAGE;
            break;
        case OPT_X: xname = optarg; break;
        case OPT_Y: yname = optarg; break;
        case OPT_GROUP_BY: group_by = optarg; break;
        case OPT_PARTIAL: flags |= SK_SWEEP_PARTIAL; break;
        case OPT_THROUGHPUT:
            if (cli_parse_throughput(&flags, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_GAIN:
            if (sk_units_parse_double(&gain_pct, optarg, "--gain") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (!(gain_pct > 0)) {
                char msg[128];

                snprintf(msg, sizeof(msg),
                         "--gain: expected a percentage > 0, got '%.60s'",
                         optarg);
                return cli_usage_error(prog, msg);
            }
            break;
        case OPT_FORMAT:
            if (sk_format_parse(&fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (cli_positional_files(files, &nfiles, MAX_FILES, argc, argv, prog) ||
        cli_stdin_unless_tty(files, &nfiles, prog,
                             "give --file FILE, or pipe a summary CSV to "
                             "standard input"))
        return SK_EXIT_USAGE;

    /* A failed write shows at the end; every file is still read, so its
     * messages keep their place on stderr. */
    if (fmt == SK_FORMAT_JSON && !(head = cli_provenance(prog)))
        return SK_EXIT_RUNTIME;
    sk_saturation_write_begin(stdout, fmt, head);
    json_decref(head);
    for (i = 0; i < nfiles; i++) {
        if (one_file(&shown, prog, files[i], group_by, xname, yname,
                     gain_pct, flags, fmt) != SK_EXIT_OK)
            status = SK_EXIT_RUNTIME;
        /* Keep stdout and stderr in file order when both are a terminal. */
        fflush(stdout);
    }
    sk_saturation_write_end(stdout, fmt, shown);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: error writing standard output\n", prog);
        return SK_EXIT_RUNTIME;
    }
    return status;
}
