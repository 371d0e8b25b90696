/* Collectives on an intercommunicator between two groups of different
 * sizes (world ranks [0, a) and [a, np)), in blocking, nonblocking and
 * persistent forms: the rooted ones with MPI_ROOT / MPI_PROC_NULL and
 * roots in both groups, the all-to-all ones exchanging between the groups,
 * reductions with a predefined and with a non-commutative user-defined
 * operation, large-count variants, and the errors: MPI_Scan/MPI_Exscan
 * (MPI_ERR_COMM), invalid roots (MPI_ERR_ROOT), MPI_IN_PLACE
 * (MPI_ERR_BUFFER). Needs 2 or more ranks (with one it checks nothing). */
#include "mtest.h"

#define K 3
#define MAXP 16

static int wrank, np, a;          /* world rank, size, size of group 0 */
static int color, lrank, lsize, rsize;
static MPI_Comm inter;

/* world rank of rank i of group g */
static int gw(int g, int i) { return g == 0 ? i : a + i; }
static int val(int w, int i) { return w * 100 + i; }
static int vcount(int r) { return r % 3 + 1; }
/* what world rank s sends to world rank d, element i (all-to-all) */
static int code(int s, int d, int i) { return (s * 64 + d) * 4 + i; }
/* a digit for the user-defined operation */
static int dig(int j, int i) { return (j + i) % 9 + 1; }

#define RUN(form, blocking, nonblocking, persistent)                    \
    do {                                                                \
        MPI_Request r_;                                                 \
        if ((form) == 0) {                                              \
            CHECK((blocking) == MPI_SUCCESS, "blocking call");          \
        } else if ((form) == 1) {                                       \
            CHECK((nonblocking) == MPI_SUCCESS, "nonblocking call");    \
            MPI_Wait(&r_, MPI_STATUS_IGNORE);                           \
        } else {                                                        \
            CHECK((persistent) == MPI_SUCCESS, "persistent init");      \
            for (int k_ = 0; k_ < 2; k_++) {                            \
                MPI_Start(&r_);                                         \
                MPI_Wait(&r_, MPI_STATUS_IGNORE);                       \
            }                                                           \
            MPI_Request_free(&r_);                                      \
        }                                                               \
    } while (0)

/* inout = in * 10 + inout: the digits spell the order of combination */
static void digits(void *in, void *inout, int *len, MPI_Datatype *dt) {
    (void)dt;
    for (int i = 0; i < *len; i++) ((int *)inout)[i] = ((int *)in)[i] * 10 + ((int *)inout)[i];
}

/* the root argument in a rooted collective whose root is rank rr of
 * group g */
static int rootarg(int g, int rr) {
    if (color != g) return rr;
    return lrank == rr ? MPI_ROOT : MPI_PROC_NULL;
}

