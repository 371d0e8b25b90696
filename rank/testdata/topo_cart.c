/* topo_cart.c: Cartesian topologies. MPI_Dims_create's exact factorisations
 * and errors; MPI_Cart_create over every rank, over fewer ranks (the rest get
 * MPI_COMM_NULL) and over zero dimensions; every query (Topo_test,
 * Cartdim_get, Cart_get, Cart_rank, Cart_coords, Cart_shift with periodic
 * and non-periodic dimensions and several displacements) checked against
 * row-major arithmetic done here; Cart_sub; Cart_map; the topology kept by
 * MPI_Comm_dup and not by MPI_Comm_split; and the exact error class of every
 * bad argument. Runs with any number of ranks. */
#include "mtest.h"

static int rank, size;

#define EXPECT(call, cls)                                                                  \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        int c_ = -1;                                                                       \
        MPI_Error_class(rc_, &c_);                                                         \
        CHECK(c_ == (cls), "%s returned class %d, want %s (%d)", #call, c_, #cls, (cls)); \
    } while (0)

static void dims_create(void) {
    struct {
        int nnodes, ndims, in[4], want[4];
    } ok[] = {
        {6, 2, {0, 0}, {3, 2}},
        {7, 2, {0, 0}, {7, 1}},
        {6, 3, {0, 3, 0}, {2, 3, 1}},
        {16, 3, {0, 0, 0}, {4, 2, 2}},
        {12, 2, {0, 0}, {4, 3}},
        {36, 3, {0, 0, 0}, {4, 3, 3}},
        {64, 4, {0, 0, 0, 0}, {4, 4, 2, 2}},
        {1, 3, {0, 0, 0}, {1, 1, 1}},
        {8, 3, {2, 0, 2}, {2, 2, 2}},
        {24, 3, {0, 0, 0}, {4, 3, 2}},
        {30, 4, {0, 5, 0, 0}, {3, 5, 2, 1}},
        {9, 1, {0}, {9}},
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        int d[4];
        memcpy(d, ok[k].in, sizeof d);
        int rc = MPI_Dims_create(ok[k].nnodes, ok[k].ndims, d);
        CHECK(rc == MPI_SUCCESS, "Dims_create(%d, %d) failed", ok[k].nnodes, ok[k].ndims);
        for (int i = 0; i < ok[k].ndims; i++)
            CHECK(d[i] == ok[k].want[i], "Dims_create(%d, %d): dims[%d] = %d, want %d", ok[k].nnodes,
                  ok[k].ndims, i, d[i], ok[k].want[i]);
    }
    int d[3] = {0, 3, 0};
    EXPECT(MPI_Dims_create(7, 3, d), MPI_ERR_DIMS);
    int e[2] = {-1, 0};
    EXPECT(MPI_Dims_create(6, 2, e), MPI_ERR_DIMS);
    int f[2] = {2, 2};
    EXPECT(MPI_Dims_create(6, 2, f), MPI_ERR_DIMS);
    int g[1] = {0};
    EXPECT(MPI_Dims_create(0, 1, g), MPI_ERR_DIMS);
    EXPECT(MPI_Dims_create(4, -1, g), MPI_ERR_DIMS);
    /* The size of the job splits into two extents whose product is it. */
    int h[2] = {0, 0};
    MPI_Dims_create(size, 2, h);
    CHECK(h[0] * h[1] == size && h[0] >= h[1], "Dims_create(%d, 2) = %d x %d", size, h[0], h[1]);
}

/* Expected neighbour of coordinates c moved by disp along dim in a grid. */
static int shifted(const int *dims, const int *periods, const int *c, int nd, int dim, int disp) {
    int x[8];
    for (int i = 0; i < nd; i++) x[i] = c[i];
    x[dim] += disp;
    if (x[dim] < 0 || x[dim] >= dims[dim]) {
        if (!periods[dim]) return MPI_PROC_NULL;
        x[dim] = ((x[dim] % dims[dim]) + dims[dim]) % dims[dim];
    }
    int r = 0;
    for (int i = 0; i < nd; i++) r = r * dims[i] + x[i];
    return r;
}

