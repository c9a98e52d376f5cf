/*
 * Start `sweepkit serve-sim` for a test: fork, run cmd_serve_sim() in the
 * child on port 0 with --log (its stdout piped back, so the printed URL
 * gives the port), and stop it with SIGTERM, checking it exits 0.
 * Shared by the serve-sim and collect tests; include after harness.h.
 */
#ifndef SK_TEST_SIM_SERVER_H
#define SK_TEST_SIM_SERVER_H

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The command under test (src/cli/cmd_serve_sim.c; also in cli.h). */
int cmd_serve_sim(int argc, char **argv);

static double sim_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the server process -------------------------------------------------- */

struct server {
    pid_t pid;
    int out; /* the child's stdout */
    int port;
    char log[64];
};

static int start_server(struct server *s, const char *const *args)
{
    char *argv[40];
    int fds[2], argc = 0;
    char line[4096];
    size_t n = 0;
    double deadline = sim_mono() + 10;

    memset(s, 0, sizeof(*s));
    snprintf(s->log, sizeof(s->log), "/tmp/sk_serve_sim_%d_%d.csv",
             (int)getpid(), rand() % 100000);
    argv[argc++] = "serve-sim";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc++] = "--log";
    argv[argc++] = s->log;
    argv[argc] = NULL;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        exit(cmd_serve_sim(argc, argv));
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
            CHECK(strstr(line, "serve-sim: model: slots=") != NULL);
            return 0;
        }
    }
    return -1;
}

/* SIGTERM; the exit status must be 0 and the summary printed. */
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
    CHECK(strstr(buf, "serve-sim: stopped after") != NULL);
    close(s->out);
    unlink(s->log);
}

#endif
