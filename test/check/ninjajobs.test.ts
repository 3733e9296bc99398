/**
 * bt check --ninja on synthetic traces against a real build.ninja (ninja
 * answers -t targets/query/deps): only the jobs a ninja running in DIR
 * started are held to DIR's edges (CMake's configure step, started by the
 * shell, writes build.ninja but is no edge of it), and the edge remaking
 * the manifest (RERUN_CMAKE) is CMake's: what it writes besides build.ninja
 * is its own, and every edge comes after it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { check } from '../../src/check/index.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { tmpdir } from '../helpers/tmp.js';
import { needTools } from '../helpers/tools.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const BUILD_NINJA = `rule RERUN_CMAKE
  command = cmake --regenerate-during-build -S.. -B.
  generator = 1
build build.ninja: RERUN_CMAKE | ../CMakeLists.txt
rule cp
  command = cp $in $out
build out.txt: cp ../in.txt
rule cc
  command = cc -c -o $out $in
build main.o: cc ../main.c | gen/config.h
build all: phony out.txt main.o
default all
`;

/** The project (DIR) and its ninja build directory (DIR/b), or undefined (the test skipped) without ninja. */
function project(t: TestContext): { dir: string; b: string } | undefined {
  if (!needTools(t, 'ninja')) return undefined;
  const dir = path.join(tmpdir('bt-ninjajobs-'), 'p');
  const b = path.join(dir, 'b');
  fs.mkdirSync(b, { recursive: true });
  fs.writeFileSync(path.join(b, 'build.ninja'), BUILD_NINJA);
  return { dir, b };
}

