/* win_errors.c: the error classes of one-sided communication, returned
 * with MPI_ERRORS_RETURN on the window (and on MPI_COMM_WORLD and
 * MPI_COMM_SELF for creation errors and unknown windows), a user error
 * handler on a window, window attributes with a delete callback, and a
 * shared-memory window on MPI_COMM_SELF (refused over several ranks).
 *
 * With an argument "fatal" the program makes one out-of-range MPI_Put
 * under the default handler, which must end the job. With "stuck" (3
 * ranks), rank 0 waits in MPI_Win_start for a post that never comes and
 * rank 2 for a lock rank 1 holds, while rank 1 calls MPI_Abort: the job
 * must end. */
#include "mtest.h"

static int hcalls, hcode;
static MPI_Win hwin;
static void win_handler(MPI_Win *win, int *code, ...) {
    hcalls++;
    hwin = *win;
    hcode = *code;
}

static int deletes;
static int delete_fn(MPI_Win win, int keyval, void *val, void *extra) {
    (void)win;
    (void)keyval;
    (void)extra;
    deletes += *(int *)val;
    return MPI_SUCCESS;
}

static void my_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
    (void)in;
    (void)inout;
    (void)len;
    (void)dt;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size, rc;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int buf[4] = {0, 0, 0, 0};

    if (argc > 1 && strcmp(argv[1], "fatal") == 0) {
        MPI_Win w;
        MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &w);
        MPI_Win_fence(0, w);
        int v = 1;
        if (rank == size - 1) MPI_Put(&v, 1, MPI_INT, 0, 4, 1, MPI_INT, w);
        MPI_Win_fence(0, w);
        printf("FAIL rank %d: the out-of-range put returned\n", rank);
        MPI_Win_free(&w);
        return mtest_finish();
    }

    if (argc > 1 && strcmp(argv[1], "stuck") == 0) {
        MPI_Win w;
        MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &w);
        if (rank == 1) {
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, w);
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Abort(MPI_COMM_WORLD, 3);
        } else if (rank == 0) {
            MPI_Group world, g1;
            int one = 1;
            MPI_Comm_group(MPI_COMM_WORLD, &world);
            MPI_Group_incl(world, 1, &one, &g1);
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Win_start(g1, 0, w);
        } else {
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, w);
        }
        printf("FAIL rank %d: returned from a wait that cannot end\n", rank);
        return 1;
    }

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Win win;
    rc = MPI_Win_create(buf, -4, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    CHECK_CLASS(rc, MPI_ERR_SIZE);
    rc = MPI_Win_create(buf, sizeof buf, 0, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    CHECK_CLASS(rc, MPI_ERR_DISP);
    rc = MPI_Win_create(buf, sizeof buf, 4, MPI_INFO_NULL, MPI_COMM_NULL, &win);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    int *shared = NULL;
    if (size > 1) {
        rc = MPI_Win_allocate_shared(16, 4, MPI_INFO_NULL, MPI_COMM_WORLD, &shared, &win);
        CHECK_CLASS(rc, MPI_ERR_UNSUPPORTED_OPERATION);
    }

    /* a shared window of one rank: load/store and RMA agree */
    MPI_Win swin;
    rc = MPI_Win_allocate_shared(4 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_SELF, &shared, &swin);
    CHECK(rc == MPI_SUCCESS && shared != NULL, "allocate_shared on MPI_COMM_SELF: %d", rc);
    MPI_Aint qsize = -1;
    int qdu = -1;
    int *qbase = NULL;
    MPI_Win_shared_query(swin, MPI_PROC_NULL, &qsize, &qdu, &qbase);
    CHECK(qsize == 4 * sizeof(int) && qdu == sizeof(int) && qbase == shared, "shared_query %ld %d %p", (long)qsize, qdu, (void *)qbase);
    MPI_Win_shared_query(swin, 0, &qsize, &qdu, &qbase);
    CHECK(qbase == shared, "shared_query(0) %p", (void *)qbase);
    MPI_Win_fence(0, swin);
    shared[1] = 41;
    int fortytwo = 42, back = 0;
    MPI_Win_fence(0, swin);
    MPI_Get(&back, 1, MPI_INT, 0, 1, 1, MPI_INT, swin);
    MPI_Put(&fortytwo, 1, MPI_INT, 0, 2, 1, MPI_INT, swin);
    MPI_Win_fence(0, swin);
    CHECK(back == 41 && shared[2] == 42, "shared window: got %d, stored %d", back, shared[2]);
    MPI_Win_free(&swin);
    /* the _c twins of the allocation calls */
    double *dsh = NULL, *dq = NULL;
    MPI_Aint qdu_c = -1;
    rc = MPI_Win_allocate_shared_c(2 * sizeof(double), sizeof(double), MPI_INFO_NULL, MPI_COMM_SELF, &dsh, &swin);
    CHECK(rc == MPI_SUCCESS && dsh != NULL, "allocate_shared_c %d", rc);
    MPI_Win_shared_query_c(swin, 0, &qsize, &qdu_c, &dq);
    CHECK(dq == dsh && qsize == 2 * sizeof(double) && qdu_c == sizeof(double), "shared_query_c %p %ld %ld", (void *)dq, (long)qsize, (long)qdu_c);
    MPI_Win_free(&swin);
    int *ab = NULL;
    rc = MPI_Win_allocate_c(3 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &ab, &swin);
    CHECK(rc == MPI_SUCCESS && ab != NULL, "allocate_c %d", rc);
    MPI_Win_fence(0, swin);
    int seven = 7;
    MPI_Put(&seven, 1, MPI_INT, (rank + 1) % size, 2, 1, MPI_INT, swin);
    MPI_Win_fence(0, swin);
    CHECK(ab[2] == 7, "allocate_c window got %d", ab[2]);
    MPI_Win_free(&swin);

    MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Errhandler geh0;
    MPI_Win_get_errhandler(win, &geh0);
    CHECK(geh0 == MPI_ERRORS_ARE_FATAL, "default window errhandler %#x", (unsigned)geh0);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    MPI_Errhandler geh;
    MPI_Win_get_errhandler(win, &geh);
    CHECK(geh == MPI_ERRORS_RETURN, "get_errhandler %#x", (unsigned)geh);
    rc = MPI_Win_shared_query(win, 0, &qsize, &qdu, &qbase);
    CHECK_CLASS(rc, MPI_ERR_RMA_FLAVOR);

    /* unknown windows */
    int v = 1, r = 0;
    rc = MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, MPI_WIN_NULL);
    CHECK_CLASS(rc, MPI_ERR_WIN);
    rc = MPI_Win_fence(0, (MPI_Win)MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_WIN);

    /* synchronisation errors */
    rc = MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_unlock(0, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_unlock_all(win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_complete(win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_wait(win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    int flag = 0;
    rc = MPI_Win_test(win, &flag);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_flush(0, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_flush_local_all(win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_lock(12345, 0, 0, win);
    CHECK_CLASS(rc, MPI_ERR_ARG);
    rc = MPI_Win_lock(MPI_LOCK_SHARED, 0, MPI_MODE_NOPUT, win);
    CHECK_CLASS(rc, MPI_ERR_ASSERT);
    rc = MPI_Win_lock(MPI_LOCK_SHARED, size, 0, win);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    rc = MPI_Win_fence(MPI_MODE_NOCHECK, win);
    CHECK_CLASS(rc, MPI_ERR_ASSERT);

    /* a lock epoch: lock twice, free while locked */
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    rc = MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_lock_all(0, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    rc = MPI_Win_fence(0, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    MPI_Win wcopy = win;
    rc = MPI_Win_free(&wcopy);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    if (size > 1) {
        rc = MPI_Put(&v, 1, MPI_INT, 1, 0, 1, MPI_INT, win);
        CHECK_CLASS(rc, MPI_ERR_RMA_SYNC); /* rank 1 is not locked */
    }
    MPI_Win_unlock(0, win);

    /* argument errors inside a fence epoch */
    MPI_Win_fence(0, win);
    rc = MPI_Put(&v, 1, MPI_INT, size, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    rc = MPI_Put(&v, 1, MPI_INT, -5, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    rc = MPI_Put(&v, 1, MPI_INT, MPI_PROC_NULL, 0, 1, MPI_INT, win);
    CHECK(rc == MPI_SUCCESS, "put to MPI_PROC_NULL: %d", rc);
    rc = MPI_Put(&v, 1, MPI_INT, 0, 4, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    rc = MPI_Put(&v, 1, MPI_INT, 0, -1, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    int two[2] = {1, 2};
    rc = MPI_Get(two, 2, MPI_INT, 0, 3, 2, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    rc = MPI_Put(two, 2, MPI_INT, 0, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    rc = MPI_Put(&v, -1, MPI_INT, 0, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Put(&v, 1, MPI_DATATYPE_NULL, 0, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Put(NULL, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
    CHECK_CLASS(rc, MPI_ERR_BUFFER);
    MPI_Datatype uncommitted;
    MPI_Type_contiguous(1, MPI_INT, &uncommitted);
    rc = MPI_Put(&v, 1, MPI_INT, 0, 0, 1, uncommitted, win);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    MPI_Type_free(&uncommitted);
    rc = MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_FLOAT, win);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    double dv = 1.0, dres = 0.0, dcmp = 0.0;
    rc = MPI_Accumulate(&dv, 1, MPI_DOUBLE, 0, 0, 1, MPI_DOUBLE, MPI_BAND, win);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Accumulate(&v, 1, MPI_INT, 0, 0, 1, MPI_FLOAT, MPI_SUM, win);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Accumulate(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, MPI_OP_NULL, win);
    CHECK_CLASS(rc, MPI_ERR_OP);
    MPI_Op uop;
    MPI_Op_create(my_op, 1, &uop);
    rc = MPI_Accumulate(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, uop, win);
    CHECK_CLASS(rc, MPI_ERR_OP);
    MPI_Op_free(&uop);
    rc = MPI_Compare_and_swap(&dv, &dcmp, &dres, MPI_DOUBLE, 0, 0, win);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Fetch_and_op(&v, &r, MPI_INT, 0, 4, MPI_SUM, win);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    /* request-based calls need a passive-target epoch */
    MPI_Request req = MPI_REQUEST_NULL;
    rc = MPI_Rget(&r, 1, MPI_INT, 0, 0, 1, MPI_INT, win, &req);
    CHECK_CLASS(rc, MPI_ERR_RMA_SYNC);
    CHECK(req == MPI_REQUEST_NULL, "failed Rget gave a request");
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    MPI_Win_lock_all(0, win);
    rc = MPI_Rput(&v, 1, MPI_INT, 0, 9, 1, MPI_INT, win, &req);
    CHECK_CLASS(rc, MPI_ERR_RMA_RANGE);
    CHECK(req == MPI_REQUEST_NULL, "failed Rput gave a request");
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0, "failed calls wrote %d %d %d %d", buf[0], buf[1], buf[2], buf[3]);

    /* a user error handler on the window */
    MPI_Errhandler eh;
    MPI_Win_create_errhandler(win_handler, &eh);
    MPI_Win_set_errhandler(win, eh);
    rc = MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
    int cls = -1;
    MPI_Error_class(hcode, &cls);
    CHECK(hcalls == 1 && hwin == win && cls == MPI_ERR_RMA_SYNC && rc == hcode, "handler calls %d code %d rc %d", hcalls, hcode, rc);
    MPI_Win_call_errhandler(win, MPI_ERR_OTHER);
    CHECK(hcalls == 2 && hcode == MPI_ERR_OTHER, "call_errhandler: calls %d code %d", hcalls, hcode);
    MPI_Errhandler_free(&eh);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);

    /* attributes */
    int key = MPI_KEYVAL_INVALID, ckey;
    MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, delete_fn, &key, NULL);
    static int val1 = 1, val10 = 10;
    MPI_Win_set_attr(win, key, &val1);
    MPI_Win_set_attr(win, key, &val10); /* deletes val1 */
    int *got = NULL;
    MPI_Win_get_attr(win, key, &got, &flag);
    CHECK(flag && got == &val10 && deletes == 1, "attr flag %d deletes %d", flag, deletes);
    MPI_Win_delete_attr(win, key);
    MPI_Win_get_attr(win, key, &got, &flag);
    CHECK(!flag && deletes == 11, "after delete_attr: flag %d deletes %d", flag, deletes);
    static int val100 = 100;
    MPI_Win_set_attr(win, key, &val100);
    rc = MPI_Win_set_attr(win, MPI_WIN_SIZE, &val1);
    CHECK_CLASS(rc, MPI_ERR_KEYVAL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &ckey, NULL);
    rc = MPI_Win_get_attr(win, ckey, &got, &flag);
    CHECK_CLASS(rc, MPI_ERR_KEYVAL);
    MPI_Comm_free_keyval(&ckey);
    MPI_Win_free_keyval(&key);
    CHECK(key == MPI_KEYVAL_INVALID, "free_keyval left %d", key);

    /* a group with a process outside the window */
    MPI_Win selfwin;
    MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_SELF, &selfwin);
    MPI_Win_set_errhandler(selfwin, MPI_ERRORS_RETURN);
    if (size > 1) {
        MPI_Group world, other;
        MPI_Comm_group(MPI_COMM_WORLD, &world);
        int o = (rank + 1) % size;
        MPI_Group_incl(world, 1, &o, &other);
        rc = MPI_Win_post(other, 0, selfwin);
        CHECK_CLASS(rc, MPI_ERR_GROUP);
        MPI_Group_free(&other);
        MPI_Group_free(&world);
    }
    MPI_Win_free(&selfwin);

    MPI_Win_free(&win);
    CHECK(deletes == 111, "delete callback total %d, want 111", deletes);
    return mtest_finish();
}
