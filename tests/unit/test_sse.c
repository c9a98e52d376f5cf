/* The incremental SSE parser: every input fed whole and in pieces of 1, 2,
 * 3 ... bytes must give the same events, return code and state. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/sse.h"

#include <stdlib.h>

/* Events as "type=data\n", with '\n' in data written "\n" and NUL "\0". */
struct sink {
    char log[2048];
    size_t n;
    size_t stop_at; /* return stop_rc from this event on (1-based); 0: never */
    int stop_rc;
};

static int on_event(void *payload, const char *event, const char *data,
                    size_t len)
{
    struct sink *k = payload;
    size_t used = strlen(k->log), i;

    CHECK_INT(data[len], '\0');
    used +=
        (size_t)snprintf(k->log + used, sizeof(k->log) - used, "%s=", event);
    for (i = 0; i < len && used + 3 < sizeof(k->log); i++) {
        if (data[i] == '\n' || data[i] == '\0') {
            k->log[used++] = '\\';
            k->log[used++] = data[i] ? 'n' : '0';
        } else {
            k->log[used++] = data[i];
        }
    }
    if (used + 1 < sizeof(k->log))
        k->log[used++] = '\n';
    k->log[used] = '\0';
    k->n++;
    return k->stop_at && k->n >= k->stop_at ? k->stop_rc : 0;
}

/* Everything a parse produced. */
struct result {
    int rc, pending;
    size_t events;
    char log[2048];
    char msg[128];
};

/* Feed in[0..len) in pieces of `step` bytes through a buffer of exactly
 * `cap` bytes (heap, so ASan sees any overrun); stop at the first nonzero
 * return.  With `resume`, feed on after a stop from where it stopped. */
static void run(struct result *r, const char *in, size_t len, size_t step,
                size_t cap, size_t stop_at, int resume)
{
    struct sk_sse p;
    struct sink k;
    char *buf = malloc(cap);
    size_t off = 0;

    memset(r, 0, sizeof(*r));
    memset(&k, 0, sizeof(k));
    k.stop_at = stop_at;
    k.stop_rc = 42;
    if (!buf) {
        CHECK(!"out of memory");
        return;
    }
    sk_sse_init(&p, buf, cap);
    sk_error_clear();
    while (off < len) {
        size_t take = len - off < step ? len - off : step;

        r->rc = sk_sse_feed(&p, in + off, take, on_event, &k);
        if (r->rc == 0)
            CHECK_INT(sk_sse_taken(&p), take);
        else
            CHECK(sk_sse_taken(&p) <= take);
        if (r->rc != 0 && !(resume && r->rc == 42))
            break;
        off += sk_sse_taken(&p);
        if (r->rc == 42)
            r->rc = 0;
    }
    r->pending = sk_sse_pending(&p);
    r->events = sk_sse_events(&p);
    CHECK_INT(r->events, k.n);
    memcpy(r->log, k.log, sizeof(r->log));
    snprintf(r->msg, sizeof(r->msg), "%s", r->rc ? sk_error_last() : "");
    free(buf);
}

static int same(const struct result *a, const struct result *b)
{
    return a->rc == b->rc && a->pending == b->pending &&
           a->events == b->events && !strcmp(a->log, b->log) &&
           !strcmp(a->msg, b->msg);
}

/* The whole-input result, after checking that every split gives it too. */
static void run_all(struct result *whole, const char *in, size_t len,
                    size_t cap, size_t stop_at)
{
    struct result piece;
    size_t step;

    run(whole, in, len, len ? len : 1, cap, stop_at, 0);
    for (step = 1; step < len || step <= 7; step++) {
        run(&piece, in, len, step, cap, stop_at, 0);
        if (!same(whole, &piece)) {
            CHECK(!"split changes the result");
            fprintf(stderr,
                    "  input \"%.40s\"... step %zu: rc %d vs %d, "
                    "log \"%s\" vs \"%s\"\n",
                    in, step, whole->rc, piece.rc, whole->log, piece.log);
            return;
        }
    }
    CHECK(1);
}

