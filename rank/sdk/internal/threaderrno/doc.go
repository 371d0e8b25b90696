// Package threaderrno rewrites WebAssembly relocatable objects, and archives
// of them, so that their accesses to errno reach the calling thread's errno.
//
// Debian's wasi-libc is built for one thread: errno is a plain global, and
// every libc function stores to it at a fixed address. A program linked with
// -fopenmp runs several threads over one shared memory, each with its own
// thread-local storage block, and defines errno as a thread-local variable
// (the SDK's OpenMP support library). Objects compiled with -fopenmp reach it
// through __tls_base; objects compiled without threads (wasi-libc, libc++,
// user objects compiled without -fopenmp) address it as plain data, and
// wasm-ld would then resolve those accesses to its offset inside the TLS
// block, i.e. to an address near 0.
//
// The rewrite keeps every instruction's length, so code offsets, function
// bodies and debug information stay valid. In the code of an object that
// references an undefined, non-thread-local errno:
//
//	i32.load  align offset=errno   ->  call __wasmpi_errno_load  ; nop
//	i32.store align offset=errno   ->  call __wasmpi_errno_store ; nop
//	i32.const errno                ->  call __wasmpi_errno_location
//
// (7, 7 and 6 bytes on both sides: relocated immediates are padded to five
// bytes.) The load and store functions take the instruction's own operands
// (the dynamic base address, and the value for a store) and add them to the
// thread's errno address; the location function returns that address. The
// functions become imports of the object with their own symbols and
// relocations, so wasm-ld links them to the support library's definitions.
//
// Anything else that names errno (a wider or atomic access, an address with
// an addend, a pointer to errno in static data, position-independent code)
// is reported as an error naming what was found: nothing is rewritten
// silently wrong.
package threaderrno
