/*
 * The readiness loop (sweepkit/evloop.h): one of three backends, chosen
 * by the build (SK_EVLOOP_EPOLL, SK_EVLOOP_KQUEUE, else poll).  Only the
 * epoll backend uses Linux-only calls.
 */
#if defined(SK_EVLOOP_EPOLL) || defined(SK_HAVE_PPOLL)
#define _GNU_SOURCE /* epoll_pwait2, ppoll: Linux's own */
#endif
#include "sweepkit/evloop.h"

#include "sweepkit/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

long sk_evloop_timer_slack(long ns)
{
#if defined(__linux__)
    int old = prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);

    if (old < 0 ||
        prctl(PR_SET_TIMERSLACK, (unsigned long)ns, 0UL, 0UL, 0UL) != 0)
        return -1;
    return old;
#else
    (void)ns;
    return -1;
#endif
}

/* A timeout in ns as a timespec (negative: none, NULL). */
static inline struct timespec *as_timespec(struct timespec *ts, int64_t ns)
{
    if (ns < 0)
        return NULL;
    ts->tv_sec = (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
    return ts;
}

/* A timeout in ns as poll's milliseconds, rounded up (-1: forever). */
static inline int as_ms(int64_t ns)
{
    if (ns < 0)
        return -1;
    if (ns > (int64_t)2000000000 * 1000000)
        return 2000000000;
    return (int)((ns + 999999) / 1000000);
}

#if defined(SK_EVLOOP_EPOLL)

#include <sys/epoll.h>

struct sk_evloop {
    int ep;
    struct epoll_event *buf;
    int cap;
    int coarse; /* epoll_pwait2 said ENOSYS: whole ms from then on */
};

const char *sk_evloop_backend(void)
{
    return "epoll";
}

int sk_evloop_new(sk_evloop **out)
{
    sk_evloop *l = calloc(1, sizeof(*l));

    *out = NULL;
    if (!l)
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        free(l);
        return sk_error_set(SK_EIO, "epoll_create1: %s", strerror(errno));
    }
    *out = l;
    return 0;
}

int sk_evloop_watch(sk_evloop *l, int fd, unsigned events, uint64_t data)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    if (!events) {
        epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    ev.data.u64 = data;
    ev.events =
        (events & SK_EV_IN ? EPOLLIN : 0) | (events & SK_EV_OUT ? EPOLLOUT : 0);
    if (epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) != 0 &&
        (errno != ENOENT || epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0))
        return sk_error_set(SK_EIO, "epoll_ctl: %s", strerror(errno));
    return 0;
}

int sk_evloop_precise(const sk_evloop *l)
{
    return !l->coarse;
}

int sk_evloop_wait(sk_evloop *l, sk_ev *out, int max, int64_t timeout_ns)
{
    struct timespec ts;
    int k = -1, i;

    if (max > l->cap) {
        struct epoll_event *b = realloc(l->buf, (size_t)max * sizeof(*b));

        if (!b)
            return sk_error_set(SK_ENOMEM, "out of memory");
        l->buf = b;
        l->cap = max;
    }
    if (!l->coarse) {
        k = epoll_pwait2(l->ep, l->buf, max, as_timespec(&ts, timeout_ns),
                         NULL);
        if (k < 0 && errno == ENOSYS)
            l->coarse = 1;
    }
    if (l->coarse)
        k = epoll_wait(l->ep, l->buf, max, as_ms(timeout_ns));
    if (k < 0)
        return errno == EINTR
                   ? 0
                   : sk_error_set(SK_EIO, "epoll_wait: %s", strerror(errno));
    for (i = 0; i < k; i++) {
        unsigned e = l->buf[i].events;

        out[i].data = l->buf[i].data.u64;
        out[i].events = (e & EPOLLIN ? SK_EV_IN : 0) |
                        (e & EPOLLOUT ? SK_EV_OUT : 0) |
                        (e & (EPOLLERR | EPOLLHUP) ? SK_EV_ERR : 0);
    }
    return k;
}

void sk_evloop_free(sk_evloop *l)
{
    if (!l)
        return;
    close(l->ep);
    free(l->buf);
    free(l);
}

#elif defined(SK_EVLOOP_KQUEUE)

