#include "sweepkit/runset.h"

#include "sweepkit/error.h"
#include "sweepkit/foreign.h"
#include "sweepkit/num.h"
#include "sweepkit/stats.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"
#include "sweepkit/table.h"

#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SEEN 1 /* stops a header peek; not an error code */

struct file {
    char *path;
    sk_runset_kind kind;
    dev_t dev, pdev; /* the file, and its directory */
    ino_t ino, pino;
    int named;
    struct sk_runset_name name;
    /* Read (classified and loaded in one read) by sk_runset_add(); the
     * outcome of the load is told by sk_runset_load(), in file order. */
    sk_sweep *sweep;      /* a summary's, or a lone per-query file's */
    sk_sweep_set *set;    /* a summary holding a grid: sweep is NULL */
    struct sk_queries *q; /* a per-query file's */
    int load_rc;
    char *load_msg; /* the load's error message, when load_rc != 0 */
    size_t partner; /* index of the other file of the run, or NONE */
    sk_runset_pairing pairing;
    int in_run;
    int from_dir; /* found in a directory: skipped, not fatal, when it
                     cannot be read or loaded */
    /* The collector's sidecar of a named file, read once when asked */
    int sidecar_read;
    char *status;   /* its "status", or NULL */
    size_t planned; /* its "queries_per_level", or 0 */
    char *label;    /* the run's name, when not from the path (the
                       shards of one sweep merged), or NULL */
    int merged;     /* the shards' per-query rows together: paired
                       with no summary */
};

#define NONE ((size_t)-1)

struct sk_runset {
    struct file *files;
    size_t nfiles, cap;
    struct sk_runset_run *runs;
    struct sk_runset_partial **partials; /* per run, owned */
    sk_sweep **completes; /* per run: a sweep made without partial
                             levels, owned (NULL: none made) */
    char **labels;
    size_t nruns;
    char **notes;
    size_t nnotes, notecap;
    size_t skipped; /* sweep-looking files skipped: unreadable, malformed */
    int loaded;
};

/* ---- pure helpers ------------------------------------------------------ */

static int has(const char *const *names, size_t n, const char *want)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(names[i], want) == 0)
            return 1;
    return 0;
}

static const char *const summary_cols[] = {"concurrency",
                                           "throughput_tokens_per_s"};
static const char *const query_cols[] = {"concurrency", "ttft_s",
                                         "tokens_per_s", "output_tokens"};

static int has_all(const char *const *names, size_t n, const char *const *want,
                   size_t nwant)
{
    size_t i;

    for (i = 0; i < nwant; i++)
        if (!has(names, n, want[i]))
            return 0;
    return 1;
}

sk_runset_kind sk_runset_kind_of(const char *const *names, size_t n)
{
    /* the seed tools' grids call their throughput column throughput_tps */
    if (has_all(names, n, summary_cols, 2) ||
        (has(names, n, "concurrency") && has(names, n, "throughput_tps")))
        return SK_RUNSET_SUMMARY;
    if (has_all(names, n, query_cols, 4))
        return SK_RUNSET_PER_QUERY;
    return SK_RUNSET_OTHER;
}

/* Why a header is neither kind, for the note. */
static void why_other(char *buf, size_t cap, const char *const *names, size_t n)
{
    size_t i, k, used;

    if (!has(names, n, "concurrency")) {
        snprintf(buf, cap, "no column 'concurrency'");
        return;
    }
    used = (size_t)snprintf(buf, cap,
                            "not a summary (no throughput_tokens_per_s) "
                            "nor a per-query file (no ");
    for (i = 1, k = 0; i < 4 && used < cap; i++)
        if (!has(names, n, query_cols[i]))
            used += (size_t)snprintf(buf + used, cap - used, "%s%s",
                                     k++ ? ", " : "", query_cols[i]);
    if (used < cap)
        snprintf(buf + used, cap - used, ")");
}

static int digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int sk_runset_parse_name(struct sk_runset_name *out, const char *base)
{
    static const struct {
        const char *infix;
        sk_runset_kind kind;
    } kinds[] = {{"_summary_", SK_RUNSET_SUMMARY},
                 {"_per_query_", SK_RUNSET_PER_QUERY}};
    size_t n = strlen(base), k;
    const char *end, *p, *stamp;

    /* "<prefix>" + infix + 8 digits + "_" + 6 digits + ["-N"] + ".csv" */
    if (n < 4 || strcmp(base + n - 4, ".csv") != 0)
        return 0;
    end = base + n - 4;
    for (p = end; p > base && p[-1] >= '0' && p[-1] <= '9'; p--)
        ;
    if (p < end && end - p <= 6 && p > base && p[-1] == '-')
        end = p - 1; /* the collector's "-2" for a second run */
    if (end - base < 15)
        return 0;
    stamp = end - 15;
    if (!digits(stamp, 8) || stamp[8] != '_' || !digits(stamp + 9, 6))
        return 0;
    for (k = 0; k < 2; k++) {
        size_t il = strlen(kinds[k].infix);

        if ((size_t)(stamp - base) > il &&
            memcmp(stamp - il, kinds[k].infix, il) == 0) {
            out->kind = kinds[k].kind;
            out->prefix_len = (size_t)(stamp - base) - il;
            snprintf(out->stamp, sizeof(out->stamp), "%.*s",
                     (int)(base + n - 4 - stamp), stamp);
            return 1;
        }
    }
    return 0;
}

int sk_runset_counts_match(const sk_sweep *s, const struct sk_level *lv,
                           size_t n)
{
    const double *conc = sk_sweep_concurrency(s), *queries;
    size_t i;

    if (sk_sweep_levels(s) != n)
        return 0;
    if (sk_sweep_column(&queries, s, "queries") != 0) {
        sk_error_clear();
        return 0;
    }
    for (i = 0; i < n; i++)
        if (conc[i] != lv[i].concurrency ||
            !(queries[i] == (double)lv[i].queries))
            return 0;
    return 1;
}

/* ---- classification and the one read ----------------------------------- */

/* One read of one file: its kind by the header, and the load of a sweep
 * CSV by the loader of its kind, fed the same rows. */
struct read {
    sk_runset_kind kind;
    char why[256];        /* why the header is neither kind */
    int header;           /* the header was seen */
    sk_sweep *sweep;      /* a summary being loaded; then, a one-sweep one */
    sk_sweep_set *set;    /* a summary holding a grid (sweep.h) */
    struct sk_queries *q; /* a per-query file being loaded */
    int peek;             /* classify only: stop after the header */
    int rc;               /* the load's outcome */
    char *msg;            /* and its message, when rc != 0 */
};

static int on_read_row(void *payload, const sk_row *row)
{
    struct read *rd = payload;

    if (row->index == 0) {
        rd->header = 1;
        rd->kind = sk_runset_kind_of(row->field, row->nfields);
        if (rd->kind == SK_RUNSET_OTHER) {
            why_other(rd->why, sizeof(rd->why), row->field, row->nfields);
            return HEADER_SEEN;
        }
        if (rd->peek)
            return HEADER_SEEN;
        if (rd->kind == SK_RUNSET_SUMMARY &&
            (rd->rc = sk_sweep_set_begin(&rd->sweep, row->name)) != 0)
            return rd->rc;
        if (rd->kind == SK_RUNSET_PER_QUERY &&
            (rd->rc = sk_summarize_begin(&rd->q, row->name,
                                         SK_SUMMARIZE_MAX_SAMPLES)) != 0)
            return rd->rc;
        if (rd->q) /* every run's percentiles carry their intervals */
            rd->q->confidence = SK_STATS_CONFIDENCE;
    }
    return rd->sweep ? sk_sweep_row(rd->sweep, row)
                     : sk_summarize_row(rd->q, row);
}

