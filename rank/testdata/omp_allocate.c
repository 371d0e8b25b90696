/* The allocate clause and directive with the predefined allocators (all of
 * them allocate from the heap here), with and without an alignment, and
 * the omp_alloc family. Expects several threads. */
#include <stdint.h>
#include "omp_check.h"

int main(void) {
	int sum = 0;
	int x[64];
	for (int i = 0; i < 64; i++)
		x[i] = i;
#pragma omp parallel firstprivate(x) allocate(omp_low_lat_mem_alloc : x) reduction(+ : sum)
	{
		int me = omp_get_thread_num();
		for (int i = 0; i < 64; i++)
			x[i] += me;
		for (int i = 0; i < 64; i++)
			sum += x[i] - me;
	}
	CHECK(sum == omp_get_max_threads() * 2016, "firstprivate copies allocated: %d", sum);

	int bad = 0;
	double v[32];
#pragma omp parallel private(v) allocate(omp_high_bw_mem_alloc : v) reduction(+ : bad)
	{
		for (int i = 0; i < 32; i++)
			v[i] = omp_get_thread_num() + i;
		for (int i = 0; i < 32; i++)
			bad += v[i] != omp_get_thread_num() + i;
	}
	CHECK(bad == 0, "private copies: %d bad", bad);

	double w[16];
#pragma omp allocate(w) allocator(omp_const_mem_alloc) align(256)
	CHECK(((uintptr_t)w % 256) == 0, "allocate directive with align(256): %p", (void *)w);

	long local[100];
#pragma omp allocate(local) allocator(omp_default_mem_alloc)
	for (int i = 0; i < 100; i++)
		local[i] = 3L * i;
	long t = 0;
	for (int i = 0; i < 100; i++)
		t += local[i];
	CHECK(t == 14850, "allocate directive: %ld", t);

	int okcount = 0;
#pragma omp parallel reduction(+ : okcount)
	{
		int *p = omp_alloc(1000 * sizeof(int), omp_thread_mem_alloc);
		double *q = omp_aligned_alloc(128, 10 * sizeof(double), omp_default_mem_alloc);
		int *z = omp_calloc(50, sizeof(int), omp_null_allocator);
		int ok = p && q && z && ((uintptr_t)q % 128) == 0;
		for (int i = 0; ok && i < 1000; i++)
			p[i] = i;
		for (int i = 0; ok && i < 50; i++)
			ok = z[i] == 0;
		for (int i = 0; ok && i < 1000; i++)
			ok = p[i] == i;
		omp_free(p, omp_thread_mem_alloc);
		omp_free(q, omp_default_mem_alloc);
		omp_free(z, omp_null_allocator);
		okcount += ok;
	}
	CHECK(okcount == omp_get_max_threads(), "omp_alloc family: %d threads ok", okcount);
	return omp_finish();
}
