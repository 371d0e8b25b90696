/* p2p_nonblock.c: nonblocking sends of every mode, MPI_Irecv, and every
 * completion call (Wait, Waitall, Waitany, Waitsome, Test, Testall, Testany,
 * Testsome), MPI_REQUEST_NULL handling, MPI_Request_free, and synchronous
 * sends that complete only once the receive has matched (MPI_Issend + MPI_Test
 * and an MPI_Ssend timed against a receiver that posts late). */
#include "mtest.h"

static int rank, size;

static int val(int src, int tag, int i) { return src * 1000003 + tag * 7919 + i; }
static void fill(int *b, int n, int src, int tag) {
    for (int i = 0; i < n; i++) b[i] = val(src, tag, i);
}
static int bad_values(const int *b, int n, int src, int tag) {
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (b[i] != val(src, tag, i)) bad++;
    return bad;
}

static void check_status(const MPI_Status *st, int src, int tag, int count, const char *what) {
    int n = -1;
    CHECK(st->MPI_SOURCE == src, "%s: MPI_SOURCE %d, want %d", what, st->MPI_SOURCE, src);
    CHECK(st->MPI_TAG == tag, "%s: MPI_TAG %d, want %d", what, st->MPI_TAG, tag);
    MPI_Get_count(st, MPI_INT, &n);
    CHECK(n == count, "%s: count %d, want %d", what, n, count);
}

/* The status of MPI_REQUEST_NULL (and of inactive requests): empty. */
static void check_empty(const MPI_Status *st, const char *what) {
    int n = -1;
    MPI_Get_count(st, MPI_INT, &n);
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG && n == 0,
          "%s: empty status has source %d tag %d count %d", what, st->MPI_SOURCE, st->MPI_TAG, n);
}

/* Every nonblocking send mode around a ring, completed with Waitall, plus
 * the receive statuses. Sizes small and beyond the eager limit. */
static void isend_modes(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    enum { M = 4 };
    static int sb[M][20000], rb[M][20000];
    int counts[2] = {10, 20000};
    static char bbuf[2 * (20000 * 4 + MPI_BSEND_OVERHEAD)];
    for (int c = 0; c < 2; c++) {
        int n = counts[c];
        MPI_Request rr[M], sr[M];
        MPI_Status st[M];
        for (int m = 0; m < M; m++) {
            fill(sb[m], n, rank, 200 + m);
            memset(rb[m], 0, n * sizeof(int));
            MPI_Irecv(rb[m], n, MPI_INT, prev, 200 + m, MPI_COMM_WORLD, &rr[m]);
        }
        MPI_Barrier(MPI_COMM_WORLD); /* receives are posted: Irsend is legal */
        MPI_Buffer_attach(bbuf, sizeof bbuf);
        int rc[M];
        rc[0] = MPI_Isend(sb[0], n, MPI_INT, next, 200, MPI_COMM_WORLD, &sr[0]);
        rc[1] = MPI_Issend(sb[1], n, MPI_INT, next, 201, MPI_COMM_WORLD, &sr[1]);
        rc[2] = MPI_Irsend(sb[2], n, MPI_INT, next, 202, MPI_COMM_WORLD, &sr[2]);
        rc[3] = MPI_Ibsend(sb[3], n, MPI_INT, next, 203, MPI_COMM_WORLD, &sr[3]);
        for (int m = 0; m < M; m++) {
            CHECK(rc[m] == MPI_SUCCESS, "isend mode %d rc %d", m, rc[m]);
            CHECK(sr[m] != MPI_REQUEST_NULL, "isend mode %d gave MPI_REQUEST_NULL", m);
        }
        /* An Ibsend request is complete at once: the data was copied out. */
        int flag = 0;
        MPI_Test(&sr[3], &flag, MPI_STATUS_IGNORE);
        CHECK(flag == 1 && sr[3] == MPI_REQUEST_NULL, "Ibsend not complete at once");
        int r = MPI_Waitall(M, sr, MPI_STATUSES_IGNORE);
        CHECK(r == MPI_SUCCESS, "Waitall sends rc %d", r);
        for (int m = 0; m < M; m++) CHECK(sr[m] == MPI_REQUEST_NULL, "send request %d not freed", m);
        r = MPI_Waitall(M, rr, st);
        CHECK(r == MPI_SUCCESS, "Waitall receives rc %d", r);
        for (int m = 0; m < M; m++) {
            CHECK(rr[m] == MPI_REQUEST_NULL, "receive request %d not freed", m);
            check_status(&st[m], prev, 200 + m, n, "isend modes");
            CHECK(bad_values(rb[m], n, prev, 200 + m) == 0, "mode %d count %d: wrong values", m, n);
        }
        void *a;
        int s;
        MPI_Buffer_detach(&a, &s);
        CHECK(a == (void *)bbuf && s == (int)sizeof bbuf, "detach %p %d", a, s);
        MPI_Barrier(MPI_COMM_WORLD);
    }
}

