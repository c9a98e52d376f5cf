/*
 * Text: Cairo's toy API on "DejaVu Sans", grey-scale anti-aliased with
 * metric hinting off, so text measures the same at every scale and in
 * every format.  Measuring, anchoring and shortening with an ellipsis,
 * for the layout and the drawing alike.
 */
#include "chart_int.h"

#include <stdio.h>
#include <string.h>

#define FONT "DejaVu Sans"

void sk_chart__text_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();

    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double sk_chart__text_w(cairo_t *cr, const char *s, double size, int bold)
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
void sk_chart__text_at(cairo_t *cr, const char *s, double x, double y,
                       double size, int bold, double ax, double ay)
{
    double w = sk_chart__text_w(cr, s, size, bold);
    double cap = 0.72 * size;

    cairo_move_to(cr, x - ax * w, y + cap * (1 - ay));
    cairo_show_text(cr, s);
}

/* Copy `s` into buf, cut at a UTF-8 boundary and ended with "…" if it is
 * wider than maxw. */
void sk_chart__fit_text(cairo_t *cr, char *buf, size_t cap, const char *s,
                        double size, int bold, double maxw)
{
    size_t n = strlen(s);

    snprintf(buf, cap, "%s", s);
    if (sk_chart__text_w(cr, buf, size, bold) <= maxw)
        return;
    n = strlen(buf);
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80)
            n--;
        if (n + 4 > cap)
            continue;
        memcpy(buf + n, "\xE2\x80\xA6", 4);
        if (sk_chart__text_w(cr, buf, size, bold) <= maxw)
            return;
    }
    buf[0] = '\0';
}
