/*
 * report.json (report.h): the same numbers as report.md at full precision,
 * for programs (docs/report.md lists the keys).
 */
#include "report_int.h"

#include "sweepkit/json.h"
#include "sweepkit/num.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Built with jansson.  A constructor that returns NULL (out of memory)
 * makes the set or append that takes it fail; every failure is counted
 * in the writer and checked once, at the end. */
struct jw {
    int failures;
};

static void jset(struct jw *w, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) != 0)
        w->failures++;
}

static void jappend(struct jw *w, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0)
        w->failures++;
}

/* The run's summary rows, by the summary row's one serializer. */
static json_t *json_levels(struct jw *w, const struct run_rep *rr)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < rr->n; i++)
        jappend(w, a, sk_sweep_level_json(rr->run->sweep, i));
    return a;
}

/* Each level's sample-size flags (sk_sweep_level_flags()), in the
 * levels' order: a string, or null for none. */
static json_t *json_level_flags(struct jw *w, const struct run_rep *rr)
{
    json_t *a = json_array();
    char f[160];
    size_t i;

    for (i = 0; a && i < rr->n; i++) {
        sk_sweep_level_flags(f, sizeof(f), rr->run->sweep, i);
        jappend(w, a, f[0] ? sk_json_string(f) : json_null());
    }
    return a;
}

static json_t *json_percentiles(struct jw *w, const struct run_rep *rr)
{
    static const char *const pname[3][3] = {{"p50", "p50_lo", "p50_hi"},
                                            {"p90", "p90_lo", "p90_hi"},
                                            {"p99", "p99_lo", "p99_hi"}};
    json_t *a;
    size_t i, f, p;

    if (!rr->pct)
        return json_null();
    if (!(a = json_array()))
        return NULL;
    for (i = 0; i < rr->npct; i++) {
        json_t *o = json_object();
        double c = NAN;

        sk_num_parse(&c, rr->pct[i].key, strlen(rr->pct[i].key));
        jset(w, o, "concurrency", sk_json_number(c));
        jset(w, o, "queries", json_integer((json_int_t)rr->pct[i].queries));
        for (f = 0; f < 3; f++) {
            json_t *q = json_object();

            for (p = 0; p < 3; p++) {
                jset(w, q, pname[p][0], sk_json_number(rr->pct[i].v[f][p]));
                jset(w, q, pname[p][1],
                     sk_json_number(rr->pct[i].ci[f][p][0]));
                jset(w, q, pname[p][2],
                     sk_json_number(rr->pct[i].ci[f][p][1]));
            }
            jset(w, o, sk_report__pct_fields[f], q);
        }
        jappend(w, a, o);
    }
    return a;
}

static json_t *json_saturation(const struct run_rep *rr)
{
    struct sk_saturation_result r = rr->sat.r;

    /* the run's file, as its recommendations name it */
    r.file = rr->run->summary_path ? rr->run->summary_path
                                   : rr->run->per_query_path;
    if (!r.xname) { /* no answer before the input was taken */
        r.xname = "concurrency";
        r.yname = "throughput_tokens_per_s";
        r.gain_pct = 100 * SK_SATURATION_DEFAULT_GAIN;
    }
    return sk_saturation_json(&r, rr->sat.ok ? NULL : rr->sat.error);
}

static json_t *json_recs(struct jw *w, const struct run_rep *rr,
                         const struct sk_report *rep)
{
    json_t *a = json_array();
    size_t b;

    for (b = 0; a && b < rep->nbudgets; b++) {
        const struct rec *x = &rr->rec[b];
        struct sk_recommend_entry e;

        memset(&e, 0, sizeof(e));
        e.file = rr->run->summary_path ? rr->run->summary_path
                                       : rr->run->per_query_path;
        e.r = x->r;
        /* The constraints, also when there is no answer. */
        sk_recommend_opts_init(&e.r.opts);
        e.r.opts.ttft_budget_s = rep->budgets[b];
        e.r.opts.ttft_stat = rep->stat;
        snprintf(e.text, sizeof(e.text), "%s", x->text);
        e.left_out = x->left_out;
        memcpy(e.flags, x->flags, sizeof(e.flags));
        jappend(w, a, sk_recommend_json(&e, x->ok ? NULL : x->error));
    }
    return a;
}

static json_t *json_chart(struct jw *w, const struct chart_ref *c)
{
    json_t *o = json_object();

    jset(w, o, "kind", sk_json_string(c->kind));
    jset(w, o, "file", sk_json_string(c->file));
    jset(w, o, "format", sk_json_string("png"));
    jset(w, o, "width", json_integer(c->width));
    jset(w, o, "height", json_integer(c->height));
    return o;
}

/* The run's unfinished levels (runset.h), left out of the analyses. */
static json_t *json_partial(struct jw *w, const struct run_rep *rr)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < rr->run->npartial; i++) {
        const struct sk_runset_partial *p = &rr->run->partial[i];
        json_t *o = json_object();

        jset(w, o, "concurrency", sk_json_number(p->concurrency));
        jset(w, o, "queries", json_integer((json_int_t)p->queries));
        jset(w, o, "planned",
             p->planned ? json_integer((json_int_t)p->planned) : json_null());
        jset(w, o, "in_summary", json_boolean(p->in_sweep));
        jappend(w, a, o);
    }
    return a;
}

