/*
 * The grouped loader's value arrays (stats.c), private to the files of
 * src/lib/analysis/ that serve stats: stats_pool.c.
 */
#ifndef SK_STATS_INT_H
#define SK_STATS_INT_H

#include <stddef.h>

/*
 * A pool of growable arrays on 2 MiB slabs advised as huge pages.  Every
 * value a load keeps is written once to fresh memory; in 4 KiB pages that
 * is a page fault every 512 values, which costs more than parsing them on
 * a virtual machine.  An array of up to SK_POOL_SLAB_MAX bytes is a block
 * of a power-of-two size inside a slab, and a block given up by an array
 * that grew serves the next array of that size; a larger array is a slab
 * of its own, its size rounded up to 2 MiB.  So what the pool holds is
 * at most about twice what its arrays hold, plus a slab.
 */
#define SK_POOL_SLAB ((size_t)2 << 20)
#define SK_POOL_SLAB_MAX ((size_t)1 << 20)

typedef struct sk_pool sk_pool;

sk_pool *sk_pool_new(void);

/*
 * Grow `old` (a block of `*bytes` bytes from this pool, or NULL with
 * *bytes 0) to a block of at least `want` bytes: its first `used` bytes
 * copied, `old` given back, and *bytes set to the new block's size.  NULL
 * (old untouched) when memory cannot be had.
 */
void *sk_pool_grow(sk_pool *p, void *old, size_t used, size_t *bytes,
                   size_t want);

/* Every block of the pool, and the pool. */
void sk_pool_free(sk_pool *p);

#endif
