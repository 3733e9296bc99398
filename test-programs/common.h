/* common.h — shared helpers for the bt test programs.
 *
 * Every program includes this first.  die() prints
 * "progname: what: strerror(errno)" on stderr and exits 99; it is used for
 * every unexpected failure.  Raw syscalls go through syscall(2) so that the
 * syscall the kernel sees is exactly the one named in each header comment.
 */
#ifndef BT_TEST_COMMON_H
#define BT_TEST_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "bt test programs are x86_64 only"
#endif

static const char *progname = "?";

__attribute__((noreturn, unused)) static void die(const char *what)
{
	int e = errno;
	fprintf(stderr, "%s: %s: %s\n", progname, what, strerror(e));
	exit(99);
}

/* Like die() but with an explicit error number (pthread_* return codes). */
__attribute__((noreturn, unused)) static void die_errno(const char *what, int e)
{
	fprintf(stderr, "%s: %s: %s\n", progname, what, strerror(e));
	exit(99);
}

/* Failure that is not a syscall error (bad usage, wrong result). */
__attribute__((noreturn, unused)) static void fail(const char *what)
{
	fprintf(stderr, "%s: %s\n", progname, what);
	exit(99);
}

/* Parse a non-negative decimal integer no larger than max; exit 99 otherwise. */
__attribute__((unused)) static long parse_num(const char *s, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "%s: bad %s: '%s'\n", progname, what, s);
		exit(99);
	}
	return v;
}

/* snprintf into buf or exit 99 if it does not fit. */
#define PATHF(buf, ...)                                                        \
	do {                                                                   \
		int n_ = snprintf((buf), sizeof(buf), __VA_ARGS__);            \
		if (n_ < 0 || (size_t)n_ >= sizeof(buf))                       \
			fail("path too long");                                 \
	} while (0)

#endif
