/* topo_graph.c: graph and distributed-graph topologies. MPI_Graph_create
 * (a ring with its multi-edges and self-loops at small sizes, fewer nodes than
 * processes) with every query; MPI_Graph_map; MPI_Dist_graph_create_adjacent
 * weighted and unweighted; MPI_Dist_graph_create with the edges given by one
 * process, by the other end of each edge, weighted, unweighted and with
 * MPI_WEIGHTS_EMPTY; the topology kept by MPI_Comm_dup; and the exact error
 * class of every bad argument, including adjacency lists that contradict each
 * other. Runs with any number of ranks. */
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

static void graph(void) {
    /* Ring: node i is joined to i-1 and i+1. */
    int *index = malloc(size * sizeof(int)), *edges = malloc(2 * size * sizeof(int));
    for (int i = 0; i < size; i++) {
        index[i] = 2 * (i + 1);
        edges[2 * i] = mod(i - 1, size);
        edges[2 * i + 1] = mod(i + 1, size);
    }
    MPI_Comm g;
    CHECK(MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &g) == MPI_SUCCESS, "Graph_create");
    int st = -1, nn = -1, ne = -1, cnt = -1;
    MPI_Topo_test(g, &st);
    CHECK(st == MPI_GRAPH, "Topo_test = %d, want MPI_GRAPH", st);
    MPI_Graphdims_get(g, &nn, &ne);
    CHECK(nn == size && ne == 2 * size, "Graphdims_get = %d, %d", nn, ne);
    int *gi = malloc(size * sizeof(int)), *ge = malloc(2 * size * sizeof(int));
    MPI_Graph_get(g, size, 2 * size, gi, ge);
    int bad = 0;
    for (int i = 0; i < size; i++) bad += gi[i] != index[i];
    for (int i = 0; i < 2 * size; i++) bad += ge[i] != edges[i];
    CHECK(bad == 0, "Graph_get: %d wrong entries", bad);
    for (int q = 0; q < size; q++) {
        int nb[2] = {-1, -1};
        MPI_Graph_neighbors_count(g, q, &cnt);
        MPI_Graph_neighbors(g, q, 2, nb);
        CHECK(cnt == 2 && nb[0] == mod(q - 1, size) && nb[1] == mod(q + 1, size),
              "Graph_neighbors(%d) = %d: %d %d", q, cnt, nb[0], nb[1]);
    }
    int nb[2];
    EXPECT(MPI_Graph_neighbors(g, 0, 1, nb), MPI_ERR_ARG);
    EXPECT(MPI_Graph_neighbors(g, size, 2, nb), MPI_ERR_RANK);
    EXPECT(MPI_Graph_neighbors_count(g, -1, &cnt), MPI_ERR_RANK);
    EXPECT(MPI_Graph_get(g, size - 1, 2 * size, gi, ge), MPI_ERR_ARG);
    EXPECT(MPI_Cartdim_get(g, &cnt), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Dist_graph_neighbors_count(g, &nn, &ne, &st), MPI_ERR_TOPOLOGY);
    MPI_Comm dup;
    MPI_Comm_dup(g, &dup);
    MPI_Comm_free(&g);
    MPI_Topo_test(dup, &st);
    MPI_Graphdims_get(dup, &nn, &ne);
    CHECK(st == MPI_GRAPH && nn == size && ne == 2 * size, "dup of a graph: %d %d %d", st, nn, ne);
    MPI_Comm_free(&dup);

    /* A graph over the first half of the processes (a star on node 0). */
    int half = (size + 1) / 2;
    for (int i = 0; i < half; i++) index[i] = i == 0 ? half - 1 : half - 1 + i;
    for (int i = 1; i < half; i++) edges[i - 1] = i;
    for (int i = 1; i < half; i++) edges[half - 2 + i] = 0;
    MPI_Graph_create(MPI_COMM_WORLD, half, index, edges, 1, &g);
    int nr = -5;
    MPI_Graph_map(MPI_COMM_WORLD, half, index, edges, &nr);
    CHECK(nr == (rank < half ? rank : MPI_UNDEFINED), "Graph_map = %d", nr);
    if (rank < half) {
        MPI_Graph_neighbors_count(g, 0, &cnt);
        CHECK(cnt == half - 1, "star centre has %d neighbours, want %d", cnt, half - 1);
        if (half > 1) {
            MPI_Graph_neighbors(g, half - 1, 1, nb);
            CHECK(nb[0] == 0, "star leaf's neighbour %d", nb[0]);
        }
        MPI_Comm_free(&g);
    } else {
        CHECK(g == MPI_COMM_NULL, "rank %d outside the graph got a communicator", rank);
    }
    /* No nodes: nobody gets a communicator. */
    MPI_Graph_create(MPI_COMM_WORLD, 0, index, edges, 0, &g);
    CHECK(g == MPI_COMM_NULL, "empty graph gave a communicator");

    /* Errors. */
    EXPECT(MPI_Graph_create(MPI_COMM_WORLD, size + 1, index, edges, 0, &g), MPI_ERR_ARG);
    EXPECT(MPI_Graph_create(MPI_COMM_WORLD, -1, index, edges, 0, &g), MPI_ERR_ARG);
    int i1[1] = {1}, e1[1] = {1};
    EXPECT(MPI_Graph_create(MPI_COMM_WORLD, 1, i1, e1, 0, &g), MPI_ERR_ARG); /* edge to node 1 of 1 */
    int i2[2] = {1, 0};
    EXPECT(MPI_Graph_map(MPI_COMM_WORLD, size >= 2 ? 2 : 1, i2, e1, &nr), MPI_ERR_ARG);
    EXPECT(MPI_Graphdims_get(MPI_COMM_WORLD, &nn, &ne), MPI_ERR_TOPOLOGY);
    EXPECT(MPI_Graph_neighbors_count(MPI_COMM_WORLD, 0, &cnt), MPI_ERR_TOPOLOGY);
    free(index), free(edges), free(gi), free(ge);
}

