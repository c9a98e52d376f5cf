/*
 * The collector: run a closed-loop concurrency sweep against one or more
 * OpenAI-compatible or llama.cpp servers over their streaming APIs, and
 * write the per-query and summary CSVs (docs/collect.md, docs/metrics.md).
 *
 * One thread, one libcurl multi handle driven by sweepkit/evloop.h
 * (epoll, kqueue or poll) through curl_multi_socket_action(): at
 * concurrency C exactly C requests are in flight until the level's
 * queries have all been issued.  Per-request
 * state (SSE buffer, inter-token gaps) is allocated once before the first
 * level; the per-chunk path (curl write callback -> sse.h -> chunk.h)
 * allocates nothing, takes no lock, does no I/O.
 *
 * What is measured (CLOCK_MONOTONIC, nanoseconds):
 * - send: the moment the request leaves the client: libcurl's
 *   CURLOPT_PREREQFUNCTION, called once the connection is up and just
 *   before the request is written (so a fresh connection's set-up is not
 *   counted as server latency; it shows in send_lag_s instead);
 * - TTFT: send to the arrival of the first chunk that carries generated
 *   text; duration: send to the end of the response; decode time and
 *   rates come from metrics.h.
 * Failures are data: every query issued is written, a failed one with its
 * error text and empty metric cells; only a request a stop (opts->stop)
 * cancels is not: it is counted in sk_collect_result.cancelled.
 *
 * Ownership: the caller owns every struct and FILE here; sk_collect_run()
 * allocates and frees its own state.  Not thread-safe: one run at a time
 * per process (libcurl's global init is the caller's: curl_global_init()).
 */
#ifndef SWEEPKIT_COLLECT_H
#define SWEEPKIT_COLLECT_H

#include "sweepkit/arrival.h"
#include "sweepkit/chunk.h"
#include "sweepkit/prompts.h"
#include "sweepkit/provenance.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Hard limits. */
#define SK_COLLECT_MAX_CONCURRENCY 65536
#define SK_COLLECT_MAX_LEVELS 64
#define SK_COLLECT_MAX_SHARDS 1024
#define SK_COLLECT_MAX_URLS 64
#define SK_COLLECT_MAX_LABELS 32
#define SK_COLLECT_MAX_HEADERS 32 /* --header options of sk_collect_args */

/* Failure categories, counted per run (wrk's error counters). */
enum sk_collect_fault {
    SK_FAULT_CONNECT,  /* refused, unreachable, DNS */
    SK_FAULT_TIMEOUT,  /* the per-request timeout passed */
    SK_FAULT_HTTP,     /* an HTTP status other than 200 */
    SK_FAULT_PARSE,    /* a malformed chunk */
    SK_FAULT_STREAM,   /* the stream ended before its end marker */
    SK_FAULT_OTHER,    /* any other transfer error (a request a stop
                        * cancels is not a failure: not counted) */
    SK_FAULT_COUNT
};

/* Name of a category: "connect", "timeout", "http", "parse", "stream",
 * "other". */
const char *sk_collect_fault_name(enum sk_collect_fault f);

/* What the caller hears after every query and at the end of each level. */
struct sk_collect_progress {
    size_t level;        /* index into opts->levels */
    size_t concurrency;
    size_t done, total;  /* queries finished / to run at this level */
    size_t errors;       /* failed queries at this level so far */
    double elapsed_s;    /* since the level started */
    double output_tokens;/* output tokens of this level so far */
    size_t retried;      /* attempts of this level that were retried */
    size_t resent;       /* requests of this level sent again on a fresh
                          * connection (a reused one died unanswered) */
    size_t warnings;     /* queries of this level with a warning */
    size_t cancelled;    /* requests of this level a stop cancelled (not
                          * in done nor errors) */
    double rate;         /* an open-loop level: its request rate (the
                          * concurrency is then its cap); 0: closed */
    double achieved_rate;/* level_done: the rate the sends kept */
    double duration_s;   /* a timed level (--level-duration): its
                          * length; total is then 0 (not known) */
    int level_done;      /* 1 on the last call of a level (also of one a
                          * stop ended: partial then) */
    int partial;         /* level_done: a stop ended it before its
                          * planned end */
    int interrupted;     /* the run is stopping (opts->stop) */
    const double *summary; /* level_done: throughput, avg TTFT, avg
                            * decode tok/s, avg query tok/s (NaN when
                            * undefined); else NULL */
};

