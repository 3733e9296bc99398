/*
 * thread-exit [N]: starts N (default 4) busy threads and, once all of them
 * spin, ends the process with exit(0), so that every thread dies in the
 * same exit_group at the same moment. Exactly one exit record must be
 * written for it. With N = 1 on two CPUs, both threads often see the
 * process end and make its storage at once (bt_proc_make).
 */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>

static atomic_int running;
static volatile unsigned long work;

static void *spin(void *arg)
{
	(void)arg;
	atomic_fetch_add(&running, 1);
	for (;;) {
		work++;
		if (work % 64 == 0)
			syscall(SYS_getppid); /* busy in and out of the kernel */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	progname = argv[0];
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t;

	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, spin, NULL))
			die("pthread_create");
	while (atomic_load(&running) < n)
		;
	exit(0);
}
