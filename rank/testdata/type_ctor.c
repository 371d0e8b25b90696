/* type_ctor.c: derived datatype constructors and queries on one rank's
 * view: exact size / lb / extent / true lb / true extent of every
 * constructor (wasm32 sizes), the exact layout of subarrays and darrays
 * (checked through MPI_Pack of an array of indexes, for every rank of the
 * process grid), envelope and contents for every combiner, dup, names,
 * addresses, MPI_Type_match_size, MPI_Type_get_value_index, and the error
 * classes under MPI_ERRORS_RETURN. Runs with any number of ranks (each
 * checks the same things). */
#include "mtest.h"

#include <stddef.h>
#include <stdint.h>

#define GARBAGE_TYPE ((MPI_Datatype)0x8fff)

#define EXPECT(call, cls)                                                                  \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        int c_ = -1;                                                                       \
        MPI_Error_class(rc_, &c_);                                                         \
        CHECK(c_ == (cls), "%s returned class %d, want %s (%d)", #call, c_, #cls, (cls)); \
    } while (0)

static void check_bounds(MPI_Datatype t, const char *name, int size, long lb, long extent, long tlb, long textent) {
    int s = -1;
    MPI_Aint a = -1, b = -1;
    MPI_Count cs = -1, ca = -1, cb = -1;
    CHECK(MPI_Type_size(t, &s) == MPI_SUCCESS && s == size, "%s: size %d, want %d", name, s, size);
    MPI_Type_size_x(t, &cs);
    CHECK(cs == size, "%s: size_x %lld, want %d", name, (long long)cs, size);
    MPI_Type_get_extent(t, &a, &b);
    CHECK(a == lb && b == extent, "%s: lb %ld extent %ld, want %ld %ld", name, (long)a, (long)b, lb, extent);
    MPI_Type_get_extent_x(t, &ca, &cb);
    CHECK(ca == lb && cb == extent, "%s: extent_x %lld %lld", name, (long long)ca, (long long)cb);
    MPI_Type_get_true_extent(t, &a, &b);
    CHECK(a == tlb && b == textent, "%s: true lb %ld true extent %ld, want %ld %ld", name, (long)a, (long)b, tlb,
          textent);
    MPI_Type_get_true_extent_x(t, &ca, &cb);
    CHECK(ca == tlb && cb == textent, "%s: true extent_x %lld %lld", name, (long long)ca, (long long)cb);
}

/* envelope checks the envelope of t and fetches its contents. */
static void envelope(MPI_Datatype t, const char *name, int ni, int na, int nd, int comb, int *ints, MPI_Aint *addrs,
                     MPI_Datatype *types) {
    int gi = -1, ga = -1, gd = -1, gc = -1;
    int rc = MPI_Type_get_envelope(t, &gi, &ga, &gd, &gc);
    CHECK(rc == MPI_SUCCESS && gi == ni && ga == na && gd == nd && gc == comb,
          "%s: envelope %d %d %d combiner %d, want %d %d %d %d", name, gi, ga, gd, gc, ni, na, nd, comb);
    if (comb != MPI_COMBINER_NAMED && gi == ni && ga == na && gd == nd) {
        rc = MPI_Type_get_contents(t, ni, na, nd, ints, addrs, types);
        CHECK(rc == MPI_SUCCESS, "%s: get_contents rc %d", name, rc);
    }
}

