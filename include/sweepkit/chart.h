/*
 * Charts: a small declarative description (panels on a grid, each with an
 * x axis, a left and an optional right y axis, series, bands and marker
 * lines) drawn by one Cairo backend into PNG, SVG or PDF.
 *
 * The description knows nothing of CSV or of sweeps: callers hand it
 * arrays of doubles.  The sweep charts `sweepkit plot` and the report draw
 * from loaded summaries are built on it in chart_sweep.h.
 *
 * Coordinates: a chart is laid out on a canvas of width x height logical
 * pixels; a PNG has scale * width x scale * height device pixels, SVG and
 * PDF use logical pixels as their user unit.  sk_chart_map() gives where a
 * data point lands in device pixels of the last layout, so tests can look
 * at the pixel.
 *
 * Missing data: NaN values are not drawn and break lines; values <= 0 on a
 * log axis are left out with a note (sk_chart_note()).
 *
 * Clipping: lines and bands stop at the plot area's edge; a marker whose
 * centre is inside the plot area is drawn whole, so it may overhang the
 * edge by its own size; a marker centred outside is not drawn.
 *
 * Ownership: sk_chart_new() (and chart_sweep.h's sk_chart_plot_new())
 * return an object freed by sk_chart_free().  Every string and array
 * passed in is copied.  Strings returned are borrowed from the chart.
 * Thread-safety: one chart must not be used by two threads at once;
 * separate charts may be drawn concurrently.
 */
#ifndef SWEEPKIT_CHART_H
#define SWEEPKIT_CHART_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

typedef struct sk_chart sk_chart;

/* Default canvas, in logical pixels. */
#define SK_CHART_WIDTH 1600
#define SK_CHART_HEIGHT 1000

/* Caps: a description beyond them is an SK_ELIMIT error. */
#define SK_CHART_MAX_PANELS 16
#define SK_CHART_MAX_SERIES 1024
#define SK_CHART_MAX_POINTS ((size_t)1 << 24) /* all series together */
#define SK_CHART_MAX_PIXELS ((size_t)1 << 25) /* device pixels of a PNG */

/* The Okabe-Ito colour-blind-safe palette as 0xRRGGBB, reordered for a
 * white background (blue, vermillion, bluish green, reddish purple,
 * orange, sky blue, yellow, black).  Index i wraps modulo 8. */
#define SK_CHART_PALETTE_SIZE 8
uint32_t sk_chart_palette(size_t i);

typedef enum {
    SK_CHART_LINEAR = 0,
    SK_CHART_LOG2, /* ticks at powers of two, or the explicit ticks */
    SK_CHART_LOG10 /* ticks at 1-2-5 multiples of powers of ten */
} sk_chart_scale;

typedef enum {
    SK_CHART_SOLID = 0,
    SK_CHART_DASHED,
    SK_CHART_DOTTED
} sk_chart_dash;

typedef enum {
    SK_CHART_NO_MARKER = 0,
    SK_CHART_CIRCLE,
    SK_CHART_SQUARE,
    SK_CHART_TRIANGLE,
    SK_CHART_DIAMOND
} sk_chart_marker;

/* One axis.  A zero-initialised struct is a linear axis with an automatic
 * range and 1-2-5 ticks, no title. */
typedef struct {
    const char *label; /* title with units, "Throughput (tok/s)" */
    sk_chart_scale scale;
    double min, max;     /* fixed range when min < max, else automatic */
    int include_zero;    /* linear automatic range reaches 0 */
    const double *ticks; /* explicit tick positions, or NULL */
    size_t nticks;
    const char *const *tick_labels; /* with ticks: the text of each
                                       (categories), or NULL: the
                                       numbers */
    const char *key; /* a name for sk_chart_mark_x(): "concurrency" */
} sk_chart_axis_opts;

/* One panel: a plot area with its axes, placed on the chart's grid (the
 * grid has as many rows and columns as the panels reach). */
typedef struct {
    const char *id;            /* for sk_chart_find_panel(); may be NULL */
    const char *title;         /* above the plot area; may be NULL */
    unsigned row, col;         /* grid cell, 0-based */
    unsigned rowspan, colspan; /* 0 means 1 */
    unsigned x_group;          /* panels with the same non-zero group share
                                  the x range; only the lowest one of a
                                  column shows the x tick labels and title */
    sk_chart_axis_opts x, y;
    sk_chart_axis_opts y2; /* right axis, used by series with y2 set */
} sk_chart_panel_opts;

/* How a series, band or legend entry looks.  Zero-initialised: a solid
 * black line of the default width, no markers, not in the legend. */
