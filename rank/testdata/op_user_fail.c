/* op_user_fail.c: failures inside guest callbacks called by the runtime.
 *
 *   abort   the reduction operation of rank 0 (the root, where it runs)
 *           calls MPI_Abort(MPI_COMM_WORLD, 7)
 *   trap    the operation traps (__builtin_trap)
 *   errh    a user error handler calls MPI_Abort(MPI_COMM_WORLD, 9)
 *   fatal   a user error handler returns and the program goes on: the
 *           call returns the code (no job failure); then the program
 *           exits normally
 * The job must end with the right code, without hanging the other ranks. */
#include "mtest.h"

static const char *mode;

static void bad_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
    (void)in; (void)inout; (void)len; (void)dt;
    if (strcmp(mode, "abort") == 0) MPI_Abort(MPI_COMM_WORLD, 7);
    __builtin_trap();
}

static void abort_handler(MPI_Comm *comm, int *code, ...) {
    (void)comm; (void)code;
    MPI_Abort(MPI_COMM_WORLD, 9);
}

static int seen;
static void note_handler(MPI_Comm *comm, int *code, ...) {
    (void)comm;
    seen = *code;
}

int main(int argc, char **argv) {
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    mode = argc > 1 ? argv[1] : "abort";
    if (strcmp(mode, "abort") == 0 || strcmp(mode, "trap") == 0) {
        MPI_Op op;
        MPI_Op_create(bad_op, 0, &op);
        int x = rank, y = 0;
        MPI_Allreduce(&x, &y, 1, MPI_INT, op, MPI_COMM_WORLD);
        printf("FAIL: Allreduce returned\n");
    } else if (strcmp(mode, "errh") == 0) {
        MPI_Errhandler eh;
        MPI_Comm_create_errhandler(abort_handler, &eh);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh);
        if (rank == size - 1) {
            int x = 0;
            MPI_Send(&x, 1, MPI_INT, size, 0, MPI_COMM_WORLD);
            printf("FAIL: Send returned\n");
        }
        MPI_Barrier(MPI_COMM_WORLD);
    } else {
        MPI_Errhandler eh;
        MPI_Comm_create_errhandler(note_handler, &eh);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh);
        int x = 0;
        int rc = MPI_Send(&x, 1, MPI_INT, size, 0, MPI_COMM_WORLD);
        CHECK(rc == seen && rc != MPI_SUCCESS, "rc %d seen %d", rc, seen);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Errhandler_free(&eh);
    }
    return mtest_finish();
}
