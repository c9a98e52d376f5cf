/*
 * runset: recognising sweep CSVs by header, the collector's file names,
 * pairing by name and by counts, per-query files on their own, and the
 * error and note paths, on small files written into a fresh directory.
 */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/runset.h"
#include "sweepkit/summarize.h"
#include "sweepkit/sweep.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char root[256];

/* Write `text` to ROOT/name (directories in `name` must exist). */
static void put(const char *name, const char *text)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", root, name);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (!fp)
        return;
    fputs(text, fp);
    fclose(fp);
}

static void sub(const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", root, name);
    CHECK(mkdir(path, 0777) == 0);
}

static const char *at(const char *name)
{
    static char path[4][512];
    static int k;

    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/%s", root, name);
    return path[k];
}

/* Two levels, 1 and 2, with `q1` and `q2` queries. */
static void summary(const char *name, int q1, int q2)
{
    char text[512];

    snprintf(text, sizeof(text),
             "concurrency,queries,throughput_tokens_per_s,avg_ttft_s,"
             "avg_query_tokens_per_s\n"
             "1,%d,100,0.5,100\n"
             "2,%d,150,1.5,75\n",
             q1, q2);
    put(name, text);
}

static const char query_header[] =
    "concurrency,ttft_s,tokens_per_s,output_tokens,decode_tokens_per_s\n";

/* Per-query rows: `n1` at level 1, `n2` at level 2. */
static void per_query(const char *name, int n1, int n2)
{
    char text[2048];
    size_t used;
    int i;

    used = (size_t)snprintf(text, sizeof(text), "%s", query_header);
    for (i = 0; i < n1 + n2 && used < sizeof(text); i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used,
                                 "%d,0.%d,%d,100,%d\n", i < n1 ? 1 : 2, i + 1,
                                 50 + i, 60 + i);
    put(name, text);
}

/* ---- pure helpers ------------------------------------------------------ */

static void test_kind_of(void)
{
    static const struct {
        const char *names[6];
        size_t n;
        sk_runset_kind want;
    } cases[] = {
        {{"concurrency", "throughput_tokens_per_s"}, 2, SK_RUNSET_SUMMARY},
        {{"throughput_tokens_per_s", "x", "concurrency"}, 3, SK_RUNSET_SUMMARY},
        {{"concurrency", "ttft_s", "tokens_per_s", "output_tokens"},
         4,
         SK_RUNSET_PER_QUERY},
        /* both sets: a summary */
        {{"concurrency", "ttft_s", "tokens_per_s", "output_tokens",
          "throughput_tokens_per_s"},
         5,
         SK_RUNSET_SUMMARY},
        {{"concurrency", "ttft_s", "tokens_per_s"}, 3, SK_RUNSET_OTHER},
        {{"ttft_s", "tokens_per_s", "output_tokens"}, 3, SK_RUNSET_OTHER},
        {{"throughput_tokens_per_s"}, 1, SK_RUNSET_OTHER},
        /* the seed tools' grids */
        {{"concurrency", "throughput_tps"}, 2, SK_RUNSET_SUMMARY},
        {{"throughput_tps"}, 1, SK_RUNSET_OTHER},
        {{"Concurrency", "throughput_tokens_per_s"}, 2, SK_RUNSET_OTHER},
        {{""}, 0, SK_RUNSET_OTHER},
    };
    size_t i;

    for (i = 0; i < N(cases); i++)
        CHECK_INT(sk_runset_kind_of(cases[i].names, cases[i].n), cases[i].want);
}

