/* The serve-sim model on a virtual clock: exact schedules, no sockets. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/sim.h"

#include <stdint.h>
#include <stdlib.h>

#define MS ((int64_t)1000000)
#define MAX_EV 8192

/* Every event, in the order the scheduler produced them. */
static sk_sim_event evs[MAX_EV];
static size_t nev;

static void record(void *ctx, const sk_sim_event *ev)
{
    (void)ctx;
    if (nev < MAX_EV)
        evs[nev++] = *ev;
}

/* The t_ns of token `index` of request `tag`, or -1. */
static int64_t tok_t(uint64_t tag, size_t index)
{
    size_t i;

    for (i = 0; i < nev; i++)
        if (evs[i].tag == tag && evs[i].token && evs[i].index == index)
            return evs[i].t_ns;
    return -1;
}

static size_t count_tag(uint64_t tag)
{
    size_t i, n = 0;

    for (i = 0; i < nev; i++)
        n += evs[i].tag == tag;
    return n;
}

static sk_sim *new_sim(size_t slots, double a, double b, double p)
{
    sk_sim_params prm;
    sk_sim *s = NULL;

    sk_sim_params_default(&prm);
    prm.slots = slots;
    prm.step_ms = a;
    prm.step_ms_per_seq = b;
    prm.prefill_ms_per_token = p;
    CHECK_INT(sk_sim_new(&s, &prm, record, NULL), 0);
    nev = 0;
    return s;
}

static void test_params(void)
{
    static const struct {
        size_t slots;
        double a, b, p;
        size_t cap;
        double jitter;
        size_t maxreq;
        const char *msg;
    } bad[] = {
        {0, 20, 2, 0.1, 4096, 0, 64, "slots: 0 is not in 1..65536"},
        {65537, 20, 2, 0.1, 4096, 0, 70000,
         "slots: 65537 is not in "
         "1..65536"},
        {8, -1, 2, 0.1, 4096, 0, 64, "step-ms: -1 is not in 0..1e+06"},
        {8, 20, 2e6, 0.1, 4096, 0, 64,
         "step-ms-per-seq: 2e+06 is not in "
         "0..1e+06"},
        {8, 0, 0, 0.1, 4096, 0, 64,
         "step-ms + step-ms-per-seq must be at "
         "least 1 ns"},
        {8, 20, 2, -0.5, 4096, 0, 64,
         "prefill-ms-per-token: -0.5 is not "
         "in 0..1e+06"},
        {8, 20, 2, 0.1, 0, 0, 64, "max-tokens-cap: 0 is not in 1..1000000"},
        {8, 20, 2, 0.1, 4096, 0.6, 64, "jitter: 0.6 is not in 0..0.5"},
        {8, 20, 2, 0.1, 4096, 0, 4,
         "max-requests: 4 is not in "
         "8..16777216"},
    };
    sk_sim_params p;
    sk_sim *s;
    size_t i;

    sk_sim_params_default(&p);
    CHECK_INT(p.slots, 8);
    CHECK_NEAR(p.step_ms, 20, 0);
    CHECK_NEAR(p.step_ms_per_seq, 2, 0);
    CHECK_NEAR(p.prefill_ms_per_token, 0.1, 0);
    CHECK_INT(p.max_tokens_cap, 4096);
    CHECK_NEAR(p.jitter, 0, 0);
    CHECK_INT(sk_sim_params_check(&p), 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_sim_params_default(&p);
        p.slots = bad[i].slots;
        p.step_ms = bad[i].a;
        p.step_ms_per_seq = bad[i].b;
        p.prefill_ms_per_token = bad[i].p;
        p.max_tokens_cap = bad[i].cap;
        p.jitter = bad[i].jitter;
        p.max_requests = bad[i].maxreq;
        CHECK_INT(sk_sim_params_check(&p), SK_EINVAL);
        CHECK_STR(sk_error_last(), bad[i].msg);
        s = (sk_sim *)&p; /* must be reset to NULL on failure */
        CHECK_INT(sk_sim_new(&s, &p, NULL, NULL), SK_EINVAL);
        CHECK(s == NULL);
    }
}

