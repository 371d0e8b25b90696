/* type_pack.c: MPI_Pack / MPI_Unpack / MPI_Pack_size round trips with
 * predefined and derived datatypes (several items in one buffer, sent as
 * MPI_PACKED to the next rank), and the "external32" representation
 * checked byte by byte: big-endian, external32 sizes (MPI_LONG 4 bytes,
 * MPI_AINT 8, MPI_WCHAR 2, long double 16), pairs without padding. Runs
 * with any number of ranks. */
#include "mtest.h"

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

static int rank, size;

#define EXPECT(call, cls)                                                                  \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        int c_ = -1;                                                                       \
        MPI_Error_class(rc_, &c_);                                                         \
        CHECK(c_ == (cls), "%s returned class %d, want %s (%d)", #call, c_, #cls, (cls)); \
    } while (0)

static void native(void) {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    double m[4][3];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) m[i][j] = rank * 100 + i * 10 + j;
    MPI_Datatype col;
    MPI_Type_vector(4, 1, 3, MPI_DOUBLE, &col);
    MPI_Type_commit(&col);
    struct {
        short s;
        long long q;
    } rec = {(short)(-rank - 1), 0x0102030405060708LL + rank};
    MPI_Datatype rt;
    int bl[2] = {1, 1};
    MPI_Aint d[2] = {0, 8};
    MPI_Datatype ty[2] = {MPI_SHORT, MPI_LONG_LONG};
    MPI_Type_create_struct(2, bl, d, ty, &rt);
    MPI_Type_commit(&rt);

    int s1, s2, s3;
    MPI_Pack_size(3, MPI_INT, MPI_COMM_WORLD, &s1);
    MPI_Pack_size(2, col, MPI_COMM_WORLD, &s2);
    MPI_Pack_size(1, rt, MPI_COMM_WORLD, &s3);
    CHECK(s1 == 12 && s2 == 64 && s3 == 10, "Pack_size %d %d %d", s1, s2, s3);

    /* pack: 3 ints, column 1, column 2 (as 2 resized columns would be), the record */
    int ints[3] = {rank, -5, 1 << 20};
    char buf[256];
    int pos = 0;
    MPI_Pack(ints, 3, MPI_INT, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    CHECK(pos == 12, "position after ints %d", pos);
    MPI_Pack(&m[0][1], 1, col, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    MPI_Pack(&m[0][2], 1, col, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    CHECK(pos == 12 + 64, "position after columns %d", pos);
    MPI_Pack(&rec, 1, rt, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    CHECK(pos == 12 + 64 + 10, "position after record %d", pos);
    /* the packed column is the column's doubles in order */
    double first;
    memcpy(&first, buf + 12 + 8, 8);
    CHECK(first == m[1][1], "packed column order");

    /* send the packed buffer, unpack at the other end */
    char in[256];
    MPI_Status st;
    MPI_Sendrecv(buf, pos, MPI_PACKED, next, 1, in, sizeof in, MPI_PACKED, prev, 1, MPI_COMM_WORLD, &st);
    int n = -1;
    MPI_Get_count(&st, MPI_PACKED, &n);
    CHECK(n == pos, "received %d packed bytes", n);
    int gi[3] = {0};
    double g[4][3];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) g[i][j] = -1;
    struct {
        short s;
        long long q;
    } grec = {0, 0};
    int ipos = 0;
    MPI_Unpack(in, n, &ipos, gi, 3, MPI_INT, MPI_COMM_WORLD);
    MPI_Unpack(in, n, &ipos, &g[0][0], 1, col, MPI_COMM_WORLD); /* column 1 of prev into column 0 */
    MPI_Unpack(in, n, &ipos, &g[0][2], 1, col, MPI_COMM_WORLD);
    MPI_Unpack(in, n, &ipos, &grec, 1, rt, MPI_COMM_WORLD);
    CHECK(ipos == n, "unpacked %d of %d", ipos, n);
    CHECK(gi[0] == prev && gi[1] == -5 && gi[2] == 1 << 20, "unpacked ints");
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        ok &= g[i][0] == prev * 100 + i * 10 + 1;
        ok &= g[i][1] == -1;
        ok &= g[i][2] == prev * 100 + i * 10 + 2;
    }
    CHECK(ok, "unpacked columns: wrong matrix");
    CHECK(grec.s == (short)(-prev - 1) && grec.q == 0x0102030405060708LL + prev, "unpacked record");

    /* errors: too small an output buffer, too short an input */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    pos = 0;
    EXPECT(MPI_Pack(&m[0][0], 1, col, buf, 20, &pos, MPI_COMM_WORLD), MPI_ERR_TRUNCATE);
    CHECK(pos == 0, "a failed pack moved the position");
    ipos = 80;
    EXPECT(MPI_Unpack(in, n, &ipos, &g[0][0], 1, col, MPI_COMM_WORLD), MPI_ERR_TRUNCATE);
    EXPECT(MPI_Pack(ints, -1, MPI_INT, buf, 64, &pos, MPI_COMM_WORLD), MPI_ERR_COUNT);
    EXPECT(MPI_Pack_size(-1, MPI_INT, MPI_COMM_WORLD, &s1), MPI_ERR_COUNT);
    EXPECT(MPI_Pack_size(1, MPI_INT, MPI_COMM_NULL, &s1), MPI_ERR_COMM);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Type_free(&col);
    MPI_Type_free(&rt);
}

static int bytes_eq(const unsigned char *a, const unsigned char *b, int n, const char *what) {
    for (int i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            printf("%s: byte %d is %02x, want %02x\n", what, i, a[i], b[i]);
            return 0;
        }
    }
    return 1;
}

