/*
 * Other tools' results (docs/formats.md): vLLM's `bench serve` JSON and
 * `bench sweep` summary.csv, GenAI-Perf's and AIPerf's profile exports,
 * GuideLLM's benchmarks.json.  Each is recognised by its content, never
 * its name, and read into sweepkit's own CSV schemas: a summary (one row
 * per level, docs/metrics.md) or, when the file holds per-request data
 * and the caller asks for it, a per-query file.  The CSV reader
 * (table.h) turns to this module when a file or directory is not CSV of
 * its own, so every command reads these formats the same way.
 *
 * A directory is one sweep: the results in it (and, one level down, in
 * artifact directories such as GenAI-Perf's `...-concurrency8/`), each a
 * level, their concurrency taken from the file, its embedded
 * configuration, or the directory's name.
 *
 * Open-loop results (a request rate and no concurrency cap) are not
 * levels of a concurrency sweep: a summary keeps them apart with an empty
 * concurrency and their `request_rate` (what `top` and `stats` tabulate);
 * read as a sweep (SK_FOREIGN_SWEEP) they are left out, and a file of
 * nothing else is an error.
 *
 * Units are normalised: ms and ns to s.  Metrics whose definition
 * differs from sweepkit's (vLLM's TPOT and ITL, GenAI-Perf's ITL,
 * GuideLLM's time per output token) keep their own names, prefixed with
 * the tool's (`vllm_mean_tpot_s`).
 *
 * Thread-safety: the functions share no state.
 */
#ifndef SWEEPKIT_FOREIGN_H
#define SWEEPKIT_FOREIGN_H

#include <stddef.h>

typedef enum {
    SK_FOREIGN_NONE = 0,     /* not another tool's result (CSV of ours) */
    SK_FOREIGN_VLLM,         /* `vllm bench serve` JSON, or JSON Lines */
    SK_FOREIGN_VLLM_SWEEP,   /* `vllm bench sweep` summary.csv */
    SK_FOREIGN_GENAI_PERF,   /* profile_export_genai_perf.csv / .json */
    SK_FOREIGN_AIPERF,       /* profile_export_aiperf.json, export.jsonl */
    SK_FOREIGN_GUIDELLM      /* benchmarks.json */
} sk_foreign_format;

/* The tool's name for messages ("vLLM bench serve"); a static string. */
const char *sk_foreign_format_name(sk_foreign_format f);

/* How much of a file's start sk_foreign_sniff() is given. */
#define SK_FOREIGN_SNIFF_BYTES ((size_t)64 << 10)

/*
 * What the first `n` bytes of a file say it is (its first
 * SK_FOREIGN_SNIFF_BYTES, or the whole file when shorter).  Pure.
 */
sk_foreign_format sk_foreign_sniff(const char *head, size_t n);

/* What the caller wants from a result that has both. */
typedef enum {
    SK_FOREIGN_SUMMARY = 0, /* one row per level or open-loop run */
    SK_FOREIGN_QUERIES,     /* one row per request, when there are such;
                               else as SK_FOREIGN_SWEEP */
    SK_FOREIGN_SWEEP        /* levels of a concurrency sweep: open-loop
                               runs beside levels are left out; alone,
                               an error */
} sk_foreign_want;

/*
 * Read `path` (a file sk_foreign_sniff() recognises, or a directory of
 * them) into *csv, a malloc'ed NUL-terminated CSV of *len bytes in
 * sweepkit's summary or per-query schema.  Returns 0, SK_ENOTFOUND (a
 * directory holding no result), SK_EPARSE ("FILE: vLLM bench serve
 * result: ..." naming the file, the line for JSON Lines, and what is
 * wrong), SK_EIO, SK_ENOMEM.
 */
int sk_foreign_read(char **csv, size_t *len, const char *path,
                    sk_foreign_want want);

/* As sk_foreign_read() for one file's `n` bytes at `buf`, called `name`
 * (its directory part may hold the concurrency, "...-concurrency8/"). */
int sk_foreign_read_buffer(char **csv, size_t *len, const char *name,
                           const char *buf, size_t n, sk_foreign_want want);

/* Whether `path` is a directory holding results sk_foreign_read() takes
 * (directly or in its subdirectories, one level down). */
int sk_foreign_dir(const char *path);

/* What to do with an open-loop run, which no sweep loader takes: the end
 * of their refusals ("FILE: ... is no level of a concurrency sweep: "
 * SK_FOREIGN_OPEN_LOOP_HINT). */
#define SK_FOREIGN_OPEN_LOOP_HINT                                             \
    "`sweepkit top` lists it and `sweepkit plot --kind rate` charts it "    \
    "against request rate"

#endif
