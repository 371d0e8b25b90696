/* part_basic.c: partitioned communication (MPI-4). A ring where every rank
 * sends N partitions to the next and receives from the previous, over
 * several rounds of one pair of persistent requests; partitions marked in
 * reverse order, by ranges and by lists; two pairs with the same tag
 * matched in the order of their init calls; a derived datatype; Parrived;
 * the error classes. */
#include "mtest.h"

#define PARTS 8
#define COUNT 100

static int rank, size;

static void ring(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    static double out[PARTS * COUNT], in[PARTS * COUNT];
    MPI_Request sreq, rreq;
    CHECK_CLASS(MPI_Psend_init(out, PARTS, COUNT, MPI_DOUBLE, next, 7, MPI_COMM_WORLD, MPI_INFO_NULL, &sreq), MPI_SUCCESS);
    CHECK_CLASS(MPI_Precv_init(in, PARTS, COUNT, MPI_DOUBLE, prev, 7, MPI_COMM_WORLD, MPI_INFO_NULL, &rreq), MPI_SUCCESS);
    for (int round = 0; round < 4; round++) {
        MPI_Start(&rreq);
        MPI_Start(&sreq);
        int flag = 1;
        if (size > 1 && round == 0) {
            /* nothing can have arrived: the previous rank waits for us below */
            MPI_Parrived(rreq, 0, &flag);
        }
        for (int p = PARTS - 1; p >= 0; p--) {
            for (int i = 0; i < COUNT; i++)
                out[p * COUNT + i] = rank * 1e6 + round * 1e4 + p * 100 + i;
            switch (round) {
            case 0:
            case 1:
                MPI_Pready(p, sreq);
                break;
            case 2:
                if (p % 2 == 0)
                    MPI_Pready_range(p, p + 1, sreq);
                break;
            case 3:
                if (p == 0) {
                    int list[PARTS];
                    for (int k = 0; k < PARTS; k++)
                        list[k] = (k * 3) % PARTS;
                    MPI_Pready_list(PARTS, list, sreq);
                }
                break;
            }
        }
        int arrived = 0;
        while (!arrived)
            MPI_Parrived(rreq, PARTS - 1, &arrived);
        MPI_Wait(&rreq, MPI_STATUS_IGNORE);
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
        int bad = 0;
        for (int p = 0; p < PARTS; p++)
            for (int i = 0; i < COUNT; i++)
                bad += in[p * COUNT + i] != prev * 1e6 + round * 1e4 + p * 100 + i;
        CHECK(bad == 0, "round %d: %d wrong values", round, bad);
        (void)flag;
        MPI_Barrier(MPI_COMM_WORLD); /* the next round overwrites out */
    }
    MPI_Request_free(&sreq);
    MPI_Request_free(&rreq);
}

/* Two partitioned pairs with the same peer and tag match in init order,
 * whatever order their partitions become ready in. */
static void order(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int a[4], b[4], ra[4] = {0}, rb[4] = {0};
    MPI_Request s1, s2, r1, r2;
    for (int i = 0; i < 4; i++) {
        a[i] = 1000 + rank * 10 + i;
        b[i] = 2000 + rank * 10 + i;
    }
    MPI_Psend_init(a, 2, 2, MPI_INT, next, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &s1);
    MPI_Psend_init_c(b, 4, (MPI_Count)1, MPI_INT, next, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &s2);
    MPI_Precv_init(ra, 2, 2, MPI_INT, prev, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &r1);
    MPI_Precv_init_c(rb, 4, (MPI_Count)1, MPI_INT, prev, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &r2);
    MPI_Request all[4] = {r1, r2, s1, s2};
    MPI_Startall(4, all);
    MPI_Pready_range(0, 3, s2); /* the second pair's message goes first */
    MPI_Pready(1, s1);
    MPI_Pready(0, s1);
    MPI_Waitall(4, all, MPI_STATUSES_IGNORE);
    int bad = 0;
    for (int i = 0; i < 4; i++)
        bad += ra[i] != 1000 + prev * 10 + i || rb[i] != 2000 + prev * 10 + i;
    CHECK(bad == 0, "pairs matched in init order: %d wrong", bad);
    for (int i = 0; i < 4; i++)
        MPI_Request_free(&all[i]);
}

