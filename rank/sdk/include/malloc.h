/*
 * wasmpi SDK overlay for <malloc.h>: the wasi-libc header, plus the
 * declarations from wasmpi_compat.h (memalign, valloc).
 */
#include_next <malloc.h>
#include <wasmpi_compat.h>
