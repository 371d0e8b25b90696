/* Large-count (_c) collectives in their blocking, nonblocking and
 * persistent forms: MPI_Count counts, MPI_Count count arrays and MPI_Aint
 * displacements, exact results for any number of ranks, and MPI_ERR_COUNT
 * for counts a wasm32 rank cannot address. */
#include "mtest.h"

#define K 3
#define MAXP 16

static int me, np;

/* RUN does one collective in the given form: 0 blocking, 1 nonblocking,
 * 2 persistent (started twice, the second round must give the same). */
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

static int val(int rank, int i) { return rank * 100 + i; }
static int vcount(int rank) { return rank % 3 + 1; }

static void test_form(int form) {
    MPI_Comm w = MPI_COMM_WORLD;
    MPI_Info in = MPI_INFO_NULL;
    int root = np - 1;
    int sb[K * MAXP], rb[K * MAXP], want;
    MPI_Count counts[MAXP], rcounts[MAXP];
    MPI_Aint displs[MAXP], rdispls[MAXP];

    /* Bcast_c */
    for (int i = 0; i < K; i++) rb[i] = me == root ? val(root, i) : -1;
    RUN(form, MPI_Bcast_c(rb, K, MPI_INT, root, w), MPI_Ibcast_c(rb, K, MPI_INT, root, w, &r_),
        MPI_Bcast_init_c(rb, K, MPI_INT, root, w, in, &r_));
    for (int i = 0; i < K; i++) CHECK(rb[i] == val(root, i), "form %d Bcast_c[%d] = %d", form, i, rb[i]);

    /* reductions: sum over ranks of val(r, i) */
    for (int i = 0; i < K * np; i++) sb[i] = val(me, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce_c(sb, rb, K, MPI_INT, MPI_SUM, root, w),
        MPI_Ireduce_c(sb, rb, K, MPI_INT, MPI_SUM, root, w, &r_),
        MPI_Reduce_init_c(sb, rb, K, MPI_INT, MPI_SUM, root, w, in, &r_));
    if (me == root)
        for (int i = 0; i < K; i++) {
            want = 0;
            for (int r = 0; r < np; r++) want += val(r, i);
            CHECK(rb[i] == want, "form %d Reduce_c[%d] = %d, want %d", form, i, rb[i], want);
        }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Allreduce_c(sb, rb, K, MPI_INT, MPI_MAX, w),
        MPI_Iallreduce_c(sb, rb, K, MPI_INT, MPI_MAX, w, &r_),
        MPI_Allreduce_init_c(sb, rb, K, MPI_INT, MPI_MAX, w, in, &r_));
    for (int i = 0; i < K; i++) CHECK(rb[i] == val(np - 1, i), "form %d Allreduce_c[%d] = %d", form, i, rb[i]);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Scan_c(sb, rb, K, MPI_INT, MPI_SUM, w), MPI_Iscan_c(sb, rb, K, MPI_INT, MPI_SUM, w, &r_),
        MPI_Scan_init_c(sb, rb, K, MPI_INT, MPI_SUM, w, in, &r_));
    for (int i = 0; i < K; i++) {
        want = 0;
        for (int r = 0; r <= me; r++) want += val(r, i);
        CHECK(rb[i] == want, "form %d Scan_c[%d] = %d, want %d", form, i, rb[i], want);
    }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Exscan_c(sb, rb, K, MPI_INT, MPI_SUM, w), MPI_Iexscan_c(sb, rb, K, MPI_INT, MPI_SUM, w, &r_),
        MPI_Exscan_init_c(sb, rb, K, MPI_INT, MPI_SUM, w, in, &r_));
    if (me > 0)
        for (int i = 0; i < K; i++) {
            want = 0;
            for (int r = 0; r < me; r++) want += val(r, i);
            CHECK(rb[i] == want, "form %d Exscan_c[%d] = %d, want %d", form, i, rb[i], want);
        }
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Reduce_scatter_block_c(sb, rb, K, MPI_INT, MPI_SUM, w),
        MPI_Ireduce_scatter_block_c(sb, rb, K, MPI_INT, MPI_SUM, w, &r_),
        MPI_Reduce_scatter_block_init_c(sb, rb, K, MPI_INT, MPI_SUM, w, in, &r_));
    for (int i = 0; i < K; i++) {
        want = 0;
        for (int r = 0; r < np; r++) want += val(r, me * K + i);
        CHECK(rb[i] == want, "form %d Reduce_scatter_block_c[%d] = %d, want %d", form, i, rb[i], want);
    }
    {
        int off = 0, mine = 0;
        for (int r = 0; r < np; r++) {
            rcounts[r] = vcount(r);
            if (r < me) off += vcount(r);
        }
        mine = vcount(me);
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Reduce_scatter_c(sb, rb, rcounts, MPI_INT, MPI_SUM, w),
            MPI_Ireduce_scatter_c(sb, rb, rcounts, MPI_INT, MPI_SUM, w, &r_),
            MPI_Reduce_scatter_init_c(sb, rb, rcounts, MPI_INT, MPI_SUM, w, in, &r_));
        for (int i = 0; i < mine; i++) {
            want = 0;
            for (int r = 0; r < np; r++) want += val(r, off + i);
            CHECK(rb[i] == want, "form %d Reduce_scatter_c[%d] = %d, want %d", form, i, rb[i], want);
        }
        CHECK(rb[mine] == -1, "form %d Reduce_scatter_c wrote past its block", form);
    }

    /* Gather_c / Allgather_c: K values per rank */
    for (int i = 0; i < K; i++) sb[i] = val(me, i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Gather_c(sb, K, MPI_INT, rb, K, MPI_INT, root, w),
        MPI_Igather_c(sb, K, MPI_INT, rb, K, MPI_INT, root, w, &r_),
        MPI_Gather_init_c(sb, K, MPI_INT, rb, K, MPI_INT, root, w, in, &r_));
    if (me == root)
        for (int r = 0; r < np; r++)
            for (int i = 0; i < K; i++) CHECK(rb[r * K + i] == val(r, i), "form %d Gather_c", form);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Allgather_c(sb, K, MPI_INT, rb, K, MPI_INT, w),
        MPI_Iallgather_c(sb, K, MPI_INT, rb, K, MPI_INT, w, &r_),
        MPI_Allgather_init_c(sb, K, MPI_INT, rb, K, MPI_INT, w, in, &r_));
    for (int r = 0; r < np; r++)
        for (int i = 0; i < K; i++) CHECK(rb[r * K + i] == val(r, i), "form %d Allgather_c", form);

    /* Gatherv_c / Allgatherv_c: vcount(r) values from rank r, laid out in
     * reverse rank order with a gap of one */
    {
        MPI_Aint pos = 0;
        for (int r = np - 1; r >= 0; r--) {
            counts[r] = vcount(r);
            displs[r] = pos;
            pos += vcount(r) + 1;
        }
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Gatherv_c(sb, vcount(me), MPI_INT, rb, counts, displs, MPI_INT, root, w),
            MPI_Igatherv_c(sb, vcount(me), MPI_INT, rb, counts, displs, MPI_INT, root, w, &r_),
            MPI_Gatherv_init_c(sb, vcount(me), MPI_INT, rb, counts, displs, MPI_INT, root, w, in, &r_));
        if (me == root)
            for (int r = 0; r < np; r++) {
                for (int i = 0; i < vcount(r); i++)
                    CHECK(rb[displs[r] + i] == val(r, i), "form %d Gatherv_c from %d", form, r);
                CHECK(rb[displs[r] + vcount(r)] == -1, "form %d Gatherv_c gap", form);
            }
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Allgatherv_c(sb, vcount(me), MPI_INT, rb, counts, displs, MPI_INT, w),
            MPI_Iallgatherv_c(sb, vcount(me), MPI_INT, rb, counts, displs, MPI_INT, w, &r_),
            MPI_Allgatherv_init_c(sb, vcount(me), MPI_INT, rb, counts, displs, MPI_INT, w, in, &r_));
        for (int r = 0; r < np; r++) {
            for (int i = 0; i < vcount(r); i++)
                CHECK(rb[displs[r] + i] == val(r, i), "form %d Allgatherv_c from %d", form, r);
            CHECK(rb[displs[r] + vcount(r)] == -1, "form %d Allgatherv_c gap", form);
        }

        /* Scatter_c / Scatterv_c from the root's layouts */
        int src[K * MAXP + MAXP];
        for (int r = 0; r < np; r++)
            for (int i = 0; i < K; i++) src[r * K + i] = val(r, i) + 7;
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Scatter_c(src, K, MPI_INT, rb, K, MPI_INT, root, w),
            MPI_Iscatter_c(src, K, MPI_INT, rb, K, MPI_INT, root, w, &r_),
            MPI_Scatter_init_c(src, K, MPI_INT, rb, K, MPI_INT, root, w, in, &r_));
        for (int i = 0; i < K; i++) CHECK(rb[i] == val(me, i) + 7, "form %d Scatter_c", form);
        for (int r = 0; r < np; r++)
            for (int i = 0; i < vcount(r); i++) src[displs[r] + i] = val(r, i) + 9;
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Scatterv_c(src, counts, displs, MPI_INT, rb, vcount(me), MPI_INT, root, w),
            MPI_Iscatterv_c(src, counts, displs, MPI_INT, rb, vcount(me), MPI_INT, root, w, &r_),
            MPI_Scatterv_init_c(src, counts, displs, MPI_INT, rb, vcount(me), MPI_INT, root, w, in, &r_));
        for (int i = 0; i < vcount(me); i++) CHECK(rb[i] == val(me, i) + 9, "form %d Scatterv_c", form);
        CHECK(rb[vcount(me)] == -1, "form %d Scatterv_c wrote too much", form);
    }

    /* Alltoall_c: block r of rank s holds val(s, r) */
    for (int r = 0; r < np; r++)
        for (int i = 0; i < K; i++) sb[r * K + i] = val(me, r * K + i);
    memset(rb, -1, sizeof rb);
    RUN(form, MPI_Alltoall_c(sb, K, MPI_INT, rb, K, MPI_INT, w),
        MPI_Ialltoall_c(sb, K, MPI_INT, rb, K, MPI_INT, w, &r_),
        MPI_Alltoall_init_c(sb, K, MPI_INT, rb, K, MPI_INT, w, in, &r_));
    for (int s = 0; s < np; s++)
        for (int i = 0; i < K; i++) CHECK(rb[s * K + i] == val(s, me * K + i), "form %d Alltoall_c", form);

    /* Alltoallv_c / Alltoallw_c: rank s sends vcount(s) values to every
     * rank, from offset K*r of its send buffer */
    {
        MPI_Aint bdispls[MAXP], brdispls[MAXP];
        MPI_Datatype types[MAXP];
        for (int r = 0; r < np; r++) {
            counts[r] = vcount(me);
            displs[r] = r * K;
            rcounts[r] = vcount(r);
            rdispls[r] = r * K;
            bdispls[r] = displs[r] * (MPI_Aint)sizeof(int);
            brdispls[r] = rdispls[r] * (MPI_Aint)sizeof(int);
            types[r] = MPI_INT;
        }
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Alltoallv_c(sb, counts, displs, MPI_INT, rb, rcounts, rdispls, MPI_INT, w),
            MPI_Ialltoallv_c(sb, counts, displs, MPI_INT, rb, rcounts, rdispls, MPI_INT, w, &r_),
            MPI_Alltoallv_init_c(sb, counts, displs, MPI_INT, rb, rcounts, rdispls, MPI_INT, w, in, &r_));
        for (int s = 0; s < np; s++)
            for (int i = 0; i < K; i++)
                CHECK(rb[s * K + i] == (i < vcount(s) ? val(s, me * K + i) : -1), "form %d Alltoallv_c", form);
        memset(rb, -1, sizeof rb);
        RUN(form, MPI_Alltoallw_c(sb, counts, bdispls, types, rb, rcounts, brdispls, types, w),
            MPI_Ialltoallw_c(sb, counts, bdispls, types, rb, rcounts, brdispls, types, w, &r_),
            MPI_Alltoallw_init_c(sb, counts, bdispls, types, rb, rcounts, brdispls, types, w, in, &r_));
        for (int s = 0; s < np; s++)
            for (int i = 0; i < K; i++)
                CHECK(rb[s * K + i] == (i < vcount(s) ? val(s, me * K + i) : -1), "form %d Alltoallw_c", form);
    }
}

