/* memalign and valloc: legacy allocation functions wasi-libc does not build. */
#include <errno.h>
#include <stdlib.h>

__attribute__((weak)) void *memalign(size_t alignment, size_t size) {
	size_t a = sizeof(void *);
	void *p;
	int err;
	while (a < alignment) {
		if (a > ((size_t)-1) / 2) {
			errno = EINVAL;
			return NULL;
		}
		a <<= 1;
	}
	err = posix_memalign(&p, a, size);
	if (err != 0) {
		errno = err;
		return NULL;
	}
	return p;
}

__attribute__((weak)) void *valloc(size_t size) { return memalign(65536, size); }
