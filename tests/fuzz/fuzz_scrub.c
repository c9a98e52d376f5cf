/*
 * Scrubbing server text (scrub.h).
 *
 * Input: one byte that picks the output capacity (1 + the byte; 255 means
 * room for any output), then, up to the first NUL, lines of secrets: a
 * line starting with 'H' is a header ("Name: value") for
 * sk_scrub_add_header(), 'U' a URL for sk_scrub_add_url(), anything else
 * a secret for sk_scrub_add_secret(), whole; the bytes after the NUL are
 * the text.  Without a NUL there is no secret and everything after the
 * first byte is the text.
 *
 * Checked: the add functions return 0, SK_EINVAL (a header without ':'
 * only) or SK_ELIMIT.  For the text scrubbed with room for everything and
 * with the chosen capacity (each into a heap buffer of exactly that size):
 * the length returned is below the capacity and is strlen(out); the
 * output is valid UTF-8 with no C0 control, DEL, C1 control, U+2028,
 * U+2029 or bidirectional control; no secret given to
 * sk_scrub_add_secret() that could appear at all (4 bytes or more, itself
 * clean as above, no '*') occurs in it.  Masking keeps lengths: the
 * output with secrets is the output without (a NULL scrubber) with some
 * bytes replaced by '*'; an empty scrubber gives the same as NULL.  The
 * cut output is a prefix of the whole one up to '*'s, cut on a character
 * boundary with at most 3 bytes of room left unused.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/scrub.h"

#define MAX_SECRETS 64

/* The first code point of s[0..n) that the output may not hold, as an
 * offset, or -1 when there is none.  s must be valid UTF-8. */
static long forbidden(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp = c, k = 0, j;

        if (c >= 0xF0)
            k = 3, cp = c & 0x07;
        else if (c >= 0xE0)
            k = 2, cp = c & 0x0F;
        else if (c >= 0x80)
            k = 1, cp = c & 0x1F;
        for (j = 1; j <= k; j++)
            cp = cp << 6 | (s[i + j] & 0x3Fu);
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
            cp == 0x2029 || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
            (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return (long)i;
        i += k + 1;
    }
    return -1;
}

static int contains(const char *h, size_t hn, const char *s, size_t sn)
{
    size_t i;

    for (i = 0; sn <= hn && i <= hn - sn; i++)
        if (memcmp(h + i, s, sn) == 0)
            return 1;
    return 0;
}

static void check_output(const char *out, size_t len, size_t cap,
                         const char *what)
{
    long bad;

    FZ_CHECK(len < cap, "%s: length %zu, capacity %zu", what, len, cap);
    FZ_CHECK(out[len] == '\0', "%s: not NUL-terminated at %zu", what, len);
    FZ_CHECK(strlen(out) == len, "%s: a NUL at %zu of %zu", what, strlen(out),
             len);
    FZ_CHECK(fz_utf8_valid(out, len), "%s: invalid UTF-8", what);
    bad = forbidden(out, len);
    FZ_CHECK(bad < 0, "%s: forbidden character at byte %ld", what, bad);
}

