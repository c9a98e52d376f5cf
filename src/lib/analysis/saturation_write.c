/*
 * saturation's writers: the table and Markdown for people, CSV and JSON
 * for machines (docs/saturation.md).  Moved from the CLI's
 * cmd_saturation.c (issue 13); the text is unchanged.
 */
#include "sweepkit/saturation.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/json.h"
#include "sweepkit/num.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CELL 128

static double step_gain(const struct sk_saturation_result *r, size_t i)
{
    return sk_saturation_gain(r->x[i], r->y[i], r->x[i + 1], r->y[i + 1]);
}

/* A number for people: six significant digits ("2011.85", "0.21"). */
static void num6(char *buf, size_t cap, double v)
{
    snprintf(buf, cap, "%.6g", v);
}

/* "+6.5%" */
static void pct(char *buf, size_t cap, double g)
{
    snprintf(buf, cap, "%+.1f%%", 100 * g);
}

/* "64→128: +6.5%" for step i. */
static void step_words(char *buf, size_t cap,
                       const struct sk_saturation_result *r, size_t i)
{
    char g[32];

    pct(g, sizeof(g), step_gain(r, i));
    snprintf(buf, cap, "%g→%g: %s", r->x[i], r->x[i + 1], g);
}

/* The knee in plain words, one sentence. */
void sk_saturation_knee_sentence(char *buf, size_t cap,
                                 const struct sk_saturation_result *r)
{
    double gain_pct = r->gain_pct;
    const struct sk_saturation_knee *k = &r->knee;
    char step[96];

    step_words(step, sizeof(step), r, k->max_step);
    if (!k->found)
        snprintf(buf, cap,
                 "still scaling at the highest level measured: the last "
                 "doubling gains at least %g%% (%s); no knee yet, measure "
                 "higher %s",
                 gain_pct, step, r->xname);
    else
        snprintf(buf, cap,
                 "throughput stops paying for %s at %g: every further "
                 "doubling gains less than %g%% (%s%s)",
                 r->xname, k->x, gain_pct,
                 k->index + 2 == r->n ? "" : "largest: ", step);
}

/* Widest y as num6() prints it, so "a → b" cells line up. */
static int y_width(const struct sk_saturation_result *r)
{
    char buf[32];
    size_t i, w = 0;

    for (i = 0; i < r->n; i++) {
        num6(buf, sizeof(buf), r->y[i]);
        if (strlen(buf) > w)
            w = strlen(buf);
    }
    return (int)w;
}

/* The cells of the step table: row 0 is the header, row i + 1 step i;
 * y values padded to `yw`. */
static void step_cells(char cells[4][CELL],
                       const struct sk_saturation_result *r, size_t row,
                       int yw)
{
    size_t i = row - 1;
    char a[32], b[32];

    if (row == 0) {
        snprintf(cells[0], CELL, "%s", r->xname);
        snprintf(cells[1], CELL, "%s", r->yname);
        snprintf(cells[2], CELL, "gain per doubling");
        cells[3][0] = '\0';
        return;
    }
    snprintf(cells[0], CELL, "%g→%g", r->x[i], r->x[i + 1]);
    num6(a, sizeof(a), r->y[i]);
    num6(b, sizeof(b), r->y[i + 1]);
    snprintf(cells[1], CELL, "%*s → %*s", yw, a, yw, b);
    pct(cells[2], CELL, step_gain(r, i));
    snprintf(cells[3], CELL, "%s",
             r->knee.found && i == r->knee.index ? "← knee" : "");
}

/* " (extrapolated: beyond 128)" when v lies past the highest level. */
static const char *beyond(char *buf, size_t cap,
                          const struct sk_saturation_result *r, double v)
{
    if (v > r->x[r->n - 1])
        snprintf(buf, cap, " (extrapolated: beyond %g)", r->x[r->n - 1]);
    else
        buf[0] = '\0';
    return buf;
}

