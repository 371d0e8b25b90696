/* gethostname and uname: the host name is the one the wasmpi runtime hands
 * the rank in the environment variable WASMPI_HOSTNAME ("localhost" when it is
 * unset). wasi-libc declares gethostname but does not define it, and its
 * uname reports the node name "(none)". */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *wasmpi_hostname(void) {
	const char *h = getenv("WASMPI_HOSTNAME");
	if (h == NULL || *h == '\0')
		h = "localhost";
	return h;
}

/* Same contract as musl: copy at most len bytes, always NUL-terminate
 * (truncating if needed), return 0. */
__attribute__((weak)) int gethostname(char *name, size_t len) {
	const char *h = wasmpi_hostname();
	size_t i;
	for (i = 0; i < len && (name[i] = h[i]) != '\0'; i++)
		;
	if (i > 0 && i == len)
		name[i - 1] = '\0';
	return 0;
}

int __real_uname(struct utsname *);

/* Reached through -Wl,--wrap=uname. */
int __wrap_uname(struct utsname *u) {
	int r = __real_uname(u);
	if (r == 0) {
		const char *h = wasmpi_hostname();
		size_t n = strlen(h);
		if (n >= sizeof u->nodename)
			n = sizeof u->nodename - 1;
		memcpy(u->nodename, h, n);
		u->nodename[n] = '\0';
	}
	return r;
}
