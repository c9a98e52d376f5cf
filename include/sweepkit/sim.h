/*
 * serve-sim's performance model: a scheduler with S batch slots running
 * decode steps over a virtual clock.  Pure: no sockets, no clock reads, no
 * I/O, no allocation after sk_sim_new().  The server feeds it monotonic
 * times; tests feed it made-up ones and check exact numbers.
 *
 * The model (docs/serve-sim.md has it with worked numbers):
 *   - Times are integer nanoseconds; A, B and P are rounded to whole
 *     nanoseconds once, so every schedule is exact and reproducible.
 *   - A request waits in a FIFO queue until one of the S slots is free.
 *     Admitted at t_a, it pre-fills for P * prompt_tokens ms; its first
 *     token is emitted at the end of the prefill.
 *   - Decode steps run back to back while at least one admitted sequence
 *     has finished its prefill and still owes tokens.  A step that starts
 *     at t with b such sequences ends at t + A + B*b (times 1 + jitter*u,
 *     u uniform in [-1, 1) from the seed, when jitter is on) and emits one
 *     token to each of them.  A sequence whose prefill ends during a step
 *     joins at the next step start.  Prefill does not slow steps down.
 *   - A request frees its slot the instant it gets its last token or is
 *     cancelled; the head of the queue is admitted at that instant.
 *   - Ties at one instant: the step end first, then prefill ends in order
 *     of admission, then a new step starts.
 *   So one stream decodes at 1000/(A+B) tokens/s, b <= S streams at
 *   b*1000/(A+B*b) in total, more than S streams queue.
 *
 * Ownership: sk_sim_new() returns an object freed by sk_sim_free().
 * Thread-safety: an sk_sim must be used by one thread at a time; the pure
 * functions are thread-safe.
 */
#ifndef SWEEPKIT_SIM_H
#define SWEEPKIT_SIM_H

#include <stddef.h>
#include <stdint.h>

/* Output tokens when a request sets no limit and does not ignore EOS (the
 * sim "emits EOS" there; capped by max_tokens_cap). */
#define SK_SIM_DEFAULT_TOKENS 256

typedef struct {
    size_t slots;                /* S: batch slots, >= 1 */
    double step_ms;              /* A: fixed cost of a decode step */
    double step_ms_per_seq;      /* B: cost per sequence in the step */
    double prefill_ms_per_token; /* P: prefill cost per prompt token */
    size_t max_tokens_cap;       /* M: most output tokens of a request */
    uint64_t seed;               /* token text and jitter */
    double jitter;               /* relative step jitter, 0 (off) .. 0.5 */
    size_t max_requests;         /* queued + admitted requests, >= slots */
} sk_sim_params;

/* S=8, A=20, B=2, P=0.1, M=4096, seed 0, no jitter, 65536 requests. */
void sk_sim_params_default(sk_sim_params *p);

/* 0, or SK_EINVAL naming the first parameter out of range.  Ranges: slots
 * 1..65536, A, B, P finite in [0, 1e6] ms with A+B > 0, cap 1..1000000,
 * jitter 0..0.5, max_requests slots..16777216. */
int sk_sim_params_check(const sk_sim_params *p);

/* Duration of a step with b sequences, without jitter: A + B*b, in ns. */
int64_t sk_sim_step_ns(const sk_sim_params *p, size_t b);

/* Prefill time of a prompt: P * prompt_tokens, in ns. */
int64_t sk_sim_prefill_ns(const sk_sim_params *p, size_t prompt_tokens);

/* Decode speed of one stream alone: 1e9 / step_ns(1) tokens/s. */
double sk_sim_stream_tokens_per_s(const sk_sim_params *p);

/* Total decode throughput with `streams` concurrent streams: b = min(
 * streams, S), b * 1e9 / step_ns(b) tokens/s (0 for no streams). */
double sk_sim_throughput_tokens_per_s(const sk_sim_params *p, size_t streams);

/* The documented prompt-token rule: ceil(bytes / 4). */
size_t sk_sim_prompt_tokens(size_t bytes);

/*
 * Output tokens of a request.  `requested` < 0 means the request set no
 * limit.  With a limit: min(requested, M), finish "length".  Without:
 * M with ignore_eos ("length"), else min(SK_SIM_DEFAULT_TOKENS, M) and
 * finish "stop".  *finish_length (may be NULL) gets 1 for "length".
 */
size_t sk_sim_output_tokens(const sk_sim_params *p, long long requested,
                            int ignore_eos, int *finish_length);

/*
 * Text of token `index` of request `request`: a lower-case ASCII word
 * chosen by a hash of (seed, request, index), preceded by a space unless
 * index is 0.  No characters that need JSON escaping.  Static storage.
 */
const char *sk_sim_token_text(uint64_t seed, uint64_t request, size_t index,
                              size_t *len);

/* One thing the scheduler did to a request. */
typedef struct {
    uint64_t tag; /* what the caller passed to sk_sim_submit() */
    int64_t t_ns; /* virtual time of the event */
    size_t index; /* 0-based index of the token emitted */
    int token;    /* 1: a token is emitted; 0: a 0-token request ended */
    int last;     /* the request is complete; its slot is free */
} sk_sim_event;

/* Called for each event, in time order.  It must not call back into the
 * sk_sim (queue the work and do it after the sk_sim call returns). */
typedef void (*sk_sim_event_fn)(void *ctx, const sk_sim_event *ev);

typedef struct sk_sim sk_sim;

/* A scheduler at virtual time 0.  Returns 0, SK_EINVAL (bad parameters,
 * see sk_sim_params_check) or SK_ENOMEM.  `fn` may be NULL. */
int sk_sim_new(sk_sim **out, const sk_sim_params *p, sk_sim_event_fn fn,
               void *ctx);

/* Accepts NULL. */
void sk_sim_free(sk_sim *s);

/*
 * Process every event due at or before `now_ns` (>= the previous `now_ns`
 * given to any call), calling the event function.  Returns the number of
 * events.
 */
size_t sk_sim_advance(sk_sim *s, int64_t now_ns);

/*
 * A request arrives at `now_ns` (events due by then are processed first).
 * It is admitted at once when a slot is free, else queued.  A request of
 * 0 output tokens ends at the end of its prefill without a token.
 * *handle (may be NULL) identifies it for sk_sim_cancel().  Returns 0 or
 * SK_ELIMIT when max_requests requests are already in.
 */
int sk_sim_submit(sk_sim *s, uint64_t *handle, int64_t now_ns, uint64_t tag,
                  size_t prompt_tokens, size_t output_tokens);

/*
 * Withdraw a request at `now_ns` (events due by then are processed first,
 * so it may have completed): it gets no more events and its slot, if it
 * had one, goes to the head of the queue.  A step in progress keeps its
 * duration.  Returns 0, or SK_ENOTFOUND when the request already ended.
 */
int sk_sim_cancel(sk_sim *s, uint64_t handle, int64_t now_ns);

/* Time of the next event, or INT64_MAX when nothing is scheduled. */
int64_t sk_sim_next_event_ns(const sk_sim *s);

/* Requests holding a slot (prefill or decode), and waiting for one. */
size_t sk_sim_active(const sk_sim *s);
size_t sk_sim_queued(const sk_sim *s);

/* Steps run so far, and tokens emitted. */
uint64_t sk_sim_steps(const sk_sim *s);
uint64_t sk_sim_tokens(const sk_sim *s);

#endif
