/* Reductions: +, *, min, max, &, |, ^, &&, || on int, long long, float and
 * double (the bitwise ones on the integer types), on parallel regions,
 * worksharing loops with and without nowait, and sections; several
 * variables in one clause; results identical from run to run.
 * Expects OMP_NUM_THREADS=4. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include "omp_check.h"

#define N 1000

#define ARITH(T, FMT)                                                                      \
	static void arith_##T(void) {                                                       \
		T sum = 5, prod = 1, mn = (T)1e6, mx = (T)-1e6;                                \
		_Pragma("omp parallel for reduction(+ : sum) reduction(* : prod) reduction(min : mn) reduction(max : mx)") \
		for (int i = 1; i <= N; i++) {                                                  \
			sum += (T)i;                                                            \
			if (i % 100 == 0)                                                       \
				prod *= (T)2;                                                   \
			T v = (T)((i * 37) % 1001) - (T)500;                                    \
			mn = v < mn ? v : mn;                                                   \
			mx = v > mx ? v : mx;                                                   \
		}                                                                               \
		CHECK(sum == (T)(5 + N * (N + 1) / 2), #T " sum " FMT, sum);                    \
		CHECK(prod == (T)1024, #T " product " FMT, prod);                               \
		T wmn = (T)1e6, wmx = (T)-1e6;                                                  \
		for (int i = 1; i <= N; i++) {                                                  \
			T v = (T)((i * 37) % 1001) - (T)500;                                    \
			wmn = v < wmn ? v : wmn;                                                \
			wmx = v > wmx ? v : wmx;                                                \
		}                                                                               \
		CHECK(mn == wmn && mx == wmx, #T " min " FMT " max " FMT, mn, mx);              \
		T s2 = 0;                                                                       \
		_Pragma("omp parallel reduction(+ : s2)")                                       \
		s2 += (T)(omp_get_thread_num() + 1);                                            \
		CHECK(s2 == (T)(omp_get_max_threads() * (omp_get_max_threads() + 1) / 2), #T " region sum " FMT, s2); \
		T s3 = 0, p3 = 1;                                                               \
		_Pragma("omp parallel")                                                         \
		{                                                                               \
			_Pragma("omp for nowait reduction(+ : s3) reduction(* : p3)")           \
			for (int i = 0; i < 64; i++) {                                          \
				s3 += (T)1;                                                     \
				if (i < 10)                                                     \
					p3 *= (T)-1;                                            \
			}                                                                       \
		}                                                                               \
		CHECK(s3 == (T)64 && p3 == (T)1, #T " nowait " FMT " " FMT, s3, p3);            \
	}
ARITH(int, "%d")
typedef long long llong;
ARITH(llong, "%lld")
ARITH(float, "%g")
ARITH(double, "%g")

#define BITS(T, FMT, ONES)                                                                  \
	static void bits_##T(void) {                                                        \
		T a = ONES, o = 0, x = 0;                                                       \
		int land = 1, lor = 0, land2 = 1, lor2 = 0;                                      \
		_Pragma("omp parallel for reduction(& : a) reduction(| : o) reduction(^ : x) reduction(&& : land) reduction(|| : lor) reduction(&& : land2) reduction(|| : lor2)") \
		for (int i = 0; i < 64; i++) {                                                  \
			if (i != 5)                                                             \
				a &= ~((T)0);                                                   \
			else                                                                    \
				a &= ~((T)1 << 3);                                              \
			o |= (T)1 << (i % (8 * (int)sizeof(T)));                                \
			x ^= (T)i;                                                              \
			land = land && i < 100;                                                 \
			lor = lor || i == 63;                                                   \
			land2 = land2 && i != 17;                                               \
			lor2 = lor2 || i > 1000;                                                \
		}                                                                               \
		T want_o = sizeof(T) * 8 >= 64 ? (T)~(T)0 : (T)~(T)0;                           \
		CHECK(a == (T)(ONES & ~((T)1 << 3)), #T " and " FMT, a);                        \
		CHECK(o == want_o, #T " or " FMT, o);                                           \
		CHECK(x == 0, #T " xor " FMT, x);                                               \
		CHECK(land == 1 && lor == 1 && land2 == 0 && lor2 == 0, #T " logical %d %d %d %d", land, lor, land2, lor2); \
	}
BITS(int, "%x", -1)
BITS(llong, "%llx", -1LL)

/* Floating-point sums are combined in thread order: the same every time. */
static void deterministic(void) {
	double first = 0;
	for (int rep = 0; rep < 20; rep++) {
		double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
		for (int i = 1; i <= 100000; i++)
			s += 1.0 / ((double)i * 3.3);
		if (rep == 0)
			first = s;
		CHECK(s == first, "run %d: %.17g != %.17g", rep, s, first);
	}
}

/* The combined value is visible to everyone after the loop's barrier. */
static void blocking(void) {
#pragma omp parallel
	{
		static int total;
#pragma omp single
		total = 0;
#pragma omp for reduction(+ : total)
		for (int i = 0; i < 100; i++)
			total += i;
		CHECK(total == 4950, "after the reduction barrier: %d", total);
	}
}

int main(void) {
	arith_int();
	arith_llong();
	arith_float();
	arith_double();
	bits_int();
	bits_llong();
	deterministic();
	blocking();
	return omp_finish();
}
