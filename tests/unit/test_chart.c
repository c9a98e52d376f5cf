/*
 * Charts: PNG/SVG/PDF output read back and checked for pixel facts (size,
 * series colours, where the mapping puts a point, nothing drawn outside
 * the plot), determinism, metadata, the sweep chart kinds and the error
 * paths.  No pixel-exact text: glyphs depend on the installed fonts.
 */
#include "harness.h"

#include "sweepkit/chart.h"
#include "sweepkit/chart_compare.h"
#include "sweepkit/chart_sweep.h"
#include "sweepkit/openloop.h"
#include "sweepkit/table.h"
#include "sweepkit/summarize.h"
#include "sweepkit/compare.h"
#include "sweepkit/error.h"
#include "sweepkit/sweep.h"

#include <cairo.h>
#include <dirent.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

/*
 * LeakSanitizer hook (read only in -fsanitize=address builds).  Fontconfig
 * parses fonts.conf once per process into global state that only FcFini()
 * frees; a five-line Cairo program that draws one glyph "leaks" the same
 * 288 bytes.  Suppress allocations made inside libfontconfig, nothing else.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

struct image {
    unsigned w, h;
    unsigned char *rgb;
};

static const char *tmp_path(const char *name)
{
    static char buf[8][256];
    static int n;

    n = (n + 1) % 8;
    snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, name);
    return buf[n];
}

static int read_png(struct image *img, const char *path)
{
    png_image pi;

    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    img->rgb = NULL;
    if (!png_image_begin_read_from_file(&pi, path))
        return -1;
    pi.format = PNG_FORMAT_RGB;
    img->w = pi.width;
    img->h = pi.height;
    if (!(img->rgb = malloc(PNG_IMAGE_SIZE(pi))) ||
        !png_image_finish_read(&pi, NULL, img->rgb, 0, NULL)) {
        png_image_free(&pi);
        free(img->rgb);
        img->rgb = NULL;
        return -1;
    }
    return 0;
}

static int contains(const char *buf, size_t len, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i + n <= len; i++)
        if (memcmp(buf + i, s, n) == 0)
            return 1;
    return 0;
}

static int file_contains(const char *path, const char *s, size_t n)
{
    size_t len;
    char *buf = sk_test_slurp(path, &len);
    int r = buf && contains(buf, len, s, n);

    free(buf);
    return r;
}

static int same_bytes(const char *a, const char *b)
{
    size_t na, nb;
    char *x = sk_test_slurp(a, &na), *y = sk_test_slurp(b, &nb);
    int r = x && y && na == nb && memcmp(x, y, na) == 0;

    free(x);
    free(y);
    return r;
}

static int colour_at(const struct image *img, long x, long y, uint32_t rgb,
                     int tol)
{
    const unsigned char *p;

    if (x < 0 || y < 0 || x >= (long)img->w || y >= (long)img->h)
        return 0;
    p = img->rgb + 3 * ((size_t)y * img->w + (size_t)x);
    return abs(p[0] - (int)(rgb >> 16 & 255)) <= tol &&
           abs(p[1] - (int)(rgb >> 8 & 255)) <= tol &&
           abs(p[2] - (int)(rgb & 255)) <= tol;
}

/* Does any pixel within `r` of (x, y) have colour rgb (+-tol per
 * channel)? */
static int colour_near(const struct image *img, double x, double y,
                       uint32_t rgb, int r, int tol)
{
    long cx = (long)floor(x), cy = (long)floor(y), i, j;

    for (j = -r; j <= r; j++)
        for (i = -r; i <= r; i++)
            if (colour_at(img, cx + i, cy + j, rgb, tol))
                return 1;
    return 0;
}

static size_t count_colour(const struct image *img, uint32_t rgb, int tol)
{
    size_t n = 0;
    unsigned x, y;

    for (y = 0; y < img->h; y++)
        for (x = 0; x < img->w; x++)
            n += (size_t)colour_at(img, x, y, rgb, tol);
    return n;
}

/* A neutral grey no lighter than `maxv` within r of (x, y): marker lines
 * (#555555, anti-aliased, dashed), not grid lines (#E6E6E6). */
static int grey_near(const struct image *img, double x, double y, int r,
                     int maxv)
{
    long cx = (long)floor(x), cy = (long)floor(y), i, j;

    for (j = -r; j <= r; j++)
        for (i = -r; i <= r; i++) {
            const unsigned char *p;
            long X = cx + i, Y = cy + j;

            if (X < 0 || Y < 0 || X >= (long)img->w || Y >= (long)img->h)
                continue;
            p = img->rgb + 3 * ((size_t)Y * img->w + (size_t)X);
            if (abs(p[0] - p[1]) <= 6 && abs(p[1] - p[2]) <= 6 && p[0] <= maxv)
                return 1;
        }
    return 0;
}

/* Pixels of colour rgb outside rect grown by `pad`. */
static size_t count_outside(const struct image *img, const double *rect,
                            double pad, uint32_t rgb, int tol)
{
    size_t n = 0;
    unsigned x, y;

    for (y = 0; y < img->h; y++)
        for (x = 0; x < img->w; x++)
            if ((x < rect[0] - pad || x > rect[2] + pad || y < rect[1] - pad ||
                 y > rect[3] + pad) &&
                colour_at(img, x, y, rgb, tol))
                n++;
    return n;
}

/* Files in the scratch directory whose name starts with `prefix`. */
static size_t count_files(const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

/* A one-panel chart on linear axes: series A (palette 0) and B (palette
 * 1), markers on, so mapped points carry their colour at the centre. */
static sk_chart *simple_chart(const char *title, int names)
{
    static const double x[3] = {1, 2, 3}, ya[3] = {10, 20, 15},
                        yb[3] = {5, 8, 30};
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart *c = NULL;

    memset(&p, 0, sizeof(p));
    p.id = "main";
    p.x.label = "x (units)";
    p.y.label = "y (units)";
    p.y.include_zero = 1;
    if (sk_chart_new(&c, title) != 0 || sk_chart_add_panel(NULL, c, &p) != 0)
        return c;
    memset(&st, 0, sizeof(st));
    st.line = 1;
    st.marker = SK_CHART_CIRCLE;
    st.rgb = sk_chart_palette(0);
    st.name = names ? "series A" : NULL;
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, ya, 3), 0);
    st.rgb = sk_chart_palette(1);
    st.marker = SK_CHART_SQUARE;
    st.name = names ? "series B" : NULL;
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, yb, 3), 0);
    return c;
}

static void test_palette(void)
{
    /* Okabe & Ito (2008), "Color Universal Design". */
    CHECK_INT(sk_chart_palette(0), 0x0072B2);
    CHECK_INT(sk_chart_palette(1), 0xD55E00);
    CHECK_INT(sk_chart_palette(2), 0x009E73);
    CHECK_INT(sk_chart_palette(3), 0xCC79A7);
    CHECK_INT(sk_chart_palette(4), 0xE69F00);
    CHECK_INT(sk_chart_palette(5), 0x56B4E9);
    CHECK_INT(sk_chart_palette(6), 0xF0E442);
    CHECK_INT(sk_chart_palette(7), 0x000000);
    CHECK_INT(sk_chart_palette(8), sk_chart_palette(0));
}

static void test_format_from_path(void)
{
    static const struct {
        const char *path;
        int rc, fmt;
        const char *msg;
    } cases[] = {
        {"a.png", 0, SK_CHART_PNG, NULL},
        {"dir/b.SVG", 0, SK_CHART_SVG, NULL},
        {"c.Pdf", 0, SK_CHART_PDF, NULL},
        {"x.gif", SK_EINVAL, 0,
         "x.gif: unknown output format '.gif'; use .png, .svg or .pdf"},
        {"a.png.bak", SK_EINVAL, 0,
         "a.png.bak: unknown output format '.bak'; use .png, .svg or .pdf"},
        {"chart", SK_EINVAL, 0,
         "chart: no file extension; use .png, .svg or .pdf"},
        {"out.d/chart", SK_EINVAL, 0,
         "out.d/chart: no file extension; use .png, .svg or .pdf"},
        {".png", SK_EINVAL, 0,
         ".png: no file extension; use .png, .svg or .pdf"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_chart_format f = SK_CHART_PNG;

        CHECK_INT(sk_chart_format_from_path(&f, cases[i].path), cases[i].rc);
        if (cases[i].rc == 0)
            CHECK_INT(f, cases[i].fmt);
        else
            CHECK_STR(sk_error_last(), cases[i].msg);
    }
}

static void test_png_pixels(void)
{
    sk_chart_render_opts ro;
    sk_chart *c = simple_chart("Pixels", 0);
    struct image img = {0, 0, NULL};
    double px, py, area[4];
    const char *path = tmp_path("pixels.png");

    memset(&ro, 0, sizeof(ro));
    ro.width = 800;
    ro.height = 500;
    CHECK_INT(sk_chart_write(c, path, &ro), 0);
    CHECK_INT(read_png(&img, path), 0);
    CHECK_INT(img.w, 800);
    CHECK_INT(img.h, 500);
    if (!img.rgb)
        goto done;
    /* Both series colours are on the canvas (markers and lines). */
    CHECK(count_colour(&img, sk_chart_palette(0), 10) > 100);
    CHECK(count_colour(&img, sk_chart_palette(1), 10) > 100);
    /* Each point's marker is where the mapping says. */
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 20), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 3, 30), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(1), 1, 12));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1, 5), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(1), 1, 12));
    /* Higher y is higher up; x grows to the right; points are inside. */
    {
        double x1, y1, x2, y2;

        CHECK_INT(sk_chart_map(&x1, &y1, c, 0, 0, 1, 10), 0);
        CHECK_INT(sk_chart_map(&x2, &y2, c, 0, 0, 3, 15), 0);
        CHECK(x2 > x1);
        CHECK(y2 < y1);
        CHECK_INT(sk_chart_plot_area(area, c, 0), 0);
        CHECK(x1 > area[0] && x2 < area[2] && y2 > area[1] && y1 < area[3]);
        /* y starts at zero: y = 0 maps onto the bottom edge. */
        CHECK_INT(sk_chart_map(&x1, &y1, c, 0, 0, 1, 0), 0);
        CHECK_NEAR(y1, area[3], 1e-9);
    }
    /* A spot away from every series is background white. */
    CHECK(colour_at(&img, 2, 2, 0xFFFFFF, 0));
    /* No series colour outside the plot area (no legend: unnamed). */
    CHECK_INT(count_outside(&img, area, 1, sk_chart_palette(0), 40), 0);
    CHECK_INT(count_outside(&img, area, 1, sk_chart_palette(1), 40), 0);
    /* No tIME chunk, and nothing else time-dependent. */
    CHECK(!file_contains(path, "tIME", 4));
done:
    free(img.rgb);
    sk_chart_free(c);
}

/* A scatter of 30,000 markers is drawn by threads in bands of rows: the
 * image is byte for byte the one a single thread draws, at any scale and
 * any number of threads (translucent jittered dots, opaque rimmed squares
 * that straddle band edges). */
static void test_banded_markers(void)
{
    enum { N = 30000 };
    static double x[N], y[N], x2[N / 10], y2[N / 10];
    static const unsigned threads[] = {3, 7};
    static const double scales[] = {1, 1.5};
    unsigned long long z = 42;
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart *c = NULL;
    sk_chart_render_opts ro;
    size_t i, t, k;

    for (i = 0; i < N; i++) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (double)(1 << (z >> 61));
        y[i] = (double)(z >> 11) / 9007199254740992.0 * 200;
        if (i % 10 == 0) {
            x2[i / 10] = x[i];
            y2[i / 10] = 200 - y[i];
        }
    }
    memset(&p, 0, sizeof(p));
    p.x.label = "concurrency";
    p.x.scale = SK_CHART_LOG2;
    p.y.label = "tok/s";
    CHECK_INT(sk_chart_new(&c, "Bands"), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    if (!c)
        return;
    memset(&st, 0, sizeof(st));
    st.marker = SK_CHART_CIRCLE;
    st.marker_size = 3;
    st.alpha = 0.05;
    st.jitter = 9;
    st.rgb = sk_chart_palette(0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, N), 0);
    st.marker = SK_CHART_SQUARE;
    st.marker_size = 9;
    st.alpha = 1;
    st.rgb = sk_chart_palette(1);
    CHECK_INT(sk_chart_add_series(c, 0, &st, x2, y2, N / 10), 0);
    for (k = 0; k < sizeof(scales) / sizeof(scales[0]); k++) {
        memset(&ro, 0, sizeof(ro));
        ro.scale = scales[k];
        ro.threads = 1;
        CHECK_INT(sk_chart_write(c, tmp_path("band1.png"), &ro), 0);
        CHECK_INT(sk_chart_marker_threads(c), 1);
        for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
            ro.threads = threads[t];
            CHECK_INT(sk_chart_write(c, tmp_path("bandN.png"), &ro), 0);
            /* the bands were really drawn by that many threads */
            CHECK_INT(sk_chart_marker_threads(c), threads[t]);
            CHECK(same_bytes(tmp_path("band1.png"), tmp_path("bandN.png")));
        }
    }
    /* and the markers are there: the dots' colour fills the plot */
    {
        struct image img = {0, 0, NULL};

        CHECK_INT(read_png(&img, tmp_path("bandN.png")), 0);
        CHECK(img.rgb && count_colour(&img, sk_chart_palette(1), 10) > 1000);
        free(img.rgb);
    }
    sk_chart_free(c);
}

