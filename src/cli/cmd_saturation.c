/* sweepkit saturation: the knee of a sweep and a USL fit (see
 * docs/saturation.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/saturation.h"
#include "sweepkit/sweep.h"
#include "sweepkit/units.h"

#include <getopt.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 1024

enum { OPT_X = 256, OPT_Y, OPT_GAIN, OPT_FORMAT };

static const cli_opt options[] = {
    {"file", required_argument, 'f', "FILE",
     "summary CSV to read (repeatable, one result per file; '-' = stdin; "
     "also positional)"},
    {"x", required_argument, OPT_X, "NAME",
     "concurrency column (default concurrency)"},
    {"y", required_argument, OPT_Y, "NAME",
     "throughput column (default throughput_tokens_per_s)"},
    {"gain", required_argument, OPT_GAIN, "PCT",
     "knee threshold: gain per doubling in percent (default 10)"},
    CLI_OPT_FORMAT(OPT_FORMAT),
    CLI_OPT_DELIMITER,
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit saturation [--file] FILE... [--x NAME] "
    "[--y NAME] [--gain PCT] [--format FMT]",
    "Find where a concurrency sweep stops paying: the "
    "measured knee (the level after\n"
    "which every doubling gains less than --gain "
    "percent) and a Universal Scalability\n"
    "Law fit X(N) = λN / (1 + σ(N − 1) + κN(N − 1)) "
    "with its peak and 90%/95% points.",
    options};

/*
 * Load one file and compute its answer into *r.  Returns 0, or an SK_E*
 * code after printing why on stderr (no answer for this file).  The
 * sweep stays loaded in *sp for the arrays r points into.
 */
static int analyse(struct sk_saturation_result *r, sk_sweep **sp,
                   const char *prog, const char *path, const char *xname,
                   const char *yname, double gain_pct)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = sk_sweep_load(sp, path)) != 0 ||
        (rc = sk_saturation_input(r, *sp, xname, yname)) != 0) {
        cli_fail(prog, rc);
        return rc;
    }
    if ((rc = sk_saturation_compute(r, gain_pct)) != 0) {
        fprintf(stderr, "%s: %s: %s by %s: %s\n", prog, r->file, yname, xname,
                sk_error_last());
        return rc;
    }
    return 0;
}

int cmd_saturation(int argc, char **argv)
{
    static const char prog[] = "sweepkit saturation";
    const char *files[MAX_FILES];
    const char *xname = "concurrency", *yname = "throughput_tokens_per_s";
    size_t nfiles = 0, i, shown = 0;
    sk_format fmt = SK_FORMAT_TABLE;
    double gain_pct = 100 * SK_SATURATION_DEFAULT_GAIN;
    json_t *head = NULL;
    int c, status = SK_EXIT_OK;

    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'f':
            if (cli_add_file(files, &nfiles, MAX_FILES, optarg, prog))
                return SK_EXIT_USAGE;
            break;
        case OPT_X: xname = optarg; break;
        case OPT_Y: yname = optarg; break;
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
        sk_sweep *s = NULL;
        struct sk_saturation_result r;

        if (analyse(&r, &s, prog, files[i], xname, yname, gain_pct) != 0) {
            status = SK_EXIT_RUNTIME;
        } else if (sk_saturation_write(stdout, &r, fmt, shown == 0) ==
                   SK_ENOMEM) {
            /* nothing of it written: the output stays well formed */
            status = cli_fail(prog, SK_ENOMEM);
        } else {
            shown++;
        }
        sk_sweep_free(s);
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
