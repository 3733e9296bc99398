/* exit-code — exit with a given status.
 *
 * Usage: exit-code N         (0 <= N <= 255)
 *
 * Makes no syscalls of its own beyond exit_group(N).  Prints nothing.
 * Bad usage: message on stderr, exit 99.
 */
#include "common.h"

int main(int argc, char **argv)
{
	progname = "exit-code";
	if (argc != 2)
		fail("usage: exit-code N");
	_exit((int)parse_num(argv[1], 255, "N"));
}
