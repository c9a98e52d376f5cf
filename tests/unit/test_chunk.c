/* Streamed-chunk decoding: the shapes of OpenAI chat, OpenAI completions
 * and llama.cpp streams, JSON escapes, wrong types, malformed JSON. */
#include "harness.h"

#include "sweepkit/chunk.h"
#include "sweepkit/error.h"

#include <limits.h>
#include <stdlib.h>

#define CHAT SK_API_OPENAI_CHAT
#define CMPL SK_API_OPENAI_COMPLETIONS
#define LLAMA SK_API_LLAMACPP

/* Decode a NUL-terminated literal from a heap copy of exactly its length,
 * so ASan catches any read past `len`. */
static int decode(struct sk_chunk *c, enum sk_api api, const char *s,
                  size_t len)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    if (!copy) {
        CHECK(!"out of memory");
        return SK_ENOMEM;
    }
    memcpy(copy, s, len);
    rc = sk_chunk_decode(c, api, copy, len);
    free(copy);
    return rc;
}

static int dec(struct sk_chunk *c, enum sk_api api, const char *s)
{
    return decode(c, api, s, strlen(s));
}

/* Every field at its absent value. */
static void check_absent(const struct sk_chunk *c)
{
    CHECK_INT(c->done, 0);
    CHECK_INT(c->text_bytes, 0);
    CHECK_STR(c->finish_reason, "");
    CHECK_INT(c->prompt_tokens, -1);
    CHECK_INT(c->completion_tokens, -1);
    CHECK(isnan(c->completion_tokens_given));
    CHECK_INT(c->stop, 0);
    CHECK(isnan(c->server_prompt_ms));
    CHECK(isnan(c->server_predicted_ms));
    CHECK_INT(c->server_predicted_n, -1);
    CHECK_INT(c->server_prompt_n, -1);
    CHECK_STR(c->error, "");
}

static void test_api_names(void)
{
    static const enum sk_api apis[] = {CHAT, CMPL, LLAMA};
    enum sk_api a = CHAT;
    size_t i;

    for (i = 0; i < 3; i++) {
        CHECK_INT(sk_api_parse(&a, sk_api_name(apis[i])), 0);
        CHECK_INT(a, apis[i]);
    }
    CHECK_STR(sk_api_name(CHAT), "openai-chat");
    CHECK_STR(sk_api_name(CMPL), "openai-completions");
    CHECK_STR(sk_api_name(LLAMA), "llamacpp");
    a = LLAMA;
    CHECK_INT(sk_api_parse(&a, "openai"), SK_EINVAL);
    CHECK_INT(a, LLAMA);
    CHECK_STR(sk_error_last(),
              "unknown API 'openai' (openai-chat, openai-completions or "
              "llamacpp)");
    CHECK_INT(sk_api_parse(&a, ""), SK_EINVAL);
    CHECK_INT(sk_api_parse(&a, "OpenAI-Chat"), SK_EINVAL);
}

static void test_done(void)
{
    struct sk_chunk c;
    enum sk_api api;

    for (api = CHAT; api <= LLAMA; api++) {
        CHECK_INT(dec(&c, api, "[DONE]"), 0);
        CHECK_INT(c.done, 1);
        c.done = 0;
        check_absent(&c);
    }
    CHECK_INT(dec(&c, CHAT, "[DONE] "), SK_EPARSE);
    CHECK_INT(dec(&c, CHAT, "[done]"), SK_EPARSE);
    CHECK_INT(dec(&c, CHAT, "DONE"), SK_EPARSE);
    CHECK_INT(c.done, 0);
}

