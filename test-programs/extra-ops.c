/* extra-ops — recorded syscalls the other programs do not make:
 * renameat, unlinkat(AT_REMOVEDIR) and execveat.
 *
 * Usage: extra-ops DIR       (DIR: an existing, empty, writable directory)
 *
 * All calls are raw syscalls, in this order:
 *   dirfd = openat(AT_FDCWD, "DIR", O_RDONLY|O_DIRECTORY)
 *   mkdirat(dirfd, "r", 0755)
 *   fd = openat(dirfd, "r1", O_WRONLY|O_CREAT, 0644); close(fd)
 *   renameat(dirfd, "r1", dirfd, "r2")
 *   unlinkat(dirfd, "r", AT_REMOVEDIR)
 *   binfd = openat(AT_FDCWD, "/bin", O_RDONLY|O_DIRECTORY)
 *   close(dirfd)
 *   execveat(binfd, "true", {"true", "extra", NULL}, environ, 0)
 * and /bin/true exits 0 (binfd is inherited by it).  Afterwards DIR holds
 * r2 (empty).  Prints nothing.  Any failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>

extern char **environ;

int main(int argc, char **argv)
{
	progname = "extra-ops";
	if (argc != 2)
		fail("usage: extra-ops DIR");

	long dirfd = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		die("openat DIR");
	if (syscall(SYS_mkdirat, dirfd, "r", 0755) != 0)
		die("mkdirat r");
	long fd = syscall(SYS_openat, dirfd, "r1", O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die("openat r1");
	if (syscall(SYS_close, fd) != 0)
		die("close r1");
	if (syscall(SYS_renameat, dirfd, "r1", dirfd, "r2") != 0)
		die("renameat r1 r2");
	if (syscall(SYS_unlinkat, dirfd, "r", AT_REMOVEDIR) != 0)
		die("unlinkat r AT_REMOVEDIR");
	long binfd = syscall(SYS_openat, AT_FDCWD, "/bin", O_RDONLY | O_DIRECTORY, 0);
	if (binfd < 0)
		die("openat /bin");
	if (syscall(SYS_close, dirfd) != 0)
		die("close dirfd");
	char *args[] = { "true", "extra", NULL };
	syscall(SYS_execveat, binfd, "true", args, environ, 0);
	die("execveat /bin/true");
}
