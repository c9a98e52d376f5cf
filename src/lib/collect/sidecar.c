/*
 * The sidecar of a collect run, PREFIX_run_TS.json: how the run was made
 * (no secret: --header values, the API key and URL credentials are left
 * out), how it ended and why, and when the terminal was lost
 * (docs/collect.md).  Moved from the CLI's cmd_collect.c (issue 13); the
 * server's identification ("server") added in issue 14.
 */
#include "sweepkit/collect.h"

#include "sweepkit/error.h"
#include "sweepkit/json.h"
#include "sweepkit/provenance.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* `s` with a URL's "user:password@" left out: the whole of `s` when it is
 * a URL, or what follows `prefix` ("--url=") when it starts with it. */
static json_t *public_url(const char *s, size_t prefix)
{
    const char *host = strstr(s + prefix, "://"), *at, *end;

    host = host ? host + 3 : s + prefix;
    end = host + strcspn(host, "/?#");
    at = memchr(host, '@', (size_t)(end - host));
    if (!at)
        return json_string(s);
    return json_sprintf("%.*s%s", (int)(host - s), s, at + 1);
}

/* A string of the server's, or null when it gave none (""). */
static json_t *text_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

/* "server": what the server said of itself (collect.h, sk_collect_server);
 * every field null while running (`sv` NULL). */
static json_t *server_json(const sk_collect_server *sv)
{
    json_t *models = json_null();
    size_t i;

    if (sv && sv->has_models) {
        models = json_array();
        for (i = 0; i < sv->nmodels; i++)
            json_array_append_new(models, json_string(sv->models[i]));
    }
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o}", "header",
        text_or_null(sv ? sv->header : NULL), "models", models, "build_info",
        text_or_null(sv ? sv->build_info : NULL), "model_path",
        text_or_null(sv ? sv->model_path : NULL), "total_slots",
        sv && sv->total_slots > 0 ? json_integer((json_int_t)sv->total_slots)
                                  : json_null());
}

/* A new file `path` holding the n bytes of `text`; -1 when it cannot be
 * written whole. */
static int write_whole(const char *path, const char *text, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int ok;

    if (fd < 0)
        return -1;
    ok = write(fd, text, n) == (ssize_t)n;
    return close(fd) == 0 && ok ? 0 : -1;
}

/* Write `j` to `path` whole: through a temporary file renamed over it,
 * or, when that cannot be written (a full disk), in place (the old text's
 * blocks are freed first).  Returns 0, or SK_EIO with the reason; no
 * temporary file is left behind. */
static int json_replace(json_t *j, const char *path)
{
    char tmp[4200];
    char *text = sk_json_dumps(j, SK_JSON_EXPAND_ALL);
    size_t n = text ? strlen(text) : 0;
    int fd, err = ENOMEM;

    if (!text)
        return sk_error_set(SK_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (write_whole(tmp, text, n) == 0 && rename(tmp, path) == 0) {
        free(text);
        return 0;
    }
    unlink(tmp);
    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t k = write(fd, text, n);

        err = k == (ssize_t)n ? 0 : k < 0 ? errno : ENOSPC;
        if (close(fd) != 0 && err == 0)
            err = errno;
    } else {
        err = errno;
    }
    free(text);
    if (err)
        return sk_error_set(SK_EIO, "%s: cannot write: %s", path,
                            strerror(err));
    return 0;
}

/* The sidecar: how the run was made (no secret: --header values, the
 * key and URL credentials are left out), how it ended and why, and when
 * the terminal was lost. */
