/*
 * A self-test of tests/unit/fault_server.h's newer modes, with raw sockets and
 * libcurl (no sweepkit code), so that the collector's tests
 * (test_collect_robust.c) stand on servers known to misbehave as
 * documented.
 *
 * It checks: FAULT_KEEPALIVE_DROP answers 3 requests on one connection
 * without `Connection: close` and resets the 4th unanswered and unlogged,
 * and sustains 2,000 requests at concurrency 64 through libcurl (a request
 * that dies before any response byte is sent again on a fresh connection,
 * as the collector does); FAULT_RETRY_AFTER_429 in seconds and as an
 * HTTP-date; each FAULT_ECHO_ALL_401 form; FAULT_USAGE; FAULT_MANY_CHUNKS
 * at 5,000; FAULT_BAD_TEXT.
 */
#include "harness.h"

#include "fault_server.h"

#include <curl/curl.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int raw_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static const char post[] = "POST /v1/chat/completions HTTP/1.1\r\n"
                           "Host: x\r\nContent-Length: 2\r\n\r\n{}";

/* Read one chunked response up to its terminating chunk; its length, 0
 * when the connection ended first (*err gets errno, 0 for an EOF). */
static size_t read_response(int fd, char *buf, size_t cap, int *err)
{
    size_t n = 0;

    *err = 0;
    while (n < cap - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t r;

        if (poll(&p, 1, 5000) <= 0)
            return 0;
        r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) {
            *err = r < 0 ? errno : 0;
            return 0;
        }
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n0\r\n\r\n"))
            return n;
    }
    return 0;
}

static void test_keepalive_raw(void)
{
    struct fault_server fs;
    char buf[8192];
    int fd, i, err = -1;
    double t0;

    CHECK_INT(fault_server_start(&fs, FAULT_KEEPALIVE_DROP, 2), 0);
    fd = raw_connect(fs.port);
    CHECK(fd >= 0);
    for (i = 0; i < 3; i++) {
        CHECK(write(fd, post, strlen(post)) == (ssize_t)strlen(post));
        CHECK(read_response(fd, buf, sizeof(buf), &err) > 0);
        CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
        CHECK(strstr(buf, "Connection:") == NULL);
        CHECK(strstr(buf, "data: [DONE]") != NULL);
    }
    t0 = now_s();
    CHECK(write(fd, post, strlen(post)) == (ssize_t)strlen(post));
    CHECK_INT(read_response(fd, buf, sizeof(buf), &err), 0);
    CHECK_INT(err, ECONNRESET); /* a RST, no byte of answer */
    CHECK(now_s() - t0 < 0.5);  /* at once, not after the 2 s wait */
    close(fd);
    CHECK_INT(fault_server_count(&fs, "POST "), 3);

    /* A client that sends nothing more gets a FIN after the wait. */
    fd = raw_connect(fs.port);
    for (i = 0; i < 3; i++) {
        CHECK(write(fd, post, strlen(post)) == (ssize_t)strlen(post));
        CHECK(read_response(fd, buf, sizeof(buf), &err) > 0);
    }
    t0 = now_s();
    CHECK_INT(read_response(fd, buf, sizeof(buf), &err), 0);
    CHECK_INT(err, 0);
    CHECK_NEAR(now_s() - t0, FAULT_KEEPALIVE_WAIT_MS / 1000.0, 0.3);
    close(fd);
    fault_server_stop(&fs);
}

/* ---- libcurl ------------------------------------------------------------- */

struct xfer {
    CURL *h;
    char body[1 << 16];
    size_t len;
    char head[4096];
    size_t hlen;
    size_t newlines; /* in the whole body */
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb, room = sizeof(x->body) - 1 - x->len, i;

    for (i = 0; i < n; i++)
        x->newlines += p[i] == '\n';
    memcpy(x->body + x->len, p, n < room ? n : room);
    x->len += n < room ? n : room;
    x->body[x->len] = '\0';
    return n;
}

