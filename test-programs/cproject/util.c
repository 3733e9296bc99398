#include <stdio.h>

#include "util.h"

int put_line(const char *s)
{
	if (fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF)
		return -1;
	return 0;
}
