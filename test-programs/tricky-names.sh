#!/bin/sh
# tricky-names.sh DIR — seven jobs (subshells) using files whose names make
# must escape. Not built: committed executable.
#   job 1 writes the inputs: "in put.h", "hash#1.h", "cost$5.c", "100%.c", "back\slash.h"
#   job 2 reads "in put.h" "hash#1.h" "cost$5.c", writes "out put.o"
#   job 3 reads "100%.c" "back\slash.h" "in put.h", writes "x:y.o"
#   job 4 reads "out put.o" "x:y.o", writes "final 1.bin"
#   job 5 writes "star[1].h", "star1.h", "semi;c.h", "eq=1.h", "bad<0xFF>.h"
#   job 6 reads "star[1].h" "semi;c.h" "eq=1.h" "bad<0xFF>.h" "pipe|x.h" "paren(1).h", writes "libmade.so"
#   job 7 reads "libmade.so", writes "last.bin"
# Exits 0.
set -e
cd "$1"
(printf 'a\n' > 'in put.h'; printf 'b\n' > 'hash#1.h'; printf 'c\n' > 'cost$5.c'; printf 'd\n' > '100%.c'; printf 'e\n' > 'back\slash.h')
(cat 'in put.h' 'hash#1.h' 'cost$5.c' > 'out put.o')
(cat '100%.c' 'back\slash.h' 'in put.h' > 'x:y.o')
(cat 'out put.o' 'x:y.o' > 'final 1.bin')
bad=$(printf 'bad\377.h')
(printf 'f\n' > 'star[1].h'; printf 'g\n' > 'star1.h'; printf 'h\n' > 'semi;c.h'; printf 'i\n' > 'eq=1.h'; printf 'j\n' > "$bad"; printf 'k\n' > 'pipe|x.h'; printf 'l\n' > 'paren(1).h')
(cat 'star[1].h' 'semi;c.h' 'eq=1.h' "$bad" 'pipe|x.h' 'paren(1).h' > 'libmade.so')
(cat 'libmade.so' > 'last.bin')