/* --scale: the same chart with twice the pixels, and the mapping scales
 * with it. */
static void test_scale(void)
{
    sk_chart_render_opts ro;
    sk_chart *c = simple_chart("Scale", 1);
    struct image img = {0, 0, NULL};
    double x1, y1, x2, y2;

    memset(&ro, 0, sizeof(ro));
    ro.width = 800;
    ro.height = 500;
    CHECK_INT(sk_chart_layout(c, &ro), 0);
    CHECK_INT(sk_chart_map(&x1, &y1, c, 0, 0, 2, 20), 0);
    ro.scale = 2;
    CHECK_INT(sk_chart_write(c, tmp_path("scale2.png"), &ro), 0);
    CHECK_INT(sk_chart_map(&x2, &y2, c, 0, 0, 2, 20), 0);
    CHECK_NEAR(x2, 2 * x1, 1e-9);
    CHECK_NEAR(y2, 2 * y1, 1e-9);
    CHECK_INT(read_png(&img, tmp_path("scale2.png")), 0);
    CHECK_INT(img.w, 1600);
    CHECK_INT(img.h, 1000);
    if (img.rgb)
        CHECK(colour_near(&img, x2, y2, sk_chart_palette(0), 2, 12));
    free(img.rgb);
    ro.scale = 1.5;
    CHECK_INT(sk_chart_write(c, tmp_path("scale15.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("scale15.png")), 0);
    CHECK_INT(img.w, 1200);
    CHECK_INT(img.h, 750);
    free(img.rgb);
    sk_chart_free(c);
}

/* A fixed range the data overshoots: lines and markers stop at the plot
 * area, nothing spills onto the margins or off the canvas. */
static void test_clip(void)
{
    static const double x[4] = {0, 5, 10, 15}, y[4] = {-50, 100, 5, 500};
    static const double edge[2] = {4, 0};
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double area[4];

    memset(&p, 0, sizeof(p));
    p.x.min = 2;
    p.x.max = 12;
    p.y.min = 0;
    p.y.max = 10;
    memset(&st, 0, sizeof(st));
    st.line = 1;
    st.line_width = 6;
    st.marker = SK_CHART_SQUARE;
    st.marker_size = 8;
    st.rgb = sk_chart_palette(2);
    memset(&ro, 0, sizeof(ro));
    ro.width = 600;
    ro.height = 400;
    CHECK_INT(sk_chart_new(&c, "Clip"), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, 4), 0);
    /* A marker centred on the bottom edge is drawn whole, overhanging the
     * plot area by its size at most (radius 8, 1.3x for the diamond). */
    st.rgb = sk_chart_palette(3);
    st.marker = SK_CHART_DIAMOND;
    st.line = 0;
    CHECK_INT(sk_chart_add_series(c, 0, &st, &edge[0], &edge[1], 1), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("clip.png"), &ro), 0);
    CHECK_INT(sk_chart_plot_area(area, c, 0), 0);
    CHECK_INT(read_png(&img, tmp_path("clip.png")), 0);
    if (img.rgb) {
        double px, py;

        CHECK(count_colour(&img, sk_chart_palette(2), 30) > 50);
        CHECK_INT(count_outside(&img, area, 0.5, sk_chart_palette(2), 60), 0);
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, edge[0], edge[1]), 0);
        CHECK_NEAR(py, area[3], 1e-9);
        CHECK(colour_near(&img, px, py + 5, sk_chart_palette(3), 1, 12));
        /* Tolerance 25 around a pastel: no neutral grey (text, axes)
         * can match. */
        CHECK(count_outside(&img, area, 0.5, sk_chart_palette(3), 12) > 0);
        CHECK_INT(
            count_outside(&img, area, 1.3 * 8 + 1, sk_chart_palette(3), 25), 0);
    }
    free(img.rgb);
    sk_chart_free(c);
}

/* Missing values break lines: no segment is drawn across a NaN. */
static void test_nan_gap(void)
{
    static const double x[3] = {1, 2, 3}, y[3] = {10, NAN, 10};
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double ax, ay, bx, by;

    memset(&p, 0, sizeof(p));
    p.y.include_zero = 1;
    memset(&st, 0, sizeof(st));
    st.line = 1;
    st.marker = SK_CHART_CIRCLE;
    st.rgb = sk_chart_palette(0);
    memset(&ro, 0, sizeof(ro));
    ro.width = 600;
    ro.height = 400;
    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, 3), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("gap.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("gap.png")), 0);
    CHECK_INT(sk_chart_map(&ax, &ay, c, 0, 0, 1, 10), 0);
    CHECK_INT(sk_chart_map(&bx, &by, c, 0, 0, 3, 10), 0);
    if (img.rgb) {
        CHECK(colour_near(&img, ax, ay, sk_chart_palette(0), 1, 12));
        CHECK(colour_near(&img, bx, by, sk_chart_palette(0), 1, 12));
        CHECK(
            !colour_near(&img, (ax + bx) / 2, ay, sk_chart_palette(0), 3, 60));
    }
    free(img.rgb);
    sk_chart_free(c);
}

/* Same chart, same bytes, in every format; the documents carry the title
 * where a reader or a test can find it. */
static void test_outputs(void)
{
    sk_chart_render_opts ro;
    sk_chart *c = simple_chart("Chart <one> & two", 1);
    sk_chart *d = simple_chart("Chart <one> & two", 1);
    const char *ext[3] = {"png", "svg", "pdf"};
    size_t i, len;
    char *buf;

    memset(&ro, 0, sizeof(ro));
    ro.width = 640;
    ro.height = 400;
    ro.software = "sweepkit test";
    ro.sources = "a.csv, b.csv";
    ro.command = "sweepkit plot a.csv b.csv -o out.png";
    for (i = 0; i < 3; i++) {
        char a[32], b[32], e[32];

        snprintf(a, sizeof(a), "det1.%s", ext[i]);
        snprintf(b, sizeof(b), "det2.%s", ext[i]);
        snprintf(e, sizeof(e), "det3.%s", ext[i]);
        CHECK_INT(sk_chart_write(c, tmp_path(a), &ro), 0);
        CHECK_INT(sk_chart_write(c, tmp_path(b), &ro), 0);
        CHECK_INT(sk_chart_write(d, tmp_path(e), &ro), 0);
        CHECK(same_bytes(tmp_path(a), tmp_path(b)));
        CHECK(same_bytes(tmp_path(a), tmp_path(e)));
    }
    /* PNG: tEXt chunks "keyword\0text". */
    CHECK(file_contains(tmp_path("det1.png"), "tEXtTitle\0Chart <one> & two",
                        27));
    CHECK(file_contains(tmp_path("det1.png"), "Sources\0a.csv, b.csv", 20));
    CHECK(file_contains(tmp_path("det1.png"),
                        "Command\0sweepkit plot a.csv b.csv -o out.png", 44));
    CHECK(file_contains(tmp_path("det1.png"), "Software\0sweepkit test", 22));
    /* SVG: XML with the title as <title>, escaped. */
    buf = sk_test_slurp(tmp_path("det1.svg"), &len);
    CHECK(buf && strncmp(buf, "<?xml", 5) == 0);
    CHECK(buf && strstr(buf, "<svg"));
    CHECK(buf && strstr(buf, "<title>Chart &lt;one&gt; &amp; two</title>"));
    CHECK(buf && strstr(buf, "a.csv, b.csv"));
    CHECK(buf && strstr(buf, "width=\"640px\""));
    CHECK(buf && strstr(buf, "</svg>"));
    free(buf);
    /* PDF: metadata through cairo_pdf_surface_set_metadata; no creation
     * date (Cairo would stamp the current time). */
    buf = sk_test_slurp(tmp_path("det1.pdf"), &len);
    CHECK(buf && len > 5 && strncmp(buf, "%PDF-", 5) == 0);
    CHECK(buf && contains(buf, len, "/Title (Chart <one> & two)", 26));
    CHECK(buf && contains(buf, len, "/Creator (sweepkit test)", 24));
    CHECK(buf && !contains(buf, len, "CreationDate", 12));
    CHECK(buf && !contains(buf, len, "ModDate", 7));
    free(buf);
    /* Non-ASCII metadata goes into an iTXt chunk (UTF-8). */
    ro.command = "sweepkit plot --title 'D\xC3\xA9j\xC3\xA0 vu'";
    CHECK_INT(sk_chart_write(c, tmp_path("itxt.png"), &ro), 0);
    CHECK(file_contains(tmp_path("itxt.png"), "iTXtCommand", 11));
    CHECK(!file_contains(tmp_path("itxt.png"), "tEXtCommand", 11));
    sk_chart_free(c);
    sk_chart_free(d);
}

/* The legend takes an empty corner; with data in every corner it moves
 * outside the plot area.  Either way no point is under it. */
static void test_legend(void)
{
    static const double x[5] = {1, 9, 1, 9, 5}, y[5] = {1, 1, 9, 9, 5};
    static const double lx[2] = {0, 10}, ly[2] = {0, 10};
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    double lg[4], area[4], px, py;
    size_t i;

    /* Fixed ranges, so the data reach the corners of the plot area. */
    memset(&p, 0, sizeof(p));
    p.x.max = p.y.max = 10;
    memset(&st, 0, sizeof(st));
    st.marker = SK_CHART_CIRCLE;
    st.line = 1;
    st.rgb = sk_chart_palette(0);
    st.name = "rising";
    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, lx, ly, 2), 0);
    CHECK_INT(sk_chart_layout(c, NULL), 0);
    CHECK_INT(sk_chart_legend_area(lg, c, 0), 0);
    CHECK_INT(sk_chart_plot_area(area, c, 0), 0);
    /* A rising diagonal fills the upper right (the first choice) and
     * leaves the upper left empty. */
    CHECK(lg[0] > area[0] && lg[2] < (area[0] + area[2]) / 2);
    CHECK(lg[1] > area[1] && lg[3] < (area[1] + area[3]) / 2);
    for (i = 0; i <= 100; i++) {
        CHECK_INT(
            sk_chart_map(&px, &py, c, 0, 0, (double)i / 10, (double)i / 10), 0);
        CHECK(!(px >= lg[0] && px <= lg[2] && py >= lg[1] && py <= lg[3]));
    }
    sk_chart_free(c);

    /* A point 10% in from each corner of a small chart: every corner
     * legend would cover one, so it goes outside. */
    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    st.line = 0;
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, 5), 0);
    memset(&ro, 0, sizeof(ro));
    ro.width = 400;
    ro.height = 300;
    CHECK_INT(sk_chart_layout(c, &ro), 0);
    CHECK_INT(sk_chart_legend_area(lg, c, 0), 0);
    CHECK_INT(sk_chart_plot_area(area, c, 0), 0);
    CHECK(lg[0] > area[2]);
    for (i = 0; i < 5; i++) {
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, x[i], y[i]), 0);
        CHECK(!(px >= lg[0] && px <= lg[2] && py >= lg[1] && py <= lg[3]));
    }
    sk_chart_free(c);
}

/* Shown tick labels never overlap each other and stay on the canvas. */
static void check_ticks_apart(const sk_chart *c, double w, double h)
{
    double boxes[256][4];
    size_t n = 0, p, i, j;
    int a;

    for (p = 0; p < sk_chart_panels(c); p++)
        for (a = 0; a < 3; a++)
            for (i = 0; n < 256; i++) {
                double b[4];

                if (sk_chart_tick(NULL, NULL, b, c, p, a, i) != 0)
                    break;
                if (isnan(b[0]))
                    continue;
                memcpy(boxes[n++], b, sizeof(b));
            }
    CHECK(n > 0);
    for (i = 0; i < n; i++) {
        CHECK(boxes[i][0] >= 0 && boxes[i][2] <= w && boxes[i][1] >= 0 &&
              boxes[i][3] <= h);
        for (j = 0; j < i; j++) {
            int apart =
                boxes[i][2] <= boxes[j][0] || boxes[j][2] <= boxes[i][0] ||
                boxes[i][3] <= boxes[j][1] || boxes[j][3] <= boxes[i][1];

            CHECK(apart);
        }
    }
}