/* Parts (table.h) of a per-query file's load, which is summarize's in a
 * `struct read`; a summary (one row per level) is read whole. */
static int read_split(void *payload)
{
    const struct read *rd = payload;

    return rd->q != NULL;
}

static void read_part_free(void *part)
{
    struct read *p = part;

    if (p)
        sk_summarize_parts.part_free(p->q);
    free(p);
}

static void *read_part_new(void *payload)
{
    const struct read *rd = payload;
    struct read *p = calloc(1, sizeof(*p));

    if (!p) {
        sk_error_set(SK_ENOMEM, "out of memory");
        return NULL;
    }
    p->kind = rd->kind;
    p->header = 1;
    if (!(p->q = sk_summarize_parts.part_new(rd->q))) {
        free(p);
        return NULL;
    }
    return p;
}

static int read_merge(void *payload, void *part)
{
    struct read *rd = payload;
    struct read *p = part;

    return sk_summarize_parts.merge(rd->q, p->q);
}

static const sk_table_parts read_parts = {read_part_new, read_merge,
                                          read_part_free, read_split};

/*
 * Read `path` once: classify it by its header (SK_RUNSET_OTHER with the
 * reason as the last error for an empty file, one that is not CSV, or
 * another header) and, for a sweep CSV, load it in the same read (unless
 * rd->peek).  The load's failure is kept in rd->rc and rd->msg, for
 * sk_runset_load() to tell in file order; the function itself fails only
 * when the header could not be read (SK_ENOTFOUND, SK_EIO, SK_ENOMEM).
 */
