/*
 * serve-sim's requests: routing, validation of the JSON bodies, and every
 * response body but the streamed tokens (server.c writes those, from
 * pieces made here by make_prefix()).  jansson builds the bodies; the
 * error shapes are OpenAI's ({"error":{"message","type","param","code"}}).
 */
#include "server_int.h"

#include "sweepkit/error.h"
#include "sweepkit/http.h"
#include "sweepkit/sim.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const sk_server__ep_name[] = {
    "-",           "/v1/chat/completions", "/v1/completions",
    "/completion", "/v1/models",           "/health",
    "/metrics"};

/* ---- responses --------------------------------------------------------- */

/* One SSE event ("data: " + body + "\n\n"), as an HTTP chunk when the
 * response is chunked. */
static void out_event(struct conn *c, const char *body, size_t n)
{
    char hex[24];

    if (c->r.chunked) {
        snprintf(hex, sizeof(hex), "%zx\r\n", n + 8);
        out_str(c, hex);
    }
    out_add(c, "data: ", 6);
    out_add(c, body, n);
    out_add(c, c->r.chunked ? "\n\n\r\n" : "\n\n", c->r.chunked ? 4 : 2);
}

static void out_json_event(struct conn *c, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));

    if (!s) {
        c->overflow = 1;
        return;
    }
    out_event(c, s, strlen(s));
    free(s);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* A whole JSON response; `j` is consumed.  The request is then done. */
static void respond_json(struct conn *c, int status, json_t *j,
                         const char *extra)
{
    char *body =
        j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    char head[256];

    json_decref(j);
    if (!body) {
        status = 500;
        body = strdup("{\"error\":{\"message\":\"out of memory\","
                      "\"type\":\"server_error\"}}");
        c->close_after = 1;
    }
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d %s\r\n" SERVER_LINE
             "Content-Type: application/json\r\n"
             "Content-Length: %zu\r\n%s%s\r\n",
             status, reason(status), body ? strlen(body) : 0,
             extra ? extra : "", c->close_after ? "Connection: close\r\n" : "");
    out_str(c, head);
    if (body)
        out_str(c, body);
    free(body);
    c->r.status = status;
    c->r.done = 1;
}

