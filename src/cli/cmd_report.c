/*
 * sweepkit report: one Markdown page (report.md) with its PNG charts and a
 * report.json for every sweep found among files and directories (see
 * docs/report.md).  The report is built and written by the library
 * (report.h); this file parses the command line, prints the notes, the
 * path of report.md and the error, and picks the exit status.
 */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/recommend.h"
#include "sweepkit/report.h"
#include "sweepkit/units.h"

#include <gsl/gsl_errno.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_INPUTS 1024

static const char prog[] = "sweepkit report";

enum { OPT_BUDGET = 256, OPT_STAT, OPT_NAME, OPT_HTML };

#define MAX_NAMES 256

static const cli_opt options[] = {
    {"out", required_argument, 'o', "DIR",
     "write the report into DIR (default results/report_<time>/)"},
    {"ttft-budget", required_argument, OPT_BUDGET, "S",
     "recommend a level for this TTFT budget (repeatable; default 1, 2.5 "
     "and 5 s)"},
    {"ttft-stat", required_argument, OPT_STAT, "STAT",
     "the TTFT statistic budgets apply to: avg (default), median, p90, p99"},
    {"title", required_argument, 't', "TEXT",
     "the page title (default \"Sweep report\")"},
    {"html", no_argument, OPT_HTML, NULL,
     "also write report.html: the page as one self-contained file, the "
     "charts inline as SVG"},
    {"name", required_argument, OPT_NAME, "FILE=NAME",
     "call the run read from FILE (as the report finds it) NAME "
     "(repeatable)"},
    CLI_OPT_DELIMITER,
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit report [FILE|DIR]... [--out DIR] "
    "[--ttft-budget S]... [--ttft-stat STAT] [--title TEXT]\n"
    "       [--name FILE=NAME]... [--html]",
    "Write one Markdown page (report.md), its PNG charts "
    "and report.json for the sweeps\n"
    "found among FILEs and in DIRs (not their "
    "subdirectories), recognised by their\n"
    "header: summaries and per-query CSVs, paired into "
    "runs.  With no arguments, the\n"
    "bundled data in ./fixtures/.  Prints the path of "
    "report.md.  A file in a DIR that\n"
    "cannot be read or is malformed is skipped with a "
    "note (exit status 3).",
    options};

static int parse_budget(double *out, const char *s)
{
    if (sk_units_parse_duration(out, s, "--ttft-budget") != 0)
        return -1;
    if (!(*out > 0))
        return sk_error_set(SK_EINVAL,
                            "--ttft-budget: must be > 0, got "
                            "'%s'",
                            s);
    return 0;
}

static void print_note(void *payload, const char *note)
{
    (void)payload;
    fprintf(stderr, "%s: note: %s\n", prog, note);
}

int cmd_report(int argc, char **argv)
{
    const char *inputs[MAX_INPUTS], *names[MAX_NAMES];
    double budgets[SK_REPORT_MAX_BUDGETS];
    /* as given: getopt_long permutes argv (cli_record_command()) */
    const char *command = cli_command();
    sk_report_opts o;
    sk_report *rep = NULL;
    size_t ninputs = 0;
    int c, rc = 0, status = SK_EXIT_OK;

    sk_report_opts_init(&o);
    o.ttft_budgets_s = budgets;
    o.names = names;
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'o': o.out_dir = optarg; break;
        case 't': o.title = optarg; break;
        case OPT_HTML: o.html = 1; break;
        case OPT_NAME:
            if (o.nnames == MAX_NAMES)
                return cli_usage_error(prog, "too many --name options");
            names[o.nnames++] = optarg;
            break;
        case OPT_BUDGET:
            if (o.nbudgets == SK_REPORT_MAX_BUDGETS)
                return cli_usage_error(prog, "too many --ttft-budget values");
            if (parse_budget(&budgets[o.nbudgets], optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            o.nbudgets++;
            break;
        case OPT_STAT:
            if (sk_recommend_stat_parse(&o.ttft_stat, optarg) != 0) {
                char msg[300];

                snprintf(msg, sizeof(msg), "--ttft-stat: %s", sk_error_last());
                return cli_usage_error(prog, msg);
            }
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (cli_positional_files(inputs, &ninputs, MAX_INPUTS, argc, argv, prog))
        return SK_EXIT_USAGE;
    if (ninputs == 0) {
        struct stat st;

        if (stat("fixtures", &st) != 0 || !S_ISDIR(st.st_mode))
            return cli_usage_error(prog, "no input: give FILEs or DIRs (with "
                                         "none, ./fixtures/ is read, and "
                                         "there is no fixtures/ here)");
        inputs[ninputs++] = "fixtures";
    }
    gsl_set_error_handler_off();
    if (!command) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    o.inputs = inputs;
    o.ninputs = ninputs;
    o.command = command;
    o.version = SK_VERSION;
    o.note = print_note;
    if ((rc = sk_report_new(&rep, &o)) != 0 || (rc = sk_report_write(rep)) != 0)
        goto done;
    printf("%s\n", sk_report_md_path(rep));
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = sk_error_set(SK_EIO, "error writing standard output");

done:
    if (rc != 0)
        status = cli_fail(prog, rc) == SK_EXIT_USAGE ? SK_EXIT_USAGE
                                                     : SK_EXIT_RUNTIME;
    else if (sk_report_skipped(rep) > 0)
        status = SK_EXIT_SKIPPED; /* written, but without a file it found
                                     that it could not read: each noted */
    sk_report_free(rep);
    return status;
}
