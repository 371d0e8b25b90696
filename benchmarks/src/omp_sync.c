/* omp_sync: OpenMP synchronisation overheads in the style of the EPCC
 * OpenMP micro-benchmark suite (syncbench), and the speedup of a parallel
 * loop. One MPI rank (MPI is only there so that both mpiruns start it);
 * the team is OMP_NUM_THREADS threads.
 *
 * Overheads. delay(len) is a chain of dependent float additions lasting
 * about delay_us microseconds. The reference is `inner` delay() calls on one
 * thread; the test runs the same delays inside the construct (each thread
 * calls delay() once per construct, as EPCC's syncbench does), so that
 *
 *     overhead per construct = (test time - reference time) / inner
 *
 * For critical, lock and atomic the threads share the `inner` constructs
 * (inner / threads each), so the delays are serialised as in the
 * reference; atomic has no delay and is compared with plain increments.
 * `inner` grows until one test lasts `target` seconds; each test and each
 * reference is then timed `outer` times and the fastest time counts (this
 * machine is shared: the fastest run is the least disturbed one). An
 * overhead below zero (noise) is reported as 0.
 *
 * Speedup. pi = integral of 4/(1+x^2) over [0,1] by the midpoint rule with
 * n steps, `#pragma omp parallel for reduction(+:sum)`, timed with 1 thread
 * and with the full team (omp_set_num_threads), best of `reps` runs each
 * (alternating); the results are checked against M_PI.
 *
 * Result names: omp_parallel, omp_for, omp_parallel_for, omp_barrier,
 * omp_single, omp_critical, omp_lock, omp_atomic, omp_reduction (us per
 * construct), omp_pi_1thr and omp_pi_<T>thr (ms), omp_pi_speedup (x).
 *
 *   omp_sync [target=0.01 s] [outer=5] [delay_us=0.1] [n=40000000] [reps=5]
 *            [threads=T: fail unless the team has T threads]
 *            [only=omp_barrier,omp_pi_speedup,...: run only these] */
#include <math.h>
#include <omp.h>

#include "bench.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double target = 0.01; /* seconds one timed test should last */
static int outer = 5;        /* timed runs of each test and reference */
static int delay_len = 1;    /* iterations of delay() */
static int nthr = 1;         /* team size */

/* Stores keep delay() and the reference loops from being optimised away. */
volatile float delay_sink;
volatile double atomic_ref_sink;

/* delay is delay_len dependent float additions: not vectorised (float
 * addition is not associative) and the same instructions in both builds. */
static void delay(int len) {
    float a = 0.0f;
    for (int i = 0; i < len; i++) a += (float)i;
    delay_sink = a;
}

/* ---- the tests: fn(inner) runs `inner` constructs ---- */

static void ref_delay(long inner) {
    for (long j = 0; j < inner; j++) delay(delay_len);
}

static void t_parallel(long inner) {
    for (long j = 0; j < inner; j++) {
#pragma omp parallel
        delay(delay_len);
    }
}

static void t_for(long inner) {
#pragma omp parallel
    for (long j = 0; j < inner; j++) {
#pragma omp for schedule(static)
        for (int i = 0; i < nthr; i++) delay(delay_len);
    }
}

static void t_parallel_for(long inner) {
    for (long j = 0; j < inner; j++) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < nthr; i++) delay(delay_len);
    }
}

static void t_barrier(long inner) {
#pragma omp parallel
    for (long j = 0; j < inner; j++) {
        delay(delay_len);
#pragma omp barrier
    }
}

static void t_single(long inner) {
#pragma omp parallel
    for (long j = 0; j < inner; j++) {
#pragma omp single
        delay(delay_len);
    }
}

static void t_critical(long inner) {
#pragma omp parallel
    {
        long m = inner / omp_get_num_threads();
        for (long j = 0; j < m; j++) {
#pragma omp critical
            delay(delay_len);
        }
    }
}

