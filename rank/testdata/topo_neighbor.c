/* topo_neighbor.c: neighbourhood collectives. A 2-D halo exchange on a
 * periodic Cartesian grid with MPI_Neighbor_alltoall (packed rows and
 * columns) and with MPI_Neighbor_alltoallw (row and column datatypes straight
 * out of the local array), every halo cell checked against the global grid
 * (periodic extents of 1 and 2 make a process its own or its only neighbour);
 * MPI_Neighbor_allgather and _allgatherv on a non-periodic grid (blocks of
 * MPI_PROC_NULL neighbours untouched); _alltoall on a ring graph with
 * multi-edges; _alltoallv on a distributed graph with per-edge counts; the
 * nonblocking forms outstanding together with an MPI_Iallreduce on the same
 * communicator and completed in reverse order; the persistent forms started
 * several times; and the error classes (no topology, a one-way graph,
 * MPI_IN_PLACE, negative counts). Runs with any number of ranks. */
#include "mtest.h"

static int rank, size;

#define EXPECT(call, cls)                                                                  \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        int c_ = -1;                                                                       \
        MPI_Error_class(rc_, &c_);                                                         \
        CHECK(c_ == (cls), "%s returned class %d, want %s (%d)", #call, c_, #cls, (cls)); \
    } while (0)

static int mod(int a, int n) { return ((a % n) + n) % n; }

#define N 3 /* local block is N x N */

static int dims[2], coords[2];
static MPI_Comm torus; /* 2-D, periodic in both dimensions */

/* Value of global cell (gx, gy) in iteration it. */
static int cell(int gx, int gy, int it) {
    gx = mod(gx, dims[0] * N), gy = mod(gy, dims[1] * N);
    return it * 1000000 + gx * 1000 + gy;
}

/* Fill the four send blocks (N ints each: first row, last row, first
 * column, last column) of the local block. */
static void pack_edges(int *send, int it) {
    int x0 = coords[0] * N, y0 = coords[1] * N;
    for (int k = 0; k < N; k++) {
        send[0 * N + k] = cell(x0, y0 + k, it);
        send[1 * N + k] = cell(x0 + N - 1, y0 + k, it);
        send[2 * N + k] = cell(x0 + k, y0, it);
        send[3 * N + k] = cell(x0 + k, y0 + N - 1, it);
    }
}

/* Check the four received halo blocks: the row above, the row below, the
 * column left and the column right of the local block. */
static int check_halo(const int *recv, int it) {
    int x0 = coords[0] * N, y0 = coords[1] * N, bad = 0;
    for (int k = 0; k < N; k++) {
        bad += recv[0 * N + k] != cell(x0 - 1, y0 + k, it);
        bad += recv[1 * N + k] != cell(x0 + N, y0 + k, it);
        bad += recv[2 * N + k] != cell(x0 + k, y0 - 1, it);
        bad += recv[3 * N + k] != cell(x0 + k, y0 + N, it);
    }
    return bad;
}

static void halo_alltoall(void) {
    int send[4 * N], recv[4 * N];
    pack_edges(send, 1);
    for (int i = 0; i < 4 * N; i++) recv[i] = -1;
    CHECK(MPI_Neighbor_alltoall(send, N, MPI_INT, recv, N, MPI_INT, torus) == MPI_SUCCESS, "Neighbor_alltoall");
    int bad = check_halo(recv, 1);
    CHECK(bad == 0, "halo exchange on a %dx%d torus: %d wrong cells", dims[0], dims[1], bad);
}

/* mode 0: MPI_Neighbor_alltoallw, 1: MPI_Ineighbor_alltoallw, 2:
 * MPI_Neighbor_alltoallw_init started twice. */
