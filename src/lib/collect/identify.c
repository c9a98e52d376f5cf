/*
 * Which server a run measured, asked once before the first level: GET
 * PREFIX/v1/models (OpenAI's model list, {"data":[{"id":...},...]}) and
 * GET PREFIX/props (llama.cpp's llama-server: "build_info", "model_path",
 * "total_slots"), both at once, with the run's own headers, at most
 * IDENTIFY_MAX_MS (or --timeout when shorter) and IDENTIFY_BODY_MAX bytes
 * a body; and the first `Server:` header seen, from these answers or the
 * first query's (sidecar "server", docs/collect.md).
 *
 * Nothing here fails the run: a refused connection, a 404, a timeout, a
 * body that is not JSON or is over the cap just leave the field unset.
 * Every string kept is server text, so it goes through sk_scrub_text()
 * (the secrets the user gave masked, one line of valid UTF-8) and is cut
 * to SK_COLLECT_SERVER_TEXT - 1 bytes.
 */
#include "collect_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDENTIFY_MAX_MS 5000L               /* both requests together */
#define IDENTIFY_BODY_MAX ((size_t)1 << 20) /* bytes of a body read */
#define IDENTIFY_POLL_MS 100 /* the stop flag is seen this often */

/* One probe: its handle and the body read so far (capped). */
struct probe {
    CURL *easy;
    char *url;
    char *body;
    size_t len, cap;
    int over;    /* the body passed IDENTIFY_BODY_MAX: not read */
    int done_ok; /* the transfer ended with CURLE_OK */
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct probe *b = ud;
    size_t len = size * n;

    if (len > IDENTIFY_BODY_MAX - b->len) {
        b->over = 1;
        return 0; /* libcurl aborts the transfer */
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        char *s;

        while (cap < b->len + len)
            cap *= 2;
        if (cap > IDENTIFY_BODY_MAX)
            cap = IDENTIFY_BODY_MAX;
        if (!(s = realloc(b->body, cap))) {
            b->over = 1;
            return 0;
        }
        b->body = s;
        b->cap = cap;
    }
    memcpy(b->body + b->len, p, len);
    b->len += len;
    return len;
}

/* The URL without an API's path (any of the three: a --url may end in
 * one) and a final "/v1", then `path`: "http://h:8000/v1/chat/completions",
 * "http://h:8000/v1/" and "http://h:8000" all give "http://h:8000" + path,
 * and "http://gw/llm/v1" gives "http://gw/llm" + path (a gateway's prefix
 * kept, as the run's requests keep it).  malloc'ed. */
char *sk_collect__probe_url(const char *base, const char *path)
{
    static const char *const api_paths[] = {"/v1/chat/completions",
                                            "/v1/completions", "/completion"};
    size_t n = strlen(base), i;
    char *s;

    while (n > 0 && base[n - 1] == '/')
        n--;
    for (i = 0; i < sizeof(api_paths) / sizeof(api_paths[0]); i++)
        if (sk_collect__ends_with(base, n, api_paths[i])) {
            n -= strlen(api_paths[i]);
            break;
        }
    if (sk_collect__ends_with(base, n, "/v1"))
        n -= 3;
    if (!(s = malloc(n + strlen(path) + 1)))
        return NULL;
    memcpy(s, base, n);
    strcpy(s + n, path);
    return s;
}

/* Server text into `out` (SK_COLLECT_SERVER_TEXT bytes): scrubbed and
 * cut.  At most 4 times what fits is read: a secret cut by that end is
 * still masked (scrub.h, "a start of a form that ends the text"). */
static void keep(char *out, const sk_scrub *scrub, const char *s, size_t n)
{
    if (n > 4 * SK_COLLECT_SERVER_TEXT)
        n = 4 * SK_COLLECT_SERVER_TEXT;
    sk_scrub_text(out, SK_COLLECT_SERVER_TEXT, scrub, s, n);
}

void sk_collect__get_setup(CURL *e, const char *url, long timeout_ms,
                           curl_write_callback write, void *payload)
{
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, payload);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sweepkit-collect");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
}

void sk_collect__server_header(sk_collect_server *out, CURL *easy,
                               const sk_scrub *scrub)
{
    struct curl_header *h = NULL;
    const char *v;

    if (out->header[0] ||
        curl_easy_header(easy, "Server", 0, CURLH_HEADER, -1, &h) !=
            CURLHE_OK ||
        !h || !h->value)
        return;
    for (v = h->value; *v == ' ' || *v == '\t'; v++)
        ;
    keep(out->header, scrub, v, strlen(v));
}

/* The JSON body of a 200 answer read whole, or NULL. */
static json_t *answer_json(const struct probe *b)
{
    long status = 0;

    curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &status);
    if (!b->done_ok || b->over || status != 200 || !b->body)
        return NULL;
    return json_loadb(b->body, b->len, 0, NULL);
}

