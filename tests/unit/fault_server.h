/*
 * A misbehaving OpenAI-style HTTP server for the collector's end-to-end
 * fault tests.  Header-only; include it in one test file.
 *
 *   struct fault_server fs;
 *   if (fault_server_start(&fs, FAULT_DROP_MID_STREAM, 0) != 0) ...
 *   ... point the client at http://127.0.0.1:<fs.port>/v1/chat/completions
 *   char *log = fault_server_log(&fs);   ... strstr(log, "Authorization:")
 *   free(log);
 *   fault_server_stop(&fs);
 *
 * Modes with more parameters take a struct fault_opts (all-zero fields
 * mean the defaults, except retry_after_s, sent as given):
 *
 *   struct fault_opts o = {.mode = FAULT_RETRY_AFTER_429,
 *                          .retry_after_s = 3, .http_date = 1};
 *   if (fault_server_start_opts(&fs, &o) != 0) ...
 *
 * Process model: fault_server_start() forks a server process that listens
 * on 127.0.0.1, port 0 (the kernel picks a free port, reported back through
 * a pipe).  It forks one handler process per connection, so any number of
 * clients can be in flight at once (a collector at concurrency 4 or 64).
 * On SIGTERM the server ends its handlers (stalled ones too) and reaps
 * them, so when fault_server_stop() returns nothing is left running.  Both
 * also carry prctl(PR_SET_PDEATHSIG, SIGTERM): the server dies with the
 * thread that started it and handlers with the server, so nothing outlives
 * a test that crashes (start the server from the test's main thread).  The
 * server also gives up after FAULT_LIFETIME_S seconds or
 * FAULT_MAX_CONNECTIONS connections.  Loopback only; nothing else touches
 * the network.
 *
 * HTTP: one request per connection, and every response carries
 * `Connection: close` (no keep-alive: the client opens a new connection per
 * request, which also makes "the n-th request" well defined), except in
 * FAULT_KEEPALIVE_DROP.  A request is its head up to the blank line plus a
 * Content-Length body (`Expect: 100-continue` is answered; chunked request
 * bodies and pipelining are not supported).  Method and path are not
 * checked: every request gets the mode's answer.  Streaming answers use
 * `Transfer-Encoding: chunked`, one HTTP chunk per SSE event, each written
 * as it is produced (TCP_NODELAY).
 *
 * Log: each request is appended to the file fs.log (created by
 * fault_server_start(), removed by fault_server_stop()) as received: the
 * head byte for byte (request line, headers, CRLF CRLF), then the body,
 * then one "\n".  The entry is written before the answer is sent, so once a
 * client has an answer its request is in the log; a request that gets no
 * answer because the server drops it unread (FAULT_KEEPALIVE_DROP) is not
 * in the log.
 *
 * Modes (k = content chunks, FAULT_DEFAULT_K when k <= 0, at most
 * FAULT_MAX_K; the echo and bad-text modes read k as a form instead):
 *   FAULT_OK               200, text/event-stream: k events with content
 *                          "tok", one with finish_reason "length", one with
 *                          usage {prompt_tokens 7, completion_tokens k,
 *                          total_tokens 7 + k}, then "data: [DONE]"; the
 *                          chunked body is terminated properly.
 *   FAULT_DROP_MID_STREAM  200 head and 2 content events, then the socket
 *                          is closed: no [DONE], no terminating chunk.
 *   FAULT_500_THEN_OK      connections 1, 3, 5 ... (in accept order) get a
 *                          500 with an OpenAI-style JSON error body;
 *                          2, 4, 6 ... get the FAULT_OK answer.
 *   FAULT_MALFORMED_CHUNK  200, 1 good content event, then an event whose
 *                          JSON is cut short, then [DONE].
 *   FAULT_STALL            200 head and 1 content event, then nothing for
 *                          FAULT_STALL_S seconds (the socket stays open),
 *                          then close.  SIGTERM ends it at once.
 *   FAULT_HTML_502         502 Bad Gateway with an HTML body, as a reverse
 *                          proxy sends when the model server is down.
 *   FAULT_SLOW_CHUNKS      the FAULT_OK answer with delay_ms (default
 *                          FAULT_SLOW_DELAY_MS) before every event after
 *                          the first.
 *   FAULT_ECHO_KEY_401     401, application/json: {"error":{"message":
 *                          "Incorrect API key provided." padded with
 *                          spaces to 120 bytes, then " key <credential> is
 *                          not valid"}}, the credential (the Authorization
 *                          value after "Bearer ") starting at byte offset
 *                          146, so a cut at 160 bytes splits it.
 *   FAULT_ECHO_KEY_IN_STREAM  200 stream head, then one event
 *                          {"error":{"message":"invalid api key: <cred>"}}
 *                          and the close.
 *   FAULT_KEEPALIVE_DROP   keep-alive, as llama.cpp's llama-server (its
 *                          HTTP library closes a connection after a few
 *                          requests): each connection serves requests one
 *                          after another, each with the FAULT_OK answer
 *                          without `Connection: close`.  After the
 *                          keepalive_max-th response (default
 *                          FAULT_KEEPALIVE_MAX = 3) the handler waits up to
 *                          FAULT_KEEPALIVE_WAIT_MS for the client's next
 *                          request bytes, then closes the socket without
 *                          reading them (the kernel answers with a RST; a
 *                          client that sent nothing gets a FIN).  That
 *                          request gets no byte of answer and is not logged.
 *   FAULT_RETRY_AFTER_429  the first POST request (in the order the
 *                          handlers read them; a collector's GET
 *                          /v1/models and /props before its queries get
 *                          the OK answer) gets `429 Too
 *                          Many Requests` with `Retry-After:
 *                          <retry_after_s>` (seconds; default 0) and an
 *                          OpenAI-style JSON error body; every later
 *                          request gets the FAULT_OK answer.  With http_date
 *                          the header is an IMF-fixdate ("Wed, 21 Oct 2026
 *                          07:28:00 GMT") retry_after_s seconds after the
 *                          answer: the handler first waits for the next
 *                          whole second of the real-time clock (up to 1 s),
 *                          so the date is that many seconds after the 429
 *                          leaves, to a few ms.  retry_after_text, when not
 *                          NULL, is sent as the header value verbatim.
 *   FAULT_ECHO_ALL_401     a misconfigured proxy that echoes the request:
 *                          k is the form (FAULT_ECHO_FORM_*; any other k
 *                          fails the start).  Forms 0-3 and 5 answer 401,
 *                          application/json, the short body
 *                            {"error":{"message":"<pad><echo>: invalid
 *                            credentials","type":"invalid_request_error",
 *                            "code":401}}
 *                          where <pad> is `pad` bytes of filler text (0 by
 *                          default, so <echo> starts at byte offset 21) and
 *                          <echo> is:
 *           0 FAULT_ECHO_FORM_RAW      the Authorization value as received
 *                                      ("Bearer sk-...", "Basic Ym9i...")
 *           1 FAULT_ECHO_FORM_UESC     the credential (the Authorization
 *                                      value after its scheme word and
 *                                      space; all of it without one), each
 *                                      byte as \u00XX (lower-case hex)
 *           2 FAULT_ECHO_FORM_PERCENT  the credential, each byte as %XX
 *                                      (upper-case hex)
 *           3 FAULT_ECHO_FORM_CUSTOM   the X-Custom-Token value as received
 *           5 FAULT_ECHO_FORM_REQLINE  the request line as received
 *                                      ("POST /v1/chat/completions?key=...
 *                                      HTTP/1.1")
 *                          A missing header echoes as "".  No JSON escaping
 *                          is applied to raw values.  Form
 *           4 FAULT_ECHO_FORM_CTYPE    is a 200 that is not a stream:
 *                                      `Content-Type: text/html; x=<the
 *                                      Authorization value>` (pad filler
 *                                      bytes before it) and the body
 *                                      "<html><body>ok</body></html>".
 *           6 FAULT_ECHO_FORM_ALL      401, application/json, everything
 *                                      in one (long) body:
 *                                      {"error":{"message":"unauthorized",
 *                                      "request":"<request line>",
 *                                      "headers":{"<Name>":"<value>",...
 *                                      every header, raw},"authorization":
 *                                      {"raw":"<value>","json":"<\u00XX
 *                                      form>","url":"<%XX form>"}}}
 *   FAULT_USAGE            the FAULT_OK answer whose usage event carries
 *                          usage_text verbatim as completion_tokens (raw
 *                          JSON: "100000", "0", "-7", "2.5", "null",
 *                          "\"5\""; at most FAULT_USAGE_MAX bytes; NULL:
 *                          k); total_tokens is 7 + that number when it is
 *                          an integer, and absent otherwise.
 *   FAULT_MANY_CHUNKS      the FAULT_OK answer with k content events,
 *                          default FAULT_MANY_K (5,000).
 *   FAULT_BAD_TEXT         400, application/json, a body with text no CSV
 *                          should get as it is; k is the form:
 *           0 FAULT_BAD_TEXT_RAW      (also k < 0) raw bytes: invalid
 *                                     UTF-8 (\xff\xfe, \xc3\x28, and a
 *                                     sequence cut short, \xe2\x82, at the
 *                                     end of the message), U+202E
 *                                     RIGHT-TO-LEFT OVERRIDE (\xe2\x80\xae),
 *                                     U+2067 RIGHT-TO-LEFT ISOLATE, the
 *                                     control bytes \x01 \x1b \x7f; so not
 *                                     valid JSON (not UTF-8)
 *           1 FAULT_BAD_TEXT_ESCAPED  valid JSON with the characters as
 *                                     escapes (\u202e, \u2067, \u0001,
 *                                     \u001b, \u007f): a JSON decoder
 *                                     yields the controls
 *
 * Not thread-safe; it forks, so start servers before starting threads.
 */
