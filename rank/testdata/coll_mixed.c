/* coll_mixed.c: reproducible floating-point reductions, collectives mixed
 * with point-to-point traffic on the same communicator, and argument
 * errors of the collectives.
 *
 * Rank 0 prints one line "BITS <hex> <hex> ..." with the bits of a float64
 * MPI_SUM Allreduce of values of wildly different magnitudes; the Go test
 * checks it against the documented bracketing and across runs. */
#include "mtest.h"

#include <math.h>
#include <stdint.h>

static int rank, size;

#define NDET 16

/* det_val is rank r's element i: +-m * 2^e with m < 2^20 and e in
 * [-40, 40], so that the sum rounds differently under different
 * bracketings. The Go test computes the same values. */
static double det_val(int r, int i) {
    uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(r * 131 + i + 1);
    x ^= x >> 31;
    double m = (double)(x % 1000003 + 1);
    int e = (int)((x >> 20) % 81) - 40;
    double v = ldexp(m, e);
    return (x >> 40) & 1 ? -v : v;
}

static int same_bits(const double *a, const double *b, int n) { return memcmp(a, b, n * sizeof(double)) == 0; }

static void test_determinism(void) {
    double in[NDET], res[NDET], again[NDET], tmp[NDET];
    for (int i = 0; i < NDET; i++) in[i] = det_val(rank, i);
    int rc = MPI_Allreduce(in, res, NDET, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Allreduce rc %d", rc);

    /* Every rank has the same bits: gather them all and compare. */
    uint64_t *all = malloc((size_t)size * NDET * sizeof(uint64_t));
    rc = MPI_Allgather(res, NDET, MPI_UINT64_T, all, NDET, MPI_UINT64_T, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Allgather rc %d", rc);
    for (int r = 0; r < size; r++)
        CHECK(memcmp(all + (size_t)r * NDET, res, sizeof res) == 0, "rank %d has different Allreduce bits than rank %d", r,
              rank);
    free(all);

    /* Again, in place, and via every other reduction the runtime documents
     * as bracketed the same way. */
    rc = MPI_Allreduce(in, again, NDET, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && same_bits(res, again, NDET), "second Allreduce differs (rc %d)", rc);
    memcpy(again, in, sizeof in);
    rc = MPI_Allreduce(MPI_IN_PLACE, again, NDET, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && same_bits(res, again, NDET), "in-place Allreduce differs (rc %d)", rc);
    for (int root = 0; root < size; root++) {
        memset(tmp, 0, sizeof tmp);
        rc = MPI_Reduce(in, tmp, NDET, MPI_DOUBLE, MPI_SUM, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "Reduce rc %d", rc);
        if (rank == root) CHECK(same_bits(res, tmp, NDET), "Reduce to root %d differs from Allreduce", root);
    }
    double *vec = malloc((size_t)size * NDET * sizeof(double));
    for (int r = 0; r < size; r++) memcpy(vec + (size_t)r * NDET, in, sizeof in);
    rc = MPI_Reduce_scatter_block(vec, tmp, NDET, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && same_bits(res, tmp, NDET), "Reduce_scatter_block differs from Allreduce (rc %d)", rc);
    free(vec);

    if (rank == 0) {
        printf("BITS");
        for (int i = 0; i < NDET; i++) {
            uint64_t b;
            memcpy(&b, &res[i], 8);
            printf(" %016llx", (unsigned long long)b);
        }
        printf("\n");
        fflush(stdout);
    }
}

/* Pending wildcard receives must not catch collective traffic. */
static void test_pending_wildcards(void) {
    int left = (rank - 1 + size) % size, right = (rank + 1) % size;
    int m1[2] = {-1, -1}, m2[2] = {-1, -1}, m3[2] = {-1, -1}, ms[2] = {-1, -1};
    MPI_Request req[3], sreq;
    /* Tags 0 and 512 are also tags the collective algorithms use (on their
     * own context). */
    MPI_Irecv(m1, 2, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &req[0]);
    MPI_Irecv(m2, 2, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, &req[1]);
    MPI_Irecv(m3, 2, MPI_INT, MPI_ANY_SOURCE, 512, MPI_COMM_WORLD, &req[2]);
    MPI_Irecv(ms, 2, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_SELF, &sreq);

    /* A round of collectives with exact results. */
    for (int root = 0; root < size; root++) {
        int v[2] = {rank == root ? root * 10 : -1, rank == root ? root * 10 + 1 : -1};
        int rc = MPI_Bcast(v, 2, MPI_INT, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS && v[0] == root * 10 && v[1] == root * 10 + 1, "Bcast with pending wildcards: %d %d", v[0],
              v[1]);
    }
    int one[2] = {rank, 1}, sum[2] = {0, 0};
    int rc = MPI_Allreduce(one, sum, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && sum[0] == size * (size - 1) / 2 && sum[1] == size, "Allreduce with pending wildcards");
    rc = MPI_Reduce(one, sum, 2, MPI_INT, MPI_MAX, size - 1, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && (rank != size - 1 || sum[0] == size - 1), "Reduce with pending wildcards");
    int *g = malloc(size * 2 * sizeof(int));
    rc = MPI_Allgather(one, 2, MPI_INT, g, 2, MPI_INT, MPI_COMM_WORLD);
    int bad = 0;
    for (int r = 0; r < size; r++)
        if (g[2 * r] != r || g[2 * r + 1] != 1) bad++;
    CHECK(rc == MPI_SUCCESS && bad == 0, "Allgather with pending wildcards");
    for (int r = 0; r < size; r++) {
        g[2 * r] = rank * 100 + r;
        g[2 * r + 1] = -r;
    }
    int *h = malloc(size * 2 * sizeof(int));
    rc = MPI_Alltoall(g, 2, MPI_INT, h, 2, MPI_INT, MPI_COMM_WORLD);
    bad = 0;
    for (int r = 0; r < size; r++)
        if (h[2 * r] != r * 100 + rank || h[2 * r + 1] != -rank) bad++;
    CHECK(rc == MPI_SUCCESS && bad == 0, "Alltoall with pending wildcards");
    rc = MPI_Gather(one, 2, MPI_INT, g, 2, MPI_INT, 0, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Gather with pending wildcards");
    rc = MPI_Scatter(h, 1, MPI_INT, sum, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Scatter with pending wildcards");
    rc = MPI_Scan(one, sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && sum[0] == rank * (rank + 1) / 2, "Scan with pending wildcards");
    rc = MPI_Exscan(one, sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && (rank == 0 || sum[0] == rank * (rank - 1) / 2), "Exscan with pending wildcards");
    rc = MPI_Barrier(MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Barrier with pending wildcards");
    rc = MPI_Allreduce(MPI_IN_PLACE, one, 2, MPI_INT, MPI_SUM, MPI_COMM_SELF);
    CHECK(rc == MPI_SUCCESS && one[0] == rank, "Allreduce on self with pending wildcards");
    rc = MPI_Bcast(one, 2, MPI_INT, 0, MPI_COMM_SELF);
    CHECK(rc == MPI_SUCCESS, "Bcast on self with pending wildcards");
    free(g);
    free(h);

    /* Nothing has been sent point-to-point yet: no receive may have
     * completed and no message may be visible to a probe. */
    for (int i = 0; i < 3; i++) {
        int flag = 1;
        MPI_Status st;
        MPI_Test(&req[i], &flag, &st);
        CHECK(!flag, "pending receive %d completed during collectives (source %d tag %d)", i, st.MPI_SOURCE, st.MPI_TAG);
    }
    int flag = 1;
    MPI_Test(&sreq, &flag, MPI_STATUS_IGNORE);
    CHECK(!flag, "pending receive on MPI_COMM_SELF completed during collectives");
    MPI_Status pst;
    flag = 1;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &pst);
    CHECK(!flag, "Iprobe sees a message after collectives (source %d tag %d)", pst.MPI_SOURCE, pst.MPI_TAG);

    MPI_Barrier(MPI_COMM_WORLD);
    /* Now the real messages: tag 512, tag 0, tag 512 to the right. The
     * first matches the wildcard receive (posted first), the second the
     * tag-0 receive, the third the tag-512 receive. */
    int s1[2] = {rank, 1}, s2[2] = {rank, 2}, s3[2] = {rank, 3}, s4[2] = {rank, 4};
    MPI_Send(s1, 2, MPI_INT, right, 512, MPI_COMM_WORLD);
    MPI_Send(s2, 2, MPI_INT, right, 0, MPI_COMM_WORLD);
    MPI_Send(s3, 2, MPI_INT, right, 512, MPI_COMM_WORLD);
    MPI_Send(s4, 2, MPI_INT, 0, 9, MPI_COMM_SELF);
    MPI_Status st[3];
    rc = MPI_Waitall(3, req, st);
    CHECK(rc == MPI_SUCCESS, "Waitall rc %d", rc);
    CHECK(m1[0] == left && m1[1] == 1 && st[0].MPI_SOURCE == left && st[0].MPI_TAG == 512,
          "wildcard receive got {%d,%d} from %d tag %d", m1[0], m1[1], st[0].MPI_SOURCE, st[0].MPI_TAG);
    CHECK(m2[0] == left && m2[1] == 2 && st[1].MPI_SOURCE == left && st[1].MPI_TAG == 0, "tag-0 receive got {%d,%d}",
          m2[0], m2[1]);
    CHECK(m3[0] == left && m3[1] == 3 && st[2].MPI_SOURCE == left && st[2].MPI_TAG == 512, "tag-512 receive got {%d,%d}",
          m3[0], m3[1]);
    MPI_Status ss;
    MPI_Wait(&sreq, &ss);
    CHECK(ms[0] == rank && ms[1] == 4 && ss.MPI_SOURCE == 0 && ss.MPI_TAG == 9, "self receive got {%d,%d} tag %d", ms[0],
          ms[1], ss.MPI_TAG);
}

/* Messages sent before collectives and received after them (small ones
 * buffered eagerly, a large one waiting for its receive) keep their order
 * and are not consumed by the collectives. */
static void test_unexpected_across_collectives(void) {
    int left = (rank - 1 + size) % size, right = (rank + 1) % size;
    const int big = 100000; /* 400 kB: above the eager limit */
    int small1[3] = {rank, 11, 0}, small2[3] = {rank, 12, 0};
    int *large = malloc(big * sizeof(int)), *lrecv = malloc(big * sizeof(int));
    for (int i = 0; i < big; i++) large[i] = rank * 7 + i;
    MPI_Request sr[3];
    MPI_Isend(small1, 3, MPI_INT, right, 0, MPI_COMM_WORLD, &sr[0]);
    MPI_Isend(large, big, MPI_INT, right, 0x300, MPI_COMM_WORLD, &sr[1]);
    MPI_Isend(small2, 3, MPI_INT, right, 1, MPI_COMM_WORLD, &sr[2]);

    double *d = malloc(200000 * sizeof(double));
    for (int root = 0; root < size; root++) {
        for (int i = 0; i < 200000; i++) d[i] = rank == root ? i + root : -1;
        int rc = MPI_Bcast(d, 200000, MPI_DOUBLE, root, MPI_COMM_WORLD);
        int bad = 0;
        for (int i = 0; i < 200000; i++)
            if (d[i] != i + root) bad++;
        CHECK(rc == MPI_SUCCESS && bad == 0, "large Bcast with unexpected messages: %d wrong", bad);
    }
    int x = rank, y = -1;
    int rc = MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && y == size - 1, "Allreduce with unexpected messages");
    rc = MPI_Barrier(MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Barrier with unexpected messages");
    free(d);

    int r1[3], r2[3];
    MPI_Status st;
    rc = MPI_Recv(r1, 3, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS && r1[0] == left && r1[1] == 11 && st.MPI_TAG == 0, "first message after collectives: {%d,%d} tag %d",
          r1[0], r1[1], st.MPI_TAG);
    rc = MPI_Recv(lrecv, big, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    int bad = 0;
    for (int i = 0; i < big; i++)
        if (lrecv[i] != left * 7 + i) bad++;
    CHECK(rc == MPI_SUCCESS && bad == 0 && st.MPI_TAG == 0x300, "large message after collectives: %d wrong, tag %d", bad,
          st.MPI_TAG);
    rc = MPI_Recv(r2, 3, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS && r2[0] == left && r2[1] == 12 && st.MPI_TAG == 1, "last message after collectives: {%d,%d} tag %d",
          r2[0], r2[1], st.MPI_TAG);
    rc = MPI_Waitall(3, sr, MPI_STATUSES_IGNORE);
    CHECK(rc == MPI_SUCCESS, "Waitall sends rc %d", rc);
    free(large);
    free(lrecv);
}

/* Point-to-point and collectives interleaved step by step: a ring shift
 * between every pair of collectives. */
static void test_interleaved(void) {
    int left = (rank - 1 + size) % size, right = (rank + 1) % size;
    int token = rank;
    for (int step = 0; step < 3 * size; step++) {
        int got = -1;
        MPI_Request r;
        MPI_Irecv(&got, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &r);
        int v = step, w = -1;
        int rc = MPI_Allreduce(&v, &w, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS && w == step, "interleaved Allreduce step %d", step);
        MPI_Send(&token, 1, MPI_INT, right, step, MPI_COMM_WORLD);
        int root = step % size, b = rank == root ? step * 3 : -1;
        rc = MPI_Bcast(&b, 1, MPI_INT, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS && b == step * 3, "interleaved Bcast step %d", step);
        MPI_Status st;
        MPI_Wait(&r, &st);
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == step, "interleaved receive step %d: source %d tag %d", step,
              st.MPI_SOURCE, st.MPI_TAG);
        token = got;
    }
    CHECK(token == ((rank - 3 * size) % size + size) % size, "token after %d shifts: %d", 3 * size, token);
}

/* Argument errors every rank sees alike: returned at once on every rank,
 * no hang, the communicator stays usable. */
static void test_errors(void) {
    int buf[8] = {0}, rbuf[64];
    int counts[64], displs[64];
    for (int i = 0; i < 64; i++) {
        counts[i] = 1;
        displs[i] = i;
    }
    int roots[] = {-1, size, size + 5, MPI_PROC_NULL, MPI_ROOT, MPI_ANY_SOURCE};
    for (size_t k = 0; k < sizeof roots / sizeof roots[0]; k++) {
        int root = roots[k];
        int rc = MPI_Bcast(buf, 1, MPI_INT, root, MPI_COMM_WORLD);
        CHECK_CLASS(rc, MPI_ERR_ROOT);
        rc = MPI_Reduce(buf, rbuf, 1, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD);
        CHECK_CLASS(rc, MPI_ERR_ROOT);
        rc = MPI_Gather(buf, 1, MPI_INT, rbuf, 1, MPI_INT, root, MPI_COMM_WORLD);
        CHECK_CLASS(rc, MPI_ERR_ROOT);
        rc = MPI_Gatherv(buf, 1, MPI_INT, rbuf, counts, displs, MPI_INT, root, MPI_COMM_WORLD);
        CHECK_CLASS(rc, MPI_ERR_ROOT);
        rc = MPI_Scatter(rbuf, 1, MPI_INT, buf, 1, MPI_INT, root, MPI_COMM_WORLD);
        CHECK_CLASS(rc, MPI_ERR_ROOT);
        rc = MPI_Scatterv(rbuf, counts, displs, MPI_INT, buf, 1, MPI_INT, root, MPI_COMM_WORLD);
        CHECK_CLASS(rc, MPI_ERR_ROOT);
    }
    int rc = MPI_Bcast(buf, 1, MPI_INT, 1, MPI_COMM_SELF);
    CHECK_CLASS(rc, MPI_ERR_ROOT);
    rc = MPI_Reduce(buf, rbuf, 1, MPI_INT, MPI_SUM, 1, MPI_COMM_SELF);
    CHECK_CLASS(rc, MPI_ERR_ROOT);

    /* MPI_OP_NULL and a wrong op/type pair, the examples of the brief. */
    rc = MPI_Allreduce(buf, rbuf, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Reduce(buf, rbuf, 4, MPI_BYTE, MPI_SUM, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Allreduce(buf, rbuf, 1, MPI_DOUBLE, MPI_BAND, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Allreduce(buf, rbuf, 1, MPI_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Scan(buf, rbuf, 1, MPI_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Exscan(buf, rbuf, 1, MPI_FLOAT, MPI_BOR, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    int rcounts[64];
    for (int i = 0; i < 64; i++) rcounts[i] = 0;
    rc = MPI_Reduce_scatter(buf, rbuf, rcounts, MPI_CHAR, MPI_SUM, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Reduce_scatter_block(buf, rbuf, 0, MPI_C_BOOL, MPI_SUM, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Reduce_scatter_block(buf, rbuf, 0, MPI_INT, MPI_REPLACE, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Allreduce(buf, rbuf, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_SELF);
    CHECK_CLASS(rc, MPI_ERR_OP);

    /* An invalid communicator and datatype. */
    rc = MPI_Barrier(MPI_COMM_NULL);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    rc = MPI_Bcast(buf, 1, MPI_INT, 0, MPI_COMM_NULL);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    rc = MPI_Allreduce(buf, rbuf, 1, MPI_INT, MPI_SUM, MPI_COMM_NULL);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    rc = MPI_Bcast(buf, 1, MPI_DATATYPE_NULL, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Allreduce(buf, rbuf, 1, MPI_DATATYPE_NULL, MPI_SUM, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Bcast(buf, -1, MPI_INT, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Allreduce(buf, rbuf, -3, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);

    /* Still usable. */
    int one = 1, all = 0;
    rc = MPI_Allreduce(&one, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && all == size, "Allreduce after errors: rc %d sum %d", rc, all);
    rc = MPI_Barrier(MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Barrier after errors");
}

/* With an argument, the program instead makes one erroneous call on
 * every rank under the default MPI_ERRORS_ARE_FATAL: the job must fail
 * with that error, not hang. */
static int fatal(const char *what) {
    unsigned char b[8] = {0}, r[8];
    printf("rank %d: %s\n", rank, what);
    fflush(stdout);
    if (strcmp(what, "fatal-op") == 0)
        MPI_Allreduce(b, r, 8, MPI_BYTE, MPI_SUM, MPI_COMM_WORLD);
    else if (strcmp(what, "fatal-root") == 0)
        MPI_Bcast(b, 8, MPI_BYTE, size, MPI_COMM_WORLD);
    printf("FAIL rank %d: survived %s\n", rank, what);
    return mtest_finish();
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1 && strcmp(argv[1], "self-errhandler") == 0) {
        /* MPI-4: an error in a call that involves no communicator (here
         * MPI_Reduce_local) is raised on MPI_COMM_SELF, so its handler
         * applies, not MPI_COMM_WORLD's (left at MPI_ERRORS_ARE_FATAL). */
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
        int a = 1, b = 2;
        int rc = MPI_Reduce_local(&a, &b, 1, MPI_INT, MPI_MAXLOC);
        CHECK_CLASS(rc, MPI_ERR_OP);
        rc = MPI_Reduce_local(&a, &b, 1, MPI_INT, MPI_OP_NULL);
        CHECK_CLASS(rc, MPI_ERR_OP);
        CHECK(b == 2, "failed Reduce_local changed inoutbuf: %d", b);
        return mtest_finish();
    }
    if (argc > 1) return fatal(argv[1]);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    test_determinism();
    test_pending_wildcards();
    test_unexpected_across_collectives();
    test_interleaved();
    test_errors();
    return mtest_finish();
}
