/*
 * The readiness loop (sweepkit/evloop.h) over pipes, for whichever
 * backend the build chose: readiness and its value, level-triggered
 * reports, changed interests and values, removal, and 200 descriptors
 * ready at once reported over several waits of 16 with none starved.
 */
#include "harness.h"

#include "sweepkit/evloop.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void test_basics(void)
{
    sk_evloop *l = NULL;
    sk_ev ev[4];
    int p[2];

    CHECK_INT(pipe(p), 0);
    CHECK_INT(sk_evloop_new(&l), 0);
    if (!l)
        return;
    CHECK_INT(sk_evloop_watch(l, p[0], SK_EV_IN, 42), 0);
    CHECK_INT(sk_evloop_wait(l, ev, 4, 0), 0); /* nothing to read */
    CHECK_INT((int)write(p[1], "x", 1), 1);
    CHECK_INT(sk_evloop_wait(l, ev, 4, 1000000000), 1);
    CHECK(ev[0].data == 42 && (ev[0].events & SK_EV_IN));
    /* level-triggered: still reported until read */
    CHECK_INT(sk_evloop_wait(l, ev, 4, 0), 1);
    /* a new value for the same descriptor */
    CHECK_INT(sk_evloop_watch(l, p[0], SK_EV_IN, 7), 0);
    CHECK_INT(sk_evloop_wait(l, ev, 4, 0), 1);
    CHECK(ev[0].data == 7);
    /* the write end: writable */
    CHECK_INT(sk_evloop_watch(l, p[1], SK_EV_OUT, 9), 0);
    CHECK_INT(sk_evloop_wait(l, ev, 4, 0), 2);
    /* removed: not reported */
    CHECK_INT(sk_evloop_watch(l, p[0], 0, 0), 0);
    CHECK_INT(sk_evloop_watch(l, p[1], 0, 0), 0);
    CHECK_INT(sk_evloop_wait(l, ev, 4, 0), 0);
    /* the peer closed: reported (readable or hung up) */
    CHECK_INT(sk_evloop_watch(l, p[0], SK_EV_IN, 5), 0);
    close(p[1]);
    {
        char c;

        CHECK_INT((int)read(p[0], &c, 1), 1);
    }
    CHECK_INT(sk_evloop_wait(l, ev, 4, 1000000000), 1);
    CHECK(ev[0].data == 5 && (ev[0].events & (SK_EV_IN | SK_EV_ERR)));
    close(p[0]);
    sk_evloop_free(l);
}

static void test_many(void)
{
    enum { N = 200 };
    static int p[N][2];
    unsigned char seen[N];
    sk_evloop *l = NULL;
    sk_ev ev[16];
    int i, k, round, all = 0;

    CHECK_INT(sk_evloop_new(&l), 0);
    if (!l)
        return;
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < N; i++) {
        CHECK_INT(pipe(p[i]), 0);
        CHECK_INT((int)write(p[i][1], "x", 1), 1);
        CHECK_INT(sk_evloop_watch(l, p[i][0], SK_EV_IN, (uint64_t)i), 0);
    }
    /* each wait reports at most 16; a descriptor reported is read */
    for (round = 0; round < 40 && all < N; round++) {
        k = sk_evloop_wait(l, ev, 16, 1000000000);
        CHECK(k > 0 && k <= 16);
        for (i = 0; i < k; i++) {
            char c;
            size_t d = (size_t)ev[i].data;

            CHECK(d < N);
            if (d < N && !seen[d]) {
                seen[d] = 1;
                all++;
                CHECK_INT((int)read(p[d][0], &c, 1), 1);
                sk_evloop_watch(l, p[d][0], 0, 0);
            }
        }
    }
    CHECK_INT(all, N);
    for (i = 0; i < N; i++) {
        close(p[i][0]);
        close(p[i][1]);
    }
    sk_evloop_free(l);
}

/* A timeout is kept: a wait of 300 us on nothing ready returns 0 after
 * at least 300 us (the upper end is the scheduler's); epoll and ppoll
 * keep it finer than a millisecond. */
static void test_timeout(void)
{
    sk_evloop *l = NULL;
    sk_ev ev[1];
    struct timespec a, b;
    double us;

    CHECK_INT(sk_evloop_new(&l), 0);
    if (!l)
        return;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_INT(sk_evloop_wait(l, ev, 1, 300000), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    us = (double)(b.tv_sec - a.tv_sec) * 1e6 +
         (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    CHECK(us >= 299);
    if (strcmp(sk_evloop_backend(), "epoll") == 0)
        CHECK(sk_evloop_precise(l));
    sk_evloop_free(l);
}

int main(void)
{
    fprintf(stderr, "evloop backend: %s\n", sk_evloop_backend());
    test_basics();
    test_many();
    test_timeout();
    return sk_test_done("evloop");
}