static void test_ticks(void)
{
    static const double x[2] = {0, 1}, y[2] = {0, 2011.85};
    static const double many[40] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                    11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                    21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                    31, 32, 33, 34, 35, 36, 37, 38, 39, 40};
    const char *want[] = {"0", "500", "1k", "1.5k", "2k", "2.5k"};
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    const char *label;
    double v, prev = -1;
    size_t i, shown = 0;

    memset(&p, 0, sizeof(p));
    p.y.include_zero = 1;
    memset(&st, 0, sizeof(st));
    st.line = 1;
    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, 2), 0);
    memset(&ro, 0, sizeof(ro));
    ro.width = 800;
    ro.height = 400;
    CHECK_INT(sk_chart_layout(c, &ro), 0);
    /* 1-2-5 steps, thousands as "1.5k". */
    for (i = 0; i < 6; i++) {
        CHECK_INT(sk_chart_tick(&v, &label, NULL, c, 0, 1, i), 0);
        CHECK_STR(label, want[i]);
        CHECK_NEAR(v, 500.0 * (double)i, 1e-9);
    }
    CHECK_INT(sk_chart_tick(&v, &label, NULL, c, 0, 1, 6), SK_ENOTFOUND);
    check_ticks_apart(c, 800, 400);
    sk_chart_free(c);

    /* 40 explicit ticks on a log2 axis 400 px wide: labels thin out, in
     * order, without overlapping. */
    memset(&p, 0, sizeof(p));
    p.x.scale = SK_CHART_LOG2;
    p.x.ticks = many;
    p.x.nticks = 40;
    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, many, many, 40), 0);
    ro.width = 400;
    ro.height = 300;
    CHECK_INT(sk_chart_layout(c, &ro), 0);
    for (i = 0; i < 40; i++) {
        double b[4];

        CHECK_INT(sk_chart_tick(&v, &label, b, c, 0, 0, i), 0);
        CHECK_NEAR(v, many[i], 0);
        if (!isnan(b[0])) {
            shown++;
            CHECK(v > prev);
            prev = v;
        }
    }
    CHECK(shown >= 5 && shown < 40);
    check_ticks_apart(c, 400, 300);
    sk_chart_free(c);
}

/*
 * Tick edge cases, table-driven, on the left y axis of a 600x400 chart:
 * all-equal data, steps below 1 and above a million, negative values,
 * a fixed range, log axes over several decades and under one.  Stacked
 * labels keep 1.5 em apart, a rule on the font size alone, so the ticks
 * chosen here do not depend on the installed fonts.
 */
static void test_tick_edges(void)
{
    static const struct {
        const char *what;
        sk_chart_scale scale;
        double y0, y1;   /* the data: two points */
        double min, max; /* fixed range when min < max */
        int include_zero;
        const char *want; /* every tick label, in order */
    } cases[] = {
        {"all equal", SK_CHART_LINEAR, 5, 5, 0, 0, 0, "2 3 4 5 6 7 8"},
        {"all equal, from zero", SK_CHART_LINEAR, 5, 5, 0, 0, 1,
         "0 1 2 3 4 5 6"},
        {"step below 1: the step's decimals", SK_CHART_LINEAR, 0.001, 0.004, 0,
         0, 0,
         "0.0005 0.0010 0.0015 0.0020 0.0025 0.0030 0.0035 0.0040 0.0045"},
        {"millions", SK_CHART_LINEAR, 0, 2.5e6, 0, 0, 1,
         "0 500k 1M 1.5M 2M 2.5M 3M"},
        {"negative, through zero", SK_CHART_LINEAR, -3, 7, 0, 0, 1,
         "-4 -2 0 2 4 6 8"},
        {"fixed range", SK_CHART_LINEAR, -3, 7, -5, 12, 0,
         "-4 -2 0 2 4 6 8 10 12"},
        {"log2: powers of two", SK_CHART_LOG2, 1, 1000, 0, 0, 0,
         "1 2 4 8 16 32 64 128 256 512 1024"},
        {"log2, all equal", SK_CHART_LOG2, 5, 5, 0, 0, 0, "4 8"},
        {"log10: 1-2-5", SK_CHART_LOG10, 1, 1000, 0, 0, 0,
         "1 2 5 10 20 50 100 200 500 1000"},
        {"log10 under a decade: linear steps", SK_CHART_LOG10, 3, 7, 0, 0, 0,
         "4 6"},
        {"log10, thousands", SK_CHART_LOG10, 1e5, 3e5, 0, 0, 0, "100k 200k"},
    };
    static const double x[2] = {1, 2};
    size_t k;

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        double y[2] = {cases[k].y0, cases[k].y1}, v, prev = -INFINITY;
        sk_chart_panel_opts p;
        sk_chart_style st;
        sk_chart_render_opts ro;
        sk_chart *c = NULL;
        const char *label;
        char got[256] = "";
        size_t i;

        memset(&p, 0, sizeof(p));
        p.y.scale = cases[k].scale;
        p.y.min = cases[k].min;
        p.y.max = cases[k].max;
        p.y.include_zero = cases[k].include_zero;
        memset(&st, 0, sizeof(st));
        st.marker = SK_CHART_CIRCLE;
        memset(&ro, 0, sizeof(ro));
        ro.width = 600;
        ro.height = 400;
        CHECK_INT(sk_chart_new(&c, NULL), 0);
        CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
        CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, 2), 0);
        CHECK_INT(sk_chart_layout(c, &ro), 0);
        for (i = 0; sk_chart_tick(&v, &label, NULL, c, 0, 1, i) == 0; i++) {
            CHECK(v > prev); /* ascending */
            prev = v;
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                     i ? " " : "", label);
        }
        if (strcmp(got, cases[k].want) != 0)
            fprintf(stderr, "tick edges: %s\n", cases[k].what);
        CHECK_STR(got, cases[k].want);
        /* A linear axis: an automatic range reaches the enclosing ticks,
         * a fixed one has its ticks inside it. */
        if (cases[k].scale == SK_CHART_LINEAR) {
            double first;

            CHECK_INT(sk_chart_tick(&first, NULL, NULL, c, 0, 1, 0), 0);
            if (cases[k].min < cases[k].max)
                CHECK(first >= cases[k].min && prev <= cases[k].max);
            else
                CHECK(first <= cases[k].y0 && prev >= cases[k].y1);
        }
        sk_chart_free(c);
    }
}

/* Log axes: values <= 0 are left out with a note; all of them: error. */
static void test_log_axis(void)
{
    static const double x[4] = {-1, 0, 2, 8}, y[4] = {1, 2, 3, 4};
    static const double bad[2] = {0, -3};
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart *c = NULL;
    double px, py;

    memset(&p, 0, sizeof(p));
    p.id = "log";
    p.x.scale = SK_CHART_LOG10;
    memset(&st, 0, sizeof(st));
    st.marker = SK_CHART_CIRCLE;
    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, x, y, 4), 0);
    CHECK_INT(sk_chart_layout(c, NULL), 0);
    CHECK_INT(sk_chart_notes(c), 1);
    CHECK_STR(sk_chart_note(c, 0),
              "log: 2 points with a value <= 0 left out (log axis)");
    /* A second layout does not repeat the note. */
    CHECK_INT(sk_chart_layout(c, NULL), 0);
    CHECK_INT(sk_chart_notes(c), 1);
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 0, 1), SK_EINVAL);
    CHECK_STR(sk_error_last(), "(0, 1) has no place on panel 0");
    CHECK(isnan(px) && isnan(py));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 3), 0);
    CHECK_INT(sk_chart_panel_mark_x(c, 0, 0, "zero"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "marker at 0: a log axis needs a value above 0");
    sk_chart_free(c);

    CHECK_INT(sk_chart_new(&c, NULL), 0);
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), 0);
    CHECK_INT(sk_chart_add_series(c, 0, &st, bad, y, 2), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("nolog.png"), NULL), SK_ENODATA);
    CHECK_STR(sk_error_last(),
              "log: nothing to draw (every value is <= 0 on a log axis)");
    CHECK_INT(count_files("nolog.png"), 0);
    sk_chart_free(c);
}

static void test_errors(void)
{
    sk_chart_render_opts ro;
    sk_chart_panel_opts p;
    sk_chart_style st;
    sk_chart *c = simple_chart("Errors", 1);
    sk_chart *e = NULL;
    double px, py, x = 1;
    char path[300];
    size_t len;
    char *buf;
    FILE *fp;

    memset(&ro, 0, sizeof(ro));
    memset(&p, 0, sizeof(p));
    memset(&st, 0, sizeof(st));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1, 1), SK_EINVAL);
    CHECK_STR(sk_error_last(), "the chart has no layout yet");
    CHECK_INT(sk_chart_add_series(c, 5, &st, &x, &x, 1), SK_EINVAL);
    CHECK_STR(sk_error_last(), "no panel 5 (the chart has 1)");
    CHECK_INT(sk_chart_mark_x(c, "concurrency", 4, "knee"), SK_ENOTFOUND);
    CHECK_STR(sk_error_last(), "no panel has a 'concurrency' x axis");
    CHECK_INT(sk_chart_panel_mark_y(c, 0, 0, NAN, "nan"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "marker at nan: not a finite number");
    p.x.scale = SK_CHART_LOG2;
    p.x.min = 0;
    p.x.max = 10;
    CHECK_INT(sk_chart_add_panel(NULL, c, &p), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "x axis: a log axis needs a range above 0, got 0..10");
    CHECK_INT(sk_chart_panels(c), 1);

    /* Canvas limits. */
    ro.width = 100;
    CHECK_INT(sk_chart_write(c, tmp_path("small.png"), &ro), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "canvas 100x1000: width and height must be 200 to 16384 px");
    ro.width = 0;
    ro.scale = -1;
    CHECK_INT(sk_chart_layout(c, &ro), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "scale -1: expected a number above 0, at most 16");
    ro.scale = 16;
    CHECK_INT(sk_chart_layout(c, &ro), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "canvas 1600x1000 at scale 16 is too large (at most 33554432 "
              "device pixels, 32767 a side)");
    ro.scale = 0;

    /* Unknown extension: nothing written. */
    CHECK_INT(sk_chart_write(c, tmp_path("out.gif"), NULL), SK_EINVAL);
    CHECK_INT(count_files("out.gif"), 0);

    /* A directory that does not exist. */
    snprintf(path, sizeof(path), "%s/no/such/dir/x.png", dir);
    CHECK_INT(sk_chart_write(c, path, NULL), SK_EIO);
    {
        char want[400];

        snprintf(want, sizeof(want),
                 "%s: cannot write: No such file or directory", path);
        CHECK_STR(sk_error_last(), want);
    }

    /* The final name is a directory: the rename fails after a complete
     * write, and the temporary file is removed. */
    CHECK_INT(mkdir(tmp_path("isdir.png"), 0755), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("isdir.png"), NULL), SK_EIO);
    {
        char want[400];

        snprintf(want, sizeof(want), "%s: cannot write: Is a directory",
                 tmp_path("isdir.png"));
        CHECK_STR(sk_error_last(), want);
    }
    CHECK_INT(count_files("isdir.png"), 1); /* the directory alone */

    /* A failed write leaves an existing file as it was. */
    fp = fopen(tmp_path("keep.png"), "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs("old", fp);
        fclose(fp);
    }
    ro.width = 100;
    CHECK_INT(sk_chart_write(c, tmp_path("keep.png"), &ro), SK_EINVAL);
    buf = sk_test_slurp(tmp_path("keep.png"), &len);
    CHECK(buf && len == 3 && memcmp(buf, "old", 3) == 0);
    free(buf);
    CHECK_INT(count_files("keep.png"), 1);
    /* A good write replaces it whole. */
    ro.width = 400;
    ro.height = 300;
    CHECK_INT(sk_chart_write(c, tmp_path("keep.png"), &ro), 0);
    CHECK(file_contains(tmp_path("keep.png"), "\x89PNG", 4));
    CHECK_INT(count_files("keep.png"), 1);

    /* A panel with nothing in it. */
    CHECK_INT(sk_chart_new(&e, "empty"), 0);
    CHECK_INT(sk_chart_layout(e, NULL), SK_ENODATA);
    CHECK_STR(sk_error_last(), "the chart has no panels");
    memset(&p, 0, sizeof(p));
    p.id = "void";
    CHECK_INT(sk_chart_add_panel(NULL, e, &p), 0);
    CHECK_INT(sk_chart_layout(e, NULL), SK_ENODATA);
    CHECK_STR(sk_error_last(), "void: nothing to draw");
    sk_chart_free(e);
    sk_chart_free(c);
    sk_chart_free(NULL);
}

/* ---- sweep charts ------------------------------------------------------ */

static const char *fixtures(void)
{
    const char *f = getenv("SK_FIXTURES");

    return f ? f : "fixtures";
}

static const char *const models[3] = {
    "gemma-3-1b-it-qat-4bit",
    "Qwen3-4B-Instruct-2507-MLX-4bit",
    "Qwen3-Next-80B-A3B-Instruct-MLX-4bit",
};

static int load_model(sk_sweep **s, size_t i)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/summary_%s.csv", fixtures(), models[i]);
    return sk_sweep_load(s, path);
}

