/* opens — every flavour of open, with relative paths, dirfds and cwd changes.
 *
 * Usage: opens DIR           (DIR: an existing, empty directory)
 *
 * All calls are raw syscalls (syscall(2)), in this order; the mode argument
 * is 0 wherever none is listed:
 *  (a) fd = openat(AT_FDCWD, "DIR/a.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644);
 *      write(fd, "a\n", 2); close(fd)
 *  (b) dirfd = open("DIR", O_RDONLY|O_DIRECTORY);
 *      fd = openat(dirfd, "b.txt", O_WRONLY|O_CREAT|O_EXCL, 0600); close(fd)
 *  (c) chdir("DIR"); fd = open("a.txt", O_RDONLY); close(fd)
 *  (d) mkdir("sub", 0755); chdir("/"); fchdir(dirfd);
 *      fd = openat(AT_FDCWD, "sub/../b.txt", O_RDONLY); close(fd)
 *  (e) symlink("a.txt", "link.txt"); fd = openat(AT_FDCWD, "link.txt", O_RDONLY); close(fd)
 *  (f) openat(AT_FDCWD, "missing.h", O_RDONLY)  -> -ENOENT (expected)
 *      openat(dirfd, "nodir/x.h", O_RDONLY)     -> -ENOENT (expected)
 *  (g) fd = creat("c.txt", 0644); close(fd)
 *  (h) fd = openat2(dirfd, "a.txt", {flags=O_RDONLY, mode=0, resolve=RESOLVE_BENEATH},
 *                   sizeof(struct open_how) = 24); close(fd)
 *  close(dirfd); exit 0.
 *
 * Afterwards DIR holds a.txt ("a\n"), b.txt, c.txt (empty), sub/ and
 * link.txt -> a.txt.  Prints nothing.  Any other outcome: message on
 * stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <linux/openat2.h>

static int sys_openat(int dirfd, const char *path, int flags, mode_t mode, const char *what)
{
	long fd = syscall(SYS_openat, dirfd, path, flags, mode);
	if (fd < 0)
		die(what);
	return (int)fd;
}

static void sys_close(int fd)
{
	if (syscall(SYS_close, fd) != 0)
		die("close");
}

static void expect_enoent(long r, const char *what)
{
	if (r >= 0) {
		fprintf(stderr, "%s: %s: unexpectedly succeeded\n", progname, what);
		exit(99);
	}
	if (errno != ENOENT)
		die(what);
}

int main(int argc, char **argv)
{
	progname = "opens";
	if (argc != 2)
		fail("usage: opens DIR");
	const char *dir = argv[1];
	char path[PATH_MAX];
	int fd;

	/* (a) */
	PATHF(path, "%s/a.txt", dir);
	fd = sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644, "openat DIR/a.txt");
	if (write(fd, "a\n", 2) != 2)
		die("write a.txt");
	sys_close(fd);

	/* (b) */
	long dirfd_l = syscall(SYS_open, dir, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd_l < 0)
		die("open DIR");
	int dirfd = (int)dirfd_l;
	fd = sys_openat(dirfd, "b.txt", O_WRONLY | O_CREAT | O_EXCL, 0600, "openat dirfd b.txt");
	sys_close(fd);

	/* (c) */
	if (syscall(SYS_chdir, dir) != 0)
		die("chdir DIR");
	long r = syscall(SYS_open, "a.txt", O_RDONLY, 0);
	if (r < 0)
		die("open a.txt");
	sys_close((int)r);

	/* (d) */
	if (syscall(SYS_mkdir, "sub", 0755) != 0)
		die("mkdir sub");
	if (syscall(SYS_chdir, "/") != 0)
		die("chdir /");
	if (syscall(SYS_fchdir, dirfd) != 0)
		die("fchdir dirfd");
	fd = sys_openat(AT_FDCWD, "sub/../b.txt", O_RDONLY, 0, "openat sub/../b.txt");
	sys_close(fd);

	/* (e) */
	if (syscall(SYS_symlink, "a.txt", "link.txt") != 0)
		die("symlink link.txt");
	fd = sys_openat(AT_FDCWD, "link.txt", O_RDONLY, 0, "openat link.txt");
	sys_close(fd);

	/* (f) */
	expect_enoent(syscall(SYS_openat, AT_FDCWD, "missing.h", O_RDONLY, 0), "openat missing.h");
	expect_enoent(syscall(SYS_openat, dirfd, "nodir/x.h", O_RDONLY, 0), "openat dirfd nodir/x.h");

	/* (g) */
	r = syscall(SYS_creat, "c.txt", 0644);
	if (r < 0)
		die("creat c.txt");
	sys_close((int)r);

	/* (h) */
	struct open_how how;
	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY;
	how.resolve = RESOLVE_BENEATH;
	r = syscall(SYS_openat2, dirfd, "a.txt", &how, sizeof how);
	if (r < 0)
		die("openat2 a.txt");
	sys_close((int)r);

	sys_close(dirfd);
	return 0;
}
