/* p2p_basic.c: blocking point-to-point, every send mode, status fields,
 * MPI_Get_count / MPI_Get_elements, wildcards, MPI_PROC_NULL, zero-length and
 * self messages, MPI_Probe / MPI_Iprobe, MPI_Sendrecv(_replace), buffered
 * sends, cancelling a receive, and the isolation of MPI_COMM_WORLD from
 * MPI_COMM_SELF. Runs with any number of ranks (pairwise parts need 2). */
#include "mtest.h"

#include <stdint.h>

static int rank, size;

/* The value at position i of a message from src with tag. */
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

static void check_status(const MPI_Status *st, int src, int tag, MPI_Datatype t, int count, const char *what) {
    int n = -1;
    CHECK(st->MPI_SOURCE == src, "%s: MPI_SOURCE %d, want %d", what, st->MPI_SOURCE, src);
    CHECK(st->MPI_TAG == tag, "%s: MPI_TAG %d, want %d", what, st->MPI_TAG, tag);
    int rc = MPI_Get_count(st, t, &n);
    CHECK(rc == MPI_SUCCESS && n == count, "%s: MPI_Get_count rc %d count %d, want %d", what, rc, n, count);
}

/* Ring exchange with each blocking send mode. The receive is posted (Irecv)
 * before a barrier so that MPI_Rsend is legal and MPI_Ssend cannot deadlock. */
static void ring_modes(void) {
    if (size < 2) return;
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    enum { N = 100 };
    int sbuf[N], rbuf[N];
    const char *names[] = {"MPI_Send", "MPI_Ssend", "MPI_Rsend", "MPI_Bsend"};
    static char bsendbuf[N * sizeof(int) + MPI_BSEND_OVERHEAD];
    for (int mode = 0; mode < 4; mode++) {
        int tag = 10 + mode;
        MPI_Request rreq;
        MPI_Status st;
        memset(rbuf, 0, sizeof rbuf);
        fill(sbuf, N, rank, tag);
        MPI_Irecv(rbuf, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &rreq);
        MPI_Barrier(MPI_COMM_WORLD);
        int rc = -1;
        switch (mode) {
        case 0: rc = MPI_Send(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD); break;
        case 1: rc = MPI_Ssend(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD); break;
        case 2: rc = MPI_Rsend(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD); break;
        case 3: {
            int r = MPI_Buffer_attach(bsendbuf, sizeof bsendbuf);
            CHECK(r == MPI_SUCCESS, "MPI_Buffer_attach rc %d", r);
            rc = MPI_Bsend(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD);
            /* Bsend copied the data out: the buffer is free to reuse. */
            memset(sbuf, 0xff, sizeof sbuf);
            break;
        }
        }
        CHECK(rc == MPI_SUCCESS, "%s rc %d", names[mode], rc);
        rc = MPI_Wait(&rreq, &st);
        CHECK(rc == MPI_SUCCESS, "%s: MPI_Wait rc %d", names[mode], rc);
        CHECK(rreq == MPI_REQUEST_NULL, "%s: request not MPI_REQUEST_NULL after MPI_Wait", names[mode]);
        check_status(&st, prev, tag, MPI_INT, N, names[mode]);
        CHECK(bad_values(rbuf, N, prev, tag) == 0, "%s: %d wrong values", names[mode], bad_values(rbuf, N, prev, tag));
        if (mode == 3) {
            void *addr = NULL;
            int bsize = -1;
            int r = MPI_Buffer_detach(&addr, &bsize);
            CHECK(r == MPI_SUCCESS, "MPI_Buffer_detach rc %d", r);
            CHECK(addr == (void *)bsendbuf, "MPI_Buffer_detach address %p, want %p", addr, (void *)bsendbuf);
            CHECK(bsize == (int)sizeof bsendbuf, "MPI_Buffer_detach size %d, want %d", bsize, (int)sizeof bsendbuf);
        }
    }
    /* The same with blocking receives: even ranks send first. */
    for (int mode = 0; mode < 2; mode++) {
        int tag = 20 + mode;
        MPI_Status st;
        fill(sbuf, N, rank, tag);
        memset(rbuf, 0, sizeof rbuf);
        int rc1, rc2;
        if (size % 2 == 1 && mode == 1) {
            /* an odd ring of synchronous sends would deadlock; use Sendrecv */
            rc1 = MPI_Sendrecv(sbuf, N, MPI_INT, next, tag, rbuf, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &st);
            rc2 = MPI_SUCCESS;
        } else if (rank % 2 == 0) {
            rc1 = mode ? MPI_Ssend(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD)
                       : MPI_Send(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD);
            rc2 = MPI_Recv(rbuf, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &st);
        } else {
            rc2 = MPI_Recv(rbuf, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &st);
            rc1 = mode ? MPI_Ssend(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD)
                       : MPI_Send(sbuf, N, MPI_INT, next, tag, MPI_COMM_WORLD);
        }
        CHECK(rc1 == MPI_SUCCESS && rc2 == MPI_SUCCESS, "blocking ring mode %d: rc %d %d", mode, rc1, rc2);
        check_status(&st, prev, tag, MPI_INT, N, "blocking ring");
        CHECK(bad_values(rbuf, N, prev, tag) == 0, "blocking ring mode %d: wrong values", mode);
    }
}