static int find(const sk_chart *c, const char *id)
{
    size_t i = 99;

    CHECK_INT(sk_chart_find_panel(&i, c, id), 0);
    return (int)i;
}

static void test_plot_throughput(void)
{
    sk_sweep *s[3] = {NULL, NULL, NULL};
    sk_chart_plot_run runs[3];
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL, *d = NULL;
    struct image img = {0, 0, NULL};
    double px, py, qx, qy;
    const char *label;
    size_t i;
    int tp, pq;

    memset(runs, 0, sizeof(runs));
    for (i = 0; i < 3; i++) {
        CHECK_INT(load_model(&s[i], i), 0);
        runs[i].sweep = s[i];
        runs[i].label = models[i];
    }
    if (!s[0] || !s[1] || !s[2])
        goto done;
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    CHECK_INT(sk_chart_plot_new(&c, runs, 3, &po), 0);
    CHECK_STR(sk_chart_title(c), "Throughput vs concurrency \xE2\x80\x94 "
                                 "3 runs");
    CHECK_INT(sk_chart_panels(c), 2);
    CHECK_INT(sk_chart_notes(c), 0);
    tp = find(c, "throughput");
    pq = find(c, "per-query-mean");
    CHECK_INT(sk_chart_write(c, tmp_path("tp.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("tp.png")), 0);
    CHECK_INT(img.w, 1600);
    CHECK_INT(img.h, 1000);
    if (!img.rgb)
        goto done;
    /* gemma at 128: 2011.85 tok/s total, 15.72 tok/s per query. */
    CHECK_INT(sk_chart_map(&px, &py, c, (size_t)tp, 0, 128, 2011.85), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    CHECK_INT(sk_chart_map(&qx, &qy, c, (size_t)pq, 0, 128, 15.72), 0);
    CHECK(colour_near(&img, qx, qy, sk_chart_palette(0), 1, 12));
    /* Stacked panels share the x axis: the same column of pixels. */
    CHECK_NEAR(px, qx, 1e-9);
    CHECK(qy > py);
    /* Qwen3-Next (run 2, palette 2) at 1: 56.7 tok/s. */
    CHECK_INT(sk_chart_map(&px, &py, c, (size_t)tp, 0, 1, 56.7), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(2), 1, 12));
    /* Log2 concurrency: equal steps per doubling. */
    {
        double x1, x2, x4, y;

        CHECK_INT(sk_chart_map(&x1, &y, c, (size_t)tp, 0, 1, 100), 0);
        CHECK_INT(sk_chart_map(&x2, &y, c, (size_t)tp, 0, 2, 100), 0);
        CHECK_INT(sk_chart_map(&x4, &y, c, (size_t)tp, 0, 4, 100), 0);
        CHECK_NEAR(x4 - x2, x2 - x1, 1e-6);
    }
    /* Ticks at the measured levels, shown on the lower panel only. */
    for (i = 0; i < 8; i++) {
        double v, b[4];
        char want[8];

        snprintf(want, sizeof(want), "%d", 1 << i);
        CHECK_INT(sk_chart_tick(&v, &label, b, c, (size_t)pq, 0, i), 0);
        CHECK_STR(label, want);
        CHECK(!isnan(b[0]));
        CHECK_INT(sk_chart_tick(&v, &label, b, c, (size_t)tp, 0, i), 0);
        CHECK(isnan(b[0]));
    }
    check_ticks_apart(c, 1600, 1000);
    /* Three runs: a legend, in the upper panel only, over no point. */
    {
        double lg[4];
        size_t r, j;

        CHECK_INT(sk_chart_legend_area(lg, c, (size_t)tp), 0);
        CHECK_INT(sk_chart_legend_area(lg, c, (size_t)pq), SK_ENOTFOUND);
        CHECK_INT(sk_chart_legend_area(lg, c, (size_t)tp), 0);
        for (r = 0; r < 3; r++) {
            const double *tps;

            CHECK_INT(sk_sweep_column(&tps, s[r], "throughput_tokens_per_s"),
                      0);
            for (j = 0; j < sk_sweep_levels(s[r]); j++) {
                CHECK_INT(sk_chart_map(&px, &py, c, (size_t)tp, 0,
                                       sk_sweep_concurrency(s[r])[j], tps[j]),
                          0);
                CHECK(!(px >= lg[0] - 5 && px <= lg[2] + 5 && py >= lg[1] - 5 &&
                        py <= lg[3] + 5));
            }
        }
    }
    free(img.rgb);
    img.rgb = NULL;

    /* A second build of the same input writes the same bytes. */
    CHECK_INT(sk_chart_plot_new(&d, runs, 3, &po), 0);
    CHECK_INT(sk_chart_write(d, tmp_path("tp2.png"), &ro), 0);
    CHECK(same_bytes(tmp_path("tp.png"), tmp_path("tp2.png")));
    sk_chart_free(d);
    d = NULL;

    /* Dual layout: one panel, per-query on the right axis. */
    po.dual = 1;
    CHECK_INT(sk_chart_plot_new(&d, runs, 1, &po), 0);
    CHECK_INT(sk_chart_panels(d), 1);
    CHECK_INT(sk_chart_write(d, tmp_path("dual.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("dual.png")), 0);
    CHECK_INT(sk_chart_map(&px, &py, d, 0, 1, 1, 208.6), 0);
    if (img.rgb)
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    CHECK_INT(sk_chart_map(&px, &py, d, 0, 0, 1, 204.29), 0);
    if (img.rgb)
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    check_ticks_apart(d, 1600, 1000);
done:
    free(img.rgb);
    sk_chart_free(c);
    sk_chart_free(d);
    for (i = 0; i < 3; i++)
        sk_sweep_free(s[i]);
}

static void test_plot_ttft_pareto(void)
{
    sk_sweep *s = NULL, *s3[3] = {NULL, NULL, NULL};
    sk_chart_plot_run runs[3];
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    char want[600];
    double px, py, area[4];
    size_t i;

    memset(runs, 0, sizeof(runs));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    CHECK_INT(load_model(&s, 0), 0);
    if (!s)
        return;
    runs[0].sweep = s;
    runs[0].label = "gemma";

    /* TTFT: median and p90 are empty in the fixtures: skipped, noted. */
    po.kind = SK_CHART_PLOT_TTFT;
    po.ttft_budget_s = 2;
    CHECK_INT(sk_chart_plot_new(&c, runs, 1, &po), 0);
    CHECK_STR(sk_chart_title(c), "Time to first token vs concurrency "
                                 "\xE2\x80\x94 gemma");
    CHECK_INT(sk_chart_notes(c), 2);
    snprintf(want, sizeof(want), "%s: median_ttft_s is empty; series skipped",
             sk_sweep_name(s));
    CHECK_STR(sk_chart_note(c, 0), want);
    snprintf(want, sizeof(want), "%s: p90_ttft_s is empty; series skipped",
             sk_sweep_name(s));
    CHECK_STR(sk_chart_note(c, 1), want);
    CHECK_INT(sk_chart_mark_x(c, "concurrency", 32, "knee"), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("ttft.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("ttft.png")), 0);
    if (img.rgb) {
        /* Mean TTFT 5.52 s at 128. */
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 128, 5.52), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
        /* The dashed budget line at 2 s and the marker at 32, in the
         * marker grey, somewhere within a dash length. */
        CHECK_INT(sk_chart_plot_area(area, c, 0), 0);
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1.5, 2), 0);
        CHECK(grey_near(&img, px, py, 8, 0xA0));
        CHECK(!grey_near(&img, px, py - 12, 4, 0xA0));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 32, 3), 0);
        CHECK(grey_near(&img, px, py, 8, 0xA0));
        CHECK(!grey_near(&img, px + 12, py, 4, 0xA0));
    }
    free(img.rgb);
    img.rgb = NULL;
    sk_chart_free(c);
    c = NULL;

    /* Pareto: p90 is empty, so avg is used, with a note. */
    po.kind = SK_CHART_PLOT_PARETO;
    po.ttft_budget_s = 0;
    CHECK_INT(sk_chart_plot_new(&c, runs, 1, &po), 0);
    CHECK_INT(sk_chart_notes(c), 1);
    snprintf(want, sizeof(want),
             "%s: p90_ttft_s is empty; pareto uses avg_ttft_s",
             sk_sweep_name(s));
    CHECK_STR(sk_chart_note(c, 0), want);
    CHECK_INT(sk_chart_write(c, tmp_path("pareto.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("pareto.png")), 0);
    if (img.rgb) {
        double x1, x2, y;

        /* (0.04 s, 204.29 tok/s) at concurrency 1. */
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 0.04, 204.29), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
        /* TTFT spans two decades: a log10 axis. */
        CHECK_INT(sk_chart_map(&x1, &y, c, 0, 0, 0.1, 100), 0);
        CHECK_INT(sk_chart_map(&x2, &y, c, 0, 0, 1, 100), 0);
        CHECK_INT(sk_chart_map(&px, &y, c, 0, 0, 10, 100), 0);
        CHECK_NEAR(px - x2, x2 - x1, 1e-6);
    }
    free(img.rgb);
    img.rgb = NULL;
    sk_chart_free(c);
    c = NULL;

    /* Asked for avg: no fallback, no note. */
    po.ttft_stat = "avg";
    CHECK_INT(sk_chart_plot_new(&c, runs, 1, &po), 0);
    CHECK_INT(sk_chart_notes(c), 0);
    sk_chart_free(c);
    c = NULL;
    po.ttft_stat = NULL;

    /* Three files with the same gap: one note, not three. */
    for (i = 0; i < 3; i++) {
        CHECK_INT(load_model(&s3[i], i), 0);
        runs[i].sweep = s3[i];
        runs[i].label = models[i];
    }
    if (s3[0] && s3[1] && s3[2]) {
        CHECK_INT(sk_chart_plot_new(&c, runs, 3, &po), 0);
        CHECK_INT(sk_chart_notes(c), 1);
        CHECK_STR(sk_chart_note(c, 0), "p90_ttft_s has no values in any of "
                                       "the 3 files; pareto uses avg_ttft_s");
        sk_chart_free(c);
        c = NULL;
    }
    for (i = 0; i < 3; i++)
        sk_sweep_free(s3[i]);
    sk_sweep_free(s);
}

/*
 * An interval as a band in panel 0 of chart `kind` over `csv` (its
 * levels 2 and 4 with intervals 1..3 and 2..6, level 1 without): at the
 * middle x (2^1.5) the band covers 1.5..4.5, so 3.6 is inside (tinted
 * in the run's colour at alpha 0.15; clear of grid lines and series),
 * 5.3 outside (white).  Concurrency 1 has no interval: no band reaches
 * back to it, and the one note names the confidence.
 */
static void check_band(const char *csv, sk_chart_plot_kind kind,
                       const char *note)
{
    sk_sweep *s = NULL;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double px, py;
    uint32_t tint = 0, rgb = sk_chart_palette(0);
    int k;

    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    CHECK_INT(sk_sweep_load_buffer(&s, "b.csv", csv, strlen(csv)), 0);
    if (!s)
        return;
    run.sweep = s;
    run.label = "b";
    po.kind = kind;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    if (!c)
        goto done;
    CHECK_INT(sk_chart_notes(c), 1);
    CHECK_STR(sk_chart_note(c, 0), note);
    CHECK_INT(sk_chart_write(c, tmp_path("band.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("band.png")), 0);
    if (!img.rgb)
        goto done;
    for (k = 0; k < 3; k++) {
        unsigned sh = 8 * (unsigned)k, ch = (rgb >> sh) & 0xFF;

        tint |= (uint32_t)lround(255 - 0.15 * (255 - ch)) << sh;
    }
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, pow(2, 1.5), 3.6), 0);
    CHECK(colour_at(&img, (long)px, (long)py, tint, 4));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, pow(2, 1.5), 5.3), 0);
    CHECK(colour_at(&img, (long)px, (long)py, 0xFFFFFF, 4));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1.4, 0.3), 0);
    CHECK(!colour_at(&img, (long)px, (long)py, tint, 4));
done:
    free(img.rgb);
    sk_chart_free(c);
    sk_sweep_free(s);
}

/* The p90 TTFT's interval (summaries from summarize --confidence). */
static void test_plot_ttft_band(void)
{
    check_band("concurrency,avg_ttft_s,median_ttft_s,p90_ttft_s,confidence,"
               "p90_ttft_s_lo,p90_ttft_s_hi\n"
               "1,0.5,0.6,0.8,0.95,,\n"
               "2,1,1.1,2,0.95,1,3\n"
               "4,2,2.1,4,0.95,2,6\n",
               SK_CHART_PLOT_TTFT, "shaded: the p90 TTFT's 95% interval");
}

/* The throughput's interval (the report's sets of repeats). */
static void test_plot_throughput_band(void)
{
    check_band("concurrency,throughput_tokens_per_s,avg_query_tokens_per_s,"
               "confidence,throughput_tokens_per_s_lo,"
               "throughput_tokens_per_s_hi\n"
               "1,0.8,0.8,0.95,,\n"
               "2,2,1,0.95,1,3\n"
               "4,4,1,0.95,2,6\n",
               SK_CHART_PLOT_THROUGHPUT,
               "shaded: the throughput's 95% interval");
}

/* The TTFT chart of `run` has a linear y axis: 0, step and 2 step are
 * evenly spaced at concurrency 8. */
static void linear_ttft(const sk_chart_plot_run *run,
                        const sk_chart_plot_opts *po, double step)
{
    sk_chart *c = NULL;
    double x, y0, y1, y2;

    CHECK_INT(sk_chart_plot_new(&c, run, 1, po), 0);
    if (!c)
        return;
    CHECK_INT(sk_chart_layout(c, NULL), 0);
    CHECK_INT(sk_chart_map(&x, &y0, c, 0, 0, 8, 0), 0);
    CHECK_INT(sk_chart_map(&x, &y1, c, 0, 0, 8, step), 0);
    CHECK_INT(sk_chart_map(&x, &y2, c, 0, 0, 8, 2 * step), 0);
    CHECK_NEAR(y0 - y1, y1 - y2, 1e-6);
    sk_chart_free(c);
}

/*
 * --log-y: TTFT from 0.1 s to 40 s (over two decades) is drawn on a
 * log10 axis by default: each decade takes the same height (0.1 -> 1 as
 * 1 -> 10); off keeps it linear from zero (0 -> 10 as 10 -> 20); a span
 * of 10x stays linear under auto.  The rule itself: sk_chart_log_wanted().
 */
static void test_plot_ttft_log(void)
{
    static const char wide[] = "concurrency,avg_ttft_s\n1,0.1\n8,2\n64,40\n";
    static const char narrow[] = "concurrency,avg_ttft_s\n1,1\n8,4\n64,10\n";
    sk_sweep *s = NULL;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    double x, y0, y1, y2;
    sk_chart_log m;

    CHECK(sk_chart_log_wanted(SK_CHART_LOG_AUTO, 1, 101) == 1 &&
          sk_chart_log_wanted(SK_CHART_LOG_AUTO, 1, 100) == 0 &&
          sk_chart_log_wanted(SK_CHART_LOG_OFF, 1, 1e6) == 0 &&
          sk_chart_log_wanted(SK_CHART_LOG_ON, 1, 2) == 1);
    CHECK(sk_chart_log_parse(&m, "on") == 0 && m == SK_CHART_LOG_ON);
    CHECK_INT(sk_chart_log_parse(&m, "yes"), SK_EINVAL);
    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    po.kind = SK_CHART_PLOT_TTFT;
    run.label = "w";
    CHECK_INT(sk_sweep_load_buffer(&s, "w.csv", wide, strlen(wide)), 0);
    run.sweep = s;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    CHECK_INT(sk_chart_layout(c, NULL), 0);
    CHECK_INT(sk_chart_map(&x, &y0, c, 0, 0, 8, 0.1), 0);
    CHECK_INT(sk_chart_map(&x, &y1, c, 0, 0, 8, 1), 0);
    CHECK_INT(sk_chart_map(&x, &y2, c, 0, 0, 8, 10), 0);
    CHECK_NEAR(y0 - y1, y1 - y2, 1e-6);
    CHECK(y0 - y1 > 100);
    sk_chart_free(c);

    po.log_y = SK_CHART_LOG_OFF;
    linear_ttft(&run, &po, 10);
    sk_sweep_free(s);

    po.log_y = SK_CHART_LOG_AUTO;
    CHECK_INT(sk_sweep_load_buffer(&s, "n.csv", narrow, strlen(narrow)), 0);
    run.sweep = s;
    linear_ttft(&run, &po, 5);
    sk_sweep_free(s);
}

/*
 * Sixteen runs, sixteen looks: no two of the first SK_CHART_RUN_STYLES
 * share colour, dash and marker (the 9th is the 1st's colour, dashed,
 * with the next marker); drawn together, every palette colour is on the
 * canvas and half the lines are dashed (SVG: stroke-dasharray).
 */
static void test_run_styles(void)
{
    sk_sweep *s[SK_CHART_RUN_STYLES] = {NULL};
    sk_chart_plot_run runs[SK_CHART_RUN_STYLES];
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    char name[SK_CHART_RUN_STYLES][16], csv[128];
    size_t i, j, dashed = 0, svglen = 0;
    char *svg = NULL;
    const char *p;

    for (i = 0; i < SK_CHART_RUN_STYLES; i++)
        for (j = 0; j < i; j++) {
            sk_chart_style a = sk_chart_run_style(i), b = sk_chart_run_style(j);

            CHECK(a.rgb != b.rgb || a.dash != b.dash || a.marker != b.marker);
        }
    CHECK(sk_chart_run_style(8).rgb == sk_chart_run_style(0).rgb &&
          sk_chart_run_style(8).dash == SK_CHART_DASHED &&
          sk_chart_run_style(8).marker != sk_chart_run_style(0).marker);
    memset(runs, 0, sizeof(runs));
    for (i = 0; i < SK_CHART_RUN_STYLES; i++) {
        snprintf(csv, sizeof(csv),
                 "concurrency,throughput_tokens_per_s\n1,%zu\n2,%zu\n4,%zu\n",
                 10 + i, 20 + 2 * i, 30 + 3 * i);
        snprintf(name[i], sizeof(name[i]), "run%zu", i);
        CHECK_INT(sk_sweep_load_buffer(&s[i], name[i], csv, strlen(csv)), 0);
        runs[i].sweep = s[i];
        runs[i].label = name[i];
    }
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    po.kind = SK_CHART_PLOT_THROUGHPUT;
    CHECK_INT(sk_chart_plot_new(&c, runs, SK_CHART_RUN_STYLES, &po), 0);
    if (!c)
        goto done;
    CHECK_INT(sk_chart_write(c, tmp_path("sixteen.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("sixteen.png")), 0);
    for (i = 0; img.rgb && i < SK_CHART_PALETTE_SIZE; i++)
        CHECK(count_colour(&img, sk_chart_palette(i), 10) > 50);
    CHECK_INT(sk_chart_write(c, tmp_path("sixteen.svg"), &ro), 0);
    svg = sk_test_slurp(tmp_path("sixteen.svg"), &svglen);
    for (p = svg; p && (p = strstr(p, "stroke-dasharray")); p++)
        dashed++;
    CHECK(dashed >= 8);
done:
    free(svg);
    free(img.rgb);
    sk_chart_free(c);
    for (i = 0; i < SK_CHART_RUN_STYLES; i++)
        sk_sweep_free(s[i]);
}

/* Is (x, y) colour rgb faded toward white: every channel's distance from
 * white between lo and hi times rgb's own (channels of rgb within 40 of
 * white are not judged)? */
static int tint_at(const struct image *img, long x, long y, uint32_t rgb,
                   double lo, double hi)
{
    const unsigned char *p;
    int k;

    if (x < 0 || y < 0 || x >= (long)img->w || y >= (long)img->h)
        return 0;
    p = img->rgb + 3 * ((size_t)y * img->w + (size_t)x);
    for (k = 0; k < 3; k++) {
        double want = 255 - (double)(rgb >> (16 - 8 * k) & 255);
        double got = 255 - (double)p[k];

        if (want > 40 && (got < lo * want || got > hi * want))
            return 0;
    }
    return 1;
}

/*
 * The frontier kind: level 8 has less throughput (150) and less speed
 * (20) than level 4 (180, 30): dominated, drawn as a faded marker (the
 * run's colour at alpha 0.35 on white: between a fifth and three fifths
 * of the way from white), the others full colour on the frontier line;
 * the pareto panel fades the same way (8: more TTFT, less throughput
 * than 4).
 */
static void test_plot_frontier(void)
{
    static const char csv[] =
        "concurrency,throughput_tokens_per_s,avg_query_tokens_per_s,"
        "avg_ttft_s\n"
        "1,50,50,0.1\n2,100,45,0.2\n4,180,30,0.4\n8,150,20,0.9\n";
    sk_sweep *s = NULL;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    uint32_t rgb = sk_chart_palette(0);
    double px, py;
    int kind;

    memset(&run, 0, sizeof(run));
    memset(&ro, 0, sizeof(ro));
    CHECK_INT(sk_sweep_load_buffer(&s, "f.csv", csv, strlen(csv)), 0);
    if (!s)
        return;
    run.sweep = s;
    run.label = "f";
    for (kind = 0; kind < 2; kind++) {
        memset(&po, 0, sizeof(po));
        po.kind = kind ? SK_CHART_PLOT_PARETO : SK_CHART_PLOT_FRONTIER;
        CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
        if (!c)
            break;
        CHECK_INT(sk_chart_write(c, tmp_path("frontier.png"), &ro), 0);
        CHECK_INT(read_png(&img, tmp_path("frontier.png")), 0);
        if (img.rgb) {
            CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, kind ? 0.9 : 20, 150),
                      0);
            CHECK(tint_at(&img, (long)px, (long)py, rgb, 0.2, 0.6));
            CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, kind ? 0.4 : 30, 180),
                      0);
            CHECK(colour_at(&img, (long)px, (long)py, rgb, 6));
        }
        free(img.rgb);
        img.rgb = NULL;
        sk_chart_free(c);
        c = NULL;
    }
    sk_sweep_free(s);
}

/*
 * Marker lines take the pen's colour (sk_chart_set_mark_rgb()): a line
 * at x = 1.5 drawn after setting colour 2 is that colour half-way up
 * the plot (dashed: within a few px); one at 2.5 after the pen is set
 * back to grey is grey.
 */
static void test_mark_colours(void)
{
    sk_chart *c = simple_chart("Marks", 0);
    sk_chart_render_opts ro;
    struct image img = {0, 0, NULL};
    double px, py, area[4];
    uint32_t rgb = sk_chart_palette(2);

    if (!c)
        return;
    memset(&ro, 0, sizeof(ro));
    sk_chart_set_mark_rgb(c, rgb);
    CHECK_INT(sk_chart_panel_mark_x(c, 0, 1.5, NULL), 0);
    sk_chart_set_mark_rgb(c, SK_CHART_MARK_GREY);
    CHECK_INT(sk_chart_panel_mark_x(c, 0, 2.5, NULL), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("marks.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("marks.png")), 0);
    CHECK_INT(sk_chart_plot_area(area, c, 0), 0);
    if (img.rgb) {
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1.5, 0), 0);
        CHECK(colour_near(&img, px, (area[1] + area[3]) / 2, rgb, 6, 40));
        CHECK(!colour_near(&img, px, (area[1] + area[3]) / 2,
                           SK_CHART_MARK_GREY, 6, 20));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2.5, 0), 0);
        CHECK(colour_near(&img, px, (area[1] + area[3]) / 2,
                          SK_CHART_MARK_GREY, 6, 20));
    }
    free(img.rgb);
    sk_chart_free(c);
}

