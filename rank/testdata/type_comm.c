/* type_comm.c: communication with derived datatypes, any number of ranks.
 * - a column of a row-major matrix (vector) sent and received contiguous,
 *   and the reverse, blocking, nonblocking (Irecv + Wait/Test) and Sendrecv;
 * - a struct with padding, sent with MPI_BOTTOM and absolute addresses from
 *   MPI_Get_address, received as an array of structs;
 * - a halo exchange of a 2-D grid with subarray types;
 * - a darray (block-cyclic) distribution gathered back at rank 0;
 * - resized column types in Gather / Scatter / Allgather (one column per
 *   rank), a vector type in Bcast, Alltoallv, Gatherv;
 * - Allreduce / Reduce / Reduce_scatter_block / Scan on a vector of doubles
 *   (elements outside the type untouched);
 * - Get_count / Get_elements on a partial struct receive, truncation. */
#include "mtest.h"

#include <stddef.h>

static int rank, size;

#define ROWS 6
#define COLS 5

static double value(int r, int i, int j) { return r * 1000 + i * 10 + j; }

static void columns(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    double m[ROWS][COLS], col[ROWS];
    MPI_Datatype coltype;
    MPI_Type_vector(ROWS, 1, COLS, MPI_DOUBLE, &coltype);
    MPI_Type_commit(&coltype);
    MPI_Status st;

    for (int j = 0; j < COLS; j++) {
        /* column j of my matrix to next, received contiguous from prev */
        for (int i = 0; i < ROWS; i++)
            for (int k = 0; k < COLS; k++) m[i][k] = value(rank, i, k);
        memset(col, 0, sizeof col);
        MPI_Sendrecv(&m[0][j], 1, coltype, next, j, col, ROWS, MPI_DOUBLE, prev, j, MPI_COMM_WORLD, &st);
        int ok = 1;
        for (int i = 0; i < ROWS; i++) ok &= col[i] == value(prev, i, j);
        CHECK(ok, "column %d received contiguous: wrong values", j);
        int n = -1;
        MPI_Get_count(&st, coltype, &n);
        CHECK(n == 1, "Get_count(column) = %d", n);
        MPI_Get_elements(&st, coltype, &n);
        CHECK(n == ROWS, "Get_elements(column) = %d", n);

        /* contiguous from prev into column j */
        for (int i = 0; i < ROWS; i++) col[i] = value(rank, i, 99);
        for (int i = 0; i < ROWS; i++)
            for (int k = 0; k < COLS; k++) m[i][k] = -1;
        MPI_Sendrecv(col, ROWS, MPI_DOUBLE, next, 100 + j, &m[0][j], 1, coltype, prev, 100 + j, MPI_COMM_WORLD, &st);
        ok = 1;
        for (int i = 0; i < ROWS; i++)
            for (int k = 0; k < COLS; k++) ok &= m[i][k] == (k == j ? value(prev, i, 99) : -1);
        CHECK(ok, "contiguous received into column %d: wrong matrix", j);
    }

    /* nonblocking: Irecv into a column, completed by Wait, then by Test */
    for (int pass = 0; pass < 2; pass++) {
        MPI_Request rq;
        for (int i = 0; i < ROWS; i++)
            for (int k = 0; k < COLS; k++) m[i][k] = -2;
        MPI_Irecv(&m[0][COLS - 1], 1, coltype, prev, 7, MPI_COMM_WORLD, &rq);
        for (int i = 0; i < ROWS; i++) col[i] = value(rank, i, 7);
        MPI_Send(col, ROWS, MPI_DOUBLE, next, 7, MPI_COMM_WORLD);
        if (pass == 0) {
            MPI_Wait(&rq, &st);
        } else {
            int flag = 0;
            while (!flag) MPI_Test(&rq, &flag, &st);
        }
        int ok = 1;
        for (int i = 0; i < ROWS; i++)
            for (int k = 0; k < COLS; k++) ok &= m[i][k] == (k == COLS - 1 ? value(prev, i, 7) : -2);
        CHECK(ok && rq == MPI_REQUEST_NULL, "Irecv into a column (pass %d): wrong matrix", pass);
    }

    /* Isend of a column, two columns per message with a resized type, Waitall */
    {
        MPI_Datatype col1;
        MPI_Type_create_resized(coltype, 0, sizeof(double), &col1);
        MPI_Type_commit(&col1);
        for (int i = 0; i < ROWS; i++)
            for (int k = 0; k < COLS; k++) m[i][k] = value(rank, i, k);
        double got[2][ROWS];
        MPI_Request rq[2];
        MPI_Irecv(got, 2 * ROWS, MPI_DOUBLE, prev, 8, MPI_COMM_WORLD, &rq[0]);
        MPI_Isend(&m[0][1], 2, col1, next, 8, MPI_COMM_WORLD, &rq[1]);
        MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
        int ok = 1;
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < ROWS; i++) ok &= got[c][i] == value(prev, i, 1 + c);
        CHECK(ok, "two resized columns: wrong values");
        MPI_Type_free(&col1);
    }

    /* Sendrecv_replace on a column */
    for (int i = 0; i < ROWS; i++)
        for (int k = 0; k < COLS; k++) m[i][k] = value(rank, i, k);
    MPI_Sendrecv_replace(&m[0][2], 1, coltype, next, 9, prev, 9, MPI_COMM_WORLD, &st);
    int ok = 1;
    for (int i = 0; i < ROWS; i++)
        for (int k = 0; k < COLS; k++) ok &= m[i][k] == (k == 2 ? value(prev, i, 2) : value(rank, i, k));
    CHECK(ok, "Sendrecv_replace of a column: wrong matrix");

    /* truncation: a column does not fit into half a column */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Datatype half;
    MPI_Type_vector(ROWS / 2, 1, COLS, MPI_DOUBLE, &half);
    MPI_Type_commit(&half);
    MPI_Request rq;
    MPI_Irecv(&m[0][0], 1, half, prev, 10, MPI_COMM_WORLD, &rq);
    MPI_Send(&m[0][0], 1, coltype, next, 10, MPI_COMM_WORLD);
    int rc = MPI_Wait(&rq, &st), cls = -1;
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TRUNCATE, "column into half a column: class %d", cls);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Type_free(&half);
    MPI_Type_free(&coltype);
}