/* Scrub text into a heap buffer of exactly `cap` bytes. */
static char *run(const sk_scrub *sc, size_t cap, const char *text, size_t n,
                 size_t *len, const char *what)
{
    char *out = malloc(cap), *in = fz_dup(text, n);

    if (!out)
        abort();
    *len = sk_scrub_text(out, cap, sc, in, n);
    free(in);
    check_output(out, *len, cap, what);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *text, *nul;
    const char *secrets[MAX_SECRETS];
    size_t secret_n[MAX_SECRETS], nsecrets = 0, n, cap, full, i;
    size_t plain_len, empty_len, full_len, cut_len;
    char *plain, *empty_out, *full_out, *cut_out;
    sk_scrub *sc = NULL, *none = NULL;

    if (size < 1)
        return 0;
    if (sk_scrub_new(&sc) != 0 || sk_scrub_new(&none) != 0)
        abort();
    nul = memchr(p + 1, '\0', size - 1);
    text = nul ? nul + 1 : p + 1;
    n = size - (size_t)(text - p);
    if (nul) {
        const char *line = p + 1;

        while (line < nul) {
            const char *eol = memchr(line, '\n', (size_t)(nul - line));
            size_t k = (size_t)((eol ? eol : nul) - line);
            int rc;

            if (k > 0 && (line[0] == 'H' || line[0] == 'U')) {
                char *z = malloc(k);

                if (!z)
                    abort();
                memcpy(z, line + 1, k - 1);
                z[k - 1] = '\0';
                rc = line[0] == 'H' ? sk_scrub_add_header(sc, z)
                                    : sk_scrub_add_url(sc, z);
                FZ_CHECK(
                    rc == 0 || rc == SK_ELIMIT ||
                        (rc == SK_EINVAL && line[0] == 'H' && !strchr(z, ':')),
                    "add %c: %d", line[0], rc);
                free(z);
            } else {
                char *s = fz_dup(line, k);

                rc = sk_scrub_add_secret(sc, s, k);
                free(s);
                FZ_CHECK(rc == 0 || rc == SK_ELIMIT, "add secret: %d", rc);
                if (rc == 0 && k >= SK_SCRUB_MIN_SECRET &&
                    nsecrets < MAX_SECRETS && fz_utf8_valid(line, k) &&
                    forbidden(line, k) < 0 && !memchr(line, '*', k)) {
                    secrets[nsecrets] = line;
                    secret_n[nsecrets++] = k;
                }
            }
            line += k + 1;
        }
    }

    full = 3 * n + 1; /* an invalid byte becomes 3; escapes only shrink */
    cap = data[0] == 255 ? full : (size_t)data[0] + 1;
    plain = run(NULL, full, text, n, &plain_len, "no scrubber");
    empty_out = run(none, full, text, n, &empty_len, "empty scrubber");
    full_out = run(sc, full, text, n, &full_len, "whole");
    cut_out = run(sc, cap, text, n, &cut_len, "cut");

    FZ_CHECK(empty_len == plain_len && memcmp(empty_out, plain, plain_len) == 0,
             "an empty scrubber changes the text");
    FZ_CHECK(full_len == plain_len, "masking changed the length: %zu, %zu",
             full_len, plain_len);
    for (i = 0; i < full_len; i++)
        FZ_CHECK(full_out[i] == plain[i] || full_out[i] == '*',
                 "whole: byte %zu is neither the text's nor '*'", i);
    FZ_CHECK(cut_len <= plain_len, "cut longer than whole");
    FZ_CHECK(cut_len == plain_len || cut_len + 4 > cap - 1,
             "cut at %zu with capacity %zu: room for a character left", cut_len,
             cap);
    FZ_CHECK(cut_len == plain_len ||
                 (cut_len < plain_len &&
                  ((unsigned char)plain[cut_len] & 0xC0) != 0x80),
             "cut inside a character at %zu", cut_len);
    for (i = 0; i < cut_len; i++)
        FZ_CHECK(cut_out[i] == plain[i] || cut_out[i] == '*',
                 "cut: byte %zu is neither the text's nor '*'", i);
    for (i = 0; i < nsecrets; i++) {
        FZ_CHECK(!contains(full_out, full_len, secrets[i], secret_n[i]),
                 "whole: secret %zu (%zu bytes) left in the output", i,
                 secret_n[i]);
        FZ_CHECK(!contains(cut_out, cut_len, secrets[i], secret_n[i]),
                 "cut: secret %zu (%zu bytes) left in the output", i,
                 secret_n[i]);
    }

    free(plain);
    free(empty_out);
    free(full_out);
    free(cut_out);
    sk_scrub_free(sc);
    sk_scrub_free(none);
    return 0;
}
