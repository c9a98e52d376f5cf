/*
 * The chart description: the chart object and its title, panels and their
 * axes' options, series, bands, legend keys, marker lines and notes, the
 * palette.  Everything a caller passes in is copied here; the layout
 * (chart_layout.c) fills in the rest of the structs of chart_int.h.
 */
#include "chart_int.h"

#include "sweepkit/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t palette[SK_CHART_PALETTE_SIZE] = {
    0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
    0xE69F00, 0x56B4E9, 0xF0E442, 0x000000,
};

uint32_t sk_chart_palette(size_t i)
{
    return palette[i % SK_CHART_PALETTE_SIZE];
}

/* ---- building ---------------------------------------------------------- */

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
    c->mark_rgb = SK_CHART_MARK_GREY;
    *out = c;
    return 0;
}

static void axis_dispose(struct axis *a)
{
    free(a->label);
    free(a->key);
    free(a->fixed);
    if (a->fixed_text) {
        size_t i;

        for (i = 0; i < a->nfixed; i++)
            free(a->fixed_text[i]);
        free(a->fixed_text);
    }
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
    if (o->nticks && o->tick_labels) {
        if (!(a->fixed_text = calloc(o->nticks, sizeof(char *))))
            return sk_error_set(SK_ENOMEM, "out of memory");
        for (i = 0; i < o->nticks; i++)
            if ((rc = dup_text(&a->fixed_text[i], o->tick_labels[i])) != 0)
                return rc;
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

        if (!isfinite(sk_chart__tr(a->scale, v)))
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
    m->rgb = c->mark_rgb;
    m->horizontal = horizontal;
    m->y2 = y2;
    m->v = v;
    c->nm++;
    c->laid_out = 0;
    return 0;
}

int sk_chart_theme_parse(sk_chart_theme *out, const char *name)
{
    static const char *const names[] = {"light", "dark", "transparent"};
    size_t i;

    for (i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (sk_chart_theme)i;
            return 0;
        }
    return sk_error_set(SK_EINVAL, "expected light, dark or transparent, "
                                   "got '%.40s'",
                        name);
}

void sk_chart_set_mark_rgb(sk_chart *c, uint32_t rgb)
{
    c->mark_rgb = rgb;
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

/* ---- notes ------------------------------------------------------------- */

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

int sk_chart__layout_note(sk_chart *c, const char *fmt, ...)
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