/* The open loop's settings, or null for a closed loop. */
static json_t *open_loop_json(const sk_collect_opts *o,
                              const sk_collect_result *res)
{
    json_t *rates, *j;
    char arrival[64];
    size_t i;

    if (!sk_collect_open_loop(o))
        return json_null();
    rates = json_array();
    /* the rates run (a rate sweep's are known once it has probed) */
    for (i = 0; res && i < res->nrates; i++)
        json_array_append_new(rates, json_real(res->rates[i]));
    for (i = 0; !res && o->rates && i < o->nrates; i++)
        json_array_append_new(rates, json_real(o->rates[i]));
    sk_arrival_name(arrival, sizeof(arrival), &o->arrival);
    j = json_pack("{s:o, s:s, s:I, s:I}", "rates", rates, "arrival", arrival,
                  "seed", (json_int_t)o->seed, "max_concurrency",
                  (json_int_t)sk_collect_open_cap(o));
    if (j && o->rate_sweep)
        json_object_set_new(
            j, "rate_sweep",
            json_pack("{s:I, s:o, s:o}", "rates", (json_int_t)o->rate_sweep,
                      "synchronous_rate",
                      res && res->sync_rate > 0 ? json_real(res->sync_rate)
                                                : json_null(),
                      "saturated_rate",
                      res && res->max_rate > 0 ? json_real(res->max_rate)
                                               : json_null()));
    return j;
}

