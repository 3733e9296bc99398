/**
 * bt summary of a real `./configure && make` (eBPF, as root): the jobs
 * of the configure step and of make are counted apart, by phase.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** A configure script that compiles a conftest.c and writes a Makefile of two rules. */
const CONFIGURE = [
  '#!/bin/sh',
  'echo "int x;" > conftest.c && cc -c conftest.c -o conftest.o && rm -f conftest.c conftest.o',
  'echo "all: a.txt b.txt" > Makefile',
  'printf "a.txt:\\n\\techo a > a.txt\\nb.txt:\\n\\techo b > b.txt\\n" >> Makefile',
  '',
].join('\n');

ebpfTest('bt summary: ./configure && make is two phases, the configure step and make, each with its jobs; make alone is one', async () => {
  const dir = tmpdir('bt-phases-');
  fs.writeFileSync(path.join(dir, 'configure'), CONFIGURE, { mode: 0o755 });
  const t = await trace(['sh', '-c', './configure && make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const j = await bt(['summary', t.file, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const s = JSON.parse(j.stdout);
  assert.deepEqual(
    s.phases.map((p: { argv: string[]; configure: boolean; jobs: number }) => [p.argv, p.configure, p.jobs]),
    [
      [['./configure'], true, 1],
      [['make'], false, 2],
    ],
  );
  assert.equal(s.job_count, 3);
  const text = await bt(['summary', t.file]);
  assert.match(text.stdout, /\nphases: \.\/configure \(configure\): 1 job, [\d.]+ m?s; then make: 2 jobs, [\d.]+ m?s\n/);
  // make alone: one phase, no line
  const again = await trace(['make', '-B'], { cwd: dir });
  const one = await bt(['summary', again.file, '--json']);
  assert.deepEqual(JSON.parse(one.stdout).phases, []);
  assert.doesNotMatch((await bt(['summary', again.file])).stdout, /^phases:/m);
});

ebpfTest('bt summary: a script of plain commands (each a job of its own phase) has no phases line', async () => {
  const dir = tmpdir('bt-phases-');
  const t = await trace(['sh', '-c', 'echo a > a.txt; cat a.txt > b.txt; cp b.txt c.txt'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const s = JSON.parse((await bt(['summary', t.file, '--json'])).stdout);
  assert.equal(s.job_count, 2, 'cat and cp (echo is the shell\'s own)');
  assert.deepEqual(s.phases, []);
});

ebpfTest("bt summary: CMake with Makefiles is two phases; the build's own `cmake --check-build-system` is part of the build's", async () => {
  const dir = tmpdir('bt-phases-cmake-');
  fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.10)\nproject(p C)\nadd_executable(app main.c)\n');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
  const t = await trace(['sh', '-c', 'cmake -S . -B build -G "Unix Makefiles" >/dev/null && cmake --build build >/dev/null'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const s = JSON.parse((await bt(['summary', t.file, '--json'])).stdout);
  // before: a third phase `cmake … --check-build-system CMakeFiles/Makefile.cmake 0 (configure)`, listed after the build it ran in
  assert.deepEqual(
    s.phases.map((p: { argv: string[]; configure: boolean }) => [p.argv, p.configure]),
    [
      [['cmake', '-S', '.', '-B', 'build', '-G', 'Unix Makefiles'], true],
      [['cmake', '--build', 'build'], false],
    ],
  );
  assert.equal(s.phases[0].jobs + s.phases[1].jobs, s.job_count);
  const check = await bt(['sql', "SELECT count(*) AS n FROM processes WHERE list_contains(argv, '--check-build-system')", t.file, '--json']);
  assert.equal(check.code, 0, check.stderr);
  assert.ok(JSON.parse(check.stdout.trim().split('\n')[0]).n >= 1, 'the build ran cmake --check-build-system');
});

ebpfTest("bt summary: node-gyp's gyp (gyp_main.py writing build/Makefile) is a configure step, then make", async () => {
  const dir = tmpdir('bt-phases-gyp-');
  fs.mkdirSync(path.join(dir, 'gyp'));
  fs.writeFileSync(path.join(dir, 'binding.gyp'), '{}\n');
  fs.writeFileSync(
    path.join(dir, 'gyp', 'gyp_main.py'),
    "import os, sys\nopen(sys.argv[1]).read()\nos.makedirs('build', exist_ok=True)\nopen('build/Makefile', 'w').write('all: a.txt b.txt\\na.txt:\\n\\techo a > a.txt\\nb.txt:\\n\\techo b > b.txt\\n')\n",
  );
  const t = await trace(['sh', '-c', '/usr/bin/python3 gyp/gyp_main.py binding.gyp -f make && make -C build'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const s = JSON.parse((await bt(['summary', t.file, '--json'])).stdout);
  assert.deepEqual(
    s.phases.map((p: { argv: string[]; configure: boolean; jobs: number }) => [p.argv, p.configure, p.jobs]),
    [
      [['/usr/bin/python3', 'gyp/gyp_main.py', 'binding.gyp', '-f', 'make'], true, 1],
      [['make', '-C', 'build'], false, 2],
    ],
  );
  assert.match((await bt(['summary', t.file])).stdout, /\nphases: gyp_main\.py binding\.gyp -f make \(configure\): 1 job, [\d.]+ m?s; then make -C build: 2 jobs, [\d.]+ m?s\n/);
});
