/*
 * The result model the readers of other tools' files fill (private to
 * foreign/): levels with sweepkit's metrics, and per-request rows.  NaN
 * is "not in the data".  foreign.c writes it out as sweepkit's CSV.
 */
#ifndef SK_FOREIGN_INT_H
#define SK_FOREIGN_INT_H

#include "sweepkit/foreign.h"

#include <jansson.h>
#include <stddef.h>

#define FL_MAX_EXTRA 8

/* A metric kept under the tool's own name (its definition differs). */
struct fl_extra {
    const char *name; /* static */
    double v;
};

struct fl_level {
    double concurrency;  /* NaN: an open-loop run */
    double request_rate; /* requests/s of an open-loop run, else NaN */
    double queries, errors, wall_s, total_output_tokens, throughput;
    double avg_query_tps, median_query_tps, p90_query_tps;
    double avg_ttft, median_ttft, p90_ttft, p99_ttft;
    double avg_decode_tps, median_decode_tps, p90_decode_tps;
    double achieved_concurrency;
    double avg_e2e, p99_e2e; /* request latency: send to last byte, s */
    struct fl_extra extra[FL_MAX_EXTRA];
    size_t nextra;
};

struct fl_query {
    double concurrency;
    double ttft_s, output_tokens, input_tokens, tokens_per_s;
    double decode_tokens_per_s, start_s, end_s;
    char *error; /* owned; NULL: succeeded */
    int unplaced; /* its level is to come from a summary export beside it
                     (AIPerf's records carry no concurrency) */
};

struct fl_set {
    const char *file; /* the file being read, for messages */
    struct fl_level *lv;
    size_t nlv, lvcap;
    struct fl_query *q;
    size_t nq, qcap;
    double dir_concurrency; /* from the directory's name, else NaN */
};

/* A new level (every metric NaN) appended to s, or NULL (SK_ENOMEM set). */
struct fl_level *fl_level_add(struct fl_set *s);

/* A new request row (metrics NaN, no error), or NULL (SK_ENOMEM set). */
struct fl_query *fl_query_add(struct fl_set *s);

/* Keep `v` under `name` (a static string) on level l; extras past
 * FL_MAX_EXTRA are dropped. */
void fl_extra(struct fl_level *l, const char *name, double v);

/* JSON helpers: member `key` of `o` as a number (an integer or a real;
 * NaN when absent, null or not a number), divided by `per_s`: the units
 * in a second for a time (1e3 for ms, 1e9 for ns), else 1. */
double fl_num(const json_t *o, const char *key, double per_s);

/* The per-query speeds sweepkit derives (metrics.h) from output_tokens,
 * ttft_s and the request's latency, where the tool gave none. */
void fl_query_speeds(struct fl_query *q, double latency_s);

/* A time unit's count per second ("ms" 1e3, "us" 1e6, "ns" 1e9, "s" and
 * "sec" 1), or 0 for a unit that is not one. */
double fl_per_second(const char *unit);

/* JSON Lines: whether the first non-blank line of buf is a JSON object by
 * itself; and each non-blank line's object handed to fn with its line
 * number (the first failure, or a line that is not JSON, stops it with
 * "FILE: TOOL: line N: ..."). */
int fl_json_lines(const char *buf, size_t len);
int fl_each_line(struct fl_set *s, sk_foreign_format f, const char *buf,
                 size_t len,
                 int (*fn)(struct fl_set *s, const json_t *o, size_t line,
                           void *payload),
                 void *payload);

/* Split one CSV line in place into at most `max` cells (quotes honoured:
 * a quoted cell keeps its commas, "" is a quote); returns the count. */
size_t fl_csv_cells(char *line, char **out, size_t max);

/* "FILE: TOOL result: MESSAGE" as an SK_EPARSE error; returns it. */
int fl_bad(const struct fl_set *s, sk_foreign_format f, const char *fmt,
           ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The readers: add what `buf` (`len` bytes, NUL-terminated; the vLLM
 * and CSV readers rewrite it in place) holds to s.  Return 0 or an error with
 * its message. */
int fl_read_vllm(struct fl_set *s, char *buf, size_t len);
int fl_read_vllm_sweep(struct fl_set *s, char *buf, size_t len);
int fl_read_genai_perf(struct fl_set *s, char *buf, size_t len);
int fl_read_aiperf(struct fl_set *s, const char *buf, size_t len);
int fl_read_guidellm(struct fl_set *s, const char *buf, size_t len);

/* The statistics-per-metric JSON GenAI-Perf and AIPerf share, as one
 * level (genai_perf.c); `f` names the tool in messages. */
int fl_read_genai_perf_json(struct fl_set *s, const json_t *o,
                            sk_foreign_format f);

#endif