/*
 * Box plots (--kind speed-dist): level 2 holds the speeds 1..100, so
 * p10 10.9, p25 25.75, median 50.5, p75 75.25, p90 90.1 (type 7): the
 * box is tinted at 37 and 63 (clear of grid lines) but not at 83 beside
 * the whisker, the
 * median line and the whiskers (at 15 and 85) are the run's colour; a
 * kind without samples is refused.
 */
static void test_plot_dist(void)
{
    double conc[200], v[200], px, py;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    uint32_t rgb = sk_chart_palette(0);
    size_t i;

    for (i = 0; i < 100; i++) {
        conc[i] = 2;
        v[i] = (double)(i + 1);
        conc[100 + i] = 4;
        v[100 + i] = 50;
    }
    CHECK(strcmp(sk_chart_plot_sample_column(SK_CHART_PLOT_TTFT_DIST),
                 "ttft_s") == 0 &&
          strcmp(sk_chart_plot_sample_column(SK_CHART_PLOT_ITL_DIST),
                 "itl_mean_s") == 0 &&
          sk_chart_plot_sample_column(SK_CHART_PLOT_PARETO) == NULL &&
          sk_chart_plot_kind_needs_samples(SK_CHART_PLOT_SPEED_DIST) &&
          !sk_chart_plot_kind_needs_samples(SK_CHART_PLOT_DASHBOARD));
    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    run.label = "d";
    po.kind = SK_CHART_PLOT_SPEED_DIST;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), SK_EINVAL);
    run.query_concurrency = conc;
    run.query_tokens_per_s = v;
    run.nqueries = 200;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    if (!c)
        return;
    CHECK_INT(sk_chart_write(c, tmp_path("dist.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("dist.png")), 0);
    if (img.rgb) {
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2 * exp2(0.15), 37), 0);
        CHECK(tint_at(&img, (long)px, (long)py, rgb, 0.2, 0.5));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2 * exp2(0.15), 63), 0);
        CHECK(tint_at(&img, (long)px, (long)py, rgb, 0.2, 0.5));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2 * exp2(0.15), 83), 0);
        CHECK(colour_at(&img, (long)px, (long)py, 0xFFFFFF, 4));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2 * exp2(0.15), 50.5), 0);
        CHECK(colour_near(&img, px, py, rgb, 1, 12));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 15), 0);
        CHECK(colour_near(&img, px, py, rgb, 1, 12));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 85), 0);
        CHECK(colour_near(&img, px, py, rgb, 1, 12));
    }
    free(img.rgb);
    sk_chart_free(c);
}

