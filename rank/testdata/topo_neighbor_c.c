/* topo_neighbor_c.c: the large-count (_c) neighbourhood collectives, in
 * blocking, nonblocking and persistent form, on a periodic ring (MPI_Count
 * counts, MPI_Aint displacements). On a ring the sources and destinations
 * are (left, right): a process receives its left neighbour's block for the
 * right in slot 0 and its right neighbour's block for the left in slot 1.
 * Also a count that does not fit in 32 bits (MPI_ERR_COUNT). */
#include "mtest.h"

static int rank, size, left, right;
static MPI_Comm ring;

/* mode 0: blocking, 1: nonblocking, 2: persistent (started twice) */
static void run(int which, int mode) {
    int mine = 100 + rank, out[2] = {10 * rank, 10 * rank + 1}; /* out[0] goes left, out[1] right */
    int got[4];
    MPI_Count one[2] = {1, 1};
    MPI_Aint d01[2] = {0, 1}, d02[2] = {0, 2}, bytes[2] = {0, 2 * sizeof(int)}, sbytes[2] = {0, sizeof(int)};
    MPI_Datatype ints[2] = {MPI_INT, MPI_INT};
    MPI_Request req = MPI_REQUEST_NULL;
    int rounds = mode == 2 ? 2 : 1;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 4; i++)
            got[i] = -1;
        if (mode != 2 || r == 0) {
            int rc = MPI_SUCCESS;
            switch (which * 3 + mode) {
            case 0: rc = MPI_Neighbor_allgather_c(&mine, 1, MPI_INT, got, 1, MPI_INT, ring); break;
            case 1: rc = MPI_Ineighbor_allgather_c(&mine, 1, MPI_INT, got, 1, MPI_INT, ring, &req); break;
            case 2: rc = MPI_Neighbor_allgather_init_c(&mine, 1, MPI_INT, got, 1, MPI_INT, ring, MPI_INFO_NULL, &req); break;
            case 3: rc = MPI_Neighbor_allgatherv_c(&mine, 1, MPI_INT, got, one, d02, MPI_INT, ring); break;
            case 4: rc = MPI_Ineighbor_allgatherv_c(&mine, 1, MPI_INT, got, one, d02, MPI_INT, ring, &req); break;
            case 5: rc = MPI_Neighbor_allgatherv_init_c(&mine, 1, MPI_INT, got, one, d02, MPI_INT, ring, MPI_INFO_NULL, &req); break;
            case 6: rc = MPI_Neighbor_alltoall_c(out, 1, MPI_INT, got, 1, MPI_INT, ring); break;
            case 7: rc = MPI_Ineighbor_alltoall_c(out, 1, MPI_INT, got, 1, MPI_INT, ring, &req); break;
            case 8: rc = MPI_Neighbor_alltoall_init_c(out, 1, MPI_INT, got, 1, MPI_INT, ring, MPI_INFO_NULL, &req); break;
            case 9: rc = MPI_Neighbor_alltoallv_c(out, one, d01, MPI_INT, got, one, d02, MPI_INT, ring); break;
            case 10: rc = MPI_Ineighbor_alltoallv_c(out, one, d01, MPI_INT, got, one, d02, MPI_INT, ring, &req); break;
            case 11: rc = MPI_Neighbor_alltoallv_init_c(out, one, d01, MPI_INT, got, one, d02, MPI_INT, ring, MPI_INFO_NULL, &req); break;
            case 12: rc = MPI_Neighbor_alltoallw_c(out, one, sbytes, ints, got, one, bytes, ints, ring); break;
            case 13: rc = MPI_Ineighbor_alltoallw_c(out, one, sbytes, ints, got, one, bytes, ints, ring, &req); break;
            case 14: rc = MPI_Neighbor_alltoallw_init_c(out, one, sbytes, ints, got, one, bytes, ints, ring, MPI_INFO_NULL, &req); break;
            }
            CHECK(rc == MPI_SUCCESS, "function %d mode %d returned %d", which, mode, rc);
        }
        if (mode == 2)
            MPI_Start(&req);
        if (mode != 0)
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        int spread = which == 1 || which >= 3; /* v and w forms put the right block at 2 */
        int a = got[0], b = spread ? got[2] : got[1];
        int wa = which < 2 ? 100 + left : 10 * left + 1;
        int wb = which < 2 ? 100 + right : 10 * right;
        CHECK(a == wa && b == wb, "function %d mode %d round %d: got (%d, %d), want (%d, %d)", which, mode, r, a, b, wa, wb);
        if (spread)
            CHECK(got[1] == -1 && got[3] == -1, "function %d mode %d wrote outside its blocks", which, mode);
    }
    if (mode == 2)
        MPI_Request_free(&req);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int dims[1] = {size}, periods[1] = {1};
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &ring);
    MPI_Cart_shift(ring, 0, 1, &left, &right);
    for (int which = 0; which < 5; which++)
        for (int mode = 0; mode < 3; mode++)
            run(which, mode);
    MPI_Comm_set_errhandler(ring, MPI_ERRORS_RETURN);
    int x = 0, y[2];
    int rc = MPI_Neighbor_allgather_c(&x, (MPI_Count)1 << 40, MPI_INT, y, 1, MPI_INT, ring);
    int cls = -1;
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COUNT, "a 2^40 count gave class %d, want MPI_ERR_COUNT", cls);
    MPI_Comm_free(&ring);
    return mtest_finish();
}
