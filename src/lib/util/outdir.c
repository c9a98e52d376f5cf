/*
 * Output-directory staging (outdir.h), moved from `sweepkit report`.
 */
#include "sweepkit/outdir.h"

#include "sweepkit/error.h"

#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sk_outdir {
    char *path;    /* the target, without trailing slashes */
    char *parent;  /* its directory */
    char *staging; /* where this run writes */
    int replace;   /* the target is an earlier report */
    const sk_outdir_owner *owner;
};

int sk_outdir_mkdir_p(const char *path)
{
    char buf[4096];
    size_t i, n = strlen(path);

    if (n >= sizeof(buf))
        return sk_error_set(SK_EINVAL, "%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return sk_error_set(SK_EIO, "%s: cannot create directory: %s", buf,
                                strerror(errno));
        buf[i] = i < n ? '/' : '\0';
    }
    return 0;
}

/* One of the names the owner writes besides its manifest. */
static int owned_name(const sk_outdir_owner *w, const char *name)
{
    size_t i;

    if (strcmp(name, w->manifest) == 0)
        return 1;
    for (i = 0; w->files && w->files[i]; i++)
        if (strcmp(name, w->files[i]) == 0)
            return 1;
    return 0;
}

/*
 * Is DIR empty (1), an earlier report (2), or something else (0)?  An
 * earlier report holds only regular files this command writes: report.md,
 * report.json (from "sweepkit report") and PNG charts whose names that
 * report.json gives; anything else (a file of the user's, a directory, a
 * link) makes it something else, never replaced.  (The names come from
 * the owner: for `sweepkit report`, those above.)
 */
static int dir_state(const char *dir, const sk_outdir_owner *w)
{
    DIR *d;
    struct dirent *e;
    char path[4096], *listed = NULL;
    json_t *j, *g;
    int entries = 0, foreign = 0;
    size_t sl = w->listed_suffix ? strlen(w->listed_suffix) : 0;

    snprintf(path, sizeof(path), "%s/%s", dir, w->manifest);
    if ((j = json_load_file(path, 0, NULL)) != NULL) {
        g = json_object_get(j, "generator");
        if (json_is_string(g) && strncmp(json_string_value(g), w->generator,
                                         strlen(w->generator)) == 0)
            listed = json_dumps(j, JSON_COMPACT);
        json_decref(j);
    }
    if (!(d = opendir(dir))) {
        free(listed);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char quoted[600];
        size_t n = strlen(e->d_name);

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        snprintf(quoted, sizeof(quoted), "\"%s\"", e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            !(owned_name(w, e->d_name) ||
              (sl && n > sl &&
               strcmp(e->d_name + n - sl, w->listed_suffix) == 0 && listed &&
               strstr(listed, quoted))))
            foreign++;
    }
    closedir(d);
    free(listed);
    if (entries == 0)
        return 1;
    return !foreign && listed != NULL ? 2 : 0;
}

/* Remove a directory this command wrote (files only) and the directory. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];

    if (d) {
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

void sk_outdir_free(sk_outdir *o)
{
    if (!o)
        return;
    if (o->staging)
        remove_tree(o->staging);
    free(o->path);
    free(o->parent);
    free(o->staging);
    free(o);
}

/* Decide what to do with `target` before any input is read: nothing is
 * created yet. */
