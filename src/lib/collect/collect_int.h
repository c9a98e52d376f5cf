/*
 * Small helpers the collector's files share (chunk.c, scrub.c; collect.c
 * and identify.c); private to src/lib/collect/.
 */
#ifndef SK_COLLECT_INT_H
#define SK_COLLECT_INT_H

#include "sweepkit/collect.h"
#include "sweepkit/scrub.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds: every time the collector measures. */
static inline int64_t sk_collect__mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A level as the terminal names it: "level 8", or an open loop's
 * "rate 2.5/s" (rate > 0). */
static inline const char *sk_collect__level_name(char *buf, size_t cap,
                                                 double rate,
                                                 size_t concurrency)
{
    if (rate > 0)
        snprintf(buf, cap, "rate %g/s", rate);
    else
        snprintf(buf, cap, "level %zu", concurrency);
    return buf;
}

/* Do the first n bytes of s end in `suffix`? */
static inline int sk_collect__ends_with(const char *s, size_t n,
                                        const char *suffix)
{
    size_t m = strlen(suffix);

    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* splitmix64 (Steele, Lea, Flood 2014): a 64-bit key mixed. */
static inline uint64_t sk_collect__mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The value of hex digit `c` (0-9, a-f, A-F), or -1. */
static inline int sk_collect__hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Ask the server of opts->urls[0] who it is (identify.c): GET
 * PREFIX/v1/models and PREFIX/props at once, with the run's --header lines
 * and API key, for at most 5 s (or opts->timeout_s when shorter), bodies
 * of at most 1 MiB; fills what the answers give into `out` (zeroed by the
 * caller), every string through sk_scrub_text() with `scrub`.  Never
 * fails: what cannot be had stays unset.  Returns early when opts->stop
 * is set.
 */
void sk_collect__identify(sk_collect_server *out, const sk_collect_opts *opts,
                          const sk_scrub *scrub);

/* Keep the `Server:` header of the transfer `easy` (scrubbed, cut) when
 * `out` has none yet. */
void sk_collect__server_header(sk_collect_server *out, CURL *easy,
                               const sk_scrub *scrub);

/* A side GET's handle set up (identify.c): `url`, HTTP/1.1, no signals,
 * no proxy, the collector's User-Agent, at most timeout_ms in all and to
 * connect; its body to `write` with `payload`. */
void sk_collect__get_setup(CURL *e, const char *url, long timeout_ms,
                           curl_write_callback write, void *payload);

/* The path an API's requests go to: "/v1/chat/completions",
 * "/v1/completions", "/completion" (collect.c). */
const char *sk_collect__api_path(enum sk_api api);

/* The URL `base` without an API's path and a final "/v1", then `path`
 * (identify.c); malloc'ed, NULL when out of memory. */
char *sk_collect__probe_url(const char *base, const char *path);

/* Wait until each of opts->urls answers GET /health or /v1/models with
 * 200, polling, for at most opts->wait_ready_s (preflight.c).  Returns 0
 * (also when opts->stop is set), SK_EHTTP ("URL: not ready after
 * --wait-ready S s (last answer: ...)") or SK_ENOMEM. */
int sk_collect__wait_ready(const sk_collect_opts *opts,
                           struct curl_slist *headers);

/* ---- --scrape (scrape.c): a thread sampling a Prometheus endpoint ---- */

enum { SK_SCRAPE_RUNNING, SK_SCRAPE_WAITING, SK_SCRAPE_KV,
       SK_SCRAPE_GAUGES };

struct sk_scrape;

/* Write the scrape CSV's header into opts->scrape_fd, then sample
 * opts->scrape_url every opts->scrape_interval_s onto it (whole rows:
 * rowfile.h), times on the clock that started at t0.  Returns 0, SK_EIO
 * (the header not written) or SK_ENOMEM. */
int sk_collect__scrape_start(struct sk_scrape **out,
                             const sk_collect_opts *opts, int64_t t0);

/* A level starts (its index and concurrency: its gauges reset, a sample
 * taken at once) or ends (level -1).  Accepts NULL. */
void sk_collect__scrape_level(struct sk_scrape *s, long level,
                              size_t concurrency);

/* The level's gauges so far, by SK_SCRAPE_*: the mean and the largest
 * per-scrape value (NaN: the server gave none).  Accepts NULL. */
void sk_collect__scrape_gauges(struct sk_scrape *s, double mean[],
                               double max[]);

/* A warning not said yet (the first failed GET, the first bad line: one
 * per call) into `out`: 1, else 0.  Accepts NULL. */
int sk_collect__scrape_warning(struct sk_scrape *s, char *out, size_t cap);

/* Stop and free; counts: scrapes, failed GETs, lines skipped.  Accepts
 * NULL (counts untouched). */
void sk_collect__scrape_stop(struct sk_scrape *s, size_t counts[3]);

/* A query's target length (synth.c): mean + sd z, z a standard normal
 * keyed by `key` and held within 4, rounded, at least 1; `mean` when sd
 * is 0. */
size_t sk_collect__synth_length(double mean, double sd, uint64_t key);

/* `prefix` and then `nwords` words of a fixed cycle, one space apart
 * (synth.c); malloc'ed, its length in *len; NULL when out of memory. */
char *sk_collect__synth_text(size_t nwords, const char *prefix, size_t *len);

#endif
