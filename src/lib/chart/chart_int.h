/*
 * The chart's layout in memory, shared by the files of src/lib/chart/
 * only: chart.c (the description: panels, series, bands, legend keys,
 * markers, notes), chart_axes.c (axis transforms, ranges, ticks and their
 * labels, sk_chart_map), chart_text.c (fonts and text measurement),
 * chart_layout.c (margins, plot areas, label and legend placement),
 * chart_draw.c (the Cairo drawing) and chart_write.c (PNG, SVG, PDF
 * files).  chart_sweep.c builds on the public chart.h alone.
 *
 * Coordinates: layout runs in logical pixels; a PNG is drawn with
 * cairo_scale(scale), a PDF with cairo_scale(0.75) (96 logical px per inch
 * on a page measured in points), an SVG at 1:1.  The public queries
 * (sk_chart_map() and the rest) answer in device pixels: logical px times
 * the layout's scale.
 */
#ifndef SK_CHART_INT_H
#define SK_CHART_INT_H

#include "sweepkit/chart.h"

#include <cairo.h>

#include <stddef.h>
#include <stdint.h>

#define MAX_TICKS 64
#define MAX_MARKS 256
#define MAX_NOTES 256
#define MAX_TEXT 4096 /* a title, label or name, in bytes */

struct tick {
    double v;
    char text[32];
    int shown;     /* its label fits without overlapping another */
    double box[4]; /* the label's box, logical px; NaN if not drawn */
};

struct axis {
    char *label, *key;
    sk_chart_scale scale;
    double fmin, fmax;
    int include_zero;
    double *fixed; /* explicit ticks */
    char **fixed_text; /* their labels, or NULL */
    size_t nfixed;
    int used; /* something is drawn against it */
    /* from the last layout */
    double dlo, dhi; /* data range, before rounding */
    int any;
    double t0, t1; /* transformed ends of the axis */
    double p0, p1; /* logical px of t0 and t1 */
    double step;   /* linear tick step, 0 for log axes */
    struct tick tk[MAX_TICKS];
    size_t ntk;
    double label_w; /* widest shown tick label */
};

enum { S_SERIES, S_BAND, S_KEY };

struct series {
    int kind;
    size_t panel;
    sk_chart_style st; /* name and labels point to the copies below */
    char *name;
    double *x, *y, *hi; /* hi: the band's upper edge */
    char **labels;
    double *lbox; /* 4 per point: placed label box, NaN if none */
    size_t n;
};

struct mark {
    size_t panel;
    int horizontal, y2;
    uint32_t rgb; /* line and label colour */
    double v;
    char *label;
    double box[4]; /* label box from the last drawing */
};

struct panel {
    char *id, *title;
    unsigned row, col, rowspan, colspan, x_group;
    struct axis x, y, y2;
    /* from the last layout */
    double cx0, cy0, cx1, cy1; /* grid cell */
    double ml, mr, mt, mb;     /* margins inside the cell */
    double x0, y0, x1, y1;     /* plot area */
    int show_x;
    size_t nlegend;
    int legend_out;
    double lg[4]; /* legend box: left, top, right, bottom */
    double lg_textw;
};

struct fonts {
    double title, panel, label, tick, legend, small;
};

struct sk_chart {
    char *title;
    struct panel p[SK_CHART_MAX_PANELS];
    size_t np;
    struct series *s;
    size_t ns, scap, npoints;
    int theme; /* sk_chart_theme of the last layout */
    uint32_t mark_rgb; /* the pen of sk_chart_set_mark_rgb() */
    struct mark m[MAX_MARKS];
    size_t nm;
    char *notes[MAX_NOTES]; /* build notes, then layout notes */
    size_t nnotes, nbuild;
    /* the last layout */
    int laid_out;
    double w, h, scale, k;
    unsigned threads; /* for the markers: 0 = one per core */
    unsigned marker_threads; /* that drew them in the last PNG */
    struct fonts fs;
};

/* ---- chart.c ------------------------------------------------------------ */

