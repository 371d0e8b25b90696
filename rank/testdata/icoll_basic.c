/* icoll_basic.c: nonblocking collectives. Every kind outstanding at once
 * and completed together; two Ibcasts from different roots outstanding at
 * once and completed in reverse order; many Iallreduces of the same kind in
 * flight; a blocking collective of the same kind while a nonblocking one is
 * pending; Iallreduce overlapping computation and point-to-point traffic;
 * Ibarrier semantics (no rank completes before the last one has entered);
 * derived datatypes; argument errors returned by the call itself. */
#include "mtest.h"

static int rank, size;

static void two_bcasts(int n) {
    int r1 = 0, r2 = size - 1;
    int *a = malloc(n * sizeof(int)), *b = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        a[i] = rank == r1 ? 3 * i + 1 : -1;
        b[i] = rank == r2 ? 5 * i + 2 : -1;
    }
    MPI_Request ra, rb;
    MPI_Ibcast(a, n, MPI_INT, r1, MPI_COMM_WORLD, &ra);
    MPI_Ibcast(b, n, MPI_INT, r2, MPI_COMM_WORLD, &rb);
    MPI_Status st;
    MPI_Wait(&rb, &st);
    CHECK(rb == MPI_REQUEST_NULL, "Wait left the Ibcast request");
    MPI_Wait(&ra, MPI_STATUS_IGNORE);
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (a[i] != 3 * i + 1 || b[i] != 5 * i + 2) bad++;
    CHECK(bad == 0, "two Ibcasts (n=%d) completed in reverse order: %d wrong values", n, bad);
    free(a);
    free(b);
}

