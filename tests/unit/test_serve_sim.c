/*
 * serve-sim end to end, in one process: each server (sweepkit/server.h)
 * listens on port 0 and runs sk_server_run() on a thread of its own; the
 * test talks to it with libcurl and raw sockets, then stops it with
 * sk_server_stop(), joins the thread and checks the run ended cleanly.
 * Two servers run at once throughout.  The command's exit statuses are
 * checked on the sweepkit binary ($SK_BIN).
 *
 * Model checks use scaled-down times (A = 2 ms, B = 0.2 ms: the default
 * A = 20, B = 2 divided by 10) to keep the run to a few seconds; exact
 * schedule checks use the server's --log ground truth, client-side speed
 * checks allow 5%.
 */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/server.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_EVENTS 512
#define BODY_MAX (1 << 20)

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* ---- the server, in process ---------------------------------------------- */

struct server {
    sk_server *sv;
    pthread_t thread;
    int rc; /* sk_server_run()'s */
    int port;
    char log[64];
    int notes; /* notes said, and the last one */
    char note[512];
};

static void on_note(void *ctx, const char *note)
{
    struct server *s = ctx; /* on the server's thread; read after join */

    s->notes++;
    snprintf(s->note, sizeof(s->note), "%s", note);
}

static void *run_thread(void *arg)
{
    struct server *s = arg;

    s->rc = sk_server_run(s->sv);
    return NULL;
}

/* Options as serve-sim's command line gives them ("--slots", "8", ...),
 * with --log added; port 0.  Returns 0 once the server runs. */
static int start_server(struct server *s, const char *const *args)
{
    sk_server_opts o;
    int rc = 0;

    memset(s, 0, sizeof(*s));
    snprintf(s->log, sizeof(s->log), "/tmp/sk_serve_sim_%d_%d.csv",
             (int)getpid(), rand() % 100000);
    sk_server_opts_init(&o);
    for (; rc == 0 && args[0] && args[1]; args += 2)
        rc = sk_server_opts_set(&o, args[0] + 2, args[1]);
    if (rc == 0)
        rc = sk_server_opts_set(&o, "log", s->log);
    o.note = on_note;
    o.note_ctx = s;
    if (rc == 0)
        rc = sk_server_opts_finish(&o);
    if (rc == 0)
        rc = sk_server_new(&s->sv, &o);
    if (rc != 0) {
        fprintf(stderr, "start_server: %s\n", sk_error_last());
        return -1;
    }
    s->port = sk_server_port(s->sv);
    if (pthread_create(&s->thread, NULL, run_thread, s) != 0) {
        sk_server_free(s->sv);
        return -1;
    }
    return 0;
}

/* sk_server_stop() from this thread: the run ends at once (well under its
 * 100 ms poll period) and cleanly; then the counts, and free. */
static void stop_server_stats(struct server *s, sk_server_stats *st)
{
    double t0 = mono();

    sk_server_stop(s->sv);
    pthread_join(s->thread, NULL);
    CHECK(mono() - t0 < 1.0);
    CHECK_INT(s->rc, 0);
    sk_server_get_stats(s->sv, st);
    sk_server_free(s->sv);
    s->sv = NULL;
    unlink(s->log);
}

static void stop_server(struct server *s)
{
    sk_server_stats st;

    stop_server_stats(s, &st);
}

/* ---- the --log ground truth ---------------------------------------------- */

struct row {
    long id;
    char endpoint[32];
    double accept, first, last;
    long prompt, output, status;
    double sched_first, sched_last;
};

static double num_or_nan(const char *s)
{
    return *s ? strtod(s, NULL) : NAN;
}

/* Rows of the log, in file order; returns the count. */
static size_t read_log(const struct server *s, struct row *rows, size_t cap)
{
    FILE *f = fopen(s->log, "r");
    char line[512];
    size_t n = 0;

    if (!f)
        return 0;
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return 0;
    }
    CHECK_STR(line, "request_id,endpoint,accept_s,first_token_s,"
                    "last_token_s,prompt_tokens,output_tokens,status,"
                    "sched_first_token_s,sched_last_token_s,"
                    "client_request_id\n");
    while (n < cap && fgets(line, sizeof(line), f)) {
        char *field[10], *p = line;
        int k;

        for (k = 0; k < 10; k++) {
            field[k] = p;
            p += strcspn(p, ",\n");
            if (*p)
                *p++ = '\0';
        }
        rows[n].id = atol(field[0]);
        snprintf(rows[n].endpoint, sizeof(rows[n].endpoint), "%s", field[1]);
        rows[n].accept = num_or_nan(field[2]);
        rows[n].first = num_or_nan(field[3]);
        rows[n].last = num_or_nan(field[4]);
        rows[n].prompt = atol(field[5]);
        rows[n].output = atol(field[6]);
        rows[n].status = atol(field[7]);
        rows[n].sched_first = num_or_nan(field[8]);
        rows[n].sched_last = num_or_nan(field[9]);
        n++;
    }
    fclose(f);
    return n;
}

/* ---- HTTP with libcurl --------------------------------------------------- */

struct xfer {
    CURL *h;
    struct curl_slist *hdrs;
    char *body;
    size_t len;
    size_t ev_end[MAX_EVENTS]; /* SSE events: end offsets in body */
    double ev_t[MAX_EVENTS];   /* and arrival times */
    size_t nev, scanned;
    size_t abort_after; /* stop the transfer after this many events */
    long status;
    char ctype[128];
    CURLcode rc;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    double now = mono();

    if (x->len + n >= BODY_MAX)
        return 0;
    memcpy(x->body + x->len, p, n);
    x->len += n;
    x->body[x->len] = '\0';
    while (x->nev < MAX_EVENTS) {
        char *e = strstr(x->body + x->scanned, "\n\n");

        if (!e)
            break;
        x->scanned = (size_t)(e - x->body) + 2;
        x->ev_end[x->nev] = x->scanned;
        x->ev_t[x->nev++] = now;
    }
    if (x->abort_after && x->nev >= x->abort_after)
        return 0;
    return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;