typedef struct {
    const char *name; /* legend text; NULL = not in the legend */
    uint32_t rgb;     /* 0xRRGGBB */
    int line;         /* join the points with a line */
    sk_chart_dash dash;
    sk_chart_marker marker;    /* drawn at each point */
    double line_width;         /* logical px; 0 = 2.5 */
    double marker_size;        /* radius in logical px; 0 = 5 */
    double alpha;              /* opacity 0..1; 0 = opaque (bands: 0.2) */
    double jitter;             /* scatter: deterministic horizontal offset of
                                  up to this many logical px per point */
    int y2;                    /* plot against the right y axis */
    const char *const *labels; /* one text per point drawn next to it, or
                                  NULL; NULL entries draw nothing */
    int label_centre;          /* the labels centred on their points, in
                                  the style's colour, always drawn (the
                                  values written in a heatmap's cells) */
} sk_chart_style;

/* The look of the canvas: light (white, the default), dark (near-black,
 * light text and grid; the palette's black drawn near-white), transparent
 * (light's colours on no background: a PNG with alpha, for pages with
 * their own background). */
typedef enum {
    SK_CHART_LIGHT = 0,
    SK_CHART_DARK,
    SK_CHART_TRANSPARENT
} sk_chart_theme;

/* "light", "dark" or "transparent" into *out; SK_EINVAL otherwise. */
int sk_chart_theme_parse(sk_chart_theme *out, const char *name);

/* Canvas and metadata for sk_chart_layout() / sk_chart_write(). */
typedef struct {
    unsigned width, height; /* logical px; 0 = SK_CHART_WIDTH/HEIGHT */
    double scale;           /* PNG device px per logical px; 0 = 1 */
    const char *software;   /* metadata, each may be NULL: PNG text */
    const char *sources;    /* chunks "Software", "Sources", "Command"; */
    const char *command;    /* PDF Creator, Keywords, Subject */
    unsigned threads;       /* PNG: threads drawing a panel's markers when
                               it has 20,000 or more (the pixels are the
                               same with any number); 0 = one per core */
    sk_chart_theme theme;
} sk_chart_render_opts;

typedef enum { SK_CHART_PNG, SK_CHART_SVG, SK_CHART_PDF } sk_chart_format;

/*
 * Create an empty chart with a title (NULL: none).
 * Returns 0 or SK_ENOMEM.
 */
int sk_chart_new(sk_chart **out, const char *title);

/* Accepts NULL. */
void sk_chart_free(sk_chart *c);

/* Replace the title (NULL: none).  Returns 0 or SK_ENOMEM. */
int sk_chart_set_title(sk_chart *c, const char *title);

/* The title, or NULL. */
const char *sk_chart_title(const sk_chart *c);

/*
 * Add a panel; its index (0, 1, ...) goes to *panel (may be NULL).
 * Returns 0, SK_EINVAL (a bad span or log range), SK_ELIMIT, SK_ENOMEM.
 */
int sk_chart_add_panel(size_t *panel, sk_chart *c,
                       const sk_chart_panel_opts *opts);

/* Number of panels. */
size_t sk_chart_panels(const sk_chart *c);

/* The panel whose id is `id`: 0 and *panel, or SK_ENOTFOUND. */
int sk_chart_find_panel(size_t *panel, const sk_chart *c, const char *id);

/*
 * Add n points (x[i], y[i]) to `panel` drawn as `style` says.  Points
 * with a NaN coordinate are skipped and break the line.  style->labels,
 * when set, has n entries.  Returns 0, SK_EINVAL (no such panel), SK_ELIMIT
 * or SK_ENOMEM.
 */
int sk_chart_add_series(sk_chart *c, size_t panel, const sk_chart_style *style,
                        const double *x, const double *y, size_t n);

/* Add a filled band between lo[i] and hi[i] over x[i], drawn below the
 * series (style: name, rgb, alpha, y2).  Same returns. */
int sk_chart_add_band(sk_chart *c, size_t panel, const sk_chart_style *style,
                      const double *x, const double *lo, const double *hi,
                      size_t n);

/* Add a legend entry with no data: a key for line styles or markers
 * shared by several series.  Same returns. */
int sk_chart_add_legend(sk_chart *c, size_t panel, const sk_chart_style *style);

/*
 * Vertical marker lines with a label (NULL: none) at x = `x`:
 * sk_chart_mark_x() marks every panel whose x axis key is `key`
 * (SK_ENOTFOUND when none has it); sk_chart_panel_mark_x() one panel.
 * sk_chart_panel_mark_y() draws a horizontal line at y against the left
 * (y2 = 0) or right axis.  Automatic ranges grow to show the marker.
 * Returns 0, SK_EINVAL, SK_ENOTFOUND, SK_ELIMIT or SK_ENOMEM.
 */
