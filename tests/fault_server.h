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
 * request, which also makes "the n-th request" well defined).  A request is
 * its head up to the blank line plus a Content-Length body (`Expect:
 * 100-continue` is answered; chunked request bodies are not supported).
 * Method and path are not checked: every request gets the mode's answer.
 * Streaming answers use `Transfer-Encoding: chunked`, one HTTP chunk per
 * SSE event, each written as it is produced (TCP_NODELAY).
 *
 * Log: each request is appended to the file fs.log (created by
 * fault_server_start(), removed by fault_server_stop()) as received: the
 * head byte for byte (request line, headers, CRLF CRLF), then the body,
 * then one "\n".  The entry is written before the answer is sent, so once a
 * client has an answer its request is in the log.
 *
 * Modes (k = content chunks, FAULT_DEFAULT_K when k <= 0):
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
     * body holds the Authorization value, after 150 bytes of text (so a
     * cut at 160 bytes splits it); and a 200 stream whose error event
     * holds it */
    FAULT_ECHO_KEY_401,
    FAULT_ECHO_KEY_IN_STREAM
};

#define FAULT_DEFAULT_K 5
#define FAULT_SLOW_DELAY_MS 50
#define FAULT_STALL_S 30
#define FAULT_LIFETIME_S 600
#define FAULT_MAX_CONNECTIONS 100000
#define FAULT_IO_TIMEOUT_MS 10000        /* per read of a request */
#define FAULT_MAX_HEAD (64 * 1024)
#define FAULT_MAX_BODY (16 * 1024 * 1024)

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

static inline int fault__stream_head(int fd)
{
    return fault__sends(fd, "HTTP/1.1 200 OK\r\n"
                            "Content-Type: text/event-stream\r\n"
                            "Cache-Control: no-cache\r\n"
                            "Transfer-Encoding: chunked\r\n"
                            "Connection: close\r\n"
                            "\r\n");
}

#define FAULT__CONTENT(tok)                                                 \
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" tok "\"},"      \
    "\"finish_reason\":null}]}"

/* The FAULT_OK answer: head, k content events, finish, usage, [DONE]. */
static inline int fault__stream_ok(int fd, int k, int delay_ms)
{
    char usage[200];
    int i;

    if (fault__stream_head(fd) != 0)
        return -1;
    for (i = 0; i < k; i++) {
        if (i > 0 && delay_ms > 0)
            fault__sleep_ms(delay_ms);
        if (fault__event(fd, FAULT__CONTENT("tok")) != 0)
            return -1;
    }
    snprintf(usage, sizeof(usage),
             "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
             "\"completion_tokens\":%d,\"total_tokens\":%d}}",
             k, 7 + k);
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

/* A complete, non-streaming answer. */
static inline int fault__plain(int fd, const char *status, const char *type,
                               const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, type, strlen(body));

    if (n < 0 || (size_t)n >= sizeof(head))
        return -1;
    if (fault__send(fd, head, (size_t)n) != 0)
        return -1;
    return fault__sends(fd, body);
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

static inline void fault__handle(int fd, int mode, int k, int delay_ms,
                                 unsigned long nth, const char *log)
{
    char *req = NULL;
    size_t len = 0;
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char echo[1024] = "";
    const char *auth;
    size_t alen = 0;

    if (fault__read_request(fd, &req, &len) != 0)
        return;
    fault__log_append(log, req, len);
    if ((auth = fault__header(req, len, "Authorization:", &alen)) &&
        alen > 7 && strncmp(auth, "Bearer ", 7) == 0)
        snprintf(echo, sizeof(echo), "%.*s", (int)(alen - 7), auth + 7);
    free(req);

    switch (mode) {
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
    case FAULT_OK:
        fault__stream_ok(fd, k, 0);
        break;
    case FAULT_SLOW_CHUNKS:
        fault__stream_ok(fd, k, delay_ms);
        break;
    case FAULT_500_THEN_OK:
        if (nth % 2 == 1)
            fault__plain(fd, "500 Internal Server Error", "application/json",
                         "{\"error\":{\"message\":\"simulated overload\","
                         "\"type\":\"server_error\"}}");
        else
            fault__stream_ok(fd, k, 0);
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
static inline void fault__serve(int lfd, int mode, int k, int delay_ms,
                                const char *log, pid_t parent)
{
    time_t until = time(NULL) + FAULT_LIFETIME_S;
    unsigned long nth = 0;
    pid_t self = getpid();
    struct sigaction sa;
    sigset_t term, old;
    int own_group = setpgid(0, 0) == 0 && getpgrp() == self;

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
                fault__handle(c, mode, k, delay_ms, nth, log);
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

/*
 * Start a server in `mode` with k content chunks (k <= 0: FAULT_DEFAULT_K)
 * and, for FAULT_SLOW_CHUNKS, delay_ms between events (<= 0: the default).
 * Fills *fs.  Returns 0, or -1 (nothing left running, no log file).
 */
static inline int fault_server_start_delay(struct fault_server *fs, int mode,
                                           int k, int delay_ms)
{
    const char *dir = getenv("TMPDIR");
    pid_t parent = getpid();
    struct pollfd pfd;
    int pfds[2], fd, port = -1;

    memset(fs, 0, sizeof(*fs));
    fs->pid = -1;
    if (k <= 0)
        k = FAULT_DEFAULT_K;
    if (delay_ms <= 0)
        delay_ms = FAULT_SLOW_DELAY_MS;
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
            fault__serve(lfd, mode, k, delay_ms, fs->log, parent);
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
