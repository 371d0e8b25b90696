/* err_fatal.c: ways for one rank to end a job. argv[1] names the failure,
 * argv[2] (default 1) the rank that fails; every other rank blocks in MPI
 * (a receive nobody sends, or a barrier) unless the mode says otherwise.
 *
 *   send9      MPI_Send to rank 9 under MPI_ERRORS_ARE_FATAL
 *   abort7     MPI_Abort(MPI_COMM_WORLD, 7)
 *   oob        store through a wild pointer beyond the end of memory
 *   trap       __builtin_trap()
 *   div0       integer division by zero
 *   recurse    unbounded recursion with frames in linear memory: the C stack
 *              (placed first, at address 0, by mpicc) runs off its bottom
 *   deep       unbounded recursion with frames only on the wasm stack
 *   exit3      exit(3)
 *   nofinalize return from main after MPI_Init without MPI_Finalize
 *   spin       the failing rank fails with send9 after the others started;
 *              rank 0 computes without MPI calls for argv[3] seconds
 *   beforeinit the failing rank calls MPI_Comm_rank before MPI_Init
 *   afterfinalize  every rank finalizes, then the failing rank calls MPI_Send
 *   ok         nobody fails (control)
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static volatile int sink;

/* Not a tail call: the frame holds a buffer in linear memory and the result
 * is used after the call. */
static int __attribute__((noinline)) recurse(int n) {
    volatile char pad[512];
    pad[n & 511] = (char)n;
    return recurse(n + 1) + pad[(n * 7) & 511];
}

/* Recursion whose frames live only on the wasm value stack (no linear
 * memory): the callee is unknown to the compiler, so it cannot turn the
 * recursion into a loop. */
static int deep(int n);
static int (*volatile deep_fp)(int) = deep;
static int __attribute__((noinline)) deep(int n) { return deep_fp(n + 1) + 1; }

int main(int argc, char **argv) {
    const char *m0 = argc > 1 ? argv[1] : "ok";
    if (!strcmp(m0, "beforeinit") && atoi(getenv("PMI_RANK")) == (argc > 2 ? atoi(argv[2]) : 1)) {
        int r = -1;
        MPI_Comm_rank(MPI_COMM_WORLD, &r); /* before MPI_Init: fatal */
        printf("FAIL: MPI_Comm_rank before MPI_Init returned\n");
        return 0;
    }
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *mode = argc > 1 ? argv[1] : "ok";
    int victim = argc > 2 ? atoi(argv[2]) : 1;
    printf("rank %d started\n", rank);
    fflush(stdout);

    if (!strcmp(mode, "afterfinalize")) {
        MPI_Finalize();
        if (rank == victim) {
            int x = 1;
            MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD); /* after MPI_Finalize: fatal */
            printf("FAIL: MPI_Send after MPI_Finalize returned\n");
        }
        return 0;
    }
    if (!strcmp(mode, "ok")) {
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Finalize();
        return 0;
    }

    if (!strcmp(mode, "spin") && rank == 0) {
        /* Computes without calling MPI, for longer than the stop grace. */
        double secs = argc > 3 ? atof(argv[3]) : 3.0, t0 = now();
        volatile double x = 1;
        while (now() - t0 < secs)
            for (int i = 0; i < 10000; i++) x = x * 1.0000001;
        printf("rank 0 finished computing\n");
        fflush(stdout);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Finalize();
        return 0;
    }

    if (rank != victim) {
        /* Block: odd ranks in a receive nobody sends, even ranks in a barrier. */
        if (rank % 2) {
            int x;
            MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 12345, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Barrier(MPI_COMM_WORLD);
        }
        printf("FAIL rank %d: got past a blocking call that cannot complete\n", rank);
        MPI_Finalize();
        return 0;
    }

    /* The victim: give the others a moment to block first. */
    double t0 = now();
    while (now() - t0 < 0.05) {
    }
    int x = 42;
    if (!strcmp(mode, "send9") || !strcmp(mode, "spin")) {
        MPI_Send(&x, 1, MPI_INT, 9, 0, MPI_COMM_WORLD);
    } else if (!strcmp(mode, "abort7")) {
        MPI_Abort(MPI_COMM_WORLD, 7);
    } else if (!strcmp(mode, "oob")) {
        *(volatile int *)0xFFFFFFF0 = 1;
    } else if (!strcmp(mode, "trap")) {
        __builtin_trap();
    } else if (!strcmp(mode, "div0")) {
        volatile int a = 10, b = 0;
        sink = a / b;
    } else if (!strcmp(mode, "recurse")) {
        sink = recurse(0);
    } else if (!strcmp(mode, "deep")) {
        sink = deep(0);
    } else if (!strcmp(mode, "exit3")) {
        exit(3);
    } else if (!strcmp(mode, "nofinalize")) {
        return 0;
    } else {
        printf("unknown mode %s\n", mode);
        return 2;
    }
    printf("FAIL rank %d: survived %s\n", rank, mode);
    MPI_Finalize();
    return 0;
}
