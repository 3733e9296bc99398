#include <stdio.h>
#include "config.h"
#include "version.h"

int main(void) {
  printf("%s %s %d\n", GREETING, VERSION, lib_value());
  return 0;
}
