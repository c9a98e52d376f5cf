/*
 * Axes: the linear and log transforms, data ranges, the choice of ticks
 * (1-2-5 steps, powers of two or ten, explicit ticks) and their labels,
 * and the queries on them after a layout: sk_chart_map() (where a data
 * point lands) and sk_chart_tick().
 */
#include "chart_int.h"

#include "sweepkit/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An axis coordinate: v itself, or its logarithm (NaN for v <= 0). */
double sk_chart__tr(sk_chart_scale sc, double v)
{
    if (sc == SK_CHART_LINEAR)
        return v;
    if (!(v > 0))
        return NAN;
    return sc == SK_CHART_LOG2 ? log2(v) : log10(v);
}

static double untr(sk_chart_scale sc, double t)
{
    return sc == SK_CHART_LINEAR ? t
           : sc == SK_CHART_LOG2 ? exp2(t)
                                 : pow(10, t);
}

/* Logical px of data value v; NaN when it cannot be placed. */
double sk_chart__ax_px(const struct axis *a, double v)
{
    double t = sk_chart__tr(a->scale, v);

    if (!isfinite(t))
        return NAN;
    return a->p0 + (t - a->t0) / (a->t1 - a->t0) * (a->p1 - a->p0);
}

void sk_chart__range_add(struct axis *a, double v)
{
    if (!isfinite(sk_chart__tr(a->scale, v)))
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
        double p = sk_chart__ax_px(a, k->v),
               w = sk_chart__text_w(t->cr, k->text, t->size, 0);

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

/* Explicit tick i, with its own text when it has one. */
static void push_fixed(struct axis *a, size_t i)
{
    push_tick(a, a->fixed[i], 0);
    if (a->fixed_text && a->fixed_text[i] && a->ntk > 0)
        snprintf(a->tk[a->ntk - 1].text, sizeof(a->tk[0].text), "%s",
                 a->fixed_text[i]);
}

/* Linear axis: a 1-2-5 step giving about one label per `spacing` px; an
 * automatic range is widened to the enclosing ticks (with 3% headroom so
 * no point sits on the frame, except at a zero the axis starts from).
 * Explicit ticks are taken as given. */
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
    if (a->nfixed) {
        /* explicit ticks (a heatmap's categories) inside the range */
        size_t i;

        a->t0 = lo;
        a->t1 = hi;
        a->step = 0;
        a->ntk = 0;
        for (i = 0; i < a->nfixed; i++)
            if (a->fixed[i] >= lo - 1e-9 && a->fixed[i] <= hi + 1e-9)
                push_fixed(a, i);
        ticks_fit(a, t);
        return;
    }
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
        t0 = sk_chart__tr(a->scale, a->fmin);
        t1 = sk_chart__tr(a->scale, a->fmax);
    } else if (!a->any) {
        t0 = 0;
        t1 = a->scale == SK_CHART_LOG2 ? 3 : 1;
    } else {
        double pad;

        t0 = sk_chart__tr(a->scale, a->dlo);
        t1 = sk_chart__tr(a->scale, a->dhi);
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
            double tt = sk_chart__tr(a->scale, a->fixed[i]);

            if (tt >= t0 - 1e-9 && tt <= t1 + 1e-9)
                push_fixed(a, i);
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

void sk_chart__axis_ticks(sk_chart *c, cairo_t *cr, struct axis *a, int horiz,
                          double lo_px, double hi_px)
{
    struct tickctx t = {cr, c->fs.tick, horiz, lo_px, hi_px};
    double len = fabs(a->p1 - a->p0);

    if (a->scale == SK_CHART_LINEAR)
        ticks_linear(a, len, (horiz ? 110 : 55) * c->k, &t);
    else
        ticks_log(a, &t);
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
    X = sk_chart__ax_px(&p->x, x);
    Y = sk_chart__ax_px(y2 ? &p->y2 : &p->y, y);
    if (isnan(X) || isnan(Y))
        return sk_error_set(SK_EINVAL, "(%g, %g) has no place on panel %zu", x,
                            y, panel);
    *px = X * c->scale;
    *py = Y * c->scale;
    return 0;
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
        sk_chart__device_rect(box, c, t->box);
    return 0;
}

double sk_chart__mark_px(const struct panel *p, const struct mark *m)
{
    return m->horizontal ? sk_chart__ax_px(m->y2 ? &p->y2 : &p->y, m->v)
                         : sk_chart__ax_px(&p->x, m->v);
}

static int cmp_level(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

size_t sk_chart__distinct_levels(double *levels, size_t cap, double *all,
                                 size_t n)
{
    size_t i, k = 0;

    qsort(all, n, sizeof(*all), cmp_level);
    for (i = 0; i < n; i++) {
        if (i && all[i] == all[i - 1])
            continue;
        if (k == cap)
            return 0; /* too many: powers of two instead */
        levels[k++] = all[i];
    }
    return k;
}