/* ext checks that count elements of t at in pack to want (n bytes) in
 * external32, that Pack_external_size says n, and that they unpack to the
 * same native bytes (compared over cmp bytes of out, which starts zeroed). */
static void ext(const void *in, int count, MPI_Datatype t, const unsigned char *want, int n, const char *what,
                void *out, int cmp) {
    unsigned char buf[128];
    MPI_Aint pos = 0, sz = -1;
    MPI_Pack_external_size("external32", count, t, &sz);
    CHECK(sz == n, "%s: Pack_external_size %ld, want %d", what, (long)sz, n);
    memset(buf, 0xee, sizeof buf);
    int rc = MPI_Pack_external("external32", in, count, t, buf, sizeof buf, &pos);
    CHECK(rc == MPI_SUCCESS && pos == n, "%s: Pack_external rc %d position %ld, want %d", what, rc, (long)pos, n);
    CHECK(bytes_eq(buf, want, n, what), "%s: wrong external32 bytes", what);
    CHECK(buf[n] == 0xee, "%s: wrote past the packed bytes", what);
    MPI_Aint ipos = 0;
    rc = MPI_Unpack_external("external32", buf, n, &ipos, out, count, t);
    CHECK(rc == MPI_SUCCESS && ipos == n, "%s: Unpack_external rc %d position %ld", what, rc, (long)ipos);
    CHECK(memcmp(in, out, cmp) == 0, "%s: round trip changed the data", what);
}

