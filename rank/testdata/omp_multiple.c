/* MPI_THREAD_MULTIPLE: every OpenMP thread of every rank makes MPI calls at
 * the same time. Point-to-point by tag (blocking, nonblocking, probe,
 * ANY_SOURCE, Ssend), collectives on per-thread communicators, and
 * communicator creation on them, all concurrent, with exact results.
 * Argument: rounds (default 200). */
#include <omp.h>
#include "mtest.h"

#define NT 4
#define LEN 37

static int report(int *bad, const char *what, int rank, int t, int round, long got, long want) {
    if ((*bad)++ < 3)
        printf("FAIL rank %d thread %d round %d: %s: got %ld, want %ld\n", rank, t, round, what, got, want);
    return 0;
}

int main(int argc, char **argv) {
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d", provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;

    /* One communicator per thread, made before the region: collectives on
     * different communicators may run concurrently. */
    MPI_Comm tcomm[NT];
    for (int t = 0; t < NT; t++)
        MPI_Comm_dup(MPI_COMM_WORLD, &tcomm[t]);

    int bad = 0, nthreads = 0;
#pragma omp parallel num_threads(NT) reduction(+ : bad)
    {
        int t = omp_get_thread_num();
#pragma omp single
        nthreads = omp_get_num_threads();
        int in_thread;
        MPI_Is_thread_main(&in_thread);
        if (in_thread != (t == 0))
            report(&bad, "MPI_Is_thread_main", rank, t, 0, in_thread, t == 0);

        long sbuf[LEN], rbuf[LEN];
        for (int r = 0; r < rounds; r++) {
            /* 1. Sendrecv around the ring, this thread's tag. */
            for (int i = 0; i < LEN; i++)
                sbuf[i] = 1000000L * rank + 1000L * t + r + i;
            MPI_Status st;
            MPI_Sendrecv(sbuf, LEN, MPI_LONG, next, t, rbuf, LEN, MPI_LONG, prev, t, MPI_COMM_WORLD, &st);
            for (int i = 0; i < LEN; i++)
                if (rbuf[i] != 1000000L * prev + 1000L * t + r + i) {
                    report(&bad, "sendrecv data", rank, t, r, rbuf[i], 1000000L * prev + 1000L * t + r + i);
                    break;
                }
            if (st.MPI_TAG != t || st.MPI_SOURCE != prev)
                report(&bad, "sendrecv status tag", rank, t, r, st.MPI_TAG, t);

            /* 2. Nonblocking both ways, waited by this thread. */
            MPI_Request req[4];
            long a[2] = {rank, t}, b[2] = {-1, -1}, c[2] = {rank, r}, d[2] = {-1, -1};
            MPI_Irecv(b, 2, MPI_LONG, prev, 100 + t, MPI_COMM_WORLD, &req[0]);
            MPI_Irecv(d, 2, MPI_LONG, next, 200 + t, MPI_COMM_WORLD, &req[1]);
            MPI_Isend(a, 2, MPI_LONG, next, 100 + t, MPI_COMM_WORLD, &req[2]);
            MPI_Issend(c, 2, MPI_LONG, prev, 200 + t, MPI_COMM_WORLD, &req[3]);
            MPI_Waitall(4, req, MPI_STATUSES_IGNORE);
            if (b[0] != prev || b[1] != t)
                report(&bad, "isend/irecv", rank, t, r, b[0] * 100 + b[1], prev * 100 + t);
            if (d[0] != next || d[1] != r)
                report(&bad, "issend/irecv", rank, t, r, d[0] * 100000 + d[1], next * 100000L + r);

            /* 3. Probe for a message of unknown length, then receive it. */
            int n = 1 + (rank * 7 + t * 3 + r) % LEN;
            MPI_Send(sbuf, n, MPI_LONG, next, 300 + t, MPI_COMM_WORLD);
            MPI_Probe(MPI_ANY_SOURCE, 300 + t, MPI_COMM_WORLD, &st);
            int got = -1;
            MPI_Get_count(&st, MPI_LONG, &got);
            int want = 1 + (prev * 7 + t * 3 + r) % LEN;
            if (got != want || st.MPI_SOURCE != prev)
                report(&bad, "probe count", rank, t, r, got, want);
            MPI_Recv(rbuf, got > 0 && got <= LEN ? got : LEN, MPI_LONG, st.MPI_SOURCE, 300 + t, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

            /* 4. A collective on this thread's communicator. */
            long mine = 10L * rank + t + r, sum = -1;
            MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, tcomm[t]);
            long wantsum = 10L * size * (size - 1) / 2 + (long)size * (t + r);
            if (sum != wantsum)
                report(&bad, "allreduce", rank, t, r, sum, wantsum);
            if (r % 50 == 0) {
                int x = rank == 0 ? 1000 + t + r : -1;
                MPI_Bcast(&x, 1, MPI_INT, 0, tcomm[t]);
                if (x != 1000 + t + r)
                    report(&bad, "bcast", rank, t, r, x, 1000 + t + r);
                MPI_Barrier(tcomm[t]);
            }
        }

        /* 5. Communicator creation on different parents at the same time. */
        for (int k = 0; k < 3; k++) {
            MPI_Comm dup, split;
            MPI_Comm_dup(tcomm[t], &dup);
            MPI_Comm_split(dup, rank % 2, -rank, &split);
            int ssize, srank, want = 0;
            MPI_Comm_size(split, &ssize);
            MPI_Comm_rank(split, &srank);
            for (int q = 0; q < size; q++)
                if (q % 2 == rank % 2 && q > rank)
                    want++;
            if (srank != want)
                report(&bad, "split rank", rank, t, k, srank, want);
            int one = 1, total = 0;
            MPI_Allreduce(&one, &total, 1, MPI_INT, MPI_SUM, split);
            if (total != ssize)
                report(&bad, "split allreduce", rank, t, k, total, ssize);
            MPI_Comm_free(&split);
            MPI_Comm_free(&dup);
        }
    }
    CHECK(nthreads == NT, "team of %d", nthreads);
    CHECK(bad == 0, "%d failures in threads", bad);
    for (int t = 0; t < NT; t++)
        MPI_Comm_free(&tcomm[t]);
    return mtest_finish();
}
