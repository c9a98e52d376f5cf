/*
 * Synthetic prompts and lengths (collect --input-tokens, --output-tokens;
 * docs/collect.md, "Lengths"): a query's target length drawn from a
 * normal distribution keyed by the query, and a prompt of a given number
 * of words from a fixed cycle of common English words, after a prefix
 * that makes it unique (so a server's prefix cache cannot serve one
 * query's prompt from another's).  Deterministic: the same key gives the
 * same length and text on every run.
 */
#include "collect_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 32 short common words: each one or two tokens in the usual tokenizers,
 * and 4 bytes a token on average with the space before it. */
static const char *const words[] = {
    "the",    "river", "carries", "small", "stones", "down",  "from",
    "green",  "hills", "toward",  "a",     "quiet",  "town",  "where",
    "people", "read",  "old",     "books", "about",  "ships", "that",
    "sailed", "far",   "across",  "cold",  "seas",   "under", "bright",
    "stars",  "and",   "came",    "home"};

size_t sk_collect__synth_length(double mean, double sd, uint64_t key)
{
    double u1, u2, z, v;

    if (!(sd > 0))
        return mean < 1 ? 1 : (size_t)llround(mean);
    /* Box-Muller from two uniforms in (0, 1) */
    u1 = ((double)(sk_collect__mix64(key) >> 11) + 0.5) / 9007199254740992.0;
    u2 = ((double)(sk_collect__mix64(key ^ 0x5bd1e995u) >> 11) + 0.5) /
         9007199254740992.0;
    z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
    if (z > 4)
        z = 4; /* the cap the buffers are sized for */
    if (z < -4)
        z = -4;
    v = mean + sd * z;
    return v < 1 ? 1 : (size_t)llround(v);
}

char *sk_collect__synth_text(size_t nwords, const char *prefix, size_t *len)
{
    size_t cap = strlen(prefix) + nwords * 8 + 1, n, i;
    char *s = malloc(cap);

    if (!s)
        return NULL;
    n = (size_t)snprintf(s, cap, "%s", prefix);
    for (i = 0; i < nwords; i++) {
        const char *w = words[i % (sizeof(words) / sizeof(words[0]))];
        size_t k = strlen(w);

        if (i)
            s[n++] = ' ';
        memcpy(s + n, w, k);
        n += k;
    }
    s[n] = '\0';
    *len = n;
    return s;
}