static void test_parse_name(void)
{
    static const struct {
        const char *base;
        int ok;
        sk_runset_kind kind;
        size_t prefix_len;
        const char *stamp;
    } cases[] = {
        {"mlx_summary_20260128_202929.csv", 1, SK_RUNSET_SUMMARY, 3,
         "20260128_202929"},
        {"mlx_per_query_20260128_202929.csv", 1, SK_RUNSET_PER_QUERY, 3,
         "20260128_202929"},
        {"mlx_summary_20260128_202929-2.csv", 1, SK_RUNSET_SUMMARY, 3,
         "20260128_202929-2"},
        {"a_summary_b_per_query_20260128_202929.csv", 1, SK_RUNSET_PER_QUERY,
         11, "20260128_202929"},
        {"x_summary_20260128_202929-123456.csv", 1, SK_RUNSET_SUMMARY, 1,
         "20260128_202929-123456"},
        /* not collector names */
        {"summary_20260128_202929.csv", 0, 0, 0, ""},  /* no prefix */
        {"_summary_20260128_202929.csv", 0, 0, 0, ""}, /* empty prefix */
        {"mlx_summary_2026012_202929.csv", 0, 0, 0, ""},
        {"mlx_summary_20260128-202929.csv", 0, 0, 0, ""},
        {"mlx_summary_20260128_20292x.csv", 0, 0, 0, ""},
        {"mlx_summary_20260128_202929.CSV", 0, 0, 0, ""},
        {"mlx_summary_20260128_202929.json", 0, 0, 0, ""},
        {"mlx_summary_20260128_202929-.csv", 0, 0, 0, ""},
        {"mlx_summary_20260128_202929-1234567.csv", 0, 0, 0, ""},
        {"mlx_run_20260128_202929.csv", 0, 0, 0, ""},
        {"summary_gemma.csv", 0, 0, 0, ""},
        {".csv", 0, 0, 0, ""},
        {"", 0, 0, 0, ""},
    };
    size_t i;

    for (i = 0; i < N(cases); i++) {
        struct sk_runset_name nm;
        int ok = sk_runset_parse_name(&nm, cases[i].base);

        CHECK_INT(ok, cases[i].ok);
        if (!ok || !cases[i].ok)
            continue;
        CHECK_INT(nm.kind, cases[i].kind);
        CHECK_INT(nm.prefix_len, cases[i].prefix_len);
        CHECK_STR(nm.stamp, cases[i].stamp);
    }
}

static void test_counts_match(void)
{
    static const char with[] = "concurrency,queries\n1,4\n2,8\n";
    static const char without[] = "concurrency,x\n1,4\n2,8\n";
    static const char fractional[] = "concurrency,queries\n1,4.5\n2,8\n";
    struct sk_level lv[3];
    sk_sweep *s = NULL, *t = NULL, *u = NULL;

    memset(lv, 0, sizeof(lv));
    lv[0].concurrency = 1;
    lv[0].queries = 4;
    lv[1].concurrency = 2;
    lv[1].queries = 8;
    lv[2].concurrency = 4;
    lv[2].queries = 8;
    CHECK_INT(sk_sweep_load_buffer(&s, "s.csv", with, strlen(with)), 0);
    CHECK_INT(sk_sweep_load_buffer(&t, "t.csv", without, strlen(without)), 0);
    CHECK_INT(sk_sweep_load_buffer(&u, "u.csv", fractional, strlen(fractional)),
              0);
    if (!s || !t || !u)
        goto done;
    CHECK_INT(sk_runset_counts_match(s, lv, 2), 1);
    CHECK_INT(sk_runset_counts_match(s, lv, 3), 0); /* a level more */
    CHECK_INT(sk_runset_counts_match(s, lv, 1), 0); /* a level fewer */
    CHECK_INT(sk_runset_counts_match(t, lv, 2), 0); /* no queries */
    CHECK_INT(sk_runset_counts_match(u, lv, 2), 0); /* 4.5 != 4 */
    lv[1].queries = 7;
    CHECK_INT(sk_runset_counts_match(s, lv, 2), 0);
    lv[1].queries = 8;
    lv[1].concurrency = 3;
    CHECK_INT(sk_runset_counts_match(s, lv, 2), 0);
done:
    sk_sweep_free(s);
    sk_sweep_free(t);
    sk_sweep_free(u);
}

