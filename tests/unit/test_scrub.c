/* Scrubbing server text: each form of each secret (raw, cut at the end,
 * base64 at three alignments, percent-encoded, JSON-escaped), headers and
 * URL credentials, invalid UTF-8, bidi and control characters, the output
 * capacity, error paths. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/scrub.h"

#include <stdlib.h>

#define KEY "sk-test-HDRKEY456"
#define FFFD "\xEF\xBF\xBD"

static char out[512];

/* Scrub a heap copy of exactly n bytes (ASan catches a read past n) into
 * `out`; returns out. */
static const char *scrubn(const sk_scrub *sc, const char *s, size_t n,
                          size_t cap)
{
    char *copy = malloc(n ? n : 1);
    size_t len;

    if (!copy) {
        CHECK(!"out of memory");
        out[0] = '\0';
        return out;
    }
    if (n)
        memcpy(copy, s, n);
    memset(out, 'Z', sizeof(out));
    len = sk_scrub_text(out, cap, sc, copy, n);
    free(copy);
    CHECK(len < cap);
    CHECK_INT(strlen(out), len);
    return out;
}

static const char *scrub(const sk_scrub *sc, const char *s)
{
    return scrubn(sc, s, strlen(s), sizeof(out));
}

static sk_scrub *with_secret(const char *s)
{
    sk_scrub *sc = NULL;

    CHECK_INT(sk_scrub_new(&sc), 0);
    if (sc)
        CHECK_INT(sk_scrub_add_secret(sc, s, strlen(s)), 0);
    return sc;
}

static sk_scrub *with_header(const char *line)
{
    sk_scrub *sc = NULL;

    CHECK_INT(sk_scrub_new(&sc), 0);
    if (sc)
        CHECK_INT(sk_scrub_add_header(sc, line), 0);
    return sc;
}

static sk_scrub *with_url(const char *url)
{
    sk_scrub *sc = NULL;

    CHECK_INT(sk_scrub_new(&sc), 0);
    if (sc)
        CHECK_INT(sk_scrub_add_url(sc, url), 0);
    return sc;
}

/* ---- secrets ---------------------------------------------------------- */

static void test_raw_key(void)
{
    sk_scrub *sc = with_secret(KEY);

    CHECK_STR(scrub(sc, "HTTP 401: invalid key " KEY " (check it)"),
              "HTTP 401: invalid key ***************** (check it)");
    CHECK_STR(scrub(sc, KEY KEY), "**********************************");
    CHECK_STR(scrub(sc, "no secret here"), "no secret here");
    /* case matters */
    CHECK_STR(scrub(sc, "SK-TEST-HDRKEY456"), "SK-TEST-HDRKEY456");
    sk_scrub_free(sc);
}

static void test_key_cut_at_end(void)
{
    sk_scrub *sc = with_secret(KEY);

    CHECK_STR(scrub(sc, "invalid key sk-test-HD"), "invalid key **********");
    CHECK_STR(scrub(sc, "invalid key sk-t"), "invalid key ****");
    /* 3 bytes are not enough */
    CHECK_STR(scrub(sc, "invalid key sk-"), "invalid key sk-");
    /* only at the end */
    CHECK_STR(scrub(sc, "key sk-test-HD."), "key sk-test-HD.");
    /* an escape or UTF-8 sequence cut by the end goes with it */
    CHECK_STR(scrub(sc, "key sk-test-HD\\u00"), "key **************");
    CHECK_STR(scrub(sc, "key sk-test-HD%4"), "key ************");
    CHECK_STR(scrub(sc, "key sk-test-HD\\"), "key ***********");
    CHECK_STR(scrub(sc, "key sk-test-HD\xE2\x82"), "key *************");
    /* base64 cut: "c2stdGVzdC1IRFJLRVk0NTY=" */
    CHECK_STR(scrub(sc, "auth c2stdGVzdC1IRF"), "auth **************");
    sk_scrub_free(sc);
}