static void grid2d(void) {
    int dims[2] = {0, 0}, periods[2] = {1, 0};
    MPI_Dims_create(size, 2, dims);
    MPI_Comm cart;
    CHECK(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart) == MPI_SUCCESS, "Cart_create");
    int st = -1, nd = -1, r = -1, sz = -1;
    MPI_Topo_test(cart, &st);
    CHECK(st == MPI_CART, "Topo_test = %d, want MPI_CART", st);
    MPI_Topo_test(MPI_COMM_WORLD, &st);
    CHECK(st == MPI_UNDEFINED, "Topo_test(WORLD) = %d, want MPI_UNDEFINED", st);
    MPI_Cartdim_get(cart, &nd);
    CHECK(nd == 2, "Cartdim_get = %d", nd);
    MPI_Comm_rank(cart, &r);
    MPI_Comm_size(cart, &sz);
    CHECK(r == rank && sz == size, "cart rank %d size %d (no reordering)", r, sz);
    int gd[2], gp[2], gc[2];
    MPI_Cart_get(cart, 2, gd, gp, gc);
    CHECK(gd[0] == dims[0] && gd[1] == dims[1] && gp[0] == 1 && gp[1] == 0, "Cart_get dims %dx%d periods %d%d",
          gd[0], gd[1], gp[0], gp[1]);
    CHECK(gc[0] == rank / dims[1] && gc[1] == rank % dims[1], "Cart_get coords (%d,%d) for rank %d", gc[0], gc[1],
          rank);
    for (int q = 0; q < size; q++) {
        int c[2] = {-1, -1}, back = -1;
        MPI_Cart_coords(cart, q, 2, c);
        CHECK(c[0] == q / dims[1] && c[1] == q % dims[1], "Cart_coords(%d) = (%d,%d)", q, c[0], c[1]);
        MPI_Cart_rank(cart, c, &back);
        CHECK(back == q, "Cart_rank(Cart_coords(%d)) = %d", q, back);
    }
    /* Periodic dimension 0 wraps around; dimension 1 does not. */
    int wrap[2] = {gc[0] - dims[0], gc[1]}, w = -1;
    MPI_Cart_rank(cart, wrap, &w);
    CHECK(w == rank, "Cart_rank of a wrapped coordinate = %d, want %d", w, rank);
    int bad[2] = {0, dims[1]};
    EXPECT(MPI_Cart_rank(cart, bad, &w), MPI_ERR_ARG);
    for (int dim = 0; dim < 2; dim++) {
        for (int disp = -3; disp <= 3; disp++) {
            int src = -7, dst = -7;
            MPI_Cart_shift(cart, dim, disp, &src, &dst);
            int ws = shifted(dims, periods, gc, 2, dim, -disp), wd = shifted(dims, periods, gc, 2, dim, disp);
            CHECK(src == ws && dst == wd, "Cart_shift(dim %d, disp %d) = (%d, %d), want (%d, %d)", dim, disp, src,
                  dst, ws, wd);
        }
    }

    /* Cart_sub keeping dimension 1: the rows. */
    int remain[2] = {0, 1};
    MPI_Comm row;
    MPI_Cart_sub(cart, remain, &row);
    MPI_Comm_size(row, &sz);
    MPI_Comm_rank(row, &r);
    CHECK(sz == dims[1] && r == gc[1], "row: size %d rank %d, want %d %d", sz, r, dims[1], gc[1]);
    MPI_Cartdim_get(row, &nd);
    int sd = -1, sp = -1, sc = -1;
    MPI_Cart_get(row, 1, &sd, &sp, &sc);
    CHECK(nd == 1 && sd == dims[1] && sp == 0 && sc == gc[1], "row topology: nd %d dims %d periods %d coords %d", nd,
          sd, sp, sc);
    /* Rank 0 of the row is the first process of it in the grid. */
    int lead = rank - gc[1], got = -1;
    MPI_Bcast(&lead, 1, MPI_INT, 0, row);
    got = rank - gc[1];
    CHECK(lead == got, "row leader %d, want %d", lead, got);
    MPI_Comm_free(&row);
    /* Keeping dimension 0: the columns, periodic. */
    remain[0] = 1, remain[1] = 0;
    MPI_Comm col;
    MPI_Cart_sub(cart, remain, &col);
    MPI_Comm_size(col, &sz);
    MPI_Cart_get(col, 1, &sd, &sp, &sc);
    CHECK(sz == dims[0] && sd == dims[0] && sp == 1 && sc == gc[0], "column: size %d dims %d periods %d coords %d",
          sz, sd, sp, sc);
    MPI_Comm_free(&col);
    /* Keeping nothing: every process alone, zero dimensions. */
    remain[0] = 0;
    MPI_Comm none;
    MPI_Cart_sub(cart, remain, &none);
    MPI_Comm_size(none, &sz);
    MPI_Cartdim_get(none, &nd);
    CHECK(sz == 1 && nd == 0, "empty sub-grid: size %d ndims %d", sz, nd);
    MPI_Comm_free(&none);

    /* A duplicate keeps the topology, a split does not. */
    MPI_Comm dup, split;
    MPI_Comm_dup(cart, &dup);
    MPI_Topo_test(dup, &st);
    MPI_Cart_get(dup, 2, gd, gp, gc);
    CHECK(st == MPI_CART && gd[0] == dims[0] && gd[1] == dims[1] && gp[0] == 1, "dup: Topo_test %d dims %dx%d", st,
          gd[0], gd[1]);
    MPI_Comm_split(cart, 0, rank, &split);
    MPI_Topo_test(split, &st);
    CHECK(st == MPI_UNDEFINED, "split: Topo_test %d, want MPI_UNDEFINED", st);
    EXPECT(MPI_Cartdim_get(split, &nd), MPI_ERR_TOPOLOGY);
    MPI_Comm_free(&split);
    MPI_Comm_free(&cart);
    MPI_Cartdim_get(dup, &nd);
    CHECK(nd == 2, "dup after freeing the original: ndims %d", nd);

    /* Bad arguments. */
    int c2[2];
    EXPECT(MPI_Cart_coords(dup, size, 2, c2), MPI_ERR_RANK);
    EXPECT(MPI_Cart_coords(dup, -1, 2, c2), MPI_ERR_RANK);
    EXPECT(MPI_Cart_coords(dup, 0, 1, c2), MPI_ERR_ARG);
    EXPECT(MPI_Cart_get(dup, 1, gd, gp, gc), MPI_ERR_ARG);
    EXPECT(MPI_Cart_shift(dup, 2, 1, &r, &sz), MPI_ERR_ARG);
    EXPECT(MPI_Cart_shift(dup, -1, 1, &r, &sz), MPI_ERR_ARG);
    EXPECT(MPI_Cart_shift(dup, 0, 1, NULL, &sz), MPI_ERR_ARG);
    EXPECT(MPI_Graphdims_get(dup, &r, &sz), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Dist_graph_neighbors_count(dup, &r, &sz, &st), MPI_ERR_TOPOLOGY);
    MPI_Comm_free(&dup);
    EXPECT(MPI_Cart_get(MPI_COMM_WORLD, 2, gd, gp, gc), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Cartdim_get(MPI_COMM_WORLD, &nd), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Cart_shift(MPI_COMM_WORLD, 0, 1, &r, &sz), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Cart_rank(MPI_COMM_WORLD, gc, &r), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Cart_coords(MPI_COMM_WORLD, 0, 2, gc), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Cart_sub(MPI_COMM_WORLD, remain, &none), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Topo_test(MPI_COMM_NULL, &st), MPI_ERR_COMM);
}