struct particle {
    char tag;
    double pos[3];
    int id;
    short flags;
};

static MPI_Datatype particle_type(void) {
    struct particle p;
    MPI_Aint base, d[4];
    MPI_Get_address(&p, &base);
    MPI_Get_address(&p.tag, &d[0]);
    MPI_Get_address(&p.pos, &d[1]);
    MPI_Get_address(&p.id, &d[2]);
    MPI_Get_address(&p.flags, &d[3]);
    for (int i = 0; i < 4; i++) d[i] = MPI_Aint_diff(d[i], base);
    int bl[4] = {1, 3, 1, 1};
    MPI_Datatype ty[4] = {MPI_CHAR, MPI_DOUBLE, MPI_INT, MPI_SHORT}, t;
    MPI_Type_create_struct(4, bl, d, ty, &t);
    MPI_Type_commit(&t);
    return t;
}

static void structs(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    MPI_Datatype pt = particle_type();
    MPI_Aint lb, ext;
    MPI_Type_get_extent(pt, &lb, &ext);
    CHECK(lb == 0 && ext == sizeof(struct particle), "particle extent %ld, sizeof %zu", (long)ext,
          sizeof(struct particle));
    int sz;
    MPI_Type_size(pt, &sz);
    CHECK(sz == 1 + 24 + 4 + 2, "particle size %d", sz);

    /* an array of structs, padding bytes left alone */
    struct particle out[5], in[5];
    memset(out, 0x5a, sizeof out);
    for (int i = 0; i < 5; i++) {
        out[i].tag = (char)('a' + i);
        for (int k = 0; k < 3; k++) out[i].pos[k] = rank + i * 0.5 + k;
        out[i].id = rank * 100 + i;
        out[i].flags = (short)(i - rank);
    }
    memset(in, 0x77, sizeof in);
    MPI_Status st;
    MPI_Sendrecv(out, 5, pt, next, 1, in, 5, pt, prev, 1, MPI_COMM_WORLD, &st);
    int ok = 1;
    for (int i = 0; i < 5; i++) {
        ok &= in[i].tag == 'a' + i && in[i].id == prev * 100 + i && in[i].flags == (short)(i - prev);
        for (int k = 0; k < 3; k++) ok &= in[i].pos[k] == prev + i * 0.5 + k;
        /* the padding after tag was not written */
        ok &= ((unsigned char *)&in[i])[1] == 0x77;
    }
    CHECK(ok, "array of particles: wrong values or padding overwritten");

    /* MPI_BOTTOM with absolute addresses: one particle's fields plus a
     * separate counter, as one message */
    static struct particle one;
    static int counter;
    one.tag = 'z';
    one.pos[0] = 1.25 * rank;
    one.pos[1] = -2;
    one.pos[2] = 3;
    one.id = 4242 + rank;
    one.flags = 7;
    counter = 99 + rank;
    MPI_Aint abs[3];
    MPI_Get_address(&one, &abs[0]);
    MPI_Get_address(&counter, &abs[1]);
    int bl[2] = {1, 1};
    MPI_Datatype ty[2] = {pt, MPI_INT}, absty;
    MPI_Type_create_struct(2, bl, abs, ty, &absty);
    MPI_Type_commit(&absty);
    struct rec {
        struct particle p;
        int counter;
    } recv;
    MPI_Aint rel[2] = {offsetof(struct rec, p), offsetof(struct rec, counter)};
    MPI_Datatype relty;
    MPI_Type_create_struct(2, bl, rel, ty, &relty);
    MPI_Type_commit(&relty);
    memset(&recv, 0, sizeof recv);
    MPI_Request rq;
    MPI_Irecv(&recv, 1, relty, prev, 2, MPI_COMM_WORLD, &rq);
    MPI_Send(MPI_BOTTOM, 1, absty, next, 2, MPI_COMM_WORLD);
    MPI_Wait(&rq, &st);
    int n = -1;
    MPI_Get_count(&st, relty, &n);
    CHECK(n == 1, "Get_count of particle + int: %d", n);
    MPI_Get_elements(&st, relty, &n);
    CHECK(n == 7, "Get_elements of particle + int: %d", n);
    CHECK(recv.p.tag == 'z' && recv.p.pos[0] == 1.25 * prev && recv.p.pos[1] == -2 && recv.p.id == 4242 + prev &&
              recv.p.flags == 7 && recv.counter == 99 + prev,
          "MPI_BOTTOM particle: wrong values");
    /* and received with MPI_BOTTOM too */
    memset(&one, 0, sizeof one);
    counter = 0;
    MPI_Sendrecv(&recv, 1, relty, prev, 6, MPI_BOTTOM, 1, absty, next, 6, MPI_COMM_WORLD, &st);
    CHECK(one.tag == 'z' && one.id == 4242 + rank && counter == 99 + rank, "receive at MPI_BOTTOM: %c %d %d", one.tag,
          one.id, counter);
    MPI_Type_free(&relty);
    MPI_Type_free(&absty);

    /* Get_elements on a partial struct receive: 1 particle + tag + 2 doubles */
    {
        int psz = 1 + 24 + 4 + 2;
        unsigned char raw[64];
        int k = 0;
        raw[k++] = 'q';
        for (int i = 0; i < 3; i++) {
            double v = i;
            memcpy(raw + k, &v, 8);
            k += 8;
        }
        int id = 5;
        short fl = 6;
        memcpy(raw + k, &id, 4);
        k += 4;
        memcpy(raw + k, &fl, 2);
        k += 2;
        raw[k++] = 'r';
        for (int i = 0; i < 2; i++) {
            double v = 10 + i;
            memcpy(raw + k, &v, 8);
            k += 8;
        }
        CHECK(k == psz + 17, "raw size %d", k);
        struct particle got[3];
        memset(got, 0, sizeof got);
        MPI_Irecv(got, 3, pt, prev, 3, MPI_COMM_WORLD, &rq);
        MPI_Send(raw, k, MPI_BYTE, next, 3, MPI_COMM_WORLD);
        MPI_Wait(&rq, &st);
        MPI_Get_count(&st, pt, &n);
        CHECK(n == MPI_UNDEFINED, "Get_count of a partial particle: %d", n);
        MPI_Get_elements(&st, pt, &n);
        CHECK(n == 6 + 3, "Get_elements of 1 particle + tag + 2 doubles: %d, want 9", n);
        MPI_Count nx = -1;
        MPI_Get_elements_x(&st, pt, &nx);
        CHECK(nx == 9, "Get_elements_x %lld", (long long)nx);
        CHECK(got[0].tag == 'q' && got[0].pos[2] == 2 && got[0].id == 5 && got[0].flags == 6 && got[1].tag == 'r' &&
                  got[1].pos[0] == 10 && got[1].pos[1] == 11 && got[1].pos[2] == 0 && got[1].id == 0,
              "partial particle receive: wrong values");
        /* 5 more bytes: ends inside a double */
        MPI_Irecv(got, 3, pt, prev, 4, MPI_COMM_WORLD, &rq);
        MPI_Send(raw, psz + 5, MPI_BYTE, next, 4, MPI_COMM_WORLD);
        MPI_Wait(&rq, &st);
        MPI_Get_elements(&st, pt, &n);
        CHECK(n == MPI_UNDEFINED, "Get_elements ending inside a double: %d", n);
    }

    /* Bcast of particles from the last rank */
    struct particle b[3];
    for (int i = 0; i < 3; i++) {
        b[i].tag = rank == size - 1 ? 'B' : 0;
        b[i].id = rank == size - 1 ? 77 + i : 0;
        for (int k = 0; k < 3; k++) b[i].pos[k] = rank == size - 1 ? i * k : -1;
        b[i].flags = 0;
    }
    MPI_Bcast(b, 3, pt, size - 1, MPI_COMM_WORLD);
    ok = 1;
    for (int i = 0; i < 3; i++) {
        ok &= b[i].tag == 'B' && b[i].id == 77 + i;
        for (int k = 0; k < 3; k++) ok &= b[i].pos[k] == i * k;
    }
    CHECK(ok, "Bcast of particles: wrong values");
    MPI_Type_free(&pt);
}

