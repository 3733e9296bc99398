#include <cstdio>
#include "greet.h"
int main() { std::printf("%s / %s\n", greet(), shout()); return 0; }
