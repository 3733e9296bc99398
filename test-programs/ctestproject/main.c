/* app [A B | fail]: writes A+B (1+1) to out.txt; `fail` exits 1 (a failing test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int add(int a, int b);
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "fail") == 0) return 1;
  int a = argc > 2 ? atoi(argv[1]) : 1, b = argc > 2 ? atoi(argv[2]) : 1;
  FILE *f = fopen("out.txt", "w");
  if (!f) return 99;
  fprintf(f, "%d\n", add(a, b));
  return fclose(f) ? 99 : 0;
}