/* Rank 0 receives one message from every other rank with Waitany, then
 * Waitsome, Testany, Testsome, and checks each index comes exactly once. */
static void any_some(void) {
    if (size < 2) return;
    enum { MAXP = 64 };
    int bufs[MAXP][4];
    MPI_Request req[MAXP];
    MPI_Status st;
    for (int round = 0; round < 4; round++) {
        int tag = 300 + round;
        if (rank != 0) {
            int msg[4] = {rank, round, rank * 10, 4};
            /* Send in reverse rank order to shuffle completion order. */
            MPI_Send(msg, 4, MPI_INT, 0, tag, MPI_COMM_WORLD);
            continue;
        }
        int n = size - 1;
        for (int i = 0; i < n; i++) {
            memset(bufs[i], 0xff, sizeof bufs[i]);
            MPI_Irecv(bufs[i], 4, MPI_INT, i + 1, tag, MPI_COMM_WORLD, &req[i]);
        }
        int done[MAXP] = {0}, ndone = 0;
        while (ndone < n) {
            if (round == 0) { /* Waitany */
                int idx = -1;
                int rc = MPI_Waitany(n, req, &idx, &st);
                CHECK(rc == MPI_SUCCESS && idx >= 0 && idx < n, "Waitany rc %d idx %d", rc, idx);
                if (idx < 0 || idx >= n) break;
                CHECK(req[idx] == MPI_REQUEST_NULL, "Waitany did not free request %d", idx);
                CHECK(!done[idx], "Waitany index %d twice", idx);
                done[idx] = 1;
                ndone++;
                check_status(&st, idx + 1, tag, 4, "Waitany");
                CHECK(bufs[idx][0] == idx + 1 && bufs[idx][1] == round, "Waitany data");
            } else if (round == 1) { /* Waitsome */
                int outc = -1, idx[MAXP];
                MPI_Status sts[MAXP];
                int rc = MPI_Waitsome(n, req, &outc, idx, sts);
                CHECK(rc == MPI_SUCCESS && outc >= 1 && outc <= n - ndone, "Waitsome rc %d outcount %d", rc, outc);
                if (outc < 1) break;
                for (int k = 0; k < outc; k++) {
                    int i = idx[k];
                    CHECK(i >= 0 && i < n && !done[i], "Waitsome index %d", i);
                    if (i < 0 || i >= n) continue;
                    done[i] = 1;
                    ndone++;
                    CHECK(req[i] == MPI_REQUEST_NULL, "Waitsome did not free %d", i);
                    check_status(&sts[k], i + 1, tag, 4, "Waitsome");
                    CHECK(sts[k].MPI_ERROR == MPI_SUCCESS, "Waitsome MPI_ERROR %d", sts[k].MPI_ERROR);
                    CHECK(bufs[i][0] == i + 1, "Waitsome data");
                }
            } else if (round == 2) { /* Testany */
                int idx = -7, flag = -1;
                int rc = MPI_Testany(n, req, &idx, &flag, &st);
                CHECK(rc == MPI_SUCCESS, "Testany rc %d", rc);
                if (!flag) {
                    CHECK(idx == MPI_UNDEFINED, "Testany flag 0 with index %d", idx);
                    continue;
                }
                CHECK(flag == 1 && idx >= 0 && idx < n && !done[idx], "Testany flag %d idx %d", flag, idx);
                if (idx < 0 || idx >= n) break;
                done[idx] = 1;
                ndone++;
                check_status(&st, idx + 1, tag, 4, "Testany");
            } else { /* Testsome */
                int outc = -1, idx[MAXP];
                MPI_Status sts[MAXP];
                int rc = MPI_Testsome(n, req, &outc, idx, sts);
                CHECK(rc == MPI_SUCCESS && outc >= 0 && outc <= n - ndone, "Testsome rc %d outcount %d", rc, outc);
                if (outc < 0) break;
                for (int k = 0; k < outc; k++) {
                    int i = idx[k];
                    CHECK(i >= 0 && i < n && !done[i], "Testsome index %d", i);
                    if (i < 0 || i >= n) continue;
                    done[i] = 1;
                    ndone++;
                    check_status(&sts[k], i + 1, tag, 4, "Testsome");
                }
            }
        }
        CHECK(ndone == n, "round %d completed %d of %d", round, ndone, n);
        /* Now every request is MPI_REQUEST_NULL: the calls report that. */
        int idx = 0, flag = 0, outc = 0;
        memset(&st, 0x5a, sizeof st);
        int rc = MPI_Waitany(n, req, &idx, &st);
        CHECK(rc == MPI_SUCCESS && idx == MPI_UNDEFINED, "Waitany on all-null: rc %d idx %d", rc, idx);
        check_empty(&st, "Waitany all-null");
        rc = MPI_Testany(n, req, &idx, &flag, &st);
        CHECK(rc == MPI_SUCCESS && idx == MPI_UNDEFINED && flag == 1, "Testany all-null: idx %d flag %d", idx, flag);
        rc = MPI_Waitsome(n, req, &outc, NULL, MPI_STATUSES_IGNORE);
        CHECK(rc == MPI_SUCCESS && outc == MPI_UNDEFINED, "Waitsome all-null outcount %d", outc);
        outc = 0;
        rc = MPI_Testsome(n, req, &outc, NULL, MPI_STATUSES_IGNORE);
        CHECK(rc == MPI_SUCCESS && outc == MPI_UNDEFINED, "Testsome all-null outcount %d", outc);
        rc = MPI_Waitall(n, req, MPI_STATUSES_IGNORE);
        CHECK(rc == MPI_SUCCESS, "Waitall all-null rc %d", rc);
        flag = 0;
        rc = MPI_Testall(n, req, &flag, MPI_STATUSES_IGNORE);
        CHECK(rc == MPI_SUCCESS && flag == 1, "Testall all-null flag %d", flag);
    }
    /* Zero requests. */
    int idx = 0, outc = 0, flag = 0;
    CHECK(MPI_Waitall(0, NULL, MPI_STATUSES_IGNORE) == MPI_SUCCESS, "Waitall(0)");
    CHECK(MPI_Waitany(0, NULL, &idx, MPI_STATUS_IGNORE) == MPI_SUCCESS && idx == MPI_UNDEFINED, "Waitany(0) %d",
          idx);
    CHECK(MPI_Testall(0, NULL, &flag, MPI_STATUSES_IGNORE) == MPI_SUCCESS && flag == 1, "Testall(0)");
    CHECK(MPI_Waitsome(0, NULL, &outc, NULL, MPI_STATUSES_IGNORE) == MPI_SUCCESS && outc == MPI_UNDEFINED,
          "Waitsome(0) %d", outc);
}

