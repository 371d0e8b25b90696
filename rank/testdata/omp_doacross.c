/* Doacross loops: ordered(n) with depend(sink)/depend(source). Each test
 * is a wavefront whose result depends on the order of the updates: an
 * iteration that ran before the ones it depends on would read a value not
 * yet written. Results are compared with the sequential computation. */
#include "omp_check.h"

#define N 64
#define M 48
#define P 1000003L

static long a[N][M], ref[N][M];
static long v[4 * N], vref[4 * N];

static long mix(long up, long left, long i, long j) { return (up * 31 + left * 17 + i * 7 + j + 1) % P; }

static void ref2d(void) {
	memset(ref, 0, sizeof ref);
	for (int i = 1; i < N; i++)
		for (int j = 1; j < M; j++)
			ref[i][j] = mix(ref[i - 1][j], ref[i][j - 1], i, j);
}

static void check2d(const char *what) {
	int bad = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < M; j++)
			if (a[i][j] != ref[i][j])
				bad++;
	CHECK(bad == 0, "%s: %d elements differ (a[N-1][M-1]=%ld, want %ld)", what, bad, a[N - 1][M - 1], ref[N - 1][M - 1]);
}

/* 2-D nest, both loops in ordered(2): the outer loop is shared. */
#define PRAGMA(...) _Pragma(#__VA_ARGS__)
#define WAVE2D(NAME, ...)                                                                   \
	static void NAME(void) {                                                              \
		memset(a, 0, sizeof a);                                                       \
		PRAGMA(omp parallel for ordered(2) __VA_ARGS__)                       \
		for (int i = 1; i < N; i++)                                                   \
			for (int j = 1; j < M; j++) {                                         \
				_Pragma("omp ordered depend(sink: i - 1, j) depend(sink: i, j - 1)") \
				a[i][j] = mix(a[i - 1][j], a[i][j - 1], i, j);                \
				_Pragma("omp ordered depend(source)")                         \
			}                                                                     \
		check2d(#NAME " " #__VA_ARGS__);                                                   \
	}

WAVE2D(wave_static, schedule(static))
WAVE2D(wave_static1, schedule(static, 1))
WAVE2D(wave_dynamic, schedule(dynamic, 3))
WAVE2D(wave_guided, schedule(guided))
WAVE2D(wave_runtime, schedule(runtime))

/* Both loops shared (collapse(2)), one more loop in ordered(3): the sink
 * on the inner loop is ignored at its lower bound. */
static void wave_collapse(void) {
	static long b[8][8][6], bref[8][8][6];
	memset(b, 0, sizeof b);
	memset(bref, 0, sizeof bref);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 6; k++)
				bref[i][j][k] = ((i ? bref[i - 1][j][k] : 1) * 5 + (k ? bref[i][j][k - 1] : 2) * 3 + (j ? bref[i][j - 1][k] : 0) + i + j + k) % P;
#pragma omp parallel for collapse(2) ordered(3) schedule(dynamic)
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 6; k++) {
#pragma omp ordered depend(sink: i - 1, j, k) depend(sink: i, j, k - 1) depend(sink: i, j - 1, k)
				b[i][j][k] = ((i ? b[i - 1][j][k] : 1) * 5 + (k ? b[i][j][k - 1] : 2) * 3 + (j ? b[i][j - 1][k] : 0) + i + j + k) % P;
#pragma omp ordered depend(source)
			}
	int bad = 0;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 6; k++)
				bad += b[i][j][k] != bref[i][j][k];
	CHECK(bad == 0, "collapse(2) ordered(3): %d elements differ", bad);
}

/* 1-D recurrences: 64-bit, unsigned and decreasing induction variables,
 * a stride of 3 and a dependence distance of 2. */
static void chain(void) {
	vref[0] = 1;
	for (int i = 1; i < 4 * N; i++)
		vref[i] = (vref[i - 1] * 3 + i) % P;
	memset(v, 0, sizeof v);
	v[0] = 1;
#pragma omp parallel for ordered(1) schedule(static, 2)
	for (long long i = 1; i < 4 * N; i++) {
#pragma omp ordered depend(sink: i - 1)
		v[i] = (v[i - 1] * 3 + i) % P;
#pragma omp ordered depend(source)
	}
	CHECK(memcmp(v, vref, sizeof v) == 0, "1-D long long: v[last]=%ld want %ld", v[4 * N - 1], vref[4 * N - 1]);

	memset(v, 0, sizeof v);
	v[0] = 1;
#pragma omp parallel for ordered(1) schedule(dynamic, 1)
	for (unsigned i = 1; i < 4 * N; i++) {
#pragma omp ordered depend(sink: i - 1)
		v[i] = (v[i - 1] * 3 + i) % P;
#pragma omp ordered depend(source)
	}
	CHECK(memcmp(v, vref, sizeof v) == 0, "1-D unsigned: v[last]=%ld want %ld", v[4 * N - 1], vref[4 * N - 1]);

	/* decreasing, stride 3, distance 2 (two interleaved chains) */
	long w[200] = {0}, wref[200] = {0};
	for (int i = 197; i >= 2; i -= 3)
		wref[i] = ((i + 6 <= 197 ? wref[i + 6] : 5) * 7 + i) % P;
#pragma omp parallel for ordered(1) schedule(guided, 2)
	for (int i = 197; i >= 2; i -= 3) {
#pragma omp ordered depend(sink: i + 6)
		w[i] = ((i + 6 <= 197 ? w[i + 6] : 5) * 7 + i) % P;
#pragma omp ordered depend(source)
	}
	CHECK(memcmp(w, wref, sizeof w) == 0, "1-D decreasing: w[2]=%ld want %ld", w[2], wref[2]);
}

/* An inner loop whose iterations all wait for the whole previous row. */
static void rows(void) {
	long row[N] = {0}, want = 0;
	for (int i = 0; i < N; i++)
		want = (want * 11 + i) % P;
	long acc = 0;
#pragma omp parallel for ordered(1) schedule(static, 1)
	for (int i = 0; i < N; i++) {
#pragma omp ordered depend(sink: i - 1)
		acc = (acc * 11 + i) % P;
		row[i] = acc;
#pragma omp ordered depend(source)
	}
	CHECK(acc == want, "serial chain through a shared variable: %ld want %ld", acc, want);
	CHECK(row[N - 1] == want, "row[N-1]=%ld", row[N - 1]);
}

/* A sink on a later iteration: every thread ends up waiting for an
 * iteration that cannot be posted. The runtime must report it. */
static void deadlock(void) {
	long x[16] = {0};
#pragma omp parallel for ordered(1) schedule(static, 1)
	for (int i = 0; i < 16; i++) {
#pragma omp ordered depend(sink: i + 1)
		x[i] = i;
#pragma omp ordered depend(source)
	}
	printf("survived the deadlock %ld\n", x[3]);
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
		deadlock();
		return 0;
	}
	ref2d();
	for (int rep = 0; rep < 3; rep++) {
		wave_static();
		wave_static1();
		wave_dynamic();
		wave_guided();
		wave_runtime();
		wave_collapse();
		chain();
		rows();
	}
	return omp_finish();
}