static void external32(void) {
    union {
        unsigned char b[64];
        int i[16];
        double d[8];
    } out;
    {
        int v[2] = {0x01020304, -2};
        unsigned char w[] = {1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe};
        memset(&out, 0, sizeof out);
        ext(v, 2, MPI_INT, w, 8, "MPI_INT", &out, 8);
    }
    {
        short v = 0x0a0b;
        unsigned char w[] = {0x0a, 0x0b};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_SHORT, w, 2, "MPI_SHORT", &out, 2);
    }
    {
        long v = -0x01020304L; /* 4 bytes on wasm32 and in external32 */
        unsigned char w[] = {0xfe, 0xfd, 0xfc, 0xfc};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_LONG, w, 4, "MPI_LONG", &out, 4);
    }
    {
        long long v = 0x0102030405060708LL;
        unsigned char w[] = {1, 2, 3, 4, 5, 6, 7, 8};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_LONG_LONG, w, 8, "MPI_LONG_LONG", &out, 8);
    }
    {
        double v = 1.5;
        unsigned char w[] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_DOUBLE, w, 8, "MPI_DOUBLE", &out, 8);
    }
    {
        float v = -2.0f;
        unsigned char w[] = {0xc0, 0, 0, 0};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_FLOAT, w, 4, "MPI_FLOAT", &out, 4);
    }
    {
        long double v = 1.0L; /* binary128: 0x3fff then zeros */
        unsigned char w[16] = {0x3f, 0xff};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_LONG_DOUBLE, w, 16, "MPI_LONG_DOUBLE", &out, 16);
    }
    {
        MPI_Aint v = -3; /* 4 bytes on wasm32, 8 in external32 */
        unsigned char w[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_AINT, w, 8, "MPI_AINT", &out, 4);
    }
    {
        wchar_t v = 0x263a; /* 4 bytes on wasm32, 2 in external32 */
        unsigned char w[] = {0x26, 0x3a};
        memset(&out, 0, sizeof out);
        ext(&v, 1, MPI_WCHAR, w, 2, "MPI_WCHAR", &out, 4);
    }
    {
        struct {
            double v;
            int i;
        } p = {2.0, 7}; /* 16 bytes native, 12 in external32 */
        memset((char *)&p + 12, 0, 4);
        unsigned char w[] = {0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
        memset(&out, 0, sizeof out);
        ext(&p, 1, MPI_DOUBLE_INT, w, 12, "MPI_DOUBLE_INT", &out, 12);
    }
    {
        double v[2] = {1.0, -1.0}; /* double complex: each part big-endian */
        unsigned char w[] = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xbf, 0xf0, 0, 0, 0, 0, 0, 0};
        memset(&out, 0, sizeof out);
        ext(v, 1, MPI_C_DOUBLE_COMPLEX, w, 16, "MPI_C_DOUBLE_COMPLEX", &out, 16);
    }
    {
        /* a derived type: every other int of 6, as big-endian ints */
        int v[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
        MPI_Datatype t;
        MPI_Type_vector(3, 1, 2, MPI_INT, &t);
        MPI_Type_commit(&t);
        unsigned char w[] = {0, 0, 0, 0x11, 0, 0, 0, 0x33, 0, 0, 0, 0x55};
        memset(&out, 0, sizeof out);
        ext(v, 1, t, w, 12, "vector of int", &out, 4);
        CHECK(out.i[0] == 0x11 && out.i[1] == 0 && out.i[2] == 0x33 && out.i[3] == 0 && out.i[4] == 0x55,
              "vector of int: unpacked into the wrong places");
        MPI_Type_free(&t);
    }
    {
        /* a struct {char; short; double} with padding: 1 + 2 + 8 bytes */
        struct {
            char c;
            short s;
            double d;
        } v = {'A', 0x0102, 0.5}, o;
        int bl[3] = {1, 1, 1};
        MPI_Aint d[3] = {0, 2, 8};
        MPI_Datatype ty[3] = {MPI_CHAR, MPI_SHORT, MPI_DOUBLE}, t;
        MPI_Type_create_struct(3, bl, d, ty, &t);
        MPI_Type_commit(&t);
        unsigned char w[] = {'A', 1, 2, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0};
        unsigned char buf[32];
        MPI_Aint pos = 0, sz;
        MPI_Pack_external_size("external32", 1, t, &sz);
        CHECK(sz == 11, "struct external32 size %ld", (long)sz);
        MPI_Pack_external("external32", &v, 1, t, buf, sizeof buf, &pos);
        CHECK(pos == 11 && bytes_eq(buf, w, 11, "struct"), "struct external32 bytes");
        memset(&o, 0, sizeof o);
        pos = 0;
        MPI_Unpack_external("external32", buf, 11, &pos, &o, 1, t);
        CHECK(o.c == 'A' && o.s == 0x0102 && o.d == 0.5, "struct external32 round trip");
        MPI_Type_free(&t);
    }
    /* errors */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    unsigned char buf[16];
    int v = 1;
    MPI_Aint pos = 0;
    EXPECT(MPI_Pack_external("native", &v, 1, MPI_INT, buf, sizeof buf, &pos), MPI_ERR_ARG);
    pos = 14;
    EXPECT(MPI_Pack_external("external32", &v, 1, MPI_INT, buf, sizeof buf, &pos), MPI_ERR_TRUNCATE);
    MPI_Aint sz;
    EXPECT(MPI_Pack_external_size("external32", 1, MPI_DATATYPE_NULL, &sz), MPI_ERR_TYPE);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    native();
    external32();
    return mtest_finish();
}
