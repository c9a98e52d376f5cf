/*
 * sweepkit serve-sim: an HTTP server shaped like vLLM's OpenAI API and
 * llama.cpp's native /completion whose speed follows the batch-slot model
 * in sweepkit/sim.h, so a collector can be checked against known numbers
 * (docs/serve-sim.md).
 *
 * One thread: epoll over edge-triggered non-blocking sockets, a timerfd
 * armed (absolute, CLOCK_MONOTONIC) at the model's next event, a signalfd
 * for SIGINT/SIGTERM.  The model's virtual clock is the monotonic clock
 * minus the start time, so tokens are written when the model says, and a
 * late wake-up makes them late without shifting the schedule.
 *
 * Per connection: an HTTP parser, an output buffer (4 KiB, growing to a
 * 1 MiB cap; past it the client is dropped as too slow) and the state of
 * its one request, all reused across keep-alive requests and across
 * connections (a pool).  The per-token path copies preformatted pieces
 * into the output buffer: no allocation, no JSON library.
 */
#include "cli.h"

#include "sweepkit/error.h"
#include "sweepkit/http.h"
#include "sweepkit/sim.h"
#include "sweepkit/units.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF 65536
#define OUT_INIT 4096
#define OUT_MAX ((size_t)1 << 20) /* per-connection output cap */
#define MAX_EVENTS 512
#define SWEEP_NS 100000000LL   /* timeout sweep period: 100 ms */
#define LINGER_NS 2000000000LL /* read-and-discard after a close */
#define MODEL_MAX 256          /* bytes of a model name echoed back */
#define PRE_MAX (320 + 6 * MODEL_MAX)
#define DEFAULT_MODEL "sweepkit-sim"

enum { EP_NONE, EP_CHAT, EP_CMPL, EP_LLAMA, EP_MODELS, EP_HEALTH };
static const char *const ep_name[] = {
    "-",           "/v1/chat/completions", "/v1/completions",
    "/completion", "/v1/models",           "/health"};
/* What follows the token text in a streamed chunk. */
static const char *const ep_post[] = {
    "",
    "\"},\"finish_reason\":null}]}",
    "\",\"logprobs\":null,\"finish_reason\":null}]}",
    "\",\"stop\":false}",
    "",
    ""};

enum { C_READ, C_ACTIVE, C_LINGER, C_CLOSED };

struct req {
    int live; /* parsed and not yet logged */
    uint64_t id;
    int ep, stream, chunked, include_usage, finish_length;
    int in_sim, done, mark_first, mark_last, status;
    uint64_t handle;
    size_t prompt_tokens, out_tokens, emitted;
    int64_t accept_ns, first_ns, last_ns, sched_first, sched_last;
    long long created;
    char model[MODEL_MAX + 1];
    char client_id[48]; /* the request's X-Request-Id, for the log */
    char pre[PRE_MAX]; /* a streamed chunk up to the token text */
    size_t pre_len;
};

struct conn {
    int fd, state, in_dirty, overflow, close_after, sent_continue;
    int fresh; /* no byte read yet: the first ones may be TLS */
    size_t live_idx, dirty_idx;
    sk_http_parser *http;
    char *out;
    size_t out_off, out_len, out_cap;
    char *pend; /* bytes read past a complete request (pipelining) */
    size_t pend_len;
    int64_t deadline, write_ns;
    struct conn *next; /* pool or graveyard */
    struct req r;
};

struct opts {
    const char *host;
    size_t port;
    const char *log_path;
    sk_sim_params model;
    size_t max_conns;
    int64_t idle_ns;
};

struct counters {
    unsigned long long accepted, refused, accept_errors, requests,
        error_responses, disconnects, slow_clients, timeouts, log_errors,
        tls;
};

struct server {
    struct opts o;
    int ep, lfd, tfd, sfd, spare;
    int lfd_tag, tfd_tag, sfd_tag; /* epoll data pointers */
    int64_t t0, now, armed;
    sk_sim *sim;
    FILE *log;
    struct conn **live, **dirty, **dirty2;
    size_t nlive, ndirty;
    struct conn *pool, *grave;
    uint64_t next_id;
    int stop;
    struct counters n;
    char rbuf[READ_BUF];
};

/* ---- time, buffers, output ---------------------------------------------- */

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void tick(struct server *sv)
{
    sv->now = mono_ns() - sv->t0;
}

static int out_reserve(struct conn *c, size_t n)
{
    size_t cap;
    char *b;

    if (c->out_cap - c->out_len >= n)
        return 0;
    if (c->out_off > 0) { /* slide the unsent bytes to the front */
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
        if (c->out_cap - c->out_len >= n)
            return 0;
    }
    if (n > OUT_MAX - c->out_len)
        return -1;
    for (cap = c->out_cap ? c->out_cap : OUT_INIT; cap - c->out_len < n;)
        cap = cap > OUT_MAX / 2 ? OUT_MAX : cap * 2;
    if (!(b = realloc(c->out, cap)))
        return -1;
    c->out = b;
    c->out_cap = cap;
    return 0;
}

/* Past the cap the connection is marked and dropped outside the model's
 * callbacks. */
static void out_add(struct conn *c, const char *s, size_t n)
{
    if (c->overflow || out_reserve(c, n) != 0) {
        c->overflow = 1;
        return;
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

static void out_str(struct conn *c, const char *s)
{
    out_add(c, s, strlen(s));
}

static void mark_dirty(struct server *sv, struct conn *c)
{
    if (!c->in_dirty) {
        c->in_dirty = 1;
        c->dirty_idx = sv->ndirty;
        sv->dirty[sv->ndirty++] = c;
    }
}

/* One SSE event ("data: " + body + "\n\n"), as an HTTP chunk when the
 * response is chunked. */
static void out_event(struct conn *c, const char *body, size_t n)
{
    char hex[24];

    if (c->r.chunked) {
        snprintf(hex, sizeof(hex), "%zx\r\n", n + 8);
        out_str(c, hex);
    }
    out_add(c, "data: ", 6);
    out_add(c, body, n);
    out_add(c, c->r.chunked ? "\n\n\r\n" : "\n\n", c->r.chunked ? 4 : 2);
}

static void out_json_event(struct conn *c, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));

    if (!s) {
        c->overflow = 1;
        return;
    }
    out_event(c, s, strlen(s));
    free(s);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* A whole JSON response; `j` is consumed.  The request is then done. */
static void respond_json(struct conn *c, int status, json_t *j,
                         const char *extra)
{
    char *body =
        j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    char head[256];

    json_decref(j);
    if (!body) {
        status = 500;
        body = strdup("{\"error\":{\"message\":\"out of memory\","
                      "\"type\":\"server_error\"}}");
        c->close_after = 1;
    }
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n%s%s\r\n",
             status, reason(status), body ? strlen(body) : 0,
             extra ? extra : "", c->close_after ? "Connection: close\r\n" : "");
    out_str(c, head);
    if (body)
        out_str(c, body);
    free(body);
    c->r.status = status;
    c->r.done = 1;
}

