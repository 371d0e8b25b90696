/* err_unsupported.c: a program that uses an MPI function the runtime does
 * not provide (one-sided communication). It must be refused before any rank
 * starts, so nothing below ever prints. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    printf("err_unsupported started\n");
    MPI_Init(&argc, &argv);
    static int base[16];
    MPI_Win win;
    MPI_Win_create(base, sizeof base, sizeof base[0], MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_free(&win);
    MPI_Finalize();
    return 0;
}
