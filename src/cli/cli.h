/*
 * The command-line front end's shared pieces: exit codes, the command
 * table, and one option table per command that drives both getopt_long
 * and --help.  Only public library headers are used from here.
 */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Every exit status sweepkit uses (docs/robustness.md, "Exit statuses"). */
enum {
    SK_EXIT_OK = 0,          /* success */
    SK_EXIT_RUNTIME = 1,     /* bad input data, I/O or server failure */
    SK_EXIT_USAGE = 2,       /* bad command line */
    SK_EXIT_SKIPPED = 3,     /* done, but an input file was skipped (each
                                skip has a note on stderr) */
    SK_EXIT_DETACHED = 4,    /* collect: the sweep ran to its end after the
                                terminal was lost (hang-up, closed stderr);
                                the sidecar says when */
    SK_EXIT_INTERRUPTED = 130 /* collect: stopped by SIGINT or SIGTERM; the
                                 rows measured so far are written */
};

/* "sweepkit X.Y.Z": what --version prints and outputs record as their
 * maker (SK_VERSION comes from CMake's project VERSION). */
#define CLI_TOOL "sweepkit " SK_VERSION

typedef struct {
    const char *name;    /* long option, without "--" */
    int has_arg;         /* no_argument / required_argument */
    int key;             /* value getopt_long returns: a letter or >= 256 */
    const char *arg;     /* metavariable for --help ("FILE"), or NULL */
    const char *help;    /* one line */
} cli_opt;

typedef struct {
    const char *name;                  /* "top" */
    int (*fn)(int argc, char **argv);  /* argv[0] is the command name */
    const char *summary;               /* one line for `sweepkit --help` */
} cli_cmd;

/* Options end with {NULL}.  The table gets --help (key 'h') added. */

/* The --format option of the commands that print a table by default. */
#define CLI_OPT_FORMAT(key)                                                   \
    {"format", required_argument, (key), "FMT",                              \
     "table (default), csv, json or markdown"}

/* --delimiter, for the commands that read CSV: cli_getopt() applies it
 * itself (sk_table_set_delimiter()); the command sees nothing of it. */
#define CLI_KEY_DELIMITER 0x7000
#define CLI_OPT_DELIMITER                                                     \
    {"delimiter", required_argument, CLI_KEY_DELIMITER, "C",                 \
     "CSV field delimiter: ',', ';', '|' or 'tab' (default: told from "     \
     "the header)"}

/* A command's help: what --help prints (cli_help()). */
typedef struct {
    const char *synopsis;    /* after "usage: " */
    const char *description;
    const cli_opt *opts;     /* the option table */
} cli_spec;

/* Like getopt_long over spec->opts; returns the key, -1 at the end, '?'
 * after printing a usage error, 'h' after printing the help on stdout
 * (the command then exits 0).  `prog` prefixes messages.  The first call
 * of a process starts at argv[1]; a caller parsing a second argv sets
 * optind = 0 first. */
int cli_getopt(int argc, char **argv, const cli_spec *spec,
               const char *prog);

/* Print "usage: SYNOPSIS", the description and the option table. */
void cli_help(FILE *fp, const char *synopsis, const char *description,
              const cli_opt *opts);

/* The manual page (roff, man(7)) of command `prog` ("sweepkit top":
 * page sweepkit-top(1)) from its synopsis, description and option table:
 * what `sweepkit top --help-man` prints. */
void cli_man(FILE *fp, const char *prog, const char *synopsis,
             const char *description, const cli_opt *opts);

/* "PROG: MESSAGE" plus a hint line on stderr; returns SK_EXIT_USAGE. */
int cli_usage_error(const char *prog, const char *msg);

/* "PROG: " + the library's last error on stderr; returns SK_EXIT_RUNTIME
 * (SK_EXIT_USAGE for SK_EINVAL). */
int cli_fail(const char *prog, int code);

