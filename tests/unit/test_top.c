/*
 * top: analyze-data.py's output rules case by case.  Every expected table
 * printed through py() (compat, as analyze-data runs it) is what
 * analyze-data.py (Python 3.11) prints for the same input, copied byte for
 * byte; the rest are sweepkit's documented decisions (whole numbers as
 * integers, the source column).
 */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/top.h"

#include <stdlib.h>

struct result {
    int rc;
    char *out;
    char err[512];
    char warn[700];
};

static void top(struct result *r, const char *csv, const char *field,
                int desc, size_t count, sk_format fmt, int compat,
                const sk_filter *filters, size_t nfilters,
                const char *const *columns, size_t ncolumns)
{
    sk_top_opts o = {0};
    sk_top *t = NULL;
    size_t len = 0;
    FILE *fp;

    o.field = field;
    o.descending = desc;
    o.count = count;
    o.compat = compat;
    o.filters = filters;
    o.nfilters = nfilters;
    o.columns = columns;
    o.ncolumns = ncolumns;
    r->out = NULL;
    r->err[0] = r->warn[0] = '\0';
    fp = open_memstream(&r->out, &len);
    r->rc = sk_top_new(&t, &o);
    if (r->rc == 0)
        r->rc = sk_top_add_buffer(t, "in.csv", csv, strlen(csv));
    if (r->rc == 0)
        r->rc = sk_top_write(t, fp, fmt, NULL);
    if (r->rc)
        snprintf(r->err, sizeof(r->err), "%s", sk_error_last());
    if (t && sk_top_warning(t))
        snprintf(r->warn, sizeof(r->warn), "%s", sk_top_warning(t));
    sk_top_free(t);
    fclose(fp);
}

static void simple(struct result *r, const char *csv, const char *field,
                   int desc, size_t count)
{
    top(r, csv, field, desc, count, SK_FORMAT_TABLE, 0, NULL, 0, NULL, 0);
}

/* As analyze-data runs it (compat): Python's number printing. */
static void py(struct result *r, const char *csv, const char *field,
               int desc, size_t count)
{
    top(r, csv, field, desc, count, SK_FORMAT_TABLE, 1, NULL, 0, NULL, 0);
}

/* Several CSVs, named, into one selection. */
static void multi(struct result *r, const char *const *names,
                  const char *const *csvs, size_t n, int source,
                  sk_format fmt, const char *const *columns, size_t ncolumns)
{
    sk_top_opts o = {0};
    sk_top *t = NULL;
    size_t len = 0, i;
    FILE *fp;

    o.field = "tps";
    o.descending = 1;
    o.count = 10;
    o.source = source;
    o.columns = columns;
    o.ncolumns = ncolumns;
    r->out = NULL;
    r->err[0] = '\0';
    fp = open_memstream(&r->out, &len);
    r->rc = sk_top_new(&t, &o);
    for (i = 0; i < n && r->rc == 0; i++)
        r->rc = sk_top_add_buffer(t, names[i], csvs[i], strlen(csvs[i]));
    if (r->rc == 0)
        r->rc = sk_top_write(t, fp, fmt, NULL);
    if (r->rc)
        snprintf(r->err, sizeof(r->err), "%s", sk_error_last());
    sk_top_free(t);
    fclose(fp);
}

static void test_number_printing(void)
{
    struct result r;

    /* repr: 1 -> 1.0, shortest round trip, the 1e-4 and 1e16 switches. */
    py(&r,
           "name,v,w\nx,1,56.703750\ny,007,1e-4\nz,1e16,1e-5\n"
           "w,9999999999999998,-Infinity\n",
           "v", 1, 10);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "name | v                  | w       \n"
                     "------------------------------------\n"
                     "z    |              1e+16 |    1e-05\n"
                     "w    | 9999999999999998.0 |     -inf\n"
                     "y    |                7.0 |   0.0001\n"
                     "x    |                1.0 | 56.70375\n");
    free(r.out);

    /* Whitespace, sign, underscores and exponents are numbers too. */
    py(&r, "k,v\na, 7 \nb,1_000\nc,+2.5E3\nd,-0\n", "v", 1, 10);
    CHECK_STR(r.out, "k | v     \n"
                     "----------\n"
                     "c | 2500.0\n"
                     "b | 1000.0\n"
                     "a |    7.0\n"
                     "d |   -0.0\n");
    free(r.out);
}

