/* OpenMP support linked into every mpicc -fopenmp program.
 *
 * - The lock variables clang references for critical sections (as common
 *   symbols, which wasm objects cannot define): the unnamed critical
 *   section and the reduction ones (user-declared reductions reference
 *   the atomic one). The driver defines named ones.
 * - The locks that make malloc and stdio usable from several OpenMP
 *   threads (wasi-libc has none; the wrappers are in the other objects).
 * - The allocation functions the runtime calls to give threads their
 *   stacks and tasks their memory, and the TLS initialiser.
 * - errno, one per thread, and the functions through which the libraries
 *   built for one thread reach it. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "lock.h"

/* errno is thread-local here (this file is compiled with atomics, so
 * _Thread_local is real TLS): objects compiled with -fopenmp reach it
 * through __tls_base. wasi-libc, libc++ and the other libraries of the SDK
 * were compiled for one thread and address errno as plain data; the SDK
 * rewrites those accesses (package threaderrno) into calls of the three
 * functions below, which keep the instruction's own operands: the dynamic
 * base address of the access (almost always 0) and, for a store, the value.
 * wasi-libc's own definition of errno is then never linked. */
_Thread_local int errno;

int __wasmpi_errno_load(uintptr_t base) { return *(int *)((char *)&errno + base); }

void __wasmpi_errno_store(uintptr_t base, int value) { *(int *)((char *)&errno + base) = value; }

int *__wasmpi_errno_location(void) { return &errno; }

int __wasmpi_critical_unnamed[8] __asm__(".gomp_critical_user_.var") __attribute__((aligned(8)));
int __wasmpi_critical_reduction[8] __asm__(".gomp_critical_user_.reduction.var") __attribute__((aligned(8)));
int __wasmpi_critical_atomic_reduction[8] __asm__(".gomp_critical_user_.atomic_reduction.var") __attribute__((aligned(8)));

wasmpi_lock_t __wasmpi_malloc_lock;

static wasmpi_lock_t stdio_lock;
static void *stdio_owner;
static int stdio_depth;
/* Its address identifies the calling thread: every thread has its own TLS
 * block. */
static _Thread_local char self;

void __wasmpi_stdio_lock(void) {
	void *me = &self;
	if (__atomic_load_n(&stdio_owner, __ATOMIC_RELAXED) == me) {
		stdio_depth++;
		return;
	}
	wasmpi_lock(&stdio_lock);
	__atomic_store_n(&stdio_owner, me, __ATOMIC_RELAXED);
	stdio_depth = 1;
}

void __wasmpi_stdio_unlock(void) {
	if (--stdio_depth == 0) {
		__atomic_store_n(&stdio_owner, (void *)0, __ATOMIC_RELAXED);
		wasmpi_unlock(&stdio_lock);
	}
}

static void *omp_stack_alloc(size_t size, size_t align) {
	void *p = NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size) != 0)
		return NULL;
	return p;
}

static void omp_stack_free(void *p) { free(p); }

/* Defined by wasm-ld for shared-memory modules: copies the TLS initial
 * image to the block and points __tls_base at it. */
extern void __wasm_init_tls(void *block);

/* What the runtime needs from the program, found through the exported
 * address of this structure (-Wl,--export=__wasmpi_omp_info). Functions
 * are reached through the function table, not as exports: wasm-ld wraps
 * the exports of a command module in code that runs the constructors and
 * destructors around every call. */
const struct {
	unsigned magic, version;
	void *(*alloc)(size_t size, size_t align);
	void (*free)(void *);
	void (*init_tls)(void *);
} __wasmpi_omp_info = {0x504d4f57 /* "WOMP" */, 1, omp_stack_alloc, omp_stack_free, __wasm_init_tls};
