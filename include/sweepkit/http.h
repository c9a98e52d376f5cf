/*
 * An incremental HTTP/1.1 request parser (RFC 9112): feed it bytes as they
 * arrive, in pieces of any size, and it says when one whole request is in
 * - request line, header fields, and a body framed by Content-Length or
 * the chunked transfer coding - and how many bytes of the input it took,
 * so a pipelined request can follow.  No sockets, no clock.
 *
 * Accepted: CRLF or bare LF line ends; empty lines before the request line
 * (skipped); HTTP/1.0 and HTTP/1.1 (and 1.x, read as 1.1); repeated
 * Content-Length fields with one value ("5, 5"); chunk extensions and
 * trailer fields (both skipped).
 * Rejected, with the status a server should answer: 400 for malformed
 * syntax (request line, field names or values, control characters, line
 * folding, a Content-Length that is not a number or differs between
 * fields, Content-Length together with Transfer-Encoding, a bad chunk
 * size or chunk end); 413 for a body over the limit (at the end of the
 * head when Content-Length says so); 431 for a head over its limits; 501
 * for a transfer coding other than chunked; 505 for HTTP/0.x or 2+.
 *
 * Ownership: the parser copies what it keeps (the head and the de-chunked
 * body) into buffers that grow up to the limits and are reused after
 * sk_http_parser_reset().  Every pointer it returns is borrowed and valid
 * until the next reset or free.
 * Thread-safety: a parser must be used by one thread at a time.
 */
#ifndef SWEEPKIT_HTTP_H
#define SWEEPKIT_HTTP_H

#include <stddef.h>

typedef struct {
    size_t max_head;   /* request line + fields, bytes (16 KiB) */
    size_t max_fields; /* header fields (100) */
    size_t max_body;   /* de-chunked body, bytes (1 MiB) */
} sk_http_limits;

/* What sk_http_parser_feed() returns besides errors. */
enum {
    SK_HTTP_PARTIAL = 0, /* all input taken, the request is not complete */
    SK_HTTP_COMPLETE = 1 /* a whole request is in */
};

typedef struct sk_http_parser sk_http_parser;

/* The defaults in the comments above. */
void sk_http_limits_default(sk_http_limits *l);

/* A parser waiting for a request.  `limits` may be NULL (defaults).
 * Returns 0 or SK_ENOMEM.  Free with sk_http_parser_free(). */
int sk_http_parser_new(sk_http_parser **out, const sk_http_limits *limits);

/* Accepts NULL. */
void sk_http_parser_free(sk_http_parser *p);

/* Forget the request (keeping the buffers): ready for the next one. */
void sk_http_parser_reset(sk_http_parser *p);

/*
 * Take bytes from data[0..len).  *consumed gets how many were used: all
 * of them for SK_HTTP_PARTIAL, up to the end of the request for
 * SK_HTTP_COMPLETE (the rest belongs to the next request).  Errors:
 * SK_EPARSE (400, 501, 505) or SK_ELIMIT (413, 431), with the message in
 * sk_error_last() and the status in sk_http_status().  Once complete or
 * failed, the parser takes nothing more until it is reset.
 */
int sk_http_parser_feed(sk_http_parser *p, size_t *consumed, const char *data,
                        size_t len);

/* The HTTP status the last error calls for (400, 413, 431, 501, 505), or
 * 0 when there was none. */
int sk_http_status(const sk_http_parser *p);

/* The last error's message ("" when none), kept by the parser. */
const char *sk_http_error(const sk_http_parser *p);

/* 1 once the request line and fields are in (the body may be pending). */
int sk_http_head_done(const sk_http_parser *p);

/* 1 when the head is in, the request sent "Expect: 100-continue" and the
 * body is not complete yet: the server may answer "100 Continue". */
int sk_http_expect_continue(const sk_http_parser *p);

/* The method ("POST") and request-target ("/v1/models?x=1") as sent;
 * empty strings before the head is in. */
const char *sk_http_method(const sk_http_parser *p);
const char *sk_http_target(const sk_http_parser *p);

/* 10 for HTTP/1.0, 11 for HTTP/1.1 (and later 1.x). */
int sk_http_version(const sk_http_parser *p);

/* The first field called `name` (compared case-insensitively), value
 * without surrounding whitespace, or NULL. */
const char *sk_http_header(const sk_http_parser *p, const char *name);

/* Number of fields, and field i (0-based, in order). */
size_t sk_http_field_count(const sk_http_parser *p);
void sk_http_field(const sk_http_parser *p, size_t i, const char **name,
                   const char **value);

/* The body (de-chunked), NUL-terminated for convenience; *len (may be
 * NULL) gets its length.  Empty for a request without a body. */
const char *sk_http_body(const sk_http_parser *p, size_t *len);

/* 1 if the connection may be reused after this request: HTTP/1.1 unless
 * "Connection: close", HTTP/1.0 only with "Connection: keep-alive". */
int sk_http_keep_alive(const sk_http_parser *p);

#endif
