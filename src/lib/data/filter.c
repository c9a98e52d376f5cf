#include "sweepkit/filter.h"

#include "sweepkit/error.h"
#include "sweepkit/num.h"

#include <string.h>

static const struct {
    const char *text;
    sk_op op;
} ops[] = {
    /* Two-character operators first, so "<=" is not read as "<". */
    {"==", SK_OP_EQ}, {"!=", SK_OP_NE}, {"<=", SK_OP_LE},
    {">=", SK_OP_GE}, {"<", SK_OP_LT},  {">", SK_OP_GT},
};

static int copy_trimmed(char *dst, size_t cap, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= cap)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return (int)n;
}

int sk_filter_parse(sk_filter *out, const char *expr)
{
    const char *at = NULL;
    size_t i, oplen = 0;

    memset(out, 0, sizeof(*out));
    /* The operator is the first of = ! < > in the expression. */
    at = strpbrk(expr, "=!<>");
    if (at) {
        for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
            size_t n = strlen(ops[i].text);

            if (strncmp(at, ops[i].text, n) == 0) {
                out->op = ops[i].op;
                oplen = n;
                break;
            }
        }
    }
    if (!oplen)
        return sk_error_set(SK_EINVAL,
                            "--where '%s': expected FIELD OP VALUE with OP "
                            "one of == != < <= > >=",
                            expr);
    if (copy_trimmed(out->field, sizeof(out->field), expr,
                     (size_t)(at - expr)) <= 0)
        return sk_error_set(SK_EINVAL,
                            "--where '%s': expected a field name before "
                            "the operator (at most 255 bytes)",
                            expr);
    if (copy_trimmed(out->value, sizeof(out->value), at + oplen,
                     strlen(at + oplen)) < 0)
        return sk_error_set(SK_EINVAL,
                            "--where '%s': value longer than 255 bytes",
                            expr);
    out->value_is_num =
        sk_num_parse(&out->num, out->value, strlen(out->value)) == 0;
    return 0;
}

int sk_filter_match(const sk_filter *f, const char *cell, size_t len)
{
    double x;

    if (!cell)
        return f->op == SK_OP_NE;
    if (f->value_is_num && sk_num_parse(&x, cell, len) == 0) {
        switch (f->op) {
        case SK_OP_EQ: return x == f->num;
        case SK_OP_NE: return x != f->num;
        case SK_OP_LT: return x < f->num;
        case SK_OP_LE: return x <= f->num;
        case SK_OP_GT: return x > f->num;
        case SK_OP_GE: return x >= f->num;
        }
    }
    if (f->op == SK_OP_EQ || f->op == SK_OP_NE) {
        int same = len == strlen(f->value) && memcmp(cell, f->value, len) == 0;

        return f->op == SK_OP_EQ ? same : !same;
    }
    return 0;
}
