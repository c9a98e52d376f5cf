/*
 * The server's private layout, shared by server.c (connections, the loop,
 * the log, the per-token path), server_resp.c (routing, request
 * validation, response bodies) and server_opts.c (options as text).
 *
 * Per connection: an HTTP parser, an output buffer (4 KiB, growing to a
 * 1 MiB cap; past it the client is dropped as too slow) and the state of
 * its one request, all reused across keep-alive requests and across
 * connections (a pool).
 */
#ifndef SK_SERVER_INT_H
#define SK_SERVER_INT_H

#include "sweepkit/evloop.h"
#include "sweepkit/http.h"
#include "sweepkit/server.h"
#include "sweepkit/sim.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READ_BUF 65536
#define OUT_INIT 4096
#define OUT_MAX ((size_t)1 << 20) /* per-connection output cap */
#define MAX_EVENTS 512
#define SWEEP_NS 100000000LL   /* timeout sweep period: 100 ms */
#define LINGER_NS 2000000000LL /* read-and-discard after a close */
#define MODEL_MAX 256          /* bytes of a model name echoed back */
#define PRE_MAX (320 + 6 * MODEL_MAX)
#define DEFAULT_MODEL "sweepkit-sim"
/* On every response (not the interim 100 Continue): who answered, as a
 * collector records it (the library has no version macro). */
#define SERVER_LINE "Server: sweepkit-serve-sim\r\n"

enum { EP_NONE, EP_CHAT, EP_CMPL, EP_LLAMA, EP_MODELS, EP_HEALTH, EP_METRICS };
/* The endpoints' paths, "-" for none (server_resp.c). */
extern const char *const sk_server__ep_name[];

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
    char pre[PRE_MAX];  /* a streamed chunk up to the token text */
    size_t pre_len;
};

struct conn {
    int fd, state, in_dirty, overflow, close_after, sent_continue;
    int fresh; /* no byte read yet: the first ones may be TLS */
    /* Level-triggered readiness (sweepkit/evloop.h): the events watched
     * now; while a request runs, the next request's bytes already there
     * stop the watch for input until it is read (in_held). */
    unsigned watched;
    int in_held;
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

struct counters {
    unsigned long long accepted, refused, accept_errors, requests,
        error_responses, disconnects, slow_clients, timeouts, log_errors, tls;
};

struct sk_server {
    sk_server_opts o; /* host and log_path are not kept */
    sk_evloop *loop;
    int lfd, spare;
    int wake[2]; /* sk_server_stop() writes a byte: a self-pipe */
    int port;
    int own_log; /* the log was opened here: close it */
    int64_t t0, now;
    sk_sim *sim;
    FILE *log;
    struct conn **live, **dirty, **dirty2;
    size_t nlive, ndirty;
    struct conn *pool, *grave;
    uint64_t next_id;
    int stop;
    /* --threads: helpers sending a turn's tokens with this thread, while
     * sk_server_run() runs (server.c, send_parallel()) */
    pthread_t *helpers;
    size_t nhelpers;
    pthread_barrier_t go, done;
    pthread_mutex_t mu; /* with cv: the helpers wait for `launch` first */
    pthread_cond_t cv;
    int launch;         /* 1: all started, to the barriers; -1: leave */
    struct conn **job; /* the conns to send for; NULL: the helpers leave */
    size_t njob;
    struct counters n;
    char url[128];
    char rbuf[READ_BUF];
};

/* ---- time, buffers, output ---------------------------------------------- */

static inline int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void tick(struct sk_server *sv)
{
    sv->now = mono_ns() - sv->t0;
}

static inline int out_reserve(struct conn *c, size_t n)
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
static inline void out_add(struct conn *c, const char *s, size_t n)
{
    if (c->overflow || out_reserve(c, n) != 0) {
        c->overflow = 1;
        return;
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

static inline void out_str(struct conn *c, const char *s)
{
    out_add(c, s, strlen(s));
}

/* ---- server_resp.c ------------------------------------------------------ */

/* A complete request is in c->http: start its request and answer what
 * can be answered at once (errors, /health, /v1/models, a stream's head);
 * a generation goes to the model. */
void sk_server__dispatch(struct sk_server *sv, struct conn *c);

/* The end of a response, once the model is done with the request. */
void sk_server__finish_response(struct sk_server *sv, struct conn *c);

/* A request the parser rejected: counted and logged like any other, with
 * the parser's status and message; the connection closes after it. */
void sk_server__reject(struct sk_server *sv, struct conn *c);

#endif
