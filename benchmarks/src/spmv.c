/* spmv: sparse matrix-vector product y = A*x in CSR form, where A is the
 * 5-point Laplacian (4 on the diagonal, -1 for each grid neighbour, zero
 * Dirichlet boundary) of an n x n grid. Grid rows are split into blocks,
 * one per rank; every product first exchanges one halo row of x with each
 * neighbour (MPI_Sendrecv), then runs the CSR loop over the local rows.
 * Result: GFLOP/s (2 flops per stored nonzero) over `iters` products.
 * x holds small integers, so the check of every y against the stencil
 * formula is exact.
 *
 *   spmv [n=GRID] [iters=K] */
#include "bench.h"

static double xval(int gi, int j) { return (double)((gi * 3 + j * 5) % 11 - 5); }

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int n = (int)bench_long(argc, argv, "n", 1024);
    int iters = (int)bench_long(argc, argv, "iters", 50);
    if (n < np) bench_fail("spmv", "grid %d smaller than %d ranks", n, np);
    int g0 = (int)((long)n * rank / np), rows = (int)((long)n * (rank + 1) / np) - g0;
    long nloc = (long)rows * n;

    /* local x: ghost row, my rows, ghost row; column indices point into it */
    double *x = bench_alloc(sizeof(double) * (rows + 2) * n), *y = bench_alloc(sizeof(double) * nloc);
    int *rowptr = bench_alloc(sizeof(int) * (nloc + 1)), *col = bench_alloc(sizeof(int) * 5 * nloc);
    double *val = bench_alloc(sizeof(double) * 5 * nloc);
    long nnz = 0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < n; j++) {
            int gi = g0 + i, me = (i + 1) * n + j;
            rowptr[(long)i * n + j] = (int)nnz;
            if (gi > 0) col[nnz] = me - n, val[nnz++] = -1;
            if (j > 0) col[nnz] = me - 1, val[nnz++] = -1;
            col[nnz] = me, val[nnz++] = 4;
            if (j < n - 1) col[nnz] = me + 1, val[nnz++] = -1;
            if (gi < n - 1) col[nnz] = me + n, val[nnz++] = -1;
        }
    rowptr[nloc] = (int)nnz;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < n; j++) x[(long)(i + 1) * n + j] = xval(g0 + i, j);
    int up = rank > 0 ? rank - 1 : MPI_PROC_NULL, down = rank < np - 1 ? rank + 1 : MPI_PROC_NULL;

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int it = 0; it < iters; it++) {
        MPI_Sendrecv(x + n, n, MPI_DOUBLE, up, 0, x + (long)(rows + 1) * n, n, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Sendrecv(x + (long)rows * n, n, MPI_DOUBLE, down, 1, x, n, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (long r = 0; r < nloc; r++) {
            double s = 0;
            for (int k = rowptr[r]; k < rowptr[r + 1]; k++) s += val[k] * x[col[k]];
            y[r] = s;
        }
    }
    double t = bench_max(MPI_Wtime() - t0);

    for (int i = 0; i < rows; i++)
        for (int j = 0; j < n; j++) {
            int gi = g0 + i;
            double want = 4 * xval(gi, j) - (gi > 0 ? xval(gi - 1, j) : 0) - (gi < n - 1 ? xval(gi + 1, j) : 0) -
                          (j > 0 ? xval(gi, j - 1) : 0) - (j < n - 1 ? xval(gi, j + 1) : 0);
            if (y[(long)i * n + j] != want) bench_fail("spmv", "y[%d,%d] = %g, want %g", gi, j, y[(long)i * n + j], want);
        }
    double total = (double)nnz, all;
    MPI_Allreduce(&total, &all, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    char extra[64];
    snprintf(extra, sizeof extra, "n=%d iters=%d nnz=%.0f", n, iters, all);
    bench_result("spmv", -1, 2.0 * all * iters / t / 1e9, "GFLOP/s", extra);
    MPI_Finalize();
    return 0;
}