static void respond_error(struct conn *c, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void respond_error(struct conn *c, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    respond_json(
        c, status,
        json_pack("{s:{s:s, s:s, s:n, s:i}}", "error", "message", msg, "type",
                  status >= 500 ? "server_error" : "invalid_request_error",
                  "param", "code", status),
        status == 405
            ? (c->r.ep >= EP_MODELS ? "Allow: GET\r\n" : "Allow: POST\r\n")
            : NULL);
}

/* ---- response bodies ------------------------------------------------- */

static const char *finish_reason(const struct req *r)
{
    return r->finish_length ? "length" : "stop";
}

/* The whole generated text (non-streaming responses); malloc'ed. */
static char *full_text(const struct sk_server *sv, const struct req *r,
                       size_t *len)
{
    size_t i, n = 0, tl;
    char *s;

    for (i = 0; i < r->emitted; i++) {
        sk_sim_token_text(sv->o.model.seed, r->id, i, &tl);
        n += tl;
    }
    if (!(s = malloc(n + 1)))
        return NULL;
    for (n = 0, i = 0; i < r->emitted; i++) {
        const char *t = sk_sim_token_text(sv->o.model.seed, r->id, i, &tl);

        memcpy(s + n, t, tl);
        n += tl;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

static json_t *usage_json(const struct req *r)
{
    return json_pack("{s:I, s:I, s:I}", "prompt_tokens",
                     (json_int_t)r->prompt_tokens, "completion_tokens",
                     (json_int_t)r->emitted, "total_tokens",
                     (json_int_t)(r->prompt_tokens + r->emitted));
}

/* llama.cpp's final /completion object (content filled by the caller).
 * prompt_ms is the model's prefill time; predicted_ms runs from the first
 * token to the last on the model's clock, so predicted_per_second is the
 * decode rate (predicted_n - 1 tokens over it). */
static json_t *llama_json(const struct sk_server *sv, const struct req *r,
                          const char *text, size_t text_len)
{
    double pms =
        (double)sk_sim_prefill_ns(&sv->o.model, r->prompt_tokens) / 1e6;
    double dms =
        r->emitted ? (double)(r->sched_last - r->sched_first) / 1e6 : 0.0;
    size_t dn = r->emitted > 1 ? r->emitted - 1 : 0;

    return json_pack(
        "{s:i, s:s%, s:b, s:s, s:I, s:I, s:s, s:s, s:{s:I, s:f, s:f, s:f, "
        "s:I, s:f, s:f, s:f}}",
        "index", 0, "content", text, text_len, "stop", 1, "model", r->model,
        "tokens_predicted", (json_int_t)r->emitted, "tokens_evaluated",
        (json_int_t)r->prompt_tokens, "stop_type",
        r->finish_length ? "limit" : "eos", "stopping_word", "", "timings",
        "prompt_n", (json_int_t)r->prompt_tokens, "prompt_ms", pms,
        "prompt_per_token_ms",
        r->prompt_tokens ? pms / (double)r->prompt_tokens : 0.0,
        "prompt_per_second",
        pms > 0 ? (double)r->prompt_tokens * 1e3 / pms : 0.0, "predicted_n",
        (json_int_t)r->emitted, "predicted_ms", dms, "predicted_per_token_ms",
        dn ? dms / (double)dn : 0.0, "predicted_per_second",
        dms > 0 ? (double)dn * 1e3 / dms : 0.0);
}

/* The end of a response, once the model is done with the request. */
void sk_server__finish_response(struct sk_server *sv, struct conn *c)
{
    struct req *r = &c->r;
    json_t *j;
    char id[64];
    size_t len = 0;
    char *text;

    snprintf(id, sizeof(id), "%s-sim-%llu",
             r->ep == EP_CHAT ? "chatcmpl" : "cmpl", (unsigned long long)r->id);
    if (r->stream) {
        if (r->ep == EP_LLAMA) {
            out_json_event(c, j = llama_json(sv, r, "", 0));
            json_decref(j);
        } else {
            j = json_pack("{s:s, s:s, s:I, s:s}", "id", id, "object",
                          r->ep == EP_CHAT ? "chat.completion.chunk"
                                           : "text_completion",
                          "created", (json_int_t)r->created, "model", r->model);
            if (r->ep == EP_CHAT)
                json_object_set_new(
                    j, "choices",
                    json_pack("[{s:i, s:{}, s:n, s:s}]", "index", 0, "delta",
                              "logprobs", "finish_reason", finish_reason(r)));
            else
                json_object_set_new(
                    j, "choices",
                    json_pack("[{s:i, s:s, s:n, s:s}]", "index", 0, "text", "",
                              "logprobs", "finish_reason", finish_reason(r)));
            out_json_event(c, j);
            if (r->include_usage) {
                json_object_set_new(j, "choices", json_array());
                json_object_set_new(j, "usage", usage_json(r));
                out_json_event(c, j);
            }
            json_decref(j);
            out_event(c, "[DONE]", 6);
        }
        if (r->chunked)
            out_str(c, "0\r\n\r\n");
        return;
    }
    if (!(text = full_text(sv, r, &len))) {
        respond_error(c, 500, "out of memory");
        return;
    }
    if (r->ep == EP_LLAMA)
        j = llama_json(sv, r, text, len);
    else if (r->ep == EP_CHAT)
        j = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s%}, s:n, "
                      "s:s}], s:o}",
                      "id", id, "object", "chat.completion", "created",
                      (json_int_t)r->created, "model", r->model, "choices",
                      "index", 0, "message", "role", "assistant", "content",
                      text, len, "logprobs", "finish_reason", finish_reason(r),
                      "usage", usage_json(r));
    else
        j = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:s%, s:n, s:s}], "
                      "s:o}",
                      "id", id, "object", "text_completion", "created",
                      (json_int_t)r->created, "model", r->model, "choices",
                      "index", 0, "text", text, len, "logprobs",
                      "finish_reason", finish_reason(r), "usage",
                      usage_json(r));
    free(text);
    respond_json(c, 200, j, NULL);
}

