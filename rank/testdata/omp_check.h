/* omp_check.h: self-checking helpers for wasmpi's OpenMP test programs that
 * do not use MPI. CHECK(cond, fmt, ...) may be used inside parallel
 * regions; omp_finish() prints "No Errors" (or the number of failures) and
 * returns main's exit status. */
#ifndef OMP_CHECK_H
#define OMP_CHECK_H
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oc_errors = 0;
static int oc_checks = 0;

#define CHECK(cond, ...)                                                           \
	do {                                                                       \
		__atomic_fetch_add(&oc_checks, 1, __ATOMIC_RELAXED);               \
		if (!(cond)) {                                                     \
			__atomic_fetch_add(&oc_errors, 1, __ATOMIC_RELAXED);       \
			printf("FAIL thread %d: %s:%d: %s: ", omp_get_thread_num(), \
			       __FILE__, __LINE__, #cond);                         \
			printf(__VA_ARGS__);                                       \
			printf("\n");                                              \
			fflush(stdout);                                            \
		}                                                                  \
	} while (0)

static int omp_finish(void) {
	if (oc_errors == 0)
		printf("No Errors (%d checks)\n", oc_checks);
	else
		printf("Found %d errors\n", oc_errors);
	fflush(stdout);
	return oc_errors == 0 ? 0 : 1;
}
#endif
