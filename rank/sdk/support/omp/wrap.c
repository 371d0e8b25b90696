/* Thread-safe wrappers of wasi-libc functions for mpicc -fopenmp programs
 * (wasi-libc is built without locks). The link routes every call through
 * them with -Wl,--wrap=<name>. The file is compiled once per member, with
 * -DWRAP_<member>, so that a program only links the wrappers (and the libc
 * functions) it uses: the driver's list of members and symbols must match
 * the sections below. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include "lock.h"

#define LOCKED(type, expr)                                                                 \
	do {                                                                               \
		__wasmpi_stdio_lock();                                                     \
		type r_ = (expr);                                                          \
		__wasmpi_stdio_unlock();                                                   \
		return r_;                                                                 \
	} while (0)

#ifdef WRAP_alloc
void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void __real_free(void *);
int __real_posix_memalign(void **, size_t, size_t);
void *__real_aligned_alloc(size_t, size_t);

void *__wrap_malloc(size_t n) {
	wasmpi_lock(&__wasmpi_malloc_lock);
	void *p = __real_malloc(n);
	wasmpi_unlock(&__wasmpi_malloc_lock);
	return p;
}
void *__wrap_calloc(size_t n, size_t m) {
	wasmpi_lock(&__wasmpi_malloc_lock);
	void *p = __real_calloc(n, m);
	wasmpi_unlock(&__wasmpi_malloc_lock);
	return p;
}
void *__wrap_realloc(void *q, size_t n) {
	wasmpi_lock(&__wasmpi_malloc_lock);
	void *p = __real_realloc(q, n);
	wasmpi_unlock(&__wasmpi_malloc_lock);
	return p;
}
void __wrap_free(void *p) {
	wasmpi_lock(&__wasmpi_malloc_lock);
	__real_free(p);
	wasmpi_unlock(&__wasmpi_malloc_lock);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n) {
	wasmpi_lock(&__wasmpi_malloc_lock);
	int r = __real_posix_memalign(p, a, n);
	wasmpi_unlock(&__wasmpi_malloc_lock);
	return r;
}
void *__wrap_aligned_alloc(size_t a, size_t n) {
	wasmpi_lock(&__wasmpi_malloc_lock);
	void *p = __real_aligned_alloc(a, n);
	wasmpi_unlock(&__wasmpi_malloc_lock);
	return p;
}
#endif

/* Formatted output and input: the variadic functions go straight to the
 * v-variants. */
#ifdef WRAP_printf
int __real_vfprintf(FILE *, const char *, va_list);
int __wrap_printf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	__wasmpi_stdio_lock();
	int r = __real_vfprintf(stdout, fmt, ap);
	__wasmpi_stdio_unlock();
	va_end(ap);
	return r;
}
#endif
#ifdef WRAP_fprintf
int __real_vfprintf(FILE *, const char *, va_list);
int __wrap_fprintf(FILE *f, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	__wasmpi_stdio_lock();
	int r = __real_vfprintf(f, fmt, ap);
	__wasmpi_stdio_unlock();
	va_end(ap);
	return r;
}
#endif
#ifdef WRAP_vprintf
int __real_vfprintf(FILE *, const char *, va_list);
int __wrap_vprintf(const char *fmt, va_list ap) { LOCKED(int, __real_vfprintf(stdout, fmt, ap)); }
#endif
#ifdef WRAP_vfprintf
int __real_vfprintf(FILE *, const char *, va_list);
int __wrap_vfprintf(FILE *f, const char *fmt, va_list ap) { LOCKED(int, __real_vfprintf(f, fmt, ap)); }
#endif
#ifdef WRAP_scanf
int __real_vfscanf(FILE *, const char *, va_list);
int __wrap_scanf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	__wasmpi_stdio_lock();
	int r = __real_vfscanf(stdin, fmt, ap);
	__wasmpi_stdio_unlock();
	va_end(ap);
	return r;
}
#endif
#ifdef WRAP_fscanf
int __real_vfscanf(FILE *, const char *, va_list);
int __wrap_fscanf(FILE *f, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	__wasmpi_stdio_lock();
	int r = __real_vfscanf(f, fmt, ap);
	__wasmpi_stdio_unlock();
	va_end(ap);
	return r;
}
#endif
#ifdef WRAP_vfscanf
int __real_vfscanf(FILE *, const char *, va_list);
int __wrap_vfscanf(FILE *f, const char *fmt, va_list ap) { LOCKED(int, __real_vfscanf(f, fmt, ap)); }
#endif

