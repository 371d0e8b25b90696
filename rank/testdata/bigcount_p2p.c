/* Large-count (_c) point-to-point, datatype and packing functions: every
 * one gives the same results as its int form, MPI_Count results are 64-bit,
 * and counts a wasm32 rank cannot address fail with MPI_ERR_COUNT. Ranks
 * talk in a ring, so any number of ranks works. */
#include "mtest.h"
#include <stdint.h>

#define N 64
#define BIG ((MPI_Count)1 << 31) /* 2^31: one more than an int holds */

static int me, np, next, prev;

static void fill(int *b, int n, int seed) {
    for (int i = 0; i < n; i++) b[i] = seed * 1000 + i;
}

static int same(const int *b, int n, int seed) {
    for (int i = 0; i < n; i++)
        if (b[i] != seed * 1000 + i) return 0;
    return 1;
}

static void test_p2p(void) {
    int sb[N], rb[N];
    MPI_Status st;
    MPI_Count cnt = -1;
    fill(sb, N, me);

    /* blocking sends in every mode, each matched by MPI_Recv_c */
    for (int mode = 0; mode < 4; mode++) {
        MPI_Request rr;
        memset(rb, 0, sizeof rb);
        MPI_Irecv_c(rb, (MPI_Count)N, MPI_INT, prev, 10 + mode, MPI_COMM_WORLD, &rr);
        MPI_Barrier(MPI_COMM_WORLD); /* every receive posted: Rsend is legal */
        int rc = MPI_SUCCESS;
        if (mode == 0) rc = MPI_Send_c(sb, (MPI_Count)N, MPI_INT, next, 10, MPI_COMM_WORLD);
        if (mode == 1) rc = MPI_Ssend_c(sb, (MPI_Count)N, MPI_INT, next, 11, MPI_COMM_WORLD);
        if (mode == 2) rc = MPI_Rsend_c(sb, (MPI_Count)N, MPI_INT, next, 12, MPI_COMM_WORLD);
        if (mode == 3) {
            static char bbuf[N * sizeof(int) + MPI_BSEND_OVERHEAD];
            void *addr = NULL;
            MPI_Count size = 0;
            MPI_Buffer_attach_c(bbuf, (MPI_Count)sizeof bbuf);
            rc = MPI_Bsend_c(sb, (MPI_Count)N, MPI_INT, next, 13, MPI_COMM_WORLD);
            MPI_Wait(&rr, &st);
            MPI_Buffer_detach_c(&addr, &size);
            CHECK(addr == (void *)bbuf && size == (MPI_Count)sizeof bbuf, "detach %p %lld", addr, (long long)size);
        } else {
            MPI_Wait(&rr, &st);
        }
        CHECK(rc == MPI_SUCCESS, "mode %d rc %d", mode, rc);
        CHECK(same(rb, N, prev), "mode %d data", mode);
        MPI_Get_count_c(&st, MPI_INT, &cnt);
        CHECK(cnt == N, "mode %d count %lld", mode, (long long)cnt);
        MPI_Get_elements_c(&st, MPI_INT, &cnt);
        CHECK(cnt == N, "mode %d elements %lld", mode, (long long)cnt);
        MPI_Get_count_c(&st, MPI_DOUBLE, &cnt);
        CHECK(cnt == N / 2, "count in doubles %lld", (long long)cnt);
    }

    /* nonblocking sends in every mode, received by MPI_Recv_c */
    static char ibuf[N * sizeof(int) + MPI_BSEND_OVERHEAD];
    MPI_Buffer_attach(ibuf, sizeof ibuf);
    for (int mode = 0; mode < 4; mode++) {
        MPI_Request rr, sr;
        memset(rb, 0, sizeof rb);
        MPI_Irecv(rb, N, MPI_INT, prev, 20 + mode, MPI_COMM_WORLD, &rr);
        MPI_Barrier(MPI_COMM_WORLD);
        if (mode == 0) MPI_Isend_c(sb, (MPI_Count)N, MPI_INT, next, 20, MPI_COMM_WORLD, &sr);
        if (mode == 1) MPI_Issend_c(sb, (MPI_Count)N, MPI_INT, next, 21, MPI_COMM_WORLD, &sr);
        if (mode == 2) MPI_Irsend_c(sb, (MPI_Count)N, MPI_INT, next, 22, MPI_COMM_WORLD, &sr);
        if (mode == 3) MPI_Ibsend_c(sb, (MPI_Count)N, MPI_INT, next, 23, MPI_COMM_WORLD, &sr);
        MPI_Wait(&sr, MPI_STATUS_IGNORE);
        MPI_Wait(&rr, &st);
        CHECK(same(rb, N, prev), "nonblocking mode %d data", mode);
    }
    {
        MPI_Request sr;
        memset(rb, 0, sizeof rb);
        MPI_Isend(sb, N, MPI_INT, next, 30, MPI_COMM_WORLD, &sr);
        MPI_Recv_c(rb, (MPI_Count)N, MPI_INT, prev, 30, MPI_COMM_WORLD, &st);
        MPI_Wait(&sr, MPI_STATUS_IGNORE);
        CHECK(same(rb, N, prev) && st.MPI_SOURCE == prev && st.MPI_TAG == 30, "Recv_c");
    }

    /* persistent requests, started twice */
    {
        MPI_Request r[2];
        int modes = 4;
        for (int mode = 0; mode < modes; mode++) {
            if (mode == 0) MPI_Send_init_c(sb, (MPI_Count)N, MPI_INT, next, 40, MPI_COMM_WORLD, &r[0]);
            if (mode == 1) MPI_Ssend_init_c(sb, (MPI_Count)N, MPI_INT, next, 40, MPI_COMM_WORLD, &r[0]);
            if (mode == 2) MPI_Rsend_init_c(sb, (MPI_Count)N, MPI_INT, next, 40, MPI_COMM_WORLD, &r[0]);
            if (mode == 3) MPI_Bsend_init_c(sb, (MPI_Count)N, MPI_INT, next, 40, MPI_COMM_WORLD, &r[0]);
            MPI_Recv_init_c(rb, (MPI_Count)N, MPI_INT, prev, 40, MPI_COMM_WORLD, &r[1]);
            for (int round = 0; round < 2; round++) {
                memset(rb, 0, sizeof rb);
                MPI_Start(&r[1]);
                MPI_Barrier(MPI_COMM_WORLD);
                MPI_Start(&r[0]);
                MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
                CHECK(same(rb, N, prev), "persistent mode %d round %d", mode, round);
            }
            MPI_Request_free(&r[0]);
            MPI_Request_free(&r[1]);
        }
    }
    {
        void *a;
        int s;
        MPI_Buffer_detach(&a, &s);
    }

    /* Sendrecv_c and Sendrecv_replace_c */
    memset(rb, 0, sizeof rb);
    MPI_Sendrecv_c(sb, (MPI_Count)N, MPI_INT, next, 50, rb, (MPI_Count)N, MPI_INT, prev, 50, MPI_COMM_WORLD, &st);
    CHECK(same(rb, N, prev), "Sendrecv_c");
    {
        int buf[N];
        fill(buf, N, me);
        MPI_Sendrecv_replace_c(buf, (MPI_Count)N, MPI_INT, next, 51, prev, 51, MPI_COMM_WORLD, &st);
        CHECK(same(buf, N, prev), "Sendrecv_replace_c");
    }

    /* matched probes */
    {
        MPI_Message msg;
        MPI_Request sr, rr;
        MPI_Isend(sb, N, MPI_INT, next, 60, MPI_COMM_WORLD, &sr);
        MPI_Mprobe(prev, 60, MPI_COMM_WORLD, &msg, &st);
        memset(rb, 0, sizeof rb);
        MPI_Mrecv_c(rb, (MPI_Count)N, MPI_INT, &msg, &st);
        CHECK(same(rb, N, prev), "Mrecv_c");
        MPI_Wait(&sr, MPI_STATUS_IGNORE);
        MPI_Isend(sb, N, MPI_INT, next, 61, MPI_COMM_WORLD, &sr);
        MPI_Mprobe(prev, 61, MPI_COMM_WORLD, &msg, &st);
        memset(rb, 0, sizeof rb);
        MPI_Imrecv_c(rb, (MPI_Count)N, MPI_INT, &msg, &rr);
        MPI_Wait(&rr, &st);
        CHECK(same(rb, N, prev), "Imrecv_c");
        MPI_Wait(&sr, MPI_STATUS_IGNORE);
    }

    /* a strided type built with the _c constructor travels like the int one */
    {
        MPI_Datatype v;
        int src[2 * N], dst[2 * N];
        fill(src, 2 * N, me);
        for (int i = 0; i < 2 * N; i++) dst[i] = -1;
        MPI_Type_vector_c(N, 1, 2, MPI_INT, &v);
        MPI_Type_commit(&v);
        MPI_Sendrecv_c(src, 1, v, next, 70, dst, 1, v, prev, 70, MPI_COMM_WORLD, &st);
        int ok = 1;
        for (int i = 0; i < 2 * N; i++) ok &= dst[i] == (i % 2 ? -1 : prev * 1000 + i);
        CHECK(ok, "vector_c data");
        MPI_Get_elements_c(&st, v, &cnt);
        CHECK(cnt == N, "vector_c elements %lld", (long long)cnt);
        MPI_Get_count_c(&st, v, &cnt);
        CHECK(cnt == 1, "vector_c count %lld", (long long)cnt);
        MPI_Type_free(&v);
    }
}

