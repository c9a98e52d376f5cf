/*
 * The collector asks the server who it is (src/lib/collect/identify.c):
 * the sidecar's "server" {header, models, build_info, model_path,
 * total_slots}.  Against serve-sim (a Server header and /v1/models, no
 * /props); against a small server of this file whose /v1/models and
 * /props answer garbage, 404, an oversized body or nothing at all (the run
 * goes on, unslowed past the cap, with the fields null); and against one
 * that echoes the run's secrets in every field (masked as all server
 * text is).  The sidecar writer itself with a filled and an empty struct.
 */
#include "harness.h"
#include "collect_harness.h"
#include "sim_server.h"

#include "sweepkit/collect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- a server whose identification answers misbehave -------------------- */

/* What GET /v1/models and GET /props get; POSTs always get a good stream
 * of 3 tokens. */
enum id_mode {
    ID_GARBAGE, /* 200, application/json, "not json {" */
    ID_404,     /* 404 with a JSON error body */
    ID_HANG,    /* the request is read, then nothing for 60 s */
    ID_HUGE,    /* 200, a valid JSON object of 2 MiB (over the 1 MiB cap) */
    ID_ECHO     /* 200: the X-Token and Authorization values received, in
                   "Server:", the model ids, build_info and model_path */
};

struct id_server {
    pid_t pid;
    int port;
};

static int id_mode_g;
static const char *id_query_server_g; /* Server: of query answers, or NULL */

static void id_send(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* The value of header `name` ("X-Token") in the head `req`, up to 200
 * bytes, into out ("" when absent). */
static void id_header(char *out, size_t cap, const char *req, const char *name)
{
    char key[64];
    const char *p, *e;
    size_t n;

    snprintf(key, sizeof(key), "\r\n%s: ", name);
    out[0] = '\0';
    if (!(p = strstr(req, key)))
        return;
    p += strlen(key);
    e = strstr(p, "\r\n");
    n = e ? (size_t)(e - p) : strlen(p);
    if (n > 200)
        n = 200;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void id_reply(int fd, const char *status, const char *server,
                     const char *type, const char *body, size_t n)
{
    char head[512];

    snprintf(head, sizeof(head),
             "HTTP/1.1 %s\r\n%s%s%sContent-Type: %s\r\nContent-Length: "
             "%zu\r\nConnection: close\r\n\r\n",
             status, server ? "Server: " : "", server ? server : "",
             server ? "\r\n" : "", type, n);
    id_send(fd, head, strlen(head));
    id_send(fd, body, n);
}

static void id_handle(int fd)
{
    char req[16384], tok[256], auth[256], server[600], body[2048];
    size_t len = 0;
    char *end = NULL;
    int is_get, models;

    while (len + 1 < sizeof(req)) {
        ssize_t r = read(fd, req + len, sizeof(req) - 1 - len);

        if (r <= 0)
            return;
        len += (size_t)r;
        req[len] = '\0';
        if ((end = strstr(req, "\r\n\r\n")))
            break;
    }
    if (!end)
        return;
    is_get = strncmp(req, "GET ", 4) == 0;
    models = strncmp(req, "GET /v1/models ", 15) == 0;
    if (!is_get) {
        /* the request body need not be read: the answer does not wait */
        static const char stream[] =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}"
            "\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}"
            "\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"c\"},"
            "\"finish_reason\":\"length\"}]}\n\n"
            "data: [DONE]\n\n";

        id_reply(fd, "200 OK", id_query_server_g, "text/event-stream", stream,
                 sizeof(stream) - 1);
        return;
    }
    switch (id_mode_g) {
    case ID_GARBAGE:
        id_reply(fd, "200 OK", NULL, "application/json", "not json {", 10);
        break;
    case ID_404:
        snprintf(body, sizeof(body), "{\"error\":\"not found\"}");
        id_reply(fd, "404 Not Found", NULL, "application/json", body,
                 strlen(body));
        break;
    case ID_HANG:
        sleep(60); /* ended by the server's stop */
        break;
    case ID_HUGE: {
        size_t n = (size_t)2 << 20;
        char *big = malloc(n);

        if (!big)
            return;
        memset(big, ' ', n);
        memcpy(big, "{\"data\":[{\"id\":\"big\"}],\"build_info\":\"b\"", 40);
        big[n - 1] = '}';
        id_reply(fd, "200 OK", NULL, "application/json", big, n);
        free(big);
        break;
    }
    case ID_ECHO:
        id_header(tok, sizeof(tok), req, "X-Token");
        id_header(auth, sizeof(auth), req, "Authorization");
        snprintf(server, sizeof(server), "echo/1 (%s)", tok);
        if (models)
            snprintf(body, sizeof(body),
                     "{\"object\":\"list\",\"data\":[{\"id\":\"m-%s\"},"
                     "{\"id\":7},{\"id\":\"plain\"}]}",
                     tok);
        else
            snprintf(body, sizeof(body),
                     "{\"build_info\":\"b42-%s\",\"model_path\":"
                     "\"/models/%s.gguf\",\"total_slots\":4}",
                     tok, auth);
        id_reply(fd, "200 OK", server, "application/json", body, strlen(body));
        break;
    }
}

/* Fork the server: a process that accepts on 127.0.0.1 and forks a
 * handler per connection; both die with their parent
 * (PR_SET_PDEATHSIG). */
static int id_server_start(struct id_server *s, int mode,
                           const char *query_server)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    pid_t parent = getpid();

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    id_mode_g = mode;
    id_query_server_g = query_server;
    if ((s->pid = fork()) < 0)
        return -1;
    if (s->pid == 0) {
        pid_t self = getpid();

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        signal(SIGCHLD, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
        for (;;) {
            int c = accept(lfd, NULL, NULL);

            if (c < 0)
                continue;
            if (fork() == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != self)
                    _exit(0);
                close(lfd);
                id_handle(c);
                close(c);
                _exit(0);
            }
            close(c);
        }
    }
    close(lfd);
    return 0;
}

