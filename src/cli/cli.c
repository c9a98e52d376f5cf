#include "cli.h"

#include "sweepkit/sweep.h"

#include "sweepkit/error.h"
#include "sweepkit/provenance.h"
#include "sweepkit/table.h"
#include "sweepkit/units.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPTS 64
#define MAX_COMMAND ((size_t)64 << 10)

int cli_getopt(int argc, char **argv, const cli_spec *spec,
               const char *prog)
{
    const cli_opt *opts = spec->opts;
    struct option longopts[MAX_OPTS + 2];
    char shortopts[2 * MAX_OPTS + 4];
    size_t n = 0, s = 0;
    int c;

    /* `--help-man`, first: the manual page from the same table (the
     * build makes the installed man pages with it; docs/install.md) */
    if (optind <= 1 && argc >= 2 && strcmp(argv[1], "--help-man") == 0) {
        cli_man(stdout, prog, spec->synopsis, spec->description, opts);
        return 'h';
    }
    shortopts[s++] = ':'; /* report a missing argument as ':' */
    for (; opts[n].name && n < MAX_OPTS; n++) {
        longopts[n].name = opts[n].name;
        longopts[n].has_arg = opts[n].has_arg;
        longopts[n].flag = NULL;
        longopts[n].val = opts[n].key;
        if (opts[n].key < 256) {
            shortopts[s++] = (char)opts[n].key;
            if (opts[n].has_arg == required_argument)
                shortopts[s++] = ':';
        }
    }
    longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[n + 1] = (struct option){NULL, 0, NULL, 0};
    shortopts[s++] = 'h';
    shortopts[s] = '\0';

    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) ==
           CLI_KEY_DELIMITER) {
        char d;

        if (sk_table_parse_delimiter(&d, optarg) != 0 ||
            sk_table_set_delimiter(d) != 0) {
            cli_usage_error(prog, sk_error_last());
            return '?';
        }
    }
    if (c == ':' || c == '?') {
        char msg[256];
        const char *arg = argv[optind - 1];

        if (c == ':')
            snprintf(msg, sizeof(msg), "option '%s' needs a value", arg);
        else if (optopt)
            snprintf(msg, sizeof(msg), "unknown option '-%c'", optopt);
        else
            snprintf(msg, sizeof(msg), "unknown or ambiguous option '%s'",
                     arg);
        cli_usage_error(prog, msg);
        return '?';
    }
    if (c == 'h')
        cli_help(stdout, spec->synopsis, spec->description, opts);
    return c;
}

void cli_help(FILE *fp, const char *synopsis, const char *description,
              const cli_opt *opts)
{
    size_t i;

    fprintf(fp, "usage: %s\n\n%s\n\noptions:\n", synopsis, description);
    for (i = 0; opts[i].name; i++) {
        char left[64];

        if (opts[i].key < 256)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].key,
                     opts[i].name, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
                     opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        if (strlen(left) > 27) /* a long option: its text on the next line */
            fprintf(fp, "  %s\n  %-28s %s\n", left, "", opts[i].help);
        else
            fprintf(fp, "  %-28s %s\n", left, opts[i].help);
    }
    fprintf(fp, "  %-28s %s\n", "-h, --help", "show this help and exit");
}

/* Text for roff: a backslash doubled as \e, a '-' as \-, a line that
 * starts with '.' or '\'' guarded with \&. */
static void roff(FILE *fp, const char *s)
{
    int bol = 1;

    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", fp);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", fp);
        else if (*s == '-')
            fputs("\\-", fp);
        else
            fputc(*s, fp);
    }
}