static void test_rooted(int form, int g) {
    MPI_Info in = MPI_INFO_NULL;
    int other = 1 - g;
    int gsize = g == color ? lsize : rsize;
    int rr = gsize - 1; /* the last rank of group g is the root */
    int root = rootarg(g, rr);
    int isroot = root == MPI_ROOT, idle = root == MPI_PROC_NULL;
    int sb[K * MAXP], rb[K * MAXP + MAXP];
    MPI_Count dummy_c = 0;
    (void)dummy_c;

    /* Bcast */
    for (int i = 0; i < K; i++) rb[i] = isroot ? val(wrank, i) : -1;
    RUN(form, MPI_Bcast(rb, K, MPI_INT, root, inter), MPI_Ibcast(rb, K, MPI_INT, root, inter, &r_),
        MPI_Bcast_init(rb, K, MPI_INT, root, inter, in, &r_));
    for (int i = 0; i < K; i++) {
        int want = idle ? -1 : val(gw(g, rr), i);
        CHECK(rb[i] == want, "form %d group %d Bcast[%d] = %d, want %d", form, g, i, rb[i], want);
    }

    /* Gather / Gatherv: the other group's contributions at the root */
    for (int i = 0; i < K; i++) sb[i] = val(wrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Gather(sb, K, MPI_INT, rb, K, MPI_INT, root, inter),
        MPI_Igather(sb, K, MPI_INT, rb, K, MPI_INT, root, inter, &r_),
        MPI_Gather_init(sb, K, MPI_INT, rb, K, MPI_INT, root, inter, in, &r_));
    if (isroot)
        for (int j = 0; j < rsize; j++)
            for (int i = 0; i < K; i++)
                CHECK(rb[j * K + i] == val(gw(other, j), i), "form %d Gather from %d", form, j);
    if (idle) CHECK(rb[0] == -1, "Gather wrote at an idle rank");
    int counts[MAXP], displs[MAXP], pos = 0;
    for (int j = rsize - 1; j >= 0; j--) {
        counts[j] = vcount(j);
        displs[j] = pos;
        pos += vcount(j) + 1;
    }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Gatherv(sb, vcount(lrank), MPI_INT, rb, counts, displs, MPI_INT, root, inter),
        MPI_Igatherv(sb, vcount(lrank), MPI_INT, rb, counts, displs, MPI_INT, root, inter, &r_),
        MPI_Gatherv_init(sb, vcount(lrank), MPI_INT, rb, counts, displs, MPI_INT, root, inter, in, &r_));
    if (isroot)
        for (int j = 0; j < rsize; j++) {
            for (int i = 0; i < vcount(j); i++)
                CHECK(rb[displs[j] + i] == val(gw(other, j), i), "form %d Gatherv from %d", form, j);
            CHECK(rb[displs[j] + vcount(j)] == -1, "form %d Gatherv gap", form);
        }

    /* Scatter / Scatterv: block j to rank j of the other group */
    for (int j = 0; j < rsize; j++)
        for (int i = 0; i < K; i++) sb[j * K + i] = val(gw(other, j), i) + 7;
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Scatter(sb, K, MPI_INT, rb, K, MPI_INT, root, inter),
        MPI_Iscatter(sb, K, MPI_INT, rb, K, MPI_INT, root, inter, &r_),
        MPI_Scatter_init(sb, K, MPI_INT, rb, K, MPI_INT, root, inter, in, &r_));
    if (color == other)
        for (int i = 0; i < K; i++) CHECK(rb[i] == val(wrank, i) + 7, "form %d Scatter[%d] = %d", form, i, rb[i]);
    else
        CHECK(rb[0] == -1, "Scatter wrote in the root's group");
    int src[K * MAXP + MAXP];
    for (int j = 0; j < rsize; j++)
        for (int i = 0; i < vcount(j); i++) src[displs[j] + i] = val(gw(other, j), i) + 9;
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Scatterv(src, counts, displs, MPI_INT, rb, vcount(lrank), MPI_INT, root, inter),
        MPI_Iscatterv(src, counts, displs, MPI_INT, rb, vcount(lrank), MPI_INT, root, inter, &r_),
        MPI_Scatterv_init(src, counts, displs, MPI_INT, rb, vcount(lrank), MPI_INT, root, inter, in, &r_));
    if (color == other) {
        for (int i = 0; i < vcount(lrank); i++) CHECK(rb[i] == val(wrank, i) + 9, "form %d Scatterv", form);
        CHECK(rb[vcount(lrank)] == -1, "form %d Scatterv wrote too much", form);
    }

    /* Reduce: the sum of the other group's contributions */
    for (int i = 0; i < K; i++) sb[i] = val(wrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce(sb, rb, K, MPI_INT, MPI_SUM, root, inter),
        MPI_Ireduce(sb, rb, K, MPI_INT, MPI_SUM, root, inter, &r_),
        MPI_Reduce_init(sb, rb, K, MPI_INT, MPI_SUM, root, inter, in, &r_));
    if (isroot)
        for (int i = 0; i < K; i++) {
            int want = 0;
            for (int j = 0; j < rsize; j++) want += val(gw(other, j), i);
            CHECK(rb[i] == want, "form %d Reduce[%d] = %d, want %d", form, i, rb[i], want);
        }
    if (!isroot) CHECK(rb[0] == -1, "Reduce wrote at a non-root");
}