static omp_lock_t lock;

static void t_lock(long inner) {
#pragma omp parallel
    {
        long m = inner / omp_get_num_threads();
        for (long j = 0; j < m; j++) {
            omp_set_lock(&lock);
            delay(delay_len);
            omp_unset_lock(&lock);
        }
    }
}

double atomic_count; /* not static: shared and checked */

static void t_atomic(long inner) {
    atomic_count = 0;
#pragma omp parallel
    {
        long m = inner / omp_get_num_threads();
        for (long j = 0; j < m; j++) {
#pragma omp atomic
            atomic_count += 1.0;
        }
    }
    if (atomic_count != (double)inner)
        bench_fail("omp_atomic", "count %.0f after %ld atomic increments", atomic_count, inner);
}

static void ref_atomic(long inner) {
    for (long j = 0; j < inner; j++) atomic_ref_sink += 1.0;
}

static void t_reduction(long inner) {
    long total = 0;
    for (long j = 0; j < inner; j++) {
        long r = 0;
#pragma omp parallel reduction(+ : r)
        {
            delay(delay_len);
            r += 1;
        }
        total += r;
    }
    if (total != inner * nthr)
        bench_fail("omp_reduction", "sum %ld after %ld reductions of %d threads, want %ld", total, inner, nthr, inner * nthr);
}

/* ---- timing ---- */

static double time_once(void (*fn)(long), long inner) {
    double t0 = omp_get_wtime();
    fn(inner);
    return omp_get_wtime() - t0;
}

/* calibrate returns the inner count for fn: one call to warm up, then
 * growing counts (multiples of the team size) until a run lasts target. */
static long calibrate(void (*fn)(long)) {
    long inner = nthr;
    fn(inner);
    for (;;) {
        double t = time_once(fn, inner);
        if (t >= target || inner >= (1L << 26)) return inner;
        double grow = t > 0 ? 1.3 * target / t : 100;
        if (grow > 100) grow = 100;
        if (grow < 2) grow = 2;
        inner = ((long)(inner * grow) + nthr - 1) / nthr * nthr;
    }
}

/* best returns the fastest of outer runs of fn(inner), in seconds. */
static double best(void (*fn)(long), long inner) {
    double b = 1e30;
    for (int r = 0; r < outer; r++) {
        double t = time_once(fn, inner);
        if (t < b) b = t;
    }
    return b;
}

static const char *only;

