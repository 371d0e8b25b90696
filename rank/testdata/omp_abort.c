/* Stopping a job while OpenMP threads wait: rank 0's master thread blocks
 * in MPI_Recv inside a parallel region while its other threads wait at a
 * barrier (or for a lock); rank 1 calls MPI_Abort. */
#include <omp.h>
#include <unistd.h>
#include "mtest.h"

int main(int argc, char **argv) {
	int provided, rank;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (rank == 1) {
		usleep(200000);
		MPI_Abort(MPI_COMM_WORLD, 7);
	}
	omp_lock_t l;
	omp_init_lock(&l);
	omp_set_lock(&l);
#pragma omp parallel num_threads(3)
	{
		if (omp_get_thread_num() == 0) {
			int x;
			printf("waiting\n");
			fflush(stdout);
			MPI_Recv(&x, 1, MPI_INT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else if (omp_get_thread_num() == 1) {
			omp_set_lock(&l);
		}
#pragma omp barrier
	}
	printf("FAIL: not stopped\n");
	return mtest_finish();
}
