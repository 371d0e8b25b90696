/* getlogin and getlogin_r: wasi-libc declares them but does not define them.
 * The login name is $LOGNAME, else $USER, else "wasmpi". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *wasmpi_login(void) {
	const char *s = getenv("LOGNAME");
	if (s == NULL || *s == '\0')
		s = getenv("USER");
	if (s == NULL || *s == '\0')
		s = "wasmpi";
	return s;
}

__attribute__((weak)) char *getlogin(void) { return (char *)wasmpi_login(); }

__attribute__((weak)) int getlogin_r(char *name, size_t size) {
	const char *s = wasmpi_login();
	size_t n = strlen(s);
	if (n >= size)
		return ERANGE;
	memcpy(name, s, n + 1);
	return 0;
}
