#!/bin/sh
# passes: the program says hello
test "$(./hello)" = hello
