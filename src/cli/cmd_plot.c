/* sweepkit plot: draw sweep summaries as PNG, SVG or PDF (docs/plot.md). */
#include "cli.h"

#include "sweepkit/chart_sweep.h"
#include "sweepkit/error.h"
#include "sweepkit/plot.h"
#include "sweepkit/runset.h"
#include "sweepkit/units.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS SK_PLOT_MAX_RUNS
#define MAX_MARKS 32

/* Message prefix: "sweepkit plot", or with --batch "sweepkit plot:
 * jobs.txt:3" while that line's chart is made. */
static const char *prog = "sweepkit plot";

enum {
    OPT_LAYOUT = 256,
    OPT_PER_QUERY,
    OPT_TTFT_BUDGET,
    OPT_TTFT_STAT,
    OPT_MARK_X,
    OPT_MARK_SATURATION,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_SCALE,
    OPT_BATCH,
    OPT_GROUP_BY,
    OPT_PARTIAL,
    OPT_THROUGHPUT,
    OPT_LOG_Y,
    OPT_NAME,
    OPT_THEME,
    OPT_FACET,
    OPT_AXES
};

static const cli_opt options[] = {
    {"output", required_argument, 'o', "FILE",
     "write the chart to FILE: .png, .svg or .pdf (required)"},
    {"kind", required_argument, 'k', "KIND",
     "throughput (default), per-query, ttft, pareto, dashboard, frontier, "
     "ttft-dist, speed-dist, itl-dist, timeline, ttft-ecdf, heatmap or "
     "rate"},
    {"layout", required_argument, OPT_LAYOUT, "stacked|dual",
     "throughput: two stacked panels (default) or one with two y axes"},
    {"per-query", required_argument, OPT_PER_QUERY, "FILE",
     "per-query CSV of the summary in the same place (repeatable)"},
    {"label", required_argument, 'l', "NAME",
     "legend name of the next file, in file order (repeatable)"},
    {"facet", required_argument, OPT_FACET, "COL",
     "a grid's throughput as small multiples: a panel per value of COL"},
    {"axes", required_argument, OPT_AXES, "X,Y",
     "heatmap: the grid's columns across and up (default: its first two)"},
    {"theme", required_argument, OPT_THEME, "light|dark|transparent",
     "canvas: white (default), dark, or no background (PNG with alpha)"},
    {"name", required_argument, OPT_NAME, "FILE=NAME",
     "legend name of the run in FILE (repeatable; --label: by order)"},
    {"title", required_argument, 't', "TEXT",
     "chart title (default: from the kind and the labels)"},
    {"ttft-budget", required_argument, OPT_TTFT_BUDGET, "S",
     "draw a TTFT budget line at S seconds (\"2\", \"500ms\")"},
    {"ttft-stat", required_argument, OPT_TTFT_STAT, "STAT",
     "avg, median or p90: pareto x (default p90), budget (avg)"},
    {"log-y", required_argument, OPT_LOG_Y, "auto|on|off",
     "TTFT on a log axis: auto (default) when it spans over two decades"},
    {"mark-x", required_argument, OPT_MARK_X, "X[:LABEL]",
     "vertical marker at concurrency X (repeatable)"},
    {"mark-saturation", no_argument, OPT_MARK_SATURATION, NULL,
     "mark each run's measured knee (sweepkit saturation, 10% rule)"},
    {"width", required_argument, OPT_WIDTH, "PX",
     "canvas width, 200 to 16384 (default 1600)"},
    {"height", required_argument, OPT_HEIGHT, "PX",
     "canvas height, 200 to 16384 (default 1000)"},
    {"scale", required_argument, OPT_SCALE, "F",
     "PNG pixels per canvas pixel, for HiDPI (default 1)"},
    {"group-by", required_argument, OPT_GROUP_BY, "COLS",
     "one series per value of these comma-separated columns (default: a "
     "grid's configuration columns when a level repeats)"},
    {"include-partial", no_argument, OPT_PARTIAL, NULL,
     "draw levels that ran fewer queries than planned (default: left out)"},
    CLI_OPT_THROUGHPUT(OPT_THROUGHPUT),
    {"batch", required_argument, OPT_BATCH, "FILE",
     "make one chart per line of FILE (plot arguments), in one process"},
    CLI_OPT_DELIMITER,
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit plot [OPTIONS] SUMMARY.csv... -o "
    "OUT.png|svg|pdf",
    "Draw sweep summaries (one colour per file, or per "
    "configuration of a grid) as a\n"
    "chart; the output format follows the extension.  "
    "Kinds: throughput, per-query, ttft,\n"
    "pareto, dashboard, frontier, ttft-dist, speed-dist, itl-dist, timeline,\n"
    "ttft-ecdf, heatmap, rate (open-loop runs against request rate).",
    options};

/* --name FILE=NAME: split at the first '=' whose left side is one of
 * the n files, and name that run.  0, or SK_EINVAL with the message. */
