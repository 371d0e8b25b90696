/* env_basic.c: environment management functions.
 *
 * argv[1] selects how MPI is initialised:
 *   (none)      MPI_Init
 *   single|funneled|serialized|multiple
 *               MPI_Init_thread with that required level; the runtime
 *               provides every level, so provided == required.
 * Also checks MPI_Type_size / MPI_Type_size_x of every predefined C datatype
 * the runtime supports (wasm32 sizes). */
#include "mtest.h"

#include <complex.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <wchar.h>

static void check_sizes(void) {
    struct {
        MPI_Datatype t;
        const char *name;
        int size;
    } types[] = {
        {MPI_CHAR, "MPI_CHAR", sizeof(char)},
        {MPI_SIGNED_CHAR, "MPI_SIGNED_CHAR", sizeof(signed char)},
        {MPI_UNSIGNED_CHAR, "MPI_UNSIGNED_CHAR", sizeof(unsigned char)},
        {MPI_BYTE, "MPI_BYTE", 1},
        {MPI_PACKED, "MPI_PACKED", 1},
        {MPI_SHORT, "MPI_SHORT", sizeof(short)},
        {MPI_UNSIGNED_SHORT, "MPI_UNSIGNED_SHORT", sizeof(unsigned short)},
        {MPI_INT, "MPI_INT", sizeof(int)},
        {MPI_UNSIGNED, "MPI_UNSIGNED", sizeof(unsigned)},
        {MPI_LONG, "MPI_LONG", sizeof(long)},
        {MPI_UNSIGNED_LONG, "MPI_UNSIGNED_LONG", sizeof(unsigned long)},
        {MPI_LONG_LONG, "MPI_LONG_LONG", sizeof(long long)},
        {MPI_LONG_LONG_INT, "MPI_LONG_LONG_INT", sizeof(long long)},
        {MPI_UNSIGNED_LONG_LONG, "MPI_UNSIGNED_LONG_LONG", sizeof(unsigned long long)},
        {MPI_FLOAT, "MPI_FLOAT", sizeof(float)},
        {MPI_DOUBLE, "MPI_DOUBLE", sizeof(double)},
        {MPI_LONG_DOUBLE, "MPI_LONG_DOUBLE", sizeof(long double)},
        {MPI_WCHAR, "MPI_WCHAR", sizeof(wchar_t)},
        {MPI_C_BOOL, "MPI_C_BOOL", sizeof(bool)},
        {MPI_INT8_T, "MPI_INT8_T", 1},
        {MPI_INT16_T, "MPI_INT16_T", 2},
        {MPI_INT32_T, "MPI_INT32_T", 4},
        {MPI_INT64_T, "MPI_INT64_T", 8},
        {MPI_UINT8_T, "MPI_UINT8_T", 1},
        {MPI_UINT16_T, "MPI_UINT16_T", 2},
        {MPI_UINT32_T, "MPI_UINT32_T", 4},
        {MPI_UINT64_T, "MPI_UINT64_T", 8},
        {MPI_AINT, "MPI_AINT", sizeof(MPI_Aint)},
        {MPI_OFFSET, "MPI_OFFSET", sizeof(MPI_Offset)},
        {MPI_COUNT, "MPI_COUNT", sizeof(MPI_Count)},
        {MPI_C_COMPLEX, "MPI_C_COMPLEX", sizeof(float _Complex)},
        {MPI_C_FLOAT_COMPLEX, "MPI_C_FLOAT_COMPLEX", sizeof(float _Complex)},
        {MPI_C_DOUBLE_COMPLEX, "MPI_C_DOUBLE_COMPLEX", sizeof(double _Complex)},
        {MPI_C_LONG_DOUBLE_COMPLEX, "MPI_C_LONG_DOUBLE_COMPLEX", sizeof(long double _Complex)},
        {MPI_FLOAT_INT, "MPI_FLOAT_INT", sizeof(struct { float v; int i; })},
        {MPI_DOUBLE_INT, "MPI_DOUBLE_INT", sizeof(struct { double v; int i; })},
        {MPI_LONG_INT, "MPI_LONG_INT", sizeof(struct { long v; int i; })},
        {MPI_2INT, "MPI_2INT", sizeof(struct { int v; int i; })},
        {MPI_SHORT_INT, "MPI_SHORT_INT", sizeof(struct { short v; int i; })},
        {MPI_LONG_DOUBLE_INT, "MPI_LONG_DOUBLE_INT", sizeof(struct { long double v; int i; })},
    };
    /* The wasm32 facts, independent of the compiler's sizeof. */
    CHECK(sizeof(long) == 4, "sizeof(long) = %d", (int)sizeof(long));
    CHECK(sizeof(long double) == 16, "sizeof(long double) = %d", (int)sizeof(long double));
    CHECK(sizeof(MPI_Aint) == 4, "sizeof(MPI_Aint) = %d", (int)sizeof(MPI_Aint));
    CHECK(sizeof(MPI_Count) == 8, "sizeof(MPI_Count) = %d", (int)sizeof(MPI_Count));
    CHECK(sizeof(MPI_Status) == 32, "sizeof(MPI_Status) = %d", (int)sizeof(MPI_Status));
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        int size = -1;
        MPI_Count xsize = -1;
        int rc = MPI_Type_size(types[i].t, &size);
        CHECK(rc == MPI_SUCCESS, "MPI_Type_size(%s) rc %d", types[i].name, rc);
        CHECK(size == types[i].size, "MPI_Type_size(%s) = %d, want %d", types[i].name, size, types[i].size);
        rc = MPI_Type_size_x(types[i].t, &xsize);
        CHECK(rc == MPI_SUCCESS, "MPI_Type_size_x(%s) rc %d", types[i].name, rc);
        CHECK(xsize == types[i].size, "MPI_Type_size_x(%s) = %lld, want %d", types[i].name, (long long)xsize,
              types[i].size);
    }
    /* Exact wasm32 numbers for the ones the brief names. */
    int s;
    MPI_Type_size(MPI_LONG, &s);
    CHECK(s == 4, "MPI_LONG size %d", s);
    MPI_Type_size(MPI_UNSIGNED_LONG, &s);
    CHECK(s == 4, "MPI_UNSIGNED_LONG size %d", s);
    MPI_Type_size(MPI_LONG_DOUBLE, &s);
    CHECK(s == 16, "MPI_LONG_DOUBLE size %d", s);
    MPI_Type_size(MPI_AINT, &s);
    CHECK(s == 4, "MPI_AINT size %d", s);
    MPI_Type_size(MPI_COUNT, &s);
    CHECK(s == 8, "MPI_COUNT size %d", s);
    MPI_Type_size(MPI_OFFSET, &s);
    CHECK(s == 8, "MPI_OFFSET size %d", s);
    MPI_Type_size(MPI_LONG_INT, &s);
    CHECK(s == 8, "MPI_LONG_INT size %d", s);
    MPI_Type_size(MPI_DOUBLE_INT, &s);
    CHECK(s == 16, "MPI_DOUBLE_INT size %d", s);
    MPI_Type_size(MPI_SHORT_INT, &s);
    CHECK(s == 8, "MPI_SHORT_INT size %d", s);
    MPI_Type_size(MPI_LONG_DOUBLE_INT, &s);
    CHECK(s == 32, "MPI_LONG_DOUBLE_INT size %d", s);
    MPI_Type_size(MPI_C_LONG_DOUBLE_COMPLEX, &s);
    CHECK(s == 32, "MPI_C_LONG_DOUBLE_COMPLEX size %d", s);
}

