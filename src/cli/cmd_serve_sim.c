/*
 * sweepkit serve-sim: an HTTP server shaped like vLLM's OpenAI API and
 * llama.cpp's native /completion whose speed follows the batch-slot model
 * in sweepkit/sim.h, so a collector can be checked against known numbers
 * (docs/serve-sim.md).
 *
 * The server is src/lib/sim/server.c (sweepkit/server.h); this file parses
 * the options, turns SIGINT/SIGTERM into sk_server_stop(), and prints the
 * banner, the notes and the closing summary.
 */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/server.h"
#include "sweepkit/sim.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

enum {
    OPT_HOST = 256,
    OPT_PORT,
    OPT_SLOTS,
    OPT_STEP,
    OPT_STEP_SEQ,
    OPT_PREFILL,
    OPT_CAP,
    OPT_SEED,
    OPT_JITTER,
    OPT_LOG,
    OPT_MAX_CONNS,
    OPT_THREADS,
    OPT_IDLE,
    OPT_API_KEY,
    OPT_MODELS,
    OPT_READY
};

static const cli_opt options[] = {
    {"host", required_argument, OPT_HOST, "ADDR",
     "address to listen on (default 127.0.0.1)"},
    {"port", required_argument, OPT_PORT, "N",
     "TCP port (default 0: a free port, printed)"},
    {"slots", required_argument, OPT_SLOTS, "S", "batch slots (default 8)"},
    {"step-ms", required_argument, OPT_STEP, "A",
     "fixed time of a decode step, ms (default 20)"},
    {"step-ms-per-seq", required_argument, OPT_STEP_SEQ, "B",
     "time per sequence in a step, ms (default 2)"},
    {"prefill-ms-per-token", required_argument, OPT_PREFILL, "P",
     "prefill time per prompt token, ms (default 0.1)"},
    {"max-tokens-cap", required_argument, OPT_CAP, "M",
     "most output tokens per request (default 4096)"},
    {"seed", required_argument, OPT_SEED, "N",
     "seed of the token text and jitter (default 0)"},
    {"jitter", required_argument, OPT_JITTER, "F",
     "relative step-time jitter, 0..0.5 (default 0: off)"},
    {"log", required_argument, OPT_LOG, "FILE",
     "write one CSV row per request (server-side ground truth)"},
    {"max-connections", required_argument, OPT_MAX_CONNS, "N",
     "open connections at most (default 10000)"},
    {"threads", required_argument, OPT_THREADS, "N",
     "threads sending each step's tokens (default 1)"},
    {"idle-timeout", required_argument, OPT_IDLE, "DUR",
     "time to send a request, or to take response bytes (default 30s)"},
    {"api-key", required_argument, OPT_API_KEY, "KEY",
     "answer 401 unless a request sends Authorization: Bearer KEY"},
    {"models", required_argument, OPT_MODELS, "LIST",
     "model ids to list and serve; 404 for others (default: any)"},
    {"ready-after", required_argument, OPT_READY, "DUR",
     "answer 503 'Loading model' for this long after starting"},
    {NULL, 0, 0, NULL, NULL}};

static const cli_spec spec = {
    "sweepkit serve-sim [--port N] [--slots S] "
    "[--step-ms A] [--step-ms-per-seq B] [OPTIONS]",
    "Serve POST /v1/chat/completions, /v1/completions "
    "(OpenAI) and /completion (llama.cpp),\n"
    "GET /v1/models and /health, at the speed of a model: "
    "S batch slots, a decode\n"
    "step of b sequences takes A + B*b ms, prefill P ms "
    "per prompt token (see\n"
    "docs/serve-sim.md).  Stops on SIGINT or SIGTERM.",
    options};

/* The server the signal handler stops: set while SIGINT and SIGTERM are
 * blocked, so the handler only sees it valid. */
static sk_server *volatile running;

static void on_signal(int sig)
{
    (void)sig;
    sk_server_stop(running);
}

static void on_note(void *ctx, const char *note)
{
    (void)ctx;
    fprintf(stderr, "serve-sim: note: %s\n", note);
}

/* Let --max-connections sockets open: raise the soft descriptor limit. */
static void raise_nofile(size_t want)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                      ? (rlim_t)want
                      : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static void print_summary(const sk_server *sv)
{
    sk_server_stats st;

    sk_server_get_stats(sv, &st);
    printf("serve-sim: stopped after %.3f s: %llu requests, %llu "
           "tokens in %llu steps; %llu connections (%llu refused); "
           "faults: %llu error responses, %llu disconnects, %llu slow "
           "clients, %llu timeouts, %llu accept errors, %llu log "
           "errors, %llu TLS handshakes closed\n",
           st.elapsed_s, st.requests, st.tokens, st.steps, st.accepted,
           st.refused, st.error_responses, st.disconnects, st.slow_clients,
           st.timeouts, st.accept_errors, st.log_errors, st.tls);
}

int cmd_serve_sim(int argc, char **argv)
{
    static const char prog[] = "sweepkit serve-sim";
    sk_server_opts o;
    sk_server *sv = NULL;
    const cli_opt *opt;
    sigset_t mask, old;
    struct sigaction act, ign, old_int, old_term, old_pipe;
    int c, rc;

    sk_server_opts_init(&o);
    while ((c = cli_getopt(argc, argv, &spec, prog)) != -1) {
        if (c == 'h')
            return SK_EXIT_OK; /* cli_getopt() printed the help */
        if (c < OPT_HOST)
            return SK_EXIT_USAGE; /* cli_getopt() said why */
        for (opt = options; opt->key != c; opt++)
            ; /* the library takes the options by name */
        if (sk_server_opts_set(&o, opt->name, optarg) != 0)
            return cli_usage_error(prog, sk_error_last());
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument");
    if (sk_server_opts_finish(&o) != 0)
        return cli_usage_error(prog, sk_error_last());
    o.note = on_note;

    /* SIGINT/SIGTERM stay blocked until the handler has a server to stop;
     * one that came meanwhile stops it at once. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, &old);
    memset(&act, 0, sizeof(act));
    act.sa_handler = on_signal;
    act.sa_flags = SA_RESTART; /* stdout and the log are not cut short */
    sigaction(SIGINT, &act, &old_int);
    sigaction(SIGTERM, &act, &old_term);
    /* A closed stdout must not kill the server mid-run. */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);
    raise_nofile(o.max_conns + 64);
    rc = sk_server_new(&sv, &o);
    if (rc == 0) {
        running = sv;
        sigprocmask(SIG_SETMASK, &old, NULL);
        printf("serve-sim: listening on %s\n", sk_server_url(sv));
        printf("serve-sim: model: slots=%zu step_ms=%g step_ms_per_seq=%g "
               "prefill_ms_per_token=%g max_tokens_cap=%zu seed=%llu "
               "jitter=%g\n",
               o.model.slots, o.model.step_ms, o.model.step_ms_per_seq,
               o.model.prefill_ms_per_token, o.model.max_tokens_cap,
               (unsigned long long)o.model.seed, o.model.jitter);
        printf("serve-sim: one stream %.2f tokens/s; %zu streams %.2f "
               "tokens/s in total\n",
               sk_sim_stream_tokens_per_s(&o.model), o.model.slots,
               sk_sim_throughput_tokens_per_s(&o.model, o.model.slots));
        fflush(stdout);
        rc = sk_server_run(sv);
        print_summary(sv);
        fflush(stdout);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        running = NULL;
    }
    sk_server_free(sv);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return rc ? cli_fail(prog, rc) : SK_EXIT_OK;
}
