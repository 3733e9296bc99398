/* oploop — one system call COUNT times: the benchmark's cost per traced op.
 *
 * Usage: oploop OP COUNT    (COUNT >= 0)
 *
 * OP is one of (each a raw syscall, in a loop, i = 0 .. COUNT-1):
 *   getpid        getpid()                                        (not a file op: bt's filter only)
 *   dup2          dup2(1, 9) -> 9                                 (a record of fixed size)
 *   fstat         newfstatat(1, "", &st, AT_EMPTY_PATH) -> 0      (fstat: not recorded)
 *   stat          newfstatat(AT_FDCWD, "/", &st, 0) -> 0          (one lookup repeated: counted in the kernel)
 *   stat-missing  newfstatat(AT_FDCWD, "/nonexistent/oploop-<i % 1000>", &st, 0) -> ENOENT
 *                 (1000 paths in turn: more than a thread's repeat table holds, each one sent)
 *   readlink      readlink("/", buf, 256) -> EINVAL               (the configure's most frequent lookup)
 *   open-close    openat(AT_FDCWD, "/dev/null", O_RDONLY) -> fd; close(fd) -> 0
 *
 * At the end prints one line on stderr (nothing on stdout):
 *   oploop: OP COUNT calls, N ns per call
 * where N is the loop's CLOCK_MONOTONIC time divided by COUNT (0 when COUNT
 * is 0). A result other than the one above, or a bad OP: exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	static char missing[1000][32];
	struct stat st;
	char buf[256];
	const char *op;
	long count, i, r, fd;
	double t0, t1;

	progname = "oploop";
	if (argc != 3)
		fail("usage: oploop OP COUNT");
	op = argv[1];
	count = parse_num(argv[2], 1000000000L, "COUNT");
	for (i = 0; i < 1000; i++)
		snprintf(missing[i], sizeof(missing[i]), "/nonexistent/oploop-%ld", i);
	if (strcmp(op, "getpid") && strcmp(op, "dup2") && strcmp(op, "fstat") && strcmp(op, "stat") &&
	    strcmp(op, "stat-missing") && strcmp(op, "readlink") && strcmp(op, "open-close"))
		fail("OP: getpid, dup2, fstat, stat, stat-missing, readlink or open-close");

	t0 = now_ns();
	for (i = 0; i < count; i++) {
		if (!strcmp(op, "getpid")) {
			if (syscall(SYS_getpid) <= 0)
				die("getpid");
		} else if (!strcmp(op, "dup2")) {
			if (syscall(SYS_dup2, 1, 9) != 9)
				die("dup2(1, 9)");
		} else if (!strcmp(op, "fstat")) {
			if (syscall(SYS_newfstatat, 1, "", &st, AT_EMPTY_PATH) != 0)
				die("newfstatat(1, \"\", AT_EMPTY_PATH)");
		} else if (!strcmp(op, "stat")) {
			if (syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0) != 0)
				die("newfstatat(\"/\")");
		} else if (!strcmp(op, "stat-missing")) {
			r = syscall(SYS_newfstatat, AT_FDCWD, missing[i % 1000], &st, 0);
			if (r != -1 || errno != ENOENT)
				fail("newfstatat of a missing path: expected ENOENT");
		} else if (!strcmp(op, "readlink")) {
			r = syscall(SYS_readlink, "/", buf, sizeof(buf));
			if (r != -1 || errno != EINVAL)
				fail("readlink(\"/\"): expected EINVAL");
		} else {
			fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
			if (fd < 0)
				die("openat /dev/null");
			if (syscall(SYS_close, fd) != 0)
				die("close");
		}
	}
	t1 = now_ns();
	fprintf(stderr, "oploop: %s %ld calls, %.0f ns per call\n", op, count, count ? (t1 - t0) / count : 0.0);
	return 0;
}