static size_t on_head(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb, room = sizeof(x->head) - 1 - x->hlen;

    memcpy(x->head + x->hlen, p, n < room ? n : room);
    x->hlen += n < room ? n : room;
    x->head[x->hlen] = '\0';
    return n;
}

static void xfer_setup(struct xfer *x, const char *url)
{
    x->len = x->hlen = x->newlines = 0;
    x->body[0] = x->head[0] = '\0';
    curl_easy_setopt(x->h, CURLOPT_URL, url);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, "{\"stream\":true}");
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_head);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(x->h, CURLOPT_FRESH_CONNECT, 0L);
}

/* One request on a new handle; *x filled; returns the HTTP status. */
static long request(struct xfer *x, int port, const char *path,
                    struct curl_slist *hdrs)
{
    char url[512];
    long status = 0;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    x->h = curl_easy_init();
    xfer_setup(x, url);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs);
    CHECK_INT(curl_easy_perform(x->h), CURLE_OK);
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(x->h);
    return status;
}

/* 2,000 requests at concurrency 64 through one curl multi (keep-alive
 * pool); a request that fails before any response byte is sent again at
 * once on a fresh connection. */
static void test_keepalive_load(void)
{
    enum { N = 2000, C = 64 };
    static struct xfer xs[C];
    struct fault_server fs;
    CURLM *m = curl_multi_init();
    char url[128];
    int started = 0, done = 0, ok = 0, resent = 0, failed = 0, running, i;
    int codes[CURL_LAST] = {0};
    double t0 = now_s();

    CHECK_INT(fault_server_start(&fs, FAULT_KEEPALIVE_DROP, 5), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions",
             fs.port);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)C);
    for (i = 0; i < C; i++) {
        xs[i].h = curl_easy_init();
        curl_easy_setopt(xs[i].h, CURLOPT_PRIVATE, &xs[i]);
        xfer_setup(&xs[i], url);
        curl_multi_add_handle(m, xs[i].h);
        started++;
    }
    while (done < N && now_s() - t0 < 60) {
        CURLMsg *msg;
        int left;

        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left))) {
            struct xfer *x;
            long status = 0;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
                              (char **)&x);
            curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(m, x->h);
            if (msg->data.result != CURLE_OK && x->hlen == 0) {
                resent++;
                codes[msg->data.result]++;
                xfer_setup(x, url);
                curl_easy_setopt(x->h, CURLOPT_FRESH_CONNECT, 1L);
                curl_multi_add_handle(m, x->h);
                continue;
            }
            done++;
            if (msg->data.result == CURLE_OK && status == 200 &&
                strstr(x->body, "data: [DONE]"))
                ok++;
            else
                failed++;
            if (started < N) {
                xfer_setup(x, url);
                curl_multi_add_handle(m, x->h);
                started++;
            }
        }
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (i = 0; i < C; i++) {
        curl_multi_remove_handle(m, xs[i].h);
        curl_easy_cleanup(xs[i].h);
    }
    curl_multi_cleanup(m);
    fprintf(stderr,
            "keep-alive drop: %d of %d answered, %d failed, %d sent again "
            "on a fresh connection, %.2f s\n",
            ok, N, failed, resent, now_s() - t0);
    for (i = 0; i < CURL_LAST; i++)
        if (codes[i])
            fprintf(stderr, "  %d x %s\n", codes[i],
                    curl_easy_strerror((CURLcode)i));
    CHECK_INT(ok, N);
    CHECK(now_s() - t0 < 10);
    CHECK_INT(fault_server_count(&fs, "POST "), N);
    fault_server_stop(&fs);
}

/* The seconds of a Retry-After value (a number or an IMF-fixdate), from
 * now. */
