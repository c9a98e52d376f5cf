/*
 * --scrape: the server's own view while the sweep runs.  A thread of its
 * own GETs a Prometheus text endpoint (vLLM's or llama-server's
 * /metrics) every interval and at each level's start, appends every
 * sample to the run's scrape CSV (`level,concurrency,time_s,metric,
 * labels,value`), and keeps, per level, the gauges that explain
 * saturation: requests running, requests waiting, KV-cache use.  On its
 * own thread, so a scrape never delays the reading of a token; nothing
 * it meets fails the sweep: a failed GET or a line that does not parse
 * is a warning (the first of each kind) and a count in the sidecar.
 */
#include "collect_int.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/prom.h"
#include "sweepkit/rowfile.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCRAPE_BODY_MAX ((size_t)4 << 20)

/* The gauges kept per level, by the names the servers give them. */
static const char *const gauge_names[SK_SCRAPE_GAUGES][4] = {
    {"vllm:num_requests_running", "llamacpp:requests_processing",
     "sglang:num_running_reqs", NULL},
    {"vllm:num_requests_waiting", "llamacpp:requests_deferred",
     "sglang:num_queue_reqs", NULL},
    {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
     "llamacpp:kv_cache_usage_ratio", "sglang:token_usage"},
};

struct sk_scrape {
    const char *url;
    double interval_s;
    sk_rowfile file; /* the scrape CSV, whole rows */
    int64_t t0; /* the run's clock (CLOCK_MONOTONIC ns) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int quit, kick;
    long level; /* -1 between levels */
    size_t concurrency;
    /* this level's per-scrape gauge values: sum, count, max */
    double sum[SK_SCRAPE_GAUGES], max[SK_SCRAPE_GAUGES];
    size_t n[SK_SCRAPE_GAUGES];
    /* the first warning of each kind: a failed GET, a bad line */
    char warning[2][600];
    int warned[2], warning_new[2];
    size_t scrapes, failures, bad_lines;
    char *body;
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sk_scrape *s = ud;
    size_t len = size * n;
    char *b;

    if (s->len + len > SCRAPE_BODY_MAX ||
        !(b = realloc(s->body, s->len + len + 1)))
        return 0;
    s->body = b;
    memcpy(s->body + s->len, p, len);
    s->len += len;
    return len;
}

/* Keep the first warning of kind k (0: a failed GET, 1: a bad line) for
 * the main thread (locked). */
static void warn(struct sk_scrape *s, int k, const char *fmt,
                 const char *detail)
{
    if (s->warned[k])
        return;
    s->warned[k] = 1;
    snprintf(s->warning[k], sizeof(s->warning[k]), fmt, s->url, detail);
    s->warning_new[k] = 1;
}

static int gauge_of(const sk_prom_sample *x)
{
    int g, k;

    for (g = 0; g < SK_SCRAPE_GAUGES; g++)
        for (k = 0; k < 4 && gauge_names[g][k]; k++)
            if (strlen(gauge_names[g][k]) == x->name_len &&
                memcmp(gauge_names[g][k], x->name, x->name_len) == 0)
                return g;
    return -1;
}

