/*
 * Runs: the sweep CSVs among a list of files and directories, recognised by
 * their header (not their name), loaded, and paired into runs.  A run is a
 * summary (sweep.h), a per-query file (summarize.h), or both when they come
 * from the same sweep.  `sweepkit report` is built on it.
 *
 * Recognition (sk_runset_kind_of()): a header with `concurrency` and
 * `throughput_tokens_per_s` (or the seed tools' `throughput_tps`) is a
 * summary, one holding a configuration grid giving one run per
 * configuration (sweep.h's automatic grouping); one with `concurrency`,
 * `ttft_s`, `tokens_per_s` and `output_tokens` is a per-query file (a
 * header with both sets counts as a summary); anything else is another
 * CSV, skipped with a note.  Directories are read one level deep (no
 * recursion): the entries whose name ends in ".csv" (any case) and does not
 * start with '.', in byte order of their names.  Each entry is looked at
 * with lstat()/stat() before it is opened; one that is not a regular file
 * (a dangling link, a link loop, a subdirectory, a FIFO, a device, a
 * socket: never opened) is skipped with a note saying which, and so is a
 * regular file that cannot be read ("unreadable: ...") or whose loader
 * fails ("malformed: " and the reader's FILE:LINE error): the rest are
 * read.  Each file is opened and read once, by sk_runset_add(): its
 * header tells its kind and the same read loads it (sweep.h's
 * sk_sweep_row() or summarize.h's sk_summarize_row()); a load's failure
 * is told by sk_runset_load(), in file order.  A path met again (same
 * device and inode) is not opened again.  The last two are counted (sk_runset_skipped()): files that
 * looked like sweep data and are left out.  A file named as an argument
 * is never skipped: its failure is the caller's error.
 *
 * Pairing (sk_runset_load()), in this order:
 * 1. by name: `<prefix>_per_query_<YYYYmmdd_HHMMSS>.csv` belongs to
 *    `<prefix>_summary_<YYYYmmdd_HHMMSS>.csv` in the same directory, the
 *    names the collector writes, when their levels and queries per level
 *    agree, or when they do not but the run did not finish: the summary
 *    has a partial level (planned_queries), the sidecar next to them says
 *    "interrupted" or "running" (killed), or every summary row is a level
 *    of the per-query file with the same queries (the per-query file has
 *    the level the collector was killed in);
 * 2. by counts: a per-query file left over belongs to the one summary left
 *    over whose `concurrency` and `queries` columns equal its levels and
 *    queries per level (sk_summarize_file()); summaries in its own
 *    directory are preferred; when several still match, it is not paired
 *    (a note says so).
 * A per-query file with no summary is a run of its own: its summary is
 * built from its levels by sk_summarize_sweep(), holding exactly the
 * numbers `sweepkit summarize FILE` prints, each level on the line of its
 * first query in the per-query file.
 *
 * Ownership: sk_runset_new() returns an object freed by sk_runset_free();
 * runs, sweeps, arrays and strings it hands out are borrowed from it.
 * Notes are kept for the caller to show (this module never prints).
 * Thread-safety: one runset must not be used by two threads at once.
 */
#ifndef SWEEPKIT_RUNSET_H
#define SWEEPKIT_RUNSET_H

#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"

#include <stddef.h>

/* Caps: files kept over all paths added, and notes kept. */
#define SK_RUNSET_MAX_FILES 4096
#define SK_RUNSET_MAX_NOTES 4096

/* What a CSV holds, judged by its header. */
typedef enum {
    SK_RUNSET_OTHER = 0, /* not a sweep CSV */
    SK_RUNSET_SUMMARY,   /* one row per level (sweep.h) */
    SK_RUNSET_PER_QUERY  /* one row per query (summarize.h) */
} sk_runset_kind;

/* How a run's files were put together. */
typedef enum {
    SK_RUNSET_ALONE = 0, /* one file: a summary, or a per-query file */
    SK_RUNSET_BY_NAME,   /* the collector's names, same directory */
    SK_RUNSET_BY_COUNTS  /* equal levels and queries per level */
} sk_runset_pairing;

/* A level that did not finish: a collect stopped (Ctrl-C) or killed in
 * it, or any level with fewer queries than planned. */
struct sk_runset_partial {
    double concurrency;
    size_t queries;  /* that finished (the summary's row, else the
                        per-query file's level) */
    size_t planned;  /* the level was to run (planned_queries, else the
                        sidecar's queries_per_level); 0: not known */
    int in_sweep;    /* 1: a level of the run's `sweep`; 0: only in the
                        per-query file (killed: the summary has no row) */
};

