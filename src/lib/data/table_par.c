/*
 * Parallel reading (table.h): the header on the calling thread, then the
 * rest of the input cut into chunks at line ends, each parsed by a reader
 * of its own into a part of its own on a pool of threads, and the parts
 * merged into the payload in file order on the calling thread.
 *
 * Cuts: a chunk holds at least `target` bytes and ends at the first line
 * end after them where the number of quotes since the chunk's start is
 * even, which in valid CSV is a line end outside quoted fields (inside
 * one, an escaped quote is a pair).  The count only chooses the cut; what
 * proves it is the reader of the chunk before: when that reader ends the
 * chunk between rows (sk_table__reader_clean), the next chunk's reader,
 * started between rows at the right line and offset, gave exactly the
 * rows a serial read gives.  When it does not (a stray quote, a line too
 * long to wait for), the next chunk's result is dropped and its bytes are
 * fed to the unfinished reader on this thread: slower, never different.
 *
 * Memory: at most 2 * threads + 2 chunks in flight, plus the input buffer
 * and the chunks of a part not merged yet (one, but for a row that spans
 * chunks).
 */
#include "table_int.h"

#include "sweepkit/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_BYTES ((size_t)256 << 10)
#define MAX_THREADS 64
/* A chunk with no cut this far past its target is cut anyway, at its
 * last line end (or its end): the continuation makes it right. */
#define FORCE_BYTES ((size_t)32 << 20)

#define SPARE_MAX (2 * MAX_THREADS + 4)

struct chunk {
    char *buf;
    size_t len, cap;
    size_t line, fed;   /* where buf[0] stands in the input */
    sk_table_reader *r; /* parses buf into part */
    void *part;
    int rc;    /* the worker's outcome */
    char *msg; /* its error message when rc != 0 (NULL: out of memory) */
    int done;  /* parsed; chunks are taken in order, by p->next */
};

struct input {
    int fd;
    const char *name;
    char *buf;
    size_t cap, beg, end; /* unread bytes: buf[beg, end) */
    int eof;
    size_t scanned; /* bytes after beg already counted for the cut */
    int odd;        /* parity of the quotes among them */
    size_t lines;   /* line feeds among them */
    int blind;      /* cut at any line end, quotes or not (tests) */
};

/* The part being read: a reader begun between rows at a valid place, its
 * part, and the bytes it was fed (kept for a replay). */
struct open_part {
    sk_table_reader *r;
    void *part;
    size_t line, fed, prev_last_row_line;
    char **bufs;
    size_t *lens, *caps;
    size_t nbufs, bufs_cap;
};

struct par {
    const sk_table_parts *parts;
    void *payload;
    sk_table_reader *tpl; /* the header's reader: template of the others */
    struct input in;
    size_t target;
    size_t line, fed; /* where the next chunk starts */
    size_t last_row_line;
    struct open_part cur;

    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct chunk *ring; /* chunk k lives in ring[k % cap] */
    size_t cap;
    size_t head, next, tail; /* oldest unmerged, next to parse, next new */
    int quit;
    pthread_t tid[MAX_THREADS];
    unsigned want, nthreads;
    /* chunk buffers to use again: a fresh large allocation is a fresh
     * mapping, and its page faults cost more than the copy into it */
    char *spare[SPARE_MAX];
    size_t spare_cap[SPARE_MAX], nspare;
    sk_table_reader *idle[SPARE_MAX]; /* readers to use again */
    size_t nidle;
};

/* Count the quotes and line feeds of s[0..n) into *q and *l: blocks of
 * 240 bytes counted in bytes, which the compiler turns into vector
 * compares. */
static void count_ql(const char *s, size_t n, size_t *q, size_t *l)
{
    enum { BLOCK = 240 };
    size_t i;

    while (n >= BLOCK) {
        unsigned char bq = 0, bl = 0;

        for (i = 0; i < BLOCK; i++) {
            bq += s[i] == '"';
            bl += s[i] == '\n';
        }
        *q += bq;
        *l += bl;
        s += BLOCK;
        n -= BLOCK;
    }
    for (i = 0; i < n; i++) {
        *q += s[i] == '"';
        *l += s[i] == '\n';
    }
}

/* Take the next queued chunk and parse it; called and returns with the
 * lock held. */
