/*
 * Row filters: `--where 'FIELD OP VALUE'` with OP one of == != < <= > >=.
 *
 * Comparison rule: when VALUE and the row's field are both numbers (by
 * sk_num_parse()'s grammar) they compare as doubles; otherwise == and !=
 * compare the text byte for byte and the ordering operators never match
 * (a text cell is not "less than 5").  A missing cell (short row) matches
 * only !=.  NaN compares as IEEE says: only != matches.
 *
 * Thread-safety: a parsed filter is immutable.
 */
#ifndef SWEEPKIT_FILTER_H
#define SWEEPKIT_FILTER_H

#include <stddef.h>

typedef enum {
    SK_OP_EQ,
    SK_OP_NE,
    SK_OP_LT,
    SK_OP_LE,
    SK_OP_GT,
    SK_OP_GE
} sk_op;

typedef struct {
    char field[256];  /* column name, surrounding spaces removed */
    char value[256];  /* literal, surrounding spaces removed */
    sk_op op;
    int value_is_num;
    double num;
} sk_filter;

/*
 * Parse "FIELD OP VALUE" into *out.  Returns 0, or SK_EINVAL with a message
 * naming the expression and what was expected.
 */
int sk_filter_parse(sk_filter *out, const char *expr);

/* Does a cell satisfy the filter?  `cell` is NULL for a missing cell. */
int sk_filter_match(const sk_filter *f, const char *cell, size_t len);

#endif