/* halo exchange: each rank owns an NX x NY block with one ghost layer on
 * every side, in a 1-D ring of ranks along the second dimension; the
 * first dimension is periodic within the rank. */
#define NX 4
#define NY 3
static void halo(void) {
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    double g[NX + 2][NY + 2];
    for (int i = 0; i < NX + 2; i++)
        for (int j = 0; j < NY + 2; j++)
            g[i][j] = (i >= 1 && i <= NX && j >= 1 && j <= NY) ? rank * 100 + i * 10 + j : -1;
    int sizes[2] = {NX + 2, NY + 2}, sub[2] = {NX, 1};
    MPI_Datatype send_l, send_r, recv_l, recv_r, send_t, send_b, recv_t, recv_b;
    int st[2];
    st[0] = 1, st[1] = 1;
    MPI_Type_create_subarray(2, sizes, sub, st, MPI_ORDER_C, MPI_DOUBLE, &send_l);
    st[1] = NY;
    MPI_Type_create_subarray(2, sizes, sub, st, MPI_ORDER_C, MPI_DOUBLE, &send_r);
    st[1] = 0;
    MPI_Type_create_subarray(2, sizes, sub, st, MPI_ORDER_C, MPI_DOUBLE, &recv_l);
    st[1] = NY + 1;
    MPI_Type_create_subarray(2, sizes, sub, st, MPI_ORDER_C, MPI_DOUBLE, &recv_r);
    int rsub[2] = {1, NY};
    st[0] = 1, st[1] = 1;
    MPI_Type_create_subarray(2, sizes, rsub, st, MPI_ORDER_C, MPI_DOUBLE, &send_t);
    st[0] = NX;
    MPI_Type_create_subarray(2, sizes, rsub, st, MPI_ORDER_C, MPI_DOUBLE, &send_b);
    st[0] = 0;
    MPI_Type_create_subarray(2, sizes, rsub, st, MPI_ORDER_C, MPI_DOUBLE, &recv_t);
    st[0] = NX + 1;
    MPI_Type_create_subarray(2, sizes, rsub, st, MPI_ORDER_C, MPI_DOUBLE, &recv_b);
    MPI_Datatype all[8] = {send_l, send_r, recv_l, recv_r, send_t, send_b, recv_t, recv_b};
    for (int i = 0; i < 8; i++) MPI_Type_commit(&all[i]);
    MPI_Request rq[4];
    /* all types address the whole array: buffer = g */
    MPI_Irecv(g, 1, all[2], left, 1, MPI_COMM_WORLD, &rq[0]);
    MPI_Irecv(g, 1, all[3], right, 2, MPI_COMM_WORLD, &rq[1]);
    MPI_Isend(g, 1, all[1], right, 1, MPI_COMM_WORLD, &rq[2]);
    MPI_Isend(g, 1, all[0], left, 2, MPI_COMM_WORLD, &rq[3]);
    MPI_Waitall(4, rq, MPI_STATUSES_IGNORE);
    /* periodic top/bottom within the rank */
    MPI_Sendrecv(g, 1, all[4], rank, 3, g, 1, all[7], rank, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(g, 1, all[5], rank, 4, g, 1, all[6], rank, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int ok = 1;
    for (int i = 1; i <= NX; i++) {
        ok &= g[i][0] == left * 100 + i * 10 + NY;
        ok &= g[i][NY + 1] == right * 100 + i * 10 + 1;
    }
    for (int j = 1; j <= NY; j++) {
        ok &= g[0][j] == rank * 100 + NX * 10 + j;
        ok &= g[NX + 1][j] == rank * 100 + 10 + j;
    }
    ok &= g[0][0] == -1 && g[0][NY + 1] == -1 && g[NX + 1][0] == -1 && g[NX + 1][NY + 1] == -1;
    for (int i = 1; i <= NX; i++)
        for (int j = 1; j <= NY; j++) ok &= g[i][j] == rank * 100 + i * 10 + j;
    CHECK(ok, "halo exchange: wrong grid");
    for (int i = 0; i < 8; i++) MPI_Type_free(&all[i]);
}

/* darray: a GR x GC global int array distributed block x cyclic(2) over a
 * process grid; every rank sends its local part (contiguous) to rank 0,
 * which receives each into the global array with that rank's darray type. */
#define GR 7
#define GC 9
static void darray(void) {
    int psizes[2] = {1, size};
    if (size == 4) psizes[0] = 2, psizes[1] = 2;
    int gs[2] = {GR, GC}, ds[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
        da[2] = {MPI_DISTRIBUTE_DFLT_DARG, 2};
    MPI_Datatype mine;
    MPI_Type_create_darray(size, rank, 2, gs, ds, da, psizes, MPI_ORDER_C, MPI_INT, &mine);
    MPI_Type_commit(&mine);
    int n;
    MPI_Type_size(mine, &n);
    n /= 4;
    /* local part: my elements of the global array whose element (i, j)
     * holds i*GC + j, in order */
    static int global[GR * GC], local[GR * GC];
    for (int i = 0; i < GR * GC; i++) global[i] = i;
    int pos = 0;
    MPI_Pack(global, 1, mine, local, sizeof local, &pos, MPI_COMM_WORLD);
    CHECK(pos == 4 * n, "packed %d bytes of %d", pos, 4 * n);
    /* independent check of the local part */
    int c0 = rank / psizes[1], c1 = rank % psizes[1], k = 0, ok = 1;
    int b0 = (GR + psizes[0] - 1) / psizes[0];
    for (int i = 0; i < GR; i++)
        for (int j = 0; j < GC; j++)
            if (i / b0 == c0 && (j / 2) % psizes[1] == c1) ok &= k < n && local[k++] == i * GC + j;
    CHECK(ok && k == n, "darray local part wrong (%d elements, want %d)", n, k);
    MPI_Send(local, n, MPI_INT, 0, 5, MPI_COMM_WORLD);
    if (rank == 0) {
        memset(global, 0xff, sizeof global);
        for (int r = 0; r < size; r++) {
            MPI_Datatype theirs;
            MPI_Type_create_darray(size, r, 2, gs, ds, da, psizes, MPI_ORDER_C, MPI_INT, &theirs);
            MPI_Type_commit(&theirs);
            MPI_Status st;
            MPI_Recv(global, 1, theirs, r, 5, MPI_COMM_WORLD, &st);
            MPI_Type_free(&theirs);
        }
        ok = 1;
        for (int i = 0; i < GR * GC; i++) ok &= global[i] == i;
        CHECK(ok, "darray gather: the global array is not rebuilt exactly");
    }
    MPI_Type_free(&mine);
}

/* collectives with a resized column type: one column of an N x size
 * matrix per rank */
#define N 5
static void collectives(void) {
    double *mat = malloc(sizeof(double) * N * size), mine[N];
    MPI_Datatype col, col1;
    MPI_Type_vector(N, 1, size, MPI_DOUBLE, &col);
    MPI_Type_create_resized(col, 0, sizeof(double), &col1);
    MPI_Type_commit(&col1);
    for (int i = 0; i < N; i++) mine[i] = value(rank, i, 0);
    for (int i = 0; i < N * size; i++) mat[i] = -1;

    /* Gather: column r of the root's matrix comes from rank r */
    int root = size - 1;
    MPI_Gather(mine, N, MPI_DOUBLE, mat, 1, col1, root, MPI_COMM_WORLD);
    if (rank == root) {
        int ok = 1;
        for (int i = 0; i < N; i++)
            for (int r = 0; r < size; r++) ok &= mat[i * size + r] == value(r, i, 0);
        CHECK(ok, "Gather of columns: wrong matrix");
    }
    /* Scatter back: rank r gets column r */
    double back[N];
    memset(back, 0, sizeof back);
    if (rank == root)
        for (int i = 0; i < N * size; i++) mat[i] += 0.5;
    MPI_Scatter(mat, 1, col1, back, N, MPI_DOUBLE, root, MPI_COMM_WORLD);
    int ok = 1;
    for (int i = 0; i < N; i++) ok &= back[i] == value(rank, i, 0) + 0.5;
    CHECK(ok, "Scatter of columns: wrong values");
    /* Allgather: everyone builds the matrix */
    for (int i = 0; i < N * size; i++) mat[i] = -1;
    MPI_Allgather(mine, N, MPI_DOUBLE, mat, 1, col1, MPI_COMM_WORLD);
    ok = 1;
    for (int i = 0; i < N; i++)
        for (int r = 0; r < size; r++) ok &= mat[i * size + r] == value(r, i, 0);
    CHECK(ok, "Allgather of columns: wrong matrix");
    /* Allgather in place: my column is already there */
    for (int i = 0; i < N * size; i++) mat[i] = (i % size == rank) ? value(rank, i / size, 0) : -1;
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, mat, 1, col1, MPI_COMM_WORLD);
    ok = 1;
    for (int i = 0; i < N; i++)
        for (int r = 0; r < size; r++) ok &= mat[i * size + r] == value(r, i, 0);
    CHECK(ok, "Allgather in place of columns: wrong matrix");
    /* Gatherv with displacements in extents of the resized column */
    int *counts = malloc(sizeof(int) * size), *displs = malloc(sizeof(int) * size);
    for (int r = 0; r < size; r++) counts[r] = 1, displs[r] = size - 1 - r;
    for (int i = 0; i < N * size; i++) mat[i] = -1;
    MPI_Gatherv(mine, N, MPI_DOUBLE, mat, counts, displs, col1, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        ok = 1;
        for (int i = 0; i < N; i++)
            for (int r = 0; r < size; r++) ok &= mat[i * size + (size - 1 - r)] == value(r, i, 0);
        CHECK(ok, "Gatherv of columns (reversed): wrong matrix");
    }
    /* Alltoallv: column r of my matrix goes to rank r, received contiguous */
    for (int i = 0; i < N * size; i++) mat[i] = value(rank, i / size, i % size);
    int *rc = malloc(sizeof(int) * size), *rd = malloc(sizeof(int) * size);
    double *got = malloc(sizeof(double) * N * size);
    for (int r = 0; r < size; r++) counts[r] = 1, displs[r] = r, rc[r] = N, rd[r] = r * N;
    MPI_Alltoallv(mat, counts, displs, col1, got, rc, rd, MPI_DOUBLE, MPI_COMM_WORLD);
    ok = 1;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < N; i++) ok &= got[r * N + i] == value(r, i, rank);
    CHECK(ok, "Alltoallv of columns: wrong values");
    /* Alltoallw: the same with the column type and byte displacements */
    MPI_Datatype *tys = malloc(sizeof(MPI_Datatype) * size), *rtys = malloc(sizeof(MPI_Datatype) * size);
    for (int r = 0; r < size; r++) {
        counts[r] = 1, displs[r] = r * (int)sizeof(double), tys[r] = col1;
        rc[r] = N, rd[r] = r * N * (int)sizeof(double), rtys[r] = MPI_DOUBLE;
    }
    memset(got, 0, sizeof(double) * N * size);
    MPI_Alltoallw(mat, counts, displs, tys, got, rc, rd, rtys, MPI_COMM_WORLD);
    ok = 1;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < N; i++) ok &= got[r * N + i] == value(r, i, rank);
    CHECK(ok, "Alltoallw of columns: wrong values");
    /* and received into columns */
    for (int r = 0; r < size; r++) {
        counts[r] = N, displs[r] = r * N * (int)sizeof(double), tys[r] = MPI_DOUBLE;
        rc[r] = 1, rd[r] = r * (int)sizeof(double), rtys[r] = col1;
    }
    for (int i = 0; i < N * size; i++) mat[i] = -1;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < N; i++) got[r * N + i] = value(rank, i, r);
    MPI_Alltoallw(got, counts, displs, tys, mat, rc, rd, rtys, MPI_COMM_WORLD);
    ok = 1;
    for (int i = 0; i < N; i++)
        for (int r = 0; r < size; r++) ok &= mat[i * size + r] == value(r, i, rank);
    CHECK(ok, "Alltoallw into columns: wrong matrix");
    free(tys);
    free(rtys);
    free(got);
    free(rc);
    free(rd);
    free(counts);
    free(displs);
    MPI_Type_free(&col);
    MPI_Type_free(&col1);
    free(mat);
}

