/* transpose: distributed transpose of an n x n matrix of doubles whose rows
 * are split into equal blocks, one per rank. Each rank transposes its
 * (n/np) x (n/np) tiles locally into a send buffer, one MPI_Alltoall moves
 * them, and the received tiles are copied into place. Result: matrix bytes
 * transposed per second (MB/s, 10^6 bytes/s) over `iters` transposes.
 * A[i][j] = i*n + j, so the check B[i][j] == j*n + i is exact.
 *
 *   transpose [n=SIZE, rounded up to a multiple of the rank count] [iters=K] */
#include "bench.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int n = (int)bench_long(argc, argv, "n", 2048);
    int iters = (int)bench_long(argc, argv, "iters", 10);
    n = (n + np - 1) / np * np;
    int nb = n / np;
    size_t local = (size_t)nb * n;
    double *a = bench_alloc(sizeof(double) * local), *b = bench_alloc(sizeof(double) * local);
    double *sbuf = bench_alloc(sizeof(double) * local), *rbuf = bench_alloc(sizeof(double) * local);
    for (int i = 0; i < nb; i++)
        for (int j = 0; j < n; j++) a[(size_t)i * n + j] = (double)(rank * nb + i) * n + j;

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int it = 0; it < iters; it++) {
        /* tile p of my rows goes to rank p, already transposed */
        for (int p = 0; p < np; p++) {
            double *s = sbuf + (size_t)p * nb * nb;
            for (int i = 0; i < nb; i++)
                for (int j = 0; j < nb; j++) s[(size_t)j * nb + i] = a[(size_t)i * n + (size_t)p * nb + j];
        }
        MPI_Alltoall(sbuf, nb * nb, MPI_DOUBLE, rbuf, nb * nb, MPI_DOUBLE, MPI_COMM_WORLD);
        for (int p = 0; p < np; p++) {
            const double *r = rbuf + (size_t)p * nb * nb;
            for (int i = 0; i < nb; i++) memcpy(b + (size_t)i * n + (size_t)p * nb, r + (size_t)i * nb, sizeof(double) * nb);
        }
    }
    double t = bench_max(MPI_Wtime() - t0);

    for (int i = 0; i < nb; i++)
        for (int j = 0; j < n; j++) {
            double want = (double)j * n + rank * nb + i;
            if (b[(size_t)i * n + j] != want)
                bench_fail("transpose", "B[%d][%d] = %.17g, want %.17g", rank * nb + i, j, b[(size_t)i * n + j], want);
        }
    char extra[64];
    snprintf(extra, sizeof extra, "n=%d iters=%d", n, iters);
    bench_result("transpose", -1, 8.0 * n * n * iters / t / 1e6, "MB/s", extra);
    MPI_Finalize();
    return 0;
}