static void test_short_secret_ignored(void)
{
    sk_scrub *sc = with_secret("abc");

    CHECK_STR(scrub(sc, "abc abcd YWJj"), "abc abcd YWJj");
    sk_scrub_free(sc);
    sc = with_secret("abcd");
    CHECK_STR(scrub(sc, "abc abcd xabcdx"), "abc **** x****x");
    sk_scrub_free(sc);
}

static void test_overlapping_secrets(void)
{
    sk_scrub *sc = with_secret("abcdef");

    CHECK_INT(sk_scrub_add_secret(sc, "defghi", 6), 0);
    CHECK_STR(scrub(sc, "[abcdefghi]"), "[*********]");
    CHECK_STR(scrub(sc, "[defghiabcdef]"), "[************]");
    sk_scrub_free(sc);
}

static void test_secret_with_escape_chars(void)
{
    /* A secret holding "%41" is echoed decoded, as "A". */
    sk_scrub *sc = with_secret("pa%41ss");

    CHECK_STR(scrub(sc, "got paAss"), "got *****");
    CHECK_STR(scrub(sc, "got pa%41ss"), "got *****");
    CHECK_STR(scrub(sc, "got pa%2541ss"), "got *******");
    sk_scrub_free(sc);
    /* A JSON-escaped quote and backslash in a key */
    sc = with_secret("k\"e\\y1");
    CHECK_STR(scrub(sc, "{\"key\":\"k\\\"e\\\\y1\"}"), "{\"key\":\"******\"}");
    sk_scrub_free(sc);
}

/* ---- headers ---------------------------------------------------------- */

static void test_bearer_header(void)
{
    sk_scrub *sc = with_header("Authorization: Bearer " KEY);

    CHECK_STR(scrub(sc, "HTTP 401: invalid key " KEY),
              "HTTP 401: invalid key *****************");
    CHECK_STR(scrub(sc, "text/html; key=" KEY),
              "text/html; key=*****************");
    /* "Bearer" itself is kept */
    CHECK_STR(scrub(sc, "Bearer " KEY), "Bearer *****************");
    sk_scrub_free(sc);
    /* scheme in any case, blanks around */
    sc = with_header("authorization:   BEARER   tok-abc  ");
    CHECK_STR(scrub(sc, "tok-abc"), "*******");
    CHECK_STR(scrub(sc, "BEARER"), "BEARER");
    sk_scrub_free(sc);
}

static void test_basic_header(void)
{
    /* alice:s3cr3t-pw */
    sk_scrub *sc = with_header("Authorization: Basic YWxpY2U6czNjcjN0LXB3");

    CHECK_STR(scrub(sc, "bad credentials YWxpY2U6czNjcjN0LXB3"),
              "bad credentials ********************");
    CHECK_STR(scrub(sc, "user alice, password s3cr3t-pw"),
              "user *****, password *********");
    CHECK_STR(scrub(sc, "alice:s3cr3t-pw"), "***************");
    sk_scrub_free(sc);
    /* not base64: only the credential itself */
    sc = with_header("Authorization: basic not*base64");
    CHECK_STR(scrub(sc, "got not*base64"), "got **********");
    sk_scrub_free(sc);
}

static void test_other_header_values(void)
{
    sk_scrub *sc = with_header("X-Api-Token: abcdef");

    CHECK_INT(sk_scrub_add_header(sc, "X-Team: north"), 0);
    CHECK_STR(scrub(sc, "token abcdef, team north"),
              "token ******, team north");
    sk_scrub_free(sc);
    /* Authorization with another scheme: the credential and the value */
    sc = with_header("Authorization: Token t0k3n-xyz");
    CHECK_STR(scrub(sc, "t0k3n-xyz; Token t0k3n-xyz"),
              "*********; ***************");
    sk_scrub_free(sc);
}

static void test_header_errors(void)
{
    sk_scrub *sc = NULL;

    CHECK_INT(sk_scrub_new(&sc), 0);
    CHECK_INT(sk_scrub_add_header(sc, "X-Secret sk-no-colon"), SK_EINVAL);
    CHECK(strstr(sk_error_last(), "sk-no-colon") == NULL);
    CHECK_INT(sk_scrub_add_header(sc, "Authorization: Bearer"), 0);
    CHECK_INT(sk_scrub_add_header(sc, "X-Empty:"), 0);
    CHECK_STR(scrub(sc, "Bearer sk-no-colon"), "Bearer sk-no-colon");
    sk_scrub_free(sc);
}

