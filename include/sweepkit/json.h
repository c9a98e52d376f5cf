/*
 * JSON out: every JSON sweepkit writes (the commands' --format json,
 * report.json, the collector's sidecar) is a jansson tree printed by
 * sk_json_write(), so that a number reads the same everywhere: an integer
 * as is, a real as the shortest text that reads back to the same double
 * (sk_num_repr(): 0.1, 128.0, 1e+16), NaN and infinities as null.
 *
 * Layout: containers nested at most `expand` deep are laid out one member
 * per line, indented by two spaces a level; deeper ones stay on one line
 * (", " and ": " between members).  SK_JSON_EXPAND_ALL lays out every
 * container (jansson's JSON_INDENT(2)); 2 is the commands' layout, the
 * top object's keys and its arrays' elements one per line.  Keys keep
 * their insertion order.  The text ends with a newline.
 */
#ifndef SWEEPKIT_JSON_H
#define SWEEPKIT_JSON_H

#include <jansson.h>

#include <stdio.h>

#define SK_JSON_EXPAND_ALL 1000

/*
 * A real for a JSON tree: json_real(v), or json_null() when v is NaN or
 * infinite (JSON has neither).  NULL only when out of memory.
 */
json_t *sk_json_number(double v);

/* A string as its bytes (file names and cells need not be UTF-8; the
 * printer escapes control bytes), or json_null() for NULL. */
json_t *sk_json_string(const char *s);

/*
 * Print `j` into `fp` as described above.  Returns 0, or -1 when `j` is
 * NULL (a tree that ran out of memory while it was built); write errors
 * are left in ferror(fp).
 */
int sk_json_write(FILE *fp, const json_t *j, int expand);

/*
 * The same text in a malloc'd string (free() it), or NULL when out of
 * memory or `j` is NULL.
 */
char *sk_json_dumps(const json_t *j, int expand);

/*
 * A command's JSON output written as its results are computed: an object
 * with the members of `head` (the provenance keys, sk_provenance_json();
 * NULL: none), then `key` holding the results, one per line, as
 * sk_json_write(whole object, 2) lays them out.  sk_json_list_open()
 * writes up to the array's "[", sk_json_list_item() one result ("first"
 * = 1 for the first), taking the reference `item` (NULL, a tree that ran
 * out of memory: SK_ENOMEM, nothing written; else 0),
 * sk_json_list_close() the end, given the number of results written.
 * Write errors are left in ferror(fp).
 */
void sk_json_list_open(FILE *fp, const json_t *head, const char *key);
int sk_json_list_item(FILE *fp, json_t *item, int first);
void sk_json_list_close(FILE *fp, size_t n);

#endif