static void dist_adjacent(void) {
    /* In from i-1 and i+2, out to i+1 and i-2; weight of edge s->d is 100*s+d. */
    int src[2] = {mod(rank - 1, size), mod(rank + 2, size)}, dst[2] = {mod(rank + 1, size), mod(rank - 2, size)};
    int sw[2] = {100 * src[0] + rank, 100 * src[1] + rank}, dw[2] = {100 * rank + dst[0], 100 * rank + dst[1]};
    MPI_Comm d;
    CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, sw, 2, dst, dw, MPI_INFO_NULL, 0, &d) ==
              MPI_SUCCESS,
          "Dist_graph_create_adjacent");
    int st = -1, in = -1, out = -1, wt = -1;
    MPI_Topo_test(d, &st);
    MPI_Dist_graph_neighbors_count(d, &in, &out, &wt);
    CHECK(st == MPI_DIST_GRAPH && in == 2 && out == 2 && wt == 1, "adjacent: topo %d in %d out %d weighted %d", st, in,
          out, wt);
    int gs[2], gsw[2], gd[2], gdw[2];
    MPI_Dist_graph_neighbors(d, 2, gs, gsw, 2, gd, gdw);
    CHECK(gs[0] == src[0] && gs[1] == src[1] && gd[0] == dst[0] && gd[1] == dst[1], "adjacent neighbours");
    CHECK(gsw[0] == sw[0] && gsw[1] == sw[1] && gdw[0] == dw[0] && gdw[1] == dw[1], "adjacent weights");
    EXPECT(MPI_Dist_graph_neighbors(d, 1, gs, gsw, 2, gd, gdw), MPI_ERR_ARG);
    EXPECT(MPI_Graphdims_get(d, &in, &out), MPI_ERR_TOPOLOGY);
    MPI_Comm dup;
    MPI_Comm_dup(d, &dup);
    MPI_Comm_free(&d);
    MPI_Dist_graph_neighbors_count(dup, &in, &out, &wt);
    CHECK(in == 2 && out == 2 && wt == 1, "dup of a distributed graph: %d %d %d", in, out, wt);
    MPI_Comm_free(&dup);

    /* Unweighted. */
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, MPI_UNWEIGHTED, 2, dst, MPI_UNWEIGHTED, MPI_INFO_NULL, 0,
                                   &d);
    MPI_Dist_graph_neighbors_count(d, &in, &out, &wt);
    CHECK(in == 2 && out == 2 && wt == 0, "unweighted: in %d out %d weighted %d", in, out, wt);
    MPI_Dist_graph_neighbors(d, 2, gs, MPI_UNWEIGHTED, 2, gd, MPI_UNWEIGHTED);
    CHECK(gs[1] == src[1] && gd[1] == dst[1], "unweighted neighbours");
    MPI_Comm_free(&d);

    /* Errors. */
    int badr[1] = {size};
    EXPECT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, badr, MPI_UNWEIGHTED, 0, NULL, MPI_UNWEIGHTED,
                                          MPI_INFO_NULL, 0, &d),
           MPI_ERR_RANK);
    EXPECT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, -1, src, MPI_UNWEIGHTED, 0, NULL, MPI_UNWEIGHTED,
                                          MPI_INFO_NULL, 0, &d),
           MPI_ERR_ARG);
    int negw[2] = {1, -1};
    EXPECT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, negw, 2, dst, dw, MPI_INFO_NULL, 0, &d), MPI_ERR_ARG);
    EXPECT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, sw, 2, dst, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &d),
           MPI_ERR_ARG);
    EXPECT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, MPI_WEIGHTS_EMPTY, 2, dst, dw, MPI_INFO_NULL, 0, &d),
           MPI_ERR_ARG);
    /* Contradicting lists: everyone also claims an edge to rank 0 that rank 0
     * does not list as a source. */
    int dst3[3] = {dst[0], dst[1], 0};
    EXPECT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, MPI_UNWEIGHTED, 3, dst3, MPI_UNWEIGHTED,
                                          MPI_INFO_NULL, 0, &d),
           MPI_ERR_ARG);
    EXPECT(MPI_Dist_graph_neighbors(MPI_COMM_WORLD, 2, gs, gsw, 2, gd, gdw), MPI_ERR_TOPOLOGY);
}

