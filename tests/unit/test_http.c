/* The incremental HTTP/1.1 request parser: every input fed whole and in
 * pieces of 1, 2, 3 ... bytes must give the same result. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/http.h"

#include <stdlib.h>

/* Everything a parse produced, flattened for comparison. */
struct result {
    int rc, status, ka, version, expect_seen;
    size_t consumed;
    char msg[256];
    char method[32], target[128];
    char fields[1024]; /* "name=value\n"... */
    char body[4096];
    size_t body_len;
};

static void run(struct result *r, const sk_http_limits *lim, const char *in,
                size_t len, size_t step)
{
    sk_http_parser *p = NULL;
    size_t off = 0, i, n;

    memset(r, 0, sizeof(*r));
    CHECK_INT(sk_http_parser_new(&p, lim), 0);
    if (!p)
        return;
    r->rc = SK_HTTP_PARTIAL;
    while (off < len && r->rc == SK_HTTP_PARTIAL) {
        size_t take = len - off < step ? len - off : step;

        r->rc = sk_http_parser_feed(p, &n, in + off, take);
        if (r->rc == SK_HTTP_PARTIAL)
            CHECK_INT(n, take);
        if (r->rc >= 0)
            off += n;
        r->expect_seen |= sk_http_expect_continue(p);
    }
    r->consumed = off;
    r->status = sk_http_status(p);
    snprintf(r->msg, sizeof(r->msg), "%s", sk_http_error(p));
    if (r->rc == SK_HTTP_COMPLETE) {
        const char *b;

        r->ka = sk_http_keep_alive(p);
        r->version = sk_http_version(p);
        snprintf(r->method, sizeof(r->method), "%s", sk_http_method(p));
        snprintf(r->target, sizeof(r->target), "%s", sk_http_target(p));
        for (i = 0; i < sk_http_field_count(p); i++) {
            const char *name, *value;
            size_t used = strlen(r->fields);

            sk_http_field(p, i, &name, &value);
            snprintf(r->fields + used, sizeof(r->fields) - used, "%s=%s\n",
                     name, value);
        }
        b = sk_http_body(p, &r->body_len);
        if (r->body_len < sizeof(r->body))
            memcpy(r->body, b, r->body_len + 1);
        CHECK_INT(b[r->body_len], '\0');
    }
    sk_http_parser_free(p);
}

static int same(const struct result *a, const struct result *b)
{
    return a->rc == b->rc && a->status == b->status && a->ka == b->ka &&
           a->version == b->version && a->expect_seen == b->expect_seen &&
           (a->rc < 0 || a->consumed == b->consumed) &&
           !strcmp(a->msg, b->msg) && !strcmp(a->method, b->method) &&
           !strcmp(a->target, b->target) && !strcmp(a->fields, b->fields) &&
           a->body_len == b->body_len && !memcmp(a->body, b->body, a->body_len);
}

/* The whole-input result, after checking every split gives it too. */
static void run_all(struct result *whole, const sk_http_limits *lim,
                    const char *in, size_t len)
{
    struct result piece;
    size_t step;

    run(whole, lim, in, len, len ? len : 1);
    for (step = 1; step < len; step++) {
        run(&piece, lim, in, len, step);
        if (!same(whole, &piece)) {
            CHECK(!"split changes the result");
            fprintf(stderr,
                    "  input %.60s... step %zu: rc %d vs %d, "
                    "msg '%s' vs '%s'\n",
                    in, step, whole->rc, piece.rc, whole->msg, piece.msg);
            return;
        }
    }
    CHECK(1);
}