static void parse_next(struct par *p)
{
    struct chunk *c = &p->ring[p->next++ % p->cap];
    char *msg = NULL;
    int rc;

    pthread_mutex_unlock(&p->mu);
    rc = sk_table_reader_feed(c->r, c->buf, c->len);
    if (rc != 0)
        msg = strdup(sk_error_last());
    pthread_mutex_lock(&p->mu);
    c->rc = rc;
    c->msg = msg;
    c->done = 1;
    pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
    struct par *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->next == p->tail)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->quit)
            break;
        parse_next(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Read at most `want` more bytes of input, keeping the unread bytes;
 * sets eof at its end. */
static int input_more(struct input *in, size_t want)
{
    if (in->beg > 0) {
        memmove(in->buf, in->buf + in->beg, in->end - in->beg);
        in->end -= in->beg;
        in->beg = 0;
    }
    if (in->end == in->cap) {
        char *b = realloc(in->buf, 2 * in->cap);

        if (!b)
            return sk_error_set(SK_ENOMEM, "%s: out of memory", in->name);
        in->buf = b;
        in->cap *= 2;
    }
    if (want > in->cap - in->end)
        want = in->cap - in->end;
    for (;;) {
        ssize_t got = read(in->fd, in->buf + in->end, want);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return sk_error_set(SK_EIO, "%s: read failed: %s", in->name,
                                strerror(errno));
        if (got == 0)
            in->eof = 1;
        in->end += (size_t)got;
        return 0;
    }
}

/* Count the quotes (tests: none) and lines of the unread bytes up to
 * `at`. */
static void scan_to(struct input *in, size_t at)
{
    size_t q = 0;

    count_ql(in->buf + in->beg + in->scanned, at - in->scanned, &q,
             &in->lines);
    if (!in->blind)
        in->odd ^= (int)(q & 1);
    in->scanned = at;
}

/* The length of the next chunk, or 0 when the unread bytes hold no cut
 * yet (file header comment). */
static size_t find_cut(struct input *in, size_t target)
{
    const char *s = in->buf + in->beg;
    size_t avail = in->end - in->beg;

    if (in->scanned < target)
        scan_to(in, avail < target ? avail : target);
    while (in->scanned >= target && in->scanned < avail) {
        const char *nl = memchr(s + in->scanned, '\n', avail - in->scanned);

        scan_to(in, nl ? (size_t)(nl - s) + 1 : avail);
        if (nl && !in->odd)
            return in->scanned;
    }
    if (in->eof)
        return avail;
    if (avail >= target + FORCE_BYTES) {
        size_t at = avail;

        while (at > 0 && s[at - 1] != '\n')
            at--;
        return at ? at : avail;
    }
    return 0;
}

/* A buffer of at least `len` bytes (its size in *cap), a spare if one
 * is large enough. */
static char *buf_get(struct par *p, size_t len, size_t *cap)
{
    while (p->nspare > 0) {
        char *b = p->spare[--p->nspare];

        if (p->spare_cap[p->nspare] >= len) {
            *cap = p->spare_cap[p->nspare];
            return b;
        }
        free(b);
    }
    *cap = len;
    return malloc(len);
}

static void buf_put(struct par *p, char *b, size_t cap)
{
    if (b && p->nspare < SPARE_MAX) {
        p->spare[p->nspare] = b;
        p->spare_cap[p->nspare++] = cap;
    } else {
        free(b);
    }
}

/* A reader for a chunk (sk_table__reader_clone()), an idle one if any. */
static int reader_get(struct par *p, sk_table_reader **out, void *payload,
                      size_t line, size_t fed)
{
    *out = p->nidle ? p->idle[--p->nidle] : NULL;
    return sk_table__reader_clone(out, p->tpl, payload, line, fed);
}

static void reader_put(struct par *p, sk_table_reader *r)
{
    if (r && p->nidle < SPARE_MAX)
        p->idle[p->nidle++] = r;
    else
        sk_table_reader_free(r);
}

static void chunk_clear(struct par *p, struct chunk *c)
{
    if (c->part)
        p->parts->part_free(c->part);
    reader_put(p, c->r);
    buf_put(p, c->buf, c->cap);
    free(c->msg);
    memset(c, 0, sizeof(*c));
}

static void open_part_clear(struct par *p)
{
    struct open_part *o = &p->cur;
    size_t i;

    if (o->part)
        p->parts->part_free(o->part);
    reader_put(p, o->r);
    for (i = 0; i < o->nbufs; i++)
        buf_put(p, o->bufs[i], o->caps[i]);
    free(o->bufs);
    free(o->lens);
    free(o->caps);
    memset(o, 0, sizeof(*o));
}

static int keep_bytes(struct par *p, struct chunk *c)
{
    struct open_part *o = &p->cur;

    if (o->nbufs == o->bufs_cap) {
        size_t cap = o->bufs_cap ? 2 * o->bufs_cap : 4;
        char **b = realloc(o->bufs, cap * sizeof(*b));
        size_t *l = NULL, *k = NULL;

        if (b)
            o->bufs = b;
        if (b && (l = realloc(o->lens, cap * sizeof(*l))) != NULL)
            o->lens = l;
        if (l && (k = realloc(o->caps, cap * sizeof(*k))) != NULL)
            o->caps = k;
        if (!k)
            return sk_error_set(SK_ENOMEM, "%s: out of memory",
                                p->tpl->name);
        o->bufs_cap = cap;
    }
    o->bufs[o->nbufs] = c->buf;
    o->caps[o->nbufs] = c->cap;
    o->lens[o->nbufs++] = c->len;
    c->buf = NULL;
    return 0;
}

/* The open part's rows again, delivered to the payload itself. */
static int replay(struct par *p, int final)
{
    struct open_part *o = &p->cur;
    sk_table_reader *r;
    size_t i;
    int rc = reader_get(p, &r, p->payload, o->line, o->fed);

    if (rc != 0)
        return rc;
    r->last_row_line = o->prev_last_row_line;
    for (i = 0; i < o->nbufs && rc == 0; i++)
        rc = sk_table_reader_feed(r, o->bufs[i], o->lens[i]);
    if (rc == 0 && final)
        rc = sk_table_reader_finish(r);
    reader_put(p, r);
    return rc;
}

/* The open part failed with `rc` (message `msg`, NULL: out of memory) at
 * a row of its own; that is the serial read's error too, unless a limit
 * on totals was crossed before it, which the merge tells. */
static int part_failed(struct par *p, int rc, const char *msg)
{
    int m = p->parts->merge(p->payload, p->cur.part);

    if (m == SK_TABLE_REPLAY && (m = replay(p, 0)) == 0)
        m = rc; /* not met again: cannot be, but keep the error */
    if (m != 0 && m != rc)
        return m;
    return msg ? sk_error_set(rc, "%s", msg)
               : sk_error_set(SK_ENOMEM, "%s: out of memory", p->tpl->name);
}

/* Merge the open part, which ends between rows or (final) at the end of
 * the input, and close it. */
static int close_part(struct par *p, int final)
{
    struct open_part *o = &p->cur;
    int rc = p->parts->merge(p->payload, o->part);

    if (rc == SK_TABLE_REPLAY) {
        rc = replay(p, final);
    } else if (rc == 0 && final) {
        /* a last row without a line end goes to the payload */
        o->r->payload = p->payload;
        rc = sk_table_reader_finish(o->r);
    }
    open_part_clear(p);
    return rc;
}

/* Chunk c, parsed, in file order. */
static int take(struct par *p, struct chunk *c)
{
    struct open_part *o = &p->cur;
    int rc;

    if (!o->r) {
        /* begun between rows: its own reader's result holds */
        o->r = c->r;
        o->part = c->part;
        c->r = NULL;
        c->part = NULL;
        o->line = c->line;
        o->fed = c->fed;
        o->prev_last_row_line = p->last_row_line;
        if (!o->r->last_row_line)
            o->r->last_row_line = p->last_row_line;
        if ((rc = keep_bytes(p, c)) != 0)
            return rc;
        if (c->rc != 0)
            return part_failed(p, c->rc, c->msg);
    } else {
        /* begun inside the open part's last row: parsed again as its
         * continuation */
        p->parts->part_free(c->part);
        reader_put(p, c->r);
        c->part = NULL;
        c->r = NULL;
        if ((rc = keep_bytes(p, c)) != 0)
            return rc;
        rc = sk_table_reader_feed(o->r, o->bufs[o->nbufs - 1], c->len);
        if (rc != 0) {
            char *msg = strdup(sk_error_last());

            rc = part_failed(p, rc, msg);
            free(msg);
            return rc;
        }
    }
    p->last_row_line = o->r->last_row_line;
    if (sk_table__reader_clean(o->r))
        return close_part(p, 0);
    return 0;
}

/* The calling thread parses too, while it waits: want - 1 workers.  A
 * thread that cannot be started leaves fewer, the same result. */
static void start_threads(struct par *p)
{
    while (p->nthreads + 1 < p->want &&
           pthread_create(&p->tid[p->nthreads], NULL, worker, p) == 0)
        p->nthreads++;
}

/* Queue the next `len` unread bytes as a chunk: copied out when they are
 * fewer than the bytes after them, else the input buffer becomes the
 * chunk's and the bytes after them move to a new one. */
static int dispatch(struct par *p, size_t len)
{
    struct chunk *c = &p->ring[p->tail % p->cap];
    struct input *in = &p->in;
    size_t rest = in->end - in->beg - len, lines = 0, quotes = 0;
    int rc;

    memset(c, 0, sizeof(*c));
    if (len <= rest) {
        if (!(c->buf = buf_get(p, len, &c->cap)))
            return sk_error_set(SK_ENOMEM, "%s: out of memory", in->name);
        memcpy(c->buf, in->buf + in->beg, len);
        in->beg += len;
    } else {
        size_t want = p->target + p->target / 4, cap;
        char *next = buf_get(p, rest + 1 > want ? rest + 1 : want, &cap);

        if (!next)
            return sk_error_set(SK_ENOMEM, "%s: out of memory", in->name);
        memcpy(next, in->buf + in->beg + len, rest);
        if (in->beg > 0) /* the bytes after the header */
            memmove(in->buf, in->buf + in->beg, len);
        c->buf = in->buf;
        c->cap = in->cap;
        in->buf = next;
        in->cap = cap;
        in->beg = 0;
        in->end = rest;
    }
    c->len = len;
    c->line = p->line;
    c->fed = p->fed;
    if (in->scanned == len)
        lines = in->lines;
    else
        count_ql(c->buf, len, &quotes, &lines);
    in->scanned = 0;
    in->odd = 0;
    in->lines = 0;
    p->line += lines;
    p->fed += len;
    if (!(c->part = p->parts->part_new(p->payload))) {
        chunk_clear(p, c);
        return SK_ENOMEM; /* part_new set the message */
    }
    if ((rc = reader_get(p, &c->r, c->part, c->line, c->fed)) != 0) {
        chunk_clear(p, c);
        return rc;
    }
    start_threads(p);
    pthread_mutex_lock(&p->mu);
    p->tail++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Feed the header (and blank lines before it) to the template reader.
 * Returns 0 with *ended set when the input ended first (the reader is
 * finished). */
static int read_header(struct par *p, int *ended)
{
    struct input *in = &p->in;
    sk_table_reader *r = p->tpl;
    int rc;

    *ended = 0;
    for (;;) {
        const char *nl;
        size_t n;

        if (in->beg == in->end) {
            if (in->eof) {
                *ended = 1;
                return sk_table_reader_finish(r);
            }
            if ((rc = input_more(in, SIZE_MAX)) != 0)
                return rc;
            continue;
        }
        nl = memchr(in->buf + in->beg, '\n', in->end - in->beg);
        n = nl ? (size_t)(nl - (in->buf + in->beg)) + 1 : in->end - in->beg;
        rc = sk_table_reader_feed(r, in->buf + in->beg, n);
        in->beg += n;
        if (rc != 0)
            return rc;
        if (nl && r->rows >= 1 && sk_table__reader_clean(r))
            return 0;
    }
}

/* Read on to the next chunk's target and a little past it, where its
 * cut most likely is: what is read past the cut is copied. */
static int read_more(struct par *p)
{
    enum { SLACK = 8192 };
    size_t have = p->in.end - p->in.beg;

    return input_more(&p->in, have < p->target ? p->target - have + SLACK
                                                : SLACK);
}

/* The rest on this thread, as without parts (or threads). */
static int read_serially(struct par *p)
{
    struct input *in = &p->in;
    int rc;

    for (;;) {
        if (in->beg < in->end &&
            (rc = sk_table_reader_feed(p->tpl, in->buf + in->beg,
                                       in->end - in->beg)) != 0)
            return rc;
        in->beg = in->end;
        if (in->eof)
            return sk_table_reader_finish(p->tpl);
        if ((rc = input_more(in, SIZE_MAX)) != 0)
            return rc;
    }
}

static int run(struct par *p)
{
    struct input *in = &p->in;
    int ended, rc;

    if ((rc = read_header(p, &ended)) != 0 || ended)
        return rc;
    if (p->parts->split && !p->parts->split(p->payload))
        return read_serially(p);
    p->line = p->tpl->line;
    p->fed = p->tpl->fed;
    p->last_row_line = p->tpl->last_row_line;
    for (;;) {
        struct chunk *c;

        while (p->tail - p->head < p->cap && in->beg < in->end) {
            size_t len = find_cut(in, p->target);

            if (len == 0) {
                if ((rc = read_more(p)) != 0)
                    return rc;
                continue;
            }
            if (p->tail == 0 && in->eof && len == in->end - in->beg)
                return read_serially(p); /* the rest is one chunk */
            if ((rc = dispatch(p, len)) != 0)
                return rc;
        }
        if (in->beg == in->end && !in->eof) {
            if ((rc = read_more(p)) != 0)
                return rc;
            continue;
        }
        if (p->head == p->tail)
            break;
        c = &p->ring[p->head % p->cap];
        pthread_mutex_lock(&p->mu);
        while (!c->done) {
            if (p->next < p->tail)
                parse_next(p); /* rather than wait */
            else
                pthread_cond_wait(&p->done, &p->mu);
        }
        pthread_mutex_unlock(&p->mu);
        rc = take(p, c);
        chunk_clear(p, c);
        p->head++;
        if (rc != 0)
            return rc;
    }
    return p->cur.r ? close_part(p, 1) : 0;
}

/* SK_TABLE_CHUNK_BYTES, for tests: small chunks put cuts everywhere;
 * with SK_TABLE_CUT=any, inside quoted fields too. */
static size_t chunk_target(void)
{
    const char *e = getenv("SK_TABLE_CHUNK_BYTES");
    char *end;
    unsigned long long v;

    if (!e || !*e)
        return CHUNK_BYTES;
    v = strtoull(e, &end, 10);
    return *end || v == 0 ? CHUNK_BYTES : (size_t)v;
}

int sk_table__stream_parallel(sk_table_reader *r, int fd,
                              const sk_table_opts *opts, unsigned threads)
{
    struct par p;
    unsigned t;
    size_t k;
    int rc;

    memset(&p, 0, sizeof(p));
    p.parts = opts->parts;
    p.payload = r->payload;
    p.tpl = r;
    p.target = chunk_target();
    p.want = threads < MAX_THREADS ? threads : MAX_THREADS;
    p.cap = 2 * (size_t)p.want + 2;
    p.in.fd = fd;
    p.in.name = r->name;
    p.in.blind = getenv("SK_TABLE_CUT") &&
                 strcmp(getenv("SK_TABLE_CUT"), "any") == 0;
    p.in.cap = p.target + p.target / 4 < 65536 ? 65536
                                                : p.target + p.target / 4;
    p.in.buf = malloc(p.in.cap);
    p.ring = calloc(p.cap, sizeof(*p.ring));
    if (!p.in.buf || !p.ring) {
        free(p.in.buf);
        free(p.ring);
        return sk_error_set(SK_ENOMEM, "%s: out of memory", r->name);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);

    rc = run(&p);

    pthread_mutex_lock(&p.mu);
    p.quit = 1;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (t = 0; t < p.nthreads; t++)
        pthread_join(p.tid[t], NULL);
    for (k = p.head; k < p.tail; k++)
        chunk_clear(&p, &p.ring[k % p.cap]);
    open_part_clear(&p);
    while (p.nspare > 0)
        free(p.spare[--p.nspare]);
    while (p.nidle > 0)
        sk_table_reader_free(p.idle[--p.nidle]);
    pthread_cond_destroy(&p.done);
    pthread_cond_destroy(&p.work);
    pthread_mutex_destroy(&p.mu);
    free(p.ring);
    free(p.in.buf);
    return rc;
}
