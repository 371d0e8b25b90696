// Task reductions of a C++ class: the private copies are constructed by
// the initializer and destroyed by the runtime (the item's finaliser)
// after they were combined.
#include "omp_check.h"

static int live = 0;

struct Acc {
	long v;
	int n;
	Acc() : v(0), n(0) { __atomic_fetch_add(&live, 1, __ATOMIC_RELAXED); }
	Acc(const Acc &o) : v(o.v), n(o.n) { __atomic_fetch_add(&live, 1, __ATOMIC_RELAXED); }
	~Acc() { __atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED); }
};
#pragma omp declare reduction(acc : Acc : omp_out.v += omp_in.v, omp_out.n += omp_in.n) initializer(omp_priv = Acc())

int main() {
	for (int rep = 0; rep < 3; rep++) {
		Acc a, b;
#pragma omp parallel
#pragma omp single
		{
#pragma omp taskgroup task_reduction(acc : a)
			for (int i = 0; i < 3000; i++) {
#pragma omp task in_reduction(acc : a) firstprivate(i)
				{
					a.v += i;
					a.n++;
				}
			}
#pragma omp taskloop reduction(acc : b) grainsize(10)
			for (int i = 0; i < 1000; i++) {
				b.v += 2 * i;
				b.n++;
			}
		}
		CHECK(a.v == 2999L * 3000 / 2 && a.n == 3000, "taskgroup: %ld %d", a.v, a.n);
		CHECK(b.v == 999L * 1000 && b.n == 1000, "taskloop: %ld %d", b.v, b.n);
		CHECK(live == 2, "%d objects alive, want 2 (private copies not destroyed?)", live);
	}
	return omp_finish();
}
