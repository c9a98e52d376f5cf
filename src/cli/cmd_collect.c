/* sweepkit collect: run a concurrency sweep against a server and write the
 * per-query and summary CSVs (docs/collect.md).  The sweep itself is
 * src/lib/collect/collect.c; this file parses options, opens the files, shows
 * progress and writes the sidecar. */
#include "cli.h"

#include "sweepkit/collect.h"
#include "sweepkit/error.h"
#include "sweepkit/units.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifndef SK_VERSION
#define SK_VERSION "dev"
#endif

#define MAX_HEADERS 32

static const char prog[] = "sweepkit collect";

enum {
    OPT_URL = 256,
    OPT_API,
    OPT_MODEL,
    OPT_PROMPTS,
    OPT_QUERIES,
    OPT_LEVELS,
    OPT_MAX_TOKENS,
    OPT_TEMPERATURE,
    OPT_EXTRA_BODY,
    OPT_HEADER,
    OPT_API_KEY_ENV,
    OPT_TIMEOUT,
    OPT_WARMUP,
    OPT_RETRIES,
    OPT_LABEL,
    OPT_OUT_DIR,
    OPT_PREFIX,
    OPT_PROGRESS
};

static const cli_opt options[] = {
    {"url", required_argument, OPT_URL, "URL",
     "server base URL (repeatable: round robin); required"},
    {"api", required_argument, OPT_API, "API",
     "openai-chat (default), openai-completions or llamacpp"},
    {"model", required_argument, OPT_MODEL, "NAME",
     "model name sent in the request (OpenAI APIs)"},
    {"prompts-file", required_argument, OPT_PROMPTS, "F",
     "JSON array, JSON Lines or text lines (default: 128 built in)"},
    {"queries", required_argument, OPT_QUERIES, "N",
     "queries per level (default 128)"},
    {"concurrency-levels", required_argument, OPT_LEVELS, "LIST",
     "comma-separated levels (default 1,2,4,8,16,32)"},
    {"max-tokens", required_argument, OPT_MAX_TOKENS, "N",
     "output tokens per query (default 256)"},
    {"temperature", required_argument, OPT_TEMPERATURE, "T",
     "sampling temperature (default 0)"},
    {"extra-body", required_argument, OPT_EXTRA_BODY, "JSON",
     "JSON object merged into every request body"},
    {"header", required_argument, OPT_HEADER, "'K: V'",
     "extra request header (repeatable)"},
    {"api-key-env", required_argument, OPT_API_KEY_ENV, "VAR",
     "send $VAR as a Bearer token (default OPENAI_API_KEY if set)"},
    {"timeout", required_argument, OPT_TIMEOUT, "S",
     "per-request timeout (default 300s)"},
    {"warmup", required_argument, OPT_WARMUP, "N",
     "requests before the first level, not recorded (default 0)"},
    {"retries", required_argument, OPT_RETRIES, "N",
     "retry 429, 500, 502-504, connection errors N times (default 0)"},
    {"label", required_argument, OPT_LABEL, "K=V",
     "add column K with value V to both CSVs (repeatable)"},
    {"out-dir", required_argument, OPT_OUT_DIR, "DIR",
     "where the CSVs go (default results)"},
    {"prefix", required_argument, OPT_PREFIX, "NAME",
     "file name prefix (default: the model, else 'sweep')"},
    {"progress-interval", required_argument, OPT_PROGRESS, "S",
     "progress line period when stderr is not a terminal (default 10s)"},
    {NULL, 0, 0, NULL, NULL}};

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

/* ---- progress ------------------------------------------------------------ */

