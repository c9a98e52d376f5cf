/*
 * An output file that only ever holds whole rows: the collector's CSVs.
 *
 * The caller opens the file with O_APPEND and hands over its descriptor.
 * Each row (or header) is formatted completely by the caller and given to
 * sk_rowfile_write(), which writes it with one write() (more only when the
 * kernel takes part of it); should a write fail or stop short, the file is
 * cut back (ftruncate) to the end of the last whole row, so a full disk
 * never leaves a torn row.  A SIGKILL cannot tear a row either, short of
 * the rare kill that lands while the kernel copies a row of several pages
 * (the readers skip such a last line: table.h).
 *
 * sk_rowfile_check() tells whether the file is still the one opened (not
 * removed, not replaced by another file of that name), since rows written
 * to an unlinked file are lost without a word.
 *
 * Not thread-safe; allocates nothing.
 */
#ifndef SWEEPKIT_ROWFILE_H
#define SWEEPKIT_ROWFILE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
    int fd;           /* O_APPEND; the caller closes it */
    const char *path; /* for messages; borrowed */
    off_t end;        /* the end of the last whole row */
    dev_t dev;        /* the file opened */
    ino_t ino;
} sk_rowfile;

/* Take `fd` (open for appending) as the file `path`.  Returns 0, or
 * SK_EIO "PATH: cannot write: REASON". */
int sk_rowfile_open(sk_rowfile *f, int fd, const char *path);

/* Append buf[0..n) whole.  Returns 0, or SK_EIO with "PATH: cannot write:
 * REASON; the file ends at its last whole row" (the file cut back to
 * f->end; when even that fails, the message says so). */
int sk_rowfile_write(sk_rowfile *f, const char *buf, size_t n);

/* Flush the file to the disk (fsync).  Returns 0, or SK_EIO. */
int sk_rowfile_sync(sk_rowfile *f);

/* Is `path` still this file?  Returns 0, or SK_EIO with "PATH: removed
 * while the sweep ran: ..." or "PATH: replaced by another file while the
 * sweep ran: ..." (the rows are in no file by that name). */
int sk_rowfile_check(const sk_rowfile *f);

#endif