static void test_ties_and_widths(void)
{
    static const char ties[] = "model,tps,note\nalpha,5,café\nbeta,7\n"
                               "gamma,5,naïve text\ndelta,7,x\n"
                               "epsilon,5,日本\n";
    struct result r;

    /* Stable in descending order too; None for missing cells; widths in
     * code points, over every row of the file. */
    py(&r, ties, "tps", 1, 10);
    CHECK_STR(r.out, "model   | tps | note      \n"
                     "--------------------------\n"
                     "beta    | 7.0 | None      \n"
                     "delta   | 7.0 | x         \n"
                     "alpha   | 5.0 | café      \n"
                     "gamma   | 5.0 | naïve text\n"
                     "epsilon | 5.0 | 日本        \n");
    CHECK_STR(r.warn, "in.csv:3: row has 2 fields, header has 3; missing "
                      "cells shown as None (1 row)");
    free(r.out);

    /* Ascending, first two: widths still come from all five rows. */
    py(&r, ties, "tps", 0, 2);
    CHECK_STR(r.out, "model   | tps | note      \n"
                     "--------------------------\n"
                     "alpha   | 5.0 | café      \n"
                     "gamma   | 5.0 | naïve text\n");
    free(r.out);

    /* Text sorts by code point. */
    py(&r, ties, "model", 0, 3);
    CHECK_STR(r.out, "model   | tps | note      \n"
                     "--------------------------\n"
                     "alpha   | 5.0 | café      \n"
                     "beta    | 7.0 | None      \n"
                     "delta   | 7.0 | x         \n");
    free(r.out);
}

static void test_mixed_column(void)
{
    static const char mixed[] = "run,tps\na,10\nb,\nc,30\nd,ERR\ne,20\n";
    struct result r;

    /* analyze-data.py crashes here; sweepkit puts text and empty cells
     * after the numbers in either order. */
    py(&r, mixed, "tps", 1, 5);
    CHECK_STR(r.out, "run | tps \n"
                     "----------\n"
                     "c   | 30.0\n"
                     "e   | 20.0\n"
                     "a   | 10.0\n"
                     "d   | ERR \n"
                     "b   |     \n");
    free(r.out);
    py(&r, mixed, "tps", 0, 5);
    CHECK_STR(r.out, "run | tps \n"
                     "----------\n"
                     "a   | 10.0\n"
                     "e   | 20.0\n"
                     "c   | 30.0\n"
                     "b   |     \n"
                     "d   | ERR \n");
    free(r.out);

    /* NaN: after every number, before text, in file order. */
    py(&r, "k,v\na,nan\nb,1\nc,x\nd,NaN\ne,2\n", "v", 1, 5);
    CHECK_STR(r.out, "k | v  \n"
                     "-------\n"
                     "e | 2.0\n"
                     "b | 1.0\n"
                     "a | nan\n"
                     "d | nan\n"
                     "c | x  \n");
    free(r.out);
}

