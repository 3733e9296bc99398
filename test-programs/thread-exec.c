/* thread-exec — a thread that is not the leader repeats a lookup, then execs.
 *
 * Usage: thread-exec DIR N       (DIR: an existing directory; 1 <= N <= 1000)
 *
 * Main starts one pthread and waits for it forever (the exec ends it).
 * The thread does, with raw syscalls, N times:
 *   newfstatat(AT_FDCWD, DIR, &st, 0)      (succeeds: a directory)
 * then execve("/bin/true", ["true"], {}). The kernel gives the exec'ing
 * thread the leader's pid: bt must still count its N lookups of DIR.
 * Any failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

static const char *dir;
static long n;

static void *worker(void *arg)
{
	struct stat st;
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };

	(void)arg;
	for (long i = 0; i < n; i++) {
		if (syscall(SYS_newfstatat, AT_FDCWD, dir, &st, 0) != 0)
			die("newfstatat DIR");
	}
	syscall(SYS_execve, "/bin/true", argv, envp);
	die("execve /bin/true");
}

int main(int argc, char **argv)
{
	pthread_t t;

	progname = "thread-exec";
	if (argc != 3)
		fail("usage: thread-exec DIR N");
	dir = argv[1];
	n = parse_num(argv[2], 1000, "N");
	if (n < 1)
		fail("bad N: must be >= 1");
	int e = pthread_create(&t, NULL, worker, NULL);
	if (e != 0)
		die_errno("pthread_create", e);
	for (;;)
		pause();
}
