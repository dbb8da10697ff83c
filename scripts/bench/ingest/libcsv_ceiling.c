/* The single-thread ceiling: libcsv with empty callbacks over a file read in 4 MiB chunks,
 * with the options copro uses (strict, empty-is-null, no space trimming).
 * Usage: libcsv_ceiling FILE  → prints "bytes fields records". */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>

static size_t fields, records;
static void cb1(void *s, size_t n, void *d) { (void)s; (void)n; (void)d; fields++; }
static void cb2(int c, void *d) { (void)c; (void)d; records++; }
static int no_space(unsigned char c) { (void)c; return 0; }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) return 1;
    csv_set_space_func(&p, no_space);
    csv_set_blk_size(&p, 4096);
    static char buf[4 << 20];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        total += n;
        if (csv_parse(&p, buf, n, cb1, cb2, NULL) != n) { fprintf(stderr, "parse error: %s\n", csv_strerror(csv_error(&p))); return 1; }
    }
    csv_fini(&p, cb1, cb2, NULL);
    csv_free(&p);
    printf("%zu %zu %zu\n", total, fields, records);
    return 0;
}