static void respond_error(struct conn *c, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void respond_error(struct conn *c, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    respond_json(
        c, status,
        json_pack("{s:{s:s, s:s, s:n, s:i}}", "error", "message", msg, "type",
                  status >= 500 ? "server_error" : "invalid_request_error",
                  "param", "code", status),
        status == 405
            ? (c->r.ep == EP_MODELS || c->r.ep == EP_HEALTH ? "Allow: GET\r\n"
                                                            : "Allow: POST\r\n")
            : NULL);
}

/* ---- the log --------------------------------------------------------- */

static const char log_header[] =
    "request_id,endpoint,accept_s,first_token_s,last_token_s,"
    "prompt_tokens,output_tokens,status,sched_first_token_s,"
    "sched_last_token_s,client_request_id\n";

static const char *secs(char *buf, size_t n, int64_t ns)
{
    if (ns < 0)
        buf[0] = '\0';
    else
        snprintf(buf, n, "%lld.%06lld", (long long)(ns / 1000000000),
                 (long long)(ns % 1000000000 / 1000));
    return buf;
}

static void log_row(struct server *sv, const struct req *r)
{
    char a[32], f[32], l[32], sf[32], sl[32];

    if (!sv->log)
        return;
    fprintf(sv->log, "%llu,%s,%s,%s,%s,%zu,%zu,%d,%s,%s,%s\n",
            (unsigned long long)r->id, ep_name[r->ep],
            secs(a, sizeof(a), r->accept_ns), secs(f, sizeof(f), r->first_ns),
            secs(l, sizeof(l), r->last_ns), r->prompt_tokens, r->emitted,
            r->status, secs(sf, sizeof(sf), r->emitted ? r->sched_first : -1),
            secs(sl, sizeof(sl), r->emitted ? r->sched_last : -1),
            r->client_id);
    if (fflush(sv->log) != 0 || ferror(sv->log)) {
        sv->n.log_errors++;
        clearerr(sv->log);
    }
}

/* ---- connections ------------------------------------------------------ */

static void conn_close(struct server *sv, struct conn *c)
{
    size_t i = c->live_idx;

    close(c->fd);
    c->fd = -1;
    c->state = C_CLOSED;
    if (c->in_dirty) { /* so the dirty list holds live connections only */
        struct conn *last = sv->dirty[--sv->ndirty];

        sv->dirty[c->dirty_idx] = last;
        last->dirty_idx = c->dirty_idx;
        c->in_dirty = 0;
    }
    sv->live[i] = sv->live[--sv->nlive];
    sv->live[i]->live_idx = i;
    c->next = sv->grave; /* back to the pool after this loop turn */
    sv->grave = c;
}

/* The client is gone (or too slow, or the server stops): withdraw the
 * request from the model, log it with `status`, close. */
static void conn_drop(struct server *sv, struct conn *c, int status)
{
    if (c->state == C_CLOSED)
        return;
    if (c->r.in_sim) {
        tick(sv);
        sk_sim_cancel(sv->sim, c->r.handle, sv->now);
        c->r.in_sim = 0;
    }
    if (c->r.live) {
        c->r.status = status;
        log_row(sv, &c->r);
        c->r.live = 0;
    }
    conn_close(sv, c);
}

/* write_ns is when the last successful send() began: on loopback the
 * receiver may run inside the call, so its end is later than the
 * hand-over of the bytes. */
static int conn_flush(struct server *sv, struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n;

        tick(sv);
        n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                 MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            c->write_ns = sv->now;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static void conn_idle(struct server *sv, struct conn *c)
{
    sk_http_parser_reset(c->http);
    c->state = C_READ;
    c->sent_continue = 0;
    c->deadline = sv->now + sv->o.idle_ns;
}

/* The response is out: log it, then wait for the next request or close. */
static void end_request(struct server *sv, struct conn *c)
{
    log_row(sv, &c->r);
    c->r.live = 0;
    if (c->close_after) {
        shutdown(c->fd, SHUT_WR);
        c->state = C_LINGER;
        c->deadline = sv->now + LINGER_NS;
    } else {
        conn_idle(sv, c);
    }
}

/* After a close, read and discard until the client closes too, so a
 * response is not lost to a reset over unread request bytes. */
static void linger(struct server *sv, struct conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, sv->rbuf, sizeof(sv->rbuf), 0);

        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        conn_close(sv, c);
        return;
    }
}

/* ---- TLS on a plain-HTTP port ------------------------------------------ */

/*
 * Do a connection's first bytes open a TLS handshake?  A TLS record header
 * is content type 22 (handshake), then version 3.0-3.4 (SSL 3.0 ... TLS
 * 1.3's legacy field); an SSLv2-style ClientHello has the top bit of a
 * two-byte length set, then message type 1.  Neither first byte can start
 * an HTTP request (a method is a token), so one byte 0x16 is enough.
 */
static int tls_hello(const unsigned char *d, size_t len)
{
    if (d[0] == 0x16)
        return (len < 2 || d[1] == 0x03) && (len < 3 || d[2] <= 0x04);
    return (d[0] & 0x80) && len >= 3 && d[2] == 0x01;
}

/* A TLS client (https:// to this port) would wait for its ServerHello
 * until its timeout: end the connection at once, with no answer (no
 * HTTP error either, which it could not read).  Closed like a framing
 * error, reading and discarding, so the close is a FIN, not a reset over
 * unread bytes.  Not a request: not logged; counted, noted once. */
static void refuse_tls(struct server *sv, struct conn *c)
{
    if (sv->n.tls++ == 0)
        fprintf(stderr, "serve-sim: note: a client began a TLS handshake "
                        "(https://?); this server speaks plain HTTP (use "
                        "http://): connection closed without an answer "
                        "(noted once; the count is in the summary)\n");
    shutdown(c->fd, SHUT_WR);
    c->state = C_LINGER;
    c->deadline = sv->now + LINGER_NS;
    linger(sv, c);
}

