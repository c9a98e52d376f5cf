/*
 * Start serve-sim's server (sweepkit/server.h) for a test, in a process of
 * its own, so the client under test has the test process to itself: fork;
 * the child takes serve-sim's options (the command line's text, set with
 * sk_server_opts_set()), adds --log, listens on port 0, writes its URL
 * into a pipe (so the parent learns the port), and serves until SIGTERM
 * (through sk_server_stop() from the signal handler); stop_server()
 * sends it and checks the child exits 0 after a clean stop.
 * Shared by the collect tests; include after harness.h.
 */
#ifndef SK_TEST_SIM_SERVER_H
#define SK_TEST_SIM_SERVER_H

#include "sweepkit/error.h"
#include "sweepkit/server.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double sim_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the server process -------------------------------------------------- */

struct server {
    pid_t pid;
    int out; /* the child's pipe */
    int port;
    char log[64];
};

static sk_server *volatile sim_child_server; /* for the child's handler */

static void sim_child_signal(int sig)
{
    (void)sig;
    sk_server_stop(sim_child_server);
}

/* Write all of `s` to fd (the child's report to the parent). */
static void sim_child_say(int fd, const char *s)
{
    size_t n = strlen(s);

    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* The child: serve until SIGTERM; exit 0 after a clean stop. */
static void sim_child(int fd, const char *const *args, const char *log)
{
    sk_server_opts o;
    sk_server *sv = NULL;
    struct sigaction act;
    sigset_t mask;
    char line[1200];
    int rc = 0;

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL); /* until there is a server */
    memset(&act, 0, sizeof(act));
    act.sa_handler = sim_child_signal;
    act.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &act, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
    sk_server_opts_init(&o);
    for (; rc == 0 && args[0] && args[1]; args += 2)
        rc = sk_server_opts_set(&o, args[0] + 2, args[1]);
    if (rc == 0)
        rc = sk_server_opts_set(&o, "log", log);
    if (rc == 0)
        rc = sk_server_new(&sv, &o);
    if (rc != 0) {
        snprintf(line, sizeof(line), "serve-sim: %s\n", sk_error_last());
        sim_child_say(fd, line);
        _exit(1);
    }
    sim_child_server = sv;
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    snprintf(line, sizeof(line), "serve-sim: listening on %s\n",
             sk_server_url(sv));
    sim_child_say(fd, line);
    rc = sk_server_run(sv);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sim_child_server = NULL;
    sk_server_free(sv);
    sim_child_say(fd, rc == 0 ? "serve-sim: stopped\n" : "serve-sim: failed\n");
    _exit(rc == 0 ? 0 : 1);
}

static int start_server(struct server *s, const char *const *args)
{
    int fds[2];
    char line[4096] = "";
    size_t n = 0;
    double deadline = sim_mono() + 10;

    memset(s, 0, sizeof(*s));
    snprintf(s->log, sizeof(s->log), "/tmp/sk_serve_sim_%d_%d.csv",
             (int)getpid(), rand() % 100000);
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        close(fds[0]);
        sim_child(fds[1], args, s->log);
    }
    close(fds[1]);
    s->out = fds[0];
    /* "serve-sim: listening on http://127.0.0.1:PORT" */
    while (sim_mono() < deadline && n < sizeof(line) - 1) {
        struct pollfd p = {s->out, POLLIN, 0};
        ssize_t r;
        char *at;

        if (poll(&p, 1, 100) <= 0)
            continue;
        if ((r = read(s->out, line + n, sizeof(line) - 1 - n)) <= 0)
            break;
        n += (size_t)r;
        line[n] = '\0';
        if ((at = strstr(line, "listening on http://127.0.0.1:")) &&
            strchr(at, '\n')) {
            s->port = atoi(at + strlen("listening on http://127.0.0.1:"));
            return 0;
        }
    }
    fprintf(stderr, "start_server: %s", line);
    return -1;
}

/* SIGTERM; the child must stop cleanly and exit 0. */
static void stop_server(struct server *s)
{
    int status = -1;
    char buf[8192];
    size_t n = 0;
    ssize_t r;

    kill(s->pid, SIGTERM);
    while (n < sizeof(buf) - 1 &&
           (r = read(s->out, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    waitpid(s->pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strstr(buf, "serve-sim: stopped\n") != NULL);
    close(s->out);
    unlink(s->log);
}

#endif
