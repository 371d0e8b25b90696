/* Failures of OpenMP threads. argv[1] selects what goes wrong on a thread
 * other than the initial one:
 *   trap     the thread traps (unreachable)
 *   oob      the thread reads outside the memory
 *   exit     the thread calls exit(3)
 *   lock     the thread sets a lock that was never initialised
 *   relock   the thread sets a simple lock it holds (would deadlock)
 *   unset    the thread unsets a lock that is not set
 *   destroy  the thread destroys a lock it holds
 *   reuse    the thread sets a lock it destroyed
 *   kind     the thread uses a simple lock as a nestable one
 *   owner    the thread unsets a nestable lock thread 0 holds
 *   critical a thread re-enters the critical section it holds
 *   stack    the thread overflows its stack (OMP_STACKSIZE=64K)
 *   race     unsynchronised updates: a wrong result, nothing else
 * Every other case must end the program with an error. */
#include <stdint.h>
#include "omp_check.h"

static volatile int sink = 0;

static void enter_x(void) {
#pragma omp critical(x)
	sink++;
}

static char *volatile lowest;

static int deep(int n) {
	volatile char buf[8192];
	memset((char *)buf, n, sizeof buf);
	lowest = (char *)buf;
	if (n == 0)
		return buf[100];
	return deep(n - 1) + buf[7];
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "race") == 0) {
		long long counter = 0;
		double d = 0;
#pragma omp parallel
		for (int i = 0; i < 100000; i++) {
			counter++;
			d += 1;
		}
		printf("racy counter %lld %g\n", counter, d);
		return omp_finish();
	}
	omp_nest_lock_t held;
	omp_init_nest_lock(&held);
#pragma omp parallel num_threads(2)
	{
		if (omp_get_thread_num() == 0 && strcmp(mode, "owner") == 0)
			omp_set_nest_lock(&held);
#pragma omp barrier
		if (omp_get_thread_num() == 1) {
			if (strcmp(mode, "trap") == 0)
				__builtin_trap();
			if (strcmp(mode, "oob") == 0)
				sink = *(volatile int *)(uintptr_t)0xfffffff0u;
			if (strcmp(mode, "exit") == 0)
				exit(3);
			if (strcmp(mode, "lock") == 0) {
				omp_lock_t l;
				memset(&l, 0x5a, sizeof l);
				omp_set_lock(&l);
			}
			omp_lock_t sl;
			omp_init_lock(&sl);
			if (strcmp(mode, "relock") == 0) {
				omp_set_lock(&sl);
				omp_set_lock(&sl);
			}
			if (strcmp(mode, "unset") == 0)
				omp_unset_lock(&sl);
			if (strcmp(mode, "destroy") == 0) {
				omp_set_lock(&sl);
				omp_destroy_lock(&sl);
			}
			if (strcmp(mode, "reuse") == 0) {
				omp_destroy_lock(&sl);
				omp_set_lock(&sl);
			}
			if (strcmp(mode, "kind") == 0)
				omp_set_nest_lock((omp_nest_lock_t *)&sl);
			if (strcmp(mode, "owner") == 0)
				omp_unset_nest_lock(&held);
			if (strcmp(mode, "critical") == 0) {
#pragma omp critical(x)
				enter_x();
			}
			if (strcmp(mode, "stack") == 0)
				sink = deep(64);
		}
#pragma omp barrier
	}
	printf("survived %s\n", mode);
	return 0;
}
