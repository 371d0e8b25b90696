// Package sdk is the guest SDK: headers, support library and the compiler
// driver behind mpicc/mpicxx.
//
// A wasmpi rank is an unmodified MPI C or C++ program compiled to wasm32-wasi.
// The driver ([Run], [Driver]) wraps clang the way Open MPI's and MPICH's
// wrapper compilers wrap gcc: it accepts the usual compiler arguments, adds
// the wasm32-wasi target, a clean WASI sysroot, the SDK headers (mpi.h and a
// few compatibility overlays) and, when linking, the support library and the
// wasi-libc emulation libraries.
//
// # What it adds
//
// Always (compile and link):
//
//	--target=wasm32-wasi --sysroot=<sysroot>
//	-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS
//	-D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID
//	-isystem <sdk include dir>
//	-O3            unless the user passed an -O option
//	-msimd128      unless the user passed -msimd128 or -mno-simd128
//	-fno-exceptions  for C++ (wazero has no wasm exception handling and the
//	                 wasm32 libc++abi has no unwinder); -fexceptions is an error
//
// When linking, after the user's arguments:
//
//	-Wl,--export=__stack_pointer -Wl,--export-table -Wl,--growable-table
//	-Wl,--stack-first -Wl,-z,stack-size=8388608   (unless the user set a stack size)
//	-Wl,--wrap=sysconf -Wl,--wrap=uname
//	-B<cache>/wasm-opt/release/  (or .../debug/ when linking with -g; only if wasm-opt is installed)
//	<cache>/libwasmpi_support.a
//	-lc++ -lc++abi  (C++ sources linked by the C driver; clang++ adds them itself)
//	-lc-printscan-long-double  (else printf("%Lf") aborts at run time)
//	-lwasi-emulated-signal -lwasi-emulated-process-clocks
//	-lwasi-emulated-mman -lwasi-emulated-getpid
//
// When optimising, clang runs binaryen's wasm-opt on the linked module if it
// finds one, and that call drops the "name" section, so wazero's stack traces
// would show $123 instead of function names. The -B directory holds a
// wrapper that clang finds first: it runs wasm-opt with -g (names kept) and,
// unless the link has -g, --strip-dwarf first (Debian's wasi-libc carries
// ~75 KB of DWARF, and binaryen skips optimisations that would invalidate
// DWARF it has to keep). Pass -g on the link line to keep DWARF from objects
// compiled with -g, or -O0 to skip wasm-opt.
//
// -pthread is dropped (there are no threads in wasi-libc; <pthread.h> does not
// exist, so code that really uses pthreads fails at its #include). The driver
// never passes --allow-undefined: MPI functions become imports from module
// "mpi" through the import attributes in mpi.h, and any other undefined
// symbol is a link error.
//
// "-show", "-showme" and "--showme" print the full command and exit 0;
// "--showme:compile" / "-compile_info" print the compile flags,
// "--showme:link" / "-link_info" the link flags, "--showme:command" the
// compiler and "--showme:incdirs" the SDK include directory.
//
// # Toolchain
//
// The C compiler is, in order: $WASMPI_CC; $WASI_SDK_PATH/bin/clang; $CC when
// its name contains "clang" (so that CC=mpicc or CC=gcc in a build system's
// environment neither recurses nor picks a compiler without a wasm backend);
// clang-16; clang. The C++ compiler likewise from $WASMPI_CXX,
// $WASI_SDK_PATH/bin/clang++, $CXX, clang++-16, clang++.
//
// The sysroot is $WASI_SYSROOT if set, else $WASI_SDK_PATH/share/wasi-sysroot,
// else a clean sysroot built in the cache from Debian's wasi-libc
// (/usr/include/wasm32-wasi, /usr/lib/wasm32-wasi). "--sysroot=/usr" is
// avoided on purpose: with it clang falls back to glibc's headers in
// /usr/include for anything wasi-libc lacks.
//
// # Cache
//
// The SDK headers, the clean sysroot and the support library (compiled from
// the C sources embedded in this package) live in
// $WASMPI_CACHE_DIR/sdk-<hash>, default os.UserCacheDir()/wasmpi/sdk-<hash>;
// the hash covers the embedded files, the compiler binary, the sysroot, llvm-ar
// and wasm-opt. The directory is built in a temporary directory and renamed
// into place, so concurrent mpicc runs are safe.
//
// # Support library and runtime environment
//
// The support library provides what wasi-libc lacks and MPI codes commonly
// call: gethostname, getpagesize (65536), getlogin, getlogin_r, memalign,
// valloc, a sysconf wrapper and a uname wrapper. All but the wrappers are
// weak, so a program's own definition wins. Two environment variables, set by
// the wasmpi runtime in each rank's WASI environment, feed it:
//
//	WASMPI_HOSTNAME  the host name returned by gethostname and uname's nodename
//	                 (default "localhost")
//	WASMPI_NPROCS    the value of sysconf(_SC_NPROCESSORS_ONLN) and
//	                 sysconf(_SC_NPROCESSORS_CONF) (default: wasi-libc's answer, 1)
//
// # OpenMP (-fopenmp)
//
// -fopenmp (also -fopenmp=libomp or =libgomp: the host provides the libomp
// ABI either way; -fno-openmp turns it off) makes the driver compile with
//
//	-fopenmp -matomics -mbulk-memory -fthreadsafe-statics
//
// so that clang emits calls to the libomp entry points (__kmpc_fork_call,
// __kmpc_for_static_init_4, ...), real atomic instructions for "omp
// atomic", thread-local storage for threadprivate variables, and guarded
// initialisation of C++ function-local statics (clang leaves it out for
// wasm32 unless asked; the support library's __cxa_guard_acquire/release/
// abort replace libc++abi's single-threaded ones). The
// declarations of the omp_* API are in the SDK's omp.h. When linking it
// adds
//
//	-Wl,--import-memory -Wl,--shared-memory -Wl,--no-check-features
//	-Wl,--max-memory=4294967296   (unless the link sets --max-memory)
//	-Wl,--export-if-defined=__tls_size -Wl,--export-if-defined=__tls_align
//	-Wl,--export=__wasmpi_omp_info
//	-Wl,--allow-undefined-file=<cache>/omp/imports.txt
//	-Wl,--wrap=malloc ... (allocation and stdio functions, see below)
//	<cache>/omp/core.o <cache>/omp/libwasmpi_omp.a -L<cache>/omp/lib
//	-B<cache>/wasm-opt/omp-release/ (or omp-debug)
//
// The memory is imported from module "env", shared, with a declared
// maximum: every OpenMP thread of a rank is another instance of the module
// importing it (package openmp). imports.txt lists the runtime's functions
// (package openmp's EntryPoints) and the OpenMP entry points it does not
// implement, so that only those become "env" imports: a program needing
// an unimplemented one links, and fails to load with "<name> is not
// supported yet"; any other undefined symbol is still a link error.
// -lgomp, -lomp and -liomp5 are dropped (the host is the runtime).
//
// The OpenMP support library (support/omp) provides the lock variables
// clang references for critical sections, locks for wasi-libc (which has
// none), omp_alloc and friends, and __wasmpi_omp_info, through which the
// runtime finds the program's allocator (thread stacks, tasks) and TLS
// initialiser. Named critical sections are referenced by objects as
// common symbols, which wasm objects cannot define: when the first link
// fails on them, the driver defines them and links again.
//
// wasi-libc is not thread-safe: the link wraps malloc, calloc, realloc,
// free, posix_memalign and aligned_alloc with one lock, and printf,
// fprintf, vprintf, vfprintf, scanf, fscanf, vfscanf, puts, fputs, fputc,
// putc, putchar, fwrite, fflush, perror, fgets, fgetc, getc, getchar,
// ungetc, fread, getline, fopen, fdopen, freopen, fclose, fseek, ftell,
// rewind and setvbuf with another (recursive) one. The locks sleep in
// memory.atomic.wait32 after a short spin. libc++ is built without
// threads too: its locales' reference counts and facet ids are plain
// integers that every stream operation touches, so the link also wraps the
// locale members (constructors, destructor, assignment, use_facet,
// has_facet, id::__get, classic, global) with a recursive lock. Other libc
// state stays shared and unlocked: strtok, rand, localtime's buffer, and
// the state of a stream object used by several threads at once.
//
// errno is per thread. The support library defines it thread-local, so
// code compiled with -fopenmp reaches the calling thread's copy through
// __tls_base. wasi-libc and the other sysroot libraries were compiled for
// one thread and store to errno at a fixed address; when the cache is
// built the SDK writes copies of the archives that do so into
// <cache>/omp/lib (listed in errno.txt there), with every such access
// rewritten into a call of a support-library function that reaches the
// thread's errno (package internal/threaderrno: same instruction lengths,
// so code offsets and debug information stay valid), and -fopenmp links
// search that directory first (-L<cache>/omp/lib). Objects and archives
// named on an -fopenmp link command line that were compiled without
// -fopenmp get the same rewrite (into temporary copies; the files are not
// changed), and so do archives that -l options find in the command line's
// -L directories. wasm-ld would otherwise resolve their plain accesses to the
// offset of errno inside the TLS block, an address near 0. A use the
// rewrite cannot express (a pointer to errno in static data, a byte-wide
// access) stops the link with a message naming the file.
//
// With wasm-opt, OpenMP links run binaryen's --stack-check: every function
// that allocates a stack frame checks it against limits the runtime sets
// per thread, so an OpenMP thread overflowing its stack (OMP_STACKSIZE,
// default 4 MiB) traps instead of overwriting the memory below it.
//
// clang 16 compiles the combined constructs teams loop, parallel loop and
// their target forms to nothing; an -fopenmp compilation whose source
// contains one (after preprocessing, so comments and excluded #if branches
// do not count) is refused with the line and the construct to write
// instead.
//
// UNSUPPORTED.md in this directory lists what stays unavailable to guests.
package sdk
