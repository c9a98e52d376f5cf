/*
 * sweepkit serve-sim's server (sweepkit/server.h): connections, the event
 * loop, the request log, and the per-token path; server_resp.c answers
 * the requests.
 *
 * One thread: a level-triggered readiness loop (sweepkit/evloop.h: epoll,
 * kqueue or poll) over non-blocking sockets, each wait timed to the
 * model's next event (to the nanosecond where the system can, with the
 * thread's timer slack at 1 ns on Linux), and a self-pipe for
 * sk_server_stop().  The model's virtual clock is the monotonic clock
 * minus the start time, so tokens are written when the model says, and a
 * late wake-up makes them late without shifting the schedule.
 *
 * Per connection: an HTTP parser, an output buffer (4 KiB, growing to a
 * 1 MiB cap; past it the client is dropped as too slow) and the state of
 * its one request, all reused across keep-alive requests and across
 * connections (a pool).  The per-token path copies preformatted pieces
 * into the output buffer: no allocation, no JSON library.
 */
#include "server_int.h"

#include "sweepkit/error.h"
#include "sweepkit/http.h"
#include "sweepkit/server.h"
#include "sweepkit/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What follows the token text in a streamed chunk. */
static const char *const ep_post[] = {
    "",
    "\"},\"finish_reason\":null}]}",
    "\",\"logprobs\":null,\"finish_reason\":null}]}",
    "\",\"stop\":false}",
    "",
    ""};

/* Where send() can be told not to raise SIGPIPE (POSIX 2008's
 * MSG_NOSIGNAL), it is; elsewhere (macOS) each socket says so once
 * (SO_NOSIGPIPE, in accept_all()). */
#ifdef MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#endif

/* The listening socket's and the self-pipe's values in the loop; a
 * connection's is its address. */
#define TAG_LISTEN 1
#define TAG_WAKE 2

/* ---- buffers ------------------------------------------------------------ */