void sk_saturation_usl_sentence(char *buf, size_t cap,
                                const struct sk_saturation_result *r)
{
    const struct sk_saturation_usl *u = &r->usl;
    char head[300], e1[64], e2[64], e3[64];

    snprintf(head, sizeof(head),
             "A Universal Scalability Law fit, X(N) = λN / (1 + σ(N − 1) + "
             "κN(N − 1)), over the %zu levels gives λ = %.4g, σ = %.4g, "
             "κ = %.4g (R² = %.4f).",
             u->levels, u->lambda, u->sigma, u->kappa, u->r2);
    if (!isnan(u->peak_n))
        snprintf(buf, cap,
                 "%s The fitted curve peaks at %s %.1f%s with %s %.1f and "
                 "reaches 90%% of that peak at %.1f%s, 95%% at %.1f%s.",
                 head, r->xname, u->peak_n,
                 beyond(e1, sizeof(e1), r, u->peak_n), r->yname, u->peak_x,
                 u->n90,
                 beyond(e2, sizeof(e2), r, u->n90), u->n95,
                 beyond(e3, sizeof(e3), r, u->n95));
    else if (!isnan(u->asymptote_x))
        snprintf(buf, cap,
                 "%s It has no peak (κ = 0): %s rises towards %.1f, reaching "
                 "90%% of that at %s %.1f%s and 95%% at %.1f%s.",
                 head, r->yname, u->asymptote_x, r->xname, u->n90,
                 beyond(e1, sizeof(e1), r, u->n90), u->n95,
                 beyond(e2, sizeof(e2), r, u->n95));
    else
        snprintf(buf, cap, "%s %s", head,
                 u->sigma >= 1 ? "The fitted curve never rises above X(1)."
                               : "The fit is linear scaling (σ = κ = 0): "
                                 "no peak and no asymptote.");
}

void sk_saturation_write_knee_md(FILE *fp,
                                 const struct sk_saturation_result *r)
{
    char line[512];

    sk_saturation_knee_sentence(line, sizeof(line), r);
    if (line[0] >= 'a' && line[0] <= 'z') /* a sentence of its own here */
        line[0] = (char)(line[0] - 'a' + 'A');
    if (r->knee.found)
        fprintf(fp, "**Knee: %g.** ", r->knee.x);
    else
        fprintf(fp, "**No knee.** ");
    sk_format_markdown_cell(fp, line, strlen(line));
    fprintf(fp, ".\n\n");
}

/* The USL block as label/value pairs, shared by table and markdown. */
static size_t usl_pairs(char (*lab)[CELL], char (*val)[CELL],
                        const struct sk_saturation_result *r)
{
    const struct sk_saturation_usl *u = &r->usl;
    const char *top = isnan(u->peak_n) ? "asymptote" : "peak";
    char ex[64];
    size_t m = 0;

    snprintf(lab[m], CELL, "λ (%s per unit of %s)", r->yname, r->xname);
    snprintf(val[m++], CELL, "%.4g", u->lambda);
    snprintf(lab[m], CELL, "σ (contention)");
    snprintf(val[m++], CELL, "%.4g", u->sigma);
    snprintf(lab[m], CELL, "κ (coherency)");
    snprintf(val[m++], CELL, "%.4g", u->kappa);
    snprintf(lab[m], CELL, "R²");
    snprintf(val[m++], CELL, "%.4f", u->r2);
    if (!isnan(u->peak_n)) {
        beyond(ex, sizeof(ex), r, u->peak_n);
        snprintf(lab[m], CELL, "peak at N* = sqrt((1 − σ) / κ)");
        snprintf(val[m++], CELL, "%.1f%s", u->peak_n, ex);
        snprintf(lab[m], CELL, "peak %s X(N*)", r->yname);
        snprintf(val[m++], CELL, "%.1f", u->peak_x);
    } else if (!isnan(u->asymptote_x)) {
        snprintf(lab[m], CELL, "no peak (κ = 0): asymptote λ / σ");
        snprintf(val[m++], CELL, "%.1f", u->asymptote_x);
    } else {
        snprintf(lab[m], CELL, "no peak, no asymptote");
        snprintf(val[m++], CELL, "%s",
                 u->sigma >= 1 ? "the fit never rises above X(1)"
                               : "the fit is linear (σ = κ = 0)");
    }
    if (!isnan(u->n90)) {
        beyond(ex, sizeof(ex), r, u->n90);
        snprintf(lab[m], CELL, "90%% of %s reached at N", top);
        snprintf(val[m++], CELL, "%.1f%s", u->n90, ex);
        beyond(ex, sizeof(ex), r, u->n95);
        snprintf(lab[m], CELL, "95%% of %s reached at N", top);
        snprintf(val[m++], CELL, "%.1f%s", u->n95, ex);
    }
    return m;
}