/* kqueue(2), kevent(2): a read and a write filter per descriptor, added
 * and deleted as the wanted events change; level-triggered (no
 * EV_CLEAR).  A filter whose value changes is deleted and added again:
 * the documented EV_ADD updates it in place, but libkqueue (the emulation
 * this backend is tested with on Linux, docs/install.md) refuses that.
 * The peer's close (EV_EOF) on the read filter is input, as with epoll
 * and poll: the read that returns 0 tells. */
#include <sys/event.h>
#include <sys/time.h>
#include <sys/types.h>

struct sk_evloop {
    int kq;
    unsigned char *want; /* by fd: SK_EV_IN | SK_EV_OUT registered */
    uint64_t *data;      /* by fd: the value they carry */
    size_t nwant;
    struct kevent *buf;
    int cap;
};

const char *sk_evloop_backend(void)
{
    return "kqueue";
}

int sk_evloop_new(sk_evloop **out)
{
    sk_evloop *l = calloc(1, sizeof(*l));

    *out = NULL;
    if (!l)
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((l->kq = kqueue()) < 0) {
        free(l);
        return sk_error_set(SK_EIO, "kqueue: %s", strerror(errno));
    }
    *out = l;
    return 0;
}

int sk_evloop_watch(sk_evloop *l, int fd, unsigned events, uint64_t data)
{
    static const struct {
        unsigned ev;
        short filter;
    } f[2] = {{SK_EV_IN, EVFILT_READ}, {SK_EV_OUT, EVFILT_WRITE}};
    struct kevent ch[4];
    int n = 0, i;
    unsigned had;

    if (fd < 0)
        return sk_error_set(SK_EIO, "kevent: a negative descriptor");
    if ((size_t)fd >= l->nwant) {
        size_t m = (size_t)fd * 2 + 64;
        unsigned char *w = realloc(l->want, m);
        uint64_t *d;

        if (!w)
            return sk_error_set(SK_ENOMEM, "out of memory");
        memset(w + l->nwant, 0, m - l->nwant);
        l->want = w;
        if (!(d = realloc(l->data, m * sizeof(*d))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        l->data = d;
        l->nwant = m;
    }
    had = l->want[fd];
    for (i = 0; i < 2; i++) {
        int on = (events & f[i].ev) != 0, was = (had & f[i].ev) != 0;

        if (was && (!on || l->data[fd] != data))
            EV_SET(&ch[n++], fd, f[i].filter, EV_DELETE, 0, 0, NULL);
        if (on && (!was || l->data[fd] != data))
            EV_SET(&ch[n++], fd, f[i].filter, EV_ADD, 0, 0,
                   (void *)(uintptr_t)data);
    }
    l->want[fd] = (unsigned char)(events & (SK_EV_IN | SK_EV_OUT));
    l->data[fd] = data;
    if (n && kevent(l->kq, ch, n, NULL, 0, NULL) < 0 && events)
        return sk_error_set(SK_EIO, "kevent: %s", strerror(errno));
    return 0;
}

int sk_evloop_precise(const sk_evloop *l)
{
    (void)l;
    return 1;
}

int sk_evloop_wait(sk_evloop *l, sk_ev *out, int max, int64_t timeout_ns)
{
    struct timespec ts;
    int k, i;

    if (max > l->cap) {
        struct kevent *b = realloc(l->buf, (size_t)max * sizeof(*b));

        if (!b)
            return sk_error_set(SK_ENOMEM, "out of memory");
        l->buf = b;
        l->cap = max;
    }
    k = kevent(l->kq, NULL, 0, l->buf, max, as_timespec(&ts, timeout_ns));
    if (k < 0)
        return errno == EINTR
                   ? 0
                   : sk_error_set(SK_EIO, "kevent: %s", strerror(errno));
    for (i = 0; i < k; i++) {
        out[i].data = (uint64_t)(uintptr_t)l->buf[i].udata;
        int rd = l->buf[i].filter == EVFILT_READ;

        out[i].events =
            (rd ? SK_EV_IN : SK_EV_OUT) |
            (l->buf[i].flags & EV_ERROR || (!rd && l->buf[i].flags & EV_EOF)
                 ? SK_EV_ERR
                 : 0);
    }
    return k;
}

void sk_evloop_free(sk_evloop *l)
{
    if (!l)
        return;
    close(l->kq);
    free(l->want);
    free(l->data);
    free(l->buf);
    free(l);
}

#else /* poll(2): POSIX */

#include <poll.h>

struct sk_evloop {
    struct pollfd *fds; /* the watched descriptors, packed */
    uint64_t *data;     /* each one's value */
    size_t n, cap;
    int *at; /* by fd: its index in fds, or -1 */
    size_t nat;
    size_t next; /* where the next wait starts reporting (fair) */
};

const char *sk_evloop_backend(void)
{
    return "poll";
}

int sk_evloop_new(sk_evloop **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : sk_error_set(SK_ENOMEM, "out of memory");
}

int sk_evloop_watch(sk_evloop *l, int fd, unsigned events, uint64_t data)
{
    short want = (short)((events & SK_EV_IN ? POLLIN : 0) |
                         (events & SK_EV_OUT ? POLLOUT : 0));
    int i;

    if (fd < 0)
        return sk_error_set(SK_EIO, "poll: a negative descriptor");
    if ((size_t)fd >= l->nat) {
        size_t m = (size_t)fd * 2 + 64, j;
        int *a = realloc(l->at, m * sizeof(*a));

        if (!a)
            return sk_error_set(SK_ENOMEM, "out of memory");
        for (j = l->nat; j < m; j++)
            a[j] = -1;
        l->at = a;
        l->nat = m;
    }
    i = l->at[fd];
    if (!events) {
        if (i >= 0) { /* the last one moves into its place */
            l->n--;
            l->fds[i] = l->fds[l->n];
            l->data[i] = l->data[l->n];
            if ((size_t)i < l->n)
                l->at[l->fds[i].fd] = i;
            l->at[fd] = -1;
        }
        return 0;
    }
    if (i < 0) {
        if (l->n == l->cap) {
            size_t m = l->cap ? 2 * l->cap : 64;
            struct pollfd *f = realloc(l->fds, m * sizeof(*f));
            uint64_t *d;

            if (!f)
                return sk_error_set(SK_ENOMEM, "out of memory");
            l->fds = f;
            if (!(d = realloc(l->data, m * sizeof(*d))))
                return sk_error_set(SK_ENOMEM, "out of memory");
            l->data = d;
            l->cap = m;
        }
        i = (int)l->n++;
        l->at[fd] = i;
        l->fds[i].fd = fd;
    }
    l->fds[i].events = want;
    l->fds[i].revents = 0;
    l->data[i] = data;
    return 0;
}

int sk_evloop_precise(const sk_evloop *l)
{
    (void)l;
#if defined(SK_HAVE_PPOLL)
    return 1;
#else
    return 0;
#endif
}

int sk_evloop_wait(sk_evloop *l, sk_ev *out, int max, int64_t timeout_ns)
{
    int k, got = 0;
    size_t j, i;

#if defined(SK_HAVE_PPOLL)
    struct timespec ts;

    k = ppoll(l->fds, (nfds_t)l->n, as_timespec(&ts, timeout_ns), NULL);
#else
    k = poll(l->fds, (nfds_t)l->n, as_ms(timeout_ns));
#endif
    if (k < 0)
        return errno == EINTR
                   ? 0
                   : sk_error_set(SK_EIO, "poll: %s", strerror(errno));
    /* from a rotating start, so that a busy low descriptor does not
     * starve the others when more than `max` are ready */
    for (j = 0; j < l->n && got < max && k > 0; j++) {
        i = (l->next + j) % l->n;
        if (!l->fds[i].revents)
            continue;
        out[got].data = l->data[i];
        out[got].events =
            (l->fds[i].revents & POLLIN ? SK_EV_IN : 0) |
            (l->fds[i].revents & POLLOUT ? SK_EV_OUT : 0) |
            (l->fds[i].revents & (POLLERR | POLLHUP | POLLNVAL) ? SK_EV_ERR
                                                                : 0);
        got++;
    }
    if (l->n)
        l->next = (l->next + 1) % l->n;
    return got;
}

void sk_evloop_free(sk_evloop *l)
{
    if (!l)
        return;
    free(l->fds);
    free(l->data);
    free(l->at);
    free(l);
}

#endif
