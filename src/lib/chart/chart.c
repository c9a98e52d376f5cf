/*
 * The chart description, its layout and its one Cairo backend.
 *
 * Layout runs in logical pixels; a PNG is drawn with cairo_scale(scale),
 * a PDF with cairo_scale(0.75) (96 logical px per inch on a page measured
 * in points), an SVG at 1:1.  Text is Cairo's toy API on "DejaVu Sans",
 * grey-scale anti-aliased with metric hinting off, so text measures the
 * same at every scale and in every format.
 *
 * The order of work in a layout, each step depending only on the ones
 * before it: data ranges -> top and bottom margins (fixed text heights)
 * -> y ticks (need the plot height) -> left and right margins (need the y
 * tick label widths) -> x ticks (need the plot width) -> point labels ->
 * legends (a legend that finds no empty corner moves outside, to the
 * right, and the x ticks and point labels are redone once).
 */
#include "sweepkit/chart.h"

#include "sweepkit/error.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <png.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FONT "DejaVu Sans"
#define MAX_TICKS 64
#define MAX_MARKS 256
#define MAX_NOTES 256
#define MAX_TEXT 4096 /* a title, label or name, in bytes */
#define MAX_SVG ((size_t)256 << 20)
#define PDF_PT_PER_PX 0.75 /* 72 pt per inch over 96 px per inch */
#define PI 3.14159265358979323846

#define C_BG 0xFFFFFF
#define C_TEXT 0x222222
#define C_TICK 0x4D4D4D
#define C_AXIS 0x8C8C8C
#define C_GRID 0xE6E6E6
#define C_MARK 0x555555
#define C_EDGE 0xCCCCCC

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
    struct mark m[MAX_MARKS];
    size_t nm;
    char *notes[MAX_NOTES]; /* build notes, then layout notes */
    size_t nnotes, nbuild;
    /* the last layout */
    int laid_out;
    double w, h, scale, k;
    struct fonts fs;
};

static const uint32_t palette[SK_CHART_PALETTE_SIZE] = {
    0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
    0xE69F00, 0x56B4E9, 0xF0E442, 0x000000,
};

uint32_t sk_chart_palette(size_t i)
{
    return palette[i % SK_CHART_PALETTE_SIZE];
}

/* ---- building ---------------------------------------------------------- */

/* An axis coordinate: v itself, or its logarithm (NaN for v <= 0). */
static double tr(sk_chart_scale sc, double v)
{
    if (sc == SK_CHART_LINEAR)
        return v;
    if (!(v > 0))
        return NAN;
    return sc == SK_CHART_LOG2 ? log2(v) : log10(v);
}