static const char failed_words[] =
    "(errors and no tokens; left out of the knee and the fit)";
static const char partial_words[] =
    "(fewer queries than planned; left out of the knee and the fit, "
    "--include-partial uses them)";
static const char no_window_words[] =
    "(no steady state: under two waves of timed queries, or never fully "
    "loaded; left out of the knee and the fit)";

/* "failed: 4 (...)", "partial: 64 (...)" and "no steady window: 128
 * (...)", or in Markdown "**Failed:** 4 (...)." */
static void left_out_lines(FILE *fp, const struct sk_saturation_result *r,
                           int markdown)
{
    const struct sk_sweep_levels_out *l[3] = {&r->left_out.failed,
                                              &r->left_out.partial,
                                              &r->left_out.no_window};
    static const char *const what[2][3] = {
        {"failed:", "partial:", "no steady window:"},
        {"**Failed:**", "**Partial:**", "**No steady window:**"}};
    const char *words[3] = {failed_words, partial_words, no_window_words};
    char line[512];
    size_t k;

    for (k = 0; k < 3; k++) {
        if (!l[k]->n)
            continue;
        sk_sweep_levels_list(line, sizeof(line), l[k], ", ");
        fprintf(fp, "%s %s %s%s\n\n", what[markdown][k], line, words[k],
                markdown ? "." : "");
    }
}

static const char usl_formula[] = "X(N) = λN / (1 + σ(N − 1) + κN(N − 1))";

static void write_table(FILE *fp, const struct sk_saturation_result *r,
                        int first)
{
    char cells[4][CELL], lab[8][CELL], val[8][CELL], line[512];
    size_t w[4] = {0, 0, 0, 0}, i, c, m;
    int yw = y_width(r);

    if (!first)
        fputc('\n', fp);
    fprintf(fp, "%s: %s by %s, %zu levels\n\n", r->file, r->yname, r->xname,
            r->n);
    sk_saturation_knee_sentence(line, sizeof(line), r);
    if (r->knee.found)
        fprintf(fp, "knee: %g\n  %s\n\n", r->knee.x, line);
    else
        fprintf(fp, "knee: none\n  %s\n\n", line);
    left_out_lines(fp, r, 0);

    for (i = 0; i < r->n; i++) {
        step_cells(cells, r, i, yw);
        for (c = 0; c < 4; c++)
            if (sk_format_width(cells[c], strlen(cells[c])) > w[c])
                w[c] = sk_format_width(cells[c], strlen(cells[c]));
    }
    /* Indented by two blanks, two between columns; the knee's mark last,
     * unpadded. */
    for (i = 0; i < r->n; i++) {
        step_cells(cells, r, i, yw);
        for (c = 0; c < 4; c++)
            if (c < 3 || cells[3][0])
                sk_format_table_cell(fp, c + 1, "  ", cells[c],
                                     strlen(cells[c]), w[c], c == 1 || c == 2,
                                     c == 3);
        fputc('\n', fp);
    }

    fputc('\n', fp);
    if (!r->usl_ok) {
        fprintf(fp, "USL fit: not possible: %s\n", r->usl_error);
        return;
    }
    fprintf(fp, "USL fit: %s, least squares over %zu levels\n", usl_formula,
            r->usl.levels);
    m = usl_pairs(lab, val, r);
    for (i = 0, w[0] = 0; i < m; i++)
        if (sk_format_width(lab[i], strlen(lab[i])) > w[0])
            w[0] = sk_format_width(lab[i], strlen(lab[i]));
    for (i = 0; i < m; i++) {
        sk_format_table_cell(fp, 1, "  ", lab[i], strlen(lab[i]), w[0], 0, 0);
        sk_format_table_cell(fp, 1, "  ", val[i], strlen(val[i]), 0, 0, 1);
        fputc('\n', fp);
    }
}

