/* wronly-lock — an fcntl lock through an O_WRONLY open, and a rewrite in place.
 *
 * Usage: wronly-lock LOCKED REWRITTEN
 *
 * As dpkg-gencontrol locks debian/control: opens LOCKED O_WRONLY (no
 * O_TRUNC, no O_CREAT), takes an fcntl F_SETLKW write lock, closes it,
 * writing nothing.  Then opens REWRITTEN O_WRONLY (no O_TRUNC) and
 * pwrites "XYZ" at offset 0 (size unchanged, content and mtime changed),
 * closes it.  Exits 0; on failure `wronly-lock: what: strerror`, exit 99.
 */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	progname = "wronly-lock";
	if (argc != 3)
		fail("usage: wronly-lock LOCKED REWRITTEN");
	int fd = open(argv[1], O_WRONLY);
	if (fd < 0)
		die("open locked");
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLKW, &fl) < 0)
		die("fcntl");
	close(fd);
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		die("open rewritten");
	if (pwrite(fd, "XYZ", 3, 0) != 3)
		die("pwrite");
	close(fd);
	return 0;
}