/* One run.  Every pointer is borrowed from the runset. */
struct sk_runset_run {
    const char *label;          /* a name for people, unique in the set:
                                   sk_runset_label() of its summary (else
                                   its per-query file), " (2)" ... after
                                   a name met before */
    const char *group;          /* a configuration of a grid file (its
                                   key, sweep.h's sk_sweep_group(); each
                                   is a run of its own), or "" */
    const char *summary_path;   /* as given or found; NULL: per-query only */
    const char *per_query_path; /* NULL: summary only */
    sk_runset_pairing pairing;
    const sk_sweep *sweep; /* the summary; for a per-query run, the
                              one summarised from its rows; never NULL */
    int summarized;        /* 1: `sweep` was derived from per-query
                              rows (no summary file) */
    int has_times;         /* per-query file had start_s and end_s */
    /* Per-query file only (else NULL / 0): the file in memory, read once
     * (summarize.h): every query's columns, its levels with the
     * percentiles the report shows, each level's concurrency as written.
     * The fields below are shorthands into it: its levels as
     * sk_summarize_file() gives them, and every query's concurrency and
     * tokens_per_s in file order (NaN for an empty tokens_per_s cell). */
    const struct sk_queries *queries;
    const struct sk_level *levels;
    size_t nlevels;
    const double *sample_concurrency;
    const double *sample_tokens_per_s;
    size_t nsamples;
    /* Unfinished levels, by concurrency (NULL / 0: none).  A level is
     * partial when its queries are below what was planned: the summary's
     * planned_queries (the collector writes it), else the sidecar's
     * queries_per_level; a level of the paired per-query file that the
     * summary has no row for is partial too (the collector was killed in
     * it). */
    const struct sk_runset_partial *partial;
    size_t npartial;
    /* `sweep` without its partial levels: what analyses (knee,
     * recommendations) read.  `sweep` itself when there are none; NULL
     * when no level finished. */
    const sk_sweep *complete;
    /* The collector's sidecar next to the files (<prefix>_run_<stamp>.json)
     * says: its "status" ("complete", "interrupted", "running" after a
     * kill, ...); NULL when there is no sidecar or it cannot be read. */
    const char *status;
};

/* Collector file names (sk_runset_parse_name()). */
struct sk_runset_name {
    sk_runset_kind kind; /* SK_RUNSET_SUMMARY or SK_RUNSET_PER_QUERY */
    size_t prefix_len;   /* bytes of the base name before "_summary_" or
                            "_per_query_"; at least 1 */
    char stamp[24];      /* "YYYYmmdd_HHMMSS", or "YYYYmmdd_HHMMSS-N" */
};

typedef struct sk_runset sk_runset;

/*
 * The kind of a CSV whose header has the `n` column names `names`.
 * Pure; thread-safe.
 */
sk_runset_kind sk_runset_kind_of(const char *const *names, size_t n);

/*
 * Whether `base` (a file name without directories) is a collector name,
 * `<prefix>_summary_<YYYYmmdd_HHMMSS>.csv` or
 * `<prefix>_per_query_<YYYYmmdd_HHMMSS>.csv` (8 and 6 digits, non-empty
 * prefix, ".csv" in lower case), the stamp optionally followed by "-N"
 * (1 to 6 digits: the collector's second run in one second).  Returns 1
 * and fills *out, or 0.  Pure.
 */
int sk_runset_parse_name(struct sk_runset_name *out, const char *base);

/*
 * The one name for people of the run a file holds (report's headings,
 * plot's legends), into `buf` (cut to `cap`): the file's base name
 * without ".csv" (any case) and without a "summary_" prefix when
 * something is left ("results/summary_gemma.csv" -> "gemma",
 * "per_query.csv" -> "per_query"); for the collector's names
 * "<prefix>_<stamp>" ("mlx_summary_20260128_202929.csv" ->
 * "mlx_20260128_202929", the same for its per-query file), or "<model>
 * <stamp>" when the collector's sidecar beside it (<prefix>_run_<stamp>
 * .json) names the model ("model", else the server's one model: "qwen3
 * 20260128_202929").  At most 400 bytes of the name.  Reads nothing but
 * that sidecar.
 */
void sk_runset_label(char *buf, size_t cap, const char *path);

/*
 * The configuration a run measured, for telling repeats apart (runs of
 * one configuration: compare.h's sk_repeats_combine()), into `buf`: the
 * collector's prefix (the model, or --prefix) of its files, else its
 * label, then its grid group key without a `run_number=N` part (the seed
 * tools' repeats), then its levels ("gemma 1,2,4,8").  Runs with equal
 * keys are repeats.  Always NUL-terminated within `cap`.  Pure.
 */