static void test_empty_and_errors(void)
{
    struct result r;

    simple(&r, "", "tps", 1, 5);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "CSV file is empty.\n");
    free(r.out);
    simple(&r, "a,b\n", "nosuch", 1, 5);
    CHECK_STR(r.out, "CSV file is empty.\n");
    free(r.out);

    simple(&r, "a,b\n1,2\n", "tps", 1, 5);
    CHECK_INT(r.rc, SK_ENOTFOUND);
    CHECK_STR(r.err, "Field 'tps' does not exist. Available fields in "
                     "in.csv: a, b");
    free(r.out);

    /* Not analyze-data: long rows and repeated names are errors. */
    simple(&r, "a,b\n1,2\n3,4,5\n", "a", 1, 5);
    CHECK_INT(r.rc, SK_EPARSE);
    CHECK_STR(r.err, "in.csv:3: row has 3 fields, header has 2");
    free(r.out);
    simple(&r, "a,a,b\n1,2,x\n", "a", 1, 5);
    CHECK_INT(r.rc, SK_EPARSE);
    CHECK_STR(r.err, "in.csv:1: duplicate column name 'a' (columns 1 and 2)");
    free(r.out);

    simple(&r, "a,b\n1,\xff\n", "a", 1, 5);
    CHECK_INT(r.rc, SK_EPARSE);
    CHECK_STR(r.err, "in.csv:2: column 'b' is not valid UTF-8 (byte 1 of "
                     "the cell)");
    free(r.out);

    /* count 0: the header and rule only, widths from the rows ("1", an
     * integer; "1.0" in compat). */
    simple(&r, "a\n1\n", "a", 1, 0);
    CHECK_STR(r.out, "a\n-\n");
    free(r.out);
    py(&r, "a\n1\n", "a", 1, 0);
    CHECK_STR(r.out, "a  \n---\n");
    free(r.out);
}

static void test_compat(void)
{
    struct result r;

    /* csv.DictReader: the last of repeated names wins, at the first's
     * position. */
    top(&r, "a,a,b\n1,2,x\n3,4,y\n", "a", 1, 3, SK_FORMAT_TABLE, 1, NULL, 0,
        NULL, 0);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "a   | b\n-------\n4.0 | y\n2.0 | x\n");
    free(r.out);
    /* Cells beyond the header are ignored, with a warning. */
    top(&r, "a,b\n1,2\n3,4,5\n", "a", 1, 5, SK_FORMAT_TABLE, 1, NULL, 0,
        NULL, 0);
    CHECK_STR(r.out, "a   | b  \n---------\n3.0 | 4.0\n1.0 | 2.0\n");
    CHECK_STR(r.warn, "in.csv:3: row has 3 fields, header has 2; extra "
                      "cells ignored (1 row)");
    free(r.out);
}

static void test_filters_columns_formats(void)
{
    static const char runs[] = "conc,tps,errors,label\n1,50.5,0,a\n"
                               "2,90,1,\"b,1\"\n4,120.25,0,c\n8,119,0,d\n";
    const char *cols[] = {"tps", "conc"};
    sk_filter f[2];
    struct result r;

    CHECK_INT(sk_filter_parse(&f[0], "errors==0"), 0);
    CHECK_INT(sk_filter_parse(&f[1], " conc >= 2 "), 0);
    top(&r, runs, "tps", 1, 5, SK_FORMAT_TABLE, 0, f, 2, cols, 2);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "tps    | conc\n"
                     "-------------\n"
                     "120.25 |    4\n"
                     "   119 |    8\n");
    free(r.out);

    top(&r, runs, "tps", 1, 2, SK_FORMAT_CSV, 0, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "conc,tps,errors,label\n4,120.25,0,c\n8,119,0,d\n");
    free(r.out);
    top(&r, runs, "conc", 0, 2, SK_FORMAT_JSON, 0, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "{\n  \"results\": [\n    {\"conc\": 1, \"tps\": 50.5, \"errors\": 0, "
                     "\"label\": \"a\"},\n"
                     "    {\"conc\": 2, \"tps\": 90, \"errors\": 1, "
                     "\"label\": \"b,1\"}\n  ]\n}\n");
    free(r.out);
    top(&r, runs, "conc", 1, 1, SK_FORMAT_MARKDOWN, 0, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "| conc | tps | errors | label |\n"
                     "| ---: | ---: | ---: | --- |\n"
                     "| 8 | 119 | 0 | d |\n");
    free(r.out);

    /* Filters that keep nothing: header only, not "empty file". */
    CHECK_INT(sk_filter_parse(&f[0], "errors>5"), 0);
    top(&r, runs, "tps", 1, 5, SK_FORMAT_TABLE, 0, f, 1, cols, 2);
    CHECK_STR(r.out, "tps | conc\n----------\n");
    free(r.out);

    CHECK_INT(sk_filter_parse(&f[0], "nosuch==1"), 0);
    top(&r, runs, "tps", 1, 5, SK_FORMAT_TABLE, 0, f, 1, NULL, 0);
    CHECK_INT(r.rc, SK_ENOTFOUND);
    CHECK_STR(r.err, "in.csv: no column 'nosuch'; available: conc, tps, "
                     "errors, label");
    free(r.out);
}

