/*
 * collect under hang-ups, full disks, kills and lying servers (issue 12;
 * docs/robustness.md lists each guarantee with the test here that checks
 * it).  The real `sweepkit collect` binary ($SK_BIN) against serve-sim
 * and tests/unit/fault_server.h's servers.
 */
#include "harness.h"

#include "collect_harness.h"
#include "fault_server.h"
#include "sim_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const char *const sim_args[] = {
    "--slots", "8", "--step-ms", "2", "--step-ms-per-seq", "0.2", NULL};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Start `sweepkit collect ARGS --out-dir DIR` in the background, its
 * standard output and error on the given descriptors (-1: /dev/null). */
static pid_t spawn(const char *args, const char *dir, int out, int err)
{
    const char *bin = getenv("SK_BIN");
    char cmd[8192];
    pid_t pid;

    snprintf(cmd, sizeof(cmd),
             "exec '%s' collect %s --out-dir '%s' --progress-interval 60",
             bin ? bin : "build/sweepkit", args, dir);
    fflush(NULL);
    if ((pid = fork()) == 0) {
        int null = open("/dev/null", O_WRONLY);

        dup2(out >= 0 ? out : null, 1);
        dup2(err >= 0 ? err : null, 2);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid)
{
    int st = 0;

    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The one file in `dir` whose name holds `kind`, into path. */
static int find(char *path, size_t cap, const char *dir, const char *kind)
{
    char cmd[700];
    FILE *p;
    int ok = 0;

    snprintf(cmd, sizeof(cmd), "ls '%s'/*%s* 2>/dev/null", dir, kind);
    path[0] = '\0';
    if ((p = popen(cmd, "r"))) {
        ok = fgets(path, (int)cap, p) != NULL;
        pclose(p);
    }
    path[strcspn(path, "\n")] = '\0';
    return ok;
}

/* Every line of the CSV ends with a newline and has the header's count
 * of fields (the cells here hold no newline); returns the data rows, or
 * -1 when a row is torn.  With `torn_last`, a last line without its
 * newline is allowed (and said there) but not counted. */
static long whole_rows_but_last(const char *path, int *torn_last)
{
    char *s = slurp(path), *p, *nl;
    long rows = -1, fields = -1;
    size_t n = s ? strlen(s) : 0;

    if (!s)
        return -1;
    if (torn_last)
        *torn_last = 0;
    if (n == 0) { /* killed after the file was made, before its header */
        free(s);
        return 0;
    }
    if (n && s[n - 1] != '\n') {
        if (!torn_last) {
            free(s);
            return -1;
        }
        *torn_last = 1;
        *(strrchr(s, '\n') ? strrchr(s, '\n') + 1 : s) = '\0';
    }
    for (p = s; *p; p = nl + 1) {
        long n = 1;
        int quoted = 0;
        char *c;

        nl = strchr(p, '\n');
        for (c = p; c < nl; c++)
            if (*c == '"')
                quoted = !quoted;
            else if (*c == ',' && !quoted)
                n++;
        if (fields < 0)
            fields = n;
        else if (n != fields) {
            free(s);
            return -1;
        }
        rows++;
    }
    free(s);
    return rows;
}

static long whole_rows(const char *path)
{
    return whole_rows_but_last(path, NULL);
}

static int file_holds(const char *path, const char *needle)
{
    char *s = slurp(path);
    int yes = s && strstr(s, needle) != NULL;

    free(s);
    return yes;
}

/* ---- losing the terminal ------------------------------------------------- */

/* A hang-up mid-level, and standard error into a pipe whose reader
 * leaves after the first line: the sweep runs to its end, every query has
 * its row, the sidecar says when and why the terminal was lost, exit 4. */
static void test_detach(void)
{
    struct server s;
    char dir[128], args[256], path[600];
    int how;

    CHECK_INT(start_server(&s, sim_args), 0);
    snprintf(args, sizeof(args),
             "--url http://127.0.0.1:%d --queries 16 --concurrency-levels "
             "1,2,4 --max-tokens 16",
             s.port);
    for (how = 0; how < 2; how++) {
        int fds[2] = {-1, -1};
        pid_t pid;
        int st;

        snprintf(dir, sizeof(dir), "%s/detach%d", tmpdir, how);
        if (how == 0) {
            pid = spawn(args, dir, -1, -1);
            sleep_ms(300); /* inside level 1 (16 queries, ~0.7 s) */
            kill(pid, SIGHUP);
        } else {
            char line[512];
            FILE *r;

            CHECK_INT(pipe(fds), 0);
            fcntl(fds[0], F_SETFD, FD_CLOEXEC); /* the child holds none */
            pid = spawn(args, dir, -1, fds[1]);
            close(fds[1]);
            r = fdopen(fds[0], "r");
            CHECK(r && fgets(line, sizeof(line), r)); /* level 1 done */
            CHECK(strstr(line, "level 1 done: 16 queries") != NULL);
            fclose(r); /* the reader leaves: the next write is an EPIPE */
        }
        st = wait_status(pid);
        CHECK_INT(st, 4);
        CHECK(find(path, sizeof(path), dir, "_per_query_"));
        CHECK_INT(whole_rows(path), 48);
        CHECK(find(path, sizeof(path), dir, "_summary_"));
        CHECK_INT(whole_rows(path), 3);
        CHECK(find(path, sizeof(path), dir, "_run_"));
        CHECK(file_holds(path, "\"status\": \"complete\""));
        CHECK(file_holds(path, "\"terminal_lost\""));
        CHECK(file_holds(path, how == 0 ? "hang-up (SIGHUP)"
                                        : "standard error closed (broken "
                                          "pipe)"));
    }
    stop_server(&s);
}

/* ---- the output files ---------------------------------------------------- */

/* A disk that fills mid-run: the message names the file and the reason,
 * exit 1, no torn row, the sidecar says failed and why, no .tmp left.
 * Needs root to mount a small tmpfs (CI runs as root). */
static void test_full_disk(void)
{
    struct server s;
    char dir[128], out[160], args[1200], path[600], label[700], *err;
    int errfd;

    snprintf(dir, sizeof(dir), "%s/tmpfs", tmpdir);
    mkdir(dir, 0755);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
        fprintf(stderr, "SKIP full disk: cannot mount a tmpfs (%s): run "
                        "as root\n",
                strerror(errno));
        return;
    }
    CHECK_INT(start_server(&s, sim_args), 0);
    /* rows of ~700 bytes: 64 KiB fill after ~90 of the 200 */
    memset(label, 'x', 500);
    label[500] = '\0';
    snprintf(args, sizeof(args),
             "--url http://127.0.0.1:%d --queries 100 --concurrency-levels "
             "4,8 --max-tokens 4 --label note=%s",
             s.port, label);
    snprintf(out, sizeof(out), "%s/o", dir);
    snprintf(path, sizeof(path), "%s/tmpfs.err", tmpdir);
    errfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_INT(wait_status(spawn(args, out, -1, errfd)), 1);
    close(errfd);
    stop_server(&s);
    err = slurp(path);
    CHECK(err && strstr(err, "/o/sweep_per_query_") &&
          strstr(err, ": cannot write: No space left on device; the file "
                      "ends at its last whole row"));
    free(err);
    CHECK(find(path, sizeof(path), out, "_per_query_"));
    CHECK(whole_rows(path) > 10);
    CHECK(find(path, sizeof(path), out, "_run_"));
    CHECK(file_holds(path, "\"status\": \"failed\""));
    CHECK(file_holds(path, "No space left on device"));
    CHECK(!find(path, sizeof(path), out, ".tmp"));
    umount(dir);
}

/* The per-query file removed, or replaced, mid-run: an error at the
 * level's end, not exit 0. */
static void test_file_removed(void)
{
    struct server s;
    char dir[128], args[256], path[600], cmd[800];
    int how;

    CHECK_INT(start_server(&s, sim_args), 0);
    snprintf(args, sizeof(args),
             "--url http://127.0.0.1:%d --queries 16 --concurrency-levels "
             "1,2 --max-tokens 16",
             s.port);
    for (how = 0; how < 2; how++) {
        int fds[2];
        pid_t pid;
        char err[2048];
        ssize_t n, k = 0;

        snprintf(dir, sizeof(dir), "%s/removed%d", tmpdir, how);
        CHECK_INT(pipe(fds), 0);
        pid = spawn(args, dir, -1, fds[1]);
        close(fds[1]);
        sleep_ms(300);
        CHECK(find(path, sizeof(path), dir, "_per_query_"));
        snprintf(cmd, sizeof(cmd),
                 how == 0 ? "rm '%s'" : "mv '%s' '%s.old' && touch '%s'",
                 path, path, path);
        CHECK(system(cmd) == 0);
        while ((n = read(fds[0], err + k, sizeof(err) - 1 - (size_t)k)) > 0)
            k += n;
        err[k] = '\0';
        close(fds[0]);
        CHECK_INT(wait_status(pid), 1);
        CHECK(strstr(err, how == 0 ? ": removed while the sweep ran"
                                   : ": replaced by another file while the "
                                     "sweep ran") != NULL);
        CHECK(find(path, sizeof(path), dir, "_run_"));
        CHECK(file_holds(path, "\"status\": \"failed\""));
    }
    stop_server(&s);
}

/* SIGKILL at a random moment, 20 times, with rows wider than a page: no
 * torn row but, rarely, the last (a kill while the kernel copies a row's
 * pages: about 1 in 80 kills on a loaded machine, none in 60 on a quiet
 * one), and summarize reads every file, skipping such a row with its
 * note. */
static void test_kill_wide_rows(void)
{
    struct server s;
    char dir[128], args[12000], path[600], cmd[900];
    size_t i, off;
    int trial, torn = 0, torn_last;

    CHECK_INT(start_server(&s, sim_args), 0);
    off = (size_t)snprintf(args, sizeof(args),
                           "--url http://127.0.0.1:%d --queries 1000 "
                           "--concurrency-levels 8 --max-tokens 4",
                           s.port);
    for (i = 0; i < 32; i++) /* 32 labels of 200 bytes: 6.6 KB rows */
        off += (size_t)snprintf(args + off, sizeof(args) - off,
                                " --label l%02zu=%0200zu", i, i);
    srand(12);
    for (trial = 0; trial < 20; trial++) {
        pid_t pid;
        long rows;

        snprintf(dir, sizeof(dir), "%s/kill%02d", tmpdir, trial);
        pid = spawn(args, dir, -1, -1);
        sleep_ms(60 + rand() % 200);
        kill(pid, SIGKILL);
        CHECK_INT(wait_status(pid), 128 + SIGKILL);
        if (!find(path, sizeof(path), dir, "_per_query_"))
            continue; /* killed before the files were made */
        rows = whole_rows_but_last(path, &torn_last);
        CHECK(rows >= 0); /* no torn row before the last */
        torn += torn_last;
        snprintf(cmd, sizeof(cmd),
                 "'%s' summarize '%s' 2>&1 >/dev/null | grep -q "
                 "'incomplete last row, probably cut by a crash'",
                 getenv("SK_BIN") ? getenv("SK_BIN") : "build/sweepkit",
                 path);
        if (torn_last)
            CHECK(system(cmd) == 0); /* read, with the note */
        cmd[strcspn(cmd, "|")] = '\0';
        if (rows > 0)
            CHECK(system(cmd) == 0);
    }
    if (torn)
        fprintf(stderr, "note: %d of 20 kills left a torn last row (the "
                        "readers skip it)\n",
                torn);
    stop_server(&s);
}

/* https:// to serve-sim, which speaks plain HTTP: every query fails at
 * once, named, not after the timeout. */
static void test_tls_to_plain(void)
{
    struct server s;
    struct outputs o;
    struct csv q;
    char args[256];
    double t0;
    size_t i;

    CHECK_INT(start_server(&s, sim_args), 0);
    snprintf(args, sizeof(args),
             "--url https://127.0.0.1:%d --queries 2 --concurrency-levels "
             "1,2 --timeout 30s",
             s.port);
    t0 = sim_mono();
    collect(&o, "tls", args);
    CHECK(sim_mono() - t0 < 2.0);
    stop_server(&s);
    CHECK_INT(o.status, 1); /* gave up: two levels where all failed */
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(q.nrows, 4);
    for (i = 0; i < q.nrows; i++) {
        static const char want[] = "TLS handshake failed: the server does "
                                   "not speak TLS (use http://): ";

        CHECK(strncmp(cell(&q, i, "error"), want, strlen(want)) == 0);
    }
    csv_free(&q);
    CHECK(strstr(o.err, "4 of 4 queries failed: connect 4") != NULL);
}

/* ---- lying servers --------------------------------------------------------- */

/* Is s[0..n) valid UTF-8 without bidirectional controls? */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned c = *p, k = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1
                                       : c >= 0xe0 && c < 0xf0   ? 2
                                       : c >= 0xf0 && c < 0xf5   ? 3
                                                                 : 9;
        unsigned i, cp = k == 0 ? c : c & (0x3f >> k);

        if (k == 9)
            return 0;
        for (i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        if (cp == 0x61c || cp == 0x200e || cp == 0x200f ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            return 0;
        p += k + 1;
    }
    return 1;
}

static double real_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run_started; /* real time, just before the last fault_run's
                              collect started */

/* Run against a fault server started with `fo`; ARGS gets its port. */
static void fault_run(struct outputs *o, const char *name,
                      const struct fault_opts *fo, const char *fmt)
{
    struct fault_server fs;
    char args[1024];

    CHECK_INT(fault_server_start_opts(&fs, fo), 0);
    snprintf(args, sizeof(args), fmt, fs.port);
    run_started = real_now();
    collect(o, name, args);
    fault_server_stop(&fs);
}

/* No file of the run and not the terminal holds any of `needles`. */
static void nowhere(const struct outputs *o, const char *const *needles)
{
    for (; *needles; needles++) {
        no_output_holds(o, *needles);
        if (strstr(o->err, *needles)) {
            fprintf(stderr, "the terminal shows '%s'\n", *needles);
            CHECK(0);
        }
    }
}

/* Every secret the user gives, echoed by the server in every form. */
static void test_secret_forms(void)
{
    /* the key, a --header credential, a custom header, URL credentials;
     * base64 of "bob:PWsecret789" is Ym9iOlBXc2VjcmV0Nzg5 */
    static const char *const key[] = {"sk-test-APIKEY123", "sk-test-APIK",
                                      "APIKEY123", NULL};
    static const char *const hdr[] = {"sk-test-HDRKEY456", "HDRKEY456",
                                      NULL};
    static const char *const custom[] = {"tok-custom-777", NULL};
    static const char *const url[] = {"PWsecret789", "Ym9iOlBXc2VjcmV0Nzg5",
                                      "UFdzZWNyZXQ3OD", NULL};
    static const struct {
        const char *name;
        int form, pad;
        const char *args;
        const char *const *secrets;
        const char *want; /* the error cell starts so */
    } cases[] = {
        {"key_raw", FAULT_ECHO_FORM_RAW, 0, "--api-key-env SK_ROBUST_KEY",
         key, "HTTP 401: {\"error\":{\"message\":\"Bearer ****"},
        {"key_uesc", FAULT_ECHO_FORM_UESC, 0, "--api-key-env SK_ROBUST_KEY",
         key, "HTTP 401: {\"error\":{\"message\":\"*****************: "},
        {"key_percent", FAULT_ECHO_FORM_PERCENT, 0,
         "--api-key-env SK_ROBUST_KEY", key,
         "HTTP 401: {\"error\":{\"message\":\"*****************: "},
        {"key_cut", FAULT_ECHO_FORM_RAW, 124, "--api-key-env SK_ROBUST_KEY",
         key, "HTTP 401: "},
        {"key_ctype", FAULT_ECHO_FORM_CTYPE, 0,
         "--api-key-env SK_ROBUST_KEY", key,
         "not an event stream (Content-Type: text/html; x=Bearer ****"},
        {"header_bearer", FAULT_ECHO_FORM_RAW, 0,
         "--header 'Authorization: Bearer sk-test-HDRKEY456'", hdr,
         "HTTP 401: {\"error\":{\"message\":\"Bearer ****"},
        {"header_all", FAULT_ECHO_FORM_ALL, 0,
         "--header 'Authorization: Bearer sk-test-HDRKEY456'", hdr,
         "HTTP 401: "},
        {"header_custom", FAULT_ECHO_FORM_CUSTOM, 0,
         "--header 'X-Custom-Token: tok-custom-777'", custom,
         "HTTP 401: {\"error\":{\"message\":\"**************: "},
        {"url_basic", FAULT_ECHO_FORM_RAW, 0, "URL", url,
         "HTTP 401: {\"error\":{\"message\":\"Basic ****"},
        {"url_percent", FAULT_ECHO_FORM_PERCENT, 0, "URL", url,
         "HTTP 401: {\"error\":{\"message\":\"*****"},
        {"url_all", FAULT_ECHO_FORM_ALL, 0, "URL", url, "HTTP 401: "},
    };
    size_t i;

    setenv("SK_ROBUST_KEY", "sk-test-APIKEY123", 1);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fault_opts fo = {.mode = FAULT_ECHO_ALL_401,
                                .k = cases[i].form,
                                .pad = cases[i].pad};
        struct outputs o;
        struct csv q;
        char fmt[512];
        int url = strcmp(cases[i].args, "URL") == 0;

        snprintf(fmt, sizeof(fmt),
                 "--url http://%s127.0.0.1:%%d --queries 2 "
                 "--concurrency-levels 1 %s",
                 url ? "bob:PWsecret789@" : "", url ? "" : cases[i].args);
        fault_run(&o, cases[i].name, &fo, fmt);
        CHECK_INT(o.status, 0);
        CHECK_INT(csv_load(&q, o.per_query), 0);
        CHECK_INT(q.nrows, 2);
        if (q.nrows &&
            strncmp(cell(&q, 0, "error"), cases[i].want,
                    strlen(cases[i].want)) != 0) {
            fprintf(stderr, "%s: error '%s', want '%s...'\n", cases[i].name,
                    cell(&q, 0, "error"), cases[i].want);
            CHECK(0);
        }
        csv_free(&q);
        nowhere(&o, cases[i].secrets);
    }
    unsetenv("SK_ROBUST_KEY");
}