/* {"data": [{"id": "m1"}, ...]}: every string id, in order, at most
 * SK_COLLECT_SERVER_MODELS of them. */
static void read_models(sk_collect_server *out, json_t *j,
                        const sk_scrub *scrub)
{
    json_t *data = json_object_get(j, "data"), *m;
    size_t i;

    if (!json_is_array(data))
        return;
    out->has_models = 1;
    json_array_foreach(data, i, m)
    {
        json_t *id = json_object_get(m, "id");

        if (out->nmodels == SK_COLLECT_SERVER_MODELS)
            break;
        if (json_is_string(id))
            keep(out->models[out->nmodels++], scrub, json_string_value(id),
                 json_string_length(id));
    }
}

/* llama-server's /props (tools/server/server-context.cpp): "build_info"
 * ("b9187-0253fb21"), "model_path" (the -m file) and "total_slots"
 * (--parallel). */
static void read_props(sk_collect_server *out, json_t *j, const sk_scrub *scrub)
{
    json_t *v;

    if ((v = json_object_get(j, "build_info")) && json_is_string(v))
        keep(out->build_info, scrub, json_string_value(v),
             json_string_length(v));
    if ((v = json_object_get(j, "model_path")) && json_is_string(v))
        keep(out->model_path, scrub, json_string_value(v),
             json_string_length(v));
    if ((v = json_object_get(j, "total_slots")) && json_is_integer(v) &&
        json_integer_value(v) >= 1)
        out->total_slots = (long long)json_integer_value(v);
}

void sk_collect__identify(sk_collect_server *out, const sk_collect_opts *o,
                          const sk_scrub *scrub)
{
    struct probe p[2];
    static const char *const paths[2] = {"/v1/models", "/props"};
    struct curl_slist *headers = NULL;
    CURLM *multi = NULL;
    CURLMsg *msg;
    /* capped before the conversion: a huge --timeout cannot overflow */
    long ms = (long)fmin(ceil(o->timeout_s * 1000), IDENTIFY_MAX_MS);
    int running = 0, left, ok = 1;
    size_t i;

    memset(p, 0, sizeof(p));
    /* the run's own headers (a gateway may want its key for these too);
     * curl's default Accept (any) stands in for the run's event-stream */
    for (i = 0; i < o->nheaders && ok; i++) {
        struct curl_slist *l = curl_slist_append(headers, o->headers[i]);

        ok = l != NULL;
        headers = l ? l : headers;
    }
    if (ok && o->api_key) {
        size_t n = strlen(o->api_key) + 32;
        char *auth = malloc(n);
        struct curl_slist *l = NULL;

        if (auth) {
            snprintf(auth, n, "Authorization: Bearer %s", o->api_key);
            l = curl_slist_append(headers, auth);
            memset(auth, 0, n);
            free(auth);
        }
        ok = l != NULL;
        headers = l ? l : headers;
    }
    if (!ok || !(multi = curl_multi_init()))
        goto done;
    for (i = 0; i < 2; i++) {
        struct probe *b = &p[i];

        if (!(b->url = sk_collect__probe_url(o->urls[0], paths[i])) ||
            !(b->easy = curl_easy_init()))
            goto done;
        sk_collect__get_setup(b->easy, b->url, ms, on_body, b);
        curl_easy_setopt(b->easy, CURLOPT_PRIVATE, (char *)b);
        curl_easy_setopt(b->easy, CURLOPT_HTTPHEADER, headers);
        if (curl_multi_add_handle(multi, b->easy) != CURLM_OK)
            goto done;
    }
    do {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        if (running && o->stop && *o->stop)
            break; /* the run stops at once; nothing is kept */
        if (running &&
            curl_multi_poll(multi, NULL, 0, IDENTIFY_POLL_MS, NULL) != CURLM_OK)
            break;
    } while (running);
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        struct probe *b = NULL;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&b);
        b->done_ok = msg->data.result == CURLE_OK;
    }
    /* the first Server header: /v1/models', else /props' (an answer cut
     * by the timeout still said it) */
    for (i = 0; i < 2; i++)
        sk_collect__server_header(out, p[i].easy, scrub);
    for (i = 0; i < 2; i++) {
        json_t *j = answer_json(&p[i]);

        if (json_is_object(j)) {
            if (i == 0)
                read_models(out, j, scrub);
            else
                read_props(out, j, scrub);
        }
        json_decref(j);
    }
done:
    for (i = 0; i < 2; i++) {
        if (p[i].easy) {
            if (multi)
                curl_multi_remove_handle(multi, p[i].easy);
            curl_easy_cleanup(p[i].easy);
        }
        free(p[i].url);
        free(p[i].body);
    }
    if (multi)
        curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
}