/* Character and block I/O. */
#ifdef WRAP_puts
int __real_puts(const char *);
int __wrap_puts(const char *s) { LOCKED(int, __real_puts(s)); }
#endif
#ifdef WRAP_fputs
int __real_fputs(const char *, FILE *);
int __wrap_fputs(const char *s, FILE *f) { LOCKED(int, __real_fputs(s, f)); }
#endif
#ifdef WRAP_fputc
int __real_fputc(int, FILE *);
int __wrap_fputc(int c, FILE *f) { LOCKED(int, __real_fputc(c, f)); }
#endif
#ifdef WRAP_putc
int __real_putc(int, FILE *);
int __wrap_putc(int c, FILE *f) { LOCKED(int, __real_putc(c, f)); }
#endif
#ifdef WRAP_putchar
int __real_putchar(int);
int __wrap_putchar(int c) { LOCKED(int, __real_putchar(c)); }
#endif
#ifdef WRAP_fwrite
size_t __real_fwrite(const void *, size_t, size_t, FILE *);
size_t __wrap_fwrite(const void *p, size_t n, size_t m, FILE *f) { LOCKED(size_t, __real_fwrite(p, n, m, f)); }
#endif
#ifdef WRAP_fflush
int __real_fflush(FILE *);
int __wrap_fflush(FILE *f) { LOCKED(int, __real_fflush(f)); }
#endif
#ifdef WRAP_perror
void __real_perror(const char *);
void __wrap_perror(const char *s) {
	__wasmpi_stdio_lock();
	__real_perror(s);
	__wasmpi_stdio_unlock();
}
#endif
#ifdef WRAP_fgets
char *__real_fgets(char *, int, FILE *);
char *__wrap_fgets(char *s, int n, FILE *f) { LOCKED(char *, __real_fgets(s, n, f)); }
#endif
#ifdef WRAP_fgetc
int __real_fgetc(FILE *);
int __wrap_fgetc(FILE *f) { LOCKED(int, __real_fgetc(f)); }
#endif
#ifdef WRAP_getc
int __real_getc(FILE *);
int __wrap_getc(FILE *f) { LOCKED(int, __real_getc(f)); }
#endif
#ifdef WRAP_getchar
int __real_getchar(void);
int __wrap_getchar(void) { LOCKED(int, __real_getchar()); }
#endif
#ifdef WRAP_ungetc
int __real_ungetc(int, FILE *);
int __wrap_ungetc(int c, FILE *f) { LOCKED(int, __real_ungetc(c, f)); }
#endif
#ifdef WRAP_fread
size_t __real_fread(void *, size_t, size_t, FILE *);
size_t __wrap_fread(void *p, size_t n, size_t m, FILE *f) { LOCKED(size_t, __real_fread(p, n, m, f)); }
#endif
#ifdef WRAP_getline
ssize_t __real_getline(char **, size_t *, FILE *);
ssize_t __wrap_getline(char **l, size_t *n, FILE *f) { LOCKED(ssize_t, __real_getline(l, n, f)); }
#endif