/* ---- requests --------------------------------------------------------- */

static void finish_response(struct server *sv, struct conn *c);

/* The model's events: append tokens for the request's connection. */
static void on_event(void *ctx, const sk_sim_event *ev)
{
    struct server *sv = ctx;
    struct conn *c = (struct conn *)(uintptr_t)ev->tag;
    struct req *r = &c->r;

    if (ev->token) {
        if (r->emitted == 0) {
            r->sched_first = ev->t_ns;
            if (r->stream)
                r->mark_first = 1;
            else
                r->first_ns = sv->now;
        }
        r->emitted++;
        r->sched_last = ev->t_ns;
        if (r->stream && !c->overflow) {
            size_t tl, pl = strlen(ep_post[r->ep]);
            const char *t =
                sk_sim_token_text(sv->o.model.seed, r->id, ev->index, &tl);
            size_t n = r->pre_len + tl + pl;
            char hex[24] = "";
            int hl =
                r->chunked ? snprintf(hex, sizeof(hex), "%zx\r\n", n + 8) : 0;

            if (out_reserve(c, (size_t)hl + n + 12) != 0) {
                c->overflow = 1;
            } else {
                char *w = c->out + c->out_len;

                memcpy(w, hex, (size_t)hl);
                w += hl;
                memcpy(w, "data: ", 6);
                w += 6;
                memcpy(w, r->pre, r->pre_len);
                w += r->pre_len;
                memcpy(w, t, tl);
                w += tl;
                memcpy(w, ep_post[r->ep], pl);
                w += pl;
                memcpy(w, r->chunked ? "\n\n\r\n" : "\n\n", r->chunked ? 4 : 2);
                w += r->chunked ? 4 : 2;
                c->out_len = (size_t)(w - c->out);
            }
        }
    }
    if (ev->last) {
        r->in_sim = 0;
        finish_response(sv, c);
        r->done = 1;
        if (!r->status)
            r->status = 200;
        r->mark_last = r->emitted > 0;
    }
    mark_dirty(sv, c);
}

static const char *finish_reason(const struct req *r)
{
    return r->finish_length ? "length" : "stop";
}

/* The whole generated text (non-streaming responses); malloc'ed. */
static char *full_text(const struct server *sv, const struct req *r,
                       size_t *len)
{
    size_t i, n = 0, tl;
    char *s;

    for (i = 0; i < r->emitted; i++) {
        sk_sim_token_text(sv->o.model.seed, r->id, i, &tl);
        n += tl;
    }
    if (!(s = malloc(n + 1)))
        return NULL;
    for (n = 0, i = 0; i < r->emitted; i++) {
        const char *t = sk_sim_token_text(sv->o.model.seed, r->id, i, &tl);

        memcpy(s + n, t, tl);
        n += tl;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

static json_t *usage_json(const struct req *r)
{
    return json_pack("{s:I, s:I, s:I}", "prompt_tokens",
                     (json_int_t)r->prompt_tokens, "completion_tokens",
                     (json_int_t)r->emitted, "total_tokens",
                     (json_int_t)(r->prompt_tokens + r->emitted));
}

/* llama.cpp's final /completion object (content filled by the caller).
 * prompt_ms is the model's prefill time; predicted_ms runs from the first
 * token to the last on the model's clock, so predicted_per_second is the
 * decode rate (predicted_n - 1 tokens over it). */
static json_t *llama_json(const struct server *sv, const struct req *r,
                          const char *text, size_t text_len)
{
    double pms =
        (double)sk_sim_prefill_ns(&sv->o.model, r->prompt_tokens) / 1e6;
    double dms =
        r->emitted ? (double)(r->sched_last - r->sched_first) / 1e6 : 0.0;
    size_t dn = r->emitted > 1 ? r->emitted - 1 : 0;

    return json_pack(
        "{s:i, s:s%, s:b, s:s, s:I, s:I, s:s, s:s, s:{s:I, s:f, s:f, s:f, "
        "s:I, s:f, s:f, s:f}}",
        "index", 0, "content", text, text_len, "stop", 1, "model", r->model,
        "tokens_predicted", (json_int_t)r->emitted, "tokens_evaluated",
        (json_int_t)r->prompt_tokens, "stop_type",
        r->finish_length ? "limit" : "eos", "stopping_word", "", "timings",
        "prompt_n", (json_int_t)r->prompt_tokens, "prompt_ms", pms,
        "prompt_per_token_ms",
        r->prompt_tokens ? pms / (double)r->prompt_tokens : 0.0,
        "prompt_per_second",
        pms > 0 ? (double)r->prompt_tokens * 1e3 / pms : 0.0, "predicted_n",
        (json_int_t)r->emitted, "predicted_ms", dms, "predicted_per_token_ms",
        dn ? dms / (double)dn : 0.0, "predicted_per_second",
        dms > 0 ? (double)dn * 1e3 / dms : 0.0);
}

/* The end of a response, once the model is done with the request. */
static void finish_response(struct server *sv, struct conn *c)
{
    struct req *r = &c->r;
    json_t *j;
    char id[64];
    size_t len = 0;
    char *text;

    snprintf(id, sizeof(id), "%s-sim-%llu",
             r->ep == EP_CHAT ? "chatcmpl" : "cmpl", (unsigned long long)r->id);
    if (r->stream) {
        if (r->ep == EP_LLAMA) {
            out_json_event(c, j = llama_json(sv, r, "", 0));
            json_decref(j);
        } else {
            j = json_pack("{s:s, s:s, s:I, s:s}", "id", id, "object",
                          r->ep == EP_CHAT ? "chat.completion.chunk"
                                           : "text_completion",
                          "created", (json_int_t)r->created, "model", r->model);
            if (r->ep == EP_CHAT)
                json_object_set_new(
                    j, "choices",
                    json_pack("[{s:i, s:{}, s:n, s:s}]", "index", 0, "delta",
                              "logprobs", "finish_reason", finish_reason(r)));
            else
                json_object_set_new(
                    j, "choices",
                    json_pack("[{s:i, s:s, s:n, s:s}]", "index", 0, "text", "",
                              "logprobs", "finish_reason", finish_reason(r)));
            out_json_event(c, j);
            if (r->include_usage) {
                json_object_set_new(j, "choices", json_array());
                json_object_set_new(j, "usage", usage_json(r));
                out_json_event(c, j);
            }
            json_decref(j);
            out_event(c, "[DONE]", 6);
        }
        if (r->chunked)
            out_str(c, "0\r\n\r\n");
        return;
    }
    if (!(text = full_text(sv, r, &len))) {
        respond_error(c, 500, "out of memory");
        return;
    }
    if (r->ep == EP_LLAMA)
        j = llama_json(sv, r, text, len);
    else if (r->ep == EP_CHAT)
        j = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s%}, s:n, "
                      "s:s}], s:o}",
                      "id", id, "object", "chat.completion", "created",
                      (json_int_t)r->created, "model", r->model, "choices",
                      "index", 0, "message", "role", "assistant", "content",
                      text, len, "logprobs", "finish_reason", finish_reason(r),
                      "usage", usage_json(r));
    else
        j = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:s%, s:n, s:s}], "
                      "s:o}",
                      "id", id, "object", "text_completion", "created",
                      (json_int_t)r->created, "model", r->model, "choices",
                      "index", 0, "text", text, len, "logprobs",
                      "finish_reason", finish_reason(r), "usage",
                      usage_json(r));
    free(text);
    respond_json(c, 200, j, NULL);
}

