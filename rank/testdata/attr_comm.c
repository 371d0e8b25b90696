/* attr_comm.c: attribute caching.
 *
 * Communicator keyvals with copy/delete callbacks (called on Comm_dup,
 * Comm_idup, Comm_dup_with_info, Comm_free, Comm_delete_attr and on
 * replacing a value), MPI_COMM_NULL_COPY_FN / MPI_COMM_DUP_FN /
 * MPI_COMM_NULL_DELETE_FN, a failing copy callback, freed keyvals that
 * live on in attributes, the predefined attributes of MPI_COMM_WORLD, the
 * MPI-1 names (Keyval_create, Attr_put/get/delete, Keyval_free) and
 * datatype keyvals copied by Type_dup and deleted by Type_free. */
#include "mtest.h"

static int rank, size;
static int copies, deletes, extra_bad;
static int extra_token = 42;
static int last_deleted = -1;

static int copy_plus1(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag) {
    (void)old;
    (void)keyval;
    if (extra != &extra_token) extra_bad++;
    copies++;
    *(void **)out = (void *)((char *)in + 1);
    *flag = 1;
    return MPI_SUCCESS;
}

static int copy_refuse(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag) {
    (void)old; (void)keyval; (void)extra; (void)in; (void)out;
    *flag = 0;
    return MPI_ERR_OTHER;
}

static int copy_skip(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag) {
    (void)old; (void)keyval; (void)extra; (void)in; (void)out;
    copies++;
    *flag = 0;
    return MPI_SUCCESS;
}

static int del_count(MPI_Comm comm, int keyval, void *val, void *extra) {
    (void)comm;
    (void)keyval;
    if (extra != &extra_token) extra_bad++;
    deletes++;
    last_deleted = (int)(long)val;
    return MPI_SUCCESS;
}

static int type_copies, type_deletes;
static int tcopy(MPI_Datatype old, int keyval, void *extra, void *in, void *out, int *flag) {
    (void)old; (void)keyval; (void)extra;
    type_copies++;
    *(void **)out = (void *)((char *)in + 10);
    *flag = 1;
    return MPI_SUCCESS;
}
static int tdel(MPI_Datatype t, int keyval, void *val, void *extra) {
    (void)t; (void)keyval; (void)val; (void)extra;
    type_deletes++;
    return MPI_SUCCESS;
}

