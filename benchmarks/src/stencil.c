/* stencil: Jacobi iterations of the 2-D 5-point stencil on an n x n
 * interior with a fixed boundary (top edge 1, others 0). The rows are split
 * into contiguous blocks, one per rank; every iteration exchanges one halo
 * row with each neighbour (MPI_Sendrecv) and then updates the block.
 * Result: million lattice updates per second (MLUP/s) over all ranks, for
 * the timed loop of `iters` iterations (halo exchange included).
 *
 * Check: rank 0 repeats the computation serially on the whole grid and the
 * sum and a position-weighted sum of the parallel result must match it
 * (every point is computed by the same expression in the same order, so
 * only the summation order differs).
 *
 *   stencil [n=GRID] [iters=K] */
#include "bench.h"
#include <math.h>

static void sweep(const double *u, double *v, int rows, int n) {
    int w = n + 2;
    for (int i = 1; i <= rows; i++)
        for (int j = 1; j <= n; j++)
            v[i * w + j] = 0.25 * (u[(i - 1) * w + j] + u[(i + 1) * w + j] + u[i * w + j - 1] + u[i * w + j + 1]);
}

/* checksums adds the plain and weighted sums of rows 1..rows of u, whose
 * first row is global interior row g0. */
static void checksums(const double *u, int rows, int n, int g0, double out[2]) {
    int w = n + 2;
    out[0] = out[1] = 0;
    for (int i = 1; i <= rows; i++)
        for (int j = 1; j <= n; j++) {
            double x = u[i * w + j];
            out[0] += x;
            out[1] += x * ((g0 + i - 1) % 13 + 1) * (j % 7 + 1);
        }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int n = (int)bench_long(argc, argv, "n", 1024);
    int iters = (int)bench_long(argc, argv, "iters", 100);
    if (n < np) bench_fail("stencil", "grid %d smaller than %d ranks", n, np);
    int w = n + 2;
    int g0 = (int)((long)n * rank / np), rows = (int)((long)n * (rank + 1) / np) - g0;
    double *u = bench_alloc(sizeof(double) * (rows + 2) * w);
    double *v = bench_alloc(sizeof(double) * (rows + 2) * w);
    if (rank == 0)
        for (int j = 0; j < w; j++) u[j] = v[j] = 1.0;
    int up = rank > 0 ? rank - 1 : MPI_PROC_NULL, down = rank < np - 1 ? rank + 1 : MPI_PROC_NULL;

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int it = 0; it < iters; it++) {
        MPI_Sendrecv(u + w, w, MPI_DOUBLE, up, 0, u + (rows + 1) * w, w, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Sendrecv(u + rows * w, w, MPI_DOUBLE, down, 1, u, w, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        sweep(u, v, rows, n);
        double *t = u;
        u = v;
        v = t;
    }
    double t = bench_max(MPI_Wtime() - t0);

    double mine[2], got[2];
    checksums(u, rows, n, g0, mine);
    MPI_Reduce(mine, got, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        double *su = bench_alloc(sizeof(double) * w * w), *sv = bench_alloc(sizeof(double) * w * w);
        for (int j = 0; j < w; j++) su[j] = sv[j] = 1.0;
        for (int it = 0; it < iters; it++) {
            sweep(su, sv, n, n);
            double *x = su;
            su = sv;
            sv = x;
        }
        double want[2];
        checksums(su, n, n, 0, want);
        for (int k = 0; k < 2; k++)
            if (!(fabs(got[k] - want[k]) <= 1e-10 * fabs(want[k])) || want[k] == 0)
                bench_fail("stencil", "checksum %d is %.17g, serial %.17g", k, got[k], want[k]);
        free(su);
        free(sv);
    }
    char extra[64];
    snprintf(extra, sizeof extra, "n=%d iters=%d", n, iters);
    bench_result("stencil", -1, (double)n * n * iters / t / 1e6, "MLUP/s", extra);
    free(u);
    free(v);
    MPI_Finalize();
    return 0;
}
