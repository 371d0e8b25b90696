/* mtest.h: helpers for wasmpi's self-checking MPI test programs.
 *
 * CHECK(cond, fmt, ...) counts a failure and prints "FAIL rank R: file:line ..."
 * when cond is false. mtest_finish() sums the failures over MPI_COMM_WORLD,
 * prints "No Errors" on rank 0 when there were none (else "Found N errors"),
 * calls MPI_Finalize and returns the exit status for main. */
#ifndef MTEST_H
#define MTEST_H
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mtest_errors = 0;
static int mtest_checks = 0;

static int mtest_rank(void) {
    int init = 0, rank = -1;
    MPI_Initialized(&init);
    if (init) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        mtest_checks++;                                                           \
        if (!(cond)) {                                                            \
            mtest_errors++;                                                       \
            printf("FAIL rank %d: %s:%d: %s: ", mtest_rank(), __FILE__, __LINE__, \
                   #cond);                                                        \
            printf(__VA_ARGS__);                                                  \
            printf("\n");                                                         \
            fflush(stdout);                                                       \
        }                                                                         \
    } while (0)

/* CHECK_RC checks that an MPI call returned the expected error class. */
#define CHECK_CLASS(rc, want)                                                     \
    do {                                                                          \
        int mtest_cls_ = -1;                                                      \
        MPI_Error_class((rc), &mtest_cls_);                                       \
        CHECK(mtest_cls_ == (want), "error class %d, want %d (%s)", mtest_cls_,   \
              (want), #want);                                                     \
    } while (0)

static int mtest_finish(void) {
    int total = 0, checks = 0;
    MPI_Allreduce(&mtest_errors, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&mtest_checks, &checks, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (mtest_rank() == 0) {
        if (total == 0)
            printf("No Errors (%d checks)\n", checks);
        else
            printf("Found %d errors\n", total);
        fflush(stdout);
    }
    MPI_Finalize();
    return total == 0 ? 0 : 1;
}
#endif