static void halo_alltoallw(int mode) {
    /* The local array with a halo of one cell; corners stay -1. */
    int a[N + 2][N + 2];
    int x0 = coords[0] * N, y0 = coords[1] * N;
    for (int i = 0; i < N + 2; i++)
        for (int j = 0; j < N + 2; j++)
            a[i][j] = (i >= 1 && i <= N && j >= 1 && j <= N) ? cell(x0 + i - 1, y0 + j - 1, 2) : -1;
    MPI_Datatype row, col;
    MPI_Type_contiguous(N, MPI_INT, &row);
    MPI_Type_vector(N, 1, N + 2, MPI_INT, &col);
    MPI_Type_commit(&row);
    MPI_Type_commit(&col);
    int counts[4] = {1, 1, 1, 1};
    MPI_Datatype types[4] = {row, row, col, col};
#define AT(i, j) ((MPI_Aint)((char *)&a[i][j] - (char *)a))
    MPI_Aint sd[4] = {AT(1, 1), AT(N, 1), AT(1, 1), AT(1, N)};
    MPI_Aint rd[4] = {AT(0, 1), AT(N + 1, 1), AT(1, 0), AT(1, N + 1)};
    MPI_Request req;
    switch (mode) {
    case 0:
        CHECK(MPI_Neighbor_alltoallw(a, counts, sd, types, a, counts, rd, types, torus) == MPI_SUCCESS,
              "Neighbor_alltoallw");
        break;
    case 1:
        MPI_Ineighbor_alltoallw(a, counts, sd, types, a, counts, rd, types, torus, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        break;
    default:
        MPI_Neighbor_alltoallw_init(a, counts, sd, types, a, counts, rd, types, torus, MPI_INFO_NULL, &req);
        for (int k = 0; k < 2; k++) {
            a[0][1] = -1;
            MPI_Start(&req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        }
        MPI_Request_free(&req);
    }
    int bad = 0;
    for (int i = 0; i < N + 2; i++)
        for (int j = 0; j < N + 2; j++) {
            int corner = (i == 0 || i == N + 1) && (j == 0 || j == N + 1);
            int want = corner ? -1 : cell(x0 + i - 1, y0 + j - 1, 2);
            bad += a[i][j] != want;
        }
    CHECK(bad == 0, "alltoallw halo exchange with row/column datatypes (mode %d): %d wrong cells", mode, bad);
    MPI_Type_free(&row);
    MPI_Type_free(&col);
}

/* Non-periodic grid: allgather and allgatherv, PROC_NULL blocks untouched. */
static void open_grid(void) {
    int d[2] = {0, 0}, p[2] = {0, 0};
    MPI_Dims_create(size, 2, d);
    MPI_Comm g;
    MPI_Cart_create(MPI_COMM_WORLD, 2, d, p, 0, &g);
    int nb[4];
    MPI_Cart_shift(g, 0, 1, &nb[0], &nb[1]);
    MPI_Cart_shift(g, 1, 1, &nb[2], &nb[3]);
    int mine[2] = {rank, 10 * rank}, got[8];
    for (int i = 0; i < 8; i++) got[i] = -99;
    MPI_Neighbor_allgather(mine, 2, MPI_INT, got, 2, MPI_INT, g);
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        int w0 = nb[i] == MPI_PROC_NULL ? -99 : nb[i], w1 = nb[i] == MPI_PROC_NULL ? -99 : 10 * nb[i];
        bad += got[2 * i] != w0 || got[2 * i + 1] != w1;
    }
    CHECK(bad == 0, "Neighbor_allgather on an open %dx%d grid: %d wrong blocks", d[0], d[1], bad);

    /* Allgatherv: rank r sends r+1 ints; blocks land in reverse order with
     * gaps between them. */
    int send[64], recv[4 * 16 + 8], counts[4], displs[4];
    for (int k = 0; k < rank + 1; k++) send[k] = 100 * rank + k;
    for (int i = 0; i < 4; i++) {
        counts[i] = nb[i] == MPI_PROC_NULL ? 5 : nb[i] + 1;
        displs[i] = 16 * (3 - i) + 1;
    }
    for (int i = 0; i < (int)(sizeof recv / sizeof recv[0]); i++) recv[i] = -7;
    MPI_Neighbor_allgatherv(send, rank + 1, MPI_INT, recv, counts, displs, MPI_INT, g);
    bad = 0;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < counts[i]; k++)
            bad += recv[displs[i] + k] != (nb[i] == MPI_PROC_NULL ? -7 : 100 * nb[i] + k);
    for (int i = 0; i < 4; i++) bad += recv[16 * (3 - i)] != -7;
    CHECK(bad == 0, "Neighbor_allgatherv: %d wrong values", bad);
    /* The same, nonblocking and persistent. */
    MPI_Request v[2];
    for (int i = 0; i < (int)(sizeof recv / sizeof recv[0]); i++) recv[i] = -7;
    int recv2[sizeof recv / sizeof recv[0]];
    for (int i = 0; i < (int)(sizeof recv / sizeof recv[0]); i++) recv2[i] = -7;
    MPI_Ineighbor_allgatherv(send, rank + 1, MPI_INT, recv, counts, displs, MPI_INT, g, &v[0]);
    MPI_Neighbor_allgatherv_init(send, rank + 1, MPI_INT, recv2, counts, displs, MPI_INT, g, MPI_INFO_NULL, &v[1]);
    MPI_Start(&v[1]);
    MPI_Waitall(2, v, MPI_STATUSES_IGNORE);
    bad = 0;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < counts[i]; k++) {
            int want = nb[i] == MPI_PROC_NULL ? -7 : 100 * nb[i] + k;
            bad += recv[displs[i] + k] != want || recv2[displs[i] + k] != want;
        }
    CHECK(bad == 0, "Ineighbor_allgatherv / Neighbor_allgatherv_init: %d wrong values", bad);
    MPI_Request_free(&v[1]);

    /* Nonblocking allgather while an allreduce runs on the same grid. */
    MPI_Request r[2];
    int sum = -1;
    for (int i = 0; i < 8; i++) got[i] = -99;
    MPI_Ineighbor_allgather(mine, 2, MPI_INT, got, 2, MPI_INT, g, &r[0]);
    MPI_Iallreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, g, &r[1]);
    MPI_Wait(&r[1], MPI_STATUS_IGNORE);
    MPI_Wait(&r[0], MPI_STATUS_IGNORE);
    bad = 0;
    for (int i = 0; i < 4; i++) bad += got[2 * i] != (nb[i] == MPI_PROC_NULL ? -99 : nb[i]);
    CHECK(bad == 0 && sum == size * (size - 1) / 2, "Ineighbor_allgather + Iallreduce: %d wrong, sum %d", bad, sum);
    MPI_Comm_free(&g);
}

