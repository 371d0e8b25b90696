/* isendrecv.c: MPI_Isendrecv and MPI_Isendrecv_replace (and their _c
 * forms) around a ring, with the receive's status, a derived datatype,
 * large (rendezvous) messages, completion by Test, MPI_PROC_NULL, and the
 * order of messages against a following MPI_Send with the same tag. */
#include <stdlib.h>
#include "mtest.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;

    int s = 100 + rank, r = -1;
    MPI_Request q;
    MPI_Status st;
    CHECK_CLASS(MPI_Isendrecv(&s, 1, MPI_INT, next, 5, &r, 1, MPI_INT, prev, 5, MPI_COMM_WORLD, &q), MPI_SUCCESS);
    MPI_Wait(&q, &st);
    int n = -1;
    MPI_Get_count(&st, MPI_INT, &n);
    CHECK(r == 100 + prev && st.MPI_SOURCE == prev && st.MPI_TAG == 5 && n == 1 && q == MPI_REQUEST_NULL,
          "ring: got %d from %d tag %d count %d", r, st.MPI_SOURCE, st.MPI_TAG, n);

    /* large messages (rendezvous) completed by a Test loop */
    int big = 1 << 18;
    double *a = malloc(big * sizeof(double)), *b = malloc(big * sizeof(double));
    for (int i = 0; i < big; i++) {
        a[i] = rank * 1e7 + i;
        b[i] = -1;
    }
    MPI_Isendrecv(a, big, MPI_DOUBLE, next, 6, b, big, MPI_DOUBLE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &q);
    int flag = 0;
    while (!flag)
        MPI_Test(&q, &flag, &st);
    int bad = 0;
    for (int i = 0; i < big; i++)
        bad += b[i] != prev * 1e7 + i;
    CHECK(bad == 0 && st.MPI_SOURCE == prev && st.MPI_TAG == 6, "large: %d wrong, source %d", bad, st.MPI_SOURCE);

    /* replace, with a strided datatype: every other int of buf */
    int buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = rank * 10 + i;
    MPI_Datatype every2;
    MPI_Type_vector(4, 1, 2, MPI_INT, &every2);
    MPI_Type_commit(&every2);
    MPI_Isendrecv_replace(buf, 1, every2, next, 7, prev, 7, MPI_COMM_WORLD, &q);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    bad = 0;
    for (int i = 0; i < 8; i++)
        bad += buf[i] != (i % 2 == 0 ? prev * 10 + i : rank * 10 + i);
    CHECK(bad == 0, "replace with a vector type: %d wrong", bad);
    MPI_Type_free(&every2);

    /* _c forms and MPI_PROC_NULL on one side */
    s = 7;
    r = -1;
    MPI_Isendrecv_c(&s, (MPI_Count)1, MPI_INT, MPI_PROC_NULL, 8, &r, (MPI_Count)1, MPI_INT, MPI_PROC_NULL, 8,
                    MPI_COMM_WORLD, &q);
    MPI_Wait(&q, &st);
    CHECK(r == -1 && st.MPI_SOURCE == MPI_PROC_NULL, "PROC_NULL: r %d source %d", r, st.MPI_SOURCE);
    int v = rank;
    MPI_Isendrecv_replace_c(&v, (MPI_Count)1, MPI_INT, next, 9, prev, 9, MPI_COMM_WORLD, &q);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    CHECK(v == prev, "replace_c: %d", v);

    /* the pair's send comes before a later MPI_Send with the same tag */
    int first = 1, second = 2, x = 0, y = 0;
    MPI_Request rq;
    MPI_Irecv(&x, 1, MPI_INT, prev, 10, MPI_COMM_WORLD, &rq);
    MPI_Isendrecv(&first, 1, MPI_INT, next, 10, &y, 1, MPI_INT, prev, 11, MPI_COMM_WORLD, &q);
    MPI_Send(&second, 1, MPI_INT, next, 11, MPI_COMM_WORLD);
    MPI_Wait(&rq, MPI_STATUS_IGNORE);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    CHECK(x == 1 && y == 2, "order: %d %d", x, y);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Isendrecv(&s, 1, MPI_INT, size, 0, &r, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, &q), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Isendrecv(&s, 1, MPI_INT, next, -5, &r, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, &q), MPI_ERR_TAG);
    free(a);
    free(b);
    return mtest_finish();
}
