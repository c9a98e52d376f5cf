/*
 * Load client for bench/serve_sim_bench.sh: CONNS keep-alive connections
 * to a serve-sim on 127.0.0.1, each running streaming /v1/completions
 * requests of TOKENS tokens back to back (closed loop) for SECONDS, then
 * finishing the requests in flight (at most GRACE seconds more).  One
 * thread, epoll, raw sockets, no allocation per chunk.
 *
 * A token is one SSE chunk carrying "finish_reason":null (the content
 * chunks; the finish chunk and [DONE] are not counted).  tokens_per_s is
 * measured over the window in which every connection is streaming: from
 * the last first-token to the end of SECONDS.
 *
 * usage: sim_load PORT CONNS TOKENS SECONDS [GRACE]
 * prints key=value lines.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000
#define MAX_SECONDS 600

/* Knuth-Morris-Pratt over a stream: matches across read boundaries. */
struct kmp {
    const char *p;
    size_t n, j;
    size_t fail[32];
};

static void kmp_init(struct kmp *k, const char *p)
{
    size_t i, j = 0;

    k->p = p;
    k->n = strlen(p);
    k->j = 0;
    k->fail[0] = 0;
    for (i = 1; i < k->n; i++) {
        while (j > 0 && p[i] != p[j])
            j = k->fail[j - 1];
        if (p[i] == p[j])
            j++;
        k->fail[i] = j;
    }
}

/* 1 when byte c completes a match. */
static int kmp_step(struct kmp *k, char c)
{
    while (k->j > 0 && c != k->p[k->j])
        k->j = k->fail[k->j - 1];
    if (c == k->p[k->j])
        k->j++;
    if (k->j == k->n) {
        k->j = k->fail[k->n - 1];
        return 1;
    }
    return 0;
}

struct lconn {
    int fd, connected, busy, done;
    struct kmp tok, end, resp, ok;
    int got_first;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end || v < lo || v > hi) {
        fprintf(stderr, "sim_load: %s must be %ld..%ld\n", what, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static struct lconn cs[MAX_CONNS];
    static char buf[1 << 16];
    struct epoll_event evs[1024];
    struct sockaddr_in a;
    struct rlimit rl;
    char req[512], body[256];
    size_t reqlen;
    long port, nconn, tokens, seconds, grace = 10, i;
    int ep, live = 0;
    unsigned long long requests = 0, completed = 0, not_ok = 0,
                       total_tokens = 0, window_tokens = 0, conn_errors = 0,
                       responses = 0, oks = 0;
    double t_start, t_end, t_hard, t_window = 0;
    long firsts = 0;

    if (argc < 5) {
        fprintf(stderr, "usage: sim_load PORT CONNS TOKENS SECONDS "
                        "[GRACE]\n");
        return 2;
    }
    port = arg(argv[1], 1, 65535, "PORT");
    nconn = arg(argv[2], 1, MAX_CONNS, "CONNS");
    tokens = arg(argv[3], 1, 100000, "TOKENS");
    seconds = arg(argv[4], 1, MAX_SECONDS, "SECONDS");
    if (argc > 5)
        grace = arg(argv[5], 0, MAX_SECONDS, "GRACE");
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur < (rlim_t)nconn + 64) {
        rl.rlim_cur =
            (rlim_t)nconn + 64 < rl.rlim_max ? (rlim_t)nconn + 64 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    snprintf(body, sizeof(body),
             "{\"prompt\":\"Count slowly.\",\"max_tokens\":%ld,"
             "\"stream\":true,\"ignore_eos\":true}",
             tokens);
    reqlen = (size_t)snprintf(req, sizeof(req),
                              "POST /v1/completions HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: %zu\r\n\r\n%s",
                              strlen(body), body);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(0x7f000001); /* loopback only */
    ep = epoll_create1(0);
    t_start = now_s();
    t_end = t_start + (double)seconds;
    t_hard = t_end + (double)grace;
    for (i = 0; i < nconn; i++) {
        struct lconn *c = &cs[i];
        struct epoll_event ev;
        int one = 1;

        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c->fd < 0) {
            conn_errors++;
            c->done = 1;
            continue;
        }
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 &&
            errno != EINPROGRESS) {
            conn_errors++;
            close(c->fd);
            c->done = 1;
            continue;
        }
        kmp_init(&c->tok, "\"finish_reason\":null");
        kmp_init(&c->end, "\r\n0\r\n\r\n");
        kmp_init(&c->resp, "HTTP/1.1 ");
        kmp_init(&c->ok, "HTTP/1.1 200 ");
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        live++;
    }
    while (live > 0 && now_s() < t_hard) {
        int n = epoll_wait(ep, evs, 1024, 10), k;
        double t = now_s();

        for (k = 0; k < n; k++) {
            struct lconn *c = evs[k].data.ptr;
            int drop = 0;

            if (c->done)
                continue;
            if (!c->connected && (evs[k].events & (EPOLLOUT | EPOLLERR))) {
                int err = 0;
                socklen_t el = sizeof(err);

                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    conn_errors++;
                    drop = 1;
                } else {
                    c->connected = 1;
                    if (send(c->fd, req, reqlen, MSG_NOSIGNAL) !=
                        (ssize_t)reqlen)
                        drop = 1;
                    c->busy = 1;
                    requests++;
                }
            }
            while (!drop && c->connected) {
                ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
                ssize_t b;

                if (r < 0 && errno == EAGAIN)
                    break;
                if (r <= 0) {
                    drop = 1;
                    break;
                }
                for (b = 0; b < r; b++) {
                    char ch = buf[b];

                    responses += (unsigned long long)kmp_step(&c->resp, ch);
                    oks += (unsigned long long)kmp_step(&c->ok, ch);
                    if (kmp_step(&c->tok, ch)) {
                        total_tokens++;
                        if (!c->got_first) {
                            c->got_first = 1;
                            if (++firsts == nconn)
                                t_window = t;
                        }
                        if (t_window > 0 && t <= t_end)
                            window_tokens++;
                    }
                    if (kmp_step(&c->end, ch)) {
                        completed++;
                        c->busy = 0;
                    }
                }
                if (!c->busy) {
                    if (t >= t_end) {
                        drop = 1;
                        break;
                    }
                    if (send(c->fd, req, reqlen, MSG_NOSIGNAL) !=
                        (ssize_t)reqlen) {
                        drop = 1;
                        break;
                    }
                    c->busy = 1;
                    requests++;
                }
            }
            if (drop || (evs[k].events & (EPOLLHUP | EPOLLERR))) {
                if (c->busy && t < t_end)
                    not_ok++;
                close(c->fd);
                c->done = 1;
                live--;
            }
        }
    }
    printf("conns=%ld\n", nconn);
    printf("connect_errors=%llu\n", conn_errors);
    printf("streams_started=%ld\n", firsts);
    printf("requests=%llu\n", requests);
    printf("completed=%llu\n", completed);
    printf("failed=%llu\n", not_ok);
    printf("non_200=%llu\n", responses - oks);
    printf("unfinished=%d\n", live);
    printf("tokens=%llu\n", total_tokens);
    if (t_window > 0 && t_end > t_window) {
        printf("window_s=%.3f\n", t_end - t_window);
        printf("tokens_per_s=%.0f\n",
               (double)window_tokens / (t_end - t_window));
    } else {
        printf("window_s=0\ntokens_per_s=0\n");
    }
    return 0;
}
