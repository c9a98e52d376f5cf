/*
 * The one parser for numbers, lists and durations given on a command line
 * (no atoi anywhere).  Each returns 0 or SK_EINVAL with a message naming
 * the offending text and what was expected.  No allocation.
 */
#ifndef SWEEPKIT_UNITS_H
#define SWEEPKIT_UNITS_H

#include <stddef.h>

/* A non-negative decimal integer ("0", "128"), no sign, no spaces, at most
 * `max`.  `what` names the option in the message ("--count"). */
int sk_units_parse_count(size_t *out, const char *s, size_t max,
                         const char *what);

/* A finite decimal number ("2.5", "1e3"), whole text. */
int sk_units_parse_double(double *out, const char *s, const char *what);

/* A duration: a number with an optional unit ns, us, ms, s, m, h ("30s",
 * "500ms", "2.5"; bare numbers are seconds).  Must be >= 0. */
int sk_units_parse_duration(double *seconds, const char *s,
                            const char *what);

/*
 * Split a comma-separated list in place: `s` is modified, items[] receive
 * pointers into it, *n their count.  Empty items ("a,,b", trailing comma)
 * and more than `cap` items are errors.
 */
int sk_units_split_list(char **items, size_t cap, size_t *n, char *s,
                        const char *what);

#endif
