/* Every rank blocks in MPI_Recv from a message nobody sends, except that
 * with argument "spin" rank 0 computes forever instead. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, x;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("rank %d waiting\n", rank);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "spin") == 0 && rank == 0) {
        volatile unsigned long n = 0;
        for (;;) n++;
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Finalize();
    return 0;
}
