/* sweepkit plot: draw sweep summaries as PNG, SVG or PDF (docs/plot.md). */
#include "cli.h"

#include "sweepkit/chart.h"
#include "sweepkit/error.h"
#include "sweepkit/num.h"
#include "sweepkit/recommend.h"
#include "sweepkit/saturation.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"
#include "sweepkit/units.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef SK_VERSION
#define SK_VERSION "dev"
#endif

#define MAX_RUNS 64
#define MAX_MARKS 32

#define MAX_BATCH_LINE ((size_t)64 << 10)
#define MAX_BATCH_ARGS 256

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
    OPT_BATCH
};

static const cli_opt options[] = {
    {"output", required_argument, 'o', "FILE",
     "write the chart to FILE: .png, .svg or .pdf (required)"},
    {"kind", required_argument, 'k', "KIND",
     "throughput (default), per-query, ttft, pareto or dashboard"},
    {"layout", required_argument, OPT_LAYOUT, "stacked|dual",
     "throughput: two stacked panels (default) or one with two y axes"},
    {"per-query", required_argument, OPT_PER_QUERY, "FILE",
     "per-query CSV of the summary in the same place (repeatable)"},
    {"label", required_argument, 'l', "NAME",
     "legend name of the next file, in file order (repeatable)"},
    {"title", required_argument, 't', "TEXT",
     "chart title (default: from the kind and the labels)"},
    {"ttft-budget", required_argument, OPT_TTFT_BUDGET, "S",
     "draw a TTFT budget line at S seconds (\"2\", \"500ms\")"},
    {"ttft-stat", required_argument, OPT_TTFT_STAT, "STAT",
     "avg, median or p90: pareto x (default p90), budget (avg)"},
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
    {"batch", required_argument, OPT_BATCH, "FILE",
     "make one chart per line of FILE (plot arguments), in one process"},
    {NULL, 0, 0, NULL, NULL}};

/* Per-query samples: every query's concurrency and tokens_per_s. */
struct samples {
    double *c, *v;
    size_t n;
};

/* "results/summary_gemma.csv" -> "gemma"; "per_query.csv" -> "per_query". */
static void label_from_path(char *buf, size_t cap, const char *path)
{
    const char *b = strrchr(path, '/');
    size_t n;

    b = b ? b + 1 : path;
    if (strncmp(b, "summary_", 8) == 0 && b[8] && strcmp(b + 8, ".csv"))
        b += 8;
    n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".csv") == 0)
        n -= 4;
    snprintf(buf, cap, "%.*s", (int)n, b);
}


/* The knee comes from the analysis engine (saturation.h); the chart only
 * draws it.  A run without a knee ("still scaling") gets a note. */
static int mark_saturation(sk_chart *chart, const sk_sweep *s,
                           const char *label, int several)
{
    struct sk_saturation_knee k;
    const double *y;
    char text[300];
    int rc;

    if (!s)
        return 0;
    if ((rc = sk_sweep_column(&y, s, "throughput_tokens_per_s")) != 0 ||
        (rc = sk_saturation_knee(&k, sk_sweep_concurrency(s), y,
                                 sk_sweep_levels(s),
                                 SK_SATURATION_DEFAULT_GAIN)) != 0)
        return rc;
    if (!k.found) {
        fprintf(stderr, "%s: note: %s: no knee (still scaling at the "
                        "highest level measured)\n",
                prog, sk_sweep_name(s));
        return 0;
    }
    snprintf(text, sizeof(text), several ? "knee %g (%s)" : "knee %g", k.x,
             label);
    rc = sk_chart_mark_x(chart, "concurrency", k.x, text);
    return rc == SK_ENOTFOUND ? 0 : rc; /* pareto: no concurrency axis */
}

/*
 * With a TTFT budget, the TTFT panel marks each run's recommended level:
 * the highest level whose TTFT statistic (--ttft-stat, else the mean, as
 * `sweepkit recommend` defaults) is within the budget, computed by the
 * recommend module; the chart only draws it.  A run where no level meets
 * the budget, or whose statistic is empty, gets a note.
 */
