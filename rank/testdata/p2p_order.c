/* p2p_order.c: message ordering and large messages.
 *
 * argv[1] selects the part:
 *   order   non-overtaking order (one tag, small and > 64 KiB messages mixed,
 *           blocking and nonblocking sends, pre-posted and late receives,
 *           several senders into MPI_ANY_SOURCE) and 8 MiB messages
 *   fanout  rank 0 computes for about 1 s while every other rank blocks in
 *           MPI_Recv from it; then it sends to each (run with many ranks) */
#include "mtest.h"

#include <stdint.h>
#include <time.h>

static int rank, size;

#define SMALL 16           /* bytes */
#define LARGE (70 * 1024)  /* bytes, beyond the 64 KiB eager limit */

/* Message i of a sequence: its length alternates small/large with a
 * pattern that is not strictly alternating, and the body carries (src, i). */
static int msg_len(int i) { return (i % 3 == 1 || i % 7 == 0) ? LARGE + i : SMALL + (i % 5) * 4; }

static void fill_msg(unsigned char *b, int len, int src, int i) {
    int32_t h[2] = {src, i};
    memcpy(b, h, sizeof h);
    for (int k = 8; k < len; k++) b[k] = (unsigned char)(src * 31 + i * 7 + k);
}

static int check_msg(const unsigned char *b, int len, int src, int i) {
    int32_t h[2];
    memcpy(h, b, sizeof h);
    if (h[0] != src || h[1] != i) return 0;
    for (int k = 8; k < len; k++)
        if (b[k] != (unsigned char)(src * 31 + i * 7 + k)) return 0;
    return 1;
}

/* Rank 0 sends NMSG messages with one tag to rank 1: first all with Isend
 * (the receiver is late, so they queue up), then with blocking sends while
 * the receiver has pre-posted receives for all of them. */
