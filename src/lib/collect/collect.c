/*
 * The collector's event loop: libcurl multi over sweepkit/evloop.h (epoll,
 * kqueue or poll)
 * (curl_multi_socket_action, as curl's docs/examples/ephiperfifo.c), a
 * closed loop per level, rows written as queries finish.  See collect.h
 * for what is measured and docs/collect.md for the columns.
 */
#include "sweepkit/collect.h"

#include "collect_int.h"

#include "sweepkit/error.h"
#include "sweepkit/evloop.h"
#include "sweepkit/format.h"
#include "sweepkit/metrics.h"
#include "sweepkit/rowfile.h"
#include "sweepkit/scrub.h"
#include "sweepkit/sse.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define SSE_CAP ((size_t)64 << 10) /* one event's data, per request */
#define EXCERPT_MAX 160            /* error body bytes kept */
#define MAX_EVENTS 4096            /* one wait sees a whole decode step */
#define STAGGER 16     /* requests (re)issued per turn of the loop */
#define REAP_MAX 16    /* finished requests recorded per turn of the loop */
#define READ_MAX 64    /* sockets read per turn, beyond first-token ones */
#define FRESH_MAX 256  /* first-token sockets read at once */
#define FRESH_EVERY 16 /* other sockets read between looks for first tokens */
#define PROGRESS_NS 100000000LL /* progress callback at most every 100 ms */
#define SEND_EARLY_NS                                                          \
    500000LL /* an open loop wakes this long before a send                     \
              */
/* requests not recorded (struct req's warmup; kind_letter below) */
enum { WARMUP = 1, PREFLIGHT = 2, PROBE = 3 };

static const char *const fault_names[SK_FAULT_COUNT] = {
    "connect", "timeout", "http", "parse", "stream", "other"};

const char *sk_collect_fault_name(enum sk_collect_fault f)
{
    return (unsigned)f < SK_FAULT_COUNT ? fault_names[f] : "?";
}

/* The per-query columns after the 13 of the schema (docs/metrics.md). */
static const char per_query_header[] =
    "concurrency,query_id,prompt_preview,prompt_tokens,duration_s,ttft_s,"
    "output_tokens,tokens_per_s,decode_tokens,decode_s,decode_tokens_per_s,"
    "prefill_prompt_tokens_per_s,finish_reason,start_s,end_s,send_lag_s,"
    "itl_mean_s,itl_p99_s,token_source,http_status,error,server_prompt_ms,"
    "server_predicted_ms,server_predicted_n,request_id,warning";

/* The columns a run's options add after the fixed ones (the per-query
 * CSV's after `warning`, the summary's after planned_queries), before the
 * labels; each a name no label may take. */
static const char *const open_query_columns[] = {SK_SWEEP_REQUEST_RATE,
                                                 "scheduled_s"};
static const char *const open_summary_columns[] = {SK_SWEEP_REQUEST_RATE,
                                                   SK_SWEEP_ACHIEVED_RATE};
static const char *const synth_columns[] = {"input_tokens_target",
                                            "output_tokens_target"};
/* in the order of struct run's gauge_text */
static const char *const gauge_columns[] = {
    "server_requests_running", "server_requests_waiting",
    "server_requests_waiting_max", "server_kv_cache_usage"};
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define SUM_COLUMNS                                                            \
    (NCOLS(open_summary_columns) + NCOLS(gauge_columns) + SK_COLLECT_MAX_LABELS)

/* What a request not recorded is (struct req's warmup), by letter in its
 * X-Request-Id and a synthetic prompt's prefix: l a level's, w warm-up,
 * p preflight, b a rate sweep's probe. */
static const char kind_letter[] = "lwpb";

struct run;

/* One slot of the closed loop: everything a request needs, allocated
 * before the first level and reused. */
struct req {
    struct run *run;
    CURL *easy;
    /* The request's headers: this slot's X-Request-Id line, rewritten in
     * place for each query, then the run's shared lines. */
    struct curl_slist id_node;
    char id_line[64];
    const char *request_id; /* inside id_line */
    struct sk_sse sse;
    char *sse_buf;
    double *gaps; /* inter-chunk gaps, seconds */
    size_t gap_cap;
    char errbuf[CURL_ERROR_SIZE];

    /* the query */
    int busy, in_multi;
    int warmup; /* WARMUP, PREFLIGHT or PROBE: not recorded; 0: a
                 * level's */
    size_t qid;
    unsigned attempt;
    int resent;       /* 1: to be sent again on a fresh connection; 2: was */
    int final;        /* a failure no retry can mend (TLS) */
    int64_t retry_at; /* > 0: waiting to be retried */
    int fresh_fd;     /* its socket, watched in run.fresh until the first
                       * token; -1: not watched */

    /* times, monotonic ns */
    int64_t t_free, t_added, t_send, t_first, t_prev, t_last_chunk, t_end;
    int64_t t_sched; /* open loop: when it was to be sent; 0: closed */
    /* a synthetic query (--input-tokens, --output-tokens): its body and
     * prompt text, built when it is issued, and its target lengths */
    char *body, *text;
    size_t text_len, in_target, out_target;

    /* what the stream said */
    long http_status;
    int cc; /* libcurl's result of the transfer */
    int status_seen, ended, failed;
    enum sk_collect_fault fault;
    size_t chunks, ngaps;
    double tokens;   /* output tokens, once recorded */
    int interrupted; /* cancelled by a stop: not written, not counted */
    long long prompt_tokens, completion_tokens;
    double completion_given; /* the count as the server gave it */
    long long server_predicted_n;
    double server_prompt_ms, server_predicted_ms;
    char finish_reason[32];
    char error[CURL_ERROR_SIZE + EXCERPT_MAX + 64];
    char excerpt[EXCERPT_MAX + 1];
    size_t excerpt_len;
    char warning[192];
};

struct team;

struct run {
    const sk_collect_opts *o;
    sk_collect_result *res;
    CURLM *multi;
    sk_evloop *loop;            /* the sockets libcurl wants watched */
    sk_evloop *fresh;           /* of those, the sockets of queries waiting
                                   for their first token (fresh_watch()) */
    int64_t timer_at;           /* curl's timer, monotonic ns; -1 none */
    size_t busy, waiting;       /* slots with a query; of those, waiting for a
                                   retry */
    struct curl_slist *headers; /* every request's shared lines */
    struct req **ready;         /* free slots waiting to send, FIFO ring */
    size_t ready_head, ready_n;
    int msgs_left; /* curl may hold more ended transfers */
    int64_t last_progress;
    size_t cut; /* requests of the level a stop cancelled */
    struct req *reqs;
    size_t nreqs;
    char **urls;   /* full endpoint URLs */
    char **bodies; /* one request body per prompt */
    int64_t t0;
    unsigned tag; /* in request ids */
    int stopping;
    int rc;                   /* a fatal error (I/O) */
    int server_looked;        /* a query's answer was searched for `Server:` */
    size_t preflight_url;     /* the URL the preflight request goes to */
    json_t *extra;            /* --extra-body, parsed */
    const char *override;     /* a calibration request's body, or NULL */
    double tpw, overhead;     /* --input-tokens' calibration: prompt tokens
                                 per word, and the tokens of the rest */
    struct sk_scrape *scrape; /* --scrape's thread, or NULL */
    int probe_failed;         /* a --rate-sweep probe's request failed */
    char probe_error[512];
    char gauge_text[NCOLS(gauge_columns)][32]; /* the level's gauges, as
                                                  the summary has them */
    unsigned faults_said; /* fault categories told (first_of_kind()) */
    long statuses[16];    /* HTTP statuses told */
    size_t nstatuses;

    sk_rowfile pq, sm; /* the per-query and summary CSVs */
    /* --threads, --shard: this loop's share of every level is share i
     * of share_n (shard_split()); with threads, `team` joins the loops
     * (team[0] leads: the setup, the summaries, the files' checks) */
    size_t share_i, share_n;
    size_t thread_i, nthreads; /* this loop's thread, of nthreads */
    struct team *team;
    int level_rc; /* a worker's level failed: its error and message */
    char level_msg[512];
    sk_scrub *scrub; /* every secret the user gave, for server text */

    /* the level in progress */
    size_t level, concurrency, issued, done, errors, warnings;
    size_t planned;     /* queries the level is to run (SIZE_MAX: a timed
                           level without --max-queries) */
    size_t sent_before; /* queries of the levels before (URL round robin) */
    double tokens;
    int64_t level_start;
    int64_t deadline; /* a timed level's end of sending, or 0 */

    /* an open-loop level */
    double rate; /* requests/s; 0: closed loop */
    sk_arrival_gen *gen;
    int64_t next_send;             /* the next query's scheduled time */
    int64_t first_sent, last_sent; /* the level's first and last send */
    char rate_text[32], achieved_text[32];
    /* the summary's columns after planned_queries: request_rate and
     * achieved_rate in an open loop, then the labels */
    const char *sum_names[SUM_COLUMNS];
    const char *sum_values[SUM_COLUMNS];
    size_t nsum;
    FILE *level_fp; /* this level's per-query rows, for summarize */
    char *level_buf;
    size_t level_len;
    FILE *row_fp; /* one row, formatted once, written twice */
    char *row_buf;
    size_t row_len;
};

/* ---- threads (--threads) ---------------------------------------------- */

/*
 * The loops of one run, one per thread (wrk's model): each runs its share
 * of every level's streams and queries on its own connections, libcurl
 * multi handle and readiness loop.  They meet at two barriers a level:
 * the leader (runs[0], the caller's thread) sets the phase, all start
 * together, all end before the leader folds their counts and writes the
 * level's summary.  Under `mu`: the result's counters, the per-query
 * file (a whole row a write, in completion order), the leader's rows of
 * the level (for its summary), the first-failure notes; and the counts
 * the leader's progress lines add up.
 */
struct team {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_barrier_t start, end;
    struct run **runs;
    pthread_t *tids;
    size_t n, created;
    int launch; /* 0: wait; 1: every thread is there, to the barriers;
                   -1: one could not be started, leave */
    /* the phase, set by the leader before the start barrier */
    int go, warmup;
    size_t conc, total;
    size_t level, sent_before; /* the leader's: counts per level, URLs */
};

static void team_lock(struct run *r)
{
    if (r->team)
        pthread_mutex_lock(&r->team->mu);
}

static void team_unlock(struct run *r)
{
    if (r->team)
        pthread_mutex_unlock(&r->team->mu);
}

/* The run holding what the threads share: the files, the notes said. */
static struct run *lead(struct run *r)
{
    return r->team ? r->team->runs[0] : r;
}

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

/* ---- requests: bodies and URLs ---------------------------------------- */

const char *sk_collect__api_path(enum sk_api api)
{
    switch (api) {
    case SK_API_OPENAI_CHAT: return "/v1/chat/completions";
    case SK_API_OPENAI_COMPLETIONS: return "/v1/completions";
    case SK_API_LLAMACPP: return "/completion";
    }
    return "/";
}

/* "http://h:8000" -> ".../v1/chat/completions"; a URL that already ends
 * in the path, or in "/v1" for the OpenAI APIs, is completed, not
 * doubled. */
static char *endpoint(const char *base, enum sk_api api)
{
    const char *path = sk_collect__api_path(api);
    size_t n = strlen(base);
    char *s;

    while (n > 0 && base[n - 1] == '/')
        n--;
    if (sk_collect__ends_with(base, n, path))
        path = "";
    else if (api != SK_API_LLAMACPP && sk_collect__ends_with(base, n, "/v1"))
        path += 3;
    if (!(s = malloc(n + strlen(path) + 1)))
        return NULL;
    memcpy(s, base, n);
    strcpy(s + n, path);
    return s;
}

/*
 * A request body: the prompt as text, or for llama.cpp's /completion as
 * token ids (`ids`, n of them, when not NULL); `max_tokens` asked for,
 * run to length (`to_length`: ignore_eos, and min_tokens for the OpenAI
 * APIs) when --output-tokens sets it; --extra-body merged in last.
 */