static int read_file(struct read *rd, const char *path)
{
    sk_sweep *s;
    /* another tool's result: its levels, as a concurrency sweep */
    static const sk_table_opts o = {.flags = SK_TABLE_SWEEP,
                                    .parts = &read_parts};
    int rc = sk_table_stream_file(path, &o, on_read_row, rd);

    if (!rd->header) {
        rd->kind = SK_RUNSET_OTHER;
        if (rc == 0)
            sk_error_set(SK_ENODATA, "empty file");
        else if (rc == SK_EPARSE || rc == SK_ELIMIT) {
            /* Not CSV (a binary file, a broken first row): not ours. */
            char msg[512];

            snprintf(msg, sizeof(msg), "%s", sk_error_last());
            sk_error_set(SK_ENODATA, "not read as CSV: %s", msg);
        } else {
            return rc;
        }
        return 0;
    }
    if (rd->kind == SK_RUNSET_OTHER) {
        sk_error_set(SK_ENODATA, "%s", rd->why);
        return 0;
    }
    if (rd->peek)
        return 0;
    if (rd->rc == 0) {
        if (rd->sweep) {
            /* a grid is a set of sweeps, one run each (build_runs()) */
            s = rd->sweep;
            rd->sweep = NULL;
            rc = sk_sweep_set_end(&rd->set, s, rc, NULL);
            if (rc == 0 && sk_sweep_set_count(rd->set) == 1) {
                rd->sweep = sk_sweep_set_take(rd->set, 0);
                sk_sweep_set_free(rd->set);
                rd->set = NULL;
            }
        } else {
            rc = sk_summarize_end(rd->q, rc);
        }
    }
    if ((rd->rc = rc) != 0 && !(rd->msg = strdup(sk_error_last()))) {
        sk_sweep_free(rd->sweep);
        sk_summarize_queries_free(rd->q);
        rd->sweep = NULL;
        rd->q = NULL;
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    return 0;
}

int sk_runset_kind_of_file(sk_runset_kind *out, const char *path)
{
    struct read rd;
    int rc;

    memset(&rd, 0, sizeof(rd));
    rd.peek = 1;
    rc = read_file(&rd, path);
    *out = rd.kind;
    return rc;
}

/* ---- the set ----------------------------------------------------------- */

int sk_runset_new(sk_runset **out)
{
    if (!(*out = calloc(1, sizeof(**out))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return 0;
}

void sk_runset_free(sk_runset *rs)
{
    size_t i;

    if (!rs)
        return;
    for (i = 0; i < rs->nfiles; i++) {
        struct file *f = &rs->files[i];

        free(f->path);
        sk_sweep_free(f->sweep);
        sk_sweep_set_free(f->set);
        sk_summarize_queries_free(f->q);
        free(f->load_msg);
        free(f->status);
        free(f->label);
    }
    free(rs->files);
    for (i = 0; i < rs->nruns; i++) {
        free(rs->labels[i]);
        free(rs->partials[i]);
        sk_sweep_free(rs->completes[i]);
    }
    free(rs->partials);
    free(rs->completes);
    free(rs->labels);
    free(rs->runs);
    for (i = 0; i < rs->nnotes; i++)
        free(rs->notes[i]);
    free(rs->notes);
    free(rs);
}

static int note(sk_runset *rs, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int note(sk_runset *rs, const char *fmt, ...)
{
    char buf[1024], *s;
    va_list ap;

    if (rs->nnotes == SK_RUNSET_MAX_NOTES)
        return 0; /* past the cap, notes are dropped, not an error */
    if (rs->nnotes == rs->notecap) {
        size_t cap = rs->notecap ? 2 * rs->notecap : 16;
        char **v = realloc(rs->notes, cap * sizeof(*v));

        if (!v)
            return sk_error_set(SK_ENOMEM, "out of memory");
        rs->notes = v;
        rs->notecap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (!(s = strdup(buf)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    rs->notes[rs->nnotes++] = s;
    return 0;
}

size_t sk_runset_notes(const sk_runset *rs)
{
    return rs->nnotes;
}

const char *sk_runset_note(const sk_runset *rs, size_t i)
{
    return i < rs->nnotes ? rs->notes[i] : NULL;
}

size_t sk_runset_skipped(const sk_runset *rs)
{
    return rs->skipped;
}

/* The last error without a leading "PATH: " (the note names the path). */
static const char *after_path(const char *msg, const char *path)
{
    size_t n = strlen(path);

    return strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0
               ? msg + n + 2
               : msg;
}

/* A file that looked like sweep data and could not be read or loaded:
 * noted, counted, left out.  `why` is "unreadable" or "malformed". */
static int skip_file(sk_runset *rs, const char *path, const char *why,
                     const char *msg)
{
    char copy[1024]; /* note() may overwrite the last error */

    snprintf(copy, sizeof(copy), "%s", msg);
    rs->skipped++;
    return note(rs, "%s: skipped: %s: %s", path, why, copy);
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');

    return b ? b + 1 : path;
}

/* The directory part of `path` ("." when there is none), for stat(). */
static int dir_of(char **out, const char *path)
{
    const char *b = strrchr(path, '/');
    size_t n = b ? (size_t)(b - path) : 0;

    if (b && n == 0)
        n = 1; /* "/x.csv": the root */
    if (!(*out = b ? strndup(path, n) : strdup(".")))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return 0;
}

/*
 * Add one file whose stat is `st`.  *sweep_csv is set when it is a
 * summary or per-query file (also when it duplicates one added before).
 * A file found in a directory (`from_dir`) that cannot be read is skipped
 * with a note; one given by name is an error.
 */
static int add_file(sk_runset *rs, const char *path, const struct stat *st,
                    int from_dir, int *sweep_csv)
{
    struct file *f;
    struct stat pst;
    struct read rd;
    sk_runset_kind kind;
    char *dir = NULL;
    size_t i;
    int rc;

    *sweep_csv = 0;
    /* Only sweep CSVs are kept: a file met again is one of them, and is
     * not opened again. */
    for (i = 0; i < rs->nfiles; i++)
        if (rs->files[i].dev == st->st_dev && rs->files[i].ino == st->st_ino) {
            *sweep_csv = 1;
            return note(rs, "%s: the same file as %s; read once", path,
                        rs->files[i].path);
        }
    memset(&rd, 0, sizeof(rd));
    if ((rc = read_file(&rd, path)) != 0) {
        if (from_dir && (rc == SK_EIO || rc == SK_ENOTFOUND))
            return skip_file(rs, path, "unreadable",
                             after_path(sk_error_last(), path));
        return rc;
    }
    kind = rd.kind;
    if (kind == SK_RUNSET_OTHER)
        return note(rs, "%s: skipped: %s", path, sk_error_last());
    *sweep_csv = 1;
    if (rs->nfiles == SK_RUNSET_MAX_FILES) {
        rc = sk_error_set(SK_ELIMIT, "%s: more than %d sweep CSVs", path,
                          SK_RUNSET_MAX_FILES);
        goto fail;
    }
    if ((rc = dir_of(&dir, path)) != 0)
        goto fail;
    if (stat(dir, &pst) != 0) {
        rc = sk_error_set(SK_EIO, "%s: cannot stat: %s", dir, strerror(errno));
        free(dir);
        goto fail;
    }
    free(dir);
    if (rs->nfiles == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 16;
        struct file *v = realloc(rs->files, cap * sizeof(*v));

        if (!v) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto fail;
        }
        rs->files = v;
        rs->cap = cap;
    }
    f = &rs->files[rs->nfiles];
    memset(f, 0, sizeof(*f));
    if (!(f->path = strdup(path))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto fail;
    }
    rs->nfiles++;
    f->sweep = rd.sweep;
    f->set = rd.set;
    f->q = rd.q;
    f->load_rc = rd.rc;
    f->load_msg = rd.msg;
    f->kind = kind;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->pdev = pst.st_dev;
    f->pino = pst.st_ino;
    f->partner = NONE;
    f->from_dir = from_dir;
    f->named =
        sk_runset_parse_name(&f->name, base_name(path)) && f->name.kind == kind;
    return 0;
fail:
    sk_sweep_free(rd.sweep);
    sk_sweep_set_free(rd.set);
    sk_summarize_queries_free(rd.q);
    free(rd.msg);
    return rc;
}

static int ends_csv(const char *name)
{
    size_t n = strlen(name);

    return n > 4 && name[n - 4] == '.' &&
           (name[n - 3] == 'c' || name[n - 3] == 'C') &&
           (name[n - 2] == 's' || name[n - 2] == 'S') &&
           (name[n - 1] == 'v' || name[n - 1] == 'V');
}

/*
 * What a directory entry is, told by lstat() and stat() without opening
 * it (opening a FIFO would block).  Returns 1 for a regular file (or a
 * link to one) with its stat in *st, 0 for an entry skipped with a note,
 * or an error (SK_ENOMEM).
 */
static int regular_entry(sk_runset *rs, const char *path, struct stat *st)
{
    struct stat lst;
    char target[1024];
    ssize_t n;

    if (lstat(path, &lst) != 0) /* gone since readdir() */
        return skip_file(rs, path, "unreadable", strerror(errno));
    if (!S_ISLNK(lst.st_mode)) {
        *st = lst;
    } else if (stat(path, st) != 0) {
        int err = errno;

        if (err == ELOOP)
            return note(rs, "%s: skipped: link loop", path);
        if (err != ENOENT && err != ENOTDIR)
            return skip_file(rs, path, "unreadable", strerror(err));
        n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? (size_t)n : 0] = '\0';
        return note(rs,
                    "%s: skipped: dangling link (to '%s', which does "
                    "not exist)",
                    path, target);
    }
    if (S_ISREG(st->st_mode))
        return 1;
    if (S_ISDIR(st->st_mode))
        return note(rs,
                    "%s: skipped: a directory (subdirectories are not "
                    "read)",
                    path);
    return note(rs, "%s: skipped: not a regular file (%s)", path,
                S_ISFIFO(st->st_mode)   ? "a FIFO"
                : S_ISCHR(st->st_mode)  ? "a character device"
                : S_ISBLK(st->st_mode)  ? "a block device"
                : S_ISSOCK(st->st_mode) ? "a socket"
                                        : "an unknown kind");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(sk_runset *rs, const char *path)
{
    DIR *d = NULL;
    struct dirent *e;
    char **names = NULL, *full = NULL;
    size_t n = 0, cap = 0, i, found = 0, looked = 0;
    size_t plen = strlen(path), skipped_before = rs->skipped;
    int rc = 0;

    if (!(d = opendir(path)))
        return sk_error_set(SK_EIO, "%s: cannot read directory: %s", path,
                            strerror(errno));
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_csv(e->d_name))
            continue;
        if (n == SK_RUNSET_MAX_FILES) {
            rc = sk_error_set(SK_ELIMIT, "%s: more than %d .csv files", path,
                              SK_RUNSET_MAX_FILES);
            goto done;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 32;
            char **v = realloc(names, nc * sizeof(*v));

            if (!v) {
                rc = sk_error_set(SK_ENOMEM, "out of memory");
                goto done;
            }
            names = v;
            cap = nc;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto done;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n && rc == 0; i++) {
        struct stat st;
        int sweep_csv;
        size_t len = plen + 1 + strlen(names[i]) + 1;

        free(full);
        if (!(full = malloc(len))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            break;
        }
        snprintf(full, len, "%s%s%s", path,
                 plen && path[plen - 1] == '/' ? "" : "/", names[i]);
        if ((rc = regular_entry(rs, full, &st)) != 1)
            continue; /* skipped with a note, or an error (rc < 0) */
        rc = 0;
        looked++;
        if ((rc = add_file(rs, full, &st, 1, &sweep_csv)) == 0 && sweep_csv)
            found++;
    }
    if (rc == 0 && found == 0 && rs->skipped > skipped_before)
        rc = sk_error_set(SK_ENODATA,
                          "%s: no sweep CSV could be read here (%zu "
                          "skipped)",
                          path, rs->skipped - skipped_before);
    else if (rc == 0 && found == 0)
        rc = sk_error_set(SK_ENODATA,
                          "%s: no sweep CSV here (%zu .csv file%s looked "
                          "at; subdirectories are not read)",
                          path, looked, looked == 1 ? "" : "s");
done:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(full);
    closedir(d);
    return rc;
}

int sk_runset_add(sk_runset *rs, const char *path)
{
    struct stat st;
    int sweep_csv;

    if (rs->loaded)
        return sk_error_set(SK_EINVAL, "%s: the runset is already loaded",
                            path);
    if (strcmp(path, "-") == 0)
        return sk_error_set(SK_EINVAL, "-: standard input cannot be read: "
                                       "give files or directories");
    if (stat(path, &st) != 0)
        return sk_error_set(errno == ENOENT ? SK_ENOTFOUND : SK_EIO,
                            "%s: cannot open: %s", path, strerror(errno));
    /* a directory of another tool's per-level results is one sweep
     * (foreign.h), read as one file */
    if (S_ISDIR(st.st_mode) && !sk_foreign_dir(path))
        return add_dir(rs, path);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return sk_error_set(SK_EINVAL, "%s: not a file or directory", path);
    return add_file(rs, path, &st, 0, &sweep_csv);
}

/* ---- loading ----------------------------------------------------------- */

/* The summary of a per-query file, as `sweepkit summarize` writes it,
 * straight from its levels; its own name says it is derived, its lines
 * are those of each level's first query. */
static int summarized_sweep(struct file *f)
{
    char name[4200];

    snprintf(name, sizeof(name), "%s (summarised)", f->path);
    return sk_summarize_sweep(&f->sweep, name, f->q);
}

/* The outcome of the load done when the file was read (read_file()), with
 * its message, told now: loads fail in file order, after every path was
 * added, whatever order they were read in. */
static int load_file(struct file *f)
{
    if (f->load_rc == 0)
        return 0;
    return sk_error_set(f->load_rc, "%s", f->load_msg);
}

static void unload_file(struct file *f)
{
    sk_sweep_free(f->sweep);
    sk_sweep_set_free(f->set);
    f->set = NULL;
    sk_summarize_queries_free(f->q);
    free(f->load_msg);
    f->sweep = NULL;
    f->q = NULL;
    f->load_msg = NULL;
}

/* Load every file; one found in a directory that fails is skipped with a
 * note (its reader's error) and left out, a named one fails the load. */
static int load_files(sk_runset *rs)
{
    size_t i, kept = 0;
    int rc;

    /* A skipped file keeps its slot (path NULL, nothing loaded) until
     * all are loaded, so that an error on the way leaves a set
     * sk_runset_free() can walk. */
    for (i = 0; i < rs->nfiles; i++) {
        struct file *f = &rs->files[i];

        if ((rc = load_file(f)) == 0)
            continue;
        if (!f->from_dir || rc == SK_ENOMEM)
            return rc;
        unload_file(f);
        /* a read that failed, or a file gone since it was added */
        if (rc == SK_EIO ||
            (rc == SK_ENOTFOUND && strstr(sk_error_last(), ": cannot open: ")))
            rc = skip_file(rs, f->path, "unreadable",
                           after_path(sk_error_last(), f->path));
        else
            rc = skip_file(rs, f->path, "malformed", sk_error_last());
        free(f->path);
        f->path = NULL;
        if (rc != 0)
            return rc;
    }
    for (i = 0; i < rs->nfiles; i++)
        if (rs->files[i].path)
            rs->files[kept++] = rs->files[i];
    rs->nfiles = kept;
    if (kept == 0)
        return sk_error_set(SK_ENODATA,
                            "no sweep CSV could be read (%zu "
                            "skipped)",
                            rs->skipped);
    return 0;
}

static int same_dir(const struct file *a, const struct file *b)
{
    return a->pdev == b->pdev && a->pino == b->pino;
}

static void pair(struct file *q, size_t qi, struct file *s, size_t si,
                 sk_runset_pairing how)
{
    q->partner = si;
    s->partner = qi;
    q->pairing = s->pairing = how;
}

/* ---- unfinished runs --------------------------------------------------- */

/* The collector's sidecar of named file `f`, <prefix>_run_<stamp>.json
 * in its directory: its status and queries per level, when it can be
 * read (a run without one, or with one unreadable, has neither). */
static json_t *load_sidecar(const char *file, const struct sk_runset_name *nm)
{
    const char *b = base_name(file);
    size_t dir = (size_t)(b - file);
    char *path = malloc(dir + nm->prefix_len + strlen(nm->stamp) + 16);
    json_t *j;

    if (!path)
        return NULL;
    sprintf(path, "%.*s%.*s_run_%s.json", (int)dir, file, (int)nm->prefix_len,
            b, nm->stamp);
    j = json_load_file(path, 0, NULL);
    free(path);
    return j;
}

static void read_sidecar(struct file *f)
{
    json_t *j, *v;

    if (f->sidecar_read || !f->named)
        return;
    f->sidecar_read = 1;
    if (!(j = load_sidecar(f->path, &f->name)))
        return;
    if (json_is_string(v = json_object_get(j, "status")))
        f->status = strdup(json_string_value(v));
    if (json_is_integer(v = json_object_get(j, "queries_per_level")) &&
        json_integer_value(v) > 0)
        f->planned = (size_t)json_integer_value(v);
    json_decref(j);
}

/* A summary's column `name`, or NULL when it has none. */
static const double *column_or_null(const sk_sweep *s, const char *name)
{
    const double *v;

    if (sk_sweep_column(&v, s, name) != 0) {
        sk_error_clear();
        return NULL;
    }
    return v;
}

/* What level i of `s` was to run: its planned_queries cell, else the
 * sidecar's queries per level (0: not known). */
static size_t planned_at(const double *planned, size_t i, size_t sidecar)
{
    if (planned && isfinite(planned[i]) && planned[i] >= 1)
        return (size_t)planned[i];
    return sidecar;
}

/* Whether a summary says a level did not finish. */
static int has_partial_row(const sk_sweep *s, size_t sidecar)
{
    const double *q = column_or_null(s, "queries"),
                 *pl = column_or_null(s, SK_SWEEP_PLANNED);
    size_t i, n = sk_sweep_levels(s);

    for (i = 0; q && i < n; i++) {
        size_t want = planned_at(pl, i, sidecar);

        if (want && q[i] < (double)want)
            return 1;
    }
    return 0;
}

/* Every row of summary `s` is a level of `lv[0..n)` with the same queries,
 * and `lv` has more: the per-query file holds the level a kill cut. */
static int rows_within(const sk_sweep *s, const struct sk_level *lv, size_t n)
{
    const double *conc = sk_sweep_concurrency(s),
                 *q = column_or_null(s, "queries");
    size_t i, j, m = sk_sweep_levels(s);

    if (!q || m >= n)
        return 0;
    for (i = 0; i < m; i++) {
        for (j = 0; j < n && lv[j].concurrency != conc[i]; j++)
            ;
        if (j == n || !(q[i] == (double)lv[j].queries))
            return 0;
    }
    return 1;
}

/* The collector's two files of a run that did not finish, whose counts
 * therefore may differ. */
static int unfinished(struct file *q, struct file *s)
{
    read_sidecar(s);
    if (s->status && (strcmp(s->status, "interrupted") == 0 ||
                      strcmp(s->status, "running") == 0))
        return 1;
    return has_partial_row(s->sweep, s->planned) ||
           rows_within(s->sweep, q->q->levels, q->q->nlevels);
}

/* ---- shards of one sweep (collect --shard, docs/scaling.md) ----------- */

static const char *sidecar_model(const json_t *j);

/* A collector's shard file, "<base>-shard<I>of<N>_<kind>_<stamp>.csv":
 * the length of <base>, I and N; 0 when `f` is not one. */
static int shard_of(const struct file *f, size_t *base, size_t *i, size_t *n)
{
    const char *b = base_name(f->path), *p, *end = b + f->name.prefix_len;
    unsigned long si, sn;
    int used = -1;

    if (!f->named)
        return 0;
    for (p = end; p - b >= 6 && strncmp(p - 6, "-shard", 6) != 0; p--)
        ;
    if (p - b < 7 || p >= end || *p < '0' || *p > '9' ||
        sscanf(p, "%luof%lu%n", &si, &sn, &used) != 2 || p + used != end ||
        si < 1 || si > sn || end[-1] < '0' || end[-1] > '9')
        return 0;
    *base = (size_t)(p - 6 - b);
    *i = si;
    *n = sn;
    return 1;
}

/* Are a and b files of the same sharded sweep (both shards' files)? */
static int same_sweep(const struct file *a, const struct file *b)
{
    size_t ab, ai, an, bb, bi, bn;

    return shard_of(a, &ab, &ai, &an) && shard_of(b, &bb, &bi, &bn) &&
           same_dir(a, b) && ab == bb && an == bn &&
           memcmp(base_name(a->path), base_name(b->path), ab) == 0 &&
           strcmp(a->name.stamp, b->name.stamp) == 0;
}

/* The sidecar settings the shards of one sweep share. */
static const char *const shard_keys[] = {"urls",
                                         "api",
                                         "model",
                                         "levels",
                                         "open_loop",
                                         "queries_per_level",
                                         "queries_per_concurrency",
                                         "level_duration_s",
                                         "max_queries",
                                         "max_tokens",
                                         "header_names"};
static const char *const shard_inner[] = {"of", "start_at", "level_period_s"};

/* The first setting two shards' sidecars differ in, or NULL. */
static const char *shard_differs(const json_t *a, const json_t *b)
{
    const json_t *sa = json_object_get(a, "shard"),
                 *sb = json_object_get(b, "shard");
    size_t k;

    for (k = 0; k < sizeof(shard_keys) / sizeof(shard_keys[0]); k++)
        if (!json_equal(json_object_get(a, shard_keys[k]),
                        json_object_get(b, shard_keys[k])))
            return shard_keys[k];
    for (k = 0; k < sizeof(shard_inner) / sizeof(shard_inner[0]); k++)
        if (!json_equal(json_object_get(sa, shard_inner[k]),
                        json_object_get(sb, shard_inner[k])))
            return shard_inner[k];
    return NULL;
}

struct merge {
    struct sk_queries *q;
    const char *first; /* shard 1's path */
    char *header;      /* shard 1's columns, '\n'-joined */
    size_t header_len;
    int file; /* 0: shard 1 */
};

static int on_merge_row(void *payload, const sk_row *row)
{
    struct merge *m = payload;
    char *h = NULL;
    size_t len = 0, i;
    FILE *fp;
    int same;

    if (row->index != 0)
        return sk_summarize_row(m->q, row);
    if (!(fp = open_memstream(&h, &len)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < row->nfields; i++)
        fprintf(fp, "%s\n", row->field[i]);
    if (fclose(fp) != 0) {
        free(h);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    if (m->file == 0) {
        m->header = h;
        m->header_len = len;
        return sk_summarize_row(m->q, row);
    }
    same = len == m->header_len && memcmp(h, m->header, len) == 0;
    free(h);
    if (!same)
        return sk_error_set(SK_EPARSE,
                            "%s: line 1: its columns differ from those of "
                            "shard 1 (%s); the shards of one sweep are "
                            "written by the same collect options",
                            row->name, m->first);
    return 0;
}

/* Read the shards' per-query files `sh[0..n)` as one: their rows in
 * shard order under shard 1's header, into *out named `name`. */
static int merge_queries(struct sk_queries **out, const char *name,
                         struct file *const *sh, size_t n)
{
    static const sk_table_opts o = {.flags = SK_TABLE_SWEEP};
    struct merge m;
    size_t i;
    int rc;

    memset(&m, 0, sizeof(m));
    m.first = sh[0]->path;
    if ((rc = sk_summarize_begin(&m.q, name, SK_SUMMARIZE_MAX_SAMPLES)) != 0)
        return rc;
    m.q->confidence = SK_STATS_CONFIDENCE;
    for (i = 0; i < n && rc == 0; i++) {
        m.file = (int)i;
        rc = sk_table_stream_file(sh[i]->path, &o, on_merge_row, &m);
    }
    free(m.header);
    if ((rc = sk_summarize_end(m.q, rc)) != 0) {
        sk_summarize_queries_free(m.q);
        return rc;
    }
    *out = m.q;
    return 0;
}

/* The shards of a sweep that cannot be merged stay runs of their own,
 * said once, with why. */
static int keep_apart(sk_runset *rs, const struct file *f, size_t n,
                      const char *why)
{
    size_t b, i, k;

    shard_of(f, &b, &i, &k);
    return note(rs,
                "%s: one of %zu shards of sweep %.*s (%s): %s; the shards "
                "are reported as runs of their own",
                f->path, n, (int)b, base_name(f->path), f->name.stamp, why);
}

/* Merge the shards of sweep `lead` (a shard's per-query file) into one
 * per-query run when every shard's per-query file is here, each once,
 * finished, with sidecars that agree on the sweep's settings (a
 * disagreement is an error: the shards were launched differently).
 * Their files leave the set (path NULL); the merged one takes lead's
 * slot. */
static int merge_sweep(sk_runset *rs, size_t lead)
{
    struct file *f = &rs->files[lead], **sh;
    json_t **sc;
    size_t b, si, n, j, k;
    char why[256] = "", *name = NULL;
    struct sk_queries *q = NULL;
    int rc = 0;

    shard_of(f, &b, &si, &n);
    sh = calloc(n, sizeof(*sh));
    sc = calloc(n, sizeof(*sc));
    if (!sh || !sc) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (j = 0; j < rs->nfiles; j++) {
        struct file *g = &rs->files[j];

        if (g->path && g->kind == SK_RUNSET_PER_QUERY && same_sweep(f, g)) {
            shard_of(g, &b, &si, &k);
            g->merged = -1; /* seen */
            if (sh[si - 1])
                snprintf(why, sizeof(why), "shard %zu is here twice", si);
            sh[si - 1] = g;
        }
    }
    for (j = 0; j < n && !why[0]; j++) {
        const char *st;

        if (!sh[j]) {
            snprintf(why, sizeof(why), "shard %zu of %zu is not here", j + 1,
                     n);
        } else if (!(sc[j] = load_sidecar(sh[j]->path, &sh[j]->name))) {
            snprintf(why, sizeof(why),
                     "shard %zu has no readable sidecar "
                     "(_run_ .json) to check its settings",
                     j + 1);
        } else if (!json_is_string(json_object_get(sc[j], "status")) ||
                   strcmp(
                       st = json_string_value(json_object_get(sc[j], "status")),
                       "complete") != 0) {
            snprintf(why, sizeof(why), "shard %zu did not complete", j + 1);
        } else if (j > 0 && (st = shard_differs(sc[0], sc[j])) != NULL) {
            rc = sk_error_set(SK_EINVAL,
                              "%s: shard %zu of %zu was run with another "
                              "'%s' than shard 1 (%s): the shards of one "
                              "sweep are launched with the same options "
                              "(give each shard's files alone to read it "
                              "as a run of its own)",
                              sh[j]->path, j + 1, n, st, sh[0]->path);
            goto done;
        }
    }
    if (why[0]) {
        rc = keep_apart(rs, f, n, why);
        goto done;
    }
    /* "dir/base-shard{1..N}ofN_per_query_STAMP.csv": each shard's file */
    k = (size_t)(base_name(f->path) - f->path) + b;
    if (!(name = malloc(k + strlen(f->name.stamp) + 80))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    sprintf(name, "%.*s-shard{1..%zu}of%zu_per_query_%s.csv", (int)k, f->path,
            n, n, f->name.stamp);
    if ((rc = merge_queries(&q, name, sh, n)) != 0)
        goto done;
    {
        const char *model = sidecar_model(sc[0]);
        char label[512];

        if (model)
            snprintf(label, sizeof(label), "%.200s %s", model, f->name.stamp);
        else
            snprintf(label, sizeof(label), "%.*s_%s", (int)b,
                     base_name(f->path), f->name.stamp);
        if (!(f->label = strdup(label))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto done;
        }
    }
    /* the shards' files go, summaries too: the merged rows say it all */
    for (j = 0; j < rs->nfiles; j++) {
        struct file *g = &rs->files[j];

        if (j != lead && g->path && same_sweep(f, g)) {
            unload_file(g);
            free(g->status);
            free(g->path);
            g->status = g->path = NULL;
        }
    }
    sk_sweep_free(f->sweep);
    sk_summarize_queries_free(f->q);
    free(f->path);
    f->path = name;
    f->q = q;
    f->sweep = NULL;
    f->named = 0;
    f->merged = 1;
    name = NULL;
    q = NULL;
done:
    for (j = 0; sc && j < n; j++)
        json_decref(sc[j]);
    free(sc);
    free(sh);
    free(name);
    sk_summarize_queries_free(q);
    return rc;
}

/* Every sharded sweep among the files, merged where it can be. */
static int merge_shards(sk_runset *rs)
{
    size_t i, kept = 0, b, si, n;
    int rc;

    for (i = 0; i < rs->nfiles; i++) {
        struct file *f = &rs->files[i];

        if (f->path && f->kind == SK_RUNSET_PER_QUERY && !f->merged &&
            shard_of(f, &b, &si, &n) && (rc = merge_sweep(rs, i)) != 0)
            return rc;
    }
    for (i = 0; i < rs->nfiles; i++) {
        if (rs->files[i].merged < 0)
            rs->files[i].merged = 0;
        if (rs->files[i].path)
            rs->files[kept++] = rs->files[i];
    }
    rs->nfiles = kept;
    return 0;
}

/* The collector's names pair a per-query file with its summary when the
 * two also agree on levels and queries per level, or when the run did not
 * finish (unfinished()): files renamed or mixed up are told apart, with a
 * note, and reported as runs of their own. */
static int pair_by_name(sk_runset *rs)
{
    size_t i, j;
    int rc;

    for (i = 0; i < rs->nfiles; i++) {
        struct file *q = &rs->files[i];

        if (q->kind != SK_RUNSET_PER_QUERY || !q->named)
            continue;
        for (j = 0; j < rs->nfiles; j++) {
            struct file *s = &rs->files[j];

            if (s->kind == SK_RUNSET_SUMMARY && s->named && s->sweep &&
                s->partner == NONE && same_dir(q, s) &&
                q->name.prefix_len == s->name.prefix_len &&
                memcmp(base_name(q->path), base_name(s->path),
                       q->name.prefix_len) == 0 &&
                strcmp(q->name.stamp, s->name.stamp) == 0) {
                if (sk_runset_counts_match(s->sweep, q->q->levels,
                                           q->q->nlevels) ||
                    unfinished(q, s))
                    pair(q, i, s, j, SK_RUNSET_BY_NAME);
                else if ((rc = note(rs,
                                    "%s: named as the per-query file of "
                                    "%s, but their levels or queries per "
                                    "level differ; not paired",
                                    q->path, s->path)) != 0)
                    return rc;
                break;
            }
        }
    }
    return 0;
}

static int pair_by_counts(sk_runset *rs)
{
    size_t i, j;
    int rc;

    for (i = 0; i < rs->nfiles; i++) {
        struct file *q = &rs->files[i];
        size_t near = 0, all = 0, near_j = NONE, all_j = NONE;

        if (q->kind != SK_RUNSET_PER_QUERY || q->partner != NONE || q->merged)
            continue;
        for (j = 0; j < rs->nfiles; j++) {
            struct file *s = &rs->files[j];

            if (s->kind != SK_RUNSET_SUMMARY || s->partner != NONE ||
                !s->sweep ||
                !sk_runset_counts_match(s->sweep, q->q->levels, q->q->nlevels))
                continue;
            all++;
            all_j = j;
            if (same_dir(q, s)) {
                near++;
                near_j = j;
            }
        }
        if (near == 1)
            pair(q, i, &rs->files[near_j], near_j, SK_RUNSET_BY_COUNTS);
        else if (near == 0 && all == 1)
            pair(q, i, &rs->files[all_j], all_j, SK_RUNSET_BY_COUNTS);
        else if (all > 1 &&
                 (rc = note(rs,
                            "%s: its levels and queries per level match "
                            "%zu summaries; not paired, reported as a run "
                            "of its own",
                            q->path, near > 1 ? near : all)) != 0)
            return rc;
    }
    return 0;
}

/* The model a sidecar names: its "model" (what the requests asked
 * for), else the server's one model; NULL when neither. */
static const char *sidecar_model(const json_t *j)
{
    const json_t *m = json_object_get(j, "model"),
                 *list =
                     json_object_get(json_object_get(j, "server"), "models");

    if (json_is_string(m) && json_string_length(m) > 0)
        return json_string_value(m);
    if (json_array_size(list) == 1 && json_is_string(json_array_get(list, 0)) &&
        json_string_length(json_array_get(list, 0)) > 0)
        return json_string_value(json_array_get(list, 0));
    return NULL;
}

void sk_runset_label(char *buf, size_t cap, const char *path)
{
    const char *b = base_name(path);
    struct sk_runset_name nm;
    size_t n = strlen(b);

    if (sk_runset_parse_name(&nm, b)) {
        json_t *j = load_sidecar(path, &nm);
        const char *model = j ? sidecar_model(j) : NULL;

        if (model)
            snprintf(buf, cap, "%.200s %s", model, nm.stamp);
        else
            snprintf(buf, cap, "%.*s_%s", (int)nm.prefix_len, b, nm.stamp);
        json_decref(j);
        return;
    }
    if (n > 4 && ends_csv(b))
        n -= 4;
    if (n > 8 && strncmp(b, "summary_", 8) == 0) {
        b += 8;
        n -= 8;
    }
    snprintf(buf, cap, "%.*s", (int)(n < 400 ? n : 400), b);
}

void sk_runset_config(char *buf, size_t cap, const struct sk_runset_run *r)
{
    const char *path = r->summary_path ? r->summary_path : r->per_query_path;
    const char *b = path ? base_name(path) : r->label, *g = r->group;
    const double *c = sk_sweep_concurrency(r->sweep);
    struct sk_runset_name nm;
    size_t at, i, n = sk_sweep_levels(r->sweep);

    if (cap == 0)
        return;
    if (path && sk_runset_parse_name(&nm, b))
        at = (size_t)snprintf(buf, cap, "%.*s", (int)nm.prefix_len, b);
    else if (path) { /* the file's name, not the run's unique label */
        sk_runset_label(buf, cap, path);
        at = strlen(buf);
    } else {
        at = (size_t)snprintf(buf, cap, "%s", r->label);
    }
    /* the group's parts but run_number=N */
    while (g && *g && at < cap) {
        size_t len = strcspn(g, " ");

        if (!(len > 11 && strncmp(g, "run_number=", 11) == 0))
            at += (size_t)snprintf(buf + at, cap - at, " %.*s", (int)len, g);
        g += len;
        g += *g == ' ';
    }
    for (i = 0; i < n && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%g", i ? "," : " ", c[i]);
}

static int make_label(char **out, const struct file *f)
{
    char buf[512];

    if (f->label)
        snprintf(buf, sizeof(buf), "%s", f->label);
    else
        sk_runset_label(buf, sizeof(buf), f->path);
    if (!(*out = strdup(buf)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return 0;
}

/* Make label i unique among 0..i-1: "gemma", "gemma (2)", ... */
static int unique_label(sk_runset *rs, size_t i)
{
    size_t k, j, len = strlen(rs->labels[i]) + 24;
    char *try = NULL;

    for (k = 1;; k++) {
        const char *cand = rs->labels[i];
        int clash = 0;

        if (k > 1) {
            free(try);
            if (!(try = malloc(len)))
                return sk_error_set(SK_ENOMEM, "out of memory");
            snprintf(try, len, "%s (%zu)", rs->labels[i], k);
            cand = try;
        }
        for (j = 0; j < i && !clash; j++)
            clash = strcmp(rs->labels[j], cand) == 0;
        if (!clash)
            break;
    }
    if (try) {
        free(rs->labels[i]);
        rs->labels[i] = try;
    }
    return 0;
}

static int cmp_partial(const void *a, const void *b)
{
    double x = ((const struct sk_runset_partial *)a)->concurrency,
           y = ((const struct sk_runset_partial *)b)->concurrency;

    return (x > y) - (x < y);
}

/* `s` without the levels flagged in drop[]: every numeric column (those
 * sk_sweep_level_json() gives), each level on its line.  *out NULL when
 * every level is dropped. */
static int sweep_without(sk_sweep **out, const sk_sweep *s,
                         const unsigned char *drop)
{
    size_t n = sk_sweep_levels(s), i, k, kept = 0, ncols = 0;
    json_t *lv0 = sk_sweep_level_json(s, 0);
    const char **names = NULL, *key;
    double **values = NULL;
    size_t *lines = NULL;
    json_t *v;
    int rc = 0;

    *out = NULL;
    if (!lv0)
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        kept += !drop[i];
    if (kept == 0)
        goto done;
    names = calloc(json_object_size(lv0) + 1, sizeof(*names));
    values = calloc(json_object_size(lv0) + 1, sizeof(*values));
    lines = calloc(kept, sizeof(*lines));
    if (!names || !values || !lines) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    json_object_foreach(lv0, key, v)
    {
        const double *col;
        size_t m = 0;

        (void)v;
        if (sk_sweep_column(&col, s, key) != 0) {
            sk_error_clear(); /* text: analyses do not read it */
            continue;
        }
        if (!(values[ncols] = malloc(kept * sizeof(double)))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            goto done;
        }
        for (i = 0; i < n; i++)
            if (!drop[i])
                values[ncols][m++] = col[i];
        names[ncols++] = key;
    }
    for (i = 0, k = 0; i < n; i++)
        if (!drop[i])
            lines[k++] = sk_sweep_line(s, i);
    rc = sk_sweep_from_columns(out, sk_sweep_name(s), names, ncols,
                               (const double *const *)values, lines, kept);
done:
    for (i = 0; values && i < ncols; i++)
        free(values[i]);
    free(values);
    free(names);
    free(lines);
    json_decref(lv0);
    return rc;
}

/* Run k's unfinished levels, its sidecar's status and the sweep its
 * analyses read (struct sk_runset_run). */
static int find_partial(sk_runset *rs, size_t k, struct file *s, struct file *q)
{
    struct sk_runset_run *r = &rs->runs[k];
    struct file *named = s && s->named ? s : q && q->named ? q : NULL;
    const sk_sweep *sw = r->sweep;
    size_t n = sk_sweep_levels(sw), i, j, np = 0, sidecar = 0, first = 0;
    const double *conc = sk_sweep_concurrency(sw),
                 *qs = column_or_null(sw, "queries"),
                 *pl = column_or_null(sw, SK_SWEEP_PLANNED);
    struct sk_runset_partial *p;
    unsigned char *drop;
    int rc = 0;

    r->complete = sw;
    if (named) {
        read_sidecar(named);
        r->status = named->status;
        sidecar = named->planned;
    }
    if (!(p = calloc(n + (q ? q->q->nlevels : 0) + 1, sizeof(*p))) ||
        !(drop = calloc(n + 1, 1))) {
        free(p);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    rs->partials[k] = p;
    for (i = 0; i < n; i++) {
        size_t want = planned_at(pl, i, sidecar);

        if (!first)
            first = want;
        if (qs && want && qs[i] < (double)want) {
            p[np].concurrency = conc[i];
            p[np].queries = (size_t)qs[i];
            p[np].planned = want;
            p[np++].in_sweep = 1;
            drop[i] = 1;
        }
    }
    /* a level of the per-query file the summary has no row for */
    for (j = 0; s && q && j < q->q->nlevels; j++) {
        for (i = 0; i < n && conc[i] != q->q->levels[j].concurrency; i++)
            ;
        if (i < n)
            continue;
        p[np].concurrency = q->q->levels[j].concurrency;
        p[np].queries = q->q->levels[j].queries;
        p[np++].planned = sidecar ? sidecar : first;
    }
    qsort(p, np, sizeof(*p), cmp_partial);
    r->partial = np ? p : NULL;
    r->npartial = np;
    for (i = 0; i < n && !drop[i]; i++)
        ;
    if (i < n) {
        rc = sweep_without(&rs->completes[k], sw, drop);
        r->complete = rs->completes[k];
    }
    free(drop);
    return rc;
}

/* The runs of a grid file: one per configuration, labelled "LABEL KEY". */
static int grid_runs(sk_runset *rs, struct file *f)
{
    size_t g, m = sk_sweep_set_count(f->set);
    int rc;

    for (g = 0; g < m; g++) {
        const sk_sweep *sw = sk_sweep_set_get(f->set, g);
        struct sk_runset_run *r = &rs->runs[rs->nruns];
        char *label;
        size_t len;

        if ((rc = make_label(&label, f)) != 0)
            return rc;
        len = strlen(label) + strlen(sk_sweep_group(sw)) + 2;
        if (!(rs->labels[rs->nruns] = malloc(len))) {
            free(label);
            return sk_error_set(SK_ENOMEM, "out of memory");
        }
        snprintf(rs->labels[rs->nruns], len, "%s %s", label,
                 sk_sweep_group(sw));
        free(label);
        rs->nruns++;
        if ((rc = unique_label(rs, rs->nruns - 1)) != 0)
            return rc;
        r->label = rs->labels[rs->nruns - 1];
        r->group = sk_sweep_group(sw);
        r->pairing = SK_RUNSET_ALONE;
        r->summary_path = f->path;
        r->sweep = sw;
        if ((rc = find_partial(rs, rs->nruns - 1, f, NULL)) != 0)
            return rc;
    }
    return 0;
}

static int build_runs(sk_runset *rs)
{
    size_t i, n = rs->nfiles;
    int rc;

    for (i = 0; i < rs->nfiles; i++)
        if (rs->files[i].set)
            n += sk_sweep_set_count(rs->files[i].set) - 1;
    if (!(rs->runs = calloc(n, sizeof(*rs->runs))) ||
        !(rs->labels = calloc(n, sizeof(*rs->labels))) ||
        !(rs->partials = calloc(n, sizeof(*rs->partials))) ||
        !(rs->completes = calloc(n, sizeof(*rs->completes))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < rs->nfiles; i++) {
        struct file *f = &rs->files[i], *s, *q;
        struct sk_runset_run *r = &rs->runs[rs->nruns];

        if (f->in_run)
            continue;
        f->in_run = 1;
        if (f->set) {
            if ((rc = grid_runs(rs, f)) != 0)
                return rc;
            continue;
        }
        s = f->kind == SK_RUNSET_SUMMARY ? f : NULL;
        q = f->kind == SK_RUNSET_PER_QUERY ? f : NULL;
        if (f->partner != NONE) {
            rs->files[f->partner].in_run = 1;
            if (s)
                q = &rs->files[f->partner];
            else
                s = &rs->files[f->partner];
        }
        if ((rc = make_label(&rs->labels[rs->nruns], s ? s : q)) != 0)
            return rc;
        rs->nruns++;
        if ((rc = unique_label(rs, rs->nruns - 1)) != 0)
            return rc;
        r->label = rs->labels[rs->nruns - 1];
        r->group = "";
        r->pairing = f->pairing;
        if (s) {
            r->summary_path = s->path;
            r->sweep = s->sweep;
        }
        if (q) {
            r->per_query_path = q->path;
            r->queries = q->q;
            r->has_times = q->q->has_times;
            r->levels = q->q->levels;
            r->nlevels = q->q->nlevels;
            r->sample_concurrency = q->q->concurrency;
            r->sample_tokens_per_s = q->q->tokens_per_s;
            r->nsamples = q->q->n;
            if (!s) {
                r->sweep = q->sweep;
                r->summarized = 1;
            }
        }
        if ((rc = find_partial(rs, rs->nruns - 1, s, q)) != 0)
            return rc;
    }
    return 0;
}

int sk_runset_load(sk_runset *rs)
{
    size_t i;
    int rc;

    if (rs->loaded)
        return sk_error_set(SK_EINVAL, "the runset is already loaded");
    rs->loaded = 1;
    if (rs->nfiles == 0)
        return sk_error_set(SK_ENODATA, "no sweep CSV (summary or "
                                        "per-query) among the inputs");
    if ((rc = load_files(rs)) != 0)
        return rc;
    if ((rc = merge_shards(rs)) != 0 || (rc = pair_by_name(rs)) != 0 ||
        (rc = pair_by_counts(rs)) != 0)
        return rc;
    for (i = 0; i < rs->nfiles; i++) {
        struct file *f = &rs->files[i];

        if (f->kind == SK_RUNSET_PER_QUERY && f->partner == NONE &&
            (rc = summarized_sweep(f)) != 0)
            return rc;
    }
    return build_runs(rs);
}

size_t sk_runset_count(const sk_runset *rs)
{
    return rs->nruns;
}

const struct sk_runset_run *sk_runset_get(const sk_runset *rs, size_t i)
{
    return i < rs->nruns ? &rs->runs[i] : NULL;
}

int sk_runset_rename(sk_runset *rs, const char *path, const char *name)
{
    size_t i, j, hits = 0;

    for (i = 0; i < rs->nruns; i++) {
        struct sk_runset_run *r = &rs->runs[i];
        const char *g = r->group ? r->group : "";
        size_t len = strlen(name) + strlen(g) + 2;
        char *label;

        if (!((r->summary_path && strcmp(r->summary_path, path) == 0) ||
              (r->per_query_path && strcmp(r->per_query_path, path) == 0)))
            continue;
        if (!(label = malloc(len)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        snprintf(label, len, "%s%s%s", name, g[0] ? " " : "", g);
        for (j = 0; j < rs->nruns; j++)
            if (j != i && strcmp(rs->labels[j], label) == 0) {
                free(label);
                return sk_error_set(SK_EINVAL, "--name: two runs named %s",
                                    name);
            }
        free(rs->labels[i]);
        rs->labels[i] = label;
        r->label = label;
        hits++;
    }
    if (hits == 0)
        return sk_error_set(SK_ENOTFOUND,
                            "--name: no run was read from %s (give the "
                            "file as the report reads it)",
                            path);
    return 0;
}

size_t sk_runset_name_split(const char **name, const char *spec,
                            const char *const *paths, size_t n)
{
    const char *eq;
    size_t i;

    for (eq = strchr(spec, '='); eq; eq = strchr(eq + 1, '='))
        for (i = 0; eq[1] && i < n; i++)
            if (paths[i] && strlen(paths[i]) == (size_t)(eq - spec) &&
                strncmp(paths[i], spec, (size_t)(eq - spec)) == 0) {
                *name = eq + 1;
                return i;
            }
    return n;
}

int sk_runset_rename_spec(sk_runset *rs, const char *spec)
{
    const char *eq = strchr(spec, '='), *name, **paths;
    char *file;
    size_t i, k;
    int rc;

    if (!eq || eq == spec || !eq[1])
        return sk_error_set(SK_EINVAL,
                            "--name: expected FILE=NAME, got '%.200s'", spec);
    if (!(paths = calloc(2 * (rs->nruns ? rs->nruns : 1), sizeof(*paths))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    for (i = 0; i < rs->nruns; i++) {
        paths[2 * i] = rs->runs[i].summary_path;
        paths[2 * i + 1] = rs->runs[i].per_query_path;
    }
    k = sk_runset_name_split(&name, spec, paths, 2 * rs->nruns);
    if (k < 2 * rs->nruns) {
        rc = sk_runset_rename(rs, paths[k], name);
        free(paths);
        return rc;
    }
    free(paths);
    /* no split names a run's file: say so for the first */
    if (!(file = strndup(spec, (size_t)(eq - spec))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    rc = sk_runset_rename(rs, file, eq + 1);
    free(file);
    return rc;
}
