/*
 * A collect run's three files: named after the prefix and the start time,
 * created together and never over an existing file (docs/collect.md).
 * Moved from the CLI's cmd_collect.c (issue 13); names and messages are
 * unchanged.
 */
#include "sweepkit/collect.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Create `dir/prefix_kind_ts[-N].ext` for appending, never over an
 * existing file; -1 on failure (errno says why). */
static int create(char *path, size_t cap, const char *dir,
                  const char *prefix, const char *kind, const char *ts,
                  const char *suffix, const char *ext)
{
    snprintf(path, cap, "%s/%s_%s_%s%s.%s", dir, prefix, kind, ts, suffix,
             ext);
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
                0644);
}

int sk_collect_files_create(struct sk_collect_files *out, const char *dir,
                            const char *name, time_t started)
{
    char prefix[128], suffix[16] = "", ts[32];
    int sfd = -1, qfd = -1, rc = 0;
    struct tm tm;
    size_t i;

    if ((rc = sk_outdir_mkdir_p(dir)) != 0)
        goto done;
    /* Output names: the start time, and a -N suffix should a file of that
     * second exist already (never overwrite). */
    sk_format_slug(prefix, sizeof(prefix), name);
    localtime_r(&started, &tm);
    strftime(ts, sizeof(ts), "%Y%m%d_%H%M%S", &tm);
    strftime(out->started, sizeof(out->started), "%Y-%m-%dT%H:%M:%S%z", &tm);
    sk_provenance_init(&out->host);
    for (i = 1; i < 100; i++) {
        int jfd = -1;

        if ((sfd = create(out->summary, sizeof(out->summary), dir, prefix,
                          "summary", ts, suffix, "csv")) >= 0 &&
            (qfd = create(out->per_query, sizeof(out->per_query), dir,
                          prefix, "per_query", ts, suffix, "csv")) >= 0 &&
            (jfd = create(out->sidecar, sizeof(out->sidecar), dir, prefix,
                          "run", ts, suffix, "json")) >= 0) {
            close(jfd); /* claimed; written through a temporary file */
            break;
        }
        if (errno != EEXIST) {
            rc = sk_error_set(SK_EIO, "%s: cannot create: %s",
                              sfd < 0   ? out->summary
                              : qfd < 0 ? out->per_query
                                        : out->sidecar,
                              strerror(errno));
            goto done;
        }
        if (qfd >= 0) {
            close(qfd);
            unlink(out->per_query);
            qfd = -1;
        }
        if (sfd >= 0) {
            close(sfd);
            unlink(out->summary);
            sfd = -1;
        }
        snprintf(suffix, sizeof(suffix), "-%zu", i + 1);
    }
    if (sfd < 0 || qfd < 0)
        rc = sk_error_set(SK_EIO, "%s: too many runs in one second", dir);

done:
    if (rc != 0) {
        if (sfd >= 0)
            close(sfd);
        if (qfd >= 0)
            close(qfd);
        sfd = qfd = -1;
    }
    out->summary_fd = sfd;
    out->per_query_fd = qfd;
    out->scrape[0] = '\0';
    out->scrape_fd = -1;
    return rc;
}

int sk_collect_files_scrape(struct sk_collect_files *out)
{
    const char *at = strstr(out->summary, "_summary_");
    int n;

    if (!at)
        return sk_error_set(SK_EIO, "%s: not a collect summary name",
                            out->summary);
    n = snprintf(out->scrape, sizeof(out->scrape), "%.*s_scrape_%s",
                 (int)(at - out->summary), out->summary,
                 at + strlen("_summary_"));
    if (n < 0 || (size_t)n >= sizeof(out->scrape) ||
        (out->scrape_fd = open(out->scrape,
                               O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
                                   O_CLOEXEC,
                               0644)) < 0)
        return sk_error_set(SK_EIO, "%s: cannot create: %s", out->scrape,
                            strerror(errno));
    return 0;
}
