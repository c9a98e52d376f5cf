/*
 * A level-triggered readiness loop over file descriptors, one interface
 * with three backends chosen at build time (CMake option SK_EVLOOP,
 * docs/install.md): epoll (Linux), kqueue (macOS and the BSDs) and
 * poll (anywhere POSIX).  The collector drives libcurl's sockets with it.
 *
 * Level-triggered in every backend: a descriptor stays reported while it
 * is ready.  Each watched descriptor carries a 64-bit value the caller
 * chooses, returned with its events.
 *
 * Ownership: sk_evloop_new() returns an object freed by sk_evloop_free().
 * Thread-safety: one loop per thread.
 */
#ifndef SWEEPKIT_EVLOOP_H
#define SWEEPKIT_EVLOOP_H

#include <stdint.h>

#define SK_EV_IN 1u  /* readable (or the peer closed) */
#define SK_EV_OUT 2u /* writable */
#define SK_EV_ERR 4u /* an error or a hang-up */

typedef struct {
    uint64_t data;   /* as given to sk_evloop_watch() */
    unsigned events; /* SK_EV_* */
} sk_ev;

typedef struct sk_evloop sk_evloop;

/* A loop.  Returns 0, SK_EIO ("epoll_create1: REASON") or SK_ENOMEM. */
int sk_evloop_new(sk_evloop **out);

/* Watch `fd` for `events` (SK_EV_IN | SK_EV_OUT), reported with `data`;
 * a descriptor already watched gets the new events and data; events 0
 * stops watching it.  Returns 0, SK_EIO or SK_ENOMEM. */
int sk_evloop_watch(sk_evloop *l, int fd, unsigned events, uint64_t data);

/*
 * Wait up to timeout_ns nanoseconds (0: do not wait; negative: forever)
 * for at least one watched descriptor to be ready; fill at most `max` of
 * `out` (one entry per descriptor, or per descriptor and direction with
 * kqueue).  The timeout is kept to the nanosecond where the system can
 * (epoll_pwait2, kevent, ppoll), else rounded up to the millisecond
 * (sk_evloop_precise()).  Returns how many (0 on a timeout or a
 * signal), or SK_EIO.
 */
int sk_evloop_wait(sk_evloop *l, sk_ev *out, int max, int64_t timeout_ns);

/* Does sk_evloop_wait() keep its timeout finer than a millisecond here?
 * (1 after a wait found out; epoll_pwait2 may be missing from the
 * running kernel.) */
int sk_evloop_precise(const sk_evloop *l);

/* Accepts NULL. */
void sk_evloop_free(sk_evloop *l);

/* Set the calling thread's timer slack (how late the kernel may end a
 * timed wait, 50 us by default on Linux) to `ns` nanoseconds; returns
 * the previous value, for a later call to restore, or -1 where the system
 * has no such setting (it is Linux's own). */
long sk_evloop_timer_slack(long ns);

/* "epoll", "kqueue" or "poll": the backend built in. */
const char *sk_evloop_backend(void);

#endif
