/* coll_reduce.c: exact results of the reductions and scans.
 *
 * Reduce (every root), Allreduce, Reduce_scatter, Reduce_scatter_block,
 * Scan, Exscan and Reduce_local with several ops, MPI_IN_PLACE wherever the
 * standard allows it, irregular Reduce_scatter counts with zeros, 1 MiB+
 * Allreduce/Reduce, unaligned buffers, and everything on MPI_COMM_SELF.
 * Runs under MPI_ERRORS_RETURN and checks every return code. */
#include "mtest.h"

#include <stdint.h>

static int rank, size;

#define SENTINEL (-7777777)
#define NOPS 6
static const char *opname[NOPS] = {"SUM", "MAX", "MIN", "PROD", "BXOR", "BOR"};
static MPI_Op opof(int k) {
    switch (k) {
    case 0: return MPI_SUM;
    case 1: return MPI_MAX;
    case 2: return MPI_MIN;
    case 3: return MPI_PROD;
    case 4: return MPI_BXOR;
    default: return MPI_BOR;
    }
}

/* in(k, r, i) is element i of rank r's input for op k. */
static int in(int k, int r, int i) {
    switch (k) {
    case 0: return r * 1000 + i * 3 - 7;
    case 1:
    case 2: return (r * 7 + i * 13) % 11 - 5; /* ties between ranks */
    case 3: {
        int m = (r + i) % 5;
        return m == 0 ? 2 : m == 1 ? -1 : 1;
    }
    default: return (int)(1u << ((r + i) % 31)) | (i & 7);
    }
}

static int apply(int k, int a, int b) {
    switch (k) {
    case 0: return a + b;
    case 1: return a > b ? a : b;
    case 2: return a < b ? a : b;
    case 3: return a * b;
    case 4: return a ^ b;
    default: return a | b;
    }
}

/* fold(k, i, lo, hi) combines in(k, r, i) for r = lo..hi. */
static int fold(int k, int i, int lo, int hi) {
    int acc = in(k, lo, i);
    for (int r = lo + 1; r <= hi; r++) acc = apply(k, acc, in(k, r, i));
    return acc;
}

static int *ialloc(size_t n) {
    int *p = malloc((n ? n : 1) * sizeof(int));
    if (!p) MPI_Abort(MPI_COMM_WORLD, 2);
    return p;
}

static void ifill(int *p, size_t n, int v) {
    for (size_t i = 0; i < n; i++) p[i] = v;
}

static void fill_in(int *p, int k, int r, int n) {
    for (int i = 0; i < n; i++) p[i] = in(k, r, i);
}

/* wrong counts the elements of p that differ from fold over lo..hi. */
static int wrong(const int *p, int k, int n, int lo, int hi) {
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (p[i] != fold(k, i, lo, hi)) bad++;
    return bad;
}

