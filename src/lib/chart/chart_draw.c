/*
 * Drawing: one laid-out chart onto any Cairo context (image, SVG or PDF
 * surface) in logical px: grid, bands, lines, markers, point labels,
 * marker lines, axes, tick labels, titles and legends.
 *
 * Clipping: lines and bands stop at the plot area's edge; a marker whose
 * centre is inside the plot area is drawn whole, so it may overhang the
 * edge by its own size; a marker centred outside is not drawn.
 */
#include "chart_int.h"

#include "sweepkit/provenance.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define PI 3.14159265358979323846

/* The canvas colours of each theme (sk_chart_theme): background, text,
 * tick labels, axis lines, grid, grey markers, legend edge. */
enum { C_BG, C_TEXT, C_TICK, C_AXIS, C_GRID, C_MARK, C_EDGE };
static const uint32_t theme_rgb[3][7] = {
    {0xFFFFFF, 0x222222, 0x4D4D4D, 0x8C8C8C, 0xE6E6E6, SK_CHART_MARK_GREY,
     0xCCCCCC},
    {0x1E1E1E, 0xE6E6E6, 0xBDBDBD, 0x8C8C8C, 0x3A3A3A, 0xAAAAAA, 0x555555},
    {0xFFFFFF, 0x222222, 0x4D4D4D, 0x8C8C8C, 0xE6E6E6, SK_CHART_MARK_GREY,
     0xCCCCCC},
};

/* Colour `role` of c's theme. */
static uint32_t col(const sk_chart *c, int role)
{
    return theme_rgb[c->theme >= 0 && c->theme <= 2 ? c->theme : 0][role];
}

/* A data colour on c's theme: the palette's black near-white on dark,
 * grey markers in the theme's grey. */
static uint32_t data_rgb(const sk_chart *c, uint32_t rgb)
{
    if (c->theme == SK_CHART_DARK && rgb == 0x000000)
        return 0xF0F0F0;
    if (rgb == SK_CHART_MARK_GREY)
        return col(c, C_MARK);
    return rgb;
}

static void set_rgb(cairo_t *cr, uint32_t rgb, double alpha)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0,
                          ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0,
                          alpha);
}

/* Centre a line of device width `lw` logical px on whole device pixels, so
 * 1 px grid lines are crisp at any scale. */
static double snap(const sk_chart *c, double v, double lw)
{
    double d = floor(v * c->scale + 0.5);
    long w = lround(lw * c->scale);

    if (w % 2)
        d += 0.5;
    return d / c->scale;
}

