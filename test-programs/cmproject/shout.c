#include "greet.h"
const char *shout(void) { return GREET_PREFIX ": HELLO"; }