/* equal_types commits and compares two datatypes by size, extents and the packed bytes of one
 * element taken from the same buffer. */
static int equal_types(MPI_Datatype a, MPI_Datatype b) {
    MPI_Type_commit(&a);
    MPI_Type_commit(&b);
    MPI_Count sa, sb, lba, lbb, ea, eb, tla, tlb, tea, teb;
    MPI_Type_size_c(a, &sa);
    MPI_Type_size_c(b, &sb);
    MPI_Type_get_extent_c(a, &lba, &ea);
    MPI_Type_get_extent_c(b, &lbb, &eb);
    MPI_Type_get_true_extent_c(a, &tla, &tea);
    MPI_Type_get_true_extent_c(b, &tlb, &teb);
    if (sa != sb || lba != lbb || ea != eb || tla != tlb || tea != teb) {
        printf("size %lld/%lld lb %lld/%lld extent %lld/%lld true %lld,%lld/%lld,%lld\n", (long long)sa,
               (long long)sb, (long long)lba, (long long)lbb, (long long)ea, (long long)eb, (long long)tla,
               (long long)tea, (long long)tlb, (long long)teb);
        return 0;
    }
    static int data[4096];
    static char pa[16384], pb[16384];
    for (int i = 0; i < 4096; i++) data[i] = i * 7 + 1;
    MPI_Count pos = 0;
    int ipos = 0;
    MPI_Pack_c(data + 1024, 1, a, pa, (MPI_Count)sizeof pa, &pos, MPI_COMM_WORLD);
    MPI_Pack(data + 1024, 1, b, pb, sizeof pb, &ipos, MPI_COMM_WORLD);
    return pos == sa && ipos == sb && memcmp(pa, pb, (size_t)sa) == 0;
}

