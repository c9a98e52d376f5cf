/*
 * The incremental SSE parser (sse.h).
 *
 * Input: byte 0 picks the event buffer size (1..255, or 4096 when 0),
 * byte 1 the split position (as a fraction of the rest); the rest is the
 * stream.
 *
 * Checked: the stream fed whole, fed in two pieces split at that position,
 * fed one byte at a time, and fed with a callback that stops after every
 * event (then resumed from sk_sse_taken()) gives the same events (type,
 * data, length), the same final return code, sk_sse_pending() and
 * sk_sse_events(); data[len] is NUL and len is less than the buffer; a successful feed takes every byte;
 * a stopped one takes no more than it was given; SK_ELIMIT is final.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/sse.h"

struct sink {
    struct fz_log log;
    size_t cap;
    int stop; /* return 7 from every event */
};

static int on_event(void *payload, const char *event, const char *data,
                    size_t len)
{
    struct sink *k = payload;

    FZ_CHECK(event && data && data[len] == '\0', "event or data");
    FZ_CHECK(len < k->cap, "data of %zu bytes in a %zu-byte buffer", len,
             k->cap);
    fz_put(&k->log, "E", 1);
    fz_bytes(&k->log, event, strlen(event));
    fz_bytes(&k->log, data, len);
    fz_put(&k->log, "\n", 1);
    return k->stop ? 7 : 0;
}

/* Feed s[0..n) and resume after every stop; returns the first nonzero
 * return that is not a stop. */
static int feed(struct sk_sse *p, struct sink *k, const char *s, size_t n)
{
    char *copy = fz_dup(s, n);
    size_t off = 0;
    int rc;

    for (;;) {
        rc = sk_sse_feed(p, copy + off, n - off, on_event, k);
        if (rc == 0) {
            FZ_CHECK(sk_sse_taken(p) == n - off, "took %zu of %zu",
                     sk_sse_taken(p), n - off);
            break;
        }
        FZ_CHECK(sk_sse_taken(p) <= n - off, "took %zu of %zu",
                 sk_sse_taken(p), n - off);
        if (rc != 7)
            break;
        FZ_CHECK(k->stop, "rc 7 without a stop");
        off += sk_sse_taken(p);
    }
    free(copy);
    return rc;
}

static void outcome(struct fz_log *log, const struct sk_sse *p, int rc)
{
    fz_printf(log, "rc=%d pending=%d events=%zu", rc, sk_sse_pending(p),
              sk_sse_events(p));
    if (rc == SK_ELIMIT)
        FZ_CHECK(sk_sse_pending(p) == 1, "failed but not pending");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sink a = {0}, b = {0}, c = {0}, d = {0};
    struct sk_sse p;
    const char *s;
    char *buf;
    size_t n, cap, cut, i;
    int rc;

    if (size < 2)
        return 0;
    cap = data[0] ? data[0] : 4096;
    s = (const char *)data + 2;
    n = size - 2;
    cut = n * data[1] / 255;
    if (!(buf = malloc(cap)))
        return 0;
    a.cap = b.cap = c.cap = d.cap = cap;

    /* Whole. */
    sk_sse_init(&p, buf, cap);
    rc = feed(&p, &a, s, n);
    if (rc == SK_ELIMIT)
        FZ_CHECK(sk_sse_feed(&p, "\n\n", 2, on_event, &a) == SK_ELIMIT,
                 "SK_ELIMIT is not final");
    outcome(&a.log, &p, rc);

    /* Two pieces. */
    sk_sse_init(&p, buf, cap);
    rc = feed(&p, &b, s, cut);
    if (rc == 0)
        rc = feed(&p, &b, s + cut, n - cut);
    outcome(&b.log, &p, rc);

    /* One byte at a time. */
    sk_sse_init(&p, buf, cap);
    for (i = 0, rc = 0; i < n && rc == 0; i++)
        rc = feed(&p, &c, s + i, 1);
    outcome(&c.log, &p, rc);

    /* Stopped after every event, resumed. */
    d.stop = 1;
    sk_sse_init(&p, buf, cap);
    rc = feed(&p, &d, s, n);
    outcome(&d.log, &p, rc);

    if (!fz_log_eq(&a.log, &b.log)) {
        fz_log_diff("whole and split", &a.log, &b.log);
        FZ_CHECK(0, "split at %zu of %zu", cut, n);
    }
    if (!fz_log_eq(&a.log, &c.log)) {
        fz_log_diff("whole and bytewise", &a.log, &c.log);
        FZ_CHECK(0, "one byte at a time");
    }
    if (!fz_log_eq(&a.log, &d.log)) {
        fz_log_diff("whole and stop-resume", &a.log, &d.log);
        FZ_CHECK(0, "stopped after every event");
    }
    fz_log_dispose(&a.log);
    fz_log_dispose(&b.log);
    fz_log_dispose(&c.log);
    fz_log_dispose(&d.log);
    free(buf);
    return 0;
}