void cli_man(FILE *fp, const char *prog, const char *synopsis,
             const char *description, const cli_opt *opts)
{
    char page[64];
    size_t i, n;

    snprintf(page, sizeof(page), "%s", prog);
    for (i = 0; page[i]; i++)
        page[i] = page[i] == ' ' ? '-' : page[i];
    fputs(".TH \"", fp);
    for (i = 0; page[i]; i++)
        fputc(page[i] >= 'a' && page[i] <= 'z' ? page[i] - 32 : page[i], fp);
    fputs("\" 1 \"\" \"" CLI_TOOL "\" \"User Commands\"\n.SH NAME\n", fp);
    roff(fp, page);
    fputs(" \\- ", fp);
    /* the description's first sentence, on one line */
    {
        char first[400];

        for (n = 0; description[n] && n + 1 < sizeof(first); n++) {
            if (description[n] == '.' &&
                (!description[n + 1] || description[n + 1] == ' ' ||
                 description[n + 1] == '\n'))
                break;
            first[n] = description[n] == '\n' ? ' ' : description[n];
        }
        first[n] = '\0';
        roff(fp, first);
    }
    fputs("\n.SH SYNOPSIS\n.B ", fp);
    roff(fp, synopsis);
    fputs("\n.SH DESCRIPTION\n", fp);
    roff(fp, description);
    fputs("\n.SH OPTIONS\n", fp);
    for (i = 0; opts && opts[i].name; i++) {
        fputs(".TP\n.B ", fp);
        if (opts[i].key < 256)
            fprintf(fp, "\\-%c, ", opts[i].key);
        fputs("\\-\\-", fp);
        roff(fp, opts[i].name);
        if (opts[i].arg) {
            fputs(" \\fI", fp);
            roff(fp, opts[i].arg);
            fputs("\\fR", fp);
        }
        fputc('\n', fp);
        roff(fp, opts[i].help);
        fputc('\n', fp);
    }
    fputs(".TP\n.B \\-h, \\-\\-help\nshow this help and exit\n"
          ".SH SEE ALSO\n.BR sweepkit (1)\n",
          fp);
}

int cli_usage_error(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s\n", prog, msg);
    /* "sweepkit plot: jobs.txt:3" (a batch line) still hints at the
     * command's own --help. */
    fprintf(stderr, "Try '%.*s --help' for more information.\n",
            (int)strcspn(prog, ":"), prog);
    return SK_EXIT_USAGE;
}

int cli_fail(const char *prog, int code)
{
    fprintf(stderr, "%s: %s\n", prog,
            *sk_error_last() ? sk_error_last() : sk_strerror(code));
    return code == SK_EINVAL ? SK_EXIT_USAGE : SK_EXIT_RUNTIME;
}

int cli_add_file(const char **files, size_t *n, size_t cap, const char *path,
                 const char *prog)
{
    if (*n == cap)
        return cli_usage_error(prog, "too many files");
    files[(*n)++] = path;
    return 0;
}

int cli_positional_files(const char **files, size_t *n, size_t cap, int argc,
                         char **argv, const char *prog)
{
    int rc;

    for (; optind < argc; optind++)
        if ((rc = cli_add_file(files, n, cap, argv[optind], prog)) != 0)
            return rc;
    return 0;
}

int cli_stdin_unless_tty(const char **files, size_t *n, const char *prog,
                         const char *hint)
{
    char msg[256];

    if (*n > 0)
        return 0;
    if (isatty(STDIN_FILENO)) {
        snprintf(msg, sizeof(msg), "no input: %s", hint);
        return cli_usage_error(prog, msg);
    }
    files[(*n)++] = "-";
    return 0;
}

char *cli_command_line(int argc, char **argv)
{
    size_t cap = 64, n = 0, i;
    char *s;
    int j;

    for (j = 0; j < argc; j++)
        cap += 4 * strlen(argv[j]) + 3;
    if (cap > MAX_COMMAND)
        cap = MAX_COMMAND;
    if (!(s = malloc(cap)))
        return NULL;
    n = (size_t)snprintf(s, cap, "sweepkit");
    for (j = 0; j < argc && n + 8 < cap; j++) {
        const char *a = argv[j];
        int plain = *a != '\0';

        for (i = 0; a[i]; i++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_./:=,+-@%",
                        a[i]))
                plain = 0;
        s[n++] = ' ';
        if (!plain)
            s[n++] = '\'';
        for (i = 0; a[i] && n + 8 < cap; i++) {
            if (a[i] == '\'' && !plain) {
                memcpy(s + n, "'\\''", 4);
                n += 4;
            } else {
                s[n++] = a[i];
            }
        }
        if (!plain)
            s[n++] = '\'';
    }
    s[n] = '\0';
    return s;
}

