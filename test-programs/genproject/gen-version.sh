#!/bin/sh
# Writes a C header defining VERSION from the first line of $1.
read -r v < "$1"
printf '#define VERSION "%s"\n' "$v"
