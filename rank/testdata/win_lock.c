/* win_lock.c: passive-target RMA. Every rank increments a counter on the
 * last rank under an exclusive lock with Get + Put (no update may be lost),
 * adds to a counter with Fetch_and_op under MPI_Win_lock_all (the fetched
 * values are all distinct and the total exact), and takes a mutex built
 * with Compare_and_swap to update a shared pair of values. Flushes, shared
 * locks and MPI_Win_sync are exercised too. */
#include "mtest.h"

#define ITERS 20

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int last = size - 1;

    /* slots: 0 exclusive counter, 1 fetch-and-op counter, 2 mutex,
     * 3 and 4 the pair protected by the mutex */
    long long *mem = NULL;
    MPI_Win win;
    MPI_Win_allocate(5 * sizeof(long long), sizeof(long long), MPI_INFO_NULL, MPI_COMM_WORLD, &mem, &win);
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
    for (int i = 0; i < 5; i++) mem[i] = 0;
    MPI_Win_unlock(rank, win);
    MPI_Barrier(MPI_COMM_WORLD);

    /* exclusive lock: read-modify-write with plain Get and Put */
    for (int i = 0; i < ITERS; i++) {
        long long v = -1;
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, last, 0, win);
        MPI_Get(&v, 1, MPI_LONG_LONG, last, 0, 1, MPI_LONG_LONG, win);
        MPI_Win_flush(last, win);
        v++;
        MPI_Put(&v, 1, MPI_LONG_LONG, last, 0, 1, MPI_LONG_LONG, win);
        MPI_Win_unlock(last, win);
    }

    /* lock_all + Fetch_and_op: every fetched value is distinct */
    int nvals = ITERS * size;
    char *seen = calloc(nvals, 1);
    long long mine[ITERS];
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < ITERS; i++) {
        long long one = 1;
        MPI_Fetch_and_op(&one, &mine[i], MPI_LONG_LONG, 0, 1, MPI_SUM, win);
        MPI_Win_flush_local(0, win);
    }
    MPI_Win_flush_all(win);
    MPI_Win_unlock_all(win);
    long long *all = malloc(sizeof(long long) * nvals);
    MPI_Allgather(mine, ITERS, MPI_LONG_LONG, all, ITERS, MPI_LONG_LONG, MPI_COMM_WORLD);
    for (int i = 0; i < nvals; i++) {
        CHECK(all[i] >= 0 && all[i] < nvals, "fetched %lld out of range", all[i]);
        if (all[i] >= 0 && all[i] < nvals) {
            CHECK(!seen[all[i]], "value %lld fetched twice", all[i]);
            seen[all[i]] = 1;
        }
    }

    /* a mutex on rank 0 from Compare_and_swap: inside it, read the pair,
     * bump both and write it back; they must stay equal */
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < ITERS / 2; i++) {
        long long want = 0, me = rank + 1, got = -1;
        do {
            MPI_Compare_and_swap(&me, &want, &got, MPI_LONG_LONG, 0, 2, win);
            MPI_Win_flush(0, win);
        } while (got != 0);
        long long pair[2];
        MPI_Get(pair, 2, MPI_LONG_LONG, 0, 3, 2, MPI_LONG_LONG, win);
        MPI_Win_flush(0, win);
        CHECK(pair[0] == pair[1], "pair %lld %lld differ inside the mutex", pair[0], pair[1]);
        pair[0]++;
        pair[1]++;
        MPI_Put(pair, 2, MPI_LONG_LONG, 0, 3, 2, MPI_LONG_LONG, win);
        MPI_Win_flush(0, win);
        long long zero = 0, prev = -1;
        MPI_Compare_and_swap(&zero, &me, &prev, MPI_LONG_LONG, 0, 2, win);
        MPI_Win_flush(0, win);
        CHECK(prev == me, "mutex held by %lld, not by me (%lld)", prev, me);
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);

    /* everyone reads the results under a shared lock */
    long long res[5];
    MPI_Win_lock(MPI_LOCK_SHARED, last, MPI_MODE_NOCHECK, win);
    MPI_Get(&res[0], 1, MPI_LONG_LONG, last, 0, 1, MPI_LONG_LONG, win);
    MPI_Win_unlock(last, win);
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Get(&res[1], 4, MPI_LONG_LONG, 0, 1, 4, MPI_LONG_LONG, win);
    MPI_Win_unlock(0, win);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(res[0] == (long long)ITERS * size, "exclusive counter %lld want %d", res[0], ITERS * size);
    CHECK(res[1] == (long long)ITERS * size, "fetch_and_op counter %lld want %d", res[1], ITERS * size);
    CHECK(res[2] == 0, "mutex left at %lld", res[2]);
    CHECK(res[3] == (long long)(ITERS / 2) * size && res[4] == res[3], "pair %lld %lld want %d", res[3], res[4], ITERS / 2 * size);

    /* MPI_Win_sync and a local lock see the window's memory directly */
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
    MPI_Win_sync(win);
    if (rank == last) CHECK(mem[0] == (long long)ITERS * size, "local view of the counter %lld", mem[0]);
    MPI_Win_unlock(rank, win);

    /* Fetch_and_op with MPI_NO_OP reads atomically; MPI_REPLACE swaps */
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
    long long cur = -1, nv = 1000 + rank, prevv = -1;
    MPI_Fetch_and_op(NULL, &cur, MPI_LONG_LONG, 0, 1, MPI_NO_OP, win);
    MPI_Win_flush(0, win);
    MPI_Fetch_and_op(&nv, &prevv, MPI_LONG_LONG, 0, 1, MPI_REPLACE, win);
    MPI_Win_unlock(0, win);
    CHECK(prevv == cur, "swap returned %lld, no-op read %lld", prevv, cur);
    MPI_Barrier(MPI_COMM_WORLD);

    free(seen);
    free(all);
    MPI_Win_free(&win);
    return mtest_finish();
}
