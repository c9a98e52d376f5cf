/*
 * A collect run's options given as text, one at a time, as `sweepkit
 * collect` reads them from its command line: each value is read and
 * checked as it comes, so the first bad one is the one reported, with a
 * message naming the option.  Moved from the CLI's cmd_collect.c (issue
 * 13); the messages are unchanged.
 */
#include "sweepkit/collect.h"

#include "sweepkit/error.h"
#include "sweepkit/provenance.h"
#include "sweepkit/units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void sk_collect_args_init(sk_collect_args *a)
{
    memset(a, 0, sizeof(*a));
    a->opts.queries = 128;
    a->opts.max_tokens = 256;
    a->opts.timeout_s = 300;
    a->opts.arrival.shape = 1; /* poisson */
    a->opts.scrape_interval_s = 1;
    a->opts.scrape_fd = -1;
    strcpy(a->levels_text, "1,2,4,8,16,32");
    a->api_name = "openai-chat";
}

static int set_url(sk_collect_args *a, const char *v)
{
    if (a->nurls == SK_COLLECT_MAX_URLS)
        return sk_error_set(SK_EINVAL, "too many --url options");
    /* libcurl would also try ftp://, file://, ...; without a scheme it
     * assumes http. */
    if (strstr(v, "://") && strncasecmp(v, "http://", 7) != 0 &&
        strncasecmp(v, "https://", 8) != 0)
        return sk_error_set(SK_EINVAL,
                            "--url: '%.200s' is not an http:// or https:// "
                            "URL",
                            v);
    a->urls[a->nurls++] = v;
    return 0;
}

static int set_header(sk_collect_args *a, const char *v)
{
    if (a->nheaders == SK_COLLECT_MAX_HEADERS)
        return sk_error_set(SK_EINVAL, "too many --header options");
    if (!strchr(v, ':') || v[0] == ':' || strpbrk(v, "\r\n"))
        return sk_error_set(SK_EINVAL, "--header: expected 'Name: value' "
                                       "on one line");
    a->headers[a->nheaders++] = v; /* also where it is in argv */
    return 0;
}

static int set_label(sk_collect_args *a, const char *v)
{
    const char *eq = strchr(v, '=');

    if (a->nlabels == SK_COLLECT_MAX_LABELS)
        return sk_error_set(SK_EINVAL, "too many --label options");
    if (!eq || eq == v)
        return sk_error_set(SK_EINVAL, "--label: expected key=value");
    a->label_names[a->nlabels] = v; /* cut at '=' by _finish() */
    a->label_values[a->nlabels] = eq + 1;
    a->nlabels++;
    return 0;
}

/* N[:SD]: a length in tokens and its standard deviation. */
static int set_length(double *mean, double *sd, const char *v, const char *what)
{
    const char *colon = strchr(v, ':');
    char num[32];
    size_t n;

    *sd = 0;
    if (strlen(v) >= sizeof(num))
        return sk_error_set(SK_EINVAL, "%s: expected N or N:SD", what);
    snprintf(num, sizeof(num), "%.*s", colon ? (int)(colon - v) : 31, v);
    if (sk_units_parse_count(&n, num, 1000000, what) != 0 || n == 0 ||
        (colon && (sk_units_parse_double(sd, colon + 1, what) != 0 || *sd < 0 ||
                   *sd > (double)n))) {
        sk_error_clear();
        return sk_error_set(SK_EINVAL,
                            "%s: expected N or N:SD, tokens from 1 to "
                            "1000000 and 0 <= SD <= N",
                            what);
    }
    *mean = (double)n;
    return 0;
}