static void test_kind_of_file(void)
{
    sk_runset_kind k = SK_RUNSET_SUMMARY;

    sub("k");
    put("k/empty.csv", "");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/empty.csv")), 0);
    CHECK_INT(k, SK_RUNSET_OTHER);
    CHECK_STR(sk_error_last(), "empty file");
    put("k/binary.csv", "conc\x01\"ab\"x,y\n");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/binary.csv")), 0);
    CHECK_INT(k, SK_RUNSET_OTHER);
    CHECK(strncmp(sk_error_last(), "not read as CSV: ", 17) == 0);
    put("k/rr.csv", "max_tokens,concurrency,throughput_tps\n1,2,3\n");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/rr.csv")), 0);
    CHECK_INT(k, SK_RUNSET_SUMMARY);
    put("k/other.csv", "max_tokens,concurrency,elapsed_s\n1,2,3\n");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/other.csv")), 0);
    CHECK_INT(k, SK_RUNSET_OTHER);
    CHECK_STR(sk_error_last(),
              "not a summary (no throughput_tokens_per_s) nor a per-query "
              "file (no ttft_s, tokens_per_s, output_tokens)");
    put("k/q.csv", "concurrency,ttft_s,output_tokens\n");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/q.csv")), 0);
    CHECK_STR(sk_error_last(),
              "not a summary (no throughput_tokens_per_s) nor a per-query "
              "file (no tokens_per_s)");
    put("k/n.csv", "a,b\n1,2\n");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/n.csv")), 0);
    CHECK_STR(sk_error_last(), "no column 'concurrency'");
    /* A header alone is enough to tell. */
    put("k/s.csv", "concurrency,throughput_tokens_per_s\n");
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/s.csv")), 0);
    CHECK_INT(k, SK_RUNSET_SUMMARY);
    CHECK_INT(sk_runset_kind_of_file(&k, at("k/none.csv")), SK_ENOTFOUND);
}

/* ---- a directory of runs ------------------------------------------------ */

static void test_directory(void)
{
    sk_runset *rs = NULL;
    const struct sk_runset_run *r;
    const double *v;
    size_t i;
    int rc;

    sub("d");
    /* By name (and the counts agree: 2 + 2 queries). */
    summary("d/a_summary_20260101_000000.csv", 2, 2);
    per_query("d/a_per_query_20260101_000000.csv", 2, 2);
    /* By counts. */
    summary("d/x.csv", 2, 2);
    per_query("d/y.csv", 2, 2);
    /* Alone: level 1 only, no summary has that. */
    per_query("d/z.csv", 1, 0);
    /* Skipped: another CSV (a note), not .csv, hidden (silently). */
    put("d/other.csv", "a,b\n1,2\n");
    put("d/notes.txt", "concurrency,throughput_tokens_per_s\n1,2\n");
    put("d/.hidden.csv", "concurrency,throughput_tokens_per_s\n1,2\n");

    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("d")), 0);
    /* The same file again, under another spelling. */
    CHECK_INT(sk_runset_add(rs, at("d//x.csv")), 0);
    rc = sk_runset_load(rs);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s\n", sk_error_last());
        goto done;
    }
    CHECK_INT(sk_runset_notes(rs), 2);
    CHECK(strstr(sk_runset_note(rs, 0), "other.csv: skipped: no column "
                                        "'concurrency'") != NULL);
    CHECK(strstr(sk_runset_note(rs, 1), "d//x.csv: the same file as ") != NULL);
    CHECK(sk_runset_note(rs, 2) == NULL);

    CHECK_INT(sk_runset_count(rs), 3);
    /* Files in name order: a_per_query, a_summary, other, x, y, z. */
    r = sk_runset_get(rs, 0);
    CHECK_STR(r->label, "a_20260101_000000");
    CHECK_INT(r->pairing, SK_RUNSET_BY_NAME);
    CHECK(strstr(r->summary_path, "/a_summary_") != NULL);
    CHECK(strstr(r->per_query_path, "/a_per_query_") != NULL);
    CHECK_INT(r->summarized, 0);
    CHECK_INT(r->nlevels, 2);
    CHECK_INT(r->levels[0].queries, 2);
    CHECK_INT(r->nsamples, 4);
    CHECK_NEAR(r->sample_concurrency[3], 2, 0);
    CHECK_NEAR(r->sample_tokens_per_s[3], 53, 0);
    CHECK_INT(sk_sweep_levels(r->sweep), 2);

    r = sk_runset_get(rs, 1);
    CHECK_STR(r->label, "x");
    CHECK_INT(r->pairing, SK_RUNSET_BY_COUNTS);
    CHECK(strstr(r->per_query_path, "/y.csv") != NULL);

    r = sk_runset_get(rs, 2);
    CHECK_STR(r->label, "z");
    CHECK_INT(r->pairing, SK_RUNSET_ALONE);
    CHECK(r->summary_path == NULL);
    CHECK_INT(r->summarized, 1);
    CHECK_INT(r->has_times, 0);
    CHECK_INT(sk_sweep_levels(r->sweep), 1);
    /* The summary is summarize's, six decimals: the one query's 0.1 s. */
    CHECK_INT(sk_sweep_column(&v, r->sweep, "avg_ttft_s"), 0);
    CHECK_NEAR(v[0], 0.1, 0);
    CHECK_INT(sk_sweep_column(&v, r->sweep, "queries"), 0);
    CHECK_NEAR(v[0], 1, 0);
    CHECK_INT(sk_sweep_column(&v, r->sweep, "throughput_tokens_per_s"), 0);
    CHECK(isnan(v[0])); /* no start_s/end_s */
    /* named apart, but its lines are the per-query file's: level 1's
     * first query is on line 2 */
    CHECK(strncmp(sk_sweep_name(r->sweep), r->per_query_path,
                  strlen(r->per_query_path)) == 0 &&
          strstr(sk_sweep_name(r->sweep), " (summarised)") != NULL);
    CHECK_INT(sk_sweep_line(r->sweep, 0), 2);
    /* The file in memory: its one query's columns and level. */
    CHECK(r->queries != NULL);
    if (r->queries) {
        CHECK_INT(r->queries->n, 1);
        CHECK_NEAR(r->queries->ttft_s[0], 0.1, 0);
        CHECK_NEAR(r->queries->decode_tokens_per_s[0], 60, 0);
        CHECK_STR(r->queries->level_key[0], "1");
        CHECK(r->levels == r->queries->levels);
        CHECK(r->sample_tokens_per_s == r->queries->tokens_per_s);
    }
    CHECK(sk_runset_get(rs, 3) == NULL);
    for (i = 0; i < sk_runset_count(rs); i++)
        CHECK(sk_runset_get(rs, i)->sweep != NULL);
