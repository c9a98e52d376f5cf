/*
 * Other tools' results into sweepkit's CSV (foreign.h): recognition by
 * content, the result model shared by the readers (foreign_int.h), the
 * directory walk, and the one writer of the model as a summary or
 * per-query CSV.
 */
#include "foreign_int.h"

#include "sweepkit/error.h"
#include "sweepkit/metrics.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_DIR_FILES 4096

const char *sk_foreign_format_name(sk_foreign_format f)
{
    switch (f) {
    case SK_FOREIGN_VLLM: return "vLLM bench serve result";
    case SK_FOREIGN_VLLM_SWEEP: return "vLLM bench sweep summary";
    case SK_FOREIGN_GENAI_PERF: return "GenAI-Perf profile export";
    case SK_FOREIGN_AIPERF: return "AIPerf profile export";
    case SK_FOREIGN_GUIDELLM: return "GuideLLM benchmarks report";
    case SK_FOREIGN_NONE: break;
    }
    return "CSV";
}

/* ---- the model --------------------------------------------------------- */

struct fl_level *fl_level_add(struct fl_set *s)
{
    struct fl_level *l;

    if (s->nlv == s->lvcap) {
        size_t cap = s->lvcap ? 2 * s->lvcap : 16;
        struct fl_level *v = realloc(s->lv, cap * sizeof(*v));

        if (!v) {
            sk_error_set(SK_ENOMEM, "out of memory");
            return NULL;
        }
        s->lv = v;
        s->lvcap = cap;
    }
    l = &s->lv[s->nlv++];
    memset(l, 0, sizeof(*l));
    l->concurrency = l->request_rate = l->queries = l->errors = NAN;
    l->avg_e2e = l->p99_e2e = NAN;
    l->wall_s = l->total_output_tokens = l->throughput = NAN;
    l->avg_query_tps = l->median_query_tps = l->p90_query_tps = NAN;
    l->avg_ttft = l->median_ttft = l->p90_ttft = l->p99_ttft = NAN;
    l->avg_decode_tps = l->median_decode_tps = l->p90_decode_tps = NAN;
    l->achieved_concurrency = NAN;
    return l;
}

struct fl_query *fl_query_add(struct fl_set *s)
{
    struct fl_query *q;

    if (s->nq == s->qcap) {
        size_t cap = s->qcap ? 2 * s->qcap : 256;
        struct fl_query *v = realloc(s->q, cap * sizeof(*v));

        if (!v) {
            sk_error_set(SK_ENOMEM, "out of memory");
            return NULL;
        }
        s->q = v;
        s->qcap = cap;
    }
    q = &s->q[s->nq++];
    q->concurrency = q->ttft_s = q->output_tokens = q->input_tokens = NAN;
    q->tokens_per_s = q->decode_tokens_per_s = q->start_s = q->end_s = NAN;
    q->error = NULL;
    q->unplaced = 0;
    return q;
}

void fl_extra(struct fl_level *l, const char *name, double v)
{
    if (l->nextra < FL_MAX_EXTRA && !isnan(v)) {
        l->extra[l->nextra].name = name;
        l->extra[l->nextra++].v = v;
    }
}

double fl_num(const json_t *o, const char *key, double per_s)
{
    const json_t *v = json_object_get(o, key);

    /* a division: 18 ms is 0.018 s, not 0.018000000000000002 */
    return json_is_number(v) ? json_number_value(v) / per_s : NAN;
}

void fl_query_speeds(struct fl_query *q, double latency_s)
{
    if (isnan(q->tokens_per_s))
        q->tokens_per_s =
            sk_metric_query_tokens_per_s(q->output_tokens, latency_s);
    if (isnan(q->decode_tokens_per_s))
        q->decode_tokens_per_s = sk_metric_decode_tokens_per_s(
            q->output_tokens, latency_s, q->ttft_s);
}

int fl_bad(const struct fl_set *s, sk_foreign_format f, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sk_error_set(SK_EPARSE, "%s: %s: %s", s->file,
                        sk_foreign_format_name(f), msg);
}

