/*
 * Before the first level (docs/collect.md, "Preflight"): wait until every
 * server says it is ready (--wait-ready), and when the one request sent
 * before the sweep fails, say why in one line a user can act on:
 * nothing listening, a wrong API path, a missing or refused key, a model
 * the server does not serve.  The request itself is collect.c's (one
 * query of the loop, not recorded); this file waits and explains.
 */
#include "collect_int.h"

#include "sweepkit/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define READY_POLL_MS 250L /* between rounds of --wait-ready */
#define READY_TRY_MS 2000L /* one readiness GET at most */

static const enum sk_api apis[] = {SK_API_OPENAI_CHAT,
                                   SK_API_OPENAI_COMPLETIONS, SK_API_LLAMACPP};

/* The length of `url` without trailing slashes. */
static size_t trimmed(const char *url)
{
    size_t n = strlen(url);

    while (n > 0 && url[n - 1] == '/')
        n--;
    return n;
}

/* Does `haystack` hold `needle`, ignoring case? */
static int has_word(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    for (; *haystack; haystack++)
        if (strncasecmp(haystack, needle, n) == 0)
            return 1;
    return 0;
}

/* The model list of `srv` as "a, b, c" (cut to fit `cap`). */
static void model_list(char *out, size_t cap, const sk_collect_server *srv)
{
    size_t i, n = 0;

    out[0] = '\0';
    for (i = 0; i < srv->nmodels && n + 1 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
                              srv->models[i]);
}

static int served(const sk_collect_server *srv, const char *model)
{
    size_t i;

    for (i = 0; i < srv->nmodels; i++)
        if (strcmp(srv->models[i], model) == 0)
            return 1;
    return 0;
}

/* A 404: the API path, or the model. */
static void not_found(char *out, size_t cap, const sk_collect_failure *f,
                      const sk_collect_opts *o, const sk_collect_server *srv,
                      const char *head)
{
    const char *base = f->base;
    size_t n = trimmed(base), i;
    char list[512];

    /* a model the server does not list (vLLM: "The model `x` does not
     * exist.", Ollama: "model 'x' not found") */
    if (o->model && o->api != SK_API_LLAMACPP &&
        ((srv->has_models && srv->nmodels && !served(srv, o->model)) ||
         has_word(f->body, "model"))) {
        model_list(list, sizeof(list), srv);
        if (list[0])
            snprintf(out, cap,
                     "%s: model '%s' is not served here; the server lists: "
                     "%s (give one with --model)",
                     head, o->model, list);
        else
            snprintf(out, cap,
                     "%s: model '%s' is not served here (the server said: "
                     "%s); GET /v1/models lists what it serves",
                     head, o->model, f->body);
        return;
    }
    /* a URL that already ends in another API's path */
    for (i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        const char *p = sk_collect__api_path(apis[i]);

        if (apis[i] != o->api && sk_collect__ends_with(base, n, p)) {
            snprintf(out, cap,
                     "%s: the URL already ends in %s (--api %s's path), "
                     "and --api %s's path was added after it; give the "
                     "server's base URL (%.*s), or --api %s",
                     head, p, sk_api_name(apis[i]), sk_api_name(o->api),
                     (int)(n - strlen(p)), base, sk_api_name(apis[i]));
            return;
        }
    }
    if (o->api == SK_API_LLAMACPP && sk_collect__ends_with(base, n, "/v1"))
        snprintf(out, cap,
                 "%s: llama.cpp's /completion is at the server's root, not "
                 "under /v1: give --url %.*s, or --api openai-chat for the "
                 "OpenAI API",
                 head, (int)(n - 3), base);
    else if (o->api == SK_API_LLAMACPP)
        snprintf(out, cap,
                 "%s: this server has no llama.cpp /completion; an "
                 "OpenAI-compatible server (vLLM, mlx_lm.server, LM Studio, "
                 "Ollama, llama-server's /v1) takes --api openai-chat",
                 head);
    else
        snprintf(out, cap,
                 "%s: no OpenAI API at this path; check --url (a server "
                 "under a prefix?), or --api llamacpp for llama.cpp's "
                 "/completion",
                 head);
}