static void test_formulas(void)
{
    sk_sim_params p;
    int len = -1;
    size_t n;

    sk_sim_params_default(&p); /* S=8, A=20, B=2, P=0.1 */
    CHECK_INT(sk_sim_step_ns(&p, 0), 20 * MS);
    CHECK_INT(sk_sim_step_ns(&p, 1), 22 * MS);
    CHECK_INT(sk_sim_step_ns(&p, 8), 36 * MS);
    CHECK_INT(sk_sim_prefill_ns(&p, 100), 10 * MS);
    CHECK_INT(sk_sim_prefill_ns(&p, 0), 0);
    CHECK_NEAR(sk_sim_stream_tokens_per_s(&p), 1000.0 / 22, 1e-9);
    CHECK_NEAR(sk_sim_throughput_tokens_per_s(&p, 0), 0, 0);
    CHECK_NEAR(sk_sim_throughput_tokens_per_s(&p, 1), 1000.0 / 22, 1e-9);
    CHECK_NEAR(sk_sim_throughput_tokens_per_s(&p, 4), 4000.0 / 28, 1e-9);
    CHECK_NEAR(sk_sim_throughput_tokens_per_s(&p, 8), 8000.0 / 36, 1e-9);
    /* Flat beyond S slots. */
    CHECK_NEAR(sk_sim_throughput_tokens_per_s(&p, 16), 8000.0 / 36, 1e-9);
    CHECK_NEAR(sk_sim_throughput_tokens_per_s(&p, 1000), 8000.0 / 36, 1e-9);

    CHECK_INT(sk_sim_prompt_tokens(0), 0);
    CHECK_INT(sk_sim_prompt_tokens(1), 1);
    CHECK_INT(sk_sim_prompt_tokens(4), 1);
    CHECK_INT(sk_sim_prompt_tokens(5), 2);
    CHECK_INT(sk_sim_prompt_tokens(400), 100);
    CHECK_INT(sk_sim_prompt_tokens(401), 101);

    n = sk_sim_output_tokens(&p, 128, 0, &len);
    CHECK_INT(n, 128);
    CHECK_INT(len, 1);
    CHECK_INT(sk_sim_output_tokens(&p, 0, 0, NULL), 0);
    CHECK_INT(sk_sim_output_tokens(&p, 5000, 0, &len), 4096);
    CHECK_INT(len, 1);
    CHECK_INT(sk_sim_output_tokens(&p, -1, 0, &len), SK_SIM_DEFAULT_TOKENS);
    CHECK_INT(len, 0);
    CHECK_INT(sk_sim_output_tokens(&p, -1, 1, &len), 4096);
    CHECK_INT(len, 1);
    p.max_tokens_cap = 100;
    CHECK_INT(sk_sim_output_tokens(&p, -1, 0, &len), 100);
    CHECK_INT(len, 0);
}

static void test_token_text(void)
{
    size_t len, i, same = 0;
    const char *a = sk_sim_token_text(7, 3, 0, &len);

    CHECK(a[0] != ' ' && len == strlen(a) && len > 0);
    CHECK_STR(sk_sim_token_text(7, 3, 0, NULL), a);
    for (i = 1; i < 64; i++) {
        const char *w = sk_sim_token_text(7, 3, i, &len);
        size_t j;

        CHECK(w[0] == ' ' && len >= 2);
        for (j = 1; j < len; j++)
            CHECK(w[j] >= 'a' && w[j] <= 'z');
        same += strcmp(w, sk_sim_token_text(8, 3, i, NULL)) == 0;
    }
    CHECK(same < 32); /* another seed, another text */
}

/* One stream: first token at the prefill end, then one per A+B. */
static void test_single_stream(void)
{
    sk_sim *s = new_sim(8, 20, 2, 0.1);
    uint64_t h;
    size_t k;

    CHECK_INT(sk_sim_submit(s, &h, 0, 1, 100, 128), 0);
    CHECK_INT(sk_sim_active(s), 1);
    CHECK_INT(sk_sim_next_event_ns(s), 10 * MS);
    CHECK_INT(sk_sim_advance(s, 10 * MS - 1), 0);
    CHECK_INT(sk_sim_advance(s, 10 * MS), 1);
    CHECK_INT(sk_sim_next_event_ns(s), 32 * MS);
    sk_sim_advance(s, 10000 * MS);
    CHECK_INT(nev, 128);
    for (k = 0; k < 128; k++) {
        CHECK_INT(evs[k].t_ns, 10 * MS + (int64_t)k * 22 * MS);
        CHECK_INT(evs[k].index, k);
        CHECK_INT(evs[k].token, 1);
        CHECK_INT(evs[k].last, k == 127);
    }
    /* 127 decode tokens over 2794 ms: 1000/22 tokens/s. */
    CHECK_INT(tok_t(1, 127), 2804 * MS);
    CHECK_NEAR(127e9 / (double)(tok_t(1, 127) - tok_t(1, 0)), 1000.0 / 22,
               1e-9);
    CHECK_INT(sk_sim_active(s), 0);
    CHECK_INT(sk_sim_steps(s), 127);
    CHECK_INT(sk_sim_tokens(s), 128);
    CHECK_INT(sk_sim_next_event_ns(s), INT64_MAX);
    CHECK_INT(sk_sim_cancel(s, h, 10000 * MS), SK_ENOTFOUND);
    sk_sim_free(s);
}