static int dup_text(char **out, const char *s)
{
    *out = NULL;
    if (!s)
        return 0;
    if (strlen(s) > MAX_TEXT)
        return sk_error_set(SK_ELIMIT,
                            "chart text longer than %d bytes: "
                            "'%.40s...'",
                            MAX_TEXT, s);
    if (!(*out = strdup(s)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return 0;
}

static double *dup_doubles(const double *v, size_t n)
{
    double *d;

    if (n == 0 || n > SIZE_MAX / sizeof(double))
        return NULL;
    if ((d = malloc(n * sizeof(double))))
        memcpy(d, v, n * sizeof(double));
    return d;
}

int sk_chart_new(sk_chart **out, const char *title)
{
    sk_chart *c;
    int rc;

    *out = NULL;
    if (!(c = calloc(1, sizeof(*c))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    if ((rc = dup_text(&c->title, title)) != 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void axis_dispose(struct axis *a)
{
    free(a->label);
    free(a->key);
    free(a->fixed);
}

static void series_dispose(struct series *s)
{
    size_t j;

    free(s->name);
    free(s->x);
    free(s->y);
    free(s->hi);
    free(s->lbox);
    if (s->labels)
        for (j = 0; j < s->n; j++)
            free(s->labels[j]);
    free(s->labels);
}

void sk_chart_free(sk_chart *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->np; i++) {
        free(c->p[i].id);
        free(c->p[i].title);
        axis_dispose(&c->p[i].x);
        axis_dispose(&c->p[i].y);
        axis_dispose(&c->p[i].y2);
    }
    for (i = 0; i < c->ns; i++)
        series_dispose(&c->s[i]);
    free(c->s);
    for (i = 0; i < c->nm; i++)
        free(c->m[i].label);
    for (i = 0; i < c->nnotes; i++)
        free(c->notes[i]);
    free(c->title);
    free(c);
}

int sk_chart_set_title(sk_chart *c, const char *title)
{
    char *t;
    int rc;

    if ((rc = dup_text(&t, title)) != 0)
        return rc;
    free(c->title);
    c->title = t;
    c->laid_out = 0;
    return 0;
}

const char *sk_chart_title(const sk_chart *c)
{
    return c->title;
}

static int axis_init(struct axis *a, const sk_chart_axis_opts *o,
                     const char *which)
{
    size_t i;
    int rc;

    memset(a, 0, sizeof(*a));
    a->scale = o->scale;
    a->fmin = o->min;
    a->fmax = o->max;
    a->include_zero = o->include_zero;
    if (o->scale != SK_CHART_LINEAR && o->scale != SK_CHART_LOG2 &&
        o->scale != SK_CHART_LOG10)
        return sk_error_set(SK_EINVAL, "%s axis: unknown scale %d", which,
                            (int)o->scale);
    if (a->fmin < a->fmax && a->scale != SK_CHART_LINEAR && !(a->fmin > 0))
        return sk_error_set(SK_EINVAL,
                            "%s axis: a log axis needs a range above 0, got "
                            "%g..%g",
                            which, a->fmin, a->fmax);
    if (o->nticks > MAX_TICKS)
        return sk_error_set(SK_ELIMIT, "%s axis: more than %d ticks", which,
                            MAX_TICKS);
    for (i = 0; i < o->nticks; i++)
        if (!isfinite(o->ticks[i]) ||
            (a->scale != SK_CHART_LINEAR && !(o->ticks[i] > 0)))
            return sk_error_set(SK_EINVAL, "%s axis: bad tick %g", which,
                                o->ticks[i]);
    if ((rc = dup_text(&a->label, o->label)) != 0 ||
        (rc = dup_text(&a->key, o->key)) != 0)
        return rc;
    if (o->nticks) {
        if (!(a->fixed = dup_doubles(o->ticks, o->nticks)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        a->nfixed = o->nticks;
    }
    return 0;
}

int sk_chart_add_panel(size_t *panel, sk_chart *c, const sk_chart_panel_opts *o)
{
    struct panel *p;
    int rc;

    if (c->np == SK_CHART_MAX_PANELS)
        return sk_error_set(SK_ELIMIT, "more than %d panels",
                            SK_CHART_MAX_PANELS);
    if (o->row >= SK_CHART_MAX_PANELS || o->col >= SK_CHART_MAX_PANELS ||
        o->rowspan > SK_CHART_MAX_PANELS || o->colspan > SK_CHART_MAX_PANELS)
        return sk_error_set(SK_EINVAL,
                            "panel cell %u,%u (span %u,%u) is "
                            "off the grid",
                            o->row, o->col, o->rowspan, o->colspan);
    p = &c->p[c->np];
    memset(p, 0, sizeof(*p));
    p->row = o->row;
    p->col = o->col;
    p->rowspan = o->rowspan ? o->rowspan : 1;
    p->colspan = o->colspan ? o->colspan : 1;
    p->x_group = o->x_group;
    if ((rc = axis_init(&p->x, &o->x, "x")) != 0 ||
        (rc = axis_init(&p->y, &o->y, "y")) != 0 ||
        (rc = axis_init(&p->y2, &o->y2, "y2")) != 0 ||
        (rc = dup_text(&p->id, o->id)) != 0 ||
        (rc = dup_text(&p->title, o->title)) != 0) {
        free(p->id);
        free(p->title);
        axis_dispose(&p->x);
        axis_dispose(&p->y);
        axis_dispose(&p->y2);
        return rc;
    }
    if (panel)
        *panel = c->np;
    c->np++;
    c->laid_out = 0;
    return 0;
}

size_t sk_chart_panels(const sk_chart *c)
{
    return c->np;
}

int sk_chart_find_panel(size_t *panel, const sk_chart *c, const char *id)
{
    size_t i;

    for (i = 0; i < c->np; i++)
        if (c->p[i].id && strcmp(c->p[i].id, id) == 0) {
            *panel = i;
            return 0;
        }
    return sk_error_set(SK_ENOTFOUND, "no panel '%s'", id);
}


static int add(sk_chart *c, int kind, size_t panel, const sk_chart_style *st,
               const double *x, const double *y, const double *hi, size_t n)
{
    struct series s;
    size_t i;
    int rc;

    if (panel >= c->np)
        return sk_error_set(SK_EINVAL, "no panel %zu (the chart has %zu)",
                            panel, c->np);
    if (c->ns == SK_CHART_MAX_SERIES)
        return sk_error_set(SK_ELIMIT, "more than %d series",
                            SK_CHART_MAX_SERIES);
    if (n > SK_CHART_MAX_POINTS - c->npoints)
        return sk_error_set(SK_ELIMIT, "more than %zu points in one chart",
                            SK_CHART_MAX_POINTS);
    if (c->ns == c->scap) {
        size_t cap = c->scap ? c->scap * 2 : 16;
        struct series *ns = realloc(c->s, cap * sizeof(*ns));

        if (!ns)
            return sk_error_set(SK_ENOMEM, "out of memory");
        c->s = ns;
        c->scap = cap;
    }
    memset(&s, 0, sizeof(s));
    s.kind = kind;
    s.panel = panel;
    s.st = *st;
    s.st.labels = NULL;
    s.n = n;
    if ((rc = dup_text(&s.name, st->name)) != 0)
        return rc;
    s.st.name = s.name;
    rc = SK_ENOMEM;
    if (n && (!(s.x = dup_doubles(x, n)) || !(s.y = dup_doubles(y, n)) ||
              (hi && !(s.hi = dup_doubles(hi, n)))))
        goto fail;
    if (n && st->labels && kind == S_SERIES) {
        if (!(s.labels = calloc(n, sizeof(*s.labels))) ||
            !(s.lbox = malloc(n * 4 * sizeof(double))))
            goto fail;
        for (i = 0; i < n; i++)
            if ((rc = dup_text(&s.labels[i], st->labels[i])) != 0)
                goto fail;
    }
    c->s[c->ns++] = s;
    c->npoints += n;
    if (kind != S_KEY) {
        if (st->y2)
            c->p[panel].y2.used = 1;
        else
            c->p[panel].y.used = 1;
    }
    c->laid_out = 0;
    return 0;
fail:
    series_dispose(&s);
    return rc == SK_ENOMEM ? sk_error_set(SK_ENOMEM, "out of memory") : rc;
}

int sk_chart_add_series(sk_chart *c, size_t panel, const sk_chart_style *st,
                        const double *x, const double *y, size_t n)
{
    return add(c, S_SERIES, panel, st, x, y, NULL, n);
}

int sk_chart_add_band(sk_chart *c, size_t panel, const sk_chart_style *st,
                      const double *x, const double *lo, const double *hi,
                      size_t n)
{
    return add(c, S_BAND, panel, st, x, lo, hi, n);
}

int sk_chart_add_legend(sk_chart *c, size_t panel, const sk_chart_style *st)
{
    return add(c, S_KEY, panel, st, NULL, NULL, NULL, 0);
}

static int add_mark(sk_chart *c, size_t panel, int horizontal, int y2, double v,
                    const char *label)
{
    struct mark *m;
    int rc;

    if (panel >= c->np)
        return sk_error_set(SK_EINVAL, "no panel %zu (the chart has %zu)",
                            panel, c->np);
    {
        const struct panel *p = &c->p[panel];
        const struct axis *a = !horizontal ? &p->x : y2 ? &p->y2 : &p->y;

        if (!isfinite(tr(a->scale, v)))
            return sk_error_set(SK_EINVAL, "marker at %g: %s", v,
                                isfinite(v) ? "a log axis needs a value "
                                              "above 0"
                                            : "not a finite number");
    }
    if (c->nm == MAX_MARKS)
        return sk_error_set(SK_ELIMIT, "more than %d markers", MAX_MARKS);
    m = &c->m[c->nm];
    memset(m, 0, sizeof(*m));
    if ((rc = dup_text(&m->label, label)) != 0)
        return rc;
    m->panel = panel;
    m->horizontal = horizontal;
    m->y2 = y2;
    m->v = v;
    c->nm++;
    c->laid_out = 0;
    return 0;
}

int sk_chart_mark_x(sk_chart *c, const char *key, double x, const char *label)
{
    size_t i, n = 0;
    int rc;

    for (i = 0; i < c->np; i++) {
        if (!c->p[i].x.key || strcmp(c->p[i].x.key, key) != 0)
            continue;
        if ((rc = add_mark(c, i, 0, 0, x, label)) != 0)
            return rc;
        n++;
    }
    return n ? 0
             : sk_error_set(SK_ENOTFOUND, "no panel has a '%s' x axis", key);
}

int sk_chart_panel_mark_x(sk_chart *c, size_t panel, double x,
                          const char *label)
{
    return add_mark(c, panel, 0, 0, x, label);
}

int sk_chart_panel_mark_y(sk_chart *c, size_t panel, int y2, double y,
                          const char *label)
{
    return add_mark(c, panel, 1, y2, y, label);
}

static int vnote(sk_chart *c, const char *fmt, va_list ap)
{
    char buf[512];

    if (c->nnotes == MAX_NOTES)
        return 0; /* notes are advice; past the cap they are dropped */
    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (!(c->notes[c->nnotes] = strdup(buf)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    c->nnotes++;
    return 0;
}

int sk_chart_add_note(sk_chart *c, const char *fmt, ...)
{
    va_list ap;
    int rc;
    size_t i;

    /* Build notes come first: forget the notes of an earlier layout. */
    for (i = c->nbuild; i < c->nnotes; i++)
        free(c->notes[i]);
    c->nnotes = c->nbuild;
    c->laid_out = 0;
    va_start(ap, fmt);
    rc = vnote(c, fmt, ap);
    va_end(ap);
    c->nbuild = c->nnotes;
    return rc;
}

static int layout_note(sk_chart *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int layout_note(sk_chart *c, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vnote(c, fmt, ap);
    va_end(ap);
    return rc;
}

size_t sk_chart_notes(const sk_chart *c)
{
    return c->nnotes;
}

const char *sk_chart_note(const sk_chart *c, size_t i)
{
    return i < c->nnotes ? c->notes[i] : NULL;
}

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

/* ---- text -------------------------------------------------------------- */

static void set_rgb(cairo_t *cr, uint32_t rgb, double alpha)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0,
                          ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0,
                          alpha);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, const char *s, double size, int bold)
{
    cairo_text_extents_t e;

    font(cr, size, bold);
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/*
 * Draw `s` with its box anchored at (x, y): ax 0/0.5/1 = left/centre/right;
 * ay 0 = top of the capitals at y, 0.5 = capitals centred on y, 1 =
 * baseline at y.  0.72 em is DejaVu Sans' cap height; anchoring on it
 * rather than on the font's ascent centres digits on grid lines.
 */
static void text_at(cairo_t *cr, const char *s, double x, double y, double size,
                    int bold, double ax, double ay)
{
    double w = text_w(cr, s, size, bold);
    double cap = 0.72 * size;

    cairo_move_to(cr, x - ax * w, y + cap * (1 - ay));
    cairo_show_text(cr, s);
}

/* Copy `s` into buf, cut at a UTF-8 boundary and ended with "…" if it is
 * wider than maxw. */
static void fit_text(cairo_t *cr, char *buf, size_t cap, const char *s,
                     double size, int bold, double maxw)
{
    size_t n = strlen(s);

    snprintf(buf, cap, "%s", s);
    if (text_w(cr, buf, size, bold) <= maxw)
        return;
    n = strlen(buf);
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80)
            n--;
        if (n + 4 > cap)
            continue;
        memcpy(buf + n, "\xE2\x80\xA6", 4);
        if (text_w(cr, buf, size, bold) <= maxw)
            return;
    }
    buf[0] = '\0';
}

/* ---- axes: transform, ranges, ticks ------------------------------------ */

static double untr(sk_chart_scale sc, double t)
{
    return sc == SK_CHART_LINEAR ? t
           : sc == SK_CHART_LOG2 ? exp2(t)
                                 : pow(10, t);
}

/* Logical px of data value v; NaN when it cannot be placed. */
static double ax_px(const struct axis *a, double v)
{
    double t = tr(a->scale, v);

    if (!isfinite(t))
        return NAN;
    return a->p0 + (t - a->t0) / (a->t1 - a->t0) * (a->p1 - a->p0);
}

static void range_add(struct axis *a, double v)
{
    if (!isfinite(tr(a->scale, v)))
        return;
    if (!a->any || v < a->dlo)
        a->dlo = v;
    if (!a->any || v > a->dhi)
        a->dhi = v;
    a->any = 1;
}

/* 1, 2 or 5 times a power of ten, the smallest >= raw. */
static double nice_step(double raw)
{
    double e = pow(10, floor(log10(raw)));
    double f = raw / e;

    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

static int decimals(double step)
{
    int d;

    if (!(step > 0) || step >= 1)
        return 0;
    d = (int)ceil(-log10(step) - 1e-9);
    return d > 9 ? 9 : d;
}

static void trim_zeros(char *s)
{
    char *dot = strchr(s, '.');
    char *end;

    if (!dot)
        return;
    end = s + strlen(s);
    while (end > dot + 1 && end[-1] == '0')
        end--;
    if (end == dot + 1)
        end = dot;
    *end = '\0';
}

/*
 * A tick label.  Linear axes (step > 0) print every label with the step's
 * decimals, and thousands and millions as "1.5k" and "2M" (the step's
 * decimals at that unit, trailing zeros dropped).  Log and explicit ticks
 * (step 0) print whole numbers below 100000 in full ("1024"), others with
 * at most four significant digits.
 */
static void tick_text(char *buf, size_t cap, double v, double step)
{
    double a = fabs(v);

    if (step > 0 && a < step * 1e-6)
        v = a = 0;
    if (a >= 999.5 && !(step == 0 && a < 1e5 && v == floor(v))) {
        double unit = a >= 999999.5 ? 1e6 : 1e3;
        int d = step > 0 ? decimals(step / unit) : 2;

        snprintf(buf, cap - 1, "%.*f", d, v / unit);
        trim_zeros(buf);
        strcat(buf, unit == 1e6 ? "M" : "k");
    } else if (step > 0) {
        snprintf(buf, cap, "%.*f", decimals(step), v);
    } else {
        snprintf(buf, cap, "%.4g", v);
    }
}

struct tickctx {
    cairo_t *cr;
    double size;         /* tick label font size */
    int horizontal;      /* an x axis: labels side by side */
    double lo_px, hi_px; /* labels must stay within these pixels */
};

/* Measure labels and mark which ones show: side by side they keep a gap
 * of 0.8 em and stay within [lo_px, hi_px]; stacked, 1.5 em between
 * centres.  Returns the number of labels hidden. */
static size_t ticks_fit(struct axis *a, const struct tickctx *t)
{
    double last = NAN, gap = 0.8 * t->size;
    size_t i, hidden = 0;

    a->label_w = 0;
    for (i = 0; i < a->ntk; i++) {
        struct tick *k = &a->tk[i];
        double p = ax_px(a, k->v), w = text_w(t->cr, k->text, t->size, 0);

        if (t->horizontal) {
            k->shown = p - w / 2 >= t->lo_px && p + w / 2 <= t->hi_px &&
                       (isnan(last) || p - w / 2 >= last + gap);
            if (k->shown)
                last = p + w / 2;
        } else {
            k->shown = isnan(last) || fabs(p - last) >= 1.5 * t->size;
            if (k->shown)
                last = p;
        }
        if (!k->shown)
            hidden++;
        else if (w > a->label_w)
            a->label_w = w;
    }
    return hidden;
}

static void push_tick(struct axis *a, double v, double step)
{
    if (a->ntk == MAX_TICKS)
        return;
    a->tk[a->ntk].v = v;
    tick_text(a->tk[a->ntk].text, sizeof(a->tk[0].text), v, step);
    a->ntk++;
}

/* Linear axis: a 1-2-5 step giving about one label per `spacing` px; an
 * automatic range is widened to the enclosing ticks (with 3% headroom so
 * no point sits on the frame, except at a zero the axis starts from). */
static void ticks_linear(struct axis *a, double len, double spacing,
                         const struct tickctx *t)
{
    int fixed = a->fmin < a->fmax;
    double lo, hi, span, step;
    int tries;

    if (fixed) {
        lo = a->fmin;
        hi = a->fmax;
    } else {
        lo = a->any ? a->dlo : 0;
        hi = a->any ? a->dhi : 1;
        if (a->include_zero) {
            lo = fmin(lo, 0);
            hi = fmax(hi, 0);
        }
        if (hi == lo) {
            double d = lo == 0 ? 1 : fabs(lo) * 0.5;

            lo = lo == 0 ? 0 : lo - d;
            hi += d;
        }
    }
    span = hi - lo;
    /* The smallest 1-2-5 step that keeps intervals `spacing` px apart. */
    step = nice_step(span / fmax(1, len / spacing));
    for (tries = 0; tries < 24; tries++) {
        double a0 = lo, a1 = hi, v;
        long i, n;

        if (!fixed) {
            if (!(a->include_zero && lo == 0))
                a0 = floor((lo - 0.03 * span) / step) * step;
            if (!(a->include_zero && hi == 0))
                a1 = ceil((hi + 0.03 * span) / step) * step;
        }
        a->t0 = a0;
        a->t1 = a1;
        a->step = step;
        a->ntk = 0;
        n = (long)floor((a1 - a0) / step + 1e-9);
        v = ceil(a0 / step - 1e-9);
        for (i = 0; i <= n + 1 && a->ntk < MAX_TICKS; i++) {
            double x = (v + (double)i) * step;

            if (x > a1 + step * 1e-9)
                break;
            push_tick(a, x, step);
        }
        if (a->ntk <= MAX_TICKS - 1 && ticks_fit(a, t) == 0)
            return;
        step = nice_step(step * 1.01);
    }
}

/* Log axis: explicit ticks, else powers of two (log2) or 1-2-5 multiples
 * of powers of ten, thinned to 1s when they would crowd (log10).  Labels
 * that would overlap are hidden, left to right. */
static void ticks_log(struct axis *a, const struct tickctx *t)
{
    int fixed = a->fmin < a->fmax;
    double t0, t1;
    size_t i;

    if (fixed) {
        t0 = tr(a->scale, a->fmin);
        t1 = tr(a->scale, a->fmax);
    } else if (!a->any) {
        t0 = 0;
        t1 = a->scale == SK_CHART_LOG2 ? 3 : 1;
    } else {
        double pad;

        t0 = tr(a->scale, a->dlo);
        t1 = tr(a->scale, a->dhi);
        if (a->scale == SK_CHART_LOG2)
            pad = t1 > t0 ? 0.35 : 1;
        else
            pad = t1 > t0 ? 0.04 + 0.04 * (t1 - t0) : 0.5;
        t0 -= pad;
        t1 += pad;
    }
    a->t0 = t0;
    a->t1 = t1;
    a->step = 0;
    a->ntk = 0;
    if (a->nfixed) {
        for (i = 0; i < a->nfixed; i++) {
            double tt = tr(a->scale, a->fixed[i]);

            if (tt >= t0 - 1e-9 && tt <= t1 + 1e-9)
                push_tick(a, a->fixed[i], 0);
        }
    } else if (a->scale == SK_CHART_LOG2) {
        double e;

        for (e = ceil(t0); e <= t1 && a->ntk < MAX_TICKS; e++)
            push_tick(a, exp2(e), 0);
    } else {
        /* The densest set whose labels all fit: 1-2-5, 1-3, then 1. */
        static const double sets[3][3] = {{1, 2, 5}, {1, 3, 0}, {1, 0, 0}};
        int set;

        for (set = 0; set < 3; set++) {
            double e;
            int m;

            a->ntk = 0;
            for (e = floor(t0); e <= ceil(t1) && a->ntk < MAX_TICKS; e++)
                for (m = 0; m < 3 && sets[set][m] > 0; m++) {
                    double v = sets[set][m] * pow(10, e);
                    double tt = log10(v);

                    if (tt >= t0 && tt <= t1)
                        push_tick(a, v, 0);
                }
            if (a->ntk < 2 || ticks_fit(a, t) == 0)
                break;
        }
    }
    if (a->ntk < 2 && !a->nfixed && t1 > t0) {
        /* Less than a decade: linear 1-2-5 steps inside the range. */
        double lo = untr(a->scale, t0), hi = untr(a->scale, t1);
        double step = nice_step((hi - lo) / 4), v;

        a->ntk = 0;
        for (v = ceil(lo / step) * step; v <= hi && a->ntk < MAX_TICKS;
             v += step)
            if (v > 0)
                push_tick(a, v, 0);
    }
    ticks_fit(a, t);
}

/* ---- layout ------------------------------------------------------------ */

static void text_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();

    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

static const char *panel_name(const sk_chart *c, size_t pi, char *buf,
                              size_t cap)
{
    if (c->p[pi].id)
        return c->p[pi].id;
    snprintf(buf, cap, "panel %zu", pi);
    return buf;
}

static struct axis *yaxis(struct panel *p, int y2)
{
    return y2 ? &p->y2 : &p->y;
}

/* Data ranges of every axis, shared across x groups; counts points left
 * out of log axes.  SK_ENODATA for a panel with no point to draw. */
static int data_ranges(sk_chart *c)
{
    size_t nonpos[SK_CHART_MAX_PANELS] = {0}, drawn[SK_CHART_MAX_PANELS] = {0};
    size_t i, j;
    char nb[32];

    for (i = 0; i < c->np; i++) {
        c->p[i].x.any = c->p[i].y.any = c->p[i].y2.any = 0;
    }
    for (i = 0; i < c->ns; i++) {
        struct series *s = &c->s[i];
        struct panel *p = &c->p[s->panel];
        struct axis *ya = yaxis(p, s->st.y2);

        for (j = 0; j < s->n; j++) {
            double x = s->x[j], y = s->y[j];
            double hi = s->hi ? s->hi[j] : y;

            if (!isfinite(x) || !isfinite(y) || !isfinite(hi))
                continue;
            if (!isfinite(tr(p->x.scale, x)) || !isfinite(tr(ya->scale, y)) ||
                !isfinite(tr(ya->scale, hi))) {
                nonpos[s->panel]++;
                continue;
            }
            range_add(&p->x, x);
            range_add(ya, y);
            range_add(ya, hi);
            drawn[s->panel]++;
        }
    }
    for (i = 0; i < c->nm; i++) {
        struct mark *m = &c->m[i];
        struct panel *p = &c->p[m->panel];

        range_add(m->horizontal ? yaxis(p, m->y2) : &p->x, m->v);
    }
    for (i = 0; i < c->np; i++) {
        struct axis *xi = &c->p[i].x;

        if (!c->p[i].x_group)
            continue;
        for (j = 0; j < c->np; j++) {
            struct axis *xj = &c->p[j].x;

            if (j == i || c->p[j].x_group != c->p[i].x_group || !xj->any)
                continue;
            range_add(xi, xj->dlo);
            range_add(xi, xj->dhi);
        }
    }
    for (i = 0; i < c->np; i++) {
        if (!drawn[i])
            return sk_error_set(SK_ENODATA, "%s: nothing to draw%s",
                                panel_name(c, i, nb, sizeof(nb)),
                                nonpos[i] ? " (every value is <= 0 on a "
                                            "log axis)"
                                          : "");
        if (nonpos[i])
            layout_note(c,
                        "%s: %zu point%s with a value <= 0 left out "
                        "(log axis)",
                        panel_name(c, i, nb, sizeof(nb)), nonpos[i],
                        nonpos[i] == 1 ? "" : "s");
    }
    return 0;
}

static void axis_ticks(sk_chart *c, cairo_t *cr, struct axis *a, int horiz,
                       double lo_px, double hi_px)
{
    struct tickctx t = {cr, c->fs.tick, horiz, lo_px, hi_px};
    double len = fabs(a->p1 - a->p0);

    if (a->scale == SK_CHART_LINEAR)
        ticks_linear(a, len, (horiz ? 110 : 55) * c->k, &t);
    else
        ticks_log(a, &t);
}

static int same_cols(const struct panel *a, const struct panel *b)
{
    return a->col == b->col && a->colspan == b->colspan;
}

static int same_rows(const struct panel *a, const struct panel *b)
{
    return a->row == b->row && a->rowspan == b->rowspan;
}

/* Margins, plot areas and ticks for every panel; `extra` is room reserved
 * on the right of each panel for an outside legend. */
static void geometry(sk_chart *c, cairo_t *cr, const double *extra)
{
    const struct fonts *fs = &c->fs;
    double k = c->k, ml[SK_CHART_MAX_PANELS], mr[SK_CHART_MAX_PANELS];
    size_t i, j;

    for (i = 0; i < c->np; i++) {
        struct panel *p = &c->p[i];

        p->mt = p->title ? fs->panel + 14 * k : 12 * k;
        p->mb = p->show_x ? 10 * k + fs->tick +
                                (p->x.label ? 12 * k + 1.1 * fs->label : 0)
                          : 12 * k;
    }
    for (i = 0; i < c->np; i++)
        for (j = 0; j < c->np; j++)
            if (same_rows(&c->p[i], &c->p[j])) {
                c->p[i].mt = fmax(c->p[i].mt, c->p[j].mt);
                c->p[i].mb = fmax(c->p[i].mb, c->p[j].mb);
            }
    for (i = 0; i < c->np; i++) {
        struct panel *p = &c->p[i];

        p->y0 = p->cy0 + p->mt;
        p->y1 = p->cy1 - p->mb;
        p->y.p0 = p->y2.p0 = p->y1;
        p->y.p1 = p->y2.p1 = p->y0;
        axis_ticks(c, cr, &p->y, 0, 0, 0);
        ml[i] =
            (p->y.label ? 1.1 * fs->label + 12 * k : 0) + p->y.label_w + 10 * k;
        mr[i] = 16 * k;
        if (p->y2.used) {
            axis_ticks(c, cr, &p->y2, 0, 0, 0);
            mr[i] = 10 * k + p->y2.label_w +
                    (p->y2.label ? 12 * k + 1.1 * fs->label : 0);
        }
        mr[i] += extra[i];
    }
    for (i = 0; i < c->np; i++) {
        struct panel *p = &c->p[i];

        p->ml = ml[i];
        p->mr = mr[i];
        for (j = 0; j < c->np; j++)
            if (same_cols(p, &c->p[j])) {
                p->ml = fmax(p->ml, ml[j]);
                p->mr = fmax(p->mr, mr[j]);
            }
    }
    for (i = 0; i < c->np; i++) {
        struct panel *p = &c->p[i];

        p->x0 = p->cx0 + p->ml;
        p->x1 = p->cx1 - p->mr;
        p->x.p0 = p->x0;
        p->x.p1 = p->x1;
        axis_ticks(c, cr, &p->x, 1, p->cx0, fmin(p->cx1 + 12 * k, c->w));
    }
}

/* Logical px of point j of series s, jitter included; 0 if it cannot be
 * drawn. */
static int point_px(const sk_chart *c, const struct series *s, size_t j,
                    double *px, double *py)
{
    const struct panel *p = &c->p[s->panel];
    const struct axis *ya = s->st.y2 ? &p->y2 : &p->y;

    *px = ax_px(&p->x, s->x[j]);
    *py = ax_px(ya, s->y[j]);
    if (isnan(*px) || isnan(*py))
        return 0;
    if (s->st.jitter > 0) {
        /* splitmix64 of the series and point index: the same offsets on
         * every run, spread evenly over [-jitter, +jitter]. */
        uint64_t z = ((uint64_t)(s - c->s) << 32 | j) + 0x9E3779B97F4A7C15u;

        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        z ^= z >> 31;
        *px += s->st.jitter * ((double)(z >> 11) / 9007199254740992.0 * 2 - 1);
    }
    return 1;
}

static double marker_r(const sk_chart *c, const struct series *s)
{
    return (s->st.marker_size > 0 ? s->st.marker_size : 5) * c->k;
}

static double line_w(const sk_chart *c, const struct series *s)
{
    return (s->st.line_width > 0 ? s->st.line_width : 2.5) * c->k;
}

static int boxes_meet(const double *a, const double *b)
{
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

static int in_box(const double *r, double x, double y)
{
    return x >= r[0] && x <= r[2] && y >= r[1] && y <= r[3];
}

/* How much of panel pi's drawing falls inside box r: points and labels
 * weigh 8, line samples every 3 px 1, band columns 1 (when `bands`),
 * marker lines and their labels 10. */
static size_t clutter(const sk_chart *c, size_t pi, const double *r, int bands)
{
    const struct panel *p = &c->p[pi];
    size_t i, j, n = 0;

    for (i = 0; i < c->ns; i++) {
        const struct series *s = &c->s[i];
        const struct axis *ya = s->st.y2 ? &p->y2 : &p->y;
        double lx = NAN, ly = NAN, lh = NAN;

        if (s->panel != pi || s->kind == S_KEY)
            continue;
        for (j = 0; j < s->n; j++) {
            double x, y, h = NAN, q[4];
            int ok = point_px(c, s, j, &x, &y);

            if (ok && s->kind == S_BAND)
                ok = !isnan(h = ax_px(ya, s->hi[j]));
            if (!ok) {
                lx = NAN;
                continue;
            }
            if (s->kind == S_SERIES && s->st.marker) {
                double rr = marker_r(c, s) + s->st.jitter;

                q[0] = r[0] - rr;
                q[1] = r[1] - rr;
                q[2] = r[2] + rr;
                q[3] = r[3] + rr;
                n += 8 * (size_t)in_box(q, x, y);
            }
            if (s->lbox && !isnan(s->lbox[4 * j]))
                n += 8 * (size_t)boxes_meet(s->lbox + 4 * j, r);
            if (!isnan(lx) && (s->kind == S_BAND || s->st.line)) {
                double d = hypot(x - lx, y - ly);
                size_t m, steps = (size_t)(d / 3) + 1;

                for (m = 0; m <= steps; m++) {
                    double f = (double)m / (double)steps;
                    double sx = lx + f * (x - lx), sy = ly + f * (y - ly);

                    if (s->kind == S_SERIES) {
                        n += in_box(r, sx, sy);
                    } else if (bands) {
                        double sh = lh + f * (h - lh);

                        n += sx >= r[0] && sx <= r[2] && fmin(sy, sh) <= r[3] &&
                             fmax(sy, sh) >= r[1];
                    }
                }
            }
            lx = x;
            ly = y;
            lh = h;
        }
    }
    for (i = 0; i < c->nm; i++) {
        const struct mark *m = &c->m[i];

        if (m->panel != pi)
            continue;
        if (m->horizontal) {
            double y = ax_px(m->y2 ? &p->y2 : &p->y, m->v);

            n += 10 * (size_t)(y >= r[1] && y <= r[3]);
        } else {
            double x = ax_px(&p->x, m->v);

            n += 10 * (size_t)(x >= r[0] && x <= r[2]);
        }
        if (m->label)
            n += 10 * (size_t)boxes_meet(m->box, r);
    }
    return n;
}

/* Put each point label where it covers least (other labels, points,
 * lines: clutter()), inside the plot area; earlier candidates win ties.
 * Labels that fit nowhere are not drawn. */
static void place_labels(sk_chart *c, cairo_t *cr, size_t pi)
{
    const struct panel *p = &c->p[pi];
    double k = c->k, size = c->fs.small;
    size_t i, j, m;

    for (i = 0; i < c->ns; i++) {
        struct series *s = &c->s[i];

        if (s->panel != pi || !s->labels)
            continue;
        for (j = 0; j < s->n; j++)
            s->lbox[4 * j] = NAN;
    }
    for (i = 0; i < c->ns; i++) {
        struct series *s = &c->s[i];
        double rad = marker_r(c, s) + 2 * k;

        if (s->panel != pi || !s->labels)
            continue;
        for (j = 0; j < s->n; j++) {
            double x, y, w, h = 0.72 * size + 4 * k, best = INFINITY;
            double cand[8][2], chosen[4];

            if (!s->labels[j] || !point_px(c, s, j, &x, &y))
                continue;
            w = text_w(cr, s->labels[j], size, 0) + 4 * k;
            cand[0][0] = x + rad;
            cand[0][1] = y - rad - h;
            cand[1][0] = x - rad - w;
            cand[1][1] = y - rad - h;
            cand[2][0] = x + rad;
            cand[2][1] = y + rad;
            cand[3][0] = x - rad - w;
            cand[3][1] = y + rad;
            cand[4][0] = x - w / 2;
            cand[4][1] = y - rad - h - 2 * k;
            cand[5][0] = x - w / 2;
            cand[5][1] = y + rad + 2 * k;
            cand[6][0] = x + rad + 2 * k;
            cand[6][1] = y - h / 2;
            cand[7][0] = x - rad - 2 * k - w;
            cand[7][1] = y - h / 2;
            for (m = 0; m < 8; m++) {
                double b[4] = {cand[m][0], cand[m][1], cand[m][0] + w,
                               cand[m][1] + h};
                double score = (double)m * 0.01 + (double)clutter(c, pi, b, 0);

                if (b[0] < p->x0 || b[2] > p->x1 || b[1] < p->y0 ||
                    b[3] > p->y1)
                    score += 1e6;
                if (score < best) {
                    best = score;
                    memcpy(chosen, b, sizeof(b));
                }
            }
            /* A label that would cover a point or another label is left
             * out: a chart with fewer labels reads better than one with
             * labels on top of each other. */
            if (best < 8)
                memcpy(s->lbox + 4 * j, chosen, sizeof(chosen));
        }
    }
}

/* Marker label boxes: vertical markers at the top of the plot, right of
 * the line (left when it would leave the plot), moved down when they meet
 * an earlier one; horizontal markers above their line at the right. */
static void place_marks(sk_chart *c, cairo_t *cr)
{
    double k = c->k, size = c->fs.small;
    size_t i, j;

    for (i = 0; i < c->nm; i++) {
        struct mark *m = &c->m[i];
        const struct panel *p = &c->p[m->panel];
        double w, h = 0.72 * size + 8 * k, *b = m->box;
        int tries;

        b[0] = b[1] = b[2] = b[3] = NAN;
        if (!m->label)
            continue;
        w = text_w(cr, m->label, size, 0) + 8 * k;
        if (m->horizontal) {
            double y = ax_px(m->y2 ? &p->y2 : &p->y, m->v);

            b[0] = p->x1 - 6 * k - w;
            b[1] = y - 3 * k - h;
            if (b[1] < p->y0)
                b[1] = y + 3 * k;
        } else {
            double x = ax_px(&p->x, m->v);

            b[0] = x + 4 * k;
            if (b[0] + w > p->x1)
                b[0] = x - 4 * k - w;
            b[1] = p->y0 + 6 * k;
        }
        b[2] = b[0] + w;
        b[3] = b[1] + h;
        for (tries = 0; tries < 16; tries++) {
            int hit = 0;

            for (j = 0; j < i; j++)
                if (c->m[j].panel == m->panel && c->m[j].label &&
                    boxes_meet(c->m[j].box, b))
                    hit = 1;
            if (!hit)
                break;
            b[1] += h + 3 * k;
            b[3] += h + 3 * k;
        }
    }
}

static double legend_row(const sk_chart *c)
{
    return 1.55 * c->fs.legend;
}

static void legend_size(sk_chart *c, cairo_t *cr, size_t pi, double *w,
                        double *h)
{
    struct panel *p = &c->p[pi];
    double k = c->k, tw = 0;
    size_t i, n = 0;

    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].name) {
            tw = fmax(tw, text_w(cr, c->s[i].name, c->fs.legend, 0));
            n++;
        }
    p->nlegend = n;
    p->lg_textw = tw;
    *w = 10 * k + 34 * k + 8 * k + tw + 12 * k;
    *h = (double)n * legend_row(c) + 12 * k;
}

/* Legends go in the first empty corner (upper right, upper left, lower
 * left, lower right), else outside on the right; returns 1 when a legend
 * newly had to move outside. */
static int place_legends(sk_chart *c, cairo_t *cr, double *extra)
{
    double k = c->k, in = 10 * k;
    int moved = 0;
    size_t i, q;

    for (i = 0; i < c->np; i++) {
        struct panel *p = &c->p[i];
        double w, h;

        legend_size(c, cr, i, &w, &h);
        if (!p->nlegend)
            continue;
        if (!p->legend_out) {
            double corner[4][2] = {{p->x1 - in - w, p->y0 + in},
                                   {p->x0 + in, p->y0 + in},
                                   {p->x0 + in, p->y1 - in - h},
                                   {p->x1 - in - w, p->y1 - in - h}};

            for (q = 0; q < 4; q++) {
                double r[4] = {corner[q][0], corner[q][1], corner[q][0] + w,
                               corner[q][1] + h};

                if (w > p->x1 - p->x0 - 2 * in || h > p->y1 - p->y0 - 2 * in)
                    break;
                if (clutter(c, i, r, 1) == 0) {
                    memcpy(p->lg, r, sizeof(r));
                    break;
                }
            }
            if (q < 4)
                continue;
            p->legend_out = 1;
            extra[i] = w + 14 * k;
            moved = 1;
        }
        p->lg[0] = p->cx1 - w;
        p->lg[1] = p->y0;
        p->lg[2] = p->cx1;
        p->lg[3] = p->y0 + h;
    }
    return moved;
}

/* Where each shown tick label goes: left of the plot for y, right for
 * y2, below for x; the box holds the label's capitals. */
static void tick_boxes(const sk_chart *c, cairo_t *cr, struct panel *p)
{
    struct axis *ax[3] = {&p->x, &p->y, &p->y2};
    double k = c->k, size = c->fs.tick, cap = 0.72 * size;
    size_t a, i;

    for (a = 0; a < 3; a++)
        for (i = 0; i < ax[a]->ntk; i++) {
            struct tick *t = &ax[a]->tk[i];
            double w = text_w(cr, t->text, size, 0), q = ax_px(ax[a], t->v);
            double *b = t->box;

            b[0] = b[1] = b[2] = b[3] = NAN;
            if (!t->shown || (a == 0 && !p->show_x) || (a == 2 && !p->y2.used))
                continue;
            if (a == 0) {
                b[0] = q - w / 2;
                b[1] = p->y1 + 9 * k;
            } else {
                b[0] = a == 1 ? p->x0 - 8 * k - w : p->x1 + 8 * k;
                b[1] = q - cap / 2;
            }
            b[2] = b[0] + w;
            b[3] = b[1] + cap;
        }
}

int sk_chart_layout(sk_chart *c, const sk_chart_render_opts *o)
{
    double extra[SK_CHART_MAX_PANELS] = {0};
    unsigned W = o && o->width ? o->width : SK_CHART_WIDTH;
    unsigned H = o && o->height ? o->height : SK_CHART_HEIGHT;
    double scale = o && o->scale != 0 ? o->scale : 1;
    double k, margin, top, cw, ch, gx, gy;
    unsigned R = 0, C = 0;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    size_t i, j;
    int rc, pass;

    c->laid_out = 0;
    for (i = c->nbuild; i < c->nnotes; i++)
        free(c->notes[i]);
    c->nnotes = c->nbuild;
    if (W < 200 || H < 200 || W > 16384 || H > 16384)
        return sk_error_set(SK_EINVAL,
                            "canvas %ux%u: width and height must be 200 to "
                            "16384 px",
                            W, H);
    if (!(scale > 0 && scale <= 16))
        return sk_error_set(SK_EINVAL,
                            "scale %g: expected a number above 0, "
                            "at most 16",
                            scale);
    if (W * scale > 32767 || H * scale > 32767 ||
        W * scale * H * scale > (double)SK_CHART_MAX_PIXELS)
        return sk_error_set(SK_EINVAL,
                            "canvas %ux%u at scale %g is too large (at most "
                            "%zu device pixels, 32767 a side)",
                            W, H, scale, SK_CHART_MAX_PIXELS);
    if (c->np == 0)
        return sk_error_set(SK_ENODATA, "the chart has no panels");
    if ((rc = data_ranges(c)) != 0)
        return rc;

    c->w = W;
    c->h = H;
    c->scale = scale;
    /* Type grows with the square root of the canvas area, so a 1600x1000
     * chart uses 14 px tick labels and a 800x500 one about 10 px. */
    k = c->k = fmin(2.2, fmax(0.7, sqrt((double)W * H / 1.6e6)));
    c->fs.title = 26 * k;
    c->fs.panel = 18 * k;
    c->fs.label = 16 * k;
    c->fs.tick = 14 * k;
    c->fs.legend = 14.5 * k;
    c->fs.small = 12.5 * k;

    margin = 22 * k;
    top = margin + (c->title ? c->fs.title + 16 * k : 0);
    gx = 40 * k;
    gy = 28 * k;
    for (i = 0; i < c->np; i++) {
        R = c->p[i].row + c->p[i].rowspan > R ? c->p[i].row + c->p[i].rowspan
                                              : R;
        C = c->p[i].col + c->p[i].colspan > C ? c->p[i].col + c->p[i].colspan
                                              : C;
    }
    cw = (W - 2 * margin - (C - 1) * gx) / C;
    ch = (H - top - margin - (R - 1) * gy) / R;
    for (i = 0; i < c->np; i++) {
        struct panel *p = &c->p[i];

        p->cx0 = margin + p->col * (cw + gx);
        p->cx1 = p->cx0 + p->colspan * cw + (p->colspan - 1) * gx;
        p->cy0 = top + p->row * (ch + gy);
        p->cy1 = p->cy0 + p->rowspan * ch + (p->rowspan - 1) * gy;
        p->show_x = 1;
        p->legend_out = 0;
        for (j = 0; j < c->np; j++)
            if (j != i && p->x_group && c->p[j].x_group == p->x_group &&
                same_cols(p, &c->p[j]) && c->p[j].row > p->row)
                p->show_x = 0;
    }

    surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cr = cairo_create(surf);
    text_options(cr);
    for (pass = 0; pass < 3; pass++) {
        geometry(c, cr, extra);
        for (i = 0; i < c->np; i++) {
            struct panel *p = &c->p[i];

            if (p->x1 - p->x0 < 40 * k || p->y1 - p->y0 < 40 * k) {
                rc = sk_error_set(SK_EINVAL,
                                  "canvas %ux%u is too small for this "
                                  "chart",
                                  W, H);
                goto done;
            }
        }
        place_marks(c, cr);
        for (i = 0; i < c->np; i++)
            place_labels(c, cr, i);
        if (!place_legends(c, cr, extra))
            break;
    }
    for (i = 0; i < c->np; i++)
        tick_boxes(c, cr, &c->p[i]);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = sk_error_set(SK_ENOMEM, "measuring text: %s",
                          cairo_status_to_string(cairo_status(cr)));
        goto done;
    }
    c->laid_out = 1;
    rc = 0;
done:
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    return rc;
}

int sk_chart_map(double *px, double *py, const sk_chart *c, size_t panel,
                 int y2, double x, double y)
{
    const struct panel *p;
    double X, Y;

    *px = *py = NAN;
    if (!c->laid_out)
        return sk_error_set(SK_EINVAL, "the chart has no layout yet");
    if (panel >= c->np)
        return sk_error_set(SK_EINVAL, "no panel %zu (the chart has %zu)",
                            panel, c->np);
    p = &c->p[panel];
    if (y2 && !p->y2.used)
        return sk_error_set(SK_EINVAL, "panel %zu has no right axis", panel);
    X = ax_px(&p->x, x);
    Y = ax_px(y2 ? &p->y2 : &p->y, y);
    if (isnan(X) || isnan(Y))
        return sk_error_set(SK_EINVAL, "(%g, %g) has no place on panel %zu", x,
                            y, panel);
    *px = X * c->scale;
    *py = Y * c->scale;
    return 0;
}

static int scaled_rect(double rect[4], const sk_chart *c, const double *r)
{
    size_t i;

    for (i = 0; i < 4; i++)
        rect[i] = r[i] * c->scale;
    return 0;
}

int sk_chart_plot_area(double rect[4], const sk_chart *c, size_t panel)
{
    const struct panel *p;
    double r[4];

    if (!c->laid_out || panel >= c->np)
        return sk_error_set(SK_EINVAL, "no layout or no panel %zu", panel);
    p = &c->p[panel];
    r[0] = p->x0;
    r[1] = p->y0;
    r[2] = p->x1;
    r[3] = p->y1;
    return scaled_rect(rect, c, r);
}

int sk_chart_legend_area(double rect[4], const sk_chart *c, size_t panel)
{
    if (!c->laid_out || panel >= c->np)
        return sk_error_set(SK_EINVAL, "no layout or no panel %zu", panel);
    if (!c->p[panel].nlegend)
        return sk_error_set(SK_ENOTFOUND, "panel %zu has no legend", panel);
    return scaled_rect(rect, c, c->p[panel].lg);
}

int sk_chart_tick(double *value, const char **label, double box[4],
                  const sk_chart *c, size_t panel, int axis, size_t i)
{
    const struct axis *a;
    const struct tick *t;

    if (!c->laid_out || panel >= c->np || axis < 0 || axis > 2)
        return sk_error_set(SK_EINVAL, "no layout, or no panel %zu axis %d",
                            panel, axis);
    a = axis == 0   ? &c->p[panel].x
        : axis == 1 ? &c->p[panel].y
                    : &c->p[panel].y2;
    if (i >= a->ntk)
        return sk_error_set(SK_ENOTFOUND,
                            "axis %d of panel %zu has %zu "
                            "ticks",
                            axis, panel, a->ntk);
    t = &a->tk[i];
    if (value)
        *value = t->v;
    if (label)
        *label = t->text;
    if (box)
        scaled_rect(box, c, t->box);
    return 0;
}

/* ---- drawing ----------------------------------------------------------- */

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
    set_rgb(cr, st->rgb, alpha);
    if (alpha >= 1 && r >= 3.5 * c->k) {
        cairo_fill_preserve(cr);
        set_rgb(cr, C_BG, 1);
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

    set_rgb(cr, s->st.rgb, s->st.alpha > 0 ? s->st.alpha : 0.2);
    while (j < s->n) {
        /* One polygon per run of points with both edges placeable. */
        for (; j < s->n; j++)
            if (!isnan(ax_px(&p->x, s->x[j])) && !isnan(ax_px(ya, s->y[j])) &&
                !isnan(ax_px(ya, s->hi[j])))
                break;
        for (a = b = j; b < s->n; b++)
            if (isnan(ax_px(&p->x, s->x[b])) || isnan(ax_px(ya, s->y[b])) ||
                isnan(ax_px(ya, s->hi[b])))
                break;
        if (b > a) {
            size_t q;

            for (q = a; q < b; q++)
                cairo_line_to(cr, ax_px(&p->x, s->x[q]), ax_px(ya, s->hi[q]));
            for (q = b; q > a; q--)
                cairo_line_to(cr, ax_px(&p->x, s->x[q - 1]),
                              ax_px(ya, s->y[q - 1]));
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
        set_rgb(cr, s->st.rgb, s->st.alpha > 0 ? s->st.alpha : 1);
        for (j = 0; j < s->n; j++) {
            if (!point_px(c, s, j, &x, &y)) {
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
static void draw_markers(const sk_chart *c, cairo_t *cr, const struct series *s)
{
    const struct panel *p = &c->p[s->panel];
    double x, y, r = marker_r(c, s), e = 0.01;
    size_t j;

    if (!s->st.marker)
        return;
    for (j = 0; j < s->n; j++)
        if (point_px(c, s, j, &x, &y) && x >= p->x0 - e && x <= p->x1 + e &&
            y >= p->y0 - e && y <= p->y1 + e)
            draw_marker(c, cr, &s->st, x, y, r);
}

static void draw_legend(const sk_chart *c, cairo_t *cr, size_t pi)
{
    const struct panel *p = &c->p[pi];
    double k = c->k, row = legend_row(c), y, sx;
    size_t i;

    cairo_rectangle(cr, p->lg[0], p->lg[1], p->lg[2] - p->lg[0],
                    p->lg[3] - p->lg[1]);
    set_rgb(cr, C_BG, 0.92);
    cairo_fill_preserve(cr);
    set_rgb(cr, C_EDGE, 1);
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
            set_rgb(cr, s->st.rgb, s->st.alpha > 0 ? s->st.alpha : 0.2);
            cairo_rectangle(cr, sx, y - 0.33 * row, 34 * k, 0.66 * row);
            cairo_fill(cr);
        }
        if (s->st.line) {
            double lw = fmin(line_w(c, s), 3 * k);

            cairo_set_line_width(cr, lw);
            set_dash(cr, s->st.dash, lw);
            set_rgb(cr, s->st.rgb, s->st.alpha > 0 ? s->st.alpha : 1);
            cairo_move_to(cr, sx, y);
            cairo_line_to(cr, sx + 34 * k, y);
            cairo_stroke(cr);
        }
        if (s->st.marker)
            draw_marker(c, cr, &s->st, sx + 17 * k, y,
                        fmin(marker_r(c, s), 5.5 * k));
        set_rgb(cr, C_TEXT, 1);
        text_at(cr, s->name, sx + 42 * k, y, c->fs.legend, 0, 0, 0.5);
        y += row;
    }
}

static void draw_ticks(const sk_chart *c, cairo_t *cr, const struct panel *p)
{
    const struct axis *ax[3] = {&p->x, &p->y, &p->y2};
    size_t a, i;

    set_rgb(cr, C_TICK, 1);
    for (a = 0; a < 3; a++)
        for (i = 0; i < ax[a]->ntk; i++) {
            const struct tick *t = &ax[a]->tk[i];

            if (!isnan(t->box[0]))
                text_at(cr, t->text, t->box[0], t->box[1], c->fs.tick, 0, 0, 0);
        }
}

static void draw_titles(const sk_chart *c, cairo_t *cr, const struct panel *p)
{
    const struct fonts *fs = &c->fs;
    double k = c->k;
    char buf[MAX_TEXT + 8];

    set_rgb(cr, C_TEXT, 1);
    if (p->show_x && p->x.label) {
        fit_text(cr, buf, sizeof(buf), p->x.label, fs->label, 0, p->x1 - p->x0);
        text_at(cr, buf, (p->x0 + p->x1) / 2, p->y1 + 9 * k + fs->tick + 12 * k,
                fs->label, 0, 0.5, 0);
    }
    if (p->y.label) {
        fit_text(cr, buf, sizeof(buf), p->y.label, fs->label, 0, p->y1 - p->y0);
        cairo_save(cr);
        cairo_translate(cr, p->cx0 + 0.55 * fs->label, (p->y0 + p->y1) / 2);
        cairo_rotate(cr, -PI / 2);
        text_at(cr, buf, 0, 0, fs->label, 0, 0.5, 0.5);
        cairo_restore(cr);
    }
    if (p->y2.used && p->y2.label) {
        fit_text(cr, buf, sizeof(buf), p->y2.label, fs->label, 0,
                 p->y1 - p->y0);
        cairo_save(cr);
        cairo_translate(
            cr, p->x1 + 10 * k + p->y2.label_w + 12 * k + 0.55 * fs->label,
            (p->y0 + p->y1) / 2);
        cairo_rotate(cr, PI / 2);
        text_at(cr, buf, 0, 0, fs->label, 0, 0.5, 0.5);
        cairo_restore(cr);
    }
    if (p->title) {
        fit_text(cr, buf, sizeof(buf), p->title, fs->panel, 1, p->cx1 - p->x0);
        text_at(cr, buf, p->x0, p->y0 - 12 * k, fs->panel, 1, 0, 1);
    }
}

static void draw_panel(const sk_chart *c, cairo_t *cr, size_t pi)
{
    const struct panel *p = &c->p[pi];
    double k = c->k;
    size_t i;

    /* Grid, on the left axis's ticks only. */
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    set_rgb(cr, C_GRID, 1);
    for (i = 0; i < p->y.ntk; i++) {
        double y = snap(c, ax_px(&p->y, p->y.tk[i].v), 1);

        cairo_move_to(cr, p->x0, y);
        cairo_line_to(cr, p->x1, y);
    }
    for (i = 0; i < p->x.ntk; i++) {
        double x = snap(c, ax_px(&p->x, p->x.tk[i].v), 1);

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
    set_rgb(cr, C_MARK, 1);
    cairo_set_line_width(cr, 1.5 * k);
    set_dash(cr, SK_CHART_DASHED, 1.5 * k);
    for (i = 0; i < c->nm; i++) {
        const struct mark *m = &c->m[i];

        if (m->panel != pi)
            continue;
        if (m->horizontal) {
            double y = ax_px(m->y2 ? &p->y2 : &p->y, m->v);

            cairo_move_to(cr, p->x0, y);
            cairo_line_to(cr, p->x1, y);
        } else {
            double x = ax_px(&p->x, m->v);

            cairo_move_to(cr, x, p->y0);
            cairo_line_to(cr, x, p->y1);
        }
    }
    cairo_stroke(cr);
    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].kind == S_SERIES)
            draw_series(c, cr, &c->s[i]);
    cairo_restore(cr);
    {
        double grow = 0;

        for (i = 0; i < c->ns; i++)
            if (c->s[i].panel == pi && c->s[i].st.marker)
                grow = fmax(grow, 1.3 * marker_r(c, &c->s[i]) + 2 * k);
        cairo_save(cr);
        cairo_rectangle(cr, p->x0 - grow, p->y0 - grow,
                        p->x1 - p->x0 + 2 * grow, p->y1 - p->y0 + 2 * grow);
        cairo_clip(cr);
    }
    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].kind == S_SERIES)
            draw_markers(c, cr, &c->s[i]);
    cairo_restore(cr);
    cairo_save(cr);
    cairo_rectangle(cr, p->x0, p->y0, p->x1 - p->x0, p->y1 - p->y0);
    cairo_clip(cr);
    set_rgb(cr, C_TEXT, 1);
    for (i = 0; i < c->ns; i++) {
        const struct series *s = &c->s[i];
        size_t j;

        if (s->panel != pi || !s->labels)
            continue;
        for (j = 0; j < s->n; j++)
            if (s->labels[j] && !isnan(s->lbox[4 * j]))
                text_at(cr, s->labels[j], s->lbox[4 * j] + 2 * k,
                        s->lbox[4 * j + 1] + 2 * k, c->fs.small, 0, 0, 0);
    }
    cairo_restore(cr);

    /* Axis lines: left and bottom, right when there is a right axis. */
    set_rgb(cr, C_AXIS, 1);
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
        set_rgb(cr, C_BG, 0.85);
        cairo_fill(cr);
        set_rgb(cr, C_MARK, 1);
        text_at(cr, m->label, m->box[0] + 4 * k, m->box[1] + 4 * k, c->fs.small,
                0, 0, 0);
    }
    if (p->nlegend)
        draw_legend(c, cr, pi);
}

/* Everything, in logical px; the caller has scaled the context. */
static void draw(const sk_chart *c, cairo_t *cr)
{
    size_t i;

    text_options(cr);
    set_rgb(cr, C_BG, 1);
    cairo_paint(cr);
    if (c->title) {
        char buf[MAX_TEXT + 8];
        double margin = 22 * c->k;

        fit_text(cr, buf, sizeof(buf), c->title, c->fs.title, 1,
                 c->w - 2 * margin);
        set_rgb(cr, C_TEXT, 1);
        text_at(cr, buf, c->w / 2, margin, c->fs.title, 1, 0.5, 0);
    }
    for (i = 0; i < c->np; i++)
        draw_panel(c, cr, i);
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

    if (!(row = malloc((size_t)w * 3)))
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
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
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

        for (x = 0; x < w; x++, d += 3) {
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
    draw(c, cr);
    st = cairo_status(cr);
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
    cairo_t *cr;
    cairo_status_t st;
    size_t i, at = 0;
    int rc = 0;

    cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
    cr = cairo_create(s);
    draw(c, cr);
    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
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
    cairo_t *cr;
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
    cr = cairo_create(s);
    cairo_scale(cr, PDF_PT_PER_PX, PDF_PT_PER_PX);
    draw(c, cr);
    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
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

void sk_chart_shutdown(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}
