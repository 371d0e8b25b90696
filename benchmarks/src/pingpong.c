/* pingpong: round-trip latency and one-way bandwidth between ranks 0 and 1
 * for message sizes from 0 B to 4 MiB (or up to argv[1] bytes). Prints one
 * line per size: "pingpong <bytes> <latency_us> <bandwidth_MiB/s>", where
 * latency is half the round trip. Written once, built natively and for wasm. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0) fprintf(stderr, "pingpong needs 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    long maxbytes = argc > 1 ? atol(argv[1]) : 4L << 20;
    double budget = argc > 2 ? atof(argv[2]) : 0.2; /* seconds per size */
    char *buf = malloc(maxbytes > 0 ? maxbytes : 1);
    memset(buf, rank, maxbytes > 0 ? maxbytes : 1);
    for (long n = 0; n <= maxbytes; n = n ? n * 2 : 1) {
        if (n != 0 && n != 8 && (n & (n - 1)) == 0 && n < 8) continue;
        /* calibrate the repetition count on rank 0, share it */
        int reps = 1;
        for (;;) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            for (int i = 0; i < reps; i++) {
                if (rank == 0) {
                    MPI_Send(buf, (int)n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                    MPI_Recv(buf, (int)n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                } else if (rank == 1) {
                    MPI_Recv(buf, (int)n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(buf, (int)n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
                }
            }
            double t = MPI_Wtime() - t0;
            int done = t >= budget || reps >= (1 << 24);
            MPI_Bcast(&done, 1, MPI_INT, 0, MPI_COMM_WORLD);
            MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
            if (done) {
                if (rank == 0) {
                    double lat = t / reps / 2;
                    printf("pingpong %ld %.3f %.1f\n", n, lat * 1e6, n / lat / (1 << 20));
                    fflush(stdout);
                }
                break;
            }
            reps *= (t < budget / 20) ? 8 : 2;
        }
        if (n == 0) n = 0; /* next: 1 */
    }
    free(buf);
    MPI_Finalize();
    return 0;
}