static int ints_eq(const int *a, const int *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static void constructors(void) {
    MPI_Datatype t;
    int ints[64];
    MPI_Aint addrs[16];
    MPI_Datatype types[8];

    /* predefined */
    check_bounds(MPI_INT, "MPI_INT", 4, 0, 4, 0, 4);
    check_bounds(MPI_LONG, "MPI_LONG", 4, 0, 4, 0, 4);
    check_bounds(MPI_LONG_DOUBLE, "MPI_LONG_DOUBLE", 16, 0, 16, 0, 16);
    envelope(MPI_INT, "MPI_INT", 0, 0, 0, MPI_COMBINER_NAMED, ints, addrs, types);

    /* contiguous */
    MPI_Type_contiguous(3, MPI_INT, &t);
    check_bounds(t, "contiguous(3, int)", 12, 0, 12, 0, 12);
    envelope(t, "contiguous", 1, 0, 1, MPI_COMBINER_CONTIGUOUS, ints, addrs, types);
    CHECK(ints[0] == 3 && types[0] == MPI_INT, "contiguous contents %d %p", ints[0], (void *)types[0]);
    MPI_Type_free(&t);
    CHECK(t == MPI_DATATYPE_NULL, "Type_free did not set MPI_DATATYPE_NULL");

    /* vector */
    MPI_Type_vector(3, 2, 4, MPI_INT, &t);
    check_bounds(t, "vector(3,2,4,int)", 24, 0, 40, 0, 40);
    envelope(t, "vector", 3, 0, 1, MPI_COMBINER_VECTOR, ints, addrs, types);
    CHECK(ints[0] == 3 && ints[1] == 2 && ints[2] == 4 && types[0] == MPI_INT, "vector contents");
    MPI_Type_free(&t);
    MPI_Type_vector(3, 1, -2, MPI_INT, &t);
    check_bounds(t, "vector(3,1,-2,int)", 12, -16, 20, -16, 20);
    MPI_Type_free(&t);
    MPI_Type_vector(0, 2, 4, MPI_INT, &t);
    check_bounds(t, "vector(0,...)", 0, 0, 0, 0, 0);
    MPI_Type_free(&t);

    /* hvector */
    MPI_Type_create_hvector(3, 2, 20, MPI_INT, &t);
    check_bounds(t, "hvector(3,2,20B,int)", 24, 0, 48, 0, 48);
    envelope(t, "hvector", 2, 1, 1, MPI_COMBINER_HVECTOR, ints, addrs, types);
    CHECK(ints[0] == 3 && ints[1] == 2 && addrs[0] == 20 && types[0] == MPI_INT, "hvector contents");
    MPI_Type_free(&t);

    /* indexed */
    int bl[3] = {2, 1, 3}, di[3] = {4, 0, 10};
    MPI_Type_indexed(3, bl, di, MPI_INT, &t);
    check_bounds(t, "indexed", 24, 0, 52, 0, 52);
    envelope(t, "indexed", 7, 0, 1, MPI_COMBINER_INDEXED, ints, addrs, types);
    {
        int want[7] = {3, 2, 1, 3, 4, 0, 10};
        CHECK(ints_eq(ints, want, 7) && types[0] == MPI_INT, "indexed contents");
    }
    MPI_Type_free(&t);

    /* hindexed */
    int hbl[2] = {1, 2};
    MPI_Aint hd[2] = {-4, 10};
    MPI_Type_create_hindexed(2, hbl, hd, MPI_DOUBLE, &t);
    check_bounds(t, "hindexed", 24, -4, 30, -4, 30);
    envelope(t, "hindexed", 3, 2, 1, MPI_COMBINER_HINDEXED, ints, addrs, types);
    CHECK(ints[0] == 2 && ints[1] == 1 && ints[2] == 2 && addrs[0] == -4 && addrs[1] == 10 && types[0] == MPI_DOUBLE,
          "hindexed contents");
    MPI_Type_free(&t);

    /* indexed_block */
    int ib[3] = {1, 5, 3};
    MPI_Type_create_indexed_block(3, 2, ib, MPI_SHORT, &t);
    check_bounds(t, "indexed_block", 12, 2, 12, 2, 12);
    envelope(t, "indexed_block", 5, 0, 1, MPI_COMBINER_INDEXED_BLOCK, ints, addrs, types);
    {
        int want[5] = {3, 2, 1, 5, 3};
        CHECK(ints_eq(ints, want, 5) && types[0] == MPI_SHORT, "indexed_block contents");
    }
    MPI_Type_free(&t);

    /* hindexed_block */
    MPI_Aint hb[2] = {0, 100};
    MPI_Type_create_hindexed_block(2, 3, hb, MPI_CHAR, &t);
    check_bounds(t, "hindexed_block", 6, 0, 103, 0, 103);
    envelope(t, "hindexed_block", 2, 2, 1, MPI_COMBINER_HINDEXED_BLOCK, ints, addrs, types);
    CHECK(ints[0] == 2 && ints[1] == 3 && addrs[0] == 0 && addrs[1] == 100 && types[0] == MPI_CHAR,
          "hindexed_block contents");
    MPI_Type_free(&t);

    /* struct with padding: the extent is the C sizeof */
    struct s1 {
        char c;
        double d;
        int i;
    };
    int sbl[3] = {1, 1, 1};
    MPI_Aint sd[3] = {offsetof(struct s1, c), offsetof(struct s1, d), offsetof(struct s1, i)};
    MPI_Datatype st[3] = {MPI_CHAR, MPI_DOUBLE, MPI_INT};
    MPI_Type_create_struct(3, sbl, sd, st, &t);
    check_bounds(t, "struct{char,double,int}", 13, 0, (long)sizeof(struct s1), 0, 20);
    CHECK(sizeof(struct s1) == 24, "sizeof struct s1 = %zu", sizeof(struct s1));
    envelope(t, "struct", 4, 3, 3, MPI_COMBINER_STRUCT, ints, addrs, types);
    CHECK(ints[0] == 3 && ints[1] == 1 && ints[2] == 1 && ints[3] == 1 && addrs[0] == 0 && addrs[1] == 8 &&
              addrs[2] == 16 && types[0] == MPI_CHAR && types[1] == MPI_DOUBLE && types[2] == MPI_INT,
          "struct contents");
    MPI_Type_free(&t);
    struct s2 {
        int a;
        char b;
    };
    MPI_Aint sd2[2] = {0, 4};
    MPI_Datatype st2[2] = {MPI_INT, MPI_CHAR};
    MPI_Type_create_struct(2, sbl, sd2, st2, &t);
    check_bounds(t, "struct{int,char}", 5, 0, (long)sizeof(struct s2), 0, 5);
    MPI_Type_free(&t);

    /* resized */
    MPI_Type_create_resized(MPI_INT, -4, 16, &t);
    check_bounds(t, "resized(int,-4,16)", 4, -4, 16, 0, 4);
    envelope(t, "resized", 0, 2, 1, MPI_COMBINER_RESIZED, ints, addrs, types);
    CHECK(addrs[0] == -4 && addrs[1] == 16 && types[0] == MPI_INT, "resized contents");
    {
        /* copies of a resized type sit one extent apart */
        MPI_Datatype t2;
        MPI_Type_contiguous(2, t, &t2);
        check_bounds(t2, "contiguous(2, resized)", 8, -4, 32, 0, 20);
        MPI_Type_free(&t2);
    }
    MPI_Type_free(&t);

    /* subarray, C and Fortran order */
    int sizes[2] = {4, 5}, subsizes[2] = {2, 3}, starts[2] = {1, 2};
    MPI_Type_create_subarray(2, sizes, subsizes, starts, MPI_ORDER_C, MPI_INT, &t);
    check_bounds(t, "subarray C", 24, 0, 80, 28, 32);
    envelope(t, "subarray", 8, 0, 1, MPI_COMBINER_SUBARRAY, ints, addrs, types);
    {
        int want[8] = {2, 4, 5, 2, 3, 1, 2, MPI_ORDER_C};
        CHECK(ints_eq(ints, want, 8) && types[0] == MPI_INT, "subarray contents");
    }
    MPI_Type_free(&t);
    MPI_Type_create_subarray(2, sizes, subsizes, starts, MPI_ORDER_FORTRAN, MPI_INT, &t);
    check_bounds(t, "subarray Fortran", 24, 0, 80, 36, 40);
    MPI_Type_free(&t);

    /* darray: 1-D block over 4 processes, gsize 10: blocks of 3, 3, 3, 1 */
    for (int r = 0; r < 4; r++) {
        int g = 10, d = MPI_DISTRIBUTE_BLOCK, a = MPI_DISTRIBUTE_DFLT_DARG, p = 4;
        MPI_Type_create_darray(4, r, 1, &g, &d, &a, &p, MPI_ORDER_C, MPI_INT, &t);
        int n = r < 3 ? 3 : 1;
        char name[32];
        snprintf(name, sizeof name, "darray block rank %d", r);
        check_bounds(t, name, 4 * n, 0, 40, 12 * r, 4 * n);
        if (r == 1) {
            envelope(t, "darray", 8, 0, 1, MPI_COMBINER_DARRAY, ints, addrs, types);
            int want[8] = {4, 1, 1, 10, MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_DFLT_DARG, 4, MPI_ORDER_C};
            CHECK(ints_eq(ints, want, 8) && types[0] == MPI_INT, "darray contents");
        }
        MPI_Type_free(&t);
    }

    /* dup */
    MPI_Type_vector(2, 1, 3, MPI_DOUBLE, &t);
    MPI_Datatype dup;
    MPI_Type_dup(t, &dup);
    check_bounds(dup, "dup(vector)", 16, 0, 32, 0, 32);
    envelope(dup, "dup", 0, 0, 1, MPI_COMBINER_DUP, ints, addrs, types);
    CHECK(types[0] != MPI_DATATYPE_NULL && types[0] != t, "dup contents: a new handle for the derived type");
    envelope(types[0], "dup contents[0]", 3, 0, 1, MPI_COMBINER_VECTOR, ints, addrs, types + 1);
    CHECK(ints[0] == 2 && ints[1] == 1 && ints[2] == 3 && types[1] == MPI_DOUBLE, "contents of the returned vector");
    MPI_Type_free(&types[0]);
    MPI_Type_free(&dup);
    MPI_Type_free(&t);

    /* A struct of derived types: contents hand out new handles. */
    {
        MPI_Datatype v, c3, s;
        MPI_Type_vector(2, 1, 2, MPI_INT, &v);
        MPI_Type_contiguous(3, MPI_CHAR, &c3);
        int b2[2] = {2, 1};
        MPI_Aint d2[2] = {0, 40};
        MPI_Datatype t2[2] = {v, c3};
        MPI_Type_create_struct(2, b2, d2, t2, &s);
        MPI_Type_free(&v); /* s keeps working */
        MPI_Type_free(&c3);
        /* v: size 8, extent 12; two of them: 0..24; c3 at 40..43; alignment 4 -> 44 */
        check_bounds(s, "struct{2 x vector, contiguous(3,char)}", 19, 0, 44, 0, 43);
        envelope(s, "struct of derived", 3, 2, 2, MPI_COMBINER_STRUCT, ints, addrs, types);
        check_bounds(types[0], "contents vector", 8, 0, 12, 0, 12);
        check_bounds(types[1], "contents contiguous", 3, 0, 3, 0, 3);
        MPI_Type_free(&types[0]);
        MPI_Type_free(&types[1]);
        MPI_Type_free(&s);
    }

    /* value_index */
    MPI_Type_get_value_index(MPI_DOUBLE, MPI_INT, &t);
    CHECK(t == MPI_DOUBLE_INT, "value_index(double, int) is MPI_DOUBLE_INT");
    MPI_Type_get_value_index(MPI_FLOAT, MPI_SHORT, &t);
    envelope(t, "value_index(float, short)", 0, 0, 2, MPI_COMBINER_VALUE_INDEX, ints, addrs, types);
    check_bounds(t, "value_index(float, short)", 6, 0, 8, 0, 6);
    MPI_Type_free(&t);

    /* match_size */
    MPI_Type_match_size(MPI_TYPECLASS_REAL, 8, &t);
    CHECK(t == MPI_DOUBLE, "match_size(real, 8)");
    MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 4, &t);
    CHECK(t == MPI_INT32_T, "match_size(integer, 4)");
}

