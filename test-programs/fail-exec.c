/* fail-exec — two execs that fail.
 *
 * Usage: fail-exec DIR       (DIR: an existing, writable directory)
 *
 *  1. execve("DIR/does-not-exist", {"does-not-exist", "x", NULL}, environ)
 *     -> -ENOENT (expected).
 *  2. openat(AT_FDCWD, "DIR/not-exec", O_WRONLY|O_CREAT|O_TRUNC, 0644);
 *     write "#!/bin/sh\n"; fchmod(fd, 0644) (so the umask cannot matter);
 *     close.
 *  3. execve("DIR/not-exec", {"not-exec", "x", NULL}, environ) -> -EACCES
 *     (expected: no execute bit, even for root).
 *  exit 0.
 *
 * Prints nothing.  Exits 99 with a message on stderr if an exec fails with
 * another errno or any other syscall fails (an exec that succeeded would
 * replace the process).
 */
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>

extern char **environ;

static void expect_exec_fail(const char *path, char *name, int want, const char *what)
{
	char *args[] = { name, "x", NULL };
	syscall(SYS_execve, path, args, environ);
	if (errno != want)
		die(what);
}

int main(int argc, char **argv)
{
	progname = "fail-exec";
	if (argc != 2)
		fail("usage: fail-exec DIR");
	char path[PATH_MAX];

	PATHF(path, "%s/does-not-exist", argv[1]);
	expect_exec_fail(path, "does-not-exist", ENOENT, "execve does-not-exist");

	PATHF(path, "%s/not-exec", argv[1]);
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("openat not-exec");
	if (write((int)fd, "#!/bin/sh\n", 10) != 10)
		die("write not-exec");
	if (fchmod((int)fd, 0644) != 0)
		die("fchmod not-exec");
	if (syscall(SYS_close, fd) != 0)
		die("close not-exec");
	expect_exec_fail(path, "not-exec", EACCES, "execve not-exec");
	return 0;
}
