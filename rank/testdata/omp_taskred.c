/* Task reductions: taskgroup task_reduction with task in_reduction,
 * taskloop reduction, the task modifier of parallel and worksharing
 * reductions, user-declared reductions; exact results with thousands of
 * tasks. */
#include "omp_check.h"

#define NT 5000

typedef struct {
	long sum;
	int count;
	int max;
} stats;

static void stats_combine(stats *out, const stats *in) {
	out->sum += in->sum;
	out->count += in->count;
	if (in->max > out->max)
		out->max = in->max;
}
#pragma omp declare reduction(merge : stats : stats_combine(&omp_out, &omp_in)) initializer(omp_priv = (stats){0, 0, -1})

/* A user reduction whose initializer reads the original item. */
#pragma omp declare reduction(offset : long : omp_out += omp_in - 1000) initializer(omp_priv = omp_orig)

static void taskgroup_reduction(void) {
	long sum = 7;
	unsigned long xr = 0, orr = 0, andr = ~0UL;
	int mx = -5;
	long long prod = 1;
	stats st = {0, 0, -1};
#pragma omp parallel
#pragma omp single
	{
#pragma omp taskgroup task_reduction(+ : sum) task_reduction(^ : xr) task_reduction(| : orr) task_reduction(& : andr) \
    task_reduction(max : mx) task_reduction(* : prod) task_reduction(merge : st)
		for (int i = 1; i <= NT; i++) {
#pragma omp task in_reduction(+ : sum) in_reduction(^ : xr) in_reduction(| : orr) in_reduction(& : andr) \
    in_reduction(max : mx) in_reduction(* : prod) in_reduction(merge : st) firstprivate(i)
			{
				sum += i;
				xr ^= (unsigned long)i * 2654435761UL;
				orr |= 1UL << (i % 31);
				andr &= ~(1UL << (i % 29 == 0 ? 3 : 40 % 32));
				if (i * 7 % 1009 > mx)
					mx = i * 7 % 1009;
				if (i % 1000 == 0)
					prod *= 3;
				st.sum += i;
				st.count++;
				if (i % 4999 > st.max)
					st.max = i % 4999;
			}
		}
		/* the reduction is complete when the taskgroup ends */
		CHECK(sum == 7 + (long)NT * (NT + 1) / 2, "sum %ld", sum);
	}
	unsigned long wantx = 0, wanto = 0, wanta = ~0UL;
	int wantm = -5;
	for (int i = 1; i <= NT; i++) {
		wantx ^= (unsigned long)i * 2654435761UL;
		wanto |= 1UL << (i % 31);
		wanta &= ~(1UL << (i % 29 == 0 ? 3 : 40 % 32));
		if (i * 7 % 1009 > wantm)
			wantm = i * 7 % 1009;
	}
	CHECK(xr == wantx, "xor %lx want %lx", xr, wantx);
	CHECK(orr == wanto, "or %lx want %lx", orr, wanto);
	CHECK(andr == wanta, "and %lx want %lx", andr, wanta);
	CHECK(mx == wantm, "max %d want %d", mx, wantm);
	CHECK(prod == 243, "product %lld", prod);
	CHECK(st.sum == (long)NT * (NT + 1) / 2 && st.count == NT && st.max == 4998, "user reduction %ld %d %d", st.sum, st.count, st.max);
}

/* Tasks created by tasks, a nested taskgroup reducing the same variable
 * inside a participating task, and an item whose initializer reads the
 * original. */
