/*
 * The serve-sim scheduler (model in sim.h and docs/serve-sim.md).
 *
 * State: a table of max_requests request records (free list, FIFO queue
 * as a doubly linked list, so a cancelled request leaves in O(1)), a
 * min-heap of prefill ends keyed by (time, admission order), the sequences
 * of the current step ("batch") and those that finished prefill and wait
 * for the next step ("join").  All arrays are allocated by sk_sim_new();
 * nothing allocates afterwards.
 */
#include "sweepkit/sim.h"

#include "sweepkit/error.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define MAX_SLOTS 65536
#define MAX_REQUESTS ((size_t)1 << 24)
#define MAX_MS 1e6
#define MAX_CAP 1000000
/* Saturation for prefill products, far beyond any real schedule. */
#define FAR_NS ((int64_t)1 << 60)

enum { R_FREE, R_QUEUED, R_PREFILL, R_JOIN, R_BATCH };

struct req {
    uint64_t tag;
    uint64_t admit_seq;
    int64_t prefill_end;
    size_t prompt, out, emitted;
    uint32_t gen;
    uint32_t prev, next; /* queue links; `next` also links the free list */
    uint32_t pos;        /* index in heap, join or batch */
    int state;
};

struct sk_sim {
    sk_sim_params p;
    int64_t a_ns, b_ns, p_ns;
    sk_sim_event_fn fn;
    void *ctx;
    struct req *reqs;
    uint32_t free_head;
    uint32_t q_head, q_tail;
    size_t nqueued, active;
    uint32_t *heap, *join, *batch;
    size_t nheap, njoin, nbatch;
    int stepping;
    int64_t step_end;
    int64_t clock;
    uint64_t admit_seq, rng, steps, tokens;
};

void sk_sim_params_default(sk_sim_params *p)
{
    memset(p, 0, sizeof(*p));
    p->slots = 8;
    p->step_ms = 20;
    p->step_ms_per_seq = 2;
    p->prefill_ms_per_token = 0.1;
    p->max_tokens_cap = 4096;
    p->max_requests = 65536;
}

static int bad_ms(double v)
{
    return !isfinite(v) || v < 0 || v > MAX_MS;
}

int sk_sim_params_check(const sk_sim_params *p)
{
    if (p->slots < 1 || p->slots > MAX_SLOTS)
        return sk_error_set(SK_EINVAL, "slots: %zu is not in 1..%d", p->slots,
                            MAX_SLOTS);
    if (bad_ms(p->step_ms))
        return sk_error_set(SK_EINVAL, "step-ms: %g is not in 0..%g",
                            p->step_ms, MAX_MS);
    if (bad_ms(p->step_ms_per_seq))
        return sk_error_set(SK_EINVAL, "step-ms-per-seq: %g is not in 0..%g",
                            p->step_ms_per_seq, MAX_MS);
    if (llround(p->step_ms * 1e6) + llround(p->step_ms_per_seq * 1e6) < 1)
        return sk_error_set(SK_EINVAL, "step-ms + step-ms-per-seq must be "
                                       "at least 1 ns");
    if (bad_ms(p->prefill_ms_per_token))
        return sk_error_set(SK_EINVAL,
                            "prefill-ms-per-token: %g is not in 0..%g",
                            p->prefill_ms_per_token, MAX_MS);
    if (p->max_tokens_cap < 1 || p->max_tokens_cap > MAX_CAP)
        return sk_error_set(SK_EINVAL, "max-tokens-cap: %zu is not in 1..%d",
                            p->max_tokens_cap, MAX_CAP);
    if (!isfinite(p->jitter) || p->jitter < 0 || p->jitter > 0.5)
        return sk_error_set(SK_EINVAL, "jitter: %g is not in 0..0.5",
                            p->jitter);
    if (p->max_requests < p->slots || p->max_requests > MAX_REQUESTS)
        return sk_error_set(SK_EINVAL, "max-requests: %zu is not in %zu..%zu",
                            p->max_requests, p->slots, MAX_REQUESTS);
    return 0;
}

int64_t sk_sim_step_ns(const sk_sim_params *p, size_t b)
{
    return llround(p->step_ms * 1e6) +
           llround(p->step_ms_per_seq * 1e6) * (int64_t)b;
}

static int64_t prefill_ns(int64_t p_ns, size_t n)
{
    if (p_ns > 0 && n > (size_t)(FAR_NS / p_ns))
        return FAR_NS;
    return p_ns * (int64_t)n;
}

