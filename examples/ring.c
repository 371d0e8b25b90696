/* ring: a token goes around the ranks a number of times; each rank adds its
 * rank number on every pass. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int laps = argc > 1 ? atoi(argv[1]) : 3;
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;

    long token = 0;
    for (int lap = 0; lap < laps; lap++) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_LONG, next, lap, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG, prev, lap, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            printf("lap %d: token is %ld\n", lap, token);
        } else {
            MPI_Recv(&token, 1, MPI_LONG, prev, lap, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token += rank;
            MPI_Send(&token, 1, MPI_LONG, next, lap, MPI_COMM_WORLD);
        }
    }
    long expect = (long)laps * size * (size - 1) / 2;
    if (rank == 0) printf("final token %ld (expected %ld)\n", token, expect);
    MPI_Finalize();
    return rank == 0 && token != expect ? 1 : 0;
}