static void test_openai_chat(void)
{
    struct sk_chunk c;

    /* The first chunk: the role, empty content. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
                  "\"created\":1700000000,\"model\":\"m\",\"choices\":[{"
                  "\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
                  "\"\"},\"logprobs\":null,\"finish_reason\":null}]}"),
              0);
    check_absent(&c);

    CHECK_INT(dec(&c, CHAT,
                  "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
                  "\"choices\":[{\"index\":0,\"delta\":{\"role\":"
                  "\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]"
                  "}"),
              0);
    CHECK_INT(c.text_bytes, 3);
    CHECK_STR(c.finish_reason, "");
    CHECK_INT(c.prompt_tokens, -1);
    CHECK_STR(c.error, "");

    /* Whitespace anywhere between tokens. */
    CHECK_INT(dec(&c, CHAT,
                  " \r\n\t{ \"choices\" : [ { \"delta\" : { \"content\" : "
                  "\"lo, w\" } } ] }\n "),
              0);
    CHECK_INT(c.text_bytes, 5);

    /* content null (tool-call deltas), delta empty, no choices at all */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"delta\":{\"content\":null,\"tool_calls\":"
                  "[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}"),
              0);
    check_absent(&c);
    CHECK_INT(dec(&c, CHAT, "{\"choices\":[{\"delta\":{}}]}"), 0);
    check_absent(&c);
    CHECK_INT(dec(&c, CHAT, "{}"), 0);
    check_absent(&c);
    CHECK_INT(dec(&c, CHAT, "{\"choices\":null,\"usage\":null}"), 0);
    check_absent(&c);

    /* Thinking models: reasoning text counts as generated text. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"delta\":{\"reasoning_content\":\"Hmm, "
                  "\"}}]}"),
              0);
    CHECK_INT(c.text_bytes, 5);
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"delta\":{\"reasoning\":\"ok\","
                  "\"content\":null}}]}"),
              0);
    CHECK_INT(c.text_bytes, 2);
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"delta\":{\"reasoning_content\":\"ab\","
                  "\"reasoning\":\"cde\",\"content\":\"f\"}}]}"),
              0);
    CHECK_INT(c.text_bytes, 6);

    /* The last text-less chunk with the finish reason. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                  "\"finish_reason\":\"stop\"}]}"),
              0);
    CHECK_INT(c.text_bytes, 0);
    CHECK_STR(c.finish_reason, "stop");

    /* The usage chunk (stream_options.include_usage). */
    CHECK_INT(dec(&c, CHAT,
                  "{\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":"
                  "12,\"completion_tokens\":128,\"total_tokens\":140}}"),
              0);
    CHECK_INT(c.prompt_tokens, 12);
    CHECK_INT(c.completion_tokens, 128);
    CHECK_INT(c.text_bytes, 0);
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[],\"usage\":{\"prompt_tokens\":0,"
                  "\"completion_tokens\":null,\"prompt_tokens_details\":"
                  "{\"cached_tokens\":0}}}"),
              0);
    CHECK_INT(c.prompt_tokens, 0);
    CHECK_INT(c.completion_tokens, -1);
    /* Integral numbers in any spelling; the value as written. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"usage\":{\"prompt_tokens\":12.0,\"completion_tokens\":"
                  "1.28e2}}"),
              0);
    CHECK_INT(c.prompt_tokens, 12);
    CHECK_INT(c.completion_tokens, 128);
    CHECK_INT(dec(&c, CHAT,
                  "{\"usage\":{\"prompt_tokens\":9007199254740992,"
                  "\"completion_tokens\":-0}}"),
              0);
    CHECK_INT(c.prompt_tokens, 9007199254740992LL);
    CHECK_INT(c.completion_tokens, 0);
    /* Integer syntax is exact over the whole long long range. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"usage\":{\"prompt_tokens\":9223372036854775807,"
                  "\"completion_tokens\":-9223372036854775808}}"),
              0);
    CHECK_INT(c.prompt_tokens, LLONG_MAX);
    /* A completion count that is no count: -1, and the value as given,
     * for the collector to say so. */
    CHECK_INT(c.completion_tokens, -1);
    CHECK(c.completion_tokens_given == -9223372036854775808.0);
    CHECK_INT(dec(&c, CHAT, "{\"usage\":{\"completion_tokens\":2.5}}"), 0);
    CHECK_INT(c.completion_tokens, -1);
    CHECK(c.completion_tokens_given == 2.5);
    CHECK_INT(dec(&c, CHAT, "{\"usage\":{\"completion_tokens\":-7}}"), 0);
    CHECK_INT(c.completion_tokens, -1);
    CHECK(c.completion_tokens_given == -7);
    CHECK_INT(dec(&c, LLAMA, "{\"tokens_predicted\":1e300}"), 0);
    CHECK_INT(c.completion_tokens, -1);
    CHECK(c.completion_tokens_given == 1e300);
    CHECK_INT(dec(&c, CHAT, "{\"usage\":{\"completion_tokens\":128}}"), 0);
    CHECK_INT(c.completion_tokens, 128);
    CHECK(c.completion_tokens_given == 128);
    CHECK_INT(dec(&c, CHAT, "{\"usage\":{\"prompt_tokens\":9007199254740993}}"),
              0);
    CHECK_INT(c.prompt_tokens, 9007199254740993LL);

    /* llama-server's OpenAI endpoint: timings in the final chunk. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"finish_reason\":\"length\",\"index\":0,"
                  "\"delta\":{}}],\"created\":1,\"id\":\"c\",\"model\":\"m\","
                  "\"object\":\"chat.completion.chunk\",\"usage\":{"
                  "\"completion_tokens\":128,\"prompt_tokens\":12,"
                  "\"total_tokens\":140},\"timings\":{\"prompt_n\":12,"
                  "\"prompt_ms\":3.1,\"prompt_per_token_ms\":0.26,"
                  "\"predicted_n\":128,\"predicted_ms\":2900.5,"
                  "\"predicted_per_second\":44.1}}"),
              0);
    CHECK_STR(c.finish_reason, "length");
    CHECK_INT(c.prompt_tokens, 12);
    CHECK_INT(c.completion_tokens, 128);
    CHECK_INT(c.server_prompt_n, 12);
    CHECK_INT(c.server_predicted_n, 128);
    CHECK_NEAR(c.server_prompt_ms, 3.1, 0);
    CHECK_NEAR(c.server_predicted_ms, 2900.5, 0);
    CHECK_INT(c.stop, 0);

    /* Only choices[0]; other choices are validated and ignored. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"delta\":{\"content\":\"a\"}},{\"delta\":5},"
                  "{\"delta\":{\"content\":\"bcd\"}}]}"),
              0);
    CHECK_INT(c.text_bytes, 1);
    /* Unknown keys hold anything, known names under them mean nothing. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"x\":{\"choices\":5,\"usage\":\"u\"},\"y\":[[{}],[]],"
                  "\"choices\":[{\"message\":{\"content\":\"abc\"},"
                  "\"delta\":{\"content\":\"ab\",\"refusal\":null}}],"
                  "\"system_fingerprint\":null,\"z\":[true,false,null,-1.5e-3]"
                  "}"),
              0);
    CHECK_INT(c.text_bytes, 2);
    /* Keys of the other APIs are unknown keys here. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"content\":5,\"stop\":\"x\",\"tokens_predicted\":\"y\","
                  "\"choices\":[{\"text\":7}]}"),
              0);
    check_absent(&c);
    /* A repeated key: the last one counts. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"delta\":{\"content\":\"abc\",\"content\":"
                  "\"d\"}}],\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":2"
                  "}}"),
              0);
    CHECK_INT(c.text_bytes, 1);
    CHECK_INT(c.prompt_tokens, 2);
    /* Escaped key names are keys all the same. */
    CHECK_INT(
        dec(&c, CHAT,
            "{\"ch\\u006fices\":[{\"delta\":{\"c\\u006Fntent\":\"xyz\"}}]"
            ",\"usag\\u0065\":{\"prompt\\/tokens\":1,\"prompt_tokens\\u0000"
            "\":2}}"),
        0);
    CHECK_INT(c.text_bytes, 3);
    CHECK_INT(c.prompt_tokens, -1);
}

