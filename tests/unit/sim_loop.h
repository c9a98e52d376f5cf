/*
 * Per-query rows drawn in-process from serve-sim's model (sim.h): a
 * closed loop of `conc` clients, each sending its next request the moment
 * its last one ends, in virtual time (no sockets, no sleeping).  Rows
 * follow SIM_LOOP_HEADER, the per-query schema's columns summarize.h
 * reads.  For tests that need a realistic sweep fast.
 */
#ifndef SWEEPKIT_TEST_SIM_LOOP_H
#define SWEEPKIT_TEST_SIM_LOOP_H

#include "harness.h"

#include "sweepkit/sim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIM_LOOP_HEADER                                                     \
    "concurrency,ttft_s,output_tokens,tokens_per_s,decode_tokens_per_s,"    \
    "start_s,end_s\n"

#define SIM_LOOP_PROMPT_TOKENS 40

struct sim_loop_run {
    double *start, *first, *end;
    size_t *ntok;
    size_t next;     /* requests submitted */
    size_t finished; /* requests ended */
    uint64_t *pending; /* requests ended since the last submission */
    size_t npending;
};

static void sim_loop_event(void *ctx, const sk_sim_event *ev)
{
    struct sim_loop_run *r = ctx;
    double t = (double)ev->t_ns / 1e9;

    if (ev->token && ev->index == 0)
        r->first[ev->tag] = t;
    if (ev->token)
        r->ntok[ev->tag]++;
    if (ev->last) {
        r->end[ev->tag] = t;
        r->finished++;
        r->pending[r->npending++] = ev->tag; /* its client is free */
    }
}

/* One level: `queries` requests of `tokens` tokens by `conc` clients on
 * the model `p`; appends its rows to fp. */
static void sim_loop_level(FILE *fp, const sk_sim_params *p, size_t conc,
                           size_t queries, size_t tokens)
{
    struct sim_loop_run r;
    sk_sim *s = NULL;
    size_t i;
    int64_t now = 0;

    memset(&r, 0, sizeof(r));
    r.start = calloc(queries, sizeof(double));
    r.first = calloc(queries, sizeof(double));
    r.end = calloc(queries, sizeof(double));
    r.ntok = calloc(queries, sizeof(size_t));
    r.pending = calloc(queries, sizeof(uint64_t));
    CHECK(r.start && r.first && r.end && r.ntok && r.pending);
    if (!r.start || !r.first || !r.end || !r.ntok || !r.pending)
        goto done;
    CHECK_INT(sk_sim_new(&s, p, sim_loop_event, &r), 0);
    for (i = 0; s && i < conc && r.next < queries; i++, r.next++)
        sk_sim_submit(s, NULL, 0, r.next, SIM_LOOP_PROMPT_TOKENS, tokens);
    while (s && r.finished < queries) {
        now = sk_sim_next_event_ns(s);
        if (now == INT64_MAX)
            break;
        sk_sim_advance(s, now);
        /* each free client sends its next request at once */
        for (; r.npending > 0 && r.next < queries; r.npending--, r.next++) {
            r.start[r.next] = (double)now / 1e9;
            sk_sim_submit(s, NULL, now, r.next, SIM_LOOP_PROMPT_TOKENS,
                          tokens);
        }
        r.npending = 0;
    }
    sk_sim_free(s);
    for (i = 0; i < queries; i++) {
        double lat = r.end[i] - r.start[i], ttft = r.first[i] - r.start[i];

        fprintf(fp, "%zu,%.9f,%zu,%.9f,%.9f,%.9f,%.9f\n", conc, ttft,
                r.ntok[i], (double)r.ntok[i] / lat,
                (double)(r.ntok[i] - 1) / (lat - ttft), r.start[i], r.end[i]);
    }
done:
    free(r.start);
    free(r.first);
    free(r.end);
    free(r.ntok);
    free(r.pending);
}

#endif
