/*
 * Output: the format a path names, the PNG (libpng), SVG and PDF (Cairo)
 * writers with their metadata and byte-for-byte determinism, the
 * write-to-temporary-then-rename of sk_chart_write(), and
 * sk_chart_shutdown().
 */
#include "chart_int.h"

#include "sweepkit/error.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <png.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SVG ((size_t)256 << 20)
#define PDF_PT_PER_PX 0.75 /* 72 pt per inch over 96 px per inch */

int sk_chart_format_from_path(sk_chart_format *out, const char *path)
{
    static const struct {
        const char *ext;
        sk_chart_format f;
    } ext[] = {
        {".png", SK_CHART_PNG}, {".svg", SK_CHART_SVG}, {".pdf", SK_CHART_PDF}};
    const char *base = strrchr(path, '/');
    const char *dot;
    size_t i, j;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot == base) /* ".png" is a hidden file's name, not an extension */
        dot = NULL;
    for (i = 0; dot && i < 3; i++) {
        for (j = 0; j < 4; j++) {
            char ch = dot[j];

            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch - 'A' + 'a');
            if (ch != ext[i].ext[j])
                break;
        }
        if (j == 4 && dot[4] == '\0') {
            *out = ext[i].f;
            return 0;
        }
    }
    if (!dot)
        return sk_error_set(
            SK_EINVAL, "%s: no file extension; use .png, .svg or .pdf", path);
    return sk_error_set(SK_EINVAL,
                        "%s: unknown output format '%s'; use .png, .svg or "
                        ".pdf",
                        path, dot);
}

/* ---- output ------------------------------------------------------------ */

struct out {
    FILE *fp;
    int err; /* errno of the first failed write */
};

