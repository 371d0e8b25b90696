/* Prints the named environment variables and the working directory listing
 * check, one per line, from every rank. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int i = 1; i < argc; i++) {
        const char *v = getenv(argv[i]);
        printf("%s=%s\n", argv[i], v ? v : "(unset)");
    }
    FILE *f = fopen("marker.txt", "r");
    if (f) {
        char line[128] = {0};
        if (fgets(line, sizeof line, f)) printf("marker: %s", line);
        fclose(f);
    }
    MPI_Finalize();
    return 0;
}
