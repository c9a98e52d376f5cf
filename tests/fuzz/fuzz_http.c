/*
 * serve-sim's incremental HTTP/1.1 request parser (http.h).
 *
 * Input: byte 0 bit 0 picks small limits (64-byte head, 3 fields, 100-byte
 * body, as in test_http.c) so every limit is reached; byte 1 the split
 * position (a fraction of the rest); the rest is what a client sends,
 * possibly several pipelined requests.
 *
 * Each request is read until it is complete (then the parser is reset and
 * the rest fed on), fails, or the input ends.  Checked: fed whole, in two
 * pieces split at that position, and one byte at a time, the parser gives
 * the same requests (method, target, version, fields, body, keep-alive),
 * the same error status and message, and the same partial state at the
 * end; PARTIAL takes every byte, COMPLETE no more than given; an error's
 * status is 400, 501 or 505 for SK_EPARSE and 413 or 431 for SK_ELIMIT,
 * 0 otherwise; the body is NUL-terminated and within max_body; there are
 * at most max_fields fields; a failed or complete parser takes nothing
 * more until it is reset.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/http.h"

struct run {
    struct fz_log log;
    const sk_http_limits *lim;
    sk_http_parser *p;
    int failed;
};

static void record(struct run *r)
{
    const sk_http_parser *p = r->p;
    size_t i, n = sk_http_field_count(p), blen = 0;
    const char *body = sk_http_body(p, &blen);

    FZ_CHECK(n <= r->lim->max_fields, "%zu fields", n);
    FZ_CHECK(body && body[blen] == '\0' && blen <= r->lim->max_body,
             "body of %zu bytes", blen);
    FZ_CHECK(sk_http_version(p) == 10 || sk_http_version(p) == 11,
             "version %d", sk_http_version(p));
    fz_printf(&r->log, "REQ %d ", sk_http_version(p));
    fz_bytes(&r->log, sk_http_method(p), strlen(sk_http_method(p)));
    fz_bytes(&r->log, sk_http_target(p), strlen(sk_http_target(p)));
    for (i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;

        sk_http_field(p, i, &name, &value);
        FZ_CHECK(name && value && name[0], "field %zu", i);
        fz_bytes(&r->log, name, strlen(name));
        fz_bytes(&r->log, value, strlen(value));
    }
    fz_bytes(&r->log, body, blen);
    fz_printf(&r->log, " keep=%d\n", sk_http_keep_alive(p));
}

/* Feed s[0..n) to the run; returns 1 once it has failed. */
static int feed(struct run *r, const char *s, size_t n)
{
    char *copy = fz_dup(s, n);
    size_t off = 0;

    while (!r->failed && off < n) {
        size_t used = 12345;
        int rc = sk_http_parser_feed(r->p, &used, copy + off, n - off);

        if (rc == SK_HTTP_PARTIAL) {
            FZ_CHECK(used == n - off, "PARTIAL took %zu of %zu", used,
                     n - off);
            FZ_CHECK(sk_http_status(r->p) == 0, "status without error");
        } else if (rc == SK_HTTP_COMPLETE) {
            FZ_CHECK(used <= n - off, "COMPLETE took %zu of %zu", used,
                     n - off);
            FZ_CHECK(sk_http_head_done(r->p), "complete without a head");
            FZ_CHECK(sk_http_status(r->p) == 0, "status without error");
            record(r);
            {
                size_t more = 99;

                FZ_CHECK(sk_http_parser_feed(r->p, &more, "G", 1) ==
                                 SK_HTTP_COMPLETE &&
                             more == 0,
                         "a complete parser took more");
            }
            sk_http_parser_reset(r->p);
        } else {
            int st = sk_http_status(r->p);

            FZ_CHECK((rc == SK_EPARSE && (st == 400 || st == 501 ||
                                          st == 505)) ||
                         (rc == SK_ELIMIT && (st == 413 || st == 431)),
                     "rc %d with status %d", rc, st);
            FZ_CHECK(sk_http_error(r->p)[0] != '\0', "no message");
            fz_printf(&r->log, "ERR %d %d %s\n", rc, st,
                      sk_http_error(r->p));
            r->failed = 1;
            break;
        }
        off += used;
    }
    free(copy);
    return r->failed;
}

static void finish(struct run *r)
{
    if (!r->failed)
        fz_printf(&r->log, "END head=%d expect=%d\n",
                  sk_http_head_done(r->p), sk_http_expect_continue(r->p));
    else {
        size_t more = 99;

        FZ_CHECK(sk_http_parser_feed(r->p, &more, "G", 1) < 0 && more == 0,
                 "a failed parser took more");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_http_limits lim;
    struct run a = {0}, b = {0}, c = {0};
    const char *s;
    size_t n, cut, i;

    if (size < 2)
        return 0;
    sk_http_limits_default(&lim);
    if (data[0] & 1) {
        lim.max_head = 64;
        lim.max_fields = 3;
        lim.max_body = 100;
    }
    s = (const char *)data + 2;
    n = size - 2;
    cut = n * data[1] / 255;
    a.lim = b.lim = c.lim = &lim;
    FZ_CHECK(sk_http_parser_new(&a.p, &lim) == 0 &&
                 sk_http_parser_new(&b.p, &lim) == 0 &&
                 sk_http_parser_new(&c.p, &lim) == 0,
             "parser_new");

    feed(&a, s, n);
    finish(&a);
    if (!feed(&b, s, cut))
        feed(&b, s + cut, n - cut);
    finish(&b);
    for (i = 0; i < n && !feed(&c, s + i, 1); i++)
        ;
    finish(&c);

    if (!fz_log_eq(&a.log, &b.log)) {
        fz_log_diff("whole and split", &a.log, &b.log);
        FZ_CHECK(0, "split at %zu of %zu", cut, n);
    }
    if (!fz_log_eq(&a.log, &c.log)) {
        fz_log_diff("whole and bytewise", &a.log, &c.log);
        FZ_CHECK(0, "one byte at a time");
    }
    sk_http_parser_free(a.p);
    sk_http_parser_free(b.p);
    sk_http_parser_free(c.p);
    fz_log_dispose(&a.log);
    fz_log_dispose(&b.log);
    fz_log_dispose(&c.log);
    return 0;
}
