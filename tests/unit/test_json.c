/* json: one printer for every JSON text: numbers, escapes and layouts. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void check_dump(json_t *j, int expand, const char *want)
{
    char *got = sk_json_dumps(j, expand);

    CHECK(got != NULL);
    if (got)
        CHECK_STR(got, want);
    free(got);
}

static void test_numbers(void)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1, "0.1\n"},          /* jansson's %.17g: 0.10000000000000001 */
        {128.0, "128.0\n"},      /* a real stays a real */
        {90.98, "90.98\n"},      /* %.17g: 90.980000000000004 */
        {1e16, "1e+16\n"},
        {-2.5e-7, "-2.5e-07\n"},
        {0.30000000000000004, "0.30000000000000004\n"}, /* not 0.3 */
        {NAN, "null\n"},
        {INFINITY, "null\n"},
        {-INFINITY, "null\n"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *n = sk_json_number(cases[i].v);

        CHECK(n != NULL);
        check_dump(n, SK_JSON_EXPAND_ALL, cases[i].want);
        json_decref(n);
    }
    {
        json_t *n = json_integer(-42);

        check_dump(n, 0, "-42\n");
        json_decref(n);
    }
}

static void test_strings(void)
{
    json_t *s = json_stringn("a\"b\\c\b\f\n\r\t\x01/\xC3\xA9", 14);
    json_t *null = sk_json_string(NULL);

    check_dump(s, 0, "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001/\xC3\xA9\"\n");
    CHECK(json_is_null(null));
    json_decref(s);
    json_decref(null);
    /* bytes that are not UTF-8 (a file name): U+FFFD each, valid JSON */
    s = sk_json_string("g\xe9.csv \xC3\xA9 \xED\xA0\x80 \xF0\x9F");
    check_dump(s, 0,
               "\"g\\ufffd.csv \xC3\xA9 \\ufffd\\ufffd\\ufffd "
               "\\ufffd\\ufffd\"\n");
    json_decref(s);
}

static void test_layouts(void)
{
    json_t *o = json_pack("{s:i, s:[{s:f, s:n}, {s:b}], s:{}, s:[]}", "z", 1,
                          "rows", "x", 0.5, "y", "ok", 1, "e", "a");

    CHECK(o != NULL);
    check_dump(o, 0,
               "{\"z\": 1, \"rows\": [{\"x\": 0.5, \"y\": null}, "
               "{\"ok\": true}], \"e\": {}, \"a\": []}\n");
    check_dump(o, 1,
               "{\n  \"z\": 1,\n  \"rows\": [{\"x\": 0.5, \"y\": null}, "
               "{\"ok\": true}],\n  \"e\": {},\n  \"a\": []\n}\n");
    check_dump(o, 2,
               "{\n  \"z\": 1,\n  \"rows\": [\n    {\"x\": 0.5, \"y\": "
               "null},\n    {\"ok\": true}\n  ],\n  \"e\": {},\n  \"a\": []\n"
               "}\n");
    /* every level laid out, as jansson's JSON_INDENT(2) */
    check_dump(o, SK_JSON_EXPAND_ALL,
               "{\n  \"z\": 1,\n  \"rows\": [\n    {\n      \"x\": 0.5,\n"
               "      \"y\": null\n    },\n    {\n      \"ok\": true\n    }\n"
               "  ],\n  \"e\": {},\n  \"a\": []\n}\n");
    json_decref(o);
    /* a tree that ran out of memory while built */
    CHECK(sk_json_dumps(NULL, 0) == NULL);
    CHECK(sk_json_write(stdout, NULL, 0) == -1);
}

/* A command's output written result by result: the same text as the
 * whole object printed with expand 2. */
static void test_list(void)
{
    json_t *head = json_pack("{s:i, s:{s:s}}", "schema_version", 1, "host",
                             "os", "X");
    json_t *a = json_pack("{s:f}", "x", 0.5), *b = json_pack("{s:n}", "y");
    json_t *whole = json_deep_copy(head);
    char *buf = NULL, *want;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    json_object_set_new(whole, "results", json_pack("[O, O]", a, b));
    sk_json_list_open(fp, head, "results");
    CHECK_INT(sk_json_list_item(fp, json_incref(a), 1), 0);
    CHECK_INT(sk_json_list_item(fp, json_incref(b), 0), 0);
    CHECK_INT(sk_json_list_item(fp, NULL, 0), SK_ENOMEM); /* writes nothing */
    sk_json_list_close(fp, 2);
    fclose(fp);
    want = sk_json_dumps(whole, 2);
    CHECK_STR(buf, want);
    CHECK_STR(buf, "{\n  \"schema_version\": 1,\n  \"host\": {\n    \"os\": "
                   "\"X\"\n  },\n  \"results\": [\n    {\"x\": 0.5},\n    "
                   "{\"y\": null}\n  ]\n}\n");
    free(buf);
    free(want);
    /* no head, no results */
    buf = NULL;
    fp = open_memstream(&buf, &len);
    sk_json_list_open(fp, NULL, "results");
    sk_json_list_close(fp, 0);
    fclose(fp);
    CHECK_STR(buf, "{\n  \"results\": []\n}\n");
    free(buf);
    json_decref(head);
    json_decref(a);
    json_decref(b);
    json_decref(whole);
}

int main(void)
{
    test_numbers();
    test_strings();
    test_layouts();
    test_list();
    return sk_test_done("json");
}
