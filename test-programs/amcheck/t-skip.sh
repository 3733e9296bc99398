#!/bin/sh
# skipped: automake's exit status 77
exit 77