/* pack_layout packs one element of t out of an int array holding its
 * indexes and returns the number of ints packed. */
static int pack_layout(MPI_Datatype t, int *out, int max) {
    static int global[512];
    for (int i = 0; i < 512; i++) global[i] = i;
    int size;
    MPI_Type_size(t, &size);
    if (size / 4 > max) return -1;
    int pos = 0;
    MPI_Pack(global, 1, t, out, max * 4, &pos, MPI_COMM_WORLD);
    return pos / 4;
}

/* darray_owner is the process coordinate that owns index i of a dimension
 * of gsize elements over psize processes. */
static int darray_owner(int distrib, int darg, int gsize, int psize, int i) {
    if (distrib == MPI_DISTRIBUTE_NONE) return 0;
    if (darg == MPI_DISTRIBUTE_DFLT_DARG) darg = distrib == MPI_DISTRIBUTE_BLOCK ? (gsize + psize - 1) / psize : 1;
    return (i / darg) % psize;
}

static void layouts(void) {
    int got[512];
    MPI_Datatype t;
    /* 3-D subarray in both orders */
    int sizes[3] = {3, 4, 5}, sub[3] = {2, 2, 3}, st[3] = {1, 1, 2};
    for (int o = 0; o < 2; o++) {
        int order = o ? MPI_ORDER_FORTRAN : MPI_ORDER_C;
        MPI_Type_create_subarray(3, sizes, sub, st, order, MPI_INT, &t);
        MPI_Type_commit(&t);
        int n = pack_layout(t, got, 512), k = 0, ok = n == 12;
        if (!o) {
            for (int i = 1; i < 3; i++)
                for (int j = 1; j < 3; j++)
                    for (int l = 2; l < 5; l++) ok &= k < n && got[k++] == (i * 4 + j) * 5 + l;
        } else {
            for (int l = 2; l < 5; l++)
                for (int j = 1; j < 3; j++)
                    for (int i = 1; i < 3; i++) ok &= k < n && got[k++] == i + 3 * (j + 4 * l);
        }
        CHECK(ok, "3-D subarray order %d: wrong layout", order);
        MPI_Type_free(&t);
    }

    /* darray block-cyclic: 2-D {9, 10}, dims cyclic(2) x block(DFLT) over
     * a 2x3 grid, and cyclic(DFLT) x cyclic(3) over 3x2, both orders; every
     * rank of the grid, exact element order, all elements covered once. */
    struct {
        int g[2], d[2], a[2], p[2];
    } cases[] = {
        {{9, 10}, {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK}, {2, MPI_DISTRIBUTE_DFLT_DARG}, {2, 3}},
        {{9, 10}, {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_CYCLIC}, {MPI_DISTRIBUTE_DFLT_DARG, 3}, {3, 2}},
        {{7, 6}, {MPI_DISTRIBUTE_NONE, MPI_DISTRIBUTE_BLOCK}, {MPI_DISTRIBUTE_DFLT_DARG, 2}, {1, 3}},
    };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int o = 0; o < 2; o++) {
            int order = o ? MPI_ORDER_FORTRAN : MPI_ORDER_C;
            int nprocs = cases[c].p[0] * cases[c].p[1], covered = 0;
            for (int r = 0; r < nprocs; r++) {
                int rc = MPI_Type_create_darray(nprocs, r, 2, cases[c].g, cases[c].d, cases[c].a, cases[c].p, order,
                                                MPI_INT, &t);
                CHECK(rc == MPI_SUCCESS, "darray case %u rc %d", c, rc);
                MPI_Type_commit(&t);
                MPI_Aint lb, ext;
                MPI_Type_get_extent(t, &lb, &ext);
                CHECK(lb == 0 && ext == 4 * cases[c].g[0] * cases[c].g[1], "darray extent %ld", (long)ext);
                int n = pack_layout(t, got, 512), k = 0, ok = 1;
                int c0 = r / cases[c].p[1], c1 = r % cases[c].p[1]; /* row-major grid */
                int G0 = cases[c].g[0], G1 = cases[c].g[1];
                /* array order: C has index 1 fastest, Fortran index 0 */
                for (int outer = 0; outer < (o ? G1 : G0); outer++)
                    for (int inner = 0; inner < (o ? G0 : G1); inner++) {
                        int i0 = o ? inner : outer, i1 = o ? outer : inner;
                        if (darray_owner(cases[c].d[0], cases[c].a[0], G0, cases[c].p[0], i0) != c0) continue;
                        if (darray_owner(cases[c].d[1], cases[c].a[1], G1, cases[c].p[1], i1) != c1) continue;
                        int lin = o ? i0 + G0 * i1 : i0 * G1 + i1;
                        ok &= k < n && got[k] == lin;
                        k++;
                    }
                CHECK(ok && k == n, "darray case %u order %d rank %d: wrong layout (%d elements, want %d)", c, order, r,
                      n, k);
                covered += n;
                MPI_Type_free(&t);
            }
            CHECK(covered == cases[c].g[0] * cases[c].g[1], "darray case %u: %d elements covered", c, covered);
        }
    }
}

