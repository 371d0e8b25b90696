/* info_basic.c: info objects.
 *
 * Info_create/set/get/get_string/get_valuelen/get_nkeys/get_nthkey/delete/
 * dup/free with exact contents and order, truncation rules of Info_get and
 * Info_get_string, the error classes (no key, bad key, read-only
 * MPI_INFO_ENV), MPI_INFO_ENV and Info_create_env contents, Comm_set_info/
 * Comm_get_info, hints carried by Comm_dup and Comm_dup_with_info, and real
 * info handles accepted by Comm_split_type. */
#include "mtest.h"

static int rank, size;

static void test_basic(void) {
    MPI_Info info, dup;
    char val[64], key[MPI_MAX_INFO_KEY + 1];
    int flag = -1, n = -1, len = -1;
    CHECK(MPI_Info_create(&info) == MPI_SUCCESS, "create");
    MPI_Info_get_nkeys(info, &n);
    CHECK(n == 0, "nkeys %d", n);
    MPI_Info_set(info, "alpha", "one");
    MPI_Info_set(info, "beta", "twotwo");
    MPI_Info_set(info, "gamma", "3");
    MPI_Info_set(info, "alpha", "uno"); /* replace keeps the position */
    MPI_Info_get_nkeys(info, &n);
    CHECK(n == 3, "nkeys %d", n);
    const char *order[3] = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 3; i++) {
        MPI_Info_get_nthkey(info, i, key);
        CHECK(strcmp(key, order[i]) == 0, "nthkey %d = %s", i, key);
    }
    MPI_Info_get(info, "alpha", sizeof val - 1, val, &flag);
    CHECK(flag == 1 && strcmp(val, "uno") == 0, "get alpha = %s", val);
    MPI_Info_get(info, "nope", sizeof val - 1, val, &flag);
    CHECK(flag == 0, "get missing flag %d", flag);
    /* Info_get truncates to valuelen characters */
    memset(val, 'x', sizeof val);
    MPI_Info_get(info, "beta", 3, val, &flag);
    CHECK(flag == 1 && strcmp(val, "two") == 0, "truncated get = %s", val);
    MPI_Info_get_valuelen(info, "beta", &len, &flag);
    CHECK(flag == 1 && len == 6, "valuelen %d", len);
    MPI_Info_get_valuelen(info, "nope", &len, &flag);
    CHECK(flag == 0, "valuelen missing");
    /* Info_get_string: buflen 0 asks for the size */
    int buflen = 0;
    MPI_Info_get_string(info, "beta", &buflen, val, &flag);
    CHECK(flag == 1 && buflen == 7, "get_string size %d", buflen);
    buflen = 4;
    MPI_Info_get_string(info, "beta", &buflen, val, &flag);
    CHECK(flag == 1 && buflen == 7 && strcmp(val, "twt") != 0 && strcmp(val, "two") == 0, "get_string truncated %s %d", val, buflen);
    buflen = sizeof val;
    MPI_Info_get_string(info, "gamma", &buflen, val, &flag);
    CHECK(flag == 1 && buflen == 2 && strcmp(val, "3") == 0, "get_string %s", val);

    MPI_Info_dup(info, &dup);
    MPI_Info_delete(info, "beta");
    MPI_Info_get_nkeys(info, &n);
    CHECK(n == 2, "nkeys after delete %d", n);
    MPI_Info_get_nthkey(info, 1, key);
    CHECK(strcmp(key, "gamma") == 0, "order after delete %s", key);
    MPI_Info_get_nkeys(dup, &n);
    CHECK(n == 3, "dup unaffected %d", n);
    MPI_Info_get(dup, "beta", sizeof val - 1, val, &flag);
    CHECK(flag && strcmp(val, "twotwo") == 0, "dup value %s", val);

    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Info_delete(info, "beta"), MPI_ERR_INFO_NOKEY);
    CHECK_CLASS(MPI_Info_set(info, "", "v"), MPI_ERR_INFO_KEY);
    char longkey[MPI_MAX_INFO_KEY + 10];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    CHECK_CLASS(MPI_Info_set(info, longkey, "v"), MPI_ERR_INFO_KEY);
    CHECK_CLASS(MPI_Info_get_nthkey(info, 5, key), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Info_set(MPI_INFO_ENV, "k", "v"), MPI_ERR_INFO);
    MPI_Info env = MPI_INFO_ENV;
    CHECK_CLASS(MPI_Info_free(&env), MPI_ERR_INFO);
    MPI_Info dead = dup;
    MPI_Info_free(&dup);
    CHECK(dup == MPI_INFO_NULL, "free did not reset");
    CHECK_CLASS(MPI_Info_get_nkeys(dead, &n), MPI_ERR_INFO);
    CHECK_CLASS(MPI_Info_get_nkeys(MPI_INFO_NULL, &n), MPI_ERR_INFO);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Info_free(&info);
}

