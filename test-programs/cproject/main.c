#include <stdio.h>

#include "greet.h"
#include "util.h"

int main(void)
{
	if (greet("world") != 0 || fflush(stdout) != 0)
		return 1;
	return 0;
}