static char *make_body(const sk_collect_opts *o, const char *prompt, size_t len,
                       const long *ids, unsigned max_tokens, int to_length,
                       json_t *extra)
{
    json_t *b = json_object(), *msgs = NULL;
    char *s = NULL;

    if (!b)
        return NULL;
    if (to_length) {
        json_object_set_new(b, "ignore_eos", json_true());
        if (o->api != SK_API_LLAMACPP)
            json_object_set_new(b, "min_tokens", json_integer(max_tokens));
    }
    if (o->model && o->api != SK_API_LLAMACPP)
        json_object_set_new(b, "model", json_string(o->model));
    switch (o->api) {
    case SK_API_OPENAI_CHAT:
        msgs =
            json_pack("[{s:s, s:s%}]", "role", "user", "content", prompt, len);
        json_object_set_new(b, "messages", msgs);
        /* fall through */
    case SK_API_OPENAI_COMPLETIONS:
        if (o->api == SK_API_OPENAI_COMPLETIONS)
            json_object_set_new(b, "prompt", json_stringn(prompt, len));
        json_object_set_new(b, "max_tokens", json_integer(max_tokens));
        json_object_set_new(b, "stream_options",
                            json_pack("{s:b}", "include_usage", 1));
        break;
    case SK_API_LLAMACPP:
        if (ids) {
            json_t *a = json_array();
            size_t i;

            for (i = 0; a && i < len; i++)
                json_array_append_new(a, json_integer(ids[i]));
            json_object_set_new(b, "prompt", a);
        } else
            json_object_set_new(b, "prompt", json_stringn(prompt, len));
        json_object_set_new(b, "n_predict", json_integer(max_tokens));
        break;
    }
    json_object_set_new(b, "temperature", json_real(o->temperature));
    json_object_set_new(b, "stream", json_true());
    if (extra && json_object_update(b, extra) != 0)
        goto done;
    s = json_dumps(b, JSON_COMPACT);
done:
    json_decref(b);
    return s;
}

static int prepare(struct run *r)
{
    const sk_collect_opts *o = r->o;
    json_t *extra = NULL;
    json_error_t jerr;
    size_t i, np = sk_prompts_count(o->prompts);
    int rc;

    /* the secrets, however given, kept out of every server text written */
    if ((rc = sk_scrub_new(&r->scrub)) != 0 ||
        (o->api_key && (rc = sk_scrub_add_secret(r->scrub, o->api_key,
                                                 strlen(o->api_key))) != 0))
        return rc;
    for (i = 0; i < o->nheaders; i++)
        if ((rc = sk_scrub_add_header(r->scrub, o->headers[i])) != 0)
            return rc;
    for (i = 0; i < o->nurls; i++)
        if ((rc = sk_scrub_add_url(r->scrub, o->urls[i])) != 0)
            return rc;
    if (o->extra_body && !(extra = json_loads(o->extra_body, 0, &jerr)))
        return sk_error_set(SK_EINVAL, "--extra-body: not valid JSON: %s",
                            jerr.text); /* sk_collect_check() said more */
    if (!(r->urls = calloc(o->nurls, sizeof(char *))) ||
        !(r->bodies = calloc(np, sizeof(char *)))) {
        json_decref(extra);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    for (i = 0; i < o->nurls; i++)
        if (!(r->urls[i] = endpoint(o->urls[i], o->api)))
            goto oom;
    for (i = 0; i < np; i++)
        if (!(r->bodies[i] = make_body(o, sk_prompts_get(o->prompts, i),
                                       sk_prompts_len(o->prompts, i), NULL,
                                       o->max_tokens, 0, extra)))
            goto oom;
    r->extra = extra; /* for the bodies built per query (synth_body()) */
    return 0;
oom:
    json_decref(extra);
    return sk_error_set(SK_ENOMEM, "out of memory building requests");
}

/* ---- the sockets of queries waiting for their first token -------------- */

/* The loop reads other streams' chunks a few dozen a turn and waits for
 * new ones only when it has read all it was last told of: a wait reports
 * every ready socket, and one between each few dozen reads would report
 * the unread ones again (at 1,024 streams, nine times each).  A first
 * token must not wait that long: the sockets of queries that have none
 * yet are also watched in a small set of their own, read after every
 * send, every ending recorded and every FRESH_EVERY other reads. */

/* From when curl waits for the answer on socket s ... */
static void fresh_watch(struct req *q, curl_socket_t s)
{
    if (q->fresh_fd >= 0 || q->chunks != 0)
        return;
    /* unwatched here (out of memory), the first token is read with the
     * other chunks */
    if (sk_evloop_watch(q->run->fresh, s, SK_EV_IN, (uint32_t)s) == 0)
        q->fresh_fd = s;
}

/* ... to its first token or its end. */
static void fresh_drop(struct req *q)
{
    if (q->fresh_fd < 0)
        return;
    sk_evloop_watch(q->run->fresh, q->fresh_fd, 0, 0);
    q->fresh_fd = -1;
}

/* Read the first tokens that have come. */
static int fresh_read(struct run *r)
{
    sk_ev ev[FRESH_MAX];
    int k, i, running;

    if ((k = sk_evloop_wait(r->fresh, ev, FRESH_MAX, 0)) < 0)
        return k;
    for (i = 0; i < k; i++)
        curl_multi_socket_action(r->multi, (curl_socket_t)ev[i].data,
                                 CURL_CSELECT_IN, &running);
    return 0;
}

/* ---- the per-chunk path: no allocation, no I/O ------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
fail(struct req *q, enum sk_collect_fault f, const char *fmt, ...)
{
    va_list ap;

    if (q->failed)
        return;
    q->failed = 1;
    q->fault = f;
    va_start(ap, fmt);
    vsnprintf(q->error, sizeof(q->error), fmt, ap);
    va_end(ap);
}

static int on_event(void *payload, const char *event, const char *data,
                    size_t len)
{
    struct req *q = payload;
    struct sk_chunk c;
    int64_t now = q->t_last_chunk; /* set by on_data for this read */

    (void)event;
    if (q->ended)
        return 0; /* after the end marker: ignored */
    if (sk_chunk_decode(&c, q->run->o->api, data, len) != 0) {
        fail(q, SK_FAULT_PARSE, "%s", sk_error_last());
        return 1;
    }
    if (c.done) {
        q->ended = 1;
        return 0;
    }
    if (c.error[0]) {
        fail(q, SK_FAULT_HTTP, "error in stream: %s", c.error);
        return 1;
    }
    if (c.text_bytes > 0) {
        /* TTFT ends here; inter-token gaps are between chunks that
         * carry text (several tokens in one chunk count as one gap). */
        if (q->chunks == 0) {
            q->t_first = now;
            fresh_drop(q); /* a system call, once a query */
        } else if (q->ngaps < q->gap_cap)
            q->gaps[q->ngaps++] = secs(now - q->t_prev);
        q->t_prev = now;
        q->chunks++;
    }
    if (c.finish_reason[0])
        memcpy(q->finish_reason, c.finish_reason, sizeof(q->finish_reason));
    if (c.prompt_tokens >= 0)
        q->prompt_tokens = c.prompt_tokens;
    if (!isnan(c.completion_tokens_given)) {
        q->completion_tokens = c.completion_tokens;
        q->completion_given = c.completion_tokens_given;
    }
    if (!isnan(c.server_prompt_ms))
        q->server_prompt_ms = c.server_prompt_ms;
    if (!isnan(c.server_predicted_ms))
        q->server_predicted_ms = c.server_predicted_ms;
    if (c.server_predicted_n >= 0)
        q->server_predicted_n = c.server_predicted_n;
    if (c.stop && q->run->o->api == SK_API_LLAMACPP)
        q->ended = 1;
    return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct req *q = ud;
    size_t len = size * n;

    if (!q->status_seen) {
        curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &q->http_status);
        q->status_seen = 1;
    }
    if (q->http_status != 200) {
        /* An error body: keep the start for the error text. */
        size_t k = EXCERPT_MAX - q->excerpt_len;

        if (k > len)
            k = len;
        memcpy(q->excerpt + q->excerpt_len, p, k);
        q->excerpt_len += k;
        return len;
    }
    if (q->failed)
        return 0;
    q->t_last_chunk = sk_collect__mono_ns();
    switch (sk_sse_feed(&q->sse, p, len, on_event, q)) {
    case 0: return len;
    case SK_ELIMIT: fail(q, SK_FAULT_PARSE, "%s", sk_error_last()); return 0;
    default: return 0; /* on_event failed the query */
    }
}

/* libcurl calls this once the connection is up, just before it writes
 * the request: the request leaves the client now.  A query whose
 * connection never came up keeps the time it was handed to libcurl. */
static int on_prereq(void *ud, char *ip, char *local_ip, int port,
                     int local_port)
{
    struct req *q = ud;

    (void)ip;
    (void)local_ip;
    (void)port;
    (void)local_port;
    q->t_send = sk_collect__mono_ns();
    return CURL_PREREQFUNC_OK;
}

/* ---- curl's socket and timer callbacks ---------------------------------- */

static int on_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sp)
{
    struct run *r = ud;
    struct req *q = NULL;

    (void)sp;
    if (what == CURL_POLL_REMOVE)
        return sk_evloop_watch(r->loop, s, 0, 0) == 0 ? 0 : -1;
    /* the query whose transfer uses the socket now (a kept-alive
     * connection serves another slot's query next: curl tells us again),
     * waiting for its answer */
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&q);
    if (q && q->busy && (what & CURL_POLL_IN))
        fresh_watch(q, s);
    return sk_evloop_watch(r->loop, s,
                           (what & CURL_POLL_IN ? SK_EV_IN : 0) |
                               (what & CURL_POLL_OUT ? SK_EV_OUT : 0),
                           (uint32_t)s) == 0
               ? 0
               : -1;
}

static int on_timer(CURLM *m, long timeout_ms, void *ud)
{
    struct run *r = ud;

    (void)m;
    r->timer_at =
        timeout_ms < 0 ? -1 : sk_collect__mono_ns() + timeout_ms * 1000000;
    return 0;
}

/* ---- one query --------------------------------------------------------- */

static void reset_query(struct req *q)
{
    q->t_send = q->t_first = q->t_prev = q->t_last_chunk = q->t_end = 0;
    q->http_status = 0;
    q->status_seen = q->ended = q->failed = q->final = 0;
    q->fault = SK_FAULT_OTHER;
    q->chunks = q->ngaps = 0;
    q->interrupted = 0;
    q->prompt_tokens = q->completion_tokens = q->server_predicted_n = -1;
    q->completion_given = NAN;
    q->server_prompt_ms = q->server_predicted_ms = NAN;
    q->finish_reason[0] = q->error[0] = q->warning[0] = '\0';
    q->excerpt_len = 0;
    q->errbuf[0] = '\0';
    sk_sse_init(&q->sse, q->sse_buf, SSE_CAP);
}

/* Does the run build each query's body (--input-tokens,
 * --output-tokens)? */
static int synthetic(const sk_collect_opts *o)
{
    return o->input_tokens > 0 || o->output_tokens > 0;
}

/* The unique start of a synthetic prompt ("[sk-1a2b3c-l002-00000017] "),
 * or "" with --shared-prefix. */
static void synth_prefix(char *out, size_t cap, const struct run *r, int kind,
                         size_t level, size_t qid)
{
    if (r->o->shared_prefix)
        out[0] = '\0';
    else
        snprintf(out, cap, "[sk-%06x-%c%03zu-%08zu] ", r->tag & 0xffffffu,
                 kind_letter[kind], level, qid);
}

/* The words that make a prompt of `tokens` by the calibration. */
static size_t synth_words(const struct run *r, size_t tokens)
{
    double w = ((double)tokens - r->overhead) / r->tpw;

    return w < 1 ? 1 : (size_t)llround(w);
}

/* Query q's body: its lengths drawn (keyed by seed, level and query, so
 * a level's lengths repeat run after run), its prompt built. */
