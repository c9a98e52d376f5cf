/*
 * Scrubbing server text (rules in scrub.h).
 *
 * sk_scrub_text() is three stages pulled one code point at a time, so that
 * nothing needs a buffer but the caller's: the escape decoder (struct src)
 * hands out bytes, the UTF-8 decoder turns them into code points, and the
 * filter writes what is kept into `out`.  The secrets are then matched in
 * `out` itself, left to right: a match starting at byte i reads only bytes
 * at i and after, so byte i can be overwritten with '*' as soon as every
 * match starting at or before it has been tried, and the masks are the
 * union of the matches in the unmasked text.
 *
 * The add functions turn each secret into its patterns (every form of
 * scrub.h, deduplicated) kept sorted by first byte, with an index, so the
 * match loop tries at each byte only the patterns that start with it.
 */
#include "sweepkit/scrub.h"

#include "collect_int.h"

#include "sweepkit/error.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pat {
    char *s;
    size_t n;
};

struct sk_scrub {
    struct pat *pats; /* sorted by first byte */
    size_t npats, cap;
    /* pats[first[b] .. first[b + 1]) start with byte b */
    size_t first[257];
};

/* memset through a volatile pointer: a wipe right before free() is not
 * optimised away. */
static void *(*const volatile wipe_fn)(void *, int, size_t) = memset;

static void wipe_free(void *p, size_t n)
{
    if (p) {
        wipe_fn(p, 0, n);
        free(p);
    }
}

