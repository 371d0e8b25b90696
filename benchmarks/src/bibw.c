/* bibw: bidirectional bandwidth between ranks 0 and 1 (other ranks idle).
 * Per iteration both ranks post `window` MPI_Irecvs into distinct buffers
 * and `window` MPI_Isends to each other, then wait for all of them. The
 * window is as in bandwidth.c (64, fewer above 1 MiB). Result: bytes moved
 * in both directions together, in MB/s (10^6 bytes/s). After timing each
 * size, one window of known patterns in each direction checks the data.
 *
 *   bibw [sizes=1,4,...] [budget=SECONDS] [window=64] */
#include "bench.h"

struct bi {
    char *sbuf, *rbuf;
    MPI_Request *req;
    int n, window, rank, peer;
};

static void once(void *arg) {
    struct bi *b = arg;
    if (b->rank > 1) return;
    for (int w = 0; w < b->window; w++)
        MPI_Irecv(b->rbuf + (size_t)w * b->n, b->n, MPI_BYTE, b->peer, 0, MPI_COMM_WORLD, &b->req[w]);
    for (int w = 0; w < b->window; w++)
        MPI_Isend(b->sbuf, b->n, MPI_BYTE, b->peer, 0, MPI_COMM_WORLD, &b->req[b->window + w]);
    MPI_Waitall(2 * b->window, b->req, MPI_STATUSES_IGNORE);
}

static unsigned char pattern(long i, int w, int from) { return (unsigned char)(i * 11 + w * 5 + from * 101); }

static void verify(struct bi *b) {
    if (b->rank > 1) return;
    memset(b->rbuf, 0, (size_t)b->window * b->n);
    char *s = bench_alloc((size_t)b->window * b->n);
    for (int w = 0; w < b->window; w++)
        for (long i = 0; i < b->n; i++) s[(size_t)w * b->n + i] = pattern(i, w, b->rank);
    for (int w = 0; w < b->window; w++)
        MPI_Irecv(b->rbuf + (size_t)w * b->n, b->n, MPI_BYTE, b->peer, 1, MPI_COMM_WORLD, &b->req[w]);
    for (int w = 0; w < b->window; w++)
        MPI_Isend(s + (size_t)w * b->n, b->n, MPI_BYTE, b->peer, 1, MPI_COMM_WORLD, &b->req[b->window + w]);
    MPI_Waitall(2 * b->window, b->req, MPI_STATUSES_IGNORE);
    for (int w = 0; w < b->window; w++)
        for (long i = 0; i < b->n; i++)
            if ((unsigned char)b->rbuf[(size_t)w * b->n + i] != pattern(i, w, b->peer))
                bench_fail("bibw", "size %d: message %d byte %ld from rank %d wrong", b->n, w, i, b->peer);
    free(s);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np < 2) bench_fail("bibw", "needs at least 2 ranks, got %d", np);
    long sizes[64];
    int ns = bench_sizes(bench_arg(argc, argv, "sizes", "1,4,16,64,256,1024,4096,16384,65536,262144,1048576,4194304"), sizes, 64);
    double budget = bench_double(argc, argv, "budget", 0.05);
    int maxwin = (int)bench_long(argc, argv, "window", 64);
    const long cap = 64L << 20;
    long max = 0, maxrecv = 0;
    for (int i = 0; i < ns; i++) {
        max = sizes[i] > max ? sizes[i] : max;
        long w = sizes[i] > 0 && sizes[i] * maxwin > cap ? cap / sizes[i] : maxwin;
        if (w < 1) w = 1;
        maxrecv = w * sizes[i] > maxrecv ? w * sizes[i] : maxrecv;
    }
    struct bi b = {bench_alloc(max), bench_alloc(rank <= 1 ? maxrecv : 0), bench_alloc(sizeof(MPI_Request) * 2 * maxwin),
                   0, 0, rank, 1 - rank};
    for (int i = 0; i < ns; i++) {
        b.n = (int)sizes[i];
        long w = b.n > 0 && (long)b.n * maxwin > cap ? cap / b.n : maxwin;
        b.window = w < 1 ? 1 : (int)w;
        long iters;
        double t = bench_measure(budget, once, &b, &iters);
        verify(&b);
        char extra[64];
        snprintf(extra, sizeof extra, "window=%d iters=%ld", b.window, iters);
        bench_result("bibw", sizes[i], 2.0 * b.window * b.n / t / 1e6, "MB/s", extra);
    }
    MPI_Finalize();
    return 0;
}
