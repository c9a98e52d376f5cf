/*
 * Recommend a concurrency level from a sweep summary: the highest measured
 * level that meets every constraint given (a TTFT budget, a minimum
 * per-query speed, a throughput goal), or, for a throughput goal alone,
 * the lowest level that reaches it; plus an interpolated estimate of where
 * the limit lies between two measured levels, and a paragraph for people.
 *
 * The columns used are those of the summary schema (docs/metrics.md):
 * `<stat>_ttft_s`, `avg_query_tokens_per_s`, `throughput_tokens_per_s`.
 * Definitions and worked examples: docs/recommend.md.
 *
 * Ownership: the caller owns every struct here; nothing is allocated for
 * the caller and the result holds no pointers.
 * Thread-safety: every function is reentrant.  The functions that
 * interpolate call GSL, whose default error handler aborts the process:
 * call gsl_set_error_handler_off() once at program start (the sweepkit
 * CLI does).  Every GSL status is checked.
 */
#ifndef SWEEPKIT_RECOMMEND_H
#define SWEEPKIT_RECOMMEND_H

#include "sweepkit/format.h"
#include "sweepkit/sweep.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Which TTFT statistic a budget applies to. */
enum sk_ttft_stat {
    SK_TTFT_AVG,    /* avg_ttft_s */
    SK_TTFT_MEDIAN, /* median_ttft_s */
    SK_TTFT_P90,    /* p90_ttft_s */
    SK_TTFT_P99     /* p99_ttft_s (not in the 14-column schema; an extra) */
};

/* A constraint, as named in results. */
enum sk_recommend_limit {
    SK_LIMIT_NONE,       /* nothing binds within the measured levels */
    SK_LIMIT_TTFT,       /* the TTFT statistic <= the budget */
    SK_LIMIT_QUERY_TPS,  /* avg_query_tokens_per_s >= the minimum */
    SK_LIMIT_THROUGHPUT, /* throughput_tokens_per_s >= the goal */
    SK_LIMIT_ERROR_RATE, /* errors / queries <= the maximum */
    SK_LIMIT_SLO_SHARE   /* slo_share (summarize --slo) >= the minimum */
};

/* Columns read besides the TTFT statistic's. */
#define SK_RECOMMEND_QUERY_TPS_COLUMN "avg_query_tokens_per_s"
#define SK_RECOMMEND_THROUGHPUT_COLUMN "throughput_tokens_per_s"

/* A buffer this large always holds sk_recommend_paragraph()'s text. */
#define SK_RECOMMEND_PARAGRAPH_MAX 1024

/* The constraints.  NaN means "not given"; at least one must be given and
 * every given one must be finite and > 0.  Limits are inclusive. */
typedef struct {
    double ttft_budget_s;                /* TTFT statistic <= this */
    enum sk_ttft_stat ttft_stat;         /* which statistic; default avg */
    double min_query_tokens_per_s;       /* avg per-query tok/s >= this */
    double throughput_goal_tokens_per_s; /* throughput >= this */
    double max_error_rate;               /* errors / queries <= this, a
                                            fraction in [0, 1) */
    double min_slo_share;                /* slo_share >= this, a fraction
                                            in (0, 1] */
    /* Which qualifying level (sk_recommend()): 0, knee-aware (default):
     * the lowest whose throughput is within `tolerance` of the best
     * qualifying throughput (past it more concurrency only queues);
     * 1: the highest (--policy max). */
    int policy_max;
    double tolerance;                    /* a fraction; default 0.05 */
} sk_recommend_opts;

/* The default tolerance of the knee-aware policy. */
#define SK_RECOMMEND_TOLERANCE 0.05

/*
 * One sweep as arrays, one value per level.  `concurrency` must be finite,
 * > 0 and strictly increasing.  `ttft_s` (the chosen statistic) is
 * required with a TTFT budget, `query_tokens_per_s` with a minimum
 * per-query speed and `throughput_tokens_per_s` with a throughput goal
 * only (a sweep without wall times, as summarised from a per-query file
 * without start/end times, is answered from TTFT and query speed).  A
 * required array may hold no NaN.  An array that is not required may be
 * NULL or hold NaN: it is then only left out of the description, and the
 * peak is known only when throughput is known at every level.  The
 * arrays are borrowed for the duration of the call.
 */
typedef struct {
    const char *name;                /* used in messages ("s.csv"); or NULL */
    size_t n;                        /* levels; at least 2 */
    const double *concurrency;
    const double *ttft_s;
    const double *query_tokens_per_s;
    const double *throughput_tokens_per_s;
    const double *error_rate;        /* errors / queries; required with a
                                        maximum error rate */
    const double *slo_share;         /* required with a minimum share */
    /* The upper ends of the TTFT statistic's interval (summarize
     * --confidence, `<stat>_ttft_s_hi`) and its confidence; NULL or NaN:
     * no interval (the mean, a summary without them). */
    const double *ttft_hi;
    double confidence;
} sk_recommend_levels;