static void set_dash(cairo_t *cr, sk_chart_dash dash, double lw)
{
    double d[2];

    cairo_set_line_cap(cr, dash == SK_CHART_DASHED ? CAIRO_LINE_CAP_BUTT
                                                   : CAIRO_LINE_CAP_ROUND);
    if (dash == SK_CHART_DASHED) {
        d[0] = 3.2 * lw;
        d[1] = 2.2 * lw;
        cairo_set_dash(cr, d, 2, 0);
    } else if (dash == SK_CHART_DOTTED) {
        d[0] = 0;
        d[1] = 2.2 * lw;
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

static void marker_path(cairo_t *cr, sk_chart_marker m, double x, double y,
                        double r)
{
    switch (m) {
    case SK_CHART_SQUARE:
        cairo_rectangle(cr, x - 0.9 * r, y - 0.9 * r, 1.8 * r, 1.8 * r);
        break;
    case SK_CHART_TRIANGLE:
        cairo_move_to(cr, x, y - 1.25 * r);
        cairo_line_to(cr, x + 1.1 * r, y + 0.7 * r);
        cairo_line_to(cr, x - 1.1 * r, y + 0.7 * r);
        cairo_close_path(cr);
        break;
    case SK_CHART_DIAMOND:
        cairo_move_to(cr, x, y - 1.25 * r);
        cairo_line_to(cr, x + 1.25 * r, y);
        cairo_line_to(cr, x, y + 1.25 * r);
        cairo_line_to(cr, x - 1.25 * r, y);
        cairo_close_path(cr);
        break;
    default:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * PI);
        break;
    }
}

/* A filled marker; opaque markers of a readable size get a white rim that
 * separates them from lines and each other. */
static void draw_marker(const sk_chart *c, cairo_t *cr,
                        const sk_chart_style *st, double x, double y, double r)
{
    double alpha = st->alpha > 0 ? st->alpha : 1;

    marker_path(cr, st->marker, x, y, r);
    set_rgb(cr, data_rgb(c, st->rgb), alpha);
    if (alpha >= 1 && r >= 3.5 * c->k) {
        cairo_fill_preserve(cr);
        set_rgb(cr, col(c, C_BG), 1);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_width(cr, 1.25 * c->k);
        cairo_stroke(cr);
    } else {
        cairo_fill(cr);
    }
}

static void draw_band(const sk_chart *c, cairo_t *cr, const struct series *s)
{
    const struct panel *p = &c->p[s->panel];
    const struct axis *ya = s->st.y2 ? &p->y2 : &p->y;
    size_t j = 0, a, b;

    set_rgb(cr, data_rgb(c, s->st.rgb), s->st.alpha > 0 ? s->st.alpha : 0.2);
    while (j < s->n) {
        /* One polygon per run of points with both edges placeable. */
        for (; j < s->n; j++)
            if (!isnan(sk_chart__ax_px(&p->x, s->x[j])) &&
                !isnan(sk_chart__ax_px(ya, s->y[j])) &&
                !isnan(sk_chart__ax_px(ya, s->hi[j])))
                break;
        for (a = b = j; b < s->n; b++)
            if (isnan(sk_chart__ax_px(&p->x, s->x[b])) ||
                isnan(sk_chart__ax_px(ya, s->y[b])) ||
                isnan(sk_chart__ax_px(ya, s->hi[b])))
                break;
        if (b > a) {
            size_t q;

            for (q = a; q < b; q++)
                cairo_line_to(cr, sk_chart__ax_px(&p->x, s->x[q]),
                              sk_chart__ax_px(ya, s->hi[q]));
            for (q = b; q > a; q--)
                cairo_line_to(cr, sk_chart__ax_px(&p->x, s->x[q - 1]),
                              sk_chart__ax_px(ya, s->y[q - 1]));
            cairo_close_path(cr);
            cairo_fill(cr);
        }
        j = b;
    }
}

static void draw_series(const sk_chart *c, cairo_t *cr, const struct series *s)
{
    size_t j;
    double x, y;
    int pen = 0;

    if (s->st.line) {
        double lw = line_w(c, s);

        cairo_set_line_width(cr, lw);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        set_dash(cr, s->st.dash, lw);
        set_rgb(cr, data_rgb(c, s->st.rgb), s->st.alpha > 0 ? s->st.alpha : 1);
        for (j = 0; j < s->n; j++) {
            if (!sk_chart__point_px(c, s, j, &x, &y)) {
                pen = 0;
                continue;
            }
            if (pen)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            pen = 1;
        }
        cairo_stroke(cr);
    }
}

/* Markers whose centre is in the plot area, drawn whole even when they
 * overhang its edge (a TTFT near zero sits on the x axis). */
/* The series' markers whose extent reaches [ylo, yhi] (logical px). */
static void draw_markers(const sk_chart *c, cairo_t *cr, const struct series *s,
                         double ylo, double yhi)
{
    const struct panel *p = &c->p[s->panel];
    double x, y, r = marker_r(c, s), e = 0.01, reach = 1.3 * r + 2 * c->k;
    size_t j;

    if (!s->st.marker)
        return;
    for (j = 0; j < s->n; j++)
        if (sk_chart__point_px(c, s, j, &x, &y) && x >= p->x0 - e &&
            x <= p->x1 + e && y >= p->y0 - e && y <= p->y1 + e &&
            y + reach >= ylo && y - reach <= yhi)
            draw_marker(c, cr, &s->st, x, y, r);
}

/* ---- markers in bands, on threads ---------------------------------------
 *
 * A per-query scatter can hold a million markers, each its own Cairo fill.
 * On an image surface they are drawn by several threads, each into a
 * horizontal band of the same pixels through a surface of its own: every
 * pixel still sees the same fills in the same order, with the same
 * coverage (the bands are whole device rows, so the shapes move by whole
 * pixels), so the image is identical to one drawn by one thread. */

const cairo_user_data_key_t sk_chart__band_error;
const cairo_user_data_key_t sk_chart__band_threads;

#define BAND_MIN_MARKERS 20000 /* fewer: one thread, no set-up */
#define BAND_MAX_THREADS 16
#define BANDS_PER_THREAD 4     /* bands handed out in turn, for balance */

struct bands {
    const sk_chart *c;
    size_t pi;
    double clip[4];        /* x, y, w, h in logical px */
    cairo_matrix_t m;      /* the context's user-to-device matrix */
    unsigned char *data;   /* the image's pixels */
    cairo_format_t format;
    int width, height, stride, rows, nbands;
    int next;              /* the next band to draw (atomic) */
    int failed;            /* a Cairo error in some band (atomic) */
};

static void draw_band_markers(struct bands *b, int band)
{
    int y0 = band * b->rows, h = b->height - y0 < b->rows ? b->height - y0
                                                            : b->rows;
    cairo_surface_t *s = cairo_image_surface_create_for_data(
        b->data + (size_t)y0 * (size_t)b->stride, b->format, b->width, h,
        b->stride);
    cairo_t *cr = cairo_create(s);
    cairo_matrix_t m = b->m;
    double ylo, yhi;
    size_t i;

    m.y0 -= y0;
    cairo_set_matrix(cr, &m);
    cairo_rectangle(cr, b->clip[0], b->clip[1], b->clip[2], b->clip[3]);
    cairo_clip(cr);
    /* The band's rows in logical px (the matrix only scales and moves). */
    ylo = (y0 - b->m.y0) / b->m.yy;
    yhi = (y0 + h - b->m.y0) / b->m.yy;
    for (i = 0; i < b->c->ns; i++)
        if (b->c->s[i].panel == b->pi && b->c->s[i].kind == S_SERIES)
            draw_markers(b->c, cr, &b->c->s[i], ylo, yhi);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS ||
        cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        __atomic_store_n(&b->failed, 1, __ATOMIC_RELAXED);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cairo_surface_destroy(s);
}

static void *band_worker(void *arg)
{
    struct bands *b = arg;
    int band;

    while ((band = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) <
           b->nbands)
        draw_band_markers(b, band);
    return NULL;
}

/* Draw panel pi's markers in bands when it pays; 1 when drawn, 0 when the
 * caller is to draw them itself (a vector surface, few markers, one
 * core, a matrix that rotates, or a Cairo error). */
static int draw_markers_banded(const sk_chart *c, cairo_t *cr, size_t pi,
                               const double clip[4])
{
    cairo_surface_t *target = cairo_get_target(cr);
    pthread_t tid[BAND_MAX_THREADS];
    struct bands b;
    size_t i, markers = 0;
    long cores = c->threads ? (long)c->threads : sk_provenance_usable_cores();
    int nthreads, started = 0, t;

    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].kind == S_SERIES &&
            c->s[i].st.marker)
            markers += c->s[i].n;
    if (markers < BAND_MIN_MARKERS || cores < 2 ||
        cairo_surface_get_type(target) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return 0;
    memset(&b, 0, sizeof(b));
    cairo_get_matrix(cr, &b.m);
    if (b.m.xy != 0 || b.m.yx != 0 || !(b.m.yy > 0))
        return 0;
    nthreads = cores < BAND_MAX_THREADS ? (int)cores : BAND_MAX_THREADS;
    b.c = c;
    b.pi = pi;
    memcpy(b.clip, clip, sizeof(b.clip));
    cairo_surface_flush(target);
    b.data = cairo_image_surface_get_data(target);
    b.format = cairo_image_surface_get_format(target);
    b.width = cairo_image_surface_get_width(target);
    b.height = cairo_image_surface_get_height(target);
    b.stride = cairo_image_surface_get_stride(target);
    if (!b.data || b.height < 1)
        return 0;
    b.nbands = nthreads * BANDS_PER_THREAD;
    b.rows = (b.height + b.nbands - 1) / b.nbands;
    b.nbands = (b.height + b.rows - 1) / b.rows;
    for (t = 1; t < nthreads; t++) {
        if (pthread_create(&tid[started], NULL, band_worker, &b) != 0)
            break; /* the threads started and this one share the bands */
        started++;
    }
    band_worker(&b);
    for (t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    cairo_surface_mark_dirty(target);
    /* render_png() looks for both */
    if (b.failed)
        cairo_surface_set_user_data(target, &sk_chart__band_error,
                                    (void *)&sk_chart__band_error, NULL);
    cairo_surface_set_user_data(target, &sk_chart__band_threads,
                                (void *)(intptr_t)(started + 1), NULL);
    return 1;
}

static void draw_legend(const sk_chart *c, cairo_t *cr, size_t pi)
{
    const struct panel *p = &c->p[pi];
    double k = c->k, row = legend_row(c), y, sx;
    size_t i;

    cairo_rectangle(cr, p->lg[0], p->lg[1], p->lg[2] - p->lg[0],
                    p->lg[3] - p->lg[1]);
    set_rgb(cr, col(c, C_BG), 0.92);
    cairo_fill_preserve(cr);
    set_rgb(cr, col(c, C_EDGE), 1);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    y = p->lg[1] + 6 * k + row / 2;
    sx = p->lg[0] + 10 * k;
    for (i = 0; i < c->ns; i++) {
        const struct series *s = &c->s[i];

        if (s->panel != pi || !s->name)
            continue;
        if (s->kind == S_BAND) {
            set_rgb(cr, data_rgb(c, s->st.rgb), s->st.alpha > 0 ? s->st.alpha : 0.2);
            cairo_rectangle(cr, sx, y - 0.33 * row, 34 * k, 0.66 * row);
            cairo_fill(cr);
        }
        if (s->st.line) {
            double lw = fmin(line_w(c, s), 3 * k);

            cairo_set_line_width(cr, lw);
            set_dash(cr, s->st.dash, lw);
            set_rgb(cr, data_rgb(c, s->st.rgb), s->st.alpha > 0 ? s->st.alpha : 1);
            cairo_move_to(cr, sx, y);
            cairo_line_to(cr, sx + 34 * k, y);
            cairo_stroke(cr);
        }
        if (s->st.marker)
            draw_marker(c, cr, &s->st, sx + 17 * k, y,
                        fmin(marker_r(c, s), 5.5 * k));
        set_rgb(cr, col(c, C_TEXT), 1);
        sk_chart__text_at(cr, s->name, sx + 42 * k, y, c->fs.legend, 0, 0, 0.5);
        y += row;
    }
}

static void draw_ticks(const sk_chart *c, cairo_t *cr, const struct panel *p)
{
    const struct axis *ax[3] = {&p->x, &p->y, &p->y2};
    size_t a, i;

    set_rgb(cr, col(c, C_TICK), 1);
    for (a = 0; a < 3; a++)
        for (i = 0; i < ax[a]->ntk; i++) {
            const struct tick *t = &ax[a]->tk[i];

            if (!isnan(t->box[0]))
                sk_chart__text_at(cr, t->text, t->box[0], t->box[1], c->fs.tick,
                                  0, 0, 0);
        }
}

static void draw_titles(const sk_chart *c, cairo_t *cr, const struct panel *p)
{
    const struct fonts *fs = &c->fs;
    double k = c->k;
    char buf[MAX_TEXT + 8];

    set_rgb(cr, col(c, C_TEXT), 1);
    if (p->show_x && p->x.label) {
        sk_chart__fit_text(cr, buf, sizeof(buf), p->x.label, fs->label, 0,
                           p->x1 - p->x0);
        sk_chart__text_at(cr, buf, (p->x0 + p->x1) / 2,
                          p->y1 + 9 * k + fs->tick + 12 * k, fs->label, 0, 0.5,
                          0);
    }
    if (p->y.label) {
        sk_chart__fit_text(cr, buf, sizeof(buf), p->y.label, fs->label, 0,
                           p->y1 - p->y0);
        cairo_save(cr);
        cairo_translate(cr, p->cx0 + 0.55 * fs->label, (p->y0 + p->y1) / 2);
        cairo_rotate(cr, -PI / 2);
        sk_chart__text_at(cr, buf, 0, 0, fs->label, 0, 0.5, 0.5);
        cairo_restore(cr);
    }
    if (p->y2.used && p->y2.label) {
        sk_chart__fit_text(cr, buf, sizeof(buf), p->y2.label, fs->label, 0,
                           p->y1 - p->y0);
        cairo_save(cr);
        cairo_translate(
            cr, p->x1 + 10 * k + p->y2.label_w + 12 * k + 0.55 * fs->label,
            (p->y0 + p->y1) / 2);
        cairo_rotate(cr, PI / 2);
        sk_chart__text_at(cr, buf, 0, 0, fs->label, 0, 0.5, 0.5);
        cairo_restore(cr);
    }
    if (p->title) {
        sk_chart__fit_text(cr, buf, sizeof(buf), p->title, fs->panel, 1,
                           p->cx1 - p->x0);
        sk_chart__text_at(cr, buf, p->x0, p->y0 - 12 * k, fs->panel, 1, 0, 1);
    }
}

static void draw_panel(const sk_chart *c, cairo_t *cr, size_t pi)
{
    const struct panel *p = &c->p[pi];
    double k = c->k, clip[4];
    size_t i;

    /* Grid, on the left axis's ticks only. */
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    set_rgb(cr, col(c, C_GRID), 1);
    for (i = 0; i < p->y.ntk; i++) {
        double y = snap(c, sk_chart__ax_px(&p->y, p->y.tk[i].v), 1);

        cairo_move_to(cr, p->x0, y);
        cairo_line_to(cr, p->x1, y);
    }
    for (i = 0; i < p->x.ntk; i++) {
        double x = snap(c, sk_chart__ax_px(&p->x, p->x.tk[i].v), 1);

        cairo_move_to(cr, x, p->y0);
        cairo_line_to(cr, x, p->y1);
    }
    cairo_stroke(cr);

    cairo_save(cr);
    cairo_rectangle(cr, p->x0, p->y0, p->x1 - p->x0, p->y1 - p->y0);
    cairo_clip(cr);
    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].kind == S_BAND)
            draw_band(c, cr, &c->s[i]);
    cairo_set_line_width(cr, 1.5 * k);
    set_dash(cr, SK_CHART_DASHED, 1.5 * k);
    for (i = 0; i < c->nm; i++) {
        const struct mark *m = &c->m[i];
        double v;

        if (m->panel != pi)
            continue;
        v = sk_chart__mark_px(p, m);
        set_rgb(cr, data_rgb(c, m->rgb), 1);
        if (m->horizontal) {
            cairo_move_to(cr, p->x0, v);
            cairo_line_to(cr, p->x1, v);
        } else {
            cairo_move_to(cr, v, p->y0);
            cairo_line_to(cr, v, p->y1);
        }
        cairo_stroke(cr);
    }
    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].kind == S_SERIES)
            draw_series(c, cr, &c->s[i]);
    cairo_restore(cr);
    {
        double grow = 0;

        for (i = 0; i < c->ns; i++)
            if (c->s[i].panel == pi && c->s[i].st.marker)
                grow = fmax(grow, 1.3 * marker_r(c, &c->s[i]) + 2 * k);
        clip[0] = p->x0 - grow;
        clip[1] = p->y0 - grow;
        clip[2] = p->x1 - p->x0 + 2 * grow;
        clip[3] = p->y1 - p->y0 + 2 * grow;
        cairo_save(cr);
        cairo_rectangle(cr, clip[0], clip[1], clip[2], clip[3]);
        cairo_clip(cr);
    }
    if (!draw_markers_banded(c, cr, pi, clip))
        for (i = 0; i < c->ns; i++)
            if (c->s[i].panel == pi && c->s[i].kind == S_SERIES)
                draw_markers(c, cr, &c->s[i], -INFINITY, INFINITY);
    cairo_restore(cr);
    cairo_save(cr);
    cairo_rectangle(cr, p->x0, p->y0, p->x1 - p->x0, p->y1 - p->y0);
    cairo_clip(cr);
    for (i = 0; i < c->ns; i++) {
        const struct series *s = &c->s[i];
        size_t j;

        if (s->panel != pi || !s->labels)
            continue;
        set_rgb(cr,
                s->st.label_centre ? data_rgb(c, s->st.rgb) : col(c, C_TEXT),
                1);
        for (j = 0; j < s->n; j++)
            if (s->labels[j] && !isnan(s->lbox[4 * j]))
                sk_chart__text_at(cr, s->labels[j], s->lbox[4 * j] + 2 * k,
                                  s->lbox[4 * j + 1] + 2 * k, c->fs.small, 0, 0,
                                  0);
    }
    cairo_restore(cr);

    /* Axis lines: left and bottom, right when there is a right axis. */
    set_rgb(cr, col(c, C_AXIS), 1);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_move_to(cr, snap(c, p->x0, 1), p->y0);
    cairo_line_to(cr, snap(c, p->x0, 1), snap(c, p->y1, 1));
    cairo_line_to(cr, p->x1, snap(c, p->y1, 1));
    if (p->y2.used) {
        cairo_move_to(cr, snap(c, p->x1, 1), p->y0);
        cairo_line_to(cr, snap(c, p->x1, 1), snap(c, p->y1, 1));
    }
    cairo_stroke(cr);

    draw_ticks(c, cr, p);
    draw_titles(c, cr, p);
    for (i = 0; i < c->nm; i++) {
        const struct mark *m = &c->m[i];

        if (m->panel != pi || !m->label)
            continue;
        cairo_rectangle(cr, m->box[0], m->box[1], m->box[2] - m->box[0],
                        m->box[3] - m->box[1]);
        set_rgb(cr, col(c, C_BG), 0.85);
        cairo_fill(cr);
        set_rgb(cr, data_rgb(c, m->rgb), 1);
        sk_chart__text_at(cr, m->label, m->box[0] + 4 * k, m->box[1] + 4 * k,
                          c->fs.small, 0, 0, 0);
    }
    if (p->nlegend)
        draw_legend(c, cr, pi);
}

/* Everything, in logical px; the caller has scaled the context. */
void sk_chart__draw(const sk_chart *c, cairo_t *cr)
{
    size_t i;

    sk_chart__text_options(cr);
    if (c->theme != SK_CHART_TRANSPARENT) {
        set_rgb(cr, col(c, C_BG), 1);
        cairo_paint(cr);
    }
    if (c->title) {
        char buf[MAX_TEXT + 8];
        double margin = 22 * c->k;

        sk_chart__fit_text(cr, buf, sizeof(buf), c->title, c->fs.title, 1,
                           c->w - 2 * margin);
        set_rgb(cr, col(c, C_TEXT), 1);
        sk_chart__text_at(cr, buf, c->w / 2, margin, c->fs.title, 1, 0.5, 0);
    }
    for (i = 0; i < c->np; i++)
        draw_panel(c, cr, i);
}
