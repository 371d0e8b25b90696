/* omp_errno_plain.c: compiled WITHOUT -fopenmp and linked into
 * omp_errno.c's -fopenmp program: this object addresses errno as plain
 * data, which mpicc rewrites at link time to reach the calling thread's
 * errno. */
#include <errno.h>

void plain_set_errno(int v) { errno = v; }
int plain_get_errno(void) { return errno; }
int *plain_errno_address(void) { return &errno; }