/* What sk_recommend() found.  Values are those of the measured level
 * `index`; NaN when unknown. */
typedef struct {
    sk_recommend_opts opts;     /* the constraints, as given */
    int found;                  /* 1: a level qualifies; 0: none does */
    int lowest;                 /* 1: throughput goal alone, so the lowest
                                   level reaching it; 0: the highest level
                                   meeting every constraint */
    size_t index;               /* the recommended level or, when !found,
                                   the closest one */
    double concurrency;
    double ttft_s;              /* the chosen statistic */
    double query_tokens_per_s;
    double throughput_tokens_per_s;
    double error_rate;          /* errors / queries (NaN: not known) */
    double slo_share;           /* (NaN: not known) */
    double peak_throughput_tokens_per_s; /* highest measured throughput;
                                            NaN when throughput is not
                                            known at every level */
    double peak_concurrency;             /* where it was measured */
    double peak_share;          /* throughput / peak, in [0, 1]; NaN
                                   when the peak is unknown or no
                                   throughput is > 0 */
    /* found: the constraint that stops the answer moving (up, or down for
     * a goal alone); !found: the one missed by the widest margin at the
     * closest level. */
    enum sk_recommend_limit binding;
    /* found: the measured level just past the answer (above it, or below
     * it for a goal alone), which fails `binding`, and the binding
     * metric's value there; NaN when the answer is the last level in that
     * direction. */
    double neighbour_concurrency;
    double neighbour_value;
    /* found: the concurrency between the answer and the neighbour where
     * the binding metric crosses its limit on a monotone interpolant;
     * NaN when there is no neighbour. */
    double estimate_concurrency;
    /* found, not a goal alone: the highest level meeting every
     * constraint (the binding constraint, neighbour and estimate are
     * about it); the knee-aware answer may lie below it, and then
     * `knee` is 1 and the ceiling's throughput gain over the answer (a
     * fraction) and TTFT statistic ratio are given (NaN: unknown). */
    double ceiling_concurrency;
    int knee;
    double ceiling_throughput_gain;
    double ceiling_ttft_ratio;
    /* The upper end of the TTFT statistic's interval at the answer (NaN:
     * none, or too few queries there for one), the intervals' confidence
     * (NaN: the levels have none), and, found with a TTFT budget, whether
     * the budget holds with that confidence: 1 (the upper end is within
     * it), 0 (only the point estimate is), -1 (not known). */
    double ttft_hi;
    double confidence;
    int budget_confident;
    int steady; /* throughput is the steady-state figure (sweep.h's
                   SK_SWEEP_STEADY; sk_recommend_sweep() sets it) */
} sk_recommend_result;

/* Set every constraint to "not given" and the statistic to avg. */
void sk_recommend_opts_init(sk_recommend_opts *opts);

/* "avg", "median", "p90" or "p99" into *out; SK_EINVAL otherwise. */
int sk_recommend_stat_parse(enum sk_ttft_stat *out, const char *name);

/* "avg", "median", "p90", "p99". */
const char *sk_recommend_stat_name(enum sk_ttft_stat stat);

/* The summary column of a statistic: "avg_ttft_s" ... "p99_ttft_s". */
const char *sk_recommend_stat_column(enum sk_ttft_stat stat);

/* "ttft", "query_tps", "throughput" or "none". */
const char *sk_recommend_limit_name(enum sk_recommend_limit limit);

/*
 * Recommend a level (definitions in docs/recommend.md).  A level passes
 * when every given constraint holds there.  With a TTFT budget or a
 * minimum per-query speed the answer is the highest passing level; with a
 * throughput goal alone it is the lowest passing level.  The estimate
 * interpolates the binding metric over log2(concurrency) with Steffen's
 * monotone cubic (GSL gsl_interp_steffen; linear with two levels) and
 * finds the crossing by bisection.  When no level passes, out->found is 0
 * and out describes the closest level: the one whose worst constraint is
 * missed by the smallest factor.
 *
 * Returns 0 (found or not), SK_EINVAL (no constraint, a limit not > 0,
 * concurrency not increasing), SK_ENODATA (fewer than 2 levels, a required
 * value missing), SK_ENOMEM; *out is fully written only on 0.
 */
int sk_recommend(sk_recommend_result *out, const sk_recommend_levels *lv,
                 const sk_recommend_opts *opts);

/*
 * sk_recommend() over a loaded summary: reads the chosen statistic's
 * column (`<stat>_ttft_s`), `avg_query_tokens_per_s` and
 * `throughput_tokens_per_s`, each required only by its constraint: an
 * empty or missing throughput column is fine without a throughput goal.
 * The statistic's interval (`<stat>_ttft_s_hi`, `confidence`) is used
 * when the summary has it.
 * Adds to sk_recommend()'s errors those of sk_sweep_column() for a
 * required column (SK_ENOTFOUND naming the file and column, SK_EPARSE).
 * A column that is not required is used for the description when it
 * exists and is ignored otherwise.
 */
