#include "config.h"

int lib_value(void) { return 42; }
