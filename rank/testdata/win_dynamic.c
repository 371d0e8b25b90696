/* win_dynamic.c: a window made by MPI_Win_create_dynamic. Each rank
 * attaches two heap regions, publishes their addresses (MPI_Get_address,
 * MPI_Allgather), and its left neighbour puts into them with absolute
 * displacements, with the origin described from MPI_BOTTOM by a struct
 * datatype of absolute addresses. An access to a detached region is
 * MPI_ERR_RMA_RANGE. */
#include "mtest.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    MPI_Win win;
    MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    void *base = (void *)1;
    MPI_Aint *wsize = NULL;
    int *flavor = NULL, flag = 0;
    MPI_Win_get_attr(win, MPI_WIN_BASE, &base, &flag);
    CHECK(flag && base == MPI_BOTTOM, "dynamic base %p", base);
    MPI_Win_get_attr(win, MPI_WIN_SIZE, &wsize, &flag);
    CHECK(flag && *wsize == 0, "dynamic size %ld", (long)*wsize);
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    CHECK(flag && *flavor == MPI_WIN_FLAVOR_DYNAMIC, "flavor %d", *flavor);

    int *a = malloc(8 * sizeof(int));
    double *d = malloc(4 * sizeof(double));
    for (int i = 0; i < 8; i++) a[i] = -1;
    for (int i = 0; i < 4; i++) d[i] = -1.0;
    MPI_Win_attach(win, a, 8 * sizeof(int));
    MPI_Win_attach(win, d, 4 * sizeof(double));
    MPI_Aint mine[2], all[2 * 64];
    MPI_Get_address(a, &mine[0]);
    MPI_Get_address(d, &mine[1]);
    MPI_Allgather(mine, 2, MPI_AINT, all, 2, MPI_AINT, MPI_COMM_WORLD);
    MPI_Aint ra = all[2 * right], rd = all[2 * right + 1];

    /* origin from MPI_BOTTOM: an int and a double at absolute addresses */
    int ival = 10 + rank;
    double dval = 0.25 * rank;
    MPI_Aint disps[2];
    MPI_Get_address(&ival, &disps[0]);
    MPI_Get_address(&dval, &disps[1]);
    int lens[2] = {1, 1};
    MPI_Datatype types[2] = {MPI_INT, MPI_DOUBLE}, abs_t;
    MPI_Type_create_struct(2, lens, disps, types, &abs_t);
    MPI_Type_commit(&abs_t);
    /* the target side: the same int + double pair laid out at a[0] and
     * a[2..3] (relative to the displacement) */
    MPI_Aint rel[2] = {0, 2 * sizeof(int)};
    MPI_Datatype rel_t;
    MPI_Type_create_struct(2, lens, rel, types, &rel_t);
    MPI_Type_commit(&rel_t);
    MPI_Win_lock_all(0, win);
    MPI_Put(MPI_BOTTOM, 1, abs_t, right, ra, 1, rel_t, win);
    MPI_Put(&dval, 1, MPI_DOUBLE, right, MPI_Aint_add(rd, 3 * sizeof(double)), 1, MPI_DOUBLE, win);
    MPI_Win_flush_all(win);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    double got_d;
    memcpy(&got_d, &a[2], sizeof got_d);
    CHECK(a[0] == 10 + left, "a[0]=%d want %d", a[0], 10 + left);
    CHECK(got_d == 0.25 * left, "double in a: %g want %g", got_d, 0.25 * left);
    CHECK(a[1] == -1 && a[4] == -1, "a[1]=%d a[4]=%d touched", a[1], a[4]);
    CHECK(d[3] == 0.25 * left && d[2] == -1.0, "d[3]=%g d[2]=%g", d[3], d[2]);

    /* Get back into MPI_BOTTOM-described variables */
    ival = -7;
    dval = -7.0;
    MPI_Win_lock(MPI_LOCK_SHARED, right, 0, win);
    MPI_Get(MPI_BOTTOM, 1, abs_t, right, ra, 1, rel_t, win);
    MPI_Win_unlock(right, win);
    CHECK(ival == 10 + rank && dval == 0.25 * rank, "got back %d %g", ival, dval);
    MPI_Barrier(MPI_COMM_WORLD);

    /* errors, returned */
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    int rc = MPI_Win_attach(win, &a[2], sizeof(int));
    CHECK_CLASS(rc, MPI_ERR_RMA_ATTACH);
    rc = MPI_Win_detach(win, &a[1]);
    CHECK_CLASS(rc, MPI_ERR_RMA_ATTACH);
    MPI_Win_detach(win, d);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    rc = MPI_Put(&dval, 1, MPI_DOUBLE, right, rd, 1, MPI_DOUBLE, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    rc = MPI_Put(&ival, 1, MPI_INT, right, MPI_Aint_add(ra, 8 * sizeof(int)), 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    rc = MPI_Put(&ival, 2, MPI_INT, right, MPI_Aint_add(ra, 7 * sizeof(int)), 2, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    rc = MPI_Put(&ival, 1, MPI_INT, right, MPI_Aint_add(ra, 7 * sizeof(int)), 1, MPI_INT, win);
    CHECK(rc == MPI_SUCCESS, "put into the last int: %d", rc);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(a[7] == 10 + left, "a[7]=%d want %d", a[7], 10 + left);

    MPI_Type_free(&rel_t);
    MPI_Type_free(&abs_t);
    MPI_Win_detach(win, a);
    free(a);
    free(d);
    MPI_Win_free(&win);
    return mtest_finish();
}