void sk_collect_diagnose(char *out, size_t cap, const sk_collect_failure *f,
                         const sk_collect_opts *o, const sk_collect_server *srv)
{
    char head[1200];

    snprintf(head, sizeof(head), "preflight: POST %s", f->endpoint);
    switch (f->fault) {
    case SK_FAULT_CONNECT:
        if (f->curl_code == CURLE_COULDNT_CONNECT)
            snprintf(out, cap,
                     "preflight: nothing is listening at %s (connection "
                     "refused): start the server, or check --url's host "
                     "and port",
                     f->base);
        else if (f->curl_code == CURLE_COULDNT_RESOLVE_HOST)
            snprintf(out, cap,
                     "preflight: the host of %s is not known (DNS): check "
                     "--url",
                     f->base);
        else
            snprintf(out, cap, "preflight: cannot reach %s: %s", f->base,
                     f->error);
        return;
    case SK_FAULT_TIMEOUT:
        snprintf(out, cap,
                 "%s: no complete answer within --timeout (%g s): is the "
                 "server still loading (--wait-ready), stuck or too slow "
                 "(a longer --timeout)?",
                 head, o->timeout_s);
        return;
    case SK_FAULT_HTTP: break;
    default:
        snprintf(out, cap, "%s: %s; is --api %s what the server speaks?", head,
                 f->error, sk_api_name(o->api));
        return;
    }
    if (f->http_status == 401 || f->http_status == 403) {
        if (o->api_key)
            snprintf(out, cap,
                     "%s: HTTP %ld: the server refused the key in $%s: "
                     "check it",
                     head, f->http_status,
                     o->api_key_env ? o->api_key_env : "OPENAI_API_KEY");
        else
            snprintf(out, cap,
                     "%s: HTTP %ld: the server wants an API key: put it in "
                     "$OPENAI_API_KEY, or give --api-key-env VAR",
                     head, f->http_status);
    } else if (f->http_status == 404 ||
               (f->http_status == 400 && o->model &&
                o->api != SK_API_LLAMACPP && srv->has_models && srv->nmodels &&
                !served(srv, o->model))) {
        snprintf(head + strlen(head), sizeof(head) - strlen(head), ": HTTP %ld",
                 f->http_status);
        not_found(out, cap, f, o, srv, head);
    } else if (f->http_status == 503)
        snprintf(out, cap,
                 "%s: HTTP 503: the server is not ready (%s): wait for it, "
                 "or give --wait-ready S",
                 head, f->body);
    else
        snprintf(out, cap,
                 "%s: HTTP %ld: %s; the server refused the first request: "
                 "see its log",
                 head, f->http_status, f->body);
}

/* ---- --wait-ready -------------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* One GET of `url`: its HTTP status (0: no answer; *why says why). */
static long get_status(CURL *e, const char *url, struct curl_slist *headers,
                       char *why, size_t cap)
{
    long status = 0;
    CURLcode cc;

    sk_collect__get_setup(e, url, READY_TRY_MS, discard, NULL);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    cc = curl_easy_perform(e);
    if (cc != CURLE_OK)
        snprintf(why, cap, "%s", curl_easy_strerror(cc));
    else {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        snprintf(why, cap, "HTTP %ld", status);
    }
    return cc == CURLE_OK ? status : 0;
}

int sk_collect__wait_ready(const sk_collect_opts *o, struct curl_slist *headers)
{
    static const char *const paths[] = {"/health", "/v1/models"};
    double end = ((double)sk_collect__mono_ns() / 1e9) + o->wait_ready_s;
    CURL *e = curl_easy_init();
    char why[256] = "no answer yet";
    size_t u = 0;
    int rc = 0;

    if (!e)
        return sk_error_set(SK_ENOMEM, "out of memory setting up libcurl");
    /* each URL in turn: ready when /health says 200 (llama-server
     * answers 503 there while it loads, vLLM 200 once up); a server
     * without /health (404: LM Studio, Ollama) when /v1/models does */
    while (u < o->nurls) {
        size_t i;
        int ready = 0;
        long st = 0;

        for (i = 0; i < 2 && !ready && (i == 0 || st == 404); i++) {
            char *url = sk_collect__probe_url(o->urls[u], paths[i]);

            if (!url) {
                rc = sk_error_set(SK_ENOMEM, "out of memory");
                goto done;
            }
            st = get_status(e, url, headers, why, sizeof(why));
            ready = st == 200;
            free(url);
        }
        if (ready) {
            u++;
            continue;
        }
        if (o->stop && *o->stop)
            break; /* the run stops: collect.c says so */
        if (((double)sk_collect__mono_ns() / 1e9) >= end) {
            rc = sk_error_set(SK_EHTTP,
                              "%s: not ready after --wait-ready %g s (last "
                              "answer: %s): is the server up and its model "
                              "loaded?",
                              o->urls[u], o->wait_ready_s, why);
            goto done;
        }
        {
            struct timespec ts = {0, READY_POLL_MS * 1000000L};

            nanosleep(&ts, NULL);
        }
    }
done:
    curl_easy_cleanup(e);
    return rc;
}
