/* op_all.c: every predefined reduction operation on every predefined C
 * datatype, with exact expected values computed here on each rank.
 *
 * For every (op, datatype) pair the standard defines (the groups of
 * MPI-4.1 §6.9.2, plus the logical ops on MPI_AINT/OFFSET/COUNT, which
 * wasmpi accepts as MPICH does) it checks MPI_Reduce (rotating root),
 * MPI_Allreduce, MPI_Allreduce in place and MPI_Reduce_local. For every
 * other pair, and for MPI_REPLACE and MPI_NO_OP (one-sided only) and
 * MPI_OP_NULL, the three calls must return MPI_ERR_OP on every rank, under
 * MPI_ERRORS_RETURN, and the communicator must stay usable. */
#include "mtest.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define K 5 /* elements per case */

static int rank, size;

enum { O_SUM, O_PROD, O_MIN, O_MAX, O_LAND, O_LOR, O_LXOR, O_BAND, O_BOR, O_BXOR, O_MINLOC, O_MAXLOC, O_REPLACE, O_NO_OP, NOPS };
static const char *opnames[NOPS] = {"MPI_SUM",  "MPI_PROD", "MPI_MIN",  "MPI_MAX",    "MPI_LAND",   "MPI_LOR",     "MPI_LXOR",
                                    "MPI_BAND", "MPI_BOR",  "MPI_BXOR", "MPI_MINLOC", "MPI_MAXLOC", "MPI_REPLACE", "MPI_NO_OP"};
static MPI_Op ophandle(int op) {
    switch (op) {
    case O_SUM: return MPI_SUM;
    case O_PROD: return MPI_PROD;
    case O_MIN: return MPI_MIN;
    case O_MAX: return MPI_MAX;
    case O_LAND: return MPI_LAND;
    case O_LOR: return MPI_LOR;
    case O_LXOR: return MPI_LXOR;
    case O_BAND: return MPI_BAND;
    case O_BOR: return MPI_BOR;
    case O_BXOR: return MPI_BXOR;
    case O_MINLOC: return MPI_MINLOC;
    case O_MAXLOC: return MPI_MAXLOC;
    case O_REPLACE: return MPI_REPLACE;
    default: return MPI_NO_OP;
    }
}

/* Datatype groups of the standard's reduction table. */
enum { G_INT, G_MULTI, G_FLOAT, G_COMPLEX, G_LOGICAL, G_BYTE, G_PAIR, G_NONE };

static int allowed(int op, int g) {
    switch (op) {
    case O_MIN:
    case O_MAX: return g == G_INT || g == G_MULTI || g == G_FLOAT;
    case O_SUM:
    case O_PROD: return g == G_INT || g == G_MULTI || g == G_FLOAT || g == G_COMPLEX;
    case O_LAND:
    case O_LOR:
    case O_LXOR: return g == G_INT || g == G_MULTI || g == G_LOGICAL; /* MULTI: wasmpi/MPICH extension */
    case O_BAND:
    case O_BOR:
    case O_BXOR: return g == G_INT || g == G_MULTI || g == G_BYTE;
    case O_MINLOC:
    case O_MAXLOC: return g == G_PAIR;
    default: return 0; /* MPI_REPLACE, MPI_NO_OP: one-sided accumulate only */
    }
}

/* A type under test: gen fills K elements of rank r's input for op; ap
 * computes b = a op b element-wise (a the left operand); eq compares K
 * elements (fields only, never padding). */
typedef void (*gen_fn)(int op, int r, void *p);
typedef void (*ap_fn)(int op, const void *a, void *b);
typedef int (*eq_fn)(const void *x, const void *y);

static int ncases = 0;

