/*
 * An incremental Server-Sent Events parser (the WHATWG HTML standard's
 * "event stream interpretation"): feed it a response body in pieces of
 * any size and it calls back once per event.  No sockets, no clock.
 *
 * Rules: lines end in CRLF, LF or CR (a CR ending one feed and an LF
 * starting the next are one line end); a UTF-8 BOM at the very start of
 * the stream is skipped; a line starting with ':' is a comment; otherwise
 * the line is `field:value` with one space after the colon removed, or,
 * without a colon, a field with an empty value.  "data" values of one
 * event are joined with '\n'; "event" sets the event type ("message" when
 * unset or empty); "id", "retry" and unknown fields are ignored.  A blank
 * line dispatches the event, unless it has no data line.  At the end of a
 * stream an undispatched event is dropped (sk_sse_pending() tells).
 * Bytes pass through as they are: invalid UTF-8 is not replaced.
 *
 * Memory: the caller owns the struct and the buffer; the parser never
 * allocates.  The buffer holds the event being assembled: its data lines
 * (each plus one byte) and its event type (plus one byte when set), and
 * that total may not exceed the buffer's size; comments and ignored
 * fields take no room at all.
 * Thread-safety: a parser must be used by one thread at a time.
 */
#ifndef SWEEPKIT_SSE_H
#define SWEEPKIT_SSE_H

#include <stddef.h>

/* A parser.  Caller-owned; the fields are private: use the functions. */
struct sk_sse {
    char *buf;
    size_t cap;
    size_t data_len;  /* data lines at buf[0..), each + '\n' */
    size_t value_len; /* the line's value being read, after the data */
    size_t type_len;  /* the event type, at buf[cap - type_len - 1..) */
    size_t events;
    size_t taken;
    int state, field, cr, in_event, failed;
    unsigned char bom;     /* BOM bytes matched at the start */
    unsigned char fname_n; /* field-name bytes seen (saturates) */
    char fname[6];
};

/*
 * The function sk_sse_feed() calls for each event: `event` is its type,
 * `data` its data, len bytes plus a NUL (the data may hold NUL bytes too).
 * The type has no length: a type holding a NUL byte ("event:\0x") reads
 * as the text before it, here "" (not "message").
 * Both are borrowed from the parser and valid only during the call.
 * Return 0 to go on; anything else stops the feed, which returns it.
 */
typedef int (*sk_sse_event_fn)(void *payload, const char *event,
                               const char *data, size_t len);

/* Start a stream, with `buf[0..cap)` (cap >= 1) as the event buffer,
 * owned by the caller and used until the next init.  Also resets a parser
 * for a new stream. */
void sk_sse_init(struct sk_sse *p, char *buf, size_t cap);

/*
 * Parse bytes[0..n) and call fn(payload, ...) for every event they
 * complete.  Returns 0 once all bytes are taken; fn's nonzero value as
 * soon as fn returns one (the bytes after the blank line that dispatched
 * that event are not taken: sk_sse_taken() says how many were, and the
 * rest may be fed later); or SK_ELIMIT, with the buffer size in
 * sk_error_last(), when an event does not fit in the buffer.  SK_ELIMIT is
 * final: every later feed returns it until sk_sse_init().
 */
int sk_sse_feed(struct sk_sse *p, const char *bytes, size_t n,
                sk_sse_event_fn fn, void *payload);

/* How many bytes of the last sk_sse_feed() call's input were parsed: all
 * of them unless the callback stopped it or it failed. */
size_t sk_sse_taken(const struct sk_sse *p);

/* 1 when the stream so far does not end at an event boundary: a partial
 * line, or field lines since the last blank line (an event, or part of
 * one, that was not dispatched), or an event over the limit.  A stream
 * whose end leaves this 1 ended mid-event. */
int sk_sse_pending(const struct sk_sse *p);

/* Events dispatched since sk_sse_init(). */
size_t sk_sse_events(const struct sk_sse *p);

#endif
