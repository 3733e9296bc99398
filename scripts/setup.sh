#!/usr/bin/env bash
# Sets bt up on a fresh Debian/Ubuntu machine, then traces a real build
# (the test-programs C build) and shows what it recorded.
#   sudo scripts/setup.sh            # as root, or as a user with sudo
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: bt needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none)); install it from nodejs.org or NodeSource" >&2
  exit 1
fi

echo "setup: installing system packages (clang, llvm, libbpf, bpftool, make, gcc, strace, ninja-build (bt check --ninja); flex, bison, bc for npm run bench:real; bear, ccache, cmake, meson, g++, chromium, fakeroot, parallel, cargo, golang-go, python3-pip, python3-setuptools for the export, bt view, bt diff, check and Go/Cargo/Python provenance tests; bsdutils for script(1), a terminal in the cli tests; autoconf, automake for the make check harness test)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends clang llvm libbpf-dev libbpf1 make gcc libc6-dev strace ninja-build flex bison bc xz-utils \
  bear ccache cmake meson g++ chromium fakeroot parallel cargo golang-go python3-pip python3-setuptools bsdutils autoconf automake >/dev/null
# bpftool is its own package on Debian, part of linux-tools on Ubuntu.
if ! command -v bpftool >/dev/null && [ ! -x /usr/sbin/bpftool ]; then
  $SUDO apt-get install -y -qq --no-install-recommends bpftool >/dev/null 2>&1 ||
    $SUDO apt-get install -y -qq --no-install-recommends linux-tools-common "linux-tools-$(uname -r)" >/dev/null
fi

echo "setup: installing npm dependencies and building (BPF object, launcher, TypeScript)" >&2
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
# build/bt (native/bt-front.c) runs Node on dist/src/cli/bt.cjs, and loads bt trace's BPF programs while Node starts
$SUDO ln -sf "$PWD/build/bt" /usr/local/bin/bt
echo "setup: bt is installed as /usr/local/bin/bt (-> build/bt)" >&2

echo "setup: tracing a real build: bt trace -o test-programs.trace -- make -C test-programs -j2" >&2
make -s -C test-programs clean
$SUDO /usr/local/bin/bt trace -o test-programs.trace -- make -C test-programs -j2
echo "setup: the first records of the trace (bt dump test-programs.trace):" >&2
bt dump test-programs.trace | grep -m 12 -E ' exec | fork | exit '
echo "setup: done. Try: bt dump --json test-programs.trace | less" >&2