size_t fl_csv_cells(char *line, char **out, size_t max)
{
    size_t n = 0;
    char *p = line, *w;

    while (n < max) {
        int q = *p == '"';

        out[n++] = w = p + q;
        if (q) {
            for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
                *w++ = *p == '"' ? *++p : *p;
            if (*p == '"')
                p++;
        } else {
            for (; *p && *p != ','; p++)
                *w++ = *p;
        }
        if (*p != ',') {
            *w = '\0';
            break;
        }
        *w = '\0';
        p++;
    }
    return n;
}

double fl_per_second(const char *unit)
{
    static const struct {
        const char *unit;
        double per_s;
    } units[] = {{"ms", 1e3}, {"ns", 1e9}, {"us", 1e6}, {"s", 1},
                 {"sec", 1}};
    size_t i;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(unit, units[i].unit) == 0)
            return units[i].per_s;
    return 0;
}

int fl_json_lines(const char *buf, size_t len)
{
    const char *p = buf + strspn(buf, " \t\r\n"), *nl;
    json_t *o;
    int yes;

    if (p >= buf + len || !(nl = memchr(p, '\n', len - (size_t)(p - buf))))
        return 0;
    o = json_loadb(p, (size_t)(nl - p), 0, NULL);
    yes = json_is_object(o);
    json_decref(o);
    return yes;
}

int fl_each_line(struct fl_set *s, sk_foreign_format f, const char *buf,
                 size_t len,
                 int (*fn)(struct fl_set *s, const json_t *o, size_t line,
                           void *payload),
                 void *payload)
{
    const char *p = buf, *end = buf + len;
    size_t line = 0;
    json_error_t err;
    int rc = 0;

    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_t *o;

        line++;
        if (n > 0 && strspn(p, " \t\r") < n) {
            if (!(o = json_loadb(p, n, 0, &err)))
                return fl_bad(s, f, "line %zu: invalid JSON at column %d: %s",
                              line, err.column, err.text);
            rc = fn(s, o, line, payload);
            json_decref(o);
        }
        p += n + (nl != NULL);
    }
    return rc;
}

static void set_free(struct fl_set *s)
{
    size_t i;

    for (i = 0; i < s->nq; i++)
        free(s->q[i].error);
    free(s->q);
    free(s->lv);
}

/* ---- recognition ------------------------------------------------------- */

/* Whether `key` appears as a JSON member name ("key":) in the head. */
static int has_key(const char *head, size_t n, const char *key)
{
    char pat[64];
    size_t k = (size_t)snprintf(pat, sizeof(pat), "\"%s\"", key), i;

    for (i = 0; i + k <= n; i++)
        if (memcmp(head + i, pat, k) == 0) {
            size_t j = i + k;

            while (j < n && strchr(" \t\r\n", head[j]))
                j++;
            if (j < n && head[j] == ':')
                return 1;
        }
    return 0;
}

/* The first line's cells, comma-separated, as given. */
static int first_line_has(const char *head, size_t n, const char *cell)
{
    const char *nl = memchr(head, '\n', n);
    size_t end = nl ? (size_t)(nl - head) : n, k = strlen(cell), i;

    for (i = 0; i + k <= end; i++)
        if ((i == 0 || head[i - 1] == ',') && memcmp(head + i, cell, k) == 0 &&
            (i + k == end || head[i + k] == ',' || head[i + k] == '\r'))
            return 1;
    return 0;
}

