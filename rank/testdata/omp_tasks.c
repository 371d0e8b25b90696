/* Tasks: task/taskwait, shared and firstprivate data, nested tasks,
 * taskgroup, depend(in/out/inout) chains and fan-in, omp_all_memory is not
 * used (OpenMP 5.1), undeferred (if(0)) and final tasks, taskyield, and
 * taskloop (grainsize, num_tasks, nogroup, firstprivate, lastprivate,
 * 64-bit bounds). Expects OMP_NUM_THREADS=4. */
#include <stdint.h>
#include "omp_check.h"

static long fib(int n) {
	if (n < 2)
		return n;
	long a, b;
#pragma omp task shared(a) firstprivate(n) if (n > 12)
	a = fib(n - 1);
#pragma omp task shared(b) firstprivate(n) if (n > 12)
	b = fib(n - 2);
#pragma omp taskwait
	return a + b;
}

static void basic(void) {
	int done[200] = {0}, where[8] = {0};
#pragma omp parallel
	{
#pragma omp single
		{
			for (int i = 0; i < 200; i++) {
#pragma omp task firstprivate(i)
				{
					volatile int spin = 0;
					for (int k = 0; k < 2000; k++)
						spin++;
					done[i]++;
					__atomic_fetch_add(&where[omp_get_thread_num()], 1, __ATOMIC_RELAXED);
				}
			}
#pragma omp taskwait
			int bad = 0;
			for (int i = 0; i < 200; i++)
				bad += done[i] != 1;
			CHECK(bad == 0, "after taskwait %d tasks did not run once", bad);
		}
	}
	int workers = 0;
	for (int t = 0; t < 8; t++)
		workers += where[t] > 0;
	CHECK(workers >= 1, "tasks ran on %d threads", workers);

	long f = 0;
#pragma omp parallel
#pragma omp single
	f = fib(24);
	CHECK(f == 46368, "fib(24) = %ld", f);

	/* Tasks created by every thread complete at the region's end. */
	int count = 0;
#pragma omp parallel
	{
		for (int i = 0; i < 50; i++) {
#pragma omp task
			{
#pragma omp atomic
				count++;
			}
		}
	}
	CHECK(count == 50 * omp_get_max_threads(), "tasks complete at the join: %d", count);

	/* ... and at an explicit barrier. */
	int phase = 0, bad = 0;
#pragma omp parallel reduction(+ : bad)
	{
#pragma omp task
		{
#pragma omp atomic
			phase++;
		}
#pragma omp barrier
		bad += phase != omp_get_num_threads();
	}
	CHECK(bad == 0, "tasks complete at a barrier");
}

static void groups(void) {
	int level1 = 0, level2 = 0, outside = 0;
#pragma omp parallel
#pragma omp single
	{
#pragma omp taskgroup
		{
			for (int i = 0; i < 10; i++) {
#pragma omp task
				{
					for (int j = 0; j < 10; j++) {
#pragma omp task
						{
#pragma omp atomic
							level2++;
						}
					}
#pragma omp atomic
					level1++;
				}
			}
		}
		/* a taskgroup waits for descendants too */
		CHECK(level1 == 10 && level2 == 100, "taskgroup: %d %d", level1, level2);
		outside = 1;
	}
	CHECK(outside == 1, "single finished");
}