/* Ring graph: neighbours i-1 then i+1 (the same process twice for 2 or 1
 * processes: then blocks pair up in order). */
static void ring_graph(void) {
    int *index = malloc(size * sizeof(int)), *edges = malloc(2 * size * sizeof(int));
    for (int i = 0; i < size; i++) index[i] = 2 * i + 2, edges[2 * i] = mod(i - 1, size), edges[2 * i + 1] = mod(i + 1, size);
    MPI_Comm g;
    MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &g);
    int send[2] = {10 * rank, 10 * rank + 1}, recv[2] = {-1, -1};
    MPI_Neighbor_alltoall(send, 1, MPI_INT, recv, 1, MPI_INT, g);
    int w0, w1, l = mod(rank - 1, size), r = mod(rank + 1, size);
    if (size <= 2)
        w0 = 10 * l, w1 = 10 * l + 1;
    else
        w0 = 10 * l + 1, w1 = 10 * r; /* i-1 sent me its second block, i+1 its first */
    CHECK(recv[0] == w0 && recv[1] == w1, "ring graph alltoall: %d %d, want %d %d", recv[0], recv[1], w0, w1);
    /* Persistent allgather, started three times with new data. */
    MPI_Request req;
    int mine = -1, got[2];
    MPI_Neighbor_allgather_init(&mine, 1, MPI_INT, got, 1, MPI_INT, g, MPI_INFO_NULL, &req);
    for (int it = 0; it < 3; it++) {
        mine = 100 * it + rank;
        got[0] = got[1] = -1;
        MPI_Start(&req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        CHECK(got[0] == 100 * it + l && got[1] == 100 * it + r, "persistent allgather %d: %d %d", it, got[0], got[1]);
    }
    MPI_Request_free(&req);
    MPI_Comm_free(&g);

    /* A one-way graph cannot exchange. */
    if (size > 1) {
        for (int i = 0; i < size; i++) index[i] = 1;
        edges[0] = 1;
        MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &g);
        EXPECT(MPI_Neighbor_alltoall(send, 1, MPI_INT, recv, 1, MPI_INT, g), MPI_ERR_TOPOLOGY);
        MPI_Comm_free(&g);
    }
    free(index), free(edges);
}

/* Distributed graph: in from i-1 and i+2, out to i+1 and i-2; the block for
 * destination j has j+1+rank ints. */