static void test_callbacks(void) {
    int kv = MPI_KEYVAL_INVALID, flag = -1;
    void *val = NULL;
    MPI_Comm a, b, c, d;
    CHECK(MPI_Comm_create_keyval(copy_plus1, del_count, &kv, &extra_token) == MPI_SUCCESS, "create_keyval");
    CHECK(kv != MPI_KEYVAL_INVALID, "keyval");
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_get_attr(a, kv, &val, &flag);
    CHECK(flag == 0, "unset attribute found");
    MPI_Comm_set_attr(a, kv, (void *)100);
    MPI_Comm_get_attr(a, kv, &val, &flag);
    CHECK(flag == 1 && val == (void *)100, "get %p flag %d", val, flag);
    /* replacing calls delete on the old value */
    MPI_Comm_set_attr(a, kv, (void *)200);
    CHECK(deletes == 1 && last_deleted == 100, "replace: deletes %d last %d", deletes, last_deleted);
    MPI_Comm_dup(a, &b);
    CHECK(copies == 1, "copies %d", copies);
    MPI_Comm_get_attr(b, kv, &val, &flag);
    CHECK(flag == 1 && val == (void *)201, "copied value %p", val);
    MPI_Request req;
    MPI_Comm_idup(b, &c, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Comm_get_attr(c, kv, &val, &flag);
    CHECK(flag == 1 && val == (void *)202, "idup value %p", val);
    MPI_Comm_dup_with_info(c, MPI_INFO_NULL, &d);
    MPI_Comm_get_attr(d, kv, &val, &flag);
    CHECK(flag == 1 && val == (void *)203, "dup_with_info value %p", val);
    CHECK(copies == 3, "copies %d", copies);
    /* delete_attr */
    MPI_Comm_delete_attr(d, kv);
    CHECK(deletes == 2 && last_deleted == 203, "delete_attr: deletes %d last %d", deletes, last_deleted);
    MPI_Comm_get_attr(d, kv, &val, &flag);
    CHECK(flag == 0, "deleted attribute still there");
    /* freeing the keyval: attributes still work, then freeing comms deletes */
    MPI_Comm_free_keyval(&kv);
    CHECK(kv == MPI_KEYVAL_INVALID, "free_keyval did not reset");
    MPI_Comm_free(&d);
    CHECK(deletes == 2, "free of a comm without the attribute called delete");
    MPI_Comm_free(&c);
    CHECK(deletes == 3 && last_deleted == 202, "free: deletes %d last %d", deletes, last_deleted);
    MPI_Comm_free(&b);
    MPI_Comm_free(&a);
    CHECK(deletes == 5, "deletes %d", deletes);
    CHECK(extra_bad == 0, "extra_state wrong %d times", extra_bad);

    /* predefined callbacks */
    int knull, kdup, kskip;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &knull, NULL);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &kdup, NULL);
    MPI_Comm_create_keyval(copy_skip, MPI_COMM_NULL_DELETE_FN, &kskip, NULL);
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_set_attr(a, knull, (void *)7);
    MPI_Comm_set_attr(a, kdup, (void *)8);
    MPI_Comm_set_attr(a, kskip, (void *)9);
    copies = 0;
    MPI_Comm_dup(a, &b);
    CHECK(copies == 1, "skip copy called %d times", copies);
    MPI_Comm_get_attr(b, knull, &val, &flag);
    CHECK(flag == 0, "NULL_COPY_FN copied");
    MPI_Comm_get_attr(b, kskip, &val, &flag);
    CHECK(flag == 0, "flag=0 copy copied");
    MPI_Comm_get_attr(b, kdup, &val, &flag);
    CHECK(flag == 1 && val == (void *)8, "DUP_FN %p", val);
    MPI_Comm_free(&b);

    /* a failing copy callback fails the dup */
    int kref;
    MPI_Comm_create_keyval(copy_refuse, MPI_COMM_NULL_DELETE_FN, &kref, NULL);
    MPI_Comm_set_attr(a, kref, (void *)1);
    MPI_Comm_set_errhandler(a, MPI_ERRORS_RETURN);
    b = MPI_COMM_WORLD;
    int rc = MPI_Comm_dup(a, &b);
    CHECK(rc == MPI_ERR_OTHER, "dup with failing copy: rc %d", rc);
    CHECK(b == MPI_COMM_NULL, "dup with failing copy returned a communicator");
    MPI_Comm_free(&a);

    /* wrong keyvals */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int tkv;
    MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &tkv, NULL);
    CHECK_CLASS(MPI_Comm_set_attr(MPI_COMM_WORLD, tkv, NULL), MPI_ERR_KEYVAL);
    CHECK_CLASS(MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, NULL), MPI_ERR_KEYVAL);
    int gone = knull;
    MPI_Comm_free_keyval(&knull);
    CHECK_CLASS(MPI_Comm_set_attr(MPI_COMM_WORLD, gone, NULL), MPI_ERR_KEYVAL);
    CHECK_CLASS(MPI_Comm_free_keyval(&gone), MPI_ERR_KEYVAL);
    MPI_Type_free_keyval(&tkv);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_free_keyval(&kdup);
    MPI_Comm_free_keyval(&kskip);
    MPI_Comm_free_keyval(&kref);
}