typedef void (*sk_collect_progress_fn)(void *payload,
                                       const struct sk_collect_progress *p);

typedef struct {
    const char *const *urls;  /* base URLs ("http://host:8000"), round
                                 robin; a URL already ending in the API's
                                 path is used as it is */
    size_t nurls;
    enum sk_api api;
    const char *model;        /* "model" of the request body; NULL: none */
    const sk_prompts *prompts;
    size_t queries;           /* per level, >= 1 (unless one of the two
                                 below is set) */
    size_t queries_per_conc;  /* > 0: a level runs this many times its
                                 concurrency (--queries Nx) */
    double level_duration_s;  /* > 0: a level sends for this long, then
                                 drains (--level-duration) */
    size_t max_queries;       /* with level_duration_s: at most this many
                                 queries a level (0: no cap) */
    const size_t *levels;     /* concurrency levels, in run order */
    size_t nlevels;
    unsigned max_tokens;      /* >= 1 */
    double temperature;       /* >= 0 */
    const char *extra_body;   /* a JSON object merged into every body, or
                                 NULL */
    const char *const *headers; /* "Name: value" lines, or NULL */
    size_t nheaders;
    const char *api_key;      /* sent as Authorization: Bearer; never
                                 written anywhere; NULL: none */
    double timeout_s;         /* per request, > 0 */
    size_t warmup;            /* requests before the first level, not
                                 recorded; at most the highest level at
                                 once */
    unsigned retries;         /* 429/500/502/503/504 and connection
                                 errors are retried this many times */
    const char *const *label_names; /* extra columns of both files */
    const char *const *label_values;
    size_t nlabels;
    int per_query_fd;         /* opened O_APPEND: a row written whole
                                 (rowfile.h) as each query finishes */
    int summary_fd;           /* O_APPEND: a row per level */
    const char *per_query_name; /* the files' paths: messages, and the
                                   check at each level's end that they
                                   are still the files opened */
    const char *summary_name;
    const volatile sig_atomic_t *stop; /* set (by a signal handler): stop
                                          issuing, cancel what is in
                                          flight, write what is measured */
    sk_collect_progress_fn progress; /* or NULL */
    void *payload;
    /* Something the user should hear at once (one line, no newline): the
     * first failure of each kind (a fault category; an HTTP status).
     * Called with `payload`; NULL: nothing said. */
    void (*note)(void *payload, const char *line);
    const char *api_key_env;  /* the variable api_key came from (for
                                 messages); NULL: OPENAI_API_KEY */
    double wait_ready_s;      /* > 0: first wait up to this long until
                                 every URL's server is ready */
    int no_preflight;         /* 1: no request before the first level */
    /* Lengths (--input-tokens N[:SD], --output-tokens N[:SD]): each
     * query's lengths drawn from a normal (held within 4 SD, at least 1)
     * keyed by seed, level and query.  Prompts of input_tokens are
     * words sized by a calibration against the server's own count (two
     * requests before the first level), or token ids for llama.cpp's
     * /completion; output_tokens is asked for and run to (ignore_eos,
     * min_tokens), and max_tokens must hold its largest draw.  Each such
     * prompt starts with a prefix unique to its query unless
     * shared_prefix.  0: off. */
    double input_tokens, input_sd;
    double output_tokens, output_sd;
    int shared_prefix;
    /* Open loop (--rate): one level per rate, in this order, instead of
     * the concurrency levels: requests sent at scheduled times whatever
     * is in flight, at most max_concurrency at once. */
    const double *rates;      /* requests/s, > 0; NULL: closed loop */
    size_t nrates;
    sk_arrival arrival;       /* the gaps' distribution (arrival.h) */
    unsigned long seed;       /* of the schedule; level i uses seed + i */
    size_t max_concurrency;   /* cap in flight; 0: the level's queries,
                                 at most SK_COLLECT_OPEN_CAP */
    size_t rate_sweep;        /* > 0 (and no rates): this many rates
                                 between the synchronous and the saturated
                                 rate, measured first (--rate-sweep) */
    /* --scrape: a Prometheus text endpoint sampled every
     * scrape_interval_s (and at each level's start) on a thread of its
     * own into scrape_fd (O_APPEND; header written here), its gauges of
     * requests running and waiting and KV-cache use summarised per
     * level; a failure there is a warning, never a failed sweep.  NULL:
     * none. */
    const char *scrape_url;
    double scrape_interval_s; /* > 0 */
    int scrape_fd;
    const char *scrape_name;
    /* One sweep over several processes or machines (docs/scaling.md):
     * this process is shard `shard` of `shards` (1-based; 0 of 0: the
     * whole sweep).  At a level of concurrency c and n queries, the
     * first min(c, shards) shards each run their share of the c streams
     * and of the query ids (query k belongs to shard k mod min(c,
     * shards) + 1), so the shards together send what one process would;
     * the rows keep the level's whole concurrency.  Closed loop only. */
    size_t shard, shards;
    /* > 0: the sweep's start, seconds since the epoch on the real-time
     * clock, shared by every shard: time 0 of start_s/end_s, and level i
     * begins at start_at + i * level_period_s (a level that runs over
     * its period delays the next and says so). */
    double start_at;
    double level_period_s;
    /* > 1: that many event loops on as many threads (wrk's model), each
     * running its share of every level's streams and queries (as shards
     * split them, within this process's share), with one clock, one
     * start and end a level, rows written whole to the same files in
     * completion order and one summary row a level.  Closed loop only.
     * 0 or 1: one loop. */
    size_t threads;
} sk_collect_opts;

