/* persist_coll.c: MPI-4 persistent collectives (MPI_Barrier_init,
 * MPI_Bcast_init, MPI_Reduce_init, MPI_Allreduce_init, MPI_Gather(v)_init,
 * MPI_Scatter(v)_init, MPI_Allgather(v)_init, MPI_Alltoall(v,w)_init,
 * MPI_Reduce_scatter(_block)_init, MPI_Scan_init, MPI_Exscan_init),
 * restarted many times with changing data, started together with
 * MPI_Startall and mixed with nonblocking and blocking collectives. */
#include "mtest.h"

static int rank, size;

/* Allreduce_init restarted 100 times with new data every time. */
static void allreduce_restart(void) {
    const int n = 64;
    long long in[64], out[64];
    MPI_Request req;
    MPI_Allreduce_init(in, out, n, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    MPI_Request keep = req;
    int bad = 0;
    for (int it = 0; it < 100; it++) {
        for (int i = 0; i < n; i++) in[i] = (long long)rank * 1000000 + it * 1000 + i;
        for (int i = 0; i < n; i++) out[i] = -1;
        MPI_Start(&req);
        if (it % 3 == 0) {
            int flag = 0;
            while (!flag) MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        } else {
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        }
        long long want0 = (long long)size * (size - 1) / 2 * 1000000;
        for (int i = 0; i < n; i++)
            if (out[i] != want0 + (long long)size * (it * 1000 + i)) bad++;
        if (req != keep) bad++;
    }
    CHECK(bad == 0, "Allreduce_init x100: %d wrong", bad);
    MPI_Status st;
    MPI_Wait(&req, &st); /* inactive */
    CHECK(st.MPI_SOURCE == MPI_ANY_SOURCE && st.MPI_TAG == MPI_ANY_TAG, "inactive persistent collective status %d %d",
          st.MPI_SOURCE, st.MPI_TAG);
    MPI_Request_free(&req);
    CHECK(req == MPI_REQUEST_NULL, "Request_free left the handle");
}

/* Several persistent collectives started together, many rounds. */
static void startall_rounds(void) {
    int n = size;
    int bc[2], red_in, red_out, *gat = malloc(n * sizeof(int)), *sc = malloc(n * sizeof(int)), scr;
    int *ag = malloc(n * sizeof(int)), *a2s = malloc(n * sizeof(int)), *a2r = malloc(n * sizeof(int));
    int *gv = malloc(n * sizeof(int)), *agv = malloc(n * sizeof(int)), *scv = malloc(n * sizeof(int)), scvr;
    int *a2vs = malloc(n * sizeof(int)), *a2vr = malloc(n * sizeof(int));
    int *a2ws = malloc(n * sizeof(int)), *a2wr = malloc(n * sizeof(int));
    int *rss = malloc(n * sizeof(int)), rsr, *rsbs = malloc(n * sizeof(int)), rsbr, scan_out, exscan_out;
    int *one = malloc(n * sizeof(int)), *dsp = malloc(n * sizeof(int)), *bdsp = malloc(n * sizeof(int));
    MPI_Datatype *types = malloc(n * sizeof(MPI_Datatype));
    for (int i = 0; i < n; i++) one[i] = 1, dsp[i] = i, bdsp[i] = i * (int)sizeof(int), types[i] = MPI_INT;
    int root = (size > 1) ? 1 : 0;
    MPI_Request reqs[18];
    int k = 0;
    MPI_Barrier_init(MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Bcast_init(bc, 2, MPI_INT, root, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Reduce_init(&red_in, &red_out, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Gather_init(&red_in, 1, MPI_INT, gat, 1, MPI_INT, root, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Scatter_init(sc, 1, MPI_INT, &scr, 1, MPI_INT, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Allgather_init(&red_in, 1, MPI_INT, ag, 1, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Alltoall_init(a2s, 1, MPI_INT, a2r, 1, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Gatherv_init(&red_in, 1, MPI_INT, gv, one, dsp, MPI_INT, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Scatterv_init(scv, one, dsp, MPI_INT, &scvr, 1, MPI_INT, root, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Allgatherv_init(&red_in, 1, MPI_INT, agv, one, dsp, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Alltoallv_init(a2vs, one, dsp, MPI_INT, a2vr, one, dsp, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Alltoallw_init(a2ws, one, bdsp, types, a2wr, one, bdsp, types, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Reduce_scatter_init(rss, &rsr, one, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Reduce_scatter_block_init(rsbs, &rsbr, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Scan_init(&red_in, &scan_out, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    MPI_Exscan_init(&red_in, &exscan_out, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[k++]);
    int bad[16] = {0};
    for (int it = 0; it < 25; it++) {
        red_in = rank * 3 + it;
        if (rank == root) bc[0] = it, bc[1] = -it;
        else bc[0] = bc[1] = -99;
        for (int i = 0; i < n; i++) {
            sc[i] = it * 100 + i;
            scv[i] = it * 200 + i;
            a2s[i] = it * 1000 + rank * 10 + i;
            a2vs[i] = it * 2000 + rank * 10 + i;
            a2ws[i] = it * 3000 + rank * 10 + i;
            rss[i] = it + rank * i;
            rsbs[i] = 2 * it + rank + i;
            gat[i] = ag[i] = a2r[i] = gv[i] = agv[i] = a2vr[i] = a2wr[i] = -1;
        }
        MPI_Startall(k, reqs);
        /* A nonblocking and a blocking collective while they run. */
        int x = 1, y = -1, z = -1;
        MPI_Request ir;
        MPI_Iallreduce(&x, &y, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &ir);
        MPI_Allreduce(&x, &z, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Waitall(k, reqs, MPI_STATUSES_IGNORE);
        MPI_Wait(&ir, MPI_STATUS_IGNORE);
        bad[0] += y != size || z != size;
        bad[1] += bc[0] != it || bc[1] != -it;
        if (rank == 0) bad[2] += red_out != (size - 1) * 3 + it;
        for (int i = 0; i < n; i++) {
            if (rank == root) bad[3] += gat[i] != i * 3 + it;
            bad[4] += ag[i] != i * 3 + it;
            bad[5] += a2r[i] != it * 1000 + i * 10 + rank;
            if (rank == 0) bad[6] += gv[i] != i * 3 + it;
            bad[7] += agv[i] != i * 3 + it;
            bad[8] += a2vr[i] != it * 2000 + i * 10 + rank;
            bad[9] += a2wr[i] != it * 3000 + i * 10 + rank;
        }
        bad[10] += scr != it * 100 + rank;
        bad[11] += scvr != it * 200 + rank;
        bad[12] += rsr != n * it + rank * n * (n - 1) / 2;
        bad[13] += rsbr != n * (2 * it + rank) + n * (n - 1) / 2;
        bad[14] += scan_out != 3 * rank * (rank + 1) / 2 + (rank + 1) * it;
        if (rank > 0) bad[15] += exscan_out != 3 * (rank - 1) * rank / 2 + rank * it;
    }
    for (int i = 0; i < 16; i++) CHECK(bad[i] == 0, "persistent collectives, check %d: %d wrong", i, bad[i]);
    for (int i = 0; i < k; i++) {
        CHECK(reqs[i] != MPI_REQUEST_NULL, "persistent collective %d was nulled", i);
        MPI_Request_free(&reqs[i]);
    }
    free(gat); free(sc); free(ag); free(a2s); free(a2r); free(gv); free(agv); free(scv);
    free(a2vs); free(a2vr); free(a2ws); free(a2wr); free(rss); free(rsbs); free(one); free(dsp);
    free(bdsp); free(types);
}

/* A persistent Bcast with a strided datatype: packed at every start at the
 * root, unpacked at every completion elsewhere. */
static void derived(void) {
    MPI_Datatype vec;
    MPI_Type_vector(2, 1, 3, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    int buf[6];
    MPI_Request req;
    MPI_Bcast_init(buf, 1, vec, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    int bad = 0;
    for (int it = 0; it < 10; it++) {
        for (int i = 0; i < 6; i++) buf[i] = rank == 0 ? it * 10 + i : -1;
        MPI_Start(&req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        for (int i = 0; i < 6; i++) {
            int want = (rank == 0 || i == 0 || i == 3) ? it * 10 + i : -1;
            if (buf[i] != want) bad++;
        }
    }
    CHECK(bad == 0, "strided Bcast_init: %d wrong", bad);
    MPI_Request_free(&req);
    MPI_Type_free(&vec);
}

/* MPI_IN_PLACE: Allreduce_init and a nonblocking Reduce at the root. */
static void in_place(void) {
    int buf[3];
    MPI_Request req;
    MPI_Allreduce_init(MPI_IN_PLACE, buf, 3, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    int bad = 0;
    for (int it = 0; it < 20; it++) {
        for (int i = 0; i < 3; i++) buf[i] = rank + it * i;
        MPI_Start(&req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        for (int i = 0; i < 3; i++)
            if (buf[i] != size * (size - 1) / 2 + size * it * i) bad++;
    }
    CHECK(bad == 0, "in-place Allreduce_init: %d wrong", bad);
    MPI_Request_free(&req);
    int v = rank + 1, root = size - 1;
    if (rank == root)
        MPI_Ireduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_PROD, root, MPI_COMM_WORLD, &req);
    else
        MPI_Ireduce(&v, NULL, 1, MPI_INT, MPI_PROD, root, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    int fact = 1;
    for (int i = 2; i <= size; i++) fact *= i;
    if (rank == root) CHECK(v == fact, "in-place Ireduce PROD: %d, want %d", v, fact);
}

static void errors(void) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int b = 0;
    MPI_Request req = MPI_REQUEST_NULL;
    int rc = MPI_Bcast_init(&b, 1, MPI_INT, -1, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    CHECK_CLASS(rc, MPI_ERR_ROOT);
    CHECK(req == MPI_REQUEST_NULL, "a failed Bcast_init returned a request");
    MPI_Barrier_init(MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    MPI_Start(&req);
    rc = MPI_Start(&req);
    CHECK_CLASS(rc, MPI_ERR_REQUEST);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Request_free(&req);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    allreduce_restart();
    startall_rounds();
    derived();
    in_place();
    errors();
    return mtest_finish();
}