static void test_events(void)
{
    static const struct {
        const char *in;
        const char *log;
        int pending;
    } cases[] = {
        {"data: hello\n\n", "message=hello\n", 0},
        /* several events in one feed */
        {"data: a\n\ndata: b\n\nevent: x\ndata: c\n\n",
         "message=a\nmessage=b\nx=c\n", 0},
        /* line ends */
        {"data: a\r\ndata: b\r\n\r\n", "message=a\\nb\n", 0},
        {"data: a\rdata: b\r\r", "message=a\\nb\n", 0},
        {"data: a\ndata: b\n\n", "message=a\\nb\n", 0},
        {"data: a\r\n\rdata: b\n\r\ndata: c\r\r\n",
         "message=a\nmessage=b\nmessage=c\n", 0},
        {"data: a\n\r\n\r\n\n\rdata: b\n\n", "message=a\nmessage=b\n", 0},
        /* comments, also inside an event */
        {": keep-alive\n\n:\ndata: x\n: note\n\n", "message=x\n", 0},
        {":data: no\n\n", "", 0},
        /* the BOM: skipped once, at the very start only */
        {"\357\273\277data: x\n\n", "message=x\n", 0},
        {"\357\273\277data: x\n\n\357\273\277data: y\n\n", "message=x\n", 0},
        {"\357\273data: x\n\ndata: y\n\n", "message=y\n", 0},
        {"\357data: x\n\ndata: y\n\n", "message=y\n", 0},
        {"\357\273\277\357\273\277data: x\n\n", "", 0},
        {"\357\273\277\ndata: x\n\n", "message=x\n", 0},
        /* a field without a colon has an empty value */
        {"data\n\n", "message=\n", 0},
        {"data\ndata\n\n", "message=\\n\n", 0},
        {"event\ndata: 1\n\n", "message=1\n", 0},
        /* data lines join with '\n' */
        {"data: line1\ndata: line2\ndata: line3\n\n",
         "message=line1\\nline2\\nline3\n", 0},
        {"data: a\ndata:\ndata: b\n\n", "message=a\\n\\nb\n", 0},
        /* one space after the colon is removed, no more, no tab */
        {"data:x\n\n", "message=x\n", 0},
        {"data: x\n\n", "message=x\n", 0},
        {"data:  x \n\n", "message= x \n", 0},
        {"data:\tx\n\n", "message=\tx\n", 0},
        {"data:\n\n", "message=\n", 0},
        {"data: \n\n", "message=\n", 0},
        {"data:   \n\n", "message=  \n", 0},
        {"data: a:b: c\n\n", "message=a:b: c\n", 0},
        /* the event type: set, replaced, reset after each event */
        {"event: token\ndata: {}\n\n", "token={}\n", 0},
        {"data: 1\nevent: late\n\n", "late=1\n", 0},
        {"event: e\ndata: 1\n\ndata: 2\n\n", "e=1\nmessage=2\n", 0},
        {"event: e\n\ndata: 2\n\n", "message=2\n", 0},
        {"event: a\nevent: bb\ndata: 1\n\n", "bb=1\n", 0},
        {"event: e\nevent:\ndata: 1\n\n", "message=1\n", 0},
        {"event:  sp\ndata: 1\n\n", " sp=1\n", 0},
        /* ignored fields; names are case-sensitive */
        {"id: 7\nretry: 1000\ndata: x\n\n", "message=x\n", 0},
        {"foo: bar\ndata: x\nDATA: y\n data: z\ndatax: w\nevents: e\n\n",
         "message=x\n", 0},
        {"id\nretry\n\n", "", 0},
        {"a-very-long-field-name: v\ndata: x\n\n", "message=x\n", 0},
        /* an OpenAI stream */
        {"data: {\"choices\":[]}\n\ndata: [DONE]\n\n",
         "message={\"choices\":[]}\nmessage=[DONE]\n", 0},
        /* where the stream ends */
        {"", "", 0},
        {"data: a\n\ndata: b\n", "message=a\n", 1},
        {"data: a\n\ndata: b", "message=a\n", 1},
        {"data: a\n\n: ping\n", "message=a\n", 0},
        {"data: a\n\n: ping", "message=a\n", 1},
        {"data: a\n\nid: 1\n", "message=a\n", 1},
        {"data: a\n\nevent: e\n", "message=a\n", 1},
        {"data: a\n\r", "message=a\n", 0},
        {"\xef\xbb", "", 1},
        {"\xef\xbb\xbf", "", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result r;

        run_all(&r, cases[i].in, strlen(cases[i].in), 256, 0);
        CHECK_INT(r.rc, 0);
        CHECK_STR(r.log, cases[i].log);
        CHECK_INT(r.pending, cases[i].pending);
        if (strcmp(r.log, cases[i].log) != 0)
            fprintf(stderr, "  case %zu\n", i);
    }

    /* NUL bytes pass through; len says where the data ends. */
    {
        static const char in[] = "data: a\0b\n\0: c\n\n";
        struct result r;

        run_all(&r, in, sizeof(in) - 1, 256, 0);
        CHECK_INT(r.rc, 0);
        CHECK_STR(r.log, "message=a\\0b\n");
    }
}

/* A CR at the end of one feed and an LF at the start of the next are one
 * line end, not a line end and a blank line. */
static void test_cr_lf_split(void)
{
    struct sk_sse p;
    struct sink k;
    char buf[64];

    memset(&k, 0, sizeof(k));
    sk_sse_init(&p, buf, sizeof(buf));
    CHECK_INT(sk_sse_feed(&p, "data: a\r", 8, on_event, &k), 0);
    CHECK_INT(sk_sse_pending(&p), 1);
    CHECK_INT(sk_sse_feed(&p, "\ndata: b\r", 9, on_event, &k), 0);
    CHECK_INT(sk_sse_feed(&p, "\n\r", 2, on_event, &k), 0);
    CHECK_INT(sk_sse_pending(&p), 0);
    CHECK_INT(sk_sse_feed(&p, "\n", 1, on_event, &k), 0);
    CHECK_STR(k.log, "message=a\\nb\n");
    CHECK_INT(sk_sse_events(&p), 1);
    CHECK_INT(sk_sse_feed(&p, NULL, 0, on_event, &k), 0);
    CHECK_INT(sk_sse_taken(&p), 0);
}

/* The buffer holds data lines (+1 byte each) and the event type (+1). */
static void test_limit(void)
{
    static const struct {
        size_t cap;
        const char *in;
        int rc;
        const char *log;
    } cases[] = {
        {16, "data: abcdefghijklmno\n\n", 0, "message=abcdefghijklmno\n"},
        {16, "data: abcdefghijklmnop\n\n", SK_ELIMIT, ""},
        {16, "data: abcdefg\ndata: hijklmn\n\n", 0,
         "message=abcdefg\\nhijklmn\n"},
        {16, "data: abcdefg\ndata: hijklmno\n\n", SK_ELIMIT, ""},
        {16, "data: abcdefghijklmno\ndata:\n\n", SK_ELIMIT, ""},
        {16, "event: x\ndata: abcdefghijklm\n\n", 0, "x=abcdefghijklm\n"},
        {16, "event: x\ndata: abcdefghijklmn\n\n", SK_ELIMIT, ""},
        {16, "data: abcdefghijklm\nevent: x\n\n", 0, "x=abcdefghijklm\n"},
        {16, "data: abcdefghijklm\nevent: xy\n\n", SK_ELIMIT, ""},
        {16, "event: abcdefghijklmn\ndata\n\n", 0, "abcdefghijklmn=\n"},
        {16, "event: abcdefghijklmno\ndata\n\n", SK_ELIMIT, ""},
        {16, "event: abcdefghijklmnop\n", SK_ELIMIT, ""},
        /* a replaced event type frees its room */
        {16, "event: abcdefghijklmno\nevent: x\ndata: abcdefghijklm\n\n", 0,
         "x=abcdefghijklm\n"},
        /* the buffer is reused: each event fits on its own */
        {16, "data: abcdefghijklmno\n\ndata: abcdefghijklmno\n\n", 0,
         "message=abcdefghijklmno\nmessage=abcdefghijklmno\n"},
        /* events before the one that does not fit are delivered */
        {16, "data: a\n\ndata: abcdefghijklmnopqrstuvwxyz\n\ndata: b\n\n",
         SK_ELIMIT, "message=a\n"},
        /* comments and ignored fields take no room */
        {16,
         ": 0123456789012345678901234567890123456789\n"
         "id: 0123456789012345678901234567890123456789\n"
         "other: 0123456789012345678901234567890123456789\ndata: x\n\n",
         0, "message=x\n"},
        {1, "data:\n\n", 0, "message=\n"},
        {1, "data: x\n\n", SK_ELIMIT, ""},
        {1, "event: x\n\n", SK_ELIMIT, ""},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result r;
        char msg[64];

        run_all(&r, cases[i].in, strlen(cases[i].in), cases[i].cap, 0);
        CHECK_INT(r.rc, cases[i].rc);
        CHECK_STR(r.log, cases[i].log);
        snprintf(msg, sizeof(msg), "SSE event over the %zu-byte buffer",
                 cases[i].cap);
        CHECK_STR(r.msg, cases[i].rc ? msg : "");
        if (cases[i].rc)
            CHECK_INT(r.pending, 1);
    }

    /* SK_ELIMIT is final until the parser is initialised again. */
    {
        struct sk_sse p;
        struct sink k;
        char buf[4];

        memset(&k, 0, sizeof(k));
        sk_sse_init(&p, buf, sizeof(buf));
        CHECK_INT(sk_sse_feed(&p, "data: abcd\n", 11, on_event, &k), SK_ELIMIT);
        sk_error_clear();
        CHECK_INT(sk_sse_feed(&p, "\ndata: a\n\n", 10, on_event, &k),
                  SK_ELIMIT);
        CHECK_STR(sk_error_last(), "SSE event over the 4-byte buffer");
        CHECK_INT(sk_sse_pending(&p), 1);
        CHECK_STR(k.log, "");
        sk_sse_init(&p, buf, sizeof(buf));
        CHECK_INT(sk_sse_pending(&p), 0);
        CHECK_INT(sk_sse_feed(&p, "data: a\n\n", 9, on_event, &k), 0);
        CHECK_STR(k.log, "message=a\n");
        CHECK_INT(sk_sse_events(&p), 1);
    }
}

static void test_stop(void)
{
    static const char in[] = "data: a\n\nevent: e\ndata: b\r\n\r\n"
                             "data: c\r\rdata: d\n\n";
    struct result whole, r;
    size_t step;

    /* The callback's value stops the feed and comes back from it. */
    run_all(&r, in, sizeof(in) - 1, 64, 2);
    CHECK_INT(r.rc, 42);
    CHECK_STR(r.log, "message=a\ne=b\n");
    CHECK_INT(r.events, 2);
    CHECK_INT(r.pending, 0);

    /* Stopped on every event and fed on from sk_sse_taken(): the same
     * events as a feed that never stopped, at any split. */
    run(&whole, in, sizeof(in) - 1, sizeof(in) - 1, 64, 0, 0);
    CHECK_STR(whole.log, "message=a\ne=b\nmessage=c\nmessage=d\n");
    for (step = 1; step < sizeof(in); step++) {
        run(&r, in, sizeof(in) - 1, step, 64, 1, 1);
        CHECK_INT(r.rc, 0);
        CHECK_STR(r.log, whole.log);
        CHECK_INT(r.pending, 0);
    }

    /* A negative code (e.g. from sk_chunk_decode) passes through too. */
    {
        struct sk_sse p;
        struct sink k;
        char buf[32];

        memset(&k, 0, sizeof(k));
        k.stop_at = 1;
        k.stop_rc = SK_EPARSE;
        sk_sse_init(&p, buf, sizeof(buf));
        CHECK_INT(sk_sse_feed(&p, "data: x\n\ndata: y\n\n", 18, on_event, &k),
                  SK_EPARSE);
        CHECK_INT(sk_sse_taken(&p), 9);
    }
}

int main(void)
{
    test_events();
    test_cr_lf_split();
    test_limit();
    test_stop();
    return sk_test_done("test_sse");
}