static double retry_after_s(const char *head)
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *v = strstr(head, "Retry-After: ");
    struct tm tm;
    char m[4];
    struct timespec now;
    time_t t;

    if (!v)
        return -1;
    v += 13;
    if (*v >= '0' && *v <= '9')
        return strtod(v, NULL);
    memset(&tm, 0, sizeof(tm));
    if (sscanf(v, "%*3s, %d %3s %d %d:%d:%d GMT", &tm.tm_mday, m, &tm.tm_year,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6 ||
        !strstr(mon, m))
        return -1;
    tm.tm_mon = (int)(strstr(mon, m) - mon) / 3;
    tm.tm_year -= 1900;
    /* timegm is not POSIX: UTC seconds by days from the epoch. */
    {
        int y = tm.tm_year + 1900, mo = tm.tm_mon + 1;
        long days;

        y -= mo <= 2;
        days = 365L * y + y / 4 - y / 100 + y / 400 +
               (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + tm.tm_mday - 1 -
               719468;
        t = (time_t)(days * 86400L + tm.tm_hour * 3600L + tm.tm_min * 60L +
                     tm.tm_sec);
    }
    clock_gettime(CLOCK_REALTIME, &now);
    return (double)t - ((double)now.tv_sec + now.tv_nsec / 1e9);
}

static void test_retry_after(void)
{
    int date;

    for (date = 0; date < 2; date++) {
        struct fault_opts o = {.mode = FAULT_RETRY_AFTER_429,
                               .retry_after_s = 3,
                               .http_date = date};
        struct fault_server fs;
        static struct xfer x;

        CHECK_INT(fault_server_start_opts(&fs, &o), 0);
        CHECK_INT(request(&x, fs.port, "/v1/chat/completions", NULL), 429);
        CHECK(strstr(x.body, "rate_limit_error") != NULL);
        CHECK_NEAR(retry_after_s(x.head), 3, date ? 0.05 : 0);
        if (date)
            fprintf(stderr, "retry-after date: %s",
                    strstr(x.head, "Retry-After:"));
        CHECK_INT(request(&x, fs.port, "/v1/chat/completions", NULL), 200);
        CHECK(strstr(x.body, "data: [DONE]") != NULL);
        CHECK_INT(fault_server_count(&fs, "POST "), 2);
        fault_server_stop(&fs);
    }
}

static void test_echo(void)
{
    static const struct {
        int form;
        const char *want;
    } cases[] = {
        {FAULT_ECHO_FORM_RAW,
         "{\"error\":{\"message\":\"Bearer sk-AB%: invalid credentials\""},
        {FAULT_ECHO_FORM_UESC, "\"message\":\"\\u0073\\u006b\\u002d\\u0041"
                               "\\u0042\\u0025: invalid"},
        {FAULT_ECHO_FORM_PERCENT, "\"message\":\"%73%6B%2D%41%42%25: inv"},
        {FAULT_ECHO_FORM_CUSTOM, "\"message\":\"tok-XYZ987: invalid"},
        {FAULT_ECHO_FORM_REQLINE,
         "\"message\":\"POST /v1/chat/completions?key=q-sec HTTP/1.1: inv"},
        {FAULT_ECHO_FORM_ALL, "\"X-Custom-Token\":\"tok-XYZ987\""},
    };
    struct curl_slist *h =
        curl_slist_append(NULL, "Authorization: Bearer sk-AB%");
    size_t i;

    h = curl_slist_append(h, "X-Custom-Token: tok-XYZ987");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fault_server fs;
        static struct xfer x;

        CHECK_INT(fault_server_start(&fs, FAULT_ECHO_ALL_401, cases[i].form),
                  0);
        CHECK_INT(request(&x, fs.port, "/v1/chat/completions?key=q-sec", h),
                  401);
        CHECK(strstr(x.body, cases[i].want) != NULL);
        if (!strstr(x.body, cases[i].want))
            fprintf(stderr, "form %d: %s\n", cases[i].form, x.body);
        CHECK(strstr(x.head, "Content-Type: application/json") != NULL);
        if (cases[i].form == FAULT_ECHO_FORM_ALL)
            CHECK(strstr(x.body, "\"json\":\"\\u0073") && strstr(x.body,
                  "\"url\":\"%73%6B") && strstr(x.body, "\"request\":\"POST"));
        fault_server_stop(&fs);
    }
    {
        struct fault_opts o = {.mode = FAULT_ECHO_ALL_401,
                               .k = FAULT_ECHO_FORM_CTYPE};
        struct fault_server fs;
        static struct xfer x;

        CHECK_INT(fault_server_start_opts(&fs, &o), 0);
        CHECK_INT(request(&x, fs.port, "/", h), 200);
        CHECK(strstr(x.head, "Content-Type: text/html; x=Bearer sk-AB%\r\n"));
        fault_server_stop(&fs);
        /* pad: the echo starts at byte offset 21 + pad */
        o.k = FAULT_ECHO_FORM_RAW;
        o.pad = 150;
        CHECK_INT(fault_server_start_opts(&fs, &o), 0);
        CHECK_INT(request(&x, fs.port, "/", h), 401);
        CHECK(strncmp(x.body + 171, "Bearer sk-AB%", 13) == 0);
        fault_server_stop(&fs);
        o.k = 7;
        CHECK_INT(fault_server_start_opts(&fs, &o), -1);
    }
    curl_slist_free_all(h);
}

