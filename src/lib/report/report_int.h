/*
 * The report's layout, shared by the files of src/lib/report/ only:
 * report.c (the model: one analysis per run, names, the output
 * directory), report_charts.c (the charts and their markers),
 * report_md.c (report.md and the sentences) and report_json.c
 * (report.json).
 */
#ifndef SK_REPORT_INT_H
#define SK_REPORT_INT_H

#include "sweepkit/compare.h"
#include "sweepkit/outdir.h"
#include "sweepkit/provenance.h"
#include "sweepkit/recommend.h"
#include "sweepkit/report.h"
#include "sweepkit/runset.h"
#include "sweepkit/saturation.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"

#include <jansson.h>

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define MAX_BUDGETS SK_REPORT_MAX_BUDGETS
#define MAX_CHARTS 2
#define MSG 600

#define DASH "\xE2\x80\x93" /* "–": no value */

/* The per-query percentile table: p50, p90, p99 of three columns. */
extern const double sk_report__pcts[3];
extern const char *const sk_report__pct_fields[3];

/* Summary columns beyond the 14, used when present (the collector and
 * `summarize` write them): sk_summarize_extra_columns, errors first. */
#define NEXTRA SK_SUMMARIZE_NEXTRA
#define extra_cols sk_summarize_extra_columns

/* ---- the analysis of one run --------------------------------------------- */

struct sat {
    int ok;          /* 0: no answer, error says why */
    char error[MSG];
    struct sk_saturation_result r; /* sweepkit saturation's answer */
    sk_sweep *kept;  /* the levels it read, which r borrows (owned) */
};

struct rec {
    int ok;
    char error[MSG];
    sk_recommend_result r;
    char text[SK_RECOMMEND_PARAGRAPH_MAX];
    struct sk_sweep_left_out left_out; /* as `recommend` names them */
    char flags[160];
};

struct pct_level {
    const char *key; /* the concurrency as written, borrowed from
                        run->queries */
    size_t queries;
    double v[3][3]; /* pct_fields x pcts; NaN when a column is empty */
    double ci[3][3][2]; /* their intervals' ends (summarize.h, at
                           SK_STATS_CONFIDENCE); NaN: too few values */
};

struct chart_ref {
    char file[160]; /* in the report directory */
    const char *kind;
    unsigned width, height;
    char alt[400], caption[600];
    char *svg;      /* the chart as SVG, for report.html (owned; NULL
                       without --html) */
    size_t svg_len;
};

struct run_rep {
    const struct sk_runset_run *run;
    char slug[120];
    char anchor[200];
    size_t n;
    const double *conc, *queries, *tput, *avg_ttft, *p90_ttft, *avg_decode,
        *avg_query;
    const double *extra[NEXTRA];
    struct sat sat;
    sk_sweep *drawn; /* the run's sweep without failed levels, for the
                        charts (owned; NULL: every level failed) */
    struct rec rec[MAX_BUDGETS];
    struct pct_level *pct; /* per level, from run->queries; NULL for a
                              summary alone */
    size_t npct;
    struct chart_ref charts[MAX_CHARTS];
    size_t ncharts;
    char chart_error[MSG];
};

/* Runs of one configuration (runset.h's sk_runset_config()): two or
 * more, combined level by level (compare.h's sk_repeats_combine()). */
struct repeat_set {
    size_t *runs;  /* indexes into sk_report.runs */
    size_t n;
    struct sk_repeat_level *levels;
    size_t nlevels;
};

struct sk_report {
    const char *title, *command, *version;
    sk_provenance host; /* the machine, read once (provenance.h) */
    time_t made;        /* when: report.json's date, report.md's */
    double budgets[MAX_BUDGETS];
    size_t nbudgets;
    enum sk_ttft_stat stat;
    const char *const *inputs;
    size_t ninputs;
    struct run_rep *runs;
    size_t nruns;
    struct repeat_set *repeats;
    size_t nrepeats;
    struct chart_ref overlay;
    int has_overlay;
    struct chart_ref repeats_chart; /* each set's mean throughput and its
                                       interval */
    int has_repeats_chart;
    char overlay_note[MSG];
    sk_report_note_fn note;
    void *note_payload;
    sk_runset *rs;
    sk_outdir *od;
    char *md_path; /* DIR/report.md */
    int written;
    int html; /* write report.html too */
};

/* ---- shared helpers ------------------------------------------------------ */

/* Any value of v[0..n) that is not NaN (v may be NULL). */
int sk_report__any_value(const double *v, size_t n);

/* Value i of a column that may be absent. */
double sk_report__at(const double *v, size_t i);

/* Copy sk_error_last() into a MSG-byte buffer. */
void sk_report__copy_error(char *buf);

/* Tell the caller one note, printf-style. */
void sk_report__note(const struct sk_report *rep, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Draw every run's charts and the overlay into `dir` (report_charts.c). */
int sk_report__draw_charts(struct sk_report *rep, const char *dir);


/* report.md's text into fp; errors are left in ferror(fp) (report_md.c). */
void sk_report__md(FILE *fp, const struct sk_report *rep);

/* report.html into fp: report.md's text as HTML, the charts inline as
 * SVG (report_html.c).  0, SK_ENOMEM or SK_EIO. */
int sk_report__html(FILE *fp, const struct sk_report *rep);

/* GitHub's heading anchor: lower case, spaces to '-', other punctuation
 * but '-' and '_' dropped (bytes >= 0x80 kept) (report.c). */
void sk_report__anchor(char *buf, size_t cap, const char *heading);

/* report.json's tree, or NULL when out of memory (report_json.c). */
json_t *sk_report__json(const struct sk_report *rep);

#endif
