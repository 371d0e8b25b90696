/* Synchronisation: critical (unnamed, named, nested with different names,
 * hints), barrier, atomic read/write/update/capture on 32/64-bit integers,
 * float and double, locks and nestable locks, flush.
 * Expects OMP_NUM_THREADS=4. */
#include "omp_check.h"

#define ITERS 2000

static void critical(void) {
	int a = 0, b = 0;
	long long c = 0;
	double d = 0;
#pragma omp parallel
	{
		for (int i = 0; i < ITERS; i++) {
#pragma omp critical
			{
				int t = a;
				a = t + 1;
			}
#pragma omp critical(alpha)
			{
				long long t = c;
				c = t + 2;
#pragma omp critical(beta) hint(omp_sync_hint_contended)
				{
					b += 1;
					d += 0.5;
				}
			}
		}
	}
	int n = omp_get_max_threads();
	CHECK(a == n * ITERS && b == n * ITERS && c == 2LL * n * ITERS && d == 0.5 * n * ITERS,
	      "critical: %d %d %lld %g", a, b, c, d);
}

static void barrier(void) {
	int phase[8] = {0}, bad = 0;
#pragma omp parallel reduction(+ : bad)
	{
		int me = omp_get_thread_num(), n = omp_get_num_threads();
		for (int p = 1; p <= 50; p++) {
			phase[me] = p;
#pragma omp barrier
			for (int t = 0; t < n; t++)
				bad += phase[t] != p;
#pragma omp barrier
		}
	}
	CHECK(bad == 0, "barrier: %d threads out of phase", bad);
}

static void atomics(void) {
	int i32 = 0, cap_bad = 0;
	unsigned u32 = 0;
	long long i64 = 0, big = 1LL << 40;
	unsigned long long u64 = 0;
	float f = 0;
	double d = 0, dmax = 0;
	int seen[4 * ITERS] = {0};
#pragma omp parallel reduction(+ : cap_bad)
	{
		for (int i = 0; i < ITERS; i++) {
#pragma omp atomic update
			i32 += 1;
#pragma omp atomic
			u32 += 3u;
#pragma omp atomic
			i64 += 1LL << 33;
#pragma omp atomic
			u64 ^= 1ULL << (i % 64);
#pragma omp atomic
			f += 1.0f;
#pragma omp atomic
			d += 0.25;
			int old;
#pragma omp atomic capture
			old = i32++;
			if (old < 0 || old >= 2 * 4 * ITERS)
				cap_bad++;
			long long v;
#pragma omp atomic capture
			{
				v = big;
				big += 1;
			}
			if (v < (1LL << 40))
				cap_bad++;
			double prev;
#pragma omp atomic capture
			{
				prev = dmax;
				dmax += 1.5;
			}
			if (prev < 0 || prev > 1.5 * 4 * ITERS)
				cap_bad++;
			int ticket;
#pragma omp atomic capture
			ticket = u32 += 0;
			(void)ticket;
		}
	}
	int n = omp_get_max_threads();
	CHECK(i32 == 2 * n * ITERS, "atomic int %d", i32);
	CHECK(u32 == 3u * n * ITERS, "atomic unsigned %u", u32);
	CHECK(i64 == (long long)n * ITERS * (1LL << 33), "atomic long long %lld", i64);
	CHECK(u64 == 0, "atomic xor %llx", u64); /* ITERS is a multiple of 64... times an even count */
	CHECK(f == (float)(n * ITERS), "atomic float %g", f);
	CHECK(d == 0.25 * n * ITERS, "atomic double %g", d);
	CHECK(big == (1LL << 40) + (long long)n * ITERS, "capture long long %lld", big);
	CHECK(dmax == 1.5 * n * ITERS, "capture double %g", dmax);
	CHECK(cap_bad == 0, "capture values: %d bad", cap_bad);

	/* Tickets from a capture are all distinct. */
	int next = 0;
#pragma omp parallel
	for (int i = 0; i < ITERS; i++) {
		int t;
#pragma omp atomic capture
		t = next++;
		if (t >= 0 && t < 4 * ITERS)
			__atomic_fetch_add(&seen[t], 1, __ATOMIC_RELAXED);
	}
	int dup = 0;
	for (int t = 0; t < n * ITERS; t++)
		dup += seen[t] != 1;
	CHECK(dup == 0, "capture tickets: %d duplicates or holes", dup);

	/* read and write */
	long long shared64 = 0;
	int torn = 0;
#pragma omp parallel reduction(+ : torn)
	{
		for (int i = 0; i < ITERS; i++) {
			if (omp_get_thread_num() == 0) {
				long long v = (i % 2) ? -1LL : 0x0000000100000001LL;
#pragma omp atomic write
				shared64 = v;
			} else {
				long long v;
#pragma omp atomic read
				v = shared64;
				torn += v != 0 && v != -1LL && v != 0x0000000100000001LL;
			}
		}
	}
	CHECK(torn == 0, "atomic read saw %d torn values", torn);
}

