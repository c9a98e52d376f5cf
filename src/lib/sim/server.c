/*
 * sweepkit serve-sim's server (sweepkit/server.h): connections, the event
 * loop, the request log, and the per-token path; server_resp.c answers
 * the requests.
 *
 * One thread: epoll over edge-triggered non-blocking sockets, a timerfd
 * armed (absolute, CLOCK_MONOTONIC) at the model's next event, an eventfd
 * for sk_server_stop().  The model's virtual clock is the monotonic clock
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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
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

/* write_ns is when the last successful send() began: on loopback the
 * receiver may run inside the call, so its end is later than the
 * hand-over of the bytes. */
static int conn_flush(struct sk_server *sv, struct conn *c)
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

static void conn_idle(struct sk_server *sv, struct conn *c)
{
    sk_http_parser_reset(c->http);
    c->state = C_READ;
    c->sent_continue = 0;
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
static void conn_service(struct sk_server *sv, struct conn *c)
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

static void service_dirty(struct sk_server *sv)
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

static void on_conn_event(struct sk_server *sv, struct conn *c, uint32_t ev)
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

static void arm_timer(struct sk_server *sv)
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
        sv->port = ntohs(a->sin6_port);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
        snprintf(url, urlsz, "http://%s:%u", addr, ntohs(a->sin_port));
        sv->port = ntohs(a->sin_port);
    }
    return 0;
}

static int add_fd(struct sk_server *sv, int fd, int *tag)
{
    struct epoll_event ev;

    ev.events = EPOLLIN;
    ev.data.ptr = tag;
    if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        return sys_fail("epoll_ctl");
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
    if (sv->tfd >= 0)
        close(sv->tfd);
    if (sv->efd >= 0)
        close(sv->efd);
    if (sv->ep >= 0)
        close(sv->ep);
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

    sv->armed = INT64_MAX;
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
    if ((sv->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return sys_fail("epoll_create1");
    sv->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (sv->tfd < 0)
        return sys_fail("timerfd_create");
    if ((sv->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        return sys_fail("eventfd");
    sv->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if ((rc = add_fd(sv, sv->lfd, &sv->lfd_tag)) != 0 ||
        (rc = add_fd(sv, sv->tfd, &sv->tfd_tag)) != 0 ||
        (rc = add_fd(sv, sv->efd, &sv->efd_tag)) != 0)
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
    sv->ep = sv->lfd = sv->tfd = sv->efd = sv->spare = -1;
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
    struct epoll_event evs[MAX_EVENTS];
    int64_t next_sweep = SWEEP_NS;
    int slack = prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL), rc = 0;

    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* on-time wake-ups */
    while (!sv->stop) {
        int i, n = epoll_wait(sv->ep, evs, MAX_EVENTS, 100);

        if (n < 0 && errno != EINTR) {
            rc = sys_fail("epoll_wait");
            break;
        }
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
            } else if (p == &sv->efd_tag) {
                uint64_t x;

                if (read(sv->efd, &x, sizeof(x)) == sizeof(x))
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
    sv->stop = 0; /* a later call serves again */
    if (slack > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0UL, 0UL, 0UL);
    return rc;
}

void sk_server_stop(sk_server *sv)
{
    uint64_t one = 1;
    int saved = errno; /* a signal handler must leave errno as it was */

    if (sv)
        (void)!write(sv->efd, &one, sizeof(one));
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