static void test_openai_completions(void)
{
    struct sk_chunk c;

    CHECK_INT(dec(&c, CMPL,
                  "{\"id\":\"cmpl-1\",\"object\":\"text_completion\","
                  "\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                  "\"text\":\"Hello\",\"logprobs\":null,\"finish_reason\":"
                  "null}]}"),
              0);
    CHECK_INT(c.text_bytes, 5);
    CHECK_STR(c.finish_reason, "");
    CHECK_INT(dec(&c, CMPL,
                  "{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":"
                  "\"length\"}]}"),
              0);
    CHECK_INT(c.text_bytes, 0);
    CHECK_STR(c.finish_reason, "length");
    CHECK_INT(dec(&c, CMPL,
                  "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                  "\"completion_tokens\":3,\"total_tokens\":10}}"),
              0);
    CHECK_INT(c.prompt_tokens, 7);
    CHECK_INT(c.completion_tokens, 3);
    /* A chat delta means nothing to completions. */
    CHECK_INT(
        dec(&c, CMPL, "{\"choices\":[{\"delta\":{\"content\":\"abc\"}}]}"), 0);
    CHECK_INT(c.text_bytes, 0);
    CHECK_INT(dec(&c, CMPL, "{\"choices\":[{\"text\":null}]}"), 0);
    check_absent(&c);
    CHECK_INT(dec(&c, CMPL,
                  "{\"choices\":[{\"text\":\"x\"}],\"timings\":{"
                  "\"predicted_ms\":1e3}}"),
              0);
    CHECK_NEAR(c.server_predicted_ms, 1000, 0);
    CHECK(isnan(c.server_prompt_ms));
}