/* Notes printed so far, kept to print each once (a per-query file is read
 * by several loaders); past the cap, repeats may print again. */
#define MAX_NOTES_SEEN 256

static struct {
    const char *prog;
    char *seen[MAX_NOTES_SEEN];
    size_t nseen;
} notes;

static void print_note(void *payload, const char *note)
{
    size_t i;

    (void)payload;
    for (i = 0; i < notes.nseen; i++)
        if (strcmp(notes.seen[i], note) == 0)
            return;
    fprintf(stderr, "%s: note: %s\n", notes.prog, note);
    if (notes.nseen < MAX_NOTES_SEEN &&
        (notes.seen[notes.nseen] = strdup(note)) != NULL)
        notes.nseen++;
}

void cli_notes_begin(const char *prog)
{
    notes.prog = prog;
    sk_table_set_note_fn(print_note, NULL);
}

void cli_notes_end(void)
{
    size_t i;

    sk_table_set_note_fn(NULL, NULL);
    for (i = 0; i < notes.nseen; i++)
        free(notes.seen[i]);
    notes.nseen = 0;
}

static char *recorded_command;

void cli_record_command(int argc, char **argv)
{
    free(recorded_command);
    recorded_command = argc ? cli_command_line(argc, argv) : NULL;
}

const char *cli_command(void)
{
    return recorded_command;
}

json_t *cli_provenance(const char *prog)
{
    sk_provenance host;
    json_t *head;

    sk_provenance_init(&host);
    head = sk_provenance_json(&host, CLI_TOOL, recorded_command, time(NULL));
    if (!head)
        fprintf(stderr, "%s: out of memory\n", prog);
    return head;
}

int cli_parse_throughput(unsigned *flags, const char *arg)
{
    if (strcmp(arg, "wall") == 0)
        *flags &= ~SK_SWEEP_STEADY;
    else if (strcmp(arg, "steady") == 0)
        *flags |= SK_SWEEP_STEADY;
    else
        return sk_error_set(SK_EINVAL,
                            "--throughput: expected wall or steady, got "
                            "'%.40s'",
                            arg);
    return 0;
}

int cli_parse_confidence(double *out, const char *arg)
{
    double v;
    int rc;

    if ((rc = sk_units_parse_double(&v, arg, "--confidence")) != 0)
        return rc;
    if (!(v == 0 || (v > 50 && v < 100)))
        return sk_error_set(SK_EINVAL,
                            "--confidence: expected a percentage above 50 "
                            "and below 100 (or 0: none), got '%.40s'",
                            arg);
    *out = v / 100;
    return 0;
}

unsigned cli_threads_auto(void)
{
    const char *env = getenv("SWEEPKIT_THREADS");
    long n = sk_provenance_usable_cores();
    char *end;

    /* analyze-data's way to it, which must keep analyze-data.py's flags */
    if (env && *env) {
        long v = strtol(env, &end, 10);

        if (!*end && v >= 1)
            n = v;
    }
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int cli_parse_threads(unsigned *out, const char *arg)
{
    size_t n;

    if (strcmp(arg, "auto") == 0) {
        *out = cli_threads_auto();
        return 0;
    }
    if (sk_units_parse_count(&n, arg, 64, "--threads") != 0 || n == 0)
        return sk_error_set(SK_EINVAL,
                            "--threads: expected 1 to 64, or auto, got "
                            "'%.40s'",
                            arg);
    *out = (unsigned)n;
    return 0;
}
