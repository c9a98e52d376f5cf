/* The plot module: option values, a chart file from fixtures with its
 * notes, and --batch job files. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/plot.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static const char *fixtures(void)
{
    const char *f = getenv("SK_FIXTURES");

    return f ? f : "fixtures";
}

static void path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");

    CHECK(fp != NULL);
    if (!fp)
        return;
    CHECK(fwrite(text, 1, len, fp) == len);
    fclose(fp);
}

/* The notes a chart hands back, one after another, "|"-separated. */
struct notes {
    char text[4096];
    size_t n;
};

static void collect(void *payload, const char *note)
{
    struct notes *ns = payload;
    size_t at = strlen(ns->text);

    snprintf(ns->text + at, sizeof(ns->text) - at, "%s%s", ns->n ? "|" : "",
             note);
    ns->n++;
}

static void test_parse(void)
{
    struct sk_plot_mark m;
    unsigned px = 0;

    CHECK_INT(sk_plot_mark_parse(&m, "8:eight"), 0);
    CHECK_NEAR(m.x, 8, 0);
    CHECK_STR(m.label, "eight");
    CHECK_INT(sk_plot_mark_parse(&m, "16"), 0);
    CHECK_NEAR(m.x, 16, 0);
    CHECK(m.label == NULL);
    CHECK_INT(sk_plot_mark_parse(&m, "2.5:"), 0);
    CHECK_NEAR(m.x, 2.5, 0);
    CHECK(m.label == NULL);
    CHECK_INT(sk_plot_mark_parse(&m, "0:zero"), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "--mark-x: expected a concurrency above 0, got '0'");
    CHECK(sk_plot_mark_parse(&m, "abc") < 0);
    CHECK_STR(sk_error_last(), "--mark-x: 'abc' is not a number");

    CHECK_INT(sk_plot_size_parse(&px, "900", "--width"), 0);
    CHECK_INT(px, 900);
    CHECK_INT(sk_plot_size_parse(&px, "100", "--width"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "--width: expected 200 to 16384, got '100'");
    CHECK(sk_plot_size_parse(&px, "20000", "--height") < 0);
    CHECK_INT(px, 900);
}

/* A PNG's signature and its IHDR width and height. */
static int png_size(const char *path, unsigned *w, unsigned *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G',
                                         '\r', '\n', 0x1a, '\n'};
    unsigned char b[24];
    FILE *fp = fopen(path, "rb");
    size_t got;

    if (!fp)
        return -1;
    got = fread(b, 1, sizeof(b), fp);
    fclose(fp);
    if (got != sizeof(b) || memcmp(b, sig, 8) || memcmp(b + 12, "IHDR", 4))
        return -1;
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 |
         (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 |
         (unsigned)b[22] << 8 | b[23];
    return 0;
}

static void test_write_png(void)
{
    char summary[512], pq[512], out[128];
    const char *files[1], *per_query[1], *labels[1] = {"gemma"};
    struct sk_plot_mark marks[1] = {{8, "eight"}};
    struct notes ns = {{0}, 0};
    sk_plot_opts o;
    unsigned w = 0, h = 0;

    snprintf(summary, sizeof(summary),
             "%s/summary_gemma-3-1b-it-qat-4bit.csv", fixtures());
    snprintf(pq, sizeof(pq), "%s/per_query.csv", fixtures());
    path_in(out, sizeof(out), "dash.png");
    files[0] = summary;
    per_query[0] = pq;

    sk_plot_opts_init(&o);
    o.output = out;
    o.plot.kind = SK_CHART_PLOT_DASHBOARD;
    o.render.width = 900;
    o.render.height = 700;
    o.files = files;
    o.nfiles = 1;
    o.per_query = per_query;
    o.nper_query = 1;
    o.labels = labels;
    o.nlabels = 1;
    o.marks = marks;
    o.nmarks = 1;
    o.mark_saturation = 1;
    o.note = collect;
    o.note_payload = &ns;
    CHECK_INT(sk_plot_write(&o), 0);
    CHECK_INT(png_size(out, &w, &h), 0);
    CHECK_INT(w, 900);
    CHECK_INT(h, 700);

    /* Pareto has no concurrency axis: the marker becomes a note, first,
     * then the chart's own notes. */
    ns.text[0] = '\0';
    ns.n = 0;
    path_in(out, sizeof(out), "pareto.svg");
    o.plot.kind = SK_CHART_PLOT_PARETO;
    o.nper_query = 0;
    o.mark_saturation = 0;
    CHECK_INT(sk_plot_write(&o), 0);
    CHECK(access(out, F_OK) == 0);
    CHECK(ns.n >= 1);
    CHECK(strncmp(ns.text,
                  "--mark-x 8: this chart has no concurrency axis; not "
                  "drawn",
                  55) == 0);
}

/* A run still scaling at its last level gets a note, not a marker; a
 * summary that cannot be read fails the chart with its message. */
static void test_write_notes_and_errors(void)
{
    static const char two[] =
        "concurrency,queries,wall_s,total_output_tokens,"
        "throughput_tokens_per_s,avg_query_tokens_per_s,avg_ttft_s\n"
        "1,4,10,1000,100,100,0.5\n"
        "2,8,10,1900,190,95,0.6\n";
    char summary[128], out[128], missing[128];
    const char *files[1];
    struct notes ns = {{0}, 0};
    sk_plot_opts o;

    path_in(summary, sizeof(summary), "summary_two.csv");
    write_file(summary, two, strlen(two));
    path_in(out, sizeof(out), "two.png");
    files[0] = summary;
    sk_plot_opts_init(&o);
    o.output = out;
    o.files = files;
    o.nfiles = 1;
    o.mark_saturation = 1;
    o.note = collect;
    o.note_payload = &ns;
    CHECK_INT(sk_plot_write(&o), 0);
    {
        char want[512];

        snprintf(want, sizeof(want),
                 "%s: no knee (still scaling at the highest level "
                 "measured)",
                 summary);
        CHECK(strncmp(ns.text, want, strlen(want)) == 0);
    }

    path_in(missing, sizeof(missing), "nope.csv");
    files[0] = missing;
    path_in(out, sizeof(out), "nope.png");
    CHECK(sk_plot_write(&o) < 0);
    CHECK(strstr(sk_error_last(), "nope.csv: cannot open: ") != NULL);
    CHECK(access(out, F_OK) != 0);

    o.nfiles = 0; /* no runs at all */
    CHECK_INT(sk_plot_write(&o), SK_EINVAL);
}

static void test_batch(void)
{
    static const char jobs[] =
        "# one chart a line\n"
        "\n"
        "-k ttft -o 'a b.png' \"s.csv\" # a comment\n"
        "-o x.png 'open\n"
        "-t a\\ b\\\"c -o \"q\\\"\\\\.svg\" s.csv\n"
        "-o n.png \0 s.csv\n";
    char path[128], **argv = NULL;
    sk_plot_batch *b = NULL;
    int argc = 0;

    path_in(path, sizeof(path), "jobs.txt");
    write_file(path, jobs, sizeof(jobs) - 1);
    CHECK_INT(sk_plot_batch_open(&b, path), 0);
    if (!b)
        return;

    CHECK_INT(sk_plot_batch_next(b, &argc, &argv), 1);
    CHECK_INT(sk_plot_batch_line(b), 3);
    CHECK_INT(argc, 6);
    if (argc == 6) {
        CHECK_STR(argv[0], "plot");
        CHECK_STR(argv[1], "-k");
        CHECK_STR(argv[4], "a b.png");
        CHECK_STR(argv[5], "s.csv");
        CHECK(argv[6] == NULL);
    }

    CHECK_INT(sk_plot_batch_next(b, &argc, &argv), SK_EINVAL);
    CHECK_INT(sk_plot_batch_line(b), 4);
    CHECK_STR(sk_error_last(), "unterminated ' quote");

    CHECK_INT(sk_plot_batch_next(b, &argc, &argv), 1);
    CHECK_INT(sk_plot_batch_line(b), 5);
    CHECK_INT(argc, 6);
    if (argc == 6) {
        CHECK_STR(argv[2], "a b\"c");
        CHECK_STR(argv[4], "q\"\\.svg");
    }

    CHECK_INT(sk_plot_batch_next(b, &argc, &argv), SK_EINVAL);
    CHECK_INT(sk_plot_batch_line(b), 6);
    CHECK_STR(sk_error_last(), "NUL byte in line");

    CHECK_INT(sk_plot_batch_next(b, &argc, &argv), 0);
    CHECK_INT(sk_plot_batch_next(b, &argc, &argv), 0);
    sk_plot_batch_free(b);
    sk_plot_batch_free(NULL);

    /* A file that cannot be opened, and a directory that cannot be read. */
    path_in(path, sizeof(path), "missing.txt");
    CHECK_INT(sk_plot_batch_open(&b, path), SK_EIO);
    CHECK(b == NULL);
    CHECK(strstr(sk_error_last(), "missing.txt: cannot read: No such file") !=
          NULL);
    CHECK_INT(sk_plot_batch_open(&b, dir), 0);
    if (b) {
        CHECK_INT(sk_plot_batch_next(b, &argc, &argv), SK_EIO);
        CHECK_STR(sk_error_last(), "read error: Is a directory");
        CHECK_INT(sk_plot_batch_next(b, &argc, &argv), 0);
        sk_plot_batch_free(b);
    }
}

static void cleanup(void)
{
    static const char *const names[] = {"dash.png", "pareto.svg",
                                        "summary_two.csv", "two.png",
                                        "jobs.txt"};
    char path[128];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        path_in(path, sizeof(path), names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sk_plot_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_parse();
    test_write_png();
    test_write_notes_and_errors();
    test_batch();
    cleanup();
    sk_chart_shutdown(); /* fontconfig's caches, for memory checkers */
    return sk_test_done("plot");
}
