/*
 * Small helpers the collector's parsers share (chunk.c, scrub.c);
 * private to src/lib/collect/.
 */
#ifndef SK_COLLECT_INT_H
#define SK_COLLECT_INT_H

/* The value of hex digit `c` (0-9, a-f, A-F), or -1. */
static inline int sk_collect__hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
