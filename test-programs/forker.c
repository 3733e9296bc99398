/* forker — the design's demo process tree.
 *
 * Usage: forker [sys]
 *
 *   main:       prints "main <pid>"; fork() -> child1; fork() -> child2;
 *               waitpid(child1) (must exit 1); waitpid(child2) (must exit 2);
 *               exit 0.
 *   child1:     prints "child1 <pid>"; fork() -> grandchild;
 *               waitpid(grandchild) (must exit 3); exit 1.
 *   child2:     prints "child2 <pid>"; exit 2.
 *   grandchild: prints "grandchild <pid>"; exit 3.
 *
 * Each process prints its own line on stdout and flushes immediately; only
 * "main" is guaranteed to come first.  fork() is glibc's, i.e. the clone
 * syscall with SIGCHLD.  With the optional argument "sys" every fork is the
 * raw fork syscall instead (syscall(SYS_fork)).  Unexpected failures or a
 * wrong child status: message on stderr, exit 99.
 */
#include "common.h"

#include <sys/wait.h>

static int use_sys_fork;

static pid_t do_fork(void)
{
	pid_t p = use_sys_fork ? (pid_t)syscall(SYS_fork) : fork();
	if (p < 0)
		die("fork");
	return p;
}

static void say(const char *who)
{
	if (printf("%s %ld\n", who, (long)getpid()) < 0 || fflush(stdout) != 0)
		die("stdout");
}

static void reap(pid_t pid, int want, const char *who)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
		fprintf(stderr, "%s: %s: unexpected wait status 0x%x\n", progname, who, st);
		_exit(99);
	}
}

int main(int argc, char **argv)
{
	progname = "forker";
	if (argc == 2 && strcmp(argv[1], "sys") == 0)
		use_sys_fork = 1;
	else if (argc != 1)
		fail("usage: forker [sys]");

	say("main");

	pid_t c1 = do_fork();
	if (c1 == 0) {
		say("child1");
		pid_t g = do_fork();
		if (g == 0) {
			say("grandchild");
			_exit(3);
		}
		reap(g, 3, "grandchild");
		_exit(1);
	}

	pid_t c2 = do_fork();
	if (c2 == 0) {
		say("child2");
		_exit(2);
	}

	reap(c1, 1, "child1");
	reap(c2, 2, "child2");
	return 0;
}
