/*
 * Descriptive statistics and the grouped column loader.
 *
 * Memory of a grouped load: the kept values (8 bytes each) in one growable
 * array per (group, field), grown by doubling, so at most twice what is
 * kept; from 64 KiB to 1 MiB on huge-page slabs (stats_int.h), in a few
 * page faults rather than one per 512 values.  Per group: one block (key
 * text, numeric key parts, one series header per field), a slot in the
 * groups array and in the hash index.
 * Rows themselves are never kept.  The load ends by sorting every array
 * and taking its mean and sd, on the read's threads: one scratch array of
 * an array's size per thread at a time.
 */
#include "sweepkit/stats.h"

#include "stats_int.h"

#include "sweepkit/error.h"
#include "sweepkit/num.h"
#include "sweepkit/table.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The default fields: the per-query metrics of docs/metrics.md. */
static const char *const default_fields[] = {"ttft_s", "tokens_per_s",
                                             "decode_tokens_per_s",
                                             "duration_s", "output_tokens"};
#define NDEFAULT (sizeof(default_fields) / sizeof(default_fields[0]))
static const char default_key[] = "concurrency";

/* ---- percentiles and summaries ---------------------------------------- */

/*
 * Linear interpolation between closest ranks (numpy's default, GSL's
 * gsl_stats_quantile_from_sorted_data; not GSL's code, whose
 * (1 - d) a + d b form can miss a tie a == b by an ulp):
 * h = (n - 1) p / 100, x[floor h] + (h - floor h)(x[ceil h] - x[floor h]).
 * `sorted` ascending and finite, n >= 1, p in [0, 100].
 */
static double percentile(const double *sorted, size_t n, double p)
{
    double h = (double)(n - 1) * p / 100.0;
    size_t lo = (size_t)floor(h);
    double d = h - (double)lo, a, b, v;

    if (lo >= n - 1)
        return sorted[n - 1];
    a = sorted[lo];
    b = sorted[lo + 1];
    if (d == 0)
        return a;
    v = a + d * (b - a);
    if (!isfinite(b - a)) /* b - a overflows: same value, another form */
        v = (1 - d) * a + d * b;
    /* Rounding may not leave the bracket [a, b] the definition lies in. */
    return v < a ? a : v > b ? b : v;
}

static int check_p(double p)
{
    if (!(p >= 0 && p <= 100)) /* NaN fails too */
        return sk_error_set(SK_EINVAL, "percentile %g is outside [0, 100]", p);
    return 0;
}

int sk_stats_percentile(double *out, const double *sorted, size_t n, double p)
{
    int rc;

    if ((rc = check_p(p)) != 0)
        return rc;
    if (n == 0)
        return sk_error_set(SK_ENODATA, "percentile of an empty sample");
    *out = percentile(sorted, n, p);
    return 0;
}

static uint64_t bits_of(const double *p)
{
    uint64_t u;

    memcpy(&u, p, sizeof(u));
    return u;
}

static void set_bits(double *p, uint64_t u)
{
    memcpy(p, &u, sizeof(u));
}

#define SIGN_BIT (UINT64_C(1) << 63)

/*
 * Sort finite v[0..n) ascending: least-significant-digit radix sort, one
 * byte per pass, skipping bytes every key shares.  Linear and several
 * times faster than qsort() on the large per-group arrays; `tmp` has room
 * for n values.  A double's bits become an unsigned key in the same order
 * by flipping every bit of a negative number and only the sign bit of a
 * positive one (-0.0 sorts just before 0.0).  Keys are kept in the double
 * arrays as bit patterns, through memcpy.
 */
static void radix_sort(double *v, double *tmp, size_t n)
{
    size_t count[8][256]; /* 16 KiB of stack */
    double *src = v, *dst = tmp, *t;
    size_t i, b;
    uint64_t k;

    memset(count, 0, sizeof(count));
    for (i = 0; i < n; i++) {
        k = bits_of(&v[i]);
        k = k & SIGN_BIT ? ~k : k | SIGN_BIT;
        set_bits(&v[i], k);
        for (b = 0; b < 8; b++)
            count[b][(k >> (8 * b)) & 0xFF]++;
    }
    for (b = 0; b < 8; b++) {
        size_t pos = 0, c;

        if (count[b][(bits_of(&src[0]) >> (8 * b)) & 0xFF] == n)
            continue; /* every key has this byte */
        for (c = 0; c < 256; c++) {
            size_t m = count[b][c];

            count[b][c] = pos;
            pos += m;
        }
        for (i = 0; i < n; i++) {
            k = bits_of(&src[i]);
            set_bits(&dst[count[b][(k >> (8 * b)) & 0xFF]++], k);
        }
        t = src;
        src = dst;
        dst = t;
    }
    for (i = 0; i < n; i++) {
        k = bits_of(&src[i]);
        set_bits(&v[i], k & SIGN_BIT ? k & ~SIGN_BIT : ~k);
    }
}