#define SK_COLLECT_MAX_THREADS 256

/* Where a run's files are named from: `name`, with "-shardIofN" after it
 * for a shard (the readers merge the shards of one sweep by it). */
void sk_collect_run_name(char *buf, size_t cap, const char *name,
                         const sk_collect_opts *opts);

/* The time the run's files are stamped with: --start-at's second when
 * given (the same on every shard), else now. */
time_t sk_collect_stamp_time(const sk_collect_opts *opts);

/* Is the run an open loop (rates, or a rate sweep)? */
int sk_collect_open_loop(const sk_collect_opts *opts);

/* The open loop's default cap of requests in flight. */
#define SK_COLLECT_OPEN_CAP 1024

/* An open loop's cap of requests in flight: opts->max_concurrency, else
 * a level's queries (--max-queries for a timed level), at most
 * SK_COLLECT_OPEN_CAP.  It is the open-loop levels' `concurrency`. */
size_t sk_collect_open_cap(const sk_collect_opts *opts);

/* Caps of what the server says of itself (sk_collect_server). */
#define SK_COLLECT_SERVER_TEXT 256  /* bytes of each string, NUL included */
#define SK_COLLECT_SERVER_MODELS 32 /* model ids kept from /v1/models */

/*
 * The server's identification, where it gives it (the sidecar's
 * "server"), asked of the first URL's server before the first level:
 * GET /v1/models and llama.cpp's GET /props, with the run's headers, at
 * most 5 s (or --timeout when shorter), bodies of at most 1 MiB; and the
 * first `Server:` response header seen (from those two answers or else
 * the first query's).  Strings are the server's text through
 * sk_scrub_text() (the secrets the user gave masked; one line of valid
 * UTF-8), cut to SK_COLLECT_SERVER_TEXT - 1 bytes; "" is "not given".
 * Asking never fails nor stops the run: a refusal, 404, timeout or
 * non-JSON answer leaves the fields unset.
 */
typedef struct {
    char header[SK_COLLECT_SERVER_TEXT];     /* Server: value */
    int has_models;  /* /v1/models answered 200 {"data": [...]} */
    size_t nmodels;  /* ids kept: the string "id"s of "data", in order,
                        at most SK_COLLECT_SERVER_MODELS */
    char models[SK_COLLECT_SERVER_MODELS][SK_COLLECT_SERVER_TEXT];
    char build_info[SK_COLLECT_SERVER_TEXT]; /* /props "build_info" */
    char model_path[SK_COLLECT_SERVER_TEXT]; /* /props "model_path" */
    long long total_slots; /* /props "total_slots" (llama-server's
                              --parallel); 0: not given */
} sk_collect_server;

