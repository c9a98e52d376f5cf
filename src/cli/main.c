/* sweepkit: dispatch to one subcommand per source file (cmd_*.c). */
#include "cli.h"

#include "sweepkit/chart.h"
#include "sweepkit/table.h"

#include <stdio.h>
#include <string.h>

static const cli_cmd commands[] = {
    {"top", cmd_top, "sort sweep CSV rows by a field and show the top N"},
    {"stats", cmd_stats, "count, mean, sd, min, max and percentiles per group"},
    {"summarize", cmd_summarize,
     "derive the summary CSV (one row per level) from per-query rows"},
    {"saturation", cmd_saturation,
     "find where throughput stops scaling: the knee and a USL fit"},
    {"recommend", cmd_recommend,
     "the concurrency to run at under TTFT, speed or throughput limits"},
    {"plot", cmd_plot, "draw sweep summaries as PNG, SVG or PDF charts"},
    {"report", cmd_report, "a Markdown report, charts and JSON for sweeps"},
    {"compare", cmd_compare, "two runs level by level: changes, intervals, "
                             "verdicts, CI gates"},
    {"collect", cmd_collect,
     "run a concurrency sweep against a server and write the CSVs"},
    {"serve-sim", cmd_serve_sim,
     "serve an OpenAI/llama.cpp-style API at a modelled speed"},
};

static void help(FILE *fp)
{
    size_t i;

    fputs("usage: sweepkit COMMAND [OPTIONS]\n\n"
          "Measure LLM inference servers with concurrency sweeps.\n\n"
          "commands:\n",
          fp);
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'sweepkit COMMAND --help' describes a command.\n", fp);
}

/* sweepkit(1): the commands, each with its own page. */
static void man(FILE *fp)
{
    size_t i;

    fputs(".TH \"SWEEPKIT\" 1 \"\" \"" CLI_TOOL "\" \"User Commands\"\n"
          ".SH NAME\nsweepkit \\- measure LLM inference servers with "
          "concurrency sweeps\n.SH SYNOPSIS\n.B sweepkit\n.I COMMAND\n"
          "[\\fIOPTIONS\\fR]\n.br\n.B sweepkit \\-\\-version\n"
          ".SH DESCRIPTION\nCollect concurrency sweeps from a live server, "
          "read sweep CSVs and other tools' results, find where throughput "
          "saturates and which concurrency a TTFT budget allows, and draw "
          "and report them.\n.SH COMMANDS\n",
          fp);
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, ".TP\n.B %s\n%s; see\n.BR sweepkit\\-%s (1).\n",
                commands[i].name, commands[i].summary, commands[i].name);
    fputs(".SH EXIT STATUS\n0 success, 1 bad input data or a failure at "
          "run time, 2 a bad command line, 3 done with an input skipped, "
          "4 collect finished after losing its terminal, 130 collect "
          "interrupted.\n.SH SEE ALSO\n.BR analyze\\-data (1)\n",
          fp);
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2)
        return help(stderr), SK_EXIT_USAGE;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help(stdout);
        return SK_EXIT_OK;
    }
    if (strcmp(argv[1], "--help-man") == 0) {
        man(stdout);
        return SK_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts(CLI_TOOL);
        return SK_EXIT_OK;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            char prog[64];
            int status;

            snprintf(prog, sizeof(prog), "sweepkit %s", commands[i].name);
            cli_notes_begin(prog);
            cli_record_command(argc - 1, argv + 1);
            /* every CSV read in parts on the cores (table.h) */
            sk_table_set_threads(cli_threads_auto());
            status = commands[i].fn(argc - 1, argv + 1);
            cli_record_command(0, NULL);
            cli_notes_end();

            /* Cairo's and fontconfig's caches, freed for memory
             * checkers (valgrind, LeakSanitizer) */
            sk_chart_shutdown();
            return status;
        }
    {
        char msg[300];

        snprintf(msg, sizeof(msg), "unknown command '%.200s'", argv[1]);
        return cli_usage_error("sweepkit", msg);
    }
}