static void id_server_stop(struct id_server *s)
{
    kill(s->pid, SIGKILL); /* its handlers follow (PR_SET_PDEATHSIG) */
    waitpid(s->pid, NULL, 0);
}

/* ---- reading the sidecar --------------------------------------------------
 */

static json_t *sidecar_server(const struct outputs *o)
{
    json_t *j = json_load_file(o->sidecar, 0, NULL);
    json_t *sv = json_incref(json_object_get(j, "server"));

    json_decref(j);
    return sv;
}

static void check_all_null(json_t *sv)
{
    CHECK(json_is_object(sv));
    CHECK_INT(json_object_size(sv), 5);
    CHECK(json_is_null(json_object_get(sv, "header")));
    CHECK(json_is_null(json_object_get(sv, "models")));
    CHECK(json_is_null(json_object_get(sv, "build_info")));
    CHECK(json_is_null(json_object_get(sv, "model_path")));
    CHECK(json_is_null(json_object_get(sv, "total_slots")));
}

/* ---- the cases ------------------------------------------------------------
 */

/* serve-sim: its Server header and its one model; it has no /props. */
static void test_serve_sim(void)
{
    static const char *const args[] = {"--step-ms", "1", NULL};
    struct server s;
    struct outputs o;
    json_t *sv, *models;
    char a[256], *text;
    const char *h, *sh, *u;

    CHECK_INT(start_server(&s, args), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d/v1 --queries 2 --max-tokens 4 "
             "--concurrency-levels 1",
             s.port);
    collect(&o, "sim", a);
    stop_server(&s);
    CHECK_INT(o.status, 0);
    sv = sidecar_server(&o);
    CHECK(json_is_object(sv));
    CHECK_STR(json_string_value(json_object_get(sv, "header")),
              "sweepkit-serve-sim");
    models = json_object_get(sv, "models");
    CHECK_INT(json_array_size(models), 1);
    CHECK_STR(json_string_value(json_array_get(models, 0)), "sweepkit-sim");
    CHECK(json_is_null(json_object_get(sv, "build_info")));
    CHECK(json_is_null(json_object_get(sv, "model_path")));
    CHECK(json_is_null(json_object_get(sv, "total_slots")));
    json_decref(sv);
    /* "server" right after "host", before "urls" */
    text = slurp(o.sidecar);
    h = text ? strstr(text, "\n  \"host\": {") : NULL;
    sh = text ? strstr(text, "\n  \"server\": {") : NULL;
    u = text ? strstr(text, "\n  \"urls\": [") : NULL;
    CHECK(h && sh && u && h < sh && sh < u);
    CHECK(h && strstr(h + 1, "\n  \"") == sh); /* the next top-level key */
    free(text);
}