static void test_all(int form) {
    MPI_Info in = MPI_INFO_NULL;
    int other = 1 - color;
    int sb[K * MAXP * MAXP], rb[K * MAXP * MAXP + MAXP];
    int counts[MAXP], displs[MAXP], rcounts[MAXP], rdispls[MAXP];

    RUN(form, MPI_Barrier(inter), MPI_Ibarrier(inter, &r_), MPI_Barrier_init(inter, in, &r_));

    /* Allgather / Allgatherv */
    for (int i = 0; i < K; i++) sb[i] = val(wrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Allgather(sb, K, MPI_INT, rb, K, MPI_INT, inter),
        MPI_Iallgather(sb, K, MPI_INT, rb, K, MPI_INT, inter, &r_),
        MPI_Allgather_init(sb, K, MPI_INT, rb, K, MPI_INT, inter, in, &r_));
    for (int j = 0; j < rsize; j++)
        for (int i = 0; i < K; i++)
            CHECK(rb[j * K + i] == val(gw(other, j), i), "form %d Allgather from %d", form, j);
    CHECK(rb[rsize * K] == -1, "form %d Allgather wrote too much", form);
    for (int j = 0, pos = 0; j < rsize; j++) {
        counts[j] = vcount(j);
        displs[j] = pos;
        pos += vcount(j) + 1;
    }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Allgatherv(sb, vcount(lrank), MPI_INT, rb, counts, displs, MPI_INT, inter),
        MPI_Iallgatherv(sb, vcount(lrank), MPI_INT, rb, counts, displs, MPI_INT, inter, &r_),
        MPI_Allgatherv_init(sb, vcount(lrank), MPI_INT, rb, counts, displs, MPI_INT, inter, in, &r_));
    for (int j = 0; j < rsize; j++) {
        for (int i = 0; i < vcount(j); i++)
            CHECK(rb[displs[j] + i] == val(gw(other, j), i), "form %d Allgatherv from %d", form, j);
        CHECK(rb[displs[j] + vcount(j)] == -1, "form %d Allgatherv gap", form);
    }

    /* Alltoall(v, w): block j goes to remote rank j */
    for (int j = 0; j < rsize; j++)
        for (int i = 0; i < K; i++) sb[j * K + i] = code(wrank, gw(other, j), i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Alltoall(sb, K, MPI_INT, rb, K, MPI_INT, inter),
        MPI_Ialltoall(sb, K, MPI_INT, rb, K, MPI_INT, inter, &r_),
        MPI_Alltoall_init(sb, K, MPI_INT, rb, K, MPI_INT, inter, in, &r_));
    for (int j = 0; j < rsize; j++)
        for (int i = 0; i < K; i++)
            CHECK(rb[j * K + i] == code(gw(other, j), wrank, i), "form %d Alltoall from %d", form, j);
    {
        MPI_Datatype types[MAXP];
        int bd[MAXP], rbd[MAXP];
        for (int j = 0; j < rsize; j++) {
            counts[j] = vcount(lrank);
            displs[j] = j * K;
            rcounts[j] = vcount(j);
            rdispls[j] = (rsize - 1 - j) * K;
            bd[j] = displs[j] * (int)sizeof(int);
            rbd[j] = rdispls[j] * (int)sizeof(int);
            types[j] = MPI_INT;
        }
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Alltoallv(sb, counts, displs, MPI_INT, rb, rcounts, rdispls, MPI_INT, inter),
            MPI_Ialltoallv(sb, counts, displs, MPI_INT, rb, rcounts, rdispls, MPI_INT, inter, &r_),
            MPI_Alltoallv_init(sb, counts, displs, MPI_INT, rb, rcounts, rdispls, MPI_INT, inter, in, &r_));
        for (int j = 0; j < rsize; j++)
            for (int i = 0; i < K; i++)
                CHECK(rb[rdispls[j] + i] == (i < vcount(j) ? code(gw(other, j), wrank, i) : -1),
                      "form %d Alltoallv from %d", form, j);
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Alltoallw(sb, counts, bd, types, rb, rcounts, rbd, types, inter),
            MPI_Ialltoallw(sb, counts, bd, types, rb, rcounts, rbd, types, inter, &r_),
            MPI_Alltoallw_init(sb, counts, bd, types, rb, rcounts, rbd, types, inter, in, &r_));
        for (int j = 0; j < rsize; j++)
            for (int i = 0; i < K; i++)
                CHECK(rb[rdispls[j] + i] == (i < vcount(j) ? code(gw(other, j), wrank, i) : -1),
                      "form %d Alltoallw from %d", form, j);
    }

    /* Allreduce: the sum over the other group */
    for (int i = 0; i < K; i++) sb[i] = val(wrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Allreduce(sb, rb, K, MPI_INT, MPI_SUM, inter),
        MPI_Iallreduce(sb, rb, K, MPI_INT, MPI_SUM, inter, &r_),
        MPI_Allreduce_init(sb, rb, K, MPI_INT, MPI_SUM, inter, in, &r_));
    for (int i = 0; i < K; i++) {
        int want = 0;
        for (int j = 0; j < rsize; j++) want += val(gw(other, j), i);
        CHECK(rb[i] == want, "form %d Allreduce[%d] = %d, want %d", form, i, rb[i], want);
    }

    /* Reduce_scatter(_block): both groups reduce vectors of T = a*(np-a)
     * elements; the local group gets T/lsize each (block), or 0 at rank 0
     * and the rest shifted to the last rank. */
    int T = a * (np - a), rc = T / lsize;
    for (int i = 0; i < T; i++) sb[i] = val(wrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce_scatter_block(sb, rb, rc, MPI_INT, MPI_SUM, inter),
        MPI_Ireduce_scatter_block(sb, rb, rc, MPI_INT, MPI_SUM, inter, &r_),
        MPI_Reduce_scatter_block_init(sb, rb, rc, MPI_INT, MPI_SUM, inter, in, &r_));
    for (int i = 0; i < rc; i++) {
        int want = 0;
        for (int j = 0; j < rsize; j++) want += val(gw(other, j), lrank * rc + i);
        CHECK(rb[i] == want, "form %d Reduce_scatter_block[%d] = %d, want %d", form, i, rb[i], want);
    }
    CHECK(rb[rc] == -1, "form %d Reduce_scatter_block wrote too much", form);
    int off = 0;
    for (int k = 0; k < lsize; k++) {
        counts[k] = rc;
        if (lsize > 1 && k == 0) counts[k] = 0;
        if (lsize > 1 && k == lsize - 1) counts[k] = 2 * rc;
        if (k < lrank) off += counts[k];
    }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce_scatter(sb, rb, counts, MPI_INT, MPI_SUM, inter),
        MPI_Ireduce_scatter(sb, rb, counts, MPI_INT, MPI_SUM, inter, &r_),
        MPI_Reduce_scatter_init(sb, rb, counts, MPI_INT, MPI_SUM, inter, in, &r_));
    for (int i = 0; i < counts[lrank]; i++) {
        int want = 0;
        for (int j = 0; j < rsize; j++) want += val(gw(other, j), off + i);
        CHECK(rb[i] == want, "form %d Reduce_scatter[%d] = %d, want %d", form, i, rb[i], want);
    }
    CHECK(rb[counts[lrank]] == -1, "form %d Reduce_scatter wrote too much", form);
}

