/*
 * Layout: the grid of panels, margins, plot areas, point and marker label
 * places and legends for one canvas, without drawing (a 1x1 Cairo surface
 * measures text); sk_chart_layout() and the plot and legend areas it
 * leaves for the caller.
 *
 * The order of work in a layout, each step depending only on the ones
 * before it: data ranges -> top and bottom margins (fixed text heights)
 * -> y ticks (need the plot height) -> left and right margins (need the y
 * tick label widths) -> x ticks (need the plot width) -> point labels ->
 * legends (a legend that finds no empty corner moves outside, to the
 * right, and the x ticks and point labels are redone once).
 */
#include "chart_int.h"

#include "sweepkit/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
            if (!isfinite(sk_chart__tr(p->x.scale, x)) ||
                !isfinite(sk_chart__tr(ya->scale, y)) ||
                !isfinite(sk_chart__tr(ya->scale, hi))) {
                nonpos[s->panel]++;
                continue;
            }
            sk_chart__range_add(&p->x, x);
            sk_chart__range_add(ya, y);
            sk_chart__range_add(ya, hi);
            drawn[s->panel]++;
        }
    }
    for (i = 0; i < c->nm; i++) {
        struct mark *m = &c->m[i];
        struct panel *p = &c->p[m->panel];

        sk_chart__range_add(m->horizontal ? yaxis(p, m->y2) : &p->x, m->v);
    }
    for (i = 0; i < c->np; i++) {
        struct axis *xi = &c->p[i].x;

        if (!c->p[i].x_group)
            continue;
        for (j = 0; j < c->np; j++) {
            struct axis *xj = &c->p[j].x;

            if (j == i || c->p[j].x_group != c->p[i].x_group || !xj->any)
                continue;
            sk_chart__range_add(xi, xj->dlo);
            sk_chart__range_add(xi, xj->dhi);
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
            sk_chart__layout_note(c,
                                  "%s: %zu point%s with a value <= 0 left out "
                                  "(log axis)",
                                  panel_name(c, i, nb, sizeof(nb)), nonpos[i],
                                  nonpos[i] == 1 ? "" : "s");
    }
    return 0;
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
        sk_chart__axis_ticks(c, cr, &p->y, 0, 0, 0);
        ml[i] =
            (p->y.label ? 1.1 * fs->label + 12 * k : 0) + p->y.label_w + 10 * k;
        mr[i] = 16 * k;
        if (p->y2.used) {
            sk_chart__axis_ticks(c, cr, &p->y2, 0, 0, 0);
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
        sk_chart__axis_ticks(c, cr, &p->x, 1, p->cx0,
                             fmin(p->cx1 + 12 * k, c->w));
    }
}

/* Logical px of point j of series s, jitter included; 0 if it cannot be
 * drawn. */
int sk_chart__point_px(const sk_chart *c, const struct series *s, size_t j,
                       double *px, double *py)
{
    const struct panel *p = &c->p[s->panel];
    const struct axis *ya = s->st.y2 ? &p->y2 : &p->y;

    *px = sk_chart__ax_px(&p->x, s->x[j]);
    *py = sk_chart__ax_px(ya, s->y[j]);
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
            int ok = sk_chart__point_px(c, s, j, &x, &y);

            if (ok && s->kind == S_BAND)
                ok = !isnan(h = sk_chart__ax_px(ya, s->hi[j]));
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
        {
            double v = sk_chart__mark_px(p, m);

            n += 10 * (size_t)(m->horizontal ? v >= r[1] && v <= r[3]
                                             : v >= r[0] && v <= r[2]);
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

            if (!s->labels[j] || !sk_chart__point_px(c, s, j, &x, &y))
                continue;
            w = sk_chart__text_w(cr, s->labels[j], size, 0) + 4 * k;
            if (s->st.label_centre) {
                double b[4] = {x - w / 2, y - h / 2, x + w / 2, y + h / 2};

                memcpy(s->lbox + 4 * j, b, sizeof(b));
                continue;
            }
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
        double w, v, h = 0.72 * size + 8 * k, *b = m->box;
        int tries;

        b[0] = b[1] = b[2] = b[3] = NAN;
        if (!m->label)
            continue;
        w = sk_chart__text_w(cr, m->label, size, 0) + 8 * k;
        v = sk_chart__mark_px(p, m);
        if (m->horizontal) {
            b[0] = p->x1 - 6 * k - w;
            b[1] = v - 3 * k - h;
            if (b[1] < p->y0)
                b[1] = v + 3 * k;
        } else {
            b[0] = v + 4 * k;
            if (b[0] + w > p->x1)
                b[0] = v - 4 * k - w;
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

static void legend_size(sk_chart *c, cairo_t *cr, size_t pi, double *w,
                        double *h)
{
    struct panel *p = &c->p[pi];
    double k = c->k, tw = 0;
    size_t i, n = 0;

    for (i = 0; i < c->ns; i++)
        if (c->s[i].panel == pi && c->s[i].name) {
            tw = fmax(tw, sk_chart__text_w(cr, c->s[i].name, c->fs.legend, 0));
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
            double w = sk_chart__text_w(cr, t->text, size, 0),
                   q = sk_chart__ax_px(ax[a], t->v);
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
    c->theme = o ? (int)o->theme : SK_CHART_LIGHT;
    c->threads = o ? o->threads : 0;
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
    sk_chart__text_options(cr);
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
    return sk_chart__device_rect(rect, c, r);
}

int sk_chart_legend_area(double rect[4], const sk_chart *c, size_t panel)
{
    if (!c->laid_out || panel >= c->np)
        return sk_error_set(SK_EINVAL, "no layout or no panel %zu", panel);
    if (!c->p[panel].nlegend)
        return sk_error_set(SK_ENOTFOUND, "panel %zu has no legend", panel);
    return sk_chart__device_rect(rect, c, c->p[panel].lg);
}