static void dist_alltoallv(void) {
    int src[2] = {mod(rank - 1, size), mod(rank + 2, size)}, dst[2] = {mod(rank + 1, size), mod(rank - 2, size)};
    MPI_Comm d;
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, MPI_UNWEIGHTED, 2, dst, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &d);
    int send[64], scounts[2], sdispls[2], recv[64], rcounts[2], rdispls[2];
    int off = 0;
    for (int j = 0; j < 2; j++) {
        scounts[j] = j + 1 + rank, sdispls[j] = off;
        for (int k = 0; k < scounts[j]; k++) send[off + k] = 100 * rank + 10 * j + k;
        off += scounts[j];
    }
    /* Receive slot 1 first in memory, then slot 0, with a gap. */
    rcounts[0] = 1 + src[0], rcounts[1] = 2 + src[1];
    rdispls[1] = 0, rdispls[0] = rcounts[1] + 2;
    for (int i = 0; i < 64; i++) recv[i] = -5;
    MPI_Neighbor_alltoallv(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT, d);
    int bad = 0;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < rcounts[i]; k++) bad += recv[rdispls[i] + k] != 100 * src[i] + 10 * i + k;
    bad += recv[rcounts[1]] != -5 || recv[rcounts[1] + 1] != -5;
    CHECK(bad == 0, "Neighbor_alltoallv on a distributed graph: %d wrong values", bad);

    /* The same through the persistent and the nonblocking forms, the
     * nonblocking one outstanding with a halo exchange on the torus. */
    MPI_Request p, r[2];
    MPI_Neighbor_alltoallv_init(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT, d, MPI_INFO_NULL, &p);
    for (int it = 0; it < 2; it++) {
        for (int i = 0; i < 64; i++) recv[i] = -5;
        MPI_Start(&p);
        MPI_Wait(&p, MPI_STATUS_IGNORE);
        bad = 0;
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < rcounts[i]; k++) bad += recv[rdispls[i] + k] != 100 * src[i] + 10 * i + k;
        CHECK(bad == 0, "persistent Neighbor_alltoallv round %d: %d wrong", it, bad);
    }
    MPI_Request_free(&p);
    int hs[4 * N], hr[4 * N];
    pack_edges(hs, 3);
    for (int i = 0; i < 64; i++) recv[i] = -5;
    MPI_Ineighbor_alltoallv(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT, d, &r[0]);
    MPI_Ineighbor_alltoall(hs, N, MPI_INT, hr, N, MPI_INT, torus, &r[1]);
    MPI_Wait(&r[1], MPI_STATUS_IGNORE);
    MPI_Wait(&r[0], MPI_STATUS_IGNORE);
    bad = 0;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < rcounts[i]; k++) bad += recv[rdispls[i] + k] != 100 * src[i] + 10 * i + k;
    CHECK(bad == 0 && check_halo(hr, 3) == 0, "Ineighbor_alltoallv with Ineighbor_alltoall: %d wrong", bad);
    MPI_Comm_free(&d);
}

/* Several halo exchanges in flight on one communicator, with a collective
 * of another kind between them, completed in reverse order. */
static void many_in_flight(void) {
    enum { K = 4 };
    int s[K][4 * N], r[K][4 * N], bsum = -1;
    MPI_Request q[K + 1];
    for (int it = 0; it < K; it++) {
        pack_edges(s[it], 10 + it);
        MPI_Ineighbor_alltoall(s[it], N, MPI_INT, r[it], N, MPI_INT, torus, &q[it]);
        if (it == 1) MPI_Iallreduce(&rank, &bsum, 1, MPI_INT, MPI_MAX, torus, &q[K]);
    }
    for (int i = K; i >= 0; i--) MPI_Wait(&q[i], MPI_STATUS_IGNORE);
    int bad = 0;
    for (int it = 0; it < K; it++) bad += check_halo(r[it], 10 + it);
    CHECK(bad == 0 && bsum == size - 1, "%d halo exchanges in flight: %d wrong cells, max %d", K, bad, bsum);

    /* Persistent alltoall started repeatedly. */
    MPI_Request p;
    int ps[4 * N], pr[4 * N];
    MPI_Neighbor_alltoall_init(ps, N, MPI_INT, pr, N, MPI_INT, torus, MPI_INFO_NULL, &p);
    for (int it = 20; it < 23; it++) {
        pack_edges(ps, it);
        MPI_Start(&p);
        MPI_Wait(&p, MPI_STATUS_IGNORE);
        CHECK(check_halo(pr, it) == 0, "persistent halo exchange %d", it);
    }
    MPI_Request_free(&p);
}

