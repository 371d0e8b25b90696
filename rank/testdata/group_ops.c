/* group_ops.c: the group functions with exact expected member lists:
 * MPI_Comm_group, MPI_Group_size/rank, translate_ranks, compare, union,
 * intersection, difference, incl, excl, range_incl, range_excl (negative
 * strides), MPI_GROUP_EMPTY and MPI_Group_free. The hard-coded cases need 8
 * ranks; with fewer, the same operations are checked against a model built
 * from the world size. */
#include "mtest.h"

static int rank, size;
static MPI_Group world;

/* members lists the world ranks of g in group order. */
static int members(MPI_Group g, int *out) {
    int n = -1;
    MPI_Group_size(g, &n);
    int *idx = malloc((n + 1) * sizeof(int));
    for (int i = 0; i < n; i++) idx[i] = i;
    int rc = MPI_Group_translate_ranks(g, n, idx, world, out);
    CHECK(rc == MPI_SUCCESS, "translate_ranks rc %d", rc);
    free(idx);
    return n;
}

static void expect(MPI_Group g, const int *want, int n, const char *what) {
    int got[64];
    int m = members(g, got);
    int bad = m != n;
    for (int i = 0; !bad && i < n; i++)
        if (got[i] != want[i]) bad = 1;
    if (bad) {
        char buf[512] = "", *p = buf;
        for (int i = 0; i < m && p < buf + 400; i++) p += sprintf(p, " %d", got[i]);
        CHECK(0, "%s: group is [%s ] (size %d), want size %d", what, buf, m, n);
    } else
        CHECK(1, "");
    /* Group_rank agrees with the list. */
    int r = -2, wr = MPI_UNDEFINED;
    MPI_Group_rank(g, &r);
    for (int i = 0; i < n; i++)
        if (want[i] == rank) wr = i;
    CHECK(r == wr, "%s: Group_rank %d, want %d", what, r, wr);
}