/* Insertion sort for short arrays, where the radix passes cost more. */
static void insertion_sort(double *v, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        double x = v[i];

        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

#define RADIX_MIN 64

/* A radix sort's scratch array, kept from one sort to the next: fresh
 * pages cost a fault each. */
struct scratch {
    double *v;
    size_t cap;
};

/* Sort finite values ascending; an error when the scratch array cannot
 * be had. */
static int sort_values(double *v, size_t n, struct scratch *tmp)
{
    if (n < RADIX_MIN) {
        insertion_sort(v, n);
        return 0;
    }
    if (n > tmp->cap) {
        free(tmp->v);
        tmp->cap = 0;
        if (n > SIZE_MAX / sizeof(*tmp->v) ||
            !(tmp->v = malloc(n * sizeof(*tmp->v))))
            return SK_ENOMEM;
        tmp->cap = n;
    }
    radix_sort(v, tmp->v, n);
    return 0;
}

static int sort_failed(size_t n)
{
    return sk_error_set(SK_ENOMEM, "out of memory sorting %zu values", n);
}

/* The mean, sum x / n, and the sample standard deviation,
 * sqrt(sum (x - mean)^2 / (n - 1)), undefined for one value: two passes
 * of long double sums over the sorted values, so a summary does not
 * depend on the order the values were read in.  GSL's running mean and
 * variance (gsl_stats_mean, gsl_stats_sd_m) divide at every value, which
 * took half the time of sorting; they serve where a sum overflows (a
 * long double as wide as a double, values near DBL_MAX), since they
 * cannot on finite data. */
static void moments(double *mean, double *sd, const double *sorted, size_t n)
{
    long double sum = 0, ss = 0, d;
    size_t i;

    *mean = *sd = NAN;
    if (n == 0)
        return;
    for (i = 0; i < n; i++)
        sum += sorted[i];
    *mean = (double)(sum / n);
    if (!isfinite(*mean))
        *mean = gsl_stats_mean(sorted, 1, n);
    if (n < 2)
        return;
    for (i = 0; i < n; i++) {
        d = sorted[i] - (long double)*mean;
        ss += d * d;
    }
    *sd = (double)sqrtl(ss / (n - 1));
    if (!isfinite(*sd))
        *sd = gsl_stats_sd_m(sorted, 1, n, *mean);
}

static int check_ps(const double *p, size_t np)
{
    size_t i;
    int rc;

    for (i = 0; i < np; i++)
        if ((rc = check_p(p[i])) != 0)
            return rc;
    return 0;
}

/* The summary of n sorted values with their moments. */
static void fill(struct sk_stats_summary *out, double *pct,
                 const double *sorted, size_t n, double mean, double sd,
                 const double *p, size_t np)
{
    size_t i;

    out->count = n;
    out->missing = 0;
    out->mean = mean;
    out->sd = sd;
    out->min = n ? sorted[0] : NAN;
    out->max = n ? sorted[n - 1] : NAN;
    for (i = 0; i < np; i++)
        pct[i] = n ? percentile(sorted, n, p[i]) : NAN;
}

int sk_stats_summarize(struct sk_stats_summary *out, double *pct,
                       double *values, size_t n, const double *p, size_t np)
{
    struct scratch tmp = {NULL, 0};
    double mean, sd;
    size_t i;
    int rc;

    for (i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return sk_error_set(SK_EINVAL,
                                "value %zu of the sample is not finite", i + 1);
    if ((rc = check_ps(p, np)) != 0)
        return rc;
    rc = sort_values(values, n, &tmp);
    free(tmp.v);
    if (rc != 0)
        return sort_failed(n);
    moments(&mean, &sd, values, n);
    fill(out, pct, values, n, mean, sd, p, np);
    return 0;
}

/* ---- percentile intervals ---------------------------------------------- */

/* P(B <= k) for B ~ Binomial(n, q); 0 below 0, 1 from n on.  GSL's
 * exact value, or where it gives none (large n near the mean: NaN) the
 * normal approximation with the continuity correction, which is then
 * within 1e-4 of it (n q (1 - q) is in the thousands). */
static double binom_cdf(long k, size_t n, double q)
{
    double p;

    if (k < 0)
        return 0;
    if ((size_t)k >= n)
        return 1;
    p = gsl_cdf_binomial_P((unsigned)k, q, (unsigned)n);
    if (isfinite(p))
        return p;
    return gsl_cdf_ugaussian_P(((double)k + 0.5 - (double)n * q) /
                               sqrt((double)n * q * (1 - q)));
}

/* binom_cdf() at the ranks the search below asks for, each computed once
 * (the search asks for most of them three or four times, and GSL's exact
 * value costs microseconds). */
struct cdf_memo {
    double *v; /* v[k - base], or < 0 when not computed yet */
    long base;
    size_t len, n;
    double q;
};

static double memo_cdf(struct cdf_memo *m, long k)
{
    size_t i;

    if (!m->v || k < m->base || (size_t)(k - m->base) >= m->len)
        return binom_cdf(k, m->n, m->q);
    i = (size_t)(k - m->base);
    if (m->v[i] < 0)
        m->v[i] = binom_cdf(k, m->n, m->q);
    return m->v[i];
}

int sk_stats_quantile_ranks(size_t *l, size_t *u, double *coverage, size_t n,
                            double q, double confidence)
{
    double sd, mid, best_cov = 2, best_tail = 2;
    long lo, hi, a, b, best_w = -1, best_l = 0, best_u = 0;
    struct cdf_memo m;
    size_t i;

    if (!(q > 0 && q < 1) || !(confidence > 0 && confidence < 1))
        return sk_error_set(SK_EINVAL,
                            "a quantile and a confidence in (0, 1), got %g "
                            "and %g",
                            q, confidence);
    if (n == 0 || n > UINT_MAX)
        return sk_error_set(SK_ENODATA, "too small a sample (%zu values)",
                            n);
    /* The pairs worth trying lie within a few standard deviations of the
     * binomial's mean: outside, a tail alone holds more than 1 - level. */
    sd = sqrt((double)n * q * (1 - q));
    mid = (double)n * q;
    lo = (long)floor(mid - 8 * sd - 2);
    hi = (long)ceil(mid + 8 * sd + 2);
    if (lo < 1)
        lo = 1;
    if (hi > (long)n)
        hi = (long)n;
    /* ranks lo - 1 .. hi - 1; without the memory, computed as asked */
    m.base = lo - 1;
    m.len = (size_t)(hi - lo + 1);
    m.n = n;
    m.q = q;
    if ((m.v = malloc(m.len * sizeof(*m.v))) != NULL)
        for (i = 0; i < m.len; i++)
            m.v[i] = -1;
    /* b: the smallest rank with P(a <= B < b) >= confidence; it only
     * grows with a, so one pass moves both */
    for (a = lo, b = lo + 1; a <= hi; a++) {
        double below = memo_cdf(&m, a - 1), cov, tail;

        if (1 - below < confidence)
            break;
        if (b <= a)
            b = a + 1;
        while (b <= hi && memo_cdf(&m, b - 1) - below < confidence)
            b++;
        if (b > hi)
            break; /* later a need a b past n */
        cov = memo_cdf(&m, b - 1) - below;
        if (!isfinite(cov))
            continue;
        tail = fabs(below - (1 - memo_cdf(&m, b - 1)));
        if (best_w < 0 || b - a < best_w ||
            (b - a == best_w &&
             (cov < best_cov - 1e-12 ||
              (fabs(cov - best_cov) <= 1e-12 && tail < best_tail)))) {
            best_w = b - a;
            best_l = a;
            best_u = b;
            best_cov = cov;
            best_tail = tail;
        }
    }
    free(m.v);
    if (best_w < 0)
        return sk_error_set(SK_ENODATA,
                            "too small a sample for a two-sided %g%% "
                            "interval of the %g quantile (%zu values)",
                            100 * confidence, q, n);
    *l = (size_t)best_l;
    *u = (size_t)best_u;
    *coverage = best_cov;
    return 0;
}

void sk_stats_t_interval(double *lo, double *hi, double mean, double sd,
                         size_t n, double confidence)
{
    double h;

    *lo = *hi = NAN;
    if (n < 2 || !isfinite(sd) || !(confidence > 0 && confidence < 1))
        return;
    h = gsl_cdf_tdist_Pinv((1 + confidence) / 2, (double)(n - 1)) * sd /
        sqrt((double)n);
    *lo = mean - h;
    *hi = mean + h;
}

int sk_stats_percentile_ci(double *lo, double *hi, const double *sorted,
                           size_t n, double p, double confidence)
{
    size_t l, u;
    double cov;
    int rc = sk_stats_quantile_ranks(&l, &u, &cov, n, p / 100, confidence);

    if (rc != 0)
        return rc;
    *lo = sorted[l - 1];
    *hi = sorted[u - 1];
    return 0;
}

/* ---- the grouped loader ------------------------------------------------ */

struct series {
    double *v;
    size_t n, cap;
    size_t missing;
    int ready; /* v sorted, mean and sd computed (prepare()) */
    double mean, sd;
};

/* A group's block holds num[nkeys], s[nfields] and the key text. */
struct group {
    double *num;      /* per key part: its value, NaN for text */
    struct series *s; /* per field */
    char *key;        /* the parts, each NUL-terminated, back to back */
    size_t key_len;   /* bytes, NULs included */
    size_t line;      /* the line of the group's first row */
    uint64_t hash;
};

#define RANKS_KEPT 64

struct sk_stats_groups {
    const char *name; /* for messages, during the load only */
    char **key_name;
    size_t *key_col;
    size_t nkeys;
    char **field_name;
    size_t *field_col;
    size_t nfields;
    int have_header;

    struct group *groups;
    size_t ngroups, groups_cap;
    size_t *slot;  /* hash table: group index + 1, 0 = empty */
    size_t nslots; /* a power of two, or 0 */
    size_t last;   /* the group of the previous row + 1, or 0 */
    char *scratch; /* the key being looked up */
    size_t scratch_cap;

    size_t kept, max_values, max_groups;
    const sk_stats_opts *opts;
    int is_part; /* a part (table.h): the column names are borrowed */
    sk_pool *pool; /* the series' arrays; a part's are malloc()'s */

    /* The ranks of percentile intervals asked for before: they depend on
     * the count, the quantile and the confidence only, and the fields of
     * a group mostly share a count (and a writer may ask twice). */
    struct ranks {
        size_t n, l, u;
        double q, confidence;
    } ranks[RANKS_KEPT];
    size_t nranks;
};

void sk_stats_groups_free(sk_stats_groups *g)
{
    size_t i, f;

    if (!g)
        return;
    for (i = 0; i < g->ngroups; i++) {
        for (f = 0; f < g->nfields; f++) {
            struct series *s = &g->groups[i].s[f];

            if (g->pool)
                sk_pool_give(g->pool, s->v, s->cap * sizeof(*s->v));
            else
                free(s->v);
        }
        free(g->groups[i].num); /* the block */
    }
    sk_pool_free(g->pool);
    for (i = 0; !g->is_part && g->key_name && i < g->nkeys; i++)
        free(g->key_name[i]);
    for (f = 0; !g->is_part && g->field_name && f < g->nfields; f++)
        free(g->field_name[f]);
    if (!g->is_part) {
        free(g->key_name);
        free(g->key_col);
        free(g->field_name);
        free(g->field_col);
    }
    free(g->groups);
    free(g->slot);
    free(g->scratch);
    free(g);
}

/* Resolve `names` against the header into cols[] and copies in copy[]. */
static int resolve(char ***copy, size_t **cols, const sk_row *header,
                   const char *const *names, size_t n, const char *what)
{
    size_t i, j;
    int rc;

    /* calloc(0) may return NULL: allocate at least one slot. */
    *copy = calloc(n ? n : 1, sizeof(**copy));
    *cols = calloc(n ? n : 1, sizeof(**cols));
    if (!*copy || !*cols)
        return sk_error_set(SK_ENOMEM, "%s: out of memory", header->name);
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return sk_error_set(SK_EINVAL,
                                    "%s: column '%s' is named twice in the "
                                    "%s",
                                    header->name, names[i], what);
        if ((rc = sk_table_column(&(*cols)[i], header, names[i])) != 0)
            return rc;
        if (!((*copy)[i] = strdup(names[i])))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", header->name);
    }
    return 0;
}

static int has_column(const sk_row *header, const char *name)
{
    size_t i;

    for (i = 0; i < header->nfields; i++)
        if (strcmp(header->field[i], name) == 0)
            return 1;
    return 0;
}

static int on_header(sk_stats_groups *g, const sk_row *h)
{
    const sk_stats_opts *o = g->opts;
    const char *const *by = o->by, *const *fields = o->fields;
    const char *dflt[NDEFAULT], *key1[1] = {default_key};
    size_t nby = o->nby, nfields = o->nfields, i;
    int rc;

    if (o->flags & SK_STATS_NO_GROUP) {
        nby = 0;
    } else if (nby == 0) {
        by = key1;
        nby = has_column(h, default_key);
    }
    if (nfields == 0) {
        for (i = 0; i < NDEFAULT; i++)
            if (has_column(h, default_fields[i]))
                dflt[nfields++] = default_fields[i];
        fields = dflt;
        if (nfields == 0 && has_column(h, "throughput_tokens_per_s"))
            /* the mistake is the file, not the fields */
            return sk_error_set(SK_ENOTFOUND,
                                "%s: this is a summary (one row per level), "
                                "and stats summarises a per-query file (one "
                                "row per query) by default: give the "
                                "per-query file, or name a summary's "
                                "columns with --fields (e.g. --fields "
                                "avg_ttft_s,throughput_tokens_per_s)",
                                h->name);
        if (nfields == 0) {
            char list[512];

            sk_table_join_names(list, sizeof(list), h->field, h->nfields);
            return sk_error_set(SK_ENOTFOUND,
                                "%s: none of the default fields (ttft_s, "
                                "tokens_per_s, decode_tokens_per_s, "
                                "duration_s, output_tokens) is a column; "
                                "name the fields to use; available: %s",
                                h->name, list);
        }
    }
    g->nkeys = nby; /* set first: free() walks the names */
    g->nfields = nfields;
    rc = resolve(&g->key_name, &g->key_col, h, by, nby, "key columns");
    if (rc == 0)
        rc = resolve(&g->field_name, &g->field_col, h, fields, nfields,
                     "fields");
    if (rc != 0)
        return rc;
    g->have_header = 1;
    return 0;
}

/* FNV-1a, 64 bits: keys are short, a byte loop is enough. */
static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Whether the row's key cells equal group `gr`'s key. */
static int row_is(const sk_stats_groups *g, const struct group *gr,
                  const sk_row *row)
{
    size_t k, off = 0;

    for (k = 0; k < g->nkeys; k++) {
        size_t c = g->key_col[k], n = row->len[c] + 1; /* with the NUL */

        if (n > gr->key_len - off || memcmp(gr->key + off, row->field[c], n))
            return 0;
        off += n;
    }
    return off == gr->key_len;
}

static int rehash(sk_stats_groups *g)
{
    size_t n = g->nslots ? g->nslots * 2 : 64, i;
    size_t *slot;

    if (n > SIZE_MAX / sizeof(*slot))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", g->name);
    if (!(slot = calloc(n, sizeof(*slot))))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", g->name);
    for (i = 0; i < g->ngroups; i++) {
        size_t j = (size_t)g->groups[i].hash & (n - 1);

        while (slot[j])
            j = (j + 1) & (n - 1);
        slot[j] = i + 1;
    }
    free(g->slot);
    g->slot = slot;
    g->nslots = n;
    return 0;
}

/* Add a group for key[0..len) with hash h, first met on `line` of file
 * `name`; sets *idx. */
static int add_group(sk_stats_groups *g, const char *name, size_t line,
                     const char *key, size_t len, uint64_t h, size_t *idx)
{
    struct group *gr;
    size_t head, k, off;
    char *block;
    double *num;

    if (g->ngroups == g->max_groups)
        return sk_error_set(SK_ELIMIT, "%s:%zu: more than %zu groups",
                            name, line, g->max_groups);
    if (g->ngroups == g->groups_cap) {
        size_t cap = g->groups_cap ? g->groups_cap * 2 : 16;
        struct group *p;

        if (cap > SIZE_MAX / sizeof(*p))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
        if (!(p = realloc(g->groups, cap * sizeof(*p))))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
        g->groups = p;
        g->groups_cap = cap;
    }
    /* Block: num[nkeys] | s[nfields] | key text; both arrays 8-aligned. */
    head = g->nkeys * sizeof(double) + g->nfields * sizeof(struct series);
    if (!(block = calloc(1, head + len + 1)))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    num = (double *)(void *)block;
    gr = &g->groups[g->ngroups];
    gr->num = num;
    gr->s = (struct series *)(void *)(block + g->nkeys * sizeof(double));
    gr->key = block + head;
    if (len) /* no key columns: no scratch either */
        memcpy(gr->key, key, len);
    gr->key_len = len;
    gr->line = line;
    gr->hash = h;
    for (k = 0, off = 0; k < g->nkeys; k++) {
        size_t n = strlen(gr->key + off);
        double v;

        num[k] = sk_num_parse(&v, gr->key + off, n) == 0 && !isnan(v) ? v : NAN;
        off += n + 1;
    }
    *idx = g->ngroups++;
    if (2 * g->ngroups > g->nslots)
        return rehash(g);
    {
        size_t j = (size_t)h & (g->nslots - 1);

        while (g->slot[j])
            j = (j + 1) & (g->nslots - 1);
        g->slot[j] = *idx + 1;
    }
    return 0;
}

/* The group whose key is key[0..len) (hash h) + 1, or 0 when none is. */
static size_t lookup(const sk_stats_groups *g, const char *key, size_t len,
                     uint64_t h)
{
    size_t j;

    if (!g->nslots)
        return 0;
    for (j = (size_t)h & (g->nslots - 1); g->slot[j];
         j = (j + 1) & (g->nslots - 1)) {
        const struct group *gr = &g->groups[g->slot[j] - 1];

        if (gr->hash == h && gr->key_len == len &&
            (len == 0 || memcmp(gr->key, key, len) == 0))
            return g->slot[j];
    }
    return 0;
}

/* The group of `row`, created when new. */
static int find_group(sk_stats_groups *g, const sk_row *row, size_t *idx)
{
    size_t k, len = 0, j;
    uint64_t h;
    char *p;
    int rc;

    /* Sweep CSVs come in runs of one key: try the last group first. */
    if (g->last && row_is(g, &g->groups[g->last - 1], row)) {
        *idx = g->last - 1;
        return 0;
    }
    for (k = 0; k < g->nkeys; k++)
        len += row->len[g->key_col[k]] + 1; /* row caps bound this */
    if (len > g->scratch_cap) {
        size_t cap = g->scratch_cap ? g->scratch_cap : 256;

        while (cap < len)
            cap *= 2;
        if (!(p = realloc(g->scratch, cap)))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", row->name);
        g->scratch = p;
        g->scratch_cap = cap;
    }
    for (k = 0, p = g->scratch; k < g->nkeys; k++) {
        size_t c = g->key_col[k];

        memcpy(p, row->field[c], row->len[c] + 1);
        p += row->len[c] + 1;
    }
    h = hash_bytes(g->scratch, len);
    if ((j = lookup(g, g->scratch, len, h)) != 0) {
        *idx = j - 1;
        g->last = j;
        return 0;
    }
    /* A new key: a `concurrency` key holds levels, which every sweep
     * reader requires to be numbers > 0 (num.h). */
    for (k = 0; k < g->nkeys; k++) {
        size_t c = g->key_col[k];
        double level;

        if (strcmp(g->key_name[k], default_key) == 0 &&
            (rc = sk_num_level(&level, row->field[c], row->len[c], row->name,
                               row->line)) != 0)
            return rc;
    }
    if ((rc = add_group(g, row->name, row->line, g->scratch, len, h,
                        idx)) != 0)
        return rc;
    g->last = *idx + 1;
    return 0;
}

/* Room for `cap` values in s: 0, or -1 when memory cannot be had. */
static int grow(sk_stats_groups *g, struct series *s, size_t cap)
{
    double *v;

    if (g->pool) {
        size_t bytes = s->cap * sizeof(*v);

        if (!(v = sk_pool_grow(g->pool, s->v, s->n * sizeof(*v), &bytes,
                               cap * sizeof(*v))))
            return -1;
        cap = bytes / sizeof(*v);
    } else if (!(v = realloc(s->v, cap * sizeof(*v)))) {
        return -1;
    }
    s->v = v;
    s->cap = cap;
    return 0;
}

static int append(sk_stats_groups *g, struct series *s, double v,
                  const sk_row *row)
{
    if (g->kept == g->max_values)
        return sk_error_set(SK_ELIMIT, "%s:%zu: more than %zu values to keep",
                            row->name, row->line, g->max_values);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1; /* 1: many tiny groups */

        if (s->cap > SIZE_MAX / 2 / sizeof(*s->v))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", row->name);
        if (cap > g->max_values) /* n < kept + 1 <= max_values */
            cap = g->max_values;
        if (grow(g, s, cap) != 0)
            return sk_error_set(SK_ENOMEM, "%s: out of memory", row->name);
    }
    s->v[s->n++] = v;
    s->ready = 0;
    g->kept++;
    return 0;
}

