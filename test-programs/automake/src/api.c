#include "foo.h"
int foo_api(int x) { return foo_util(x) + 1; }
