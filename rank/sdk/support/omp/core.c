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
 *   built for one thread reach it.
 * - The guards of C++ function-local statics, and the lock of the locale
 *   wrappers (wrap.c).
 * - Critical sections and the omp_*_lock functions: taken and released in
 *   the guest, the host only sleeps, wakes and diagnoses. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <omp.h>
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

/* Its address identifies the calling thread: every thread has its own TLS
 * block. */
static _Thread_local char self;

void __wasmpi_rlock(wasmpi_rlock_t *l) {
	void *me = &self;
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
	wasmpi_lock(&l->lock);
	__atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
	l->depth = 1;
}

void __wasmpi_runlock(wasmpi_rlock_t *l) {
	if (--l->depth == 0) {
		__atomic_store_n(&l->owner, (void *)0, __ATOMIC_RELAXED);
		wasmpi_unlock(&l->lock);
	}
}

static wasmpi_rlock_t stdio_lock;

void __wasmpi_stdio_lock(void) { __wasmpi_rlock(&stdio_lock); }

void __wasmpi_stdio_unlock(void) { __wasmpi_runlock(&stdio_lock); }

wasmpi_rlock_t __wasmpi_locale_lock;

/* Guards of C++ function-local statics (-fopenmp compiles C++ with
 * -fthreadsafe-statics). These definitions replace libc++abi's, which were
 * built for one thread. The WebAssembly C++ ABI gives a guard 32 bits, of
 * which byte 0 is set once the object is initialised (the compiler tests it
 * inline with an atomic load); byte 1 is set here while a thread
 * initialises it. A thread that finds an initialisation in progress sleeps
 * until a guard is released or abandoned, unless it is the initialising
 * thread itself (a recursive initialisation, which stops the program as
 * libc++abi does). */
static wasmpi_lock_t guard_lock;
static int guard_generation;
static _Thread_local void *initialising[16]; /* this thread's guards in progress */
static _Thread_local int ninitialising;

int __cxa_guard_acquire(uint32_t *guard) {
	unsigned char *g = (unsigned char *)guard;
	for (;;) {
		if (__atomic_load_n(&g[0], __ATOMIC_ACQUIRE))
			return 0;
		wasmpi_lock(&guard_lock);
		if (g[0]) {
			wasmpi_unlock(&guard_lock);
			return 0;
		}
		if (!g[1]) {
			g[1] = 1;
			wasmpi_unlock(&guard_lock);
			if (ninitialising < 16)
				initialising[ninitialising] = guard;
			ninitialising++;
			return 1;
		}
		for (int i = 0; i < ninitialising && i < 16; i++) {
			if (initialising[i] == guard) {
				wasmpi_unlock(&guard_lock);
				fputs("wasmpi: recursive initialisation of a function-local static\n", stderr);
				abort();
			}
		}
		int seen = __atomic_load_n(&guard_generation, __ATOMIC_RELAXED);
		wasmpi_unlock(&guard_lock);
		__builtin_wasm_memory_atomic_wait32(&guard_generation, seen, -1);
	}
}

static void guard_done(uint32_t *guard, int initialised) {
	unsigned char *g = (unsigned char *)guard;
	if (ninitialising > 0)
		ninitialising--;
	wasmpi_lock(&guard_lock);
	if (initialised)
		__atomic_store_n(&g[0], 1, __ATOMIC_RELEASE);
	g[1] = 0;
	__atomic_add_fetch(&guard_generation, 1, __ATOMIC_RELEASE);
	wasmpi_unlock(&guard_lock);
	__builtin_wasm_memory_atomic_notify(&guard_generation, -1u);
}

void __cxa_guard_release(uint32_t *guard) { guard_done(guard, 1); }

void __cxa_guard_abort(uint32_t *guard) { guard_done(guard, 0); }

/* Critical sections. clang gives each name 32 zeroed bytes (a
 * kmp_critical_name); the first word is the lock (0 free, 1 taken, 2 taken
 * and maybe waited for) and the second the holder's global thread id + 1.
 * Taking a free lock and releasing one nobody waits for need no call to the
 * host; the host's slow paths sleep and wake, and report a thread entering
 * a critical section it holds, or leaving one it does not. */
void __wasmpi_omp_critical_wait(int *crit, int gtid);
void __wasmpi_omp_critical_wake(int *crit);
void __wasmpi_omp_critical_misuse(int *crit);