static int synth_body(struct run *r, struct req *q)
{
    const sk_collect_opts *o = r->o;
    size_t level = q->warmup ? 0 : r->level, np = sk_prompts_count(o->prompts);
    uint64_t key = sk_collect__mix64(
        ((uint64_t)o->seed << 32) ^
        sk_collect__mix64(((uint64_t)q->warmup << 56) ^
                          ((uint64_t)level << 40) ^ (uint64_t)q->qid));
    long *ids = NULL;
    char prefix[64];
    size_t i;

    free(q->body);
    free(q->text);
    q->body = q->text = NULL;
    q->in_target =
        o->input_tokens > 0
            ? sk_collect__synth_length(o->input_tokens, o->input_sd, key)
            : 0;
    q->out_target =
        o->output_tokens > 0
            ? sk_collect__synth_length(o->output_tokens, o->output_sd,
                                       key ^ 0x6f75747075747321ULL)
            : o->max_tokens;
    synth_prefix(prefix, sizeof(prefix), r, q->warmup, level, q->qid);
    if (!q->in_target) {
        /* the prompt set's, with the unique prefix */
        const char *p = sk_prompts_get(o->prompts, q->qid % np);
        size_t n = sk_prompts_len(o->prompts, q->qid % np), k = strlen(prefix);

        if (!(q->text = malloc(k + n + 1)))
            return SK_ENOMEM;
        memcpy(q->text, prefix, k);
        memcpy(q->text + k, p, n);
        q->text[k + n] = '\0';
        q->text_len = k + n;
    } else if (o->api == SK_API_LLAMACPP) {
        /* token ids: exactly in_target of them, the first two the query's
         * own (unless shared), the rest a fixed cycle */
        if (!(ids = malloc(q->in_target * sizeof(*ids))) ||
            !(q->text = strdup("[token ids]")))
            goto oom;
        for (i = 0; i < q->in_target; i++)
            ids[i] = 1000 + (long)(i * 7919 % 15000);
        if (!o->shared_prefix && q->in_target >= 2) {
            ids[0] = 1000 + (long)((r->tag + key) % 15000);
            ids[1] = 1000 + (long)((key >> 8) % 15000);
        }
        q->text_len = strlen(q->text);
    } else if (!(q->text = sk_collect__synth_text(synth_words(r, q->in_target),
                                                  prefix, &q->text_len)))
        return SK_ENOMEM;
    q->body =
        make_body(o, q->text, ids ? q->in_target : q->text_len, ids,
                  (unsigned)q->out_target, o->output_tokens > 0, r->extra);
    free(ids);
    return q->body ? 0 : SK_ENOMEM;
oom:
    free(ids);
    return SK_ENOMEM;
}

static int add(struct run *r, struct req *q)
{
    const sk_collect_opts *o = r->o;
    size_t np = sk_prompts_count(o->prompts);
    size_t url = q->warmup == PREFLIGHT ? r->preflight_url
                 : q->warmup            ? q->qid % o->nurls
                                        : (r->sent_before + q->qid) % o->nurls;
    CURLMcode mc;

    reset_query(q);
    /* "sk-<run>-<level>-<query>-<attempt>", the run a per-process tag so
     * two runs against one server are told apart in its logs */
    snprintf(q->id_line, sizeof(q->id_line),
             "X-Request-Id: sk-%06x-%c%03zu-%08zu-%02u", r->tag & 0xffffffu,
             kind_letter[q->warmup], q->warmup ? 0 : r->level, q->qid,
             q->attempt % 100);
    q->request_id = q->id_line + strlen("X-Request-Id: ");
    curl_easy_setopt(q->easy, CURLOPT_URL, r->urls[url]);
    if (r->override && q->warmup == PREFLIGHT)
        curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, r->override);
    else if (synthetic(o) && q->warmup != PREFLIGHT) {
        if (q->attempt == 0 && !q->resent && synth_body(r, q) != 0)
            return sk_error_set(SK_ENOMEM, "out of memory building a "
                                           "request");
        curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, q->body);
    } else
        curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, r->bodies[q->qid % np]);
    /* a resend goes on a new connection, which is kept for later queries */
    curl_easy_setopt(q->easy, CURLOPT_FRESH_CONNECT, (long)(q->resent == 1));
    if (q->resent == 1)
        q->resent = 2;
    q->retry_at = 0;
    q->t_added = sk_collect__mono_ns();
    if ((mc = curl_multi_add_handle(r->multi, q->easy)) != CURLM_OK)
        return sk_error_set(SK_EHTTP, "libcurl: %s", curl_multi_strerror(mc));
    q->in_multi = 1;
    return 0;
}

static int retryable(const struct req *q)
{
    if (q->final)
        return 0;
    if (q->fault == SK_FAULT_CONNECT)
        return 1;
    if (q->fault == SK_FAULT_HTTP && q->http_status >= 400)
        return q->http_status == 429 || q->http_status == 500 ||
               q->http_status == 502 || q->http_status == 503 ||
               q->http_status == 504;
    return 0;
}

/* Classify how the transfer ended. */
static void settle(struct req *q, CURLcode cc)
{
    const sk_collect_opts *o = q->run->o;
    const char *why = q->errbuf[0] ? q->errbuf : curl_easy_strerror(cc);

    q->cc = (int)cc;
    if (q->failed && q->fault != SK_FAULT_OTHER)
        return; /* parse or in-stream error, already said */
    if (!q->status_seen)
        /* No body byte came (a 500 with an empty body, or a 200 head and
         * then the end): the status line may still have arrived. */
        curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &q->http_status);
    if (q->ended && q->http_status == 200)
        return; /* complete; a reset after the end marker loses nothing */
    if (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION ||
        cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_CACERT_BADFILE) {
        /* A plain-HTTP server answers a ClientHello with an HTTP error
         * (OpenSSL: "wrong version number") or closes (an EOF). */
        int plain = cc == CURLE_SSL_CONNECT_ERROR &&
                    (strstr(why, "wrong version number") ||
                     strstr(why, "unexpected eof") ||
                     strstr(why, "SSL_ERROR_SYSCALL") ||
                     strstr(why, "packet length too long"));

        q->final = 1;
        if (plain)
            fail(q, SK_FAULT_CONNECT,
                 "TLS handshake failed: the server does not speak TLS "
                 "(use http://): %s",
                 why);
        else
            fail(q, SK_FAULT_CONNECT, "TLS handshake failed: %s", why);
        return;
    }
    if (cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_CONNECT ||
        cc == CURLE_COULDNT_RESOLVE_PROXY ||
        (q->http_status == 0 &&
         (cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR ||
          cc == CURLE_SEND_ERROR))) {
        /* refused, unknown host, or closed before any answer */
        fail(q, SK_FAULT_CONNECT, "connect: %s", why);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        fail(q, SK_FAULT_TIMEOUT,
             "timeout: no complete response after %g s (%zu chunks "
             "received)",
             o->timeout_s, q->chunks);
    } else if (q->http_status != 200 && q->http_status != 0) {
        q->excerpt[q->excerpt_len] = '\0';
        fail(q, SK_FAULT_HTTP, "HTTP %ld: %s", q->http_status, q->excerpt);
    } else if (cc != CURLE_OK) {
        fail(q, q->http_status ? SK_FAULT_STREAM : SK_FAULT_OTHER,
             "stream cut after %zu chunks: %s", q->chunks, why);
    } else if (!q->ended) {
        char *type = NULL;

        curl_easy_getinfo(q->easy, CURLINFO_CONTENT_TYPE, &type);
        if (q->chunks == 0 && type &&
            strncasecmp(type, "text/event-stream", 17) != 0)
            fail(q, SK_FAULT_STREAM,
                 "not an event stream (Content-Type: %.60s): does the "
                 "server stream this API?",
                 type);
        else
            fail(q, SK_FAULT_STREAM, "stream ended before %s after %zu chunks",
                 o->api == SK_API_LLAMACPP ? "the final stop event" : "[DONE]",
                 q->chunks);
    }
}

/* ---- writing rows -------------------------------------------------------- */

static void num(FILE *fp, double v)
{
    fputc(',', fp);
    if (isfinite(v))
        fprintf(fp, "%.6f", v);
}

static void count(FILE *fp, long long v)
{
    fputc(',', fp);
    if (v >= 0)
        fprintf(fp, "%lld", v);
}

static void text(FILE *fp, const char *s, size_t n)
{
    fputc(',', fp);
    sk_format_csv_field(fp, s, n);
}

