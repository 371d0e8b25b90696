/* comm_split.c: MPI_Comm_split (colour/key ordering, MPI_UNDEFINED, ties,
 * nested splits), MPI_Comm_split_type, MPI_Comm_create (one group, disjoint
 * groups, MPI_GROUP_EMPTY, callers outside the group), MPI_Comm_create_group,
 * comparisons of the results, point-to-point and collectives on the new
 * communicators, and split/free in a loop. Every result is checked against
 * the list of world ranks the standard's rules give. Runs with any number of
 * ranks. */
#include "mtest.h"

static int rank, size;

/* world_ranks fills out[] with the world rank of every rank of c, in rank
 * order (an Allgather on c itself, so it also exercises c). */
static int world_ranks(MPI_Comm c, int *out) {
    int n = 0;
    MPI_Comm_size(c, &n);
    int rc = MPI_Allgather(&rank, 1, MPI_INT, out, 1, MPI_INT, c);
    CHECK(rc == MPI_SUCCESS, "Allgather rc %d", rc);
    return n;
}

/* expect_split computes the world ranks of the communicator that a process
 * with colour mine gets, given every member's colour and key (indexed by
 * rank in the parent, whose world ranks are parent_world): the members of
 * that colour, by key, ties by parent rank. */
static int expect_split(int n, const int *parent_world, const int *color, const int *key, int mine, int *out) {
    int m = 0;
    for (int i = 0; i < n; i++)
        if (color[i] == mine) out[m++] = i;
    /* insertion sort: stable, so ties keep parent order */
    for (int i = 1; i < m; i++) {
        int v = out[i], j = i - 1;
        while (j >= 0 && key[out[j]] > key[v]) {
            out[j + 1] = out[j];
            j--;
        }
        out[j + 1] = v;
    }
    for (int i = 0; i < m; i++) out[i] = parent_world[out[i]];
    return m;
}

/* check_split splits parent with colour/key given as functions of the parent
 * rank and checks the result exactly; returns the new communicator. */
static MPI_Comm check_split(MPI_Comm parent, int (*colorf)(int, int), int (*keyf)(int, int), const char *what) {
    int n, prank;
    MPI_Comm_size(parent, &n);
    MPI_Comm_rank(parent, &prank);
    int *pw = malloc(n * sizeof(int)), *color = malloc(n * sizeof(int)), *key = malloc(n * sizeof(int));
    int *want = malloc(n * sizeof(int)), *got = malloc(n * sizeof(int));
    world_ranks(parent, pw);
    for (int i = 0; i < n; i++) {
        color[i] = colorf(i, n);
        key[i] = keyf(i, n);
    }
    MPI_Comm c = MPI_COMM_WORLD;
    int rc = MPI_Comm_split(parent, color[prank], key[prank], &c);
    CHECK(rc == MPI_SUCCESS, "%s: Comm_split rc %d", what, rc);
    if (color[prank] == MPI_UNDEFINED) {
        CHECK(c == MPI_COMM_NULL, "%s: MPI_UNDEFINED gave %p, not MPI_COMM_NULL", what, (void *)c);
    } else if (c == MPI_COMM_NULL) {
        CHECK(0, "%s: got MPI_COMM_NULL", what);
    } else {
        int m = expect_split(n, pw, color, key, color[prank], want);
        int gotn = world_ranks(c, got), r = -1;
        MPI_Comm_rank(c, &r);
        CHECK(gotn == m, "%s: size %d, want %d", what, gotn, m);
        int bad = 0;
        for (int i = 0; i < m && i < gotn; i++)
            if (got[i] != want[i]) bad++;
        CHECK(bad == 0, "%s: %d ranks in the wrong place (first: %d -> world %d, want %d)", what, bad, 0, got[0], want[0]);
        CHECK(r >= 0 && r < m && want[r] == rank, "%s: my rank %d", what, r);
        /* Collective and point-to-point on the new communicator. */
        int one = 1, cnt = -1, msum = -1, wsum = 0;
        for (int i = 0; i < m; i++) wsum += want[i];
        MPI_Allreduce(&one, &cnt, 1, MPI_INT, MPI_SUM, c);
        MPI_Allreduce(&rank, &msum, 1, MPI_INT, MPI_SUM, c);
        CHECK(cnt == m && msum == wsum, "%s: Allreduce count %d sum %d, want %d %d", what, cnt, msum, m, wsum);
        int next = (r + 1) % m, prev = (r + m - 1) % m, v = -1;
        MPI_Status st;
        MPI_Sendrecv(&rank, 1, MPI_INT, next, 3, &v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, c, &st);
        CHECK(v == want[prev] && st.MPI_SOURCE == prev && st.MPI_TAG == 3, "%s: ring got %d from %d, want %d from %d", what,
              v, st.MPI_SOURCE, want[prev], prev);
    }
    free(pw);
    free(color);
    free(key);
    free(want);
    free(got);
    return c;
}