static void fewer_and_errors(void) {
    /* A 1-D periodic grid over all but the last process. */
    int n = size > 1 ? size - 1 : 1, per = 1;
    MPI_Comm c;
    MPI_Cart_create(MPI_COMM_WORLD, 1, &n, &per, 1, &c);
    if (rank >= n) {
        CHECK(c == MPI_COMM_NULL, "rank %d outside the %d-point grid got a communicator", rank, n);
    } else {
        int sz = -1, src = -1, dst = -1;
        MPI_Comm_size(c, &sz);
        CHECK(sz == n, "grid of %d: size %d", n, sz);
        MPI_Cart_shift(c, 0, 2, &src, &dst);
        CHECK(src == ((rank - 2) % n + n) % n && dst == (rank + 2) % n, "1-D shift by 2: (%d, %d)", src, dst);
        MPI_Comm_free(&c);
    }
    /* Cart_map says the same. */
    int nr = -5;
    MPI_Cart_map(MPI_COMM_WORLD, 1, &n, &per, &nr);
    CHECK(nr == (rank < n ? rank : MPI_UNDEFINED), "Cart_map: %d", nr);

    /* Zero dimensions: one process. */
    MPI_Comm z;
    MPI_Cart_create(MPI_COMM_WORLD, 0, NULL, NULL, 0, &z);
    if (rank == 0) {
        int nd = -1, sz = -1, r = -1;
        MPI_Cartdim_get(z, &nd);
        MPI_Comm_size(z, &sz);
        MPI_Cart_rank(z, NULL, &r);
        CHECK(nd == 0 && sz == 1 && r == 0, "0-D grid: ndims %d size %d rank %d", nd, sz, r);
        MPI_Comm_free(&z);
    } else {
        CHECK(z == MPI_COMM_NULL, "0-D grid on rank %d", rank);
    }

    /* Errors, seen alike by every process of the collective call. */
    int big = size + 1, dims2[2] = {2, 0}, p2[2] = {0, 0};
    EXPECT(MPI_Cart_create(MPI_COMM_WORLD, 1, &big, &per, 0, &c), MPI_ERR_ARG);
    EXPECT(MPI_Cart_create(MPI_COMM_WORLD, 2, dims2, p2, 0, &c), MPI_ERR_DIMS);
    EXPECT(MPI_Cart_create(MPI_COMM_WORLD, -1, dims2, p2, 0, &c), MPI_ERR_ARG);
    EXPECT(MPI_Cart_create(MPI_COMM_WORLD, 1, &n, &per, 0, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Cart_create(MPI_COMM_NULL, 1, &n, &per, 0, &c), MPI_ERR_COMM);
    EXPECT(MPI_Cart_map(MPI_COMM_WORLD, 1, &big, &per, &nr), MPI_ERR_ARG);
    EXPECT(MPI_Cart_map(MPI_COMM_WORLD, 2, dims2, p2, &nr), MPI_ERR_DIMS);
    /* An error on one process only reaches the others too. */
    int mine = rank == size - 1 ? -3 : 1;
    EXPECT(MPI_Cart_create(MPI_COMM_WORLD, 1, &mine, &per, 0, &c),
           MPI_ERR_DIMS);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    dims_create();
    grid2d();
    fewer_and_errors();
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return mtest_finish();
}
