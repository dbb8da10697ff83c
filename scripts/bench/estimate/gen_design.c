/* Seeded generator of a stratified two-stage survey file for the estimation benchmark.
 * Usage: gen_design ROWS SEED REPLICATES > file.csv
 * Columns: stratum (1..50), psu (1..20, labels nested in strata), w (sampling weight),
 * area (1..2), wave (1..2), v1..v40 (odd: 0/1 indicators, even: continuous scores with 3
 * decimals), then rw1..rwR when REPLICATES > 0: bootstrap replicate weights w * m, where m is
 * the number of times the row's PSU was drawn in a with-replacement resample of n_h − 1 = 19
 * PSUs of its stratum, times n_h / (n_h − 1) (Rao–Wu rescaled bootstrap, as R's
 * as.svrepdesign(type = "bootstrap")). No missing values. LF records. Deterministic for a given
 * SEED (xorshift64*); the same ROWS and SEED give the same design and indicator columns
 * whatever REPLICATES is. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

enum { STRATA = 50, PSUS = 20, VARS = 40 };

static uint64_t state;
static uint64_t rnd(void) { state ^= state >> 12; state ^= state << 25; state ^= state >> 27; return state * 2685821657736338717ULL; }
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

int main(int argc, char **argv) {
    long rows = argc > 1 ? atol(argv[1]) : 1000000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261129;
    int reps = argc > 3 ? atoi(argv[3]) : 0;
    if (rows < STRATA * PSUS || reps < 0) { fprintf(stderr, "usage: gen_design ROWS>=1000 SEED REPLICATES>=0\n"); return 2; }
    static char out[1 << 16];
    setvbuf(stdout, out, _IOFBF, sizeof out);

    /* PSU-level quantities: base weight, PSU effects of the indicators, size share. */
    static double base[STRATA][PSUS], effect[STRATA][PSUS][VARS], share[STRATA * PSUS];
    static long count[STRATA * PSUS];
    state = seed * 0x9E3779B97F4A7C15ULL + 1;
    double total = 0;
    for (int h = 0; h < STRATA; h++)
        for (int j = 0; j < PSUS; j++) {
            base[h][j] = 20.0 + 180.0 * unif();
            for (int v = 0; v < VARS; v++) effect[h][j][v] = unif() - 0.5 + 0.01 * h;
            share[h * PSUS + j] = 0.5 + unif();
            total += share[h * PSUS + j];
        }
    /* Rows per PSU: proportional to the share, at least one, summing to ROWS. */
    long assigned = 0;
    for (int k = 0; k < STRATA * PSUS; k++) { count[k] = 1 + (long)((rows - STRATA * PSUS) * share[k] / total); assigned += count[k]; }
    for (int k = 0; assigned < rows; k = (k + 1) % (STRATA * PSUS)) { count[k]++; assigned++; }

    /* Replicate multipliers per PSU (drawn from a separate stream so the main columns do not depend on R). */
    double *mult = reps ? calloc((size_t)reps * STRATA * PSUS, sizeof *mult) : NULL;
    if (reps && !mult) { fprintf(stderr, "out of memory\n"); return 1; }
    uint64_t saved = state;
    state = (seed ^ 0xD1B54A32D192ED03ULL) * 0x9E3779B97F4A7C15ULL + 7;
    for (int r = 0; r < reps; r++)
        for (int h = 0; h < STRATA; h++) {
            for (int d = 0; d < PSUS - 1; d++) mult[((size_t)r * STRATA + h) * PSUS + rnd() % PSUS] += 1.0;
            for (int j = 0; j < PSUS; j++) mult[((size_t)r * STRATA + h) * PSUS + j] *= (double)PSUS / (PSUS - 1);
        }
    state = saved;

    fputs("stratum,psu,w", stdout);
    fputs(",area,wave", stdout);
    for (int v = 1; v <= VARS; v++) printf(",v%d", v);
    for (int r = 1; r <= reps; r++) printf(",rw%d", r);
    putchar('\n');
    for (int h = 0; h < STRATA; h++)
        for (int j = 0; j < PSUS; j++)
            for (long i = 0; i < count[h * PSUS + j]; i++) {
                double w = base[h][j] * (0.8 + 0.4 * unif());
                w = (double)(long)(w * 1000.0 + 0.5) / 1000.0;   /* the printed value is the weight */
                int area = 1 + (int)(rnd() & 1), wave = 1 + (int)(rnd() % 2);
                printf("%d,%d,%.3f,%d,%d", h + 1, j + 1, w, area, wave);
                for (int v = 0; v < VARS; v++) {
                    double e = effect[h][j][v] + 0.1 * area - 0.05 * wave;
                    if (v % 2 == 0) printf(",%d", unif() < 0.35 + 0.3 * e ? 1 : 0);
                    else printf(",%.3f", 50.0 + 10.0 * e + 8.0 * (unif() + unif() + unif() - 1.5));
                }
                for (int r = 0; r < reps; r++) printf(",%.3f", w * mult[((size_t)r * STRATA + h) * PSUS + j]);
                putchar('\n');
            }
    free(mult);
    return 0;
}