/* Token counts no server could have produced: counted as chunks, with a
 * warning in the row and on the terminal. */
static void test_impossible_usage(void)
{
    static const char *const usage[] = {"100000", "0", "-7", "2.5", "1e400"};
    size_t i;

    for (i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
        struct fault_opts fo = {.mode = FAULT_USAGE, .k = 5,
                                .usage_text = usage[i]};
        struct outputs o;
        struct csv q;
        char name[32], want[160];
        size_t r;

        snprintf(name, sizeof(name), "usage%zu", i);
        fault_run(&o, name, &fo,
                  "--url http://127.0.0.1:%d --queries 2 "
                  "--concurrency-levels 1 --max-tokens 8");
        CHECK_INT(o.status, 0);
        CHECK_INT(csv_load(&q, o.per_query), 0);
        CHECK_INT(q.nrows, 2);
        snprintf(want, sizeof(want),
                 "usage says %s output tokens for 5 content chunks at "
                 "--max-tokens 8: counted the chunks",
                 i == 4 ? "inf" : usage[i]);
        for (r = 0; r < q.nrows; r++) {
            CHECK_STR(cell(&q, r, "error"), "");
            CHECK_STR(cell(&q, r, "token_source"), "chunks");
            CHECK_NEAR(cellf(&q, r, "output_tokens"), 5, 0);
            CHECK_STR(cell(&q, r, "warning"), want);
        }
        csv_free(&q);
        CHECK(strstr(o.err, "warning: 2 queries with a usage count not "
                            "believed, 0 with more chunks than "
                            "--max-tokens") != NULL);
    }
    {
        /* 5,000 chunks at --max-tokens 8; a believable usage of 8 */
        struct fault_opts fo = {.mode = FAULT_MANY_CHUNKS, .k = 5000};
        struct fault_opts ok = {.mode = FAULT_USAGE, .k = 8,
                                .usage_text = "8"};
        struct outputs o;
        struct csv q;

        fault_run(&o, "many", &fo,
                  "--url http://127.0.0.1:%d --queries 1 "
                  "--concurrency-levels 1 --max-tokens 8");
        CHECK_INT(o.status, 0);
        CHECK_INT(csv_load(&q, o.per_query), 0);
        CHECK_INT(q.nrows, 1);
        if (q.nrows)
            CHECK_STR(cell(&q, 0, "warning"),
                      "5000 content chunks for --max-tokens 8");
        csv_free(&q);
        CHECK(strstr(o.err, "0 queries with a usage count not believed, 1 "
                            "with more chunks") != NULL);
        fault_run(&o, "usage_ok", &ok,
                  "--url http://127.0.0.1:%d --queries 1 "
                  "--concurrency-levels 1 --max-tokens 8");
        CHECK_INT(csv_load(&q, o.per_query), 0);
        if (q.nrows) {
            CHECK_STR(cell(&q, 0, "token_source"), "usage");
            CHECK_STR(cell(&q, 0, "warning"), "");
        }
        csv_free(&q);
        CHECK(strstr(o.err, "warning:") == NULL);
    }
}