void sk_runset_config(char *buf, size_t cap, const struct sk_runset_run *r);

/*
 * Whether the per-query levels `lv[0..n)` have the concurrencies and
 * query counts of summary `s` (its `concurrency` and `queries` columns,
 * compared exactly, level by level).  0 when `s` has no `queries` column
 * or a different number of levels.  Pure.
 */
int sk_runset_counts_match(const sk_sweep *s, const struct sk_level *lv,
                           size_t n);

/*
 * Read `path`'s header only and classify it.  Returns 0 and sets *out
 * (SK_RUNSET_OTHER for an empty file or one whose first row is not CSV,
 * with the reason in sk_error_last()), SK_ENOTFOUND (no such file),
 * SK_EIO, SK_ENOMEM.
 */
int sk_runset_kind_of_file(sk_runset_kind *out, const char *path);

/* Returns 0 or SK_ENOMEM. */
int sk_runset_new(sk_runset **out);

/* Accepts NULL. */
void sk_runset_free(sk_runset *rs);

/*
 * Add a file or a directory.  A file is read, once: classified by its
 * header and, a sweep CSV, loaded in the same read; a directory's ".csv"
 * entries are (see the top of this file).  Other CSVs
 * and a path met twice (same device and inode) are skipped with a note,
 * and so are a directory's entries that are not regular files or cannot
 * be read (see the top of this file).
 * Returns 0, SK_EINVAL ("-": standard input cannot be read twice),
 * SK_ENOTFOUND ("nope: cannot open: No such file or directory"),
 * SK_ENODATA (a directory holding no sweep CSV, or none that could be
 * read), SK_ELIMIT (more than
 * SK_RUNSET_MAX_FILES files), SK_EIO, SK_ENOMEM.  A load that failed
 * is not an error yet: sk_runset_load() tells it.
 */
int sk_runset_add(sk_runset *rs, const char *path);

/*
 * Load every file added and pair them into runs, once, after the last
 * sk_runset_add() (which read the files).  A file found in a directory
 * whose loader failed is skipped with a note ("DIR/x.csv: skipped: malformed: DIR/x.csv:4: row
 * has 5 fields, header has 14") and counted in sk_runset_skipped().
 * Returns 0, SK_ENODATA (no sweep CSV at all, or none left), or for a
 * file named as an argument the loaders' errors with their FILE:LINE
 * message (sk_sweep_load(), sk_summarize_file(), a per-query cell that is
 * not a number).
 */
int sk_runset_load(sk_runset *rs);

/* Files that looked like sweep data (a directory's ".csv" entry, a sweep
 * header) and were skipped because they could not be read or loaded;
 * each has a note. */
size_t sk_runset_skipped(const sk_runset *rs);

/* Runs, in the order their first file was added; valid after
 * sk_runset_load(). */
size_t sk_runset_count(const sk_runset *rs);

/*
 * Name the runs read from file `path` (a summary or per-query file, as
 * given or found: the runs' summary_path / per_query_path) `name`
 * (--name FILE=NAME); a grid file's configurations become "NAME KEY".
 * After sk_runset_load().  Returns 0, SK_ENOTFOUND ("--name: no run was
 * read from FILE"), SK_EINVAL (the name is another run's: "--name: two
 * runs named NAME"), SK_ENOMEM.
 */
int sk_runset_rename(sk_runset *rs, const char *path, const char *name);

/* As sk_runset_rename() from "FILE=NAME", split by sk_runset_name_split()
 * over the runs' files.  SK_EINVAL ("--name: expected FILE=NAME ...")
 * without an '='. */
int sk_runset_rename_spec(sk_runset *rs, const char *spec);

/*
 * "FILE=NAME" (--name) split at the first '=' whose left side is one of
 * the n `paths` (NULL entries never match) and whose right side is not
 * empty (a FILE or NAME may hold '='): the index of that path, *name
 * pointing into `spec` after the '='; n when no split names one.  Pure.
 */
size_t sk_runset_name_split(const char **name, const char *spec,
                            const char *const *paths, size_t n);
const struct sk_runset_run *sk_runset_get(const sk_runset *rs, size_t i);

/* Notes from adding and pairing ("x.csv: not a sweep CSV (no column
 * 'concurrency'); skipped"), in order.  Borrowed. */
size_t sk_runset_notes(const sk_runset *rs);
const char *sk_runset_note(const sk_runset *rs, size_t i);

#endif
