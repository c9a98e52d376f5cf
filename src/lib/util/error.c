#include "sweepkit/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_msg[1024];

const char *sk_strerror(int code)
{
    switch (code) {
    case SK_OK: return "success";
    case SK_EINVAL: return "invalid argument";
    case SK_ENOMEM: return "out of memory";
    case SK_EIO: return "I/O error";
    case SK_EPARSE: return "parse error";
    case SK_ENOTFOUND: return "not found";
    case SK_ENODATA: return "no data";
    case SK_EHTTP: return "HTTP error";
    case SK_ELIMIT: return "limit exceeded";
    default: return "unknown error";
    }
}

const char *sk_error_last(void)
{
    return last_msg;
}

int sk_error_set(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
    va_end(ap);
    return code;
}

void sk_error_clear(void)
{
    last_msg[0] = '\0';
}
