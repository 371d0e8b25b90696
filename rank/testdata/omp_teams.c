/* teams and distribute on the host: the league, team numbers, reductions
 * over the league, distribute schedules, distribute parallel for (simd),
 * parallel regions and tasks inside teams. argv[1], when given, is the
 * number of teams a teams construct without num_teams must create
 * (OMP_NUM_TEAMS). */
#include "omp_check.h"

#define N 1000

static int owner[N], hits[N];

static void league(void) {
	int seen[8] = {0}, nteams = -1, bad = 0;
	long s = 100;
#pragma omp teams num_teams(4) thread_limit(3) reduction(+ : s)
	{
		int t = omp_get_team_num();
		if (t == 0)
			nteams = omp_get_num_teams();
		if (t >= 0 && t < 8)
			__atomic_fetch_add(&seen[t], 1, __ATOMIC_RELAXED);
		if (omp_get_num_threads() != 1 || omp_get_thread_num() != 0 || omp_get_level() != 0 || omp_in_parallel() ||
		    omp_get_thread_limit() != 3 || omp_get_max_threads() > 3 || omp_get_team_size(0) != 1)
			__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
		s += t + 1;
	}
	CHECK(nteams == 4, "omp_get_num_teams %d", nteams);
	for (int t = 0; t < 4; t++)
		CHECK(seen[t] == 1, "team %d ran %d times", t, seen[t]);
	CHECK(bad == 0, "%d teams saw wrong thread/level values", bad);
	CHECK(s == 110, "teams reduction %ld", s);
	CHECK(omp_get_num_teams() == 1 && omp_get_team_num() == 0, "outside teams: %d teams, team %d", omp_get_num_teams(), omp_get_team_num());
}

static void distribute(void) {
	for (int i = 0; i < N; i++)
		owner[i] = -1, hits[i] = 0;
	int last = -1;
#pragma omp teams num_teams(3)
#pragma omp distribute lastprivate(last)
	for (int i = 0; i < N; i++) {
		owner[i] = omp_get_team_num();
		__atomic_fetch_add(&hits[i], 1, __ATOMIC_RELAXED);
		last = i;
	}
	int bad = 0;
	for (int i = 0; i < N; i++) {
		bad += hits[i] != 1;
		/* static without a chunk: one contiguous block per team, in
		 * team order */
		if (i > 0 && owner[i] < owner[i - 1])
			bad++;
	}
	CHECK(bad == 0 && owner[0] == 0 && owner[N - 1] == 2, "distribute static: %d bad, owners %d..%d", bad, owner[0], owner[N - 1]);
	CHECK(last == N - 1, "distribute lastprivate %d", last);

	for (int i = 0; i < N; i++)
		owner[i] = -1, hits[i] = 0;
#pragma omp teams num_teams(4)
#pragma omp distribute dist_schedule(static, 7)
	for (long long i = 0; i < N; i++) {
		owner[i] = omp_get_team_num();
		__atomic_fetch_add(&hits[i], 1, __ATOMIC_RELAXED);
	}
	bad = 0;
	for (int i = 0; i < N; i++)
		bad += hits[i] != 1 || owner[i] != (i / 7) % 4;
	CHECK(bad == 0, "dist_schedule(static, 7): %d iterations wrong", bad);

	/* collapse(2), decreasing unsigned loop */
	static int grid[20][30];
	memset(grid, 0, sizeof grid);
#pragma omp teams distribute collapse(2) num_teams(5) dist_schedule(static, 11)
	for (int i = 0; i < 20; i++)
		for (int j = 0; j < 30; j++)
			grid[i][j] += 1 + omp_get_team_num();
	bad = 0;
	for (int i = 0; i < 20; i++)
		for (int j = 0; j < 30; j++)
			bad += grid[i][j] != 1 + ((i * 30 + j) / 11) % 5;
	CHECK(bad == 0, "teams distribute collapse(2): %d wrong", bad);

	for (int i = 0; i < N; i++)
		hits[i] = 0;
#pragma omp teams distribute num_teams(3)
	for (unsigned u = N; u > 0; u -= 3)
		__atomic_fetch_add(&hits[u - 1], 1, __ATOMIC_RELAXED);
	bad = 0;
	for (int i = 0; i < N; i++)
		bad += hits[i] != ((N - 1 - i) % 3 == 0);
	CHECK(bad == 0, "decreasing unsigned distribute: %d wrong", bad);
}