/* Opening, closing, positioning. */
#ifdef WRAP_fopen
FILE *__real_fopen(const char *, const char *);
FILE *__wrap_fopen(const char *p, const char *m) { LOCKED(FILE *, __real_fopen(p, m)); }
#endif
#ifdef WRAP_fdopen
FILE *__real_fdopen(int, const char *);
FILE *__wrap_fdopen(int fd, const char *m) { LOCKED(FILE *, __real_fdopen(fd, m)); }
#endif
#ifdef WRAP_freopen
FILE *__real_freopen(const char *, const char *, FILE *);
FILE *__wrap_freopen(const char *p, const char *m, FILE *f) { LOCKED(FILE *, __real_freopen(p, m, f)); }
#endif
#ifdef WRAP_fclose
int __real_fclose(FILE *);
int __wrap_fclose(FILE *f) { LOCKED(int, __real_fclose(f)); }
#endif
#ifdef WRAP_fseek
int __real_fseek(FILE *, long, int);
int __wrap_fseek(FILE *f, long o, int w) { LOCKED(int, __real_fseek(f, o, w)); }
#endif
#ifdef WRAP_ftell
long __real_ftell(FILE *);
long __wrap_ftell(FILE *f) { LOCKED(long, __real_ftell(f)); }
#endif
#ifdef WRAP_rewind
void __real_rewind(FILE *);
void __wrap_rewind(FILE *f) {
	__wasmpi_stdio_lock();
	__real_rewind(f);
	__wasmpi_stdio_unlock();
}
#endif
#ifdef WRAP_setvbuf
int __real_setvbuf(FILE *, char *, int, size_t);
int __wrap_setvbuf(FILE *f, char *b, int m, size_t n) { LOCKED(int, __real_setvbuf(f, b, m, n)); }
#endif

/* libc++'s locales (C++ programs): Debian's wasm32 libc++ is built without
 * threads, so the reference counts of locales and the lazily numbered facet
 * ids are plain integers, and every stream operation copies and destroys
 * the stream's locale. Copies, destructions, assignments and facet lookups
 * are serialised by one recursive lock. The functions are C++ members,
 * named by their mangled names: "this" comes first, and constructors and
 * destructors return it (the WebAssembly C++ ABI). */
#ifdef WRAP_locale
#define LOCALE_LOCKED(type, expr)                                                          \
	do {                                                                               \
		__wasmpi_rlock(&__wasmpi_locale_lock);                                      \
		type r_ = (expr);                                                          \
		__wasmpi_runlock(&__wasmpi_locale_lock);                                    \
		return r_;                                                                 \
	} while (0)
/* locale::locale() */
void *__real__ZNSt3__26localeC1Ev(void *);
void *__real__ZNSt3__26localeC2Ev(void *);
void *__wrap__ZNSt3__26localeC1Ev(void *t) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeC1Ev(t)); }
void *__wrap__ZNSt3__26localeC2Ev(void *t) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeC2Ev(t)); }
/* locale::locale(const locale &) */
void *__real__ZNSt3__26localeC1ERKS0_(void *, void *);
void *__real__ZNSt3__26localeC2ERKS0_(void *, void *);
void *__wrap__ZNSt3__26localeC1ERKS0_(void *t, void *o) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeC1ERKS0_(t, o)); }
void *__wrap__ZNSt3__26localeC2ERKS0_(void *t, void *o) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeC2ERKS0_(t, o)); }
/* locale::locale(const char *) */
void *__real__ZNSt3__26localeC1EPKc(void *, void *);
void *__real__ZNSt3__26localeC2EPKc(void *, void *);
void *__wrap__ZNSt3__26localeC1EPKc(void *t, void *n) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeC1EPKc(t, n)); }
void *__wrap__ZNSt3__26localeC2EPKc(void *t, void *n) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeC2EPKc(t, n)); }
/* locale::locale(const locale &, const char *, category) */
void *__real__ZNSt3__26localeC1ERKS0_PKci(void *, void *, void *, int);
void *__real__ZNSt3__26localeC2ERKS0_PKci(void *, void *, void *, int);
void *__wrap__ZNSt3__26localeC1ERKS0_PKci(void *t, void *o, void *n, int c) {
	LOCALE_LOCKED(void *, __real__ZNSt3__26localeC1ERKS0_PKci(t, o, n, c));
}
void *__wrap__ZNSt3__26localeC2ERKS0_PKci(void *t, void *o, void *n, int c) {
	LOCALE_LOCKED(void *, __real__ZNSt3__26localeC2ERKS0_PKci(t, o, n, c));
}
/* locale::locale(const locale &, const locale &, category) */
void *__real__ZNSt3__26localeC1ERKS0_S2_i(void *, void *, void *, int);
void *__real__ZNSt3__26localeC2ERKS0_S2_i(void *, void *, void *, int);
void *__wrap__ZNSt3__26localeC1ERKS0_S2_i(void *t, void *o, void *f, int c) {
	LOCALE_LOCKED(void *, __real__ZNSt3__26localeC1ERKS0_S2_i(t, o, f, c));
}
void *__wrap__ZNSt3__26localeC2ERKS0_S2_i(void *t, void *o, void *f, int c) {
	LOCALE_LOCKED(void *, __real__ZNSt3__26localeC2ERKS0_S2_i(t, o, f, c));
}
/* locale::~locale() */
void *__real__ZNSt3__26localeD1Ev(void *);
void *__real__ZNSt3__26localeD2Ev(void *);
void *__wrap__ZNSt3__26localeD1Ev(void *t) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeD1Ev(t)); }
void *__wrap__ZNSt3__26localeD2Ev(void *t) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeD2Ev(t)); }
/* locale &locale::operator=(const locale &) */
void *__real__ZNSt3__26localeaSERKS0_(void *, void *);
void *__wrap__ZNSt3__26localeaSERKS0_(void *t, void *o) { LOCALE_LOCKED(void *, __real__ZNSt3__26localeaSERKS0_(t, o)); }
/* locale::__install_ctor(const locale &, facet *, long), behind the
 * locale(const locale &, Facet *) template */