#ifndef SK_TEST_FAULT_SERVER_H
#define SK_TEST_FAULT_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum fault_mode {
    FAULT_OK,
    FAULT_DROP_MID_STREAM,
    FAULT_500_THEN_OK,
    FAULT_MALFORMED_CHUNK,
    FAULT_STALL,
    FAULT_HTML_502,
    FAULT_SLOW_CHUNKS,
    /* a server that echoes the client's credentials back: a 401 whose
     * body holds the Authorization value, after 146 bytes of text (so a
     * cut at 160 bytes splits it); and a 200 stream whose error event
     * holds it */
    FAULT_ECHO_KEY_401,
    FAULT_ECHO_KEY_IN_STREAM,
    FAULT_KEEPALIVE_DROP,
    FAULT_RETRY_AFTER_429,
    FAULT_ECHO_ALL_401,
    FAULT_USAGE,
    FAULT_MANY_CHUNKS,
    FAULT_BAD_TEXT
};

/* FAULT_ECHO_ALL_401's forms (its k). */
enum fault_echo_form {
    FAULT_ECHO_FORM_RAW,
    FAULT_ECHO_FORM_UESC,
    FAULT_ECHO_FORM_PERCENT,
    FAULT_ECHO_FORM_CUSTOM,
    FAULT_ECHO_FORM_CTYPE,
    FAULT_ECHO_FORM_REQLINE,
    FAULT_ECHO_FORM_ALL
};