    if (n > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
        snprintf(x->ctype, sizeof(x->ctype), "%.*s", (int)(n - 16), p + 14);
    return n;
}

static void xfer_init(struct xfer *x, CURL *reuse)
{
    memset(x, 0, sizeof(*x));
    x->body = calloc(1, BODY_MAX);
    x->h = reuse ? reuse : curl_easy_init();
}

/* Set up a request: `body` NULL means GET. */
static void xfer_setup(struct xfer *x, int port, const char *path,
                       const char *body)
{
    char url[256];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    x->len = x->nev = x->scanned = 0;
    x->ctype[0] = '\0';
    curl_easy_setopt(x->h, CURLOPT_URL, url);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT, 20L);
    if (body) {
        x->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
        curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
    }
}

static void xfer_done(struct xfer *x)
{
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
}

static void xfer_free(struct xfer *x)
{
    curl_easy_cleanup(x->h);
    free(x->body);
}

/* One request on handle x (kept for reuse). */
static void request(struct xfer *x, int port, const char *path,
                    const char *body)
{
    xfer_setup(x, port, path, body);
    x->rc = curl_easy_perform(x->h);
    xfer_done(x);
}

/* Event i's JSON ("data: " stripped), or NULL for [DONE] / junk. */
static json_t *event_json(const struct xfer *x, size_t i)
{
    size_t start = i ? x->ev_end[i - 1] : 0;
    const char *e = x->body + start;

    if (strncmp(e, "data: ", 6) != 0)
        return NULL;
    return json_loadb(e + 6, x->ev_end[i] - start - 8, 0, NULL);
}

static int event_is_done(const struct xfer *x, size_t i)
{
    size_t start = i ? x->ev_end[i - 1] : 0;

    return strncmp(x->body + start, "data: [DONE]\n\n", 14) == 0;
}

/* Run `n` transfers at once with curl multi. */
static void run_multi(struct xfer *xs, size_t n)
{
    CURLM *m = curl_multi_init();
    int running = 1;
    size_t i;
    CURLMsg *msg;
    int left;

    for (i = 0; i < n; i++)
        curl_multi_add_handle(m, xs[i].h);
    while (running) {
        curl_multi_perform(m, &running);
        if (running)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    while ((msg = curl_multi_info_read(m, &left)))
        for (i = 0; i < n; i++)
            if (msg->easy_handle == xs[i].h)
                xs[i].rc = msg->data.result;
    for (i = 0; i < n; i++) {
        curl_multi_remove_handle(m, xs[i].h);
        xfer_done(&xs[i]);
    }
    curl_multi_cleanup(m);
}

/* ---- raw sockets, for what curl will not send ---------------------------- */

static int raw_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Read until the server closes or `ms` pass; returns bytes read, and
 * *closed whether the server closed. */
static size_t raw_read(int fd, char *buf, size_t cap, int ms, int *closed)
{
    size_t n = 0;
    double deadline = mono() + ms / 1000.0;

    *closed = 0;
    while (n < cap - 1 && mono() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t r;

        if (poll(&p, 1, 20) <= 0)
            continue;
        r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) {
            *closed = 1;
            break;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
    return n;
}

/* Send `req` on a new connection, read the reply until the close. */
static size_t raw(int port, const char *req, char *buf, size_t cap, int *closed)
{
    int fd = raw_connect(port);
    size_t n;

    CHECK(fd >= 0);
    if (fd < 0)
        return 0;
    CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    n = raw_read(fd, buf, cap, 2000, closed);
    close(fd);
    return n;
}

/* ---- tests -------------------------------------------------------------- */

static json_t *body_json(const struct xfer *x)
{
    return json_loadb(x->body, x->len, 0, NULL);
}

static void check_error(struct xfer *x, int port, const char *path,
                        const char *body, long status, const char *msg)
{
    json_t *j, *e;
    const char *s;

    request(x, port, path, body);
    CHECK_INT(x->status, status);
    j = body_json(x);
    e = json_object_get(j, "error");
    CHECK(json_is_object(e));
    CHECK_STR(json_string_value(json_object_get(e, "type")),
              status >= 500 ? "server_error" : "invalid_request_error");
    /* `msg` is a prefix of the message. */
    s = json_string_value(json_object_get(e, "message"));
    CHECK(s && strncmp(s, msg, strlen(msg)) == 0);
    if (!s || strncmp(s, msg, strlen(msg)) != 0)
        fprintf(stderr, "  message: %s\n", s ? s : "(none)");
    CHECK_STR(x->ctype, "application/json");
    json_decref(j);
}

/* The command's exit statuses, on the binary; and the same options'
 * outcome in the library: SK_EINVAL from sk_server_opts_set() or
 * sk_server_opts_finish() for the usage errors (2), SK_EIO from
 * sk_server_new() for a log that cannot be created (1). */
static void test_cli(void)
{
    static const struct {
        const char *args[4];
        int status;
        int lib_rc; /* the library's answer; 0: the command line's own */
    } cases[] = {
        {{"--help", NULL}, 0, 0},
        {{"--slots", "0", NULL}, 2, SK_EINVAL},
        {{"--port", "70000", NULL}, 2, SK_EINVAL},
        {{"--step-ms", "-1", NULL}, 2, SK_EINVAL},
        {{"--step-ms", "x", NULL}, 2, SK_EINVAL},
        {{"--jitter", "0.9", NULL}, 2, SK_EINVAL},
        {{"--idle-timeout", "0s", NULL}, 2, SK_EINVAL},
        {{"--bogus", NULL}, 2, 0},
        {{"extra", NULL}, 2, 0},
        {{"--log", "/nonexistent/dir/log.csv", NULL}, 1, SK_EIO},
    };
    const char *bin = getenv("SK_BIN");
    size_t i;

    CHECK(bin != NULL);
    for (i = 0; bin && i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[7] = {(char *)bin, "serve-sim"};
        int argc = 2, status = -1;
        posix_spawn_file_actions_t fa;
        pid_t pid;

        while (cases[i].args[argc - 2])
            argv[argc] = (char *)cases[i].args[argc - 2], argc++;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
                                         O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
                                         O_WRONLY, 0);
        CHECK_INT(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK_INT(WEXITSTATUS(status), cases[i].status);
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_server_opts o;
        sk_server *sv = NULL;
        int rc;

        if (!cases[i].lib_rc)
            continue;
        sk_server_opts_init(&o);
        rc = sk_server_opts_set(&o, cases[i].args[0] + 2, cases[i].args[1]);
        if (rc == 0)
            rc = sk_server_opts_finish(&o);
        if (rc == 0)
            rc = sk_server_new(&sv, &o);
        CHECK_INT(rc, cases[i].lib_rc);
        CHECK(sv == NULL);
        CHECK(*sk_error_last() != '\0');
    }
}

static void test_endpoints(int port)
{
    struct xfer x;
    json_t *j, *c, *u;
    const char *s;
    size_t i, n;

    xfer_init(&x, NULL);
    request(&x, port, "/health", NULL);
    CHECK_INT(x.status, 200);
    j = body_json(&x);
    CHECK_STR(json_string_value(json_object_get(j, "status")), "ok");
    CHECK_INT(json_integer_value(json_object_get(j, "slots_idle")), 8);
    json_decref(j);

    request(&x, port, "/v1/models", NULL);
    CHECK_INT(x.status, 200);
    j = body_json(&x);
    CHECK_STR(json_string_value(json_object_get(j, "object")), "list");
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(j, "data"), 0), "id")),
              "sweepkit-sim");
    json_decref(j);

    /* Chat, not streamed: 40 bytes of content = 10 prompt tokens. */
    request(&x, port, "/v1/chat/completions",
            "{\"model\":\"m\\\"1\",\"messages\":[{\"role\":\"system\","
            "\"content\":\"0123456789\"},{\"role\":\"user\",\"content\":"
            "[{\"type\":\"text\",\"text\":\"012345678901234567890123456789"
            "\"}]}],\"max_tokens\":7,\"ignore_eos\":true}");
    CHECK_INT(x.status, 200);
    CHECK_STR(x.ctype, "application/json");
    j = body_json(&x);
    CHECK_STR(json_string_value(json_object_get(j, "object")),
              "chat.completion");
    CHECK_STR(json_string_value(json_object_get(j, "model")), "m\"1");
    c = json_array_get(json_object_get(j, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(c, "finish_reason")), "length");
    s = json_string_value(
        json_object_get(json_object_get(c, "message"), "content"));
    CHECK(s != NULL);
    for (n = 0, i = 0; s && s[i]; i++)
        n += s[i] == ' ';
    CHECK_INT(n, 6); /* 7 words */
    u = json_object_get(j, "usage");
    CHECK_INT(json_integer_value(json_object_get(u, "prompt_tokens")), 10);
    CHECK_INT(json_integer_value(json_object_get(u, "completion_tokens")), 7);
    CHECK_INT(json_integer_value(json_object_get(u, "total_tokens")), 17);
    json_decref(j);

    /* Completions: capped by --max-tokens-cap 130; no limit = "stop". */
    request(&x, port, "/v1/completions",
            "{\"prompt\":\"hello\",\"max_tokens\":1000}");
    CHECK_INT(x.status, 200);
    j = body_json(&x);
    CHECK_STR(json_string_value(json_object_get(j, "object")),
              "text_completion");
    c = json_array_get(json_object_get(j, "choices"), 0);
    CHECK(json_is_string(json_object_get(c, "text")));
    CHECK_STR(json_string_value(json_object_get(c, "finish_reason")), "length");
    u = json_object_get(j, "usage");
    CHECK_INT(json_integer_value(json_object_get(u, "prompt_tokens")), 2);
    CHECK_INT(json_integer_value(json_object_get(u, "completion_tokens")), 130);
    json_decref(j);
    request(&x, port, "/v1/completions", "{\"prompt\":[1,2,3,4,5,6]}");
    j = body_json(&x);
    c = json_array_get(json_object_get(j, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(c, "finish_reason")), "stop");
    u = json_object_get(j, "usage");
    CHECK_INT(json_integer_value(json_object_get(u, "prompt_tokens")), 6);
    CHECK_INT(json_integer_value(json_object_get(u, "completion_tokens")), 130);
    json_decref(j);

    /* llama.cpp's /completion, not streamed. */
    request(&x, port, "/completion",
            "{\"prompt\":\"12345678\",\"n_predict\":4}");
    CHECK_INT(x.status, 200);
    j = body_json(&x);
    CHECK(json_is_string(json_object_get(j, "content")));
    CHECK(json_is_true(json_object_get(j, "stop")));
    CHECK_INT(json_integer_value(json_object_get(j, "tokens_predicted")), 4);
    CHECK_INT(json_integer_value(json_object_get(j, "tokens_evaluated")), 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "timings"),
                                                 "predicted_n")),
              4);
    json_decref(j);
    request(&x, port, "/completion", "{\"prompt\":\"x\",\"n_predict\":0}");
    j = body_json(&x);
    CHECK_INT(json_integer_value(json_object_get(j, "tokens_predicted")), 0);
    CHECK_STR(json_string_value(json_object_get(j, "content")), "");
    json_decref(j);
    xfer_free(&x);
}