/* wanted reports whether name is in the only= list (or there is none). */
static int wanted(const char *name) {
    if (!only || !*only) return 1;
    size_t k = strlen(name);
    for (const char *p = only; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == k && strncmp(p, name, k) == 0) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static void overhead(const char *name, void (*fn)(long), void (*ref)(long), double ref_per) {
    if (!wanted(name)) return;
    long inner = calibrate(fn);
    double t = best(fn, inner);
    double per_ref = ref_per;
    if (ref) { /* a reference of its own at the same count */
        ref(inner);
        per_ref = best(ref, inner) / inner;
    }
    double us = (t / inner - per_ref) * 1e6;
    char extra[160];
    snprintf(extra, sizeof extra, "threads=%d inner=%ld test_us=%.4g ref_us=%.4g", nthr, inner, t / inner * 1e6, per_ref * 1e6);
    bench_result(name, -1, us > 0 ? us : 0, "us", extra);
}

/* pi integrates 4/(1+x^2) over [0,1] with n midpoints on t threads and
 * stores the time in *secs. */
static double pi(long n, int t, double *secs) {
    omp_set_num_threads(t);
    const double h = 1.0 / (double)n;
    double sum = 0.0;
    double t0 = omp_get_wtime();
#pragma omp parallel for reduction(+ : sum) schedule(static)
    for (long i = 0; i < n; i++) {
        double x = ((double)i + 0.5) * h;
        sum += 4.0 / (1.0 + x * x);
    }
    *secs = omp_get_wtime() - t0;
    return sum * h;
}

int main(int argc, char **argv) {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    target = bench_double(argc, argv, "target", 0.01);
    outer = (int)bench_long(argc, argv, "outer", 5);
    double delay_us = bench_double(argc, argv, "delay_us", 0.1);
    long n = bench_long(argc, argv, "n", 40000000L);
    int reps = (int)bench_long(argc, argv, "reps", 5);
    int want_threads = (int)bench_long(argc, argv, "threads", 0);
    only = bench_arg(argc, argv, "only", NULL);
    if (outer < 1) outer = 1;
    if (reps < 1) reps = 1;
    if (n < 1000) n = 1000;

#pragma omp parallel
    {
#pragma omp single
        nthr = omp_get_num_threads();
    }
    if (want_threads > 0 && nthr != want_threads)
        bench_fail("omp_sync", "the team has %d threads, want %d (is OMP_NUM_THREADS=%d exported to the rank?)", nthr,
                   want_threads, want_threads);

    /* delay_len for delay_us: the fastest of 5 timings of a long delay */
    {
        const int probe = 1 << 20;
        double b = 1e30;
        for (int r = 0; r < 5; r++) {
            double t0 = omp_get_wtime();
            delay(probe);
            double t = omp_get_wtime() - t0;
            if (t < b) b = t;
        }
        double per = b / probe;
        delay_len = per > 0 ? (int)(delay_us * 1e-6 / per + 0.5) : 1;
        if (delay_len < 1) delay_len = 1;
    }

    omp_init_lock(&lock);
    /* reference: inner delays on one thread, per delay */
    double ref_per = 0;
    {
        long inner = calibrate(ref_delay);
        ref_per = best(ref_delay, inner) / inner;
    }
    overhead("omp_parallel", t_parallel, NULL, ref_per);
    overhead("omp_for", t_for, NULL, ref_per);
    overhead("omp_parallel_for", t_parallel_for, NULL, ref_per);
    overhead("omp_barrier", t_barrier, NULL, ref_per);
    overhead("omp_single", t_single, NULL, ref_per);
    overhead("omp_critical", t_critical, NULL, ref_per);
    overhead("omp_lock", t_lock, NULL, ref_per);
    overhead("omp_atomic", t_atomic, ref_atomic, 0);
    overhead("omp_reduction", t_reduction, NULL, ref_per);
    omp_destroy_lock(&lock);

    char name[32];
    snprintf(name, sizeof name, "omp_pi_%dthr", nthr);
    if (wanted("omp_pi_1thr") || wanted(name) || wanted("omp_pi_speedup")) {
        double t1 = 1e30, tn = 1e30, s, pi1 = 0, pin = 0;
        pi(n / 10 + 1000, 1, &s); /* warm up both team sizes */
        pi(n / 10 + 1000, nthr, &s);
        for (int r = 0; r < reps; r++) {
            pi1 = pi(n, 1, &s);
            if (s < t1) t1 = s;
            pin = pi(n, nthr, &s);
            if (s < tn) tn = s;
        }
        omp_set_num_threads(nthr);
        if (fabs(pi1 - M_PI) > 1e-6 || fabs(pin - M_PI) > 1e-6 || fabs(pi1 - pin) > 1e-7)
            bench_fail("omp_pi", "pi = %.15f with 1 thread and %.15f with %d, want %.15f", pi1, pin, nthr, M_PI);
        char extra[96];
        snprintf(extra, sizeof extra, "threads=1 n=%ld reps=%d", n, reps);
        bench_result("omp_pi_1thr", -1, t1 * 1e3, "ms", extra);
        snprintf(extra, sizeof extra, "threads=%d n=%ld reps=%d", nthr, n, reps);
        bench_result(name, -1, tn * 1e3, "ms", extra);
        bench_result("omp_pi_speedup", -1, t1 / tn, "x", extra);
    }
    (void)rank;
    MPI_Finalize();
    return 0;
}
