/*
 * The incremental SSE parser (rules in sse.h).
 *
 * Only what an event needs is kept: "data" values are appended straight
 * to the data at the front of the buffer (each line's '\n' already
 * reserved); an "event" value is read after the data and moved to the
 * back of the buffer when its line ends; the field name is kept in a few
 * bytes of the struct, which is enough to tell "data" and "event" from
 * the rest.  Every decision depends only on the bytes seen so far, so any
 * split of the input gives the same events.
 */
#include "sweepkit/sse.h"

#include "sweepkit/error.h"

#include <assert.h>
#include <string.h>

enum {
    S_BOM,     /* the start of the stream, matching a BOM */
    S_LINE,    /* the start of a line */
    S_NAME,    /* in the field name */
    S_COMMENT, /* in a comment line */
    S_SPACE,   /* just after the colon */
    S_VALUE    /* in the value */
};

enum { F_OTHER, F_DATA, F_EVENT };

static const char bom[3] = {'\xef', '\xbb', '\xbf'};

void sk_sse_init(struct sk_sse *p, char *buf, size_t cap)
{
    assert(p && buf && cap >= 1);
    memset(p, 0, sizeof(*p));
    p->buf = buf;
    p->cap = cap;
    p->state = S_BOM;
}

static int over(const struct sk_sse *p)
{
    return sk_error_set(SK_ELIMIT, "SSE event over the %zu-byte buffer",
                        p->cap);
}

/* Can k more value bytes go in, with the byte that ends the line (the
 * '\n' of a data line, the NUL of an event type)? */
static int room(const struct sk_sse *p, size_t k)
{
    size_t used =
        p->data_len + p->value_len + (p->type_len ? p->type_len + 1 : 0);

    return used < p->cap && k <= p->cap - used - 1;
}

/* The field name is complete: which field, and where its value goes. */
static void begin_value(struct sk_sse *p)
{
    p->field = F_OTHER;
    if (p->fname_n == 4 && memcmp(p->fname, "data", 4) == 0)
        p->field = F_DATA;
    else if (p->fname_n == 5 && memcmp(p->fname, "event", 5) == 0)
        p->field = F_EVENT;
    if (p->field == F_EVENT)
        p->type_len = 0; /* replaced by this line's value */
    p->value_len = 0;
}

static int add_value(struct sk_sse *p, const char *s, size_t k)
{
    if (p->field == F_OTHER || k == 0)
        return 0;
    if (!room(p, k)) {
        p->failed = 1;
        return over(p);
    }
    memcpy(p->buf + p->data_len + p->value_len, s, k);
    p->value_len += k;
    return 0;
}

static int end_field(struct sk_sse *p)
{
    size_t v = p->value_len;

    p->in_event = 1;
    p->value_len = 0;
    if (p->field == F_DATA) {
        p->value_len = v;
        if (!room(p, 0)) {
            p->failed = 1;
            return over(p);
        }
        p->value_len = 0;
        p->buf[p->data_len + v] = '\n';
        p->data_len += v + 1;
    } else if (p->field == F_EVENT && v) {
        memmove(p->buf + p->cap - v - 1, p->buf + p->data_len, v);
        p->buf[p->cap - 1] = '\0';
        p->type_len = v;
    }
    return 0;
}

static int dispatch(struct sk_sse *p, sk_sse_event_fn fn, void *payload)
{
    const char *type;
    size_t len;

    p->in_event = 0;
    if (p->data_len == 0) {
        p->type_len = 0;
        return 0;
    }
    len = p->data_len - 1; /* the last line's '\n' */
    p->buf[len] = '\0';
    type = p->type_len ? p->buf + p->cap - p->type_len - 1 : "message";
    p->data_len = p->type_len = 0;
    p->events++;
    return fn(payload, type, p->buf, len);
}

static int end_line(struct sk_sse *p, sk_sse_event_fn fn, void *payload)
{
    switch (p->state) {
    case S_LINE: return dispatch(p, fn, payload);
    case S_COMMENT: p->state = S_LINE; return 0;
    case S_NAME:
        begin_value(p); /* no colon: the value is empty */
        /* fall through */
    default: p->state = S_LINE; return end_field(p);
    }
}

/* Bytes up to the next CR or LF. */
static size_t span(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n')
            break;
    return i;
}

/* Parse s[0..n) past the BOM; *used gets the bytes taken. */
static int run(struct sk_sse *p, const char *s, size_t n, size_t *used,
               sk_sse_event_fn fn, void *payload)
{
    size_t i = 0, k;
    int rc = 0;

    while (i < n && rc == 0) {
        char c = s[i];

        if (p->cr) {
            p->cr = 0;
            if (c == '\n') {
                i++;
                continue;
            }
        }
        if (c == '\r' || c == '\n') {
            p->cr = c == '\r';
            i++;
            rc = end_line(p, fn, payload);
            continue;
        }
        switch (p->state) {
        case S_LINE:
            if (c == ':') {
                p->state = S_COMMENT;
                i++;
                break;
            }
            p->state = S_NAME;
            p->fname_n = 0;
            /* fall through */
        case S_NAME:
            i++;
            if (c == ':') {
                begin_value(p);
                p->state = S_SPACE;
            } else if (p->fname_n < sizeof(p->fname)) {
                p->fname[p->fname_n++] = c;
            } /* longer names are neither "data" nor "event" */
            break;
        case S_COMMENT: i += span(s + i, n - i); break;
        case S_SPACE:
            p->state = S_VALUE;
            if (c == ' ') {
                i++;
                break;
            }
            /* fall through */
        default:
            k = span(s + i, n - i);
            rc = add_value(p, s + i, k);
            i += k;
            break;
        }
    }
    *used = i;
    return rc;
}

int sk_sse_feed(struct sk_sse *p, const char *bytes, size_t n,
                sk_sse_event_fn fn, void *payload)
{
    size_t i = 0, used = 0;
    int rc;

    assert(p && fn && (bytes || n == 0));
    p->taken = 0;
    if (p->failed)
        return over(p);
    while (i < n && p->state == S_BOM) {
        if (bytes[i] == bom[p->bom]) {
            i++;
            if (++p->bom == sizeof(bom))
                p->state = S_LINE;
            continue;
        }
        /* Not a BOM: the bytes that looked like one start a field name
         * (no line end among them, so nothing is dispatched). */
        p->state = S_LINE;
        rc = run(p, bom, p->bom, &used, fn, payload);
        assert(rc == 0);
    }
    rc = run(p, bytes + i, n - i, &used, fn, payload);
    p->taken = i + used;
    return rc;
}

size_t sk_sse_taken(const struct sk_sse *p)
{
    return p->taken;
}

int sk_sse_pending(const struct sk_sse *p)
{
    if (p->state == S_BOM)
        return p->bom > 0;
    return p->failed || p->state != S_LINE || p->in_event;
}

size_t sk_sse_events(const struct sk_sse *p)
{
    return p->events;
}