/* ---- request validation ---------------------------------------------- */

/* Each returns 0, or -1 after queueing a 400 response. */
static int get_bool(struct conn *c, json_t *o, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        respond_error(c, 400, "'%s' must be a boolean", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

/* *out stays as it is when the key is absent or null. */
static int get_int(struct conn *c, json_t *o, const char *key, long long min,
                   long long *out)
{
    json_t *v = json_object_get(o, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min) {
        respond_error(c, 400, "'%s' must be an integer >= %lld", key, min);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* Bytes of text in a chat message's content: a string, or an array of
 * parts whose "text" strings count. */
static int content_bytes(struct conn *c, json_t *m, size_t i, size_t *bytes)
{
    json_t *v = json_object_get(m, "content"), *part;
    size_t k;

    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *bytes += json_string_length(v);
        return 0;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, k, part)
        {
            json_t *t = json_object_get(part, "text");

            if (!json_is_object(part)) {
                respond_error(c, 400,
                              "messages[%zu].content[%zu] must be "
                              "an object",
                              i, k);
                return -1;
            }
            if (json_is_string(t))
                *bytes += json_string_length(t);
        }
        return 0;
    }
    respond_error(c, 400,
                  "messages[%zu].content must be a string or an "
                  "array of content parts",
                  i);
    return -1;
}

/* Prompt tokens by the documented rule: ceil(bytes/4) of the text, or
 * the number of ids when the prompt is given as token ids. */
static int prompt_tokens(struct conn *c, json_t *body, size_t *out)
{
    size_t bytes = 0, i;
    json_t *v, *m;

    if (c->r.ep == EP_CHAT) {
        v = json_object_get(body, "messages");
        if (!v) {
            respond_error(c, 400, "'messages' is a required property");
            return -1;
        }
        if (!json_is_array(v) || json_array_size(v) == 0) {
            respond_error(c, 400, "'messages' must be a non-empty array");
            return -1;
        }
        json_array_foreach(v, i, m)
        {
            if (!json_is_object(m)) {
                respond_error(c, 400, "messages[%zu] must be an object", i);
                return -1;
            }
            if (content_bytes(c, m, i, &bytes) != 0)
                return -1;
        }
        *out = sk_sim_prompt_tokens(bytes);
        return 0;
    }
    v = json_object_get(body, "prompt");
    if (!v) {
        respond_error(c, 400, "'prompt' is a required property");
        return -1;
    }
    if (json_is_string(v)) {
        *out = sk_sim_prompt_tokens(json_string_length(v));
        return 0;
    }
    if (json_is_array(v) && json_array_size(v) == 1 &&
        json_is_string(json_array_get(v, 0)) && c->r.ep == EP_CMPL) {
        *out = sk_sim_prompt_tokens(json_string_length(json_array_get(v, 0)));
        return 0;
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t ids = 0;

        json_array_foreach(v, i, m) ids += json_is_integer(m) != 0;
        if (ids == json_array_size(v)) {
            *out = ids;
            return 0;
        }
    }
    respond_error(c, 400,
                  "'prompt' must be a string or an array of token "
                  "ids%s",
                  c->r.ep == EP_CMPL ? " (or of one string)" : "");
    return -1;
}

/* Start of every streamed chunk, up to the token text. */
static int make_prefix(struct conn *c)
{
    struct req *r = &c->r;
    json_t *m = json_string(r->model);
    char model[6 * MODEL_MAX + 8];
    size_t ml = m ? json_dumpb(m, model, sizeof(model), JSON_ENCODE_ANY) : 0;
    int n;

    json_decref(m);
    if (ml == 0 || ml >= sizeof(model))
        return -1;
    model[ml] = '\0';
    if (r->ep == EP_LLAMA)
        n = snprintf(r->pre, sizeof(r->pre), "{\"index\":0,\"content\":\"");
    else
        n = snprintf(
            r->pre, sizeof(r->pre),
            "{\"id\":\"%s-sim-%llu\",\"object\":\"%s\","
            "\"created\":%lld,\"model\":%s,\"choices\":[{"
            "\"index\":0,\"%s\":\"",
            r->ep == EP_CHAT ? "chatcmpl" : "cmpl", (unsigned long long)r->id,
            r->ep == EP_CHAT ? "chat.completion.chunk" : "text_completion",
            r->created, model,
            r->ep == EP_CHAT ? "delta\":{\"content" : "text");
    if (n < 0 || (size_t)n >= sizeof(r->pre))
        return -1;
    r->pre_len = (size_t)n;
    return 0;
}

/* A generation request: validate, hand it to the model, and for a stream
 * send the response head now. */
static void start_generation(struct server *sv, struct conn *c)
{
    struct req *r = &c->r;
    size_t blen;
    const char *b = sk_http_body(c->http, &blen);
    json_error_t jerr;
    json_t *body = json_loadb(b, blen, 0, &jerr), *v;
    long long limit = -1, n = 1;
    int ignore_eos = 0, rc;
    size_t mark = c->out_len;

    if (!body) {
        respond_error(c, 400,
                      "invalid JSON in request body: %s (line %d, "
                      "column %d)",
                      jerr.text, jerr.line, jerr.column);
        return;
    }
    if (!json_is_object(body)) {
        respond_error(c, 400, "the request body must be a JSON object");
        goto done;
    }
    if (prompt_tokens(c, body, &r->prompt_tokens) != 0 ||
        get_bool(c, body, "stream", &r->stream) != 0 ||
        get_bool(c, body, "ignore_eos", &ignore_eos) != 0)
        goto done;
    if (r->ep == EP_LLAMA) {
        if (get_int(c, body, "n_predict", LLONG_MIN, &limit) != 0)
            goto done;
        if (limit < 0)
            limit = -1;
    } else if (get_int(c, body, "max_tokens", 1, &limit) != 0 ||
               get_int(c, body, "max_completion_tokens", 1, &limit) != 0 ||
               get_int(c, body, "n", 1, &n) != 0) {
        goto done;
    }
    if (n != 1) {
        respond_error(c, 400, "'n' other than 1 is not supported");
        goto done;
    }
    v = json_object_get(body, "stream_options");
    if (v && !json_is_null(v) &&
        (!json_is_object(v) ||
         get_bool(c, v, "include_usage", &r->include_usage) != 0)) {
        if (!r->done)
            respond_error(c, 400, "'stream_options' must be an object");
        goto done;
    }
    v = json_object_get(body, "model");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) > MODEL_MAX) {
            respond_error(c, 400,
                          "'model' must be a string of at most %d "
                          "bytes",
                          MODEL_MAX);
            goto done;
        }
        snprintf(r->model, sizeof(r->model), "%s", json_string_value(v));
    }
    r->out_tokens = sk_sim_output_tokens(&sv->o.model, limit, ignore_eos,
                                         &r->finish_length);
    r->created = (long long)time(NULL);
    if (r->stream && make_prefix(c) != 0) {
        respond_error(c, 400, "'model' cannot be echoed");
        goto done;
    }
    if (r->stream) {
        r->chunked = sk_http_version(c->http) == 11;
        if (!r->chunked)
            c->close_after = 1; /* HTTP/1.0: the body ends at the close */
        out_str(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                   "Cache-Control: no-cache\r\n");
        out_str(c, r->chunked ? "Transfer-Encoding: chunked\r\n" : "");
        out_str(c, c->close_after ? "Connection: close\r\n\r\n"
                                  : "Connection: keep-alive\r\n\r\n");
    }
    r->in_sim = 1;
    rc = sk_sim_submit(sv->sim, &r->handle, sv->now, (uint64_t)(uintptr_t)c,
                       r->prompt_tokens, r->out_tokens);
    if (rc != 0) {
        r->in_sim = 0;
        c->out_len = mark; /* take back the stream head, if any */
        respond_error(c, 503, "the server is at its request limit");
    }
