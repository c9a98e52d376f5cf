/*
 * A prompt set: the list of prompts `sweepkit collect` cycles through
 * (query q is sent prompt q mod count).
 *
 * Formats, told apart by content, never by file name.  A UTF-8 byte order
 * mark at the start is skipped; then the first byte that is not JSON
 * whitespace (space, tab, CR, LF) decides:
 *
 *   '['        a JSON array of strings, e.g. ["Explain LRU caches", "..."].
 *              Elements are numbered from 1 in messages.
 *   '{' / '"'  JSON Lines: each non-blank line is one JSON value, either a
 *              string or an object with a string field "prompt" (or, if it
 *              has no "prompt", "text", then "content"; the first of those
 *              present is used and must be a string).  Other fields are
 *              ignored.
 *   otherwise  plain text: one prompt per non-blank line, taken verbatim
 *              except for a trailing CR (CRLF files).  A blank line (empty,
 *              or only spaces, tabs and a CR) is skipped.
 *
 * So a text file whose first prompt starts with '[', '{' or '"' is read as
 * JSON and most likely rejected; the message then says why.
 *
 * Rules for every format: a prompt is valid UTF-8 without NUL bytes; an
 * empty or whitespace-only JSON string is rejected (in text files such a
 * line is skipped); at most SK_PROMPTS_MAX_BYTES bytes per prompt, at most
 * SK_PROMPTS_MAX_COUNT prompts, at most SK_PROMPTS_MAX_FILE_BYTES of input;
 * at least one prompt.
 *
 * Errors name the file and the line: "p.json:3:14: invalid JSON: ...",
 * "p.json:7: element 5 is a number, expected a string",
 * "p.txt:9:12: invalid UTF-8", "p.txt: no prompts".
 *
 * Ownership: sk_prompts_load(), sk_prompts_from_buffer() and
 * sk_prompts_builtin() return an object freed by sk_prompts_free(); the
 * strings it returns are borrowed from it.
 * Thread-safety: a loaded prompt set is immutable; any number of threads
 * may read it.  Loading uses only the calling thread's error message.
 */
#ifndef SWEEPKIT_PROMPTS_H
#define SWEEPKIT_PROMPTS_H

#include <stddef.h>

/* Limits: bytes per prompt, prompts per set, bytes of input. */
#define SK_PROMPTS_MAX_BYTES (1024u * 1024u)
#define SK_PROMPTS_MAX_COUNT 1000000u
#define SK_PROMPTS_MAX_FILE_BYTES (256u * 1024u * 1024u)

/* Number of prompts in the built-in set. */
#define SK_PROMPTS_BUILTIN_COUNT 128

typedef struct sk_prompts sk_prompts;

/*
 * Load the prompt set at `path` ("-" = stdin, "<stdin>" in messages).
 * Returns 0 and sets *out, or (with *out = NULL):
 *   SK_ENOTFOUND  no such file
 *   SK_EIO        the file cannot be opened or read (message has strerror)
 *   SK_EPARSE     invalid JSON, a wrong type, an empty prompt, a NUL byte,
 *                 invalid UTF-8
 *   SK_ELIMIT     a prompt, the count or the file over its limit
 *   SK_ENODATA    no prompts at all
 *   SK_ENOMEM     out of memory
 * The caller frees *out with sk_prompts_free().
 */
int sk_prompts_load(sk_prompts **out, const char *path);

/*
 * As sk_prompts_load() over the `len` bytes at `buf` (`buf` may be NULL
 * when len is 0; it need not be NUL-terminated and is not kept).  `name` is
 * used in messages and returned by sk_prompts_name().
 */
int sk_prompts_from_buffer(sk_prompts **out, const char *name,
                           const char *buf, size_t len);

/*
 * The built-in set: SK_PROMPTS_BUILTIN_COUNT distinct prompts, each one
 * technical or general topic put into one instruction asking for a long,
 * step-by-step explanation (so answers run to the output token limit).
 * Same prompts in the same order on every call.  Named "<builtin>".
 * Returns 0 or SK_ENOMEM.  The caller frees *out with sk_prompts_free().
 */
int sk_prompts_builtin(sk_prompts **out);

/* Accepts NULL. */
void sk_prompts_free(sk_prompts *p);

/* The name used in messages (the path, "<stdin>" or "<builtin>").
 * Borrowed from p. */
const char *sk_prompts_name(const sk_prompts *p);

/* Number of prompts; at least 1. */
size_t sk_prompts_count(const sk_prompts *p);

/* Prompt i (i < count), NUL-terminated UTF-8.  Borrowed from p. */
const char *sk_prompts_get(const sk_prompts *p, size_t i);

/* Length of prompt i in bytes (i < count), without the NUL. */
size_t sk_prompts_len(const sk_prompts *p, size_t i);

#endif
