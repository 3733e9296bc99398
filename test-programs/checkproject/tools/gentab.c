/* a generator the build makes and runs: its output, gen.h, is read by main.c */
#include <stdio.h>
int main(void) { printf("#define GEN_TWO %d\n", 2); return 0; }