static int mark_recommended(sk_chart *chart, const sk_sweep *s,
                            const char *label, int several,
                            const sk_chart_plot_opts *po)
{
    sk_recommend_opts ro;
    sk_recommend_result r;
    size_t panel;
    char text[300];
    int rc;

    if (!s || !(po->ttft_budget_s > 0) ||
        sk_chart_find_panel(&panel, chart, "ttft") != 0)
        return 0;
    sk_recommend_opts_init(&ro);
    ro.ttft_budget_s = po->ttft_budget_s;
    if (po->ttft_stat &&
        (rc = sk_recommend_stat_parse(&ro.ttft_stat, po->ttft_stat)) != 0)
        return rc;
    rc = sk_recommend_sweep(&r, s, &ro);
    if (rc == SK_ENODATA || rc == SK_ENOTFOUND) {
        fprintf(stderr, "%s: note: %s: no recommended level drawn: %s\n",
                prog, sk_sweep_name(s), sk_error_last());
        return 0;
    }
    if (rc != 0)
        return rc;
    if (!r.found) {
        fprintf(stderr,
                "%s: note: %s: no level meets the %g s %s TTFT budget\n",
                prog, sk_sweep_name(s), po->ttft_budget_s,
                sk_recommend_stat_name(ro.ttft_stat));
        return 0;
    }
    snprintf(text, sizeof(text), several ? "run at %g (%s)" : "run at %g",
             r.concurrency, label);
    return sk_chart_panel_mark_x(chart, panel, r.concurrency, text);
}

static char *join(const char *const *v, size_t n, char *const *w, size_t m)
{
    size_t len = 1, i;
    char *s;

    for (i = 0; i < n; i++)
        len += strlen(v[i]) + 2;
    for (i = 0; i < m; i++)
        len += strlen(w[i]) + 2;
    if (!(s = malloc(len)))
        return NULL;
    s[0] = '\0';
    for (i = 0; i < n + m; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, i < n ? v[i] : w[i - n]);
    }
    return s;
}

static int parse_px(unsigned *out, const char *s, const char *what)
{
    size_t v;

    if (sk_units_parse_count(&v, s, 16384, what) != 0)
        return -1;
    if (v < 200)
        return sk_error_set(SK_EINVAL, "%s: expected 200 to 16384, got '%s'",
                            what, s);
    *out = (unsigned)v;
    return 0;
}

struct mark {
    double x;
    const char *label;
};

/* "X[:LABEL]"; the label points into `arg`, which is left unchanged. */
static int parse_mark(struct mark *m, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char num[64];

    m->label = NULL;
    snprintf(num, sizeof(num), "%.*s",
             (int)(colon ? (size_t)(colon - arg) : strlen(arg)), arg);
    if (colon && colon[1])
        m->label = colon + 1;
    if (sk_units_parse_double(&m->x, num, "--mark-x") != 0)
        return -1;
    if (!(m->x > 0))
        return sk_error_set(SK_EINVAL,
                            "--mark-x: expected a concurrency above 0, got "
                            "'%s'",
                            num);
    return 0;
}

/* `argv` is a copy for getopt_long to permute; `orig` is the command line
 * as given, for the metadata. */
