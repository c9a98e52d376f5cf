/*
 * What collect says about a run while it goes and at its end: the
 * progress lines, the closing table, the end-of-run notes
 * (docs/collect.md).  Moved from the CLI's cmd_collect.c (issue 13); the
 * text is unchanged.  Where the text goes, and whether the terminal is
 * still there, is the caller's business.
 */
#include "sweepkit/collect.h"

#include "collect_int.h"

#include "sweepkit/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *level_name(char *buf, size_t cap,
                              const struct sk_collect_progress *p)
{
    return sk_collect__level_name(buf, cap, p->rate, p->concurrency);
}

/* "conc 8", or an open loop's "rate 2.5/s" */
static const char *short_name(char *buf, size_t cap,
                              const struct sk_collect_progress *p)
{
    if (p->rate > 0)
        return level_name(buf, cap, p);
    snprintf(buf, cap, "conc %zu", p->concurrency);
    return buf;
}

static void cell(FILE *fp, double v, int width, int prec)
{
    if (isfinite(v))
        fprintf(fp, " %*.*f |", width, prec, v);
    else
        fprintf(fp, " %*s |", width, "-");
}

/* The table's head: its first column the level's concurrency, or an
 * open loop's request rate. */
static void table_head(FILE *fp, int open)
{
    fputs(open ? "| rate/s " : "| conc ", fp);
    fputs("| throughput(tok/s) | avg_ttft(s) | "
          "avg_decode(tok/s) | avg_query(tok/s) | errors |\n",
          fp);
    fputs(open ? "|-------:" : "|-----:", fp);
    fputs("|------------------:|------------:|"
          "------------------:|-----------------:|-------:|\n",
          fp);
}

static void table_row(FILE *fp, const struct sk_collect_progress *p)
{
    if (p->rate > 0)
        fprintf(fp, "| %*g%s |", p->partial ? 5 : 6, p->rate,
                p->partial ? "*" : "");
    else if (p->partial)
        fprintf(fp, "| %3zu* |", p->concurrency);
    else
        fprintf(fp, "| %4zu |", p->concurrency);
    cell(fp, p->summary[0], 17, 2);
    cell(fp, p->summary[1], 11, 3);
    cell(fp, p->summary[2], 17, 2);
    cell(fp, p->summary[3], 16, 2);
    fprintf(fp, " %6zu |\n", p->errors);
}

void sk_collect_progress_write(FILE *fp, const char *prog,
                               const struct sk_collect_progress *p, int tty)
{
    double rate = p->elapsed_s > 0 ? p->output_tokens / p->elapsed_s : 0;
    char name[64];
    double eta = p->done && p->total
                     ? p->elapsed_s * (double)(p->total - p->done) /
                           (double)p->done
                     : NAN;

    if (p->level_done) {
        if (tty)
            fputs("\r\033[K", fp);
        if (p->partial && p->total)
            /* a stop ended it: not "done", and not comparable */
            fprintf(fp,
                    "%s: %s stopped after %zu of %zu queries: %zu "
                    "errors, %zu cancelled, %.1f s",
                    prog, level_name(name, sizeof(name), p), p->done,
                    p->total, p->errors, p->cancelled, p->elapsed_s);
        else if (p->partial)
            fprintf(fp,
                    "%s: %s stopped after %zu queries (%.1f of "
                    "%g s): %zu errors, %zu cancelled",
                    prog, level_name(name, sizeof(name), p), p->done,
                    p->elapsed_s, p->duration_s, p->errors, p->cancelled);
        else
            fprintf(fp, "%s: %s done: %zu queries, %zu errors, %.1f s",
                    prog, level_name(name, sizeof(name), p), p->done,
                    p->errors, p->elapsed_s);
        if (isfinite(p->summary[0]))
            fprintf(fp, ", %.1f tok/s", p->summary[0]);
        if (p->rate > 0 && isfinite(p->achieved_rate))
            fprintf(fp, ", sent at %.3g/s", p->achieved_rate);
        if (p->retried)
            fprintf(fp, ", %zu retried", p->retried);
        if (p->resent)
            fprintf(fp, ", %zu resent", p->resent);
        if (p->warnings)
            fprintf(fp, ", %zu with warnings", p->warnings);
        fputc('\n', fp);
        if (p->errors && p->errors == p->done && !p->interrupted)
            fprintf(fp,
                    "%s: EVERY request at concurrency %zu failed: check the "
                    "per-query CSV's error column\n",
                    prog, p->concurrency);
        return;
    }
    if (tty && !p->total) {
        /* a timed level: its time, not a count, says how far it is */
        fprintf(fp,
                "\r\033[K%s: %zu done, %zu errors, %.1f tok/s, "
                "%.1f of %g s",
                short_name(name, sizeof(name), p), p->done, p->errors, rate,
                p->elapsed_s, p->duration_s);
        if (p->retried)
            fprintf(fp, ", %zu retried", p->retried);
        return;
    }
    if (tty) {
        fprintf(fp,
                "\r\033[K%s: %zu/%zu done, %zu errors, %.1f tok/s, "
                "%.1f s elapsed, ETA %.0f s",
                short_name(name, sizeof(name), p), p->done, p->total,
                p->errors, rate,
                p->elapsed_s, isfinite(eta) ? eta : 0);
        if (p->retried)
            fprintf(fp, ", %zu retried", p->retried);
        return;
    }
    if (p->total)
        fprintf(fp, "%s: %s: %zu/%zu done, %zu errors", prog,
                short_name(name, sizeof(name), p), p->done, p->total,
                p->errors);
    else
        fprintf(fp, "%s: %s: %zu done (a %g s level), %zu errors",
                prog, short_name(name, sizeof(name), p), p->done,
                p->duration_s, p->errors);
    if (p->retried)
        fprintf(fp, ", %zu retried", p->retried);
    fprintf(fp, ", %.1f tok/s, %.1f s elapsed\n", rate, p->elapsed_s);
}

