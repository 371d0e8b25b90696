/* hello: the startup benchmark. Every rank says hello to rank 0 with one
 * MPI_Reduce of its rank number; rank 0 checks the sum and prints one line.
 * The harness times the whole mpirun command, so this measures launching,
 * MPI_Init, one collective and MPI_Finalize at the given rank count. */
#include "bench.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    long sum = 0, me = rank;
    MPI_Reduce(&me, &sum, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        if (sum != (long)np * (np - 1) / 2) bench_fail("hello", "rank sum %ld, want %ld", sum, (long)np * (np - 1) / 2);
        printf("hello from %d ranks\n", np);
    }
    MPI_Finalize();
    return 0;
}
