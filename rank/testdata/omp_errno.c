/* omp_errno.c: errno is per thread under OpenMP. Threads make libc calls
 * that fail with different error numbers at the same time and check that
 * each sees its own; errno set by an object compiled without -fopenmp
 * (omp_errno_plain.c), by libc and by this file is the same variable within
 * a thread and a different one across threads; the initial thread's errno
 * survives parallel regions. Build: mpicc -c omp_errno_plain.c (no
 * -fopenmp), then mpicc -fopenmp omp_errno.c omp_errno_plain.o. Argument:
 * iterations per thread (default 20000). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "omp_check.h"

void plain_set_errno(int v);
int plain_get_errno(void);
int *plain_errno_address(void);

/* Busy work that does not touch errno, to widen the window in which
 * another thread's libc call could overwrite a shared errno. */
static volatile unsigned sink;
static void spin(int n) {
	unsigned x = 1;
	for (int i = 0; i < n; i++)
		x = x * 1664525u + 1013904223u;
	sink = x;
}

/* The errno each failing libc call leaves, measured by the initial thread
 * before any other thread exists (open's depends on what the sandbox
 * mounts: ENOENT, or ENOTCAPABLE without a preopened directory). */
static int expected[3];

/* One failing libc call per kind; returns the errno it must leave. */
static int fail_once(int kind, int t) {
	switch (kind) {
	case 0: {
		char *end;
		long v = strtol("99999999999999999999999", &end, 10);
		(void)v;
		break;
	}
	case 1: {
		int fd = open("/no/such/dir/file", O_RDONLY);
		if (fd >= 0)
			close(fd);
		break;
	}
	case 2:
		close(-1);
		break;
	default:
		plain_set_errno(1000 + t);
		return 1000 + t;
	}
	return expected[kind];
}

int main(int argc, char **argv) {
	int iters = argc > 1 ? atoi(argv[1]) : 20000;

	for (int k = 0; k < 3; k++) {
		errno = 0;
		fail_once(k, 0);
		expected[k] = errno;
	}
	CHECK(expected[0] == ERANGE, "strtol overflow: errno %d", expected[0]);
	CHECK(expected[2] == EBADF, "close(-1): errno %d", expected[2]);
	CHECK(expected[1] != 0 && expected[1] != ERANGE && expected[1] != EBADF, "open of a missing file: errno %d", expected[1]);

	errno = EDOM;
	int *main_errno = &errno;
	CHECK(plain_errno_address() == main_errno, "plain object's &errno %p, this file's %p", (void *)plain_errno_address(), (void *)main_errno);

	int nthreads = 0;
	uintptr_t addr[64] = {0};
#pragma omp parallel num_threads(4)
	{
		int t = omp_get_thread_num();
#pragma omp single
		nthreads = omp_get_num_threads();
		addr[t] = (uintptr_t)&errno;
		CHECK(plain_errno_address() == &errno, "plain object's &errno differs from this file's in thread %d", t);
		if (t != 0) {
			/* A new thread's errno starts at 0, not at the initial thread's. */
			CHECK(errno == 0 || errno == 1000 + t, "thread %d starts with errno %d", t, errno);
		}
		int bad = 0, badAfter = 0, badPlain = 0;
		for (int i = 0; i < iters; i++) {
			int kind = (t + i) % 4;
			errno = 0;
			int want = fail_once(kind, t);
			if (errno != want)
				bad++;
			spin(50);
			if (errno != want)
				badAfter++;
			if (plain_get_errno() != want)
				badPlain++;
		}
		CHECK(bad == 0, "thread %d: errno wrong right after the failing call in %d of %d iterations", t, bad, iters);
		CHECK(badAfter == 0, "thread %d: errno changed under the thread in %d of %d iterations", t, badAfter, iters);
		CHECK(badPlain == 0, "thread %d: the plain object read another errno in %d of %d iterations", t, badPlain, iters);
		/* strerror and perror read errno through libc. */
		errno = ENOENT;
		spin(1000);
		CHECK(errno == ENOENT, "thread %d: errno %d", t, errno);
	}
	CHECK(nthreads == 4, "team of %d threads", nthreads);
	for (int a = 0; a < nthreads; a++)
		for (int b = a + 1; b < nthreads; b++)
			CHECK(addr[a] != addr[b], "threads %d and %d share errno at %#lx", a, b, (unsigned long)addr[a]);
	CHECK(addr[0] == (uintptr_t)main_errno, "the initial thread's errno moved");

	/* The initial thread's errno is its own across regions: it was ENOENT
	 * at the end of the region (thread 0), and workers writing theirs in a
	 * second region leave it alone. */
	errno = EDOM;
#pragma omp parallel num_threads(4)
	{
		if (omp_get_thread_num() != 0) {
			for (int i = 0; i < 1000; i++)
				close(-1);
		}
	}
	CHECK(errno == EDOM, "initial thread's errno %d after a region, want EDOM (%d)", errno, EDOM);
	CHECK(plain_get_errno() == EDOM, "plain object reads %d", plain_get_errno());
	return omp_finish();
}
