/* comm_basic.c: MPI_Comm_dup and its variants, MPI_Comm_compare, names,
 * MPI_Comm_test_inter, error handler inheritance, MPI_Comm_free, the
 * isolation of a duplicate from its parent (wildcard receives, probes,
 * collectives in flight on both), and creating and freeing communicators
 * in loops (handles and context ids are recycled / keep working). Runs
 * with any number of ranks. */
#include "mtest.h"

static int rank, size;

static void check_same_group(MPI_Comm c, const char *what) {
    int r = -1, s = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &s);
    CHECK(r == rank && s == size, "%s: rank %d size %d, want %d %d", what, r, s, rank, size);
}

static int sum_ranks(MPI_Comm c) {
    int v = rank, sum = -1;
    int rc = MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(rc == MPI_SUCCESS, "Allreduce rc %d", rc);
    return sum;
}

static void test_dup_compare(void) {
    MPI_Comm dup = MPI_COMM_NULL, dup2 = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    CHECK(rc == MPI_SUCCESS, "Comm_dup rc %d", rc);
    CHECK(dup != MPI_COMM_NULL && dup != MPI_COMM_WORLD && dup != MPI_COMM_SELF, "Comm_dup handle %p", (void *)dup);
    check_same_group(dup, "dup");
    CHECK(sum_ranks(dup) == size * (size - 1) / 2, "Allreduce on dup");

    int res = -1;
    MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, &res);
    CHECK(res == MPI_IDENT, "compare(WORLD, WORLD) = %d, want MPI_IDENT", res);
    MPI_Comm_compare(MPI_COMM_WORLD, dup, &res);
    CHECK(res == MPI_CONGRUENT, "compare(WORLD, dup) = %d, want MPI_CONGRUENT", res);
    MPI_Comm_compare(dup, dup, &res);
    CHECK(res == MPI_IDENT, "compare(dup, dup) = %d, want MPI_IDENT", res);
    MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_SELF, &res);
    CHECK(res == (size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(WORLD, SELF) = %d", res);
    MPI_Comm_compare(MPI_COMM_SELF, MPI_COMM_SELF, &res);
    CHECK(res == MPI_IDENT, "compare(SELF, SELF) = %d, want MPI_IDENT", res);

    rc = MPI_Comm_dup(dup, &dup2);
    CHECK(rc == MPI_SUCCESS && dup2 != dup, "dup of dup rc %d", rc);
    MPI_Comm_compare(dup2, dup, &res);
    CHECK(res == MPI_CONGRUENT, "compare(dup2, dup) = %d, want MPI_CONGRUENT", res);

    int flag = -1;
    MPI_Comm_test_inter(dup, &flag);
    CHECK(flag == 0, "test_inter(dup) = %d", flag);
    MPI_Comm_test_inter(MPI_COMM_WORLD, &flag);
    CHECK(flag == 0, "test_inter(WORLD) = %d", flag);

    rc = MPI_Comm_free(&dup2);
    CHECK(rc == MPI_SUCCESS && dup2 == MPI_COMM_NULL, "Comm_free rc %d, handle %p", rc, (void *)dup2);
    /* dup is still fine after its duplicate went away. */
    CHECK(sum_ranks(dup) == size * (size - 1) / 2, "Allreduce on dup after freeing dup2");
    rc = MPI_Comm_free(&dup);
    CHECK(rc == MPI_SUCCESS && dup == MPI_COMM_NULL, "Comm_free rc %d", rc);

    MPI_Comm_dup(MPI_COMM_SELF, &dup);
    MPI_Comm_compare(MPI_COMM_SELF, dup, &res);
    CHECK(res == MPI_CONGRUENT, "compare(SELF, dup(SELF)) = %d", res);
    int r = -1, s = -1;
    MPI_Comm_rank(dup, &r);
    MPI_Comm_size(dup, &s);
    CHECK(r == 0 && s == 1, "dup(SELF) rank %d size %d", r, s);
    MPI_Comm_free(&dup);
}

static void test_names(void) {
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    int rc = MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
    CHECK(rc == MPI_SUCCESS && strcmp(name, "MPI_COMM_WORLD") == 0 && len == 14, "WORLD name \"%s\" len %d", name, len);
    MPI_Comm_get_name(MPI_COMM_SELF, name, &len);
    CHECK(strcmp(name, "MPI_COMM_SELF") == 0 && len == 13, "SELF name \"%s\" len %d", name, len);

    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    strcpy(name, "garbage");
    len = -1;
    MPI_Comm_get_name(dup, name, &len);
    CHECK(name[0] == 0 && len == 0, "new comm name \"%s\" len %d, want empty", name, len);
    rc = MPI_Comm_set_name(dup, "my duplicate");
    CHECK(rc == MPI_SUCCESS, "set_name rc %d", rc);
    MPI_Comm_get_name(dup, name, &len);
    CHECK(strcmp(name, "my duplicate") == 0 && len == 12, "name \"%s\" len %d", name, len);
    /* A duplicate does not inherit the name. */
    MPI_Comm dup2;
    MPI_Comm_dup(dup, &dup2);
    MPI_Comm_get_name(dup2, name, &len);
    CHECK(len == 0, "dup of a named comm has name \"%s\"", name);
    /* Names longer than MPI_MAX_OBJECT_NAME-1 are truncated. */
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    rc = MPI_Comm_set_name(dup2, longname);
    CHECK(rc == MPI_SUCCESS, "set_name(long) rc %d", rc);
    MPI_Comm_get_name(dup2, name, &len);
    CHECK(len == MPI_MAX_OBJECT_NAME - 1 && strlen(name) == (size_t)len, "long name truncated to %d", len);
    /* Renaming a predefined communicator is allowed. */
    MPI_Comm_set_name(MPI_COMM_SELF, "me");
    MPI_Comm_get_name(MPI_COMM_SELF, name, &len);
    CHECK(strcmp(name, "me") == 0, "SELF renamed \"%s\"", name);
    MPI_Comm_set_name(MPI_COMM_SELF, "MPI_COMM_SELF");
    MPI_Comm_free(&dup);
    MPI_Comm_free(&dup2);
}

static void test_errhandler_inherit(void) {
    MPI_Comm a, b;
    MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_get_errhandler(a, &eh);
    CHECK(eh == MPI_ERRORS_ARE_FATAL, "dup of WORLD has errhandler %p", (void *)eh);
    MPI_Comm_set_errhandler(a, MPI_ERRORS_RETURN);
    MPI_Comm_dup(a, &b);
    MPI_Comm_get_errhandler(b, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "dup inherits errhandler: %p", (void *)eh);
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
    CHECK(eh == MPI_ERRORS_ARE_FATAL, "WORLD errhandler changed: %p", (void *)eh);
    /* An error on b comes back although WORLD's handler is fatal. */
    int x = 0;
    int rc = MPI_Send(&x, 1, MPI_INT, size, 0, b);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    MPI_Comm_free(&b);
    MPI_Comm_free(&a);
}

/* Messages on a duplicate are never received on the parent, even by
 * wildcard receives, and the other way round. */
static void test_isolation(void) {
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int a = 1000 + rank, b = 2000 + rank, c = 3000 + rank;
    /* The dup message is sent first, so it is first in the queue. */
    MPI_Send(&a, 1, MPI_INT, next, 5, dup);
    MPI_Send(&b, 1, MPI_INT, next, 6, MPI_COMM_WORLD);
    MPI_Send(&c, 1, MPI_INT, next, 5, dup);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Barrier(dup);

    int v = -1, flag = -1;
    MPI_Status st;
    MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK(v == 2000 + prev && st.MPI_SOURCE == prev && st.MPI_TAG == 6, "WORLD got %d from %d tag %d", v, st.MPI_SOURCE,
          st.MPI_TAG);
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    CHECK(flag == 0, "WORLD still has a message (from %d tag %d)", st.MPI_SOURCE, st.MPI_TAG);
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, dup, &flag, &st);
    CHECK(flag == 1 && st.MPI_SOURCE == prev && st.MPI_TAG == 5, "dup probe flag %d source %d tag %d", flag, st.MPI_SOURCE,
          st.MPI_TAG);
    MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, dup, &st);
    CHECK(v == 1000 + prev, "dup got %d, want %d", v, 1000 + prev);
    MPI_Recv(&v, 1, MPI_INT, prev, 5, dup, &st);
    CHECK(v == 3000 + prev, "dup got %d, want %d", v, 3000 + prev);
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, dup, &flag, &st);
    CHECK(flag == 0, "dup still has a message");

    /* Collectives in flight on both: the roots' small broadcasts are
     * buffered while the others are still in earlier calls. */
    int x[4];
    for (int round = 0; round < 20; round++) {
        int root1 = round % size, root2 = (round * 7 + 3) % size;
        x[0] = rank == root1 ? 11 * round : -1;
        x[1] = rank == root2 ? 13 * round : -1;
        x[2] = rank == root1 ? 17 * round : -1;
        MPI_Bcast(&x[0], 1, MPI_INT, root1, MPI_COMM_WORLD);
        MPI_Bcast(&x[1], 1, MPI_INT, root2, dup);
        MPI_Bcast(&x[2], 1, MPI_INT, root1, MPI_COMM_WORLD);
        int s1 = -1, s2 = -1, one = 1;
        MPI_Allreduce(&one, &s1, 1, MPI_INT, MPI_SUM, dup);
        MPI_Allreduce(&rank, &s2, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        CHECK(x[0] == 11 * round && x[1] == 13 * round && x[2] == 17 * round && s1 == size && s2 == size - 1,
              "round %d: %d %d %d %d %d", round, x[0], x[1], x[2], s1, s2);
    }
    MPI_Comm_free(&dup);
}

