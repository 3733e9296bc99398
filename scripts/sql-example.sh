#!/usr/bin/env bash
# The README's worked example of bt sql over many builds: 20 real traces of
# the test-programs C project, each exported to a Parquet directory, then the
# README's five queries over all of them.
#   sudo scripts/sql-example.sh [WORKDIR]      (default: a new directory under /tmp)
# Builds 1-14: make -B -j2 in a copy under /tmp; 15-17: the same in a copy under
# /home (its sources are inputs under /home); 18-19: greet.c broken (cc fails,
# make exits 2); 20: `make -B -j2 && make -B main.o` (two jobs write main.o).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BT="node $REPO/dist/src/cli/bt.cjs"
WORK=${1:-$(mktemp -d /tmp/bt-sql-example.XXXXXX)}
HOME_COPY=$(mktemp -d /home/bt-sql-example.XXXXXX)
trap 'rm -rf "$HOME_COPY"' EXIT
mkdir -p "$WORK/traces" "$WORK/parquet"
SRC=(Makefile main.c util.c util.h greet.c greet.h)
for i in $(seq -w 1 20); do
  if [ "$i" -ge 15 ] && [ "$i" -le 17 ]; then dir=$HOME_COPY/build-$i; else dir=$WORK/src/build-$i; fi
  mkdir -p "$dir"
  for f in "${SRC[@]}"; do cp "$REPO/test-programs/cproject/$f" "$dir/"; done
  cmd=(make -B -j2)
  if [ "$i" -ge 18 ] && [ "$i" -le 19 ]; then echo 'this is not C;' >> "$dir/greet.c"; fi
  if [ "$i" -eq 20 ]; then cmd=(sh -c 'make -B -j2 && make -B main.o'); fi
  (cd "$dir" && LC_ALL=C $BT trace -q -o "$WORK/traces/build-$i.trace" -- "${cmd[@]}" >/dev/null 2>&1) || true
  $BT export parquet "$WORK/traces/build-$i.trace" -o "$WORK/parquet/build-$i" -q
done
echo "# 20 traces in $WORK/traces, their Parquet directories in $WORK/parquet" >&2
q() {
  echo "\$ bt sql \"$1\" parquet/*"
  (cd "$WORK" && $BT sql "$1" parquet/*)
  echo
}
q "SELECT DISTINCT b.build_id, b.command, b.exit_status FROM builds b JOIN accesses a USING (build_id) WHERE a.path LIKE '%/util.h' AND list_contains(a.kind, 'read') ORDER BY b.build_id LIMIT 5"
q "SELECT tool, count(*) AS runs, round(sum(duration_ms)) AS total_ms, round(max(duration_ms), 1) AS max_ms FROM processes GROUP BY tool ORDER BY total_ms DESC LIMIT 6"
q "SELECT DISTINCT b.build_id, b.cwd FROM builds b JOIN accesses a USING (build_id) JOIN files f USING (build_id, file_id) WHERE f.path LIKE '/home/%' AND list_contains(a.kind, 'read') AND NOT f.created ORDER BY 1"
q "SELECT p.build_id, p.tool, p.exit_code, left(array_to_string(p.argv, ' '), 50) AS command FROM processes p WHERE p.failed ORDER BY 1, p.proc"
q "SELECT build_id, path, count(DISTINCT job) AS jobs FROM accesses WHERE job > 0 AND list_has_any(kind, ['write', 'create', 'truncate']) AND path NOT LIKE '/dev/%' GROUP BY ALL HAVING count(DISTINCT job) > 1"
q "SELECT count(*) AS builds, sum(processes) AS processes, (SELECT count(*) FROM events) AS events FROM builds"
