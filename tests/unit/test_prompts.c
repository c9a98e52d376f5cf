/* Prompt sets: the three formats, their errors, limits and the built-in
 * set. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/prompts.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int from(sk_prompts **p, const char *name, const char *buf)
{
    return sk_prompts_from_buffer(p, name, buf, strlen(buf));
}

/* Prompt i of p equals want, length included. */
#define CHECK_PROMPT(p, i, want)                                            \
    do {                                                                    \
        CHECK_STR(sk_prompts_get((p), (i)), (want));                        \
        CHECK_INT(sk_prompts_len((p), (i)), strlen(want));                  \
    } while (0)

static void test_json_array(void)
{
    sk_prompts *p = NULL;

    /* The layout of existing prompt-set files: one string per line,
     * escapes for newlines, raw UTF-8. */
    CHECK_INT(from(&p, "p.json",
                   "[\n"
                   "  \"Query 001/2 \xe2\x80\x94 Topic: LRU cache\\nWrite a "
                   "note.\",\n"
                   "  \"tab\\tquote\\\" backslash\\\\ slash\\/ "
                   "\\u00e9 \\ud83d\\ude00\"\n"
                   "]\n"),
              0);
    CHECK_INT(sk_prompts_count(p), 2);
    CHECK_PROMPT(p, 0, "Query 001/2 \xe2\x80\x94 Topic: LRU cache\nWrite a "
                       "note.");
    CHECK_PROMPT(p, 1, "tab\tquote\" backslash\\ slash/ \xc3\xa9 "
                       "\xf0\x9f\x98\x80");
    CHECK_STR(sk_prompts_name(p), "p.json");
    sk_prompts_free(p);

    /* BOM, leading blank lines, CRLF, compact; whitespace inside a prompt
     * is kept. */
    p = NULL;
    CHECK_INT(from(&p, "p.json",
                   "\xef\xbb\xbf\r\n\r\n  [\"a\",\r\n\"  b  \",\"c\"]\r\n"),
              0);
    CHECK_INT(sk_prompts_count(p), 3);
    CHECK_PROMPT(p, 0, "a");
    CHECK_PROMPT(p, 1, "  b  ");
    CHECK_PROMPT(p, 2, "c");
    sk_prompts_free(p);
}

static void test_jsonl(void)
{
    sk_prompts *p = NULL;

    /* Strings and objects mixed; blank lines, CRLF and extra fields; an
     * object's "prompt" wins over "text", "text" over "content". */
    CHECK_INT(from(&p, "p.jsonl",
                   "\xef\xbb\xbf{\"id\": 1, \"prompt\": \"first\\nline\"}\r\n"
                   "\r\n"
                   "\"plain \\\"string\\\"\"\n"
                   "   \n"
                   "{\"text\": \"from text\", \"content\": \"no\"}\n"
                   "{\"content\": \"from content\", \"n\": [1, 2]}\n"
                   "{\"content\": \"no\", \"prompt\": \"prompt wins\"}"),
              0);
    CHECK_INT(sk_prompts_count(p), 5);
    CHECK_PROMPT(p, 0, "first\nline");
    CHECK_PROMPT(p, 1, "plain \"string\"");
    CHECK_PROMPT(p, 2, "from text");
    CHECK_PROMPT(p, 3, "from content");
    CHECK_PROMPT(p, 4, "prompt wins");
    sk_prompts_free(p);
}

static void test_text(void)
{
    sk_prompts *p = NULL;

    /* Blank lines skipped, CR stripped, other whitespace and UTF-8 kept,
     * the last line needs no newline. */
    CHECK_INT(from(&p, "p.txt",
                   "\xef\xbb\xbf"
                   "Explain TCP slow start.\r\n"
                   "\r\n"
                   " \t \n"
                   "  indented, with \"quotes\" and [brackets]\n"
                   "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80\t\n"
                   "last"),
              0);
    CHECK_INT(sk_prompts_count(p), 4);
    CHECK_PROMPT(p, 0, "Explain TCP slow start.");
    CHECK_PROMPT(p, 1, "  indented, with \"quotes\" and [brackets]");
    CHECK_PROMPT(p, 2, "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80\t");
    CHECK_PROMPT(p, 3, "last");
    sk_prompts_free(p);

    /* One line; a lone CR is not a line break. */
    p = NULL;
    CHECK_INT(from(&p, "p.txt", "a\rb\n"), 0);
    CHECK_INT(sk_prompts_count(p), 1);
    CHECK_PROMPT(p, 0, "a\rb");
    sk_prompts_free(p);
}

