/**
 * check --make on a hand-written libtool compile with no -o (sqlite's
 * `$(LTCOMPILE) -c sqlite3.c`: libtool derives sqlite3.lo and writes
 * .libs/sqlite3.o and sqlite3.o beside it), where other rules name those
 * side files too (sqlite's `.libs/sqlite3.o: sqlite3.lo` for its DLL, and
 * make's built-in `%.o: %.c` for sqlite3.o): the link, ordered after
 * sqlite3.lo, reads them with no missing-dep.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** A stand-in for libtool (not how libtool works, but the files it writes): compile `-c X.c` writes .libs/X.o, X.o, X.lo; link `-o libN.la X.lo` reads .libs/X.o and X.o. */
const LIBTOOL = `#!/bin/sh
mode=\${1#--mode=}; shift
case $mode in
compile)
  for a in "$@"; do case $a in *.c) src=$a ;; esac; done
  stem=$(basename "$src" .c)
  mkdir -p .libs
  "$@" -fPIC -o .libs/$stem.o && "$@" -o $stem.o || exit 1
  printf "pic_object='.libs/%s.o'\\nnon_pic_object='%s.o'\\n" $stem $stem > $stem.lo
  ;;
link)
  out=$3; stem=$(basename "$out" .la); lo=$4
  $1 -shared -o .libs/$stem.so .libs/\${lo%.lo}.o || exit 1
  ar cr .libs/$stem.a \${lo%.lo}.o
  echo "dlname='$stem.so'" > $out
  ;;
esac
`;

ebpfTest('check --make: libtool\'s .libs/X.o and X.o of a compile with no -o, named by other rules too, are read by the link ordered after X.lo: no missing-dep', async () => {
  const dir = path.join(tmpdir('bt-libtool-'), 'noo');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    [
      'all: libx.la',
      'libx.la: x.lo',
      '\t./libtool --mode=link cc -o $@ x.lo',
      'x.lo: x.c',
      '\t./libtool --mode=compile cc -c x.c',
      '.libs/x.o: x.lo',
      '.PHONY: all',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'libtool'), LIBTOOL, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'x.c'), 'int x(void) { return 1; }\n');
  const tr = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  for (const f of ['x.lo', '.libs/x.o', 'x.o', 'libx.la', '.libs/libx.so', '.libs/libx.a']) assert.ok(fs.existsSync(path.join(dir, f)), f);
  const r = await bt(['check', '--make', '--json', tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string }> };
  // the script itself, read by both recipes, is a true finding (one for the build): nothing about .libs/x.o or x.o
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target)]),
    [['undeclared-input', 'libtool', 'x.lo']],
  );
});