sk_foreign_format sk_foreign_sniff(const char *head, size_t n)
{
    size_t i = 0;

    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && strchr(" \t\r\n", head[i]))
        i++;
    head += i;
    n -= i;
    if (n && (head[0] == '{' || head[0] == '[')) {
        if (has_key(head, n, "benchmarks") &&
            (has_key(head, n, "scheduler") || has_key(head, n, "args") ||
             has_key(head, n, "config")))
            return SK_FOREIGN_GUIDELLM;
        if (has_key(head, n, "output_throughput") ||
            has_key(head, n, "max_concurrency") ||
            has_key(head, n, "mean_ttft_ms"))
            return SK_FOREIGN_VLLM;
        if (has_key(head, n, "request_start_ns") ||
            (has_key(head, n, "records") && has_key(head, n, "metrics")) ||
            has_key(head, n, "aiperf_version") ||
            has_key(head, n, "user_config") ||
            has_key(head, n, "error_request_count") ||
            has_key(head, n, "benchmark_duration"))
            return SK_FOREIGN_AIPERF;
        if (has_key(head, n, "time_to_first_token") ||
            has_key(head, n, "output_token_throughput"))
            return SK_FOREIGN_GENAI_PERF;
        return SK_FOREIGN_NONE;
    }
    if (n > 7 && memcmp(head, "Metric,", 7) == 0)
        return SK_FOREIGN_GENAI_PERF;
    if (first_line_has(head, n, "output_throughput") &&
        (first_line_has(head, n, "mean_ttft_ms") ||
         first_line_has(head, n, "max_concurrency")))
        return SK_FOREIGN_VLLM_SWEEP;
    return SK_FOREIGN_NONE;
}

/* ---- reading ----------------------------------------------------------- */

static int slurp(char **out, size_t *len, const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    *out = NULL;
    if (!fp)
        return sk_error_set(errno == ENOENT ? SK_ENOTFOUND : SK_EIO,
                            "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        size_t got;

        if (cap - n < 65536) {
            char *t;

            cap = cap ? 2 * cap : 1 << 20;
            if (!(t = realloc(buf, cap + 1))) {
                free(buf);
                fclose(fp);
                return sk_error_set(SK_ENOMEM, "%s: out of memory", path);
            }
            buf = t;
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        free(buf);
        fclose(fp);
        return sk_error_set(SK_EIO, "%s: read failed", path);
    }
    fclose(fp);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* "...-concurrency144" (GenAI-Perf's and AIPerf's artifact directories):
 * the digits after the last "concurrency" in the name of the directory
 * holding `path`, or NaN. */
static double concurrency_in_name(const char *path)
{
    const char *slash = strrchr(path, '/'), *start = path, *p, *last = NULL;
    double v = 0;

    if (!slash)
        return NAN;
    for (p = path; p < slash; p++) /* the innermost directory's name */
        if (*p == '/')
            start = p + 1;
    for (p = start; (p = strstr(p, "concurrency")) && p < slash; p++)
        last = p;
    if (!last)
        return NAN;
    last += strlen("concurrency");
    while (*last == '_' || *last == '-' || *last == '=')
        last++;
    if (!(*last >= '1' && *last <= '9'))
        return NAN;
    for (; *last >= '0' && *last <= '9' && v < 1e9; last++)
        v = 10 * v + (*last - '0');
    return last == slash || *last == '-' || *last == '_' ? v : NAN;
}

/* Read `buf` (NUL-terminated, `len` bytes; may be rewritten) named
 * `name` into s by the reader of its format, *f. */
static int read_buf(struct fl_set *s, const char *name, char *buf,
                    size_t len, sk_foreign_format *f)
{
    int rc = 0;

    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3; /* a byte-order mark: not part of the data */
        len -= 3;
    }
    s->file = name;
    s->dir_concurrency = concurrency_in_name(name);
    *f = sk_foreign_sniff(buf, len < SK_FOREIGN_SNIFF_BYTES
                                   ? len
                                   : SK_FOREIGN_SNIFF_BYTES);
    switch (*f) {
    case SK_FOREIGN_VLLM: rc = fl_read_vllm(s, buf, len); break;
    case SK_FOREIGN_VLLM_SWEEP: rc = fl_read_vllm_sweep(s, buf, len); break;
    case SK_FOREIGN_GENAI_PERF: rc = fl_read_genai_perf(s, buf, len); break;
    case SK_FOREIGN_AIPERF: rc = fl_read_aiperf(s, buf, len); break;
    case SK_FOREIGN_GUIDELLM: rc = fl_read_guidellm(s, buf, len); break;
    case SK_FOREIGN_NONE:
        rc = sk_error_set(SK_EPARSE,
                          "%s: not a result sweepkit reads (a sweep CSV, "
                          "or vLLM, GenAI-Perf, AIPerf or GuideLLM output; "
                          "docs/formats.md)",
                          name);
        break;
    }
    return rc;
}

static int read_one(struct fl_set *s, const char *path, sk_foreign_format *f)
{
    char *buf;
    size_t len = 0;
    int rc;

    if ((rc = slurp(&buf, &len, path)) != 0)
        return rc;
    rc = read_buf(s, path, buf, len, f);
    free(buf);
    return rc;
}

/* Whether the file at `path` is a result of another tool (by content). */
static int is_result(const char *path)
{
    char *head = malloc(SK_FOREIGN_SNIFF_BYTES);
    FILE *fp = head ? fopen(path, "rb") : NULL;
    size_t n;
    int yes;

    if (!fp) {
        free(head);
        return 0;
    }
    n = fread(head, 1, SK_FOREIGN_SNIFF_BYTES, fp);
    fclose(fp);
    yes = sk_foreign_sniff(head, n) != SK_FOREIGN_NONE;
    free(head);
    return yes;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);

    return n >= k && strcasecmp(s + n - k, tail) == 0;
}

