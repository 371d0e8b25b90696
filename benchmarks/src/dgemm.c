/* dgemm: C = A*B for n x n doubles, distributed by rows: rank 0 broadcasts
 * B and scatters the rows of A, every rank multiplies its rows (a plain
 * cache-blocked i-k-j loop the compiler vectorises; no BLAS), and rank 0
 * gathers C. Result: GFLOP/s (2n^3 flops) of the best of `reps` timed
 * runs, communication included. Entries are small integers, so every
 * product is exact; rank 0 checks every 7th row of C against direct dot
 * products.
 *
 *   dgemm [n=SIZE, rounded up to a multiple of the rank count] [reps=3] */
#include "bench.h"

static double ael(int i, int k) { return (double)((i * 3 + k * 7) % 11 - 5); }
static double bel(int k, int j) { return (double)((k * 5 + j * 3) % 13 - 6); }

static void multiply(const double *a, const double *b, double *c, int rows, int n) {
    const int kb = 128;
    memset(c, 0, sizeof(double) * rows * n);
    for (int k0 = 0; k0 < n; k0 += kb) {
        int k1 = k0 + kb < n ? k0 + kb : n;
        for (int i = 0; i < rows; i++) {
            double *ci = c + (size_t)i * n;
            for (int k = k0; k < k1; k++) {
                double aik = a[(size_t)i * n + k];
                const double *bk = b + (size_t)k * n;
                for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
            }
        }
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int n = (int)bench_long(argc, argv, "n", 512);
    int reps = (int)bench_long(argc, argv, "reps", 3);
    n = (n + np - 1) / np * np;
    int nb = n / np;
    size_t nn = (size_t)n * n;
    double *a = NULL, *c = NULL;
    double *b = bench_alloc(sizeof(double) * nn);
    double *al = bench_alloc(sizeof(double) * nb * n), *cl = bench_alloc(sizeof(double) * nb * n);
    if (rank == 0) {
        a = bench_alloc(sizeof(double) * nn);
        c = bench_alloc(sizeof(double) * nn);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[(size_t)i * n + j] = ael(i, j), b[(size_t)i * n + j] = bel(i, j);
    }
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Bcast(b, (int)nn, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        MPI_Scatter(a, nb * n, MPI_DOUBLE, al, nb * n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        multiply(al, b, cl, nb, n);
        MPI_Gather(cl, nb * n, MPI_DOUBLE, c, nb * n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        double t = bench_max(MPI_Wtime() - t0);
        if (t < best) best = t;
    }
    if (rank == 0)
        for (int i = 0; i < n; i += 7)
            for (int j = 0; j < n; j++) {
                double want = 0;
                for (int k = 0; k < n; k++) want += ael(i, k) * bel(k, j);
                if (c[(size_t)i * n + j] != want)
                    bench_fail("dgemm", "C[%d][%d] = %g, want %g", i, j, c[(size_t)i * n + j], want);
            }
    char extra[64];
    snprintf(extra, sizeof extra, "n=%d reps=%d", n, reps);
    bench_result("dgemm", -1, 2.0 * n * n * n / best / 1e9, "GFLOP/s", extra);
    MPI_Finalize();
    return 0;
}