void __kmpc_critical(void *loc, int gtid, int *crit) {
	(void)loc;
	int free_ = 0;
	if (!__atomic_compare_exchange_n(&crit[0], &free_, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		__wasmpi_omp_critical_wait(crit, gtid);
	__atomic_store_n(&crit[1], gtid + 1, __ATOMIC_RELAXED);
}

/* Hints only tune the lock implementation. */
void __kmpc_critical_with_hint(void *loc, int gtid, int *crit, unsigned hint) {
	(void)hint;
	__kmpc_critical(loc, gtid, crit);
}

void __kmpc_end_critical(void *loc, int gtid, int *crit) {
	(void)loc;
	if (__atomic_load_n(&crit[1], __ATOMIC_RELAXED) != gtid + 1)
		__wasmpi_omp_critical_misuse(crit);
	__atomic_store_n(&crit[1], 0, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&crit[0], 0, __ATOMIC_RELEASE) == 2)
		__wasmpi_omp_critical_wake(crit);
}

/* OpenMP locks. omp_init_lock allocates one of these and stores its
 * address in the omp_lock_t (or omp_nest_lock_t); the state word works as
 * in critical sections, so setting a free lock and unsetting one nobody
 * waits for need no call to the host. Locks are owned by tasks: the owner
 * is the token of the task that set it, which the host keeps in the
 * thread's task_token (registered by the thread's first lock operation and
 * rewritten whenever the thread starts, suspends or resumes a task). The
 * host reports misuse with the OpenMP function's name. */
struct wasmpi_omp_lock {
	unsigned magic;  /* LOCK_MAGIC or NEST_LOCK_MAGIC while initialised */
	int state;       /* 0 free, 1 set, 2 set and maybe waited for */
	unsigned owner;  /* the owning task's token; 0 when free */
	int depth;       /* nestable locks: how many times the owner set it */
};

/* Each lock has a cache line to itself: a lock next to data another
 * thread writes (a worker's stack, say) would bounce between cores. */
#define LOCK_ALIGN 64
_Static_assert(sizeof(struct wasmpi_omp_lock) <= LOCK_ALIGN, "a lock fits its cache line");

#define LOCK_MAGIC 0x4b434c53u      /* "SLCK" */
#define NEST_LOCK_MAGIC 0x4b434c4eu /* "NLCK" */

/* What went wrong, for __wasmpi_omp_lock_misuse (the host's wording). */
enum {
	LOCK_NOT_INITIALIZED = 1,
	LOCK_IS_SIMPLE = 2,      /* a nest-lock function on a simple lock */
	LOCK_IS_NESTABLE = 3,    /* a simple-lock function on a nestable lock */
	LOCK_ALREADY_OWNED = 4,  /* omp_set_lock by the task holding it */
	LOCK_NOT_SET = 5,
	LOCK_OTHER_OWNER = 6,    /* omp_unset_nest_lock by another task */
	LOCK_STILL_SET = 7,      /* destroyed while set */
	LOCK_NO_MEMORY = 8,
};

/* The functions, in the order the host names them. */
enum {
	FN_INIT_LOCK, FN_DESTROY_LOCK, FN_SET_LOCK, FN_UNSET_LOCK, FN_TEST_LOCK,
	FN_INIT_NEST_LOCK, FN_DESTROY_NEST_LOCK, FN_SET_NEST_LOCK, FN_UNSET_NEST_LOCK, FN_TEST_NEST_LOCK,
};

void __wasmpi_omp_task_register(unsigned *slot);
void __wasmpi_omp_lock_wait(int *state);
void __wasmpi_omp_lock_wake(int *state);
_Noreturn void __wasmpi_omp_lock_misuse(int fn, int what, void *lock);

static _Thread_local unsigned task_token;

static unsigned current_task(void) {
	if (task_token == 0)
		__wasmpi_omp_task_register(&task_token);
	return task_token;
}

/* lock_of returns the lock an omp_lock_t points to, or reports one that
 * was never initialised (or already destroyed) or is of the other kind. */
static struct wasmpi_omp_lock *lock_of(void *const *var, unsigned magic, int fn) {
	struct wasmpi_omp_lock *l = *var;
	uintptr_t a = (uintptr_t)l;
	uintptr_t size = __builtin_wasm_memory_size(0) * (uintptr_t)65536;
	if (a == 0 || a % LOCK_ALIGN != 0 || a > size - sizeof *l)
		__wasmpi_omp_lock_misuse(fn, LOCK_NOT_INITIALIZED, (void *)var);
	unsigned m = __atomic_load_n(&l->magic, __ATOMIC_RELAXED);
	if (m != magic) {
		int what = LOCK_NOT_INITIALIZED;
		if (m == LOCK_MAGIC)
			what = LOCK_IS_SIMPLE;
		else if (m == NEST_LOCK_MAGIC)
			what = LOCK_IS_NESTABLE;
		__wasmpi_omp_lock_misuse(fn, what, (void *)var);
	}
	return l;
}

static void lock_init(void **var, unsigned magic, int fn) {
	struct wasmpi_omp_lock *l = aligned_alloc(LOCK_ALIGN, LOCK_ALIGN);
	if (l == NULL)
		__wasmpi_omp_lock_misuse(fn, LOCK_NO_MEMORY, var);
	l->state = 0;
	l->owner = 0;
	l->depth = 0;
	__atomic_store_n(&l->magic, magic, __ATOMIC_RELEASE);
	*var = l;
}

static void lock_destroy(void **var, unsigned magic, int fn) {
	struct wasmpi_omp_lock *l = lock_of(var, magic, fn);
	if (__atomic_load_n(&l->state, __ATOMIC_ACQUIRE) != 0)
		__wasmpi_omp_lock_misuse(fn, LOCK_STILL_SET, var);
	__atomic_store_n(&l->magic, 0, __ATOMIC_RELAXED);
	free(l);
	*var = NULL;
}

/* lock_take sets l for the task me, sleeping in the host while another
 * task holds it. (Spinning in the guest first was measured: it did not
 * make contended locks cheaper.) */
static void lock_take(struct wasmpi_omp_lock *l, unsigned me) {
	int free_ = 0;
	if (!__atomic_compare_exchange_n(&l->state, &free_, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		__wasmpi_omp_lock_wait(&l->state);
	__atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
	l->depth = 1;
}

static int lock_try(struct wasmpi_omp_lock *l, unsigned me) {
	int free_ = 0;
	if (!__atomic_compare_exchange_n(&l->state, &free_, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
	l->depth = 1;
	return 1;
}

static void lock_release(struct wasmpi_omp_lock *l) {
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	l->depth = 0;
	if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
		__wasmpi_omp_lock_wake(&l->state);
}

void omp_init_lock(omp_lock_t *lock) { lock_init(&lock->_lk, LOCK_MAGIC, FN_INIT_LOCK); }

/* Hints only tune the lock implementation. */
void omp_init_lock_with_hint(omp_lock_t *lock, omp_sync_hint_t hint) {
	(void)hint;
	lock_init(&lock->_lk, LOCK_MAGIC, FN_INIT_LOCK);
}

void omp_destroy_lock(omp_lock_t *lock) { lock_destroy(&lock->_lk, LOCK_MAGIC, FN_DESTROY_LOCK); }

void omp_set_lock(omp_lock_t *lock) {
	struct wasmpi_omp_lock *l = lock_of(&lock->_lk, LOCK_MAGIC, FN_SET_LOCK);
	unsigned me = current_task();
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me)
		__wasmpi_omp_lock_misuse(FN_SET_LOCK, LOCK_ALREADY_OWNED, lock);
	lock_take(l, me);
}

void omp_unset_lock(omp_lock_t *lock) {
	struct wasmpi_omp_lock *l = lock_of(&lock->_lk, LOCK_MAGIC, FN_UNSET_LOCK);
	if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0)
		__wasmpi_omp_lock_misuse(FN_UNSET_LOCK, LOCK_NOT_SET, lock);
	lock_release(l);
}

int omp_test_lock(omp_lock_t *lock) {
	struct wasmpi_omp_lock *l = lock_of(&lock->_lk, LOCK_MAGIC, FN_TEST_LOCK);
	return lock_try(l, current_task());
}

void omp_init_nest_lock(omp_nest_lock_t *lock) { lock_init(&lock->_lk, NEST_LOCK_MAGIC, FN_INIT_NEST_LOCK); }

void omp_init_nest_lock_with_hint(omp_nest_lock_t *lock, omp_sync_hint_t hint) {
	(void)hint;
	lock_init(&lock->_lk, NEST_LOCK_MAGIC, FN_INIT_NEST_LOCK);
}

void omp_destroy_nest_lock(omp_nest_lock_t *lock) {
	lock_destroy(&lock->_lk, NEST_LOCK_MAGIC, FN_DESTROY_NEST_LOCK);
}

void omp_set_nest_lock(omp_nest_lock_t *lock) {
	struct wasmpi_omp_lock *l = lock_of(&lock->_lk, NEST_LOCK_MAGIC, FN_SET_NEST_LOCK);
	unsigned me = current_task();
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
	lock_take(l, me);
}

void omp_unset_nest_lock(omp_nest_lock_t *lock) {
	struct wasmpi_omp_lock *l = lock_of(&lock->_lk, NEST_LOCK_MAGIC, FN_UNSET_NEST_LOCK);
	if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0)
		__wasmpi_omp_lock_misuse(FN_UNSET_NEST_LOCK, LOCK_NOT_SET, lock);
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != current_task())
		__wasmpi_omp_lock_misuse(FN_UNSET_NEST_LOCK, LOCK_OTHER_OWNER, lock);
	if (--l->depth == 0)
		lock_release(l);
}

int omp_test_nest_lock(omp_nest_lock_t *lock) {
	struct wasmpi_omp_lock *l = lock_of(&lock->_lk, NEST_LOCK_MAGIC, FN_TEST_NEST_LOCK);
	unsigned me = current_task();
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me)
		return ++l->depth;
	return lock_try(l, me);
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