static void test_filter_parse(void)
{
    static const struct {
        const char *expr;
        int rc;
        const char *field, *value;
        sk_op op;
    } cases[] = {
        {"errors==0", 0, "errors", "0", SK_OP_EQ},
        {"a != b", 0, "a", "b", SK_OP_NE},
        {"x<=1.5", 0, "x", "1.5", SK_OP_LE},
        {"x>=1", 0, "x", "1", SK_OP_GE},
        {"x<1", 0, "x", "1", SK_OP_LT},
        {"x>1", 0, "x", "1", SK_OP_GT},
        {"label==", 0, "label", "", SK_OP_EQ},
        {"x=1", SK_EINVAL, NULL, NULL, SK_OP_EQ},
        {"x", SK_EINVAL, NULL, NULL, SK_OP_EQ},
        {"==1", SK_EINVAL, NULL, NULL, SK_OP_EQ},
        {"", SK_EINVAL, NULL, NULL, SK_OP_EQ},
        {"x!1", SK_EINVAL, NULL, NULL, SK_OP_EQ},
    };
    size_t i;
    sk_filter f;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_INT(sk_filter_parse(&f, cases[i].expr), cases[i].rc);
        if (cases[i].rc == 0) {
            CHECK_STR(f.field, cases[i].field);
            CHECK_STR(f.value, cases[i].value);
            CHECK_INT(f.op, cases[i].op);
        }
    }
    sk_filter_parse(&f, "x");
    CHECK_STR(sk_error_last(), "--where 'x': expected FIELD OP VALUE with "
                               "OP one of == != < <= > >=");

    /* Numbers compare as numbers, text only by == and !=. */
    sk_filter_parse(&f, "v<10");
    CHECK(sk_filter_match(&f, "9.5", 3));
    CHECK(!sk_filter_match(&f, "10", 2));
    CHECK(!sk_filter_match(&f, "abc", 3));
    CHECK(!sk_filter_match(&f, NULL, 0));
    sk_filter_parse(&f, "v==1");
    CHECK(sk_filter_match(&f, "1.000", 5));
    sk_filter_parse(&f, "v!=ok");
    CHECK(sk_filter_match(&f, "bad", 3));
    CHECK(!sk_filter_match(&f, "ok", 2));
    CHECK(sk_filter_match(&f, NULL, 0));
}

/* A large selection through the heap: rank 10 of 1000 values. */
static void test_heap(void)
{
    char *csv = malloc(20000), *p = csv;
    struct result r;
    int i;

    p += sprintf(p, "i,v\n");
    for (i = 0; i < 1000; i++)
        p += sprintf(p, "%d,%d\n", i, (i * 7919) % 1000);
    py(&r, csv, "v", 1, 3);
    CHECK_STR(r.out, "i     | v    \n"
                     "-------------\n"
                     "321.0 | 999.0\n"
                     "642.0 | 998.0\n"
                     "963.0 | 997.0\n");
    free(r.out);
    free(csv);
}