/* What a run did. */
typedef struct {
    size_t queries;        /* recorded (warm-up excluded) */
    size_t errors;         /* of those, failed */
    size_t cancelled;      /* requests in flight that a stop cancelled:
                              neither recorded nor errors */
    size_t level_queries[SK_COLLECT_MAX_LEVELS]; /* per level, in run */
    size_t level_errors[SK_COLLECT_MAX_LEVELS];  /* order */
    size_t retried;        /* attempts that were retried */
    size_t resent;         /* requests sent again at once on a fresh
                              connection: a reused keep-alive connection
                              died before any answer byte (not a retry,
                              not an error) */
    size_t usage_rejected; /* queries whose usage count was not believed
                              (token_source chunks, with a warning) */
    size_t chunks_over;    /* queries with more chunks than --max-tokens
                              allows (a warning) */
    double level_achieved_rate[SK_COLLECT_MAX_LEVELS]; /* open loop: the
                              requests sent over the time from the first
                              send to the last (NaN: fewer than 2) */
    size_t level_retried[SK_COLLECT_MAX_LEVELS]; /* per level, in run */
    size_t level_resent[SK_COLLECT_MAX_LEVELS];  /* order */
    size_t warmup_errors;  /* warm-up requests that failed (not in the
                              CSVs) */
    size_t faults[SK_FAULT_COUNT];
    size_t levels_done;    /* levels run to their end (summary row
                              written); a level a stop ended has a row
                              but is not counted */
    int interrupted;       /* stopped by opts->stop */
    int gave_up;           /* stopped after two levels where every query
                              failed */
    sk_collect_server server; /* who answered (unset when the run failed
                                 before asking) */
    double rates[SK_COLLECT_MAX_LEVELS]; /* an open loop's rates, as run */
    size_t nrates;
    double sync_rate, max_rate; /* --rate-sweep's probes: requests/s one
                                   at a time and with the cap in flight */
    size_t scrapes, scrape_failures, scrape_bad_lines; /* --scrape: GETs
                              that answered, GETs that failed, lines
                              skipped */
} sk_collect_result;

/* What the preflight request met when it failed (sk_collect_diagnose()). */
typedef struct {
    const char *base;             /* the --url it was sent for */
    const char *endpoint;         /* the URL posted to */
    enum sk_collect_fault fault;  /* how it failed */
    int curl_code;                /* libcurl's CURLcode of the transfer */
    long http_status;             /* 0: no answer */
    const char *error;            /* the query's error text */
    const char *body;             /* the start of the answer's body
                                     (scrubbed), or "" */
} sk_collect_failure;

/*
 * The one line that says why the request sent before the first level
 * failed and what to do, into `out` (`cap` bytes): nothing listening
 * ("preflight: nothing is listening at URL (connection refused): start
 * the server, or check --url's host and port"), an unknown host, a
 * timeout, 401/403 (a key missing, or the one in $VAR refused), a model
 * the server does not serve (listing `srv`'s models when it gave them), a
 * 404 from a URL that already ends in another API's path or a wrong
 * --api, a 503 (not ready: --wait-ready), any other status with the
 * server's words, a stream the API does not explain.  `srv`: what
 * sk_collect_run() learnt of the server (models), zeroed when nothing.
 */
void sk_collect_diagnose(char *out, size_t cap, const sk_collect_failure *f,
                         const sk_collect_opts *opts,
                         const sk_collect_server *srv);

/*
 * Check the options without touching the network or the files: levels,
 * queries, tokens, a timeout of at least 1 ms, --model in UTF-8,
 * --extra-body a JSON object, label names neither a column of the CSVs
 * nor given twice.  Returns 0 or SK_EINVAL with a message naming the
 * option.  sk_collect_run() calls it too; a caller that creates the
 * output files calls it first.
 */
