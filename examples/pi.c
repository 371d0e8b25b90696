/* pi: integrate 4/(1+x^2) over [0,1] with the midpoint rule; each rank takes
 * every size-th interval and MPI_Reduce sums the parts on rank 0. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? atol(argv[1]) : 10000000;
    double h = 1.0 / (double)n, local = 0.0;
    double t0 = MPI_Wtime();
    for (long i = rank; i < n; i += size) {
        double x = h * ((double)i + 0.5);
        local += 4.0 / (1.0 + x * x);
    }
    local *= h;

    double pi = 0.0;
    MPI_Reduce(&local, &pi, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("pi is approximately %.12f, error %.3e\n", pi, fabs(pi - M_PI));
        printf("%ld intervals on %d ranks in %.3f s\n", n, size, MPI_Wtime() - t0);
    }
    MPI_Finalize();
    return rank == 0 && fabs(pi - M_PI) >= 1e-6 ? 1 : 0;
}