/* Not compat: whole numbers below 2^53 print as integers in table,
 * markdown and json, and widths follow (over every row, shown or not);
 * csv keeps the cells as written. */
static void test_integers(void)
{
    static const char nums[] = "name,v,w\nx,1,56.703750\ny,007,1e-4\n"
                               "z,1e20,-0\nw,9007199254740991,0.5\n"
                               "u,9007199254740992,-3\nt,2.5,100000\n";
    struct result r;

    top(&r, nums, "v", 1, 5, SK_FORMAT_TABLE, 0, NULL, 0, NULL, 0);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "name | v                  | w       \n"
                     "------------------------------------\n"
                     "z    |              1e+20 |        0\n"
                     "u    | 9007199254740992.0 |       -3\n"
                     "w    |   9007199254740991 |      0.5\n"
                     "y    |                  7 |   0.0001\n"
                     "t    |                2.5 |   100000\n");
    free(r.out);

    /* The same rows as analyze-data prints them. */
    top(&r, nums, "v", 1, 5, SK_FORMAT_TABLE, 1, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "name | v                  | w       \n"
                     "------------------------------------\n"
                     "z    |              1e+20 |     -0.0\n"
                     "u    | 9007199254740992.0 |     -3.0\n"
                     "w    | 9007199254740991.0 |      0.5\n"
                     "y    |                7.0 |   0.0001\n"
                     "t    |                2.5 | 100000.0\n");
    free(r.out);

    /* Widths: "100000" (not shown) sets v's width; without it "1000" is
     * 4 wide ("1000.0" would be 6). */
    top(&r, "k,v\na,1000\nb,2\nc,100000\n", "v", 0, 2, SK_FORMAT_TABLE, 0,
        NULL, 0, NULL, 0);
    CHECK_STR(r.out, "k | v     \n----------\nb |      2\na |   1000\n");
    free(r.out);
    top(&r, "k,v\na,1000\nb,2\n", "v", 0, 2, SK_FORMAT_TABLE, 0, NULL, 0,
        NULL, 0);
    CHECK_STR(r.out, "k | v   \n--------\nb |    2\na | 1000\n");
    free(r.out);

    top(&r, nums, "v", 0, 3, SK_FORMAT_MARKDOWN, 0, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "| name | v | w |\n"
                     "| --- | ---: | ---: |\n"
                     "| x | 1 | 56.70375 |\n"
                     "| t | 2.5 | 100000 |\n"
                     "| y | 7 | 0.0001 |\n");
    free(r.out);

    top(&r, nums, "v", 1, 3, SK_FORMAT_JSON, 0, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "{\n  \"results\": [\n"
                     "    {\"name\": \"z\", \"v\": 1e+20, \"w\": 0},\n"
                     "    {\"name\": \"u\", \"v\": 9007199254740992.0, "
                     "\"w\": -3},\n"
                     "    {\"name\": \"w\", \"v\": 9007199254740991, "
                     "\"w\": 0.5}\n  ]\n}\n");
    free(r.out);

    /* JSON in compat keeps numbers as reals (analyze-data has no json,
     * but the library's rule is one). */
    top(&r, "a\n3\n", "a", 1, 1, SK_FORMAT_JSON, 1, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "{\n  \"results\": [\n    {\"a\": 3.0}\n  ]\n}\n");
    free(r.out);

    top(&r, nums, "v", 1, 2, SK_FORMAT_CSV, 0, NULL, 0, NULL, 0);
    CHECK_STR(r.out, "name,v,w\nz,1e20,-0\nu,9007199254740992,-3\n");
    free(r.out);
}