/* The first 60 bytes of the prompt, cut on a UTF-8 boundary, one line. */
static void preview(FILE *fp, const char *s, size_t n)
{
    char buf[64];
    size_t i, k = n < 60 ? n : 60;

    while (k < n && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    for (i = 0; i < k; i++)
        buf[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    text(fp, buf, k);
}

static void labels(FILE *fp, const sk_collect_opts *o)
{
    size_t i;

    for (i = 0; i < o->nlabels; i++)
        text(fp, o->label_values[i], strlen(o->label_values[i]));
}

/* Most content chunks a query may carry: --max-tokens and 5% (a server
 * may split a token's text over two chunks), plus one. */
static size_t chunk_limit(unsigned max_tokens)
{
    return (size_t)max_tokens + max_tokens / 20 + 1;
}

/*
 * The output tokens of a complete query: the server's usage count when it
 * is believable, else the content chunks.  Not believed: below 1, not a
 * whole number, or above 1.05 x max(chunks, --max-tokens).  Each doubt is
 * a warning in the row and a count on the terminal.
 */
static double output_tokens(struct run *r, struct req *q, int *usage)
{
    const sk_collect_opts *o = r->o;
    double given = q->completion_given,
           most = 1.05 * (double)(q->chunks > o->max_tokens ? q->chunks
                                                            : o->max_tokens);
    size_t n = 0;

    *usage = 0;
    if (q->chunks > chunk_limit(o->max_tokens)) {
        n = (size_t)snprintf(q->warning, sizeof(q->warning),
                             "%zu content chunks for --max-tokens %u",
                             q->chunks, o->max_tokens);
        r->res->chunks_over++;
    }
    if (isnan(given))
        return (double)q->chunks;
    if (given >= 1 && given == floor(given) && given <= most &&
        q->completion_tokens >= 0) {
        *usage = 1;
        return given;
    }
    snprintf(q->warning + n, sizeof(q->warning) - n,
             "%susage says %.17g output tokens for %zu content chunks at "
             "--max-tokens %u: counted the chunks",
             n ? "; " : "", given, q->chunks, o->max_tokens);
    r->res->usage_rejected++;
    return (double)q->chunks;
}

/* One per-query row, into r->row_buf. */
static void format_row(struct run *r, struct req *q)
{
    const sk_collect_opts *o = r->o;
    FILE *fp = r->row_fp;
    size_t np = sk_prompts_count(o->prompts);
    const char *prompt = sk_prompts_get(o->prompts, q->qid % np);
    int64_t t_send = q->t_send ? q->t_send : q->t_added;
    double dur, ttft = NAN, tokens = NAN, itl_mean = NAN, itl_p99 = NAN;
    int usage = 0;
    /* server text: scrubbed of secrets, one line of valid UTF-8 */
    char error[3 * sizeof(q->error)], finish[3 * sizeof(q->finish_reason)];
    size_t nerror = sk_scrub_text(error, sizeof(error), r->scrub, q->error,
                                  strlen(q->error));
    size_t nfinish = sk_scrub_text(finish, sizeof(finish), r->scrub,
                                   q->finish_reason, strlen(q->finish_reason));

    dur = secs(q->t_end - t_send);
    if (!q->failed) {
        tokens = output_tokens(r, q, &usage);
        if (q->chunks)
            ttft = secs(q->t_first - t_send);
        if (q->ngaps) {
            /* mean and p99 of the same gaps (at most gap_cap kept) */
            struct sk_stats_summary st;
            static const double p99 = 99;

            if (sk_stats_summarize(&st, &itl_p99, q->gaps, q->ngaps, &p99, 1) ==
                0)
                itl_mean = st.mean;
        }
    }
    q->tokens = tokens;
    fseeko(fp, 0, SEEK_SET);
    fprintf(fp, "%zu,%zu", r->concurrency, q->qid);
    if (q->text)
        preview(fp, q->text, q->text_len);
    else
        preview(fp, prompt, sk_prompts_len(o->prompts, q->qid % np));
    if (q->failed) {
        /* A failure's metric cells stay empty (summarize counts it as an
         * error); its times and the reason are kept. */
        fputs(",,,,,,,,,,", fp);
    } else {
        count(fp, q->prompt_tokens);
        num(fp, dur);
        num(fp, ttft);
        num(fp, tokens);
        num(fp, sk_metric_query_tokens_per_s(tokens, dur));
        num(fp, sk_metric_decode_tokens(tokens));
        num(fp, sk_metric_decode_s(dur, ttft));
        num(fp, sk_metric_decode_tokens_per_s(tokens, dur, ttft));
        num(fp, q->prompt_tokens >= 0 ? sk_metric_prefill_tokens_per_s(
                                            (double)q->prompt_tokens, ttft)
                                      : NAN);
        text(fp, finish, nfinish);
    }
    num(fp, secs(t_send - r->t0));
    num(fp, secs(q->t_end - r->t0));
    num(fp, secs(t_send - q->t_free));
    num(fp, itl_mean);
    num(fp, itl_p99);
    fputs(q->failed ? "," : usage ? ",usage" : ",chunks", fp);
    count(fp, q->http_status ? q->http_status : -1);
    text(fp, error, nerror);
    num(fp, q->server_prompt_ms);
    num(fp, q->server_predicted_ms);
    count(fp, q->server_predicted_n);
    text(fp, q->request_id, strlen(q->request_id));
    text(fp, q->warning, strlen(q->warning));
    if (sk_collect_open_loop(o)) {
        text(fp, r->rate_text, strlen(r->rate_text));
        num(fp, secs(q->t_sched - r->t0));
    }
    if (synthetic(o)) {
        count(fp, q->in_target ? (long long)q->in_target : -1);
        count(fp, (long long)q->out_target);
    }
    labels(fp, o);
    fputc('\n', fp);
    fflush(fp);
}

/* The level's counts the leader adds up (team_fold(), progress()). */
static void level_counts_reset(struct run *r)
{
    r->done = r->errors = r->warnings = r->cut = 0;
    r->tokens = 0;
}

/* Did a stop end the level before its plan? */
static int level_cut(const struct run *r)
{
    return r->stopping && r->done < r->planned;
}

static void progress(struct run *r, int level_done, const double *summary)
{
    struct sk_collect_progress p;
    size_t i;

    if (!r->o->progress)
        return;
    memset(&p, 0, sizeof(p));
    p.level = r->level;
    p.concurrency = r->concurrency;
    team_lock(r); /* every thread's counts (the workers' are 0 after a
                     level's end: team_fold()) */
    for (i = 0; i < (r->team ? r->team->n : 1); i++) {
        const struct run *w = r->team ? r->team->runs[i] : r;

        p.done += w->done;
        p.errors += w->errors;
        p.warnings += w->warnings;
        p.cancelled += w->cut;
        p.output_tokens += w->tokens;
        p.total = p.total == SIZE_MAX || w->planned == SIZE_MAX
                      ? SIZE_MAX
                      : p.total + w->planned;
    }
    p.retried = r->res->level_retried[r->level];
    p.resent = r->res->level_resent[r->level];
    team_unlock(r);
    if (p.total == SIZE_MAX)
        p.total = 0;
    p.duration_s = r->o->level_duration_s;
    p.rate = r->rate;
    p.achieved_rate = r->res->level_achieved_rate[r->level];
    p.elapsed_s = secs(sk_collect__mono_ns() - r->level_start);
    p.level_done = level_done;
    p.interrupted = r->stopping;
    p.partial = level_done && level_cut(r);
    p.summary = summary;
    r->last_progress = sk_collect__mono_ns();
    r->o->progress(r->o->payload, &p);
}

/* The first failure of each kind (a fault category; for HTTP, each
 * status) said at once, so a failing sweep does not run silent to its
 * end; the later ones are counted. */
static void first_of_kind(struct run *r, const struct req *q)
{
    char line[sizeof(q->error) + 160], error[3 * sizeof(q->error)];
    char where[48];
    struct run *L = lead(r); /* said once for all threads */
    size_t i;

    if (!r->o->note)
        return;
    if (q->fault == SK_FAULT_HTTP) {
        for (i = 0; i < L->nstatuses; i++)
            if (L->statuses[i] == q->http_status)
                return;
        if (L->nstatuses == sizeof(L->statuses) / sizeof(L->statuses[0]))
            return;
        L->statuses[L->nstatuses++] = q->http_status;
    } else if (L->faults_said & (1u << q->fault))
        return;
    L->faults_said |= 1u << q->fault;
    sk_scrub_text(error, sizeof(error), r->scrub, q->error, strlen(q->error));
    sk_collect__level_name(where, sizeof(where), r->rate, r->concurrency);
    snprintf(line, sizeof(line),
             "first %s failure (%s, request %s): %.*s; later ones are "
             "counted in the per-query CSV",
             sk_collect_fault_name(q->fault), where, q->request_id,
             (int)(sizeof(line) - 160), error);
    r->o->note(r->o->payload, line);
}

static void record(struct run *r, struct req *q)
{
    sk_collect_result *res = r->res;
    struct run *L;

    team_lock(r);
    L = lead(r);
    r->done++;
    if (q->failed) {
        first_of_kind(r, q);
        r->errors++;
        res->errors++;
        res->faults[q->fault]++;
        res->level_errors[r->level]++;
    }
    res->queries++;
    res->level_queries[r->level]++;
    format_row(r, q);
    if (!q->failed)
        r->tokens += q->tokens;
    if (q->warning[0])
        r->warnings++;
    /* one write() a row, as the query ends: a crash loses no finished
     * query, and a full disk leaves no torn row */
    if (r->rc == 0)
        r->rc = sk_rowfile_write(&L->pq, r->row_buf, r->row_len);
    fwrite(r->row_buf, 1, r->row_len, L->level_fp);
    team_unlock(r);
}

/* ---- the loop ---------------------------------------------------------- */

/* A slot is free at `freed`: queue it to send the level's next query
 * (when one is left to issue). */
static void slot_free(struct run *r, struct req *q, int64_t freed, size_t n)
{
    /* a timed level queues no slot after its time; an open loop's does
     * while its schedule still has sends due before it */
    if (r->stopping || r->issued + r->ready_n >= n ||
        (r->deadline && freed >= r->deadline &&
         !(r->rate > 0 && r->next_send < r->deadline)))
        return;
    q->t_free = freed;
    r->ready[(r->ready_head + r->ready_n++) % r->nreqs] = q;
}

/* Share i of k = min(c, n) of `total` (SIZE_MAX: a timed level's
 * unbounded queries, each share unbounded): total / k, one more for the
 * first total mod k; *active is 0 for a share past k (a level of fewer
 * streams than shares leaves those out). */
static size_t shard_split(size_t total, size_t c, size_t i, size_t n,
                          int *active)
{
    size_t k = c < n ? c : n;

    *active = i < k;
    if (!*active)
        return 0;
    if (total == SIZE_MAX || n <= 1)
        return total;
    return total / k + (i < total % k);
}

/* This loop's share of a level of concurrency c. */
static size_t shard_share(const struct run *r, size_t total, size_t c,
                          int *active)
{
    return shard_split(total, c, r->share_i, r->share_n, active);
}

/* The id of a level's `local`-th query: share i of k runs ids i, i + k,
 * i + 2k, ... (prompts and drawn lengths follow the id, so the shares
 * together send what one loop would). */
static size_t query_id(const struct run *r, size_t local, int warmup)
{
    size_t k;

    if (r->share_n <= 1 || warmup)
        return local;
    k = r->concurrency < r->share_n ? r->concurrency : r->share_n;
    return local * k + r->share_i;
}

/* Send the next queries from free slots, at most STAGGER this turn: a
 * burst of 1,024 queries finishing at once would otherwise keep the loop
 * re-sending for ~60 ms while other streams' tokens wait to be read.  A
 * slot waiting to send is a stream the server does not serve, and a
 * token read late is only timed late, so sends go before other reads
 * (docs/performance.md, "Where the last 2% went"); the wait shows in each
 * query's send_lag_s. */
static int issue_ready(struct run *r, int warmup)
{
    int k, rc, running;

    /* a timed level sends nothing after its time: what is queued is
     * dropped, and the level drains (an open loop's schedule ends there:
     * below) */
    if (r->deadline && r->ready_n && !(r->rate > 0 && !warmup) &&
        sk_collect__mono_ns() >= r->deadline)
        r->ready_n = 0;
    for (k = 0; k < STAGGER && r->ready_n > 0; k++) {
        struct req *q = r->ready[r->ready_head];
        int64_t now = 0;

        if (r->rate > 0 && !warmup) {
            /* open loop: the next query goes at its time, not before */
            if (r->deadline && r->next_send >= r->deadline) {
                r->ready_n = 0; /* the level's schedule is over */
                break;
            }
            if ((now = sk_collect__mono_ns()) < r->next_send)
                break;
            /* its lag counts from its time: a wait for a free slot (the
             * cap in flight) shows in send_lag_s */
            q->t_sched = q->t_free = r->next_send;
            r->next_send += (int64_t)(sk_arrival_gen_next(r->gen) * 1e9);
            if (!r->first_sent)
                r->first_sent = now;
            r->last_sent = now;
        } else
            q->t_sched = 0;

        r->ready_head = (r->ready_head + 1) % r->nreqs;
        r->ready_n--;
        q->busy = 1;
        r->busy++;
        q->warmup = warmup;
        q->qid = query_id(r, r->issued++, warmup);
        q->attempt = 0;
        q->resent = 0;
        if ((rc = add(r, q)) != 0)
            return rc;
        /* written now (curl's timer says so), and the first tokens
         * of the ones before read: a turn's sends do not make those
         * wait */
        curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        if ((rc = fresh_read(r)) != 0)
            return rc;
    }
    return 0;
}

/* What the answer's Retry-After asks, in seconds (a count, or an
 * HTTP-date taken against the real-time clock to the millisecond: libcurl's
 * own CURLINFO_RETRY_AFTER rounds a date to whole seconds); -1 when it
 * has none or it cannot be read. */
static double retry_after_s(const struct req *q)
{
    struct curl_header *h = NULL;
    struct timespec now;
    const char *v;
    char *end;
    double s;
    time_t date;

    if (curl_easy_header(q->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) !=
            CURLHE_OK ||
        !h || !h->value)
        return -1;
    v = h->value;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        s = strtod(v, &end);
        return end != v ? s : -1;
    }
    if ((date = curl_getdate(v, NULL)) < 0)
        return -1;
    clock_gettime(CLOCK_REALTIME, &now);
    s = (double)date - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
    return s > 0 ? s : 0;
}

/* The wait before retry `attempt` (0 = the first): what the answer's
 * Retry-After asks, at most --timeout; else 100 ms, 200 ms, 400 ms ...
 * at most 5 s. */
static int64_t backoff_ns(const struct req *q, unsigned attempt)
{
    int64_t ms = 100LL << (attempt < 6 ? attempt : 6);
    double after = retry_after_s(q);

    if (after >= 0) {
        double s = after < q->run->o->timeout_s ? after : q->run->o->timeout_s;

        return (int64_t)((s < 1e6 ? s : 1e6) * 1e9); /* no overflow */
    }
    return (ms > 5000 ? 5000 : ms) * 1000000;
}

/* Did the request die, unanswered, on a connection kept alive from an
 * earlier query?  Servers close idle keep-alive connections (llama-server
 * after a few requests) and one sent as the server closes never reached
 * it: it is sent again at once on a new connection, once. */
static int died_on_reused(const struct req *q, CURLcode cc)
{
    long fresh = 1;

    if (q->resent || q->http_status != 0 || q->chunks != 0 ||
        !(cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR ||
          cc == CURLE_SEND_ERROR))
        return 0;
    curl_easy_getinfo(q->easy, CURLINFO_NUM_CONNECTS, &fresh);
    return fresh == 0;
}

/* Transfers that ended: settle, retry or record, and refill the slot. */
static int reap(struct run *r, size_t n, int warmup, int most)
{
    CURLMsg *m;
    int left = 0, k, rc;

    /* At most `most` a turn (REAP_MAX), so a burst of endings does not
     * keep the loop from reading (an ending's time is its last byte's,
     * taken when it was read, so a later turn does not lengthen it). */
    for (k = 0; k < most && (m = curl_multi_info_read(r->multi, &left)) != NULL;
         k++) {
        struct req *q = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
        settle(q, m->data.result);
        fresh_drop(q);
        /* end: the last byte of a complete response; for a failure, the
         * moment the failure was seen */
        q->t_end = !q->failed && q->t_last_chunk ? q->t_last_chunk
                                                 : sk_collect__mono_ns();
        /* no Server header from the identification requests: the first
         * answer of a query says it, or none does (after t_end: its
         * scrubbing is not the query's time) */
        if (!r->server_looked && q->http_status != 0 && lead(r) == r) {
            r->server_looked = 1;
            sk_collect__server_header(&r->res->server, q->easy, r->scrub);
        }
        if (q->failed && !r->stopping && died_on_reused(q, m->data.result)) {
            curl_multi_remove_handle(r->multi, q->easy);
            q->in_multi = 0;
            if (!warmup) {
                team_lock(r);
                r->res->resent++;
                r->res->level_resent[r->level]++;
                team_unlock(r);
            }
            q->resent = 1;
            /* its send lag counts the lost attempt; TTFT starts anew */
            if (add(r, q) != 0)
                return SK_EHTTP;
            continue;
        }
        if (q->failed && q->attempt < r->o->retries && retryable(q) &&
            !r->stopping) {
            curl_multi_remove_handle(r->multi, q->easy);
            q->in_multi = 0;
            if (!warmup) {
                team_lock(r);
                r->res->retried++;
                r->res->level_retried[r->level]++;
                team_unlock(r);
            }
            q->retry_at = q->t_end + backoff_ns(q, q->attempt);
            q->attempt++;
            r->waiting++;
            continue;
        }
        curl_multi_remove_handle(r->multi, q->easy);
        q->in_multi = 0;
        if (!warmup)
            record(r, q);
        else if (q->failed && warmup == WARMUP) {
            team_lock(r);
            r->res->warmup_errors++;
            team_unlock(r);
        } else if (q->failed && warmup == PROBE && !r->probe_failed) {
            r->probe_failed = 1;
            sk_scrub_text(r->probe_error, sizeof(r->probe_error), r->scrub,
                          q->error, strlen(q->error));
        }
        q->busy = 0;
        r->busy--;
        slot_free(r, q, q->t_end, n);
        if ((rc = fresh_read(r)) != 0) /* a row takes ~25 us */
            return rc;
    }
    r->msgs_left = left > 0; /* look again before sleeping */
    return 0;
}

static int retry_due(struct run *r, int64_t now, int64_t *next)
{
    size_t i;
    int rc;

    *next = 0;
    for (i = 0; r->waiting && i < r->nreqs; i++) {
        struct req *q = &r->reqs[i];

        if (!q->busy || q->in_multi || q->retry_at == 0)
            continue;
        if (q->retry_at <= now) {
            r->waiting--;
            /* the retry's send lag counts from the end of the backoff */
            q->t_free = q->retry_at;
            if ((rc = add(r, q)) != 0)
                return rc;
        } else if (*next == 0 || q->retry_at < *next) {
            *next = q->retry_at;
        }
    }
    return 0;
}

/* Stop: what has ended is recorded as it ended; a query still in flight
 * (or waiting for a retry) whose stream is complete is recorded as
 * complete.  Any other was cancelled by the stop: it is not a query the
 * server failed, so it is neither written nor counted as one (terminal,
 * sidecar, summary and `summarize` of the per-query file then agree);
 * the sidecar counts it under "cancelled". */
static void cancel_all(struct run *r, size_t n, int warmup)
{
    size_t i;

    reap(r, n, warmup, INT_MAX);
    for (i = 0; i < r->nreqs; i++) {
        struct req *q = &r->reqs[i];
        int complete =
            q->in_multi && q->ended && !q->failed && q->http_status == 200;

        if (!q->busy)
            continue;
        if (q->in_multi)
            curl_multi_remove_handle(r->multi, q->easy);
        q->in_multi = 0;
        fresh_drop(q);
        q->t_end = complete ? q->t_last_chunk : sk_collect__mono_ns();
        if (!complete) {
            q->interrupted = 1;
            if (!warmup) {
                team_lock(r);
                r->cut++;
                r->res->cancelled++;
                team_unlock(r);
            }
        } else if (!warmup) {
            record(r, q);
        }
        q->busy = 0;
    }
    r->busy = r->waiting = r->ready_n = 0;
}

/* Run n queries at concurrency c; warm-up and preflight queries (`warmup`
 * WARMUP or PREFLIGHT) are not recorded. */
/* Run a level: `n` queries (SIZE_MAX: until a timed level's end) on `c`
 * slots; its rows say concurrency `conc` (a shard's c is its share). */
static int run_level(struct run *r, size_t conc, size_t c, size_t n, int warmup)
{
    sk_ev ev[MAX_EVENTS];
    size_t i, cur = 0; /* ev[cur .. k): ready, not yet read */
    int running = 0, rc = 0, k = 0;

    r->concurrency = conc;
    r->issued = 0;
    if (!r->team) /* with threads: level_run() and team_fold() */
        level_counts_reset(r);
    r->ready_head = r->ready_n = 0;
    team_lock(r);
    r->planned = n;
    team_unlock(r);
    r->level_start = sk_collect__mono_ns();
    r->deadline = !warmup && r->o->level_duration_s > 0
                      ? r->level_start + (int64_t)(r->o->level_duration_s * 1e9)
                      : 0;
    r->next_send = r->level_start; /* an open loop's first query */
    r->first_sent = r->last_sent = 0;
    /* every slot of the level is free at its start (opening 256 new
     * connections at once would also keep the loop in connect() for
     * ~5 ms: issue_ready() spreads them too) */
    for (i = 0; i < c; i++)
        slot_free(r, &r->reqs[i], r->level_start, n);
    while (rc == 0 && r->rc == 0) {
        int64_t now, next, until;
        int64_t wait;
        int nread, open;

        if (r->o->stop && *r->o->stop && !r->stopping) {
            r->stopping = 1;
            team_lock(r);
            r->res->interrupted = 1;
            team_unlock(r);
            cancel_all(r, n, warmup);
            break;
        }
        if ((rc = issue_ready(r, warmup)) != 0 ||
            (rc = reap(r, n, warmup, REAP_MAX)) != 0)
            break;
        if (r->busy == 0 && r->ready_n == 0)
            break;
        now = sk_collect__mono_ns();
        if (!warmup && lead(r) == r && now - r->last_progress >= PROGRESS_NS)
            progress(r, 0, NULL);
        if ((rc = retry_due(r, now, &next)) != 0)
            break;
        if (r->timer_at >= 0 && r->timer_at <= now) {
            /* curl's timer is due: it sets a new one from inside */
            r->timer_at = -1;
            curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0,
                                     &running);
            now = sk_collect__mono_ns();
        }
        /* sleep until curl's timer, a retry, an open loop's next send,
         * or 200 ms (to see the stop flag promptly), whichever is first */
        until = now + 200 * 1000000LL;
        if (r->timer_at >= 0 && r->timer_at < until)
            until = r->timer_at;
        if (next && next < until)
            until = next;
        open = r->rate > 0 && !warmup && r->ready_n;
        if (open && r->next_send < until)
            until = r->next_send;
        wait = (r->ready_n && !open) || r->msgs_left || cur < (size_t)k ||
                       until <= now
                   ? 0
                   : until - now;
        /* an open loop's send: woken SEND_EARLY_NS before it (a whole
         * ms where the wait is kept only to the ms) and the rest spun,
         * so the wake-up's own lateness (timer slack, scheduling: about
         * 0.25 ms here) does not make the send late */
        if (open && wait > 0 && until == r->next_send) {
            wait = sk_evloop_precise(r->loop)
                       ? (wait > SEND_EARLY_NS ? wait - SEND_EARLY_NS : 0)
                       : wait / 1000000 * 1000000;
        }
        /* Each turn reads at most READ_MAX ready sockets (at a decode
         * step 1,024 streams' tokens arrive together, and reading them
         * all takes ~10 ms) and waits for more only when all those of
         * the last wait are read; first tokens in between: fresh_read(). */
        if (cur == (size_t)k) {
            if ((k = sk_evloop_wait(r->loop, ev, MAX_EVENTS, wait)) < 0) {
                rc = k;
                break;
            }
            cur = 0;
        }
        if ((rc = fresh_read(r)) != 0)
            break;
        for (nread = 0; cur < (size_t)k && nread < READ_MAX; cur++, nread++) {
            curl_socket_t fd = (curl_socket_t)ev[cur].data;
            int what = (ev[cur].events & SK_EV_IN ? CURL_CSELECT_IN : 0) |
                       (ev[cur].events & SK_EV_OUT ? CURL_CSELECT_OUT : 0);

            /* an error or a hang-up: curl finds it in reading or
             * writing.  It is not told CURL_CSELECT_ERR, which it takes
             * for the transfer's failure: since the wait, the socket may
             * have been closed and its number given to a new connection
             * (a resend's, with the timers curl runs at every call) */
            if (ev[cur].events & SK_EV_ERR)
                what |= CURL_CSELECT_IN | CURL_CSELECT_OUT;
            curl_multi_socket_action(r->multi, fd, what, &running);
            if (nread % FRESH_EVERY == FRESH_EVERY - 1 &&
                (rc = fresh_read(r)) != 0)
                break;
        }
    }
    return rc ? rc : r->rc;
}