static void test_streams(int port)
{
    struct xfer x;
    json_t *j, *c;
    size_t i;

    xfer_init(&x, NULL);
    /* Chat: 5 content chunks, the finish chunk, usage, [DONE]. */
    request(&x, port, "/v1/chat/completions",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            "\"max_tokens\":5,\"stream\":true,"
            "\"stream_options\":{\"include_usage\":true}}");
    CHECK_INT(x.status, 200);
    CHECK_STR(x.ctype, "text/event-stream");
    CHECK_INT(x.nev, 8);
    for (i = 0; i < 5; i++) {
        j = event_json(&x, i);
        c = json_array_get(json_object_get(j, "choices"), 0);
        CHECK_STR(json_string_value(json_object_get(j, "object")),
                  "chat.completion.chunk");
        CHECK(json_is_string(
            json_object_get(json_object_get(c, "delta"), "content")));
        CHECK(json_is_null(json_object_get(c, "finish_reason")));
        CHECK_INT(json_integer_value(json_object_get(c, "index")), 0);
        json_decref(j);
    }
    j = event_json(&x, 5);
    c = json_array_get(json_object_get(j, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(c, "finish_reason")), "length");
    json_decref(j);
    j = event_json(&x, 6);
    CHECK_INT(json_array_size(json_object_get(j, "choices")), 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "usage"),
                                                 "completion_tokens")),
              5);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "usage"),
                                                 "prompt_tokens")),
              1);
    json_decref(j);
    CHECK(event_is_done(&x, 7));

    /* Completions without usage: text chunks, finish, [DONE]. */
    request(&x, port, "/v1/completions",
            "{\"prompt\":\"hi\",\"max_tokens\":3,\"stream\":true}");
    CHECK_INT(x.nev, 5);
    j = event_json(&x, 0);
    c = json_array_get(json_object_get(j, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(j, "object")),
              "text_completion");
    CHECK(json_is_string(json_object_get(c, "text")));
    json_decref(j);
    j = event_json(&x, 3);
    c = json_array_get(json_object_get(j, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(c, "finish_reason")), "length");
    CHECK(json_object_get(j, "usage") == NULL);
    json_decref(j);
    CHECK(event_is_done(&x, 4));

    /* llama.cpp: content events, then stop with the counts; no [DONE]. */
    request(&x, port, "/completion",
            "{\"prompt\":\"12345678\",\"n_predict\":3,\"stream\":true}");
    CHECK_INT(x.nev, 4);
    for (i = 0; i < 3; i++) {
        j = event_json(&x, i);
        CHECK(json_is_string(json_object_get(j, "content")));
        CHECK(json_is_false(json_object_get(j, "stop")));
        json_decref(j);
    }
    j = event_json(&x, 3);
    CHECK(json_is_true(json_object_get(j, "stop")));
    CHECK_INT(json_integer_value(json_object_get(j, "tokens_predicted")), 3);
    CHECK_INT(json_integer_value(json_object_get(j, "tokens_evaluated")), 2);
    CHECK(json_is_object(json_object_get(j, "timings")));
    json_decref(j);
    xfer_free(&x);
}

