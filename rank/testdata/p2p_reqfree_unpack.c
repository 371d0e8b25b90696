/* MPI_Request_free on receives whose datatype is not contiguous: the data
 * must still land in the receive buffer once the receive completes, with
 * the request freed before the message was sent (rank 1 waits for a
 * barrier first), after it arrived, and for an active persistent receive.
 * Freeing the request of a nonblocking collective is erroneous and is
 * reported. Run with 2 processes. */
#include "mtest.h"

#define N 6

static void fill(int *v, int base) {
    for (int i = 0; i < N; i++) v[i] = base + i;
}

/* check looks at the even slots (the vector's elements) and the odd ones
 * (the gaps, which must keep their sentinel). */
static void check(const int *buf, int base, const char *what) {
    for (int i = 0; i < N; i++) {
        CHECK(buf[2 * i] == base + i, "%s: element %d is %d, want %d", what, i, buf[2 * i], base + i);
        CHECK(buf[2 * i + 1] == -1, "%s: gap %d was overwritten with %d", what, i, buf[2 * i + 1]);
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2) {
        if (rank == 0) printf("needs 2 processes\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    MPI_Datatype strided;
    MPI_Type_vector(N, 1, 2, MPI_INT, &strided);
    MPI_Type_commit(&strided);

    int out[N];
    int in[3][2 * N];
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 2 * N; i++) in[k][i] = -1;

    if (rank == 1) {
        MPI_Request r;
        /* freed before the message exists */
        MPI_Irecv(in[0], 1, strided, 0, 1, MPI_COMM_WORLD, &r);
        MPI_Request_free(&r);
        CHECK(r == MPI_REQUEST_NULL, "Request_free did not reset the handle");
        /* a persistent receive, started and freed while active */
        MPI_Request p;
        MPI_Recv_init(in[2], 1, strided, 0, 3, MPI_COMM_WORLD, &p);
        MPI_Start(&p);
        MPI_Request_free(&p);
        MPI_Barrier(MPI_COMM_WORLD); /* rank 0 sends tags 1, 2 and 3 now */
        /* freed after the message is here */
        MPI_Irecv(in[1], 1, strided, 0, 2, MPI_COMM_WORLD, &r);
        int dummy;
        MPI_Recv(&dummy, 1, MPI_INT, 0, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Request_free(&r);
        /* rank 0's tag 5 is sent after tags 1-3 and the non-overtaking rule
         * makes this receive match only after theirs */
        MPI_Recv(&dummy, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
        check(in[0], 100, "freed before the send");
        check(in[1], 200, "freed after the arrival");
        check(in[2], 300, "freed persistent receive");
    } else {
        MPI_Barrier(MPI_COMM_WORLD);
        fill(out, 100);
        MPI_Send(out, N, MPI_INT, 1, 1, MPI_COMM_WORLD);
        fill(out, 200);
        MPI_Send(out, N, MPI_INT, 1, 2, MPI_COMM_WORLD);
        fill(out, 300);
        MPI_Send(out, N, MPI_INT, 1, 3, MPI_COMM_WORLD);
        int zero = 0;
        MPI_Send(&zero, 1, MPI_INT, 1, 4, MPI_COMM_WORLD);
        MPI_Send(&zero, 1, MPI_INT, 1, 5, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
    }

    /* a nonblocking collective's request cannot be freed: its strided
     * receive buffer is unpacked by the call that completes it */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Datatype two;
    MPI_Type_vector(2, 1, 2, MPI_INT, &two);
    MPI_Type_commit(&two);
    int mine[3] = {10 + rank, -1, 20 + rank}, all[6] = {-1, -1, -1, -1, -1, -1};
    MPI_Request cr;
    MPI_Iallgather(mine, 1, two, all, 1, two, MPI_COMM_WORLD, &cr);
    int rc = MPI_Request_free(&cr);
    CHECK_CLASS(rc, MPI_ERR_REQUEST);
    CHECK(cr != MPI_REQUEST_NULL, "a refused Request_free reset the handle");
    MPI_Wait(&cr, MPI_STATUS_IGNORE);
    CHECK(all[0] == 10 && all[2] == 20 && all[3] == 11 && all[5] == 21 && all[1] == -1 && all[4] == -1,
          "allgather gave %d %d %d %d %d %d", all[0], all[1], all[2], all[3], all[4], all[5]);
    MPI_Type_free(&two);
    MPI_Type_free(&strided);
    return mtest_finish();
}
