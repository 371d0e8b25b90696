/* Worksharing: every loop schedule on 32/64-bit signed/unsigned induction
 * variables (empty loops, fewer iterations than threads, bounds at the
 * edges of the type, non-unit and negative steps), lastprivate, collapse,
 * nowait, ordered, sections, single, master and masked.
 * Expects OMP_NUM_THREADS=4. */
#include <limits.h>
#include <stdint.h>
#include "omp_check.h"

#define STR(x) #x
#define PRAGMA(x) _Pragma(STR(x))

/* up_NAME runs for (i = lo; i < hi; i += step) and checks that every
 * iteration ran once and that lastprivate got the last one. */
#define DEF_UP(NAME, T, ...)                                                              \
	static void up_##NAME(const char *what, T lo, T hi, T step) {                        \
		long long n = hi > lo ? (long long)((T)(hi - lo - 1) / step) + 1 : 0;         \
		int *hits = calloc((size_t)n + 1, sizeof(int));                                 \
		T last = 0;                                                                     \
		PRAGMA(omp parallel for schedule(__VA_ARGS__) lastprivate(last))                      \
		for (T i = lo; i < hi; i += step) {                                             \
			__atomic_fetch_add(&hits[(T)(i - lo) / step], 1, __ATOMIC_RELAXED);     \
			last = i;                                                               \
		}                                                                               \
		int bad = 0;                                                                    \
		for (long long k = 0; k < n; k++)                                               \
			bad += hits[k] != 1;                                                    \
		CHECK(bad == 0, "%s %s schedule(%s) [%lld iterations]: %d iterations not run once", \
		      #T, what, #__VA_ARGS__, n, bad);                                                \
		if (n > 0)                                                                      \
			CHECK(last == (T)(lo + (T)(n - 1) * step), "%s %s schedule(%s): lastprivate", #T, what, #__VA_ARGS__); \
		free(hits);                                                                     \
	}

/* down_NAME runs for (i = hi; i > lo; i -= step) (signed types). */
#define DEF_DOWN(NAME, T, ...)                                                            \
	static void down_##NAME(const char *what, T lo, T hi, T step) {                      \
		long long n = hi > lo ? (long long)((hi - lo - 1) / step) + 1 : 0;            \
		int *hits = calloc((size_t)n + 1, sizeof(int));                                 \
		T last = 0;                                                                     \
		PRAGMA(omp parallel for schedule(__VA_ARGS__) lastprivate(last))                      \
		for (T i = hi; i > lo; i -= step) {                                             \
			__atomic_fetch_add(&hits[(hi - i) / step], 1, __ATOMIC_RELAXED);        \
			last = i;                                                               \
		}                                                                               \
		int bad = 0;                                                                    \
		for (long long k = 0; k < n; k++)                                               \
			bad += hits[k] != 1;                                                    \
		CHECK(bad == 0, "%s down %s schedule(%s): %d iterations not run once", #T, what, #__VA_ARGS__, bad); \
		if (n > 0)                                                                      \
			CHECK(last == hi - (T)(n - 1) * step, "%s down %s schedule(%s): lastprivate", #T, what, #__VA_ARGS__); \
		free(hits);                                                                     \
	}

#define DEF_TYPE(T, S)                                                                      \
	DEF_UP(S##_static, T, static) DEF_UP(S##_static1, T, static, 1)                      \
	DEF_UP(S##_static7, T, static, 7) DEF_UP(S##_dynamic, T, dynamic)                    \
	DEF_UP(S##_dynamic5, T, dynamic, 5) DEF_UP(S##_guided, T, guided)                    \
	DEF_UP(S##_guided3, T, guided, 3) DEF_UP(S##_auto, T, auto)                          \
	DEF_UP(S##_runtime, T, runtime) DEF_UP(S##_mono, T, monotonic : dynamic, 2)          \
	DEF_UP(S##_nonmono, T, nonmonotonic : guided)                                        \
	static void up_all_##S(const char *what, T lo, T hi, T step) {                       \
		up_##S##_static(what, lo, hi, step);                                            \
		up_##S##_static1(what, lo, hi, step);                                           \
		up_##S##_static7(what, lo, hi, step);                                           \
		up_##S##_dynamic(what, lo, hi, step);                                           \
		up_##S##_dynamic5(what, lo, hi, step);                                          \
		up_##S##_guided(what, lo, hi, step);                                            \
		up_##S##_guided3(what, lo, hi, step);                                           \
		up_##S##_auto(what, lo, hi, step);                                              \
		up_##S##_mono(what, lo, hi, step);                                              \
		up_##S##_nonmono(what, lo, hi, step);                                           \
		static const omp_sched_t kinds[] = {omp_sched_static, omp_sched_dynamic,        \
						    omp_sched_guided, omp_sched_auto};          \
		for (int k = 0; k < 4; k++)                                                     \
			for (int c = 0; c <= 3; c += 3) {                                       \
				omp_set_schedule(kinds[k], c);                                  \
				up_##S##_runtime(what, lo, hi, step);                           \
			}                                                                       \
		omp_set_schedule(omp_sched_static, 0);                                          \
	}

DEF_TYPE(int, i32)
DEF_TYPE(unsigned, u32)
DEF_TYPE(long long, i64)
DEF_TYPE(unsigned long long, u64)
DEF_DOWN(i32_static, int, static)
DEF_DOWN(i32_dynamic, int, dynamic, 2)
DEF_DOWN(i64_guided, long long, guided)
DEF_DOWN(i64_static3, long long, static, 3)

static void ranges(void) {
	up_all_i32("empty", 0, 0, 1);
	up_all_i32("one", 0, 1, 1);
	up_all_i32("three", 10, 13, 1);
	up_all_i32("1000", -500, 500, 1);
	up_all_i32("step 3", -50, 951, 3);
	up_all_i32("top", INT_MAX - 300, INT_MAX, 1);
	up_all_i32("bottom", INT_MIN, INT_MIN + 200, 7);
	up_all_u32("empty", 5, 5, 1);
	up_all_u32("three", 0, 3, 1);
	up_all_u32("1000", 0, 1000, 1);
	up_all_u32("top", UINT_MAX - 500, UINT_MAX, 2);
	up_all_u32("beyond INT_MAX", 2147483000u, 2147484000u, 1);
	up_all_i64("empty", 0, -5, 1);
	up_all_i64("three", -1, 2, 1);
	up_all_i64("large", 1LL << 40, (1LL << 40) + 777, 1);
	up_all_i64("step", -(1LL << 33), (1LL << 33), 1LL << 25);
	up_all_i64("top", LLONG_MAX - 100, LLONG_MAX, 1);
	up_all_u64("empty", 0, 0, 1);
	up_all_u64("1000", 0, 1000, 1);
	up_all_u64("top", ULLONG_MAX - 300, ULLONG_MAX, 1);
	up_all_u64("step", 1ULL << 63, (1ULL << 63) + 5000, 9);
	down_i32_static("1000", 0, 1000, 1);
	down_i32_static("few", 0, 2, 1);
	down_i32_dynamic("step", -300, 300, 7);
	down_i64_guided("large", -(1LL << 35), -(1LL << 35) + 999, 1);
	down_i64_static3("step", 0, 1000, 4);
}

static void collapse(void) {
	int c2[13][7] = {{0}};
#pragma omp parallel for collapse(2) schedule(dynamic, 4)
	for (int i = 0; i < 13; i++)
		for (int j = 0; j < 7; j++)
			__atomic_fetch_add(&c2[i][j], 1, __ATOMIC_RELAXED);
	int bad = 0;
	for (int i = 0; i < 13; i++)
		for (int j = 0; j < 7; j++)
			bad += c2[i][j] != 1;
	CHECK(bad == 0, "collapse(2): %d cells", bad);

	static int c3[5][6][9];
	memset(c3, 0, sizeof c3);
#pragma omp parallel for collapse(3) schedule(static)
	for (unsigned long long i = 0; i < 5; i++)
		for (int j = -3; j < 3; j++)
			for (unsigned k = 0; k < 9; k++)
				__atomic_fetch_add(&c3[i][j + 3][k], 1, __ATOMIC_RELAXED);
	bad = 0;
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 6; j++)
			for (int k = 0; k < 9; k++)
				bad += c3[i][j][k] != 1;
	CHECK(bad == 0, "collapse(3): %d cells", bad);
}

static void nowait(void) {
	int a[1000], b[1000];
#pragma omp parallel
	{
#pragma omp for nowait schedule(static)
		for (int i = 0; i < 1000; i++)
			a[i] = i;
#pragma omp for nowait schedule(dynamic, 16)
		for (int i = 0; i < 1000; i++)
			b[i] = 2 * i;
#pragma omp barrier
#pragma omp for schedule(guided)
		for (int i = 0; i < 1000; i++)
			CHECK(a[999 - i] == 999 - i && b[999 - i] == 2 * (999 - i), "nowait loops not complete at the barrier");
	}
}

#define DEF_ORDERED(NAME, T, ...)                                                         \
	static void ordered_##NAME(void) {                                                   \
		T next = 3;                                                                      \
		int bad = 0, evens = 0;                                                          \
		PRAGMA(omp parallel for ordered schedule(__VA_ARGS__) reduction(+ : bad))              \
		for (T i = 3; i < 403; i++) {                                                    \
			volatile int spin = 0;                                                   \
			for (int k = 0; k < (int)(i % 7) * 50; k++)                              \
				spin++;                                                          \
			PRAGMA(omp ordered) {                                                    \
				bad += next != i;                                                \
				next = i + 1;                                                    \
			}                                                                        \
		}                                                                                \
		CHECK(bad == 0 && next == 403, "ordered schedule(%s) %s: %d out of order", #__VA_ARGS__, #T, bad); \
		T prev = 0;                                                                      \
		bad = 0;                                                                         \
		PRAGMA(omp parallel for ordered schedule(__VA_ARGS__) reduction(+ : bad))              \
		for (T i = 0; i < 300; i++) {                                                    \
			if (i % 2 == 0) {                                                        \
				PRAGMA(omp ordered) {                                            \
					bad += i != 0 && prev != i - 2;                          \
					prev = i;                                                \
					evens++;                                                 \
				}                                                                \
			}                                                                        \
		}                                                                                \
		CHECK(bad == 0 && evens == 150, "ordered on even iterations schedule(%s): %d", #__VA_ARGS__, bad); \
	}
DEF_ORDERED(static, int, static)
DEF_ORDERED(static3, unsigned, static, 3)
DEF_ORDERED(dynamic, long long, dynamic)
DEF_ORDERED(dynamic4, unsigned long long, dynamic, 4)
DEF_ORDERED(guided, int, guided)
DEF_ORDERED(runtime, int, runtime)

static void sections(void) {
	int sec[6] = {0}, lastsec = -1, who[6];
#pragma omp parallel sections lastprivate(lastsec)
	{
#pragma omp section
		{ sec[0]++; who[0] = omp_get_thread_num(); lastsec = 0; }
#pragma omp section
		{ sec[1]++; who[1] = omp_get_thread_num(); lastsec = 1; }
#pragma omp section
		{ sec[2]++; who[2] = omp_get_thread_num(); lastsec = 2; }
#pragma omp section
		{ sec[3]++; who[3] = omp_get_thread_num(); lastsec = 3; }
#pragma omp section
		{ sec[4]++; who[4] = omp_get_thread_num(); lastsec = 4; }
#pragma omp section
		{ sec[5]++; who[5] = omp_get_thread_num(); lastsec = 5; }
	}
	for (int i = 0; i < 6; i++)
		CHECK(sec[i] == 1 && who[i] >= 0 && who[i] < 4, "section %d ran %d times on %d", i, sec[i], who[i]);
	CHECK(lastsec == 5, "sections lastprivate %d", lastsec);
	int sum = 0;
#pragma omp parallel
	{
#pragma omp sections reduction(+ : sum) nowait
		{
#pragma omp section
			sum += 1;
#pragma omp section
			sum += 10;
		}
	}
	CHECK(sum == 11, "sections reduction %d", sum);
}

static void single_master(void) {
	int singles[10] = {0}, masters = 0, masked = 0, masked_none = 0;
#pragma omp parallel
	{
		for (int k = 0; k < 10; k++) {
			if (k % 2) {
#pragma omp single nowait
				singles[k]++;
			} else {
#pragma omp single
				singles[k]++;
			}
		}
#pragma omp master
		{
			masters++;
			CHECK(omp_get_thread_num() == 0, "master on thread %d", omp_get_thread_num());
		}
#pragma omp masked filter(2)
		{
			masked++;
			CHECK(omp_get_thread_num() == 2, "masked(2) on thread %d", omp_get_thread_num());
		}
#pragma omp masked filter(9)
		masked_none++;
	}
	for (int k = 0; k < 10; k++)
		CHECK(singles[k] == 1, "single %d ran %d times", k, singles[k]);
	CHECK(masters == 1 && masked == (omp_get_max_threads() > 2) && masked_none == 0, "master %d masked %d %d", masters, masked, masked_none);
}

int main(void) {
	ranges();
	ordered_static();
	ordered_static3();
	ordered_dynamic();
	ordered_dynamic4();
	ordered_guided();
	omp_set_schedule(omp_sched_dynamic, 2);
	ordered_runtime();
	omp_set_schedule(omp_sched_guided, 0);
	ordered_runtime();
	collapse();
	nowait();
	sections();
	single_master();
	return omp_finish();
}