done:
    sk_runset_free(rs);
}

/* One per-query file that two summaries match: not paired, a note. */
/* Collector names whose files disagree on counts (renamed or mixed up)
 * are not paired: a note, and two runs. */
static void test_name_mismatch(void)
{
    sk_runset *rs = NULL;

    sub("nm");
    summary("nm/b_summary_20260101_000000.csv", 2, 2);
    per_query("nm/b_per_query_20260101_000000.csv", 3, 3);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("nm")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 2);
    CHECK_INT(sk_runset_notes(rs), 1);
    CHECK(sk_runset_note(rs, 0) &&
          strstr(sk_runset_note(rs, 0),
                 "b_per_query_20260101_000000.csv: named as the per-query "
                 "file of ") != NULL);
    if (sk_runset_count(rs) == 2) {
        CHECK_INT(sk_runset_get(rs, 0)->pairing, SK_RUNSET_ALONE);
        CHECK_INT(sk_runset_get(rs, 1)->pairing, SK_RUNSET_ALONE);
    }
    sk_runset_free(rs);
}

/* Runs that did not finish (runset.h): paired by name although their
 * counts may differ, partial levels found from planned_queries, the
 * sidecar, or a per-query level the summary lacks; `complete` is the
 * sweep without them. */
static void test_unfinished(void)
{
    static const char head[] =
        "concurrency,queries,throughput_tokens_per_s,avg_ttft_s,"
        "avg_query_tokens_per_s,planned_queries\n";
    char text[512];
    sk_runset *rs = NULL;
    const struct sk_runset_run *r;

    /* Ctrl-C: a summary row below planned_queries */
    sub("pi");
    snprintf(text, sizeof(text), "%s1,3,100,0.5,100,3\n2,2,150,1.5,75,3\n",
             head);
    put("pi/c_summary_20260101_000000.csv", text);
    per_query("pi/c_per_query_20260101_000000.csv", 3, 2);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("pi")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 1);
    r = sk_runset_get(rs, 0);
    CHECK(r && r->pairing == SK_RUNSET_BY_NAME && r->npartial == 1 &&
          r->status == NULL);
    if (r && r->npartial == 1) {
        CHECK_NEAR(r->partial[0].concurrency, 2, 0);
        CHECK_INT(r->partial[0].queries, 2);
        CHECK_INT(r->partial[0].planned, 3);
        CHECK_INT(r->partial[0].in_sweep, 1);
        CHECK_INT(sk_sweep_levels(r->sweep), 2);
        CHECK(r->complete && r->complete != r->sweep &&
              sk_sweep_levels(r->complete) == 1 &&
              sk_sweep_concurrency(r->complete)[0] == 1);
    }
    if (r && r->complete) {
        const double *t = NULL;

        CHECK_INT(sk_sweep_column(&t, r->complete, "throughput_tokens_per_s"),
                  0);
        CHECK(t && t[0] == 100);
    }
    sk_runset_free(rs);

    /* killed, no sidecar: the per-query file has a level more */
    sub("pk");
    snprintf(text, sizeof(text), "%s1,3,100,0.5,100,3\n", head);
    put("pk/k_summary_20260101_000000.csv", text);
    per_query("pk/k_per_query_20260101_000000.csv", 3, 2);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("pk")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 1);
    CHECK_INT(sk_runset_notes(rs), 0);
    r = sk_runset_get(rs, 0);
    CHECK(r && r->pairing == SK_RUNSET_BY_NAME && r->npartial == 1 &&
          r->complete == r->sweep);
    if (r && r->npartial == 1) {
        CHECK_NEAR(r->partial[0].concurrency, 2, 0);
        CHECK_INT(r->partial[0].queries, 2);
        CHECK_INT(r->partial[0].planned, 3);
        CHECK_INT(r->partial[0].in_sweep, 0);
    }
    sk_runset_free(rs);

    /* counts differ, no plan column, the sidecar says interrupted */
    sub("ps");
    summary("ps/s_summary_20260101_000000.csv", 3, 1);
    per_query("ps/s_per_query_20260101_000000.csv", 3, 2);
    put("ps/s_run_20260101_000000.json",
        "{\"status\": \"interrupted\", \"queries_per_level\": 3}\n");
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("ps")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 1);
    r = sk_runset_get(rs, 0);
    CHECK(r && r->pairing == SK_RUNSET_BY_NAME && r->npartial == 1 &&
          r->status && strcmp(r->status, "interrupted") == 0);
    if (r && r->npartial == 1) {
        CHECK_INT(r->partial[0].queries, 1);
        CHECK_INT(r->partial[0].planned, 3);
        CHECK_INT(r->partial[0].in_sweep, 1);
        CHECK(r->complete && sk_sweep_levels(r->complete) == 1);
    }
    sk_runset_free(rs);

    /* a per-query file alone, its sidecar still running */
    sub("pa");
    per_query("pa/a_per_query_20260101_000000.csv", 3, 2);
    put("pa/a_run_20260101_000000.json",
        "{\"status\": \"running\", \"queries_per_level\": 3}\n");
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("pa")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 1);
    r = sk_runset_get(rs, 0);
    CHECK(r && r->summarized && r->npartial == 1 && r->status &&
          strcmp(r->status, "running") == 0);
    if (r && r->npartial == 1) {
        CHECK_NEAR(r->partial[0].concurrency, 2, 0);
        CHECK_INT(r->partial[0].in_sweep, 1);
        CHECK(r->complete && sk_sweep_levels(r->complete) == 1);
    }
    sk_runset_free(rs);
}

