#!/bin/sh
# pipeline.sh DIR — a shell pipeline run through a #! interpreter.
# Writes "A\nB\n" to DIR/out.txt; exits 0.  Not built: committed executable.
printf 'b\na\n' | sort | tr a-z A-Z > "$1/out.txt"