static void test_reduce(void) {
    const int n = 37;
    int s[37], r[38];
    for (int k = 0; k < NOPS; k++) {
        for (int root = 0; root < size; root++) {
            fill_in(s, k, rank, n);
            ifill(r, n + 1, SENTINEL);
            int rc = MPI_Reduce(s, rank == root ? r : NULL, n, MPI_INT, opof(k), root, MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Reduce rc %d", rc);
            if (rank == root) {
                CHECK(wrong(r, k, n, 0, size - 1) == 0, "Reduce %s root %d: %d wrong", opname[k], root,
                      wrong(r, k, n, 0, size - 1));
                CHECK(r[n] == SENTINEL, "Reduce wrote past the end");
            }
            CHECK(wrong(s, k, n, rank, rank) == 0, "Reduce changed the send buffer");

            /* In place at the root. */
            fill_in(r, k, rank, n);
            rc = MPI_Reduce(rank == root ? MPI_IN_PLACE : r, rank == root ? r : NULL, n, MPI_INT, opof(k), root,
                            MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Reduce in place rc %d", rc);
            if (rank == root)
                CHECK(wrong(r, k, n, 0, size - 1) == 0, "Reduce in place %s root %d: %d wrong", opname[k], root,
                      wrong(r, k, n, 0, size - 1));
            else
                CHECK(wrong(r, k, n, rank, rank) == 0, "Reduce changed a non-root's send buffer");
        }
    }
    /* Count 0 at every root. */
    for (int root = 0; root < size; root++) {
        int rc = MPI_Reduce(s, r, 0, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Reduce count 0 rc %d", rc);
    }
}

static void test_allreduce(void) {
    const int n = 101;
    int s[101], r[102];
    for (int k = 0; k < NOPS; k++) {
        fill_in(s, k, rank, n);
        ifill(r, n + 1, SENTINEL);
        int rc = MPI_Allreduce(s, r, n, MPI_INT, opof(k), MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Allreduce rc %d", rc);
        CHECK(wrong(r, k, n, 0, size - 1) == 0, "Allreduce %s: %d wrong", opname[k], wrong(r, k, n, 0, size - 1));
        CHECK(r[n] == SENTINEL, "Allreduce wrote past the end");
        CHECK(wrong(s, k, n, rank, rank) == 0, "Allreduce changed the send buffer");

        fill_in(r, k, rank, n);
        rc = MPI_Allreduce(MPI_IN_PLACE, r, n, MPI_INT, opof(k), MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Allreduce in place rc %d", rc);
        CHECK(wrong(r, k, n, 0, size - 1) == 0, "Allreduce in place %s: %d wrong", opname[k], wrong(r, k, n, 0, size - 1));
    }
    CHECK(MPI_Allreduce(s, r, 0, MPI_INT, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS, "Allreduce count 0");

    /* Large: 2.4 MB of doubles (integers, so the sums are exact) and 1.2 MB
     * of ints, plain and in place, and a large Reduce to the last rank. */
    const int nd = 300000;
    double *d = malloc(nd * sizeof(double)), *e = malloc(nd * sizeof(double));
    for (int i = 0; i < nd; i++) d[i] = (double)(rank + 1) * (i % 1000) - i;
    int rc = MPI_Allreduce(d, e, nd, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "large Allreduce rc %d", rc);
    double tri = (double)size * (size + 1) / 2;
    int bad = 0;
    for (int i = 0; i < nd; i++)
        if (e[i] != tri * (i % 1000) - (double)size * i) bad++;
    CHECK(bad == 0, "large double Allreduce: %d wrong", bad);
    rc = MPI_Allreduce(MPI_IN_PLACE, d, nd, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "large Allreduce in place rc %d", rc);
    bad = 0;
    for (int i = 0; i < nd; i++) {
        double want = (i % 1000) == 0 ? -(double)i : (double)size * (i % 1000) - i;
        if (d[i] != want) bad++;
    }
    CHECK(bad == 0, "large double Allreduce MAX in place: %d wrong", bad);
    for (int i = 0; i < nd; i++) {
        d[i] = (double)(rank + 1) * (i % 1000) - i;
        e[i] = -1;
    }
    rc = MPI_Reduce(d, e, nd, MPI_DOUBLE, MPI_SUM, size - 1, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "large Reduce rc %d", rc);
    if (rank == size - 1) {
        bad = 0;
        for (int i = 0; i < nd; i++)
            if (e[i] != tri * (i % 1000) - (double)size * i) bad++;
        CHECK(bad == 0, "large double Reduce: %d wrong", bad);
    }
    free(d);
    free(e);

    const int ni = 300000;
    int *a = ialloc(ni);
    for (int i = 0; i < ni; i++) a[i] = (i ^ rank) & 0xffff;
    rc = MPI_Allreduce(MPI_IN_PLACE, a, ni, MPI_INT, MPI_BXOR, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "large int Allreduce rc %d", rc);
    bad = 0;
    for (int i = 0; i < ni; i++) {
        int want = 0;
        for (int q = 0; q < size; q++) want ^= (i ^ q) & 0xffff;
        if (a[i] != want) bad++;
    }
    CHECK(bad == 0, "large int Allreduce BXOR: %d wrong", bad);
    free(a);
}

/* Reductions on buffers that are not aligned for their element type (the
 * host must not assume alignment). */
static void test_unaligned(void) {
    const int n = 1500;
    unsigned char *raw = malloc(n * 8 + 16), *raw2 = malloc(n * 8 + 16);
    unsigned char *p = raw + 1, *q = raw2 + 3;
    for (int i = 0; i < n; i++) {
        double v = (double)(rank + 1) * i + 0.5;
        memcpy(p + 8 * i, &v, 8);
    }
    int rc = MPI_Allreduce(p, q, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "unaligned Allreduce rc %d", rc);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double v;
        memcpy(&v, q + 8 * i, 8);
        if (v != (double)size * (size + 1) / 2 * i + 0.5 * size) bad++;
    }
    CHECK(bad == 0, "unaligned double Allreduce: %d wrong", bad);

    /* Reduce_local: in aligned, inout unaligned, and the reverse. */
    for (int i = 0; i < n; i++) {
        int a = i * 3 - rank, b = 1000 - i;
        memcpy(p + 4 * i, &a, 4);
        memcpy(q + 4 * i, &b, 4);
    }
    rc = MPI_Reduce_local(p, q, n, MPI_INT, MPI_MAX);
    CHECK(rc == MPI_SUCCESS, "unaligned Reduce_local rc %d", rc);
    bad = 0;
    for (int i = 0; i < n; i++) {
        int v, a = i * 3 - rank, b = 1000 - i;
        memcpy(&v, q + 4 * i, 4);
        if (v != (a > b ? a : b)) bad++;
    }
    CHECK(bad == 0, "unaligned int Reduce_local MAX: %d wrong", bad);
    free(raw);
    free(raw2);
}

static void test_reduce_scatter(void) {
    int *counts = ialloc(size);
    for (int salt = 0; salt < 3; salt++) {
        int total = 0, before = 0;
        for (int r = 0; r < size; r++) {
            counts[r] = (r * 5 + salt) % 4; /* zeros included */
            if (r < rank) before += counts[r];
            total += counts[r];
        }
        int *s = ialloc(total), *r = ialloc(total + 1);
        for (int k = 0; k < NOPS; k++) {
            fill_in(s, k, rank, total);
            ifill(r, total + 1, SENTINEL);
            int rc = MPI_Reduce_scatter(s, r, counts, MPI_INT, opof(k), MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Reduce_scatter rc %d", rc);
            int bad = 0;
            for (int i = 0; i < counts[rank]; i++)
                if (r[i] != fold(k, before + i, 0, size - 1)) bad++;
            CHECK(bad == 0, "Reduce_scatter %s salt %d: %d wrong", opname[k], salt, bad);
            CHECK(r[counts[rank]] == SENTINEL, "Reduce_scatter wrote past this rank's block");

            /* In place: the whole vector in recvbuf, the block at its start. */
            fill_in(r, k, rank, total);
            rc = MPI_Reduce_scatter(MPI_IN_PLACE, r, counts, MPI_INT, opof(k), MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Reduce_scatter in place rc %d", rc);
            bad = 0;
            for (int i = 0; i < counts[rank]; i++)
                if (r[i] != fold(k, before + i, 0, size - 1)) bad++;
            CHECK(bad == 0, "Reduce_scatter in place %s salt %d: %d wrong", opname[k], salt, bad);
        }
        free(s);
        free(r);
    }
    free(counts);

    for (int cnt = 0; cnt <= 5; cnt += 5) {
        int total = cnt * size;
        int *s = ialloc(total), *r = ialloc(total + 1);
        for (int k = 0; k < NOPS; k++) {
            fill_in(s, k, rank, total);
            ifill(r, total + 1, SENTINEL);
            int rc = MPI_Reduce_scatter_block(s, r, cnt, MPI_INT, opof(k), MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Reduce_scatter_block rc %d", rc);
            int bad = 0;
            for (int i = 0; i < cnt; i++)
                if (r[i] != fold(k, rank * cnt + i, 0, size - 1)) bad++;
            CHECK(bad == 0, "Reduce_scatter_block %s count %d: %d wrong", opname[k], cnt, bad);
            CHECK(r[cnt] == SENTINEL, "Reduce_scatter_block wrote past the block");

            fill_in(r, k, rank, total);
            rc = MPI_Reduce_scatter_block(MPI_IN_PLACE, r, cnt, MPI_INT, opof(k), MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Reduce_scatter_block in place rc %d", rc);
            bad = 0;
            for (int i = 0; i < cnt; i++)
                if (r[i] != fold(k, rank * cnt + i, 0, size - 1)) bad++;
            CHECK(bad == 0, "Reduce_scatter_block in place %s count %d: %d wrong", opname[k], cnt, bad);
        }
        free(s);
        free(r);
    }
}

static void test_scan(void) {
    const int n = 23;
    int s[23], r[24];
    for (int k = 0; k < NOPS; k++) {
        fill_in(s, k, rank, n);
        ifill(r, n + 1, SENTINEL);
        int rc = MPI_Scan(s, r, n, MPI_INT, opof(k), MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Scan rc %d", rc);
        CHECK(wrong(r, k, n, 0, rank) == 0, "Scan %s: %d wrong", opname[k], wrong(r, k, n, 0, rank));
        CHECK(r[n] == SENTINEL, "Scan wrote past the end");

        fill_in(r, k, rank, n);
        rc = MPI_Scan(MPI_IN_PLACE, r, n, MPI_INT, opof(k), MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Scan in place rc %d", rc);
        CHECK(wrong(r, k, n, 0, rank) == 0, "Scan in place %s: %d wrong", opname[k], wrong(r, k, n, 0, rank));

        /* Exscan: rank 0's recvbuf is undefined by the standard: not checked. */
        ifill(r, n + 1, SENTINEL);
        rc = MPI_Exscan(s, r, n, MPI_INT, opof(k), MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Exscan rc %d", rc);
        if (rank > 0)
            CHECK(wrong(r, k, n, 0, rank - 1) == 0, "Exscan %s: %d wrong", opname[k], wrong(r, k, n, 0, rank - 1));
        CHECK(r[n] == SENTINEL, "Exscan wrote past the end");
        CHECK(wrong(s, k, n, rank, rank) == 0, "Exscan changed the send buffer");

        fill_in(r, k, rank, n);
        rc = MPI_Exscan(MPI_IN_PLACE, r, n, MPI_INT, opof(k), MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Exscan in place rc %d", rc);
        if (rank > 0)
            CHECK(wrong(r, k, n, 0, rank - 1) == 0, "Exscan in place %s: %d wrong", opname[k], wrong(r, k, n, 0, rank - 1));
    }
    /* MINLOC/MAXLOC prefixes: values tie, the index falls with the rank,
     * so the smaller index (the later rank) wins a tie. */
    for (int loc = 0; loc < 2; loc++) {
        MPI_Op op = loc ? MPI_MAXLOC : MPI_MINLOC;
        struct { int v, k; } p = {rank % 3, size - rank}, q = {-9, -9}, w;
        for (int ex = 0; ex < 2; ex++) {
            q.v = q.k = -9;
            int rc = ex ? MPI_Exscan(&p, &q, 1, MPI_2INT, op, MPI_COMM_WORLD) : MPI_Scan(&p, &q, 1, MPI_2INT, op, MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "%s %s rc %d", ex ? "Exscan" : "Scan", loc ? "MAXLOC" : "MINLOC", rc);
            int hi = ex ? rank - 1 : rank;
            if (hi < 0) continue;
            w.v = 0;
            w.k = size;
            for (int r = 0; r <= hi; r++) {
                int v = r % 3, k = size - r;
                if (r == 0 || (loc ? v > w.v : v < w.v)) {
                    w.v = v;
                    w.k = k;
                } else if (v == w.v && k < w.k) {
                    w.k = k;
                }
            }
            CHECK(q.v == w.v && q.k == w.k, "%s %s: got (%d,%d) want (%d,%d)", ex ? "Exscan" : "Scan", loc ? "MAXLOC" : "MINLOC",
                  q.v, q.k, w.v, w.k);
        }
    }
    /* Scan and Exscan of doubles: strictly left to right, exact values. */
    double ds = (double)(rank + 1) * 0.25, dr = -1;
    int rc = MPI_Scan(&ds, &dr, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && dr == (rank + 1) * (rank + 2) / 2 * 0.25, "double Scan: %g", dr);
    dr = -1;
    rc = MPI_Exscan(&ds, &dr, 1, MPI_DOUBLE, MPI_PROD, MPI_COMM_WORLD);
    double want = 1;
    for (int q = 0; q < rank; q++) want *= (q + 1) * 0.25;
    CHECK(rc == MPI_SUCCESS && (rank == 0 || dr == want), "double Exscan PROD: %g want %g", dr, want);
}

static void test_reduce_local(void) {
    const int n = 19;
    int a[19], b[19];
    for (int k = 0; k < NOPS; k++) {
        for (int i = 0; i < n; i++) {
            a[i] = in(k, rank, i);
            b[i] = in(k, rank + 3, i);
        }
        int rc = MPI_Reduce_local(a, b, n, MPI_INT, opof(k));
        CHECK(rc == MPI_SUCCESS, "MPI_Reduce_local rc %d", rc);
        int bad = 0;
        for (int i = 0; i < n; i++)
            if (b[i] != apply(k, in(k, rank, i), in(k, rank + 3, i)) || a[i] != in(k, rank, i)) bad++;
        CHECK(bad == 0, "Reduce_local %s: %d wrong", opname[k], bad);
    }
    CHECK(MPI_Reduce_local(a, b, 0, MPI_INT, MPI_SUM) == MPI_SUCCESS, "Reduce_local count 0");
    /* inout = in op inout: the order of the operands shows with MINLOC
     * ties only, where the smaller index wins whichever side it is on. */
    struct { double v; int k; } p[2] = {{1.5, 7}, {2.5, 1}}, q[2] = {{1.5, 3}, {2.5, 9}};
    CHECK(MPI_Reduce_local(p, q, 2, MPI_DOUBLE_INT, MPI_MINLOC) == MPI_SUCCESS && q[0].k == 3 && q[1].k == 1 &&
              q[0].v == 1.5 && q[1].v == 2.5,
          "Reduce_local MINLOC ties: (%g,%d) (%g,%d)", q[0].v, q[0].k, q[1].v, q[1].k);
    double x[3] = {1.5, -2, 8}, y[3] = {0.25, 4, -8};
    CHECK(MPI_Reduce_local(x, y, 3, MPI_DOUBLE, MPI_PROD) == MPI_SUCCESS && y[0] == 0.375 && y[1] == -8 && y[2] == -64,
          "Reduce_local double PROD %g %g %g", y[0], y[1], y[2]);
}

static void test_self(void) {
    MPI_Comm self = MPI_COMM_SELF;
    int s[3] = {rank + 1, -4, 9}, r[4];
    int rc;
    ifill(r, 4, SENTINEL);
    rc = MPI_Reduce(s, r, 3, MPI_INT, MPI_SUM, 0, self);
    CHECK(rc == MPI_SUCCESS && r[0] == rank + 1 && r[1] == -4 && r[2] == 9 && r[3] == SENTINEL, "self Reduce rc %d", rc);
    rc = MPI_Reduce(MPI_IN_PLACE, r, 3, MPI_INT, MPI_MAX, 0, self);
    CHECK(rc == MPI_SUCCESS && r[0] == rank + 1 && r[2] == 9, "self Reduce in place rc %d", rc);
    ifill(r, 4, SENTINEL);
    rc = MPI_Allreduce(s, r, 3, MPI_INT, MPI_PROD, self);
    CHECK(rc == MPI_SUCCESS && r[0] == rank + 1 && r[1] == -4 && r[3] == SENTINEL, "self Allreduce rc %d", rc);
    rc = MPI_Allreduce(MPI_IN_PLACE, r, 3, MPI_INT, MPI_MIN, self);
    CHECK(rc == MPI_SUCCESS && r[1] == -4, "self Allreduce in place rc %d", rc);
    ifill(r, 4, SENTINEL);
    int c2 = 2;
    rc = MPI_Reduce_scatter(s, r, &c2, MPI_INT, MPI_SUM, self);
    CHECK(rc == MPI_SUCCESS && r[0] == rank + 1 && r[1] == -4 && r[2] == SENTINEL, "self Reduce_scatter rc %d", rc);
    r[0] = 5;
    r[1] = 6;
    rc = MPI_Reduce_scatter(MPI_IN_PLACE, r, &c2, MPI_INT, MPI_SUM, self);
    CHECK(rc == MPI_SUCCESS && r[0] == 5 && r[1] == 6, "self Reduce_scatter in place rc %d", rc);
    ifill(r, 4, SENTINEL);
    rc = MPI_Reduce_scatter_block(s, r, 3, MPI_INT, MPI_BOR, self);
    CHECK(rc == MPI_SUCCESS && r[2] == 9 && r[3] == SENTINEL, "self Reduce_scatter_block rc %d", rc);
    rc = MPI_Reduce_scatter_block(MPI_IN_PLACE, r, 3, MPI_INT, MPI_BOR, self);
    CHECK(rc == MPI_SUCCESS && r[2] == 9, "self Reduce_scatter_block in place rc %d", rc);
    ifill(r, 4, SENTINEL);
    rc = MPI_Scan(s, r, 3, MPI_INT, MPI_SUM, self);
    CHECK(rc == MPI_SUCCESS && r[0] == rank + 1 && r[2] == 9 && r[3] == SENTINEL, "self Scan rc %d", rc);
    rc = MPI_Scan(MPI_IN_PLACE, r, 3, MPI_INT, MPI_SUM, self);
    CHECK(rc == MPI_SUCCESS && r[0] == rank + 1 && r[2] == 9, "self Scan in place rc %d", rc);
    ifill(r, 4, SENTINEL);
    rc = MPI_Exscan(s, r, 3, MPI_INT, MPI_SUM, self);
    CHECK(rc == MPI_SUCCESS, "self Exscan rc %d", rc);
    rc = MPI_Exscan(MPI_IN_PLACE, r, 3, MPI_INT, MPI_SUM, self);
    CHECK(rc == MPI_SUCCESS, "self Exscan in place rc %d", rc);
    CHECK(r[3] == SENTINEL, "self Exscan wrote past the end");
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    test_reduce();
    test_allreduce();
    test_unaligned();
    test_reduce_scatter();
    test_scan();
    test_reduce_local();
    test_self();
    return mtest_finish();
}