/* a non-commutative user-defined operation: the results spell the order
 * of the other group's ranks */
static void test_user_op(int form, MPI_Op op) {
    MPI_Info in = MPI_INFO_NULL;
    int sb[MAXP * MAXP], rb[MAXP * MAXP + 1];
    for (int i = 0; i < K; i++) sb[i] = dig(lrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Allreduce(sb, rb, K, MPI_INT, op, inter), MPI_Iallreduce(sb, rb, K, MPI_INT, op, inter, &r_),
        MPI_Allreduce_init(sb, rb, K, MPI_INT, op, inter, in, &r_));
    for (int i = 0; i < K; i++) {
        int want = 0;
        for (int j = 0; j < rsize; j++) want = want * 10 + dig(j, i);
        CHECK(rb[i] == want, "form %d user Allreduce[%d] = %d, want %d", form, i, rb[i], want);
    }
    for (int g = 0; g < 2; g++) {
        int root = rootarg(g, 0);
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Reduce(sb, rb, K, MPI_INT, op, root, inter),
            MPI_Ireduce(sb, rb, K, MPI_INT, op, root, inter, &r_),
            MPI_Reduce_init(sb, rb, K, MPI_INT, op, root, inter, in, &r_));
        for (int i = 0; i < K; i++) {
            int want = -1;
            if (root == MPI_ROOT) {
                want = 0;
                for (int j = 0; j < rsize; j++) want = want * 10 + dig(j, i);
            }
            CHECK(rb[i] == want, "form %d user Reduce root group %d [%d] = %d, want %d", form, g, i, rb[i], want);
        }
    }
    int T = a * (np - a), rc = T / lsize;
    for (int i = 0; i < T; i++) sb[i] = dig(lrank, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce_scatter_block(sb, rb, rc, MPI_INT, op, inter),
        MPI_Ireduce_scatter_block(sb, rb, rc, MPI_INT, op, inter, &r_),
        MPI_Reduce_scatter_block_init(sb, rb, rc, MPI_INT, op, inter, in, &r_));
    for (int i = 0; i < rc; i++) {
        int want = 0;
        for (int j = 0; j < rsize; j++) want = want * 10 + dig(j, lrank * rc + i);
        CHECK(rb[i] == want, "form %d user Reduce_scatter_block[%d] = %d, want %d", form, i, rb[i], want);
    }
    CHECK(rb[rc] == -1, "form %d user Reduce_scatter_block wrote too much", form);
    int counts[MAXP], off = 0;
    for (int k = 0; k < lsize; k++) {
        counts[k] = lsize > 1 && k == 0 ? 0 : (lsize > 1 && k == lsize - 1 ? 2 * rc : rc);
        if (k < lrank) off += counts[k];
    }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce_scatter(sb, rb, counts, MPI_INT, op, inter),
        MPI_Ireduce_scatter(sb, rb, counts, MPI_INT, op, inter, &r_),
        MPI_Reduce_scatter_init(sb, rb, counts, MPI_INT, op, inter, in, &r_));
    for (int i = 0; i < counts[lrank]; i++) {
        int want = 0;
        for (int j = 0; j < rsize; j++) want = want * 10 + dig(j, off + i);
        CHECK(rb[i] == want, "form %d user Reduce_scatter[%d] = %d, want %d", form, i, rb[i], want);
    }
}