/* --queries N, or Nx: N times each level's concurrency. */
static int set_queries(sk_collect_opts *o, const char *v)
{
    size_t len = strlen(v), n;
    char num[32];
    int rc;

    if (len == 0 || (v[len - 1] != 'x' && v[len - 1] != 'X')) {
        o->queries_per_conc = 0;
        return sk_units_parse_count(&o->queries, v, 1000000, "--queries");
    }
    if (len > sizeof(num))
        return sk_error_set(SK_EINVAL, "--queries: expected a count or Nx "
                                       "(N times the concurrency)");
    memcpy(num, v, len - 1);
    num[len - 1] = '\0';
    if ((rc = sk_units_parse_count(&n, num, 10000, "--queries")) != 0)
        return rc;
    if (n == 0)
        return sk_error_set(SK_EINVAL, "--queries: expected at least 1x");
    o->queries_per_conc = n;
    return 0;
}

/* --shard I/N: 1 <= I <= N <= SK_COLLECT_MAX_SHARDS. */
static int set_shard(sk_collect_opts *o, const char *v)
{
    unsigned long i, n;
    char *end;

    i = strtoul(v, &end, 10);
    if (end == v || *end != '/' || v[0] < '0' || v[0] > '9')
        goto bad;
    v = end + 1;
    n = strtoul(v, &end, 10);
    if (end == v || *end || v[0] < '0' || v[0] > '9' || i < 1 || i > n ||
        n > SK_COLLECT_MAX_SHARDS)
        goto bad;
    o->shard = i;
    o->shards = n;
    return 0;
bad:
    return sk_error_set(SK_EINVAL,
                        "--shard: expected I/N, this process's shard of N "
                        "(1 <= I <= N <= %d), as 2/4",
                        SK_COLLECT_MAX_SHARDS);
}

/* --start-at: seconds since the epoch ("1796400000", "@1796400000.5"),
 * or a UTC time "2026-12-04T19:00:00Z" (RFC 3339, also with +HH:MM). */