static int on_row(void *payload, const sk_row *row)
{
    sk_stats_groups *g = payload;
    struct group *gr;
    size_t idx = 0, f;
    int rc;

    if (row->index == 0)
        return on_header(g, row);
    if ((rc = find_group(g, row, &idx)) != 0)
        return rc;
    gr = &g->groups[idx];
    for (f = 0; f < g->nfields; f++) {
        size_t c = g->field_col[f];
        double v;

        /* An empty cell is a missing value (docs/metrics.md), not 0. */
        if (row->len[c] == 0) {
            gr->s[f].missing++;
            continue;
        }
        if (!sk_num_scan(row->field[c], row->len[c], &v, NULL) || !isfinite(v))
            return sk_row_not_a_number(row, g->field_name[f], c);
        if ((rc = append(g, &gr->s[f], v, row)) != 0)
            return rc;
    }
    return 0;
}

/* A part (table.h): the payload's columns borrowed, no groups yet, no
 * limits (the merge checks them). */
static void *part_new(void *payload)
{
    const sk_stats_groups *g = payload;
    sk_stats_groups *p = sk_table_alloc_lines(sizeof(*p));

    if (!p) {
        sk_error_set(SK_ENOMEM, "%s: out of memory", g->name);
        return NULL;
    }
    p->is_part = 1;
    p->name = g->name;
    p->key_name = g->key_name;
    p->key_col = g->key_col;
    p->nkeys = g->nkeys;
    p->field_name = g->field_name;
    p->field_col = g->field_col;
    p->nfields = g->nfields;
    p->have_header = 1;
    p->max_values = p->max_groups = SIZE_MAX;
    p->opts = g->opts;
    return p;
}