/* ---- URL credentials -------------------------------------------------- */

static void test_url_clear(void)
{
    sk_scrub *sc = with_url("http://bob:PWsecret789@host:8000/v1");

    CHECK_STR(scrub(sc, "user bob:PWsecret789 denied"),
              "user *************** denied");
    CHECK_STR(scrub(sc, "password PWsecret789"), "password ***********");
    /* "bob" is shorter than 4 bytes */
    CHECK_STR(scrub(sc, "hello bob"), "hello bob");
    sk_scrub_free(sc);
}

static void test_url_base64(void)
{
    sk_scrub *sc = with_url("http://bob:PWsecret789@host:8000/v1");

    CHECK_STR(scrub(sc, "Authorization: Basic Ym9iOlBXc2VjcmV0Nzg5"),
              "Authorization: Basic ********************");
    /* JSON escapes '/' in base64 */
    CHECK_STR(scrub(sc, "{\"auth\":\"Ym9iOlBXc2VjcmV0Nzg5\\/\\/\"}"),
              "{\"auth\":\"********************//\"}");
    sk_scrub_free(sc);
}

static void test_url_base64_offsets(void)
{
    sk_scrub *sc = with_url("http://bob:PWsecret789@host/");

    /* base64("x" "bob:PWsecret789" "~~"): the characters that mix in
     * bits of "x" or "~" stay */
    CHECK_STR(scrub(sc, "eGJvYjpQV3NlY3JldDc4OX5+"),
              "eG*******************X5+");
    /* base64("xy" "bob:PWsecret789" "~~") */
    CHECK_STR(scrub(sc, "eHlib2I6UFdzZWNyZXQ3ODl+fg=="),
              "eHl*******************l+fg==");
    /* base64("xyz" "bob:PWsecret789" "~~") */
    CHECK_STR(scrub(sc, "eHl6Ym9iOlBXc2VjcmV0Nzg5fn4="),
              "eHl6********************fn4=");
    /* the secret ends the data: padding and the partial character go */
    CHECK_STR(scrub(sc, "eGJvYjpQV3NlY3JldDc4OQ== x"),
              "eG********************** x");
    CHECK_STR(scrub(sc, "eHlib2I6UFdzZWNyZXQ3ODk= x"),
              "eHl********************* x");
    CHECK_STR(scrub(sc, "eGJvYjpQV3NlY3JldDc4OQ x"),
              "eG******************** x");
    sk_scrub_free(sc);
}

static void test_base64url(void)
{
    /* base64 of "\xfb\xff\xfe\xfa" holds '+' and '/' */
    sk_scrub *sc = with_secret("\xfb\xff\xfe\xfa");

    CHECK_STR(scrub(sc, "std +//++g== url -__--g=="),
              "std ******** url ********");
    sk_scrub_free(sc);
}

static void test_url_percent_encoded(void)
{
    sk_scrub *sc = with_url("http://bob:PWsecret789@host/");

    CHECK_STR(scrub(sc, "GET /?pw=PW%73ecret789 HTTP/1.1"),
              "GET /?pw=*********** HTTP/1.1");
    CHECK_STR(scrub(sc, "bob%3aPW%73ecret789"), "***************");
    sk_scrub_free(sc);
    /* credentials percent-encoded in the URL itself */
    sc = with_url("https://bob:PW%73ecret789@host/v1");
    CHECK_STR(scrub(sc, "PWsecret789 / Ym9iOlBXc2VjcmV0Nzg5"),
              "*********** / ********************");
    sk_scrub_free(sc);
}

static void test_url_json_escaped(void)
{
    sk_scrub *sc = with_url("http://bob:PWsecret789@host/");

    CHECK_INT(sk_scrub_add_secret(sc, KEY, strlen(KEY)), 0);
    CHECK_STR(scrub(sc, "{\"error\":\"bad password PW\\u0073ecret789\"}"),
              "{\"error\":\"bad password ***********\"}");
    CHECK_STR(scrub(sc, "{\"error\":\"key sk-\\u0074est-HDRKEY456\"}"),
              "{\"error\":\"key *****************\"}");
    CHECK_STR(scrub(sc, "{\"e\":\"PW\\u0073ecret\\u0037\\u00389\"}"),
              "{\"e\":\"***********\"}");
    sk_scrub_free(sc);
}