static void test_valid(void)
{
    static const struct {
        const char *in;
        const char *method, *target;
        int version, ka;
        const char *fields, *body;
        size_t consumed; /* 0: the whole input */
    } cases[] = {
        {"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/health", 11, 1,
         "Host=x\n", "", 0},
        {"POST /v1/completions HTTP/1.1\r\nContent-Length: 13\r\n"
         "Content-Type: application/json\r\n\r\n{\"prompt\":\"\"}",
         "POST", "/v1/completions", 11, 1,
         "Content-Length=13\nContent-Type=application/json\n",
         "{\"prompt\":\"\"}", 0},
        {"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: 1\r\n\r\n",
         "POST", "/c", 11, 1, "Transfer-Encoding=chunked\n", "hello, world!!!",
         0},
        {"POST /c HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\n\r\n"
         "3 \r\nabc\r\n0\r\n\r\n",
         "POST", "/c", 11, 1, "transfer-encoding=CHUNKED\n", "abc", 0},
        {"GET / HTTP/1.0\r\n\r\n", "GET", "/", 10, 0, "", "", 0},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET", "/", 10, 1,
         "Connection=Keep-Alive\n", "", 0},
        {"GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", "GET", "/", 11, 0,
         "Connection=foo, close\n", "", 0},
        {"GET /lf HTTP/1.1\nA: b\n\n", "GET", "/lf", 11, 1, "A=b\n", "", 0},
        {"\r\n\r\nGET / HTTP/1.1\r\n\r\n", "GET", "/", 11, 1, "", "", 0},
        {"GET / HTTP/1.1\r\nX-A: \t  spaced value \t\r\nX-B:\r\n\r\n", "GET",
         "/", 11, 1, "X-A=spaced value\nX-B=\n", "", 0},
        {"POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n"
         "\r\nabc",
         "POST", "/", 11, 1, "Content-Length=3, 3\nContent-Length=3\n", "abc",
         0},
        {"GET /v1/models?x=1&y HTTP/1.9\r\n\r\n", "GET", "/v1/models?x=1&y", 11,
         1, "", "", 0},
        {"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", "GET", "/a", 11, 1,
         "", "", 19},
        {"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET / HTTP/1.1\r\n",
         "POST", "/", 11, 1, "Content-Length=2\n", "ok", 40},
        {"GET / HTTP/1.1\r\nX-Utf8: caf\xc3\xa9\r\n\r\n", "GET", "/", 11, 1,
         "X-Utf8=caf\xc3\xa9\n", "", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result r;
        size_t len = strlen(cases[i].in);

        run_all(&r, NULL, cases[i].in, len);
        CHECK_INT(r.rc, SK_HTTP_COMPLETE);
        CHECK_INT(r.status, 0);
        CHECK_STR(r.msg, "");
        CHECK_STR(r.method, cases[i].method);
        CHECK_STR(r.target, cases[i].target);
        CHECK_INT(r.version, cases[i].version);
        CHECK_INT(r.ka, cases[i].ka);
        CHECK_STR(r.fields, cases[i].fields);
        CHECK_STR(r.body, cases[i].body);
        CHECK_INT(r.consumed, cases[i].consumed ? cases[i].consumed : len);
    }
}

