/*
 * An output directory written as a whole: built in a fresh hidden
 * directory next to the target (PARENT/.NAME.tmp.XXXXXX) and renamed into
 * place only when complete, so a failed run leaves neither a half-written
 * result nor files of two runs mixed.  The target may be missing, an empty
 * directory, or a directory an earlier run of the same command wrote
 * (replaced as a whole); anything else is refused.
 *
 * An earlier run's directory is recognised by its manifest: a JSON file
 * whose "generator" starts with the owner's generator, next to which only
 * regular files the command writes may lie (sk_outdir_owner).
 *
 * Ownership: sk_outdir_new() returns an object freed by sk_outdir_free(),
 * which also removes a staging directory not committed.  Strings returned
 * are borrowed from it.  The owner description is borrowed for the
 * object's lifetime.
 * Thread-safety: one object must not be used by two threads at once.
 * Nothing here prints.
 */
#ifndef SWEEPKIT_OUTDIR_H
#define SWEEPKIT_OUTDIR_H

typedef struct sk_outdir sk_outdir;

/* What a directory an earlier run wrote holds. */
typedef struct {
    const char *noun;          /* "report": what messages call the result */
    const char *manifest;      /* "report.json": a JSON object at the top */
    const char *generator;     /* its "generator" starts with this:
                                  "sweepkit report" */
    const char *const *files;  /* other names the command writes, NULL-
                                  terminated: {"report.md", NULL}; may be
                                  NULL */
    const char *listed_suffix; /* files ending in this (".png") belong to
                                  the run when the manifest names them, in
                                  double quotes; NULL: none */
} sk_outdir_owner;

/*
 * mkdir -p: create `path` and its missing parents (mode 0777 less the
 * umask).  Returns 0, or SK_EIO with "PART: cannot create directory:
 * REASON" (SK_EINVAL "PATH: path too long" beyond 4095 bytes).
 */
int sk_outdir_mkdir_p(const char *path);

/*
 * Decide what to do with `target` (trailing slashes ignored) before
 * anything is written: nothing is created yet.  Returns 0 and the object
 * in *out; or, with *out NULL:
 *   SK_EINVAL  the target's last part is empty, "." or ".." ("TARGET: give
 *              the NOUN a directory of its own (--out DIR)"), or it is a
 *              symbolic link;
 *   SK_EIO     it exists and is not a directory, is a directory neither
 *              empty nor an earlier run's, or cannot be looked at;
 *   SK_ENOMEM.
 */
int sk_outdir_new(sk_outdir **out, const char *target,
                  const sk_outdir_owner *owner);

/*
 * Create the staging directory (and the target's missing parents), an
 * ordinary directory (0777 less the umask).  Returns 0, SK_EIO ("TARGET:
 * cannot create directory: REASON", or the parent's message from
 * sk_outdir_mkdir_p()), SK_ENOMEM.
 */
int sk_outdir_open(sk_outdir *o);

/* The target without trailing slashes. */
const char *sk_outdir_path(const sk_outdir *o);

/* The staging directory to write into, after sk_outdir_open(); NULL
 * before it and after sk_outdir_commit(). */
const char *sk_outdir_staging(const sk_outdir *o);

/*
 * Move the staging directory into place: an earlier run's directory is
 * renamed aside first and removed after.  Returns 0, or SK_EIO ("TARGET:
 * cannot replace: REASON", "TARGET: cannot create directory: REASON"; the
 * earlier directory is put back), SK_ENOMEM.
 */
int sk_outdir_commit(sk_outdir *o);

/* Remove the staging directory if not committed, and free.  NULL is
 * fine. */
void sk_outdir_free(sk_outdir *o);

#endif