/* The second request on a handle reuses the connection. */
static void test_keep_alive(int port)
{
    struct xfer x;
    long conns = -1;

    xfer_init(&x, NULL);
    request(&x, port, "/v1/completions",
            "{\"prompt\":\"a\",\"max_tokens\":2,\"stream\":true}");
    curl_easy_getinfo(x.h, CURLINFO_NUM_CONNECTS, &conns);
    CHECK_INT(conns, 1);
    request(&x, port, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}");
    CHECK_INT(x.status, 200);
    curl_easy_getinfo(x.h, CURLINFO_NUM_CONNECTS, &conns);
    CHECK_INT(conns, 0);
    request(&x, port, "/nope", NULL); /* a 404 keeps it open too */
    request(&x, port, "/health", NULL);
    curl_easy_getinfo(x.h, CURLINFO_NUM_CONNECTS, &conns);
    CHECK_INT(conns, 0);
    CHECK_INT(x.status, 200);
    xfer_free(&x);
}

static void test_errors(int port)
{
    static const char chat[] = "/v1/chat/completions";
    struct xfer x;
    char *big;

    xfer_init(&x, NULL);
    check_error(&x, port, chat, "{\"messages\":", 400,
                "invalid JSON in request body: ");
    check_error(&x, port, chat, "[1]", 400,
                "the request body must be a JSON object");
    check_error(&x, port, chat, "{}", 400, "'messages' is a required property");
    check_error(&x, port, chat, "{\"messages\":[]}", 400,
                "'messages' must be a non-empty array");
    check_error(&x, port, chat, "{\"messages\":[1]}", 400,
                "messages[0] must be an object");
    check_error(&x, port, chat, "{\"messages\":[{\"content\":5}]}", 400,
                "messages[0].content must be a string or an array of "
                "content parts");
    check_error(&x, port, chat,
                "{\"messages\":[{\"content\":\"x\"}],\"max_tokens\":0}", 400,
                "'max_tokens' must be an integer >= 1");
    check_error(&x, port, chat,
                "{\"messages\":[{\"content\":\"x\"}],\"max_tokens\":2.5}", 400,
                "'max_tokens' must be an integer >= 1");
    check_error(&x, port, chat,
                "{\"messages\":[{\"content\":\"x\"}],\"stream\":\"yes\"}", 400,
                "'stream' must be a boolean");
    check_error(&x, port, chat, "{\"messages\":[{\"content\":\"x\"}],\"n\":2}",
                400, "'n' other than 1 is not supported");
    check_error(&x, port, chat,
                "{\"messages\":[{\"content\":\"x\"}],\"stream_options\":1}",
                400, "'stream_options' must be an object");
    check_error(&x, port, "/v1/completions", "{\"max_tokens\":3}", 400,
                "'prompt' is a required property");
    check_error(&x, port, "/v1/completions", "{\"prompt\":[\"a\",\"b\"]}", 400,
                "'prompt' must be a string or an array of token ids (or "
                "of one string)");
    check_error(&x, port, "/completion", "{\"n_predict\":3}", 400,
                "'prompt' is a required property");
    check_error(&x, port, "/v1/embeddings", "{}", 404,
                "Invalid URL (POST /v1/embeddings)");
    check_error(&x, port, chat, NULL, 405,
                "method GET not allowed on /v1/chat/completions (use "
                "POST)");
    check_error(&x, port, "/health", "{}", 405,
                "method POST not allowed on /health (use GET)");

    /* 2 MiB body: over the 1 MiB limit. */
    big = malloc(2 << 20);
    memset(big, ' ', 2 << 20);
    big[(2 << 20) - 1] = '\0';
    big[0] = '{';
    big[(2 << 20) - 2] = '}';
    check_error(&x, port, chat, big, 413,
                "body of 2097151 bytes is over the 1048576-byte limit");
    free(big);
    xfer_free(&x);
}