static void md(FILE *fp, const char *s)
{
    sk_format_markdown_cell(fp, s, strlen(s));
}

static void write_markdown(FILE *fp, const struct sk_saturation_result *r,
                           int first)
{
    char cells[4][CELL], lab[8][CELL], val[8][CELL];
    size_t i, m;
    int yw = 0; /* Markdown aligns by itself */

    if (!first)
        fputc('\n', fp);
    fprintf(fp, "### ");
    md(fp, r->file);
    fprintf(fp, "\n\n");
    sk_saturation_write_knee_md(fp, r);
    left_out_lines(fp, r, 1);

    step_cells(cells, r, 0, 0);
    fprintf(fp, "| ");
    md(fp, cells[0]);
    fprintf(fp, " | ");
    md(fp, cells[1]);
    fprintf(fp, " | %s | |\n|---|---:|---:|---|\n", cells[2]);
    for (i = 1; i < r->n; i++) {
        step_cells(cells, r, i, yw);
        fprintf(fp, "| %s | %s | %s | %s |\n", cells[0], cells[1], cells[2],
                cells[3]);
    }

    fputc('\n', fp);
    if (!r->usl_ok) {
        fprintf(fp, "USL fit not possible: ");
        md(fp, r->usl_error);
        fprintf(fp, ".\n");
        return;
    }
    fprintf(fp, "| USL fit: %s, %zu levels | |\n|---|---:|\n", usl_formula,
            r->usl.levels);
    m = usl_pairs(lab, val, r);
    for (i = 0; i < m; i++) {
        fprintf(fp, "| ");
        md(fp, lab[i]);
        fprintf(fp, " | ");
        md(fp, val[i]);
        fprintf(fp, " |\n");
    }
}

/* A number for machines: Python repr (shortest round trip), or `null_as`
 * for NaN (empty cell in CSV, null in JSON). */
static void put_num(FILE *fp, double v, const char *null_as)
{
    char buf[SK_NUM_REPR_MAX];

    if (isnan(v)) {
        fputs(null_as, fp);
        return;
    }
    sk_num_repr(buf, sizeof(buf), v);
    fputs(buf, fp);
}

static const char csv_header[] =
    "file,x_column,y_column,gain_threshold,x_from,x_to,y_from,y_to,"
    "gain_per_doubling,knee,lambda,sigma,kappa,r2,peak_concurrency,"
    "peak_throughput,asymptote_throughput,n90,n95,usl_error,group,"
    "failed_levels,best,partial_levels,no_steady_window_levels\n";

