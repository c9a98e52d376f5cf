/*
 * Decode the data of one streamed event (one SSE "data" payload) into what
 * the collector records: how much generated text it carries, the finish
 * reason, token counts, the server's own timings and an in-stream error.
 * Three APIs:
 *
 * - SK_API_OPENAI_CHAT, POST /v1/chat/completions: generated text is
 *   choices[0].delta.content plus choices[0].delta.reasoning_content and
 *   choices[0].delta.reasoning (thinking models stream those); finish
 *   reason choices[0].finish_reason; token counts from "usage".
 * - SK_API_OPENAI_COMPLETIONS, POST /v1/completions: choices[0].text and
 *   choices[0].finish_reason; "usage" as for chat.
 * - SK_API_LLAMACPP, llama.cpp's native POST /completion: "content",
 *   "stop", tokens_evaluated (prompt) and tokens_predicted (completion).
 *   When "stop" is true the finish reason is "stop_type" mapped to the
 *   OpenAI words: "limit" -> "length", "eos" and "word" -> "stop", "none"
 *   -> ""; any other stop_type is kept as it is.
 *
 * For every API: "timings" (llama-server adds it to the final chunk of its
 * native and OpenAI endpoints) gives prompt_n, prompt_ms, predicted_n,
 * predicted_ms; "error" as {"message": ...} or a string is an in-stream
 * error, and for the OpenAI APIs so is vLLM's older {"object": "error",
 * "message": ...}.
 * Only choices[0] is read (the collector asks for one choice).  A null
 * value counts as absent.  Unknown keys are ignored; a known key whose
 * value has the wrong type is an error naming the key.  Keys and strings
 * are compared and measured after JSON unescaping.
 *
 * The JSON must be valid RFC 8259 text: strict grammar, strings in valid
 * UTF-8, nesting at most SK_CHUNK_MAX_DEPTH deep, nothing but whitespace
 * after the value, and the value an object.  Escaped lone surrogates
 * ("\ud800") are accepted, as the grammar allows, and read as U+FFFD.
 *
 * Nothing here allocates; every function is thread-safe.
 */
#ifndef SWEEPKIT_CHUNK_H
#define SWEEPKIT_CHUNK_H

#include <stddef.h>

/* Deepest nesting of objects and arrays accepted (the chunk's own object
 * is level 1). */
#define SK_CHUNK_MAX_DEPTH 64

enum sk_api { SK_API_OPENAI_CHAT, SK_API_OPENAI_COMPLETIONS, SK_API_LLAMACPP };

/* The API named `name`: "openai-chat", "openai-completions" or
 * "llamacpp".  Returns 0, or SK_EINVAL (message lists the names) and
 * leaves *out alone. */
int sk_api_parse(enum sk_api *out, const char *name);

/* The name sk_api_parse() takes for `api`.  Static: do not free. */
const char *sk_api_name(enum sk_api api);

/* What one event's data says.  Fields the data does not mention keep the
 * "absent" value given with each. */
struct sk_chunk {
    /* Data was exactly "[DONE]" (OpenAI end of stream); every other field
     * absent. */
    int done;
    /* Generated text in this chunk: UTF-8 bytes after JSON unescaping,
     * summed over the API's text fields; 0 = none. */
    size_t text_bytes;
    /* "" when absent or null; truncated on a UTF-8 boundary; control
     * characters become spaces. */
    char finish_reason[32];
    /* usage.prompt_tokens or llama's tokens_evaluated; -1 when absent. */
    long long prompt_tokens;
    /* usage.completion_tokens or llama's tokens_predicted; -1 when
     * absent or not an integer >= 0. */
    long long completion_tokens;
    /* The same count as given, any JSON number (2.5, -7, 1e9); NaN when
     * absent.  The collector checks it (docs/collect.md, "Token
     * counts"). */
    double completion_tokens_given;
    /* llama.cpp: "stop": true (the final event); 0 otherwise. */
    int stop;
    /* timings.prompt_ms and timings.predicted_ms; NaN when absent. */
    double server_prompt_ms, server_predicted_ms;
    /* timings.predicted_n and timings.prompt_n; -1 when absent. */
    long long server_predicted_n, server_prompt_n;
    /* An in-stream error's message, "" when none, "(no message)" for an
     * error without one; truncated and cleaned like finish_reason. */
    char error[160];
};

/*
 * Decode `data[0..len)` (need not be NUL-terminated) as a chunk of `api`
 * into *out.  Integer fields take a JSON number with an integral value:
 * integer syntax anywhere in the range of long long, or a fraction or
 * exponent form (12.0, 1.28e2) up to 2^53 in magnitude.
 *
 * Returns 0, or SK_EPARSE with one line in sk_error_last() such as
 * "malformed chunk: expected ',' or '}' at byte 17" or "malformed chunk:
 * usage.completion_tokens: expected an integer, got a string at byte 40"
 * (byte offsets count from 0); *out then holds the absent values.
 * Thread-safe; allocates nothing.
 */
int sk_chunk_decode(struct sk_chunk *out, enum sk_api api, const char *data,
                    size_t len);

#endif