int sk_collect_check(const sk_collect_opts *opts);

/*
 * Run the sweep.  Writes the headers of both CSVs, waits for the servers
 * (opts->wait_ready_s: GET /health, else /v1/models, until 200), asks the
 * server who it is (out->server, above; up to 5 s before the first
 * request is timed), sends one request of the first prompt (the
 * preflight, not recorded; unless opts->no_preflight) and stops with
 * sk_collect_diagnose()'s line when it fails, then writes rows as queries
 * and levels finish.  Returns 0 (also when
 * interrupted or given up: see *out), SK_EINVAL for bad options (message
 * names the option), SK_EHTTP when a server is not ready in time or the
 * preflight failed, SK_EIO when an output file cannot be written,
 * SK_ENOMEM, SK_EHTTP when libcurl cannot be set up.  *out is written in
 * every case.
 */
int sk_collect_run(sk_collect_result *out, const sk_collect_opts *opts);

/* ---- options as text (src/lib/collect/args.c) --------------------------- */

/*
 * A run's options as `sweepkit collect` takes them: text, one option at a
 * time, each checked as it comes.  sk_collect_args_init(), then
 * sk_collect_args_set() per option, sk_collect_args_finish() when they
 * are all given, sk_collect_args_load() for the prompts; `opts` is then
 * ready for sk_collect_run() (the caller adds the files, stop flag and
 * progress callback).  `opts` points into the struct itself: do not copy
 * or move it once finished.  Values are borrowed (the command line's
 * strings; the sidecar finds --header values in argv by address), except
 * label names, copied.  Release with sk_collect_args_dispose().
 */
typedef struct {
    sk_collect_opts opts; /* defaults: 128 queries, 256 max tokens, 300 s
                             timeout, levels 1,2,4,8,16,32, openai-chat */
    const char *urls[SK_COLLECT_MAX_URLS];
    const char *headers[SK_COLLECT_MAX_HEADERS];
    const char *label_names[SK_COLLECT_MAX_LABELS];
    const char *label_values[SK_COLLECT_MAX_LABELS];
    char *label_copy[SK_COLLECT_MAX_LABELS]; /* owned */
    size_t levels[SK_COLLECT_MAX_LEVELS];
    char levels_text[1024];
    int levels_given;       /* --concurrency-levels was given */
    int max_tokens_given;   /* --max-tokens was given */
    double rates[SK_COLLECT_MAX_LEVELS];
    char rates_text[1024];  /* --rate's list; "" none */
    const char *api_name;
    const char *prompts_file; /* NULL: the built-in prompts */
    sk_prompts *prompts;      /* owned, from sk_collect_args_load() */
    size_t nurls, nheaders, nlabels;
} sk_collect_args;

/* Zero `a` and set the defaults.  Allocates nothing. */
void sk_collect_args_init(sk_collect_args *a);

/*
 * Set option `name` (a long option of `sweepkit collect` without the
 * dashes: url, api, model, prompts-file, queries, level-duration,
 * max-queries, concurrency-levels, max-tokens, temperature, extra-body,
 * header, timeout, warmup, retries, label, wait-ready, rate, rate-sweep,
 * arrival, seed, max-concurrency, input-tokens, output-tokens, scrape,
 * scrape-interval; and the flags no-preflight and shared-prefix, whose
 * `value` is ignored) to `value`, checked at once: a count or a number where one is
 * expected, an http(s) URL, a "Name: value" header on one line, a "K=V"
 * label, at most the limits above of the repeatable ones.  `value` is
 * borrowed.  Returns 0 or SK_EINVAL with a message naming the option
 * ("--temperature: expected a number >= 0").
 */
int sk_collect_args_set(sk_collect_args *a, const char *name,
                        const char *value);

/*
 * After the last sk_collect_args_set(): read the API name and the levels
 * (numbers from 1, none twice), copy the label names, and point `opts` at
 * the lists.  Returns 0, SK_EINVAL (a message naming the option) or
 * SK_ENOMEM.
 */
int sk_collect_args_finish(sk_collect_args *a);

/* Load the prompts (the --prompts-file or the built-in ones) and check
 * the options with sk_collect_check().  Returns 0 or their errors. */
