/* listing-threads — a directory listed by one thread and closed by another,
 * before its end; then one listed partly before an exec.
 *
 * Usage: listing-threads DIR      (DIR: a directory with 3 or more entries)
 *
 *  1. main: l = openat(AT_FDCWD, DIR, O_RDONLY|O_DIRECTORY); a pthread:
 *     getdents64(l, 64-byte buffer) once (one or two entries: not the
 *     end); main, once it has joined the thread: close(l).
 *  2. l2 = openat(AT_FDCWD, DIR, O_RDONLY|O_DIRECTORY) (no close-on-exec);
 *     getdents64(l2, 64-byte buffer) once; execve("/bin/true", {"true"}).
 *
 * Prints nothing.  Exits 99 with a message on stderr if a call fails.
 */
#include "common.h"

#include <fcntl.h>
#include <pthread.h>

static int l;
static char buf[64];

static void *lister(void *arg)
{
	(void)arg;
	if (syscall(SYS_getdents64, l, buf, sizeof(buf)) <= 0)
		die("getdents64 in the thread");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int e;

	progname = "listing-threads";
	if (argc != 2) {
		fprintf(stderr, "usage: listing-threads DIR\n");
		exit(99);
	}
	l = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_DIRECTORY);
	if (l < 0)
		die("openat");
	if ((e = pthread_create(&t, NULL, lister, NULL)))
		die_errno("pthread_create", e);
	if ((e = pthread_join(t, NULL)))
		die_errno("pthread_join", e);
	if (syscall(SYS_close, l))
		die("close");
	int l2 = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_DIRECTORY);
	if (l2 < 0 || syscall(SYS_getdents64, l2, buf, sizeof(buf)) <= 0)
		die("the listing before the exec");
	char *args[] = { "true", NULL };
	syscall(SYS_execve, "/bin/true", args, NULL);
	die("execve");
}
