/* Uses task reductions, which the runtime does not provide: loading the
 * program must fail with "__kmpc_taskred_init is not supported yet". */
#include <stdio.h>

int main(void) {
	int s = 0;
#pragma omp parallel
#pragma omp single
#pragma omp taskloop reduction(+ : s)
	for (int i = 0; i < 10; i++)
		s += i;
	printf("%d\n", s);
	return 0;
}
