/* Uses an OpenMP API function the runtime does not provide: loading the
 * program must fail with "omp_display_env is not supported yet". */
#include <omp.h>
#include <stdio.h>

extern void omp_display_env(int verbose); /* OpenMP 5.1 */

int main(void) {
	omp_display_env(0);
#pragma omp parallel
	printf("%d\n", omp_get_thread_num());
	return 0;
}
