/* cg: a reduction-heavy kernel. Conjugate-gradient solves of the
 * tridiagonal system tridiag(-1, 4, -1) x = b, distributed in contiguous
 * blocks of n unknowns per rank. Each CG iteration exchanges one halo value
 * with each neighbour (MPI_Sendrecv) and calls MPI_Allreduce twice on a
 * single double (the dot products), so small-message latency dominates.
 * `solves` solves of `iters` iterations each (the matrix is well
 * conditioned: 30 iterations reach machine precision). Result: microseconds
 * per CG iteration. Check: the last solution matches the x* that b was
 * built from to 1e-9.
 *
 *   cg [n=UNKNOWNS per rank] [iters=30] [solves=K] */
#include "bench.h"
#include <math.h>

static double xstar(long g) { return 1 + (g % 7) * 0.5; }

static double dot(const double *a, const double *b, int n) {
    double s = 0, all;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    MPI_Allreduce(&s, &all, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return all;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int n = (int)bench_long(argc, argv, "n", 1000);
    int iters = (int)bench_long(argc, argv, "iters", 30);
    int solves = (int)bench_long(argc, argv, "solves", 100);
    long g0 = (long)n * rank, total = (long)n * np;
    int left = rank > 0 ? rank - 1 : MPI_PROC_NULL, right = rank < np - 1 ? rank + 1 : MPI_PROC_NULL;
    double *b = bench_alloc(sizeof(double) * n), *x = bench_alloc(sizeof(double) * n), *r = bench_alloc(sizeof(double) * n);
    double *p = bench_alloc(sizeof(double) * (n + 2)), *ap = bench_alloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        long g = g0 + i;
        b[i] = 4 * xstar(g) - (g > 0 ? xstar(g - 1) : 0) - (g < total - 1 ? xstar(g + 1) : 0);
    }

    long done = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int s = 0; s < solves; s++) {
        for (int i = 0; i < n; i++) x[i] = 0, r[i] = b[i], p[i + 1] = b[i];
        double rr = dot(r, r, n);
        for (int it = 0; it < iters; it++, done++) {
            /* p[0] and p[n+1] are the neighbours' halo values (0 at the ends) */
            MPI_Sendrecv(p + 1, 1, MPI_DOUBLE, left, 0, p + n + 1, 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(p + n, 1, MPI_DOUBLE, right, 1, p, 1, MPI_DOUBLE, left, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            for (int i = 0; i < n; i++) ap[i] = 4 * p[i + 1] - p[i] - p[i + 2];
            double alpha = rr / dot(p + 1, ap, n);
            for (int i = 0; i < n; i++) x[i] += alpha * p[i + 1], r[i] -= alpha * ap[i];
            double rr2 = dot(r, r, n);
            if (rr2 < 1e-280) { /* converged exactly; all ranks see the same sum */
                done++;
                break;
            }
            for (int i = 0; i < n; i++) p[i + 1] = r[i] + rr2 / rr * p[i + 1];
            rr = rr2;
        }
    }
    double t = bench_max(MPI_Wtime() - t0);

    double err = 0;
    for (int i = 0; i < n; i++) err = fmax(err, fabs(x[i] - xstar(g0 + i)));
    err = bench_max(err);
    if (!(err < 1e-9)) bench_fail("cg", "max error %g after %d iterations", err, iters);
    char extra[96];
    snprintf(extra, sizeof extra, "n=%d iters=%ld allreduces=%ld", n, done, 2 * done + solves);
    bench_result("cg", -1, t / done * 1e6, "us", extra);
    MPI_Finalize();
    return 0;
}
