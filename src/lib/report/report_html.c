/*
 * report.html (`sweepkit report --html`): the page report.md holds, in
 * HTML, one self-contained file.  The text is report_md.c's, converted
 * here from the Markdown subset it writes (headings, paragraphs, pipe
 * tables, "- " lists, **bold**, *emphasis*, `code`, links, one image per
 * line), so every sentence has one source; each image becomes the same
 * chart inlined as SVG, its ids prefixed so that no two charts share one
 * (Cairo names its glyphs glyph0-1 ... in every file).  No script, no
 * style sheet or image fetched: CSS is inline.
 */
#include "report_int.h"

#include "sweepkit/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI','DejaVu Sans',"
    "sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#1a1a1a;line-height:1.5}"
    "h1,h2,h3{line-height:1.25}h2{border-bottom:1px solid #ddd;"
    "padding-bottom:.2em;margin-top:2em}"
    "table{border-collapse:collapse;margin:1em 0;font-size:14px;"
    "display:block;overflow-x:auto}"
    "th,td{border:1px solid #d0d0d0;padding:4px 8px}"
    "th{background:#f3f3f3}.r{text-align:right}.c{text-align:center}"
    "td{font-variant-numeric:tabular-nums}"
    "code{background:#f3f3f3;padding:0 3px;border-radius:3px}"
    "figure{margin:1em 0}figure svg{width:100%;height:auto;display:block}"
    "figcaption,p.caption{color:#555;font-size:14px}"
    "@media (prefers-color-scheme:dark){body{background:#fff}}";

static void esc(FILE *fp, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        switch (s[i]) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(s[i], fp); break;
        }
}

/* The next `c` in s[from..n) not escaped by a backslash, or n. */
static size_t find(const char *s, size_t from, size_t n, char c)
{
    size_t i;

    for (i = from; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (s[i] == c)
            return i;
    }
    return n;
}

/* The next "**" in s[from..n), or n. */
static size_t find2(const char *s, size_t from, size_t n)
{
    size_t i;

    for (i = from; i + 1 < n; i++)
        if (s[i] == '*' && s[i + 1] == '*')
            return i;
    return n;
}

/* Inline Markdown: `code`, **bold**, *emphasis* (opening before a
 * non-blank, with a closing star), [text](target), "\x" for x. */
static void inline_md(FILE *fp, const char *s, size_t n)
{
    size_t i = 0, j, k;

    while (i < n) {
        char ch = s[i];

        if (ch == '\\' && i + 1 < n && strchr("\\|*_`[]()#", s[i + 1])) {
            esc(fp, s + i + 1, 1);
            i += 2;
        } else if (ch == '`' && (j = find(s, i + 1, n, '`')) < n) {
            fputs("<code>", fp);
            esc(fp, s + i + 1, j - i - 1);
            fputs("</code>", fp);
            i = j + 1;
        } else if (ch == '*' && i + 1 < n && s[i + 1] == '*' &&
                   (j = find2(s, i + 2, n)) < n) {
            fputs("<strong>", fp);
            inline_md(fp, s + i + 2, j - i - 2);
            fputs("</strong>", fp);
            i = j + 2;
        } else if (ch == '*' && i + 1 < n && s[i + 1] != ' ' &&
                   (j = find(s, i + 1, n, '*')) < n && j > i + 1) {
            fputs("<em>", fp);
            inline_md(fp, s + i + 1, j - i - 1);
            fputs("</em>", fp);
            i = j + 1;
        } else if (ch == '[' && (j = find(s, i + 1, n, ']')) + 1 < n &&
                   s[j + 1] == '(' && (k = find(s, j + 2, n, ')')) < n) {
            fputs("<a href=\"", fp);
            esc(fp, s + j + 2, k - j - 2);
            fputs("\">", fp);
            inline_md(fp, s + i + 1, j - i - 1);
            fputs("</a>", fp);
            i = k + 1;
        } else {
            esc(fp, s + i, 1);
            i++;
        }
    }
}

/* Chart `svg` with every id and reference to one prefixed by `prefix`,
 * its XML declaration left out (inside HTML). */
static void svg_inline(FILE *fp, const char *svg, size_t n,
                       const char *prefix)
{
    static const char *const marks[] = {"id=\"", "href=\"#", "url(#"};
    size_t i = 0, k;
    const char *start = strstr(svg, "<svg");

    if (start)
        i = (size_t)(start - svg);
    while (i < n) {
        for (k = 0; k < 3; k++) {
            size_t len = strlen(marks[k]);

            if (i + len <= n && memcmp(svg + i, marks[k], len) == 0) {
                fwrite(svg + i, 1, len, fp);
                fputs(prefix, fp);
                i += len;
                break;
            }
        }
        if (k == 3)
            fputc(svg[i++], fp);
    }
}

