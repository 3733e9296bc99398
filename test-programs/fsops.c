/* fsops — namespace operations: mkdir, rename, link, symlink, unlink, rmdir.
 *
 * Usage: fsops DIR           (DIR: an existing, empty, writable directory)
 *
 * All calls are raw syscalls, in this order:
 *   dirfd  = openat(AT_FDCWD, "DIR", O_RDONLY|O_DIRECTORY)
 *   mkdir("DIR/d", 0755)
 *   mkdirat(AT_FDCWD, "DIR/d/e", 0700)
 *   fd = openat(AT_FDCWD, "DIR/f", O_WRONLY|O_CREAT, 0644); close(fd)
 *   rename("DIR/f", "DIR/g")
 *   renameat2(AT_FDCWD, "DIR/g", AT_FDCWD, "DIR/d/h", RENAME_NOREPLACE)
 *   link("DIR/d/h", "DIR/hl")
 *   linkat(AT_FDCWD, "DIR/hl", AT_FDCWD, "DIR/hl2", 0)
 *   symlink("d/h", "DIR/sl")
 *   ddirfd = openat(AT_FDCWD, "DIR/d", O_RDONLY|O_DIRECTORY)
 *   symlinkat("../g", ddirfd, "sl2")
 *   unlink("DIR/hl")
 *   unlinkat(AT_FDCWD, "DIR/hl2", 0)
 *   rmdir("DIR/d/e")
 *   unlinkat(dirfd, "missing", 0)  -> -ENOENT (expected)
 *   close(ddirfd); close(dirfd); exit 0.
 *
 * Afterwards DIR holds d/h (empty file), d/sl2 -> ../g (dangling) and
 * sl -> d/h.  Prints nothing.  Any other outcome: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <linux/fs.h> /* RENAME_NOREPLACE */

static char dir_[PATH_MAX];

static const char *P(char *buf, size_t size, const char *rel)
{
	int n = snprintf(buf, size, "%s/%s", dir_, rel);
	if (n < 0 || (size_t)n >= size)
		fail("path too long");
	return buf;
}

#define A(rel) P(a_, sizeof a_, rel)
#define B(rel) P(b_, sizeof b_, rel)

static void ok(long r, const char *what)
{
	if (r != 0)
		die(what);
}

int main(int argc, char **argv)
{
	progname = "fsops";
	if (argc != 2)
		fail("usage: fsops DIR");
	PATHF(dir_, "%s", argv[1]);
	char a_[PATH_MAX], b_[PATH_MAX];
	long r;

	long dirfd = syscall(SYS_openat, AT_FDCWD, dir_, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		die("openat DIR");
	ok(syscall(SYS_mkdir, A("d"), 0755), "mkdir DIR/d");
	ok(syscall(SYS_mkdirat, AT_FDCWD, A("d/e"), 0700), "mkdirat DIR/d/e");
	r = syscall(SYS_openat, AT_FDCWD, A("f"), O_WRONLY | O_CREAT, 0644);
	if (r < 0)
		die("openat DIR/f");
	ok(syscall(SYS_close, r), "close DIR/f");
	ok(syscall(SYS_rename, A("f"), B("g")), "rename DIR/f DIR/g");
	ok(syscall(SYS_renameat2, AT_FDCWD, A("g"), AT_FDCWD, B("d/h"), RENAME_NOREPLACE),
	   "renameat2 DIR/g DIR/d/h");
	ok(syscall(SYS_link, A("d/h"), B("hl")), "link DIR/d/h DIR/hl");
	ok(syscall(SYS_linkat, AT_FDCWD, A("hl"), AT_FDCWD, B("hl2"), 0), "linkat DIR/hl DIR/hl2");
	ok(syscall(SYS_symlink, "d/h", A("sl")), "symlink d/h DIR/sl");
	long ddirfd = syscall(SYS_openat, AT_FDCWD, A("d"), O_RDONLY | O_DIRECTORY, 0);
	if (ddirfd < 0)
		die("openat DIR/d");
	ok(syscall(SYS_symlinkat, "../g", ddirfd, "sl2"), "symlinkat ../g ddirfd sl2");
	ok(syscall(SYS_unlink, A("hl")), "unlink DIR/hl");
	ok(syscall(SYS_unlinkat, AT_FDCWD, A("hl2"), 0), "unlinkat DIR/hl2");
	ok(syscall(SYS_rmdir, A("d/e")), "rmdir DIR/d/e");
	r = syscall(SYS_unlinkat, dirfd, "missing", 0);
	if (r == 0)
		fail("unlinkat dirfd missing: unexpectedly succeeded");
	if (errno != ENOENT)
		die("unlinkat dirfd missing");
	ok(syscall(SYS_close, ddirfd), "close ddirfd");
	ok(syscall(SYS_close, dirfd), "close dirfd");
	return 0;
}