static int level_of(const char *s) {
    if (!strcmp(s, "single")) return MPI_THREAD_SINGLE;
    if (!strcmp(s, "funneled")) return MPI_THREAD_FUNNELED;
    if (!strcmp(s, "serialized")) return MPI_THREAD_SERIALIZED;
    if (!strcmp(s, "multiple")) return MPI_THREAD_MULTIPLE;
    return -1;
}

int main(int argc, char **argv) {
    int flag = -1, rc;

    /* Before MPI_Init: the functions allowed there work. */
    rc = MPI_Initialized(&flag);
    CHECK(rc == MPI_SUCCESS && flag == 0, "MPI_Initialized before init: rc %d flag %d", rc, flag);
    flag = -1;
    rc = MPI_Finalized(&flag);
    CHECK(rc == MPI_SUCCESS && flag == 0, "MPI_Finalized before init: rc %d flag %d", rc, flag);
    int version = -1, subversion = -1;
    rc = MPI_Get_version(&version, &subversion);
    CHECK(rc == MPI_SUCCESS && version == 4 && subversion == 1, "MPI_Get_version before init: rc %d %d.%d", rc,
          version, subversion);
    CHECK(MPI_VERSION == 4 && MPI_SUBVERSION == 1, "header MPI_VERSION %d.%d", MPI_VERSION, MPI_SUBVERSION);
    double t_before = MPI_Wtime();

    int required = MPI_THREAD_SINGLE, provided = -1;
    if (argc > 1) {
        required = level_of(argv[1]);
        if (required < 0) {
            printf("FAIL: unknown thread level %s\n", argv[1]);
            return 2;
        }
        rc = MPI_Init_thread(&argc, &argv, required, &provided);
        CHECK(rc == MPI_SUCCESS, "MPI_Init_thread rc %d", rc);
        CHECK(provided == required, "MPI_Init_thread(%s) provided %d, want %d", argv[1], provided, required);
    } else {
        rc = MPI_Init(&argc, &argv);
        CHECK(rc == MPI_SUCCESS, "MPI_Init rc %d", rc);
    }
    /* Thread levels are monotonic. */
    CHECK(MPI_THREAD_SINGLE < MPI_THREAD_FUNNELED && MPI_THREAD_FUNNELED < MPI_THREAD_SERIALIZED &&
              MPI_THREAD_SERIALIZED < MPI_THREAD_MULTIPLE,
          "thread levels not monotonic");

    flag = -1;
    rc = MPI_Initialized(&flag);
    CHECK(rc == MPI_SUCCESS && flag == 1, "MPI_Initialized after init: rc %d flag %d", rc, flag);
    flag = -1;
    MPI_Finalized(&flag);
    CHECK(flag == 0, "MPI_Finalized after init: %d", flag);

    int q = -1;
    rc = MPI_Query_thread(&q);
    CHECK(rc == MPI_SUCCESS && q == required, "MPI_Query_thread rc %d level %d, want %d", rc, q, required);
    flag = -1;
    rc = MPI_Is_thread_main(&flag);
    CHECK(rc == MPI_SUCCESS && flag == 1, "MPI_Is_thread_main rc %d flag %d", rc, flag);

    int rank = -1, size = -1, srank = -1, ssize = -1;
    rc = MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    CHECK(rc == MPI_SUCCESS, "MPI_Comm_rank rc %d", rc);
    rc = MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(rc == MPI_SUCCESS, "MPI_Comm_size rc %d", rc);
    CHECK(size >= 1 && rank >= 0 && rank < size, "rank %d size %d", rank, size);
    MPI_Comm_rank(MPI_COMM_SELF, &srank);
    MPI_Comm_size(MPI_COMM_SELF, &ssize);
    CHECK(srank == 0 && ssize == 1, "SELF rank %d size %d", srank, ssize);

    /* The launcher's environment agrees with MPI. */
    const char *er = getenv("OMPI_COMM_WORLD_RANK"), *es = getenv("OMPI_COMM_WORLD_SIZE");
    CHECK(er && atoi(er) == rank, "OMPI_COMM_WORLD_RANK=%s, rank %d", er ? er : "(unset)", rank);
    CHECK(es && atoi(es) == size, "OMPI_COMM_WORLD_SIZE=%s, size %d", es ? es : "(unset)", size);

    /* Every rank is distinct: gather the ranks to rank 0 via Allreduce of a bitmask. */
    int expect = argc > 2 ? atoi(argv[2]) : -1;
    if (expect > 0) CHECK(size == expect, "size %d, expected %d", size, expect);
    int sum = 0;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(sum == size * (size - 1) / 2, "sum of ranks %d, size %d", sum, size);

    /* Wtime: monotone, a plausible clock, and measures a sleep. */
    double prev = MPI_Wtime();
    CHECK(prev >= t_before, "MPI_Wtime went backwards across MPI_Init: %f < %f", prev, t_before);
    int backwards = 0;
    for (int i = 0; i < 100000; i++) {
        double t = MPI_Wtime();
        if (t < prev) backwards++;
        prev = t;
    }
    CHECK(backwards == 0, "MPI_Wtime went backwards %d times", backwards);
    double t0 = MPI_Wtime();
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    double dt = MPI_Wtime() - t0;
    CHECK(dt >= 0.045 && dt < 5.0, "50 ms sleep measured as %f s", dt);
    double tick = MPI_Wtick();
    CHECK(tick > 0 && tick <= 1e-3, "MPI_Wtick = %g", tick);
    CHECK(tick <= 1e-6, "MPI_Wtick = %g, want at most 1 us", tick);
    /* Wtime is time since the epoch here: compare with the WASI wall clock. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double wall = now.tv_sec + now.tv_nsec * 1e-9;
    double w = MPI_Wtime();
    CHECK(w - wall > -1.0 && w - wall < 1.0, "MPI_Wtime %f vs wall clock %f", w, wall);

    /* Processor name. */
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = -1;
    memset(name, 'x', sizeof name);
    rc = MPI_Get_processor_name(name, &len);
    CHECK(rc == MPI_SUCCESS, "MPI_Get_processor_name rc %d", rc);
    CHECK(len == 8 && strcmp(name, "testhost") == 0, "processor name \"%.*s\" len %d", 64, name, len);

    /* Versions. */
    version = subversion = -1;
    rc = MPI_Get_version(&version, &subversion);
    CHECK(rc == MPI_SUCCESS && version == 4 && subversion == 1, "MPI_Get_version: rc %d %d.%d", rc, version,
          subversion);
    static char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    memset(lib, 'x', sizeof lib);
    len = -1;
    rc = MPI_Get_library_version(lib, &len);
    CHECK(rc == MPI_SUCCESS, "MPI_Get_library_version rc %d", rc);
    CHECK(len > 0 && len < MPI_MAX_LIBRARY_VERSION_STRING && (int)strlen(lib) == len,
          "library version len %d strlen %d", len, (int)strnlen(lib, sizeof lib));
    CHECK(strstr(lib, "wasmpi") != NULL, "library version \"%.80s\"", lib);

    check_sizes();

    /* MPI_Init twice is an error (MPI_ERR_OTHER) tied to no communicator,
     * so MPI_COMM_SELF's handler governs it (MPI-4). */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    rc = MPI_Init(&argc, &argv);
    CHECK_CLASS(rc, MPI_ERR_OTHER);
    rc = MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided);
    CHECK_CLASS(rc, MPI_ERR_OTHER);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);

    rc = mtest_finish(); /* calls MPI_Finalize */

    /* After MPI_Finalize: Finalized is true, Initialized stays true. Plain
     * printf: CHECK would call MPI_Comm_rank. */
    flag = -1;
    if (MPI_Finalized(&flag) != MPI_SUCCESS || flag != 1) {
        printf("FAIL: MPI_Finalized after finalize: %d\n", flag);
        rc = 1;
    }
    flag = -1;
    if (MPI_Initialized(&flag) != MPI_SUCCESS || flag != 1) {
        printf("FAIL: MPI_Initialized after finalize: %d\n", flag);
        rc = 1;
    }
    /* Functions allowed after finalize still work. */
    if (MPI_Get_version(&version, &subversion) != MPI_SUCCESS || version != 4) {
        printf("FAIL: MPI_Get_version after finalize\n");
        rc = 1;
    }
    if (!(MPI_Wtime() > t0)) {
        printf("FAIL: MPI_Wtime after finalize\n");
        rc = 1;
    }
    return rc;
}