static void test_env(int argc, char **argv) {
    char val[MPI_MAX_INFO_VAL + 1];
    int flag = 0;
    MPI_Info_get(MPI_INFO_ENV, "maxprocs", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && atoi(val) == size, "maxprocs %s", val);
    MPI_Info_get(MPI_INFO_ENV, "command", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && strlen(val) > 0, "command");
    MPI_Info_get(MPI_INFO_ENV, "host", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && strcmp(val, "testhost") == 0, "host %s", val);
    MPI_Info_get(MPI_INFO_ENV, "argv", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && strcmp(val, argc > 1 ? argv[1] : "") == 0, "argv '%s'", val);
    MPI_Info_get(MPI_INFO_ENV, "thread_level", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && strcmp(val, "MPI_THREAD_SINGLE") == 0, "thread_level %s", val);
    MPI_Info e;
    MPI_Info_create_env(argc, argv, &e);
    MPI_Info_get(e, "maxprocs", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag && atoi(val) == size, "create_env maxprocs %s", val);
    MPI_Info_set(e, "mine", "yes"); /* a copy: writable */
    MPI_Info_get(MPI_INFO_ENV, "mine", MPI_MAX_INFO_VAL, val, &flag);
    CHECK(flag == 0, "MPI_INFO_ENV changed");
    MPI_Info d;
    MPI_Info_dup(MPI_INFO_ENV, &d);
    int n1, n2;
    MPI_Info_get_nkeys(d, &n1);
    MPI_Info_get_nkeys(MPI_INFO_ENV, &n2);
    CHECK(n1 == n2 && n1 >= 4, "dup of MPI_INFO_ENV %d %d", n1, n2);
    MPI_Info_free(&d);
    MPI_Info_free(&e);
}

static void test_comm_info(void) {
    MPI_Info hints, got;
    char val[32];
    int flag, n;
    MPI_Info_create(&hints);
    MPI_Info_set(hints, "mpi_assert_no_any_tag", "true");
    MPI_Comm c, c2, c3;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    MPI_Comm_get_info(c, &got);
    MPI_Info_get_nkeys(got, &n);
    CHECK(n == 0, "fresh comm hints %d", n);
    MPI_Info_free(&got);
    MPI_Comm_set_info(c, hints);
    MPI_Comm_get_info(c, &got);
    MPI_Info_get(got, "mpi_assert_no_any_tag", sizeof val - 1, val, &flag);
    CHECK(flag && strcmp(val, "true") == 0, "Comm_get_info %s", val);
    /* a copy: changing it does not change the communicator's */
    MPI_Info_set(got, "x", "y");
    MPI_Info_free(&got);
    MPI_Comm_dup(c, &c2);
    MPI_Comm_get_info(c2, &got);
    MPI_Info_get_nkeys(got, &n);
    MPI_Info_get(got, "mpi_assert_no_any_tag", sizeof val - 1, val, &flag);
    CHECK(n == 1 && flag, "Comm_dup hints: %d keys", n);
    MPI_Info_free(&got);
    MPI_Info other;
    MPI_Info_create(&other);
    MPI_Info_set(other, "mpi_assert_allow_overtaking", "false");
    MPI_Comm_dup_with_info(c, other, &c3);
    MPI_Comm_get_info(c3, &got);
    MPI_Info_get(got, "mpi_assert_allow_overtaking", sizeof val - 1, val, &flag);
    MPI_Info_get_nkeys(got, &n);
    CHECK(flag && n == 1 && strcmp(val, "false") == 0, "dup_with_info hints %d", n);
    MPI_Info_free(&got);
    /* split_type takes a real info */
    MPI_Comm sh;
    CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, hints, &sh) == MPI_SUCCESS, "split_type with info");
    int shsize = 0;
    MPI_Comm_size(sh, &shsize);
    CHECK(shsize == size, "shared size %d", shsize);
    MPI_Comm_free(&sh);
    MPI_Comm_free(&c3);
    MPI_Comm_free(&c2);
    MPI_Comm_free(&c);
    MPI_Info_free(&other);
    MPI_Info_free(&hints);
}

int main(int argc, char **argv) {
    MPI_Info pre;
    /* info objects may be used before MPI_Init */
    int ok = MPI_Info_create(&pre) == MPI_SUCCESS && MPI_Info_free(&pre) == MPI_SUCCESS;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(ok, "Info before MPI_Init");
    test_basic();
    test_env(argc, argv);
    test_comm_info();
    return mtest_finish();
}
