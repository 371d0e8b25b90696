/* persist_p2p.c: persistent point-to-point requests (MPI_Send_init,
 * MPI_Ssend_init, MPI_Bsend_init, MPI_Rsend_init, MPI_Recv_init, MPI_Start,
 * MPI_Startall) and their life cycle: a completed persistent request becomes
 * inactive (the handle stays valid), can be started again, completes at once
 * with an empty status while inactive, and goes away with MPI_Request_free.
 * Also MPI_Request_get_status(_all, _any, _some) on every kind of request, cancelling a
 * persistent receive, MPI_PROC_NULL, derived datatypes (packed anew at every
 * start), an intercommunicator (persistent requests and a matched probe
 * between the two group leaders) and the errors of MPI_Start. */
#include "mtest.h"

static int rank, size;

static int val(int src, int it, int i) { return src * 1000003 + it * 7919 + i; }

static void check_empty(const MPI_Status *st, const char *what) {
    int n = -1;
    MPI_Get_count(st, MPI_INT, &n);
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG && n == 0,
          "%s: empty status has source %d tag %d count %d", what, st->MPI_SOURCE, st->MPI_TAG, n);
}

/* A ring exchange restarted iters times with fresh data every time. */
static void ring_reuse(int n, int iters, int ssend) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int *sb = malloc(n * sizeof(int)), *rb = malloc(n * sizeof(int));
    MPI_Request reqs[2];
    MPI_Status sts[2];
    if (ssend)
        MPI_Ssend_init(sb, n, MPI_INT, next, 3, MPI_COMM_WORLD, &reqs[0]);
    else
        MPI_Send_init(sb, n, MPI_INT, next, 3, MPI_COMM_WORLD, &reqs[0]);
    MPI_Recv_init(rb, n, MPI_INT, prev, 3, MPI_COMM_WORLD, &reqs[1]);
    MPI_Request keep0 = reqs[0], keep1 = reqs[1];
    int bad = 0, badstat = 0, badhandle = 0;
    for (int it = 0; it < iters; it++) {
        for (int i = 0; i < n; i++) sb[i] = val(rank, it, i);
        memset(rb, 0xff, n * sizeof(int));
        /* Receive first on even iterations, send first on odd ones. */
        if (it % 2 == 0) {
            MPI_Start(&reqs[1]);
            MPI_Start(&reqs[0]);
        } else {
            MPI_Startall(2, reqs);
        }
        MPI_Waitall(2, reqs, sts);
        for (int i = 0; i < n; i++)
            if (rb[i] != val(prev, it, i)) bad++;
        int cnt = -1;
        MPI_Get_count(&sts[1], MPI_INT, &cnt);
        if (sts[1].MPI_SOURCE != prev || sts[1].MPI_TAG != 3 || cnt != n) badstat++;
        if (reqs[0] != keep0 || reqs[1] != keep1 || reqs[0] == MPI_REQUEST_NULL) badhandle++;
    }
    CHECK(bad == 0, "ring n=%d: %d wrong values over %d iterations", n, bad, iters);
    CHECK(badstat == 0, "ring n=%d: %d wrong statuses", n, badstat);
    CHECK(badhandle == 0, "ring n=%d: persistent handles changed %d times", n, badhandle);

    /* Inactive now: Wait and Test return at once with an empty status. */
    MPI_Status st;
    MPI_Wait(&reqs[1], &st);
    check_empty(&st, "Wait on an inactive request");
    CHECK(reqs[1] == keep1, "Wait on an inactive request changed the handle");
    int flag = 0;
    MPI_Test(&reqs[0], &flag, &st);
    CHECK(flag == 1, "Test on an inactive request: flag %d", flag);
    check_empty(&st, "Test on an inactive request");
    MPI_Waitall(2, reqs, sts);
    check_empty(&sts[0], "Waitall on inactive requests [0]");
    check_empty(&sts[1], "Waitall on inactive requests [1]");
    int idx = -7;
    MPI_Waitany(2, reqs, &idx, &st);
    CHECK(idx == MPI_UNDEFINED, "Waitany on inactive requests: index %d", idx);
    MPI_Request_free(&reqs[0]);
    MPI_Request_free(&reqs[1]);
    CHECK(reqs[0] == MPI_REQUEST_NULL && reqs[1] == MPI_REQUEST_NULL, "Request_free did not null the handles");
    free(sb);
    free(rb);
}