static void nested(void) {
	long sum = 0, off = 5000;
#pragma omp parallel num_threads(3)
#pragma omp single
	{
#pragma omp taskgroup task_reduction(+ : sum) task_reduction(offset : off)
		{
			for (int i = 0; i < 100; i++) {
#pragma omp task in_reduction(+ : sum) firstprivate(i)
				{
					sum += i;
					for (int j = 0; j < 10; j++) {
#pragma omp task in_reduction(+ : sum) firstprivate(j)
						sum += j;
					}
				}
			}
#pragma omp task in_reduction(+ : sum)
			{
				/* sum is this task's private copy; the inner
				 * taskgroup reduces into it */
#pragma omp taskgroup task_reduction(+ : sum)
				for (int k = 0; k < 50; k++) {
#pragma omp task in_reduction(+ : sum) firstprivate(k)
					sum += 1000;
				}
			}
			for (int i = 0; i < 40; i++) {
#pragma omp task in_reduction(offset : off)
				off += 1;
			}
		}
	}
	CHECK(sum == 4950 + 100 * 45 + 50000, "nested sum %ld want %ld", sum, 4950L + 100 * 45 + 50000);
	/* each thread's copy starts at 5000 and is combined as copy - 1000:
	 * the result depends on how many threads took part, each adding
	 * 4000; the 40 increments are all there */
	long extra = off - 5000 - 40;
	CHECK(extra >= 4000 && extra <= 3 * 4000 && extra % 4000 == 0, "offset reduction %ld", off);
}

static void taskloops(void) {
	long s1 = 0, s2 = 0;
	double d = 0;
	int n = 0;
#pragma omp parallel
#pragma omp single
	{
#pragma omp taskloop reduction(+ : s1) grainsize(3)
		for (int i = 0; i < 3 * NT; i++)
			s1 += i;
#pragma omp taskloop reduction(+ : s2, d) reduction(max : n) num_tasks(37)
		for (long i = 0; i < NT; i++) {
			s2 += 2 * i;
			d += 0.5;
			if (i % 977 > n)
				n = i % 977;
		}
	}
	CHECK(s1 == (long)3 * NT * (3 * NT - 1) / 2, "taskloop sum %ld", s1);
	CHECK(s2 == (long)NT * (NT - 1), "taskloop sum 2 %ld", s2);
	CHECK(d == NT / 2.0, "taskloop double sum %g", d);
	CHECK(n == 976, "taskloop max %d", n);

	/* a taskloop with in_reduction inside a taskgroup */
	long s3 = 0;
#pragma omp parallel
#pragma omp single
#pragma omp taskgroup task_reduction(+ : s3)
	{
#pragma omp taskloop in_reduction(+ : s3) num_tasks(20)
		for (int i = 0; i < 1000; i++)
			s3 += i;
#pragma omp task in_reduction(+ : s3)
		s3 += 1;
	}
	CHECK(s3 == 499501, "taskloop in_reduction %ld", s3);
}

/* reduction(task, ...) on parallel and worksharing constructs. */
static void modifiers(void) {
	long z = 10;
	int nth = 0;
#pragma omp parallel reduction(task, + : z)
	{
#pragma omp single
		nth = omp_get_num_threads();
		for (int i = 0; i < 500; i++) {
#pragma omp task in_reduction(+ : z) firstprivate(i)
			z += i;
		}
		z += 1; /* the implicit task's own contribution */
	}
	CHECK(z == 10 + (long)nth * (499 * 500 / 2 + 1), "parallel reduction(task) %ld (%d threads)", z, nth);

	long w = 0;
	stats st = {0, 0, -1};
#pragma omp parallel
	{
		for (int rep = 0; rep < 3; rep++) {
#pragma omp for reduction(task, + : w) reduction(task, merge : st) schedule(dynamic, 7)
			for (int i = 0; i < 1000; i++) {
#pragma omp task in_reduction(+ : w) in_reduction(merge : st) firstprivate(i)
				{
					w += i;
					st.sum += i;
					st.count++;
					if (i > st.max)
						st.max = i;
				}
				if (i % 2)
					w += 1;
			}
		}
	}
	CHECK(w == 3 * (499500 + 500), "for reduction(task) %ld", w);
	CHECK(st.sum == 3 * 499500 && st.count == 3000 && st.max == 999, "for reduction(task, merge) %ld %d %d", st.sum, st.count, st.max);
}

int main(void) {
	for (int rep = 0; rep < 2; rep++) {
		taskgroup_reduction();
		nested();
		taskloops();
		modifiers();
	}
	return omp_finish();
}