static void test_predefined(void) {
    int *v = NULL, flag = 0;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
    CHECK(flag && v && *v >= 32767, "TAG_UB");
    /* the largest tag works */
    if (flag && v) {
        int x = rank, y = -1;
        MPI_Sendrecv(&x, 1, MPI_INT, rank, *v, &y, 1, MPI_INT, rank, *v, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(y == rank, "send with tag TAG_UB");
    }
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &v, &flag);
    CHECK(flag && *v == MPI_PROC_NULL, "HOST");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &v, &flag);
    CHECK(flag && (*v == MPI_ANY_SOURCE || *v == rank), "IO");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &v, &flag);
    CHECK(flag && *v == 1, "WTIME_IS_GLOBAL");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &v, &flag);
    CHECK(flag && *v == size, "UNIVERSE_SIZE");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &v, &flag);
    CHECK(flag && *v == 0, "APPNUM");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &v, &flag);
    CHECK(flag && *v >= MPI_ERR_LASTCODE, "LASTUSEDCODE");
    /* MPI-1 name */
    v = NULL;
    MPI_Attr_get(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
    CHECK(flag && v && *v >= 32767, "Attr_get TAG_UB");
    /* also on other communicators (as MPICH does; PETSc relies on it) */
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_get_attr(dup, MPI_TAG_UB, &v, &flag);
    CHECK(flag && *v >= 32767, "TAG_UB on a duplicate");
    MPI_Comm_free(&dup);
}

static void test_mpi1(void) {
    int kv, flag;
    void *val;
    deletes = 0;
    MPI_Keyval_create(MPI_DUP_FN, del_count, &kv, &extra_token);
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Attr_put(dup, kv, (void *)55);
    MPI_Attr_get(dup, kv, &val, &flag);
    CHECK(flag && val == (void *)55, "Attr_get %p", val);
    MPI_Comm d2;
    MPI_Comm_dup(dup, &d2);
    MPI_Attr_get(d2, kv, &val, &flag);
    CHECK(flag && val == (void *)55, "MPI_DUP_FN %p", val);
    MPI_Attr_delete(dup, kv);
    CHECK(deletes == 1 && last_deleted == 55, "Attr_delete");
    MPI_Keyval_free(&kv);
    CHECK(kv == MPI_KEYVAL_INVALID, "Keyval_free");
    MPI_Comm_free(&d2);
    CHECK(deletes == 2, "delete on free after Keyval_free: %d", deletes);
    MPI_Comm_free(&dup);
    int k2;
    MPI_Keyval_create(MPI_NULL_COPY_FN, MPI_NULL_DELETE_FN, &k2, NULL);
    MPI_Keyval_free(&k2);
}

static void test_types(void) {
    int kv, flag;
    void *val;
    MPI_Datatype t, t2;
    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Type_create_keyval(tcopy, tdel, &kv, NULL);
    MPI_Type_set_attr(t, kv, (void *)5);
    MPI_Type_get_attr(t, kv, &val, &flag);
    CHECK(flag && val == (void *)5, "Type_get_attr %p", val);
    MPI_Type_dup(t, &t2);
    CHECK(type_copies == 1, "type copies %d", type_copies);
    MPI_Type_get_attr(t2, kv, &val, &flag);
    CHECK(flag && val == (void *)15, "Type_dup value %p", val);
    MPI_Type_delete_attr(t2, kv);
    CHECK(type_deletes == 1, "Type_delete_attr");
    MPI_Type_get_attr(t2, kv, &val, &flag);
    CHECK(flag == 0, "deleted type attribute");
    MPI_Type_free(&t);
    CHECK(type_deletes == 2, "Type_free deletes %d", type_deletes);
    MPI_Type_free(&t2);
    CHECK(type_deletes == 2, "Type_free without attribute");
    /* predefined types carry attributes too */
    MPI_Type_set_attr(MPI_INT, kv, (void *)3);
    MPI_Type_get_attr(MPI_INT, kv, &val, &flag);
    CHECK(flag && val == (void *)3, "attribute on MPI_INT");
    MPI_Type_delete_attr(MPI_INT, kv);
    MPI_Type_free_keyval(&kv);
    CHECK(kv == MPI_KEYVAL_INVALID, "Type_free_keyval");
}

static int self_del(MPI_Comm comm, int keyval, void *val, void *extra) {
    (void)keyval; (void)extra;
    /* runs inside MPI_Finalize: the Go test counts these lines */
    printf("self attribute %d deleted at finalize (rank %d, comm ok %d)\n", (int)(long)val, rank, comm == MPI_COMM_SELF);
    fflush(stdout);
    return MPI_SUCCESS;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_callbacks();
    test_predefined();
    test_mpi1();
    test_types();
    int skv;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_del, &skv, NULL);
    MPI_Comm_set_attr(MPI_COMM_SELF, skv, (void *)77);
    return mtest_finish();
}
