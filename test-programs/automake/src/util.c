#include "foo.h"
int foo_util(int x) { return 2 * x; }