/* 8 streams fill the 8 slots: steps of A + 8B = 36 ms. */
static void test_eight_streams(void)
{
    sk_sim *s = new_sim(8, 20, 2, 0.1);
    uint64_t tag;
    size_t k;
    int64_t first = INT64_MAX, last = 0;

    for (tag = 1; tag <= 8; tag++)
        CHECK_INT(sk_sim_submit(s, NULL, 0, tag, 100, 128), 0);
    CHECK_INT(sk_sim_active(s), 8);
    CHECK_INT(sk_sim_queued(s), 0);
    sk_sim_advance(s, 100000 * MS);
    CHECK_INT(nev, 8 * 128);
    for (tag = 1; tag <= 8; tag++) {
        for (k = 0; k < 128; k++)
            CHECK_INT(tok_t(tag, k), 10 * MS + (int64_t)k * 36 * MS);
        first = tok_t(tag, 0) < first ? tok_t(tag, 0) : first;
        last = tok_t(tag, 127) > last ? tok_t(tag, 127) : last;
    }
    CHECK_INT(last, 4582 * MS);
    /* Total decode throughput: 8 * 127 tokens over 127 steps of 36 ms. */
    CHECK_NEAR(8 * 127e9 / (double)(last - first), 8000.0 / 36, 1e-9);
    sk_sim_free(s);
}

/* 16 requests, 8 slots: the 9th..16th get the slots freed at 4582 ms and
 * their first token one prefill (10 ms) later. */
static void test_queueing(void)
{
    sk_sim *s = new_sim(8, 20, 2, 0.1);
    uint64_t tag;

    for (tag = 1; tag <= 16; tag++)
        CHECK_INT(sk_sim_submit(s, NULL, 0, tag, 100, 128), 0);
    CHECK_INT(sk_sim_active(s), 8);
    CHECK_INT(sk_sim_queued(s), 8);
    sk_sim_advance(s, 4582 * MS - 1);
    CHECK_INT(sk_sim_queued(s), 8);
    sk_sim_advance(s, 4582 * MS);
    CHECK_INT(sk_sim_queued(s), 0);
    CHECK_INT(sk_sim_active(s), 8);
    sk_sim_advance(s, 100000 * MS);
    for (tag = 1; tag <= 8; tag++) {
        CHECK_INT(tok_t(tag, 0), 10 * MS);
        CHECK_INT(tok_t(tag, 127), 4582 * MS);
    }
    for (tag = 9; tag <= 16; tag++) {
        /* TTFT = time the slot frees + prefill. */
        CHECK_INT(tok_t(tag, 0), 4582 * MS + 10 * MS);
        CHECK_INT(tok_t(tag, 1), 4592 * MS + 36 * MS);
        CHECK_INT(tok_t(tag, 127), 4592 * MS + 127 * 36 * MS);
    }
    CHECK_INT(nev, 16 * 128);
    sk_sim_free(s);
}

/* A request whose prefill ends during a step joins at the next step. */
static void test_join_mid_step(void)
{
    sk_sim *s = new_sim(8, 20, 2, 0);

    sk_sim_submit(s, NULL, 0, 1, 0, 3);      /* tokens at 0, 22, 46 */
    sk_sim_submit(s, NULL, 5 * MS, 2, 0, 3); /* 5, 46, 68 */
    sk_sim_advance(s, 1000 * MS);
    CHECK_INT(tok_t(1, 0), 0);
    CHECK_INT(tok_t(1, 1), 22 * MS);
    CHECK_INT(tok_t(1, 2), 46 * MS); /* step 22..46 holds 2 sequences */
    CHECK_INT(tok_t(2, 0), 5 * MS);
    CHECK_INT(tok_t(2, 1), 46 * MS);
    CHECK_INT(tok_t(2, 2), 68 * MS); /* alone again: 22 ms */
    sk_sim_free(s);
}

