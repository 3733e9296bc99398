/* vforker — the vfork syscall and a thread.
 *
 * Usage: vforker
 *
 *   vfork() (glibc's wrapper is the real vfork syscall on x86_64);
 *     child: _exit(5) at once.
 *   waitpid(child) (must have exited 5).
 *   pthread_create (glibc: clone3 with CLONE_THREAD); the thread returns
 *   immediately; pthread_join; exit 0.
 *
 * Prints nothing.  Any failure or wrong child status: message on stderr,
 * exit 99.
 */
#include "common.h"

#include <pthread.h>
#include <sys/wait.h>

static void *thread_main(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	(void)argv;
	progname = "vforker";
	if (argc != 1)
		fail("usage: vforker");

	pid_t pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0)
		_exit(5);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 5)
		fail("vfork child did not exit 5");

	pthread_t t;
	int e = pthread_create(&t, NULL, thread_main, NULL);
	if (e != 0)
		die_errno("pthread_create", e);
	e = pthread_join(t, NULL);
	if (e != 0)
		die_errno("pthread_join", e);
	return 0;
}