/* Append `path` to files[*n..cap).  Returns 0, or SK_EXIT_USAGE after
 * "too many files" when it does not fit. */
int cli_add_file(const char **files, size_t *n, size_t cap, const char *path,
                 const char *prog);

/* Append the positional arguments argv[optind..argc) to files[*n..cap),
 * as cli_add_file() each. */
int cli_positional_files(const char **files, size_t *n, size_t cap, int argc,
                         char **argv, const char *prog);

/* With no input files, read standard input ("-") when it is not a
 * terminal.  Returns 0, or SK_EXIT_USAGE after "no input: `hint`". */
int cli_stdin_unless_tty(const char **files, size_t *n, const char *prog,
                         const char *hint);

/* "sweepkit ARGV..." with each argument shell-quoted when it needs to be,
 * at most 64 KiB (cut beyond): the command line charts and reports record.
 * The caller frees it; NULL when out of memory. */
char *cli_command_line(int argc, char **argv);

/* Record the command line as given (main(), before any getopt_long
 * permutes argv): what cli_command() and cli_provenance() name.  argc 0
 * forgets it. */
void cli_record_command(int argc, char **argv);

/* The recorded command line (cli_command_line()), or NULL. */
const char *cli_command(void);

/* --confidence PCT: a level in percent, 0 (no intervals) or in (50, 100),
 * into *out as a fraction.  0, or an error with "--confidence: ..." in
 * sk_error_last(). */
int cli_parse_confidence(double *out, const char *arg);

/* --throughput, for the commands that analyse or draw throughput. */
#define CLI_OPT_THROUGHPUT(key)                                               \
    {"throughput", required_argument, (key), "wall|steady",                   \
     "wall (default): all tokens over the level's wall time; steady: over "   \
     "its steady state, without ramp-up and drain (summaries with "           \
     "steady_throughput_tokens_per_s; levels without one left out)"}

/* --threads for the commands that parse CSV (table.h). */
#define CLI_OPT_THREADS(key)                                                  \
    {"threads", required_argument, (key), "N",                               \
     "parse on N threads (1 to 64), or auto: the cores (default auto)"}

/* --threads N|auto into *out; the default is cli_threads_auto().  0, or
 * SK_EINVAL with "--threads: ..." in sk_error_last(). */
int cli_parse_threads(unsigned *out, const char *arg);

/* The cores this process may use, or SWEEPKIT_THREADS when it is a
 * number, at most 64. */
unsigned cli_threads_auto(void);

/* "wall" or "steady" into *flags (sweep.h's SK_SWEEP_STEADY set or
 * cleared); 0, or SK_EINVAL with "--throughput: ..." in sk_error_last(). */
int cli_parse_throughput(unsigned *flags, const char *arg);

/* The provenance keys a JSON output starts with (sk_provenance_json():
 * this machine, CLI_TOOL, the recorded command line, now), or NULL after
 * "PROG: out of memory" on stderr.  The caller json_decref()s it. */
json_t *cli_provenance(const char *prog);

/* From now on, print each note of the table core (a torn last row
 * skipped: table.h) on stderr as "PROG: note: NOTE", once however often
 * the file is read.  `prog` must outlive the matching cli_notes_end(). */
void cli_notes_begin(const char *prog);

/* Stop printing notes and forget those printed. */
void cli_notes_end(void);

int cmd_top(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_summarize(int argc, char **argv);
int cmd_saturation(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_serve_sim(int argc, char **argv);
int cmd_collect(int argc, char **argv);

#include "sweepkit/format.h"
#include "sweepkit/top.h"
#include <stddef.h>

/* Shared by `sweepkit top` and analyze-data: stream `files` through a
 * selection and print it.  Errors go to stderr after `err_prefix`,
 * warnings after `prog`. */
int top_run(const char *prog, const char *err_prefix,
            const sk_top_opts *opts, const char **files, size_t nfiles,
            sk_format fmt);

#endif