static void names_and_addresses(void) {
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Type_get_name(MPI_INT, name, &len);
    CHECK(strcmp(name, "MPI_INT") == 0 && len == 7, "name of MPI_INT: %s (%d)", name, len);
    MPI_Type_get_name(MPI_DOUBLE_INT, name, &len);
    CHECK(strcmp(name, "MPI_DOUBLE_INT") == 0, "name of MPI_DOUBLE_INT: %s", name);
    MPI_Datatype t;
    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Type_get_name(t, name, &len);
    CHECK(len == 0 && name[0] == 0, "unnamed derived type: '%s' (%d)", name, len);
    MPI_Type_set_name(t, "pair of ints");
    MPI_Type_get_name(t, name, &len);
    CHECK(strcmp(name, "pair of ints") == 0 && len == 12, "derived name: %s", name);
    MPI_Type_free(&t);
    MPI_Type_set_name(MPI_FLOAT, "single");
    MPI_Type_get_name(MPI_FLOAT, name, &len);
    CHECK(strcmp(name, "single") == 0, "renamed MPI_FLOAT: %s", name);

    int arr[4];
    MPI_Aint a0 = 0, a2 = 0;
    MPI_Get_address(&arr[0], &a0);
    MPI_Get_address(&arr[2], &a2);
    CHECK(a0 == (MPI_Aint)(intptr_t)&arr[0], "Get_address %ld", (long)a0);
    CHECK(MPI_Aint_diff(a2, a0) == 8, "Aint_diff %ld", (long)MPI_Aint_diff(a2, a0));
    CHECK(MPI_Aint_add(a0, 8) == a2, "Aint_add");
    CHECK(MPI_Aint_add(a0, -4) == a0 - 4, "Aint_add negative");
    MPI_Aint bottom = -1;
    MPI_Get_address(MPI_BOTTOM, &bottom);
    CHECK(bottom == 0, "address of MPI_BOTTOM %ld", (long)bottom);
}