/* FAULT_BAD_TEXT's forms (its k). */
enum fault_bad_text_form { FAULT_BAD_TEXT_RAW, FAULT_BAD_TEXT_ESCAPED };

#define FAULT_DEFAULT_K 5
#define FAULT_MANY_K 5000
#define FAULT_MAX_K 1000000
#define FAULT_SLOW_DELAY_MS 50
#define FAULT_STALL_S 30
#define FAULT_KEEPALIVE_MAX 3
#define FAULT_KEEPALIVE_WAIT_MS 2000
#define FAULT_USAGE_MAX 200
#define FAULT_PAD_MAX 4096
#define FAULT_LIFETIME_S 600
#define FAULT_MAX_CONNECTIONS 100000
#define FAULT_IO_TIMEOUT_MS 10000        /* per read of a request */
#define FAULT_MAX_HEAD (64 * 1024)
#define FAULT_MAX_BODY (16 * 1024 * 1024)

/*
 * Everything a server can be asked for.  A zeroed struct with a mode is
 * valid: fields <= 0 (NULL) take the defaults named here.
 */
struct fault_opts {
    int mode;          /* enum fault_mode */
    int k;             /* content chunks (<= 0: FAULT_DEFAULT_K, or
                        * FAULT_MANY_K for FAULT_MANY_CHUNKS); the form for
                        * FAULT_ECHO_ALL_401 and FAULT_BAD_TEXT */
    int delay_ms;      /* FAULT_SLOW_CHUNKS: before each event after the
                        * first (<= 0: FAULT_SLOW_DELAY_MS) */
    int retry_after_s; /* FAULT_RETRY_AFTER_429: seconds, sent as given
                        * (negative: 0) */
    int http_date;     /* FAULT_RETRY_AFTER_429: as an HTTP-date */
    const char *retry_after_text; /* FAULT_RETRY_AFTER_429: the header
                                   * value verbatim, when not NULL */
    const char *usage_text; /* FAULT_USAGE: completion_tokens, raw JSON
                             * (NULL: k) */
    int keepalive_max; /* FAULT_KEEPALIVE_DROP: responses per connection
                        * before the drop (<= 0: FAULT_KEEPALIVE_MAX) */
    int pad;           /* FAULT_ECHO_ALL_401: filler bytes before the echo
                        * (at most FAULT_PAD_MAX) */
};

struct fault_server {
    pid_t pid;     /* the server process */
    int port;      /* on 127.0.0.1 */
    char log[128]; /* path of the request log */
};

/* ---- internals: the handler side --------------------------------------- */