static const char *pairing_name(sk_runset_pairing p)
{
    return p == SK_RUNSET_BY_NAME     ? "name"
           : p == SK_RUNSET_BY_COUNTS ? "counts"
                                      : "alone";
}

/* The sets of repeats: each one's runs (labels) and levels, per metric
 * {n, mean, sd, lo, hi, cv} (compare.h's sk_repeats_combine()). */
static json_t *json_repeats(struct jw *w, const struct sk_report *rep)
{
    json_t *a = json_array();
    size_t i, j, k;

    for (i = 0; a && i < rep->nrepeats; i++) {
        const struct repeat_set *rs = &rep->repeats[i];
        json_t *o = json_object(), *runs = json_array(), *lv = json_array();

        for (k = 0; k < rs->n; k++)
            jappend(w, runs,
                    sk_json_string(rep->runs[rs->runs[k]].run->label));
        for (j = 0; j < rs->nlevels; j++) {
            json_t *l = json_object();

            jset(w, l, "concurrency",
                 sk_json_number(rs->levels[j].concurrency));
            for (k = 0; k < SK_CMP_NMETRICS; k++) {
                const struct sk_repeat_stat *st = &rs->levels[j].m[k];

                jset(w, l, sk_compare_metric_name((enum sk_compare_metric)k),
                     json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "n",
                               (json_int_t)st->n, "mean",
                               sk_json_number(st->mean), "sd",
                               sk_json_number(st->sd), "lo",
                               sk_json_number(st->lo), "hi",
                               sk_json_number(st->hi), "cv",
                               sk_json_number(st->cv)));
            }
            jappend(w, lv, l);
        }
        jset(w, o, "runs", runs);
        jset(w, o, "confidence", sk_json_number(SK_STATS_CONFIDENCE));
        jset(w, o, "levels", lv);
        jappend(w, a, o);
    }
    return a;
}

json_t *sk_report__json(const struct sk_report *rep)
{
    struct jw jw = {0}, *w = &jw;
    json_t *root, *a, *runs = json_array();
    char generator[256], tool[128];
    size_t i, k;

    /* The provenance keys first, as every JSON output (docs/schema.md). */
    snprintf(tool, sizeof(tool), "sweepkit %s", rep->version);
    root = sk_provenance_json(&rep->host, tool, rep->command, rep->made);
    snprintf(generator, sizeof(generator), "sweepkit report %s", rep->version);
    jset(w, root, "generator", sk_json_string(generator));
    jset(w, root, "title", sk_json_string(rep->title));
    a = json_array();
    for (i = 0; i < rep->ninputs; i++)
        jappend(w, a, sk_json_string(rep->inputs[i]));
    jset(w, root, "inputs", a);
    jset(w, root, "ttft_stat", sk_json_string(sk_recommend_stat_name(rep->stat)));
    a = json_array();
    for (i = 0; i < rep->nbudgets; i++)
        jappend(w, a, sk_json_number(rep->budgets[i]));
    jset(w, root, "ttft_budgets_s", a);
    jset(w, root, "gain_threshold", sk_json_number(SK_SATURATION_DEFAULT_GAIN));
    jset(w, root, "overlay",
         rep->has_overlay ? json_chart(w, &rep->overlay) : json_null());
    for (i = 0; runs && i < rep->nruns; i++) {
        const struct run_rep *rr = &rep->runs[i];
        json_t *o = json_object(), *ch = json_array();

        jset(w, o, "label", sk_json_string(rr->run->label));
        jset(w, o, "anchor", sk_json_string(rr->anchor));
        jset(w, o, "summary_file", sk_json_string(rr->run->summary_path));
        jset(w, o, "per_query_file", sk_json_string(rr->run->per_query_path));
        jset(w, o, "pairing", sk_json_string(pairing_name(rr->run->pairing)));
        jset(w, o, "summarized_from_per_query",
             json_boolean(rr->run->summarized));
        jset(w, o, "status", sk_json_string(rr->run->status));
        jset(w, o, "partial_levels", json_partial(w, rr));
        jset(w, o, "levels", json_levels(w, rr));
        jset(w, o, "level_flags", json_level_flags(w, rr));
        jset(w, o, "percentiles", json_percentiles(w, rr));
        jset(w, o, "saturation", json_saturation(rr));
        jset(w, o, "recommendations", json_recs(w, rr, rep));
        for (k = 0; k < rr->ncharts; k++)
            jappend(w, ch, json_chart(w, &rr->charts[k]));
        jset(w, o, "charts", ch);
        jset(w, o, "chart_error",
             rr->chart_error[0] ? sk_json_string(rr->chart_error) : json_null());
        jappend(w, runs, o);
    }
    jset(w, root, "runs", runs);
    jset(w, root, "repeats", json_repeats(w, rep));
    jset(w, root, "repeats_chart",
         rep->has_repeats_chart ? json_chart(w, &rep->repeats_chart)
                                : json_null());
    if (w->failures || !root) {
        json_decref(root);
        return NULL;
    }
    return root;
}