static void test_llamacpp(void)
{
    struct sk_chunk c;
    static const struct {
        const char *stop_type;
        int stop;
        const char *finish;
    } finish[] = {
        {"limit", 1, "length"}, {"eos", 1, "stop"},    {"word", 1, "stop"},
        {"none", 1, ""},        {"other", 1, "other"}, {"limit", 0, ""},
    };
    size_t i;

    CHECK_INT(dec(&c, LLAMA,
                  "{\"index\":0,\"content\":\"Hel\",\"stop\":false,"
                  "\"id_slot\":0,\"tokens_predicted\":1,"
                  "\"tokens_evaluated\":12}"),
              0);
    CHECK_INT(c.text_bytes, 3);
    CHECK_INT(c.stop, 0);
    CHECK_STR(c.finish_reason, "");
    CHECK_INT(c.completion_tokens, 1);
    CHECK_INT(c.prompt_tokens, 12);

    CHECK_INT(dec(&c, LLAMA,
                  "{\"content\":\"\",\"stop\":true,\"tokens_predicted\":128,"
                  "\"tokens_evaluated\":12,\"stop_type\":\"limit\","
                  "\"stopping_word\":\"\",\"timings\":{\"prompt_n\":12,"
                  "\"prompt_ms\":3.1,\"predicted_n\":128,\"predicted_ms\":"
                  "2900.5,\"predicted_per_second\":44.1}}"),
              0);
    CHECK_INT(c.text_bytes, 0);
    CHECK_INT(c.stop, 1);
    CHECK_STR(c.finish_reason, "length");
    CHECK_INT(c.completion_tokens, 128);
    CHECK_INT(c.prompt_tokens, 12);
    CHECK_INT(c.server_prompt_n, 12);
    CHECK_INT(c.server_predicted_n, 128);
    CHECK_NEAR(c.server_prompt_ms, 3.1, 0);
    CHECK_NEAR(c.server_predicted_ms, 2900.5, 0);
    CHECK_STR(c.error, "");
    CHECK_INT(c.done, 0);

    /* stop_type may come before "stop"; it is read only when stop is
     * true. */
    for (i = 0; i < sizeof(finish) / sizeof(finish[0]); i++) {
        char in[128];

        snprintf(in, sizeof(in), "{\"stop_type\":\"%s\",\"stop\":%s}",
                 finish[i].stop_type, finish[i].stop ? "true" : "false");
        CHECK_INT(dec(&c, LLAMA, in), 0);
        CHECK_INT(c.stop, finish[i].stop);
        CHECK_STR(c.finish_reason, finish[i].finish);
    }
    CHECK_INT(dec(&c, LLAMA, "{\"stop\":true}"), 0);
    CHECK_INT(c.stop, 1);
    CHECK_STR(c.finish_reason, "");
    CHECK_INT(dec(&c, LLAMA, "{\"stop\":null,\"content\":null}"), 0);
    check_absent(&c);
    /* OpenAI keys are unknown to the native API. */
    CHECK_INT(dec(&c, LLAMA,
                  "{\"choices\":[{\"text\":\"abc\",\"finish_reason\":\"stop\"}]"
                  ",\"usage\":{\"prompt_tokens\":\"x\"},\"content\":\"d\"}"),
              0);
    CHECK_INT(c.text_bytes, 1);
    CHECK_STR(c.finish_reason, "");
    CHECK_INT(c.prompt_tokens, -1);
}

/* text_bytes is UTF-8 bytes after unescaping. */
static void test_escapes(void)
{
    static const struct {
        const char *content; /* the JSON string's body */
        size_t bytes;
    } cases[] = {
        {"", 0},
        {"abc", 3},
        {"caf\\u00e9", 5},  /* U+00E9: 2 bytes */
        {"caf\xc3\xa9", 5}, /* the same, unescaped */
        {"\\u20ac", 3},     /* U+20AC */
        {"\xe2\x82\xac", 3},
        {"\\ud83d\\ude00", 4}, /* a surrogate pair: U+1F600 */
        {"\xf0\x9f\x98\x80", 4},
        {"\\uD83D\\uDE00!", 5},
        {"\\\"quoted\\\"", 8},
        {"a\\\\b", 3},
        {"\\/\\b\\f\\n\\r\\t", 6},
        {"\\u0000", 1},
        {"\\u007f\\u0080\\u07ff\\u0800\\uffff", 1 + 2 + 2 + 3 + 3},
        {"\\ud800", 3}, /* lone surrogates read as U+FFFD */
        {"\\udc00x", 4},
        {"\\ud800\\ud800", 6},
        {"\\ud800\\n", 4},
        {"\\ud800a", 4},
        {"\\udbff\\udfff", 4}, /* U+10FFFF */
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sk_chunk c;
        char in[256];

        snprintf(in, sizeof(in),
                 "{\"choices\":[{\"delta\":{\"content\":"
                 "\"%s\"}}]}",
                 cases[i].content);
        CHECK_INT(dec(&c, CHAT, in), 0);
        CHECK_INT(c.text_bytes, cases[i].bytes);
        snprintf(in, sizeof(in), "{\"content\":\"%s\"}", cases[i].content);
        CHECK_INT(dec(&c, LLAMA, in), 0);
        CHECK_INT(c.text_bytes, cases[i].bytes);
        if (c.text_bytes != cases[i].bytes)
            fprintf(stderr, "  case %zu: %s\n", i, cases[i].content);
    }
}