/* One Startall over receives from every rank and sends of every mode to
 * every rank (including itself), several rounds. */
static void mixed_startall(void) {
    const int n = 5, rounds = 10;
    int *sb = malloc(size * n * sizeof(int)), *rb = malloc(size * n * sizeof(int));
    MPI_Request *reqs = malloc(2 * size * sizeof(MPI_Request));
    int bsize = size * (n * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
    void *bbuf = malloc(bsize);
    MPI_Buffer_attach(bbuf, bsize);
    int k = 0;
    for (int p = 0; p < size; p++) {
        /* interleave: send to p, receive from p */
        int *s = sb + p * n;
        switch ((p + rank) % 3) {
        case 0: MPI_Send_init(s, n, MPI_INT, p, 8, MPI_COMM_WORLD, &reqs[k++]); break;
        case 1: MPI_Ssend_init(s, n, MPI_INT, p, 8, MPI_COMM_WORLD, &reqs[k++]); break;
        default: MPI_Bsend_init(s, n, MPI_INT, p, 8, MPI_COMM_WORLD, &reqs[k++]); break;
        }
        MPI_Recv_init(rb + p * n, n, MPI_INT, p, 8, MPI_COMM_WORLD, &reqs[k++]);
    }
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        for (int p = 0; p < size; p++)
            for (int i = 0; i < n; i++) sb[p * n + i] = val(rank, r, p * 10 + i);
        memset(rb, 0, size * n * sizeof(int));
        MPI_Startall(k, reqs);
        MPI_Waitall(k, reqs, MPI_STATUSES_IGNORE);
        for (int p = 0; p < size; p++)
            for (int i = 0; i < n; i++)
                if (rb[p * n + i] != val(p, r, rank * 10 + i)) bad++;
    }
    CHECK(bad == 0, "mixed Startall: %d wrong values", bad);
    for (int i = 0; i < k; i++) {
        CHECK(reqs[i] != MPI_REQUEST_NULL, "mixed Startall: request %d was nulled", i);
        MPI_Request_free(&reqs[i]);
    }
    int sz;
    void *addr;
    MPI_Buffer_detach(&addr, &sz);
    free(bbuf);
    free(reqs);
    free(sb);
    free(rb);
}

/* Ready sends: the receives are started (and a barrier says so) before the
 * sends. Completion with Testall in a loop and Waitsome. */
static void rsend_rounds(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int s = 0, r = -1;
    MPI_Request sreq, rreq;
    MPI_Rsend_init(&s, 1, MPI_INT, next, 4, MPI_COMM_WORLD, &sreq);
    MPI_Recv_init(&r, 1, MPI_INT, prev, 4, MPI_COMM_WORLD, &rreq);
    int bad = 0;
    for (int it = 0; it < 20; it++) {
        s = val(rank, it, 0);
        MPI_Start(&rreq);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Start(&sreq);
        MPI_Request both[2] = {sreq, rreq};
        if (it % 2) {
            int flag = 0;
            while (!flag) MPI_Testall(2, both, &flag, MPI_STATUSES_IGNORE);
        } else {
            int done = 0;
            while (done < 2) {
                int out, idx[2];
                MPI_Waitsome(2, both, &out, idx, MPI_STATUSES_IGNORE);
                if (out == MPI_UNDEFINED) break;
                done += out;
            }
            CHECK(done == 2, "Waitsome completed %d of 2", done);
        }
        CHECK(both[0] == sreq && both[1] == rreq, "completion nulled a persistent request");
        if (r != val(prev, it, 0)) bad++;
    }
    CHECK(bad == 0, "Rsend_init rounds: %d wrong values", bad);
    MPI_Request_free(&sreq);
    MPI_Request_free(&rreq);
}

/* MPI_Request_get_status: the flag stays 0 until the message has come,
 * then the status is there and the request is still to be completed. */
