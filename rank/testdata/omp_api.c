/* The omp_* API: team and nesting queries, ICV setters and getters and
 * their scoping, schedule, limits, timing, devices, places, memory
 * allocation. Expects OMP_NUM_THREADS=4 and no other OMP_* variable. */
#include <stdint.h>
#include <unistd.h>
#include "omp_check.h"

int main(void) {
	CHECK(omp_get_num_procs() >= 1, "num_procs %d", omp_get_num_procs());
	CHECK(omp_get_thread_limit() >= omp_get_max_threads(), "thread_limit %d", omp_get_thread_limit());
	CHECK(omp_get_supported_active_levels() >= 2, "supported levels %d", omp_get_supported_active_levels());
	CHECK(omp_get_max_active_levels() == 1 && !omp_get_nested(), "default nesting %d", omp_get_max_active_levels());
	CHECK(!omp_get_dynamic() && !omp_get_cancellation(), "dynamic/cancellation default");
	CHECK(omp_get_proc_bind() == omp_proc_bind_false, "proc_bind %d", omp_get_proc_bind());
	CHECK(!omp_in_final(), "in final");

	omp_set_dynamic(1);
	CHECK(omp_get_dynamic() == 1, "set_dynamic");
	omp_set_dynamic(0);
	omp_set_nested(1);
	CHECK(omp_get_nested() && omp_get_max_active_levels() > 1, "set_nested");
	omp_set_nested(0);
	omp_set_max_active_levels(3);
	CHECK(omp_get_max_active_levels() == 3, "max_active_levels %d", omp_get_max_active_levels());
	omp_set_max_active_levels(1);

	omp_sched_t kind;
	int chunk;
	omp_get_schedule(&kind, &chunk);
	CHECK(kind == omp_sched_static && chunk == 0, "default schedule %d,%d", kind, chunk);
	omp_set_schedule(omp_sched_dynamic, 7);
	omp_get_schedule(&kind, &chunk);
	CHECK(kind == omp_sched_dynamic && chunk == 7, "schedule %d,%d", kind, chunk);
	omp_set_schedule((omp_sched_t)(omp_sched_guided | omp_sched_monotonic), 0);
	omp_get_schedule(&kind, &chunk);
	CHECK(kind == (omp_sched_t)(omp_sched_guided | omp_sched_monotonic) && chunk == 1, "monotonic guided %x,%d", kind, chunk);
	omp_set_schedule(omp_sched_static, 0);

	/* Setting an ICV inside a region affects that thread's nested regions
	 * only. */
	int inner[4] = {0};
	omp_set_max_active_levels(2);
#pragma omp parallel num_threads(4)
	{
		int me = omp_get_thread_num();
		CHECK(omp_get_max_threads() == 4, "inherited max threads %d", omp_get_max_threads());
		omp_set_num_threads(me + 1);
		CHECK(omp_get_max_threads() == me + 1, "own max threads");
		omp_set_schedule(omp_sched_guided, me + 1);
#pragma omp barrier
		omp_sched_t k;
		int c;
		omp_get_schedule(&k, &c);
		CHECK(k == omp_sched_guided && c == me + 1, "own schedule %d,%d", k, c);
#pragma omp parallel
		{
#pragma omp master
			inner[me] = omp_get_num_threads();
		}
	}
	omp_set_max_active_levels(1);
	for (int i = 0; i < 4; i++)
		CHECK(inner[i] == i + 1, "thread %d's nested team %d", i, inner[i]);
	CHECK(omp_get_max_threads() == 4, "master's max threads changed: %d", omp_get_max_threads());
	omp_get_schedule(&kind, &chunk);
	CHECK(kind == omp_sched_static, "master's schedule changed");

	double t0 = omp_get_wtime(), tick = omp_get_wtick();
	usleep(20000);
	double t1 = omp_get_wtime();
	CHECK(tick > 0 && tick < 0.01, "wtick %g", tick);
	CHECK(t1 - t0 >= 0.015 && t1 - t0 < 5, "wtime advanced %g s", t1 - t0);
	double tw[8] = {0};
#pragma omp parallel
	tw[omp_get_thread_num()] = omp_get_wtime();
	for (int i = 0; i < 4; i++)
		CHECK(tw[i] >= t1, "threads share the clock");

	CHECK(omp_get_num_devices() == 0 && omp_is_initial_device() && omp_get_initial_device() == omp_get_device_num(), "devices");
	omp_set_default_device(0);
	CHECK(omp_get_default_device() == 0, "default device");
	CHECK(omp_get_num_teams() == 1 && omp_get_team_num() == 0, "teams");
	CHECK(omp_get_num_places() == 0 && omp_get_place_num() == -1 && omp_get_partition_num_places() == 0, "places");
	CHECK(omp_get_max_task_priority() == 0, "max task priority");

	int *p = omp_alloc(1000 * sizeof(int), omp_default_mem_alloc);
	double *q = omp_aligned_alloc(256, 100 * sizeof(double), omp_high_bw_mem_alloc);
	int *z = omp_calloc(50, sizeof(int), omp_null_allocator);
	CHECK(p && q && z && ((uintptr_t)q & 255) == 0, "omp_alloc family");
	int zero = 1;
	for (int i = 0; i < 50; i++)
		zero &= z[i] == 0;
	CHECK(zero, "omp_calloc zeroes");
	p = omp_realloc(p, 2000 * sizeof(int), omp_default_mem_alloc, omp_default_mem_alloc);
	CHECK(p != NULL, "omp_realloc");
	omp_free(p, omp_default_mem_alloc);
	omp_free(q, omp_high_bw_mem_alloc);
	omp_free(z, omp_null_allocator);
	return omp_finish();
}
