#!/usr/bin/env bash
# Traces a real Linux kernel build once, for the README's answers and
# `npm run bench`: Debian's linux-source-6.1, make tinyconfig, then
# `bt trace -- make -j2 vmlinux` out of tree. ~2 minutes on 2 idle cores.
#   scripts/kernel-trace.sh [LOG]      (as root; default /var/tmp/bt-kernel/kernel.trace)
set -euo pipefail
cd "$(dirname "$0")/.."
LOG=${1:-/var/tmp/bt-kernel/kernel.trace}
SRC=/var/cache/bt-bench/linux-source-6.1
OUT=/var/tmp/bt-kernel/out
export DEBIAN_FRONTEND=noninteractive
if [ ! -d "$SRC" ]; then
  apt-get install -y -qq --no-install-recommends linux-source-6.1 flex bison bc >/dev/null
  mkdir -p /var/cache/bt-bench
  tar -C /var/cache/bt-bench -xJf /usr/src/linux-source-6.1.tar.xz
fi
mkdir -p "$(dirname "$LOG")"
rm -rf "$OUT" && mkdir -p "$OUT"
make -s -C "$SRC" O="$OUT" tinyconfig >/dev/null
rm -f "$LOG"
cd "$SRC"
node "$OLDPWD/dist/src/cli/bt.cjs" trace -q -o "$LOG" -- \
  make -j2 O="$OUT" KBUILD_BUILD_TIMESTAMP='Mon Jan  1 00:00:00 UTC 2024' vmlinux >/dev/null
echo "kernel-trace: $LOG ($(du -h "$LOG" | cut -f1))" >&2