/* One row per step; the file's knee and fit repeated on each. */
static void write_csv(FILE *fp, const struct sk_saturation_result *r)
{
    double gain = r->knee.threshold;
    const struct sk_saturation_usl *u = &r->usl;
    char failed[512], partial[512], nowin[512];
    size_t i;

    for (i = 0; i + 1 < r->n; i++) {
        const double after[] = {u->lambda,      u->sigma,  u->kappa,
                                u->r2,          u->peak_n, u->peak_x,
                                u->asymptote_x, u->n90,    u->n95};
        size_t j;

        sk_format_csv_field(fp, r->file, strlen(r->file));
        fputc(',', fp);
        sk_format_csv_field(fp, r->xname, strlen(r->xname));
        fputc(',', fp);
        sk_format_csv_field(fp, r->yname, strlen(r->yname));
        fputc(',', fp);
        put_num(fp, gain, "");
        fputc(',', fp);
        put_num(fp, r->x[i], "");
        fputc(',', fp);
        put_num(fp, r->x[i + 1], "");
        fputc(',', fp);
        put_num(fp, r->y[i], "");
        fputc(',', fp);
        put_num(fp, r->y[i + 1], "");
        fputc(',', fp);
        put_num(fp, step_gain(r, i), "");
        fputc(',', fp);
        put_num(fp, r->knee.x, "");
        for (j = 0; j < sizeof(after) / sizeof(after[0]); j++) {
            fputc(',', fp);
            put_num(fp, r->usl_ok ? after[j] : NAN, "");
        }
        fputc(',', fp);
        if (!r->usl_ok)
            sk_format_csv_field(fp, r->usl_error, strlen(r->usl_error));
        fputc(',', fp);
        sk_format_csv_field(fp, r->group ? r->group : "",
                            r->group ? strlen(r->group) : 0);
        fputc(',', fp);
        sk_sweep_levels_list(failed, sizeof(failed), &r->left_out.failed,
                             " ");
        sk_format_csv_field(fp, failed, strlen(failed));
        fputs(r->best > 0 ? ",1," : r->best < 0 ? ",0," : ",,", fp);
        sk_sweep_levels_list(partial, sizeof(partial), &r->left_out.partial,
                             " ");
        sk_format_csv_field(fp, partial, strlen(partial));
        fputc(',', fp);
        sk_sweep_levels_list(nowin, sizeof(nowin), &r->left_out.no_window,
                             " ");
        sk_format_csv_field(fp, nowin, strlen(nowin));
        fputc('\n', fp);
    }
}

json_t *sk_saturation_json(const struct sk_saturation_result *r,
                           const char *error)
{
    const struct sk_saturation_usl *u = &r->usl;
    json_t *o, *steps, *usl;
    char line[1200];
    size_t i;
    int ok = error == NULL;

    /* The same keys whether or not there is an answer: null when not. */
    steps = json_array();
    for (i = 0; steps && ok && i + 1 < r->n; i++)
        if (json_array_append_new(
                steps,
                json_pack("{s:o, s:o, s:o, s:o, s:o}", "x_from",
                          sk_json_number(r->x[i]), "x_to",
                          sk_json_number(r->x[i + 1]), "y_from",
                          sk_json_number(r->y[i]), "y_to",
                          sk_json_number(r->y[i + 1]), "gain_per_doubling",
                          sk_json_number(step_gain(r, i)))) != 0) {
            json_decref(steps); /* out of memory: no object at all */
            steps = NULL;
        }
    usl = json_null();
    if (ok && r->usl_ok) {
        sk_saturation_usl_sentence(line, sizeof(line), r);
        json_decref(usl);
        usl = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
            "lambda", sk_json_number(u->lambda), "sigma",
            sk_json_number(u->sigma), "kappa", sk_json_number(u->kappa), "r2",
            sk_json_number(u->r2), "peak_concurrency",
            sk_json_number(u->peak_n), "peak_throughput",
            sk_json_number(u->peak_x), "asymptote_throughput",
            sk_json_number(u->asymptote_x), "n90", sk_json_number(u->n90),
            "n95", sk_json_number(u->n95), "levels", (json_int_t)u->levels,
            "sentence", sk_json_string(line));
    }
    if (ok)
        sk_saturation_knee_sentence(line, sizeof(line), r);
    o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                  "file", sk_json_string(r->file), "x_column",
                  sk_json_string(r->xname), "y_column",
                  sk_json_string(r->yname),
                  "error", sk_json_string(error), "gain_threshold",
                  sk_json_number(r->gain_pct / 100), "knee",
                  ok && r->knee.found ? sk_json_number(r->knee.x)
                                      : json_null(),
                  "knee_sentence", ok ? sk_json_string(line) : json_null(),
                  "steps", steps, "usl", usl, "usl_error",
                  ok && !r->usl_ok ? sk_json_string(r->usl_error)
                                   : json_null());
    /* Keys that only a grid has: a single sweep's object is unchanged. */
    if (o && r->group && r->group[0] &&
        json_object_set_new(o, "group", sk_json_string(r->group)) != 0)
        goto nomem;
    if (o && sk_sweep_left_out_json(o, &r->left_out) != 0)
        goto nomem;
    if (o && r->best &&
        json_object_set_new(o, "best", json_boolean(r->best > 0)) != 0)
        goto nomem;
    return o;
