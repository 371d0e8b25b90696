/* comm_inter.c: intercommunicators. MPI_Intercomm_create between the even
 * and the odd ranks of MPI_COMM_WORLD (leaders talking over WORLD, and over
 * a duplicate with another tag at the same time), MPI_Comm_test_inter,
 * sizes, remote size and group, point-to-point across (wildcards, status
 * source = rank in the remote group), MPI_Comm_dup and MPI_Comm_compare of
 * intercommunicators, MPI_Intercomm_merge with every high/low combination,
 * a collective, MPI_Scan refused with MPI_ERR_COMM, and freeing. Needs 2 or more
 * ranks; with one it only checks that nothing breaks. */
#include "mtest.h"

static int rank, size;

/* world ranks of the group with the given parity, ascending */
static int parity_ranks(int parity, int *out) {
    int n = 0;
    for (int r = parity; r < size; r += 2) out[n++] = r;
    return n;
}

static void group_is(MPI_Group g, const int *want, int n, const char *what) {
    MPI_Group wg;
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    int m = -1;
    MPI_Group_size(g, &m);
    CHECK(m == n, "%s: size %d, want %d", what, m, n);
    for (int i = 0; i < n && i < m; i++) {
        int w = -1;
        MPI_Group_translate_ranks(g, 1, &i, wg, &w);
        CHECK(w == want[i], "%s: rank %d is world %d, want %d", what, i, w, want[i]);
    }
    MPI_Group_free(&wg);
}

/* Every local rank i sends its world rank to remote rank i % rsize; every
 * process receives, with MPI_ANY_SOURCE, one message from each remote rank j
 * with j % lsize == its rank, and checks source and payload. */
static void exchange(MPI_Comm inter, const int *remote, int tag, const char *what) {
    int lsize, lrank, rsize;
    MPI_Comm_size(inter, &lsize);
    MPI_Comm_rank(inter, &lrank);
    MPI_Comm_remote_size(inter, &rsize);
    MPI_Request sreq;
    MPI_Isend(&rank, 1, MPI_INT, lrank % rsize, tag, inter, &sreq);
    int expected = 0;
    for (int j = 0; j < rsize; j++)
        if (j % lsize == lrank) expected++;
    for (int k = 0; k < expected; k++) {
        int v = -1;
        MPI_Status st;
        MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, inter, &st);
        int s = st.MPI_SOURCE;
        CHECK(s >= 0 && s < rsize && s % lsize == lrank && st.MPI_TAG == tag && v == remote[s],
              "%s: got %d from remote %d tag %d", what, v, s, st.MPI_TAG);
    }
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
}

