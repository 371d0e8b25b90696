/* coll: time per call of the collectives barrier, bcast, reduce, allreduce,
 * allgather and alltoall on MPI_COMM_WORLD, in microseconds (the slowest
 * rank's time divided by the number of back-to-back calls).
 *
 * size is the message size in bytes per rank, as in the OSU benchmarks:
 * the broadcast buffer (bcast), each rank's contribution (reduce,
 * allreduce, allgather) or the block sent to each peer (alltoall). Data are
 * doubles (MPI_DOUBLE, MPI_SUM for the reductions), so sizes are rounded
 * up to a multiple of 8. After timing each size, one call with known data
 * checks every element of the result.
 *
 *   coll [ops=barrier,bcast,reduce,allreduce,allgather,alltoall]
 *        [sizes=8,64,...] [budget=SECONDS per size] */
#include "bench.h"

enum { BARRIER, BCAST, REDUCE, ALLREDUCE, ALLGATHER, ALLTOALL, NOPS };
static const char *const names[NOPS] = {"barrier", "bcast", "reduce", "allreduce", "allgather", "alltoall"};

struct co {
    int op, count, rank, np;
    double *s, *r;
};

static void once(void *arg) {
    struct co *c = arg;
    switch (c->op) {
    case BARRIER:
        MPI_Barrier(MPI_COMM_WORLD);
        break;
    case BCAST:
        MPI_Bcast(c->s, c->count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        break;
    case REDUCE:
        MPI_Reduce(c->s, c->r, c->count, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        break;
    case ALLREDUCE:
        MPI_Allreduce(c->s, c->r, c->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        break;
    case ALLGATHER:
        MPI_Allgather(c->s, c->count, MPI_DOUBLE, c->r, c->count, MPI_DOUBLE, MPI_COMM_WORLD);
        break;
    case ALLTOALL:
        MPI_Alltoall(c->s, c->count, MPI_DOUBLE, c->r, c->count, MPI_DOUBLE, MPI_COMM_WORLD);
        break;
    }
}

#define CHECK(cond, ...) \
    do { \
        if (!(cond)) bench_fail(names[c->op], __VA_ARGS__); \
    } while (0)

static void verify(struct co *c) {
    int n = c->count, np = c->np, me = c->rank;
    size_t all = (size_t)n * np;
    memset(c->r, 0, all * sizeof(double));
    switch (c->op) {
    case BARRIER:
        return;
    case BCAST:
        for (int i = 0; i < n; i++) c->s[i] = me == 0 ? 1.5 + i % 9 : -1;
        once(c);
        for (int i = 0; i < n; i++) CHECK(c->s[i] == 1.5 + i % 9, "count %d: element %d is %g", n, i, c->s[i]);
        return;
    case REDUCE:
    case ALLREDUCE:
        for (int i = 0; i < n; i++) c->s[i] = (double)(me + 1) * (1 + i % 13);
        once(c);
        if (c->op == REDUCE && me != 0) return;
        for (int i = 0; i < n; i++) {
            double want = (double)np * (np + 1) / 2 * (1 + i % 13);
            CHECK(c->r[i] == want, "count %d: element %d is %g, want %g", n, i, c->r[i], want);
        }
        return;
    case ALLGATHER:
        for (int i = 0; i < n; i++) c->s[i] = me + (i % 5) * 0.25;
        once(c);
        for (int p = 0; p < np; p++)
            for (int i = 0; i < n; i++) {
                double got = c->r[(size_t)p * n + i], want = p + (i % 5) * 0.25;
                CHECK(got == want, "count %d: block %d element %d is %g, want %g", n, p, i, got, want);
            }
        return;
    case ALLTOALL:
        for (int p = 0; p < np; p++)
            for (int i = 0; i < n; i++) c->s[(size_t)p * n + i] = me * 1000.0 + p + (i % 7) * 0.5;
        once(c);
        for (int p = 0; p < np; p++)
            for (int i = 0; i < n; i++) {
                double got = c->r[(size_t)p * n + i], want = p * 1000.0 + me + (i % 7) * 0.5;
                CHECK(got == want, "count %d: block from %d element %d is %g, want %g", n, p, i, got, want);
            }
        return;
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    long sizes[64];
    int ns = bench_sizes(bench_arg(argc, argv, "sizes", "8,64,512,4096,32768,262144,2097152,4194304"), sizes, 64);
    double budget = bench_double(argc, argv, "budget", 0.05);
    const char *ops = bench_arg(argc, argv, "ops", "barrier,bcast,reduce,allreduce,allgather,alltoall");

    long maxcount = 1;
    for (int i = 0; i < ns; i++) {
        long cnt = (sizes[i] + 7) / 8;
        maxcount = cnt > maxcount ? cnt : maxcount;
    }
    struct co c = {0, 0, rank, np, bench_alloc(sizeof(double) * maxcount * np), bench_alloc(sizeof(double) * maxcount * np)};

    for (const char *o = ops; o && *o;) {
        const char *end = strchr(o, ',');
        size_t len = end ? (size_t)(end - o) : strlen(o);
        c.op = -1;
        for (int k = 0; k < NOPS; k++)
            if (strlen(names[k]) == len && strncmp(names[k], o, len) == 0) c.op = k;
        if (c.op < 0) bench_fail("coll", "unknown collective %.*s", (int)len, o);
        o = end ? end + 1 : NULL;

        for (int i = 0; i < (c.op == BARRIER ? 1 : ns); i++) {
            c.count = c.op == BARRIER ? 0 : (int)((sizes[i] + 7) / 8);
            if (c.count == 0 && c.op != BARRIER) c.count = 1;
            for (size_t k = 0; k < (size_t)c.count * np; k++) c.s[k] = 1.0, c.r[k] = 0;
            long iters;
            double t = bench_measure(budget, once, &c, &iters);
            verify(&c);
            char extra[32];
            snprintf(extra, sizeof extra, "iters=%ld", iters);
            bench_result(names[c.op], c.op == BARRIER ? -1 : (long)c.count * 8, t * 1e6, "us", extra);
        }
    }
    free(c.s);
    free(c.r);
    MPI_Finalize();
    return 0;
}