nomem:
    json_decref(o);
    return NULL;
}

static int write_json(FILE *fp, const struct sk_saturation_result *r,
                      int first)
{
    return sk_json_list_item(fp, sk_saturation_json(r, NULL), first);
}

int sk_saturation_write_begin(FILE *fp, sk_format fmt, const json_t *head)
{
    if (fmt == SK_FORMAT_CSV)
        fputs(csv_header, fp);
    else if (fmt == SK_FORMAT_JSON)
        sk_json_list_open(fp, head, "results");
    return ferror(fp) ? sk_error_set(SK_EIO, "writing the output failed")
                      : 0;
}

int sk_saturation_write(FILE *fp, const struct sk_saturation_result *r,
                        sk_format fmt, int first)
{
    switch (fmt) {
    case SK_FORMAT_TABLE: write_table(fp, r, first); break;
    case SK_FORMAT_MARKDOWN: write_markdown(fp, r, first); break;
    case SK_FORMAT_CSV: write_csv(fp, r); break;
    case SK_FORMAT_JSON: return write_json(fp, r, first) ? SK_ENOMEM :
            ferror(fp) ? sk_error_set(SK_EIO, "writing the output failed") : 0;
    }
    return ferror(fp) ? sk_error_set(SK_EIO, "writing the output failed")
                      : 0;
}

int sk_saturation_write_end(FILE *fp, sk_format fmt, size_t written)
{
    if (fmt == SK_FORMAT_JSON)
        sk_json_list_close(fp, written);
    return ferror(fp) ? sk_error_set(SK_EIO, "writing the output failed")
                      : 0;
}

int sk_saturation_write_best(FILE *fp, sk_format fmt,
                             const struct sk_saturation_result *r,
                             size_t n, size_t best)
{
    const struct sk_saturation_result *b = &r[best];
    char knee[64];
    double x, y;

    if (n < 2 || (fmt != SK_FORMAT_TABLE && fmt != SK_FORMAT_MARKDOWN))
        return 0;
    y = sk_saturation_peak(b, &x);
    if (b->knee.found)
        snprintf(knee, sizeof(knee), "knee %g", b->knee.x);
    else
        snprintf(knee, sizeof(knee), "no knee up to %g", b->x[b->n - 1]);
    if (fmt == SK_FORMAT_TABLE) {
        fprintf(fp, "\nbest of %zu configurations (highest %s): %s: %g at "
                    "%s %g; %s\n",
                n, b->yname, b->group, y, b->xname, x, knee);
    } else {
        fprintf(fp, "\n**Best of %zu configurations** (highest ", n);
        md(fp, b->yname);
        fprintf(fp, "): ");
        md(fp, b->group);
        fprintf(fp, ": %g at ", y);
        md(fp, b->xname);
        fprintf(fp, " %g; %s.\n", x, knee);
    }
    return ferror(fp) ? sk_error_set(SK_EIO, "writing the output failed")
                      : 0;
}
