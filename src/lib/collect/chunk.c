/*
 * Streamed-chunk decoding (rules in chunk.h).
 *
 * A recursive-descent JSON validator walks the data once, in place.  It
 * carries, instead of a path, a node of a small static tree of the keys
 * this module knows (choices -> [0] -> delta -> content, usage ->
 * prompt_tokens, ...); a member or element that is not in the tree walks
 * as N_NONE, validated and ignored, and so does everything under it.  A
 * value that lands on a known node is type-checked and stored.  Strings
 * are kept as spans of the input and unescaped only when stored, into
 * fixed buffers: no allocation anywhere.
 */
#include "sweepkit/chunk.h"

#include "collect_int.h"

#include "sweepkit/error.h"
#include "sweepkit/num.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* JSON value types as bits: the types a known key accepts.  T_INT is a
 * number with an integral value in range; every number is also T_NUM. */
enum {
    T_NULL = 1 << 0,
    T_BOOL = 1 << 1,
    T_INT = 1 << 2,
    T_NUM = 1 << 3,
    T_STR = 1 << 4,
    T_OBJ = 1 << 5,
    T_ARR = 1 << 6,
    T_ANY = 0x7f
};

/* The known keys.  N_NONE is "not a known key": walked, never stored. */
enum {
    N_ROOT,
    N_CHOICES,
    N_CHOICE0,
    N_DELTA,
    N_DELTA_CONTENT,
    N_DELTA_REASONING_CONTENT,
    N_DELTA_REASONING,
    N_TEXT,
    N_FINISH,
    N_USAGE,
    N_USAGE_PROMPT,
    N_USAGE_COMPLETION,
    N_CONTENT,
    N_STOP,
    N_TOKENS_EVALUATED,
    N_TOKENS_PREDICTED,
    N_STOP_TYPE,
    N_TIMINGS,
    N_PROMPT_N,
    N_PROMPT_MS,
    N_PREDICTED_N,
    N_PREDICTED_MS,
    N_ERROR,
    N_ERROR_MESSAGE,
    N_OBJECT,
    N_MESSAGE,
    N_NONE
};

#define CHAT (1u << SK_API_OPENAI_CHAT)
#define CMPL (1u << SK_API_OPENAI_COMPLETIONS)
#define OAI (CHAT | CMPL)
#define LLAMA (1u << SK_API_LLAMACPP)
#define ALL (OAI | LLAMA)

static const struct node {
    int parent;
    const char *key; /* NULL: the first element of an array */
    unsigned apis;   /* bits of enum sk_api */
    unsigned types;  /* accepted besides null */
    const char *path;
} nodes[N_NONE] = {
    [N_ROOT] = {N_NONE, "", ALL, T_OBJ, ""},
    [N_CHOICES] = {N_ROOT, "choices", OAI, T_ARR, "choices"},
    [N_CHOICE0] = {N_CHOICES, NULL, OAI, T_OBJ, "choices[0]"},
    [N_DELTA] = {N_CHOICE0, "delta", CHAT, T_OBJ, "choices[0].delta"},
    [N_DELTA_CONTENT] = {N_DELTA, "content", CHAT, T_STR,
                         "choices[0].delta.content"},
    [N_DELTA_REASONING_CONTENT] = {N_DELTA, "reasoning_content", CHAT, T_STR,
                                   "choices[0].delta.reasoning_content"},
    [N_DELTA_REASONING] = {N_DELTA, "reasoning", CHAT, T_STR,
                           "choices[0].delta.reasoning"},
    [N_TEXT] = {N_CHOICE0, "text", CMPL, T_STR, "choices[0].text"},
    [N_FINISH] = {N_CHOICE0, "finish_reason", OAI, T_STR,
                  "choices[0].finish_reason"},
    [N_USAGE] = {N_ROOT, "usage", OAI, T_OBJ, "usage"},
    [N_USAGE_PROMPT] = {N_USAGE, "prompt_tokens", OAI, T_INT,
                        "usage.prompt_tokens"},
    [N_USAGE_COMPLETION] = {N_USAGE, "completion_tokens", OAI, T_NUM,
                            "usage.completion_tokens"},
    [N_CONTENT] = {N_ROOT, "content", LLAMA, T_STR, "content"},
    [N_STOP] = {N_ROOT, "stop", LLAMA, T_BOOL, "stop"},
    [N_TOKENS_EVALUATED] = {N_ROOT, "tokens_evaluated", LLAMA, T_INT,
                            "tokens_evaluated"},
    [N_TOKENS_PREDICTED] = {N_ROOT, "tokens_predicted", LLAMA, T_NUM,
                            "tokens_predicted"},
    [N_STOP_TYPE] = {N_ROOT, "stop_type", LLAMA, T_STR, "stop_type"},
    [N_TIMINGS] = {N_ROOT, "timings", ALL, T_OBJ, "timings"},
    [N_PROMPT_N] = {N_TIMINGS, "prompt_n", ALL, T_INT, "timings.prompt_n"},
    [N_PROMPT_MS] = {N_TIMINGS, "prompt_ms", ALL, T_NUM, "timings.prompt_ms"},
    [N_PREDICTED_N] = {N_TIMINGS, "predicted_n", ALL, T_INT,
                       "timings.predicted_n"},
    [N_PREDICTED_MS] = {N_TIMINGS, "predicted_ms", ALL, T_NUM,
                        "timings.predicted_ms"},
    [N_ERROR] = {N_ROOT, "error", ALL, T_STR | T_OBJ, "error"},
    [N_ERROR_MESSAGE] = {N_ERROR, "message", ALL, T_STR, "error.message"},
    /* vLLM's older error event; other servers may use these keys for
     * anything, so any type is accepted and only strings are read. */
    [N_OBJECT] = {N_ROOT, "object", OAI, T_ANY, "object"},
    [N_MESSAGE] = {N_ROOT, "message", OAI, T_ANY, "message"},
};

