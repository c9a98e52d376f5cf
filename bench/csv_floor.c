/* The floor under any libcsv-based reader: csv_parse over a file with
 * callbacks that only count, spaces kept as sweepkit keeps them. */
#include <csv.h>
#include <stdio.h>

static size_t fields, rows;

static void on_field(void *s, size_t n, void *d)
{
    (void)s, (void)n, (void)d;
    fields++;
}

static void on_row(int c, void *d)
{
    (void)c, (void)d;
    rows++;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

int main(int argc, char **argv)
{
    static char buf[256 * 1024];
    struct csv_parser p;
    FILE *fp;
    size_t n;

    if (argc != 2 || !(fp = fopen(argv[1], "rb")))
        return 2;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_space_func(&p, never_space);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, NULL) != n)
            return 1;
    csv_fini(&p, on_field, on_row, NULL);
    csv_free(&p);
    printf("%zu fields, %zu rows\n", fields, rows);
    return 0;
}