/* Several files: a first column `source`, in every format. */
static void test_sources(void)
{
    const char *names[] = {"a.csv", "runs/b.csv", "1"};
    const char *csvs[] = {"conc,tps\n1,50.5\n8,120\n",
                          "conc,tps\n2,90\n",
                          "conc,tps\n4,10\n"};
    const char *cols[] = {"tps", "source"};
    const char *src_only[] = {"source"};
    struct result r;

    multi(&r, names, csvs, 3, 1, SK_FORMAT_TABLE, NULL, 0);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "source     | conc | tps \n"
                     "------------------------\n"
                     "a.csv      |    8 |  120\n"
                     "runs/b.csv |    2 |   90\n"
                     "a.csv      |    1 | 50.5\n"
                     "1          |    4 |   10\n");
    free(r.out);

    /* A file called "1" is text: left-aligned, a JSON string. */
    multi(&r, names, csvs, 3, 1, SK_FORMAT_MARKDOWN, NULL, 0);
    CHECK_STR(r.out, "| source | conc | tps |\n"
                     "| --- | ---: | ---: |\n"
                     "| a.csv | 8 | 120 |\n"
                     "| runs/b.csv | 2 | 90 |\n"
                     "| a.csv | 1 | 50.5 |\n"
                     "| 1 | 4 | 10 |\n");
    free(r.out);
    multi(&r, names, csvs, 3, 1, SK_FORMAT_JSON, NULL, 0);
    CHECK_STR(r.out, "{\n  \"results\": [\n"
                     "    {\"source\": \"a.csv\", \"conc\": 8, \"tps\": 120},\n"
                     "    {\"source\": \"runs/b.csv\", \"conc\": 2, "
                     "\"tps\": 90},\n"
                     "    {\"source\": \"a.csv\", \"conc\": 1, \"tps\": 50.5},\n"
                     "    {\"source\": \"1\", \"conc\": 4, \"tps\": 10}\n"
                     "  ]\n}\n");
    free(r.out);
    multi(&r, names, csvs, 3, 1, SK_FORMAT_CSV, NULL, 0);
    CHECK_STR(r.out, "source,conc,tps\na.csv,8,120\nruns/b.csv,2,90\n"
                     "a.csv,1,50.5\n1,4,10\n");
    free(r.out);

    /* --columns places it, or leaves it out; one file may name it too. */
    multi(&r, names, csvs, 2, 1, SK_FORMAT_TABLE, cols, 2);
    CHECK_STR(r.out, "tps  | source    \n"
                     "-----------------\n"
                     " 120 | a.csv     \n"
                     "  90 | runs/b.csv\n"
                     "50.5 | a.csv     \n");
    free(r.out);
    multi(&r, names, csvs, 2, 1, SK_FORMAT_TABLE, cols, 1);
    CHECK_STR(r.out, "tps \n----\n 120\n  90\n50.5\n");
    free(r.out);
    multi(&r, names, csvs, 1, 0, SK_FORMAT_CSV, src_only, 1);
    CHECK_STR(r.out, "source\na.csv\na.csv\n");
    free(r.out);

    /* One file, no flag: unchanged. */
    multi(&r, names, csvs, 1, 0, SK_FORMAT_TABLE, NULL, 0);
    CHECK_STR(r.out, "conc | tps \n-----------\n   8 |  120\n   1 | 50.5\n");
    free(r.out);

    /* The files' own `source`: an error without --columns, theirs with. */
    {
        const char *own[] = {"source,tps\nx,1\n", "source,tps\ny,2\n"};

        multi(&r, names, own, 2, 1, SK_FORMAT_TABLE, NULL, 0);
        CHECK_INT(r.rc, SK_EINVAL);
        CHECK_STR(r.err, "a.csv:1: the files have a column 'source', the "
                         "name of the column top adds for the file of each "
                         "row when it reads several; pick the columns with "
                         "--columns (source is then yours) or read one file "
                         "at a time");
        free(r.out);
        multi(&r, names, own, 2, 1, SK_FORMAT_CSV, cols, 2);
        CHECK_INT(r.rc, 0);
        CHECK_STR(r.out, "tps,source\n2,y\n1,x\n");
        free(r.out);
    }
}

