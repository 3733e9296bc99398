/*
 * thread-exit: starts 4 busy threads and, once all of them spin, ends the
 * process with exit(0), so that every thread dies in the same exit_group
 * at the same moment. Exactly one exit record must be written for it.
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
	(void)argc;
	progname = argv[0];
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, spin, NULL))
			die("pthread_create");
	while (atomic_load(&running) < 4)
		;
	exit(0);
}