static void test_ambiguous(void)
{
    sk_runset *rs = NULL;

    sub("amb");
    sub("amb/in");
    summary("amb/s1.csv", 2, 2);
    summary("amb/s2.csv", 2, 2);
    per_query("amb/in/q.csv", 2, 2);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("amb/in/q.csv")), 0);
    CHECK_INT(sk_runset_add(rs, at("amb")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 3);
    CHECK_INT(sk_runset_get(rs, 0)->summarized, 1);
    CHECK_STR(sk_runset_get(rs, 0)->label, "q");
    CHECK_INT(sk_runset_notes(rs), 1);
    CHECK(strstr(sk_runset_note(rs, 0), "match 2 summaries; not paired") !=
          NULL);
    sk_runset_free(rs);

    /* A summary in the per-query file's own directory wins over others. */
    summary("amb/in/near.csv", 2, 2);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("amb")), 0);
    CHECK_INT(sk_runset_add(rs, at("amb/in")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 3); /* s1, s2, near + q */
    CHECK_STR(sk_runset_get(rs, 2)->label, "near");
    CHECK_INT(sk_runset_get(rs, 2)->pairing, SK_RUNSET_BY_COUNTS);
    CHECK_INT(sk_runset_notes(rs), 0);
    sk_runset_free(rs);
}

