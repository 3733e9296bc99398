/* gentool FILE: writes a table of gen_value() (from libgen.so) to FILE. */
#include <stdio.h>

int gen_value(int i);

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  FILE *f = fopen(argv[1], "w");
  if (!f) return 1;
  fprintf(f, "static const int table[] = {");
  for (int i = 0; i < 4; i++) fprintf(f, "%s%d", i ? ", " : "", gen_value(i));
  fprintf(f, "};\n");
  return fclose(f) != 0;
}
