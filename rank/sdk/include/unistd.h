/*
 * wasmpi SDK overlay for <unistd.h>: the wasi-libc header, plus the
 * declarations from wasmpi_compat.h (getpagesize). Found before the wasi-libc
 * header because mpicc puts the SDK include directory first (-isystem).
 */
#include_next <unistd.h>
#include <wasmpi_compat.h>
