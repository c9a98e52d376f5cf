/*
 * canned_server: a loopback HTTP "server" that answers every connection
 * with the raw bytes of one file, for the bad-input catalogue
 * (tests/catalogue/).  The file is the whole answer, status line, headers
 * and body as written (CRLFs included), so it can be any malformed thing a
 * real server or proxy has been seen to send.
 *
 *   canned_server FILE [HOLD_MS [LIFETIME_S]]
 *
 * Listens on 127.0.0.1, port 0 (the kernel picks a free one) and prints
 * the port and a newline on standard output once it accepts connections.
 * Each connection gets a child process (so a client that keeps an
 * answered connection open does not hold up the next one), which reads the
 * request head up to the blank line and a Content-Length body (not waited
 * for after "Expect: 100-continue": the canned answer comes instead),
 * writes the file, then keeps the connection open for HOLD_MS (default 0)
 * or until the client closes it, whichever is first, and closes it.  An
 * empty file closes the connection without a byte (the peer sees no
 * headers).
 *
 * Bounded: the server ends after LIFETIME_S seconds (default 30), on
 * SIGTERM or SIGINT, and its children with it (PR_SET_PDEATHSIG, so not
 * even a client that never reads keeps one alive); a child never waits
 * more than 2 s for a request's bytes, nor more than HOLD_MS (or 1 s) for
 * the client to close.  Loopback only; nothing else touches the network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE_BYTES ((size_t)16 << 20)
#define MAX_HEAD_BYTES ((size_t)64 << 10)
#define MAX_BODY_BYTES ((size_t)16 << 20)
#define READ_WAIT_MS 2000

static char *load(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t got;

    if (!fp) {
        fprintf(stderr, "canned_server: %s: cannot open: %s\n", path,
                strerror(errno));
        return NULL;
    }
    if (!(buf = malloc(MAX_FILE_BYTES + 1))) {
        fclose(fp);
        return NULL;
    }
    got = fread(buf, 1, MAX_FILE_BYTES + 1, fp);
    if (ferror(fp) || got > MAX_FILE_BYTES) {
        fprintf(stderr, "canned_server: %s: unreadable or over %zu bytes\n",
                path, MAX_FILE_BYTES);
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *len = got;
    return buf;
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to ms for fd to be readable: 1 readable, 0 timed out, -1 error. */
static int wait_readable(int fd, long ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int rc;

    do
        rc = poll(&p, 1, ms < 0 ? 0 : (int)ms);
    while (rc < 0 && errno == EINTR);
    return rc;
}

/* Read one request: the head up to CRLF CRLF, then Content-Length bytes of
 * body unless the client waits for 100-continue.  Returns 0, or -1 when
 * the client closed, stalled or sent too much (the answer goes out
 * anyway: a canned server has nothing to decide). */
static int read_request(int fd)
{
    static char head[MAX_HEAD_BYTES + 1];
    size_t n = 0, body = 0, want = 0;
    char *end = NULL, *p;
    long deadline = now_ms() + READ_WAIT_MS;

    while (!end) {
        ssize_t got;

        if (n == MAX_HEAD_BYTES || wait_readable(fd, deadline - now_ms()) <= 0)
            return -1;
        got = read(fd, head + n, MAX_HEAD_BYTES - n);
        if (got <= 0)
            return -1;
        n += (size_t)got;
        head[n] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    body = n - (size_t)(end + 4 - head);
    *end = '\0';
    for (p = head; (p = strchr(p, '\n')) != NULL;) {
        p++;
        if (strncasecmp(p, "Expect:", 7) == 0 && strstr(p, "100-continue"))
            return 0;
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            want = strtoul(p + 15, NULL, 10);
    }
    if (want > MAX_BODY_BYTES)
        return -1;
    while (body < want) {
        char sink[4096];
        ssize_t got;

        if (wait_readable(fd, deadline - now_ms()) <= 0)
            return -1;
        got = read(fd, sink, sizeof(sink));
        if (got <= 0)
            return -1;
        body += (size_t)got;
    }
    return 0;
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, buf, len);

        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return; /* the client went away: nothing more to do */
        buf += put;
        len -= (size_t)put;
    }
}

/* Keep the connection for hold_ms or until the client closes it; drain
 * what it sends so that close() does not turn into a reset. */
static void linger_then_close(int fd, long hold_ms)
{
    long deadline = now_ms() + (hold_ms > 0 ? hold_ms : 1000);
    char sink[4096];

    if (hold_ms <= 0)
        shutdown(fd, SHUT_WR);
    while (wait_readable(fd, deadline - now_ms()) > 0 &&
           read(fd, sink, sizeof(sink)) > 0)
        ;
    close(fd);
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    char *answer;
    size_t len = 0;
    long hold_ms = 0, lifetime_s = 30;
    int lfd, one = 1;
    pid_t server = getpid();

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: canned_server FILE [HOLD_MS [LIFETIME_S]]\n");
        return 2;
    }
    if (argc > 2)
        hold_ms = strtol(argv[2], NULL, 10);
    if (argc > 3)
        lifetime_s = strtol(argv[3], NULL, 10);
    if (lifetime_s <= 0 || lifetime_s > 600)
        lifetime_s = 30;
    if (!(answer = load(argv[1], &len)))
        return 1;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGALRM, SIG_DFL); /* the lifetime: alarm() ends the process */
    alarm((unsigned)lifetime_s);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        fprintf(stderr, "canned_server: cannot listen: %s\n", strerror(errno));
        free(answer);
        return 1;
    }
    printf("%u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        pid_t pid;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "canned_server: accept: %s\n", strerror(errno));
            break;
        }
        pid = fork();
        if (pid == 0) {
            close(lfd);
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != server)
                _exit(0); /* the server is already gone */
            read_request(fd);
            write_all(fd, answer, len);
            linger_then_close(fd, hold_ms);
            _exit(0);
        }
        if (pid < 0)
            fprintf(stderr, "canned_server: fork: %s\n", strerror(errno));
        close(fd);
    }
    close(lfd);
    free(answer);
    return 1;
}