static void part_free(void *part)
{
    sk_stats_groups_free(part);
}

/* Append the part's values of a series to the payload's. */
static int merge_series(sk_stats_groups *g, struct series *s,
                        const struct series *ps)
{
    s->missing += ps->missing;
    if (ps->n == 0)
        return 0;
    if (s->n + ps->n > s->cap) {
        /* doubling, as append() grows: a merge per chunk */
        size_t cap = s->n + ps->n > 2 * s->cap ? s->n + ps->n : 2 * s->cap;

        if (grow(g, s, cap) != 0)
            return sk_error_set(SK_ENOMEM, "%s: out of memory", g->name);
    }
    memcpy(s->v + s->n, ps->v, ps->n * sizeof(*ps->v));
    s->n += ps->n;
    s->ready = 0;
    g->kept += ps->n;
    return 0;
}

/* The part's groups after the payload's, values in file order; a limit
 * crossed inside the part is left to a serial replay (table.h), which
 * names the row. */
static int part_merge(void *payload, void *part)
{
    sk_stats_groups *g = payload;
    const sk_stats_groups *p = part;
    size_t i, f, fresh = 0;
    int rc;

    for (i = 0; i < p->ngroups; i++)
        fresh += !lookup(g, p->groups[i].key, p->groups[i].key_len,
                         p->groups[i].hash);
    if (p->kept > g->max_values - g->kept ||
        fresh > g->max_groups - g->ngroups)
        return SK_TABLE_REPLAY;
    for (i = 0; i < p->ngroups; i++) {
        const struct group *pg = &p->groups[i];
        size_t at = lookup(g, pg->key, pg->key_len, pg->hash);

        if (at)
            at--;
        else if ((rc = add_group(g, g->name, pg->line, pg->key, pg->key_len,
                                 pg->hash, &at)) != 0)
            return rc;
        for (f = 0; f < g->nfields; f++)
            if ((rc = merge_series(g, &g->groups[at].s[f], &pg->s[f])) != 0)
                return rc;
    }
    g->last = 0;
    return 0;
}

