/* OpenMP 5.1 (built with -fopenmp-version=51): depend(omp_all_memory),
 * depend(inoutset), atomic compare. Expects OMP_NUM_THREADS=4. */
#include "omp_check.h"

static void spin(int n) {
	volatile int s = 0;
	for (int k = 0; k < n; k++)
		s++;
}

int main(void) {
	int a = 0, b = 0, c = -1, d = -1, set = 0, after = -1;
#pragma omp parallel
#pragma omp single
	{
#pragma omp task depend(out : a) shared(a)
		{
			spin(200000);
			a = 1;
		}
#pragma omp task depend(out : b) shared(b)
		{
			spin(100000);
			b = 2;
		}
#pragma omp task depend(inout : omp_all_memory) shared(a, b, c)
		c = a + b;
#pragma omp task depend(in : a) shared(c, d)
		d = c;
		for (int i = 0; i < 6; i++) {
#pragma omp task depend(inoutset : set) shared(set)
			{
				spin(10000);
#pragma omp atomic
				set++;
			}
		}
#pragma omp task depend(in : set) shared(set, after)
		after = set;
#pragma omp taskwait
	}
	CHECK(c == 3 && d == 3, "omp_all_memory: c=%d d=%d", c, d);
	CHECK(set == 6 && after == 6, "inoutset: %d %d", set, after);

	double mx = -1;
	int imin = 1 << 30;
#pragma omp parallel for
	for (int i = 0; i < 10000; i++) {
		double v = (double)((i * 7919) % 10007);
#pragma omp atomic compare
		if (mx < v)
			mx = v;
#pragma omp atomic compare
		imin = imin > i - 5000 ? i - 5000 : imin;
	}
	double want = 0;
	for (int i = 0; i < 10000; i++) {
		double v = (double)((i * 7919) % 10007);
		want = v > want ? v : want;
	}
	CHECK(mx == want && imin == -5000, "atomic compare: %g (want %g) %d", mx, want, imin);
	return omp_finish();
}