static void test_url_shapes(void)
{
    sk_scrub *sc = NULL;

    /* no userinfo: nothing added */
    sc = with_url("http://host:8000/v1?x=a@b");
    CHECK_STR(scrub(sc, "host:8000 a@b"), "host:8000 a@b");
    sk_scrub_free(sc);
    /* no scheme; the last '@' ends the userinfo */
    sc = with_url("user:p@ssword@host");
    CHECK_STR(scrub(sc, "user p@ssword"), "**** ********");
    sk_scrub_free(sc);
    /* a user alone */
    sc = with_url("http://longuser@host/");
    CHECK_STR(scrub(sc, "longuser"), "********");
    sk_scrub_free(sc);
}

/* ---- cleaning --------------------------------------------------------- */

static void test_invalid_utf8(void)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"a\x80z", "a" FFFD "z"},                  /* stray continuation */
        {"a\xC0\xAFz", "a" FFFD FFFD "z"},         /* overlong, 2 bytes */
        {"a\xE0\x80\xAFz", "a" FFFD FFFD FFFD "z"}, /* overlong, 3 bytes */
        {"a\xF0\x80\x80\xAFz", "a" FFFD FFFD FFFD FFFD "z"},
        {"a\xED\xA0\x80z", "a" FFFD FFFD FFFD "z"}, /* surrogate */
        {"a\xF4\x90\x80\x80z", "a" FFFD FFFD FFFD FFFD "z"}, /* > 10FFFF */
        {"a\xF5\x80z", "a" FFFD FFFD "z"},
        {"a\xF0\x9F\x98z", "a" FFFD "z"}, /* truncated: one */
        {"a\xE2\x82", "a" FFFD},           /* truncated at the end */
        {"a\xFF\xFEz", "a" FFFD FFFD "z"},
        {"a\xF8\x88\x80\x80\x80z", "a" FFFD FFFD FFFD FFFD FFFD "z"},
        {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", /* valid: kept */
         "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
        {"%C3%A9 %FF %E2%82", "\xC3\xA9 " FFFD " " FFFD}, /* decoded first */
        {"\\ud83d\\ude00 \\ud800x \\udc00", "\xF0\x9F\x98\x80 " FFFD "x " FFFD},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_STR(scrub(NULL, cases[i].in), cases[i].want);
        if (strcmp(out, cases[i].want) != 0)
            fprintf(stderr, "  case %zu\n", i);
    }
}

static void test_bidi_removed(void)
{
    CHECK_STR(scrub(NULL, "a\xE2\x80\xAE" "b\xE2\x81\xA6" "c"), "abc");
    CHECK_STR(scrub(NULL, "\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C\xE2\x80\xAA"
                          "\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD\xE2\x81\xA7"
                          "\xE2\x81\xA8\xE2\x81\xA9x"),
              "x");
    CHECK_STR(scrub(NULL, "a\\u202Eb%E2%81%A6c"), "abc");
    /* a bidi control inside a secret does not hide it */
    sk_scrub *sc = with_secret(KEY);
    CHECK_STR(scrub(sc, "sk-test-\xE2\x80\xAEHDRKEY456"), "*****************");
    sk_scrub_free(sc);
}

static void test_controls_to_space(void)
{
    CHECK_STR(scrub(NULL, "a\tb\nc\rd\x01" "e\x7f" "f\x1b[31mg"),
              "a b c d e f [31mg");
    CHECK_STR(scrubn(NULL, "a\0b", 3, sizeof(out)), "a b");
    CHECK_STR(scrub(NULL, "a\\u0000b\\nc\\td"), "a b c d");
    CHECK_STR(scrub(NULL, "a%00b%0Ac"), "a b c");
    /* C1 controls and the line and paragraph separators */
    CHECK_STR(scrub(NULL, "a\xC2\x85" "b\xC2\x9B" "c\xE2\x80\xA8" "d"),
              "a b c d");
}

