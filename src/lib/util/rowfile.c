/*
 * Whole rows only: one write() per row, a cut back to the last whole row
 * after a failed one (rowfile.h).
 */
#include "sweepkit/rowfile.h"

#include "sweepkit/error.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_rowfile_open(sk_rowfile *f, int fd, const char *path)
{
    struct stat st;

    f->fd = fd;
    f->path = path;
    if (fstat(fd, &st) != 0)
        return sk_error_set(SK_EIO, "%s: cannot write: %s", path,
                            strerror(errno));
    f->end = st.st_size;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    return 0;
}

int sk_rowfile_write(sk_rowfile *f, const char *buf, size_t n)
{
    size_t done = 0;
    int err;

    while (done < n) {
        ssize_t k = write(f->fd, buf + done, n - done);

        if (k > 0) {
            done += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        err = k < 0 ? errno : ENOSPC; /* 0 bytes taken: the disk is full */
        if (done > 0 && ftruncate(f->fd, f->end) != 0)
            return sk_error_set(SK_EIO,
                                "%s: cannot write: %s; the last row is torn "
                                "(cutting it off failed: %s)",
                                f->path, strerror(err), strerror(errno));
        return sk_error_set(SK_EIO,
                            "%s: cannot write: %s; the file ends at its last "
                            "whole row",
                            f->path, strerror(err));
    }
    f->end += (off_t)n;
    return 0;
}

int sk_rowfile_sync(sk_rowfile *f)
{
    if (fsync(f->fd) != 0 && errno != EINVAL) /* EINVAL: a pipe, a tty */
        return sk_error_set(SK_EIO, "%s: cannot write: %s", f->path,
                            strerror(errno));
    return 0;
}

int sk_rowfile_check(const sk_rowfile *f)
{
    struct stat st;

    if (fstat(f->fd, &st) == 0 && st.st_nlink == 0)
        return sk_error_set(SK_EIO,
                            "%s: removed while the sweep ran: its rows are "
                            "lost; run again and leave the files alone",
                            f->path);
    if (stat(f->path, &st) != 0)
        return sk_error_set(SK_EIO,
                            "%s: removed while the sweep ran (%s): its rows "
                            "are lost; run again and leave the files alone",
                            f->path, strerror(errno));
    if (st.st_dev != f->dev || st.st_ino != f->ino)
        return sk_error_set(SK_EIO,
                            "%s: replaced by another file while the sweep "
                            "ran: its rows are lost; run again and leave the "
                            "files alone",
                            f->path);
    return 0;
}