static void mark_dirty(struct sk_server *sv, struct conn *c)
{
    if (!c->in_dirty) {
        c->in_dirty = 1;
        c->dirty_idx = sv->ndirty;
        sv->dirty[sv->ndirty++] = c;
    }
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

static void log_row(struct sk_server *sv, const struct req *r)
{
    char a[32], f[32], l[32], sf[32], sl[32];

    if (!sv->log)
        return;
    fprintf(sv->log, "%llu,%s,%s,%s,%s,%zu,%zu,%d,%s,%s,%s\n",
            (unsigned long long)r->id, sk_server__ep_name[r->ep],
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

static void conn_close(struct sk_server *sv, struct conn *c)
{
    size_t i = c->live_idx;

    if (c->watched)
        sk_evloop_watch(sv->loop, c->fd, 0, 0);
    c->watched = 0;
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
static void conn_drop(struct sk_server *sv, struct conn *c, int status)
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

/* Send what the connection has queued, as far as the socket takes it.
 * write_ns is when the last successful send() began (on the clock from
 * t0): on loopback the receiver may run inside the call, so its end is
 * later than the hand-over of the bytes.  Touches the connection only
 * (the helpers of --threads call it too). */
static int conn_send(struct conn *c, int64_t t0)
{
    while (c->out_off < c->out_len) {
        int64_t t = mono_ns() - t0;
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         SEND_FLAGS);

        if (n > 0) {
            c->out_off += (size_t)n;
            c->write_ns = t;
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

static int conn_flush(struct sk_server *sv, struct conn *c)
{
    int rc = conn_send(c, sv->t0);

    tick(sv);
    return rc;
}

static void conn_idle(struct sk_server *sv, struct conn *c)
{
    sk_http_parser_reset(c->http);
    c->state = C_READ;
    c->sent_continue = c->in_held = 0;
    c->deadline = sv->now + sv->o.idle_ns;
}

/* The response is out: log it, then wait for the next request or close. */
static void end_request(struct sk_server *sv, struct conn *c)
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
static void linger(struct sk_server *sv, struct conn *c)
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
static void refuse_tls(struct sk_server *sv, struct conn *c)
{
    if (sv->n.tls++ == 0 && sv->o.note)
        sv->o.note(sv->o.note_ctx,
                   "a client began a TLS handshake (https://?); this server "
                   "speaks plain HTTP (use http://): connection closed "
                   "without an answer (noted once; the count is in the "
                   "summary)");
    shutdown(c->fd, SHUT_WR);
    c->state = C_LINGER;
    c->deadline = sv->now + LINGER_NS;
    linger(sv, c);
}

/* ---- requests --------------------------------------------------------- */

/* The model's events: append tokens for the request's connection. */
static void on_event(void *ctx, const sk_sim_event *ev)
{
    struct sk_server *sv = ctx;
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
        sk_server__finish_response(sv, c);
        r->done = 1;
        if (!r->status)
            r->status = 200;
        r->mark_last = r->emitted > 0;
    }
    mark_dirty(sv, c);
}

static int read_request(struct sk_server *sv, struct conn *c)
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
            sk_server__reject(sv, c);
            return 1;
        }
        if (rc == SK_HTTP_COMPLETE) {
            sk_server__dispatch(sv, c);
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
static void conn_advance(struct sk_server *sv, struct conn *c)
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
            return; /* wait until writable */
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

/* Watch for what the connection waits on now: input unless held, and
 * room to write while output is queued. */
static void conn_rewatch(struct sk_server *sv, struct conn *c)
{
    unsigned want;

    if (c->state == C_CLOSED)
        return;
    want = (c->in_held ? 0 : SK_EV_IN) | (c->out_len > 0 ? SK_EV_OUT : 0);
    if (want == c->watched)
        return;
    if (sk_evloop_watch(sv->loop, c->fd, want, (uintptr_t)c) != 0) {
        sv->n.accept_errors++;
        conn_drop(sv, c, 499);
        return;
    }
    c->watched = want;
}

static void conn_service(struct sk_server *sv, struct conn *c)
{
    conn_advance(sv, c);
    conn_rewatch(sv, c);
}

/* ---- --threads: the sends of a turn on several threads ------------------ */

/* Below this many connections with tokens a turn, one thread sends. */
#define PARALLEL_MIN 32

/* Helper i's share of the job: every nthreads-th connection from i. */
static void send_share(struct sk_server *sv, size_t i)
{
    size_t k, n = sv->nhelpers + 1;

    for (k = i; k < sv->njob; k += n) {
        struct conn *c = sv->job[k];

        if (!c->overflow)
            (void)conn_send(c, sv->t0); /* a failure is seen again after */
    }
}

struct helper_arg {
    struct sk_server *sv;
    size_t i;
};

static void *helper_main(void *arg)
{
    struct helper_arg a = *(struct helper_arg *)arg;
    int launch;

    free(arg);
    pthread_mutex_lock(&a.sv->mu);
    while ((launch = a.sv->launch) == 0)
        pthread_cond_wait(&a.sv->cv, &a.sv->mu);
    pthread_mutex_unlock(&a.sv->mu);
    if (launch < 0)
        return NULL;
    for (;;) {
        pthread_barrier_wait(&a.sv->go);
        if (!a.sv->job)
            return NULL;
        send_share(a.sv, a.i);
        pthread_barrier_wait(&a.sv->done);
    }
}

/* Send the queued bytes of `list` on this thread and the helpers at once;
 * only sending: the connections' state moves on in conn_service() after,
 * on this thread, where a failure is met again (and a full socket's rest
 * waits as before). */
static void send_parallel(struct sk_server *sv, struct conn **list, size_t n)
{
    sv->job = list;
    sv->njob = n;
    pthread_barrier_wait(&sv->go);
    send_share(sv, 0);
    pthread_barrier_wait(&sv->done);
    sv->job = NULL;
}

/* The helpers leave (through the `go` barrier, with no job) and are
 * joined. */
static void helpers_stop(struct sk_server *sv, size_t started)
{
    size_t i;

    if (!sv->helpers)
        return;
    if (sv->launch > 0) {
        sv->job = NULL;
        pthread_barrier_wait(&sv->go);
    }
    for (i = 0; i < started; i++)
        pthread_join(sv->helpers[i], NULL);
    pthread_barrier_destroy(&sv->go);
    pthread_barrier_destroy(&sv->done);
    pthread_cond_destroy(&sv->cv);
    pthread_mutex_destroy(&sv->mu);
    free(sv->helpers);
    sv->helpers = NULL;
    sv->nhelpers = 0;
}

/* Start the helpers of --threads (none with 1).  All or none: the
 * barriers count them all, so when one cannot be started those that were
 * leave at once, and this thread sends alone (a note says so). */
static void helpers_start(struct sk_server *sv)
{
    size_t want = sv->o.threads > 1 ? sv->o.threads - 1 : 0, i;

    sv->nhelpers = 0;
    if (!want || !(sv->helpers = calloc(want, sizeof(*sv->helpers))))
        return;
    pthread_mutex_init(&sv->mu, NULL);
    pthread_cond_init(&sv->cv, NULL);
    pthread_barrier_init(&sv->go, NULL, (unsigned)(want + 1));
    pthread_barrier_init(&sv->done, NULL, (unsigned)(want + 1));
    sv->launch = 0;
    for (i = 0; i < want; i++) {
        struct helper_arg *a = malloc(sizeof(*a));

        if (!a)
            break;
        a->sv = sv;
        a->i = i + 1;
        if (pthread_create(&sv->helpers[i], NULL, helper_main, a) != 0) {
            free(a);
            break;
        }
    }
    pthread_mutex_lock(&sv->mu);
    sv->launch = i == want ? 1 : -1;
    pthread_cond_broadcast(&sv->cv);
    pthread_mutex_unlock(&sv->mu);
    if (i == want) {
        sv->nhelpers = want;
        return;
    }
    if (sv->o.note)
        sv->o.note(sv->o.note_ctx, "--threads: a sending thread could not "
                                   "be started; one thread sends");
    helpers_stop(sv, i);
}

static void service_dirty(struct sk_server *sv)
{
    while (sv->ndirty > 0) {
        struct conn **list = sv->dirty;
        size_t i, n = sv->ndirty;

        sv->dirty = sv->dirty2; /* conns dirtied meanwhile go here */
        sv->dirty2 = list;
        sv->ndirty = 0;
        if (sv->nhelpers && n >= PARALLEL_MIN)
            send_parallel(sv, list, n);
        for (i = 0; i < n; i++) {
            list[i]->in_dirty = 0;
            conn_service(sv, list[i]);
        }
    }
}

static struct conn *conn_get(struct sk_server *sv)
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

static void accept_all(struct sk_server *sv)
{
    for (;;) {
        int fd = accept(sv->lfd, NULL, NULL), one = 1;
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
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
        c->fd = fd;
        c->watched = 0;
        c->in_dirty = c->overflow = c->close_after = 0;
        c->fresh = 1;
        c->out_off = c->out_len = c->pend_len = 0;
        memset(&c->r, 0, offsetof(struct req, model));
        c->live_idx = sv->nlive;
        sv->live[sv->nlive++] = c;
        c->write_ns = sv->now;
        conn_idle(sv, c);
        sv->n.accepted++;
        conn_service(sv, c); /* data may already be there; watches it */
    }
}

static void on_conn_event(struct sk_server *sv, struct conn *c, unsigned ev)
{
    if (c->state == C_CLOSED)
        return;
    if (ev & SK_EV_ERR) {
        if (c->r.live)
            sv->n.disconnects++;
        conn_drop(sv, c, 499);
        return;
    }
    if ((ev & SK_EV_IN) && c->state == C_ACTIVE) {
        /* Input while a request runs: the client closed its side, so it
         * has gone (clients that half-close and still read are not
         * supported), or it sent its next request early, which waits. */
        char b;
        ssize_t n = recv(c->fd, &b, 1, MSG_PEEK);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                       errno != EINTR)) {
            sv->n.disconnects++;
            conn_drop(sv, c, 499);
            return;
        }
        if (n > 0)
            c->in_held = 1;
    }
    conn_service(sv, c);
}

/* Timeouts: a request must arrive within idle_ns; a response whose bytes
 * do not move for idle_ns is dropped; a lingering close ends. */
static void sweep(struct sk_server *sv)
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

/* How long the loop may wait: until the model's next event, the next
 * sweep, or 100 ms (a stop is noticed at the latest then). */
static int64_t wait_ns(struct sk_server *sv, int64_t next_sweep)
{
    int64_t t = sk_sim_next_event_ns(sv->sim), until = next_sweep;

    if (t < until)
        until = t;
    tick(sv);
    if (until - sv->now > SWEEP_NS)
        return SWEEP_NS;
    return until > sv->now ? until - sv->now : 0;
}

/* ---- setup and the loop ----------------------------------------------- */

static int sys_fail(const char *what)
{
    return sk_error_set(SK_EIO, "%s: %s", what, strerror(errno));
}

/* Non-blocking and closed on exec: fcntl, as POSIX has it. */
static int fd_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int listen_on(struct sk_server *sv, char *url, size_t urlsz)
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
    sv->lfd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (sv->lfd < 0 || fd_nonblock(sv->lfd) != 0) {
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
        sv->port = ntohs(a->sin6_port);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
        snprintf(url, urlsz, "http://%s:%u", addr, ntohs(a->sin_port));
        sv->port = ntohs(a->sin_port);
    }
    return 0;
}

/* Everything but the object itself, which the caller frees. */
static void server_dispose(struct sk_server *sv)
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
    if (sv->log && sv->own_log && fclose(sv->log) != 0)
        sv->n.log_errors++;
    else if (sv->log && !sv->own_log && fflush(sv->log) != 0)
        sv->n.log_errors++;
    sv->log = NULL;
    if (sv->lfd >= 0)
        close(sv->lfd);
    if (sv->wake[0] >= 0)
        close(sv->wake[0]);
    if (sv->wake[1] >= 0)
        close(sv->wake[1]);
    sk_evloop_free(sv->loop);
    if (sv->spare >= 0)
        close(sv->spare);
    sk_sim_free(sv->sim);
    free(sv->live);
    free(sv->dirty);
    free(sv->dirty2);
}

static int server_init(struct sk_server *sv)
{
    int rc;

    if ((rc = sk_server_opts_finish(&sv->o)) != 0)
        return rc;
    sv->live = calloc(sv->o.max_conns, sizeof(*sv->live));
    sv->dirty = calloc(sv->o.max_conns, sizeof(*sv->dirty));
    sv->dirty2 = calloc(sv->o.max_conns, sizeof(*sv->dirty2));
    if (!sv->live || !sv->dirty || !sv->dirty2)
        return sk_error_set(SK_ENOMEM, "out of memory for %zu connections",
                            sv->o.max_conns);
    if ((rc = sk_sim_new(&sv->sim, &sv->o.model, on_event, sv)) != 0)
        return rc;
    if ((rc = listen_on(sv, sv->url, sizeof(sv->url))) != 0)
        return rc;
    if ((rc = sk_evloop_new(&sv->loop)) != 0)
        return rc;
    if (pipe(sv->wake) != 0 || fd_nonblock(sv->wake[0]) != 0 ||
        fd_nonblock(sv->wake[1]) != 0)
        return sys_fail("pipe");
    sv->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if ((rc = sk_evloop_watch(sv->loop, sv->lfd, SK_EV_IN, TAG_LISTEN)) != 0 ||
        (rc = sk_evloop_watch(sv->loop, sv->wake[0], SK_EV_IN, TAG_WAKE)) != 0)
        return rc;
    if (sv->o.log_path) {
        if (!(sv->log = fopen(sv->o.log_path, "w")))
            return sk_error_set(SK_EIO, "%s: cannot create: %s", sv->o.log_path,
                                strerror(errno));
        sv->own_log = 1;
    } else {
        sv->log = sv->o.log_fp;
    }
    if (sv->log) {
        fputs(log_header, sv->log);
        fflush(sv->log);
    }
    sv->t0 = mono_ns();
    return 0;
}

/* ---- the API ------------------------------------------------------------ */

int sk_server_new(sk_server **out, const sk_server_opts *opts)
{
    struct sk_server *sv;
    int rc;

    *out = NULL;
    if (!(sv = calloc(1, sizeof(*sv))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    sv->o = *opts;
    sv->lfd = sv->wake[0] = sv->wake[1] = sv->spare = -1;
    if ((rc = server_init(sv)) != 0) {
        server_dispose(sv);
        free(sv);
        return rc;
    }
    sv->o.host = sv->o.log_path = NULL; /* borrowed for the call only */
    *out = sv;
    return 0;
}

int sk_server_port(const sk_server *sv)
{
    return sv->port;
}

const char *sk_server_url(const sk_server *sv)
{
    return sv->url;
}

int sk_server_run(sk_server *sv)
{
    sk_ev evs[MAX_EVENTS];
    int64_t next_sweep = SWEEP_NS;
    long slack = sk_evloop_timer_slack(1); /* on-time wake-ups */
    int rc = 0;

    helpers_start(sv);
    while (!sv->stop) {
        int i, n = sk_evloop_wait(sv->loop, evs, MAX_EVENTS,
                                  wait_ns(sv, next_sweep));

        if (n < 0) {
            rc = n;
            break;
        }
        /* Tokens first: they are due now. */
        tick(sv);
        sk_sim_advance(sv->sim, sv->now);
        service_dirty(sv);
        tick(sv);
        for (i = 0; i < n; i++) {
            uint64_t d = evs[i].data;

            if (d == TAG_LISTEN) {
                accept_all(sv);
            } else if (d == TAG_WAKE) {
                char x[64];

                while (read(sv->wake[0], x, sizeof(x)) > 0)
                    sv->stop = 1;
            } else {
                on_conn_event(sv, (struct conn *)(uintptr_t)d, evs[i].events);
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
    }
    helpers_stop(sv, sv->nhelpers);
    sv->stop = 0; /* a later call serves again */
    if (slack >= 0)
        sk_evloop_timer_slack(slack);
    return rc;
}

void sk_server_stop(sk_server *sv)
{
    int saved = errno; /* a signal handler must leave errno as it was */

    if (sv)
        (void)!write(sv->wake[1], "", 1);
    errno = saved;
}

void sk_server_get_stats(const sk_server *sv, sk_server_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->elapsed_s = (double)(mono_ns() - sv->t0) / 1e9;
    out->requests = sv->n.requests;
    out->tokens = (unsigned long long)sk_sim_tokens(sv->sim);
    out->steps = (unsigned long long)sk_sim_steps(sv->sim);
    out->accepted = sv->n.accepted;
    out->refused = sv->n.refused;
    out->error_responses = sv->n.error_responses;
    out->disconnects = sv->n.disconnects;
    out->slow_clients = sv->n.slow_clients;
    out->timeouts = sv->n.timeouts;
    out->accept_errors = sv->n.accept_errors;
    out->log_errors = sv->n.log_errors;
    out->tls = sv->n.tls;
}

void sk_server_free(sk_server *sv)
{
    if (!sv)
        return;
    server_dispose(sv);
    free(sv);
}