/* The per-query CSV's header: the fixed columns, then the labels. */
static void per_query_header_write(FILE *fp, const sk_collect_opts *o)
{
    size_t i;

    fputs(per_query_header, fp);
    for (i = 0; sk_collect_open_loop(o) && i < NCOLS(open_query_columns); i++)
        text(fp, open_query_columns[i], strlen(open_query_columns[i]));
    for (i = 0; synthetic(o) && i < NCOLS(synth_columns); i++)
        text(fp, synth_columns[i], strlen(synth_columns[i]));
    for (i = 0; i < o->nlabels; i++)
        text(fp, o->label_names[i], strlen(o->label_names[i]));
    fputc('\n', fp);
}

/* The queries level c is to run: --queries N, N x c, or for a timed
 * level --max-queries (SIZE_MAX: no cap). */
static size_t level_queries(const sk_collect_opts *o, size_t c)
{
    if (o->level_duration_s > 0)
        return o->max_queries ? o->max_queries : SIZE_MAX;
    if (o->queries_per_conc)
        return o->queries_per_conc * c;
    return o->queries;
}

/* The summary row's planned_queries: what the level was to run.  A timed
 * level planned what it ran, unless a stop cut it short: then the queries
 * its whole time would have run at the pace it kept (at least one more
 * than it ran, so that the readers see a partial level). */
static size_t planned_row(const struct run *r)
{
    double t, d = r->o->level_duration_s;
    size_t est;

    if (!(d > 0))
        return r->planned;
    if (!level_cut(r))
        return r->done;
    t = secs(sk_collect__mono_ns() - r->level_start);
    est = t > 0 && t < d ? (size_t)ceil((double)r->done * d / t) : 0;
    if (est > r->planned)
        est = r->planned;
    return est > r->done ? est : r->done + 1;
}

/* The level's summary row, from its own per-query rows through the
 * summarize module: the same numbers `sweepkit summarize` gives for the
 * per-query file. */
static int summarize_level(struct run *r)
{
    struct sk_level *lv = NULL;
    size_t n = 0;
    int has_times, rc;
    double shown[4];
    char name[64];

    if (r->done == 0) {
        /* nothing finished at this level: no row; a stop still says so */
        if (r->stopping) {
            shown[0] = shown[1] = shown[2] = shown[3] = NAN;
            progress(r, 1, shown);
        }
        return 0;
    }
    fflush(r->level_fp);
    snprintf(name, sizeof(name), "the rows of level %zu", r->concurrency);
    rc = sk_summarize_buffer(&lv, &n, &has_times, name, r->level_buf,
                             r->level_len);
    if (rc != 0)
        return rc;
    fseeko(r->row_fp, 0, SEEK_SET);
    sk_summarize_write_row_planned(r->row_fp, &lv[0], planned_row(r),
                                   r->sum_values, r->nsum);
    fflush(r->row_fp);
    rc = sk_rowfile_write(&r->sm, r->row_buf, r->row_len);
    shown[0] = lv[0].throughput_tokens_per_s;
    shown[1] = lv[0].ttft_s[0];
    shown[2] = lv[0].decode_tps[0];
    shown[3] = lv[0].query_tps[0];
    free(lv);
    /* a level a stop ended has its row (queries < planned_queries) but
     * is not done */
    if (rc == 0 && !level_cut(r))
        r->res->levels_done++;
    progress(r, 1, shown);
    return rc;
}

/* At each level's end both files go to the disk and are checked to be
 * still the files opened: rows written to a removed file would be lost
 * without a word. */