int sk_collect_args_load(sk_collect_args *a);

/* Free what `a` owns (label names, prompts); `a` may be disposed of
 * whatever its state after sk_collect_args_init(). */
void sk_collect_args_dispose(sk_collect_args *a);

/* ---- what the command shows (src/lib/collect/progress.c) ---------------- */

/*
 * The progress line for `p`.  At a level's end: "PROG: level C done: N
 * queries, E errors, T s" (for a level a stop ended before its last
 * query: "PROG: level C stopped after N of M queries: E errors, X
 * cancelled, T s") with tok/s, retried, resent and warnings when
 * there are any, a newline, and a second line when every query of the
 * level failed (not when interrupted).  Otherwise, on a terminal (`tty`):
 * "conc C: D/N done, ..., ETA S s" after "\r\033[K" (the line is rewritten
 * in place; no newline); else "PROG: conc C: D/N done, ..." and a newline.
 * At a level's end on a terminal the rewritten line is cleared first.
 * Write errors show in ferror(fp).
 */
void sk_collect_progress_write(FILE *fp, const char *prog,
                               const struct sk_collect_progress *p, int tty);

/*
 * The notes after a run that returned 0, one line each, only those that
 * apply: warm-up requests that failed (of `warmup`), failed queries with
 * their count per fault category, queries whose usage count was not
 * believed or which ran over --max-tokens.  Each line starts "PROG: ".
 */
void sk_collect_notes_write(FILE *fp, const char *prog,
                            const sk_collect_result *res, size_t warmup);

/* The line for a run that returned 0 but stopped early: interrupted
 * ("PROG: interrupted; the rows measured so far are written") or given up;
 * nothing for a complete run. */
void sk_collect_end_write(FILE *fp, const char *prog,
                          const sk_collect_result *res);

/*
 * The progress display of a run: the progress line of
 * sk_collect_progress_write() on `fp` at most every 0.1 s on a terminal
 * (`tty`), every `interval_s` otherwise, and at each level's end; and
 * each level's row of the closing table, kept until
 * sk_collect_display_table().  `alive` (or NULL) says whether `fp` is
 * still there: asked before each line (nothing is written when it says
 * no; the table is still kept) and after it (so that the caller notices
 * a failed write at once).  Set the public fields, then
 * sk_collect_display_init(); pass sk_collect_display_progress as
 * opts->progress with the display as opts->payload.
 */
typedef struct {
    FILE *fp;
    const char *prog;      /* prefixes the lines ("sweepkit collect") */
    int tty;
    double interval_s;
    int (*alive)(void *payload);
    void *payload;
    double last_s;         /* private from here */
    FILE *table;
    char *table_buf;
    size_t table_len;
    char partial[160];     /* the closing table's note on a level a stop
                              ended */
    int open;              /* the levels are an open loop's rates */
} sk_collect_display;

/* Start the display's clock and its table buffer.  Returns 0 or
 * SK_ENOMEM.  Release with sk_collect_display_dispose(). */
int sk_collect_display_init(sk_collect_display *d);

/* An sk_collect_progress_fn: `display` is the sk_collect_display. */
void sk_collect_display_progress(void *display,
                                 const struct sk_collect_progress *p);

/* An opts->note for the display: "PROG: LINE" on its own line (on a
 * terminal, the progress line cleared first), when `fp` is alive. */
void sk_collect_display_note(void *display, const char *line);

/* Write the closing table to `fp`: its head and one row per level with
 * a summary row (nothing when none did); a level a stop ended is marked
 * "*" after its concurrency and told under the table ("* stopped after N
 * of M queries (E errors, X cancelled): a partial level").  Call once,
 * at the end. */
void sk_collect_display_table(sk_collect_display *d, FILE *fp);

/* Free the table buffer; accepts a display never initialised if it was
 * zeroed. */
void sk_collect_display_dispose(sk_collect_display *d);

/* How a run ended, as the sidecar says it: "failed" when sk_collect_run()
 * returned rc != 0, else "interrupted", "gave up" or "complete". */
const char *sk_collect_status(int rc, const sk_collect_result *res);

