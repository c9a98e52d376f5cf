/*
 * The incremental HTTP/1.1 request parser (rules in http.h).
 *
 * The head is copied byte by byte until its empty line, then parsed in
 * place (separators become NULs, fields are offsets into the copy).  The
 * body is copied into its own buffer; the chunked coding is undone by a
 * byte-level state machine.  Every decision depends only on the bytes seen
 * so far, never on how they were split, so any split gives the same result.
 */
#include "sweepkit/http.h"

#include "sweepkit/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNK_LINE_MAX 1024 /* chunk size plus extensions */

enum {
    S_START,      /* skipping empty lines before the request line */
    S_HEAD,       /* copying the head */
    S_BODY,       /* Content-Length body */
    S_CHUNK_SIZE, /* chunk size line */
    S_CHUNK_DATA,
    S_CHUNK_END, /* the CRLF after chunk data */
    S_TRAILER,   /* trailer fields after the last chunk */
    S_DONE,
    S_ERROR
};

struct field {
    size_t name, value; /* offsets into head */
};

struct sk_http_parser {
    sk_http_limits lim;
    int state;
    char *head;
    size_t head_len, head_cap;
    size_t line_len; /* bytes other than CR on the current line */
    size_t skipped;  /* empty-line bytes before the request line */
    struct field *fields;
    size_t nfields;
    size_t method, target;
    int version, keep_alive, expect, chunked;
    size_t body_left; /* Content-Length bytes still to come */
    char *body;
    size_t body_len, body_cap;
    char line[CHUNK_LINE_MAX];
    size_t line_n;
    size_t chunk_left;
    int cr; /* a CR was seen where a CRLF is expected */
    size_t trailer_bytes;
    int status, err;
    char msg[200];
};

void sk_http_limits_default(sk_http_limits *l)
{
    l->max_head = 16384;
    l->max_fields = 100;
    l->max_body = (size_t)1 << 20;
}

int sk_http_parser_new(sk_http_parser **out, const sk_http_limits *limits)
{
    sk_http_parser *p;

    *out = NULL;
    if (!(p = calloc(1, sizeof(*p))))
        return sk_error_set(SK_ENOMEM, "http: out of memory");
    if (limits)
        p->lim = *limits;
    else
        sk_http_limits_default(&p->lim);
    if (p->lim.max_head < 16 || p->lim.max_fields < 1) {
        free(p);
        return sk_error_set(SK_EINVAL, "http: limits too small");
    }
    p->fields = calloc(p->lim.max_fields, sizeof(*p->fields));
    if (!p->fields) {
        free(p);
        return sk_error_set(SK_ENOMEM, "http: out of memory");
    }
    sk_http_parser_reset(p);
    *out = p;
    return 0;
}

void sk_http_parser_free(sk_http_parser *p)
{
    if (!p)
        return;
    free(p->head);
    free(p->fields);
    free(p->body);
    free(p);
}

void sk_http_parser_reset(sk_http_parser *p)
{
    p->state = S_START;
    p->head_len = p->line_len = p->skipped = 0;
    p->nfields = 0;
    p->method = p->target = 0;
    p->version = 11;
    p->keep_alive = p->expect = p->chunked = 0;
    p->body_left = p->body_len = 0;
    p->line_n = p->chunk_left = p->trailer_bytes = 0;
    p->cr = 0;
    p->status = p->err = 0;
    p->msg[0] = '\0';
    if (p->body)
        p->body[0] = '\0';
}