static void same_tag_order(void) {
    enum { NMSG = 60 };
    if (size < 2 || rank > 1) return;
    static unsigned char bufs[NMSG][LARGE + NMSG];
    static unsigned char rbuf[LARGE + NMSG];
    MPI_Request req[NMSG];
    if (rank == 0) {
        for (int i = 0; i < NMSG; i++) {
            fill_msg(bufs[i], msg_len(i), 0, i);
            MPI_Isend(bufs[i], msg_len(i), MPI_BYTE, 1, 5, MPI_COMM_WORLD, &req[i]);
        }
        int go = 1;
        MPI_Send(&go, 1, MPI_INT, 1, 6, MPI_COMM_WORLD); /* different tag: may overtake */
        int rc = MPI_Waitall(NMSG, req, MPI_STATUSES_IGNORE);
        CHECK(rc == MPI_SUCCESS, "Waitall sends rc %d", rc);
        /* Second round: receiver pre-posts; blocking standard and
         * synchronous sends alternate. */
        MPI_Recv(&go, 1, MPI_INT, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < NMSG; i++) {
            fill_msg(bufs[i], msg_len(i), 0, 1000 + i);
            if (i % 4 == 3)
                MPI_Ssend(bufs[i], msg_len(i), MPI_BYTE, 1, 5, MPI_COMM_WORLD);
            else
                MPI_Send(bufs[i], msg_len(i), MPI_BYTE, 1, 5, MPI_COMM_WORLD);
        }
    } else {
        int go;
        MPI_Recv(&go, 1, MPI_INT, 0, 6, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        int inorder = 0;
        for (int i = 0; i < NMSG; i++) {
            MPI_Status st;
            /* Wildcard source and tag, largest buffer: only order decides. */
            int rc = MPI_Recv(rbuf, sizeof rbuf, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            int n = -1;
            MPI_Get_count(&st, MPI_BYTE, &n);
            if (rc == MPI_SUCCESS && st.MPI_SOURCE == 0 && st.MPI_TAG == 5 && n == msg_len(i) &&
                check_msg(rbuf, n, 0, i))
                inorder++;
            else {
                int32_t h[2];
                memcpy(h, rbuf, sizeof h);
                CHECK(0, "late receive %d: rc %d source %d tag %d len %d (want %d), message number %d", i, rc,
                      st.MPI_SOURCE, st.MPI_TAG, n, msg_len(i), h[1]);
            }
        }
        CHECK(inorder == NMSG, "%d of %d messages in order", inorder, NMSG);
        /* Pre-post every receive, then tell the sender to go. */
        for (int i = 0; i < NMSG; i++)
            MPI_Irecv(bufs[i], LARGE + NMSG, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &req[i]);
        MPI_Send(&go, 1, MPI_INT, 0, 7, MPI_COMM_WORLD);
        static MPI_Status sts[NMSG];
        int rc = MPI_Waitall(NMSG, req, sts);
        CHECK(rc == MPI_SUCCESS, "Waitall pre-posted rc %d", rc);
        inorder = 0;
        for (int i = 0; i < NMSG; i++) {
            int n = -1;
            MPI_Get_count(&sts[i], MPI_BYTE, &n);
            if (n == msg_len(i) && sts[i].MPI_TAG == 5 && check_msg(bufs[i], n, 0, 1000 + i)) inorder++;
            else
                CHECK(0, "pre-posted receive %d got len %d tag %d", i, n, sts[i].MPI_TAG);
        }
        CHECK(inorder == NMSG, "pre-posted: %d of %d in order", inorder, NMSG);
    }
}

/* Every rank except 0 sends a sequence to rank 0, which receives with
 * MPI_ANY_SOURCE: per source, the sequence numbers arrive in order. */
static void many_senders(void) {
    enum { PER = 40 };
    if (size < 2) return;
    if (rank != 0) {
        static unsigned char b[LARGE + PER];
        for (int i = 0; i < PER; i++) {
            int len = msg_len(i + rank);
            fill_msg(b, len, rank, i);
            MPI_Send(b, len, MPI_BYTE, 0, 9, MPI_COMM_WORLD);
        }
    } else {
        static unsigned char b[LARGE + 2 * PER + 64];
        int next[64] = {0};
        int bad = 0;
        for (int k = 0; k < PER * (size - 1); k++) {
            MPI_Status st;
            MPI_Recv(b, sizeof b, MPI_BYTE, MPI_ANY_SOURCE, 9, MPI_COMM_WORLD, &st);
            int src = st.MPI_SOURCE, n = -1;
            MPI_Get_count(&st, MPI_BYTE, &n);
            if (src < 1 || src >= size || n != msg_len(next[src] + src) || !check_msg(b, n, src, next[src])) {
                if (bad++ < 5) {
                    int32_t h[2];
                    memcpy(h, b, sizeof h);
                    CHECK(0, "from %d: expected message %d (len %d), got number %d len %d", src,
                          src >= 0 && src < 64 ? next[src] : -1, src >= 0 && src < 64 ? msg_len(next[src] + src) : -1,
                          h[1], n);
                }
            }
            if (src >= 0 && src < 64) next[src]++;
        }
        CHECK(bad == 0, "%d messages out of order or corrupt", bad);
        for (int s = 1; s < size; s++) CHECK(next[s] == PER, "from %d got %d messages", s, next[s]);
    }
}

/* 8 MiB messages: blocking, nonblocking and Sendrecv_replace, checked
 * element by element. */
static void large(void) {
    if (size < 2 || rank > 1) return;
    enum { N = 8 * 1024 * 1024 / 8 }; /* doubles */
    double *a = malloc(N * sizeof(double)), *b = malloc(N * sizeof(double));
    CHECK(a && b, "malloc 2 x 8 MiB");
    if (!a || !b) return;
    int other = 1 - rank;
    for (int i = 0; i < N; i++) a[i] = rank * 1e7 + i * 0.5;
    memset(b, 0, N * sizeof(double));
    MPI_Status st;
    int rc;
    int n = -1;
    if (rank == 0) {
        rc = MPI_Send(a, N, MPI_DOUBLE, 1, 20, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "8 MiB Send rc %d", rc);
        rc = MPI_Recv(b, N, MPI_DOUBLE, 1, 21, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "8 MiB Recv rc %d", rc);
        MPI_Get_count(&st, MPI_DOUBLE, &n);
        CHECK(n == N && st.MPI_SOURCE == 1 && st.MPI_TAG == 21, "8 MiB status %d %d %d", n, st.MPI_SOURCE,
              st.MPI_TAG);
    } else {
        rc = MPI_Recv(b, N, MPI_DOUBLE, 0, 20, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "8 MiB Recv rc %d", rc);
        MPI_Get_count(&st, MPI_DOUBLE, &n);
        CHECK(n == N && st.MPI_SOURCE == 0 && st.MPI_TAG == 20, "8 MiB status %d %d %d", n, st.MPI_SOURCE,
              st.MPI_TAG);
        rc = MPI_Ssend(a, N, MPI_DOUBLE, 0, 21, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "8 MiB Ssend rc %d", rc);
    }
    int bad = 0;
    for (int i = 0; i < N; i++)
        if (b[i] != other * 1e7 + i * 0.5) bad++;
    CHECK(bad == 0, "8 MiB blocking: %d wrong doubles", bad);

    /* Nonblocking both ways at once. */
    MPI_Request r[2];
    memset(b, 0, N * sizeof(double));
    MPI_Irecv(b, N, MPI_DOUBLE, other, 22, MPI_COMM_WORLD, &r[0]);
    MPI_Isend(a, N, MPI_DOUBLE, other, 22, MPI_COMM_WORLD, &r[1]);
    MPI_Status sts[2];
    rc = MPI_Waitall(2, r, sts);
    CHECK(rc == MPI_SUCCESS, "8 MiB Waitall rc %d", rc);
    bad = 0;
    for (int i = 0; i < N; i++)
        if (b[i] != other * 1e7 + i * 0.5) bad++;
    CHECK(bad == 0, "8 MiB nonblocking: %d wrong doubles", bad);
    MPI_Get_count(&sts[0], MPI_DOUBLE, &n);
    CHECK(n == N && sts[0].MPI_SOURCE == other && sts[0].MPI_TAG == 22, "8 MiB Irecv status");

    /* Sendrecv_replace of 8 MiB. */
    rc = MPI_Sendrecv_replace(a, N, MPI_DOUBLE, other, 23, other, 23, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "8 MiB Sendrecv_replace rc %d", rc);
    bad = 0;
    for (int i = 0; i < N; i++)
        if (a[i] != other * 1e7 + i * 0.5) bad++;
    CHECK(bad == 0, "8 MiB Sendrecv_replace: %d wrong doubles", bad);
    /* A large message into a larger buffer (count is what arrived) and a
     * probe of a large message. */
    if (rank == 0) {
        MPI_Send(a, N / 2 + 3, MPI_DOUBLE, 1, 24, MPI_COMM_WORLD);
    } else {
        MPI_Probe(0, 24, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &n);
        CHECK(n == N / 2 + 3, "probe of a large message: count %d", n);
        MPI_Recv(b, N, MPI_DOUBLE, 0, 24, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &n);
        CHECK(n == N / 2 + 3, "large message into a larger buffer: count %d", n);
        CHECK(b[N / 2 + 2] == 1 * 1e7 + (N / 2 + 2) * 0.5, "large message last element %f", b[N / 2 + 2]);
    }
    free(a);
    free(b);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Rank 0 computes (no MPI calls) for about a second while every other rank
 * waits in MPI_Recv; then rank 0 sends to each and collects acks. */
static void fanout(void) {
    if (rank == 0) {
        double t0 = now();
        volatile double x = 1.0;
        unsigned long long iters = 0;
        while (now() - t0 < 1.0) {
            for (int i = 0; i < 100000; i++) x = x * 1.0000001 + 1e-9;
            iters++;
        }
        for (int p = 1; p < size; p++) {
            int v[2] = {p * 7, (int)iters};
            MPI_Send(v, 2, MPI_INT, p, 30, MPI_COMM_WORLD);
        }
        int acks = 0;
        for (int p = 1; p < size; p++) {
            int a = -1;
            MPI_Status st;
            MPI_Recv(&a, 1, MPI_INT, MPI_ANY_SOURCE, 31, MPI_COMM_WORLD, &st);
            if (a == st.MPI_SOURCE * 7) acks++;
        }
        CHECK(acks == size - 1, "%d of %d acks", acks, size - 1);
        printf("fanout: rank 0 computed %llu blocks\n", iters);
    } else {
        int v[2] = {-1, -1};
        MPI_Status st;
        int rc = MPI_Recv(v, 2, MPI_INT, 0, 30, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS && v[0] == rank * 7 && st.MPI_SOURCE == 0, "fanout recv rc %d v %d", rc, v[0]);
        MPI_Send(&v[0], 1, MPI_INT, 0, 31, MPI_COMM_WORLD);
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *part = argc > 1 ? argv[1] : "order";
    if (!strcmp(part, "fanout")) {
        fanout();
    } else {
        same_tag_order();
        MPI_Barrier(MPI_COMM_WORLD);
        many_senders();
        MPI_Barrier(MPI_COMM_WORLD);
        large();
    }
    return mtest_finish();
}