static void get_status(void) {
    int flag = -1;
    MPI_Status st;
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Request_get_status(req, &flag, &st);
    CHECK(flag == 1, "get_status(MPI_REQUEST_NULL): flag %d", flag);
    check_empty(&st, "get_status(MPI_REQUEST_NULL)");

    int buf[3] = {0, 0, 0};
    MPI_Recv_init(buf, 3, MPI_INT, MPI_ANY_SOURCE, 21, MPI_COMM_WORLD, &req);
    flag = -1;
    MPI_Request_get_status(req, &flag, &st);
    CHECK(flag == 1, "get_status(inactive): flag %d", flag);
    check_empty(&st, "get_status(inactive)");
    if (size >= 2) {
        if (rank == 0) {
            MPI_Start(&req);
            flag = -1;
            MPI_Request_get_status(req, &flag, &st);
            CHECK(flag == 0, "get_status before the message was sent: flag %d", flag);
            MPI_Send(NULL, 0, MPI_INT, 1, 20, MPI_COMM_WORLD); /* go */
            flag = 0;
            while (!flag) MPI_Request_get_status(req, &flag, &st);
            int n = -1;
            MPI_Get_count(&st, MPI_INT, &n);
            CHECK(st.MPI_SOURCE == 1 && st.MPI_TAG == 21 && n == 3, "get_status: source %d tag %d count %d",
                  st.MPI_SOURCE, st.MPI_TAG, n);
            CHECK(buf[0] == 7 && buf[1] == 8 && buf[2] == 9, "get_status: data %d %d %d", buf[0], buf[1], buf[2]);
            /* Again: the request has not been completed by get_status. */
            flag = 0;
            MPI_Request_get_status(req, &flag, &st);
            CHECK(flag == 1 && st.MPI_SOURCE == 1, "second get_status: flag %d source %d", flag, st.MPI_SOURCE);
            MPI_Status st2;
            MPI_Wait(&req, &st2);
            CHECK(st2.MPI_SOURCE == 1 && st2.MPI_TAG == 21, "Wait after get_status: source %d tag %d", st2.MPI_SOURCE, st2.MPI_TAG);
            CHECK(req != MPI_REQUEST_NULL, "Wait nulled a persistent request");
        } else if (rank == 1) {
            int data[3] = {7, 8, 9};
            MPI_Request sreq;
            MPI_Recv(NULL, 0, MPI_INT, 0, 20, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Isend(data, 3, MPI_INT, 0, 21, MPI_COMM_WORLD, &sreq);
            flag = 0;
            while (!flag) MPI_Request_get_status(sreq, &flag, MPI_STATUS_IGNORE);
            CHECK(sreq != MPI_REQUEST_NULL, "get_status freed a nonpersistent request");
            MPI_Wait(&sreq, MPI_STATUS_IGNORE);
            CHECK(sreq == MPI_REQUEST_NULL, "Wait did not free a nonpersistent request");
        }
    }
    MPI_Request_free(&req);
}

/* MPI_Request_get_status_all/_any/_some over a null, an inactive and an
 * active request; nothing is freed or deactivated. */
static void get_status_multi(void) {
    int v = -1, one = 42, dummy;
    MPI_Request reqs[3];
    MPI_Status sts[3];
    reqs[0] = MPI_REQUEST_NULL;
    MPI_Recv_init(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, 30, MPI_COMM_WORLD, &reqs[1]);
    MPI_Irecv(&v, 1, MPI_INT, rank, 31, MPI_COMM_WORLD, &reqs[2]);
    MPI_Request keep2 = reqs[2];
    int flag = -1, idx = -1, outc = -1, ids[3];
    MPI_Request_get_status_all(3, reqs, &flag, sts);
    CHECK(flag == 0, "get_status_all before the message: flag %d", flag);
    MPI_Request_get_status_any(3, reqs, &idx, &flag, &sts[0]);
    CHECK(flag == 0 && idx == MPI_UNDEFINED, "get_status_any before the message: flag %d index %d", flag, idx);
    MPI_Request_get_status_some(3, reqs, &outc, ids, sts);
    CHECK(outc == 0, "get_status_some before the message: outcount %d", outc);
    MPI_Send(&one, 1, MPI_INT, rank, 31, MPI_COMM_WORLD);
    flag = 0;
    while (!flag) MPI_Request_get_status_all(3, reqs, &flag, sts);
    CHECK(sts[2].MPI_SOURCE == rank && sts[2].MPI_TAG == 31 && v == 42, "get_status_all: source %d tag %d v %d",
          sts[2].MPI_SOURCE, sts[2].MPI_TAG, v);
    CHECK(sts[0].MPI_SOURCE == MPI_ANY_SOURCE && sts[1].MPI_TAG == MPI_ANY_TAG, "get_status_all: null/inactive not empty");
    MPI_Request_get_status_any(3, reqs, &idx, &flag, &sts[0]);
    CHECK(flag == 1 && idx == 2 && sts[0].MPI_TAG == 31, "get_status_any: flag %d index %d tag %d", flag, idx, sts[0].MPI_TAG);
    MPI_Request_get_status_some(3, reqs, &outc, ids, sts);
    CHECK(outc == 1 && ids[0] == 2 && sts[0].MPI_TAG == 31, "get_status_some: outcount %d index %d tag %d", outc, ids[0], sts[0].MPI_TAG);
    CHECK(reqs[2] == keep2, "get_status_* freed the request");
    MPI_Waitall(3, reqs, MPI_STATUSES_IGNORE);
    CHECK(reqs[2] == MPI_REQUEST_NULL && reqs[1] != MPI_REQUEST_NULL, "Waitall after get_status_*");
    MPI_Request_get_status_any(3, reqs, &idx, &flag, &sts[0]);
    CHECK(flag == 1 && idx == MPI_UNDEFINED, "get_status_any with no active request: flag %d index %d", flag, idx);
    MPI_Request_get_status_some(3, reqs, &outc, ids, sts);
    CHECK(outc == MPI_UNDEFINED, "get_status_some with no active request: outcount %d", outc);
    MPI_Request_free(&reqs[1]);
}

/* Cancelling a started persistent receive, twice, then freeing it. */
static void cancel_persistent(void) {
    int buf;
    MPI_Request req;
    MPI_Status st;
    MPI_Recv_init(&buf, 1, MPI_INT, MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &req);
    for (int k = 0; k < 2; k++) {
        MPI_Start(&req);
        MPI_Cancel(&req);
        MPI_Wait(&req, &st);
        int c = 0;
        MPI_Test_cancelled(&st, &c);
        CHECK(c == 1, "cancelled persistent receive, round %d: Test_cancelled %d", k, c);
        CHECK(req != MPI_REQUEST_NULL, "Wait nulled a cancelled persistent request");
    }
    MPI_Cancel(&req); /* inactive: nothing to do */
    MPI_Request_free(&req);
    CHECK(req == MPI_REQUEST_NULL, "Request_free left the handle");
}

static void proc_null(void) {
    int s = 5, r = 6;
    MPI_Request reqs[2];
    MPI_Status sts[2];
    MPI_Send_init(&s, 1, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &reqs[0]);
    MPI_Recv_init(&r, 1, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &reqs[1]);
    for (int k = 0; k < 3; k++) {
        MPI_Startall(2, reqs);
        MPI_Waitall(2, reqs, sts);
        int n = -1;
        MPI_Get_count(&sts[1], MPI_INT, &n);
        CHECK(sts[1].MPI_SOURCE == MPI_PROC_NULL && sts[1].MPI_TAG == MPI_ANY_TAG && n == 0,
              "PROC_NULL receive: source %d tag %d count %d", sts[1].MPI_SOURCE, sts[1].MPI_TAG, n);
        CHECK(r == 6, "PROC_NULL receive wrote %d", r);
    }
    MPI_Request_free(&reqs[0]);
    MPI_Request_free(&reqs[1]);
}

/* A strided datatype, freed right after the init calls: the send buffer is
 * packed at every start and the receive unpacked at every completion. */
static void derived(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    MPI_Datatype vec;
    MPI_Type_vector(4, 1, 3, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    int sb[12], rb[12];
    MPI_Request reqs[2];
    MPI_Send_init(sb, 1, vec, next, 9, MPI_COMM_WORLD, &reqs[0]);
    MPI_Recv_init(rb, 1, vec, prev, 9, MPI_COMM_WORLD, &reqs[1]);
    /* The requests keep the datatype: freeing the handle is allowed. */
    MPI_Type_free(&vec);
    int bad = 0;
    for (int it = 0; it < 30; it++) {
        for (int i = 0; i < 12; i++) sb[i] = val(rank, it, i);
        for (int i = 0; i < 12; i++) rb[i] = -1;
        MPI_Startall(2, reqs);
        if (it % 2) {
            MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
        } else {
            int flag = 0;
            MPI_Wait(&reqs[0], MPI_STATUS_IGNORE);
            while (!flag) MPI_Test(&reqs[1], &flag, MPI_STATUS_IGNORE);
        }
        for (int i = 0; i < 12; i++) {
            int want = (i % 3 == 0) ? val(prev, it, i) : -1;
            if (rb[i] != want) bad++;
        }
    }
    CHECK(bad == 0, "derived persistent ring: %d wrong values", bad);
    MPI_Request_free(&reqs[0]);
    MPI_Request_free(&reqs[1]);
}

/* Between the leaders (local rank 0) of the even and odd groups of an
 * intercommunicator: ranks are remote ranks. */
static void intercomm(void) {
    if (size < 2) return;
    int color = rank % 2, lr;
    MPI_Comm local, inter;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank, &local);
    MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - color, 98, &inter);
    MPI_Comm_rank(local, &lr);
    if (lr == 0) {
        int s = 0, r = -1, bad = 0;
        MPI_Request reqs[2];
        MPI_Send_init(&s, 1, MPI_INT, 0, 5, inter, &reqs[0]);
        MPI_Recv_init(&r, 1, MPI_INT, 0, 5, inter, &reqs[1]);
        for (int it = 0; it < 10; it++) {
            s = color * 100 + it;
            MPI_Startall(2, reqs);
            MPI_Status sts[2];
            MPI_Waitall(2, reqs, sts);
            if (r != (1 - color) * 100 + it || sts[1].MPI_SOURCE != 0) bad++;
        }
        CHECK(bad == 0, "persistent requests on an intercommunicator: %d wrong", bad);
        MPI_Request_free(&reqs[0]);
        MPI_Request_free(&reqs[1]);
        int v = 700 + color, w = -1;
        MPI_Send(&v, 1, MPI_INT, 0, 6, inter);
        MPI_Message msg;
        MPI_Status st;
        MPI_Mprobe(MPI_ANY_SOURCE, 6, inter, &msg, &st);
        CHECK(st.MPI_SOURCE == 0, "Mprobe on an intercommunicator: source %d", st.MPI_SOURCE);
        MPI_Mrecv(&w, 1, MPI_INT, &msg, MPI_STATUS_IGNORE);
        CHECK(w == 701 - color, "Mrecv on an intercommunicator: %d", w);
    }
    MPI_Comm_free(&inter);
    MPI_Comm_free(&local);
}