/* Whether directory `dir` holds a file called `name`. */
static int has_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/*
 * The result files of directory `dir` and, one level down, of its
 * subdirectories (artifact directories), appended to *out (*n of them).
 * Only JSON and JSON Lines files are looked into at the top (its CSVs are
 * sweepkit's, read one by one); in a subdirectory a CSV export counts
 * when there is no JSON one (GenAI-Perf writes both for one run), and
 * vllm bench sweep's summary.json when there are no run=N.json beside
 * it (it repeats them).  *csvs counts the top's CSV files that are not
 * results (sweepkit's own).
 */
static int dir_files(char ***out, size_t *n, size_t *csvs, const char *dir,
                     int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t first = *n, i, k, ncsv = 0;
    char **csv = NULL; /* the top's CSV files, judged at the end */
    int rc = 0, json = 0;

    if (!d)
        return sk_error_set(SK_EIO, "%s: cannot read: %s", dir,
                            strerror(errno));
    while (rc == 0 && (e = readdir(d))) {
        struct stat st;
        char *full;
        size_t len;
        int is_json = ends_with(e->d_name, ".json") ||
                      ends_with(e->d_name, ".jsonl"),
            is_csv = ends_with(e->d_name, ".csv");

        if (e->d_name[0] == '.' ||
            (depth && strcmp(e->d_name, "summary.json") == 0 &&
             has_file(dir, "run=0.json")))
            continue;
        len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(full = malloc(len))) {
            rc = sk_error_set(SK_ENOMEM, "out of memory");
            break;
        }
        snprintf(full, len, "%s/%s", dir, e->d_name);
        if (stat(full, &st) != 0) {
            free(full);
        } else if (S_ISDIR(st.st_mode) && depth == 0) {
            rc = dir_files(out, n, csvs, full, 1);
            free(full);
        } else if (S_ISREG(st.st_mode) && (is_json || (depth && is_csv)) &&
                   is_result(full)) {
            char **t = *n < MAX_DIR_FILES
                           ? realloc(*out, (*n + 1) * sizeof(*t))
                           : NULL;

            if (!t) {
                rc = *n < MAX_DIR_FILES
                         ? sk_error_set(SK_ENOMEM, "out of memory")
                         : sk_error_set(SK_ELIMIT,
                                        "%s: more than %d results; give "
                                        "them in smaller directories",
                                        dir, MAX_DIR_FILES);
                free(full);
            } else {
                *out = t;
                (*out)[(*n)++] = full;
                json |= is_json;
            }
        } else if (depth == 0 && is_csv && S_ISREG(st.st_mode)) {
            char **t = realloc(csv, (ncsv + 1) * sizeof(*t));

            if (!t) {
                free(full);
                rc = sk_error_set(SK_ENOMEM, "out of memory");
            } else {
                csv = t;
                csv[ncsv++] = full;
            }
        } else {
            free(full);
        }
    }
    closedir(d);
    /* The top's CSVs are sweepkit's (not opened here: report reads each
     * once), unless there are results beside them: then a CSV that is an
     * export of one of them goes with it, any other is sweepkit's. */
    for (i = 0; i < ncsv; i++) {
        *csvs += !(*n > first && is_result(csv[i]));
        free(csv[i]);
    }
    free(csv);
    /* this subdirectory's CSV exports go when it has JSON ones */
    for (i = k = first; depth && json && i < *n; i++) {
        if (ends_with((*out)[i], ".csv"))
            free((*out)[i]);
        else
            (*out)[k++] = (*out)[i];
    }
    if (depth && json)
        *n = k;
    return rc;
}

