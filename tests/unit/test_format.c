/* format: the one slug and the one width helper. */
#include "harness.h"

#include "sweepkit/format.h"

#include <string.h>

static void test_slug(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"gemma-3-1b", "gemma-3-1b"},
        {"Qwen/Qwen3 4B", "Qwen_Qwen3_4B"},
        {"a.b_c-d", "a.b_c-d"},
        {"", "r"},                 /* never an empty file name part */
        {".hidden", "rhidden"},    /* never a hidden file */
        {"caf\xC3\xA9", "caf__"},  /* bytes, not characters */
        {"x:y*z?", "x_y_z_"},
    };
    char buf[256], small[4], big[300];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_format_slug(buf, sizeof(buf), cases[i].in);
        CHECK_STR(buf, cases[i].want);
    }
    sk_format_slug(small, sizeof(small), "gemma");
    CHECK_STR(small, "gem");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    sk_format_slug(buf, sizeof(buf), big);
    CHECK_INT(strlen(buf), 100); /* at most 100 bytes */
    sk_format_slug(small, 1, "x");
    CHECK_STR(small, "");
}

static void test_width(void)
{
    CHECK_INT(sk_format_width("abc", 3), 3);
    CHECK_INT(sk_format_width("\xE2\x86\x92", 3), 1);     /* an arrow */
    CHECK_INT(sk_format_width("caf\xC3\xA9", 5), 4);
    CHECK_INT(sk_format_width("\xFF\xFE", 2), 2); /* not UTF-8: bytes */
}

int main(void)
{
    test_slug();
    test_width();
    return sk_test_done("format");
}
