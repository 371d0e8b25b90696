/*
 * wasmpi_compat.h - declarations the wasmpi SDK adds on top of wasi-libc.
 *
 * wasi-libc drops some legacy POSIX/BSD functions that MPI codes still call.
 * The wasmpi support library (linked by mpicc/mpicxx) defines them; this
 * header declares them. It is included automatically by the SDK's
 * <unistd.h> and <malloc.h> overlays, so unmodified code needs no change.
 *
 * Every definition in the support library is weak: a program that defines
 * one of these functions itself keeps its own version.
 */
#ifndef WASMPI_COMPAT_H
#define WASMPI_COMPAT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The wasm page size: 65536, the same value as sysconf(_SC_PAGESIZE). */
int getpagesize(void);

/* Aligned allocation (legacy glibc API). memalign rounds the alignment up to
 * a power of two of at least sizeof(void *); valloc aligns to getpagesize(). */
void *memalign(size_t alignment, size_t size);
void *valloc(size_t size);

#ifdef __cplusplus
}
#endif

#endif /* WASMPI_COMPAT_H */