/* Requests curl will not send, on raw sockets. */
static void test_raw(int port)
{
    static const struct {
        const char *req, *status_line, *msg;
    } bad[] = {
        {"POST /v1/completions HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n", "bad Content-Length '1x'"},
        {"POST /v1/completions HTTP/1.1\r\nContent-Length: 2\r\n"
         "Content-Length: 3\r\n\r\n{}",
         "HTTP/1.1 400 Bad Request\r\n", "bad Content-Length '3'"},
        {"POST /v1/completions HTTP/1.1\r\nContent-Length: 2\r\n"
         "Transfer-Encoding: chunked\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n",
         "both Content-Length and Transfer-Encoding"},
        {"POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
         "HTTP/1.1 501 Not Implemented\r\n",
         "transfer coding 'gzip' not supported"},
        {"GET /health HTTP/2.0\r\n\r\n",
         "HTTP/1.1 505 HTTP Version Not Supported\r\n",
         "HTTP version HTTP/2.0 not supported"},
        {"GET /health\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n",
         "malformed request target"},
        {"POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "zz\r\n",
         "HTTP/1.1 400 Bad Request\r\n", "bad chunk size line 'zz'"},
    };
    char buf[16384];
    size_t i;
    int closed, fd;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        raw(port, bad[i].req, buf, sizeof(buf), &closed);
        CHECK(strncmp(buf, bad[i].status_line, strlen(bad[i].status_line)) ==
              0);
        CHECK(strstr(buf, "Connection: close\r\n") != NULL);
        CHECK(strstr(buf, bad[i].msg) != NULL);
        CHECK(closed);
    }

    /* A chunked request body. */
    {
        static const char *const piece[] = {"{\"prompt", "\":\"abcd\",",
                                            "\"max_tokens\":", "3}"};
        char req[512];
        size_t k, n = (size_t)snprintf(req, sizeof(req),
                                       "POST /v1/completions HTTP/1.1\r\n"
                                       "Transfer-Encoding: chunked\r\n"
                                       "Connection: close\r\n\r\n");

        for (k = 0; k < 4; k++)
            n += (size_t)snprintf(req + n, sizeof(req) - n, "%zx\r\n%s\r\n",
                                  strlen(piece[k]), piece[k]);
        snprintf(req + n, sizeof(req) - n, "0\r\n\r\n");
        raw(port, req, buf, sizeof(buf), &closed);
    }
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(buf, "\"completion_tokens\":3") != NULL);
    CHECK(strstr(buf, "\"prompt_tokens\":1") != NULL);
    CHECK(closed);

    /* Two pipelined requests in one write. */
    raw(port,
        "GET /health HTTP/1.1\r\n\r\nGET /v1/models HTTP/1.1\r\n"
        "Connection: close\r\n\r\n",
        buf, sizeof(buf), &closed);
    CHECK(strstr(buf, "\"status\":\"ok\"") != NULL);
    CHECK(strstr(buf, "\"object\":\"list\"") != NULL);
    CHECK(strstr(buf, "\"status\":\"ok\"") < strstr(buf, "\"object\""));
    CHECK(closed);

    /* HTTP/1.0 stream: no chunking, the body ends at the close. */
    {
        static const char body[] =
            "{\"prompt\":\"a\",\"max_tokens\":2,\"stream\":true}";
        char req[256];

        snprintf(req, sizeof(req),
                 "POST /v1/completions HTTP/1.0\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 strlen(body), body);
        raw(port, req, buf, sizeof(buf), &closed);
    }
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(buf, "Transfer-Encoding") == NULL);
    CHECK(strstr(buf, "\r\n\r\ndata: {") != NULL);
    CHECK(strstr(buf, "data: [DONE]\n\n") != NULL);
    CHECK(closed);

    /* Expect: 100-continue gets its interim answer. */
    {
        static const char head[] =
            "POST /v1/completions HTTP/1.1\r\nExpect: 100-continue\r\n"
            "Content-Length: 29\r\nConnection: close\r\n\r\n";

        fd = raw_connect(port);
        CHECK(write(fd, head, sizeof(head) - 1) == sizeof(head) - 1);
    }
    raw_read(fd, buf, sizeof(buf), 300, &closed);
    CHECK_STR(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    CHECK(write(fd, "{\"prompt\":\"a\",\"max_tokens\":1}", 29) == 29);
    raw_read(fd, buf, sizeof(buf), 2000, &closed);
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    close(fd);
}

/* A client that sends half a request does not hold up others, and is
 * cut off after --idle-timeout (500 ms here). */
static void test_stall(int port)
{
    struct xfer x;
    char buf[256];
    int closed, fd = raw_connect(port);
    double t0 = mono();

    static const char part[] = "POST /v1/completions HTTP/1.1\r\n"
                               "Content-Length: 99\r\n\r\n{";

    CHECK(write(fd, part, sizeof(part) - 1) == sizeof(part) - 1);
    xfer_init(&x, NULL);
    request(&x, port, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}");
    CHECK_INT(x.status, 200);
    CHECK(mono() - t0 < 0.3);
    xfer_free(&x);
    raw_read(fd, buf, sizeof(buf), 3000, &closed);
    CHECK(closed);
    CHECK(mono() - t0 > 0.45 && mono() - t0 < 2.0);
    close(fd);
}

static long health(int port, const char *key)
{
    struct xfer x;
    json_t *j;
    long v;

    xfer_init(&x, NULL);
    request(&x, port, "/health", NULL);
    j = body_json(&x);
    v = (long)json_integer_value(json_object_get(j, key));
    json_decref(j);
    xfer_free(&x);
    return v;
}

/* A client that leaves mid-stream frees its slot at once. */
static void test_disconnect(struct server *s)
{
    struct xfer x;
    struct row rows[256];
    size_t n, i;
    int found = 0;
    double t0;

    xfer_init(&x, NULL);
    x.abort_after = 3;
    request(&x, s->port, "/v1/chat/completions",
            "{\"messages\":[{\"content\":\"x\"}],\"max_tokens\":128,"
            "\"stream\":true}");
    CHECK_INT(x.rc, CURLE_WRITE_ERROR);
    xfer_free(&x);
    t0 = mono();
    while (health(s->port, "slots_processing") != 0 && mono() - t0 < 2)
        pause_ms(5);
    CHECK(mono() - t0 < 0.1); /* 128 tokens would take 280 ms */
    CHECK_INT(health(s->port, "slots_idle"), 8);
    n = read_log(s, rows, 256);
    for (i = 0; i < n; i++)
        if (rows[i].status == 499) {
            found++;
            CHECK(rows[i].output >= 3 && rows[i].output < 20);
            CHECK_STR(rows[i].endpoint, "/v1/chat/completions");
        }
    CHECK_INT(found, 1);
}

/* 400-byte prompts: 100 tokens, 1 ms of prefill at P = 0.01. */
#define PROMPT400                                                              \
    "{\"messages\":[{\"role\":\"user\",\"content\":\""                         \
    "0123456789012345678901234567890123456789012345678901234567890123456789"   \
    "0123456789012345678901234567890123456789012345678901234567890123456789"   \
    "0123456789012345678901234567890123456789012345678901234567890123456789"   \
    "0123456789012345678901234567890123456789012345678901234567890123456789"   \
    "0123456789012345678901234567890123456789012345678901234567890123456789"   \
    "01234567890123456789012345678901234567890123456789\"}],"                  \
    "\"max_tokens\":128,\"stream\":true}"

