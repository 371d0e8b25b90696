/* session_basic.c: the MPI-4 sessions model without MPI_Init. Process sets
 * (names, lengths, info), groups from them, communicators made from groups
 * (all processes, and the even and odd ones concurrently with different
 * string tags), an intercommunicator from two groups, session info and
 * error handlers, then MPI_Session_finalize. With argument "leak" the
 * program returns with its session open, which is an error. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int errors = 0, checks = 0, handled = 0;
static MPI_Session seen_session = MPI_SESSION_NULL;
static int seen_code = 0;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        checks++;                                                         \
        if (!(cond)) {                                                    \
            errors++;                                                     \
            printf("FAIL line %d: %s: ", __LINE__, #cond);                \
            printf(__VA_ARGS__);                                          \
            printf("\n");                                                 \
        }                                                                 \
    } while (0)

static int class_of(int rc) {
    int c = -1;
    MPI_Error_class(rc, &c);
    return c;
}

static void on_error(MPI_Session *s, int *code, ...) {
    handled++;
    seen_session = *s;
    seen_code = *code;
}

int main(int argc, char **argv) {
    MPI_Session s, s2;
    MPI_Info info;
    CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s) == MPI_SUCCESS, "init");

    int npsets = 0;
    MPI_Session_get_num_psets(s, MPI_INFO_NULL, &npsets);
    CHECK(npsets == 2, "%d process sets", npsets);
    int found_world = 0, found_self = 0;
    for (int i = 0; i < npsets; i++) {
        int len = 0;
        MPI_Session_get_nth_pset(s, MPI_INFO_NULL, i, &len, NULL);
        char name[MPI_MAX_PSET_NAME_LEN];
        CHECK(len > 1 && len <= MPI_MAX_PSET_NAME_LEN, "length %d", len);
        MPI_Session_get_nth_pset(s, MPI_INFO_NULL, i, &len, name);
        CHECK((int)strlen(name) == len - 1, "name %s of length %d", name, len);
        found_world += strcmp(name, "mpi://WORLD") == 0;
        found_self += strcmp(name, "mpi://SELF") == 0;
    }
    CHECK(found_world == 1 && found_self == 1, "WORLD %d SELF %d", found_world, found_self);
    int len = 0;
    CHECK(class_of(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, 2, &len, NULL)) == MPI_ERR_ARG, "pset 2");

    MPI_Group world, self;
    CHECK(MPI_Group_from_session_pset(s, "mpi://WORLD", &world) == MPI_SUCCESS, "WORLD group");
    MPI_Group_from_session_pset(s, "mpi://SELF", &self);
    CHECK(class_of(MPI_Group_from_session_pset(s, "mpi://NOWHERE", &self)) == MPI_ERR_ARG, "unknown pset");
    int size = 0, rank = -1, ssize = 0;
    MPI_Group_size(world, &size);
    MPI_Group_rank(world, &rank);
    MPI_Group_size(self, &ssize);
    CHECK(size >= 1 && rank >= 0 && rank < size && ssize == 1, "size %d rank %d self %d", size, rank, ssize);

    MPI_Session_get_pset_info(s, "mpi://WORLD", &info);
    char v[MPI_MAX_INFO_VAL];
    int vlen = MPI_MAX_INFO_VAL, flag = 0;
    MPI_Info_get_string(info, "mpi_size", &vlen, v, &flag);
    char want[16];
    snprintf(want, sizeof want, "%d", size);
    CHECK(flag && strcmp(v, want) == 0, "mpi_size %s", flag ? v : "(none)");
    MPI_Info_free(&info);

    /* A communicator of everyone, used like MPI_COMM_WORLD. */
    MPI_Comm all;
    CHECK(MPI_Comm_create_from_group(world, "org.wasmpi.test.all", MPI_INFO_NULL, MPI_ERRORS_RETURN, &all) == MPI_SUCCESS, "create all");
    int r = -1, n = 0, sum = 0;
    MPI_Comm_rank(all, &r);
    MPI_Comm_size(all, &n);
    CHECK(r == rank && n == size, "rank %d size %d", r, n);
    MPI_Allreduce(&r, &sum, 1, MPI_INT, MPI_SUM, all);
    CHECK(sum == size * (size - 1) / 2, "sum %d", sum);
    int token = r, got = -1;
    MPI_Sendrecv(&token, 1, MPI_INT, (r + 1) % n, 5, &got, 1, MPI_INT, (r + n - 1) % n, 5, all, MPI_STATUS_IGNORE);
    CHECK(got == (r + n - 1) % n, "ring got %d", got);

    /* Even and odd processes at the same time, with different tags. */
    int parity = rank % 2;
    MPI_Group evens, odds;
    MPI_Group_range_incl(world, 1, (int[][3]){{0, size - 1, 2}}, &evens);
    if (size > 1)
        MPI_Group_range_incl(world, 1, (int[][3]){{1, size - 1, 2}}, &odds);
    else
        odds = MPI_GROUP_EMPTY;
    MPI_Comm half;
    CHECK(MPI_Comm_create_from_group(parity ? odds : evens, parity ? "odds" : "evens", MPI_INFO_NULL,
                                     MPI_ERRORS_RETURN, &half) == MPI_SUCCESS, "create half");
    int hsum = 0, hsize = 0;
    MPI_Comm_size(half, &hsize);
    MPI_Allreduce(&rank, &hsum, 1, MPI_INT, MPI_SUM, half);
    int expect = 0, ecount = 0;
    for (int i = parity; i < size; i += 2) {
        expect += i;
        ecount++;
    }
    CHECK(hsize == ecount && hsum == expect, "half: size %d sum %d, want %d %d", hsize, hsum, ecount, expect);

    if (size >= 2) {
        MPI_Comm inter, merged;
        CHECK(MPI_Intercomm_create_from_groups(parity ? odds : evens, 0, parity ? evens : odds, 0, "pairs",
                                               MPI_INFO_NULL, MPI_ERRORS_RETURN, &inter) == MPI_SUCCESS, "intercomm");
        int is_inter = 0, rsize = 0;
        MPI_Comm_test_inter(inter, &is_inter);
        MPI_Comm_remote_size(inter, &rsize);
        CHECK(is_inter && rsize == size - ecount, "inter %d remote size %d", is_inter, rsize);
        int hr = -1, other = -1;
        MPI_Comm_rank(inter, &hr);
        if (hr < rsize)
            MPI_Sendrecv(&rank, 1, MPI_INT, hr, 9, &other, 1, MPI_INT, hr, 9, inter, MPI_STATUS_IGNORE);
        if (hr < rsize)
            CHECK(other == 2 * hr + !parity, "partner of %d is %d", rank, other);
        MPI_Intercomm_merge(inter, parity, &merged);
        int msize = 0;
        MPI_Comm_size(merged, &msize);
        CHECK(msize == size, "merged size %d", msize);
        MPI_Comm_free(&merged);
        MPI_Comm_free(&inter);
        CHECK(class_of(MPI_Intercomm_create_from_groups(world, 0, world, 0, "bad", MPI_INFO_NULL, MPI_ERRORS_RETURN,
                                                        &inter)) == MPI_ERR_GROUP, "overlapping groups");
    }

    /* Session info and error handlers. */
    MPI_Info_create(&info);
    MPI_Info_set(info, "thread_level", "MPI_THREAD_MULTIPLE");
    MPI_Errhandler eh;
    MPI_Session_create_errhandler(on_error, &eh);
    CHECK(MPI_Session_init(info, eh, &s2) == MPI_SUCCESS, "second session");
    MPI_Info_free(&info);
    MPI_Session_get_info(s2, &info);
    vlen = MPI_MAX_INFO_VAL;
    MPI_Info_get_string(info, "thread_level", &vlen, v, &flag);
    CHECK(flag && strcmp(v, "MPI_THREAD_MULTIPLE") == 0, "thread_level %s", flag ? v : "(none)");
    MPI_Info_free(&info);
    int rc = MPI_Session_get_nth_pset(s2, MPI_INFO_NULL, -1, &len, NULL);
    CHECK(class_of(rc) == MPI_ERR_ARG && handled == 1 && seen_session == s2 && seen_code == rc,
          "handler called %d times (code %d, rc %d)", handled, seen_code, rc);
    MPI_Session_call_errhandler(s2, MPI_ERR_OTHER);
    CHECK(handled == 2 && seen_code == MPI_ERR_OTHER, "call_errhandler: %d, %d", handled, seen_code);
    MPI_Errhandler got_eh;
    MPI_Session_get_errhandler(s2, &got_eh);
    CHECK(got_eh == eh, "get_errhandler");
    MPI_Errhandler_free(&got_eh);
    MPI_Session_set_errhandler(s2, MPI_ERRORS_RETURN);
    MPI_Session_call_errhandler(s2, MPI_ERR_OTHER);
    CHECK(handled == 2, "no handler after set_errhandler");
    MPI_Errhandler_free(&eh);
    CHECK(MPI_Session_f2c(MPI_Session_c2f(s2)) == s2, "Session c2f/f2c");
    CHECK(MPI_Session_finalize(&s2) == MPI_SUCCESS && s2 == MPI_SESSION_NULL, "finalize second");

    MPI_Group_free(&world);
    MPI_Group_free(&self);
    MPI_Group_free(&evens);
    if (odds != MPI_GROUP_EMPTY)
        MPI_Group_free(&odds);
    MPI_Comm_free(&half);

    int total = 0;
    MPI_Allreduce(&errors, &total, 1, MPI_INT, MPI_SUM, all);
    if (rank == 0 && total == 0)
        printf("No Errors (%d checks)\n", checks);
    else if (errors)
        printf("rank %d: %d errors\n", rank, errors);
    MPI_Comm_free(&all);
    if (argc > 1 && strcmp(argv[1], "leak") == 0)
        return 0;
    CHECK(MPI_Session_finalize(&s) == MPI_SUCCESS && s == MPI_SESSION_NULL, "finalize");
    return errors != 0;
}