/* One scrape: GET, parse, write the rows, add to the level's gauges. */
static void scrape_once(struct sk_scrape *s, CURL *e)
{
    double t, v[SK_SCRAPE_GAUGES];
    int have[SK_SCRAPE_GAUGES] = {0}, g;
    long level, status = 0;
    size_t conc, at = 0, line = 0;
    char why[CURL_ERROR_SIZE + 32] = "", cells[64];
    FILE *fp;
    char *out = NULL;
    size_t outlen = 0;
    CURLcode cc;

    pthread_mutex_lock(&s->mu);
    level = s->level;
    conc = s->concurrency;
    pthread_mutex_unlock(&s->mu);
    s->len = 0;
    t = (double)(sk_collect__mono_ns() - s->t0) / 1e9;
    cc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK || status != 200) {
        if (cc != CURLE_OK)
            snprintf(why, sizeof(why), "%s", curl_easy_strerror(cc));
        else
            snprintf(why, sizeof(why), "HTTP %ld", status);
        pthread_mutex_lock(&s->mu);
        s->failures++;
        warn(s, 0,
             "--scrape %s: %s; those samples are missing (the sweep goes "
             "on)",
             why);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    if (!(fp = open_memstream(&out, &outlen)))
        return;
    if (level >= 0)
        snprintf(cells, sizeof(cells), "%ld,%zu,", level, conc);
    else
        snprintf(cells, sizeof(cells), ",,");
    while (at < s->len) {
        const char *p = s->body + at, *nl = memchr(p, '\n', s->len - at);
        size_t n = nl ? (size_t)(nl - p) : s->len - at;
        sk_prom_sample x;
        int rc;

        at += n + (nl != NULL);
        line++;
        rc = sk_prom_parse_line(&x, p, n);
        if (rc < 0) {
            char d[300];

            snprintf(d, sizeof(d), "line %zu: %s", line, sk_error_last());
            sk_error_clear();
            pthread_mutex_lock(&s->mu);
            s->bad_lines++;
            warn(s, 1,
                 "--scrape %s: %s; that line is skipped (the sweep goes "
                 "on)",
                 d);
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        if (rc == 0)
            continue;
        fprintf(fp, "%s%.6f,", cells, t);
        sk_format_csv_field(fp, x.name, x.name_len);
        fputc(',', fp);
        sk_format_csv_field(fp, x.labels, strlen(x.labels));
        fprintf(fp, ",%.17g\n", x.value);
        if ((g = gauge_of(&x)) >= 0 && isfinite(x.value)) {
            /* several label sets (models, engines): requests add up, the
             * cache's use is the fullest one's */
            if (!have[g])
                v[g] = x.value;
            else
                v[g] = g == SK_SCRAPE_KV ? fmax(v[g], x.value) : v[g] + x.value;
            have[g] = 1;
        }
    }
    fclose(fp);
    if (outlen && sk_rowfile_write(&s->file, out, outlen) != 0) {
        pthread_mutex_lock(&s->mu);
        s->failures++;
        warn(s, 0, "--scrape %s: %s; those samples are missing (the sweep "
                   "goes on)",
             sk_error_last());
        pthread_mutex_unlock(&s->mu);
        sk_error_clear();
    }
    free(out);
    pthread_mutex_lock(&s->mu);
    s->scrapes++;
    if (level >= 0 && level == s->level)
        for (g = 0; g < SK_SCRAPE_GAUGES; g++)
            if (have[g]) {
                s->sum[g] += v[g];
                s->max[g] = s->n[g] ? fmax(s->max[g], v[g]) : v[g];
                s->n[g]++;
            }
    pthread_mutex_unlock(&s->mu);
}

static void *run(void *arg)
{
    struct sk_scrape *s = arg;
    CURL *e = curl_easy_init();
    long ms = (long)fmin(5000, fmax(100, s->interval_s * 1000));

    if (e)
        sk_collect__get_setup(e, s->url, ms, on_body, s);
    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        struct timespec until;
        int64_t at = sk_collect__mono_ns() + (int64_t)(s->interval_s * 1e9);

        pthread_mutex_unlock(&s->mu);
        if (e)
            scrape_once(s, e);
        pthread_mutex_lock(&s->mu);
        until.tv_sec = (time_t)(at / 1000000000LL);
        until.tv_nsec = (long)(at % 1000000000LL);
        while (!s->quit && !s->kick &&
               pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
            ;
        s->kick = 0;
    }
    pthread_mutex_unlock(&s->mu);
    if (e)
        curl_easy_cleanup(e);
    return NULL;
}

int sk_collect__scrape_start(struct sk_scrape **out,
                             const sk_collect_opts *o, int64_t t0)
{
    static const char head[] = "level,concurrency,time_s,metric,labels,"
                               "value\n";
    struct sk_scrape *s = calloc(1, sizeof(*s));
    pthread_condattr_t ca;
    int rc;

    *out = NULL;
    if (!s)
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((rc = sk_rowfile_open(&s->file, o->scrape_fd, o->scrape_name)) !=
            0 ||
        (rc = sk_rowfile_write(&s->file, head, sizeof(head) - 1)) != 0) {
        free(s);
        return rc;
    }
    s->url = o->scrape_url;
    s->interval_s = o->scrape_interval_s;
    s->t0 = t0;
    s->level = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return sk_error_set(SK_ENOMEM, "--scrape: cannot start a thread");
    }
    *out = s;
    return 0;
}

void sk_collect__scrape_level(struct sk_scrape *s, long level,
                              size_t concurrency)
{
    int g;

    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->level = level;
    s->concurrency = concurrency;
    for (g = 0; g < SK_SCRAPE_GAUGES; g++) {
        s->sum[g] = s->max[g] = 0;
        s->n[g] = 0;
    }
    if (level >= 0)
        s->kick = 1; /* a sample at the level's start */
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void sk_collect__scrape_gauges(struct sk_scrape *s, double mean[], double max[])
{
    int g;

    for (g = 0; g < SK_SCRAPE_GAUGES; g++)
        mean[g] = max[g] = NAN;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    for (g = 0; g < SK_SCRAPE_GAUGES; g++)
        if (s->n[g]) {
            mean[g] = s->sum[g] / (double)s->n[g];
            max[g] = s->max[g];
        }
    pthread_mutex_unlock(&s->mu);
}

int sk_collect__scrape_warning(struct sk_scrape *s, char *out, size_t cap)
{
    int fresh = 0, k;

    if (!s)
        return 0;
    pthread_mutex_lock(&s->mu);
    for (k = 0; k < 2 && !fresh; k++)
        if (s->warning_new[k]) {
            snprintf(out, cap, "%s", s->warning[k]);
            s->warning_new[k] = 0;
            fresh = 1;
        }
    pthread_mutex_unlock(&s->mu);
    return fresh;
}

void sk_collect__scrape_stop(struct sk_scrape *s, size_t counts[3])
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    counts[0] = s->scrapes;
    counts[1] = s->failures;
    counts[2] = s->bad_lines;
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->body);
    free(s);
}
