#!/bin/sh
# fails
exit 3
