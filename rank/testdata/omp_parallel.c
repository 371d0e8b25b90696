/* Parallel regions and data-sharing: num_threads, if, nesting, the
 * team-query functions, private/firstprivate/lastprivate, threadprivate
 * with copyin, copyprivate. Expects OMP_NUM_THREADS=4. */
#include "omp_check.h"

static int tp = 7;
#pragma omp threadprivate(tp)
static long long tp64 = -3;
#pragma omp threadprivate(tp64)

static void recursive_region(int depth, int *count) {
	if (depth == 0)
		return;
#pragma omp parallel num_threads(2)
	{
#pragma omp atomic
		(*count)++;
		if (omp_get_thread_num() == 0)
			recursive_region(depth - 1, count);
	}
}

int main(void) {
	CHECK(omp_get_num_threads() == 1, "%d", omp_get_num_threads());
	CHECK(omp_get_thread_num() == 0, "%d", omp_get_thread_num());
	CHECK(!omp_in_parallel(), "in parallel outside a region");
	CHECK(omp_get_level() == 0 && omp_get_active_level() == 0, "levels %d %d", omp_get_level(), omp_get_active_level());
	CHECK(omp_get_max_threads() == 4, "max threads %d (OMP_NUM_THREADS=4)", omp_get_max_threads());

	/* Default team: every thread number once. */
	int seen[64] = {0}, nthreads = 0;
#pragma omp parallel
	{
		int me = omp_get_thread_num();
#pragma omp atomic
		seen[me]++;
#pragma omp single
		nthreads = omp_get_num_threads();
		CHECK(omp_in_parallel(), "not in parallel");
		CHECK(omp_get_level() == 1 && omp_get_active_level() == 1, "levels %d %d", omp_get_level(), omp_get_active_level());
		CHECK(omp_get_ancestor_thread_num(1) == me && omp_get_ancestor_thread_num(0) == 0, "ancestors");
		CHECK(omp_get_team_size(1) == omp_get_num_threads() && omp_get_team_size(0) == 1, "team sizes");
		CHECK(omp_get_ancestor_thread_num(2) == -1 && omp_get_team_size(-1) == -1, "out of range levels");
	}
	CHECK(nthreads == 4, "team of %d", nthreads);
	for (int i = 0; i < nthreads; i++)
		CHECK(seen[i] == 1, "thread %d seen %d times", i, seen[i]);

	/* num_threads and if. */
	for (int n = 1; n <= 6; n++) {
		int got = -1;
#pragma omp parallel num_threads(n)
		{
#pragma omp master
			got = omp_get_num_threads();
		}
		CHECK(got == n, "num_threads(%d) gave %d", n, got);
	}
	int team = -1, level = -1;
#pragma omp parallel if (nthreads < 0)
	{
		team = omp_get_num_threads();
		level = omp_get_level();
		CHECK(omp_get_active_level() == 0, "if(0) region is active");
	}
	CHECK(team == 1 && level == 1, "if(0): team %d level %d", team, level);
	omp_set_num_threads(3);
#pragma omp parallel
	{
#pragma omp single
		team = omp_get_num_threads();
	}
	CHECK(team == 3, "omp_set_num_threads(3) gave %d", team);
	omp_set_num_threads(4);

	/* Nested regions: inactive by default (inner team of 1). */
	int inner[8] = {0};
#pragma omp parallel num_threads(2)
	{
		int outer = omp_get_thread_num();
#pragma omp parallel num_threads(3)
		{
			CHECK(omp_get_num_threads() == 1, "nested team of %d", omp_get_num_threads());
			CHECK(omp_get_level() == 2 && omp_get_active_level() == 1, "nested levels %d %d", omp_get_level(), omp_get_active_level());
			CHECK(omp_get_ancestor_thread_num(1) == outer, "ancestor %d != %d", omp_get_ancestor_thread_num(1), outer);
			inner[outer]++;
		}
	}
	CHECK(inner[0] == 1 && inner[1] == 1, "inner regions %d %d", inner[0], inner[1]);
	/* ... and active when allowed. */
	omp_set_max_active_levels(2);
	int pairs[4][4] = {{0}};
#pragma omp parallel num_threads(2)
	{
		int outer = omp_get_thread_num();
#pragma omp parallel num_threads(3)
		{
			CHECK(omp_get_num_threads() == 3, "active nested team of %d", omp_get_num_threads());
			CHECK(omp_get_active_level() == 2, "active level %d", omp_get_active_level());
			CHECK(omp_get_team_size(1) == 2 && omp_get_team_size(2) == 3, "team sizes %d %d", omp_get_team_size(1), omp_get_team_size(2));
			CHECK(omp_get_ancestor_thread_num(1) == outer, "ancestor");
#pragma omp atomic
			pairs[outer][omp_get_thread_num()]++;
#pragma omp barrier
		}
	}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			CHECK(pairs[i][j] == 1, "pair %d,%d: %d", i, j, pairs[i][j]);
	int count = 0;
	recursive_region(3, &count);
	CHECK(count == 2 + 2 + 1, "recursive regions: %d", count); /* level 3 is inactive: a team of 1 */
	omp_set_max_active_levels(1);

	/* private, firstprivate, lastprivate, shared. */
	int priv = 42, first = 10, last = -1, shared = 0;
#pragma omp parallel private(priv) firstprivate(first) shared(shared)
	{
		priv = omp_get_thread_num();
		CHECK(first == 10, "firstprivate %d", first);
		first += priv;
#pragma omp atomic
		shared += first;
	}
	CHECK(priv == 42, "private leaked: %d", priv);
	CHECK(shared == 4 * 10 + 0 + 1 + 2 + 3, "shared sum %d", shared);
#pragma omp parallel for lastprivate(last)
	for (int i = 0; i < 100; i++)
		last = i * 2;
	CHECK(last == 198, "lastprivate %d", last);
	long long big = 1LL << 40;
	double dv = 2.5;
#pragma omp parallel firstprivate(big, dv)
	{
		CHECK(big == 1LL << 40 && dv == 2.5, "firstprivate 64-bit values");
		big += omp_get_thread_num();
		dv *= 2;
	}
	CHECK(big == 1LL << 40 && dv == 2.5, "firstprivate copies leaked");

	/* threadprivate with copyin; values persist between regions. */
	tp = 100;
	tp64 = 1LL << 35;
#pragma omp parallel copyin(tp, tp64)
	{
		CHECK(tp == 100 && tp64 == 1LL << 35, "copyin: %d %lld", tp, tp64);
		tp = omp_get_thread_num() * 10;
	}
	int persisted = 0;
#pragma omp parallel reduction(+ : persisted)
	persisted += tp == omp_get_thread_num() * 10;
	CHECK(persisted == 4, "threadprivate persisted in %d threads", persisted);
	CHECK(tp == 0, "master's threadprivate %d", tp);

	/* copyprivate. */
#pragma omp parallel
	{
		int v = -1;
		double d = 0;
#pragma omp single copyprivate(v, d)
		{
			v = 1234 + omp_get_thread_num() * 0;
			d = 3.25;
		}
		CHECK(v == 1234 && d == 3.25, "copyprivate %d %g", v, d);
	}
	return omp_finish();
}
