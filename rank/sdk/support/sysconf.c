/* sysconf and getpagesize.
 *
 * wasi-libc answers 1 for _SC_NPROCESSORS_ONLN/_CONF. The wasmpi runtime sets
 * WASMPI_NPROCS to the number of processors the rank may use; the wrapper
 * (reached through -Wl,--wrap=sysconf) reports it, and falls back to
 * wasi-libc for everything else. */
#include <stdlib.h>
#include <unistd.h>

long __real_sysconf(int);

long __wrap_sysconf(int name) {
	if (name == _SC_NPROCESSORS_ONLN || name == _SC_NPROCESSORS_CONF) {
		const char *s = getenv("WASMPI_NPROCS");
		if (s != NULL && *s != '\0') {
			char *end;
			long n = strtol(s, &end, 10);
			if (*end == '\0' && n > 0)
				return n;
		}
	}
	return __real_sysconf(name);
}

/* The wasm page size (64 KiB), like sysconf(_SC_PAGESIZE). */
__attribute__((weak)) int getpagesize(void) { return 65536; }
