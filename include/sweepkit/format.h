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

/* Write `n` bytes of `s` as a JSON string literal, quotes included. */
void sk_format_json_string(FILE *fp, const char *s, size_t n);

/* Write one CSV field, quoted only when it holds a comma, quote, CR or LF. */
void sk_format_csv_field(FILE *fp, const char *s, size_t n);

/* Write `n` bytes of `s` as a Markdown table cell: '|' escaped, line ends
 * as spaces. */
void sk_format_markdown_cell(FILE *fp, const char *s, size_t n);

/* Write `s` then `pad` spaces (pad_left == 0) or the reverse. */
void sk_format_padded(FILE *fp, const char *s, size_t n, size_t pad,
                      int pad_left);

#endif
