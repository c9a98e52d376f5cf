/*
 * The collector: run a closed-loop concurrency sweep against one or more
 * OpenAI-compatible or llama.cpp servers over their streaming APIs, and
 * write the per-query and summary CSVs (docs/collect.md, docs/metrics.md).
 *
 * One thread, one libcurl multi handle driven by epoll through
 * curl_multi_socket_action(): at concurrency C exactly C requests are in
 * flight until the level's queries have all been issued.  Per-request
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
 * error text and empty metric cells.
 *
 * Ownership: the caller owns every struct and FILE here; sk_collect_run()
 * allocates and frees its own state.  Not thread-safe: one run at a time
 * per process (libcurl's global init is the caller's: curl_global_init()).
 */
#ifndef SWEEPKIT_COLLECT_H
#define SWEEPKIT_COLLECT_H

#include "sweepkit/chunk.h"
#include "sweepkit/prompts.h"

#include <signal.h>
#include <stddef.h>

/* Hard limits. */
#define SK_COLLECT_MAX_CONCURRENCY 65536
#define SK_COLLECT_MAX_LEVELS 64
#define SK_COLLECT_MAX_URLS 64
#define SK_COLLECT_MAX_LABELS 32

/* Failure categories, counted per run (wrk's error counters). */
enum sk_collect_fault {
    SK_FAULT_CONNECT,  /* refused, unreachable, DNS */
    SK_FAULT_TIMEOUT,  /* the per-request timeout passed */
    SK_FAULT_HTTP,     /* an HTTP status other than 200 */
    SK_FAULT_PARSE,    /* a malformed chunk */
    SK_FAULT_STREAM,   /* the stream ended before its end marker */
    SK_FAULT_OTHER,    /* any other transfer error, interrupted */
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
    int level_done;      /* 1 on the last call of a level */
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
    size_t queries;           /* per level, >= 1 */
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
} sk_collect_opts;

/* What a run did. */
typedef struct {
    size_t queries;        /* recorded (warm-up excluded) */
    size_t errors;         /* of those, failed */
    size_t retried;        /* attempts that were retried */
    size_t resent;         /* requests sent again at once on a fresh
                              connection: a reused keep-alive connection
                              died before any answer byte (not a retry,
                              not an error) */
    size_t usage_rejected; /* queries whose usage count was not believed
                              (token_source chunks, with a warning) */
    size_t chunks_over;    /* queries with more chunks than --max-tokens
                              allows (a warning) */
    size_t level_retried[SK_COLLECT_MAX_LEVELS]; /* per level, in run */
    size_t level_resent[SK_COLLECT_MAX_LEVELS];  /* order */
    size_t warmup_errors;  /* warm-up requests that failed (not in the
                              CSVs) */
    size_t faults[SK_FAULT_COUNT];
    size_t levels_done;    /* levels with a summary row written */
    int interrupted;       /* stopped by opts->stop */
    int gave_up;           /* stopped after two levels where every query
                              failed */
} sk_collect_result;

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
 * Run the sweep.  Writes the headers of both CSVs, then rows as queries
 * and levels finish.  Returns 0 (also when interrupted or given up: see
 * *out), SK_EINVAL for bad options (message names the option), SK_EIO
 * when an output file cannot be written, SK_ENOMEM, SK_EHTTP when libcurl
 * cannot be set up.  *out is written in every case.
 */
int sk_collect_run(sk_collect_result *out, const sk_collect_opts *opts);

#endif
