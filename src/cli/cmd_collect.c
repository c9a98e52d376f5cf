/* sweepkit collect: run a concurrency sweep against a server and write the
 * per-query and summary CSVs (docs/collect.md).  The sweep itself is
 * src/lib/collect/collect.c, the files runfiles.c and sidecar.c, the text
 * progress.c; this file parses options, keeps the terminal (signals, and
 * going silent when it is lost) and says how the run ended. */
#include "cli.h"

#include "sweepkit/collect.h"
#include "sweepkit/error.h"
#include "sweepkit/units.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char prog[] = "sweepkit collect";

/* Keys from OPT_RUN up are a run's options, set in the library by name. */
enum { OPT_API_KEY_ENV = 256, OPT_OUT_DIR, OPT_PREFIX, OPT_PROGRESS, OPT_RUN };

static const cli_opt options[] = {
    {"url", required_argument, OPT_RUN, "URL",
     "server base URL (repeatable: round robin); required"},
    {"api", required_argument, OPT_RUN + 1, "API",
     "openai-chat (default), openai-completions or llamacpp"},
    {"model", required_argument, OPT_RUN + 2, "NAME",
     "model name sent in the request (OpenAI APIs)"},
    {"prompts-file", required_argument, OPT_RUN + 3, "F",
     "JSON array, JSON Lines or text lines (default: 128 built in)"},
    {"queries", required_argument, OPT_RUN + 4, "N|Nx",
     "queries per level, or N times its concurrency (default 128)"},
    {"level-duration", required_argument, OPT_RUN + 14, "S",
     "send for S at each level instead, then let it drain"},
    {"max-queries", required_argument, OPT_RUN + 15, "N",
     "with --level-duration: at most N queries a level"},
    {"concurrency-levels", required_argument, OPT_RUN + 5, "LIST",
     "comma-separated levels (default 1,2,4,8,16,32)"},
    {"max-tokens", required_argument, OPT_RUN + 6, "N",
     "output tokens per query (default 256)"},
    {"temperature", required_argument, OPT_RUN + 7, "T",
     "sampling temperature (default 0)"},
    {"extra-body", required_argument, OPT_RUN + 8, "JSON",
     "JSON object merged into every request body"},
    {"header", required_argument, OPT_RUN + 9, "'K: V'",
     "extra request header (repeatable)"},
    {"api-key-env", required_argument, OPT_API_KEY_ENV, "VAR",
     "send $VAR as a Bearer token (default OPENAI_API_KEY if set)"},
    {"timeout", required_argument, OPT_RUN + 10, "S",
     "per-request timeout (default 300s)"},
    {"warmup", required_argument, OPT_RUN + 11, "N",
     "requests before the first level, not recorded (default 0)"},
    {"retries", required_argument, OPT_RUN + 12, "N",
     "retry 429, 500, 502-504, connection errors N times (default 0)"},
    {"label", required_argument, OPT_RUN + 13, "K=V",
     "add column K with value V to both CSVs (repeatable)"},
    {"input-tokens", required_argument, OPT_RUN + 21, "N[:SD]",
     "synthetic prompts of N tokens (calibrated on the server)"},
    {"output-tokens", required_argument, OPT_RUN + 22, "N[:SD]",
     "ask each query for N tokens and run to length"},
    {"shared-prefix", no_argument, OPT_RUN + 26, NULL,
     "no unique prefix on synthetic prompts (let a prefix cache work)"},
    {"rate", required_argument, OPT_RUN + 17, "LIST",
     "open loop: send at these requests/s, one level each"},
    {"rate-sweep", required_argument, OPT_RUN + 25, "N",
     "open loop at N rates up to the saturated one, measured first"},
    {"arrival", required_argument, OPT_RUN + 18, "A",
     "open loop gaps: poisson (default), gamma:SHAPE or constant"},
    {"seed", required_argument, OPT_RUN + 19, "N",
     "seed of the open loop's schedule (default 0)"},
    {"max-concurrency", required_argument, OPT_RUN + 20, "C",
     "open loop: at most C requests in flight (default: queries, <= 1024)"},
    {"scrape", required_argument, OPT_RUN + 23, "URL",
     "sample this Prometheus /metrics during the levels"},
    {"scrape-interval", required_argument, OPT_RUN + 24, "S",
     "how often --scrape samples (default 1s)"},
    {"wait-ready", required_argument, OPT_RUN + 16, "S",
     "first wait up to S for the servers' /health or /v1/models"},
    {"no-preflight", no_argument, OPT_RUN + 27, NULL,
     "send no request before the first level (to diagnose a failure)"},
    {"threads", required_argument, OPT_RUN + 31, "N",
     "N event loops on N threads, or auto: the cores (default 1)"},
    {"shard", required_argument, OPT_RUN + 28, "I/N",
     "run shard I of N of the sweep (with --start-at; docs/scaling.md)"},
    {"start-at", required_argument, OPT_RUN + 29, "TIME",
     "start the first level at TIME (epoch seconds or ...T19:00:00Z)"},
    {"level-period", required_argument, OPT_RUN + 30, "S",
     "with --start-at: level i starts i x S after the start"},
    {"out-dir", required_argument, OPT_OUT_DIR, "DIR",
     "where the CSVs go (default results)"},
    {"prefix", required_argument, OPT_PREFIX, "NAME",
     "file name prefix (default: the model, else 'sweep')"},
    {"progress-interval", required_argument, OPT_PROGRESS, "S",
     "progress line period when stderr is not a terminal (default 10s)"},
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit collect --url URL [OPTIONS]",
    "Run a concurrency sweep (or an open loop at request rates) against an "
    "OpenAI-compatible or\nllama.cpp server "
    "over its streaming API and write "
    "<prefix>_summary_<ts>.csv, <prefix>_per_query_<ts>.csv"
    "\nand a JSON sidecar into the output directory.  "
    "Exit status 130 when interrupted,\n"
    "4 when the sweep ran to its end after the terminal "
    "was lost (a hang-up, a closed stderr).",
    options};

