/*
 * The grouped loader's value arrays (stats.c), private to the files of
 * src/lib/analysis/ that serve stats: stats_pool.c.
 */
#ifndef SK_STATS_INT_H
#define SK_STATS_INT_H

#include <stddef.h>

/*
 * A pool of growable arrays whose blocks of 64 KiB to 1 MiB lie on 2 MiB
 * slabs advised as huge pages.  Every value a load keeps is written once
 * to fresh memory; in 4 KiB pages that is a page fault every 512 values,
 * which costs more than parsing them on a virtual machine.  Smaller
 * arrays are malloc()'s (a slab for each of their sizes would make a small
 * load hold a huge page per size), and so are larger ones (a huge page's
 * unfilled tail would be resident).
 */
#define SK_POOL_SLAB ((size_t)2 << 20)
#define SK_POOL_BLOCK_MIN ((size_t)64 << 10)
#define SK_POOL_BLOCK_MAX ((size_t)1 << 20)

typedef struct sk_pool sk_pool;

sk_pool *sk_pool_new(void);

/*
 * Grow `old` (a block of `*bytes` bytes from this pool, or NULL with
 * *bytes 0) to a block of at least `want` bytes: its first `used` bytes
 * kept, `old` given back, and *bytes set to the new block's size.  NULL
 * (old untouched) when memory cannot be had.
 */
void *sk_pool_grow(sk_pool *p, void *old, size_t used, size_t *bytes,
                   size_t want);

/* Give back a block of `bytes` bytes from sk_pool_grow() (NULL: none). */
void sk_pool_give(sk_pool *p, void *b, size_t bytes);

/* The pool's slabs, and the pool: every block must have been given back
 * or be in a slab. */
void sk_pool_free(sk_pool *p);

#endif
