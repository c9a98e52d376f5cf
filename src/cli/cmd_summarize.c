/* sweepkit summarize: per-query CSV in, summary CSV out (docs/summarize.md). */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/summarize.h"
#include "sweepkit/table.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <stdlib.h>

static const cli_opt options[] = {
    {"file", required_argument, 'f', "FILE", "per-query CSV to summarise"},
    {"out", required_argument, 'o', "FILE",
     "write the summary here (default: standard output)"},
    {"format", required_argument, 'F', "FMT",
     "csv (default: the summary schema), table, json or markdown"},
    {"slo", required_argument, 256, "ttft=S,tpot=S,e2e=S",
     "per-request objectives: adds slo_share and goodput_tokens_per_s"},
    {"confidence", required_argument, 257, "PCT",
     "adds each percentile's interval at this level (95: the columns "
     "confidence, <column>_lo, <column>_hi)"},
    CLI_OPT_DELIMITER,
    CLI_OPT_THREADS(258),
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit summarize --file per_query.csv "
    "[--out summary.csv] [--format FMT] [--slo LIST]\n"
    "       [--confidence PCT]",
    "Derive the summary CSV (one row per concurrency "
    "level, the 14-column schema plus\nerrors, p99_ttft_s, "
    "p99_query_tokens_per_s, achieved_concurrency and the "
    "steady-state\nthroughput and window) from per-query rows.",
    options};

int cmd_summarize(int argc, char **argv)
{
    static const char prog[] = "sweepkit summarize";
    struct sk_level *lv = NULL;
    const char *file = NULL, *out = NULL;
    size_t n = 0;
    int c, rc, has_times = 0;
    sk_format fmt = SK_FORMAT_CSV;
    json_t *head = NULL;
    FILE *fp = stdout;
    struct sk_slo slo;
    int want_slo = 0;
    double conf = 0;

    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'f': file = optarg; break;
        case 'o': out = optarg; break;
        case 'F':
            if (sk_format_parse(&fmt, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case 256: /* --slo */
            if (sk_slo_parse(&slo, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            want_slo = 1;
            break;
        case 257: /* --confidence */
            if (cli_parse_confidence(&conf, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case 258: { /* --threads */
            unsigned t;

            if (cli_parse_threads(&t, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            sk_table_set_threads(t);
            break;
        }
        default: return SK_EXIT_USAGE;
        }
    }
    if (optind < argc && !file)
        file = argv[optind++];
    if (optind < argc)
        return cli_usage_error(prog, "one input file only");
    if (!file)
        return cli_usage_error(prog, "no input: give --file FILE");
    if ((rc = sk_summarize_file_with(&lv, &n, &has_times, file,
                                     want_slo ? &slo : NULL, conf)) != 0)
        return cli_fail(prog, rc);
    if (!has_times)
        fprintf(stderr,
                "%s: note: %s has no start_s/end_s columns: wall_s and "
                "throughput_tokens_per_s are left empty\n",
                prog, file);
    if (out && !(fp = fopen(out, "w"))) {
        free(lv);
        sk_error_set(SK_EIO, "%s: cannot write: %s", out, strerror(errno));
        return cli_fail(prog, SK_EIO);
    }
    if (fmt == SK_FORMAT_JSON && !(head = cli_provenance(prog))) {
        free(lv);
        if (fp != stdout)
            fclose(fp);
        return SK_EXIT_RUNTIME;
    }
    rc = sk_summarize_write(fp, lv, n, fmt, head);
    json_decref(head);
    free(lv);
    if (rc != 0 && rc != SK_EIO) { /* not a write error: say what */
        if (fp != stdout)
            fclose(fp);
        return cli_fail(prog, rc);
    }
    rc |= ferror(fp) | (fp == stdout ? fflush(fp) : fclose(fp));
    if (rc) {
        sk_error_set(SK_EIO, "%s: write failed", out ? out : "<stdout>");
        return cli_fail(prog, SK_EIO);
    }
    return SK_EXIT_OK;
}
