/* fds — fd duplication, pipes and close_range.
 *
 * Usage: fds DIR             (DIR: an existing, writable directory)
 *
 * All calls are raw syscalls, in this order (fd numbers shown for a
 * process started with only 0, 1, 2 open):
 *   fd = openat(AT_FDCWD, "DIR/x", O_WRONLY|O_CREAT, 0644)    -> 3
 *   dup(fd)                                                    -> 4
 *   dup2(fd, 20)                                               -> 20
 *   dup3(fd, 21, O_CLOEXEC)                                    -> 21
 *   fcntl(fd, F_DUPFD, 30)                                     -> 30
 *   fcntl(fd, F_DUPFD_CLOEXEC, 40)                             -> 40
 *   fcntl(fd, F_SETFD, FD_CLOEXEC)                             -> 0
 *   pipe(p)                                                    -> p = {5, 6}
 *   pipe2(q, O_CLOEXEC)                                        -> q = {7, 8}
 *   close(p[0]); close(p[1]); close(q[0]); close(q[1])
 *   close_range(20, 21, 0)
 *   close(fd); close(<dup>); close(<F_DUPFD>); close(<F_DUPFD_CLOEXEC>)
 *   exit 0.
 *
 * Prints the actual results on stdout, one per line, in this order:
 *   openat <fd>
 *   dup <n>
 *   dup2 <n>
 *   dup3 <n>
 *   fcntl_dupfd <n>
 *   fcntl_dupfd_cloexec <n>
 *   fcntl_setfd <ret>
 *   pipe <read-end> <write-end>
 *   pipe2 <read-end> <write-end>
 * Any failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>

static int chk(long r, const char *what)
{
	if (r < 0)
		die(what);
	return (int)r;
}

int main(int argc, char **argv)
{
	progname = "fds";
	if (argc != 2)
		fail("usage: fds DIR");
	char path[PATH_MAX];
	PATHF(path, "%s/x", argv[1]);

	int fd = chk(syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT, 0644), "openat DIR/x");
	int d1 = chk(syscall(SYS_dup, fd), "dup");
	int d2 = chk(syscall(SYS_dup2, fd, 20), "dup2");
	int d3 = chk(syscall(SYS_dup3, fd, 21, O_CLOEXEC), "dup3");
	int f1 = chk(syscall(SYS_fcntl, fd, F_DUPFD, 30), "fcntl F_DUPFD");
	int f2 = chk(syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 40), "fcntl F_DUPFD_CLOEXEC");
	int sf = chk(syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC), "fcntl F_SETFD");
	int p[2], q[2];
	chk(syscall(SYS_pipe, p), "pipe");
	chk(syscall(SYS_pipe2, q, O_CLOEXEC), "pipe2");

	chk(syscall(SYS_close, p[0]), "close pipe read end");
	chk(syscall(SYS_close, p[1]), "close pipe write end");
	chk(syscall(SYS_close, q[0]), "close pipe2 read end");
	chk(syscall(SYS_close, q[1]), "close pipe2 write end");
	chk(syscall(SYS_close_range, 20, 21, 0), "close_range 20 21");
	chk(syscall(SYS_close, fd), "close fd");
	chk(syscall(SYS_close, d1), "close dup");
	chk(syscall(SYS_close, f1), "close F_DUPFD");
	chk(syscall(SYS_close, f2), "close F_DUPFD_CLOEXEC");

	printf("openat %d\ndup %d\ndup2 %d\ndup3 %d\n", fd, d1, d2, d3);
	printf("fcntl_dupfd %d\nfcntl_dupfd_cloexec %d\nfcntl_setfd %d\n", f1, f2, sf);
	printf("pipe %d %d\npipe2 %d %d\n", p[0], p[1], q[0], q[1]);
	if (fflush(stdout) != 0)
		die("stdout");
	return 0;
}