/* Locks belong to tasks, not threads: a task created by the holder of a
 * nestable lock does not own it, whether it runs deferred (on any thread,
 * possibly the holder's, at the taskwait) or undeferred (if(0), on the
 * holder's thread at once), and the holder owns it again afterwards. */
static void task_locks(void) {
	omp_nest_lock_t tl;
	omp_init_nest_lock(&tl);
	int deferred = -1, undeferred = -1, after = -1, inner = -1;
#pragma omp parallel num_threads(2)
#pragma omp single
	{
		omp_set_nest_lock(&tl);
#pragma omp task shared(deferred, tl)
		deferred = omp_test_nest_lock(&tl);
#pragma omp taskwait
#pragma omp task if (0) shared(undeferred, inner, tl)
		{
			undeferred = omp_test_nest_lock(&tl);
			/* The undeferred task cannot take it, but a lock of its own
			 * nests inside the task. */
			omp_nest_lock_t own;
			omp_init_nest_lock(&own);
			omp_set_nest_lock(&own);
			inner = omp_test_nest_lock(&own);
			omp_unset_nest_lock(&own);
			omp_unset_nest_lock(&own);
			omp_destroy_nest_lock(&own);
		}
		after = omp_test_nest_lock(&tl);
		omp_unset_nest_lock(&tl);
		omp_unset_nest_lock(&tl);
	}
	CHECK(deferred == 0 && undeferred == 0, "a task took its creator's nest lock: deferred %d undeferred %d", deferred, undeferred);
	CHECK(inner == 2 && after == 2, "nest depth in a task %d, in the creator after its tasks %d", inner, after);
	omp_destroy_nest_lock(&tl);
}

static void locks(void) {
	omp_lock_t l;
	omp_nest_lock_t nl;
	omp_init_lock(&l);
	omp_init_nest_lock(&nl);
	int count = 0, nested = 0, tested = 0, depth_bad = 0;
#pragma omp parallel reduction(+ : depth_bad)
	{
		for (int i = 0; i < ITERS / 4; i++) {
			omp_set_lock(&l);
			int t = count;
			count = t + 1;
			omp_unset_lock(&l);

			omp_set_nest_lock(&nl);
			omp_set_nest_lock(&nl);
			depth_bad += omp_test_nest_lock(&nl) != 3;
			nested++;
			omp_unset_nest_lock(&nl);
			omp_unset_nest_lock(&nl);
			omp_unset_nest_lock(&nl);

			while (!omp_test_lock(&l))
				;
			tested++;
			omp_unset_lock(&l);
		}
	}
	int n = omp_get_max_threads();
	CHECK(count == n * ITERS / 4 && nested == n * ITERS / 4 && tested == n * ITERS / 4, "locks: %d %d %d", count, nested, tested);
	CHECK(depth_bad == 0, "omp_test_nest_lock depth");
	omp_set_lock(&l);
	int other = -1;
#pragma omp parallel num_threads(2)
	{
		if (omp_get_thread_num() == 1)
			other = omp_test_lock(&l);
	}
	CHECK(other == 0, "omp_test_lock on a lock held by another task returned %d", other);
	omp_unset_lock(&l);
	omp_destroy_lock(&l);
	omp_destroy_nest_lock(&nl);
	omp_lock_t hl;
	omp_init_lock_with_hint(&hl, omp_sync_hint_speculative);
	omp_set_lock(&hl);
	omp_unset_lock(&hl);
	omp_destroy_lock(&hl);
	/* Many locks. */
	omp_lock_t many[100];
	for (int i = 0; i < 100; i++)
		omp_init_lock(&many[i]);
	int cells[100] = {0};
#pragma omp parallel for schedule(dynamic)
	for (int i = 0; i < 10000; i++) {
		omp_set_lock(&many[i % 100]);
		cells[i % 100]++;
		omp_unset_lock(&many[i % 100]);
	}
	int bad = 0;
	for (int i = 0; i < 100; i++) {
		bad += cells[i] != 100;
		omp_destroy_lock(&many[i]);
	}
	CHECK(bad == 0, "per-cell locks: %d cells wrong", bad);
	task_locks();
}

static void flush(void) {
	int data = 0, flag = 0;
#pragma omp parallel num_threads(2)
	{
		if (omp_get_thread_num() == 0) {
			data = 42;
#pragma omp flush
#pragma omp atomic write
			flag = 1;
		} else {
			int f = 0;
			while (!f) {
#pragma omp atomic read
				f = flag;
#pragma omp flush
			}
			CHECK(data == 42, "flush: %d", data);
		}
	}
}

int main(void) {
	critical();
	barrier();
	atomics();
	locks();
	flush();
	return omp_finish();
}