struct show {
    int tty;
    int lost;            /* the terminal is gone: nothing more goes to it */
    char lost_at[64];    /* when, ISO 8601 local time */
    const char *lost_why;
    double interval_s, last_s;
    FILE *table; /* the closing table, kept until the end */
    char *table_buf;
    size_t table_len;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cell(FILE *fp, double v, int width, int prec)
{
    if (isfinite(v))
        fprintf(fp, " %*.*f |", width, prec, v);
    else
        fprintf(fp, " %*s |", width, "-");
}

static void iso_time(char *buf, size_t cap, time_t t)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* Stop writing to the terminal, and remember when and why. */
static void lose_terminal(struct show *s, const char *why, time_t when)
{
    if (s->lost)
        return;
    s->lost = 1;
    s->lost_why = why;
    iso_time(s->lost_at, sizeof(s->lost_at), when);
}

/* Is the terminal still there?  A hang-up (SIGHUP) or a failed write to
 * standard error (EPIPE: the reader of a pipe left; EIO: the terminal
 * closed) detach the run. */
static int terminal(struct show *s)
{
    if (hangup_flag)
        lose_terminal(s, "hang-up (SIGHUP)", hangup_at.tv_sec);
    else if (ferror(stderr))
        lose_terminal(s,
                      errno == EPIPE ? "standard error closed (broken pipe)"
                                     : "standard error cannot be written",
                      time(NULL));
    return !s->lost;
}

static void on_progress(void *payload, const struct sk_collect_progress *p)
{
    struct show *s = payload;
    double t = now_s();
    double rate = p->elapsed_s > 0 ? p->output_tokens / p->elapsed_s : 0;
    double eta = p->done ? p->elapsed_s * (double)(p->total - p->done) /
                               (double)p->done
                         : NAN;

    if (p->level_done) {
        fprintf(s->table, "| %4zu |", p->concurrency);
        cell(s->table, p->summary[0], 17, 2);
        cell(s->table, p->summary[1], 11, 3);
        cell(s->table, p->summary[2], 17, 2);
        cell(s->table, p->summary[3], 16, 2);
        fprintf(s->table, " %6zu |\n", p->errors);
        if (!terminal(s))
            return;
        if (s->tty)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "%s: level %zu done: %zu queries, %zu errors, %.1f s",
                prog, p->concurrency, p->done, p->errors, p->elapsed_s);
        if (isfinite(p->summary[0]))
            fprintf(stderr, ", %.1f tok/s", p->summary[0]);
        if (p->retried)
            fprintf(stderr, ", %zu retried", p->retried);
        if (p->resent)
            fprintf(stderr, ", %zu resent", p->resent);
        if (p->warnings)
            fprintf(stderr, ", %zu with warnings", p->warnings);
        fputc('\n', stderr);
        if (p->errors && p->errors == p->done && !p->interrupted)
            fprintf(stderr,
                    "%s: EVERY request at concurrency %zu failed: check the "
                    "per-query CSV's error column\n",
                    prog, p->concurrency);
        terminal(s);
        return;
    }
    if (!terminal(s))
        return;
    if (s->tty) {
        if (t - s->last_s < 0.1 && p->done != p->total)
            return;
        s->last_s = t;
        fprintf(stderr,
                "\r\033[Kconc %zu: %zu/%zu done, %zu errors, %.1f tok/s, "
                "%.1f s elapsed, ETA %.0f s",
                p->concurrency, p->done, p->total, p->errors, rate,
                p->elapsed_s, isfinite(eta) ? eta : 0);
        if (p->retried)
            fprintf(stderr, ", %zu retried", p->retried);
        terminal(s);
        return;
    }
    if (t - s->last_s < s->interval_s)
        return;
    s->last_s = t;
    fprintf(stderr, "%s: conc %zu: %zu/%zu done, %zu errors", prog,
            p->concurrency, p->done, p->total, p->errors);
    if (p->retried)
        fprintf(stderr, ", %zu retried", p->retried);
    fprintf(stderr, ", %.1f tok/s, %.1f s elapsed\n", rate, p->elapsed_s);
    terminal(s);
}

/* ---- output files ------------------------------------------------------- */

