/* walltime — the wall time of one command, as a shell's `time` sees it.
 *
 * Usage: walltime COMMAND [ARGS...]
 *
 * Starts COMMAND (searched in PATH) with posix_spawnp, which shares this
 * small process's memory until the exec, as a shell's fork does, and waits
 * for it. Prints on stderr, after the command has ended:
 *   walltime: N ns, status S
 * where N is CLOCK_MONOTONIC from just before the spawn to just after the
 * wait, and S the command's exit status (128 + the signal that killed it).
 * The command gets that start in its environment as BT_T0 (ns, the same
 * clock): bt trace's BT_TIMING phases count from it (src/capture/timing.ts).
 * Exits with the command's status; 99 when it cannot be started. The
 * benchmark's start-up figure: a harness in Node would add its own spawn
 * (a fork of a large process) and event loop to every run.
 */
#include "common.h"

#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	progname = "walltime";
	if (argc < 2) {
		fprintf(stderr, "usage: walltime COMMAND [ARGS...]\n");
		return 99;
	}
	pid_t pid;
	int status;
	long long t0 = now_ns();
	char start[32];
	snprintf(start, sizeof(start), "%lld", t0);
	setenv("BT_T0", start, 1);
	int err = posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ);
	if (err) {
		errno = err;
		die(argv[1]);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	long long t1 = now_ns();
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(stderr, "walltime: %lld ns, status %d\n", t1 - t0, code);
	return code;
}