static void distribute_parallel(void) {
	long sum = 0;
	for (int i = 0; i < N; i++)
		hits[i] = 0;
#pragma omp teams distribute parallel for num_teams(2) thread_limit(2) reduction(+ : sum)
	for (int i = 0; i < N; i++) {
		sum += i;
		__atomic_fetch_add(&hits[i], 1, __ATOMIC_RELAXED);
	}
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += hits[i] != 1;
	CHECK(sum == (long)N * (N - 1) / 2 && bad == 0, "teams distribute parallel for: sum %ld, %d bad", sum, bad);

	long long s2 = 0;
#pragma omp teams distribute parallel for simd num_teams(3) dist_schedule(static, 5) schedule(dynamic, 3) reduction(+ : s2)
	for (long long i = 0; i < 10 * N; i++)
		s2 += i * 3;
	CHECK(s2 == 3LL * (10 * N) * (10 * N - 1) / 2, "teams distribute parallel for simd: %lld", s2);

	unsigned long s3 = 0;
#pragma omp teams num_teams(4) thread_limit(2) reduction(+ : s3)
	{
#pragma omp distribute parallel for schedule(guided) reduction(+ : s3)
		for (unsigned i = 1; i <= N; i++)
			s3 += i;
#pragma omp distribute parallel for simd dist_schedule(static, 9) schedule(static, 2) reduction(+ : s3)
		for (long i = 0; i < N; i++)
			s3 += 2;
	}
	CHECK(s3 == (unsigned long)N * (N + 1) / 2 + 2 * N, "distribute parallel for inside teams: %lu", s3);

	/* which threads ran: every (team, thread) pair of the league */
	int pairs[4][2] = {{0}};
#pragma omp teams distribute parallel for num_teams(4) thread_limit(2) num_threads(2) schedule(static, 1)
	for (int i = 0; i < 64; i++) {
		int t = omp_get_team_num(), th = omp_get_thread_num();
		if (t < 4 && th < 2)
			__atomic_fetch_add(&pairs[t][th], 1, __ATOMIC_RELAXED);
	}
	for (int t = 0; t < 4; t++)
		for (int th = 0; th < 2; th++)
			CHECK(pairs[t][th] == 8, "team %d thread %d ran %d iterations", t, th, pairs[t][th]);
}

static void nested_parallel(void) {
	int count[4][4] = {{0}}, bad = 0;
#pragma omp teams num_teams(4) thread_limit(3)
	{
		int t = omp_get_team_num();
#pragma omp parallel num_threads(3)
		{
			if (omp_get_num_threads() != 3 || omp_get_level() != 1 || omp_get_active_level() != 1 || !omp_in_parallel() ||
			    omp_get_team_num() != t || omp_get_num_teams() != 4 || omp_get_ancestor_thread_num(0) != 0)
				__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&count[t][omp_get_thread_num()], 1, __ATOMIC_RELAXED);
			/* deeper nesting: inactive, as max-active-levels is 1 */
#pragma omp parallel num_threads(2)
			if (omp_get_num_threads() != 1 || omp_get_level() != 2 || omp_get_team_num() != t)
				__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
		}
		/* more threads than the thread limit: capped */
#pragma omp parallel num_threads(8)
		{
			if (omp_get_num_threads() != 3)
				__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
		}
	}
	CHECK(bad == 0, "%d wrong values in parallel regions inside teams", bad);
	for (int t = 0; t < 4; t++)
		for (int i = 0; i < 3; i++)
			CHECK(count[t][i] == 1, "team %d thread %d: %d", t, i, count[t][i]);
}

static void tasks_in_teams(void) {
	long total = 0;
#pragma omp teams num_teams(3) thread_limit(2) reduction(+ : total)
	{
		long mine = 0;
#pragma omp parallel
#pragma omp single
		for (int i = 0; i < 300; i++) {
#pragma omp task shared(mine)
			__atomic_fetch_add(&mine, i, __ATOMIC_RELAXED);
		}
		/* a second region: the team's threads are reused */
#pragma omp parallel
#pragma omp single
#pragma omp taskloop grainsize(1) shared(mine)
		for (int i = 0; i < 10; i++)
			__atomic_fetch_add(&mine, 1, __ATOMIC_RELAXED);
		total += mine;
	}
	CHECK(total == 3 * (299 * 300 / 2 + 10), "tasks in teams: %ld", total);
}

static void defaults(int want) {
	int n = 0;
	if (want > 0)
		CHECK(omp_get_max_teams() == want, "omp_get_max_teams %d want %d", omp_get_max_teams(), want);
	else
		want = omp_get_max_teams();
#pragma omp teams
	if (omp_get_team_num() == 0)
		n = omp_get_num_teams();
	CHECK(n == want, "teams without num_teams: %d want %d", n, want);

	omp_set_num_teams(3);
	omp_set_teams_thread_limit(2);
	CHECK(omp_get_max_teams() == 3 && omp_get_teams_thread_limit() == 2, "set/get: %d %d", omp_get_max_teams(), omp_get_teams_thread_limit());
	int lim = 0;
#pragma omp teams
	if (omp_get_team_num() == 2)
		lim = omp_get_num_teams() * 10 + omp_get_thread_limit();
	CHECK(lim == 32, "teams after omp_set_num_teams: %d", lim);
}

/* A teams construct reached inside a parallel region: refused at run time. */
static void orphaned_teams(void) {
	int n = 0;
#pragma omp teams num_teams(2)
	n = omp_get_num_teams();
	printf("survived teams in parallel %d\n", n);
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "nested") == 0) {
#pragma omp parallel num_threads(2)
		orphaned_teams();
		return 0;
	}
	int want = argc > 1 ? atoi(argv[1]) : 0;
	for (int rep = 0; rep < 20; rep++) {
		league();
		distribute();
		distribute_parallel();
		nested_parallel();
		tasks_in_teams();
	}
	defaults(want);
	return omp_finish();
}