static int check(sk_outdir *o, const char *target)
{
    struct stat st;
    const char *slash, *base;
    size_t n = strlen(target);
    int state;

    while (n > 1 && target[n - 1] == '/')
        n--;
    if (!(o->path = strndup(target, n)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    slash = strrchr(o->path, '/');
    if (!(o->parent =
              slash ? strndup(o->path,
                              slash == o->path ? 1 : (size_t)(slash - o->path))
                    : strdup(".")))
        return sk_error_set(SK_ENOMEM, "out of memory");
    base = slash ? slash + 1 : o->path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return sk_error_set(SK_EINVAL,
                            "%s: give the %s a directory of its "
                            "own (--out DIR)",
                            target, o->owner->noun);
    if (lstat(o->path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return sk_error_set(SK_EINVAL,
                                "%s: is a symbolic link; give the directory "
                                "it points to",
                                o->path);
        if (!S_ISDIR(st.st_mode))
            return sk_error_set(SK_EIO, "%s: exists and is not a directory",
                                o->path);
        state = dir_state(o->path, o->owner);
        if (state == 0)
            return sk_error_set(SK_EIO,
                                "%s: exists, is not empty and holds no "
                                "earlier %s; give another --out or "
                                "empty it",
                                o->path, o->owner->noun);
        o->replace = state == 2;
    } else if (errno != ENOENT) {
        return sk_error_set(SK_EIO, "%s: cannot create directory: %s", o->path,
                            strerror(errno));
    }
    return 0;
}

int sk_outdir_new(sk_outdir **out, const char *target,
                  const sk_outdir_owner *owner)
{
    sk_outdir *o;
    int rc;

    *out = NULL;
    if (!(o = calloc(1, sizeof(*o))))
        return sk_error_set(SK_ENOMEM, "out of memory");
    o->owner = owner;
    if ((rc = check(o, target)) != 0) {
        sk_outdir_free(o);
        return rc;
    }
    *out = o;
    return 0;
}

const char *sk_outdir_path(const sk_outdir *o)
{
    return o->path;
}

const char *sk_outdir_staging(const sk_outdir *o)
{
    return o->staging;
}

/* umask() can only be read by setting it: done once per process, so that
 * no other thread ever creates a file under a zero mask while a second
 * report opens its directory.  The one process-wide value in util/. */
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static mode_t process_umask;

static void read_umask(void)
{
    process_umask = umask(0);
    umask(process_umask);
}

/* Create the staging directory (and the target's missing parents). */
int sk_outdir_open(sk_outdir *o)
{
    const char *base = strrchr(o->path, '/');
    int rc;

    base = base ? base + 1 : o->path;
    if ((rc = sk_outdir_mkdir_p(o->parent)) != 0)
        return rc;
    if (!(o->staging = malloc(strlen(o->parent) + strlen(base) + 16)))
        return sk_error_set(SK_ENOMEM, "out of memory");
    sprintf(o->staging, "%s/.%s.tmp.XXXXXX", o->parent, base);
    if (!mkdtemp(o->staging)) {
        rc = sk_error_set(SK_EIO, "%s: cannot create directory: %s", o->path,
                          strerror(errno));
        free(o->staging);
        o->staging = NULL;
        return rc;
    }
    /* mkdtemp() makes it 0700; a report directory is an ordinary one. */
    pthread_once(&umask_once, read_umask);
    chmod(o->staging, 0777 & ~process_umask);
    return 0;
}

/* Move the finished report into place. */
int sk_outdir_commit(sk_outdir *o)
{
    char *old = NULL;
    int rc = 0;

    if (o->replace) {
        if (!(old = malloc(strlen(o->staging) + 8)))
            return sk_error_set(SK_ENOMEM, "out of memory");
        sprintf(old, "%s", o->staging);
        memcpy(strrchr(old, '.') - 3, "old", 3); /* .NAME.old.XXXXXX */
        if (rename(o->path, old) != 0) {
            rc = sk_error_set(SK_EIO, "%s: cannot replace: %s", o->path,
                              strerror(errno));
            goto done;
        }
    }
    if (rename(o->staging, o->path) != 0) {
        rc = sk_error_set(SK_EIO, "%s: cannot create directory: %s", o->path,
                          strerror(errno));
        if (old)
            rename(old, o->path);
        goto done;
    }
    free(o->staging);
    o->staging = NULL;
    if (old)
        remove_tree(old);
done:
    free(old);
    return rc;
}
