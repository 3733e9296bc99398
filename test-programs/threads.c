/* threads — N threads each writing its own file.
 *
 * Usage: threads DIR N       (DIR: an existing, writable directory; 1 <= N <= 1000)
 *
 * Main starts N pthreads (pthread_create: glibc uses clone3 with
 * CLONE_THREAD), then joins them in order 0..N-1 and exits 0.
 * Thread i (0-based) does, with raw syscalls:
 *   fd = openat(AT_FDCWD, "DIR/thread-<i>.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644);
 *   write(fd, "thread <i>\n"); close(fd)
 * and returns.  The order between threads is not fixed.  Prints nothing.
 * Any failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <pthread.h>

static const char *dir;

static void *worker(void *arg)
{
	long i = (long)arg;
	char path[PATH_MAX], buf[64];

	PATHF(path, "%s/thread-%ld.txt", dir, i);
	PATHF(buf, "thread %ld\n", i);
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("openat thread file");
	size_t len = strlen(buf);
	if (write((int)fd, buf, len) != (ssize_t)len)
		die("write thread file");
	if (syscall(SYS_close, fd) != 0)
		die("close thread file");
	return NULL;
}

int main(int argc, char **argv)
{
	progname = "threads";
	if (argc != 3)
		fail("usage: threads DIR N");
	dir = argv[1];
	long n = parse_num(argv[2], 1000, "N");
	if (n < 1)
		fail("bad N: must be >= 1");

	pthread_t *tids = calloc((size_t)n, sizeof *tids);
	if (!tids)
		die("calloc");
	for (long i = 0; i < n; i++) {
		int e = pthread_create(&tids[i], NULL, worker, (void *)i);
		if (e != 0)
			die_errno("pthread_create", e);
	}
	for (long i = 0; i < n; i++) {
		int e = pthread_join(tids[i], NULL);
		if (e != 0)
			die_errno("pthread_join", e);
	}
	free(tids);
	return 0;
}