/* ---- request validation ---------------------------------------------- */

/* Each returns 0, or -1 after queueing a 400 response. */
static int get_bool(struct conn *c, json_t *o, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        respond_error(c, 400, "'%s' must be a boolean", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

/* *out stays as it is when the key is absent or null. */
static int get_int(struct conn *c, json_t *o, const char *key, long long min,
                   long long *out)
{
    json_t *v = json_object_get(o, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min) {
        respond_error(c, 400, "'%s' must be an integer >= %lld", key, min);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* Bytes of text in a chat message's content: a string, or an array of
 * parts whose "text" strings count. */
static int content_bytes(struct conn *c, json_t *m, size_t i, size_t *bytes)
{
    json_t *v = json_object_get(m, "content"), *part;
    size_t k;

    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *bytes += json_string_length(v);
        return 0;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, k, part)
        {
            json_t *t = json_object_get(part, "text");

            if (!json_is_object(part)) {
                respond_error(c, 400,
                              "messages[%zu].content[%zu] must be "
                              "an object",
                              i, k);
                return -1;
            }
            if (json_is_string(t))
                *bytes += json_string_length(t);
        }
        return 0;
    }
    respond_error(c, 400,
                  "messages[%zu].content must be a string or an "
                  "array of content parts",
                  i);
    return -1;
}

/* Prompt tokens by the documented rule: ceil(bytes/4) of the text, or
 * the number of ids when the prompt is given as token ids. */
static int prompt_tokens(struct conn *c, json_t *body, size_t *out)
{
    size_t bytes = 0, i;
    json_t *v, *m;

    if (c->r.ep == EP_CHAT) {
        v = json_object_get(body, "messages");
        if (!v) {
            respond_error(c, 400, "'messages' is a required property");
            return -1;
        }
        if (!json_is_array(v) || json_array_size(v) == 0) {
            respond_error(c, 400, "'messages' must be a non-empty array");
            return -1;
        }
        json_array_foreach(v, i, m)
        {
            if (!json_is_object(m)) {
                respond_error(c, 400, "messages[%zu] must be an object", i);
                return -1;
            }
            if (content_bytes(c, m, i, &bytes) != 0)
                return -1;
        }
        *out = sk_sim_prompt_tokens(bytes);
        return 0;
    }
    v = json_object_get(body, "prompt");
    if (!v) {
        respond_error(c, 400, "'prompt' is a required property");
        return -1;
    }
    if (json_is_string(v)) {
        *out = sk_sim_prompt_tokens(json_string_length(v));
        return 0;
    }
    if (json_is_array(v) && json_array_size(v) == 1 &&
        json_is_string(json_array_get(v, 0)) && c->r.ep == EP_CMPL) {
        *out = sk_sim_prompt_tokens(json_string_length(json_array_get(v, 0)));
        return 0;
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t ids = 0;

        json_array_foreach(v, i, m) ids += json_is_integer(m) != 0;
        if (ids == json_array_size(v)) {
            *out = ids;
            return 0;
        }
    }
    respond_error(c, 400,
                  "'prompt' must be a string or an array of token "
                  "ids%s",
                  c->r.ep == EP_CMPL ? " (or of one string)" : "");
    return -1;
}

/* Start of every streamed chunk, up to the token text. */
static int make_prefix(struct conn *c)
{
    struct req *r = &c->r;
    json_t *m = json_string(r->model);
    char model[6 * MODEL_MAX + 8];
    size_t ml = m ? json_dumpb(m, model, sizeof(model), JSON_ENCODE_ANY) : 0;
    int n;

    json_decref(m);
    if (ml == 0 || ml >= sizeof(model))
        return -1;
    model[ml] = '\0';
    if (r->ep == EP_LLAMA)
        n = snprintf(r->pre, sizeof(r->pre), "{\"index\":0,\"content\":\"");
    else
        n = snprintf(
            r->pre, sizeof(r->pre),
            "{\"id\":\"%s-sim-%llu\",\"object\":\"%s\","
            "\"created\":%lld,\"model\":%s,\"choices\":[{"
            "\"index\":0,\"%s\":\"",
            r->ep == EP_CHAT ? "chatcmpl" : "cmpl", (unsigned long long)r->id,
            r->ep == EP_CHAT ? "chat.completion.chunk" : "text_completion",
            r->created, model,
            r->ep == EP_CHAT ? "delta\":{\"content" : "text");
    if (n < 0 || (size_t)n >= sizeof(r->pre))
        return -1;
    r->pre_len = (size_t)n;
    return 0;
}

/* GET /metrics: the model's state as vLLM's Prometheus gauges name it
 * (vllm/v1/metrics/loggers.py): requests running (in a batch slot) and
 * waiting, and the share of slots in use as the KV cache's. */
static void respond_metrics(struct sk_server *sv, struct conn *c)
{
    size_t active = sk_sim_active(sv->sim), queued = sk_sim_queued(sv->sim);
    char body[1024], head[256];
    int n;

    n = snprintf(
        body, sizeof(body),
        "# HELP vllm:num_requests_running Number of requests in model "
        "execution batches.\n"
        "# TYPE vllm:num_requests_running gauge\n"
        "vllm:num_requests_running{model_name=\"%s\"} %zu\n"
        "# HELP vllm:num_requests_waiting Number of requests waiting to be "
        "processed.\n"
        "# TYPE vllm:num_requests_waiting gauge\n"
        "vllm:num_requests_waiting{model_name=\"%s\"} %zu\n"
        "# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 "
        "percent usage.\n"
        "# TYPE vllm:kv_cache_usage_perc gauge\n"
        "vllm:kv_cache_usage_perc{model_name=\"%s\"} %.6g\n",
        DEFAULT_MODEL, active, DEFAULT_MODEL, queued, DEFAULT_MODEL,
        (double)active / (double)sv->o.model.slots);
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\n" SERVER_LINE
             "Content-Type: text/plain; version=0.0.4\r\n"
             "Content-Length: %d\r\n%s\r\n",
             n, c->close_after ? "Connection: close\r\n" : "");
    out_str(c, head);
    out_str(c, body);
    c->r.status = 200;
    c->r.done = 1;
}

/* Does the request carry "Authorization: Bearer <the server's key>"? */
static int key_ok(const struct sk_server *sv, const struct conn *c)
{
    const char *v = sk_http_header(c->http, "authorization");

    return v && strncmp(v, "Bearer ", 7) == 0 &&
           strcmp(v + 7, sv->o.api_key) == 0;
}

/* /v1/models: --models' ids in order, else the default model. */
static json_t *model_list(const struct sk_server *sv)
{
    json_t *data = json_array();
    const char *m = sv->o.models ? sv->o.models : DEFAULT_MODEL;

    while (data && *m) {
        size_t n = strcspn(m, ",");

        json_array_append_new(data, json_pack("{s:s%, s:s, s:i, s:s}", "id", m,
                                              n, "object", "model", "created",
                                              0, "owned_by", "sweepkit"));
        m += n + (m[n] == ',');
    }
    return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

/* Is `name` one of --models (any name when none was given)? */
static int model_served(const struct sk_server *sv, const char *name)
{
    const char *m = sv->o.models;
    size_t len = strlen(name);

    if (!m)
        return 1;
    while (*m) {
        size_t n = strcspn(m, ",");

        if (n == len && memcmp(m, name, n) == 0)
            return 1;
        m += n + (m[n] == ',');
    }
    return 0;
}

/* A generation request: validate, hand it to the model, and for a stream
 * send the response head now. */
static void start_generation(struct sk_server *sv, struct conn *c)
{
    struct req *r = &c->r;
    size_t blen;
    const char *b = sk_http_body(c->http, &blen);
    json_error_t jerr;
    json_t *body = json_loadb(b, blen, 0, &jerr), *v;
    long long limit = -1, n = 1;
    int ignore_eos = 0, rc;
    size_t mark = c->out_len;

    if (!body) {
        respond_error(c, 400,
                      "invalid JSON in request body: %s (line %d, "
                      "column %d)",
                      jerr.text, jerr.line, jerr.column);
        return;
    }
    if (!json_is_object(body)) {
        respond_error(c, 400, "the request body must be a JSON object");
        goto done;
    }
    if (prompt_tokens(c, body, &r->prompt_tokens) != 0 ||
        get_bool(c, body, "stream", &r->stream) != 0 ||
        get_bool(c, body, "ignore_eos", &ignore_eos) != 0)
        goto done;
    if (r->ep == EP_LLAMA) {
        if (get_int(c, body, "n_predict", LLONG_MIN, &limit) != 0)
            goto done;
        if (limit < 0)
            limit = -1;
    } else if (get_int(c, body, "max_tokens", 1, &limit) != 0 ||
               get_int(c, body, "max_completion_tokens", 1, &limit) != 0 ||
               get_int(c, body, "n", 1, &n) != 0) {
        goto done;
    }
    if (n != 1) {
        respond_error(c, 400, "'n' other than 1 is not supported");
        goto done;
    }
    v = json_object_get(body, "stream_options");
    if (v && !json_is_null(v) &&
        (!json_is_object(v) ||
         get_bool(c, v, "include_usage", &r->include_usage) != 0)) {
        if (!r->done)
            respond_error(c, 400, "'stream_options' must be an object");
        goto done;
    }
    v = json_object_get(body, "model");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) > MODEL_MAX) {
            respond_error(c, 400,
                          "'model' must be a string of at most %d "
                          "bytes",
                          MODEL_MAX);
            goto done;
        }
        snprintf(r->model, sizeof(r->model), "%s", json_string_value(v));
        if (!model_served(sv, r->model)) {
            /* vLLM's words */
            respond_error(c, 404, "The model `%s` does not exist.", r->model);
            goto done;
        }
    }
    r->out_tokens = sk_sim_output_tokens(&sv->o.model, limit, ignore_eos,
                                         &r->finish_length);
    r->created = (long long)time(NULL);
    if (r->stream && make_prefix(c) != 0) {
        respond_error(c, 400, "'model' cannot be echoed");
        goto done;
    }
    if (r->stream) {
        r->chunked = sk_http_version(c->http) == 11;
        if (!r->chunked)
            c->close_after = 1; /* HTTP/1.0: the body ends at the close */
        out_str(c, "HTTP/1.1 200 OK\r\n" SERVER_LINE
                   "Content-Type: text/event-stream\r\n"
                   "Cache-Control: no-cache\r\n");
        out_str(c, r->chunked ? "Transfer-Encoding: chunked\r\n" : "");
        out_str(c, c->close_after ? "Connection: close\r\n\r\n"
                                  : "Connection: keep-alive\r\n\r\n");
    }
    r->in_sim = 1;
    rc = sk_sim_submit(sv->sim, &r->handle, sv->now, (uint64_t)(uintptr_t)c,
                       r->prompt_tokens, r->out_tokens);
    if (rc != 0) {
        r->in_sim = 0;
        c->out_len = mark; /* take back the stream head, if any */
        respond_error(c, 503, "the server is at its request limit");
    }
