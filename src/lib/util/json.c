/*
 * JSON out (json.h): one printer for every JSON text sweepkit writes.
 */
#include "sweepkit/json.h"

#include "sweepkit/error.h"
#include "sweepkit/format.h"
#include "sweepkit/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

json_t *sk_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *sk_json_string(const char *s)
{
    return s ? json_stringn_nocheck(s, strlen(s)) : json_null();
}

static void newline(FILE *fp, int depth)
{
    fputc('\n', fp);
    fprintf(fp, "%*s", 2 * depth, "");
}

static void put(FILE *fp, const json_t *j, int depth, int expand);

/* The members of an object or an array: laid out one per line when the
 * container is no deeper than `expand`, else on one line. */
static void put_container(FILE *fp, const json_t *j, int depth, int expand)
{
    int is_obj = json_is_object(j), lay = depth < expand;
    size_t n = is_obj ? json_object_size(j) : json_array_size(j), i = 0;

    fputc(is_obj ? '{' : '[', fp);
    if (is_obj) {
        const char *key;
        json_t *v;

        json_object_foreach ((json_t *)j, key, v) {
            if (i++)
                fputs(lay ? "," : ", ", fp);
            if (lay)
                newline(fp, depth + 1);
            sk_format_json_string(fp, key, strlen(key));
            fputs(": ", fp);
            put(fp, v, depth + 1, expand);
        }
    } else {
        for (i = 0; i < n; i++) {
            if (i)
                fputs(lay ? "," : ", ", fp);
            if (lay)
                newline(fp, depth + 1);
            put(fp, json_array_get(j, i), depth + 1, expand);
        }
    }
    if (lay && n)
        newline(fp, depth);
    fputc(is_obj ? '}' : ']', fp);
}

static void put(FILE *fp, const json_t *j, int depth, int expand)
{
    char num[SK_NUM_REPR_MAX];

    switch (json_typeof(j)) {
    case JSON_OBJECT:
    case JSON_ARRAY: put_container(fp, j, depth, expand); break;
    case JSON_STRING:
        sk_format_json_string(fp, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        break;
    case JSON_REAL:
        if (!isfinite(json_real_value(j))) {
            fputs("null", fp);
            break;
        }
        sk_num_repr(num, sizeof(num), json_real_value(j));
        fputs(num, fp);
        break;
    case JSON_TRUE: fputs("true", fp); break;
    case JSON_FALSE: fputs("false", fp); break;
    case JSON_NULL: fputs("null", fp); break;
    }
}

int sk_json_write(FILE *fp, const json_t *j, int expand)
{
    if (!j)
        return -1;
    put(fp, j, 0, expand);
    fputc('\n', fp);
    return 0;
}

char *sk_json_dumps(const json_t *j, int expand)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp;

    if (!j || !(fp = open_memstream(&buf, &len)))
        return NULL;
    sk_json_write(fp, j, expand);
    if (ferror(fp)) {
        fclose(fp);
        free(buf);
        return NULL;
    }
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void sk_json_list_open(FILE *fp, const json_t *head, const char *key)
{
    const char *k;
    json_t *v;

    fputc('{', fp);
    if (head)
        json_object_foreach ((json_t *)head, k, v) {
            newline(fp, 1);
            sk_format_json_string(fp, k, strlen(k));
            fputs(": ", fp);
            put(fp, v, 1, 2);
            fputc(',', fp);
        }
    newline(fp, 1);
    sk_format_json_string(fp, key, strlen(key));
    fputs(": [", fp);
}

int sk_json_list_item(FILE *fp, json_t *item, int first)
{
    if (!item)
        return sk_error_set(SK_ENOMEM, "out of memory");
    if (!first)
        fputc(',', fp);
    newline(fp, 2);
    put(fp, item, 2, 2);
    json_decref(item);
    return 0;
}

void sk_json_list_close(FILE *fp, size_t n)
{
    if (n)
        newline(fp, 1);
    fputs("]\n}\n", fp);
}
