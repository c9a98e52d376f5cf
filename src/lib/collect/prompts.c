#include "sweepkit/prompts.h"

#include "sweepkit/error.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * All prompts live in one arena, each NUL-terminated; off[i] and len[i]
 * locate prompt i.  Offsets rather than pointers, so the arena can grow.
 */
struct sk_prompts {
    char *name;
    char *data;
    size_t used, cap;
    size_t *off, *len;
    size_t n, ncap;
};

static sk_prompts *prompts_new(const char *name)
{
    sk_prompts *p = calloc(1, sizeof(*p));

    if (p && !(p->name = strdup(name))) {
        free(p);
        p = NULL;
    }
    return p;
}

void sk_prompts_free(sk_prompts *p)
{
    if (!p)
        return;
    free(p->data);
    free(p->off);
    free(p->len);
    free(p->name);
    free(p);
}

/* Append one prompt.  The callers check the per-prompt and count limits
 * first (they know the line to name), so both arrays stay bounded:
 * n <= SK_PROMPTS_MAX_COUNT and used <= input size + n. */
static int add(sk_prompts *p, const char *s, size_t len)
{
    if (p->n == p->ncap) {
        size_t cap = p->ncap ? p->ncap * 2 : 64;
        size_t *off, *ln;

        if (cap > SK_PROMPTS_MAX_COUNT)
            cap = SK_PROMPTS_MAX_COUNT;
        if (!(off = realloc(p->off, cap * sizeof(*off))))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", p->name);
        p->off = off;
        if (!(ln = realloc(p->len, cap * sizeof(*ln))))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", p->name);
        p->len = ln;
        p->ncap = cap;
    }
    if (len + 1 > p->cap - p->used) {
        size_t need, cap;
        char *data;

        if (len >= SIZE_MAX - p->used)
            return sk_error_set(SK_ENOMEM, "%s: out of memory", p->name);
        need = p->used + len + 1;
        cap = p->cap ? p->cap : 4096;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (!(data = realloc(p->data, cap)))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", p->name);
        p->data = data;
        p->cap = cap;
    }
    memcpy(p->data + p->used, s, len);
    p->data[p->used + len] = '\0';
    p->off[p->n] = p->used;
    p->len[p->n] = len;
    p->used += len + 1;
    p->n++;
    return 0;
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Only JSON whitespace: a blank line, or a blank JSON string. */
static int is_blank(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!is_json_space(s[i]))
            return 0;
    return 1;
}

/* Offset of the first byte that does not start a well-formed UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF), or n when all of s is valid. */
static size_t utf8_invalid_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, j, k;

    while (i < n) {
        unsigned c = s[i], cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (n - i <= k)
            return i;
        for (j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += k + 1;
    }
    return n;
}

/* The 1-based column of byte `at` of a line, counted in characters (as
 * jansson counts them): bytes that are not UTF-8 continuation bytes. */