/* A misbehaving /v1/models and /props: the run is complete with exit
 * status 0 and every query answered; the fields stay null. */
static void test_bad_answers(void)
{
    static const struct {
        const char *name;
        int mode;
    } cases[] = {{"garbage", ID_GARBAGE},
                 {"404", ID_404},
                 {"huge", ID_HUGE},
                 {"hang", ID_HANG}};
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct id_server s;
        struct outputs o;
        struct csv q;
        json_t *sv;
        char a[256];
        double t0, took;

        CHECK_INT(id_server_start(&s, cases[i].mode, NULL), 0);
        /* --timeout 1.5s: a hanging identification ends at 1.5 s */
        snprintf(a, sizeof(a),
                 "--url http://127.0.0.1:%d --queries 3 --max-tokens 3 "
                 "--concurrency-levels 1,2 --timeout 1.5s",
                 s.port);
        t0 = sim_mono();
        collect(&o, cases[i].name, a);
        took = sim_mono() - t0;
        id_server_stop(&s);
        CHECK_INT(o.status, 0);
        CHECK_INT(csv_load(&q, o.per_query), 0);
        CHECK_INT(q.nrows, 6);
        if (q.nrows)
            CHECK_STR(cell(&q, 0, "error"), "");
        csv_free(&q);
        sv = sidecar_server(&o);
        check_all_null(sv);
        json_decref(sv);
        if (cases[i].mode == ID_HANG) {
            fprintf(stderr, "hanging identification: run took %.2f s\n", took);
            CHECK(took >= 1.4 && took < 5);
        } else {
            CHECK(took < 3);
        }
    }
}

/* A hang with the default --timeout (300 s): the identification gives up
 * at its own 5 s cap; the queries' Server header is the one kept. */
static void test_hang_cap_and_late_header(void)
{
    struct id_server s;
    struct outputs o;
    json_t *sv;
    char a[256];
    double t0, took;

    CHECK_INT(id_server_start(&s, ID_HANG, "late/2.0"), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 2 --max-tokens 3 "
             "--concurrency-levels 1",
             s.port);
    t0 = sim_mono();
    collect(&o, "cap", a);
    took = sim_mono() - t0;
    id_server_stop(&s);
    fprintf(stderr, "identification cap: run took %.2f s\n", took);
    CHECK_INT(o.status, 0);
    CHECK(took >= 4.9 && took < 8);
    sv = sidecar_server(&o);
    CHECK_STR(json_string_value(json_object_get(sv, "header")), "late/2.0");
    CHECK(json_is_null(json_object_get(sv, "models")));
    CHECK(json_is_null(json_object_get(sv, "build_info")));
    json_decref(sv);
}

/* A server that echoes the --header value and the API key in every field:
 * the identification requests carry them (the echo is there), and the
 * sidecar masks them as all server text is; what is not secret stays. */