int sk_collect_sidecar_write(const char *path,
                             const struct sk_collect_sidecar *sc)
{
    json_t *j = json_object(), *a = json_array(), *u = json_array(),
           *lv = json_array(), *h = json_array(), *f = json_object();
    const sk_collect_opts *o = sc->opts;
    const sk_collect_result *res = sc->result;
    const char *const *header_args =
        sc->header_args ? sc->header_args : o->headers;
    char *const *argv = sc->argv;
    size_t argc = (size_t)sc->argc, i, k;
    int rc;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *end = arg + strlen(arg);
        json_t *v = NULL;

        for (k = 0; k < o->nheaders && !v; k++)
            if (header_args[k] >= arg && header_args[k] <= end) {
                const char *colon = strchr(header_args[k], ':');

                /* keep the option and the header's name */
                v = json_sprintf("%.*s: <redacted>",
                                 (int)((colon ? colon : header_args[k]) - arg),
                                 arg);
            }
        if (!v && i > 1 && strncmp(argv[i - 1], "--u", 3) == 0)
            v = public_url(arg, 0); /* --url URL (or an abbreviation) */
        if (!v && strncmp(arg, "--u", 3) == 0 && strchr(arg, '='))
            v = public_url(arg, (size_t)(strchr(arg, '=') + 1 - arg));
        json_array_append_new(a, v ? v : json_string(arg));
    }
    for (i = 0; i < o->nurls; i++)
        json_array_append_new(u, public_url(o->urls[i], 0));
    for (i = 0; i < o->nlevels; i++)
        if (!sk_collect_open_loop(o))
            json_array_append_new(lv, json_integer((json_int_t)o->levels[i]));
    for (i = 0; i < o->nheaders; i++) {
        const char *colon = strchr(o->headers[i], ':');

        json_array_append_new(
            h, json_stringn(o->headers[i],
                            colon ? (size_t)(colon - o->headers[i]) : 0));
    }
    json_object_set_new(f, "summary", json_string(sc->summary_path));
    json_object_set_new(f, "per_query", json_string(sc->per_query_path));
    json_object_set_new(j, "tool", json_string(sc->tool));
    json_object_set_new(j, "schema_version", json_integer(SK_SCHEMA_VERSION));
    json_object_set_new(j, "command", a);
    json_object_set_new(j, "host", sk_provenance_host_json(sc->host));
    json_object_set_new(j, "server", server_json(res ? &res->server : NULL));
    json_object_set_new(j, "urls", u);
    json_object_set_new(j, "api", json_string(sk_api_name(o->api)));
    json_object_set_new(j, "model",
                        o->model ? json_string(o->model) : json_null());
    json_object_set_new(j, "levels", lv);
    json_object_set_new(j, "open_loop", open_loop_json(o, res));
    /* the readers merge shards whose "shard" agrees but for "index" */
    json_object_set_new(
        j, "shard",
        o->shards
            ? json_pack("{s:I, s:I, s:f, s:f}", "index", (json_int_t)o->shard,
                        "of", (json_int_t)o->shards, "start_at", o->start_at,
                        "level_period_s", o->level_period_s)
            : json_null());
    if (o->scrape_url) {
        json_t *sc_j = json_pack("{s:o, s:f, s:s?}", "url",
                                 public_url(o->scrape_url, 0), "interval_s",
                                 o->scrape_interval_s, "file", o->scrape_name);

        if (sc_j && res) {
            json_object_set_new(sc_j, "scrapes",
                                json_integer((json_int_t)res->scrapes));
            json_object_set_new(sc_j, "failures",
                                json_integer((json_int_t)res->scrape_failures));
            json_object_set_new(
                sc_j, "lines_skipped",
                json_integer((json_int_t)res->scrape_bad_lines));
        }
        json_object_set_new(j, "scrape", sc_j);
    } else
        json_object_set_new(j, "scrape", json_null());
    /* one of three modes: a count for every level, N x the concurrency,
     * or a time (with an optional cap); the others null */
    json_object_set_new(j, "queries_per_level",
                        o->queries_per_conc || o->level_duration_s > 0
                            ? json_null()
                            : json_integer((json_int_t)o->queries));
    json_object_set_new(j, "queries_per_concurrency",
                        o->queries_per_conc
                            ? json_integer((json_int_t)o->queries_per_conc)
                            : json_null());
    json_object_set_new(j, "level_duration_s",
                        o->level_duration_s > 0 ? json_real(o->level_duration_s)
                                                : json_null());
    json_object_set_new(j, "max_queries",
                        o->max_queries
                            ? json_integer((json_int_t)o->max_queries)
                            : json_null());
    json_object_set_new(j, "max_tokens", json_integer(o->max_tokens));
    json_object_set_new(j, "header_names", h);
    json_object_set_new(j, "api_key_sent", json_boolean(o->api_key != NULL));
    json_object_set_new(j, "started", json_string(sc->started));
    json_object_set_new(j, "status", json_string(sc->status));
    if (sc->reason)
        json_object_set_new(j, "reason", json_string(sc->reason));
    if (sc->lost_at)
        json_object_set_new(
            j, "terminal_lost",
            json_pack("{s:s, s:s}", "at", sc->lost_at, "why", sc->lost_why));
    json_object_set_new(j, "files", f);
    if (res) {
        json_t *faults = json_object(), *per = json_array();

        for (i = 0; i < SK_FAULT_COUNT; i++)
            json_object_set_new(faults, sk_collect_fault_name(i),
                                json_integer((json_int_t)res->faults[i]));
        json_object_set_new(j, "queries",
                            json_integer((json_int_t)res->queries));
        json_object_set_new(j, "errors", json_integer((json_int_t)res->errors));
        json_object_set_new(j, "cancelled",
                            json_integer((json_int_t)res->cancelled));
        json_object_set_new(j, "retried",
                            json_integer((json_int_t)res->retried));
        json_object_set_new(j, "resent", json_integer((json_int_t)res->resent));
        json_object_set_new(j, "usage_rejected",
                            json_integer((json_int_t)res->usage_rejected));
        json_object_set_new(j, "chunks_over",
                            json_integer((json_int_t)res->chunks_over));
        json_object_set_new(j, "faults", faults);
        json_object_set_new(j, "levels_done",
                            json_integer((json_int_t)res->levels_done));
        for (i = 0; i < (sk_collect_open_loop(o) ? res->nrates : o->nlevels);
             i++) {
            json_t *l = json_pack("{s:I, s:I, s:I, s:I, s:I}", "concurrency",
                                  (json_int_t)(sk_collect_open_loop(o)
                                                   ? sk_collect_open_cap(o)
                                                   : o->levels[i]),
                                  "queries", (json_int_t)res->level_queries[i],
                                  "errors", (json_int_t)res->level_errors[i],
                                  "retried", (json_int_t)res->level_retried[i],
                                  "resent", (json_int_t)res->level_resent[i]);

            if (l && sk_collect_open_loop(o)) {
                double a = res->level_achieved_rate[i];

                json_object_set_new(l, "request_rate",
                                    json_real(res->rates[i]));
                json_object_set_new(l, "achieved_rate",
                                    isfinite(a) ? json_real(a) : json_null());
            }
            json_array_append_new(per, l);
        }
        json_object_set_new(j, "per_level", per);
    }
    rc = json_replace(j, path);
    json_decref(j);
    return rc;
}