/* The same label twice: the second gets " (2)". */
static void test_labels(void)
{
    sk_runset *rs = NULL;

    sub("l1");
    sub("l2");
    summary("l1/summary_m.csv", 1, 1);
    summary("l2/summary_m.csv", 1, 1);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("l1/summary_m.csv")), 0);
    CHECK_INT(sk_runset_add(rs, at("l2/summary_m.csv")), 0);
    CHECK_INT(sk_runset_load(rs), 0);
    CHECK_INT(sk_runset_count(rs), 2);
    CHECK_STR(sk_runset_get(rs, 0)->label, "m");
    CHECK_STR(sk_runset_get(rs, 1)->label, "m (2)");
    sk_runset_free(rs);
}

/* The one labelling rule, as report and plot both name runs. */
static void test_label_rule(void)
{
    static const struct {
        const char *path, *want;
    } cases[] = {
        {"results/summary_gemma.csv", "gemma"},
        {"per_query.csv", "per_query"},
        {"dir/SUMMARY_X.CSV", "SUMMARY_X"},   /* the prefix is lower case */
        {"dir/summary_x.CSV", "x"},           /* ".csv" in any case */
        {"summary_.csv", "summary_"},         /* nothing left: kept */
        {"notes.txt", "notes.txt"},
        {"a/mlx_summary_20260128_202929.csv", "mlx_20260128_202929"},
        {"mlx_per_query_20260128_202929-2.csv", "mlx_20260128_202929-2"},
        {"mlx_summary_2026012_202929.csv", "mlx_summary_2026012_202929"},
        {"", ""},
    };
    char buf[64], small[4];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_runset_label(buf, sizeof(buf), cases[i].path);
        CHECK_STR(buf, cases[i].want);
    }
    sk_runset_label(small, sizeof(small), "summary_gemma.csv");
    CHECK_STR(small, "gem");
    /* the collector's sidecar names the model: the requests' model, else
     * the server's one model, else (several, or none) the file */
    sub("side");
    put("side/mlx_summary_20260128_202929.csv", "concurrency\n1\n");
    put("side/mlx_run_20260128_202929.json",
        "{\"model\": \"qwen3-4b\", \"server\": {\"models\": [\"a\"]}}");
    sk_runset_label(buf, sizeof(buf), at("side/mlx_summary_20260128_202929.csv"));
    CHECK_STR(buf, "qwen3-4b 20260128_202929");
    sk_runset_label(buf, sizeof(buf),
                    at("side/mlx_per_query_20260128_202929.csv"));
    CHECK_STR(buf, "qwen3-4b 20260128_202929");
    put("side/mlx_run_20260128_202929.json",
        "{\"model\": null, \"server\": {\"models\": [\"gemma\"]}}");
    sk_runset_label(buf, sizeof(buf), at("side/mlx_summary_20260128_202929.csv"));
    CHECK_STR(buf, "gemma 20260128_202929");
    put("side/mlx_run_20260128_202929.json",
        "{\"model\": null, \"server\": {\"models\": [\"a\", \"b\"]}}");
    sk_runset_label(buf, sizeof(buf), at("side/mlx_summary_20260128_202929.csv"));
    CHECK_STR(buf, "mlx_20260128_202929");
}