static void test_dup_variants(void) {
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Status st;
    int rc = MPI_Comm_idup(MPI_COMM_WORLD, &c, &req);
    CHECK(rc == MPI_SUCCESS && req != MPI_REQUEST_NULL, "Comm_idup rc %d", rc);
    rc = MPI_Wait(&req, &st);
    CHECK(rc == MPI_SUCCESS && req == MPI_REQUEST_NULL, "Wait(idup) rc %d", rc);
    check_same_group(c, "idup");
    CHECK(sum_ranks(c) == size * (size - 1) / 2, "Allreduce on idup");
    int res = -1;
    MPI_Comm_compare(c, MPI_COMM_WORLD, &res);
    CHECK(res == MPI_CONGRUENT, "compare(idup, WORLD) = %d", res);
    MPI_Comm_free(&c);

    rc = MPI_Comm_dup_with_info(MPI_COMM_WORLD, MPI_INFO_NULL, &c);
    CHECK(rc == MPI_SUCCESS, "dup_with_info rc %d", rc);
    check_same_group(c, "dup_with_info");
    MPI_Comm_compare(c, MPI_COMM_WORLD, &res);
    CHECK(res == MPI_CONGRUENT, "compare(dup_with_info, WORLD) = %d", res);
    MPI_Comm c2;
    rc = MPI_Comm_idup_with_info(c, MPI_INFO_ENV, &c2, &req);
    CHECK(rc == MPI_SUCCESS, "idup_with_info rc %d", rc);
    int flag = 0;
    while (!flag) MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 1 && req == MPI_REQUEST_NULL, "Test(idup_with_info) flag %d", flag);
    CHECK(sum_ranks(c2) == size * (size - 1) / 2, "Allreduce on idup_with_info");
    MPI_Comm_free(&c2);
    MPI_Comm_free(&c);

    MPI_Comm parent = MPI_COMM_WORLD;
    MPI_Comm_get_parent(&parent);
    CHECK(parent == MPI_COMM_NULL, "Comm_get_parent %p", (void *)parent);
}

