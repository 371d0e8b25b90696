/* stall.c: programs for the deadlock warning (Config.StallWarning).
 *   deadlock  rank 0 receives a message nobody sends, the others wait in
 *             a barrier rank 0 never reaches
 *   compute   rank 1 computes for SECONDS while the others wait for it
 *   busy      ranks 0 and 1 ping-pong for SECONDS, the others wait
 * Argument 2: SECONDS (default 1.5). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size, x = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *mode = argc > 1 ? argv[1] : "deadlock";
    double secs = argc > 2 ? atof(argv[2]) : 1.5;
    if (strcmp(mode, "deadlock") == 0) {
        if (rank == 0)
            MPI_Recv(&x, 1, MPI_INT, 1, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (strcmp(mode, "compute") == 0) {
        if (rank == 1) {
            double t0 = MPI_Wtime();
            volatile double s = 0;
            while (MPI_Wtime() - t0 < secs)
                for (int i = 0; i < 100000; i++) s += i;
        }
        MPI_Bcast(&x, 1, MPI_INT, 1, MPI_COMM_WORLD);
    } else if (strcmp(mode, "busy") == 0) {
        double t0 = MPI_Wtime();
        int go = 1;
        while (go) {
            if (rank == 0) {
                go = MPI_Wtime() - t0 < secs;
                MPI_Send(&go, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(&x, 1, MPI_INT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(&go, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
            } else {
                break;
            }
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    if (rank == 0)
        printf("No Errors\n");
    MPI_Finalize();
    return 0;
}