static void test_bad(void)
{
    static const struct {
        const char *in;
        int rc, status;
        const char *msg;
    } cases[] = {
        {"GET  / HTTP/1.1\r\n\r\n", SK_EPARSE, 400, "malformed request target"},
        {"GET /\r\n\r\n", SK_EPARSE, 400, "malformed request target"},
        {"G(T / HTTP/1.1\r\n\r\n", SK_EPARSE, 400, "malformed request line"},
        {" GET / HTTP/1.1\r\n\r\n", SK_EPARSE, 400, "malformed request line"},
        {"GET / HTTP/1.1x\r\n\r\n", SK_EPARSE, 400, "malformed HTTP version"},
        {"GET / http/1.1\r\n\r\n", SK_EPARSE, 400, "malformed HTTP version"},
        {"GET / HTTP/2.0\r\n\r\n", SK_EPARSE, 505,
         "HTTP version HTTP/2.0 not supported"},
        {"GET / HTTP/0.9\r\n\r\n", SK_EPARSE, 505,
         "HTTP version HTTP/0.9 not supported"},
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", SK_EPARSE, 400,
         "malformed header field name"},
        {"GET / HTTP/1.1\r\n: x\r\n\r\n", SK_EPARSE, 400,
         "malformed header field name"},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", SK_EPARSE, 400,
         "malformed header field name"},
        {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", SK_EPARSE, 400,
         "obsolete line folding in header field"},
        {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", SK_EPARSE, 400,
         "control character in header field 'A'"},
        {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", SK_EPARSE, 400,
         "stray CR in header field"},
        {"GET /\r HTTP/1.1\r\n\r\n", SK_EPARSE, 400,
         "stray CR in request line"},
        {"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", SK_EPARSE, 400,
         "bad Content-Length 'abc'"},
        {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", SK_EPARSE, 400,
         "bad Content-Length '-1'"},
        {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", SK_EPARSE, 400,
         "bad Content-Length '1 2'"},
        {"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", SK_EPARSE, 400,
         "bad Content-Length ''"},
        {"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", SK_EPARSE, 400,
         "bad Content-Length '5, 6'"},
        {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
         SK_EPARSE, 400, "bad Content-Length '6'"},
        {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
         SK_EPARSE, 400, "bad Content-Length '99999999999999999999999'"},
        {"POST / HTTP/1.1\nContent-Length: 3\nTransfer-Encoding: chunked\n"
         "\n",
         SK_EPARSE, 400, "both Content-Length and Transfer-Encoding"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
         SK_EPARSE, 501, "transfer coding 'gzip, chunked' not supported"},
        {"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", SK_ELIMIT, 413,
         "body of 101 bytes is over the 100-byte limit"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "40\r\n0123456789012345678901234567890123456789012345678901234567"
         "890123\r\n25\r\n",
         SK_ELIMIT, 413, "chunked body over the 100-byte limit"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "ffffffffffffffffffffffff\r\n",
         SK_ELIMIT, 413, "chunked body over the 100-byte limit"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         SK_EPARSE, 400, "bad chunk size line 'zz'"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\n",
         SK_EPARSE, 400, "bad chunk size line '3x'"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
         SK_EPARSE, 400, "no CRLF after chunk data"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\r",
         SK_EPARSE, 400, "no CRLF after chunk data"},
        {"GET / HTTP/1.1\r\nA: 0123456789012345678901234567890123456789012"
         "3456789\r\n\r\n",
         SK_ELIMIT, 431, "request head over 64 bytes"},
        {"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
         "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
         "\r\n",
         SK_ELIMIT, 431, "request head over 64 bytes"},
        {"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", SK_ELIMIT,
         431, "more than 3 header fields"},
    };
    sk_http_limits lim;
    size_t i;

    sk_http_limits_default(&lim);
    lim.max_head = 64;
    lim.max_fields = 3;
    lim.max_body = 100;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result r;

        run_all(&r, &lim, cases[i].in, strlen(cases[i].in));
        CHECK_INT(r.rc, cases[i].rc);
        CHECK_INT(r.status, cases[i].status);
        CHECK_STR(r.msg, cases[i].msg);
    }

    /* A NUL byte cannot go through the string table. */
    {
        static const char in[] = "GET / HTTP/1.1\r\nA: \0\r\n\r\n";
        struct result r;

        run_all(&r, NULL, in, sizeof(in) - 1);
        CHECK_INT(r.rc, SK_EPARSE);
        CHECK_INT(r.status, 400);
        CHECK_STR(r.msg, "NUL byte in request head");
    }
}