static void run_case(const char *tname, MPI_Datatype dt, size_t esz, int op, gen_fn gen, ap_fn ap, eq_fn eq) {
    unsigned char inb[K * 32], out[K * 32 + 16], exp[K * 32], tmp[K * 32], a[K * 32];
    size_t n = K * esz;
    /* Expected: x0 op x1 op ... op x(size-1). The values are chosen so
     * that every bracketing gives the same exact result. */
    gen(op, 0, exp);
    for (int r = 1; r < size; r++) {
        gen(op, r, tmp);
        ap(op, exp, tmp);
        memcpy(exp, tmp, n);
    }
    MPI_Op h = ophandle(op);
    int root = ncases++ % size;

    gen(op, rank, inb);
    memset(out, 0xA5, sizeof out);
    int rc = MPI_Reduce(inb, rank == root ? out : NULL, K, dt, h, root, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Reduce %s %s rc %d", opnames[op], tname, rc);
    if (rank == root) {
        CHECK(eq(out, exp), "MPI_Reduce %s %s (root %d): wrong result", opnames[op], tname, root);
        CHECK(out[n] == 0xA5, "MPI_Reduce %s %s wrote past the end", opnames[op], tname);
    }

    memset(out, 0xA5, sizeof out);
    rc = MPI_Allreduce(inb, out, K, dt, h, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Allreduce %s %s rc %d", opnames[op], tname, rc);
    CHECK(eq(out, exp), "MPI_Allreduce %s %s: wrong result", opnames[op], tname);
    CHECK(out[n] == 0xA5, "MPI_Allreduce %s %s wrote past the end", opnames[op], tname);
    gen(op, rank, tmp);
    CHECK(memcmp(tmp, inb, n) == 0, "MPI_Allreduce %s %s changed the send buffer", opnames[op], tname);

    gen(op, rank, out);
    rc = MPI_Allreduce(MPI_IN_PLACE, out, K, dt, h, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Allreduce in place %s %s rc %d", opnames[op], tname, rc);
    CHECK(eq(out, exp), "MPI_Allreduce in place %s %s: wrong result", opnames[op], tname);

    /* Reduce_local: inout = in op inout, with in from this rank and inout
     * from the next one. */
    gen(op, rank, a);
    gen(op, rank + 1, out);
    gen(op, rank + 1, tmp);
    ap(op, a, tmp);
    rc = MPI_Reduce_local(a, out, K, dt, h);
    CHECK(rc == MPI_SUCCESS, "MPI_Reduce_local %s %s rc %d", opnames[op], tname, rc);
    CHECK(eq(out, tmp), "MPI_Reduce_local %s %s: wrong result", opnames[op], tname);
}

/* Integer types. Values are generated in unsigned long long and converted;
 * SUM and PROD are computed modulo 2^64 and truncated, which is what two's
 * complement wrap-around gives (only unsigned inputs actually wrap). */
static unsigned long long pattern(int r, int i) {
    unsigned long long x = 0x9E3779B97F4A7C15ull * (unsigned long long)(r * K + i + 1);
    return x ^ (x >> 29);
}

#define DEF_INT(N, T, SGN, TMIN, TMAX)                                                                    \
    static void N##_gen(int op, int r, void *p) {                                                         \
        T *v = p;                                                                                         \
        for (int i = 0; i < K; i++) {                                                                     \
            int m = (r + i) % 4;                                                                          \
            switch (op) {                                                                                 \
            case O_SUM:                                                                                   \
                if (!SGN && i == 3)                                                                       \
                    v[i] = (T)(TMAX - (T)r); /* wraps around */                                           \
                else                                                                                      \
                    v[i] = (T)((r % 3 + 1) * (i + 1) - (SGN ? 2 * i * (r % 2) : 0));                      \
                break;                                                                                    \
            case O_PROD:                                                                                  \
                if (!SGN && i == 4)                                                                       \
                    v[i] = TMAX; /* (-1)^size modulo 2^bits */                                            \
                else                                                                                      \
                    v[i] = (T)(m == 0 ? 2 : m == 1 ? (SGN ? -1 : 3) : 1);                                 \
                break;                                                                                    \
            case O_MIN:                                                                                   \
            case O_MAX:                                                                                   \
                if (i == 3)                                                                               \
                    v[i] = r % 3 == 1 ? TMIN : r % 3 == 2 ? TMAX : (T)r;                                  \
                else if (i == 4)                                                                          \
                    v[i] = (T)(SGN ? -(r + 1) : r + 1);                                                   \
                else                                                                                      \
                    v[i] = (T)((r * 7 + i * 5) % 5 - (SGN ? 2 : 0)); /* ties */                           \
                break;                                                                                    \
            case O_LAND:                                                                                  \
            case O_LOR:                                                                                   \
            case O_LXOR:                                                                                  \
                if (i == 3)                                                                               \
                    v[i] = (T)(7 + r);                                                                    \
                else if (i == 4)                                                                          \
                    v[i] = (T)(r == size - 1 ? 0 : 9);                                                    \
                else                                                                                      \
                    v[i] = (T)(((r >> (i % 3)) & 1) ? 5 + r + i : 0);                                     \
                break;                                                                                    \
            default:                                                                                      \
                v[i] = (T)pattern(r, i);                                                                  \
            }                                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    static void N##_ap(int op, const void *pa, void *pb) {                                                \
        const T *a = pa;                                                                                  \
        T *b = pb;                                                                                        \
        for (int i = 0; i < K; i++) {                                                                     \
            T x = a[i], y = b[i];                                                                         \
            switch (op) {                                                                                 \
            case O_SUM: b[i] = (T)((unsigned long long)x + (unsigned long long)y); break;                 \
            case O_PROD: b[i] = (T)((unsigned long long)x * (unsigned long long)y); break;                \
            case O_MIN: b[i] = y < x ? y : x; break;                                                      \
            case O_MAX: b[i] = y > x ? y : x; break;                                                      \
            case O_LAND: b[i] = (T)(x != 0 && y != 0); break;                                             \
            case O_LOR: b[i] = (T)(x != 0 || y != 0); break;                                              \
            case O_LXOR: b[i] = (T)((x != 0) != (y != 0)); break;                                         \
            case O_BAND: b[i] = (T)(x & y); break;                                                        \
            case O_BOR: b[i] = (T)(x | y); break;                                                         \
            case O_BXOR: b[i] = (T)(x ^ y); break;                                                        \
            }                                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    static int N##_eq(const void *x, const void *y) { return memcmp(x, y, K * sizeof(T)) == 0; }

DEF_INT(schar, signed char, 1, SCHAR_MIN, SCHAR_MAX)
DEF_INT(uchar, unsigned char, 0, 0, UCHAR_MAX)
DEF_INT(short, short, 1, SHRT_MIN, SHRT_MAX)
DEF_INT(ushort, unsigned short, 0, 0, USHRT_MAX)
DEF_INT(int, int, 1, INT_MIN, INT_MAX)
DEF_INT(uint, unsigned, 0, 0, UINT_MAX)
DEF_INT(long, long, 1, LONG_MIN, LONG_MAX)
DEF_INT(ulong, unsigned long, 0, 0, ULONG_MAX)
DEF_INT(llong, long long, 1, LLONG_MIN, LLONG_MAX)
DEF_INT(ullong, unsigned long long, 0, 0, ULLONG_MAX)
DEF_INT(i8, int8_t, 1, INT8_MIN, INT8_MAX)
DEF_INT(i16, int16_t, 1, INT16_MIN, INT16_MAX)
DEF_INT(i32, int32_t, 1, INT32_MIN, INT32_MAX)
DEF_INT(i64, int64_t, 1, INT64_MIN, INT64_MAX)
DEF_INT(u8, uint8_t, 0, 0, UINT8_MAX)
DEF_INT(u16, uint16_t, 0, 0, UINT16_MAX)
DEF_INT(u32, uint32_t, 0, 0, UINT32_MAX)
DEF_INT(u64, uint64_t, 0, 0, UINT64_MAX)
DEF_INT(aint, MPI_Aint, 1, INTPTR_MIN, INTPTR_MAX)
DEF_INT(offset, MPI_Offset, 1, INT64_MIN, INT64_MAX)
DEF_INT(count, MPI_Count, 1, INT64_MIN, INT64_MAX)

/* Floating types: every value and every partial result is a small dyadic
 * rational (or ±huge/inf for MIN/MAX), so results are exact whatever the
 * bracketing. Compared bit for bit. */
#define DEF_FLOAT(N, T)                                                                                   \
    static void N##_gen(int op, int r, void *p) {                                                         \
        T *v = p;                                                                                         \
        for (int i = 0; i < K; i++) {                                                                     \
            int m = (r + i) % 4;                                                                          \
            switch (op) {                                                                                 \
            case O_SUM: v[i] = (T)((r + 1) * (T)0.5 + i * (r % 3) - (T)2.25 * i); break;                  \
            case O_PROD: v[i] = m == 0 ? (T)2 : m == 1 ? (T)-0.5 : m == 2 ? (T)1.5 : (T)1; break;         \
            default:                                                                                      \
                if (i == 3)                                                                               \
                    v[i] = r % 3 == 1 ? (T)-1e30 : r % 3 == 2 ? (T)1e30 : (T)(r * 0.5);                   \
                else if (i == 4)                                                                          \
                    v[i] = r == size - 1 ? (T)INFINITY : (T)(-(r * 0.25) - 1);                            \
                else                                                                                      \
                    v[i] = (T)(((r * 7 + i * 5) % 5) * 0.75 - 1.5); /* ties */                            \
            }                                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    static void N##_ap(int op, const void *pa, void *pb) {                                                \
        const T *a = pa;                                                                                  \
        T *b = pb;                                                                                        \
        for (int i = 0; i < K; i++) {                                                                     \
            T x = a[i], y = b[i];                                                                         \
            switch (op) {                                                                                 \
            case O_SUM: b[i] = x + y; break;                                                              \
            case O_PROD: b[i] = x * y; break;                                                             \
            case O_MIN: b[i] = y < x ? y : x; break;                                                      \
            case O_MAX: b[i] = y > x ? y : x; break;                                                      \
            }                                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    static int N##_eq(const void *x, const void *y) { return memcmp(x, y, K * sizeof(T)) == 0; }

DEF_FLOAT(float, float)
DEF_FLOAT(double, double)
DEF_FLOAT(ldouble, long double)

/* Complex types: Gaussian integers and halves, products computed as
 * (ar*br - ai*bi) + (ar*bi + ai*br)i, all exact. */
#define DEF_COMPLEX(N, T, R)                                                                              \
    static void N##_gen(int op, int r, void *p) {                                                         \
        T *v = p;                                                                                         \
        for (int i = 0; i < K; i++) {                                                                     \
            int m = (r + i) % 4;                                                                          \
            R re, im;                                                                                     \
            if (op == O_SUM) {                                                                            \
                re = (R)((r + 1) * 0.5 - i);                                                              \
                im = (R)(i * 0.25 - r);                                                                   \
            } else {                                                                                      \
                re = m == 0 ? 1 : m == 1 ? 2 : m == 2 ? 0 : (R)0.5;                                        \
                im = m == 0 ? 1 : m == 1 ? 0 : m == 2 ? -1 : (R)-0.5;                                      \
            }                                                                                             \
            __real__ v[i] = re;                                                                           \
            __imag__ v[i] = im;                                                                           \
        }                                                                                                 \
    }                                                                                                     \
    static void N##_ap(int op, const void *pa, void *pb) {                                                \
        const T *a = pa;                                                                                  \
        T *b = pb;                                                                                        \
        for (int i = 0; i < K; i++) {                                                                     \
            R ar = __real__ a[i], ai = __imag__ a[i], br = __real__ b[i], bi = __imag__ b[i];             \
            if (op == O_SUM) {                                                                            \
                __real__ b[i] = ar + br;                                                                  \
                __imag__ b[i] = ai + bi;                                                                  \
            } else {                                                                                      \
                __real__ b[i] = ar * br - ai * bi;                                                        \
                __imag__ b[i] = ar * bi + ai * br;                                                        \
            }                                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    static int N##_eq(const void *x, const void *y) {                                                     \
        const T *a = x, *b = y;                                                                           \
        for (int i = 0; i < K; i++)                                                                       \
            if (__real__ a[i] != __real__ b[i] || __imag__ a[i] != __imag__ b[i]) return 0;               \
        return 1;                                                                                         \
    }

DEF_COMPLEX(cfloat, float _Complex, float)
DEF_COMPLEX(cdouble, double _Complex, double)
DEF_COMPLEX(cldouble, long double _Complex, long double)

/* Pair types for MINLOC/MAXLOC. Values tie between ranks; the index falls
 * with the rank, so on a tie the higher rank's smaller index must win (not
 * the lower rank). Element 4 ties on every rank. */
#define DEF_PAIR(N, V)                                                                                    \
    typedef struct {                                                                                      \
        V v;                                                                                              \
        int k;                                                                                            \
    } N##_t;                                                                                              \
    static void N##_gen(int op, int r, void *p) {                                                         \
        N##_t *e = p;                                                                                     \
        (void)op;                                                                                         \
        memset(p, 0x5c, K * sizeof(N##_t)); /* padding: anything */                                       \
        for (int i = 0; i < K; i++) {                                                                     \
            e[i].v = i == 4 ? (V)3 : i == 3 ? (V)(-r) : (V)((r * 3 + i) % 4 - 1);                         \
            e[i].k = (size - r) * 10 + i;                                                                 \
        }                                                                                                 \
    }                                                                                                     \
    static void N##_ap(int op, const void *pa, void *pb) {                                                \
        const N##_t *a = pa;                                                                              \
        N##_t *b = pb;                                                                                    \
        for (int i = 0; i < K; i++) {                                                                     \
            int better = op == O_MAXLOC ? a[i].v > b[i].v : a[i].v < b[i].v;                              \
            if (better) {                                                                                 \
                b[i].v = a[i].v;                                                                          \
                b[i].k = a[i].k;                                                                          \
            } else if (a[i].v == b[i].v && a[i].k < b[i].k) {                                             \
                b[i].k = a[i].k;                                                                          \
            }                                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    static int N##_eq(const void *x, const void *y) {                                                     \
        const N##_t *a = x, *b = y;                                                                       \
        for (int i = 0; i < K; i++)                                                                       \
            if (a[i].v != b[i].v || a[i].k != b[i].k) return 0;                                           \
        return 1;                                                                                         \
    }

DEF_PAIR(float_int, float)
DEF_PAIR(double_int, double)
DEF_PAIR(long_int, long)
DEF_PAIR(two_int, int)
DEF_PAIR(short_int, short)
DEF_PAIR(ldouble_int, long double)

/* MPI_C_BOOL: logical ops. */
static void bool_gen(int op, int r, void *p) {
    bool *v = p;
    (void)op;
    for (int i = 0; i < K; i++) v[i] = i == 3 ? true : i == 4 ? r != size - 1 : ((r >> (i % 3)) & 1);
}
static void bool_ap(int op, const void *pa, void *pb) {
    const bool *a = pa;
    bool *b = pb;
    for (int i = 0; i < K; i++) b[i] = op == O_LAND ? (a[i] && b[i]) : op == O_LOR ? (a[i] || b[i]) : (a[i] != b[i]);
}
static int bool_eq(const void *x, const void *y) { return memcmp(x, y, K) == 0; }

/* MPI_BYTE: bitwise ops. */
static void byte_gen(int op, int r, void *p) {
    unsigned char *v = p;
    (void)op;
    for (int i = 0; i < K; i++) v[i] = (unsigned char)pattern(r, i);
}
static void byte_ap(int op, const void *pa, void *pb) {
    const unsigned char *a = pa;
    unsigned char *b = pb;
    for (int i = 0; i < K; i++) b[i] = op == O_BAND ? a[i] & b[i] : op == O_BOR ? a[i] | b[i] : a[i] ^ b[i];
}
static int byte_eq(const void *x, const void *y) { return memcmp(x, y, K) == 0; }

struct type {
    const char *name;
    MPI_Datatype dt;
    size_t size;
    int group;
    gen_fn gen;
    ap_fn ap;
    eq_fn eq;
};

#define T_INT(N, T, D, G) {#D, D, sizeof(T), G, N##_gen, N##_ap, N##_eq}
static struct type types[] = {
    T_INT(schar, signed char, MPI_SIGNED_CHAR, G_INT),
    T_INT(uchar, unsigned char, MPI_UNSIGNED_CHAR, G_INT),
    T_INT(short, short, MPI_SHORT, G_INT),
    T_INT(ushort, unsigned short, MPI_UNSIGNED_SHORT, G_INT),
    T_INT(int, int, MPI_INT, G_INT),
    T_INT(uint, unsigned, MPI_UNSIGNED, G_INT),
    T_INT(long, long, MPI_LONG, G_INT),
    T_INT(ulong, unsigned long, MPI_UNSIGNED_LONG, G_INT),
    T_INT(llong, long long, MPI_LONG_LONG, G_INT),
    T_INT(llong, long long, MPI_LONG_LONG_INT, G_INT),
    T_INT(ullong, unsigned long long, MPI_UNSIGNED_LONG_LONG, G_INT),
    T_INT(i8, int8_t, MPI_INT8_T, G_INT),
    T_INT(i16, int16_t, MPI_INT16_T, G_INT),
    T_INT(i32, int32_t, MPI_INT32_T, G_INT),
    T_INT(i64, int64_t, MPI_INT64_T, G_INT),
    T_INT(u8, uint8_t, MPI_UINT8_T, G_INT),
    T_INT(u16, uint16_t, MPI_UINT16_T, G_INT),
    T_INT(u32, uint32_t, MPI_UINT32_T, G_INT),
    T_INT(u64, uint64_t, MPI_UINT64_T, G_INT),
    T_INT(aint, MPI_Aint, MPI_AINT, G_MULTI),
    T_INT(offset, MPI_Offset, MPI_OFFSET, G_MULTI),
    T_INT(count, MPI_Count, MPI_COUNT, G_MULTI),
    T_INT(float, float, MPI_FLOAT, G_FLOAT),
    T_INT(double, double, MPI_DOUBLE, G_FLOAT),
    T_INT(ldouble, long double, MPI_LONG_DOUBLE, G_FLOAT),
    T_INT(cfloat, float _Complex, MPI_C_FLOAT_COMPLEX, G_COMPLEX),
    T_INT(cfloat, float _Complex, MPI_C_COMPLEX, G_COMPLEX),
    T_INT(cdouble, double _Complex, MPI_C_DOUBLE_COMPLEX, G_COMPLEX),
    T_INT(cldouble, long double _Complex, MPI_C_LONG_DOUBLE_COMPLEX, G_COMPLEX),
    T_INT(bool, bool, MPI_C_BOOL, G_LOGICAL),
    T_INT(byte, unsigned char, MPI_BYTE, G_BYTE),
    T_INT(float_int, float_int_t, MPI_FLOAT_INT, G_PAIR),
    T_INT(double_int, double_int_t, MPI_DOUBLE_INT, G_PAIR),
    T_INT(long_int, long_int_t, MPI_LONG_INT, G_PAIR),
    T_INT(two_int, two_int_t, MPI_2INT, G_PAIR),
    T_INT(short_int, short_int_t, MPI_SHORT_INT, G_PAIR),
    T_INT(ldouble_int, ldouble_int_t, MPI_LONG_DOUBLE_INT, G_PAIR),
    /* Character types and MPI_PACKED take part in no reduction. */
    {"MPI_CHAR", MPI_CHAR, 1, G_NONE, 0, 0, 0},
    {"MPI_WCHAR", MPI_WCHAR, sizeof(wchar_t), G_NONE, 0, 0, 0},
    {"MPI_PACKED", MPI_PACKED, 1, G_NONE, 0, 0, 0},
};
#define NTYPES ((int)(sizeof types / sizeof types[0]))

static void test_sizes(void) {
    /* The layouts the runtime assumes match the C compiler's. */
    for (int t = 0; t < NTYPES; t++) {
        int s = -1;
        int rc = MPI_Type_size(types[t].dt, &s);
        CHECK(rc == MPI_SUCCESS && s == (int)types[t].size, "MPI_Type_size(%s) = %d, C size %zu", types[t].name, s,
              types[t].size);
    }
}

static void test_allowed(void) {
    for (int t = 0; t < NTYPES; t++)
        for (int op = 0; op < NOPS; op++)
            if (allowed(op, types[t].group))
                run_case(types[t].name, types[t].dt, types[t].size, op, types[t].gen, types[t].ap, types[t].eq);
}

/* expect_op_error runs the three reductions with an op the type does not
 * allow: each must return MPI_ERR_OP on every rank, leave the receive
 * buffer alone, and not hang. */
static int nerr = 0;
static void expect_op_error(const char *tname, MPI_Datatype dt, MPI_Op h, const char *oname) {
    unsigned char s[64], r[64];
    memset(s, 1, sizeof s);
    memset(r, 0x77, sizeof r);
    int root = nerr++ % size;
    int rc = MPI_Reduce(s, r, 1, dt, h, root, MPI_COMM_WORLD);
    CHECK(rc != MPI_SUCCESS, "MPI_Reduce %s %s succeeded", oname, tname);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Allreduce(s, r, 1, dt, h, MPI_COMM_WORLD);
    CHECK(rc != MPI_SUCCESS, "MPI_Allreduce %s %s succeeded", oname, tname);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Allreduce(MPI_IN_PLACE, r, 1, dt, h, MPI_COMM_WORLD);
    CHECK_CLASS(rc, MPI_ERR_OP);
    rc = MPI_Reduce_local(s, r, 1, dt, h);
    CHECK(rc != MPI_SUCCESS, "MPI_Reduce_local %s %s succeeded", oname, tname);
    CHECK_CLASS(rc, MPI_ERR_OP);
    int untouched = 1;
    for (int i = 0; i < 64; i++)
        if (r[i] != 0x77) untouched = 0;
    CHECK(untouched, "failed %s on %s wrote the receive buffer", oname, tname);
}

static void test_disallowed(void) {
    for (int t = 0; t < NTYPES; t++) {
        for (int op = 0; op < NOPS; op++)
            if (!allowed(op, types[t].group)) expect_op_error(types[t].name, types[t].dt, ophandle(op), opnames[op]);
        expect_op_error(types[t].name, types[t].dt, MPI_OP_NULL, "MPI_OP_NULL");
    }
    /* The communicator still works after all those errors. */
    int one = 1, all = 0;
    int rc = MPI_Allreduce(&one, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && all == size, "Allreduce after errors: rc %d sum %d", rc, all);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN); /* MPI_Reduce_local's errors */
    test_sizes();
    test_allowed();
    test_disallowed();
    return mtest_finish();
}