/* Retry-After in seconds and as an HTTP-date: the retry waits that long
 * (within 10%), and the terminal counts it.  For the date the server
 * answers at the next whole second of the real-time clock, W, with the
 * date W + 2: the retry is due at W + 2.  W is the second after the
 * request's arrival, which a loaded machine can delay past the next
 * whole second after the run started: W is that second or the one
 * after, and the retry's own second tells which. */
static void test_retry_after(void)
{
    int date;

    for (date = 0; date < 2; date++) {
        struct fault_opts fo = {.mode = FAULT_RETRY_AFTER_429,
                                .retry_after_s = 2, .http_date = date};
        struct outputs o;
        struct csv q;

        fault_run(&o, date ? "retry_date" : "retry_s", &fo,
                  "--url http://127.0.0.1:%d --queries 1 "
                  "--concurrency-levels 1 --max-tokens 8 --retries 1");
        CHECK_INT(o.status, 0);
        CHECK_INT(csv_load(&q, o.per_query), 0);
        CHECK_INT(q.nrows, 1);
        if (q.nrows) {
            double t = cellf(&q, 0, "start_s");

            if (date) { /* seconds since W, the 429's second */
                double sent = run_started + t, w = round(sent) - 2;

                if (w < ceil(run_started) || w > ceil(run_started) + 1)
                    w = ceil(run_started);
                t = sent - w;
            }
            CHECK_STR(cell(&q, 0, "error"), "");
            if (!(t > 1.8 && t < 2.2)) {
                fprintf(stderr, "retry sent at %.3f s, want 2 s +- 10%%\n",
                        t);
                CHECK(0);
            }
        }
        csv_free(&q);
        CHECK(strstr(o.err, "level 1 done: 1 queries, 0 errors") &&
              strstr(o.err, ", 1 retried"));
    }
}

