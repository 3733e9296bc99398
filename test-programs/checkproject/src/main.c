#include <stdio.h>
#include "ops.h"
#include "gen.h"
int main(void) { printf("%d\n", add(mul(GEN_TWO, 3), 3)); return 0; }