/* The chart drawn into `file`, or NULL. */
static const struct chart_ref *chart_of(const struct sk_report *rep,
                                        const char *file, size_t n,
                                        size_t *index)
{
    size_t i, k, at = 0;

    if (rep->has_overlay && strlen(rep->overlay.file) == n &&
        strncmp(rep->overlay.file, file, n) == 0) {
        *index = 0;
        return &rep->overlay;
    }
    for (i = 0; i < rep->nruns; i++)
        for (k = 0; k < rep->runs[i].ncharts; k++) {
            const struct chart_ref *c = &rep->runs[i].charts[k];

            at++;
            if (strlen(c->file) == n && strncmp(c->file, file, n) == 0) {
                *index = at;
                return c;
            }
        }
    if (rep->has_repeats_chart && strlen(rep->repeats_chart.file) == n &&
        strncmp(rep->repeats_chart.file, file, n) == 0) {
        *index = at + 1;
        return &rep->repeats_chart;
    }
    return NULL;
}

/* One pipe-table row's cells (split at unescaped '|') as th or td. */
static void table_row(FILE *fp, const char *s, size_t n, int head,
                      const char *align, size_t nalign)
{
    size_t i = 0, col = 0, j;

    if (i < n && s[i] == '|')
        i++;
    fputs("<tr>", fp);
    while (i < n) {
        size_t a, b;

        j = find(s, i, n, '|');
        for (a = i; a < j && s[a] == ' '; a++)
            ;
        for (b = j; b > a && s[b - 1] == ' '; b--)
            ;
        fprintf(fp, "<%s%s>", head ? "th" : "td",
                col < nalign && align[col] == 'r'   ? " class=\"r\""
                : col < nalign && align[col] == 'c' ? " class=\"c\""
                                                    : "");
        inline_md(fp, s + a, b - a);
        fprintf(fp, "</%s>", head ? "th" : "td");
        col++;
        i = j + 1;
        if (j + 1 >= n)
            break;
    }
    fputs("</tr>\n", fp);
}

/* "|---:|:---:|---|" into 'r', 'c', 'l' per column. */
static size_t alignments(char *align, size_t cap, const char *s, size_t n)
{
    size_t i = 0, k = 0, j;

    if (i < n && s[i] == '|')
        i++;
    while (i < n && k < cap) {
        j = find(s, i, n, '|');
        align[k++] = j > i && s[j - 1] == ':' ? (s[i] == ':' ? 'c' : 'r')
                                              : 'l';
        if (j >= n)
            break;
        i = j + 1;
    }
    return k;
}

static int starts(const char *s, size_t n, const char *p)
{
    size_t len = strlen(p);

    return n >= len && memcmp(s, p, len) == 0;
}

/* Anchors given so far: a heading whose anchor was taken gets "-1",
 * "-2" ... as GitHub numbers them (every run has a "Measurements"). */
struct anchors {
    char **a;
    size_t n, cap;
};

static int unique_anchor(struct anchors *u, char *buf, size_t cap)
{
    char base[256];
    size_t i, k = 0;
    int clash = 1;

    snprintf(base, sizeof(base), "%s", buf);
    while (clash) {
        clash = 0;
        for (i = 0; i < u->n && !clash; i++)
            clash = strcmp(u->a[i], buf) == 0;
        if (clash)
            snprintf(buf, cap, "%.200s-%zu", base, ++k);
    }
    if (u->n == u->cap) {
        size_t nc = u->cap ? 2 * u->cap : 64;
        char **t = realloc(u->a, nc * sizeof(*t));

        if (!t)
            return SK_ENOMEM;
        u->a = t;
        u->cap = nc;
    }
    if (!(u->a[u->n] = strdup(buf)))
        return SK_ENOMEM;
    u->n++;
    return 0;
}

