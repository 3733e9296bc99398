/* lookups — every lookup, listing and metadata call bt records, with
 * successes, failures, AT_* flags, relative and dirfd paths, and repeated
 * identical lookups.
 *
 * Usage: lookups DIR       (DIR: an existing, empty, writable directory)
 *
 * Raw syscalls, in this order (S = must succeed, E = must fail with errno E):
 *   chdir(DIR)
 *   fd = openat(AT_FDCWD, "f.txt", O_RDWR|O_CREAT, 0644)
 *   symlink("f.txt", "ln"); mkdir("sub", 0755)
 *   dfd = openat(AT_FDCWD, "sub", O_RDONLY|O_DIRECTORY)
 *   utimensat(AT_FDCWD, "f.txt", {{0, UTIME_OMIT}, {1000000000, 7}}, 0)
 * lookups:
 *   stat("f.txt") S                      file, mtime 1000000000.7
 *   stat("missing") ENOENT
 *   lstat("ln") S                        symlink
 *   newfstatat(AT_FDCWD, "ln", 0) S      file
 *   newfstatat(AT_FDCWD, "ln", AT_SYMLINK_NOFOLLOW) S   symlink
 *   newfstatat(dfd, "..", 0) S           dir
 *   newfstatat(dfd, "", AT_EMPTY_PATH) S dir (sub: fstat, not recorded by bt)
 *   statx(AT_FDCWD, "f.txt", 0, STATX_BASIC_STATS) S    file, mtime 1000000000.7
 *   statx(dfd, "nope", AT_SYMLINK_NOFOLLOW, STATX_TYPE) ENOENT
 *   access("f.txt", R_OK) S
 *   access("missing", F_OK) ENOENT
 *   faccessat(dfd, "../f.txt", W_OK) S
 *   faccessat2(AT_FDCWD, "ln", R_OK, AT_SYMLINK_NOFOLLOW) S
 *   readlink("ln") S -> "f.txt"
 *   readlink("f.txt") EINVAL
 *   readlinkat(dfd, "../ln") S -> "f.txt"
 * repeats: 3 times { stat("sub") S; access("nothere", F_OK) ENOENT }, then stat("sub") S
 *   (stat "sub" 4 times, access "nothere" 3 times)
 * listings:
 *   l = openat(AT_FDCWD, ".", O_RDONLY|O_DIRECTORY); getdents64(l, 4096-byte buffer) until 0; close(l)
 *       (5 entries: . .. f.txt ln sub; 2 calls)
 *   l = openat(AT_FDCWD, "sub", O_RDONLY|O_DIRECTORY); getdents64(l) once; close(l)
 *       (closed before the end: 2 entries, 1 call, partial)
 *   getdents64(fd) ENOTDIR (fd is f.txt)
 * metadata changes:
 *   chmod("f.txt", 0600) S; fchmod(fd, 0640) S; fchmodat(dfd, "../f.txt", 0644) S; chmod("missing", 0600) ENOENT
 *   chown("f.txt", -1, -1) S; lchown("ln", -1, -1) S; fchown(fd, -1, -1) S;
 *   fchownat(AT_FDCWD, "ln", -1, -1, AT_SYMLINK_NOFOLLOW) S
 *   truncate("f.txt", 10) S; ftruncate(fd, 5) S; truncate("missing", 0) ENOENT
 *   utime("f.txt", {1000, 2000}) S; utimes("f.txt", NULL) S;
 *   utimensat(AT_FDCWD, "f.txt", {{1, 2}, {3, UTIME_OMIT}}, 0) S;
 *   futimesat(dfd, "../f.txt", {{5, 6}, {7, 8}}) S; utimensat(fd, NULL, {{9, 10}, {11, 12}}, 0) S
 * stat("f.txt") S (as the first lookup, but now with mtime 11.000000012)
 * then exit 0. Prints nothing. Any unexpected result: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <utime.h>
#include <linux/stat.h>

static void ok(long r, const char *what)
{
	if (r < 0)
		die(what);
}

static void fails(long r, int e, const char *what)
{
	if (r >= 0 || errno != e) {
		fprintf(stderr, "lookups: %s: expected errno %d, got %ld (errno %d)\n", what, e, r, errno);
		exit(99);
	}
}

int main(int argc, char **argv)
{
	struct stat st;
	struct statx stx;
	char buf[4096];
	progname = "lookups";
	if (argc != 2)
		fail("usage: lookups DIR");

	ok(syscall(SYS_chdir, argv[1]), "chdir");
	long fd = syscall(SYS_openat, AT_FDCWD, "f.txt", O_RDWR | O_CREAT, 0644);
	ok(fd, "open f.txt");
	ok(syscall(SYS_symlink, "f.txt", "ln"), "symlink");
	ok(syscall(SYS_mkdir, "sub", 0755), "mkdir");
	long dfd = syscall(SYS_openat, AT_FDCWD, "sub", O_RDONLY | O_DIRECTORY, 0);
	ok(dfd, "open sub");
	struct timespec t0[2] = { { 0, UTIME_OMIT }, { 1000000000, 7 } };
	ok(syscall(SYS_utimensat, AT_FDCWD, "f.txt", t0, 0), "utimensat f.txt");

	/* lookups */
	ok(syscall(SYS_stat, "f.txt", &st), "stat f.txt");
	fails(syscall(SYS_stat, "missing", &st), ENOENT, "stat missing");
	ok(syscall(SYS_lstat, "ln", &st), "lstat ln");
	ok(syscall(SYS_newfstatat, AT_FDCWD, "ln", &st, 0), "newfstatat ln");
	ok(syscall(SYS_newfstatat, AT_FDCWD, "ln", &st, AT_SYMLINK_NOFOLLOW), "newfstatat ln nofollow");
	ok(syscall(SYS_newfstatat, dfd, "..", &st, 0), "newfstatat dfd ..");
	ok(syscall(SYS_newfstatat, dfd, "", &st, AT_EMPTY_PATH), "newfstatat dfd empty");
	ok(syscall(SYS_statx, AT_FDCWD, "f.txt", 0, STATX_BASIC_STATS, &stx), "statx f.txt");
	fails(syscall(SYS_statx, dfd, "nope", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx), ENOENT, "statx nope");
	ok(syscall(SYS_access, "f.txt", R_OK), "access f.txt");
	fails(syscall(SYS_access, "missing", F_OK), ENOENT, "access missing");
	ok(syscall(SYS_faccessat, dfd, "../f.txt", W_OK), "faccessat");
	ok(syscall(SYS_faccessat2, AT_FDCWD, "ln", R_OK, AT_SYMLINK_NOFOLLOW), "faccessat2");
	ok(syscall(SYS_readlink, "ln", buf, sizeof(buf)), "readlink ln");
	fails(syscall(SYS_readlink, "f.txt", buf, sizeof(buf)), EINVAL, "readlink f.txt");
	ok(syscall(SYS_readlinkat, dfd, "../ln", buf, sizeof(buf)), "readlinkat");

	/* repeated identical lookups */
	for (int i = 0; i < 3; i++) {
		ok(syscall(SYS_stat, "sub", &st), "stat sub");
		fails(syscall(SYS_access, "nothere", F_OK), ENOENT, "access nothere");
	}
	ok(syscall(SYS_stat, "sub", &st), "stat sub");

	/* listings */
	long l = syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0);
	ok(l, "open .");
	long n;
	while ((n = syscall(SYS_getdents64, l, buf, sizeof(buf))) > 0)
		;
	ok(n, "getdents64 .");
	ok(syscall(SYS_close, l), "close .");
	l = syscall(SYS_openat, AT_FDCWD, "sub", O_RDONLY | O_DIRECTORY, 0);
	ok(l, "open sub");
	ok(syscall(SYS_getdents64, l, buf, sizeof(buf)), "getdents64 sub");
	ok(syscall(SYS_close, l), "close sub");
	fails(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR, "getdents64 file");

	/* metadata changes */
	ok(syscall(SYS_chmod, "f.txt", 0600), "chmod");
	ok(syscall(SYS_fchmod, fd, 0640), "fchmod");
	ok(syscall(SYS_fchmodat, dfd, "../f.txt", 0644), "fchmodat");
	fails(syscall(SYS_chmod, "missing", 0600), ENOENT, "chmod missing");
	ok(syscall(SYS_chown, "f.txt", -1, -1), "chown");
	ok(syscall(SYS_lchown, "ln", -1, -1), "lchown");
	ok(syscall(SYS_fchown, fd, -1, -1), "fchown");
	ok(syscall(SYS_fchownat, AT_FDCWD, "ln", -1, -1, AT_SYMLINK_NOFOLLOW), "fchownat");
	ok(syscall(SYS_truncate, "f.txt", 10), "truncate");
	ok(syscall(SYS_ftruncate, fd, 5), "ftruncate");
	fails(syscall(SYS_truncate, "missing", 0), ENOENT, "truncate missing");
	struct utimbuf ub = { 1000, 2000 };
	ok(syscall(SYS_utime, "f.txt", &ub), "utime");
	ok(syscall(SYS_utimes, "f.txt", NULL), "utimes NULL");
	struct timespec t1[2] = { { 1, 2 }, { 3, UTIME_OMIT } };
	ok(syscall(SYS_utimensat, AT_FDCWD, "f.txt", t1, 0), "utimensat");
	struct timeval tv[2] = { { 5, 6 }, { 7, 8 } };
	ok(syscall(SYS_futimesat, dfd, "../f.txt", tv), "futimesat");
	struct timespec t2[2] = { { 9, 10 }, { 11, 12 } };
	ok(syscall(SYS_utimensat, fd, NULL, t2, 0), "utimensat fd");
	ok(syscall(SYS_stat, "f.txt", &st), "stat f.txt again");
	return 0;
}