static void dependences(void) {
	/* A chain: out -> inout -> ... -> in, with readers fanning out. */
	int x = 0, order[64], pos = 0, readers_ok = 0;
#pragma omp parallel
#pragma omp single
	{
		for (int i = 0; i < 20; i++) {
#pragma omp task depend(inout : x) firstprivate(i) shared(order, pos)
			{
				volatile int spin = 0;
				for (int k = 0; k < (20 - i) * 500; k++)
					spin++;
				CHECK(x == i, "chain step %d saw %d", i, x);
				x = i + 1;
				order[pos++] = i;
			}
		}
		for (int r = 0; r < 8; r++) {
#pragma omp task depend(in : x) shared(readers_ok)
			{
				if (x == 20)
					__atomic_fetch_add(&readers_ok, 1, __ATOMIC_RELAXED);
			}
		}
#pragma omp task depend(out : x) shared(readers_ok)
		{
			CHECK(readers_ok == 8, "writer after readers: %d", readers_ok);
			x = -1;
		}
#pragma omp taskwait
		CHECK(x == -1, "final writer %d", x);
		for (int i = 0; i < 20; i++)
			CHECK(order[i] == i, "order[%d] = %d", i, order[i]);

		/* Fan-in: one task depending on several. */
		int a = 0, b = 0, c = 0, sum = 0;
#pragma omp task depend(out : a) shared(a)
		{
			volatile int s = 0;
			for (int k = 0; k < 20000; k++)
				s++;
			a = 1;
		}
#pragma omp task depend(out : b) shared(b)
		b = 2;
#pragma omp task depend(out : c) shared(c)
		c = 3;
#pragma omp task depend(in : a, b, c) depend(out : sum) shared(a, b, c, sum)
		sum = a + b + c;
#pragma omp taskwait depend(in : sum)
		CHECK(sum == 6, "fan-in %d", sum);
		/* An undeferred task with dependences waits for them. */
		int y = 0;
#pragma omp task depend(out : y) shared(y)
		{
			volatile int s = 0;
			for (int k = 0; k < 20000; k++)
				s++;
			y = 5;
		}
#pragma omp task depend(in : y) if (0) shared(y)
		CHECK(y == 5, "if(0) task with depend ran early: %d", y);
#pragma omp taskwait
		/* mutexinoutset is ordered like inout (stricter, valid). */
		int m = 0;
		for (int i = 0; i < 10; i++) {
#pragma omp task depend(mutexinoutset : m) shared(m)
			m++;
		}
#pragma omp taskwait
		CHECK(m == 10, "mutexinoutset %d", m);
	}
}

static void undeferred_final(void) {
	int ran_inline = 0, in_final = 0, final_children = 0;
#pragma omp parallel
#pragma omp single
	{
		int me = omp_get_thread_num(), runner = -1;
#pragma omp task if (0) shared(runner)
		runner = omp_get_thread_num();
		ran_inline = runner == me;
#pragma omp task final(1) shared(in_final, final_children)
		{
			in_final = omp_in_final();
			int t = omp_get_thread_num();
			for (int i = 0; i < 5; i++) {
#pragma omp task shared(final_children) firstprivate(t)
				{
					/* included: runs at once, on the same thread */
					if (omp_in_final() && omp_get_thread_num() == t)
						final_children++;
				}
			}
			CHECK(final_children == 5, "final task's children ran %d inline", final_children);
		}
#pragma omp taskwait
		CHECK(!omp_in_final(), "implicit task is final");
	}
	CHECK(ran_inline, "if(0) task ran on another thread");
	CHECK(in_final, "omp_in_final in a final task");
	int yields = 0;
#pragma omp parallel
	{
		for (int i = 0; i < 10; i++) {
#pragma omp task
			{
#pragma omp atomic
				yields++;
			}
#pragma omp taskyield
		}
	}
	CHECK(yields == 10 * omp_get_max_threads(), "taskyield %d", yields);
}

static void taskloops(void) {
	int hits[1000] = {0}, last = -1, base = 7;
#pragma omp parallel
#pragma omp single
	{
#pragma omp taskloop grainsize(10) lastprivate(last) firstprivate(base)
		for (int i = 0; i < 1000; i++) {
			__atomic_fetch_add(&hits[i], base - 6, __ATOMIC_RELAXED);
			last = i;
		}
		int bad = 0;
		for (int i = 0; i < 1000; i++)
			bad += hits[i] != 1;
		CHECK(bad == 0 && last == 999, "taskloop grainsize: %d bad, last %d", bad, last);

		long long big[300] = {0};
#pragma omp taskloop num_tasks(7) shared(big)
		for (long long i = 1LL << 40; i < (1LL << 40) + 300; i++)
			big[i - (1LL << 40)] = i;
		bad = 0;
		for (int i = 0; i < 300; i++)
			bad += big[i] != (1LL << 40) + i;
		CHECK(bad == 0, "taskloop num_tasks 64-bit: %d", bad);

		int cnt = 0;
#pragma omp taskloop nogroup shared(cnt)
		for (unsigned u = 10; u < 110; u += 2) {
#pragma omp atomic
			cnt++;
		}
#pragma omp taskwait
		CHECK(cnt == 50, "taskloop nogroup + taskwait: %d", cnt);

		int empty = 0;
		int n = 0;
#pragma omp taskloop shared(empty)
		for (int i = 0; i < n; i++)
			empty++;
		CHECK(empty == 0, "empty taskloop");
	}
}

int main(void) {
	basic();
	groups();
	dependences();
	undeferred_final();
	taskloops();
	return omp_finish();
}