/* reductions on every other double */
static void reductions(void) {
    MPI_Datatype ev;
    MPI_Type_vector(5, 1, 2, MPI_DOUBLE, &ev);
    MPI_Type_commit(&ev);
    double in[20], out[20];
    for (int i = 0; i < 20; i++) in[i] = rank + i, out[i] = -7;
    /* two elements of the vector type: the second starts at 9 doubles */
    MPI_Allreduce(in, out, 2, ev, MPI_SUM, MPI_COMM_WORLD);
    double ranks = size * (size - 1) / 2.0;
    int ok = 1;
    for (int i = 0; i < 20; i++) {
        int inside = (i < 9 && i % 2 == 0) || (i >= 9 && i < 18 && (i - 9) % 2 == 0);
        ok &= out[i] == (inside ? ranks + size * i : -7);
    }
    CHECK(ok, "Allreduce(MPI_SUM) on a vector of doubles: wrong values");
    /* in place */
    for (int i = 0; i < 20; i++) out[i] = rank + i;
    MPI_Allreduce(MPI_IN_PLACE, out, 1, ev, MPI_MAX, MPI_COMM_WORLD);
    ok = 1;
    for (int i = 0; i < 20; i++) ok &= out[i] == ((i < 9 && i % 2 == 0) ? size - 1 + i : rank + i);
    CHECK(ok, "Allreduce(MPI_MAX) in place on a vector: wrong values");
    /* Reduce to the last rank */
    for (int i = 0; i < 20; i++) out[i] = -7;
    MPI_Reduce(in, out, 1, ev, MPI_SUM, size - 1, MPI_COMM_WORLD);
    if (rank == size - 1) {
        ok = 1;
        for (int i = 0; i < 20; i++) ok &= out[i] == ((i < 9 && i % 2 == 0) ? ranks + size * i : -7);
        CHECK(ok, "Reduce on a vector: wrong values");
    }
    /* Scan */
    for (int i = 0; i < 20; i++) out[i] = -7;
    MPI_Scan(in, out, 1, ev, MPI_SUM, MPI_COMM_WORLD);
    ok = 1;
    for (int i = 0; i < 20; i++)
        ok &= out[i] == ((i < 9 && i % 2 == 0) ? rank * (rank + 1) / 2.0 + (rank + 1) * i : -7);
    CHECK(ok, "Scan on a vector: wrong values");
    /* Reduce_scatter_block: each rank gets one vector element */
    double *big = malloc(sizeof(double) * 10 * size), res[10];
    for (int i = 0; i < 10 * size; i++) big[i] = i;
    for (int i = 0; i < 10; i++) res[i] = -7;
    MPI_Datatype pair;
    MPI_Type_vector(2, 1, 2, MPI_DOUBLE, &pair); /* 2 doubles, extent 3 */
    MPI_Datatype pair4;
    MPI_Type_create_resized(pair, 0, 4 * sizeof(double), &pair4);
    MPI_Type_commit(&pair4);
    /* send buffer: size elements of pair4 (4 doubles apart) */
    MPI_Reduce_scatter_block(big, res, 1, pair4, MPI_SUM, MPI_COMM_WORLD);
    ok = res[0] == size * (4.0 * rank) && res[2] == size * (4.0 * rank + 2) && res[1] == -7 && res[3] == -7;
    CHECK(ok, "Reduce_scatter_block on a vector: %g %g %g %g", res[0], res[1], res[2], res[3]);
    /* Reduce_local */
    double a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
    MPI_Type_commit(&pair);
    MPI_Reduce_local(a, b, 1, pair, MPI_PROD);
    CHECK(b[0] == 10 && b[1] == 20 && b[2] == 90 && b[3] == 40, "Reduce_local on a vector: %g %g %g %g", b[0], b[1],
          b[2], b[3]);
    free(big);
    MPI_Type_free(&pair);
    MPI_Type_free(&pair4);
    /* MINLOC on a contiguous of MPI_DOUBLE_INT */
    MPI_Datatype di2;
    MPI_Type_contiguous(2, MPI_DOUBLE_INT, &di2);
    MPI_Type_commit(&di2);
    struct {
        double v;
        int i;
    } x[2], y[2];
    x[0].v = rank % 2, x[0].i = rank;
    x[1].v = -rank, x[1].i = rank;
    MPI_Allreduce(x, y, 1, di2, MPI_MINLOC, MPI_COMM_WORLD);
    CHECK(y[0].v == 0 && y[0].i == 0 && y[1].v == -(size - 1) && y[1].i == size - 1, "MINLOC on contiguous pairs");
    MPI_Type_free(&di2);
    MPI_Type_free(&ev);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    columns();
    structs();
    halo();
    darray();
    collectives();
    reductions();
    return mtest_finish();
}
