/* sweepkit compare: two runs, level by level, with intervals, p-values,
 * verdicts and CI gates (docs/compare.md). */
#include "cli.h"

#include "sweepkit/chart_compare.h"
#include "sweepkit/compare.h"
#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/runset.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GATES 16

enum { OPT_FAIL_IF = 256, OPT_CONFIDENCE, OPT_FORMAT, OPT_SEED, OPT_CHART };

static const cli_opt options[] = {
    {"fail-if", required_argument, OPT_FAIL_IF, "GATE",
     "exit 1 when a detectable change crosses it: throughput<-5%, "
     "ttft_p90>+10% (repeatable)"},
    {"confidence", required_argument, OPT_CONFIDENCE, "PCT",
     "level of the intervals and tests (default 95)"},
    {"seed", required_argument, OPT_SEED, "N",
     "seed of the bootstrap (default 1)"},
    CLI_OPT_FORMAT(OPT_FORMAT),
    {"chart", required_argument, OPT_CHART, "FILE",
     "also draw both runs and the changes into FILE: .png, .svg or .pdf"},
    CLI_OPT_DELIMITER,
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit compare BASELINE CANDIDATE [--fail-if GATE]... [--format FMT]\n"
    "       [--chart FILE]",
    "Compare two runs (per-query files, summaries, other tools' results or "
    "directories)\n"
    "level by level: throughput, mean and p90 TTFT, mean per-query speed; "
    "the change\n"
    "with a bootstrap interval, a Mann-Whitney p-value and a verdict after "
    "the Holm\n"
    "correction.  Exit status 1 when a --fail-if gate trips.",
    options};

/*
 * The comparison chart of runs `base` and `cand` into `path` (the format
 * from its extension), its notes on stderr.  Returns the exit status:
 * SK_EXIT_OK, or another after one error line.
 */
static int write_chart(const sk_compare *c, const char *base,
                       const char *cand, const char *path, const char *prog)
{
    char names[2][512], *sources = NULL;
    sk_chart_render_opts ro;
    sk_chart *chart = NULL;
    size_t i, len = strlen(base) + strlen(cand) + 3;
    int rc;

    sk_runset_label(names[0], sizeof(names[0]), base);
    sk_runset_label(names[1], sizeof(names[1]), cand);
    memset(&ro, 0, sizeof(ro));
    ro.software = CLI_TOOL;
    ro.command = cli_command();
    if (!(sources = malloc(len)))
        return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
    snprintf(sources, len, "%s, %s", base, cand);
    ro.sources = sources;
    rc = sk_chart_compare_new(&chart, c, names[0], names[1]);
    if (rc == 0)
        rc = sk_chart_write(chart, path, &ro);
    for (i = 0; chart && i < sk_chart_notes(chart); i++)
        fprintf(stderr, "%s: note: %s\n", prog, sk_chart_note(chart, i));
    sk_chart_free(chart);
    free(sources);
    return rc == 0 ? SK_EXIT_OK : cli_fail(prog, rc);
}

int cmd_compare(int argc, char **argv)
{
    static const char prog[] = "sweepkit compare";
    struct {
        enum sk_compare_metric metric;
        int above;
        double threshold;
        const char *text;
    } gates[MAX_GATES];
    const char *chart = NULL;
    sk_chart_format chart_fmt;
    size_t ngates = 0, i;
    sk_compare_opts o;
    sk_compare *c = NULL;
    sk_format fmt = SK_FORMAT_TABLE;
    json_t *head = NULL;
    int ch, rc, status = SK_EXIT_OK;
    char *end;

    sk_compare_opts_init(&o);
    while ((ch = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (ch) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case OPT_FAIL_IF:
            if (ngates == MAX_GATES)
                return cli_usage_error(prog, "too many --fail-if gates");
            if (sk_compare_gate_parse(&gates[ngates].metric,
                                      &gates[ngates].above,
                                      &gates[ngates].threshold, optarg))
                return cli_usage_error(prog, sk_error_last());
            gates[ngates++].text = optarg;
            break;
        case OPT_CONFIDENCE:
            if (cli_parse_confidence(&o.confidence, optarg) != 0 ||
                o.confidence == 0)
                return cli_usage_error(prog, "--confidence: expected a "
                                             "percentage above 50 and "
                                             "below 100");
            break;
        case OPT_SEED:
            o.seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end)
                return cli_usage_error(prog, "--seed: expected a whole "
                                             "number");
            break;
        case OPT_FORMAT:
            if (sk_format_parse(&fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_CHART: /* its format is known before the work */
            if (sk_chart_format_from_path(&chart_fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            chart = optarg;
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(prog, "expected two runs: BASELINE "
                                     "CANDIDATE");
    if ((rc = sk_compare_runs(&c, argv[optind], argv[optind + 1], &o)) != 0)
        return cli_fail(prog, rc);
    if (fmt == SK_FORMAT_JSON && !(head = cli_provenance(prog))) {
        sk_compare_free(c);
        return SK_EXIT_RUNTIME;
    }
    if ((rc = sk_compare_write(stdout, c, fmt, head)) != 0)
        status = cli_fail(prog, rc);
    /* The chart comes in addition: a failure to write it is told after
     * the comparison is printed. */
    if (chart) {
        int st = write_chart(c, argv[optind], argv[optind + 1], chart, prog);

        if (st > status)
            status = st;
    }
    for (i = 0; i < ngates; i++) {
        const struct sk_compare_row *r =
            sk_compare_gate(c, gates[i].metric, gates[i].above,
                            gates[i].threshold);

        if (r) {
            fprintf(stderr,
                    "%s: gate '%s' tripped at concurrency %g: %s %+.1f%% "
                    "(p %.3g after Holm)\n",
                    prog, gates[i].text, r->concurrency,
                    sk_compare_metric_name(r->metric), 100 * r->change,
                    r->p_holm);
            status = SK_EXIT_RUNTIME;
        } else if ((r = sk_compare_gate_untested(c, gates[i].metric,
                                                 gates[i].above,
                                                 gates[i].threshold))) {
            /* not a pass: nothing could be tested there */
            fprintf(stderr,
                    "%s: note: gate '%s' not judged at concurrency %g: %s "
                    "%+.1f%%, %s\n",
                    prog, gates[i].text, r->concurrency,
                    sk_compare_metric_name(r->metric), 100 * r->change,
                    sk_compare_verdict_words(r->verdict));
        }
    }
    json_decref(head);
    sk_compare_free(c);
    return status;
}
