/* big-exec — an execve with a large argv and a large environment.
 *
 * Usage: big-exec NARGS ENVBYTES     (the test uses: big-exec 5000 100000)
 *
 * Builds argv = {"big-exec-child", "arg-00000", "arg-00001", ...,
 * "arg-<NARGS-1>", NULL} (NARGS+1 strings, numbers zero-padded to 5 digits;
 * beyond 99999 they simply get longer) and env = the current environ
 * followed by one extra string "BIG_ENV=" + ENVBYTES x 'e'.  Then a single
 * execve("/bin/true", argv, env); /bin/true exits 0.  Prints nothing.
 * If the exec fails (e.g. E2BIG: one string may be at most 128 KiB, so
 * ENVBYTES <= 131063): message on stderr, exit 99.
 */
#include "common.h"

extern char **environ;

int main(int argc, char **argv)
{
	progname = "big-exec";
	if (argc != 3)
		fail("usage: big-exec NARGS ENVBYTES");
	long nargs = parse_num(argv[1], 10000000, "NARGS");
	long envbytes = parse_num(argv[2], 100000000, "ENVBYTES");

	char **av = calloc((size_t)nargs + 2, sizeof *av);
	if (!av)
		die("calloc argv");
	av[0] = "big-exec-child";
	for (long i = 0; i < nargs; i++) {
		char buf[32];
		PATHF(buf, "arg-%05ld", i);
		av[i + 1] = strdup(buf);
		if (!av[i + 1])
			die("strdup");
	}
	av[nargs + 1] = NULL;

	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	char **ev = calloc(nenv + 2, sizeof *ev);
	if (!ev)
		die("calloc env");
	memcpy(ev, environ, nenv * sizeof *ev);
	char *big = malloc(8 + (size_t)envbytes + 1);
	if (!big)
		die("malloc BIG_ENV");
	memcpy(big, "BIG_ENV=", 8);
	memset(big + 8, 'e', (size_t)envbytes);
	big[8 + envbytes] = '\0';
	ev[nenv] = big;
	ev[nenv + 1] = NULL;

	syscall(SYS_execve, "/bin/true", av, ev);
	die("execve /bin/true");
}
