#include "greet.h"
const char *greet(void) { return GREET_PREFIX ": hello"; }