/* Ties: a step end and a prefill end at the same instant. */
static void test_ties(void)
{
    sk_sim *s = new_sim(8, 10, 1, 1);
    size_t i;

    sk_sim_submit(s, NULL, 0, 1, 0, 3);      /* 0, 11, 23 */
    sk_sim_submit(s, NULL, 6 * MS, 2, 5, 3); /* prefill ends at 11 */
    sk_sim_advance(s, 1000 * MS);
    CHECK_INT(nev, 6);
    CHECK_INT(evs[1].tag, 1); /* the step end first ... */
    CHECK_INT(evs[1].t_ns, 11 * MS);
    CHECK_INT(evs[2].tag, 2); /* ... then the prefill end */
    CHECK_INT(evs[2].t_ns, 11 * MS);
    CHECK_INT(tok_t(1, 2), 23 * MS); /* and both in the step 11..23 */
    CHECK_INT(tok_t(2, 1), 23 * MS);
    CHECK_INT(tok_t(2, 2), 34 * MS);
    for (i = 1; i < nev; i++)
        CHECK(evs[i].t_ns >= evs[i - 1].t_ns);
    sk_sim_free(s);
}

static void test_cancel(void)
{
    sk_sim *s = new_sim(1, 20, 2, 0.1);
    uint64_t h1, h2, h3, h4;

    /* r1: tokens at 10, 32, 54 ...; cancelled at 40 mid-step. */
    sk_sim_submit(s, &h1, 0, 1, 100, 100);
    sk_sim_submit(s, &h2, 0, 2, 100, 3);
    CHECK_INT(sk_sim_queued(s), 1);
    CHECK_INT(sk_sim_cancel(s, h1, 40 * MS), 0);
    CHECK_INT(sk_sim_cancel(s, h1, 40 * MS), SK_ENOTFOUND);
    CHECK_INT(sk_sim_active(s), 1); /* r2 got the slot at 40 */
    CHECK_INT(sk_sim_queued(s), 0);
    sk_sim_advance(s, 1000 * MS);
    CHECK_INT(count_tag(1), 2); /* 10 and 32 only */
    CHECK_INT(tok_t(2, 0), 50 * MS);
    /* The step in progress (32..54) keeps its length, empty. */
    CHECK_INT(tok_t(2, 1), 76 * MS);
    CHECK_INT(tok_t(2, 2), 98 * MS);
    CHECK_INT(sk_sim_cancel(s, h2, 1000 * MS), SK_ENOTFOUND);

    /* Cancelling a queued request: the next one moves up. */
    nev = 0;
    sk_sim_submit(s, &h1, 2000 * MS, 1, 0, 2);
    sk_sim_submit(s, &h2, 2000 * MS, 2, 0, 2);
    sk_sim_submit(s, &h3, 2000 * MS, 3, 0, 2);
    CHECK_INT(sk_sim_queued(s), 2);
    CHECK_INT(sk_sim_cancel(s, h2, 2001 * MS), 0);
    CHECK_INT(sk_sim_queued(s), 1);
    sk_sim_advance(s, 3000 * MS);
    CHECK_INT(count_tag(2), 0);
    CHECK_INT(tok_t(1, 1), 2022 * MS);
    CHECK_INT(tok_t(3, 0), 2022 * MS); /* slot freed at 2022 */

    /* Cancelling during prefill; a bogus handle. */
    nev = 0;
    sk_sim_submit(s, &h4, 4000 * MS, 4, 100, 5);
    CHECK_INT(sk_sim_cancel(s, h4, 4005 * MS), 0);
    CHECK_INT(sk_sim_active(s), 0);
    CHECK_INT(sk_sim_cancel(s, (uint64_t)7 << 32 | 999999, 4005 * MS),
              SK_ENOTFOUND);
    sk_sim_advance(s, 5000 * MS);
    CHECK_INT(nev, 0);
    CHECK_INT(sk_sim_next_event_ns(s), INT64_MAX);
    (void)h3;
    sk_sim_free(s);
}

static void test_small_outputs(void)
{
    sk_sim *s = new_sim(1, 20, 2, 0.1);

    sk_sim_submit(s, NULL, 0, 1, 40, 0); /* ends at 4 ms, no token */
    sk_sim_submit(s, NULL, 0, 2, 40, 1); /* admitted at 4, token at 8 */
    sk_sim_submit(s, NULL, 0, 3, 0, 2);  /* admitted at 8: 8, 30 */
    sk_sim_advance(s, 1000 * MS);
    CHECK_INT(nev, 4);
    CHECK_INT(evs[0].tag, 1);
    CHECK_INT(evs[0].token, 0);
    CHECK_INT(evs[0].last, 1);
    CHECK_INT(evs[0].t_ns, 4 * MS);
    CHECK_INT(evs[1].tag, 2);
    CHECK_INT(evs[1].token, 1);
    CHECK_INT(evs[1].last, 1);
    CHECK_INT(evs[1].t_ns, 8 * MS);
    CHECK_INT(tok_t(3, 0), 8 * MS);
    CHECK_INT(tok_t(3, 1), 30 * MS);
    CHECK_INT(sk_sim_tokens(s), 3);
    sk_sim_free(s);
}

