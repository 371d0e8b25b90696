/* comm_errors.c: with MPI_ERRORS_RETURN every bad argument of the
 * communicator and group functions comes back as the exact error class
 * (garbage handles, handles of the wrong kind, freed handles, predefined
 * objects that cannot be freed, invalid colours, split types, ranks and
 * ranges), errors found by one process of a collective creation reach all of
 * them, and the error handler of the communicator named in the call is the
 * one that applies. Runs with any number of ranks. */
#include "mtest.h"

static int rank, size;

#define GARBAGE_COMM ((MPI_Comm)0x3ffe)     /* in the communicator range, never given out here */
#define FAR_COMM ((MPI_Comm)0x9999)         /* in no range */
#define GARBAGE_GROUP ((MPI_Group)0x7ffe)   /* in the group range, never given out here */

#define EXPECT(call, cls)                                                                  \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        int c_ = -1;                                                                       \
        MPI_Error_class(rc_, &c_);                                                         \
        CHECK(c_ == (cls), "%s returned class %d, want %s (%d)", #call, c_, #cls, (cls)); \
    } while (0)

static void comm_handles(void) {
    int x = -1;
    MPI_Comm c, w = MPI_COMM_WORLD, s = MPI_COMM_SELF, n = MPI_COMM_NULL;
    EXPECT(MPI_Comm_free(&w), MPI_ERR_COMM);
    CHECK(w == MPI_COMM_WORLD, "failed free changed the handle");
    EXPECT(MPI_Comm_free(&s), MPI_ERR_COMM);
    EXPECT(MPI_Comm_free(&n), MPI_ERR_COMM);
    EXPECT(MPI_Comm_size(GARBAGE_COMM, &x), MPI_ERR_COMM);
    EXPECT(MPI_Comm_size(FAR_COMM, &x), MPI_ERR_COMM);
    EXPECT(MPI_Comm_dup(GARBAGE_COMM, &c), MPI_ERR_COMM);
    EXPECT(MPI_Comm_split(MPI_COMM_NULL, 0, 0, &c), MPI_ERR_COMM);
    EXPECT(MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_NULL, &x), MPI_ERR_COMM);
    EXPECT(MPI_Comm_compare(GARBAGE_COMM, MPI_COMM_WORLD, &x), MPI_ERR_COMM);
    EXPECT(MPI_Comm_set_name(MPI_COMM_NULL, "x"), MPI_ERR_COMM);
    EXPECT(MPI_Comm_test_inter(GARBAGE_COMM, &x), MPI_ERR_COMM);

    /* A request handle is not a communicator. */
    MPI_Request req;
    int v = 1, got = 0;
    MPI_Irecv(&got, 1, MPI_INT, rank, 0, MPI_COMM_WORLD, &req);
    EXPECT(MPI_Comm_size((MPI_Comm)req, &x), MPI_ERR_COMM);
    MPI_Send(&v, 1, MPI_INT, rank, 0, MPI_COMM_WORLD);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    /* A group handle is not a communicator, nor the other way round. */
    MPI_Group g;
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    EXPECT(MPI_Comm_rank((MPI_Comm)g, &x), MPI_ERR_COMM);
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    EXPECT(MPI_Group_size((MPI_Group)c, &x), MPI_ERR_GROUP);
    EXPECT(MPI_Group_size((MPI_Group)MPI_COMM_WORLD, &x), MPI_ERR_GROUP);
    MPI_Group_free(&g);

    /* A freed communicator is gone; its old handle is an error. */
    MPI_Comm old = c;
    MPI_Comm_free(&c);
    EXPECT(MPI_Comm_size(old, &x), MPI_ERR_COMM);
    EXPECT(MPI_Send(&v, 1, MPI_INT, 0, 0, old), MPI_ERR_COMM);
    EXPECT(MPI_Comm_free(&old), MPI_ERR_COMM);

    EXPECT(MPI_Comm_remote_size(MPI_COMM_WORLD, &x), MPI_ERR_COMM);
    EXPECT(MPI_Comm_remote_group(MPI_COMM_WORLD, &g), MPI_ERR_COMM);
    EXPECT(MPI_Intercomm_merge(MPI_COMM_WORLD, 0, &c), MPI_ERR_COMM);

    /* Bad pointers and strings. */
    EXPECT(MPI_Comm_set_name(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Comm_get_name(MPI_COMM_WORLD, NULL, &x), MPI_ERR_ARG);
    char name[MPI_MAX_OBJECT_NAME];
    EXPECT(MPI_Comm_get_name(MPI_COMM_WORLD, name, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Comm_dup(MPI_COMM_SELF, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Comm_dup_with_info(MPI_COMM_SELF, (MPI_Info)0x5555, &c), MPI_ERR_INFO);
}

static void group_handles(void) {
    int x = -1;
    MPI_Group g = MPI_GROUP_NULL, w, e;
    EXPECT(MPI_Group_size(MPI_GROUP_NULL, &x), MPI_ERR_GROUP);
    EXPECT(MPI_Group_rank(GARBAGE_GROUP, &x), MPI_ERR_GROUP);
    EXPECT(MPI_Group_free(&g), MPI_ERR_GROUP);
    g = GARBAGE_GROUP;
    EXPECT(MPI_Group_free(&g), MPI_ERR_GROUP);
    EXPECT(MPI_Group_union(MPI_GROUP_NULL, MPI_GROUP_EMPTY, &e), MPI_ERR_GROUP);
    MPI_Comm nc;
    EXPECT(MPI_Comm_create(MPI_COMM_SELF, MPI_GROUP_NULL, &nc), MPI_ERR_GROUP);
    MPI_Comm_group(MPI_COMM_WORLD, &w);
    MPI_Group old = w;
    MPI_Group_free(&w);
    EXPECT(MPI_Group_size(old, &x), MPI_ERR_GROUP);
    MPI_Comm_group(MPI_COMM_WORLD, &w);

    /* Ranks and ranges. */
    int bad1[] = {size}, bad2[] = {-1}, dup2[] = {0, 0}, ok[] = {0};
    EXPECT(MPI_Group_incl(w, 1, bad1, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_incl(w, 1, bad2, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_incl(w, 2, dup2, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_incl(w, -1, ok, &g), MPI_ERR_ARG);
    EXPECT(MPI_Group_excl(w, 1, bad1, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_excl(w, 2, dup2, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_incl(MPI_GROUP_EMPTY, 1, ok, &g), MPI_ERR_RANK);
    int r0[][3] = {{0, size - 1, 0}};                 /* stride 0 */
    int r1[][3] = {{size, size, 1}};                  /* first out of range */
    int r2[][3] = {{0, size, 1}};                     /* last out of range */
    int r3[][3] = {{size - 1, 0, 1}};                 /* wrong direction */
    int r4[][3] = {{0, 0, 1}, {0, 0, -1}};            /* rank twice */
    int r5[][3] = {{-1, 0, 1}};                       /* negative first */
    EXPECT(MPI_Group_range_incl(w, 1, r0, &g), MPI_ERR_ARG);
    EXPECT(MPI_Group_range_excl(w, 1, r0, &g), MPI_ERR_ARG);
    EXPECT(MPI_Group_range_incl(w, 1, r1, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_range_incl(w, 1, r2, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_range_excl(w, 1, r5, &g), MPI_ERR_RANK);
    if (size > 1) {
        EXPECT(MPI_Group_range_incl(w, 1, r3, &g), MPI_ERR_ARG);
        EXPECT(MPI_Group_range_excl(w, 1, r3, &g), MPI_ERR_ARG);
    }
    EXPECT(MPI_Group_range_incl(w, 2, r4, &g), MPI_ERR_RANK);
    EXPECT(MPI_Group_range_incl(w, -2, r4, &g), MPI_ERR_ARG);

    int in[] = {size}, out[1];
    EXPECT(MPI_Group_translate_ranks(w, 1, in, w, out), MPI_ERR_RANK);
    in[0] = MPI_ANY_SOURCE;
    EXPECT(MPI_Group_translate_ranks(w, 1, in, w, out), MPI_ERR_RANK);
    in[0] = MPI_UNDEFINED;
    EXPECT(MPI_Group_translate_ranks(w, 1, in, w, out), MPI_ERR_RANK);
    in[0] = 0;
    EXPECT(MPI_Group_translate_ranks(w, 1, in, MPI_GROUP_NULL, out), MPI_ERR_GROUP);
    EXPECT(MPI_Group_translate_ranks(w, -1, in, w, out), MPI_ERR_ARG);
    EXPECT(MPI_Group_compare(w, MPI_GROUP_NULL, &x), MPI_ERR_GROUP);

    /* A group that is not part of the communicator. */
    if (size > 1) {
        MPI_Comm c;
        EXPECT(MPI_Comm_create(MPI_COMM_SELF, w, &c), MPI_ERR_GROUP);
        EXPECT(MPI_Comm_create_group(MPI_COMM_SELF, w, 0, &c), MPI_ERR_GROUP);
    }
    MPI_Comm c;
    EXPECT(MPI_Comm_create_group(MPI_COMM_WORLD, w, -1, &c), MPI_ERR_TAG);
    MPI_Group_free(&w);
}

/* An error one process finds in a collective creation reaches every
 * process: nobody is left waiting. */
static void collective_errors(void) {
    MPI_Comm c = MPI_COMM_NULL;
    EXPECT(MPI_Comm_split(MPI_COMM_WORLD, rank == size - 1 ? -5 : 0, 0, &c), MPI_ERR_ARG);
    CHECK(c == MPI_COMM_NULL, "failed split wrote %p", (void *)c);
    EXPECT(MPI_Comm_split(MPI_COMM_WORLD, 0, 0, rank == 0 ? NULL : &c), MPI_ERR_ARG);
    EXPECT(MPI_Comm_split_type(MPI_COMM_WORLD, 12345, 0, MPI_INFO_NULL, &c), MPI_ERR_ARG);
    EXPECT(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, (MPI_Info)0x5555, &c), MPI_ERR_INFO);
    EXPECT(MPI_Comm_dup(MPI_COMM_WORLD, rank == size / 2 ? NULL : &c), MPI_ERR_ARG);
    MPI_Group w;
    MPI_Comm_group(MPI_COMM_WORLD, &w);
    EXPECT(MPI_Comm_create(MPI_COMM_WORLD, rank == 0 ? MPI_GROUP_NULL : w, &c), MPI_ERR_GROUP);
    MPI_Group_free(&w);
    /* After all that, communicators still get made and work. */
    int rc = MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &c);
    CHECK(rc == MPI_SUCCESS, "split after errors rc %d", rc);
    int one = 1, n = -1;
    MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, c);
    CHECK(n == (rank % 2 ? size / 2 : (size + 1) / 2), "split after errors: size %d", n);
    MPI_Comm_free(&c);
}

/* The error handler of the communicator the call names applies. */
static void handler_choice(void) {
    MPI_Comm d;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_dup(MPI_COMM_WORLD, &d);
    MPI_Comm_set_errhandler(d, MPI_ERRORS_RETURN);
    int x = 0;
    EXPECT(MPI_Send(&x, 1, MPI_INT, size, 0, d), MPI_ERR_RANK);
    EXPECT(MPI_Comm_set_name(d, NULL), MPI_ERR_ARG);
    MPI_Comm s;
    EXPECT(MPI_Comm_split(d, -7, 0, &s), MPI_ERR_ARG);
    MPI_Comm_free(&d);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    comm_handles();
    group_handles();
    collective_errors();
    handler_choice();
    return mtest_finish();
}
