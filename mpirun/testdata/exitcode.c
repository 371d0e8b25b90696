/* Rank given by argv[1] exits with status argv[2]; with "abort" as argv[2]
 * it calls MPI_Abort(MPI_COMM_WORLD, 42) instead. Others wait in a barrier. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (argc > 2 && rank == atoi(argv[1])) {
        if (strcmp(argv[2], "abort") == 0) MPI_Abort(MPI_COMM_WORLD, 42);
        exit(atoi(argv[2]));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