static void test_usage_chunks_text(void)
{
    static const char *const texts[] = {"100000", "0", "-7", "2.5"};
    struct fault_server fs;
    static struct xfer x;
    size_t i;
    char want[200];
    const char *p;
    int n;

    for (i = 0; i < 4; i++) {
        struct fault_opts o = {.mode = FAULT_USAGE, .usage_text = texts[i]};

        CHECK_INT(fault_server_start_opts(&fs, &o), 0);
        CHECK_INT(request(&x, fs.port, "/", NULL), 200);
        snprintf(want, sizeof(want), "\"completion_tokens\":%s%s", texts[i],
                 i == 3 ? "}}" : ",\"total_tokens\":");
        CHECK(strstr(x.body, want) != NULL);
        for (n = 0, p = x.body; (p = strstr(p, "\"content\":\"tok\"")); p++)
            n++;
        CHECK_INT(n, FAULT_DEFAULT_K);
        fault_server_stop(&fs);
    }
    CHECK_INT(fault_server_start(&fs, FAULT_MANY_CHUNKS, 0), 0);
    {
        CURLcode rc;
        char url[128];
        long status = 0;
        double t0 = now_s();

        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", fs.port);
        x.h = curl_easy_init();
        xfer_setup(&x, url);
        rc = curl_easy_perform(x.h);
        curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(x.h);
        CHECK_INT(rc, CURLE_OK);
        CHECK_INT(status, 200);
        CHECK_INT(x.newlines, 2 * (FAULT_MANY_K + 3)); /* + finish, usage,
                                                        * [DONE] */
        CHECK(now_s() - t0 < 5);
    }
    fault_server_stop(&fs);
    CHECK_INT(fault_server_start(&fs, FAULT_BAD_TEXT, 0), 0);
    CHECK_INT(request(&x, fs.port, "/", NULL), 400);
    CHECK(strstr(x.body, "\xe2\x80\xae") && strstr(x.body, "\xff\xfe") &&
          strstr(x.body, "\xc3\x28") && strstr(x.body, "\x01") &&
          strstr(x.body, "cut \xe2\x82\""));
    fault_server_stop(&fs);
    CHECK_INT(fault_server_start(&fs, FAULT_BAD_TEXT, FAULT_BAD_TEXT_ESCAPED),
              0);
    CHECK_INT(request(&x, fs.port, "/", NULL), 400);
    CHECK(strstr(x.body, "\\u202e") != NULL);
    fault_server_stop(&fs);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_keepalive_raw();
    test_keepalive_load();
    test_retry_after();
    test_echo();
    test_usage_chunks_text();
    curl_global_cleanup();
    return sk_test_done("fault_server");
}
