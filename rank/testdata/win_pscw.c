/* win_pscw.c: generalized active-target synchronisation. In each round a
 * rank exposes its window to its left neighbour (MPI_Win_post), accesses
 * its right neighbour's (MPI_Win_start), puts a value that names the round
 * and itself, and checks after MPI_Win_wait (or an MPI_Win_test loop) that
 * its left neighbour's value arrived. Then rank 0 exposes its window to
 * every other rank, which all accumulate into it. */
#include "mtest.h"

#define ROUNDS 10

static MPI_Group group_of(MPI_Group world, int n, const int *ranks) {
    MPI_Group g;
    MPI_Group_incl(world, n, ranks, &g);
    return g;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    int buf[2] = {-1, 0};
    MPI_Win win;
    MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Group world, lg, rg;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    lg = group_of(world, 1, &left);
    rg = group_of(world, 1, &right);

    for (int k = 1; k <= ROUNDS; k++) {
        MPI_Win_post(lg, 0, win);
        MPI_Win_start(rg, 0, win);
        int v = 100 * k + rank;
        MPI_Put(&v, 1, MPI_INT, right, 0, 1, MPI_INT, win);
        MPI_Win_complete(win);
        if (k % 2 == 0) {
            MPI_Win_wait(win);
        } else {
            int flag = 0;
            while (!flag) MPI_Win_test(win, &flag);
        }
        CHECK(buf[0] == 100 * k + left, "round %d: buf %d want %d", k, buf[0], 100 * k + left);
    }

    /* rank 0 exposes to everyone else; each adds rank+1 to buf[1] */
    if (size > 1) {
        if (rank == 0) {
            int n = size - 1, *others = malloc(sizeof(int) * n);
            for (int i = 0; i < n; i++) others[i] = i + 1;
            MPI_Group og = group_of(world, n, others);
            buf[1] = 0;
            MPI_Win_post(og, MPI_MODE_NOSTORE, win);
            MPI_Win_wait(win);
            CHECK(buf[1] == size * (size + 1) / 2 - 1, "accumulated %d want %d", buf[1], size * (size + 1) / 2 - 1);
            MPI_Group_free(&og);
            free(others);
        } else {
            int zero = 0;
            MPI_Group g0 = group_of(world, 1, &zero);
            MPI_Win_start(g0, 0, win);
            int add = rank + 1;
            MPI_Accumulate(&add, 1, MPI_INT, 0, 1, 1, MPI_INT, MPI_SUM, win);
            MPI_Win_complete(win);
            MPI_Group_free(&g0);
        }
    }

    MPI_Group_free(&lg);
    MPI_Group_free(&rg);
    MPI_Group_free(&world);
    MPI_Win_free(&win);
    return mtest_finish();
}