static size_t column_of(const char *line, size_t at)
{
    size_t i, col = 1;

    for (i = 0; i < at; i++)
        if (((unsigned char)line[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/*
 * A jansson parse error as "name:line:col: invalid JSON: text".  `line` is
 * the error's line in the file (jansson's own for a whole document; the
 * JSON Lines record's for one line).  When the error is on the file's
 * first non-blank line, say which format the first byte chose: a text file
 * that happens to start with '[' or '"' fails here.
 */
static int json_fail(const sk_prompts *p, const json_error_t *err,
                     size_t line, size_t first_line, char first)
{
    char text[JSON_ERROR_TEXT_LENGTH];
    size_t i;

    /* jansson quotes input near the error; keep the message one line. */
    snprintf(text, sizeof(text), "%s", err->text);
    for (i = 0; text[i]; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            text[i] = '?';
    if (line == first_line)
        return sk_error_set(SK_EPARSE,
                            "%s:%zu:%d: invalid JSON: %s (the input starts "
                            "with '%c', so it is read as %s)",
                            p->name, line, err->column, text, first,
                            first == '[' ? "a JSON array" : "JSON Lines");
    return sk_error_set(SK_EPARSE, "%s:%zu:%d: invalid JSON: %s", p->name,
                        line, err->column, text);
}

/* Whether a prompt's text passes the checks every prompt gets: not empty,
 * not only whitespace, within the size limit, and room for one more. */
static int prompt_ok(const sk_prompts *p, const char *s, size_t len)
{
    return len > 0 && len <= SK_PROMPTS_MAX_BYTES && !is_blank(s, len) &&
           p->n < SK_PROMPTS_MAX_COUNT;
}

/* The message for a prompt that fails prompt_ok(); `what` names it
 * ("element 5", "prompt"). */
static int prompt_error(const sk_prompts *p, size_t line, const char *what,
                        const char *s, size_t len)
{
    if (len == 0)
        return sk_error_set(SK_EPARSE, "%s:%zu: %s is an empty string",
                            p->name, line, what);
    if (len > SK_PROMPTS_MAX_BYTES)
        return sk_error_set(SK_ELIMIT,
                            "%s:%zu: %s is %zu bytes, over the %u-byte "
                            "limit",
                            p->name, line, what, len, SK_PROMPTS_MAX_BYTES);
    if (is_blank(s, len))
        return sk_error_set(SK_EPARSE, "%s:%zu: %s is only whitespace",
                            p->name, line, what);
    return sk_error_set(SK_ELIMIT, "%s:%zu: more than %u prompts", p->name,
                        line, SK_PROMPTS_MAX_COUNT);
}

/*
 * The line on which element k (0-based) of a top-level JSON array starts.
 * Only called on error paths, over text jansson has already accepted, so
 * a plain scan suffices: strings cannot hold raw newlines, and an escape
 * never hides one.
 */
static size_t element_line(const char *s, size_t len, size_t k)
{
    size_t i, line = 1, idx = 0, depth = 0;
    int in_str = 0, at_start = 0;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (c == '\n')
            line++;
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (is_json_space(c))
            continue;
        if (depth == 1 && at_start) {
            if (idx == k)
                return line;
            at_start = 0;
        }
        switch (c) {
        case '[':
        case '{':
            if (++depth == 1)
                at_start = 1;
            break;
        case ']':
        case '}':
            depth--;
            break;
        case ',':
            if (depth == 1) {
                idx++;
                at_start = 1;
            }
            break;
        case '"':
            in_str = 1;
            break;
        default:
            break;
        }
    }
    return line;
}

static int parse_array(sk_prompts *p, const char *s, size_t len,
                       size_t first_line)
{
    json_error_t err;
    json_t *root;
    size_t i, n;
    int rc = 0;

    if (!(root = json_loadb(s, len, 0, &err)))
        return json_fail(p, &err, (size_t)(err.line > 0 ? err.line : 1),
                         first_line, '[');
    n = json_array_size(root);
    if (n > SK_PROMPTS_MAX_COUNT) {
        rc = sk_error_set(SK_ELIMIT, "%s:%zu: more than %u prompts", p->name,
                          element_line(s, len, SK_PROMPTS_MAX_COUNT),
                          SK_PROMPTS_MAX_COUNT);
        goto done;
    }
    for (i = 0; i < n && rc == 0; i++) {
        const json_t *v = json_array_get(root, i);
        const char *str = json_string_value(v);
        size_t slen = json_string_length(v);
        char what[40];

        if (str && prompt_ok(p, str, slen)) {
            rc = add(p, str, slen);
            continue;
        }
        /* Element lines are found by a rescan, so only for a message. */
        snprintf(what, sizeof(what), "element %zu", i + 1);
        if (!str)
            rc = sk_error_set(SK_EPARSE,
                              "%s:%zu: %s is %s, expected a string", p->name,
                              element_line(s, len, i), what, type_name(v));
        else
            rc = prompt_error(p, element_line(s, len, i), what, str, slen);
    }
done:
    json_decref(root);
    return rc;
}

/* The string a JSON Lines record holds: itself, or its prompt field. */
static int record_text(const sk_prompts *p, size_t line, const json_t *v,
                       const json_t **str)
{
    static const char *const fields[] = {"prompt", "text", "content"};
    size_t i;

    if (json_is_string(v)) {
        *str = v;
        return 0;
    }
    if (!json_is_object(v))
        return sk_error_set(SK_EPARSE,
                            "%s:%zu: line is %s, expected a string or an "
                            "object with a \"prompt\" field",
                            p->name, line, type_name(v));
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const json_t *f = json_object_get(v, fields[i]);

        if (!f)
            continue;
        if (!json_is_string(f))
            return sk_error_set(SK_EPARSE,
                                "%s:%zu: field \"%s\" is %s, expected a "
                                "string",
                                p->name, line, fields[i], type_name(f));
        *str = f;
        return 0;
    }
    return sk_error_set(SK_EPARSE,
                        "%s:%zu: object has no \"prompt\", \"text\" or "
                        "\"content\" field",
                        p->name, line);
}

/* Call fn on each line of s (without its '\n'), with its 1-based number,
 * stopping at the first non-zero return. */
typedef int (*line_fn)(sk_prompts *p, size_t line, const char *s, size_t len,
                       size_t first_line, char first);

static int each_line(sk_prompts *p, const char *s, size_t len,
                     size_t first_line, char first, line_fn fn)
{
    size_t line = 1;
    int rc;

    while (len > 0) {
        const char *nl = memchr(s, '\n', len);
        size_t n = nl ? (size_t)(nl - s) : len;

        if ((rc = fn(p, line, s, n, first_line, first)) != 0)
            return rc;
        if (!nl)
            break;
        s += n + 1;
        len -= n + 1;
        line++;
    }
    return 0;
}

static int jsonl_line(sk_prompts *p, size_t line, const char *s, size_t len,
                      size_t first_line, char first)
{
    const json_t *str = NULL;
    json_error_t err;
    json_t *v;
    int rc;

    if (is_blank(s, len))
        return 0;
    if (!(v = json_loadb(s, len, JSON_DECODE_ANY, &err)))
        return json_fail(p, &err, line, first_line, first);
    if ((rc = record_text(p, line, v, &str)) == 0) {
        const char *t = json_string_value(str);
        size_t tlen = json_string_length(str);

        rc = prompt_ok(p, t, tlen) ? add(p, t, tlen)
                                   : prompt_error(p, line, "prompt", t, tlen);
    }
    json_decref(v);
    return rc;
}

static int text_line(sk_prompts *p, size_t line, const char *s, size_t len,
                     size_t first_line, char first)
{
    const char *nul;
    size_t bad;

    (void)first_line;
    (void)first;
    if (len > 0 && s[len - 1] == '\r')
        len--;
    if ((nul = memchr(s, '\0', len)))
        return sk_error_set(SK_EPARSE,
                            "%s:%zu:%zu: NUL byte; is this a binary file?",
                            p->name, line, column_of(s, (size_t)(nul - s)));
    if (is_blank(s, len))
        return 0;
    if (!prompt_ok(p, s, len))
        return prompt_error(p, line, "prompt", s, len);
    if ((bad = utf8_invalid_at(s, len)) < len)
        return sk_error_set(SK_EPARSE,
                            "%s:%zu:%zu: invalid UTF-8 (byte 0x%02x)",
                            p->name, line, column_of(s, bad),
                            (unsigned)(unsigned char)s[bad]);
    return add(p, s, len);
}

static int parse(sk_prompts *p, const char *buf, size_t len)
{
    size_t i, first_line = 1;

    if (len > SK_PROMPTS_MAX_FILE_BYTES)
        return sk_error_set(SK_ELIMIT, "%s: larger than %u bytes", p->name,
                            SK_PROMPTS_MAX_FILE_BYTES);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    for (i = 0; i < len && is_json_space(buf[i]); i++)
        if (buf[i] == '\n')
            first_line++;
    if (i < len && buf[i] == '[')
        return parse_array(p, buf, len, first_line);
    if (i < len && (buf[i] == '{' || buf[i] == '"'))
        return each_line(p, buf, len, first_line, buf[i], jsonl_line);
    return each_line(p, buf, len, first_line, 0, text_line);
}

static int finish(sk_prompts **out, sk_prompts *p, int rc)
{
    if (rc == 0 && p->n == 0)
        rc = sk_error_set(SK_ENODATA, "%s: no prompts", p->name);
    if (rc != 0) {
        sk_prompts_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int sk_prompts_from_buffer(sk_prompts **out, const char *name,
                           const char *buf, size_t len)
{
    sk_prompts *p;

    *out = NULL;
    if (!(p = prompts_new(name)))
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    return finish(out, p, len ? parse(p, buf, len) : 0);
}

/* Read all of fd, failing past the input limit. */
static int read_all(const char *name, int fd, char **out, size_t *outlen)
{
    size_t len = 0, cap = 0;
    char *buf = NULL;
    struct stat st;

    /* A regular file's size is a good first guess; pipes grow. */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((unsigned long long)st.st_size > SK_PROMPTS_MAX_FILE_BYTES)
            return sk_error_set(SK_ELIMIT, "%s: larger than %u bytes", name,
                                SK_PROMPTS_MAX_FILE_BYTES);
        cap = (size_t)st.st_size + 1;
    }
    for (;;) {
        ssize_t got;

        /* The buffer holds at most one byte past the limit: enough to
         * tell "at" from "over". */
        if (len > SK_PROMPTS_MAX_FILE_BYTES) {
            free(buf);
            return sk_error_set(SK_ELIMIT, "%s: larger than %u bytes", name,
                                SK_PROMPTS_MAX_FILE_BYTES);
        }
        if (!buf || len == cap) {
            size_t ncap = !buf ? (cap ? cap : 65536) : cap * 2;
            char *nbuf;

            if (ncap > (size_t)SK_PROMPTS_MAX_FILE_BYTES + 1)
                ncap = (size_t)SK_PROMPTS_MAX_FILE_BYTES + 1;
            if (!(nbuf = realloc(buf, ncap))) {
                free(buf);
                return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
            }
            buf = nbuf;
            cap = ncap;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;

            free(buf);
            return sk_error_set(SK_EIO, "%s: read failed: %s", name,
                                strerror(e));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

int sk_prompts_load(sk_prompts **out, const char *path)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    sk_prompts *p = NULL;
    char *buf = NULL;
    size_t len = 0;
    int fd, rc;

    *out = NULL;
    if (is_stdin) {
        fd = STDIN_FILENO;
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        int e = errno;

        return sk_error_set(e == ENOENT ? SK_ENOTFOUND : SK_EIO,
                            "%s: cannot open: %s", path, strerror(e));
    }
    rc = read_all(name, fd, &buf, &len);
    if (!is_stdin)
        close(fd);
    if (rc != 0)
        return rc;
    if (!(p = prompts_new(name))) {
        free(buf);
        return sk_error_set(SK_ENOMEM, "%s: out of memory", name);
    }
    rc = parse(p, buf, len);
    free(buf);
    return finish(out, p, rc);
}

/*
 * The built-in set.  Each topic goes into one instruction that asks for a
 * long, structured answer, so that with a max-tokens setting the answers
 * run to the limit and every query decodes the same number of tokens.
 */
#define BUILTIN_TEMPLATE                                                    \
    "Write a detailed, step-by-step explanation of %s. Begin with the "     \
    "core idea in plain words, then go through each step in order with a " \
    "concrete worked example, cover common mistakes, edge cases and "       \
    "trade-offs, and finish with a summary. Be thorough: a long, complete " \
    "answer is wanted, so keep writing and do not stop early."

static const char *const builtin_topics[SK_PROMPTS_BUILTIN_COUNT] = {
    "how an LRU cache works",
    "binary search and its off-by-one pitfalls",
    "how TCP congestion control works",
    "how a hash table handles collisions",
    "how public-key cryptography works",
    "the TLS 1.3 handshake",
    "how DNS resolution works",
    "how a tracing garbage collector works",
    "how B-trees index data in a database",
    "database transaction isolation levels",
    "the CAP theorem",
    "the Raft consensus algorithm",
    "how virtual memory and paging work",
    "how a CPU pipeline and branch prediction work",
    "CPU caches and cache coherence",
    "how a compiler turns source code into machine code",
    "how regular expression engines match text",
    "how Git stores history internally",
    "Dijkstra's shortest-path algorithm",
    "dynamic programming, using the knapsack problem",
    "the quicksort algorithm and its worst case",
    "merge sort and external sorting",
    "how gradient descent trains a neural network",
    "backpropagation in neural networks",
    "the transformer architecture and self-attention",
    "how large language models generate text token by token",
    "KV caching in large language model inference",
    "continuous batching in large language model serving",
    "quantization of neural network weights",
    "convolutional neural networks",
    "overfitting and regularization in machine learning",
    "decision trees and random forests",
    "principal component analysis",
    "Bayes' theorem, using a medical test as the example",
    "the central limit theorem",
    "hypothesis testing and p-values",
    "linear regression by least squares",
    "Fourier transforms and the fast Fourier transform",
    "how JPEG image compression works",
    "how Huffman coding works",
    "how a relational database executes a SQL query",
    "SQL injection and how to prevent it",
    "cross-site scripting and how to prevent it",
    "the OAuth 2.0 authorization code flow with PKCE",
    "how password hashing with salts works",
    "how HTTPS certificates and certificate authorities work",
    "how HTTP/2 multiplexing works",
    "how a load balancer distributes traffic",
    "rate limiting with the token bucket algorithm",
    "retries with exponential backoff and jitter",
    "how message queues decouple services",
    "event sourcing and CQRS",
    "microservices versus monoliths",
    "how containers isolate processes on Linux",
    "how Kubernetes schedules pods",
    "infrastructure as code",
    "continuous integration and delivery pipelines",
    "feature flags in production software",
    "unit testing and test-driven development",
    "property-based testing",
    "how a debugger sets breakpoints",
    "profiling a slow program to find its bottleneck",
    "memory leaks and how to find them",
    "race conditions and how locks prevent them",
    "deadlocks and how to avoid them",
    "lock-free programming with atomic operations",
    "async/await and event loops",
    "how an operating system schedules threads",
    "how a file system stores files on disk",
    "RAID levels and their trade-offs",
    "how SSDs store data and why they need wear leveling",
    "how the Unix shell runs a pipeline",
    "how the C preprocessor, compiler and linker work together",
    "undefined behavior in C",
    "Rust's ownership and borrowing rules",
    "how a just-in-time compiler speeds up a language runtime",
    "floating-point arithmetic and rounding error",
    "two's complement integer representation",
    "Big-O notation and algorithmic complexity",
    "breadth-first and depth-first graph search",
    "topological sorting of dependencies",
    "Bloom filters",
    "consistent hashing",
    "how a skip list works",
    "tries and how autocomplete uses them",
    "the PageRank algorithm",
    "how a recommendation system works",
    "how GPS determines your position",
    "how the Internet routes packets with BGP",
    "how Wi-Fi works",
    "how a cellular network hands a call from one tower to the next",
    "how a transistor works",
    "how a lithium-ion battery works",
    "how a heat pump works",
    "how solar panels convert light into electricity",
    "how an electric motor works",
    "how vaccines train the immune system",
    "how CRISPR gene editing works",
    "how DNA is replicated in a cell",
    "photosynthesis",
    "how the human heart pumps blood",
    "how antibiotics work and why resistance develops",
    "plate tectonics and earthquakes",
    "how the greenhouse effect warms the planet",
    "how weather forecasts are made",
    "how black holes form",
    "special relativity and time dilation",
    "how a nuclear reactor produces energy from fission",
    "how airplane wings generate lift",
    "how a rocket reaches orbit",
    "compound interest and long-term saving",
    "how inflation is measured",
    "how a central bank sets interest rates",
    "supply and demand in a market",
    "how double-entry bookkeeping works",
    "how to plan and run a software project",
    "how to write a clear technical design document",
    "how to conduct a useful code review",
    "how to prepare for a technical job interview",
    "the scientific method, with a worked experiment",
    "how to learn a new programming language efficiently",
    "how to bake sourdough bread",
    "how to train for a first marathon",
    "how the printing press changed Europe",
    "the causes of the Industrial Revolution",
    "how the Roman Republic was governed",
    "how a bill becomes law in a parliamentary system",
    "how to solve a Rubik's cube",
};

int sk_prompts_builtin(sk_prompts **out)
{
    sk_prompts *p;
    size_t i;
    int rc = 0;

    *out = NULL;
    if (!(p = prompts_new("<builtin>")))
        return sk_error_set(SK_ENOMEM, "<builtin>: out of memory");
    for (i = 0; i < SK_PROMPTS_BUILTIN_COUNT && rc == 0; i++) {
        char buf[1024];
        int n = snprintf(buf, sizeof(buf), BUILTIN_TEMPLATE,
                         builtin_topics[i]);

        /* The topics are ours: one never fills the buffer. */
        if (n < 0 || (size_t)n >= sizeof(buf))
            rc = sk_error_set(SK_ELIMIT, "<builtin>: prompt %zu too long",
                              i + 1);
        else
            rc = add(p, buf, (size_t)n);
    }
    return finish(out, p, rc);
}

const char *sk_prompts_name(const sk_prompts *p)
{
    return p->name;
}

size_t sk_prompts_count(const sk_prompts *p)
{
    return p->n;
}

const char *sk_prompts_get(const sk_prompts *p, size_t i)
{
    return p->data + p->off[i];
}

size_t sk_prompts_len(const sk_prompts *p, size_t i)
{
    return p->len[i];
}
