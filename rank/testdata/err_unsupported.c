/* err_unsupported.c: a program that uses an MPI function the runtime does
 * not provide (connecting to another job through a port). It must be
 * refused before any rank starts, so nothing below ever prints. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    printf("err_unsupported started\n");
    MPI_Init(&argc, &argv);
    char port[MPI_MAX_PORT_NAME];
    MPI_Open_port(MPI_INFO_NULL, port);
    MPI_Close_port(port);
    MPI_Finalize();
    return 0;
}