static const sk_table_parts stats_parts = {part_new, part_merge, part_free,
                                           NULL};

/* Key order: part by part, numbers by value before text, text by bytes;
 * equal numbers written differently by bytes. */
static int cmp_groups(const void *pa, const void *pb)
{
    const struct group *a = pa, *b = pb;
    size_t k, off = 0;

    for (k = 0; off < a->key_len; k++) {
        const char *sa = a->key + off, *sb = b->key + off;
        int na = !isnan(a->num[k]), nb = !isnan(b->num[k]), c;

        if (na != nb)
            return na ? -1 : 1;
        if (na && a->num[k] != b->num[k])
            return a->num[k] < b->num[k] ? -1 : 1;
        if ((c = strcmp(sa, sb)) != 0) /* unsigned char order */
            return c;
        off += strlen(sa) + 1; /* equal so far: same offsets in b */
    }
    return 0;
}

typedef int (*stream_fn)(const void *src, sk_row_fn fn, void *payload);

struct buffer_src {
    const char *name, *buf;
    size_t len;
};

static int stream_path(const void *src, sk_row_fn fn, void *payload)
{
    const sk_stats_groups *g = payload;
    /* another tool's result: its per-request rows when it has them */
    sk_table_opts o = {.flags = SK_TABLE_QUERIES,
                       .threads = g->opts->threads,
                       .parts = &stats_parts};

    return sk_table_stream_file(src, &o, fn, payload);
}

