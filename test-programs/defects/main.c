#include <stdio.h>
#include "config.h"
#include "util.h"

int main(void) {
  printf("%s %d\n", GREETING, twice(21));
  return 0;
}
