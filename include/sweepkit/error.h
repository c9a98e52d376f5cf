/*
 * sweepkit error codes and the last-error message.
 *
 * Functions that can fail return 0 on success or a negative SK_E* code.
 * On failure they also leave one line of context ("runs.csv:17: row has 9
 * fields, header has 8") that sk_error_last() returns.  The message is kept
 * per thread; it stays valid until the next failing call on that thread.
 */
#ifndef SWEEPKIT_ERROR_H
#define SWEEPKIT_ERROR_H

enum {
    SK_OK = 0,
    SK_EINVAL = -1,    /* invalid argument or option value */
    SK_ENOMEM = -2,    /* out of memory or a size cap exceeded */
    SK_EIO = -3,       /* reading or writing a file failed */
    SK_EPARSE = -4,    /* malformed input data */
    SK_ENOTFOUND = -5, /* a named column, file or entity does not exist */
    SK_ENODATA = -6,   /* input holds no usable data */
    SK_EHTTP = -7,     /* an HTTP peer failed or answered an error */
    SK_ELIMIT = -8     /* input exceeds a documented size limit */
};

/* Human-readable name of an SK_E* code ("parse error").  Never NULL. */
const char *sk_strerror(int code);

/* The last failure's one-line message, without a trailing newline.  Empty
 * string when nothing failed yet.  Borrowed: do not free. */
const char *sk_error_last(void);

/* Record a failure message (printf-style) and return `code`, so library
 * code can write `return sk_error_set(SK_EPARSE, "%s:%zu: ...", ...)`. */
int sk_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Forget the last message. */
void sk_error_clear(void);

#endif
