/* User-defined operations in nonblocking and persistent reductions: a
 * non-commutative operation whose results spell the combining order, on a
 * predefined datatype and on a datatype with holes, completed by Wait,
 * by a Test loop and by Waitall over several outstanding reductions, in
 * place, with every root, persistent requests started several times, and
 * MPI_ERR_OP for a freed operation. */
#include "mtest.h"

#define N 4
#define MAXP 9

static int me, np;
static MPI_Datatype vec; /* ints at 0 and 2 of 3: a hole in the middle */

/* inout = in * 10 + inout, element by element: folding x0, x1, x2 in rank
 * order gives the decimal digits x0 x1 x2. */
static void digits(void *in, void *inout, int *len, MPI_Datatype *dt) {
    int *a = in, *b = inout;
    if (*dt == vec) {
        for (int j = 0; j < *len; j++) {
            b[3 * j] = a[3 * j] * 10 + b[3 * j];
            b[3 * j + 2] = a[3 * j + 2] * 10 + b[3 * j + 2];
        }
        return;
    }
    for (int i = 0; i < *len; i++) b[i] = a[i] * 10 + b[i];
}

static int v(int r, int i) { return (r + i) % 9 + 1; }

/* fold of v(r, i) over ranks lo..hi-1 */
static int want(int lo, int hi, int i) {
    int acc = 0;
    for (int r = lo; r < hi; r++) acc = acc * 10 + v(r, i);
    return acc;
}

static void complete(MPI_Request *r, int how) {
    if (how == 0) {
        MPI_Wait(r, MPI_STATUS_IGNORE);
    } else {
        int flag = 0;
        while (!flag) MPI_Test(r, &flag, MPI_STATUS_IGNORE);
    }
}

static void test_nonblocking(MPI_Op op, int how) {
    int s[N * MAXP], r[N * MAXP];
    MPI_Request q;
    for (int i = 0; i < N * np; i++) s[i] = v(me, i);

    for (int root = 0; root < np; root++) {
        memset(r, -1, sizeof r);
        MPI_Ireduce(s, r, N, MPI_INT, op, root, MPI_COMM_WORLD, &q);
        complete(&q, how);
        if (me == root)
            for (int i = 0; i < N; i++) CHECK(r[i] == want(0, np, i), "Ireduce root %d [%d] = %d", root, i, r[i]);
        else
            CHECK(r[0] == -1, "Ireduce wrote at a non-root");
    }
    memset(r, -1, sizeof r);
    MPI_Iallreduce(s, r, N, MPI_INT, op, MPI_COMM_WORLD, &q);
    complete(&q, how);
    for (int i = 0; i < N; i++) CHECK(r[i] == want(0, np, i), "Iallreduce[%d] = %d", i, r[i]);
    CHECK(r[N] == -1, "Iallreduce wrote past the count");

    memset(r, -1, sizeof r);
    MPI_Iscan(s, r, N, MPI_INT, op, MPI_COMM_WORLD, &q);
    complete(&q, how);
    for (int i = 0; i < N; i++) CHECK(r[i] == want(0, me + 1, i), "Iscan[%d] = %d", i, r[i]);

    memset(r, -1, sizeof r);
    MPI_Iexscan(s, r, N, MPI_INT, op, MPI_COMM_WORLD, &q);
    complete(&q, how);
    if (me == 0)
        CHECK(r[0] == -1, "Iexscan wrote at rank 0");
    else
        for (int i = 0; i < N; i++) CHECK(r[i] == want(0, me, i), "Iexscan[%d] = %d", i, r[i]);

    /* reduce-scatter: rank k gets k+1 elements, starting at off(k) */
    int counts[MAXP], off = 0;
    for (int k = 0; k < np; k++) {
        counts[k] = k % 3 + 1;
        if (k < me) off += counts[k];
    }
    memset(r, -1, sizeof r);
    MPI_Ireduce_scatter(s, r, counts, MPI_INT, op, MPI_COMM_WORLD, &q);
    complete(&q, how);
    for (int i = 0; i < counts[me]; i++)
        CHECK(r[i] == want(0, np, off + i), "Ireduce_scatter[%d] = %d", i, r[i]);
    CHECK(r[counts[me]] == -1, "Ireduce_scatter wrote past its block");

    memset(r, -1, sizeof r);
    MPI_Ireduce_scatter_block(s, r, 2, MPI_INT, op, MPI_COMM_WORLD, &q);
    complete(&q, how);
    for (int i = 0; i < 2; i++) CHECK(r[i] == want(0, np, 2 * me + i), "Ireduce_scatter_block[%d] = %d", i, r[i]);
}