static void test_secrets_scrubbed(void)
{
    static const char tok[] = "tok-Zq8Vx31Lm", key[] = "sk-idkey-77Ab90";
    struct id_server s;
    struct outputs o;
    json_t *sv, *models;
    char a[512], *text;
    const char *v;

    setenv("SK_TEST_ID_KEY", key, 1);
    CHECK_INT(id_server_start(&s, ID_ECHO, NULL), 0);
    snprintf(a, sizeof(a),
             "--url http://127.0.0.1:%d --queries 1 --max-tokens 3 "
             "--concurrency-levels 1 --header 'X-Token: %s' "
             "--api-key-env SK_TEST_ID_KEY",
             s.port, tok);
    collect(&o, "echo", a);
    id_server_stop(&s);
    unsetenv("SK_TEST_ID_KEY");
    CHECK_INT(o.status, 0);
    text = slurp(o.sidecar);
    CHECK(text && !strstr(text, tok) && !strstr(text, key));
    CHECK(text && !strstr(text, "Zq8V") && !strstr(text, "77Ab"));
    free(text);
    sv = sidecar_server(&o);
    CHECK_STR(json_string_value(json_object_get(sv, "header")),
              "echo/1 (*************)");
    models = json_object_get(sv, "models");
    CHECK_INT(json_array_size(models), 2); /* the id 7 is not a string */
    CHECK_STR(json_string_value(json_array_get(models, 0)), "m-*************");
    CHECK_STR(json_string_value(json_array_get(models, 1)), "plain");
    CHECK_STR(json_string_value(json_object_get(sv, "build_info")),
              "b42-*************");
    /* "Bearer " is not the secret; the key after it is */
    v = json_string_value(json_object_get(sv, "model_path"));
    CHECK_STR(v, "/models/Bearer ***************.gguf");
    CHECK_INT(json_integer_value(json_object_get(sv, "total_slots")), 4);
    json_decref(sv);
}

/* The writer: every field from the struct, cut strings and all; all null
 * while running. */
static void test_sidecar_server(void)
{
    static const char *const urls[] = {"http://h:1"};
    static const size_t levels[] = {1};
    char a0[] = "collect", *argv[] = {a0, NULL};
    sk_collect_opts opts;
    sk_collect_result res;
    struct sk_collect_sidecar sc;
    sk_provenance host;
    char path[128];
    json_t *j, *sv;

    memset(&opts, 0, sizeof(opts));
    memset(&res, 0, sizeof(res));
    opts.urls = urls;
    opts.nurls = 1;
    opts.levels = levels;
    opts.nlevels = 1;
    opts.queries = 1;
    opts.max_tokens = 1;
    sk_provenance_init(&host);
    sc = (struct sk_collect_sidecar){.tool = "sweepkit t",
                                     .argc = 1,
                                     .argv = argv,
                                     .opts = &opts,
                                     .summary_path = "s.csv",
                                     .per_query_path = "q.csv",
                                     .started = "2025-01-01T00:00:00+0000",
                                     .host = &host,
                                     .status = "running"};
    snprintf(path, sizeof(path), "%s/server.json", tmpdir);

    CHECK_INT(sk_collect_sidecar_write(path, &sc), 0);
    j = json_load_file(path, 0, NULL);
    check_all_null(json_object_get(j, "server"));
    json_decref(j);

    /* a server that gave everything but the header; an empty model list
     * is a list */
    res.server.has_models = 1;
    snprintf(res.server.build_info, sizeof(res.server.build_info), "%s",
             "b9187-0253fb21");
    snprintf(res.server.model_path, sizeof(res.server.model_path), "%s",
             "/m/tiny.gguf");
    res.server.total_slots = 8;
    sc.status = "complete";
    sc.result = &res;
    CHECK_INT(sk_collect_sidecar_write(path, &sc), 0);
    j = json_load_file(path, 0, NULL);
    sv = json_object_get(j, "server");
    CHECK(json_is_null(json_object_get(sv, "header")));
    CHECK(json_is_array(json_object_get(sv, "models")));
    CHECK_INT(json_array_size(json_object_get(sv, "models")), 0);
    CHECK_STR(json_string_value(json_object_get(sv, "build_info")),
              "b9187-0253fb21");
    CHECK_STR(json_string_value(json_object_get(sv, "model_path")),
              "/m/tiny.gguf");
    CHECK_INT(json_integer_value(json_object_get(sv, "total_slots")), 8);
    json_decref(j);
    unlink(path);
}

int main(void)
{
    char cmd[128];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sk_identify_%d", (int)getpid());
    mkdir(tmpdir, 0755);
    test_sidecar_server();
    test_serve_sim();
    test_bad_answers();
    test_hang_cap_and_late_header();
    test_secrets_scrubbed();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (sk_test_failures == 0 && !getenv("SK_KEEP") && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return sk_test_done("collect_identify");
}