static void errors(void) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int buf = 0, rc;
    MPI_Request req;
    rc = MPI_Send_init(&buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD, &req);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    rc = MPI_Send_init(&buf, 1, MPI_INT, 0, -5, MPI_COMM_WORLD, &req);
    CHECK_CLASS(rc, MPI_ERR_TAG);
    /* Starting an active request. */
    MPI_Recv_init(&buf, 1, MPI_INT, MPI_ANY_SOURCE, 777, MPI_COMM_WORLD, &req);
    MPI_Start(&req);
    rc = MPI_Start(&req);
    CHECK_CLASS(rc, MPI_ERR_REQUEST);
    MPI_Cancel(&req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Request_free(&req);
    /* Starting a nonpersistent request. */
    MPI_Irecv(&buf, 1, MPI_INT, MPI_ANY_SOURCE, 778, MPI_COMM_WORLD, &req);
    rc = MPI_Start(&req);
    CHECK_CLASS(rc, MPI_ERR_REQUEST);
    MPI_Cancel(&req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    req = MPI_REQUEST_NULL;
    rc = MPI_Start(&req);
    CHECK_CLASS(rc, MPI_ERR_REQUEST);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ring_reuse(4, 1000, 0);
    ring_reuse(20000, 30, 0); /* beyond the eager limit */
    ring_reuse(3, 100, 1);
    mixed_startall();
    rsend_rounds();
    get_status();
    get_status_multi();
    cancel_persistent();
    proc_null();
    derived();
    intercomm();
    errors();
    return mtest_finish();
}