/* MPI_Get_count and MPI_Get_elements for several datatypes, including a
 * byte count that is not a multiple of the type size (MPI_UNDEFINED). */
static void counts(void) {
    if (size < 2) return;
    if (rank == 1) {
        unsigned char b[64];
        for (int i = 0; i < 64; i++) b[i] = (unsigned char)(i * 3 + 1);
        MPI_Send(b, 7, MPI_BYTE, 0, 30, MPI_COMM_WORLD);
        MPI_Send(b, 24, MPI_BYTE, 0, 31, MPI_COMM_WORLD);
        double d[5] = {1.5, -2.25, 3e300, 0, -0.0};
        MPI_Send(d, 5, MPI_DOUBLE, 0, 32, MPI_COMM_WORLD);
        MPI_Send(b, 2, MPI_BYTE, 0, 33, MPI_COMM_WORLD);
        MPI_Send(b, 6, MPI_BYTE, 0, 34, MPI_COMM_WORLD);
    } else if (rank == 0) {
        unsigned char b[64];
        MPI_Status st;
        int n;
        MPI_Count nx;
        memset(b, 0, sizeof b);
        int rc = MPI_Recv(b, 16, MPI_INT, 1, 30, MPI_COMM_WORLD, &st); /* 7 bytes into 16 ints */
        CHECK(rc == MPI_SUCCESS, "recv 7 bytes rc %d", rc);
        CHECK(st.MPI_SOURCE == 1 && st.MPI_TAG == 30, "status %d/%d", st.MPI_SOURCE, st.MPI_TAG);
        int ok = 1;
        for (int i = 0; i < 7; i++) ok &= b[i] == (unsigned char)(i * 3 + 1);
        for (int i = 7; i < 64; i++) ok &= b[i] == 0;
        CHECK(ok, "7-byte message content or overrun");
        n = -5;
        MPI_Get_count(&st, MPI_INT, &n);
        CHECK(n == MPI_UNDEFINED, "Get_count(7 bytes, MPI_INT) = %d, want MPI_UNDEFINED", n);
        n = -5;
        MPI_Get_count(&st, MPI_BYTE, &n);
        CHECK(n == 7, "Get_count(7 bytes, MPI_BYTE) = %d", n);
        n = -5;
        MPI_Get_count(&st, MPI_CHAR, &n);
        CHECK(n == 7, "Get_count(7 bytes, MPI_CHAR) = %d", n);
        n = -5;
        MPI_Get_elements(&st, MPI_SHORT, &n);
        CHECK(n == MPI_UNDEFINED, "Get_elements(7 bytes, MPI_SHORT) = %d, want MPI_UNDEFINED", n);
        n = -5;
        MPI_Get_elements(&st, MPI_UNSIGNED_CHAR, &n);
        CHECK(n == 7, "Get_elements(7 bytes, MPI_UNSIGNED_CHAR) = %d", n);
        nx = -5;
        MPI_Get_elements_x(&st, MPI_BYTE, &nx);
        CHECK(nx == 7, "Get_elements_x(7 bytes, MPI_BYTE) = %lld", (long long)nx);

        rc = MPI_Recv(b, 64, MPI_BYTE, 1, 31, MPI_COMM_WORLD, &st); /* 24 bytes */
        CHECK(rc == MPI_SUCCESS, "recv 24 bytes rc %d", rc);
        /* Get_count counts whole datatype elements; Get_elements counts basic
         * elements, so a pair type (value, int) counts two per pair and a
         * trailing lone value counts one. */
        struct {
            MPI_Datatype t;
            int count, elements;
            const char *name;
        } cases[] = {
            {MPI_BYTE, 24, 24, "MPI_BYTE"},
            {MPI_SHORT, 12, 12, "MPI_SHORT"},
            {MPI_INT, 6, 6, "MPI_INT"},
            {MPI_LONG, 6, 6, "MPI_LONG"},
            {MPI_FLOAT, 6, 6, "MPI_FLOAT"},
            {MPI_DOUBLE, 3, 3, "MPI_DOUBLE"},
            {MPI_LONG_LONG, 3, 3, "MPI_LONG_LONG"},
            {MPI_AINT, 6, 6, "MPI_AINT"},
            {MPI_COUNT, 3, 3, "MPI_COUNT"},
            {MPI_C_FLOAT_COMPLEX, 3, 3, "MPI_C_FLOAT_COMPLEX"},
            {MPI_LONG_DOUBLE, MPI_UNDEFINED, MPI_UNDEFINED, "MPI_LONG_DOUBLE"},
            {MPI_C_DOUBLE_COMPLEX, MPI_UNDEFINED, MPI_UNDEFINED, "MPI_C_DOUBLE_COMPLEX"},
            {MPI_2INT, 3, 6, "MPI_2INT"},
            {MPI_FLOAT_INT, 3, 6, "MPI_FLOAT_INT"},
            {MPI_LONG_INT, 3, 6, "MPI_LONG_INT"},
            {MPI_SHORT_INT, 3, 6, "MPI_SHORT_INT"},
            /* 16-byte pairs: one whole pair and a lone double */
            {MPI_DOUBLE_INT, MPI_UNDEFINED, 3, "MPI_DOUBLE_INT"},
            /* 32-byte pair: 24 bytes hold the long double and half the padding
             * after the int */
            {MPI_LONG_DOUBLE_INT, MPI_UNDEFINED, 2, "MPI_LONG_DOUBLE_INT"},
        };
        for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            n = -5;
            rc = MPI_Get_count(&st, cases[i].t, &n);
            CHECK(rc == MPI_SUCCESS && n == cases[i].count, "Get_count(24 bytes, %s) rc %d = %d, want %d",
                  cases[i].name, rc, n, cases[i].count);
            n = -5;
            rc = MPI_Get_elements(&st, cases[i].t, &n);
            CHECK(rc == MPI_SUCCESS && n == cases[i].elements, "Get_elements(24 bytes, %s) rc %d = %d, want %d",
                  cases[i].name, rc, n, cases[i].elements);
            nx = -5;
            rc = MPI_Get_elements_x(&st, cases[i].t, &nx);
            CHECK(rc == MPI_SUCCESS && nx == cases[i].elements, "Get_elements_x(24 bytes, %s) rc %d = %lld, want %d",
                  cases[i].name, rc, (long long)nx, cases[i].elements);
        }
        double d[8] = {0};
        rc = MPI_Recv(d, 8, MPI_DOUBLE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "recv doubles rc %d", rc);
        check_status(&st, 1, 32, MPI_DOUBLE, 5, "doubles");
        CHECK(d[0] == 1.5 && d[1] == -2.25 && d[2] == 3e300 && d[3] == 0 && d[4] == 0 && d[5] == 0,
              "double values");

        /* Partial pairs of MPI_SHORT_INT (short, 2 bytes padding, int). */
        rc = MPI_Recv(b, 64, MPI_BYTE, 1, 33, MPI_COMM_WORLD, &st); /* 2 bytes: the short */
        n = -5;
        MPI_Get_count(&st, MPI_SHORT_INT, &n);
        CHECK(n == MPI_UNDEFINED, "Get_count(2 bytes, MPI_SHORT_INT) = %d", n);
        n = -5;
        MPI_Get_elements(&st, MPI_SHORT_INT, &n);
        CHECK(n == 1, "Get_elements(2 bytes, MPI_SHORT_INT) = %d, want 1", n);
        rc = MPI_Recv(b, 64, MPI_BYTE, 1, 34, MPI_COMM_WORLD, &st); /* 6 bytes: short, pad, half an int */
        n = -5;
        MPI_Get_elements(&st, MPI_SHORT_INT, &n);
        CHECK(n == MPI_UNDEFINED, "Get_elements(6 bytes, MPI_SHORT_INT) = %d, want MPI_UNDEFINED", n);
        n = -5;
        MPI_Get_elements(&st, MPI_SHORT, &n);
        CHECK(n == 3, "Get_elements(6 bytes, MPI_SHORT) = %d", n);
    }
}

