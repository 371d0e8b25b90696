/* Stress: thousands of short parallel regions and worksharing loops,
 * contended critical sections and atomics, malloc/free and printf from
 * every thread at once (the SDK serialises libc), many small tasks.
 * Prints lines "line <thread> <i> end" that the test checks are whole.
 * Expects OMP_NUM_THREADS=4. */
#include "omp_check.h"

/* The runtime's global thread number: threads are pooled, so it stays
 * below the number of threads ever needed at once. */
extern int __kmpc_global_thread_num(void *);

int main(int argc, char **argv) {
	int regions = argc > 1 ? atoi(argv[1]) : 3000;
	long long total = 0;
	for (int r = 0; r < regions; r++) {
		int s = 0;
#pragma omp parallel reduction(+ : s)
		s += omp_get_thread_num() + 1;
		total += s;
		int n = 0;
#pragma omp parallel for reduction(+ : n) schedule(dynamic, 8)
		for (int i = 0; i < 64; i++)
			n++;
		total += n;
	}
	int nt = omp_get_max_threads(), maxg = 0;
	for (int r = 0; r < 200; r++) {
#pragma omp parallel num_threads(1 + r % nt) reduction(max : maxg)
		maxg = __kmpc_global_thread_num(NULL);
	}
	CHECK(maxg == nt - 1, "global thread numbers up to %d with %d threads", maxg, nt);
	CHECK(total == (long long)regions * (nt * (nt + 1) / 2 + 64), "regions: %lld", total);

	long long crit = 0;
	int atom = 0;
	double datom = 0;
#pragma omp parallel
	for (int i = 0; i < 20000; i++) {
#pragma omp critical
		crit++;
#pragma omp atomic
		atom++;
#pragma omp atomic
		datom += 1.0;
	}
	CHECK(crit == 20000LL * nt && atom == 20000 * nt && datom == 20000.0 * nt, "contention: %lld %d %g", crit, atom, datom);

	int allocs_ok = 0;
#pragma omp parallel reduction(+ : allocs_ok)
	{
		void *keep[64] = {0};
		for (int i = 0; i < 4000; i++) {
			int k = (i * 7 + omp_get_thread_num()) % 64;
			free(keep[k]);
			size_t n = 16 + (size_t)((i * 131) % 3000);
			char *p = malloc(n);
			if (p) {
				memset(p, omp_get_thread_num(), n);
				allocs_ok++;
			}
			keep[k] = p;
			if (i % 500 == 0) {
				char *q = calloc(100, 10);
				q = realloc(q, 5000);
				free(q);
			}
		}
		for (int k = 0; k < 64; k++)
			free(keep[k]);
	}
	CHECK(allocs_ok == 4000 * nt, "allocations %d", allocs_ok);

#pragma omp parallel
	for (int i = 0; i < 50; i++)
		printf("line %d %d end\n", omp_get_thread_num(), i);
	fflush(stdout);

	int tasks = 0;
#pragma omp parallel
#pragma omp single
	for (int i = 0; i < 20000; i++) {
#pragma omp task
		{
#pragma omp atomic
			tasks++;
		}
	}
	CHECK(tasks == 20000, "tasks %d", tasks);
	return omp_finish();
}
