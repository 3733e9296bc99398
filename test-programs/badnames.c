/* badnames — file names and arguments that are not valid UTF-8.
 *
 * Usage: badnames DIR       (DIR: an existing, empty, writable directory)
 *
 * Raw syscalls, in this order:
 *   chdir(DIR)
 *   fd = openat(AT_FDCWD, "bad-\xff.c", O_WRONLY|O_CREAT, 0644); close(fd)
 *   fd = openat(AT_FDCWD, "bad-\xfe.c", O_WRONLY|O_CREAT, 0644); close(fd)
 *   stat("bad-\xff.c"); stat("caf\xc3\xa9-\xc3.c") = -1 ENOENT (valid "é", then a cut sequence)
 *   rename("bad-\xfe.c", "bad-\xfe\xfd.c")
 *   execve("/bin/true", {"true", "arg-\xff", "\xfe", NULL}, {"BT_BAD=\xff", NULL})
 * /bin/true exits 0. Prints nothing. Any failure: message on stderr, exit 99.
 */
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	struct stat st;
	progname = "badnames";
	if (argc != 2)
		fail("usage: badnames DIR");
	if (syscall(SYS_chdir, argv[1]) != 0)
		die("chdir");
	long fd = syscall(SYS_openat, AT_FDCWD, "bad-\xff.c", O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || syscall(SYS_close, fd) != 0)
		die("bad-\\xff.c");
	fd = syscall(SYS_openat, AT_FDCWD, "bad-\xfe.c", O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || syscall(SYS_close, fd) != 0)
		die("bad-\\xfe.c");
	if (syscall(SYS_stat, "bad-\xff.c", &st) != 0)
		die("stat bad-\\xff.c");
	if (syscall(SYS_stat, "caf\xc3\xa9-\xc3.c", &st) == 0 || errno != ENOENT)
		die("stat caf\\xc3\\xa9-\\xc3.c");
	if (syscall(SYS_rename, "bad-\xfe.c", "bad-\xfe\xfd.c") != 0)
		die("rename");
	char *args[] = { "true", "arg-\xff", "\xfe", NULL };
	char *env[] = { "BT_BAD=\xff", NULL };
	syscall(SYS_execve, "/bin/true", args, env);
	die("execve /bin/true");
}
