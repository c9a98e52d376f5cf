/*
 * The Prometheus text exposition format (version 0.0.4), one line at a
 * time, as a server's /metrics gives it (vLLM, llama-server --metrics):
 *
 *   # HELP name text          (comments: skipped)
 *   name{label="value",...} 3.5 [timestamp]
 *
 * A sample's name is [a-zA-Z_:][a-zA-Z0-9_:]*, its labels name="value"
 * pairs with \" \\ \n escapes, its value a float or +Inf, -Inf, NaN.
 *
 * Ownership: a sample's strings point into the caller's buffer `line`
 * (name) or into the sample itself (labels, unescaped).
 */
#ifndef SWEEPKIT_PROM_H
#define SWEEPKIT_PROM_H

#include <stddef.h>

#define SK_PROM_LABELS_MAX 512 /* bytes of a sample's labels, as kept */

typedef struct {
    const char *name; /* into the line; not NUL-terminated */
    size_t name_len;
    char labels[SK_PROM_LABELS_MAX]; /* name="value" pairs as written,
                                        comma-separated; "" none */
    double value;
} sk_prom_sample;

/*
 * Read one line (without its newline; a final '\r' is ignored).
 * Returns 1 for a sample (*out filled), 0 for a blank line or a comment,
 * or SK_EPARSE with a message saying what is wrong ("expected a value
 * after the name", "unterminated label value", "labels over 512 bytes").
 */
int sk_prom_parse_line(sk_prom_sample *out, const char *line, size_t len);

#endif