/* --group-by: the top N of each group, groups in order of first
 * appearance (interleaved rows too), each best first; the default field
 * follows the data. */
static void grouped(struct result *r, const char *csv, const char *field,
                    size_t count, const char *const *by, size_t nby,
                    sk_format fmt)
{
    sk_top_opts o = {0};
    sk_top *t = NULL;
    size_t len = 0;
    FILE *fp;

    o.field = field;
    o.descending = 1;
    o.count = count;
    o.group_by = by;
    o.ngroup_by = nby;
    r->out = NULL;
    r->err[0] = '\0';
    fp = open_memstream(&r->out, &len);
    r->rc = sk_top_new(&t, &o);
    if (r->rc == 0)
        r->rc = sk_top_add_buffer(t, "in.csv", csv, strlen(csv));
    if (r->rc == 0)
        r->rc = sk_top_write(t, fp, fmt, NULL);
    if (r->rc)
        snprintf(r->err, sizeof(r->err), "%s", sk_error_last());
    sk_top_free(t);
    fclose(fp);
}

static void test_group_by(void)
{
    static const char grid[] =
        "inst,mt,concurrency,throughput_tps\r\n"
        "1,128,1,40.0\r\n1,128,2,78.5\r\n1,128,4,80.0\r\n"
        "2,128,1,41.0\r\n2,128,2,0.0\r\n2,128,4,150.0\r\n"
        "1,256,8,90.0\r\n2,256,8,160.0\r\n3,128,1,5.0\r\n";
    static const char *const inst[] = {"inst"};
    static const char *const both[] = {"inst", "mt"};
    static const char *const nope[] = {"instance"};
    struct result r;

    grouped(&r, grid, NULL, 2, inst, 1, SK_FORMAT_CSV);
    CHECK_INT(r.rc, 0);
    /* inst=1's 256 row (line 8) joins its group, first seen on line 2 */
    CHECK_STR(r.out, "inst,mt,concurrency,throughput_tps\n"
                     "1,256,8,90.0\n1,128,4,80.0\n"
                     "2,256,8,160.0\n2,128,4,150.0\n"
                     "3,128,1,5.0\n");
    free(r.out);
    grouped(&r, grid, "concurrency", 1, both, 2, SK_FORMAT_CSV);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "inst,mt,concurrency,throughput_tps\n"
                     "1,128,4,80.0\n2,128,4,150.0\n1,256,8,90.0\n"
                     "2,256,8,160.0\n3,128,1,5.0\n");
    free(r.out);
    grouped(&r, grid, NULL, 1, nope, 1, SK_FORMAT_CSV);
    CHECK_INT(r.rc, SK_ENOTFOUND);
    CHECK_STR(r.err, "--group-by: in.csv: no column 'instance'; available: "
                     "inst, mt, concurrency, throughput_tps");
    free(r.out);
    /* no field named: sweepkit's summary column when it is the only one */
    grouped(&r, "concurrency,throughput_tokens_per_s\n1,10\n2,30\n4,20\n",
            NULL, 1, NULL, 0, SK_FORMAT_CSV);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.out, "concurrency,throughput_tokens_per_s\n2,30\n");
    free(r.out);
    /* and throughput_tps when both are there */
    grouped(&r, "throughput_tokens_per_s,throughput_tps\n1,10\n2,5\n",
            NULL, 1, NULL, 0, SK_FORMAT_CSV);
    CHECK_STR(r.out, "throughput_tokens_per_s,throughput_tps\n1,10\n");
    free(r.out);
}

int main(void)
{
    test_number_printing();
    test_ties_and_widths();
    test_mixed_column();
    test_empty_and_errors();
    test_compat();
    test_filters_columns_formats();
    test_filter_parse();
    test_heap();
    test_integers();
    test_sources();
    test_group_by();
    return sk_test_done("top");
}