static int set_start_at(sk_collect_opts *o, const char *v)
{
    static const char hint[] =
        "--start-at: expected a time shared by every shard: seconds since "
        "the epoch (date +%s) or 2026-12-04T19:00:00Z";
    int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
    char sign = 0;
    double t;

    if (*v == '@')
        v++;
    if (sk_units_parse_double(&t, v, "--start-at") == 0) {
        if (!(t >= 1e9 && t < 1e11))
            return sk_error_set(SK_EINVAL, "%s", hint);
        o->start_at = t;
        return 0;
    }
    if (sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &n) != 6 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        y < 2001)
        return sk_error_set(SK_EINVAL, "%s", hint);
    v += n;
    if (strcmp(v, "Z") != 0 &&
        !((v[0] == '+' || v[0] == '-') &&
          sscanf(v + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && !v[1 + n] &&
          oh < 24 && om < 60 && (sign = v[0])))
        return sk_error_set(SK_EINVAL, "%s", hint);
    /* days from the civil date (Howard Hinnant's algorithm): no timegm()
     * in POSIX */
    {
        long yy = y - (mo <= 2), era = yy / 400, yoe = yy - era * 400;
        long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        double days = (double)(era * 146097 + doe - 719468);

        t = days * 86400 + h * 3600 + mi * 60 + sec;
        if (sign)
            t -= (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    }
    o->start_at = t;
    return 0;
}

void sk_collect_run_name(char *buf, size_t cap, const char *name,
                         const sk_collect_opts *o)
{
    if (o->shards)
        snprintf(buf, cap, "%s-shard%zuof%zu", name, o->shard, o->shards);
    else
        snprintf(buf, cap, "%s", name);
}

time_t sk_collect_stamp_time(const sk_collect_opts *o)
{
    return o->start_at > 0 ? (time_t)o->start_at : time(NULL);
}

int sk_collect_args_set(sk_collect_args *a, const char *name, const char *v)
{
    sk_collect_opts *o = &a->opts;
    size_t n;
    int rc;

    if (strcmp(name, "url") == 0)
        return set_url(a, v);
    if (strcmp(name, "header") == 0)
        return set_header(a, v);
    if (strcmp(name, "label") == 0)
        return set_label(a, v);
    if (strcmp(name, "api") == 0)
        a->api_name = v;
    else if (strcmp(name, "model") == 0)
        o->model = v;
    else if (strcmp(name, "prompts-file") == 0)
        a->prompts_file = v;
    else if (strcmp(name, "extra-body") == 0)
        o->extra_body = v;
    else if (strcmp(name, "queries") == 0)
        return set_queries(o, v);
    else if (strcmp(name, "level-duration") == 0) {
        if ((rc = sk_units_parse_duration(&o->level_duration_s, v,
                                          "--level-duration")) != 0)
            return rc;
        if (!(o->level_duration_s >= 0.001) || o->level_duration_s > 86400)
            return sk_error_set(SK_EINVAL, "--level-duration: expected a "
                                           "duration from 1ms to 24h");
    } else if (strcmp(name, "threads") == 0) {
        if (strcmp(v, "auto") == 0) {
            o->threads = (size_t)sk_provenance_usable_cores();
            if (o->threads > SK_COLLECT_MAX_THREADS)
                o->threads = SK_COLLECT_MAX_THREADS;
            return 0;
        }
        if ((rc = sk_units_parse_count(&o->threads, v, SK_COLLECT_MAX_THREADS,
                                       "--threads")) != 0)
            return rc;
        if (o->threads == 0)
            return sk_error_set(SK_EINVAL,
                                "--threads: expected 1 to %d, or "
                                "auto (the cores available)",
                                SK_COLLECT_MAX_THREADS);
    } else if (strcmp(name, "shard") == 0) {
        return set_shard(o, v);
    } else if (strcmp(name, "start-at") == 0) {
        return set_start_at(o, v);
    } else if (strcmp(name, "level-period") == 0) {
        if ((rc = sk_units_parse_duration(&o->level_period_s, v,
                                          "--level-period")) != 0)
            return rc;
        if (!(o->level_period_s >= 0.01) || o->level_period_s > 86400)
            return sk_error_set(SK_EINVAL, "--level-period: expected a "
                                           "duration from 10ms to 24h");
    } else if (strcmp(name, "wait-ready") == 0) {
        if ((rc = sk_units_parse_duration(&o->wait_ready_s, v,
                                          "--wait-ready")) != 0)
            return rc;
        if (o->wait_ready_s > 86400)
            return sk_error_set(SK_EINVAL, "--wait-ready: at most 24h");
    } else if (strcmp(name, "max-queries") == 0) {
        if ((rc = sk_units_parse_count(&o->max_queries, v, 10000000,
                                       "--max-queries")) != 0)
            return rc;
        if (o->max_queries == 0)
            return sk_error_set(SK_EINVAL, "--max-queries: expected at "
                                           "least 1");
    } else if (strcmp(name, "concurrency-levels") == 0) {
        if (strlen(v) >= sizeof(a->levels_text))
            return sk_error_set(SK_EINVAL, "--concurrency-levels: too "
                                           "long");
        strcpy(a->levels_text, v);
        a->levels_given = 1;
    } else if (strcmp(name, "rate") == 0) {
        if (strlen(v) >= sizeof(a->rates_text) || !*v)
            return sk_error_set(SK_EINVAL, "--rate: expected a list of "
                                           "requests/s (2,4.5,8)");
        strcpy(a->rates_text, v);
    } else if (strcmp(name, "no-preflight") == 0) {
        o->no_preflight = 1; /* a flag: `v` is NULL */
    } else if (strcmp(name, "shared-prefix") == 0) {
        o->shared_prefix = 1;
    } else if (strcmp(name, "scrape") == 0) {
        if (strncasecmp(v, "http://", 7) != 0 &&
            strncasecmp(v, "https://", 8) != 0)
            return sk_error_set(SK_EINVAL,
                                "--scrape: '%.200s' is not an "
                                "http:// or https:// URL",
                                v);
        o->scrape_url = v;
    } else if (strcmp(name, "scrape-interval") == 0) {
        if ((rc = sk_units_parse_duration(&o->scrape_interval_s, v,
                                          "--scrape-interval")) != 0)
            return rc;
        if (o->scrape_interval_s < 0.01 || o->scrape_interval_s > 3600)
            return sk_error_set(SK_EINVAL, "--scrape-interval: expected "
                                           "10ms to 1h");
    } else if (strcmp(name, "input-tokens") == 0) {
        return set_length(&o->input_tokens, &o->input_sd, v, "--input-tokens");
    } else if (strcmp(name, "output-tokens") == 0) {
        return set_length(&o->output_tokens, &o->output_sd, v,
                          "--output-tokens");
    } else if (strcmp(name, "rate-sweep") == 0) {
        return sk_units_parse_count(&o->rate_sweep, v, SK_COLLECT_MAX_LEVELS,
                                    "--rate-sweep");
    } else if (strcmp(name, "arrival") == 0) {
        return sk_arrival_parse(&o->arrival, v);
    } else if (strcmp(name, "seed") == 0) {
        if ((rc = sk_units_parse_count(&n, v, 4294967295u, "--seed")) != 0)
            return rc;
        o->seed = (unsigned long)n;
    } else if (strcmp(name, "max-concurrency") == 0) {
        if ((rc = sk_units_parse_count(&o->max_concurrency, v,
                                       SK_COLLECT_MAX_CONCURRENCY,
                                       "--max-concurrency")) != 0)
            return rc;
        if (o->max_concurrency == 0)
            return sk_error_set(SK_EINVAL, "--max-concurrency: expected at "
                                           "least 1");
    } else if (strcmp(name, "max-tokens") == 0) {
        if ((rc = sk_units_parse_count(&n, v, 1000000, "--max-tokens")) != 0)
            return rc;
        o->max_tokens = (unsigned)n;
        a->max_tokens_given = 1;
    } else if (strcmp(name, "temperature") == 0) {
        if ((rc = sk_units_parse_double(&o->temperature, v, "--temperature")) !=
            0)
            return rc;
        if (o->temperature < 0)
            return sk_error_set(SK_EINVAL, "--temperature: expected a "
                                           "number >= 0");
    } else if (strcmp(name, "timeout") == 0) {
        if ((rc = sk_units_parse_duration(&o->timeout_s, v, "--timeout")) != 0)
            return rc;
        if (!(o->timeout_s > 0))
            return sk_error_set(SK_EINVAL, "--timeout: expected a "
                                           "duration above 0");
        /* in ms it must fit curl's long, anywhere */
        if (o->timeout_s > 2592000)
            return sk_error_set(SK_EINVAL, "--timeout: at most 30 days "
                                           "(2592000 s)");
    } else if (strcmp(name, "warmup") == 0)
        return sk_units_parse_count(&o->warmup, v, 100000, "--warmup");
    else if (strcmp(name, "retries") == 0) {
        if ((rc = sk_units_parse_count(&n, v, 20, "--retries")) != 0)
            return rc;
        o->retries = (unsigned)n;
    } else
        return sk_error_set(SK_EINVAL, "--%s: not an option of a run", name);
    return 0;
}

/* The concurrency levels: numbers from 1, none twice (the summary holds
 * one row per level: its readers refuse a level twice). */
static int parse_levels(sk_collect_args *a)
{
    char *items[SK_COLLECT_MAX_LEVELS];
    size_t n = 0, i, k;
    int rc;

    if ((rc = sk_units_split_list(items, SK_COLLECT_MAX_LEVELS, &n,
                                  a->levels_text, "--concurrency-levels")) != 0)
        return rc;
    for (i = 0; i < n; i++) {
        if ((rc = sk_units_parse_count(&a->levels[i], items[i],
                                       SK_COLLECT_MAX_CONCURRENCY,
                                       "--concurrency-levels")) != 0)
            return rc;
        if (a->levels[i] == 0)
            return sk_error_set(SK_EINVAL, "--concurrency-levels: levels "
                                           "start at 1");
        for (k = 0; k < i; k++)
            if (a->levels[k] == a->levels[i])
                return sk_error_set(SK_EINVAL,
                                    "--concurrency-levels: level %zu is "
                                    "given twice",
                                    a->levels[i]);
    }
    a->opts.levels = a->levels;
    a->opts.nlevels = n;
    return 0;
}

/* --rate's list: numbers above 0. */
static int parse_rates(sk_collect_args *a)
{
    char *items[SK_COLLECT_MAX_LEVELS];
    size_t n = 0, i;
    int rc;

    if (a->opts.rate_sweep && a->levels_given)
        return sk_error_set(SK_EINVAL, "--rate-sweep and "
                                       "--concurrency-levels: give one");
    if (!a->rates_text[0])
        return 0;
    if (a->levels_given)
        return sk_error_set(SK_EINVAL, "--rate and --concurrency-levels: "
                                       "give one (an open loop sends at "
                                       "rates, a closed one keeps levels "
                                       "of streams)");
    if ((rc = sk_units_split_list(items, SK_COLLECT_MAX_LEVELS, &n,
                                  a->rates_text, "--rate")) != 0)
        return rc;
    for (i = 0; i < n; i++) {
        if ((rc = sk_units_parse_double(&a->rates[i], items[i], "--rate")) != 0)
            return rc;
        if (!(a->rates[i] > 0))
            return sk_error_set(SK_EINVAL,
                                "--rate: %s is not a rate above "
                                "0",
                                items[i]);
    }
    a->opts.rates = a->rates;
    a->opts.nrates = n;
    return 0;
}

int sk_collect_args_finish(sk_collect_args *a)
{
    sk_collect_opts *o = &a->opts;
    size_t i;
    int rc;

    if ((rc = sk_api_parse(&o->api, a->api_name)) != 0 ||
        (rc = parse_levels(a)) != 0 || (rc = parse_rates(a)) != 0)
        return rc;
    if (o->output_tokens > 0) {
        /* every draw fits: the chunk and gap buffers are sized by it */
        if (a->max_tokens_given)
            return sk_error_set(SK_EINVAL, "--output-tokens and "
                                           "--max-tokens: give one");
        if (o->output_tokens + 4 * o->output_sd > 1000000)
            return sk_error_set(SK_EINVAL, "--output-tokens: N + 4 SD is "
                                           "over 1000000 tokens");
        o->max_tokens = (unsigned)ceil(o->output_tokens + 4 * o->output_sd);
    }
    for (i = 0; i < a->nlabels; i++) {
        size_t k = (size_t)(a->label_values[i] - 1 - a->label_names[i]);

        if (!(a->label_copy[i] = strndup(a->label_names[i], k)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        a->label_names[i] = a->label_copy[i];
    }
    o->urls = a->urls;
    o->nurls = a->nurls;
    o->headers = a->headers;
    o->nheaders = a->nheaders;
    o->label_names = a->label_names;
    o->label_values = a->label_values;
    o->nlabels = a->nlabels;
    return 0;
}

int sk_collect_args_load(sk_collect_args *a)
{
    int rc = a->prompts_file ? sk_prompts_load(&a->prompts, a->prompts_file)
                             : sk_prompts_builtin(&a->prompts);

    if (rc != 0)
        return rc;
    a->opts.prompts = a->prompts;
    return sk_collect_check(&a->opts);
}

void sk_collect_args_dispose(sk_collect_args *a)
{
    size_t i;

    for (i = 0; i < SK_COLLECT_MAX_LABELS; i++) {
        free(a->label_copy[i]);
        a->label_copy[i] = NULL;
    }
    sk_prompts_free(a->prompts);
    a->prompts = NULL;
}