const read = (t: TraceBuilder, pid: number, file: string) => {
  t.open(pid, file, { fd: 3 });
  t.close(pid, 3);
};
const write = (t: TraceBuilder, pid: number, file: string) => {
  t.open(pid, file, { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(pid, 3);
};

/** CMake configuring or regenerating: reads CMakeLists.txt (and, file(READ), VERSION), writes its cache, rules.ninja, configure_file()'s gen/config.h and build.ninja. */
function cmake(t: TraceBuilder, pid: number, dir: string, b: string, version: boolean): void {
  read(t, pid, `${dir}/CMakeLists.txt`);
  if (version) read(t, pid, `${dir}/VERSION`);
  for (const f of ['CMakeCache.txt', 'CMakeFiles/rules.ninja', 'CMakeFiles/TargetDirectories.txt', 'gen/config.h', 'build.ninja']) write(t, pid, `${b}/${f}`);
}

/** ninja's two edges, as jobs `cp` and `cc` of process `ninja`: cp (which also writes side.txt when `side`), and cc reading gen/config.h. */
function edges(t: TraceBuilder, ninja: number, [cp, cc]: [number, number], dir: string, b: string, side: boolean): void {
  t.fork(ninja, cp);
  t.exec(cp, '/bin/sh', ['/bin/sh', '-c', `cp ../in.txt out.txt${side ? ' && echo x > side.txt' : ''}`], b);
  read(t, cp, `${dir}/in.txt`);
  write(t, cp, `${b}/out.txt`);
  if (side) write(t, cp, `${b}/side.txt`);
  t.exit(cp, 0);
  t.fork(ninja, cc);
  t.exec(cc, '/bin/sh', ['/bin/sh', '-c', 'cc -c -o main.o ../main.c'], b);
  read(t, cc, `${dir}/main.c`);
  read(t, cc, `${b}/gen/config.h`);
  write(t, cc, `${b}/main.o`);
  t.exit(cc, 0);
}

/** [kind, file, target] of each finding (paths relative to DIR), and the notes. */
async function findings(t: TraceBuilder, dir: string, ninjaDir: string): Promise<{ got: string[][]; notes: string[] }> {
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records, { trailer: t.trailer(0) });
  const r = await check(build, { ninja: ninjaDir });
  return { got: r.findings.map((f) => [f.kind, path.relative(dir, f.file), f.target ? path.relative(dir, f.target) : '']), notes: r.notes };
}

/** sh -c 'cmake -S . -B b -G Ninja && cmake --build b': the configure step (11) by the shell, then cmake --build (12) starting ninja in b (13). */
function configureThenBuild(dir: string, b: string, side: boolean): TraceBuilder {
  const t = new TraceBuilder(10, dir);
  t.exec(10, '/bin/sh', ['sh', '-c', 'cmake -S . -B b -G Ninja && cmake --build b'], dir);
  t.fork(10, 11);
  t.exec(11, '/usr/bin/cmake', ['cmake', '-S', '.', '-B', 'b', '-G', 'Ninja'], dir);
  cmake(t, 11, dir, b, true);
  t.exit(11, 0);
  t.fork(10, 12);
  t.exec(12, '/usr/bin/cmake', ['cmake', '--build', 'b'], dir);
  t.fork(12, 13);
  t.exec(13, '/usr/bin/ninja', ['/usr/bin/ninja'], b);
  edges(t, 13, [14, 15], dir, b, side);
  t.exit(13, 0);
  t.exit(12, 0);
  t.exit(10, 0);
  return t;
}

test('check --ninja: CMake configuring before the build (started by the shell, not by ninja) is held to no edge; a ninja job\'s undeclared output still is one', async (t) => {
  const p = project(t);
  if (!p) return;
  assert.deepEqual(
    (await findings(configureThenBuild(p.dir, p.b, false), p.dir, p.b)).got,
    [],
    'the configure step wrote build.ninja, its cache, rules.ninja and gen/config.h and read VERSION: not the RERUN_CMAKE edge of ninja',
  );
  assert.deepEqual((await findings(configureThenBuild(p.dir, p.b, true), p.dir, p.b)).got, [['undeclared-output', 'b/side.txt', 'b/out.txt']]);
});

test('check --ninja: no ninja ran in DIR, or none of its jobs made a target, is said in a note', async (t) => {
  const p = project(t);
  if (!p) return;
  const other = path.join(p.dir, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'build.ninja'), BUILD_NINJA);
  const r = await findings(configureThenBuild(p.dir, p.b, true), p.dir, other);
  assert.deepEqual(r.got, []);
  assert.deepEqual(r.notes, [`no ninja of the build ran in ${other} (ninja -C ${other}): nothing was compared with its graph (is it the build directory of the traced build?)`]);
  // a ninja ran there, but none of its jobs made a target of the graph
  const t2 = new TraceBuilder(10, p.dir);
  t2.exec(10, '/usr/bin/ninja', ['ninja', '-C', 'other'], p.dir);
  t2.chdir(10, 'other', other);
  t2.fork(10, 11);
  t2.exec(11, '/bin/sh', ['/bin/sh', '-c', 'echo x > x.txt'], other);
  write(t2, 11, `${other}/x.txt`);
  t2.exit(11, 0);
  t2.exit(10, 0);
  const none = await findings(t2, p.dir, other);
  assert.deepEqual(none.notes, [`no job of the build wrote or named a target of the ninja graph in ${other}: nothing was compared with it (is it the build directory of the traced build?)`]);
});

/** ninja -C b (10) regenerating build.ninja first (cmake --regenerate-during-build, 11), then its edges. */
function regenerate(dir: string, b: string, version: boolean): TraceBuilder {
  const t = new TraceBuilder(10, dir);
  t.exec(10, '/usr/bin/ninja', ['ninja', '-C', 'b'], dir);
  t.chdir(10, 'b', b);
  t.fork(10, 11);
  t.exec(11, '/usr/bin/cmake', ['/usr/bin/cmake', '--regenerate-during-build', '-S..', '-B.'], b);
  cmake(t, 11, dir, b, version);
  t.exit(11, 0);
  edges(t, 10, [12, 13], dir, b, false);
  t.exit(10, 0);
  return t;
}

test('check --ninja: ninja regenerating build.ninja: what CMake writes besides is its own and comes before every edge; what it reads undeclared is still found', async (t) => {
  const p = project(t);
  if (!p) return;
  assert.deepEqual((await findings(regenerate(p.dir, p.b, false), p.dir, p.b)).got, [], 'no undeclared CMakeCache.txt, rules.ninja, TargetDirectories.txt or gen/config.h; main.o reading gen/config.h is ordered');
  assert.deepEqual((await findings(regenerate(p.dir, p.b, true), p.dir, p.b)).got, [['undeclared-input', 'VERSION', 'b/build.ninja']], 'file(READ VERSION) without CMAKE_CONFIGURE_DEPENDS: a changed VERSION does not re-run CMake');
});