static int fail(sk_http_parser *p, int status, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail(sk_http_parser *p, int status, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
    va_end(ap);
    p->state = S_ERROR;
    p->status = status;
    p->err = code;
    return sk_error_set(code, "%s", p->msg);
}

/* Grow *buf to hold `need` bytes, doubling from 512, never past `cap`. */
static int reserve(char **buf, size_t *have, size_t need, size_t cap)
{
    size_t n = *have ? *have : 512;
    char *b;

    if (need <= *have)
        return 0;
    while (n < need)
        n = n > cap / 2 ? cap : n * 2;
    if (n < need)
        n = need;
    if (!(b = realloc(*buf, n)))
        return -1;
    *buf = b;
    *have = n;
    return 0;
}

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A field value byte: VCHAR, obs-text, SP or HTAB. */
static int is_vbyte(unsigned char c)
{
    return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* End the line that starts at s (inside head): NUL over the LF and a CR
 * before it.  Returns the start of the next line; *bad gets 1 if a CR
 * appears elsewhere in the line. */
static char *cut_line(char *s, int *bad)
{
    char *lf = strchr(s, '\n'), *cr;

    *lf = '\0';
    if (lf > s && lf[-1] == '\r')
        lf[-1] = '\0';
    cr = strchr(s, '\r');
    *bad = cr != NULL;
    return lf + 1;
}

/* Content-Length: 1*DIGIT, or a list of equal values ("5, 5"). */
static int parse_length(const char *v, uint64_t *out)
{
    int have = 0;

    for (;;) {
        uint64_t n = 0;
        const char *d;

        while (is_ows(*v))
            v++;
        d = v;
        while (*v >= '0' && *v <= '9') {
            if (n > (UINT64_MAX - 9) / 10)
                return -1;
            n = n * 10 + (uint64_t)(*v++ - '0');
        }
        if (v == d)
            return -1;
        if (have && n != *out)
            return -1;
        *out = n;
        have = 1;
        while (is_ows(*v))
            v++;
        if (!*v)
            return 0;
        if (*v++ != ',')
            return -1;
    }
}

/* Does the comma-separated token list `v` contain `tok`? */
static int has_token(const char *v, const char *tok)
{
    size_t n = strlen(tok);

    while (*v) {
        size_t len;

        while (is_ows(*v) || *v == ',')
            v++;
        len = strcspn(v, ", \t");
        if (len == n && strncasecmp(v, tok, n) == 0)
            return 1;
        v += len;
    }
    return 0;
}

static int parse_head(sk_http_parser *p)
{
    char *h = p->head, *s, *next, *sp;
    int bad, close = 0, ka = 0, have_cl = 0, have_te = 0;
    uint64_t cl = 0;
    size_t i;

    h[p->head_len] = '\0';
    if (memchr(h, '\0', p->head_len))
        return fail(p, 400, SK_EPARSE, "NUL byte in request head");

    /* request-line = method SP request-target SP HTTP-version */
    s = h;
    next = cut_line(s, &bad);
    if (bad)
        return fail(p, 400, SK_EPARSE, "stray CR in request line");
    for (sp = s; is_tchar((unsigned char)*sp); sp++)
        ;
    if (sp == s || *sp != ' ')
        return fail(p, 400, SK_EPARSE, "malformed request line");
    *sp++ = '\0';
    p->method = 0;
    p->target = (size_t)(sp - h);
    for (s = sp; (unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f; s++)
        ;
    if (s == sp || *s != ' ')
        return fail(p, 400, SK_EPARSE, "malformed request target");
    *s++ = '\0';
    if (strncmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' ||
        s[6] != '.' || s[7] < '0' || s[7] > '9' || s[8] != '\0')
        return fail(p, 400, SK_EPARSE, "malformed HTTP version");
    if (s[5] != '1')
        return fail(p, 505, SK_EPARSE, "HTTP version %.8s not supported", s);
    p->version = s[7] == '0' ? 10 : 11;

    /* field-line = field-name ":" OWS field-value OWS */
    for (s = next; *s; s = next) {
        char *colon, *v, *e;

        next = cut_line(s, &bad);
        if (*s == '\0')
            break; /* the empty line */
        if (bad)
            return fail(p, 400, SK_EPARSE, "stray CR in header field");
        if (is_ows(*s))
            return fail(p, 400, SK_EPARSE,
                        "obsolete line folding in "
                        "header field");
        for (colon = s; is_tchar((unsigned char)*colon); colon++)
            ;
        if (colon == s || *colon != ':')
            return fail(p, 400, SK_EPARSE, "malformed header field name");
        *colon = '\0';
        for (v = colon + 1; is_ows(*v); v++)
            ;
        for (e = v; *e; e++)
            if (!is_vbyte((unsigned char)*e))
                return fail(p, 400, SK_EPARSE,
                            "control character in "
                            "header field '%.40s'",
                            s);
        while (e > v && is_ows(e[-1]))
            e--;
        *e = '\0';
        if (p->nfields == p->lim.max_fields)
            return fail(p, 431, SK_ELIMIT, "more than %zu header fields",
                        p->lim.max_fields);
        p->fields[p->nfields].name = (size_t)(s - h);
        p->fields[p->nfields].value = (size_t)(v - h);
        p->nfields++;
    }

    for (i = 0; i < p->nfields; i++) {
        const char *name = h + p->fields[i].name;
        const char *v = h + p->fields[i].value;

        if (strcasecmp(name, "content-length") == 0) {
            uint64_t n = 0;

            if (parse_length(v, &n) != 0 || (have_cl && n != cl))
                return fail(p, 400, SK_EPARSE, "bad Content-Length '%.40s'", v);
            cl = n;
            have_cl = 1;
        } else if (strcasecmp(name, "transfer-encoding") == 0) {
            if (have_te || strcasecmp(v, "chunked") != 0)
                return fail(p, 501, SK_EPARSE,
                            "transfer coding '%.40s' "
                            "not supported",
                            v);
            have_te = 1;
        } else if (strcasecmp(name, "connection") == 0) {
            close |= has_token(v, "close");
            ka |= has_token(v, "keep-alive");
        } else if (strcasecmp(name, "expect") == 0) {
            p->expect |= strcasecmp(v, "100-continue") == 0;
        }
    }
    if (have_cl && have_te)
        return fail(p, 400, SK_EPARSE,
                    "both Content-Length and "
                    "Transfer-Encoding");
    p->keep_alive = p->version == 11 ? !close : ka && !close;
    if (have_te) {
        p->chunked = 1;
        p->state = S_CHUNK_SIZE;
        return 0;
    }
    if (cl > p->lim.max_body)
        return fail(p, 413, SK_ELIMIT,
                    "body of %llu bytes is over the "
                    "%zu-byte limit",
                    (unsigned long long)cl, p->lim.max_body);
    if (reserve(&p->body, &p->body_cap, (size_t)cl + 1, p->lim.max_body + 1))
        return fail(p, 500, SK_ENOMEM, "out of memory for the body");
    p->body[0] = '\0';
    p->body_left = (size_t)cl;
    p->state = cl ? S_BODY : S_DONE;
    return 0;
}

/* Append to the body, NUL-terminated; the caller checked the limit. */
static int body_add(sk_http_parser *p, const char *d, size_t n)
{
    if (reserve(&p->body, &p->body_cap, p->body_len + n + 1,
                p->lim.max_body + 1))
        return fail(p, 500, SK_ENOMEM, "out of memory for the body");
    memcpy(p->body + p->body_len, d, n);
    p->body_len += n;
    p->body[p->body_len] = '\0';
    return 0;
}

/* chunk-size [ chunk-ext ], the line already cut. */
static int parse_chunk_size(sk_http_parser *p)
{
    char *s = p->line;
    size_t n = 0, digits = 0;

    if (p->line_n && s[p->line_n - 1] == '\r')
        s[--p->line_n] = '\0';
    for (; s[digits]; digits++) {
        char c = s[digits];
        int d;

        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            break;
        if (n > p->lim.max_body) /* stop before it can overflow */
            continue;
        n = n * 16 + (size_t)d;
    }
    if (digits == 0)
        return fail(p, 400, SK_EPARSE, "bad chunk size line '%.40s'", s);
    s += digits;
    while (is_ows(*s))
        s++;
    if (*s && *s != ';')
        return fail(p, 400, SK_EPARSE, "bad chunk size line '%.40s'", p->line);
    if (strchr(s, '\r'))
        return fail(p, 400, SK_EPARSE, "stray CR in chunk size line");
    if (n > p->lim.max_body - p->body_len)
        return fail(p, 413, SK_ELIMIT,
                    "chunked body over the %zu-byte "
                    "limit",
                    p->lim.max_body);
    p->chunk_left = n;
    p->line_n = 0;
    p->state = n ? S_CHUNK_DATA : S_TRAILER;
    p->line_len = 0;
    return 0;
}

int sk_http_parser_feed(sk_http_parser *p, size_t *consumed, const char *data,
                        size_t len)
{
    size_t i = 0;
    int rc;

    *consumed = 0;
    if (p->state == S_ERROR)
        return sk_error_set(p->err, "%s", p->msg);
    while (i < len && p->state != S_DONE) {
        char c = data[i];

        switch (p->state) {
        case S_START:
            if (c == '\r' || c == '\n') {
                i++;
                if (++p->skipped > p->lim.max_head)
                    return fail(p, 431, SK_ELIMIT,
                                "request head over "
                                "%zu bytes",
                                p->lim.max_head);
                break;
            }
            p->state = S_HEAD;
            /* fall through */
        case S_HEAD:
            if (p->skipped + p->head_len >= p->lim.max_head)
                return fail(p, 431, SK_ELIMIT,
                            "request head over %zu "
                            "bytes",
                            p->lim.max_head);
            if (reserve(&p->head, &p->head_cap, p->head_len + 2,
                        p->lim.max_head + 1))
                return fail(p, 500, SK_ENOMEM,
                            "out of memory for the "
                            "head");
            p->head[p->head_len++] = c;
            i++;
            if (c == '\n') {
                if (p->line_len == 0 && (rc = parse_head(p)) != 0) {
                    *consumed = i;
                    return rc;
                }
                p->line_len = 0;
            } else if (c != '\r') {
                p->line_len++;
            }
            break;
        case S_BODY: {
            size_t n = len - i < p->body_left ? len - i : p->body_left;

            if ((rc = body_add(p, data + i, n)) != 0)
                return rc;
            i += n;
            p->body_left -= n;
            if (p->body_left == 0)
                p->state = S_DONE;
            break;
        }
        case S_CHUNK_SIZE:
            i++;
            if (c == '\n') {
                p->line[p->line_n] = '\0';
                if ((rc = parse_chunk_size(p)) != 0) {
                    *consumed = i;
                    return rc;
                }
                break;
            }
            if (c == '\0' || p->line_n + 1 >= CHUNK_LINE_MAX)
                return fail(p, 400, SK_EPARSE, "bad chunk size line");
            p->line[p->line_n++] = c;
            break;
        case S_CHUNK_DATA: {
            size_t n = len - i < p->chunk_left ? len - i : p->chunk_left;

            if ((rc = body_add(p, data + i, n)) != 0)
                return rc;
            i += n;
            p->chunk_left -= n;
            if (p->chunk_left == 0) {
                p->state = S_CHUNK_END;
                p->cr = 0;
            }
            break;
        }
        case S_CHUNK_END:
            i++;
            if (c == '\r' && !p->cr) {
                p->cr = 1;
            } else if (c == '\n') {
                p->state = S_CHUNK_SIZE;
            } else {
                *consumed = i;
                return fail(p, 400, SK_EPARSE, "no CRLF after chunk data");
            }
            break;
        case S_TRAILER:
            i++;
            if (++p->trailer_bytes > p->lim.max_head)
                return fail(p, 431, SK_ELIMIT, "trailer over %zu bytes",
                            p->lim.max_head);
            if (c == '\n') {
                if (p->line_len == 0)
                    p->state = S_DONE;
                p->line_len = 0;
            } else if (c != '\r') {
                p->line_len++;
            }
            break;
        }
    }
    *consumed = i;
    if (p->state == S_ERROR)
        return p->err;
    return p->state == S_DONE ? SK_HTTP_COMPLETE : SK_HTTP_PARTIAL;
}

int sk_http_status(const sk_http_parser *p)
{
    return p->status;
}

const char *sk_http_error(const sk_http_parser *p)
{
    return p->msg;
}

int sk_http_head_done(const sk_http_parser *p)
{
    return p->state > S_HEAD && p->state != S_ERROR;
}

int sk_http_expect_continue(const sk_http_parser *p)
{
    return p->expect && p->state > S_HEAD && p->state < S_DONE;
}

const char *sk_http_method(const sk_http_parser *p)
{
    return sk_http_head_done(p) ? p->head + p->method : "";
}

const char *sk_http_target(const sk_http_parser *p)
{
    return sk_http_head_done(p) ? p->head + p->target : "";
}

int sk_http_version(const sk_http_parser *p)
{
    return p->version;
}

const char *sk_http_header(const sk_http_parser *p, const char *name)
{
    size_t i;

    if (!sk_http_head_done(p))
        return NULL;
    for (i = 0; i < p->nfields; i++)
        if (strcasecmp(p->head + p->fields[i].name, name) == 0)
            return p->head + p->fields[i].value;
    return NULL;
}

size_t sk_http_field_count(const sk_http_parser *p)
{
    return sk_http_head_done(p) ? p->nfields : 0;
}

void sk_http_field(const sk_http_parser *p, size_t i, const char **name,
                   const char **value)
{
    *name = p->head + p->fields[i].name;
    *value = p->head + p->fields[i].value;
}

const char *sk_http_body(const sk_http_parser *p, size_t *len)
{
    if (len)
        *len = p->body ? p->body_len : 0;
    return p->body ? p->body : "";
}

int sk_http_keep_alive(const sk_http_parser *p)
{
    return p->keep_alive;
}
