/*
 * Numbers as sweep CSVs write them, and as Python prints them.
 *
 * One grammar for "is this field a number" across sweepkit: the one
 * Python's float() accepts, because the CSVs come from Python scripts and
 * `top` must agree with analyze-data.py.  One printer: Python's repr(float),
 * the shortest decimal that reads back to the same double.
 *
 * All functions are thread-safe and none allocates; all are pure but
 * sk_num_level(), which sets the last-error message.
 */
#ifndef SWEEPKIT_NUM_H
#define SWEEPKIT_NUM_H

#include <stddef.h>

/* Longest string sk_num_repr() can produce, plus the terminating NUL. */
#define SK_NUM_REPR_MAX 32

/*
 * Parse `s[0..len)` (not necessarily NUL-terminated) with Python float()'s
 * grammar: optional surrounding whitespace (ASCII, and Unicode whitespace
 * encoded in UTF-8), optional sign, decimal digits with an optional point
 * and exponent, single underscores between digits ("1_000"), or
 * inf/infinity/nan in any case.  The value is correctly rounded.
 *
 * Returns 0 and stores the value in *out, or SK_EPARSE (and leaves *out
 * alone) when the whole field is not a number.  Does not set the last-error
 * message: callers know the file and line.
 * Not accepted, unlike Python: non-ASCII decimal digits ("١٢").
 */
int sk_num_parse(double *out, const char *s, size_t len);

/*
 * Write Python's repr(x) into buf (NUL-terminated) and return its length:
 * the shortest digit string that round-trips; plain notation with at least
 * one digit after the point when 1e-4 <= |x| < 1e16 ("1.0", "56.70375",
 * "0.0001"), otherwise scientific with a sign and at least two exponent
 * digits ("1e-05", "1.5e+16"); "inf", "-inf", "nan", "-0.0".
 * `cap` must be at least SK_NUM_REPR_MAX.
 */
size_t sk_num_repr(char *buf, size_t cap, double x);

/*
 * A number for people, as sweep summaries are published: two decimals,
 * or three significant digits below 0.1 so that small values do not
 * round to 0.00 ("199.08", "0.0425", "0.00").  NaN is printed by printf
 * ("nan"): callers that can meet one print their own mark for it.
 * Returns `buf`.
 */
const char *sk_num_human(char *buf, size_t cap, double x);

/*
 * The fast path `top` uses on every field of every row: returns 1 when
 * `s[0..len)` is a number by sk_num_parse()'s grammar, 0 otherwise.  When it
 * is, *repr_len (when not NULL) receives strlen of sk_num_repr() of its
 * value, and *value (when not NULL) receives the value.  For plain decimal text
 * with at most 15 significant digits the length is derived from the digits
 * alone, without converting to binary and back.
 */
int sk_num_scan(const char *s, size_t len, double *value, size_t *repr_len);

/*
 * A concurrency level, the rule every sweep reader applies to the
 * `concurrency` column (sweep.h, summarize.h, stats.h): `s[0..len)` must
 * be a finite number > 0 by sk_num_parse()'s grammar.  Returns 0 and
 * stores it in *out, or SK_EPARSE with "NAME:LINE: concurrency must be a
 * number > 0, got 'TEXT'" (TEXT cut at 60 bytes) as the last-error
 * message, the one wording of that rule.
 */
int sk_num_level(double *out, const char *s, size_t len, const char *name,
                 size_t line);

#endif