static cairo_status_t out_write(void *closure, const unsigned char *data,
                                unsigned int len)
{
    struct out *o = closure;

    if (o->err)
        return CAIRO_STATUS_WRITE_ERROR;
    if (fwrite(data, 1, len, o->fp) != len) {
        o->err = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static int io_error(const char *path, int err)
{
    return sk_error_set(SK_EIO, "%s: cannot write: %s", path, strerror(err));
}

static int draw_error(const char *path, cairo_status_t st)
{
    if (st == CAIRO_STATUS_NO_MEMORY)
        return sk_error_set(SK_ENOMEM, "%s: out of memory while drawing", path);
    return sk_error_set(SK_EIO, "%s: drawing failed: %s", path,
                        cairo_status_to_string(st));
}

struct png_state {
    struct out out;
    char msg[200];
};

static void png_fail(png_structp png, png_const_charp msg)
{
    struct png_state *ps = png_get_error_ptr(png);

    snprintf(ps->msg, sizeof(ps->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_out(png_structp png, png_bytep data, size_t len)
{
    struct png_state *ps = png_get_io_ptr(png);

    if (out_write(&ps->out, data, (unsigned)len) != CAIRO_STATUS_SUCCESS)
        png_error(png, "write failed");
}

static void png_flush_out(png_structp png)
{
    (void)png;
}

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/*
 * Encode a Cairo ARGB32 image (premultiplied, native-endian words) as an
 * 8-bit RGB PNG: the chart is drawn on opaque white, so alpha carries
 * nothing.  Metadata goes in tEXt chunks (iTXt for non-ASCII text); no
 * tIME chunk, so the bytes depend on the pixels and the text alone.
 * Filter "up" at zlib level 3, measured on the 1600x1000 dashboard: 16 ms
 * and 117 kB, against 42 ms / 121 kB for "sub" at level 6, 45 ms / 96 kB
 * for libpng's adaptive filters at 6 and 93 ms / 99 kB for "up" at 9.
 */
static int png_encode(struct png_state *ps, cairo_surface_t *img,
                      const char *title, const sk_chart_render_opts *o,
                      const char *path)
{
    const unsigned char *data = cairo_image_surface_get_data(img);
    int w = cairo_image_surface_get_width(img);
    int h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const char *key[4] = {"Title", "Software", "Sources", "Command"};
    const char *val[4] = {title, o ? o->software : NULL, o ? o->sources : NULL,
                          o ? o->command : NULL};
    png_structp png = NULL;
    png_infop info = NULL;
    unsigned char *volatile row = NULL;
    png_text text[4];
    int i, nt = 0, rc = 0;
    /* a transparent canvas keeps its alpha (RGBA), else RGB */
    int bpp = o && o->theme == SK_CHART_TRANSPARENT ? 4 : 3;

    if (!(row = malloc((size_t)w * 4)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, ps, png_fail, png_quiet);
    if (!png || !(info = png_create_info_struct(png))) {
        rc = sk_error_set(SK_ENOMEM, "out of memory");
        goto done;
    }
    if (setjmp(png_jmpbuf(png))) {
        rc = ps->out.err ? io_error(path, ps->out.err)
                         : sk_error_set(SK_EIO, "%s: PNG encoding failed: %s",
                                        path, ps->msg);
        goto done;
    }
    png_set_write_fn(png, ps, png_out, png_flush_out);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 bpp == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 3);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    memset(text, 0, sizeof(text));
    for (i = 0; i < 4; i++) {
        if (!val[i])
            continue;
        text[nt].key = (png_charp)key[i];
        text[nt].text = (png_charp)val[i];
        text[nt].compression = is_ascii(val[i]) ? PNG_TEXT_COMPRESSION_NONE
                                                : PNG_ITXT_COMPRESSION_NONE;
        nt++;
    }
    if (nt)
        png_set_text(png, info, text, nt);
    png_write_info(png, info);
    for (i = 0; i < h; i++) {
        const uint32_t *src = (const uint32_t *)(data + (size_t)i * stride);
        unsigned char *d = row;
        int x;

        for (x = 0; x < w; x++, d += bpp) {
            uint32_t px = src[x];
            unsigned a = px >> 24, r = (px >> 16) & 255, g = (px >> 8) & 255,
                     b = px & 255;

            if (a != 255 && a != 0) {
                r = (r * 255 + a / 2) / a;
                g = (g * 255 + a / 2) / a;
                b = (b * 255 + a / 2) / a;
            }
            d[0] = (unsigned char)r;
            d[1] = (unsigned char)g;
            d[2] = (unsigned char)b;
            if (bpp == 4)
                d[3] = (unsigned char)a;
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
done:
    png_destroy_write_struct(&png, &info);
    free(row);
    return rc;
}

static int render_png(sk_chart *c, FILE *fp, const sk_chart_render_opts *o,
                      const char *path)
{
    int dw = (int)lround(c->w * c->scale), dh = (int)lround(c->h * c->scale);
    cairo_surface_t *img =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, dw, dh);
    cairo_t *cr = cairo_create(img);
    cairo_status_t st;
    struct png_state ps;
    int rc;

    cairo_scale(cr, c->scale, c->scale);
    sk_chart__draw(c, cr);
    st = cairo_status(cr);
    if (st == CAIRO_STATUS_SUCCESS &&
        cairo_surface_get_user_data(img, &sk_chart__band_error))
        st = CAIRO_STATUS_NO_MEMORY; /* a band could not be drawn */
    c->marker_threads =
        cairo_surface_get_user_data(img, &sk_chart__band_threads)
            ? (unsigned)(intptr_t)cairo_surface_get_user_data(
                  img, &sk_chart__band_threads)
            : 1;
    cairo_destroy(cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return draw_error(path, st);
    }
    cairo_surface_flush(img);
    memset(&ps, 0, sizeof(ps));
    ps.out.fp = fp;
    rc = png_encode(&ps, img, c->title, o, path);
    cairo_surface_destroy(img);
    return rc;
}

/* Draw the chart on a vector surface at `scale` logical px to a unit,
 * then finish and destroy the surface.  Returns the first Cairo error,
 * or CAIRO_STATUS_SUCCESS. */
static cairo_status_t draw_vector(sk_chart *c, cairo_surface_t *s,
                                  double scale)
{
    cairo_t *cr = cairo_create(s);
    cairo_status_t st;

    cairo_scale(cr, scale, scale);
    sk_chart__draw(c, cr);
    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st;
}

struct membuf {
    char *p;
    size_t n, cap;
    int err;
};

static cairo_status_t mem_write(void *closure, const unsigned char *data,
                                unsigned int len)
{
    struct membuf *b = closure;

    if (b->err)
        return CAIRO_STATUS_WRITE_ERROR;
    if (len > MAX_SVG - b->n) {
        b->err = SK_ELIMIT;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        char *p;

        while (cap < b->n + len)
            cap *= 2;
        if (!(p = realloc(b->p, cap))) {
            b->err = SK_ENOMEM;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* XML character data: markup characters escaped, C0 controls other than
 * tab and line feed (not allowed in XML 1.0) written as spaces. */
static void xml_text(FILE *fp, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '&')
            fputs("&amp;", fp);
        else if (ch == '<')
            fputs("&lt;", fp);
        else if (ch == '>')
            fputs("&gt;", fp);
        else if (ch < 0x20 && ch != '\t' && ch != '\n')
            fputc(' ', fp);
        else
            fputc(ch, fp);
    }
}

/*
 * Cairo names SVG groups after its surfaces' process-wide serial numbers
 * ("surface289"), so one chart drawn twice in one process would differ.
 * Write `p` with those ids renumbered 1, 2, ... in order of first
 * appearance, references ("#surface289") included.
 */
static void svg_renumbered(FILE *fp, const char *p, size_t n)
{
    unsigned long seen[64];
    size_t nseen = 0, i = 0, from = 0, k;

    while (i + 9 < n) {
        size_t j = i + 8;
        unsigned long v = 0;

        if ((p[i] != '"' && p[i] != '#') ||
            memcmp(p + i + 1, "surface", 7) != 0 || p[j] < '0' || p[j] > '9') {
            i++;
            continue;
        }
        for (; j < n && p[j] >= '0' && p[j] <= '9' && v < 100000000; j++)
            v = v * 10 + (unsigned long)(p[j] - '0');
        for (k = 0; k < nseen && seen[k] != v; k++)
            ;
        if (k == nseen && nseen < 64)
            seen[nseen++] = v;
        if (k < nseen) {
            fwrite(p + from, 1, i + 8 - from, fp);
            fprintf(fp, "%zu", k + 1);
            from = j;
        }
        i = j;
    }
    fwrite(p + from, 1, n - from, fp);
}

/*
 * SVG through Cairo, with the title added as the document's <title> and
 * the sources and command line as its <desc> (Cairo turns text into glyph
 * outlines and has no metadata call for SVG).  They go right after the
 * root element's start tag, where SVG expects them.
 */
static int render_svg(sk_chart *c, FILE *fp, const sk_chart_render_opts *o,
                      const char *path)
{
    struct membuf b = {NULL, 0, 0, 0};
    cairo_surface_t *s =
        cairo_svg_surface_create_for_stream(mem_write, &b, c->w, c->h);
    cairo_status_t st;
    size_t i, at = 0;
    int rc = 0;

    cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
    st = draw_vector(c, s, 1);
    if (b.err == SK_ELIMIT)
        rc = sk_error_set(SK_ELIMIT, "%s: SVG larger than %zu bytes", path,
                          MAX_SVG);
    else if (b.err == SK_ENOMEM)
        rc = sk_error_set(SK_ENOMEM, "out of memory");
    else if (st != CAIRO_STATUS_SUCCESS)
        rc = draw_error(path, st);
    if (rc)
        goto done;
    for (i = 0; i + 4 < b.n; i++)
        if (memcmp(b.p + i, "<svg", 4) == 0)
            break;
    for (; i < b.n; i++)
        if (b.p[i] == '>') {
            at = i + 1;
            break;
        }
    fwrite(b.p, 1, at, fp);
    if (at && c->title) {
        fputs("\n<title>", fp);
        xml_text(fp, c->title);
        fputs("</title>", fp);
    }
    if (at && o && (o->sources || o->command)) {
        fputs("\n<desc>", fp);
        if (o->software) {
            xml_text(fp, o->software);
            fputc('\n', fp);
        }
        if (o->sources) {
            xml_text(fp, o->sources);
            fputc('\n', fp);
        }
        if (o->command)
            xml_text(fp, o->command);
        fputs("</desc>", fp);
    }
    svg_renumbered(fp, b.p + at, b.n - at);
done:
    free(b.p);
    return rc;
}

/*
 * PDF through Cairo: one page of width x height logical px at 96 px per
 * inch.  Cairo 1.16 stamps /CreationDate with the current time; setting
 * CREATE_DATE to "" (a date Cairo cannot parse) leaves it out, so the
 * bytes depend on the chart alone (tested).
 */
static int render_pdf(sk_chart *c, FILE *fp, const sk_chart_render_opts *o,
                      const char *path)
{
    struct out out = {fp, 0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(
        out_write, &out, c->w * PDF_PT_PER_PX, c->h * PDF_PT_PER_PX);
    cairo_status_t st;

    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "");
    if (c->title)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, c->title);
    if (o && o->software)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
                                       o->software);
    if (o && o->sources)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_KEYWORDS,
                                       o->sources);
    if (o && o->command)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT,
                                       o->command);
    st = draw_vector(c, s, PDF_PT_PER_PX);
    if (out.err)
        return io_error(path, out.err);
    return st == CAIRO_STATUS_SUCCESS ? 0 : draw_error(path, st);
}

/* Create PATH.tmp.XXXXXX next to `path` with O_EXCL (mode 0666 less the
 * umask, like any new file), trying fresh names on a collision. */
static int open_tmp(FILE **fp, char **tmp, const char *path)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t n = strlen(path);
    struct timespec ts;
    uint64_t z;
    int tries, fd = -1, i;

    *fp = NULL;
    if (!(*tmp = malloc(n + 12)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    /* No shared state, so concurrent writers need no lock: the process,
     * the clock and this buffer's address seed the name, and O_EXCL
     * settles any collision. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    z = (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_nsec ^
        (uint64_t)ts.tv_sec << 20 ^ (uint64_t)(uintptr_t)*tmp;
    for (tries = 0; tries < 100; tries++) {
        z = (z ^ (z >> 31)) * 0x9E3779B97F4A7C15u + (uint64_t)tries;
        z ^= z >> 29;
        memcpy(*tmp, path, n);
        memcpy(*tmp + n, ".tmp.", 5);
        for (i = 0; i < 6; i++)
            (*tmp)[n + 5 + i] = chars[(z >> (6 * i)) % 62];
        (*tmp)[n + 11] = '\0';
        fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0 || !(*fp = fdopen(fd, "wb"))) {
        int err = errno;

        if (fd >= 0) {
            close(fd);
            unlink(*tmp);
        }
        free(*tmp);
        *tmp = NULL;
        return io_error(path, err);
    }
    return 0;
}

int sk_chart_write(sk_chart *c, const char *path, const sk_chart_render_opts *o)
{
    sk_chart_format f;
    char *tmp = NULL;
    FILE *fp = NULL;
    int rc;

    if ((rc = sk_chart_format_from_path(&f, path)) != 0 ||
        (rc = sk_chart_layout(c, o)) != 0 ||
        (rc = open_tmp(&fp, &tmp, path)) != 0)
        return rc;
    if (f == SK_CHART_PNG)
        rc = render_png(c, fp, o, path);
    else if (f == SK_CHART_SVG)
        rc = render_svg(c, fp, o, path);
    else
        rc = render_pdf(c, fp, o, path);
    if (rc == 0 && (fflush(fp) != 0 || ferror(fp)))
        rc = io_error(path, errno ? errno : EIO);
    if (fclose(fp) != 0 && rc == 0)
        rc = io_error(path, errno);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = io_error(path, errno);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int sk_chart_write_svg(sk_chart *c, FILE *fp, const char *name,
                       const sk_chart_render_opts *o)
{
    int rc = sk_chart_layout(c, o);

    return rc ? rc : render_svg(c, fp, o, name);
}

void sk_chart_shutdown(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

unsigned sk_chart_marker_threads(const sk_chart *c)
{
    return c->marker_threads ? c->marker_threads : 1;
}
