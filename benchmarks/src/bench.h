/* bench.h: helpers shared by the benchmark programs in this directory.
 *
 * Every program is written once and built twice, natively with Open MPI's
 * mpicc and to wasm32 with wasmpi's mpicc. Arguments are key=value words
 * (sizes=0,8,64 budget=0.05 n=1024 ...). Rank 0 prints one machine-readable
 * line per measurement:
 *
 *   RESULT name=<bench> ranks=<np> [size=<bytes>] value=<number> unit=<unit> [key=value...]
 *
 * Programs check their own results; a wrong answer prints "VERIFY FAILED"
 * on stderr and aborts the job with exit code 3. */
#ifndef BENCH_H
#define BENCH_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bench_arg returns the value of the word "key=value" in argv, or def. */
static inline const char *bench_arg(int argc, char **argv, const char *key, const char *def) {
    size_t k = strlen(key);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=') return argv[i] + k + 1;
    return def;
}

static inline long bench_long(int argc, char **argv, const char *key, long def) {
    const char *v = bench_arg(argc, argv, key, NULL);
    return v ? atol(v) : def;
}

static inline double bench_double(int argc, char **argv, const char *key, double def) {
    const char *v = bench_arg(argc, argv, key, NULL);
    return v ? atof(v) : def;
}

/* bench_fail reports a failed check and aborts the whole job with code 3. */
static inline void bench_fail(const char *name, const char *fmt, ...) {
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "VERIFY FAILED %s (rank %d): ", name, rank);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
}

/* bench_alloc is malloc that aborts the job when memory runs out. */
static inline void *bench_alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) bench_fail("alloc", "out of memory allocating %lu bytes", (unsigned long)n);
    memset(p, 0, n ? n : 1);
    return p;
}

/* bench_sizes parses a comma-separated list of byte counts into out (at
 * most max entries) and returns how many it found. */
static inline int bench_sizes(const char *s, long *out, int max) {
    int n = 0;
    while (s && *s && n < max) {
        char *end;
        out[n++] = strtol(s, &end, 10);
        s = *end == ',' ? end + 1 : NULL;
    }
    return n;
}

/* bench_max returns the maximum of v over all ranks. */
static inline double bench_max(double v) {
    double m;
    MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

/* bench_measure calls fn(arg) once to warm up, then in batches of a growing
 * number of iterations until one batch takes at least budget seconds on the
 * slowest rank. It returns the time per iteration of that batch (the
 * maximum over ranks) and stores its iteration count in *iters. A batch
 * that takes more than twice what the previous batch (or the warm-up call)
 * predicts was probably preempted on this shared machine: it is measured
 * again, at most twice, and the fastest per-iteration time is kept. Every
 * rank must call it; they agree on every decision because batch times are
 * reduced with MPI_MAX. */
static inline double bench_measure(double budget, void (*fn)(void *), void *arg, long *iters) {
    double t0 = MPI_Wtime();
    fn(arg);
    double per = bench_max(MPI_Wtime() - t0), best = -1;
    long n = 1;
    int retries = 0;
    for (;;) {
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        for (long i = 0; i < n; i++) fn(arg);
        double t = bench_max(MPI_Wtime() - t0);
        if (t >= budget || n >= (1L << 24)) {
            if (best < 0 || t / n < best) best = t / n;
            if (t > 2 * per * n && retries < 2) {
                retries++;
                continue;
            }
            *iters = n;
            return best;
        }
        per = t / n;
        double grow = t > 0 ? 1.2 * budget / t : 100;
        if (grow > 100) grow = 100;
        if (grow < 2) grow = 2;
        n = (long)(n * grow);
    }
}

/* bench_result prints a RESULT line on rank 0; extra is appended verbatim
 * (key=value words, may be NULL). size < 0 means the measurement has none. */
static inline void bench_result(const char *name, long size, double value, const char *unit, const char *extra) {
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (rank != 0) return;
    if (size >= 0)
        printf("RESULT name=%s ranks=%d size=%ld value=%.6g unit=%s", name, np, size, value, unit);
    else
        printf("RESULT name=%s ranks=%d value=%.6g unit=%s", name, np, value, unit);
    if (extra && *extra) printf(" %s", extra);
    printf("\n");
    fflush(stdout);
}

#endif