static void test_types(void) {
    MPI_Datatype a, b;
    MPI_Count counts[3] = {2, 1, 3};
    int icounts[3] = {2, 1, 3};
    MPI_Count displs[3] = {0, 5, 9};
    int idispls[3] = {0, 5, 9};
    MPI_Aint adispls[3] = {0, 20, 36};
    MPI_Count cdispls[3] = {0, 20, 36};

    MPI_Type_contiguous_c(5, MPI_INT, &a);
    MPI_Type_contiguous(5, MPI_INT, &b);
    CHECK(equal_types(a, b), "contiguous_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_vector_c(3, 2, 4, MPI_INT, &a);
    MPI_Type_vector(3, 2, 4, MPI_INT, &b);
    CHECK(equal_types(a, b), "vector_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_hvector_c(3, 2, 20, MPI_INT, &a);
    MPI_Type_create_hvector(3, 2, 20, MPI_INT, &b);
    CHECK(equal_types(a, b), "hvector_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_indexed_c(3, counts, displs, MPI_INT, &a);
    MPI_Type_indexed(3, icounts, idispls, MPI_INT, &b);
    CHECK(equal_types(a, b), "indexed_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_hindexed_c(3, counts, cdispls, MPI_INT, &a);
    MPI_Type_create_hindexed(3, icounts, adispls, MPI_INT, &b);
    CHECK(equal_types(a, b), "hindexed_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_indexed_block_c(3, 2, displs, MPI_INT, &a);
    MPI_Type_create_indexed_block(3, 2, idispls, MPI_INT, &b);
    CHECK(equal_types(a, b), "indexed_block_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_hindexed_block_c(3, 2, cdispls, MPI_INT, &a);
    MPI_Type_create_hindexed_block(3, 2, adispls, MPI_INT, &b);
    CHECK(equal_types(a, b), "hindexed_block_c");
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    {
        MPI_Datatype ts[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
        MPI_Count sd[3] = {0, 8, 40};
        MPI_Aint sad[3] = {0, 8, 40};
        MPI_Type_create_struct_c(3, counts, sd, ts, &a);
        MPI_Type_create_struct(3, icounts, sad, ts, &b);
        CHECK(equal_types(a, b), "struct_c");
        MPI_Type_free(&a);
        MPI_Type_free(&b);
    }
    {
        MPI_Count sz[2] = {8, 6}, sub[2] = {3, 2}, st[2] = {4, 1};
        int isz[2] = {8, 6}, isub[2] = {3, 2}, ist[2] = {4, 1};
        MPI_Type_create_subarray_c(2, sz, sub, st, MPI_ORDER_C, MPI_INT, &a);
        MPI_Type_create_subarray(2, isz, isub, ist, MPI_ORDER_C, MPI_INT, &b);
        CHECK(equal_types(a, b), "subarray_c");
        MPI_Type_free(&a);
        MPI_Type_free(&b);
    }
    {
        MPI_Count gs[2] = {10, 9};
        int igs[2] = {10, 9}, dist[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC};
        int dargs[2] = {MPI_DISTRIBUTE_DFLT_DARG, 2}, ps[2] = {2, 2};
        MPI_Type_create_darray_c(4, 3, 2, gs, dist, dargs, ps, MPI_ORDER_C, MPI_INT, &a);
        MPI_Type_create_darray(4, 3, 2, igs, dist, dargs, ps, MPI_ORDER_C, MPI_INT, &b);
        CHECK(equal_types(a, b), "darray_c");
        MPI_Type_free(&a);
        MPI_Type_free(&b);
    }
    MPI_Type_create_resized_c(MPI_INT, -4, 12, &a);
    MPI_Type_create_resized(MPI_INT, -4, 12, &b);
    CHECK(equal_types(a, b), "resized_c");
    {
        MPI_Count lb, ext;
        MPI_Type_get_extent_c(a, &lb, &ext);
        CHECK(lb == -4 && ext == 12, "resized_c extent %lld %lld", (long long)lb, (long long)ext);
    }
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    /* a size that only MPI_Count can say: 2^31 bytes */
    {
        MPI_Datatype big;
        MPI_Count size = 0;
        int isize = 0;
        MPI_Type_contiguous(1 << 30, MPI_SHORT, &big);
        MPI_Type_size_c(big, &size);
        MPI_Type_size(big, &isize);
        CHECK(size == BIG, "Type_size_c %lld", (long long)size);
        CHECK(isize == MPI_UNDEFINED, "Type_size %d", isize);
        MPI_Count lb, ext;
        MPI_Type_get_extent_c(big, &lb, &ext);
        CHECK(lb == 0 && ext == BIG, "extent_c %lld", (long long)ext);
        MPI_Aint alb, aext;
        MPI_Type_get_extent(big, &alb, &aext);
        CHECK(aext == MPI_UNDEFINED, "extent %ld", (long)aext);
        MPI_Type_get_true_extent_c(big, &lb, &ext);
        CHECK(lb == 0 && ext == BIG, "true_extent_c %lld", (long long)ext);
        MPI_Pack_size_c(1, big, MPI_COMM_WORLD, &size);
        CHECK(size == BIG, "Pack_size_c %lld", (long long)size);
        MPI_Pack_external_size_c("external32", 1, big, &size);
        CHECK(size == BIG, "Pack_external_size_c %lld", (long long)size);
        MPI_Type_free(&big);
    }
}

/* decoding: types from the _c constructors report large counts */
static void test_decode(void) {
    MPI_Datatype t, ts[4];
    MPI_Count ni, na, nl, nd, large[16];
    int comb, ints[16];
    MPI_Aint addrs[16];
    int rc;

    MPI_Type_vector_c(3, 2, 4, MPI_INT, &t);
    MPI_Type_get_envelope_c(t, &ni, &na, &nl, &nd, &comb);
    CHECK(ni == 0 && na == 0 && nl == 3 && nd == 1 && comb == MPI_COMBINER_VECTOR, "vector_c envelope %lld %lld %lld %lld %d",
          (long long)ni, (long long)na, (long long)nl, (long long)nd, comb);
    MPI_Type_get_contents_c(t, 16, 16, 16, 4, ints, addrs, large, ts);
    CHECK(large[0] == 3 && large[1] == 2 && large[2] == 4 && ts[0] == MPI_INT, "vector_c contents");
    /* the int forms cannot report large counts */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int ini, ina, ind;
    rc = MPI_Type_get_envelope(t, &ini, &ina, &ind, &comb);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Type_get_contents(t, 16, 16, 4, ints, addrs, ts);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Type_get_contents_c(t, 16, 16, 2, 4, ints, addrs, large, ts);
    CHECK_CLASS(rc, MPI_ERR_ARG);
    MPI_Type_free(&t);

    /* an int constructor decodes with no large counts */
    MPI_Type_create_hvector(3, 2, 40, MPI_INT, &t);
    MPI_Type_get_envelope_c(t, &ni, &na, &nl, &nd, &comb);
    CHECK(ni == 2 && na == 1 && nl == 0 && nd == 1 && comb == MPI_COMBINER_HVECTOR, "hvector envelope_c");
    MPI_Type_get_contents_c(t, 2, 1, 0, 1, ints, addrs, large, ts);
    CHECK(ints[0] == 3 && ints[1] == 2 && addrs[0] == 40 && ts[0] == MPI_INT, "hvector contents_c");
    MPI_Type_free(&t);

    {
        MPI_Count bl[2] = {1, 2}, d[2] = {8, 24};
        MPI_Datatype st[2] = {MPI_DOUBLE, MPI_CHAR};
        MPI_Type_create_struct_c(2, bl, d, st, &t);
        MPI_Type_get_envelope_c(t, &ni, &na, &nl, &nd, &comb);
        CHECK(ni == 0 && na == 0 && nl == 5 && nd == 2 && comb == MPI_COMBINER_STRUCT, "struct_c envelope");
        MPI_Type_get_contents_c(t, 0, 0, 5, 2, ints, addrs, large, ts);
        CHECK(large[0] == 2 && large[1] == 1 && large[2] == 2 && large[3] == 8 && large[4] == 24 && ts[0] == MPI_DOUBLE &&
                  ts[1] == MPI_CHAR,
              "struct_c contents");
        MPI_Type_free(&t);
    }
    {
        MPI_Count sz[2] = {8, 6}, sub[2] = {3, 2}, s0[2] = {4, 1};
        MPI_Type_create_subarray_c(2, sz, sub, s0, MPI_ORDER_FORTRAN, MPI_INT, &t);
        MPI_Type_get_envelope_c(t, &ni, &na, &nl, &nd, &comb);
        CHECK(ni == 2 && na == 0 && nl == 6 && nd == 1 && comb == MPI_COMBINER_SUBARRAY, "subarray_c envelope");
        MPI_Type_get_contents_c(t, 2, 0, 6, 1, ints, addrs, large, ts);
        CHECK(ints[0] == 2 && ints[1] == MPI_ORDER_FORTRAN && large[0] == 8 && large[1] == 6 && large[2] == 3 &&
                  large[3] == 2 && large[4] == 4 && large[5] == 1,
              "subarray_c contents");
        MPI_Type_free(&t);
    }
    {
        MPI_Count gs[2] = {10, 9};
        int dist[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC}, dargs[2] = {MPI_DISTRIBUTE_DFLT_DARG, 2};
        int ps[2] = {2, 2};
        MPI_Type_create_darray_c(4, 3, 2, gs, dist, dargs, ps, MPI_ORDER_C, MPI_INT, &t);
        MPI_Type_get_envelope_c(t, &ni, &na, &nl, &nd, &comb);
        CHECK(ni == 10 && na == 0 && nl == 2 && nd == 1 && comb == MPI_COMBINER_DARRAY, "darray_c envelope %lld %lld",
              (long long)ni, (long long)nl);
        MPI_Type_get_contents_c(t, 10, 0, 2, 1, ints, addrs, large, ts);
        CHECK(ints[0] == 4 && ints[1] == 3 && ints[2] == 2 && ints[3] == MPI_DISTRIBUTE_BLOCK &&
                  ints[5] == MPI_DISTRIBUTE_DFLT_DARG && ints[6] == 2 && ints[7] == 2 && ints[9] == MPI_ORDER_C &&
                  large[0] == 10 && large[1] == 9,
              "darray_c contents");
        MPI_Type_free(&t);
    }
    MPI_Type_create_resized_c(MPI_INT, -4, 12, &t);
    MPI_Type_get_contents_c(t, 0, 0, 2, 1, ints, addrs, large, ts);
    CHECK(large[0] == -4 && large[1] == 12, "resized_c contents");
    MPI_Type_free(&t);
    MPI_Type_get_envelope_c(MPI_INT, &ni, &na, &nl, &nd, &comb);
    CHECK(comb == MPI_COMBINER_NAMED && ni == 0 && nl == 0, "named envelope_c");
    rc = MPI_Type_get_contents_c(MPI_INT, 0, 0, 0, 0, ints, addrs, large, ts);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
}

static void test_pack(void) {
    int in[N], out[N];
    char buf[4 * N + 16];
    MPI_Count pos = 0, size = 0;
    fill(in, N, 7);
    MPI_Pack_size_c(N, MPI_INT, MPI_COMM_WORLD, &size);
    CHECK(size == 4 * N, "Pack_size_c %lld", (long long)size);
    MPI_Pack_c(in, N / 2, MPI_INT, buf, (MPI_Count)sizeof buf, &pos, MPI_COMM_WORLD);
    MPI_Pack_c(in + N / 2, N / 2, MPI_INT, buf, (MPI_Count)sizeof buf, &pos, MPI_COMM_WORLD);
    CHECK(pos == 4 * N, "Pack_c position %lld", (long long)pos);
    pos = 0;
    memset(out, 0, sizeof out);
    MPI_Unpack_c(buf, (MPI_Count)sizeof buf, &pos, out, N, MPI_INT, MPI_COMM_WORLD);
    CHECK(pos == 4 * N && same(out, N, 7), "Unpack_c %lld", (long long)pos);

    /* external32 is big-endian */
    MPI_Pack_external_size_c("external32", N, MPI_INT, &size);
    CHECK(size == 4 * N, "Pack_external_size_c %lld", (long long)size);
    pos = 0;
    MPI_Pack_external_c("external32", in, N, MPI_INT, buf, (MPI_Count)sizeof buf, &pos);
    CHECK(pos == 4 * N, "Pack_external_c %lld", (long long)pos);
    CHECK((unsigned char)buf[2] == (7000 >> 8) && (unsigned char)buf[3] == (7000 & 255), "big-endian %d %d",
          (unsigned char)buf[2], (unsigned char)buf[3]);
    pos = 0;
    memset(out, 0, sizeof out);
    MPI_Unpack_external_c("external32", buf, (MPI_Count)sizeof buf, &pos, out, N, MPI_INT);
    CHECK(pos == 4 * N && same(out, N, 7), "Unpack_external_c");
    /* the position is 64-bit: a value above 2^32 is read whole and refused */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    pos = ((MPI_Count)1 << 32) + 4;
    int rc = MPI_Pack_c(in, 1, MPI_INT, buf, (MPI_Count)sizeof buf, &pos, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_ARG);
}

static void test_errors(void) {
    int b[4] = {0};
    MPI_Request r;
    MPI_Datatype t;
    int rc;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    /* counts beyond what a wasm32 rank can address */
    rc = MPI_Send_c(b, BIG, MPI_CHAR, next, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Recv_c(b, (MPI_Count)1 << 40, MPI_CHAR, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Isend_c(b, -BIG - 1, MPI_INT, next, 0, MPI_COMM_WORLD, &r);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Bcast_c(b, BIG, MPI_CHAR, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Type_contiguous_c(BIG, MPI_CHAR, &t);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    {
        MPI_Count bl[2] = {1, BIG}, d[2] = {0, 4};
        rc = MPI_Type_indexed_c(2, bl, d, MPI_INT, &t);
        CHECK_CLASS(rc, MPI_ERR_COUNT);
        MPI_Count hd[2] = {0, (MPI_Count)1 << 33}, one[2] = {1, 1};
        rc = MPI_Type_create_hindexed_c(2, one, hd, MPI_INT, &t);
        CHECK_CLASS(rc, MPI_ERR_COUNT);
    }
    /* a count that fits but bytes that do not */
    rc = MPI_Send_c(b, (MPI_Count)1 << 30, MPI_DOUBLE, next, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT); /* 8 GiB of doubles */
    /* ordinary argument errors keep their classes */
    rc = MPI_Send_c(b, 1, MPI_INT, np, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    rc = MPI_Send_c(b, -1, MPI_INT, next, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    rc = MPI_Send_c(b, 1, MPI_DATATYPE_NULL, next, 0, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_TYPE);
    rc = MPI_Type_size_c(MPI_INT, NULL);
    CHECK_CLASS(rc, MPI_ERR_ARG);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    next = (me + 1) % np;
    prev = (me + np - 1) % np;
    test_p2p();
    test_types();
    test_decode();
    test_pack();
    test_errors();
    return mtest_finish();
}
