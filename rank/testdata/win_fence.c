/* win_fence.c: active-target RMA with MPI_Win_fence on windows made by
 * MPI_Win_create and MPI_Win_allocate: a Put ring and a Get ring, sums
 * accumulated from every rank, Get_accumulate and the request-based calls,
 * derived datatypes on both sides, the predefined window attributes, the
 * window group, name and info. */
#include "mtest.h"

#define N 16

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    int buf[N];
    for (int i = 0; i < N; i++) buf[i] = -1;
    MPI_Win win;
    MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);

    /* predefined attributes */
    void *base = NULL;
    MPI_Aint *wsize = NULL;
    int *du = NULL, *flavor = NULL, *model = NULL, flag = 0;
    MPI_Win_get_attr(win, MPI_WIN_BASE, &base, &flag);
    CHECK(flag && base == buf, "MPI_WIN_BASE %p, want %p", base, (void *)buf);
    MPI_Win_get_attr(win, MPI_WIN_SIZE, &wsize, &flag);
    CHECK(flag && *wsize == (MPI_Aint)sizeof buf, "MPI_WIN_SIZE %ld", (long)*wsize);
    MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &du, &flag);
    CHECK(flag && *du == (int)sizeof(int), "MPI_WIN_DISP_UNIT %d", *du);
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    CHECK(flag && *flavor == MPI_WIN_FLAVOR_CREATE, "flavor %d", *flavor);
    MPI_Win_get_attr(win, MPI_WIN_MODEL, &model, &flag);
    CHECK(flag && *model == MPI_WIN_UNIFIED, "model %d", *model);

    /* group, name, info */
    MPI_Group wg, cg;
    int cmp = -1;
    MPI_Win_get_group(win, &wg);
    MPI_Comm_group(MPI_COMM_WORLD, &cg);
    MPI_Group_compare(wg, cg, &cmp);
    CHECK(cmp == MPI_IDENT, "window group compares %d", cmp);
    MPI_Group_free(&wg);
    MPI_Group_free(&cg);
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Win_get_name(win, name, &len);
    CHECK(len == 0 && name[0] == 0, "default name '%s'", name);
    MPI_Win_set_name(win, "ring window");
    MPI_Win_get_name(win, name, &len);
    CHECK(len == 11 && strcmp(name, "ring window") == 0, "name '%s' len %d", name, len);
    MPI_Info info, used;
    MPI_Info_create(&info);
    MPI_Info_set(info, "no_locks", "true");
    MPI_Win_set_info(win, info);
    MPI_Info_free(&info);
    MPI_Win_get_info(win, &used);
    char val[MPI_MAX_INFO_VAL];
    MPI_Info_get(used, "no_locks", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && strcmp(val, "true") == 0, "info no_locks flag %d", flag);
    MPI_Info_free(&used);

    /* Put ring: rank r writes r*100+i into buf[i] of its right neighbour */
    int src[N];
    for (int i = 0; i < N; i++) src[i] = rank * 100 + i;
    MPI_Win_fence(MPI_MODE_NOPRECEDE, win);
    MPI_Put(src, N, MPI_INT, right, 0, N, MPI_INT, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N; i++) CHECK(buf[i] == left * 100 + i, "put ring buf[%d]=%d", i, buf[i]);

    /* Get ring: read the left neighbour's buffer (holding left-1's values) */
    int got[N];
    memset(got, 0, sizeof got);
    MPI_Get(got, N, MPI_INT, left, 0, N, MPI_INT, win);
    MPI_Win_fence(0, win);
    int ll = (left + size - 1) % size;
    for (int i = 0; i < N; i++) CHECK(got[i] == ll * 100 + i, "get ring got[%d]=%d", i, got[i]);

    /* accumulate: every rank adds (rank+1)*(i+1) into buf[i] of every rank */
    for (int i = 0; i < N; i++) buf[i] = 0;
    MPI_Win_fence(0, win);
    for (int t = 0; t < size; t++) {
        int add[N];
        for (int i = 0; i < N; i++) add[i] = (rank + 1) * (i + 1);
        MPI_Accumulate(add, N, MPI_INT, t, 0, N, MPI_INT, MPI_SUM, win);
    }
    MPI_Win_fence(0, win);
    int tri = size * (size + 1) / 2;
    for (int i = 0; i < N; i++) CHECK(buf[i] == tri * (i + 1), "sum buf[%d]=%d want %d", i, buf[i], tri * (i + 1));

    /* MPI_MAX and MPI_REPLACE into slot 0 of rank 0, then read them back */
    MPI_Win_fence(0, win);
    int mine = 1000 + rank;
    MPI_Accumulate(&mine, 1, MPI_INT, 0, 1, 1, MPI_INT, MPI_MAX, win);
    MPI_Win_fence(0, win);
    if (rank == 0) CHECK(buf[1] == 1000 + size - 1, "max %d", buf[1]);
    MPI_Win_fence(0, win);
    if (rank == size - 1) MPI_Accumulate(&mine, 1, MPI_INT, 0, 2, 1, MPI_INT, MPI_REPLACE, win);
    MPI_Win_fence(0, win);
    if (rank == 0) CHECK(buf[2] == 1000 + size - 1, "replace %d", buf[2]);

    /* derived datatypes on both sides: the origin sends N/2 ints from every
     * other slot, the target receives them as a contiguous run at 4 */
    MPI_Datatype every2, pair;
    MPI_Type_vector(N / 2, 1, 2, MPI_INT, &every2);
    MPI_Type_commit(&every2);
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    for (int i = 0; i < N; i++) buf[i] = 0;
    MPI_Win_fence(0, win);
    MPI_Put(src, 1, every2, right, 4, N / 4, pair, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N; i++) {
        int want = (i >= 4 && i < 4 + N / 2) ? left * 100 + 2 * (i - 4) : 0;
        CHECK(buf[i] == want, "derived put buf[%d]=%d want %d", i, buf[i], want);
    }
    /* and a strided Get of the target's even slots into a contiguous buffer */
    for (int i = 0; i < N; i++) buf[i] = rank * 1000 + i;
    MPI_Win_fence(0, win);
    memset(got, 0, sizeof got);
    MPI_Get(got, N / 2, MPI_INT, right, 0, 1, every2, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N / 2; i++) CHECK(got[i] == right * 1000 + 2 * i, "derived get got[%d]=%d", i, got[i]);
    /* accumulate through the vector type */
    MPI_Win_fence(0, win);
    int ones[N / 2];
    for (int i = 0; i < N / 2; i++) ones[i] = 1;
    MPI_Accumulate(ones, N / 2, MPI_INT, right, 1, 1, every2, MPI_SUM, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N; i++) {
        int want = rank * 1000 + i + (i % 2 == 1 ? 1 : 0);
        CHECK(buf[i] == want, "vector accumulate buf[%d]=%d want %d", i, buf[i], want);
    }

    /* Get_accumulate and the request-based calls (which need a
     * passive-target epoch) */
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    MPI_Barrier(MPI_COMM_WORLD);
    int old[2] = {-5, -5}, two[2] = {7, 8};
    MPI_Request reqs[4];
    MPI_Win_lock_all(0, win);
    MPI_Rget_accumulate(two, 2, MPI_INT, old, 2, MPI_INT, right, 0, 2, MPI_INT, MPI_SUM, win, &reqs[0]);
    MPI_Waitall(1, reqs, MPI_STATUSES_IGNORE);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_fence(0, win);
    CHECK(old[0] == right * 1000 && old[1] == right * 1000 + 1 + 1, "get_accumulate old %d %d", old[0], old[1]);
    CHECK(buf[0] == rank * 1000 + 7 && buf[1] == rank * 1000 + 2 + 8, "get_accumulate new %d %d", buf[0], buf[1]);
    int fetched = -1, nothing = 0;
    MPI_Get_accumulate(&nothing, 0, MPI_INT, &fetched, 1, MPI_INT, right, 0, 1, MPI_INT, MPI_NO_OP, win);
    MPI_Win_fence(0, win);
    CHECK(fetched == right * 1000 + 7, "no_op fetched %d", fetched);
    int v9 = 9, r1 = -1, ten = 10;
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, right, 0, win);
    MPI_Rput(&v9, 1, MPI_INT, right, 5, 1, MPI_INT, win, &reqs[0]);
    MPI_Raccumulate(&ten, 1, MPI_INT, right, 6, 1, MPI_INT, MPI_REPLACE, win, &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    MPI_Win_unlock(right, win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock(MPI_LOCK_SHARED, left, 0, win);
    MPI_Rget(&r1, 1, MPI_INT, left, 6, 1, MPI_INT, win, &reqs[0]);
    MPI_Wait(&reqs[0], MPI_STATUS_IGNORE);
    MPI_Win_unlock(left, win);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(buf[5] == 9 && buf[6] == 10 && r1 == 10, "rput %d raccumulate %d rget %d", buf[5], buf[6], r1);
    MPI_Type_free(&every2);
    MPI_Type_free(&pair);
    MPI_Win_free(&win);
    CHECK(win == MPI_WIN_NULL, "MPI_Win_free left %#x", (unsigned)win);

    /* MPI_Win_allocate with a double window and a byte displacement unit */
    double *dbase = NULL;
    MPI_Win dwin;
    MPI_Win_allocate(4 * sizeof(double), 1, MPI_INFO_NULL, MPI_COMM_WORLD, &dbase, &dwin);
    CHECK(dbase != NULL, "allocate gave NULL");
    MPI_Win_get_attr(dwin, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    CHECK(flag && *flavor == MPI_WIN_FLAVOR_ALLOCATE, "flavor %d", *flavor);
    MPI_Win_get_attr(dwin, MPI_WIN_BASE, &base, &flag);
    CHECK(base == dbase, "allocate base %p vs %p", base, (void *)dbase);
    for (int i = 0; i < 4; i++) dbase[i] = 0.0;
    MPI_Win_fence(0, dwin);
    double half = 0.5 * (rank + 1);
    for (int t = 0; t < size; t++) MPI_Accumulate(&half, 1, MPI_DOUBLE, t, 3 * sizeof(double), 1, MPI_DOUBLE, MPI_SUM, dwin);
    MPI_Win_fence(0, dwin);
    CHECK(dbase[3] == 0.5 * tri, "double sum %g want %g", dbase[3], 0.5 * tri);
    MPI_Win_free(&dwin);

    /* MPI_MAXLOC on pair types (MPI_DOUBLE_INT has padding) */
    struct { double v; int i; } dloc[2], mydl[2];
    MPI_Win lwin;
    MPI_Win_create(dloc, sizeof dloc, sizeof dloc[0], MPI_INFO_NULL, MPI_COMM_WORLD, &lwin);
    dloc[0].v = dloc[1].v = -1.0;
    dloc[0].i = dloc[1].i = -1;
    MPI_Win_fence(0, lwin);
    mydl[0].v = (double)(rank % 3);
    mydl[0].i = rank;
    mydl[1].v = -(double)rank;
    mydl[1].i = rank;
    MPI_Accumulate(mydl, 2, MPI_DOUBLE_INT, 0, 0, 2, MPI_DOUBLE_INT, MPI_MAXLOC, lwin);
    MPI_Win_fence(0, lwin);
    if (rank == 0) {
        double best = size >= 3 ? 2.0 : (double)(size - 1);
        int at = size >= 3 ? 2 : size - 1;
        CHECK(dloc[0].v == best && dloc[0].i == at, "maxloc %g at %d, want %g at %d", dloc[0].v, dloc[0].i, best, at);
        CHECK(dloc[1].v == 0.0 && dloc[1].i == 0, "maxloc of -rank: %g at %d", dloc[1].v, dloc[1].i);
    }
    MPI_Win_free(&lwin);

    /* the large-count (_c) variants */
    int cbuf[4] = {0, 0, 0, 0};
    MPI_Win cwin;
    MPI_Win_create_c(cbuf, sizeof cbuf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &cwin);
    MPI_Win_fence(0, cwin);
    MPI_Count c1 = 1, c2 = 2;
    int pv[2] = {rank + 1, 2 * (rank + 1)};
    MPI_Put_c(pv, c2, MPI_INT, right, 0, c2, MPI_INT, cwin);
    MPI_Win_fence(0, cwin);
    CHECK(cbuf[0] == left + 1 && cbuf[1] == 2 * (left + 1), "put_c %d %d", cbuf[0], cbuf[1]);
    int addv = 1, gv = -1, oldv = -1;
    MPI_Accumulate_c(&addv, c1, MPI_INT, 0, 2, c1, MPI_INT, MPI_SUM, cwin);
    MPI_Get_c(&gv, c1, MPI_INT, right, 1, c1, MPI_INT, cwin);
    MPI_Win_fence(0, cwin);
    if (rank == 0) CHECK(cbuf[2] == size, "accumulate_c %d want %d", cbuf[2], size);
    CHECK(gv == 2 * (rank + 1), "get_c %d", gv);
    MPI_Win_fence(MPI_MODE_NOSUCCEED, cwin);
    MPI_Request creq;
    MPI_Win_lock_all(0, cwin);
    MPI_Rget_accumulate_c(&addv, c1, MPI_INT, &oldv, c1, MPI_INT, rank, 3, c1, MPI_INT, MPI_SUM, cwin, &creq);
    MPI_Wait(&creq, MPI_STATUS_IGNORE);
    MPI_Win_unlock_all(cwin);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(oldv == 0 && cbuf[3] == 1, "rget_accumulate_c old %d new %d", oldv, cbuf[3]);
    MPI_Request creqs[3];
    int rv = 50 + rank, rg = -1, rmax = 70 + rank, ga = -1;
    MPI_Win_lock_all(0, cwin);
    MPI_Rput_c(&rv, c1, MPI_INT, right, 0, c1, MPI_INT, cwin, &creqs[0]);
    MPI_Raccumulate_c(&rmax, c1, MPI_INT, right, 1, c1, MPI_INT, MPI_MAX, cwin, &creqs[1]);
    MPI_Waitall(2, creqs, MPI_STATUSES_IGNORE);
    MPI_Win_unlock_all(cwin);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, cwin);
    MPI_Rget_c(&rg, c1, MPI_INT, right, 0, c1, MPI_INT, cwin, &creqs[2]);
    MPI_Get_accumulate_c(&addv, c1, MPI_INT, &ga, c1, MPI_INT, right, 1, c1, MPI_INT, MPI_SUM, cwin);
    MPI_Wait(&creqs[2], MPI_STATUS_IGNORE);
    MPI_Win_unlock_all(cwin);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(cbuf[0] == 50 + left, "rput_c %d", cbuf[0]);
    CHECK(rg == 50 + rank, "rget_c %d", rg);
    CHECK(ga == 70 + rank && cbuf[1] == 70 + left + 1, "get_accumulate_c got %d, raccumulate_c max then +1: %d", ga, cbuf[1]);
    MPI_Win_free(&cwin);

    return mtest_finish();
}