/* a non-commutative user operation with the large-count signature:
 * inout = in * 10 + inout (digits record the order) */
static int big_len_seen;
static void digits_c(void *in, void *inout, MPI_Count *len, MPI_Datatype *dt) {
    (void)dt;
    big_len_seen = (int)*len;
    for (MPI_Count i = 0; i < *len; i++) ((long long *)inout)[i] = ((long long *)in)[i] * 10 + ((long long *)inout)[i];
}

static void test_user_op(void) {
    MPI_Op op;
    long long a[2] = {me + 1, me + 1}, b[2] = {0, 0}, want = 0;
    MPI_Op_create_c(digits_c, 0, &op);
    MPI_Allreduce_c(a, b, 2, MPI_LONG_LONG, op, MPI_COMM_WORLD);
    for (int r = 0; r < np; r++) want = want * 10 + (r + 1);
    CHECK(b[0] == want && b[1] == want, "user op Allreduce_c %lld, want %lld", b[0], want);
    long long x[3] = {4, 5, 6}, y[3] = {1, 2, 3};
    MPI_Reduce_local_c(x, y, 3, MPI_LONG_LONG, op);
    CHECK(y[0] == 41 && y[1] == 52 && y[2] == 63 && big_len_seen == 3, "Reduce_local_c %lld %lld %lld", y[0], y[1],
          y[2]);
    MPI_Reduce_local_c(x, y, 1, MPI_LONG_LONG, MPI_SUM);
    CHECK(y[0] == 45, "Reduce_local_c MPI_SUM %lld", y[0]);
    MPI_Op_free(&op);
}

static void test_errors(void) {
    int b[4] = {0}, rc;
    MPI_Count counts[MAXP];
    MPI_Aint displs[MAXP];
    MPI_Request r;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    rc = MPI_Allreduce_c(b, b + 2, (MPI_Count)1 << 31, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Iallgather_c(b, 1, MPI_INT, b + 1, (MPI_Count)1 << 35, MPI_INT, MPI_COMM_WORLD, &r);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    for (int i = 0; i < np; i++) {
        counts[i] = 1;
        displs[i] = 0;
    }
    counts[np - 1] = (MPI_Count)1 << 32;
    rc = MPI_Allgatherv_c(b, 1, MPI_INT, b, counts, displs, MPI_INT, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Alltoallv_init_c(b, counts, displs, MPI_INT, b, counts, displs, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL,
                              &r);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    counts[np - 1] = -1;
    rc = MPI_Reduce_scatter_c(b, b, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Bcast_c(b, 1, MPI_INT, np, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_ROOT);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np > MAXP) {
        printf("at most %d ranks\n", MAXP);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int form = 0; form < 3; form++) test_form(form);
    test_user_op();
    test_errors();
    return mtest_finish();
}