/* finish_reason and error are unescaped, cut on a UTF-8 boundary to fit,
 * control characters turned into spaces. */
static void test_strings(void)
{
    struct sk_chunk c;
    char in[512];

    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"finish_reason\":\"a\\u00e9\\n\\\"b\"}]}"),
              0);
    CHECK_STR(c.finish_reason, "a\xc3\xa9 \"b");
    /* 31 bytes fit; a 2-byte character that would end at byte 32 goes. */
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"finish_reason\":"
                  "\"0123456789012345678901234567890123456789\"}]}"),
              0);
    CHECK_STR(c.finish_reason, "0123456789012345678901234567890");
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"finish_reason\":"
                  "\"012345678901234567890123456789\\u00e9\"}]}"),
              0);
    CHECK_STR(c.finish_reason, "012345678901234567890123456789");
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"finish_reason\":"
                  "\"01234567890123456789012345678\\u00e9\"}]}"),
              0);
    CHECK_STR(c.finish_reason, "01234567890123456789012345678\xc3\xa9");
    CHECK_INT(dec(&c, CHAT,
                  "{\"choices\":[{\"finish_reason\":"
                  "\"0123456789012345678901234567\\ud83d\\ude00\"}]}"),
              0);
    CHECK_STR(c.finish_reason, "0123456789012345678901234567");

    /* A long error message keeps 159 bytes. */
    snprintf(in, sizeof(in), "{\"error\":{\"message\":\"%0200d\"}}", 0);
    CHECK_INT(dec(&c, CHAT, in), 0);
    CHECK_INT(strlen(c.error), 159);
    CHECK_INT(dec(&c, LLAMA,
                  "{\"error\":{\"code\":500,\"message\":\"line 1\\nline\\t2"
                  "\\u0000.\\u007f\",\"type\":\"server_error\"}}"),
              0);
    CHECK_STR(c.error, "line 1 line 2 . ");
}