done:
    json_decref(body);
}

/* The client's X-Request-Id as a CSV-safe word: letters, digits and
 * "-_.:" kept, anything else dropped; "" when absent. */
static void client_id(char *out, size_t cap, const char *v)
{
    size_t n = 0;

    for (; v && *v && n + 1 < cap; v++)
        if (isalnum((unsigned char)*v) || strchr("-_.:", *v))
            out[n++] = *v;
    out[n] = '\0';
}

void sk_server__dispatch(struct sk_server *sv, struct conn *c)
{
    struct req *r = &c->r;
    const char *method = sk_http_method(c->http);
    const char *target = sk_http_target(c->http);
    size_t plen = strcspn(target, "?");
    int post;

    memset(r, 0, offsetof(struct req, model));
    snprintf(r->model, sizeof(r->model), "%s", DEFAULT_MODEL);
    client_id(r->client_id, sizeof(r->client_id),
              sk_http_header(c->http, "x-request-id"));
    tick(sv);
    c->write_ns = sv->now; /* the stall clock starts with the request */
    r->live = 1;
    r->id = ++sv->next_id;
    r->accept_ns = sv->now;
    r->first_ns = r->last_ns = -1;
    sv->n.requests++;
    c->state = C_ACTIVE;
    c->close_after = !sk_http_keep_alive(c->http);
    for (r->ep = EP_CHAT; r->ep <= EP_METRICS; r->ep++)
        if (strlen(sk_server__ep_name[r->ep]) == plen &&
            memcmp(sk_server__ep_name[r->ep], target, plen) == 0)
            break;
    if (r->ep > EP_METRICS) {
        r->ep = EP_NONE;
        respond_error(c, 404, "Invalid URL (%.32s %.200s)", method, target);
        return;
    }
    post = r->ep == EP_CHAT || r->ep == EP_CMPL || r->ep == EP_LLAMA;
    if (strcmp(method, post ? "POST" : "GET") != 0) {
        respond_error(c, 405, "method %.32s not allowed on %s (use %s)", method,
                      sk_server__ep_name[r->ep], post ? "POST" : "GET");
        return;
    }
    if (sv->now < sv->o.ready_ns) { /* llama-server while it loads */
        respond_error(c, 503, "Loading model");
        return;
    }
    if (sv->o.api_key && r->ep != EP_HEALTH && r->ep != EP_METRICS &&
        !key_ok(sv, c)) {
        respond_error(c, 401,
                      "Invalid API key: send Authorization: Bearer "
                      "with the server's key");
        return;
    }
    if (r->ep == EP_HEALTH) {
        size_t active = sk_sim_active(sv->sim);

        respond_json(
            c, 200,
            json_pack("{s:s, s:I, s:I, s:I}", "status", "ok", "slots_idle",
                      (json_int_t)(sv->o.model.slots - active),
                      "slots_processing", (json_int_t)active, "requests_queued",
                      (json_int_t)sk_sim_queued(sv->sim)),
            NULL);
    } else if (r->ep == EP_METRICS) {
        respond_metrics(sv, c);
    } else if (r->ep == EP_MODELS) {
        respond_json(c, 200, model_list(sv), NULL);
    } else {
        start_generation(sv, c);
    }
}

/* Read and parse until one request is complete.  Returns 1 when a request
 * was taken (its response may be pending), 0 to wait for input. */

/* A request the parser rejected: counted and logged like any other, with
 * the parser's status and message; the connection closes after it. */
void sk_server__reject(struct sk_server *sv, struct conn *c)
{
    sk_error_clear();
    memset(&c->r, 0, offsetof(struct req, model));
    c->r.client_id[0] = '\0';
    c->r.live = 1;
    c->r.id = ++sv->next_id;
    c->r.accept_ns = sv->now;
    c->r.first_ns = c->r.last_ns = -1;
    c->state = C_ACTIVE;
    c->close_after = 1; /* the framing is lost */
    c->pend_len = 0;
    sv->n.requests++;
    respond_error(c, sk_http_status(c->http), "%s", sk_http_error(c->http));
}