static void errors(void) {
    int a[8] = {0}, b[8] = {0}, c1[4] = {1, 1, 1, 1}, d0[4] = {0, 0, 0, 0};
    MPI_Request req;
    EXPECT(MPI_Neighbor_allgather(a, 1, MPI_INT, b, 1, MPI_INT, MPI_COMM_WORLD), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Neighbor_alltoallv(a, c1, d0, MPI_INT, b, c1, d0, MPI_INT, MPI_COMM_WORLD), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Ineighbor_alltoall(a, 1, MPI_INT, b, 1, MPI_INT, MPI_COMM_WORLD, &req), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Neighbor_alltoall_init(a, 1, MPI_INT, b, 1, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &req),
           MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Neighbor_alltoall(MPI_IN_PLACE, 1, MPI_INT, b, 1, MPI_INT, torus), MPI_ERR_BUFFER);
    EXPECT(MPI_Neighbor_allgather(a, 1, MPI_INT, MPI_IN_PLACE, 1, MPI_INT, torus), MPI_ERR_BUFFER);
    EXPECT(MPI_Neighbor_alltoall(a, -1, MPI_INT, b, 1, MPI_INT, torus), MPI_ERR_COUNT);
    EXPECT(MPI_Neighbor_allgather(a, 1, MPI_INT, b, -1, MPI_INT, torus), MPI_ERR_COUNT);
    EXPECT(MPI_Neighbor_alltoall(a, 1, MPI_DATATYPE_NULL, b, 1, MPI_INT, torus), MPI_ERR_TYPE);
    EXPECT(MPI_Neighbor_alltoall(a, 1, MPI_INT, NULL, 1, MPI_INT, torus), MPI_ERR_BUFFER);
    EXPECT(MPI_Neighbor_allgather(a, 1, MPI_INT, b, 1, MPI_INT, MPI_COMM_NULL), MPI_ERR_COMM);

    /* Only rank 0 passes a bad receive buffer: it gets MPI_ERR_BUFFER, the
     * processes that expected data from it MPI_ERR_OTHER, the others succeed,
     * and nobody waits forever. The same through the nonblocking form, whose
     * error comes with MPI_Wait. The torus keeps working afterwards. */
    int nb[4], from0 = 0;
    MPI_Cart_shift(torus, 0, 1, &nb[0], &nb[1]);
    MPI_Cart_shift(torus, 1, 1, &nb[2], &nb[3]);
    for (int i = 0; i < 4; i++) from0 |= nb[i] == 0;
    int want = rank == 0 ? MPI_ERR_BUFFER : from0 ? MPI_ERR_OTHER : MPI_SUCCESS;
    int s[4 * N], r[4 * N];
    pack_edges(s, 30);
    int rc = MPI_Neighbor_alltoall(s, N, MPI_INT, rank == 0 ? NULL : r, N, MPI_INT, torus);
    CHECK_CLASS(rc, want);
    rc = MPI_Ineighbor_alltoall(s, N, MPI_INT, rank == 0 ? NULL : r, N, MPI_INT, torus, &req);
    CHECK(rc == MPI_SUCCESS, "Ineighbor_alltoall with a bad buffer on rank 0 returned %d", rc);
    rc = MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK_CLASS(rc, want);
    pack_edges(s, 31);
    CHECK(MPI_Neighbor_alltoall(s, N, MPI_INT, r, N, MPI_INT, torus) == MPI_SUCCESS && check_halo(r, 31) == 0,
          "halo exchange after a failed one");
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int periods[2] = {1, 1};
    dims[0] = dims[1] = 0;
    MPI_Dims_create(size, 2, dims);
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &torus);
    MPI_Cart_coords(torus, rank, 2, coords);
    halo_alltoall();
    for (int mode = 0; mode < 3; mode++) halo_alltoallw(mode);
    open_grid();
    ring_graph();
    dist_alltoallv();
    many_in_flight();
    errors();
    MPI_Comm_free(&torus);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return mtest_finish();
}