/*
 * Themes: dark paints the canvas #1E1E1E (a corner) and draws the
 * palette's black near-white; transparent writes an RGBA PNG (IHDR colour
 * type 6) where light writes RGB (2); the parser takes the three names.
 */
static void test_themes(void)
{
    sk_chart *c = simple_chart("Themes", 0);
    sk_chart_render_opts ro;
    struct image img = {0, 0, NULL};
    sk_chart_theme t;
    unsigned char head[26];
    FILE *fp;
    int k;

    CHECK(sk_chart_theme_parse(&t, "dark") == 0 && t == SK_CHART_DARK);
    CHECK_INT(sk_chart_theme_parse(&t, "sepia"), SK_EINVAL);
    if (!c)
        return;
    memset(&ro, 0, sizeof(ro));
    ro.theme = SK_CHART_DARK;
    CHECK_INT(sk_chart_write(c, tmp_path("dark.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("dark.png")), 0);
    if (img.rgb)
        CHECK(colour_at(&img, 2, 2, 0x1E1E1E, 0));
    free(img.rgb);
    for (k = 0; k < 2; k++) {
        ro.theme = k ? SK_CHART_TRANSPARENT : SK_CHART_LIGHT;
        CHECK_INT(sk_chart_write(c, tmp_path("theme.png"), &ro), 0);
        fp = fopen(tmp_path("theme.png"), "rb");
        CHECK(fp && fread(head, 1, 26, fp) == 26);
        if (fp)
            fclose(fp);
        CHECK_INT(head[25], k ? 6 : 2);
    }
    sk_chart_free(c);
}

/*
 * Small multiples (--facet): a grid of instances x decode gives a panel
 * per instances value with one y range for all (a throughput of 100 at
 * concurrency 2 lands on the same pixel row in both panels, though the
 * panels' own maxima differ: 200 and 400); a facet column the keys lack
 * is refused naming the run.
 */
static void test_plot_facets(void)
{
    static const char csv[] =
        "instances,decode_concurrency,concurrency,throughput_tokens_per_s\n"
        "1,8,1,50\n1,8,2,100\n1,8,4,200\n"
        "1,16,1,60\n1,16,2,110\n1,16,4,190\n"
        "2,8,1,90\n2,8,2,180\n2,8,4,400\n"
        "2,16,1,95\n2,16,2,170\n2,16,4,350\n";
    sk_sweep_set *set = NULL;
    sk_chart_plot_run runs[4];
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    double x0, y0, x1, y1;
    size_t i;

    CHECK_INT(sk_sweep_set_load_buffer(&set, "g.csv", csv, strlen(csv),
                                       NULL),
              0);
    if (!set)
        return;
    CHECK_INT(sk_sweep_set_count(set), 4);
    memset(runs, 0, sizeof(runs));
    for (i = 0; i < 4 && i < sk_sweep_set_count(set); i++) {
        runs[i].sweep = sk_sweep_set_get(set, i);
        runs[i].label = sk_sweep_group(runs[i].sweep);
    }
    memset(&po, 0, sizeof(po));
    po.kind = SK_CHART_PLOT_THROUGHPUT;
    po.facet = "instances";
    CHECK_INT(sk_chart_plot_new(&c, runs, 4, &po), 0);
    if (c) {
        CHECK_INT(sk_chart_panels(c), 2);
        CHECK_INT(sk_chart_layout(c, NULL), 0);
        CHECK_INT(sk_chart_map(&x0, &y0, c, 0, 0, 2, 100), 0);
        CHECK_INT(sk_chart_map(&x1, &y1, c, 1, 0, 2, 100), 0);
        CHECK_NEAR(y0, y1, 1e-9);
        CHECK(x1 > x0);
        CHECK_STR(sk_chart_title(c), "Throughput vs concurrency by instances");
    }
    sk_chart_free(c);
    c = NULL;
    po.facet = "model";
    CHECK_INT(sk_chart_plot_new(&c, runs, 4, &po), SK_EINVAL);
    CHECK(strstr(sk_error_last(), "--facet model: instances=1 "
                                  "decode_concurrency=8 is "
                                  "not a configuration") != NULL);
    sk_chart_free(c);
    sk_sweep_set_free(set);
}

/*
 * The heatmap: instances across, decode_concurrency up (numeric order,
 * though the file meets 16 before 8); each cell the run's peak (200, 190,
 * 400, 350): the lowest cell is viridis' first colour, the best its last
 * and outlined in vermillion, with "400 @4" written in it; a column the
 * runs lack, or the same column twice, is refused.
 */
static void test_plot_heatmap(void)
{
    static const char csv[] =
        "instances,decode_concurrency,concurrency,throughput_tokens_per_s\n"
        "1,16,1,60\n1,16,2,110\n1,16,4,190\n"
        "1,8,1,50\n1,8,2,100\n1,8,4,200\n"
        "2,16,1,95\n2,16,2,170\n2,16,4,350\n"
        "2,8,1,90\n2,8,2,180\n2,8,4,400\n";
    sk_sweep_set *set = NULL;
    sk_chart_plot_run runs[4];
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    struct image img = {0};
    const char *label = NULL;
    double v0 = NAN, v1 = NAN, lx, ly, bx, by, ex, ey, box[4];
    size_t i;

    CHECK_INT(sk_sweep_set_load_buffer(&set, "g.csv", csv, strlen(csv),
                                       NULL),
              0);
    if (!set)
        return;
    memset(runs, 0, sizeof(runs));
    for (i = 0; i < 4 && i < sk_sweep_set_count(set); i++) {
        runs[i].sweep = sk_sweep_set_get(set, i);
        runs[i].label = sk_sweep_group(runs[i].sweep);
    }
    memset(&po, 0, sizeof(po));
    po.kind = SK_CHART_PLOT_HEATMAP;
    CHECK_INT(sk_chart_plot_new(&c, runs, 4, &po), 0);
    if (c) {
        CHECK_STR(sk_chart_title(c),
                  "Peak throughput by instances and decode_concurrency");
        CHECK_INT(sk_chart_write(c, tmp_path("heat.png"), NULL), 0);
        CHECK_INT(sk_chart_tick(&v0, &label, box, c, 0, 1, 0), 0);
        CHECK_STR(label, "8");
        CHECK_INT(sk_chart_tick(&v1, &label, box, c, 0, 1, 1), 0);
        CHECK_STR(label, "16");
        CHECK(v0 < v1);
        CHECK_INT(sk_chart_tick(NULL, &label, box, c, 0, 0, 1), 0);
        CHECK_STR(label, "2");
        /* cells: x = instances index, y = decode index (8 -> 0) */
        CHECK_INT(sk_chart_map(&lx, &ly, c, 0, 0, 0.3, 1.3), 0);
        CHECK_INT(sk_chart_map(&bx, &by, c, 0, 0, 1.3, 0.3), 0);
        CHECK_INT(sk_chart_map(&ex, &ey, c, 0, 0, 1.46, 0), 0);
        CHECK_INT(read_png(&img, tmp_path("heat.png")), 0);
        if (img.rgb) {
            CHECK(colour_at(&img, (long)lx, (long)ly, 0x440154, 2));
            CHECK(colour_at(&img, (long)bx, (long)by, 0xfde725, 2));
            CHECK(colour_near(&img, ex, ey, 0xd55e00, 2, 8));
            /* the label's dark text in the best cell's centre */
            CHECK_INT(sk_chart_map(&bx, &by, c, 0, 0, 1, 0), 0);
            CHECK(colour_near(&img, bx, by, 0x101010, 12, 60));
        }
        free(img.rgb);
    }
    sk_chart_free(c);
    c = NULL;
    po.axes = "instances,model";
    CHECK_INT(sk_chart_plot_new(&c, runs, 4, &po), SK_EINVAL);
    CHECK(strstr(sk_error_last(), "no configuration column instances or "
                                  "model") != NULL);
    sk_chart_free(c);
    c = NULL;
    po.axes = "instances,instances";
    CHECK_INT(sk_chart_plot_new(&c, runs, 4, &po), SK_EINVAL);
    sk_chart_free(c);
    sk_sweep_set_free(set);
}

/*
 * The open-loop chart: a summary's rows with a request rate (sorted; the
 * concurrency level without one left out) give throughput, TTFT and
 * request-latency panels on one rate axis; TTFT spanning 0.05 s to 8 s
 * goes on a log axis (0.1 to 1 as far as 1 to 10), latency over less
 * than two decades stays linear; a file with no rate is refused, and a
 * rate that is not a number names its line.
 */
static void test_plot_rate(void)
{
    sk_openloop *ol = NULL;
    sk_chart *c = NULL;
    sk_chart_plot_opts po;
    const char *name = "rates";
    double x0, y0, y1, y2, e0, e1, e2;
    size_t pi;
    FILE *fp = fopen(tmp_path("rates.csv"), "w");

    if (fp) {
        fputs("concurrency,request_rate,throughput_tokens_per_s,avg_ttft_s,"
              "p99_ttft_s,avg_e2e_s,p99_e2e_s\n"
              ",4,220,0.075,0.14,1.7,2.1\n"
              ",1,62,0.052,0.08,1.45,1.6\n"
              "8,,300,0.1,0.2,,\n"
              ",16,371,4.1,8.9,7.2,13.5\n",
              fp);
        fclose(fp);
    }
    CHECK_INT(sk_openloop_load(&ol, tmp_path("rates.csv")), 0);
    if (!ol)
        return;
    CHECK_INT(sk_openloop_runs(ol), 3);
    CHECK_NEAR(sk_openloop_rate(ol)[0], 1, 0);
    CHECK_NEAR(sk_openloop_rate(ol)[2], 16, 0);
    CHECK_NEAR(sk_openloop_values(ol, SK_OPENLOOP_THROUGHPUT)[1], 220, 0);
    CHECK_NEAR(sk_openloop_values(ol, SK_OPENLOOP_P99_E2E)[2], 13.5, 0);
    memset(&po, 0, sizeof(po));
    po.kind = SK_CHART_PLOT_RATE;
    CHECK_INT(sk_chart_rate_new(&c, (const sk_openloop *const *)&ol, &name,
                                1, &po),
              0);
    if (c) {
        CHECK_INT(sk_chart_panels(c), 3);
        CHECK_INT(sk_chart_layout(c, NULL), 0);
        CHECK_INT(sk_chart_find_panel(&pi, c, "ttft"), 0);
        CHECK_INT(sk_chart_map(&x0, &y0, c, pi, 0, 1, 0.1), 0);
        CHECK_INT(sk_chart_map(&x0, &y1, c, pi, 0, 1, 1), 0);
        CHECK_INT(sk_chart_map(&x0, &y2, c, pi, 0, 1, 10), 0);
        CHECK_NEAR(y0 - y1, y1 - y2, 1e-6);
        CHECK_INT(sk_chart_find_panel(&pi, c, "e2e"), 0);
        CHECK_INT(sk_chart_map(&x0, &e0, c, pi, 0, 1, 0), 0);
        CHECK_INT(sk_chart_map(&x0, &e1, c, pi, 0, 1, 5), 0);
        CHECK_INT(sk_chart_map(&x0, &e2, c, pi, 0, 1, 10), 0);
        CHECK_NEAR(e0 - e1, e1 - e2, 1e-6);
    }
    sk_chart_free(c);
    sk_openloop_free(ol);
    ol = NULL;
    fp = fopen(tmp_path("rates.csv"), "w");
    if (fp) {
        fputs("concurrency,throughput_tokens_per_s\n1,50\n", fp);
        fclose(fp);
    }
    CHECK_INT(sk_openloop_load(&ol, tmp_path("rates.csv")), SK_ENODATA);
    CHECK(strstr(sk_error_last(), "no open-loop runs (no request_rate)") !=
          NULL);
    fp = fopen(tmp_path("rates.csv"), "w");
    if (fp) {
        fputs("request_rate,throughput_tokens_per_s\n1,50\nfast,60\n", fp);
        fclose(fp);
    }
    CHECK_INT(sk_openloop_load(&ol, tmp_path("rates.csv")), SK_EPARSE);
    CHECK(strstr(sk_error_last(), "rates.csv:3: column 'request_rate': "
                                  "'fast' is not a finite number") != NULL);
    CHECK(ol == NULL);
}

/*
 * The timeline: level 1 runs two queries back to back (0-1 s, 1-2 s),
 * level 2 two at once (2-4 s): one request in flight until 2 s, then two;
 * each query's 10 tokens over its second(s) give 10 tok/s, then 10 again
 * (2 x 10 over 2 s).  The line passes (1, 1) and (3, 2) in the top panel,
 * level 2's start is marked at 2 s; a file whose levels each count from
 * 0 is laid out level after level, with a note.
 */
static void test_plot_timeline(void)
{
    static const char csv[] =
        "concurrency,output_tokens,tokens_per_s,ttft_s,decode_tokens_per_s,"
        "start_s,end_s\n"
        "1,10,10,0,10,0,1\n1,10,10,0,10,1,2\n"
        "2,10,5,0,5,2,4\n2,10,5,0,5,2,4\n";
    static const char own[] =
        "concurrency,output_tokens,tokens_per_s,ttft_s,decode_tokens_per_s,"
        "start_s,end_s\n"
        "1,10,10,0,10,0,1\n2,10,5,0,5,0,2\n2,10,5,0,5,0,2\n";
    struct sk_queries *q = NULL;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double px, py, area[4];
    size_t top = 99;
    int rc;

    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    CHECK_INT(sk_summarize_begin(&q, "t.csv", 0), 0);
    rc = sk_table_stream_buffer("t.csv", csv, strlen(csv), NULL,
                                sk_summarize_row, q);
    CHECK_INT(sk_summarize_end(q, rc), 0);
    run.label = "t";
    run.queries = q;
    po.kind = SK_CHART_PLOT_TIMELINE;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    if (c) {
        CHECK_INT(sk_chart_notes(c), 0);
        CHECK_INT(sk_chart_find_panel(&top, c, "inflight"), 0);
        CHECK_INT(sk_chart_write(c, tmp_path("timeline.png"), &ro), 0);
        CHECK_INT(read_png(&img, tmp_path("timeline.png")), 0);
        CHECK_INT(sk_chart_plot_area(area, c, top), 0);
    }
    if (img.rgb) {
        CHECK_INT(sk_chart_map(&px, &py, c, top, 0, 1, 1), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 2, 40));
        CHECK_INT(sk_chart_map(&px, &py, c, top, 0, 3, 2), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 2, 40));
        CHECK_INT(sk_chart_map(&px, &py, c, top, 0, 2, 0), 0);
        /* low in the panel, clear of the line (at 1 to 2 there) */
        CHECK(grey_near(&img, px, area[1] + 0.85 * (area[3] - area[1]), 4,
                        0x90));
    }
    free(img.rgb);
    sk_chart_free(c);
    c = NULL;
    sk_summarize_queries_free(q);

    q = NULL;
    CHECK_INT(sk_summarize_begin(&q, "o.csv", 0), 0);
    rc = sk_table_stream_buffer("o.csv", own, strlen(own), NULL,
                                sk_summarize_row, q);
    CHECK_INT(sk_summarize_end(q, rc), 0);
    run.queries = q;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    CHECK(c && sk_chart_notes(c) == 1 &&
          strstr(sk_chart_note(c, 0), "laid one after another") != NULL);
    sk_chart_free(c);
    sk_summarize_queries_free(q);
}

/*
 * The TTFT ECDF: level 1's TTFTs 1, 2, 3, 4 make a staircase: the share
 * is 0.5 between 2 and 3 (drawn at 2.5) and 0.75 between 3 and 4, in the
 * first level's colour; level 2 (all 6) in the second style.
 */
static void test_plot_ecdf(void)
{
    static const double conc[] = {1, 1, 1, 1, 2, 2},
                        ttft[] = {4, 1, 3, 2, 6, 6};
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double px, py;

    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    run.label = "e";
    run.query_concurrency = conc;
    run.query_tokens_per_s = ttft;
    run.nqueries = 6;
    po.kind = SK_CHART_PLOT_TTFT_ECDF;
    CHECK(strcmp(sk_chart_plot_sample_column(po.kind), "ttft_s") == 0);
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    if (!c)
        return;
    CHECK_INT(sk_chart_write(c, tmp_path("ecdf.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("ecdf.png")), 0);
    if (img.rgb) {
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2.5, 0.5), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 40));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 3.5, 0.75), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 40));
        CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 6, 0.5), 0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(1), 1, 40));
    }
    free(img.rgb);
    sk_chart_free(c);
}