/* The UTF-8 bytes of code point cp (at most U+10FFFF) into d. */
static size_t encode(unsigned char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xc0 | cp >> 6);
        d[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xe0 | cp >> 12);
        d[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        d[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (unsigned char)(0xf0 | cp >> 18);
    d[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    d[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    d[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* ---- stage 1: escapes ------------------------------------------------- */

struct src {
    const unsigned char *s;
    size_t n, i;
    int escapes; /* decode JSON and percent escapes */
    /* the bytes of the current element (a plain byte or one escape) */
    unsigned char buf[4];
    unsigned len, pos;
    /* the element is the start of an escape cut short by the end of the
     * input (its first byte, kept literally) */
    int junk;
};

/* s[at..at+k) are k hex digits (all within the input). */
static int hex_at(const struct src *r, size_t at, size_t k, unsigned *v)
{
    size_t j;

    if (at > r->n || r->n - at < k)
        return 0;
    *v = 0;
    for (j = 0; j < k; j++) {
        int h = sk_collect__hexval(r->s[at + j]);

        if (h < 0)
            return 0;
        *v = *v << 4 | (unsigned)h;
    }
    return 1;
}

/* Everything from `at` to the end of the input is hex digits (maybe none):
 * an escape that wanted more was cut by the end. */
static int hex_to_end(const struct src *r, size_t at)
{
    for (; at < r->n; at++)
        if (sk_collect__hexval(r->s[at]) < 0)
            return 0;
    return 1;
}

/* s[at..n) is a proper start of "\uXXXX" (hex digits after "\u"). */
static int cut_u_escape(const struct src *r, size_t at)
{
    size_t k = r->n - at;

    if (k >= 6)
        return 0;
    if (k >= 1 && r->s[at] != '\\')
        return 0;
    if (k >= 2 && r->s[at + 1] != 'u')
        return 0;
    return k < 2 || hex_to_end(r, at + 2);
}

/* A byte kept as it is; `junk` when it starts an escape cut short. */
static void literal(struct src *r, int junk)
{
    r->buf[0] = r->s[r->i++];
    r->len = 1;
    r->junk = junk;
}

/* Decode the next element into r->buf.  Returns 0 at the end. */
static int fill(struct src *r)
{
    unsigned c, v, lo;

    if (r->pos < r->len)
        return 1;
    r->pos = r->len = 0;
    r->junk = 0;
    if (r->i >= r->n)
        return 0;
    c = r->s[r->i];
    if (!r->escapes || (c != '\\' && c != '%')) {
        literal(r, 0);
        return 1;
    }
    if (c == '%') {
        if (hex_at(r, r->i + 1, 2, &v)) {
            r->buf[0] = (unsigned char)v;
            r->len = 1;
            r->i += 3;
        } else {
            literal(r, hex_to_end(r, r->i + 1));
        }
        return 1;
    }
    if (r->i + 1 >= r->n) { /* a backslash ends the input */
        literal(r, 1);
        return 1;
    }
    switch (r->s[r->i + 1]) {
    case '"': v = '"'; break;
    case '\\': v = '\\'; break;
    case '/': v = '/'; break;
    case 'b': v = '\b'; break;
    case 'f': v = '\f'; break;
    case 'n': v = '\n'; break;
    case 'r': v = '\r'; break;
    case 't': v = '\t'; break;
    case 'u':
        if (!hex_at(r, r->i + 2, 4, &v)) {
            literal(r, hex_to_end(r, r->i + 2));
            return 1;
        }
        if (v >= 0xd800 && v <= 0xdbff) {
            if (hex_at(r, r->i + 8, 4, &lo) && r->s[r->i + 6] == '\\' &&
                r->s[r->i + 7] == 'u' && lo >= 0xdc00 && lo <= 0xdfff) {
                r->len = (unsigned)encode(
                    r->buf, 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00));
                r->i += 12;
                return 1;
            }
            if (cut_u_escape(r, r->i + 6)) { /* its pair was cut off */
                literal(r, 1);
                return 1;
            }
            v = 0xfffd;
        } else if (v >= 0xdc00 && v <= 0xdfff) {
            v = 0xfffd;
        }
        r->len = (unsigned)encode(r->buf, v);
        r->i += 6;
        return 1;
    default: literal(r, 0); return 1;
    }
    r->buf[0] = (unsigned char)v;
    r->len = 1;
    r->i += 2;
    return 1;
}

/* The next byte without taking it, or -1 at the end. */
static int peek(struct src *r)
{
    return fill(r) ? r->buf[r->pos] : -1;
}

/* ---- stage 2: UTF-8 --------------------------------------------------- */

/* The next code point, U+FFFD for each maximal subpart of an invalid
 * sequence, or -1 at the end.  *junk: it is (the start of) what the end of
 * the input cut short, an escape or a UTF-8 sequence. */
static long next_cp(struct src *r, int *junk)
{
    int b = peek(r), c;
    unsigned need, lo = 0x80, hi = 0xbf, k;
    uint32_t cp;

    *junk = 0;
    if (b < 0)
        return -1;
    *junk = r->junk && r->pos == 0;
    r->pos++;
    if (b < 0x80)
        return b;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = (uint32_t)b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = (uint32_t)b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0; /* no overlong */
        else if (b == 0xed)
            hi = 0x9f; /* no surrogate */
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = (uint32_t)b & 0x07;
        if (b == 0xf0)
            lo = 0x90; /* no overlong */
        else if (b == 0xf4)
            hi = 0x8f; /* nothing past U+10FFFF */
    } else {
        return 0xfffd; /* continuation byte, C0, C1, F5..FF */
    }
    for (k = 0; k < need; k++) {
        c = peek(r);
        if (c < 0) {
            *junk = 1;
            return 0xfffd;
        }
        if ((unsigned)c < lo || (unsigned)c > hi)
            return 0xfffd; /* c starts the next one */
        r->pos++;
        cp = cp << 6 | ((unsigned)c & 0x3f);
        lo = 0x80;
        hi = 0xbf;
    }
    return (long)cp;
}

/* ---- stage 3: what is kept ---------------------------------------------- */

static int is_bidi(uint32_t cp)
{
    return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Decode (when `escapes`) and clean in[0..n) into out[0..max), whole
 * characters only; no NUL written.  Returns the length.  *tail: where
 * what the end of the input cut short starts in out (the length when
 * nothing was); *cut: 1 when a character did not fit.
 */
static size_t render(char *out, size_t max, const char *in, size_t n,
                     int escapes, size_t *tail, int *cut)
{
    struct src r;
    size_t len = 0, k;
    unsigned char enc[4];
    long cp;
    int junk;

    memset(&r, 0, sizeof(r));
    r.s = (const unsigned char *)in;
    r.n = n;
    r.escapes = escapes;
    *tail = SIZE_MAX;
    *cut = 0;
    while ((cp = next_cp(&r, &junk)) >= 0) {
        if (is_bidi((uint32_t)cp))
            continue;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
            cp == 0x2029)
            cp = ' ';
        k = encode(enc, (uint32_t)cp);
        if (k > max - len) {
            *cut = 1;
            break;
        }
        if (junk && *tail == SIZE_MAX)
            *tail = len;
        memcpy(out + len, enc, k);
        len += k;
    }
    if (*tail == SIZE_MAX || *cut)
        *tail = len;
    return len;
}

/* ---- matching --------------------------------------------------------- */

/*
 * Overwrite with '*' every match of a pattern in s[0..len), and a start
 * (SK_SCRUB_MIN_SECRET bytes or more) of one that ends at `tail` or at
 * `len`, through to len.
 */
static void mask(const sk_scrub *sc, char *s, size_t len, size_t tail)
{
    size_t i, k, cover = 0, ends[2] = {tail, len}, e, r;

    for (i = 0; i < len; i++) {
        unsigned char b = (unsigned char)s[i];

        for (k = sc->first[b]; k < sc->first[b + 1]; k++) {
            const struct pat *p = &sc->pats[k];

            if (p->n <= len - i && memcmp(s + i, p->s, p->n) == 0) {
                if (i + p->n > cover)
                    cover = i + p->n;
                continue;
            }
            for (e = 0; e < 2; e++) {
                if (ends[e] <= i || (e == 1 && tail == len))
                    continue;
                r = ends[e] - i;
                if (r >= SK_SCRUB_MIN_SECRET && r < p->n &&
                    memcmp(s + i, p->s, r) == 0)
                    cover = len;
            }
        }
        if (i < cover)
            s[i] = '*';
    }
}

size_t sk_scrub_text(char *out, size_t cap, const sk_scrub *sc, const char *in,
                     size_t n)
{
    size_t len, tail;
    int cut;

    assert(out && cap >= 1 && (in || n == 0));
    len = render(out, cap - 1, in ? in : "", n, 1, &tail, &cut);
    out[len] = '\0';
    if (sc && sc->npats)
        mask(sc, out, len, tail);
    return len;
}

/* ---- patterns --------------------------------------------------------- */

int sk_scrub_new(sk_scrub **out)
{
    assert(out);
    *out = calloc(1, sizeof(**out));
    if (!*out)
        return sk_error_set(SK_ENOMEM, "scrub: out of memory");
    return 0;
}

void sk_scrub_free(sk_scrub *sc)
{
    size_t i;

    if (!sc)
        return;
    for (i = 0; i < sc->npats; i++)
        wipe_free(sc->pats[i].s, sc->pats[i].n);
    free(sc->pats);
    free(sc);
}

/* Add p[0..n) unless it is too short or already there. */
static int add_pat(sk_scrub *sc, const char *p, size_t n)
{
    unsigned char b;
    size_t at, i;
    char *copy;

    if (n < SK_SCRUB_MIN_SECRET)
        return 0;
    b = (unsigned char)p[0];
    for (i = sc->first[b]; i < sc->first[b + 1]; i++)
        if (sc->pats[i].n == n && memcmp(sc->pats[i].s, p, n) == 0)
            return 0;
    if (sc->npats == SK_SCRUB_MAX_PATTERNS)
        return sk_error_set(SK_ELIMIT, "scrub: more than %d patterns",
                            SK_SCRUB_MAX_PATTERNS);
    if (sc->npats == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 32;
        struct pat *grown;

        if (cap > SK_SCRUB_MAX_PATTERNS)
            cap = SK_SCRUB_MAX_PATTERNS;
        grown = realloc(sc->pats, cap * sizeof(*grown));
        if (!grown)
            return sk_error_set(SK_ENOMEM, "scrub: out of memory");
        sc->pats = grown;
        sc->cap = cap;
    }
    copy = malloc(n);
    if (!copy)
        return sk_error_set(SK_ENOMEM, "scrub: out of memory");
    memcpy(copy, p, n);
    at = sc->first[b + 1]; /* last among those starting with b */
    memmove(sc->pats + at + 1, sc->pats + at,
            (sc->npats - at) * sizeof(*sc->pats));
    sc->pats[at].s = copy;
    sc->pats[at].n = n;
    sc->npats++;
    for (i = b + 1u; i < 257; i++)
        sc->first[i]++;
    return 0;
}

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Base64 of s[0..n) with '=' padding into d; returns its length. */
static size_t b64_encode(char *d, const unsigned char *s, size_t n,
                         const char *alpha)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        d[o++] = alpha[s[i] >> 2];
        d[o++] = alpha[(s[i] & 3) << 4 | s[i + 1] >> 4];
        d[o++] = alpha[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
        d[o++] = alpha[s[i + 2] & 63];
    }
    if (n - i == 1) {
        d[o++] = alpha[s[i] >> 2];
        d[o++] = alpha[(s[i] & 3) << 4];
        d[o++] = '=';
        d[o++] = '=';
    } else if (n - i == 2) {
        d[o++] = alpha[s[i] >> 2];
        d[o++] = alpha[(s[i] & 3) << 4 | s[i + 1] >> 4];
        d[o++] = alpha[(s[i + 1] & 15) << 2];
        d[o++] = '=';
    }
    return o;
}

/*
 * The base64 forms of s[0..n) (scrub.h).  For S after `a` (0..2) bytes of
 * its 3-byte group, character k of the encoding holds bits [6k, 6k + 6)
 * of the data and S bits [8a, 8(a + n)): the characters that depend only
 * on S are k = ceil(8a / 6) .. floor(8(a + n) / 6) - 1.  When S ends the
 * data, the characters after those (a partial one, padding) are fixed
 * too.  `tmp` holds n + 2 bytes, `enc` 4 * (n + 4) / 3 + 4.
 */
static int add_base64(sk_scrub *sc, const unsigned char *s, size_t n,
                      unsigned char *tmp, char *enc)
{
    static const char *const alphas[] = {b64_std, b64_url};
    size_t a, al, from, core, full, bare;
    int rc;

    for (al = 0; al < 2; al++)
        for (a = 0; a < 3; a++) {
            memset(tmp, 0, a);
            memcpy(tmp + a, s, n);
            full = b64_encode(enc, tmp, a + n, alphas[al]);
            from = (8 * a + 5) / 6;
            core = 8 * (a + n) / 6;
            for (bare = full; bare > 0 && enc[bare - 1] == '='; bare--)
                ;
            if ((rc = add_pat(sc, enc + from, core - from)) != 0 ||
                (rc = add_pat(sc, enc + from, bare - from)) != 0 ||
                (rc = add_pat(sc, enc + from, full - from)) != 0)
                return rc;
        }
    return 0;
}

int sk_scrub_add_secret(sk_scrub *sc, const char *s, size_t n)
{
    unsigned char *tmp = NULL;
    char *buf = NULL, *enc = NULL;
    size_t len, tail, bufsz = 3 * n, encsz = 4 * (n + 4) / 3 + 4;
    int cut, rc = 0;

    assert(sc && (s || n == 0));
    if (n < SK_SCRUB_MIN_SECRET)
        return 0;
    if (n > SK_SCRUB_MAX_SECRET)
        return sk_error_set(SK_ELIMIT,
                            "scrub: a secret of %zu bytes "
                            "(at most %d)",
                            n, SK_SCRUB_MAX_SECRET);
    buf = malloc(bufsz); /* render() makes at most 3 bytes of one */
    tmp = malloc(n + 2);
    enc = malloc(encsz);
    if (!buf || !tmp || !enc) {
        rc = sk_error_set(SK_ENOMEM, "scrub: out of memory");
        goto done;
    }
    len = render(buf, bufsz, s, n, 0, &tail, &cut);
    if ((rc = add_pat(sc, buf, len)) != 0)
        goto done;
    len = render(buf, bufsz, s, n, 1, &tail, &cut);
    if ((rc = add_pat(sc, buf, len)) != 0)
        goto done;
    rc = add_base64(sc, (const unsigned char *)s, n, tmp, enc);
done:
    wipe_free(buf, bufsz);
    wipe_free(tmp, n + 2);
    wipe_free(enc, encsz);
    return rc;
}

/* ---- headers and URLs ------------------------------------------------- */

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* s[0..n) equals the lower-case ASCII word w, in any case. */
static int word_eq(const char *s, size_t n, const char *w)
{
    size_t i;

    if (strlen(w) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return 0;
    return 1;
}

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decode base64 s[0..n) (either alphabet, padding optional) into d (n
 * bytes at least).  Returns the length, or -1 when it is not base64. */
static long b64_decode(unsigned char *d, const char *s, size_t n)
{
    size_t i, o = 0;
    unsigned acc = 0, bits = 0;

    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    for (i = 0; i < n; i++) {
        int v = b64_val((unsigned char)s[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

/* The Basic credential x[0..n): itself, and what it decodes to. */
static int add_basic(sk_scrub *sc, const char *x, size_t n)
{
    unsigned char *d;
    const unsigned char *colon;
    long len;
    int rc;

    if ((rc = sk_scrub_add_secret(sc, x, n)) != 0)
        return rc;
    d = malloc(n ? n : 1);
    if (!d)
        return sk_error_set(SK_ENOMEM, "scrub: out of memory");
    len = b64_decode(d, x, n);
    if (len > 0) {
        rc = sk_scrub_add_secret(sc, (const char *)d, (size_t)len);
        colon = memchr(d, ':', (size_t)len);
        if (rc == 0 && colon) {
            size_t u = (size_t)(colon - d);

            rc = sk_scrub_add_secret(sc, (const char *)d, u);
            if (rc == 0)
                rc = sk_scrub_add_secret(sc, (const char *)colon + 1,
                                         (size_t)len - u - 1);
        }
    }
    wipe_free(d, n ? n : 1);
    return rc;
}

int sk_scrub_add_header(sk_scrub *sc, const char *line)
{
    const char *colon, *v, *end, *sp, *x;
    size_t name_n, n;
    int rc;

    assert(sc && line);
    colon = strchr(line, ':');
    if (!colon)
        return sk_error_set(SK_EINVAL, "scrub: a header without ':'");
    for (name_n = (size_t)(colon - line); name_n && blank(line[name_n - 1]);
         name_n--)
        ;
    for (v = colon + 1; blank(*v); v++)
        ;
    for (end = v + strlen(v); end > v && blank(end[-1]); end--)
        ;
    n = (size_t)(end - v);
    if (word_eq(v, n, "bearer") || word_eq(v, n, "basic"))
        return 0; /* a scheme with no credential */
    for (sp = v; sp < end && !blank(*sp); sp++)
        ;
    for (x = sp; x < end && blank(*x); x++)
        ;
    if (sp < end && x < end) { /* "scheme credential" */
        size_t sn = (size_t)(sp - v), xn = (size_t)(end - x);

        if (word_eq(v, sn, "bearer"))
            return sk_scrub_add_secret(sc, x, xn);
        if (word_eq(v, sn, "basic"))
            return add_basic(sc, x, xn);
        if (word_eq(line, name_n, "authorization") ||
            word_eq(line, name_n, "proxy-authorization"))
            if ((rc = sk_scrub_add_secret(sc, x, xn)) != 0)
                return rc;
    }
    if (n < SK_SCRUB_MIN_HEADER_VALUE)
        return 0;
    return sk_scrub_add_secret(sc, v, n);
}

/* Percent-decode s[0..n) into d (n bytes at least); returns the length. */
static size_t pct_decode(char *d, const char *s, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int h, l;

        if (s[i] == '%' && n - i >= 3 &&
            (h = sk_collect__hexval((unsigned char)s[i + 1])) >= 0 &&
            (l = sk_collect__hexval((unsigned char)s[i + 2])) >= 0) {
            d[o++] = (char)(h << 4 | l);
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    return o;
}

static int scheme_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (!first &&
            ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
}

int sk_scrub_add_url(sk_scrub *sc, const char *url)
{
    const char *start = url, *end, *at = NULL, *p, *colon, *sep;
    char *d = NULL;
    size_t n, un, pn;
    int rc = 0;

    assert(sc && url);
    sep = strstr(url, "://");
    if (sep && sep > url) {
        for (p = url; p < sep && scheme_char(*p, p == url); p++)
            ;
        if (p == sep)
            start = sep + 3;
    }
    end = start + strcspn(start, "/?#");
    for (p = start; p < end; p++)
        if (*p == '@')
            at = p;
    if (!at)
        return 0;
    n = (size_t)(at - start);
    if (n > SK_SCRUB_MAX_SECRET)
        return sk_error_set(SK_ELIMIT,
                            "scrub: URL credentials of %zu bytes "
                            "(at most %d)",
                            n, SK_SCRUB_MAX_SECRET);
    d = malloc(n + 1);
    if (!d)
        return sk_error_set(SK_ENOMEM, "scrub: out of memory");
    colon = memchr(start, ':', n);
    /* d: the user, ':', the password, each decoded on its own (an encoded
     * "%3A" in the user is not the separator) */
    un = pct_decode(d, start, colon ? (size_t)(colon - start) : n);
    pn = 0;
    if (colon) {
        d[un] = ':';
        pn = pct_decode(d + un + 1, colon + 1, (size_t)(at - colon - 1));
    }
    if ((rc = sk_scrub_add_secret(sc, d, un)) == 0 && colon &&
        (rc = sk_scrub_add_secret(sc, d + un + 1, pn)) == 0)
        rc = sk_scrub_add_secret(sc, d, un + 1 + pn);
    wipe_free(d, n + 1);
    return rc;
}