/* Record a note of the current layout, after the build notes; the next
 * sk_chart_layout() or sk_chart_add_note() drops it.  Returns 0 or
 * SK_ENOMEM (past MAX_NOTES notes are dropped silently). */
int sk_chart__layout_note(sk_chart *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- chart_axes.c ------------------------------------------------------- */

/* An axis coordinate: v itself, or its logarithm (NaN for v <= 0). */
double sk_chart__tr(sk_chart_scale sc, double v);

/* Logical px of data value v on axis a of the last layout; NaN when it
 * cannot be placed. */
double sk_chart__ax_px(const struct axis *a, double v);

/* Where marker line m crosses panel p: its y (horizontal) or x, device
 * px. */
double sk_chart__mark_px(const struct panel *p, const struct mark *m);

/* Grow a's data range to hold v (ignored if it has no place on a). */
void sk_chart__range_add(struct axis *a, double v);

/* Range and ticks of axis a spanning [a->p0, a->p1] logical px, with the
 * tick labels measured on cr: x axes (horiz) keep their labels within
 * lo_px..hi_px. */
void sk_chart__axis_ticks(sk_chart *c, cairo_t *cr, struct axis *a, int horiz,
                          double lo_px, double hi_px);

/* ---- chart_text.c ------------------------------------------------------- */

/* Grey-scale anti-aliasing, no metric hinting: the same measures at every
 * scale and in every format.  Set on every context that measures or draws
 * text. */
void sk_chart__text_options(cairo_t *cr);
/* Advance width of s in the chart font at `size` logical px. */
double sk_chart__text_w(cairo_t *cr, const char *s, double size, int bold);
/* Draw s anchored at (x, y); ax, ay as described at the definition. */
void sk_chart__text_at(cairo_t *cr, const char *s, double x, double y,
                       double size, int bold, double ax, double ay);
/* s into buf, shortened with an ellipsis to at most maxw px wide. */
void sk_chart__fit_text(cairo_t *cr, char *buf, size_t cap, const char *s,
                        double size, int bold, double maxw);

/* ---- chart_layout.c ----------------------------------------------------- */

/* Logical px of point j of series s, jitter included; 0 if it cannot be
 * drawn. */
int sk_chart__point_px(const sk_chart *c, const struct series *s, size_t j,
                       double *px, double *py);

/* ---- chart_draw.c ------------------------------------------------------- */

/* Draw the laid-out chart on cr, in logical px; the caller has scaled the
 * context for its surface. */
void sk_chart__draw(const sk_chart *c, cairo_t *cr);

/* Set as user data on an image surface whose markers were drawn in bands
 * on threads when a band's Cairo context failed (chart_draw.c); the
 * image is then incomplete. */
extern const cairo_user_data_key_t sk_chart__band_error;
/* The number of threads that drew the bands (an intptr_t), when they
 * were used. */
extern const cairo_user_data_key_t sk_chart__band_threads;

/* ---- chart_axes.c: concurrency ticks ------------------------------------ */

/* The distinct values of all[0..n) (sorted in place) into levels, at most
 * `cap`: their count, or 0 when there are more (the axis then ticks at
 * powers of two). */
size_t sk_chart__distinct_levels(double *levels, size_t cap, double *all,
                                 size_t n);

/* ---- small shared measures ---------------------------------------------- */

static inline double marker_r(const sk_chart *c, const struct series *s)
{
    return (s->st.marker_size > 0 ? s->st.marker_size : 5) * c->k;
}

static inline double line_w(const sk_chart *c, const struct series *s)
{
    return (s->st.line_width > 0 ? s->st.line_width : 2.5) * c->k;
}

static inline double legend_row(const sk_chart *c)
{
    return 1.55 * c->fs.legend;
}

/* A box of the last layout (logical px) in device px. */
static inline int sk_chart__device_rect(double rect[4], const sk_chart *c,
                                        const double *r)
{
    size_t i;

    for (i = 0; i < 4; i++)
        rect[i] = r[i] * c->scale;
    return 0;
}

#endif
