/* err_args.c: with MPI_ERRORS_RETURN every bad argument comes back as the
 * exact error class, the job keeps running, and communication still works
 * afterwards. Also MPI_Error_class / MPI_Error_string for every class and
 * MPI_ERR_TRUNCATE / MPI_ERR_IN_STATUS. Runs with any number of ranks. */
#include "mtest.h"

#include <stdint.h>

static int rank, size;

#define GARBAGE_COMM ((MPI_Comm)0x7777)
#define GARBAGE_TYPE ((MPI_Datatype)0x12345)
#define GARBAGE_REQ ((MPI_Request)0x4242)
#define WILD ((void *)0xFFFFFF00)

#define EXPECT(call, cls)                                                      \
    do {                                                                       \
        int rc_ = (call);                                                      \
        int c_ = -1;                                                           \
        MPI_Error_class(rc_, &c_);                                             \
        CHECK(c_ == (cls), "%s returned class %d, want %s (%d)", #call, c_, #cls, (cls)); \
    } while (0)

static void errhandlers(void) {
    MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
    int rc = MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
    CHECK(rc == MPI_SUCCESS && eh == MPI_ERRORS_ARE_FATAL, "default WORLD errhandler %p", (void *)eh);
    MPI_Comm_get_errhandler(MPI_COMM_SELF, &eh);
    CHECK(eh == MPI_ERRORS_ARE_FATAL, "default SELF errhandler %p", (void *)eh);

    /* Only SELF returns errors: an error on SELF comes back. */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_get_errhandler(MPI_COMM_SELF, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "SELF errhandler after set %p", (void *)eh);
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
    CHECK(eh == MPI_ERRORS_ARE_FATAL, "WORLD errhandler changed by setting SELF's: %p", (void *)eh);
    int x = 0;
    EXPECT(MPI_Send(&x, 1, MPI_INT, 1, 0, MPI_COMM_SELF), MPI_ERR_RANK);
    EXPECT(MPI_Recv(&x, 1, MPI_INT, 0, -5, MPI_COMM_SELF, MPI_STATUS_IGNORE), MPI_ERR_TAG);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ABORT);
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
    CHECK(eh == MPI_ERRORS_ABORT, "WORLD errhandler MPI_ERRORS_ABORT: %p", (void *)eh);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "WORLD errhandler after set %p", (void *)eh);
    /* Freeing a predefined handler handle sets it to MPI_ERRHANDLER_NULL. */
    rc = MPI_Errhandler_free(&eh);
    CHECK(rc == MPI_SUCCESS && eh == MPI_ERRHANDLER_NULL, "Errhandler_free rc %d", rc);
}

