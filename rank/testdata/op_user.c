/* op_user.c: user-defined reduction operations.
 *
 * A non-commutative operation (2x2 matrix product over a derived datatype)
 * must be applied in rank order in Reduce (every root), Allreduce (also in
 * place), Scan, Exscan, Reduce_scatter_block, Reduce_scatter and
 * Reduce_local; the function must get the user's datatype handle. A
 * commutative operation on a non-contiguous resized vector type must leave
 * the holes alone; a struct (int, double) operation shows that mixed types
 * work; a large Allreduce goes through the rendezvous path and grows the
 * host's scratch memory, after which malloc must still work.
 * Op_create/Op_free/Op_commutative and their errors. */
#include "mtest.h"

#include <stddef.h>

static int rank, size;
static MPI_Datatype mat_t, vec_t, pair_t;
static int bad_dt = 0, calls = 0;

typedef struct { unsigned a, b, c, d; } mat;

static mat mmul(mat x, mat y) {
    mat r = {x.a * y.a + x.b * y.c, x.a * y.b + x.b * y.d, x.c * y.a + x.d * y.c, x.c * y.b + x.d * y.d};
    return r;
}

static int meq(mat x, mat y) { return x.a == y.a && x.b == y.b && x.c == y.c && x.d == y.d; }

/* inout = in * inout (matrix product: in is the lower rank's). */
static void matmul_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
    mat *x = in, *y = inout;
    calls++;
    if (*dt != mat_t) bad_dt++;
    for (int i = 0; i < *len; i++) y[i] = mmul(x[i], y[i]);
}

/* element i of rank r's input: distinct, non-commuting matrices */
static mat input(int r, int i) {
    mat m = {(unsigned)(r + 1), (unsigned)(i + 2), 1u, (unsigned)(r * 3 + i) % 5};
    return m;
}

static mat prodrange(int lo, int hi, int i) {
    mat acc = input(lo, i);
    for (int r = lo + 1; r <= hi; r++) acc = mmul(acc, input(r, i));
    return acc;
}

/* vec_t: ints 0, 2, 4 of every 6 (holes at 1, 3, 5) */
static void vecsum_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
    int *x = in, *y = inout;
    if (*dt != vec_t) bad_dt++;
    for (int i = 0; i < *len; i++)
        for (int j = 0; j < 6; j += 2) y[6 * i + j] += x[6 * i + j];
}

typedef struct { int n; double v; } pair;
static void pairmax_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
    pair *x = in, *y = inout;
    (void)dt;
    for (int i = 0; i < *len; i++) {
        y[i].n += x[i].n;
        if (x[i].v > y[i].v) y[i].v = x[i].v;
    }
}

static void isum_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
    int *x = in, *y = inout;
    (void)dt;
    for (int i = 0; i < *len; i++) y[i] += x[i];
}

