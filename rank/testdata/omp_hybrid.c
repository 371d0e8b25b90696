/* Hybrid MPI + OpenMP: MPI_Init_thread(MPI_THREAD_FUNNELED), a parallel
 * loop per rank and MPI_Allreduce of the partial results; MPI called from
 * the master thread inside a parallel region (funneled) and from every
 * thread one at a time (serialized, in a critical section). */
#include <omp.h>
#include "mtest.h"

int main(int argc, char **argv) {
	int provided = -1, rank, size;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
	CHECK(provided >= MPI_THREAD_FUNNELED, "provided %d", provided);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	int nt = omp_get_max_threads();
	CHECK(nt >= 1, "rank %d has %d threads", rank, nt);

	/* Each rank sums its block of 1..N with a parallel loop. */
	const long long N = 1000000;
	long long lo = rank * N / size + 1, hi = (rank + 1) * N / size, part = 0;
	double dpart = 0;
#pragma omp parallel for reduction(+ : part, dpart) schedule(static)
	for (long long i = lo; i <= hi; i++) {
		part += i;
		dpart += 1.0 / (double)i;
	}
	long long total = 0;
	double dtotal = 0;
	MPI_Allreduce(&part, &total, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
	MPI_Allreduce(&dpart, &dtotal, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	CHECK(total == N * (N + 1) / 2, "sum %lld", total);
	CHECK(dtotal > 14.39 && dtotal < 14.40, "harmonic %g", dtotal);

	/* Funneled: the master thread talks while the others wait. */
	int threads_sum = 0, everyone = -1;
#pragma omp parallel reduction(+ : threads_sum)
	{
		threads_sum += 1;
#pragma omp master
		{
			int is_main = 0;
			MPI_Is_thread_main(&is_main);
			CHECK(is_main, "master is not the main thread");
			int mine = omp_get_num_threads();
			MPI_Allreduce(&mine, &everyone, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
		}
#pragma omp barrier
		CHECK(everyone == nt * size, "threads in the job: %d", everyone);
		if (omp_get_thread_num() != 0) {
			int is_main = 1;
			MPI_Is_thread_main(&is_main);
			CHECK(!is_main, "worker %d claims to be the main thread", omp_get_thread_num());
		}
	}

	/* Serialized: every thread exchanges with the neighbours, one at a time. */
	int peer = (rank + 1) % size, from = (rank + size - 1) % size, bad = 0;
#pragma omp parallel reduction(+ : bad)
	{
		int me = omp_get_thread_num();
		for (int k = 0; k < omp_get_num_threads(); k++) {
			if (k == me) {
#pragma omp critical(mpi)
				{
					int out = rank * 100 + me, in = -1;
					MPI_Sendrecv(&out, 1, MPI_INT, peer, me, &in, 1, MPI_INT, from, me, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
					bad += in != from * 100 + me;
				}
			}
#pragma omp barrier
		}
	}
	CHECK(bad == 0, "serialized exchanges: %d wrong", bad);
	return mtest_finish();
}
