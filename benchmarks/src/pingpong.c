/* pingpong: round-trip latency between ranks 0 and 1 (other ranks idle).
 * For every size in sizes= (bytes, default 0 .. 4 MiB), rank 0 sends a
 * message and rank 1 sends it back; the result is half the round trip in
 * microseconds. After timing each size, one exchange of a known pattern
 * checks the bytes arrived intact in both directions.
 *
 *   pingpong [sizes=0,1,4,...] [budget=SECONDS per size] */
#include "bench.h"

struct pp {
    char *buf;
    int n, rank;
};

static void once(void *arg) {
    struct pp *p = arg;
    if (p->rank == 0) {
        MPI_Send(p->buf, p->n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(p->buf, p->n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (p->rank == 1) {
        MPI_Recv(p->buf, p->n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(p->buf, p->n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
}

static unsigned char pattern(long i, long n, int dir) { return (unsigned char)(i * 31 + n + dir * 0x5a); }

static void verify(struct pp *p) {
    MPI_Status st;
    int got;
    if (p->rank == 0) {
        for (long i = 0; i < p->n; i++) p->buf[i] = pattern(i, p->n, 0);
        MPI_Send(p->buf, p->n, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
        memset(p->buf, 0, (unsigned)p->n);
        MPI_Recv(p->buf, p->n, MPI_BYTE, 1, 1, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_BYTE, &got);
        if (got != p->n) bench_fail("pingpong", "size %d: rank 0 received %d bytes", p->n, got);
        for (long i = 0; i < p->n; i++)
            if ((unsigned char)p->buf[i] != pattern(i, p->n, 1))
                bench_fail("pingpong", "size %d: byte %ld came back wrong", p->n, i);
    } else if (p->rank == 1) {
        memset(p->buf, 0, (unsigned)p->n);
        MPI_Recv(p->buf, p->n, MPI_BYTE, 0, 1, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_BYTE, &got);
        if (got != p->n) bench_fail("pingpong", "size %d: rank 1 received %d bytes", p->n, got);
        for (long i = 0; i < p->n; i++) {
            if ((unsigned char)p->buf[i] != pattern(i, p->n, 0))
                bench_fail("pingpong", "size %d: byte %ld arrived wrong", p->n, i);
            p->buf[i] = pattern(i, p->n, 1);
        }
        MPI_Send(p->buf, p->n, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np < 2) bench_fail("pingpong", "needs at least 2 ranks, got %d", np);
    long sizes[64];
    int ns = bench_sizes(bench_arg(argc, argv, "sizes", "0,1,4,16,64,256,1024,4096,16384,65536,262144,1048576,4194304"), sizes, 64);
    double budget = bench_double(argc, argv, "budget", 0.05);
    long max = 0;
    for (int i = 0; i < ns; i++) max = sizes[i] > max ? sizes[i] : max;
    struct pp p = {bench_alloc(max), 0, rank};
    for (int i = 0; i < ns; i++) {
        p.n = (int)sizes[i];
        long iters;
        double t = bench_measure(budget, once, &p, &iters);
        verify(&p);
        char extra[64];
        snprintf(extra, sizeof extra, "iters=%ld", iters);
        bench_result("pingpong", sizes[i], t / 2 * 1e6, "us", extra);
    }
    free(p.buf);
    MPI_Finalize();
    return 0;
}
