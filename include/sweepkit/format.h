/*
 * Output formats shared by every command that prints results, and the
 * text measures they need.  Writers take a FILE * and report write errors
 * through ferror() on it, checked once by the caller.
 */
#ifndef SWEEPKIT_FORMAT_H
#define SWEEPKIT_FORMAT_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    SK_FORMAT_TABLE,    /* aligned text for people */
    SK_FORMAT_CSV,      /* RFC 4180 */
    SK_FORMAT_JSON,     /* an array of objects */
    SK_FORMAT_MARKDOWN  /* a GitHub-flavoured table */
} sk_format;

/* "table", "csv", "json" or "markdown" into *out; SK_EINVAL otherwise. */
int sk_format_parse(sk_format *out, const char *name);

/*
 * Width of UTF-8 text in code points (what Python's len() counts on the
 * decoded string).  Returns 0 and sets *width, or SK_EPARSE when the bytes
 * are not valid UTF-8 (overlong forms and surrogates included), with *at
 * set to the offset of the first bad byte.
 */
int sk_utf8_width(size_t *width, size_t *at, const char *s, size_t n);

/* The printed width of a cell, for aligning text tables: its width in
 * code points, or its length in bytes when it is not valid UTF-8. */
size_t sk_format_width(const char *s, size_t n);

/*
 * `s` as part of a file name ("Qwen/Qwen3 4B" -> "Qwen_Qwen3_4B"): each
 * byte other than [A-Za-z0-9._-] becomes '_', at most 100 of them and
 * cut to `cap`; an empty result is "r", and one that would start with
 * '.' (a hidden file) starts with 'r' instead.  The one slug of report's
 * chart files and the collector's output files.
 */
void sk_format_slug(char *buf, size_t cap, const char *s);

/* Write `n` bytes of `s` as a JSON string literal, quotes included;
 * each byte that is not part of valid UTF-8 becomes \ufffd (JSON text is
 * UTF-8, RFC 8259). */
void sk_format_json_string(FILE *fp, const char *s, size_t n);

/* Write one CSV field, quoted only when it holds a comma, quote, CR or LF. */
void sk_format_csv_field(FILE *fp, const char *s, size_t n);

/* Write `n` bytes of `s` as a Markdown table cell: '|' escaped, line ends
 * as spaces. */
void sk_format_markdown_cell(FILE *fp, const char *s, size_t n);

/* Write `s` then `pad` spaces (pad_left == 0) or the reverse. */
void sk_format_padded(FILE *fp, const char *s, size_t n, size_t pad,
                      int pad_left);

/*
 * The one text-table writer (top, stats, recommend, saturation):
 * sk_format_table_cell() writes cell `c` of a line: `sep` before it
 * unless c == 0, then the n bytes of `s` padded with blanks to `width`
 * display columns, on the left when `right` (numbers), else on the right
 * unless `trim` (a last cell: no trailing blanks).
 * sk_format_table_rule() writes the line of '-' under a header of `n`
 * columns of widths `width` joined by " | ", and a newline.
 */
void sk_format_table_cell(FILE *fp, size_t c, const char *sep, const char *s,
                          size_t n, size_t width, int right, int trim);
void sk_format_table_rule(FILE *fp, const size_t *width, size_t n);

/*
 * The one Markdown-table writer: sk_format_markdown_row_cell() writes
 * " CELL |" (the row's leading '|' is the caller's), escaped as
 * sk_format_markdown_cell(); sk_format_markdown_align() " ---: |" for a
 * right-aligned column, " --- |" otherwise.
 */
void sk_format_markdown_row_cell(FILE *fp, const char *s, size_t n);
void sk_format_markdown_align(FILE *fp, int right);

#endif
