/*
 * Prompt sets from a buffer (prompts.h).
 *
 * Input: the bytes of a prompt file.
 *
 * Checked: the return is 0 with a set, or SK_EPARSE / SK_ELIMIT /
 * SK_ENODATA with *out NULL and a message that starts with the name; a set
 * has its name and 1..SK_PROMPTS_MAX_COUNT prompts, each NUL-terminated at
 * its length with no NUL inside, 1..SK_PROMPTS_MAX_BYTES bytes, valid
 * UTF-8 and not only JSON whitespace.
 * For plain text (the first byte after a BOM and JSON whitespace is not
 * '[', '{' or '"') the harness reads the file itself by the header's
 * rules: one prompt per line that is not blank, a trailing CR dropped.
 * The library must accept exactly when every prompt is valid UTF-8
 * without NUL and there is at least one, and give those prompts in order.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/prompts.h"

static const char name[] = "fuzz.txt";

static int json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int blank(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* The text format by the header: the prompts as a log, or -1 when the
 * file must be rejected. */
static int text_reference(struct fz_log *log, const char *s, size_t n)
{
    size_t i = 0, count = 0;

    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n, len = end - i;

        if (len && s[i + len - 1] == '\r')
            len--;
        if (!blank(s + i, len)) {
            if (memchr(s + i, '\0', len) || !fz_utf8_valid(s + i, len))
                return -1;
            fz_bytes(log, s + i, len);
            count++;
        }
        i = end + 1;
    }
    return count ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *body = s;
    size_t n = size, i, count;
    struct fz_log got = {0}, want = {0};
    static char sentinel;
    sk_prompts *p = (sk_prompts *)&sentinel; /* must become NULL on error */
    int rc, text, ref = 0;

    if (n >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        n -= 3;
    }
    for (i = 0; i < n && json_space(body[i]); i++)
        ;
    text = i == n || (body[i] != '[' && body[i] != '{' && body[i] != '"');
    if (text)
        ref = text_reference(&want, body, n);

    rc = sk_prompts_from_buffer(&p, name, size ? s : NULL, size);
    if (rc != 0) {
        FZ_CHECK(p == NULL, "*out not NULL on error %d", rc);
        FZ_CHECK(rc == SK_EPARSE || rc == SK_ELIMIT || rc == SK_ENODATA,
                 "rc %d: %s", rc, sk_error_last());
        FZ_CHECK(strncmp(sk_error_last(), name, sizeof(name) - 1) == 0,
                 "message '%s' does not name the file", sk_error_last());
        FZ_CHECK(!text || ref != 0,
                 "valid text file rejected: %s", sk_error_last());
        goto done;
    }
    FZ_CHECK(p != NULL, "no set");
    FZ_CHECK(strcmp(sk_prompts_name(p), name) == 0, "name '%s'",
             sk_prompts_name(p));
    count = sk_prompts_count(p);
    FZ_CHECK(count >= 1 && count <= SK_PROMPTS_MAX_COUNT, "count %zu",
             count);
    for (i = 0; i < count; i++) {
        const char *t = sk_prompts_get(p, i);
        size_t len = sk_prompts_len(p, i);

        FZ_CHECK(t && t[len] == '\0' && strlen(t) == len,
                 "prompt %zu: len %zu, strlen %zu", i, len, strlen(t));
        FZ_CHECK(len >= 1 && len <= SK_PROMPTS_MAX_BYTES, "prompt %zu: %zu "
                 "bytes", i, len);
        FZ_CHECK(fz_utf8_valid(t, len), "prompt %zu is not UTF-8", i);
        {
            size_t k;
            int only_space = 1;

            for (k = 0; k < len; k++)
                if (!json_space(t[k]))
                    only_space = 0;
            FZ_CHECK(!only_space, "prompt %zu is only whitespace", i);
        }
        fz_bytes(&got, t, len);
    }
    if (text) {
        FZ_CHECK(ref == 0, "invalid text file accepted");
        if (!fz_log_eq(&got, &want)) {
            fz_log_diff("prompts and the text reading", &got, &want);
            FZ_CHECK(0, "text prompts differ");
        }
    }
done:
    sk_prompts_free(p);
    fz_log_dispose(&got);
    fz_log_dispose(&want);
    return 0;
}