#define EXPECT_GROUP(g, ...)                                                       \
    do {                                                                           \
        int w_[] = {__VA_ARGS__};                                                  \
        expect((g), w_, (int)(sizeof w_ / sizeof w_[0]), #g);                      \
    } while (0)

static void test_basics(void) {
    int n = -1, r = -1;
    MPI_Group_size(world, &n);
    MPI_Group_rank(world, &r);
    CHECK(n == size && r == rank, "world group size %d rank %d", n, r);
    MPI_Group self;
    MPI_Comm_group(MPI_COMM_SELF, &self);
    MPI_Group_size(self, &n);
    MPI_Group_rank(self, &r);
    CHECK(n == 1 && r == 0, "self group size %d rank %d", n, r);
    int zero = 0, w = -1;
    MPI_Group_translate_ranks(self, 1, &zero, world, &w);
    CHECK(w == rank, "self rank 0 is world rank %d, want %d", w, rank);

    int res = -1;
    MPI_Group_compare(world, world, &res);
    CHECK(res == MPI_IDENT, "compare(world, world) %d", res);
    MPI_Group w2;
    MPI_Comm_group(MPI_COMM_WORLD, &w2);
    CHECK(w2 != world, "two Comm_group calls returned the same handle");
    MPI_Group_compare(world, w2, &res);
    CHECK(res == MPI_IDENT, "compare(world, world again) %d", res);
    MPI_Group_compare(world, self, &res);
    CHECK(res == (size == 1 ? MPI_IDENT : MPI_UNEQUAL), "compare(world, self) %d", res);
    /* The group of a freed communicator stays valid. */
    MPI_Comm d;
    MPI_Group dg;
    MPI_Comm_dup(MPI_COMM_WORLD, &d);
    MPI_Comm_group(d, &dg);
    MPI_Comm_free(&d);
    MPI_Group_compare(dg, world, &res);
    CHECK(res == MPI_IDENT, "group of a freed dup vs world %d", res);
    MPI_Group_free(&dg);
    MPI_Group_free(&w2);
    MPI_Group_free(&self);
}

static void test_empty(void) {
    int n = -1, r = -1, res = -1;
    MPI_Group_size(MPI_GROUP_EMPTY, &n);
    MPI_Group_rank(MPI_GROUP_EMPTY, &r);
    CHECK(n == 0 && r == MPI_UNDEFINED, "EMPTY size %d rank %d", n, r);
    MPI_Group e = MPI_GROUP_NULL;
    MPI_Group_incl(world, 0, NULL, &e);
    CHECK(e == MPI_GROUP_EMPTY, "incl of nothing is %p, not MPI_GROUP_EMPTY", (void *)e);
    MPI_Group_difference(world, world, &e);
    CHECK(e == MPI_GROUP_EMPTY, "world - world is %p", (void *)e);
    MPI_Group_compare(e, MPI_GROUP_EMPTY, &res);
    CHECK(res == MPI_IDENT, "compare(empty, EMPTY) %d", res);
    MPI_Group u;
    MPI_Group_union(MPI_GROUP_EMPTY, world, &u);
    MPI_Group_compare(u, world, &res);
    CHECK(res == MPI_IDENT, "EMPTY ∪ world vs world %d", res);
    MPI_Group_free(&u);
    MPI_Group_intersection(world, MPI_GROUP_EMPTY, &u);
    CHECK(u == MPI_GROUP_EMPTY, "world ∩ EMPTY is %p", (void *)u);
    /* Freeing MPI_GROUP_EMPTY clears the handle; the group stays usable. */
    int rc = MPI_Group_free(&e);
    CHECK(rc == MPI_SUCCESS && e == MPI_GROUP_NULL, "Group_free(EMPTY) rc %d handle %p", rc, (void *)e);
    MPI_Group_size(MPI_GROUP_EMPTY, &n);
    CHECK(n == 0, "EMPTY after free: size %d", n);
    int zero = 0, out = -1;
    rc = MPI_Group_translate_ranks(world, 1, &zero, MPI_GROUP_EMPTY, &out);
    CHECK(rc == MPI_SUCCESS && out == MPI_UNDEFINED, "translate into EMPTY: rc %d %d", rc, out);
}

static void test_translate(void) {
    int *idx = malloc((size + 2) * sizeof(int)), *out = malloc((size + 2) * sizeof(int));
    MPI_Group rev, evens;
    for (int i = 0; i < size; i++) idx[i] = size - 1 - i;
    MPI_Group_incl(world, size, idx, &rev);
    for (int i = 0; i < size; i++) idx[i] = i;
    idx[size] = MPI_PROC_NULL;
    int rc = MPI_Group_translate_ranks(rev, size + 1, idx, world, out);
    CHECK(rc == MPI_SUCCESS, "translate rc %d", rc);
    for (int i = 0; i < size; i++) CHECK(out[i] == size - 1 - i, "rev rank %d -> world %d", i, out[i]);
    CHECK(out[size] == MPI_PROC_NULL, "PROC_NULL -> %d", out[size]);
    int ne = 0;
    for (int r = 0; r < size; r += 2) idx[ne++] = r;
    MPI_Group_incl(world, ne, idx, &evens);
    for (int i = 0; i < size; i++) idx[i] = i;
    MPI_Group_translate_ranks(world, size, idx, evens, out);
    for (int i = 0; i < size; i++)
        CHECK(out[i] == (i % 2 ? MPI_UNDEFINED : i / 2), "world %d -> evens %d", i, out[i]);
    /* n = 0 touches nothing. */
    rc = MPI_Group_translate_ranks(world, 0, NULL, evens, NULL);
    CHECK(rc == MPI_SUCCESS, "translate of 0 ranks rc %d", rc);
    int res = -1;
    MPI_Group_compare(rev, world, &res);
    CHECK(res == (size == 1 ? MPI_IDENT : MPI_SIMILAR), "compare(rev, world) %d", res);
    MPI_Group_compare(evens, world, &res);
    CHECK(res == (size == 1 ? MPI_IDENT : MPI_UNEQUAL), "compare(evens, world) %d", res);
    MPI_Group_free(&rev);
    MPI_Group_free(&evens);
    free(idx);
    free(out);
}

/* The exact cases, on 8 ranks. */
static void test_algebra8(void) {
    MPI_Group a, b, g;
    int ra[] = {1, 3, 5, 7}, rb[] = {7, 6, 5, 4};
    MPI_Group_incl(world, 4, ra, &a);
    MPI_Group_incl(world, 4, rb, &b);
    EXPECT_GROUP(a, 1, 3, 5, 7);
    EXPECT_GROUP(b, 7, 6, 5, 4);

    MPI_Group_union(a, b, &g);
    EXPECT_GROUP(g, 1, 3, 5, 7, 6, 4);
    MPI_Group_free(&g);
    MPI_Group_union(b, a, &g);
    EXPECT_GROUP(g, 7, 6, 5, 4, 1, 3);
    MPI_Group_free(&g);
    MPI_Group_intersection(a, b, &g);
    EXPECT_GROUP(g, 5, 7);
    MPI_Group_free(&g);
    MPI_Group_intersection(b, a, &g);
    EXPECT_GROUP(g, 7, 5);
    MPI_Group_free(&g);
    MPI_Group_difference(a, b, &g);
    EXPECT_GROUP(g, 1, 3);
    MPI_Group_free(&g);
    MPI_Group_difference(b, a, &g);
    EXPECT_GROUP(g, 6, 4);
    MPI_Group_free(&g);

    /* incl/excl take ranks of the group, not world ranks. */
    int r1[] = {3, 0, 2};
    MPI_Group_incl(b, 3, r1, &g);
    EXPECT_GROUP(g, 4, 7, 5);
    MPI_Group_free(&g);
    MPI_Group_excl(b, 3, r1, &g);
    EXPECT_GROUP(g, 6);
    MPI_Group_free(&g);
    int r2[] = {6, 0};
    MPI_Group_excl(world, 2, r2, &g);
    EXPECT_GROUP(g, 1, 2, 3, 4, 5, 7);
    MPI_Group_free(&g);

    int ranges1[][3] = {{0, 7, 3}};
    MPI_Group_range_incl(world, 1, ranges1, &g);
    EXPECT_GROUP(g, 0, 3, 6);
    MPI_Group_free(&g);
    MPI_Group_range_excl(world, 1, ranges1, &g);
    EXPECT_GROUP(g, 1, 2, 4, 5, 7);
    MPI_Group_free(&g);
    int ranges2[][3] = {{7, 0, -2}, {0, 2, 2}};
    MPI_Group_range_incl(world, 2, ranges2, &g);
    EXPECT_GROUP(g, 7, 5, 3, 1, 0, 2);
    MPI_Group_free(&g);
    MPI_Group_range_excl(world, 2, ranges2, &g);
    EXPECT_GROUP(g, 4, 6);
    MPI_Group_free(&g);
    int ranges3[][3] = {{6, 1, -4}, {4, 4, 1}, {5, 7, 10}};
    MPI_Group_range_incl(world, 3, ranges3, &g);
    EXPECT_GROUP(g, 6, 2, 4, 5);
    MPI_Group_free(&g);
    /* Ranges of a group that is not the world. */
    int ranges4[][3] = {{3, 1, -1}};
    MPI_Group_range_incl(b, 1, ranges4, &g);
    EXPECT_GROUP(g, 4, 5, 6);
    MPI_Group_free(&g);
    MPI_Group_range_excl(b, 1, ranges4, &g);
    EXPECT_GROUP(g, 7);
    MPI_Group_free(&g);

    int res = -1;
    MPI_Group ab, ba;
    MPI_Group_union(a, b, &ab);
    MPI_Group_union(b, a, &ba);
    MPI_Group_compare(ab, ba, &res);
    CHECK(res == MPI_SIMILAR, "compare(a∪b, b∪a) %d", res);
    MPI_Group_compare(a, b, &res);
    CHECK(res == MPI_UNEQUAL, "compare(a, b) %d", res);

    int in[] = {0, 1, 2, 3, 4, 5, MPI_PROC_NULL}, out[7];
    MPI_Group_translate_ranks(ab, 7, in, b, out);
    int want[] = {MPI_UNDEFINED, MPI_UNDEFINED, 2, 0, 1, 3, MPI_PROC_NULL};
    for (int i = 0; i < 7; i++) CHECK(out[i] == want[i], "translate(a∪b -> b)[%d] = %d, want %d", i, out[i], want[i]);

    /* A communicator from a computed group has that order. */
    MPI_Comm c;
    MPI_Comm_create(MPI_COMM_WORLD, ab, &c);
    int member = c != MPI_COMM_NULL;
    if (member) {
        MPI_Group cg;
        MPI_Comm_group(c, &cg);
        EXPECT_GROUP(cg, 1, 3, 5, 7, 6, 4);
        MPI_Group_free(&cg);
        MPI_Comm_free(&c);
    }
    CHECK(member == !(rank == 0 || rank == 2), "Comm_create(a∪b) on rank %d: member %d", rank, member);
    MPI_Group_free(&ab);
    MPI_Group_free(&ba);
    MPI_Group_free(&a);
    MPI_Group_free(&b);
}

/* The same operations on any size, against a model. */
static void test_algebra_any(void) {
    int n = size, *ra = malloc(n * sizeof(int)), *rb = malloc(n * sizeof(int)), *w = malloc(2 * n * sizeof(int));
    int na = 0, nb = 0;
    for (int r = 1; r < n; r += 2) ra[na++] = r;     /* odd ranks ascending */
    for (int r = n - 1; r >= n / 2; r--) rb[nb++] = r; /* upper half descending */
    MPI_Group a, b, g;
    MPI_Group_incl(world, na, ra, &a);
    MPI_Group_incl(world, nb, rb, &b);
    expect(a, ra, na, "odd ranks");
    expect(b, rb, nb, "upper half descending");
    /* union: a, then b's members not in a */
    int m = 0;
    for (int i = 0; i < na; i++) w[m++] = ra[i];
    for (int i = 0; i < nb; i++)
        if (rb[i] % 2 == 0) w[m++] = rb[i];
    MPI_Group_union(a, b, &g);
    expect(g, w, m, "union");
    MPI_Group_free(&g);
    m = 0;
    for (int i = 0; i < na; i++)
        if (ra[i] >= n / 2) w[m++] = ra[i];
    MPI_Group_intersection(a, b, &g);
    expect(g, w, m, "intersection");
    MPI_Group_free(&g);
    m = 0;
    for (int i = 0; i < nb; i++)
        if (rb[i] % 2 == 0) w[m++] = rb[i];
    MPI_Group_difference(b, a, &g);
    expect(g, w, m, "difference");
    MPI_Group_free(&g);
    /* range_incl size-1 down to 0 by -2, then excl of the same */
    int rng[][3] = {{n - 1, 0, -2}};
    m = 0;
    for (int r = n - 1; r >= 0; r -= 2) w[m++] = r;
    MPI_Group_range_incl(world, 1, rng, &g);
    expect(g, w, m, "range_incl(n-1, 0, -2)");
    MPI_Group_free(&g);
    m = 0;
    for (int r = 0; r < n; r++)
        if ((n - 1 - r) % 2) w[m++] = r;
    MPI_Group_range_excl(world, 1, rng, &g);
    expect(g, w, m, "range_excl(n-1, 0, -2)");
    if (g != MPI_GROUP_EMPTY) MPI_Group_free(&g);
    if (a != MPI_GROUP_EMPTY) MPI_Group_free(&a);
    MPI_Group_free(&b);
    free(ra);
    free(rb);
    free(w);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    test_basics();
    test_empty();
    test_translate();
    if (size == 8) test_algebra8();
    test_algebra_any();
    int rc = MPI_Group_free(&world);
    CHECK(rc == MPI_SUCCESS && world == MPI_GROUP_NULL, "Group_free rc %d", rc);
    return mtest_finish();
}