done:
    json_decref(body);
}

/* The client's X-Request-Id as a CSV-safe word: letters, digits and
 * "-_.:" kept, anything else dropped; "" when absent. */
static void client_id(char *out, size_t cap, const char *v)
{
    size_t n = 0;

    for (; v && *v && n + 1 < cap; v++)
        if (isalnum((unsigned char)*v) || strchr("-_.:", *v))
            out[n++] = *v;
    out[n] = '\0';
}

static void dispatch(struct server *sv, struct conn *c)
{
    struct req *r = &c->r;
    const char *method = sk_http_method(c->http);
    const char *target = sk_http_target(c->http);
    size_t plen = strcspn(target, "?");
    int post;

    memset(r, 0, offsetof(struct req, model));
    snprintf(r->model, sizeof(r->model), "%s", DEFAULT_MODEL);
    client_id(r->client_id, sizeof(r->client_id),
              sk_http_header(c->http, "x-request-id"));
    tick(sv);
    c->write_ns = sv->now; /* the stall clock starts with the request */
    r->live = 1;
    r->id = ++sv->next_id;
    r->accept_ns = sv->now;
    r->first_ns = r->last_ns = -1;
    sv->n.requests++;
    c->state = C_ACTIVE;
    c->close_after = !sk_http_keep_alive(c->http);
    for (r->ep = EP_CHAT; r->ep <= EP_HEALTH; r->ep++)
        if (strlen(ep_name[r->ep]) == plen &&
            memcmp(ep_name[r->ep], target, plen) == 0)
            break;
    if (r->ep > EP_HEALTH) {
        r->ep = EP_NONE;
        respond_error(c, 404, "Invalid URL (%.32s %.200s)", method, target);
        return;
    }
    post = r->ep == EP_CHAT || r->ep == EP_CMPL || r->ep == EP_LLAMA;
    if (strcmp(method, post ? "POST" : "GET") != 0) {
        respond_error(c, 405, "method %.32s not allowed on %s (use %s)", method,
                      ep_name[r->ep], post ? "POST" : "GET");
        return;
    }
    if (r->ep == EP_HEALTH) {
        size_t active = sk_sim_active(sv->sim);

        respond_json(
            c, 200,
            json_pack("{s:s, s:I, s:I, s:I}", "status", "ok", "slots_idle",
                      (json_int_t)(sv->o.model.slots - active),
                      "slots_processing", (json_int_t)active, "requests_queued",
                      (json_int_t)sk_sim_queued(sv->sim)),
            NULL);
    } else if (r->ep == EP_MODELS) {
        respond_json(c, 200,
                     json_pack("{s:s, s:[{s:s, s:s, s:i, s:s}]}", "object",
                               "list", "data", "id", DEFAULT_MODEL, "object",
                               "model", "created", 0, "owned_by", "sweepkit"),
                     NULL);
    } else {
        start_generation(sv, c);
    }
}

/* Read and parse until one request is complete.  Returns 1 when a request
 * was taken (its response may be pending), 0 to wait for input. */