static void dist_general(void) {
    /* Rank 0 gives every edge i -> i+1 with weight 7*i; the others none. */
    int n = rank == 0 ? size : 0;
    int *srcs = malloc(size * sizeof(int)), *degs = malloc(size * sizeof(int)), *dsts = malloc(size * sizeof(int)),
        *wts = malloc(size * sizeof(int));
    for (int i = 0; i < size; i++) srcs[i] = i, degs[i] = 1, dsts[i] = mod(i + 1, size), wts[i] = 7 * i;
    MPI_Comm d;
    CHECK(MPI_Dist_graph_create(MPI_COMM_WORLD, n, srcs, degs, dsts, rank == 0 ? wts : MPI_WEIGHTS_EMPTY,
                                MPI_INFO_NULL, 0, &d) == MPI_SUCCESS,
          "Dist_graph_create");
    int in = -1, out = -1, wt = -1, s[2], sw[2], t[2], tw[2];
    MPI_Dist_graph_neighbors_count(d, &in, &out, &wt);
    CHECK(in == 1 && out == 1 && wt == 1, "ring from rank 0: in %d out %d weighted %d", in, out, wt);
    MPI_Dist_graph_neighbors(d, 1, s, sw, 1, t, tw);
    CHECK(s[0] == mod(rank - 1, size) && sw[0] == 7 * mod(rank - 1, size) && t[0] == mod(rank + 1, size) &&
              tw[0] == 7 * rank,
          "ring from rank 0: in %d (w %d) out %d (w %d)", s[0], sw[0], t[0], tw[0]);
    MPI_Comm_free(&d);

    /* Each rank gives the edges that end at it, two from i-1 then one from
     * i+1, unweighted. */
    int src3[2] = {mod(rank - 1, size), mod(rank + 1, size)}, deg3[2] = {2, 1}, dst3[3] = {rank, rank, rank};
    MPI_Dist_graph_create(MPI_COMM_WORLD, 2, src3, deg3, dst3, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &d);
    MPI_Dist_graph_neighbors_count(d, &in, &out, &wt);
    CHECK(in == 3 && out == 3 && wt == 0, "edges given by their ends: in %d out %d weighted %d", in, out, wt);
    int s3[3], t3[3];
    MPI_Dist_graph_neighbors(d, 3, s3, MPI_UNWEIGHTED, 3, t3, MPI_UNWEIGHTED);
    CHECK(s3[0] == src3[0] && s3[1] == src3[0] && s3[2] == src3[1], "sources %d %d %d", s3[0], s3[1], s3[2]);
    /* Out-edges come in the order of the processes that gave them: to i+1
     * twice (given by i+1), to i-1 once (given by i-1). */
    int want[3];
    int a = mod(rank + 1, size), b = mod(rank - 1, size);
    if (a == b && size == 1) want[0] = want[1] = want[2] = 0;
    else if (b < a) want[0] = b, want[1] = a, want[2] = a;
    else want[0] = a, want[1] = a, want[2] = b;
    if (size == 2) want[0] = want[1] = want[2] = a;
    CHECK(t3[0] == want[0] && t3[1] == want[1] && t3[2] == want[2], "destinations %d %d %d, want %d %d %d", t3[0],
          t3[1], t3[2], want[0], want[1], want[2]);
    MPI_Comm_free(&d);

    /* Errors, found by one process and reported by all. */
    int negdeg = -1;
    EXPECT(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, srcs, &negdeg, dsts, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &d),
           MPI_ERR_ARG);
    int badr = rank == size - 1 ? size : 0;
    EXPECT(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &badr, degs, dsts, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &d),
           MPI_ERR_RANK);
    /* Weights from rank 0, MPI_UNWEIGHTED from the others. */
    EXPECT(MPI_Dist_graph_create(MPI_COMM_WORLD, n, srcs, degs, dsts, rank == 0 ? wts : MPI_UNWEIGHTED, MPI_INFO_NULL,
                                 0, &d),
           size == 1 ? MPI_SUCCESS : MPI_ERR_ARG);
    if (size == 1) MPI_Comm_free(&d);
    EXPECT(MPI_Dist_graph_create(MPI_COMM_WORLD, 0, srcs, degs, dsts, MPI_UNWEIGHTED, (MPI_Info)0x5555, 0, &d),
           MPI_ERR_INFO);
    free(srcs), free(degs), free(dsts), free(wts);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    graph();
    dist_adjacent();
    dist_general();
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return mtest_finish();
}