/* Rows of /v1/chat/completions with id > after, sorted by accept time.
 * A row is written once the response is out, which the client may see
 * first: wait up to 2 s for `cap` rows. */
static size_t chat_rows(const struct server *s, long after, struct row *out,
                        size_t cap)
{
    struct row all[512];
    size_t n, i, j, k;
    double t0 = mono();

    for (;;) {
        n = read_log(s, all, 512);
        for (k = 0, i = 0; i < n && k < cap; i++)
            if (all[i].id > after &&
                strcmp(all[i].endpoint, "/v1/chat/completions") == 0)
                out[k++] = all[i];
        if (k == cap || mono() - t0 > 2)
            break;
        pause_ms(2);
    }
    for (i = 1; i < k; i++) /* insertion sort by accept time */
        for (j = i; j > 0 && out[j].accept < out[j - 1].accept; j--) {
            struct row t = out[j];

            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return k;
}

static long last_id(const struct server *s)
{
    struct row all[512];
    size_t n = read_log(s, all, 512);

    return n ? all[n - 1].id : 0;
}

/* The log's last id once it is at least `want`: a row is written after
 * its response is out, which a loaded machine can delay (at most 2 s). */
static long id_at_least(const struct server *s, long want)
{
    long id;
    int i;

    for (i = 0; (id = last_id(s)) < want && i < 200; i++)
        pause_ms(10);
    return id;
}

/* Content events of a chat stream: its first and last arrival times. */
static void content_span(const struct xfer *x, double *first, double *last,
                         size_t *count)
{
    size_t i;

    *count = 0;
    for (i = 0; i < x->nev; i++) {
        json_t *j = event_json(x, i);
        json_t *c = json_array_get(json_object_get(j, "choices"), 0);

        if (json_is_string(
                json_object_get(json_object_get(c, "delta"), "content"))) {
            if (*count == 0)
                *first = x->ev_t[i];
            *last = x->ev_t[i];
            ++*count;
        }
        json_decref(j);
    }
}

/* S=8, A=2, B=0.2: one stream at 1000/2.2 = 454.5 tokens/s. */
static void test_model_single(struct server *s)
{
    struct xfer x;
    struct row r[4];
    double first = 0, last = 0, rate;
    size_t count;
    long after;

    /* A step in progress keeps its length when its sequences leave: let
     * the one left over from test_disconnect end first. */
    pause_ms(10);
    after = last_id(s);
    xfer_init(&x, NULL);
    request(&x, s->port, "/v1/chat/completions", PROMPT400);
    CHECK_INT(x.status, 200);
    content_span(&x, &first, &last, &count);
    CHECK_INT(count, 128);
    rate = 127 / (last - first);
    CHECK_NEAR(rate, 1000.0 / 2.2, 0.05 * 1000.0 / 2.2);
    xfer_free(&x);

    CHECK_INT(chat_rows(s, after, r, 1), 1);
    CHECK_INT(r[0].prompt, 100);
    CHECK_INT(r[0].output, 128);
    CHECK_INT(r[0].status, 200);
    /* The schedule: prefill 1 ms, then 127 steps of 2.2 ms. */
    CHECK_NEAR(r[0].sched_first - r[0].accept, 0.001, 0.0001);
    CHECK_NEAR(r[0].sched_last - r[0].sched_first, 127 * 0.0022, 2e-6);
    /* Sent on time, as the server saw it. */
    CHECK(r[0].first - r[0].sched_first >= 0 &&
          r[0].first - r[0].sched_first < 0.005);
    CHECK(r[0].last - r[0].sched_last >= 0 &&
          r[0].last - r[0].sched_last < 0.005);
    CHECK_NEAR(127 / (r[0].last - r[0].first), 1000.0 / 2.2,
               0.02 * 1000.0 / 2.2);
}

/* n concurrent 128-token chat streams; rows sorted by accept time. */
static size_t run_concurrent(struct server *s, size_t n, struct xfer *xs,
                             struct row *rows)
{
    long after = last_id(s);
    size_t i;

    for (i = 0; i < n; i++) {
        xfer_init(&xs[i], NULL);
        xfer_setup(&xs[i], s->port, "/v1/chat/completions", PROMPT400);
    }
    run_multi(xs, n);
    for (i = 0; i < n; i++)
        CHECK_INT(xs[i].status, 200);
    return chat_rows(s, after, rows, n);
}

/* 8 streams fill the slots: 8 * 1000 / (2 + 8 * 0.2) = 2222 tokens/s. */
static void test_model_eight(struct server *s)
{
    struct xfer xs[8];
    struct row r[8];
    double t0 = 0, t1 = 1e99, f[8], l[8];
    size_t i, k, count, tokens = 0;
    const double want = 8000.0 / 3.6;

    CHECK_INT(run_concurrent(s, 8, xs, r), 8);
    /* Client side: tokens that arrived while all 8 were streaming. */
    for (i = 0; i < 8; i++) {
        content_span(&xs[i], &f[i], &l[i], &count);
        CHECK_INT(count, 128);
        t0 = f[i] > t0 ? f[i] : t0;
        t1 = l[i] < t1 ? l[i] : t1;
    }
    for (i = 0; i < 8; i++)
        for (k = 0; k < 128 && k < xs[i].nev; k++) /* content events */
            tokens += xs[i].ev_t[k] > t0 && xs[i].ev_t[k] <= t1;
    CHECK(t1 - t0 > 0.3);
    CHECK_NEAR(tokens / (t1 - t0), want, 0.05 * want);
    for (i = 0; i < 8; i++)
        xfer_free(&xs[i]);

    /* Server side: each stream decodes its 127 tokens in steps of
     * A + 8B = 3.6 ms (a step or two at the edges holds fewer). */
    for (i = 0; i < 8; i++) {
        CHECK_INT(r[i].output, 128);
        CHECK(r[i].first - r[i].accept < 0.02); /* no queueing */
        CHECK_NEAR(r[i].sched_last - r[i].sched_first, 127 * 0.0036,
                   0.03 * 127 * 0.0036);
        CHECK_NEAR(127 / (r[i].last - r[i].first), 1000 / 3.6,
                   0.05 * 1000 / 3.6);
    }
}

/* --threads 2: 48 streams (more than the 32 a turn that share the sends
 * out), each at 1000 / (2 + 48 * 0.02) = 337.8 tokens/s, every token
 * there and on time against the model. */
static void test_model_threads(struct server *s)
{
    static struct xfer xs[48];
    static struct row r[48];
    double f, l;
    size_t i, count;

    CHECK_INT(run_concurrent(s, 48, xs, r), 48);
    for (i = 0; i < 48; i++) {
        content_span(&xs[i], &f, &l, &count);
        CHECK_INT(count, 128);
        xfer_free(&xs[i]);
        CHECK_INT(r[i].output, 128);
        CHECK_NEAR(127 / (r[i].last - r[i].first), 1000 / 2.96,
                   0.1 * 1000 / 2.96);
        CHECK(r[i].last - r[i].sched_last < 0.02); /* sent on time */
    }
}

/* 16 requests, 8 slots: the 9th..16th (by arrival) start when a slot
 * frees; their first token comes one prefill (1 ms) after it. */
static void test_model_queue(struct server *s)
{
    struct xfer xs[16];
    struct row r[16];
    double fin[8];
    size_t i, j;

    CHECK_INT(run_concurrent(s, 16, xs, r), 16);
    for (i = 0; i < 16; i++)
        xfer_free(&xs[i]);
    for (i = 0; i < 8; i++) {
        CHECK(r[i].first - r[i].accept < 0.02);
        fin[i] = r[i].sched_last;
    }
    for (i = 1; i < 8; i++) /* slot-free times, earliest first */
        for (j = i; j > 0 && fin[j] < fin[j - 1]; j--) {
            double t = fin[j];

            fin[j] = fin[j - 1];
            fin[j - 1] = t;
        }
    for (i = 8; i < 16; i++) {
        double ttft = r[i].first - r[i].accept;

        /* Exact on the model's clock (log resolution 1 us) ... */
        CHECK_NEAR(r[i].sched_first, fin[i - 8] + 0.001, 3e-6);
        /* ... and on time on the wire (typically 0.05 ms late; 5 ms
         * leaves room for a loaded machine). */
        CHECK(r[i].first - r[i].sched_first >= 0 &&
              r[i].first - r[i].sched_first < 0.005);
        /* Queued behind 127 steps of 3.6 ms (less the stagger). */
        CHECK(ttft > 0.40 && ttft < 0.52);
        CHECK_INT(r[i].output, 128);
    }
}

/* https:// to this plain-HTTP server: the connection is closed at once,
 * without an answer, so a TLS client fails in well under its timeout
 * instead of waiting for a ServerHello; nothing is logged, and plain
 * requests go on.  libcurl (OpenSSL) sees the close during SSL_connect:
 * CURLE_SSL_CONNECT_ERROR. */
static void test_tls(const struct server *s)
{
    static const char *const paths[] = {"/v1/models", "/v1/chat/completions"};
    /* An SSLv2-style ClientHello (length 0x2e, type 1, version 3.1) and a
     * TLS record header sent alone, one byte first. */
    static const unsigned char v2[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00};
    static const unsigned char rec[] = {0x16, 0x03, 0x01, 0x02, 0x00};
    long before = last_id(s);
    struct xfer x;
    char url[128], buf[256];
    size_t i;
    int fd, closed;
    double t0, dt;

    for (i = 0; i < 2; i++) {
        xfer_init(&x, NULL);
        snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", s->port, paths[i]);
        curl_easy_setopt(x.h, CURLOPT_URL, url);
        curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(x.h, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(x.h, CURLOPT_TIMEOUT, 30L);
        if (i == 1)
            curl_easy_setopt(x.h, CURLOPT_POSTFIELDS,
                             "{\"messages\":[{\"role\":\"user\","
                             "\"content\":\"a\"}],\"max_tokens\":2}");
        t0 = mono();
        x.rc = curl_easy_perform(x.h);
        dt = mono() - t0;
        fprintf(stderr, "  https %s: %s after %.3f s\n", paths[i],
                curl_easy_strerror(x.rc), dt);
        CHECK_INT(x.rc, CURLE_SSL_CONNECT_ERROR);
        CHECK(dt < 2.0);
        CHECK_INT(x.len, 0);
        xfer_free(&x);
    }
    for (i = 0; i < 2; i++) {
        fd = raw_connect(s->port);
        t0 = mono();
        if (i == 0) {
            CHECK(write(fd, v2, sizeof(v2)) == (ssize_t)sizeof(v2));
        } else {
            CHECK(write(fd, rec, 1) == 1);
            pause_ms(20);
            (void)!write(fd, rec + 1, sizeof(rec) - 1); /* may be reset */
        }
        CHECK_INT(raw_read(fd, buf, sizeof(buf), 3000, &closed), 0);
        CHECK(closed);
        CHECK(mono() - t0 < 1.0);
        close(fd);
    }
    CHECK_INT(last_id(s), before); /* no request, no log row */
    xfer_init(&x, NULL);
    request(&x, s->port, "/v1/models", NULL);
    CHECK_INT(x.rc, CURLE_OK);
    CHECK_INT(x.status, 200);
    xfer_free(&x);
    CHECK_INT(id_at_least(s, before + 1), before + 1);
}

/* Per-object state: two more servers at once, each answering on its own
 * port, numbering its own requests from 1 into its own log, counting its
 * own; a and b (already running) too. */
static void test_two_at_once(const struct server *a, const struct server *b)
{
    static const char *const args[] = {"--slots", "2", NULL};
    struct server c, d;
    struct xfer xs[4];
    struct row rows[4];
    sk_server_stats st;
    long a0 = last_id(a), b0 = last_id(b);
    size_t i;

    CHECK_INT(start_server(&c, args), 0);
    CHECK_INT(start_server(&d, args), 0);
    CHECK(c.port != d.port && c.port != a->port && d.port != b->port);
    for (i = 0; i < 4; i++) {
        const int port[] = {c.port, d.port, a->port, b->port};

        xfer_init(&xs[i], NULL);
        xfer_setup(&xs[i], port[i], i < 2 ? "/v1/completions" : "/health",
                   i < 2 ? "{\"prompt\":\"a\",\"max_tokens\":3}" : NULL);
    }
    run_multi(xs, 4);
    for (i = 0; i < 4; i++) {
        CHECK_INT(xs[i].status, 200);
        xfer_free(&xs[i]);
    }
    /* A row is written once the response is out: give it a moment. */
    pause_ms(50);
    CHECK_INT(read_log(&c, rows, 4), 1);
    CHECK_INT(rows[0].id, 1);
    CHECK_INT(rows[0].output, 3);
    CHECK_INT(read_log(&d, rows, 4), 1);
    CHECK_INT(rows[0].id, 1);
    CHECK_STR(rows[0].endpoint, "/v1/completions");
    CHECK_INT(id_at_least(a, a0 + 1), a0 + 1);
    CHECK_INT(id_at_least(b, b0 + 1), b0 + 1);
    stop_server_stats(&c, &st);
    CHECK_INT(st.requests, 1);
    CHECK_INT(st.tokens, 3);
    CHECK_INT(st.accepted, 1);
    stop_server_stats(&d, &st);
    CHECK_INT(st.requests, 1);
    CHECK_INT(st.tokens, 3);
}

/* sk_server_stop(): before the run (the run returns at once), on an idle
 * server (the eventfd wakes the loop: well under its 100 ms poll), with a
 * stream in flight (the run returns; sk_server_free() withdraws the
 * request and logs it with 503), and after a stop the server serves
 * again. */
static void test_stop(void)
{
    static const char *const args[] = {"--step-ms", "2", NULL};
    sk_server_opts o;
    struct server s;
    struct row rows[4];
    char buf[4096];
    double t0;
    int fd, closed, i;
    long idle_ms = 0;

    sk_server_stop(NULL); /* accepted */
    sk_server_opts_init(&o);
    o.host = "127.0.0.1";
    CHECK_INT(sk_server_new(&s.sv, &o), 0);
    CHECK(sk_server_port(s.sv) > 0);
    CHECK(strncmp(sk_server_url(s.sv), "http://127.0.0.1:", 17) == 0);
    sk_server_stop(s.sv);
    t0 = mono();
    CHECK_INT(sk_server_run(s.sv), 0);
    CHECK(mono() - t0 < 0.05);
    sk_server_free(s.sv);
    sk_server_free(NULL);

    CHECK_INT(start_server(&s, args), 0);
    /* Idle: stop and join, three times over (the run is restarted). */
    for (i = 0; i < 3; i++) {
        pause_ms(20);
        t0 = mono();
        sk_server_stop(s.sv);
        pthread_join(s.thread, NULL);
        idle_ms += (long)((mono() - t0) * 1e3);
        CHECK_INT(s.rc, 0);
        CHECK_INT(pthread_create(&s.thread, NULL, run_thread, &s), 0);
    }
    fprintf(stderr, "  stop of an idle server: %ld ms for 3\n", idle_ms);
    CHECK(idle_ms < 3 * 90);
    CHECK_INT(health(s.port, "slots_idle"), 8); /* serves after a stop */

    /* A 4096-token stream (8 s at 2 ms a step) in flight. */
    fd = raw_connect(s.port);
    {
        static const char req[] =
            "POST /v1/completions HTTP/1.1\r\nContent-Length: 46\r\n\r\n"
            "{\"prompt\":\"a\",\"max_tokens\":4096,\"stream\":true}";

        CHECK(write(fd, req, sizeof(req) - 1) == sizeof(req) - 1);
    }
    raw_read(fd, buf, sizeof(buf), 100, &closed);
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    t0 = mono();
    sk_server_stop(s.sv);
    pthread_join(s.thread, NULL);
    CHECK(mono() - t0 < 0.09);
    CHECK_INT(s.rc, 0);
    sk_server_free(s.sv);
    raw_read(fd, buf, sizeof(buf), 1000, &closed);
    CHECK(closed);
    close(fd);
    CHECK_INT(read_log(&s, rows, 4), 2);
    CHECK_STR(rows[1].endpoint, "/v1/completions");
    CHECK_INT(rows[1].status, 503);
    CHECK(rows[1].output > 0 && rows[1].output < 4096);
    unlink(s.log);
}

int main(void)
{
    static const char *const fast[] = {"--slots",
                                       "8",
                                       "--step-ms",
                                       "0.2",
                                       "--step-ms-per-seq",
                                       "0.02",
                                       "--prefill-ms-per-token",
                                       "0.001",
                                       "--max-tokens-cap",
                                       "130",
                                       "--idle-timeout",
                                       "500ms",
                                       NULL};
    static const char *const timed[] = {"--slots",
                                        "8",
                                        "--step-ms",
                                        "2",
                                        "--step-ms-per-seq",
                                        "0.2",
                                        "--prefill-ms-per-token",
                                        "0.01",
                                        NULL};
    static const char *const threaded[] = {"--slots",
                                           "64",
                                           "--step-ms",
                                           "2",
                                           "--step-ms-per-seq",
                                           "0.02",
                                           "--prefill-ms-per-token",
                                           "0.01",
                                           "--threads",
                                           "2",
                                           NULL};
    struct server a, b, c;
    sk_server_stats st;

    srand((unsigned)getpid());
    signal(SIGPIPE, SIG_IGN); /* writes to sockets the server closed */
    test_cli();
    CHECK_INT(start_server(&a, fast), 0);
    CHECK_INT(start_server(&b, timed), 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (a.port > 0) {
        test_endpoints(a.port);
        test_streams(a.port);
        test_keep_alive(a.port);
        test_errors(a.port);
        test_raw(a.port);
        test_stall(a.port);
        test_tls(&a);
        test_two_at_once(&a, &b);
        stop_server_stats(&a, &st);
        CHECK_INT(st.tls, 4);  /* the summary's "4 TLS handshakes closed" */
        CHECK_INT(a.notes, 1); /* noted once */
        CHECK_STR(a.note, "a client began a TLS handshake (https://?); this "
                          "server speaks plain HTTP (use http://): "
                          "connection closed without an answer (noted "
                          "once; the count is in the summary)");
    }
    if (b.port > 0) {
        test_disconnect(&b);
        test_model_single(&b);
        test_model_eight(&b);
        test_model_queue(&b);
        stop_server(&b);
    }
    CHECK_INT(start_server(&c, threaded), 0);
    if (c.port > 0) {
        test_model_threads(&c);
        stop_server_stats(&c, &st);
        CHECK(st.tokens == 48 * 128);
        CHECK_INT(st.disconnects, 0);
    }
    test_stop();
    curl_global_cleanup();
    return sk_test_done("test_serve_sim");
}