/* Expect: 100-continue is visible between the head and the body. */
static void test_expect_and_reuse(void)
{
    static const char head[] = "POST /v1/completions HTTP/1.1\r\n"
                               "Expect: 100-continue\r\n"
                               "Content-Length: 5\r\n\r\n";
    sk_http_parser *p = NULL;
    size_t n, len;
    const char *b;

    CHECK_INT(sk_http_parser_new(&p, NULL), 0);
    CHECK_INT(sk_http_head_done(p), 0);
    CHECK_STR(sk_http_method(p), "");
    CHECK(sk_http_header(p, "expect") == NULL);
    CHECK_INT(sk_http_parser_feed(p, &n, head, sizeof(head) - 1),
              SK_HTTP_PARTIAL);
    CHECK_INT(sk_http_head_done(p), 1);
    CHECK_INT(sk_http_expect_continue(p), 1);
    CHECK_STR(sk_http_header(p, "EXPECT"), "100-continue");
    CHECK_STR(sk_http_header(p, "content-length"), "5");
    CHECK(sk_http_header(p, "host") == NULL);
    CHECK_INT(sk_http_parser_feed(p, &n, "helloGET", 8), SK_HTTP_COMPLETE);
    CHECK_INT(n, 5);
    CHECK_INT(sk_http_expect_continue(p), 0);
    b = sk_http_body(p, &len);
    CHECK_INT(len, 5);
    CHECK_STR(b, "hello");
    /* Complete: nothing more is taken until reset. */
    CHECK_INT(sk_http_parser_feed(p, &n, "GET", 3), SK_HTTP_COMPLETE);
    CHECK_INT(n, 0);

    /* The same parser, reset, for a second request on the connection. */
    sk_http_parser_reset(p);
    CHECK_INT(sk_http_parser_feed(p, &n, "GET / HTTP/1.1\r\n\r\n", 18),
              SK_HTTP_COMPLETE);
    CHECK_INT(n, 18);
    b = sk_http_body(p, &len);
    CHECK_INT(len, 0);
    CHECK_STR(b, "");
    CHECK_INT(sk_http_expect_continue(p), 0);

    /* An error is sticky until reset. */
    sk_http_parser_reset(p);
    CHECK_INT(sk_http_parser_feed(p, &n, "BAD\r\n\r\n", 7), SK_EPARSE);
    CHECK_INT(sk_http_parser_feed(p, &n, "GET / HTTP/1.1\r\n\r\n", 18),
              SK_EPARSE);
    CHECK_INT(n, 0);
    CHECK_INT(sk_http_status(p), 400);
    CHECK_STR(sk_error_last(), "malformed request line");
    sk_http_parser_reset(p);
    CHECK_INT(sk_http_status(p), 0);
    CHECK_STR(sk_http_error(p), "");
    sk_http_parser_free(p);
    sk_http_parser_free(NULL);
}

/* A body at the limit is fine; its buffer is reused across requests. */
static void test_large_body(void)
{
    sk_http_limits lim;
    sk_http_parser *p = NULL;
    char head[128];
    char *body = malloc(70000);
    size_t n, len, i, off;
    int rc = 0;

    sk_http_limits_default(&lim);
    lim.max_body = 70000;
    CHECK_INT(sk_http_parser_new(&p, &lim), 0);
    if (!body || !p)
        return;
    for (i = 0; i < 70000; i++)
        body[i] = (char)('a' + i % 26);
    snprintf(head, sizeof(head),
             "POST / HTTP/1.1\r\nContent-Length: %d\r\n"
             "\r\n",
             70000);
    CHECK_INT(sk_http_parser_feed(p, &n, head, strlen(head)), SK_HTTP_PARTIAL);
    for (off = 0; off < 70000; off += n) {
        rc = sk_http_parser_feed(p, &n, body + off,
                                 70000 - off < 4096 ? 70000 - off : 4096);
        if (rc < 0)
            break;
    }
    CHECK_INT(rc, SK_HTTP_COMPLETE);
    CHECK(memcmp(sk_http_body(p, &len), body, 70000) == 0);
    CHECK_INT(len, 70000);
    free(body);
    sk_http_parser_free(p);
}

int main(void)
{
    test_valid();
    test_bad();
    test_expect_and_reuse();
    test_large_body();
    return sk_test_done("test_http");
}