int sk_foreign_dir(const char *path)
{
    char **files = NULL;
    size_t n = 0, csvs = 0, i;
    struct stat st;
    int rc;

    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    rc = dir_files(&files, &n, &csvs, path, 0);
    for (i = 0; i < n; i++)
        free(files[i]);
    free(files);
    /* a directory of sweepkit's own CSVs stays theirs (report, ...) */
    return rc == 0 && n > 0 && csvs == 0;
}

/* ---- writing ----------------------------------------------------------- */

struct out {
    char *buf;
    size_t len, cap;
    int oom;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        char *t;

        while (o->len + n + 1 > cap)
            cap *= 2;
        if (!(t = realloc(o->buf, cap))) {
            o->oom = 1;
            return;
        }
        o->buf = t;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* A cell: 15 significant digits, empty for NaN.  A tool's 94.9 ms is
 * 0.0949 s (the shortest round trip of the quotient would print
 * 0.09490000000000001: digits the tool never had). */
static void num(struct out *o, double v)
{
    char b[64];

    if (!isnan(v))
        put(o, b, (size_t)snprintf(b, sizeof(b), "%.15g", v));
}

/* A cell holding a count: no decimals. */
static void count(struct out *o, double v)
{
    if (isnan(v))
        return;
    if (fabs(v) < 1e15) {
        char b[32];

        put(o, b, (size_t)snprintf(b, sizeof(b), "%.0f", v));
    } else {
        num(o, v); /* no count is that large: the number as it is */
    }
}

/* A text cell, quoted when it must be. */
static void text(struct out *o, const char *s)
{
    const char *p;

    if (!strpbrk(s, ",\"\r\n")) {
        puts_(o, s);
        return;
    }
    put(o, "\"", 1);
    for (p = s; *p; p++) {
        if (*p == '"')
            put(o, "\"", 1);
        put(o, p, 1);
    }
    put(o, "\"", 1);
}

/* The summary schema (docs/metrics.md), then the extras sweepkit's own
 * summaries add, then request_rate and the tools' own metrics. */
enum { NCOLS = 22 };
static const char *const cols[NCOLS] = {
    "concurrency",           "queries",
    "wall_s",                "total_output_tokens",
    "throughput_tokens_per_s", "avg_query_tokens_per_s",
    "median_query_tokens_per_s", "p90_query_tokens_per_s",
    "avg_ttft_s",            "median_ttft_s",
    "p90_ttft_s",            "avg_decode_tokens_per_s",
    "median_decode_tokens_per_s", "p90_decode_tokens_per_s",
    "errors",                "p99_ttft_s",
    "p99_query_tokens_per_s", "achieved_concurrency",
    "avg_e2e_s",             "p99_e2e_s",
    "request_rate",          "source_format"};

static double level_cell(const struct fl_level *l, size_t c)
{
    const double v[NCOLS] = {
        l->concurrency,    l->queries,        l->wall_s,
        l->total_output_tokens, l->throughput, l->avg_query_tps,
        l->median_query_tps, l->p90_query_tps, l->avg_ttft,
        l->median_ttft,    l->p90_ttft,       l->avg_decode_tps,
        l->median_decode_tps, l->p90_decode_tps, l->errors,
        l->p99_ttft,       NAN,               l->achieved_concurrency,
        l->avg_e2e,        l->p99_e2e,        l->request_rate,
        NAN};

    return v[c];
}

/* The extras' names in first-seen order, at most 32. */
static size_t extra_names(const struct fl_set *s, const char **names)
{
    size_t i, k, j, n = 0;

    for (i = 0; i < s->nlv; i++)
        for (k = 0; k < s->lv[i].nextra; k++) {
            for (j = 0; j < n && strcmp(names[j], s->lv[i].extra[k].name);
                 j++)
                ;
            if (j == n && n < 32)
                names[n++] = s->lv[i].extra[k].name;
        }
    return n;
}

static int by_level(const void *a, const void *b)
{
    const struct fl_level *x = a, *y = b;
    double p = isnan(x->concurrency) ? INFINITY : x->concurrency,
           q = isnan(y->concurrency) ? INFINITY : y->concurrency;

    if (p != q)
        return (p > q) - (p < q);
    p = isnan(x->request_rate) ? INFINITY : x->request_rate;
    q = isnan(y->request_rate) ? INFINITY : y->request_rate;
    return (p > q) - (p < q);
}

/* Levels: the columns with a value somewhere (concurrency always). */
static void write_levels(struct out *o, struct fl_set *s,
                         sk_foreign_format f)
{
    const char *xn[32];
    size_t nx = extra_names(s, xn), i, c, k;
    int used[NCOLS] = {0};

    qsort(s->lv, s->nlv, sizeof(*s->lv), by_level);
    used[0] = used[NCOLS - 1] = 1;
    for (i = 0; i < s->nlv; i++)
        for (c = 1; c + 1 < NCOLS; c++)
            used[c] |= !isnan(level_cell(&s->lv[i], c));
    for (c = 0, k = 0; c < NCOLS; c++)
        if (used[c]) {
            puts_(o, k++ ? "," : "");
            puts_(o, cols[c]);
        }
    for (k = 0; k < nx; k++) {
        puts_(o, ",");
        puts_(o, xn[k]);
    }
    puts_(o, "\n");
    for (i = 0; i < s->nlv; i++) {
        const struct fl_level *l = &s->lv[i];

        for (c = 0, k = 0; c < NCOLS; c++) {
            if (!used[c])
                continue;
            puts_(o, k++ ? "," : "");
            if (c == NCOLS - 1)
                puts_(o, sk_foreign_format_name(f));
            else if (c == 1 || c == 3 || c == 14)
                count(o, level_cell(l, c));
            else
                num(o, level_cell(l, c));
        }
        for (k = 0; k < nx; k++) {
            size_t j;

            puts_(o, ",");
            for (j = 0; j < l->nextra; j++)
                if (strcmp(l->extra[j].name, xn[k]) == 0) {
                    double v = l->extra[j].v;

                    if (v == floor(v))
                        count(o, v); /* run_number 0, not 0.0 */
                    else
                        num(o, v);
                }
        }
        puts_(o, "\n");
    }
}

/* Requests: summarize.h's per-query columns, a failed one with its
 * error and no metrics. */
static void write_queries(struct out *o, const struct fl_set *s)
{
    size_t i;

    puts_(o, "concurrency,ttft_s,output_tokens,tokens_per_s,"
             "decode_tokens_per_s,start_s,end_s,input_tokens,error\n");
    for (i = 0; i < s->nq; i++) {
        const struct fl_query *q = &s->q[i];
        int ok = !q->error;

        num(o, q->concurrency);
        puts_(o, ",");
        if (ok)
            num(o, q->ttft_s);
        puts_(o, ",");
        if (ok)
            count(o, q->output_tokens);
        puts_(o, ",");
        if (ok)
            num(o, q->tokens_per_s);
        puts_(o, ",");
        if (ok)
            num(o, q->decode_tokens_per_s);
        puts_(o, ",");
        num(o, q->start_s);
        puts_(o, ",");
        num(o, q->end_s);
        puts_(o, ",");
        count(o, q->input_tokens);
        puts_(o, ",");
        if (!ok)
            text(o, q->error[0] ? q->error : "failed");
        puts_(o, "\n");
    }
}

/* The length of the directory part of `path` ("" for none). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? (size_t)(slash - path) : 0;
}

/*
 * Requests q[from..) read without a concurrency (AIPerf's records) take
 * that of the one level read from the same directory, levels lv[lfrom..)
 * (its summary export); without one they are an error.
 */
static int fill_concurrency(struct fl_set *s, size_t from, size_t lfrom,
                            const char *file)
{
    double c = NAN;
    size_t i;

    for (i = lfrom; i < s->nlv; i++) {
        if (!isnan(c) && s->lv[i].concurrency != c)
            c = -1;
        else if (isnan(c))
            c = s->lv[i].concurrency;
    }
    for (i = from; i < s->nq; i++)
        if (s->q[i].unplaced) {
            if (!(c > 0))
                return sk_error_set(SK_EPARSE,
                                    "%s: %s: the requests' concurrency is in "
                                    "neither the records, the directory's "
                                    "name (\"...-concurrency8\") nor one "
                                    "summary export beside them",
                                    file,
                                    sk_foreign_format_name(
                                        SK_FOREIGN_AIPERF));
            s->q[i].concurrency = c;
            s->q[i].unplaced = 0;
        }
    return 0;
}

/* The checks on what was read, and the writing of it as CSV into *o. */
static int finish(struct out *o, struct fl_set *s, sk_foreign_want want,
                  sk_foreign_format f, const char *path)
{
    size_t i;
    int rc = 0;

    /* a sweep's analyses take its concurrency levels; open-loop runs
     * beside them (GuideLLM's default profile mixes them) stay out, and
     * alone they are an error */
    if (want == SK_FOREIGN_QUERIES) {
        /* requests of open-loop runs have no level: left out, as their
         * runs are from a sweep; and the rows are requests only when
         * every level has its requests */
        size_t k = 0, j;

        for (i = 0; i < s->nq; i++)
            if (!isnan(s->q[i].concurrency))
                s->q[k++] = s->q[i];
            else
                free(s->q[i].error);
        s->nq = k;
        for (i = 0; i < s->nlv && k > 0; i++) {
            for (j = 0; j < s->nq &&
                        s->q[j].concurrency != s->lv[i].concurrency;
                 j++)
                ;
            if (j == s->nq && !isnan(s->lv[i].concurrency))
                k = 0; /* a level without its requests */
        }
        if (k == 0)
            want = SK_FOREIGN_SWEEP; /* the levels, grouped by concurrency */
    }
    if (rc == 0 && want == SK_FOREIGN_SWEEP) {
        size_t k = 0;

        for (i = 0; i < s->nlv; i++)
            if (!isnan(s->lv[i].concurrency))
                s->lv[k++] = s->lv[i];
        if (k > 0)
            s->nlv = k;
    }
    for (i = 0; rc == 0 && want == SK_FOREIGN_SWEEP && i < s->nlv; i++)
        if (isnan(s->lv[i].concurrency)) {
            char rate[48] = "";

            if (!isnan(s->lv[i].request_rate))
                snprintf(rate, sizeof(rate), "request rate %g/s, ",
                         s->lv[i].request_rate);
            rc = sk_error_set(SK_EPARSE,
                              "%s: an open-loop run (%sno concurrency cap) "
                              "is no level of a concurrency sweep: "
                              SK_FOREIGN_OPEN_LOOP_HINT " (docs/formats.md)",
                              path, rate);
        }
    if (rc == 0 && s->nlv == 0 && s->nq == 0)
        rc = sk_error_set(SK_EPARSE, "%s: %s with no runs in it", path,
                          sk_foreign_format_name(f));
    if (rc == 0) {
        if (want == SK_FOREIGN_QUERIES && s->nq > 0)
            write_queries(o, s);
        else if (s->nlv > 0)
            write_levels(o, s, f);
        else
            write_queries(o, s);
        if (o->oom)
            rc = sk_error_set(SK_ENOMEM, "out of memory");
    }
    return rc;
}

/* The end of a read: the model freed, the CSV handed over (or freed on
 * an error, `rc`, which is returned). */
static int hand(char **csv, size_t *len, struct out *o, struct fl_set *s,
                int rc)
{
    set_free(s);
    if (rc != 0) {
        free(o->buf);
        return rc;
    }
    *csv = o->buf;
    *len = o->len;
    return 0;
}

int sk_foreign_read_buffer(char **csv, size_t *len, const char *name,
                           const char *buf, size_t n, sk_foreign_want want)
{
    struct fl_set s;
    struct out o = {NULL, 0, 0, 0};
    sk_foreign_format f;
    char *copy = malloc(n + 1);
    int rc;

    *csv = NULL;
    *len = 0;
    if (!copy)
        return sk_error_set(SK_ENOMEM, "out of memory");
    memcpy(copy, buf, n);
    copy[n] = '\0';
    memset(&s, 0, sizeof(s));
    rc = read_buf(&s, name, copy, n, &f);
    if (rc == 0)
        rc = fill_concurrency(&s, 0, 0, name);
    if (rc == 0)
        rc = finish(&o, &s, want, f, name);
    free(copy);
    return hand(csv, len, &o, &s, rc);
}

int sk_foreign_read(char **csv, size_t *len, const char *path,
                    sk_foreign_want want)
{
    struct fl_set s;
    struct out o = {NULL, 0, 0, 0};
    sk_foreign_format f = SK_FOREIGN_NONE, g;
    char **files = NULL;
    size_t nfiles = 0, i, qfrom, lfrom;
    struct stat st;
    int rc = 0;

    *csv = NULL;
    *len = 0;
    memset(&s, 0, sizeof(s));
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t csvs = 0;

        if ((rc = dir_files(&files, &nfiles, &csvs, path, 0)) == 0 &&
            nfiles == 0)
            rc = sk_error_set(SK_ENOTFOUND,
                              "%s: no result of vLLM, GenAI-Perf, AIPerf "
                              "or GuideLLM here (nor in its "
                              "subdirectories)",
                              path);
        if (rc == 0)
            qsort(files, nfiles, sizeof(*files), by_name);
        /* files sorted by name: a directory's are together */
        for (i = 0, qfrom = lfrom = 0; i < nfiles && rc == 0; i++) {
            rc = read_one(&s, files[i], &g);
            if (rc == 0 && f != SK_FOREIGN_NONE && g != f &&
                !(f == SK_FOREIGN_AIPERF && g == SK_FOREIGN_GENAI_PERF) &&
                !(g == SK_FOREIGN_AIPERF && f == SK_FOREIGN_GENAI_PERF))
                rc = sk_error_set(SK_EPARSE,
                                  "%s: a %s among %s files: one tool's "
                                  "results a directory",
                                  files[i], sk_foreign_format_name(g),
                                  sk_foreign_format_name(f));
            f = g;
            if (rc == 0 &&
                (i + 1 == nfiles ||
                 dir_len(files[i + 1]) != dir_len(files[i]) ||
                 strncmp(files[i + 1], files[i], dir_len(files[i])) != 0)) {
                rc = fill_concurrency(&s, qfrom, lfrom, files[i]);
                qfrom = s.nq;
                lfrom = s.nlv;
            }
        }
    } else {
        rc = read_one(&s, path, &f);
        if (rc == 0)
            rc = fill_concurrency(&s, 0, 0, path);
    }
    if (rc == 0)
        rc = finish(&o, &s, want, f, path);
    for (i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    return hand(csv, len, &o, &s, rc);
}