static void test_errors(void)
{
    static const struct {
        const char *name;
        const char *buf;
        size_t len; /* 0: strlen(buf) */
        int rc;
        const char *msg;
        int prefix; /* msg is a prefix (jansson's text follows) */
    } cases[] = {
        /* JSON array */
        {"p.json", "[\"a\",\n \"b\",\n]", 0, SK_EPARSE,
         "p.json:3:1: invalid JSON: ", 1},
        {"p.json", "[\"a\"] trailing", 0, SK_EPARSE,
         "p.json:1:", 1},
        {"p.json", "[\n\"a\",\n\"b\\ud800\"\n]", 0, SK_EPARSE,
         "p.json:3:", 1},
        {"p.json", "[\"ok\",\n\"a\xff\"]", 0, SK_EPARSE, "p.json:2:", 1},
        {"p.json", "[\"a\\u0000b\"]", 0, SK_EPARSE, "p.json:1:", 1},
        {"p.json", "[\"a\", 5]", 0, SK_EPARSE,
         "p.json:1: element 2 is a number, expected a string", 0},
        {"p.json",
         "[\n  \"a\",\n  \"b, \\\"with\\\" [brackets]\",\n  \"c\",\n"
         "  \"d\",\n  {\"x\": [1, 2]}\n]",
         0, SK_EPARSE,
         "p.json:6: element 5 is an object, expected a string", 0},
        {"p.json", "[[\"a\"], \"b\"]", 0, SK_EPARSE,
         "p.json:1: element 1 is an array, expected a string", 0},
        {"p.json", "[\"a\",\n null]", 0, SK_EPARSE,
         "p.json:2: element 2 is null, expected a string", 0},
        {"p.json", "[\n\n  true]", 0, SK_EPARSE,
         "p.json:3: element 1 is a boolean, expected a string", 0},
        {"p.json", "[\n  \"a\",\n  \"\"\n]", 0, SK_EPARSE,
         "p.json:3: element 2 is an empty string", 0},
        {"p.json", "[\" \\n\\t\"]", 0, SK_EPARSE,
         "p.json:1: element 1 is only whitespace", 0},
        {"p.json", "[]", 0, SK_ENODATA, "p.json: no prompts", 0},
        {"p.json", " \n [ \n ] \n", 0, SK_ENODATA, "p.json: no prompts", 0},

        /* JSON Lines */
        {"p.jsonl", "\"a\"\n5\n", 0, SK_EPARSE,
         "p.jsonl:2: line is a number, expected a string or an object "
         "with a \"prompt\" field", 0},
        {"p.jsonl", "\"a\"\n[\"b\"]\n", 0, SK_EPARSE,
         "p.jsonl:2: line is an array, expected a string or an object "
         "with a \"prompt\" field", 0},
        {"p.jsonl", "{\"prompt\":\"a\"}\n\n{\"id\":3}\n", 0, SK_EPARSE,
         "p.jsonl:3: object has no \"prompt\", \"text\" or \"content\" "
         "field", 0},
        {"p.jsonl", "{\"prompt\":7, \"text\":\"t\"}", 0, SK_EPARSE,
         "p.jsonl:1: field \"prompt\" is a number, expected a string", 0},
        {"p.jsonl", "\"a\"\n\"b\"\n{\"content\":null}", 0, SK_EPARSE,
         "p.jsonl:3: field \"content\" is null, expected a string", 0},
        {"p.jsonl", "\"a\"\n\n\"b\n", 0, SK_EPARSE,
         "p.jsonl:3:", 1},
        {"p.jsonl", "\"a\"\n\"b\" \"c\"\n", 0, SK_EPARSE,
         "p.jsonl:2:", 1},
        {"p.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\"a\xc3\"}\n", 0,
         SK_EPARSE, "p.jsonl:2:", 1},
        {"p.jsonl", "\"a\"\r\n\"\"\r\n", 0, SK_EPARSE,
         "p.jsonl:2: prompt is an empty string", 0},
        {"p.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\" \\r\\n\"}", 0,
         SK_EPARSE, "p.jsonl:2: prompt is only whitespace", 0},

        /* Plain text */
        {"p.txt", "a\nb\0c\n", 6, SK_EPARSE,
         "p.txt:2:2: NUL byte; is this a binary file?", 0},
        {"p.txt", "\xc3\xa9t\xc3\xa9\0", 7, SK_EPARSE,
         "p.txt:1:4: NUL byte; is this a binary file?", 0},
        {"p.txt", "ok\nbad \xc3\x28 x\n", 0, SK_EPARSE,
         "p.txt:2:5: invalid UTF-8 (byte 0xc3)", 0},
        {"p.txt", "\xc0\xaf overlong\n", 0, SK_EPARSE,
         "p.txt:1:1: invalid UTF-8 (byte 0xc0)", 0},
        {"p.txt", "\xe0\x80\xaf overlong\n", 0, SK_EPARSE,
         "p.txt:1:1: invalid UTF-8 (byte 0xe0)", 0},
        {"p.txt", "a\n\nsurrogate \xed\xa0\x80\n", 0, SK_EPARSE,
         "p.txt:3:11: invalid UTF-8 (byte 0xed)", 0},
        {"p.txt", "past U+10FFFF \xf4\x90\x80\x80", 0, SK_EPARSE,
         "p.txt:1:15: invalid UTF-8 (byte 0xf4)", 0},
        {"p.txt", "\xc3\xa9 cut \xe2\x82", 0, SK_EPARSE,
         "p.txt:1:7: invalid UTF-8 (byte 0xe2)", 0},
        {"p.txt", "stray \x80 continuation\r\n", 0, SK_EPARSE,
         "p.txt:1:7: invalid UTF-8 (byte 0x80)", 0},
        {"p.txt", "", 0, SK_ENODATA, "p.txt: no prompts", 0},
        {"p.txt", "\n \n\t\r\n\r\n", 0, SK_ENODATA, "p.txt: no prompts", 0},
        {"p.txt", "\xef\xbb\xbf", 0, SK_ENODATA, "p.txt: no prompts", 0},

        /* The first byte decides: text that looks like JSON. */
        {"p.txt", "[INST] hello\nsecond\n", 0, SK_EPARSE, "p.txt:1:", 1},
        {"p.txt", "\n\"To be\" or not\n", 0, SK_EPARSE, "p.txt:2:", 1},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_prompts *p = (sk_prompts *)1;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].buf);
        const char *m;
        int rc = sk_prompts_from_buffer(&p, cases[i].name, cases[i].buf, len);

        m = sk_error_last();
        CHECK_INT(rc, cases[i].rc);
        if (cases[i].prefix)
            CHECK(strncmp(m, cases[i].msg, strlen(cases[i].msg)) == 0);
        else
            CHECK_STR(m, cases[i].msg);
        CHECK(strchr(m, '\n') == NULL);
        CHECK(p == NULL);
        if (rc != cases[i].rc ||
            strncmp(m, cases[i].msg, strlen(cases[i].msg)) != 0)
            fprintf(stderr, "  case %zu: rc %d, \"%s\"\n", i, rc, m);
    }
}