/* A server that closes each keep-alive connection after 3 answers and
 * drops the 4th request unread: no query is lost, the resends are
 * counted. */
static void test_keepalive_drop(void)
{
    struct fault_opts fo = {.mode = FAULT_KEEPALIVE_DROP, .k = 5};
    struct outputs o;
    struct csv q;
    char *side;
    size_t i, errors = 0;

    fault_run(&o, "keepalive", &fo,
              "--url http://127.0.0.1:%d --queries 2000 "
              "--concurrency-levels 64 --max-tokens 8");
    CHECK_INT(o.status, 0);
    CHECK_INT(csv_load(&q, o.per_query), 0);
    CHECK_INT(q.nrows, 2000);
    for (i = 0; i < q.nrows; i++)
        if (*cell(&q, i, "error") && errors++ < 3)
            fprintf(stderr, "keepalive: query %s: %s\n",
                    cell(&q, i, "query_id"), cell(&q, i, "error"));
    CHECK_INT(errors, 0);
    csv_free(&q);
    side = slurp(o.sidecar);
    CHECK(side && strstr(side, "\"resent\": ") &&
          !strstr(side, "\"resent\": 0,"));
    free(side);
    CHECK(strstr(o.err, " resent") != NULL);
}

/* Invalid UTF-8 and bidirectional controls from an error body: the CSV is
 * valid UTF-8 without them. */
static void test_bad_text(void)
{
    int form;

    for (form = 0; form < 2; form++) {
        struct fault_opts fo = {.mode = FAULT_BAD_TEXT, .k = form};
        struct outputs o;
        char *all;

        fault_run(&o, form ? "text_escaped" : "text_raw", &fo,
                  "--url http://127.0.0.1:%d --queries 1 "
                  "--concurrency-levels 1");
        CHECK_INT(o.status, 0);
        all = slurp(o.per_query);
        CHECK(all && clean_utf8(all));
        CHECK(all && strstr(all, "HTTP 400: "));
        if (form == 0)
            CHECK(all && strstr(all, "\xef\xbf\xbd")); /* U+FFFD */
        free(all);
    }
}

int main(void)
{
    char cmd[128];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sk_robust_%d", (int)getpid());
    mkdir(tmpdir, 0755);
    test_detach();
    test_full_disk();
    test_file_removed();
    test_kill_wide_rows();
    test_tls_to_plain();
    test_secret_forms();
    test_impossible_usage();
    test_retry_after();
    test_keepalive_drop();
    test_bad_text();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (sk_test_failures == 0 && !getenv("SK_KEEP") && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return sk_test_done("collect_robust");
}
