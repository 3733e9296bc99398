/* listexec — a directory listing cut short by an exec.
 *
 * Usage: listexec DIR       (DIR: a directory with at least one entry)
 *
 *   l = openat(AT_FDCWD, DIR, O_RDONLY|O_DIRECTORY|O_CLOEXEC)
 *   getdents64(l, buf, 4096) once: entries, but not the end of the directory
 *   execve("/bin/cat", {"cat", "/dev/null", NULL}, environ)
 * The exec closes l (close-on-exec, no close call); cat then opens
 * /dev/null with the same fd number and closes it. Prints nothing.
 * Any failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>

extern char **environ;

int main(int argc, char **argv)
{
	char buf[4096];
	progname = "listexec";
	if (argc != 2)
		fail("usage: listexec DIR");
	long l = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (l < 0)
		die("openat DIR");
	if (syscall(SYS_getdents64, l, buf, sizeof(buf)) <= 0)
		die("getdents64");
	char *args[] = { "cat", "/dev/null", NULL };
	syscall(SYS_execve, "/bin/cat", args, environ);
	die("execve /bin/cat");
}