/* A strided datatype on both sides. */
static void derived(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    MPI_Datatype col;
    MPI_Type_vector(3, 1, 4, MPI_INT, &col);
    MPI_Type_commit(&col);
    int m[3][4], r[3][4];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            m[i][j] = rank * 100 + i * 4 + j;
            r[i][j] = -1;
        }
    MPI_Request s, q;
    /* two partitions of one column each: columns 0 and 1 (the vector's
     * extent is 9 ints, so the second element starts at m[2][1]... use a
     * resized type to step one column) */
    MPI_Datatype colr;
    MPI_Type_create_resized(col, 0, sizeof(int), &colr);
    MPI_Type_commit(&colr);
    MPI_Psend_init(&m[0][0], 2, 1, colr, next, 4, MPI_COMM_WORLD, MPI_INFO_NULL, &s);
    MPI_Precv_init(&r[0][0], 2, 1, colr, prev, 4, MPI_COMM_WORLD, MPI_INFO_NULL, &q);
    MPI_Start(&q);
    MPI_Start(&s);
    MPI_Pready(0, s);
    MPI_Pready(1, s);
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    int bad = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            bad += r[i][j] != (j < 2 ? prev * 100 + i * 4 + j : -1);
    CHECK(bad == 0, "strided partitions: %d wrong", bad);
    MPI_Request_free(&s);
    MPI_Request_free(&q);
    MPI_Type_free(&col);
    MPI_Type_free(&colr);
}

static void errors(void) {
    int x[4], flag;
    MPI_Request s, q, plain;
    CHECK_CLASS(MPI_Psend_init(x, 0, 1, MPI_INT, 0, 1, MPI_COMM_WORLD, MPI_INFO_NULL, &s), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Psend_init(x, 2, 2, MPI_INT, size, 1, MPI_COMM_WORLD, MPI_INFO_NULL, &s), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Precv_init(x, 2, 2, MPI_INT, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, MPI_INFO_NULL, &q), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Precv_init(x, 2, 2, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_INFO_NULL, &q), MPI_ERR_TAG);
    MPI_Psend_init(x, 2, 2, MPI_INT, rank, 99, MPI_COMM_WORLD, MPI_INFO_NULL, &s);
    MPI_Precv_init(x, 2, 2, MPI_INT, rank, 99, MPI_COMM_WORLD, MPI_INFO_NULL, &q);
    CHECK_CLASS(MPI_Pready(0, s), MPI_ERR_REQUEST);       /* not started */
    CHECK_CLASS(MPI_Parrived(q, 0, &flag), MPI_ERR_REQUEST); /* not started */
    MPI_Start(&q);
    MPI_Start(&s);
    CHECK_CLASS(MPI_Pready(2, s), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Pready_range(1, 0, s), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Pready(0, q), MPI_ERR_REQUEST);       /* a receive */
    CHECK_CLASS(MPI_Parrived(s, 0, &flag), MPI_ERR_REQUEST); /* a send */
    CHECK_CLASS(MPI_Parrived(q, 5, &flag), MPI_ERR_ARG);
    MPI_Pready(0, s);
    CHECK_CLASS(MPI_Pready(0, s), MPI_ERR_ARG);           /* twice */
    MPI_Pready(1, s);
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    MPI_Irecv(x, 1, MPI_INT, rank, 98, MPI_COMM_WORLD, &plain);
    CHECK_CLASS(MPI_Pready(0, plain), MPI_ERR_REQUEST);   /* not partitioned */
    MPI_Send(x, 1, MPI_INT, rank, 98, MPI_COMM_WORLD);
    MPI_Wait(&plain, MPI_STATUS_IGNORE);
    MPI_Request_free(&s);
    MPI_Request_free(&q);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    ring();
    order();
    derived();
    errors();
    return mtest_finish();
}
