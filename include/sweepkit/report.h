/*
 * Reports: one Markdown page (report.md) with its PNG charts and a
 * report.json for every sweep found among files and directories, what
 * `sweepkit report` writes (docs/report.md).  Every number comes from the
 * analysis modules (runset, summarize, stats, saturation, recommend) and
 * every chart from chart_sweep.h; this module composes and formats them.
 *
 * Use: sk_report_new() checks the output directory, reads the inputs and
 * analyses every run; sk_report_write() draws the charts and writes the
 * directory (built aside and renamed into place: outdir.h).
 * sk_report_write_json() and sk_report_write_md() give the same two texts
 * to any FILE *.
 *
 * Notes: inputs skipped and charts or series left out are told to the
 * caller's note function, in the order they happen, as one line without
 * a prefix ("fixtures/x.csv: skipped: ..."); nothing here prints.
 *
 * Ownership: sk_report_new() returns an object freed by sk_report_free().
 * The inputs, title and command in sk_report_opts are borrowed and must
 * outlive the report (the budgets are copied).  Strings returned are
 * borrowed from the report.
 * Thread-safety: one report must not be used by two threads at once.  The
 * analysis calls GSL, whose default error handler aborts the process:
 * call gsl_set_error_handler_off() once at program start (the sweepkit
 * CLI does).
 */
#ifndef SWEEPKIT_REPORT_H
#define SWEEPKIT_REPORT_H

#include "sweepkit/recommend.h"

#include <stddef.h>
#include <stdio.h>

/* At most this many TTFT budgets. */
#define SK_REPORT_MAX_BUDGETS 16

typedef struct sk_report sk_report;

/* One note for the caller to show: `note` is valid during the call. */
typedef void (*sk_report_note_fn)(void *payload, const char *note);

typedef struct {
    const char *const *inputs; /* files and directories (not "-"); >= 1 */
    size_t ninputs;
    const char *out_dir;          /* NULL: results/report_<YYYYmmdd_HHMMSS>
                                     (local time), -2, -3 ... when taken */
    const char *title;            /* NULL: "Sweep report" */
    const double *ttft_budgets_s; /* each > 0; NULL/0: 1, 2.5 and 5 s */
    size_t nbudgets;              /* at most SK_REPORT_MAX_BUDGETS */
    enum sk_ttft_stat ttft_stat;  /* what the budgets apply to */
    const char *command;          /* the command line recorded in the page,
                                     report.json and the charts; NULL:
                                     "sweepkit report" */
    const char *version;          /* sweepkit's version for the generator
                                     and the charts' metadata; NULL: "dev" */
    sk_report_note_fn note;       /* NULL: notes are dropped */
    void *note_payload;
    const char *const *names;     /* "FILE=NAME" (--name): the run read
                                     from FILE is called NAME (runset.h's
                                     sk_runset_rename_spec()) */
    size_t nnames;
    int html;                     /* also write report.html: the page as
                                     one self-contained HTML file, the
                                     charts inline as SVG */
} sk_report_opts;

/* Defaults: no inputs, avg TTFT, every pointer NULL. */
void sk_report_opts_init(sk_report_opts *opts);

/*
 * Check the output directory (nothing is created yet: sk_outdir_new()),
 * then read the inputs into runs (runset.h; each file skipped is a note,
 * given even when loading fails) and analyse every run: saturation, one
 * recommendation per budget, per-query percentiles.  Runs with a measured
 * throughput come first, in the order found.
 * Returns 0 and the report in *out (freed with sk_report_free()); or,
 * with *out NULL, the first failure: SK_EINVAL (bad options, an output
 * directory that is not one, "-" among the inputs), SK_EIO, SK_EPARSE,
 * SK_ENOTFOUND, SK_ENODATA (no sweep among the inputs), SK_ENOMEM, with
 * sk_error_last() as the CLI prints it.
 */
int sk_report_new(sk_report **out, const sk_report_opts *opts);

/*
 * Draw the charts (a chart with nothing to draw is left out with a note
 * and the reason on the page) and write report.json, then report.md, into
 * a staging directory renamed onto the output directory when complete.
 * Call once.  Returns 0, SK_EIO ("PATH: cannot write..."), SK_ENOMEM, or a
 * chart's failure; nothing is left behind on failure.
 */
int sk_report_write(sk_report *rep);

/* The path of report.md in the output directory ("DIR/report.md", DIR
 * without trailing slashes), what the CLI prints. */
const char *sk_report_md_path(const sk_report *rep);

/* Files in a directory input that looked like sweep data but could not be
 * read or were malformed (sk_runset_skipped()): each was a note. */
size_t sk_report_skipped(const sk_report *rep);

/* Runs in the report. */
size_t sk_report_runs(const sk_report *rep);

/*
 * report.json's text (two-space indent, numbers at 17 significant
 * digits) into `fp`: the charts listed are those sk_report_write() drew
 * (none before it).  Returns 0, SK_ENOMEM, SK_EIO ("report.json: cannot
 * write").
 */
int sk_report_write_json(const sk_report *rep, FILE *fp);

/* report.md's text into `fp`, charts as sk_report_write_json() says.
 * Returns 0, or SK_EIO ("report.md: cannot write") when `fp` has an
 * error. */
int sk_report_write_md(const sk_report *rep, FILE *fp);

/* Free the report and any staging directory left.  NULL is fine. */
void sk_report_free(sk_report *rep);

#endif
