/* The OMP_* environment. argv[1] names the expectation:
 *   default <n>   no OMP_* variable: n threads
 *   set           OMP_NUM_THREADS=3,2 OMP_SCHEDULE=guided,5
 *                 OMP_PROC_BIND=spread,close OMP_DYNAMIC=true OMP_STACKSIZE=16M
 *   bad <n>       malformed values: the defaults (n threads) */
#include "omp_check.h"

static int deep(int n) {
	volatile char buf[4096];
	buf[0] = (char)n;
	if (n == 0)
		return buf[0];
	return deep(n - 1) + buf[0];
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "default";
	omp_sched_t kind;
	int chunk;
	omp_get_schedule(&kind, &chunk);
	if (strcmp(mode, "default") == 0) {
		int want = argc > 2 ? atoi(argv[2]) : 1;
		CHECK(omp_get_max_threads() == want, "default threads %d, want %d", omp_get_max_threads(), want);
		int n = 0;
#pragma omp parallel
#pragma omp master
		n = omp_get_num_threads();
		CHECK(n == want, "default team %d", n);
	} else if (strcmp(mode, "set") == 0) {
		CHECK(omp_get_max_threads() == 3, "max threads %d", omp_get_max_threads());
		CHECK(kind == omp_sched_guided && chunk == 5, "schedule %d,%d", kind, chunk);
		CHECK(omp_get_proc_bind() == omp_proc_bind_spread, "proc_bind %d", omp_get_proc_bind());
		CHECK(omp_get_dynamic(), "dynamic");
		CHECK(omp_get_max_active_levels() >= 2, "a list enables nesting: %d", omp_get_max_active_levels());
		int outer = 0, inner[3] = {0}, sums[3] = {0}, want = deep(1500);
#pragma omp parallel
		{
#pragma omp master
			outer = omp_get_num_threads();
			int me = omp_get_thread_num();
			CHECK(omp_get_max_threads() == 2, "nested max threads %d", omp_get_max_threads());
			CHECK(omp_get_proc_bind() == omp_proc_bind_close, "nested proc_bind %d", omp_get_proc_bind());
#pragma omp parallel
			{
#pragma omp master
				inner[me] = omp_get_num_threads();
			}
			/* 16 MiB stacks: 6 MiB of recursion fits. */
			sums[me] = deep(1500);
		}
		CHECK(outer == 3, "outer team %d", outer);
		for (int i = 0; i < 3; i++)
			CHECK(inner[i] == 2 && sums[i] == want, "inner team %d: %d, %d", i, inner[i], sums[i]);
		/* OMP_SCHEDULE drives schedule(runtime). */
		int hits[100] = {0};
#pragma omp parallel for schedule(runtime)
		for (int i = 0; i < 100; i++)
			__atomic_fetch_add(&hits[i], 1, __ATOMIC_RELAXED);
		int bad = 0;
		for (int i = 0; i < 100; i++)
			bad += hits[i] != 1;
		CHECK(bad == 0, "runtime schedule");
	} else if (strcmp(mode, "bad") == 0) {
		int want = argc > 2 ? atoi(argv[2]) : 1;
		CHECK(omp_get_max_threads() == want, "max threads %d (OMP_NUM_THREADS=x ignored, default %d)", omp_get_max_threads(), want);
		CHECK(kind == omp_sched_static, "schedule %d", kind);
		CHECK(omp_get_proc_bind() == omp_proc_bind_false, "proc_bind %d", omp_get_proc_bind());
	}
	return omp_finish();
}