static void test_capacity(void)
{
    sk_sim_params p;
    sk_sim *s = NULL;
    uint64_t h;

    sk_sim_params_default(&p);
    p.slots = 1;
    p.max_requests = 2;
    CHECK_INT(sk_sim_new(&s, &p, NULL, NULL), 0);
    CHECK_INT(sk_sim_submit(s, &h, 0, 1, 0, 10), 0);
    CHECK_INT(sk_sim_submit(s, NULL, 0, 2, 0, 10), 0);
    CHECK_INT(sk_sim_submit(s, NULL, 0, 3, 0, 10), SK_ELIMIT);
    CHECK_STR(sk_error_last(), "sim: 2 requests already queued or running");
    CHECK_INT(sk_sim_cancel(s, h, 1), 0);
    CHECK_INT(sk_sim_submit(s, NULL, 1, 3, 0, 10), 0);
    sk_sim_free(s);
    sk_sim_free(NULL);
}

/* Jitter: reproducible per seed, within +-jitter of the model. */
static void run_jitter(uint64_t seed, int64_t *t, size_t n)
{
    sk_sim_params p;
    sk_sim *s = NULL;
    size_t k;

    sk_sim_params_default(&p);
    p.seed = seed;
    p.jitter = 0.1;
    CHECK_INT(sk_sim_new(&s, &p, record, NULL), 0);
    nev = 0;
    sk_sim_submit(s, NULL, 0, 1, 0, n);
    sk_sim_advance(s, 100000 * MS);
    CHECK_INT(nev, n);
    for (k = 0; k < n && k < nev; k++)
        t[k] = evs[k].t_ns;
    sk_sim_free(s);
}

static void test_jitter(void)
{
    int64_t a[64], b[64], c[64];
    size_t k, differ = 0;

    run_jitter(1, a, 64);
    run_jitter(1, b, 64);
    run_jitter(2, c, 64);
    for (k = 1; k < 64; k++) {
        int64_t d = a[k] - a[k - 1];

        CHECK_INT(a[k], b[k]);
        CHECK(d >= 22 * MS * 9 / 10 && d <= 22 * MS * 11 / 10);
        differ += a[k] != c[k];
    }
    CHECK(differ > 60);
}

/* Random arrivals: every request gets exactly its tokens, in order, never
 * more than S at once, admitted first come first served. */
static size_t live, max_live;
static int64_t first_seen[200];

static void count_live(void *ctx, const sk_sim_event *ev)
{
    (void)ctx;
    if (ev->index == 0) {
        live++;
        first_seen[ev->tag] = ev->t_ns;
    }
    if (ev->last)
        live--;
    max_live = live > max_live ? live : max_live;
    record(NULL, ev);
}

static void test_random(void)
{
    sk_sim_params p;
    sk_sim *s = NULL;
    uint64_t x = 12345, tag;
    int64_t now = 0;
    size_t want[200], i;

    sk_sim_params_default(&p);
    p.slots = 5;
    CHECK_INT(sk_sim_new(&s, &p, count_live, NULL), 0);
    nev = 0;
    for (tag = 0; tag < 200; tag++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        now += (int64_t)(x >> 33) % (30 * MS);
        want[tag] = (size_t)(x >> 20) % 20 + 1;
        CHECK_INT(sk_sim_submit(s, NULL, now, tag, 50, want[tag]), 0);
        CHECK(sk_sim_active(s) <= 5);
    }
    sk_sim_advance(s, now + 100000 * MS);
    CHECK(max_live <= 5);
    CHECK_INT(live, 0);
    for (tag = 0; tag < 200; tag++) {
        CHECK_INT(count_tag(tag), want[tag]);
        CHECK(tok_t(tag, want[tag] - 1) >= tok_t(tag, 0));
        /* Same prompt length: FIFO admission keeps first tokens in
         * arrival order. */
        if (tag > 0)
            CHECK(first_seen[tag] >= first_seen[tag - 1]);
    }
    for (i = 1; i < nev; i++)
        CHECK(evs[i].t_ns >= evs[i - 1].t_ns);
    sk_sim_free(s);
}

int main(void)
{
    test_params();
    test_formulas();
    test_token_text();
    test_single_stream();
    test_eight_streams();
    test_queueing();
    test_join_mid_step();
    test_ties();
    test_cancel();
    test_small_outputs();
    test_capacity();
    test_jitter();
    test_random();
    return sk_test_done("test_sim");
}
