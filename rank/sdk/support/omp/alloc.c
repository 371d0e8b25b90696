/* The OpenMP memory-allocation API on the program's heap: every predefined
 * allocator is the default one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uintptr_t omp_allocator_handle_t;

void *omp_alloc(size_t size, omp_allocator_handle_t allocator) {
	(void)allocator;
	return malloc(size);
}

void *omp_aligned_alloc(size_t alignment, size_t size, omp_allocator_handle_t allocator) {
	void *p = NULL;
	(void)allocator;
	if (alignment < sizeof(void *))
		alignment = sizeof(void *);
	if (alignment & (alignment - 1))
		return NULL;
	if (posix_memalign(&p, alignment, size) != 0)
		return NULL;
	return p;
}

void *omp_calloc(size_t nmemb, size_t size, omp_allocator_handle_t allocator) {
	(void)allocator;
	return calloc(nmemb, size);
}

void *omp_aligned_calloc(size_t alignment, size_t nmemb, size_t size, omp_allocator_handle_t allocator) {
	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	void *p = omp_aligned_alloc(alignment, nmemb * size, allocator);
	if (p != NULL)
		memset(p, 0, nmemb * size);
	return p;
}

void *omp_realloc(void *ptr, size_t size, omp_allocator_handle_t allocator, omp_allocator_handle_t free_allocator) {
	(void)allocator;
	(void)free_allocator;
	return realloc(ptr, size);
}

void omp_free(void *ptr, omp_allocator_handle_t allocator) {
	(void)allocator;
	free(ptr);
}
