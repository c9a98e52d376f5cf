/*
 * What `sweepkit plot` does once its options are read (docs/plot.md):
 * load the runs a chart needs (summaries, per-query samples), name them,
 * build the sweep chart (chart_sweep.h), add the markers (--mark-x, each
 * run's measured knee from saturation.h, its recommended level under a
 * TTFT budget from recommend.h) and write the chart file; and read a
 * --batch job file, one chart's arguments a line.  Option parsing and
 * exit statuses stay with the caller.
 *
 * Nothing here prints: what the user should still hear of (a run without
 * a knee, a marker a chart has no axis for, the chart's own notes) goes
 * to the caller's note function, in the order it happens.
 *
 * Thread-safety: none of these functions share state; the chart module's
 * caveats (fontconfig set-up) apply to sk_plot_write().
 */
#ifndef SWEEPKIT_PLOT_H
#define SWEEPKIT_PLOT_H

#include "sweepkit/chart_sweep.h"

#include <stddef.h>

/* Most runs (summaries or per-query files) one chart draws. */
#define SK_PLOT_MAX_RUNS 64

/* A vertical marker at a concurrency ("--mark-x X[:LABEL]"). */
struct sk_plot_mark {
    double x;          /* > 0 */
    const char *label; /* NULL: none; borrowed */
};

/*
 * Parse "X[:LABEL]" into *m; the label points into `arg`, which is left
 * unchanged and must outlive *m.  Returns 0, or SK_EINVAL with
 * "--mark-x: ..." in sk_error_last() (X not a number, or not above 0).
 */
int sk_plot_mark_parse(struct sk_plot_mark *m, const char *arg);

/*
 * Parse a canvas size in pixels, 200 to 16384, into *out; `what` names
 * the option in the message ("--width").  Returns 0, or SK_EINVAL (or
 * the units parser's code) with the message in sk_error_last().
 */
int sk_plot_size_parse(unsigned *out, const char *s, const char *what);

/* One note for the caller to show: `note` is valid during the call. */
typedef void (*sk_plot_note_fn)(void *payload, const char *note);

/* One chart to make.  Every pointer is borrowed for the call. */
typedef struct {
    const char *output;          /* chart file: .png, .svg or .pdf */
    sk_chart_plot_opts plot;     /* kind, layout, title, TTFT budget/stat */
    sk_chart_render_opts render; /* canvas and metadata; `sources` is
                                    filled in (the inputs, comma-joined) */
    const char *const *files;    /* summary CSVs, one run each */
    size_t nfiles;
    const char *const *per_query; /* per-query CSVs: the i-th belongs to
                                     the i-th summary; with no summaries,
                                     the runs themselves */
    size_t nper_query;
    const char *const *labels;   /* legend names of the first nlabels
                                    runs; the rest are named from their
                                    paths ("summary_gemma.csv" -> "gemma") */
    size_t nlabels;
    const struct sk_plot_mark *marks; /* drawn on every concurrency axis */
    size_t nmarks;
    int mark_saturation;         /* mark each run's knee (10% rule) */
    const char *group_by;        /* a grid's grouping columns (sweep.h's
                                    sk_sweep_set_load()); NULL: automatic */
    unsigned flags;              /* sk_sweep_analysable()'s:
                                    SK_SWEEP_PARTIAL draws partial levels
                                    too, SK_SWEEP_STEADY the steady-state
                                    throughput */
    sk_plot_note_fn note;        /* NULL: notes are dropped */
    void *note_payload;
} sk_plot_opts;

/* Zero *o: the default kind (throughput), no inputs, no markers. */
void sk_plot_opts_init(sk_plot_opts *o);

/*
 * Make the chart `o` describes and write it to o->output.  The runs are
 * the nfiles summaries, or the nper_query per-query files when nfiles is
 * 0 (1 to SK_PLOT_MAX_RUNS; the caller checks the counts).  A summary
 * holding a grid gives one run per configuration, labelled with its key;
 * when there are more than SK_CHART_RUN_STYLES of them, those with the
 * highest peak throughput are drawn and the rest counted in a note.
 * Failed levels, and partial ones unless SK_SWEEP_PARTIAL, are left out
 * (sk_sweep_analysable()) with a note naming them.  With a TTFT budget
 * the TTFT panel marks each run's recommended level; with
 * mark_saturation each run's knee.  The chart's notes go to o->note after
 * the write, also when it failed.
 * Returns 0, or the code of the first failure with its message in
 * sk_error_last(): a summary or per-query file that cannot be read
 * (SK_EIO, SK_EPARSE, ...), sk_chart_plot_new()'s codes, SK_ENOMEM, or
 * the chart write's.  Nothing is left allocated.
 */
int sk_plot_write(const sk_plot_opts *o);

/*
 * A --batch job file: one chart a line, each line the arguments of one
 * `sweepkit plot` as a POSIX shell splits plain words and quotes (blanks
 * separate words, '...' is literal, "..." keeps \" and \\ escapes, a
 * backslash outside quotes escapes the next character, a word starting
 * with '#' starts a comment).  Blank lines and comments are skipped.
 */
typedef struct sk_plot_batch sk_plot_batch;

/* Open `path` ("-" = standard input, not closed at the end).  Returns 0,
 * or SK_EIO ("PATH: cannot read: REASON") or SK_ENOMEM.  Free *out with
 * sk_plot_batch_free(). */
int sk_plot_batch_open(sk_plot_batch **out, const char *path);

/*
 * The next job: returns 1 with *argc words in *argv (argv[0] is "plot",
 * argv[*argc] is NULL; valid until the next call), 0 at the end of the
 * file, SK_EINVAL for a line that cannot be split (longer than 64 KiB, a
 * NUL byte, an unterminated quote, more than 255 words; go on with the
 * next call) or SK_EIO for a read error (then 0).  The message in
 * sk_error_last() does not name the place: the line is
 * sk_plot_batch_line(), the file the caller's path ("read error: ..."
 * for SK_EIO).
 */
int sk_plot_batch_next(sk_plot_batch *b, int *argc, char ***argv);

/* The line number of the job sk_plot_batch_next() returned last. */
size_t sk_plot_batch_line(const sk_plot_batch *b);

/* Close the file (unless standard input) and free `b`; NULL is fine. */
void sk_plot_batch_free(sk_plot_batch *b);

#endif
