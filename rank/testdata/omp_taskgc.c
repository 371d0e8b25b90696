/* Long guest calls made by the OpenMP runtime (tasks run inline inside
 * __kmpc_omp_task on a team of one, each making many host calls) while the
 * Go garbage collector runs: the results of every such call must land in
 * the runtime's buffer and nowhere else. Regression test for a heap
 * corruption (see openmp.callGuest). */
#include "omp_check.h"

static int cut = 12;

static long fib(int n) {
	if (n < 2)
		return n;
	long a, b;
#pragma omp task shared(a) firstprivate(n) if (n > cut)
	a = fib(n - 1);
#pragma omp task shared(b) firstprivate(n) if (n > cut)
	b = fib(n - 2);
#pragma omp taskwait
	return a + b;
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	for (int r = 0; r < rounds; r++) {
		long f = fib(22); /* no parallel region: tasks run inline */
		CHECK(f == 17711, "fib(22) = %ld", f);
		long g = 0;
#pragma omp parallel
#pragma omp single
		g = fib(22);
		CHECK(g == 17711, "fib(22) in a team = %ld", g);
	}
	return omp_finish();
}