/* "Qwen/Qwen3 4B" -> "Qwen_Qwen3_4B": a name safe in a file name. */
static void safe_name(char *out, size_t cap, const char *s)
{
    size_t i = 0;

    for (; *s && i + 1 < cap; s++)
        out[i++] = (strchr("-_.", *s) || (*s >= '0' && *s <= '9') ||
                    (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
                       ? *s
                       : '_';
    out[i] = '\0';
}

/* Create `dir/prefix_kind_ts[-N].ext` for appending, never over an
 * existing file; -1 on failure (errno says why). */
static int create(char *path, size_t cap, const char *dir,
                  const char *prefix, const char *kind, const char *ts,
                  const char *suffix, const char *ext)
{
    snprintf(path, cap, "%s/%s_%s_%s%s.%s", dir, prefix, kind, ts, suffix,
             ext);
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
                0644);
}

/* `s` with a URL's "user:password@" left out: the whole of `s` when it is
 * a URL, or what follows `prefix` ("--url=") when it starts with it. */
static json_t *public_url(const char *s, size_t prefix)
{
    const char *host = strstr(s + prefix, "://"), *at, *end;

    host = host ? host + 3 : s + prefix;
    end = host + strcspn(host, "/?#");
    at = memchr(host, '@', (size_t)(end - host));
    if (!at)
        return json_string(s);
    return json_sprintf("%.*s%s", (int)(host - s), s, at + 1);
}

/* Write `j` to `path` whole: through a temporary file renamed over it,
 * or, when that cannot be written (a full disk), in place (the old text's
 * blocks are freed first).  Returns 0, or SK_EIO with the reason; no
 * temporary file is left behind. */
static int json_replace(json_t *j, const char *path)
{
    char tmp[4200];
    const size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    char *text = json_dumps(j, flags);
    size_t n = text ? strlen(text) : 0;
    int fd, err = ENOMEM;

    if (!text)
        return sk_error_set(SK_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (json_dump_file(j, tmp, flags) == 0 && rename(tmp, path) == 0) {
        free(text);
        return 0;
    }
    unlink(tmp);
    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t k = write(fd, text, n);

        err = k == (ssize_t)n ? 0 : k < 0 ? errno : ENOSPC;
        if (close(fd) != 0 && err == 0)
            err = errno;
    } else {
        err = errno;
    }
    free(text);
    if (err)
        return sk_error_set(SK_EIO, "%s: cannot write: %s", path,
                            strerror(err));
    return 0;
}

/* The sidecar: how the run was made (no secret: --header values, the
 * key and URL credentials are left out), how it ended and why, and when
 * the terminal was lost.  `header_args` are the --header values as getopt
 * found them (pointers into argv, also for "--head=..."). */
static int write_sidecar(const char *path, int argc, char **argv,
                         const char *const *header_args,
                         const sk_collect_opts *o, const char *started,
                         const char *status, const char *reason,
                         const struct show *show,
                         const sk_collect_result *res,
                         const char *const *files)
{
    json_t *j = json_object(), *a = json_array(), *u = json_array(),
           *lv = json_array(), *h = json_array(), *f = json_object();
    size_t i, k;
    int rc;

    for (i = 1; i < (size_t)argc; i++) {
        const char *arg = argv[i], *end = arg + strlen(arg);
        json_t *v = NULL;

        for (k = 0; k < o->nheaders && !v; k++)
            if (header_args[k] >= arg && header_args[k] <= end) {
                const char *colon = strchr(header_args[k], ':');

                /* keep the option and the header's name */
                v = json_sprintf("%.*s: <redacted>",
                                 (int)((colon ? colon : header_args[k]) -
                                       arg),
                                 arg);
            }
        if (!v && i > 1 && strncmp(argv[i - 1], "--u", 3) == 0)
            v = public_url(arg, 0); /* --url URL (or an abbreviation) */
        if (!v && strncmp(arg, "--u", 3) == 0 && strchr(arg, '='))
            v = public_url(arg, (size_t)(strchr(arg, '=') + 1 - arg));
        json_array_append_new(a, v ? v : json_string(arg));
    }
    for (i = 0; i < o->nurls; i++)
        json_array_append_new(u, public_url(o->urls[i], 0));
    for (i = 0; i < o->nlevels; i++)
        json_array_append_new(lv, json_integer((json_int_t)o->levels[i]));
    for (i = 0; i < o->nheaders; i++) {
        const char *colon = strchr(o->headers[i], ':');

        json_array_append_new(
            h, json_stringn(o->headers[i], colon ? (size_t)(colon -
                                                            o->headers[i])
                                                 : 0));
    }
    json_object_set_new(f, "summary", json_string(files[0]));
    json_object_set_new(f, "per_query", json_string(files[1]));
    json_object_set_new(j, "tool", json_string("sweepkit " SK_VERSION));
    json_object_set_new(j, "command", a);
    json_object_set_new(j, "urls", u);
    json_object_set_new(j, "api", json_string(sk_api_name(o->api)));
    json_object_set_new(j, "model", o->model ? json_string(o->model)
                                             : json_null());
    json_object_set_new(j, "levels", lv);
    json_object_set_new(j, "queries_per_level",
                        json_integer((json_int_t)o->queries));
    json_object_set_new(j, "max_tokens", json_integer(o->max_tokens));
    json_object_set_new(j, "header_names", h);
    json_object_set_new(j, "api_key_sent", json_boolean(o->api_key != NULL));
    json_object_set_new(j, "started", json_string(started));
    json_object_set_new(j, "status", json_string(status));
    if (reason)
        json_object_set_new(j, "reason", json_string(reason));
    if (show && show->lost)
        json_object_set_new(j, "terminal_lost",
                            json_pack("{s:s, s:s}", "at", show->lost_at,
                                      "why", show->lost_why));
    json_object_set_new(j, "files", f);
    if (res) {
        json_t *faults = json_object(), *per = json_array();

        for (i = 0; i < SK_FAULT_COUNT; i++)
            json_object_set_new(faults, sk_collect_fault_name(i),
                                json_integer((json_int_t)res->faults[i]));
        json_object_set_new(j, "queries", json_integer((json_int_t)res->queries));
        json_object_set_new(j, "errors", json_integer((json_int_t)res->errors));
        json_object_set_new(j, "retried", json_integer((json_int_t)res->retried));
        json_object_set_new(j, "resent", json_integer((json_int_t)res->resent));
        json_object_set_new(j, "usage_rejected",
                            json_integer((json_int_t)res->usage_rejected));
        json_object_set_new(j, "chunks_over",
                            json_integer((json_int_t)res->chunks_over));
        json_object_set_new(j, "faults", faults);
        json_object_set_new(j, "levels_done",
                            json_integer((json_int_t)res->levels_done));
        for (i = 0; i < o->nlevels; i++)
            json_array_append_new(
                per, json_pack("{s:I, s:I, s:I}", "concurrency",
                               (json_int_t)o->levels[i], "retried",
                               (json_int_t)res->level_retried[i], "resent",
                               (json_int_t)res->level_resent[i]));
        json_object_set_new(j, "per_level", per);
    }
    rc = json_replace(j, path);
    json_decref(j);
    return rc;
}

/* ---- the command ---------------------------------------------------------- */

int cmd_collect(int argc, char **argv)
{
    sk_collect_opts o;
    sk_collect_result res;
    sk_prompts *prompts = NULL;
    const char *urls[SK_COLLECT_MAX_URLS], *headers[MAX_HEADERS];
    const char *lnames[SK_COLLECT_MAX_LABELS], *lvalues[SK_COLLECT_MAX_LABELS];
    char *label_copy[SK_COLLECT_MAX_LABELS];
    size_t levels[SK_COLLECT_MAX_LEVELS];
    char levels_arg[1024] = "1,2,4,8,16,32";
    const char *prompts_file = NULL, *key_env = NULL, *out_dir = "results",
               *prefix_arg = NULL, *api_name = "openai-chat";
    char prefix[128], ts[32], spath[4096], qpath[4096], jpath[4096];
    char suffix[16] = "";
    const char *files[2];
    size_t nurls = 0, nheaders = 0, nlabels = 0, i;
    int sfd = -1, qfd = -1;
    char why[1024];
    struct show show;
    struct sigaction sa, old_int, old_term, old_hup, old_pipe;
    time_t now;
    struct tm tm;
    char started[64];
    int c, rc = 0, status = SK_EXIT_OK, signals_set = 0;

    memset(&o, 0, sizeof(o));
    memset(&show, 0, sizeof(show));
    o.queries = 128;
    o.max_tokens = 256;
    o.timeout_s = 300;
    show.interval_s = 10;
    optind = 1;
    while ((c = cli_getopt(argc, argv, options, prog)) != -1) {
        size_t v;

        switch (c) {
        case 'h':
            cli_help(stdout,
                     "sweepkit collect --url URL [OPTIONS]",
                     "Run a closed-loop concurrency sweep against an "
                     "OpenAI-compatible or llama.cpp server\n"
                     "over its streaming API and write "
                     "<prefix>_summary_<ts>.csv, <prefix>_per_query_<ts>.csv"
                     "\nand a JSON sidecar into the output directory.  "
                     "Exit status 130 when interrupted,\n"
                     "4 when the sweep ran to its end after the terminal "
                     "was lost (a hang-up, a closed stderr).",
                     options);
            return SK_EXIT_OK;
        case OPT_URL:
            if (nurls == SK_COLLECT_MAX_URLS)
                return cli_usage_error(prog, "too many --url options");
            /* libcurl would also try ftp://, file://, ...; without a
             * scheme it assumes http. */
            if (strstr(optarg, "://") &&
                strncasecmp(optarg, "http://", 7) != 0 &&
                strncasecmp(optarg, "https://", 8) != 0) {
                char msg[300];

                snprintf(msg, sizeof(msg),
                         "--url: '%.200s' is not an http:// or https:// URL",
                         optarg);
                return cli_usage_error(prog, msg);
            }
            urls[nurls++] = optarg;
            break;
        case OPT_API: api_name = optarg; break;
        case OPT_MODEL: o.model = optarg; break;
        case OPT_PROMPTS: prompts_file = optarg; break;
        case OPT_QUERIES:
            if (sk_units_parse_count(&o.queries, optarg, 1000000,
                                     "--queries") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_LEVELS:
            if (strlen(optarg) >= sizeof(levels_arg))
                return cli_usage_error(prog, "--concurrency-levels: too "
                                             "long");
            strcpy(levels_arg, optarg);
            break;
        case OPT_MAX_TOKENS:
            if (sk_units_parse_count(&v, optarg, 1000000, "--max-tokens") !=
                0)
                return cli_usage_error(prog, sk_error_last());
            o.max_tokens = (unsigned)v;
            break;
        case OPT_TEMPERATURE:
            if (sk_units_parse_double(&o.temperature, optarg,
                                      "--temperature") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (o.temperature < 0)
                return cli_usage_error(prog, "--temperature: expected a "
                                             "number >= 0");
            break;
        case OPT_EXTRA_BODY: o.extra_body = optarg; break;
        case OPT_HEADER:
            if (nheaders == MAX_HEADERS)
                return cli_usage_error(prog, "too many --header options");
            if (!strchr(optarg, ':') || optarg[0] == ':' ||
                strpbrk(optarg, "\r\n"))
                return cli_usage_error(prog, "--header: expected 'Name: "
                                             "value' on one line");
            headers[nheaders++] = optarg; /* also where it is in argv */
            break;
        case OPT_API_KEY_ENV: key_env = optarg; break;
        case OPT_TIMEOUT:
            if (sk_units_parse_duration(&o.timeout_s, optarg, "--timeout") !=
                0)
                return cli_usage_error(prog, sk_error_last());
            if (!(o.timeout_s > 0))
                return cli_usage_error(prog, "--timeout: expected a "
                                             "duration above 0");
            break;
        case OPT_WARMUP:
            if (sk_units_parse_count(&o.warmup, optarg, 100000,
                                     "--warmup") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        case OPT_RETRIES:
            if (sk_units_parse_count(&v, optarg, 20, "--retries") != 0)
                return cli_usage_error(prog, sk_error_last());
            o.retries = (unsigned)v;
            break;
        case OPT_LABEL: {
            const char *eq = strchr(optarg, '=');

            if (nlabels == SK_COLLECT_MAX_LABELS)
                return cli_usage_error(prog, "too many --label options");
            if (!eq || eq == optarg)
                return cli_usage_error(prog, "--label: expected "
                                             "key=value");
            lnames[nlabels] = optarg; /* cut at '=' below */
            lvalues[nlabels] = eq + 1;
            nlabels++;
            break;
        }
        case OPT_OUT_DIR: out_dir = optarg; break;
        case OPT_PREFIX: prefix_arg = optarg; break;
        case OPT_PROGRESS:
            if (sk_units_parse_duration(&show.interval_s, optarg,
                                        "--progress-interval") != 0)
                return cli_usage_error(prog, sk_error_last());
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument; every input is "
                                     "an option");
    if (nurls == 0)
        return cli_usage_error(prog, "no server: give --url URL "
                                     "(sweepkit serve-sim starts one)");
    if (sk_api_parse(&o.api, api_name) != 0)
        return cli_usage_error(prog, sk_error_last());
    {
        char *items[SK_COLLECT_MAX_LEVELS];
        size_t n = 0, k;

        if (sk_units_split_list(items, SK_COLLECT_MAX_LEVELS, &n, levels_arg,
                                "--concurrency-levels") != 0)
            return cli_usage_error(prog, sk_error_last());
        for (i = 0; i < n; i++) {
            if (sk_units_parse_count(&levels[i], items[i],
                                     SK_COLLECT_MAX_CONCURRENCY,
                                     "--concurrency-levels") != 0)
                return cli_usage_error(prog, sk_error_last());
            if (levels[i] == 0)
                return cli_usage_error(prog, "--concurrency-levels: levels "
                                             "start at 1");
            /* The summary holds one row per level: its readers refuse a
             * level twice. */
            for (k = 0; k < i; k++)
                if (levels[k] == levels[i]) {
                    char msg[128];

                    snprintf(msg, sizeof(msg),
                             "--concurrency-levels: level %zu is given "
                             "twice",
                             levels[i]);
                    return cli_usage_error(prog, msg);
                }
        }
        o.levels = levels;
        o.nlevels = n;
    }
    for (i = 0; i < nlabels; i++) {
        size_t k = (size_t)(lvalues[i] - 1 - lnames[i]);

        if (!(label_copy[i] = strndup(lnames[i], k))) {
            while (i--)
                free(label_copy[i]);
            return cli_fail(prog, sk_error_set(SK_ENOMEM, "out of memory"));
        }
        lnames[i] = label_copy[i];
    }
    if (!key_env && getenv("OPENAI_API_KEY") && *getenv("OPENAI_API_KEY"))
        key_env = "OPENAI_API_KEY";
    if (key_env) {
        o.api_key = getenv(key_env);
        if (!o.api_key || !*o.api_key) {
            char msg[300];

            snprintf(msg, sizeof(msg),
                     "--api-key-env: $%.200s is not set or empty", key_env);
            status = cli_usage_error(prog, msg);
            goto done;
        }
    }
    rc = prompts_file ? sk_prompts_load(&prompts, prompts_file)
                      : sk_prompts_builtin(&prompts);
    if (rc != 0)
        goto done;
    o.urls = urls;
    o.nurls = nurls;
    o.prompts = prompts;
    o.headers = headers;
    o.nheaders = nheaders;
    o.label_names = lnames;
    o.label_values = lvalues;
    o.nlabels = nlabels;
    /* every option is checked before any file is made */
    if ((rc = sk_collect_check(&o)) != 0)
        goto done;

    /* Output names: the start time, and a -N suffix should a file of that
     * second exist already (never overwrite). */
    safe_name(prefix, sizeof(prefix),
              prefix_arg ? prefix_arg : o.model ? o.model : "sweep");
    now = time(NULL);
    localtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y%m%d_%H%M%S", &tm);
    strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%S%z", &tm);
    if ((rc = cli_mkdir_p(out_dir)) != 0)
        goto done;
    for (i = 1; i < 100; i++) {
        int jfd = -1;

        if ((sfd = create(spath, sizeof(spath), out_dir, prefix, "summary",
                          ts, suffix, "csv")) >= 0 &&
            (qfd = create(qpath, sizeof(qpath), out_dir, prefix, "per_query",
                          ts, suffix, "csv")) >= 0 &&
            (jfd = create(jpath, sizeof(jpath), out_dir, prefix, "run", ts,
                          suffix, "json")) >= 0) {
            close(jfd); /* claimed; written through a temporary file */
            break;
        }
        if (errno != EEXIST) {
            rc = sk_error_set(SK_EIO, "%s: cannot create: %s",
                              sfd < 0 ? spath : qfd < 0 ? qpath : jpath,
                              strerror(errno));
            goto done;
        }
        if (qfd >= 0) {
            close(qfd);
            unlink(qpath);
            qfd = -1;
        }
        if (sfd >= 0) {
            close(sfd);
            unlink(spath);
            sfd = -1;
        }
        snprintf(suffix, sizeof(suffix), "-%zu", i + 1);
    }
    if (sfd < 0 || qfd < 0) {
        rc = sk_error_set(SK_EIO, "%s: too many runs in one second", out_dir);
        goto done;
    }
    files[0] = spath;
    files[1] = qpath;

    o.per_query_fd = qfd;
    o.per_query_name = qpath;
    o.summary_fd = sfd;
    o.summary_name = spath;
    o.stop = &stop_flag;
    o.progress = on_progress;
    o.payload = &show;
    show.tty = isatty(STDERR_FILENO);
    show.last_s = now_s();
    if (!(show.table = open_memstream(&show.table_buf, &show.table_len))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = write_sidecar(jpath, argc, argv, headers, &o, started,
                            "running", NULL, NULL, NULL, files)) != 0)
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
    rc = sk_collect_run(&res, &o);
    curl_global_cleanup();
    if (rc != 0)
        snprintf(why, sizeof(why), "%s", sk_error_last());
    if (terminal(&show) && show.tty)
        fputs("\r\033[K", stderr);
    if (write_sidecar(jpath, argc, argv, headers, &o, started,
                      rc ? "failed"
                         : res.interrupted ? "interrupted"
                                           : res.gave_up ? "gave up"
                                                         : "complete",
                      rc ? why : NULL, &show, &res, files) != 0) {
        if (rc != 0 && terminal(&show)) /* the run's own error first */
            fprintf(stderr, "%s: %s\n", prog, why);
        rc = SK_EIO; /* the sidecar's error, in sk_error_last() */
    } else if (rc != 0) {
        sk_error_set(rc, "%s", why);
    }
    fclose(show.table);
    show.table = NULL;
    if (!terminal(&show))
        ; /* nothing more to say: the sidecar says it */
    else if (show.table_len)
        fprintf(stderr,
                "| conc | throughput(tok/s) | avg_ttft(s) | "
                "avg_decode(tok/s) | avg_query(tok/s) | errors |\n"
                "|-----:|------------------:|------------:|"
                "------------------:|-----------------:|-------:|\n%s",
                show.table_buf);
    if (rc == 0 && terminal(&show)) {
        if (res.warmup_errors)
            fprintf(stderr, "%s: note: %zu of %zu warm-up requests failed\n",
                    prog, res.warmup_errors, o.warmup);
        if (res.errors) {
            fprintf(stderr, "%s: %zu of %zu queries failed:", prog,
                    res.errors, res.queries);
            for (i = 0; i < SK_FAULT_COUNT; i++)
                if (res.faults[i])
                    fprintf(stderr, " %s %zu", sk_collect_fault_name(i),
                            res.faults[i]);
            fputc('\n', stderr);
        }
        if (res.usage_rejected || res.chunks_over)
            fprintf(stderr,
                    "%s: warning: %zu queries with a usage count not "
                    "believed, %zu with more chunks than --max-tokens: see "
                    "the per-query CSV's warning column\n",
                    prog, res.usage_rejected, res.chunks_over);
    }
    if (rc == 0) { /* stdout may outlive stderr; SIGPIPE is still ignored */
        printf("%s\n%s\n%s\n", spath, qpath, jpath);
        fflush(stdout);
    }
    if (rc == 0) {
        if (res.interrupted) {
            if (terminal(&show))
                fprintf(stderr, "%s: interrupted; the rows measured so far "
                                "are written\n",
                        prog);
            status = SK_EXIT_INTERRUPTED;
        } else if (res.gave_up) {
            if (terminal(&show))
                fprintf(stderr, "%s: gave up: every request failed at two "
                                "levels\n",
                        prog);
            status = SK_EXIT_RUNTIME;
        } else if (!terminal(&show)) {
            status = SK_EXIT_DETACHED;
        }
    }
done:
    if (rc != 0)
        status = show.lost ? SK_EXIT_RUNTIME : cli_fail(prog, rc);
    if (signals_set) { /* after the last word to the terminal */
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
    }
    if (show.table)
        fclose(show.table);
    free(show.table_buf);
    if (sfd >= 0)
        close(sfd); /* every row was written and synced: rowfile.h */
    if (qfd >= 0)
        close(qfd);
    sk_prompts_free(prompts);
    for (i = 0; i < nlabels; i++)
        free(label_copy[i]);
    return status;
}
