/*
 * serve-sim's options as text, one at a time by name, as the command line
 * gives them (sweepkit/server.h): each value checked as it comes, with the
 * message naming the option.
 */
#include "sweepkit/error.h"
#include "sweepkit/server.h"
#include "sweepkit/sim.h"
#include "sweepkit/units.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void sk_server_opts_init(sk_server_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->host = "127.0.0.1";
    o->max_conns = 10000;
    o->threads = 1;
    o->idle_ns = 30000000000LL;
    sk_sim_params_default(&o->model);
}

static int parse_ms(double *out, const char *s, const char *what)
{
    int rc = sk_units_parse_double(out, s, what);

    if (rc != 0)
        return rc;
    if (*out < 0)
        return sk_error_set(SK_EINVAL, "%s: '%s' is negative", what, s);
    return 0;
}

int sk_server_opts_set(sk_server_opts *o, const char *name, const char *value)
{
    size_t v;
    double d;
    int rc;

    if (strcmp(name, "host") == 0) {
        o->host = value;
    } else if (strcmp(name, "port") == 0) {
        return sk_units_parse_count(&o->port, value, 65535, "--port");
    } else if (strcmp(name, "slots") == 0) {
        return sk_units_parse_count(&o->model.slots, value, 65536, "--slots");
    } else if (strcmp(name, "step-ms") == 0) {
        return parse_ms(&o->model.step_ms, value, "--step-ms");
    } else if (strcmp(name, "step-ms-per-seq") == 0) {
        return parse_ms(&o->model.step_ms_per_seq, value, "--step-ms-per-seq");
    } else if (strcmp(name, "prefill-ms-per-token") == 0) {
        return parse_ms(&o->model.prefill_ms_per_token, value,
                        "--prefill-ms-per-token");
    } else if (strcmp(name, "max-tokens-cap") == 0) {
        return sk_units_parse_count(&o->model.max_tokens_cap, value, 1000000,
                                    "--max-tokens-cap");
    } else if (strcmp(name, "seed") == 0) {
        if ((rc = sk_units_parse_count(&v, value, SIZE_MAX, "--seed")) != 0)
            return rc;
        o->model.seed = v;
    } else if (strcmp(name, "jitter") == 0) {
        return parse_ms(&o->model.jitter, value, "--jitter");
    } else if (strcmp(name, "log") == 0) {
        o->log_path = value;
    } else if (strcmp(name, "max-connections") == 0) {
        rc = sk_units_parse_count(&o->max_conns, value, 1000000,
                                  "--max-connections");
        if (rc == 0 && o->max_conns == 0)
            rc = sk_error_set(SK_EINVAL, "--max-connections: must be "
                                         "at least 1");
        return rc;
    } else if (strcmp(name, "threads") == 0) {
        rc = sk_units_parse_count(&o->threads, value, SK_SERVER_MAX_THREADS,
                                  "--threads");
        if (rc == 0 && o->threads == 0)
            rc = sk_error_set(SK_EINVAL, "--threads: expected 1 to %d",
                              SK_SERVER_MAX_THREADS);
        return rc;
    } else if (strcmp(name, "idle-timeout") == 0) {
        rc = sk_units_parse_duration(&d, value, "--idle-timeout");
        if (rc == 0 && (d < 0.001 || d > 86400))
            rc = sk_error_set(SK_EINVAL,
                              "--idle-timeout: '%s' is not in 1ms..24h", value);
        if (rc == 0)
            o->idle_ns = (int64_t)(d * 1e9);
        return rc;
    } else if (strcmp(name, "api-key") == 0) {
        if (!*value || strpbrk(value, " \t\r\n"))
            return sk_error_set(SK_EINVAL, "--api-key: expected a key "
                                           "without spaces");
        o->api_key = value;
    } else if (strcmp(name, "models") == 0) {
        if (!*value || value[0] == ',' || value[strlen(value) - 1] == ',' ||
            strstr(value, ",,") || strlen(value) > 4096)
            return sk_error_set(SK_EINVAL, "--models: expected "
                                           "comma-separated model ids");
        o->models = value;
    } else if (strcmp(name, "ready-after") == 0) {
        rc = sk_units_parse_duration(&d, value, "--ready-after");
        if (rc == 0 && d > 3600)
            rc = sk_error_set(SK_EINVAL, "--ready-after: at most 1h");
        if (rc == 0)
            o->ready_ns = (int64_t)(d * 1e9);
        return rc;
    } else {
        return sk_error_set(SK_EINVAL, "--%s: not an option of serve-sim",
                            name);
    }
    return 0;
}

int sk_server_opts_finish(sk_server_opts *o)
{
    char msg[1100]; /* the model names its options without "--" */

    if (o->threads == 0)
        o->threads = 1;
    if (o->threads > SK_SERVER_MAX_THREADS)
        return sk_error_set(SK_EINVAL, "--threads: expected 1 to %d",
                            SK_SERVER_MAX_THREADS);
    if (o->model.max_requests < o->max_conns)
        o->model.max_requests = o->max_conns;
    if (o->model.slots > o->model.max_requests)
        o->model.max_requests = o->model.slots;
    if (sk_sim_params_check(&o->model) != 0) {
        snprintf(msg, sizeof(msg), "--%s", sk_error_last());
        return sk_error_set(SK_EINVAL, "%s", msg);
    }
    return 0;
}