static int stream_buffer(const void *src, sk_row_fn fn, void *payload)
{
    const struct buffer_src *b = src;

    return sk_table_stream_buffer(b->name, b->buf, b->len, NULL, fn, payload);
}

/* A series sorted, with its moments: 0, or SK_ENOMEM without a message
 * (this runs on worker threads). */
static int prepare(struct series *s, struct scratch *tmp)
{
    if (sort_values(s->v, s->n, tmp) != 0)
        return SK_ENOMEM;
    moments(&s->mean, &s->sd, s->v, s->n);
    s->ready = 1;
    return 0;
}

static int ready(struct series *s)
{
    struct scratch tmp = {NULL, 0};
    int rc = s->ready ? 0 : prepare(s, &tmp);

    free(tmp.v);
    return rc ? sort_failed(s->n) : 0;
}

/* Every series prepared on `threads` threads, which take them in turn:
 * each series is one thread's, so the results are those of one thread. */
struct ready_pool {
    sk_stats_groups *g;
    pthread_mutex_t mu;
    size_t next, total;
    size_t failed_n; /* a series that could not be prepared: its size + 1 */
};

static void *ready_worker(void *arg)
{
    struct ready_pool *p = arg;
    struct scratch tmp = {NULL, 0};

    for (;;) {
        struct series *s;
        size_t k;

        pthread_mutex_lock(&p->mu);
        k = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (k >= p->total) {
            free(tmp.v);
            return NULL;
        }
        s = &p->g->groups[k / p->g->nfields].s[k % p->g->nfields];
        if (!s->ready && prepare(s, &tmp) != 0) {
            pthread_mutex_lock(&p->mu);
            if (!p->failed_n)
                p->failed_n = s->n + 1;
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static int ready_all(sk_stats_groups *g, unsigned threads)
{
    struct ready_pool p = {g, PTHREAD_MUTEX_INITIALIZER, 0,
                           g->ngroups * g->nfields, 0};
    pthread_t tid[64];
    unsigned t, started = 0;

    if (threads > p.total)
        threads = (unsigned)p.total;
    if (threads > 64)
        threads = 64;
    /* the calling thread works too; a thread not started leaves fewer */
    for (t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, ready_worker, &p) == 0)
            started++;
    ready_worker(&p);
    for (t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&p.mu);
    return p.failed_n ? sort_failed(p.failed_n - 1) : 0;
}

static int load(sk_stats_groups **out, const char *name, stream_fn stream,
                const void *src, const sk_stats_opts *opts)
{
    static const sk_stats_opts defaults;
    sk_stats_groups *g;
    int rc;

    *out = NULL;
    if (!(g = calloc(1, sizeof(*g))) || !(g->pool = sk_pool_new())) {
        free(g);
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    }
    g->name = name;
    g->opts = opts ? opts : &defaults;
    g->max_values =
        g->opts->max_values ? g->opts->max_values : SK_STATS_MAX_VALUES;
    g->max_groups =
        g->opts->max_groups ? g->opts->max_groups : SK_STATS_MAX_GROUPS;
    if ((rc = stream(src, on_row, g)) != 0)
        goto done;
    if (!g->have_header) {
        rc = sk_error_set(SK_ENODATA, "%s: empty file: no header row", name);
        goto done;
    }
    if (g->ngroups > 1)
        qsort(g->groups, g->ngroups, sizeof(*g->groups), cmp_groups);
    if ((rc = ready_all(g, sk_table_threads(g->opts->threads))) != 0)
        goto done;
    /* The index and scratch served the load only. */
    free(g->slot);
    free(g->scratch);
    g->slot = NULL;
    g->scratch = NULL;
    g->nslots = g->scratch_cap = 0;
    g->last = 0;
    g->opts = NULL;
    g->name = NULL;

done:
    if (rc != 0) {
        sk_stats_groups_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

int sk_stats_groups_from_file(sk_stats_groups **out, const char *path,
                              const sk_stats_opts *opts)
{
    return load(out, strcmp(path, "-") == 0 ? "<stdin>" : path, stream_path,
                path, opts);
}

int sk_stats_groups_from_buffer(sk_stats_groups **out, const char *name,
                                const char *buf, size_t len,
                                const sk_stats_opts *opts)
{
    struct buffer_src b;

    b.name = name;
    b.buf = buf;
    b.len = len;
    return load(out, name, stream_buffer, &b, opts);
}

size_t sk_stats_groups_count(const sk_stats_groups *g)
{
    return g->ngroups;
}

size_t sk_stats_groups_nkeys(const sk_stats_groups *g)
{
    return g->nkeys;
}

const char *sk_stats_groups_key_name(const sk_stats_groups *g, size_t k)
{
    return g->key_name[k];
}

const char *sk_stats_groups_key(const sk_stats_groups *g, size_t i, size_t k)
{
    const char *p;

    assert(i < g->ngroups && k < g->nkeys);
    p = g->groups[i].key;
    while (k-- > 0)
        p += strlen(p) + 1;
    return p;
}

size_t sk_stats_groups_line(const sk_stats_groups *g, size_t i)
{
    assert(i < g->ngroups);
    return g->groups[i].line;
}

size_t sk_stats_groups_nfields(const sk_stats_groups *g)
{
    return g->nfields;
}

const char *sk_stats_groups_field_name(const sk_stats_groups *g, size_t f)
{
    return g->field_name[f];
}

int sk_stats_groups_percentile_ci(double *lo, double *hi,
                                  sk_stats_groups *g, size_t i, size_t f,
                                  double p, double confidence)
{
    const struct series *s;
    struct ranks *r;
    size_t k, l, u;
    double cov;
    int rc;

    assert(i < g->ngroups && f < g->nfields);
    s = &g->groups[i].s[f];
    assert(s->ready || s->n < 2);
    for (k = 0; k < g->nranks && k < RANKS_KEPT; k++) {
        r = &g->ranks[k];
        if (r->n == s->n && r->q == p / 100 && r->confidence == confidence)
            break;
    }
    if (k < g->nranks && k < RANKS_KEPT) {
        l = r->l;
        u = r->u;
    } else {
        if ((rc = sk_stats_quantile_ranks(&l, &u, &cov, s->n, p / 100,
                                          confidence)) != 0)
            return rc;
        /* kept; the oldest entry makes room */
        r = &g->ranks[g->nranks++ % RANKS_KEPT];
        r->n = s->n;
        r->l = l;
        r->u = u;
        r->q = p / 100;
        r->confidence = confidence;
    }
    *lo = s->v[l - 1];
    *hi = s->v[u - 1];
    return 0;
}

int sk_stats_groups_summarize(struct sk_stats_summary *out, double *pct,
                              sk_stats_groups *g, size_t i, size_t f,
                              const double *p, size_t np)
{
    struct series *s;
    int rc;

    assert(i < g->ngroups && f < g->nfields);
    s = &g->groups[i].s[f];
    if ((rc = check_ps(p, np)) != 0 || (rc = ready(s)) != 0)
        return rc;
    fill(out, pct, s->v, s->n, s->mean, s->sd, p, np);
    out->missing = s->missing;
    return 0;
}
