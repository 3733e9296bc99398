/**
 * bt diff on real traces (eBPF, as root) of two configure-like and
 * ninja-like runs with other flags: autoconf's per-run names (`conf$$`,
 * `./confXXXXXX`) given relatively are masked, and a flag changed in a
 * shell's -c script is grouped with the compilers' own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { scriptWords } from '../../src/diff/match.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** autoconf's ways: conf$$ files and a directory made and removed, a mktemp -d ./confXXXXXX directory, conftest.c compiled with the flags given. */
const CONFIGURE = `rm -f conf$$ conf$$.exe conf$$.file
echo > conf$$.file
mkdir conf$$.dir
ln -s conf$$.file conf$$
ln -s conf$$.file conf$$.dir
rm -f conf$$ conf$$.exe conf$$.dir/conf$$.file conf$$.file
rmdir conf$$.dir
tmp=$(mktemp -d ./confXXXXXX)
echo 's/x/y/' > "$tmp/subs.sed"
echo x | sed -f "$tmp/subs.sed" > out.txt
rm -fr "$tmp"
echo 'int main(void) { return 0; }' > conftest.c
cc $1 -c -o conftest.o conftest.c
rm -f conftest.c conftest.o
`;

/** ninja's way: each command through sh -c, the flags in its text. */
const BUILD = `for u in u v; do
  echo "int $u(void) { return 0; }" > $u.c
  sh -c "cc $1 -c -o $u.o $u.c"
done
`;

/** `sh ./NAME FLAGS` traced in a fresh directory holding the script. */
async function run(name: string, script: string, flags: string[]): Promise<string> {
  const dir = tmpdir('bt-diff-');
  fs.writeFileSync(path.join(dir, name), script);
  const t = await trace(['sh', `./${name}`, ...flags], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  return t.file;
}

/** The text of bt diff A B up to its durations (timing is not content). */
async function diffLines(a: string, b: string): Promise<string[]> {
  const r = await bt(['diff', a, b]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n').slice(1);
  const end = lines.findIndex((l) => l.startsWith('job durations changed most'));
  return end < 0 ? lines : lines.slice(0, end);
}

ebpfTest("diff: configure's conf$$ and ./confXXXXXX names are masked where given relatively; -O1 is the one difference", async () => {
  const a = await run('configure', CONFIGURE, []);
  const b = await run('configure', CONFIGURE, ['-O1']);
  const lines = await diffLines(a, b);
  // no `rm -f conf25489 …` only in A, no `mkdir [-conf25489.dir-] {+conf25522.dir+}`, no `rm -fr [-./confsLbYG7-] {+./confebfV6Q+}`
  assert.deepEqual(lines.slice(0, 6), [
    '',
    'arguments changed (A -> B) (3)',
    '  {+-O1+} in 3 commands: configure (1), cc (1), cc1 (1)',
    '    configure ./configure {+-O1+}',
    // conftest.c and conftest.o were made and removed: temporaries
    "    cc {+-O1+} -c -o '<tmp>' '<tmp>'",
    lines[5],
  ]);
  assert.match(lines[5]!, /^ {4}cc1 … .*\{\+-O1\+\}/);
  assert.deepEqual(lines.slice(6).filter((l) => l !== ''), [], lines.join('\n'));
});

ebpfTest("diff: a flag changed in sh -c's script is grouped with the compilers' own", async () => {
  const a = await run('build.sh', BUILD, ['-O0']);
  const b = await run('build.sh', BUILD, ['-O1']);
  const lines = await diffLines(a, b);
  assert.deepEqual(lines.slice(0, 7), [
    '',
    'arguments changed (A -> B) (7)',
    '  [--O0-] {+-O1+} in 7 commands: build.sh (1), sh (2), cc (2), cc1 (2)',
    '    build.sh ./build.sh [--O0-] {+-O1+}',
    // the script word by word, not sh -c [-'cc -O0 -c -o u.o u.c'-] {+'cc -O1 -c -o u.o u.c'+} once per command
    '    sh -c cc [--O0-] {+-O1+} -c -o u.o u.c  (and 1 more like it)',
    '    cc [--O0-] {+-O1+} -c -o u.o u.c  (and 1 more like it)',
    lines[6],
  ]);
  assert.match(lines[6]!, /^ {4}cc1 … .*\[--O0-\] \{\+-O1\+\}.*\(and 1 more like it\)$/);
  assert.deepEqual(lines.slice(7).filter((l) => l !== ''), [], lines.join('\n'));
});

test('scriptWords: words as written, quotes kept; ; && || | & and parentheses apart, not in 2>&1', () => {
  assert.deepEqual(scriptWords(`cd x && cc -DMSG='"a b"' -c "$S/u.c" 2>&1;(echo \\ ok)|| true &`), [
    'cd',
    'x',
    '&&',
    'cc',
    `-DMSG='"a b"'`,
    '-c',
    '"$S/u.c"',
    '2>&1',
    ';',
    '(',
    'echo',
    '\\ ok', // an escaped blank is in the word
    ')',
    '||',
    'true',
    '&',
  ]);
});
