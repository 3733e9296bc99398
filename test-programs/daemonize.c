/* daemonize — classic double fork; the daemon outlives its parent.
 *
 * Usage: daemonize SECONDS   (decimal, fractions allowed: 2, 0.5)
 *
 *   parent:     fork() -> child; waitpid(child) (must exit 0); exit 0
 *               (immediately, without waiting for the daemon).
 *   child:      setsid(); fork() -> grandchild; _exit(0).
 *   grandchild: close(0); close(1); close(2);
 *   (daemon)    open("/dev/null", O_RDWR) -> 0; dup2(0, 1); dup2(0, 2)
 *               (raw open/dup2 syscalls); nanosleep(SECONDS); exit 0.
 *
 * fork() is glibc's (clone with SIGCHLD).  Prints nothing.  Failures before
 * the daemon has closed stderr: message on stderr, exit 99; after that the
 * daemon exits 99 silently.
 */
#include "common.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

int main(int argc, char **argv)
{
	progname = "daemonize";
	if (argc != 2)
		fail("usage: daemonize SECONDS");
	char *end;
	errno = 0;
	double secs = strtod(argv[1], &end);
	if (errno != 0 || end == argv[1] || *end != '\0' || !(secs >= 0) || secs > 1e6)
		fail("bad SECONDS");

	pid_t child = fork();
	if (child < 0)
		die("fork child");
	if (child == 0) {
		if (setsid() < 0)
			die("setsid");
		pid_t g = fork();
		if (g < 0)
			die("fork grandchild");
		if (g > 0)
			_exit(0);

		/* the daemon */
		close(0);
		close(1);
		close(2);
		if (syscall(SYS_open, "/dev/null", O_RDWR, 0) != 0)
			_exit(99);
		if (syscall(SYS_dup2, 0, 1) != 1 || syscall(SYS_dup2, 0, 2) != 2)
			_exit(99);
		struct timespec ts;
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
		if (ts.tv_nsec > 999999999)
			ts.tv_nsec = 999999999;
		while (nanosleep(&ts, &ts) != 0)
			if (errno != EINTR)
				_exit(99);
		_exit(0);
	}

	int st;
	if (waitpid(child, &st, 0) != child)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("child did not exit 0");
	return 0;
}