int sk_recommend_sweep(sk_recommend_result *out, const sk_sweep *s,
                       const sk_recommend_opts *opts);

/*
 * Write one paragraph describing `r` into buf (NUL-terminated): the level,
 * its metric values, the binding constraint, throughput as a share of the
 * peak, the interpolated estimate; or, when nothing qualifies, the closest
 * level and what it misses.  Unknown values (NaN) are left out: with
 * throughput unknown the text names neither throughput nor the peak.
 * Returns 0, or SK_ELIMIT when `cap` is too small
 * (SK_RECOMMEND_PARAGRAPH_MAX always suffices).
 */
int sk_recommend_paragraph(char *buf, size_t cap,
                           const sk_recommend_result *r);

/* One input's recommendation as the writers print it. */
struct sk_recommend_entry {
    const char *file;       /* as shown: the sweep's name ("FILE" or, for
                               a group of a grid, "FILE [KEY]"); borrowed */
    const char *group;      /* the group key (sk_sweep_group()), "" for a
                               whole file; borrowed */
    int best;               /* 0: not compared (one sweep in its file);
                               1: the best of its file's groups; -1:
                               another group (sk_recommend_best()) */
    size_t nconfigs;        /* the groups compared (with best != 0) */
    struct sk_sweep_left_out left_out; /* levels not considered */
    char flags[160];        /* the answer's sample-size flags
                               (sk_sweep_level_flags()), or "" */
    sk_recommend_result r;  /* sk_recommend_sweep()'s result */
    char text[SK_RECOMMEND_PARAGRAPH_MAX]; /* sk_recommend_paragraph(r) */
};

/*
 * One sweep's entry (a whole file or a group of a grid): the levels
 * sk_sweep_analysable() keeps with `flags` (SK_SWEEP_PARTIAL,
 * SK_SWEEP_STEADY), sk_recommend_sweep(), the paragraph.  e->file and
 * e->group are borrowed from `s`.  Returns 0 or the first failure with
 * its message.  Thread-safe.
 */
int sk_recommend_analyse(struct sk_recommend_entry *e, const sk_sweep *s,
                         const sk_recommend_opts *opts, unsigned flags);

/*
 * The best of the n entries of one file's groups for the question asked:
 * among those with a qualifying level, for a throughput goal alone the
 * one reaching it at the lowest concurrency (ties: more throughput), else
 * the one with the most throughput at its recommended level (unknown
 * throughput: the highest concurrency); ties to the first.  When n > 1
 * marks e[i].best and nconfigs; returns the index, or n when no entry
 * qualifies (or n <= 1).
 */
size_t sk_recommend_best(struct sk_recommend_entry *e, size_t n);

/*
 * Write `n` entries to `fp` in `fmt` (docs/recommend.md).  Table and
 * Markdown: one row per entry (file, found, concurrency, the `stat` TTFT,
 * query and throughput tok/s, share of peak, binding limit, estimate;
 * "-" when unknown), then each entry's paragraph after a blank line.
 * CSV and JSON: one record per entry with every field of the result,
 * numbers as the
 * shortest round trip (empty / null when unknown), and the paragraph as
 * "summary"; JSON is an object with the members of `head` (the
 * provenance keys; NULL: none), then "results", one sk_recommend_json()
 * object per entry.  Flushes `fp`.
 * Returns 0, or SK_EIO ("writing the output failed") when a write to `fp`
 * fails.
 */
int sk_recommend_write(FILE *fp, const struct sk_recommend_entry *recs,
                       size_t n, enum sk_ttft_stat stat, sk_format fmt,
                       const json_t *head);

/*
 * One entry as a JSON object (json.h), the one serializer for `sweepkit
 * recommend --format json` and report.json's recommendations: the keys
 * of the CSV record (file, found, concurrency, ttft_stat, ttft_s,
 * ttft_budget_s, avg_query_tokens_per_s, min_query_tokens_per_s,
 * throughput_tokens_per_s, throughput_goal_tokens_per_s,
 * peak_throughput_tokens_per_s, peak_concurrency, peak_share, binding,
 * neighbour_concurrency, neighbour_value, estimate_concurrency, summary)
 * with `error` after `file`: NULL, or why there is no answer, when only
 * the file and the constraints (e->r.opts) are given and the rest is
 * null.  Returns a new reference, or NULL when out of memory.
 */
json_t *sk_recommend_json(const struct sk_recommend_entry *e,
                          const char *error);

/* The reason the best entry was chosen (sk_recommend_best()), for the
 * "best of N configurations (WHY)" line: a static string. */
const char *sk_recommend_best_reason(const struct sk_recommend_entry *e);

/* Write the line for an entry where nothing qualifies (e->r.found == 0):
 * "FILE: no measured level meets every constraint (closest: concurrency
 * C)" and a newline.  Write errors show in ferror(fp). */
void sk_recommend_write_miss(FILE *fp, const struct sk_recommend_entry *e);

#endif
