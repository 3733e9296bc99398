/**
 * bt check --ninja on a real trace (eBPF, as root) of a small ninja build:
 * a compile whose headers ninja learned from its depfile (declared), a rule
 * reading a file its edge does not list, one reading a file its edge has
 * only as order-only (||: its change rebuilds nothing), and one writing a
 * file it does not declare.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const BUILD_NINJA = `rule cc
  command = cc -MD -MF $out.d -c -o $out $in
  depfile = $out.d
  deps = gcc
rule link
  command = cc -o $out $in
rule cat
  command = cat $in extra.txt > $out
rule stamp
  command = echo done > $out && echo log > side.log
build main.o: cc main.c
build app: link main.o
build out.txt: cat in.txt
build stamp.txt: stamp | app
rule gen
  command = cp $in $out
rule catu
  command = cat $in util.h > $out
build util.h: gen util.in
build out2.txt: catu in2.txt || util.h
build all: phony app out.txt out2.txt stamp.txt
default all
`;

function hasNinja(): boolean {
  return ['/usr/bin/ninja', '/usr/local/bin/ninja', '/bin/ninja'].some((p) => fs.existsSync(p));
}

ebpfTest('check --ninja: exactly the undeclared input and the undeclared output', async (t) => {
  if (!hasNinja()) {
    if (process.env.CI) throw new Error('ninja is required in CI (apt-get install ninja-build; scripts/setup.sh does)');
    t.skip('ninja is not installed');
    return;
  }
  const dir = path.join(tmpdir('bt-ninja-'), 'proj');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'build.ninja'), BUILD_NINJA);
  fs.writeFileSync(path.join(dir, 'main.c'), '#include "h.h"\nint main(void) { return X; }\n');
  fs.writeFileSync(path.join(dir, 'h.h'), '#define X 0\n');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'in\n');
  fs.writeFileSync(path.join(dir, 'extra.txt'), 'extra\n');
  fs.writeFileSync(path.join(dir, 'util.in'), 'util\n');
  fs.writeFileSync(path.join(dir, 'in2.txt'), 'in2\n');
  const tr = await trace(['ninja', '-j2'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);

  const r = await bt(['check', '--json', '--ninja', dir, tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { checked: string[]; findings: Array<{ kind: string; file: string; target: string; jobs: Array<{ argv: string[] }> }> };
  assert.deepEqual(json.checked, ['hermeticity', 'races', 'ninja']);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target), f.jobs[0].argv.at(-1)]).sort(), // in time order: ninja -j2 runs the two cats in either order
    [
      ['undeclared-input', 'extra.txt', 'out.txt', 'cat in.txt extra.txt > out.txt'],
      ['undeclared-input', 'util.h', 'out2.txt', 'cat in2.txt util.h > out2.txt'],
      ['undeclared-output', 'side.log', 'stamp.txt', 'echo done > stamp.txt && echo log > side.log'],
    ],
    'h.h is declared through the depfile ninja recorded; main.o.d is ninja\'s own',
  );

  const noMake = await bt(['check', '--make', tr.file]);
  assert.equal(noMake.code, 2);
  assert.match(noMake.stderr.trim(), /^bt: --make: the build ran no make, so there is no make graph to compare with/);

  // another ninja directory: nothing of the build is a target there, and check says so
  const other = path.join(path.dirname(dir), 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'build.ninja'), 'rule cp\n  command = cp $in $out\nbuild x.txt: cp y.txt\n');
  const wrong = await bt(['check', '--ninja', other, tr.file]);
  assert.equal(wrong.code, 0, wrong.stderr);
  assert.match(wrong.stderr, new RegExp(`^bt: note: no job of the build wrote a target of the ninja graph in ${other}: nothing was compared with it \\(is it the build directory of the traced build\\?\\)$`, 'm'));

  const bad = await bt(['check', '--ninja', path.join(dir, 'nowhere'), tr.file]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^bt: --ninja \S+nowhere: no build\.ninja there: give the ninja build directory of the traced build$/);
});