int sk_chart_mark_x(sk_chart *c, const char *key, double x, const char *label);

/* The colour (0xRRGGBB) of the marker lines and labels added from now on,
 * as a pen: SK_CHART_MARK_GREY, the default, for markers that belong to
 * no run; a run's colour for its knee or recommended level. */
#define SK_CHART_MARK_GREY 0x555555
void sk_chart_set_mark_rgb(sk_chart *c, uint32_t rgb);
int sk_chart_panel_mark_x(sk_chart *c, size_t panel, double x,
                          const char *label);
int sk_chart_panel_mark_y(sk_chart *c, size_t panel, int y2, double y,
                          const char *label);

/* Record a note for the caller to show ("s.csv: p90_ttft_s is empty;
 * series skipped").  Returns 0 or SK_ENOMEM. */
int sk_chart_add_note(sk_chart *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Notes from building and from the last layout, in order. */
size_t sk_chart_notes(const sk_chart *c);
const char *sk_chart_note(const sk_chart *c, size_t i);

/* The format named by the extension of `path` (.png, .svg, .pdf, any
 * case).  Returns 0 or SK_EINVAL with a message naming the extension. */
int sk_chart_format_from_path(sk_chart_format *out, const char *path);

/*
 * Compute ranges, ticks, margins and legend places for a canvas (opts may
 * be NULL for the defaults) without drawing: sk_chart_map() works after
 * it.  Returns 0, SK_EINVAL (canvas too small or too large, scale out of
 * (0, 16]), SK_ENODATA (a panel with nothing to draw), SK_ENOMEM.
 */
int sk_chart_layout(sk_chart *c, const sk_chart_render_opts *opts);

/*
 * Lay out and draw the chart into `path` in the format its extension
 * names.  The file is written as PATH.tmp.XXXXXX next to it and renamed
 * over `path` only when complete; on failure nothing is left behind.
 * Same input, same bytes: no timestamps in any format.
 * Returns 0, the sk_chart_layout() errors, SK_EINVAL (unknown extension)
 * or SK_EIO ("out.png: cannot write: No space left on device").
 */
int sk_chart_write(sk_chart *c, const char *path,
                   const sk_chart_render_opts *opts);

/* The chart as SVG into `fp` (an HTML page inlines it): what
 * sk_chart_write() writes to a .svg file; `name` is used in messages.
 * Same returns; write errors show in ferror(fp). */
int sk_chart_write_svg(sk_chart *c, FILE *fp, const char *name,
                       const sk_chart_render_opts *opts);

/* How many threads drew the markers of the last PNG written (1: this
 * one alone; more for a scatter of 20,000 markers or more, see
 * sk_chart_render_opts.threads).  For diagnostics and tests. */
unsigned sk_chart_marker_threads(const sk_chart *c);

/*
 * Where data point (x, y) of `panel` lands, in device pixels of the last
 * layout (origin top left; y against the right axis when y2 is set).
 * Returns 0, or SK_EINVAL (no layout yet, no such panel or axis, a value
 * that cannot be placed: NaN, or <= 0 on a log axis).  Jitter is not
 * applied.
 */
int sk_chart_map(double *px, double *py, const sk_chart *c, size_t panel,
                 int y2, double x, double y);

/* The plot area of `panel` in device pixels of the last layout: left,
 * top, right, bottom.  Returns 0 or SK_EINVAL. */
int sk_chart_plot_area(double rect[4], const sk_chart *c, size_t panel);

/* The legend box of `panel` in device pixels (it may lie outside the plot
 * area).  Returns 0, SK_ENOTFOUND (no legend) or SK_EINVAL. */
int sk_chart_legend_area(double rect[4], const sk_chart *c, size_t panel);

/*
 * Tick i of an axis of `panel` after a layout (axis 0 = x, 1 = left y,
 * 2 = right y): its value, its label (borrowed from the chart) and the
 * label's box in device pixels (left, top, right, bottom; all NaN when the
 * label is not drawn: hidden to avoid an overlap, or an x axis whose
 * labels show on the panel below).  Any out-parameter may be NULL.
 * Returns 0, SK_EINVAL (no layout, no such panel or axis) or SK_ENOTFOUND
 * (i is past the last tick).
 */
int sk_chart_tick(double *value, const char **label, double box[4],
                  const sk_chart *c, size_t panel, int axis, size_t i);

/*
 * Free the process-wide caches Cairo and fontconfig keep (font faces,
 * the parsed fonts.conf), so that memory checkers see no leak at exit.
 * Call once, at the end of a program that drew charts, after every chart
 * is freed; no chart call may follow.  Not thread-safe.
 */
void sk_chart_shutdown(void);

#endif