void sk_collect_notes_write(FILE *fp, const char *prog,
                            const sk_collect_result *res, size_t warmup)
{
    size_t i;

    if (res->warmup_errors)
        fprintf(fp, "%s: note: %zu of %zu warm-up requests failed\n", prog,
                res->warmup_errors, warmup);
    if (res->errors) {
        fprintf(fp, "%s: %zu of %zu queries failed:", prog, res->errors,
                res->queries);
        for (i = 0; i < SK_FAULT_COUNT; i++)
            if (res->faults[i])
                fprintf(fp, " %s %zu", sk_collect_fault_name(i),
                        res->faults[i]);
        fputc('\n', fp);
    }
    if (res->usage_rejected || res->chunks_over)
        fprintf(fp,
                "%s: warning: %zu queries with a usage count not "
                "believed, %zu with more chunks than --max-tokens: see "
                "the per-query CSV's warning column\n",
                prog, res->usage_rejected, res->chunks_over);
}

static double now_s(void)
{
    return (double)sk_collect__mono_ns() / 1e9;
}

static int alive(const sk_collect_display *d)
{
    return !d->alive || d->alive(d->payload);
}

int sk_collect_display_init(sk_collect_display *d)
{
    d->last_s = now_s();
    d->partial[0] = '\0';
    if (!(d->table = open_memstream(&d->table_buf, &d->table_len)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    return 0;
}

void sk_collect_display_progress(void *display,
                                 const struct sk_collect_progress *p)
{
    sk_collect_display *d = display;
    double t = now_s();

    /* a level with no query finished has no summary row: no table row */
    if (p->level_done && p->done)
        table_row(d->table, p);
    if (p->rate > 0)
        d->open = 1;
    if (p->level_done && p->done && p->partial && p->total)
        snprintf(d->partial, sizeof(d->partial),
                 "* stopped after %zu of %zu queries (%zu errors, %zu "
                 "cancelled): a partial level\n",
                 p->done, p->total, p->errors, p->cancelled);
    else if (p->level_done && p->done && p->partial)
        snprintf(d->partial, sizeof(d->partial),
                 "* stopped after %zu queries, %.1f of %g s (%zu errors, "
                 "%zu cancelled): a partial level\n",
                 p->done, p->elapsed_s, p->duration_s, p->errors,
                 p->cancelled);
    if (!alive(d))
        return;
    if (!p->level_done) {
        if (d->tty ? t - d->last_s < 0.1 && p->done != p->total
                   : t - d->last_s < d->interval_s)
            return;
        d->last_s = t;
    }
    sk_collect_progress_write(d->fp, d->prog, p, d->tty);
    alive(d);
}

void sk_collect_display_note(void *display, const char *line)
{
    sk_collect_display *d = display;

    if (!alive(d))
        return;
    fprintf(d->fp, "%s%s: %s\n", d->tty ? "\r\033[K" : "", d->prog, line);
    d->last_s = 0; /* the progress line comes back at once */
    alive(d);
}

void sk_collect_display_table(sk_collect_display *d, FILE *fp)
{
    if (d->table)
        fclose(d->table);
    d->table = NULL;
    if (!d->table_len)
        return;
    table_head(fp, d->open);
    fputs(d->table_buf, fp);
    fputs(d->partial, fp);
}

void sk_collect_display_dispose(sk_collect_display *d)
{
    if (d->table)
        fclose(d->table);
    free(d->table_buf);
    d->table = NULL;
    d->table_buf = NULL;
}

void sk_collect_end_write(FILE *fp, const char *prog,
                          const sk_collect_result *res)
{
    if (res->interrupted)
        fprintf(fp, "%s: interrupted; the rows measured so far are written\n",
                prog);
    else if (res->gave_up)
        fprintf(fp, "%s: gave up: every request failed at two levels\n",
                prog);
}

const char *sk_collect_status(int rc, const sk_collect_result *res)
{
    return rc ? "failed"
              : res->interrupted ? "interrupted"
                                 : res->gave_up ? "gave up" : "complete";
}
