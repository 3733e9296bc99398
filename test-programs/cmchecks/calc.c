#ifndef PROBE
#include "config.h"
#endif
int calc(int x) { return 2 * x; }
#ifdef PROBE
int main(void) { return calc(0); }
#endif