/* Every nonblocking collective at once. */
static void all_kinds(void) {
    int n = size;
    MPI_Request reqs[17];
    int k = 0;
    int bc[3] = {0, 0, 0};
    if (rank == 1 % size) bc[0] = 11, bc[1] = 12, bc[2] = 13;
    int red_s = rank + 1, red_r = -1, ar_r = -1, scan_r = -1, exscan_r = -7;
    int *gath = malloc(n * sizeof(int)), *gathv = malloc(n * 2 * sizeof(int));
    int *scat_s = malloc(n * sizeof(int)), scat_r = -1;
    int *scatv_s = malloc(n * 2 * sizeof(int)), scatv_r[2] = {-1, -1};
    int *ag = malloc(n * sizeof(int)), *agv = malloc(n * 2 * sizeof(int));
    int *a2a_s = malloc(n * sizeof(int)), *a2a_r = malloc(n * sizeof(int));
    int *a2av_s = malloc(n * sizeof(int)), *a2av_r = malloc(n * sizeof(int));
    int *a2aw_s = malloc(n * sizeof(int)), *a2aw_r = malloc(n * sizeof(int));
    int *rs_s = malloc(n * sizeof(int)), rs_r = -1;
    int *rsb_s = malloc(n * 2 * sizeof(int)), rsb_r[2] = {-1, -1};
    int *cnt = malloc(n * sizeof(int)), *dsp = malloc(n * sizeof(int));
    int *one = malloc(n * sizeof(int)), *onedsp = malloc(n * sizeof(int));
    MPI_Datatype *types = malloc(n * sizeof(MPI_Datatype));
    int *bdsp = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        cnt[i] = 2;
        dsp[i] = 2 * i;
        one[i] = 1;
        onedsp[i] = i;
        types[i] = MPI_INT;
        bdsp[i] = i * (int)sizeof(int);
        scat_s[i] = 100 + i;
        scatv_s[2 * i] = 200 + i;
        scatv_s[2 * i + 1] = 300 + i;
        a2a_s[i] = rank * 100 + i;
        a2av_s[i] = rank * 1000 + i;
        a2aw_s[i] = rank * 10000 + i;
        rs_s[i] = rank + i;
        rsb_s[2 * i] = rank * i;
        rsb_s[2 * i + 1] = rank + 2 * i;
        gath[i] = ag[i] = a2a_r[i] = a2av_r[i] = a2aw_r[i] = -1;
        gathv[2 * i] = gathv[2 * i + 1] = agv[2 * i] = agv[2 * i + 1] = -1;
    }
    int mine2[2] = {rank * 2, rank * 2 + 1};
    int root = size / 2;
    MPI_Ibarrier(MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ibcast(bc, 3, MPI_INT, 1 % size, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ireduce(&red_s, &red_r, 1, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iallreduce(&red_s, &ar_r, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Igather(&red_s, 1, MPI_INT, gath, 1, MPI_INT, root, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Igatherv(mine2, 2, MPI_INT, gathv, cnt, dsp, MPI_INT, 0, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iscatter(scat_s, 1, MPI_INT, &scat_r, 1, MPI_INT, root, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iscatterv(scatv_s, cnt, dsp, MPI_INT, scatv_r, 2, MPI_INT, size - 1, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iallgather(&red_s, 1, MPI_INT, ag, 1, MPI_INT, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iallgatherv(mine2, 2, MPI_INT, agv, cnt, dsp, MPI_INT, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ialltoall(a2a_s, 1, MPI_INT, a2a_r, 1, MPI_INT, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ialltoallv(a2av_s, one, onedsp, MPI_INT, a2av_r, one, onedsp, MPI_INT, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ialltoallw(a2aw_s, one, bdsp, types, a2aw_r, one, bdsp, types, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ireduce_scatter(rs_s, &rs_r, one, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Ireduce_scatter_block(rsb_s, rsb_r, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iscan(&red_s, &scan_r, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Iexscan(&red_s, &exscan_r, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[k++]);
    MPI_Status sts[17];
    int rc = MPI_Waitall(k, reqs, sts);
    CHECK(rc == MPI_SUCCESS, "Waitall of every nonblocking collective: %d", rc);
    for (int i = 0; i < k; i++) CHECK(reqs[i] == MPI_REQUEST_NULL, "request %d not nulled", i);

    CHECK(bc[0] == 11 && bc[1] == 12 && bc[2] == 13, "Ibcast: %d %d %d", bc[0], bc[1], bc[2]);
    if (rank == root) CHECK(red_r == n * (n + 1) / 2, "Ireduce: %d", red_r);
    CHECK(ar_r == n, "Iallreduce MAX: %d", ar_r);
    int bad = 0;
    if (rank == root)
        for (int i = 0; i < n; i++) bad += gath[i] != i + 1;
    if (rank == 0)
        for (int i = 0; i < 2 * n; i++) bad += gathv[i] != i;
    CHECK(bad == 0, "Igather/Igatherv: %d wrong", bad);
    CHECK(scat_r == 100 + rank, "Iscatter: %d", scat_r);
    CHECK(scatv_r[0] == 200 + rank && scatv_r[1] == 300 + rank, "Iscatterv: %d %d", scatv_r[0], scatv_r[1]);
    bad = 0;
    for (int i = 0; i < n; i++) {
        bad += ag[i] != i + 1;
        bad += agv[2 * i] != 2 * i || agv[2 * i + 1] != 2 * i + 1;
        bad += a2a_r[i] != i * 100 + rank;
        bad += a2av_r[i] != i * 1000 + rank;
        bad += a2aw_r[i] != i * 10000 + rank;
    }
    CHECK(bad == 0, "Iallgather(v)/Ialltoall(v,w): %d wrong", bad);
    CHECK(rs_r == n * (n - 1) / 2 + n * rank, "Ireduce_scatter: %d", rs_r);
    CHECK(rsb_r[0] == rank * n * (n - 1) / 2 && rsb_r[1] == n * (n - 1) / 2 + 2 * rank * n,
          "Ireduce_scatter_block: %d %d", rsb_r[0], rsb_r[1]);
    CHECK(scan_r == (rank + 1) * (rank + 2) / 2, "Iscan: %d", scan_r);
    if (rank > 0) CHECK(exscan_r == rank * (rank + 1) / 2, "Iexscan: %d", exscan_r);
    free(gath); free(gathv); free(scat_s); free(scatv_s); free(ag); free(agv);
    free(a2a_s); free(a2a_r); free(a2av_s); free(a2av_r); free(a2aw_s); free(a2aw_r);
    free(rs_s); free(rsb_s); free(cnt); free(dsp); free(one); free(onedsp); free(types); free(bdsp);
}

/* Many Iallreduces in flight, completed in any order with Waitany / Testsome,
 * plus a blocking Allreduce in the middle. */
static void many_same_kind(void) {
    enum { K = 12 };
    int in[K], out[K];
    MPI_Request reqs[K];
    for (int j = 0; j < K; j++) {
        in[j] = rank * (j + 1) + j;
        out[j] = -1;
        MPI_Iallreduce(&in[j], &out[j], 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[j]);
        if (j == K / 2) {
            int x = rank, y = -1;
            MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
            CHECK(y == size * (size - 1) / 2, "blocking Allreduce among pending ones: %d", y);
            int b = rank == 0 ? 77 : 0;
            MPI_Bcast(&b, 1, MPI_INT, 0, MPI_COMM_WORLD);
            CHECK(b == 77, "blocking Bcast among pending ones: %d", b);
        }
    }
    int done = 0, bad = 0;
    while (done < K) {
        int idx = -1;
        if (done % 2 == 0) {
            MPI_Waitany(K, reqs, &idx, MPI_STATUS_IGNORE);
            done++;
        } else {
            int outc = 0, ids[K];
            MPI_Testsome(K, reqs, &outc, ids, MPI_STATUSES_IGNORE);
            if (outc > 0) done += outc;
        }
    }
    for (int j = 0; j < K; j++)
        if (out[j] != (j + 1) * size * (size - 1) / 2 + j * size) bad++;
    CHECK(bad == 0, "%d of %d concurrent Iallreduces wrong", bad, K);
}

/* An Iallreduce in flight while the rank computes and exchanges
 * point-to-point messages around the ring. */
static void overlap(void) {
    int n = 1000;
    double *in = malloc(n * sizeof(double)), *out = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) in[i] = rank + i * 0.5;
    MPI_Request req;
    MPI_Iallreduce(in, out, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &req);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    volatile double acc = 0;
    int bad = 0;
    for (int it = 0; it < 50; it++) {
        for (int i = 0; i < 2000; i++) acc += i * 1e-9;
        int s = rank * 100 + it, r = -1;
        MPI_Sendrecv(&s, 1, MPI_INT, next, 40, &r, 1, MPI_INT, prev, 40, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (r != prev * 100 + it) bad++;
        int flag = 0;
        if (req != MPI_REQUEST_NULL) MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    }
    CHECK(bad == 0, "point-to-point during Iallreduce: %d wrong", bad);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    bad = 0;
    for (int i = 0; i < n; i++)
        if (out[i] != size * (size - 1) / 2.0 + size * i * 0.5) bad++;
    CHECK(bad == 0, "overlapped Iallreduce: %d wrong values", bad);
    free(in);
    free(out);
}

/* Rank 0 enters the Ibarrier only after every other rank has seen its own
 * Ibarrier incomplete; once complete, rank 0's "entered" message (sent
 * before it entered) must be there. */
static void ibarrier_late(void) {
    MPI_Request req;
    if (rank == 0) {
        for (int p = 1; p < size; p++)
            MPI_Recv(NULL, 0, MPI_INT, MPI_ANY_SOURCE, 50, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int p = 1; p < size; p++) MPI_Send(NULL, 0, MPI_INT, p, 51, MPI_COMM_WORLD);
        MPI_Ibarrier(MPI_COMM_WORLD, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        return;
    }
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    int early = 0;
    for (int k = 0; k < 200; k++) {
        int flag = 0;
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        if (flag) early++;
    }
    CHECK(early == 0, "Ibarrier completed %d times before rank 0 entered", early);
    MPI_Send(NULL, 0, MPI_INT, 0, 50, MPI_COMM_WORLD);
    int flag = 0;
    while (!flag) MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    int there = 0;
    MPI_Iprobe(0, 51, MPI_COMM_WORLD, &there, MPI_STATUS_IGNORE);
    CHECK(there == 1, "Ibarrier completed but rank 0's message sent before it entered is not here");
    MPI_Recv(NULL, 0, MPI_INT, 0, 51, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* A strided datatype: the receive side is unpacked at completion. */
static void derived(void) {
    MPI_Datatype vec;
    MPI_Type_vector(3, 1, 2, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    int buf[6];
    for (int i = 0; i < 6; i++) buf[i] = rank == 0 ? 10 + i : -1;
    MPI_Request req;
    MPI_Ibcast(buf, 1, vec, 0, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    if (rank != 0)
        CHECK(buf[0] == 10 && buf[1] == -1 && buf[2] == 12 && buf[3] == -1 && buf[4] == 14 && buf[5] == -1,
              "strided Ibcast: %d %d %d %d %d %d", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]);
    int s[6], r[6];
    for (int i = 0; i < 6; i++) s[i] = rank * 10 + i, r[i] = -1;
    MPI_Iallreduce(s, r, 1, vec, MPI_SUM, MPI_COMM_WORLD, &req);
    int flag = 0;
    while (!flag) MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    int base = 10 * size * (size - 1) / 2;
    CHECK(r[0] == base && r[1] == -1 && r[2] == base + 2 * size && r[3] == -1 && r[4] == base + 4 * size,
          "strided Iallreduce: %d %d %d %d %d", r[0], r[1], r[2], r[3], r[4]);
    MPI_Type_free(&vec);
}

static void errors(void) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int b = 0, rc;
    MPI_Request req = MPI_REQUEST_NULL;
    rc = MPI_Ibcast(&b, 1, MPI_INT, size, MPI_COMM_WORLD, &req);
    CHECK_CLASS(rc, MPI_ERR_ROOT);
    CHECK(req == MPI_REQUEST_NULL, "a failed Ibcast returned a request");
    int land = -1;
    rc = MPI_Iallreduce(&b, &land, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD, &req);
    CHECK(rc == MPI_SUCCESS, "Iallreduce LAND on ints: %d", rc);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(land == 0, "Iallreduce LAND of zeros: %d", land);
    float f = 1, g;
    rc = MPI_Iallreduce(&f, &g, 1, MPI_FLOAT, MPI_BAND, MPI_COMM_WORLD, &req);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Ibarrier(MPI_COMM_NULL, &req);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

/* Nonblocking collectives on a split communicator, interleaved with ones
 * on MPI_COMM_WORLD. */
static void subcomm(void) {
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    int hr, hs;
    MPI_Comm_rank(half, &hr);
    MPI_Comm_size(half, &hs);
    int a = rank, sa = -1, w = 1, sw = -1;
    MPI_Request reqs[2];
    MPI_Iallreduce(&a, &sa, 1, MPI_INT, MPI_SUM, half, &reqs[0]);
    MPI_Iallreduce(&w, &sw, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    int want = 0;
    for (int p = rank % 2; p < size; p += 2) want += p;
    CHECK(sa == want && sw == size, "split Iallreduce: %d (want %d), world %d", sa, want, sw);
    MPI_Comm_free(&half);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    two_bcasts(10);
    two_bcasts(40000);
    all_kinds();
    many_same_kind();
    overlap();
    ibarrier_late();
    derived();
    errors();
    subcomm();
    return mtest_finish();
}