static void test_large_count(void) {
    int sb[K], rb[K * MAXP];
    MPI_Request r;
    for (int i = 0; i < K; i++) sb[i] = val(wrank, i);
    MPI_Allreduce_c(sb, rb, (MPI_Count)K, MPI_INT, MPI_MAX, inter);
    for (int i = 0; i < K; i++) CHECK(rb[i] == val(gw(1 - color, rsize - 1), i), "Allreduce_c[%d] = %d", i, rb[i]);
    MPI_Count counts[MAXP];
    MPI_Aint displs[MAXP];
    for (int j = 0; j < rsize; j++) {
        counts[j] = 1;
        displs[j] = rsize - 1 - j;
    }
    memset(rb, -1, sizeof rb);
    MPI_Iallgatherv_c(sb, 1, MPI_INT, rb, counts, displs, MPI_INT, inter, &r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    for (int j = 0; j < rsize; j++) CHECK(rb[rsize - 1 - j] == val(gw(1 - color, j), 0), "Iallgatherv_c from %d", j);
}

static void test_errors(void) {
    int x = 1, y[MAXP];
    MPI_Request r;
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Scan(&x, y, 1, MPI_INT, MPI_SUM, inter), MPI_ERR_COMM);
    CHECK_CLASS(MPI_Exscan(&x, y, 1, MPI_INT, MPI_SUM, inter), MPI_ERR_COMM);
    CHECK_CLASS(MPI_Iscan(&x, y, 1, MPI_INT, MPI_SUM, inter, &r), MPI_ERR_COMM);
    CHECK_CLASS(MPI_Exscan_init(&x, y, 1, MPI_INT, MPI_SUM, inter, MPI_INFO_NULL, &r), MPI_ERR_COMM);
    /* every process passes a root that is out of range */
    CHECK_CLASS(MPI_Bcast(&x, 1, MPI_INT, rsize, inter), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Igather(&x, 1, MPI_INT, y, 1, MPI_INT, -7, inter, &r), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Allgather(MPI_IN_PLACE, 1, MPI_INT, y, 1, MPI_INT, inter), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Allreduce(MPI_IN_PLACE, y, 1, MPI_INT, MPI_SUM, inter), MPI_ERR_BUFFER);
    /* the intercommunicator still works after the errors */
    MPI_Allreduce(&x, y, 1, MPI_INT, MPI_SUM, inter);
    CHECK(y[0] == rsize, "Allreduce after errors %d", y[0]);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np < 2) return mtest_finish();
    if (np > MAXP) {
        printf("at most %d ranks\n", MAXP);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    a = np / 3 > 0 ? np / 3 : 1;
    color = wrank < a ? 0 : 1;
    MPI_Comm local;
    MPI_Comm_split(MPI_COMM_WORLD, color, wrank, &local);
    MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, color == 0 ? a : 0, 42, &inter);
    MPI_Comm_rank(inter, &lrank);
    MPI_Comm_size(inter, &lsize);
    MPI_Comm_remote_size(inter, &rsize);
    CHECK(lsize == (color == 0 ? a : np - a) && rsize == np - lsize, "sizes %d %d", lsize, rsize);

    MPI_Op op;
    MPI_Op_create(digits, 0, &op);
    for (int form = 0; form < 3; form++) {
        test_rooted(form, 0);
        test_rooted(form, 1);
        test_all(form);
        test_user_op(form, op);
    }
    test_large_count();
    test_errors();
    /* collectives on the local communicator are unaffected */
    int one = 1, n = 0;
    MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, local);
    CHECK(n == lsize, "local Allreduce %d", n);
    MPI_Op_free(&op);
    MPI_Comm_free(&inter);
    MPI_Comm_free(&local);
    return mtest_finish();
}
