/* mprobe_basic.c: matched probes (MPI_Mprobe, MPI_Improbe, MPI_Mrecv,
 * MPI_Imrecv). A matched message leaves the matching queue: no other probe
 * or receive can take it, and every message is consumed exactly once even
 * when messages of several ranks compete for MPI_ANY_SOURCE. Also
 * MPI_PROC_NULL (MPI_MESSAGE_NO_PROC), large (rendezvous) messages,
 * truncation and derived datatypes. */
#include "mtest.h"

static int rank, size;

/* Every other rank sends per messages to rank 0 with tag 5; rank 0 takes
 * them with Mprobe(ANY_SOURCE), and between the probe and the Mrecv posts
 * an Irecv(ANY_SOURCE, 5) that must get a different message. */
static void compete(void) {
    const int per = 20;
    if (rank != 0) {
        for (int k = 0; k < per; k++) {
            int v = rank * 1000 + k;
            MPI_Send(&v, 1, MPI_INT, 0, 5, MPI_COMM_WORLD);
        }
        return;
    }
    int total = (size - 1) * per;
    int *seen = calloc(size * per, sizeof(int));
    int *next = calloc(size, sizeof(int));
    int bad = 0, got = 0;
    while (got < total) {
        MPI_Message msg = MPI_MESSAGE_NULL;
        MPI_Status st;
        MPI_Mprobe(MPI_ANY_SOURCE, 5, MPI_COMM_WORLD, &msg, &st);
        CHECK(msg != MPI_MESSAGE_NULL && msg != MPI_MESSAGE_NO_PROC, "Mprobe returned handle %ld", (long)msg);
        int src = st.MPI_SOURCE;
        int v = -1, w = -1;
        MPI_Request r = MPI_REQUEST_NULL;
        if (got + 1 < total) MPI_Irecv(&w, 1, MPI_INT, MPI_ANY_SOURCE, 5, MPI_COMM_WORLD, &r);
        MPI_Status st2;
        MPI_Mrecv(&v, 1, MPI_INT, &msg, &st2);
        CHECK(msg == MPI_MESSAGE_NULL, "Mrecv left the message handle");
        CHECK(st2.MPI_SOURCE == src && st2.MPI_TAG == 5, "Mrecv status source %d tag %d, probe said %d",
              st2.MPI_SOURCE, st2.MPI_TAG, src);
        if (src < 1 || src >= size || v != src * 1000 + next[src]) bad++;
        else {
            seen[src * per + next[src]]++;
            next[src]++;
        }
        got++;
        if (r != MPI_REQUEST_NULL) {
            MPI_Status st3;
            MPI_Wait(&r, &st3);
            int s3 = st3.MPI_SOURCE;
            if (s3 < 1 || s3 >= size || w != s3 * 1000 + next[s3]) bad++;
            else {
                seen[s3 * per + next[s3]]++;
                next[s3]++;
            }
            got++;
        }
    }
    CHECK(bad == 0, "competing matched probes: %d messages out of order or wrong", bad);
    int dup = 0;
    for (int s = 1; s < size; s++)
        for (int k = 0; k < per; k++)
            if (seen[s * per + k] != 1) dup++;
    CHECK(dup == 0, "%d messages not consumed exactly once", dup);
    int flag = 1;
    MPI_Iprobe(MPI_ANY_SOURCE, 5, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 0, "a message is left over");
    free(seen);
    free(next);
}

/* Improbe says 0 until the message is sent (the sender waits for a go
 * message), then 1; Imrecv completes the receive. */