static int parity(int r, int n) { return (void)n, r % 2; }
static int reversed(int r, int n) { return n - r; }
static int zero(int r, int n) { return (void)r, (void)n, 0; }
static int minus(int r, int n) { return (void)n, -r; }
static int half(int r, int n) { return (void)n, r / 2; }
static int thirds(int r, int n) { return (void)n, r % 3 == 0 ? MPI_UNDEFINED : 1 + r % 2; }
static int lower_half(int r, int n) { return r < n / 2; }
static int big_color(int r, int n) { return (void)n, 1000000 + (r % 3); }

static void test_split(void) {
    int res = -1;
    /* Parity with reversed keys: ranks descending within each parity. */
    MPI_Comm par = check_split(MPI_COMM_WORLD, parity, reversed, "parity/reversed");
    int psize = -1, prank = -1;
    MPI_Comm_size(par, &psize);
    MPI_Comm_rank(par, &prank);
    int same = 0, above = 0;
    for (int r = 0; r < size; r++)
        if (r % 2 == rank % 2) {
            same++;
            if (r > rank) above++;
        }
    CHECK(psize == same && prank == above, "parity split: size %d rank %d, want %d %d", psize, prank, same, above);
    MPI_Comm_compare(par, MPI_COMM_WORLD, &res);
    CHECK(res == (size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(parity, WORLD) = %d", res);

    /* Nested: split the parity communicator into its lower and upper half. */
    MPI_Comm nested = check_split(par, lower_half, minus, "nested");
    MPI_Comm_compare(nested, par, &res);
    CHECK(res == (psize == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(nested, parity) = %d", res);
    MPI_Comm deeper = check_split(nested, zero, zero, "nested twice");
    MPI_Comm_compare(deeper, nested, &res);
    CHECK(res == MPI_CONGRUENT, "compare(deeper, nested) = %d", res);
    MPI_Comm_free(&deeper);
    MPI_Comm_free(&nested);
    MPI_Comm_free(&par);

    /* One colour, same order: congruent; reversed order: similar. */
    MPI_Comm c = check_split(MPI_COMM_WORLD, zero, zero, "one colour");
    MPI_Comm_compare(c, MPI_COMM_WORLD, &res);
    CHECK(res == MPI_CONGRUENT, "compare(one colour, WORLD) = %d", res);
    MPI_Comm_free(&c);
    c = check_split(MPI_COMM_WORLD, zero, minus, "one colour reversed");
    MPI_Comm_compare(c, MPI_COMM_WORLD, &res);
    CHECK(res == (size == 1 ? MPI_CONGRUENT : MPI_SIMILAR), "compare(reversed, WORLD) = %d", res);
    MPI_Comm_free(&c);
    /* Ties broken by the parent rank. */
    c = check_split(MPI_COMM_WORLD, zero, half, "ties");
    MPI_Comm_free(&c);
    /* MPI_UNDEFINED and several colours. */
    c = check_split(MPI_COMM_WORLD, thirds, reversed, "undefined");
    if (c != MPI_COMM_NULL) MPI_Comm_free(&c);
    c = check_split(MPI_COMM_WORLD, big_color, minus, "large colours");
    MPI_Comm_free(&c);
    /* Splitting MPI_COMM_SELF. */
    c = check_split(MPI_COMM_SELF, zero, zero, "self");
    MPI_Comm_compare(c, MPI_COMM_SELF, &res);
    CHECK(res == MPI_CONGRUENT, "compare(split SELF, SELF) = %d", res);
    MPI_Comm_free(&c);

    /* Split and free in a loop: context ids keep working. */
    for (int i = 0; i < 1000; i++) {
        MPI_Comm s;
        MPI_Comm_split(MPI_COMM_WORLD, rank % 2, i % 2 ? rank : -rank, &s);
        int one = 1, n = -1;
        MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, s);
        if (n != same) {
            CHECK(0, "loop %d: split size %d, want %d", i, n, same);
            break;
        }
        MPI_Comm_free(&s);
    }
}

static void test_split_type(void) {
    MPI_Comm c = MPI_COMM_NULL;
    int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, size - rank, MPI_INFO_NULL, &c);
    CHECK(rc == MPI_SUCCESS && c != MPI_COMM_NULL, "split_type SHARED rc %d", rc);
    int r = -1, s = -1, res = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &s);
    CHECK(s == size && r == size - 1 - rank, "SHARED: rank %d size %d (every rank is on this host, key reverses)", r, s);
    MPI_Comm_compare(c, MPI_COMM_WORLD, &res);
    CHECK(res == (size == 1 ? MPI_CONGRUENT : MPI_SIMILAR), "compare(SHARED reversed, WORLD) = %d", res);
    MPI_Comm_free(&c);

    /* Odd ranks opt out with MPI_UNDEFINED. */
    c = MPI_COMM_WORLD;
    rc = MPI_Comm_split_type(MPI_COMM_WORLD, rank % 2 ? MPI_UNDEFINED : MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &c);
    CHECK(rc == MPI_SUCCESS, "split_type rc %d", rc);
    if (rank % 2) {
        CHECK(c == MPI_COMM_NULL, "MPI_UNDEFINED gave %p", (void *)c);
    } else {
        MPI_Comm_rank(c, &r);
        MPI_Comm_size(c, &s);
        CHECK(s == (size + 1) / 2 && r == rank / 2, "SHARED of even ranks: rank %d size %d", r, s);
        MPI_Comm_free(&c);
    }

    /* Hardware-guided splits without an info key, and unguided splits
     * below the host level, give MPI_COMM_NULL. */
    int types[] = {MPI_COMM_TYPE_HW_GUIDED, MPI_COMM_TYPE_HW_UNGUIDED, MPI_COMM_TYPE_RESOURCE_GUIDED};
    for (int i = 0; i < 3; i++) {
        c = MPI_COMM_WORLD;
        rc = MPI_Comm_split_type(MPI_COMM_WORLD, types[i], 0, MPI_INFO_NULL, &c);
        CHECK(rc == MPI_SUCCESS && c == MPI_COMM_NULL, "split_type %d: rc %d comm %p", types[i], rc, (void *)c);
    }
}

static int group_world(MPI_Group g, int *out) {
    MPI_Group wg;
    int n = 0;
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Group_size(g, &n);
    int *idx = malloc((n + 1) * sizeof(int));
    for (int i = 0; i < n; i++) idx[i] = i;
    MPI_Group_translate_ranks(g, n, idx, wg, out);
    free(idx);
    MPI_Group_free(&wg);
    return n;
}

static void check_comm_is(MPI_Comm c, const int *want, int n, const char *what) {
    int *got = malloc((size + 1) * sizeof(int));
    int m = world_ranks(c, got);
    int bad = m != n;
    for (int i = 0; i < n && i < m; i++)
        if (got[i] != want[i]) bad++;
    CHECK(!bad, "%s: communicator is not the group (size %d, want %d)", what, m, n);
    int r = -1;
    MPI_Comm_rank(c, &r);
    CHECK(r >= 0 && r < n && want[r] == rank, "%s: my rank %d", what, r);
    int one = 1, cnt = -1;
    MPI_Allreduce(&one, &cnt, 1, MPI_INT, MPI_SUM, c);
    CHECK(cnt == n, "%s: Allreduce %d", what, cnt);
    free(got);
}

static void test_create(void) {
    MPI_Group wg, evens, odds, rev, mine;
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    int *ranks = malloc(size * sizeof(int)), *want = malloc(size * sizeof(int));
    int ne = 0, no = 0;
    for (int r = 0; r < size; r += 2) ranks[ne++] = r;
    MPI_Group_incl(wg, ne, ranks, &evens);
    for (int r = size - 1; r >= 0; r--) ranks[r] = size - 1 - r;
    MPI_Group_incl(wg, size, ranks, &rev);
    MPI_Group_difference(wg, evens, &odds);
    MPI_Group_size(odds, &no);

    /* One group for everyone: evens get a communicator, odds MPI_COMM_NULL. */
    MPI_Comm c = MPI_COMM_WORLD;
    int rc = MPI_Comm_create(MPI_COMM_WORLD, evens, &c);
    CHECK(rc == MPI_SUCCESS, "Comm_create(evens) rc %d", rc);
    if (rank % 2) {
        CHECK(c == MPI_COMM_NULL, "odd rank got %p", (void *)c);
    } else if (c != MPI_COMM_NULL) {
        int n = group_world(evens, want);
        check_comm_is(c, want, n, "create(evens)");
        MPI_Errhandler eh;
        MPI_Comm_get_errhandler(c, &eh);
        CHECK(eh == MPI_ERRORS_ARE_FATAL, "created comm errhandler %p", (void *)eh);
        MPI_Comm_free(&c);
    } else
        CHECK(0, "even rank got MPI_COMM_NULL");

    /* Reversed order of the whole world: similar to WORLD. */
    rc = MPI_Comm_create(MPI_COMM_WORLD, rev, &c);
    CHECK(rc == MPI_SUCCESS && c != MPI_COMM_NULL, "Comm_create(rev) rc %d", rc);
    int n = group_world(rev, want), res = -1;
    check_comm_is(c, want, n, "create(reversed)");
    MPI_Comm_compare(c, MPI_COMM_WORLD, &res);
    CHECK(res == (size == 1 ? MPI_CONGRUENT : MPI_SIMILAR), "compare(create(rev), WORLD) = %d", res);
    MPI_Comm_free(&c);

    /* Disjoint groups (MPI-2.2): each process passes its own parity. */
    mine = rank % 2 ? odds : evens;
    rc = MPI_Comm_create(MPI_COMM_WORLD, mine, &c);
    CHECK(rc == MPI_SUCCESS && c != MPI_COMM_NULL, "Comm_create(disjoint) rc %d", rc);
    n = group_world(mine, want);
    check_comm_is(c, want, n, "create(disjoint)");
    MPI_Comm_free(&c);

    /* The empty group: MPI_COMM_NULL everywhere. */
    c = MPI_COMM_WORLD;
    rc = MPI_Comm_create(MPI_COMM_WORLD, MPI_GROUP_EMPTY, &c);
    CHECK(rc == MPI_SUCCESS && c == MPI_COMM_NULL, "Comm_create(EMPTY) rc %d comm %p", rc, (void *)c);

    /* Inherits the parent's error handler. */
    MPI_Comm d;
    MPI_Comm_dup(MPI_COMM_WORLD, &d);
    MPI_Comm_set_errhandler(d, MPI_ERRORS_RETURN);
    MPI_Comm_create(d, wg, &c);
    MPI_Errhandler eh;
    MPI_Comm_get_errhandler(c, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "create inherits errhandler: %p", (void *)eh);
    MPI_Comm_free(&c);
    MPI_Comm s;
    MPI_Comm_split(d, 0, 0, &s);
    MPI_Comm_get_errhandler(s, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "split inherits errhandler: %p", (void *)eh);
    MPI_Comm_free(&s);
    MPI_Comm_free(&d);

    /* Comm_create_group: only the members call. Evens and odds at the same
     * time with the same tag, the odds in reverse order. */
    MPI_Group rodds;
    for (int i = 0; i < no; i++) ranks[i] = no - 1 - i;
    MPI_Group_incl(odds, no, ranks, &rodds);
    MPI_Group g = rank % 2 ? rodds : evens;
    c = MPI_COMM_NULL;
    rc = MPI_Comm_create_group(MPI_COMM_WORLD, g, 7, &c);
    CHECK(rc == MPI_SUCCESS && c != MPI_COMM_NULL, "Comm_create_group rc %d", rc);
    n = group_world(g, want);
    check_comm_is(c, want, n, "create_group");
    MPI_Comm_free(&c);
    /* Nested groups from a subcommunicator; the first half creates with tag
     * 1 while the second half uses tag 2. */
    MPI_Comm par;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &par);
    MPI_Group pg, half;
    MPI_Comm_group(par, &pg);
    int ps, pr;
    MPI_Comm_size(par, &ps);
    MPI_Comm_rank(par, &pr);
    int range[1][3] = {{pr < ps / 2 ? 0 : ps / 2, pr < ps / 2 ? ps / 2 - 1 : ps - 1, 1}};
    MPI_Group_range_incl(pg, 1, range, &half);
    rc = MPI_Comm_create_group(par, half, pr < ps / 2 ? 1 : 2, &c);
    CHECK(rc == MPI_SUCCESS && c != MPI_COMM_NULL, "nested Comm_create_group rc %d", rc);
    n = group_world(half, want);
    check_comm_is(c, want, n, "nested create_group");
    MPI_Comm_free(&c);
    /* A process outside the group gets MPI_COMM_NULL without waiting. */
    MPI_Group other = rank % 2 ? evens : odds;
    c = MPI_COMM_WORLD;
    rc = MPI_Comm_create_group(MPI_COMM_WORLD, other, 9, &c);
    CHECK(rc == MPI_SUCCESS && c == MPI_COMM_NULL, "create_group of another group: rc %d comm %p", rc, (void *)c);
    rc = MPI_Comm_create_group(MPI_COMM_WORLD, MPI_GROUP_EMPTY, 9, &c);
    CHECK(rc == MPI_SUCCESS && c == MPI_COMM_NULL, "create_group(EMPTY): rc %d comm %p", rc, (void *)c);

    /* Create and free in a loop. */
    for (int i = 0; i < 1000; i++) {
        MPI_Comm x;
        MPI_Comm_create(MPI_COMM_WORLD, i % 2 ? wg : evens, &x);
        if (x != MPI_COMM_NULL) {
            int one = 1, cnt = -1;
            MPI_Allreduce(&one, &cnt, 1, MPI_INT, MPI_SUM, x);
            if (cnt != (i % 2 ? size : ne)) {
                CHECK(0, "loop %d: size %d", i, cnt);
                break;
            }
            MPI_Comm_free(&x);
        }
    }

    MPI_Group_free(&half);
    MPI_Group_free(&pg);
    MPI_Comm_free(&par);
    MPI_Group_free(&rodds);
    MPI_Group_free(&rev);
    MPI_Group_free(&evens);
    if (odds != MPI_GROUP_EMPTY) MPI_Group_free(&odds);
    MPI_Group_free(&wg);
    free(ranks);
    free(want);
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
    test_split();
    test_split_type();
    test_create();
    return mtest_finish();
}