static int level_end(struct run *r)
{
    int rc;

    if ((rc = sk_rowfile_sync(&r->pq)) != 0 ||
        (rc = sk_rowfile_sync(&r->sm)) != 0 ||
        (rc = sk_rowfile_check(&r->pq)) != 0 ||
        (rc = sk_rowfile_check(&r->sm)) != 0)
        return rc;
    return 0;
}

/* The headers of both files, each written whole. */
static int headers_write(struct run *r)
{
    const sk_collect_opts *o = r->o;
    int rc;

    fseeko(r->row_fp, 0, SEEK_SET);
    per_query_header_write(r->row_fp, o);
    fflush(r->row_fp);
    if ((rc = sk_rowfile_write(&r->pq, r->row_buf, r->row_len)) != 0)
        return rc;
    fseeko(r->row_fp, 0, SEEK_SET);
    sk_summarize_write_header_planned(r->row_fp, r->sum_names, r->nsum);
    fflush(r->row_fp);
    return sk_rowfile_write(&r->sm, r->row_buf, r->row_len);
}

static int level_buffer_reset(struct run *r)
{
    if (r->level_fp)
        fclose(r->level_fp);
    free(r->level_buf);
    r->level_buf = NULL;
    r->level_len = 0;
    if (!(r->level_fp = open_memstream(&r->level_buf, &r->level_len)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    per_query_header_write(r->level_fp, r->o);
    return 0;
}

/* Is `name` a column of the per-query or the summary CSV? */
static int in_list(const char *name, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static int fixed_column(const char *name)
{
    const char *p = per_query_header;
    size_t n = strlen(name), i;

    for (;;) {
        size_t k = strcspn(p, ",");

        if (k == n && memcmp(p, name, n) == 0)
            return 1;
        if (!p[k])
            break;
        p += k + 1;
    }
    for (i = 0; i < SK_SWEEP_NCOLUMNS; i++)
        if (strcmp(name, sk_sweep_columns[i]) == 0)
            return 1;
    for (i = 0; i < SK_SUMMARIZE_NEXTRA; i++)
        if (strcmp(name, sk_summarize_extra_columns[i]) == 0)
            return 1;
    return strcmp(name, SK_SWEEP_PLANNED) == 0 ||
           in_list(name, open_query_columns, NCOLS(open_query_columns)) ||
           in_list(name, open_summary_columns, NCOLS(open_summary_columns)) ||
           in_list(name, synth_columns, NCOLS(synth_columns)) ||
           in_list(name, gauge_columns, NCOLS(gauge_columns));
}

int sk_collect_check(const sk_collect_opts *o)
{
    size_t i, j;

    if (!o->nurls || o->nurls > SK_COLLECT_MAX_URLS)
        return sk_error_set(SK_EINVAL, "--url: give 1 to %d URLs",
                            SK_COLLECT_MAX_URLS);
    if (!o->nlevels || o->nlevels > SK_COLLECT_MAX_LEVELS)
        return sk_error_set(SK_EINVAL,
                            "--concurrency-levels: give 1 to %d levels",
                            SK_COLLECT_MAX_LEVELS);
    for (i = 0; i < o->nlevels; i++)
        if (o->levels[i] < 1 || o->levels[i] > SK_COLLECT_MAX_CONCURRENCY)
            return sk_error_set(SK_EINVAL,
                                "--concurrency-levels: %zu is outside 1 to "
                                "%d",
                                o->levels[i], SK_COLLECT_MAX_CONCURRENCY);
    if (o->scrape_url && !(o->scrape_interval_s >= 0.01))
        return sk_error_set(SK_EINVAL, "--scrape-interval: expected at "
                                       "least 10ms");
    if (o->rates && (!o->nrates || o->nrates > SK_COLLECT_MAX_LEVELS))
        return sk_error_set(SK_EINVAL, "--rate: give 1 to %d rates",
                            SK_COLLECT_MAX_LEVELS);
    for (i = 0; o->rates && i < o->nrates; i++)
        if (!(o->rates[i] >= 0.001 && o->rates[i] <= 1e6))
            return sk_error_set(SK_EINVAL,
                                "--rate: %g is outside 0.001 to 1000000 "
                                "requests/s",
                                o->rates[i]);
    if (o->rate_sweep && (o->rates || o->rate_sweep < 2 ||
                          o->rate_sweep > SK_COLLECT_MAX_LEVELS))
        return sk_error_set(SK_EINVAL,
                            "--rate-sweep: expected 2 to %d rates, and no "
                            "--rate",
                            SK_COLLECT_MAX_LEVELS);
    if (sk_collect_open_loop(o) && o->queries_per_conc)
        return sk_error_set(SK_EINVAL,
                            "--queries Nx: an open loop (--rate) has no "
                            "concurrency to multiply; give --queries N or "
                            "--level-duration");
    if (o->max_concurrency && !sk_collect_open_loop(o))
        return sk_error_set(SK_EINVAL, "--max-concurrency: caps an open "
                                       "loop; give --rate too");
    if (o->max_concurrency > SK_COLLECT_MAX_CONCURRENCY)
        return sk_error_set(SK_EINVAL, "--max-concurrency: at most %d",
                            SK_COLLECT_MAX_CONCURRENCY);
    if (o->queries < 1 && !o->queries_per_conc && !(o->level_duration_s > 0))
        return sk_error_set(SK_EINVAL, "--queries: expected at least 1");
    if (o->max_queries && !(o->level_duration_s > 0))
        return sk_error_set(SK_EINVAL, "--max-queries: caps a timed level; "
                                       "give --level-duration too");
    if (o->queries_per_conc && o->level_duration_s > 0)
        return sk_error_set(SK_EINVAL, "--queries Nx and --level-duration: "
                                       "give one of the two");
    if (o->max_tokens < 1)
        return sk_error_set(SK_EINVAL, "--max-tokens: expected at least 1");
    if (!(o->timeout_s >= 0.001))
        return sk_error_set(SK_EINVAL, "--timeout: expected at least 1ms");
    if (o->model) {
        json_t *m = json_string(o->model);

        json_decref(m);
        if (!m)
            return sk_error_set(SK_EINVAL, "--model: not valid UTF-8");
    }
    if (o->extra_body) {
        json_error_t jerr;
        json_t *extra = json_loads(o->extra_body, 0, &jerr);
        int object = json_is_object(extra);

        json_decref(extra);
        if (!extra)
            return sk_error_set(SK_EINVAL,
                                "--extra-body: not valid JSON: %s (column "
                                "%d)",
                                jerr.text, jerr.column);
        if (!object)
            return sk_error_set(SK_EINVAL,
                                "--extra-body: expected a JSON object");
    }
    if (o->shards && (o->shard < 1 || o->shard > o->shards ||
                      o->shards > SK_COLLECT_MAX_SHARDS))
        return sk_error_set(SK_EINVAL,
                            "--shard: expected I/N with 1 <= I "
                            "<= N <= %d",
                            SK_COLLECT_MAX_SHARDS);
    if (o->shards && sk_collect_open_loop(o))
        return sk_error_set(SK_EINVAL,
                            "--shard: an open loop (--rate, --rate-sweep) "
                            "is not split across shards; give each process "
                            "its own --rate, or shard a closed loop");
    if (o->threads > SK_COLLECT_MAX_THREADS)
        return sk_error_set(SK_EINVAL, "--threads: at most %d",
                            SK_COLLECT_MAX_THREADS);
    if (o->threads > 1 && sk_collect_open_loop(o))
        return sk_error_set(SK_EINVAL,
                            "--threads: an open loop (--rate, --rate-sweep) "
                            "runs on one thread; give --threads 1, or shard "
                            "a closed loop");
    if (o->shards && !(o->start_at > 0))
        return sk_error_set(SK_EINVAL,
                            "--shard: give every shard the same --start-at "
                            "(for example $(date -d '+30 sec' +%%s)), so "
                            "that their levels run together");
    if (o->start_at > 0 && o->start_at < (double)time(NULL))
        return sk_error_set(SK_EINVAL,
                            "--start-at: %.0f s in the past; give a time "
                            "every shard reaches after its set-up (for "
                            "example $(date -d '+30 sec' +%%s))",
                            (double)time(NULL) - o->start_at);
    if (o->start_at > 0 && o->nlevels > 1 && !(o->level_period_s > 0))
        return sk_error_set(SK_EINVAL,
                            "--start-at: with more than one level, give "
                            "--level-period S too (level i starts i x S "
                            "after the start, on every shard)");
    if (o->level_period_s > 0 && !(o->start_at > 0))
        return sk_error_set(SK_EINVAL, "--level-period: paces levels from "
                                       "a --start-at; give --start-at too");
    if (o->nlabels > SK_COLLECT_MAX_LABELS)
        return sk_error_set(SK_EINVAL, "--label: more than %d labels",
                            SK_COLLECT_MAX_LABELS);
    for (i = 0; i < o->nlabels; i++) {
        if (fixed_column(o->label_names[i]))
            return sk_error_set(SK_EINVAL,
                                "--label %s: '%s' is a column of the CSVs "
                                "already; pick another name",
                                o->label_names[i], o->label_names[i]);
        for (j = 0; j < i; j++)
            if (strcmp(o->label_names[i], o->label_names[j]) == 0)
                return sk_error_set(SK_EINVAL, "--label %s: given twice",
                                    o->label_names[i]);
    }
    return 0;
}

/* The header lines every request carries, built once. */
static int shared_headers(struct run *r)
{
    const sk_collect_opts *o = r->o;
    struct curl_slist *l;
    size_t j;

    if (!(l = curl_slist_append(NULL, "Content-Type: application/json")))
        return sk_error_set(SK_ENOMEM, "out of memory");
    r->headers = l; /* freed by dispose() from here on */
    if (!curl_slist_append(l, "Accept: text/event-stream") ||
        !curl_slist_append(l, "Expect:"))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (j = 0; j < o->nheaders; j++)
        if (!curl_slist_append(l, o->headers[j]))
            return sk_error_set(SK_ENOMEM, "out of memory");
    if (o->api_key) {
        size_t n = strlen(o->api_key) + 32;
        char *auth = malloc(n);
        int ok;

        if (!auth)
            return sk_error_set(SK_ENOMEM, "out of memory");
        snprintf(auth, n, "Authorization: Bearer %s", o->api_key);
        ok = curl_slist_append(l, auth) != NULL;
        memset(auth, 0, n);
        free(auth);
        if (!ok)
            return sk_error_set(SK_ENOMEM, "out of memory");
    }
    return 0;
}

static int setup_slots(struct run *r, size_t slots)
{
    const sk_collect_opts *o = r->o;
    size_t i;
    int rc;

    r->nreqs = slots;
    if (!(r->reqs = calloc(slots, sizeof(*r->reqs))) ||
        !(r->ready = calloc(slots, sizeof(*r->ready))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((rc = shared_headers(r)) != 0)
        return rc;
    for (i = 0; i < slots; i++) {
        struct req *q = &r->reqs[i];

        q->run = r;
        q->fresh_fd = -1;
        q->gap_cap = (size_t)o->max_tokens * 2 + 64;
        if (!(q->easy = curl_easy_init()) || !(q->sse_buf = malloc(SSE_CAP)) ||
            !(q->gaps = malloc(q->gap_cap * sizeof(double))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        /* this slot's X-Request-Id line, then the shared lines */
        q->id_node.data = q->id_line;
        q->id_node.next = r->headers;

        curl_easy_setopt(q->easy, CURLOPT_PRIVATE, (char *)q);
        curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, &q->id_node);
        curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, q);
        curl_easy_setopt(q->easy, CURLOPT_PREREQFUNCTION, on_prereq);
        curl_easy_setopt(q->easy, CURLOPT_PREREQDATA, q);
        curl_easy_setopt(q->easy, CURLOPT_ERRORBUFFER, q->errbuf);
        curl_easy_setopt(q->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(q->easy, CURLOPT_HTTP_VERSION,
                         (long)CURL_HTTP_VERSION_1_1);
        /* --timeout is at least 1 ms (sk_collect_check) */
        curl_easy_setopt(q->easy, CURLOPT_TIMEOUT_MS,
                         (long)ceil(o->timeout_s * 1000));
        curl_easy_setopt(q->easy, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)ceil(o->timeout_s * 1000));
        curl_easy_setopt(q->easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(q->easy, CURLOPT_USERAGENT, "sweepkit-collect");
        /* no proxy from the environment: a sweep measures the server */
        curl_easy_setopt(q->easy, CURLOPT_NOPROXY, "*");
    }
    return 0;
}

/* What the scrape has to warn of, said. */
static void scrape_warnings(struct run *r)
{
    char w[640], line[700];

    while (r->o->note && sk_collect__scrape_warning(r->scrape, w, sizeof(w))) {
        snprintf(line, sizeof(line), "warning: %s", w);
        r->o->note(r->o->payload, line);
    }
}

static void dispose(struct run *r)
{
    size_t i;

    for (i = 0; r->reqs && i < r->nreqs; i++) {
        struct req *q = &r->reqs[i];

        if (q->in_multi)
            curl_multi_remove_handle(r->multi, q->easy);
        curl_easy_cleanup(q->easy);
        free(q->sse_buf);
        free(q->gaps);
        free(q->body);
        free(q->text);
    }
    free(r->reqs);
    free(r->ready);
    curl_slist_free_all(r->headers);
    for (i = 0; r->urls && i < r->o->nurls; i++)
        free(r->urls[i]);
    free(r->urls);
    for (i = 0; r->bodies && i < sk_prompts_count(r->o->prompts); i++)
        free(r->bodies[i]);
    free(r->bodies);
    if (r->multi)
        curl_multi_cleanup(r->multi);
    sk_evloop_free(r->loop);
    sk_evloop_free(r->fresh);
    if (r->level_fp)
        fclose(r->level_fp);
    free(r->level_buf);
    if (r->row_fp)
        fclose(r->row_fp);
    free(r->row_buf);
    if (r->scrape) {
        size_t counts[3];

        scrape_warnings(r); /* what came after the last level's end */
        sk_collect__scrape_stop(r->scrape, counts);
        r->res->scrapes = counts[0];
        r->res->scrape_failures = counts[1];
        r->res->scrape_bad_lines = counts[2];
        r->scrape = NULL;
    }
    sk_scrub_free(r->scrub);
    sk_arrival_gen_free(r->gen);
    json_decref(r->extra);
}

/* The summary's columns after planned_queries and the cells they take
 * their text from: an open loop's rates, the scrape's gauges, the
 * labels. */
static void summary_columns(struct run *r)
{
    const sk_collect_opts *o = r->o;
    const char *open_cells[NCOLS(open_summary_columns)];
    size_t i;

    open_cells[0] = r->rate_text;
    open_cells[1] = r->achieved_text;
    for (i = 0; sk_collect_open_loop(o) && i < NCOLS(open_summary_columns);
         i++) {
        r->sum_names[r->nsum] = open_summary_columns[i];
        r->sum_values[r->nsum++] = open_cells[i];
    }
    for (i = 0; o->scrape_url && i < NCOLS(gauge_columns); i++) {
        r->sum_names[r->nsum] = gauge_columns[i];
        r->sum_values[r->nsum++] = r->gauge_text[i];
    }
    for (i = 0; i < o->nlabels && i < SK_COLLECT_MAX_LABELS; i++) {
        r->sum_names[r->nsum] = o->label_names[i];
        r->sum_values[r->nsum++] = o->label_values[i];
    }
}

/* One request of the first prompt to each URL before anything is
 * measured: when one fails, the run stops with what went wrong and what
 * to do. */
static int preflight(struct run *r)
{
    struct req *q = &r->reqs[0];
    sk_collect_failure f;
    char body[3 * EXCERPT_MAX + 4], msg[2048], error[3 * sizeof(q->error)];
    int rc = 0;
    size_t u;

    for (u = 0; u < r->o->nurls && rc == 0 && !r->stopping; u++) {
        r->preflight_url = u;
        if ((rc = run_level(r, 1, 1, 1, PREFLIGHT)) == 0 && q->failed)
            break;
    }
    if (rc != 0 || r->stopping || !q->failed)
        return rc;
    q->excerpt[q->excerpt_len] = '\0';
    sk_scrub_text(body, sizeof(body), r->scrub, q->excerpt, q->excerpt_len);
    sk_scrub_text(error, sizeof(error), r->scrub, q->error, strlen(q->error));
    memset(&f, 0, sizeof(f));
    f.base = r->o->urls[u];
    f.endpoint = r->urls[u];
    f.fault = q->fault;
    f.curl_code = q->cc;
    f.http_status = q->http_status;
    f.error = error;
    f.body = body;
    sk_collect_diagnose(msg, sizeof(msg), &f, r->o, &r->res->server);
    return sk_error_set(SK_EHTTP, "%s", msg);
}

size_t sk_collect_open_cap(const sk_collect_opts *o)
{
    size_t n = o->level_duration_s > 0 ? o->max_queries : o->queries;

    if (o->max_concurrency)
        return o->max_concurrency;
    return n && n < SK_COLLECT_OPEN_CAP ? n : SK_COLLECT_OPEN_CAP;
}

/* The level's gauges into the summary's cells, and what the scrape has
 * to warn of, said. */
static void scrape_level_end(struct run *r)
{
    double mean[SK_SCRAPE_GAUGES], max[SK_SCRAPE_GAUGES];
    double v[NCOLS(gauge_columns)];
    size_t k;

    if (!r->scrape)
        return;
    sk_collect__scrape_gauges(r->scrape, mean, max);
    sk_collect__scrape_level(r->scrape, -1, 0);
    v[0] = mean[SK_SCRAPE_RUNNING];
    v[1] = mean[SK_SCRAPE_WAITING];
    v[2] = max[SK_SCRAPE_WAITING];
    v[3] = mean[SK_SCRAPE_KV];
    for (k = 0; k < NCOLS(gauge_columns); k++)
        if (isfinite(v[k]))
            snprintf(r->gauge_text[k], sizeof(r->gauge_text[k]), "%.6g", v[k]);
        else
            r->gauge_text[k][0] = '\0';
    scrape_warnings(r);
}

/*
 * --input-tokens against a server that counts its own tokens: two
 * requests (not recorded, one output token each) with prompts of 64 and
 * 1,024 words after a prefix of the queries' shape, and the server's
 * usage.prompt_tokens of each: tokens per word, and the tokens of the
 * rest (prefix, chat template).  llama.cpp's /completion takes token ids
 * instead: nothing to calibrate.
 */
static int calibrate(struct run *r)
{
    static const size_t w[2] = {64, 1024};
    const sk_collect_opts *o = r->o;
    struct req *q = &r->reqs[0];
    long long got[2];
    char prefix[64], *text, *body;
    size_t len, i;
    int rc = 0;

    if (!(o->input_tokens > 0) || o->api == SK_API_LLAMACPP)
        return 0;
    for (i = 0; i < 2 && rc == 0; i++) {
        synth_prefix(prefix, sizeof(prefix), r, PREFLIGHT, 0, i);
        if (!(text = sk_collect__synth_text(w[i], prefix, &len)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        body = make_body(o, text, len, NULL, 1, 0, r->extra);
        free(text);
        if (!body)
            return sk_error_set(SK_ENOMEM, "out of memory");
        r->override = body;
        r->preflight_url = 0;
        rc = run_level(r, 1, 1, 1, PREFLIGHT);
        r->override = NULL;
        free(body);
        if (rc != 0 || r->stopping)
            return rc;
        got[i] = q->failed ? -1 : q->prompt_tokens;
        if (got[i] < 1)
            return sk_error_set(
                SK_EHTTP,
                "--input-tokens: the calibration request %s; a server that "
                "reports usage.prompt_tokens is needed to size prompts "
                "(or --api llamacpp, which sends token ids)",
                q->failed ? "failed" : "got no usage.prompt_tokens back");
    }
    r->tpw = (double)(got[1] - got[0]) / (double)(w[1] - w[0]);
    if (!(r->tpw > 0))
        return sk_error_set(SK_EHTTP,
                            "--input-tokens: the server counted %lld and "
                            "%lld prompt tokens for 64 and 1024 words: no "
                            "length to calibrate",
                            got[0], got[1]);
    r->overhead = (double)got[0] - r->tpw * (double)w[0];
    return 0;
}

/* An open-loop level r->level begins: its rate (the summary's cell) and
 * its schedule's generator, seeded with seed + level. */
static int open_level_begin(struct run *r)
{
    r->rate = r->res->rates[r->level];
    snprintf(r->rate_text, sizeof(r->rate_text), "%g", r->rate);
    sk_arrival_gen_free(r->gen);
    r->gen = NULL;
    return sk_arrival_gen_new(&r->gen, &r->o->arrival, r->rate,
                              r->o->seed + r->level);
}

/* ... and ends: the rate its sends kept, the level's sends less one
 * over the time from its first send to its last (empty: fewer than 2). */
static void open_level_end(struct run *r)
{
    double a =
        r->issued >= 2 && r->last_sent > r->first_sent
            ? (double)(r->issued - 1) / secs(r->last_sent - r->first_sent)
            : NAN;

    r->res->level_achieved_rate[r->level] = a;
    if (isfinite(a))
        snprintf(r->achieved_text, sizeof(r->achieved_text), "%.6g", a);
    else
        r->achieved_text[0] = '\0';
}

int sk_collect_open_loop(const sk_collect_opts *o)
{
    return o->rates != NULL || o->rate_sweep > 0;
}

/*
 * --rate-sweep N (GuideLLM's sweep profile): two probes, not recorded,
 * of the level's queries, one at a time (the synchronous rate) and with
 * the cap in flight (the saturated rate), each rate its queries over its
 * time; then N rates evenly spaced above the first up to the second.
 */
static int rate_sweep(struct run *r)
{
    const sk_collect_opts *o = r->o;
    size_t cap = sk_collect_open_cap(o), c[2] = {1, cap}, n, k;
    /* a timed level's probes: --max-queries, else twice the cap (and at
     * most 32 one at a time) */
    size_t want = o->level_duration_s > 0
                      ? (o->max_queries ? o->max_queries : 2 * cap)
                      : o->queries;
    double rate[2];
    char line[600];
    int at = 0, rc;

    for (k = 0; k < 2; k++) {
        int64_t t;

        n = want > c[k] ? want : c[k];
        if (k == 0 && o->level_duration_s > 0 && !o->max_queries && n > 32)
            n = 32;
        t = sk_collect__mono_ns();
        if ((rc = run_level(r, c[k], c[k], n, PROBE)) != 0 || r->stopping)
            return rc;
        rate[k] = (double)n / secs(sk_collect__mono_ns() - t);
        if (r->probe_failed)
            return sk_error_set(SK_EHTTP,
                                "--rate-sweep: a probe request failed (%s); "
                                "no rates to sweep",
                                r->probe_error);
    }
    if (!(rate[1] > rate[0] * 1.01))
        rate[1] = rate[0] * 1.01; /* a server that does not batch */
    for (k = 0; k < o->rate_sweep; k++) {
        /* three significant digits: rates a reader can name */
        char t[32];

        snprintf(t, sizeof(t), "%.3g",
                 rate[0] + (rate[1] - rate[0]) * (double)(k + 1) /
                               (double)o->rate_sweep);
        r->res->rates[k] = strtod(t, NULL);
    }
    r->res->nrates = o->rate_sweep;
    r->res->sync_rate = rate[0];
    r->res->max_rate = rate[1];
    at = snprintf(line, sizeof(line),
                  "rate sweep: %.3g/s one at a time, %.3g/s with %zu in "
                  "flight; rates",
                  rate[0], rate[1], cap);
    for (k = 0; k < o->rate_sweep && at > 0 && (size_t)at < sizeof(line); k++)
        at += snprintf(line + at, sizeof(line) - (size_t)at, "%s %.3g",
                       k ? "," : "", r->res->rates[k]);
    if (o->note)
        o->note(o->payload, line);
    return 0;
}

/* --start-at's time on this machine's monotonic clock: the run's time 0,
 * shared by every shard. */
static int64_t shared_t0(const sk_collect_opts *o)
{
    struct timespec rt;
    int64_t now = sk_collect__mono_ns();

    clock_gettime(CLOCK_REALTIME, &rt);
    return now + (int64_t)((o->start_at - (double)rt.tv_sec -
                            (double)rt.tv_nsec / 1e9) *
                           1e9);
}

/* Wait for level i's slot, start_at + i x level_period_s, watching the
 * stop flag.  A level that begins late (the one before ran over its
 * period) is said; a shard whose set-up (preflight, warmup) ended after
 * the start cannot join the others' first level: an error. */
static int level_slot(struct run *r, size_t i)
{
    const sk_collect_opts *o = r->o;
    int64_t at = r->t0 + (int64_t)((double)i * o->level_period_s * 1e9);

    for (;;) {
        int64_t now = sk_collect__mono_ns(), w = at - now;
        struct timespec ts;

        if (o->stop && *o->stop) {
            r->stopping = 1;
            r->res->interrupted = 1;
            return 0;
        }
        if (i == 0 && w < -(int64_t)10000000)
            return sk_error_set(SK_EINVAL,
                                "--start-at: the start passed %.3f s before "
                                "this process was ready (its preflight and "
                                "warmup ran till then); give a later time",
                                secs(-w));
        if (w <= 0) {
            if (w < -(int64_t)10000000 && o->note) {
                char line[256];

                snprintf(line, sizeof(line),
                         "level %zu began %.3f s after its slot: the one "
                         "before ran over --level-period %g s, so the "
                         "shards' levels overlap; give a longer period",
                         i + 1, secs(-w), o->level_period_s);
                o->note(o->payload, line);
            }
            return 0;
        }
        if (w > 200000000)
            w = 200000000;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)w;
        nanosleep(&ts, NULL);
    }
}

/* libcurl's multi handle, the readiness loop, the slots and the
 * request bodies of one loop (one per thread). */
static int run_init(struct run *r, size_t slots)
{
    int rc;

    if ((rc = prepare(r)) != 0 || (rc = setup_slots(r, slots)) != 0 ||
        (rc = sk_evloop_new(&r->loop)) != 0 ||
        (rc = sk_evloop_new(&r->fresh)) != 0)
        return rc;
    if (!(r->multi = curl_multi_init()) ||
        !(r->row_fp = open_memstream(&r->row_buf, &r->row_len)))
        return sk_error_set(SK_ENOMEM, "out of memory setting up libcurl");
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
    /* keep a connection per slot alive between queries and levels */
    curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, (long)slots + 16);
    curl_multi_setopt(r->multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
    return 0;
}

/* The highest concurrency of the run: its levels', or an open loop's
 * cap. */
static size_t max_level(const sk_collect_opts *o)
{
    size_t i, m = 1;

    if (sk_collect_open_loop(o))
        return sk_collect_open_cap(o);
    for (i = 0; i < o->nlevels; i++)
        if (o->levels[i] > m)
            m = o->levels[i];
    return m;
}

/* The warm-up's concurrency: at most the highest level at once, so that
 * `--warmup` that level opens every connection the sweep will use. */
static size_t warmup_level(const sk_collect_opts *o)
{
    return o->warmup < max_level(o) ? o->warmup : max_level(o);
}

/* The slots this loop needs: its largest share of a level or of the
 * warm-up (split between the threads only: each shard warms up). */
static size_t slots_needed(const struct run *r)
{
    const sk_collect_opts *o = r->o;
    size_t i, m = 1, k, w = warmup_level(o);
    int active;

    if (sk_collect_open_loop(o))
        return max_level(o);
    for (i = 0; i < o->nlevels; i++)
        if ((k = shard_share(r, o->levels[i], o->levels[i], &active)) > m)
            m = k;
    k = shard_split(w, w, r->thread_i, r->nthreads, &active);
    return k > m ? k : m;
}

/* Run this loop's share of a level (of the warm-up: split between the
 * threads only); a failure's message is kept for the leader. */
static int share_run(struct run *r, size_t conc, size_t total, int warmup)
{
    size_t i = warmup ? r->thread_i : r->share_i,
           k = warmup ? r->nthreads : r->share_n, c, n;
    int active, rc;

    c = shard_split(conc, conc, i, k, &active);
    n = shard_split(total, conc, i, k, &active);
    if (!active) { /* a level of fewer streams than loops */
        r->concurrency = conc;
        team_lock(r);
        r->planned = 0;
        team_unlock(r);
        return 0;
    }
    if ((rc = run_level(r, conc, c, n, warmup)) != 0) {
        r->level_rc = rc;
        snprintf(r->level_msg, sizeof(r->level_msg), "%s", sk_error_last());
    }
    return rc;
}

/* The workers' counts of the level added into the leader's (they wait at
 * the next start), theirs zeroed; the first failure returned, with its
 * message. */
static int team_fold(struct run *r)
{
    struct team *t = r->team;
    size_t i;
    int rc = 0;

    for (i = 0; i < t->n; i++) {
        struct run *w = t->runs[i];

        if (w->level_rc && !rc)
            rc = sk_error_set(w->level_rc, "%s", w->level_msg);
        w->level_rc = 0;
        if (i == 0)
            continue;
        r->done += w->done;
        r->errors += w->errors;
        r->warnings += w->warnings;
        r->cut += w->cut;
        r->tokens += w->tokens;
        r->issued += w->issued;
        r->planned = r->planned == SIZE_MAX || w->planned == SIZE_MAX
                         ? SIZE_MAX
                         : r->planned + w->planned;
        r->stopping |= w->stopping;
        level_counts_reset(w);
        w->issued = w->planned = 0;
    }
    return rc;
}

/* A level (or the warm-up) on every loop: each its share; then the
 * counts of all in the leader's run. */
static int level_run(struct run *r, size_t conc, size_t total, int warmup)
{
    struct team *t = r->team;

    if (!t)
        return share_run(r, conc, total, warmup);
    t->go = 1;
    t->level = r->level;
    t->sent_before = r->sent_before;
    t->conc = conc;
    t->total = total;
    t->warmup = warmup;
    level_counts_reset(r);
    pthread_barrier_wait(&t->start);
    share_run(r, conc, total, warmup);
    pthread_barrier_wait(&t->end);
    return team_fold(r);
}

static void *worker_main(void *arg)
{
    struct run *w = arg;
    struct team *t = w->team;
    int launch;

    pthread_mutex_lock(&t->mu);
    while ((launch = t->launch) == 0)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
    if (launch < 0)
        return NULL;
    for (;;) {
        pthread_barrier_wait(&t->start);
        if (!t->go)
            break;
        w->level = t->level;
        w->sent_before = t->sent_before;
        share_run(w, t->conc, t->total, t->warmup);
        pthread_barrier_wait(&t->end);
    }
    return NULL;
}

/* The workers leave (they wait at the start barrier) and are freed. */
static void team_stop(struct run *r)
{
    struct team *t = r->team;
    size_t i;

    if (!t)
        return;
    if (t->launch > 0) {
        t->go = 0;
        pthread_barrier_wait(&t->start);
    }
    for (i = 1; i <= t->created; i++)
        pthread_join(t->tids[i], NULL);
    for (i = 1; i < t->n; i++)
        if (t->runs[i]) {
            dispose(t->runs[i]);
            free(t->runs[i]);
        }
    pthread_barrier_destroy(&t->start);
    pthread_barrier_destroy(&t->end);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t->runs);
    free(t->tids);
    free(t);
    r->team = NULL;
}

/* --threads N: N - 1 more loops, set up like the leader's and started on
 * threads of their own, waiting for the first phase. */
static int team_start(struct run *r)
{
    size_t n = r->nthreads, i;
    struct team *t = calloc(1, sizeof(*t));
    int rc;

    if (!t || !(t->runs = calloc(n, sizeof(*t->runs))) ||
        !(t->tids = calloc(n, sizeof(*t->tids)))) {
        if (t)
            free(t->runs);
        free(t);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    pthread_barrier_init(&t->start, NULL, (unsigned)n);
    pthread_barrier_init(&t->end, NULL, (unsigned)n);
    t->n = n;
    t->runs[0] = r;
    r->team = t;
    for (i = 1; i < n; i++) {
        struct run *w = calloc(1, sizeof(*w));

        if (!(t->runs[i] = w))
            return sk_error_set(SK_ENOMEM, "out of memory");
        w->o = r->o;
        w->res = r->res;
        w->timer_at = -1;
        w->t0 = r->t0;
        w->tag = r->tag + (unsigned)i;
        w->tpw = r->tpw;
        w->overhead = r->overhead;
        w->thread_i = i;
        w->nthreads = n;
        w->share_i = r->share_i + i;
        w->share_n = r->share_n;
        w->team = t;
        if ((rc = run_init(w, slots_needed(w))) != 0)
            return rc;
    }
    for (i = 1; i < n; i++) {
        if (pthread_create(&t->tids[i], NULL, worker_main, t->runs[i]) != 0)
            break;
        t->created = i;
    }
    /* the barriers count n threads: all there, or none goes on */
    pthread_mutex_lock(&t->mu);
    t->launch = i == n ? 1 : -1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (i < n)
        return sk_error_set(SK_EIO,
                            "--threads: cannot start thread %zu "
                            "of %zu",
                            i + 1, n);
    return 0;
}

int sk_collect_run(sk_collect_result *out, const sk_collect_opts *o)
{
    struct run r;
    size_t i, all_failed = 0;
    int open = sk_collect_open_loop(o);
    size_t nlev = o->rate_sweep ? o->rate_sweep
                  : o->rates    ? o->nrates
                                : o->nlevels;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.res = out;
    r.timer_at = -1;
    r.nthreads = o->threads > 1 ? o->threads : 1;
    r.share_n = (o->shards ? o->shards : 1) * r.nthreads;
    r.share_i = o->shards ? (o->shard - 1) * r.nthreads : 0;
    assert(o->prompts && o->per_query_name && o->summary_name);
    if ((rc = sk_collect_check(o)) != 0 ||
        (rc = sk_rowfile_open(&r.pq, o->per_query_fd, o->per_query_name)) !=
            0 ||
        (rc = sk_rowfile_open(&r.sm, o->summary_fd, o->summary_name)) != 0)
        return rc;
    for (i = 0; o->rates && i < o->nrates; i++)
        out->rates[out->nrates++] = o->rates[i];
    summary_columns(&r);
    if ((rc = run_init(&r, slots_needed(&r))) != 0 ||
        (rc = headers_write(&r)) != 0)
        goto done;
    if (o->wait_ready_s > 0 && (rc = sk_collect__wait_ready(o, r.headers)) != 0)
        goto done;
    /* who the server is, before anything is timed */
    if (!(o->stop && *o->stop))
        sk_collect__identify(&out->server, o, r.scrub);
    r.t0 = o->start_at > 0 ? shared_t0(o) : sk_collect__mono_ns();
    r.tag = (unsigned)getpid() ^ (unsigned)(r.t0 / 1000);
    if (!o->no_preflight && !(o->stop && *o->stop) && (rc = preflight(&r)) != 0)
        goto done;
    if (!(o->stop && *o->stop) && (rc = calibrate(&r)) != 0)
        goto done;
    if (o->scrape_url &&
        (rc = sk_collect__scrape_start(&r.scrape, o, r.t0)) != 0)
        goto done;
    if (r.nthreads > 1 && (rc = team_start(&r)) != 0)
        goto done;
    if (o->warmup &&
        (rc = level_run(&r, warmup_level(o), o->warmup, WARMUP)) != 0)
        goto done;
    if (o->rate_sweep && (rc = rate_sweep(&r)) != 0)
        goto done;
    for (i = 0; i < nlev && !r.stopping; i++) {
        size_t c = open ? sk_collect_open_cap(o) : o->levels[i];
        int active;

        r.level = i;
        if (o->start_at > 0 && (rc = level_slot(&r, i)) != 0)
            goto done;
        if (r.stopping)
            break;
        /* a shard left out of a level (fewer streams than shards) waits
         * it out: no rows, no summary row */
        shard_share(&r, c, c, &active);
        if (!active) {
            r.res->levels_done++;
            continue;
        }
        if (open && (rc = open_level_begin(&r)) != 0)
            goto done;
        sk_collect__scrape_level(r.scrape, (long)i, c);
        if ((rc = level_buffer_reset(&r)) != 0 ||
            (rc = level_run(&r, c, level_queries(o, c), 0)) != 0)
            goto done;
        scrape_level_end(&r);
        if (open)
            open_level_end(&r);
        if ((rc = summarize_level(&r)) != 0 || (rc = level_end(&r)) != 0)
            goto done;
        r.sent_before += r.issued;
        if (r.done && r.errors == r.done && ++all_failed == 2) {
            out->gave_up = 1;
            break;
        }
    }
done:
    team_stop(&r);
    dispose(&r);
    return rc;
}