int64_t sk_sim_prefill_ns(const sk_sim_params *p, size_t prompt_tokens)
{
    return prefill_ns(llround(p->prefill_ms_per_token * 1e6), prompt_tokens);
}

double sk_sim_stream_tokens_per_s(const sk_sim_params *p)
{
    return 1e9 / (double)sk_sim_step_ns(p, 1);
}

double sk_sim_throughput_tokens_per_s(const sk_sim_params *p, size_t streams)
{
    size_t b = streams < p->slots ? streams : p->slots;

    return b ? (double)b * 1e9 / (double)sk_sim_step_ns(p, b) : 0.0;
}

size_t sk_sim_prompt_tokens(size_t bytes)
{
    return bytes / 4 + (bytes % 4 != 0);
}

size_t sk_sim_output_tokens(const sk_sim_params *p, long long requested,
                            int ignore_eos, int *finish_length)
{
    size_t n;
    int length = 1;

    if (requested >= 0)
        n = (unsigned long long)requested < p->max_tokens_cap
                ? (size_t)requested
                : p->max_tokens_cap;
    else if (ignore_eos)
        n = p->max_tokens_cap;
    else {
        n = SK_SIM_DEFAULT_TOKENS < p->max_tokens_cap ? SK_SIM_DEFAULT_TOKENS
                                                      : p->max_tokens_cap;
        length = 0;
    }
    if (finish_length)
        *finish_length = length;
    return n;
}