/* MPI_ANY_SOURCE / MPI_ANY_TAG: rank 0 hears from every other rank once. */
static void wildcards(void) {
    if (size < 2) return;
    if (rank != 0) {
        int msg[2] = {rank, rank * rank};
        MPI_Send(msg, 2, MPI_INT, 0, 100 + rank, MPI_COMM_WORLD);
        /* A second message with a fixed tag, received by tag only. */
        MPI_Send(msg, 1, MPI_INT, 0, 99, MPI_COMM_WORLD);
    } else {
        int seen[64] = {0};
        for (int i = 1; i < size; i++) {
            int msg[2] = {-1, -1};
            MPI_Status st;
            /* Receive only the 100+ tags: ANY_SOURCE and a tag of our choosing
             * based on nothing yet known, so use ANY_TAG and skip tag 99 via
             * probe. */
            int flag = 0;
            do {
                MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
                if (st.MPI_TAG == 99) {
                    /* the same source's tag-99 message can only come after its first */
                    CHECK(seen[st.MPI_SOURCE], "tag 99 from %d overtook its first message", st.MPI_SOURCE);
                    int v;
                    MPI_Recv(&v, 1, MPI_INT, st.MPI_SOURCE, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    CHECK(v == st.MPI_SOURCE, "tag 99 value %d from %d", v, st.MPI_SOURCE);
                    seen[st.MPI_SOURCE] |= 2;
                } else {
                    flag = 1;
                }
            } while (!flag);
            int rc = MPI_Recv(msg, 2, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            CHECK(rc == MPI_SUCCESS, "wildcard recv rc %d", rc);
            int src = st.MPI_SOURCE;
            CHECK(src >= 1 && src < size, "wildcard source %d", src);
            if (src < 1 || src >= size) continue;
            CHECK(st.MPI_TAG == 100 + src, "wildcard tag %d from %d", st.MPI_TAG, src);
            CHECK(msg[0] == src && msg[1] == src * src, "wildcard payload %d,%d from %d", msg[0], msg[1], src);
            CHECK(!(seen[src] & 1), "source %d seen twice", src);
            seen[src] |= 1;
            int n = -1;
            MPI_Get_count(&st, MPI_INT, &n);
            CHECK(n == 2, "wildcard count %d", n);
        }
        /* The remaining tag-99 messages, by tag with any source. */
        for (int i = 1; i < size; i++) {
            if (seen[i] & 2) continue;
            int v = -1;
            MPI_Status st;
            MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, &st);
            CHECK(st.MPI_TAG == 99 && v == st.MPI_SOURCE, "tag 99: tag %d value %d source %d", st.MPI_TAG, v,
                  st.MPI_SOURCE);
            CHECK(!(seen[st.MPI_SOURCE] & 2), "tag 99 from %d twice", st.MPI_SOURCE);
            seen[st.MPI_SOURCE] |= 2;
        }
        for (int i = 1; i < size; i++) CHECK(seen[i] == 3, "source %d: seen %d", i, seen[i]);
        /* Nothing left over. */
        int flag = 1;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        CHECK(flag == 0, "a message is left after the wildcard test");
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

static void proc_null(void) {
    int buf[4] = {1, 2, 3, 4};
    MPI_Status st;
    int rc = MPI_Send(buf, 4, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Send to MPI_PROC_NULL rc %d", rc);
    rc = MPI_Ssend(buf, 4, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Ssend to MPI_PROC_NULL rc %d", rc);
    rc = MPI_Rsend(buf, 4, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Rsend to MPI_PROC_NULL rc %d", rc);
    rc = MPI_Bsend(buf, 4, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD); /* no buffer needed */
    CHECK(rc == MPI_SUCCESS, "Bsend to MPI_PROC_NULL rc %d", rc);

    memset(&st, 0x5a, sizeof st);
    rc = MPI_Recv(buf, 4, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "Recv from MPI_PROC_NULL rc %d", rc);
    check_status(&st, MPI_PROC_NULL, MPI_ANY_TAG, MPI_INT, 0, "Recv MPI_PROC_NULL");
    CHECK(buf[0] == 1 && buf[3] == 4, "Recv from MPI_PROC_NULL wrote the buffer");
    int n = -1;
    MPI_Get_elements(&st, MPI_INT, &n);
    CHECK(n == 0, "Get_elements after MPI_PROC_NULL %d", n);

    MPI_Request r;
    memset(&st, 0x5a, sizeof st);
    MPI_Irecv(buf, 4, MPI_INT, MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &r);
    rc = MPI_Wait(&r, &st);
    CHECK(rc == MPI_SUCCESS && r == MPI_REQUEST_NULL, "Irecv MPI_PROC_NULL wait rc %d", rc);
    check_status(&st, MPI_PROC_NULL, MPI_ANY_TAG, MPI_INT, 0, "Irecv MPI_PROC_NULL");

    MPI_Isend(buf, 4, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD, &r);
    int flag = 0;
    rc = MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    CHECK(rc == MPI_SUCCESS && flag == 1 && r == MPI_REQUEST_NULL, "Isend MPI_PROC_NULL test rc %d flag %d", rc, flag);

    memset(&st, 0x5a, sizeof st);
    rc = MPI_Sendrecv(buf, 4, MPI_INT, MPI_PROC_NULL, 1, buf, 4, MPI_INT, MPI_PROC_NULL, 2, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "Sendrecv MPI_PROC_NULL rc %d", rc);
    check_status(&st, MPI_PROC_NULL, MPI_ANY_TAG, MPI_INT, 0, "Sendrecv MPI_PROC_NULL");

    memset(&st, 0x5a, sizeof st);
    rc = MPI_Probe(MPI_PROC_NULL, 3, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "Probe MPI_PROC_NULL rc %d", rc);
    check_status(&st, MPI_PROC_NULL, MPI_ANY_TAG, MPI_INT, 0, "Probe MPI_PROC_NULL");
    flag = 0;
    memset(&st, 0x5a, sizeof st);
    rc = MPI_Iprobe(MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    CHECK(rc == MPI_SUCCESS && flag == 1, "Iprobe MPI_PROC_NULL rc %d flag %d", rc, flag);
    check_status(&st, MPI_PROC_NULL, MPI_ANY_TAG, MPI_INT, 0, "Iprobe MPI_PROC_NULL");
}

/* Zero-length messages: NULL buffers are fine, status count is 0. */
static void zero_length(void) {
    if (size < 2) return;
    int peer = rank ^ 1;
    if (peer >= size) return;
    MPI_Status st;
    int buf[4] = {7, 7, 7, 7};
    if (rank < peer) {
        MPI_Send(NULL, 0, MPI_INT, peer, 40, MPI_COMM_WORLD);
        MPI_Ssend(buf, 0, MPI_DOUBLE, peer, 41, MPI_COMM_WORLD);
        int rc = MPI_Recv(buf, 4, MPI_INT, peer, 42, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "zero recv rc %d", rc);
        check_status(&st, peer, 42, MPI_INT, 0, "zero-length into a 4-int buffer");
        CHECK(buf[0] == 7 && buf[3] == 7, "zero-length message wrote the buffer");
    } else {
        int rc = MPI_Recv(NULL, 0, MPI_INT, peer, 40, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "zero recv NULL rc %d", rc);
        check_status(&st, peer, 40, MPI_BYTE, 0, "zero-length NULL");
        rc = MPI_Recv(buf, 0, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "zero recv any rc %d", rc);
        check_status(&st, peer, 41, MPI_DOUBLE, 0, "zero-length any");
        MPI_Send(buf, 0, MPI_INT, peer, 42, MPI_COMM_WORLD);
    }
}

/* A rank sends to itself: Isend then Recv, small and large, and Sendrecv. */
static void self_send(void) {
    enum { BIG = 300000 }; /* ints: 1.2 MB, beyond the eager limit */
    static int sbig[BIG], rbig[BIG];
    int s[3] = {rank, 2, 3}, r[3] = {0, 0, 0};
    MPI_Request req;
    MPI_Status st;
    int rc = MPI_Isend(s, 3, MPI_INT, rank, 50, MPI_COMM_WORLD, &req);
    CHECK(rc == MPI_SUCCESS, "self Isend rc %d", rc);
    rc = MPI_Recv(r, 3, MPI_INT, rank, 50, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "self Recv rc %d", rc);
    check_status(&st, rank, 50, MPI_INT, 3, "self small");
    CHECK(r[0] == rank && r[1] == 2 && r[2] == 3, "self small values");
    rc = MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(rc == MPI_SUCCESS, "self Isend wait rc %d", rc);

    fill(sbig, BIG, rank, 51);
    memset(rbig, 0, sizeof rbig);
    MPI_Isend(sbig, BIG, MPI_INT, rank, 51, MPI_COMM_WORLD, &req);
    rc = MPI_Recv(rbig, BIG, MPI_INT, MPI_ANY_SOURCE, 51, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "self big Recv rc %d", rc);
    check_status(&st, rank, 51, MPI_INT, BIG, "self big");
    CHECK(bad_values(rbig, BIG, rank, 51) == 0, "self big values");
    MPI_Wait(&req, MPI_STATUS_IGNORE);

    /* Issend to self completes once the receive has matched. */
    MPI_Issend(s, 3, MPI_INT, rank, 52, MPI_COMM_WORLD, &req);
    int flag = 1;
    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 0, "self Issend completed before the receive was posted");
    MPI_Recv(r, 3, MPI_INT, rank, 52, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Wait(&req, MPI_STATUS_IGNORE);

    memset(r, 0, sizeof r);
    rc = MPI_Sendrecv(s, 3, MPI_INT, rank, 53, r, 3, MPI_INT, rank, 53, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "self Sendrecv rc %d", rc);
    check_status(&st, rank, 53, MPI_INT, 3, "self Sendrecv");
    CHECK(r[0] == rank && r[2] == 3, "self Sendrecv values");

    /* The profiling names work the same. */
    int prank = -1;
    PMPI_Comm_rank(MPI_COMM_WORLD, &prank);
    CHECK(prank == rank, "PMPI_Comm_rank %d", prank);
    memset(r, 0, sizeof r);
    rc = PMPI_Sendrecv(s, 3, MPI_INT, rank, 55, r, 3, MPI_INT, rank, 55, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS && r[0] == rank && st.MPI_TAG == 55, "PMPI_Sendrecv rc %d", rc);

    /* Same on MPI_COMM_SELF, where our rank is 0. */
    memset(r, 0, sizeof r);
    rc = MPI_Sendrecv(s, 3, MPI_INT, 0, 54, r, 3, MPI_INT, 0, 54, MPI_COMM_SELF, &st);
    CHECK(rc == MPI_SUCCESS, "SELF Sendrecv rc %d", rc);
    check_status(&st, 0, 54, MPI_INT, 3, "SELF Sendrecv");
    CHECK(r[0] == rank, "SELF Sendrecv values");
}

/* Messages on MPI_COMM_WORLD and MPI_COMM_SELF with equal source and tag
 * never match each other's receives. */
static void world_self(void) {
    int a = 1000 + rank, b = 2000 + rank, v = -1;
    MPI_Request ra, rb;
    MPI_Status st;
    MPI_Isend(&a, 1, MPI_INT, 0, 60, MPI_COMM_SELF, &ra);    /* SELF rank 0 is us */
    MPI_Isend(&b, 1, MPI_INT, rank, 60, MPI_COMM_WORLD, &rb); /* same tag on WORLD */
    int flag = 0;
    /* Wildcards on WORLD see only the WORLD message. */
    MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK(st.MPI_SOURCE == rank && st.MPI_TAG == 60, "WORLD probe %d/%d", st.MPI_SOURCE, st.MPI_TAG);
    MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK(v == b, "WORLD receive got %d, want %d (the SELF message crossed over?)", v, b);
    CHECK(st.MPI_SOURCE == rank, "WORLD source %d", st.MPI_SOURCE);
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 0, "WORLD still has a message after its only one was received");
    flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_SELF, &flag, &st);
    CHECK(flag == 1 && st.MPI_SOURCE == 0 && st.MPI_TAG == 60, "SELF iprobe flag %d source %d", flag,
          st.MPI_SOURCE);
    v = -1;
    MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_SELF, &st);
    CHECK(v == a && st.MPI_SOURCE == 0, "SELF receive got %d from %d", v, st.MPI_SOURCE);
    MPI_Wait(&ra, MPI_STATUS_IGNORE);
    MPI_Wait(&rb, MPI_STATUS_IGNORE);

    /* Across ranks: rank 1 sends to rank 0 on WORLD with a tag rank 0 also
     * uses on SELF; rank 0's SELF receive must not take it. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (size >= 2 && rank < 2) {
        if (rank == 1) {
            int x = 4242;
            MPI_Send(&x, 1, MPI_INT, 0, 61, MPI_COMM_WORLD);
        } else {
            MPI_Request rs;
            int y = -1, x = -1;
            MPI_Irecv(&y, 1, MPI_INT, MPI_ANY_SOURCE, 61, MPI_COMM_SELF, &rs);
            MPI_Recv(&x, 1, MPI_INT, 1, 61, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            CHECK(x == 4242, "WORLD got %d", x);
            flag = 1;
            MPI_Test(&rs, &flag, MPI_STATUS_IGNORE);
            CHECK(flag == 0 && y == -1, "the SELF receive matched a WORLD message");
            int z = 77;
            MPI_Send(&z, 1, MPI_INT, 0, 61, MPI_COMM_SELF);
            MPI_Wait(&rs, &st);
            CHECK(y == 77 && st.MPI_SOURCE == 0, "SELF got %d from %d", y, st.MPI_SOURCE);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

/* MPI_Probe and MPI_Iprobe, including Iprobe before the message exists. */
static void probes(void) {
    if (size < 2) return;
    if (rank == 1) {
        int go;
        MPI_Recv(&go, 1, MPI_INT, 0, 70, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        int b[13];
        fill(b, 13, 1, 71);
        MPI_Send(b, 13, MPI_INT, 0, 71, MPI_COMM_WORLD);
        short sh[3] = {1, 2, 3};
        MPI_Send(sh, 3, MPI_SHORT, 0, 72, MPI_COMM_WORLD);
    } else if (rank == 0) {
        int flag = 1;
        MPI_Status st;
        memset(&st, 0x5a, sizeof st);
        int rc = MPI_Iprobe(1, 71, MPI_COMM_WORLD, &flag, &st);
        CHECK(rc == MPI_SUCCESS && flag == 0, "Iprobe before the send: rc %d flag %d", rc, flag);
        CHECK(st.MPI_SOURCE == 0x5a5a5a5a, "Iprobe with flag 0 wrote the status");
        int go = 1;
        MPI_Send(&go, 1, MPI_INT, 1, 70, MPI_COMM_WORLD);
        rc = MPI_Probe(MPI_ANY_SOURCE, 71, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "Probe rc %d", rc);
        check_status(&st, 1, 71, MPI_INT, 13, "Probe");
        /* Probing again finds the same message. */
        flag = 0;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        CHECK(flag == 1, "Iprobe after Probe flag %d", flag);
        check_status(&st, 1, 71, MPI_INT, 13, "Iprobe");
        int b[13];
        MPI_Recv(b, 13, MPI_INT, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st);
        CHECK(bad_values(b, 13, 1, 71) == 0, "probed message values");
        /* Wait for the next one with Iprobe polling. */
        flag = 0;
        while (!flag) MPI_Iprobe(1, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        check_status(&st, 1, 72, MPI_SHORT, 3, "Iprobe poll");
        int n = -1;
        MPI_Get_count(&st, MPI_INT, &n);
        CHECK(n == MPI_UNDEFINED, "6 bytes as MPI_INT: %d", n);
        short sh[3];
        MPI_Recv(sh, 3, MPI_SHORT, 1, 72, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(sh[0] == 1 && sh[2] == 3, "short values");
    }
}

/* MPI_Sendrecv and MPI_Sendrecv_replace around a ring (shift by one and by two). */
static void sendrecv(void) {
    enum { N = 1000 };
    static int s[N], r[N];
    MPI_Status st;
    for (int shift = 1; shift <= 2; shift++) {
        int dst = (rank + shift) % size, src = (rank - shift % size + size) % size;
        fill(s, N, rank, 80 + shift);
        memset(r, 0, sizeof r);
        int rc = MPI_Sendrecv(s, N, MPI_INT, dst, 80 + shift, r, N, MPI_INT, src, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "Sendrecv rc %d", rc);
        check_status(&st, src, 80 + shift, MPI_INT, N, "Sendrecv");
        CHECK(bad_values(r, N, src, 80 + shift) == 0, "Sendrecv values");

        fill(s, N, rank, 90 + shift);
        rc = MPI_Sendrecv_replace(s, N, MPI_INT, dst, 90 + shift, MPI_ANY_SOURCE, 90 + shift, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "Sendrecv_replace rc %d", rc);
        check_status(&st, src, 90 + shift, MPI_INT, N, "Sendrecv_replace");
        CHECK(bad_values(s, N, src, 90 + shift) == 0, "Sendrecv_replace values: %d bad",
              bad_values(s, N, src, 90 + shift));
    }
    /* Large Sendrecv_replace (beyond the eager limit). */
    enum { BIG = 100000 };
    static int big[BIG];
    int dst = (rank + 1) % size, src = (rank + size - 1) % size;
    fill(big, BIG, rank, 95);
    int rc = MPI_Sendrecv_replace(big, BIG, MPI_INT, dst, 95, src, 95, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS, "big Sendrecv_replace rc %d", rc);
    check_status(&st, src, 95, MPI_INT, BIG, "big Sendrecv_replace");
    CHECK(bad_values(big, BIG, src, 95) == 0, "big Sendrecv_replace values");
}

/* Cancelling a receive that cannot match; MPI_Test_cancelled. */
static void cancel(void) {
    int buf[4];
    MPI_Request r;
    MPI_Status st;
    int rc = MPI_Irecv(buf, 4, MPI_INT, MPI_ANY_SOURCE, 12345, MPI_COMM_WORLD, &r);
    CHECK(rc == MPI_SUCCESS, "Irecv rc %d", rc);
    rc = MPI_Cancel(&r);
    CHECK(rc == MPI_SUCCESS, "Cancel rc %d", rc);
    CHECK(r != MPI_REQUEST_NULL, "MPI_Cancel must not free the request");
    rc = MPI_Wait(&r, &st);
    CHECK(rc == MPI_SUCCESS && r == MPI_REQUEST_NULL, "Wait after cancel rc %d", rc);
    int flag = 0;
    rc = MPI_Test_cancelled(&st, &flag);
    CHECK(rc == MPI_SUCCESS && flag == 1, "Test_cancelled after cancel: rc %d flag %d", rc, flag);

    /* Cancel then Test. */
    MPI_Irecv(buf, 4, MPI_INT, 0, 12346, MPI_COMM_SELF, &r);
    MPI_Cancel(&r);
    flag = 0;
    rc = MPI_Test(&r, &flag, &st);
    CHECK(rc == MPI_SUCCESS && flag == 1 && r == MPI_REQUEST_NULL, "Test after cancel: rc %d flag %d", rc, flag);
    flag = 0;
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 1, "Test_cancelled after Test %d", flag);

    /* A cancelled receive does not consume a later message. */
    int x = 31, y = -1;
    MPI_Irecv(buf, 4, MPI_INT, 0, 12347, MPI_COMM_SELF, &r);
    MPI_Cancel(&r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Send(&x, 1, MPI_INT, 0, 12347, MPI_COMM_SELF);
    MPI_Recv(&y, 1, MPI_INT, 0, 12347, MPI_COMM_SELF, &st);
    CHECK(y == 31, "message after a cancelled receive: %d", y);
    flag = 1;
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 0, "Test_cancelled of a completed receive %d", flag);

    /* Cancelling a receive that already completed leaves it completed. */
    MPI_Isend(&x, 1, MPI_INT, 0, 12348, MPI_COMM_SELF, &r);
    MPI_Request r2;
    MPI_Irecv(&y, 1, MPI_INT, 0, 12348, MPI_COMM_SELF, &r2);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Cancel(&r2);
    MPI_Wait(&r2, &st);
    flag = 1;
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 0 && y == 31 && st.MPI_TAG == 12348, "cancel after match: flag %d y %d tag %d", flag, y,
          st.MPI_TAG);
}

/* Buffered sends: several messages in one attached buffer, the receiver
 * takes them later; a send that does not fit fails with MPI_ERR_BUFFER. */
static void buffered(void) {
    if (size < 2) return;
    enum { N = 50, K = 5 };
    int bufsize = K * (N * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
    char *bbuf = malloc(bufsize);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int rc = MPI_Buffer_attach(bbuf, bufsize);
    CHECK(rc == MPI_SUCCESS, "attach rc %d", rc);
    int s[N], r[N];
    for (int k = 0; k < K; k++) {
        fill(s, N, rank, 110 + k);
        rc = MPI_Bsend(s, N, MPI_INT, next, 110 + k, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "Bsend %d rc %d", k, rc);
    }
    /* Everyone has buffered everything before anyone receives. */
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    /* A message as large as the whole attached buffer cannot fit. */
    rc = MPI_Bsend(bbuf, bufsize, MPI_BYTE, next, 199, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_BUFFER);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    for (int k = K - 1; k >= 0; k--) { /* in reverse tag order: tags select */
        MPI_Status st;
        rc = MPI_Recv(r, N, MPI_INT, prev, 110 + k, MPI_COMM_WORLD, &st);
        CHECK(rc == MPI_SUCCESS, "recv buffered %d rc %d", k, rc);
        check_status(&st, prev, 110 + k, MPI_INT, N, "buffered");
        CHECK(bad_values(r, N, prev, 110 + k) == 0, "buffered values %d", k);
    }
    void *addr = NULL;
    int got = 0;
    rc = MPI_Buffer_detach(&addr, &got);
    CHECK(rc == MPI_SUCCESS && addr == bbuf && got == bufsize, "detach rc %d addr %p/%p size %d/%d", rc, addr,
          (void *)bbuf, got, bufsize);
    /* A second attach/detach cycle with a different buffer. */
    static char small[2 * MPI_BSEND_OVERHEAD + 64];
    MPI_Buffer_attach(small, sizeof small);
    int one = rank;
    MPI_Bsend(&one, 1, MPI_INT, next, 120, MPI_COMM_WORLD);
    MPI_Recv(&one, 1, MPI_INT, prev, 120, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(one == prev, "small bsend value %d", one);
    MPI_Buffer_detach(&addr, &got);
    CHECK(addr == (void *)small && got == (int)sizeof small, "second detach %p size %d", addr, got);
    free(bbuf);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Every rank buffers a message to its neighbour and detaches its buffer
 * before receiving. A buffered send is local and its data has been copied
 * out, so MPI_Buffer_detach must not wait for the neighbour's receive (which
 * comes after the neighbour's own detach): native MPIs run this fine. */
static void detach_before_recv(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    static char bb[64 + MPI_BSEND_OVERHEAD];
    int v = rank * 5, got = -1, bsize = 0;
    void *addr = NULL;
    MPI_Buffer_attach(bb, sizeof bb);
    int rc = MPI_Bsend(&v, 1, MPI_INT, next, 130, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Bsend rc %d", rc);
    rc = MPI_Buffer_detach(&addr, &bsize);
    CHECK(rc == MPI_SUCCESS && addr == (void *)bb && bsize == (int)sizeof bb, "detach rc %d", rc);
    MPI_Recv(&got, 1, MPI_INT, prev, 130, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(got == prev * 5, "got %d from %d", got, prev);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1 && !strcmp(argv[1], "detach_before_recv")) {
        detach_before_recv();
        return mtest_finish();
    }
    void (*sections[])(void) = {ring_modes, counts, wildcards, proc_null, zero_length, self_send,
                                world_self, probes, sendrecv, cancel, buffered};
    for (unsigned i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        sections[i]();
        MPI_Barrier(MPI_COMM_WORLD);
    }
    return mtest_finish();
}