/* Text fields summed into text_bytes; a repeated key counts once (the
 * last one, like every other field). */
enum { X_CONTENT, X_REASONING_CONTENT, X_REASONING, X_COUNT };

struct scan {
    const char *s;
    size_t len, pos;
    unsigned api; /* bit of enum sk_api */
    struct sk_chunk c;
    size_t text[X_COUNT];
    int stop;
    char stop_type[32];
    int error_seen;   /* a non-null "error" */
    int object_error; /* "object": "error" */
    char message[sizeof(((struct sk_chunk *)0)->error)];
};

static int fail(size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(size_t at, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sk_error_set(SK_EPARSE, "malformed chunk: %s at byte %zu", what, at);
}

static void absent(struct sk_chunk *c)
{
    memset(c, 0, sizeof(*c));
    c->prompt_tokens = c->completion_tokens = -1;
    c->server_prompt_ms = c->server_predicted_ms = NAN;
    c->completion_tokens_given = NAN;
    c->server_predicted_n = c->server_prompt_n = -1;
}

/* ---- strings ----------------------------------------------------------- */

/* Length of the UTF-8 sequence at s[0..n) (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t k, i;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        k = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        k = 3;
        if (s[0] == 0xe0)
            lo = 0xa0;
        else if (s[0] == 0xed)
            hi = 0x9f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        k = 4;
        if (s[0] == 0xf0)
            lo = 0x90;
        else if (s[0] == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return k;
}

static uint32_t hex4(const char *s)
{
    return (uint32_t)(sk_collect__hexval(s[0]) << 12 | sk_collect__hexval(s[1]) << 8 |
                      sk_collect__hexval(s[2]) << 4 | sk_collect__hexval(s[3]));
}

/*
 * Validate the string starting at the '"' at sc->pos; *raw and *n get its
 * body between the quotes, still escaped.
 */
static int string(struct scan *sc, const char **raw, size_t *n)
{
    const unsigned char *s = (const unsigned char *)sc->s;
    size_t start = sc->pos, i = start + 1, k;

    for (;;) {
        if (i >= sc->len)
            return fail(start, "unterminated string");
        if (s[i] == '"')
            break;
        if (s[i] == '\\') {
            if (i + 1 >= sc->len)
                return fail(start, "unterminated string");
            if (s[i + 1] == 'u') {
                for (k = 2; k < 6; k++) {
                    if (i + k >= sc->len)
                        return fail(start, "unterminated string");
                    if (sk_collect__hexval((char)s[i + k]) < 0)
                        return fail(i, "invalid escape");
                }
                i += 6;
            } else if (s[i + 1] && strchr("\"\\/bfnrt", s[i + 1])) {
                i += 2;
            } else {
                return fail(i, "invalid escape");
            }
        } else if (s[i] < 0x20) {
            return fail(i, "control character in a string");
        } else if (s[i] < 0x80) {
            i++;
        } else if ((k = utf8_seq(s + i, sc->len - i)) != 0) {
            i += k;
        } else {
            return fail(i, "invalid UTF-8");
        }
    }
    *raw = sc->s + start + 1;
    *n = i - start - 1;
    sc->pos = i + 1;
    return 0;
}

/* The next code point of a validated string body raw[*i..n).  Escaped
 * lone surrogates read as U+FFFD. */
static uint32_t next_cp(const char *raw, size_t n, size_t *i)
{
    const unsigned char *s = (const unsigned char *)raw + *i;
    uint32_t u, lo;

    if (s[0] == '\\') {
        *i += 2;
        switch (s[1]) {
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'u': break;
        default: return s[1]; /* " \ / */
        }
        u = hex4(raw + *i);
        *i += 4;
        if (u >= 0xdc00 && u <= 0xdfff)
            return 0xfffd;
        if (u < 0xd800 || u > 0xdbff)
            return u;
        if (*i + 6 > n || raw[*i] != '\\' || raw[*i + 1] != 'u')
            return 0xfffd;
        lo = hex4(raw + *i + 2);
        if (lo < 0xdc00 || lo > 0xdfff)
            return 0xfffd; /* the next escape is read on its own */
        *i += 6;
        return 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (s[0] < 0x80) {
        *i += 1;
        return s[0];
    }
    if (s[0] < 0xe0) {
        *i += 2;
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    }
    if (s[0] < 0xf0) {
        *i += 3;
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
               (s[2] & 0x3f);
    }
    *i += 4;
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
           (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

static size_t utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* UTF-8 bytes of the unescaped string. */
static size_t text_len(const char *raw, size_t n)
{
    size_t i = 0, bytes = 0;

    while (i < n) {
        if (raw[i] != '\\') { /* raw UTF-8 counts as itself */
            i++;
            bytes++;
        } else {
            bytes += utf8_len(next_cp(raw, n, &i));
        }
    }
    return bytes;
}

/* Unescape into dst[0..cap), NUL-terminated, cut before the first code
 * point that does not fit; control characters become spaces. */
static void copy_text(char *dst, size_t cap, const char *raw, size_t n)
{
    size_t i = 0, o = 0, k;

    while (i < n) {
        uint32_t cp = next_cp(raw, n, &i);

        if (cp < 0x20 || cp == 0x7f)
            cp = ' ';
        k = utf8_len(cp);
        if (o + k >= cap)
            break;
        if (k == 1) {
            dst[o] = (char)cp;
        } else if (k == 2) {
            dst[o] = (char)(0xc0 | cp >> 6);
            dst[o + 1] = (char)(0x80 | (cp & 0x3f));
        } else if (k == 3) {
            dst[o] = (char)(0xe0 | cp >> 12);
            dst[o + 1] = (char)(0x80 | (cp >> 6 & 0x3f));
            dst[o + 2] = (char)(0x80 | (cp & 0x3f));
        } else {
            dst[o] = (char)(0xf0 | cp >> 18);
            dst[o + 1] = (char)(0x80 | (cp >> 12 & 0x3f));
            dst[o + 2] = (char)(0x80 | (cp >> 6 & 0x3f));
            dst[o + 3] = (char)(0x80 | (cp & 0x3f));
        }
        o += k;
    }
    dst[o] = '\0';
}

/* Is the unescaped string equal to the ASCII `lit`? */
static int str_eq(const char *raw, size_t n, const char *lit)
{
    size_t i = 0, j = 0;

    if (!memchr(raw, '\\', n))
        return strlen(lit) == n && memcmp(raw, lit, n) == 0;
    while (i < n) {
        if (!lit[j] || next_cp(raw, n, &i) != (unsigned char)lit[j])
            return 0;
        j++;
    }
    return lit[j] == '\0';
}

/* ---- the walk ------------------------------------------------------------ */

static void skip_ws(struct scan *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];

        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        sc->pos++;
    }
}

/* The next byte, or -1 at the end. */
static int peek(const struct scan *sc)
{
    return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

/* The known member `key` of node `parent`, or N_NONE. */
static int member(const struct scan *sc, int parent, const char *key, size_t n)
{
    int i;

    if (parent == N_NONE)
        return N_NONE;
    for (i = 0; i < N_NONE; i++)
        if (nodes[i].parent == parent && nodes[i].key &&
            (nodes[i].apis & sc->api) && str_eq(key, n, nodes[i].key))
            return i;
    return N_NONE;
}

/* The known first element of array node `parent`, or N_NONE. */
static int element0(const struct scan *sc, int parent)
{
    int i;

    if (parent == N_NONE)
        return N_NONE;
    for (i = 0; i < N_NONE; i++)
        if (nodes[i].parent == parent && !nodes[i].key &&
            (nodes[i].apis & sc->api))
            return i;
    return N_NONE;
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case T_NULL: return "null";
    case T_BOOL: return "true or false";
    case T_INT: return "an integer";
    case T_NUM: return "a number";
    case T_STR: return "a string";
    case T_OBJ: return "an object";
    case T_ARR: return "an array";
    case T_STR | T_OBJ: return "a string or an object";
    default: return "a value";
    }
}

/* Does a value of type `t` (the text at sc->s[at..at+n) for numbers) fit
 * node `node`? */
static int check(struct scan *sc, int node, unsigned t, size_t at, size_t n)
{
    const struct node *nd;

    if (node == N_NONE || (nodes[node].types & t) ||
        (t == T_NULL && node != N_ROOT))
        return 0;
    nd = &nodes[node];
    if (node == N_ROOT)
        return fail(at, "expected a JSON object, got %s",
                    type_name(t & T_NUM ? T_NUM : t));
    if (t & T_NUM)
        return fail(at, "%s: expected %s, got %.*s", nd->path,
                    type_name(nd->types), n > 24 ? 24 : (int)n, sc->s + at);
    return fail(at, "%s: expected %s, got %s", nd->path, type_name(nd->types),
                type_name(t));
}

static void put_string(struct scan *sc, int node, const char *raw, size_t n)
{
    struct sk_chunk *c = &sc->c;

    switch (node) {
    case N_DELTA_CONTENT:
    case N_TEXT:
    case N_CONTENT: sc->text[X_CONTENT] = text_len(raw, n); break;
    case N_DELTA_REASONING_CONTENT:
        sc->text[X_REASONING_CONTENT] = text_len(raw, n);
        break;
    case N_DELTA_REASONING: sc->text[X_REASONING] = text_len(raw, n); break;
    case N_FINISH:
        copy_text(c->finish_reason, sizeof(c->finish_reason), raw, n);
        break;
    case N_STOP_TYPE:
        copy_text(sc->stop_type, sizeof(sc->stop_type), raw, n);
        break;
    case N_ERROR:
        sc->error_seen = 1;
        /* fall through */
    case N_ERROR_MESSAGE: copy_text(c->error, sizeof(c->error), raw, n); break;
    case N_OBJECT: sc->object_error = str_eq(raw, n, "error"); break;
    case N_MESSAGE: copy_text(sc->message, sizeof(sc->message), raw, n); break;
    }
}

static void put_number(struct scan *sc, int node, long long i, double d,
                       unsigned t)
{
    struct sk_chunk *c = &sc->c;

    switch (node) {
    case N_USAGE_PROMPT:
    case N_TOKENS_EVALUATED: c->prompt_tokens = i; break;
    case N_USAGE_COMPLETION:
    case N_TOKENS_PREDICTED:
        /* any number is taken, so that the collector can say what was
         * wrong with it (sk_chunk.completion_tokens_given) */
        c->completion_tokens = (t & T_INT) && i >= 0 ? i : -1;
        c->completion_tokens_given = d;
        break;
    case N_PROMPT_N: c->server_prompt_n = i; break;
    case N_PREDICTED_N: c->server_predicted_n = i; break;
    case N_PROMPT_MS: c->server_prompt_ms = d; break;
    case N_PREDICTED_MS: c->server_predicted_ms = d; break;
    }
}

/* number = [ "-" ] int [ frac ] [ exp ] (RFC 8259 section 6). */
static int number(struct scan *sc, int node)
{
    const char *s = sc->s;
    size_t start = sc->pos, i = start, n;
    int integral = 1; /* no fraction, no exponent */
    unsigned t = T_NUM;
    long long v = 0;
    double d = 0;

#define DIGIT(k) ((k) < sc->len && s[k] >= '0' && s[k] <= '9')
    if (i < sc->len && s[i] == '-')
        i++;
    if (!DIGIT(i))
        return fail(start, "invalid number");
    if (s[i] == '0')
        i++;
    else
        while (DIGIT(i))
            i++;
    if (i < sc->len && s[i] == '.') {
        integral = 0;
        if (!DIGIT(i + 1))
            return fail(start, "invalid number");
        for (i++; DIGIT(i); i++)
            ;
    }
    if (i < sc->len && (s[i] == 'e' || s[i] == 'E')) {
        integral = 0;
        i++;
        if (i < sc->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!DIGIT(i))
            return fail(start, "invalid number");
        while (DIGIT(i))
            i++;
    }
#undef DIGIT
    n = i - start;
    sc->pos = i;
    if (node == N_NONE)
        return 0;
    /* The grammar above is a subset of sk_num_parse()'s, which rounds
     * correctly and ignores the locale. */
    if (sk_num_parse(&d, s + start, n) != 0)
        return fail(start, "invalid number");
    if (integral) {
        /* Exact, when it fits a long long. */
        size_t j = start + (s[start] == '-');
        int neg = s[start] == '-';

        t |= T_INT;
        for (; j < i; j++) {
            int digit = s[j] - '0';

            if (v < (LLONG_MIN + digit) / 10) {
                t &= ~(unsigned)T_INT;
                break;
            }
            v = v * 10 - digit; /* negative: LLONG_MIN has no positive */
        }
        if (!neg && v == LLONG_MIN)
            t &= ~(unsigned)T_INT;
        if (!neg && (t & T_INT))
            v = -v;
    } else if (isfinite(d) && d == floor(d) && fabs(d) <= 9007199254740992.0) {
        t |= T_INT; /* 12.0, 1.28e2: exact up to 2^53 */
        v = (long long)d;
    }
    if (check(sc, node, t, start, n))
        return SK_EPARSE;
    put_number(sc, node, v, d, t);
    return 0;
}

/* true, false or null. */
static int literal(struct scan *sc, int node)
{
    static const char *const words[] = {"true", "false", "null"};
    size_t start = sc->pos, k, w;

    for (w = 0; w < 3; w++) {
        k = strlen(words[w]);
        if (sc->len - start >= k && memcmp(sc->s + start, words[w], k) == 0)
            break;
    }
    if (w == 3)
        return fail(start, "expected a value");
    sc->pos += k;
    if (check(sc, node, w == 2 ? T_NULL : T_BOOL, start, k))
        return SK_EPARSE;
    if (node == N_STOP && w < 2)
        sc->stop = w == 0;
    return 0;
}

static int value(struct scan *sc, int node, int depth);

static int object(struct scan *sc, int node, int depth)
{
    const char *key;
    size_t n;
    int first = 1, rc;

    if (depth > SK_CHUNK_MAX_DEPTH)
        return fail(sc->pos, "nesting deeper than %d", SK_CHUNK_MAX_DEPTH);
    if (node == N_ERROR)
        sc->error_seen = 1;
    sc->pos++;
    skip_ws(sc);
    if (peek(sc) == '}') {
        sc->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(sc);
        if (peek(sc) != '"')
            return fail(sc->pos,
                        first ? "expected a key or '}'" : "expected a key");
        if ((rc = string(sc, &key, &n)) != 0)
            return rc;
        skip_ws(sc);
        if (peek(sc) != ':')
            return fail(sc->pos, "expected ':'");
        sc->pos++;
        if ((rc = value(sc, member(sc, node, key, n), depth)) != 0)
            return rc;
        skip_ws(sc);
        if (peek(sc) == '}') {
            sc->pos++;
            return 0;
        }
        if (peek(sc) != ',')
            return fail(sc->pos, "expected ',' or '}'");
        sc->pos++;
        first = 0;
    }
}

static int array(struct scan *sc, int node, int depth)
{
    size_t index = 0;
    int rc;

    if (depth > SK_CHUNK_MAX_DEPTH)
        return fail(sc->pos, "nesting deeper than %d", SK_CHUNK_MAX_DEPTH);
    sc->pos++;
    skip_ws(sc);
    if (peek(sc) == ']') {
        sc->pos++;
        return 0;
    }
    for (;;) {
        rc = value(sc, index == 0 ? element0(sc, node) : N_NONE, depth);
        if (rc != 0)
            return rc;
        index++;
        skip_ws(sc);
        if (peek(sc) == ']') {
            sc->pos++;
            return 0;
        }
        if (peek(sc) != ',')
            return fail(sc->pos, "expected ',' or ']'");
        sc->pos++;
    }
}

static int value(struct scan *sc, int node, int depth)
{
    size_t start;
    const char *raw;
    size_t n;
    int c, rc;

    skip_ws(sc);
    start = sc->pos;
    switch (c = peek(sc)) {
    case '{':
        if (check(sc, node, T_OBJ, start, 1))
            return SK_EPARSE;
        return object(sc, node, depth + 1);
    case '[':
        if (check(sc, node, T_ARR, start, 1))
            return SK_EPARSE;
        return array(sc, node, depth + 1);
    case '"':
        if ((rc = string(sc, &raw, &n)) != 0)
            return rc;
        if (check(sc, node, T_STR, start, n))
            return SK_EPARSE;
        put_string(sc, node, raw, n);
        return 0;
    case 't':
    case 'f':
    case 'n': return literal(sc, node);
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return number(sc, node);
        return fail(start, "expected a value");
    }
}

/* Copy a short, already clean string (the decode path does no
 * formatting). */
static void set_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        n = cap - 1; /* not reached: every source fits */
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* llama.cpp's stop_type in OpenAI's finish_reason words. */
static const char *llama_finish(const char *stop_type)
{
    static const char *const map[][2] = {
        {"limit", "length"}, {"eos", "stop"}, {"word", "stop"}, {"none", ""}};
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(stop_type, map[i][0]) == 0)
            return map[i][1];
    return stop_type;
}

int sk_chunk_decode(struct sk_chunk *out, enum sk_api api, const char *data,
                    size_t len)
{
    struct scan sc;
    size_t i;

    assert(out && (data || len == 0));
    assert(api == SK_API_OPENAI_CHAT || api == SK_API_OPENAI_COMPLETIONS ||
           api == SK_API_LLAMACPP);
    absent(out);
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        out->done = 1;
        return 0;
    }
    memset(&sc, 0, sizeof(sc));
    sc.s = data ? data : "";
    sc.len = len;
    sc.api = 1u << api;
    absent(&sc.c);
    if (value(&sc, N_ROOT, 0) != 0)
        return SK_EPARSE;
    skip_ws(&sc);
    if (sc.pos < sc.len)
        return fail(sc.pos, "unexpected bytes after the object");

    for (i = 0; i < X_COUNT; i++)
        sc.c.text_bytes += sc.text[i];
    if (api == SK_API_LLAMACPP && sc.stop) {
        sc.c.stop = 1;
        set_str(sc.c.finish_reason, sizeof(sc.c.finish_reason),
                llama_finish(sc.stop_type));
    }
    if (sc.object_error && !sc.c.error[0]) {
        sc.error_seen = 1;
        memcpy(sc.c.error, sc.message, sizeof(sc.c.error));
    }
    if (sc.error_seen && !sc.c.error[0])
        set_str(sc.c.error, sizeof(sc.c.error), "(no message)");
    *out = sc.c;
    return 0;
}

/* ---- API names -------------------------------------------------------- */

static const char *const api_names[] = {
    [SK_API_OPENAI_CHAT] = "openai-chat",
    [SK_API_OPENAI_COMPLETIONS] = "openai-completions",
    [SK_API_LLAMACPP] = "llamacpp",
};

int sk_api_parse(enum sk_api *out, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(api_names) / sizeof(api_names[0]); i++)
        if (strcmp(name, api_names[i]) == 0) {
            *out = (enum sk_api)i;
            return 0;
        }
    return sk_error_set(SK_EINVAL,
                        "unknown API '%.40s' (openai-chat, "
                        "openai-completions or llamacpp)",
                        name);
}

const char *sk_api_name(enum sk_api api)
{
    assert((size_t)api < sizeof(api_names) / sizeof(api_names[0]));
    return api_names[api];
}