/* The JSON errors on the first line say which format the first byte
 * chose; later ones do not. */
static void test_detect_hint(void)
{
    sk_prompts *p = NULL;

    CHECK_INT(from(&p, "p.txt", "[INST] hello\n"), SK_EPARSE);
    CHECK(strstr(sk_error_last(), "(the input starts with '[', so it is "
                                  "read as a JSON array)") != NULL);
    CHECK_INT(from(&p, "p.txt", "\"To be\" or not\n"), SK_EPARSE);
    CHECK(strstr(sk_error_last(), "(the input starts with '\"', so it is "
                                  "read as JSON Lines)") != NULL);
    CHECK_INT(from(&p, "p.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\n"),
              SK_EPARSE);
    CHECK(strstr(sk_error_last(), "the input starts") == NULL);
    CHECK(p == NULL);
}

/* A buffer of n copies of c. */
static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    if (s) {
        memset(s, c, n);
        s[n] = '\0';
    }
    return s;
}

static void test_limits(void)
{
    size_t max = SK_PROMPTS_MAX_BYTES, n, i;
    char *big = repeat('x', max + 1), *buf = NULL;
    sk_prompts *p = NULL;
    void *huge;

    CHECK(big != NULL);
    if (!big)
        return;

    /* Text: exactly at the limit loads, one byte over does not. */
    big[max] = '\0';
    CHECK_INT(sk_prompts_from_buffer(&p, "p.txt", big, max), 0);
    CHECK_INT(sk_prompts_len(p, 0), max);
    sk_prompts_free(p);
    big[max] = 'x';
    CHECK_INT(from(&p, "p.txt", big), SK_ELIMIT);
    CHECK_STR(sk_error_last(), "p.txt:1: prompt is 1048577 bytes, over the "
                               "1048576-byte limit");

    /* JSON array and JSON Lines: the decoded length counts. */
    if ((buf = malloc(max + 64))) {
        snprintf(buf, max + 64, "[\"a\",\n\"%s\"]", big);
        CHECK_INT(from(&p, "p.json", buf), SK_ELIMIT);
        CHECK_STR(sk_error_last(), "p.json:2: element 2 is 1048577 bytes, "
                                   "over the 1048576-byte limit");
        snprintf(buf, max + 64, "\"a\"\n{\"prompt\":\"%s\"}\n", big);
        CHECK_INT(from(&p, "p.jsonl", buf), SK_ELIMIT);
        CHECK_STR(sk_error_last(), "p.jsonl:2: prompt is 1048577 bytes, "
                                   "over the 1048576-byte limit");
        free(buf);
    }
    free(big);

    /* Count: SK_PROMPTS_MAX_COUNT lines load, one more does not. */
    n = SK_PROMPTS_MAX_COUNT;
    if ((buf = malloc(2 * (n + 1)))) {
        for (i = 0; i <= n; i++) {
            buf[2 * i] = 'a' + (char)(i % 26);
            buf[2 * i + 1] = '\n';
        }
        CHECK_INT(sk_prompts_from_buffer(&p, "p.txt", buf, 2 * n), 0);
        CHECK_INT(sk_prompts_count(p), n);
        CHECK_STR(sk_prompts_get(p, n - 1), "n"); /* 999999 % 26 = 13 */
        sk_prompts_free(p);
        CHECK_INT(sk_prompts_from_buffer(&p, "p.txt", buf, 2 * (n + 1)),
                  SK_ELIMIT);
        CHECK_STR(sk_error_last(), "p.txt:1000001: more than 1000000 "
                                   "prompts");
        free(buf);
    }

    /* Input size: a buffer one byte over the cap fails before it is read
     * (untouched anonymous pages cost no memory). */
    huge = mmap(NULL, (size_t)SK_PROMPTS_MAX_FILE_BYTES + 1, PROT_READ,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(huge != MAP_FAILED);
    if (huge != MAP_FAILED) {
        CHECK_INT(sk_prompts_from_buffer(&p, "big.txt", huge,
                                         (size_t)SK_PROMPTS_MAX_FILE_BYTES +
                                             1),
                  SK_ELIMIT);
        CHECK_STR(sk_error_last(), "big.txt: larger than 268435456 bytes");
        munmap(huge, (size_t)SK_PROMPTS_MAX_FILE_BYTES + 1);
    }
    CHECK(p == NULL);
}

/* Write buf to a new temporary file; returns its path in `path`. */
static int write_temp(char *path, size_t cap, const char *buf)
{
    const char *dir = getenv("TMPDIR");
    size_t len = strlen(buf);
    int fd;

    snprintf(path, cap, "%s/sk_prompts_XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(path)) < 0)
        return -1;
    if (write(fd, buf, len) != (ssize_t)len) {
        close(fd);
        unlink(path);
        return -1;
    }
    return close(fd);
}

static void test_files(void)
{
    static const char *const bodies[] = {
        "[\"one\", \"two\"]\n",
        "\"one\"\n{\"prompt\": \"two\"}\n",
        "one\r\ntwo\r\n",
    };
    char path[512], msg[600];
    sk_prompts *p = NULL;
    size_t i;

    for (i = 0; i < 3; i++) {
        if (write_temp(path, sizeof(path), bodies[i]) != 0) {
            CHECK(!"cannot write a temporary file");
            return;
        }
        CHECK_INT(sk_prompts_load(&p, path), 0);
        if (p) {
            CHECK_INT(sk_prompts_count(p), 2);
            CHECK_PROMPT(p, 0, "one");
            CHECK_PROMPT(p, 1, "two");
            CHECK_STR(sk_prompts_name(p), path);
        }
        sk_prompts_free(p);
        p = NULL;
        unlink(path);
    }

    /* Errors name the path. */
    if (write_temp(path, sizeof(path), "ok\n\n\xff\n") == 0) {
        CHECK_INT(sk_prompts_load(&p, path), SK_EPARSE);
        snprintf(msg, sizeof(msg), "%s:3:1: invalid UTF-8 (byte 0xff)", path);
        CHECK_STR(sk_error_last(), msg);
        unlink(path);
    }
    if (write_temp(path, sizeof(path), "[\"a\", 1]") == 0) {
        CHECK_INT(sk_prompts_load(&p, path), SK_EPARSE);
        snprintf(msg, sizeof(msg),
                 "%s:1: element 2 is a number, expected a string", path);
        CHECK_STR(sk_error_last(), msg);
        unlink(path);
    }

    CHECK_INT(sk_prompts_load(&p, "/nonexistent/prompts.txt"), SK_ENOTFOUND);
    CHECK_STR(sk_error_last(), "/nonexistent/prompts.txt: cannot open: No "
                               "such file or directory");
    CHECK_INT(sk_prompts_load(&p, "/"), SK_EIO);
    CHECK_STR(sk_error_last(), "/: read failed: Is a directory");
    CHECK(p == NULL);
}

/* "-" reads stdin, here a pipe fed by a child: more than one read and
 * more than the first buffer, with no size known in advance. */
static void test_stdin(void)
{
    enum { LINES = 30000 }; /* "prompt 12345\n": about 400 KB */
    sk_prompts *p = NULL;
    int fds[2], saved, status = 0;
    pid_t pid;

    if (pipe(fds) != 0 || (saved = dup(STDIN_FILENO)) < 0) {
        CHECK(!"pipe");
        return;
    }
    if ((pid = fork()) == 0) {
        FILE *f = fdopen(fds[1], "w");
        int i;

        close(fds[0]);
        for (i = 0; f && i < LINES; i++)
            fprintf(f, "prompt %d\n", i);
        _exit(f && fclose(f) == 0 ? 0 : 1);
    }
    close(fds[1]);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    CHECK_INT(sk_prompts_load(&p, "-"), 0);
    dup2(saved, STDIN_FILENO);
    close(saved);
    if (pid > 0)
        waitpid(pid, &status, 0);
    CHECK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (p) {
        CHECK_STR(sk_prompts_name(p), "<stdin>");
        CHECK_INT(sk_prompts_count(p), LINES);
        CHECK_PROMPT(p, 0, "prompt 0");
        CHECK_PROMPT(p, LINES - 1, "prompt 29999");
    }
    sk_prompts_free(p);
}

static void test_builtin(void)
{
    static const char lead[] = "Write a detailed, step-by-step explanation "
                               "of ";
    sk_prompts *p = NULL, *q = NULL;
    size_t i, j, n;

    CHECK_INT(sk_prompts_builtin(&p), 0);
    CHECK_INT(sk_prompts_builtin(&q), 0);
    if (!p || !q)
        goto done;
    n = sk_prompts_count(p);
    CHECK_INT(n, 128);
    CHECK_INT(n, SK_PROMPTS_BUILTIN_COUNT);
    CHECK_STR(sk_prompts_name(p), "<builtin>");
    for (i = 0; i < n; i++) {
        const char *s = sk_prompts_get(p, i);

        CHECK_INT(sk_prompts_len(p, i), strlen(s));
        CHECK(strncmp(s, lead, strlen(lead)) == 0);
        CHECK(sk_prompts_len(p, i) > strlen(lead) + 100);
        CHECK_STR(sk_prompts_get(q, i), s); /* same order every time */
        for (j = 0; j < i; j++)
            CHECK(strcmp(sk_prompts_get(p, j), s) != 0);
    }
    CHECK_STR(sk_prompts_get(p, 0),
              "Write a detailed, step-by-step explanation of how an LRU "
              "cache works. Begin with the core idea in plain words, then "
              "go through each step in order with a concrete worked "
              "example, cover common mistakes, edge cases and trade-offs, "
              "and finish with a summary. Be thorough: a long, complete "
              "answer is wanted, so keep writing and do not stop early.");
done:
    sk_prompts_free(p);
    sk_prompts_free(q);
    sk_prompts_free(NULL);
}

int main(void)
{
    test_json_array();
    test_jsonl();
    test_text();
    test_errors();
    test_detect_hint();
    test_limits();
    test_files();
    test_stdin();
    test_builtin();
    return sk_test_done("prompts");
}
