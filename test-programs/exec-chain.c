/* exec-chain — a chain of execs of the same process.
 *
 * Usage: exec-chain N        (N >= 0)
 *
 * If N > 0: execv("/proc/self/exe", {"exec-chain", "<N-1>", NULL}).
 * If N == 0: execv("/bin/true", {"true", "done", NULL}), so the process
 * finally exits 0 from /bin/true.  The pid never changes: N+1 successful
 * execve syscalls in one process (the initial exec of exec-chain by the
 * caller not counted).  execv uses the execve syscall with the current
 * environment.  A failed exec or bad argument: message on stderr, exit 99.
 */
#include "common.h"

int main(int argc, char **argv)
{
	progname = "exec-chain";
	if (argc != 2)
		fail("usage: exec-chain N");
	long n = parse_num(argv[1], 1000000, "N");

	if (n > 0) {
		char buf[32];
		PATHF(buf, "%ld", n - 1);
		char *args[] = { "exec-chain", buf, NULL };
		execv("/proc/self/exe", args);
		die("execv /proc/self/exe");
	}
	char *args[] = { "true", "done", NULL };
	execv("/bin/true", args);
	die("execv /bin/true");
}