static void test_noncommutative(void) {
    MPI_Op op;
    int commute = -1;
    CHECK(MPI_Op_create(matmul_op, 0, &op) == MPI_SUCCESS, "Op_create");
    MPI_Op_commutative(op, &commute);
    CHECK(commute == 0, "commute %d", commute);
    enum { N = 3 };
    mat send[N], recv[N];
    for (int i = 0; i < N; i++) send[i] = input(rank, i);

    for (int root = 0; root < size; root++) {
        memset(recv, 0, sizeof recv);
        int rc = MPI_Reduce(send, recv, N, mat_t, op, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "Reduce rc %d", rc);
        if (rank == root)
            for (int i = 0; i < N; i++) CHECK(meq(recv[i], prodrange(0, size - 1, i)), "Reduce root %d elem %d", root, i);
    }
    /* in place at the root */
    mat buf[N];
    for (int i = 0; i < N; i++) buf[i] = input(rank, i);
    if (rank == size - 1)
        MPI_Reduce(MPI_IN_PLACE, buf, N, mat_t, op, size - 1, MPI_COMM_WORLD);
    else
        MPI_Reduce(buf, NULL, N, mat_t, op, size - 1, MPI_COMM_WORLD);
    if (rank == size - 1)
        for (int i = 0; i < N; i++) CHECK(meq(buf[i], prodrange(0, size - 1, i)), "Reduce in place elem %d", i);

    memset(recv, 0, sizeof recv);
    MPI_Allreduce(send, recv, N, mat_t, op, MPI_COMM_WORLD);
    for (int i = 0; i < N; i++) CHECK(meq(recv[i], prodrange(0, size - 1, i)), "Allreduce elem %d", i);
    for (int i = 0; i < N; i++) buf[i] = input(rank, i);
    MPI_Allreduce(MPI_IN_PLACE, buf, N, mat_t, op, MPI_COMM_WORLD);
    for (int i = 0; i < N; i++) CHECK(meq(buf[i], prodrange(0, size - 1, i)), "Allreduce in place elem %d", i);

    MPI_Scan(send, recv, N, mat_t, op, MPI_COMM_WORLD);
    for (int i = 0; i < N; i++) CHECK(meq(recv[i], prodrange(0, rank, i)), "Scan elem %d", i);
    mat sentinel = {7, 7, 7, 7};
    for (int i = 0; i < N; i++) recv[i] = sentinel;
    MPI_Exscan(send, recv, N, mat_t, op, MPI_COMM_WORLD);
    for (int i = 0; i < N; i++)
        CHECK(rank == 0 ? meq(recv[i], sentinel) : meq(recv[i], prodrange(0, rank - 1, i)), "Exscan elem %d", i);

    /* Reduce_scatter_block: 2 matrices per rank */
    mat *big = malloc(sizeof(mat) * 2 * size), out2[2];
    for (int i = 0; i < 2 * size; i++) big[i] = input(rank, i);
    MPI_Reduce_scatter_block(big, out2, 2, mat_t, op, MPI_COMM_WORLD);
    for (int j = 0; j < 2; j++) CHECK(meq(out2[j], prodrange(0, size - 1, 2 * rank + j)), "Reduce_scatter_block %d", j);
    /* Reduce_scatter with counts r%3 (some zero) */
    int *counts = malloc(sizeof(int) * size), total = 0, off = 0;
    for (int r = 0; r < size; r++) {
        counts[r] = r % 3;
        if (r < rank) off += counts[r];
        total += counts[r];
    }
    mat *all = malloc(sizeof(mat) * (total + 1)), mine[3];
    for (int i = 0; i < total; i++) all[i] = input(rank, i);
    MPI_Reduce_scatter(all, mine, counts, mat_t, op, MPI_COMM_WORLD);
    for (int j = 0; j < counts[rank]; j++) CHECK(meq(mine[j], prodrange(0, size - 1, off + j)), "Reduce_scatter %d", j);
    /* in place */
    for (int i = 0; i < total; i++) all[i] = input(rank, i);
    MPI_Reduce_scatter(MPI_IN_PLACE, all, counts, mat_t, op, MPI_COMM_WORLD);
    for (int j = 0; j < counts[rank]; j++) CHECK(meq(all[j], prodrange(0, size - 1, off + j)), "Reduce_scatter in place %d", j);

    /* Reduce_local: inout = in op inout */
    mat a[N], b[N];
    for (int i = 0; i < N; i++) {
        a[i] = input(0, i);
        b[i] = input(1, i);
    }
    MPI_Reduce_local(a, b, N, mat_t, op);
    for (int i = 0; i < N; i++) CHECK(meq(b[i], mmul(input(0, i), input(1, i))), "Reduce_local %d", i);

    /* on MPI_COMM_SELF: the result is the own value, no call needed */
    MPI_Allreduce(send, recv, N, mat_t, op, MPI_COMM_SELF);
    for (int i = 0; i < N; i++) CHECK(meq(recv[i], send[i]), "Allreduce SELF %d", i);

    CHECK(bad_dt == 0, "the op got a wrong datatype %d times", bad_dt);
    CHECK(size == 1 || calls > 0, "the op was never called");
    free(big);
    free(counts);
    free(all);
    MPI_Op_free(&op);
    CHECK(op == MPI_OP_NULL, "Op_free did not reset the handle");
}

static void test_commutative_derived(void) {
    MPI_Op op;
    int commute = -1;
    MPI_Op_create(vecsum_op, 1, &op);
    MPI_Op_commutative(op, &commute);
    CHECK(commute == 1, "commute %d", commute);
    enum { N = 4 };
    int send[6 * N], recv[6 * N];
    for (int i = 0; i < 6 * N; i++) {
        send[i] = (i % 2) ? -1 : rank * 100 + i;
        recv[i] = -5;
    }
    MPI_Allreduce(send, recv, N, vec_t, op, MPI_COMM_WORLD);
    for (int i = 0; i < 6 * N; i++) {
        int want = (i % 2) ? -5 : 100 * size * (size - 1) / 2 + size * i;
        CHECK(recv[i] == want, "vector Allreduce [%d] = %d, want %d", i, recv[i], want);
    }
    MPI_Op_free(&op);

    pair ps[2], pr[2];
    for (int i = 0; i < 2; i++) {
        ps[i].n = rank + i;
        ps[i].v = (rank == size / 2) ? 10.5 + i : (double)rank / 4;
    }
    MPI_Op_create(pairmax_op, 1, &op);
    MPI_Reduce(ps, pr, 2, pair_t, op, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int i = 0; i < 2; i++) {
            CHECK(pr[i].n == size * (size - 1) / 2 + size * i, "pair n %d", pr[i].n);
            CHECK(pr[i].v == 10.5 + i, "pair v %g", pr[i].v);
        }
    MPI_Op_free(&op);
}