static void test_errors(void)
{
    static const struct {
        enum sk_api api;
        const char *in;
        const char *error;
    } cases[] = {
        /* OpenAI and llama-server: an error object */
        {CHAT,
         "{\"error\":{\"message\":\"context length exceeded\",\"type\":"
         "\"invalid_request_error\",\"param\":null,\"code\":400}}",
         "context length exceeded"},
        {LLAMA,
         "{\"error\":{\"code\":500,\"message\":\"slot unavailable\",\"type\":"
         "\"unavailable_error\"}}",
         "slot unavailable"},
        {CMPL, "{\"error\":\"overloaded\"}", "overloaded"},
        {LLAMA, "{\"error\":\"overloaded\"}", "overloaded"},
        /* an error without a message is still an error */
        {CHAT, "{\"error\":{\"code\":500}}", "(no message)"},
        {CHAT, "{\"error\":{\"message\":null}}", "(no message)"},
        {CHAT, "{\"error\":{}}", "(no message)"},
        {CHAT, "{\"error\":\"\"}", "(no message)"},
        /* null is no error */
        {CHAT, "{\"error\":null,\"choices\":[]}", ""},
        /* vLLM's older shape, OpenAI APIs only */
        {CHAT,
         "{\"object\":\"error\",\"message\":\"bad request\",\"type\":"
         "\"BadRequestError\",\"param\":null,\"code\":400}",
         "bad request"},
        {CMPL, "{\"message\":\"m\",\"object\":\"error\"}", "m"},
        {CHAT, "{\"object\":\"error\"}", "(no message)"},
        {CHAT, "{\"object\":\"chat.completion.chunk\",\"message\":\"m\"}", ""},
        {CHAT, "{\"object\":5,\"message\":{\"a\":1}}", ""},
        {LLAMA, "{\"object\":\"error\",\"message\":\"m\"}", ""},
        {CHAT,
         "{\"object\":\"error\",\"message\":\"outer\",\"error\":{\"message\":"
         "\"inner\"}}",
         "inner"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sk_chunk c;

        CHECK_INT(dec(&c, cases[i].api, cases[i].in), 0);
        CHECK_STR(c.error, cases[i].error);
    }
}

/* A known key with a value of the wrong type: SK_EPARSE naming the key. */
static void test_wrong_types(void)
{
    static const struct {
        enum sk_api api;
        const char *in;
        const char *msg;
    } cases[] = {
        {CHAT, "{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":\"x\"}}",
         "malformed chunk: usage.completion_tokens: expected a number, got "
         "a string at byte 49"},
        {CMPL, "{\"usage\":{\"prompt_tokens\":1.5}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got 1.5 "
         "at byte 26"},
        {CHAT, "{\"usage\":{\"prompt_tokens\":1e300}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got "
         "1e300 at byte 26"},
        {CHAT, "{\"usage\":{\"prompt_tokens\":9223372036854775808}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got "
         "9223372036854775808 at byte 26"},
        {CHAT, "{\"usage\":{\"prompt_tokens\":-9223372036854775809}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got "
         "-9223372036854775809 at byte 26"},
        {CHAT, "{\"usage\":{\"prompt_tokens\":9007199254740994.0}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got "
         "9007199254740994.0 at byte 26"},
        {CHAT, "{\"usage\":{\"prompt_tokens\":true}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got "
         "true or false at byte 26"},
        {CHAT, "{\"usage\":[]}",
         "malformed chunk: usage: expected an object, got an array at byte 9"},
        {CHAT, "{\"usage\":12}",
         "malformed chunk: usage: expected an object, got 12 at byte 9"},
        {CHAT, "{\"choices\":{}}",
         "malformed chunk: choices: expected an array, got an object at byte "
         "11"},
        {CHAT, "{\"choices\":[5]}",
         "malformed chunk: choices[0]: expected an object, got 5 at byte 12"},
        {CHAT, "{\"choices\":[{\"delta\":\"x\"}]}",
         "malformed chunk: choices[0].delta: expected an object, got a string "
         "at byte 21"},
        {CHAT, "{\"choices\":[{\"delta\":{\"content\":5}}]}",
         "malformed chunk: choices[0].delta.content: expected a string, got 5 "
         "at byte 32"},
        {CHAT, "{\"choices\":[{\"delta\":{\"reasoning_content\":[]}}]}",
         "malformed chunk: choices[0].delta.reasoning_content: expected a "
         "string, got an array at byte 42"},
        {CHAT, "{\"choices\":[{\"delta\":{\"reasoning\":{}}}]}",
         "malformed chunk: choices[0].delta.reasoning: expected a string, got "
         "an object at byte 34"},
        {CHAT, "{\"choices\":[{\"finish_reason\":1}]}",
         "malformed chunk: choices[0].finish_reason: expected a string, got 1 "
         "at byte 29"},
        {CMPL, "{\"choices\":[{\"text\":false}]}",
         "malformed chunk: choices[0].text: expected a string, got true or "
         "false at byte 20"},
        {LLAMA, "{\"content\":5}",
         "malformed chunk: content: expected a string, got 5 at byte 11"},
        {LLAMA, "{\"stop\":\"yes\"}",
         "malformed chunk: stop: expected true or false, got a string at byte "
         "8"},
        {LLAMA, "{\"stop\":1}",
         "malformed chunk: stop: expected true or false, got 1 at byte 8"},
        {LLAMA, "{\"tokens_predicted\":\"128\"}",
         "malformed chunk: tokens_predicted: expected a number, got a "
         "string at byte 20"},
        {LLAMA, "{\"tokens_evaluated\":[12]}",
         "malformed chunk: tokens_evaluated: expected an integer, got an "
         "array at byte 20"},
        {LLAMA, "{\"stop_type\":0}",
         "malformed chunk: stop_type: expected a string, got 0 at byte 13"},
        {LLAMA, "{\"timings\":{\"prompt_ms\":\"3\"}}",
         "malformed chunk: timings.prompt_ms: expected a number, got a string "
         "at byte 24"},
        {CHAT, "{\"timings\":{\"predicted_n\":1.25}}",
         "malformed chunk: timings.predicted_n: expected an integer, got 1.25 "
         "at byte 26"},
        {CMPL, "{\"timings\":[]}",
         "malformed chunk: timings: expected an object, got an array at byte "
         "11"},
        {CHAT, "{\"error\":5}",
         "malformed chunk: error: expected a string or an object, got 5 at "
         "byte 9"},
        {LLAMA, "{\"error\":{\"message\":[\"x\"]}}",
         "malformed chunk: error.message: expected a string, got an array at "
         "byte 20"},
        /* a long number is cut in the message */
        {CHAT,
         "{\"usage\":{\"prompt_tokens\":0.12345678901234567890123456789}}",
         "malformed chunk: usage.prompt_tokens: expected an integer, got "
         "0.1234567890123456789012 at byte 26"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sk_chunk c;

        sk_error_clear();
        CHECK_INT(dec(&c, cases[i].api, cases[i].in), SK_EPARSE);
        CHECK_STR(sk_error_last(), cases[i].msg);
        check_absent(&c);
    }
}

static void test_malformed(void)
{
    static const struct {
        const char *in;
        const char *msg; /* after "malformed chunk: " */
    } cases[] = {
        {"", "expected a value at byte 0"},
        {" \n", "expected a value at byte 2"},
        /* not an object */
        {"[]", "expected a JSON object, got an array at byte 0"},
        {"[1,2]", "expected a JSON object, got an array at byte 0"},
        {"42", "expected a JSON object, got a number at byte 0"},
        {"\"s\"", "expected a JSON object, got a string at byte 0"},
        {"null", "expected a JSON object, got null at byte 0"},
        {"true", "expected a JSON object, got true or false at byte 0"},
        /* truncated */
        {"{", "expected a key or '}' at byte 1"},
        {"{\"a\"", "expected ':' at byte 4"},
        {"{\"a\":", "expected a value at byte 5"},
        {"{\"a\":1", "expected ',' or '}' at byte 6"},
        {"{\"a\":[1", "expected ',' or ']' at byte 7"},
        {"{\"a\":\"xy", "unterminated string at byte 5"},
        {"{\"a\":\"xy\\", "unterminated string at byte 5"},
        {"{\"a\":\"\\u00", "unterminated string at byte 5"},
        {"{\"a", "unterminated string at byte 1"},
        {"{\"a\":tr", "expected a value at byte 5"},
        {"{\"a\":-", "invalid number at byte 5"},
        /* trailing commas, missing or extra separators */
        {"{\"a\":1,}", "expected a key at byte 7"},
        {"{\"a\":[1,]}", "expected a value at byte 8"},
        {"{\"a\":[,1]}", "expected a value at byte 6"},
        {"{,}", "expected a key or '}' at byte 1"},
        {"{\"a\":1,,\"b\":2}", "expected a key at byte 7"},
        {"{\"a\" 1}", "expected ':' at byte 5"},
        {"{\"a\"::1}", "expected a value at byte 5"},
        {"{\"a\":1 \"b\":2}", "expected ',' or '}' at byte 7"},
        {"{\"content\":\"Hel\" \"stop\":false}",
         "expected ',' or '}' at byte 17"},
        {"{\"a\":[1 2]}", "expected ',' or ']' at byte 8"},
        {"{\"a\":1]", "expected ',' or '}' at byte 6"},
        {"{\"a\":[1}", "expected ',' or ']' at byte 7"},
        /* bare words and other non-JSON */
        {"{a:1}", "expected a key or '}' at byte 1"},
        {"{'a':1}", "expected a key or '}' at byte 1"},
        {"{\"a\":'x'}", "expected a value at byte 5"},
        {"{\"a\":True}", "expected a value at byte 5"},
        {"{\"a\":nul}", "expected a value at byte 5"},
        {"{\"a\":nullx}", "expected ',' or '}' at byte 9"},
        {"{\"a\":undefined}", "expected a value at byte 5"},
        {"{\"a\":NaN}", "expected a value at byte 5"},
        {"{\"a\":Infinity}", "expected a value at byte 5"},
        {"{\"a\":x}", "expected a value at byte 5"},
        /* numbers */
        {"{\"a\":01}", "expected ',' or '}' at byte 6"},
        {"{\"a\":1.}", "invalid number at byte 5"},
        {"{\"a\":.5}", "expected a value at byte 5"},
        {"{\"a\":+1}", "expected a value at byte 5"},
        {"{\"a\":1e}", "invalid number at byte 5"},
        {"{\"a\":1e+}", "invalid number at byte 5"},
        {"{\"a\":-x}", "invalid number at byte 5"},
        {"{\"a\":0x10}", "expected ',' or '}' at byte 6"},
        {"{\"a\":1_000}", "expected ',' or '}' at byte 6"},
        /* strings */
        {"{\"a\":\"\\x\"}", "invalid escape at byte 6"},
        {"{\"a\":\"\\U0041\"}", "invalid escape at byte 6"},
        {"{\"a\":\"\\u12g4\"}", "invalid escape at byte 6"},
        {"{\"a\":\"\\'\"}", "invalid escape at byte 6"},
        {"{\"a\":\"tab\there\"}", "control character in a string at byte 9"},
        {"{\"a\":\"new\nline\"}", "control character in a string at byte 9"},
        {"{\"a\":\"\xff\"}", "invalid UTF-8 at byte 6"},
        {"{\"a\":\"\x80\"}", "invalid UTF-8 at byte 6"},
        {"{\"a\":\"\xc0\xaf\"}", "invalid UTF-8 at byte 6"},     /* overlong */
        {"{\"a\":\"\xe0\x80\xaf\"}", "invalid UTF-8 at byte 6"}, /* overlong */
        {"{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8 at byte 6"}, /* surrogate */
        {"{\"a\":\"\xf4\x90\x80\x80\"}",
         "invalid UTF-8 at byte 6"},                     /* > U+10FFFF */
        {"{\"a\":\"\xc3\"}", "invalid UTF-8 at byte 6"}, /* cut */
        {"{\"a\":\"\xe2\x82\"}", "invalid UTF-8 at byte 6"},
        {"{\"\xff\":1}", "invalid UTF-8 at byte 2"},
        /* trailing garbage */
        {"{} x", "unexpected bytes after the object at byte 3"},
        {"{}}", "unexpected bytes after the object at byte 2"},
        {"{}{}", "unexpected bytes after the object at byte 2"},
        {"{\"a\":1}\n\ndata: {}",
         "unexpected bytes after the object at byte 9"},
        {"{}[DONE]", "unexpected bytes after the object at byte 2"},
        /* whitespace is space, tab, CR, LF only */
        {"{\v}", "expected a key or '}' at byte 1"},
        {"\xc2\xa0{}", "expected a value at byte 0"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sk_chunk c;
        char want[160];
        enum sk_api api;

        snprintf(want, sizeof(want), "malformed chunk: %s", cases[i].msg);
        for (api = CHAT; api <= LLAMA; api++) {
            sk_error_clear();
            CHECK_INT(dec(&c, api, cases[i].in), SK_EPARSE);
            CHECK_STR(sk_error_last(), want);
            check_absent(&c);
        }
    }

    /* NUL bytes: inside a string a control character, outside a stray
     * byte. */
    {
        static const char in1[] = "{\"a\":\"x\0\"}";
        static const char in2[] = "{\"a\":1}\0";
        struct sk_chunk c;

        CHECK_INT(decode(&c, CHAT, in1, sizeof(in1) - 1), SK_EPARSE);
        CHECK_STR(sk_error_last(),
                  "malformed chunk: control character in a string at byte 7");
        CHECK_INT(decode(&c, CHAT, in2, sizeof(in2) - 1), SK_EPARSE);
        CHECK_STR(sk_error_last(),
                  "malformed chunk: unexpected bytes after the object at "
                  "byte 7");
        /* len, not the NUL, ends the data */
        CHECK_INT(decode(&c, CHAT, "{}garbage", 2), 0);
        CHECK_INT(sk_chunk_decode(&c, CHAT, NULL, 0), SK_EPARSE);
    }
}

/* SK_CHUNK_MAX_DEPTH levels of objects and arrays pass, one more fails. */
static void test_depth(void)
{
    char in[4 * SK_CHUNK_MAX_DEPTH + 16];
    struct sk_chunk c;
    size_t levels, n, i;

    for (levels = SK_CHUNK_MAX_DEPTH; levels <= SK_CHUNK_MAX_DEPTH + 1;
         levels++) {
        /* {"a":[[...[{}]...]]}: the root object, arrays, a last object */
        n = (size_t)snprintf(in, sizeof(in), "{\"a\":");
        for (i = 0; i < levels - 2; i++)
            in[n++] = '[';
        in[n++] = '{';
        in[n++] = '}';
        for (i = 0; i < levels - 2; i++)
            in[n++] = ']';
        in[n++] = '}';
        in[n] = '\0';
        sk_error_clear();
        if (levels == SK_CHUNK_MAX_DEPTH) {
            CHECK_INT(dec(&c, CHAT, in), 0);
        } else {
            char want[80];

            snprintf(want, sizeof(want),
                     "malformed chunk: nesting deeper than %d at byte %d",
                     SK_CHUNK_MAX_DEPTH, SK_CHUNK_MAX_DEPTH + 4);
            CHECK_INT(dec(&c, CHAT, in), SK_EPARSE);
            CHECK_STR(sk_error_last(), want);
        }
    }

    /* Far deeper than the limit: refused, not a stack overflow. */
    {
        static char deep[100000];

        memset(deep, '[', sizeof(deep));
        deep[0] = '{';
        CHECK_INT(decode(&c, CHAT, "{\"a\":", 5), SK_EPARSE);
        memcpy(deep, "{\"a\":", 5);
        CHECK_INT(decode(&c, CHAT, deep, sizeof(deep)), SK_EPARSE);
        memset(deep, '{', sizeof(deep));
        CHECK_INT(decode(&c, CHAT, deep, sizeof(deep)), SK_EPARSE);
    }
}

int main(void)
{
    test_api_names();
    test_done();
    test_openai_chat();
    test_openai_completions();
    test_llamacpp();
    test_escapes();
    test_strings();
    test_errors();
    test_wrong_types();
    test_malformed();
    test_depth();
    return sk_test_done("test_chunk");
}
