/* bandwidth: one-way streaming bandwidth from rank 0 to rank 1 with a
 * window of nonblocking messages in flight (other ranks idle). Per
 * iteration rank 0 posts `window` MPI_Isends of the same buffer, rank 1
 * posts `window` MPI_Irecvs into distinct buffers, both wait, and rank 1
 * acknowledges with an empty message. The window is 64 messages, reduced
 * for large sizes so that the receive buffers stay within 64 MiB (16 at
 * 4 MiB); the RESULT line says which. Result in MB/s (10^6 bytes/s).
 * After timing each size, one window of known patterns checks the data.
 *
 *   bandwidth [sizes=1,4,...] [budget=SECONDS] [window=64] */
#include "bench.h"

struct bw {
    char *sbuf, *rbuf;
    MPI_Request *req;
    int n, window, rank;
};

static void once(void *arg) {
    struct bw *b = arg;
    if (b->rank == 0) {
        for (int w = 0; w < b->window; w++) MPI_Isend(b->sbuf, b->n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, &b->req[w]);
        MPI_Waitall(b->window, b->req, MPI_STATUSES_IGNORE);
        MPI_Recv(NULL, 0, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (b->rank == 1) {
        for (int w = 0; w < b->window; w++)
            MPI_Irecv(b->rbuf + (size_t)w * b->n, b->n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, &b->req[w]);
        MPI_Waitall(b->window, b->req, MPI_STATUSES_IGNORE);
        MPI_Send(NULL, 0, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
}

static unsigned char pattern(long i, int w, long n) { return (unsigned char)(i * 13 + w * 7 + n); }

static void verify(struct bw *b) {
    if (b->rank == 0) {
        for (int w = 0; w < b->window; w++) {
            for (long i = 0; i < b->n; i++) b->sbuf[i] = pattern(i, w, b->n);
            MPI_Send(b->sbuf, b->n, MPI_BYTE, 1, 2, MPI_COMM_WORLD);
        }
    } else if (b->rank == 1) {
        memset(b->rbuf, 0, (size_t)b->window * b->n);
        for (int w = 0; w < b->window; w++)
            MPI_Irecv(b->rbuf + (size_t)w * b->n, b->n, MPI_BYTE, 0, 2, MPI_COMM_WORLD, &b->req[w]);
        MPI_Waitall(b->window, b->req, MPI_STATUSES_IGNORE);
        for (int w = 0; w < b->window; w++)
            for (long i = 0; i < b->n; i++)
                if ((unsigned char)b->rbuf[(size_t)w * b->n + i] != pattern(i, w, b->n))
                    bench_fail("bandwidth", "size %d: message %d byte %ld wrong (messages out of order?)", b->n, w, i);
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np < 2) bench_fail("bandwidth", "needs at least 2 ranks, got %d", np);
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
    struct bw b = {bench_alloc(max), bench_alloc(rank == 1 ? maxrecv : 0), bench_alloc(sizeof(MPI_Request) * maxwin), 0, 0, rank};
    for (int i = 0; i < ns; i++) {
        b.n = (int)sizes[i];
        long w = b.n > 0 && (long)b.n * maxwin > cap ? cap / b.n : maxwin;
        b.window = w < 1 ? 1 : (int)w;
        long iters;
        double t = bench_measure(budget, once, &b, &iters);
        verify(&b);
        char extra[64];
        snprintf(extra, sizeof extra, "window=%d iters=%ld", b.window, iters);
        bench_result("bandwidth", sizes[i], (double)b.window * b.n / t / 1e6, "MB/s", extra);
    }
    MPI_Finalize();
    return 0;
}
