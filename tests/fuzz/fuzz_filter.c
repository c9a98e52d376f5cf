/*
 * `--where` filter expressions (filter.h).
 *
 * Input: the expression up to the first newline (or the end); the bytes
 * after that newline, when there are any, are one more cell.  The filter
 * is evaluated against a fixed row of awkward cells (numbers in Python's
 * spellings, NaN, infinities, text, an empty cell, a missing cell) plus
 * that one.
 *
 * Checked: on SK_EINVAL the message quotes the expression; on 0 the field
 * is 1..255 bytes, holds none of = ! < > and no surrounding space or tab,
 * the value is at most 255 bytes without surrounding space or tab,
 * value_is_num says whether sk_num_parse() reads the value (and num is
 * what it reads).  For every cell, sk_filter_match() agrees with the
 * comparison rule as the header states it, evaluated here for all six
 * operators: numbers compare as doubles, otherwise == and != compare the
 * bytes and the ordering operators never match; a missing cell matches
 * only !=; != is always the negation of ==.
 */
#include "fuzz_util.h"

#include "sweepkit/error.h"
#include "sweepkit/filter.h"
#include "sweepkit/num.h"

#include <math.h>

static const char *const cells[] = {
    "8",    "8.0",   "-0.0", "0",    "nan",  "-NaN", "inf",   "-infinity",
    "1_000", "1e308", "1e-320", " 12 ", "text", "",     "a b",   "99",
    ("\xC2\xA0" "5"), "0x10", "1__0", "latency_s", "+7",  ".5",
};

static int want(const sk_filter *f, sk_op op, const char *cell, size_t len)
{
    double x;

    if (!cell)
        return op == SK_OP_NE;
    if (f->value_is_num && sk_num_parse(&x, cell, len) == 0) {
        double v = f->num;

        switch (op) {
        case SK_OP_EQ: return x == v;
        case SK_OP_NE: return !(x == v);
        case SK_OP_LT: return x < v;
        case SK_OP_LE: return x <= v;
        case SK_OP_GT: return x > v;
        case SK_OP_GE: return x >= v;
        }
    }
    {
        int same = strlen(f->value) == len && memcmp(f->value, cell, len) == 0;

        return op == SK_OP_EQ ? same : op == SK_OP_NE ? !same : 0;
    }
}

static void check_cell(const sk_filter *f, const char *cell, size_t len)
{
    sk_filter g = *f;
    char *copy = cell ? fz_dup(cell, len) : NULL;
    int op, got[6];

    for (op = SK_OP_EQ; op <= SK_OP_GE; op++) {
        g.op = (sk_op)op;
        got[op] = sk_filter_match(&g, copy, len);
        FZ_CHECK(got[op] == want(&g, (sk_op)op, cell, len),
                 "op %d value '%s' cell '%.*s': match %d", op, g.value,
                 (int)len, cell ? cell : "(missing)", got[op]);
    }
    FZ_CHECK(got[SK_OP_NE] == !got[SK_OP_EQ], "!= is not the negation");
    free(copy);
}

static int trimmed(const char *s)
{
    size_t n = strlen(s);

    return n == 0 || (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' &&
                      s[n - 1] != '\t');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t elen = nl ? (size_t)(nl - (const char *)data) : size, i;
    char *expr = malloc(elen + 1);
    sk_filter f;
    int rc;

    if (!expr)
        return 0;
    memcpy(expr, data, elen);
    expr[elen] = '\0'; /* an embedded NUL ends the expression early */

    rc = sk_filter_parse(&f, expr);
    if (rc != 0) {
        FZ_CHECK(rc == SK_EINVAL, "rc %d", rc);
        FZ_CHECK(strncmp(sk_error_last(), "--where '", 9) == 0,
                 "message '%s'", sk_error_last());
        free(expr);
        return 0;
    }
    FZ_CHECK(f.op >= SK_OP_EQ && f.op <= SK_OP_GE, "op %d", (int)f.op);
    FZ_CHECK(strnlen(f.field, sizeof(f.field)) < sizeof(f.field) &&
                 strnlen(f.value, sizeof(f.value)) < sizeof(f.value),
             "not terminated");
    FZ_CHECK(f.field[0] && trimmed(f.field) && trimmed(f.value),
             "field '%s' value '%s'", f.field, f.value);
    FZ_CHECK(strpbrk(f.field, "=!<>") == NULL, "field '%s'", f.field);
    {
        double v = 0;
        int num = sk_num_parse(&v, f.value, strlen(f.value)) == 0;

        FZ_CHECK(num == f.value_is_num &&
                     (!num || memcmp(&v, &f.num, sizeof(v)) == 0 ||
                      (isnan(v) && isnan(f.num))),
                 "value '%s': value_is_num %d", f.value, f.value_is_num);
    }
    for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
        check_cell(&f, cells[i], strlen(cells[i]));
    check_cell(&f, NULL, 0);
    check_cell(&f, f.value, strlen(f.value));
    if (nl)
        check_cell(&f, nl + 1, size - elen - 1);
    free(expr);
    return 0;
}