void __real__ZNSt3__26locale14__install_ctorERKS0_PNS0_5facetEl(void *, void *, void *, long);
void __wrap__ZNSt3__26locale14__install_ctorERKS0_PNS0_5facetEl(void *t, void *o, void *f, long id) {
	__wasmpi_rlock(&__wasmpi_locale_lock);
	__real__ZNSt3__26locale14__install_ctorERKS0_PNS0_5facetEl(t, o, f, id);
	__wasmpi_runlock(&__wasmpi_locale_lock);
}
/* static locale locale::global(const locale &) (returned through a pointer) */
void __real__ZNSt3__26locale6globalERKS0_(void *, void *);
void __wrap__ZNSt3__26locale6globalERKS0_(void *ret, void *o) {
	__wasmpi_rlock(&__wasmpi_locale_lock);
	__real__ZNSt3__26locale6globalERKS0_(ret, o);
	__wasmpi_runlock(&__wasmpi_locale_lock);
}
/* static const locale &locale::classic() */
void *__real__ZNSt3__26locale7classicEv(void);
void *__wrap__ZNSt3__26locale7classicEv(void) { LOCALE_LOCKED(void *, __real__ZNSt3__26locale7classicEv()); }
/* bool locale::has_facet(id &) const, const facet *locale::use_facet(id &) const */
int __real__ZNKSt3__26locale9has_facetERNS0_2idE(void *, void *);
void *__real__ZNKSt3__26locale9use_facetERNS0_2idE(void *, void *);
int __wrap__ZNKSt3__26locale9has_facetERNS0_2idE(void *t, void *id) {
	LOCALE_LOCKED(int, __real__ZNKSt3__26locale9has_facetERNS0_2idE(t, id));
}
void *__wrap__ZNKSt3__26locale9use_facetERNS0_2idE(void *t, void *id) {
	LOCALE_LOCKED(void *, __real__ZNKSt3__26locale9use_facetERNS0_2idE(t, id));
}
/* long locale::id::__get() (numbers a facet id on first use) */
long __real__ZNSt3__26locale2id5__getEv(void *);
long __wrap__ZNSt3__26locale2id5__getEv(void *t) { LOCALE_LOCKED(long, __real__ZNSt3__26locale2id5__getEv(t)); }
#endif
