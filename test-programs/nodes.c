/* nodes — file nodes and the newest chmod, as raw syscalls:
 *
 * Usage: nodes DIR       (DIR: an existing, empty, writable directory)
 *
 * In this order:
 *   dirfd = openat(AT_FDCWD, "DIR", O_RDONLY|O_DIRECTORY)
 *   mknodat(dirfd, "fifo1", S_IFIFO|0644, 0)           = 0
 *   mknodat(dirfd, "regnode", S_IFREG|0600, 0)         = 0
 *   mknodat(dirfd, "fifo1", S_IFIFO|0644, 0)           = -EEXIST
 *   mknodat(dirfd, "no/such", S_IFIFO|0644, 0)         = -ENOENT
 *   fchmodat2(dirfd, "regnode", 0640, 0)               = 0
 *   fchmodat2(dirfd, "gone", 0640, 0)                  = -ENOENT
 * (mknod(2) itself where the architecture has it, for "node2", S_IFREG|0644,
 * after a chdir to DIR.)  Prints nothing.  An unexpected result: a message
 * on stderr and exit 99.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static void expect(long got, long want, const char *what)
{
	if (got != want)
		fail(what);
}

int main(int argc, char **argv)
{
	progname = "nodes";
	if (argc != 2)
		fail("usage: nodes DIR");
	long dirfd = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		fail("open DIR");
	expect(syscall(SYS_mknodat, dirfd, "fifo1", S_IFIFO | 0644, 0), 0, "mknodat fifo1");
	expect(syscall(SYS_mknodat, dirfd, "regnode", S_IFREG | 0600, 0), 0, "mknodat regnode");
	expect(syscall(SYS_mknodat, dirfd, "fifo1", S_IFIFO | 0644, 0) == -1 && errno == EEXIST, 1, "mknodat fifo1 again");
	expect(syscall(SYS_mknodat, dirfd, "no/such", S_IFIFO | 0644, 0) == -1 && errno == ENOENT, 1, "mknodat no/such");
	expect(syscall(SYS_fchmodat2, dirfd, "regnode", 0640, 0), 0, "fchmodat2 regnode");
	expect(syscall(SYS_fchmodat2, dirfd, "gone", 0640, 0) == -1 && errno == ENOENT, 1, "fchmodat2 gone");
#ifdef SYS_mknod
	if (syscall(SYS_chdir, argv[1]) != 0)
		fail("chdir DIR");
	expect(syscall(SYS_mknod, "node2", S_IFREG | 0644, 0), 0, "mknod node2");
#endif
	return 0;
}
