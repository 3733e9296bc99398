#include <stdio.h>

#include "greet.h"
#include "util.h"

int greet(const char *who)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "hello, %s", who);
	if (n < 0 || (size_t)n >= sizeof buf)
		return -1;
	return put_line(buf);
}