static void test_escapes_decoded(void)
{
    CHECK_STR(scrub(NULL, "{\"m\":\"say \\\"hi\\\" a\\\\b c\\/d\"}"),
              "{\"m\":\"say \"hi\" a\\b c/d\"}");
    CHECK_STR(scrub(NULL, "\\u00e9\\u00E9%c3%a9"), "\xC3\xA9\xC3\xA9\xC3\xA9");
    /* not escapes: kept */
    CHECK_STR(scrub(NULL, "C:\\x \\u12G4 100% %zz %4"),
              "C:\\x \\u12G4 100% %zz %4");
    /* one pass */
    CHECK_STR(scrub(NULL, "%255C \\\\u0041"), "%5C \\u0041");
}

static void test_capacity(void)
{
    sk_scrub *sc;

    /* "ab€": the euro sign needs 3 bytes */
    CHECK_STR(scrubn(NULL, "ab\xE2\x82\xAC", 5, 6), "ab\xE2\x82\xAC");
    CHECK_STR(scrubn(NULL, "ab\xE2\x82\xAC", 5, 5), "ab");
    CHECK_STR(scrubn(NULL, "ab\xE2\x82\xAC", 5, 3), "ab");
    CHECK_STR(scrubn(NULL, "ab", 2, 1), "");
    /* U+FFFD grows the text: 2 bytes in, 6 out */
    CHECK_STR(scrubn(NULL, "\xFF\xFF", 2, 7), FFFD FFFD);
    CHECK_STR(scrubn(NULL, "\xFF\xFF", 2, 6), FFFD);
    /* a secret cut by the capacity is masked like one cut by the end */
    sc = with_secret(KEY);
    CHECK_STR(scrubn(sc, "key " KEY, 21, 13), "key ********");
    CHECK_STR(scrubn(sc, "key " KEY, 21, 8), "key sk-");
    sk_scrub_free(sc);
}

static void test_null_and_empty(void)
{
    sk_scrub *sc = NULL;

    CHECK_INT(sk_scrub_new(&sc), 0);
    CHECK_STR(scrub(sc, "x\x80y"), "x" FFFD "y");
    CHECK_STR(scrubn(sc, NULL, 0, sizeof(out)), "");
    CHECK_INT(sk_scrub_text(out, sizeof(out), sc, NULL, 0), 0);
    CHECK_STR(out, "");
    sk_scrub_free(sc);
    sk_scrub_free(NULL);
}

static void test_limits(void)
{
    sk_scrub *sc = NULL;
    char *big = malloc(SK_SCRUB_MAX_SECRET + 1);

    CHECK_INT(sk_scrub_new(&sc), 0);
    if (!big || !sc) {
        CHECK(!"out of memory");
        free(big);
        sk_scrub_free(sc);
        return;
    }
    memset(big, 'k', SK_SCRUB_MAX_SECRET + 1);
    CHECK_INT(sk_scrub_add_secret(sc, big, SK_SCRUB_MAX_SECRET + 1),
              SK_ELIMIT);
    CHECK_INT(sk_scrub_add_secret(sc, big, SK_SCRUB_MAX_SECRET), 0);
    CHECK_INT(sk_scrub_add_secret(sc, "", 0), 0);
    free(big);
    sk_scrub_free(sc);
}

int main(void)
{
    test_raw_key();
    test_key_cut_at_end();
    test_short_secret_ignored();
    test_overlapping_secrets();
    test_secret_with_escape_chars();
    test_bearer_header();
    test_basic_header();
    test_other_header_values();
    test_header_errors();
    test_url_clear();
    test_url_base64();
    test_url_base64_offsets();
    test_base64url();
    test_url_percent_encoded();
    test_url_json_escaped();
    test_url_shapes();
    test_invalid_utf8();
    test_bidi_removed();
    test_controls_to_space();
    test_escapes_decoded();
    test_capacity();
    test_null_and_empty();
    test_limits();
    return sk_test_done("scrub");
}