static void test_plot_dashboard(void)
{
    static const double qc[4] = {1, 1, 2, 2}, qv[4] = {190, 200, 130, 140};
    sk_sweep *s = NULL;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL, *d = NULL;
    struct image img = {0, 0, NULL};
    double px, py, lg[4];

    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    CHECK_INT(load_model(&s, 1), 0);
    if (!s)
        return;
    run.sweep = s;
    run.label = models[1];
    po.kind = SK_CHART_PLOT_DASHBOARD;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    CHECK_INT(sk_chart_panels(c), 4);
    find(c, "throughput");
    find(c, "per-query-mean");
    find(c, "ttft");
    find(c, "pareto");
    CHECK_INT(sk_chart_write(c, tmp_path("dash.png"), &ro), 0);
    /* One run: its name is in the title, no legend anywhere. */
    CHECK_INT(sk_chart_legend_area(lg, c, 0), SK_ENOTFOUND);
    CHECK_INT(sk_chart_legend_area(lg, c, 3), SK_ENOTFOUND);
    CHECK_INT(read_png(&img, tmp_path("dash.png")), 0);
    if (img.rgb) {
        /* Qwen3-4B at 64: 470.19 tok/s total, 10.36 s TTFT. */
        CHECK_INT(sk_chart_map(&px, &py, c, (size_t)find(c, "throughput"), 0,
                               64, 470.19),
                  0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
        CHECK_INT(
            sk_chart_map(&px, &py, c, (size_t)find(c, "ttft"), 0, 64, 10.36),
            0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
        CHECK_INT(sk_chart_map(&px, &py, c, (size_t)find(c, "pareto"), 0, 10.36,
                               470.19),
                  0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    }
    check_ticks_apart(c, 1600, 1000);
    /* The pareto TTFT axis (0.21 to 22.71 s, log10) labels every 1-2-5
     * value in range: 0.2 0.5 1 2 5 10 20. */
    {
        const char *want[7] = {"0.2", "0.5", "1", "2", "5", "10", "20"};
        size_t pi = (size_t)find(c, "pareto"), i, n = 0;
        const char *label;
        double b[4];

        for (i = 0; sk_chart_tick(NULL, &label, b, c, pi, 0, i) == 0; i++)
            if (!isnan(b[0]) && n < 7)
                CHECK_STR(label, want[n++]);
        CHECK_INT(n, 7);
    }
    free(img.rgb);
    img.rgb = NULL;
    /* Same input, same bytes, also as SVG and PDF. */
    CHECK_INT(sk_chart_plot_new(&d, &run, 1, &po), 0);
    CHECK_INT(sk_chart_write(d, tmp_path("dash2.png"), &ro), 0);
    CHECK(same_bytes(tmp_path("dash.png"), tmp_path("dash2.png")));
    CHECK_INT(sk_chart_write(c, tmp_path("dash.svg"), &ro), 0);
    CHECK_INT(sk_chart_write(d, tmp_path("dash2.svg"), &ro), 0);
    CHECK(same_bytes(tmp_path("dash.svg"), tmp_path("dash2.svg")));
    CHECK_INT(sk_chart_write(c, tmp_path("dash.pdf"), &ro), 0);
    CHECK_INT(sk_chart_write(d, tmp_path("dash2.pdf"), &ro), 0);
    CHECK(same_bytes(tmp_path("dash.pdf"), tmp_path("dash2.pdf")));
    CHECK(file_contains(tmp_path("dash.pdf"), "/Title", 6));
    sk_chart_free(d);
    d = NULL;
    sk_chart_free(c);
    c = NULL;

    /* With per-query samples the per-query panel replaces the mean. */
    run.query_concurrency = qc;
    run.query_tokens_per_s = qv;
    run.nqueries = 4;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    CHECK_INT(sk_chart_panels(c), 4);
    find(c, "per-query");
    sk_chart_free(c);
    sk_sweep_free(s);
}

/* Per-query: p10-p90 band by linear interpolation between closest ranks,
 * mean line, scatter.  Ten values 10..100 at c = 1 and c = 4: mean 55,
 * p10 = 10 + 0.9 * 10 = 19, p90 = 90 + 0.1 * 10 = 91. */
static void test_plot_per_query(void)
{
    double qc[20], qv[20];
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart_render_opts ro;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double px, py;
    uint32_t tint;
    int i;

    for (i = 0; i < 20; i++) {
        qc[i] = i < 10 ? 1 : 4;
        qv[i] = 10.0 * (i % 10 + 1);
    }
    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    memset(&ro, 0, sizeof(ro));
    run.label = "pq";
    run.query_concurrency = qc;
    run.query_tokens_per_s = qv;
    run.nqueries = 20;
    po.kind = SK_CHART_PLOT_PER_QUERY;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("pq.png"), &ro), 0);
    CHECK_INT(read_png(&img, tmp_path("pq.png")), 0);
    if (!img.rgb)
        goto done;
    /* The mean marker at (1, 55) and (4, 55). */
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1, 55), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 4, 55), 0);
    CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    /* Inside the band at c = 2 (no samples there): the run colour at 18%
     * over white.  Just above p90 and just below p10: white. */
    tint = 0;
    {
        uint32_t rgb = sk_chart_palette(0);
        int sh;

        for (sh = 0; sh <= 16; sh += 8) {
            double ch = (rgb >> sh) & 255;

            tint |= (uint32_t)lround(255 - 0.18 * (255 - ch)) << sh;
        }
    }
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 25), 0);
    CHECK(colour_at(&img, (long)px, (long)py, tint, 4));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 89), 0);
    CHECK(colour_at(&img, (long)px, (long)py, tint, 4));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 95), 0);
    CHECK(colour_near(&img, px, py, 0xFFFFFF, 0, 0) ||
          colour_near(&img, px, py, 0xE6E6E6, 0, 2));
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 2, 15), 0);
    CHECK(colour_near(&img, px, py, 0xFFFFFF, 0, 0) ||
          colour_near(&img, px, py, 0xE6E6E6, 0, 2));
    /* Some scatter: translucent run colour at a sample's height near
     * c = 1 (jitter moves it sideways by at most 9 px). */
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 1, 100), 0);
    CHECK(!colour_near(&img, px, py, 0xFFFFFF, 0, 0) ||
          !colour_near(&img, px - 9, py, 0xFFFFFF, 0, 0) ||
          !colour_near(&img, px + 9, py, 0xFFFFFF, 0, 0));
done:
    free(img.rgb);
    sk_chart_free(c);
}

static void test_plot_errors(void)
{
    static const struct {
        const char *csv;
        int kind, rc;
        const char *msg;
    } cases[] = {
        {"concurrency,foo\n1,2\n", SK_CHART_PLOT_THROUGHPUT, SK_ENOTFOUND,
         "s.csv: no column 'throughput_tokens_per_s'; available: "
         "concurrency, foo"},
        {"concurrency,throughput_tokens_per_s,avg_query_tokens_per_s\n"
         "1,,3\n2,,4\n",
         SK_CHART_PLOT_THROUGHPUT, SK_ENODATA,
         "s.csv: throughput_tokens_per_s has no values; nothing to plot"},
        {"concurrency,throughput_tokens_per_s,avg_query_tokens_per_s\n"
         "1,abc,3\n",
         SK_CHART_PLOT_THROUGHPUT, SK_EPARSE,
         "s.csv:2: column 'throughput_tokens_per_s': 'abc' is not a finite "
         "number"},
        {"concurrency,x\n1,2\n", SK_CHART_PLOT_TTFT, SK_ENOTFOUND,
         "s.csv: no column 'avg_ttft_s'; available: concurrency, x"},
        {"concurrency,avg_ttft_s,median_ttft_s\n1,,\n", SK_CHART_PLOT_TTFT,
         SK_ENODATA,
         "s.csv: avg_ttft_s, median_ttft_s and p90_ttft_s has no values; "
         "nothing to plot"},
        {"concurrency,throughput_tokens_per_s\n1,5\n", SK_CHART_PLOT_PARETO,
         SK_ENOTFOUND,
         "s.csv: no column 'avg_ttft_s'; available: concurrency, "
         "throughput_tokens_per_s"},
        {"concurrency,throughput_tokens_per_s\n1,5\n", SK_CHART_PLOT_PER_QUERY,
         SK_EINVAL, "the per-query chart needs per-query samples"},
    };
    sk_chart_plot_opts po;
    sk_chart_plot_run run;
    sk_chart_plot_kind k;
    sk_chart *c = NULL;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_sweep *s = NULL;

        CHECK_INT(sk_sweep_load_buffer(&s, "s.csv", cases[i].csv,
                                       strlen(cases[i].csv)),
                  0);
        if (!s)
            continue;
        memset(&po, 0, sizeof(po));
        memset(&run, 0, sizeof(run));
        po.kind = (sk_chart_plot_kind)cases[i].kind;
        run.sweep = s;
        run.label = "s";
        CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), cases[i].rc);
        CHECK_STR(sk_error_last(), cases[i].msg);
        CHECK(c == NULL);
        sk_sweep_free(s);
    }
    memset(&po, 0, sizeof(po));
    CHECK_INT(sk_chart_plot_new(&c, &run, 0, &po), SK_EINVAL);
    CHECK_STR(sk_error_last(), "0 runs: expected 1 to 64");
    CHECK_INT(sk_chart_plot_kind_parse(&k, "pareto"), 0);
    CHECK_INT(k, SK_CHART_PLOT_PARETO);
    CHECK_INT(sk_chart_plot_kind_parse(&k, "pie"), SK_EINVAL);
    CHECK_STR(sk_error_last(), "unknown chart kind 'pie'; expected "
                               "throughput, per-query, ttft, pareto, "
                               "dashboard, frontier, ttft-dist, speed-dist, "
                               "itl-dist, timeline, ttft-ecdf, heatmap or rate");
    po.ttft_stat = "p50";
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), SK_EINVAL);
    CHECK_STR(sk_error_last(),
              "TTFT statistic 'p50': expected avg, median or p90");
}