static void test_large(void) {
    enum { N = 100000 }; /* 400 KB: rendezvous messages, big scratch */
    int *s = malloc(N * sizeof(int)), *r = malloc(N * sizeof(int));
    for (int i = 0; i < N; i++) s[i] = i + rank;
    MPI_Op op;
    MPI_Op_create(isum_op, 0, &op);
    MPI_Allreduce(s, r, N, MPI_INT, op, MPI_COMM_WORLD);
    int bad = 0;
    for (int i = 0; i < N; i++)
        if (r[i] != size * i + size * (size - 1) / 2) bad++;
    CHECK(bad == 0, "large Allreduce: %d wrong", bad);
    MPI_Op_free(&op);
    /* malloc still works after the runtime grew memory */
    char *m = malloc(3 << 20);
    CHECK(m != NULL, "malloc after scratch growth");
    if (m) {
        memset(m, 0x5a, 3 << 20);
        CHECK(m[0] == 0x5a && m[(3 << 20) - 1] == 0x5a, "malloc'ed memory");
        free(m);
    }
    free(s);
    free(r);
}

static int bigcalls;
static void isum_c_op(void *in, void *inout, MPI_Count *len, MPI_Datatype *dt) {
    int *x = in, *y = inout;
    (void)dt;
    bigcalls++;
    for (MPI_Count i = 0; i < *len; i++) y[i] += x[i];
}

/* MPI_Op_create_c: the function gets an MPI_Count length */
static void test_create_c(void) {
    MPI_Op op;
    CHECK(MPI_Op_create_c(isum_c_op, 1, &op) == MPI_SUCCESS, "Op_create_c");
    int s[5], r[5];
    for (int i = 0; i < 5; i++) s[i] = rank * 10 + i;
    MPI_Allreduce(s, r, 5, MPI_INT, op, MPI_COMM_WORLD);
    for (int i = 0; i < 5; i++) CHECK(r[i] == 10 * size * (size - 1) / 2 + size * i, "Op_create_c [%d] = %d", i, r[i]);
    int a[3] = {1, 2, 3}, b[3] = {10, 20, 30};
    MPI_Reduce_local(a, b, 3, MPI_INT, op);
    CHECK(b[0] == 11 && b[1] == 22 && b[2] == 33, "Op_create_c Reduce_local %d %d %d", b[0], b[1], b[2]);
    CHECK(bigcalls > 0, "never called");
    MPI_Op_free(&op);
}

static void test_errors(void) {
    /* Op_free names no communicator: MPI_COMM_SELF's handler applies */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Op op = MPI_SUM;
    CHECK_CLASS(MPI_Op_free(&op), MPI_ERR_OP);
    int commute = -1;
    MPI_Op_commutative(MPI_SUM, &commute);
    CHECK(commute == 1, "MPI_SUM commutative %d", commute);
    MPI_Op_create(isum_op, 1, &op);
    MPI_Op dead = op;
    MPI_Op_free(&op);
    int x = 1, y = 0;
    CHECK_CLASS(MPI_Allreduce(&x, &y, 1, MPI_INT, dead, MPI_COMM_WORLD), MPI_ERR_OP);
    CHECK_CLASS(MPI_Op_free(&dead), MPI_ERR_OP);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Type_contiguous(4, MPI_UNSIGNED, &mat_t);
    MPI_Type_commit(&mat_t);
    MPI_Datatype v;
    MPI_Type_vector(3, 1, 2, MPI_INT, &v);
    MPI_Type_create_resized(v, 0, 6 * sizeof(int), &vec_t);
    MPI_Type_commit(&vec_t);
    MPI_Type_free(&v);
    int bl[2] = {1, 1};
    MPI_Aint disp[2] = {offsetof(pair, n), offsetof(pair, v)};
    MPI_Datatype ts[2] = {MPI_INT, MPI_DOUBLE};
    MPI_Datatype st;
    MPI_Type_create_struct(2, bl, disp, ts, &st);
    MPI_Type_create_resized(st, 0, sizeof(pair), &pair_t);
    MPI_Type_commit(&pair_t);
    MPI_Type_free(&st);

    test_noncommutative();
    test_commutative_derived();
    test_large();
    test_create_c();
    test_errors();

    MPI_Type_free(&mat_t);
    MPI_Type_free(&vec_t);
    MPI_Type_free(&pair_t);
    return mtest_finish();
}
