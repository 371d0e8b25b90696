/* Locks for the OpenMP support library, built on wasm atomics: a thread
 * that cannot take the lock after a short spin sleeps in
 * memory.atomic.wait32 (which parks its goroutine in the host, so the
 * thread holding the lock gets to run even when there are more threads
 * than processors). */
#ifndef WASMPI_OMP_LOCK_H
#define WASMPI_OMP_LOCK_H

/* 0: free, 1: taken, 2: taken and someone may be sleeping. */
typedef struct {
	int state;
} wasmpi_lock_t;

static inline void wasmpi_lock(wasmpi_lock_t *l) {
	int c = 0;
	if (__atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	for (int i = 0; i < 100; i++) {
		c = 0;
		if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
	}
	c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		__builtin_wasm_memory_atomic_wait32(&l->state, 2, -1);
		c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	}
}

static inline void wasmpi_unlock(wasmpi_lock_t *l) {
	if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
		__builtin_wasm_memory_atomic_notify(&l->state, 1);
}

/* A lock its holder may take again (core.c). */
typedef struct {
	wasmpi_lock_t lock;
	void *owner; /* the holder's TLS address, NULL when free */
	int depth;
} wasmpi_rlock_t;
void __wasmpi_rlock(wasmpi_rlock_t *l);
void __wasmpi_runlock(wasmpi_rlock_t *l);

/* The allocator's lock (malloc, free, ...), the stdio lock (recursive:
 * printf calls vfprintf, which is wrapped too) and the lock of libc++'s
 * locales (recursive: locale functions call each other). */
extern wasmpi_lock_t __wasmpi_malloc_lock;
void __wasmpi_stdio_lock(void);
void __wasmpi_stdio_unlock(void);
extern wasmpi_rlock_t __wasmpi_locale_lock;

#endif
