#include <stdio.h>
#include "table.h"
#include "version.h"

int main(void) {
  printf("app %s: %d\n", VERSION, table[3]);
  return 0;
}