static void errors(int rank) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Datatype t = MPI_DATATYPE_NULL, p = MPI_INT;
    int buf[64] = {0};
    int bl[2] = {1, 1}, di[2] = {0, 1};
    MPI_Aint ad[2] = {0, 4};
    MPI_Status st;

    /* uncommitted type in communication */
    MPI_Type_contiguous(2, MPI_INT, &t);
    EXPECT(MPI_Send(buf, 1, t, rank, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    EXPECT(MPI_Recv(buf, 1, t, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_TYPE);
    EXPECT(MPI_Bcast(buf, 1, t, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    int pos = 0;
    EXPECT(MPI_Pack(buf, 1, t, buf + 32, 64, &pos, MPI_COMM_WORLD), MPI_ERR_TYPE);
    MPI_Type_commit(&t);
    MPI_Type_commit(&t); /* twice is fine */
    MPI_Type_free(&t);
    /* a freed handle is invalid */
    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Datatype stale = t;
    MPI_Type_free(&t);
    EXPECT(MPI_Type_commit(&stale), MPI_ERR_TYPE);
    int s;
    EXPECT(MPI_Type_size(stale, &s), MPI_ERR_TYPE);
    EXPECT(MPI_Type_free(&stale), MPI_ERR_TYPE);

    /* predefined types cannot be freed */
    EXPECT(MPI_Type_free(&p), MPI_ERR_TYPE);
    CHECK(p == MPI_INT, "a failed free changed the handle");
    t = MPI_DATATYPE_NULL;
    EXPECT(MPI_Type_free(&t), MPI_ERR_TYPE);

    /* negative counts */
    EXPECT(MPI_Type_contiguous(-1, MPI_INT, &t), MPI_ERR_COUNT);
    EXPECT(MPI_Type_vector(-1, 1, 1, MPI_INT, &t), MPI_ERR_COUNT);
    EXPECT(MPI_Type_create_hvector(-2, 1, 1, MPI_INT, &t), MPI_ERR_COUNT);
    EXPECT(MPI_Type_indexed(-1, bl, di, MPI_INT, &t), MPI_ERR_COUNT);
    EXPECT(MPI_Type_create_hindexed(-1, bl, ad, MPI_INT, &t), MPI_ERR_COUNT);
    EXPECT(MPI_Type_create_indexed_block(-1, 1, di, MPI_INT, &t), MPI_ERR_COUNT);
    EXPECT(MPI_Type_create_struct(-1, bl, ad, &p, &t), MPI_ERR_COUNT);
    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Type_commit(&t);
    EXPECT(MPI_Send(buf, -1, t, rank, 0, MPI_COMM_WORLD), MPI_ERR_COUNT);
    MPI_Type_free(&t);
    /* negative block lengths */
    int nbl[2] = {1, -1};
    EXPECT(MPI_Type_indexed(2, nbl, di, MPI_INT, &t), MPI_ERR_ARG);
    EXPECT(MPI_Type_vector(2, -1, 1, MPI_INT, &t), MPI_ERR_ARG);

    /* bad old types */
    EXPECT(MPI_Type_contiguous(2, MPI_DATATYPE_NULL, &t), MPI_ERR_TYPE);
    EXPECT(MPI_Type_contiguous(2, GARBAGE_TYPE, &t), MPI_ERR_TYPE);
    EXPECT(MPI_Type_contiguous(2, (MPI_Datatype)MPI_COMM_WORLD, &t), MPI_ERR_TYPE);
    MPI_Datatype bad[2] = {MPI_INT, GARBAGE_TYPE};
    EXPECT(MPI_Type_create_struct(2, bl, ad, bad, &t), MPI_ERR_TYPE);
    EXPECT(MPI_Type_get_extent(GARBAGE_TYPE, ad, ad + 1), MPI_ERR_TYPE);
    EXPECT(MPI_Type_dup(MPI_DATATYPE_NULL, &t), MPI_ERR_TYPE);
    /* contents of a predefined type */
    int ii[4];
    MPI_Aint aa[4];
    MPI_Datatype tt[4];
    EXPECT(MPI_Type_get_contents(MPI_INT, 4, 4, 4, ii, aa, tt), MPI_ERR_TYPE);
    /* contents with too little room */
    MPI_Type_vector(2, 1, 2, MPI_INT, &t);
    EXPECT(MPI_Type_get_contents(t, 2, 0, 1, ii, aa, tt), MPI_ERR_ARG);
    MPI_Type_free(&t);
    /* NULL newtype */
    EXPECT(MPI_Type_contiguous(2, MPI_INT, NULL), MPI_ERR_ARG);

    /* bad subarray / darray arguments */
    int sz[2] = {4, 4}, sub[2] = {5, 1}, stt[2] = {0, 0};
    EXPECT(MPI_Type_create_subarray(2, sz, sub, stt, MPI_ORDER_C, MPI_INT, &t), MPI_ERR_ARG);
    sub[0] = 2;
    stt[0] = 3;
    EXPECT(MPI_Type_create_subarray(2, sz, sub, stt, MPI_ORDER_C, MPI_INT, &t), MPI_ERR_ARG);
    stt[0] = 0;
    EXPECT(MPI_Type_create_subarray(2, sz, sub, stt, 99, MPI_INT, &t), MPI_ERR_ARG);
    EXPECT(MPI_Type_create_subarray(0, sz, sub, stt, MPI_ORDER_C, MPI_INT, &t), MPI_ERR_ARG);
    int g = 10, d = MPI_DISTRIBUTE_BLOCK, a = 2, ps = 4;
    EXPECT(MPI_Type_create_darray(4, 0, 1, &g, &d, &a, &ps, MPI_ORDER_C, MPI_INT, &t), MPI_ERR_ARG);
    a = MPI_DISTRIBUTE_DFLT_DARG;
    EXPECT(MPI_Type_create_darray(3, 0, 1, &g, &d, &a, &ps, MPI_ORDER_C, MPI_INT, &t), MPI_ERR_ARG);
    EXPECT(MPI_Type_create_darray(4, 4, 1, &g, &d, &a, &ps, MPI_ORDER_C, MPI_INT, &t), MPI_ERR_ARG);

    /* a type whose extent walks outside guest memory */
    MPI_Type_create_hvector(2, 1, 0x7fff0000, MPI_INT, &t);
    MPI_Type_commit(&t);
    EXPECT(MPI_Send(buf, 1, t, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Recv(buf, 1, t, rank, 0, MPI_COMM_WORLD, &st), MPI_ERR_BUFFER);
    MPI_Type_free(&t);
    MPI_Aint far[2] = {0, -0x40000000};
    MPI_Type_create_hindexed(2, bl, far, MPI_INT, &t);
    MPI_Type_commit(&t);
    EXPECT(MPI_Send(buf, 1, t, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    EXPECT(MPI_Allreduce(buf, buf + 8, 1, t, MPI_SUM, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    MPI_Type_free(&t);
    /* a type too large for any memory */
    MPI_Datatype big, bigger;
    MPI_Type_contiguous(1 << 30, MPI_INT, &big);
    MPI_Type_contiguous(1 << 20, big, &bigger);
    MPI_Type_commit(&bigger);
    EXPECT(MPI_Send(buf, 1, bigger, rank, 0, MPI_COMM_WORLD), MPI_ERR_COUNT);
    MPI_Aint lb, ext;
    MPI_Type_get_extent(bigger, &lb, &ext);
    CHECK(ext == MPI_UNDEFINED, "extent of a 4 PiB type in an MPI_Aint: %ld", (long)ext);
    MPI_Count clb, cext;
    MPI_Type_get_extent_x(bigger, &clb, &cext);
    CHECK(clb == 0 && cext == (MPI_Count)1 << 52, "extent_x %lld", (long long)cext);
    MPI_Type_size(bigger, &s);
    CHECK(s == MPI_UNDEFINED, "size of a 4 PiB type: %d", s);
    /* and one too large to describe at all */
    MPI_Datatype huge = MPI_DATATYPE_NULL;
    EXPECT(MPI_Type_contiguous(1 << 30, bigger, &huge), MPI_ERR_ARG);
    CHECK(huge == MPI_DATATYPE_NULL, "a failed constructor wrote a handle");
    MPI_Type_free(&big);
    MPI_Type_free(&bigger);

    /* nesting too deep (the intermediate handles are freed as we go) */
    {
        MPI_Datatype cur = MPI_INT, nt;
        int rc = MPI_SUCCESS, depth = 0;
        while (depth < 5000) {
            rc = MPI_Type_contiguous(1, cur, &nt);
            if (rc != MPI_SUCCESS) break;
            if (cur != MPI_INT) MPI_Type_free(&cur);
            cur = nt;
            depth++;
        }
        int cls = -1;
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG && depth == 1000, "nesting: class %d after %d levels", cls, depth);
        MPI_Type_commit(&cur);
        int one = 5, got = 0;
        MPI_Sendrecv(&one, 1, cur, rank, 0, &got, 1, MPI_INT, rank, 0, MPI_COMM_WORLD, &st);
        CHECK(got == 5, "a 1000-deep type works: %d", got);
        MPI_Type_free(&cur);
    }

    /* reduction over a mixed struct: MPI_ERR_OP */
    MPI_Datatype mixed;
    MPI_Datatype mt[2] = {MPI_INT, MPI_DOUBLE};
    MPI_Aint md[2] = {0, 8};
    MPI_Type_create_struct(2, bl, md, mt, &mixed);
    MPI_Type_commit(&mixed);
    EXPECT(MPI_Allreduce(buf, buf + 8, 1, mixed, MPI_SUM, MPI_COMM_WORLD), MPI_ERR_OP);
    EXPECT(MPI_Reduce_local(buf, buf + 8, 1, mixed, MPI_SUM), MPI_ERR_OP);
    MPI_Type_free(&mixed);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    constructors();
    layouts();
    names_and_addresses();
    errors(rank);
    return mtest_finish();
}