static void test_errors(void)
{
    sk_runset *rs = NULL;
    char want[600];

    sub("e");
    put("e/only.csv", "a,b\n");
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, "-"), SK_EINVAL);
    CHECK_INT(sk_runset_add(rs, at("e/nope.csv")), SK_ENOTFOUND);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
             at("e/nope.csv"));
    CHECK_STR(sk_error_last(), want);
    CHECK_INT(sk_runset_add(rs, at("e")), SK_ENODATA);
    snprintf(want, sizeof(want),
             "%s: no sweep CSV here (1 .csv file looked at; "
             "subdirectories are not read)",
             at("e"));
    CHECK_STR(sk_error_last(), want);
    /* A file that is not a sweep CSV is a note (one from the directory,
     * one now), not an error... */
    CHECK_INT(sk_runset_add(rs, at("e/only.csv")), 0);
    CHECK_INT(sk_runset_notes(rs), 2);
    /* ...but with nothing else there is nothing to report on. */
    CHECK_INT(sk_runset_load(rs), SK_ENODATA);
    CHECK_STR(sk_error_last(),
              "no sweep CSV (summary or per-query) among the inputs");
    CHECK_INT(sk_runset_load(rs), SK_EINVAL); /* once only */
    CHECK_INT(sk_runset_add(rs, at("e/only.csv")), SK_EINVAL);
    sk_runset_free(rs);

    /* Bad data is the loaders' error, with its file and line. */
    put("e/dup.csv", "concurrency,throughput_tokens_per_s\n1,10\n2,20\n1,30\n");
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("e/dup.csv")), 0);
    CHECK_INT(sk_runset_load(rs), SK_EPARSE);
    snprintf(want, sizeof(want), "%s:4:", at("e/dup.csv"));
    CHECK(strncmp(sk_error_last(), want, strlen(want)) == 0);
    sk_runset_free(rs);

    put("e/badq.csv", "concurrency,ttft_s,tokens_per_s,output_tokens,"
                      "decode_tokens_per_s\n1,0.1,fast,10,5\n");
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("e/badq.csv")), 0);
    CHECK_INT(sk_runset_load(rs), SK_EPARSE);
    snprintf(want, sizeof(want),
             "%s:2: column 'tokens_per_s': 'fast' is not a finite number",
             at("e/badq.csv"));
    CHECK_STR(sk_error_last(), want);
    sk_runset_free(rs);
    sk_runset_free(NULL);
}

/* The note that starts with ROOT/`name`, or NULL. */
static const char *note_for(const sk_runset *rs, const char *name)
{
    const char *path = at(name);
    size_t i;

    for (i = 0; i < sk_runset_notes(rs); i++)
        if (strncmp(sk_runset_note(rs, i), path, strlen(path)) == 0)
            return sk_runset_note(rs, i);
    return NULL;
}

static void check_note(const sk_runset *rs, const char *name,
                       const char *rest)
{
    const char *n = note_for(rs, name);
    char want[700];

    snprintf(want, sizeof(want), "%s: skipped: %s", at(name), rest);
    CHECK(n != NULL);
    CHECK_STR(n ? n : "(no note)", want);
}

/* A directory's entries that are not regular files, or cannot be read or
 * loaded: each skipped with a note saying why, the rest read; the
 * unreadable and malformed ones counted.  None is opened before lstat()
 * and stat() say it is a regular file (a FIFO would block). */
