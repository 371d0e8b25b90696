/* omp_kernels: OpenMP versions of two of the MPI kernels, on one rank with
 * a team of OMP_NUM_THREADS threads (MPI is only there so that both
 * mpiruns start it). Every loop is `#pragma omp for schedule(static)`, so
 * each thread touches the same part of the arrays in every pass.
 *
 * omp_triad: the STREAM triad a[i] = b[i] + s*c[i] on n doubles, the
 * arrays initialised in parallel (first touch); best of `reps` passes;
 * result: memory bandwidth in MB/s (24 bytes per element, 10^6 bytes/s).
 * Values are small integers, so the check is exact.
 *
 * omp_dgemm: C = A*B for m x m doubles, the cache-blocked i-k-j loops of
 * dgemm.c with the rows of C split among the threads; best of `mreps`
 * runs; result: GFLOP/s (2m^3 flops). Entries are small integers, so every
 * product is exact; every 7th row of C is checked against dot products.
 *
 *   omp_kernels [n=4194304] [reps=10] [m=512] [mreps=3]
 *               [threads=T: fail unless the team has T threads]
 *               [only=omp_triad,omp_dgemm] */
#include <omp.h>

#include "bench.h"

/* Not static: the compiler must assume other code reads them. */
double *otriad_a, *otriad_b, *otriad_c;
double *odgemm_a, *odgemm_b, *odgemm_c;

static int wanted(const char *only, const char *name) {
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

static void triad(long n, int reps, int nthr) {
    double *a = otriad_a = bench_alloc(sizeof(double) * n);
    double *b = otriad_b = bench_alloc(sizeof(double) * n);
    double *c = otriad_c = bench_alloc(sizeof(double) * n);
    const double s = 3.0;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 0.0;
        b[i] = (double)(i % 1000);
        c[i] = (double)(i % 7);
    }
    double best = 1e30;
    for (int r = 0; r <= reps; r++) { /* pass 0 warms up */
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        double t = omp_get_wtime() - t0;
        if (r > 0 && t < best) best = t;
    }
    for (long i = 0; i < n; i++)
        if (a[i] != (double)(i % 1000) + 3.0 * (i % 7))
            bench_fail("omp_triad", "a[%ld] = %g, want %g", i, a[i], (double)(i % 1000) + 3.0 * (i % 7));
    char extra[80];
    snprintf(extra, sizeof extra, "threads=%d n=%ld reps=%d", nthr, n, reps);
    bench_result("omp_triad", -1, 24.0 * n / best / 1e6, "MB/s", extra);
    free(a), free(b), free(c);
}

static double ael(int i, int k) { return (double)((i * 3 + k * 7) % 11 - 5); }
static double bel(int k, int j) { return (double)((k * 5 + j * 3) % 13 - 6); }

/* multiply is dgemm.c's loop nest with the i loop shared by the team. */
static void multiply(const double *a, const double *b, double *c, int n) {
    const int kb = 128;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int i = 0; i < n; i++) memset(c + (size_t)i * n, 0, sizeof(double) * n);
        for (int k0 = 0; k0 < n; k0 += kb) {
            int k1 = k0 + kb < n ? k0 + kb : n;
#pragma omp for schedule(static)
            for (int i = 0; i < n; i++) {
                double *ci = c + (size_t)i * n;
                for (int k = k0; k < k1; k++) {
                    double aik = a[(size_t)i * n + k];
                    const double *bk = b + (size_t)k * n;
                    for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
                }
            }
        }
    }
}

static void dgemm(int n, int reps, int nthr) {
    size_t nn = (size_t)n * n;
    double *a = odgemm_a = bench_alloc(sizeof(double) * nn);
    double *b = odgemm_b = bench_alloc(sizeof(double) * nn);
    double *c = odgemm_c = bench_alloc(sizeof(double) * nn);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) a[(size_t)i * n + j] = ael(i, j), b[(size_t)i * n + j] = bel(i, j);
    multiply(a, b, c, n); /* warm-up */
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
        multiply(a, b, c, n);
        double t = omp_get_wtime() - t0;
        if (t < best) best = t;
    }
    for (int i = 0; i < n; i += 7)
        for (int j = 0; j < n; j++) {
            double want = 0;
            for (int k = 0; k < n; k++) want += ael(i, k) * bel(k, j);
            if (c[(size_t)i * n + j] != want)
                bench_fail("omp_dgemm", "C[%d][%d] = %g, want %g", i, j, c[(size_t)i * n + j], want);
        }
    char extra[80];
    snprintf(extra, sizeof extra, "threads=%d n=%d reps=%d", nthr, n, reps);
    bench_result("omp_dgemm", -1, 2.0 * n * n * n / best / 1e9, "GFLOP/s", extra);
    free(a), free(b), free(c);
}

int main(int argc, char **argv) {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    long n = bench_long(argc, argv, "n", 4L << 20);
    int reps = (int)bench_long(argc, argv, "reps", 10);
    int m = (int)bench_long(argc, argv, "m", 512);
    int mreps = (int)bench_long(argc, argv, "mreps", 3);
    int want_threads = (int)bench_long(argc, argv, "threads", 0);
    const char *only = bench_arg(argc, argv, "only", NULL);
    if (n < 1) n = 1;
    if (m < 1) m = 1;
    if (reps < 1) reps = 1;
    if (mreps < 1) mreps = 1;

    int nthr = 1;
#pragma omp parallel
    {
#pragma omp single
        nthr = omp_get_num_threads();
    }
    if (want_threads > 0 && nthr != want_threads)
        bench_fail("omp_kernels", "the team has %d threads, want %d (is OMP_NUM_THREADS=%d exported to the rank?)", nthr,
                   want_threads, want_threads);

    if (wanted(only, "omp_triad")) triad(n, reps, nthr);
    if (wanted(only, "omp_dgemm")) dgemm(m, mreps, nthr);
    MPI_Finalize();
    return 0;
}