/* Create and free communicators in loops: handles are recycled (more
 * iterations than there are communicator handles) and new context ids
 * keep working. */
static void test_loops(void) {
    for (int i = 0; i < 1000; i++) {
        MPI_Comm c;
        int rc = MPI_Comm_dup(MPI_COMM_WORLD, &c);
        if (rc != MPI_SUCCESS) {
            CHECK(0, "iteration %d: Comm_dup rc %d", i, rc);
            break;
        }
        int v = rank + i, sum = -1;
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, c);
        if (sum != size * (size - 1) / 2 + size * i) {
            CHECK(0, "iteration %d: sum %d", i, sum);
            break;
        }
        MPI_Comm_free(&c);
    }
    /* 20000 > the 12288 communicator handles: only works if freed handles
     * are reused. MPI_COMM_SELF's duplicates cost no communication. */
    for (int i = 0; i < 20000; i++) {
        MPI_Comm c;
        int rc = MPI_Comm_dup(MPI_COMM_SELF, &c);
        if (rc != MPI_SUCCESS) {
            CHECK(0, "iteration %d: Comm_dup(SELF) rc %d", i, rc);
            break;
        }
        rc = MPI_Comm_free(&c);
        if (rc != MPI_SUCCESS || c != MPI_COMM_NULL) {
            CHECK(0, "iteration %d: Comm_free rc %d", i, rc);
            break;
        }
    }
    /* Many live at once, then all freed. */
    enum { LIVE = 100 };
    MPI_Comm cs[LIVE];
    for (int i = 0; i < LIVE; i++) MPI_Comm_dup(i % 2 ? MPI_COMM_WORLD : MPI_COMM_SELF, &cs[i]);
    int shared = 0;
    for (int i = 0; i < LIVE; i++)
        for (int j = 0; j < i; j++) shared += cs[i] == cs[j];
    CHECK(shared == 0, "%d pairs of live communicators share a handle", shared);
    /* Traffic on all of them at once: each message lands on its own. */
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    for (int i = 1; i < LIVE; i += 2) {
        int v = i;
        MPI_Send(&v, 1, MPI_INT, next, 0, cs[i]);
    }
    for (int i = LIVE - 1; i >= 1; i -= 2) {
        int v = -1;
        MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, cs[i], MPI_STATUS_IGNORE);
        CHECK(v == i, "communicator %d received %d", i, v);
    }
    (void)prev;
    for (int i = 0; i < LIVE; i++) MPI_Comm_free(&cs[i]);
    /* Groups are recycled as well (16384 group handles). */
    for (int i = 0; i < 20000; i++) {
        MPI_Group g;
        MPI_Comm_group(MPI_COMM_WORLD, &g);
        int rc = MPI_Group_free(&g);
        if (rc != MPI_SUCCESS || g != MPI_GROUP_NULL) {
            CHECK(0, "iteration %d: Group_free rc %d", i, rc);
            break;
        }
    }
}

/* init starts MPI; "multiple" as argv[1] asks every rank for
 * MPI_THREAD_MULTIPLE, "mixed" only the odd ranks (PMI_RANK tells the rank
 * before MPI_Init). Communicator creation then confirms its context ids in
 * a second round. */
static void init(int *argc, char ***argv) {
    const char *mode = *argc > 1 ? (*argv)[1] : "";
    const char *pr = getenv("PMI_RANK");
    int odd = pr && atoi(pr) % 2;
    int provided = -1;
    if (strcmp(mode, "multiple") == 0 || (strcmp(mode, "mixed") == 0 && odd)) {
        MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
        CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d", provided);
    } else
        MPI_Init(argc, argv);
}

int main(int argc, char **argv) {
    init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_dup_compare();
    test_names();
    test_errhandler_inherit();
    test_isolation();
    test_dup_variants();
    test_loops();
    return mtest_finish();
}
