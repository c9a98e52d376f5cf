/*
 * Growable arrays, the larger ones on huge-page slabs (stats_int.h).
 *
 * A slab holds blocks of one size, 64 KiB to 1 MiB: cut in turn, and
 * those given back linked through their first bytes.  The slabs of a
 * size with a block to spare are on that size's list.  A slab whose
 * blocks are all given back empties, and serves any size next; past
 * KEEP_EMPTY empty slabs it is freed.  So when arrays grow together, the
 * blocks they outgrow make the slabs of the next size, and memory is
 * about what they hold, rounded up to their sizes.
 */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include "stats_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MIN_SHIFT 16 /* SK_POOL_BLOCK_MIN */
#define MAX_SHIFT 20 /* SK_POOL_BLOCK_MAX */
#define CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define KEEP_EMPTY 2

struct slab {
    char *base;               /* SK_POOL_SLAB bytes, aligned to them */
    unsigned shift;           /* blocks of 1 << shift bytes; 0: empty */
    size_t used, cut;         /* blocks in use, blocks cut */
    void *free;               /* blocks given back */
    struct slab *prev, *next; /* on a size's list or the empty list */
};

struct sk_pool {
    struct slab **slabs; /* by base, for finding a block's slab */
    size_t nslabs, cap;
    struct slab *spare[CLASSES]; /* slabs with a block to spare */
    struct slab *empty;
    size_t nempty;
};

sk_pool *sk_pool_new(void)
{
    return calloc(1, sizeof(sk_pool));
}

static void push(struct slab **list, struct slab *s)
{
    s->prev = NULL;
    s->next = *list;
    if (*list)
        (*list)->prev = s;
    *list = s;
}

static void drop(struct slab **list, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *list = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

/* Every block of a slab in use: it is on no list. */
static int full(const struct slab *s)
{
    return !s->free && s->cut << s->shift == SK_POOL_SLAB;
}

/* The index of the first slab whose base is >= base. */
static size_t lower_bound(const sk_pool *p, const char *base)
{
    size_t lo = 0, hi = p->nslabs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((uintptr_t)p->slabs[mid]->base < (uintptr_t)base)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct slab *slab_of(const sk_pool *p, const void *b)
{
    const char *base =
        (const char *)((uintptr_t)b & ~(uintptr_t)(SK_POOL_SLAB - 1));

    return p->slabs[lower_bound(p, base)];
}

static struct slab *slab_new(sk_pool *p)
{
    struct slab *s;
    size_t at;

    if (p->nslabs == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        struct slab **l = realloc(p->slabs, cap * sizeof(*l));

        if (!l)
            return NULL;
        p->slabs = l;
        p->cap = cap;
    }
    if (!(s = calloc(1, sizeof(*s))))
        return NULL;
    if (!(s->base = aligned_alloc(SK_POOL_SLAB, SK_POOL_SLAB))) {
        free(s);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    (void)madvise(s->base, SK_POOL_SLAB, MADV_HUGEPAGE); /* advice only */
#endif
    at = lower_bound(p, s->base);
    memmove(p->slabs + at + 1, p->slabs + at,
            (p->nslabs - at) * sizeof(*p->slabs));
    p->slabs[at] = s;
    p->nslabs++;
    return s;
}

static void slab_free(sk_pool *p, struct slab *s)
{
    size_t at = lower_bound(p, s->base);

    memmove(p->slabs + at, p->slabs + at + 1,
            (p->nslabs - at - 1) * sizeof(*p->slabs));
    p->nslabs--;
    free(s->base);
    free(s);
}

static unsigned shift_of(size_t bytes)
{
    unsigned k = MIN_SHIFT;

    while (((size_t)1 << k) < bytes)
        k++;
    return k;
}

/* A block of 1 << shift bytes. */
static void *take(sk_pool *p, unsigned shift)
{
    struct slab **list = &p->spare[shift - MIN_SHIFT];
    struct slab *s = *list;
    void *b;

    if (!s) {
        if ((s = p->empty) != NULL) {
            drop(&p->empty, s);
            p->nempty--;
        } else if (!(s = slab_new(p))) {
            return NULL;
        }
        s->shift = shift;
        s->used = s->cut = 0;
        s->free = NULL;
        push(list, s);
    }
    if (s->free) {
        b = s->free;
        memcpy(&s->free, b, sizeof(void *));
    } else {
        b = s->base + (s->cut++ << shift);
    }
    s->used++;
    if (full(s))
        drop(list, s);
    return b;
}

static void give(sk_pool *p, void *b)
{
    struct slab *s = slab_of(p, b);
    struct slab **list = &p->spare[s->shift - MIN_SHIFT];

    if (full(s))
        push(list, s);
    memcpy(b, &s->free, sizeof(void *));
    s->free = b;
    if (--s->used > 0)
        return;
    drop(list, s);
    if (p->nempty == KEEP_EMPTY) {
        slab_free(p, s);
        return;
    }
    s->shift = 0;
    push(&p->empty, s);
    p->nempty++;
}

static int pooled(size_t bytes)
{
    return bytes >= SK_POOL_BLOCK_MIN && bytes <= SK_POOL_BLOCK_MAX;
}

void *sk_pool_grow(sk_pool *p, void *old, size_t used, size_t *bytes,
                   size_t want)
{
    size_t size = want;
    void *b;

    if (pooled(want)) {
        unsigned shift = shift_of(want);

        size = (size_t)1 << shift;
        b = take(p, shift);
    } else if (!old || pooled(*bytes)) {
        b = malloc(want);
    } else {
        /* its own block: realloc() (glibc moves a large one's pages) */
        if (!(b = realloc(old, want)))
            return NULL;
        *bytes = want;
        return b;
    }
    if (!b)
        return NULL;
    if (used)
        memcpy(b, old, used);
    sk_pool_give(p, old, *bytes);
    *bytes = size;
    return b;
}

void sk_pool_give(sk_pool *p, void *b, size_t bytes)
{
    if (b && pooled(bytes))
        give(p, b);
    else
        free(b);
}

void sk_pool_free(sk_pool *p)
{
    if (!p)
        return;
    while (p->nslabs > 0)
        slab_free(p, p->slabs[p->nslabs - 1]);
    free(p->slabs);
    free(p);
}