static int plot(int argc, char **argv, char **orig)
{
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart_format fmt;
    sk_chart_plot_run runs[MAX_RUNS];
    sk_sweep *sweeps[MAX_RUNS] = {NULL};
    struct samples samples[MAX_RUNS];
    char labels[MAX_RUNS][256];
    char *pq[MAX_RUNS], *given[MAX_RUNS];
    const char *files[MAX_RUNS];
    struct mark marks[MAX_MARKS];
    size_t npq = 0, nlabels = 0, nfiles = 0, nmarks = 0, nruns, i;
    int mark_knee = 0;
    const char *output = NULL;
    char *command = NULL, *sources = NULL;
    sk_chart *chart = NULL;
    int c, rc = 0, status = SK_EXIT_OK;

    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    memset(samples, 0, sizeof(samples));
    optind = 0; /* glibc: start over, also after a batch line that failed */
    while ((c = cli_getopt(argc, argv, options, prog)) != -1) {
        switch (c) {
        case 'h':
            cli_help(stdout,
                     "sweepkit plot [OPTIONS] SUMMARY.csv... -o "
                     "OUT.png|svg|pdf",
                     "Draw sweep summaries (one colour per file) as a "
                     "chart; the output format follows\n"
                     "the extension.  Kinds: throughput, per-query, ttft, "
                     "pareto, dashboard.",
                     options);
            return SK_EXIT_OK;
        case 'o': output = optarg; break;
        case 'k':
            if (sk_chart_plot_kind_parse(&po.kind, optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_LAYOUT:
            if (strcmp(optarg, "stacked") && strcmp(optarg, "dual"))
                return cli_usage_error(prog,
                                       "--layout: expected stacked or dual");
            po.dual = strcmp(optarg, "dual") == 0;
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
        case 't': po.title = optarg; break;
        case OPT_TTFT_BUDGET:
            if (sk_units_parse_duration(&po.ttft_budget_s, optarg,
                                        "--ttft-budget") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (!(po.ttft_budget_s > 0))
                return cli_usage_error(prog, "--ttft-budget: expected a "
                                             "duration above 0");
            break;
        case OPT_TTFT_STAT:
            if (strcmp(optarg, "avg") && strcmp(optarg, "median") &&
                strcmp(optarg, "p90"))
                return cli_usage_error(prog, "--ttft-stat: expected avg, "
                                             "median or p90");
            po.ttft_stat = optarg;
            break;
        case OPT_MARK_SATURATION:
            mark_knee = 1;
            break;
        case OPT_MARK_X:
            if (nmarks == MAX_MARKS)
                return cli_usage_error(prog, "too many --mark-x markers");
            if (parse_mark(&marks[nmarks], optarg) != 0)
                return cli_usage_error(prog, sk_error_last());
            nmarks++;
            break;
        case OPT_WIDTH:
            if (parse_px(&ro.width, optarg, "--width") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_HEIGHT:
            if (parse_px(&ro.height, optarg, "--height") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_SCALE:
            if (sk_units_parse_double(&ro.scale, optarg, "--scale") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (!(ro.scale > 0 && ro.scale <= 16))
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
    if (!output)
        return cli_usage_error(prog, "no output: give -o FILE.png, .svg or "
                                     ".pdf");
    if (sk_chart_format_from_path(&fmt, output) != 0)
        return cli_usage_error(prog, sk_error_last());
    if (po.kind == SK_CHART_PLOT_PER_QUERY && npq == 0)
        return cli_usage_error(prog, "--kind per-query needs --per-query "
                                     "FILE");
    if (nfiles == 0 && !(po.kind == SK_CHART_PLOT_PER_QUERY && npq))
        return cli_usage_error(prog, "no input: give one or more summary "
                                     "CSV files");
    if (nfiles && npq > nfiles)
        return cli_usage_error(prog, "more --per-query files than "
                                     "summaries: each belongs to the "
                                     "summary in the same place");
    if (npq && po.kind != SK_CHART_PLOT_PER_QUERY &&
        po.kind != SK_CHART_PLOT_DASHBOARD)
        fprintf(stderr,
                "%s: note: --per-query is drawn by --kind per-query "
                "and dashboard only\n",
                prog);
    nruns = nfiles ? nfiles : npq;
    if (nlabels > nruns)
        return cli_usage_error(prog, "more --label names than files");

    memset(runs, 0, sizeof(runs));
    for (i = 0; i < nruns && rc == 0; i++) {
        const char *path = nfiles ? files[i] : pq[i];

        if (nfiles)
            rc = sk_sweep_load(&sweeps[i], files[i]);
        if (rc == 0 && i < npq)
            rc = sk_summarize_samples(&samples[i].c, &samples[i].v,
                                      &samples[i].n, pq[i]);
        if (i < nlabels)
            snprintf(labels[i], sizeof(labels[i]), "%s", given[i]);
        else
            label_from_path(labels[i], sizeof(labels[i]), path);
        runs[i].sweep = sweeps[i];
        runs[i].label = labels[i];
        runs[i].query_concurrency = samples[i].c;
        runs[i].query_tokens_per_s = samples[i].v;
        runs[i].nqueries = samples[i].n;
    }
    if (rc == 0)
        rc = sk_chart_plot_new(&chart, runs, nruns, &po);
    for (i = 0; i < nmarks && rc == 0; i++) {
        rc = sk_chart_mark_x(chart, "concurrency", marks[i].x, marks[i].label);
        if (rc == SK_ENOTFOUND) {
            /* The pareto chart has no concurrency axis to mark. */
            fprintf(stderr,
                    "%s: note: --mark-x %g: this chart has no "
                    "concurrency axis; not drawn\n",
                    prog, marks[i].x);
            rc = 0;
        }
    }
    for (i = 0; i < nruns && mark_knee && rc == 0; i++)
        rc = mark_saturation(chart, sweeps[i], labels[i], nruns > 1);
    for (i = 0; i < nruns && rc == 0; i++)
        rc = mark_recommended(chart, sweeps[i], labels[i], nruns > 1, &po);
    if (rc == 0 && (!(sources = join(files, nfiles, pq, npq)) ||
                    !(command = cli_command_line(argc, orig))))
        rc = sk_error_set(SK_ENOMEM, "out of memory");
    if (rc == 0) {
        ro.software = "sweepkit " SK_VERSION;
        ro.sources = sources;
        ro.command = command;
        rc = sk_chart_write(chart, output, &ro);
    }
    if (chart)
        for (i = 0; i < sk_chart_notes(chart); i++)
            fprintf(stderr, "%s: note: %s\n", prog, sk_chart_note(chart, i));
    if (rc != 0)
        status = cli_fail(prog, rc);
    sk_chart_free(chart);
    for (i = 0; i < MAX_RUNS; i++) {
        sk_sweep_free(sweeps[i]);
        free(samples[i].c);
        free(samples[i].v);
    }
    free(command);
    free(sources);
    return status;
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
 * Split one batch line into words in place, as a POSIX shell would for
 * plain words and quotes: blanks separate words, '...' is literal, "..."
 * keeps \" and \\ escapes, a backslash outside quotes escapes the next
 * character, and a word starting with '#' starts a comment.  argv[0] is
 * "plot".  Returns the word count, or -1 with a message in `err`.
 */
static int split_words(char **argv, char *line, char *err, size_t errcap)
{
    char *r = line, *w = line;
    int argc = 0;

    argv[argc++] = "plot";
    for (;;) {
        char quote = 0;

        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '\0' || *r == '#')
            break;
        if (argc == MAX_BATCH_ARGS) {
            snprintf(err, errcap, "more than %d words", MAX_BATCH_ARGS - 1);
            return -1;
        }
        argv[argc++] = w;
        for (; *r && (quote || (*r != ' ' && *r != '\t')); r++) {
            if (quote == '\'' && *r == '\'')
                quote = 0;
            else if (quote == '"' && *r == '"')
                quote = 0;
            else if (!quote && (*r == '\'' || *r == '"'))
                quote = *r;
            else if (quote != '\'' && *r == '\\' && r[1] &&
                     (!quote || r[1] == '"' || r[1] == '\\'))
                *w++ = *++r;
            else
                *w++ = *r;
        }
        if (quote) {
            snprintf(err, errcap, "unterminated %c quote", quote);
            return -1;
        }
        if (*r)
            r++;
        *w++ = '\0';
    }
    argv[argc] = NULL;
    return argc;
}

/*
 * --batch FILE: one chart per line, each line the arguments of one
 * `sweepkit plot` (blank lines and # comments skipped), made in this one
 * process so start-up and fontconfig's set-up are paid once.  A line that
 * fails is reported with its FILE:LINE and the rest go on; the exit
 * status is the worst of the lines'.
 */
static int batch(const char *path)
{
    static char where[4200];
    char *line = NULL, *argv[MAX_BATCH_ARGS + 1], err[80];
    size_t cap = 0, lineno = 0, jobs = 0, failed = 0;
    ssize_t len;
    int status = SK_EXIT_OK;
    FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;

    if (!fp)
        return cli_fail(prog, sk_error_set(SK_EIO, "%s: cannot read: %s",
                                           path, strerror(errno)));
    while ((len = getline(&line, &cap, fp)) >= 0) {
        int argc, st;

        lineno++;
        jobs++;
        if ((size_t)len > MAX_BATCH_LINE || memchr(line, '\0', (size_t)len)) {
            fprintf(stderr, "%s: %s:%zu: %s\n", prog, path, lineno,
                    (size_t)len > MAX_BATCH_LINE ? "line longer than 64 KiB"
                                                 : "NUL byte in line");
            status = SK_EXIT_USAGE;
            failed++;
            continue;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if ((argc = split_words(argv, line, err, sizeof(err))) < 0) {
            fprintf(stderr, "%s: %s:%zu: %s\n", prog, path, lineno, err);
            status = SK_EXIT_USAGE;
            failed++;
            continue;
        }
        if (argc == 1) {
            jobs--; /* blank or a comment */
            continue;
        }
        snprintf(where, sizeof(where), "sweepkit plot: %.4000s:%zu", path,
                 lineno);
        prog = where;
        st = plot_argv(argc, argv);
        prog = "sweepkit plot";
        if (st != SK_EXIT_OK) {
            failed++;
            if (st > status)
                status = st;
        }
    }
    if (ferror(fp)) {
        fprintf(stderr, "%s: %s: read error: %s\n", prog, path,
                strerror(errno));
        status = SK_EXIT_RUNTIME;
    }
    if (fp != stdin)
        fclose(fp);
    free(line);
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
