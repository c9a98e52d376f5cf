/*
 * Scrub a server's text (an HTTP error-body excerpt, a curl message, a
 * Content-Type, an in-stream error, a finish reason) before it goes into a
 * CSV cell or onto a terminal: the secrets the user gave are overwritten,
 * and what is left is one printable line of valid UTF-8.
 *
 * sk_scrub_text() does, in this order:
 *
 * 1. Decode.  JSON string escapes (\" \\ \/ \b \f \n \r \t \uXXXX, a
 *    surrogate pair as one code point, a lone surrogate as U+FFFD) and
 *    percent-encoding (%XX, either case) are decoded wherever they occur,
 *    one pass, no double decoding (%255C stays "%5C").  Anything else
 *    after a backslash or a '%' is kept as it is.  The output is the
 *    decoded text.
 * 2. Clean.  Invalid UTF-8 (a stray continuation byte, C0, C1, F5..FF, an
 *    overlong form, a surrogate, a code point past U+10FFFF, a sequence
 *    cut short) becomes U+FFFD, one per maximal subpart (Unicode chapter
 *    3, "U+FFFD substitution of maximal subparts"; WHATWG's UTF-8
 *    decoder): "\xF0\x9F\x98" is one U+FFFD, "\xC0\xAF" two.  The
 *    bidirectional controls U+061C, U+200E, U+200F, U+202A..U+202E and
 *    U+2066..U+2069 are removed.  C0 controls (a decoded \u0000 and \n
 *    too), DEL, the C1 controls U+0080..U+009F and U+2028, U+2029 become
 *    a space.
 * 3. Match.  Every form of every secret (below) found in the cleaned text
 *    is overwritten with '*', one per byte of the cleaned text it covers.
 *    Matches are found in the text before any '*' is written, so
 *    overlapping secrets are masked together.  A start (4 bytes or more)
 *    of a form that ends the text is masked too, since an excerpt may cut
 *    a secret: "ends" counts an escape or UTF-8 sequence cut short by the
 *    end of the input (masked with it) and the place where a cut to
 *    `cap` falls.
 *
 * The forms of one secret S (the bytes as the client sends them):
 * - S itself, cleaned as in step 2, and S decoded as in step 1 and
 *   cleaned (a secret holding "%41" is echoed decoded as "A");
 * - S's base64 encoding at each of the 3 byte alignments inside a longer
 *   base64 text: the characters that depend only on S's bytes; and where
 *   S ends the encoded data, also the last characters, with and without
 *   '=' padding; each in the standard and the URL-safe alphabet.
 * Percent-encoded and JSON-escaped forms are found by step 1.  Matching
 * is byte for byte, case-sensitive.
 *
 * Limits.  A secret shorter than SK_SCRUB_MIN_SECRET (4) bytes is ignored:
 * it would match ordinary words ("bob" of "bob:pw@host" stays; "bob:pw",
 * both together, is masked).  A secret that is not clean UTF-8 is matched
 * as cleaned, so a few more bytes may be masked than it holds.  Up to 3
 * bytes of a secret cut by the end of the text stay visible.  A secret
 * spelled with a mix of forms (half percent-encoded, half base64) or
 * encoded twice is not found.  Secrets in a URL's path or query are not
 * taken (only its userinfo).
 *
 * Ownership: sk_scrub_new() returns an object freed by sk_scrub_free(),
 * which overwrites every copy of a secret before freeing it.  The add
 * functions copy what they are given and precompute every form; they are
 * the only ones that allocate.  Thread-safety: adding must not overlap
 * with any other use of the same object; sk_scrub_text() takes a const
 * object, allocates nothing, and may run on many threads at once.
 */
#ifndef SWEEPKIT_SCRUB_H
#define SWEEPKIT_SCRUB_H

#include <stddef.h>

/* Shortest secret matched, in bytes; shortest whole --header value taken
 * as a secret. */
#define SK_SCRUB_MIN_SECRET 4
#define SK_SCRUB_MIN_HEADER_VALUE 6
/* Caps: longest secret (bytes) and most patterns (forms of all secrets,
 * duplicates counted once) one object holds. */
#define SK_SCRUB_MAX_SECRET 8192
#define SK_SCRUB_MAX_PATTERNS 8192

typedef struct sk_scrub sk_scrub;

/* A scrubber with no secret yet.  Returns 0 or SK_ENOMEM. */
int sk_scrub_new(sk_scrub **out);

/* Wipe and free.  Accepts NULL. */
void sk_scrub_free(sk_scrub *sc);

/*
 * Add the secret s[0..n) (any bytes; need not be NUL-terminated), e.g.
 * the API key sent as "Authorization: Bearer KEY".  Fewer than
 * SK_SCRUB_MIN_SECRET bytes: nothing is added and 0 is returned.
 * Returns 0, SK_ELIMIT (n > SK_SCRUB_MAX_SECRET, or the pattern cap
 * reached) or SK_ENOMEM.  On failure some of the secret's forms may
 * already have been added (they mask more, never less).
 */
int sk_scrub_add_secret(sk_scrub *sc, const char *s, size_t n);

/*
 * Add the secrets of one request header, "Name: value" as given to
 * --header (curl's form; blanks around the value are ignored):
 * - value "Bearer X" or "Basic X" (scheme in any case): the credential X;
 *   for Basic, when X is base64 (either alphabet, padding optional), also
 *   what it decodes to and, when that holds a ':', the user before the
 *   first ':' and the password after it;
 * - Authorization or Proxy-Authorization with another scheme ("Token X"):
 *   X, and the whole value as below;
 * - any other value of SK_SCRUB_MIN_HEADER_VALUE (6) bytes or more,
 *   whole (so "Accept: text/event-stream" masks "text/event-stream").
 * Each one is added as sk_scrub_add_secret() does (4 bytes at least).
 * Returns 0, SK_EINVAL (no ':'; the message does not quote the line),
 * SK_ELIMIT or SK_ENOMEM, as sk_scrub_add_secret().
 */
int sk_scrub_add_header(sk_scrub *sc, const char *line);

/*
 * Add the credentials of a URL's userinfo,
 * "scheme://user:password@host/...": the user, the password, and
 * "user:password", each percent-decoded first (libcurl decodes them and
 * sends "Authorization: Basic base64(user:password)").  The userinfo ends
 * at the last '@' before the first '/', '?' or '#' after "://" (or after
 * the start, when there is no scheme).  A URL without userinfo adds
 * nothing.  Returns 0, SK_ELIMIT or SK_ENOMEM, as sk_scrub_add_secret().
 */
int sk_scrub_add_url(sk_scrub *sc, const char *url);

/*
 * Scrub in[0..n) (any bytes, NULs too) into out[0..cap): steps 1 to 3 at
 * the top of this file, the result cut before the first character that
 * does not fit in cap - 1 bytes (never inside a UTF-8 sequence, so up to
 * 3 bytes of out may stay unused) and NUL-terminated.  The output may be
 * longer than the input (an invalid byte becomes 3), or shorter (escapes
 * decoded, controls removed).  `sc` may be NULL: steps 1 and 2 only.
 * `out` must not overlap `in`; cap must be at least 1.  Returns the
 * output's length (strlen(out): it holds no NUL).  Allocates nothing.
 */
size_t sk_scrub_text(char *out, size_t cap, const sk_scrub *sc, const char *in,
                     size_t n);

#endif