/* MPI_Test / MPI_Testall / MPI_Testany / MPI_Testsome report "not yet"
 * while the message cannot have been sent, coordinated by a go message. */
static void tests_pending(void) {
    if (size < 2 || rank > 1) return;
    MPI_Status st;
    if (rank == 1) {
        int go;
        MPI_Recv(&go, 1, MPI_INT, 0, 400, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        int a[4] = {1, 2, 3, 4};
        MPI_Send(a, 4, MPI_INT, 0, 401, MPI_COMM_WORLD);
        MPI_Send(a, 2, MPI_INT, 0, 402, MPI_COMM_WORLD);
        return;
    }
    int a[4] = {0}, b[4] = {0};
    MPI_Request r[3];
    MPI_Irecv(a, 4, MPI_INT, 1, 401, MPI_COMM_WORLD, &r[0]);
    MPI_Irecv(b, 4, MPI_INT, 1, 402, MPI_COMM_WORLD, &r[1]);
    r[2] = MPI_REQUEST_NULL;
    int flag = -1, idx = -1, outc = -1, indices[3];
    MPI_Request keep = r[0];
    memset(&st, 0x5a, sizeof st);
    CHECK(MPI_Test(&r[0], &flag, &st) == MPI_SUCCESS && flag == 0, "Test before send: flag %d", flag);
    CHECK(r[0] == keep, "Test with flag 0 changed the request");
    flag = -1;
    CHECK(MPI_Testall(3, r, &flag, MPI_STATUSES_IGNORE) == MPI_SUCCESS && flag == 0, "Testall before: %d", flag);
    flag = -1;
    CHECK(MPI_Testany(3, r, &idx, &flag, &st) == MPI_SUCCESS && flag == 0 && idx == MPI_UNDEFINED,
          "Testany before: flag %d idx %d", flag, idx);
    CHECK(MPI_Testsome(3, r, &outc, indices, MPI_STATUSES_IGNORE) == MPI_SUCCESS && outc == 0,
          "Testsome before: outcount %d", outc);
    int go = 1;
    MPI_Send(&go, 1, MPI_INT, 1, 400, MPI_COMM_WORLD);
    /* Poll until both arrived. */
    MPI_Status sts[3];
    flag = 0;
    while (!flag) MPI_Testall(3, r, &flag, sts);
    CHECK(r[0] == MPI_REQUEST_NULL && r[1] == MPI_REQUEST_NULL, "Testall did not free");
    check_status(&sts[0], 1, 401, 4, "Testall[0]");
    check_status(&sts[1], 1, 402, 2, "Testall[1]");
    check_empty(&sts[2], "Testall null entry");
    CHECK(sts[0].MPI_ERROR == MPI_SUCCESS && sts[1].MPI_ERROR == MPI_SUCCESS, "Testall MPI_ERROR");
    CHECK(a[3] == 4 && b[1] == 2 && b[2] == 0, "Testall data");

    /* MPI_Test and MPI_Wait on MPI_REQUEST_NULL: flag 1, empty status. */
    MPI_Request nr = MPI_REQUEST_NULL;
    flag = 0;
    memset(&st, 0x5a, sizeof st);
    CHECK(MPI_Test(&nr, &flag, &st) == MPI_SUCCESS && flag == 1, "Test(MPI_REQUEST_NULL) flag %d", flag);
    check_empty(&st, "Test null");
    memset(&st, 0x5a, sizeof st);
    CHECK(MPI_Wait(&nr, &st) == MPI_SUCCESS, "Wait(MPI_REQUEST_NULL)");
    check_empty(&st, "Wait null");
}

/* MPI_Issend + MPI_Test: not complete while the receiver has not posted
 * (it waits for a go message), complete after. */
static void issend_test(void) {
    if (size < 2 || rank > 1) return;
    enum { N = 8 };
    int buf[N];
    if (rank == 0) {
        MPI_Request r;
        fill(buf, N, 0, 500);
        MPI_Issend(buf, N, MPI_INT, 1, 500, MPI_COMM_WORLD, &r);
        int flag = 1, zeros = 0;
        for (int i = 0; i < 100; i++) {
            MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
            if (!flag) zeros++;
        }
        CHECK(zeros == 100, "MPI_Issend completed before the receive was posted (%d of 100 tests said no)", zeros);
        int go = 1;
        MPI_Send(&go, 1, MPI_INT, 1, 501, MPI_COMM_WORLD);
        int rc = MPI_Wait(&r, MPI_STATUS_IGNORE);
        CHECK(rc == MPI_SUCCESS && r == MPI_REQUEST_NULL, "Issend wait rc %d", rc);
        /* The receiver tells us when it posted; our Wait ended after that. */
    } else {
        int go;
        /* The synchronous message is already here (unexpected), but it must
         * not complete until this receive matches it. */
        MPI_Recv(&go, 1, MPI_INT, 0, 501, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Status st;
        MPI_Recv(buf, N, MPI_INT, 0, 500, MPI_COMM_WORLD, &st);
        check_status(&st, 0, 500, N, "Issend recv");
        CHECK(bad_values(buf, N, 0, 500) == 0, "Issend data");
    }
}

/* MPI_Ssend returns only after the receive matched: the receiver posts it
 * 0.3 s after the sender's start time, and reports when it posted. */
static void ssend_timing(void) {
    if (size < 2 || rank > 1) return;
    const double delay = 0.3;
    int x = 5;
    if (rank == 0) {
        double t0 = MPI_Wtime();
        MPI_Send(&t0, 1, MPI_DOUBLE, 1, 600, MPI_COMM_WORLD);
        int rc = MPI_Ssend(&x, 1, MPI_INT, 1, 601, MPI_COMM_WORLD);
        double t1 = MPI_Wtime();
        CHECK(rc == MPI_SUCCESS, "Ssend rc %d", rc);
        double posted = 0;
        MPI_Recv(&posted, 1, MPI_DOUBLE, 1, 602, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(t1 - t0 >= delay, "MPI_Ssend took %.3f s, the receive was posted after %.3f s", t1 - t0, delay);
        CHECK(t1 >= posted, "MPI_Ssend returned at %.6f, before the receive was posted at %.6f", t1, posted);
        /* A standard send of the same small message does not wait. */
        MPI_Send(&t0, 1, MPI_DOUBLE, 1, 603, MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        MPI_Send(&x, 1, MPI_INT, 1, 604, MPI_COMM_WORLD);
        t1 = MPI_Wtime();
        CHECK(t1 - t0 < delay, "eager MPI_Send waited %.3f s for the receiver", t1 - t0);
    } else {
        double t0;
        MPI_Recv(&t0, 1, MPI_DOUBLE, 0, 600, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        while (MPI_Wtime() < t0 + delay) {
        }
        double posted = MPI_Wtime();
        int y = 0;
        MPI_Recv(&y, 1, MPI_INT, 0, 601, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(y == 5, "Ssend value %d", y);
        MPI_Send(&posted, 1, MPI_DOUBLE, 0, 602, MPI_COMM_WORLD);
        MPI_Recv(&t0, 1, MPI_DOUBLE, 0, 603, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        while (MPI_Wtime() < t0 + delay) {
        }
        MPI_Recv(&y, 1, MPI_INT, 0, 604, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(y == 5, "Send value %d", y);
    }
}

/* MPI_Request_free on active requests: the operations still happen. */
static void request_free(void) {
    if (size < 2) return;
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    enum { BIG = 50000 };
    static int s[BIG], r[BIG];
    int small = rank * 3, got = -1;
    fill(s, BIG, rank, 702);
    memset(r, 0, sizeof r);
    MPI_Request sr, br;
    MPI_Isend(&small, 1, MPI_INT, next, 701, MPI_COMM_WORLD, &sr);
    int rc = MPI_Request_free(&sr);
    CHECK(rc == MPI_SUCCESS && sr == MPI_REQUEST_NULL, "Request_free(small Isend) rc %d", rc);
    MPI_Isend(s, BIG, MPI_INT, next, 702, MPI_COMM_WORLD, &br); /* rendezvous: pending */
    rc = MPI_Request_free(&br);
    CHECK(rc == MPI_SUCCESS && br == MPI_REQUEST_NULL, "Request_free(large Isend) rc %d", rc);
    MPI_Recv(&got, 1, MPI_INT, prev, 701, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(got == prev * 3, "freed small Isend delivered %d", got);
    MPI_Status st;
    MPI_Recv(r, BIG, MPI_INT, prev, 702, MPI_COMM_WORLD, &st);
    check_status(&st, prev, 702, BIG, "freed large Isend");
    CHECK(bad_values(r, BIG, prev, 702) == 0, "freed large Isend data");
    /* The send buffer may only be reused once we know the message arrived. */
    MPI_Barrier(MPI_COMM_WORLD);

    /* Freeing a completed request. */
    MPI_Request q;
    MPI_Isend(&small, 1, MPI_INT, rank, 703, MPI_COMM_WORLD, &q);
    MPI_Recv(&got, 1, MPI_INT, rank, 703, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(MPI_Request_free(&q) == MPI_SUCCESS && q == MPI_REQUEST_NULL, "Request_free completed");
}

/* Many outstanding nonblocking operations between all pairs at once. */
static void all_pairs(void) {
    enum { K = 3, N = 257 };
    static int sb[64][N], rb[64 * K][N];
    MPI_Request req[64 * K * 2];
    int nr = 0;
    for (int p = 0; p < size; p++)
        for (int k = 0; k < K; k++) MPI_Irecv(rb[p * K + k], N, MPI_INT, p, 800 + k, MPI_COMM_WORLD, &req[nr++]);
    for (int p = 0; p < size; p++) fill(sb[p], N, rank, p);
    for (int p = 0; p < size; p++)
        for (int k = 0; k < K; k++) MPI_Isend(sb[p], N, MPI_INT, p, 800 + k, MPI_COMM_WORLD, &req[nr++]);
    static MPI_Status sts[64 * K * 2];
    int rc = MPI_Waitall(nr, req, sts);
    CHECK(rc == MPI_SUCCESS, "all pairs Waitall rc %d", rc);
    for (int p = 0; p < size; p++)
        for (int k = 0; k < K; k++) {
            check_status(&sts[p * K + k], p, 800 + k, N, "all pairs");
            CHECK(bad_values(rb[p * K + k], N, p, rank) == 0, "all pairs data from %d", p);
        }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    void (*sections[])(void) = {isend_modes, any_some, tests_pending, issend_test, ssend_timing, request_free, all_pairs};
    for (unsigned i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        sections[i]();
        MPI_Barrier(MPI_COMM_WORLD);
    }
    return mtest_finish();
}