static void check_merged(MPI_Comm m, int first_parity, const char *what) {
    int want[64], n = 0, got[64];
    n += parity_ranks(first_parity, want);
    n += parity_ranks(1 - first_parity, want + n);
    int s = -1, r = -1;
    MPI_Comm_size(m, &s);
    MPI_Comm_rank(m, &r);
    CHECK(s == size, "%s: size %d", what, s);
    MPI_Allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, m);
    for (int i = 0; i < n; i++) CHECK(got[i] == want[i], "%s: rank %d is world %d, want %d", what, i, got[i], want[i]);
    CHECK(want[r] == rank, "%s: my rank %d", what, r);
    int flag = -1;
    MPI_Comm_test_inter(m, &flag);
    CHECK(flag == 0, "%s: merged comm is an intercommunicator", what);
    int sum = -1;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, m);
    CHECK(sum == size * (size - 1) / 2, "%s: Allreduce %d", what, sum);
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
    if (size < 2) return mtest_finish();

    int color = rank % 2, mine[64], other[64];
    int nmine = parity_ranks(color, mine), nother = parity_ranks(1 - color, other);
    MPI_Comm local, inter = MPI_COMM_NULL, inter2 = MPI_COMM_NULL, wdup;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank, &local);
    MPI_Comm_set_errhandler(local, MPI_ERRORS_RETURN);
    /* Leaders: world 0 for the evens, world 1 for the odds. */
    int rc = MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - color, 99, &inter);
    CHECK(rc == MPI_SUCCESS && inter != MPI_COMM_NULL, "Intercomm_create rc %d", rc);
    /* A second one, the leaders using a duplicate of WORLD and tag 0. */
    MPI_Comm_dup(MPI_COMM_WORLD, &wdup);
    rc = MPI_Intercomm_create(local, 0, wdup, 1 - color, 0, &inter2);
    CHECK(rc == MPI_SUCCESS && inter2 != MPI_COMM_NULL, "second Intercomm_create rc %d", rc);

    int flag = -1, s = -1, r = -1, rs = -1;
    MPI_Comm_test_inter(inter, &flag);
    MPI_Comm_size(inter, &s);
    MPI_Comm_rank(inter, &r);
    MPI_Comm_remote_size(inter, &rs);
    CHECK(flag == 1, "test_inter %d", flag);
    CHECK(s == nmine && r == rank / 2 && rs == nother, "size %d rank %d remote size %d, want %d %d %d", s, r, rs, nmine,
          rank / 2, nother);
    MPI_Group g;
    MPI_Comm_group(inter, &g);
    group_is(g, mine, nmine, "local group");
    MPI_Group_free(&g);
    MPI_Comm_remote_group(inter, &g);
    group_is(g, other, nother, "remote group");
    MPI_Group_free(&g);
    MPI_Errhandler eh;
    MPI_Comm_get_errhandler(inter, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "intercomm inherits local_comm's errhandler: %p", (void *)eh);
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Comm_set_name(inter, "bridge");
    MPI_Comm_get_name(inter, name, &len);
    CHECK(strcmp(name, "bridge") == 0, "intercomm name %s", name);

    /* Point to point across, on both intercommunicators at once: messages
     * of one never land on the other. */
    exchange(inter, other, 5, "inter");
    exchange(inter2, other, 6, "inter2");
    int res = -1;
    MPI_Comm_compare(inter, inter2, &res);
    CHECK(res == MPI_CONGRUENT, "compare(inter, inter2) %d", res);
    MPI_Comm_compare(inter, local, &res);
    CHECK(res == MPI_UNEQUAL, "compare(inter, local) %d", res);
    MPI_Comm_compare(inter, inter, &res);
    CHECK(res == MPI_IDENT, "compare(inter, inter) %d", res);

    /* Synchronous send to remote rank 0 and receive with a named source. */
    if (r == 0) {
        int v = 100 + color, got = -1;
        MPI_Status st;
        MPI_Sendrecv(&v, 1, MPI_INT, 0, 8, &got, 1, MPI_INT, 0, 8, inter, &st);
        CHECK(got == 101 - color && st.MPI_SOURCE == 0, "leaders exchanged %d from %d", got, st.MPI_SOURCE);
    }
    int bad = 0;
    rc = MPI_Send(&bad, 1, MPI_INT, nother, 0, inter);
    CHECK_CLASS(rc, MPI_ERR_RANK);

    /* Duplicate. */
    MPI_Comm idup;
    rc = MPI_Comm_dup(inter, &idup);
    CHECK(rc == MPI_SUCCESS, "dup(inter) rc %d", rc);
    MPI_Comm_test_inter(idup, &flag);
    MPI_Comm_remote_size(idup, &rs);
    CHECK(flag == 1 && rs == nother, "dup(inter): inter %d remote size %d", flag, rs);
    MPI_Comm_compare(inter, idup, &res);
    CHECK(res == MPI_CONGRUENT, "compare(inter, dup) %d", res);
    exchange(idup, other, 7, "dup(inter)");
    MPI_Comm_free(&idup);

    /* Collectives work (inter_coll.c tests them), except the scans, which
     * are not defined on intercommunicators; split and intercommunicator
     * creation from an intercommunicator are refused. */
    rc = MPI_Barrier(inter);
    CHECK(rc == MPI_SUCCESS, "Barrier(inter) rc %d", rc);
    int one = 1, sum = 0;
    rc = MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, inter);
    CHECK(rc == MPI_SUCCESS && sum == nother, "Allreduce(inter) rc %d sum %d", rc, sum);
    rc = MPI_Scan(&one, &sum, 1, MPI_INT, MPI_SUM, inter);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    MPI_Comm x;
    rc = MPI_Comm_split(inter, 0, 0, &x);
    CHECK_CLASS(rc, MPI_ERR_COMM);
    rc = MPI_Intercomm_create(inter, 0, MPI_COMM_WORLD, 1 - color, 98, &x);
    CHECK_CLASS(rc, MPI_ERR_COMM);

    /* Merge: low group first; on a tie, the group of world rank 0 first. */
    MPI_Comm m;
    rc = MPI_Intercomm_merge(inter, color, &m);
    CHECK(rc == MPI_SUCCESS, "merge rc %d", rc);
    check_merged(m, 0, "merge(high = odd)");
    MPI_Comm_free(&m);
    MPI_Intercomm_merge(inter, !color, &m);
    check_merged(m, 1, "merge(high = even)");
    MPI_Comm_free(&m);
    MPI_Intercomm_merge(inter2, 1, &m);
    check_merged(m, 0, "merge(both high)");
    MPI_Comm_free(&m);
    MPI_Intercomm_merge(inter2, 0, &m);
    check_merged(m, 0, "merge(both low)");
    MPI_Comm_get_errhandler(m, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "merged comm errhandler %p", (void *)eh);
    MPI_Comm_free(&m);

    /* Create, use and free in a loop. */
    for (int i = 0; i < 200; i++) {
        MPI_Comm t, mm;
        MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - color, i, &t);
        MPI_Intercomm_merge(t, i % 2 ? color : !color, &mm);
        int n = -1;
        MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, mm);
        if (n != size) {
            CHECK(0, "loop %d: merged size %d", i, n);
            break;
        }
        MPI_Comm_free(&mm);
        MPI_Comm_free(&t);
    }

    rc = MPI_Comm_free(&inter);
    CHECK(rc == MPI_SUCCESS && inter == MPI_COMM_NULL, "free(inter) rc %d", rc);
    MPI_Comm_free(&inter2);
    MPI_Comm_free(&wdup);
    MPI_Comm_free(&local);
    return mtest_finish();
}