static int read_request(struct server *sv, struct conn *c)
{
    for (;;) {
        const char *data;
        size_t len, used = 0;
        int from_pend = c->pend_len > 0, rc;

        if (from_pend) {
            data = c->pend;
            len = c->pend_len;
        } else {
            ssize_t n = recv(c->fd, sv->rbuf, sizeof(sv->rbuf), 0);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
            if (n <= 0) { /* EOF or error between requests: just close */
                conn_close(sv, c);
                return 0;
            }
            data = sv->rbuf;
            len = (size_t)n;
            if (c->fresh) {
                c->fresh = 0;
                if (tls_hello((const unsigned char *)data, len)) {
                    refuse_tls(sv, c);
                    return 0;
                }
            }
        }
        rc = sk_http_parser_feed(c->http, &used, data, len);
        if (rc < 0)
            used = len;
        if (from_pend) {
            memmove(c->pend, c->pend + used, len - used);
            c->pend_len -= used;
        } else if (used < len) {
            /* Pipelined bytes: at most one read buffer, kept for later. */
            if (!c->pend && !(c->pend = malloc(READ_BUF))) {
                conn_close(sv, c);
                return 0;
            }
            memcpy(c->pend, data + used, len - used);
            c->pend_len = len - used;
        }
        if (rc < 0) {
            sk_error_clear();
            memset(&c->r, 0, offsetof(struct req, model));
            c->r.client_id[0] = '\0';
            c->r.live = 1;
            c->r.id = ++sv->next_id;
            c->r.accept_ns = sv->now;
            c->r.first_ns = c->r.last_ns = -1;
            c->state = C_ACTIVE;
            c->close_after = 1; /* the framing is lost */
            c->pend_len = 0;
            sv->n.requests++;
            respond_error(c, sk_http_status(c->http), "%s",
                          sk_http_error(c->http));
            return 1;
        }
        if (rc == SK_HTTP_COMPLETE) {
            dispatch(sv, c);
            return 1;
        }
        if (sk_http_expect_continue(c->http) && !c->sent_continue) {
            c->sent_continue = 1;
            out_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
            if (conn_flush(sv, c) != 0) {
                conn_close(sv, c);
                return 0;
            }
        }
    }
}

/* Move a connection as far as it can go without blocking: flush, end a
 * finished request, read the next one. */
static void conn_service(struct server *sv, struct conn *c)
{
    for (;;) {
        if (c->state == C_CLOSED)
            return;
        if (c->overflow) {
            sv->n.slow_clients++;
            conn_drop(sv, c, 499);
            return;
        }
        if (conn_flush(sv, c) != 0) {
            sv->n.disconnects++;
            conn_drop(sv, c, 499);
            return;
        }
        if (c->out_len > 0)
            return; /* wait for EPOLLOUT */
        if (c->r.mark_first || c->r.mark_last) {
            /* The bytes carrying the token are with the kernel. */
            if (c->r.mark_first)
                c->r.first_ns = c->write_ns;
            if (c->r.mark_last)
                c->r.last_ns = c->write_ns;
            c->r.mark_first = c->r.mark_last = 0;
        }
        if (c->state == C_ACTIVE) {
            if (!c->r.done)
                return;
            if (c->r.status >= 400)
                sv->n.error_responses++;
            end_request(sv, c);
            continue;
        }
        if (c->state == C_LINGER) {
            linger(sv, c);
            return;
        }
        if (!read_request(sv, c))
            return;
    }
}

static void service_dirty(struct server *sv)
{
    while (sv->ndirty > 0) {
        struct conn **list = sv->dirty;
        size_t i, n = sv->ndirty;

        sv->dirty = sv->dirty2; /* conns dirtied meanwhile go here */
        sv->dirty2 = list;
        sv->ndirty = 0;
        for (i = 0; i < n; i++) {
            list[i]->in_dirty = 0;
            conn_service(sv, list[i]);
        }
    }
}

static struct conn *conn_get(struct server *sv)
{
    struct conn *c = sv->pool;