/* in place, on the datatype with holes, several outstanding at once */
static void test_in_place_and_holes(MPI_Op op) {
    int a[3 * N], b[3 * N], c[N * MAXP];
    MPI_Request q[3];
    for (int j = 0; j < N; j++) {
        a[3 * j] = v(me, j);
        a[3 * j + 1] = -7; /* the hole: never touched */
        a[3 * j + 2] = v(me, j + 1);
        b[3 * j] = b[3 * j + 2] = -1;
        b[3 * j + 1] = -7;
    }
    for (int i = 0; i < N; i++) c[i] = v(me, i + 5);
    int d = v(me, 3);
    MPI_Iallreduce(a, b, N, vec, op, MPI_COMM_WORLD, &q[0]);
    MPI_Iallreduce(MPI_IN_PLACE, c, N, MPI_INT, op, MPI_COMM_WORLD, &q[1]);
    MPI_Iscan(MPI_IN_PLACE, &d, 1, MPI_INT, op, MPI_COMM_WORLD, &q[2]);
    MPI_Waitall(3, q, MPI_STATUSES_IGNORE);
    for (int j = 0; j < N; j++) {
        CHECK(b[3 * j] == want(0, np, j) && b[3 * j + 2] == want(0, np, j + 1), "holes: element %d = %d %d", j,
              b[3 * j], b[3 * j + 2]);
        CHECK(b[3 * j + 1] == -7, "holes: the hole of element %d was written", j);
    }
    for (int i = 0; i < N; i++) CHECK(c[i] == want(0, np, i + 5), "in place Iallreduce[%d] = %d", i, c[i]);
    CHECK(d == want(0, me + 1, 3), "in place Iscan = %d", d);

    /* Ireduce in place at the root, on the datatype with holes */
    for (int j = 0; j < N; j++) {
        a[3 * j] = v(me, j);
        a[3 * j + 2] = v(me, j + 1);
    }
    MPI_Ireduce(me == np - 1 ? MPI_IN_PLACE : a, a, N, vec, op, np - 1, MPI_COMM_WORLD, &q[0]);
    MPI_Wait(&q[0], MPI_STATUS_IGNORE);
    if (me == np - 1)
        for (int j = 0; j < N; j++)
            CHECK(a[3 * j] == want(0, np, j) && a[3 * j + 2] == want(0, np, j + 1) && a[3 * j + 1] == -7,
                  "in place Ireduce with holes, element %d", j);
}

static void test_persistent(MPI_Op op) {
    int s[N * MAXP], r[N * MAXP], counts[MAXP];
    MPI_Request q[6];
    MPI_Info in = MPI_INFO_NULL;
    for (int k = 0; k < np; k++) counts[k] = 1;
    int r1[N], r2[N], r3[N], r4[1], r5[1];
    MPI_Allreduce_init(s, r, N, MPI_INT, op, MPI_COMM_WORLD, in, &q[0]);
    MPI_Reduce_init(s, r1, N, MPI_INT, op, 0, MPI_COMM_WORLD, in, &q[1]);
    MPI_Scan_init(s, r2, N, MPI_INT, op, MPI_COMM_WORLD, in, &q[2]);
    MPI_Exscan_init(s, r3, N, MPI_INT, op, MPI_COMM_WORLD, in, &q[3]);
    MPI_Reduce_scatter_init(s, r4, counts, MPI_INT, op, MPI_COMM_WORLD, in, &q[4]);
    MPI_Reduce_scatter_block_init(s, r5, 1, MPI_INT, op, MPI_COMM_WORLD, in, &q[5]);
    for (int round = 0; round < 3; round++) {
        /* new inputs each round: rank r contributes v(r + round, i) */
        for (int i = 0; i < N * np; i++) s[i] = v(me + round, i);
        MPI_Startall(6, q);
        MPI_Waitall(6, q, MPI_STATUSES_IGNORE);
        for (int i = 0; i < N; i++) {
            int all = 0, pre = 0, ex = 0;
            for (int k = 0; k < np; k++) {
                all = all * 10 + v(k + round, i);
                if (k <= me) pre = pre * 10 + v(k + round, i);
                if (k < me) ex = ex * 10 + v(k + round, i);
            }
            CHECK(r[i] == all, "round %d Allreduce_init[%d] = %d, want %d", round, i, r[i], all);
            if (me == 0) CHECK(r1[i] == all, "round %d Reduce_init[%d] = %d", round, i, r1[i]);
            CHECK(r2[i] == pre, "round %d Scan_init[%d] = %d", round, i, r2[i]);
            if (me > 0) CHECK(r3[i] == ex, "round %d Exscan_init[%d] = %d", round, i, r3[i]);
        }
        int all = 0;
        for (int k = 0; k < np; k++) all = all * 10 + v(k + round, me);
        CHECK(r4[0] == all, "round %d Reduce_scatter_init = %d, want %d", round, r4[0], all);
        CHECK(r5[0] == all, "round %d Reduce_scatter_block_init = %d, want %d", round, r5[0], all);
    }
    for (int i = 0; i < 6; i++) MPI_Request_free(&q[i]);
}

static void test_errors(void) {
    MPI_Op dead;
    MPI_Request q;
    int x = 1, y = 0;
    MPI_Op_create(digits, 0, &dead);
    MPI_Op_free(&dead);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Iallreduce(&x, &y, 1, MPI_INT, dead, MPI_COMM_WORLD, &q), MPI_ERR_OP);
    CHECK_CLASS(MPI_Reduce_scatter_block_init(&x, &y, 1, MPI_INT, dead, MPI_COMM_WORLD, MPI_INFO_NULL, &q), MPI_ERR_OP);
    CHECK_CLASS(MPI_Ireduce(&x, &y, 1, MPI_INT, dead, np, MPI_COMM_WORLD, &q), MPI_ERR_ROOT);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Op op;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np > 8) {
        printf("at most 8 ranks (the results are decimal digits)\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Type_vector(2, 1, 2, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    MPI_Op_create(digits, 0, &op);
    test_nonblocking(op, 0);
    test_nonblocking(op, 1);
    test_in_place_and_holes(op);
    test_persistent(op);
    test_errors();
    MPI_Op_free(&op);
    MPI_Type_free(&vec);
    return mtest_finish();
}