/* splitmix64 (Steele, Lea, Flood 2014): the seed-to-stream mixer. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Stored with the leading space; index 0 skips it. */
static const char *const words[] = {
    " the",    " model",  " token",   " stream", " server", " batch",
    " slot",   " step",   " time",    " queue",  " first",  " last",
    " simple", " steady", " quick",   " long",   " small",  " large",
    " and",    " of",     " to",      " in",     " is",     " it",
    " that",   " with",   " for",     " as",     " on",     " by",
    " this",   " we",     " data",    " run",    " load",   " rate",
    " sweep",  " level",  " point",   " curve",  " test",   " value",
    " mean",   " peak",   " flat",    " grows",  " waits",  " sends",
    " reads",  " counts", " decodes", " yields", " holds",  " frees",
    " a",      " one",    " two",     " three",  " more",   " less",
    " here",   " there",  " now",     " then",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

const char *sk_sim_token_text(uint64_t seed, uint64_t request, size_t index,
                              size_t *len)
{
    uint64_t h = mix64(seed ^ mix64(request ^ mix64((uint64_t)index)));
    const char *w = words[h % NWORDS] + (index == 0);

    if (len)
        *len = strlen(w);
    return w;
}

/* ---- the scheduler ------------------------------------------------------ */

static int heap_less(const sk_sim *s, uint32_t a, uint32_t b)
{
    const struct req *x = &s->reqs[a], *y = &s->reqs[b];

    if (x->prefill_end != y->prefill_end)
        return x->prefill_end < y->prefill_end;
    return x->admit_seq < y->admit_seq;
}

static void heap_set(sk_sim *s, size_t i, uint32_t r)
{
    s->heap[i] = r;
    s->reqs[r].pos = (uint32_t)i;
}

static void heap_up(sk_sim *s, size_t i)
{
    uint32_t r = s->heap[i];

    while (i > 0 && heap_less(s, r, s->heap[(i - 1) / 2])) {
        heap_set(s, i, s->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(s, i, r);
}

static void heap_down(sk_sim *s, size_t i)
{
    uint32_t r = s->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= s->nheap)
            break;
        if (c + 1 < s->nheap && heap_less(s, s->heap[c + 1], s->heap[c]))
            c++;
        if (!heap_less(s, s->heap[c], r))
            break;
        heap_set(s, i, s->heap[c]);
        i = c;
    }
    heap_set(s, i, r);
}

static void heap_remove(sk_sim *s, size_t i)
{
    uint32_t moved = s->heap[--s->nheap];

    if (i == s->nheap)
        return;
    heap_set(s, i, moved);
    heap_down(s, i);
    heap_up(s, s->reqs[moved].pos);
}

static void list_remove(sk_sim *s, uint32_t *arr, size_t *n, uint32_t i)
{
    uint32_t moved = arr[--*n];

    if (i != *n) {
        arr[i] = moved;
        s->reqs[moved].pos = i;
    }
}

int sk_sim_new(sk_sim **out, const sk_sim_params *p, sk_sim_event_fn fn,
               void *ctx)
{
    sk_sim *s;
    size_t i;
    int rc;

    *out = NULL;
    if ((rc = sk_sim_params_check(p)) != 0)
        return rc;
    if (!(s = calloc(1, sizeof(*s))))
        return sk_error_set(SK_ENOMEM, "sim: out of memory");
    s->p = *p;
    s->a_ns = llround(p->step_ms * 1e6);
    s->b_ns = llround(p->step_ms_per_seq * 1e6);
    s->p_ns = llround(p->prefill_ms_per_token * 1e6);
    s->fn = fn;
    s->ctx = ctx;
    s->reqs = calloc(p->max_requests, sizeof(*s->reqs));
    s->heap = calloc(p->slots, sizeof(uint32_t));
    s->join = calloc(p->slots, sizeof(uint32_t));
    s->batch = calloc(p->slots, sizeof(uint32_t));
    if (!s->reqs || !s->heap || !s->join || !s->batch) {
        sk_sim_free(s);
        return sk_error_set(SK_ENOMEM,
                            "sim: out of memory for %zu "
                            "requests",
                            p->max_requests);
    }
    for (i = 0; i < p->max_requests; i++) {
        s->reqs[i].gen = 1;
        s->reqs[i].next = i + 1 < p->max_requests ? (uint32_t)(i + 1) : NONE;
    }
    s->free_head = 0;
    s->q_head = s->q_tail = NONE;
    s->rng = mix64(p->seed ^ 0x5eed5eedULL);
    *out = s;
    return 0;
}

void sk_sim_free(sk_sim *s)
{
    if (!s)
        return;
    free(s->reqs);
    free(s->heap);
    free(s->join);
    free(s->batch);
    free(s);
}

static void emit(sk_sim *s, const struct req *r, int64_t t, int token, int last)
{
    sk_sim_event ev;

    ev.tag = r->tag;
    ev.t_ns = t;
    ev.index = token ? r->emitted - 1 : 0;
    ev.token = token;
    ev.last = last;
    s->tokens += (uint64_t)token;
    if (s->fn)
        s->fn(s->ctx, &ev);
}

/* Give free slots to the head of the queue at time t. */
static void admit(sk_sim *s, int64_t t)
{
    while (s->active < s->p.slots && s->q_head != NONE) {
        uint32_t i = s->q_head;
        struct req *r = &s->reqs[i];

        s->q_head = r->next;
        if (s->q_head == NONE)
            s->q_tail = NONE;
        else
            s->reqs[s->q_head].prev = NONE;
        s->nqueued--;
        r->state = R_PREFILL;
        r->prefill_end = t + prefill_ns(s->p_ns, r->prompt);
        r->admit_seq = s->admit_seq++;
        s->active++;
        s->heap[s->nheap++] = i;
        heap_up(s, s->nheap - 1);
    }
}

/* The request's record goes back to the free list; a held slot is passed
 * on at time t. */
static void release(sk_sim *s, uint32_t i, int64_t t)
{
    struct req *r = &s->reqs[i];
    int held = r->state != R_QUEUED;

    r->state = R_FREE;
    r->gen++;
    r->next = s->free_head;
    s->free_head = i;
    if (held) {
        s->active--;
        admit(s, t);
    }
}

static size_t end_step(sk_sim *s)
{
    int64_t t = s->step_end;
    size_t i, w = 0, n = s->nbatch;

    s->stepping = 0;
    s->steps++;
    for (i = 0; i < n; i++) {
        uint32_t ri = s->batch[i];
        struct req *r = &s->reqs[ri];
        int last;

        r->emitted++;
        last = r->emitted == r->out;
        emit(s, r, t, 1, last);
        if (last)
            release(s, ri, t); /* admissions go to the heap, not here */
        else {
            s->batch[w] = ri;
            r->pos = (uint32_t)w++;
        }
    }
    s->nbatch = w;
    return n;
}

static size_t end_prefill(sk_sim *s)
{
    uint32_t ri = s->heap[0];
    struct req *r = &s->reqs[ri];
    int64_t t = r->prefill_end;

    heap_remove(s, 0);
    if (r->out == 0) {
        emit(s, r, t, 0, 1);
        release(s, ri, t);
        return 1;
    }
    r->emitted = 1;
    emit(s, r, t, 1, r->out == 1);
    if (r->out == 1) {
        release(s, ri, t);
        return 1;
    }
    r->state = R_JOIN;
    r->pos = (uint32_t)s->njoin;
    s->join[s->njoin++] = ri;
    return 1;
}

static void start_step(sk_sim *s, int64_t t)
{
    int64_t d;
    size_t i;

    for (i = 0; i < s->njoin; i++) {
        uint32_t ri = s->join[i];

        s->reqs[ri].state = R_BATCH;
        s->reqs[ri].pos = (uint32_t)s->nbatch;
        s->batch[s->nbatch++] = ri;
    }
    s->njoin = 0;
    d = s->a_ns + s->b_ns * (int64_t)s->nbatch;
    if (s->p.jitter > 0) {
        /* u uniform in [-1, 1) from the top 53 bits of the stream. */
        double u;

        s->rng = mix64(s->rng);
        u = (double)(s->rng >> 11) * 0x1.0p-52 - 1.0;
        d = llround((double)d * (1.0 + s->p.jitter * u));
        if (d < 1)
            d = 1;
    }
    s->stepping = 1;
    s->step_end = t + d;
}

int64_t sk_sim_next_event_ns(const sk_sim *s)
{
    int64_t t = s->stepping ? s->step_end : INT64_MAX;

    if (s->nheap && s->reqs[s->heap[0]].prefill_end < t)
        t = s->reqs[s->heap[0]].prefill_end;
    return t;
}

size_t sk_sim_advance(sk_sim *s, int64_t now_ns)
{
    size_t n = 0;

    assert(now_ns >= s->clock);
    for (;;) {
        int64_t t = sk_sim_next_event_ns(s);

        /* A step starts once every event of its instant is processed. */
        if (!s->stepping && s->nbatch + s->njoin > 0 && t > s->clock) {
            start_step(s, s->clock);
            continue;
        }
        if (t > now_ns)
            break;
        s->clock = t;
        if (s->stepping && s->step_end == t)
            n += end_step(s);
        else
            n += end_prefill(s);
    }
    s->clock = now_ns;
    return n;
}

int sk_sim_submit(sk_sim *s, uint64_t *handle, int64_t now_ns, uint64_t tag,
                  size_t prompt_tokens, size_t output_tokens)
{
    uint32_t i;
    struct req *r;

    sk_sim_advance(s, now_ns);
    if (s->free_head == NONE)
        return sk_error_set(SK_ELIMIT,
                            "sim: %zu requests already queued "
                            "or running",
                            s->p.max_requests);
    i = s->free_head;
    r = &s->reqs[i];
    s->free_head = r->next;
    r->tag = tag;
    r->prompt = prompt_tokens;
    r->out = output_tokens;
    r->emitted = 0;
    r->state = R_QUEUED;
    r->next = NONE;
    r->prev = s->q_tail;
    if (s->q_tail == NONE)
        s->q_head = i;
    else
        s->reqs[s->q_tail].next = i;
    s->q_tail = i;
    s->nqueued++;
    if (handle)
        *handle = (uint64_t)r->gen << 32 | i;
    admit(s, now_ns);
    sk_sim_advance(s, now_ns); /* a prefill of 0 ends now */
    return 0;
}

int sk_sim_cancel(sk_sim *s, uint64_t handle, int64_t now_ns)
{
    uint32_t i = (uint32_t)(handle & 0xffffffffu);
    struct req *r;

    sk_sim_advance(s, now_ns);
    if (i >= s->p.max_requests || s->reqs[i].gen != (uint32_t)(handle >> 32) ||
        s->reqs[i].state == R_FREE)
        return sk_error_set(SK_ENOTFOUND, "sim: request already ended");
    r = &s->reqs[i];
    switch (r->state) {
    case R_QUEUED:
        if (r->prev == NONE)
            s->q_head = r->next;
        else
            s->reqs[r->prev].next = r->next;
        if (r->next == NONE)
            s->q_tail = r->prev;
        else
            s->reqs[r->next].prev = r->prev;
        s->nqueued--;
        break;
    case R_PREFILL: heap_remove(s, r->pos); break;
    case R_JOIN: list_remove(s, s->join, &s->njoin, r->pos); break;
    case R_BATCH: list_remove(s, s->batch, &s->nbatch, r->pos); break;
    }
    release(s, i, now_ns);
    sk_sim_advance(s, now_ns);
    return 0;
}

size_t sk_sim_active(const sk_sim *s)
{
    return s->active;
}

size_t sk_sim_queued(const sk_sim *s)
{
    return s->nqueued;
}

uint64_t sk_sim_steps(const sk_sim *s)
{
    return s->steps;
}

uint64_t sk_sim_tokens(const sk_sim *s)
{
    return s->tokens;
}