    if (c) {
        sv->pool = c->next;
        return c;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    if (sk_http_parser_new(&c->http, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

static void conn_free(struct conn *c)
{
    sk_http_parser_free(c->http);
    free(c->out);
    free(c->pend);
    free(c);
}

static void accept_all(struct server *sv)
{
    for (;;) {
        int fd = accept(sv->lfd, NULL, NULL), one = 1;
        struct epoll_event ev;
        struct conn *c;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && sv->spare >= 0) {
                /* Out of descriptors: use the spare to take the
                 * connection off the backlog and close it. */
                close(sv->spare);
                fd = accept(sv->lfd, NULL, NULL);
                if (fd >= 0)
                    close(fd);
                sv->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
                sv->n.refused++;
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                sv->n.accept_errors++;
            return;
        }
        if (sv->nlive == sv->o.max_conns || !(c = conn_get(sv))) {
            close(fd);
            sv->n.refused++;
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->fd = fd;
        c->in_dirty = c->overflow = c->close_after = 0;
        c->fresh = 1;
        c->out_off = c->out_len = c->pend_len = 0;
        memset(&c->r, 0, offsetof(struct req, model));
        c->live_idx = sv->nlive;
        sv->live[sv->nlive++] = c;
        c->write_ns = sv->now;
        conn_idle(sv, c);
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = c;
        if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            sv->n.accept_errors++;
            conn_close(sv, c);
            continue;
        }
        sv->n.accepted++;
        conn_service(sv, c); /* data may already be there */
    }
}

static void on_conn_event(struct server *sv, struct conn *c, uint32_t ev)
{
    if (c->state == C_CLOSED)
        return;
    if (ev & (EPOLLERR | EPOLLHUP)) {
        if (c->r.live)
            sv->n.disconnects++;
        conn_drop(sv, c, 499);
        return;
    }
    conn_service(sv, c);
    /* The client closed its side while its request runs: it has gone
     * (clients that half-close and still read are not supported). */
    if ((ev & EPOLLRDHUP) && c->state == C_ACTIVE) {
        sv->n.disconnects++;
        conn_drop(sv, c, 499);
    }
}

/* Timeouts: a request must arrive within idle_ns; a response whose bytes
 * do not move for idle_ns is dropped; a lingering close ends. */
static void sweep(struct server *sv)
{
    size_t i = sv->nlive;

    while (i-- > 0) {
        struct conn *c = sv->live[i];

        if (c->state == C_READ && sv->now > c->deadline) {
            sv->n.timeouts++;
            conn_close(sv, c);
        } else if (c->state == C_ACTIVE && c->out_len > 0 &&
                   sv->now - c->write_ns > sv->o.idle_ns) {
            sv->n.slow_clients++;
            conn_drop(sv, c, 499);
        } else if (c->state == C_LINGER && sv->now > c->deadline) {
            conn_close(sv, c);
        }
    }
}

static void arm_timer(struct server *sv)
{
    int64_t t = sk_sim_next_event_ns(sv->sim), abs;
    struct itimerspec its;

    if (t == sv->armed)
        return;
    sv->armed = t;
    memset(&its, 0, sizeof(its));
    if (t != INT64_MAX) {
        abs = sv->t0 + (t > 0 ? t : 0);
        its.it_value.tv_sec = abs / 1000000000LL;
        its.it_value.tv_nsec = abs % 1000000000LL;
        if (abs == 0)
            its.it_value.tv_nsec = 1;
    }
    timerfd_settime(sv->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- setup and the loop ----------------------------------------------- */

static int sys_fail(const char *what)
{
    return sk_error_set(SK_EIO, "%s: %s", what, strerror(errno));
}

static int listen_on(struct server *sv, char *url, size_t urlsz)
{
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char port[16], addr[INET6_ADDRSTRLEN];
    int one = 1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%zu", sv->o.port);
    if ((rc = getaddrinfo(sv->o.host, port, &hints, &ai)) != 0)
        return sk_error_set(SK_EINVAL, "--host '%s': %s", sv->o.host,
                            gai_strerror(rc));
    sv->lfd =
        socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (sv->lfd < 0) {
        freeaddrinfo(ai);
        return sys_fail("socket");
    }
    setsockopt(sv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(sv->lfd, ai->ai_addr, ai->ai_addrlen) != 0) {
        rc = sk_error_set(SK_EIO, "bind %s:%s: %s", sv->o.host, port,
                          strerror(errno));
        freeaddrinfo(ai);
        return rc;
    }
    freeaddrinfo(ai);
    if (listen(sv->lfd, 4096) != 0)
        return sys_fail("listen");
    if (getsockname(sv->lfd, (struct sockaddr *)&ss, &sl) != 0)
        return sys_fail("getsockname");
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

        inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
        snprintf(url, urlsz, "http://[%s]:%u", addr, ntohs(a->sin6_port));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
        snprintf(url, urlsz, "http://%s:%u", addr, ntohs(a->sin_port));
    }
    return 0;
}

static int add_fd(struct server *sv, int fd, int *tag)
{
    struct epoll_event ev;

    ev.events = EPOLLIN;
    ev.data.ptr = tag;
    if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        return sys_fail("epoll_ctl");
    return 0;
}

static int server_init(struct server *sv, int sigfd, char *url, size_t urlsz)
{
    int rc;

    sv->ep = sv->lfd = sv->tfd = sv->spare = -1;
    sv->sfd = sigfd;
    sv->armed = INT64_MAX;
    sv->live = calloc(sv->o.max_conns, sizeof(*sv->live));
    sv->dirty = calloc(sv->o.max_conns, sizeof(*sv->dirty));
    sv->dirty2 = calloc(sv->o.max_conns, sizeof(*sv->dirty2));
    if (!sv->live || !sv->dirty || !sv->dirty2)
        return sk_error_set(SK_ENOMEM, "out of memory for %zu connections",
                            sv->o.max_conns);
    if (sv->o.model.max_requests < sv->o.max_conns)
        sv->o.model.max_requests = sv->o.max_conns;
    if ((rc = sk_sim_new(&sv->sim, &sv->o.model, on_event, sv)) != 0)
        return rc;
    if ((rc = listen_on(sv, url, urlsz)) != 0)
        return rc;
    if ((sv->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return sys_fail("epoll_create1");
    sv->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (sv->tfd < 0)
        return sys_fail("timerfd_create");
    sv->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if ((rc = add_fd(sv, sv->lfd, &sv->lfd_tag)) != 0 ||
        (rc = add_fd(sv, sv->tfd, &sv->tfd_tag)) != 0 ||
        (sv->sfd >= 0 && (rc = add_fd(sv, sv->sfd, &sv->sfd_tag)) != 0))
        return rc;
    if (sv->o.log_path) {
        if (!(sv->log = fopen(sv->o.log_path, "w")))
            return sk_error_set(SK_EIO, "%s: cannot create: %s",
                                sv->o.log_path, strerror(errno));
        fputs(log_header, sv->log);
        fflush(sv->log);
    }
    sv->t0 = mono_ns();
    return 0;
}

static void server_run(struct server *sv)
{
    struct epoll_event evs[MAX_EVENTS];
    int64_t next_sweep = SWEEP_NS;

    while (!sv->stop) {
        int i, n = epoll_wait(sv->ep, evs, MAX_EVENTS, 100);

        if (n < 0 && errno != EINTR)
            break;
        /* Tokens first: they are due now. */
        tick(sv);
        sk_sim_advance(sv->sim, sv->now);
        service_dirty(sv);
        tick(sv);
        for (i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;

            if (p == &sv->lfd_tag) {
                accept_all(sv);
            } else if (p == &sv->tfd_tag) {
                uint64_t x;

                if (read(sv->tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
                    sv->n.accept_errors++;
            } else if (p == &sv->sfd_tag) {
                struct signalfd_siginfo si;

                if (read(sv->sfd, &si, sizeof(si)) == sizeof(si))
                    sv->stop = 1;
            } else {
                on_conn_event(sv, p, evs[i].events);
            }
        }
        service_dirty(sv);
        if (sv->now >= next_sweep) {
            sweep(sv);
            next_sweep = sv->now + SWEEP_NS;
        }
        while (sv->grave) {
            struct conn *c = sv->grave;

            sv->grave = c->next;
            c->next = sv->pool;
            sv->pool = c;
        }
        arm_timer(sv);
    }
}

static void server_dispose(struct server *sv)
{
    struct conn *c;

    tick(sv);
    while (sv->nlive > 0)
        conn_drop(sv, sv->live[sv->nlive - 1], 503);
    while (sv->grave) {
        c = sv->grave;
        sv->grave = c->next;
        conn_free(c);
    }
    while (sv->pool) {
        c = sv->pool;
        sv->pool = c->next;
        conn_free(c);
    }
    if (sv->log && fclose(sv->log) != 0)
        sv->n.log_errors++;
    sv->log = NULL;
    if (sv->lfd >= 0)
        close(sv->lfd);
    if (sv->tfd >= 0)
        close(sv->tfd);
    if (sv->ep >= 0)
        close(sv->ep);
    if (sv->spare >= 0)
        close(sv->spare);
    sk_sim_free(sv->sim);
    free(sv->live);
    free(sv->dirty);
    free(sv->dirty2);
}

/* ---- the command ------------------------------------------------------ */

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
    OPT_IDLE
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
    {"idle-timeout", required_argument, OPT_IDLE, "DUR",
     "time to send a request, or to take response bytes (default 30s)"},
    {NULL, 0, 0, NULL, NULL}};

static int parse_ms(double *out, const char *s, const char *what)
{
    if (sk_units_parse_double(out, s, what) != 0)
        return -1;
    if (*out < 0)
        return sk_error_set(SK_EINVAL, "%s: '%s' is negative", what, s);
    return 0;
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

int cmd_serve_sim(int argc, char **argv)
{
    static const char prog[] = "sweepkit serve-sim";
    static struct server sv; /* large (read buffer); one per process */
    char url[128];
    size_t v;
    double d;
    sigset_t mask, old;
    struct sigaction ign, old_pipe;
    int c, rc, sigfd;

    memset(&sv, 0, sizeof(sv));
    sv.ep = sv.lfd = sv.tfd = sv.sfd = sv.spare = -1;
    sv.o.host = "127.0.0.1";
    sv.o.max_conns = 10000;
    sv.o.idle_ns = 30000000000LL;
    sk_sim_params_default(&sv.o.model);
    optind = 1;
    while ((c = cli_getopt(argc, argv, options, prog)) != -1) {
        rc = 0;
        switch (c) {
        case 'h':
            cli_help(stdout,
                     "sweepkit serve-sim [--port N] [--slots S] "
                     "[--step-ms A] [--step-ms-per-seq B] [OPTIONS]",
                     "Serve POST /v1/chat/completions, /v1/completions "
                     "(OpenAI) and /completion (llama.cpp),\n"
                     "GET /v1/models and /health, at the speed of a model: "
                     "S batch slots, a decode\n"
                     "step of b sequences takes A + B*b ms, prefill P ms "
                     "per prompt token (see\n"
                     "docs/serve-sim.md).  Stops on SIGINT or SIGTERM.",
                     options);
            return SK_EXIT_OK;
        case OPT_HOST: sv.o.host = optarg; break;
        case OPT_PORT:
            rc = sk_units_parse_count(&sv.o.port, optarg, 65535, "--port");
            break;
        case OPT_SLOTS:
            rc = sk_units_parse_count(&sv.o.model.slots, optarg, 65536,
                                      "--slots");
            break;
        case OPT_STEP:
            rc = parse_ms(&sv.o.model.step_ms, optarg, "--step-ms");
            break;
        case OPT_STEP_SEQ:
            rc = parse_ms(&sv.o.model.step_ms_per_seq, optarg,
                          "--step-ms-per-seq");
            break;
        case OPT_PREFILL:
            rc = parse_ms(&sv.o.model.prefill_ms_per_token, optarg,
                          "--prefill-ms-per-token");
            break;
        case OPT_CAP:
            rc = sk_units_parse_count(&sv.o.model.max_tokens_cap, optarg,
                                      1000000, "--max-tokens-cap");
            break;
        case OPT_SEED:
            rc = sk_units_parse_count(&v, optarg, SIZE_MAX, "--seed");
            sv.o.model.seed = v;
            break;
        case OPT_JITTER:
            rc = parse_ms(&sv.o.model.jitter, optarg, "--jitter");
            break;
        case OPT_LOG: sv.o.log_path = optarg; break;
        case OPT_MAX_CONNS:
            rc = sk_units_parse_count(&sv.o.max_conns, optarg, 1000000,
                                      "--max-connections");
            if (rc == 0 && sv.o.max_conns == 0)
                rc = sk_error_set(SK_EINVAL, "--max-connections: must be "
                                             "at least 1");
            break;
        case OPT_IDLE:
            rc = sk_units_parse_duration(&d, optarg, "--idle-timeout");
            if (rc == 0 && (d < 0.001 || d > 86400))
                rc = sk_error_set(SK_EINVAL,
                                  "--idle-timeout: '%s' is not "
                                  "in 1ms..24h",
                                  optarg);
            if (rc == 0)
                sv.o.idle_ns = (int64_t)(d * 1e9);
            break;
        default: return SK_EXIT_USAGE;
        }
        if (rc != 0)
            return cli_usage_error(prog, sk_error_last());
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument");
    if (sv.o.model.max_requests < sv.o.max_conns)
        sv.o.model.max_requests = sv.o.max_conns;
    if (sv.o.model.slots > sv.o.model.max_requests)
        sv.o.model.max_requests = sv.o.model.slots;
    if (sk_sim_params_check(&sv.o.model) != 0) {
        char msg[1100]; /* the model names its options without "--" */

        snprintf(msg, sizeof(msg), "--%s", sk_error_last());
        return cli_usage_error(prog, msg);
    }

    /* SIGINT/SIGTERM arrive through a descriptor in the loop. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, &old);
    sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    /* A closed stdout must not kill the server mid-run. */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);
    raise_nofile(sv.o.max_conns + 64);
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* on-time wake-ups */
    if (sigfd < 0)
        rc = sys_fail("signalfd");
    else
        rc = server_init(&sv, sigfd, url, sizeof(url));
    if (rc == 0) {
        printf("serve-sim: listening on %s\n", url);
        printf("serve-sim: model: slots=%zu step_ms=%g step_ms_per_seq=%g "
               "prefill_ms_per_token=%g max_tokens_cap=%zu seed=%llu "
               "jitter=%g\n",
               sv.o.model.slots, sv.o.model.step_ms, sv.o.model.step_ms_per_seq,
               sv.o.model.prefill_ms_per_token, sv.o.model.max_tokens_cap,
               (unsigned long long)sv.o.model.seed, sv.o.model.jitter);
        printf("serve-sim: one stream %.2f tokens/s; %zu streams %.2f "
               "tokens/s in total\n",
               sk_sim_stream_tokens_per_s(&sv.o.model), sv.o.model.slots,
               sk_sim_throughput_tokens_per_s(&sv.o.model, sv.o.model.slots));
        fflush(stdout);
        server_run(&sv);
        tick(&sv);
        printf("serve-sim: stopped after %.3f s: %llu requests, %llu "
               "tokens in %llu steps; %llu connections (%llu refused); "
               "faults: %llu error responses, %llu disconnects, %llu slow "
               "clients, %llu timeouts, %llu accept errors, %llu log "
               "errors, %llu TLS handshakes closed\n",
               (double)sv.now / 1e9, sv.n.requests,
               (unsigned long long)sk_sim_tokens(sv.sim),
               (unsigned long long)sk_sim_steps(sv.sim), sv.n.accepted,
               sv.n.refused, sv.n.error_responses, sv.n.disconnects,
               sv.n.slow_clients, sv.n.timeouts, sv.n.accept_errors,
               sv.n.log_errors, sv.n.tls);
        fflush(stdout);
    }
    server_dispose(&sv);
    if (sigfd >= 0)
        close(sigfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return rc ? cli_fail(prog, rc) : SK_EXIT_OK;
}