/* ---- the output files (src/lib/collect/runfiles.c, sidecar.c) --------- */

/* A run's three files. */
struct sk_collect_files {
    char summary[4096];   /* DIR/PREFIX_summary_TS[-N].csv */
    char per_query[4096]; /* DIR/PREFIX_per_query_TS[-N].csv */
    char sidecar[4096];   /* DIR/PREFIX_run_TS[-N].json */
    char scrape[4096];    /* DIR/PREFIX_scrape_TS[-N].csv, or "" */
    int scrape_fd;        /* -1 until sk_collect_files_scrape() */
    int summary_fd;       /* open O_WRONLY | O_APPEND | O_CLOEXEC */
    int per_query_fd;
    char started[64];     /* the start time, ISO 8601 local time */
    sk_provenance host;   /* the machine, read once for the run */
};

/*
 * Create a run's three files in the directory `dir`, never over
 * an existing file.  PREFIX is `name` with every byte other than A-Z,
 * a-z, 0-9, '-', '_' and '.' made '_' (at most 127 bytes); TS is the
 * start time `started` in local time ("20250131_142501", also kept as
 * out->started in ISO 8601); "-2" ... "-99" is added when a file of that
 * name exists already.  The two CSVs are left open for
 * sk_collect_opts; the sidecar is created empty and closed (written by
 * sk_collect_sidecar_write()).
 * `dir` and its missing parents are created first (sk_outdir_mkdir_p()).
 * Returns 0 with both descriptors open (the caller closes them), or
 * SK_EIO ("PATH: cannot create: REASON", "PART: cannot create directory:
 * REASON", "DIR: too many runs in one
 * second") with both set to -1; a file made before the failing one stays.
 */
int sk_collect_files_create(struct sk_collect_files *out, const char *dir,
                            const char *name, time_t started);

/* Create the run's scrape CSV beside its summary (its name with
 * "_scrape_" for "_summary_"), O_APPEND, never over a file: out->scrape
 * and out->scrape_fd.  Returns 0 or SK_EIO ("PATH: cannot create:
 * REASON"). */
int sk_collect_files_scrape(struct sk_collect_files *out);

/* What the sidecar records.  Every pointer is borrowed. */
struct sk_collect_sidecar {
    const char *tool;   /* "sweepkit 1.2.3" */
    int argc;           /* the command line, argv[0] left out; values of */
    char *const *argv;  /* --header and URL credentials are redacted */
    const char *const *header_args; /* the --header values as pointers into
                                       argv (found there by address);
                                       NULL: opts->headers */
    const sk_collect_opts *opts;
    const char *summary_path, *per_query_path;
    const char *started; /* ISO 8601 local time */
    const sk_provenance *host; /* the machine (sidecar "host"); required */
    const char *status;  /* "running", or sk_collect_status() */
    const char *reason;  /* why it failed, or NULL */
    const char *lost_at; /* when the terminal was lost (ISO 8601), or NULL */
    const char *lost_why;
    const sk_collect_result *result; /* NULL while running */
};

/*
 * Write the sidecar JSON (docs/collect.md) to `path` whole: through
 * PATH.tmp renamed over it or, when that cannot be written (a full disk),
 * in place.  Keys in order: tool, schema_version (SK_SCHEMA_VERSION),
 * command, host {os, cpu, cores} (from sc->host), server {header, models,
 * build_info, model_path, total_slots} (from sc->result->server, null
 * where not given, all null while running), urls (credentials left out),
 * api, model, levels, queries_per_level, max_tokens, header_names (values
 * left out), api_key_sent, started, status, reason (when given),
 * terminal_lost {at, why} (when lost_at is set), files {summary,
 * per_query}, and with a result: queries, errors, cancelled, retried,
 * resent, usage_rejected, chunks_over, faults {by category}, levels_done,
 * per_level [{concurrency, queries, errors, retried, resent}].
 * Returns 0, SK_EIO ("PATH: cannot write: REASON") or SK_ENOMEM; no
 * temporary file is left behind.
 */
int sk_collect_sidecar_write(const char *path,
                             const struct sk_collect_sidecar *sc);

#endif
