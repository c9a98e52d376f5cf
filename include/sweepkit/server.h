/*
 * serve-sim's HTTP server: an HTTP/1.1 server shaped like vLLM's OpenAI API
 * (POST /v1/chat/completions, /v1/completions, GET /v1/models, /health)
 * and llama.cpp's native POST /completion, whose speed follows the
 * batch-slot model of sim.h, so a collector can be checked against known
 * numbers (docs/serve-sim.md).  Requests are parsed by http.h.
 *
 * One thread runs a server: sk_server_run() is an epoll loop over
 * edge-triggered non-blocking sockets, with a timerfd armed at the model's
 * next event.  Each sk_server is independent: several may run at once in
 * one process, each on its own thread.
 *
 * Ownership: sk_server_new() returns an object freed by sk_server_free().
 * Strings in sk_server_opts are borrowed for the duration of
 * sk_server_new() only; a log stream given as `log_fp` is borrowed for the
 * server's life and not closed.
 * Thread-safety: sk_server_stop() may be called from any thread or from a
 * signal handler (async-signal-safe) at any time between sk_server_new()
 * and sk_server_free().  Every other function must not run at the same
 * time as sk_server_run() on the same server: call them before it starts
 * or after it returns (sk_server_port() and sk_server_url() are fixed
 * after sk_server_new(), and safe from any thread).
 * Nothing here prints: notes reach the caller through `note`.
 */
#ifndef SWEEPKIT_SERVER_H
#define SWEEPKIT_SERVER_H

#include "sweepkit/sim.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sk_server sk_server;

/* Something the user should hear of while the server runs (one line, no
 * newline; e.g. a TLS client on the plain-HTTP port, said once).  `note`
 * is valid only during the call.  Called on sk_server_run()'s thread. */
typedef void (*sk_server_note_fn)(void *ctx, const char *note);

#define SK_SERVER_MAX_THREADS 64

typedef struct {
    const char *host;       /* address to listen on (default "127.0.0.1") */
    size_t port;            /* TCP port, 0: any free port (default 0) */
    sk_sim_params model;    /* the model (sk_sim_params_default()) */
    size_t max_conns;       /* open connections at most (default 10000) */
    size_t threads;         /* threads sending the tokens of a loop turn
                               (default 1): the model, the log and
                               requests stay on sk_server_run()'s thread */
    int64_t idle_ns;        /* time to send a request, or to take response
                               bytes (default 30 s) */
    const char *log_path;   /* request log to create, or NULL */
    FILE *log_fp;           /* or an open stream for it (borrowed), used
                               when log_path is NULL; NULL: no log */
    sk_server_note_fn note; /* may be NULL */
    void *note_ctx;
    const char *api_key;    /* generation and /v1/models need
                               "Authorization: Bearer KEY" (else 401);
                               NULL: open (borrowed) */
    const char *models;     /* comma-separated model ids /v1/models lists;
                               a request naming another gets 404; NULL:
                               "sweepkit-sim", any name taken (borrowed) */
    int64_t ready_ns;       /* until this long after the start, /health
                               and generation answer 503 "Loading model"
                               (llama-server while it loads); 0: ready */
} sk_server_opts;

/* What a server has done so far (sk_server_get_stats()). */
typedef struct {
    double elapsed_s; /* since sk_server_new() finished */
    unsigned long long requests, tokens, steps, accepted, refused,
        error_responses, disconnects, slow_clients, timeouts, accept_errors,
        log_errors, tls;
} sk_server_stats;

/* Set the defaults above.  Allocates nothing. */
void sk_server_opts_init(sk_server_opts *o);

/*
 * Set option `name` (a long option of `sweepkit serve-sim` without the
 * dashes: host, port, slots, step-ms, step-ms-per-seq,
 * prefill-ms-per-token, max-tokens-cap, seed, jitter, log,
 * max-connections, idle-timeout, api-key, models, ready-after) from its
 * text `value`, checked at once.
 * `value` is borrowed (host and log keep pointing at it).  Returns 0 or
 * SK_EINVAL with a message naming the option ("--port: ...").
 */
int sk_server_opts_set(sk_server_opts *o, const char *name, const char *value);

/*
 * After the last sk_server_opts_set(): let the model hold at least
 * max_conns and slots requests (model.max_requests), and check the model
 * with sk_sim_params_check().  Returns 0 or SK_EINVAL with a message
 * naming the option ("--slots: ...").  sk_server_new() does the same on
 * its copy of the options.
 */
int sk_server_opts_finish(sk_server_opts *o);

/*
 * Create a server: resolve `host`, bind and listen (port 0: a free port,
 * see sk_server_port()), create (truncate) the request log and write its
 * header.  The virtual clock of the model and the log's times start when
 * it returns.  Nothing is served until sk_server_run().
 * Returns 0, SK_EINVAL (bad options; a host that does not resolve),
 * SK_EIO (socket, bind, listen, epoll, the log file), or SK_ENOMEM; the
 * message names what failed ("bind 127.0.0.1:80: Permission denied").
 * *out gets the server (NULL on failure); free it with sk_server_free().
 */
int sk_server_new(sk_server **out, const sk_server_opts *opts);

/* The TCP port the server listens on. */
int sk_server_port(const sk_server *sv);

/* "http://ADDR:PORT" ("http://[ADDR]:PORT" for IPv6) of the bound
 * address; borrowed, valid until sk_server_free(). */
const char *sk_server_url(const sk_server *sv);

/*
 * Serve until sk_server_stop(): returns 0 once stopped (at once when the
 * stop came before the call; a later call serves again until the next
 * stop), or SK_EIO when the loop cannot wait for events.  Requests still
 * open when it returns stay open until sk_server_free().  Sets the
 * calling thread's timer slack to 1 ns for on-time wake-ups while it
 * runs, and restores it.
 */
int sk_server_run(sk_server *sv);

/*
 * Ask sk_server_run() to return after its current loop turn.  One write()
 * to an eventfd: async-signal-safe, and safe from any thread.  Accepts
 * NULL.
 */
void sk_server_stop(sk_server *sv);

/* The counts so far: tokens and steps of the model, connections,
 * requests, and each kind of fault (docs/serve-sim.md, "Errors"). */
void sk_server_get_stats(const sk_server *sv, sk_server_stats *out);

/*
 * Close every connection (a request still running is withdrawn from the
 * model and logged with status 503), close the log (unless borrowed) and
 * the sockets, and free the server.  Accepts NULL.
 */
void sk_server_free(sk_server *sv);

#endif
