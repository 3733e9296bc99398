/* stress — a syscall load generator for the benchmark.
 *
 * Usage: stress DIR COUNT    (DIR: an existing, writable directory; COUNT >= 0)
 *
 *   fd = openat(AT_FDCWD, "DIR/stress.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644); close(fd)
 *   for i in 1..COUNT:
 *     fd = openat(AT_FDCWD, "DIR/stress.txt", O_RDONLY); close(fd)
 *     if i % 100 == 0:  openat(AT_FDCWD, "DIR/missing", O_RDONLY) -> -ENOENT (expected)
 *     if i % 1000 == 0: fork(); child: execv("/bin/true", {"true", NULL});
 *                       parent: waitpid(child) (must exit 0)
 *   exit 0.
 *
 * opens/closes are raw syscalls; fork() is glibc's (clone with SIGCHLD).
 * At the end prints one line on stderr (nothing on stdout):
 *   stress: <total> syscalls (openat <ok>, failed openat <f>, close <c>, fork <n>, execve <n>, wait4 <n>)
 * where ok = COUNT+1, f = COUNT/100, c = COUNT+1, n = COUNT/1000 and total
 * is their sum (execve is counted once per child, made by the child).
 * Any other failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	progname = "stress";
	if (argc != 3)
		fail("usage: stress DIR COUNT");
	long count = parse_num(argv[2], 1000000000L, "COUNT");
	char path[PATH_MAX], missing[PATH_MAX];
	PATHF(path, "%s/stress.txt", argv[1]);
	PATHF(missing, "%s/missing", argv[1]);
	unsigned long n_open = 0, n_fail = 0, n_close = 0, n_fork = 0;

	long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("openat DIR/stress.txt for writing");
	n_open++;
	if (syscall(SYS_close, fd) != 0)
		die("close");
	n_close++;

	for (long i = 1; i <= count; i++) {
		fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
		if (fd < 0)
			die("openat DIR/stress.txt");
		n_open++;
		if (syscall(SYS_close, fd) != 0)
			die("close");
		n_close++;
		if (i % 100 == 0) {
			if (syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY, 0) >= 0)
				fail("openat DIR/missing: unexpectedly succeeded");
			if (errno != ENOENT)
				die("openat DIR/missing");
			n_fail++;
		}
		if (i % 1000 == 0) {
			pid_t pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				char *args[] = { "true", NULL };
				execv("/bin/true", args);
				die("execv /bin/true");
			}
			n_fork++;
			int st;
			if (waitpid(pid, &st, 0) != pid)
				die("waitpid");
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				fail("/bin/true did not exit 0");
		}
	}

	unsigned long total = n_open + n_fail + n_close + 3 * n_fork;
	fprintf(stderr,
		"stress: %lu syscalls (openat %lu, failed openat %lu, close %lu, fork %lu, execve %lu, wait4 %lu)\n",
		total, n_open, n_fail, n_close, n_fork, n_fork, n_fork);
	return 0;
}
