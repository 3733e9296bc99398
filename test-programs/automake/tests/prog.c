#include "foo.h"
int main(void) { return foo_api(0) - 1; }
