/* kill-self — die from a signal.
 *
 * Usage: kill-self SIG       (signal number, e.g. 9 or 15)
 *
 * setrlimit(RLIMIT_CORE, 0) (no core files from core-dumping signals);
 * signal(SIG, SIG_DFL) and unblock SIG (both skipped for SIGKILL/SIGSTOP,
 * which cannot be caught or blocked); raise(SIG).  The process is expected
 * to be terminated by SIG (wait status == SIG).  If it survives (e.g. a
 * stop-type or ignored-by-default signal such as SIGCHLD) it exits 98.
 * Prints nothing.  Bad usage or failed setup: message on stderr, exit 99.
 */
#include "common.h"

#include <signal.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	progname = "kill-self";
	if (argc != 2)
		fail("usage: kill-self SIG");
	int sig = (int)parse_num(argv[1], 64, "SIG");
	if (sig < 1)
		fail("bad SIG: 0");

	struct rlimit rl = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		die("setrlimit RLIMIT_CORE");
	if (sig != SIGKILL && sig != SIGSTOP) {
		if (signal(sig, SIG_DFL) == SIG_ERR)
			die("signal");
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		if (sigprocmask(SIG_UNBLOCK, &set, NULL) != 0)
			die("sigprocmask");
	}
	if (raise(sig) != 0)
		die("raise");
	return 98;
}
