/*
 * The streamed-chunk decoder (chunk.h), over all three APIs.
 *
 * Input: one event's data, decoded as each API in turn.
 *
 * Checked: never a crash or an over-read (the data has no NUL after it);
 * the return is 0 or SK_EPARSE; on SK_EPARSE every field holds its absent
 * value and the message is "malformed chunk: ... at byte N" with N within
 * the data; on 0, done is set exactly for "[DONE]" (with every other field
 * absent), text_bytes is no more than the data's length (unescaping never
 * grows text), finish_reason and error are NUL-terminated within their
 * arrays, valid UTF-8 and free of control characters, stop is 0 or 1 and
 * only llamacpp sets it.
 * Against jansson (an independent RFC 8259 parser): when jansson reads the
 * data as an object nested at most SK_CHUNK_MAX_DEPTH deep, the decoder
 * may reject it only for a value of the wrong type ("PATH: expected ..."),
 * never for its syntax (jansson skips a raw NUL byte between tokens: such
 * data is left out, and the decoder must reject it); when the decoder
 * accepts it, jansson must too,
 * except where jansson is stricter than the RFC (lone surrogate escapes,
 * numbers beyond its integer or double range, \u0000 in a key).
 */
#include "fuzz_util.h"

#include "sweepkit/chunk.h"
#include "sweepkit/error.h"

#include <jansson.h>
#include <math.h>

static const char prefix[] = "malformed chunk: ";

static void check_text_field(const char *s, size_t cap, const char *what)
{
    size_t n = strnlen(s, cap), i;

    FZ_CHECK(n < cap, "%s not terminated", what);
    FZ_CHECK(fz_utf8_valid(s, n), "%s '%s' is not valid UTF-8", what, s);
    for (i = 0; i < n; i++)
        FZ_CHECK((unsigned char)s[i] >= 0x20, "%s '%s' has a control byte",
                 what, s);
}

static void check_absent(const struct sk_chunk *c, int done)
{
    FZ_CHECK(c->done == done && c->text_bytes == 0 &&
                 c->finish_reason[0] == '\0' && c->prompt_tokens == -1 &&
                 c->completion_tokens == -1 && c->stop == 0 &&
                 isnan(c->server_prompt_ms) &&
                 isnan(c->server_predicted_ms) &&
                 c->server_predicted_n == -1 && c->server_prompt_n == -1 &&
                 c->error[0] == '\0',
             "fields not absent (done %d, text_bytes %zu, finish '%s', "
             "error '%s')",
             c->done, c->text_bytes, c->finish_reason, c->error);
}

static size_t depth_of(const json_t *v)
{
    size_t d = 0, k;
    const char *key;
    json_t *e;

    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, e)
            if ((k = depth_of(e)) > d)
                d = k;
        return d + 1;
    }
    if (json_is_array(v)) {
        size_t i;

        json_array_foreach(v, i, e)
            if ((k = depth_of(e)) > d)
                d = k;
        return d + 1;
    }
    return 0;
}

/* A message for a value of the wrong type: "PATH: expected ...". */
static int type_error(const char *m)
{
    const char *colon = strstr(m, ": expected ");

    return colon && colon > m && !memchr(m, ' ', (size_t)(colon - m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int is_done = size == 6 && memcmp(s, "[DONE]", 6) == 0;
    int api, jansson_read, jansson_ok = 0, strict_only = 0, raw_nul;
    json_error_t jerr;
    json_t *j;

    /* A raw NUL byte is never valid JSON text (RFC 8259: not whitespace,
     * and a control character inside a string), but jansson reads one
     * between tokens as if it were not there. */
    raw_nul = size > 0 && memchr(s, '\0', size) != NULL;
    j = json_loadb(s, size, JSON_ALLOW_NUL, &jerr);
    jansson_read = j != NULL;
    if (j) {
        jansson_ok = !raw_nul && json_is_object(j) &&
                     depth_of(j) <= SK_CHUNK_MAX_DEPTH;
        json_decref(j);
    } else {
        strict_only = strstr(jerr.text, "Unicode") != NULL ||
                      strstr(jerr.text, "too big") != NULL ||
                      strstr(jerr.text, "overflow") != NULL ||
                      strstr(jerr.text, "NUL") != NULL;
    }

    for (api = SK_API_OPENAI_CHAT; api <= SK_API_LLAMACPP; api++) {
        struct sk_chunk c;
        int rc;

        memset(&c, 0x5a, sizeof(c));
        sk_error_clear();
        rc = sk_chunk_decode(&c, (enum sk_api)api, size ? s : NULL, size);
        FZ_CHECK(rc == 0 || rc == SK_EPARSE, "rc %d", rc);
        if (rc != 0) {
            const char *m = sk_error_last(), *at;
            size_t byte;

            check_absent(&c, 0);
            FZ_CHECK(!is_done, "[DONE] rejected");
            FZ_CHECK(strncmp(m, prefix, sizeof(prefix) - 1) == 0,
                     "message '%s'", m);
            at = strstr(m, " at byte ");
            FZ_CHECK(at && sscanf(at, " at byte %zu", &byte) == 1 &&
                         byte <= size,
                     "message '%s' for %zu bytes", m, size);
            if (jansson_ok)
                FZ_CHECK(type_error(m + sizeof(prefix) - 1),
                         "%s: jansson reads a valid object, decoder: %s",
                         sk_api_name((enum sk_api)api), m);
            continue;
        }
        if (c.done) {
            FZ_CHECK(is_done, "done for something else");
            check_absent(&c, 1);
            continue;
        }
        FZ_CHECK(!is_done, "[DONE] not done");
        FZ_CHECK(!raw_nul, "%s accepts a raw NUL byte",
                 sk_api_name((enum sk_api)api));
        FZ_CHECK(jansson_read || strict_only,
                 "%s accepts what jansson rejects: %s",
                 sk_api_name((enum sk_api)api), jerr.text);
        FZ_CHECK(c.text_bytes <= size, "text_bytes %zu of %zu bytes",
                 c.text_bytes, size);
        check_text_field(c.finish_reason, sizeof(c.finish_reason),
                         "finish_reason");
        check_text_field(c.error, sizeof(c.error), "error");
        FZ_CHECK(c.stop == 0 || (c.stop == 1 && api == SK_API_LLAMACPP),
                 "stop %d for %s", c.stop, sk_api_name((enum sk_api)api));
    }
    return 0;
}
