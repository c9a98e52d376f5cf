/*
 * Growable arrays on huge-page slabs (stats_int.h).
 *
 * Blocks of 2^k bytes, 8 <= 2^k <= SK_POOL_SLAB_MAX, are cut from the
 * current slab in turn; a slab's tail too short for a block is cut into
 * the largest blocks that fit, onto their free lists.  A free block holds
 * the next free block of its size in its first bytes.  Larger arrays are
 * malloc()'s blocks of their own, listed with the slabs: realloc() grows
 * them by moving pages rather than copying (glibc), and their pages stay
 * 4 KiB, so what one holds past its values is never resident.
 */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include "stats_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MIN_SHIFT 3
#define MAX_SHIFT 20 /* SK_POOL_SLAB_MAX */
#define CLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct sk_pool {
    void *free_list[CLASSES];
    char *at, *end;   /* the current slab's uncut bytes */
    void **slabs;     /* the slabs cut into blocks, and the own ones */
    size_t nslabs, slabs_cap;
};

sk_pool *sk_pool_new(void)
{
    return calloc(1, sizeof(sk_pool));
}

/* Room in the list for one more slab or own block. */
static int list_room(sk_pool *p)
{
    size_t cap = p->slabs_cap ? 2 * p->slabs_cap : 16;
    void **l;

    if (p->nslabs < p->slabs_cap)
        return 0;
    if (!(l = realloc(p->slabs, cap * sizeof(*l))))
        return -1;
    p->slabs = l;
    p->slabs_cap = cap;
    return 0;
}

static void *slab_new(sk_pool *p)
{
    void *s;

    if (list_room(p) != 0 || !(s = aligned_alloc(SK_POOL_SLAB, SK_POOL_SLAB)))
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(s, SK_POOL_SLAB, MADV_HUGEPAGE); /* advice: fine if refused */
#endif
    p->slabs[p->nslabs++] = s;
    return s;
}

/* An own block of `bytes`: `old` grown when it is one, else a new one. */
static void *own(sk_pool *p, void *old, size_t old_bytes, size_t bytes)
{
    size_t i;
    void *b;

    if (old && old_bytes > SK_POOL_SLAB_MAX) {
        for (i = p->nslabs; i-- > 0 && p->slabs[i] != old;)
            ;
        if ((b = realloc(old, bytes)) != NULL)
            p->slabs[i] = b;
        return b;
    }
    if (list_room(p) != 0 || !(b = malloc(bytes)))
        return NULL;
    p->slabs[p->nslabs++] = b;
    return b;
}

static unsigned class_of(size_t bytes)
{
    unsigned k = MIN_SHIFT;

    while (((size_t)1 << k) < bytes)
        k++;
    return k - MIN_SHIFT;
}

static void put(sk_pool *p, unsigned c, void *b)
{
    memcpy(b, &p->free_list[c], sizeof(void *));
    p->free_list[c] = b;
}

/* A block of class c: a free one, else cut from the current slab. */
static void *block(sk_pool *p, unsigned c)
{
    size_t size = (size_t)1 << (c + MIN_SHIFT);
    void *b = p->free_list[c];

    if (b) {
        memcpy(&p->free_list[c], b, sizeof(void *));
        return b;
    }
    if ((size_t)(p->end - p->at) < size) {
        char *s;

        /* the old slab's tail, in the largest blocks that fit */
        while ((size_t)(p->end - p->at) >= ((size_t)1 << MIN_SHIFT)) {
            unsigned t = 0;

            while ((size_t)1 << (t + 1 + MIN_SHIFT) <=
                   (size_t)(p->end - p->at))
                t++;
            put(p, t, p->at);
            p->at += (size_t)1 << (t + MIN_SHIFT);
        }
        if (!(s = slab_new(p)))
            return NULL;
        p->at = s;
        p->end = s + SK_POOL_SLAB;
    }
    b = p->at;
    p->at += size;
    return b;
}

void *sk_pool_grow(sk_pool *p, void *old, size_t used, size_t *bytes,
                   size_t want)
{
    int pooled = old && *bytes <= SK_POOL_SLAB_MAX;
    size_t size = want;
    void *b;

    if (want > SK_POOL_SLAB_MAX) {
        b = own(p, old, *bytes, want);
    } else {
        size = (size_t)1 << (class_of(want) + MIN_SHIFT);
        b = block(p, class_of(want));
    }
    if (!b)
        return NULL;
    if (pooled) { /* else realloc() moved it, or there was none */
        memcpy(b, old, used);
        put(p, class_of(*bytes), old);
    }
    *bytes = size;
    return b;
}

void sk_pool_free(sk_pool *p)
{
    if (!p)
        return;
    while (p->nslabs > 0)
        free(p->slabs[--p->nslabs]);
    free(p->slabs);
    free(p);
}
