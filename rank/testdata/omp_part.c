/* Partitioned communication from OpenMP threads: every thread fills and
 * marks its own partitions of the send (MPI_THREAD_MULTIPLE), the message
 * leaves when the last one is ready, over several rounds. */
#include <omp.h>
#include "mtest.h"

#define PARTS 16
#define COUNT 64

int main(int argc, char **argv) {
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d", provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    static long out[PARTS * COUNT], in[PARTS * COUNT];
    MPI_Request s, r;
    MPI_Psend_init(out, PARTS, COUNT, MPI_LONG, next, 1, MPI_COMM_WORLD, MPI_INFO_NULL, &s);
    MPI_Precv_init(in, PARTS, COUNT, MPI_LONG, prev, 1, MPI_COMM_WORLD, MPI_INFO_NULL, &r);
    for (int round = 0; round < 5; round++) {
        MPI_Start(&r);
        MPI_Start(&s);
#pragma omp parallel for schedule(dynamic, 1)
        for (int p = 0; p < PARTS; p++) {
            for (int i = 0; i < COUNT; i++)
                out[p * COUNT + i] = 1000000L * rank + 1000L * round + p * COUNT + i;
            MPI_Pready(p, s);
        }
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        int bad = 0;
        for (int k = 0; k < PARTS * COUNT; k++)
            bad += in[k] != 1000000L * prev + 1000L * round + k;
        CHECK(bad == 0, "round %d: %d wrong", round, bad);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Request_free(&s);
    MPI_Request_free(&r);
    return mtest_finish();
}