static void test_directory_skips(void)
{
    sk_runset *rs = NULL;
    char path[600], want[700];
    int root_user = geteuid() == 0, rc;

    sub("s");
    summary("s/good.csv", 2, 2);
    put("s/dup.csv", "concurrency,throughput_tokens_per_s\n1,10\n2,20\n1,30\n");
    put("s/badq.csv", "concurrency,ttft_s,tokens_per_s,output_tokens,"
                      "decode_tokens_per_s\n1,0.1,fast,10,5\n");
    /* a torn last row is the table core's business: read, no skip */
    put("s/torn.csv", "concurrency,throughput_tokens_per_s\n1,10\n2,2");
    put("s/noperm.csv", "concurrency,throughput_tokens_per_s\n1,10\n");
    CHECK(chmod(at("s/noperm.csv"), 0) == 0);
    CHECK(symlink("gone.csv", at("s/dangling.csv")) == 0);
    CHECK(symlink("loop.csv", at("s/loop.csv")) == 0);
    /* a regular file whose read fails, even for root */
    CHECK(symlink("/proc/self/mem", at("s/mem.csv")) == 0);
    CHECK(mkfifo(at("s/fifo.csv"), 0600) == 0);
    sub("s/sub.csv");

    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("s")), 0);
    rc = sk_runset_load(rs);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s\n", sk_error_last());
        goto done;
    }
    check_note(rs, "s/dangling.csv",
               "dangling link (to 'gone.csv', which does not exist)");
    check_note(rs, "s/loop.csv", "link loop");
    check_note(rs, "s/fifo.csv", "not a regular file (a FIFO)");
    check_note(rs, "s/sub.csv", "a directory (subdirectories are not read)");
    check_note(rs, "s/mem.csv", "unreadable: read failed: Input/output error");
    snprintf(want, sizeof(want),
             "malformed: %s:4: concurrency 1 appears twice (also line 2); "
             "one summary row per level",
             at("s/dup.csv"));
    check_note(rs, "s/dup.csv", want);
    snprintf(want, sizeof(want),
             "malformed: %s:2: column 'tokens_per_s': 'fast' is not a finite "
             "number",
             at("s/badq.csv"));
    check_note(rs, "s/badq.csv", want);
    CHECK(note_for(rs, "s/good.csv") == NULL);
    CHECK(note_for(rs, "s/torn.csv") == NULL);
    if (root_user) { /* chmod 000 does not stop root: read as any other */
        fprintf(stderr, "test_runset: as root, s/noperm.csv is readable; "
                        "its skip is checked by report_test.sh as nobody\n");
        CHECK(note_for(rs, "s/noperm.csv") == NULL);
        CHECK_INT(sk_runset_skipped(rs), 3);
        CHECK_INT(sk_runset_count(rs), 3); /* good, noperm, torn */
    } else {
        check_note(rs, "s/noperm.csv", "unreadable: cannot open: Permission "
                                       "denied");
        CHECK_INT(sk_runset_skipped(rs), 4);
        CHECK_INT(sk_runset_count(rs), 2);
    }
    CHECK_STR(sk_runset_get(rs, 0)->label, "good");
done:
    sk_runset_free(rs);

    /* The same malformed file named as an argument is an error. */
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("s/good.csv")), 0);
    CHECK_INT(sk_runset_add(rs, at("s/dup.csv")), 0);
    CHECK_INT(sk_runset_load(rs), SK_EPARSE);
    sk_runset_free(rs);

    /* A directory where nothing could be read: an error that says so. */
    sub("u");
    put("u/dup.csv", "concurrency,throughput_tokens_per_s\n1,10\n1,30\n");
    CHECK(symlink("/proc/self/mem", at("u/mem.csv")) == 0);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("u")), 0); /* dup.csv: a sweep header */
    CHECK_INT(sk_runset_load(rs), SK_ENODATA);
    CHECK_STR(sk_error_last(), "no sweep CSV could be read (2 skipped)");
    CHECK_INT(sk_runset_skipped(rs), 2);
    sk_runset_free(rs);
    sub("v");
    CHECK(symlink("/proc/self/mem", at("v/mem.csv")) == 0);
    CHECK_INT(sk_runset_new(&rs), 0);
    CHECK_INT(sk_runset_add(rs, at("v")), SK_ENODATA);
    snprintf(path, sizeof(path), "%s: no sweep CSV could be read here (1 "
                                 "skipped)",
             at("v"));
    CHECK_STR(sk_error_last(), path);
    sk_runset_free(rs);
}

static void cleanup(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(root, sizeof(root), "%s/test_runset.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_kind_of();
    test_parse_name();
    test_counts_match();
    test_kind_of_file();
    test_directory();
    test_directory_skips();
    test_name_mismatch();
    test_unfinished();
    test_ambiguous();
    test_labels();
    test_label_rule();
    test_errors();
    cleanup(root);
    return sk_test_done("runset");
}