static inline void fault__sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static inline int fault__send(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

static inline int fault__sends(int fd, const char *s)
{
    return fault__send(fd, s, strlen(s));
}

/* A growable string with a hard cap; `bad` sticks once an append fails. */
struct fault__str {
    char *p;
    size_t len, cap;
    int bad;
};

#define FAULT__STR_MAX (1024 * 1024)

static inline void fault__add(struct fault__str *s, const char *b, size_t n)
{
    if (s->bad)
        return;
    if (n > FAULT__STR_MAX - s->len) {
        s->bad = 1;
        return;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        char *np;

        while (cap < s->len + n + 1)
            cap *= 2;
        if (!(np = realloc(s->p, cap))) {
            s->bad = 1;
            return;
        }
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->len, b, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static inline void fault__adds(struct fault__str *s, const char *z)
{
    fault__add(s, z, strlen(z));
}

/* `fmt` each byte of [b, b + n): "\\u%04x" or "%%%02X". */
static inline void fault__add_each(struct fault__str *s, const char *b,
                                   size_t n, const char *fmt)
{
    char e[8];
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(e, sizeof(e), fmt, (unsigned)(unsigned char)b[i]);
        fault__adds(s, e);
    }
}

/* n bytes of readable filler. */
static inline void fault__add_pad(struct fault__str *s, size_t n)
{
    static const char words[] = "The request could not be authorized. ";
    size_t i;

    for (i = 0; i < n; i++)
        fault__add(s, &words[i % (sizeof(words) - 1)], 1);
}

/* One SSE event "data: <payload>\n\n" as one HTTP chunk, in one write. */
static inline int fault__event(int fd, const char *payload)
{
    char ev[512], buf[600];
    int n = snprintf(ev, sizeof(ev), "data: %s\n\n", payload);
    int m;

    if (n < 0 || (size_t)n >= sizeof(ev))
        return -1;
    m = snprintf(buf, sizeof(buf), "%x\r\n%s\r\n", (unsigned)n, ev);
    if (m < 0 || (size_t)m >= sizeof(buf))
        return -1;
    return fault__send(fd, buf, (size_t)m);
}

static inline int fault__stream_head_ka(int fd, int keepalive)
{
    return fault__sends(fd, keepalive
                                ? "HTTP/1.1 200 OK\r\n"
                                  "Content-Type: text/event-stream\r\n"
                                  "Cache-Control: no-cache\r\n"
                                  "Transfer-Encoding: chunked\r\n"
                                  "\r\n"
                                : "HTTP/1.1 200 OK\r\n"
                                  "Content-Type: text/event-stream\r\n"
                                  "Cache-Control: no-cache\r\n"
                                  "Transfer-Encoding: chunked\r\n"
                                  "Connection: close\r\n"
                                  "\r\n");
}

static inline int fault__stream_head(int fd)
{
    return fault__stream_head_ka(fd, 0);
}

#define FAULT__CONTENT(tok)                                                 \
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" tok "\"},"      \
    "\"finish_reason\":null}]}"

/* The usage event: completion_tokens k, or `text` as raw JSON. */
static inline void fault__usage(char *buf, size_t cap, int k,
                                const char *text)
{
    char *end;
    long long v;

    if (!text) {
        snprintf(buf, cap,
                 "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                 "\"completion_tokens\":%d,\"total_tokens\":%d}}",
                 k, 7 + k);
        return;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    if (*text && end != text && !*end && errno == 0 && v < 1000000000000LL &&
        v > -1000000000000LL)
        snprintf(buf, cap,
                 "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                 "\"completion_tokens\":%s,\"total_tokens\":%lld}}",
                 text, 7 + v);
    else
        snprintf(buf, cap,
                 "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                 "\"completion_tokens\":%s}}",
                 text);
}

/* The FAULT_OK answer: head, k content events, finish, usage, [DONE];
 * `usage_text` as in FAULT_USAGE (NULL: k). */
static inline int fault__stream_full(int fd, int k, int delay_ms,
                                     const char *usage_text, int keepalive)
{
    char usage[400];
    int i;

    if (fault__stream_head_ka(fd, keepalive) != 0)
        return -1;
    for (i = 0; i < k; i++) {
        if (i > 0 && delay_ms > 0)
            fault__sleep_ms(delay_ms);
        if (fault__event(fd, FAULT__CONTENT("tok")) != 0)
            return -1;
    }
    fault__usage(usage, sizeof(usage), k, usage_text);
    if (delay_ms > 0)
        fault__sleep_ms(delay_ms);
    if (fault__event(fd, "{\"choices\":[{\"index\":0,\"delta\":{},"
                         "\"finish_reason\":\"length\"}]}") != 0)
        return -1;
    if (delay_ms > 0)
        fault__sleep_ms(delay_ms);
    if (fault__event(fd, usage) != 0)
        return -1;
    if (delay_ms > 0)
        fault__sleep_ms(delay_ms);
    if (fault__event(fd, "[DONE]") != 0)
        return -1;
    return fault__sends(fd, "0\r\n\r\n");
}

static inline int fault__stream_ok(int fd, int k, int delay_ms)
{
    return fault__stream_full(fd, k, delay_ms, NULL, 0);
}

/* A complete, non-streaming answer of `len` body bytes; `extra` is more
 * header lines, each ending in CRLF (or NULL).  Head and body go out in
 * one write. */
static inline int fault__plain_ex(int fd, const char *status,
                                  const char *type, const char *extra,
                                  const char *body, size_t len)
{
    struct fault__str r = {NULL, 0, 0, 0};
    char n[32];
    int rc;

    snprintf(n, sizeof(n), "%zu", len);
    fault__adds(&r, "HTTP/1.1 ");
    fault__adds(&r, status);
    fault__adds(&r, "\r\nContent-Type: ");
    fault__adds(&r, type);
    fault__adds(&r, "\r\nContent-Length: ");
    fault__adds(&r, n);
    fault__adds(&r, "\r\n");
    if (extra)
        fault__adds(&r, extra);
    fault__adds(&r, "Connection: close\r\n\r\n");
    fault__add(&r, body, len);
    rc = r.bad ? -1 : fault__send(fd, r.p, r.len);
    free(r.p);
    return rc;
}

static inline int fault__plain(int fd, const char *status, const char *type,
                               const char *body)
{
    return fault__plain_ex(fd, status, type, NULL, body, strlen(body));
}

static inline const char *fault__find(const char *buf, size_t len,
                                      const char *needle)
{
    size_t n = strlen(needle), i;

    for (i = 0; n <= len && i <= len - n; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return buf + i;
    return NULL;
}

/* The value of header `name` (with its colon, e.g. "content-length:") in
 * the head [buf, buf + len), spaces skipped; NULL when absent. */
static inline const char *fault__header(const char *buf, size_t len,
                                        const char *name, size_t *vlen)
{
    const char *p = buf, *end = buf + len;
    size_t n = strlen(name);

    while (p < end) {
        const char *eol = fault__find(p, (size_t)(end - p), "\r\n");

        if (!eol)
            eol = end;
        if ((size_t)(eol - p) >= n && strncasecmp(p, name, n) == 0) {
            const char *v = p + n;

            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            *vlen = (size_t)(eol - v);
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

/* Read up to `want` bytes in total into *buf; 0 when they all came. */
static inline int fault__read_more(int fd, char *buf, size_t *len,
                                   size_t want)
{
    while (*len < want) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;

        if (poll(&pfd, 1, FAULT_IO_TIMEOUT_MS) <= 0)
            return -1;
        r = read(fd, buf + *len, want - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        *len += (size_t)r;
    }
    return 0;
}

/*
 * Read one request: the head up to CRLF CRLF, then Content-Length bytes of
 * body.  *out is malloc'd; *outlen its length.  -1 when the client closed,
 * timed out or sent something too large to be a test's request.
 */
static inline int fault__read_request(int fd, char **out, size_t *outlen)
{
    size_t len = 0, head_len = 0, body_len = 0, vlen, i;
    char *buf = malloc(FAULT_MAX_HEAD), *big;
    const char *end = NULL, *v;

    if (!buf)
        return -1;
    while (!end) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;

        if (len == FAULT_MAX_HEAD ||
            poll(&pfd, 1, FAULT_IO_TIMEOUT_MS) <= 0)
            goto fail;
        r = read(fd, buf + len, FAULT_MAX_HEAD - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto fail;
        len += (size_t)r;
        end = fault__find(buf, len, "\r\n\r\n");
    }
    head_len = (size_t)(end - buf) + 4;
    if ((v = fault__header(buf, head_len, "content-length:", &vlen))) {
        for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9'; i++) {
            body_len = body_len * 10 + (size_t)(v[i] - '0');
            if (body_len > FAULT_MAX_BODY)
                goto fail;
        }
    }
    if ((v = fault__header(buf, head_len, "expect:", &vlen)) && vlen >= 12 &&
        strncasecmp(v, "100-continue", 12) == 0 &&
        len == head_len && body_len > 0 &&
        fault__sends(fd, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
        goto fail;
    if (!(big = realloc(buf, head_len + body_len + 1)))
        goto fail;
    buf = big;
    if (len > head_len + body_len) /* pipelined bytes: not ours to log */
        len = head_len + body_len;
    if (fault__read_more(fd, buf, &len, head_len + body_len) != 0)
        goto fail;
    *out = buf;
    *outlen = len;
    return 0;
fail:
    free(buf);
    return -1;
}

/* Append one request and a "\n" to the log, in one write (O_APPEND keeps
 * concurrent handlers' entries whole). */
static inline void fault__log_append(const char *path, char *req, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

    if (fd < 0)
        return;
    req[len] = '\n'; /* fault__read_request left room for it */
    (void)fault__send(fd, req, len + 1);
    close(fd);
}

/* FAULT_KEEPALIVE_DROP: `max` requests answered on this connection, then
 * the next one's bytes left unread and the socket closed (a RST). */
static inline void fault__keepalive(int fd, const struct fault_opts *o,
                                    const char *log)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    char *req;
    size_t len;
    int i;

    for (i = 0; i < o->keepalive_max; i++) {
        if (fault__read_request(fd, &req, &len) != 0)
            return;
        fault__log_append(log, req, len);
        free(req);
        if (fault__stream_full(fd, o->k, 0, NULL, 1) != 0)
            return;
    }
    while (poll(&pfd, 1, FAULT_KEEPALIVE_WAIT_MS) < 0 && errno == EINTR)
        ;
    /* The caller's close() with the request unread sends the RST. */
}

/* "Wed, 21 Oct 2026 07:28:00 GMT" (IMF-fixdate), locale-independent. */
static inline void fault__http_date(char *buf, size_t cap, time_t t)
{
    static const char day[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                   "Thu", "Fri", "Sat"};
    static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                    "May", "Jun", "Jul", "Aug",
                                    "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday],
             tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

static inline int fault__retry_after(int fd, const struct fault_opts *o)
{
    static const char body[] =
        "{\"error\":{\"message\":\"Rate limit reached, retry later\","
        "\"type\":\"rate_limit_error\",\"code\":429}}";
    char value[128], extra[200];
    int s = o->retry_after_s > 0 ? o->retry_after_s : 0;

    if (o->retry_after_text) {
        snprintf(value, sizeof(value), "%s", o->retry_after_text);
    } else if (o->http_date) {
        struct timespec now;

        /* Answer just after a whole second, so the date (whole seconds)
         * is `s` seconds after the answer, not up to 1 s less.  That
         * second comes from before the sleep, not from time(), whose
         * coarse clock can still show the one before. */
        clock_gettime(CLOCK_REALTIME, &now);
        fault__sleep_ms(1000 - now.tv_nsec / 1000000L);
        fault__http_date(value, sizeof(value), now.tv_sec + 1 + s);
    } else {
        snprintf(value, sizeof(value), "%d", s);
    }
    snprintf(extra, sizeof(extra), "Retry-After: %s\r\n", value);
    return fault__plain_ex(fd, "429 Too Many Requests", "application/json",
                           extra, body, sizeof(body) - 1);
}

/* FAULT_ECHO_ALL_401: the head of the request is [req, req + hlen). */
static inline int fault__echo_all(int fd, const struct fault_opts *o,
                                  const char *req, size_t hlen)
{
    struct fault__str b = {NULL, 0, 0, 0}, t = {NULL, 0, 0, 0};
    const char *auth, *cust, *cred, *eol, *p;
    size_t alen = 0, clen = 0, crlen, llen, n;
    int rc;

    if (!(auth = fault__header(req, hlen, "authorization:", &alen)))
        auth = "";
    if (!(cust = fault__header(req, hlen, "x-custom-token:", &clen)))
        cust = "";
    /* The credential: after the scheme word and its space, if any. */
    cred = memchr(auth, ' ', alen);
    cred = cred ? cred + 1 : auth;
    crlen = alen - (size_t)(cred - auth);
    eol = fault__find(req, hlen, "\r\n");
    llen = (size_t)(eol - req);

    if (o->k == FAULT_ECHO_FORM_CTYPE) {
        fault__adds(&t, "text/html; x=");
        fault__add_pad(&t, (size_t)o->pad);
        fault__add(&t, auth, alen);
        rc = t.bad ? -1
                   : fault__plain(fd, "200 OK", t.p,
                                  "<html><body>ok</body></html>");
        free(t.p);
        return rc;
    }
    if (o->k == FAULT_ECHO_FORM_ALL) {
        fault__adds(&b, "{\"error\":{\"message\":\"unauthorized\","
                        "\"request\":\"");
        fault__add(&b, req, llen);
        fault__adds(&b, "\",\"headers\":{");
        for (p = eol + 2, n = 0; p < req + hlen - 2;) {
            const char *e = fault__find(p, (size_t)(req + hlen - p), "\r\n");
            const char *colon = memchr(p, ':', (size_t)(e - p)), *v;

            if (colon) {
                for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
                    ;
                if (n++ > 0)
                    fault__adds(&b, ",");
                fault__adds(&b, "\"");
                fault__add(&b, p, (size_t)(colon - p));
                fault__adds(&b, "\":\"");
                fault__add(&b, v, (size_t)(e - v));
                fault__adds(&b, "\"");
            }
            p = e + 2;
        }
        fault__adds(&b, "},\"authorization\":{\"raw\":\"");
        fault__add(&b, auth, alen);
        fault__adds(&b, "\",\"json\":\"");
        fault__add_each(&b, cred, crlen, "\\u%04x");
        fault__adds(&b, "\",\"url\":\"");
        fault__add_each(&b, cred, crlen, "%%%02X");
        fault__adds(&b, "\"}}}");
    } else {
        fault__adds(&b, "{\"error\":{\"message\":\"");
        fault__add_pad(&b, (size_t)o->pad);
        switch (o->k) {
        case FAULT_ECHO_FORM_RAW: fault__add(&b, auth, alen); break;
        case FAULT_ECHO_FORM_UESC:
            fault__add_each(&b, cred, crlen, "\\u%04x");
            break;
        case FAULT_ECHO_FORM_PERCENT:
            fault__add_each(&b, cred, crlen, "%%%02X");
            break;
        case FAULT_ECHO_FORM_CUSTOM: fault__add(&b, cust, clen); break;
        default: fault__add(&b, req, llen); break; /* the request line */
        }
        fault__adds(&b, ": invalid credentials\",\"type\":"
                        "\"invalid_request_error\",\"code\":401}}");
    }
    rc = b.bad ? -1
               : fault__plain_ex(fd, "401 Unauthorized", "application/json",
                                 NULL, b.p, b.len);
    free(b.p);
    return rc;
}

static inline int fault__bad_text(int fd, int form)
{
    static const char raw[] =
        "{\"error\":{\"message\":\"bad input \xff\xfe; \xc3\x28 is not "
        "UTF-8; \xe2\x80\xae" "desrever; \xe2\x81\xa7isolate; controls "
        "\x01\x1b[0m\x7f; cut \xe2\x82\",\"type\":\"invalid_request_error\","
        "\"code\":400}}";
    static const char esc[] =
        "{\"error\":{\"message\":\"bad input \\u202edesrever; "
        "\\u2067isolate; controls \\u0001\\u001b[0m\\u007f; end\","
        "\"type\":\"invalid_request_error\",\"code\":400}}";

    return form == FAULT_BAD_TEXT_ESCAPED
               ? fault__plain_ex(fd, "400 Bad Request", "application/json",
                                 NULL, esc, sizeof(esc) - 1)
               : fault__plain_ex(fd, "400 Bad Request", "application/json",
                                 NULL, raw, sizeof(raw) - 1);
}

/* POST requests read so far, shared by the server's handlers (an
 * shared mapping of /dev/zero made before the first fork); NULL: none. */
static unsigned long *fault__posts;

static inline void fault__handle(int fd, const struct fault_opts *o,
                                 unsigned long nth, const char *log)
{
    char *req = NULL;
    size_t len = 0, hlen;
    int one = 1, k = o->k;
    char echo[1024] = "";
    const char *auth;
    size_t alen = 0;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (o->mode == FAULT_KEEPALIVE_DROP) {
        fault__keepalive(fd, o, log);
        return;
    }
    if (fault__read_request(fd, &req, &len) != 0)
        return;
    fault__log_append(log, req, len);
    hlen = (size_t)(fault__find(req, len, "\r\n\r\n") - req) + 4;
    if ((auth = fault__header(req, hlen, "Authorization:", &alen)) &&
        alen > 7 && strncmp(auth, "Bearer ", 7) == 0)
        snprintf(echo, sizeof(echo), "%.*s", (int)(alen - 7), auth + 7);

    switch (o->mode) {
    case FAULT_ECHO_KEY_401: {
        char body[1400];

        snprintf(body, sizeof(body),
                 "{\"error\":{\"message\":\"%-120s key %s is not "
                 "valid\"}}",
                 "Incorrect API key provided.", echo);
        fault__plain(fd, "401 Unauthorized", "application/json", body);
        break;
    }
    case FAULT_ECHO_KEY_IN_STREAM: {
        char ev[1200];

        snprintf(ev, sizeof(ev),
                 "{\"error\":{\"message\":\"invalid api key: %s\"}}", echo);
        if (fault__stream_head(fd) == 0)
            fault__event(fd, ev);
        break;
    }
    case FAULT_ECHO_ALL_401:
        fault__echo_all(fd, o, req, hlen);
        break;
    case FAULT_OK:
    case FAULT_MANY_CHUNKS:
        fault__stream_ok(fd, k, 0);
        break;
    case FAULT_USAGE:
        fault__stream_full(fd, k, 0, o->usage_text, 0);
        break;
    case FAULT_SLOW_CHUNKS:
        fault__stream_ok(fd, k, o->delay_ms);
        break;
    case FAULT_500_THEN_OK:
        if (nth % 2 == 1)
            fault__plain(fd, "500 Internal Server Error", "application/json",
                         "{\"error\":{\"message\":\"simulated overload\","
                         "\"type\":\"server_error\"}}");
        else
            fault__stream_ok(fd, k, 0);
        break;
    case FAULT_RETRY_AFTER_429:
        if (fault__posts && strncmp(req, "POST ", 5) == 0 &&
            __atomic_add_fetch(fault__posts, 1, __ATOMIC_SEQ_CST) == 1)
            fault__retry_after(fd, o);
        else
            fault__stream_ok(fd, k, 0);
        break;
    case FAULT_BAD_TEXT:
        fault__bad_text(fd, k);
        break;
    case FAULT_DROP_MID_STREAM:
        if (fault__stream_head(fd) == 0 &&
            fault__event(fd, FAULT__CONTENT("tok")) == 0)
            fault__event(fd, FAULT__CONTENT("tok"));
        /* The connection just ends: an unterminated chunked body. */
        break;
    case FAULT_MALFORMED_CHUNK:
        if (fault__stream_head(fd) == 0 &&
            fault__event(fd, FAULT__CONTENT("tok")) == 0 &&
            fault__event(fd, "{\"choices\":[{\"delta\":{\"content\":\"x\"}") ==
                0 &&
            fault__event(fd, "[DONE]") == 0)
            fault__sends(fd, "0\r\n\r\n");
        break;
    case FAULT_STALL:
        if (fault__stream_head(fd) == 0 &&
            fault__event(fd, FAULT__CONTENT("tok")) == 0)
            fault__sleep_ms(FAULT_STALL_S * 1000L);
        break;
    case FAULT_HTML_502:
        fault__plain(fd, "502 Bad Gateway", "text/html",
                     "<html><body><h1>502 Bad Gateway</h1></body></html>");
        break;
    default:
        fault__plain(fd, "500 Internal Server Error", "text/plain",
                     "fault_server: unknown mode\n");
        break;
    }
    free(req);
}

/* In a freshly forked child: take SIGTERM when `parent` dies.  Checked
 * after arming, since a parent that died before would never send it;
 * -1 then.  SIGTERM is unblocked and default (the test may have changed
 * both), so it ends the process at once, even in the middle of a stall. */
static inline int fault__die_with_parent(pid_t parent)
{
    sigset_t term;

    signal(SIGTERM, SIG_DFL);
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &term, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
        return -1;
    return getppid() == parent ? 0 : -1;
}

static volatile sig_atomic_t fault__stopping;

static inline void fault__on_term(int sig)
{
    (void)sig;
    fault__stopping = 1;
}

/*
 * The server process: accept, fork a handler, repeat.  It leads its own
 * process group, so on SIGTERM (fault_server_stop(), or the test dying) it
 * can end every handler, stalled ones included, and reap them before it
 * exits: when fault_server_stop() returns, no handler is left.
 */
static inline void fault__serve(int lfd, const struct fault_opts *o,
                                const char *log, pid_t parent)
{
    time_t until = time(NULL) + FAULT_LIFETIME_S;
    unsigned long nth = 0;
    pid_t self = getpid();
    struct sigaction sa;
    sigset_t term, old;
    int own_group = setpgid(0, 0) == 0 && getpgrp() == self;
    int zero = open("/dev/zero", O_RDWR | O_CLOEXEC); /* POSIX's
                                                         * anonymous map */
    void *shared = zero < 0 ? MAP_FAILED
                            : mmap(NULL, sizeof(unsigned long),
                                   PROT_READ | PROT_WRITE, MAP_SHARED, zero,
                                   0);

    if (zero >= 0)
        close(zero);
    fault__posts = shared == MAP_FAILED ? NULL : shared; /* zeroed */

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fault__on_term; /* no SA_RESTART: poll() returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGCHLD, SIG_IGN); /* handlers are reaped by the kernel */
    signal(SIGPIPE, SIG_IGN); /* a client that hung up is a write error */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    while (!fault__stopping && time(NULL) < until && getppid() == parent &&
           nth < FAULT_MAX_CONNECTIONS) {
        struct pollfd pfd = {lfd, POLLIN, 0};
        pid_t h;
        int c;

        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        if ((c = accept(lfd, NULL, NULL)) < 0)
            continue;
        nth++;
        /* Blocked across fork: the handler sets SIGTERM to default first,
         * then unblocks, so a stop that lands now still ends it. */
        sigprocmask(SIG_BLOCK, &term, &old);
        if ((h = fork()) == 0) {
            close(lfd);
            if (fault__die_with_parent(self) == 0)
                fault__handle(c, o, nth, log);
            close(c);
            _exit(0);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(c);
    }
    close(lfd);
    signal(SIGTERM, SIG_IGN);
    /* Only our own group: never signal the test's. */
    if (own_group)
        kill(0, SIGTERM);
    /* With SIGCHLD ignored, wait() returns once every child is gone. */
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    /* The test died without fault_server_stop(): remove its log. */
    if (getppid() != parent)
        unlink(log);
}

/* ---- the test side ----------------------------------------------------- */

/* *o with the defaults filled in; -1 for a value out of range. */
static inline int fault__normalize(struct fault_opts *o)
{
    if (o->mode < FAULT_OK || o->mode > FAULT_BAD_TEXT)
        return -1;
    if (o->mode == FAULT_ECHO_ALL_401) {
        if (o->k < FAULT_ECHO_FORM_RAW || o->k > FAULT_ECHO_FORM_ALL)
            return -1;
    } else if (o->mode == FAULT_BAD_TEXT) {
        if (o->k > FAULT_BAD_TEXT_ESCAPED)
            return -1;
        if (o->k < 0)
            o->k = FAULT_BAD_TEXT_RAW;
    } else if (o->k <= 0) {
        o->k = o->mode == FAULT_MANY_CHUNKS ? FAULT_MANY_K : FAULT_DEFAULT_K;
    }
    if (o->k > FAULT_MAX_K)
        return -1;
    if (o->delay_ms <= 0)
        o->delay_ms = FAULT_SLOW_DELAY_MS;
    if (o->retry_after_s < 0)
        o->retry_after_s = 0;
    if (o->retry_after_text && strlen(o->retry_after_text) > 100)
        return -1;
    if (o->usage_text && strlen(o->usage_text) > FAULT_USAGE_MAX)
        return -1;
    if (o->keepalive_max <= 0)
        o->keepalive_max = FAULT_KEEPALIVE_MAX;
    if (o->pad < 0 || o->pad > FAULT_PAD_MAX)
        return -1;
    return 0;
}

/*
 * Start a server as *opts says (see struct fault_opts; the strings are
 * read in the forked server, so they need only live until this returns).
 * Fills *fs.  Returns 0, or -1 for an option out of range or a failure
 * (nothing left running, no log file).
 */
static inline int fault_server_start_opts(struct fault_server *fs,
                                          const struct fault_opts *opts)
{
    const char *dir = getenv("TMPDIR");
    pid_t parent = getpid();
    struct fault_opts o = *opts;
    struct pollfd pfd;
    int pfds[2], fd, port = -1;

    memset(fs, 0, sizeof(*fs));
    fs->pid = -1;
    if (fault__normalize(&o) != 0)
        return -1;
    snprintf(fs->log, sizeof(fs->log), "%s/sk_fault_XXXXXX",
             dir && *dir && strlen(dir) < 100 ? dir : "/tmp");
    if ((fd = mkstemp(fs->log)) < 0)
        return -1;
    close(fd);
    if (pipe(pfds) != 0) {
        unlink(fs->log);
        return -1;
    }
    fflush(NULL); /* the child must not write the parent's buffers again */
    if ((fs->pid = fork()) == 0) {
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);
        int lfd = -1, one = 1;

        close(pfds[0]);
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (fault__die_with_parent(parent) == 0 &&
            (lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
            setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
                0 &&
            bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
            listen(lfd, 128) == 0 &&
            getsockname(lfd, (struct sockaddr *)&a, &alen) == 0)
            port = ntohs(a.sin_port);
        if (write(pfds[1], &port, sizeof(port)) != sizeof(port))
            port = -1;
        close(pfds[1]);
        if (port > 0)
            fault__serve(lfd, &o, fs->log, parent);
        _exit(0);
    }
    close(pfds[1]);
    if (fs->pid < 0) {
        close(pfds[0]);
        unlink(fs->log);
        return -1;
    }
    pfd.fd = pfds[0];
    pfd.events = POLLIN;
    if (poll(&pfd, 1, 5000) != 1 ||
        read(pfds[0], &port, sizeof(port)) != sizeof(port))
        port = -1;
    close(pfds[0]);
    if (port <= 0) {
        kill(fs->pid, SIGKILL);
        waitpid(fs->pid, NULL, 0);
        unlink(fs->log);
        fs->pid = -1;
        return -1;
    }
    fs->port = port;
    return 0;
}

/*
 * Start a server in `mode` with k content chunks (k <= 0: the default; the
 * form for FAULT_ECHO_ALL_401 and FAULT_BAD_TEXT) and, for
 * FAULT_SLOW_CHUNKS, delay_ms between events (<= 0: the default); every
 * other option zero.  Fills *fs.  Returns 0, or -1 (nothing left running,
 * no log file).
 */
static inline int fault_server_start_delay(struct fault_server *fs, int mode,
                                           int k, int delay_ms)
{
    struct fault_opts o;

    memset(&o, 0, sizeof(o));
    o.mode = mode;
    o.k = k;
    o.delay_ms = delay_ms;
    return fault_server_start_opts(fs, &o);
}

static inline int fault_server_start(struct fault_server *fs, int mode, int k)
{
    return fault_server_start_delay(fs, mode, k, FAULT_SLOW_DELAY_MS);
}

/* Stop the server and every handler (they follow it via PDEATHSIG), wait
 * for it and remove the log.  Safe to call twice. */
static inline void fault_server_stop(struct fault_server *fs)
{
    int i;

    if (fs->pid <= 0)
        return;
    kill(fs->pid, SIGTERM);
    for (i = 0; i < 200; i++) { /* 2 s, then SIGKILL */
        if (waitpid(fs->pid, NULL, WNOHANG) == fs->pid)
            break;
        fault__sleep_ms(10);
    }
    if (i == 200) {
        kill(fs->pid, SIGKILL);
        waitpid(fs->pid, NULL, 0);
    }
    unlink(fs->log);
    fs->pid = -1;
}

/* The log so far, NUL-terminated, malloc'd (the caller frees it); NULL
 * when it cannot be read. */
static inline char *fault_server_log(const struct fault_server *fs)
{
    FILE *f = fopen(fs->log, "rb");
    size_t len = 0, cap = 4096;
    char *buf = NULL, *nbuf;

    if (!f)
        return NULL;
    for (;;) {
        if (!(nbuf = realloc(buf, cap + 1))) {
            free(buf);
            fclose(f);
            return NULL;
        }
        buf = nbuf;
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        cap *= 2;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* How many times `needle` occurs in the log (e.g. "POST " = requests). */
static inline int fault_server_count(const struct fault_server *fs,
                                     const char *needle)
{
    char *log = fault_server_log(fs), *p;
    int n = 0;

    if (!log)
        return -1;
    for (p = log; *needle && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(log);
    return n;
}

/* "http://127.0.0.1:<port>" into buf. */
static inline void fault_server_url(const struct fault_server *fs, char *buf,
                                    size_t cap)
{
    snprintf(buf, cap, "http://127.0.0.1:%d", fs->port);
}

#endif