static volatile sig_atomic_t stop_flag, hangup_flag;
static struct timespec hangup_at; /* CLOCK_REALTIME, set before the flag */

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* The terminal is gone: the sweep goes on, silent (docs/collect.md). */
static void on_hangup(int sig)
{
    (void)sig;
    if (!hangup_flag)
        clock_gettime(CLOCK_REALTIME, &hangup_at); /* async-signal-safe */
    hangup_flag = 1;
}

/* ---- the terminal -------------------------------------------------------- */

struct show {
    int lost;         /* the terminal is gone: nothing more goes to it */
    char lost_at[64]; /* when, ISO 8601 local time */
    const char *lost_why;
};

/* Stop writing to the terminal, and remember when and why. */
static void lose_terminal(struct show *s, const char *why, time_t when)
{
    struct tm tm;

    if (s->lost)
        return;
    s->lost = 1;
    s->lost_why = why;
    localtime_r(&when, &tm);
    strftime(s->lost_at, sizeof(s->lost_at), "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* Is the terminal still there?  A hang-up (SIGHUP) or a failed write to
 * standard error (EPIPE: the reader of a pipe left; EIO: the terminal
 * closed) detach the run. */
static int terminal(void *payload)
{
    struct show *s = payload;

    if (hangup_flag)
        lose_terminal(s, "hang-up (SIGHUP)", hangup_at.tv_sec);
    else if (ferror(stderr))
        lose_terminal(s,
                      errno == EPIPE ? "standard error closed (broken pipe)"
                                     : "standard error cannot be written",
                      time(NULL));
    return !s->lost;
}

/* ---- the command --------------------------------------------------------- */

int cmd_collect(int argc, char **argv)
{
    sk_collect_args a;
    sk_collect_opts *o = &a.opts;
    sk_collect_result res;
    const cli_opt *opt;
    struct sk_collect_files f = {
        .summary_fd = -1, .per_query_fd = -1, .scrape_fd = -1};
    struct sk_collect_sidecar sc = {0};
    const char *key_env = NULL, *out_dir = "results", *prefix_arg = NULL;
    char why[1024], run_name[160];
    struct show show = {0};
    sk_collect_display d = {.fp = stderr,
                            .prog = prog,
                            .interval_s = 10,
                            .alive = terminal,
                            .payload = &show};
    struct sigaction sa, old_int, old_term, old_hup, old_pipe;
    int c, rc = 0, status = SK_EXIT_OK, signals_set = 0;

    sk_collect_args_init(&a);
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        switch (c) {
        case 'h': return SK_EXIT_OK; /* cli_getopt() printed it */
        case OPT_API_KEY_ENV: key_env = optarg; break;
        case OPT_OUT_DIR: out_dir = optarg; break;
        case OPT_PREFIX: prefix_arg = optarg; break;
        case OPT_PROGRESS:
            rc = sk_units_parse_duration(&d.interval_s, optarg,
                                         "--progress-interval");
            break;
        default:
            if (c < OPT_RUN)
                return SK_EXIT_USAGE; /* cli_getopt() said why */
            for (opt = options; opt->key != c; opt++)
                ; /* the library takes a run's options by name */
            rc = sk_collect_args_set(&a, opt->name, optarg);
        }
        if (rc != 0)
            return cli_usage_error(prog, sk_error_last());
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument; every input is "
                                     "an option");
    if (a.nurls == 0)
        return cli_usage_error(prog, "no server: give --url URL "
                                     "(sweepkit serve-sim starts one)");
    if ((rc = sk_collect_args_finish(&a)) != 0) {
        status = rc == SK_ENOMEM ? cli_fail(prog, rc)
                                 : cli_usage_error(prog, sk_error_last());
        rc = 0;
        goto done;
    }
    if (!key_env && getenv("OPENAI_API_KEY") && *getenv("OPENAI_API_KEY"))
        key_env = "OPENAI_API_KEY";
    if (key_env && (!(o->api_key = getenv(key_env)) || !*o->api_key)) {
        sk_error_set(SK_EINVAL, "--api-key-env: $%.200s is not set or empty",
                     key_env);
        status = cli_usage_error(prog, sk_error_last());
        goto done;
    }
    /* every option is checked before any file is made */
    if ((rc = sk_collect_args_load(&a)) != 0)
        goto done;

    sk_collect_run_name(run_name, sizeof(run_name),
                        prefix_arg ? prefix_arg
                        : o->model ? o->model
                                   : "sweep",
                        o);
    if ((rc = sk_collect_files_create(&f, out_dir, run_name,
                                      sk_collect_stamp_time(o))) != 0)
        goto done;
    if (o->scrape_url && (rc = sk_collect_files_scrape(&f)) != 0)
        goto done;
    o->scrape_fd = f.scrape_fd;
    o->scrape_name = f.scrape;
    o->per_query_fd = f.per_query_fd;
    o->per_query_name = f.per_query;
    o->summary_fd = f.summary_fd;
    o->summary_name = f.summary;
    o->stop = &stop_flag;
    o->progress = sk_collect_display_progress;
    o->note = sk_collect_display_note;
    o->payload = &d;
    o->api_key_env = key_env;
    d.tty = isatty(STDERR_FILENO);
    if ((rc = sk_collect_display_init(&d)) != 0)
        goto done;
    sc = (struct sk_collect_sidecar){.tool = CLI_TOOL,
                                     .argc = argc,
                                     .argv = argv,
                                     .opts = o,
                                     .summary_path = f.summary,
                                     .per_query_path = f.per_query,
                                     .started = f.started,
                                     .host = &f.host,
                                     .status = "running"};
    if ((rc = sk_collect_sidecar_write(f.sidecar, &sc)) != 0)
        goto done;

    /* SIGINT and SIGTERM stop the sweep; losing the terminal does not
     * (SIGHUP detaches; SIGPIPE is ignored, so a closed standard error is
     * an EPIPE that detaches too). */
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, &old_hup);
    if (old_hup.sa_handler == SIG_IGN) /* under nohup: the user's choice */
        sigaction(SIGHUP, &old_hup, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    signals_set = 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = sk_error_set(SK_EHTTP, "libcurl cannot start");
        goto done;
    }
    rc = sk_collect_run(&res, o);
    curl_global_cleanup();
    if (rc != 0)
        snprintf(why, sizeof(why), "%s", sk_error_last());
    if (terminal(&show) && d.tty)
        fputs("\r\033[K", stderr);
    sc.status = sk_collect_status(rc, &res);
    sc.reason = rc ? why : NULL;
    sc.lost_at = show.lost ? show.lost_at : NULL;
    sc.lost_why = show.lost_why;
    sc.result = &res;
    if (sk_collect_sidecar_write(f.sidecar, &sc) != 0) {
        if (rc != 0 && terminal(&show)) /* the run's own error first */
            fprintf(stderr, "%s: %s\n", prog, why);
        rc = SK_EIO; /* the sidecar's error, in sk_error_last() */
    } else if (rc != 0) {
        sk_error_set(rc, "%s", why);
    }
    if (terminal(&show))
        sk_collect_display_table(&d, stderr);
    if (rc == 0 && terminal(&show))
        sk_collect_notes_write(stderr, prog, &res, o->warmup);
    if (rc == 0) { /* stdout may outlive stderr; SIGPIPE is still ignored */
        printf("%s\n%s\n%s\n", f.summary, f.per_query, f.sidecar);
        if (f.scrape[0])
            printf("%s\n", f.scrape);
        fflush(stdout);
    }
    if (rc == 0 && terminal(&show))
        sk_collect_end_write(stderr, prog, &res);
    if (rc == 0)
        status = res.interrupted   ? SK_EXIT_INTERRUPTED
                 : res.gave_up     ? SK_EXIT_RUNTIME
                 : terminal(&show) ? SK_EXIT_OK
                                   : SK_EXIT_DETACHED;
done:
    if (rc != 0)
        status = show.lost ? SK_EXIT_RUNTIME : cli_fail(prog, rc);
    if (signals_set) { /* after the last word to the terminal */
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
    }
    sk_collect_display_dispose(&d);
    if (f.summary_fd >= 0)
        close(f.summary_fd); /* every row was written and synced: rowfile.h */
    if (f.per_query_fd >= 0)
        close(f.per_query_fd);
    if (f.scrape_fd >= 0)
        close(f.scrape_fd);
    sk_collect_args_dispose(&a);
    return status;
}
