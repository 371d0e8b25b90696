/* triad: the STREAM triad a[i] = b[i] + s*c[i] on n doubles per rank, all
 * ranks at once. Best of `reps` timed passes (each between barriers, the
 * slowest rank's time); result: aggregate memory bandwidth in MB/s (24
 * bytes per element, 10^6 bytes/s). Values are small integers, so the
 * check a == b + s*c is exact with or without fused multiply-add.
 *
 *   triad [n=ELEMENTS per rank] [reps=10] */
#include "bench.h"

/* Not static: the compiler must assume MPI calls may read them, so no pass
 * is optimised away. */
double *triad_a, *triad_b, *triad_c;

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    long n = bench_long(argc, argv, "n", 4L << 20);
    int reps = (int)bench_long(argc, argv, "reps", 10);
    double *a = triad_a = bench_alloc(sizeof(double) * n);
    double *b = triad_b = bench_alloc(sizeof(double) * n);
    double *c = triad_c = bench_alloc(sizeof(double) * n);
    const double s = 3.0;
    for (long i = 0; i < n; i++) b[i] = (double)(i % 1000), c[i] = (double)(i % 7 + rank);
    double best = 1e30;
    for (int r = 0; r <= reps; r++) { /* pass 0 warms up (first touch of a) */
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        double t = bench_max(MPI_Wtime() - t0);
        if (r > 0 && t < best) best = t;
    }
    for (long i = 0; i < n; i++)
        if (a[i] != (double)(i % 1000) + 3.0 * (i % 7 + rank))
            bench_fail("triad", "a[%ld] = %g, want %g", i, a[i], (double)(i % 1000) + 3.0 * (i % 7 + rank));
    char extra[64];
    snprintf(extra, sizeof extra, "n=%ld reps=%d", n, reps);
    bench_result("triad", -1, 24.0 * n * np / best / 1e6, "MB/s", extra);
    MPI_Finalize();
    return 0;
}