/* One level: drawn (log axis padded around it), at its place. */
static void test_plot_single_level(void)
{
    static const char csv[] = "concurrency,throughput_tokens_per_s,"
                              "avg_query_tokens_per_s,avg_ttft_s\n"
                              "8,120.5,15.1,0.9\n";
    sk_sweep *s = NULL;
    sk_chart_plot_run run;
    sk_chart_plot_opts po;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    double px, py;
    const char *label;
    int k;

    CHECK_INT(sk_sweep_load_buffer(&s, "one.csv", csv, strlen(csv)), 0);
    if (!s)
        return;
    memset(&run, 0, sizeof(run));
    memset(&po, 0, sizeof(po));
    run.sweep = s;
    run.label = "one";
    for (k = SK_CHART_PLOT_THROUGHPUT; k <= SK_CHART_PLOT_DASHBOARD; k++) {
        if (k == SK_CHART_PLOT_PER_QUERY)
            continue;
        po.kind = (sk_chart_plot_kind)k;
        CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
        CHECK_INT(sk_chart_write(c, tmp_path("one.png"), NULL), 0);
        sk_chart_free(c);
        c = NULL;
    }
    po.kind = SK_CHART_PLOT_THROUGHPUT;
    CHECK_INT(sk_chart_plot_new(&c, &run, 1, &po), 0);
    CHECK_INT(sk_chart_write(c, tmp_path("one.png"), NULL), 0);
    CHECK_INT(read_png(&img, tmp_path("one.png")), 0);
    CHECK_INT(sk_chart_map(&px, &py, c, 0, 0, 8, 120.5), 0);
    if (img.rgb)
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
    /* The one tick is the level itself. */
    CHECK_INT(sk_chart_tick(NULL, &label, NULL, c, 1, 0, 0), 0);
    CHECK_STR(label, "8");
    CHECK_INT(sk_chart_tick(NULL, &label, NULL, c, 1, 0, 1), SK_ENOTFOUND);
    free(img.rgb);
    sk_chart_free(c);
    sk_sweep_free(s);
}

/* ---- the comparison chart ---------------------------------------------- */

/* A per-query run at levels 1, 2 and 4, eight waves of `concurrency`
 * queries each, 100 tokens a query: durations and TTFTs follow one fixed
 * pattern (+-30% from wave to wave, +-5% within one, so that the
 * intervals are wide), scaled by `slow` and `ttft`: another run of the
 * pattern differs by exactly those factors. */
static void write_run(const char *path, double slow, double ttft)
{
    static const int levels[3] = {1, 2, 4};
    FILE *fp = fopen(path, "w");
    double t = 0;
    int l, w, i, q = 0;

    CHECK(fp != NULL);
    if (!fp)
        return;
    fputs("concurrency,ttft_s,output_tokens,tokens_per_s,"
          "decode_tokens_per_s,start_s,end_s\n",
          fp);
    for (l = 0; l < 3; l++)
        for (w = 0; w < 8; w++) {
            double wave = 0;

            for (i = 0; i < levels[l]; i++, q++) {
                double v = 8 * l + w,
                       d = 0.5 * levels[l] * slow *
                           (1 + 0.3 * sin(1.7 * v) + 0.05 * sin(q)),
                       f = 0.05 * levels[l] * ttft *
                           (1 + 0.3 * cos(2.3 * v) + 0.05 * cos(q));

                fprintf(fp, "%d,%.9f,100,%.9f,%.9f,%.9f,%.9f\n", levels[l],
                        f, 100 / d, 99 / (d - f), t, t + d);
                wave = fmax(wave, d);
            }
            t += wave;
        }
    fclose(fp);
}

/* Is (x, y) of the change panel inside metric colour rgb's band (alpha
 * 0.2 over the white plot area)?  Off the level's grid line, 4 px
 * towards the next level. */
static int in_band(const struct image *img, double x, double y, uint32_t rgb)
{
    uint32_t tint = 0;
    int k;

    for (k = 0; k < 3; k++) {
        int ch = (int)(rgb >> (8 * k) & 255);

        tint |= (uint32_t)lround(255 + 0.2 * (ch - 255)) << (8 * k);
    }
    return colour_near(img, x, y, tint, 1, 5);
}

static void test_compare_chart(void)
{
    const char *a = tmp_path("cmp_a.csv"), *b = tmp_path("cmp_b.csv");
    sk_compare *cmp = NULL;
    sk_compare_opts o;
    sk_chart *c = NULL;
    struct image img = {0, 0, NULL};
    size_t i, seen[SK_CMP_NMETRICS] = {0};
    int tp, tt, ch;
    FILE *fp;

    /* the candidate: 20% slower queries (throughput -20%), TTFT +50% */
    write_run(a, 1, 1);
    write_run(b, 1.25, 1.5);
    sk_compare_opts_init(&o);
    o.resamples = 400;
    CHECK_INT(sk_compare_runs(&cmp, a, b, &o), 0);
    if (!cmp)
        return;
    CHECK_INT(sk_chart_compare_new(&c, cmp, "base", "cand"), 0);
    if (!c)
        goto done;
    CHECK_STR(sk_chart_title(c), "Comparison \xE2\x80\x94 base vs cand");
    CHECK_INT(sk_chart_panels(c), 3);
    CHECK_INT(sk_chart_notes(c), 0);
    tp = find(c, "throughput");
    tt = find(c, "ttft");
    ch = find(c, "change");
    CHECK(tp == 0 && tt == 1 && ch == 2);
    CHECK_INT(sk_chart_write(c, tmp_path("cmp.png"), NULL), 0);
    CHECK_INT(read_png(&img, tmp_path("cmp.png")), 0);
    if (!img.rgb)
        goto done;
    for (i = 0; i < sk_compare_rows(cmp); i++) {
        const struct sk_compare_row *r = sk_compare_row(cmp, i);
        int m = r->metric == SK_CMP_THROUGHPUT ? 0
                : r->metric == SK_CMP_TTFT_P90 ? 1
                                               : -1;
        uint32_t rgb = sk_chart_palette(2 + (size_t)(m > 0));
        double px, py, lx, ly, hx, hy, off = r->concurrency < 4 ? 4 : -4;

        if (m < 0)
            continue;
        seen[r->metric]++;
        CHECK_NEAR(r->change, m ? 0.5 : -0.2, 1e-6);
        /* both runs in their panel: baseline colour 0, candidate 1 */
        CHECK_INT(sk_chart_map(&px, &py, c, (size_t)(m ? tt : tp), 0,
                               r->concurrency, r->baseline),
                  0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(0), 1, 12));
        CHECK_INT(sk_chart_map(&px, &py, c, (size_t)(m ? tt : tp), 0,
                               r->concurrency, r->candidate),
                  0);
        CHECK(colour_near(&img, px, py, sk_chart_palette(1), 1, 12));
        /* the change in percent, at the level's concurrency */
        CHECK_INT(sk_chart_map(&px, &py, c, (size_t)ch, 0, r->concurrency,
                               100 * r->change),
                  0);
        CHECK(colour_near(&img, px, py, rgb, 1, 12));
        /* its band: from 100 lo to 100 hi, wide enough to look inside
         * each edge clear of the marker */
        CHECK(r->lo < r->change && r->change < r->hi);
        CHECK_INT(sk_chart_map(&lx, &ly, c, (size_t)ch, 0, r->concurrency,
                               100 * r->lo),
                  0);
        CHECK_INT(sk_chart_map(&hx, &hy, c, (size_t)ch, 0, r->concurrency,
                               100 * r->hi),
                  0);
        CHECK(ly - py > 14 && py - hy > 14);
        CHECK(in_band(&img, hx + off, hy + 4, rgb));
        CHECK(!in_band(&img, hx + off, hy - 4, rgb));
        CHECK(in_band(&img, lx + off, ly - 4, rgb));
        CHECK(!in_band(&img, lx + off, ly + 4, rgb));
    }
    CHECK_INT(seen[SK_CMP_THROUGHPUT], 3);
    CHECK_INT(seen[SK_CMP_TTFT_P90], 3);
    free(img.rgb);
    img.rgb = NULL;
    sk_chart_free(c);
    c = NULL;
    sk_compare_free(cmp);
    cmp = NULL;

    /* Summaries: changes without intervals, the mean TTFT without a p90
     * column; a note for each. */
    fp = fopen(a, "w");
    if (fp) {
        fputs("concurrency,throughput_tokens_per_s,avg_ttft_s\n"
              "1,100,0.5\n2,180,0.6\n4,300,0.8\n",
              fp);
        fclose(fp);
    }
    fp = fopen(b, "w");
    if (fp) {
        fputs("concurrency,throughput_tokens_per_s,avg_ttft_s\n"
              "1,110,0.5\n2,162,0.9\n4,300,0.4\n",
              fp);
        fclose(fp);
    }
    CHECK_INT(sk_compare_runs(&cmp, a, b, NULL), 0);
    if (!cmp)
        return;
    CHECK_INT(sk_chart_compare_new(&c, cmp, NULL, NULL), 0);
    if (!c)
        goto done;
    CHECK_STR(sk_chart_title(c), "Comparison \xE2\x80\x94 baseline vs "
                                 "candidate");
    CHECK_INT(sk_chart_panels(c), 3);
    CHECK_INT(sk_chart_notes(c), 2);
    CHECK_STR(sk_chart_note(c, 0), "no p90 TTFT in the runs: the mean TTFT "
                                   "is drawn");
    CHECK_STR(sk_chart_note(c, 1), SK_CHART_COMPARE_NO_INTERVAL);
    ch = find(c, "change");
    CHECK_INT(sk_chart_write(c, tmp_path("cmp_sum.png"), NULL), 0);
    CHECK_INT(read_png(&img, tmp_path("cmp_sum.png")), 0);
    if (!img.rgb)
        goto done;
    {
        /* throughput +10%, -10%, 0%; mean TTFT 0%, +50%, -50% */
        static const double x[3] = {1, 2, 4}, dtp[3] = {10, -10, 0},
                            dtt[3] = {0, 50, -50};
        double px, py;

        for (i = 0; i < 3; i++) {
            CHECK_INT(sk_chart_map(&px, &py, c, (size_t)ch, 0, x[i], dtp[i]),
                      0);
            CHECK(colour_near(&img, px, py, sk_chart_palette(2), 1, 12));
            CHECK_INT(sk_chart_map(&px, &py, c, (size_t)ch, 0, x[i], dtt[i]),
                      0);
            CHECK(colour_near(&img, px, py, sk_chart_palette(3), 1, 12));
        }
    }
done:
    free(img.rgb);
    sk_chart_free(c);
    sk_compare_free(cmp);
}

static void cleanup(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    if (!d)
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sk_chart_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_palette();
    test_format_from_path();
    test_png_pixels();
    test_scale();
    test_banded_markers();
    test_clip();
    test_nan_gap();
    test_outputs();
    test_legend();
    test_ticks();
    test_tick_edges();
    test_log_axis();
    test_errors();
    test_plot_throughput();
    test_plot_ttft_pareto();
    test_plot_ttft_band();
    test_plot_throughput_band();
    test_plot_ttft_log();
    test_run_styles();
    test_plot_frontier();
    test_mark_colours();
    test_plot_dist();
    test_themes();
    test_plot_facets();
    test_plot_heatmap();
    test_plot_rate();
    test_plot_timeline();
    test_plot_ecdf();
    test_plot_dashboard();
    test_plot_per_query();
    test_plot_errors();
    test_plot_single_level();
    test_compare_chart();
    /* Cairo keeps font caches for the life of the process; release them
     * so LeakSanitizer sees only what the chart code allocated. */
    cairo_debug_reset_static_data();
    if (!getenv("SK_KEEP"))
        cleanup();
    else
        printf("kept %s\n", dir);
    return sk_test_done("chart");
}
