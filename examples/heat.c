/* heat: 2-D heat equation (Jacobi iteration) on an N x N grid split into
 * horizontal strips, one per rank. Each step exchanges halo rows with the
 * neighbours using MPI_Isend/MPI_Irecv/MPI_Waitall and checks convergence
 * with MPI_Allreduce. The top edge is held at 100 degrees, the rest at 0. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    int n = argc > 1 ? atoi(argv[1]) : 128;          /* interior points per side */
    int maxiter = argc > 2 ? atoi(argv[2]) : 20000;
    double tol = 1e-4;
    if (n < size) {
        if (rank == 0) fprintf(stderr, "grid %d is smaller than %d ranks\n", n, size);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    /* rows owned by this rank: [first, first+rows) of the n interior rows */
    int rows = n / size + (rank < n % size);
    int w = n + 2;                                    /* with boundary columns */
    double *u = calloc((size_t)(rows + 2) * w, sizeof *u);
    double *v = calloc((size_t)(rows + 2) * w, sizeof *v);
    if (rank == 0)
        for (int j = 0; j < w; j++) u[j] = v[j] = 100.0; /* hot top edge */
    int up = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    int down = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;

    double t0 = MPI_Wtime(), diff = 0;
    int iter;
    for (iter = 1; iter <= maxiter; iter++) {
        MPI_Request req[4];
        MPI_Irecv(&u[0], w, MPI_DOUBLE, up, 0, MPI_COMM_WORLD, &req[0]);
        MPI_Irecv(&u[(rows + 1) * w], w, MPI_DOUBLE, down, 1, MPI_COMM_WORLD, &req[1]);
        MPI_Isend(&u[1 * w], w, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, &req[2]);
        MPI_Isend(&u[rows * w], w, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, &req[3]);
        MPI_Waitall(4, req, MPI_STATUSES_IGNORE);
        if (rank == 0)
            for (int j = 0; j < w; j++) u[j] = 100.0;

        double local = 0;
        for (int i = 1; i <= rows; i++)
            for (int j = 1; j <= n; j++) {
                double x = 0.25 * (u[(i - 1) * w + j] + u[(i + 1) * w + j] + u[i * w + j - 1] + u[i * w + j + 1]);
                double d = fabs(x - u[i * w + j]);
                if (d > local) local = d;
                v[i * w + j] = x;
            }
        double *t = u; u = v; v = t;
        MPI_Allreduce(&local, &diff, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (diff < tol) break;
    }

    double sum = 0, total = 0;
    for (int i = 1; i <= rows; i++)
        for (int j = 1; j <= n; j++) sum += u[i * w + j];
    MPI_Reduce(&sum, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%dx%d grid on %d ranks: %d iterations, last change %.2e, mean temperature %.6f, %.3f s\n",
               n, n, size, iter > maxiter ? maxiter : iter, diff, total / ((double)n * n), MPI_Wtime() - t0);
    free(u);
    free(v);
    MPI_Finalize();
    return 0;
}