static void bad_ranks(void) {
    int x = 1;
    MPI_Request r = MPI_REQUEST_NULL;
    int flag;
    MPI_Status st;
    int bad[] = {size, size + 5, -5, MPI_ANY_SOURCE, MPI_ANY_TAG, 1 << 30};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int d = bad[i];
        EXPECT(MPI_Send(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
        EXPECT(MPI_Ssend(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
        EXPECT(MPI_Rsend(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
        EXPECT(MPI_Isend(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD, &r), MPI_ERR_RANK);
        EXPECT(MPI_Issend(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD, &r), MPI_ERR_RANK);
        EXPECT(MPI_Irsend(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD, &r), MPI_ERR_RANK);
        EXPECT(MPI_Sendrecv(&x, 1, MPI_INT, d, 0, &x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st),
               MPI_ERR_RANK);
        EXPECT(MPI_Sendrecv_replace(&x, 1, MPI_INT, d, 0, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st), MPI_ERR_RANK);
        if (d == MPI_ANY_SOURCE) continue; /* a valid source */
        EXPECT(MPI_Recv(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD, &st), MPI_ERR_RANK);
        EXPECT(MPI_Irecv(&x, 1, MPI_INT, d, 0, MPI_COMM_WORLD, &r), MPI_ERR_RANK);
        EXPECT(MPI_Probe(d, 0, MPI_COMM_WORLD, &st), MPI_ERR_RANK);
        EXPECT(MPI_Iprobe(d, 0, MPI_COMM_WORLD, &flag, &st), MPI_ERR_RANK);
        EXPECT(MPI_Sendrecv(&x, 1, MPI_INT, MPI_PROC_NULL, 0, &x, 1, MPI_INT, d, 0, MPI_COMM_WORLD, &st),
               MPI_ERR_RANK);
    }
    CHECK(r == MPI_REQUEST_NULL, "a failed call wrote a request handle");
    /* Rank 1 is out of range on SELF. */
    EXPECT(MPI_Send(&x, 1, MPI_INT, 1, 0, MPI_COMM_SELF), MPI_ERR_RANK);
    /* Bsend checks the rank before the buffer. */
    EXPECT(MPI_Bsend(&x, 1, MPI_INT, size, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
}

static void bad_tags(void) {
    int x = 1, flag;
    MPI_Request r = MPI_REQUEST_NULL;
    MPI_Status st;
    int tags[] = {-1, MPI_ANY_TAG, -100, INT32_MIN};
    for (unsigned i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        int t = tags[i];
        EXPECT(MPI_Send(&x, 1, MPI_INT, rank, t, MPI_COMM_WORLD), MPI_ERR_TAG);
        EXPECT(MPI_Ssend(&x, 1, MPI_INT, rank, t, MPI_COMM_WORLD), MPI_ERR_TAG);
        EXPECT(MPI_Isend(&x, 1, MPI_INT, rank, t, MPI_COMM_WORLD, &r), MPI_ERR_TAG);
        EXPECT(MPI_Sendrecv(&x, 1, MPI_INT, rank, t, &x, 1, MPI_INT, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_TAG);
        if (t == MPI_ANY_TAG) continue; /* valid for receives */
        EXPECT(MPI_Recv(&x, 1, MPI_INT, rank, t, MPI_COMM_WORLD, &st), MPI_ERR_TAG);
        EXPECT(MPI_Irecv(&x, 1, MPI_INT, rank, t, MPI_COMM_WORLD, &r), MPI_ERR_TAG);
        EXPECT(MPI_Probe(rank, t, MPI_COMM_WORLD, &st), MPI_ERR_TAG);
        EXPECT(MPI_Iprobe(MPI_ANY_SOURCE, t, MPI_COMM_WORLD, &flag, &st), MPI_ERR_TAG);
    }
    CHECK(r == MPI_REQUEST_NULL, "a failed call wrote a request handle");
    /* No message was sent by any failed call. */
    flag = 1;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    CHECK(flag == 0, "a failed send delivered a message from %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
}

static void bad_counts_types(void) {
    int x[4] = {0};
    MPI_Request r = MPI_REQUEST_NULL;
    MPI_Status st;
    int s = -1;
    EXPECT(MPI_Send(x, -1, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_COUNT);
    EXPECT(MPI_Recv(x, -1, MPI_INT, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_COUNT);
    EXPECT(MPI_Isend(x, -3, MPI_INT, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_COUNT);
    EXPECT(MPI_Irecv(x, -3, MPI_INT, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_COUNT);
    EXPECT(MPI_Sendrecv(x, 1, MPI_INT, rank, 0, x, -1, MPI_INT, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_COUNT);
    EXPECT(MPI_Bsend(x, -1, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_COUNT);

    MPI_Datatype types[] = {MPI_DATATYPE_NULL, GARBAGE_TYPE, (MPI_Datatype)0, (MPI_Datatype)MPI_COMM_WORLD};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        MPI_Datatype t = types[i];
        EXPECT(MPI_Send(x, 1, t, rank, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
        EXPECT(MPI_Ssend(x, 1, t, rank, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
        EXPECT(MPI_Recv(x, 1, t, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_TYPE);
        EXPECT(MPI_Isend(x, 1, t, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_TYPE);
        EXPECT(MPI_Irecv(x, 1, t, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_TYPE);
        EXPECT(MPI_Type_size(t, &s), MPI_ERR_TYPE);
        EXPECT(MPI_Get_count(&st, t, &s), MPI_ERR_TYPE);
    }
    CHECK(r == MPI_REQUEST_NULL, "a failed call wrote a request handle");
    /* A count too large for wasm32 memory. */
    int rc = MPI_Send(x, 0x7fffffff, MPI_DOUBLE, rank, 0, MPI_COMM_WORLD);
    int cls = -1;
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COUNT || cls == MPI_ERR_BUFFER, "huge count: class %d", cls);
    /* MPI_Get_count needs a real status. */
    EXPECT(MPI_Get_count(MPI_STATUS_IGNORE, MPI_INT, &s), MPI_ERR_ARG);
}

static void bad_comms(void) {
    int x = 0, flag;
    MPI_Request r = MPI_REQUEST_NULL;
    MPI_Status st;
    MPI_Comm comms[] = {GARBAGE_COMM, MPI_COMM_NULL, (MPI_Comm)0, (MPI_Comm)MPI_INT};
    for (unsigned i = 0; i < sizeof comms / sizeof comms[0]; i++) {
        MPI_Comm c = comms[i];
        EXPECT(MPI_Send(&x, 1, MPI_INT, 0, 0, c), MPI_ERR_COMM);
        EXPECT(MPI_Recv(&x, 1, MPI_INT, 0, 0, c, &st), MPI_ERR_COMM);
        EXPECT(MPI_Isend(&x, 1, MPI_INT, 0, 0, c, &r), MPI_ERR_COMM);
        EXPECT(MPI_Irecv(&x, 1, MPI_INT, 0, 0, c, &r), MPI_ERR_COMM);
        EXPECT(MPI_Sendrecv(&x, 1, MPI_INT, 0, 0, &x, 1, MPI_INT, 0, 0, c, &st), MPI_ERR_COMM);
        EXPECT(MPI_Probe(0, 0, c, &st), MPI_ERR_COMM);
        EXPECT(MPI_Iprobe(0, 0, c, &flag, &st), MPI_ERR_COMM);
        EXPECT(MPI_Comm_rank(c, &x), MPI_ERR_COMM);
        EXPECT(MPI_Comm_size(c, &x), MPI_ERR_COMM);
    }
    CHECK(r == MPI_REQUEST_NULL, "a failed call wrote a request handle");
}

static void bad_requests(void) {
    MPI_Request r = GARBAGE_REQ, rs[3];
    MPI_Status st, sts[3];
    int flag, idx, outc, indices[3];
    EXPECT(MPI_Wait(&r, &st), MPI_ERR_REQUEST);
    EXPECT(MPI_Test(&r, &flag, &st), MPI_ERR_REQUEST);
    EXPECT(MPI_Cancel(&r), MPI_ERR_REQUEST);
    EXPECT(MPI_Request_free(&r), MPI_ERR_REQUEST);
    CHECK(r == GARBAGE_REQ, "a failed call changed the request");
    r = MPI_REQUEST_NULL;
    EXPECT(MPI_Request_free(&r), MPI_ERR_REQUEST);
    rs[0] = MPI_REQUEST_NULL;
    rs[1] = GARBAGE_REQ;
    rs[2] = MPI_REQUEST_NULL;
    EXPECT(MPI_Waitall(3, rs, sts), MPI_ERR_REQUEST);
    EXPECT(MPI_Testall(3, rs, &flag, sts), MPI_ERR_REQUEST);
    EXPECT(MPI_Waitany(3, rs, &idx, &st), MPI_ERR_REQUEST);
    EXPECT(MPI_Testany(3, rs, &idx, &flag, &st), MPI_ERR_REQUEST);
    EXPECT(MPI_Waitsome(3, rs, &outc, indices, sts), MPI_ERR_REQUEST);
    EXPECT(MPI_Testsome(3, rs, &outc, indices, sts), MPI_ERR_REQUEST);
    /* A stale handle: completed and freed, then used again. */
    int x = 3, y = 0;
    MPI_Isend(&x, 1, MPI_INT, rank, 77, MPI_COMM_WORLD, &r);
    MPI_Request stale = r;
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Recv(&y, 1, MPI_INT, rank, 77, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    r = stale;
    EXPECT(MPI_Wait(&r, &st), MPI_ERR_REQUEST);
    /* Request handles are not other handles. */
    r = (MPI_Request)MPI_COMM_WORLD;
    EXPECT(MPI_Wait(&r, &st), MPI_ERR_REQUEST);
}

static void bad_buffers(void) {
    MPI_Request r = MPI_REQUEST_NULL;
    MPI_Status st;
    /* A page of our own at the end of memory (malloc never hands it out:
     * sbrk grows memory itself): its last 4 bytes are valid, 8 are not. */
    int old = __builtin_wasm_memory_grow(0, 1);
    CHECK(old > 0, "memory.grow failed");
    unsigned end = (unsigned)(old + 1) * 65536u;
    CHECK(end == (unsigned)__builtin_wasm_memory_size(0) * 65536u, "memory grew by more than one page");
    void *past = (void *)(uintptr_t)(end - 4);
    EXPECT(MPI_Send(WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Ssend(WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Recv(WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_BUFFER);
    EXPECT(MPI_Isend(WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_BUFFER);
    EXPECT(MPI_Irecv(WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_BUFFER);
    EXPECT(MPI_Sendrecv(WILD, 1000, MPI_INT, rank, 0, WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_BUFFER);
    EXPECT(MPI_Sendrecv_replace(WILD, 1000, MPI_INT, rank, 0, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_BUFFER);
    EXPECT(MPI_Send(past, 2, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Recv(past, 2, MPI_INT, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_BUFFER);
    EXPECT(MPI_Send(NULL, 4, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Recv(NULL, 4, MPI_INT, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_BUFFER);
    CHECK(r == MPI_REQUEST_NULL, "a failed call wrote a request handle");
    /* The last valid int is usable. */
    int *last = (int *)past;
    *last = 99;
    int got = 0;
    MPI_Sendrecv(last, 1, MPI_INT, rank, 1, &got, 1, MPI_INT, rank, 1, MPI_COMM_WORLD, &st);
    CHECK(got == 99, "send from the last word of memory: %d", got);

    /* Buffered sends without a buffer, and buffer misuse. */
    int x = 5;
    void *addr;
    int bsize;
    EXPECT(MPI_Bsend(&x, 1, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Ibsend(&x, 1, MPI_INT, rank, 0, MPI_COMM_WORLD, &r), MPI_ERR_BUFFER);
    EXPECT(MPI_Buffer_detach(&addr, &bsize), MPI_ERR_BUFFER);
    EXPECT(MPI_Buffer_attach(WILD, 1000), MPI_ERR_BUFFER);
    static char bb[1024];
    CHECK(MPI_Buffer_attach(bb, sizeof bb) == MPI_SUCCESS, "attach");
    EXPECT(MPI_Buffer_attach(bb, sizeof bb), MPI_ERR_BUFFER); /* already attached */
    EXPECT(MPI_Bsend(bb, 2000, MPI_BYTE, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER); /* does not fit */
    EXPECT(MPI_Bsend(WILD, 1000, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    CHECK(MPI_Buffer_detach(&addr, &bsize) == MPI_SUCCESS && addr == bb && bsize == 1024, "detach");
    /* Nothing was sent by any failed call. */
    int flag = 1;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 0, "a failed send delivered a message");
}

static const struct {
    int code;
    const char *name;
} classes[] = {
#define C(x) {x, #x}
    C(MPI_SUCCESS), C(MPI_ERR_BUFFER), C(MPI_ERR_COUNT), C(MPI_ERR_TYPE), C(MPI_ERR_TAG), C(MPI_ERR_COMM),
    C(MPI_ERR_RANK), C(MPI_ERR_REQUEST), C(MPI_ERR_ROOT), C(MPI_ERR_GROUP), C(MPI_ERR_OP), C(MPI_ERR_TOPOLOGY),
    C(MPI_ERR_DIMS), C(MPI_ERR_ARG), C(MPI_ERR_UNKNOWN), C(MPI_ERR_TRUNCATE), C(MPI_ERR_OTHER), C(MPI_ERR_INTERN),
    C(MPI_ERR_PENDING), C(MPI_ERR_IN_STATUS), C(MPI_ERR_ACCESS), C(MPI_ERR_AMODE), C(MPI_ERR_ASSERT),
    C(MPI_ERR_BAD_FILE), C(MPI_ERR_BASE), C(MPI_ERR_CONVERSION), C(MPI_ERR_DISP), C(MPI_ERR_DUP_DATAREP),
    C(MPI_ERR_FILE_EXISTS), C(MPI_ERR_FILE_IN_USE), C(MPI_ERR_FILE), C(MPI_ERR_INFO_KEY), C(MPI_ERR_INFO_NOKEY),
    C(MPI_ERR_INFO_VALUE), C(MPI_ERR_INFO), C(MPI_ERR_IO), C(MPI_ERR_KEYVAL), C(MPI_ERR_LOCKTYPE), C(MPI_ERR_NAME),
    C(MPI_ERR_NO_MEM), C(MPI_ERR_NOT_SAME), C(MPI_ERR_NO_SPACE), C(MPI_ERR_NO_SUCH_FILE), C(MPI_ERR_PORT),
    C(MPI_ERR_QUOTA), C(MPI_ERR_READ_ONLY), C(MPI_ERR_RMA_ATTACH), C(MPI_ERR_RMA_CONFLICT), C(MPI_ERR_RMA_RANGE),
    C(MPI_ERR_RMA_SHARED), C(MPI_ERR_RMA_SYNC), C(MPI_ERR_SERVICE), C(MPI_ERR_SIZE), C(MPI_ERR_SPAWN),
    C(MPI_ERR_UNSUPPORTED_DATAREP), C(MPI_ERR_UNSUPPORTED_OPERATION), C(MPI_ERR_WIN), C(MPI_ERR_RMA_FLAVOR),
    C(MPI_ERR_PROC_ABORTED), C(MPI_ERR_VALUE_TOO_LARGE), C(MPI_ERR_SESSION), C(MPI_ERR_ERRHANDLER),
    C(MPI_ERR_ABI),
#undef C
};

static void error_classes(void) {
    int n = sizeof classes / sizeof classes[0];
    int distinct = 1;
    for (int i = 0; i < n; i++) {
        int cls = -1;
        int rc = MPI_Error_class(classes[i].code, &cls);
        CHECK(rc == MPI_SUCCESS && cls == classes[i].code, "MPI_Error_class(%s=%d): rc %d class %d", classes[i].name,
              classes[i].code, rc, cls);
        static char s[MPI_MAX_ERROR_STRING];
        int len = -1;
        memset(s, 'x', sizeof s);
        rc = MPI_Error_string(classes[i].code, s, &len);
        CHECK(rc == MPI_SUCCESS, "MPI_Error_string(%s) rc %d", classes[i].name, rc);
        CHECK(len > 0 && len < MPI_MAX_ERROR_STRING && (int)strnlen(s, sizeof s) == len,
              "MPI_Error_string(%s): len %d strlen %d", classes[i].name, len, (int)strnlen(s, sizeof s));
        /* contains the class name as a whole word */
        const char *p = strstr(s, classes[i].name);
        size_t nl = strlen(classes[i].name);
        CHECK(p && (p[nl] == 0 || !(p[nl] == '_' || (p[nl] >= 'A' && p[nl] <= 'Z'))),
              "MPI_Error_string(%s) = \"%s\"", classes[i].name, s);
        for (int j = 0; j < i; j++)
            if (classes[j].code == classes[i].code) distinct = 0;
    }
    CHECK(distinct, "two error classes share a number");
    CHECK(MPI_SUCCESS == 0, "MPI_SUCCESS is %d", MPI_SUCCESS);
    for (int i = 1; i < n; i++)
        CHECK(classes[i].code > 0 && classes[i].code <= MPI_ERR_LASTCODE, "%s = %d", classes[i].name,
              classes[i].code);
    /* Not an error code. */
    int cls = 0, len = 0;
    static char s[MPI_MAX_ERROR_STRING];
    EXPECT(MPI_Error_class(-12345, &cls), MPI_ERR_ARG);
    EXPECT(MPI_Error_string(-12345, s, &len), MPI_ERR_ARG);
    EXPECT(MPI_Error_class(MPI_ERR_LASTCODE + 1, &cls), MPI_ERR_ARG);
}

/* MPI_ERR_TRUNCATE from every receive path, and MPI_ERR_IN_STATUS. */
static void truncation(void) {
    int big[8] = {1, 2, 3, 4, 5, 6, 7, 8}, small[4] = {0};
    MPI_Status st;
    MPI_Request r;
    int rc;
    int me = rank;

    MPI_Send(big, 8, MPI_INT, me, 90, MPI_COMM_WORLD);
    memset(&st, 0, sizeof st);
    rc = MPI_Recv(small, 4, MPI_INT, me, 90, MPI_COMM_WORLD, &st);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    CHECK(st.MPI_SOURCE == me && st.MPI_TAG == 90, "truncated Recv status %d/%d", st.MPI_SOURCE, st.MPI_TAG);
    CHECK(small[0] == 1 && small[3] == 4, "truncated receive holds the first 4 ints: %d %d", small[0], small[3]);

    /* Pre-posted too-small receive. */
    MPI_Irecv(small, 2, MPI_INT, me, 91, MPI_COMM_WORLD, &r);
    MPI_Send(big, 8, MPI_INT, me, 91, MPI_COMM_WORLD);
    rc = MPI_Wait(&r, &st);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    CHECK(r == MPI_REQUEST_NULL, "truncated Wait did not free the request");
    CHECK(st.MPI_SOURCE == me && st.MPI_TAG == 91, "truncated Wait status");

    /* Large (rendezvous) message into a small buffer. */
    static int huge[40000];
    MPI_Request sr;
    MPI_Isend(huge, 40000, MPI_INT, me, 92, MPI_COMM_WORLD, &sr);
    rc = MPI_Recv(small, 4, MPI_INT, me, 92, MPI_COMM_WORLD, &st);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    rc = MPI_Wait(&sr, MPI_STATUS_IGNORE);
    CHECK(rc == MPI_SUCCESS, "sender of a truncated message: rc %d", rc);

    /* Test on a truncated receive. */
    MPI_Send(big, 8, MPI_INT, me, 93, MPI_COMM_WORLD);
    MPI_Irecv(small, 1, MPI_INT, me, 93, MPI_COMM_WORLD, &r);
    int flag = 0;
    rc = MPI_Test(&r, &flag, &st);
    CHECK(flag == 1, "Test of a truncated receive: flag %d", flag);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);

    /* Sendrecv with a too-small receive part. */
    rc = MPI_Sendrecv(big, 8, MPI_INT, me, 94, small, 3, MPI_INT, me, 94, MPI_COMM_WORLD, &st);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);

    /* Waitall with one truncated receive: MPI_ERR_IN_STATUS; that status says
     * MPI_ERR_TRUNCATE, the others MPI_SUCCESS. */
    int a[8], b[2], c[8];
    MPI_Request rs[4];
    MPI_Status sts[4];
    MPI_Irecv(a, 8, MPI_INT, me, 95, MPI_COMM_WORLD, &rs[0]);
    MPI_Irecv(b, 2, MPI_INT, me, 96, MPI_COMM_WORLD, &rs[1]);
    MPI_Irecv(c, 8, MPI_INT, me, 97, MPI_COMM_WORLD, &rs[2]);
    MPI_Isend(big, 8, MPI_INT, me, 95, MPI_COMM_WORLD, &rs[3]);
    MPI_Send(big, 8, MPI_INT, me, 96, MPI_COMM_WORLD);
    MPI_Send(big, 5, MPI_INT, me, 97, MPI_COMM_WORLD);
    for (int i = 0; i < 4; i++) sts[i].MPI_ERROR = -1;
    rc = MPI_Waitall(4, rs, sts);
    CHECK_CLASS(rc, MPI_ERR_IN_STATUS);
    CHECK(sts[0].MPI_ERROR == MPI_SUCCESS, "Waitall status 0 error %d", sts[0].MPI_ERROR);
    CHECK(sts[1].MPI_ERROR == MPI_ERR_TRUNCATE, "Waitall status 1 error %d, want MPI_ERR_TRUNCATE", sts[1].MPI_ERROR);
    CHECK(sts[2].MPI_ERROR == MPI_SUCCESS, "Waitall status 2 error %d", sts[2].MPI_ERROR);
    CHECK(sts[3].MPI_ERROR == MPI_SUCCESS, "Waitall status 3 (send) error %d", sts[3].MPI_ERROR);
    CHECK(sts[1].MPI_SOURCE == me && sts[1].MPI_TAG == 96, "truncated status %d/%d", sts[1].MPI_SOURCE,
          sts[1].MPI_TAG);
    int n = -1;
    MPI_Get_count(&sts[2], MPI_INT, &n);
    CHECK(n == 5 && sts[2].MPI_TAG == 97 && c[4] == 5, "Waitall status 2 count %d", n);
    for (int i = 0; i < 4; i++) CHECK(rs[i] == MPI_REQUEST_NULL, "Waitall left request %d", i);

    /* Testall likewise. */
    MPI_Send(big, 8, MPI_INT, me, 98, MPI_COMM_WORLD);
    MPI_Send(big, 1, MPI_INT, me, 99, MPI_COMM_WORLD);
    MPI_Irecv(b, 1, MPI_INT, me, 98, MPI_COMM_WORLD, &rs[0]);
    MPI_Irecv(a, 8, MPI_INT, me, 99, MPI_COMM_WORLD, &rs[1]);
    flag = 0;
    rc = MPI_Testall(2, rs, &flag, sts);
    CHECK(flag == 1, "Testall flag %d", flag);
    CHECK_CLASS(rc, MPI_ERR_IN_STATUS);
    CHECK(sts[0].MPI_ERROR == MPI_ERR_TRUNCATE && sts[1].MPI_ERROR == MPI_SUCCESS, "Testall errors %d %d",
          sts[0].MPI_ERROR, sts[1].MPI_ERROR);

    /* Waitsome / Testsome: MPI_ERR_IN_STATUS too. */
    MPI_Send(big, 8, MPI_INT, me, 100, MPI_COMM_WORLD);
    MPI_Irecv(b, 1, MPI_INT, me, 100, MPI_COMM_WORLD, &rs[0]);
    int outc = 0, idx[2];
    rc = MPI_Waitsome(1, rs, &outc, idx, sts);
    CHECK_CLASS(rc, MPI_ERR_IN_STATUS);
    CHECK(outc == 1 && idx[0] == 0 && sts[0].MPI_ERROR == MPI_ERR_TRUNCATE, "Waitsome outcount %d error %d", outc,
          sts[0].MPI_ERROR);
    MPI_Send(big, 8, MPI_INT, me, 101, MPI_COMM_WORLD);
    MPI_Irecv(b, 1, MPI_INT, me, 101, MPI_COMM_WORLD, &rs[0]);
    outc = 0;
    rc = MPI_Testsome(1, rs, &outc, idx, sts);
    CHECK_CLASS(rc, MPI_ERR_IN_STATUS);
    CHECK(outc == 1 && sts[0].MPI_ERROR == MPI_ERR_TRUNCATE, "Testsome outcount %d error %d", outc,
          sts[0].MPI_ERROR);

    /* Waitany / Testany report the error itself. */
    MPI_Send(big, 8, MPI_INT, me, 102, MPI_COMM_WORLD);
    rs[0] = MPI_REQUEST_NULL;
    MPI_Irecv(b, 1, MPI_INT, me, 102, MPI_COMM_WORLD, &rs[1]);
    int ix = -1;
    rc = MPI_Waitany(2, rs, &ix, &st);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    CHECK(ix == 1, "Waitany index %d", ix);
    MPI_Send(big, 8, MPI_INT, me, 103, MPI_COMM_WORLD);
    MPI_Irecv(b, 1, MPI_INT, me, 103, MPI_COMM_WORLD, &rs[0]);
    flag = 0;
    rc = MPI_Testany(1, rs, &ix, &flag, &st);
    CHECK_CLASS(rc, MPI_ERR_TRUNCATE);
    CHECK(flag == 1 && ix == 0, "Testany flag %d index %d", flag, ix);

    /* Everything was consumed. */
    flag = 1;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 0, "messages left over after the truncation tests");
}

/* After all those errors, the ranks still talk to each other. */
static void still_works(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int v = rank * 11, got = -1;
    MPI_Status st;
    int rc = MPI_Sendrecv(&v, 1, MPI_INT, next, 5, &got, 1, MPI_INT, prev, 5, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS && got == prev * 11 && st.MPI_SOURCE == prev, "ring after errors: rc %d got %d", rc, got);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* Every section but the last talks only to itself; barriers keep the
     * last one's messages out of the earlier sections' leftover checks. */
    void (*sections[])(void) = {errhandlers, bad_ranks,     bad_tags,   bad_counts_types, bad_comms,
                                bad_requests, bad_buffers, error_classes, truncation, still_works};
    for (unsigned i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        sections[i]();
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return mtest_finish();
}