static void improbe_flag(void) {
    if (size < 2) return;
    int last = size - 1;
    if (rank == 0) {
        int flag = -1;
        MPI_Message msg = MPI_MESSAGE_NULL;
        MPI_Status st;
        MPI_Improbe(last, 6, MPI_COMM_WORLD, &flag, &msg, &st);
        CHECK(flag == 0, "Improbe before the send: flag %d", flag);
        CHECK(msg == MPI_MESSAGE_NULL, "Improbe with flag 0 changed the message to %ld", (long)msg);
        MPI_Send(NULL, 0, MPI_INT, last, 7, MPI_COMM_WORLD);
        int polls = 0;
        while (!flag) {
            MPI_Improbe(last, 6, MPI_COMM_WORLD, &flag, &msg, &st);
            polls++;
        }
        CHECK(st.MPI_SOURCE == last && st.MPI_TAG == 6, "Improbe status source %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
        int n = -1;
        MPI_Get_count(&st, MPI_INT, &n);
        CHECK(n == 4, "Improbe count %d", n);
        /* The matched message is gone from the queue. */
        int f2 = 1;
        MPI_Iprobe(last, 6, MPI_COMM_WORLD, &f2, MPI_STATUS_IGNORE);
        CHECK(f2 == 0, "a matched message is still visible to Iprobe");
        int buf[4] = {0};
        MPI_Request req;
        MPI_Imrecv(buf, 4, MPI_INT, &msg, &req);
        CHECK(msg == MPI_MESSAGE_NULL, "Imrecv left the message handle");
        MPI_Wait(&req, &st);
        CHECK(req == MPI_REQUEST_NULL, "Wait left the Imrecv request");
        CHECK(st.MPI_SOURCE == last && st.MPI_TAG == 6, "Imrecv status source %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
        CHECK(buf[0] == 1 && buf[1] == 2 && buf[2] == 3 && buf[3] == 4, "Imrecv data %d %d %d %d", buf[0], buf[1], buf[2], buf[3]);
    } else if (rank == last) {
        int data[4] = {1, 2, 3, 4};
        MPI_Recv(NULL, 0, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(data, 4, MPI_INT, 0, 6, MPI_COMM_WORLD);
    }
}

static void proc_null(void) {
    MPI_Message msg = MPI_MESSAGE_NULL;
    MPI_Status st;
    MPI_Mprobe(MPI_PROC_NULL, 3, MPI_COMM_WORLD, &msg, &st);
    CHECK(msg == MPI_MESSAGE_NO_PROC, "Mprobe(PROC_NULL) gave %ld", (long)msg);
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG, "Mprobe(PROC_NULL) status %d %d", st.MPI_SOURCE, st.MPI_TAG);
    int v = 42;
    MPI_Mrecv(&v, 1, MPI_INT, &msg, &st);
    int n = -1;
    MPI_Get_count(&st, MPI_INT, &n);
    CHECK(msg == MPI_MESSAGE_NULL && v == 42 && st.MPI_SOURCE == MPI_PROC_NULL && n == 0,
          "Mrecv(NO_PROC): msg %ld v %d source %d count %d", (long)msg, v, st.MPI_SOURCE, n);
    int flag = 0;
    MPI_Improbe(MPI_PROC_NULL, 3, MPI_COMM_WORLD, &flag, &msg, &st);
    CHECK(flag == 1 && msg == MPI_MESSAGE_NO_PROC, "Improbe(PROC_NULL): flag %d msg %ld", flag, (long)msg);
    MPI_Request req;
    MPI_Imrecv(&v, 1, MPI_INT, &msg, &req);
    MPI_Wait(&req, &st);
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL && v == 42, "Imrecv(NO_PROC): source %d v %d", st.MPI_SOURCE, v);
}

/* A message beyond the eager limit, to itself and around a ring: the
 * sender completes only once Mrecv has taken the data. */
static void large(void) {
    const int n = 50000;
    int *sb = malloc(n * sizeof(int)), *rb = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) sb[i] = rank * 7 + i;
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    MPI_Request sreq;
    MPI_Isend(sb, n, MPI_INT, next, 11, MPI_COMM_WORLD, &sreq);
    MPI_Message msg;
    MPI_Status st;
    MPI_Mprobe(prev, 11, MPI_COMM_WORLD, &msg, &st);
    int cnt = -1;
    MPI_Get_count(&st, MPI_INT, &cnt);
    CHECK(cnt == n, "large Mprobe count %d", cnt);
    MPI_Mrecv(rb, n, MPI_INT, &msg, MPI_STATUS_IGNORE);
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (rb[i] != prev * 7 + i) bad++;
    CHECK(bad == 0, "large Mrecv: %d wrong values", bad);
    free(sb);
    free(rb);
}

/* A strided receive type and a truncated receive. */
static void derived_and_truncate(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    MPI_Datatype vec;
    MPI_Type_vector(3, 1, 2, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    int sb[3] = {rank, rank + 10, rank + 20}, rb[6] = {-1, -1, -1, -1, -1, -1};
    MPI_Request sreq;
    MPI_Isend(sb, 3, MPI_INT, next, 12, MPI_COMM_WORLD, &sreq);
    MPI_Message msg;
    MPI_Mprobe(prev, 12, MPI_COMM_WORLD, &msg, MPI_STATUS_IGNORE);
    MPI_Mrecv(rb, 1, vec, &msg, MPI_STATUS_IGNORE);
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    CHECK(rb[0] == prev && rb[1] == -1 && rb[2] == prev + 10 && rb[3] == -1 && rb[4] == prev + 20 && rb[5] == -1,
          "strided Mrecv: %d %d %d %d %d %d", rb[0], rb[1], rb[2], rb[3], rb[4], rb[5]);
    MPI_Type_free(&vec);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Isend(sb, 3, MPI_INT, next, 13, MPI_COMM_WORLD, &sreq);
    MPI_Mprobe(prev, 13, MPI_COMM_WORLD, &msg, MPI_STATUS_IGNORE);
    int small[2] = {0, 0};
    int rc = MPI_Mrecv(small, 2, MPI_INT, &msg, MPI_STATUS_IGNORE);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    CHECK(small[0] == prev && small[1] == prev + 10, "truncated Mrecv: %d %d", small[0], small[1]);
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    msg = MPI_MESSAGE_NULL;
    rc = MPI_Mrecv(small, 2, MPI_INT, &msg, MPI_STATUS_IGNORE);
    CHECK(rc != MPI_SUCCESS, "Mrecv of MPI_MESSAGE_NULL succeeded");
    /* A message handle is not a request and the other way round. */
    int one = 1;
    MPI_Isend(&one, 1, MPI_INT, rank, 14, MPI_COMM_WORLD, &sreq);
    MPI_Mprobe(rank, 14, MPI_COMM_WORLD, &msg, MPI_STATUS_IGNORE);
    MPI_Request fake = (MPI_Request)msg;
    rc = MPI_Wait(&fake, MPI_STATUS_IGNORE);
    CHECK_CLASS(rc, MPI_ERR_REQUEST);
    MPI_Message fakemsg = (MPI_Message)sreq;
    rc = MPI_Mrecv(small, 1, MPI_INT, &fakemsg, MPI_STATUS_IGNORE);
    CHECK(rc != MPI_SUCCESS, "Mrecv of a request handle succeeded");
    MPI_Mrecv(small, 1, MPI_INT, &msg, MPI_STATUS_IGNORE);
    CHECK(small[0] == 1, "self Mrecv: %d", small[0]);
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    compete();
    MPI_Barrier(MPI_COMM_WORLD);
    improbe_flag();
    proc_null();
    large();
    derived_and_truncate();
    return mtest_finish();
}