/* The Markdown `md` as the page's body. */
static int body(FILE *fp, const struct sk_report *rep, const char *md,
                size_t len)
{
    const char *p = md, *end = md + len;
    int in_p = 0, in_ul = 0, in_table = 0, rc = 0;
    char align[64];
    size_t nalign = 0, i;
    struct anchors used = {NULL, 0, 0};

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int blank = n == 0;

        /* close what this line does not continue */
        if (in_p && (blank || *p == '#' || *p == '|' || starts(p, n, "- ") ||
                     starts(p, n, "!["))) {
            fputs("</p>\n", fp);
            in_p = 0;
        }
        if (in_ul && !starts(p, n, "- ")) {
            fputs("</ul>\n", fp);
            in_ul = 0;
        }
        if (in_table && (n == 0 || *p != '|')) {
            fputs("</tbody></table>\n", fp);
            in_table = 0;
        }
        if (blank) {
            /* nothing */
        } else if (*p == '#') {
            size_t level = 0;
            char anchor[256], *text;

            while (level < n && p[level] == '#')
                level++;
            if (!(text = strndup(p + level + 1, n > level ? n - level - 1
                                                          : 0))) {
                rc = SK_ENOMEM;
                break;
            }
            sk_report__anchor(anchor, sizeof(anchor), text);
            if ((rc = unique_anchor(&used, anchor, sizeof(anchor))) != 0) {
                free(text);
                break;
            }
            fprintf(fp, "<h%zu id=\"", level);
            esc(fp, anchor, strlen(anchor));
            fputs("\">", fp);
            inline_md(fp, text, strlen(text));
            fprintf(fp, "</h%zu>\n", level);
            free(text);
        } else if (*p == '|') {
            const char *next = nl ? nl + 1 : end;
            const char *nl2 = next < end
                                  ? memchr(next, '\n', (size_t)(end - next))
                                  : NULL;
            size_t n2 = next < end ? (nl2 ? (size_t)(nl2 - next)
                                          : (size_t)(end - next))
                                   : 0;

            if (!in_table && n2 > 0 && starts(next, n2, "|-") ) {
                /* a header row and its alignment row */
                nalign = alignments(align, sizeof(align), next, n2);
                fputs("<table><thead>\n", fp);
                table_row(fp, p, n, 1, align, nalign);
                fputs("</thead><tbody>\n", fp);
                in_table = 1;
                p = nl2 ? nl2 + 1 : end;
                continue;
            }
            if (!in_table) {
                fputs("<table><tbody>\n", fp);
                in_table = 1;
                nalign = 0;
            }
            table_row(fp, p, n, 0, align, nalign);
        } else if (starts(p, n, "- ")) {
            if (!in_ul) {
                fputs("<ul>\n", fp);
                in_ul = 1;
            }
            fputs("<li>", fp);
            inline_md(fp, p + 2, n - 2);
            fputs("</li>\n", fp);
        } else if (starts(p, n, "![")) {
            size_t j = find(p, 2, n, ']'), k = j + 1 < n && p[j + 1] == '('
                                                   ? find(p, j + 2, n, ')')
                                                   : n,
                   idx = 0;
            const struct chart_ref *c =
                k < n ? chart_of(rep, p + j + 2, k - j - 2, &idx) : NULL;

            fputs("<figure role=\"img\" aria-label=\"", fp);
            esc(fp, p + 2, j < n ? j - 2 : n - 2);
            fputs("\">\n", fp);
            if (c && c->svg) {
                char prefix[32];

                snprintf(prefix, sizeof(prefix), "c%zu-", idx);
                svg_inline(fp, c->svg, c->svg_len, prefix);
            } else { /* no SVG: the alternative text */
                inline_md(fp, p + 2, j < n ? j - 2 : n - 2);
            }
            fputs("</figure>\n", fp);
        } else {
            fputs(in_p ? "\n" : "<p>", fp);
            in_p = 1;
            inline_md(fp, p, n);
        }
        p = nl ? nl + 1 : end;
    }
    if (in_p)
        fputs("</p>\n", fp);
    if (in_ul)
        fputs("</ul>\n", fp);
    if (in_table)
        fputs("</tbody></table>\n", fp);
    for (i = 0; i < used.n; i++)
        free(used.a[i]);
    free(used.a);
    return rc ? sk_error_set(SK_ENOMEM, "out of memory") : 0;
}

int sk_report__html(FILE *fp, const struct sk_report *rep)
{
    char *md = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&md, &len);
    int rc;

    if (!mem)
        return sk_error_set(SK_ENOMEM, "out of memory");
    sk_report__md(mem, rep);
    if (fclose(mem) != 0 || !md) {
        free(md);
        return sk_error_set(SK_ENOMEM, "out of memory");
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"sweepkit report\">\n<title>",
          fp);
    esc(fp, rep->title, strlen(rep->title));
    fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    rc = body(fp, rep, md, len);
    fputs("</body>\n</html>\n", fp);
    free(md);
    if (rc == 0 && ferror(fp))
        rc = sk_error_set(SK_EIO, "report.html: cannot write");
    return rc;
}