static int name_run(const char **names, const char *const *files, size_t n,
                    const char *spec)
{
    const char *name;
    size_t i = sk_runset_name_split(&name, spec, files, n);

    if (i < n) {
        names[i] = name;
        return 0;
    }
    return sk_error_set(SK_EINVAL,
                        "--name: expected FILE=NAME with FILE one of the "
                        "files plotted, got '%.200s'",
                        spec);
}

/* The library's notes, as "PROG: note: NOTE" on stderr. */
static void print_note(void *payload, const char *note)
{
    (void)payload;
    fprintf(stderr, "%s: note: %s\n", prog, note);
}

/* `argv` is a copy for getopt_long to permute; `orig` is the command line
 * as given, for the metadata. */
static int plot(int argc, char **argv, char **orig)
{
    sk_plot_opts o;
    sk_chart_format fmt;
    const char *pq[MAX_RUNS], *given[MAX_RUNS], *files[MAX_RUNS];
    const char *named[MAX_RUNS], *names[MAX_RUNS] = {NULL};
    struct sk_plot_mark marks[MAX_MARKS];
    size_t npq = 0, nlabels = 0, nfiles = 0, nmarks = 0, nruns, nnamed = 0, i;
    char *command = NULL;
    const char *kind = "throughput";
    int c, rc;

    sk_plot_opts_init(&o);
    optind = 0; /* glibc: start over, also after a batch line that failed */
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case 'o': o.output = optarg; break;
        case 'k':
            if (sk_chart_plot_kind_parse(&o.plot.kind, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            kind = optarg;
            break;
        case OPT_LAYOUT:
            if (strcmp(optarg, "stacked") && strcmp(optarg, "dual"))
                return cli_usage_error(prog,
                                       "--layout: expected stacked or dual");
            o.plot.dual = strcmp(optarg, "dual") == 0;
            break;
        case OPT_PER_QUERY:
            if (npq == MAX_RUNS)
                return cli_usage_error(prog, "too many --per-query files");
            pq[npq++] = optarg;
            break;
        case 'l':
            if (nlabels == MAX_RUNS)
                return cli_usage_error(prog, "too many --label options");
            given[nlabels++] = optarg;
            break;
        case 't': o.plot.title = optarg; break;
        case OPT_TTFT_BUDGET:
            if (sk_units_parse_duration(&o.plot.ttft_budget_s, optarg,
                                        "--ttft-budget") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (!(o.plot.ttft_budget_s > 0))
                return cli_usage_error(prog, "--ttft-budget: expected a "
                                             "duration above 0");
            break;
        case OPT_TTFT_STAT:
            if (strcmp(optarg, "avg") && strcmp(optarg, "median") &&
                strcmp(optarg, "p90"))
                return cli_usage_error(prog, "--ttft-stat: expected avg, "
                                             "median or p90");
            o.plot.ttft_stat = optarg;
            break;
        case OPT_MARK_SATURATION:
            o.mark_saturation = 1;
            break;
        case OPT_FACET: o.plot.facet = optarg; break;
        case OPT_AXES: o.plot.axes = optarg; break;
        case OPT_THEME:
            if (sk_chart_theme_parse(&o.render.theme, optarg) != 0) {
                char msg[160];

                snprintf(msg, sizeof(msg), "--theme: %s", sk_error_last());
                return cli_usage_error(prog, msg);
            }
            break;
        case OPT_NAME:
            if (nnamed == MAX_RUNS)
                return cli_usage_error(prog, "too many --name options");
            named[nnamed++] = optarg;
            break;
        case OPT_LOG_Y:
            if (sk_chart_log_parse(&o.plot.log_y, optarg) != 0) {
                char msg[160];

                snprintf(msg, sizeof(msg), "--log-y: %s", sk_error_last());
                return cli_usage_error(prog, msg);
            }
            break;
        case OPT_GROUP_BY: o.group_by = optarg; break;
        case OPT_PARTIAL: o.flags |= SK_SWEEP_PARTIAL; break;
        case OPT_THROUGHPUT:
            if (cli_parse_throughput(&o.flags, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_MARK_X:
            if (nmarks == MAX_MARKS)
                return cli_usage_error(prog, "too many --mark-x markers");
            if (sk_plot_mark_parse(&marks[nmarks], optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            nmarks++;
            break;
        case OPT_WIDTH:
            if (sk_plot_size_parse(&o.render.width, optarg, "--width") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_HEIGHT:
            if (sk_plot_size_parse(&o.render.height, optarg,
                                   "--height") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_SCALE:
            if (sk_units_parse_double(&o.render.scale, optarg,
                                      "--scale") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (!(o.render.scale > 0 && o.render.scale <= 16))
                return cli_usage_error(prog, "--scale: expected a number "
                                             "above 0, at most 16");
            break;
        case OPT_BATCH:
            return cli_usage_error(prog, "--batch: give it alone: "
                                         "sweepkit plot --batch FILE");
        default: return SK_EXIT_USAGE;
        }
    }
    if (cli_positional_files(files, &nfiles, MAX_RUNS, argc, argv, prog))
        return SK_EXIT_USAGE;
    if (!o.output)
        return cli_usage_error(prog, "no output: give -o FILE.png, .svg or "
                                     ".pdf");
    if (sk_chart_format_from_path(&fmt, o.output) != 0)
        return cli_usage_error(prog, sk_error_last());
    if (sk_chart_plot_kind_needs_samples(o.plot.kind) && npq == 0) {
        char msg[160];

        snprintf(msg, sizeof(msg), "--kind %s needs --per-query FILE", kind);
        return cli_usage_error(prog, msg);
    }
    if (nfiles == 0 && !(sk_chart_plot_kind_needs_samples(o.plot.kind) &&
                         npq))
        return cli_usage_error(prog, "no input: give one or more summary "
                                     "CSV files");
    if (nfiles && npq > nfiles)
        return cli_usage_error(prog, "more --per-query files than "
                                     "summaries: each belongs to the "
                                     "summary in the same place");
    if (npq && !sk_chart_plot_sample_column(o.plot.kind) &&
        !sk_chart_plot_kind_needs_samples(o.plot.kind))
        fprintf(stderr,
                "%s: note: --per-query is drawn by --kind per-query, "
                "dashboard, timeline and the distributions only\n",
                prog);
    nruns = nfiles ? nfiles : npq;
    if (nlabels > nruns)
        return cli_usage_error(prog, "more --label names than files");

    /* --label by order, then --name by file: one name per run (NULL:
     * from the file's name) */
    for (i = 0; i < nlabels; i++)
        names[i] = given[i];
    for (i = 0; i < nnamed; i++)
        if (name_run(names, nfiles ? files : pq, nruns, named[i]) != 0)
            return cli_usage_error(prog, sk_error_last());

    if (!(command = cli_command_line(argc, orig)))
        return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
    o.files = files;
    o.nfiles = nfiles;
    o.per_query = pq;
    o.nper_query = npq;
    o.labels = names;
    o.nlabels = nruns;
    o.marks = marks;
    o.nmarks = nmarks;
    o.render.software = CLI_TOOL;
    o.render.command = command;
    o.note = print_note;
    rc = sk_plot_write(&o);
    free(command);
    return rc == 0 ? SK_EXIT_OK : cli_fail(prog, rc);
}

/* getopt_long permutes its argv: give it a copy, keep `argv` for the
 * metadata. */
static int plot_argv(int argc, char **argv)
{
    char **copy;
    int status;

    if (!(copy = malloc(((size_t)argc + 1) * sizeof(*copy))))
        return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
    memcpy(copy, argv, ((size_t)argc + 1) * sizeof(*copy));
    status = plot(argc, copy, argv);
    free(copy);
    return status;
}

/*
 * --batch FILE: one chart per line, each line the arguments of one
 * `sweepkit plot` (blank lines and # comments skipped; plot.h splits
 * them), made in this one process so start-up and fontconfig's set-up
 * are paid once.  A line that fails is reported with its FILE:LINE and
 * the rest go on; the exit status is the worst of the lines'.
 */
static int batch(const char *path)
{
    static char where[4200];
    sk_plot_batch *b = NULL;
    char **argv;
    size_t jobs = 0, failed = 0;
    int argc, rc, status = SK_EXIT_OK;

    if ((rc = sk_plot_batch_open(&b, path)) != 0)
        return cli_fail(prog, rc);
    while ((rc = sk_plot_batch_next(b, &argc, &argv)) != 0) {
        int st;

        if (rc == SK_EIO) {
            fprintf(stderr, "%s: %s: %s\n", prog, path, sk_error_last());
            status = SK_EXIT_RUNTIME;
            continue;
        }
        jobs++;
        if (rc < 0) {
            fprintf(stderr, "%s: %s:%zu: %s\n", prog, path,
                    sk_plot_batch_line(b), sk_error_last());
            status = SK_EXIT_USAGE;
            failed++;
            continue;
        }
        snprintf(where, sizeof(where), "sweepkit plot: %.4000s:%zu", path,
                 sk_plot_batch_line(b));
        prog = where;
        st = plot_argv(argc, argv);
        prog = "sweepkit plot";
        if (st != SK_EXIT_OK) {
            failed++;
            if (st > status)
                status = st;
        }
    }
    sk_plot_batch_free(b);
    if (failed)
        fprintf(stderr, "%s: %s: %zu of %zu charts failed\n", prog, path,
                failed, jobs);
    else if (jobs == 0) {
        fprintf(stderr, "%s: %s: no charts (every line blank or a "
                        "comment)\n",
                prog, path);
        status = SK_EXIT_USAGE;
    }
    return status;
}

int cmd_plot(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--batch") == 0)
        return batch(argv[2]);
    if (argc == 2 && strncmp(argv[1], "--batch=", 8) == 0)
        return batch(argv[1] + 8);
    return plot_argv(argc, argv);
}
